//! The server's signed statements that travel in exports and evidence
//! bundles (`docs/signed-records.md` §5): what an inspection's complete
//! record set was at a point of the log, and who a device is. Text, in
//! the same signed-note layout as the checkpoint:
//!
//! ```text
//! kordon/<server key, 64 hex>
//! record-set <inspection UUID, lower case>
//! <record count, decimal>
//! <the document's heads: change hashes, 64 hex each, ascending, one space between>
//! <log size, decimal>
//! <time, Unix ms, decimal>
//!
//! — kordon/<server key> <signature, 128 hex>
//! ```
//!
//! ```text
//! kordon/<server key, 64 hex>
//! device <device key, 64 hex>
//! <unit>
//! <enrolled, Unix ms, decimal>
//!
//! — kordon/<server key> <signature, 128 hex>
//! ```
//! The body is every line before the blank line, each ended by `\n`; the
//! signature is `Ed25519(server, SHA-256(len(tag) || tag || body))` with the
//! tag `kordon/record-set/v1` or `kordon/device/v1`. Parsing is strict.

use crate::note::{self, decimal, hex_exact, origin, signed_text};
use crate::{domain_digest, DeviceKey, PublicKey, VerifyError};

pub const RECORD_SET_TAG: &[u8] = b"kordon/record-set/v1";
pub const DEVICE_TAG: &[u8] = b"kordon/device/v1";

/// Why a statement's text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Kordon {kind} statement: {reason}")]
pub struct StatementError {
    pub kind: &'static str,
    pub reason: String,
}

/// The layout, read, with errors of this kind.
fn parse_note<'a>(text: &'a str, kind: &'static str) -> Result<note::Note<'a>, StatementError> {
    note::parse(text).map_err(|reason| StatementError { kind, reason })
}

/// The server's statement that, when its log had `log_size` leaves, the
/// inspection's stored records were exactly `count` changes whose heads
/// are `heads`. An export that drops any of them (or carries one the
/// server never had under this statement) no longer matches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSet {
    pub server: PublicKey,
    /// The inspection (or hotlist) id, 16 bytes.
    pub doc: [u8; 16],
    pub count: u64,
    /// The document's heads (Automerge change hashes), ascending.
    pub heads: Vec<[u8; 32]>,
    pub log_size: u64,
    pub at_ms: i64,
    pub signature: [u8; 64],
}

impl RecordSet {
    fn body(&self) -> String {
        let heads: Vec<String> = self.heads.iter().map(hex::encode).collect();
        format!(
            "{}\nrecord-set {}\n{}\n{}\n{}\n{}\n",
            origin(&self.server),
            uuid::Uuid::from_bytes(self.doc),
            self.count,
            heads.join(" "),
            self.log_size,
            self.at_ms
        )
    }

    /// Signs the statement; the heads are sorted here. `None` when there
    /// is nothing to state (no records, no heads).
    pub fn sign(
        key: &DeviceKey,
        doc: [u8; 16],
        count: u64,
        mut heads: Vec<[u8; 32]>,
        log_size: u64,
        at_ms: i64,
    ) -> Option<RecordSet> {
        heads.sort_unstable();
        heads.dedup();
        if count == 0 || heads.is_empty() {
            return None;
        }
        let mut s = RecordSet {
            server: key.public(),
            doc,
            count,
            heads,
            log_size,
            at_ms,
            signature: [0; 64],
        };
        s.signature = key.sign_digest(&domain_digest(RECORD_SET_TAG, s.body().as_bytes()));
        Some(s)
    }

    pub fn to_text(&self) -> String {
        signed_text(&self.body(), &self.server, &self.signature)
    }

    /// Parses the text (the signature is checked by [`verify`](Self::verify)).
    pub fn parse(text: &str) -> Result<RecordSet, StatementError> {
        let kind = "record-set";
        let bad = |reason: String| StatementError { kind, reason };
        let note = parse_note(text, kind)?;
        let [_, first, count, heads, log_size, at_ms] = note.lines.as_slice() else {
            return Err(bad(format!(
                "expected 6 lines before the blank line, found {}",
                note.lines.len()
            )));
        };
        let doc = first
            .strip_prefix("record-set ")
            .ok_or_else(|| bad("the second line is not record-set <inspection>".into()))?;
        let uuid = uuid::Uuid::parse_str(doc)
            .ok()
            .filter(|u| u.hyphenated().to_string() == *doc)
            .ok_or_else(|| bad(format!("{doc:?} is not a lower-case hyphenated UUID")))?;
        let heads = heads
            .split(' ')
            .map(|h| hex_exact::<32>(h, "a head"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        if heads.is_empty() || heads.windows(2).any(|w| w[0] >= w[1]) {
            return Err(bad("the heads are not in strictly ascending order".into()));
        }
        let count: u64 = decimal(count, "the record count").map_err(bad)?;
        if count == 0 {
            return Err(bad("a record set of no records".into()));
        }
        Ok(RecordSet {
            server: note.server,
            doc: *uuid.as_bytes(),
            count,
            heads,
            log_size: decimal(log_size, "the log size").map_err(bad)?,
            at_ms: decimal(at_ms, "the time").map_err(bad)?,
            signature: note.signature,
        })
    }

    /// Checks the signature under the pinned server key.
    pub fn verify(&self, expected: &PublicKey) -> Result<(), VerifyError> {
        crate::verify_server_signed(
            &self.server,
            expected,
            RECORD_SET_TAG,
            self.body().as_bytes(),
            &self.signature,
        )
    }
}

/// The server's register entry for a device: its key, its unit, when it
/// was enrolled. An export carries one for every signer, so a verifier
/// knows which keys the server admitted without asking it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceEntry {
    pub server: PublicKey,
    pub device: PublicKey,
    pub unit: String,
    pub enrolled_ms: i64,
    pub signature: [u8; 64],
}

/// A unit name a statement can carry: one line of printable text.
fn unit_ok(unit: &str) -> bool {
    !unit.is_empty() && unit.len() <= 256 && !unit.chars().any(char::is_control)
}

impl DeviceEntry {
    fn body(&self) -> String {
        format!(
            "{}\ndevice {}\n{}\n{}\n",
            origin(&self.server),
            hex::encode(self.device.as_bytes()),
            self.unit,
            self.enrolled_ms
        )
    }

    /// Signs the entry; `None` if the unit cannot be written on one line.
    pub fn sign(
        key: &DeviceKey,
        device: PublicKey,
        unit: &str,
        enrolled_ms: i64,
    ) -> Option<DeviceEntry> {
        if !unit_ok(unit) {
            return None;
        }
        let mut e = DeviceEntry {
            server: key.public(),
            device,
            unit: unit.to_string(),
            enrolled_ms,
            signature: [0; 64],
        };
        e.signature = key.sign_digest(&domain_digest(DEVICE_TAG, e.body().as_bytes()));
        Some(e)
    }

    pub fn to_text(&self) -> String {
        signed_text(&self.body(), &self.server, &self.signature)
    }

    pub fn parse(text: &str) -> Result<DeviceEntry, StatementError> {
        let kind = "device";
        let bad = |reason: String| StatementError { kind, reason };
        let note = parse_note(text, kind)?;
        let [_, first, unit, enrolled] = note.lines.as_slice() else {
            return Err(bad(format!(
                "expected 4 lines before the blank line, found {}",
                note.lines.len()
            )));
        };
        let device = first
            .strip_prefix("device ")
            .ok_or_else(|| bad("the second line is not device <key>".into()))?;
        let device = PublicKey(hex_exact::<32>(device, "the device key").map_err(bad)?);
        if !unit_ok(unit) {
            return Err(bad("the unit is not one line of printable text".into()));
        }
        Ok(DeviceEntry {
            server: note.server,
            device,
            unit: unit.to_string(),
            enrolled_ms: decimal(enrolled, "the enrollment time").map_err(bad)?,
            signature: note.signature,
        })
    }

    pub fn verify(&self, expected: &PublicKey) -> Result<(), VerifyError> {
        crate::verify_server_signed(
            &self.server,
            expected,
            DEVICE_TAG,
            self.body().as_bytes(),
            &self.signature,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parsing_any_text_never_panics(text in "(kordon/[0-9a-f]{0,64}\n)?((record-set|device) [0-9a-f -]{0,70}\n)?[0-9a-z \n—-]{0,300}") {
            let _ = RecordSet::parse(&text);
            let _ = DeviceEntry::parse(&text);
            let _ = crate::Checkpoint::parse(&text);
        }
    }

    /// Every one-character change to a text is refused or fails the check.
    fn tamper_is_caught(text: &str, ok: impl Fn(&str) -> bool) {
        assert!(ok(text), "the original verifies");
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
                b'A'..=b'Z' => c.to_ascii_lowercase(),
                _ => continue,
            };
            let mut bytes = text.as_bytes().to_vec();
            bytes[i] = swapped;
            let altered = String::from_utf8(bytes).expect("utf-8");
            assert!(!ok(&altered), "a change at byte {i} went unnoticed");
        }
        for bad in [
            text.replace("\n\n", "\n"),
            format!("{text}more\n"),
            text.to_uppercase(),
        ] {
            assert!(!ok(&bad), "{bad:?}");
        }
    }

    #[test]
    fn a_record_set_round_trips_and_any_change_is_caught() {
        let key = DeviceKey::generate();
        let s = RecordSet::sign(
            &key,
            [9; 16],
            12,
            vec![[3; 32], [1; 32]],
            4567,
            1_790_000_000_000,
        )
        .expect("signed");
        assert_eq!(s.heads, vec![[1; 32], [3; 32]], "sorted");
        let text = s.to_text();
        assert_eq!(RecordSet::parse(&text), Ok(s.clone()));
        tamper_is_caught(&text, |t| {
            RecordSet::parse(t).is_ok_and(|s| s.verify(&key.public()).is_ok())
        });
        assert!(s.verify(&DeviceKey::generate().public()).is_err());
        assert!(RecordSet::sign(&key, [9; 16], 0, vec![], 1, 1).is_none());
    }

    #[test]
    fn a_device_entry_round_trips_and_any_change_is_caught() {
        let key = DeviceKey::generate();
        let device = DeviceKey::generate().public();
        let e = DeviceEntry::sign(&key, device, "KYIV-MOB-3", 1_780_000_000_000).expect("signed");
        let text = e.to_text();
        assert_eq!(DeviceEntry::parse(&text), Ok(e.clone()));
        tamper_is_caught(&text, |t| {
            DeviceEntry::parse(t).is_ok_and(|e| e.verify(&key.public()).is_ok())
        });
        assert!(DeviceEntry::sign(&key, device, "two\nlines", 1).is_none());
        // A record-set is not a device entry, and the other way round.
        let s = RecordSet::sign(&key, [1; 16], 1, vec![[1; 32]], 1, 1).expect("signed");
        assert!(DeviceEntry::parse(&s.to_text()).is_err());
        assert!(RecordSet::parse(&text).is_err());
    }
}
