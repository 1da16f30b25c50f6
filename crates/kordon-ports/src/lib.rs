//! What the server asks of its storage, as traits (ports), with the row
//! types that cross them and one error. Each backend implements them:
//! `kordon-store` on the SQLite file of a single server, `kordon-postgres`
//! on PostgreSQL for a centre of several server processes. No SQL here.
//!
//! - [`AccountStore`]: console accounts, their sessions, and the audit
//!   trail of what people did in the console (append-only in the
//!   database itself, in every backend).
//! - [`Register`]: devices and their standing, enrollment secrets, what
//!   each device follows and what goes down to it, the scans received.
//! - [`RecordLog`]: the signed records the server accepted, in one order
//!   however many processes append, with its transparency log and the
//!   checkpoints it signed.
//! - [`Index`]: what the records make of their documents, as rows: the
//!   supervisors' queue, searches, hotlists, training attempts, and the
//!   blobs inspections reference, the statistics ([`stats`]).
//! - [`trail::Trail`]: the audit trail's sources (records, refusals,
//!   console actions), read newest first from a position.
//! - [`ServerStore`]: all of them at once, what a server process holds.
//!
//! Each port comes with its conformance suite ([`conformance`], behind
//! the feature `conformance`): every implementation runs the same one in
//! its tests, so no backend drifts from another.

mod accounts;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod dump;
pub mod index;
mod records;
pub mod register;
pub mod stats;
pub mod trail;

pub use accounts::{AccountStore, AuditEntry, NewAuditEntry, NewSession, SessionRow, UserRow};
pub use index::{
    AlertFilter, ConsolePage, ConsoleQuery, ConsoleRow, Index, IndexColumns, IndexRow, Query,
    QueueCounts, QueueVersion, ReviewCounts, TrainingQuery, QUEUE_OFFSET_MAX, QUEUE_PAGE,
    QUEUE_PAGE_MAX,
};
pub use records::{
    document_of, load_document, HeldRecord, IngestOutcome, LogEntry, Origin, RecordFacts,
    RecordLog, Witness,
};
pub use register::{
    BlobInfo, DeviceInfo, DownPage, LastSync, NewEnrollment, PendingEnrollment, Register, Standing,
    Stated, Wipe, WipeTarget,
};

/// Everything a server keeps, behind one value whatever the backend:
/// what a server process holds and hands its operations.
pub trait ServerStore:
    RecordLog
    + Register
    + AccountStore
    + Index
    + trail::Trail
    + dump::DumpSource
    + Send
    + std::fmt::Debug
{
}

impl<T> ServerStore for T where
    T: RecordLog
        + Register
        + AccountStore
        + Index
        + trail::Trail
        + dump::DumpSource
        + Send
        + std::fmt::Debug
{
}

/// Text as a backend that refuses NUL in text (PostgreSQL) keeps it: a
/// NUL becomes U+FFFD, so a name or a detail holding one (a hostile login
/// name, say) is kept and looked up rather than failing the operation.
pub fn stored_text(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
}

/// A storage operation that failed, as every backend reports it.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    /// The storage is full: nothing of the operation was kept.
    #[error("storage full: {0}")]
    Full(String),
    /// The storage could not be reached, or refused the operation (its
    /// reason, with its causes).
    #[error("storage: {0}")]
    Backend(String),
    /// Another writer changed the same document first: nothing was kept,
    /// and the operation may be tried again on the document as it is now.
    #[error("{0} was changed meanwhile: nothing was kept; try again")]
    Conflict(String),
}
