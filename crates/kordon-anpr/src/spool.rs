//! The durable spool between a camera's push and its processing.
//!
//! The ingest answers a camera only after its request is on disk: written
//! to `incoming/`, flushed (fsync), renamed into `pending/`, and the folder
//! flushed. Processing happens from `pending/`: a push whose reads were
//! handed over moves to `done/`; one that cannot be parsed moves to
//! `refused/` beside a `.reason` file. A crash at any point leaves each
//! push either in `pending/` (processed again after a restart) or past it.
//!
//! Exactly once: the consumer ([`Sink`]) is given the push's id with its
//! reads and must record that id together with their effect, and skip an
//! id it has recorded; so a push processed again after a crash between the
//! effect and the move to `done/` changes nothing.
//!
//! A push file is one JSON header line ([`PushMeta`]) and the raw body.

use crate::{parse_push, CameraRead};
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub use kordon_vault::Seal;

/// What the ingest knew about a push besides its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushMeta {
    pub received_ms: i64,
    /// The camera's address.
    pub peer: String,
    pub content_type: String,
    /// The configured camera whose credentials it gave, if any.
    pub camera: Option<String>,
    /// The request path the camera posted to.
    pub path: String,
}

/// Where a push stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Done,
    Refused,
}

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool {path}: {error}")]
    Io { path: String, error: io::Error },
    #[error("spooled push {id} is damaged: {detail}")]
    Damaged { id: String, detail: String },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> SpoolError + '_ {
    move |error| SpoolError::Io {
        path: path.display().to_string(),
        error,
    }
}

/// The consumer of parsed pushes (the vehicle: reads into inspections).
pub trait Sink {
    type Error: std::fmt::Display;
    /// Takes a push's reads. Must record `push` with their effect, and
    /// return `Ok` without effect for a push it has recorded already.
    fn attach(
        &mut self,
        push: &str,
        meta: &PushMeta,
        reads: Vec<CameraRead>,
    ) -> Result<(), Self::Error>;
}

/// What one processing pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Processed {
    pub attached: usize,
    pub refused: Vec<(String, String)>,
    /// Pushes the sink could not take now (left pending).
    pub deferred: usize,
}

#[derive(Debug, Clone)]
pub struct Spool {
    dir: PathBuf,
    pending_sync: Arc<GroupSync>,
    /// Pushes and reasons kept sealed on a vehicle whose data is encrypted.
    seal: Seal,
}

/// Group commit of the `pending/` folder: a push is durable once the
/// folder was flushed after its rename. Pushes renamed while one flush
/// runs share the next one, so concurrent cameras do not queue one folder
/// flush each.
#[derive(Debug, Default)]
struct GroupSync {
    /// Renames done so far.
    renamed: AtomicU64,
    /// Renames covered by the last completed flush.
    synced: Mutex<u64>,
}

impl GroupSync {
    /// Call after a rename into `dir`; returns once a flush that started
    /// after that rename has completed.
    fn after_rename(&self, dir: &Path) -> Result<(), SpoolError> {
        let mine = self.renamed.fetch_add(1, Ordering::SeqCst) + 1;
        let mut synced = self.synced.lock().unwrap_or_else(|p| p.into_inner());
        if *synced >= mine {
            return Ok(());
        }
        let covers = self.renamed.load(Ordering::SeqCst);
        sync_dir(dir)?;
        *synced = covers;
        Ok(())
    }
}

static SEQ: AtomicU64 = AtomicU64::new(0);

fn sync_dir(dir: &Path) -> Result<(), SpoolError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_at(dir))
}

impl Spool {
    /// Opens (creating) the spool under `dir`; half-written pushes from a
    /// crash (in `incoming/`, never answered) are removed.
    pub fn open(dir: &Path) -> Result<Spool, SpoolError> {
        Self::open_with(dir, Seal::plain())
    }

    /// Opens the spool with its files kept as `seal` says.
    pub fn open_with(dir: &Path, seal: Seal) -> Result<Spool, SpoolError> {
        for sub in ["incoming", "pending", "done", "refused"] {
            let d = dir.join(sub);
            fs::create_dir_all(&d).map_err(io_at(&d))?;
        }
        let incoming = dir.join("incoming");
        for e in fs::read_dir(&incoming).map_err(io_at(&incoming))?.flatten() {
            let _ = fs::remove_file(e.path());
        }
        Ok(Spool {
            dir: dir.to_path_buf(),
            pending_sync: Arc::default(),
            seal,
        })
    }

    fn path(&self, state: State, id: &str) -> PathBuf {
        let sub = match state {
            State::Pending => "pending",
            State::Done => "done",
            State::Refused => "refused",
        };
        self.dir.join(sub).join(format!("{id}.push"))
    }

    /// Stores a push durably; returns its id. When this returns, the push
    /// survives a power cut.
    pub fn accept(&self, meta: &PushMeta, body: &[u8]) -> Result<String, SpoolError> {
        let id = format!(
            "{:013}-{}-{:08}",
            meta.received_ms.max(0),
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let tmp = self.dir.join("incoming").join(&id);
        let header = serde_json::to_vec(meta).map_err(|e| SpoolError::Io {
            path: tmp.display().to_string(),
            error: io::Error::other(e),
        })?;
        File::create(&tmp)
            .and_then(|f| self.seal.writer(f))
            .and_then(|mut f| {
                f.write_all(&header)?;
                f.write_all(b"\n")?;
                f.write_all(body)?;
                f.finish()?.sync_all()
            })
            .map_err(io_at(&tmp))?;
        let to = self.path(State::Pending, &id);
        fs::rename(&tmp, &to).map_err(io_at(&to))?;
        self.pending_sync.after_rename(&self.dir.join("pending"))?;
        Ok(id)
    }

    /// Ids waiting to be processed, oldest first.
    pub fn pending(&self) -> Result<Vec<String>, SpoolError> {
        self.ids(State::Pending)
    }

    pub fn ids(&self, state: State) -> Result<Vec<String>, SpoolError> {
        let dir = self.path(state, "x");
        let dir = dir.parent().unwrap_or(&self.dir);
        let mut ids: Vec<String> = fs::read_dir(dir)
            .map_err(io_at(dir))?
            .flatten()
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.strip_suffix(".push"))
                    .map(str::to_string)
            })
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// A push's header and body.
    pub fn read(&self, state: State, id: &str) -> Result<(PushMeta, Vec<u8>), SpoolError> {
        let path = self.path(state, id);
        let bytes = self.seal.read(&path).map_err(io_at(&path))?;
        let damaged = |detail: String| SpoolError::Damaged {
            id: id.to_string(),
            detail,
        };
        let nl = bytes
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| damaged("no header line".into()))?;
        let meta: PushMeta =
            serde_json::from_slice(&bytes[..nl]).map_err(|e| damaged(e.to_string()))?;
        Ok((meta, bytes[nl + 1..].to_vec()))
    }

    /// Why a refused push was refused.
    pub fn reason(&self, id: &str) -> Option<String> {
        let bytes = self
            .seal
            .read(&self.dir.join("refused").join(format!("{id}.reason")))
            .ok()?;
        String::from_utf8(bytes).ok()
    }

    fn finish(&self, id: &str, state: State) -> Result<(), SpoolError> {
        let from = self.path(State::Pending, id);
        let to = self.path(state, id);
        fs::rename(&from, &to).map_err(io_at(&to))?;
        sync_dir(to.parent().unwrap_or(&self.dir))
    }

    fn refuse(&self, id: &str, reason: &str) -> Result<(), SpoolError> {
        let why = self.dir.join("refused").join(format!("{id}.reason"));
        File::create(&why)
            .and_then(|f| self.seal.writer(f))
            .and_then(|mut f| {
                f.write_all(reason.as_bytes())?;
                f.finish()?.sync_all()
            })
            .map_err(io_at(&why))?;
        self.finish(id, State::Refused)
    }

    /// Processes every pending push: parses it and hands its reads to
    /// `sink`, or refuses it with its reason. Never stops on a bad push.
    pub fn process<S: Sink>(&self, sink: &mut S) -> Result<Processed, SpoolError> {
        let mut out = Processed::default();
        for id in self.pending()? {
            let (meta, body) = match self.read(State::Pending, &id) {
                Ok(x) => x,
                Err(SpoolError::Damaged { detail, .. }) => {
                    self.refuse(&id, &format!("damaged spool file: {detail}"))?;
                    out.refused.push((id, detail));
                    continue;
                }
                Err(e) => return Err(e),
            };
            match parse_push(&meta.content_type, &body) {
                Ok(reads) => match sink.attach(&id, &meta, reads) {
                    Ok(()) => {
                        self.finish(&id, State::Done)?;
                        out.attached += 1;
                    }
                    Err(e) => {
                        tracing::warn!(push = %id, error = %e, "ANPR push not attached yet; kept pending");
                        out.deferred += 1;
                    }
                },
                Err(reason) => {
                    let reason = reason.to_string();
                    tracing::warn!(push = %id, peer = %meta.peer, %reason, "ANPR push refused; kept in the spool");
                    self.refuse(&id, &reason)?;
                    out.refused.push((id, reason));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod sealed_tests {
    use super::*;

    /// A vehicle's encrypted spool: pushes and reasons are sealed on disk
    /// and read back whole.
    #[test]
    fn a_sealed_spool_keeps_no_plate_in_plain() {
        let dir = tempfile::tempdir().expect("dir");
        let seal = Seal::new(&kordon_vault::DataKey::generate());
        let spool = Spool::open_with(dir.path(), seal.clone()).expect("open");
        let meta = PushMeta {
            received_ms: 1,
            peer: "127.0.0.1:1".into(),
            content_type: "application/json".into(),
            camera: None,
            path: "/anpr".into(),
        };
        let body = r#"{"plate":"АА4711ВК"}"#.as_bytes();
        let id = spool.accept(&meta, body).expect("accept");
        let on_disk = fs::read(spool.path(State::Pending, &id)).expect("read");
        assert!(on_disk.starts_with(b"KORDSEAL"));
        assert!(!on_disk.windows(body.len()).any(|w| w == body));
        assert_eq!(
            spool.read(State::Pending, &id).expect("read"),
            (meta, body.to_vec())
        );
        spool
            .refuse(&id, "АА4711ВК is not a plate")
            .expect("refuse");
        assert_eq!(
            spool.reason(&id).as_deref(),
            Some("АА4711ВК is not a plate")
        );
        assert!(Spool::open(dir.path())
            .expect("plain")
            .read(State::Refused, &id)
            .is_err());
    }
}
