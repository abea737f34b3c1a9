//! Processed Twilio webhooks: one row per key, forgotten after the keep time.

use std::time::Duration;

use rusqlite::{Connection, params};

use super::SqliteStore;
use crate::domain::time::Timestamp;
use crate::store::{StoreError, WebhookReceipts};

impl WebhookReceipts for SqliteStore {
    fn record_receipt(
        &self,
        key: &str,
        now: Timestamp,
        keep: Duration,
    ) -> Result<bool, StoreError> {
        self.write(|tx| receipt_in(tx, key, now, keep))
            .map(|n| n > 0)
    }
}

/// Records `key` at `now` unless it is there already: 1 the first time, 0 for a replay.
/// Receipts older than `keep` go first, so the table stays as small as a day's webhooks.
pub(super) fn receipt_in(
    tx: &Connection,
    key: &str,
    now: Timestamp,
    keep: Duration,
) -> Result<usize, StoreError> {
    tx.prepare_cached("DELETE FROM webhook_receipts WHERE received_at < ?1")?
        .execute([now.before(keep).0])?;
    Ok(tx
        .prepare_cached(
            "INSERT OR IGNORE INTO webhook_receipts (key, received_at) VALUES (?1, ?2)",
        )?
        .execute(params![key, now.0])?)
}

#[cfg(test)]
mod tests {
    use crate::domain::time::Timestamp;
    use crate::store::sqlite::SqliteStore;
    use crate::store::{Store, WriteOp};
    use std::time::Duration;

    #[test]
    fn a_key_is_new_once_until_it_is_forgotten() {
        let s = SqliteStore::open_in_memory().unwrap();
        let keep = Duration::from_secs(60);
        let receipt = |key: &str, at: i64| WriteOp::Receipt {
            key: key.into(),
            now: Timestamp(at),
            keep,
        };
        let results = s.write_all(&[receipt("sms:SM1", 0), receipt("sms:SM1", 1_000)]);
        assert_eq!(results, vec![Ok(1), Ok(0)], "a replay in the same commit");
        assert_eq!(s.write_all(&[receipt("sms:SM2", 2_000)]), vec![Ok(1)]);
        assert_eq!(s.write_all(&[receipt("sms:SM1", 59_000)]), vec![Ok(0)]);
        assert_eq!(
            s.write_all(&[receipt("sms:SM1", 61_000)]),
            vec![Ok(1)],
            "forgotten after the keep time"
        );
    }
}
