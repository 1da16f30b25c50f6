//! The server's console accounts, their sessions, and the audit trail of
//! what people did in the console. Password hashing, tokens and the rules
//! live in `kordon-central`; this module only stores and finds.
//!
//! The audit trail is append-only in the database itself: triggers refuse
//! every UPDATE and DELETE on it.

use crate::{Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// A console account as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    pub name: String,
    pub role: String,
    /// PHC string (Argon2id); never leaves the server.
    #[serde(skip)]
    pub password_hash: String,
    pub created_ms: i64,
    pub password_ms: i64,
    pub disabled_ms: Option<i64>,
    /// Failed logins in a row since the last success.
    pub failed_logins: u32,
    pub last_failed_ms: Option<i64>,
}

/// A console session as stored (the token only as its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub user: String,
    pub csrf: String,
    pub created_ms: i64,
    pub last_seen_ms: i64,
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub n: i64,
    #[ts(type = "number")]
    pub at_ms: i64,
    /// Who acted (an account name), if known.
    pub actor: Option<String>,
    pub role: Option<String>,
    /// `login`, `logout`, `review`, `annotate`, `refused`, `user_add`, ...
    pub action: String,
    /// What it acted on (an inspection id, an account name, a route).
    pub target: Option<String>,
    /// `ok` or `refused`.
    pub outcome: String,
    pub detail: String,
    /// The client's address.
    pub peer: Option<String>,
}

/// An audit entry to append.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry<'a> {
    pub actor: Option<&'a str>,
    pub role: Option<&'a str>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub refused: bool,
    pub detail: &'a str,
    pub peer: Option<&'a str>,
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        name: r.get(0)?,
        role: r.get(1)?,
        password_hash: r.get(2)?,
        created_ms: r.get(3)?,
        password_ms: r.get(4)?,
        disabled_ms: r.get(5)?,
        failed_logins: r.get::<_, i64>(6)?.clamp(0, u32::MAX as i64) as u32,
        last_failed_ms: r.get(7)?,
    })
}

const USER_COLUMNS: &str =
    "name, role, password_hash, created_ms, password_ms, disabled_ms, failed_logins, last_failed_ms";

impl Store {
    /// Adds an account; `Ok(false)` if the name is taken.
    pub fn user_insert(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let n = self.connection().execute(
            "INSERT OR IGNORE INTO users (name, role, password_hash, created_ms, password_ms)
             VALUES (?1, ?2, ?3, ?4, ?4)",
            params![name, role, password_hash, now_ms],
        )?;
        Ok(n == 1)
    }

    pub fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1"))?
            .query_row([name], user_row)
            .optional()?)
    }

    pub fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"))?;
        let rows = stmt.query_map([], user_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Disables an account and ends its sessions, in one transaction;
    /// `Ok(false)` if there is no such account.
    pub fn user_disable(&mut self, name: &str, now_ms: i64) -> Result<bool, StoreError> {
        let tx = self.connection_mut().transaction()?;
        let n = tx.execute(
            "UPDATE users SET disabled_ms = COALESCE(disabled_ms, ?2) WHERE name = ?1",
            params![name, now_ms],
        )?;
        tx.execute("DELETE FROM sessions WHERE user = ?1", [name])?;
        tx.commit()?;
        Ok(n == 1)
    }

    /// Sets a new password hash, clears failed logins and ends the
    /// account's sessions; `Ok(false)` if there is no such account.
    pub fn user_set_password(
        &mut self,
        name: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let tx = self.connection_mut().transaction()?;
        let n = tx.execute(
            "UPDATE users SET password_hash = ?2, password_ms = ?3, failed_logins = 0, last_failed_ms = NULL
             WHERE name = ?1",
            params![name, password_hash, now_ms],
        )?;
        tx.execute("DELETE FROM sessions WHERE user = ?1", [name])?;
        tx.commit()?;
        Ok(n == 1)
    }

    /// Counts a failed login against an account.
    pub fn user_login_failed(&self, name: &str, now_ms: i64) -> Result<(), StoreError> {
        self.connection().execute(
            "UPDATE users SET failed_logins = failed_logins + 1, last_failed_ms = ?2 WHERE name = ?1",
            params![name, now_ms],
        )?;
        Ok(())
    }

    /// Clears an account's failed logins after a success.
    pub fn user_login_succeeded(&self, name: &str) -> Result<(), StoreError> {
        self.connection().execute(
            "UPDATE users SET failed_logins = 0, last_failed_ms = NULL WHERE name = ?1",
            [name],
        )?;
        Ok(())
    }

    pub fn session_insert(
        &self,
        token_hash: &[u8],
        user: &str,
        csrf: &str,
        peer: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT INTO sessions (token_hash, user, csrf, created_ms, last_seen_ms, peer)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
            params![token_hash, user, csrf, now_ms, peer],
        )?;
        Ok(())
    }

    pub fn session(&self, token_hash: &[u8]) -> Result<Option<SessionRow>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(
                "SELECT user, csrf, created_ms, last_seen_ms FROM sessions WHERE token_hash = ?1",
            )?
            .query_row([token_hash], |r| {
                Ok(SessionRow {
                    user: r.get(0)?,
                    csrf: r.get(1)?,
                    created_ms: r.get(2)?,
                    last_seen_ms: r.get(3)?,
                })
            })
            .optional()?)
    }

    pub fn session_touch(&self, token_hash: &[u8], now_ms: i64) -> Result<(), StoreError> {
        self.connection()
            .prepare_cached("UPDATE sessions SET last_seen_ms = ?2 WHERE token_hash = ?1")?
            .execute(params![token_hash, now_ms])?;
        Ok(())
    }

    pub fn session_delete(&self, token_hash: &[u8]) -> Result<(), StoreError> {
        self.connection()
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    /// Forgets sessions idle since `idle_before` or begun before
    /// `begun_before`.
    pub fn sessions_expire(
        &self,
        idle_before: i64,
        begun_before: i64,
    ) -> Result<usize, StoreError> {
        Ok(self.connection().execute(
            "DELETE FROM sessions WHERE last_seen_ms < ?1 OR created_ms < ?2",
            params![idle_before, begun_before],
        )?)
    }

    pub fn audit_append(&self, e: &NewAuditEntry<'_>, now_ms: i64) -> Result<(), StoreError> {
        audit_insert(self.connection(), e, now_ms)
    }

    /// Appends several entries, each with its time, in one transaction
    /// (all or none): for imports of another system's trail, and for
    /// benchmarks that need a large one.
    pub fn audit_append_all(&self, entries: &[(i64, NewAuditEntry<'_>)]) -> Result<(), StoreError> {
        let tx = self.connection().unchecked_transaction()?;
        for (at_ms, e) in entries {
            audit_insert(&tx, e, *at_ms)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The audit trail, newest first: `limit` entries before entry
    /// `before` (all, when None).
    pub fn audit(&self, before: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.connection().prepare_cached(
            "SELECT n, at_ms, actor, role, action, target, outcome, detail, peer FROM audit
             WHERE n < ?1 ORDER BY n DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![before.unwrap_or(i64::MAX), limit], audit_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// An entry from `SELECT n, at_ms, actor, role, action, target, outcome,
/// detail, peer FROM audit`.
pub(crate) fn audit_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        n: r.get(0)?,
        at_ms: r.get(1)?,
        actor: r.get(2)?,
        role: r.get(3)?,
        action: r.get(4)?,
        target: r.get(5)?,
        outcome: r.get(6)?,
        detail: r.get(7)?,
        peer: r.get(8)?,
    })
}

fn audit_insert(
    conn: &rusqlite::Connection,
    e: &NewAuditEntry<'_>,
    at_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO audit (at_ms, actor, role, action, target, outcome, detail, peer)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        at_ms,
        e.actor,
        e.role,
        e.action,
        e.target,
        if e.refused { "refused" } else { "ok" },
        e.detail,
        e.peer
    ])?;
    Ok(())
}
