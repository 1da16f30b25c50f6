//! 16-bit greyscale TIFF output, uncompressed.
//!
//! Files are written under a hidden temporary name in the target's
//! directory, flushed to disk, then renamed into place, so a program
//! watching the directory never sees a partly written image under the
//! final name.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Cursor, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use tiff::encoder::{colortype, TiffEncoder};

use crate::XraysimError;

pub(crate) fn check(width: u32, height: u32, pixels: &[u16]) -> Result<(), XraysimError> {
    if width == 0 || height == 0 {
        return Err(XraysimError::EmptyImage { width, height });
    }
    let expected = width as u64 * height as u64;
    if pixels.len() as u64 != expected {
        return Err(XraysimError::PixelCount {
            expected,
            actual: pixels.len() as u64,
        });
    }
    // Classic TIFF addresses at most 4 GiB.
    if expected * 2 >= u32::MAX as u64 - (1 << 20) {
        return Err(XraysimError::TooLarge { width, height });
    }
    Ok(())
}

fn encode_into<W: Write + Seek>(
    writer: W,
    width: u32,
    height: u32,
    pixels: &[u16],
) -> Result<(), XraysimError> {
    let mut encoder = TiffEncoder::new(writer)?;
    encoder.write_image::<colortype::Gray16>(width, height, pixels)?;
    Ok(())
}

/// Encode a `width` × `height` row-major 16-bit greyscale image as an
/// uncompressed TIFF in memory.
pub fn encode_tiff16(width: u32, height: u32, pixels: &[u16]) -> Result<Vec<u8>, XraysimError> {
    check(width, height, pixels)?;
    let mut out = Cursor::new(Vec::with_capacity(pixels.len() * 2 + 4096));
    encode_into(&mut out, width, height, pixels)?;
    Ok(out.into_inner())
}

/// Write a `width` × `height` row-major 16-bit greyscale image to `path`
/// as an uncompressed TIFF, atomically: the file appears complete or not
/// at all.
pub fn write_tiff16(
    path: &Path,
    width: u32,
    height: u32,
    pixels: &[u16],
) -> Result<(), XraysimError> {
    check(width, height, pixels)?;
    write_atomically(path, |writer| encode_into(writer, width, height, pixels))
}

/// Writes `path` through `encode` under a hidden temporary name, flushes
/// it, renames it into place and flushes the directory.
pub(crate) fn write_atomically(
    path: &Path,
    encode: impl FnOnce(&mut BufWriter<File>) -> Result<(), XraysimError>,
) -> Result<(), XraysimError> {
    let io = |source: std::io::Error| XraysimError::Io {
        path: path.to_path_buf(),
        source,
    };
    let temp = temp_path(path);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(io)?;
    let result =
        write_and_sync(file, &temp, encode).and_then(|()| fs::rename(&temp, path).map_err(io));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
        return result;
    }
    // Make the rename itself durable.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

fn write_and_sync(
    file: File,
    temp: &Path,
    encode: impl FnOnce(&mut BufWriter<File>) -> Result<(), XraysimError>,
) -> Result<(), XraysimError> {
    let io = |source: std::io::Error| XraysimError::Io {
        path: temp.to_path_buf(),
        source,
    };
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    encode(&mut writer)?;
    let file = writer.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    Ok(())
}

/// `.name.<pid>-<n>.partial` next to the target: hidden, and not ending in
/// an image extension.
fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map_or_else(|| "scan".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}-{n}.partial", std::process::id()))
}
