//! Rendering tiles and regions of a pyramid to RGB for the viewer.
//!
//! Per pixel, in order:
//!
//! 1. **Window/level** on the raw values: `t = (v − (center − width/2)) /
//!    width`. The automatic window spans the 0.5th to 99.5th percentiles of
//!    the scan (plane 0), so 12-bit data in 16-bit words and 8-bit files
//!    both fill the display.
//! 2. **Edge enhancement** (unsharp masking) when `edge > 0`:
//!    `t + edge · (t − blur(t))` with a 5×5 binomial blur. The blur reads a
//!    2-pixel apron from the neighbouring tiles (edges of the image are
//!    repeated), so a tile renders exactly as the same pixels would inside
//!    a larger region: no seams.
//! 3. Clamp to 0..=1, **invert** if asked, **gamma** (`t^(1/gamma)`:
//!    above 1 lifts the dark, dense areas), then the **colour map**.
//!
//! X-ray values are transmitted intensity, so dense objects have low values
//! and show dark in the default grey view; `invert` shows them bright.
//!
//! With `materials` on (dual-energy scans only) colour comes from the
//! material class (see [`crate::materials`]), computed on the blurred
//! planes to tame noise, and brightness from steps 1–3 on the high-energy
//! plane (the colour map and `invert` do not apply).

use crate::colormap::Colormap;
use crate::error::ImagingError;
use crate::materials::{Material, MaterialThresholds};
use crate::pyramid_file::Pyramid;
use crate::stats::PlaneStats;

/// Largest region rendered in one call (pixels).
pub const MAX_REGION_PIXELS: u64 = 1 << 24;
/// Pixels read beyond each side of a region for the 5×5 filters.
const APRON: u32 = 2;

/// A window on raw values: `center ± width/2` maps to black..white.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// Raw value shown mid-grey.
    pub center: f32,
    /// Range of raw values from black to white.
    pub width: f32,
}

impl Window {
    /// The automatic window of a plane: its 0.5th to 99.5th percentiles.
    pub fn from_stats(stats: &PlaneStats) -> Window {
        let low = f32::from(stats.p_low);
        let high = f32::from(stats.p_high);
        Window {
            center: (low + high) / 2.0,
            width: (high - low).max(1.0),
        }
    }

    /// Raw value shown black.
    pub fn low(&self) -> f32 {
        self.center - self.width / 2.0
    }

    /// Raw value shown white.
    pub fn high(&self) -> f32 {
        self.center + self.width / 2.0
    }
}

/// How to render: window, contrast and colour settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    /// `None`: automatic, from the scan's statistics.
    pub window: Option<Window>,
    /// Show dense objects bright instead of dark.
    pub invert: bool,
    /// Gamma applied after windowing (1 = linear; 0.1..=10).
    pub gamma: f32,
    /// Colour map for single-plane rendering.
    pub colormap: Colormap,
    /// Edge-enhancement strength (0 = off; 0.5..2 typical; at most 10).
    pub edge: f32,
    /// Dual-energy material colouring.
    pub materials: bool,
    /// Boundaries between material classes.
    pub thresholds: MaterialThresholds,
}

impl Default for View {
    fn default() -> Self {
        View {
            window: None,
            invert: false,
            gamma: 1.0,
            colormap: Colormap::Grey,
            edge: 0.0,
            materials: false,
            thresholds: MaterialThresholds::default(),
        }
    }
}

impl View {
    /// Checks every setting is in range.
    pub fn validate(&self) -> Result<(), ImagingError> {
        let invalid = |what: String| Err(ImagingError::InvalidView(what));
        if !(self.gamma.is_finite() && (0.1..=10.0).contains(&self.gamma)) {
            return invalid(format!("gamma {} (0.1 to 10)", self.gamma));
        }
        if !(self.edge.is_finite() && (0.0..=10.0).contains(&self.edge)) {
            return invalid(format!("edge strength {} (0 to 10)", self.edge));
        }
        if let Some(window) = self.window {
            if !(window.center.is_finite() && window.width.is_finite() && window.width > 0.0) {
                return invalid(format!("window {} ± {}", window.center, window.width / 2.0));
            }
        }
        if !self.thresholds.is_valid() {
            return invalid("material thresholds".into());
        }
        Ok(())
    }
}

/// An RGB picture, 3 bytes per pixel, row-major.
#[derive(Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Width in pixels.
    pub w: u32,
    /// Height in pixels.
    pub h: u32,
    /// `w * h * 3` bytes.
    pub rgb: Vec<u8>,
}

impl std::fmt::Debug for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Rendered {{ w: {}, h: {}, rgb: [{} bytes] }}",
            self.w,
            self.h,
            self.rgb.len()
        )
    }
}

/// Renders tile `(x, y)` of `level`.
pub fn render_tile(
    pyramid: &Pyramid,
    level: u32,
    x: u32,
    y: u32,
    view: &View,
) -> Result<Rendered, ImagingError> {
    let rect = pyramid
        .info()
        .tile_rect(level, x, y)
        .ok_or(ImagingError::NoSuchTile { level, x, y })?;
    render_region(pyramid, level, rect.x, rect.y, rect.w, rect.h, view)
}

/// A picture of the whole scan whose sides are at most `max_side`, from
/// the largest pyramid level that fits (so between half and all of
/// `max_side` on the longer side).
pub fn thumbnail(pyramid: &Pyramid, max_side: u32, view: &View) -> Result<Rendered, ImagingError> {
    let level = pyramid.info().level_fitting(max_side);
    let (w, h) = pyramid.level_dims(level).unwrap_or((1, 1));
    render_region(pyramid, level, 0, 0, w, h, view)
}

/// Renders any rectangle of a level (at most [`MAX_REGION_PIXELS`]).
pub fn render_region(
    pyramid: &Pyramid,
    level: u32,
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    view: &View,
) -> Result<Rendered, ImagingError> {
    view.validate()?;
    let info = pyramid.info();
    if view.materials && info.planes < 2 {
        return Err(ImagingError::NotDualEnergy);
    }
    if u64::from(w) * u64::from(h) > MAX_REGION_PIXELS {
        return Err(ImagingError::InvalidView(format!(
            "a {w}×{h} region is larger than {MAX_REGION_PIXELS} pixels"
        )));
    }
    let plane_count = if view.materials { 2 } else { 1 };
    let filtered = view.edge > 0.0 || view.materials;
    let apron = if filtered { APRON } else { 0 };
    let region = crate::region::read_region(pyramid, level, x, y, w, h, apron, plane_count)?;
    let (outer_w, outer_h) = (region.width, region.height);
    let window = view
        .window
        .unwrap_or_else(|| Window::from_stats(&info.stats[0]));
    let (low, scale) = (window.low(), 1.0 / window.width);
    let display: Vec<f32> = region.planes[0]
        .iter()
        .map(|&v| (f32::from(v) - low) * scale)
        .collect();
    let display = if view.edge > 0.0 {
        let blurred = blur5(&display, outer_w, outer_h);
        let inner = crop(&display, outer_w, outer_h, APRON as usize);
        inner
            .iter()
            .zip(&blurred)
            .map(|(&t, &b)| t + view.edge * (t - b))
            .collect()
    } else {
        crop(&display, outer_w, outer_h, apron as usize)
    };

    let mut rgb = Vec::with_capacity(display.len() * 3);
    if view.materials {
        let gamma = DisplayCurve::new(view.gamma, false);
        let high = blur5(&to_f32(&region.planes[0]), outer_w, outer_h);
        let low = blur5(&to_f32(&region.planes[1]), outer_w, outer_h);
        let (air_high, air_low) = (f32::from(info.stats[0].air), f32::from(info.stats[1].air));
        for ((&t, &h), &l) in display.iter().zip(&high).zip(&low) {
            let material: Material = view.thresholds.classify(h, l, air_high, air_low);
            rgb.extend_from_slice(&material.color(gamma.apply(t)));
        }
    } else {
        let table = ColourTable::new(view);
        for &t in &display {
            rgb.extend_from_slice(&table.lookup(t));
        }
    }
    Ok(Rendered { w, h, rgb })
}

fn to_f32(values: &[u16]) -> Vec<f32> {
    values.iter().map(|&v| f32::from(v)).collect()
}

/// The middle of a `width × height` buffer without `margin` on each side.
fn crop(values: &[f32], width: usize, height: usize, margin: usize) -> Vec<f32> {
    if margin == 0 {
        return values.to_vec();
    }
    let inner_w = width.saturating_sub(2 * margin);
    (margin..height.saturating_sub(margin))
        .flat_map(|row| &values[row * width + margin..][..inner_w])
        .copied()
        .collect()
}

/// 5×5 binomial blur (weights 1 4 6 4 1 per axis) of the interior: the
/// result is `(width − 4) × (height − 4)`.
fn blur5(values: &[f32], width: usize, height: usize) -> Vec<f32> {
    const K: [f32; 5] = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];
    if width < 5 || height < 5 {
        return Vec::new();
    }
    let inner_w = width - 4;
    let mut horizontal = Vec::with_capacity(inner_w * height);
    for row in values.chunks_exact(width) {
        horizontal.extend(
            row.windows(5)
                .map(|w| K[0] * w[0] + K[1] * w[1] + K[2] * w[2] + K[3] * w[3] + K[4] * w[4]),
        );
    }
    let mut out = Vec::with_capacity(inner_w * (height - 4));
    for row in 0..height - 4 {
        let rows: [&[f32]; 5] =
            [0, 1, 2, 3, 4].map(|k| &horizontal[(row + k) * inner_w..][..inner_w]);
        out.extend((0..inner_w).map(|x| {
            K[0] * rows[0][x]
                + K[1] * rows[1][x]
                + K[2] * rows[2][x]
                + K[3] * rows[3][x]
                + K[4] * rows[4][x]
        }));
    }
    out
}

/// Clamp, optional inversion and gamma, from a windowed value to 0..=1.
#[derive(Clone, Copy, Debug)]
struct DisplayCurve {
    exponent: f32,
    invert: bool,
}

impl DisplayCurve {
    fn new(gamma: f32, invert: bool) -> Self {
        DisplayCurve {
            exponent: 1.0 / gamma,
            invert,
        }
    }

    fn apply(&self, t: f32) -> f32 {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let t = if self.invert { 1.0 - t } else { t };
        if self.exponent == 1.0 {
            t
        } else {
            t.powf(self.exponent)
        }
    }
}

/// Windowed value → colour, through a 4096-step table (finer than the 256
/// output levels, so gamma does not band).
struct ColourTable {
    entries: Vec<[u8; 3]>,
}

impl ColourTable {
    const STEPS: usize = 4096;

    fn new(view: &View) -> Self {
        let curve = DisplayCurve::new(view.gamma, view.invert);
        let map = view.colormap.table();
        let entries = (0..Self::STEPS)
            .map(|i| {
                let t = curve.apply(i as f32 / (Self::STEPS - 1) as f32);
                map[(t * 255.0).round().clamp(0.0, 255.0) as usize]
            })
            .collect();
        ColourTable { entries }
    }

    fn lookup(&self, t: f32) -> [u8; 3] {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        self.entries[(t * (Self::STEPS - 1) as f32).round() as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_window_spans_the_percentiles() {
        let stats = PlaneStats {
            min: 0,
            max: 3069,
            p_low: 100,
            p_high: 3000,
            air: 2900,
            mean: 1500.0,
        };
        let window = Window::from_stats(&stats);
        assert_eq!((window.low(), window.high()), (100.0, 3000.0));
    }

    #[test]
    fn blur_of_a_constant_is_the_constant_and_crop_takes_the_middle() {
        let values = vec![3.0f32; 7 * 6];
        let blurred = blur5(&values, 7, 6);
        assert_eq!(blurred.len(), 3 * 2);
        assert!(blurred.iter().all(|&v| (v - 3.0).abs() < 1e-6));
        let ramp: Vec<f32> = (0..20).map(|v| v as f32).collect();
        assert_eq!(crop(&ramp, 5, 4, 1), vec![6.0, 7.0, 8.0, 11.0, 12.0, 13.0]);
    }

    #[test]
    fn curve_clamps_inverts_and_applies_gamma() {
        let plain = DisplayCurve::new(1.0, false);
        assert_eq!(plain.apply(-3.0), 0.0);
        assert_eq!(plain.apply(4.0), 1.0);
        assert_eq!(DisplayCurve::new(1.0, true).apply(0.25), 0.75);
        let lifted = DisplayCurve::new(2.0, false).apply(0.25);
        assert!((lifted - 0.5).abs() < 1e-6);
    }

    #[test]
    fn view_validation_refuses_nonsense() {
        assert!(View::default().validate().is_ok());
        let bad_gamma = View {
            gamma: 0.0,
            ..View::default()
        };
        assert!(bad_gamma.validate().is_err());
        let bad_window = View {
            window: Some(Window {
                center: 5.0,
                width: 0.0,
            }),
            ..View::default()
        };
        assert!(bad_window.validate().is_err());
        let bad_edge = View {
            edge: f32::NAN,
            ..View::default()
        };
        assert!(bad_edge.validate().is_err());
    }

    #[test]
    fn colour_table_ends() {
        let table = ColourTable::new(&View::default());
        assert_eq!(table.lookup(-1.0), [0, 0, 0]);
        assert_eq!(table.lookup(2.0), [255, 255, 255]);
        let inverted = ColourTable::new(&View {
            invert: true,
            ..View::default()
        });
        assert_eq!(inverted.lookup(0.0), [255, 255, 255]);
    }
}
