//! [`ApiError`]: what every operation at the UI boundary fails with.

use kordon_central::CentralError;
use kordon_vehicle::VehicleError;
use serde::Serialize;
use std::fmt;

/// One error shape for the UI: `code` is stable (scripts and the UI's
/// translations key on it; see [`ApiError::CODES`]), `message` is English
/// detail for logs and experts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl ApiError {
    /// Every code an operation can fail with: the vehicle's codes and the
    /// boundary's own (`internal`).
    pub const CODES: &'static [&'static str] = &[
        "not_enrolled",
        "not_signed_in",
        "wrong_pin",
        "pin_locked",
        "locked",
        "no_key",
        "last_key",
        "other_machine",
        "folder_busy",
        "invalid_input",
        "not_found",
        "disk_full",
        "conflict",
        "storage",
        "device_key",
        "bad_token",
        "unreachable",
        "refused",
        "server_unavailable",
        "revoked",
        "wiped",
        "sync_failed",
        "io",
        "sync_incomplete",
        "server_log",
        "unauthenticated",
        "forbidden",
        "csrf",
        "throttled",
        "wrong_password",
        "scan_not_ready",
        "too_large",
        "internal",
    ];

    pub fn new(code: &str, message: impl Into<String>) -> Self {
        debug_assert!(
            Self::CODES.contains(&code),
            "{code} is not in ApiError::CODES"
        );
        ApiError {
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError {
            code: "invalid_input".into(),
            message: message.into(),
        }
    }

    /// A fault of the program itself (a lock poisoned by a panic, a
    /// background task gone), never of the input.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError {
            code: "internal".into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ApiError {}

impl From<CentralError> for ApiError {
    fn from(e: CentralError) -> Self {
        use kordon_store::StoreError;
        let code = match &e {
            CentralError::Store(StoreError::NotFound(_)) => "not_found",
            CentralError::Store(StoreError::DiskFull(_)) | CentralError::DiskFull(_) => "disk_full",
            CentralError::Store(StoreError::Model(_) | StoreError::Invalid(_)) => "invalid_input",
            CentralError::Store(StoreError::Conflict(_)) => "conflict",
            CentralError::Store(_) | CentralError::BlobStorage(_) | CentralError::Storage(_) => {
                "storage"
            }
            CentralError::Invalid(_) => "invalid_input",
            CentralError::WrongPassword => "wrong_password",
            CentralError::Throttled { .. } => "throttled",
            CentralError::UnknownUser(_)
            | CentralError::UnknownUnit(_)
            | CentralError::NotFound(_) => "not_found",
            _ => "internal",
        };
        ApiError {
            code: code.into(),
            message: e.to_string(),
        }
    }
}

impl From<kordon_store::PortError> for ApiError {
    fn from(e: kordon_store::PortError) -> Self {
        ApiError::from(CentralError::from(e))
    }
}

impl From<VehicleError> for ApiError {
    /// For `revoked`, the message is the administrator's reason as it was
    /// given ("" if none): the UI puts it in its own words around it.
    fn from(e: VehicleError) -> Self {
        ApiError::from(kordon_vehicle::Problem::from(&e))
    }
}

impl From<kordon_vehicle::Problem> for ApiError {
    fn from(p: kordon_vehicle::Problem) -> Self {
        ApiError {
            code: p.code,
            message: p.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vehicle_code_is_listed() {
        let samples = [
            VehicleError::NotEnrolled,
            VehicleError::NotSignedIn,
            VehicleError::WrongPin {
                officer: "A".into(),
            },
            VehicleError::PinLocked {
                officer: "A".into(),
                wait_s: 1,
            },
            VehicleError::Locked,
            VehicleError::NoKey {
                officer: "A".into(),
            },
            VehicleError::LastKey,
            VehicleError::OtherMachine("x".into()),
            VehicleError::FolderBusy("x".into()),
            VehicleError::Invalid("x".into()),
            VehicleError::NotFound("x".into()),
            VehicleError::Unreachable("x".into()),
            VehicleError::Refused { reason: "x".into() },
            VehicleError::ServerUnavailable { reason: "x".into() },
            VehicleError::Revoked { reason: "x".into() },
            VehicleError::Wiped { reason: "x".into() },
            VehicleError::Sync("x".into()),
            VehicleError::ServerLog("x".into()),
            VehicleError::Io("x".into()),
            VehicleError::DiskFull("x".into()),
        ];
        for e in samples {
            let api = ApiError::from(e);
            assert!(ApiError::CODES.contains(&api.code.as_str()), "{api}");
        }
    }
}
