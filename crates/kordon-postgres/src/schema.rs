//! The database's schema, by version. A version is applied once, in its
//! own transaction, and never edited after release: a change is a new
//! version.

use crate::{port, with_causes, PgError, PgStore};
use deadpool_postgres::Pool;
use kordon_ports::PortError;

/// Every version of the schema, in order: (version, SQL).
pub const MIGRATIONS: &[(i32, &str)] = &[(1, V1), (2, V2), (3, V3), (4, V4)];

/// The version this Kordon reads and writes.
pub(crate) const VERSION: i32 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The schema version this Kordon reads and writes.
pub fn schema_version() -> i32 {
    VERSION
}

/// Taken by every migration's transaction, so two processes migrating at
/// once take turns (an arbitrary number of Kordon's own).
const MIGRATION_LOCK: i64 = 0x4b4f_5244_4f4e;

/// v1: console accounts, their sessions, and the audit trail (append-only:
/// its triggers refuse UPDATE, DELETE and TRUNCATE).
const V1: &str = r#"
CREATE TABLE users (
    name            TEXT PRIMARY KEY,
    role            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    created_ms      BIGINT NOT NULL,
    password_ms     BIGINT NOT NULL,
    disabled_ms     BIGINT,
    failed_logins   BIGINT NOT NULL DEFAULT 0,
    last_failed_ms  BIGINT
);
CREATE TABLE sessions (
    token_hash   BYTEA PRIMARY KEY,
    "user"       TEXT NOT NULL REFERENCES users (name),
    csrf         TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL,
    peer         TEXT
);
CREATE INDEX sessions_user ON sessions ("user");
CREATE TABLE audit (
    n       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms   BIGINT NOT NULL,
    actor   TEXT,
    role    TEXT,
    action  TEXT NOT NULL,
    target  TEXT,
    outcome TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT '',
    peer    TEXT
);
CREATE INDEX audit_at ON audit (at_ms);
CREATE FUNCTION kordon_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the % table is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION kordon_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION kordon_append_only();
"#;

/// v2: the record log. Every signed record accepted, numbered by `seq`
/// in the order accepted; the refusals; the transparency log's leaves,
/// the perfect-subtree nodes over them and the checkpoints signed; and
/// which documents each device follows (records of them flow down to it).
/// Records, refusals, leaves, nodes and checkpoints are append-only.
const V2: &str = r#"
CREATE TABLE records (
    seq         BIGINT PRIMARY KEY,
    id          BYTEA NOT NULL UNIQUE,
    doc_id      BYTEA NOT NULL,
    signer      BYTEA NOT NULL,
    officer     TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    received_ms BIGINT NOT NULL,
    origin      TEXT NOT NULL CHECK (origin IN ('local', 'remote')),
    bytes       BYTEA NOT NULL,
    change_seq  BIGINT NOT NULL,
    change_hash BYTEA NOT NULL,
    UNIQUE (doc_id, signer, change_seq)
);
CREATE INDEX records_doc ON records (doc_id, seq);
CREATE INDEX records_signer ON records (signer, seq);
CREATE TABLE rejections (
    n           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms       BIGINT NOT NULL,
    record_id   BYTEA,
    signer      BYTEA,
    peer        TEXT,
    reason      TEXT NOT NULL
);
CREATE TABLE log_leaves (
    idx         BIGINT PRIMARY KEY,
    record_id   BYTEA,
    data        BYTEA NOT NULL,
    at_ms       BIGINT NOT NULL
);
CREATE INDEX log_leaves_record ON log_leaves (record_id);
CREATE TABLE log_nodes (
    level   INTEGER NOT NULL,
    idx     BIGINT NOT NULL,
    hash    BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE log_checkpoints (
    size    BIGINT PRIMARY KEY,
    at_ms   BIGINT NOT NULL,
    text    TEXT NOT NULL
);
CREATE TABLE device_docs (
    device  BYTEA NOT NULL,
    doc_id  BYTEA NOT NULL,
    PRIMARY KEY (device, doc_id)
);
DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['records', 'rejections', 'log_leaves', 'log_nodes', 'log_checkpoints'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I
            FOR EACH ROW EXECUTE FUNCTION kordon_append_only()', t || '_append_only', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I
            FOR EACH STATEMENT EXECUTE FUNCTION kordon_append_only()', t || '_no_truncate', t);
    END LOOP;
END
$$;
"#;

/// v3: the device register (devices with what they stated and how their
/// sessions went, enrollment secrets by hash, scan blobs received), the
/// hotlists derived from the server's list documents (which units each
/// goes to decides what goes down to whom), and the checkpoints vehicles
/// reported (witnesses of the log).
const V3: &str = r#"
CREATE TABLE devices (
    key                     BYTEA PRIMARY KEY,
    unit                    TEXT NOT NULL,
    enrolled_ms             BIGINT NOT NULL,
    revoked_ms              BIGINT,
    revoked_reason          TEXT,
    revoked_by              TEXT,
    last_seen_ms            BIGINT,
    last_addr               TEXT,
    app_version             TEXT,
    backlog_records         BIGINT,
    backlog_scan_bytes      BIGINT,
    clock_offset_ms         BIGINT,
    stated_ms               BIGINT,
    refused_count           BIGINT NOT NULL DEFAULT 0,
    last_refused_ms         BIGINT,
    sync_started_ms         BIGINT,
    sync_finished_ms        BIGINT,
    wipe_ordered_ms         BIGINT,
    wipe_told_ms            BIGINT,
    wipe_backlog_records    BIGINT,
    wipe_backlog_scan_bytes BIGINT
);
CREATE INDEX devices_unit ON devices (unit);
CREATE TABLE enrollments (
    secret_hash  BYTEA PRIMARY KEY,
    unit         TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    expires_ms   BIGINT NOT NULL,
    created_by   TEXT,
    used_ms      BIGINT,
    used_by      BYTEA,
    cancelled_ms BIGINT,
    cancelled_by TEXT
);
CREATE TABLE blobs (
    blob       TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    received   BIGINT NOT NULL,
    device     BYTEA NOT NULL,
    stored_ms  BIGINT NOT NULL
);
CREATE TABLE hotlists (
    doc_id  BYTEA PRIMARY KEY,
    name    TEXT NOT NULL,
    -- the units it goes to, space-delimited with a space at each end
    -- (' ' alone: every unit)
    units   TEXT NOT NULL,
    upto    BIGINT NOT NULL,
    view    TEXT NOT NULL
);
CREATE INDEX hotlists_name ON hotlists (name);
CREATE TABLE log_witnesses (
    device  BYTEA NOT NULL,
    size    BIGINT NOT NULL,
    at_ms   BIGINT NOT NULL,
    verdict TEXT NOT NULL,
    text    TEXT NOT NULL,
    PRIMARY KEY (device, size)
);
"#;

/// v4: the derived index. Inspections as rows with the columns the queue
/// filters on (text the queue orders or compares in byte order, as the
/// SQLite store does), their plate keys, ANPR reads, blobs and facts for
/// the statistics, training attempts, the documents' snapshots, the
/// projection's cursor, and the queue's counts kept as they change: by
/// the columns the counts group and filter on, and by unit, so the
/// console's counts read a few rows, not every inspection. And the
/// indexes the audit trail reads records and refusals by, newest first.
const V4: &str = r#"
CREATE TABLE snapshots (
    doc_id  BYTEA PRIMARY KEY,
    upto    BIGINT NOT NULL,
    bytes   BYTEA NOT NULL
);
CREATE TABLE projection (
    only_row    BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    upto        BIGINT NOT NULL
);
INSERT INTO projection (upto) VALUES (0);
CREATE TABLE inspections (
    doc_id       BYTEA PRIMARY KEY,
    id           TEXT COLLATE "C" NOT NULL,
    created_ms   BIGINT NOT NULL,
    day          TEXT COLLATE "C" NOT NULL,
    unit         TEXT COLLATE "C" NOT NULL,
    tractor      TEXT,
    tractor_key  TEXT,
    trailer      TEXT,
    trailer_key  TEXT,
    containers   TEXT COLLATE "C" NOT NULL,
    outcome      TEXT COLLATE "C",
    decisions    BIGINT NOT NULL,
    reviews      BIGINT NOT NULL,
    review_state TEXT COLLATE "C" NOT NULL,
    officers     TEXT COLLATE "C" NOT NULL,
    scan_count   BIGINT NOT NULL,
    alerts       BIGINT NOT NULL,
    open_alerts  BIGINT NOT NULL,
    received_ms  BIGINT,
    updated_ms   BIGINT NOT NULL,
    heads        TEXT NOT NULL,
    view         TEXT NOT NULL
);
CREATE INDEX inspections_newest ON inspections (created_ms DESC, id);
CREATE INDEX inspections_unit ON inspections (unit, created_ms DESC, id);
CREATE INDEX inspections_day ON inspections (day, created_ms DESC, id);
CREATE INDEX inspections_open_alerts ON inspections (created_ms DESC, id)
    WHERE alerts > 0 AND open_alerts > 0;
CREATE INDEX inspections_updated ON inspections (updated_ms);
CREATE TABLE inspection_plates (
    key     TEXT COLLATE "C" NOT NULL,
    doc_id  BYTEA NOT NULL,
    PRIMARY KEY (key, doc_id)
);
CREATE INDEX inspection_plates_doc ON inspection_plates (doc_id);
CREATE TABLE inspection_counts (
    day          TEXT COLLATE "C" NOT NULL,
    -- 'none' when undecided
    outcome      TEXT COLLATE "C" NOT NULL,
    review_state TEXT COLLATE "C" NOT NULL,
    scans        BOOLEAN NOT NULL,
    -- 0: no alert; 1: every alert answered; 2: an alert open
    alerts       SMALLINT NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (day, outcome, review_state, scans, alerts)
);
CREATE TABLE inspection_units (
    unit    TEXT COLLATE "C" PRIMARY KEY,
    n       BIGINT NOT NULL
);
CREATE TABLE inspection_reads (
    read_id TEXT COLLATE "C" NOT NULL,
    doc_id  BYTEA NOT NULL,
    PRIMARY KEY (read_id, doc_id)
);
CREATE INDEX inspection_reads_doc ON inspection_reads (doc_id);
CREATE TABLE scan_blobs (
    doc_id      BYTEA NOT NULL,
    blob        TEXT COLLATE "C" NOT NULL,
    size        BIGINT NOT NULL,
    added_ms    BIGINT NOT NULL,
    PRIMARY KEY (doc_id, blob)
);
CREATE INDEX scan_blobs_blob ON scan_blobs (blob);
CREATE TABLE training (
    doc_id      BYTEA PRIMARY KEY,
    unit        TEXT NOT NULL,
    trainee     TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    upto        BIGINT NOT NULL,
    view        TEXT NOT NULL
);
CREATE INDEX training_newest ON training (created_ms DESC, doc_id);
CREATE TABLE inspection_stats (
    doc_id              BYTEA PRIMARY KEY,
    day                 TEXT COLLATE "C" NOT NULL,
    unit                TEXT COLLATE "C" NOT NULL,
    outcome             TEXT,
    scans               BIGINT NOT NULL,
    scan_to_decision_ms BIGINT,
    review              TEXT,
    reviewed_officer    TEXT COLLATE "C",
    returns             BIGINT NOT NULL,
    returns_answered    BIGINT NOT NULL,
    answer_ms           BIGINT NOT NULL,
    hotlist_hits        BIGINT NOT NULL
);
CREATE INDEX inspection_stats_day ON inspection_stats (day, unit);
CREATE INDEX records_received ON records (received_ms, seq);
CREATE INDEX rejections_at ON rejections (at_ms, n);
"#;

/// The database's character encoding (`UTF8`, `LATIN1`, ...).
pub(crate) async fn encoding(pool: &Pool) -> Result<String, PortError> {
    let client = pool.get().await.map_err(port)?;
    client
        .query_one("SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()", &[])
        .await
        .map_err(port)?
        .try_get(0)
        .map_err(port)
}

/// The schema version of the database (0: none yet).
pub(crate) async fn version(pool: &Pool) -> Result<i32, PortError> {
    let client = pool.get().await.map_err(port)?;
    let exists: bool = client
        .query_one("SELECT to_regclass('kordon_schema') IS NOT NULL", &[])
        .await
        .map_err(port)?
        .try_get(0)
        .map_err(port)?;
    if !exists {
        return Ok(0);
    }
    client
        .query_one("SELECT COALESCE(MAX(version), 0) FROM kordon_schema", &[])
        .await
        .map_err(port)?
        .try_get(0)
        .map_err(port)
}

/// Brings the database at `url` to this Kordon's schema; returns the
/// versions it applied (none when it was current). A database newer than
/// this Kordon is refused, untouched.
pub fn migrate(url: &str) -> Result<Vec<i32>, PgError> {
    let store = PgStore::connect(url)?;
    let shown = store.inner.shown.clone();
    let unreachable = |e: PortError| PgError::Unreachable {
        url: shown.clone(),
        reason: e.to_string(),
    };
    let mut applied = vec![];
    for &(v, sql) in MIGRATIONS {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let done = store
            .run(move |pool| async move { apply(&pool, v, sql, now_ms).await })
            .and_then(|r| r)
            .map_err(unreachable)?;
        if done {
            applied.push(v);
        }
    }
    let found = store
        .run(|pool| async move { version(&pool).await })
        .and_then(|r| r)
        .map_err(unreachable)?;
    if found > VERSION {
        return Err(PgError::Schema {
            url: shown,
            found,
            known: VERSION,
            what: "a newer Kordon made it",
        });
    }
    Ok(applied)
}

/// Applies version `v` unless the database has it; `Ok(true)` if applied.
async fn apply(pool: &Pool, v: i32, sql: &str, now_ms: i64) -> Result<bool, PortError> {
    let mut client = pool.get().await.map_err(port)?;
    let tx = client.transaction().await.map_err(port)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(port)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS kordon_schema (
            version    INTEGER PRIMARY KEY,
            applied_ms BIGINT NOT NULL
        )",
    )
    .await
    .map_err(port)?;
    let have: i32 = tx
        .query_one("SELECT COALESCE(MAX(version), 0) FROM kordon_schema", &[])
        .await
        .map_err(port)?
        .try_get(0)
        .map_err(port)?;
    if have >= v {
        return Ok(false);
    }
    tx.batch_execute(sql)
        .await
        .map_err(|e| PortError::Backend(format!("schema version {v}: {}", with_causes(&e))))?;
    tx.execute(
        "INSERT INTO kordon_schema (version, applied_ms) VALUES ($1, $2)",
        &[&v, &now_ms],
    )
    .await
    .map_err(port)?;
    tx.commit().await.map_err(port)?;
    Ok(true)
}
