#![no_main]
//! A signed record from the network: parse, then verify.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(r) = kordon_record::SignedRecord::parse(data.to_vec()) {
        let _ = r.verify();
    }
});
