//! What the vehicle shows about itself and its sync.

use crate::{meta, Vehicle, VehicleError};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Status {
    pub device: String,
    pub unit: Option<String>,
    pub enrolled: bool,
    /// The server's address: the one that answered last, or the first
    /// the enrollment token names.
    pub server: Option<String>,
    pub officer: Option<String>,
    #[ts(type = "number")]
    pub inspections: u64,
    /// Local records the server has not acknowledged yet.
    #[ts(type = "number")]
    pub pending: u64,
    /// Local records with a server receipt.
    #[ts(type = "number")]
    pub acknowledged: u64,
    /// Records received from the server (reviews, ...).
    #[ts(type = "number")]
    pub received: u64,
    #[ts(type = "number")]
    pub rejected: u64,
    /// Scan blobs: pending, bytes pending and done, delivered.
    pub blobs: kordon_store::BlobCounts,
    /// Last sync that completed (everything exchanged), Unix ms.
    #[ts(type = "number | null")]
    pub last_sync_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub last_attempt_ms: Option<i64>,
    pub last_error: Option<String>,
    /// The centre revoked this vehicle: the administrator's reason as it
    /// was given ("" if none). Null while it is not known to be revoked.
    pub revoked: Option<String>,
    /// Space on the disk that holds the data folder, read now (null where
    /// the system cannot say).
    pub disk: Option<kordon_store::DiskSpace>,
}

impl Vehicle {
    pub fn status(&self) -> Result<Status, VehicleError> {
        let counts = self.store.counts()?;
        let num = |k| -> Result<Option<i64>, VehicleError> {
            Ok(self.store.get_meta(k)?.and_then(|v| v.parse().ok()))
        };
        let token = self.token().ok();
        Ok(Status {
            device: self.public_key().to_string(),
            unit: self.store.get_meta(meta::UNIT)?,
            enrolled: self.store.get_meta(meta::ENROLLED)?.as_deref() == Some("1"),
            server: match (token, self.store.get_meta(meta::SERVER_ANSWERED)?) {
                (Some(t), Some(answered)) if t.addresses().contains(&answered.as_str()) => {
                    Some(answered)
                }
                (t, _) => t.map(|t| t.addr),
            },
            officer: self.store.get_meta(meta::OFFICER)?,
            inspections: self.store.inspection_count()?,
            pending: counts.pending,
            acknowledged: counts.acknowledged,
            received: counts.received,
            rejected: counts.rejected,
            blobs: self.blob_counts()?,

            last_sync_ms: num(meta::LAST_SYNC_MS)?,
            last_attempt_ms: num(meta::LAST_ATTEMPT_MS)?,
            last_error: self
                .store
                .get_meta(meta::LAST_ERROR)?
                .filter(|e| !e.is_empty()),
            revoked: self.store.get_meta(meta::REVOKED)?,
            disk: kordon_store::DiskSpace::of(&self.dir),
        })
    }
}

impl Vehicle {
    /// Checks the data folder after a crash or a power cut: the store
    /// (records, signatures, receipts against the enrolled server's key,
    /// derived rows; see [`kordon_store::StoreCheck`]) and every scan file
    /// hashed again. Read only, apart from what opening the blob folder sweeps
    /// (stale temp files, leftovers of partial copies of blobs held) and the
    /// store's reserve file (laid down, or given back on a full disk).
    pub fn check(&self) -> Result<kordon_store::StoreCheck, VehicleError> {
        let server = self.token().ok().and_then(|t| t.server_key().ok());
        let mut report = self.store.check(server.as_ref())?;
        let blobs = self
            .blob_store()?
            .check()
            .map_err(|e| VehicleError::Io(e.to_string()))?;
        report.add_blob_folder(
            (blobs.blobs, blobs.bytes),
            blobs.partials.len() as u64,
            blobs.temp_files,
            blobs.damaged,
        );
        Ok(report)
    }
}
