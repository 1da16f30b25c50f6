//! The server's console accounts, their sessions, and the audit trail of
//! what people did in the console. Password hashing, tokens and the rules
//! live in `kordon-central`; this module only stores and finds.
//!
//! The audit trail is append-only in the database itself: triggers refuse
//! every UPDATE and DELETE on it.

use crate::error::port;
use crate::{Store, StoreError};
use kordon_ports::{
    AccountStore, AuditEntry, NewAuditEntry, NewSession, PortError, SessionRow, UserRow,
};
use rusqlite::{params, OptionalExtension};

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

impl AccountStore for Store {
    fn user_insert(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<bool, PortError> {
        let run = || -> Result<bool, StoreError> {
            let n = self.connection().execute(
                "INSERT OR IGNORE INTO users (name, role, password_hash, created_ms, password_ms)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![name, role, password_hash, now_ms],
            )?;
            Ok(n == 1)
        };
        run().map_err(port)
    }

    fn user(&self, name: &str) -> Result<Option<UserRow>, PortError> {
        let run = || -> Result<Option<UserRow>, StoreError> {
            Ok(self
                .connection()
                .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1"))?
                .query_row([name], user_row)
                .optional()?)
        };
        run().map_err(port)
    }

    fn users(&self) -> Result<Vec<UserRow>, PortError> {
        let run = || -> Result<Vec<UserRow>, StoreError> {
            let mut stmt = self
                .connection()
                .prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"))?;
            let rows = stmt.query_map([], user_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        run().map_err(port)
    }

    /// Disables an account and ends its sessions, in one transaction;
    /// `Ok(false)` if there is no such account.
    fn user_disable(&self, name: &str, now_ms: i64) -> Result<bool, PortError> {
        let run = || -> Result<bool, StoreError> {
            let tx = self.connection().unchecked_transaction()?;
            let n = tx.execute(
                "UPDATE users SET disabled_ms = COALESCE(disabled_ms, ?2) WHERE name = ?1",
                params![name, now_ms],
            )?;
            tx.execute("DELETE FROM sessions WHERE user = ?1", [name])?;
            tx.commit()?;
            Ok(n == 1)
        };
        run().map_err(port)
    }

    /// Sets a new password hash, clears failed logins and ends the
    /// account's sessions; `Ok(false)` if there is no such account.
    fn user_set_password(
        &self,
        name: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<bool, PortError> {
        let run = || -> Result<bool, StoreError> {
            let tx = self.connection().unchecked_transaction()?;
            let n = tx.execute(
                "UPDATE users SET password_hash = ?2, password_ms = ?3, failed_logins = 0, last_failed_ms = NULL
                 WHERE name = ?1",
                params![name, password_hash, now_ms],
            )?;
            tx.execute("DELETE FROM sessions WHERE user = ?1", [name])?;
            tx.commit()?;
            Ok(n == 1)
        };
        run().map_err(port)
    }

    /// Counts a failed login against an account.
    fn user_login_failed(&self, name: &str, now_ms: i64) -> Result<(), PortError> {
        let run = || -> Result<(), StoreError> {
            self.connection().execute(
                "UPDATE users SET failed_logins = failed_logins + 1, last_failed_ms = ?2 WHERE name = ?1",
                params![name, now_ms],
            )?;
            Ok(())
        };
        run().map_err(port)
    }

    /// Clears an account's failed logins after a success.
    fn user_login_succeeded(&self, name: &str) -> Result<(), PortError> {
        let run = || -> Result<(), StoreError> {
            self.connection().execute(
                "UPDATE users SET failed_logins = 0, last_failed_ms = NULL WHERE name = ?1",
                [name],
            )?;
            Ok(())
        };
        run().map_err(port)
    }

    fn session_open(&self, n: &NewSession<'_>, now_ms: i64) -> Result<bool, PortError> {
        let run = || -> Result<bool, StoreError> {
            let opened = self.connection().execute(
                "INSERT INTO sessions (token_hash, user, csrf, created_ms, last_seen_ms, peer)
                 SELECT ?1, name, ?3, ?4, ?4, ?5 FROM users
                 WHERE name = ?2 AND password_ms = ?6 AND disabled_ms IS NULL",
                params![n.token_hash, n.user, n.csrf, now_ms, n.peer, n.password_ms],
            )?;
            Ok(opened == 1)
        };
        run().map_err(port)
    }

    fn session(&self, token_hash: &[u8]) -> Result<Option<SessionRow>, PortError> {
        let run = || -> Result<Option<SessionRow>, StoreError> {
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
        };
        run().map_err(port)
    }

    fn session_touch(&self, token_hash: &[u8], now_ms: i64) -> Result<(), PortError> {
        let run = || -> Result<(), StoreError> {
            self.connection()
                .prepare_cached("UPDATE sessions SET last_seen_ms = ?2 WHERE token_hash = ?1")?
                .execute(params![token_hash, now_ms])?;
            Ok(())
        };
        run().map_err(port)
    }

    fn session_delete(&self, token_hash: &[u8]) -> Result<(), PortError> {
        let run = || -> Result<(), StoreError> {
            self.connection()
                .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
            Ok(())
        };
        run().map_err(port)
    }

    /// Forgets sessions idle since `idle_before` or begun before
    /// `begun_before`.
    fn sessions_expire(&self, idle_before: i64, begun_before: i64) -> Result<usize, PortError> {
        let run = || -> Result<usize, StoreError> {
            Ok(self.connection().execute(
                "DELETE FROM sessions WHERE last_seen_ms < ?1 OR created_ms < ?2",
                params![idle_before, begun_before],
            )?)
        };
        run().map_err(port)
    }

    fn audit_append(&self, e: &NewAuditEntry<'_>, now_ms: i64) -> Result<(), PortError> {
        let run = || -> Result<(), StoreError> { audit_insert(self.connection(), e, now_ms) };
        run().map_err(port)
    }

    /// Appends several entries, each with its time, in one transaction
    /// (all or none): for imports of another system's trail, and for
    /// benchmarks that need a large one.
    fn audit_append_all(&self, entries: &[(i64, NewAuditEntry<'_>)]) -> Result<(), PortError> {
        let run = || -> Result<(), StoreError> {
            let tx = self.connection().unchecked_transaction()?;
            for (at_ms, e) in entries {
                audit_insert(&tx, e, *at_ms)?;
            }
            tx.commit()?;
            Ok(())
        };
        run().map_err(port)
    }

    /// The audit trail, newest first: `limit` entries before entry
    /// `before` (all, when None).
    fn audit(&self, before: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>, PortError> {
        let run = || -> Result<Vec<AuditEntry>, StoreError> {
            let mut stmt = self.connection().prepare_cached(
                "SELECT n, at_ms, actor, role, action, target, outcome, detail, peer FROM audit
                 WHERE n < ?1 ORDER BY n DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![before.unwrap_or(i64::MAX), limit], audit_entry)?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        run().map_err(port)
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
