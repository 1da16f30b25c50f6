//! Console accounts: supervisors, administrators and auditors, their
//! passwords (Argon2id), sessions with idle and absolute expiry, login
//! throttling, and the audit trail of what they did.
//!
//! A session is a random 32-byte token the browser holds in an HttpOnly
//! cookie; the server keeps only its SHA-256. Each session has its own
//! CSRF token, which the console sends back in a header on every
//! state-changing request.

use crate::{Central, CentralError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use kordon_store::{AuditEntry, NewAuditEntry, UserRow};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use zeroize::Zeroizing;

/// A session ends after this long without a request.
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;
/// A session ends this long after sign-in, however busy.
pub const SESSION_MAX_MS: i64 = 12 * 60 * 60 * 1000;
/// Failed logins in a row allowed before attempts are spaced out.
pub const FREE_LOGIN_ATTEMPTS: u32 = 5;
/// Spacing between attempts after that.
pub const LOGIN_SPACING_MS: i64 = 30_000;
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// What an account may do in the console.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "UserRole")]
pub enum Role {
    /// Reviews inspections: verdicts and marks.
    Supervisor,
    /// Runs the fleet and the accounts.
    Administrator,
    /// Reads inspections and the audit trail; changes nothing.
    Auditor,
    /// Follows trainees' exercises; sees no inspection.
    Trainer,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Supervisor,
        Role::Administrator,
        Role::Auditor,
        Role::Trainer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Supervisor => "supervisor",
            Role::Administrator => "administrator",
            Role::Auditor => "auditor",
            Role::Trainer => "trainer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role {s:?}; expected supervisor, administrator, auditor or trainer"
                )
            })
    }
}

/// Someone signed in to the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    /// The session's CSRF token.
    pub csrf: String,
}

/// A new session: the token for the cookie, and who it belongs to.
#[derive(Debug)]
pub struct Login {
    pub token: Zeroizing<String>,
    pub actor: Actor,
}

/// An account as listed (no password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct UserInfo {
    pub name: String,
    pub role: Role,
    #[ts(type = "number")]
    pub created_ms: i64,
    #[ts(type = "number | null")]
    pub disabled_ms: Option<i64>,
    pub failed_logins: u32,
}

fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(data).into()
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// Account names: 1 to 64 letters, digits, `.`, `_`, `-` or `@`.
pub fn check_user_name(name: &str) -> Result<(), CentralError> {
    let ok = (1..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(CentralError::Invalid(format!(
            "{name:?} is not an account name (1 to 64 letters, digits, '.', '_', '-', '@')"
        )))
    }
}

fn hash_password(password: &str) -> Result<String, CentralError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(CentralError::Invalid(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > 1024 {
        return Err(CentralError::Invalid(
            "a password may have at most 1024 bytes".into(),
        ));
    }
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CentralError::Invalid(format!("the password could not be hashed: {e}")))
}

/// A password checked against a stored hash; a damaged hash never matches.
fn password_matches(stored: &str, password: &str) -> bool {
    // Bound the work a hostile client can ask for per attempt.
    if password.len() > 1024 {
        return false;
    }
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so a wrong
/// name costs as much time as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy-password-never-matches").unwrap_or_default())
}

fn user_info(u: UserRow) -> UserInfo {
    UserInfo {
        role: u.role.parse().unwrap_or(Role::Auditor),
        name: u.name,
        created_ms: u.created_ms,
        disabled_ms: u.disabled_ms,
        failed_logins: u.failed_logins,
    }
}

impl Central {
    pub fn user_add(
        &self,
        name: &str,
        role: Role,
        password: &str,
        now_ms: i64,
    ) -> Result<(), CentralError> {
        check_user_name(name)?;
        let hash = hash_password(password)?;
        if !self.store.user_insert(name, role.as_str(), &hash, now_ms)? {
            return Err(CentralError::Invalid(format!(
                "an account named {name:?} exists already"
            )));
        }
        self.audit(
            &NewAuditEntry {
                action: "user_add",
                target: Some(name),
                detail: role.as_str(),
                ..Default::default()
            },
            now_ms,
        )
    }

    pub fn users(&self) -> Result<Vec<UserInfo>, CentralError> {
        Ok(self.store.users()?.into_iter().map(user_info).collect())
    }

    /// Disables an account; its sessions end at once.
    pub fn user_disable(&mut self, name: &str, now_ms: i64) -> Result<(), CentralError> {
        if !self.store.user_disable(name, now_ms)? {
            return Err(CentralError::UnknownUser(name.to_string()));
        }
        self.audit(
            &NewAuditEntry {
                action: "user_disable",
                target: Some(name),
                ..Default::default()
            },
            now_ms,
        )
    }

    /// Sets a new password; the account's sessions end.
    pub fn user_passwd(
        &mut self,
        name: &str,
        password: &str,
        now_ms: i64,
    ) -> Result<(), CentralError> {
        let hash = hash_password(password)?;
        if !self.store.user_set_password(name, &hash, now_ms)? {
            return Err(CentralError::UnknownUser(name.to_string()));
        }
        self.audit(
            &NewAuditEntry {
                action: "user_passwd",
                target: Some(name),
                ..Default::default()
            },
            now_ms,
        )
    }

    /// Checks a name and password and opens a session. Every attempt is
    /// audited. After [`FREE_LOGIN_ATTEMPTS`] failures in a row, attempts
    /// on that account are spaced [`LOGIN_SPACING_MS`] apart.
    pub fn login(
        &self,
        name: &str,
        password: &str,
        peer: Option<&str>,
        now_ms: i64,
    ) -> Result<Login, CentralError> {
        let refuse = |why: &str, err: CentralError| -> Result<Login, CentralError> {
            self.audit(
                &NewAuditEntry {
                    actor: Some(name),
                    action: "login",
                    refused: true,
                    detail: why,
                    peer,
                    ..Default::default()
                },
                now_ms,
            )?;
            Err(err)
        };
        let user = match self.store.user(name)? {
            Some(u) => u,
            None => {
                let _ = password_matches(decoy_hash(), password);
                return refuse("unknown account", CentralError::WrongPassword);
            }
        };
        if user.failed_logins >= FREE_LOGIN_ATTEMPTS {
            let wait_ms = LOGIN_SPACING_MS - (now_ms - user.last_failed_ms.unwrap_or(0));
            if wait_ms > 0 {
                let wait_s = (wait_ms as u64).div_ceil(1000);
                return refuse("throttled", CentralError::Throttled { wait_s });
            }
        }
        if !password_matches(&user.password_hash, password) {
            self.store.user_login_failed(name, now_ms)?;
            return refuse("wrong password", CentralError::WrongPassword);
        }
        if user.disabled_ms.is_some() {
            return refuse("account disabled", CentralError::WrongPassword);
        }
        let role: Role = match user.role.parse() {
            Ok(r) => r,
            Err(e) => return refuse("damaged role", CentralError::Invalid(e)),
        };
        let token = Zeroizing::new(random_hex(32));
        let csrf = random_hex(16);
        let opened = self.store.session_open(
            &kordon_store::NewSession {
                token_hash: &sha256(token.as_bytes()),
                user: name,
                csrf: &csrf,
                peer,
                password_ms: user.password_ms,
            },
            now_ms,
        )?;
        if !opened {
            // Its password changed, or it was disabled, since it was read.
            return refuse("account changed during login", CentralError::WrongPassword);
        }
        self.store.user_login_succeeded(name)?;
        self.audit(
            &NewAuditEntry {
                actor: Some(name),
                role: Some(role.as_str()),
                action: "login",
                peer,
                ..Default::default()
            },
            now_ms,
        )?;
        Ok(Login {
            token,
            actor: Actor {
                name: name.to_string(),
                role,
                csrf,
            },
        })
    }

    /// The session a token belongs to, if it is current and its account
    /// enabled; a current session's idle clock restarts.
    pub fn session(&self, token: &str, now_ms: i64) -> Result<Option<Actor>, CentralError> {
        if token.len() != 64 {
            return Ok(None);
        }
        let hash = sha256(token.as_bytes());
        let Some(s) = self.store.session(&hash)? else {
            return Ok(None);
        };
        let expired =
            now_ms - s.last_seen_ms > SESSION_IDLE_MS || now_ms - s.created_ms > SESSION_MAX_MS;
        let user = self.store.user(&s.user)?;
        let role = user
            .as_ref()
            .filter(|u| u.disabled_ms.is_none())
            .and_then(|u| u.role.parse::<Role>().ok());
        match role {
            Some(role) if !expired => {
                // Writing on every request would serialise readers: the
                // idle clock moves in steps of a minute.
                if now_ms - s.last_seen_ms > 60_000 {
                    self.store.session_touch(&hash, now_ms)?;
                }
                Ok(Some(Actor {
                    name: s.user,
                    role,
                    csrf: s.csrf,
                }))
            }
            _ => {
                self.store.session_delete(&hash)?;
                Ok(None)
            }
        }
    }

    pub fn logout(
        &self,
        token: &str,
        actor: &Actor,
        peer: Option<&str>,
        now_ms: i64,
    ) -> Result<(), CentralError> {
        self.store.session_delete(&sha256(token.as_bytes()))?;
        self.audit(
            &NewAuditEntry {
                actor: Some(&actor.name),
                role: Some(actor.role.as_str()),
                action: "logout",
                peer,
                ..Default::default()
            },
            now_ms,
        )
    }

    /// Forgets expired sessions (the console calls it now and then).
    pub fn expire_sessions(&self, now_ms: i64) -> Result<usize, CentralError> {
        Ok(self
            .store
            .sessions_expire(now_ms - SESSION_IDLE_MS, now_ms - SESSION_MAX_MS)?)
    }

    /// Appends to the audit trail.
    pub fn audit(&self, entry: &NewAuditEntry<'_>, now_ms: i64) -> Result<(), CentralError> {
        Ok(self.store.audit_append(entry, now_ms)?)
    }

    /// Appends several entries in one transaction (imports, benchmarks).
    pub fn audit_all(&self, entries: &[(i64, NewAuditEntry<'_>)]) -> Result<(), CentralError> {
        Ok(self.store.audit_append_all(entries)?)
    }

    pub fn audit_trail(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, CentralError> {
        Ok(self.store.audit(before, limit.min(1000))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn central(dir: &std::path::Path) -> Central {
        Central::init(dir, "127.0.0.1:4433").expect("init")
    }

    #[test]
    fn login_opens_a_session_that_expires_and_ends_with_the_account() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut c = central(dir.path());
        c.user_add(
            "sup.kovalenko",
            Role::Supervisor,
            "correct horse battery",
            0,
        )
        .expect("add");
        let e = c.user_add("sup.kovalenko", Role::Auditor, "another password", 0);
        assert!(e.is_err(), "names are unique");
        assert!(
            c.user_add("x", Role::Auditor, "short", 0).is_err(),
            "short password"
        );

        let login = c
            .login(
                "sup.kovalenko",
                "correct horse battery",
                Some("127.0.0.1"),
                1_000,
            )
            .expect("login");
        assert_eq!(login.actor.role, Role::Supervisor);
        let actor = c
            .session(&login.token, 2_000)
            .expect("session")
            .expect("current");
        assert_eq!(actor.csrf, login.actor.csrf);
        // Idle too long: gone.
        assert!(c
            .session(&login.token, 2_000 + SESSION_IDLE_MS + 1)
            .expect("session")
            .is_none());

        let login = c
            .login("sup.kovalenko", "correct horse battery", None, 10_000)
            .expect("login");
        c.user_disable("sup.kovalenko", 11_000).expect("disable");
        assert!(c.session(&login.token, 11_001).expect("session").is_none());
        assert!(matches!(
            c.login("sup.kovalenko", "correct horse battery", None, 12_000),
            Err(CentralError::WrongPassword)
        ));
        let stored = std::fs::read(dir.path().join("central.sqlite")).expect("db");
        let text = String::from_utf8_lossy(&stored);
        assert!(
            !text.contains("correct horse battery"),
            "no password in the database"
        );
        assert!(
            !text.contains(login.token.as_str()),
            "no session token in the database"
        );
    }

    #[test]
    fn failed_logins_are_spaced_out_and_audited() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = central(dir.path());
        c.user_add("aud", Role::Auditor, "a long enough password", 0)
            .expect("add");
        for i in 0..FREE_LOGIN_ATTEMPTS {
            let e = c
                .login("aud", "wrong", None, 1_000 + i as i64)
                .expect_err("wrong");
            assert!(matches!(e, CentralError::WrongPassword), "{e}");
        }
        let e = c
            .login("aud", "a long enough password", None, 2_000)
            .expect_err("throttled even with the right password");
        assert!(
            matches!(e, CentralError::Throttled { wait_s } if wait_s > 0),
            "{e}"
        );
        c.login(
            "aud",
            "a long enough password",
            None,
            2_000 + LOGIN_SPACING_MS,
        )
        .expect("after the wait");
        let trail = c.audit_trail(None, 100).expect("audit");
        let refused = trail
            .iter()
            .filter(|e| e.action == "login" && e.outcome == "refused")
            .count();
        assert_eq!(refused, FREE_LOGIN_ATTEMPTS as usize + 1);
        assert!(trail
            .iter()
            .any(|e| e.action == "login" && e.outcome == "ok"));
        // The trail refuses edits in the database itself.
        let e = c
            .storage()
            .sqlite("the test")
            .expect("SQLite")
            .connection()
            .execute("DELETE FROM audit", [])
            .expect_err("append-only");
        assert!(e.to_string().contains("append-only"), "{e}");
    }
}
