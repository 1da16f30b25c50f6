//! The server's transparency log: checkpoints it signs over everything it
//! accepted and refused, and the proofs a third party checks them with
//! (`docs/transparency-log.md`).

use crate::{Central, CentralError};
use kordon_record::{Checkpoint, RecordId};

/// A record's place in the log, with what proves it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InclusionProof {
    /// The record id, hex.
    pub record: String,
    pub leaf_index: u64,
    /// The leaf's bytes, hex (`0x01 || record id` for an accepted record).
    pub leaf: String,
    /// The tree size the proof is for (the checkpoint's).
    pub tree_size: u64,
    /// `PATH(leaf_index, D[tree_size])`, hex, in order.
    pub path: Vec<String>,
    /// The signed checkpoint of that tree size, as text.
    pub checkpoint: String,
}

/// Two checkpoints and the proof that the second extends the first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    /// `PROOF(from, D[to])`, hex, in order.
    pub path: Vec<String>,
    /// The checkpoints of both sizes, when they were signed.
    pub from_checkpoint: Option<String>,
    pub to_checkpoint: Option<String>,
}

fn hexes(path: Vec<[u8; 32]>) -> Vec<String> {
    path.iter().map(hex::encode).collect()
}

impl Central {
    /// The latest checkpoint, signing a new one first if the log grew since
    /// (at the end of every sync session, and on demand).
    pub fn checkpoint(&mut self, now_ms: i64) -> Result<Checkpoint, CentralError> {
        let size = self.store.log_size()?;
        if let Some((signed, text)) = self.store.latest_checkpoint()? {
            if signed == size {
                return Checkpoint::parse(&text)
                    .map_err(|e| CentralError::Invalid(format!("a stored checkpoint: {e}")));
            }
        }
        let head = self.store.log_head(size)?;
        let cp = Checkpoint::sign(&self.key, size, head, now_ms);
        self.store.put_checkpoint(size, now_ms, &cp.to_text())?;
        Ok(cp)
    }

    /// Where record `id` is in the log, proven against the latest
    /// checkpoint (signed now if the latest does not cover it yet).
    pub fn inclusion_proof(
        &mut self,
        id: &RecordId,
        now_ms: i64,
    ) -> Result<InclusionProof, CentralError> {
        let entry = self
            .store
            .log_entry_of(&id.0)?
            .ok_or_else(|| CentralError::Invalid(format!("record {id} is not in the log")))?;
        let cp = self.checkpoint(now_ms)?;
        let path = self
            .store
            .log_inclusion(entry.index, cp.size)?
            .ok_or_else(|| {
                CentralError::Invalid("the checkpoint does not cover the record".into())
            })?;
        Ok(InclusionProof {
            record: id.to_string(),
            leaf_index: entry.index,
            leaf: hex::encode(&entry.data),
            tree_size: cp.size,
            path: hexes(path),
            checkpoint: cp.to_text(),
        })
    }

    /// What a vehicle that holds the checkpoint of `known_size` leaves asks
    /// at the end of a session: the latest checkpoint (signed now if the
    /// log grew) and the proof that it extends that one. A vehicle that
    /// holds more than this log has is shown the truth, and will refuse.
    pub fn log_answer(
        &mut self,
        known_size: u64,
        now_ms: i64,
    ) -> Result<(String, Vec<[u8; 32]>), CentralError> {
        let cp = self.checkpoint(now_ms)?;
        if known_size > cp.size {
            tracing::error!(
                known_size,
                size = cp.size,
                "a vehicle holds a checkpoint of a larger log than this one: this server's data was rolled back"
            );
            return Ok((cp.to_text(), vec![]));
        }
        let proof = if known_size == 0 {
            vec![]
        } else {
            self.store
                .log_consistency(known_size, cp.size)?
                .unwrap_or_default()
        };
        Ok((cp.to_text(), proof))
    }

    /// The proof that the log of `to` leaves extends the log of `from`.
    pub fn consistency_proof(&self, from: u64, to: u64) -> Result<ConsistencyProof, CentralError> {
        let size = self.store.log_size()?;
        if to > size {
            return Err(CentralError::Invalid(format!(
                "the log has {size} leaves, not {to}"
            )));
        }
        let path = self.store.log_consistency(from, to)?.ok_or_else(|| {
            CentralError::Invalid(format!("sizes {from} and {to}: need 0 < from <= to"))
        })?;
        Ok(ConsistencyProof {
            from,
            to,
            path: hexes(path),
            from_checkpoint: self.store.checkpoint_at(from)?,
            to_checkpoint: self.store.checkpoint_at(to)?,
        })
    }
}
