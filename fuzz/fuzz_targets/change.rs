#![no_main]
//! A change payload (signature valid, content hostile): decode, apply, read.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = kordon_model::doc::check_change(data, &[0; 32]);
    let mut doc = kordon_model::InspectionDoc::empty(&[1; 32]);
    if doc.apply_change(data).is_ok() {
        let _ = doc.view();
        let _ = doc.to_json();
    }
});
