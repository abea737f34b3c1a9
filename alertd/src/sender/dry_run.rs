//! The dry-run sender: logs the request it would send (rendered body, segments, cost estimate)
//! and reports it accepted, so the whole pipeline can be tried without a Twilio account.

use std::sync::Mutex;

use crate::domain::channel::Channel;
use crate::domain::outbox::Price;
use crate::domain::text_budget::{self, Encoding};
use crate::outbox::{BoxFuture, FetchedStatus, LookupError, Outbound, SendOutcome, Sender};

/// How the SIDs a dry run hands out start.
const SID_PREFIX: &str = "DRYRUN";

/// US list price per SMS segment, for the estimate only.
const USD_PER_SEGMENT: f64 = 0.0083;
/// US list price per started minute of an outbound call, for the estimate only.
const USD_PER_CALL_MINUTE: f64 = 0.014;

/// What a dry run "sent".
#[derive(Debug, Clone, PartialEq)]
pub struct DryRunRecord {
    /// SMS or voice.
    pub(crate) channel: Channel,
    /// From number or messaging service.
    pub from: String,
    /// Destination.
    pub to: String,
    /// Text.
    pub body: String,
    /// SMS segments (0 for calls).
    pub segments: u32,
    /// Estimated cost in USD.
    pub cost_usd: f64,
}

/// Logs instead of sending.
#[derive(Debug)]
pub struct DryRunSender {
    from: String,
    log: Mutex<Vec<DryRunRecord>>,
}

impl DryRunSender {
    /// A dry-run sender "sending" from `from`.
    pub fn new(from: impl Into<String>) -> Self {
        Self {
            from: from.into(),
            log: Mutex::new(Vec::new()),
        }
    }

    /// Everything "sent" so far (bounded to the last 1000).
    pub fn records(&self) -> Vec<DryRunRecord> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Describes a message the way the log line does.
    ///
    /// ```
    /// use alertd::outbox::Outbound;
    /// use alertd::sender::dry_run::DryRunSender;
    /// use alertd::domain::channel::Channel;
    /// let s = DryRunSender::new("+15005550006");
    /// let r = s.describe(&Outbound::text(1, Channel::Sms, "+15551230001", "[FIRING:1] Hot"));
    /// assert_eq!(r.segments, 1);
    /// assert!(r.cost_usd > 0.0);
    /// ```
    pub fn describe(&self, msg: &Outbound<'_>) -> DryRunRecord {
        let (segments, cost_usd) = match msg.channel {
            Channel::Sms => {
                let segments =
                    u32::try_from(text_budget::count(msg.body).segments).unwrap_or(u32::MAX);
                (segments, f64::from(segments) * USD_PER_SEGMENT)
            }
            Channel::Voice => (0, USD_PER_CALL_MINUTE),
        };
        DryRunRecord {
            channel: msg.channel,
            from: msg.from.unwrap_or(&self.from).to_owned(),
            to: msg.to.to_owned(),
            body: msg.body.to_owned(),
            segments,
            cost_usd,
        }
    }
}

impl Sender for DryRunSender {
    fn rate_key(&self) -> &str {
        &self.from
    }

    fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, SendOutcome> {
        Box::pin(async move {
            let record = self.describe(msg);
            let encoding = match text_budget::count(msg.body).encoding {
                Encoding::Gsm7 => "GSM-7",
                Encoding::Ucs2 => "UCS-2",
            };
            match msg.channel {
                Channel::Sms => tracing::info!(
                    target: "alertd::dry_run",
                    "DRY RUN would send SMS From={} To={} segments={} encoding={encoding} cost~${:.4} body={:?}",
                    record.from, record.to, record.segments, record.cost_usd, record.body
                ),
                Channel::Voice => tracing::info!(
                    target: "alertd::dry_run",
                    "DRY RUN would call From={} To={} cost~${:.4}/min saying={:?}",
                    record.from, record.to, record.cost_usd, record.body
                ),
            }
            let mut log = self
                .log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if log.len() >= 1000 {
                log.remove(0);
            }
            log.push(record);
            SendOutcome::Accepted {
                sid: format!("{SID_PREFIX}{:026}", msg.outbox_id),
                status: "dry-run".into(),
            }
        })
    }

    /// What a dry run "sent" came to: delivered, or a call completed (it pretends every send
    /// goes through), for 0 USD. A SID it did not hand out is not its to answer for.
    fn fetch_status<'a>(
        &'a self,
        channel: Channel,
        sid: &'a str,
    ) -> BoxFuture<'a, Result<FetchedStatus, LookupError>> {
        Box::pin(async move {
            if !sid.starts_with(SID_PREFIX) {
                return Err(LookupError::Permanent(format!(
                    "a dry run cannot look up {sid}: it was not sent by a dry run"
                )));
            }
            let status = match channel {
                Channel::Sms => "delivered",
                Channel::Voice => "completed",
            };
            Ok(FetchedStatus {
                status: status.into(),
                error_code: None,
                // Nothing was sent, so nothing was charged.
                price: Some(Price {
                    amount: "0.00000".into(),
                    unit: "USD".into(),
                }),
            })
        })
    }
}
