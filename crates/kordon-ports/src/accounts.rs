//! Console accounts, their sessions, and the audit trail. Password
//! hashing, tokens and the rules live in `kordon-central`; a backend only
//! stores and finds.

use crate::PortError;
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

/// A session to open, for an account as the login found it.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// The token's hash (the token itself is never stored).
    pub token_hash: &'a [u8],
    pub user: &'a str,
    pub csrf: &'a str,
    pub peer: Option<&'a str>,
    /// When the account's password was set, as the login read it with
    /// the hash it checked.
    pub password_ms: i64,
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

/// Where console accounts, sessions and the audit trail are kept.
pub trait AccountStore {
    /// Adds an account; `Ok(false)` if the name is taken.
    fn user_insert(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<bool, PortError>;

    fn user(&self, name: &str) -> Result<Option<UserRow>, PortError>;

    /// Every account, by name.
    fn users(&self) -> Result<Vec<UserRow>, PortError>;

    /// Disables an account and ends its sessions, in one transaction;
    /// `Ok(false)` if there is no such account.
    fn user_disable(&self, name: &str, now_ms: i64) -> Result<bool, PortError>;

    /// Sets a new password hash, clears failed logins and ends the
    /// account's sessions, in one transaction; `Ok(false)` if there is no
    /// such account.
    fn user_set_password(
        &self,
        name: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<bool, PortError>;

    /// Counts a failed login (one more in a row).
    fn user_login_failed(&self, name: &str, now_ms: i64) -> Result<(), PortError>;

    /// Clears the failed logins in a row.
    fn user_login_succeeded(&self, name: &str) -> Result<(), PortError>;

    /// Opens a session if the account still is as the login checked it
    /// (the same password, not disabled), in one statement: a password
    /// changed or an account disabled meanwhile, by another process too,
    /// leaves no session behind. `Ok(false)` if it changed.
    fn session_open(&self, s: &NewSession<'_>, now_ms: i64) -> Result<bool, PortError>;

    fn session(&self, token_hash: &[u8]) -> Result<Option<SessionRow>, PortError>;

    fn session_touch(&self, token_hash: &[u8], now_ms: i64) -> Result<(), PortError>;

    fn session_delete(&self, token_hash: &[u8]) -> Result<(), PortError>;

    /// Ends sessions idle since before `idle_before` or begun before
    /// `begun_before`; returns how many.
    fn sessions_expire(&self, idle_before: i64, begun_before: i64) -> Result<usize, PortError>;

    fn audit_append(&self, e: &NewAuditEntry<'_>, now_ms: i64) -> Result<(), PortError>;

    /// Appends several entries, each with its time, in one transaction
    /// (all or none).
    fn audit_append_all(&self, entries: &[(i64, NewAuditEntry<'_>)]) -> Result<(), PortError>;

    /// The audit trail, newest first: `limit` entries before entry
    /// `before` (all, when None).
    fn audit(&self, before: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>, PortError>;
}
