//! Threat image projection in live work. When switched on (a rate: the
//! share of scans that get an item), a scan the crew opens may be shown
//! with a threat item projected into it, at a place inside the load, as
//! exercises are built, or not at all when its load leaves no plausible
//! place (an item in the air would give it away). Which scans: a hash of
//! the scan's id keyed by a secret the device keeps, so reopening a scan
//! shows the same, and nobody can tell in advance.
//!
//! The projection is an attempt of one image (a training document, never
//! the inspection's): a mark on the item is a hit, told at once, and is not
//! an annotation of the inspection; a decision with the item unmarked is a
//! miss, told at once. The real scan, the inspection's records and its
//! decision are untouched: nothing of a projection is ever a finding.

use crate::training::training_id;
use crate::{Vehicle, VehicleError};
use kordon_model::{
    Energy, InspectionId, NewTrainingAnswer, OfficerId, TrainingDecision, TrainingView,
};
use kordon_training::score::touches;
use kordon_training::{AttemptExercise, LiveScan, SourceScan, Spec, ATTEMPT_FORMAT};

/// The setting's key in the store's meta table.
const RATE_KEY: &str = "live_tip_rate";
/// The key of this device's secret for choosing scans.
const SECRET_KEY: &str = "live_tip_secret";
/// Highest rate accepted: every scan (for a trainer's drill; in live work
/// a rate of a few in a hundred is usual).
pub const MAX_LIVE_TIP_RATE: f64 = 1.0;
/// How much larger than the item's box a mark on it may be and still
/// count as finding it.
pub const MAX_MARK_TO_ITEM: f64 = 9.0;
/// The name live attempts carry.
pub const LIVE_TIP_NAME: &str = "Live TIP";

impl Vehicle {
    /// The share of opened scans that get a projected item (0: off).
    pub fn live_tip_rate(&self) -> Result<f64, VehicleError> {
        Ok(self
            .store
            .get_meta(RATE_KEY)?
            .and_then(|r| r.parse::<f64>().ok())
            .filter(|r| r.is_finite() && (0.0..=MAX_LIVE_TIP_RATE).contains(r))
            .unwrap_or(0.0))
    }

    /// Switches live projection on at `rate` (0 switches it off).
    pub fn set_live_tip_rate(&mut self, rate: f64) -> Result<(), VehicleError> {
        if !rate.is_finite() || !(0.0..=MAX_LIVE_TIP_RATE).contains(&rate) {
            return Err(VehicleError::Invalid(format!(
                "a live TIP rate of {rate}: expected 0 (off) to {MAX_LIVE_TIP_RATE}"
            )));
        }
        Ok(self.store.set_meta(RATE_KEY, &rate.to_string())?)
    }

    /// This device's secret for choosing scans: random, made on first use,
    /// kept in the store (never sent), so that nobody can tell from what
    /// the device shows or signs which scans will get an item.
    fn live_tip_secret(&self) -> Result<[u8; 32], VehicleError> {
        if let Some(hex) = self.store.get_meta(SECRET_KEY)? {
            if let Ok(bytes) = hex::decode(hex.trim()) {
                if let Ok(secret) = <[u8; 32]>::try_from(bytes.as_slice()) {
                    return Ok(secret);
                }
            }
        }
        let secret: [u8; 32] = rand::random();
        self.store.set_meta(SECRET_KEY, &hex::encode(secret))?;
        Ok(secret)
    }

    /// A keyed hash of scan `scan` as a number in [0, 1), and a seed for
    /// its projection.
    fn draw_for(&self, scan: &str) -> Result<(f64, u64), VehicleError> {
        let h = blake3::keyed_hash(&self.live_tip_secret()?, scan.as_bytes());
        let word = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&h.as_bytes()[i..i + 8]);
            u64::from_le_bytes(b)
        };
        Ok(((word(0) >> 11) as f64 / (1u64 << 53) as f64, word(8)))
    }

    /// The live projection into scan `scan` of inspection `inspection`, as
    /// the crew opens it: the attempt made before for this scan (answered
    /// or not), or a new one if the scan is chosen, or none. A scan that is
    /// not dual-energy, or whose load leaves no place for an item, gets none.
    pub fn live_tip(
        &mut self,
        inspection: InspectionId,
        scan: &str,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<Option<TrainingView>, VehicleError> {
        let (view, scan) = self.find_scan(scan)?;
        if view.id != inspection {
            return Err(VehicleError::Invalid(format!(
                "scan {} is not one of inspection {inspection}'s",
                scan.id
            )));
        }
        let decided = !view.decisions.is_empty();
        if let Some(made) = self.live_attempt_for(&scan.id)? {
            let image = AttemptExercise::parse(&made.exercise)
                .ok()
                .and_then(|e| e.manifest.images.first().map(|i| i.name.clone()));
            let pending = image.is_some_and(|i| made.answer(&i).is_none());
            if decided && pending {
                // Decided with the item unmarked, on a screen that did not
                // record it (the crew left and came back): the miss.
                return self.live_tip_missed(&made.id, 0, officer, now_ms).map(Some);
            }
            return Ok(Some(made));
        }
        if decided {
            // A projection is for a scan still to be judged.
            return Ok(None);
        }
        let rate = self.live_tip_rate()?;
        let (draw, seed) = self.draw_for(&scan.id)?;
        if rate <= 0.0 || draw >= rate {
            return Ok(None);
        }
        let (Some(high), Some(low)) = (scan.primary(), scan.low()) else {
            return Ok(None);
        };
        if high.energy != Energy::High || high.bits != 16 || low.bits != 16 {
            // The projection needs what a scanner's detectors read (16
            // bits, an offset below the open beam): not a picture.
            return Ok(None);
        }
        let blobs = self.blob_store()?;
        let decode = |image| crate::scans::decode_stored(image, &blobs, &self.scan_limits);
        let (h, l) = (decode(high)?, decode(low)?);
        let source = SourceScan {
            source: scan.id.clone(),
            width: h.width,
            height: h.height,
            high: h.pixels,
            low: l.pixels,
            mm_per_pixel: scan.pixel_mm.unwrap_or(5.0) as f32,
        };
        let spec = Spec {
            images: 1,
            signal_share: 1.0,
            seed,
            dark: f32::from(kordon_xraysim::DARK_OFFSET),
            kinds: vec![],
            at: None,
            inside_load_only: true,
        };
        let Ok(mut built) = kordon_training::build(&[source], &spec) else {
            // No place for an item in this load: no projection.
            return Ok(None);
        };
        let Some(image) = built.pop() else {
            return Ok(None);
        };
        let input = |pixels: &[u16], what: &str| -> Result<crate::scans::Input, VehicleError> {
            let bytes =
                kordon_xraysim::encode_tiff16(image.entry.width, image.entry.height, pixels)
                    .map_err(|e| VehicleError::Io(format!("writing the projection: {e}")))?;
            let file = crate::scans::ScanFile {
                name: format!("LIVE_TIP_{what}.tif"),
                bytes,
                raw: None,
            };
            crate::scans::decode_scan(file, &self.scan_limits)
        };
        let (ph, pl) = (input(&image.high, "high")?, input(&image.low, "low")?);
        let mut entry = image.entry.clone();
        entry.name = "LIVE_TIP".into();
        let shown = self.store_shown(&entry.name, &ph, &pl)?;
        let exercise = AttemptExercise {
            format: ATTEMPT_FORMAT.into(),
            manifest: kordon_training::Manifest {
                format: kordon_training::exercise::EXERCISE_FORMAT.into(),
                seed,
                images: vec![entry],
            },
            shown: vec![shown],
            live: Some(LiveScan {
                inspection: inspection.to_string(),
                scan: scan.id.clone(),
                pixel_mm: scan.pixel_mm,
            }),
        };
        self.record_attempt(LIVE_TIP_NAME, &exercise, officer, now_ms)
            .map(Some)
    }

    /// The live attempt made for scan `scan`, if any.
    fn live_attempt_for(&self, scan: &str) -> Result<Option<TrainingView>, VehicleError> {
        for a in self.training_attempts(usize::MAX)? {
            if a.name != LIVE_TIP_NAME {
                continue;
            }
            let Ok(e) = AttemptExercise::parse(&a.exercise) else {
                continue;
            };
            if e.live.as_ref().is_some_and(|l| l.scan == scan) {
                return Ok(Some(a));
            }
        }
        Ok(None)
    }

    /// A mark the crew made on a live projection: on the item, it is the
    /// hit (one signed record of the attempt, nothing on the inspection)
    /// and the attempt is returned; elsewhere, `None`: the mark is the
    /// crew's, for the inspection, and the item is still to find.
    pub fn live_tip_mark(
        &mut self,
        attempt: &str,
        mark: [f64; 4],
        time_ms: u64,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<Option<TrainingView>, VehicleError> {
        let (view, exercise) = self.live_attempt(attempt)?;
        let image = &exercise.manifest.images[0];
        if view.answer(&image.name).is_some() {
            return Ok(None);
        }
        // On the item, and not much larger than it: a box over the whole
        // load finds nothing.
        let on_item = image.item.as_ref().is_some_and(|item| {
            let item_area = f64::from(item.bbox[2]) * f64::from(item.bbox[3]);
            touches(&mark, &item.bbox) && mark[2] * mark[3] <= MAX_MARK_TO_ITEM * item_area
        });
        if !on_item {
            return Ok(None);
        }
        let answer = NewTrainingAnswer {
            image: image.name.clone(),
            decision: TrainingDecision::Suspect,
            marks: vec![mark],
            time_ms,
        };
        self.record_answer(attempt, &answer, true, officer, now_ms)
            .map(Some)
    }

    /// The crew decided with the live projection's item unmarked: the
    /// miss (one signed record of the attempt). An attempt already
    /// answered is returned as it is.
    pub fn live_tip_missed(
        &mut self,
        attempt: &str,
        time_ms: u64,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<TrainingView, VehicleError> {
        let (view, exercise) = self.live_attempt(attempt)?;
        let image = &exercise.manifest.images[0];
        if view.answer(&image.name).is_some() {
            return Ok(view);
        }
        let answer = NewTrainingAnswer {
            image: image.name.clone(),
            decision: TrainingDecision::Clear,
            marks: vec![],
            time_ms,
        };
        self.record_answer(attempt, &answer, true, officer, now_ms)
    }

    fn live_attempt(&self, attempt: &str) -> Result<(TrainingView, AttemptExercise), VehicleError> {
        training_id(attempt)?;
        let view = self.training_attempt(attempt)?;
        let exercise = AttemptExercise::parse(&view.exercise)
            .map_err(|e| VehicleError::Invalid(e.to_string()))?;
        if exercise.live.is_none() || exercise.manifest.images.len() != 1 {
            return Err(VehicleError::Invalid(format!(
                "attempt {attempt} is not a live projection"
            )));
        }
        Ok((view, exercise))
    }
}
