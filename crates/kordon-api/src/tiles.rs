//! Rendered scan tiles and thumbnails, as the app's `kordon:` scheme and
//! the server's HTTP API serve them: one scan id check, one cache of open
//! pyramids, one renderer.

use crate::view::ViewParams;
use crate::ApiError;
use kordon_imaging::Pyramid;
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
            "{:?} is not a scan id (64 hex digits)",
            s.chars().take(80).collect::<String>()
        )));
    }
    Ok(s.to_ascii_lowercase())
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
}
