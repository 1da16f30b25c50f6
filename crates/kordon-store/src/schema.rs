//! Pragmas and migrations.

use crate::StoreError;
use rusqlite::Connection;

pub(crate) const VERSION: i64 = 10;

const V1: &str = r#"
CREATE TABLE records (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          BLOB NOT NULL UNIQUE,
    doc_id      BLOB NOT NULL,
    signer      BLOB NOT NULL,
    officer     TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    origin      TEXT NOT NULL CHECK (origin IN ('local', 'remote')),
    bytes       BLOB NOT NULL
);
CREATE INDEX records_doc ON records (doc_id, seq);
CREATE INDEX records_signer ON records (signer, seq);

CREATE TABLE snapshots (
    doc_id  BLOB PRIMARY KEY,
    upto    INTEGER NOT NULL,
    bytes   BLOB NOT NULL
);

CREATE TABLE inspections (
    doc_id      BLOB PRIMARY KEY,
    id          TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    day         TEXT NOT NULL,
    unit        TEXT NOT NULL,
    tractor     TEXT,
    tractor_key TEXT,
    trailer     TEXT,
    trailer_key TEXT,
    containers  TEXT NOT NULL,
    outcome     TEXT,
    decisions   INTEGER NOT NULL,
    reviews     INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    heads       TEXT NOT NULL,
    view        TEXT NOT NULL
);
CREATE INDEX inspections_tractor ON inspections (tractor_key);
CREATE INDEX inspections_trailer ON inspections (trailer_key);
CREATE INDEX inspections_day ON inspections (day, created_ms);
CREATE INDEX inspections_outcome ON inspections (outcome);

CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY REFERENCES records (seq)
);

CREATE TABLE receipts (
    record_id   BLOB PRIMARY KEY,
    server_seq  INTEGER NOT NULL,
    stored_ms   INTEGER NOT NULL,
    bytes       BLOB NOT NULL
);

CREATE TABLE rejections (
    n           INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms       INTEGER NOT NULL,
    record_id   BLOB,
    signer      BLOB,
    peer        TEXT,
    reason      TEXT NOT NULL
);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

/// v2: each record's change seq and hash; one change per (document,
/// signer, seq), so a conflicting second change can never be stored.
const V2: &str = r#"
ALTER TABLE records ADD COLUMN change_seq INTEGER;
ALTER TABLE records ADD COLUMN change_hash BLOB;
CREATE UNIQUE INDEX records_change ON records (doc_id, signer, change_seq) WHERE change_seq IS NOT NULL;
"#;

/// v3: scans. `scan_blobs` is derived from the documents (which blobs each
/// inspection references); `blob_transfers` is the vehicle's delivery state
/// per blob; `watch_files` remembers what a watch folder has seen.
const V3: &str = r#"
CREATE TABLE scan_blobs (
    doc_id  BLOB NOT NULL,
    blob    TEXT NOT NULL,
    size    INTEGER NOT NULL,
    added_ms INTEGER NOT NULL,
    PRIMARY KEY (doc_id, blob)
);
CREATE INDEX scan_blobs_blob ON scan_blobs (blob);

CREATE TABLE blob_transfers (
    blob        TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    done_bytes  INTEGER NOT NULL DEFAULT 0,
    acked_ms    INTEGER,
    error       TEXT
);

CREATE TABLE watch_files (
    path        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    PRIMARY KEY (path, size, mtime_ns)
);
"#;

/// v4: the supervisors' console. The index gains the columns its queue
/// filters on (review state, officers, scan count, first received); the
/// server's accounts, sessions and audit trail (empty on vehicles). The
/// audit trail refuses updates and deletes in the database itself.
const V4: &str = r#"
ALTER TABLE inspections ADD COLUMN review_state TEXT NOT NULL DEFAULT 'unreviewed';
ALTER TABLE inspections ADD COLUMN officers TEXT NOT NULL DEFAULT '';
ALTER TABLE inspections ADD COLUMN scan_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inspections ADD COLUMN received_ms INTEGER;
CREATE INDEX inspections_created ON inspections (created_ms DESC, id);
CREATE INDEX inspections_unit ON inspections (unit, created_ms DESC);
CREATE INDEX inspections_review ON inspections (review_state, created_ms DESC);
CREATE INDEX inspections_updated ON inspections (updated_ms);

CREATE TABLE users (
    name            TEXT PRIMARY KEY,
    role            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    created_ms      INTEGER NOT NULL,
    password_ms     INTEGER NOT NULL,
    disabled_ms     INTEGER,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    last_failed_ms  INTEGER
);

CREATE TABLE sessions (
    token_hash   BLOB PRIMARY KEY,
    user         TEXT NOT NULL REFERENCES users (name),
    csrf         TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    peer         TEXT
);
CREATE INDEX sessions_user ON sessions (user);

CREATE TABLE audit (
    n       INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms   INTEGER NOT NULL,
    actor   TEXT,
    role    TEXT,
    action  TEXT NOT NULL,
    target  TEXT,
    outcome TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT '',
    peer    TEXT
);
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"#;

/// v5: hotlists (derived from the server's list documents) and each
/// inspection's plate keys (its plates and every read's), for history by
/// match key; the index counts each inspection's alerts.
const V5: &str = r#"
CREATE TABLE hotlists (
    doc_id  BLOB PRIMARY KEY,
    name    TEXT NOT NULL,
    -- the units it goes to, space-delimited with a space at each end
    -- (' ' alone: every unit)
    units   TEXT NOT NULL,
    upto    INTEGER NOT NULL,
    view    TEXT NOT NULL
);
CREATE INDEX hotlists_name ON hotlists (name);

CREATE TABLE inspection_plates (
    key     TEXT NOT NULL,
    doc_id  BLOB NOT NULL,
    PRIMARY KEY (key, doc_id)
) WITHOUT ROWID;
CREATE INDEX inspection_plates_doc ON inspection_plates (doc_id);

ALTER TABLE inspections ADD COLUMN alerts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inspections ADD COLUMN open_alerts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX inspections_alerts ON inspections (open_alerts, created_ms DESC) WHERE alerts > 0;
"#;

/// v6: the server's transparency log (empty on vehicles): leaves, the
/// perfect-subtree nodes over them, and the signed checkpoints. No row is
/// ever updated or deleted.
const V6: &str = r#"
CREATE TABLE log_leaves (
    idx         INTEGER PRIMARY KEY,
    record_id   BLOB,
    data        BLOB NOT NULL,
    at_ms       INTEGER NOT NULL
);
CREATE INDEX log_leaves_record ON log_leaves (record_id);
CREATE TABLE log_nodes (
    level   INTEGER NOT NULL,
    idx     INTEGER NOT NULL,
    hash    BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE log_checkpoints (
    size    INTEGER PRIMARY KEY,
    at_ms   INTEGER NOT NULL,
    text    TEXT NOT NULL
);
CREATE TRIGGER log_leaves_append_only_update BEFORE UPDATE ON log_leaves
    BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
CREATE TRIGGER log_leaves_append_only_delete BEFORE DELETE ON log_leaves
    BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
"#;

/// v7: receipts on the log. On a vehicle: each record's leaf and inclusion
/// path, the checkpoints they lead to, the server's record-set statements
/// and the register entries of signers. On the server: the checkpoints
/// vehicles reported (witnesses).
const V7: &str = r#"
CREATE TABLE held_checkpoints (
    size    INTEGER PRIMARY KEY,
    text    TEXT NOT NULL
);
CREATE TABLE record_proofs (
    record_id   BLOB PRIMARY KEY,
    leaf_index  INTEGER NOT NULL,
    leaf        BLOB NOT NULL,
    tree_size   INTEGER,
    path        BLOB
);
CREATE TABLE record_sets (
    doc_id      BLOB PRIMARY KEY,
    count       INTEGER NOT NULL,
    log_size    INTEGER NOT NULL,
    text        TEXT NOT NULL
);
CREATE TABLE device_entries (
    device  BLOB PRIMARY KEY,
    text    TEXT NOT NULL
);
CREATE TABLE proof_misses (
    record_id   BLOB PRIMARY KEY,
    asked_ms    INTEGER NOT NULL
);
CREATE TABLE log_witnesses (
    device  BLOB NOT NULL,
    size    INTEGER NOT NULL,
    at_ms   INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    text    TEXT NOT NULL,
    PRIMARY KEY (device, size)
);
"#;

/// v8: the audit trail reads records, refusals and console actions by
/// time; refusals, like the console's trail, can no longer be changed.
const V8: &str = r#"
CREATE INDEX IF NOT EXISTS records_received ON records (received_ms);
CREATE INDEX IF NOT EXISTS rejections_at ON rejections (at_ms);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at_ms);
CREATE TRIGGER IF NOT EXISTS rejections_append_only_update BEFORE UPDATE ON rejections
    BEGIN SELECT RAISE(ABORT, 'refusals are append-only'); END;
CREATE TRIGGER IF NOT EXISTS rejections_append_only_delete BEFORE DELETE ON rejections
    BEGIN SELECT RAISE(ABORT, 'refusals are append-only'); END;
"#;

/// v9: each inspection's countable facts for the statistics, clustered
/// by day (and unit), rewritten with its index row.
const V9: &str = r#"
CREATE TABLE IF NOT EXISTS inspection_stats (
    day                 TEXT NOT NULL,
    unit                TEXT NOT NULL,
    doc_id              BLOB NOT NULL,
    outcome             TEXT,
    scans               INTEGER NOT NULL,
    scan_to_decision_ms INTEGER,
    review              TEXT,
    reviewed_officer    TEXT,
    returns             INTEGER NOT NULL,
    returns_answered    INTEGER NOT NULL,
    answer_ms           INTEGER NOT NULL,
    hotlist_hits        INTEGER NOT NULL,
    PRIMARY KEY (day, unit, doc_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS inspection_stats_doc ON inspection_stats (doc_id);
"#;

/// v10: trainees' attempts at training exercises (derived from their
/// documents, as hotlists are), for the trainee's app and the trainers'
/// console.
const V10: &str = r#"
CREATE TABLE IF NOT EXISTS training (
    doc_id      BLOB PRIMARY KEY,
    unit        TEXT NOT NULL,
    trainee     TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    upto        INTEGER NOT NULL,
    view        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS training_trainee ON training (trainee, created_ms);
CREATE INDEX IF NOT EXISTS training_created ON training (created_ms);
"#;

pub(crate) fn open(conn: &Connection, path: &str) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -16384)?;
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > VERSION {
        return Err(StoreError::TooNew {
            path: path.to_string(),
            found,
            known: VERSION,
        });
    }
    if found < 1 {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {V1} PRAGMA user_version = 1; COMMIT;"
        ))?;
    }
    if found < 2 {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {V2} PRAGMA user_version = 2; COMMIT;"
        ))?;
    }
    if found < 3 {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {V3} PRAGMA user_version = 3; COMMIT;"
        ))?;
    }
    if found < 4 {
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {V4}"))?;
        // Rows indexed before v4 get their new columns from their views.
        let done = crate::index::refresh_console_columns(conn)
            .and_then(|()| Ok(conn.execute_batch("PRAGMA user_version = 4; COMMIT;")?));
        if let Err(e) = done {
            let _ = conn.execute_batch("ROLLBACK;");
            return Err(e);
        }
    }
    if found < 5 {
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {V5}"))?;
        let done = crate::index::refresh_plate_keys(conn)
            .and_then(|()| Ok(conn.execute_batch("PRAGMA user_version = 5; COMMIT;")?));
        if let Err(e) = done {
            let _ = conn.execute_batch("ROLLBACK;");
            return Err(e);
        }
    }
    if found < 6 {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {V6} PRAGMA user_version = 6; COMMIT;"
        ))?;
    }
    if found < 7 {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {V7} PRAGMA user_version = 7; COMMIT;"
        ))?;
    }
    if found < 8 {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {V8} PRAGMA user_version = 8; COMMIT;"
        ))?;
    }
    if found < 9 {
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {V9}"))?;
        let done = crate::stats::refresh_facts(conn)
            .and_then(|()| Ok(conn.execute_batch("PRAGMA user_version = 9; COMMIT;")?));
        if let Err(e) = done {
            let _ = conn.execute_batch("ROLLBACK;");
            return Err(e);
        }
    }
    if found < 10 {
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {V10}"))?;
        // Attempts taken before the store knew them get their rows.
        let done = crate::training::refresh_rows(conn)
            .and_then(|()| Ok(conn.execute_batch("PRAGMA user_version = 10; COMMIT;")?));
        if let Err(e) = done {
            let _ = conn.execute_batch("ROLLBACK;");
            return Err(e);
        }
    }

    Ok(())
}
