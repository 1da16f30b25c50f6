use kordon_model::ModelError;
use kordon_record::KeyError;
use kordon_store::StoreError;
use kordon_transport::{TokenError, TransportError};

/// Everything a vehicle operation can fail with. [`code`](Self::code) is
/// stable, for scripts and the app's UI boundary.
#[derive(Debug, thiserror::Error)]
pub enum VehicleError {
    #[error(
        "this vehicle is not enrolled: run `kordon enroll TOKEN` with a token from the server"
    )]
    NotEnrolled,
    #[error("no officer is signed in: run `kordon signin OFFICER` or pass --officer")]
    NotSignedIn,
    #[error("wrong PIN for officer {officer}")]
    WrongPin { officer: String },
    #[error("too many wrong PINs for officer {officer}: wait {wait_s} s and try again")]
    PinLocked { officer: String, wait_s: u64 },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Model(Box<ModelError>),
    #[error("inspection {0} not found on this vehicle")]
    NotFound(String),
    #[error(transparent)]
    Store(Box<StoreError>),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("server unreachable: {0}")]
    Unreachable(String),
    #[error("{reason}")]
    Refused { reason: String },
    /// The centre revoked this vehicle; `reason` is the administrator's
    /// (empty if none was given).
    #[error("the centre revoked this vehicle: {}", if reason.is_empty() { "no reason was given" } else { reason.as_str() })]
    Revoked { reason: String },
    #[error("sync failed: {0}")]
    Sync(String),
    /// The server's log does not extend the checkpoint this vehicle holds:
    /// its history was rolled back or rewritten. Nothing more is trusted
    /// from it until someone looks.
    #[error("the server's log cannot be trusted: {0}")]
    ServerLog(String),
    #[error("{0}")]
    Io(String),
}

impl VehicleError {
    pub fn code(&self) -> &'static str {
        match self {
            VehicleError::NotEnrolled => "not_enrolled",
            VehicleError::NotSignedIn => "not_signed_in",
            VehicleError::WrongPin { .. } => "wrong_pin",
            VehicleError::PinLocked { .. } => "pin_locked",
            VehicleError::Invalid(_) | VehicleError::Model(_) => "invalid_input",
            VehicleError::NotFound(_) => "not_found",
            VehicleError::Store(e) if matches!(**e, StoreError::DiskFull(_)) => "disk_full",
            VehicleError::Store(e) if matches!(**e, StoreError::Conflict(_)) => "conflict",

            VehicleError::Store(_) => "storage",
            VehicleError::Key(_) => "device_key",
            VehicleError::Token(_) => "bad_token",
            VehicleError::Unreachable(_) => "unreachable",
            VehicleError::Refused { .. } => "refused",
            VehicleError::Revoked { .. } => "revoked",
            VehicleError::Sync(_) => "sync_failed",
            VehicleError::ServerLog(_) => "server_log",
            VehicleError::Io(_) => "io",
        }
    }
}

impl From<TransportError> for VehicleError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Refused { code, reason } => refused(code, reason),
            TransportError::Connect { .. } | TransportError::Bind { .. } => {
                VehicleError::Unreachable(e.to_string())
            }
            TransportError::Lost(_) | TransportError::Tls(_) => VehicleError::Sync(e.to_string()),
        }
    }
}

/// The error for a refusal by the server: a revocation carries the
/// administrator's reason as it was given.
pub(crate) fn refused(code: Option<kordon_proto::RefusalCode>, reason: String) -> VehicleError {
    match code {
        Some(kordon_proto::RefusalCode::Revoked) => VehicleError::Revoked { reason },
        _ => VehicleError::Refused {
            reason: format!("server refused this device: {reason}"),
        },
    }
}

impl From<StoreError> for VehicleError {
    fn from(e: StoreError) -> Self {
        VehicleError::Store(Box::new(e))
    }
}

impl From<ModelError> for VehicleError {
    fn from(e: ModelError) -> Self {
        VehicleError::Model(Box::new(e))
    }
}
