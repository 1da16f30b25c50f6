//! The receipt: the server's signed statement that it stored a record.
//!
//! Layout (big-endian; see `docs/signed-records.md`):
//! ```text
//! "KRCP" | version=1 u8 | record_id [32] | server [32] | seq u64 | received_ms i64 | signature [64]
//! ```
//! `signature = Ed25519(server, SHA-256(0x11 || "kordon/receipt/v1" || body))`.

use crate::wire::Reader;
use crate::{domain_digest, DeviceKey, PublicKey, RecordError, RecordId, VerifyError};

pub const RECEIPT_MAGIC: &[u8; 4] = b"KRCP";
pub const RECEIPT_TAG: &[u8] = b"kordon/receipt/v1";
pub const RECEIPT_LEN: usize = 4 + 1 + 32 + 32 + 8 + 8 + 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub record_id: RecordId,
    pub server: PublicKey,
    /// The server's sequence number for the record (its position in the
    /// central log).
    pub seq: u64,
    pub received_ms: i64,
    pub signature: [u8; 64],
}

impl Receipt {
    fn body(record_id: &RecordId, server: &PublicKey, seq: u64, received_ms: i64) -> Vec<u8> {
        let mut b = Vec::with_capacity(RECEIPT_LEN);
        b.extend_from_slice(RECEIPT_MAGIC);
        b.push(1);
        b.extend_from_slice(&record_id.0);
        b.extend_from_slice(server.as_bytes());
        b.extend_from_slice(&seq.to_be_bytes());
        b.extend_from_slice(&received_ms.to_be_bytes());
        b
    }

    pub fn sign(key: &DeviceKey, record_id: RecordId, seq: u64, received_ms: i64) -> Self {
        let server = key.public();
        let digest = domain_digest(
            RECEIPT_TAG,
            &Self::body(&record_id, &server, seq, received_ms),
        );
        Receipt {
            record_id,
            server,
            seq,
            received_ms,
            signature: key.sign_digest(&digest),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = Self::body(&self.record_id, &self.server, self.seq, self.received_ms);
        b.extend_from_slice(&self.signature);
        b
    }

    pub fn parse(bytes: &[u8]) -> Result<Self, RecordError> {
        let mut r = Reader::new(bytes);
        if r.take(4).ok_or(RecordError::Truncated("magic"))? != RECEIPT_MAGIC {
            return Err(RecordError::NotAReceipt);
        }
        let v = r.u8().ok_or(RecordError::Truncated("version"))?;
        if v != 1 {
            return Err(RecordError::UnsupportedVersion(v));
        }
        let record_id = RecordId(r.array().ok_or(RecordError::Truncated("record id"))?);
        let server = PublicKey(r.array().ok_or(RecordError::Truncated("server key"))?);
        let seq = r.u64().ok_or(RecordError::Truncated("seq"))?;
        let received_ms = r.i64().ok_or(RecordError::Truncated("time"))?;
        let signature = r.array().ok_or(RecordError::Truncated("signature"))?;
        if r.remaining() > 0 {
            return Err(RecordError::TrailingBytes(r.remaining()));
        }
        Ok(Receipt {
            record_id,
            server,
            seq,
            received_ms,
            signature,
        })
    }

    /// Verifies the receipt was signed by `expected_server` (the pinned key).
    pub fn verify(&self, expected_server: &PublicKey) -> Result<(), VerifyError> {
        crate::verify_server_signed(
            &self.server,
            expected_server,
            RECEIPT_TAG,
            &Self::body(&self.record_id, &self.server, self.seq, self.received_ms),
            &self.signature,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn receipt_round_trip_and_pinning() {
        let server = DeviceKey::from_seed(&[5; 32]);
        let r = Receipt::sign(&server, RecordId([1; 32]), 77, 123);
        let parsed = Receipt::parse(&r.to_bytes()).expect("parse");
        assert_eq!(parsed, r);
        parsed.verify(&server.public()).expect("verifies");
        let impostor = DeviceKey::from_seed(&[6; 32]).public();
        assert!(matches!(
            parsed.verify(&impostor),
            Err(VerifyError::WrongServer { .. })
        ));
        // Any change to the signed part (record id, seq, time) or to the
        // signature is detected; bytes 37..69 are the server key (pinning).
        for i in (5..37).chain(69..RECEIPT_LEN) {
            let mut b = r.to_bytes();
            b[i] ^= 1;
            let tampered = Receipt::parse(&b).expect("parse");
            assert_eq!(
                tampered.verify(&server.public()),
                Err(VerifyError::BadSignature),
                "byte {i}"
            );
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Receipt::parse(&bytes);
        }
    }
}
