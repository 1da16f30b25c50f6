#![no_main]
//! Protocol bytes from a hostile peer, into both session roles. The
//! server welcomes any Hello, so what follows it is read too.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut server = kordon_proto::ServerSession::new();
    let _ = server.handle_bytes(data);
    while let Some(event) = server.poll_event() {
        if matches!(event, kordon_proto::ServerEvent::Hello { .. }) {
            let _ = server.welcome("U", 0);
        }
    }
    let now = std::time::Instant::now();
    let mut client = kordon_proto::ClientSession::new(kordon_proto::ClientConfig::default(), now);
    let _ = client.handle_bytes(data, now);
    while client.poll_event().is_some() {}
});
