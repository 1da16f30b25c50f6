//! The disk under a data folder: how much is free, and whether that is
//! too little for the next records and scans. Read live, never stored: on
//! a full disk nothing could be written to say so.
//!
//! A store also keeps a small reserve file next to its database (in the
//! manner of CockroachDB's emergency ballast): when the disk is found
//! full on opening, the reserve is given back, so the store can still be
//! opened (SQLite needs room for its shared-memory and journal files even
//! to read) and take the crew's next records. It is laid down again once
//! space has returned.

use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Below this much free space (or a tenth of a small disk) the disk is
/// reported low: a real scan is tens of megabytes, and the database needs
/// room for its journal.
pub const DISK_LOW_BYTES: u64 = 512 * 1024 * 1024;

/// Space on the filesystem that holds a data folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DiskSpace {
    /// Bytes this process may still write.
    #[ts(type = "number")]
    pub free_bytes: u64,
    #[ts(type = "number")]
    pub total_bytes: u64,
    /// Too little is free: new records and scans may not fit (see
    /// [`DISK_LOW_BYTES`]).
    pub low: bool,
}

impl DiskSpace {
    /// The filesystem under `dir`; `None` where the system cannot say.
    pub fn of(dir: &Path) -> Option<DiskSpace> {
        let st = rustix::fs::statvfs(dir).ok()?;
        let unit = st.f_frsize.max(1);
        Some(Self::from_counts(
            st.f_bavail.saturating_mul(unit),
            st.f_blocks.saturating_mul(unit),
        ))
    }

    /// Judges `free` of `total` bytes.
    pub fn from_counts(free_bytes: u64, total_bytes: u64) -> DiskSpace {
        let reserve = DISK_LOW_BYTES.min(total_bytes / 10);
        DiskSpace {
            free_bytes,
            total_bytes,
            low: free_bytes < reserve.max(1),
        }
    }
}

/// The folder that holds the database at `db` (`.` for a bare file name).
pub(crate) fn folder_of(db: &Path) -> &Path {
    match db.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// The reserve kept next to the database at `db`.
fn reserve_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".reserve");
    db.with_file_name(name)
}

/// How large the reserve is on a disk of `total` bytes: a hundredth, from
/// 64 KiB to 8 MiB (thousands of records; not a scan).
fn reserve_size(total: u64) -> u64 {
    (total / 100).clamp(64 << 10, 8 << 20)
}

/// Keeps the reserve next to `db`: gives it back when less than its size
/// is free; lays it down when four times its size is free. Best effort:
/// a reserve that cannot be written is simply not there.
pub(crate) fn tend_reserve(db: &Path) {
    let path = reserve_path(db);
    let Some(space) = DiskSpace::of(folder_of(db)) else {
        return;
    };
    let size = reserve_size(space.total_bytes);
    if path.exists() {
        if space.free_bytes < size && std::fs::remove_file(&path).is_ok() {
            tracing::warn!(
                reserve = %path.display(),
                free_bytes = space.free_bytes,
                "the disk is full: gave back the reserve so the store can open"
            );
        }
    } else if space.free_bytes > 4 * size {
        let written = std::fs::File::create(&path).and_then(|mut f| {
            let zeros = vec![0u8; 64 << 10];
            for _ in 0..size / zeros.len() as u64 {
                f.write_all(&zeros)?;
            }
            f.sync_all()
        });
        if written.is_err() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_is_below_the_reserve_or_a_tenth_of_a_small_disk() {
        let gib = 1 << 30;
        assert!(!DiskSpace::from_counts(DISK_LOW_BYTES, 250 * gib).low);
        assert!(DiskSpace::from_counts(DISK_LOW_BYTES - 1, 250 * gib).low);
        // A 24 MiB disk: low under 2.4 MiB free.
        let small = 24 << 20;
        assert!(!DiskSpace::from_counts(3 << 20, small).low);
        assert!(DiskSpace::from_counts(2 << 20, small).low);
        assert!(DiskSpace::from_counts(0, 0).low);
    }

    #[test]
    fn the_reserve_is_a_hundredth_of_the_disk_within_bounds() {
        assert_eq!(reserve_size(0), 64 << 10);
        assert_eq!(reserve_size(24 << 20), (24 << 20) / 100);
        assert_eq!(reserve_size(250 << 30), 8 << 20);
    }

    #[test]
    fn a_reserve_is_laid_down_next_to_the_database() {
        let dir = tempfile::tempdir().expect("tmp");
        let db = dir.path().join("v.sqlite");
        tend_reserve(&db);
        let reserve = dir.path().join("v.sqlite.reserve");
        let space = DiskSpace::of(dir.path()).expect("statvfs");
        if space.free_bytes > 4 * reserve_size(space.total_bytes) {
            let len = std::fs::metadata(&reserve).expect("reserve").len();
            assert_eq!(
                len,
                reserve_size(space.total_bytes) / (64 << 10) * (64 << 10)
            );
        }
    }

    #[test]
    fn the_disk_under_a_folder_is_read() {
        let dir = tempfile::tempdir().expect("tmp");
        let space = DiskSpace::of(dir.path()).expect("statvfs");
        assert!(space.total_bytes > 0 && space.free_bytes <= space.total_bytes);
        assert_eq!(DiskSpace::of(&dir.path().join("missing")), None);
    }
}
