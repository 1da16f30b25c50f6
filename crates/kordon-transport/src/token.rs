//! Enrollment tokens: what an operator carries from the server to a vehicle.
//!
//! `KORDON1-` followed by base64url (no padding) of a JSON object:
//! `{"addr": "host:port", "fp": hex SHA-256 of the server certificate,
//!   "key": hex server public key, "unit": name, "secret": hex 32 bytes}`.
//! The secret is single-use and expires; the fingerprint is pinned.

use base64::Engine;
use kordon_record::PublicKey;
use serde::{Deserialize, Serialize};

const PREFIX: &str = "KORDON1-";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentToken {
    /// Where vehicles reach the server (`host:port`).
    pub addr: String,
    /// SHA-256 of the server certificate, hex.
    pub fp: String,
    /// The server's signing key (receipts), hex.
    pub key: String,
    /// The unit this device is enrolled as.
    pub unit: String,
    /// The one-time secret, hex.
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not an enrollment token (it must start with {PREFIX})")]
    Prefix,
    #[error("enrollment token is damaged (check it was copied whole): {0}")]
    Damaged(String),
}

impl EnrollmentToken {
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
        )
    }

    pub fn decode(s: &str) -> Result<Self, TokenError> {
        let body = s.trim().strip_prefix(PREFIX).ok_or(TokenError::Prefix)?;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|e| TokenError::Damaged(e.to_string()))?;
        let t: EnrollmentToken =
            serde_json::from_slice(&json).map_err(|e| TokenError::Damaged(e.to_string()))?;
        t.fingerprint()?;
        t.server_key()?;
        t.secret_bytes()?;
        Ok(t)
    }

    pub fn fingerprint(&self) -> Result<[u8; 32], TokenError> {
        hex::decode(&self.fp)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| TokenError::Damaged("bad certificate fingerprint".into()))
    }

    pub fn server_key(&self) -> Result<PublicKey, TokenError> {
        self.key
            .parse()
            .map_err(|_| TokenError::Damaged("bad server key".into()))
    }

    pub fn secret_bytes(&self) -> Result<Vec<u8>, TokenError> {
        hex::decode(&self.secret)
            .ok()
            .filter(|b| b.len() == 32)
            .ok_or_else(|| TokenError::Damaged("bad secret".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_corpus_is_refused_cleanly() {
        for (name, bytes) in kordon_test_support::regressions("token") {
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                EnrollmentToken::decode(&text).is_err(),
                "token regression {name} was accepted"
            );
        }
    }

    #[test]
    fn round_trip_and_damage_detection() {
        let t = EnrollmentToken {
            addr: "127.0.0.1:4433".into(),
            fp: hex::encode([1u8; 32]),
            key: hex::encode([2u8; 32]),
            unit: "MOBILE-3".into(),
            secret: hex::encode([3u8; 32]),
        };
        let s = t.encode();
        assert_eq!(EnrollmentToken::decode(&s), Ok(t));
        assert_eq!(EnrollmentToken::decode("hello"), Err(TokenError::Prefix));
        assert!(matches!(
            EnrollmentToken::decode(&s[..s.len() - 5]),
            Err(TokenError::Damaged(_))
        ));
    }
}
