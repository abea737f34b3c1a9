//! The reconciler: looks up what became of messages and calls whose status callbacks were
//! missed (alertd was down, or the network dropped them), so no row stays `queued` or
//! `ringing` for ever.
//!
//! Every [`PASS_EVERY`] it takes at most [`BATCH`] rows that Twilio accepted, whose status is
//! not final, and that have not changed for [`SMS_QUIET`] (messages) or [`CALL_QUIET`] (calls),
//! and fetches each one's status through the [`Sender`]. A status that differs is recorded
//! exactly as a status callback would be ([`WriteOp::Deliveries`]). A row is looked up again
//! no sooner than [`MIN_LOOKUP_GAP`], and later the older it is (half its age), and not at all
//! once it is [`GIVE_UP_AFTER`] old; when its last lookup leaves it without a final status,
//! that is logged.
//!
//! Status callbacks carry no price; Twilio sets a message's or call's `price` some time after
//! its final status. In the same passes, with what is left of the batch once statuses are
//! looked up, the reconciler fetches rows with a final status and no price: first
//! [`PRICE_FIRST_AFTER`] after the final status, then after as long again as the row has been
//! final (1, 2, 4, ... minutes), and not once it has been final for [`GIVE_UP_AFTER`] (about a
//! dozen lookups). A status lookup that finds a price records it too. Lookups are counted in
//! `alertd_status_lookups_total` (result `priced` or `unpriced` for price lookups).
//!
//! A send whose answer was lost (the request may have reached Twilio) leaves its row
//! `unconfirmed`. Every [`UNCONFIRMED_GAP`] the reconciler lists Twilio's newest messages or
//! calls to that number from that sender and looks for one created since the attempt (less
//! [`CLOCK_MARGIN`]), with the same text for an SMS. Found: the row is `sent` with its SID and
//! status, as if Twilio had answered (result `found`). Not found by a lookup at least
//! [`SETTLE`] after the attempt: Twilio has none (it lists what it created within seconds), so
//! the row goes back to `pending` and is sent again (result `resent`); that is the only way
//! an unconfirmed row is sent a second time. A lookup sooner finds nothing yet (`not_listed`);
//! a failed lookup is tried again later (`retry`, `permanent`), never taken for "none". A row
//! still unconfirmed [`GIVE_UP_AFTER`] after its attempt is recorded failed (`given_up`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::{Created, LookupError, Outbound, Sender};
use crate::clock::SharedClock;
use crate::domain::outbox::{
    AttemptRecord, DeliveryUpdate, OutboxMessage, Price, PriceLookupQuery, PriceUpdate,
    StatusLookupQuery, is_final_status,
};
use crate::domain::time::Timestamp;
use crate::metrics::Metrics;
use crate::store::group_commit::StoreWriter;
use crate::store::{Store, WriteOp};

/// How often the reconciler looks for rows to look up.
pub(crate) const PASS_EVERY: Duration = Duration::from_secs(60);
/// Rows looked up per pass, one after another (a gentle load on Twilio's API).
pub(crate) const BATCH: usize = 10;
/// How long an SMS's status must stay unchanged before it is looked up: a carrier can take
/// minutes to report delivery.
pub(crate) const SMS_QUIET: Duration = Duration::from_secs(30 * 60);
/// How long a call's status must stay unchanged before it is looked up: an escalation call
/// rings for a minute and lasts a few more.
pub(crate) const CALL_QUIET: Duration = Duration::from_secs(10 * 60);
/// The shortest time between two lookups of one row.
pub(crate) const MIN_LOOKUP_GAP: Duration = Duration::from_secs(5 * 60);
/// Rows older than this are no longer looked up.
pub(crate) const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// How long after its final status a row's price is first looked up: Twilio prices a message
/// or call shortly after it ends.
pub(crate) const PRICE_FIRST_AFTER: Duration = Duration::from_secs(60);

/// How long after a send whose answer was lost Twilio's list is first looked at, and then
/// between lookups until the row is settled.
pub(crate) const UNCONFIRMED_GAP: Duration = Duration::from_secs(30);
/// How long after the attempt a lookup must be for "not in Twilio's list" to mean Twilio
/// has none: Twilio lists a message or call within seconds of creating it; twice that margin
/// and more, so the second lookup decides.
pub(crate) const SETTLE: Duration = Duration::from_secs(60);
/// How much earlier than alertd's clock said the attempt began a listed message or call may
/// say it was created (the two clocks differ).
pub(crate) const CLOCK_MARGIN: Duration = Duration::from_secs(60);

/// Which rows a pass at `now` looks up.
pub(crate) fn query_at(now: Timestamp) -> StatusLookupQuery {
    StatusLookupQuery {
        now,
        sms_quiet_since: now.before(SMS_QUIET),
        voice_quiet_since: now.before(CALL_QUIET),
        created_since: now.before(GIVE_UP_AFTER),
        limit: BATCH,
    }
}

/// When a row created at `created_at` and looked up at `now` may be looked up again: after
/// half its age, at least [`MIN_LOOKUP_GAP`] (about a dozen lookups in its first day).
pub(crate) fn next_lookup_at(created_at: Timestamp, now: Timestamp) -> Timestamp {
    now.after((now.since(created_at) / 2).max(MIN_LOOKUP_GAP))
}

/// Which rows a pass at `now` looks the price up for, at most `limit`.
pub(crate) fn price_query_at(now: Timestamp, limit: usize) -> PriceLookupQuery {
    PriceLookupQuery {
        now,
        final_since: now.before(GIVE_UP_AFTER),
        first_after: PRICE_FIRST_AFTER,
        limit,
    }
}

/// When the price of a row final since `final_at` and looked up at `now` may be looked up
/// again: after as long again as it has been final, at least [`PRICE_FIRST_AFTER`].
pub(crate) fn next_price_lookup_at(final_at: Timestamp, now: Timestamp) -> Timestamp {
    now.after(now.since(final_at).max(PRICE_FIRST_AFTER))
}

/// The first instant at which a row created at `created_at` is too old to be looked up.
fn too_old_at(created_at: Timestamp) -> Timestamp {
    created_at
        .after(GIVE_UP_AFTER)
        .after(Duration::from_millis(1))
}

/// Whether a row created at `created_at` will not be looked up at `next` (it is too old then).
fn given_up_by(created_at: Timestamp, next: Timestamp) -> bool {
    next >= too_old_at(created_at)
}

/// Looks up statuses whose callbacks were missed.
pub(crate) struct Reconciler {
    /// Where the rows are.
    pub(crate) store: Arc<dyn Store>,
    /// How statuses are looked up.
    pub(crate) sender: Arc<dyn Sender>,
    /// Time.
    pub(crate) clock: SharedClock,
    /// Counters.
    pub(crate) metrics: Arc<Metrics>,
    /// Records what was found (the app's one writer).
    pub(crate) writer: StoreWriter,
    /// Wakes the outbox worker when a row is to be sent again.
    pub(crate) wake: Arc<Notify>,
}

/// How looking for one unconfirmed row ended.
enum Settled {
    /// Found, not found (sent again), or still to be looked for.
    Record(AttemptRecord),
    /// Sent again: the worker is to be woken.
    Resend(AttemptRecord),
}

impl Reconciler {
    /// Runs a pass now and then every [`PASS_EVERY`], and a pass over unconfirmed rows every
    /// [`UNCONFIRMED_GAP`], until the task is dropped.
    pub(crate) async fn run(self) {
        let statuses = async {
            loop {
                self.pass().await;
                crate::clock::sleep(self.clock.as_ref(), PASS_EVERY).await;
            }
        };
        let unconfirmed = async {
            loop {
                self.unconfirmed_pass().await;
                crate::clock::sleep(self.clock.as_ref(), UNCONFIRMED_GAP).await;
            }
        };
        tokio::join!(statuses, unconfirmed);
    }

    /// Looks for the unconfirmed rows due in Twilio's list and settles them; returns how many
    /// it looked for.
    pub(crate) async fn unconfirmed_pass(&self) -> usize {
        let now = self.clock.now();
        let due = crate::store::blocking(&self.store, move |s| s.unconfirmed_due(now, BATCH)).await;
        let rows = match due {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!("unconfirmed sends: cannot read them: {e}");
                return 0;
            }
        };
        let mut records = Vec::with_capacity(rows.len());
        let mut resent = false;
        for row in &rows {
            match self.settle(row).await {
                Settled::Record(r) => records.push((row.id, r, self.clock.now())),
                Settled::Resend(r) => {
                    resent = true;
                    records.push((row.id, r, self.clock.now()));
                }
            }
        }
        if !records.is_empty()
            && let Err(e) = self.writer.submit(WriteOp::Attempts(records)).await
        {
            tracing::error!("unconfirmed sends: cannot record what was found: {e}");
        }
        if resent {
            self.wake.notify_one();
        }
        rows.len()
    }

    /// Looks for unconfirmed `row` in Twilio's list.
    async fn settle(&self, row: &OutboxMessage) -> Settled {
        let channel = row.channel.as_str();
        let attempted_at = row.attempted_at.unwrap_or(row.updated_at);
        let now = self.clock.now();
        if now >= attempted_at.after(GIVE_UP_AFTER) {
            self.metrics.status_lookup(channel, "given_up");
            tracing::error!(id = row.id, to = %row.to, channel, "outcome still unknown a day after the attempt; not sent again");
            return Settled::Record(AttemptRecord::Failed {
                code: None,
                error: "outcome unknown: Twilio's list could not be read for a day; not sent again"
                    .into(),
            });
        }
        let outbound = Outbound {
            outbox_id: row.id,
            channel: row.channel,
            to: &row.to,
            body: &row.body,
            escalation: row.escalation.as_deref(),
            from: row.from.as_deref(),
            body_kind: row.body_kind,
        };
        let found = match self
            .sender
            .find_created(&outbound, attempted_at.before(CLOCK_MARGIN))
            .await
        {
            Ok(candidates) => self.first_unrecorded(candidates).await,
            Err(e) => Err(e),
        };
        let now = self.clock.now();
        let look_again = AttemptRecord::LookAgain {
            lookup_at: now.after(UNCONFIRMED_GAP),
        };
        match found {
            Ok(Some(created)) => {
                self.metrics.status_lookup(channel, "found");
                tracing::info!(id = row.id, sid = %created.sid, channel, "the send whose answer was lost reached Twilio");
                Settled::Record(AttemptRecord::Found {
                    sid: created.sid,
                    status: created.status,
                })
            }
            Ok(None) if now >= attempted_at.after(SETTLE) => {
                self.metrics.status_lookup(channel, "resent");
                tracing::warn!(id = row.id, to = %row.to, channel, "Twilio has no trace of the send whose answer was lost; sending it again");
                Settled::Resend(AttemptRecord::NotFound {
                    error: "outcome unknown, and Twilio's list has none: sent again".into(),
                })
            }
            Ok(None) => {
                self.metrics.status_lookup(channel, "not_listed");
                Settled::Record(look_again)
            }
            Err(e) => {
                self.metrics
                    .status_lookup(channel, if e.is_retry() { "retry" } else { "permanent" });
                tracing::warn!(
                    id = row.id,
                    channel,
                    "cannot look for the send whose answer was lost, trying again later: {e}"
                );
                Settled::Record(look_again)
            }
        }
    }

    /// The first of `candidates` (oldest first) whose SID no other outbox row holds: an
    /// identical text sent just before this one is that send's, not this one's.
    async fn first_unrecorded(
        &self,
        candidates: Vec<Created>,
    ) -> Result<Option<Created>, LookupError> {
        if candidates.is_empty() {
            return Ok(None);
        }
        let sids: Vec<String> = candidates.iter().map(|c| c.sid.clone()).collect();
        let recorded = crate::store::blocking(&self.store, move |s| s.recorded_sids(&sids))
            .await
            .map_err(|e| LookupError::Retry(format!("cannot read the outbox's SIDs: {e}")))?;
        Ok(candidates.into_iter().find(|c| !recorded.contains(&c.sid)))
    }

    /// One pass: looks up the statuses due, then the prices due with what is left of
    /// [`BATCH`]; returns how many rows it looked up.
    pub(crate) async fn pass(&self) -> usize {
        let statuses = self.status_pass().await;
        statuses + self.price_pass(BATCH.saturating_sub(statuses)).await
    }

    /// Looks up the statuses due; returns how many.
    async fn status_pass(&self) -> usize {
        let query = query_at(self.clock.now());
        let due = crate::store::blocking(&self.store, move |s| s.status_lookups_due(&query)).await;
        let rows = match due {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!("status lookups: cannot read sent messages: {e}");
                return 0;
            }
        };
        let mut schedule = Vec::with_capacity(rows.len());
        let mut prices = Vec::new();
        for row in &rows {
            if let Some((next, price)) = self.look_up(row).await {
                schedule.push((row.id, next));
                if let Some(price) = price {
                    prices.push(PriceUpdate {
                        id: row.id,
                        price: Some(price),
                        next_lookup_at: next,
                    });
                }
            }
        }
        if !schedule.is_empty()
            && let Err(e) = self.writer.submit(WriteOp::StatusLookups(schedule)).await
        {
            tracing::error!("status lookups: cannot record when to look again: {e}");
        }
        self.record_prices(prices).await;
        rows.len()
    }

    /// Looks up at most `limit` prices due; returns how many.
    async fn price_pass(&self, limit: usize) -> usize {
        if limit == 0 {
            return 0;
        }
        let query = price_query_at(self.clock.now(), limit);
        let due = crate::store::blocking(&self.store, move |s| s.price_lookups_due(&query)).await;
        let rows = match due {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!("price lookups: cannot read final messages: {e}");
                return 0;
            }
        };
        let mut updates = Vec::with_capacity(rows.len());
        for row in &rows {
            if let Some(update) = self.look_up_price(row).await {
                updates.push(update);
            }
        }
        self.record_prices(updates).await;
        rows.len()
    }

    async fn record_prices(&self, updates: Vec<PriceUpdate>) {
        if !updates.is_empty()
            && let Err(e) = self.writer.submit(WriteOp::Prices(updates)).await
        {
            tracing::error!("price lookups: cannot record prices or when to look again: {e}");
        }
    }

    /// Fetches the price of `row` (final since its `updated_at`); returns the price found, or
    /// when to look again.
    async fn look_up_price(&self, row: &OutboxMessage) -> Option<PriceUpdate> {
        let sid = row.sid.as_deref()?;
        let channel = row.channel.as_str();
        let found = self.sender.fetch_status(row.channel, sid).await;
        let now = self.clock.now();
        let final_at = row.updated_at;
        let next = next_price_lookup_at(final_at, now);
        let price = match found {
            Ok(found) if found.price.is_some() => {
                self.metrics.status_lookup(channel, "priced");
                found.price
            }
            Ok(_) => {
                self.metrics.status_lookup(channel, "unpriced");
                if given_up_by(final_at, next) {
                    tracing::info!(
                        id = row.id,
                        %sid,
                        channel,
                        "no price {} hours after the final status; not looked up again",
                        GIVE_UP_AFTER.as_secs() / 3600
                    );
                }
                None
            }
            Err(LookupError::Retry(reason)) => {
                self.metrics.status_lookup(channel, "retry");
                tracing::warn!(id = row.id, %sid, "price lookup failed, trying again later: {reason}");
                None
            }
            Err(LookupError::Permanent(reason)) => {
                self.metrics.status_lookup(channel, "permanent");
                tracing::warn!(id = row.id, %sid, "price lookup cannot succeed; not looked up again: {reason}");
                return Some(PriceUpdate {
                    id: row.id,
                    price: None,
                    next_lookup_at: too_old_at(final_at),
                });
            }
        };
        Some(PriceUpdate {
            id: row.id,
            price,
            next_lookup_at: next,
        })
    }

    /// Looks `row` up and records a changed status; returns when to look again, and the
    /// price if Twilio had one.
    async fn look_up(&self, row: &OutboxMessage) -> Option<(Timestamp, Option<Price>)> {
        let sid = row.sid.as_deref()?;
        let channel = row.channel.as_str();
        let seen = row.twilio_status.as_deref().unwrap_or("unknown");
        let found = self.sender.fetch_status(row.channel, sid).await;
        let now = self.clock.now();
        let next = next_lookup_at(row.created_at, now);
        let mut price = None;
        let status = match found {
            Ok(found) if found.status == seen => {
                self.metrics.status_lookup(channel, "unchanged");
                price = found.price;
                found.status
            }
            Ok(found) => {
                self.metrics.status_lookup(channel, "updated");
                tracing::info!(id = row.id, %sid, channel, from = seen, to = %found.status, "status callback missed; status looked up");
                // Recorded as a status callback. A callback arriving while this lookup ran may
                // be newer and is then overwritten: the row is left final either way (the call
                // or message ended), or not final, and then a later lookup corrects it.
                let update = DeliveryUpdate {
                    sid: sid.to_owned(),
                    status: found.status.clone(),
                    error_code: found.error_code,
                    at: now,
                };
                if let Err(e) = self.writer.submit(WriteOp::Deliveries(vec![update])).await {
                    tracing::error!(id = row.id, "status lookup not recorded: {e}");
                }
                price = found.price;
                found.status
            }
            Err(LookupError::Retry(reason)) => {
                self.metrics.status_lookup(channel, "retry");
                tracing::warn!(id = row.id, %sid, "status lookup failed, trying again later: {reason}");
                seen.to_owned()
            }
            Err(LookupError::Permanent(reason)) => {
                self.metrics.status_lookup(channel, "permanent");
                tracing::warn!(id = row.id, %sid, "status lookup cannot succeed; not looked up again (status stays {seen}): {reason}");
                return Some((too_old_at(row.created_at), None));
            }
        };
        if !is_final_status(&status) && given_up_by(row.created_at, next) {
            tracing::warn!(
                id = row.id,
                %sid,
                channel,
                "no final status {} hours after it was queued; not looked up again (status stays {status})",
                GIVE_UP_AFTER.as_secs() / 3600
            );
        }
        Some((next, price))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    use super::*;
    use crate::clock::{Clock, ManualClock};
    use crate::domain::channel::Channel;
    use crate::domain::nflog::NflogEntry;
    use crate::domain::outbox::OutboxState;
    use crate::domain::outbox::{AttemptRecord, FINAL_STATUSES, NewMessage};
    use crate::outbox::{BoxFuture, Created, FetchedStatus, Outbound, SendOutcome};
    use crate::store::sqlite::SqliteStore;
    use crate::store::{NotificationLog, OutboxStore};

    const T0: Timestamp = Timestamp(1_767_268_800_000);
    const MINUTE: Duration = Duration::from_secs(60);

    fn minutes(n: u64) -> Duration {
        MINUTE * u32::try_from(n).unwrap()
    }

    /// Writes a row for `channel` at `created`, accepted by Twilio as `sid` with `status` at
    /// `created` (or left pending when `status` is `None`); returns its id.
    fn row(
        s: &SqliteStore,
        channel: Channel,
        sid: &str,
        status: Option<&str>,
        created: Timestamp,
    ) -> i64 {
        let entry = NflogEntry {
            firing: BTreeSet::default(),
            resolved: BTreeSet::default(),
            sent_at: created,
        };
        let msg = NewMessage {
            channel,
            to: "+15551230001".into(),
            body: "hi".into(),
        };
        s.record_notification("r", sid, &entry, &[msg], created)
            .unwrap();
        let id = s.recent_outbox(1).unwrap()[0].id;
        if let Some(status) = status {
            let sent = AttemptRecord::Sent {
                sid: sid.into(),
                status: status.into(),
            };
            s.record_attempt(id, &sent, created).unwrap();
        }
        id
    }

    fn due(s: &SqliteStore, now: Timestamp) -> Vec<String> {
        s.status_lookups_due(&query_at(now))
            .unwrap()
            .into_iter()
            .map(|m| m.sid.unwrap_or_default())
            .collect()
    }

    #[test]
    fn rows_are_looked_up_once_quiet_for_their_channel_and_not_once_final_or_old() {
        let s = SqliteStore::open_in_memory().unwrap();
        row(&s, Channel::Sms, "SMqueued", Some("queued"), T0);
        row(&s, Channel::Sms, "SMsent", Some("sent"), T0);
        row(&s, Channel::Voice, "CAringing", Some("ringing"), T0);
        row(&s, Channel::Sms, "SMpending", None, T0);
        for (i, status) in FINAL_STATUSES.iter().enumerate() {
            row(&s, Channel::Voice, &format!("final{i}"), Some(status), T0);
        }
        let failed = row(&s, Channel::Sms, "SMfailed", Some("queued"), T0);
        let gave_up = AttemptRecord::Failed {
            code: None,
            error: "marked failed".into(),
        };
        s.record_attempt(failed, &gave_up, T0).unwrap();

        assert!(
            due(&s, T0.after(minutes(9))).is_empty(),
            "nothing is quiet yet"
        );
        assert_eq!(
            due(&s, T0.after(minutes(10))),
            ["CAringing"],
            "calls after 10 min"
        );
        assert_eq!(
            due(&s, T0.after(minutes(30))),
            ["SMqueued", "SMsent", "CAringing"],
            "messages after 30 min; final, failed and unsent rows never"
        );
        // A status callback arriving restarts the quiet time.
        s.update_delivery("SMqueued", "sent", None, T0.after(minutes(20)))
            .unwrap();
        assert_eq!(due(&s, T0.after(minutes(30))), ["SMsent", "CAringing"]);
        assert_eq!(
            due(&s, T0.after(minutes(50))),
            ["SMsent", "CAringing", "SMqueued"],
            "longest waiting first"
        );
        // Past a day old, no more.
        assert_eq!(due(&s, T0.after(GIVE_UP_AFTER)).len(), 3);
        assert!(due(&s, T0.after(GIVE_UP_AFTER).after(MINUTE)).is_empty());
    }

    #[test]
    fn a_looked_up_row_waits_until_its_next_lookup_is_due_and_a_pass_takes_a_batch() {
        let s = SqliteStore::open_in_memory().unwrap();
        let ids: Vec<i64> = (0..BATCH + 5)
            .map(|i| row(&s, Channel::Voice, &format!("CA{i:02}"), Some("queued"), T0))
            .collect();
        let now = T0.after(minutes(10));
        assert_eq!(due(&s, now).len(), BATCH);
        let next = next_lookup_at(T0, now);
        let looked_up: Vec<(i64, Timestamp)> = ids[..BATCH].iter().map(|&id| (id, next)).collect();
        s.schedule_status_lookups(&looked_up).unwrap();
        assert_eq!(due(&s, now), ["CA10", "CA11", "CA12", "CA13", "CA14"]);
        assert_eq!(due(&s, next.before(Duration::from_millis(1))).len(), 5);
        assert_eq!(
            due(&s, next),
            [
                "CA10", "CA11", "CA12", "CA13", "CA14", "CA00", "CA01", "CA02", "CA03", "CA04"
            ],
            "longest waiting first: those never looked up, then those due longest"
        );
    }

    #[test]
    fn lookups_space_out_with_age_and_stop_after_a_day() {
        assert_eq!(
            next_lookup_at(T0, T0.after(minutes(10))),
            T0.after(minutes(15))
        );
        assert_eq!(
            next_lookup_at(T0, T0.after(minutes(4))),
            T0.after(minutes(9))
        );
        assert_eq!(
            next_lookup_at(T0, T0.after(minutes(600))),
            T0.after(minutes(900))
        );
        // A call quiet since it was queued: lookups at 10, 15, 22.5, ... minutes.
        let mut at = T0.after(CALL_QUIET);
        let mut lookups = 1;
        while !given_up_by(T0, next_lookup_at(T0, at)) {
            at = next_lookup_at(T0, at);
            lookups += 1;
        }
        assert_eq!(lookups, 13, "about a dozen lookups in its first day");
    }

    /// What one look in Twilio's list finds.
    type Listed = Result<Vec<Created>, LookupError>;

    /// Answers lookups from a map of SID to result; counts them.
    struct Statuses {
        answers: Mutex<Vec<(String, Result<FetchedStatus, LookupError>)>>,
        /// Prices Twilio has set so far, by SID.
        prices: Mutex<Vec<(String, Price)>>,
        asked: Mutex<Vec<String>>,
        /// What each look in Twilio's list finds, in turn, by outbox id.
        lists: Mutex<Vec<(i64, Vec<Listed>)>>,
        /// The `since` of each look.
        listed_since: Mutex<Vec<Timestamp>>,
    }

    impl Statuses {
        fn new(answers: &[(&str, Result<&str, LookupError>)]) -> Arc<Self> {
            Arc::new(Self {
                answers: Mutex::new(
                    answers
                        .iter()
                        .map(|(sid, r)| {
                            let r = r.clone().map(|status| FetchedStatus {
                                status: status.into(),
                                error_code: (status == "undelivered").then_some(30003),
                                price: None,
                            });
                            ((*sid).to_owned(), r)
                        })
                        .collect(),
                ),
                prices: Mutex::new(Vec::new()),
                asked: Mutex::new(Vec::new()),
                lists: Mutex::new(Vec::new()),
                listed_since: Mutex::new(Vec::new()),
            })
        }

        /// Looks in Twilio's list for row `id` find `answers`, in turn (then fail).
        fn lists(&self, id: i64, answers: Vec<Listed>) {
            self.lists.lock().unwrap().push((id, answers));
        }

        fn asked(&self) -> Vec<String> {
            self.asked.lock().unwrap().clone()
        }

        fn asked_for(&self, sid: &str) -> usize {
            self.asked().iter().filter(|s| *s == sid).count()
        }

        /// Twilio prices `sid`.
        fn price(&self, sid: &str, amount: &str) {
            let price = Price {
                amount: amount.into(),
                unit: "USD".into(),
            };
            self.prices.lock().unwrap().push((sid.into(), price));
        }
    }

    impl Sender for Statuses {
        fn rate_key(&self) -> &'static str {
            "+15005550006"
        }
        fn send<'a>(&'a self, _msg: &'a Outbound<'a>) -> BoxFuture<'a, SendOutcome> {
            unreachable!("the reconciler never sends")
        }
        fn fetch_status<'a>(
            &'a self,
            _channel: Channel,
            sid: &'a str,
        ) -> BoxFuture<'a, Result<FetchedStatus, LookupError>> {
            self.asked.lock().unwrap().push(sid.to_owned());
            let answer = self
                .answers
                .lock()
                .unwrap()
                .iter()
                .find(|(s, _)| s == sid)
                .map_or_else(
                    || Err(LookupError::Retry("not scripted".into())),
                    |(_, r)| r.clone(),
                );
            let price = self
                .prices
                .lock()
                .unwrap()
                .iter()
                .find(|(s, _)| s == sid)
                .map(|(_, p)| p.clone());
            let answer = answer.map(|found| FetchedStatus { price, ..found });
            Box::pin(async move { answer })
        }
        fn find_created<'a>(
            &'a self,
            msg: &'a Outbound<'a>,
            since: Timestamp,
        ) -> BoxFuture<'a, Listed> {
            self.listed_since.lock().unwrap().push(since);
            let mut lists = self.lists.lock().unwrap();
            let answer = lists
                .iter_mut()
                .find(|(id, _)| *id == msg.outbox_id)
                .filter(|(_, answers)| !answers.is_empty())
                .map_or_else(
                    || Err(LookupError::Retry("not scripted".into())),
                    |(_, answers)| answers.remove(0),
                );
            Box::pin(async move { answer })
        }
    }

    fn reconciler(
        store: &Arc<SqliteStore>,
        sender: &Arc<Statuses>,
        clock: &ManualClock,
    ) -> Reconciler {
        Reconciler {
            store: store.clone(),
            sender: sender.clone(),
            clock: Arc::new(clock.clone()),
            metrics: Arc::new(Metrics::default()),
            writer: StoreWriter::start(store.clone()),
            wake: Arc::new(Notify::new()),
        }
    }

    fn status_of(s: &SqliteStore, id: i64) -> (Option<String>, Option<i64>) {
        let m = s.outbox_message(id).unwrap().unwrap();
        (m.twilio_status, m.error_code)
    }

    #[tokio::test]
    async fn a_pass_records_what_twilio_says_like_a_status_callback() {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let clock = ManualClock::new(T0);
        let sms = row(&store, Channel::Sms, "SMlost", Some("queued"), T0);
        let call = row(&store, Channel::Voice, "CAlong", Some("queued"), T0);
        let sender = Statuses::new(&[("SMlost", Ok("undelivered")), ("CAlong", Ok("in-progress"))]);
        sender.price("SMlost", "-0.00790");
        let r = reconciler(&store, &sender, &clock);
        clock.advance(minutes(30));
        assert_eq!(r.pass().await, 2);
        assert_eq!(
            status_of(&store, sms),
            (Some("undelivered".into()), Some(30003))
        );
        assert!(price_of(&store, sms).is_some(), "priced with its status");
        assert_eq!(status_of(&store, call).0.as_deref(), Some("in-progress"));
        let metrics = r.metrics.render(&crate::store::StoreStats::default());
        assert!(
            metrics.contains("alertd_status_lookups_total{channel=\"sms\",result=\"updated\"} 1"),
            "{metrics}"
        );
        // The settled, priced SMS is done; the call is looked up again once quiet and due.
        clock.advance(minutes(10));
        assert_eq!(
            r.pass().await,
            0,
            "the call is quiet again, but its next lookup is not due"
        );
        clock.advance(minutes(5));
        assert_eq!(r.pass().await, 1);
        assert_eq!(sender.asked(), ["SMlost", "CAlong", "CAlong"]);
        let metrics = r.metrics.render(&crate::store::StoreStats::default());
        assert!(
            metrics
                .contains("alertd_status_lookups_total{channel=\"voice\",result=\"unchanged\"} 1")
        );
    }

    #[tokio::test]
    async fn a_row_twilio_does_not_know_is_not_looked_up_again_and_a_failed_lookup_is() {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let clock = ManualClock::new(T0);
        row(&store, Channel::Voice, "CAgone", Some("queued"), T0);
        row(&store, Channel::Voice, "CAflaky", Some("queued"), T0);
        let sender = Statuses::new(&[(
            "CAgone",
            Err(LookupError::Permanent("Twilio has no such call".into())),
        )]);
        let r = reconciler(&store, &sender, &clock);
        clock.advance(minutes(10));
        assert_eq!(r.pass().await, 2);
        for _ in 0..(24 * 60 / 5) {
            clock.advance(minutes(5));
            r.pass().await;
        }
        let asked = sender.asked();
        assert_eq!(asked.iter().filter(|s| *s == "CAgone").count(), 1);
        let flaky = asked.iter().filter(|s| *s == "CAflaky").count();
        assert_eq!(
            flaky, 12,
            "retried on the same schedule, then given up: {asked:?}"
        );
        assert!(clock.now() > T0.after(GIVE_UP_AFTER));
    }

    fn price_of(s: &SqliteStore, id: i64) -> Option<Price> {
        s.outbox_message(id).unwrap().unwrap().price
    }

    #[tokio::test]
    async fn a_final_row_gets_its_price_on_a_later_pass_and_one_never_priced_is_given_up() {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let clock = ManualClock::new(T0);
        let sms = row(&store, Channel::Sms, "SMdone", Some("delivered"), T0);
        let call = row(&store, Channel::Voice, "CAmissed", Some("no-answer"), T0);
        let sender = Statuses::new(&[("SMdone", Ok("delivered")), ("CAmissed", Ok("no-answer"))]);
        let r = reconciler(&store, &sender, &clock);
        assert_eq!(r.pass().await, 0, "Twilio prices a while after the end");
        clock.advance(PRICE_FIRST_AFTER);
        assert_eq!(r.pass().await, 2);
        assert_eq!(price_of(&store, sms), None, "not priced yet");
        sender.price("SMdone", "-0.00790");
        clock.advance(MINUTE);
        assert_eq!(r.pass().await, 2);
        assert_eq!(
            price_of(&store, sms),
            Some(Price {
                amount: "-0.00790".into(),
                unit: "USD".into()
            })
        );
        let row = store.outbox_message(sms).unwrap().unwrap();
        assert_eq!(
            (row.twilio_status.as_deref(), row.updated_at),
            (Some("delivered"), T0),
            "a price is not a status change"
        );
        for _ in 0..(25 * 60) {
            clock.advance(MINUTE);
            r.pass().await;
        }
        assert_eq!(sender.asked_for("SMdone"), 2, "priced: done");
        assert_eq!(
            sender.asked_for("CAmissed"),
            11,
            "at 1, 2, 4, ... 1024 minutes after the end, then given up"
        );
        assert_eq!(price_of(&store, call), None);
        let metrics = r.metrics.render(&crate::store::StoreStats::default());
        for line in [
            "alertd_status_lookups_total{channel=\"sms\",result=\"priced\"} 1",
            "alertd_status_lookups_total{channel=\"sms\",result=\"unpriced\"} 1",
            "alertd_status_lookups_total{channel=\"voice\",result=\"unpriced\"} 11",
        ] {
            assert!(metrics.contains(line), "{line}: {metrics}");
        }
    }

    #[tokio::test]
    async fn statuses_are_looked_up_before_prices_within_one_batch() {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let clock = ManualClock::new(T0);
        for i in 0..BATCH - 1 {
            row(
                &store,
                Channel::Voice,
                &format!("CA{i:02}"),
                Some("ringing"),
                T0,
            );
        }
        let early = row(&store, Channel::Sms, "SMearly", Some("delivered"), T0);
        let late = row(
            &store,
            Channel::Sms,
            "SMlate",
            Some("delivered"),
            T0.after(MINUTE),
        );
        let sender = Statuses::new(&[("SMearly", Ok("delivered")), ("SMlate", Ok("delivered"))]);
        sender.price("SMearly", "-0.00790");
        sender.price("SMlate", "-0.00790");
        let r = reconciler(&store, &sender, &clock);
        clock.advance(CALL_QUIET);
        assert_eq!(r.pass().await, BATCH);
        assert_eq!(sender.asked().len(), BATCH);
        assert_eq!(sender.asked().last().map(String::as_str), Some("SMearly"));
        assert!(price_of(&store, early).is_some());
        assert_eq!(price_of(&store, late), None, "left for the next pass");
        clock.advance(MINUTE);
        assert_eq!(r.pass().await, 1, "the calls' next lookups are not due");
        assert!(price_of(&store, late).is_some());
    }

    #[tokio::test]
    async fn a_status_lookup_that_finds_a_price_records_it() {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let clock = ManualClock::new(T0);
        let id = row(&store, Channel::Voice, "CAlost", Some("queued"), T0);
        let sender = Statuses::new(&[("CAlost", Ok("completed"))]);
        sender.price("CAlost", "-0.01400");
        let r = reconciler(&store, &sender, &clock);
        clock.advance(CALL_QUIET);
        assert_eq!(r.pass().await, 1);
        assert_eq!(status_of(&store, id).0.as_deref(), Some("completed"));
        assert_eq!(
            price_of(&store, id).map(|p| p.cost()).as_deref(),
            Some("0.014 USD")
        );
        for _ in 0..60 {
            clock.advance(MINUTE);
            r.pass().await;
        }
        assert_eq!(
            sender.asked(),
            ["CAlost"],
            "priced with its status: no price lookup"
        );
    }

    #[tokio::test]
    async fn an_identical_text_already_recorded_as_another_send_is_not_taken_for_this_one() {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let clock = ManualClock::new(T0);
        let sid = |n: u8| format!("SM{n:032}");
        let earlier = row(&store, Channel::Sms, "g-earlier", None, T0);
        let sent = AttemptRecord::Sent {
            sid: sid(1),
            status: "delivered".into(),
        };
        store.record_attempt(earlier, &sent, T0).unwrap();
        let lost = unconfirmed(&store, "g-lost");
        let never_made = unconfirmed(&store, "g-never-made");
        let listed = |n: u8| Created {
            sid: sid(n),
            status: "queued".into(),
        };
        let sender = Statuses::new(&[]);
        sender.lists(lost, vec![Ok(vec![listed(1), listed(2)])]);
        sender.lists(never_made, vec![Ok(vec![listed(1)]), Ok(vec![listed(1)])]);
        let r = reconciler(&store, &sender, &clock);
        clock.advance(UNCONFIRMED_GAP);
        assert_eq!(r.unconfirmed_pass().await, 2);
        assert_eq!(
            state_of(&store, lost),
            (OutboxState::Sent, Some(sid(2)), Some("queued".into())),
            "the earlier send's message is skipped"
        );
        assert_eq!(state_of(&store, never_made).0, OutboxState::Unconfirmed);
        clock.advance(UNCONFIRMED_GAP);
        assert_eq!(r.unconfirmed_pass().await, 1);
        assert_eq!(
            state_of(&store, never_made).0,
            OutboxState::Pending,
            "only another send's message is listed: this one is sent again"
        );
    }

    /// Writes a pending SMS row at `T0` and records its send at `T0` as unconfirmed.
    fn unconfirmed(s: &SqliteStore, to: &str) -> i64 {
        let id = row(s, Channel::Sms, to, None, T0);
        let record = AttemptRecord::Unconfirmed {
            attempted_at: T0,
            lookup_at: T0.after(UNCONFIRMED_GAP),
            error: "outcome unknown".into(),
        };
        s.record_attempt(id, &record, T0).unwrap();
        id
    }

    fn state_of(s: &SqliteStore, id: i64) -> (OutboxState, Option<String>, Option<String>) {
        let m = s.outbox_message(id).unwrap().unwrap();
        (m.state, m.sid, m.twilio_status)
    }

    #[tokio::test]
    async fn an_unconfirmed_send_found_in_twilios_list_is_sent_and_one_not_listed_is_sent_again() {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let clock = ManualClock::new(T0);
        let found = unconfirmed(&store, "g-found");
        let missing = unconfirmed(&store, "g-missing");
        let sender = Statuses::new(&[]);
        let created = Created {
            sid: "SM00000000000000000000000000000001".into(),
            status: "sent".into(),
        };
        sender.lists(found, vec![Ok(vec![created])]);
        sender.lists(missing, vec![Ok(Vec::new()), Ok(Vec::new())]);
        let r = reconciler(&store, &sender, &clock);
        assert_eq!(
            r.unconfirmed_pass().await,
            0,
            "Twilio is given time to list it"
        );
        clock.advance(UNCONFIRMED_GAP);
        assert_eq!(r.unconfirmed_pass().await, 2);
        assert_eq!(
            state_of(&store, found),
            (
                OutboxState::Sent,
                Some("SM00000000000000000000000000000001".into()),
                Some("sent".into())
            ),
            "recorded as if Twilio had answered"
        );
        assert_eq!(store.outbox_message(found).unwrap().unwrap().attempts, 1);
        assert_eq!(
            state_of(&store, missing).0,
            OutboxState::Unconfirmed,
            "not listed yet, but too soon to be sure"
        );
        assert!(store.due_outbox(clock.now(), 10).unwrap().is_empty());
        assert_eq!(
            sender.listed_since.lock().unwrap()[0],
            T0.before(CLOCK_MARGIN),
            "created since the attempt, give or take the clocks' difference"
        );
        clock.advance(UNCONFIRMED_GAP);
        assert_eq!(r.unconfirmed_pass().await, 1);
        assert_eq!(state_of(&store, missing).0, OutboxState::Pending);
        let due = store.due_outbox(clock.now(), 10).unwrap();
        assert_eq!(due.iter().map(|m| m.id).collect::<Vec<_>>(), [missing]);
        tokio::time::timeout(Duration::from_secs(5), r.wake.notified())
            .await
            .expect("the worker is woken to send it again");
        let metrics = r.metrics.render(&crate::store::StoreStats::default());
        for line in [
            "alertd_status_lookups_total{channel=\"sms\",result=\"found\"} 1",
            "alertd_status_lookups_total{channel=\"sms\",result=\"not_listed\"} 1",
            "alertd_status_lookups_total{channel=\"sms\",result=\"resent\"} 1",
        ] {
            assert!(metrics.contains(line), "{line}: {metrics}");
        }
    }

    #[tokio::test]
    async fn a_failed_look_in_twilios_list_never_sends_again_and_a_day_later_it_is_given_up() {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let clock = ManualClock::new(T0);
        let flaky = unconfirmed(&store, "g-flaky");
        let down = unconfirmed(&store, "g-down");
        let sender = Statuses::new(&[]);
        let failed = || Err(LookupError::Retry("503".into()));
        sender.lists(flaky, vec![failed(), failed(), failed(), Ok(Vec::new())]);
        let r = reconciler(&store, &sender, &clock);
        for _ in 0..3 {
            clock.advance(UNCONFIRMED_GAP);
            assert_eq!(r.unconfirmed_pass().await, 2);
            assert_eq!(state_of(&store, flaky).0, OutboxState::Unconfirmed);
        }
        clock.advance(UNCONFIRMED_GAP);
        r.unconfirmed_pass().await;
        assert_eq!(
            state_of(&store, flaky).0,
            OutboxState::Pending,
            "the first lookup that succeeds, past the settle delay, decides"
        );
        while clock.now().after(minutes(30)) < T0.after(GIVE_UP_AFTER) {
            clock.advance(minutes(30));
            r.unconfirmed_pass().await;
            assert_eq!(state_of(&store, down).0, OutboxState::Unconfirmed);
        }
        clock.advance(minutes(30));
        r.unconfirmed_pass().await;
        let row = store.outbox_message(down).unwrap().unwrap();
        assert_eq!(row.state, OutboxState::Failed);
        assert!(row.error.unwrap().contains("outcome unknown"));
        assert!(
            store
                .due_outbox(clock.now(), 10)
                .unwrap()
                .iter()
                .all(|m| m.id != down)
        );
    }
}
