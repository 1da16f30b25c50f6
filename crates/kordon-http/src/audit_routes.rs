//! The audit trail's routes (auditors, administrators): a page of events
//! as JSON, or every matching event as CSV, streamed page by page so that
//! a million rows never sit in memory at once. And the evidence bundle of
//! an inspection, whose download the trail records.

use crate::auth::Caller;
use crate::error::HttpError;
use crate::routes::{as_actor, attachment, query, reply, Peer};
use crate::Http;
use axum::body::Body;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kordon_api::audit::{self, csv_header, csv_rows, EXPORT_PAGE};
use kordon_api::{console, ApiError};
use kordon_central::trail::{TrailPage, TrailQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api() -> OpenApiRouter<Http> {
    OpenApiRouter::new()
        .routes(routes!(trail))
        .routes(routes!(trail_csv))
        .routes(routes!(bundle))
}

/// The evidence bundle of one inspection: a zip with its signed records
/// and the server's proofs, the original scan files, overviews with the
/// marks, and a README on checking it. The download is audited.
#[utoipa::path(get, path = "/api/inspections/{id}/bundle", tag = "inspections", operation_id = "bundle",
    params(("id" = String, Path, description = "The inspection's id")),
    responses(
        (status = 200, description = "The bundle", content_type = "application/zip", body = Vec<u8>),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError),
    ))]
async fn bundle(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    id: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let id = crate::routes::path(id);
    let made = as_actor(
        &http,
        caller,
        "bundle",
        Some(kordon_api::evidence::BUNDLE),
        false,
        move |c, actor, caller| {
            kordon_api::evidence::bundle(c, actor, &id.map_err(|e| e.0)?, Some(&caller.peer_text()))
        },
    )
    .await;
    match made {
        Ok(b) => attachment("application/zip", &b.file_name, b.bytes),
        Err(e) => e.into_response(),
    }
}

/// The audit trail, newest first: every record accepted, every refusal
/// (of a record or a connection) and every login and console action.
/// Page with `after` = the previous page's `next`.
#[utoipa::path(get, path = "/api/trail", tag = "accounts", operation_id = "trail",
    params(TrailQuery),
    responses((status = 200, body = TrailPage), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn trail(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let q: Result<TrailQuery, HttpError> = query(&q);
    reply(
        as_actor(
            &http,
            caller,
            "trail",
            Some(console::AUDIT),
            false,
            move |c, actor, _| audit::trail(c, actor, &q.map_err(|e| e.0)?),
        )
        .await,
    )
}

/// Every event of the trail that matches the filters, as CSV (UTF-8,
/// RFC 4180, a header line, times in UTC). The export itself is audited.
#[utoipa::path(get, path = "/api/trail/csv", tag = "accounts", operation_id = "trail_csv",
    params(TrailQuery),
    responses(
        (status = 200, description = "The events as CSV", content_type = "text/csv", body = String),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
    ))]
async fn trail_csv(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let q: Result<TrailQuery, HttpError> = query(&q);
    let first = as_actor(
        &http,
        caller,
        "trail_csv",
        Some(console::AUDIT),
        false,
        move |c, actor, caller| {
            let q = q.map_err(|e| e.0)?;
            let page = audit::trail_export(c, actor, &q, Some(&caller.peer_text()))?;
            Ok((page, q))
        },
    )
    .await;
    let (first, q) = match first {
        Ok(made) => made,
        Err(e) => return e.into_response(),
    };
    // The first page came with the role check; the rest follow as the
    // client reads, one page per step, the header before the first.
    enum Next {
        Page(TrailPage),
        After(String),
        Done,
    }
    let start = (Next::Page(first), true);
    let stream = futures_util::stream::unfold(start, move |(next, header)| {
        let (http, q) = (http.clone(), q.clone());
        async move {
            let page = match next {
                Next::Done => return None,
                Next::Page(p) => p,
                Next::After(after) => {
                    let q = TrailQuery {
                        after: Some(after),
                        limit: Some(EXPORT_PAGE),
                        ..q
                    };
                    let fetched = http
                        .blocking(move |c| c.trail(&q).map_err(|e| HttpError(ApiError::from(e))))
                        .await;
                    match fetched {
                        Ok(p) => p,
                        Err(e) => {
                            tracing::warn!(error = %e.0, "the audit export stopped");
                            let stopped = std::io::Error::other(e.0.message);
                            return Some((Err(stopped), (Next::Done, false)));
                        }
                    }
                }
            };
            let mut bytes = if header { csv_header() } else { Vec::new() };
            bytes.extend(csv_rows(&page.events));
            let next = page.next.map_or(Next::Done, Next::After);
            Some((Ok::<_, std::io::Error>(bytes), (next, false)))
        }
    });
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"kordon-audit-trail.csv\"",
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}
