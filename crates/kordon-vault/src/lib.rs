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
        let key: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::Damaged("a wrapped key is not 32 bytes".into()))?;
        Ok(DataKey::from_bytes(key))
    }

    /// The SQLCipher key of the database, as the `x'…'` literal its
    /// `PRAGMA key` takes (raw key, no passphrase derivation).
    pub fn database_key(&self) -> Zeroizing<String> {
        let k = self.derive("kordon 2026-12 database");
        Zeroizing::new(format!("x'{}'", hex::encode(k.as_slice())))
    }
}
