//! Heartbeats' last pings and missing state, in SQLite.

use rusqlite::params;

use super::SqliteStore;
use crate::domain::heartbeat::{HeartbeatState, Missing};
use crate::domain::time::Timestamp;
use crate::store::{HeartbeatStore, StoreError};

impl HeartbeatStore for SqliteStore {
    fn heartbeats(&self) -> Result<Vec<HeartbeatState>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT name, last_ping, missing_since, missing_severity FROM heartbeats ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            let missing = r.get::<_, Option<i64>>(2)?.map(Timestamp);
            let severity: Option<String> = r.get(3)?;
            Ok(HeartbeatState {
                name: r.get(0)?,
                last_ping: r.get::<_, Option<i64>>(1)?.map(Timestamp),
                missing: missing.map(|since| Missing { since, severity }),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn put_heartbeat(&self, state: &HeartbeatState) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO heartbeats (name, last_ping, missing_since, missing_severity)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET last_ping = excluded.last_ping,
                 missing_since = excluded.missing_since,
                 missing_severity = excluded.missing_severity",
            params![
                state.name,
                state.last_ping.map(|t| t.0),
                state.missing.as_ref().map(|m| m.since.0),
                state.missing.as_ref().and_then(|m| m.severity.as_deref()),
            ],
        )?;
        Ok(())
    }

    fn forget_heartbeat(&self, name: &str) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM heartbeats WHERE name = ?1", params![name])?;
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
            missing: Some(Missing {
                since: Timestamp(9),
                severity: Some("warning".into()),
            }),
        };
        store.put_heartbeat(&state).unwrap();
        let fan = HeartbeatState {
            name: "fan".into(),
            ..state.clone()
        };
        store.put_heartbeat(&fan).unwrap();
        drop(store);
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store.heartbeats().unwrap(),
            vec![fan.clone(), state.clone()]
        );
        state.missing = None;
        store.put_heartbeat(&state).unwrap();
        store.forget_heartbeat("fan").unwrap();
        assert_eq!(store.heartbeats().unwrap(), vec![state]);
    }
}
