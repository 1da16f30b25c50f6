//! The database's schema, by version. A version is applied once, in its
//! own transaction, and never edited after release: a change is a new
//! version.

use crate::{port, with_causes, PgError, PgStore};
use deadpool_postgres::Pool;
use kordon_ports::PortError;

/// Every version of the schema, in order: (version, SQL).
pub const MIGRATIONS: &[(i32, &str)] = &[(1, V1)];

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
