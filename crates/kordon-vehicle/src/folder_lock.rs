//! One program changes a data folder's encryption at a time.
//!
//! Every open [`Vehicle`](crate::Vehicle) holds a shared lock (`flock`) on
//! the folder's `folder.lock`; encrypting a folder in place, finishing a
//! cut encryption and rotating the data key take it exclusively, for the
//! time they rewrite files. So `kordon rekey` refuses while the app (or
//! `kordon watch`, `sync --live`, `anpr serve`) has the folder open, and
//! nothing opens the folder while its files are being rewritten. The
//! kernel releases the lock when a process dies: a cut run leaves none.

use crate::VehicleError;
use rustix::fs::{flock, FlockOperation};
use std::fs::File;
use std::path::Path;

/// The lock file's name in a data folder (empty; it holds no data).
pub(crate) const LOCK_FILE: &str = "folder.lock";

/// A lock held on a data folder, released when dropped.
#[derive(Debug)]
pub(crate) struct FolderLock {
    _file: File,
}

/// Takes the lock of `dir` as `how` says, or says why not: `busy` when
/// another program holds it the other way.
fn take(dir: &Path, how: FlockOperation, busy: &str) -> Result<FolderLock, VehicleError> {
    let path = dir.join(LOCK_FILE);
    let failed =
        |e: std::io::Error| crate::error::io_failure(&format!("locking {}", path.display()), &e);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(failed)?;
    match flock(&file, how) {
        Ok(()) => Ok(FolderLock { _file: file }),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(VehicleError::FolderBusy(busy.into())),
        Err(e) => Err(failed(e.into())),
    }
}

impl FolderLock {
    /// Held by every open vehicle.
    pub(crate) fn shared(dir: &Path) -> Result<FolderLock, VehicleError> {
        take(
            dir,
            FlockOperation::NonBlockingLockShared,
            "another program is encrypting this vehicle's data or rotating its key: wait until it is done",
        )
    }

    /// Held while the folder's files are rewritten under another key.
    pub(crate) fn exclusive(dir: &Path) -> Result<FolderLock, VehicleError> {
        take(
            dir,
            FlockOperation::NonBlockingLockExclusive,
            "another program has this vehicle's data open (the app, `kordon watch`, `sync --live` or `anpr serve`): stop it first",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_folder_is_not_rewritten_and_a_rewritten_one_not_opened() {
        let dir = tempfile::tempdir().expect("dir");
        let open = FolderLock::shared(dir.path()).expect("shared");
        let also = FolderLock::shared(dir.path()).expect("shared twice");
        assert_eq!(
            FolderLock::exclusive(dir.path()).expect_err("busy").code(),
            "folder_busy"
        );
        drop((open, also));
        let rewriting = FolderLock::exclusive(dir.path()).expect("exclusive");
        assert_eq!(
            FolderLock::shared(dir.path()).expect_err("busy").code(),
            "folder_busy"
        );
        drop(rewriting);
        FolderLock::shared(dir.path()).expect("open again");
    }
}
