//! From shapes to detector counts.
//!
//! The image is processed in bands of rows, shared between threads. For a
//! band, every shape whose pixel extent meets it adds its line integral
//! `μ/ρ · ρ · depth` (for both beams) to two attenuation maps, visiting
//! only the pixels of its own bounding box, weighted by how much of each
//! edge pixel it covers. Then one pass turns attenuation into
//! transmission, applies the detector's point-spread (a 3 × 3 binomial-like
//! blur, in intensity), gain errors, photon and electronic noise, and
//! quantises to 16 bits. Noise streams are keyed by seed and row, so the
//! output does not depend on the number of threads.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::frame::Frame;
use crate::geometry::{Profile, Shape};
use crate::physics::{Detector, Energy, NoiseRng, DARK_OFFSET};

/// Rows per unit of work.
const BAND: usize = 32;
/// Weight of each neighbour in the 1-D kernel of the detector blur.
const BLUR: f32 = 0.18;

#[derive(Debug, Clone, Copy)]
pub(crate) struct RenderOptions {
    pub seed: u64,
    pub noise: bool,
    pub artefacts: bool,
}

/// A shape with its pixel extent and per-beam coefficients worked out.
#[derive(Debug)]
struct Prepared<'a> {
    shape: &'a Shape,
    px: (f32, f32),
    py: (f32, f32),
    cols: (usize, usize),
    rows: (usize, usize),
    /// Attenuation per millimetre of depth, high and low beam.
    k: (f32, f32),
}

/// Per-detector-element and per-pulse gain factors for one beam.
#[derive(Debug)]
struct Gains {
    element: Vec<f32>,
    pulse: Vec<f32>,
}

/// A band's first row and its rows of both output images.
type Job<'a> = (usize, &'a mut [u16], &'a mut [u16]);

/// Render both beams. Returns `(high, low)`, row-major, `width * height`.
pub(crate) fn render(shapes: &[Shape], frame: &Frame, opts: RenderOptions) -> (Vec<u16>, Vec<u16>) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    render_with(shapes, frame, opts, threads)
}

fn render_with(
    shapes: &[Shape],
    frame: &Frame,
    opts: RenderOptions,
    threads: usize,
) -> (Vec<u16>, Vec<u16>) {
    let (w, h) = (frame.width as usize, frame.height as usize);
    let mut high = vec![0u16; w * h];
    let mut low = vec![0u16; w * h];
    if w == 0 || h == 0 {
        return (high, low);
    }
    let prepared = prepare(shapes, frame);
    let (elements, pulses) = if frame.portrait { (w, h) } else { (h, w) };
    let gains = [
        gains(opts, Energy::High, elements, pulses),
        gains(opts, Energy::Low, elements, pulses),
    ];

    let jobs: Vec<Job<'_>> = high
        .chunks_mut(BAND * w)
        .zip(low.chunks_mut(BAND * w))
        .enumerate()
        .map(|(i, (hi, lo))| (i * BAND, hi, lo))
        .collect();
    let threads = threads.min(jobs.len()).max(1);
    let mut buckets: Vec<Vec<Job<'_>>> = (0..threads).map(|_| Vec::new()).collect();
    // Interleave bands so each thread gets a share of the busy middle rows.
    for (i, job) in jobs.into_iter().enumerate() {
        buckets[i % threads].push(job);
    }
    std::thread::scope(|scope| {
        for bucket in buckets {
            let (prepared, gains) = (&prepared, &gains);
            scope.spawn(move || {
                let mut band = Band::default();
                for (y0, hi, lo) in bucket {
                    let y1 = y0 + hi.len() / w;
                    band.render(prepared, frame, y0, y1);
                    band.expose(frame, opts, gains, y0, y1, hi, lo);
                }
            });
        }
    });
    (high, low)
}

fn prepare<'a>(shapes: &'a [Shape], frame: &Frame) -> Vec<Prepared<'a>> {
    let (w, h) = (frame.width as f32, frame.height as f32);
    shapes
        .iter()
        .filter_map(|shape| {
            let (x0, x1, y0, y1) = frame.pixel_extent(&shape.rect);
            let cols = (x0.floor().max(0.0), x1.ceil().min(w));
            let rows = (y0.floor().max(0.0), y1.ceil().min(h));
            if cols.1 <= cols.0 || rows.1 <= rows.0 || shape.density == 0.0 {
                return None;
            }
            // Depth is in mm, density in g/cm³, μ/ρ in cm²/g.
            let per_mm = 0.1 * shape.density;
            Some(Prepared {
                shape,
                px: (x0, x1),
                py: (y0, y1),
                cols: (cols.0 as usize, cols.1 as usize),
                rows: (rows.0 as usize, rows.1 as usize),
                k: (
                    per_mm * shape.material.mass_attenuation(Energy::High),
                    per_mm * shape.material.mass_attenuation(Energy::Low),
                ),
            })
        })
        .collect()
}

/// Residual calibration errors of a real detector, when asked for: module
/// gain steps, a few bad detector elements (lines along the scan), and
/// pulse-to-pulse dose jitter of the linac (lines across it).
fn gains(opts: RenderOptions, energy: Energy, elements: usize, pulses: usize) -> Gains {
    let mut g = Gains {
        element: vec![1.0; elements],
        pulse: vec![1.0; pulses],
    };
    if !opts.artefacts {
        return g;
    }
    // Shared by both beams: the same detector elements and modules.
    let mut shared = StdRng::seed_from_u64(opts.seed ^ 0xa27e_fac7_0000_0001);
    let mut own = StdRng::seed_from_u64(
        opts.seed
            ^ match energy {
                Energy::High => 0xa27e_fac7_0000_0002,
                Energy::Low => 0xa27e_fac7_0000_0003,
            },
    );
    for module in g.element.chunks_mut(32) {
        let step = 1.0 + shared.gen_range(-0.004..0.004);
        for e in module.iter_mut() {
            *e = step * (1.0 + own.gen_range(-0.0015..0.0015));
        }
    }
    let bad = shared.gen_range(1..=3);
    for i in 0..bad {
        let e = shared.gen_range(0..elements);
        g.element[e] = match i {
            0 => shared.gen_range(0.85..0.95), // weak element
            1 => shared.gen_range(1.02..1.04), // over-gained element
            _ => 0.0,                          // dead element
        };
    }
    for p in g.pulse.iter_mut() {
        *p = 1.0 + own.gen_range(-0.005..0.005);
    }
    if pulses > 0 && shared.gen_bool(0.5) {
        // One weak linac pulse.
        let p = shared.gen_range(0..pulses);
        g.pulse[p] *= 0.93;
    }
    g
}

/// Scratch buffers for one band of rows plus a one-row halo each side.
#[derive(Debug, Default)]
struct Band {
    first: usize,
    rows: usize,
    width: usize,
    high: Vec<f32>,
    low: Vec<f32>,
    col_cover: Vec<f32>,
    col_coord: Vec<f32>,
    blurred: Vec<f32>,
}

impl Band {
    fn render(&mut self, prepared: &[Prepared<'_>], frame: &Frame, y0: usize, y1: usize) {
        let w = frame.width as usize;
        self.first = y0.saturating_sub(1);
        let last = (y1 + 1).min(frame.height as usize);
        self.rows = last - self.first;
        self.width = w;
        for buf in [&mut self.high, &mut self.low] {
            buf.clear();
            buf.resize(self.rows * w, 0.0);
        }
        let (x_map, y_map) = (frame.x_map(), frame.y_map());
        let pixel = frame.pixel_mm();
        for p in prepared {
            let r0 = p.rows.0.max(self.first);
            let r1 = p.rows.1.min(last);
            if r0 >= r1 {
                continue;
            }
            let (c0, c1) = p.cols;
            self.col_cover.clear();
            self.col_coord.clear();
            for x in c0..c1 {
                let xf = x as f32;
                self.col_cover.push(overlap(xf, p.px));
                self.col_coord
                    .push(x_map.scene_at((xf + 0.5).clamp(p.px.0, p.px.1)));
            }
            for y in r0..r1 {
                let yf = y as f32;
                let row_cover = overlap(yf, p.py);
                let row_coord = y_map.scene_at((yf + 0.5).clamp(p.py.0, p.py.1));
                let at = (y - self.first) * w;
                let hi = &mut self.high[at + c0..at + c1];
                let lo = &mut self.low[at + c0..at + c1];
                let (kh, kl) = (p.k.0 * row_cover, p.k.1 * row_cover);
                match (p.shape.profile, p.shape.texture) {
                    (Profile::Slab { depth }, None) => {
                        for ((h, l), c) in hi.iter_mut().zip(lo.iter_mut()).zip(&self.col_cover) {
                            *h += kh * depth * c;
                            *l += kl * depth * c;
                        }
                    }
                    (profile, texture) => {
                        for (i, (h, l)) in hi.iter_mut().zip(lo.iter_mut()).enumerate() {
                            let cx = self.col_coord[i];
                            let (u, v) = if frame.portrait {
                                (row_coord, cx)
                            } else {
                                (cx, row_coord)
                            };
                            let mut d = profile.depth(u, v, pixel) * self.col_cover[i];
                            if let Some(t) = texture {
                                d *= t.factor(u, v);
                            }
                            *h += kh * d;
                            *l += kl * d;
                        }
                    }
                }
            }
        }
    }

    /// Attenuation to counts for rows `y0..y1` of the band.
    #[allow(clippy::too_many_arguments)]
    fn expose(
        &mut self,
        frame: &Frame,
        opts: RenderOptions,
        gains: &[Gains; 2],
        y0: usize,
        y1: usize,
        out_high: &mut [u16],
        out_low: &mut [u16],
    ) {
        let w = self.width;
        for (beam, (energy, out)) in [(Energy::High, out_high), (Energy::Low, out_low)]
            .into_iter()
            .enumerate()
        {
            let detector = Detector::for_energy(energy);
            let gain = &gains[beam];
            let acc = if beam == 0 { &self.high } else { &self.low };
            // Transmission, blurred along x.
            self.blurred.clear();
            self.blurred.resize(self.rows * w, 0.0);
            for r in 0..self.rows {
                let src = &acc[r * w..(r + 1) * w];
                let dst = &mut self.blurred[r * w..(r + 1) * w];
                let t = |x: usize| (-src[x].max(0.0)).exp();
                let mut left = t(0);
                let mut centre = left;
                for (x, out) in dst.iter_mut().enumerate() {
                    let right = if x + 1 < w { t(x + 1) } else { centre };
                    *out = BLUR * (left + right) + (1.0 - 2.0 * BLUR) * centre;
                    left = centre;
                    centre = right;
                }
            }
            for y in y0..y1 {
                let r = y - self.first;
                let up = if y == 0 { r } else { r - 1 };
                let down = if r + 1 < self.rows { r + 1 } else { r };
                let (row_up, row, row_down) = (
                    &self.blurred[up * w..(up + 1) * w],
                    &self.blurred[r * w..(r + 1) * w],
                    &self.blurred[down * w..(down + 1) * w],
                );
                // Detector elements run along one image axis, pulses along
                // the other: one gain is constant over the row.
                let (row_gain, col_gain) = if frame.portrait {
                    (gain.pulse[y], &gain.element[..])
                } else {
                    (gain.element[y], &gain.pulse[..])
                };
                let mut rng = NoiseRng::new(opts.seed, (y as u64) * 2 + beam as u64);
                let out_row = &mut out[(y - y0) * w..(y - y0 + 1) * w];
                let dark = f32::from(DARK_OFFSET);
                for ((((value, a), b), c), g) in out_row
                    .iter_mut()
                    .zip(row_up)
                    .zip(row)
                    .zip(row_down)
                    .zip(col_gain)
                {
                    let t = (BLUR * (a + c) + (1.0 - 2.0 * BLUR) * b) * row_gain * g;
                    let (signal, sigma) = detector.signal(t);
                    let noise = if opts.noise {
                        sigma * rng.gaussian()
                    } else {
                        0.0
                    };
                    // Non-negative after the clamp, so adding a half and
                    // truncating rounds.
                    let counts = (dark + signal + noise).clamp(0.0, f32::from(u16::MAX));
                    *value = (counts + 0.5) as u16;
                }
            }
        }
    }
}

/// How much of the pixel interval [p, p + 1] lies inside `span`.
fn overlap(p: f32, span: (f32, f32)) -> f32 {
    ((p + 1.0).min(span.1) - p.max(span.0)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Rect;
    use crate::physics::{attenuation, Material, Stuff, OPEN_BEAM, STEEL};

    fn quiet() -> RenderOptions {
        RenderOptions {
            seed: 3,
            noise: false,
            artefacts: false,
        }
    }

    fn two_slabs() -> (Frame, Vec<Shape>) {
        // 10 mm pixels: 1 px = 10 mm.
        let frame = Frame::fit(200, 100, 0.0, 2000.0 / 0.94, 900.0);
        let shapes = vec![
            Shape::slab(Rect::new(100.0, 600.0, 100.0, 600.0), STEEL, 60.0),
            Shape::slab(
                Rect::new(1000.0, 1500.0, 100.0, 600.0),
                Stuff::organic(0.5),
                800.0,
            ),
        ];
        (frame, shapes)
    }

    fn at(frame: &Frame, img: &[u16], u: f32, v: f32) -> u16 {
        let (x0, x1, y0, y1) = frame.pixel_extent(&Rect::new(u, u, v, v));
        let (x, y) = (0.5 * (x0 + x1), 0.5 * (y0 + y1));
        img[y as usize * frame.width as usize + x as usize]
    }

    #[test]
    fn slabs_render_to_beer_lambert_counts() {
        let (frame, shapes) = two_slabs();
        let (high, low) = render(&shapes, &frame, quiet());
        let open = f32::from(OPEN_BEAM - DARK_OFFSET);
        for (shape, (u, v)) in shapes.iter().zip([(350.0, 350.0), (1250.0, 350.0)]) {
            let Profile::Slab { depth } = shape.profile else {
                unreachable!()
            };
            for (energy, img) in [(Energy::High, &high), (Energy::Low, &low)] {
                let a = shape.material.mass_attenuation(energy) * shape.density * depth * 0.1;
                let expected = f32::from(DARK_OFFSET) + open * (-a).exp();
                let got = f32::from(at(&frame, img, u, v));
                assert!(
                    (got - expected).abs() <= 1.0,
                    "{energy:?}: {got} vs {expected}"
                );
            }
            let ratio = attenuation(at(&frame, &low, u, v)) / attenuation(at(&frame, &high, u, v));
            let pure = shape.material.attenuation_ratio();
            assert!(
                (ratio - pure).abs() < 0.005,
                "{:?}: {ratio} vs {pure}",
                shape.material
            );
        }
        assert_eq!(at(&frame, &high, 800.0, 800.0), OPEN_BEAM);
    }

    #[test]
    fn removing_material_cancels_it() {
        let (frame, mut shapes) = two_slabs();
        let (plain, _) = render(&shapes[..1], &frame, quiet());
        shapes[1] = Shape::slab(shapes[1].rect, Stuff::new(Material::Organic, 0.5), 800.0);
        shapes.push(Shape::slab(
            shapes[1].rect,
            Stuff::organic(0.5).removed(),
            800.0,
        ));
        let (cancelled, _) = render(&shapes, &frame, quiet());
        assert_eq!(plain, cancelled);
    }

    #[test]
    fn output_does_not_depend_on_the_number_of_threads() {
        let (frame, shapes) = two_slabs();
        let opts = RenderOptions {
            seed: 11,
            noise: true,
            artefacts: true,
        };
        let one = render_with(&shapes, &frame, opts, 1);
        for threads in [2, 3, 7] {
            assert_eq!(
                one,
                render_with(&shapes, &frame, opts, threads),
                "{threads}"
            );
        }
    }

    #[test]
    fn air_noise_matches_the_photon_statistics() {
        let frame = Frame::fit(400, 100, 0.0, 1000.0, 1000.0);
        let opts = RenderOptions {
            seed: 5,
            noise: true,
            artefacts: false,
        };
        let (high, low) = render(&[], &frame, opts);
        for (energy, img) in [(Energy::High, high), (Energy::Low, low)] {
            let n = img.len() as f64;
            let mean = img.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let var = img
                .iter()
                .map(|&v| (f64::from(v) - mean).powi(2))
                .sum::<f64>()
                / n;
            let (_, sigma) = crate::physics::Detector::for_energy(energy).signal(1.0);
            // The blur acts before the noise, so this is the raw sigma.
            assert!(
                (mean - f64::from(OPEN_BEAM)).abs() < 5.0,
                "{energy:?} mean {mean}"
            );
            let ratio = var.sqrt() / f64::from(sigma);
            assert!(
                (0.95..1.05).contains(&ratio),
                "{energy:?}: sigma ratio {ratio}"
            );
        }
    }
}
