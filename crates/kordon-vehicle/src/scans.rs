//! Scans: import a scanner's file (or a dual-energy pair) into an
//! inspection, and serve its tiles.
//!
//! Import order, so a failure leaves nothing half-stored: read and fully
//! decode every file (a corrupt or truncated file stops here), store the
//! original bytes as blobs, build the tile pyramid, then commit the signed
//! record that attaches the scan. If a later step fails, blobs stored by
//! this import are removed again. Pyramids are derived data in `tiles/`,
//! rebuilt from the blobs whenever one is missing.

use crate::error::{blob_failure, io_failure};
use crate::{Vehicle, VehicleError};
use kordon_blob::{BlobId, BlobStore};
use kordon_imaging::{DecodeLimits, Image, Pyramid, PyramidInfo, RawLayout, Rendered, View};
use kordon_model::{Energy, InspectionId, InspectionView, NewScan, OfficerId, Scan, ScanImage};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Largest scan file accepted.
pub const MAX_SCAN_FILE: u64 = 4 << 30;

/// What the crew may say about a scan besides its files.
#[derive(Debug, Clone, Default)]
pub struct ScanDetails {
    pub scanner: Option<String>,
    pub captured_ms: Option<i64>,
    pub pixel_mm: Option<f64>,
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize)]
pub struct ScanImported {
    pub inspection: InspectionId,
    pub scan: Scan,
    /// Levels of the tile pyramid (DZI numbering: the last is full size).
    pub levels: u32,
    /// Time from reading the file to the first tile being readable.
    pub first_tile_ms: u64,
}

/// Decoded input: a file's bytes and its image.
pub(crate) struct Input {
    pub(crate) bytes: Vec<u8>,
    pub(crate) image: Image,
    pub(crate) name: String,
}

/// A scan file read but not decoded.
pub(crate) struct ScanFile {
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
    /// For a raw file (`.raw`), the geometry from its ENVI header.
    pub(crate) raw: Option<RawLayout>,
}

/// The ENVI header a raw file's geometry is read from: `NAME.hdr`, or
/// `NAME.raw.hdr`, in any case (`TRK.RAW` with `TRK.HDR`), whichever is
/// there.
pub(crate) fn raw_header_path(path: &Path) -> Option<PathBuf> {
    let is_raw = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("raw"));
    if !is_raw {
        return None;
    }
    let name = path.file_name()?.to_string_lossy().into_owned();
    let stem = path.file_stem()?.to_string_lossy().into_owned();
    let wanted = [format!("{stem}.hdr"), format!("{name}.hdr")];
    // The exact names first: no folder listing in the usual case.
    for w in &wanted {
        let p = path.with_file_name(w);
        if p.is_file() {
            return Some(p);
        }
    }
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    let entries = std::fs::read_dir(folder.unwrap_or(Path::new("."))).ok()?;
    entries.flatten().map(|e| e.path()).find(|p| {
        p.file_name().is_some_and(|n| {
            let n = n.to_string_lossy();
            wanted.iter().any(|w| w.eq_ignore_ascii_case(&n))
        }) && p.is_file()
    })
}

fn read_raw_header(path: &Path, name: &str) -> Result<RawLayout, VehicleError> {
    let header = raw_header_path(path).ok_or_else(|| {
        VehicleError::Invalid(format!(
            "{name}: a raw file needs its ENVI header (samples, lines, data type) beside it, as {}; nothing was imported",
            path.with_extension("hdr")
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ))
    })?;
    let mut text = Vec::new();
    std::fs::File::open(&header)
        .and_then(|f| {
            use std::io::Read;
            f.take(kordon_imaging::MAX_RAW_HEADER as u64 + 1)
                .read_to_end(&mut text)
        })
        .map_err(|e| {
            // Refused like a damaged file: the watch folder goes on.
            VehicleError::Invalid(format!(
                "{name}: its header {}: {e}; nothing was imported",
                header.display()
            ))
        })?;
    kordon_imaging::parse_envi_header(&text)
        .map_err(|e| VehicleError::Invalid(format!("{name}: {e}; nothing was imported")))
}

/// A scan file's name and bytes (and a raw file's header), read but not
/// decoded.
pub(crate) fn read_scan_file(path: &Path) -> Result<ScanFile, VehicleError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta = std::fs::metadata(path)
        .map_err(|e| VehicleError::Io(format!("{}: {e}", path.display())))?;
    if meta.len() > MAX_SCAN_FILE {
        return Err(VehicleError::Invalid(format!(
            "{name}: {} bytes is larger than the {MAX_SCAN_FILE}-byte limit for a scan",
            meta.len()
        )));
    }
    let raw = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("raw"))
        .then(|| read_raw_header(path, &name))
        .transpose()?;
    let bytes =
        std::fs::read(path).map_err(|e| VehicleError::Io(format!("{}: {e}", path.display())))?;
    Ok(ScanFile { name, bytes, raw })
}

/// Decodes a file read by [`read_scan_file`], within `limits` (checked
/// from the header, before any pixel memory is reserved).
pub(crate) fn decode_scan(file: ScanFile, limits: &DecodeLimits) -> Result<Input, VehicleError> {
    let ScanFile { name, bytes, raw } = file;
    let image = match &raw {
        Some(layout) => kordon_imaging::decode_raw(&bytes, layout, limits),
        None => kordon_imaging::decode_with_limits(&bytes, limits),
    }
    .map_err(|e| VehicleError::Invalid(format!("{name}: {e}; nothing was imported")))?;
    Ok(Input { bytes, image, name })
}

/// Reads and decodes a scan file as an import does (a raw file with its
/// ENVI header), within `limits`: its bytes and its image.
pub fn read_scan_image(
    path: &Path,
    limits: &DecodeLimits,
) -> Result<(Vec<u8>, Image), VehicleError> {
    let input = decode_scan(read_scan_file(path)?, limits)?;
    Ok((input.bytes, input.image))
}

/// Refuses a file whose image is already attached to the inspection, found
/// by its hash before anything is decoded (the watch folder and the crew
/// may both bring the same file, and decoding a large scan takes seconds).
/// A raw file's samples are the image only with the geometry they were
/// recorded with: the same samples under another header are refused too,
/// saying so.
fn refuse_attached(view: &InspectionView, file: &ScanFile) -> Result<(), VehicleError> {
    let (name, bytes) = (&file.name, &file.bytes);
    let blob = BlobId::of(bytes).to_string();
    let attached = view
        .scans
        .iter()
        .flat_map(|s| &s.images)
        .find(|i| i.blob == blob);
    if let (Some(i), Some(raw)) = (attached, &file.raw) {
        if (i.width, i.height, i.bits) != (raw.width, raw.height, raw.bits) {
            return Err(VehicleError::Invalid(format!(
                "{name}: these samples are already attached to this inspection as {} × {} at {} bits; a raw file's geometry cannot change once recorded; nothing was imported",
                i.width, i.height, i.bits
            )));
        }
    }
    if attached.is_some() {
        return Err(VehicleError::Invalid(format!(
            "{name}: image {} is already attached to this inspection; nothing was imported",
            &blob[..12]
        )));
    }
    Ok(())
}

fn scan_image(input: &Input, blob: BlobId, energy: Energy) -> ScanImage {
    ScanImage {
        blob: blob.to_string(),
        size: input.bytes.len() as u64,
        width: input.image.width,
        height: input.image.height,
        bits: input.image.bits,
        channels: input.image.channels,
        format: input.image.format.to_string().to_lowercase(),
        energy,
    }
}

/// Decodes an image a scan record names from the blob store, as its
/// record describes it (a raw file with the record's geometry).
pub(crate) fn decode_stored(
    image: &ScanImage,
    blobs: &BlobStore,
    limits: &DecodeLimits,
) -> Result<Image, VehicleError> {
    let id: BlobId = image
        .blob
        .parse()
        .map_err(|e: kordon_blob::BlobError| VehicleError::Invalid(e.to_string()))?;
    let bytes = blobs
        .read_verified(&id)
        .map_err(|e| VehicleError::Io(format!("the scan's image is not available here: {e}")))?;
    let recorded = kordon_imaging::Recorded {
        format: &image.format,
        width: image.width,
        height: image.height,
        bits: image.bits,
    };
    kordon_imaging::decode_recorded(&bytes, &recorded, limits).map_err(imaging)
}

fn imaging(e: kordon_imaging::ImagingError) -> VehicleError {
    if let kordon_imaging::ImagingError::Io { source, .. } = &e {
        if kordon_blob::is_disk_full(source) {
            return VehicleError::DiskFull(format!("writing the scan's tiles: {e}"));
        }
    }
    VehicleError::Io(format!("scan tiles: {e}"))
}

impl Vehicle {
    fn tiles_dir(&self) -> PathBuf {
        self.dir.join("tiles")
    }

    /// Where a scan's pyramid lives.
    pub fn pyramid_path(&self, scan_id: &str) -> PathBuf {
        self.tiles_dir().join(format!("{scan_id}.kpyr"))
    }

    /// Imports `high` (and `low`, for a dual-energy pair) into inspection
    /// `id`. One signed record; the blobs follow at the next sync.
    pub fn add_scan(
        &mut self,
        id: InspectionId,
        high: &Path,
        low: Option<&Path>,
        details: &ScanDetails,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<ScanImported, VehicleError> {
        let started = Instant::now();
        let mut doc = self
            .store
            .load_doc(id)?
            .ok_or_else(|| VehicleError::NotFound(format!("inspection {id}")))?;
        let high = read_scan_file(high)?;
        let low = low.map(read_scan_file).transpose()?;
        let view = doc.view()?;
        for file in std::iter::once(&high).chain(low.as_ref()) {
            refuse_attached(&view, file)?;
        }
        let high = decode_scan(high, &self.scan_limits)?;
        let low = low.map(|l| decode_scan(l, &self.scan_limits)).transpose()?;
        if let Some(low) = &low {
            kordon_imaging::check_pair(&high.image, &low.image).map_err(|e| {
                VehicleError::Invalid(format!(
                    "{} and {} are not a dual-energy pair: {e}",
                    high.name, low.name
                ))
            })?;
        }
        let blobs = self.blob_store()?;
        let mut stored_now = vec![];
        let result = (|| {
            let mut put = |input: &Input| -> Result<BlobId, VehicleError> {
                let had = blobs.contains(&BlobId::of(&input.bytes));
                let blob = blobs
                    .put_bytes(&input.bytes)
                    .map_err(|e| blob_failure(&format!("storing {}", input.name), e))?;
                if !had {
                    stored_now.push(blob);
                }
                Ok(blob)
            };
            let high_blob = put(&high)?;
            let low_blob = low.as_ref().map(&mut put).transpose()?;
            let mut images = vec![scan_image(
                &high,
                high_blob,
                if low.is_some() {
                    Energy::High
                } else {
                    Energy::Single
                },
            )];
            if let (Some(low), Some(b)) = (&low, low_blob) {
                images.push(scan_image(low, b, Energy::Low));
            }
            let scan = NewScan {
                images,
                name: Some(high.name.clone()),
                scanner: details.scanner.clone(),
                captured_ms: details.captured_ms,
                pixel_mm: details.pixel_mm,
            };
            doc.add_scan(&scan, officer, now_ms)?;
            let info = self.build_pyramid(
                &high_blob.to_string(),
                &high.image,
                low.as_ref().map(|l| &l.image),
            )?;
            let first_tile_ms = duration_ms(started.elapsed());
            self.store
                .commit_local(id, &mut doc, &self.key, officer.as_str(), now_ms)?;
            Ok((info, first_tile_ms))
        })();
        let (info, first_tile_ms) = match result {
            Ok(r) => r,
            Err(e) => {
                for b in stored_now {
                    let _ = std::fs::remove_file(blobs.path(&b));
                }
                return Err(e);
            }
        };
        let view = doc.view()?;
        let scan = view
            .scans
            .last()
            .cloned()
            .ok_or_else(|| VehicleError::Invalid("the scan did not attach".into()))?;
        // A projection into the scan, when live projection chooses it, is
        // made now, with the import, so that opening the scan later takes
        // no longer than opening any other (a slower opening would give it
        // away). A failure costs only the projection.
        if let Err(e) = self.live_tip(id, &scan.id, officer, now_ms) {
            tracing::warn!(scan = %scan.id, "no live projection: {e}");
        }
        Ok(ScanImported {
            inspection: id,
            scan,
            levels: info.levels(),
            first_tile_ms,
        })
    }

    pub(crate) fn build_pyramid(
        &self,
        scan_id: &str,
        high: &Image,
        low: Option<&Image>,
    ) -> Result<PyramidInfo, VehicleError> {
        let dir = self.tiles_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| io_failure(&format!("creating {}", dir.display()), &e))?;
        kordon_imaging::build_pyramid_with(high, low, &self.pyramid_path(scan_id), &self.seal)
            .map_err(imaging)
    }

    /// Finds a scan by its id (or an unambiguous prefix of at least 8 hex
    /// digits) among this vehicle's inspections.
    pub fn find_scan(&mut self, scan: &str) -> Result<(InspectionView, Scan), VehicleError> {
        let prefix = scan.trim().to_ascii_lowercase();
        if prefix.len() < 8 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(VehicleError::Invalid(format!(
                "{} is not a scan id (at least 8 hex digits)",
                kordon_plates::quoted(scan)
            )));
        }
        let mut found = vec![];
        for doc in self.store.docs_with_blob_prefix(&prefix)? {
            let view = self.show(doc)?;

            for s in &view.scans {
                if s.id.starts_with(&prefix) {
                    found.push((view.clone(), s.clone()));
                }
            }
        }
        // The same file attached to several inspections is one scan (one
        // id, the same images): any of them shows it.
        let one_scan = found
            .windows(2)
            .all(|w| w[0].1.id == w[1].1.id && w[0].1.images == w[1].1.images);
        if one_scan {
            found.truncate(1);
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(VehicleError::NotFound(format!("scan {scan}"))),
            n if found.iter().all(|(_, s)| s.id == found[0].1.id) => {
                Err(VehicleError::Invalid(format!(
                    "scan {scan} is attached to {n} inspections with different low-energy images"
                )))
            }
            n => Err(VehicleError::Invalid(format!(
                "{n} scans start with {scan}; give more digits"
            ))),
        }
    }

    /// A scan the viewer may show: one of an inspection's, or an image of
    /// a training exercise taken here.
    fn scan_to_show(&mut self, scan: &str) -> Result<Scan, VehicleError> {
        match self.find_scan(scan) {
            Err(VehicleError::NotFound(what)) => self
                .training_scan(&scan.trim().to_ascii_lowercase())?
                .ok_or(VehicleError::NotFound(what)),
            found => found.map(|(_, s)| s),
        }
    }

    /// The tile pyramid of a scan, rebuilt from its blobs if missing or
    /// damaged.
    pub fn pyramid(&mut self, scan: &Scan) -> Result<Pyramid, VehicleError> {
        let path = self.pyramid_path(&scan.id);
        if let Ok(p) = Pyramid::open_with(&path, &self.seal) {
            return Ok(p);
        }
        let blobs = self.blob_store()?;
        let limits = self.scan_limits;
        let decode = |image: &ScanImage, blobs: &BlobStore| decode_stored(image, blobs, &limits);
        let high = decode(
            scan.primary()
                .ok_or_else(|| VehicleError::Invalid("scan without an image".into()))?,
            &blobs,
        )?;
        let low = scan.low().map(|l| decode(l, &blobs)).transpose()?;
        self.build_pyramid(&scan.id, &high, low.as_ref())?;
        Pyramid::open_with(&path, &self.seal).map_err(imaging)
    }

    /// A scan and its tile pyramid's geometry and statistics (the pyramid is
    /// rebuilt from the blobs if missing).
    pub fn scan_info(
        &mut self,
        scan: &str,
    ) -> Result<(Scan, kordon_imaging::PyramidInfo), VehicleError> {
        let scan = self.scan_to_show(scan)?;
        let pyramid = self.pyramid(&scan)?;
        let info = pyramid.info().clone();
        Ok((scan, info))
    }

    /// Renders one tile of a scan's pyramid as PNG.
    pub fn render_tile(
        &mut self,
        scan: &str,
        level: u32,
        x: u32,
        y: u32,
        view: &View,
    ) -> Result<Vec<u8>, VehicleError> {
        view.validate()
            .map_err(|e| VehicleError::Invalid(e.to_string()))?;
        let scan = self.scan_to_show(scan)?;
        let pyramid = self.pyramid(&scan)?;
        let tile = kordon_imaging::render_tile(&pyramid, level, x, y, view)
            .map_err(|e| VehicleError::Invalid(e.to_string()))?;
        png(&tile)
    }

    /// A thumbnail of a scan (longer side at most `max_side`) as PNG.
    pub fn scan_thumbnail(
        &mut self,
        scan: &str,
        max_side: u32,
        view: &View,
    ) -> Result<Vec<u8>, VehicleError> {
        let scan = self.scan_to_show(scan)?;
        let pyramid = self.pyramid(&scan)?;
        let picture = kordon_imaging::thumbnail(&pyramid, max_side.clamp(16, 4096), view)
            .map_err(|e| VehicleError::Invalid(e.to_string()))?;
        png(&picture)
    }
}

fn png(picture: &Rendered) -> Result<Vec<u8>, VehicleError> {
    kordon_imaging::encode_png(picture).map_err(imaging)
}

fn duration_ms(d: Duration) -> u64 {
    d.as_millis().min(u128::from(u64::MAX)) as u64
}

#[cfg(test)]
mod import_tests {
    use super::*;
    use kordon_model::NewInspection;

    fn inspection(v: &mut Vehicle, officer: &OfficerId) -> InspectionId {
        let input = NewInspection {
            tractor_plate: "AA1234BC".into(),
            unit: "MOBILE-1".into(),
            ..NewInspection::default()
        };
        v.create_inspection(&input, officer, 1_000)
            .expect("inspection")
            .id
    }

    fn write_raw(dir: &Path, name: &str, header_name: &str, (w, h): (u32, u32)) -> PathBuf {
        let path = dir.join(name);
        let samples: Vec<u8> = (0..w * h)
            .flat_map(|i| (i.wrapping_mul(300) as u16).to_le_bytes())
            .collect();
        std::fs::write(&path, samples).expect("samples");
        std::fs::write(dir.join(header_name), kordon_xraysim::envi_header16(w, h)).expect("hdr");
        path
    }

    #[test]
    fn a_raw_file_finds_its_header_by_either_name_in_any_case() {
        let dir = tempfile::tempdir().expect("tmp");
        for (raw, header) in [
            ("a.raw", "a.hdr"),
            ("b.raw", "b.raw.hdr"),
            ("C.RAW", "C.HDR"),
            ("d.Raw", "d.RAW.hdr"),
        ] {
            let path = write_raw(dir.path(), raw, header, (4, 3));
            assert_eq!(
                raw_header_path(&path),
                Some(dir.path().join(header)),
                "{raw}"
            );
            let (_, image) = read_scan_image(&path, &DecodeLimits::default()).expect(raw);
            assert_eq!(
                (image.width, image.height, image.format),
                (4, 3, kordon_imaging::Format::Raw)
            );
        }
        let lone = dir.path().join("lone.raw");
        std::fs::write(&lone, [0u8; 24]).expect("lone");
        assert_eq!(raw_header_path(&lone), None);
        let err = read_scan_image(&lone, &DecodeLimits::default())
            .expect_err("no header")
            .to_string();
        assert!(
            err.contains("needs its ENVI header") && err.contains("lone.hdr"),
            "{err}"
        );
    }

    #[test]
    fn a_raw_scan_imports_rebuilds_its_tiles_and_keeps_its_recorded_geometry() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut v = Vehicle::open(&dir.path().join("v")).expect("open");
        v.sign_in("OF-1").expect("sign in");
        let officer = OfficerId::new("OF-1").expect("officer");
        let id = inspection(&mut v, &officer);
        let drop = dir.path().join("drop");
        std::fs::create_dir_all(&drop).expect("drop");
        let path = write_raw(&drop, "scan.raw", "scan.hdr", (300, 200));
        let details = ScanDetails::default();
        let imported = v
            .add_scan(id, &path, None, &details, &officer, 2_000)
            .expect("import");
        let image = &imported.scan.images[0];
        assert_eq!(
            (image.format.as_str(), image.width, image.height, image.bits),
            ("raw", 300, 200, 16)
        );
        // The tiles are rebuilt from the blob alone, with the record's
        // geometry, once they are gone.
        std::fs::remove_file(v.pyramid_path(&imported.scan.id)).expect("remove tiles");
        let pyramid = v.pyramid(&imported.scan).expect("rebuilt");
        assert_eq!((pyramid.info().width, pyramid.info().height), (300, 200));
        // The same samples under another header: refused, saying why.
        std::fs::write(
            drop.join("scan.hdr"),
            kordon_xraysim::envi_header16(200, 300),
        )
        .expect("new header");
        let err = v
            .add_scan(id, &path, None, &details, &officer, 3_000)
            .expect_err("other geometry")
            .to_string();
        assert!(
            err.contains("already attached to this inspection as 300 × 200"),
            "{err}"
        );
    }

    /// Found as a warning while measuring imports: the same file attached
    /// to two inspections could not be found by its full id ("2 scans
    /// start with …; give more digits"), so the viewer could not open it.
    #[test]
    fn a_file_attached_to_two_inspections_is_found_by_its_id() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut v = Vehicle::open(&dir.path().join("v")).expect("open");
        v.sign_in("OF-1").expect("sign in");
        let officer = OfficerId::new("OF-1").expect("officer");
        let path = write_raw(dir.path(), "scan.raw", "scan.hdr", (40, 30));
        let details = ScanDetails::default();
        let mut ids = vec![];
        for _ in 0..2 {
            let id = inspection(&mut v, &officer);
            let imported = v
                .add_scan(id, &path, None, &details, &officer, 2_000)
                .expect("import");
            ids.push(imported.scan.id);
        }
        assert_eq!(ids[0], ids[1], "one file, one scan id");
        let (_, scan) = v.find_scan(&ids[0]).expect("found");
        assert_eq!(scan.id, ids[0]);
        assert!(v.pyramid(&scan).is_ok());
    }
}
