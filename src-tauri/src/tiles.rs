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
use kordon_api::tiles::{render_png, request};
use kordon_api::ApiError;
use kordon_imaging::Pyramid;
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{AppHandle, Manager, UriSchemeResponder};

fn render(state: &AppState, path: &str, query: &str) -> Result<Vec<u8>, ApiError> {
    let (scan, picture, view) = request(path, query)?;
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
