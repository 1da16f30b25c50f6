//! Export of one inspection with everything a third party needs to check
//! it offline (`docs/signed-records.md` §5): its signed records, each
//! with its inclusion proof in the server's log (or an older receipt), the
//! checkpoints the proofs lead to, the server's statement of the complete
//! record set, and the register entries of the signers. And the check of
//! such a file, against a server key pinned from outside it.

use crate::strict_json::{self, Problems};
use kordon_model::{InspectionDoc, InspectionId, InspectionView};
use kordon_record::{Checkpoint, DeviceEntry, PublicKey, Receipt, RecordSet, SignedRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub const EXPORT_FORMAT: &str = "kordon-export/2";
/// Exports written before receipts were tied to the log (§5.4).
pub const EXPORT_FORMAT_V1: &str = "kordon-export/1";

/// A record's place in the server's log, with the proof.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportLog {
    pub leaf_index: u64,
    /// The leaf's bytes, hex.
    pub leaf: String,
    /// The size of the checkpoint the path leads to.
    pub tree_size: u64,
    /// `PATH(leaf_index, D[tree_size])`, hex.
    pub path: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportRecord {
    /// Record id (hex): the digest the signature covers.
    pub id: String,
    pub signer: String,
    pub officer: String,
    pub created_ms: i64,
    /// The signed record, base64 (standard alphabet, padded).
    pub record: String,
    /// A receipt, base64: records acknowledged before receipts were tied
    /// to the log.
    pub receipt: Option<String>,
    /// Where the record is in the server's log, and the proof.
    #[serde(default)]
    pub log: Option<ExportLog>,
}

impl ExportRecord {
    /// The entry of one signed record, with its receipt (older records)
    /// or its place in the log.
    pub fn of(r: &SignedRecord, receipt: Option<&[u8]>, log: Option<ExportLog>) -> ExportRecord {
        use base64::Engine;
        ExportRecord {
            id: r.id().to_string(),
            signer: r.signer().to_string(),
            officer: r.officer().to_string(),
            created_ms: r.created_ms(),
            record: b64().encode(r.bytes()),
            receipt: receipt.map(|b| b64().encode(b)),
            log,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportFile {
    pub format: String,
    pub inspection: String,
    /// The server key the exporting device was enrolled with.
    pub server_key: Option<String>,
    pub exported_ms: i64,
    /// Checkpoints the proofs and the record-set statement lead to.
    #[serde(default)]
    pub checkpoints: Vec<String>,
    /// The server's statement of the inspection's complete record set.
    #[serde(default)]
    pub record_set: Option<String>,
    /// The server's register entries of the signers.
    #[serde(default)]
    pub devices: Vec<String>,
    pub records: Vec<ExportRecord>,
    /// The inspection as the records reconstruct it (for reading; the
    /// verifier recomputes it from the records).
    pub view: InspectionView,
}

/// How to check an export.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The server key, pinned from outside the file. Without one nothing
    /// is verified: a file can name any key it likes.
    pub server_key: Option<PublicKey>,
    /// Evidence mode: every record must be acknowledged by the server and
    /// covered by its record-set statement.
    pub evidence: bool,
}

/// The result of checking an export offline.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExportVerdict {
    pub format: String,
    pub records: usize,
    pub signatures_valid: usize,
    pub receipts_valid: usize,
    /// Records whose inclusion in the server's log is proven.
    pub proofs_valid: usize,
    /// Records the server's record-set statement covers (None: no statement).
    pub covered: Option<usize>,
    /// Where and when the statement was made: completeness is as of then
    /// (a later record dropped together with a later statement cannot be
    /// seen offline).
    pub record_set_log_size: Option<u64>,
    pub record_set_at_ms: Option<i64>,
    /// What makes the file fail, one a line.
    pub problems: Vec<String>,
    /// What a reader should know but does not fail the file (errors in
    /// evidence mode).
    pub warnings: Vec<String>,
    /// The view recomputed from the records equals the one in the file.
    pub view_matches: bool,
    /// In a bundle: the scan files whose BLAKE3 is that of an image in the
    /// signed scan records (None: not a bundle).
    pub scan_files: Option<usize>,
}

impl ExportVerdict {
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.view_matches
    }
}

/// The base64 of records and receipts in an export.
pub fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// The key sets of the strict form (§5), by format.
const TOP_V2: &[&str] = &[
    "format",
    "inspection",
    "server_key",
    "exported_ms",
    "checkpoints",
    "record_set",
    "devices",
    "records",
    "view",
];
const TOP_V1: &[&str] = &[
    "format",
    "inspection",
    "server_key",
    "exported_ms",
    "records",
    "view",
];
const RECORD_V2: &[&str] = &[
    "id",
    "signer",
    "officer",
    "created_ms",
    "record",
    "receipt",
    "log",
];
const RECORD_V1: &[&str] = &["id", "signer", "officer", "created_ms", "record", "receipt"];
const LOG: &[&str] = &["leaf_index", "leaf", "tree_size", "path"];

/// Checks the bytes of an export: strict form, then
/// [`verify_export`]. Nothing in the file is trusted before it is checked.
pub fn verify_export_bytes(bytes: &[u8], opts: &VerifyOptions) -> ExportVerdict {
    let mut v = ExportVerdict::default();
    let value = match strict_json::parse(bytes) {
        Ok(value) => value,
        Err(e) => {
            v.problems.push(e);
            return v;
        }
    };
    let format = value
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let (top, record_keys) = match format.as_str() {
        EXPORT_FORMAT => (TOP_V2, RECORD_V2),
        EXPORT_FORMAT_V1 => (TOP_V1, RECORD_V1),
        other => {
            v.problems.push(format!(
                "unknown format {other:?} (expected {EXPORT_FORMAT:?})"
            ));
            return v;
        }
    };
    let mut shape = Problems::default();
    shape.keys(&value, top, "the file");
    shape.integer(&value, "exported_ms", "the file");
    if let Some(records) = value.get("records").and_then(Value::as_array) {
        for (i, r) in records.iter().enumerate() {
            let at = format!("record {i}");
            shape.keys(r, record_keys, &at);
            shape.integer(r, "created_ms", &at);
            if let Some(log) = r.get("log").filter(|l| !l.is_null()) {
                shape.keys(log, LOG, &format!("{at}: log"));
                shape.integer(log, "leaf_index", &at);
                shape.integer(log, "tree_size", &at);
            }
        }
    }
    if !shape.0.is_empty() {
        v.problems = shape.0;
        return v;
    }
    let raw_view = value.get("view").cloned().unwrap_or(Value::Null);
    match serde_json::from_value::<ExportFile>(value) {
        Ok(file) => {
            let mut v = verify_export(&file, opts);
            // The view is compared as it is written: a field the typed
            // view would silently drop is a field nobody checked.
            let typed = serde_json::to_value(&file.view).unwrap_or(Value::Null);
            // Exports made before a field existed lack it: in those, a
            // missing field whose value is empty is what was written then.
            let v1 = file.format == EXPORT_FORMAT_V1;
            if let Some(path) = first_difference(&raw_view, &typed, "view", v1) {
                v.view_matches = false;
                v.problems.push(format!(
                    "{path}: unknown field or value not in the form Kordon writes"
                ));
            }
            v
        }
        Err(e) => {
            v.problems.push(format!("not a Kordon export: {e}"));
            v
        }
    }
}

/// The first place where `raw` differs from `typed` (keys in `raw` that
/// `typed` lacks first), or `None` if they are equal. With
/// `missing_empty_ok`, a key `raw` lacks whose typed value is empty (`[]`
/// or null) is no difference.
fn first_difference(
    raw: &Value,
    typed: &Value,
    at: &str,
    missing_empty_ok: bool,
) -> Option<String> {
    match (raw, typed) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                match b.get(k) {
                    None => return Some(format!("{at}.{k}")),
                    Some(vb) => {
                        if let Some(p) =
                            first_difference(va, vb, &format!("{at}.{k}"), missing_empty_ok)
                        {
                            return Some(p);
                        }
                    }
                }
            }
            let empty = |v: &Value| v.is_null() || v.as_array().is_some_and(Vec::is_empty);
            b.iter()
                .find(|(k, v)| {
                    let written_then = missing_empty_ok && empty(v);
                    !a.contains_key(*k) && !written_then
                })
                .map(|(k, _)| format!("{at}.{k}"))
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            a.iter().zip(b).enumerate().find_map(|(i, (x, y))| {
                first_difference(x, y, &format!("{at}[{i}]"), missing_empty_ok)
            })
        }
        _ if raw == typed => None,
        _ => Some(at.to_string()),
    }
}

/// Checks an export already read strictly by [`verify_export_bytes`], the
/// only way in (a file read leniently could carry what nobody checked):
/// every signature; that every signer is the pinned server or a device the
/// file's register (signed by it) carries; receipts and inclusion proofs
/// against the pinned key; the record set against the server's statement;
/// and that the records rebuild the stated inspection.
fn verify_export(file: &ExportFile, opts: &VerifyOptions) -> ExportVerdict {
    let mut v = ExportVerdict {
        format: file.format.clone(),
        records: file.records.len(),
        ..ExportVerdict::default()
    };
    let v2 = file.format == EXPORT_FORMAT;
    if !v2 && file.format != EXPORT_FORMAT_V1 {
        v.problems.push(format!("unknown format {:?}", file.format));
        return v;
    }
    let Some(server) = opts.server_key else {
        v.problems.push(
            "the server key is not pinned: give --server-key (printed by `kordon-server init`), or verify on the enrolled vehicle; a file that names its own key proves nothing".into(),
        );
        return v;
    };
    if file.server_key.as_deref() != Some(server.to_string().as_str()) {
        v.problems.push(format!(
            "server_key in the file is {}, not the pinned server key {server}",
            file.server_key.as_deref().unwrap_or("null")
        ));
    }
    let expected_doc = match InspectionId::parse_canonical(&file.inspection) {
        Some(id) => *id.as_bytes(),
        None => {
            v.problems.push(format!(
                "inspection {:?} is not a lower-case hyphenated UUID",
                file.inspection
            ));
            return v;
        }
    };

    let checkpoints = checkpoints_of(file, &server, &mut v);
    let register = register_of(file, &server, &mut v);

    let mut doc = InspectionDoc::empty(&[0; 32]);
    let mut seen = HashSet::new();
    // Change hash -> (its dependencies, record index), for completeness.
    let mut changes: HashMap<[u8; 32], (Vec<[u8; 32]>, usize)> = HashMap::new();
    for (i, rec) in file.records.iter().enumerate() {
        if !seen.insert(rec.id.clone()) {
            v.problems
                .push(format!("record {i}: duplicate record {}", rec.id));
            continue;
        }
        let Some(record) = check_record(i, rec, &expected_doc, &mut v) else {
            continue;
        };
        if v2 && record.signer() != server && !register.contains(&record.signer()) {
            v.problems.push(format!(
                "record {i} ({}): signer {} is not in the device register the file carries (signed by the server)",
                rec.id,
                record.signer()
            ));
        }
        match kordon_model::change_graph_entry(record.payload()) {
            Ok((hash, deps)) => {
                if let Some((_, other)) = changes.insert(hash, (deps, i)) {
                    v.problems.push(format!(
                        "record {i}: carries the same Automerge change as record {other}"
                    ));
                }
            }
            Err(e) => v.problems.push(format!("record {i}: {e}")),
        }
        if let Err(e) = doc.apply_signed_change(record.payload(), record.signer().as_bytes()) {
            v.problems.push(format!("record {i}: {e}"));
        }
        let mut acknowledged = false;
        if let Some(receipt) = &rec.receipt {
            match check_receipt(receipt, &record, &server) {
                Ok(()) => {
                    v.receipts_valid += 1;
                    acknowledged = true;
                }
                Err(why) => v.problems.push(format!("record {i}: receipt: {why}")),
            }
        }
        if let Some(log) = &rec.log {
            match check_inclusion(log, &record, &checkpoints) {
                Ok(()) => {
                    v.proofs_valid += 1;
                    acknowledged = true;
                }
                Err(why) => v
                    .problems
                    .push(format!("record {i}: inclusion proof: {why}")),
            }
        }
        if !acknowledged {
            note(
                &mut v,
                opts.evidence,
                format!(
                    "record {i} ({}): not acknowledged: neither a receipt nor an inclusion proof shows the server has it",
                    rec.id
                ),
            );
        }
    }

    // Every dependency must be in the file (a record removed from the
    // middle shows here even without the server's statement).
    for (deps, i) in changes.values() {
        for d in deps {
            if !changes.contains_key(d) {
                v.problems.push(format!(
                    "record {i}: depends on Automerge change {}, which is not in the file",
                    hex::encode(d)
                ));
            }
        }
    }
    if v2 {
        check_record_set(file, &server, &checkpoints, &changes, opts, &mut v);
    } else {
        note(
            &mut v,
            opts.evidence,
            "this is a kordon-export/1 file: it cannot show that it holds every record (no record-set statement) nor that the server admitted its signers (no device register)".into(),
        );
    }

    match doc.view() {
        Ok(view) => v.view_matches = view == file.view,
        Err(e) => v
            .problems
            .push(format!("records do not rebuild the inspection: {e}")),
    }
    if !v.view_matches {
        v.problems
            .push("the view in the file is not what the records rebuild".into());
    }
    v
}

/// A warning, or in evidence mode a problem.
fn note(v: &mut ExportVerdict, evidence: bool, text: String) {
    if evidence {
        v.problems.push(text);
    } else {
        v.warnings.push(text);
    }
}

/// The file's checkpoints, each verified under the pinned key, by size.
fn checkpoints_of(
    file: &ExportFile,
    server: &PublicKey,
    v: &mut ExportVerdict,
) -> BTreeMap<u64, Checkpoint> {
    let mut out = BTreeMap::new();
    let mut last = None;
    for (i, text) in file.checkpoints.iter().enumerate() {
        match Checkpoint::parse(text) {
            Ok(cp) => {
                if let Err(e) = cp.verify(server) {
                    v.problems.push(format!(
                        "checkpoint {i}: not signed by the pinned server: {e}"
                    ));
                    continue;
                }
                if last.is_some_and(|l| cp.size <= l) {
                    v.problems.push(format!(
                        "checkpoint {i}: checkpoints must be in ascending order of size, each size once"
                    ));
                }
                last = Some(cp.size);
                out.insert(cp.size, cp);
            }
            Err(e) => v.problems.push(format!("checkpoint {i}: {e}")),
        }
    }
    out
}

/// The device keys of the file's register entries, each verified.
fn register_of(
    file: &ExportFile,
    server: &PublicKey,
    v: &mut ExportVerdict,
) -> BTreeSet<PublicKey> {
    let mut out = BTreeSet::new();
    let mut last: Option<PublicKey> = None;
    for (i, text) in file.devices.iter().enumerate() {
        match DeviceEntry::parse(text) {
            Ok(e) => {
                if let Err(err) = e.verify(server) {
                    v.problems.push(format!(
                        "device entry {i}: not signed by the pinned server: {err}"
                    ));
                    continue;
                }
                if last.is_some_and(|l| e.device.0 <= l.0) {
                    v.problems.push(format!(
                        "device entry {i}: entries must be in ascending order of device key, each once"
                    ));
                }
                last = Some(e.device);
                out.insert(e.device);
            }
            Err(e) => v.problems.push(format!("device entry {i}: {e}")),
        }
    }
    out
}

/// Steps 4.1 and 4.2: the record's bytes, id, copies and signature.
fn check_record(
    i: usize,
    rec: &ExportRecord,
    expected_doc: &[u8; 16],
    v: &mut ExportVerdict,
) -> Option<SignedRecord> {
    let bytes = match strict_json::base64_canonical(&rec.record) {
        Ok(b) => b,
        Err(e) => {
            v.problems.push(format!("record {i}: {e}"));
            return None;
        }
    };
    let record = match SignedRecord::parse(bytes) {
        Ok(r) => r,
        Err(e) => {
            v.problems.push(format!("record {i}: {e}"));
            return None;
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
    if record.doc_id() != *expected_doc {
        v.problems
            .push(format!("record {i}: belongs to another inspection"));
    }
    match record.verify() {
        Ok(()) => v.signatures_valid += 1,
        Err(e) => {
            v.problems.push(format!("record {i} ({}): {e}", rec.id));
            return None;
        }
    }
    Some(record)
}

fn check_receipt(encoded: &str, record: &SignedRecord, server: &PublicKey) -> Result<(), String> {
    let bytes = strict_json::base64_canonical(encoded)?;
    let receipt = Receipt::parse(&bytes).map_err(|e| e.to_string())?;
    if receipt.record_id != record.id() {
        return Err(format!(
            "it is for record {}, not this one",
            receipt.record_id
        ));
    }
    receipt.verify(server).map_err(|e| e.to_string())
}

fn check_inclusion(
    log: &ExportLog,
    record: &SignedRecord,
    checkpoints: &BTreeMap<u64, Checkpoint>,
) -> Result<(), String> {
    let leaf = strict_json::hex_canonical(&log.leaf).map_err(|e| format!("leaf: {e}"))?;
    let parsed = kordon_log::Leaf::parse(&leaf).map_err(|e| e.to_string())?;
    if parsed.accepted_record() != Some(record.id().0) {
        return Err("the leaf does not name this record".into());
    }
    let cp = checkpoints.get(&log.tree_size).ok_or_else(|| {
        format!(
            "no checkpoint of size {} in the file to check it against",
            log.tree_size
        )
    })?;
    let path = log
        .path
        .iter()
        .map(|h| {
            strict_json::hex_canonical(h).and_then(|b| {
                <[u8; 32]>::try_from(b.as_slice()).map_err(|_| "a path hash is not 32 bytes".into())
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    kordon_log::verify_inclusion(
        &kordon_log::leaf_hash(&leaf),
        log.leaf_index,
        cp.size,
        &path,
        &cp.head,
    )
    .map_err(|e| {
        format!(
            "leaf {} in the checkpoint of size {}: {e}",
            log.leaf_index, cp.size
        )
    })
}

/// Step 5: the server's record-set statement against the file's records.
fn check_record_set(
    file: &ExportFile,
    server: &PublicKey,
    checkpoints: &BTreeMap<u64, Checkpoint>,
    changes: &HashMap<[u8; 32], (Vec<[u8; 32]>, usize)>,
    opts: &VerifyOptions,
    v: &mut ExportVerdict,
) {
    let Some(text) = &file.record_set else {
        note(
            v,
            opts.evidence,
            "no record-set statement from the server: nothing shows that the file holds every record of the inspection".into(),
        );
        return;
    };
    let set = match RecordSet::parse(text) {
        Ok(s) => s,
        Err(e) => {
            v.problems.push(format!("record_set: {e}"));
            return;
        }
    };
    if let Err(e) = set.verify(server) {
        v.problems
            .push(format!("record_set: not signed by the pinned server: {e}"));
        return;
    }
    if uuid::Uuid::from_bytes(set.doc).to_string() != file.inspection {
        v.problems
            .push("record_set: the statement is about another inspection".into());
        return;
    }
    if !checkpoints.contains_key(&set.log_size) {
        v.problems.push(format!(
            "record_set: no checkpoint of size {} in the file",
            set.log_size
        ));
    }
    // Walk back from the heads; every change reached must be in the file.
    let mut reached = HashSet::new();
    let mut stack: Vec<[u8; 32]> = set.heads.clone();
    while let Some(h) = stack.pop() {
        if !reached.insert(h) {
            continue;
        }
        match changes.get(&h) {
            Some((deps, _)) => stack.extend(deps.iter().copied()),
            None => v.problems.push(format!(
                "record_set: change {} that the server's statement covers is not in the file: a record was removed",
                hex::encode(h)
            )),
        }
    }
    if reached.len() as u64 != set.count {
        v.problems.push(format!(
            "record_set: the record count in the server's statement is {}, but its heads reach {} records of the file",
            set.count,
            reached.len()
        ));
    }
    v.covered = Some(reached.iter().filter(|h| changes.contains_key(*h)).count());
    v.record_set_log_size = Some(set.log_size);
    v.record_set_at_ms = Some(set.at_ms);
    for (hash, (_, i)) in changes {
        if !reached.contains(hash) {
            note(
                v,
                opts.evidence,
                format!(
                    "record {i} ({}): made after the server's statement of the record set",
                    file.records[*i].id
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use kordon_model::{NewDecision, NewInspection, OfficerId, Outcome};
    use kordon_record::DeviceKey;

    /// An export written before receipts were tied to the log: format 1,
    /// a signed receipt per record, a view without the fields added since
    /// (scans, annotations). It still verifies against the pinned key, is
    /// reported as unable to show completeness, and evidence mode refuses
    /// it for that reason.
    #[test]
    fn an_export_written_before_receipts_on_the_log_still_verifies() {
        let device = DeviceKey::generate();
        let server = DeviceKey::generate();
        let id = InspectionId::random();
        let officer = OfficerId::new("OF-17").expect("officer");
        let input = NewInspection {
            tractor_plate: "AA1234BC".into(),
            unit: "MOBILE-1".into(),
            ..Default::default()
        };
        let mut doc =
            InspectionDoc::create(device.public().as_bytes(), id, &input, &officer, 1_000)
                .expect("create");
        let mut changes = vec![doc.last_change().expect("genesis")];
        doc.decide(
            &NewDecision {
                outcome: Outcome::Release,
                reasons: vec![],
                note: String::new(),
            },
            &officer,
            2_000,
        )
        .expect("decide");
        changes.push(doc.last_change().expect("decision"));
        let records: Vec<Value> = changes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let r =
                    SignedRecord::sign(&device, *id.as_bytes(), "OF-17", 1_000 * (i as i64 + 1), c)
                        .expect("signed");
                let receipt = Receipt::sign(&server, r.id(), i as u64 + 1, 5_000);
                serde_json::json!({
                    "id": r.id().to_string(),
                    "signer": r.signer().to_string(),
                    "officer": "OF-17",
                    "created_ms": r.created_ms(),
                    "record": b64().encode(r.bytes()),
                    "receipt": b64().encode(receipt.to_bytes()),
                })
            })
            .collect();
        let mut view = serde_json::to_value(doc.view().expect("view")).expect("json");
        let old = view.as_object_mut().expect("object");
        assert!(old.remove("scans").is_some() && old.remove("annotations").is_some());
        let file = serde_json::json!({
            "format": EXPORT_FORMAT_V1,
            "inspection": id.to_string(),
            "server_key": server.public().to_string(),
            "exported_ms": 9_000,
            "records": records,
            "view": view,
        });
        let bytes = serde_json::to_vec(&file).expect("json");
        let pinned = VerifyOptions {
            server_key: Some(server.public()),
            evidence: false,
        };
        let v = verify_export_bytes(&bytes, &pinned);
        assert!(v.ok(), "{:?}", v.problems);
        assert_eq!((v.receipts_valid, v.signatures_valid), (2, 2));
        assert!(
            v.warnings.iter().any(|w| w.contains("kordon-export/1")),
            "{:?}",
            v.warnings
        );
        let evidence = verify_export_bytes(
            &bytes,
            &VerifyOptions {
                evidence: true,
                ..pinned.clone()
            },
        );
        assert!(
            !evidence.ok(),
            "evidence mode refuses what cannot show completeness"
        );
        // Another server's key is not this file's.
        let other = verify_export_bytes(
            &bytes,
            &VerifyOptions {
                server_key: Some(DeviceKey::generate().public()),
                evidence: false,
            },
        );
        assert!(!other.ok());
        // The strict form holds for old files too: an unknown field fails.
        let mut extra = file.clone();
        extra["records"][0]["note"] = "x".into();
        let v = verify_export_bytes(&serde_json::to_vec(&extra).expect("json"), &pinned);
        assert!(
            v.problems.iter().any(|p| p.contains("unknown field")),
            "{:?}",
            v.problems
        );
    }
}
