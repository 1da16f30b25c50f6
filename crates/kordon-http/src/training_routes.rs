//! The trainers' routes (trainers, supervisors, auditors): every trainee's
//! attempts at training exercises, scored, and one attempt whole.

use crate::auth::Caller;
use crate::error::HttpError;
use crate::routes::{as_actor, path, query, reply, Peer};
use crate::Http;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kordon_api::training::{self, TraineeProgress, TrainingAttempt, TrainingQueryInput, TRAINING};
use kordon_api::ApiError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api() -> OpenApiRouter<Http> {
    OpenApiRouter::new()
        .routes(routes!(trainees))
        .routes(routes!(attempt))
}

/// Every trainee's attempts at training exercises, oldest first, each
/// scored from its signed answers (hits, misses, false alarms, d′).
#[utoipa::path(get, path = "/api/training", tag = "training", operation_id = "training",
    params(TrainingQueryInput),
    responses((status = 200, body = [TraineeProgress]), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn trainees(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let q: Result<TrainingQueryInput, HttpError> = query(&q);
    reply(
        as_actor(
            &http,
            caller,
            "training",
            Some(TRAINING),
            false,
            move |c, actor, _| training::trainees(c, actor, &q.map_err(|e| e.0)?),
        )
        .await,
    )
}

/// One attempt: every image with the answer given, what it held and how
/// it scored.
#[utoipa::path(get, path = "/api/training/{id}", tag = "training", operation_id = "training_attempt",
    params(("id" = String, Path, format = Uuid, description = "Attempt id (UUID, hyphenated)")),
    responses(
        (status = 200, body = TrainingAttempt),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError),
    ))]
async fn attempt(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let id = path(id);
    reply(
        as_actor(
            &http,
            caller,
            "training_attempt",
            Some(TRAINING),
            false,
            move |c, actor, _| training::trainee_attempt(c, actor, &id.map_err(|e| e.0)?),
        )
        .await,
    )
}
