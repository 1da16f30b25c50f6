//! Synthetic dual-energy X-ray transmission images of trucks and
//! containers, for tests, benchmarks and the demo.
//!
//! [`generate`] renders what a drive-through or gantry cargo scanner with a
//! dual-energy linear accelerator records: two 16-bit images of the same
//! vehicle, one per beam, plus the ground truth of what was placed where.
//!
//! # Physics
//!
//! The ray is horizontal and crosses the vehicle from side to side (a
//! parallel projection; the fan-beam magnification of a real scanner is
//! left out). Each pixel records
//!
//! ```text
//! counts = dark + (open − dark) · exp(−Σ_m (μ/ρ)_m(E) · ρ_m · t_m)
//! ```
//!
//! summed over every material the ray crosses, `t_m` being the length
//! crossed. The two beams are a 6 MV and a 3 MV linac, modelled at effective
//! energies of 3.0 and 1.5 MeV with NIST XCOM mass attenuation coefficients
//! for five material classes (see [`Material`]). Because pair production
//! grows with atomic number and weighs more at 3 MeV, the ratio
//! `ln(I0/I_low) / ln(I0/I_high)` falls from about 1.45 for organics and
//! water to 1.41 for aluminium, 1.35 for steel and 1.23 for lead
//! ([`Material::attenuation_ratio`]); [`attenuation`] turns a pixel value
//! back into `ln(I0/I)`. Air reads [`OPEN_BEAM`] (60 000), no beam reads
//! [`DARK_OFFSET`] (400); dense matter is dark. Detector blur is a 3 × 3
//! kernel applied to intensity. With `noise`, counts carry photon noise
//! (Gaussian with Poisson variance; the low beam has fewer photons) and
//! electronic noise; with `artefacts`, detector module gain steps, one to
//! three bad detector elements (lines along the scan) and linac pulse
//! jitter (lines across it). Beam hardening and scatter are not modelled.
//!
//! # Coordinates
//!
//! Images are row-major, `width * height`, origin at the top left. A
//! landscape image (the default, 6000 × 2000) shows the vehicle facing
//! left with the ground at the bottom; a portrait image is that view turned
//! a quarter clockwise (front at the top, ground on the left). The vehicle
//! is scaled uniformly to fit with a margin, so pixels are square and
//! [`DualEnergy::mm_per_pixel`] gives their size. Detector-element lines
//! run along the vehicle, pulse lines across it, whichever way it lies.
//!
//! # What is placed
//!
//! A tractor unit (cab-over cab with seats, dashboard, bunk; six-cylinder
//! engine with bores and pistons, gearbox, radiator; chassis rails and
//! cross members; fuel tank part full of diesel; batteries; air tanks;
//! fifth wheel) pulling either a skeletal chassis with a 40-foot steel ISO
//! container (corrugated walls, corner castings, wooden floor on cross
//! members, doors with locking bars) or an aluminium box semi-trailer; or a
//! panel van. Wheels are seen face-on: tread, steel belts, sidewalls,
//! beads, rims with hand holes, brake drums, hubs, axles. The load is a
//! seeded mix of palletised goods: cartons (bulk goods or rows of jars),
//! bottled drinks, steel drums of liquid, bulk liquid tanks in steel cages,
//! crates of machine parts, sacks, in one of four mixes ([`Load`], given or
//! seeded). With `concealed`, two to four of: a false front wall with
//! packages behind it, packages inside a tyre, a dense block of packages
//! among cartons, a steel or lead cylinder in a load; and in some
//! trailers a false floor with packages under it, the load standing on
//! it. [`DualEnergy::objects`] lists the main parts, every load and every
//! hidden object with its pixel bounding box.
//!
//! Output is deterministic for a given [`SceneSpec`] and crate version.
//! [`write_tiff16`], [`write_diconde16`] and [`write_raw16`] write a plane
//! as a scanner exports it: an uncompressed 16-bit TIFF, a DICONDE file
//! (DICOM Part 10, explicit VR little endian), or raw little-endian
//! samples with an ENVI header beside them.
//!
//! ```
//! use kordon_xraysim::{generate, SceneSpec};
//!
//! let scan = generate(&SceneSpec { width: 600, height: 200, ..SceneSpec::default() });
//! assert_eq!(scan.high.len(), 600 * 200);
//! ```

mod bodies;
mod cargo;
mod concealment;
mod diconde_out;
mod frame;
mod geometry;
mod goods;
mod physics;
mod powertrain;
mod raw_out;
mod render;
mod scene;
mod tiff_out;
mod tractor;
mod trailers;
mod van;
mod wheels;

use std::path::PathBuf;

pub use cargo::Load;
pub use diconde_out::{encode_diconde16, write_diconde16};
pub use physics::{
    attenuation, Energy, Material, DARK_OFFSET, HIGH_ENERGY_MEV, LOW_ENERGY_MEV, OPEN_BEAM,
};
pub use raw_out::{envi_header16, write_raw16};
pub use scene::{ObjectKind, PlacedObject, VehicleKind};
pub use tiff_out::{encode_tiff16, write_tiff16};

use frame::Frame;
use geometry::Rect;
use render::RenderOptions;

/// Longest side [`generate`] accepts.
pub const MAX_SIDE: u32 = 65_535;
/// Most pixels [`generate`] accepts (about 1 GiB for both images).
pub const MAX_PIXELS: u64 = 1 << 28;

/// What to scan and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SceneSpec {
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels. Taller than wide puts the vehicle upright.
    pub height: u32,
    /// Seed for everything random: layout, load, hidden objects, noise.
    pub seed: u64,
    pub kind: VehicleKind,
    /// Hide things in the vehicle.
    pub concealed: bool,
    /// The mix of goods loaded; a seeded one when `None`.
    pub load: Option<Load>,
    /// Photon and electronic noise.
    pub noise: bool,
    /// Detector gain steps, bad detector lines, pulse jitter.
    pub artefacts: bool,
}

impl Default for SceneSpec {
    fn default() -> Self {
        SceneSpec {
            width: 6000,
            height: 2000,
            seed: 1,
            kind: VehicleKind::ContainerTrailer,
            concealed: false,
            load: None,
            noise: true,
            artefacts: true,
        }
    }
}

/// A dual-energy scan: two images of the same size and the ground truth.
#[derive(Debug, Clone, PartialEq)]
pub struct DualEnergy {
    pub width: u32,
    pub height: u32,
    /// High-energy image (6 MV beam), row-major.
    pub high: Vec<u16>,
    /// Low-energy image (3 MV beam), row-major.
    pub low: Vec<u16>,
    /// What was placed, with pixel bounding boxes.
    pub objects: Vec<PlacedObject>,
    /// Size of a (square) pixel in the scene, millimetres.
    pub mm_per_pixel: f32,
}

impl DualEnergy {
    /// `(high, low)` at a pixel.
    ///
    /// # Panics
    /// If (x, y) is outside the image.
    pub fn pixel(&self, x: u32, y: u32) -> (u16, u16) {
        assert!(
            x < self.width && y < self.height,
            "pixel ({x}, {y}) outside the image"
        );
        let i = y as usize * self.width as usize + x as usize;
        (self.high[i], self.low[i])
    }
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum XraysimError {
    #[error("image has no pixels ({width} x {height})")]
    EmptyImage { width: u32, height: u32 },
    #[error("image of {width} x {height} pixels is too large")]
    TooLarge { width: u32, height: u32 },
    #[error("expected {expected} pixels, got {actual}")]
    PixelCount { expected: u64, actual: u64 },
    #[error("TIFF encoding failed: {0}")]
    Tiff(#[from] tiff::TiffError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Render a scan, refusing empty or oversized images.
pub fn try_generate(spec: &SceneSpec) -> Result<DualEnergy, XraysimError> {
    let (width, height) = (spec.width, spec.height);
    if width == 0 || height == 0 {
        return Err(XraysimError::EmptyImage { width, height });
    }
    if width > MAX_SIDE || height > MAX_SIDE || width as u64 * height as u64 > MAX_PIXELS {
        return Err(XraysimError::TooLarge { width, height });
    }
    let (scene, _layout) = scene::build(spec.seed, spec.kind, spec.concealed, spec.load);
    let extent = scene
        .shapes
        .iter()
        .filter(|s| s.density > 0.0)
        .fold(None, |acc: Option<Rect>, s| {
            Some(acc.map_or(s.rect, |a| a.union(&s.rect)))
        })
        .unwrap_or(Rect::new(0.0, 1.0, 0.0, 1.0));
    let frame = Frame::fit(width, height, extent.u0, extent.u1, extent.v1);
    let options = RenderOptions {
        seed: spec.seed,
        noise: spec.noise,
        artefacts: spec.artefacts,
    };
    let (high, low) = render::render(&scene.shapes, &frame, options);
    let objects = scene
        .objects
        .iter()
        .filter_map(|o| {
            frame.bbox(&o.rect).map(|bbox| PlacedObject {
                kind: o.kind,
                material: o.material,
                bbox,
            })
        })
        .collect();
    Ok(DualEnergy {
        width,
        height,
        high,
        low,
        objects,
        mm_per_pixel: frame.pixel_mm(),
    })
}

/// Render a scan.
///
/// # Panics
/// If the image is empty or larger than [`MAX_SIDE`] / [`MAX_PIXELS`]; use
/// [`try_generate`] for sizes that come from outside.
pub fn generate(spec: &SceneSpec) -> DualEnergy {
    match try_generate(spec) {
        Ok(scan) => scan,
        Err(e) => panic!("cannot generate {} x {}: {e}", spec.width, spec.height),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_a_landscape_container_scan_with_noise() {
        let spec = SceneSpec::default();
        assert_eq!((spec.width, spec.height), (6000, 2000));
        assert_eq!(spec.kind, VehicleKind::ContainerTrailer);
        assert!(spec.noise && spec.artefacts && !spec.concealed);
    }

    #[test]
    fn pixel_size_follows_the_image_size() {
        let small = generate(&SceneSpec {
            width: 600,
            height: 200,
            ..SceneSpec::default()
        });
        let large = generate(&SceneSpec {
            width: 1800,
            height: 600,
            ..SceneSpec::default()
        });
        let ratio = small.mm_per_pixel / large.mm_per_pixel;
        assert!((ratio - 3.0).abs() < 0.01, "{ratio}");
        // A 16 m articulated truck across 94 % of 600 pixels.
        assert!(
            (25.0..32.0).contains(&small.mm_per_pixel),
            "{}",
            small.mm_per_pixel
        );
    }

    #[test]
    #[should_panic(expected = "cannot generate")]
    fn generate_panics_on_an_empty_image() {
        generate(&SceneSpec {
            height: 0,
            ..SceneSpec::default()
        });
    }
}
