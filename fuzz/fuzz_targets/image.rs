#![no_main]
//! A scan file as a scanner (or anyone) dropped it: TIFF, PNG, JPEG or
//! DICONDE.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = kordon_imaging::probe(data);
    if let Ok(image) = kordon_imaging::decode(data) {
        assert_eq!(image.pixels.len() as u64, u64::from(image.width) * u64::from(image.height));
    }
});
