//! The pyramid file: one per scan, written power-safe, read tile by tile.
//!
//! Layout (all integers little-endian):
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 8 | magic `KORDPYR\0` |
//! | 8 | 2 | format version (1) |
//! | 10 | 1 | tile codec (1: see [`crate::tile_codec`]) |
//! | 11 | 1 | planes (1, or 2 for dual energy: high then low) |
//! | 12 | 1 | bits per sample of the source (8 or 16) |
//! | 13 | 3 | zero |
//! | 16 | 4 | width |
//! | 20 | 4 | height |
//! | 24 | 4 | tile size |
//! | 28 | 4 | max level |
//! | 32 | 8 | tile count (all levels) |
//! | 40 | 16 × planes | statistics per plane: min, max, 0.5th and 99.5th percentiles, air (open beam), zero (u16 each), mean (f32) |
//! | … | 16 × tiles | index: offset (u64), length (u32), CRC-32 of the stored bytes (u32), for level 0 up, rows top to bottom, columns left to right |
//! | … | 4 | CRC-32 of everything above |
//! | … | … | compressed tiles |
//!
//! Opening checks the magic, the version, the header's consistency (the
//! geometry must give the stored level count and tile count), the CRC, and
//! that every index entry lies inside the file and is no larger than its
//! tile can compress to. Reading a tile checks its CRC and its decompressed
//! size. A damaged file is therefore an error, never a panic or a wrong
//! picture.

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use kordon_vault::{AtRestFile, Seal};

use crate::error::ImagingError;
use crate::pyramid::{max_level_for, PyramidInfo};
use crate::stats::PlaneStats;
use crate::tile_codec::{self, CODEC_DELTA_LZ4};

const MAGIC: [u8; 8] = *b"KORDPYR\0";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
const FIXED_HEADER: usize = 40;
const STATS_SIZE: usize = 16;
const ENTRY_SIZE: usize = 16;
const MAX_DIMENSION: u32 = 1 << 20;
const MAX_PIXELS: u64 = 1 << 31;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TileEntry {
    offset: u64,
    len: u32,
    crc: u32,
}

/// Raw values of one tile, one vector per plane (`w * h` values each,
/// row-major).
#[derive(Clone, PartialEq, Eq)]
pub struct TilePixels {
    /// Tile width.
    pub w: u32,
    /// Tile height.
    pub h: u32,
    /// Plane 0 (high energy, or the only one), then plane 1 (low energy).
    pub planes: Vec<Vec<u16>>,
}

impl fmt::Debug for TilePixels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TilePixels {{ w: {}, h: {}, planes: {} }}",
            self.w,
            self.h,
            self.planes.len()
        )
    }
}

/// An open pyramid file. Tiles are read on demand with positioned reads,
/// so one `Pyramid` can serve many threads at once.
pub struct Pyramid {
    path: PathBuf,
    file: AtRestFile,
    info: PyramidInfo,
    index: Vec<TileEntry>,
    /// Index position of the first tile of each level.
    level_start: Vec<usize>,
}

impl fmt::Debug for Pyramid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pyramid")
            .field("path", &self.path)
            .field("info", &self.info)
            .field("tiles", &self.index.len())
            .finish()
    }
}

fn header_len(planes: usize, tiles: usize) -> usize {
    FIXED_HEADER + STATS_SIZE * planes + ENTRY_SIZE * tiles + 4
}

fn level_starts(info: &PyramidInfo) -> Vec<usize> {
    let mut starts = Vec::with_capacity(info.levels() as usize);
    let mut next = 0usize;
    for level in 0..=info.max_level {
        starts.push(next);
        let (columns, rows) = info.tiles_at(level).unwrap_or((0, 0));
        next += columns as usize * rows as usize;
    }
    starts
}

/// Writes the pyramid file: a temporary file in the same folder, flushed
/// to disk, renamed over `out`, then the folder flushed so the rename
/// itself survives a power cut.
pub(crate) fn write(
    out: &Path,
    info: &PyramidInfo,
    tiles: &[Vec<u8>],
    seal: &Seal,
) -> Result<u64, ImagingError> {
    let mut header = Vec::with_capacity(header_len(info.stats.len(), tiles.len()));
    header.extend_from_slice(&MAGIC);
    header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    header.extend_from_slice(&[CODEC_DELTA_LZ4, info.planes, info.bits, 0, 0, 0]);
    for value in [info.width, info.height, info.tile_size, info.max_level] {
        header.extend_from_slice(&value.to_le_bytes());
    }
    header.extend_from_slice(&(tiles.len() as u64).to_le_bytes());
    for stats in &info.stats {
        for value in [
            stats.min,
            stats.max,
            stats.p_low,
            stats.p_high,
            stats.air,
            0,
        ] {
            header.extend_from_slice(&value.to_le_bytes());
        }
        header.extend_from_slice(&stats.mean.to_le_bytes());
    }
    let mut offset = header_len(info.stats.len(), tiles.len()) as u64;
    for tile in tiles {
        header.extend_from_slice(&offset.to_le_bytes());
        header.extend_from_slice(&(tile.len() as u32).to_le_bytes());
        header.extend_from_slice(&crc32fast::hash(tile).to_le_bytes());
        offset += tile.len() as u64;
    }
    let crc = crc32fast::hash(&header);
    header.extend_from_slice(&crc.to_le_bytes());

    let folder = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".pyramid-")
        .suffix(".partial")
        .tempfile_in(folder)
        .map_err(|e| ImagingError::io("create a temporary file in", folder, e))?;
    {
        let writer = BufWriter::with_capacity(1 << 20, temporary.as_file_mut());
        seal.writer(writer)
            .and_then(|mut writer| {
                writer.write_all(&header)?;
                tiles.iter().try_for_each(|tile| writer.write_all(tile))?;
                writer.finish()?.flush()
            })
            .map_err(|e| ImagingError::io("write", out, e))?;
    }
    temporary
        .as_file()
        .sync_all()
        .map_err(|e| ImagingError::io("flush to disk", out, e))?;
    temporary
        .persist(out)
        .map_err(|e| ImagingError::io("move into place", out, e.error))?;
    File::open(folder)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| ImagingError::io("flush the folder", folder, e))?;
    Ok(offset)
}

/// Little-endian reader over the header bytes; running out is damage.
struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let field = self.bytes.get(self.at..self.at + N)?;
        self.at += N;
        field.try_into().ok()
    }
    fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
}

impl Pyramid {
    /// Opens a pyramid file and validates its header and index.
    pub fn open(path: &Path) -> Result<Pyramid, ImagingError> {
        Self::open_with(path, &Seal::plain())
    }

    /// Opens a pyramid file kept as `seal` says (sealed on a vehicle).
    pub fn open_with(path: &Path, seal: &Seal) -> Result<Pyramid, ImagingError> {
        let damaged = |detail: String| ImagingError::DamagedPyramid {
            path: path.to_path_buf(),
            detail,
        };
        let file = File::open(path)
            .and_then(|f| seal.open(f))
            .map_err(|e| ImagingError::io("open", path, e))?;
        let file_len = file.len();
        let read = |offset: u64, len: usize| -> Result<Vec<u8>, ImagingError> {
            let mut buffer = vec![0u8; len];
            file.read_exact_at(&mut buffer, offset)
                .map_err(|e| ImagingError::io("read", path, e))?;
            Ok(buffer)
        };
        if file_len < FIXED_HEADER as u64 {
            return Err(damaged(format!("it is only {file_len} bytes long")));
        }
        let fixed = read(0, FIXED_HEADER)?;
        if fixed[..8] != MAGIC {
            return Err(damaged("it is not a Kordon tile pyramid".into()));
        }
        let mut fields = Fields {
            bytes: &fixed,
            at: 8,
        };
        let short = || damaged("the header is cut short".into());
        let version = fields.u16().ok_or_else(short)?;
        if version != FORMAT_VERSION {
            return Err(ImagingError::PyramidVersion {
                path: path.to_path_buf(),
                version,
                supported: FORMAT_VERSION,
            });
        }
        let [codec, planes, bits, _, _, _] = fields.take::<6>().ok_or_else(short)?;
        let width = fields.u32().ok_or_else(short)?;
        let height = fields.u32().ok_or_else(short)?;
        let tile_size = fields.u32().ok_or_else(short)?;
        let max_level = fields.u32().ok_or_else(short)?;
        let tile_count = fields.u64().ok_or_else(short)?;
        if codec != CODEC_DELTA_LZ4 {
            return Err(damaged(format!("unknown tile codec {codec}")));
        }
        if !(1..=2).contains(&planes) || !matches!(bits, 8 | 16) {
            return Err(damaged(format!("{planes} planes of {bits}-bit samples")));
        }
        if width == 0
            || height == 0
            || width > MAX_DIMENSION
            || height > MAX_DIMENSION
            || u64::from(width) * u64::from(height) > MAX_PIXELS
        {
            return Err(damaged(format!("impossible size {width}×{height}")));
        }
        if !tile_size.is_power_of_two() || !(16..=4096).contains(&tile_size) {
            return Err(damaged(format!("impossible tile size {tile_size}")));
        }
        if max_level != max_level_for(width, height) {
            return Err(damaged(format!(
                "{max_level} is not the top level of a {width}×{height} image"
            )));
        }
        let mut info = PyramidInfo {
            width,
            height,
            tile_size,
            max_level,
            planes,
            bits,
            stats: Vec::new(),
        };
        if tile_count != info.tile_count() {
            return Err(damaged(format!(
                "{tile_count} tiles listed, {} expected",
                info.tile_count()
            )));
        }
        let tiles = tile_count as usize;
        let total_header = header_len(usize::from(planes), tiles);
        if total_header as u64 > file_len {
            return Err(damaged("the header and index are cut short".into()));
        }
        let header = read(0, total_header)?;
        let (covered, stored_crc) = header.split_at(total_header - 4);
        let stored_crc = u32::from_le_bytes(stored_crc.try_into().map_err(|_| short())?);
        if crc32fast::hash(covered) != stored_crc {
            return Err(damaged("the header or index fails its checksum".into()));
        }
        let mut fields = Fields {
            bytes: covered,
            at: FIXED_HEADER,
        };
        for plane in 0..planes {
            let min = fields.u16().ok_or_else(short)?;
            let max = fields.u16().ok_or_else(short)?;
            let p_low = fields.u16().ok_or_else(short)?;
            let p_high = fields.u16().ok_or_else(short)?;
            let air = fields.u16().ok_or_else(short)?;
            let _reserved = fields.u16().ok_or_else(short)?;
            let mean = f32::from_le_bytes(fields.take::<4>().ok_or_else(short)?);
            let stats = PlaneStats {
                min,
                max,
                p_low,
                p_high,
                air,
                mean,
            };
            if !stats.is_consistent() {
                return Err(damaged(format!(
                    "inconsistent statistics for plane {plane}"
                )));
            }
            info.stats.push(stats);
        }
        let data_start = total_header as u64;
        let mut index = Vec::with_capacity(tiles);
        let level_start = level_starts(&info);
        for level in 0..=max_level {
            let (columns, rows) = info.tiles_at(level).unwrap_or((0, 0));
            for y in 0..rows {
                for x in 0..columns {
                    let entry = TileEntry {
                        offset: fields.u64().ok_or_else(short)?,
                        len: fields.u32().ok_or_else(short)?,
                        crc: fields.u32().ok_or_else(short)?,
                    };
                    let rect = info.tile_rect(level, x, y).ok_or_else(short)?;
                    let samples = rect.w as usize * rect.h as usize * usize::from(planes);
                    let end = entry.offset.checked_add(u64::from(entry.len));
                    if entry.offset < data_start
                        || end.is_none_or(|end| end > file_len)
                        || entry.len as usize > tile_codec::max_compressed_len(samples)
                    {
                        return Err(damaged(format!(
                            "the index entry of tile ({x}, {y}) at level {level} points outside the tile data"
                        )));
                    }
                    index.push(entry);
                }
            }
        }
        Ok(Pyramid {
            path: path.to_path_buf(),
            file,
            info,
            index,
            level_start,
        })
    }

    /// Geometry, planes and statistics.
    pub fn info(&self) -> &PyramidInfo {
        &self.info
    }

    /// The file this pyramid was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Width and height of a level.
    pub fn level_dims(&self, level: u32) -> Option<(u32, u32)> {
        self.info.level_dims(level)
    }

    /// Tile columns and rows at a level.
    pub fn tiles_at(&self, level: u32) -> Option<(u32, u32)> {
        self.info.tiles_at(level)
    }

    /// Reads and decompresses one tile.
    pub fn tile(&self, level: u32, x: u32, y: u32) -> Result<TilePixels, ImagingError> {
        let missing = ImagingError::NoSuchTile { level, x, y };
        let rect = self.info.tile_rect(level, x, y).ok_or(missing)?;
        let (columns, _) = self.info.tiles_at(level).unwrap_or((0, 0));
        let position = self
            .level_start
            .get(level as usize)
            .copied()
            .unwrap_or(usize::MAX)
            + y as usize * columns as usize
            + x as usize;
        let entry = *self
            .index
            .get(position)
            .ok_or(ImagingError::NoSuchTile { level, x, y })?;
        let damaged = |detail: String| ImagingError::DamagedPyramid {
            path: self.path.clone(),
            detail: format!("tile ({x}, {y}) at level {level}: {detail}"),
        };
        let mut stored = vec![0u8; entry.len as usize];
        self.file
            .read_exact_at(&mut stored, entry.offset)
            .map_err(|e| ImagingError::io("read", &self.path, e))?;
        if crc32fast::hash(&stored) != entry.crc {
            return Err(damaged("it fails its checksum".into()));
        }
        let plane_len = rect.w as usize * rect.h as usize;
        let planes = usize::from(self.info.planes);
        let mut samples =
            tile_codec::decode(&stored, plane_len * planes, rect.w as usize).map_err(damaged)?;
        let mut result = Vec::with_capacity(planes);
        for _ in 1..planes {
            let rest = samples.split_off(plane_len);
            result.push(std::mem::replace(&mut samples, rest));
        }
        result.push(samples);
        Ok(TilePixels {
            w: rect.w,
            h: rect.h,
            planes: result,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tile_codec::EncodeScratch;

    fn tiny_info() -> PyramidInfo {
        let stats = PlaneStats {
            min: 1,
            max: 9,
            p_low: 1,
            p_high: 9,
            air: 9,
            mean: 5.0,
        };
        PyramidInfo {
            width: 2,
            height: 1,
            tile_size: 256,
            max_level: 1,
            planes: 1,
            bits: 16,
            stats: vec![stats],
        }
    }

    fn tiny_file(dir: &Path) -> PathBuf {
        tiny_file_with(dir, &Seal::plain())
    }

    fn tiny_file_with(dir: &Path, seal: &Seal) -> PathBuf {
        let info = tiny_info();
        let mut scratch = EncodeScratch::default();
        let tiles = vec![
            tile_codec::encode(&[5], 1, &mut scratch),
            tile_codec::encode(&[1, 9], 2, &mut scratch),
        ];
        let path = dir.join("tiny.pyr");
        let written = write(&path, &info, &tiles, seal).expect("write");
        let stored = std::fs::metadata(&path).expect("stat").len();
        if seal.is_sealed() {
            assert_eq!(kordon_vault::sealed_len(written), stored);
        } else {
            assert_eq!(written, stored);
        }
        path
    }

    #[test]
    fn a_sealed_pyramid_reads_back_with_its_seal_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        let seal = Seal::new(&kordon_vault::DataKey::generate());
        let path = tiny_file_with(dir.path(), &seal);
        assert!(kordon_vault::is_sealed_file(&path).expect("look"));
        let pyramid = Pyramid::open_with(&path, &seal).expect("open");
        assert_eq!(pyramid.info(), &tiny_info());
        assert_eq!(pyramid.tile(1, 0, 0).expect("top").planes, vec![vec![1, 9]]);
        assert!(Pyramid::open(&path).is_err(), "plain opening refused");
        let other = Seal::new(&kordon_vault::DataKey::generate());
        assert!(
            Pyramid::open_with(&path, &other).is_err(),
            "another key refused"
        );
    }

    #[test]
    fn writes_and_reads_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pyramid = Pyramid::open(&tiny_file(dir.path())).expect("open");
        assert_eq!(pyramid.info(), &tiny_info());
        assert_eq!(pyramid.tile(1, 0, 0).expect("top").planes, vec![vec![1, 9]]);
        assert_eq!(pyramid.tile(0, 0, 0).expect("bottom").planes, vec![vec![5]]);
        assert_eq!(level_starts(pyramid.info()), vec![0, 1]);
        assert_eq!(header_len(1, 2), 40 + 16 + 32 + 4);
    }

    #[test]
    fn a_newer_version_is_named_as_such() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = tiny_file(dir.path());
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[8..10].copy_from_slice(&2u16.to_le_bytes());
        std::fs::write(&path, &bytes).expect("write");
        let err = Pyramid::open(&path).expect_err("version");
        assert!(
            matches!(err, ImagingError::PyramidVersion { version: 2, .. }),
            "{err:?}"
        );
    }
}
