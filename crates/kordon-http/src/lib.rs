//! The server's HTTP side: the supervisors' console API and the console
//! itself (the built `ui/`), beside the QUIC sync endpoint in the same
//! process.
//!
//! - [`routes`]: one handler per operation of `kordon_api::console`, each
//!   documented where it is declared; the router and the OpenAPI 3.1
//!   document ([`openapi`], checked in as `docs/api/openapi.json`) are
//!   derived from the same declarations.
//! - [`auth`]: sessions from the cookie, CSRF checks, login throttling per
//!   address, audit of refusals.
//! - [`assets`]: the console's files, embedded in release builds, read
//!   from `ui/dist` in debug builds.
//! - [`serve`]: plain HTTP or TLS (rustls), with connection info for the
//!   audit trail.
//!
//! The API works on its own connection to the server's store (SQLite in
//! WAL mode lets it read and write beside the sync endpoint); store work
//! runs on blocking threads, tile rendering outside the store's lock.

pub mod assets;
mod audit_routes;
pub mod auth;
mod error;
mod fleet_routes;
pub mod metrics_routes;
pub mod routes;
mod statistics_routes;
mod training_routes;

pub use error::{status_of, HttpError};

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use kordon_api::tiles::PyramidCache;
use kordon_api::ApiError;
use kordon_central::Central;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use utoipa::OpenApi;

/// Largest request body accepted (JSON only; scans never come this way).
pub const MAX_BODY: usize = 64 * 1024;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct Http {
    central: Arc<Mutex<Central>>,
    pyramids: Arc<PyramidCache>,
    throttle: Arc<auth::PeerThrottle>,
    /// Cookies get `Secure` (served over TLS).
    secure_cookies: bool,
    /// The process's metrics (requests are counted into them).
    metrics: Arc<kordon_central::metrics::Metrics>,
}

impl Http {
    /// `central` is this API's own handle on the server data directory.
    pub fn new(central: Central, secure_cookies: bool) -> Self {
        Http {
            metrics: central.metrics().clone(),
            central: Arc::new(Mutex::new(central)),
            pyramids: Arc::new(PyramidCache::default()),
            throttle: Arc::new(auth::PeerThrottle::default()),
            secure_cookies,
        }
    }

    /// Runs `f` with the store, on a blocking thread.
    pub(crate) async fn blocking<T, F>(&self, f: F) -> Result<T, HttpError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Central) -> Result<T, HttpError> + Send + 'static,
    {
        let central = self.central.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = central
                .lock()
                .map_err(|_| HttpError(ApiError::internal("the store's lock was poisoned")))?;
            f(&mut c)
        })
        .await
        .map_err(|e| HttpError(ApiError::internal(format!("a worker failed: {e}"))))?
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kordon console API",
        description = "The supervisors' console of a Kordon server: the review queue, inspections with their scans, verdicts and marks that flow back to the vehicles, accounts and the audit trail.\n\nSign in with `POST /api/login`; the session is an HttpOnly cookie. Every state-changing request must carry the session's CSRF token (from the login or `GET /api/me`) in the `X-Kordon-CSRF` header. Errors are `{code, message}` with a stable code.",
        license(name = "Apache-2.0")
    ),
    components(schemas(ApiError, kordon_api::statistics::StatsTable)),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "inspections", description = "The review queue and verdicts"),
        (name = "scans", description = "Scan state, tiles and thumbnails"),
        (name = "accounts", description = "Accounts and the audit trail"),
        (name = "fleet", description = "Vehicles, enrollment tokens and revocations"),
        (name = "training", description = "Trainees' training exercises, scored"),
    )
)]
struct ApiDoc;

/// The router and the document, from the same declarations.
fn parts() -> (Router<Http>, utoipa::openapi::OpenApi) {
    utoipa_axum::router::OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::api())
        .merge(metrics_routes::api())
        .merge(audit_routes::api())
        .merge(statistics_routes::api())
        .merge(training_routes::api())
        .split_for_parts()
}

/// The OpenAPI 3.1 document of the console API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    parts().1
}

/// The whole HTTP side: the API, then the console's files for every other
/// path (the console routes in the browser).
pub fn router(http: Http) -> Router {
    let (api, _) = parts();
    api.fallback(assets::serve)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(
            http.clone(),
            metrics_routes::count_requests,
        ))
        .with_state(http)
}

/// Headers every response carries: no framing, no sniffing, no referrer,
/// scripts and everything else only from this server.
async fn security_headers(request: Request<axum::body::Body>, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    response
}

/// TLS for the console: a certificate chain and key in PEM files.
#[derive(Debug, Clone)]
pub struct Tls {
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{path}: {reason}")]
    Tls { path: String, reason: String },
    #[error("HTTP on {addr}: {error}")]
    Io {
        addr: SocketAddr,
        error: std::io::Error,
    },
}

fn tls_config(tls: &Tls) -> Result<rustls::ServerConfig, ServeError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |path: &std::path::Path, reason: String| ServeError::Tls {
        path: path.display().to_string(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(&tls.cert)
        .map_err(|e| bad(&tls.cert, e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(&tls.cert, e.to_string()))?;
    if certs.is_empty() {
        return Err(bad(&tls.cert, "no certificate in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| bad(&tls.key, e.to_string()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
    .map_err(|e| bad(&tls.cert, e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| bad(&tls.cert, e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Binds `addr` (so the caller knows at once whether it is free) and
/// returns the bound address and the server future, which runs until
/// `shutdown` completes.
pub async fn bind(
    addr: SocketAddr,
    tls: Option<Tls>,
    http: Http,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(SocketAddr, tokio::task::JoinHandle<Result<(), ServeError>>), ServeError> {
    let app = router(http).into_make_service_with_connect_info::<SocketAddr>();
    let io = |error| ServeError::Io { addr, error };
    match tls {
        None => {
            let listener = tokio::net::TcpListener::bind(addr).await.map_err(io)?;
            let local = listener.local_addr().map_err(io)?;
            let task = tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
                    .map_err(|error| ServeError::Io { addr: local, error })
            });
            Ok((local, task))
        }
        Some(tls) => {
            let config =
                axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(tls_config(&tls)?));
            let listener = std::net::TcpListener::bind(addr).map_err(io)?;
            listener.set_nonblocking(true).map_err(io)?;
            let local = listener.local_addr().map_err(io)?;
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                stopper.graceful_shutdown(Some(std::time::Duration::from_secs(3)));
            });
            let task = tokio::spawn(async move {
                axum_server::from_tcp_rustls(listener, config)
                    .handle(handle)
                    .serve(app)
                    .await
                    .map_err(|error| ServeError::Io { addr: local, error })
            });
            Ok((local, task))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// `docs/api/openapi.json` is the document the server serves; `make
    /// types` (which sets `KORDON_WRITE_BINDINGS=1`) rewrites it.
    #[test]
    fn the_checked_in_api_document_is_current() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api/openapi.json");
        let mut fresh = super::openapi().to_pretty_json().expect("document");
        fresh.push('\n');
        if std::env::var_os("KORDON_WRITE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).expect("write openapi.json");
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == fresh,
            "{} is stale: run `make types` and commit it",
            path.display()
        );
        let doc: serde_json::Value = serde_json::from_str(&fresh).expect("JSON");
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "OpenAPI 3.1"
        );
    }
}
