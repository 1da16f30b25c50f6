//! Scans on the server: where each stands (blobs still arriving, pyramid
//! being built, ready), and the background builder that makes a scan's
//! tile pyramid as soon as its last blob is in, with the same
//! `kordon-imaging` engine the vehicle uses.

use crate::{Central, CentralError};
use kordon_blob::{BlobId, BlobPort};
use kordon_imaging::{Image, Pyramid};
use kordon_model::{InspectionView, Scan, ScanImage};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// Where a scan stands on the server.
#[derive(Debug)]
pub enum ScanStage {
    /// Its pyramid is on disk.
    Ready(Pyramid),
    /// Some of its blobs have not arrived whole.
    Arriving {
        bytes_received: u64,
        bytes_total: u64,
    },
    /// Every blob is here; the pyramid is being built.
    Building,
}

fn imaging(e: kordon_imaging::ImagingError) -> CentralError {
    CentralError::Invalid(format!("scan tiles: {e}"))
}

/// The pyramid file of a scan under a server data directory.
pub fn pyramid_path(dir: &Path, scan_id: &str) -> PathBuf {
    dir.join("tiles").join(format!("{scan_id}.kpyr"))
}

fn blob_id(image: &ScanImage) -> Result<BlobId, CentralError> {
    image
        .blob
        .parse()
        .map_err(|e: kordon_blob::BlobError| CentralError::Invalid(e.to_string()))
}

/// Builds a scan's pyramid from its blobs (all present), power-safe.
/// An image larger than `kordon_imaging::DecodeLimits::for_scans` allows
/// (a decompression bomb from a faulty or hostile vehicle) is refused from
/// its header, before any pixel memory is reserved.
pub fn build_pyramid(dir: &Path, blobs: &dyn BlobPort, scan: &Scan) -> Result<(), CentralError> {
    let limits = kordon_imaging::DecodeLimits::for_scans().map_err(CentralError::Invalid)?;
    let decode = |image: &ScanImage| -> Result<Image, CentralError> {
        let bytes = blobs
            .read_verified(&blob_id(image)?)
            .map_err(|e| CentralError::Invalid(format!("scan image unreadable: {e}")))?;
        let recorded = kordon_imaging::Recorded {
            format: &image.format,
            width: image.width,
            height: image.height,
            bits: image.bits,
        };
        kordon_imaging::decode_recorded(&bytes, &recorded, &limits).map_err(imaging)
    };
    let high = decode(
        scan.primary()
            .ok_or_else(|| CentralError::Invalid("scan without an image".into()))?,
    )?;
    let low = scan.low().map(decode).transpose()?;
    let tiles = dir.join("tiles");
    std::fs::create_dir_all(&tiles).map_err(|error| CentralError::Io {
        path: tiles.display().to_string(),
        error,
    })?;
    kordon_imaging::build_pyramid(&high, low.as_ref(), &pyramid_path(dir, &scan.id))
        .map_err(imaging)?;
    Ok(())
}

impl Central {
    /// A scan by its full id (64 hex digits), with its inspection.
    pub fn find_scan(&mut self, scan: &str) -> Result<(InspectionView, Scan), CentralError> {
        let id = scan.trim();
        if id.len() != 64 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(CentralError::Invalid(format!(
                "{} is not a scan id (64 lower-case hex digits)",
                kordon_plates::quoted(scan)
            )));
        }
        self.store.project(crate::now_ms())?;
        self.scans_referencing(id)?
            .into_iter()
            .find(|(_, s)| s.id == id)
            .ok_or_else(|| {
                CentralError::Store(kordon_store::StoreError::NotFound(format!("scan {id}")))
            })
    }

    /// Where a scan stands: ready (with its pyramid), arriving (with the
    /// bytes verified so far) or building.
    pub fn scan_stage(&self, scan: &Scan) -> Result<ScanStage, CentralError> {
        if let Ok(p) = Pyramid::open(&pyramid_path(&self.dir, &scan.id)) {
            return Ok(ScanStage::Ready(p));
        }
        let blobs = self.blob_store()?;
        let (mut received, mut total, mut whole) = (0u64, 0u64, true);
        for image in &scan.images {
            let id = blob_id(image)?;
            total += image.size;
            if blobs.contains(&id)? {
                received += image.size;
            } else {
                whole = false;
                received += blobs.partial_len(&id)?.min(image.size);
            }
        }
        Ok(if whole {
            ScanStage::Building
        } else {
            ScanStage::Arriving {
                bytes_received: received,
                bytes_total: total,
            }
        })
    }

    /// Scans that reference `blob` (by full hash).
    pub fn scans_with_blob(&mut self, blob: &str) -> Result<Vec<Scan>, CentralError> {
        Ok(self
            .scans_referencing(blob)?
            .into_iter()
            .map(|(_, scan)| scan)
            .collect())
    }

    /// Every scan with an image `blob`, with its inspection, from the index.
    fn scans_referencing(&self, blob: &str) -> Result<Vec<(InspectionView, Scan)>, CentralError> {
        let mut out = vec![];
        for doc in self.store.docs_with_blob_prefix(blob)? {
            if let Some(row) = self.store.console_row(doc)? {
                let view = row.row.view;
                for scan in &view.scans {
                    if scan.images.iter().any(|i| i.blob == blob) {
                        out.push((view.clone(), scan.clone()));
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Builds pyramids in the background, one at a time, on its own thread
/// and its own connection to the store. Told about each blob that arrives
/// (and each scan a reader asks for); builds every scan whose blobs are
/// then all present and whose pyramid is missing.
#[derive(Debug, Clone)]
pub struct PyramidBuilder {
    tx: mpsc::Sender<String>,
    busy: Arc<Mutex<HashSet<String>>>,
}

impl PyramidBuilder {
    /// Starts the builder for the server `of` (on a handle of its own),
    /// and queues every scan that is whole but has no pyramid yet (after
    /// a restart).
    pub fn start(of: &Central) -> Result<Self, CentralError> {
        let (tx, rx) = mpsc::channel::<String>();
        let busy = Arc::new(Mutex::new(HashSet::new()));
        let mut central = of.reopen()?;
        let dir = central.dir().to_path_buf();
        for blob in central.store.scan_blobs_all()? {
            let _ = tx.send(blob);
        }
        let working = busy.clone();
        std::thread::Builder::new()
            .name("pyramids".into())
            .spawn(move || {
                while let Ok(blob) = rx.recv() {
                    if let Err(e) = build_for_blob(&mut central, &dir, &blob) {
                        tracing::warn!(%blob, error = %e, "scan pyramid not built");
                    }
                    if let Ok(mut b) = working.lock() {
                        b.remove(&blob);
                    }
                }
            })
            .map_err(|error| CentralError::Io {
                path: "pyramid builder thread".into(),
                error,
            })?;
        Ok(PyramidBuilder { tx, busy })
    }

    /// A blob arrived whole (or a reader wants a scan that has it).
    pub fn blob_ready(&self, blob: &str) {
        let fresh = self
            .busy
            .lock()
            .map(|mut b| b.insert(blob.to_string()))
            .unwrap_or(true);
        if fresh {
            let _ = self.tx.send(blob.to_string());
        }
    }
}

fn build_for_blob(central: &mut Central, dir: &Path, blob: &str) -> Result<(), CentralError> {
    for scan in central.scans_with_blob(blob)? {
        if matches!(central.scan_stage(&scan)?, ScanStage::Building) {
            let started = std::time::Instant::now();
            build_pyramid(dir, central.blob_store()?.as_ref(), &scan)?;
            tracing::info!(scan = %scan.id, ms = started.elapsed().as_millis() as u64, "scan pyramid built");
        }
    }
    Ok(())
}
