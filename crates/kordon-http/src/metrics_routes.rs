//! `GET /metrics`: the server's metrics in the Prometheus text format, to
//! an administrator on the console's listener, and to anyone who can reach
//! the separate metrics listener (`kordon-server run --metrics ADDR`, for
//! Prometheus to scrape without a session: bind it to loopback or a
//! monitoring network). And the middleware that counts every request.

use crate::auth::Caller;
use crate::routes::{as_actor, Peer};
use crate::Http;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use kordon_api::console;
use kordon_api::ApiError;
use kordon_central::metrics::CONTENT_TYPE;
use std::net::SocketAddr;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api() -> OpenApiRouter<Http> {
    OpenApiRouter::new().routes(routes!(metrics))
}

fn text(body: Result<String, crate::error::HttpError>) -> Response {
    match body {
        Ok(body) => (StatusCode::OK, [(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The server's metrics in the Prometheus text format: records accepted
/// and refused by reason, ingest latency, connected vehicles, scan bytes
/// received, projection lag, requests by route and status.
#[utoipa::path(get, path = "/metrics", tag = "fleet", operation_id = "metrics",
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String),
        (status = 401, body = ApiError), (status = 403, body = ApiError),
    ))]
async fn metrics(
    State(http): State<Http>,
    axum::extract::ConnectInfo(peer): Peer,
    headers: HeaderMap,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    text(
        as_actor(
            &http,
            caller,
            "metrics",
            Some(console::METRICS),
            false,
            |c, actor, _| console::metrics(c, actor),
        )
        .await,
    )
}

/// The metrics listener's router: `/metrics` and nothing else, no session.
pub fn open_router(http: Http) -> Router {
    async fn open_metrics(State(http): State<Http>) -> Response {
        let now = kordon_central::now_ms();
        text(
            http.blocking(move |c| {
                c.metrics_text(now)
                    .map_err(|e| crate::error::HttpError(ApiError::from(e)))
            })
            .await,
        )
    }
    Router::new()
        .route("/metrics", axum::routing::get(open_metrics))
        .with_state(http)
}

/// Serves [`open_router`] on `addr` until `shutdown`; returns the bound
/// address.
pub async fn bind_open(
    addr: SocketAddr,
    http: Http,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<
    (
        SocketAddr,
        tokio::task::JoinHandle<Result<(), crate::ServeError>>,
    ),
    crate::ServeError,
> {
    let io = |error| crate::ServeError::Io { addr, error };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(io)?;
    let local = listener.local_addr().map_err(io)?;
    let app = open_router(http);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|error| crate::ServeError::Io { addr: local, error })
    });
    Ok((local, task))
}

/// Counts every request by its route's template (the console's pages,
/// which are files, count as one) and status.
pub(crate) async fn count_requests(
    State(http): State<Http>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "console".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    http.metrics
        .http_request(&route, response.status().as_u16());
    response
}
