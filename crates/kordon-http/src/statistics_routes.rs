//! The statistics' routes (supervisors, auditors): a period's figures as
//! JSON, and each of its tables as CSV.

use crate::auth::Caller;
use crate::error::HttpError;
use crate::routes::{as_actor, attachment, query, reply, Peer};
use crate::Http;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use kordon_api::statistics::{self, StatsCsvQuery, STATISTICS};
use kordon_api::ApiError;
use kordon_store::{Statistics, StatsQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api() -> OpenApiRouter<Http> {
    OpenApiRouter::new()
        .routes(routes!(stats))
        .routes(routes!(stats_csv))
}

/// A period's figures (UTC days of creation, at most 366): per day, per
/// unit, per unit and day, per officer, and in total.
#[utoipa::path(get, path = "/api/statistics", tag = "inspections", operation_id = "statistics",
    params(StatsQuery),
    responses((status = 200, body = Statistics), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn stats(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let q: Result<StatsQuery, HttpError> = query(&q);
    reply(
        as_actor(
            &http,
            caller,
            "statistics",
            Some(STATISTICS),
            false,
            move |c, actor, _| statistics::statistics(c, actor, &q.map_err(|e| e.0)?),
        )
        .await,
    )
}

/// One table of a period's figures as CSV (UTF-8, RFC 4180, a header
/// line; rates as fractions, times in milliseconds).
#[utoipa::path(get, path = "/api/statistics/csv", tag = "inspections", operation_id = "statistics_csv",
    params(StatsCsvQuery),
    responses(
        (status = 200, description = "The table as CSV", content_type = "text/csv", body = String),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
    ))]
async fn stats_csv(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let q: Result<StatsCsvQuery, HttpError> = query(&q);
    let made = as_actor(
        &http,
        caller,
        "statistics_csv",
        Some(STATISTICS),
        false,
        move |c, actor, _| statistics::statistics_csv(c, actor, &q.map_err(|e| e.0)?),
    )
    .await;
    match made {
        Ok(csv) => attachment("text/csv; charset=utf-8", &csv.file_name, csv.bytes),
        Err(e) => e.into_response(),
    }
}
