#![no_main]
//! An export file or an evidence bundle (a zip), as `kordon verify` reads
//! one handed over by anyone: never a panic, whatever the bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let opts = kordon_evidence::VerifyOptions {
        server_key: Some(kordon_record::PublicKey([7; 32])),
        evidence: true,
    };
    let _ = kordon_evidence::verify_any_bytes(data, &opts);
    let _ = kordon_evidence::verify_bundle_bytes(data, &opts);
});
