//! The console's routes. Each handler is declared once, with its path,
//! method, parameters and responses in its `#[utoipa::path]`; the router
//! and the OpenAPI document are both derived from those declarations
//! (`utoipa_axum::routes!`), so no route can exist undocumented. Each
//! handler reads the caller, then calls one operation of
//! `kordon_api::console`, which checks the caller's role.

use crate::auth::{cleared_cookie, session_cookie, Caller};
use crate::error::{invalid, HttpError};
use crate::Http;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kordon_api::console::{
    self, ConsoleInspection, ConsoleUser, HotlistEntryInput, LoginInput, NewReviewInput,
    RiskProfileInput, ScanState,
};
use kordon_api::fleet;
use kordon_api::tiles::{render_png, scan_id, Picture};
use kordon_api::view::ViewParams;
use kordon_api::ApiError;
use kordon_central::accounts::{Actor, UserInfo};
use kordon_central::hotlists::HotlistChange;
use kordon_central::scans::ScanStage;
use kordon_central::Central;
use kordon_model::HotlistView;
use kordon_model::NewAnnotation;
use kordon_plates::quoted;
use kordon_store::{AuditEntry, ConsolePage, ConsoleQuery, ConsoleRow, QueueVersion};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::net::SocketAddr;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) type Peer = ConnectInfo<SocketAddr>;
pub(crate) type Body = Result<Bytes, BytesRejection>;

/// Every route of the API, with its documentation.
pub(crate) fn api() -> OpenApiRouter<Http> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(queue))
        .routes(routes!(queue_version))
        .routes(routes!(inspection))
        .routes(routes!(history))
        .routes(routes!(review))
        .routes(routes!(annotate))
        .routes(routes!(scan_state))
        .routes(routes!(tile))
        .routes(routes!(thumbnail))
        .routes(routes!(read_image))
        .routes(routes!(hotlists))
        .routes(routes!(hotlist_add))
        .routes(routes!(profile_add))
        .routes(routes!(hotlist_remove))
        .routes(routes!(users))
        .routes(routes!(audit))
        .merge(crate::fleet_routes::api())
}

/// The roles-bearing operation behind each documented operation id (None:
/// no role needed). The access-control test walks this with the document.
pub const ROUTE_OPS: &[(&str, Option<console::Op>)] = &[
    ("login", None),
    ("logout", None),
    ("me", None),
    ("queue", Some(console::QUEUE)),
    ("queue_version", Some(console::QUEUE)),
    ("inspection", Some(console::INSPECTION)),
    ("history", Some(console::HISTORY)),
    ("review", Some(console::REVIEW)),
    ("annotate", Some(console::ANNOTATE)),
    ("scan_state", Some(console::SCANS)),
    ("tile", Some(console::SCANS)),
    ("thumbnail", Some(console::SCANS)),
    ("read_image", Some(console::INSPECTION)),
    ("hotlists", Some(console::HOTLISTS)),
    ("hotlist_add", Some(console::HOTLIST_EDIT)),
    ("profile_add", Some(console::HOTLIST_EDIT)),
    ("hotlist_remove", Some(console::HOTLIST_EDIT)),
    ("users", Some(console::USERS)),
    ("audit", Some(console::AUDIT)),
    ("fleet", Some(fleet::FLEET)),
    ("enrollments", Some(fleet::ENROLL)),
    ("enrollment_create", Some(fleet::ENROLL)),
    ("enrollment_cancel", Some(fleet::ENROLL)),
    ("revoke", Some(fleet::REVOKE)),
    ("metrics", Some(console::METRICS)),
    ("trail", Some(console::AUDIT)),
    ("trail_csv", Some(console::AUDIT)),
    ("statistics", Some(kordon_api::statistics::STATISTICS)),
    ("statistics_csv", Some(kordon_api::statistics::STATISTICS)),
    ("bundle", Some(kordon_api::evidence::BUNDLE)),
    ("training", Some(kordon_api::training::TRAINING)),
    ("training_attempt", Some(kordon_api::training::TRAINING)),
];

pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => HttpError(ApiError::internal(e.to_string())).into_response(),
    }
}

/// A handler's result as a response: 200 with the value as JSON, or the
/// error.
/// A file to download: its type, the name to save it under, its bytes.
pub(crate) fn attachment(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub(crate) fn reply<T: Serialize>(result: Result<T, HttpError>) -> Response {
    match result {
        Ok(value) => json(StatusCode::OK, &value),
        Err(e) => e.into_response(),
    }
}

/// A JSON body, or a clear refusal (too large, not JSON, wrong shape).
pub(crate) fn body<T: DeserializeOwned>(raw: Body) -> Result<T, HttpError> {
    let bytes = raw.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HttpError(ApiError::new(
                "too_large",
                format!("the request body is larger than {} bytes", crate::MAX_BODY),
            ))
        } else {
            invalid(format!("the request body could not be read: {e}"))
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        invalid(format!(
            "the request body is not valid: {}",
            quoted(&e.to_string())
        ))
    })
}

pub(crate) fn path<T>(p: Result<Path<T>, PathRejection>) -> Result<T, HttpError> {
    p.map(|Path(v)| v)
        .map_err(|e| invalid(format!("bad path: {}", quoted(&e.body_text()))))
}

pub(crate) fn query<T: DeserializeOwned>(raw: &Option<String>) -> Result<T, HttpError> {
    serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| invalid(format!("bad query: {}", quoted(&e.to_string()))))
}

/// Runs `op` for the signed-in caller on the server's store, off the
/// async threads.
///
/// Refusals come in a fixed order, whatever else is wrong with the
/// request: no session (401), a forged state-changing request (403), a
/// role that may not use `needs` (403); only then is the input looked at.
pub(crate) async fn as_actor<T, F>(
    http: &Http,
    caller: Caller,
    route: &'static str,
    needs: Option<console::Op>,
    changes_state: bool,
    op: F,
) -> Result<T, HttpError>
where
    T: Send + 'static,
    F: FnOnce(&mut Central, &Actor, &Caller) -> Result<T, ApiError> + Send + 'static,
{
    http.blocking(move |c| {
        let now = kordon_central::now_ms();
        let actor = caller.actor(c, route, changes_state, now)?;
        let allowed = match &needs {
            Some(o) => console::allow(&actor, o),
            None => Ok(()),
        };
        allowed.and_then(|()| op(c, &actor, &caller)).map_err(|e| {
            if e.code == "forbidden" {
                caller.refused(c, Some(&actor), route, &e.message, now);
            }
            HttpError(e)
        })
    })
    .await
}

/// Signs in: checks the name and password, sets the session cookie.
#[utoipa::path(post, path = "/api/login", tag = "session", operation_id = "login",
    request_body = LoginInput,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = ConsoleUser),
        (status = 400, description = "Malformed body", body = ApiError),
        (status = 401, description = "Wrong name or password", body = ApiError),
        (status = 403, description = "From another site", body = ApiError),
        (status = 413, description = "Body too large", body = ApiError),
        (status = 429, description = "Too many failed logins", body = ApiError),
    ))]
async fn login(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    raw: Body,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let result = async {
        caller.check_same_site().map_err(HttpError)?;
        let input: LoginInput = body(raw)?;
        let secure = http.secure_cookies;
        let throttle = http.throttle.clone();
        http.blocking(move |c| {
            let now = kordon_central::now_ms();
            throttle.check(caller.peer, now)?;
            match c.login(&input.name, &input.password, Some(&caller.peer_text()), now) {
                Ok(login) => {
                    throttle.succeeded(caller.peer);
                    Ok((
                        session_cookie(&login.token, secure),
                        ConsoleUser::from(&login.actor),
                    ))
                }
                Err(e) => {
                    throttle.failed(caller.peer, now);
                    Err(HttpError(ApiError::from(e)))
                }
            }
        })
        .await
    }
    .await;
    match result {
        Ok((cookie, user)) => {
            let mut r = json(StatusCode::OK, &user);
            if let Ok(v) = cookie.parse() {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => e.into_response(),
    }
}

/// Signs out: ends the session and clears the cookie.
#[utoipa::path(post, path = "/api/logout", tag = "session", operation_id = "logout",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Missing CSRF token or from another site", body = ApiError),
    ))]
async fn logout(State(http): State<Http>, ConnectInfo(peer): Peer, headers: HeaderMap) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let secure = http.secure_cookies;
    let done = as_actor(&http, caller, "logout", None, true, |c, actor, caller| {
        let token = caller.token.clone().unwrap_or_default();
        Ok(c.logout(
            &token,
            actor,
            Some(&caller.peer_text()),
            kordon_central::now_ms(),
        )?)
    })
    .await;
    match done {
        Ok(()) => {
            let mut r = StatusCode::NO_CONTENT.into_response();
            if let Ok(v) = cleared_cookie(secure).parse() {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => e.into_response(),
    }
}

/// The account signed in, with the session's CSRF token.
#[utoipa::path(get, path = "/api/me", tag = "session", operation_id = "me",
    responses(
        (status = 200, body = ConsoleUser),
        (status = 401, description = "Not signed in", body = ApiError),
    ))]
async fn me(State(http): State<Http>, ConnectInfo(peer): Peer, headers: HeaderMap) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    reply(
        as_actor(&http, caller, "me", None, false, |_, actor, _| {
            Ok(ConsoleUser::from(actor))
        })
        .await,
    )
}

/// The review queue: every inspection, newest first, filtered and paged,
/// with counts per review state and outcome.
#[utoipa::path(get, path = "/api/inspections", tag = "inspections", operation_id = "queue",
    params(ConsoleQuery),
    responses(
        (status = 200, body = ConsolePage),
        (status = 400, description = "A filter's value is wrong", body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError),
    ))]
async fn queue(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let run = async {
        let q: Result<ConsoleQuery, HttpError> = query(&q);
        as_actor(
            &http,
            caller,
            "queue",
            Some(console::QUEUE),
            false,
            move |c, actor, _| console::queue(c, actor, &q.map_err(|e| e.0)?),
        )
        .await
    };
    reply(run.await)
}

/// Moves whenever any inspection changes: poll it, fetch the queue again
/// when it moved.
#[utoipa::path(get, path = "/api/inspections/version", tag = "inspections", operation_id = "queue_version",
    responses((status = 200, body = QueueVersion), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn queue_version(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    reply(
        as_actor(
            &http,
            caller,
            "queue_version",
            Some(console::QUEUE),
            false,
            |c, actor, _| console::queue_version(c, actor),
        )
        .await,
    )
}

/// One inspection: its view, review state and the delivery of each record.
#[utoipa::path(get, path = "/api/inspections/{id}", tag = "inspections", operation_id = "inspection",
    params(("id" = String, Path, format = Uuid, description = "Inspection id (UUID, hyphenated)")),
    responses(
        (status = 200, body = ConsoleInspection),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError),
    ))]
async fn inspection(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let run = async {
        let id = path(id);
        as_actor(
            &http,
            caller,
            "inspection",
            Some(console::INSPECTION),
            false,
            move |c, actor, _| console::inspection(c, actor, &id.map_err(|e| e.0)?),
        )
        .await
    };
    reply(run.await)
}

/// Earlier inspections of the same vehicle (plate by key, or container),
/// from any unit, newest first.
#[utoipa::path(get, path = "/api/inspections/{id}/history", tag = "inspections", operation_id = "history",
    params(("id" = String, Path, format = Uuid, description = "Inspection id (UUID, hyphenated)")),
    responses(
        (status = 200, body = Vec<ConsoleRow>),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError),
    ))]
async fn history(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let run = async {
        let id = path(id);
        as_actor(
            &http,
            caller,
            "history",
            Some(console::HISTORY),
            false,
            move |c, actor, _| console::history(c, actor, &id.map_err(|e| e.0)?),
        )
        .await
    };
    reply(run.await)
}

/// A verdict: agree, overrule (with the new outcome and a comment) or
/// return to the crew (with a comment). Signed by the server for the
/// supervisor; reaches the vehicle at its next sync.
#[utoipa::path(post, path = "/api/inspections/{id}/reviews", tag = "inspections", operation_id = "review",
    params(("id" = String, Path, format = Uuid, description = "Inspection id (UUID, hyphenated)")),
    request_body = NewReviewInput,
    responses(
        (status = 200, body = ConsoleInspection),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 413, body = ApiError),
    ))]
async fn review(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    raw: Body,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let run = async {
        let id = path(id);
        let input: Result<NewReviewInput, HttpError> = body(raw);
        as_actor(
            &http,
            caller,
            "review",
            Some(console::REVIEW),
            true,
            move |c, actor, caller| {
                let (id, input) = (id.map_err(|e| e.0)?, input.map_err(|e| e.0)?);
                console::review(c, actor, &id, &input, Some(&caller.peer_text()))
            },
        )
        .await
    };
    reply(run.await)
}

/// A mark on one of the inspection's scans, signed by the server for the
/// supervisor.
#[utoipa::path(post, path = "/api/inspections/{id}/annotations", tag = "inspections", operation_id = "annotate",
    params(("id" = String, Path, format = Uuid, description = "Inspection id (UUID, hyphenated)")),
    request_body = NewAnnotation,
    responses(
        (status = 200, body = ConsoleInspection),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 413, body = ApiError),
    ))]
async fn annotate(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    raw: Body,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let run = async {
        let id = path(id);
        let input: Result<NewAnnotation, HttpError> = body(raw);
        as_actor(
            &http,
            caller,
            "annotate",
            Some(console::ANNOTATE),
            true,
            move |c, actor, caller| {
                let (id, mark) = (id.map_err(|e| e.0)?, input.map_err(|e| e.0)?);
                console::annotate(c, actor, &id, &mark, Some(&caller.peer_text()))
            },
        )
        .await
    };
    reply(run.await)
}

/// Where a scan stands: ready (with its geometry), still arriving (bytes
/// so far) or being built.
#[utoipa::path(get, path = "/api/scans/{scan}", tag = "scans", operation_id = "scan_state",
    params(("scan" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Scan id (64 hex digits)")),
    responses(
        (status = 200, body = ScanState),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError),
    ))]
async fn scan_state(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    scan: Result<Path<String>, PathRejection>,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let run = async {
        let scan = path(scan).and_then(|s| Ok(scan_id(&s)?));
        as_actor(
            &http,
            caller,
            "scan_state",
            Some(console::SCANS),
            false,
            move |c, actor, _| console::scan_state(c, actor, &scan.map_err(|e| e.0)?),
        )
        .await
    };
    reply(run.await)
}

/// View settings of a rendered tile, as the app's tile URLs carry them.
#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read through ViewParams::from_query; here for the document
struct ViewQuery {
    /// Window `LOW,HIGH` in raw values; absent: automatic.
    w: Option<String>,
    /// `1`: inverted.
    inv: Option<String>,
    /// Gamma, 0.1 to 10.
    g: Option<f64>,
    /// `grey`, `hot`, `jet`, `bone` or `viridis`.
    cm: Option<String>,
    /// Edge enhancement, 0 to 10.
    e: Option<f64>,
    /// `1`: dual-energy material colours.
    mat: Option<String>,
}

/// The view settings of a query, without `skip` (percent-decoded).
fn view_of(raw: &Option<String>, skip: &str) -> Result<ViewParams, HttpError> {
    let pairs: Vec<(String, String)> = query(raw)?;
    let plain: Vec<String> = pairs
        .into_iter()
        .filter(|(k, _)| k != skip)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let view = ViewParams::from_query(&plain.join("&"))?;
    view.to_view()?;
    Ok(view)
}

/// Renders a picture of a scan as PNG. Cached for good by the browser:
/// a scan's pixels never change and the URL names the view.
async fn picture(
    http: Http,
    caller: Caller,
    route: &'static str,
    asked: Result<(String, Picture, ViewParams), HttpError>,
) -> Response {
    let cache = http.pyramids.clone();
    let found = as_actor(
        &http,
        caller,
        route,
        Some(console::SCANS),
        false,
        move |c, _, _| {
            let (scan, what, view) = asked.map_err(|e| e.0)?;
            let pyramid = cache.get_or_open(&scan, || {
                let (_, found) = c.find_scan(&scan)?;
                match c.scan_stage(&found)? {
                    ScanStage::Ready(p) => Ok(p),
                    ScanStage::Arriving {
                        bytes_received,
                        bytes_total,
                    } => Err(ApiError::new(
                        "scan_not_ready",
                        format!(
                            "the scan is still arriving: {bytes_received} of {bytes_total} bytes"
                        ),
                    )),
                    ScanStage::Building => Err(ApiError::new(
                        "scan_not_ready",
                        "the scan's tiles are being built",
                    )),
                }
            })?;
            Ok((pyramid, what, view))
        },
    )
    .await;
    let (pyramid, what, view) = match found {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let png = tokio::task::spawn_blocking(move || render_png(&pyramid, what, &view)).await;
    match png {
        Ok(Ok(png)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "image/png"),
                (
                    header::CACHE_CONTROL,
                    "private, max-age=31536000, immutable",
                ),
            ],
            png,
        )
            .into_response(),
        Ok(Err(e)) => HttpError(e).into_response(),
        Err(e) => HttpError(ApiError::internal(e.to_string())).into_response(),
    }
}

/// One 256-pixel tile of a scan (DZI levels: the last is full size).
#[utoipa::path(get, path = "/api/scans/{scan}/tiles/{level}/{x}/{y}", tag = "scans", operation_id = "tile",
    params(
        ("scan" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Scan id (64 hex digits)"),
        ("level" = u32, Path), ("x" = u32, Path), ("y" = u32, Path),
        ViewQuery,
    ),
    responses(
        (status = 200, description = "The tile", content_type = "image/png", body = Vec<u8>),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, description = "Blobs still arriving, or tiles being built", body = ApiError),
    ))]
async fn tile(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    p: Result<Path<(String, String, String, String)>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let parsed = (|| {
        let (scan, level, x, y) = path(p)?;
        let what = Picture::tile(&level, &x, &y)?;
        Ok::<_, HttpError>((scan_id(&scan)?, what, view_of(&q, "")?))
    })();
    picture(http, caller, "tile", parsed).await
}

#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read by view_of; here for the document
struct ThumbnailSize {
    /// Longer side in pixels, 16 to 4096 (default 256).
    size: Option<u32>,
}

/// The whole scan, scaled down.
#[utoipa::path(get, path = "/api/scans/{scan}/thumbnail", tag = "scans", operation_id = "thumbnail",
    params(("scan" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Scan id (64 hex digits)"), ThumbnailSize, ViewQuery),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/png", body = Vec<u8>),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError),
    ))]
async fn thumbnail(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    scan: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let parsed = (|| {
        let scan = scan_id(&path(scan)?)?;
        let pairs: Vec<(String, String)> = query(&q)?;
        let what = match pairs.iter().find(|(k, _)| k == "size") {
            Some((_, v)) => Picture::thumbnail(v)?,
            None => Picture::Thumbnail { max: 256 },
        };
        Ok::<_, HttpError>((scan, what, view_of(&q, "size")?))
    })();
    picture(http, caller, "thumbnail", parsed).await
}

/// The console's accounts.
#[utoipa::path(get, path = "/api/users", tag = "accounts", operation_id = "users",
    responses((status = 200, body = Vec<UserInfo>), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn users(State(http): State<Http>, ConnectInfo(peer): Peer, headers: HeaderMap) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    reply(
        as_actor(
            &http,
            caller,
            "users",
            Some(console::USERS),
            false,
            |c, actor, _| console::users(c, actor),
        )
        .await,
    )
}

#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// Entries before this number (paging back); absent: the newest.
    before: Option<i64>,
    /// At most this many entries (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

/// The audit trail of the console, newest first. Nothing in it can be
/// changed through any route.
#[utoipa::path(get, path = "/api/audit", tag = "accounts", operation_id = "audit",
    params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn audit(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let run = async {
        let q: Result<AuditQuery, HttpError> = query(&q).and_then(|q: AuditQuery| {
            if q.limit.is_some_and(|l| !(1..=1000).contains(&l)) {
                return Err(invalid("limit must be between 1 and 1000"));
            }
            Ok(q)
        });
        as_actor(
            &http,
            caller,
            "audit",
            Some(console::AUDIT),
            false,
            move |c, actor, _| {
                let q = q.map_err(|e| e.0)?;
                console::audit(c, actor, q.before, q.limit)
            },
        )
        .await
    };
    reply(run.await)
}

/// Every hotlist, with its entries and risk profiles (removed ones too,
/// marked with who removed them and when).
#[utoipa::path(get, path = "/api/hotlists", tag = "hotlists", operation_id = "hotlists",
    responses((status = 200, body = Vec<HotlistView>), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn hotlists(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    reply(
        as_actor(
            &http,
            caller,
            "hotlists",
            Some(console::HOTLISTS),
            false,
            |c, actor, _| console::hotlists(c, actor),
        )
        .await,
    )
}

/// Puts a plate (any spelling) or a container code on a list (made if
/// missing). Signed by the server for the supervisor; reaches the vehicles
/// of the list's units at their next sync.
#[utoipa::path(post, path = "/api/hotlists/entries", tag = "hotlists", operation_id = "hotlist_add",
    request_body = HotlistEntryInput,
    responses(
        (status = 200, body = HotlistChange),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 413, body = ApiError),
    ))]
async fn hotlist_add(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    raw: Body,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let input: Result<HotlistEntryInput, HttpError> = body(raw);
    reply(
        as_actor(
            &http,
            caller,
            "hotlist_add",
            Some(console::HOTLIST_EDIT),
            true,
            move |c, actor, caller| {
                console::hotlist_add(
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

/// Adds a risk profile (a rule over a read and its inspection) to a list.
#[utoipa::path(post, path = "/api/hotlists/profiles", tag = "hotlists", operation_id = "profile_add",
    request_body = RiskProfileInput,
    responses(
        (status = 200, body = HotlistChange),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 413, body = ApiError),
    ))]
async fn profile_add(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    raw: Body,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let input: Result<RiskProfileInput, HttpError> = body(raw);
    reply(
        as_actor(
            &http,
            caller,
            "profile_add",
            Some(console::HOTLIST_EDIT),
            true,
            move |c, actor, caller| {
                console::profile_add(
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

/// Removes an entry or a profile from its list. It stays in the list's
/// history, marked as removed; vehicles stop matching it at their next
/// sync.
#[utoipa::path(delete, path = "/api/hotlists/entries/{id}", tag = "hotlists", operation_id = "hotlist_remove",
    params(("id" = String, Path, description = "The entry's or the profile's id")),
    responses(
        (status = 200, body = HotlistChange),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError),
    ))]
async fn hotlist_remove(
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
            "hotlist_remove",
            Some(console::HOTLIST_EDIT),
            true,
            move |c, actor, caller| {
                console::hotlist_remove(c, actor, &id.map_err(|e| e.0)?, Some(&caller.peer_text()))
            },
        )
        .await,
    )
}

/// A plate crop or scene picture of an ANPR read, as the camera sent it.
#[utoipa::path(get, path = "/api/reads/images/{blob}", tag = "inspections", operation_id = "read_image",
    params(("blob" = String, Path, pattern = "^[0-9a-f]{64}$", description = "The image's BLAKE3 hash (64 hex digits)")),
    responses(
        (status = 200, description = "The image", content_type = "image/jpeg", body = Vec<u8>),
        (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError),
    ))]
async fn read_image(
    State(http): State<Http>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    blob: Result<Path<String>, PathRejection>,
) -> Response {
    let caller = Caller::from_headers(&headers, peer.ip());
    let blob = path(blob);
    let found = as_actor(
        &http,
        caller,
        "read_image",
        Some(console::INSPECTION),
        false,
        move |c, actor, _| console::read_image(c, actor, &blob.map_err(|e| e.0)?),
    )
    .await;
    match found {
        Ok(image) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, image.content_type),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (
                    header::CACHE_CONTROL,
                    "private, max-age=31536000, immutable",
                ),
            ],
            image.bytes,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}
