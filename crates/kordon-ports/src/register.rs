//! The device register port: devices and their standing, enrollment
//! secrets (only their hashes), the documents each device follows, what
//! goes down to a vehicle, and the scan blobs received. The rules (who
//! may enroll, what a revocation reaches, what a device may read) live in
//! `kordon-central`; a backend only stores and finds.

use crate::PortError;
use kordon_record::PublicKey;
use serde::Serialize;

/// How a vehicle's last session went, as the register saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LastSync {
    /// It has never connected after enrolling (or the register predates
    /// this record).
    Never,
    /// Its last session ran to the end.
    Complete,
    /// Its last session started and did not finish (link lost, power cut,
    /// still running).
    Interrupted,
    /// Its last attempt was refused (revoked, unknown).
    Refused,
}

/// A remote wipe of a device: ordered with its revocation, told to the
/// vehicle at its next connection. What it held unsent then is what it
/// stated in that connection's Hello (counts, never content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Wipe {
    #[ts(type = "number")]
    pub ordered_ms: i64,
    /// When the vehicle was told (null: it has not connected since).
    #[ts(type = "number | null")]
    pub told_ms: Option<i64>,
    /// Signed records it had not delivered when told (null: not told, or
    /// it stated nothing).
    #[ts(type = "number | null")]
    pub backlog_records: Option<u64>,
    /// Bytes of scans it had not delivered when told.
    #[ts(type = "number | null")]
    pub backlog_scan_bytes: Option<u64>,
}

/// A device as the register knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct DeviceInfo {
    /// Its public key (64 hex digits).
    pub key: String,
    /// The key's fingerprint as people compare it: the first 16 hex
    /// digits in groups of four.
    pub fingerprint: String,
    pub unit: String,
    /// Enrolled: its first contact (a vehicle enrolls at its first
    /// connection).
    #[ts(type = "number")]
    pub enrolled_ms: i64,
    #[ts(type = "number | null")]
    pub revoked_ms: Option<i64>,
    /// Why, as the administrator said (also sent to the vehicle).
    pub revoked_reason: Option<String>,
    /// Who revoked it (an account, or null: the command line).
    pub revoked_by: Option<String>,
    #[ts(type = "number | null")]
    pub last_seen_ms: Option<i64>,
    pub last_addr: Option<String>,
    /// Records stored from this device.
    #[ts(type = "number")]
    pub records: u64,
    /// What the vehicle stated at its last connection (null: it has not,
    /// e.g. a vehicle too old to say): its version, its backlog (records
    /// and scan bytes not yet delivered), its clock minus the server's.
    pub app_version: Option<String>,
    #[ts(type = "number | null")]
    pub backlog_records: Option<u64>,
    #[ts(type = "number | null")]
    pub backlog_scan_bytes: Option<u64>,
    #[ts(type = "number | null")]
    pub clock_offset_ms: Option<i64>,
    /// When it last stated them (server clock).
    #[ts(type = "number | null")]
    pub stated_ms: Option<i64>,
    /// How its last session or attempt went.
    pub last_sync: LastSync,
    /// Connections refused since it was revoked (or while unknown).
    #[ts(type = "number")]
    pub refused_count: u64,
    #[ts(type = "number | null")]
    pub last_refused_ms: Option<i64>,
    /// A remote wipe ordered for it, if any.
    pub wipe: Option<Wipe>,
}

/// An enrollment token not yet used, expired or cancelled. The token
/// itself is not kept (only its hash): it is shown once, when made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct PendingEnrollment {
    /// Names it for cancelling (16 hex digits of the secret's hash; not
    /// the secret).
    pub id: String,
    pub unit: String,
    #[ts(type = "number")]
    pub created_ms: i64,
    #[ts(type = "number")]
    pub expires_ms: i64,
    /// The account that made it (null: the command line).
    pub created_by: Option<String>,
}

/// A new enrollment secret, by its hash.
#[derive(Debug, Clone)]
pub struct NewEnrollment<'a> {
    pub secret_hash: &'a [u8],
    pub unit: &'a str,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub created_by: Option<&'a str>,
}

/// A device's standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    Enrolled {
        unit: String,
    },
    Revoked {
        unit: String,
        /// The administrator's reason ("" if none was given).
        reason: String,
        /// The centre ordered the vehicle's data destroyed.
        wipe: bool,
    },
    Unknown,
}

/// The devices a wipe order reaches (revoked ones only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WipeTarget<'a> {
    /// The revoked devices of a unit.
    Unit(&'a str),
    /// The revoked devices whose key starts with these hex digits.
    KeyPrefix(&'a str),
}

/// What a vehicle stated in its Hello, as the register keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stated<'a> {
    /// Its version, already made short and printable.
    pub app_version: &'a str,
    pub backlog_records: u64,
    pub backlog_scan_bytes: u64,
    /// Its clock minus the server's.
    pub clock_offset_ms: i64,
}

/// A scan blob the server holds, and what delivering it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlobInfo {
    pub blob: String,
    pub size: u64,
    /// Bytes that crossed the link for it (≥ size; the difference is what
    /// interruptions and damaged pieces cost).
    pub received: u64,
    /// The device that delivered it.
    pub device: String,
    pub stored_ms: i64,
}

/// One page of records going down to a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownPage {
    pub records: Vec<Vec<u8>>,
    /// Where the next page starts.
    pub cursor: u64,
    /// Whether more follow at once.
    pub more: bool,
}

/// The fingerprint people read aloud: `abcd ef01 2345 6789`.
pub fn fingerprint(key_hex: &str) -> String {
    key_hex
        .as_bytes()
        .chunks(4)
        .take(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// How the last session went: the latest of started, finished and refused.
pub fn last_sync(started: Option<i64>, finished: Option<i64>, refused: Option<i64>) -> LastSync {
    let started = started.unwrap_or(i64::MIN);
    let finished = finished.unwrap_or(i64::MIN);
    let refused = refused.unwrap_or(i64::MIN);
    if refused > i64::MIN && refused >= started {
        LastSync::Refused
    } else if started == i64::MIN {
        LastSync::Never
    } else if finished >= started {
        LastSync::Complete
    } else {
        LastSync::Interrupted
    }
}

/// The server's device register.
pub trait Register {
    /// The unit of an enrolled (or revoked) device.
    fn device_unit(&self, key: &PublicKey) -> Result<Option<String>, PortError>;

    /// A device's unit and enrollment time, revoked or not.
    fn device_enrolled(&self, key: &PublicKey) -> Result<Option<(String, i64)>, PortError>;

    /// Whether a device is enrolled, revoked (and why) or unknown.
    fn device_standing(&self, key: &PublicKey) -> Result<Standing, PortError>;

    /// Whether `device` may read the document: it follows it (it wrote to
    /// it, or its records came down to it), or it is a hotlist sent to its
    /// unit.
    fn device_reads_doc(&self, device: &PublicKey, doc: &[u8; 16]) -> Result<bool, PortError>;

    /// Whether `device` may read the document record `id` belongs to.
    fn device_reads_record(&self, device: &PublicKey, id: &[u8; 32]) -> Result<bool, PortError>;

    /// Which of `docs` `device` may read ([`device_reads_doc`](Self::device_reads_doc)
    /// for many, which a backend across a network answers in one query).
    fn docs_device_reads(
        &self,
        device: &PublicKey,
        docs: &[[u8; 16]],
    ) -> Result<std::collections::HashSet<[u8; 16]>, PortError> {
        let mut readable = std::collections::HashSet::new();
        for doc in docs {
            if self.device_reads_doc(device, doc)? {
                readable.insert(*doc);
            }
        }
        Ok(readable)
    }

    /// Which of the records `ids` are held and `device` may read
    /// ([`device_reads_record`](Self::device_reads_record) for many).
    fn records_device_reads(
        &self,
        device: &PublicKey,
        ids: &[[u8; 32]],
    ) -> Result<std::collections::HashSet<[u8; 32]>, PortError> {
        let mut readable = std::collections::HashSet::new();
        for id in ids {
            if self.device_reads_record(device, id)? {
                readable.insert(*id);
            }
        }
        Ok(readable)
    }

    /// Whether `signer` is `device` itself or signed a record in a
    /// document `device` follows.
    fn signs_where_device_reads(
        &self,
        device: &PublicKey,
        signer: &PublicKey,
    ) -> Result<bool, PortError>;

    /// The signer of a document's first record held.
    fn doc_starter(&self, doc: &[u8; 16]) -> Result<Option<PublicKey>, PortError>;

    /// [`doc_starter`](Self::doc_starter) for each of `docs`, by document
    /// (a document with no record held left out).
    fn doc_starters(
        &self,
        docs: &[[u8; 16]],
    ) -> Result<std::collections::HashMap<[u8; 16], PublicKey>, PortError> {
        let mut found = std::collections::HashMap::new();
        for doc in docs {
            if let Some(starter) = self.doc_starter(doc)? {
                found.insert(*doc, starter);
            }
        }
        Ok(found)
    }

    /// Keeps a new enrollment secret (its hash).
    fn enrollment_insert(&self, e: &NewEnrollment<'_>) -> Result<(), PortError>;

    /// Consumes the enrollment secret with this hash for `device`:
    /// `Some(unit)` if it was valid (now used, and the device enrolled, in
    /// one transaction), `None` if unknown, used, cancelled or expired, or
    /// if the device is enrolled already (nothing changes then).
    fn enrollment_redeem(
        &self,
        secret_hash: &[u8],
        device: &PublicKey,
        now_ms: i64,
    ) -> Result<Option<String>, PortError>;

    /// Enrollment secrets that can still be used, newest first.
    fn enrollments_pending(&self, now_ms: i64) -> Result<Vec<PendingEnrollment>, PortError>;

    /// Cancels the unused enrollment whose hash starts with these 8 bytes
    /// (a [`PendingEnrollment`]'s id); returns how many it cancelled.
    fn enrollment_cancel(
        &self,
        id: &[u8],
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<usize, PortError>;

    /// Revokes every device of `unit` and cancels its unused enrollment
    /// secrets, in one transaction. `None` if the register has no device
    /// of that unit; else how many devices were revoked now.
    fn unit_revoke(
        &self,
        unit: &str,
        reason: &str,
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<Option<usize>, PortError>;

    /// The keys of the devices whose key starts with these hex digits
    /// (either case).
    fn device_keys_starting(&self, hex_prefix: &str) -> Result<Vec<PublicKey>, PortError>;

    /// Revokes one device; returns 1 if it was enrolled, 0 if revoked
    /// already (or unknown).
    fn device_revoke(
        &self,
        key: &PublicKey,
        reason: &str,
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<usize, PortError>;

    /// Orders the data of revoked devices destroyed; returns how many
    /// devices the order newly reaches.
    fn wipe_order(&self, target: WipeTarget<'_>, now_ms: i64) -> Result<usize, PortError>;

    /// The backlog `device` stated at its last connection (records, scan
    /// bytes), if it stated one.
    fn device_backlog(&self, device: &PublicKey) -> Result<Option<(u64, u64)>, PortError>;

    /// Notes that `device` was told to wipe, with the backlog it stated.
    /// Only the first telling is kept.
    fn wipe_told(
        &self,
        device: &PublicKey,
        backlog: Option<(u64, u64)>,
        now_ms: i64,
    ) -> Result<(), PortError>;

    /// Every device in the register, by unit and enrollment.
    fn devices(&self) -> Result<Vec<DeviceInfo>, PortError>;

    /// Counts a refused connection of a device the register knows.
    fn device_refused(&self, device: &PublicKey, now_ms: i64) -> Result<(), PortError>;

    /// Takes what a session delivered off the backlog the vehicle stated
    /// (never below zero).
    fn device_delivered(
        &self,
        device: &PublicKey,
        records: u64,
        scan_bytes: u64,
    ) -> Result<(), PortError>;

    /// Notes that a device's session ran to the end.
    fn device_sync_finished(&self, device: &PublicKey, now_ms: i64) -> Result<(), PortError>;

    /// Keeps what a vehicle stated in its Hello.
    fn device_stated(
        &self,
        device: &PublicKey,
        stated: &Stated<'_>,
        now_ms: i64,
    ) -> Result<(), PortError>;

    /// Notes a device's contact from `addr` (and, if it starts a session,
    /// when it started).
    fn device_seen(
        &self,
        device: &PublicKey,
        addr: &str,
        now_ms: i64,
        starts_session: bool,
    ) -> Result<(), PortError>;

    /// Records for the documents `device` follows, and for the hotlists
    /// that go to its unit, held after `cursor` and not signed by it: at
    /// most `max_records`, and at most `max_bytes` unless one record alone
    /// is larger. The page and the log's head come from one snapshot, so a
    /// record committed in between is never skipped; with nothing more,
    /// the cursor moves to the head. A backend may hold back what its
    /// index has not yet seen (which units read a hotlist is its row):
    /// the caller projects first.
    fn records_down(
        &self,
        device: &PublicKey,
        cursor: u64,
        max_records: usize,
        max_bytes: usize,
    ) -> Result<DownPage, PortError>;

    /// Registers a scan blob that arrived whole (once; a second arrival
    /// changes nothing).
    fn blob_arrived(
        &self,
        blob: &str,
        size: u64,
        received: u64,
        device: &PublicKey,
        now_ms: i64,
    ) -> Result<(), PortError>;

    /// The scan blobs received, newest first.
    fn blobs_received(&self) -> Result<Vec<BlobInfo>, PortError>;
}

/// Pages records going down to a device: takes `(seq, bytes)` rows in
/// order (at most `max_records + 1` of them) until the page is full. A
/// page that is not full (`more` false) is the last: the caller moves its
/// cursor to the log's head ([`DownPage::at_head`]).
pub fn page_down(
    rows: impl IntoIterator<Item = (i64, Vec<u8>)>,
    cursor: u64,
    max_records: usize,
    max_bytes: usize,
) -> DownPage {
    let mut records = vec![];
    let mut bytes_in_page = 0;
    let mut last = cursor;
    for (seq, bytes) in rows {
        let full = records.len() == max_records
            || (!records.is_empty() && bytes_in_page + bytes.len() > max_bytes);
        if full {
            return DownPage {
                records,
                cursor: last,
                more: true,
            };
        }
        bytes_in_page += bytes.len();
        records.push(bytes);
        last = seq.max(0) as u64;
    }
    DownPage {
        records,
        cursor: last,
        more: false,
    }
}

impl DownPage {
    /// The last page: nothing more for this device, so the cursor moves to
    /// the head of the log (`head`, the highest `seq` held) and the next
    /// pull starts from there.
    pub fn at_head(mut self, head: i64) -> DownPage {
        self.cursor = self.cursor.max(head.max(0) as u64);
        self
    }
}
