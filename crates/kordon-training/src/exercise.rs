//! Building an exercise: scans, about half of them with one threat item
//! projected at a known place, and the ground truth as a manifest.
//!
//! An item goes where it could be hidden: inside the load, where the scan
//! neither reads air nor is already opaque (the median attenuation under
//! the item, on the high beam, between [`MIN_LOAD`] and [`MAX_LOAD`]). The
//! air value of each beam is read off the scan (its brightest values); the
//! dark offset is given. Deterministic for a seed and the same scans.

use crate::items::{draw, random_angle, Drawn, ThreatKind};
use crate::project::{attenuation, project, Plane};
use kordon_xraysim::Energy;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

pub const EXERCISE_FORMAT: &str = "kordon-tip-exercise/1";
/// Least median attenuation (high beam) under an item: not in air.
pub const MIN_LOAD: f32 = 0.15;
/// Most median attenuation under an item: not where nothing shows.
pub const MAX_LOAD: f32 = 3.5;

/// A dual-energy scan to build from.
#[derive(Debug, Clone)]
pub struct SourceScan {
    /// What names it (its file's hash, say).
    pub source: String,
    pub width: u32,
    pub height: u32,
    pub high: Vec<u16>,
    pub low: Vec<u16>,
    /// Size of a pixel on the object.
    pub mm_per_pixel: f32,
}

/// How to build.
#[derive(Debug, Clone)]
pub struct Spec {
    pub images: usize,
    /// Share of images with an item (at least one with and one without
    /// when there are two images or more).
    pub signal_share: f64,
    pub seed: u64,
    /// What the detectors read with no beam.
    pub dark: f32,
    /// Item kinds to draw from (all when empty).
    pub kinds: Vec<ThreatKind>,
    /// Where every item goes (its top-left corner), instead of a random
    /// place inside the load: for a trainer who shows an item somewhere on
    /// purpose.
    pub at: Option<(u32, u32)>,
    /// Refuse a scan with no place whose load is in the plausible range,
    /// rather than take the nearest (for projection into live scans, where
    /// an item in the air would give the exercise away).
    pub inside_load_only: bool,
}

/// Where an item was put.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacedItem {
    pub kind: ThreatKind,
    pub material: String,
    /// `[x, y, w, h]` in image pixels: what it covers.
    pub bbox: [u32; 4],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestImage {
    /// The image's name: its files are `NAME_high.tif` and `NAME_low.tif`.
    pub name: String,
    /// The scan it was made from.
    pub source: String,
    pub width: u32,
    pub height: u32,
    /// The projected item, if any.
    pub item: Option<PlacedItem>,
}

/// The exercise's ground truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub seed: u64,
    pub images: Vec<ManifestImage>,
}

/// One image of an exercise, with its pixels.
#[derive(Debug, Clone)]
pub struct ExerciseImage {
    pub entry: ManifestImage,
    pub high: Vec<u16>,
    pub low: Vec<u16>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExerciseError {
    #[error("scan {scan}: no place in its load for a {kind}")]
    NoPlaceInLoad { kind: &'static str, scan: String },
    #[error("no scans to build an exercise from")]
    NoScans,
    #[error("scan {0}: its two images differ in size, or do not match its dimensions")]
    BadScan(String),
    #[error("an exercise needs at least one image")]
    NoImages,
    #[error("{images} images need {images} scans, {scans} given: a scan shown twice, once with an item and once without, gives the item away")]
    TooFewScans { images: usize, scans: usize },
    #[error("a {kind} does not fit in scan {scan}")]
    ItemTooLarge { kind: &'static str, scan: String },
    #[error("a {kind} put at ({x}, {y}) would reach out of scan {scan}")]
    ItemOutside {
        kind: &'static str,
        x: u32,
        y: u32,
        scan: String,
    },
}

/// The value air reads on a plane: the 99.5th percentile.
pub fn air_of(pixels: &[u16]) -> f32 {
    let mut histogram = vec![0u32; 1 << 16];
    for &v in pixels {
        histogram[usize::from(v)] += 1;
    }
    let target = (pixels.len() as f64 * 0.995) as u64;
    let mut seen = 0u64;
    for (value, &n) in histogram.iter().enumerate() {
        seen += u64::from(n);
        if seen > target {
            return value as f32;
        }
    }
    f32::from(u16::MAX)
}

/// Median high-beam attenuation under the drawn item placed at (x, y).
fn load_under(
    scan: &SourceScan,
    air: f32,
    dark: f32,
    path: &[f32],
    (w, h): (u32, u32),
    (x, y): (u32, u32),
) -> f32 {
    let mut values: Vec<f32> = Vec::new();
    // Every fourth pixel is plenty for a median.
    for py in (0..h).step_by(2) {
        for px in (0..w).step_by(2) {
            if path[(py * w + px) as usize] > 0.0 {
                let i = ((y + py) * scan.width + x + px) as usize;
                values.push(attenuation(scan.high[i], air, dark));
            }
        }
    }
    if values.is_empty() {
        return 0.0;
    }
    let mid = values.len() / 2;
    values.select_nth_unstable_by(mid, f32::total_cmp);
    values[mid]
}

/// A place inside the load for `drawn`: the first of up to 400 random
/// places whose median attenuation lies in the plausible range, else the
/// nearest to it, with how far outside the range it is (0 inside); none
/// when the item does not fit in the scan.
fn place(
    scan: &SourceScan,
    air: f32,
    dark: f32,
    drawn: &Drawn,
    rng: &mut StdRng,
) -> Option<((u32, u32), f32)> {
    if drawn.width + 2 >= scan.width || drawn.height + 2 >= scan.height {
        return None;
    }
    let mut best: Option<((u32, u32), f32)> = None;
    for _ in 0..400 {
        let at = (
            rng.gen_range(1..scan.width - drawn.width - 1),
            rng.gen_range(1..scan.height - drawn.height - 1),
        );
        let load = load_under(
            scan,
            air,
            dark,
            &drawn.path_cm,
            (drawn.width, drawn.height),
            at,
        );
        // Distance from the plausible range; 0 inside it.
        let off = (MIN_LOAD - load).max(load - MAX_LOAD).max(0.0);
        if best.is_none_or(|(_, b)| off < b) {
            best = Some((at, off));
        }
        if off == 0.0 {
            break;
        }
    }
    best
}

/// Builds the exercise: image `i` is made from scan `i` (each scan is
/// shown once; extra scans are left out).
pub fn build(scans: &[SourceScan], spec: &Spec) -> Result<Vec<ExerciseImage>, ExerciseError> {
    if scans.is_empty() {
        return Err(ExerciseError::NoScans);
    }
    if spec.images == 0 {
        return Err(ExerciseError::NoImages);
    }
    for s in scans {
        let n = s.width as usize * s.height as usize;
        if s.high.len() != n || s.low.len() != n {
            return Err(ExerciseError::BadScan(s.source.clone()));
        }
    }
    if spec.images > scans.len() {
        return Err(ExerciseError::TooFewScans {
            images: spec.images,
            scans: scans.len(),
        });
    }
    let mut rng = StdRng::seed_from_u64(spec.seed);
    // Which images get an item: the share, shuffled, with both kinds of
    // image present when there are two or more.
    let mut signal = (spec.images as f64 * spec.signal_share.clamp(0.0, 1.0)).round() as usize;
    if spec.images >= 2 {
        signal = signal.clamp(1, spec.images - 1);
    }
    let mut has_item: Vec<bool> = (0..spec.images).map(|i| i < signal).collect();
    for i in (1..has_item.len()).rev() {
        has_item.swap(i, rng.gen_range(0..=i));
    }
    let kinds = if spec.kinds.is_empty() {
        ThreatKind::ALL.to_vec()
    } else {
        spec.kinds.clone()
    };
    let mut out = Vec::with_capacity(spec.images);
    for (i, with_item) in has_item.into_iter().enumerate() {
        let scan = &scans[i];
        let mut high = scan.high.clone();
        let mut low = scan.low.clone();
        let mut item = None;
        if with_item {
            let kind = kinds[rng.gen_range(0..kinds.len())];
            let drawn = draw(kind, scan.mm_per_pixel, random_angle(&mut rng));
            let (air_high, air_low) = (air_of(&scan.high), air_of(&scan.low));
            let at = match spec.at {
                Some((x, y)) => {
                    let fits = u64::from(x) + u64::from(drawn.width) <= u64::from(scan.width)
                        && u64::from(y) + u64::from(drawn.height) <= u64::from(scan.height);
                    if !fits {
                        return Err(ExerciseError::ItemOutside {
                            kind: kind.name(),
                            x,
                            y,
                            scan: scan.source.clone(),
                        });
                    }
                    (x, y)
                }
                None => match place(scan, air_high, spec.dark, &drawn, &mut rng) {
                    Some((at, off)) if off == 0.0 || !spec.inside_load_only => at,
                    Some(_) => {
                        return Err(ExerciseError::NoPlaceInLoad {
                            kind: kind.name(),
                            scan: scan.source.clone(),
                        })
                    }
                    None => {
                        return Err(ExerciseError::ItemTooLarge {
                            kind: kind.name(),
                            scan: scan.source.clone(),
                        })
                    }
                },
            };
            {
                let mut covered = (0, 0, 0, 0);
                for (pixels, energy, air) in [
                    (&mut high, Energy::High, air_high),
                    (&mut low, Energy::Low, air_low),
                ] {
                    let mut plane = Plane {
                        pixels,
                        energy,
                        air,
                        dark: spec.dark,
                    };
                    let b = project(&mut plane, scan.width, &drawn, at);
                    if b.2 * b.3 > covered.2 * covered.3 {
                        covered = b;
                    }
                }
                item = Some(PlacedItem {
                    kind,
                    material: kind.material().0.name().to_string(),
                    bbox: [covered.0, covered.1, covered.2, covered.3],
                });
            }
        }
        out.push(ExerciseImage {
            entry: ManifestImage {
                name: format!("TIP_{:04}", i + 1),
                source: scan.source.clone(),
                width: scan.width,
                height: scan.height,
                item,
            },
            high,
            low,
        });
    }
    Ok(out)
}

/// The manifest of built images.
pub fn manifest(images: &[ExerciseImage], seed: u64) -> Manifest {
    Manifest {
        format: EXERCISE_FORMAT.into(),
        seed,
        images: images.iter().map(|i| i.entry.clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(seed: u64) -> SourceScan {
        let s = kordon_xraysim::generate(&kordon_xraysim::SceneSpec {
            width: 1200,
            height: 400,
            seed,
            ..kordon_xraysim::SceneSpec::default()
        });
        SourceScan {
            source: format!("synthetic-{seed}"),
            width: s.width,
            height: s.height,
            high: s.high,
            low: s.low,
            mm_per_pixel: s.mm_per_pixel,
        }
    }

    #[test]
    fn half_the_images_carry_an_item_inside_the_load_and_the_rest_are_untouched() {
        let scans: Vec<SourceScan> = (3..13).map(scan).collect();
        let spec = Spec {
            images: 10,
            signal_share: 0.5,
            seed: 9,
            dark: 400.0,
            kinds: vec![],
            at: None,
            inside_load_only: false,
        };
        let built = build(&scans, &spec).expect("built");
        assert_eq!(built.len(), 10);
        let with: Vec<_> = built.iter().filter(|i| i.entry.item.is_some()).collect();
        assert_eq!(with.len(), 5);
        for image in &built {
            let source = scans
                .iter()
                .find(|s| s.source == image.entry.source)
                .expect("its scan");
            match &image.entry.item {
                None => assert_eq!(image.high, source.high, "a clean image is the scan itself"),
                Some(item) => {
                    let [x, y, w, h] = item.bbox;
                    assert!(w > 0 && h > 0 && x + w <= source.width && y + h <= source.height);
                    // Both beams darker inside the box, and only there.
                    let darker = |a: &[u16], b: &[u16]| {
                        (y..y + h)
                            .flat_map(|yy| {
                                (x..x + w).map(move |xx| (yy * source.width + xx) as usize)
                            })
                            .filter(|&i| a[i] < b[i])
                            .count()
                    };
                    assert!(darker(&image.high, &source.high) > 0, "{item:?}");
                    assert!(darker(&image.low, &source.low) > 0, "{item:?}");
                    let changed_outside = image
                        .high
                        .iter()
                        .zip(&source.high)
                        .enumerate()
                        .filter(|(i, (a, b))| {
                            let (xx, yy) = ((*i as u32) % source.width, (*i as u32) / source.width);
                            a != b && !(xx >= x && xx < x + w && yy >= y && yy < y + h)
                        })
                        .count();
                    assert_eq!(changed_outside, 0, "{item:?}");
                }
            }
        }
        // Each scan shown once.
        let sources: std::collections::HashSet<_> = built.iter().map(|i| &i.entry.source).collect();
        assert_eq!(sources.len(), built.len());
        // Deterministic.
        let again = build(&scans, &spec).expect("built");
        assert_eq!(manifest(&built, 9), manifest(&again, 9));
    }

    #[test]
    fn bad_input_is_refused() {
        let spec = Spec {
            images: 2,
            signal_share: 0.5,
            seed: 1,
            dark: 400.0,
            kinds: vec![],
            at: None,
            inside_load_only: false,
        };
        assert_eq!(build(&[], &spec).err(), Some(ExerciseError::NoScans));
        let mut s = scan(1);
        s.low.pop();
        assert!(matches!(build(&[s], &spec), Err(ExerciseError::BadScan(_))));
        let none = Spec {
            images: 0,
            ..spec.clone()
        };
        assert_eq!(
            build(&[scan(1)], &none).err(),
            Some(ExerciseError::NoImages)
        );
        // One scan cannot give two images: one would show the other's item.
        assert!(matches!(
            build(&[scan(1)], &spec),
            Err(ExerciseError::TooFewScans {
                images: 2,
                scans: 1
            })
        ));
        // An item put where it would reach out of the image is refused.
        let edge = Spec {
            images: 1,
            signal_share: 1.0,
            at: Some((1190, 390)),
            ..spec
        };
        assert!(matches!(
            build(&[scan(1)], &edge),
            Err(ExerciseError::ItemOutside {
                x: 1190,
                y: 390,
                ..
            })
        ));
    }
}
