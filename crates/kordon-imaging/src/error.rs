//! The one error type of the crate, worded for the crew member who sees it.

use std::path::PathBuf;

use crate::decode::Format;

/// Everything that can go wrong while decoding a scan, building or reading
/// its tile pyramid, or rendering a tile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImagingError {
    /// Zero bytes were given.
    #[error("the file is empty")]
    Empty,
    /// The first bytes are not those of a TIFF, PNG, JPEG or DICONDE file.
    #[error("not a scan image this program can read (expected TIFF, PNG, JPEG or DICONDE)")]
    UnknownFormat,
    /// The file ends before the image data does.
    #[error("the file is truncated")]
    Truncated,
    /// The file is of a known format but its content is damaged or invalid.
    #[error("the {format} file is damaged: {detail}")]
    Corrupt {
        /// The format the file claims to be.
        format: Format,
        /// What the decoder found wrong.
        detail: String,
    },
    /// A valid file that uses something this program does not handle.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Width or height is zero.
    #[error("the image has no pixels ({width}×{height})")]
    NoPixels {
        /// Declared width.
        width: u64,
        /// Declared height.
        height: u64,
    },
    /// Width, height or pixel count exceed the limits.
    #[error("the image is too large: {width}×{height} pixels ({limit})")]
    TooLarge {
        /// Declared width.
        width: u64,
        /// Declared height.
        height: u64,
        /// Which limit was exceeded.
        limit: String,
    },
    /// The pixel buffer does not match width × height.
    #[error("the image holds {actual} pixel values, but {width}×{height} needs {expected}")]
    PixelCount {
        /// Width of the image.
        width: u32,
        /// Height of the image.
        height: u32,
        /// width × height.
        expected: u64,
        /// Length of the pixel buffer.
        actual: u64,
    },
    /// The two images of a dual-energy scan differ in size.
    #[error(
        "the two energies of the dual-energy scan differ in size: high {high_width}×{high_height}, low {low_width}×{low_height}"
    )]
    PairMismatch {
        /// High-energy width.
        high_width: u32,
        /// High-energy height.
        high_height: u32,
        /// Low-energy width.
        low_width: u32,
        /// Low-energy height.
        low_height: u32,
    },
    /// A stored image whose size is not the one its signed record gives.
    #[error("the image is {width}×{height} pixels, but its record says {recorded_width}×{recorded_height}")]
    NotAsRecorded {
        width: u32,
        height: u32,
        recorded_width: u32,
        recorded_height: u32,
    },
    /// Reading or writing a file failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done ("create", "read", ...).
        action: &'static str,
        /// The file or folder concerned.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A pyramid file failed validation or a tile in it is damaged.
    #[error("the tile pyramid {path} is damaged: {detail}")]
    DamagedPyramid {
        /// The pyramid file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The pyramid file was written by a newer version of this program.
    #[error("the tile pyramid {path} has format version {version}, this program reads version {supported}")]
    PyramidVersion {
        /// The pyramid file.
        path: PathBuf,
        /// Version found in the file.
        version: u16,
        /// Version this build reads.
        supported: u16,
    },
    /// A tile outside the pyramid was asked for.
    #[error("there is no tile ({x}, {y}) at level {level} of this pyramid")]
    NoSuchTile {
        /// Requested level.
        level: u32,
        /// Requested column.
        x: u32,
        /// Requested row.
        y: u32,
    },
    /// A region outside the level was asked for.
    #[error("the region {width}×{height} at ({x}, {y}) is not inside level {level}")]
    NoSuchRegion {
        /// Requested level.
        level: u32,
        /// Left edge.
        x: u32,
        /// Top edge.
        y: u32,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// Material colouring was asked for on a single-energy scan.
    #[error("material colouring needs a dual-energy scan (this scan has one energy)")]
    NotDualEnergy,
    /// A view setting is out of range or not recognised.
    #[error("invalid view setting: {0}")]
    InvalidView(String),
    /// Encoding a rendered tile as PNG or JPEG failed.
    #[error("cannot encode the rendered image: {0}")]
    Encode(String),
}

impl ImagingError {
    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        ImagingError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}
