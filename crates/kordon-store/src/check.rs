//! A store's check of itself, after a crash or a power cut: what
//! `kordon check` and `kordon-server check` report.
//!
//! Read only. It checks what must hold whatever happened to the process:
//! SQLite's own `integrity_check` and foreign keys; every record parses,
//! is stored under its own id, document and signer, and its signature
//! verifies; no two records share (document, signer, change sequence);
//! every receipt is the pinned server's signature over a record held
//! here, and no acknowledged record is still in the outbox; the derived
//! rows (an inspection's index row, a hotlist's) equal a fresh projection
//! of the document's records, and a snapshot holds the same changes as a
//! replay from nothing; on the server, the transparency log has a leaf
//! for every record, its stored tree head equals one computed again from
//! the leaves, and the latest checkpoint is signed over that log.
//!
//! A derived row behind the log (records received, not yet projected, as
//! after a crash between the two transactions) is not a fault: the next
//! projection catches it up. It is counted apart.

use crate::store::projected_upto;
use crate::{Store, StoreError};
use kordon_model::hotlist::DocKind;
use kordon_model::InspectionDoc;
use kordon_record::{Checkpoint, PublicKey, Receipt, SignedRecord};
use rusqlite::{params, OptionalExtension};
use std::collections::HashMap;

/// One thing found wrong, by kind (a stable code) and in words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// `integrity`, `foreign_key`, `record`, `signature`, `duplicate`,
    /// `receipt`, `outbox`, `projection`, `snapshot` or `log`; from the
    /// blob folder, `blob` (a file not what its name says) and
    /// `blob_missing` (a scan the server recorded as received, not held).
    pub kind: &'static str,
    pub detail: String,
}

/// What [`Store::check`] looked at and what it found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StoreCheck {
    pub records: u64,
    pub receipts: u64,
    pub documents: u64,
    /// Documents with records not yet projected (not a fault).
    pub documents_behind: u64,
    pub log_leaves: u64,
    /// Scan files hashed again and found sound, and their bytes (filled
    /// in by the data folder's check, which holds the blob folder).
    pub blobs: u64,
    pub blob_bytes: u64,
    /// Partial copies of scans in transfer, and temp files of writes
    /// under way or cut: expected after a cut, not faults.
    pub partial_blobs: u64,
    pub temp_files: u64,
    pub findings: Vec<Finding>,
}

impl StoreCheck {
    /// Adds a finding (the data folder's check adds the blob folder's).
    pub fn found(&mut self, kind: &'static str, detail: String) {
        self.findings.push(Finding { kind, detail });
    }

    /// Adds what the blob folder's check found: sound files and their
    /// bytes, partial copies, temp files, and each damaged file (its path
    /// under `blobs/` and what is wrong) as a `blob` finding.
    pub fn add_blob_folder(
        &mut self,
        sound: (u64, u64),
        partial_blobs: u64,
        temp_files: u64,
        damaged: impl IntoIterator<Item = (String, String)>,
    ) {
        (self.blobs, self.blob_bytes) = sound;
        self.partial_blobs = partial_blobs;
        self.temp_files = temp_files;
        for (path, why) in damaged {
            self.found("blob", format!("blobs/{path}: {why}"));
        }
    }

    /// Whether nothing was found wrong.
    pub fn is_sound(&self) -> bool {
        self.findings.is_empty()
    }
}

/// The report as the check commands print it: one line of counts, then
/// one line per finding.
impl std::fmt::Display for StoreCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "records {}, receipts {}, documents {} ({} behind), log leaves {}; scans {} ({} bytes), partial {}, temp files {}",
            self.records,
            self.receipts,
            self.documents,
            self.documents_behind,
            self.log_leaves,
            self.blobs,
            self.blob_bytes,
            self.partial_blobs,
            self.temp_files
        )?;
        if self.findings.is_empty() {
            return write!(f, "\nsound: nothing found wrong");
        }
        for finding in &self.findings {
            write!(f, "\n{}: {}", finding.kind, finding.detail)?;
        }
        write!(f, "\n{} finding(s)", self.findings.len())
    }
}

impl Store {
    /// Checks the store (see the module's documentation). `server` is the
    /// pinned server key receipts and checkpoints must be signed with,
    /// when known. Errors only when the database cannot be read at all.
    pub fn check(&self, server: Option<&PublicKey>) -> Result<StoreCheck, StoreError> {
        // One read transaction: a consistent snapshot while a server or a
        // sync goes on writing (rolled back at the end; nothing written).
        let snapshot = self.connection().unchecked_transaction()?;
        let out = self.check_snapshot(server);
        drop(snapshot);
        out
    }

    fn check_snapshot(&self, server: Option<&PublicKey>) -> Result<StoreCheck, StoreError> {
        let mut out = StoreCheck::default();
        let conn = self.connection();
        for pragma in ["integrity_check", "foreign_key_check"] {
            let mut stmt = conn.prepare(&format!("PRAGMA {pragma}"))?;
            let rows = stmt.query_map([], |r| r.get::<_, rusqlite::types::Value>(0))?;
            for row in rows {
                match row? {
                    rusqlite::types::Value::Text(t) if t == "ok" => {}
                    other => out.found(
                        if pragma == "integrity_check" {
                            "integrity"
                        } else {
                            "foreign_key"
                        },
                        format!("{pragma}: {other:?}"),
                    ),
                }
            }
        }

        // Records: each one as stored, and each document's changes.
        let mut docs: HashMap<[u8; 16], Vec<(i64, Vec<u8>)>> = HashMap::new();
        {
            let mut stmt =
                conn.prepare("SELECT seq, id, doc_id, signer, bytes FROM records ORDER BY seq")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                ))
            })?;
            for row in rows {
                let (seq, id, doc, signer, bytes) = row?;
                out.records += 1;
                let record = match SignedRecord::parse(bytes) {
                    Ok(r) => r,
                    Err(e) => {
                        out.found("record", format!("record #{seq} does not parse: {e}"));
                        continue;
                    }
                };
                if record.id().0[..] != id[..]
                    || record.doc_id()[..] != doc[..]
                    || record.signer().as_bytes()[..] != signer[..]
                {
                    out.found(
                        "record",
                        format!("record #{seq} is stored under another id, document or signer"),
                    );
                }
                if let Err(e) = record.verify() {
                    out.found("signature", format!("record #{seq}: {e}"));
                }
                docs.entry(record.doc_id())
                    .or_default()
                    .push((seq, record.payload().to_vec()));
            }
        }
        let mut stmt = conn.prepare(
            "SELECT hex(doc_id), hex(signer), change_seq, COUNT(*) FROM records
             WHERE change_seq IS NOT NULL GROUP BY doc_id, signer, change_seq HAVING COUNT(*) > 1",
        )?;
        for row in stmt.query_map([], |r| {
            Ok(format!(
                "document {} signer {} change {}: {} records",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?
            ))
        })? {
            out.found("duplicate", row?);
        }

        check_receipts(conn, server, &mut out)?;
        check_projection(self, docs, &mut out)?;
        check_log(self, server, &mut out)?;
        Ok(out)
    }
}

fn check_receipts(
    conn: &rusqlite::Connection,
    server: Option<&PublicKey>,
    out: &mut StoreCheck,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare(
        "SELECT c.record_id, c.bytes, r.seq FROM receipts c LEFT JOIN records r ON r.id = c.record_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, Option<i64>>(2)?,
        ))
    })?;
    for row in rows {
        let (id, bytes, seq) = row?;
        out.receipts += 1;
        let name = hex::encode(&id);
        if seq.is_none() {
            out.found("receipt", format!("receipt for {name}, a record not held"));
        }
        match Receipt::parse(&bytes) {
            Err(e) => out.found("receipt", format!("receipt for {name} does not parse: {e}")),
            Ok(receipt) => {
                if receipt.record_id.0[..] != id[..] {
                    out.found(
                        "receipt",
                        format!("receipt for {name} names another record"),
                    );
                }
                if let Some(server) = server {
                    if let Err(e) = receipt.verify(server) {
                        out.found("receipt", format!("receipt for {name}: {e}"));
                    }
                }
            }
        }
    }
    let acked_in_outbox: i64 = conn.query_row(
        "SELECT COUNT(*) FROM outbox o JOIN records r ON r.seq = o.seq
         WHERE EXISTS (SELECT 1 FROM receipts c WHERE c.record_id = r.id)
            OR EXISTS (SELECT 1 FROM record_proofs p WHERE p.record_id = r.id)",
        [],
        |r| r.get(0),
    )?;
    if acked_in_outbox > 0 {
        out.found(
            "outbox",
            format!("{acked_in_outbox} acknowledged records are still waiting to be sent"),
        );
    }
    Ok(())
}

/// Each document replayed from nothing, against its derived row and its
/// snapshot.
fn check_projection(
    store: &Store,
    docs: HashMap<[u8; 16], Vec<(i64, Vec<u8>)>>,
    out: &mut StoreCheck,
) -> Result<(), StoreError> {
    let conn = store.connection();
    let cursor = projected_upto(conn)?;
    let actor = store.actor();
    for (key, changes) in docs {
        out.documents += 1;
        let name = uuid::Uuid::from_bytes(key);
        let mut fresh = InspectionDoc::empty(actor.as_bytes());
        if let Err(e) = fresh.apply_changes(changes.iter().map(|(_, c)| c.as_slice())) {
            out.found(
                "projection",
                format!("document {name} does not replay: {e}"),
            );
            continue;
        }
        let heads = fresh.heads();

        let snapshot: Option<(i64, Vec<u8>)> = conn
            .prepare_cached("SELECT upto, bytes FROM snapshots WHERE doc_id = ?1")?
            .query_row([&key[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((upto, bytes)) = snapshot {
            let after = changes
                .iter()
                .filter(|(s, _)| *s > upto)
                .map(|(_, c)| c.as_slice());
            match InspectionDoc::load(&bytes, actor.as_bytes())
                .and_then(|mut d| d.apply_changes(after).map(|()| d))
            {
                Ok(mut d) => {
                    if d.heads() != heads {
                        out.found(
                            "snapshot",
                            format!(
                                "document {name}: its snapshot and its records hold other changes"
                            ),
                        );
                    }
                }
                Err(e) => out.found(
                    "snapshot",
                    format!("document {name}: snapshot unreadable: {e}"),
                ),
            }
        }

        let unprojected: i64 = conn
            .prepare_cached(
                "SELECT COUNT(*) FROM records WHERE doc_id = ?1 AND origin = 'remote' AND seq > ?2",
            )?
            .query_row(params![&key[..], cursor], |r| r.get(0))?;
        if unprojected > 0 {
            out.documents_behind += 1;
            continue;
        }
        let (table, expected) = match DocKind::of(&key) {
            DocKind::Inspection => match fresh.view() {
                Ok(v) if v.id.as_bytes() == &key => ("inspections", serde_json::to_value(&v).ok()),
                // No genesis yet, or an id naming another document: no
                // row is expected.
                _ => ("inspections", None),
            },
            DocKind::Hotlist => {
                match kordon_model::hotlist::hotlist_view(&fresh, &name.to_string()) {
                    Ok(v) => ("hotlists", serde_json::to_value(&v).ok()),
                    Err(_) => ("hotlists", None),
                }
            }
            DocKind::Training => match kordon_model::training::training_view(&fresh) {
                Ok(v) if uuid::Uuid::parse_str(&v.id).ok() == Some(name) => {
                    ("training", serde_json::to_value(&v).ok())
                }
                _ => ("training", None),
            },
        };
        let stored: Option<String> = conn
            .prepare_cached(&format!("SELECT view FROM {table} WHERE doc_id = ?1"))?
            .query_row([&key[..]], |r| r.get(0))
            .optional()?;
        let stored: Option<serde_json::Value> = stored.and_then(|s| serde_json::from_str(&s).ok());
        if stored != expected {
            out.found(
                "projection",
                format!("document {name}: its {table} row differs from a fresh projection of its records"),
            );
        }
    }
    Ok(())
}

/// The transparency log (a server's store; an empty log is not checked).
fn check_log(
    store: &Store,
    server: Option<&PublicKey>,
    out: &mut StoreCheck,
) -> Result<(), StoreError> {
    let conn = store.connection();
    let mut hashes = vec![];
    {
        let mut stmt = conn.prepare("SELECT idx, data FROM log_leaves ORDER BY idx")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        for row in rows {
            let (idx, data) = row?;
            if idx != hashes.len() as i64 {
                out.found(
                    "log",
                    format!("leaf {idx} follows leaf {}", hashes.len() as i64 - 1),
                );
            }
            hashes.push(kordon_log::leaf_hash(&data));
        }
    }
    out.log_leaves = hashes.len() as u64;
    if hashes.is_empty() {
        return Ok(());
    }
    let head = store.log_head(hashes.len() as u64)?;
    if head != kordon_log::root(&hashes) {
        out.found(
            "log",
            "the stored tree head differs from the one computed from the leaves".into(),
        );
    }
    // Every record since the log began has its leaf.
    let missing: i64 = conn.query_row(
        "SELECT COUNT(*) FROM records r
         WHERE r.seq >= (SELECT MIN(r2.seq) FROM records r2 JOIN log_leaves l ON l.record_id = r2.id)
           AND NOT EXISTS (SELECT 1 FROM log_leaves l WHERE l.record_id = r.id)",
        [],
        |r| r.get(0),
    )?;
    if missing > 0 {
        out.found("log", format!("{missing} records have no leaf in the log"));
    }
    let latest: Option<String> = conn
        .query_row(
            "SELECT text FROM log_checkpoints ORDER BY size DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(text) = latest {
        match Checkpoint::parse(&text) {
            Err(e) => out.found("log", format!("the latest checkpoint: {e}")),
            Ok(cp) => {
                if cp.size > hashes.len() as u64 {
                    out.found(
                        "log",
                        format!(
                            "the latest checkpoint is of {} leaves; the log has {}",
                            cp.size,
                            hashes.len()
                        ),
                    );
                } else if cp.head != kordon_log::root(&hashes[..cp.size as usize]) {
                    out.found(
                        "log",
                        format!("the checkpoint of {} leaves has another head", cp.size),
                    );
                }
                if let Some(server) = server {
                    if let Err(e) = cp.verify(server) {
                        out.found("log", format!("the latest checkpoint: {e}"));
                    }
                }
            }
        }
    }
    Ok(())
}
