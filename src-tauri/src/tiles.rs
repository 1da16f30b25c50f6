//! The `kordon:` URI scheme: rendered scan tiles and thumbnails for the
//! viewer.
//!
//! - `kordon://localhost/tile/SCAN/LEVEL/X/Y?VIEW` → one 256-pixel PNG tile
//!   (DZI level numbering, as OpenSeadragon asks for them);
//! - `kordon://localhost/thumb/SCAN/MAX?VIEW` → a thumbnail, longer side
//!   at most MAX.
//!
//! `VIEW` is `kordon_api::view::ViewParams`' query form. Each request is
//! rendered on a worker thread from the scan's pyramid file, opened once and
//! kept. A scan's tiles never change, so responses may be cached for good.

use crate::state::AppState;
use kordon_api::view::ViewParams;
use kordon_api::ApiError;
use kordon_imaging::Pyramid;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{AppHandle, Manager, UriSchemeResponder};

/// Pyramids opened so far, by scan id.
#[derive(Debug, Default)]
pub struct PyramidCache(Mutex<HashMap<String, Arc<Pyramid>>>);

/// Most pyramids kept open (each holds its tile index and a file handle).
const OPEN_PYRAMIDS: usize = 32;

enum Asset {
    Tile { level: u32, x: u32, y: u32 },
    Thumb { max: u32 },
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::invalid(msg)
}

/// `(scan, asset)` from a request path.
fn parse_path(path: &str) -> Result<(String, Asset), ApiError> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let num = |s: &str| {
        s.parse::<u32>()
            .map_err(|_| bad(format!("{s:?} is not a number")))
    };
    let (scan, asset) = match parts.as_slice() {
        ["tile", scan, level, x, y] => (
            *scan,
            Asset::Tile {
                level: num(level)?,
                x: num(x)?,
                y: num(y.trim_end_matches(".png"))?,
            },
        ),
        ["thumb", scan, max] => (*scan, Asset::Thumb { max: num(max)? }),
        _ => return Err(bad(format!("no such resource: {path}"))),
    };
    // The id names a file: only a full BLAKE3 hex hash is accepted.
    if scan.len() != 64 || !scan.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(format!("{scan:?} is not a scan id")));
    }
    Ok((scan.to_ascii_lowercase(), asset))
}

impl PyramidCache {
    fn get(&self, state: &AppState, scan: &str) -> Result<Arc<Pyramid>, ApiError> {
        if let Some(p) = self.0.lock().ok().and_then(|m| m.get(scan).cloned()) {
            return Ok(p);
        }
        let path = state.with_vehicle(|v| Ok(v.pyramid_path(scan)))?;
        let pyramid = match Pyramid::open(&path) {
            Ok(p) => p,
            // Missing or damaged: rebuilt from the scan's images.
            Err(_) => {
                state.with_vehicle(|v| kordon_api::crew::scan_info(v, scan))?;
                Pyramid::open(&path).map_err(|e| ApiError::from(imaging(e)))?
            }
        };
        let pyramid = Arc::new(pyramid);
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= OPEN_PYRAMIDS {
                m.clear();
            }
            m.insert(scan.to_string(), pyramid.clone());
        }
        Ok(pyramid)
    }
}

fn imaging(e: kordon_imaging::ImagingError) -> kordon_vehicle::VehicleError {
    kordon_vehicle::VehicleError::Invalid(e.to_string())
}

fn render(state: &AppState, path: &str, query: &str) -> Result<Vec<u8>, ApiError> {
    let (scan, asset) = parse_path(path)?;
    let view = ViewParams::from_query(query)?.to_view()?;
    let pyramid = state.tiles.get(state, &scan)?;
    let picture = match asset {
        Asset::Tile { level, x, y } => kordon_imaging::render_tile(&pyramid, level, x, y, &view),
        Asset::Thumb { max } => kordon_imaging::thumbnail(&pyramid, max.clamp(16, 4096), &view),
    }
    .map_err(|e| ApiError::from(imaging(e)))?;
    kordon_imaging::encode_png(&picture).map_err(|e| ApiError::from(imaging(e)))
}

fn respond(result: Result<Vec<u8>, ApiError>) -> Response<Vec<u8>> {
    let builder = Response::builder().header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    let built = match result {
        Ok(png) => builder
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "image/png")
            .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
            .body(png),
        Err(e) => builder
            .status(if e.code == "not_found" {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::BAD_REQUEST
            })
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(e.to_string().into_bytes()),
    };
    built.unwrap_or_else(|_| Response::new(Vec::new()))
}

/// Handles one request of the scheme, off the window's thread.
pub fn serve(app: &AppHandle, request: Request<Vec<u8>>, responder: UriSchemeResponder) {
    let app = app.clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    tauri::async_runtime::spawn_blocking(move || {
        let result = match app.try_state::<AppState>() {
            Some(state) => render(&state, &path, &query),
            None => Err(ApiError::internal("the app is still starting")),
        };
        if let Err(e) = &result {
            tracing::debug!("kordon:{path}: {e}");
        }
        responder.respond(respond(result));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_a_full_scan_id_and_numbers() {
        let id = "ab".repeat(32);
        let (scan, asset) = parse_path(&format!("/tile/{id}/12/3/4")).expect("tile");
        assert_eq!(scan, id);
        assert!(matches!(
            asset,
            Asset::Tile {
                level: 12,
                x: 3,
                y: 4
            }
        ));
        assert!(matches!(
            parse_path(&format!("/thumb/{id}/256")).expect("thumb").1,
            Asset::Thumb { max: 256 }
        ));
        for bad in [
            "/tile/../../etc/passwd/1/1/1".to_string(),
            format!("/tile/{}/1/1/1", &id[..12]),
            format!("/tile/{id}/-1/0/0"),
            format!("/tile/{id}/1/0"),
            "/".to_string(),
        ] {
            assert!(parse_path(&bad).is_err(), "{bad}");
        }
    }
}
