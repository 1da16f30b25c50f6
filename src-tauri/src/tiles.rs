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
use kordon_api::tiles::{render_png, scan_id, Picture};
use kordon_api::view::ViewParams;
use kordon_api::ApiError;
use kordon_imaging::Pyramid;
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{AppHandle, Manager, UriSchemeResponder};

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::invalid(msg)
}

/// `(scan, picture)` from a request path.
fn parse_path(path: &str) -> Result<(String, Picture), ApiError> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let num = |s: &str| {
        s.parse::<u32>()
            .map_err(|_| bad(format!("{s:?} is not a number")))
    };
    let (scan, picture) = match parts.as_slice() {
        ["tile", scan, level, x, y] => (
            *scan,
            Picture::Tile {
                level: num(level)?,
                x: num(x)?,
                y: num(y.trim_end_matches(".png"))?,
            },
        ),
        ["thumb", scan, max] => (*scan, Picture::Thumbnail { max: num(max)? }),
        _ => return Err(bad(format!("no such resource: {path}"))),
    };
    Ok((scan_id(scan)?, picture))
}

fn render(state: &AppState, path: &str, query: &str) -> Result<Vec<u8>, ApiError> {
    let (scan, picture) = parse_path(path)?;
    let view = ViewParams::from_query(query)?;
    if state.is_locked() {
        return Err(crate::state::locked());
    }
    let pyramid = state.tiles.get_or_open(&scan, || {
        let (path, seal) = state.with_vehicle(|v| Ok((v.pyramid_path(&scan), v.seal().clone())))?;
        match Pyramid::open_with(&path, &seal) {
            Ok(p) => Ok(p),
            // Missing or damaged: rebuilt from the scan's images.
            Err(_) => {
                state.with_vehicle(|v| kordon_api::crew::scan_info(v, &scan))?;
                Pyramid::open_with(&path, &seal).map_err(|e| ApiError::invalid(e.to_string()))
            }
        }
    })?;
    render_png(&pyramid, picture, &view)
}

fn respond(result: Result<(&'static str, Vec<u8>), ApiError>) -> Response<Vec<u8>> {
    let builder = Response::builder().header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    let built = match result {
        Ok((content_type, png)) => builder
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
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
            // `/read/BLOB`: an ANPR read's image, as the camera sent it.
            Some(state) => match path.strip_prefix("/read/") {
                Some(blob) => state
                    .with_vehicle(|v| kordon_api::crew::read_image(v, blob))
                    .map(|i| (i.content_type, i.bytes)),
                None => render(&state, &path, &query).map(|png| ("image/png", png)),
            },
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
            Picture::Tile {
                level: 12,
                x: 3,
                y: 4
            }
        ));
        assert!(matches!(
            parse_path(&format!("/thumb/{id}/256")).expect("thumb").1,
            Picture::Thumbnail { max: 256 }
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
