//! What a leaf of Kordon's log holds (`docs/transparency-log.md`).
//!
//! ```text
//! record:  0x01 | record id [32]                       (logs written before receipts on the log)
//! record:  0x03 | record id [32] | received, ms i64 BE  (since)
//! refusal: 0x02 | record id [32] (zeros when unknown) | time ms i64 BE | reason (UTF-8)
//! ```
//! The leaf hash is [`leaf_hash`](crate::leaf_hash) of these bytes.

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leaf {
    /// A record the server accepted and stored (the leaf kind of logs
    /// written before receipts were tied to the log).
    Record { id: [u8; 32] },
    /// A record the server accepted and stored, with the time it received
    /// it (server clock, Unix ms): what a receipt used to sign.
    RecordAt { id: [u8; 32], at_ms: i64 },
    /// Something the server refused: a record (when it had an id) or a
    /// device, with the reason as the server stated it.
    Refusal {
        record: Option<[u8; 32]>,
        at_ms: i64,
        reason: String,
    },
}

/// Why leaf bytes were not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Kordon log leaf: {0}")]
pub struct LeafError(pub String);

impl Leaf {
    /// The record a leaf says was accepted (`None` for a refusal).
    pub fn accepted_record(&self) -> Option<[u8; 32]> {
        match self {
            Leaf::Record { id } | Leaf::RecordAt { id, .. } => Some(*id),
            Leaf::Refusal { .. } => None,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Leaf::Record { id } => {
                let mut b = Vec::with_capacity(33);
                b.push(1);
                b.extend_from_slice(id);
                b
            }
            Leaf::RecordAt { id, at_ms } => {
                let mut b = Vec::with_capacity(41);
                b.push(3);
                b.extend_from_slice(id);
                b.extend_from_slice(&at_ms.to_be_bytes());
                b
            }
            Leaf::Refusal {
                record,
                at_ms,
                reason,
            } => {
                let mut b = Vec::with_capacity(41 + reason.len());
                b.push(2);
                b.extend_from_slice(&record.unwrap_or([0; 32]));
                b.extend_from_slice(&at_ms.to_be_bytes());
                b.extend_from_slice(reason.as_bytes());
                b
            }
        }
    }

    pub fn parse(bytes: &[u8]) -> Result<Leaf, LeafError> {
        match bytes.split_first() {
            Some((1, rest)) => {
                let id = <[u8; 32]>::try_from(rest)
                    .map_err(|_| LeafError("a record leaf is 33 bytes".into()))?;
                Ok(Leaf::Record { id })
            }
            Some((3, rest)) => {
                if rest.len() != 40 {
                    return Err(LeafError("a timed record leaf is 41 bytes".into()));
                }
                let (id, at) = rest.split_at(32);
                let id = <[u8; 32]>::try_from(id).map_err(|_| LeafError("short".into()))?;
                let at = <[u8; 8]>::try_from(at).map_err(|_| LeafError("short".into()))?;
                Ok(Leaf::RecordAt {
                    id,
                    at_ms: i64::from_be_bytes(at),
                })
            }
            Some((2, rest)) if rest.len() >= 40 => {
                let (id, rest) = rest.split_at(32);
                let (at, reason) = rest.split_at(8);
                let id = <[u8; 32]>::try_from(id).map_err(|_| LeafError("short".into()))?;
                let at = <[u8; 8]>::try_from(at).map_err(|_| LeafError("short".into()))?;
                let reason = std::str::from_utf8(reason)
                    .map_err(|_| LeafError("the reason is not UTF-8".into()))?;
                Ok(Leaf::Refusal {
                    record: (id != [0; 32]).then_some(id),
                    at_ms: i64::from_be_bytes(at),
                    reason: reason.to_string(),
                })
            }
            Some((kind, _)) => Err(LeafError(format!("unknown or short leaf of kind {kind}"))),
            None => Err(LeafError("empty".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn leaves_round_trip_and_parsing_never_panics(
            id in any::<[u8; 32]>(), at in any::<i64>(), reason in ".{0,40}", junk in prop::collection::vec(any::<u8>(), 0..80)
        ) {
            for leaf in [
                Leaf::Record { id },
                Leaf::RecordAt { id, at_ms: at },
                Leaf::Refusal { record: Some(id).filter(|i| *i != [0; 32]), at_ms: at, reason: reason.clone() },
            ] {
                prop_assert_eq!(Leaf::parse(&leaf.to_bytes()), Ok(leaf));
            }
            let _ = Leaf::parse(&junk);
        }
    }
}
