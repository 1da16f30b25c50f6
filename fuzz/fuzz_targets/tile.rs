#![no_main]
//! A tile or thumbnail request as the viewer asks for one
//! (`/tile/SCAN/LEVEL/X/Y?VIEW`, `/thumb/SCAN/MAX?VIEW`): parsed, then
//! rendered from a small dual-energy scan if it parses. Nothing may panic,
//! and a refusal quotes at most a short prefix of what was asked.
use kordon_api::tiles::{render_png, request};
use kordon_imaging::{build_pyramid, Format, Image, Pyramid};
use std::sync::OnceLock;

fn pyramid() -> &'static Pyramid {
    static PYRAMID: OnceLock<(tempfile::TempDir, Pyramid)> = OnceLock::new();
    &PYRAMID
        .get_or_init(|| {
            let image = |seed: u32| Image {
                width: 600,
                height: 300,
                bits: 16,
                channels: 1,
                format: Format::Tiff,
                pixels: (0..600 * 300u32).map(|i| ((i * seed) % 65_521) as u16).collect(),
            };
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("scan.pyr");
            build_pyramid(&image(7), Some(&image(13)), &path).expect("pyramid");
            let pyramid = Pyramid::open(&path).expect("open");
            (dir, pyramid)
        })
        .1
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let url = String::from_utf8_lossy(data);
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let answer = request(path, query).and_then(|(_, picture, view)| render_png(pyramid(), picture, &view));
    match answer {
        Ok(png) => assert!(png.starts_with(b"\x89PNG")),
        // A quote is at most 40 characters, each at most 10 bytes escaped
        // (`\u{10ffff}`), with the words around it.
        Err(e) => assert!(e.message.len() < 600, "a refusal of {} bytes", e.message.len()),
    }
});
