//! TIFF input through the `tiff` crate, which reads both byte orders,
//! BigTIFF, strips and tiles, and the compressions it implements (LZW,
//! Deflate, PackBits, JPEG-in-TIFF, CCITT fax). Files whose photometric
//! interpretation is "white is zero" come out flipped to "black is zero".
//!
//! Before any pixel buffer is reserved the dimensions are checked against
//! the limits, and so is the declared data size against the file size: an
//! uncompressed file must hold all its bytes, and a compressed one cannot
//! expand by more than [`MAX_COMPRESSION_RATIO`].

use std::io::Cursor;

use tiff::decoder::{Decoder, DecodingResult};
use tiff::tags::{CompressionMethod, PlanarConfiguration, Tag};
use tiff::{ColorType, TiffError};

use crate::decode::{
    looks_truncated, luminance_u16, luminance_u8, with_dims, DecodeLimits, Format, Image,
    ImageSummary,
};
use crate::error::ImagingError;

/// No codec a TIFF may use expands data by more than this (LZW's best case
/// is about 2,700:1 for a constant image).
const MAX_COMPRESSION_RATIO: u64 = 4096;

/// How the samples of one pixel are laid out.
struct Layout {
    /// Samples per pixel in the file.
    samples: u8,
    /// Bits per sample.
    bits: u8,
    /// Colour samples come first and are converted to luminance.
    colour: bool,
}

fn open<'a>(
    bytes: &'a [u8],
    limits: &DecodeLimits,
) -> Result<Decoder<Cursor<&'a [u8]>>, ImagingError> {
    let mut decoder_limits = tiff::decoder::Limits::default();
    decoder_limits.decoding_buffer_size =
        usize::try_from(limits.max_decoded_bytes).unwrap_or(usize::MAX);
    Ok(Decoder::new(Cursor::new(bytes))
        .map_err(tiff_error)?
        .with_limits(decoder_limits))
}

fn layout_of(color: ColorType) -> Result<Layout, ImagingError> {
    let layout = |samples, bits, colour| {
        Ok(Layout {
            samples,
            bits,
            colour,
        })
    };
    match color {
        ColorType::Gray(bits) => layout(1, bits, false),
        ColorType::GrayA(bits) => layout(2, bits, false),
        ColorType::Multiband {
            bit_depth,
            num_samples,
        } => {
            // Grey with extra samples: the first sample is the image.
            let samples = u8::try_from(num_samples).map_err(|_| {
                ImagingError::Unsupported(format!("TIFF with {num_samples} samples per pixel"))
            })?;
            layout(samples, bit_depth, false)
        }
        ColorType::RGB(bits) => layout(3, bits, true),
        ColorType::RGBA(bits) => layout(4, bits, true),
        ColorType::Palette(_) => Err(ImagingError::Unsupported("palette-colour TIFF".into())),
        ColorType::CMYK(_) | ColorType::CMYKA(_) => {
            Err(ImagingError::Unsupported("CMYK TIFF".into()))
        }
        ColorType::YCbCr(_) => Err(ImagingError::Unsupported("YCbCr TIFF".into())),
        ColorType::Lab(_) => Err(ImagingError::Unsupported("CIE Lab TIFF".into())),
        other => Err(ImagingError::Unsupported(format!(
            "TIFF colour type {other:?}"
        ))),
    }
}

/// "unsupported: 32-bit float TIFF" and the like.
fn describe_samples(bits: u8, sample_format: u16) -> String {
    let kind = match sample_format {
        2 => "signed integer",
        3 => "float",
        1 => "integer",
        _ => "unknown-type",
    };
    format!("{bits}-bit {kind} TIFF (only 8- and 16-bit unsigned integer samples are read)")
}

pub(crate) fn probe_tiff(bytes: &[u8]) -> Result<ImageSummary, ImagingError> {
    let mut decoder = open(bytes, &DecodeLimits::default())?;
    let (width, height) = decoder.dimensions().map_err(tiff_error)?;
    let layout = layout_of(decoder.colortype().map_err(tiff_error)?)?;
    Ok(ImageSummary {
        width,
        height,
        bits: layout.bits,
        channels: layout.samples,
        format: Format::Tiff,
    })
}

pub(crate) fn decode_tiff(bytes: &[u8], limits: &DecodeLimits) -> Result<Image, ImagingError> {
    let mut decoder = open(bytes, limits)?;
    let (width, height) = decoder.dimensions().map_err(tiff_error)?;
    let (w, h) = (u64::from(width), u64::from(height));
    limits.check_dimensions(w, h)?;
    let layout = layout_of(decoder.colortype().map_err(tiff_error)?)?;
    let sample_format = decoder
        .find_tag_unsigned_vec::<u16>(Tag::SampleFormat)
        .map_err(tiff_error)?
        .and_then(|formats| formats.first().copied())
        .unwrap_or(1);
    if !matches!(layout.bits, 8 | 16) || sample_format != 1 {
        return Err(ImagingError::Unsupported(describe_samples(
            layout.bits,
            sample_format,
        )));
    }
    if layout.samples > 1 {
        let planar = decoder
            .find_tag_unsigned::<u16>(Tag::PlanarConfiguration)
            .map_err(tiff_error)?
            .unwrap_or(1);
        if planar == PlanarConfiguration::Planar.to_u16() {
            return Err(ImagingError::Unsupported(
                "TIFF with samples in separate planes".into(),
            ));
        }
    }
    let bytes_per_pixel = u64::from(layout.samples) * u64::from(layout.bits / 8);
    limits.check_decoded_bytes(w, h, bytes_per_pixel)?;
    let declared = w * h * bytes_per_pixel;
    let compression = decoder
        .find_tag_unsigned::<u16>(Tag::Compression)
        .map_err(tiff_error)?
        .unwrap_or(1);
    let available = bytes.len() as u64;
    if compression == CompressionMethod::None.to_u16() && declared > available {
        return Err(ImagingError::Truncated);
    }
    if declared > available.saturating_mul(MAX_COMPRESSION_RATIO) {
        return Err(ImagingError::Corrupt {
            format: Format::Tiff,
            detail: format!(
                "it declares {width}×{height} pixels, far more than {available} bytes can hold"
            ),
        });
    }
    let samples = usize::from(layout.samples);
    let decoded = decoder
        .read_image()
        .map_err(|e| with_dims(tiff_error(e), width, height))?;
    let pixels = match decoded {
        DecodingResult::U8(values) if layout.bits == 8 => {
            if layout.colour {
                luminance_u8(&values, samples)
            } else {
                values
                    .iter()
                    .step_by(samples)
                    .map(|&v| u16::from(v))
                    .collect()
            }
        }
        DecodingResult::U16(values) if layout.bits == 16 => {
            if layout.colour {
                luminance_u16(&values, samples)
            } else if samples == 1 {
                values
            } else {
                values.iter().step_by(samples).copied().collect()
            }
        }
        _ => {
            return Err(ImagingError::Unsupported(describe_samples(
                layout.bits,
                sample_format,
            )))
        }
    };
    let image = Image {
        width,
        height,
        bits: layout.bits,
        channels: layout.samples,
        format: Format::Tiff,
        pixels,
    };
    if image.pixels.len() as u64 != w * h {
        return Err(ImagingError::Corrupt {
            format: Format::Tiff,
            detail: format!("it holds {} pixels, not {}", image.pixels.len(), w * h),
        });
    }
    Ok(image)
}

fn tiff_error(error: TiffError) -> ImagingError {
    let corrupt = |detail: String| ImagingError::Corrupt {
        format: Format::Tiff,
        detail,
    };
    match error {
        TiffError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImagingError::Truncated
        }
        TiffError::UnsupportedError(e) => ImagingError::Unsupported(format!("TIFF: {e}")),
        TiffError::LimitsExceeded => ImagingError::TooLarge {
            width: 0,
            height: 0,
            limit: "beyond the decoder's memory limit".into(),
        },
        other => {
            let detail = other.to_string();
            if looks_truncated(&detail) {
                ImagingError::Truncated
            } else {
                corrupt(detail)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_float_and_signed_samples() {
        assert!(describe_samples(32, 3).starts_with("32-bit float TIFF"));
        assert!(describe_samples(16, 2).starts_with("16-bit signed integer TIFF"));
    }

    #[test]
    fn palette_and_cmyk_are_unsupported() {
        assert!(matches!(
            layout_of(ColorType::Palette(8)),
            Err(ImagingError::Unsupported(_))
        ));
        assert!(matches!(
            layout_of(ColorType::CMYK(8)),
            Err(ImagingError::Unsupported(_))
        ));
        let grey_alpha = layout_of(ColorType::Multiband {
            bit_depth: 16,
            num_samples: 2,
        });
        assert!(matches!(
            grey_alpha,
            Ok(Layout {
                samples: 2,
                bits: 16,
                colour: false
            })
        ));
    }

    #[test]
    fn short_uncompressed_data_is_truncated_before_any_allocation() {
        // A little-endian header whose single IFD declares 40000×40000
        // 16-bit pixels in a file of a few dozen bytes.
        let mut file = b"II*\0".to_vec();
        file.extend_from_slice(&8u32.to_le_bytes());
        let entries: [(u16, u16, u32, u32); 8] = [
            (256, 4, 1, 40_000),        // ImageWidth
            (257, 4, 1, 40_000),        // ImageLength
            (258, 3, 1, 16),            // BitsPerSample
            (259, 3, 1, 1),             // Compression: none
            (262, 3, 1, 1),             // BlackIsZero
            (273, 4, 1, 200),           // StripOffsets
            (278, 4, 1, 40_000),        // RowsPerStrip
            (279, 4, 1, 3_200_000_000), // StripByteCounts
        ];
        file.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, kind, count, value) in entries {
            file.extend_from_slice(&tag.to_le_bytes());
            file.extend_from_slice(&kind.to_le_bytes());
            file.extend_from_slice(&count.to_le_bytes());
            if kind == 3 {
                file.extend_from_slice(&(value as u16).to_le_bytes());
                file.extend_from_slice(&[0, 0]);
            } else {
                file.extend_from_slice(&value.to_le_bytes());
            }
        }
        file.extend_from_slice(&0u32.to_le_bytes());
        // Under the default limit it is refused for its size; under a
        // limit raised for it, for the data it lacks, still before any
        // allocation.
        let result = decode_tiff(&file, &DecodeLimits::default());
        assert!(
            matches!(result, Err(ImagingError::TooLarge { .. })),
            "{result:?}"
        );
        let result = decode_tiff(&file, &DecodeLimits::with_max_pixels(1 << 31));
        assert!(matches!(result, Err(ImagingError::Truncated)), "{result:?}");
    }
}
