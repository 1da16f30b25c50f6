//! Export of one inspection with its signed records and receipts, and the
//! offline check of such a file (no server, no database).

use crate::{Vehicle, VehicleError};
use base64::Engine;
use kordon_model::{InspectionDoc, InspectionId, InspectionView};
use kordon_record::{PublicKey, Receipt, SignedRecord};
use serde::{Deserialize, Serialize};

pub const EXPORT_FORMAT: &str = "kordon-export/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportRecord {
    /// Record id (hex): the digest the signature covers.
    pub id: String,
    pub signer: String,
    pub officer: String,
    pub created_ms: i64,
    /// The signed record, base64 (standard alphabet, padded).
    pub record: String,
    /// The server's receipt, base64, when the record was acknowledged.
    pub receipt: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportFile {
    pub format: String,
    pub inspection: String,
    /// The server key receipts are signed with (pinned at enrollment).
    pub server_key: Option<String>,
    pub exported_ms: i64,
    pub records: Vec<ExportRecord>,
    /// The inspection as the records reconstruct it (for reading; the
    /// verifier recomputes it from the records).
    pub view: InspectionView,
}

/// The result of checking an export offline.
#[derive(Debug, Clone, Serialize)]
pub struct ExportVerdict {
    pub records: usize,
    pub signatures_valid: usize,
    pub receipts_valid: usize,
    pub problems: Vec<String>,
    /// The view recomputed from the records equals the one in the file.
    pub view_matches: bool,
}

impl ExportVerdict {
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.view_matches
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl Vehicle {
    pub fn export(&mut self, id: InspectionId, now_ms: i64) -> Result<ExportFile, VehicleError> {
        let view = self.show(id)?;
        let records = self
            .store
            .records_of(id)?
            .into_iter()
            .map(|(r, receipt)| ExportRecord {
                id: r.id().to_string(),
                signer: r.signer().to_string(),
                officer: r.officer().to_string(),
                created_ms: r.created_ms(),
                record: b64().encode(r.bytes()),
                receipt: receipt.map(|b| b64().encode(b)),
            })
            .collect();
        Ok(ExportFile {
            format: EXPORT_FORMAT.into(),
            inspection: id.to_string(),
            server_key: self.token().ok().map(|t| t.key),
            exported_ms: now_ms,
            records,
            view,
        })
    }
}

/// Checks an export: every signature, every receipt against the server key,
/// and that the records rebuild the stated inspection.
pub fn verify_export(file: &ExportFile) -> ExportVerdict {
    let mut v = ExportVerdict {
        records: file.records.len(),
        signatures_valid: 0,
        receipts_valid: 0,
        problems: vec![],
        view_matches: false,
    };
    if file.format != EXPORT_FORMAT {
        v.problems.push(format!("unknown format {:?}", file.format));
        return v;
    }
    let server: Option<PublicKey> = file.server_key.as_deref().and_then(|k| k.parse().ok());
    let mut doc = InspectionDoc::empty(&[0; 32]);
    let expected_doc = file
        .inspection
        .parse::<InspectionId>()
        .ok()
        .map(|i| *i.as_bytes());
    for (i, rec) in file.records.iter().enumerate() {
        let bytes = match b64().decode(&rec.record) {
            Ok(b) => b,
            Err(e) => {
                v.problems.push(format!("record {i}: not base64: {e}"));
                continue;
            }
        };
        let record = match SignedRecord::parse(bytes) {
            Ok(r) => r,
            Err(e) => {
                v.problems.push(format!("record {i}: {e}"));
                continue;
            }
        };
        if record.signer().to_string() != rec.signer
            || record.officer() != rec.officer
            || record.created_ms() != rec.created_ms
        {
            v.problems.push(format!(
                "record {i}: signer, officer or time in the file differ from the signed record (signed: {} by {} at {})",
                record.signer(),
                record.officer(),
                record.created_ms()
            ));
        }
        if record.id().to_string() != rec.id {
            v.problems.push(format!(
                "record {i}: id in file {} does not match its bytes ({})",
                rec.id,
                record.id()
            ));
        }
        if Some(record.doc_id()) != expected_doc {
            v.problems
                .push(format!("record {i}: belongs to another inspection"));
        }
        match record.verify() {
            Ok(()) => v.signatures_valid += 1,
            Err(e) => {
                v.problems.push(format!("record {i} ({}): {e}", rec.id));
                continue;
            }
        }
        if let Err(e) = doc.apply_signed_change(record.payload(), record.signer().as_bytes()) {
            v.problems.push(format!("record {i}: {e}"));
        }
        if let Some(receipt) = &rec.receipt {
            match check_receipt(
                receipt,
                &record,
                file.server_key.as_deref(),
                server.as_ref(),
            ) {
                Ok(()) => v.receipts_valid += 1,
                Err(why) => v.problems.push(format!("record {i}: receipt: {why}")),
            }
        }
    }
    match doc.view() {
        Ok(view) => v.view_matches = view == file.view,
        Err(e) => v
            .problems
            .push(format!("records do not rebuild the inspection: {e}")),
    }
    v
}

fn check_receipt(
    encoded: &str,
    record: &SignedRecord,
    key_text: Option<&str>,
    server: Option<&PublicKey>,
) -> Result<(), String> {
    let bytes = b64()
        .decode(encoded)
        .map_err(|e| format!("not base64: {e}"))?;
    let receipt = Receipt::parse(&bytes).map_err(|e| e.to_string())?;
    let server = match (server, key_text) {
        (Some(s), _) => s,
        (None, None) => return Err("the file names no server key to check it against".into()),
        (None, Some(k)) => return Err(format!("server key {k:?} in the file is not a valid key")),
    };
    if receipt.record_id != record.id() {
        return Err(format!(
            "it is for record {}, not this one",
            receipt.record_id
        ));
    }
    receipt.verify(server).map_err(|e| e.to_string())
}
