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
    /// Too many wrong PINs in a row: for `officer` at a sign-in, or on
    /// this vehicle (`officer` empty) at unlocking its data.
    #[error("too many wrong PINs {}: wait {wait_s} s and try again", if officer.is_empty() { "on this vehicle".to_string() } else { format!("for officer {officer}") })]
    PinLocked { officer: String, wait_s: u64 },
    /// The data folder is encrypted and was not unlocked.
    #[error("this vehicle's data is encrypted: unlock it with an officer's ID and PIN")]
    Locked,
    #[error("officer {officer} has no key on this vehicle: an officer who has one adds them (`kordon officer add`)")]
    NoKey { officer: String },
    #[error("the last officer's key cannot be removed: add another officer first")]
    LastKey,
    /// The key slots are bound to the vehicle's own TPM, which is not here
    /// (a copied disk, another laptop, or the TPM switched off).
    #[error("{0}")]
    OtherMachine(String),
    /// Another program holds the data folder: it is being encrypted or
    /// its key rotated, or it is open while that was asked.
    #[error("{0}")]
    FolderBusy(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Model(Box<ModelError>),
    /// What was looked for ("inspection ID", "scan ID", ...).
    #[error("{0} not found on this vehicle")]
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
    /// The server cannot take data now (its disk is full, it is at
    /// capacity): nothing was lost, everything is sent at a later sync.
    #[error("the server cannot take data now: {reason} (everything stays on this vehicle for a later sync)")]
    ServerUnavailable { reason: String },
    /// The centre revoked this vehicle; `reason` is the administrator's
    /// (empty if none was given).
    #[error("the centre revoked this vehicle: {}", if reason.is_empty() { "no reason was given" } else { reason.as_str() })]
    Revoked { reason: String },
    /// The centre revoked this vehicle and ordered its data destroyed: its
    /// keys are erased; `reason` is the administrator's.
    #[error("the centre ordered this vehicle's data destroyed{}: its keys are erased and nothing of it can be read any more; what the server acknowledged is safe at the centre", if reason.is_empty() { String::new() } else { format!(" ({reason})") })]
    Wiped { reason: String },
    #[error("sync failed: {0}")]
    Sync(String),
    /// The server's log does not extend the checkpoint this vehicle holds:
    /// its history was rolled back or rewritten. Nothing more is trusted
    /// from it until someone looks.
    #[error("the server's log cannot be trusted: {0}")]
    ServerLog(String),
    #[error("{0}")]
    Io(String),
    /// A file (a scan's image or tiles) did not fit on this vehicle's
    /// disk; what was being done is said.
    #[error("the disk is full: nothing was stored ({0})")]
    DiskFull(String),
}

impl VehicleError {
    /// The server answered this vehicle with a refusal (of the device, or
    /// for now): not a reason to try another of its addresses.
    pub(crate) fn is_refusal(&self) -> bool {
        matches!(
            self,
            VehicleError::Refused { .. }
                | VehicleError::ServerUnavailable { .. }
                | VehicleError::Revoked { .. }
                | VehicleError::Wiped { .. }
        )
    }

    /// The server could not be reached (as opposed to refusing this
    /// vehicle): worth trying again when the link allows.
    pub fn is_offline(&self) -> bool {
        matches!(self.code(), "unreachable" | "sync_failed")
    }

    pub fn code(&self) -> &'static str {
        match self {
            VehicleError::NotEnrolled => "not_enrolled",
            VehicleError::NotSignedIn => "not_signed_in",
            VehicleError::WrongPin { .. } => "wrong_pin",
            VehicleError::PinLocked { .. } => "pin_locked",
            VehicleError::Locked => "locked",
            VehicleError::NoKey { .. } => "no_key",
            VehicleError::LastKey => "last_key",
            VehicleError::OtherMachine(_) => "other_machine",
            VehicleError::FolderBusy(_) => "folder_busy",
            VehicleError::Invalid(_) | VehicleError::Model(_) => "invalid_input",
            VehicleError::NotFound(_) => "not_found",
            VehicleError::Store(e) if matches!(**e, StoreError::DiskFull(_)) => "disk_full",
            VehicleError::Store(e) if matches!(**e, StoreError::Conflict(_)) => "conflict",

            VehicleError::Store(_) => "storage",
            VehicleError::Key(_) => "device_key",
            VehicleError::Token(_) => "bad_token",
            VehicleError::Unreachable(_) => "unreachable",
            VehicleError::Refused { .. } => "refused",
            VehicleError::ServerUnavailable { .. } => "server_unavailable",
            VehicleError::Revoked { .. } => "revoked",
            VehicleError::Wiped { .. } => "wiped",
            VehicleError::Sync(_) => "sync_failed",
            VehicleError::ServerLog(_) => "server_log",
            VehicleError::Io(_) => "io",
            VehicleError::DiskFull(_) => "disk_full",
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

/// A blob store failure while `doing` something: a full disk keeps its
/// own code.
pub(crate) fn blob_failure(doing: &str, e: kordon_blob::BlobError) -> VehicleError {
    match e {
        kordon_blob::BlobError::DiskFull { .. } => VehicleError::DiskFull(doing.to_string()),
        e => VehicleError::Io(format!("{doing}: {e}")),
    }
}

/// A file operation that failed while `doing` something: a full disk
/// keeps its own code.
pub(crate) fn io_failure(doing: &str, e: &std::io::Error) -> VehicleError {
    if kordon_blob::is_disk_full(e) {
        VehicleError::DiskFull(doing.to_string())
    } else {
        VehicleError::Io(format!("{doing}: {e}"))
    }
}

/// The error for a refusal by the server: a revocation carries the
/// administrator's reason as it was given.
pub(crate) fn refused(code: Option<kordon_proto::RefusalCode>, reason: String) -> VehicleError {
    match code {
        Some(kordon_proto::RefusalCode::Revoked) => VehicleError::Revoked { reason },
        Some(kordon_proto::RefusalCode::Wipe) => VehicleError::Wiped { reason },
        Some(kordon_proto::RefusalCode::Unavailable) => VehicleError::ServerUnavailable { reason },
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
