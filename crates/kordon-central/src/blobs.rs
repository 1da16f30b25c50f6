//! Scan blobs on the server: where they are kept, which ones a device may
//! deliver, and the register of what arrived.

use crate::blob_intake::BlobArrival;
use crate::{BlobInfo, Central, CentralError};
use kordon_blob::{BlobId, BlobPort, BlobStore};
use kordon_objects::ObjectBlobs;
use kordon_record::PublicKey;
use std::path::Path;
use std::sync::Arc;

/// Opens where a server keeps its scan blobs: object storage at `url`
/// (`s3://…`), or else the data folder's `blobs/`.
pub(crate) fn open_port(dir: &Path, url: Option<&str>) -> Result<Arc<dyn BlobPort>, CentralError> {
    let port: Arc<dyn BlobPort> = match url {
        Some(url) if kordon_objects::is_object_url(url) => Arc::new(ObjectBlobs::open(url)?),
        Some(other) => {
            return Err(CentralError::Invalid(format!(
                "{other:?} is not an s3://BUCKET/PREFIX address"
            )))
        }
        None => Arc::new(BlobStore::open(&dir.join("blobs"))?),
    };
    Ok(port)
}

impl Central {
    /// Where the scan blobs are: `blobs/` in the data folder, or the
    /// object storage `server.json` names.
    pub fn blob_store(&self) -> Result<Arc<dyn BlobPort>, CentralError> {
        Ok(self.blobs.clone())
    }

    /// Whether `device` may deliver `blob` of `size` bytes: an inspection
    /// of its unit must reference exactly that. `Ok(Err(reason))` is a
    /// refusal to send to the device.
    pub fn blob_wanted(
        &mut self,
        device: &PublicKey,
        blob: &BlobId,
        size: u64,
    ) -> Result<Result<(), String>, CentralError> {
        let Some(unit) = self.store.device_unit(device)? else {
            return Ok(Err("this device is not enrolled".into()));
        };
        self.store.project(crate::now_ms())?;
        if self
            .store
            .blob_referenced_by_unit(&blob.to_string(), size, &unit)?
        {
            Ok(Ok(()))
        } else {
            Ok(Err(format!(
                "no inspection of unit {unit} references blob {blob} of {size} bytes"
            )))
        }
    }

    /// Registers blobs that arrived whole.
    pub fn note_blobs(
        &self,
        device: &PublicKey,
        arrivals: &[BlobArrival],
        now_ms: i64,
    ) -> Result<(), CentralError> {
        for a in arrivals {
            self.store
                .blob_arrived(&a.blob.to_string(), a.size, a.received, device, now_ms)?;
            if let Some(builder) = &self.pyramids {
                builder.blob_ready(&a.blob.to_string());
            }
        }
        Ok(())
    }

    /// Blobs held, newest first.
    pub fn blobs(&self) -> Result<Vec<BlobInfo>, CentralError> {
        Ok(self.store.blobs_received()?)
    }
}

impl Central {
    /// Checks the data folder after a crash or a power cut: the store
    /// (records, receipts under this server's key, derived rows, the
    /// transparency log; see [`kordon_store::StoreCheck`]), every scan
    /// file hashed again, and every scan recorded as received held.
    pub fn check(&self) -> Result<kordon_store::StoreCheck, CentralError> {
        let mut report = self
            .store
            .sqlite("kordon-server check")?
            .check(Some(&self.public_key()))?;
        let store = self.blob_store()?;
        let blobs = store.check()?;
        report.add_blob_folder(
            (blobs.blobs, blobs.bytes),
            blobs.partials.len() as u64,
            blobs.temp_files,
            blobs.damaged,
        );
        for info in self.blobs()? {
            let held = match info.blob.parse::<BlobId>() {
                Ok(id) => store.contains(&id)?,
                Err(_) => false,
            };
            if !held {
                report.found(
                    "blob_missing",
                    format!("scan {} is recorded as received and is not held", info.blob),
                );
            }
        }
        Ok(report)
    }
}
