//! The SQLite store shared by the vehicle and the server.
//!
//! One file in WAL mode with `synchronous=FULL`: a committed transaction
//! survives a power cut. What it holds:
//! - `records`: every signed record, local or received, keyed by id (the
//!   signed digest), so storing the same record twice is a no-op;
//! - `snapshots`: compacted documents, so opening one need not replay
//!   every change;
//! - `inspections`: the derived index (plates, day, outcome, the view as
//!   JSON) for queries that do not load documents;
//! - `outbox` and `receipts`: what still has to reach the server, and the
//!   server's signed proof for what did;
//! - `rejections`: records refused, with the reason, for the audit trail;
//! - `scan_blobs` (derived with the index), `blob_transfers` and
//!   `watch_files`: which blobs the inspections reference, how far their
//!   delivery has come, and what a watch folder has already imported;
//! - `hotlists` (derived from the server's list documents) and
//!   `inspection_plates` (every plate key an inspection is known by, its
//!   reads' included, for history by match key);
//! - `inspection_stats`: each inspection's countable facts, clustered by
//!   day, for the statistics ([`Store::statistics`]);
//! - `training` (derived from trainees' attempt documents): training
//!   exercises taken, with their answers ([`Store::training_attempts`]);
//! - `meta`: small settings and sync cursors;
//! - on a vehicle: `record_proofs`, `held_checkpoints`, `record_sets` and
//!   `device_entries` (each record's place in the server's log and what
//!   proves it, for exports);
//! - on the server only: `devices`, `enrollments` (only the secrets'
//!   hashes), `device_docs` and `blobs` (the register: who may sync, what
//!   each device follows, which scans arrived; made by
//!   [`Store::open_register`]), `log_leaves`, `log_nodes` and `log_checkpoints`
//!   (the transparency log of what it accepted and refused, and the
//!   checkpoints it signed), `log_witnesses` (the checkpoints vehicles
//!   reported); and `users`, `sessions` and `audit` (the console's
//!   accounts and an append-only trail of what was done in it), and the
//!   console's queue over the index ([`Store::console_page`]).

//!
//! A local change, its signed record, its index row and its outbox entry
//! commit in one transaction ([`Store::commit_local`]).
//!
//! A full disk is [`StoreError::DiskFull`], never half a write; a small
//! reserve file beside the database is given back when a store is opened
//! on a full disk, so it still opens ([`DiskSpace`], `disk.rs`).

mod accounts;
mod blobs;
mod check;
mod disk;
mod dump;
mod error;
mod hotlists;
mod index;
mod log;
mod outbox;
mod proofs;
mod queue;
mod record_log;
mod register;
mod schema;
mod stats;
mod store;
mod trail;
mod training;

pub use blobs::{BlobCounts, BlobToSend, WatchEntry};
pub use check::{Finding, StoreCheck};
pub use disk::{DiskSpace, DISK_LOW_BYTES};
pub use error::StoreError;

pub use kordon_ports::index::plate_keys;
pub use kordon_ports::register::fingerprint;
pub use kordon_ports::stats::{
    DayStats, DayUnitStats, OfficerStats, Statistics, StatsCounts, StatsQuery, UnitStats,
    STATS_MAX_DAYS,
};
pub use kordon_ports::trail::{
    Trail, TrailFilter, TrailPosition, TrailRecord, TrailRefusal, TRAIL_RANK_CONSOLE,
    TRAIL_RANK_RECORD, TRAIL_RANK_REFUSAL,
};
pub use kordon_ports::{
    AccountStore, AuditEntry, BlobInfo, DeviceInfo, DownPage, HeldRecord, IngestOutcome, LastSync,
    LogEntry, NewAuditEntry, NewEnrollment, NewSession, Origin, PendingEnrollment, PortError,
    RecordLog, Register, SessionRow, Standing, Stated, UserRow, Wipe, WipeTarget, Witness,
};
pub use kordon_ports::{
    AlertFilter, ConsolePage, ConsoleQuery, ConsoleRow, Index, IndexRow, Query, QueueCounts,
    QueueVersion, ReviewCounts, TrainingQuery, QUEUE_OFFSET_MAX, QUEUE_PAGE, QUEUE_PAGE_MAX,
};
pub use outbox::{Delivery, OutboxEntry, SyncCounts};
pub use proofs::{ProvenRecord, RecordProof, RecordSetFacts};
pub use store::{
    is_plain_database, key_opens, reseal_database, seal_database, RecordFacts, RecordWithReceipt,
    Store,
};
