//! Numbers that opted out of SMS, in SQLite.

use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use crate::domain::opt_out::OptOut;
use crate::domain::time::Timestamp;
use crate::store::{OptOutStore, StoreError};

impl OptOutStore for SqliteStore {
    fn opt_out(&self, number: &str, source: &str, now: Timestamp) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "INSERT INTO opt_outs (number, since, source) VALUES (?1, ?2, ?3)
             ON CONFLICT (number) DO NOTHING",
            params![number, now.0, source],
        )?;
        Ok(n > 0)
    }

    fn opt_in(&self, number: &str) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute("DELETE FROM opt_outs WHERE number = ?1", [number])?;
        Ok(n > 0)
    }

    fn is_opted_out(&self, number: &str) -> Result<bool, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached("SELECT 1 FROM opt_outs WHERE number = ?1")?;
        Ok(stmt.exists([number])?)
    }

    fn opt_out_of(&self, number: &str) -> Result<Option<OptOut>, StoreError> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT since, source FROM opt_outs WHERE number = ?1")?;
        let found = stmt
            .query_row([number], |r| {
                Ok(OptOut {
                    number: number.to_owned(),
                    since: Timestamp(r.get(0)?),
                    source: r.get(1)?,
                })
            })
            .optional()?;
        Ok(found)
    }

    fn opt_outs(&self) -> Result<Vec<OptOut>, StoreError> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT number, since, source FROM opt_outs ORDER BY since DESC")?;
        let rows = stmt.query_map([], |r| {
            Ok(OptOut {
                number: r.get(0)?,
                since: Timestamp(r.get(1)?),
                source: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
