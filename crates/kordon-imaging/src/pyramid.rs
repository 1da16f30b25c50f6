//! The deep-zoom tile pyramid: its geometry and how it is built.
//!
//! Levels are numbered as in Deep Zoom (DZI), the scheme OpenSeadragon
//! uses: the highest level, `max_level = ceil(log2(max(width, height)))`,
//! is the full-resolution image; each level below halves both dimensions,
//! rounding up, down to level 0 which is 1×1. Tiles are `tile_size`
//! square (256) with no overlap; the last column and row of a level hold
//! smaller tiles. Each level is made from the one above by averaging 2×2
//! blocks (1×2, 2×1 or 1×1 at an odd edge), keeping the raw 16-bit values:
//! windowing happens at render time.

use std::path::Path;

use rayon::prelude::*;

use crate::decode::{check_pair, Image};
use crate::error::ImagingError;
use crate::pyramid_file;
use crate::stats::{plane_stats, PlaneStats};
use crate::tile_codec::{self, EncodeScratch};

/// Side of a (full) tile in pixels.
pub const TILE_SIZE: u32 = 256;

/// What a pyramid holds: geometry, planes and per-plane statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct PyramidInfo {
    /// Full-resolution width.
    pub width: u32,
    /// Full-resolution height.
    pub height: u32,
    /// Side of a full tile.
    pub tile_size: u32,
    /// Highest level (full resolution); levels are `0..=max_level`.
    pub max_level: u32,
    /// 1 for a single-energy scan; 2 for dual energy (plane 0 high, plane 1 low).
    pub planes: u8,
    /// Bits per sample of the source (8 or 16).
    pub bits: u8,
    /// Statistics of each plane at full resolution.
    pub stats: Vec<PlaneStats>,
}

/// The DZI maximum level of an image: `ceil(log2(max(width, height)))`.
pub fn max_level_for(width: u32, height: u32) -> u32 {
    let side = width.max(height);
    if side <= 1 {
        0
    } else {
        32 - (side - 1).leading_zeros()
    }
}

/// Position and size of one tile inside its level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileRect {
    /// Left edge in level pixels.
    pub x: u32,
    /// Top edge in level pixels.
    pub y: u32,
    /// Width (`tile_size` except in the last column).
    pub w: u32,
    /// Height (`tile_size` except in the last row).
    pub h: u32,
}

impl PyramidInfo {
    /// Number of levels (`max_level + 1`).
    pub fn levels(&self) -> u32 {
        self.max_level + 1
    }

    /// Width and height of a level, or `None` above `max_level`.
    pub fn level_dims(&self, level: u32) -> Option<(u32, u32)> {
        let shift = self.max_level.checked_sub(level)?;
        let scale = |side: u32| -> u32 {
            let divisor = 1u64 << shift.min(63);
            u32::try_from(u64::from(side).div_ceil(divisor)).unwrap_or(u32::MAX)
        };
        Some((scale(self.width), scale(self.height)))
    }

    /// Number of tile columns and rows at a level.
    pub fn tiles_at(&self, level: u32) -> Option<(u32, u32)> {
        let (w, h) = self.level_dims(level)?;
        let tile = self.tile_size.max(1);
        Some((w.div_ceil(tile), h.div_ceil(tile)))
    }

    /// Where tile `(x, y)` of `level` lies, or `None` outside the pyramid.
    pub fn tile_rect(&self, level: u32, x: u32, y: u32) -> Option<TileRect> {
        let (columns, rows) = self.tiles_at(level)?;
        if x >= columns || y >= rows {
            return None;
        }
        let (w, h) = self.level_dims(level)?;
        let (x0, y0) = (x * self.tile_size, y * self.tile_size);
        Some(TileRect {
            x: x0,
            y: y0,
            w: self.tile_size.min(w - x0),
            h: self.tile_size.min(h - y0),
        })
    }

    /// Total number of tiles over all levels.
    pub fn tile_count(&self) -> u64 {
        (0..=self.max_level)
            .filter_map(|level| self.tiles_at(level))
            .map(|(c, r)| u64::from(c) * u64::from(r))
            .sum()
    }

    /// The highest level whose width and height both fit in `max_side`
    /// (level 0, 1×1, always does).
    pub fn level_fitting(&self, max_side: u32) -> u32 {
        (0..=self.max_level)
            .rev()
            .find(|&level| {
                self.level_dims(level)
                    .is_some_and(|(w, h)| w <= max_side && h <= max_side)
            })
            .unwrap_or(0)
    }
}

/// Halves a plane by averaging 2×2 blocks, rounding sizes up.
pub fn downsample(source: &[u16], width: usize, height: usize) -> Vec<u16> {
    let (out_w, out_h) = (width.div_ceil(2), height.div_ceil(2));
    let mut out = vec![0u16; out_w * out_h];
    if width == 0 || height == 0 || source.len() < width * height {
        return out;
    }
    out.par_chunks_mut(out_w).enumerate().for_each(|(y, row)| {
        let top = &source[2 * y * width..][..width];
        // An odd last row is averaged with itself.
        let bottom = if 2 * y + 1 < height {
            &source[(2 * y + 1) * width..][..width]
        } else {
            top
        };
        for (x, out) in row.iter_mut().enumerate().take(width / 2) {
            let sum = u32::from(top[2 * x])
                + u32::from(top[2 * x + 1])
                + u32::from(bottom[2 * x])
                + u32::from(bottom[2 * x + 1]);
            *out = ((sum + 2) >> 2) as u16;
        }
        if width % 2 == 1 {
            let sum = u32::from(top[width - 1]) + u32::from(bottom[width - 1]);
            row[out_w - 1] = ((sum + 1) >> 1) as u16;
        }
    });
    out
}

/// Builds the pyramid of a scan (and of its low-energy image, for a
/// dual-energy scan) and writes it power-safe to `out`. Returns what was
/// written; a reader opening `out` sees either the old file or the whole
/// new one.
pub fn build_pyramid(
    high: &Image,
    low: Option<&Image>,
    out: &Path,
) -> Result<PyramidInfo, ImagingError> {
    build_pyramid_with(high, low, out, &kordon_vault::Seal::plain())
}

/// [`build_pyramid`], the file kept as `seal` says (sealed on a vehicle).
pub fn build_pyramid_with(
    high: &Image,
    low: Option<&Image>,
    out: &Path,
    seal: &kordon_vault::Seal,
) -> Result<PyramidInfo, ImagingError> {
    high.validate()?;
    if let Some(low) = low {
        check_pair(high, low)?;
    }
    let sources: Vec<&[u16]> = std::iter::once(high.pixels.as_slice())
        .chain(low.map(|low| low.pixels.as_slice()))
        .collect();
    let info = PyramidInfo {
        width: high.width,
        height: high.height,
        tile_size: TILE_SIZE,
        max_level: max_level_for(high.width, high.height),
        planes: sources.len() as u8,
        bits: high.bits.max(low.map_or(0, |low| low.bits)),
        stats: sources.iter().map(|plane| plane_stats(plane)).collect(),
    };

    // levels[l][p]: plane p of level l, for every level below the top one.
    let mut lower: Vec<Vec<Vec<u16>>> = Vec::with_capacity(info.max_level as usize);
    for level in (0..info.max_level).rev() {
        let (w, h) = info.level_dims(level + 1).unwrap_or((0, 0));
        let above: Vec<&[u16]> = match lower.last() {
            Some(planes) => planes.iter().map(Vec::as_slice).collect(),
            None => sources.clone(),
        };
        lower.push(
            above
                .iter()
                .map(|plane| downsample(plane, w as usize, h as usize))
                .collect(),
        );
    }
    lower.reverse();
    let plane_of = |level: u32| -> Vec<&[u16]> {
        match lower.get(level as usize) {
            Some(planes) => planes.iter().map(Vec::as_slice).collect(),
            None => sources.clone(),
        }
    };
    let levels: Vec<Vec<&[u16]>> = (0..=info.max_level).map(plane_of).collect();

    let jobs: Vec<(u32, u32, u32)> = (0..=info.max_level)
        .flat_map(|level| {
            let (columns, rows) = info.tiles_at(level).unwrap_or((0, 0));
            (0..rows).flat_map(move |y| (0..columns).map(move |x| (level, x, y)))
        })
        .collect();
    let tiles: Vec<Vec<u8>> = jobs
        .par_iter()
        .map_init(
            || (EncodeScratch::default(), Vec::new()),
            |(scratch, samples), &(level, x, y)| {
                let rect = info.tile_rect(level, x, y).unwrap_or(TileRect {
                    x: 0,
                    y: 0,
                    w: 0,
                    h: 0,
                });
                let level_width = info.level_dims(level).map_or(0, |(w, _)| w as usize);
                samples.clear();
                for plane in &levels[level as usize] {
                    for row in rect.y..rect.y + rect.h {
                        let start = row as usize * level_width + rect.x as usize;
                        samples.extend_from_slice(&plane[start..start + rect.w as usize]);
                    }
                }
                tile_codec::encode(samples, rect.w as usize, scratch)
            },
        )
        .collect();
    pyramid_file::write(out, &info, &tiles, seal)?;
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(width: u32, height: u32) -> PyramidInfo {
        PyramidInfo {
            width,
            height,
            tile_size: TILE_SIZE,
            max_level: max_level_for(width, height),
            planes: 1,
            bits: 16,
            stats: Vec::new(),
        }
    }

    #[test]
    fn dzi_levels_match_openseadragon() {
        assert_eq!(max_level_for(1, 1), 0);
        assert_eq!(max_level_for(2, 1), 1);
        assert_eq!(max_level_for(3, 1), 2);
        assert_eq!(max_level_for(1024, 1024), 10);
        assert_eq!(max_level_for(1025, 10), 11);
        assert_eq!(max_level_for(4096, 8192), 13);
        let scan = info(1042, 1754);
        assert_eq!(scan.max_level, 11);
        assert_eq!(scan.level_dims(11), Some((1042, 1754)));
        assert_eq!(scan.level_dims(10), Some((521, 877)));
        assert_eq!(scan.level_dims(9), Some((261, 439)));
        assert_eq!(scan.level_dims(0), Some((1, 1)));
        assert_eq!(scan.level_dims(12), None);
        assert_eq!(scan.tiles_at(11), Some((5, 7)));
        assert_eq!(
            scan.tile_rect(11, 4, 6),
            Some(TileRect {
                x: 1024,
                y: 1536,
                w: 18,
                h: 218
            })
        );
        assert_eq!(scan.tile_rect(11, 5, 0), None);
    }

    #[test]
    fn halving_with_ceil_matches_repeated_downsampling() {
        let scan = info(4097, 3);
        let (mut w, mut h) = (4097u32, 3u32);
        for level in (0..scan.max_level).rev() {
            w = w.div_ceil(2);
            h = h.div_ceil(2);
            assert_eq!(scan.level_dims(level), Some((w, h)));
        }
        assert_eq!((w, h), (1, 1));
    }

    #[test]
    fn downsample_averages_blocks_and_odd_edges() {
        #[rustfmt::skip]
        let source = [
            0, 4, 10,
            8, 4, 20,
            1, 3, 7,
        ];
        assert_eq!(downsample(&source, 3, 3), vec![4, 15, 2, 7]);
    }

    #[test]
    fn level_fitting_picks_the_largest_level_within_the_bound() {
        let scan = info(4096, 8192);
        assert_eq!(scan.level_fitting(256), 8);
        assert_eq!(scan.level_dims(8), Some((128, 256)));
        assert_eq!(scan.level_fitting(0), 0);
    }

    #[test]
    fn tile_count_adds_all_levels() {
        let scan = info(512, 256);
        // Levels 9 (2×1 tiles) and 0..=8 (one tile each).
        assert_eq!(scan.tile_count(), 2 + 9);
    }
}
