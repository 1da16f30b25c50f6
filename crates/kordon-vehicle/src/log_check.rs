//! Checking the server's transparency log at every sync: its new
//! checkpoint must be signed by the pinned server key and extend the last
//! one this vehicle holds (`docs/transparency-log.md`). A server whose log
//! was rolled back (restored from an older copy) or rewritten is refused,
//! loudly, and this vehicle keeps the checkpoint that proves it.

use crate::{meta, Vehicle, VehicleError};
use kordon_proto::{LogAnswer, LogAsk, MAX_LOG_ASK, MAX_LOG_ASK_DOCS};
use kordon_record::{Checkpoint, DeviceEntry, PublicKey, RecordId, RecordSet};

impl Vehicle {
    /// The size of the checkpoint held (0: none yet).
    pub(crate) fn known_log_size(&self) -> Result<u64, VehicleError> {
        Ok(self
            .store
            .get_meta(meta::LOG_CHECKPOINT)?
            .and_then(|t| Checkpoint::parse(&t).ok())
            .map(|c| c.size)
            .unwrap_or(0))
    }

    /// The latest checkpoint held, as text (stated in Hello).
    pub(crate) fn held_checkpoint_text(&self) -> Result<Option<String>, VehicleError> {
        Ok(self.store.get_meta(meta::LOG_CHECKPOINT)?)
    }

    /// What to ask at the end of a session: the proofs, statements and
    /// register entries this vehicle still lacks for its exports.
    pub(crate) fn log_ask(&self, server: &PublicKey) -> Result<LogAsk, VehicleError> {
        Ok(LogAsk {
            known_size: self.known_log_size()?,
            proofs: self.store.records_wanting_proofs(MAX_LOG_ASK)?,
            record_sets: self.store.docs_wanting_record_sets(MAX_LOG_ASK_DOCS)?,
            devices: self.store.signers_wanting_entries(server, MAX_LOG_ASK)?,
        })
    }

    /// Checks the server's whole answer and keeps what proves this
    /// vehicle's records: the checkpoint first (it must extend the one
    /// held), then each inclusion path against it (one that does not lead
    /// to its head means the server lies about its log), the record-set
    /// statements whose every head this vehicle holds (a statement naming
    /// a change not here yet waits for the next sync), and the register
    /// entries. Everything must be signed by the pinned server key.
    pub(crate) fn keep_log_answer(
        &mut self,
        server: &PublicKey,
        ask: &LogAsk,
        answer: &LogAnswer,
    ) -> Result<(), VehicleError> {
        let bad = |m: String| VehicleError::ServerLog(m);
        let cp = self.check_server_log(server, &answer.checkpoint, &answer.consistency)?;
        let mut proven = vec![];
        for inc in &answer.inclusions {
            if !ask.proofs.contains(&inc.record_id) {
                return Err(bad(format!(
                    "it sent a proof for record {} that was not asked for",
                    RecordId(inc.record_id)
                )));
            }
            let leaf = kordon_log::Leaf::parse(&inc.leaf).map_err(|e| bad(e.to_string()))?;
            if leaf.accepted_record() != Some(inc.record_id) {
                return Err(bad(format!(
                    "it gave leaf {} for record {}, but that leaf does not name it",
                    inc.leaf_index,
                    RecordId(inc.record_id)
                )));
            }
            kordon_log::verify_inclusion(
                &kordon_log::leaf_hash(&inc.leaf),
                inc.leaf_index,
                cp.size,
                &inc.path,
                &cp.head,
            )
            .map_err(|e| {
                bad(format!(
                    "the inclusion proof of record {} (leaf {}) does not lead to its checkpoint of {} entries: {e}",
                    RecordId(inc.record_id),
                    inc.leaf_index,
                    cp.size
                ))
            })?;
            proven.push(kordon_store::ProvenRecord {
                id: RecordId(inc.record_id),
                leaf_index: inc.leaf_index,
                leaf: inc.leaf.clone(),
                path: inc.path.clone(),
            });
        }
        self.store
            .store_inclusions(cp.size, &answer.checkpoint, &proven)?;
        let unproven: Vec<[u8; 32]> = ask
            .proofs
            .iter()
            .filter(|id| !answer.inclusions.iter().any(|i| i.record_id == **id))
            .copied()
            .collect();
        let requeued = self
            .store
            .note_unproven(&unproven, cp.size, crate::now_ms())?;
        if requeued > 0 {
            tracing::warn!(
                requeued,
                "the server said it stored records it cannot prove are in its log; they will be sent again"
            );
        }
        for text in &answer.record_sets {
            let set = RecordSet::parse(text).map_err(|e| bad(e.to_string()))?;
            set.verify(server).map_err(|e| {
                bad(format!(
                    "a record-set statement not signed by the enrolled server: {e}"
                ))
            })?;
            if !ask.record_sets.contains(&set.doc) || set.log_size != cp.size {
                return Err(bad(
                    "it sent a record-set statement that was not asked for".into()
                ));
            }
            if self
                .store
                .matches_record_set(&set.doc, &set.heads, set.count)?
            {
                self.store
                    .put_record_set(&set.doc, set.count, set.log_size, text)?;
            }
        }
        for text in &answer.devices {
            let entry = DeviceEntry::parse(text).map_err(|e| bad(e.to_string()))?;
            entry.verify(server).map_err(|e| {
                bad(format!(
                    "a device entry not signed by the enrolled server: {e}"
                ))
            })?;
            if !ask.devices.contains(&entry.device.0) {
                return Err(bad("it sent a device entry that was not asked for".into()));
            }
            self.store.put_device_entry(&entry.device, text)?;
        }
        Ok(())
    }

    /// Checks the server's checkpoint and consistency proof; keeps the
    /// checkpoint when they hold.
    pub(crate) fn check_server_log(
        &mut self,
        server: &PublicKey,
        text: &str,
        proof: &[[u8; 32]],
    ) -> Result<Checkpoint, VehicleError> {
        let bad = |m: String| VehicleError::ServerLog(m);
        let cp = Checkpoint::parse(text).map_err(|e| bad(e.to_string()))?;
        cp.verify(server).map_err(|e| {
            bad(format!(
                "its checkpoint is not signed by the enrolled server: {e}"
            ))
        })?;
        if let Some(held) = self.store.get_meta(meta::LOG_CHECKPOINT)? {
            let held = Checkpoint::parse(&held)
                .map_err(|e| bad(format!("the checkpoint held here: {e}")))?;
            if cp.size < held.size {
                return Err(bad(format!(
                    "its log now has {} entries, but this vehicle holds its signed checkpoint of {} entries (time {}): the server's history was rolled back, e.g. restored from an older copy of its data. If it was restored from a backup on purpose, `kordon sync --full` resends what it lost and accepts its log from now on",
                    cp.size, held.size, held.at_ms
                )));
            }
            // Any log extends the empty one.
            if held.size > 0 {
                kordon_log::verify_consistency(held.size, cp.size, proof, &held.head, &cp.head)
                .map_err(|e| {
                    bad(format!(
                        "its log of {} entries does not extend its signed checkpoint of {} entries that this vehicle holds ({e}): the server's history was rewritten",
                        cp.size, held.size
                    ))
                })?;
            }
        }
        self.store.set_meta(meta::LOG_CHECKPOINT, text)?;
        Ok(cp)
    }
}
