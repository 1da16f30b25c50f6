//! [`ApiError`] as an HTTP response: its code decides the status, its
//! body is the same `{code, message}` the app's commands fail with.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use kordon_api::ApiError;

/// The HTTP status of an error code.
pub fn status_of(code: &str) -> StatusCode {
    match code {
        "unauthenticated" | "wrong_password" => StatusCode::UNAUTHORIZED,
        "forbidden" | "csrf" => StatusCode::FORBIDDEN,
        "not_found" => StatusCode::NOT_FOUND,
        "throttled" => StatusCode::TOO_MANY_REQUESTS,
        "too_large" => StatusCode::PAYLOAD_TOO_LARGE,
        "scan_not_ready" | "conflict" => StatusCode::CONFLICT,
        "invalid_input" => StatusCode::BAD_REQUEST,
        "disk_full" => StatusCode::INSUFFICIENT_STORAGE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An [`ApiError`] on its way out of a handler.
#[derive(Debug)]
pub struct HttpError(pub ApiError);

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        HttpError(e)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0.code);
        if status.is_server_error() {
            tracing::error!(code = %self.0.code, "{}", self.0.message);
        }
        let body = serde_json::to_vec(&self.0).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}

pub(crate) fn invalid(message: impl Into<String>) -> HttpError {
    HttpError(ApiError::invalid(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_client_errors_and_faults_server_errors() {
        for code in [
            "unauthenticated",
            "forbidden",
            "csrf",
            "throttled",
            "invalid_input",
            "too_large",
        ] {
            assert!(status_of(code).is_client_error(), "{code}");
        }
        assert_eq!(status_of("unauthenticated"), StatusCode::UNAUTHORIZED);
        assert_eq!(status_of("csrf"), StatusCode::FORBIDDEN);
        assert!(status_of("internal").is_server_error());
        assert!(status_of("a code nobody knows").is_server_error());
    }
}
