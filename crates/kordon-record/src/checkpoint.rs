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

use crate::note::{self, decimal, hex_exact};
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

fn body(server: &PublicKey, size: u64, head: &[u8; 32], at_ms: i64) -> String {
    format!(
        "{}\n{size}\n{}\n{at_ms}\n",
        note::origin(server),
        hex::encode(head)
    )
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
        note::signed_text(
            &body(&self.server, self.size, &self.head, self.at_ms),
            &self.server,
            &self.signature,
        )
    }

    /// Parses the text form (the signature is not checked here).
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let note = note::parse(text).map_err(CheckpointError)?;
        let [_, size, head, at_ms] = note.lines.as_slice() else {
            return Err(CheckpointError(format!(
                "expected four lines before the blank line, found {}",
                note.lines.len()
            )));
        };
        Ok(Checkpoint {
            server: note.server,
            size: decimal(size, "the tree size").map_err(CheckpointError)?,
            head: hex_exact::<32>(head, "the tree head").map_err(CheckpointError)?,
            at_ms: decimal(at_ms, "the time").map_err(CheckpointError)?,
            signature: note.signature,
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
