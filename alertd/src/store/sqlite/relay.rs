//! Relayed messages in SQLite: added to the outbox unless the same device asked for the same
//! message within the dedup window, in one immediate transaction.

use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::outbox::{OUTBOX_COLUMNS, OutboxInsert, insert_outbox, outbox_from_row, outbox_row};
use crate::domain::outbox::{Enqueued, OutboxMessage, RelayedMessage};
use crate::domain::time::Timestamp;
use crate::store::{RelayStore, StoreError};

impl RelayStore for SqliteStore {
    fn enqueue_relayed(
        &self,
        msg: &RelayedMessage,
        dedup_since: Timestamp,
        now: Timestamp,
    ) -> Result<Enqueued, StoreError> {
        self.write(|tx| enqueue_relayed_in(tx, msg, dedup_since, now))
    }

    fn outbox_by_relay_sid(&self, relay_sid: &str) -> Result<Option<OutboxMessage>, StoreError> {
        let conn = self.reader();
        Ok(conn
            .query_row(
                &format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE relay_sid = ?1"),
                [relay_sid],
                outbox_from_row,
            )
            .optional()?)
    }

    fn relayed_since(
        &self,
        device: &str,
        since: Timestamp,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE receiver = ?1 AND created_at >= ?2
             AND relay_sid IS NOT NULL ORDER BY id"
        ))?;
        let rows = stmt
            .query_map(
                params![RelayedMessage::receiver_of(device), since.0],
                outbox_from_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

/// Adds `msg` to the outbox inside `tx` unless an identical relayed request is newer than
/// `dedup_since`; then that earlier row is the answer. The writer's transactions are
/// immediate, so nothing commits between the check and the insert.
pub(super) fn enqueue_relayed_in(
    tx: &Connection,
    msg: &RelayedMessage,
    dedup_since: Timestamp,
    now: Timestamp,
) -> Result<Enqueued, StoreError> {
    let receiver = RelayedMessage::receiver_of(&msg.device);
    let earlier: Option<i64> = tx
        .prepare_cached(
            "SELECT id FROM outbox WHERE receiver = ?1 AND to_number = ?2 AND created_at >= ?3
             AND relay_sid IS NOT NULL AND channel = ?4 AND body = ?5 ORDER BY id DESC LIMIT 1",
        )?
        .query_row(
            params![
                receiver,
                msg.to,
                dedup_since.0,
                msg.channel.as_str(),
                msg.body
            ],
            |r| r.get(0),
        )
        .optional()?;
    let (id, duplicate) = if let Some(id) = earlier {
        (id, true)
    } else {
        let row = OutboxInsert {
            receiver: &receiver,
            group_key: &msg.relay_sid,
            channel: msg.channel,
            to: &msg.to,
            body: &msg.body,
            from: Some(&msg.from),
            body_kind: msg.body_kind,
            relay_sid: Some(&msg.relay_sid),
            escalation_id: None,
        };
        (insert_outbox(tx, &row, now)?, false)
    };
    let message = outbox_row(tx, id)?
        .ok_or_else(|| StoreError::Query(format!("outbox row {id} vanished")))?;
    Ok(Enqueued { message, duplicate })
}
