//! [`AccountStore`] on PostgreSQL: the same statements as the SQLite
//! store's, in PostgreSQL's dialect; the transactions the port promises
//! are transactions here too.

use crate::Prepared;
use crate::{port, text, PgStore};
use kordon_ports::{
    AccountStore, AuditEntry, NewAuditEntry, NewSession, PortError, SessionRow, UserRow,
};
use tokio_postgres::Row;

const USER_COLUMNS: &str =
    "name, role, password_hash, created_ms, password_ms, disabled_ms, failed_logins, last_failed_ms";
pub(crate) const AUDIT_COLUMNS: &str =
    "n, at_ms, actor, role, action, target, outcome, detail, peer";

fn user_row(r: &Row) -> Result<UserRow, tokio_postgres::Error> {
    Ok(UserRow {
        name: r.try_get(0)?,
        role: r.try_get(1)?,
        password_hash: r.try_get(2)?,
        created_ms: r.try_get(3)?,
        password_ms: r.try_get(4)?,
        disabled_ms: r.try_get(5)?,
        failed_logins: r.try_get::<_, i64>(6)?.clamp(0, u32::MAX as i64) as u32,
        last_failed_ms: r.try_get(7)?,
    })
}

pub(crate) fn audit_entry(r: &Row) -> Result<AuditEntry, tokio_postgres::Error> {
    Ok(AuditEntry {
        n: r.try_get(0)?,
        at_ms: r.try_get(1)?,
        actor: r.try_get(2)?,
        role: r.try_get(3)?,
        action: r.try_get(4)?,
        target: r.try_get(5)?,
        outcome: r.try_get(6)?,
        detail: r.try_get(7)?,
        peer: r.try_get(8)?,
    })
}

/// An audit entry with owned text, to cross into the runtime.
struct OwnedEntry {
    at_ms: i64,
    actor: Option<String>,
    role: Option<String>,
    action: String,
    target: Option<String>,
    outcome: &'static str,
    detail: String,
    peer: Option<String>,
}

impl OwnedEntry {
    fn of(e: &NewAuditEntry<'_>, at_ms: i64) -> OwnedEntry {
        OwnedEntry {
            at_ms,
            actor: e.actor.map(text),
            role: e.role.map(text),
            action: text(e.action),
            target: e.target.map(text),
            outcome: if e.refused { "refused" } else { "ok" },
            detail: text(e.detail),
            peer: e.peer.map(text),
        }
    }
}

const AUDIT_INSERT: &str =
    "INSERT INTO audit (at_ms, actor, role, action, target, outcome, detail, peer)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

impl PgStore {
    /// Runs one statement's worth of work and flattens its errors.
    fn call<T, F>(&self, work: impl FnOnce(deadpool_postgres::Pool) -> F) -> Result<T, PortError>
    where
        T: Send + 'static,
        F: std::future::Future<Output = Result<T, PortError>> + Send + 'static,
    {
        self.run(work).and_then(|r| r)
    }

    /// Changes an account and ends its sessions, in one transaction.
    fn user_change_ending_sessions(
        &self,
        update: &'static str,
        params: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>>,
        name: &str,
    ) -> Result<bool, PortError> {
        let name = text(name);
        self.call(move |pool| async move {
            let mut client = pool.get().await.map_err(port)?;
            let tx = client.transaction().await.map_err(port)?;
            let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                params.iter().map(|p| p.as_ref() as _).collect();
            let n = tx.execute(update, &refs).await.map_err(port)?;
            tx.execute_cached("DELETE FROM sessions WHERE \"user\" = $1", &[&name])
                .await?;
            tx.commit().await.map_err(port)?;
            Ok(n == 1)
        })
    }
}

impl AccountStore for PgStore {
    fn user_insert(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<bool, PortError> {
        let n = self.execute(
            "INSERT INTO users (name, role, password_hash, created_ms, password_ms)
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT (name) DO NOTHING",
            vec![
                Box::new(text(name)),
                Box::new(text(role)),
                Box::new(text(password_hash)),
                Box::new(now_ms),
            ],
        )?;
        Ok(n == 1)
    }

    fn user(&self, name: &str) -> Result<Option<UserRow>, PortError> {
        let rows = self.query_built(
            format!("SELECT {USER_COLUMNS} FROM users WHERE name = $1"),
            vec![Box::new(text(name))],
        )?;
        rows.first().map(user_row).transpose().map_err(port)
    }

    fn users(&self) -> Result<Vec<UserRow>, PortError> {
        let rows = self.query_built(
            format!("SELECT {USER_COLUMNS} FROM users ORDER BY name COLLATE \"C\""),
            vec![],
        )?;
        rows.iter()
            .map(user_row)
            .collect::<Result<_, _>>()
            .map_err(port)
    }

    fn user_disable(&self, name: &str, now_ms: i64) -> Result<bool, PortError> {
        self.user_change_ending_sessions(
            "UPDATE users SET disabled_ms = COALESCE(disabled_ms, $2) WHERE name = $1",
            vec![Box::new(text(name)), Box::new(now_ms)],
            name,
        )
    }

    fn user_set_password(
        &self,
        name: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<bool, PortError> {
        self.user_change_ending_sessions(
            "UPDATE users SET password_hash = $2, password_ms = $3, failed_logins = 0,
                              last_failed_ms = NULL
             WHERE name = $1",
            vec![
                Box::new(text(name)),
                Box::new(text(password_hash)),
                Box::new(now_ms),
            ],
            name,
        )
    }

    fn user_login_failed(&self, name: &str, now_ms: i64) -> Result<(), PortError> {
        self.execute(
            "UPDATE users SET failed_logins = failed_logins + 1, last_failed_ms = $2
             WHERE name = $1",
            vec![Box::new(text(name)), Box::new(now_ms)],
        )?;
        Ok(())
    }

    fn user_login_succeeded(&self, name: &str) -> Result<(), PortError> {
        self.execute(
            "UPDATE users SET failed_logins = 0, last_failed_ms = NULL WHERE name = $1",
            vec![Box::new(text(name))],
        )?;
        Ok(())
    }

    fn session_open(&self, n: &NewSession<'_>, now_ms: i64) -> Result<bool, PortError> {
        // FOR SHARE: a password change or a disabling under way in another
        // process waits for this statement, or this one sees its result;
        // either way no session outlives the change.
        let opened = self.execute(
            "INSERT INTO sessions (token_hash, \"user\", csrf, created_ms, last_seen_ms, peer)
             SELECT $1, name, $3, $4, $4, $5 FROM users
             WHERE name = $2 AND password_ms = $6 AND disabled_ms IS NULL
             FOR SHARE",
            vec![
                Box::new(n.token_hash.to_vec()),
                Box::new(text(n.user)),
                Box::new(text(n.csrf)),
                Box::new(now_ms),
                Box::new(n.peer.map(text)),
                Box::new(n.password_ms),
            ],
        )?;
        Ok(opened == 1)
    }

    fn session(&self, token_hash: &[u8]) -> Result<Option<SessionRow>, PortError> {
        let rows = self.query_built(
            "SELECT \"user\", csrf, created_ms, last_seen_ms FROM sessions WHERE token_hash = $1"
                .to_string(),
            vec![Box::new(token_hash.to_vec())],
        )?;
        rows.first()
            .map(|r| -> Result<SessionRow, tokio_postgres::Error> {
                Ok(SessionRow {
                    user: r.try_get(0)?,
                    csrf: r.try_get(1)?,
                    created_ms: r.try_get(2)?,
                    last_seen_ms: r.try_get(3)?,
                })
            })
            .transpose()
            .map_err(port)
    }

    fn session_touch(&self, token_hash: &[u8], now_ms: i64) -> Result<(), PortError> {
        self.execute(
            "UPDATE sessions SET last_seen_ms = $2 WHERE token_hash = $1",
            vec![Box::new(token_hash.to_vec()), Box::new(now_ms)],
        )?;
        Ok(())
    }

    fn session_delete(&self, token_hash: &[u8]) -> Result<(), PortError> {
        self.execute(
            "DELETE FROM sessions WHERE token_hash = $1",
            vec![Box::new(token_hash.to_vec())],
        )?;
        Ok(())
    }

    fn sessions_expire(&self, idle_before: i64, begun_before: i64) -> Result<usize, PortError> {
        let n = self.execute(
            "DELETE FROM sessions WHERE last_seen_ms < $1 OR created_ms < $2",
            vec![Box::new(idle_before), Box::new(begun_before)],
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn audit_append(&self, e: &NewAuditEntry<'_>, now_ms: i64) -> Result<(), PortError> {
        self.audit_append_all(&[(now_ms, e.clone())])
    }

    fn audit_append_all(&self, entries: &[(i64, NewAuditEntry<'_>)]) -> Result<(), PortError> {
        let owned: Vec<OwnedEntry> = entries
            .iter()
            .map(|(at, e)| OwnedEntry::of(e, *at))
            .collect();
        self.call(move |pool| async move {
            let mut client = pool.get().await.map_err(port)?;
            let tx = client.transaction().await.map_err(port)?;
            let insert = tx.prepare(AUDIT_INSERT).await.map_err(port)?;
            for e in &owned {
                tx.execute(
                    &insert,
                    &[
                        &e.at_ms, &e.actor, &e.role, &e.action, &e.target, &e.outcome, &e.detail,
                        &e.peer,
                    ],
                )
                .await
                .map_err(port)?;
            }
            tx.commit().await.map_err(port)
        })
    }

    fn audit(&self, before: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>, PortError> {
        let rows = self.query_built(
            format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE n < $1 ORDER BY n DESC LIMIT $2"),
            vec![
                Box::new(before.unwrap_or(i64::MAX)),
                Box::new(i64::from(limit)),
            ],
        )?;
        rows.iter()
            .map(audit_entry)
            .collect::<Result<_, _>>()
            .map_err(port)
    }
}
