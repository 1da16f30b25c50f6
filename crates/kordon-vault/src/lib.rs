//! Data at rest on a vehicle: the data key, the key slots that hold it,
//! and the sealed file format.
//!
//! A vehicle's data folder is encrypted under one random **data key**
//! ([`DataKey`]). The key is never on disk in plain: [`KeySlots`] hold it
//! wrapped once per officer under a key derived from the officer's PIN
//! (Argon2id) and, where the machine has a TPM 2.0, a secret sealed in it
//! ([`Machine`]). From the data key come, by BLAKE3 key derivation, the key
//! of the SQLite database (SQLCipher) and the key of every other file
//! ([`Seal`]): scan originals, tile pyramids, the ANPR spool and the
//! device's signing key, each sealed in chunks so that a tile or a byte
//! range reads without decrypting the whole file. Every key kept beyond
//! one call is held in a [`Locked`] page (locked in RAM, wiped when
//! dropped). `docs/security.md` is the threat model.
//!
//! No I/O beyond the files named; no SQL (the store applies the database
//! key it is given).

mod locked;
mod machine;
mod sealed;
mod slots;
#[cfg(feature = "test-machines")]
mod soft_machines;
#[cfg(feature = "test-machines")]
pub use soft_machines::{SoftKeyring, SoftTpm};

pub use locked::{Locked, Wipe};
pub use machine::{machine_answers, Machine};

pub use sealed::{
    is_sealed_file, plain_len, sealed_len, AtRestFile, AtRestWriter, Seal, CHUNK, HEADER_LEN,
    MAGIC, VERSION,
};
pub use slots::{KdfCost, KeySlots, SlotPolicy, SLOTS_FILE, SLOTS_FORMAT};

use rand::RngCore;
use std::sync::{Arc, Once};
use zeroize::{Zeroize, Zeroizing};

/// What can go wrong with keys.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("wrong PIN")]
    WrongPin,
    #[error("this officer has no key on this vehicle")]
    NoSlot,
    #[error("the last officer's key cannot be removed: add another officer first")]
    LastSlot,
    #[error("this data folder is encrypted already")]
    Exists,
    #[error("this vehicle's keys are bound to its own laptop's TPM or desktop keyring, which cannot be reached here ({0}): a copy of the disk opens nothing on another machine")]
    NoMachine(String),
    #[error("this vehicle's keys were bound to another machine's TPM or keyring ({0}): a copy of the disk opens nothing here")]
    OtherMachine(String),
    #[error("the key slots are damaged: {0}")]
    Damaged(String),
    #[error("{0}")]
    Io(String),
}

/// The vehicle's data key: 32 random bytes in a memory page of their own,
/// locked in RAM (never swapped, where the process may lock a page) and
/// wiped when the last copy of the key is dropped. A process that holds
/// one is made non-dumpable ([`guard_process`]).
#[derive(Clone)]
pub struct DataKey(Arc<Locked<[u8; 32]>>);

/// Keeps this process's memory out of core dumps and away from other
/// processes of the same user (`PR_SET_DUMPABLE` 0: no core file, no
/// `ptrace`, no `/proc/PID/mem`). Done once, when a key is first held.
pub fn guard_process() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ =
            rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    });
}

/// Whether the data key's page could be locked in RAM (the process's
/// `RLIMIT_MEMLOCK` allows a few pages on most systems).
pub fn key_memory_locked(key: &DataKey) -> bool {
    key.0.is_locked()
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({})", self.id())
    }
}

impl DataKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut held = Locked::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(held.get_mut());
        DataKey(Arc::new(held))
    }

    /// A key from its bytes (fixed keys for tests and fuzzing; a vehicle's
    /// key comes from [`KeySlots`]).
    pub fn from_bytes(mut bytes: [u8; 32]) -> Self {
        let held = Locked::copy_of(&bytes);
        bytes.zeroize();
        DataKey(Arc::new(held))
    }

    pub(crate) fn expose(&self) -> &[u8; 32] {
        self.0.get()
    }

    /// A key for one purpose, derived from this one, for one call.
    pub(crate) fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(blake3::derive_key(purpose, self.expose()))
    }

    /// A key for one purpose, derived from this one, to keep: in a locked
    /// page of its own.
    pub(crate) fn derive_locked(&self, purpose: &str) -> Locked<[u8; 32]> {
        Locked::copy_of(&self.derive(purpose))
    }

    /// A public name of this key (a hash; reveals nothing of it).
    pub fn id(&self) -> String {
        hex::encode(&self.derive("kordon 2026-12 data key id")[..8])
    }

    /// `other` encrypted under this key (hex), for a rotation of the data
    /// key that must survive a cut: the new key is kept wrapped under the
    /// old one until every file is under the new.
    pub fn wrap(&self, other: &DataKey) -> String {
        use chacha20poly1305::aead::{Aead, KeyInit};
        let kek = self.derive("kordon 2026-12 key wrap");
        let cipher = chacha20poly1305::XChaCha20Poly1305::new((&*kek).into());
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(&nonce.into(), other.expose().as_slice())
            .unwrap_or_default();
        format!("{}{}", hex::encode(nonce), hex::encode(sealed))
    }

    /// The key [`wrap`](Self::wrap) wrapped under this one.
    pub fn unwrap(&self, wrapped: &str) -> Result<DataKey, VaultError> {
        use chacha20poly1305::aead::{Aead, KeyInit};
        let bytes = hex::decode(wrapped.trim())
            .map_err(|_| VaultError::Damaged("a wrapped key is not hex".into()))?;
        if bytes.len() != 24 + 32 + 16 {
            return Err(VaultError::Damaged(
                "a wrapped key has the wrong length".into(),
            ));
        }
        let kek = self.derive("kordon 2026-12 key wrap");
        let cipher = chacha20poly1305::XChaCha20Poly1305::new((&*kek).into());
        let nonce: [u8; 24] = bytes[..24]
            .try_into()
            .map_err(|_| VaultError::Damaged("a wrapped key has no nonce".into()))?;
        let plain = Zeroizing::new(
            cipher
                .decrypt(&nonce.into(), &bytes[24..])
                .map_err(|_| VaultError::WrongPin)?,
        );
        let mut key: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::Damaged("a wrapped key is not 32 bytes".into()))?;
        let held = DataKey::from_bytes(key);
        key.zeroize();
        Ok(held)
    }

    /// The SQLCipher key of the database, as the `x'…'` literal its
    /// `PRAGMA key` takes (raw key, no passphrase derivation).
    pub fn database_key(&self) -> Zeroizing<String> {
        let k = self.derive("kordon 2026-12 database");
        let mut digits = Zeroizing::new([0u8; 64]);
        let mut literal = Zeroizing::new(String::with_capacity(67));
        if hex::encode_to_slice(k.as_slice(), digits.as_mut_slice()).is_ok() {
            literal.push_str("x'");
            literal.extend(digits.iter().map(|&d| char::from(d)));
            literal.push('\'');
        }
        literal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_key_is_locked_in_ram_and_keeps_the_process_out_of_core_dumps() {
        let key = DataKey::generate();
        let copy = key.clone();
        // How much is locked, and for how long: tests/locked_memory.rs.
        assert!(key_memory_locked(&key), "RLIMIT_MEMLOCK allows one page");
        assert_eq!(
            rustix::process::dumpable_behavior().expect("prctl"),
            rustix::process::DumpableBehavior::NotDumpable
        );
        // A clone shares the page: dropping one keeps the other's key.
        drop(key);
        assert_eq!(copy.id(), DataKey::from_bytes(*copy.expose()).id());
    }

    #[test]
    fn the_database_key_is_its_raw_key_literal() {
        let key = DataKey::from_bytes([3; 32]);
        let literal = key.database_key();
        let expected = format!("x'{}'", hex::encode(*key.derive("kordon 2026-12 database")));
        assert_eq!(literal.as_str(), expected);
        assert_eq!(literal.capacity(), 67, "built without growing");
    }

    #[test]
    fn a_key_kept_is_the_key_derived_for_one_call() {
        let key = DataKey::generate();
        let kept = key.derive_locked("kordon 2026-12 sealed files");
        assert!(kept.is_locked());
        assert_eq!(kept.get(), &*key.derive("kordon 2026-12 sealed files"));
        assert_ne!(kept.get(), &*key.derive("kordon 2026-12 database"));
    }
}
