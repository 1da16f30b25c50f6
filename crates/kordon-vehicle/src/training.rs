//! Training on the vehicle: a trainee takes an exercise a trainer built
//! (`kordon training build`), image by image, and each answer is a signed
//! record of the attempt's own document, synced to the centre like an
//! inspection and never one.
//!
//! Starting reads the exercise folder (`exercise.json` and each image's
//! `NAME_high.tif` / `NAME_low.tif`), decodes every file first (a bad file
//! stops here, nothing stored), stores the files as blobs and builds their
//! tile pyramids, as an import does, then commits the attempt's first
//! record. The images are scans of the attempt alone: no inspection holds
//! them and they are not sent to the centre; the viewer finds them by
//! their id like any scan.

use crate::error::blob_failure;
use crate::scans::{decode_scan, read_scan_file, Input};
use crate::{Vehicle, VehicleError};
use kordon_blob::BlobId;
use kordon_model::training::{new_training_id, TrainingDoc};
use kordon_model::{
    Energy, InspectionId, NewTrainingAnswer, OfficerId, Scan, ScanImage, TrainingView,
};
use kordon_store::TrainingQuery;
use kordon_training::{AttemptExercise, Manifest, ShownImage, ATTEMPT_FORMAT};
use std::path::Path;

/// Largest `exercise.json` read.
const MAX_MANIFEST_BYTES: u64 = 1 << 20;

pub(crate) fn training_id(id: &str) -> Result<uuid::Uuid, VehicleError> {
    let parsed = uuid::Uuid::parse_str(id.trim()).map_err(|_| {
        VehicleError::Invalid(format!(
            "{} is not an attempt's id",
            kordon_plates::quoted(id)
        ))
    })?;
    if kordon_model::DocKind::of(parsed.as_bytes()) != kordon_model::DocKind::Training {
        return Err(VehicleError::Invalid(format!(
            "{id} is not a training attempt's id"
        )));
    }
    Ok(parsed)
}

pub(crate) fn model(e: kordon_model::ModelError) -> VehicleError {
    VehicleError::from(e)
}

/// Reads and checks an exercise folder's ground truth.
pub fn read_exercise(folder: &Path) -> Result<Manifest, VehicleError> {
    let path = folder.join("exercise.json");
    let meta = std::fs::metadata(&path).map_err(|e| {
        VehicleError::Invalid(format!(
            "{}: {e} (an exercise folder holds exercise.json and its images)",
            path.display()
        ))
    })?;
    if meta.len() > MAX_MANIFEST_BYTES {
        return Err(VehicleError::Invalid(format!(
            "{}: larger than {MAX_MANIFEST_BYTES} bytes",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| VehicleError::Io(format!("{}: {e}", path.display())))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| VehicleError::Invalid(format!("{}: not an exercise: {e}", path.display())))?;
    kordon_training::attempt::check_manifest(&manifest)
        .map_err(|e| VehicleError::Invalid(format!("{}: {e}", path.display())))?;
    Ok(manifest)
}

impl Vehicle {
    /// Starts an attempt at the exercise in `folder` for `trainee`. One
    /// signed record; the images are stored and their tiles built first.
    pub fn start_training(
        &mut self,
        folder: &Path,
        name: Option<&str>,
        trainee: &OfficerId,
        now_ms: i64,
    ) -> Result<TrainingView, VehicleError> {
        self.unit()?.ok_or(VehicleError::NotEnrolled)?;
        let manifest = read_exercise(folder)?;
        // One image at a time (a scan's pixels can be hundreds of
        // megabytes): decoded, checked, stored. A bad file stops it, and
        // what this start stored is removed again.
        let blobs = self.blob_store()?;
        let mut stored_now: Vec<BlobId> = vec![];
        let mut shown = vec![];
        let mut result = Ok(());
        for image in &manifest.images {
            let had: Vec<BlobId> = ["high", "low"]
                .iter()
                .filter_map(|beam| {
                    std::fs::read(folder.join(format!("{}_{beam}.tif", image.name)))
                        .ok()
                        .map(|b| BlobId::of(&b))
                })
                .filter(|b| !blobs.contains(b))
                .collect();
            match self.show_image(folder, image) {
                Ok(s) => {
                    stored_now.extend(had);
                    shown.push(s);
                }
                Err(e) => {
                    stored_now.extend(had.into_iter().filter(|b| blobs.contains(b)));
                    result = Err(e);
                    break;
                }
            }
        }
        if let Err(e) = result {
            for b in stored_now {
                let _ = std::fs::remove_file(blobs.path(&b));
                let _ = std::fs::remove_file(self.pyramid_path(&b.to_string()));
            }
            return Err(e);
        }
        let exercise = AttemptExercise {
            format: ATTEMPT_FORMAT.into(),
            manifest,
            shown,
            live: None,
        };
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => n.to_string(),
            None => folder
                .canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "exercise".into()),
        };
        self.record_attempt(&name, &exercise, trainee, now_ms)
    }

    /// Reads, decodes and checks one image of an exercise folder against
    /// its entry, then stores it ([`store_shown`](Self::store_shown)).
    fn show_image(
        &mut self,
        folder: &Path,
        image: &kordon_training::exercise::ManifestImage,
    ) -> Result<ShownImage, VehicleError> {
        let file = |beam: &str| folder.join(format!("{}_{beam}.tif", image.name));
        let high = decode_scan(read_scan_file(&file("high"))?, &self.scan_limits)?;
        let low = decode_scan(read_scan_file(&file("low"))?, &self.scan_limits)?;
        kordon_imaging::check_pair(&high.image, &low.image).map_err(|e| {
            VehicleError::Invalid(format!("{}: the two beams differ: {e}", image.name))
        })?;
        if (high.image.width, high.image.height) != (image.width, image.height) {
            return Err(VehicleError::Invalid(format!(
                "{}: {} × {} pixels, where exercise.json says {} × {}",
                image.name, high.image.width, high.image.height, image.width, image.height
            )));
        }
        self.store_shown(&image.name, &high, &low)
    }

    /// Stores an image's two files as blobs and builds its tiles: a scan
    /// the viewer opens by the high file's hash, held by no inspection.
    pub(crate) fn store_shown(
        &mut self,
        name: &str,
        high: &Input,
        low: &Input,
    ) -> Result<ShownImage, VehicleError> {
        let blobs = self.blob_store()?;
        let put = |bytes: &[u8], what: &str| {
            blobs
                .put_bytes(bytes)
                .map_err(|e| blob_failure(&format!("storing {name} ({what})"), e))
        };
        let high_blob = put(&high.bytes, "high")?;
        let low_blob = put(&low.bytes, "low")?;
        self.build_pyramid(&high_blob.to_string(), &high.image, Some(&low.image))?;
        Ok(ShownImage {
            name: name.to_string(),
            high: high_blob.to_string(),
            low: low_blob.to_string(),
        })
    }

    /// Commits a new attempt at `exercise`: its first signed record.
    pub(crate) fn record_attempt(
        &mut self,
        name: &str,
        exercise: &AttemptExercise,
        trainee: &OfficerId,
        now_ms: i64,
    ) -> Result<TrainingView, VehicleError> {
        let unit = self.unit()?.ok_or(VehicleError::NotEnrolled)?;
        let id = new_training_id();
        let mut doc = TrainingDoc::create(
            self.key.public().as_bytes(),
            id,
            &unit,
            name,
            &exercise.to_json(),
            trainee,
            now_ms,
        )
        .map_err(model)?;
        self.store
            .commit_training(id, &mut doc, &self.key, trainee.as_str(), now_ms)?;
        doc.view().map_err(model)
    }

    /// Records the answer to one image of attempt `id`. One signed record.
    /// A projection into a live scan is not answered here: only by a mark
    /// on it or a decision on its inspection (see `live_tip`).
    pub fn answer_training(
        &mut self,
        id: &str,
        answer: &NewTrainingAnswer,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<TrainingView, VehicleError> {
        self.record_answer(id, answer, false, officer, now_ms)
    }

    /// Records an answer; `live` says whether the attempt may be a live
    /// projection.
    pub(crate) fn record_answer(
        &mut self,
        id: &str,
        answer: &NewTrainingAnswer,
        live: bool,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<TrainingView, VehicleError> {
        let id = training_id(id)?;
        let mut doc: TrainingDoc = self
            .store
            .load_doc(InspectionId::from_bytes(*id.as_bytes()))?
            .ok_or_else(|| VehicleError::NotFound(format!("training attempt {id}")))?
            .into();
        let view = doc.view().map_err(model)?;
        let exercise = AttemptExercise::parse(&view.exercise)
            .map_err(|e| VehicleError::Invalid(e.to_string()))?;
        if exercise.live.is_some() && !live {
            return Err(VehicleError::Invalid(format!(
                "attempt {id} is a projection into a live scan: it is answered on its inspection, by a mark on the item or a decision"
            )));
        }
        if exercise.shown(&answer.image).is_none() {
            return Err(VehicleError::Invalid(format!(
                "the exercise has no image {:?}",
                answer.image
            )));
        }
        doc.answer(answer, officer, now_ms).map_err(model)?;
        self.store
            .commit_training(id, &mut doc, &self.key, officer.as_str(), now_ms)?;
        doc.view().map_err(model)
    }

    /// Attempts held on this vehicle, newest first.
    pub fn training_attempts(&self, limit: usize) -> Result<Vec<TrainingView>, VehicleError> {
        Ok(self.store.training_attempts(&TrainingQuery {
            limit,
            ..TrainingQuery::default()
        })?)
    }

    /// One attempt.
    pub fn training_attempt(&self, id: &str) -> Result<TrainingView, VehicleError> {
        let id = training_id(id)?;
        self.store
            .training_attempt(&id)?
            .ok_or_else(|| VehicleError::NotFound(format!("training attempt {id}")))
    }

    /// An exercise image shown as scan `prefix` (its high file's hash, or
    /// at least 8 hex digits of it), as a scan the viewer can open.
    pub(crate) fn training_scan(&self, prefix: &str) -> Result<Option<Scan>, VehicleError> {
        for attempt in self.training_attempts(usize::MAX)? {
            let Ok(exercise) = AttemptExercise::parse(&attempt.exercise) else {
                continue;
            };
            for s in &exercise.shown {
                if !s.high.starts_with(prefix) {
                    continue;
                }
                let Some(image) = exercise.manifest.images.iter().find(|i| i.name == s.name) else {
                    continue;
                };
                let blob = |id: &str, energy| -> Result<ScanImage, VehicleError> {
                    let blob: BlobId = id.parse().map_err(|e: kordon_blob::BlobError| {
                        VehicleError::Invalid(e.to_string())
                    })?;
                    Ok(ScanImage {
                        blob: blob.to_string(),
                        size: 0,
                        width: image.width,
                        height: image.height,
                        bits: 16,
                        channels: 1,
                        format: "tiff".into(),
                        energy,
                    })
                };
                return Ok(Some(Scan {
                    id: s.high.clone(),
                    images: vec![blob(&s.high, Energy::High)?, blob(&s.low, Energy::Low)?],
                    name: Some(s.name.clone()),
                    scanner: None,
                    captured_ms: None,
                    pixel_mm: exercise.live.as_ref().and_then(|l| l.pixel_mm),
                    added_ms: attempt.created_ms,
                    added_by: attempt.trainee.clone(),
                }));
            }
        }
        Ok(None)
    }
}
