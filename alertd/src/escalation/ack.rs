//! Acknowledgement and "escalate now", shared by the call's Gather webhook, the SMS reply
//! webhook and the API. Only numbers an escalation reached may act on it by phone; the API is
//! authenticated and records the tool's name. A bare "ACK" (no id) means the escalation most
//! recently sent to that number, and only within [`BARE_ACK_WINDOW`] of it: a second "ACK", or
//! one long after, never reaches back to some older escalation.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::text;
use crate::clock::SharedClock;
use crate::domain::escalation::{AckVia, Escalation, EscalationWrite};
use crate::store::group_commit::StoreWriter;
use crate::store::{Store, StoreError, WriteOp};

/// Why an acknowledgement or escalation request could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum AckError {
    /// No escalation has that id (or none was ever sent to that number).
    #[error("no escalation {0:?}")]
    NotFound(String),
    /// The number asking was never sent that escalation.
    #[error(
        "{number} was not contacted about escalation {short_id}; only contacted numbers may acknowledge it"
    )]
    NotAContact {
        /// Who asked.
        number: String,
        /// Which escalation.
        short_id: String,
    },
    /// Already acknowledged, or its alerts resolved.
    #[error("escalation {short_id} is already {state}")]
    Closed {
        /// Which escalation.
        short_id: String,
        /// `acked` (with who) or `resolved`.
        state: String,
    },
    /// A bare "ACK" long after the latest escalation message to that number.
    #[error(
        "the latest escalation sent to {number} ({short_id}) went out more than {} minutes ago; reply ACK {short_id} to acknowledge it",
        BARE_ACK_WINDOW.as_secs() / 60
    )]
    TooLate {
        /// Who asked.
        number: String,
        /// The escalation it would have meant.
        short_id: String,
    },
    /// The store failed; nothing changed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// How long after an escalation message a bare "ACK" from its number still acknowledges it.
pub(crate) const BARE_ACK_WINDOW: Duration = Duration::from_secs(30 * 60);

/// The escalation service the webhooks and the API share.
#[derive(Clone)]
pub(crate) struct Escalations {
    /// Reads.
    pub(crate) store: Arc<dyn Store>,
    /// Writes (the app's single writer).
    pub(crate) writer: StoreWriter,
    /// Time.
    pub(crate) clock: SharedClock,
    /// Poked after confirmations are written.
    pub(crate) outbox_wake: Arc<Notify>,
    /// Poked after "escalate now".
    pub(crate) timer_wake: Arc<Notify>,
    pub(crate) metrics: Arc<crate::metrics::Metrics>,
}

impl std::fmt::Debug for Escalations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Escalations").finish_non_exhaustive()
    }
}

fn closed(e: &Escalation) -> AckError {
    let state = match (&e.acked_by, &e.acked_via) {
        (Some(by), Some(via)) => format!("acknowledged by {by} ({via})"),
        _ => e.state.as_str().to_owned(),
    };
    AckError::Closed {
        short_id: e.short_id.clone(),
        state,
    }
}

impl Escalations {
    /// The escalation `short_id` names, or (without one) the latest sent to `number`.
    pub(crate) async fn find(
        &self,
        short_id: Option<&str>,
        number: Option<&str>,
    ) -> Result<Escalation, AckError> {
        let found = match (short_id, number) {
            (Some(id), _) => {
                let id = id.to_owned();
                crate::store::blocking(&self.store, move |s| s.escalation(&id)).await?
            }
            (None, Some(n)) => {
                let number = n.to_owned();
                let latest =
                    crate::store::blocking(&self.store, move |s| s.latest_escalation_for(&number))
                        .await?;
                match latest {
                    Some((e, sent_at)) if sent_at < self.clock.now().before(BARE_ACK_WINDOW) => {
                        return Err(AckError::TooLate {
                            number: n.to_owned(),
                            short_id: e.short_id,
                        });
                    }
                    latest => latest.map(|(e, _)| e),
                }
            }
            (None, None) => None,
        };
        found.ok_or_else(|| AckError::NotFound(short_id.unwrap_or_default().to_owned()))
    }

    async fn check_contact(&self, e: &Escalation, number: &str) -> Result<(), AckError> {
        let id = e.id;
        let contacts =
            crate::store::blocking(&self.store, move |s| s.escalation_contacts(id)).await?;
        if contacts.iter().any(|c| c.number == number) {
            Ok(())
        } else {
            Err(AckError::NotAContact {
                number: number.to_owned(),
                short_id: e.short_id.clone(),
            })
        }
    }

    /// `number` acknowledges by phone (`via` voice or SMS): stops the escalation and texts
    /// that number a confirmation.
    pub(crate) async fn ack_by_number(
        &self,
        short_id: Option<&str>,
        number: &str,
        via: AckVia,
    ) -> Result<Escalation, AckError> {
        let e = self.find(short_id, Some(number)).await?;
        self.check_contact(&e, number).await?;
        let body = text::confirmation(&e.short_id, &e.alert_name, None);
        self.ack(e, number.to_owned(), via, vec![(number.to_owned(), body)])
            .await
    }

    /// An authenticated tool acknowledges; every number the escalation reached is told who
    /// did.
    pub(crate) async fn ack_by_api(
        &self,
        short_id: &str,
        who: &str,
    ) -> Result<Escalation, AckError> {
        let e = self.find(Some(short_id), None).await?;
        let id = e.id;
        let contacts =
            crate::store::blocking(&self.store, move |s| s.escalation_contacts(id)).await?;
        let by = format!("api:{who}");
        let body = text::confirmation(&e.short_id, &e.alert_name, Some(&by));
        let mut numbers: Vec<String> = contacts.into_iter().map(|c| c.number).collect();
        numbers.sort();
        numbers.dedup();
        let confirmations = numbers.into_iter().map(|n| (n, body.clone())).collect();
        self.ack(e, by, AckVia::Api, confirmations).await
    }

    async fn ack(
        &self,
        e: Escalation,
        by: String,
        via: AckVia,
        confirmations: Vec<(String, String)>,
    ) -> Result<Escalation, AckError> {
        if !e.state.ackable() {
            return Err(closed(&e));
        }
        let changed = self
            .writer
            .submit(WriteOp::Escalation(EscalationWrite::Ack {
                id: e.id,
                by: by.clone(),
                via,
                confirmations,
                now: self.clock.now(),
            }))
            .await?;
        // Re-read: the row as stored (or who beat us to it).
        let short = e.short_id.clone();
        let now_stored = crate::store::blocking(&self.store, move |s| s.escalation(&short))
            .await?
            .unwrap_or(e);
        if changed == 0 {
            return Err(closed(&now_stored));
        }
        tracing::info!(escalation = %now_stored.short_id, %by, via = via.as_str(), "escalation acknowledged");
        // The console acknowledges through the API path under its own name.
        let source = if by == "api:console" {
            "console"
        } else {
            via.as_str()
        };
        self.metrics.escalation_acked(source);
        self.outbox_wake.notify_one();
        Ok(now_stored)
    }

    /// The escalation `short_id` names, while an acknowledgement still means something (a
    /// call asks again only then).
    pub(crate) async fn still_open(&self, short_id: &str) -> Result<Escalation, AckError> {
        let e = self.find(Some(short_id), None).await?;
        if e.state.ackable() {
            Ok(e)
        } else {
            Err(closed(&e))
        }
    }

    /// `number` pressed 2: the next step goes out now.
    pub(crate) async fn escalate_now(
        &self,
        short_id: &str,
        number: &str,
    ) -> Result<Escalation, AckError> {
        let e = self.find(Some(short_id), None).await?;
        self.check_contact(&e, number).await?;
        let changed = self
            .writer
            .submit(WriteOp::Escalation(EscalationWrite::EscalateNow {
                id: e.id,
                now: self.clock.now(),
            }))
            .await?;
        if changed == 0 {
            return Err(closed(&e));
        }
        tracing::info!(escalation = %e.short_id, %number, "escalating now at the callee's request");
        self.timer_wake.notify_one();
        Ok(e)
    }
}
