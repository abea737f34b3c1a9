//! Escalations in SQLite: the rows, and the writes the store's single writer applies inside
//! its group-commit transaction ([`crate::store::WriteOp::Escalation`]), so a step's outbox
//! rows, its contacts and the escalation's new position commit together or not at all.

use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::policy::{Next, PolicySet, Position};
use super::short_id;
use super::text;
use crate::pipeline::alert::Fingerprint;
use crate::pipeline::notify::Channel;
use crate::store::StoreError;
use crate::time::Timestamp;

/// Escalations advanced per transaction (the rest follow in the next one, at once).
pub const ADVANCE_BATCH: usize = 5_000;

/// Where an escalation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EscalationState {
    /// Steps still to run.
    Open,
    /// Someone acknowledged it.
    Acked,
    /// Its alerts resolved before anyone acknowledged.
    Resolved,
    /// Every step of every pass ran and nobody acknowledged.
    Exhausted,
}

impl EscalationState {
    /// `"open"`, `"acked"`, `"resolved"` or `"exhausted"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Acked => "acked",
            Self::Resolved => "resolved",
            Self::Exhausted => "exhausted",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "acked" => Self::Acked,
            "resolved" => Self::Resolved,
            "exhausted" => Self::Exhausted,
            _ => Self::Open,
        }
    }

    /// Whether an acknowledgement still means something (open, or exhausted but not resolved).
    pub fn ackable(self) -> bool {
        matches!(self, Self::Open | Self::Exhausted)
    }
}

/// How an escalation was acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AckVia {
    /// Digit 1 in the call.
    Voice,
    /// An "ACK" SMS reply.
    Sms,
    /// `POST /api/v1/alerts/{id}/ack`.
    Api,
}

impl AckVia {
    /// `"voice"`, `"sms"` or `"api"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Voice => "voice",
            Self::Sms => "sms",
            Self::Api => "api",
        }
    }
}

/// One escalation row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Escalation {
    /// Row id.
    pub id: i64,
    /// What people type: `ACK 4F7KQ`.
    pub short_id: String,
    /// The group it escalates.
    pub group_key: String,
    /// Alert name, for confirmations.
    pub alert_name: String,
    /// The alert text the SMS steps carry.
    pub sms_text: String,
    /// What the calls say.
    pub speech: String,
    /// Policy name.
    pub policy: String,
    /// The next step, pass and pass start.
    #[serde(skip)]
    pub position: Position,
    /// Index of the next step.
    pub step: u32,
    /// Passes completed.
    pub loop_count: u32,
    /// When the next step is due (open escalations only).
    pub next_at: Option<Timestamp>,
    /// Where it is.
    pub state: EscalationState,
    /// Who acknowledged (a number, or `api:<name>`).
    pub acked_by: Option<String>,
    /// How (`voice`, `sms`, `api`).
    pub acked_via: Option<String>,
    /// When.
    pub acked_at: Option<Timestamp>,
    /// When its group stopped firing.
    pub closed_at: Option<Timestamp>,
    /// Start.
    pub created_at: Timestamp,
}

/// A number an escalation step reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// The escalation.
    pub escalation_id: i64,
    /// Who.
    pub number: String,
    /// How.
    pub channel: Channel,
    /// Step index.
    pub step: u32,
    /// Pass.
    pub loop_count: u32,
    /// Its outbox row.
    pub outbox_id: Option<i64>,
    /// When the step was due.
    pub due_at: Timestamp,
    /// When the outbox row was written.
    pub created_at: Timestamp,
}

/// An escalation to start (unless its group is already escalating or was acknowledged while
/// it still fires).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEscalation {
    /// The group.
    pub group_key: String,
    /// The firing alerts that started it.
    pub fingerprints: Vec<Fingerprint>,
    /// Alert name.
    pub alert_name: String,
    /// SMS text.
    pub sms_text: String,
    /// Spoken text.
    pub speech: String,
    /// Policy name.
    pub policy: String,
    /// First position.
    pub position: Position,
    /// When the first step is due.
    pub first_at: Timestamp,
}

/// The escalation writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscalationWrite {
    /// Start escalations at a time; result: how many started.
    Start(Vec<NewEscalation>, Timestamp),
    /// These groups stopped firing: close their escalations; result: rows closed.
    Resolve(Vec<String>, Timestamp),
    /// Run every step due at `now`; result: outbox rows written.
    Advance {
        /// Now.
        now: Timestamp,
        /// The policies (a step names its policy).
        policies: Arc<PolicySet>,
    },
    /// Acknowledge; result 1 when this write acknowledged it, 0 when it no longer could be.
    Ack {
        /// Escalation id.
        id: i64,
        /// Who.
        by: String,
        /// How.
        via: AckVia,
        /// Confirmation SMS rows to write when the ack lands: (to, body).
        confirmations: Vec<(String, String)>,
        /// Now.
        now: Timestamp,
    },
    /// Make the next step due now; result 1 when the escalation was open.
    EscalateNow {
        /// Escalation id.
        id: i64,
        /// Now.
        now: Timestamp,
    },
}

impl EscalationWrite {
    /// Rows it writes, roughly (bounds a group commit).
    pub fn len(&self) -> usize {
        match self {
            Self::Start(v, _) => v.len(),
            Self::Resolve(v, _) => v.len(),
            Self::Advance { .. } => ADVANCE_BATCH,
            Self::Ack { confirmations, .. } => 1 + confirmations.len(),
            Self::EscalateNow { .. } => 1,
        }
    }

    /// True when it writes nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

const COLUMNS: &str = "id, short_id, group_key, alert_name, sms_text, speech, policy, step, loop_count, \
    loop_started_at, next_at, state, acked_by, acked_via, acked_at, closed_at, created_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Escalation> {
    let state: String = row.get(11)?;
    let step: u32 = row.get(7)?;
    let loop_count: u32 = row.get(8)?;
    Ok(Escalation {
        id: row.get(0)?,
        short_id: row.get(1)?,
        group_key: row.get(2)?,
        alert_name: row.get(3)?,
        sms_text: row.get(4)?,
        speech: row.get(5)?,
        policy: row.get(6)?,
        position: Position {
            step,
            loop_count,
            loop_started_at: Timestamp(row.get(9)?),
        },
        step,
        loop_count,
        next_at: row.get::<_, Option<i64>>(10)?.map(Timestamp),
        state: EscalationState::parse(&state),
        acked_by: row.get(12)?,
        acked_via: row.get(13)?,
        acked_at: row.get::<_, Option<i64>>(14)?.map(Timestamp),
        closed_at: row.get::<_, Option<i64>>(15)?.map(Timestamp),
        created_at: Timestamp(row.get(16)?),
    })
}

/// Applies one write inside the caller's transaction.
pub fn write_in(tx: &Connection, op: &EscalationWrite) -> Result<usize, StoreError> {
    match op {
        EscalationWrite::Start(list, now) => start_in(tx, list, *now),
        EscalationWrite::Resolve(keys, now) => resolve_in(tx, keys, *now),
        EscalationWrite::Advance { now, policies } => advance_in(tx, *now, policies),
        EscalationWrite::Ack {
            id,
            by,
            via,
            confirmations,
            now,
        } => ack_in(tx, *id, by, *via, confirmations, *now),
        EscalationWrite::EscalateNow { id, now } => Ok(tx.execute(
            "UPDATE escalations SET next_at = ?2, updated_at = ?2 WHERE id = ?1 AND state = 'open'",
            params![id, now.0],
        )?),
    }
}

fn start_in(tx: &Connection, list: &[NewEscalation], now: Timestamp) -> Result<usize, StoreError> {
    let mut started = 0;
    let mut live = tx.prepare_cached(
        "SELECT 1 FROM escalations WHERE group_key = ?1 AND closed_at IS NULL LIMIT 1",
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO escalations (short_id, group_key, fingerprints, alert_name, sms_text, speech, policy,
            step, loop_count, loop_started_at, next_at, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'open', ?12, ?12)",
    )?;
    let mut taken = tx.prepare_cached("SELECT 1 FROM escalations WHERE short_id = ?1")?;
    // Candidates hold the first alert's fingerprint as a JSON string; only they are parsed.
    let mut same_policy = tx.prepare_cached(
        "SELECT fingerprints FROM escalations
         WHERE policy = ?1 AND closed_at IS NULL AND instr(fingerprints, ?2) > 0",
    )?;
    for e in list {
        if live.exists([&e.group_key])? {
            continue;
        }
        let fingerprints: Vec<String> = e.fingerprints.iter().map(ToString::to_string).collect();
        // An alert routed to two groups by `continue` routes with the same policy escalates
        // once: a live escalation of that policy that already covers every alert of this group
        // (ringing or acknowledged) stands for it.
        let first = fingerprints
            .first()
            .map(|f| format!("\"{f}\""))
            .unwrap_or_default();
        let covered = !fingerprints.is_empty()
            && same_policy
                .query_map([&e.policy, &first], |row| row.get::<_, String>(0))?
                .filter_map(Result::ok)
                .filter_map(|json| serde_json::from_str::<Vec<String>>(&json).ok())
                .any(|live| fingerprints.iter().all(|f| live.contains(f)));
        if covered {
            continue;
        }
        let fingerprints = serde_json::to_string(&fingerprints)
            .map_err(|err| StoreError::Query(err.to_string()))?;
        // 31^5 ids: a clash is rare; a few tries make it vanishingly so.
        let mut id = short_id::generate();
        for _ in 0..16 {
            if !taken.exists([&id])? {
                break;
            }
            id = short_id::generate();
        }
        insert.execute(params![
            id,
            e.group_key,
            fingerprints,
            e.alert_name,
            e.sms_text,
            e.speech,
            e.policy,
            e.position.step,
            e.position.loop_count,
            e.position.loop_started_at.0,
            e.first_at.0,
            now.0
        ])?;
        started += 1;
    }
    Ok(started)
}

fn resolve_in(tx: &Connection, keys: &[String], now: Timestamp) -> Result<usize, StoreError> {
    let mut stmt = tx.prepare_cached(
        "UPDATE escalations SET state = CASE state WHEN 'open' THEN 'resolved' ELSE state END,
            next_at = NULL, closed_at = ?2, updated_at = ?2
         WHERE group_key = ?1 AND closed_at IS NULL",
    )?;
    let mut n = 0;
    for key in keys {
        n += stmt.execute(params![key, now.0])?;
    }
    Ok(n)
}

/// One outbox row an escalation writes.
struct OutboxRow<'a> {
    receiver: &'a str,
    group_key: &'a str,
    channel: Channel,
    to: &'a str,
    body: &'a str,
    escalation_id: i64,
}

fn insert_outbox(tx: &Connection, row: &OutboxRow<'_>, now: Timestamp) -> Result<i64, StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO outbox (receiver, group_key, channel, to_number, body, created_at, next_attempt_at, updated_at, escalation_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6, ?7)",
    )?;
    stmt.execute(params![
        row.receiver,
        row.group_key,
        row.channel.as_str(),
        row.to,
        row.body,
        now.0,
        row.escalation_id
    ])?;
    Ok(tx.last_insert_rowid())
}

fn advance_in(tx: &Connection, now: Timestamp, policies: &PolicySet) -> Result<usize, StoreError> {
    let due: Vec<Escalation> = {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM escalations WHERE state = 'open' AND next_at <= ?1 ORDER BY next_at LIMIT ?2"
        ))?;
        let rows = stmt.query_map(
            params![now.0, i64::try_from(ADVANCE_BATCH).unwrap_or(i64::MAX)],
            from_row,
        )?;
        rows.collect::<Result<_, _>>()?
    };
    let mut written = 0;
    let mut contact = tx.prepare_cached(
        "INSERT INTO escalation_contacts (escalation_id, number, channel, step, loop_count, outbox_id, due_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut update = tx.prepare_cached(
        "UPDATE escalations SET step = ?2, loop_count = ?3, loop_started_at = ?4, next_at = ?5, state = ?6,
            updated_at = ?7 WHERE id = ?1",
    )?;
    for e in due {
        let policy = policies.get(&e.policy);
        let Some((policy, step)) = policy.and_then(|p| p.step(e.position).map(|s| (p, s))) else {
            // The config no longer has this policy (or step): nobody to try.
            tracing::warn!(escalation = %e.short_id, policy = %e.policy, "escalation's policy or step is no longer configured; marking it exhausted");
            update.execute(params![
                e.id,
                e.step,
                e.loop_count,
                e.position.loop_started_at.0,
                Option::<i64>::None,
                EscalationState::Exhausted.as_str(),
                now.0
            ])?;
            continue;
        };
        let receiver = format!("escalation:{}", e.policy);
        let body = match step.channel {
            Channel::Sms => text::step_sms(&e.short_id, &e.sms_text, policies.segment_budget),
            Channel::Voice => e.speech.clone(),
        };
        let due_at = e.next_at.unwrap_or(now);
        for number in &step.numbers {
            let row = OutboxRow {
                receiver: &receiver,
                group_key: &e.group_key,
                channel: step.channel,
                to: number,
                body: &body,
                escalation_id: e.id,
            };
            let outbox_id = insert_outbox(tx, &row, now)?;
            contact.execute(params![
                e.id,
                number,
                step.channel.as_str(),
                e.step,
                e.loop_count,
                outbox_id,
                due_at.0,
                now.0
            ])?;
            written += 1;
        }
        let (position, next_at, state) = match policy.after_step(e.position, now) {
            Next::At { position, at } => (position, Some(at.0), EscalationState::Open),
            Next::Exhausted => (e.position, None, EscalationState::Exhausted),
        };
        update.execute(params![
            e.id,
            position.step,
            position.loop_count,
            position.loop_started_at.0,
            next_at,
            state.as_str(),
            now.0
        ])?;
    }
    Ok(written)
}

fn ack_in(
    tx: &Connection,
    id: i64,
    by: &str,
    via: AckVia,
    confirmations: &[(String, String)],
    now: Timestamp,
) -> Result<usize, StoreError> {
    let n = tx.execute(
        "UPDATE escalations SET state = 'acked', next_at = NULL, acked_by = ?2, acked_via = ?3,
            acked_at = ?4, updated_at = ?4
         WHERE id = ?1 AND state IN ('open', 'exhausted')",
        params![id, by, via.as_str(), now.0],
    )?;
    if n == 0 {
        return Ok(0);
    }
    let group_key: String = tx.query_row(
        "SELECT group_key FROM escalations WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    for (to, body) in confirmations {
        let row = OutboxRow {
            receiver: "escalation:ack",
            group_key: &group_key,
            channel: Channel::Sms,
            to,
            body,
            escalation_id: id,
        };
        insert_outbox(tx, &row, now)?;
    }
    Ok(n)
}

/// The escalation with this short id (case-insensitive).
pub fn by_short_id(conn: &Connection, short: &str) -> Result<Option<Escalation>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM escalations WHERE short_id = ?1"
    ))?;
    Ok(stmt
        .query_row([short_id::normalize(short)], from_row)
        .optional()?)
}

/// The escalation most recently sent to `number`, preferring ones still open to an ack.
pub fn latest_for_number(
    conn: &Connection,
    number: &str,
) -> Result<Option<Escalation>, StoreError> {
    let cols: String = COLUMNS
        .split(", ")
        .map(|c| format!("e.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {cols} FROM escalation_contacts c JOIN escalations e ON e.id = c.escalation_id
         WHERE c.number = ?1 ORDER BY (e.state IN ('open', 'exhausted')) DESC, c.id DESC LIMIT 1"
    ))?;
    Ok(stmt.query_row([number], from_row).optional()?)
}

/// Every number an escalation reached, oldest first.
pub fn contacts(conn: &Connection, escalation_id: i64) -> Result<Vec<Contact>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT escalation_id, number, channel, step, loop_count, outbox_id, due_at, created_at
         FROM escalation_contacts WHERE escalation_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([escalation_id], |r| {
        let channel: String = r.get(2)?;
        Ok(Contact {
            escalation_id: r.get(0)?,
            number: r.get(1)?,
            channel: Channel::parse(&channel).unwrap_or(Channel::Sms),
            step: r.get(3)?,
            loop_count: r.get(4)?,
            outbox_id: r.get(5)?,
            due_at: Timestamp(r.get(6)?),
            created_at: Timestamp(r.get(7)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// When the next open escalation step is due.
pub fn next_due(conn: &Connection) -> Result<Option<Timestamp>, StoreError> {
    let next: Option<i64> = conn.query_row(
        "SELECT MIN(next_at) FROM escalations WHERE state = 'open'",
        [],
        |r| r.get(0),
    )?;
    Ok(next.map(Timestamp))
}

/// The newest escalations, newest first.
pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<Escalation>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM escalations ORDER BY id DESC LIMIT ?1"
    ))?;
    let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::store::sqlite::SqliteStore;
    use crate::store::{OutboxState, Store};

    fn policies() -> Arc<PolicySet> {
        Arc::new(PolicySet::from_config(
            &Config::parse(
                r#"
[[rosters]]
name = "oncall"
numbers = ["+15551230001", "+15551230003"]
[[escalations]]
name = "p"
repeat = 1
repeat_delay = "1m"
steps = [{channel = "sms", to = "oncall", after = "0s"}, {channel = "voice", to = "+15551230002", after = "2m"}]
[[receivers]]
name = "r"
[route]
receiver = "r"
escalation = "p"
"#,
            )
            .unwrap(),
        ))
    }

    fn new(group: &str, policies: &PolicySet, now: Timestamp) -> NewEscalation {
        let (position, first_at) = policies.get("p").unwrap().first(now);
        NewEscalation {
            group_key: group.into(),
            fingerprints: vec![Fingerprint(7)],
            alert_name: "Hot".into(),
            sms_text: "[FIRING:1] Hot".into(),
            speech: "Hot".into(),
            policy: "p".into(),
            position,
            first_at,
        }
    }

    /// Starts `list` at `now`; how many started.
    fn start(s: &SqliteStore, list: Vec<NewEscalation>, now: i64) -> usize {
        s.write_escalation(&EscalationWrite::Start(list, Timestamp(now)))
            .unwrap()
    }

    fn advance(s: &SqliteStore, p: &Arc<PolicySet>, now: i64) -> usize {
        s.write_escalation(&EscalationWrite::Advance {
            now: Timestamp(now),
            policies: p.clone(),
        })
        .unwrap()
    }

    #[test]
    fn steps_run_in_order_repeat_and_exhaust_with_every_contact_recorded() {
        let s = SqliteStore::open_in_memory().unwrap();
        let p = policies();
        assert_eq!(start(&s, vec![new("g", &p, Timestamp(0))], 0), 1);
        assert_eq!(
            start(&s, vec![new("g", &p, Timestamp(0))], 0),
            0,
            "one live escalation per group"
        );
        assert_eq!(s.next_escalation_due().unwrap(), Some(Timestamp(0)));
        assert_eq!(advance(&s, &p, 0), 2, "SMS to both roster numbers");
        assert_eq!(advance(&s, &p, 119_999), 0);
        assert_eq!(advance(&s, &p, 120_000), 1, "the call");
        assert_eq!(
            s.next_escalation_due().unwrap(),
            Some(Timestamp(180_000)),
            "second pass one repeat_delay later"
        );
        assert_eq!(advance(&s, &p, 180_000), 2);
        assert_eq!(advance(&s, &p, 300_000), 1);
        let e = s.recent_escalations(1).unwrap().remove(0);
        assert_eq!((e.state, e.next_at), (EscalationState::Exhausted, None));
        assert_eq!(advance(&s, &p, 10_000_000), 0);
        let contacts = s.escalation_contacts(e.id).unwrap();
        assert_eq!(contacts.len(), 6);
        assert_eq!(
            contacts.iter().map(|c| c.loop_count).collect::<Vec<_>>(),
            [0, 0, 0, 1, 1, 1]
        );
        let outbox = s.recent_outbox(10).unwrap();
        assert_eq!(outbox.len(), 6);
        assert!(
            outbox
                .iter()
                .all(|m| m.escalation.as_deref() == Some(e.short_id.as_str()))
        );
        assert!(outbox.iter().all(|m| m.state == OutboxState::Pending));
        let sms = outbox.iter().find(|m| m.channel == Channel::Sms).unwrap();
        assert!(
            sms.body
                .ends_with(&format!("Reply ACK {} to acknowledge", e.short_id))
        );
    }

    #[test]
    fn an_alert_in_two_groups_of_one_policy_escalates_once() {
        let s = SqliteStore::open_in_memory().unwrap();
        let p = policies();
        let one = |group: &str, fingerprints: &[u64], policy: &str| {
            let mut e = new(group, &p, Timestamp(0));
            e.fingerprints = fingerprints.iter().copied().map(Fingerprint).collect();
            e.policy = policy.into();
            start(&s, vec![e], 0)
        };
        assert_eq!(one("a", &[7], "p"), 1);
        assert_eq!(one("b", &[7], "p"), 0, "a continue route's copy of alert 7");
        assert_eq!(one("c", &[7, 8], "p"), 1, "alert 8 has no escalation yet");
        assert_eq!(
            one("d", &[7], "q"),
            1,
            "another policy reaches other people"
        );
        // In one batch too (two groups flushed together).
        let mut x = new("x", &p, Timestamp(0));
        x.fingerprints = vec![Fingerprint(9)];
        let mut y = x.clone();
        y.group_key = "y".into();
        assert_eq!(start(&s, vec![x, y], 0), 1);
        // Once closed, it covers nothing: the alert firing again escalates again.
        s.write_escalation(&EscalationWrite::Resolve(
            vec!["a".into(), "c".into()],
            Timestamp(1),
        ))
        .unwrap();
        assert_eq!(one("b", &[7], "p"), 1);
    }

    #[test]
    fn thousand_due_escalations_advance_in_one_write() {
        let s = SqliteStore::open_in_memory().unwrap();
        let p = policies();
        let list = (0..1000)
            .map(|i| NewEscalation {
                fingerprints: vec![Fingerprint(i)],
                ..new(&format!("g{i}"), &p, Timestamp(0))
            })
            .collect();
        assert_eq!(start(&s, list, 0), 1000);
        let ids: std::collections::HashSet<String> = s
            .recent_escalations(2000)
            .unwrap()
            .into_iter()
            .map(|e| e.short_id)
            .collect();
        assert_eq!(ids.len(), 1000, "short ids are unique");
        assert_eq!(advance(&s, &p, 0), 2000);
        assert_eq!(s.stats(Timestamp(0)).unwrap().outbox_pending, 2000);
    }

    #[test]
    fn ack_lands_once_and_closing_keeps_the_ack() {
        let s = SqliteStore::open_in_memory().unwrap();
        let p = policies();
        start(&s, vec![new("g", &p, Timestamp(0))], 0);
        advance(&s, &p, 0);
        let e = s.latest_escalation_for("+15551230003").unwrap().unwrap();
        assert_eq!(s.latest_escalation_for("+15559999999").unwrap(), None);
        let ack = EscalationWrite::Ack {
            id: e.id,
            by: "+15551230003".into(),
            via: AckVia::Sms,
            confirmations: vec![("+15551230003".into(), "Acked".into())],
            now: Timestamp(5),
        };
        assert_eq!(s.write_escalation(&ack).unwrap(), 1);
        assert_eq!(s.write_escalation(&ack).unwrap(), 0, "only once");
        assert_eq!(
            s.write_escalation(&EscalationWrite::EscalateNow {
                id: e.id,
                now: Timestamp(6)
            })
            .unwrap(),
            0,
            "an acked escalation does not escalate"
        );
        assert_eq!(s.recent_outbox(10).unwrap().len(), 3, "one confirmation");
        assert_eq!(advance(&s, &p, 1_000_000), 0, "no step after the ack");
        let by_id = s.escalation(&e.short_id.to_lowercase()).unwrap().unwrap();
        assert_eq!(by_id.acked_by.as_deref(), Some("+15551230003"));
        s.write_escalation(&EscalationWrite::Resolve(vec!["g".into()], Timestamp(9)))
            .unwrap();
        let closed = s.escalation(&e.short_id).unwrap().unwrap();
        assert_eq!(closed.state, EscalationState::Acked);
        assert_eq!(closed.closed_at, Some(Timestamp(9)));
        // The group fires again later: a new escalation.
        assert_eq!(start(&s, vec![new("g", &p, Timestamp(10))], 10), 1);
    }

    #[test]
    fn a_policy_removed_from_the_config_exhausts_instead_of_failing() {
        let s = SqliteStore::open_in_memory().unwrap();
        let p = policies();
        start(&s, vec![new("g", &p, Timestamp(0))], 0);
        assert_eq!(advance(&s, &Arc::new(PolicySet::default()), 0), 0);
        let e = s.recent_escalations(1).unwrap().remove(0);
        assert_eq!(e.state, EscalationState::Exhausted);
    }
}
