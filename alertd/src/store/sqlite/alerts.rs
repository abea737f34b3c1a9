//! Alerts in SQLite: upserted by fingerprint (earliest start, latest end, stale updates
//! ignored), deleted once resolved and notified.

use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, json_err};
use std::fmt::Write as _;

use crate::domain::alert::{Alert, Fingerprint};
use crate::domain::matchers::{MatchOp, Matcher, all_match};
use crate::domain::time::Timestamp;
use crate::store::{AlertStore, StoreError};

/// labels, annotations, starts_at, ends_at, generator_url, updated_at
type AlertColumns = (String, String, i64, Option<i64>, Option<String>, i64);

fn alert_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AlertColumns> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn alert_of(row: AlertColumns) -> Result<Alert, StoreError> {
    let (labels, annotations, starts_at, ends_at, generator_url, updated_at) = row;
    Ok(Alert {
        labels: serde_json::from_str(&labels).map_err(|e| json_err(&e))?,
        annotations: serde_json::from_str(&annotations).map_err(|e| json_err(&e))?,
        starts_at: Timestamp(starts_at),
        ends_at: ends_at.map(Timestamp),
        generator_url,
        updated_at: Timestamp(updated_at),
    })
}

/// A fingerprint as SQLite's signed 64-bit integer (same bits).
pub(super) fn fp_to_sql(fp: Fingerprint) -> i64 {
    i64::from_ne_bytes(fp.0.to_ne_bytes())
}

impl AlertStore for SqliteStore {
    fn ingest(&self, alerts: &[Alert]) -> Result<(), StoreError> {
        self.write(|tx| ingest_in(tx, alerts))
    }

    fn active_alerts(&self) -> Result<Vec<Alert>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT labels, annotations, starts_at, ends_at, generator_url, updated_at FROM alerts ORDER BY updated_at",
        )?;
        let rows = stmt.query_map([], alert_from_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(alert_of(row?)?);
        }
        Ok(out)
    }

    fn alerts_with(&self, fingerprints: &[Fingerprint]) -> Result<Vec<Alert>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT labels, annotations, starts_at, ends_at, generator_url, updated_at FROM alerts WHERE fingerprint = ?1",
        )?;
        let mut out = Vec::with_capacity(fingerprints.len());
        for fp in fingerprints {
            if let Some(row) = stmt
                .query_row([fp_to_sql(*fp)], alert_from_row)
                .optional()?
            {
                out.push(alert_of(row)?);
            }
        }
        Ok(out)
    }

    fn firing_alerts_matching(
        &self,
        matchers: &[Matcher],
        now: Timestamp,
    ) -> Result<Vec<Alert>, StoreError> {
        // Equality on a non-empty value narrows the scan in SQL; every matcher is then applied
        // to the decoded labels, so the SQL part only needs to keep what could match.
        let mut sql = String::from(
            "SELECT labels, annotations, starts_at, ends_at, generator_url, updated_at FROM alerts WHERE (ends_at IS NULL OR ends_at > ?1)",
        );
        let mut args: Vec<rusqlite::types::Value> = vec![now.0.into()];
        for m in matchers
            .iter()
            .filter(|m| m.op == MatchOp::Equal && !m.value.is_empty())
        {
            args.push(format!("$.\"{}\"", m.name).into());
            args.push(m.value.clone().into());
            let _ = write!(
                sql,
                " AND json_extract(labels, ?{}) = ?{}",
                args.len() - 1,
                args.len()
            );
        }
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), alert_from_row)?;
        let mut out = Vec::new();
        for row in rows {
            let alert = alert_of(row?)?;
            if all_match(matchers, &alert.labels) && !alert.is_resolved_at(now) {
                out.push(alert);
            }
        }
        Ok(out)
    }

    fn delete_alerts(&self, fingerprints: &[Fingerprint]) -> Result<(), StoreError> {
        self.write(|tx| delete_in(tx, fingerprints))
    }
}

pub(super) fn ingest_in(tx: &Connection, alerts: &[Alert]) -> Result<(), StoreError> {
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO alerts (fingerprint, labels, annotations, starts_at, ends_at, generator_url, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (fingerprint) DO UPDATE SET
               starts_at = CASE WHEN alerts.ends_at IS NOT NULL AND alerts.ends_at <= excluded.starts_at
                                THEN excluded.starts_at ELSE MIN(alerts.starts_at, excluded.starts_at) END,
               annotations = excluded.annotations, ends_at = excluded.ends_at,
               generator_url = excluded.generator_url, updated_at = excluded.updated_at
             WHERE excluded.updated_at >= alerts.updated_at",
        )?;
        for a in alerts {
            let labels = serde_json::to_string(&a.labels).map_err(|e| json_err(&e))?;
            let annotations = serde_json::to_string(&a.annotations).map_err(|e| json_err(&e))?;
            stmt.execute(params![
                fp_to_sql(a.fingerprint()),
                labels,
                annotations,
                a.starts_at.0,
                a.ends_at.map(|t| t.0),
                a.generator_url,
                a.updated_at.0
            ])?;
        }
    }
    Ok(())
}

pub(super) fn delete_in(tx: &Connection, fingerprints: &[Fingerprint]) -> Result<(), StoreError> {
    {
        let mut stmt = tx.prepare_cached("DELETE FROM alerts WHERE fingerprint = ?1")?;
        for fp in fingerprints {
            stmt.execute([fp_to_sql(*fp)])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::migrations;
    use crate::store::sqlite::tests::alert;

    #[test]
    fn alerts_upsert_by_fingerprint_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alertd.db");
        {
            let s = SqliteStore::open(&path).unwrap();
            s.ingest(&[
                alert("Hot", 10, None),
                alert("Hot", 20, None),
                alert("Cold", 5, None),
            ])
            .unwrap();
            s.ingest(&[alert("Hot", 30, Some(40))]).unwrap();
        }
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), migrations::LATEST);
        let alerts = s.active_alerts().unwrap();
        assert_eq!(alerts.len(), 2);
        let hot = alerts.iter().find(|a| a.name() == "Hot").unwrap();
        assert_eq!(
            (hot.starts_at, hot.ends_at),
            (Timestamp(10), Some(Timestamp(40))),
            "earliest start, latest end"
        );
        s.delete_alerts(&[hot.fingerprint()]).unwrap();
        assert_eq!(s.active_alerts().unwrap().len(), 1);
    }

    #[test]
    fn firing_alerts_are_selected_by_matchers() {
        let s = SqliteStore::open_in_memory().unwrap();
        let mut down = alert("SiteDown", 10, None);
        down.labels.insert("site".into(), "north \"a\"".into());
        let mut ended = alert("SiteDown", 10, Some(50));
        ended.labels.insert("site".into(), "south".into());
        s.ingest(&[down.clone(), ended.clone(), alert("Hot", 10, None)])
            .unwrap();
        let m = |t: &str| Matcher::parse(t).unwrap();
        let names = |v: Vec<Alert>| v.into_iter().map(|a| a.fingerprint()).collect::<Vec<_>>();
        assert_eq!(
            names(
                s.firing_alerts_matching(&[m(r#"alertname="SiteDown""#)], Timestamp(49))
                    .unwrap()
            )
            .len(),
            2
        );
        assert_eq!(
            names(
                s.firing_alerts_matching(&[m(r#"alertname="SiteDown""#)], Timestamp(50))
                    .unwrap()
            ),
            [down.fingerprint()],
            "an alert that has ended does not fire"
        );
        assert_eq!(
            names(
                s.firing_alerts_matching(
                    &[m(r#"site=~"north.*""#), m(r#"alertname!="Hot""#)],
                    Timestamp(1)
                )
                .unwrap()
            ),
            [down.fingerprint()]
        );
        assert_eq!(
            names(
                s.firing_alerts_matching(&[m("site=\"north \\\"a\\\"\"")], Timestamp(1))
                    .unwrap()
            ),
            [down.fingerprint()],
            "quotes in values"
        );
        assert_eq!(
            s.firing_alerts_matching(&[m(r#"site="""#)], Timestamp(1))
                .unwrap()
                .len(),
            1,
            "Hot has no site"
        );
    }

    #[test]
    fn stale_updates_do_not_overwrite() {
        let s = SqliteStore::open_in_memory().unwrap();
        s.ingest(&[alert("Hot", 100, Some(200))]).unwrap();
        s.ingest(&[alert("Hot", 50, None)]).unwrap();
        assert_eq!(s.active_alerts().unwrap()[0].ends_at, Some(Timestamp(200)));
    }
}
