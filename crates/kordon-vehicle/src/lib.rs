//! A vehicle's operations over its data directory.
//!
//! One set of operations serves the `kordon` CLI and the crew's app: open
//! the directory (device key, store), enroll with a server token, sign
//! officers in, create inspections, record decisions, sync, report status,
//! export an inspection for offline verification; import scans (also from
//! a watch folder) and render their tiles; attach ANPR reads and match
//! them, and typed plates, against the hotlists (offline); take training
//! exercises, and project threat items into live scans now and then
//! (`training`, `live_tip`).
//!
//! Data directory: `device.key` (owner-only), `vehicle.sqlite`, `blobs/`
//! (scan originals, content-addressed), `tiles/` (derived tile pyramids),
//! `anpr-spool/`. Encrypted (`at_rest`), it also holds `keyslots`, and every
//! one of those files is encrypted under the data key the slots hold.

//! Enrollment and sync state live in the store's `meta` table.

pub mod anpr;
mod at_rest;
mod blob_upload;
mod error;
mod export;
mod folder_lock;
pub mod hotlist;
mod live_tip;
mod log_check;
mod officers;
mod ops;
mod rekey;
mod scans;
mod status;
mod sync;
mod sync_loop;
pub mod synthetic;
mod training;
mod watch;

pub use anpr::{AttachRules, Attached, IncomingRead};
pub use at_rest::Encrypted;
pub use blob_upload::{BlobPipeline, BlobReport};
pub use error::VehicleError;
pub use kordon_evidence::{
    verify_export_bytes, ExportFile, ExportLog, ExportRecord, ExportVerdict, VerifyOptions,
    EXPORT_FORMAT, EXPORT_FORMAT_V1,
};
pub use officers::{SignIn, FREE_ATTEMPTS, LOCK_SECS};
pub use rekey::Rekeyed;
pub use scans::{read_scan_image, ScanDetails, ScanImported, MAX_SCAN_FILE};
pub use status::Status;

pub use kordon_transport::LinkState;
pub use live_tip::{LIVE_TIP_NAME, MAX_LIVE_TIP_RATE};
pub use sync::{SyncOptions, SyncReport};
pub use sync_loop::{Link, Problem, SyncUpdate};
pub use training::read_exercise;
pub use watch::{dual_energy_pair, WatchOptions, Watcher, SCAN_FILE_EXTENSIONS};

use kordon_model::OfficerId;
use kordon_record::{DeviceKey, PublicKey};
use kordon_store::Store;
use kordon_transport::EnrollmentToken;
use std::path::{Path, PathBuf};

pub(crate) mod meta {
    pub const TOKEN: &str = "enrollment_token";
    pub const ENROLLED: &str = "enrolled";
    pub const UNIT: &str = "unit";
    pub const OFFICER: &str = "officer";
    pub const DOWN_CURSOR: &str = "down_cursor";
    pub const LAST_SYNC_MS: &str = "last_sync_ms";
    pub const LAST_ATTEMPT_MS: &str = "last_attempt_ms";
    pub const LAST_ERROR: &str = "last_error";
    /// Set when the server said this vehicle is revoked: the
    /// administrator's reason ("" if none). A revoked key stays revoked.
    pub const REVOKED: &str = "revoked";
    /// The latest log checkpoint the server showed, verified (text).
    pub const LOG_CHECKPOINT: &str = "log_checkpoint";
    /// The checkpoint held before `sync --full` accepted a restored server.
    pub const LOG_CHECKPOINT_SUPERSEDED: &str = "log_checkpoint_superseded";
    /// The token's address the server last answered at: tried first.
    pub const SERVER_ANSWERED: &str = "server_answered";
    /// What the last connection learnt of its path to the server, for the
    /// next to start from: `FINGERPRINT_HEX AT_MS RATE_BPS MIN_RTT_US`.
    pub const PATH_MEMORY: &str = "path_memory";
}

/// Milliseconds since the Unix epoch (system clock).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// An open vehicle data directory.
#[derive(Debug)]
pub struct Vehicle {
    dir: PathBuf,
    /// The device's signing key, in a locked page of its own (shared with
    /// the TLS layer, which signs through it).
    key: std::sync::Arc<kordon_vault::Locked<DeviceKey>>,
    store: Store,
    /// The hotlists indexed for matching, built on first use.
    matcher: Option<hotlist::Matcher>,
    /// How large a scan image may be (see `kordon_imaging::DecodeLimits::for_scans`).
    scan_limits: kordon_imaging::DecodeLimits,
    /// The connection kept between sync passes when asked to (the app).
    held: Option<sync::HeldConnection>,
    /// The TLS session tickets this process holds for its server: the
    /// next connection resumes and sends its first messages early.
    tickets: Option<kordon_transport::SessionTickets>,
    /// The link as the current connection sees it (see [`Vehicle::link`]).
    link: tokio::sync::watch::Sender<kordon_transport::LinkState>,
    /// How files are kept: sealed when the folder is encrypted.
    seal: kordon_vault::Seal,
    /// The key slots and the data key, when the folder is encrypted.
    slots: Option<(kordon_vault::KeySlots, kordon_vault::DataKey)>,
    /// Held while open: nothing rewrites the folder meanwhile.
    _folder_lock: folder_lock::FolderLock,
}

impl Vehicle {
    /// Opens the directory, creating the device key and database on first
    /// run. An encrypted directory is [`VehicleError::Locked`]: it opens
    /// with [`Vehicle::unlock`].
    pub fn open(dir: &Path) -> Result<Self, VehicleError> {
        at_rest::refuse_wiped(dir)?;
        if Self::is_encrypted(dir) {
            return Err(VehicleError::Locked);
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| VehicleError::Io(format!("{}: {e}", dir.display())))?;
        let lock = folder_lock::FolderLock::shared(dir)?;
        let key = DeviceKey::load_or_create(&dir.join("device.key"))?;
        let store = Store::open(&dir.join("vehicle.sqlite"), key.public())?;
        Self::assemble(dir, key, store, kordon_vault::Seal::plain(), lock)
    }

    fn assemble(
        dir: &Path,
        key: DeviceKey,
        store: Store,
        seal: kordon_vault::Seal,
        lock: folder_lock::FolderLock,
    ) -> Result<Self, VehicleError> {
        let scan_limits =
            kordon_imaging::DecodeLimits::for_scans().map_err(VehicleError::Invalid)?;
        let mut v = Vehicle {
            dir: dir.to_path_buf(),
            key: std::sync::Arc::new(kordon_vault::Locked::new(key)),
            store,
            matcher: None,
            scan_limits,
            held: None,
            tickets: None,
            link: tokio::sync::watch::Sender::new(kordon_transport::LinkState::Closed),
            seal,
            slots: None,
            _folder_lock: lock,
        };
        // Changes the server signs are held to its role (reviews, marks).
        if let Ok(server) = v.token().and_then(|t| Ok(t.server_key()?)) {
            v.store.set_server_key(server);
        }
        Ok(v)
    }

    /// The server key a vehicle's data folder was enrolled with, without
    /// creating anything: `None` if `dir` holds no vehicle, or one not
    /// enrolled, or an encrypted one that `officer_pin` does not open.
    pub fn enrolled_server_key(dir: &Path, officer_pin: Option<(&str, &str)>) -> Option<PublicKey> {
        if !dir.join("vehicle.sqlite").is_file() || !dir.join("device.key").is_file() {
            return None;
        }
        let v = match (Self::is_encrypted(dir), officer_pin) {
            (false, _) => Vehicle::open(dir).ok()?,
            (true, Some((officer, pin))) => Vehicle::unlock(dir, officer, pin).ok()?,
            (true, None) => return None,
        };
        v.token().ok()?.server_key().ok()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn public_key(&self) -> PublicKey {
        self.key.public()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The folder of scan blobs (`blobs/` in the data directory).
    pub fn blob_store(&self) -> Result<kordon_blob::BlobStore, VehicleError> {
        kordon_blob::BlobStore::open_with(&self.dir.join("blobs"), self.seal.clone())
            .map_err(|e| VehicleError::Io(e.to_string()))
    }

    /// Delivery of the blobs this vehicle holds.
    pub fn blob_counts(&self) -> Result<kordon_store::BlobCounts, VehicleError> {
        let blobs = self.blob_store()?;
        Ok(self.store.blob_counts(|hex| {
            hex.parse::<kordon_blob::BlobId>()
                .is_ok_and(|id| blobs.contains(&id))
        })?)
    }

    /// Stores an enrollment token. The enrollment completes on the next
    /// sync (so a vehicle can be enrolled while the server is unreachable).
    pub fn enroll(&mut self, token: &str) -> Result<EnrollmentToken, VehicleError> {
        let t = EnrollmentToken::decode(token)?;
        self.store.set_server_key(t.server_key()?);
        self.store.set_meta(meta::TOKEN, &t.encode())?;
        self.store.set_meta(meta::UNIT, &t.unit)?;
        self.store.set_meta(meta::ENROLLED, "0")?;
        Ok(t)
    }

    pub(crate) fn token(&self) -> Result<EnrollmentToken, VehicleError> {
        let s = self
            .store
            .get_meta(meta::TOKEN)?
            .ok_or(VehicleError::NotEnrolled)?;
        Ok(EnrollmentToken::decode(&s)?)
    }

    /// Offers everything again at the next sync: all local records, and all
    /// server records from the start (both sides ignore what they hold).
    pub fn resync_everything(&mut self) -> Result<usize, VehicleError> {
        let n = self.store.requeue_local()?;
        self.store.requeue_blobs()?;
        self.store.set_meta(meta::DOWN_CURSOR, "0")?;
        // The operator knows the server was restored: its log is taken as
        // it is from now on. The checkpoint that proves the rollback is
        // kept aside, not thrown away.
        if let Some(held) = self.store.get_meta(meta::LOG_CHECKPOINT)? {
            self.store
                .set_meta(meta::LOG_CHECKPOINT_SUPERSEDED, &held)?;
            self.store.delete_meta(meta::LOG_CHECKPOINT)?;
        }
        Ok(n)
    }

    /// Signs an officer in: every change from now on is attributed to them.
    pub fn sign_in(&mut self, officer: &str) -> Result<OfficerId, VehicleError> {
        let id = OfficerId::new(officer).map_err(VehicleError::Invalid)?;
        self.store.set_meta(meta::OFFICER, id.as_str())?;
        Ok(id)
    }

    pub fn sign_out(&mut self) -> Result<(), VehicleError> {
        self.store.delete_meta(meta::OFFICER)?;
        Ok(())
    }

    /// The unit this vehicle is enrolled as (set with the token, before the
    /// enrollment completes).
    pub fn unit(&self) -> Result<Option<String>, VehicleError> {
        Ok(self.store.get_meta(meta::UNIT)?)
    }

    /// The officer signed in, if any.
    pub fn officer(&self) -> Result<Option<OfficerId>, VehicleError> {
        Ok(match self.store.get_meta(meta::OFFICER)? {
            Some(s) => Some(OfficerId::new(&s).map_err(VehicleError::Invalid)?),
            None => None,
        })
    }

    /// The officer for a change: `explicit` if given, else the one signed in.
    pub fn acting_officer(&self, explicit: Option<&str>) -> Result<OfficerId, VehicleError> {
        match explicit {
            Some(o) => OfficerId::new(o).map_err(VehicleError::Invalid),
            None => self.officer()?.ok_or(VehicleError::NotSignedIn),
        }
    }
}
