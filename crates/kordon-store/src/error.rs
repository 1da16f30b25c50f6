use kordon_model::ModelError;
use kordon_record::RecordError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the disk is full: nothing was written ({0})")]
    DiskFull(String),
    #[error("database: {0}")]
    Sqlite(rusqlite::Error),
    #[error("inspection {0} does not exist")]
    NotFound(String),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("stored record is unreadable: {0}")]
    Record(#[from] RecordError),
    #[error(
        "database {path} was written by a newer Kordon (schema {found}, this build knows {known})"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("inspection {0} was changed meanwhile by another program on this device; nothing was saved, try again")]
    Conflict(String),
    #[error("no change to sign: the operation changed nothing")]
    NothingToCommit,
    #[error("{0}")]
    Invalid(String),
    #[error("database {0} does not open with this key (locked, or not encrypted)")]
    Locked(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            if f.code == rusqlite::ErrorCode::DiskFull {
                return StoreError::DiskFull(msg.clone().unwrap_or_else(|| f.to_string()));
            }
        }
        StoreError::Sqlite(e)
    }
}

/// A store error as the ports report it.
pub(crate) fn port(e: impl Into<StoreError>) -> kordon_ports::PortError {
    match e.into() {
        StoreError::DiskFull(what) => kordon_ports::PortError::Full(what),
        StoreError::Conflict(what) => kordon_ports::PortError::Conflict(what),
        other => kordon_ports::PortError::Backend(other.to_string()),
    }
}
