//! Cameras that drop files instead of pushing: a folder whose finished
//! files are moved into the spool, as if they had been pushed.
//!
//! A file is taken once it has kept its size and modification time for
//! the settle time (a camera writing over FTP or SMB is not done before
//! then); it is spooled durably, and only then removed from the folder.
//! Names starting with `.` or ending in `.tmp` or `.part` are never taken.
//! The clock is the caller's (`poll` takes the time), so tests need no
//! sleeping.

use crate::spool::{PushMeta, Spool, SpoolError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

#[derive(Debug)]
pub struct DropFolder {
    dir: PathBuf,
    settle: Duration,
    /// Size and modification time when first seen so, and since when.
    seen: HashMap<PathBuf, ((u64, Option<SystemTime>), Instant)>,
}

/// The `Content-Type` a dropped file would have been pushed with.
fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("xml") => "application/xml",
        Some("json") => "application/json",
        Some("txt") => "text/plain",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "",
    }
}

fn skipped(name: &str) -> bool {
    name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".part")
}

impl DropFolder {
    pub fn new(dir: &Path, settle: Duration) -> DropFolder {
        DropFolder {
            dir: dir.to_path_buf(),
            settle,
            seen: HashMap::new(),
        }
    }

    /// Spools every file that has settled by `now`; returns how many.
    pub fn poll(&mut self, spool: &Spool, now: Instant, now_ms: i64) -> Result<usize, SpoolError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|error| SpoolError::Io {
            path: self.dir.display().to_string(),
            error,
        })?;
        let mut present = vec![];
        let mut taken = 0;
        for e in entries.flatten() {
            let path = e.path();
            let Ok(meta) = e.metadata() else { continue };
            let name = e.file_name().to_string_lossy().into_owned();
            if !meta.is_file() || skipped(&name) {
                continue;
            }
            present.push(path.clone());
            let state = (meta.len(), meta.modified().ok());
            let since = match self.seen.get(&path) {
                Some((s, since)) if *s == state => *since,
                _ => {
                    self.seen.insert(path.clone(), (state, now));
                    now
                }
            };
            if now.duration_since(since) < self.settle {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|error| SpoolError::Io {
                path: path.display().to_string(),
                error,
            })?;
            let meta = PushMeta {
                received_ms: now_ms,
                peer: "folder".into(),
                content_type: content_type(&path).into(),
                camera: None,
                path: format!("folder:{name}"),
            };
            spool.accept(&meta, &bytes)?;
            // Durably spooled: the camera's copy can go.
            std::fs::remove_file(&path).map_err(|error| SpoolError::Io {
                path: path.display().to_string(),
                error,
            })?;
            self.seen.remove(&path);
            taken += 1;
        }
        self.seen.retain(|p, _| present.contains(p));
        Ok(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spool::State;

    #[test]
    fn a_file_is_taken_once_it_has_settled_and_then_removed() {
        let tmp = tempfile::tempdir().expect("tmp");
        let drop = tmp.path().join("drop");
        std::fs::create_dir_all(&drop).expect("mkdir");
        let spool = Spool::open(&tmp.path().join("spool")).expect("spool");
        let mut folder = DropFolder::new(&drop, Duration::from_secs(2));
        let t0 = Instant::now();
        let file = drop.join("read-0001.json");
        std::fs::write(&file, br#"{"plate":"AA1234BC"}"#).expect("write");
        std::fs::write(drop.join("read-0002.json.part"), b"{").expect("write");
        assert_eq!(folder.poll(&spool, t0, 1).expect("poll"), 0, "just seen");
        assert_eq!(
            folder
                .poll(&spool, t0 + Duration::from_secs(1), 1)
                .expect("poll"),
            0,
            "not settled"
        );
        // Still being written: the clock starts again.
        std::fs::write(&file, br#"{"plate":"AA1234BC","lane":"1"}"#).expect("write");
        assert_eq!(
            folder
                .poll(&spool, t0 + Duration::from_secs(2), 1)
                .expect("poll"),
            0
        );
        assert_eq!(
            folder
                .poll(&spool, t0 + Duration::from_secs(4), 1)
                .expect("poll"),
            1
        );
        assert!(!file.exists(), "removed once spooled");
        assert!(
            drop.join("read-0002.json.part").exists(),
            "partial files are left alone"
        );
        let id = &spool.pending().expect("pending")[0];
        let (meta, body) = spool.read(State::Pending, id).expect("read");
        assert_eq!(meta.content_type, "application/json");
        assert_eq!(meta.path, "folder:read-0001.json");
        assert_eq!(body, br#"{"plate":"AA1234BC","lane":"1"}"#);
    }
}
