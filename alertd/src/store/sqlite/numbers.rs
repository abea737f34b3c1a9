//! Enrolled numbers, in SQLite.

use rusqlite::{OptionalExtension, Row, params};

use super::SqliteStore;
use crate::domain::number::{EnrolledNumber, NumberState};
use crate::domain::time::Timestamp;
use crate::store::{NumberStore, StoreError};

const COLUMNS: &str = "number, state, channel, line_type, updated_at, verified_at";

fn read(r: &Row<'_>) -> rusqlite::Result<(EnrolledNumber, String)> {
    let state: String = r.get(1)?;
    Ok((
        EnrolledNumber {
            number: r.get(0)?,
            state: NumberState::Unverified,
            channel: r.get(2)?,
            line_type: r.get(3)?,
            updated_at: Timestamp(r.get(4)?),
            verified_at: r.get::<_, Option<i64>>(5)?.map(Timestamp),
        },
        state,
    ))
}

fn with_state((mut n, state): (EnrolledNumber, String)) -> Result<EnrolledNumber, StoreError> {
    n.state = NumberState::parse(&state)?;
    Ok(n)
}

impl NumberStore for SqliteStore {
    fn enrolled(&self, number: &str) -> Result<Option<EnrolledNumber>, StoreError> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {COLUMNS} FROM numbers WHERE number = ?1"))?;
        stmt.query_row([number], read)
            .optional()?
            .map(with_state)
            .transpose()
    }

    fn enrolled_numbers(&self) -> Result<Vec<EnrolledNumber>, StoreError> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {COLUMNS} FROM numbers ORDER BY number"))?;
        let rows = stmt.query_map([], read)?;
        rows.map(|r| with_state(r?)).collect()
    }

    fn save_enrolled(&self, n: &EnrolledNumber) -> Result<(), StoreError> {
        self.conn().execute(
            &format!(
                "INSERT INTO numbers ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (number) DO UPDATE SET state = excluded.state,
                   channel = excluded.channel, line_type = excluded.line_type,
                   updated_at = excluded.updated_at, verified_at = excluded.verified_at"
            ),
            params![
                n.number,
                n.state.as_str(),
                n.channel,
                n.line_type,
                n.updated_at.0,
                n.verified_at.map(|t| t.0)
            ],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_replaces_and_lists() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        assert_eq!(store.enrolled("+15551230001").unwrap(), None);
        let mut n = EnrolledNumber {
            number: "+15551230001".into(),
            state: NumberState::Pending,
            channel: Some("sms".into()),
            line_type: Some("mobile".into()),
            updated_at: Timestamp(5),
            verified_at: None,
        };
        store.save_enrolled(&n).unwrap();
        n.state = NumberState::Verified;
        n.verified_at = Some(Timestamp(9));
        store.save_enrolled(&n).unwrap();
        assert_eq!(store.enrolled("+15551230001").unwrap(), Some(n.clone()));
        assert_eq!(store.enrolled_numbers().unwrap(), vec![n]);
    }
}
