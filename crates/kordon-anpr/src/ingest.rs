//! The local HTTP endpoint cameras push to.
//!
//! Any path, because cameras are configured with whatever path their
//! firmware offers: a `POST` (or `PUT`) is spooled durably and answered
//! `200 OK` at once, before any parsing; a `GET` answers that the ingest is
//! up (cameras test their target). A full disk gets `503` so the camera
//! retries, and nothing is lost that was answered `200`. Optional
//! credentials per camera, HTTP basic or digest as the camera is set up
//! in the field; with credentials configured, a push without valid ones
//! gets `401` with both challenges. A request from a web page (it carries
//! `Origin` or fetch metadata, which cameras never send) is refused, so a
//! page open in a crew member's browser cannot plant reads.

use crate::spool::{PushMeta, Spool};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use std::net::SocketAddr;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

/// Largest push accepted: an alert with a plate crop and a full-HD scene.
pub const MAX_PUSH: usize = 16 << 20;

/// A camera allowed to push, with the credentials it is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Camera {
    pub name: String,
    pub user: String,
    pub password: String,
}

impl std::str::FromStr for Camera {
    type Err = String;
    /// `NAME:USER:PASSWORD`.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut it = s.splitn(3, ':');
        match (it.next(), it.next(), it.next()) {
            (Some(name), Some(user), Some(password)) if !name.is_empty() && !user.is_empty() => {
                Ok(Camera {
                    name: name.into(),
                    user: user.into(),
                    password: password.into(),
                })
            }
            _ => Err(format!("{s:?} is not NAME:USER:PASSWORD")),
        }
    }
}

#[derive(Clone)]
struct Ingest {
    spool: Spool,
    cameras: Arc<Vec<Camera>>,
    /// Told after each push is spooled (the processor wakes up).
    wake: Arc<Mutex<Option<Sender<()>>>>,
    clock: fn() -> i64,
    nonces: crate::digest::Nonces,
}

/// Equal in time independent of where they differ.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether a request comes from a web page: browsers mark every
/// cross-origin request with `Origin` and fetch metadata; cameras send
/// neither.
fn from_a_browser(headers: &HeaderMap) -> bool {
    headers.contains_key(header::ORIGIN) || headers.contains_key("sec-fetch-site")
}

/// The configured camera whose digest credentials `value` proves.
fn digest_camera<'a>(
    cameras: &'a [Camera],
    value: &str,
    method: &Method,
    uri: &Uri,
    nonces: &crate::digest::Nonces,
    now_ms: i64,
) -> Option<&'a Camera> {
    let target = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    cameras.iter().find(|c| {
        crate::digest::verify(
            value,
            method.as_str(),
            target,
            &c.user,
            &c.password,
            nonces,
            now_ms,
        )
    })
}

/// The configured camera whose basic credentials `headers` carry.
fn camera_of<'a>(cameras: &'a [Camera], headers: &HeaderMap) -> Option<&'a Camera> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    cameras.iter().find(|c| {
        same(c.user.as_bytes(), user.as_bytes()) && same(c.password.as_bytes(), password.as_bytes())
    })
}

async fn handle(
    State(ingest): State<Ingest>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method == Method::GET || method == Method::HEAD {
        return (StatusCode::OK, "Kordon ANPR ingest\n").into_response();
    }
    if from_a_browser(&headers) {
        // Cameras never send these; a web page does, and must not be able
        // to plant reads through a crew member's browser.
        tracing::warn!(%peer, path = %uri.path(), "ANPR push from a web page refused");
        return (StatusCode::FORBIDDEN, "pushes from web pages are refused\n").into_response();
    }
    if method != Method::POST && method != Method::PUT {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, POST, PUT")],
            "",
        )
            .into_response();
    }
    let camera = if ingest.cameras.is_empty() {
        None
    } else {
        let now = (ingest.clock)();
        let digest = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.trim_start().starts_with("Digest"));
        let found = match digest {
            Some(v) => digest_camera(&ingest.cameras, v, &method, &uri, &ingest.nonces, now),
            None => camera_of(&ingest.cameras, &headers),
        };
        match found {
            Some(c) => Some(c.name.clone()),
            None => {
                if headers.contains_key(header::AUTHORIZATION) {
                    tracing::warn!(%peer, path = %uri.path(), "ANPR push with wrong credentials refused");
                }
                let mut r = (StatusCode::UNAUTHORIZED, "credentials required\n").into_response();
                if let Ok(v) = ingest.nonces.challenge(now).parse() {
                    r.headers_mut().append(header::WWW_AUTHENTICATE, v);
                }
                r.headers_mut().append(
                    header::WWW_AUTHENTICATE,
                    axum::http::HeaderValue::from_static("Basic realm=\"kordon-anpr\""),
                );
                return r;
            }
        }
    };
    let meta = PushMeta {
        received_ms: (ingest.clock)(),
        peer: peer.to_string(),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
        camera,
        path: uri.path().chars().take(512).collect(),
    };
    let spool = ingest.spool.clone();
    let stored = tokio::task::spawn_blocking(move || spool.accept(&meta, &body)).await;
    match stored {
        Ok(Ok(_id)) => {
            if let Ok(w) = ingest.wake.lock() {
                if let Some(tx) = w.as_ref() {
                    let _ = tx.send(());
                }
            }
            (StatusCode::OK, "OK\n").into_response()
        }
        Ok(Err(e)) => {
            tracing::error!(%peer, error = %e, "ANPR push could not be spooled; the camera will retry");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "cannot store the push now; retry\n",
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(%peer, error = %e, "ANPR spool worker failed");
            (StatusCode::SERVICE_UNAVAILABLE, "retry\n").into_response()
        }
    }
}

/// The ingest's router: every path and method to one handler.
pub fn router(spool: Spool, cameras: Vec<Camera>, wake: Option<Sender<()>>) -> Router {
    Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(MAX_PUSH))
        .with_state(Ingest {
            spool,
            cameras: Arc::new(cameras),
            wake: Arc::new(Mutex::new(wake)),
            clock: kordon_vehicle::now_ms,
            nonces: crate::digest::Nonces::default(),
        })
}

/// Binds `addr` and serves the ingest until `shutdown` completes.
pub async fn bind(
    addr: SocketAddr,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    });
    Ok((local, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cameras_are_given_as_name_user_password() {
        let c: Camera = "gate-2:admin:pa:ss".parse().expect("camera");
        assert_eq!(c.password, "pa:ss");
        assert!("gate-2".parse::<Camera>().is_err());
        assert!(":u:p".parse::<Camera>().is_err());
    }

    #[test]
    fn basic_credentials_name_the_camera() {
        let cams = vec![Camera {
            name: "gate-2".into(),
            user: "admin".into(),
            password: "secret".into(),
        }];
        let mut h = HeaderMap::new();
        let b64 = base64::engine::general_purpose::STANDARD.encode("admin:secret");
        h.insert(
            header::AUTHORIZATION,
            format!("Basic {b64}").parse().expect("header"),
        );
        assert_eq!(
            camera_of(&cams, &h).map(|c| c.name.as_str()),
            Some("gate-2")
        );
        let wrong = base64::engine::general_purpose::STANDARD.encode("admin:secreT");
        h.insert(
            header::AUTHORIZATION,
            format!("Basic {wrong}").parse().expect("header"),
        );
        assert!(camera_of(&cams, &h).is_none());
    }
}
