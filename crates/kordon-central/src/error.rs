use kordon_record::KeyError;
use kordon_store::StoreError;
use kordon_transport::TransportError;

#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error(
        "{0} is not a Kordon server data directory (run `kordon-server init --data {0}` first)"
    )]
    NotInitialised(String),
    #[error("{0} already holds a server (refusing to overwrite its key)")]
    AlreadyInitialised(String),
    #[error("config {path}: {reason}")]
    Config { path: String, reason: String },
    #[error("no enrolled device named {0:?}")]
    UnknownUnit(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// A file (a scan's blob) did not fit on the server's disk.
    #[error("the disk is full: {0}")]
    DiskFull(String),
    /// Object storage that keeps the scan blobs did not answer as it
    /// should (unreachable, refused the key, ...).
    #[error("scan storage: {0}")]
    BlobStorage(kordon_blob::BlobError),
    /// A storage port failed (its backend unreachable, or refusing).
    #[error(transparent)]
    Storage(kordon_store::PortError),
    #[error("wrong account name or password")]
    WrongPassword,
    #[error("too many failed logins: try again in {wait_s} s")]
    Throttled { wait_s: u64 },
    #[error("no account named {0:?}")]
    UnknownUser(String),
    /// Moving the storage to another backend was refused, or what arrived
    /// differs from what left.
    #[error("moving the storage: {0}")]
    Moved(String),
}

impl CentralError {
    /// The server's disk is full: the operation is worth trying again
    /// once space returns, and nothing of it was stored.
    pub fn is_disk_full(&self) -> bool {
        matches!(
            self,
            CentralError::DiskFull(_) | CentralError::Store(StoreError::DiskFull(_))
        )
    }

    /// The server's own storage failed (its database, its files, its
    /// object store), not the peer or the link: worth an operator's look.
    pub fn is_storage(&self) -> bool {
        matches!(
            self,
            CentralError::Store(_)
                | CentralError::Storage(_)
                | CentralError::BlobStorage(_)
                | CentralError::Io { .. }
                | CentralError::DiskFull(_)
        )
    }
}

impl From<kordon_store::PortError> for CentralError {
    fn from(e: kordon_store::PortError) -> Self {
        match e {
            kordon_store::PortError::Full(what) => CentralError::DiskFull(what),
            kordon_store::PortError::Conflict(what) => {
                CentralError::Store(StoreError::Conflict(what))
            }
            other => CentralError::Storage(other),
        }
    }
}

impl From<kordon_blob::BlobError> for CentralError {
    fn from(e: kordon_blob::BlobError) -> Self {
        match e {
            kordon_blob::BlobError::DiskFull { path } => CentralError::DiskFull(path),
            remote @ kordon_blob::BlobError::Remote { .. } => CentralError::BlobStorage(remote),
            other => CentralError::Invalid(format!("storing a blob: {other}")),
        }
    }
}
