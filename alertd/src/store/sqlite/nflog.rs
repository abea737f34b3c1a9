//! The notification log in SQLite: one entry per (receiver, group), written in the same
//! transaction as the outbox rows of the notification it records.

use rusqlite::{Connection, OptionalExtension, params};

use super::outbox::{OutboxInsert, insert_outbox};
use super::{SqliteStore, json_err};
use crate::domain::nflog::NflogEntry;
use crate::domain::outbox::Notification;
use crate::domain::time::Timestamp;
use crate::store::{NotificationLog, StoreError};

impl NotificationLog for SqliteStore {
    fn nflog(&self, receiver: &str, group_key: &str) -> Result<Option<NflogEntry>, StoreError> {
        let conn = self.reader();
        let entry: Option<String> = conn
            .query_row(
                "SELECT entry FROM nflog WHERE receiver = ?1 AND group_key = ?2",
                [receiver, group_key],
                |r| r.get(0),
            )
            .optional()?;
        entry
            .map(|e| serde_json::from_str(&e).map_err(|e| json_err(&e)))
            .transpose()
    }

    fn record_notifications(
        &self,
        batch: &[Notification],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        self.write(|tx| notifications_in(tx, batch, now))
    }
}

/// Writes each notification's log entry and its outbox rows inside `tx`; returns the rows.
pub(super) fn notifications_in(
    tx: &Connection,
    batch: &[Notification],
    now: Timestamp,
) -> Result<usize, StoreError> {
    let mut written = 0;
    let mut log = tx.prepare_cached(
        "INSERT INTO nflog (receiver, group_key, entry, sent_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (receiver, group_key) DO UPDATE SET entry = excluded.entry, sent_at = excluded.sent_at",
    )?;
    for n in batch {
        let entry_json = serde_json::to_string(&n.entry).map_err(|e| json_err(&e))?;
        log.execute(params![
            n.receiver,
            n.group_key,
            entry_json,
            n.entry.sent_at.0
        ])?;
        for m in &n.messages {
            let row = OutboxInsert::text(&n.receiver, &n.group_key, m.channel, &m.to, &m.body);
            insert_outbox(tx, &row, now)?;
            written += 1;
        }
    }
    Ok(written)
}
