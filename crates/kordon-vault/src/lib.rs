//! Data at rest on a vehicle: the data key, the key slots that hold it,
//! and the sealed file format.
//!
//! A vehicle's data folder is encrypted under one random **data key**
//! ([`DataKey`]). The key is never on disk in plain: [`KeySlots`] hold it
//! wrapped once per officer under a key derived from the officer's PIN
//! (Argon2id). From the data key come, by BLAKE3 key derivation, the key
//! of the SQLite database (SQLCipher) and the key of every other file
//! ([`Seal`]): scan originals, tile pyramids, the ANPR spool and the
//! device's signing key, each sealed in chunks so that a tile or a byte
//! range reads without decrypting the whole file. `docs/security.md` is
//! the threat model.
//!
//! No I/O beyond the files named; no SQL (the store applies the database
//! key it is given).

mod sealed;
mod slots;

pub use sealed::{
    is_sealed_file, plain_len, sealed_len, AtRestFile, AtRestWriter, Seal, CHUNK, HEADER_LEN,
    MAGIC, VERSION,
};
pub use slots::{KdfCost, KeySlots, SLOTS_FILE, SLOTS_FORMAT};

use rand::RngCore;
use zeroize::Zeroizing;

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
    #[error("the key slots are damaged: {0}")]
    Damaged(String),
    #[error("{0}")]
    Io(String),
}

/// The vehicle's data key: 32 random bytes, wiped from memory when dropped.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({})", self.id())
    }
}

impl DataKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(&mut *k);
        DataKey(k)
    }

    /// A key from its bytes (fixed keys for tests and fuzzing; a vehicle's
    /// key comes from [`KeySlots`]).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DataKey(Zeroizing::new(bytes))
    }

    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// A key for one purpose, derived from this one.
    pub(crate) fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(blake3::derive_key(purpose, &*self.0))
    }

    /// A public name of this key (a hash; reveals nothing of it).
    pub fn id(&self) -> String {
        hex::encode(&self.derive("kordon 2026-12 data key id")[..8])
    }

    /// The SQLCipher key of the database, as the `x'…'` literal its
    /// `PRAGMA key` takes (raw key, no passphrase derivation).
    pub fn database_key(&self) -> Zeroizing<String> {
        let k = self.derive("kordon 2026-12 database");
        Zeroizing::new(format!("x'{}'", hex::encode(k.as_slice())))
    }
}
