//! PNG and JPEG input through the `image` crate, with its allocation
//! limits set from [`DecodeLimits`] and the dimensions checked before the
//! pixel buffer is reserved.

use std::io::Cursor;

use image::codecs::jpeg::JpegDecoder;
use image::codecs::png::PngDecoder;
use image::{ColorType, ImageDecoder, ImageError};

use crate::decode::{
    looks_truncated, luminance_u16, luminance_u8, with_dims, DecodeLimits, Format, Image,
    ImageSummary,
};
use crate::error::ImagingError;

pub(crate) fn probe_png_jpeg(bytes: &[u8], format: Format) -> Result<ImageSummary, ImagingError> {
    if format == Format::Png {
        let decoder = PngDecoder::new(Cursor::new(bytes)).map_err(|e| image_error(format, e))?;
        Ok(summary_of(&decoder, format))
    } else {
        let decoder = JpegDecoder::new(Cursor::new(bytes)).map_err(|e| image_error(format, e))?;
        Ok(summary_of(&decoder, format))
    }
}

fn summary_of(decoder: &impl ImageDecoder, format: Format) -> ImageSummary {
    let (width, height) = decoder.dimensions();
    let original = decoder.original_color_type();
    let decoded = decoder.color_type();
    ImageSummary {
        width,
        height,
        bits: if decoded.bytes_per_pixel() / decoded.channel_count() >= 2 {
            16
        } else {
            8
        },
        channels: original.channel_count(),
        format,
    }
}

pub(crate) fn decode_png_jpeg(
    bytes: &[u8],
    format: Format,
    limits: &DecodeLimits,
) -> Result<Image, ImagingError> {
    let mut crate_limits = image::Limits::default();
    crate_limits.max_image_width = Some(limits.max_dimension);
    crate_limits.max_image_height = Some(limits.max_dimension);
    crate_limits.max_alloc = Some(limits.max_decoded_bytes);
    let mut decoder: Box<dyn image::ImageDecoder> = match format {
        Format::Png => {
            Box::new(PngDecoder::new(Cursor::new(bytes)).map_err(|e| image_error(format, e))?)
        }
        _ => Box::new(JpegDecoder::new(Cursor::new(bytes)).map_err(|e| image_error(format, e))?),
    };
    let (width, height) = decoder.dimensions();
    limits.check_dimensions(u64::from(width), u64::from(height))?;
    let color = decoder.color_type();
    let bytes_per_pixel = u64::from(color.bytes_per_pixel());
    limits.check_decoded_bytes(u64::from(width), u64::from(height), bytes_per_pixel)?;
    let sized = |e| with_dims(image_error(format, e), width, height);
    decoder.set_limits(crate_limits).map_err(sized)?;
    let channels = decoder.original_color_type().channel_count();
    let total = usize::try_from(decoder.total_bytes()).map_err(|_| ImagingError::TooLarge {
        width: u64::from(width),
        height: u64::from(height),
        limit: "does not fit in memory".into(),
    })?;
    let mut raw = vec![0u8; total];
    decoder.read_image_boxed(&mut raw).map_err(sized)?;
    let (bits, pixels) = match color {
        ColorType::L8 => (8, raw.iter().map(|&v| u16::from(v)).collect()),
        ColorType::La8 => (8, raw.chunks_exact(2).map(|p| u16::from(p[0])).collect()),
        ColorType::Rgb8 => (8, luminance_u8(&raw, 3)),
        ColorType::Rgba8 => (8, luminance_u8(&raw, 4)),
        ColorType::L16 => (16, ne_u16(&raw).collect()),
        ColorType::La16 => (16, ne_u16(&raw).step_by(2).collect()),
        ColorType::Rgb16 => (16, luminance_u16(&ne_u16(&raw).collect::<Vec<_>>(), 3)),
        ColorType::Rgba16 => (16, luminance_u16(&ne_u16(&raw).collect::<Vec<_>>(), 4)),
        other => {
            return Err(ImagingError::Unsupported(format!(
                "{other:?} samples in a {format} file"
            )))
        }
    };
    let image = Image {
        width,
        height,
        bits,
        channels,
        format,
        pixels,
    };
    image.validate()?;
    Ok(image)
}

fn ne_u16(raw: &[u8]) -> impl Iterator<Item = u16> + '_ {
    raw.chunks_exact(2)
        .map(|p| u16::from_ne_bytes([p[0], p[1]]))
}

/// Maps the `image` crate's errors to ours.
fn image_error(format: Format, error: ImageError) -> ImagingError {
    match error {
        ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImagingError::Truncated
        }
        ImageError::Limits(e) => ImagingError::TooLarge {
            width: 0,
            height: 0,
            limit: e.to_string(),
        },
        ImageError::Unsupported(e) => ImagingError::Unsupported(e.to_string()),
        other => {
            let detail = other.to_string();
            if looks_truncated(&detail) {
                ImagingError::Truncated
            } else {
                ImagingError::Corrupt { format, detail }
            }
        }
    }
}
