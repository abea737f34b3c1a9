//! The outbox in SQLite: the one place rows are inserted ([`insert_outbox`], used by
//! notifications, escalation steps and the relay), attempts, and delivery status.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{SqliteStore, unknown_column};
use crate::domain::UnknownValue;
use crate::domain::channel::Channel;
use crate::domain::outbox::{
    AttemptRecord, BodyKind, DeliveryUpdate, OutboxMessage, OutboxState, Price, PriceLookupQuery,
    PriceUpdate, StatusLookupQuery,
};
use crate::domain::time::Timestamp;
use crate::store::{OutboxStore, StoreError};

pub(super) const OUTBOX_COLUMNS: &str = "id, receiver, group_key, channel, to_number, body, created_at, attempts, \
    next_attempt_at, state, sid, twilio_status, error_code, error, updated_at, from_number, body_kind, \
    relay_sid, (SELECT short_id FROM escalations WHERE escalations.id = outbox.escalation_id), price, price_unit, \
    attempted_at";

pub(super) fn outbox_from_row(row: &Row<'_>) -> rusqlite::Result<OutboxMessage> {
    let channel: String = row.get(3)?;
    let state: String = row.get(9)?;
    Ok(OutboxMessage {
        id: row.get(0)?,
        receiver: row.get(1)?,
        group_key: row.get(2)?,
        channel: Channel::parse(&channel)
            .ok_or_else(|| unknown_column(3, UnknownValue::new("channel", &channel)))?,
        to: row.get(4)?,
        body: row.get(5)?,
        created_at: Timestamp(row.get(6)?),
        attempts: row.get(7)?,
        next_attempt_at: Timestamp(row.get(8)?),
        state: OutboxState::parse(&state).map_err(|e| unknown_column(9, e))?,
        sid: row.get(10)?,
        twilio_status: row.get(11)?,
        error_code: row.get(12)?,
        error: row.get(13)?,
        updated_at: Timestamp(row.get(14)?),
        from: row.get(15)?,
        body_kind: BodyKind::from_column(row.get::<_, Option<String>>(16)?.as_deref())
            .map_err(|e| unknown_column(16, e))?,
        relay_sid: row.get(17)?,
        escalation: row.get(18)?,
        price: match (row.get(19)?, row.get(20)?) {
            (Some(amount), Some(unit)) => Some(Price { amount, unit }),
            _ => None,
        },
        attempted_at: row.get::<_, Option<i64>>(21)?.map(Timestamp),
    })
}

/// One outbox row to insert.
#[derive(Debug, Clone, Copy)]
pub(super) struct OutboxInsert<'a> {
    pub(super) receiver: &'a str,
    pub(super) group_key: &'a str,
    pub(super) channel: Channel,
    pub(super) to: &'a str,
    pub(super) body: &'a str,
    pub(super) from: Option<&'a str>,
    pub(super) body_kind: BodyKind,
    pub(super) relay_sid: Option<&'a str>,
    pub(super) escalation_id: Option<i64>,
}

impl<'a> OutboxInsert<'a> {
    /// A text message (or spoken text) of alertd's own, from the configured sender.
    pub(super) fn text(
        receiver: &'a str,
        group_key: &'a str,
        channel: Channel,
        to: &'a str,
        body: &'a str,
    ) -> Self {
        Self {
            receiver,
            group_key,
            channel,
            to,
            body,
            from: None,
            body_kind: BodyKind::Text,
            relay_sid: None,
            escalation_id: None,
        }
    }
}

/// Inserts a pending row, due at `now`; returns its id.
pub(super) fn insert_outbox(
    tx: &Connection,
    row: &OutboxInsert<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO outbox (receiver, group_key, channel, to_number, body, created_at, next_attempt_at,
            updated_at, from_number, body_kind, relay_sid, escalation_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6, ?7, ?8, ?9, ?10)",
    )?;
    stmt.execute(params![
        row.receiver,
        row.group_key,
        row.channel.as_str(),
        row.to,
        row.body,
        now.0,
        row.from,
        row.body_kind.as_column(),
        row.relay_sid,
        row.escalation_id
    ])?;
    Ok(tx.last_insert_rowid())
}

/// The query of [`OutboxStore::status_lookups_due`]: (created since, call quiet since, SMS
/// quiet since, now, limit).
fn status_lookups_sql() -> String {
    // The first three conditions are the `outbox_unsettled` index's, word for word.
    format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox
         WHERE state = 'sent' AND sid IS NOT NULL AND (twilio_status IS NULL OR twilio_status NOT IN
            ('delivered', 'undelivered', 'failed', 'read', 'completed', 'busy', 'no-answer', 'canceled'))
           AND created_at >= ?1
           AND updated_at <= CASE channel WHEN 'voice' THEN ?2 ELSE ?3 END
           AND (status_lookup_due_at IS NULL OR status_lookup_due_at <= ?4)
         ORDER BY COALESCE(status_lookup_due_at, updated_at), id LIMIT ?5"
    )
}

/// The query of [`OutboxStore::price_lookups_due`]: (final since, now, first after in ms,
/// limit).
fn price_lookups_sql() -> String {
    // The first four conditions are the `outbox_unpriced` index's, word for word.
    format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox
         WHERE state = 'sent' AND sid IS NOT NULL AND price IS NULL AND twilio_status IN
            ('delivered', 'undelivered', 'failed', 'read', 'completed', 'busy', 'no-answer', 'canceled')
           AND updated_at >= ?1
           AND COALESCE(price_lookup_due_at, updated_at + ?3) <= ?2
         ORDER BY COALESCE(price_lookup_due_at, updated_at + ?3), id LIMIT ?4"
    )
}

/// One row by id.
pub(super) fn outbox_row(conn: &Connection, id: i64) -> Result<Option<OutboxMessage>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?1"),
            [id],
            outbox_from_row,
        )
        .optional()?)
}

impl OutboxStore for SqliteStore {
    fn due_outbox(&self, now: Timestamp, limit: usize) -> Result<Vec<OutboxMessage>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?1
             ORDER BY relay_sid IS NOT NULL, id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(
            params![now.0, i64::try_from(limit).unwrap_or(i64::MAX)],
            outbox_from_row,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn unconfirmed_due(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = 'unconfirmed' AND next_attempt_at <= ?1
             ORDER BY next_attempt_at, id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(
            params![now.0, i64::try_from(limit).unwrap_or(i64::MAX)],
            outbox_from_row,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn recorded_sids(&self, sids: &[String]) -> Result<Vec<String>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached("SELECT 1 FROM outbox WHERE sid = ?1 LIMIT 1")?;
        let mut recorded = Vec::new();
        for sid in sids {
            if stmt.exists([sid])? {
                recorded.push(sid.clone());
            }
        }
        Ok(recorded)
    }

    fn next_outbox_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let conn = self.reader();
        let next: Option<i64> = conn.query_row(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )?;
        Ok(next.map(Timestamp))
    }

    fn record_attempts(&self, batch: &[(i64, AttemptRecord, Timestamp)]) -> Result<(), StoreError> {
        self.write(|tx| attempts_in(tx, batch))
    }

    fn update_deliveries(&self, updates: &[DeliveryUpdate]) -> Result<usize, StoreError> {
        self.write(|tx| deliveries_in(tx, updates))
    }

    fn status_lookups_due(&self, q: &StatusLookupQuery) -> Result<Vec<OutboxMessage>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&status_lookups_sql())?;
        let rows = stmt.query_map(
            params![
                q.created_since.0,
                q.voice_quiet_since.0,
                q.sms_quiet_since.0,
                q.now.0,
                i64::try_from(q.limit).unwrap_or(i64::MAX)
            ],
            outbox_from_row,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn schedule_status_lookups(&self, batch: &[(i64, Timestamp)]) -> Result<(), StoreError> {
        self.write(|tx| status_lookups_in(tx, batch))
    }

    fn price_lookups_due(&self, q: &PriceLookupQuery) -> Result<Vec<OutboxMessage>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&price_lookups_sql())?;
        let rows = stmt.query_map(
            params![
                q.final_since.0,
                q.now.0,
                i64::try_from(q.first_after.as_millis()).unwrap_or(i64::MAX),
                i64::try_from(q.limit).unwrap_or(i64::MAX)
            ],
            outbox_from_row,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn record_prices(&self, batch: &[PriceUpdate]) -> Result<(), StoreError> {
        self.write(|tx| prices_in(tx, batch))
    }

    fn recent_outbox(&self, limit: usize) -> Result<Vec<OutboxMessage>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], outbox_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn outbox_message(&self, id: i64) -> Result<Option<OutboxMessage>, StoreError> {
        outbox_row(&self.reader(), id)
    }
}

/// Twilio's "Attempt to send to unsubscribed recipient".
const OPTED_OUT_CODE: i64 = twilio_core::outcome::ErrorCode::UNSUBSCRIBED.0 as i64;

/// Records each attempt's result inside `tx`.
pub(super) fn attempts_in(
    tx: &Connection,
    batch: &[(i64, AttemptRecord, Timestamp)],
) -> Result<(), StoreError> {
    for (id, record, now) in batch {
        match record {
            AttemptRecord::Sent { sid, status } => tx.execute(
                "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sid = ?2, twilio_status = ?3,
                 error_code = NULL, error = NULL, updated_at = ?4 WHERE id = ?1",
                params![id, (!sid.is_empty()).then_some(sid), status, now.0],
            )?,
            AttemptRecord::Retry { next_attempt_at, code, error } => tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, error_code = ?3, error = ?4,
                 updated_at = ?5 WHERE id = ?1",
                params![id, next_attempt_at.0, code, error, now.0],
            )?,
            AttemptRecord::Failed { code, error } => tx.execute(
                "UPDATE outbox SET state = 'failed', attempts = attempts + 1, error_code = ?2, error = ?3,
                 updated_at = ?4 WHERE id = ?1",
                params![id, code, error, now.0],
            )?,
            AttemptRecord::OptedOut { code, error } => {
                if *code == Some(OPTED_OUT_CODE) {
                    // Twilio says the recipient unsubscribed: no SMS to them until START.
                    tx.execute(
                        "INSERT INTO opt_outs (number, since, source)
                         SELECT to_number, ?2, 'twilio-' || ?3 FROM outbox WHERE id = ?1
                         ON CONFLICT (number) DO NOTHING",
                        params![id, now.0, OPTED_OUT_CODE],
                    )?;
                }
                tx.execute(
                    "UPDATE outbox SET state = 'opted_out', attempts = attempts + ?2, error_code = ?3,
                     error = ?4, updated_at = ?5 WHERE id = ?1",
                    params![id, i64::from(code.is_some()), code, error, now.0],
                )?
            }
            AttemptRecord::Unconfirmed { attempted_at, lookup_at, error } => tx.execute(
                "UPDATE outbox SET state = 'unconfirmed', attempts = attempts + 1, attempted_at = ?2,
                 next_attempt_at = ?3, error_code = NULL, error = ?4, updated_at = ?5 WHERE id = ?1",
                params![id, attempted_at.0, lookup_at.0, error, now.0],
            )?,
            // The three below settle an unconfirmed row only: a row settled meanwhile (a
            // status callback cannot, it has no SID yet) is left alone.
            AttemptRecord::Found { sid, status } => tx.execute(
                "UPDATE outbox SET state = 'sent', sid = ?2, twilio_status = ?3, error_code = NULL,
                 error = NULL, updated_at = ?4 WHERE id = ?1 AND state = 'unconfirmed'",
                params![id, sid, status, now.0],
            )?,
            AttemptRecord::NotFound { error } => tx.execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at = ?2, error = ?3, updated_at = ?2
                 WHERE id = ?1 AND state = 'unconfirmed'",
                params![id, now.0, error],
            )?,
            AttemptRecord::LookAgain { lookup_at } => tx.execute(
                "UPDATE outbox SET next_attempt_at = ?2 WHERE id = ?1 AND state = 'unconfirmed'",
                params![id, lookup_at.0],
            )?,
        };
    }
    Ok(())
}

/// Applies status callbacks inside `tx`; returns the rows they matched.
pub(super) fn deliveries_in(
    tx: &Connection,
    batch: &[DeliveryUpdate],
) -> Result<usize, StoreError> {
    let mut stmt = tx.prepare_cached(
        "UPDATE outbox SET twilio_status = ?2, error_code = COALESCE(?3, error_code), updated_at = ?4 WHERE sid = ?1",
    )?;
    let mut n = 0;
    for d in batch {
        n += stmt.execute(params![d.sid, d.status, d.error_code, d.at.0])?;
    }
    Ok(n)
}

/// Records when each row's status may next be looked up, inside `tx`.
pub(super) fn status_lookups_in(
    tx: &Connection,
    batch: &[(i64, Timestamp)],
) -> Result<(), StoreError> {
    let mut stmt =
        tx.prepare_cached("UPDATE outbox SET status_lookup_due_at = ?2 WHERE id = ?1")?;
    for (id, due) in batch {
        stmt.execute(params![id, due.0])?;
    }
    Ok(())
}

/// Records prices found, or when to look each one up again, inside `tx`. The price is not a
/// status change: `updated_at` stays the time of the final status.
pub(super) fn prices_in(tx: &Connection, batch: &[PriceUpdate]) -> Result<(), StoreError> {
    let mut priced = tx.prepare_cached(
        "UPDATE outbox SET price = ?2, price_unit = ?3, price_lookup_due_at = NULL WHERE id = ?1",
    )?;
    let mut later =
        tx.prepare_cached("UPDATE outbox SET price_lookup_due_at = ?2 WHERE id = ?1")?;
    for u in batch {
        match &u.price {
            Some(p) => priced.execute(params![u.id, p.amount, p.unit])?,
            None => later.execute(params![u.id, u.next_lookup_at.0])?,
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::Fingerprint;
    use crate::domain::nflog::NflogEntry;
    use crate::domain::outbox::NewMessage;
    use crate::store::{NotificationLog, Store};

    #[test]
    fn outbox_lifecycle() {
        let s = SqliteStore::open_in_memory().unwrap();
        let entry = NflogEntry {
            firing: [Fingerprint(1)].into(),
            resolved: std::collections::BTreeSet::default(),
            sent_at: Timestamp(5),
        };
        let msgs = [
            NewMessage {
                channel: Channel::Sms,
                to: "+15551230001".into(),
                body: "hi".into(),
            },
            NewMessage {
                channel: Channel::Voice,
                to: "+15551230001".into(),
                body: "hi".into(),
            },
        ];
        let written = s
            .record_notification("r", "g", &entry, &msgs, Timestamp(5))
            .unwrap();
        assert_eq!(written, 2);
        let ids = [1, 2];
        assert_eq!(s.nflog("r", "g").unwrap(), Some(entry));
        assert_eq!(s.next_outbox_due().unwrap(), Some(Timestamp(5)));
        assert_eq!(s.due_outbox(Timestamp(4), 10).unwrap().len(), 0);
        let due = s.due_outbox(Timestamp(5), 10).unwrap();
        assert_eq!(due.len(), 2);
        s.record_attempt(
            ids[0],
            &AttemptRecord::Retry {
                next_attempt_at: Timestamp(100),
                code: Some(20429),
                error: "429".into(),
            },
            Timestamp(6),
        )
        .unwrap();
        s.record_attempt(
            ids[1],
            &AttemptRecord::Failed {
                code: Some(21211),
                error: "invalid To".into(),
            },
            Timestamp(6),
        )
        .unwrap();
        assert_eq!(s.next_outbox_due().unwrap(), Some(Timestamp(100)));
        s.record_attempt(
            ids[0],
            &AttemptRecord::Sent {
                sid: "SM1".into(),
                status: "queued".into(),
            },
            Timestamp(100),
        )
        .unwrap();
        assert!(
            s.update_delivery("SM1", "delivered", None, Timestamp(101))
                .unwrap()
        );
        assert!(
            !s.update_delivery("SM2", "delivered", None, Timestamp(101))
                .unwrap()
        );
        let recent = s.recent_outbox(10).unwrap();
        assert_eq!(recent[0].state, OutboxState::Failed);
        assert_eq!(recent[0].error_code, Some(21211));
        assert_eq!(
            (
                recent[1].state,
                recent[1].attempts,
                recent[1].twilio_status.as_deref()
            ),
            (OutboxState::Sent, 2, Some("delivered"))
        );
        let stats = s.stats(Timestamp(0)).unwrap();
        assert_eq!(
            (stats.outbox_pending, stats.outbox_sent, stats.outbox_failed),
            (0, 1, 1)
        );
    }

    #[test]
    fn status_lookups_read_the_index_of_unsettled_rows() {
        let s = SqliteStore::open_in_memory().unwrap();
        let sql = status_lookups_sql();
        let conn = s.conn();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let plan: Vec<String> = stmt
            .query_map(params![0, 0, 0, 0, 10], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter().any(|step| step.contains("outbox_unsettled")),
            "{plan:?}"
        );
        // The index and the query name the same statuses as the domain.
        for status in crate::domain::outbox::FINAL_STATUSES {
            assert!(sql.contains(&format!("'{status}'")), "{status}");
        }
    }

    #[test]
    fn prices_are_stored_as_twilio_sends_them_and_lookups_are_scheduled() {
        let s = SqliteStore::open_in_memory().unwrap();
        let entry = NflogEntry {
            firing: [Fingerprint(1)].into(),
            resolved: std::collections::BTreeSet::default(),
            sent_at: Timestamp(5),
        };
        let msgs: Vec<NewMessage> = ["+15551230001", "+15551230002", "+15551230003"]
            .into_iter()
            .map(|to| NewMessage {
                channel: Channel::Sms,
                to: to.into(),
                body: "hi".into(),
            })
            .collect();
        s.record_notification("r", "g", &entry, &msgs, Timestamp(5))
            .unwrap();
        for (id, status) in [(1, "delivered"), (2, "sent"), (3, "failed")] {
            let sent = AttemptRecord::Sent {
                sid: format!("SM{id}"),
                status: status.into(),
            };
            s.record_attempt(id, &sent, Timestamp(1_000)).unwrap();
        }
        let query = |now: i64, limit: usize| PriceLookupQuery {
            now: Timestamp(now),
            final_since: Timestamp(now - 86_400_000),
            first_after: std::time::Duration::from_secs(60),
            limit,
        };
        let due = |now: i64| -> Vec<i64> {
            s.price_lookups_due(&query(now, 10))
                .unwrap()
                .iter()
                .map(|m| m.id)
                .collect()
        };
        assert!(due(60_999).is_empty(), "a minute after the final status");
        assert_eq!(due(61_000), [1, 3], "final rows only");
        assert_eq!(s.price_lookups_due(&query(61_000, 1)).unwrap().len(), 1);
        let price = Price {
            amount: "-0.00790".into(),
            unit: "USD".into(),
        };
        s.record_prices(&[
            PriceUpdate {
                id: 1,
                price: Some(price.clone()),
                next_lookup_at: Timestamp(0),
            },
            PriceUpdate {
                id: 3,
                price: None,
                next_lookup_at: Timestamp(200_000),
            },
        ])
        .unwrap();
        let priced = s.outbox_message(1).unwrap().unwrap();
        assert_eq!(
            (priced.price, priced.updated_at),
            (Some(price), Timestamp(1_000))
        );
        assert_eq!(s.outbox_message(3).unwrap().unwrap().price, None);
        assert!(due(199_999).is_empty(), "priced, or not due again yet");
        assert_eq!(due(200_000), [3]);
        assert!(
            due(86_401_001).is_empty(),
            "a day after the final status, no more"
        );
        // The query reads the index of rows without a price, which names the final statuses.
        let sql = price_lookups_sql();
        let conn = s.conn();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let plan: Vec<String> = stmt
            .query_map(params![0, 0, 0, 10], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter().any(|step| step.contains("outbox_unpriced")),
            "{plan:?}"
        );
        for status in crate::domain::outbox::FINAL_STATUSES {
            assert!(sql.contains(&format!("'{status}'")), "{status}");
        }
    }

    #[test]
    fn an_unknown_stored_value_is_an_error_never_a_default() {
        let s = SqliteStore::open_in_memory().unwrap();
        let entry = NflogEntry {
            firing: [Fingerprint(1)].into(),
            resolved: std::collections::BTreeSet::default(),
            sent_at: Timestamp(5),
        };
        let msg = NewMessage {
            channel: Channel::Sms,
            to: "+15551230001".into(),
            body: "hi".into(),
        };
        s.record_notification("r", "g", &entry, &[msg], Timestamp(5))
            .unwrap();
        // A state a newer alertd wrote: reading it must not turn it into "pending" (sent again).
        s.conn()
            .execute("UPDATE outbox SET state = 'archived'", [])
            .unwrap();
        let err = s.recent_outbox(10).unwrap_err();
        assert!(
            err.to_string().contains("outbox state \"archived\""),
            "{err}"
        );
        s.conn()
            .execute("UPDATE outbox SET state = 'pending', channel = 'fax'", [])
            .unwrap();
        let err = s.due_outbox(Timestamp(10), 10).unwrap_err();
        assert!(err.to_string().contains("channel \"fax\""), "{err}");
        s.conn()
            .execute("UPDATE outbox SET channel = 'sms', body_kind = 'ssml'", [])
            .unwrap();
        let err = s.outbox_message(1).unwrap_err();
        assert!(err.to_string().contains("body kind \"ssml\""), "{err}");
    }
}
