//! Raw input: a detector's samples with no header at all, their geometry
//! given by an ENVI header file beside them (`NAME.hdr`).
//!
//! A raw file is unsigned little-endian samples, 8 or 16 bits, one band,
//! row after row, nothing before or after: its length must be exactly
//! width × height × bytes per sample. The header is the ENVI text format
//! many scanners and analysis tools write:
//!
//! ```text
//! ENVI
//! description = {Gantry 2, high energy}
//! samples = 6000
//! lines = 2000
//! bands = 1
//! header offset = 0
//! data type = 12
//! interleave = bsq
//! byte order = 0
//! ```
//!
//! `samples` is the width, `lines` the height; `data type` 1 is 8-bit and
//! 12 is unsigned 16-bit; `bands` must be 1, `header offset` 0 and `byte
//! order` 0 (little endian) when given. Other keys are ignored, values in
//! braces may run over several lines. Once imported, the geometry lives in
//! the scan's signed record (`width`, `height`, `bits`, format `raw`), so
//! the blob alone, the raw file's bytes, is decoded with it everywhere
//! after ([`decode_recorded`](crate::decode_recorded)).

use crate::decode::{DecodeLimits, Format, Image};
use crate::error::ImagingError;

/// The largest header read: real ones are a few hundred bytes.
pub const MAX_RAW_HEADER: usize = 64 * 1024;

/// The geometry of a raw file: what its header (or its record) says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawLayout {
    /// Samples per line.
    pub width: u32,
    /// Lines.
    pub height: u32,
    /// Bits per sample: 8 or 16.
    pub bits: u8,
}

fn header_error(detail: impl Into<String>) -> ImagingError {
    ImagingError::Corrupt {
        format: Format::Raw,
        detail: format!("its ENVI header: {}", detail.into()),
    }
}

/// Up to 40 characters of a header value, for an error message.
fn shown(value: &str) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(40).collect();
    match chars.count() {
        0 => format!("{head:?}"),
        more => format!("{head:?}… ({more} more characters)"),
    }
}

/// Reads an ENVI header's geometry.
pub fn parse_envi_header(text: &[u8]) -> Result<RawLayout, ImagingError> {
    if text.len() > MAX_RAW_HEADER {
        return Err(header_error(format!(
            "{} bytes, more than the {MAX_RAW_HEADER} a header may have",
            text.len()
        )));
    }
    let text = std::str::from_utf8(text).map_err(|_| header_error("not UTF-8 text"))?;
    let mut lines = text.lines();
    if lines
        .next()
        .map(|l| l.trim_start_matches('\u{feff}').trim())
        != Some("ENVI")
    {
        return Err(header_error("it does not start with the line ENVI"));
    }
    let (mut samples, mut lines_n, mut data_type) = (None, None, None);
    while let Some(line) = lines.next() {
        if line.trim().is_empty() || line.trim_start().starts_with(';') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(header_error(format!("line {} has no '='", shown(line))));
        };
        let key = key.trim().to_ascii_lowercase();
        let mut value = value.trim().to_string();
        if value.starts_with('{') {
            // A value in braces runs to its closing brace.
            while !value.contains('}') {
                let Some(more) = lines.next() else {
                    return Err(header_error(format!(
                        "the value of {} never closes",
                        shown(&key)
                    )));
                };
                value.push(' ');
                value.push_str(more.trim());
            }
        }
        let number = || -> Result<u64, ImagingError> {
            value.parse::<u64>().map_err(|_| {
                header_error(format!("{key} = {} is not a whole number", shown(&value)))
            })
        };
        match key.as_str() {
            "samples" => samples = Some(number()?),
            "lines" => lines_n = Some(number()?),
            "data type" => data_type = Some(number()?),
            "bands" if number()? != 1 => {
                return Err(ImagingError::Unsupported(format!(
                    "a raw file of {} bands (a scan image has one)",
                    shown(&value)
                )))
            }
            "header offset" if number()? != 0 => {
                return Err(ImagingError::Unsupported(format!(
                "a raw file with {} bytes before its samples (the file must hold only the samples)",
                shown(&value)
            )))
            }
            "byte order" => match number()? {
                0 => {}
                1 => {
                    return Err(ImagingError::Unsupported(
                        "big-endian raw samples (byte order = 1); export them little-endian".into(),
                    ))
                }
                _ => return Err(header_error(format!("byte order = {}", shown(&value)))),
            },
            _ => {}
        }
    }
    let missing = |key: &str| header_error(format!("no {key} = line"));
    let width = samples.ok_or_else(|| missing("samples"))?;
    let height = lines_n.ok_or_else(|| missing("lines"))?;
    let bits = match data_type.ok_or_else(|| missing("data type"))? {
        1 => 8,
        12 => 16,
        other => {
            return Err(ImagingError::Unsupported(format!(
                "raw data type {other} (1, 8-bit, and 12, unsigned 16-bit, are read)"
            )))
        }
    };
    let side = |v: u64| {
        u32::try_from(v).map_err(|_| ImagingError::TooLarge {
            width,
            height,
            limit: "at most 65536 pixels per side".into(),
        })
    };
    Ok(RawLayout {
        width: side(width)?,
        height: side(height)?,
        bits,
    })
}

/// Decodes a raw file with the geometry its header or its record gives.
pub(crate) fn decode_raw(
    bytes: &[u8],
    layout: &RawLayout,
    limits: &DecodeLimits,
) -> Result<Image, ImagingError> {
    let (width, height) = (u64::from(layout.width), u64::from(layout.height));
    limits.check_dimensions(width, height)?;
    limits.check_decoded_bytes(width, height, 2)?;
    let sample_bytes: u64 = match layout.bits {
        8 => 1,
        16 => 2,
        other => {
            return Err(ImagingError::Unsupported(format!(
                "raw samples of {other} bits (8 or 16 are read)"
            )))
        }
    };
    let needed = width * height * sample_bytes;
    if bytes.len() as u64 != needed {
        return Err(ImagingError::Corrupt {
            format: Format::Raw,
            detail: format!(
                "the file holds {} bytes; {width}×{height} at {} bits is exactly {needed}",
                bytes.len(),
                layout.bits
            ),
        });
    }
    let pixels = if sample_bytes == 2 {
        bytes
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect()
    } else {
        bytes.iter().map(|&b| u16::from(b)).collect()
    };
    Ok(Image {
        width: layout.width,
        height: layout.height,
        bits: layout.bits,
        channels: 1,
        format: Format::Raw,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "ENVI\ndescription = {Gantry 2,\n  high energy}\nsamples = 3\nlines    = 2\nbands = 1\nheader offset = 0\nfile type = ENVI Standard\ndata type = 12\ninterleave = bsq\nbyte order = 0\n";

    #[test]
    fn an_envi_header_gives_the_geometry() {
        assert_eq!(
            parse_envi_header(HEADER.as_bytes()).expect("header"),
            RawLayout {
                width: 3,
                height: 2,
                bits: 16
            }
        );
        let eight = "ENVI\r\nsamples=4\r\nlines=1\r\ndata type=1\r\n";
        assert_eq!(parse_envi_header(eight.as_bytes()).expect("crlf").bits, 8);
    }

    #[test]
    fn headers_that_cannot_be_read_say_why() {
        let refused = |text: &str| {
            parse_envi_header(text.as_bytes())
                .expect_err(text)
                .to_string()
        };
        assert!(refused("samples = 3").contains("does not start with the line ENVI"));
        assert!(refused("ENVI\nlines = 2\ndata type = 12").contains("no samples = line"));
        assert!(refused("ENVI\nsamples = 3\nlines = 2\ndata type = 4").contains("data type 4"));
        assert!(refused(&HEADER.replace("byte order = 0", "byte order = 1")).contains("big-endian"));
        assert!(refused(&HEADER.replace("bands = 1", "bands = 3")).contains("3\" bands"));
        assert!(
            refused(&HEADER.replace("header offset = 0", "header offset = 512")).contains("512")
        );
        assert!(refused("ENVI\ndescription = {never closed\nsamples = 3").contains("never closes"));
        assert!(
            refused("ENVI\nsamples = 99999999999\nlines = 1\ndata type = 1").contains("too large")
        );
        let long = format!("ENVI\nsamples = {}\n", "9x".repeat(50_000));
        let err = refused(&long);
        assert!(err.len() < 200, "quoted short: {err}");
        assert!(refused(&format!("ENVI\n{}", " ".repeat(MAX_RAW_HEADER))).contains("more than"));
    }

    #[test]
    fn samples_are_little_endian_and_the_size_must_be_exact() {
        let layout = parse_envi_header(HEADER.as_bytes()).expect("header");
        let values = [0u16, 1, 258, 4095, 40_000, 65_535];
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let image = decode_raw(&bytes, &layout, &DecodeLimits::default()).expect("decode");
        assert_eq!(image.pixels, values);
        assert_eq!((image.format, image.bits), (Format::Raw, 16));
        for wrong in [&bytes[..11], &[bytes.as_slice(), &[0]].concat()[..]] {
            let err = decode_raw(wrong, &layout, &DecodeLimits::default())
                .expect_err("wrong size")
                .to_string();
            assert!(err.contains("is exactly 12"), "{err}");
        }
        let eight = RawLayout {
            width: 2,
            height: 1,
            bits: 8,
        };
        assert_eq!(
            decode_raw(&[7, 250], &eight, &DecodeLimits::default())
                .expect("8-bit")
                .pixels,
            vec![7, 250]
        );
    }

    #[test]
    fn a_huge_geometry_is_refused_before_anything_is_reserved() {
        let layout = RawLayout {
            width: 46_000,
            height: 46_000,
            bits: 16,
        };
        assert!(matches!(
            decode_raw(&[0; 16], &layout, &DecodeLimits::default()),
            Err(ImagingError::TooLarge { .. })
        ));
    }
}
