//! The console's files: the production build of `ui/` (`ui/dist`),
//! embedded in release builds (debug builds read the folder at run time).
//! Every path that is not a file gets `index.html`, where the console's
//! router takes over; unknown `/api/` paths get a JSON 404. Text files
//! go gzip-compressed to browsers that accept it (compressed once, then
//! kept): the console's scripts are a third of their size on a slow link.

use crate::HttpError;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use kordon_api::ApiError;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(rust_embed::RustEmbed)]
#[folder = "../../ui/dist"]
#[allow_missing = true]
struct Console;

/// Whether the console was built before this server (release builds) or
/// is there to read (debug builds).
pub fn console_present() -> bool {
    Console::get("index.html").is_some()
}

/// Whether the request says it takes gzip.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

fn compressible(mime: &str) -> bool {
    mime.starts_with("text/")
        || mime.contains("javascript")
        || mime.contains("json")
        || mime.contains("svg")
}

/// The gzip form of an embedded file, made once.
fn gzipped(path: &str, data: &[u8]) -> Option<Arc<Vec<u8>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Vec<u8>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(hit) = cache.lock().ok()?.get(path) {
        return Some(hit.clone());
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(data).ok()?;
    let bytes = Arc::new(gz.finish().ok()?);
    cache.lock().ok()?.insert(path.to_string(), bytes.clone());
    Some(bytes)
}

/// A file's answer: compressed when that helps and the browser takes it.
fn file_response(
    path: &str,
    mime: &str,
    cache: &'static str,
    data: &[u8],
    headers: &HeaderMap,
) -> Response {
    let mut response = if compressible(mime) && accepts_gzip(headers) {
        match gzipped(path, data) {
            Some(gz) => {
                let mut r = (StatusCode::OK, gz.as_ref().clone()).into_response();
                r.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                r
            }
            None => (StatusCode::OK, data.to_vec()).into_response(),
        }
    } else {
        (StatusCode::OK, data.to_vec()).into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

pub async fn serve(uri: Uri, headers: HeaderMap) -> Response {
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
        let cache: &'static str = if path.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return file_response(path, file.metadata.mimetype(), cache, &file.data, &headers);
    }
    match Console::get("index.html") {
        Some(index) => file_response(
            "index.html",
            "text/html; charset=utf-8",
            "no-cache",
            &index.data,
            &headers,
        ),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "The console was not built into this server: run `make build` (it builds ui/ first).\n",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).expect("header"),
        );
        h
    }

    #[test]
    fn gzip_goes_only_to_browsers_that_take_it() {
        assert!(accepts_gzip(&with("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(&with("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&with("*")));
        assert!(!accepts_gzip(&with("gzip;q=0, br")));
        assert!(!accepts_gzip(&with("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn a_compressed_file_inflates_to_the_original() {
        let text = "console.log('kordon');\n".repeat(500);
        let r = file_response(
            "test.js",
            "text/javascript",
            "no-cache",
            text.as_bytes(),
            &with("gzip"),
        );
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(r.headers()[header::VARY], "Accept-Encoding");
        let plain = file_response("x.png", "image/png", "no-cache", b"PNG", &with("gzip"));
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let gz = gzipped("test.js", text.as_bytes()).expect("gzip");
        assert!(gz.len() < text.len() / 10);
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out)
            .expect("inflate");
        assert_eq!(out, text);
    }
}
