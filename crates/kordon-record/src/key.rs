//! Device identity: an ed25519 key pair per device (vehicle or server).

use ed25519_dalek::{SigningKey, VerifyingKey};
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::str::FromStr;
use zeroize::Zeroizing;

/// A device's public key (ed25519, 32 bytes). Displayed as lower-case hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKey(pub [u8; 32]);

impl PublicKey {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    /// The dalek key, if these bytes are a valid, non-weak curve point.
    pub fn verifying_key(&self) -> Result<VerifyingKey, KeyError> {
        let vk = VerifyingKey::from_bytes(&self.0).map_err(|_| KeyError::InvalidPublicKey)?;
        if vk.is_weak() {
            return Err(KeyError::WeakPublicKey);
        }
        // RFC 8032 requires the canonical encoding (y < p); dalek decodes a
        // non-canonical one silently, which independent verifiers reject.
        if vk.to_edwards().compress().to_bytes() != self.0 {
            return Err(KeyError::InvalidPublicKey);
        }
        Ok(vk)
    }
    /// First 8 hex digits, for logs and screens.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..4])
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.short())
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = hex::decode(s).map_err(|_| KeyError::InvalidPublicKey)?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| KeyError::InvalidPublicKey)?;
        Ok(PublicKey(arr))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key file {path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("key file {path} is corrupt: expected 32 bytes, found {len}")]
    Corrupt { path: String, len: usize },
    #[error("key file {path} is readable by others (mode {mode:o}); it must be owner-only (0600)")]
    TooOpen { path: String, mode: u32 },
    #[error("not a valid ed25519 public key")]
    InvalidPublicKey,
    #[error("weak (small-order) ed25519 public key")]
    WeakPublicKey,
}

/// A device's secret signing key. Zeroized on drop; `Debug` shows only the
/// public half.
pub struct DeviceKey(SigningKey);

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DeviceKey(public={}, secret=<redacted>)",
            self.public().short()
        )
    }
}

impl DeviceKey {
    pub fn generate() -> Self {
        DeviceKey(SigningKey::generate(&mut rand::rngs::OsRng))
    }

    pub fn from_seed(seed: &[u8; 32]) -> Self {
        DeviceKey(SigningKey::from_bytes(seed))
    }

    /// The 32-byte secret seed (to store it sealed).
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Signs a 32-byte digest (pure Ed25519 over the digest bytes).
    pub fn sign_digest(&self, digest: &[u8; 32]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.0.sign(digest).to_bytes()
    }

    /// Signs a message of any length (pure Ed25519): the TLS handshake's
    /// signature and the device certificate's, made here so that the TLS
    /// layer never holds the key.
    pub fn sign_message(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.0.sign(message).to_bytes()
    }

    /// The key as PKCS#8 v2 DER, for building the TLS certificate.
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        match self.0.to_pkcs8_der() {
            Ok(doc) => Zeroizing::new(doc.as_bytes().to_vec()),
            // Encoding a valid in-memory key cannot fail; an empty document
            // makes the TLS layer report a clear error instead of panicking.
            Err(_) => Zeroizing::new(Vec::new()),
        }
    }

    /// Loads the key at `path`, or creates it (owner-only, written
    /// atomically and fsynced) on first run. Refuses a key file that others
    /// can read.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let p = path.display().to_string();
        let io = |error| KeyError::Io {
            path: p.clone(),
            error,
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                let bytes = Zeroizing::new(bytes);
                check_owner_only(path).map_err(|e| match e {
                    Ok(mode) => KeyError::TooOpen {
                        path: p.clone(),
                        mode,
                    },
                    Err(error) => KeyError::Io {
                        path: p.clone(),
                        error,
                    },
                })?;
                let seed: [u8; 32] =
                    bytes.as_slice().try_into().map_err(|_| KeyError::Corrupt {
                        path: p.clone(),
                        len: bytes.len(),
                    })?;
                let seed = Zeroizing::new(seed);
                Ok(DeviceKey::from_seed(&seed))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = DeviceKey::generate();
                write_owner_only(path, key.0.as_bytes()).map_err(io)?;
                Ok(key)
            }
            Err(e) => Err(io(e)),
        }
    }
}

/// `Ok(())` if only the owner may read the file; `Err(Ok(mode))` if others
/// can; `Err(Err(io))` if it cannot be inspected.
fn check_owner_only(path: &Path) -> Result<(), Result<u32, std::io::Error>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(Err)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Ok(mode));
        }
    }
    let _ = path;
    Ok(())
}

/// Writes `bytes` to `path` with mode 0600: temp file, fsync, rename, fsync dir.
pub fn write_owner_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let k = DeviceKey::from_seed(&[7; 32]);
        let dbg = format!("{k:?}");
        assert!(dbg.contains("redacted"));
        assert!(!dbg.contains(&hex::encode([7u8; 32])));
    }

    #[test]
    fn created_once_then_loaded_with_owner_only_mode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("device.key");
        let a = DeviceKey::load_or_create(&path).expect("create");
        let b = DeviceKey::load_or_create(&path).expect("load");
        assert_eq!(a.public(), b.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            assert!(matches!(
                DeviceKey::load_or_create(&path),
                Err(KeyError::TooOpen { .. })
            ));
        }
    }

    #[test]
    fn corrupt_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("device.key");
        write_owner_only(&path, b"short").expect("write");
        assert!(matches!(
            DeviceKey::load_or_create(&path),
            Err(KeyError::Corrupt { len: 5, .. })
        ));
    }

    #[test]
    fn non_canonical_key_encodings_are_refused() {
        // y = p + 3 (p = 2^255 - 19): decodes modulo p, but is not canonical.
        let mut y = [0xffu8; 32];
        y[0] = 0xed + 3;
        y[31] = 0x7f;
        assert!(
            VerifyingKey::from_bytes(&y).is_ok(),
            "dalek alone accepts it"
        );
        assert!(matches!(
            PublicKey(y).verifying_key(),
            Err(KeyError::InvalidPublicKey)
        ));

        let honest = DeviceKey::generate().public();
        assert!(honest.verifying_key().is_ok());
    }

    #[test]
    fn public_key_hex_round_trip() {
        let k = DeviceKey::generate().public();
        assert_eq!(k.to_string().parse::<PublicKey>().expect("parse"), k);
        assert!("zz".parse::<PublicKey>().is_err());
    }
}
