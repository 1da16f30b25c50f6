//! The server's transparency log: checkpoints it signs over everything it
//! accepted and refused, and the proofs a third party checks them with
//! (`docs/transparency-log.md`).

use crate::{Central, CentralError};
use kordon_ports::LogEntry;
use kordon_proto::{Inclusion, LogAnswer, LogAsk};
use kordon_record::{Checkpoint, DeviceEntry, PublicKey, RecordId, RecordSet};

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

/// `ids` in their order, each once.
fn once_each<const N: usize>(ids: &[[u8; N]]) -> Vec<[u8; N]> {
    let mut seen = std::collections::HashSet::new();
    ids.iter().filter(|id| seen.insert(**id)).copied().collect()
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
    ) -> Result<(Checkpoint, Vec<[u8; 32]>), CentralError> {
        let cp = self.checkpoint(now_ms)?;
        if known_size > cp.size {
            tracing::error!(
                known_size,
                size = cp.size,
                "a vehicle holds a checkpoint of a larger log than this one: this server's data was rolled back"
            );
            return Ok((cp, vec![]));
        }
        let proof = if known_size == 0 {
            vec![]
        } else {
            self.store
                .log_consistency(known_size, cp.size)?
                .unwrap_or_default()
        };
        Ok((cp, proof))
    }

    /// The whole answer to a vehicle's `LogAskV2`: the latest checkpoint
    /// and the proof that it extends the vehicle's; the inclusion paths of
    /// the records asked for (those in the log, of documents `device` may
    /// read); the record-set statements of the documents asked for that it
    /// may read; the register entries of the devices asked for that signed
    /// in those documents (or are itself). Nothing about other units.
    /// Everything is stated against that one checkpoint.
    pub fn log_answer_v2(
        &mut self,
        device: &PublicKey,
        ask: &LogAsk,
        now_ms: i64,
    ) -> Result<LogAnswer, CentralError> {
        let (cp, consistency) = self.log_answer(ask.known_size, now_ms)?;
        let size = cp.size;
        // The records' and documents' facts read once for the whole ask,
        // not once per record or document: a store across a network
        // answers each in one query. Each id once, however often asked.
        let proofs = once_each(&ask.proofs);
        let readable = self.store.records_device_reads(device, &proofs)?;
        let wanted: Vec<[u8; 32]> = proofs
            .into_iter()
            .filter(|id| readable.contains(id))
            .collect();
        let mut entries = self.store.log_entries_of(&wanted)?;
        let placed: Vec<([u8; 32], LogEntry)> = wanted
            .iter()
            .filter_map(|id| Some((*id, entries.remove(id)?)))
            .collect();
        let indexes: Vec<u64> = placed.iter().map(|(_, e)| e.index).collect();
        let paths = self.store.log_inclusions(&indexes, size)?;
        let inclusions = placed
            .into_iter()
            .zip(paths)
            .filter_map(|((record_id, entry), path)| {
                Some(Inclusion {
                    record_id,
                    leaf_index: entry.index,
                    leaf: entry.data,
                    path: path?,
                })
            })
            .collect();
        let asked_sets = once_each(&ask.record_sets);
        let readable = self.store.docs_device_reads(device, &asked_sets)?;
        let docs: Vec<[u8; 16]> = asked_sets
            .into_iter()
            .filter(|d| readable.contains(d))
            .collect();
        let mut record_sets = vec![];
        for (doc, facts) in docs.iter().zip(self.records_set_facts(&docs)?) {
            if let Some(facts) = facts {
                if let Some(s) =
                    RecordSet::sign(&self.key, *doc, facts.count, facts.heads, size, now_ms)
                {
                    record_sets.push(s.to_text());
                }
            }
        }
        let mut devices = vec![];
        for key in &ask.devices {
            let key = PublicKey(*key);
            if !self.store.signs_where_device_reads(device, &key)? {
                continue;
            }
            if let Some((unit, enrolled_ms)) = self.store.device_enrolled(&key)? {
                if let Some(e) = DeviceEntry::sign(&self.key, key, &unit, enrolled_ms) {
                    devices.push(e.to_text());
                }
            }
        }
        Ok(LogAnswer {
            checkpoint: cp.to_text(),
            consistency,
            inclusions,
            record_sets,
            devices,
        })
    }

    /// Judges, and keeps, the checkpoint a vehicle reported holding: one
    /// this server signed that its log still extends is `consistent`;
    /// anything else is logged as an error, since it means this server's
    /// log was rolled back, or that someone showed the vehicle a different
    /// history under this server's key. Returns the verdict.
    pub fn witness(
        &mut self,
        device: &PublicKey,
        text: &str,
        now_ms: i64,
    ) -> Result<String, CentralError> {
        let signed = Checkpoint::parse(text)
            .map_err(|e| format!("unreadable: {e}"))
            .and_then(|cp| match cp.verify(&self.key.public()) {
                Ok(()) => Ok(cp),
                Err(e) => Err(format!("not signed by this server: {e}")),
            });
        // Only a checkpoint this server signed is kept under its size; any
        // other text, one row a device (size 0), cut short.
        let (verdict, size, text) = match signed {
            Err(verdict) => (verdict, 0, text.chars().take(1024).collect()),
            Ok(cp) => {
                let size = self.store.log_size()?;
                let verdict = if cp.size > size {
                    format!(
                        "rolled back: the vehicle holds a checkpoint of {} entries, this log has {size}",
                        cp.size
                    )
                } else if self.store.log_head(cp.size)? != cp.head {
                    format!(
                        "forked: the vehicle holds a checkpoint of {} entries whose head is not this log's at that size",
                        cp.size
                    )
                } else {
                    "consistent".to_string()
                };
                (verdict, cp.size, text.to_string())
            }
        };
        if verdict != "consistent" {
            tracing::error!(device = %device.short(), %verdict, "a vehicle reported a checkpoint this log does not extend");
        }
        self.store
            .put_witness(device, size, now_ms, &verdict, &text)?;
        Ok(verdict)
    }

    /// The checkpoints vehicles reported, latest first.
    pub fn witnesses(&self) -> Result<Vec<kordon_store::Witness>, CentralError> {
        Ok(self.store.witnesses()?)
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
