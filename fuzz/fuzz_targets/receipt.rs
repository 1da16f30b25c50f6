#![no_main]
//! A receipt from the server.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(r) = kordon_record::Receipt::parse(data) {
        let _ = r.verify(&r.server);
    }
});
