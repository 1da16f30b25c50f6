//! Moving a server's storage from one backend to another
//! (`kordon-server migrate --from DIR --to postgres://…`): what a source
//! hands out, row by row and as it holds it, and what a destination takes
//! in. Only what is not derived moves: records (with their positions),
//! the transparency log's leaves, checkpoints and witnesses, refusals,
//! the register, accounts and the audit trail. The derived index
//! (inspections, hotlists, training) is not moved: the projection of the
//! server running on the destination rebuilds it from the records.
//! Console sessions end (people log in again).

use crate::{AuditEntry, LogEntry, Origin, PortError, UserRow, Witness};
use kordon_record::SignedRecord;

/// A record with its position and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    pub seq: i64,
    pub received_ms: i64,
    pub origin: Origin,
    pub record: SignedRecord,
}

/// A signed checkpoint as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRow {
    pub size: u64,
    pub at_ms: i64,
    pub text: String,
}

/// A refusal as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalRow {
    /// Its number: increasing in the order kept.
    pub n: i64,
    pub at_ms: i64,
    pub record: Option<Vec<u8>>,
    pub signer: Option<Vec<u8>>,
    pub peer: Option<String>,
    pub reason: String,
}

/// A device as the register keeps it, every column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceRow {
    pub key: Vec<u8>,
    pub unit: String,
    pub enrolled_ms: i64,
    pub revoked_ms: Option<i64>,
    pub revoked_reason: Option<String>,
    pub revoked_by: Option<String>,
    pub last_seen_ms: Option<i64>,
    pub last_addr: Option<String>,
    pub app_version: Option<String>,
    pub backlog_records: Option<i64>,
    pub backlog_scan_bytes: Option<i64>,
    pub clock_offset_ms: Option<i64>,
    pub stated_ms: Option<i64>,
    pub refused_count: i64,
    pub last_refused_ms: Option<i64>,
    pub sync_started_ms: Option<i64>,
    pub sync_finished_ms: Option<i64>,
    pub wipe_ordered_ms: Option<i64>,
    pub wipe_told_ms: Option<i64>,
    pub wipe_backlog_records: Option<i64>,
    pub wipe_backlog_scan_bytes: Option<i64>,
}

/// An enrollment secret (by hash) as kept, used or not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnrollmentRow {
    pub secret_hash: Vec<u8>,
    pub unit: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub created_by: Option<String>,
    pub used_ms: Option<i64>,
    pub used_by: Option<Vec<u8>>,
    pub cancelled_ms: Option<i64>,
    pub cancelled_by: Option<String>,
}

/// A device following a document: (device key, document id).
pub type FollowRow = (Vec<u8>, Vec<u8>);

/// A scan blob received, as the register keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRow {
    pub blob: String,
    pub size: i64,
    pub received: i64,
    pub device: Vec<u8>,
    pub stored_ms: i64,
}

/// What a backend hands out to be moved, and what a move's check reads
/// back on both sides. Long tables come in pages, in their order (names
/// and keys in byte order, whatever the database's language).
pub trait DumpSource {
    /// Up to `limit` records after position `after`, in order.
    fn dump_records(&self, after: i64, limit: usize) -> Result<Vec<RecordRow>, PortError>;
    /// Up to `limit` leaves of the log from position `from`, in order.
    fn dump_leaves(&self, from: u64, limit: usize) -> Result<Vec<LogEntry>, PortError>;
    /// Up to `limit` checkpoints of sizes above `after`, by size.
    fn dump_checkpoints(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<CheckpointRow>, PortError>;
    /// Up to `limit` refusals numbered after `after`, in the order kept.
    fn dump_refusals(&self, after: i64, limit: usize) -> Result<Vec<RefusalRow>, PortError>;
    fn dump_devices(&self) -> Result<Vec<DeviceRow>, PortError>;
    fn dump_enrollments(&self) -> Result<Vec<EnrollmentRow>, PortError>;
    /// Up to `limit` (device, document) pairs a device follows, after the
    /// pair `after` (in byte order).
    fn dump_follows(
        &self,
        after: Option<FollowRow>,
        limit: usize,
    ) -> Result<Vec<FollowRow>, PortError>;
    /// Up to `limit` scans received, by name after `after`.
    fn dump_blobs(&self, after: Option<String>, limit: usize) -> Result<Vec<BlobRow>, PortError>;
}

/// What a backend takes in when a server moves to it: rows as the source
/// held them, positions kept. Each call commits on its own; a move into a
/// backend that holds anything is refused before it begins.
pub trait DumpSink {
    /// Whether it holds nothing a move would overwrite or mix with (no
    /// row in any table a move fills).
    fn is_empty(&self) -> Result<bool, PortError>;
    fn load_records(&self, rows: &[RecordRow]) -> Result<(), PortError>;
    /// Leaves continuing the log exactly where it ends (their positions
    /// are checked); the tree's nodes are computed as they come.
    fn load_leaves(&self, leaves: &[LogEntry]) -> Result<(), PortError>;
    fn load_checkpoints(&self, rows: &[CheckpointRow]) -> Result<(), PortError>;
    /// Refusals, numbers kept.
    fn load_refusals(&self, rows: &[RefusalRow]) -> Result<(), PortError>;
    fn load_witnesses(&self, rows: &[Witness]) -> Result<(), PortError>;
    fn load_devices(&self, rows: &[DeviceRow]) -> Result<(), PortError>;
    fn load_enrollments(&self, rows: &[EnrollmentRow]) -> Result<(), PortError>;
    fn load_follows(&self, rows: &[FollowRow]) -> Result<(), PortError>;
    fn load_blobs(&self, rows: &[BlobRow]) -> Result<(), PortError>;
    /// Accounts with their password hashes, as they were.
    fn load_users(&self, rows: &[UserRow]) -> Result<(), PortError>;
    /// Entries of the audit trail, numbers kept.
    fn load_audit(&self, rows: &[AuditEntry]) -> Result<(), PortError>;
}
