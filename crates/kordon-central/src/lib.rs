//! The central server's operations, shared by the `kordon-server` binary's
//! commands and its sync endpoint.
//!
//! - [`Central`]: a server data directory (key, certificate, settings),
//!   and its [`storage`]: the SQLite file in it, or PostgreSQL.
//! - [`register`](Central::enroll): devices and one-time enrollment secrets;
//!   revocation.
//! - [`accept`](Central::accept_records): verify (strict ed25519, on all cores), check the
//!   signer's enrollment, apply, store, and sign a receipt per record.
//! - [`serve`]: the QUIC endpoint driving `kordon-proto` server sessions,
//!   within the bounds of [`admission`] (connections in all, per address,
//!   per device; a deadline to authenticate; a budget for messages in
//!   progress), logging what attackers repeat through [`log_throttle`].
//! - [`accounts`]: console accounts with roles, sessions, login
//!   throttling and the audit trail.
//! - [`scans`]: where a scan stands on the server, and the background
//!   builder of tile pyramids.
//! - [`log`]: the transparency log's checkpoints and proofs.
//! - [`hotlists`]: hotlists and risk profiles, signed by the server and
//!   served down to the vehicles of their units.
//! - [`blob_intake`]: scan blobs arriving piece by piece, each piece
//!   checked against the blob's hash before it is written.

pub mod accounts;
pub mod admission;
mod backup;
pub mod blob_intake;
mod blobs;
mod central;
mod error;
mod evidence;
pub mod hotlists;
mod ingest;
pub mod log;
pub mod log_throttle;
pub mod metrics;
mod moving;
mod register;
pub mod scans;
pub mod serve;
pub mod storage;
pub mod trail;

pub use backup::BackupSummary;
pub use central::{Central, ServerConfig};

pub use error::CentralError;
pub use ingest::{Authorized, Refusal};
pub use kordon_proto::RecordResult;
pub use kordon_store::{fingerprint, BlobInfo, DeviceInfo, LastSync, PendingEnrollment, Wipe};
pub use moving::{Destination, MoveSummary};
pub use register::{RevokeTarget, MAX_ENROLL_TTL_HOURS, MAX_REVOKE_REASON};

/// Milliseconds since the Unix epoch, from the system clock. Only binaries
/// and the serving loop read the clock; operations take `now_ms`.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
