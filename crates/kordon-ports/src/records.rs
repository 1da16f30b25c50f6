//! The record log port: every signed record the server holds, in the
//! order it accepted them, and its transparency log (a Merkle tree of
//! what it accepted and refused, `docs/transparency-log.md`) with the
//! checkpoints it signed.

use crate::PortError;
use kordon_model::InspectionDoc;
use kordon_record::{DeviceKey, PublicKey, RecordId, SignedRecord};

/// Where a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Made on this device (on the server: signed with the server's key).
    Local,
    /// Received from a peer and verified.
    Remote,
}

impl Origin {
    /// The name stored with the record.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Local => "local",
            Origin::Remote => "remote",
        }
    }
}

/// A leaf of the transparency log, for a proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Its position: leaves are numbered from 0 without gaps.
    pub index: u64,
    /// The leaf's bytes (`kordon_log::Leaf::to_bytes`).
    pub data: Vec<u8>,
    pub at_ms: i64,
}

/// What became of one record handed to [`RecordLog::append`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Newly stored at this sequence number (and, in a store that keeps
    /// the transparency log, as this leaf of it).
    Stored {
        seq: i64,
        received_ms: i64,
        leaf: Option<LogEntry>,
    },
    /// Already held (same id): nothing changed.
    Duplicate { seq: i64, received_ms: i64 },
    /// Well signed but unusable (not a change, a change by another actor,
    /// or one conflicting with a change stored under the same number).
    Invalid(String),
    /// A change that breaks the schema rules (`kordon_model::rules`): it
    /// would delete or edit an append-only entry, alter a field fixed at
    /// creation, or write what its signer's role may not.
    BreaksRules(String),
}

/// A checkpoint a vehicle reported in its Hello, as the server judged it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Witness {
    /// The reporting device's key, hex.
    pub device: String,
    pub size: u64,
    pub at_ms: i64,
    /// `consistent`, or what is wrong (a fork, a rollback, a bad signature).
    pub verdict: String,
    pub checkpoint: String,
}

/// A record as the log holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRecord {
    /// Its position among the records held: increasing in the order they
    /// were accepted, never reused.
    pub seq: i64,
    pub received_ms: i64,
    pub record: SignedRecord,
}

/// One held record, as a reader of the evidence needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts {
    /// The record id (hex of the signed digest).
    pub id: String,
    /// `create`, `decide`, `review`, `notes`, `scan`, `annotate`, ...
    pub op: String,
    pub signer: PublicKey,
    pub officer: String,
    pub created_ms: i64,
    pub received_ms: i64,
    /// Position in this store's log.
    pub seq: i64,
}

impl RecordFacts {
    /// The facts of a held record.
    pub fn of(held: &HeldRecord) -> RecordFacts {
        let record = &held.record;
        RecordFacts {
            id: record.id().to_string(),
            op: kordon_model::change_operation(record.payload())
                .unwrap_or_else(|| "unknown".into()),
            signer: record.signer(),
            officer: record.officer().to_string(),
            created_ms: record.created_ms(),
            received_ms: held.received_ms,
            seq: held.seq,
        }
    }
}

/// A document as its held records make it, loaded to be read or changed
/// by `actor`: `None` if no record of it is held. A change Automerge
/// refuses is skipped (the record stays in the log as evidence), as every
/// projection does.
pub fn load_document(
    log: &(impl RecordLog + ?Sized),
    doc: &[u8; 16],
    actor: &PublicKey,
) -> Result<Option<InspectionDoc>, PortError> {
    Ok(document_of(doc, log.doc_records(doc)?, actor))
}

/// Document `doc` made from its held records (as
/// [`RecordLog::doc_records`] gives them), changed by `actor`: `None`
/// for no records.
pub fn document_of(
    doc: &[u8; 16],
    records: Vec<HeldRecord>,
    actor: &PublicKey,
) -> Option<InspectionDoc> {
    let changes: Vec<Vec<u8>> = records
        .into_iter()
        .map(|held| held.record.payload().to_vec())
        .collect();
    if changes.is_empty() {
        return None;
    }
    let mut loaded = InspectionDoc::empty(actor.as_bytes());
    if !kordon_model::projection::fold_all(&mut loaded, &changes) {
        loaded = InspectionDoc::empty(actor.as_bytes());
        kordon_model::projection::fold_each(&mut loaded, doc, &changes);
    }
    Some(loaded)
}

/// The server's record log. Each backend keeps one order: `seq` and the
/// transparency log's positions are handed out by one writer at a time,
/// however many server processes append (no two share a position, none is
/// skipped), and what a batch appends commits as one transaction.
pub trait RecordLog {
    /// Appends records the caller has verified (signature, signer's
    /// standing): each must decode as an Automerge change made by its
    /// signer and keep the schema rules against its document as held
    /// (changes signed with the server's key are held to the server's
    /// role). Accepted records and refusals get a leaf each, in the batch's
    /// order; a record held already gets none. `follower`, the device
    /// that uploaded the batch, follows every document of it from the same
    /// transaction on. All of it commits together, or nothing does.
    fn append(
        &mut self,
        records: &[SignedRecord],
        origin: Origin,
        now_ms: i64,
        follower: Option<&PublicKey>,
    ) -> Result<Vec<IngestOutcome>, PortError>;

    /// Keeps a refusal the caller made itself (a bad signature, a revoked
    /// signer, a connection refused), with its leaf in the log.
    fn refuse(
        &self,
        record: Option<&RecordId>,
        signer: Option<&PublicKey>,
        peer: Option<&str>,
        reason: &str,
        now_ms: i64,
    ) -> Result<(), PortError>;

    /// Whether a record with this id is held.
    fn holds(&self, id: &RecordId) -> Result<bool, PortError>;

    /// Every record of document `doc`, in the order accepted.
    fn doc_records(&self, doc: &[u8; 16]) -> Result<Vec<HeldRecord>, PortError>;

    /// Up to `limit` records accepted after position `after`, in order:
    /// reading from 0, then from the last `seq` read, visits every record
    /// once.
    fn records_after(&self, after: i64, limit: usize) -> Result<Vec<HeldRecord>, PortError>;

    /// Leaves in the transparency log.
    fn log_size(&self) -> Result<u64, PortError>;

    /// The tree head of the first `size` leaves.
    fn log_head(&self, size: u64) -> Result<[u8; 32], PortError>;

    /// The leaf that records the acceptance of record `id`.
    fn log_entry_of(&self, id: &[u8; 32]) -> Result<Option<LogEntry>, PortError>;

    /// `PATH(index, D[size])`; `None` unless `index < size`.
    fn log_inclusion(&self, index: u64, size: u64) -> Result<Option<Vec<[u8; 32]>>, PortError>;

    /// [`log_entry_of`](Self::log_entry_of) for each of `ids`, by id (the
    /// ids with no such leaf left out): what one answer to a vehicle
    /// needs, which a backend across a network reads in one query.
    fn log_entries_of(
        &self,
        ids: &[[u8; 32]],
    ) -> Result<std::collections::HashMap<[u8; 32], LogEntry>, PortError> {
        let mut found = std::collections::HashMap::new();
        for id in ids {
            if let Some(entry) = self.log_entry_of(id)? {
                found.insert(*id, entry);
            }
        }
        Ok(found)
    }

    /// [`log_inclusion`](Self::log_inclusion) for each of `indexes`, in
    /// their order, against one tree size.
    fn log_inclusions(
        &self,
        indexes: &[u64],
        size: u64,
    ) -> Result<Vec<Option<Vec<[u8; 32]>>>, PortError> {
        indexes
            .iter()
            .map(|i| self.log_inclusion(*i, size))
            .collect()
    }

    /// [`doc_records`](Self::doc_records) for each of `docs`, by document
    /// (a document with no record held left out).
    fn docs_records(
        &self,
        docs: &[[u8; 16]],
    ) -> Result<std::collections::HashMap<[u8; 16], Vec<HeldRecord>>, PortError> {
        let mut found = std::collections::HashMap::new();
        for doc in docs {
            let records = self.doc_records(doc)?;
            if !records.is_empty() {
                found.insert(*doc, records);
            }
        }
        Ok(found)
    }

    /// `PROOF(first, D[size])`; `None` unless `0 < first <= size`.
    fn log_consistency(&self, first: u64, size: u64) -> Result<Option<Vec<[u8; 32]>>, PortError>;

    /// Keeps a signed checkpoint (its text); the first one kept for a size
    /// stays.
    fn put_checkpoint(&self, size: u64, at_ms: i64, text: &str) -> Result<(), PortError>;

    /// The checkpoint of the largest size kept: `(size, text)`.
    fn latest_checkpoint(&self) -> Result<Option<(u64, String)>, PortError>;

    /// The checkpoint of exactly `size` leaves, if one was kept.
    fn checkpoint_at(&self, size: u64) -> Result<Option<String>, PortError>;

    /// Keeps a checkpoint a vehicle reported, with the server's verdict:
    /// one per device and size, the latest report kept.
    fn put_witness(
        &self,
        device: &PublicKey,
        size: u64,
        at_ms: i64,
        verdict: &str,
        checkpoint: &str,
    ) -> Result<(), PortError>;

    /// The checkpoints vehicles reported, latest first.
    fn witnesses(&self) -> Result<Vec<Witness>, PortError>;

    /// Keeps a change the server made to document `doc` (a review, a
    /// mark, a hotlist's entry), signed with the server's `key` in the
    /// name of `officer`: held, in the transparency log, and in the index
    /// from the next projection on. Nothing of it goes up anywhere (the
    /// server's own records need no upload). A change the document as
    /// held does not take (another process changed it meanwhile, or it
    /// breaks the schema rules) is refused whole.
    fn commit_own(
        &mut self,
        doc: [u8; 16],
        change: &[u8],
        key: &DeviceKey,
        officer: &str,
        now_ms: i64,
    ) -> Result<SignedRecord, PortError>;

    /// What each held record of document `doc` is, in the order held.
    fn record_facts(&self, doc: &[u8; 16]) -> Result<Vec<RecordFacts>, PortError> {
        Ok(self.doc_records(doc)?.iter().map(RecordFacts::of).collect())
    }
}
