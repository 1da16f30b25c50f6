#![no_main]
//! A scan file as a scanner (or anyone) dropped it: TIFF, PNG, JPEG or
//! DICONDE; and a raw file's ENVI header, up to a NUL byte, with the
//! samples after it.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = kordon_imaging::probe(data);
    if let Ok(image) = kordon_imaging::decode(data) {
        assert_eq!(image.pixels.len() as u64, u64::from(image.width) * u64::from(image.height));
    }
    let (header, samples) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    if let Ok(layout) = kordon_imaging::parse_envi_header(header) {
        let limits = kordon_imaging::DecodeLimits::with_max_pixels(1 << 22);
        if let Ok(image) = kordon_imaging::decode_raw(samples, &layout, &limits) {
            assert_eq!(image.pixels.len() as u64, u64::from(image.width) * u64::from(image.height));
        }
    }
});
