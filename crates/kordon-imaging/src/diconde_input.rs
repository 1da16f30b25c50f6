//! DICONDE input: a DICOM Part 10 file (the container DICONDE, ASTM
//! E2339, uses for industrial radiographs, and DICOS for security
//! screening) holding one uncompressed greyscale frame.
//!
//! # What is read
//!
//! - The file: a 128-byte preamble, `DICM`, the file meta group (group
//!   `0002`, always explicit VR little endian), then the data set in the
//!   transfer syntax the meta group names: implicit VR little endian
//!   (`1.2.840.10008.1.2`), explicit VR little endian (`…1.2.1`) or
//!   explicit VR big endian (`…1.2.2`). Compressed syntaxes (JPEG, JPEG
//!   2000, RLE, deflate) are refused by name.
//! - The image pixel module: Rows `(0028,0010)`, Columns `(0028,0011)`,
//!   Samples per Pixel `(0028,0002)` (1), Photometric Interpretation
//!   `(0028,0004)` (`MONOCHROME2`, or `MONOCHROME1`, which comes out
//!   flipped so that 0 is black, as a TIFF's "white is zero" does), Bits
//!   Allocated `(0028,0100)` (8 or 16), Bits Stored `(0028,0101)`, High
//!   Bit `(0028,0102)` (Bits Stored − 1), Pixel Representation
//!   `(0028,0103)`, Number of Frames `(0028,0008)` (1) and Pixel Data
//!   `(7FE0,0010)`.
//! - Values are kept as stored, masked to Bits Stored. Signed samples
//!   (Pixel Representation 1) are shifted up by half their range, so the
//!   order of values, which is all the renderer's window needs, is kept.
//!
//! Everything else (patient or component module, sequences of any depth up
//! to [`MAX_DEPTH`], private tags) is stepped over unread. Every length is
//! checked against the bytes present before anything is sliced or
//! reserved, so a forged header cannot make us allocate or read past the
//! end.

use crate::decode::{DecodeLimits, Format, Image, ImageSummary};
use crate::error::ImagingError;

/// Where `DICM` sits: after the 128-byte preamble.
const PREAMBLE: usize = 128;

/// Sequences nested deeper than this are refused (real files nest two or
/// three; a forged one could nest until the stack runs out).
const MAX_DEPTH: u32 = 16;

/// A length of `FFFFFFFF`: the element ends at a delimiter.
const UNDEFINED: u32 = u32::MAX;

/// Whether `bytes` is a DICOM Part 10 file.
pub(crate) fn is_part10(bytes: &[u8]) -> bool {
    bytes.get(PREAMBLE..PREAMBLE + 4) == Some(b"DICM")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Syntax {
    ImplicitLittle,
    ExplicitLittle,
    ExplicitBig,
}

impl Syntax {
    fn explicit(self) -> bool {
        self != Syntax::ImplicitLittle
    }
    fn big(self) -> bool {
        self == Syntax::ExplicitBig
    }
}

/// One data element's header; its value is `bytes[value..value + len]`
/// when the length is defined.
struct Element {
    tag: (u16, u16),
    vr: Option<[u8; 2]>,
    len: u32,
    value: usize,
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    syntax: Syntax,
}

fn corrupt(detail: impl Into<String>) -> ImagingError {
    ImagingError::Corrupt {
        format: Format::Diconde,
        detail: detail.into(),
    }
}

/// VRs whose explicit length takes four bytes after two reserved ones.
fn long_length(vr: [u8; 2]) -> bool {
    matches!(
        &vr,
        b"OB"
            | b"OD"
            | b"OF"
            | b"OL"
            | b"OV"
            | b"OW"
            | b"SQ"
            | b"SV"
            | b"UC"
            | b"UN"
            | b"UR"
            | b"UT"
            | b"UV"
    )
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ImagingError> {
        let end = self.pos.checked_add(n).ok_or(ImagingError::Truncated)?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or(ImagingError::Truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn u16(&mut self) -> Result<u16, ImagingError> {
        let b = self.take(2)?;
        let pair = [b[0], b[1]];
        Ok(if self.syntax.big() {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        })
    }

    fn u32(&mut self) -> Result<u32, ImagingError> {
        let b = self.take(4)?;
        let quad = [b[0], b[1], b[2], b[3]];
        Ok(if self.syntax.big() {
            u32::from_be_bytes(quad)
        } else {
            u32::from_le_bytes(quad)
        })
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// The group of the next element, without reading it.
    fn peek_group(&self) -> Option<u16> {
        let b = self.bytes.get(self.pos..self.pos + 2)?;
        Some(if self.syntax.big() {
            u16::from_be_bytes([b[0], b[1]])
        } else {
            u16::from_le_bytes([b[0], b[1]])
        })
    }

    /// Reads an element's header and leaves the position at its value.
    fn header(&mut self) -> Result<Element, ImagingError> {
        let tag = (self.u16()?, self.u16()?);
        // Items and delimiters carry no VR, in either syntax.
        let (vr, len) = if tag.0 == 0xFFFE || !self.syntax.explicit() {
            (None, self.u32()?)
        } else {
            let v = self.take(2)?;
            let vr = [v[0], v[1]];
            if !vr.iter().all(u8::is_ascii_uppercase) {
                return Err(corrupt(format!(
                    "element ({:04X},{:04X}) has no value representation",
                    tag.0, tag.1
                )));
            }
            if long_length(vr) {
                self.take(2)?;
                (Some(vr), self.u32()?)
            } else {
                (Some(vr), u32::from(self.u16()?))
            }
        };
        Ok(Element {
            tag,
            vr,
            len,
            value: self.pos,
        })
    }

    /// The element's value, which must be present whole.
    fn value(&mut self, e: &Element) -> Result<&'a [u8], ImagingError> {
        let len = usize::try_from(e.len).map_err(|_| ImagingError::Truncated)?;
        self.pos = e.value;
        self.take(len)
    }

    /// Steps over an element whose header was just read.
    fn skip(&mut self, e: &Element, depth: u32) -> Result<(), ImagingError> {
        if e.len != UNDEFINED {
            self.value(e)?;
            return Ok(());
        }
        if depth >= MAX_DEPTH {
            return Err(corrupt(format!(
                "sequences nested more than {MAX_DEPTH} deep"
            )));
        }
        if e.vr == Some(*b"UN") && self.syntax != Syntax::ImplicitLittle {
            // An unknown element of undefined length is a sequence whose
            // items are implicit VR little endian, whatever the file's
            // syntax (PS3.5 6.2.2).
            let syntax = self.syntax;
            self.syntax = Syntax::ImplicitLittle;
            let items = self.skip_items(depth);
            self.syntax = syntax;
            return items;
        }
        self.skip_items(depth)
    }

    /// Steps over the items of a sequence of undefined length, up to its
    /// delimiter.
    fn skip_items(&mut self, depth: u32) -> Result<(), ImagingError> {
        loop {
            let item = self.header()?;
            match item.tag {
                (0xFFFE, 0xE0DD) => return Ok(()),
                (0xFFFE, 0xE000) if item.len != UNDEFINED => {
                    self.value(&item)?;
                }
                (0xFFFE, 0xE000) => loop {
                    let inner = self.header()?;
                    if inner.tag == (0xFFFE, 0xE00D) {
                        break;
                    }
                    self.skip(&inner, depth + 1)?;
                },
                (g, el) => {
                    return Err(corrupt(format!(
                        "a sequence holds element ({g:04X},{el:04X}) where an item belongs"
                    )))
                }
            }
        }
    }
}

/// What the header says about the pixels.
#[derive(Default)]
struct PixelModule {
    rows: Option<u16>,
    columns: Option<u16>,
    samples: Option<u16>,
    photometric: Option<String>,
    bits_allocated: Option<u16>,
    bits_stored: Option<u16>,
    high_bit: Option<u16>,
    signed: Option<u16>,
    frames: Option<String>,
    /// Offset and length of the pixel data.
    pixels: Option<(usize, usize)>,
    /// Whether the pixel data is OW (16-bit words), which in big endian
    /// holds 8-bit samples swapped in pairs.
    pixels_ow: bool,
}

/// A checked header: every value the pixels are read with.
struct Layout {
    width: u32,
    height: u32,
    bits_allocated: u8,
    bits_stored: u8,
    signed: bool,
    monochrome1: bool,
    big: bool,
    pixels: (usize, usize),
    /// 8-bit samples in big-endian 16-bit words: each pair swapped.
    swapped_bytes: bool,
}

/// Up to 64 characters of a text value, for an error message.
fn shown(value: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(value)
        .trim_end_matches(['\0', ' '])
        .chars()
        .take(64)
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .collect();
    format!("{text:?}")
}

fn transfer_syntax(uid: &[u8]) -> Result<Syntax, ImagingError> {
    let trimmed = String::from_utf8_lossy(uid);
    match trimmed.trim_end_matches(['\0', ' ']) {
        "1.2.840.10008.1.2" => Ok(Syntax::ImplicitLittle),
        "1.2.840.10008.1.2.1" => Ok(Syntax::ExplicitLittle),
        "1.2.840.10008.1.2.2" => Ok(Syntax::ExplicitBig),
        "1.2.840.10008.1.2.1.99" => Err(ImagingError::Unsupported(
            "DICONDE with deflated data sets; export it uncompressed".into(),
        )),
        "1.2.840.10008.1.2.5" => Err(ImagingError::Unsupported(
            "DICONDE with RLE-compressed pixels; export it uncompressed".into(),
        )),
        other if other.starts_with("1.2.840.10008.1.2.4.") => Err(ImagingError::Unsupported(
            format!(
                "DICONDE with JPEG-family compressed pixels (transfer syntax {}); export it uncompressed",
                shown(other.as_bytes())
            ),
        )),
        _ => Err(ImagingError::Unsupported(format!(
            "DICONDE transfer syntax {}",
            shown(uid)
        ))),
    }
}

fn us(value: &[u8], big: bool) -> Result<u16, ImagingError> {
    match value {
        [a, b, ..] if big => Ok(u16::from_be_bytes([*a, *b])),
        [a, b, ..] => Ok(u16::from_le_bytes([*a, *b])),
        _ => Err(corrupt("a US value shorter than two bytes")),
    }
}

fn text(value: &[u8]) -> String {
    String::from_utf8_lossy(value)
        .trim_matches(['\0', ' '])
        .to_string()
}

/// Reads the file meta group and the data set up to the pixel data.
fn read_header(bytes: &[u8]) -> Result<(PixelModule, Syntax), ImagingError> {
    if !is_part10(bytes) {
        return Err(ImagingError::UnknownFormat);
    }
    let mut meta = Reader {
        bytes,
        pos: PREAMBLE + 4,
        syntax: Syntax::ExplicitLittle,
    };
    let mut syntax = None;
    while meta.peek_group() == Some(0x0002) {
        let e = meta.header()?;
        if e.len == UNDEFINED {
            return Err(corrupt("a file meta element of undefined length"));
        }
        let value = meta.value(&e)?;
        if e.tag == (0x0002, 0x0010) {
            syntax = Some(transfer_syntax(value)?);
        }
    }
    let syntax = syntax.ok_or_else(|| corrupt("the file meta group names no transfer syntax"))?;
    let mut data = Reader {
        bytes,
        pos: meta.pos,
        syntax,
    };
    let mut module = PixelModule::default();
    let big = syntax.big();
    while !data.at_end() {
        let e = data.header()?;
        match e.tag {
            (0x7FE0, 0x0010) => {
                if e.len == UNDEFINED {
                    return Err(ImagingError::Unsupported(
                        "DICONDE with encapsulated (compressed) pixel data".into(),
                    ));
                }
                let value = data.value(&e)?;
                module.pixels = Some((e.value, value.len()));
                // Implicit VR leaves it to Bits Allocated: OW above 8.
                module.pixels_ow = e.vr.is_none_or(|vr| &vr == b"OW");
                break;
            }
            (0x0028, element) if e.len != UNDEFINED && e.vr.is_none_or(|vr| &vr != b"SQ") => {
                let value = data.value(&e)?;
                match element {
                    0x0002 => module.samples = Some(us(value, big)?),
                    0x0004 => module.photometric = Some(text(value)),
                    0x0008 => module.frames = Some(text(value)),
                    0x0010 => module.rows = Some(us(value, big)?),
                    0x0011 => module.columns = Some(us(value, big)?),
                    0x0100 => module.bits_allocated = Some(us(value, big)?),
                    0x0101 => module.bits_stored = Some(us(value, big)?),
                    0x0102 => module.high_bit = Some(us(value, big)?),
                    0x0103 => module.signed = Some(us(value, big)?),
                    _ => {}
                }
            }
            _ => data.skip(&e, 0)?,
        }
    }
    Ok((module, syntax))
}

fn layout(module: PixelModule, syntax: Syntax) -> Result<Layout, ImagingError> {
    let missing = |what: &str| corrupt(format!("no {what} element"));
    let height = module.rows.ok_or_else(|| missing("Rows"))?;
    let width = module.columns.ok_or_else(|| missing("Columns"))?;
    let samples = module.samples.unwrap_or(1);
    if samples != 1 {
        return Err(ImagingError::Unsupported(format!(
            "DICONDE with {samples} samples per pixel (greyscale scans have one)"
        )));
    }
    let photometric = module.photometric.unwrap_or_else(|| "MONOCHROME2".into());
    let monochrome1 = match photometric.as_str() {
        "MONOCHROME2" => false,
        "MONOCHROME1" => true,
        other => {
            return Err(ImagingError::Unsupported(format!(
                "DICONDE photometric interpretation {} (greyscale scans are MONOCHROME1 or MONOCHROME2)",
                shown(other.as_bytes())
            )))
        }
    };
    let bits_allocated = module
        .bits_allocated
        .ok_or_else(|| missing("Bits Allocated"))?;
    if !matches!(bits_allocated, 8 | 16) {
        return Err(ImagingError::Unsupported(format!(
            "DICONDE with {bits_allocated} bits allocated per sample (8 or 16 are read)"
        )));
    }
    let bits_stored = module.bits_stored.unwrap_or(bits_allocated);
    if bits_stored == 0 || bits_stored > bits_allocated {
        return Err(corrupt(format!(
            "{bits_stored} bits stored in {bits_allocated} allocated"
        )));
    }
    let high_bit = module.high_bit.unwrap_or(bits_stored - 1);
    if high_bit != bits_stored - 1 {
        return Err(ImagingError::Unsupported(format!(
            "DICONDE samples whose high bit ({high_bit}) is not bit {} (bits stored − 1)",
            bits_stored - 1
        )));
    }
    let signed = match module.signed.unwrap_or(0) {
        0 => false,
        1 => true,
        other => return Err(corrupt(format!("pixel representation {other}"))),
    };
    if let Some(frames) = module.frames {
        match frames.parse::<u64>() {
            _ if frames.is_empty() => {}
            Ok(1) => {}
            Ok(n) => {
                return Err(ImagingError::Unsupported(format!(
                    "a DICONDE file of {n} frames; export each energy as a file of its own"
                )))
            }
            Err(_) => {
                return Err(corrupt(format!(
                    "Number of Frames {} is not a number",
                    shown(frames.as_bytes())
                )))
            }
        }
    }
    let pixels = module.pixels.ok_or_else(|| missing("Pixel Data"))?;
    Ok(Layout {
        width: u32::from(width),
        height: u32::from(height),
        // Both checked to be 8 or 16 and at most that above.
        bits_allocated: u8::try_from(bits_allocated).unwrap_or(16),
        bits_stored: u8::try_from(bits_stored).unwrap_or(16),
        signed,
        monochrome1,
        big: syntax.big(),
        pixels,
        swapped_bytes: syntax.big() && bits_allocated == 8 && module.pixels_ow,
    })
}

fn summary(layout: &Layout) -> ImageSummary {
    ImageSummary {
        width: layout.width,
        height: layout.height,
        bits: layout.bits_allocated,
        channels: 1,
        format: Format::Diconde,
    }
}

pub(crate) fn probe_diconde(bytes: &[u8]) -> Result<ImageSummary, ImagingError> {
    let (module, syntax) = read_header(bytes)?;
    Ok(summary(&layout(module, syntax)?))
}

pub(crate) fn decode_diconde(bytes: &[u8], limits: &DecodeLimits) -> Result<Image, ImagingError> {
    let (module, syntax) = read_header(bytes)?;
    let layout = layout(module, syntax)?;
    let (width, height) = (u64::from(layout.width), u64::from(layout.height));
    limits.check_dimensions(width, height)?;
    limits.check_decoded_bytes(width, height, 2)?;
    let sample_bytes = if layout.bits_allocated == 16 { 2 } else { 1 };
    let needed = width * height * sample_bytes;
    let (offset, len) = layout.pixels;
    if (len as u64) < needed {
        return Err(corrupt(format!(
            "the pixel data holds {len} bytes; {width}×{height} at {} bits needs {needed}",
            layout.bits_allocated
        )));
    }
    // `needed` ≤ `len`, which is a slice length: it fits a usize.
    let data = &bytes[offset..offset + needed as usize];
    let mask = if layout.bits_stored == 16 {
        u16::MAX
    } else {
        (1u16 << layout.bits_stored) - 1
    };
    let half = 1u16 << (layout.bits_stored - 1);
    let sign_bit = half;
    let convert = |raw: u16| {
        let mut v = raw & mask;
        if layout.signed {
            // Two's complement in `bits_stored` bits, moved up by half the
            // range: the most negative value becomes 0.
            v = (v ^ sign_bit) & mask;
        }
        if layout.monochrome1 {
            v = mask - v;
        }
        v
    };
    let pixels: Vec<u16> = if sample_bytes == 2 {
        data.chunks_exact(2)
            .map(|p| {
                convert(if layout.big {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                })
            })
            .collect()
    } else if layout.swapped_bytes {
        // Each big-endian word holds its second sample first; the last
        // word may end in the element's padding byte.
        let element = &bytes[offset..offset + len];
        (0..data.len())
            .map(|i| convert(u16::from(element.get(i ^ 1).copied().unwrap_or(0))))
            .collect()
    } else {
        data.iter().map(|&b| convert(u16::from(b))).collect()
    };
    Ok(Image {
        width: layout.width,
        height: layout.height,
        bits: layout.bits_allocated,
        channels: 1,
        format: Format::Diconde,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
    const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
    const EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";

    /// Builds a Part 10 file element by element, in the data set's syntax.
    struct Body {
        syntax: Syntax,
        out: Vec<u8>,
    }

    impl Body {
        fn u16(&mut self, v: u16) {
            let b = if self.syntax.big() {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.out.extend_from_slice(&b);
        }
        fn u32(&mut self, v: u32) {
            let b = if self.syntax.big() {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.out.extend_from_slice(&b);
        }
        /// An element's header with length `len` (`UNDEFINED` allowed).
        fn head(&mut self, group: u16, elem: u16, vr: &[u8; 2], len: u32) {
            self.u16(group);
            self.u16(elem);
            if group == 0xFFFE || !self.syntax.explicit() {
                self.u32(len);
            } else if long_length(*vr) {
                self.out.extend_from_slice(vr);
                self.out.extend_from_slice(&[0, 0]);
                self.u32(len);
            } else {
                self.out.extend_from_slice(vr);
                self.u16(len as u16);
            }
        }
        fn el(&mut self, group: u16, elem: u16, vr: &[u8; 2], value: &[u8]) {
            self.head(group, elem, vr, value.len() as u32);
            self.out.extend_from_slice(value);
        }
        fn us(&mut self, elem: u16, v: u16) {
            let b = if self.syntax.big() {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.el(0x0028, elem, b"US", &b);
        }
        /// The image pixel module for a `width` × `height` greyscale image.
        fn pixel_module(&mut self, width: u16, height: u16, bits: u16, photometric: &str) {
            self.us(0x0002, 1);
            self.el(0x0028, 0x0004, b"CS", photometric.as_bytes());
            self.us(0x0010, height);
            self.us(0x0011, width);
            self.us(0x0100, bits);
        }
        fn pixels16(&mut self, values: &[u16]) {
            self.head(0x7FE0, 0x0010, b"OW", (values.len() * 2) as u32);
            for &v in values {
                self.u16(v);
            }
        }
    }

    fn file(uid: &str, build: impl FnOnce(&mut Body)) -> Vec<u8> {
        let syntax = transfer_syntax(uid.as_bytes()).unwrap_or(Syntax::ExplicitLittle);
        let mut out = vec![0u8; PREAMBLE];
        out.extend_from_slice(b"DICM");
        let mut meta = Body {
            syntax: Syntax::ExplicitLittle,
            out,
        };
        let mut uid = uid.as_bytes().to_vec();
        if uid.len() % 2 == 1 {
            uid.push(0);
        }
        meta.el(0x0002, 0x0001, b"OB", &[0, 1]);
        meta.el(0x0002, 0x0010, b"UI", &uid);
        let mut body = Body {
            syntax,
            out: meta.out,
        };
        build(&mut body);
        body.out
    }

    fn ramp(n: usize) -> Vec<u16> {
        (0..n).map(|i| (i as u16).wrapping_mul(4099)).collect()
    }

    fn simple(uid: &str, values: &[u16], width: u16, height: u16) -> Vec<u8> {
        file(uid, |b| {
            b.el(0x0008, 0x0060, b"CS", b"DX");
            b.pixel_module(width, height, 16, "MONOCHROME2 ");
            b.pixels16(values);
        })
    }

    #[test]
    fn every_uncompressed_syntax_gives_the_stored_values() {
        let values = ramp(12);
        for uid in [EXPLICIT_LE, IMPLICIT_LE, EXPLICIT_BE] {
            let bytes = simple(uid, &values, 4, 3);
            let image = crate::decode(&bytes).unwrap_or_else(|e| panic!("{uid}: {e}"));
            assert_eq!((image.width, image.height, image.bits), (4, 3, 16), "{uid}");
            assert_eq!(image.format, Format::Diconde);
            assert_eq!(image.pixels, values, "{uid}");
            let summary = crate::probe(&bytes).expect("probe");
            assert_eq!((summary.width, summary.height, summary.channels), (4, 3, 1));
        }
    }

    #[test]
    fn sequences_of_undefined_length_are_stepped_over() {
        let values = ramp(6);
        for uid in [EXPLICIT_LE, IMPLICIT_LE] {
            let bytes = file(uid, |b| {
                // A sequence (undefined length) with an item of undefined
                // length holding a nested sequence of defined-length items.
                b.head(0x0008, 0x1115, b"SQ", UNDEFINED);
                b.head(0xFFFE, 0xE000, b"  ", UNDEFINED);
                b.el(0x0008, 0x1150, b"UI", b"1.2.3\0");
                b.head(0x0008, 0x1140, b"SQ", UNDEFINED);
                b.head(0xFFFE, 0xE000, b"  ", 0);
                b.head(0xFFFE, 0xE0DD, b"  ", 0);
                // Rows inside an item must not be taken for the image's.
                b.us(0x0010, 9999);
                b.head(0xFFFE, 0xE00D, b"  ", 0);
                b.head(0xFFFE, 0xE0DD, b"  ", 0);
                b.pixel_module(3, 2, 16, "MONOCHROME2 ");
                b.pixels16(&values);
            });
            let image = crate::decode(&bytes).unwrap_or_else(|e| panic!("{uid}: {e}"));
            assert_eq!((image.width, image.height), (3, 2), "{uid}");
            assert_eq!(image.pixels, values, "{uid}");
        }
    }

    #[test]
    fn an_unknown_element_of_undefined_length_holds_implicit_items() {
        // A private sequence passed on as UN: its items are implicit VR
        // little endian even in an explicit (or big-endian) file.
        for uid in [EXPLICIT_LE, EXPLICIT_BE] {
            let bytes = file(uid, |b| {
                b.head(0x0009, 0x1010, b"UN", UNDEFINED);
                let syntax = b.syntax;
                b.syntax = Syntax::ImplicitLittle;
                b.head(0xFFFE, 0xE000, b"  ", UNDEFINED);
                b.el(0x0009, 0x1011, b"  ", b"ABCD");
                b.head(0xFFFE, 0xE00D, b"  ", 0);
                b.head(0xFFFE, 0xE0DD, b"  ", 0);
                b.syntax = syntax;
                b.pixel_module(2, 1, 16, "MONOCHROME2 ");
                b.pixels16(&[5, 6]);
            });
            let image = crate::decode(&bytes).unwrap_or_else(|e| panic!("{uid}: {e}"));
            assert_eq!(image.pixels, vec![5, 6], "{uid}");
        }
    }

    #[test]
    fn eight_bit_samples_in_big_endian_words_are_unswapped() {
        // Samples 1, 2, 3 in OW words, big endian: [2, 1], [pad, 3].
        let bytes = file(EXPLICIT_BE, |b| {
            b.pixel_module(3, 1, 8, "MONOCHROME2 ");
            b.el(0x7FE0, 0x0010, b"OW", &[2, 1, 0, 3]);
        });
        assert_eq!(crate::decode(&bytes).expect("OW").pixels, vec![1, 2, 3]);
        // As OB they are bytes in order, whatever the syntax.
        let bytes = file(EXPLICIT_BE, |b| {
            b.pixel_module(3, 1, 8, "MONOCHROME2 ");
            b.el(0x7FE0, 0x0010, b"OB", &[1, 2, 3, 0]);
        });
        assert_eq!(crate::decode(&bytes).expect("OB").pixels, vec![1, 2, 3]);
    }

    #[test]
    fn monochrome1_is_flipped_within_the_bits_stored() {
        let bytes = file(EXPLICIT_LE, |b| {
            b.pixel_module(3, 1, 16, "MONOCHROME1 ");
            b.us(0x0101, 12);
            b.us(0x0102, 11);
            // Bits above the 12 stored (an old overlay) are not values.
            b.pixels16(&[0, 4095, 0xF000 | 1000]);
        });
        let image = crate::decode(&bytes).expect("decode");
        assert_eq!(image.pixels, vec![4095, 0, 3095]);
    }

    #[test]
    fn signed_values_keep_their_order() {
        let stored: Vec<u16> = [-32768i16, -1, 0, 1, 32767]
            .iter()
            .map(|v| *v as u16)
            .collect();
        let bytes = file(EXPLICIT_LE, |b| {
            b.pixel_module(5, 1, 16, "MONOCHROME2 ");
            b.us(0x0103, 1);
            b.pixels16(&stored);
        });
        let image = crate::decode(&bytes).expect("decode");
        assert_eq!(image.pixels, vec![0, 32767, 32768, 32769, 65535]);
        // Twelve bits stored, sign-extended in sixteen.
        let stored: Vec<u16> = [-2048i16, -1, 0, 2047].iter().map(|v| *v as u16).collect();
        let bytes = file(EXPLICIT_LE, |b| {
            b.pixel_module(4, 1, 16, "MONOCHROME2 ");
            b.us(0x0101, 12);
            b.us(0x0103, 1);
            b.pixels16(&stored);
        });
        let image = crate::decode(&bytes).expect("decode");
        assert_eq!(image.pixels, vec![0, 2047, 2048, 4095]);
    }

    #[test]
    fn eight_bit_samples_are_read_as_bytes() {
        let bytes = file(EXPLICIT_LE, |b| {
            b.pixel_module(3, 1, 8, "MONOCHROME2 ");
            b.el(0x7FE0, 0x0010, b"OB", &[7, 200, 255, 0]);
        });
        let image = crate::decode(&bytes).expect("decode");
        assert_eq!((image.bits, image.pixels.clone()), (8, vec![7, 200, 255]));
    }

    #[test]
    fn compressed_and_unusual_files_are_refused_by_name() {
        let refused = |bytes: Vec<u8>| crate::decode(&bytes).expect_err("refused").to_string();
        let jpeg = refused(simple("1.2.840.10008.1.2.4.90", &ramp(4), 2, 2));
        assert!(
            jpeg.contains("JPEG") && jpeg.contains("1.2.840.10008.1.2.4.90"),
            "{jpeg}"
        );
        let rle = refused(simple("1.2.840.10008.1.2.5", &ramp(4), 2, 2));
        assert!(rle.contains("RLE"), "{rle}");
        let encapsulated = refused(file(EXPLICIT_LE, |b| {
            b.pixel_module(2, 2, 16, "MONOCHROME2 ");
            b.head(0x7FE0, 0x0010, b"OB", UNDEFINED);
        }));
        assert!(encapsulated.contains("encapsulated"), "{encapsulated}");
        let colour = refused(file(EXPLICIT_LE, |b| {
            b.us(0x0002, 3);
            b.el(0x0028, 0x0004, b"CS", b"RGB ");
            b.us(0x0010, 2);
            b.us(0x0011, 2);
            b.us(0x0100, 16);
            b.pixels16(&ramp(12));
        }));
        assert!(colour.contains("3 samples per pixel"), "{colour}");
        let frames = refused(file(EXPLICIT_LE, |b| {
            b.pixel_module(2, 2, 16, "MONOCHROME2 ");
            b.el(0x0028, 0x0008, b"IS", b"2 ");
            b.pixels16(&ramp(8));
        }));
        assert!(frames.contains("2 frames"), "{frames}");
        let palette = refused(file(EXPLICIT_LE, |b| {
            b.pixel_module(2, 2, 16, "PALETTE COLOR ");
            b.pixels16(&ramp(4));
        }));
        assert!(palette.contains("PALETTE COLOR"), "{palette}");
        let unknown = refused(simple("1.2.3.4.5", &ramp(4), 2, 2));
        assert!(
            unknown.contains("transfer syntax \"1.2.3.4.5\""),
            "{unknown}"
        );
    }

    #[test]
    fn a_long_transfer_syntax_is_quoted_short() {
        let uid = format!("1.2.840.10008.1.2.4.{}", "9".repeat(100_000));
        let mut bytes = vec![0u8; PREAMBLE];
        bytes.extend_from_slice(b"DICM");
        // Explicit VR with a two-byte length cannot hold 100 kB: use UN.
        let mut meta = Body {
            syntax: Syntax::ExplicitLittle,
            out: bytes,
        };
        meta.el(0x0002, 0x0010, b"UN", uid.as_bytes());
        let err = crate::decode(&meta.out).expect_err("refused").to_string();
        assert!(err.len() < 300, "{} bytes: {}", err.len(), &err[..300]);
    }

    #[test]
    fn short_or_missing_pixels_are_errors_not_panics() {
        let short = file(EXPLICIT_LE, |b| {
            b.pixel_module(4, 4, 16, "MONOCHROME2 ");
            b.pixels16(&ramp(15));
        });
        let err = crate::decode(&short).expect_err("short").to_string();
        assert!(
            err.contains("holds 30 bytes") && err.contains("needs 32"),
            "{err}"
        );
        let mut cut = simple(EXPLICIT_LE, &ramp(16), 4, 4);
        cut.truncate(cut.len() - 1);
        assert!(matches!(crate::decode(&cut), Err(ImagingError::Truncated)));
        let none = file(EXPLICIT_LE, |b| b.pixel_module(4, 4, 16, "MONOCHROME2 "));
        let err = crate::decode(&none).expect_err("no pixels").to_string();
        assert!(err.contains("no Pixel Data"), "{err}");
        let no_syntax = {
            let mut b = vec![0u8; PREAMBLE];
            b.extend_from_slice(b"DICM");
            b
        };
        let err = crate::decode(&no_syntax)
            .expect_err("no syntax")
            .to_string();
        assert!(err.contains("no transfer syntax"), "{err}");
    }

    #[test]
    fn a_huge_header_is_refused_before_anything_is_reserved() {
        // 65,535 × 65,535 claimed over 8 bytes of data.
        let bytes = file(EXPLICIT_LE, |b| {
            b.pixel_module(65_535, 65_535, 16, "MONOCHROME2 ");
            b.pixels16(&ramp(4));
        });
        assert!(matches!(
            crate::decode(&bytes),
            Err(ImagingError::TooLarge { .. })
        ));
        // The header alone still says what it claims.
        assert_eq!(crate::probe(&bytes).expect("probe").width, 65_535);
    }

    #[test]
    fn deep_nesting_is_refused_without_exhausting_the_stack() {
        let bytes = file(EXPLICIT_LE, |b| {
            for _ in 0..100_000 {
                b.head(0x0008, 0x1115, b"SQ", UNDEFINED);
                b.head(0xFFFE, 0xE000, b"  ", UNDEFINED);
            }
        });
        let err = crate::decode(&bytes).expect_err("deep").to_string();
        assert!(err.contains("nested more than 16 deep"), "{err}");
    }

    #[test]
    fn a_preamble_that_looks_like_a_tiff_is_still_diconde() {
        let mut bytes = simple(EXPLICIT_LE, &ramp(4), 2, 2);
        bytes[..4].copy_from_slice(b"II*\0");
        assert_eq!(
            crate::decode::sniff_format(&bytes).ok(),
            Some(Format::Diconde)
        );
        assert_eq!(crate::decode(&bytes).expect("decode").pixels, ramp(4));
    }

    proptest! {
        #[test]
        fn any_cut_or_flipped_byte_is_an_answer_not_a_panic(
            cut in 0usize..400,
            flip in 0usize..400,
            value in any::<u8>(),
            uid in prop::sample::select(vec![EXPLICIT_LE, IMPLICIT_LE, EXPLICIT_BE]),
        ) {
            let mut bytes = file(uid, |b| {
                b.head(0x0008, 0x1115, b"SQ", UNDEFINED);
                b.head(0xFFFE, 0xE000, b"  ", UNDEFINED);
                b.el(0x0008, 0x1150, b"UI", b"1.2.3\0");
                b.head(0xFFFE, 0xE00D, b"  ", 0);
                b.head(0xFFFE, 0xE0DD, b"  ", 0);
                b.pixel_module(5, 5, 16, "MONOCHROME2 ");
                b.pixels16(&ramp(25));
            });
            if flip < bytes.len() {
                bytes[flip] = value;
            }
            bytes.truncate(bytes.len().saturating_sub(cut));
            let _ = crate::probe(&bytes);
            if let Ok(image) = crate::decode(&bytes) {
                prop_assert_eq!(
                    image.pixels.len() as u64,
                    u64::from(image.width) * u64::from(image.height)
                );
            }
        }
    }
}
