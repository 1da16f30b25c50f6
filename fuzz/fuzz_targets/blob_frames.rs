#![no_main]
//! Blob-stream bytes from a hostile peer, into both roles.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut rx = kordon_proto::BlobReceiver::new(1 << 14);
    let _ = rx.handle_bytes(data);
    let _ = rx.welcome("U", 0);
    let _ = rx.handle_bytes(data);
    while rx.poll_event().is_some() {}
    let now = std::time::Instant::now();
    let mut tx = kordon_proto::BlobSender::new(kordon_proto::BlobSenderConfig::default(), now);
    let _ = tx.handle_bytes(data, now);
    while tx.poll_event().is_some() {}
    let _ = tx.next_piece();
});
