//! Decoding, pyramid and renderer, end to end, on fixtures made here and,
//! when present, on real scanner images (`KORDON_REALDATA`).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::ImageEncoder;
use kordon_imaging::{
    build_pyramid, check_pair, decode, encode_png, probe, render_region, render_tile, thumbnail,
    Colormap, Format, Image, ImagingError, Pyramid, View, Window,
};
use proptest::prelude::*;

// ---------------------------------------------------------------- fixtures

/// A 16-bit greyscale TIFF written by hand in big-endian ("MM") byte order,
/// as ImageJ and many scanners write it: header, one IFD, one strip.
fn tiff_be_u16(width: u32, height: u32, pixels: &[u16]) -> Vec<u8> {
    let entries: [(u16, u16, u32); 9] = [
        (256, 4, width),
        (257, 4, height),
        (258, 3, 16),
        (259, 3, 1),
        (262, 3, 1),
        (273, 4, 0), // strip offset, filled below
        (277, 3, 1),
        (278, 4, height),
        (279, 4, width.wrapping_mul(height).wrapping_mul(2)),
    ];
    let data_offset = 8 + 2 + entries.len() as u32 * 12 + 4;
    let mut file = b"MM\0*".to_vec();
    file.extend_from_slice(&8u32.to_be_bytes());
    file.extend_from_slice(&(entries.len() as u16).to_be_bytes());
    for (tag, kind, value) in entries {
        let value = if tag == 273 { data_offset } else { value };
        file.extend_from_slice(&tag.to_be_bytes());
        file.extend_from_slice(&kind.to_be_bytes());
        file.extend_from_slice(&1u32.to_be_bytes());
        if kind == 3 {
            file.extend_from_slice(&(value as u16).to_be_bytes());
            file.extend_from_slice(&[0, 0]);
        } else {
            file.extend_from_slice(&value.to_be_bytes());
        }
    }
    file.extend_from_slice(&0u32.to_be_bytes());
    for value in pixels {
        file.extend_from_slice(&value.to_be_bytes());
    }
    file
}

fn tiff_le<C: tiff::encoder::colortype::ColorType>(
    width: u32,
    height: u32,
    data: &[C::Inner],
    compression: tiff::encoder::Compression,
) -> Vec<u8>
where
    [C::Inner]: tiff::encoder::TiffValue,
{
    let mut out = Cursor::new(Vec::new());
    tiff::encoder::TiffEncoder::new(&mut out)
        .expect("tiff encoder")
        .with_compression(compression)
        .write_image::<C>(width, height, data)
        .expect("write tiff");
    out.into_inner()
}

fn png(width: u32, height: u32, color: image::ExtendedColorType, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(data, width, height, color)
        .expect("png");
    out
}

fn jpeg(width: u32, height: u32, color: image::ExtendedColorType, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(data, width, height, color)
        .expect("jpeg");
    out
}

/// A smooth 12-bit-ish pattern with a dense block, like a scan.
fn pattern(width: u32, height: u32) -> Vec<u16> {
    (0..height)
        .flat_map(|y| {
            (0..width).map(move |x| {
                let base = 3000 + (x * 7 + y * 3) % 900;
                let dense =
                    (width / 4..width / 2).contains(&x) && (height / 3..height / 2).contains(&y);
                (if dense { base / 5 } else { base }) as u16
            })
        })
        .collect()
}

fn image16(width: u32, height: u32, pixels: Vec<u16>) -> Image {
    Image {
        width,
        height,
        bits: 16,
        channels: 1,
        format: Format::Tiff,
        pixels,
    }
}

fn ne_bytes(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_ne_bytes()).collect()
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn pyramid_of(dir: &Path, name: &str, high: &Image, low: Option<&Image>) -> Pyramid {
    let path = dir.join(name);
    build_pyramid(high, low, &path).expect("build pyramid");
    Pyramid::open(&path).expect("open pyramid")
}

/// Mean of the red channel (= grey level in the grey map) of a rectangle.
fn mean_red(picture: &kordon_imaging::Rendered, x0: u32, y0: u32, w: u32, h: u32) -> f64 {
    let mut sum = 0.0;
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            sum += f64::from(picture.rgb[((y * picture.w + x) * 3) as usize]);
        }
    }
    sum / f64::from(w * h)
}

fn pixel(picture: &kordon_imaging::Rendered, x: u32, y: u32) -> [u8; 3] {
    let at = ((y * picture.w + x) * 3) as usize;
    [picture.rgb[at], picture.rgb[at + 1], picture.rgb[at + 2]]
}

// ---------------------------------------------------------------- decoding

#[test]
fn sixteen_bit_tiff_in_both_byte_orders_and_every_compression_decodes_to_the_same_values() {
    use tiff::encoder::{colortype::Gray16, Compression, DeflateLevel};
    let (w, h) = (37, 23);
    let pixels = pattern(w, h);
    let big = decode(&tiff_be_u16(w, h, &pixels)).expect("big-endian");
    assert_eq!(
        (big.width, big.height, big.bits, big.channels, big.format),
        (w, h, 16, 1, Format::Tiff)
    );
    assert_eq!(big.pixels, pixels);
    for (name, compression) in [
        ("none", Compression::Uncompressed),
        ("LZW", Compression::Lzw),
        ("Deflate", Compression::Deflate(DeflateLevel::Fast)),
        ("PackBits", Compression::Packbits),
    ] {
        let file = tiff_le::<Gray16>(w, h, &pixels, compression);
        let little = decode(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(little, big, "{name}");
    }
    let summary = probe(&tiff_be_u16(w, h, &pixels)).expect("probe");
    assert_eq!(
        (
            summary.width,
            summary.height,
            summary.bits,
            summary.channels
        ),
        (w, h, 16, 1)
    );
}

#[test]
fn eight_bit_and_colour_tiff() {
    use tiff::encoder::{colortype, Compression};
    let grey: Vec<u8> = (0..40).map(|v| v * 6).collect();
    let image = decode(&tiff_le::<colortype::Gray8>(
        8,
        5,
        &grey,
        Compression::Uncompressed,
    ))
    .expect("grey8");
    assert_eq!((image.bits, image.channels), (8, 1));
    assert_eq!(
        image.pixels,
        grey.iter().map(|&v| u16::from(v)).collect::<Vec<_>>()
    );
    let rgb: Vec<u16> = [1000u16, 1000, 1000, 0, 65535, 0].to_vec();
    let image = decode(&tiff_le::<colortype::RGB16>(
        2,
        1,
        &rgb,
        Compression::Uncompressed,
    ))
    .expect("rgb16");
    assert_eq!((image.bits, image.channels), (16, 3));
    assert_eq!(image.pixels, vec![1000, 46871]);
}

#[test]
fn float_tiff_is_refused_by_name() {
    use tiff::encoder::{colortype::Gray32Float, Compression};
    let data = vec![0.5f32; 12];
    let err = decode(&tiff_le::<Gray32Float>(
        4,
        3,
        &data,
        Compression::Uncompressed,
    ))
    .expect_err("float");
    assert!(matches!(err, ImagingError::Unsupported(_)), "{err:?}");
    assert!(err.to_string().contains("32-bit float TIFF"), "{err}");
}

#[test]
fn png_and_jpeg_in_grey_and_colour() {
    let values: Vec<u16> = (0..64).map(|v| v * 1000).collect();
    let image = decode(&png(
        8,
        8,
        image::ExtendedColorType::L16,
        &ne_bytes(&values),
    ))
    .expect("png16");
    assert_eq!(
        (image.bits, image.channels, image.format),
        (16, 1, Format::Png)
    );
    assert_eq!(image.pixels, values);

    let grey: Vec<u8> = (0..64 * 64).map(|i| (i % 64 * 4) as u8).collect();
    let image = decode(&png(64, 64, image::ExtendedColorType::L8, &grey)).expect("png8");
    assert_eq!((image.bits, image.channels), (8, 1));

    let image = decode(&jpeg(64, 64, image::ExtendedColorType::L8, &grey)).expect("jpeg grey");
    assert_eq!(
        (
            image.width,
            image.height,
            image.bits,
            image.channels,
            image.format
        ),
        (64, 64, 8, 1, Format::Jpeg)
    );
    // Lossy, but close: the ramp survives.
    let error: i64 = image
        .pixels
        .iter()
        .zip(&grey)
        .map(|(&a, &b)| (i64::from(a) - i64::from(b)).abs())
        .sum();
    assert!(error / (64 * 64) < 6, "mean error {}", error / (64 * 64));

    let rgb: Vec<u8> = (0..32 * 32).flat_map(|_| [200u8, 200, 200]).collect();
    let image = decode(&jpeg(32, 32, image::ExtendedColorType::Rgb8, &rgb)).expect("jpeg colour");
    assert_eq!(image.channels, 3);
    assert!(image.pixels.iter().all(|&v| v.abs_diff(200) <= 3));
}

#[test]
fn absurd_headers_are_refused_without_allocating() {
    // 2^20 + 1 wide: over the per-side limit.
    let wide = tiff_be_u16((1 << 20) + 1, 1, &[]);
    assert!(
        matches!(decode(&wide), Err(ImagingError::TooLarge { .. })),
        "{:?}",
        decode(&wide)
    );
    // 60000 × 60000: each side fine, the product over 2^31 (the TIFF
    // reader may already find the strip size inconsistent: it overflows).
    let huge = tiff_be_u16(60_000, 60_000, &[]);
    assert!(matches!(
        decode(&huge),
        Err(ImagingError::TooLarge { .. } | ImagingError::Corrupt { .. })
    ));
    // 40000 × 40000 consistently declared in a file of a few dozen bytes:
    // over the scan limit of 134 million pixels; with a limit raised for
    // it, refused for the data it lacks (still before any allocation).
    let liar = tiff_be_u16(40_000, 40_000, &[]);
    assert!(
        matches!(decode(&liar), Err(ImagingError::TooLarge { .. })),
        "{:?}",
        decode(&liar)
    );
    let raised = kordon_imaging::DecodeLimits::with_max_pixels(1 << 31);
    assert!(
        matches!(
            kordon_imaging::decode_with_limits(&liar, &raised),
            Err(ImagingError::Truncated)
        ),
        "{:?}",
        kordon_imaging::decode_with_limits(&liar, &raised)
    );
    let file = tiff_be_u16(1, 1, &[7]);
    let mut empty = file;
    empty[18..22].copy_from_slice(&0u32.to_be_bytes());
    assert!(decode(&empty).is_err());
    assert!(matches!(decode(b""), Err(ImagingError::Empty)));
    assert!(matches!(
        decode(b"BM\x10\0\0\0 a bitmap"),
        Err(ImagingError::UnknownFormat)
    ));
}

fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
    use tiff::encoder::{colortype::Gray16, Compression};
    let pixels = pattern(40, 30);
    let grey: Vec<u8> = pixels.iter().map(|&v| (v / 16) as u8).collect();
    vec![
        ("tiff-be", tiff_be_u16(40, 30, &pixels)),
        (
            "tiff-le",
            tiff_le::<Gray16>(40, 30, &pixels, Compression::Uncompressed),
        ),
        (
            "tiff-lzw",
            tiff_le::<Gray16>(40, 30, &pixels, Compression::Lzw),
        ),
        (
            "png16",
            png(40, 30, image::ExtendedColorType::L16, &ne_bytes(&pixels)),
        ),
        ("jpeg", jpeg(40, 30, image::ExtendedColorType::L8, &grey)),
    ]
}

#[test]
fn truncation_anywhere_is_an_error_or_the_complete_image_never_a_panic() {
    for (name, file) in fixtures() {
        let complete = decode(&file).expect(name);
        for cut in 0..file.len() {
            match decode(&file[..cut]) {
                Err(_) => {}
                // JPEG decoders fill in missing scan data, and PNG needs
                // nothing after the image data; anything else must fail.
                Ok(image) => {
                    assert!(
                        name == "jpeg" || name == "png16" && cut > file.len() - 20,
                        "{name} cut at {cut} of {} decoded",
                        file.len()
                    );
                    assert_eq!(
                        (image.width, image.height),
                        (complete.width, complete.height)
                    );
                }
            }
            let _ = probe(&file[..cut]);
        }
    }
    // A big-endian TIFF cut anywhere inside its data says so.
    let file = tiff_be_u16(40, 30, &pattern(40, 30));
    assert!(matches!(
        decode(&file[..file.len() - 1]),
        Err(ImagingError::Truncated)
    ));
    assert!(matches!(decode(&file[..200]), Err(ImagingError::Truncated)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn damaged_files_never_panic(which in 0usize..5, flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let (_, mut file) = fixtures().swap_remove(which);
        for (at, value) in flips {
            let at = at.index(file.len());
            file[at] ^= value | 1;
        }
        if let Ok(image) = decode(&file) {
            prop_assert_eq!(image.pixels.len() as u64, u64::from(image.width) * u64::from(image.height));
        }
        let _ = probe(&file);
    }
}

// ---------------------------------------------------------------- pyramid

#[test]
fn pyramid_tiles_hold_the_source_and_the_averaged_levels() {
    let dir = temp_dir();
    let (w, h) = (700, 300);
    let high = image16(w, h, pattern(w, h));
    let low = image16(w, h, high.pixels.iter().map(|&v| v / 2 + 1).collect());
    let pyramid = pyramid_of(dir.path(), "scan.pyr", &high, Some(&low));
    let info = pyramid.info();
    assert_eq!(
        (
            info.width,
            info.height,
            info.tile_size,
            info.max_level,
            info.planes
        ),
        (w, h, 256, 10, 2)
    );
    assert_eq!(pyramid.level_dims(10), Some((700, 300)));
    assert_eq!(pyramid.level_dims(9), Some((350, 150)));
    assert_eq!(pyramid.level_dims(0), Some((1, 1)));
    assert_eq!(pyramid.tiles_at(10), Some((3, 2)));
    for ty in 0..2 {
        for tx in 0..3 {
            let tile = pyramid.tile(10, tx, ty).expect("tile");
            assert_eq!(
                (tile.w, tile.h),
                (
                    if tx == 2 { 188 } else { 256 },
                    if ty == 1 { 44 } else { 256 }
                )
            );
            for y in 0..tile.h {
                for x in 0..tile.w {
                    let source = ((ty * 256 + y) * w + tx * 256 + x) as usize;
                    let at = (y * tile.w + x) as usize;
                    assert_eq!(tile.planes[0][at], high.pixels[source]);
                    assert_eq!(tile.planes[1][at], low.pixels[source]);
                }
            }
        }
    }
    let below = pyramid.tile(9, 1, 0).expect("level 9");
    // Pixel (256, 10) of level 9 averages (512..514, 20..22) of level 10.
    let at = |x: u32, y: u32| u32::from(high.pixels[(y * w + x) as usize]);
    let expected = (at(512, 20) + at(513, 20) + at(512, 21) + at(513, 21) + 2) / 4;
    assert_eq!(
        u32::from(below.planes[0][(10 * below.w) as usize]),
        expected
    );
    assert_eq!(pyramid.tile(0, 0, 0).expect("1×1").planes[0].len(), 1);
    assert!(matches!(
        pyramid.tile(10, 3, 0),
        Err(ImagingError::NoSuchTile { .. })
    ));
    assert!(matches!(
        pyramid.tile(11, 0, 0),
        Err(ImagingError::NoSuchTile { .. })
    ));
    let stats = info.stats[0];
    assert_eq!(
        (stats.min, stats.max),
        (
            *high.pixels.iter().min().expect("min"),
            *high.pixels.iter().max().expect("max")
        )
    );
    // Nothing but the pyramid is left in the folder.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("scan.pyr")]);
}

#[test]
fn mismatched_pair_is_refused() {
    let dir = temp_dir();
    let high = image16(10, 10, vec![1; 100]);
    let low = image16(10, 9, vec![1; 90]);
    assert!(check_pair(&high, &low).is_err());
    let err = build_pyramid(&high, Some(&low), &dir.path().join("x.pyr")).expect_err("mismatch");
    assert!(matches!(err, ImagingError::PairMismatch { .. }));
    assert!(!dir.path().join("x.pyr").exists());
}

#[test]
fn rebuilding_replaces_the_file_whole_and_open_readers_keep_the_old_one() {
    let dir = temp_dir();
    let path = dir.path().join("scan.pyr");
    build_pyramid(&image16(300, 200, vec![1000; 60_000]), None, &path).expect("first");
    let old = Pyramid::open(&path).expect("open old");
    build_pyramid(&image16(300, 200, vec![2000; 60_000]), None, &path).expect("second");
    let new = Pyramid::open(&path).expect("open new");
    assert_eq!(old.tile(9, 1, 0).expect("old tile").planes[0][0], 1000);
    assert_eq!(new.tile(9, 1, 0).expect("new tile").planes[0][0], 2000);
}

fn small_pyramid_file() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let dir = temp_dir();
    let path = dir.path().join("small.pyr");
    let high = image16(300, 40, pattern(300, 40));
    let low = image16(300, 40, pattern(300, 40).iter().map(|v| v / 3).collect());
    build_pyramid(&high, Some(&low), &path).expect("build");
    let bytes = std::fs::read(&path).expect("read");
    (dir, path, bytes)
}

/// Opens the file and reads every tile; the first error, if any.
fn read_everything(path: &Path) -> Result<(), ImagingError> {
    let pyramid = Pyramid::open(path)?;
    for level in 0..pyramid.info().levels() {
        let (columns, rows) = pyramid.tiles_at(level).unwrap_or((0, 0));
        for y in 0..rows {
            for x in 0..columns {
                pyramid.tile(level, x, y)?;
            }
        }
    }
    Ok(())
}

#[test]
fn truncated_or_foreign_pyramid_files_are_errors() {
    let (dir, path, bytes) = small_pyramid_file();
    assert!(read_everything(&path).is_ok());
    let cut_path = dir.path().join("cut.pyr");
    for cut in (0..bytes.len()).step_by(7) {
        std::fs::write(&cut_path, &bytes[..cut]).expect("write");
        assert!(
            read_everything(&cut_path).is_err(),
            "cut at {cut} of {}",
            bytes.len()
        );
    }
    std::fs::write(
        &cut_path,
        b"not a pyramid at all, but long enough to have a header",
    )
    .expect("write");
    let err = Pyramid::open(&cut_path).expect_err("foreign");
    assert!(
        err.to_string().contains("not a Kordon tile pyramid"),
        "{err}"
    );
    assert!(matches!(
        Pyramid::open(&dir.path().join("missing.pyr")),
        Err(ImagingError::Io { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Header, index and tiles are all covered by checksums, so any change
    /// of any byte is found.
    #[test]
    fn every_damaged_byte_is_detected(at in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let (dir, _, mut bytes) = small_pyramid_file();
        let at = at.index(bytes.len());
        bytes[at] ^= flip;
        let damaged = dir.path().join("damaged.pyr");
        std::fs::write(&damaged, &bytes).expect("write");
        prop_assert!(read_everything(&damaged).is_err(), "byte {} of {} changed unnoticed", at, bytes.len());
    }
}

// ---------------------------------------------------------------- renderer

#[test]
fn default_view_shows_dense_dark_and_invert_flips_it() {
    let dir = temp_dir();
    let (w, h) = (200, 120);
    let pyramid = pyramid_of(dir.path(), "p.pyr", &image16(w, h, pattern(w, h)), None);
    let level = pyramid.info().max_level;
    let plain = render_tile(&pyramid, level, 0, 0, &View::default()).expect("plain");
    assert_eq!(
        (plain.w, plain.h, plain.rgb.len()),
        (w, h, (w * h * 3) as usize)
    );
    // The dense block (low values) is darker than the open area around it.
    let dense = mean_red(&plain, 60, 45, 30, 10);
    let open = mean_red(&plain, 150, 80, 30, 20);
    assert!(dense + 100.0 < open, "dense {dense}, open {open}");
    let inverted = render_tile(
        &pyramid,
        level,
        0,
        0,
        &View {
            invert: true,
            ..View::default()
        },
    )
    .expect("inverted");
    for (a, b) in plain.rgb.iter().zip(&inverted.rgb) {
        assert!(
            (i32::from(*a) + i32::from(*b) - 255).abs() <= 1,
            "{a} + {b}"
        );
    }
}

#[test]
fn window_clamps_outside_values_and_gamma_lifts_the_middle() {
    let dir = temp_dir();
    let values: Vec<u16> = (0..256u32 * 4).map(|i| (i % 256) as u16 * 100).collect(); // 0..25500
    let pyramid = pyramid_of(dir.path(), "w.pyr", &image16(256, 4, values), None);
    let window = Window {
        center: 10_000.0,
        width: 10_000.0,
    }; // 5000..15000
    let view = View {
        window: Some(window),
        ..View::default()
    };
    let picture = render_tile(&pyramid, 8, 0, 0, &view).expect("render");
    assert_eq!(pixel(&picture, 10, 0), [0, 0, 0]); // 1000: below
    assert_eq!(pixel(&picture, 50, 0), [0, 0, 0]); // 5000: the bottom
    assert_eq!(pixel(&picture, 100, 0), [128, 128, 128]); // 10000: the middle
    assert_eq!(pixel(&picture, 150, 0), [255, 255, 255]); // 15000: the top
    assert_eq!(pixel(&picture, 250, 0), [255, 255, 255]); // 25000: above
    let lifted = render_tile(&pyramid, 8, 0, 0, &View { gamma: 2.0, ..view }).expect("gamma");
    assert!(pixel(&lifted, 100, 0)[0] > 170);
    let hot = render_tile(
        &pyramid,
        8,
        0,
        0,
        &View {
            colormap: "hot".parse::<Colormap>().expect("hot"),
            ..view
        },
    )
    .expect("hot");
    assert_eq!(pixel(&hot, 150, 0), [255, 255, 255]);
    let [r, g, b] = pixel(&hot, 90, 0);
    assert!(r > g && g >= b, "hot mid {r} {g} {b}");
}

#[test]
fn automatic_window_of_twelve_bit_data_uses_its_range() {
    let dir = temp_dir();
    let values: Vec<u16> = (0..300u32 * 200).map(|i| (i % 300 * 10) as u16).collect(); // 0..2990
    let pyramid = pyramid_of(dir.path(), "12.pyr", &image16(300, 200, values), None);
    let picture = render_tile(&pyramid, 9, 0, 0, &View::default()).expect("render");
    // A 0..65535 window would leave everything below 12/255.
    assert!(pixel(&picture, 0, 0)[0] < 10);
    assert!(pixel(&picture, 150, 0)[0].abs_diff(128) < 10);
    assert!(pixel(&picture, 255, 0)[0] > 200);
}

#[test]
fn edge_enhancement_raises_contrast_at_a_step() {
    let dir = temp_dir();
    let values: Vec<u16> = (0..128u32 * 64)
        .map(|i| if i % 128 < 64 { 20_000 } else { 30_000 })
        .collect();
    let pyramid = pyramid_of(dir.path(), "e.pyr", &image16(128, 64, values), None);
    let window = Some(Window {
        center: 25_000.0,
        width: 20_000.0,
    });
    let soft = render_tile(
        &pyramid,
        7,
        0,
        0,
        &View {
            window,
            ..View::default()
        },
    )
    .expect("soft");
    let sharp = render_tile(
        &pyramid,
        7,
        0,
        0,
        &View {
            window,
            edge: 1.0,
            ..View::default()
        },
    )
    .expect("sharp");
    let contrast = |p: &kordon_imaging::Rendered| {
        i32::from(pixel(p, 64, 30)[0]) - i32::from(pixel(p, 63, 30)[0])
    };
    assert!(
        contrast(&sharp) > contrast(&soft) + 30,
        "soft {} sharp {}",
        contrast(&soft),
        contrast(&sharp)
    );
    // Far from the step nothing changes.
    assert_eq!(pixel(&sharp, 10, 30), pixel(&soft, 10, 30));
}

#[test]
fn tiles_with_edges_have_no_seams() {
    let dir = temp_dir();
    let (w, h) = (600, 530);
    let mut seed = 7u32;
    let values: Vec<u16> = (0..w * h)
        .map(|i| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let step = if i % w > 250 && i / w > 260 { 9000 } else { 0 };
            (20_000 + step + (seed >> 20)) as u16
        })
        .collect();
    let low: Vec<u16> = values.iter().map(|v| v / 3).collect();
    let pyramid = pyramid_of(
        dir.path(),
        "s.pyr",
        &image16(w, h, values),
        Some(&image16(w, h, low)),
    );
    let level = pyramid.info().max_level;
    for view in [
        View {
            edge: 2.0,
            ..View::default()
        },
        View {
            edge: 1.0,
            materials: true,
            ..View::default()
        },
    ] {
        // Four tiles meeting at (256, 256), against one region over all of them.
        let region = render_region(&pyramid, level, 0, 0, 512, 512, &view).expect("region");
        for (tx, ty) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let tile = render_tile(&pyramid, level, tx, ty, &view).expect("tile");
            for y in 0..256 {
                let row = ((ty * 256 + y) * 512 + tx * 256) as usize * 3;
                let tile_row = (y * 256) as usize * 3;
                assert_eq!(
                    &tile.rgb[tile_row..tile_row + 768],
                    &region.rgb[row..row + 768],
                    "tile ({tx}, {ty}) row {y}"
                );
            }
        }
        // The last, partial tile reaches the image's edge without error.
        let corner = render_tile(&pyramid, level, 2, 2, &view).expect("corner");
        assert_eq!((corner.w, corner.h), (88, 18));
    }
}

#[test]
fn steel_is_blue_plastic_orange_air_white_in_material_view() {
    let dir = temp_dir();
    let (w, h) = (120, 40);
    let air = 60_000.0f32;
    // Effective energies 100 keV (high) and 60 keV (low); XCOM mass attenuation.
    let steel = (
        air * (-0.372f32 * 7.87 * 0.3).exp(),
        air * (-1.205f32 * 7.87 * 0.3).exp(),
    );
    let plastic = (
        air * (-0.169f32 * 0.95 * 3.0).exp(),
        air * (-0.194f32 * 0.95 * 3.0).exp(),
    );
    let mut high = Vec::new();
    let mut low = Vec::new();
    for _y in 0..h {
        for x in 0..w {
            let (hv, lv) = match x {
                0..40 => steel,
                40..80 => plastic,
                _ => (air, air),
            };
            high.push(hv as u16);
            low.push(lv as u16);
        }
    }
    let pyramid = pyramid_of(
        dir.path(),
        "m.pyr",
        &image16(w, h, high),
        Some(&image16(w, h, low)),
    );
    assert_eq!(pyramid.info().stats[0].air, 60_000);
    let view = View {
        materials: true,
        window: Some(Window {
            center: 30_000.0,
            width: 60_000.0,
        }),
        ..View::default()
    };
    let picture = render_tile(&pyramid, 7, 0, 0, &view).expect("render");
    let [r, g, b] = pixel(&picture, 20, 20);
    assert!(b > r + 40 && b > g + 20, "steel {r} {g} {b}");
    let [r, g, b] = pixel(&picture, 60, 20);
    assert!(r > g + 30 && g > b + 30, "plastic {r} {g} {b}");
    let [r, g, b] = pixel(&picture, 110, 20);
    assert!(r > 240 && g > 240 && b > 240, "air {r} {g} {b}");

    let single = pyramid_of(dir.path(), "one.pyr", &image16(4, 4, vec![5; 16]), None);
    assert!(matches!(
        render_tile(&single, 2, 0, 0, &view),
        Err(ImagingError::NotDualEnergy)
    ));
}

#[test]
fn thumbnail_comes_from_the_fitting_level_and_encodes() {
    let dir = temp_dir();
    let pyramid = pyramid_of(
        dir.path(),
        "t.pyr",
        &image16(1000, 400, pattern(1000, 400)),
        None,
    );
    let small = thumbnail(&pyramid, 256, &View::default()).expect("thumbnail");
    assert_eq!((small.w, small.h), (250, 100));
    let larger = thumbnail(&pyramid, 600, &View::default()).expect("thumbnail");
    assert_eq!((larger.w, larger.h), (500, 200));
    let png = encode_png(&small).expect("png");
    let back = decode(&png).expect("decode png");
    assert_eq!((back.width, back.height, back.channels), (250, 100, 3));
    assert!(matches!(
        render_region(&pyramid, 10, 900, 0, 200, 10, &View::default()),
        Err(ImagingError::NoSuchRegion { .. })
    ));
}

// ---------------------------------------------------------------- real data

fn realdata() -> Option<PathBuf> {
    kordon_test_support::realdata("xray")
}

struct Expected {
    name: &'static str,
    width: u32,
    height: u32,
    bits: u8,
    channels: u8,
    range: Option<(u16, u16)>,
}

#[test]
fn real_scanner_images_decode_build_and_render() {
    let Some(folder) = realdata() else { return };
    let expected = [
        Expected {
            name: "N4255_1.tif",
            width: 1042,
            height: 1754,
            bits: 16,
            channels: 1,
            range: Some((17564, 27841)),
        },
        Expected {
            name: "N4255_1_blank.tif",
            width: 596,
            height: 872,
            bits: 16,
            channels: 1,
            range: Some((28073, 30494)),
        },
        Expected {
            name: "NANO_633_2017-10-04_10-16-32_1.tif",
            width: 768,
            height: 1295,
            bits: 16,
            channels: 1,
            range: None,
        },
        Expected {
            name: "GDXray_B0046_0004.png",
            width: 2688,
            height: 2208,
            bits: 8,
            channels: 1,
            range: None,
        },
        Expected {
            name: "IS2AI_cargoxray_README_samples_figure.png",
            width: 1928,
            height: 752,
            bits: 8,
            channels: 3,
            range: None,
        },
    ];
    let dir = temp_dir();
    for case in expected {
        let path = folder.join(case.name);
        let Ok(bytes) = std::fs::read(&path) else {
            println!("real data: {} missing, skipped", case.name);
            continue;
        };
        let started = std::time::Instant::now();
        let image = decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(
            (image.width, image.height, image.bits, image.channels),
            (case.width, case.height, case.bits, case.channels),
            "{}",
            case.name
        );
        let summary = probe(&bytes).expect("probe");
        assert_eq!((summary.width, summary.height), (case.width, case.height));
        let min = *image.pixels.iter().min().expect("pixels");
        let max = *image.pixels.iter().max().expect("pixels");
        if let Some(range) = case.range {
            assert_eq!((min, max), range, "{}", case.name);
            assert_eq!(&bytes[..2], b"MM", "{} is big-endian", case.name);
        }
        if case.name.starts_with("NANO") {
            assert_eq!(max, 3069);
        }
        let pyramid = pyramid_of(dir.path(), &format!("{}.pyr", case.name), &image, None);
        let stats = pyramid.info().stats[0];
        assert_eq!((stats.min, stats.max), (min, max));
        let window = Window::from_stats(&stats);
        if case.name.starts_with("NANO") {
            // The automatic window covers most of the real 0..3069 range,
            // nowhere near 0..65535.
            assert!(
                window.low() >= f32::from(min) && window.high() <= 3069.0,
                "{window:?}"
            );
            assert!(window.width > 0.5 * f32::from(max - min), "{window:?}");
        }
        let level = pyramid.info().max_level;
        let (columns, rows) = pyramid.tiles_at(level).expect("tiles");
        for view in [
            View::default(),
            View {
                edge: 1.0,
                colormap: Colormap::Bone,
                ..View::default()
            },
        ] {
            for (x, y) in [(0, 0), (columns / 2, rows / 2), (columns - 1, rows - 1)] {
                let tile = render_tile(&pyramid, level, x, y, &view).expect("render");
                let png = encode_png(&tile).expect("png");
                assert!(png.len() > 100);
            }
        }
        let middle =
            render_tile(&pyramid, level, columns / 2, rows / 2, &View::default()).expect("middle");
        let mean = mean_red(&middle, 0, 0, middle.w, middle.h);
        assert!(
            (5.0..250.0).contains(&mean),
            "{}: mean grey {mean}",
            case.name
        );
        let thumb = thumbnail(&pyramid, 256, &View::default()).expect("thumbnail");
        assert!(thumb.w.max(thumb.h) <= 256 && thumb.w.max(thumb.h) > 128);
        println!(
            "real data: {} {}×{} {}-bit, {} levels, pyramid {} KiB, window {:.0}..{:.0}, air {}, in {:?} (debug build)",
            case.name,
            image.width,
            image.height,
            image.bits,
            pyramid.info().levels(),
            std::fs::metadata(pyramid.path()).map_or(0, |m| m.len() / 1024),
            window.low(),
            window.high(),
            stats.air,
            started.elapsed()
        );
    }
}

/// The corpus holds inputs the fuzzer found or that break a rule, each
/// refused with a message, and valid seeds it starts from: scan files
/// (`seed-…`), each decoded whole, and a raw file's ENVI header with its
/// samples after a NUL byte (`envi-seed-…`), which are no scan file by
/// themselves but decode whole with the header read.
#[test]
fn regression_corpus_is_refused_cleanly() {
    let corpus = kordon_test_support::regressions("image");
    assert!(!corpus.is_empty(), "the image corpus is missing");
    for (name, bytes) in corpus {
        if name.starts_with("seed-") {
            let image = kordon_imaging::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                image.pixels.len() as u64,
                u64::from(image.width) * u64::from(image.height),
                "{name}"
            );
            continue;
        }
        let err = kordon_imaging::decode(&bytes).expect_err(&name);
        assert!(!err.to_string().is_empty(), "{name}: an empty message");
        if name.starts_with("envi-seed-") {
            let at = bytes
                .iter()
                .position(|&b| b == 0)
                .expect("a NUL after the header");
            let layout = kordon_imaging::parse_envi_header(&bytes[..at]).expect(&name);
            let limits = kordon_imaging::DecodeLimits::default();
            let image = kordon_imaging::decode_raw(&bytes[at + 1..], &layout, &limits)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(image.pixels.len(), (layout.width * layout.height) as usize);
        }
    }
}
