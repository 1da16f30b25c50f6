//! `kordon-server backup`: a consistent copy of a server's data folder,
//! taken while the server runs.
//!
//! The copy holds what a restore needs and nothing derived:
//! - `server.key`, `server.crt`, `server.json`: the server's identity
//!   (vehicles pin its certificate; its key signs the log);
//! - `central.sqlite`: one snapshot of the database (records, log,
//!   register, accounts, audit trail), by the store's
//!   [`copy_into`](kordon_store::Store::copy_into);
//! - `blobs/`: every scan file the database lists, each read, hashed and
//!   written durably into the copy's own blob store (a damaged source file
//!   stops the backup with its name). The database is copied first, so
//!   every blob its copy lists is in the copy.
//!
//! Tile pyramids (`tiles/`) are left out: the server rebuilds missing ones
//! when it starts. Backing up into a folder that holds an earlier backup of
//! the same server replaces its database and adds only the blobs it lacks.
//! Restoring is copying the folder back in place of the data folder while
//! the server is stopped (docs/operations.md).

use crate::{Central, CentralError};
use kordon_blob::{BlobId, BlobStore};
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

/// What a backup did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BackupSummary {
    /// Blobs read, checked and written into the copy.
    pub blobs_copied: u64,
    pub bytes_copied: u64,
    /// Blobs the copy already held (from an earlier backup).
    pub blobs_kept: u64,
    /// Leaves of the log (accepted records and refusals) when the copy
    /// began; the copy holds at least these.
    pub log_size: u64,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CentralError + '_ {
    move |error| CentralError::Io {
        path: path.display().to_string(),
        error,
    }
}

/// Writes `bytes` to `path` durably: a temp file, fsync, rename, fsync of
/// the folder.
fn write_durably(path: &Path, bytes: &[u8], mode: u32) -> Result<(), CentralError> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("part");
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io(&tmp))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(io(&tmp))?;
    fs::rename(&tmp, path).map_err(io(path))?;
    sync_dir(path)
}

fn sync_dir(path: &Path) -> Result<(), CentralError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

impl Central {
    /// Copies this server's data folder to `out` (made if missing), as
    /// the module says.
    pub fn backup(&self, out: &Path) -> Result<BackupSummary, CentralError> {
        let here = fs::canonicalize(&self.dir).map_err(io(&self.dir))?;
        // Where `out` is, before anything is made there.
        let there = match (out.parent(), out.file_name()) {
            _ if out.exists() => fs::canonicalize(out).map_err(io(out))?,
            (Some(parent), Some(name)) => {
                let parent = if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    parent
                };
                fs::canonicalize(parent).map_err(io(parent))?.join(name)
            }
            _ => {
                return Err(CentralError::Invalid(format!(
                    "{} is not a folder",
                    out.display()
                )))
            }
        };
        if there.starts_with(&here) {
            return Err(CentralError::Invalid(format!(
                "{} is inside the data folder {}: back up to another folder, ideally another disk",
                out.display(),
                self.dir.display()
            )));
        }
        if !out.exists() {
            use std::os::unix::fs::DirBuilderExt;
            // It holds the server's signing key.
            fs::DirBuilder::new()
                .mode(0o700)
                .create(out)
                .map_err(io(out))?;
        }
        let key =
            fs::read(self.dir.join("server.key")).map_err(io(&self.dir.join("server.key")))?;
        let theirs = out.join("server.key");
        if theirs.exists() && fs::read(&theirs).map_err(io(&theirs))? != key {
            return Err(CentralError::Invalid(format!(
                "{} holds the backup of another server: choose an empty folder",
                out.display()
            )));
        }
        write_durably(&theirs, &key, 0o600)?;
        for name in ["server.crt", "server.json"] {
            let from = self.dir.join(name);
            write_durably(&out.join(name), &fs::read(&from).map_err(io(&from))?, 0o644)?;
        }

        let log_size = self.store.log_size()?;
        let db = out.join("central.sqlite");
        let tmp = out.join("central.sqlite.part");
        if tmp.exists() {
            fs::remove_file(&tmp).map_err(io(&tmp))?;
        }
        self.store.copy_into(&tmp)?;
        fs::rename(&tmp, &db).map_err(io(&db))?;
        sync_dir(&db)?;
        let mut summary = BackupSummary {
            log_size,
            ..BackupSummary::default()
        };

        let source = self.blob_store()?;
        let copy = BlobStore::open(&out.join("blobs"))
            .map_err(|e| CentralError::Invalid(e.to_string()))?;
        for info in self.blobs()? {
            let id: BlobId = info
                .blob
                .parse()
                .map_err(|e| CentralError::Invalid(format!("blob {}: {e}", info.blob)))?;
            if copy.contains(&id) {
                summary.blobs_kept += 1;
                continue;
            }
            let file = source
                .open_blob(&id)
                .map_err(|e| CentralError::Invalid(format!("blob {id}: {e}")))?;
            let written = copy.put_reader(file, info.size).map_err(|e| {
                CentralError::Invalid(format!("copying blob {id} into the backup: {e}"))
            })?;
            if written != id {
                return Err(CentralError::Invalid(format!(
                    "blob {id} is damaged in the data folder (its content hashes to {written}); \
                     the backup stopped: run `kordon-server check`"
                )));
            }
            summary.blobs_copied += 1;
            summary.bytes_copied += info.size;
        }
        Ok(summary)
    }
}
