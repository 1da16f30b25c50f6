//! Officers on this vehicle: signing in with a PIN or password.
//!
//! An officer's PIN is kept only as an Argon2id hash (in the store's `meta`
//! table, `pin:<officer>`). The first sign-in of an officer on a vehicle
//! sets their PIN; later sign-ins must match it. After
//! [`FREE_ATTEMPTS`] wrong PINs in a row, each further attempt waits
//! [`LOCK_SECS`] after the last failure, so guessing a 4-digit PIN takes
//! days, while an officer who mistypes at 3 a.m. is not locked out for good.

use crate::{Vehicle, VehicleError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use kordon_model::OfficerId;
use zeroize::Zeroizing;

/// Wrong PINs allowed in a row before attempts are spaced out.
pub const FREE_ATTEMPTS: u32 = 5;
/// Seconds between attempts once [`FREE_ATTEMPTS`] is used up.
pub const LOCK_SECS: u64 = 30;

/// How a sign-in went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// The PIN matched.
    Verified,
    /// The officer was new on this vehicle: the PIN is now theirs.
    PinSet,
}

fn pin_key(officer: &OfficerId) -> String {
    format!("pin:{}", officer.as_str())
}

fn failures_key(officer: &OfficerId) -> String {
    format!("pin_failures:{}", officer.as_str())
}

/// Wrong PINs in a row and when the last was, as kept: "N MS" (nothing,
/// or anything else, is none).
pub(crate) fn parse_failures(text: &str) -> (u32, i64) {
    let mut parts = text.split_whitespace().map(str::parse::<i64>);
    match (parts.next(), parts.next()) {
        (Some(Ok(n)), Some(Ok(at))) => (u32::try_from(n).unwrap_or(u32::MAX), at),
        _ => (0, 0),
    }
}

/// Refuses an attempt while `officer` must wait: after [`FREE_ATTEMPTS`]
/// wrong PINs in a row, [`LOCK_SECS`] after the last. A clock set back (a
/// flat RTC battery) must not lock anyone out for years: a failure "in
/// the future" counts as now.
pub(crate) fn check_wait(
    officer: &str,
    (failures, last): (u32, i64),
    now_ms: i64,
) -> Result<(), VehicleError> {
    let last = last.min(now_ms);
    let wait_ms = ((LOCK_SECS * 1000) as i64).saturating_sub(now_ms.saturating_sub(last));
    if failures >= FREE_ATTEMPTS && wait_ms > 0 {
        return Err(VehicleError::PinLocked {
            officer: officer.to_string(),
            wait_s: (wait_ms as u64).div_ceil(1000),
        });
    }
    Ok(())
}

pub(crate) fn check_pin_shape(pin: &str) -> Result<(), VehicleError> {
    let n = pin.chars().count();
    if !(4..=64).contains(&n) || pin.chars().any(char::is_control) {
        return Err(VehicleError::Invalid(
            "a PIN or password is 4 to 64 printable characters".into(),
        ));
    }
    Ok(())
}

impl Vehicle {
    /// Whether `officer` has a PIN on this vehicle.
    pub fn has_pin(&self, officer: &OfficerId) -> Result<bool, VehicleError> {
        Ok(self.store.get_meta(&pin_key(officer))?.is_some())
    }

    /// Signs `officer` in with their PIN (or sets it, on their first sign-in
    /// here). Every change from now on is attributed to them.
    pub fn sign_in_with_pin(
        &mut self,
        officer: &str,
        pin: &str,
        now_ms: i64,
    ) -> Result<SignIn, VehicleError> {
        let id = OfficerId::new(officer).map_err(VehicleError::Invalid)?;
        let pin = Zeroizing::new(pin.to_owned());
        check_pin_shape(&pin)?;
        if self.is_unlocked() {
            // Encrypted data: the officer's key slot is their PIN's check.
            let outcome = self.check_key_slot(&id, &pin, now_ms)?;
            self.sign_in(id.as_str())?;
            return Ok(outcome);
        }
        let outcome = match self.store.get_meta(&pin_key(&id))? {
            Some(stored) => {
                self.check_not_locked(&id, now_ms)?;
                let hash = PasswordHash::new(&stored).map_err(|e| {
                    VehicleError::Invalid(format!("the stored PIN of {id} is damaged: {e}"))
                })?;
                if Argon2::default()
                    .verify_password(pin.as_bytes(), &hash)
                    .is_err()
                {
                    let failures = self.failures(&id)?.0 + 1;
                    self.store
                        .set_meta(&failures_key(&id), &format!("{failures} {now_ms}"))?;
                    return Err(VehicleError::WrongPin {
                        officer: id.to_string(),
                    });
                }
                self.store.delete_meta(&failures_key(&id))?;
                SignIn::Verified
            }
            None => {
                let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
                let hash = Argon2::default()
                    .hash_password(pin.as_bytes(), &salt)
                    .map_err(|e| VehicleError::Invalid(format!("PIN could not be hashed: {e}")))?;
                self.store.set_meta(&pin_key(&id), &hash.to_string())?;
                SignIn::PinSet
            }
        };
        self.sign_in(id.as_str())?;
        Ok(outcome)
    }

    /// Sets `officer`'s PIN (an officer given a key slot: the PIN that
    /// opens the data is the one sign-in checks).
    pub(crate) fn set_pin(&mut self, id: &OfficerId, pin: &str) -> Result<(), VehicleError> {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let hash = Argon2::default()
            .hash_password(pin.as_bytes(), &salt)
            .map_err(|e| VehicleError::Invalid(format!("PIN could not be hashed: {e}")))?;
        self.store.set_meta(&pin_key(id), &hash.to_string())?;
        self.store.delete_meta(&failures_key(id))?;
        Ok(())
    }

    /// Forgets `officer`'s PIN (their key slot was removed).
    pub(crate) fn forget_pin(&mut self, officer: &str) -> Result<(), VehicleError> {
        let id = OfficerId::new(officer).map_err(VehicleError::Invalid)?;
        self.store.delete_meta(&pin_key(&id))?;
        self.store.delete_meta(&failures_key(&id))?;
        Ok(())
    }

    /// (wrong PINs in a row, time of the last one).
    fn failures(&self, id: &OfficerId) -> Result<(u32, i64), VehicleError> {
        let v = self.store.get_meta(&failures_key(id))?.unwrap_or_default();
        Ok(parse_failures(&v))
    }

    /// Whether `pin` is the PIN this vehicle kept for `id` before its data
    /// was encrypted (false if it kept none).
    pub(crate) fn legacy_pin_matches(
        &self,
        id: &OfficerId,
        pin: &str,
    ) -> Result<bool, VehicleError> {
        let Some(stored) = self.store.get_meta(&pin_key(id))? else {
            return Ok(false);
        };
        let hash = PasswordHash::new(&stored).map_err(|e| {
            VehicleError::Invalid(format!("the stored PIN of {id} is damaged: {e}"))
        })?;
        Ok(Argon2::default()
            .verify_password(pin.as_bytes(), &hash)
            .is_ok())
    }

    fn check_not_locked(&self, id: &OfficerId, now_ms: i64) -> Result<(), VehicleError> {
        check_wait(id.as_str(), self.failures(id)?, now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sign_in_sets_the_pin_and_later_ones_must_match() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut v = Vehicle::open(dir.path()).expect("open");
        assert_eq!(
            v.sign_in_with_pin("OF-1", "2468", 0).expect("first"),
            SignIn::PinSet
        );
        let stored = v.store.get_meta("pin:OF-1").expect("meta").expect("set");
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("2468"));
        v.sign_out().expect("out");
        let err = v.sign_in_with_pin("OF-1", "1357", 1).expect_err("wrong");
        assert_eq!(err.code(), "wrong_pin");
        assert_eq!(v.officer().expect("officer"), None, "not signed in");
        assert_eq!(
            v.sign_in_with_pin("OF-1", "2468", 2).expect("right"),
            SignIn::Verified
        );
        assert_eq!(v.officer().expect("officer").expect("in").as_str(), "OF-1");
        let short = v.sign_in_with_pin("OF-2", "12", 3).expect_err("short");
        assert_eq!(short.code(), "invalid_input");
    }

    #[test]
    fn repeated_wrong_pins_space_out_attempts() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut v = Vehicle::open(dir.path()).expect("open");
        v.sign_in_with_pin("OF-1", "2468", 0).expect("set");
        for n in 0..FREE_ATTEMPTS {
            let e = v
                .sign_in_with_pin("OF-1", "0000", 1_000 + i64::from(n))
                .expect_err("wrong");
            assert_eq!(e.code(), "wrong_pin");
        }
        let locked = v
            .sign_in_with_pin("OF-1", "2468", 2_000)
            .expect_err("locked");
        assert_eq!(locked.code(), "pin_locked", "{locked}");
        let later = 1_000 + i64::from(FREE_ATTEMPTS) + (LOCK_SECS as i64) * 1000;
        assert_eq!(
            v.sign_in_with_pin("OF-1", "2468", later)
                .expect("after wait"),
            SignIn::Verified
        );
        // A success clears the count.
        v.sign_in_with_pin("OF-1", "0000", later + 1)
            .expect_err("wrong");
        v.sign_in_with_pin("OF-1", "2468", later + 2)
            .expect("not locked");
    }
}
