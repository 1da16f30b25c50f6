//! The console's files: the production build of `ui/` (`ui/dist`),
//! embedded in release builds (debug builds read the folder at run time).
//! Every path that is not a file gets `index.html`, where the console's
//! router takes over; unknown `/api/` paths get a JSON 404.

use crate::HttpError;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use kordon_api::ApiError;

#[derive(rust_embed::RustEmbed)]
#[folder = "../../ui/dist"]
#[allow_missing = true]
struct Console;

/// Whether the console was built before this server (release builds) or
/// is there to read (debug builds).
pub fn console_present() -> bool {
    Console::get("index.html").is_some()
}

pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path == "api" || path.starts_with("api/") {
        return HttpError(ApiError::new(
            "not_found",
            format!("no such route: {}", uri.path()),
        ))
        .into_response();
    }
    // The build links its files relative to the page ("./assets/..."), so
    // a page at /inspections/ID asks for /inspections/assets/...: serve
    // the asset whatever folder the page is in.
    let path = match path.rfind("assets/") {
        Some(i) if i == 0 || path[..i].ends_with('/') => &path[i..],
        _ => path,
    };
    if let Some(file) = Console::get(path).filter(|_| !path.is_empty()) {
        // Vite names assets by content hash: they never change.
        let cache = if path.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, file.metadata.mimetype().to_string()),
                (header::CACHE_CONTROL, cache.to_string()),
            ],
            file.data.into_owned(),
        )
            .into_response();
    }
    match Console::get("index.html") {
        Some(index) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            index.data.into_owned(),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "The console was not built into this server: run `make build` (it builds ui/ first).\n",
        )
            .into_response(),
    }
}
