//! Enrollment tokens: what an operator carries from the server to a vehicle.
//!
//! `KORDON1-` followed by base64url (no padding) of a JSON object:
//! `{"addr": "host:port", "fp": hex SHA-256 of the server certificate,
//!   "key": hex server public key, "unit": name, "secret": hex 32 bytes,
//!   "also": ["host:port", ...]}`.
//! The secret is single-use and expires; the fingerprint is pinned.
//! `also` (left out when empty) lists more addresses of the same server
//! (another process of the centre, another network path): a vehicle tries
//! them all in turn (`addr` first, until one has answered: then that one
//! first). A vehicle that predates it reads `addr` alone.

use base64::Engine;
use kordon_record::PublicKey;
use serde::{Deserialize, Serialize};

const PREFIX: &str = "KORDON1-";

/// Most addresses one token carries (`addr` and `also` together): each
/// unreachable one costs the vehicle a connection timeout.
pub const MAX_TOKEN_ADDRS: usize = 8;
/// Most characters the addresses take together, so that the token still
/// fits the QR code a crew scans from the console.
pub const MAX_TOKEN_ADDRS_LEN: usize = 600;

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
    /// More addresses of the same server, tried in turn after `addr`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
}

/// What is wrong with a server's addresses as a token would carry them
/// (none, more than [`MAX_TOKEN_ADDRS`], one not `host:port`), if anything.
pub fn addresses_problem(addrs: &[&str]) -> Option<String> {
    if addrs.is_empty() {
        return Some("no server address".into());
    }
    if addrs.len() > MAX_TOKEN_ADDRS {
        return Some(format!(
            "{} server addresses (at most {MAX_TOKEN_ADDRS})",
            addrs.len()
        ));
    }
    let total: usize = addrs.iter().map(|a| a.len()).sum();
    if total > MAX_TOKEN_ADDRS_LEN {
        return Some(format!(
            "the server addresses take {total} characters together (at most {MAX_TOKEN_ADDRS_LEN})"
        ));
    }
    addrs.iter().find_map(|a| {
        let port = a.rsplit_once(':').map(|(host, p)| (host, p.parse::<u16>()));
        let fine = !a.chars().any(|c| c.is_control() || c.is_whitespace())
            && matches!(port, Some((host, Ok(_))) if !host.is_empty() && host.len() <= 255);
        (!fine).then(|| format!("server address {a:?} is not host:port"))
    })
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
        t.check_addresses()?;
        Ok(t)
    }

    /// The server's addresses, each once: `addr`, then `also` in order
    /// (a vehicle tries them in this order until one has answered, and
    /// that one first from then on).
    pub fn addresses(&self) -> Vec<&str> {
        let mut out: Vec<&str> = vec![];
        for a in std::iter::once(&self.addr).chain(&self.also) {
            let a = a.trim();
            if !a.is_empty() && !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }

    /// Refuses a token with no address, too many, or one that is not
    /// `host:port`.
    pub fn check_addresses(&self) -> Result<(), TokenError> {
        match addresses_problem(&self.addresses()) {
            Some(problem) => Err(TokenError::Damaged(problem)),
            None => Ok(()),
        }
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
            also: vec![],
        };
        let s = t.encode();
        assert_eq!(EnrollmentToken::decode(&s), Ok(t));
        assert_eq!(EnrollmentToken::decode("hello"), Err(TokenError::Prefix));
        assert!(matches!(
            EnrollmentToken::decode(&s[..s.len() - 5]),
            Err(TokenError::Damaged(_))
        ));
    }

    /// Several addresses: kept in order, each once; a token without them
    /// (as older servers make) reads as before; too many, or one that is
    /// not host:port, is refused.
    #[test]
    fn more_addresses_are_tried_in_order_and_checked() {
        let mut t = EnrollmentToken {
            addr: "10.0.0.1:4433".into(),
            fp: hex::encode([1u8; 32]),
            key: hex::encode([2u8; 32]),
            unit: "MOBILE-3".into(),
            secret: hex::encode([3u8; 32]),
            also: vec![
                "10.0.0.2:4433".into(),
                "10.0.0.1:4433".into(),
                "centre.example:4433".into(),
            ],
        };
        let back = EnrollmentToken::decode(&t.encode()).expect("decode");
        assert_eq!(
            back.addresses(),
            ["10.0.0.1:4433", "10.0.0.2:4433", "centre.example:4433"]
        );
        // Without `also`, the JSON is what it was.
        let old = EnrollmentToken {
            also: vec![],
            ..t.clone()
        };
        let json = String::from_utf8(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(old.encode().trim_start_matches(PREFIX))
                .expect("b64"),
        )
        .expect("utf8");
        assert!(!json.contains("also"), "{json}");

        t.also = (0..MAX_TOKEN_ADDRS)
            .map(|i| format!("10.1.0.{i}:4433"))
            .collect();
        assert!(matches!(
            EnrollmentToken::decode(&t.encode()),
            Err(TokenError::Damaged(r)) if r.contains("at most")
        ));
        // A long name is fine; names that together overflow the QR code
        // are not.
        let long = format!("{}.example:4433", "a".repeat(245));
        t.also = vec![long.clone(), "[::1]:4433".into()];
        assert!(EnrollmentToken::decode(&t.encode()).is_ok());
        t.also = vec![long.clone(), long.replace('a', "b"), long.replace('a', "c")];
        assert!(matches!(
            EnrollmentToken::decode(&t.encode()),
            Err(TokenError::Damaged(r)) if r.contains("characters together")
        ));
        for bad in ["10.0.0.2", "10.0.0.2:http", "a\nb:1", ":99999"] {
            t.also = vec![bad.into()];
            assert!(
                EnrollmentToken::decode(&t.encode()).is_err(),
                "{bad:?} accepted"
            );
        }
    }
}
