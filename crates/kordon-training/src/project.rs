//! Projection in the attenuation domain.
//!
//! A scanner records `I = D + (I0 − D)·T` per pixel and beam, with `D` the
//! dark offset, `I0` the open beam and `T = exp(−Σ μ·t)` the transmission
//! through everything on the ray. An item on the same ray multiplies the
//! transmission by its own, `exp(−(μ/ρ)(E)·ρ·t)`, so in log space it is
//! added: `ln((I0 − D)/(I' − D)) = ln((I0 − D)/(I − D)) + (μ/ρ)(E)·ρ·t`.
//! That is done on each beam with that beam's coefficient, so the item
//! keeps its material's low/high ratio and the material colours show it as
//! what it is, under and over whatever the load holds there. Pasting pixels
//! over the image instead would erase the cargo and show a different
//! ratio: an exercise a trained eye solves by the seam.
//!
//! The item's path lengths are blurred like the detector blurs (a 3 × 3
//! kernel) before they are added. Photon noise is not added: the item only
//! scales the noise already in the image.

use crate::items::Drawn;
use kordon_xraysim::Energy;

/// One beam of a scan: its values and what air and no beam read on it.
#[derive(Debug)]
pub struct Plane<'a> {
    pub pixels: &'a mut [u16],
    pub energy: Energy,
    /// What air reads (the open beam).
    pub air: f32,
    /// What no beam reads.
    pub dark: f32,
}

/// `ln((I0 − D)/(I − D))` of a value: the attenuation along its ray.
pub fn attenuation(value: u16, air: f32, dark: f32) -> f32 {
    let signal = (f32::from(value) - dark).max(1.0);
    ((air - dark).max(1.0) / signal).ln().max(0.0)
}

/// The 3 × 3 blur of the detector, on the path lengths.
fn blurred(item: &Drawn) -> (u32, u32, Vec<f32>) {
    // One pixel of margin, so the blur spreads past the drawn edge.
    let (w, h) = (item.width as usize + 2, item.height as usize + 2);
    let mut padded = vec![0.0f32; w * h];
    for y in 0..item.height as usize {
        let row = &item.path_cm[y * item.width as usize..(y + 1) * item.width as usize];
        padded[(y + 1) * w + 1..(y + 1) * w + 1 + row.len()].copy_from_slice(row);
    }
    let at = |v: &[f32], x: isize, y: isize| {
        if x < 0 || y < 0 || x >= w as isize || y >= h as isize {
            0.0
        } else {
            v[y as usize * w + x as usize]
        }
    };
    let mut across = vec![0.0f32; w * h];
    for y in 0..h as isize {
        for x in 0..w as isize {
            across[y as usize * w + x as usize] = 0.25 * at(&padded, x - 1, y)
                + 0.5 * at(&padded, x, y)
                + 0.25 * at(&padded, x + 1, y);
        }
    }
    let mut out = vec![0.0f32; w * h];
    for y in 0..h as isize {
        for x in 0..w as isize {
            out[y as usize * w + x as usize] = 0.25 * at(&across, x, y - 1)
                + 0.5 * at(&across, x, y)
                + 0.25 * at(&across, x, y + 1);
        }
    }
    (w as u32, h as u32, out)
}

/// Adds `item` to `plane` (an image `width` pixels wide) with its top-left
/// corner at (`x`, `y`); the part outside the image is left out. Returns
/// the box it covers, `(x, y, w, h)`, clipped to the image.
pub fn project(
    plane: &mut Plane<'_>,
    width: u32,
    item: &Drawn,
    (x, y): (u32, u32),
) -> (u32, u32, u32, u32) {
    let (material, density) = item.kind.material();
    let mu = material.mass_attenuation(plane.energy) * density;
    let (bw, bh, path) = blurred(item);
    let height = if width == 0 {
        0
    } else {
        (plane.pixels.len() / width as usize) as u32
    };
    // The blurred patch starts one pixel up and left of the drawing.
    let (x0, y0) = (i64::from(x) - 1, i64::from(y) - 1);
    let (mut minx, mut miny, mut maxx, mut maxy) = (u32::MAX, u32::MAX, 0u32, 0u32);
    for py in 0..bh {
        for px in 0..bw {
            let t = path[(py * bw + px) as usize];
            let (ix, iy) = (x0 + i64::from(px), y0 + i64::from(py));
            if t <= 0.0 || ix < 0 || iy < 0 || ix >= i64::from(width) || iy >= i64::from(height) {
                continue;
            }
            let (ix, iy) = (ix as u32, iy as u32);
            let i = (iy as usize) * width as usize + ix as usize;
            let value = f32::from(plane.pixels[i]);
            let signal = (value - plane.dark).max(0.0) * (-mu * t).exp();
            plane.pixels[i] = (plane.dark + signal)
                .round()
                .clamp(0.0, f32::from(u16::MAX)) as u16;
            (minx, miny, maxx, maxy) = (minx.min(ix), miny.min(iy), maxx.max(ix), maxy.max(iy));
        }
    }
    if minx > maxx {
        return (x.min(width), y.min(height), 0, 0);
    }
    (minx, miny, maxx - minx + 1, maxy - miny + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::items::{draw, ThreatKind};

    /// On an even load, the item adds exactly its attenuation on each beam,
    /// and the ratio of what it adds is its material's.
    #[test]
    fn the_item_adds_its_attenuation_in_log_space_on_both_beams() {
        let (w, h) = (200u32, 200u32);
        let (air, dark) = (60_000.0, 400.0);
        let load = 0.8f32; // what the cargo attenuates already
        let value = (dark + (air - dark) * (-load).exp()).round() as u16;
        let mut high = vec![value; (w * h) as usize];
        let mut low = high.clone();
        let item = draw(ThreatKind::Pistol, 2.0, 0.0);
        let at = (50, 60);
        for (pixels, energy) in [(&mut high, Energy::High), (&mut low, Energy::Low)] {
            let mut plane = Plane {
                pixels,
                energy,
                air,
                dark,
            };
            let b = project(&mut plane, w, &item, at);
            assert!(b.2 >= item.width && b.3 >= item.height, "{b:?}");
        }
        // The slide, well inside the drawing: 2.6 cm of steel.
        let (x, y) = (at.0 + item.width / 2, at.1 + 10);
        let i = (y * w + x) as usize;
        let added_high = attenuation(high[i], air, dark) - attenuation(value, air, dark);
        let added_low = attenuation(low[i], air, dark) - attenuation(value, air, dark);
        let steel = kordon_xraysim::Material::Steel;
        let expect_high = steel.mass_attenuation(Energy::High) * 7.85 * 2.6;
        assert!(
            (added_high - expect_high).abs() < 0.02,
            "{added_high} vs {expect_high}"
        );
        assert!((added_low / added_high - steel.attenuation_ratio()).abs() < 0.02);
        // Outside the item nothing changed.
        assert_eq!(high[0], value);
        assert_eq!(low[(w * h - 1) as usize], value);
    }

    #[test]
    fn an_item_at_the_edge_is_clipped_not_wrapped() {
        let (w, h) = (60u32, 40u32);
        let mut px = vec![30_000u16; (w * h) as usize];
        let item = draw(ThreatKind::DrugBricks, 5.0, 0.0);
        let mut plane = Plane {
            pixels: &mut px,
            energy: Energy::High,
            air: 60_000.0,
            dark: 400.0,
        };
        let b = project(&mut plane, w, &item, (40, 30));
        assert!(b.0 + b.2 <= w && b.1 + b.3 <= h, "{b:?}");
        // Rows above the item and the left columns are untouched.
        assert!(px[..(29 * w) as usize].iter().all(|&v| v == 30_000));
    }
}
