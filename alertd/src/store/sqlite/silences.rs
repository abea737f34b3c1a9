//! Silences in SQLite: the record as JSON, its end time as a column to filter on.

use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, json_err};
use crate::domain::silence::SilenceRecord;
use crate::domain::time::Timestamp;
use crate::store::{SilenceStore, StoreError};

impl SilenceStore for SqliteStore {
    fn put_silence(&self, silence: &SilenceRecord) -> Result<(), StoreError> {
        let record = serde_json::to_string(silence).map_err(|e| json_err(&e))?;
        self.conn().execute(
            "INSERT INTO silences (id, record, ends_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET record = excluded.record, ends_at = excluded.ends_at",
            params![silence.id, record, silence.ends_at.0],
        )?;
        Ok(())
    }

    fn silences(&self, now: Timestamp) -> Result<Vec<SilenceRecord>, StoreError> {
        // The reader: the engine asks on every flush and must not wait behind a commit.
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT record FROM silences WHERE ends_at > ?1 ORDER BY id")?;
        let rows = stmt.query_map([now.0], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?).map_err(|e| json_err(&e))?);
        }
        Ok(out)
    }

    fn silence(&self, id: &str) -> Result<Option<SilenceRecord>, StoreError> {
        let conn = self.reader();
        let record: Option<String> = conn
            .query_row("SELECT record FROM silences WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        record
            .map(|r| serde_json::from_str(&r).map_err(|e| json_err(&e)))
            .transpose()
    }

    fn expire_silence(&self, id: &str, now: Timestamp) -> Result<bool, StoreError> {
        let conn = self.conn();
        let record: Option<String> = conn
            .query_row("SELECT record FROM silences WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(record) = record else {
            return Ok(false);
        };
        let mut silence: SilenceRecord = serde_json::from_str(&record).map_err(|e| json_err(&e))?;
        if silence.expire(now) {
            let record = serde_json::to_string(&silence).map_err(|e| json_err(&e))?;
            conn.execute(
                "UPDATE silences SET record = ?2, ends_at = ?3 WHERE id = ?1",
                params![id, record, silence.ends_at.0],
            )?;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silences_expire() {
        let s = SqliteStore::open_in_memory().unwrap();
        let rec = SilenceRecord {
            id: "sil-1".into(),
            matchers: vec![],
            starts_at: Timestamp(0),
            ends_at: Timestamp(1000),
            created_by: "t".into(),
            comment: "c".into(),
            updated_at: None,
            annotations: crate::domain::alert::LabelSet::new(),
        };
        s.put_silence(&rec).unwrap();
        assert_eq!(s.silences(Timestamp(10)).unwrap(), vec![rec]);
        assert!(s.expire_silence("sil-1", Timestamp(10)).unwrap());
        assert!(s.silences(Timestamp(10)).unwrap().is_empty());
        assert_eq!(
            s.silences(Timestamp(9)).unwrap().len(),
            1,
            "listed from before it expired"
        );
        let expired = s.silence("sil-1").unwrap().unwrap();
        assert_eq!(
            (expired.ends_at, expired.updated_at),
            (Timestamp(10), Some(Timestamp(10)))
        );
        assert!(!s.expire_silence("nope", Timestamp(10)).unwrap());
        assert_eq!(s.silence("nope").unwrap(), None);
    }
}
