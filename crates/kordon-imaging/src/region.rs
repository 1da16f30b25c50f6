//! Reading a rectangle of a level, across tile boundaries, with an apron.

use crate::error::ImagingError;
use crate::pyramid_file::Pyramid;

/// Raw values of a rectangle grown by an apron on every side.
#[derive(Debug)]
pub(crate) struct Region {
    /// Width including the apron.
    pub width: usize,
    /// Height including the apron.
    pub height: usize,
    /// The first `plane_count` planes, `width * height` values each.
    pub planes: Vec<Vec<u16>>,
}

/// Reads `[x − apron, x + w + apron) × [y − apron, y + h + apron)` of
/// `level`, repeating the image's edge pixels where the apron falls outside
/// it, so filters see the same neighbourhood wherever a pixel lies.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_region(
    pyramid: &Pyramid,
    level: u32,
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    apron: u32,
    plane_count: usize,
) -> Result<Region, ImagingError> {
    let info = pyramid.info();
    let outside = ImagingError::NoSuchRegion {
        level,
        x,
        y,
        width: w,
        height: h,
    };
    let Some((level_w, level_h)) = info.level_dims(level) else {
        return Err(outside);
    };
    let fits = |start: u32, len: u32, limit: u32| {
        len > 0 && start.checked_add(len).is_some_and(|end| end <= limit)
    };
    if !fits(x, w, level_w) || !fits(y, h, level_h) || plane_count > usize::from(info.planes) {
        return Err(outside);
    }
    // The part of the grown rectangle that lies inside the level.
    let x0 = x.saturating_sub(apron);
    let y0 = y.saturating_sub(apron);
    let x1 = (x + w).saturating_add(apron).min(level_w);
    let y1 = (y + h).saturating_add(apron).min(level_h);
    let (core_w, core_h) = ((x1 - x0) as usize, (y1 - y0) as usize);
    let mut core = vec![vec![0u16; core_w * core_h]; plane_count];
    let tile = info.tile_size;
    for tile_y in y0 / tile..=(y1 - 1) / tile {
        for tile_x in x0 / tile..=(x1 - 1) / tile {
            let pixels = pyramid.tile(level, tile_x, tile_y)?;
            let (left, top) = (tile_x * tile, tile_y * tile);
            let from_x = x0.max(left);
            let to_x = x1.min(left + pixels.w);
            for row in y0.max(top)..y1.min(top + pixels.h) {
                for (plane, target) in pixels.planes.iter().zip(core.iter_mut()) {
                    let source = &plane[((row - top) * pixels.w + (from_x - left)) as usize..]
                        [..(to_x - from_x) as usize];
                    let start = (row - y0) as usize * core_w + (from_x - x0) as usize;
                    target[start..start + source.len()].copy_from_slice(source);
                }
            }
        }
    }
    if apron == 0 {
        return Ok(Region {
            width: core_w,
            height: core_h,
            planes: core,
        });
    }
    // Grow to the full apron, repeating edge pixels of the level.
    let (width, height) = ((w + 2 * apron) as usize, (h + 2 * apron) as usize);
    let clamp_to = |start: u32, offset: usize, low: u32, high: u32| -> usize {
        let position = i64::from(start) - i64::from(apron) + offset as i64;
        (position.clamp(i64::from(low), i64::from(high) - 1) - i64::from(low)) as usize
    };
    let columns: Vec<usize> = (0..width).map(|i| clamp_to(x, i, x0, x1)).collect();
    let planes = core
        .iter()
        .map(|plane| {
            let mut grown = Vec::with_capacity(width * height);
            for j in 0..height {
                let source_row = &plane[clamp_to(y, j, y0, y1) * core_w..][..core_w];
                grown.extend(columns.iter().map(|&c| source_row[c]));
            }
            grown
        })
        .collect();
    Ok(Region {
        width,
        height,
        planes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Format, Image};

    #[test]
    fn region_crosses_tiles_and_repeats_the_image_edge() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("r.pyr");
        let (width, height) = (300u32, 10u32);
        let pixels = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x + 1000 * y) as u16))
            .collect();
        let image = Image {
            width,
            height,
            bits: 16,
            channels: 1,
            format: Format::Tiff,
            pixels,
        };
        crate::build_pyramid(&image, None, &path).expect("build");
        let pyramid = Pyramid::open(&path).expect("open");
        let level = pyramid.info().max_level;
        // Columns 252..=259 straddle the tile border at 256; rows -2..=4
        // start above the image, so rows 0 and 1 of the apron repeat row 0.
        let region = read_region(&pyramid, level, 254, 0, 4, 3, 2, 1).expect("region");
        assert_eq!((region.width, region.height), (8, 7));
        for j in 0..7 {
            let y = (j as i64 - 2).clamp(0, 9) as u32;
            for i in 0..8 {
                let x = 252 + i as u32;
                assert_eq!(
                    region.planes[0][j * 8 + i],
                    (x + 1000 * y) as u16,
                    "({i}, {j})"
                );
            }
        }
        // At the bottom-right corner the last row and column repeat.
        let edge = read_region(&pyramid, level, 298, 9, 2, 1, 2, 1).expect("edge");
        assert_eq!(edge.planes[0][..6], [7296, 7297, 7298, 7299, 7299, 7299]);
        assert_eq!(edge.planes[0][24..], [9296, 9297, 9298, 9299, 9299, 9299]);
        assert!(read_region(&pyramid, level, 299, 0, 2, 1, 0, 1).is_err());
        assert!(read_region(&pyramid, level, 0, 0, 0, 1, 0, 1).is_err());
        assert!(read_region(&pyramid, level, 0, 0, 1, 1, 0, 2).is_err());
    }
}
