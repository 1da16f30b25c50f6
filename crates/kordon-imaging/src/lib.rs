//! Scan imaging: decoding scanner images, the deep-zoom tile pyramid and
//! the tile renderer (window/level, colour maps, edge enhancement,
//! dual-energy materials).
//!
//! # Modules
//!
//! - [`decode`](mod@decode) — TIFF (8/16-bit, either byte order, the compressions the
//!   `tiff` crate reads), PNG (8/16-bit), JPEG and DICONDE (a DICOM Part
//!   10 file with one uncompressed greyscale frame) and raw samples with an
//!   ENVI header beside them into an [`Image`] of raw
//!   greyscale values; colour files become luminance. Sizes are checked
//!   before memory is reserved; damaged files are typed errors.
//! - [`stats`] — per-plane statistics (min, max, 0.5th/99.5th percentiles,
//!   open-beam estimate) that drive the automatic window and the material
//!   colouring.
//! - [`pyramid`] — DZI geometry (level `max_level` is full resolution,
//!   level 0 is 1×1, 256-pixel tiles, no overlap) and [`build_pyramid`],
//!   which downsamples by 2×2 averaging and compresses tiles in parallel.
//! - [`pyramid_file`] — the pyramid file format and [`Pyramid`], which
//!   validates a file on opening and reads tiles on demand.
//! - [`tile_codec`] — the lossless 16-bit tile compression.
//! - [`render`] — [`View`] settings and rendering of tiles, regions and
//!   thumbnails to RGB; [`materials`] — dual-energy material classes;
//!   [`colormap`] — colour maps; [`encode`] — PNG/JPEG output.
//!
//! # The pyramid file
//!
//! One file per scan holds every level of every plane (one plane, or two
//! for a dual-energy scan: high then low energy). It starts with the magic
//! `KORDPYR\0` and a version, then a header (width, height, tile size, top
//! level, planes, bits, statistics per plane), an index with the offset,
//! length and CRC-32 of every tile, a CRC-32 of header and index, and the
//! tiles themselves. A tile holds the raw 16-bit samples of its planes,
//! row differences split into byte planes and compressed with LZ4. Files
//! are written to a temporary file in the same folder, flushed, renamed
//! into place and the folder flushed, so a reader sees either no pyramid
//! or a whole one. The exact layout is in [`pyramid_file`].

pub mod colormap;
pub mod decode;
mod diconde_input;
pub mod encode;
mod error;
pub mod materials;
mod png_jpeg_input;
pub mod pyramid;
pub mod pyramid_file;
mod raw_input;
mod region;
pub mod render;
pub mod stats;
mod tiff_input;
pub mod tile_codec;

pub use colormap::Colormap;
pub use decode::{
    check_pair, decode, decode_raw, decode_recorded, decode_with_limits, probe, DecodeLimits,
    Format, Image, ImageSummary, Recorded, MAX_SCAN_PIXELS, MAX_SCAN_PIXELS_ENV,
};
pub use encode::{encode_jpeg, encode_png};
pub use error::ImagingError;
pub use materials::{Material, MaterialThresholds};
pub use pyramid::{build_pyramid, build_pyramid_with, PyramidInfo, TileRect, TILE_SIZE};
pub use pyramid_file::{Pyramid, TilePixels};
pub use raw_input::{parse_envi_header, RawLayout, MAX_RAW_HEADER};
pub use render::{render_region, render_tile, thumbnail, Rendered, View, Window};
pub use stats::PlaneStats;
