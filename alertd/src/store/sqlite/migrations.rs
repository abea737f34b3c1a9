//! Schema migrations, applied in order inside one transaction; `PRAGMA user_version` records
//! how far a database has come.

use rusqlite::Connection;

use super::StoreError;

const MIGRATIONS: &[&str] = &[
    // 1: alerts, notification log, outbox, silences.
    "CREATE TABLE alerts (
        fingerprint INTEGER PRIMARY KEY,
        labels TEXT NOT NULL,
        annotations TEXT NOT NULL,
        starts_at INTEGER NOT NULL,
        ends_at INTEGER,
        generator_url TEXT,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE nflog (
        receiver TEXT NOT NULL,
        group_key TEXT NOT NULL,
        entry TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        PRIMARY KEY (receiver, group_key)
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        receiver TEXT NOT NULL,
        group_key TEXT NOT NULL,
        channel TEXT NOT NULL,
        to_number TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        sid TEXT,
        twilio_status TEXT,
        error_code INTEGER,
        error TEXT,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE state = 'pending';
    CREATE INDEX outbox_sid ON outbox (sid) WHERE sid IS NOT NULL;
    CREATE TABLE silences (
        id TEXT PRIMARY KEY,
        record TEXT NOT NULL,
        ends_at INTEGER NOT NULL
    );",
    // 2: escalations: one row per escalating group, the numbers each step reached,
    // and the escalation an outbox row belongs to (status callbacks and gathers map back).
    "CREATE TABLE escalations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        short_id TEXT NOT NULL UNIQUE,
        group_key TEXT NOT NULL,
        fingerprints TEXT NOT NULL,
        alert_name TEXT NOT NULL,
        sms_text TEXT NOT NULL,
        speech TEXT NOT NULL,
        policy TEXT NOT NULL,
        step INTEGER NOT NULL,
        loop_count INTEGER NOT NULL,
        loop_started_at INTEGER NOT NULL,
        next_at INTEGER,
        state TEXT NOT NULL DEFAULT 'open',
        acked_by TEXT,
        acked_via TEXT,
        acked_at INTEGER,
        closed_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX escalations_live_group ON escalations (group_key) WHERE closed_at IS NULL;
    CREATE INDEX escalations_due ON escalations (next_at) WHERE state = 'open';
    CREATE TABLE escalation_contacts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        escalation_id INTEGER NOT NULL REFERENCES escalations (id),
        number TEXT NOT NULL,
        channel TEXT NOT NULL,
        step INTEGER NOT NULL,
        loop_count INTEGER NOT NULL,
        outbox_id INTEGER,
        due_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX escalation_contacts_number ON escalation_contacts (number);
    CREATE INDEX escalation_contacts_escalation ON escalation_contacts (escalation_id);
    ALTER TABLE outbox ADD COLUMN escalation_id INTEGER;",
    // 3: device relay and SMS opt-out. `from_number` is the sender a relayed row asks for
    // (NULL: the configured From); `body_kind` says what a relayed call's body is ('twiml',
    // 'url'; NULL: text alertd speaks); `relay_sid` is the SID alertd answered the device
    // with (it maps to Twilio's `sid` once sent). `opt_outs` holds numbers that texted STOP
    // (or that Twilio refused with 21610): no SMS goes to them until they text START.
    "ALTER TABLE outbox ADD COLUMN from_number TEXT;
    ALTER TABLE outbox ADD COLUMN body_kind TEXT;
    ALTER TABLE outbox ADD COLUMN relay_sid TEXT;
    CREATE UNIQUE INDEX outbox_relay_sid ON outbox (relay_sid) WHERE relay_sid IS NOT NULL;
    CREATE INDEX outbox_relay_recent ON outbox (receiver, to_number, created_at)
        WHERE relay_sid IS NOT NULL;
    CREATE TABLE opt_outs (
        number TEXT PRIMARY KEY,
        since INTEGER NOT NULL,
        source TEXT NOT NULL
    );",
    // 4: Twilio webhooks processed (`sms:<MessageSid>`, `gather:<CallSid>:<url>`), kept for a
    // while so a captured, validly signed request replayed later changes nothing.
    "CREATE TABLE webhook_receipts (
        key TEXT PRIMARY KEY,
        received_at INTEGER NOT NULL
    );
    CREATE INDEX webhook_receipts_age ON webhook_receipts (received_at);",
    // 5: escalations remember the alerts already acknowledged in an earlier escalation of
    // their group (`acked_fingerprints`, JSON like `fingerprints`) and the last step sent.
    "ALTER TABLE escalations ADD COLUMN acked_fingerprints TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE escalations ADD COLUMN last_step INTEGER;
    ALTER TABLE escalations ADD COLUMN last_step_at INTEGER;",
    // 6: status lookups: when the reconciler may next fetch a sent row's status from Twilio
    // (NULL: not looked up yet), and the sent rows whose status is not final (the statuses
    // are `domain::outbox::FINAL_STATUSES`; the lookup query repeats this WHERE so SQLite
    // uses the index).
    "ALTER TABLE outbox ADD COLUMN status_lookup_due_at INTEGER;
    CREATE INDEX outbox_unsettled ON outbox (created_at)
        WHERE state = 'sent' AND sid IS NOT NULL AND (twilio_status IS NULL OR twilio_status NOT IN
            ('delivered', 'undelivered', 'failed', 'read', 'completed', 'busy', 'no-answer', 'canceled'));",
    // 7: enrolled numbers: Verify state (`domain::number::NumberState`), how the code was
    // sent, Lookup's line type.
    "CREATE TABLE numbers (
        number TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        channel TEXT,
        line_type TEXT,
        updated_at INTEGER NOT NULL,
        verified_at INTEGER
    );",
    // 8: heartbeats: the last ping recorded and, while one is missing, since when.
    "CREATE TABLE heartbeats (
        name TEXT PRIMARY KEY,
        last_ping INTEGER,
        missing_since INTEGER
    );",
    // 9: the severity a missing heartbeat's alert was raised with, to resolve that alert when
    // the configured severity changes or the heartbeat is removed.
    "ALTER TABLE heartbeats ADD COLUMN missing_severity TEXT;",
    // 10: what Twilio charged (`price`, `price_unit`, text as Twilio sends them), fetched by
    // the reconciler after the final status; when the price may next be looked up (NULL: a
    // minute after the final status); and the rows with a final status and no price (the
    // price lookup query repeats this WHERE so SQLite uses the index).
    "ALTER TABLE outbox ADD COLUMN price TEXT;
    ALTER TABLE outbox ADD COLUMN price_unit TEXT;
    ALTER TABLE outbox ADD COLUMN price_lookup_due_at INTEGER;
    CREATE INDEX outbox_unpriced ON outbox (updated_at)
        WHERE state = 'sent' AND sid IS NOT NULL AND price IS NULL AND twilio_status IN
            ('delivered', 'undelivered', 'failed', 'read', 'completed', 'busy', 'no-answer', 'canceled');",
    // 11: when the last send attempt began (for a row in state 'unconfirmed': the request may
    // have reached Twilio, no answer came; `next_attempt_at` is then when to look for it in
    // Twilio's list), and the unconfirmed rows.
    "ALTER TABLE outbox ADD COLUMN attempted_at INTEGER;
    CREATE INDEX outbox_unconfirmed ON outbox (next_attempt_at) WHERE state = 'unconfirmed';",
];

/// The newest schema version this build knows.
#[allow(clippy::cast_possible_wrap)] // a handful of migrations
pub(super) const LATEST: i64 = MIGRATIONS.len() as i64;

pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > LATEST {
        return Err(StoreError::SchemaTooNew {
            found: version,
            supported: LATEST,
        });
    }
    let tx = conn.transaction()?;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i64::try_from(i + 1).unwrap_or(LATEST))?;
    }
    tx.commit()?;
    Ok(())
}
