//! The signed record: one Automerge change, signed by the device that made it.
//!
//! Layout (all integers big-endian; see `docs/signed-records.md`):
//! ```text
//! "KREC" | version=1 u8 | kind u8 | doc_id [16] | signer [32] | created_ms i64
//!        | officer_len u16 | officer UTF-8 | payload_len u32 | payload
//!        | signature [64]
//! ```
//! `digest = SHA-256(0x17 || "kordon/signed-record/v1" || everything before the signature)`,
//! `signature = Ed25519(signer, digest)`, and the record's id is `digest`.

use crate::wire::Reader;
use crate::{domain_digest, DeviceKey, PublicKey};
use ed25519_dalek::{Signature, VerifyingKey};
use std::fmt;

pub const RECORD_MAGIC: &[u8; 4] = b"KREC";
pub const RECORD_VERSION: u8 = 1;
pub const RECORD_TAG: &[u8] = b"kordon/signed-record/v1";
/// Largest officer field, in bytes.
pub const MAX_OFFICER: usize = 256;
/// Largest payload (one Automerge change), in bytes.
pub const MAX_PAYLOAD: usize = 4 << 20;
const HEADER: usize = 4 + 1 + 1 + 16 + 32 + 8;

/// What the payload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// One Automerge change (its raw bytes, as Automerge encodes them).
    AutomergeChange = 1,
}

/// A record's id: the digest its signature covers (32 bytes, hex in text).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(pub [u8; 32]);

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({})", &hex::encode(self.0)[..12])
    }
}

/// Why bytes are not a well-formed record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("record truncated: {0}")]
    Truncated(&'static str),
    #[error("not a Kordon record (bad magic)")]
    BadMagic,
    #[error("not a Kordon receipt (bad magic)")]
    NotAReceipt,
    #[error("format version {0} is not supported (this build reads version 1)")]
    UnsupportedVersion(u8),
    #[error("unknown record kind {0}")]
    UnknownKind(u8),
    #[error("officer field is {0} bytes (at most 256)")]
    OfficerTooLong(usize),
    #[error("officer field is not UTF-8")]
    OfficerNotUtf8,
    #[error("payload is {0} bytes (at most 4 MiB)")]
    PayloadTooLarge(usize),
    #[error("{0} unexpected bytes after the signature")]
    TrailingBytes(usize),
}

/// Why a well-formed record is not authentic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("signer key {0} is not a valid ed25519 public key")]
    BadSignerKey(String),
    #[error("signature does not match the record (altered bytes or wrong signer)")]
    BadSignature,
    #[error("signed by server {found}, not by the pinned server {expected}")]
    WrongServer { expected: String, found: String },
}

/// A parsed record. Holds the exact bytes it was parsed from or built as.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRecord {
    bytes: Vec<u8>,
    id: RecordId,
    kind: RecordKind,
    doc_id: [u8; 16],
    signer: PublicKey,
    created_ms: i64,
    officer: String,
    payload: std::ops::Range<usize>,
}

impl fmt::Debug for SignedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRecord")
            .field("id", &self.id)
            .field("signer", &self.signer)
            .field("officer", &self.officer)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

impl SignedRecord {
    /// Builds and signs a record.
    pub fn sign(
        key: &DeviceKey,
        doc_id: [u8; 16],
        officer: &str,
        created_ms: i64,
        payload: &[u8],
    ) -> Result<Self, RecordError> {
        if officer.len() > MAX_OFFICER {
            return Err(RecordError::OfficerTooLong(officer.len()));
        }
        if payload.len() > MAX_PAYLOAD {
            return Err(RecordError::PayloadTooLarge(payload.len()));
        }
        let mut b = Vec::with_capacity(HEADER + 6 + officer.len() + payload.len() + 64);
        b.extend_from_slice(RECORD_MAGIC);
        b.push(RECORD_VERSION);
        b.push(RecordKind::AutomergeChange as u8);
        b.extend_from_slice(&doc_id);
        b.extend_from_slice(key.public().as_bytes());
        b.extend_from_slice(&created_ms.to_be_bytes());
        b.extend_from_slice(&(officer.len() as u16).to_be_bytes());
        b.extend_from_slice(officer.as_bytes());
        b.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        b.extend_from_slice(payload);
        let digest = domain_digest(RECORD_TAG, &b);
        b.extend_from_slice(&key.sign_digest(&digest));
        Self::parse(b)
    }

    /// Parses the structure (no signature check; see [`verify`](Self::verify)).
    pub fn parse(bytes: Vec<u8>) -> Result<Self, RecordError> {
        let mut r = Reader::new(&bytes);
        if r.take(4).ok_or(RecordError::Truncated("magic"))? != RECORD_MAGIC {
            return Err(RecordError::BadMagic);
        }
        let version = r.u8().ok_or(RecordError::Truncated("version"))?;
        if version != RECORD_VERSION {
            return Err(RecordError::UnsupportedVersion(version));
        }
        let kind = match r.u8().ok_or(RecordError::Truncated("kind"))? {
            1 => RecordKind::AutomergeChange,
            k => return Err(RecordError::UnknownKind(k)),
        };
        let doc_id = r
            .array::<16>()
            .ok_or(RecordError::Truncated("document id"))?;
        let signer = PublicKey(r.array::<32>().ok_or(RecordError::Truncated("signer"))?);
        let created_ms = r.i64().ok_or(RecordError::Truncated("time"))?;
        let officer_len = r.u16().ok_or(RecordError::Truncated("officer length"))? as usize;
        if officer_len > MAX_OFFICER {
            return Err(RecordError::OfficerTooLong(officer_len));
        }
        let officer = r
            .take(officer_len)
            .ok_or(RecordError::Truncated("officer"))?;
        let officer = std::str::from_utf8(officer)
            .map_err(|_| RecordError::OfficerNotUtf8)?
            .to_string();
        let payload_len = r.u32().ok_or(RecordError::Truncated("payload length"))? as usize;
        if payload_len > MAX_PAYLOAD {
            return Err(RecordError::PayloadTooLarge(payload_len));
        }
        let start = r.pos();
        r.take(payload_len)
            .ok_or(RecordError::Truncated("payload"))?;
        let payload = start..start + payload_len;
        let body_end = r.pos();
        r.take(64).ok_or(RecordError::Truncated("signature"))?;
        if r.remaining() > 0 {
            return Err(RecordError::TrailingBytes(r.remaining()));
        }
        let id = RecordId(domain_digest(RECORD_TAG, &bytes[..body_end]));
        Ok(SignedRecord {
            bytes,
            id,
            kind,
            doc_id,
            signer,
            created_ms,
            officer,
            payload,
        })
    }

    pub fn id(&self) -> RecordId {
        self.id
    }
    pub fn kind(&self) -> RecordKind {
        self.kind
    }
    pub fn doc_id(&self) -> [u8; 16] {
        self.doc_id
    }
    pub fn signer(&self) -> PublicKey {
        self.signer
    }
    pub fn officer(&self) -> &str {
        &self.officer
    }
    pub fn created_ms(&self) -> i64 {
        self.created_ms
    }
    pub fn payload(&self) -> &[u8] {
        &self.bytes[self.payload.clone()]
    }
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
    fn signature(&self) -> Signature {
        let sig: [u8; 64] = self.bytes[self.bytes.len() - 64..]
            .try_into()
            .unwrap_or([0; 64]);
        Signature::from_bytes(&sig)
    }

    /// Verifies the signature against the signer key carried in the record.
    pub fn verify(&self) -> Result<(), VerifyError> {
        let vk = self
            .signer
            .verifying_key()
            .map_err(|_| VerifyError::BadSignerKey(self.signer.to_string()))?;
        self.verify_with(&vk)
    }

    /// Verifies with an already-decoded key (servers cache enrolled keys).
    pub fn verify_with(&self, vk: &VerifyingKey) -> Result<(), VerifyError> {
        vk.verify_strict(&self.id.0, &self.signature())
            .map_err(|_| VerifyError::BadSignature)
    }
}

/// Verifies many records, each strictly. Returns one result per record, in
/// order; `keys[i]` is the decoded signer of `records[i]`.
///
/// Deliberately not ed25519 batch verification: batch checks use the
/// cofactored equation and accept signatures with a small-order or
/// mixed-order `R` that strict single verification rejects. A server must
/// never receipt a record that a vehicle, `kordon verify` or an independent
/// verifier would reject, so every receiver uses the same strict rule.
pub fn verify_all(
    records: &[&SignedRecord],
    keys: &[VerifyingKey],
) -> Vec<Result<(), VerifyError>> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| match keys.get(i) {
            Some(k) => r.verify_with(k),
            None => r.verify(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> DeviceKey {
        DeviceKey::from_seed(&[42; 32])
    }

    fn record() -> SignedRecord {
        SignedRecord::sign(&key(), [9; 16], "OF-17", 1_700_000_000_000, b"change bytes")
            .expect("sign")
    }

    #[test]
    fn sign_parse_verify_round_trip() {
        let r = record();
        let again = SignedRecord::parse(r.bytes().to_vec()).expect("parse");
        assert_eq!(again, r);
        assert_eq!(again.officer(), "OF-17");
        assert_eq!(again.payload(), b"change bytes");
        assert_eq!(again.signer(), key().public());
        again.verify().expect("verifies");
    }

    #[test]
    fn any_flipped_bit_is_detected() {
        let r = record();
        for i in 0..r.bytes().len() {
            let mut b = r.bytes().to_vec();
            b[i] ^= 0x01;
            // A flip that breaks the structure is refused by `parse`.
            if let Ok(tampered) = SignedRecord::parse(b) {
                assert!(
                    tampered.verify().is_err(),
                    "flip at byte {i} went unnoticed"
                );
            }
        }
    }

    #[test]
    fn substituted_signer_is_refused() {
        let r = record();
        let other = DeviceKey::from_seed(&[1; 32]).public();
        let mut b = r.bytes().to_vec();
        b[22..54].copy_from_slice(other.as_bytes());
        let forged = SignedRecord::parse(b).expect("parse");
        assert_eq!(forged.verify(), Err(VerifyError::BadSignature));
    }

    #[test]
    fn one_forged_record_does_not_sink_its_neighbours() {
        let k = key();
        let mut recs: Vec<SignedRecord> = (0..8)
            .map(|i| SignedRecord::sign(&k, [i; 16], "OF", i as i64, &[i; 10]).expect("sign"))
            .collect();
        let mut bad = recs[3].bytes().to_vec();
        let n = bad.len();
        bad[n - 70] ^= 0xff; // inside the payload
        recs[3] = SignedRecord::parse(bad).expect("parse");
        let refs: Vec<&SignedRecord> = recs.iter().collect();
        let keys = vec![k.public().verifying_key().expect("key"); 8];
        let res = verify_all(&refs, &keys);
        for (i, r) in res.iter().enumerate() {
            assert_eq!(r.is_ok(), i != 3, "record {i}: {r:?}");
        }
    }

    #[test]
    fn malformed_bytes_get_typed_errors() {
        assert_eq!(
            SignedRecord::parse(vec![]),
            Err(RecordError::Truncated("magic"))
        );
        assert_eq!(
            SignedRecord::parse(b"XXXX".to_vec()),
            Err(RecordError::BadMagic)
        );
        assert_eq!(
            SignedRecord::parse(b"KREC\x02".to_vec()),
            Err(RecordError::UnsupportedVersion(2))
        );
        let mut b = record().into_bytes();
        b.push(0);
        assert_eq!(SignedRecord::parse(b), Err(RecordError::TrailingBytes(1)));
    }

    #[test]
    fn regression_corpus_is_refused_cleanly() {
        for (name, bytes) in kordon_test_support::regressions("record") {
            // Refused either as malformed or as not authentic.
            let verdict = SignedRecord::parse(bytes).map(|r| r.verify());
            assert!(
                !matches!(verdict, Ok(Ok(()))),
                "record regression {name} was accepted"
            );
        }

        for (name, bytes) in kordon_test_support::regressions("receipt") {
            assert!(
                crate::Receipt::parse(&bytes).is_err(),
                "receipt regression {name} was accepted"
            );
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = SignedRecord::parse(bytes);
        }


        #[test]
        fn parse_never_panics_on_mutated_records(pos in 0usize..200, val in any::<u8>(), cut in 0usize..200) {
            let mut b = record().into_bytes();
            let p = pos % b.len();
            b[p] = val;
            b.truncate(b.len() - cut.min(b.len()));
            if let Ok(r) = SignedRecord::parse(b) { let _ = r.verify(); }
        }

        #[test]
        fn every_signed_record_verifies(officer in "\\PC{0,40}", payload in proptest::collection::vec(any::<u8>(), 0..200), t in any::<i64>()) {
            let r = SignedRecord::sign(&key(), [3; 16], &officer, t, &payload).expect("sign");
            prop_assert!(r.verify().is_ok());
            prop_assert_eq!(r.officer(), officer.as_str());
        }
    }
}
