//! The watch folder: imports what a scanner drops, once each.
//!
//! A file is taken only when it is complete: its size and modification
//! time have not changed for the settle time, and it decodes fully. Each
//! version of a file (path, size, modification time) is remembered in the
//! store with what was done to it, so it is imported exactly once, across
//! restarts too. If the program stops between attaching a scan and
//! remembering the file, the next pass finds the image already attached and
//! records that instead of importing it twice.
//!
//! A raw file (`.raw`) is taken only once its ENVI header (`NAME.hdr`)
//! is there too.
//!
//! Dual-energy pairs: `NAME_high.EXT` with `NAME_low.EXT` (also `_he`/`_le`,
//! `-high`/`-low`, any case) are imported together as one scan once both
//! are complete. A lone half waits for its partner up to the pair timeout
//! and is then imported as a single-energy image.
//!
//! Scans go to the inspection given, or else to the crew's current one:
//! the newest undecided inspection. With none open, files wait.

use crate::scans::ScanDetails;
use crate::{Vehicle, VehicleError};
use kordon_model::{InspectionId, OfficerId};
use kordon_store::{Query, WatchEntry};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Attach to this inspection instead of the current one.
    pub inspection: Option<InspectionId>,
    /// How long a file must stay unchanged before it is taken.
    pub settle: Duration,
    /// How long half of a dual-energy pair waits for the other half.
    pub pair_timeout: Duration,
    pub details: ScanDetails,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            inspection: None,
            settle: Duration::from_secs(2),
            pair_timeout: Duration::from_secs(60),
            details: ScanDetails::default(),
        }
    }
}

/// A file's identity for "seen before".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Version {
    size: u64,
    /// For a raw file, the later of its own and its header's.
    mtime_ns: i64,
}

/// The watcher's memory between passes (what is settling).
#[derive(Debug, Default)]
pub struct Watcher {
    settling: HashMap<PathBuf, (Version, Instant)>,
    waiting_note: Option<String>,
}

/// The file name extensions a scan is imported from (any case): TIFF,
/// PNG, JPEG, DICONDE and raw samples (whose ENVI header, `NAME.hdr`,
/// lies beside them). The watch folder takes only these; the app's file
/// picker offers them.
pub const SCAN_FILE_EXTENSIONS: [&str; 8] =
    ["tif", "tiff", "png", "jpg", "jpeg", "dcm", "dicom", "raw"];

fn version_of(path: &Path) -> Option<Version> {
    let (size, mtime_ns) = size_and_mtime(path)?;
    // A raw file is read with its header: a header written or fixed after
    // the samples is a new version of the file (it settles again, and a
    // refusal for a half-written header is tried again once it changes).
    let mtime_ns = match crate::scans::raw_header_path(path) {
        Some(header) => {
            let (_, header_mtime) = size_and_mtime(&header)?;
            mtime_ns.max(header_mtime)
        }
        None => mtime_ns,
    };
    Some(Version { size, mtime_ns })
}

fn size_and_mtime(path: &Path) -> Option<(u64, i64)> {
    let m = std::fs::metadata(path).ok()?;
    if !m.is_file() {
        return None;
    }
    let mtime = m.modified().ok()?;
    let ns = mtime
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0);
    Some((m.len(), ns))
}

/// `(stem, Some(true))` for a high-energy half, `Some(false)` for a low
/// one, `None` for a single image.
fn pair_role(path: &Path) -> (String, Option<bool>) {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lower = stem.to_lowercase();
    for (suffix, high) in [
        ("_high", true),
        ("-high", true),
        ("_he", true),
        ("_low", false),
        ("-low", false),
        ("_le", false),
    ] {
        if let Some(base) = lower.strip_suffix(suffix) {
            return (base.to_string(), Some(high));
        }
    }
    (lower, None)
}

/// The dual-energy pair a file belongs to, `(high, low)`, when it is one
/// half (by name, as the watch folder pairs them) and the other half is
/// beside it. `None` for a single image or a half whose partner is missing.
pub fn dual_energy_pair(path: &Path) -> Option<(PathBuf, PathBuf)> {
    let (stem, Some(is_high)) = pair_role(path) else {
        return None;
    };
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let partner = std::fs::read_dir(folder)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.as_path() != path && candidate(p) && p.is_file())
        .find(|p| pair_role(p) == (stem.clone(), Some(!is_high)))?;
    Some(if is_high {
        (path.to_path_buf(), partner)
    } else {
        (partner, path.to_path_buf())
    })
}

fn candidate(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    // A raw file waits for its header: without it, it cannot be read.
    !name.starts_with('.')
        && !name.ends_with('~')
        && SCAN_FILE_EXTENSIONS.contains(&ext.as_str())
        && (ext != "raw" || crate::scans::raw_header_path(path).is_some())
}

impl Watcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// One pass over `folder`: imports what is complete and new. Returns
    /// what was done in this pass (imported, failed, skipped).
    pub fn pass(
        &mut self,
        v: &mut Vehicle,
        folder: &Path,
        opts: &WatchOptions,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<Vec<WatchEntry>, VehicleError> {
        let entries = std::fs::read_dir(folder)
            .map_err(|e| VehicleError::Io(format!("watch folder {}: {e}", folder.display())))?;
        let now = Instant::now();
        // Files that are new to us and have settled.
        let mut ready: Vec<(PathBuf, Version)> = vec![];
        let mut present = vec![];
        for entry in entries.flatten() {
            let path = entry.path();
            if !candidate(&path) {
                continue;
            }
            let Some(ver) = version_of(&path) else {
                continue;
            };
            present.push(path.clone());
            let key = path.to_string_lossy().into_owned();
            if v.store.watch_seen(&key, ver.size, ver.mtime_ns)?.is_some() {
                self.settling.remove(&path);
                continue;
            }
            let since = match self.settling.get(&path) {
                Some((seen, since)) if *seen == ver => *since,
                _ => {
                    self.settling.insert(path.clone(), (ver, now));
                    now
                }
            };
            if now.duration_since(since) >= opts.settle && ver.size > 0 {
                ready.push((path, ver));
            }
        }
        self.settling.retain(|p, _| present.contains(p));
        ready.sort_by(|a, b| a.0.cmp(&b.0));

        let target = match opts.inspection {
            Some(id) => Some(id),
            None => current_inspection(v)?,
        };
        let Some(target) = target else {
            if !ready.is_empty() {
                let note = format!(
                    "{} scan file(s) wait: no open inspection to attach them to",
                    ready.len()
                );
                if self.waiting_note.as_ref() != Some(&note) {
                    tracing::warn!("{note}");
                    self.waiting_note = Some(note);
                }
            }
            return Ok(vec![]);
        };
        self.waiting_note = None;

        let mut done = vec![];
        let mut used = vec![];
        for (path, ver) in &ready {
            if used.contains(path) {
                continue;
            }
            let (stem, role) = pair_role(path);
            let partner = role.and_then(|is_high| {
                ready
                    .iter()
                    .find(|(p, _)| p != path && pair_role(p) == (stem.clone(), Some(!is_high)))
            });
            let (high, low) = match (role, partner) {
                (Some(true), Some(l)) => ((path, ver), Some((&l.0, &l.1))),
                (Some(false), Some(h)) => ((&h.0, &h.1), Some((path, ver))),
                (Some(_), None) => {
                    let waited = self
                        .settling
                        .get(path)
                        .map(|(_, since)| now.duration_since(*since))
                        .unwrap_or_default();
                    if waited < opts.pair_timeout {
                        continue;
                    }
                    ((path, ver), None)
                }
                (None, _) => ((path, ver), None),
            };
            used.push(high.0.clone());
            if let Some(l) = low {
                used.push(l.0.clone());
            }
            let result = v.add_scan(
                target,
                high.0,
                low.map(|l| l.0.as_path()),
                &opts.details,
                officer,
                now_ms,
            );
            let (outcome, detail) = match result {
                Ok(r) => (
                    "imported",
                    format!("scan {} attached to {target}", &r.scan.id[..12]),
                ),
                Err(e) if e.to_string().contains("already attached") => {
                    ("skipped", format!("already attached to {target}"))
                }
                Err(e @ (VehicleError::Invalid(_) | VehicleError::Model(_))) => {
                    ("failed", e.to_string())
                }
                // Storage trouble (full disk, ...): try again next pass.
                Err(e) => return Err(e),
            };
            for (p, ver) in std::iter::once(high).chain(low) {
                let entry = WatchEntry {
                    path: p.to_string_lossy().into_owned(),
                    size: ver.size,
                    mtime_ns: ver.mtime_ns,
                    outcome: outcome.to_string(),
                    detail: detail.clone(),
                    at_ms: now_ms,
                };
                v.store.watch_record(&entry)?;
                self.settling.remove(p);
                done.push(entry);
            }
        }
        Ok(done)
    }
}

/// The crew's current inspection: the newest undecided one.
fn current_inspection(v: &Vehicle) -> Result<Option<InspectionId>, VehicleError> {
    Ok(v.list(&Query {
        outcome: Some("none".into()),
        limit: Some(1),
        ..Query::default()
    })?
    .first()
    .map(|r| r.view.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_half_finds_its_partner_beside_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let high = dir.path().join("TRK_7_high.tif");
        let low = dir.path().join("TRK_7_LOW.tif");
        let lone = dir.path().join("VAN_1_high.tif");
        for f in [&high, &low, &lone] {
            std::fs::write(f, b"x").expect("write");
        }
        let pair = Some((high.clone(), low.clone()));
        assert_eq!(dual_energy_pair(&high), pair);
        assert_eq!(dual_energy_pair(&low), pair);
        assert_eq!(dual_energy_pair(&lone), None);
        assert_eq!(dual_energy_pair(&dir.path().join("single.tif")), None);
    }

    #[test]
    fn pairs_are_recognised_by_name() {
        assert_eq!(
            pair_role(Path::new("/s/TRK_0042_high.tif")),
            ("trk_0042".into(), Some(true))
        );
        assert_eq!(
            pair_role(Path::new("TRK_0042_LE.TIFF")),
            ("trk_0042".into(), Some(false))
        );
        assert_eq!(
            pair_role(Path::new("scan-low.png")),
            ("scan".into(), Some(false))
        );
        assert_eq!(
            pair_role(Path::new("highway.tif")),
            ("highway".into(), None)
        );
    }

    #[test]
    fn only_image_files_that_are_not_temporary_are_candidates() {
        assert!(candidate(Path::new("a.TIF")));
        assert!(candidate(Path::new("b.jpeg")));
        assert!(!candidate(Path::new(".a.tif")));
        assert!(!candidate(Path::new("a.tif~")));
        assert!(!candidate(Path::new("a.tif.part")));
        assert!(!candidate(Path::new("notes.txt")));
    }
}
