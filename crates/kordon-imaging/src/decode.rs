//! Decoding scanner images (TIFF, PNG, JPEG, DICONDE) into raw greyscale
//! values.
//!
//! Scanner output is greyscale transmitted intensity, 16-bit (often only
//! 12 or 14 bits used) or 8-bit. Values are kept as stored, never rescaled:
//! the renderer windows them later. Colour files (figures, screenshots,
//! exports from other viewers) are accepted by converting to luminance
//! (Rec. 709 weights); the source channel count is reported so the caller
//! can tell the crew it was not raw scanner data.
//!
//! Every size is checked before memory is reserved: dimensions against
//! [`DecodeLimits`], and the declared data size against the number of bytes
//! actually present, so a forged header cannot make us allocate gigabytes.

use std::fmt;

use crate::error::ImagingError;
use crate::raw_input::RawLayout;
use crate::{diconde_input, png_jpeg_input, raw_input, tiff_input};

/// The container format of a decoded file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// TIFF (classic or BigTIFF, either byte order).
    Tiff,
    /// PNG.
    Png,
    /// Baseline or progressive JPEG.
    Jpeg,
    /// DICONDE (ASTM E2339): a DICOM Part 10 file with one uncompressed
    /// greyscale frame.
    Diconde,
    /// Headerless little-endian samples, their geometry from an ENVI
    /// header beside them or from the scan's record (never sniffed).
    Raw,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Tiff => "TIFF",
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
            Format::Diconde => "DICONDE",
            Format::Raw => "RAW",
        })
    }
}

/// A decoded greyscale image with its raw stored values.
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bits per sample as stored: 8 or 16 (values of 8-bit files are 0..=255).
    pub bits: u8,
    /// Channels in the source file (1 for greyscale; 3 or 4 for colour, which
    /// was converted to luminance).
    pub channels: u8,
    /// The format the file was in.
    pub format: Format,
    /// Raw values, row-major, `width * height` of them.
    pub pixels: Vec<u16>,
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Image")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bits", &self.bits)
            .field("channels", &self.channels)
            .field("format", &self.format)
            .field("pixels", &format_args!("[{} values]", self.pixels.len()))
            .finish()
    }
}

impl Image {
    /// Checks that the pixel buffer matches the dimensions (and that no
    /// side passes 65,536 pixels). How many pixels in all an image may have
    /// was decided when it was decoded ([`DecodeLimits`]), so a limit
    /// raised for a larger scanner holds here too.
    pub fn validate(&self) -> Result<(), ImagingError> {
        DecodeLimits::with_max_pixels(u64::MAX)
            .check_dimensions(u64::from(self.width), u64::from(self.height))?;
        let expected = u64::from(self.width) * u64::from(self.height);
        if self.pixels.len() as u64 != expected {
            return Err(ImagingError::PixelCount {
                width: self.width,
                height: self.height,
                expected,
                actual: self.pixels.len() as u64,
            });
        }
        Ok(())
    }
}

/// What [`probe`] learns from a file's header without decoding its pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageSummary {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bits per sample as stored.
    pub bits: u8,
    /// Channels in the source.
    pub channels: u8,
    /// Container format.
    pub format: Format,
}

/// Most pixels a scan image may have unless configured otherwise: 2^27,
/// about 134 million (16,384 × 8,192; a 20 m truck at 2 mm per pixel,
/// 4,000 pixels high, is 20 million), 256 MB once decoded at 16 bits. A
/// file that claims more, such as a small PNG of 46,000 × 46,000 black
/// pixels, is refused from its header, before any pixel memory is reserved.
pub const MAX_SCAN_PIXELS: u64 = 1 << 27;

/// The environment variable that sets another pixel limit for scans (a
/// scanner whose images are larger), read by [`DecodeLimits::for_scans`].
pub const MAX_SCAN_PIXELS_ENV: &str = "KORDON_MAX_SCAN_PIXELS";

/// Bounds checked before any pixel memory is reserved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest accepted width or height.
    pub max_dimension: u32,
    /// Largest accepted width × height.
    pub max_pixels: u64,
    /// Largest buffer a decoder may allocate for the decoded samples
    /// (all channels, before conversion to luminance).
    pub max_decoded_bytes: u64,
}

impl Default for DecodeLimits {
    /// Limits fit for real scanners: [`MAX_SCAN_PIXELS`].
    fn default() -> Self {
        DecodeLimits::with_max_pixels(MAX_SCAN_PIXELS)
    }
}

impl DecodeLimits {
    /// At most `max_pixels` pixels (and 65,536 per side), and as many
    /// bytes decoded as that many 16-bit RGBA pixels take.
    pub fn with_max_pixels(max_pixels: u64) -> Self {
        DecodeLimits {
            max_dimension: 1 << 16,
            max_pixels,
            max_decoded_bytes: max_pixels.saturating_mul(8),
        }
    }

    /// The limits for scans: [`MAX_SCAN_PIXELS`], or the number of pixels
    /// in [`MAX_SCAN_PIXELS_ENV`] when it is set.
    pub fn for_scans() -> Result<Self, String> {
        match std::env::var(MAX_SCAN_PIXELS_ENV) {
            Err(_) => Ok(DecodeLimits::default()),
            Ok(v) => match v.trim().replace('_', "").parse::<u64>() {
                Ok(n) if n > 0 => Ok(DecodeLimits::with_max_pixels(n)),
                _ => Err(format!(
                    "{MAX_SCAN_PIXELS_ENV}={v:?} is not a number of pixels (say 200000000)"
                )),
            },
        }
    }

    pub(crate) fn check_dimensions(&self, width: u64, height: u64) -> Result<(), ImagingError> {
        if width == 0 || height == 0 {
            return Err(ImagingError::NoPixels { width, height });
        }
        let too_large = |limit: String| ImagingError::TooLarge {
            width,
            height,
            limit,
        };
        let max_dimension = u64::from(self.max_dimension);
        if width > max_dimension || height > max_dimension {
            return Err(too_large(format!(
                "at most {max_dimension} pixels per side"
            )));
        }
        if width * height > self.max_pixels {
            return Err(too_large(format!(
                "at most {} pixels in all; {MAX_SCAN_PIXELS_ENV} sets another limit",
                self.max_pixels
            )));
        }
        Ok(())
    }

    /// Checks the decoded buffer size (`pixels * bytes_per_pixel`).
    pub(crate) fn check_decoded_bytes(
        &self,
        width: u64,
        height: u64,
        bytes_per_pixel: u64,
    ) -> Result<(), ImagingError> {
        let bytes = width * height * bytes_per_pixel;
        if bytes > self.max_decoded_bytes {
            return Err(ImagingError::TooLarge {
                width,
                height,
                limit: format!(
                    "{bytes} bytes once decoded, at most {} allowed",
                    self.max_decoded_bytes
                ),
            });
        }
        Ok(())
    }
}

/// Recognises the format from the first bytes (for DICONDE, from `DICM`
/// after its 128-byte preamble, which may itself look like a TIFF header:
/// a file that is both is read as DICONDE).
pub fn sniff_format(bytes: &[u8]) -> Result<Format, ImagingError> {
    if diconde_input::is_part10(bytes) {
        return Ok(Format::Diconde);
    }
    match bytes {
        [] => Err(ImagingError::Empty),
        [b'I', b'I', 42 | 43, 0, ..] | [b'M', b'M', 0, 42 | 43, ..] => Ok(Format::Tiff),
        [0x89, b'P', b'N', b'G', ..] => Ok(Format::Png),
        [0xFF, 0xD8, 0xFF, ..] => Ok(Format::Jpeg),
        _ if bytes.len() < 4 => Err(ImagingError::Truncated),
        _ => Err(ImagingError::UnknownFormat),
    }
}

/// Decodes a TIFF, PNG, JPEG or DICONDE file into raw greyscale values,
/// with the default [`DecodeLimits`].
pub fn decode(bytes: &[u8]) -> Result<Image, ImagingError> {
    decode_with_limits(bytes, &DecodeLimits::default())
}

/// Decodes a TIFF, PNG, JPEG or DICONDE file into raw greyscale values.
pub fn decode_with_limits(bytes: &[u8], limits: &DecodeLimits) -> Result<Image, ImagingError> {
    decode_as(sniff_format(bytes)?, bytes, limits)
}

/// Decodes `bytes` with the reader of `format` (a raw file needs its
/// geometry: [`decode_raw`]).
fn decode_as(format: Format, bytes: &[u8], limits: &DecodeLimits) -> Result<Image, ImagingError> {
    match format {
        Format::Tiff => tiff_input::decode_tiff(bytes, limits),
        Format::Diconde => diconde_input::decode_diconde(bytes, limits),
        Format::Raw => Err(ImagingError::UnknownFormat),
        Format::Png | Format::Jpeg => png_jpeg_input::decode_png_jpeg(bytes, format, limits),
    }
}

/// Decodes a raw file (headerless little-endian samples) with the
/// geometry its ENVI header gives ([`crate::parse_envi_header`]).
pub fn decode_raw(
    bytes: &[u8],
    layout: &RawLayout,
    limits: &DecodeLimits,
) -> Result<Image, ImagingError> {
    raw_input::decode_raw(bytes, layout, limits)
}

/// What a scan's signed record says of one of its images.
#[derive(Clone, Copy, Debug)]
pub struct Recorded<'a> {
    /// `tiff`, `png`, `jpeg`, `diconde` or `raw`.
    pub format: &'a str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bits per sample as stored.
    pub bits: u8,
}

/// Decodes a stored image as its record describes it: with the decoder of
/// the recorded format (a file that is both a DICONDE and a TIFF file,
/// recorded as `tiff`, is read as a TIFF), a raw file with the record's
/// geometry; the size found must be the recorded one.
pub fn decode_recorded(
    bytes: &[u8],
    recorded: &Recorded<'_>,
    limits: &DecodeLimits,
) -> Result<Image, ImagingError> {
    let format = match recorded.format {
        "tiff" => Format::Tiff,
        "png" => Format::Png,
        "jpeg" => Format::Jpeg,
        "diconde" => Format::Diconde,
        "raw" => Format::Raw,
        _ => sniff_format(bytes)?,
    };
    let image = if format == Format::Raw {
        let layout = RawLayout {
            width: recorded.width,
            height: recorded.height,
            bits: recorded.bits,
        };
        raw_input::decode_raw(bytes, &layout, limits)?
    } else {
        decode_as(format, bytes, limits)?
    };
    if (image.width, image.height) != (recorded.width, recorded.height) {
        return Err(ImagingError::NotAsRecorded {
            width: image.width,
            height: image.height,
            recorded_width: recorded.width,
            recorded_height: recorded.height,
        });
    }
    Ok(image)
}

/// Reads dimensions, bit depth and channel count from the header only.
pub fn probe(bytes: &[u8]) -> Result<ImageSummary, ImagingError> {
    match sniff_format(bytes)? {
        Format::Tiff => tiff_input::probe_tiff(bytes),
        Format::Diconde => diconde_input::probe_diconde(bytes),
        Format::Raw => Err(ImagingError::UnknownFormat),
        format @ (Format::Png | Format::Jpeg) => png_jpeg_input::probe_png_jpeg(bytes, format),
    }
}

/// Checks that the high- and low-energy images of a dual-energy scan can be
/// used together: both valid and of the same size.
pub fn check_pair(high: &Image, low: &Image) -> Result<(), ImagingError> {
    high.validate()?;
    low.validate()?;
    if (high.width, high.height) != (low.width, low.height) {
        return Err(ImagingError::PairMismatch {
            high_width: high.width,
            high_height: high.height,
            low_width: low.width,
            low_height: low.height,
        });
    }
    Ok(())
}

/// Rec. 709 luminance of interleaved 8-bit samples (alpha ignored).
pub(crate) fn luminance_u8(samples: &[u8], stride: usize) -> Vec<u16> {
    samples
        .chunks_exact(stride)
        .map(|p| luma(u32::from(p[0]), u32::from(p[1]), u32::from(p[2])))
        .collect()
}

/// Rec. 709 luminance of interleaved 16-bit samples (alpha ignored).
pub(crate) fn luminance_u16(samples: &[u16], stride: usize) -> Vec<u16> {
    samples
        .chunks_exact(stride)
        .map(|p| luma(u32::from(p[0]), u32::from(p[1]), u32::from(p[2])))
        .collect()
}

fn luma(r: u32, g: u32, b: u32) -> u16 {
    // Weights sum to 10 000, so the result never exceeds the largest input.
    let y = (2126 * u64::from(r) + 7152 * u64::from(g) + 722 * u64::from(b) + 5000) / 10_000;
    u16::try_from(y).unwrap_or(u16::MAX)
}

/// Puts the known dimensions into a size error raised without them.
pub(crate) fn with_dims(error: ImagingError, width: u32, height: u32) -> ImagingError {
    match error {
        ImagingError::TooLarge { limit, .. } => ImagingError::TooLarge {
            width: u64::from(width),
            height: u64::from(height),
            limit,
        },
        other => other,
    }
}

/// Decoders report a premature end of data in their own words.
pub(crate) fn looks_truncated(detail: &str) -> bool {
    let lower = detail.to_ascii_lowercase();
    [
        "unexpected end",
        "unexpected eof",
        "end of file",
        "eof",
        "truncated",
        "no more data",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_bytes(width: u32, height: u32, color: image::ExtendedColorType, data: &[u8]) -> Vec<u8> {
        use image::ImageEncoder;
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(data, width, height, color)
            .expect("encode png");
        out
    }

    #[test]
    fn sniffs_formats_and_rejects_garbage() {
        assert_eq!(sniff_format(b"II*\0rest").ok(), Some(Format::Tiff));
        assert_eq!(sniff_format(b"MM\0*rest").ok(), Some(Format::Tiff));
        assert_eq!(sniff_format(b"II+\0rest").ok(), Some(Format::Tiff));
        assert!(matches!(sniff_format(b""), Err(ImagingError::Empty)));
        assert!(matches!(
            sniff_format(b"GIF89a.."),
            Err(ImagingError::UnknownFormat)
        ));
        assert!(matches!(sniff_format(b"II"), Err(ImagingError::Truncated)));
    }

    #[test]
    fn decodes_16_bit_grey_png_raw() {
        let values: Vec<u16> = vec![0, 1000, 4095, 65535, 12345, 7];
        // The encoder takes native-endian samples (PNG itself stores big-endian).
        let native: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
        let png = png_bytes(3, 2, image::ExtendedColorType::L16, &native);
        let image = decode(&png).expect("decode");
        assert_eq!(
            (image.width, image.height, image.bits, image.channels),
            (3, 2, 16, 1)
        );
        assert_eq!(image.format, Format::Png);
        assert_eq!(image.pixels, values);
        let summary = probe(&png).expect("probe");
        assert_eq!((summary.width, summary.height, summary.bits), (3, 2, 16));
    }

    #[test]
    fn a_stored_image_is_read_as_its_record_says() {
        let values: Vec<u16> = vec![0, 1000, 4095, 65535, 12345, 7];
        let native: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
        let png = png_bytes(3, 2, image::ExtendedColorType::L16, &native);
        let recorded = |format, width, height| Recorded {
            format,
            width,
            height,
            bits: 16,
        };
        let limits = DecodeLimits::default();
        let image = decode_recorded(&png, &recorded("png", 3, 2), &limits).expect("as recorded");
        assert_eq!(image.pixels, values);
        // Another size in the record: refused, not shown as something else.
        let err = decode_recorded(&png, &recorded("png", 2, 3), &limits).expect_err("size");
        assert!(
            err.to_string()
                .contains("3×2 pixels, but its record says 2×3"),
            "{err}"
        );
        // The recorded format's decoder reads it, not the sniffed one.
        assert!(matches!(
            decode_recorded(&png, &recorded("tiff", 3, 2), &limits),
            Err(ImagingError::Corrupt {
                format: Format::Tiff,
                ..
            } | ImagingError::Truncated)
        ));
        // Raw samples take the record's geometry.
        let le: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let raw = decode_recorded(&le, &recorded("raw", 2, 3), &limits).expect("raw");
        assert_eq!((raw.width, raw.height, raw.pixels), (2, 3, values));
    }

    #[test]
    fn colour_png_becomes_luminance_and_reports_channels() {
        let rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 90, 90, 90];
        let png = png_bytes(2, 2, image::ExtendedColorType::Rgb8, &rgb);
        let image = decode(&png).expect("decode");
        assert_eq!((image.bits, image.channels), (8, 3));
        // Rec. 709: red 0.2126, green 0.7152, blue 0.0722; grey stays grey.
        assert_eq!(image.pixels, vec![54, 182, 18, 90]);
    }

    #[test]
    fn luminance_of_grey_is_identity_at_the_extremes() {
        assert_eq!(
            luminance_u16(&[65535, 65535, 65535, 0, 0, 0], 3),
            vec![65535, 0]
        );
    }

    #[test]
    fn limits_refuse_large_and_empty_before_decoding() {
        let limits = DecodeLimits::default();
        assert!(matches!(
            limits.check_dimensions(0, 10),
            Err(ImagingError::NoPixels { .. })
        ));
        assert!(matches!(
            limits.check_dimensions((1 << 20) + 1, 1),
            Err(ImagingError::TooLarge { .. })
        ));
        assert!(matches!(
            limits.check_dimensions(1 << 20, 1 << 12),
            Err(ImagingError::TooLarge { .. })
        ));
        assert!(limits.check_dimensions(4096, 8192).is_ok());
        // A decompression bomb's header: refused before any decoding.
        let bomb = limits
            .check_dimensions(46_000, 46_000)
            .expect_err("too many pixels");
        assert!(
            bomb.to_string().contains("at most 134217728 pixels"),
            "{bomb}"
        );
        assert!(
            limits.check_dimensions(25_000, 4_000).is_ok(),
            "a long truck at 2 mm"
        );
        assert!(DecodeLimits::with_max_pixels(1 << 31)
            .check_dimensions(46_000, 46_000)
            .is_ok());
    }

    #[test]
    fn pair_must_match_in_size() {
        let image = |width: u32, height: u32| Image {
            width,
            height,
            bits: 16,
            channels: 1,
            format: Format::Tiff,
            pixels: vec![0; (width * height) as usize],
        };
        assert!(check_pair(&image(4, 3), &image(4, 3)).is_ok());
        let err = check_pair(&image(4, 3), &image(3, 4)).expect_err("mismatch");
        assert!(err.to_string().contains("differ in size"), "{err}");
        let mut broken = image(4, 3);
        broken.pixels.pop();
        assert!(matches!(
            check_pair(&broken, &image(4, 3)),
            Err(ImagingError::PixelCount { .. })
        ));
    }
}
