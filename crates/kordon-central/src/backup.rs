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
//!   written durably into the copy's own blob store (none when the scans
//!   are kept in object storage: `server.json` names it, and a restored
//!   folder reads them from there);
//! - `backup.json`, written last: when the copy was made and what it holds.
//!   A folder without it is an unfinished backup.
//!
//! Order makes it safe to stop at any point: the marker of the previous
//! run is removed first; the snapshot is written beside the database
//! (`central.sqlite.part`); every blob the live database lists (a superset
//! of the snapshot's) is copied; only then the snapshot replaces the old
//! database, and the marker is written. An interrupted run leaves the
//! previous database with every blob it lists, and no marker. A lock on
//! `backup.lock` keeps two runs apart. A scan file missing or damaged in
//! the data folder does not stop the run: it is listed, the backup is
//! otherwise complete, and the command exits non-zero.
//!
//! The folder is made (or set) readable by the server's user only. Tile
//! pyramids (`tiles/`) are left out: the server rebuilds them. Backing up
//! into a folder that holds an earlier backup of the same server replaces
//! its database and adds only the blobs it lacks. Restoring is copying the
//! folder back in place of the data folder while the server is stopped
//! (docs/operations.md).

use crate::central::io;
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
    /// Scan files the database lists that the data folder lacks.
    pub missing: Vec<String>,
    /// Scan files whose content no longer hashes to their name.
    pub damaged: Vec<String>,
    /// Where the scan files are kept when not in the data folder
    /// (`s3://…`): the backup holds none of them, and the storage's own
    /// backup holds them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scans_kept_at: Option<String>,
    /// When the copy was made (ms since the epoch).
    pub made_ms: i64,
}

impl BackupSummary {
    /// Every scan file the database lists is in the copy.
    pub fn is_whole(&self) -> bool {
        self.missing.is_empty() && self.damaged.is_empty()
    }
}

/// Writes `bytes` to `path` durably: a temp file of its own (`NAME.part`),
/// its mode set, fsync, rename, fsync of the folder.
fn write_durably(path: &Path, bytes: &[u8], mode: u32) -> Result<(), CentralError> {
    use std::os::unix::fs::PermissionsExt;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = std::path::PathBuf::from(tmp);
    let mut f = File::create(&tmp).map_err(io(&tmp))?;
    f.set_permissions(fs::Permissions::from_mode(mode))
        .and_then(|()| f.write_all(bytes))
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
    pub fn backup(&self, out: &Path, now_ms: i64) -> Result<BackupSummary, CentralError> {
        // Refused before anything is written.
        let store = self.store.sqlite("a backup")?;
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
        if there.starts_with(&here) || here.starts_with(&there) {
            return Err(CentralError::Invalid(format!(
                "{} and the data folder {} overlap: back up to a folder of its own, ideally on another disk",
                out.display(),
                self.dir.display()
            )));
        }
        if !out.exists() {
            fs::create_dir(out).map_err(io(out))?;
        }
        // It holds the server's signing key, accounts and evidence: the
        // server's user only.
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(out, fs::Permissions::from_mode(0o700)).map_err(io(out))?;
        }
        let lock_path = out.join("backup.lock");
        let lock = File::create(&lock_path).map_err(io(&lock_path))?;
        // Released by the kernel when this process ends, however it ends.
        if rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
            return Err(CentralError::Invalid(format!(
                "another backup is running into {}",
                out.display()
            )));
        }
        let marker = out.join("backup.json");
        if marker.exists() {
            fs::remove_file(&marker).map_err(io(&marker))?;
            sync_dir(&marker)?;
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
        // The settings owner-only, as in the data folder.
        for (name, mode) in [("server.crt", 0o644), ("server.json", 0o600)] {
            let from = self.dir.join(name);
            write_durably(&out.join(name), &fs::read(&from).map_err(io(&from))?, mode)?;
        }

        let mut summary = BackupSummary {
            log_size: self.store.log_size()?,
            made_ms: now_ms,
            ..BackupSummary::default()
        };
        let db = out.join("central.sqlite");
        let tmp = out.join("central.sqlite.part");
        if tmp.exists() {
            fs::remove_file(&tmp).map_err(io(&tmp))?;
        }
        store.copy_into(&tmp)?;

        // Scans in object storage stay there: its operators back it up,
        // and the restored folder reads them from it again.
        if self.config.blobs.is_some() {
            summary.scans_kept_at = Some(self.blobs.location());
        }
        // Every blob the live database lists: what the snapshot lists, and
        // perhaps a few that arrived since.
        let source = self.blob_store()?;
        let copy = BlobStore::open(&out.join("blobs"))
            .map_err(|e| CentralError::Invalid(e.to_string()))?;
        let listed = match summary.scans_kept_at {
            Some(_) => vec![],
            None => self.blobs()?,
        };
        for info in listed {
            let id: BlobId = info
                .blob
                .parse()
                .map_err(|e| CentralError::Invalid(format!("blob {}: {e}", info.blob)))?;
            if copy.contains(&id) {
                summary.blobs_kept += 1;
                continue;
            }
            let file = match source.reader(&id) {
                Ok(file) => file,
                Err(kordon_blob::BlobError::Missing(_)) => {
                    summary.missing.push(info.blob);
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let written = copy.put_reader(file, info.size).map_err(|e| {
                CentralError::Invalid(format!("copying blob {id} into the backup: {e}"))
            })?;
            if written != id {
                // Stored under the hash of what it holds: not the blob.
                let stray = copy.path(&written);
                fs::remove_file(&stray).map_err(io(&stray))?;
                summary.damaged.push(info.blob);
                continue;
            }
            summary.blobs_copied += 1;
            summary.bytes_copied += info.size;
        }

        fs::rename(&tmp, &db).map_err(io(&db))?;
        sync_dir(&db)?;
        let text = serde_json::to_vec_pretty(&summary)
            .map_err(|e| CentralError::Invalid(format!("backup.json: {e}")))?;
        write_durably(&marker, &text, 0o600)?;
        Ok(summary)
    }
}
