//! 16-bit greyscale DICONDE output: a DICOM Part 10 file, explicit VR
//! little endian, uncompressed, as a scanner that exports DICONDE (or
//! DICOS) writes one.
//!
//! The data set carries what a reader needs to show the image and nothing
//! about a patient or a component: the SOP class (Digital X-Ray Image
//! Storage, For Presentation), a SOP instance UID derived from the pixels
//! (so the same image gives the same bytes), the modality `DX`, and the
//! image pixel module (one sample, `MONOCHROME2`, 16 bits allocated and
//! stored). Files are written atomically, as TIFFs are.

use std::io::Write;
use std::path::Path;

use crate::tiff_out::{check, write_atomically};
use crate::XraysimError;

/// Digital X-Ray Image Storage – For Presentation.
const SOP_CLASS: &str = "1.2.840.10008.5.1.4.1.1.1.1";
/// Explicit VR little endian.
const TRANSFER_SYNTAX: &str = "1.2.840.10008.1.2.1";
/// This writer, as a UUID-derived UID (`2.25.` and a 128-bit number).
const IMPLEMENTATION: &str = "2.25.163391727516328722447262512813066231851";

/// One element, explicit VR little endian; `value` is padded to an even
/// length (UIDs with NUL, text with a space).
fn element(out: &mut Vec<u8>, group: u16, elem: u16, vr: &[u8; 2], value: &[u8]) {
    let pad = value.len() % 2;
    let len = value.len() + pad;
    out.extend_from_slice(&group.to_le_bytes());
    out.extend_from_slice(&elem.to_le_bytes());
    out.extend_from_slice(vr);
    if matches!(vr, b"OB" | b"OW" | b"UN" | b"SQ" | b"UT") {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(len as u32).to_le_bytes());
    } else {
        out.extend_from_slice(&(len as u16).to_le_bytes());
    }
    out.extend_from_slice(value);
    if pad == 1 {
        out.push(if vr == b"UI" || vr == b"OB" { 0 } else { b' ' });
    }
}

fn us(out: &mut Vec<u8>, elem: u16, value: u16) {
    element(out, 0x0028, elem, b"US", &value.to_le_bytes());
}

/// `2.25.` and a number made from the pixels (FNV-1a over the values).
fn instance_uid(width: u32, height: u32, pixels: &[u16]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |b: u8| {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    };
    for b in width.to_le_bytes().into_iter().chain(height.to_le_bytes()) {
        feed(b);
    }
    for v in pixels {
        for b in v.to_le_bytes() {
            feed(b);
        }
    }
    format!("2.25.{hash}")
}

/// The header: preamble, `DICM`, file meta group and the data set up to
/// and including the pixel data element's header.
fn header(width: u32, height: u32, pixels: &[u16]) -> Result<Vec<u8>, XraysimError> {
    check(width, height, pixels)?;
    let (Ok(columns), Ok(rows)) = (u16::try_from(width), u16::try_from(height)) else {
        // DICOM's Rows and Columns are 16-bit.
        return Err(XraysimError::TooLarge { width, height });
    };
    let instance = instance_uid(width, height, pixels);
    let mut meta = Vec::new();
    element(&mut meta, 0x0002, 0x0001, b"OB", &[0, 1]);
    element(&mut meta, 0x0002, 0x0002, b"UI", SOP_CLASS.as_bytes());
    element(&mut meta, 0x0002, 0x0003, b"UI", instance.as_bytes());
    element(&mut meta, 0x0002, 0x0010, b"UI", TRANSFER_SYNTAX.as_bytes());
    element(&mut meta, 0x0002, 0x0012, b"UI", IMPLEMENTATION.as_bytes());
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    element(
        &mut out,
        0x0002,
        0x0000,
        b"UL",
        &(meta.len() as u32).to_le_bytes(),
    );
    out.extend_from_slice(&meta);
    element(&mut out, 0x0008, 0x0016, b"UI", SOP_CLASS.as_bytes());
    element(&mut out, 0x0008, 0x0018, b"UI", instance.as_bytes());
    element(&mut out, 0x0008, 0x0060, b"CS", b"DX");
    us(&mut out, 0x0002, 1);
    element(&mut out, 0x0028, 0x0004, b"CS", b"MONOCHROME2");
    us(&mut out, 0x0010, rows);
    us(&mut out, 0x0011, columns);
    us(&mut out, 0x0100, 16);
    us(&mut out, 0x0101, 16);
    us(&mut out, 0x0102, 15);
    us(&mut out, 0x0103, 0);
    // Pixel Data, OW: the header only; the values follow.
    out.extend_from_slice(&0x7FE0u16.to_le_bytes());
    out.extend_from_slice(&0x0010u16.to_le_bytes());
    out.extend_from_slice(b"OW\0\0");
    out.extend_from_slice(&((pixels.len() * 2) as u32).to_le_bytes());
    Ok(out)
}

/// Writes `pixels` little endian, a chunk at a time.
pub(crate) fn write_pixels(out: &mut impl Write, pixels: &[u16]) -> std::io::Result<()> {
    for chunk in pixels.chunks(1 << 16) {
        let bytes: Vec<u8> = chunk.iter().flat_map(|v| v.to_le_bytes()).collect();
        out.write_all(&bytes)?;
    }
    Ok(())
}

/// Encode a `width` × `height` row-major 16-bit greyscale image as an
/// uncompressed DICONDE file in memory.
pub fn encode_diconde16(width: u32, height: u32, pixels: &[u16]) -> Result<Vec<u8>, XraysimError> {
    let mut out = header(width, height, pixels)?;
    out.reserve(pixels.len() * 2);
    for v in pixels {
        out.extend_from_slice(&v.to_le_bytes());
    }
    Ok(out)
}

/// Write a `width` × `height` row-major 16-bit greyscale image to `path`
/// as an uncompressed DICONDE file, atomically: the file appears complete
/// or not at all.
pub fn write_diconde16(
    path: &Path,
    width: u32,
    height: u32,
    pixels: &[u16],
) -> Result<(), XraysimError> {
    let head = header(width, height, pixels)?;
    write_atomically(path, |writer| {
        let io = |source| XraysimError::Io {
            path: path.to_path_buf(),
            source,
        };
        writer.write_all(&head).map_err(io)?;
        write_pixels(writer, pixels).map_err(io)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_part_10_with_its_pixels_at_the_end() {
        let pixels: Vec<u16> = (0..12).map(|v| v * 1000 + 7).collect();
        let bytes = encode_diconde16(4, 3, &pixels).expect("encode");
        assert_eq!(&bytes[128..132], b"DICM");
        let tail: Vec<u8> = pixels.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert!(bytes.ends_with(&tail));
        assert_eq!(bytes.len() % 2, 0, "every element has an even length");
        // The same image gives the same file; another gives another UID.
        assert_eq!(encode_diconde16(4, 3, &pixels).expect("again"), bytes);
        let mut other = pixels.clone();
        other[0] += 1;
        assert_ne!(instance_uid(4, 3, &pixels), instance_uid(4, 3, &other));
    }

    #[test]
    fn sides_past_16_bits_are_refused() {
        let pixels = vec![0u16; 70_000];
        assert!(matches!(
            encode_diconde16(70_000, 1, &pixels),
            Err(XraysimError::TooLarge { .. })
        ));
    }

    #[test]
    fn written_files_match_the_encoded_bytes() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("scan.dcm");
        let pixels: Vec<u16> = (0..6).collect();
        write_diconde16(&path, 3, 2, &pixels).expect("write");
        assert_eq!(
            std::fs::read(&path).expect("read"),
            encode_diconde16(3, 2, &pixels).expect("encode")
        );
    }
}
