//! Export of one inspection as this vehicle holds it (`docs/signed-records.md`
//! §5): its signed records, each with its inclusion proof in the server's
//! log (or an older receipt), the checkpoints the proofs lead to, the
//! server's statement of the complete record set, and the register entries
//! of the signers. The format and its check live in `kordon-evidence`.

use crate::{Vehicle, VehicleError};
use kordon_evidence::{ExportFile, ExportLog, ExportRecord, EXPORT_FORMAT};
use kordon_model::InspectionId;
use kordon_record::RecordSet;
use std::collections::BTreeSet;

impl Vehicle {
    pub fn export(&mut self, id: InspectionId, now_ms: i64) -> Result<ExportFile, VehicleError> {
        let view = self.show(id)?;
        let server_key = self.token().ok().and_then(|t| t.server_key().ok());
        let mut sizes = BTreeSet::new();
        let mut signers = BTreeSet::new();
        let mut records = vec![];
        for (r, receipt) in self.store.records_of(id)? {
            let log = match self.store.record_proof(&r.id())? {
                Some(p) => p.tree_size.map(|tree_size| ExportLog {
                    leaf_index: p.leaf_index,
                    leaf: hex::encode(&p.leaf),
                    tree_size,
                    path: p.path.iter().map(hex::encode).collect(),
                }),
                None => None,
            };
            if let Some(l) = &log {
                sizes.insert(l.tree_size);
            }
            if Some(r.signer()) != server_key {
                signers.insert(r.signer());
            }
            records.push(ExportRecord::of(&r, receipt.as_deref(), log));
        }
        let record_set = self.store.record_set(id.as_bytes())?;
        if let Some(s) = record_set.as_deref().and_then(|t| RecordSet::parse(t).ok()) {
            sizes.insert(s.log_size);
        }
        let mut checkpoints = vec![];
        for size in sizes {
            if let Some(text) = self.store.held_checkpoint(size)? {
                checkpoints.push(text);
            }
        }
        let mut devices = vec![];
        for signer in signers {
            if let Some(text) = self.store.device_entry(&signer)? {
                devices.push(text);
            }
        }
        Ok(ExportFile {
            format: EXPORT_FORMAT.into(),
            inspection: id.to_string(),
            server_key: server_key.map(|k| k.to_string()),
            exported_ms: now_ms,
            checkpoints,
            record_set,
            devices,
            records,
            view,
        })
    }
}
