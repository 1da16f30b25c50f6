//! Encoding rendered pictures for the viewer: PNG (lossless) or JPEG
//! (smaller, faster to send over a slow link).

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

use crate::error::ImagingError;
use crate::render::Rendered;

fn check(picture: &Rendered) -> Result<(), ImagingError> {
    let expected = u64::from(picture.w) * u64::from(picture.h) * 3;
    if picture.w == 0 || picture.h == 0 || picture.rgb.len() as u64 != expected {
        return Err(ImagingError::Encode(format!(
            "{} bytes for a {}×{} picture",
            picture.rgb.len(),
            picture.w,
            picture.h
        )));
    }
    Ok(())
}

/// PNG with fast compression.
pub fn encode_png(picture: &Rendered) -> Result<Vec<u8>, ImagingError> {
    check(picture)?;
    let mut out = Vec::with_capacity(picture.rgb.len() / 2);
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(&picture.rgb, picture.w, picture.h, ExtendedColorType::Rgb8)
        .map_err(|e| ImagingError::Encode(e.to_string()))?;
    Ok(out)
}

/// JPEG at `quality` (1..=100; 85 is a good default for tiles).
pub fn encode_jpeg(picture: &Rendered, quality: u8) -> Result<Vec<u8>, ImagingError> {
    check(picture)?;
    let mut out = Vec::with_capacity(picture.rgb.len() / 8);
    JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
        .write_image(&picture.rgb, picture.w, picture.h, ExtendedColorType::Rgb8)
        .map_err(|e| ImagingError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient() -> Rendered {
        let rgb = (0..16 * 8)
            .flat_map(|i| [(i * 2) as u8, 100, 255 - (i * 2) as u8])
            .collect();
        Rendered { w: 16, h: 8, rgb }
    }

    #[test]
    fn png_round_trips_exactly() {
        let picture = gradient();
        let png = encode_png(&picture).expect("png");
        let back = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .expect("decode")
            .into_rgb8();
        assert_eq!(back.dimensions(), (16, 8));
        assert_eq!(back.into_raw(), picture.rgb);
    }

    #[test]
    fn jpeg_is_a_jpeg_of_the_right_size() {
        let jpeg = encode_jpeg(&gradient(), 85).expect("jpeg");
        assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
        let summary = crate::decode::probe(&jpeg).expect("probe");
        assert_eq!(
            (summary.width, summary.height, summary.channels),
            (16, 8, 3)
        );
    }

    #[test]
    fn inconsistent_pictures_are_refused() {
        let mut picture = gradient();
        picture.rgb.pop();
        assert!(matches!(encode_png(&picture), Err(ImagingError::Encode(_))));
    }
}
