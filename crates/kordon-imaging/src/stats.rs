//! Per-plane statistics stored in the pyramid header: what the renderer
//! needs for a good default window and for dual-energy material colouring.
//!
//! All of them come from one exact histogram of the full-resolution values
//! (65,536 bins), so a 12-bit scan stored in 16-bit words gets a window
//! over its real range, not over 0..65535.

use rayon::prelude::*;

/// Fraction of pixels below the low end of the default window.
pub const LOW_PERCENTILE: f64 = 0.005;
/// Fraction of pixels below the high end of the default window.
pub const HIGH_PERCENTILE: f64 = 0.995;
/// The open-beam (air) value is estimated as this percentile.
///
/// X-ray values are transmitted intensity, so air is the brightest thing
/// in a scan. In a cargo or baggage scan air surrounds the object (above
/// the roof, between the axles, at the ends), usually far more than 1% of
/// the picture; the 99th percentile then lands inside the air peak, a
/// little above its centre, and is not thrown off by the odd hot pixel as
/// the maximum would be. A scan with no air at all gets an underestimate,
/// which only makes material colouring less reliable.
pub const AIR_PERCENTILE: f64 = 0.99;

/// Summary of one plane (one energy) of a scan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlaneStats {
    /// Smallest value.
    pub min: u16,
    /// Largest value.
    pub max: u16,
    /// 0.5th percentile: the low end of the default window.
    pub p_low: u16,
    /// 99.5th percentile: the high end of the default window.
    pub p_high: u16,
    /// Estimate of the open-beam (unattenuated, "air") value; see
    /// [`AIR_PERCENTILE`].
    pub air: u16,
    /// Mean value.
    pub mean: f32,
}

impl PlaneStats {
    /// Checks the ordering every real histogram satisfies.
    pub fn is_consistent(&self) -> bool {
        self.min <= self.p_low
            && self.p_low <= self.p_high
            && self.p_high <= self.max
            && self.min <= self.air
            && self.air <= self.max
            && self.mean.is_finite()
            && self.mean >= f32::from(self.min)
            && self.mean <= f32::from(self.max)
    }
}

/// Counts of every 16-bit value, computed in parallel.
pub fn histogram(pixels: &[u16]) -> Vec<u64> {
    const CHUNK: usize = 1 << 18;
    pixels
        .par_chunks(CHUNK)
        .fold(
            || vec![0u64; 1 << 16],
            |mut counts, chunk| {
                for &value in chunk {
                    counts[usize::from(value)] += 1;
                }
                counts
            },
        )
        .reduce(
            || vec![0u64; 1 << 16],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(&b) {
                    *x += y;
                }
                a
            },
        )
}

/// Statistics of one plane. An empty plane gives all zeros.
pub fn plane_stats(pixels: &[u16]) -> PlaneStats {
    stats_from_histogram(&histogram(pixels))
}

/// Statistics from a 65,536-bin histogram.
pub fn stats_from_histogram(counts: &[u64]) -> PlaneStats {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return PlaneStats {
            min: 0,
            max: 0,
            p_low: 0,
            p_high: 0,
            air: 0,
            mean: 0.0,
        };
    }
    let first = counts.iter().position(|&c| c > 0).unwrap_or(0);
    let last = counts.iter().rposition(|&c| c > 0).unwrap_or(0);
    let sum: f64 = counts
        .iter()
        .enumerate()
        .map(|(value, &count)| value as f64 * count as f64)
        .sum();
    let to_u16 = |v: usize| u16::try_from(v).unwrap_or(u16::MAX);
    PlaneStats {
        min: to_u16(first),
        max: to_u16(last),
        p_low: to_u16(percentile(counts, total, LOW_PERCENTILE)),
        p_high: to_u16(percentile(counts, total, HIGH_PERCENTILE)),
        air: to_u16(percentile(counts, total, AIR_PERCENTILE)),
        mean: (sum / total as f64) as f32,
    }
}

/// The smallest value with at least `q` of the pixels at or below it.
fn percentile(counts: &[u64], total: u64, q: f64) -> usize {
    let needed = ((q * total as f64).ceil() as u64).clamp(1, total);
    let mut seen = 0u64;
    for (value, &count) in counts.iter().enumerate() {
        seen += count;
        if seen >= needed {
            return value;
        }
    }
    counts.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_ramp() {
        let pixels: Vec<u16> = (0..1000).collect();
        let stats = plane_stats(&pixels);
        assert_eq!((stats.min, stats.max), (0, 999));
        assert_eq!(stats.p_low, 4);
        assert_eq!(stats.p_high, 994);
        assert_eq!(stats.air, 989);
        assert!((stats.mean - 499.5).abs() < 1e-3);
        assert!(stats.is_consistent());
    }

    #[test]
    fn twelve_bit_data_gets_its_own_range() {
        let pixels: Vec<u16> = (0..100_000u32).map(|i| (i % 3070) as u16).collect();
        let stats = plane_stats(&pixels);
        assert_eq!(stats.max, 3069);
        assert!(stats.p_high < 3069 && stats.p_high > 3000, "{stats:?}");
    }

    #[test]
    fn air_lands_in_the_bright_peak() {
        // 70% object around 10 000, 30% air around 50 000 with noise.
        let mut pixels = Vec::new();
        for i in 0..70_000u32 {
            pixels.push(10_000 + (i % 2000) as u16);
        }
        for i in 0..30_000u32 {
            pixels.push(49_900 + (i % 200) as u16);
        }
        let stats = plane_stats(&pixels);
        assert!((49_900..50_100).contains(&stats.air), "{stats:?}");
    }

    #[test]
    fn empty_plane_is_all_zero() {
        let stats = plane_stats(&[]);
        assert_eq!((stats.min, stats.max, stats.air), (0, 0, 0));
    }
}
