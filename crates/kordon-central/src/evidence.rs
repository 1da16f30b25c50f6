//! The server's export of one inspection, in the format a vehicle exports
//! (`docs/signed-records.md` §5): every stored record with its inclusion
//! proof against a checkpoint signed now, that checkpoint, the server's
//! statement of the complete record set, and the register entries of the
//! signers. The evidence bundle (`kordon_api::evidence`) is built on it.

use crate::{Central, CentralError};
use kordon_evidence::{ExportFile, ExportLog, ExportRecord, EXPORT_FORMAT};
use kordon_model::InspectionId;
use kordon_record::{DeviceEntry, RecordSet};
use std::collections::BTreeSet;

impl Central {
    /// The export of inspection `id` as this server holds it, every proof
    /// stated against one checkpoint (signed now if the log grew).
    pub fn export(&mut self, id: InspectionId, now_ms: i64) -> Result<ExportFile, CentralError> {
        self.store.project(now_ms)?;
        let row = self.store.console_row(id)?.ok_or_else(|| {
            CentralError::NotFound(format!("inspection {id} is not on this server"))
        })?;
        let cp = self.checkpoint(now_ms)?;
        let server = self.public_key();
        let mut signers = BTreeSet::new();
        let mut records = vec![];
        for held in self.store.doc_records(id.as_bytes())? {
            let r = held.record;
            let entry = self.store.log_entry_of(&r.id().0)?.ok_or_else(|| {
                CentralError::Invalid(format!("record {} is stored but not in the log", r.id()))
            })?;
            let path = self
                .store
                .log_inclusion(entry.index, cp.size)?
                .ok_or_else(|| {
                    CentralError::Invalid("the checkpoint does not cover a stored record".into())
                })?;
            if r.signer() != server {
                signers.insert(r.signer());
            }
            let log = ExportLog {
                leaf_index: entry.index,
                leaf: hex::encode(&entry.data),
                tree_size: cp.size,
                path: path.iter().map(hex::encode).collect(),
            };
            records.push(ExportRecord::of(&r, None, Some(log)));
        }
        let record_set = self
            .record_set_facts(id.as_bytes())?
            .and_then(|facts| {
                RecordSet::sign(
                    &self.key,
                    *id.as_bytes(),
                    facts.count,
                    facts.heads,
                    cp.size,
                    now_ms,
                )
            })
            .map(|s| s.to_text());
        let mut devices = vec![];
        for key in signers {
            if let Some((unit, enrolled_ms)) = self.store.device_enrolled(&key)? {
                if let Some(e) = DeviceEntry::sign(&self.key, key, &unit, enrolled_ms) {
                    devices.push(e.to_text());
                }
            }
        }
        Ok(ExportFile {
            format: EXPORT_FORMAT.into(),
            inspection: id.to_string(),
            server_key: Some(server.to_string()),
            exported_ms: now_ms,
            checkpoints: vec![cp.to_text()],
            record_set,
            devices,
            records,
            view: row.row.view,
        })
    }
}
