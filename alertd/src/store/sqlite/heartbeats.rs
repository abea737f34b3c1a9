//! Heartbeats' last pings and missing state, in SQLite.

use rusqlite::params;

use super::SqliteStore;
use crate::domain::heartbeat::HeartbeatState;
use crate::domain::time::Timestamp;
use crate::store::{HeartbeatStore, StoreError};

impl HeartbeatStore for SqliteStore {
    fn heartbeats(&self) -> Result<Vec<HeartbeatState>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT name, last_ping, missing_since FROM heartbeats ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(HeartbeatState {
                name: r.get(0)?,
                last_ping: r.get::<_, Option<i64>>(1)?.map(Timestamp),
                missing_since: r.get::<_, Option<i64>>(2)?.map(Timestamp),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn put_heartbeat(&self, state: &HeartbeatState) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO heartbeats (name, last_ping, missing_since) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET last_ping = excluded.last_ping,
                 missing_since = excluded.missing_since",
            params![
                state.name,
                state.last_ping.map(|t| t.0),
                state.missing_since.map(|t| t.0)
            ],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heartbeat_is_replaced_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let store = SqliteStore::open(&path).unwrap();
        let mut state = HeartbeatState {
            name: "pump".into(),
            last_ping: Some(Timestamp(5)),
            missing_since: Some(Timestamp(9)),
        };
        store.put_heartbeat(&state).unwrap();
        state.missing_since = None;
        store.put_heartbeat(&state).unwrap();
        drop(store);
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.heartbeats().unwrap(), vec![state]);
    }
}
