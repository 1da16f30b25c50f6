//! Device keys, signed records and receipts.
//!
//! Every Automerge change travels inside a [`SignedRecord`]: the change
//! bytes, the signer's ed25519 public key, the officer, and a signature over
//! a domain-separated SHA-256 digest. The server answers each accepted
//! record with a signed [`Receipt`]. The byte formats are specified in
//! `docs/signed-records.md`; this crate is the reference implementation.
//!
//! - [`key`]: [`DeviceKey`] (secret, zeroized, redacted in `Debug`, stored
//!   owner-only) and [`PublicKey`].
//! - [`record`]: the record format, signing, strict verification.
//! - [`receipt`]: the receipt format.
//! - [`checkpoint`]: the log checkpoint the server signs.
//! - [`statement`]: the server's other signed statements in exports: an
//!   inspection's complete record set, and a device's register entry.

pub mod checkpoint;
pub mod key;
mod note;
pub mod receipt;
pub mod record;
pub mod statement;
mod wire;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use key::{DeviceKey, KeyError, PublicKey};
pub use receipt::Receipt;
pub use record::{verify_all, RecordError, RecordId, RecordKind, SignedRecord, VerifyError};
pub use statement::{DeviceEntry, RecordSet, StatementError};

/// Checks a statement the server signed: that `server` is the `expected`
/// (pinned) key, and its strict Ed25519 signature over the domain digest.
pub(crate) fn verify_server_signed(
    server: &PublicKey,
    expected: &PublicKey,
    tag: &[u8],
    body: &[u8],
    signature: &[u8; 64],
) -> Result<(), VerifyError> {
    if server != expected {
        return Err(VerifyError::WrongServer {
            expected: expected.to_string(),
            found: server.to_string(),
        });
    }
    let vk = server
        .verifying_key()
        .map_err(|_| VerifyError::BadSignerKey(server.to_string()))?;
    vk.verify_strict(
        &domain_digest(tag, body),
        &ed25519_dalek::Signature::from_bytes(signature),
    )
    .map_err(|_| VerifyError::BadSignature)
}

/// SHA-256 of `len(tag) || tag || body`: the digest every signature covers.
pub(crate) fn domain_digest(tag: &[u8], body: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update([tag.len() as u8]);
    h.update(tag);
    h.update(body);
    h.finalize().into()
}
