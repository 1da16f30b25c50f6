//! The register of devices and enrollment secrets: the rules (who may
//! enroll, what a revocation reaches); the store keeps the rows.

use crate::{Central, CentralError};
use kordon_record::PublicKey;
use kordon_store::{DeviceInfo, NewEnrollment, PendingEnrollment, Stated, WipeTarget};
use kordon_transport::EnrollmentToken;
use rand::RngCore;

/// Enrollment secrets are stored hashed, never in clear.
pub(crate) fn secret_hash(data: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(data).to_vec()
}

/// Longest reason an administrator may give for a revocation.
pub const MAX_REVOKE_REASON: usize = 200;
/// Longest an enrollment token may stay valid (hours): 30 days.
pub const MAX_ENROLL_TTL_HOURS: u32 = 720;

/// What a revocation applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeTarget {
    /// Every device of a unit, and its unused tokens.
    Unit(String),
    /// One device, by its key (64 hex digits) or a prefix of at least 8.
    Device(String),
}

/// The addresses a token carries, checked as a vehicle checks them: the
/// first one, and the others in order (each once).
pub(crate) fn checked_addrs(addrs: &[String]) -> Result<(String, Vec<String>), CentralError> {
    let mut all: Vec<&str> = vec![];
    for a in addrs.iter().map(|a| a.trim()) {
        if !all.contains(&a) {
            all.push(a);
        }
    }
    if let Some(problem) = kordon_transport::addresses_problem(&all) {
        return Err(CentralError::Invalid(format!(
            "vehicles could not use these addresses: {problem}"
        )));
    }
    let first = all.first().map(|a| a.to_string()).unwrap_or_default();
    Ok((first, all.iter().skip(1).map(|a| a.to_string()).collect()))
}

impl Central {
    /// Creates a one-time enrollment for `unit`, valid `ttl_hours`, and
    /// returns the token to hand to the vehicle (from the command line).
    pub fn enroll(
        &self,
        unit: &str,
        addr: Option<&str>,
        ttl_hours: u32,
        now_ms: i64,
    ) -> Result<EnrollmentToken, CentralError> {
        self.enroll_by(unit, addr, ttl_hours, None, now_ms)
    }

    /// As [`enroll`](Self::enroll), noting the account that asked.
    pub fn enroll_by(
        &self,
        unit: &str,
        addr: Option<&str>,
        ttl_hours: u32,
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<EnrollmentToken, CentralError> {
        let addrs: Vec<String> = addr.map(|a| vec![a.to_string()]).unwrap_or_default();
        self.enroll_at(unit, &addrs, ttl_hours, by, now_ms)
    }

    /// As [`enroll_by`](Self::enroll_by), with the addresses the vehicle
    /// tries in turn (none: this server's own, as `server.json` holds
    /// them).
    pub fn enroll_at(
        &self,
        unit: &str,
        addrs: &[String],
        ttl_hours: u32,
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<EnrollmentToken, CentralError> {
        let (addr, also) = if addrs.is_empty() {
            let mut own = vec![self.config.public_addr.clone()];
            own.extend(self.config.also_addrs.iter().cloned());
            checked_addrs(&own)?
        } else {
            checked_addrs(addrs)?
        };
        let unit = unit.trim();
        if unit.is_empty() || unit.chars().count() > 64 || unit.chars().any(char::is_control) {
            return Err(CentralError::Invalid(format!(
                "unit name {unit:?} must be 1 to 64 printable characters"
            )));
        }
        if !(1..=MAX_ENROLL_TTL_HOURS).contains(&ttl_hours) {
            return Err(CentralError::Invalid(format!(
                "an enrollment token is valid between 1 and {MAX_ENROLL_TTL_HOURS} hours, not {ttl_hours}"
            )));
        }
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let expires = now_ms + i64::from(ttl_hours) * 3_600_000;
        self.store.enrollment_insert(&NewEnrollment {
            secret_hash: &secret_hash(&secret),
            unit,
            created_ms: now_ms,
            expires_ms: expires,
            created_by: by,
        })?;
        Ok(EnrollmentToken {
            addr,
            also,
            fp: hex::encode(self.fingerprint()),
            key: self.public_key().to_string(),
            unit: unit.to_string(),
            secret: hex::encode(secret),
        })
    }

    /// The id a pending enrollment is listed and cancelled by, for the
    /// token just made.
    pub fn enrollment_id(token: &EnrollmentToken) -> Option<String> {
        let secret = token.secret_bytes().ok()?;
        Some(hex::encode(&secret_hash(&secret)[..8]))
    }

    /// Enrollment tokens that can still be used, newest first.
    pub fn pending_enrollments(&self, now_ms: i64) -> Result<Vec<PendingEnrollment>, CentralError> {
        Ok(self.store.enrollments_pending(now_ms)?)
    }

    /// Cancels a pending enrollment: its token is refused from now on.
    pub fn cancel_enrollment(
        &self,
        id: &str,
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<PendingEnrollment, CentralError> {
        let found = self
            .pending_enrollments(now_ms)?
            .into_iter()
            .find(|p| p.id.eq_ignore_ascii_case(id.trim()))
            .ok_or_else(|| {
                CentralError::NotFound(format!(
                    "no pending enrollment {id:?} (used, expired or cancelled already?)"
                ))
            })?;
        let prefix = hex::decode(&found.id).unwrap_or_default();
        self.store.enrollment_cancel(&prefix, by, now_ms)?;
        Ok(found)
    }

    /// Revokes every device of `unit` (from the command line, no reason).
    /// Returns how many were revoked.
    pub fn revoke(&self, unit: &str, now_ms: i64) -> Result<usize, CentralError> {
        self.revoke_with(&RevokeTarget::Unit(unit.to_string()), "", None, now_ms)
    }

    /// Revokes a unit's devices or one device, with the reason the vehicle
    /// will be told at its next connection. Returns how many were revoked.
    pub fn revoke_with(
        &self,
        target: &RevokeTarget,
        reason: &str,
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<usize, CentralError> {
        let reason = reason.trim();
        if reason.chars().count() > MAX_REVOKE_REASON
            || reason.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(CentralError::Invalid(format!(
                "a revocation reason is at most {MAX_REVOKE_REASON} printable characters"
            )));
        }
        match target {
            RevokeTarget::Unit(unit) => self
                .store
                .unit_revoke(unit, reason, by, now_ms)?
                .ok_or_else(|| CentralError::UnknownUnit(unit.to_string())),
            RevokeTarget::Device(key) => {
                let key = key.trim().to_ascii_lowercase();
                if key.len() < 8 || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(CentralError::Invalid(format!(
                        "a device is named by its key: 8 to 64 hex digits, not {key:?}"
                    )));
                }
                match self.store.device_keys_starting(&key)?.as_slice() {
                    [] => Err(CentralError::NotFound(format!(
                        "no enrolled device with key {key}"
                    ))),
                    [one] => Ok(self.store.device_revoke(one, reason, by, now_ms)?),
                    matching => Err(CentralError::Invalid(format!(
                        "{} devices have keys starting {key}: give more digits",
                        matching.len()
                    ))),
                }
            }
        }
    }

    /// Orders the data of revoked devices destroyed (a unit's, or one
    /// device's, as [`revoke_with`](Self::revoke_with) names them): each is
    /// told at its next connection, and erases its keys. Returns how many
    /// devices the order reaches.
    pub fn order_wipe(&self, target: &RevokeTarget, now_ms: i64) -> Result<usize, CentralError> {
        let target = match target {
            RevokeTarget::Unit(unit) => WipeTarget::Unit(unit),
            RevokeTarget::Device(key) => WipeTarget::KeyPrefix(key.trim()),
        };
        Ok(self.store.wipe_order(target, now_ms)?)
    }

    /// Notes that `device` was told to wipe, with the backlog it last
    /// stated (what it held unsent: counts, never content).
    pub(crate) fn note_wipe_told(
        &self,
        device: &PublicKey,
        backlog: Option<(u64, u64)>,
        now_ms: i64,
    ) -> Result<(), CentralError> {
        Ok(self.store.wipe_told(device, backlog, now_ms)?)
    }

    /// Every device in the register.
    pub fn devices(&self) -> Result<Vec<DeviceInfo>, CentralError> {
        Ok(self.store.devices()?)
    }

    /// Counts a refused connection of a device the register knows.
    pub(crate) fn note_refused(&self, device: &PublicKey, now_ms: i64) -> Result<(), CentralError> {
        Ok(self.store.device_refused(device, now_ms)?)
    }

    /// Takes what a session delivered off the backlog the vehicle stated
    /// when it connected, so the register shows what is still waiting on
    /// the vehicle (answered records, scan bytes received), not what was.
    pub fn note_delivered(
        &self,
        device: &PublicKey,
        records: u64,
        scan_bytes: u64,
    ) -> Result<(), CentralError> {
        Ok(self.store.device_delivered(device, records, scan_bytes)?)
    }

    /// Notes that a device's session ran to the end.
    pub fn note_sync_finished(&self, device: &PublicKey, now_ms: i64) -> Result<(), CentralError> {
        Ok(self.store.device_sync_finished(device, now_ms)?)
    }

    /// Keeps what an authorised vehicle stated in its Hello: its version,
    /// its backlog, and its clock's offset from the server's.
    pub fn note_stated(
        &self,
        device: &PublicKey,
        app_version: &str,
        backlog: kordon_proto::Backlog,
        client_time_ms: i64,
        now_ms: i64,
    ) -> Result<(), CentralError> {
        // Untrusted text: kept short and printable.
        let version: String = app_version
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect();
        let stated = Stated {
            app_version: &version,
            backlog_records: backlog.records,
            backlog_scan_bytes: backlog.scan_bytes,
            clock_offset_ms: client_time_ms.saturating_sub(now_ms),
        };
        Ok(self.store.device_stated(device, &stated, now_ms)?)
    }

    pub(crate) fn note_seen(
        &self,
        device: &PublicKey,
        addr: &str,
        now_ms: i64,
        starts_session: bool,
    ) -> Result<(), CentralError> {
        Ok(self
            .store
            .device_seen(device, addr, now_ms, starts_session)?)
    }
}
