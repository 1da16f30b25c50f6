#![no_main]
//! A camera's push to the ANPR ingest: the first byte picks the
//! Content-Type the camera claimed, the rest is the body.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((pick, body)) = data.split_first() else {
        return;
    };
    let content_type = match pick % 5 {
        0 => "application/json",
        1 => "application/xml",
        2 => "multipart/form-data; boundary=boundary",
        3 => "text/plain",
        _ => "",
    };
    let _ = kordon_anpr::parse_push(content_type, body);
});
