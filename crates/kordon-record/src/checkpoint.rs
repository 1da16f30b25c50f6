//! The log checkpoint: the server's signed statement of its log's size and
//! tree head at a time (`docs/transparency-log.md`). Text, one field a
//! line, in the manner of the C2SP checkpoint and signed-note formats:
//!
//! ```text
//! kordon/<server key, 64 hex>
//! <tree size, decimal>
//! <tree head, 64 hex>
//! <time, Unix ms, decimal>
//!
//! — kordon/<server key, 64 hex> <signature, 128 hex>
//! ```
//! The body is the first four lines, each ended by `\n`; the signature is
//! `Ed25519(server, SHA-256(0x14 || "kordon/checkpoint/v1" || body))` (0x14: the
//! tag's length, as for records and receipts).
//! Parsing is strict: exactly this layout, lower-case hex, no leading
//! zeros, nothing after the signature line.

use crate::{domain_digest, DeviceKey, PublicKey, VerifyError};

pub const CHECKPOINT_TAG: &[u8] = b"kordon/checkpoint/v1";

/// A signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub server: PublicKey,
    pub size: u64,
    pub head: [u8; 32],
    pub at_ms: i64,
    pub signature: [u8; 64],
}

/// Why a checkpoint's text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Kordon checkpoint: {0}")]
pub struct CheckpointError(pub String);

fn origin(server: &PublicKey) -> String {
    format!("kordon/{}", hex::encode(server.as_bytes()))
}

fn body(server: &PublicKey, size: u64, head: &[u8; 32], at_ms: i64) -> String {
    format!(
        "{}\n{size}\n{}\n{at_ms}\n",
        origin(server),
        hex::encode(head)
    )
}

pub(crate) fn decimal<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, CheckpointError> {
    let canonical = !s.is_empty()
        && s.bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'))
        && (s == "0" || !(s.starts_with('0') || s.starts_with("-0")));
    if !canonical {
        return Err(CheckpointError(format!(
            "{what} {s:?} is not a canonical decimal"
        )));
    }
    s.parse()
        .map_err(|_| CheckpointError(format!("{what} {s:?} is out of range")))
}

pub(crate) fn hex_exact<const N: usize>(s: &str, what: &str) -> Result<[u8; N], CheckpointError> {
    if s.len() != 2 * N || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(CheckpointError(format!(
            "{what} is not {} lower-case hex digits",
            2 * N
        )));
    }
    let v = hex::decode(s).map_err(|_| CheckpointError(format!("{what} is not hex")))?;
    <[u8; N]>::try_from(v.as_slice()).map_err(|_| CheckpointError(format!("{what}: wrong length")))
}

impl Checkpoint {
    /// Signs a checkpoint of a log of `size` leaves with tree head `head`.
    pub fn sign(key: &DeviceKey, size: u64, head: [u8; 32], at_ms: i64) -> Checkpoint {
        let server = key.public();
        let digest = domain_digest(CHECKPOINT_TAG, body(&server, size, &head, at_ms).as_bytes());
        Checkpoint {
            server,
            size,
            head,
            at_ms,
            signature: key.sign_digest(&digest),
        }
    }

    /// The text form.
    pub fn to_text(&self) -> String {
        format!(
            "{}\n— {} {}\n",
            body(&self.server, self.size, &self.head, self.at_ms),
            origin(&self.server),
            hex::encode(self.signature)
        )
    }

    /// Parses the text form (the signature is not checked here).
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let lines: Vec<&str> = text.split('\n').collect();
        // Four body lines, a blank line, the signature line, and the empty
        // string after its final newline.
        if lines.len() != 7 || !lines[4].is_empty() || !lines[6].is_empty() {
            return Err(CheckpointError(
                "expected four lines, a blank line and one signature line, each ended by a newline"
                    .into(),
            ));
        }
        let key = lines[0]
            .strip_prefix("kordon/")
            .ok_or_else(|| CheckpointError("the first line is not kordon/<server key>".into()))?;
        let server = PublicKey(hex_exact::<32>(key, "the server key")?);
        let size: u64 = decimal(lines[1], "the tree size")?;
        let head = hex_exact::<32>(lines[2], "the tree head")?;
        let at_ms: i64 = decimal(lines[3], "the time")?;
        let sig_line = lines[5].strip_prefix("— ").ok_or_else(|| {
            CheckpointError("the signature line does not start with \"— \"".into())
        })?;
        let (name, sig) = sig_line
            .split_once(' ')
            .ok_or_else(|| CheckpointError("the signature line has no signature".into()))?;
        if name != lines[0] {
            return Err(CheckpointError(
                "the signature line names another log than the first line".into(),
            ));
        }
        Ok(Checkpoint {
            server,
            size,
            head,
            at_ms,
            signature: hex_exact::<64>(sig, "the signature")?,
        })
    }

    /// Checks the signature, and that the checkpoint is `expected`'s.
    pub fn verify(&self, expected: &PublicKey) -> Result<(), VerifyError> {
        crate::verify_server_signed(
            &self.server,
            expected,
            CHECKPOINT_TAG,
            body(&self.server, self.size, &self.head, self.at_ms).as_bytes(),
            &self.signature,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_round_trips_and_any_change_is_caught() {
        let key = DeviceKey::generate();
        let cp = Checkpoint::sign(&key, 1234, [7; 32], 1_780_000_000_000);
        let text = cp.to_text();
        let parsed = Checkpoint::parse(&text).expect("parses");
        assert_eq!(parsed, cp);
        parsed.verify(&key.public()).expect("verifies");
        assert!(
            parsed.verify(&DeviceKey::generate().public()).is_err(),
            "another server"
        );
        // Every single-character change is refused or fails the signature.
        for i in 0..text.len() {
            if !text.is_char_boundary(i) || !text.is_char_boundary(i + 1) {
                continue;
            }
            let c = text.as_bytes()[i];
            let swapped = match c {
                b'0'..=b'8' => c + 1,
                b'9' => b'0',
                b'a'..=b'e' => c + 1,
                b'f' => b'a',
                _ => continue,
            };
            let mut bytes = text.clone().into_bytes();
            bytes[i] = swapped;
            let altered = String::from_utf8(bytes).expect("utf-8");
            let ok = Checkpoint::parse(&altered).is_ok_and(|c| c.verify(&key.public()).is_ok());
            assert!(!ok, "a change at byte {i} went unnoticed");
        }
        for bad in [
            text.replace("\n\n", "\n"),
            text.to_uppercase(),
            format!("{text}extra\n"),
            text.replacen("1234", "01234", 1),
        ] {
            assert!(Checkpoint::parse(&bad).is_err(), "{bad:?}");
        }
    }
}

#[cfg(test)]
mod worked_example {
    use super::*;

    /// The example in `docs/transparency-log.md` §4: the server key from
    /// the seed 32 × 0x07, the CT reference tree of 8 leaves, a fixed time.
    #[test]
    fn the_documented_checkpoint_is_what_the_code_makes() {
        let key = DeviceKey::from_seed(&[7; 32]);
        let head = <[u8; 32]>::try_from(
            hex::decode("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
                .expect("hex")
                .as_slice(),
        )
        .expect("32");
        let cp = Checkpoint::sign(&key, 8, head, 1_796_256_000_000);
        let text = cp.to_text();
        println!("{text}");
        let documented = include_str!("../../../docs/transparency-log.md");
        assert!(
            documented.contains(&text),
            "docs/transparency-log.md §4 does not show this checkpoint:\n{text}"
        );
    }
}
