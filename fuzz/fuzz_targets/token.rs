#![no_main]
//! An enrollment token pasted by an operator.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = kordon_transport::EnrollmentToken::decode(s);
    }
});
