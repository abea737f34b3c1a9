//! Escalations in SQLite. Their writes run inside the store's group-commit transaction
//! ([`crate::store::WriteOp::Escalation`]), so a step's outbox rows, its contacts and the
//! escalation's new position commit together or not at all.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::outbox::{OutboxInsert, insert_outbox};
use super::{SqliteStore, unknown_column};
use crate::domain::UnknownValue;
use crate::domain::alert::Fingerprint;
use crate::domain::channel::Channel;
use crate::domain::escalation::{
    AckVia, Contact, Escalation, EscalationState, EscalationWrite, NewEscalation, Position, StepRun,
};
use crate::domain::short_id;
use crate::domain::time::Timestamp;
use crate::store::{EscalationStore, StoreError};

const COLUMNS: &str = "id, short_id, group_key, alert_name, sms_text, speech, policy, step, loop_count, \
    loop_started_at, next_at, state, acked_by, acked_via, acked_at, closed_at, created_at, \
    fingerprints, acked_fingerprints, last_step, last_step_at";

/// Fingerprints stored as a JSON list of hex strings.
fn fingerprints_from(json: &str) -> Vec<Fingerprint> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| Fingerprint::parse_hex(f))
        .collect()
}

fn fingerprints_json(fps: &[Fingerprint]) -> Result<String, StoreError> {
    let hex: Vec<String> = fps.iter().map(ToString::to_string).collect();
    serde_json::to_string(&hex).map_err(|err| StoreError::Query(err.to_string()))
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Escalation> {
    let state: String = row.get(11)?;
    let state = EscalationState::parse(&state).map_err(|e| unknown_column(11, e))?;
    let step: u32 = row.get(7)?;
    let loop_count: u32 = row.get(8)?;
    let next_at = row.get::<_, Option<i64>>(10)?.map(Timestamp);
    Ok(Escalation {
        id: row.get(0)?,
        short_id: row.get(1)?,
        group_key: row.get(2)?,
        alert_name: row.get(3)?,
        sms_text: row.get(4)?,
        speech: row.get(5)?,
        policy: row.get(6)?,
        fingerprints: fingerprints_from(&row.get::<_, String>(17)?),
        acked_fingerprints: fingerprints_from(&row.get::<_, String>(18)?),
        position: Position {
            step,
            loop_count,
            loop_started_at: Timestamp(row.get(9)?),
        },
        pass: loop_count.saturating_add(1),
        last_step: row.get(19)?,
        last_step_at: row.get::<_, Option<i64>>(20)?.map(Timestamp),
        next_step: (state == EscalationState::Open).then_some(step),
        next_at,
        state,
        acked_by: row.get(12)?,
        acked_via: row.get(13)?,
        acked_at: row.get::<_, Option<i64>>(14)?.map(Timestamp),
        closed_at: row.get::<_, Option<i64>>(15)?.map(Timestamp),
        created_at: Timestamp(row.get(16)?),
    })
}

/// Applies one write inside the caller's transaction.
pub(super) fn write_in(tx: &Connection, op: &EscalationWrite) -> Result<usize, StoreError> {
    match op {
        EscalationWrite::Start(list, now) => start_in(tx, list, *now),
        EscalationWrite::Resolve(keys, now) => close_in(tx, keys, EscalationState::Resolved, *now),
        EscalationWrite::Silence(keys, now) => close_in(tx, keys, EscalationState::Silenced, *now),
        EscalationWrite::RunSteps(steps, now) => run_steps_in(tx, steps, *now),
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

/// The group's live escalation: id, state and the alerts it covers and was told are acked.
type Live = (i64, EscalationState, Vec<Fingerprint>, Vec<Fingerprint>);

fn start_in(tx: &Connection, list: &[NewEscalation], now: Timestamp) -> Result<usize, StoreError> {
    let mut started = 0;
    let mut live = tx.prepare_cached(
        "SELECT id, state, fingerprints, acked_fingerprints FROM escalations
         WHERE group_key = ?1 AND closed_at IS NULL LIMIT 1",
    )?;
    let mut grow = tx.prepare_cached(
        "UPDATE escalations SET fingerprints = ?2, updated_at = ?3 WHERE id = ?1",
    )?;
    let mut supersede = tx.prepare_cached(
        "UPDATE escalations SET closed_at = ?2, next_at = NULL, updated_at = ?2 WHERE id = ?1",
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO escalations (short_id, group_key, fingerprints, acked_fingerprints, alert_name, sms_text,
            speech, policy, step, loop_count, loop_started_at, next_at, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'open', ?13, ?13)",
    )?;
    let mut taken = tx.prepare_cached("SELECT 1 FROM escalations WHERE short_id = ?1")?;
    // Candidates hold the first alert's fingerprint as a JSON string; only they are parsed.
    let mut same_policy = tx.prepare_cached(
        "SELECT fingerprints FROM escalations
         WHERE policy = ?1 AND closed_at IS NULL AND instr(fingerprints, ?2) > 0",
    )?;
    for e in list {
        let current: Option<Live> = live
            .query_row([&e.group_key], |r| {
                let state: String = r.get(1)?;
                Ok((
                    r.get(0)?,
                    EscalationState::parse(&state).map_err(|err| unknown_column(1, err))?,
                    fingerprints_from(&r.get::<_, String>(2)?),
                    fingerprints_from(&r.get::<_, String>(3)?),
                ))
            })
            .optional()?;
        let mut fingerprints = e.fingerprints.clone();
        let mut acked = Vec::new();
        if let Some((id, state, covered, already_acked)) = current {
            let joined: Vec<Fingerprint> = e
                .fingerprints
                .iter()
                .filter(|f| !covered.contains(f))
                .copied()
                .collect();
            if joined.is_empty() {
                continue;
            }
            let mut all = covered.clone();
            all.extend(&joined);
            if state == EscalationState::Open {
                // Still paging: the next steps speak of the new alerts too.
                grow.execute(params![id, fingerprints_json(&all)?, now.0])?;
                continue;
            }
            // An acknowledgement covers the alerts it was given: a new alert joining the
            // group pages again, in a new escalation that leaves the acknowledged ones out.
            supersede.execute(params![id, now.0])?;
            acked = already_acked;
            if state == EscalationState::Acked {
                let newly: Vec<Fingerprint> = covered
                    .iter()
                    .filter(|f| !acked.contains(f))
                    .copied()
                    .collect();
                acked.extend(newly);
            }
            fingerprints = all;
        } else {
            // An alert routed to two groups by `continue` routes with the same policy escalates
            // once: a live escalation of that policy that already covers every alert of this
            // group (ringing or acknowledged) stands for it.
            let hex: Vec<String> = e.fingerprints.iter().map(ToString::to_string).collect();
            let first = hex.first().map(|f| format!("\"{f}\"")).unwrap_or_default();
            let covered = !hex.is_empty()
                && same_policy
                    .query_map([&e.policy, &first], |row| row.get::<_, String>(0))?
                    .filter_map(Result::ok)
                    .filter_map(|json| serde_json::from_str::<Vec<String>>(&json).ok())
                    .any(|live| hex.iter().all(|f| live.contains(f)));
            if covered {
                continue;
            }
        }
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
            fingerprints_json(&fingerprints)?,
            fingerprints_json(&acked)?,
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

/// Closes the live escalations of `keys`: an open one takes `state` (resolved or silenced),
/// an acknowledged or exhausted one keeps its own.
fn close_in(
    tx: &Connection,
    keys: &[String],
    state: EscalationState,
    now: Timestamp,
) -> Result<usize, StoreError> {
    let mut stmt = tx.prepare_cached(
        "UPDATE escalations SET state = CASE state WHEN 'open' THEN ?3 ELSE state END,
            next_at = NULL, closed_at = ?2, updated_at = ?2
         WHERE group_key = ?1 AND closed_at IS NULL",
    )?;
    let mut n = 0;
    for key in keys {
        n += stmt.execute(params![key, now.0, state.as_str()])?;
    }
    Ok(n)
}

/// Records due steps, each only while its escalation is still open at the position it was
/// planned from: an acknowledgement (or another writer) that got there first wins, and the
/// step sends nothing.
fn run_steps_in(tx: &Connection, steps: &[StepRun], now: Timestamp) -> Result<usize, StoreError> {
    let mut written = 0;
    let mut contact = tx.prepare_cached(
        "INSERT INTO escalation_contacts (escalation_id, number, channel, step, loop_count, outbox_id, due_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    // A step that finds nothing left to page about closes the escalation instead.
    let mut update = tx.prepare_cached(
        "UPDATE escalations SET step = ?2, loop_count = ?3, loop_started_at = ?4, next_at = ?5, state = ?6,
            updated_at = ?7,
            closed_at = CASE WHEN ?6 IN ('resolved', 'silenced') THEN ?7 ELSE closed_at END,
            last_step = CASE WHEN ?10 THEN ?8 ELSE last_step END,
            last_step_at = CASE WHEN ?10 THEN ?7 ELSE last_step_at END
         WHERE id = ?1 AND state = 'open' AND step = ?8 AND loop_count = ?9",
    )?;
    for run in steps {
        let moved = update.execute(params![
            run.escalation_id,
            run.next.step,
            run.next.loop_count,
            run.next.loop_started_at.0,
            run.next_at.map(|t| t.0),
            run.state.as_str(),
            now.0,
            run.from.step,
            run.from.loop_count,
            !run.messages.is_empty()
        ])?;
        if moved == 0 {
            continue;
        }
        let receiver = format!("escalation:{}", run.policy);
        for m in &run.messages {
            let outbox_id = insert_outbox(
                tx,
                &OutboxInsert {
                    escalation_id: Some(run.escalation_id),
                    ..OutboxInsert::text(&receiver, &run.group_key, m.channel, &m.to, &m.body)
                },
                now,
            )?;
            contact.execute(params![
                run.escalation_id,
                m.to,
                m.channel.as_str(),
                run.from.step,
                run.from.loop_count,
                outbox_id,
                run.due_at.0,
                now.0
            ])?;
            written += 1;
        }
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
        let row = OutboxInsert {
            escalation_id: Some(id),
            ..OutboxInsert::text("escalation:ack", &group_key, Channel::Sms, to, body)
        };
        insert_outbox(tx, &row, now)?;
    }
    Ok(n)
}

impl EscalationStore for SqliteStore {
    fn write_escalation(&self, op: &EscalationWrite) -> Result<usize, StoreError> {
        self.write(|tx| write_in(tx, op))
    }

    fn due_escalations(&self, now: Timestamp, limit: usize) -> Result<Vec<Escalation>, StoreError> {
        due(&self.reader(), now, limit)
    }

    fn escalation(&self, short_id: &str) -> Result<Option<Escalation>, StoreError> {
        by_short_id(&self.reader(), short_id)
    }

    fn latest_escalation_for(
        &self,
        number: &str,
    ) -> Result<Option<(Escalation, Timestamp)>, StoreError> {
        latest_for_number(&self.reader(), number)
    }

    fn escalation_contacts(&self, escalation_id: i64) -> Result<Vec<Contact>, StoreError> {
        contacts(&self.reader(), escalation_id)
    }

    fn next_escalation_due(&self) -> Result<Option<Timestamp>, StoreError> {
        next_due(&self.reader())
    }

    fn recent_escalations(&self, limit: usize) -> Result<Vec<Escalation>, StoreError> {
        recent(&self.reader(), limit)
    }
}

/// Open escalations due at `now`, earliest first.
fn due(conn: &Connection, now: Timestamp, limit: usize) -> Result<Vec<Escalation>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM escalations WHERE state = 'open' AND next_at <= ?1 ORDER BY next_at LIMIT ?2"
    ))?;
    let rows = stmt.query_map(
        params![now.0, i64::try_from(limit).unwrap_or(i64::MAX)],
        from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The escalation with this short id (case-insensitive).
fn by_short_id(conn: &Connection, short: &str) -> Result<Option<Escalation>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM escalations WHERE short_id = ?1"
    ))?;
    Ok(stmt
        .query_row([short_id::normalize(short)], from_row)
        .optional()?)
}

/// The escalation most recently sent to `number`, preferring ones still open to an ack.
fn latest_for_number(
    conn: &Connection,
    number: &str,
) -> Result<Option<(Escalation, Timestamp)>, StoreError> {
    let cols: String = COLUMNS
        .split(", ")
        .map(|c| format!("e.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {cols}, c.created_at FROM escalation_contacts c
         JOIN escalations e ON e.id = c.escalation_id
         WHERE c.number = ?1 ORDER BY c.id DESC LIMIT 1"
    ))?;
    let columns = COLUMNS.split(", ").count();
    Ok(stmt
        .query_row([number], |r| Ok((from_row(r)?, Timestamp(r.get(columns)?))))
        .optional()?)
}

/// Every number an escalation reached, oldest first.
fn contacts(conn: &Connection, escalation_id: i64) -> Result<Vec<Contact>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT escalation_id, number, channel, step, loop_count, outbox_id, due_at, created_at
         FROM escalation_contacts WHERE escalation_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([escalation_id], |r| {
        let channel: String = r.get(2)?;
        Ok(Contact {
            escalation_id: r.get(0)?,
            number: r.get(1)?,
            channel: Channel::parse(&channel)
                .ok_or_else(|| unknown_column(2, UnknownValue::new("channel", &channel)))?,
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
fn next_due(conn: &Connection) -> Result<Option<Timestamp>, StoreError> {
    let next: Option<i64> = conn.query_row(
        "SELECT MIN(next_at) FROM escalations WHERE state = 'open'",
        [],
        |r| r.get(0),
    )?;
    Ok(next.map(Timestamp))
}

/// The newest escalations, newest first.
fn recent(conn: &Connection, limit: usize) -> Result<Vec<Escalation>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM escalations ORDER BY id DESC LIMIT ?1"
    ))?;
    let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::Config;
    use crate::domain::alert::Fingerprint;
    use crate::domain::outbox::OutboxState;
    use crate::escalation::policy::{PolicySet, Standing};
    use crate::store::{OutboxStore, Store};

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

    /// Plans every step due at `now` with the policies and records them, as the escalation
    /// timer does.
    fn advance(s: &SqliteStore, p: &Arc<PolicySet>, now: i64) -> usize {
        let now = Timestamp(now);
        let runs = s
            .due_escalations(now, 10_000)
            .unwrap()
            .iter()
            .map(|e| p.plan(e, &Standing::Unknown, now))
            .collect();
        s.write_escalation(&EscalationWrite::RunSteps(runs, now))
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
        assert_eq!(
            (e.state, e.last_step, e.next_step, e.next_at),
            (
                EscalationState::Open,
                Some(1),
                Some(2),
                Some(Timestamp(360_000))
            ),
            "the last call has repeat_delay to be answered"
        );
        assert_eq!(
            advance(&s, &p, 360_000),
            0,
            "no on_exhausted: nobody to tell"
        );
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
    fn an_open_escalation_takes_in_new_alerts_an_acknowledged_one_is_superseded() {
        let s = SqliteStore::open_in_memory().unwrap();
        let p = policies();
        let with = |fps: &[u64]| NewEscalation {
            fingerprints: fps.iter().copied().map(Fingerprint).collect(),
            ..new("g", &p, Timestamp(0))
        };
        assert_eq!(start(&s, vec![with(&[7])], 0), 1);
        assert_eq!(start(&s, vec![with(&[7, 8])], 1), 0, "still paging: grows");
        let first = s.recent_escalations(1).unwrap().remove(0);
        assert_eq!(first.fingerprints, vec![Fingerprint(7), Fingerprint(8)]);
        let ack = EscalationWrite::Ack {
            id: first.id,
            by: "+15551230001".into(),
            via: AckVia::Sms,
            confirmations: Vec::new(),
            now: Timestamp(2),
        };
        assert_eq!(s.write_escalation(&ack).unwrap(), 1);
        assert_eq!(start(&s, vec![with(&[7, 8])], 3), 0, "the ack covers them");
        assert_eq!(
            start(&s, vec![with(&[7, 8, 9])], 4),
            1,
            "alert 9 pages again"
        );
        let second = s.recent_escalations(1).unwrap().remove(0);
        assert_ne!(second.short_id, first.short_id);
        assert_eq!(
            second.acked_fingerprints,
            vec![Fingerprint(7), Fingerprint(8)]
        );
        let first = s.escalation(&first.short_id).unwrap().unwrap();
        assert_eq!(
            (first.state, first.closed_at),
            (EscalationState::Acked, Some(Timestamp(4)))
        );
        // Silencing closes the live one as silenced, not resolved.
        s.write_escalation(&EscalationWrite::Silence(vec!["g".into()], Timestamp(5)))
            .unwrap();
        let second = s.escalation(&second.short_id).unwrap().unwrap();
        assert_eq!(second.state, EscalationState::Silenced);
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
        let (e, _) = s.latest_escalation_for("+15551230003").unwrap().unwrap();
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

    #[test]
    fn an_unknown_escalation_state_is_an_error_never_open() {
        let s = SqliteStore::open_in_memory().unwrap();
        let p = policies();
        start(&s, vec![new("g", &p, Timestamp(0))], 0);
        s.conn()
            .execute("UPDATE escalations SET state = 'snoozed'", [])
            .unwrap();
        let err = s.recent_escalations(1).unwrap_err();
        assert!(
            err.to_string().contains("escalation state \"snoozed\""),
            "{err}"
        );
        assert_eq!(
            s.due_escalations(Timestamp(0), 10).unwrap(),
            vec![],
            "only open escalations are due"
        );
    }

    #[test]
    fn a_step_planned_before_an_ack_sends_nothing() {
        let s = SqliteStore::open_in_memory().unwrap();
        let p = policies();
        start(&s, vec![new("g", &p, Timestamp(0))], 0);
        let due = s.due_escalations(Timestamp(0), 10).unwrap();
        let runs: Vec<StepRun> = due
            .iter()
            .map(|e| p.plan(e, &Standing::Unknown, Timestamp(0)))
            .collect();
        assert_eq!(runs[0].messages.len(), 2);
        let ack = EscalationWrite::Ack {
            id: due[0].id,
            by: "api:test".into(),
            via: AckVia::Api,
            confirmations: vec![],
            now: Timestamp(0),
        };
        assert_eq!(s.write_escalation(&ack).unwrap(), 1);
        assert_eq!(
            s.write_escalation(&EscalationWrite::RunSteps(runs.clone(), Timestamp(0)))
                .unwrap(),
            0,
            "the ack got there first"
        );
        assert!(s.recent_outbox(10).unwrap().is_empty());
        assert!(s.escalation_contacts(due[0].id).unwrap().is_empty());
    }
}
