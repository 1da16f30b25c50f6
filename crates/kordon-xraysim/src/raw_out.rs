//! 16-bit raw output: the samples alone, little endian, row after row
//! (`NAME.raw`), and an ENVI header beside them (`NAME.hdr`) giving the
//! geometry, as detector software that writes raw frames does. The header
//! is written first, then the samples, each atomically, so a program
//! watching the folder finds the header whenever it finds the samples.

use std::io::Write;
use std::path::Path;

use crate::diconde_out::write_pixels;
use crate::tiff_out::{check, write_atomically};
use crate::XraysimError;

/// The ENVI header of a `width` × `height` 16-bit raw file.
pub fn envi_header16(width: u32, height: u32) -> String {
    format!(
        "ENVI\ndescription = {{kordon-xraysim, one energy}}\nsamples = {width}\nlines = {height}\nbands = 1\nheader offset = 0\nfile type = ENVI Standard\ndata type = 12\ninterleave = bsq\nbyte order = 0\n"
    )
}

/// Write a `width` × `height` row-major 16-bit greyscale image to `path`
/// (which should end in `.raw`) and its ENVI header to the same name
/// ending in `.hdr`.
pub fn write_raw16(
    path: &Path,
    width: u32,
    height: u32,
    pixels: &[u16],
) -> Result<(), XraysimError> {
    check(width, height, pixels)?;
    let io = |source| XraysimError::Io {
        path: path.to_path_buf(),
        source,
    };
    let header = envi_header16(width, height);
    write_atomically(&path.with_extension("hdr"), |w| {
        w.write_all(header.as_bytes()).map_err(io)
    })?;
    write_atomically(path, |w| write_pixels(w, pixels).map_err(io))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_and_header_are_written_side_by_side() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("scan.raw");
        let pixels: Vec<u16> = vec![1, 2, 3, 0xABCD, 5, 6];
        write_raw16(&path, 3, 2, &pixels).expect("write");
        assert_eq!(
            std::fs::read(&path).expect("raw"),
            vec![1, 0, 2, 0, 3, 0, 0xCD, 0xAB, 5, 0, 6, 0]
        );
        let header = std::fs::read_to_string(dir.path().join("scan.hdr")).expect("hdr");
        assert!(header.starts_with("ENVI\n"));
        assert!(header.contains("samples = 3\nlines = 2\n"), "{header}");
    }
}
