//! Rendered scan tiles and thumbnails, as the app's `kordon:` scheme and
//! the server's HTTP API serve them: one scan id check, one cache of open
//! pyramids, one renderer.

use crate::view::ViewParams;
use crate::ApiError;
use kordon_imaging::Pyramid;
use kordon_plates::quoted;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What is asked of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picture {
    /// One 256-pixel tile (DZI level numbering).
    Tile { level: u32, x: u32, y: u32 },
    /// The whole scan, longer side at most `max` (16 to 4096).
    Thumbnail { max: u32 },
}

/// A scan id names a file: only a full BLAKE3 hash in hex is accepted.
/// Returns it in lower case.
pub fn scan_id(s: &str) -> Result<String, ApiError> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::invalid(format!(
            "{} is not a scan id (64 hex digits)",
            quoted(s)
        )));
    }
    Ok(s.to_ascii_lowercase())
}

impl Picture {
    /// A tile by its numbers as a URL carries them (`.png` may end each).
    pub fn tile(level: &str, x: &str, y: &str) -> Result<Picture, ApiError> {
        Ok(Picture::Tile {
            level: number(level, "a tile number")?,
            x: number(x, "a tile number")?,
            y: number(y, "a tile number")?,
        })
    }

    /// A thumbnail whose longer side is at most `max` pixels.
    pub fn thumbnail(max: &str) -> Result<Picture, ApiError> {
        Ok(Picture::Thumbnail {
            max: number(max, "a thumbnail size")?,
        })
    }

    /// The scan and picture a `kordon:` path names:
    /// `/tile/SCAN/LEVEL/X/Y` or `/thumb/SCAN/MAX`.
    pub fn at_path(path: &str) -> Result<(String, Picture), ApiError> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let (scan, picture) = match parts.as_slice() {
            ["tile", scan, level, x, y] => (*scan, Picture::tile(level, x, y)?),
            ["thumb", scan, max] => (*scan, Picture::thumbnail(max)?),
            _ => {
                return Err(ApiError::new(
                    "not_found",
                    format!("no such picture: {}", quoted(path)),
                ))
            }
        };
        Ok((scan_id(scan)?, picture))
    }
}

/// The scan, picture and view a `kordon:` request names by its path and
/// query: what the app's scheme parses before it renders.
pub fn request(path: &str, query: &str) -> Result<(String, Picture, ViewParams), ApiError> {
    let (scan, picture) = Picture::at_path(path)?;
    Ok((scan, picture, ViewParams::from_query(query)?))
}

fn number(s: &str, what: &str) -> Result<u32, ApiError> {
    s.trim_end_matches(".png")
        .parse()
        .map_err(|_| ApiError::invalid(format!("{} is not {what}", quoted(s))))
}

/// Most pyramids kept open (each holds its tile index and a file handle).
const OPEN_PYRAMIDS: usize = 32;

/// Pyramids opened so far, by scan id. A scan's tiles never change, so an
/// open pyramid stays good.
#[derive(Debug, Default)]
pub struct PyramidCache(Mutex<HashMap<String, Arc<Pyramid>>>);

impl PyramidCache {
    /// The open pyramid of `scan`, or `open` it (and keep it).
    pub fn get_or_open(
        &self,
        scan: &str,
        open: impl FnOnce() -> Result<Pyramid, ApiError>,
    ) -> Result<Arc<Pyramid>, ApiError> {
        if let Some(p) = self.0.lock().ok().and_then(|m| m.get(scan).cloned()) {
            return Ok(p);
        }
        let pyramid = Arc::new(open()?);
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= OPEN_PYRAMIDS {
                m.clear();
            }
            m.insert(scan.to_string(), pyramid.clone());
        }
        Ok(pyramid)
    }

    /// Forgets every open pyramid (the data was closed).
    pub fn clear(&self) {
        if let Ok(mut m) = self.0.lock() {
            m.clear();
        }
    }
}

/// Renders a tile or thumbnail as PNG.
pub fn render_png(
    pyramid: &Pyramid,
    what: Picture,
    view: &ViewParams,
) -> Result<Vec<u8>, ApiError> {
    let view = view.to_view()?;
    let picture = match what {
        Picture::Tile { level, x, y } => kordon_imaging::render_tile(pyramid, level, x, y, &view),
        Picture::Thumbnail { max } => {
            kordon_imaging::thumbnail(pyramid, max.clamp(16, 4096), &view)
        }
    }
    .map_err(|e| ApiError::invalid(e.to_string()))?;
    kordon_imaging::encode_png(&picture).map_err(|e| ApiError::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_hex_hashes_name_a_scan() {
        let good = "AB".repeat(32);
        assert_eq!(scan_id(&good).expect("good"), "ab".repeat(32));
        for bad in [
            "",
            "..",
            "../../etc/passwd",
            &"a".repeat(63),
            &"g".repeat(64),
        ] {
            assert_eq!(scan_id(bad).expect_err("bad").code, "invalid_input");
        }
    }

    #[test]
    fn paths_name_a_full_scan_id_and_numbers() {
        let id = "ab".repeat(32);
        let (scan, tile) = Picture::at_path(&format!("/tile/{id}/12/3/4.png")).expect("tile");
        assert_eq!(scan, id);
        assert_eq!(
            tile,
            Picture::Tile {
                level: 12,
                x: 3,
                y: 4
            }
        );
        assert_eq!(
            Picture::at_path(&format!("/thumb/{id}/256"))
                .expect("thumb")
                .1,
            Picture::Thumbnail { max: 256 }
        );
        for bad in [
            "/tile/../../etc/passwd/1/1/1".to_string(),
            format!("/tile/{}/1/1/1", &id[..12]),
            format!("/tile/{id}/-1/0/0"),
            format!("/tile/{id}/1/0"),
            format!("/tile/{id}/4294967296/0/0"),
            "/".to_string(),
        ] {
            assert!(Picture::at_path(&bad).is_err(), "{bad}");
        }
    }

    /// However long the bad part of a request, its error quotes a short
    /// prefix of it, never all of it.
    #[test]
    fn a_long_bad_value_is_quoted_short() {
        let id = "ab".repeat(32);
        let long = "9".repeat(100_000);
        let bad = [
            Picture::at_path(&format!("/tile/{id}/{long}/0/0")).err(),
            Picture::at_path(&format!("/tile/{long}/0/0/0")).err(),
            Picture::at_path(&format!("/thumb/{id}/{long}")).err(),
            Picture::at_path(&format!("/{long}")).err(),
            ViewParams::from_query(&format!("g={long}x")).err(),
            ViewParams::from_query(&format!("w={long}")).err(),
            ViewParams::from_query(&format!("w=1,{long}x")).err(),
            ViewParams::from_query(&format!("{long}=1")).err(),
            ViewParams::from_query(&format!("cm={long}"))
                .ok()
                .and_then(|v| v.to_view().err()),
        ];
        // A short request whose numbers are long written out.
        let huge = ViewParams::from_query("w=1e308,1e308")
            .ok()
            .and_then(|v| v.to_view().err())
            .expect("an empty window is refused");
        assert!(huge.message.len() < 100, "{}", huge.message);
        for (i, e) in bad.into_iter().enumerate() {
            let e = e.unwrap_or_else(|| panic!("request {i} is refused"));
            assert!(
                e.message.len() < 200,
                "request {i}: {} bytes",
                e.message.len()
            );
            assert!(
                e.message.contains("more characters"),
                "request {i}: {}",
                e.message
            );
        }
    }

    /// A small dual-energy scan's pyramid, as the fuzz target renders from.
    fn small_pyramid(dir: &std::path::Path) -> Pyramid {
        let image = |seed: u32| kordon_imaging::Image {
            width: 600,
            height: 300,
            bits: 16,
            channels: 1,
            format: kordon_imaging::Format::Tiff,
            pixels: (0..600 * 300u32)
                .map(|i| ((i * seed) % 65_521) as u16)
                .collect(),
        };
        let path = dir.join("scan.pyr");
        kordon_imaging::build_pyramid(&image(7), Some(&image(13)), &path).expect("pyramid");
        Pyramid::open(&path).expect("open")
    }

    /// The files of `fuzz/regressions/tile/` (requests once found to
    /// misbehave, and hostile seeds) go through what the fuzz target
    /// does: parsed, then rendered if they parse; refusals stay short.
    #[test]
    fn the_fuzz_regressions_are_answered_briefly() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pyramid = small_pyramid(dir.path());
        let files = kordon_test_support::regressions("tile");
        assert!(!files.is_empty(), "seeds in fuzz/regressions/tile");
        let mut rendered = 0;
        for (name, bytes) in files {
            let url = String::from_utf8_lossy(&bytes);
            let (path, query) = url.split_once('?').unwrap_or((&url, ""));
            let answer = request(path, query)
                .and_then(|(_, picture, view)| render_png(&pyramid, picture, &view));
            match answer {
                Ok(png) => {
                    assert!(png.starts_with(b"\x89PNG"), "{name}");
                    rendered += 1;
                }
                // A quote is at most 40 characters, each at most 10 bytes
                // escaped (`\u{10ffff}`), with the words around it.
                Err(e) => assert!(e.message.len() < 600, "{name}: {}", e.message),
            }
        }
        assert!(rendered > 0, "some seeds are good requests");
    }
}
