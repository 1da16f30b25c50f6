#![no_main]
//! The server's signed texts: a checkpoint, a record-set statement, a
//! device register entry (from a server, an export or an evidence bundle).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = kordon_record::Checkpoint::parse(text) {
        let _ = c.verify(&c.server);
    }
    if let Ok(s) = kordon_record::RecordSet::parse(text) {
        let _ = s.verify(&s.server);
    }
    if let Ok(e) = kordon_record::DeviceEntry::parse(text) {
        let _ = e.verify(&e.server);
    }
});
