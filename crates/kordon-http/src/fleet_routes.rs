//! The fleet's routes (administrators): the register of vehicles,
//! enrollment tokens and revocations. Each calls one operation of
//! `kordon_api::fleet`, which checks the caller's role and audits.

use crate::auth::Caller;
use crate::error::HttpError;
use crate::routes::{as_actor, body, path, query, reply, Body, Peer};
use crate::Http;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kordon_api::fleet::{self, FleetView, NewEnrollment, NewEnrollmentInput, RevokeInput, Revoked};
use kordon_api::ApiError;
use kordon_central::PendingEnrollment;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api() -> OpenApiRouter<Http> {
    OpenApiRouter::new()
        .routes(routes!(fleet_view))
        .routes(routes!(enrollments, enrollment_create))
        .routes(routes!(enrollment_cancel))
        .routes(routes!(revoke))
}

#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FleetQuery {
    /// Flag vehicles not heard from for longer than this many hours
    /// (default 24).
    #[param(minimum = 1, maximum = 720)]
    stale_after_hours: Option<u32>,
}

/// Every vehicle in the register: unit, key fingerprint, version, first
/// and last contact, last session, clock offset, reported backlog,
/// revocation and refused attempts; those not heard from for too long
/// flagged.
#[utoipa::path(get, path = "/api/fleet", tag = "fleet", operation_id = "fleet",
    params(FleetQuery),
    responses((status = 200, body = FleetView), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn fleet_view(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    // The operation checks the threshold's range.
    let q: Result<FleetQuery, HttpError> = query(&q);
    reply(
        as_actor(
            &http,
            caller,
            "fleet",
            Some(fleet::FLEET),
            false,
            move |c, actor, _| fleet::fleet(c, actor, q.map_err(|e| e.0)?.stale_after_hours),
        )
        .await,
    )
}

/// Enrollment tokens that can still be used (the tokens themselves are
/// shown only when made).
#[utoipa::path(get, path = "/api/enrollments", tag = "fleet", operation_id = "enrollments",
    responses((status = 200, body = Vec<PendingEnrollment>), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn enrollments(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    reply(
        as_actor(
            &http,
            caller,
            "enrollments",
            Some(fleet::ENROLL),
            false,
            |c, actor, _| fleet::enrollments(c, actor),
        )
        .await,
    )
}

/// Makes a one-time enrollment token for a unit, as text and as a QR
/// code. This answer is the only time the token is shown.
#[utoipa::path(post, path = "/api/enrollments", tag = "fleet", operation_id = "enrollment_create",
    request_body = NewEnrollmentInput,
    responses(
        (status = 200, body = NewEnrollment),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 413, body = ApiError),
    ))]
async fn enrollment_create(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    raw: Body,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let input: Result<NewEnrollmentInput, HttpError> = body(raw);
    reply(
        as_actor(
            &http,
            caller,
            "enrollment_create",
            Some(fleet::ENROLL),
            true,
            move |c, actor, caller| {
                fleet::enrollment_create(
                    c,
                    actor,
                    &input.map_err(|e| e.0)?,
                    Some(&caller.peer_text()),
                )
            },
        )
        .await,
    )
}

/// Cancels a pending enrollment token: a vehicle that tries it is refused.
#[utoipa::path(delete, path = "/api/enrollments/{id}", tag = "fleet", operation_id = "enrollment_cancel",
    params(("id" = String, Path, description = "The pending enrollment's id")),
    responses(
        (status = 200, body = PendingEnrollment),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError),
    ))]
async fn enrollment_cancel(
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
            "enrollment_cancel",
            Some(fleet::ENROLL),
            true,
            move |c, actor, caller| {
                fleet::enrollment_cancel(c, actor, &id.map_err(|e| e.0)?, Some(&caller.peer_text()))
            },
        )
        .await,
    )
}

/// Revokes one device or a whole unit, with the reason its crew is told
/// at the vehicle's next connection.
#[utoipa::path(post, path = "/api/revocations", tag = "fleet", operation_id = "revoke",
    request_body = RevokeInput,
    responses(
        (status = 200, body = Revoked),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 413, body = ApiError),
    ))]
async fn revoke(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    raw: Body,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let input: Result<RevokeInput, HttpError> = body(raw);
    reply(
        as_actor(
            &http,
            caller,
            "revoke",
            Some(fleet::REVOKE),
            true,
            move |c, actor, caller| {
                fleet::revoke(
                    c,
                    actor,
                    &input.map_err(|e| e.0)?,
                    Some(&caller.peer_text()),
                )
            },
        )
        .await,
    )
}
