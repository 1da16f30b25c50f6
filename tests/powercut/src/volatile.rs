//! What a power cut may still take: the writes and namespace changes made
//! since they were last made durable, and how a cut takes them.
//!
//! The layer passes every operation through to the folder below at once,
//! so reads see the latest state; this module keeps what is needed to
//! take the volatile part back:
//!
//! - **File data**, per file (by inode) and per 4 KiB page: the page's
//!   content as of the file's last `fsync`/`fdatasync`, saved before the
//!   first write (or truncation) that touches it, and the file's durable
//!   length. An `fsync` of the file forgets them: that state is durable.
//! - **Namespace changes** (create, mkdir, unlink, rmdir, rename), in the
//!   order they were made. A removed or replaced entry is moved aside
//!   into a graveyard (on the same filesystem) rather than deleted, so a
//!   cut can put it back. An `fsync` of any directory makes every change
//!   made before it durable, as a journalling filesystem commits its
//!   journal in order; an `fsync` of a file does not (POSIX asks for the
//!   directory's).
//!
//! At a cut ([`Volatile::cut`]) each dirty page independently keeps its
//! new content, goes back to its durable content, or is torn at a 512-byte
//! sector boundary; each file's length is its durable one or its latest;
//! and the namespace keeps a seeded prefix of its changes since the last
//! directory sync, undoing the rest newest first.

use rand::Rng;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

/// The unit of the page cache's write-back: a cut keeps or loses a page.
pub const PAGE: u64 = 4096;
/// The unit below a page a torn write is cut at.
pub const SECTOR: u64 = 512;

/// How much a cut takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutMode {
    /// Everything not made durable is lost: the strictest cut.
    LoseAll,
    /// Nothing is lost (as if the machine had been shut down cleanly
    /// after the processes were killed).
    KeepAll,
    /// Each page, each length and the namespace prefix drawn at random.
    Random,
}

/// A namespace change not yet made durable.
#[derive(Debug)]
enum NamespaceChange {
    Created(PathBuf),
    MadeDir(PathBuf),
    /// The entry now lies at `grave`.
    Removed {
        path: PathBuf,
        grave: PathBuf,
    },
    /// `to` replaced an entry that now lies at `replaced`.
    Renamed {
        from: PathBuf,
        to: PathBuf,
        replaced: Option<PathBuf>,
    },
}

/// A file with writes since its last sync.
#[derive(Debug)]
struct DirtyFile {
    durable_len: u64,
    /// Page index → the page's durable bytes (shorter than a page, or
    /// empty, where the durable file ended within or before it).
    pages: BTreeMap<u64, Vec<u8>>,
}

/// What a cut did, for the harness's report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CutReport {
    pub files: u64,
    pub pages_kept: u64,
    pub pages_lost: u64,
    pub pages_torn: u64,
    pub lengths_rolled_back: u64,
    pub namespace_kept: u64,
    pub namespace_undone: u64,
}

/// The volatile state of one mounted folder.
#[derive(Debug)]
pub struct Volatile {
    graveyard: PathBuf,
    next_grave: u64,
    files: HashMap<u64, DirtyFile>,
    changes: Vec<NamespaceChange>,
}

impl Volatile {
    /// `graveyard` must be an empty folder on the same filesystem as the
    /// data (entries are renamed into it).
    pub fn new(graveyard: PathBuf) -> Volatile {
        Volatile {
            graveyard,
            next_grave: 0,
            files: HashMap::new(),
            changes: vec![],
        }
    }

    /// Whether anything would be lost by a [`CutMode::LoseAll`] cut.
    pub fn is_clean(&self) -> bool {
        self.files.is_empty() && self.changes.is_empty()
    }

    fn dirty(&mut self, ino: u64, file: &File) -> io::Result<&mut DirtyFile> {
        match self.files.entry(ino) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(e) => Ok(e.insert(DirtyFile {
                durable_len: file.metadata()?.len(),
                pages: BTreeMap::new(),
            })),
        }
    }

    /// Saves the durable content of every page in `[first, last]` not
    /// saved yet; to be called before those pages change.
    fn save_pages(&mut self, ino: u64, file: &File, first: u64, last: u64) -> io::Result<()> {
        let dirty = self.dirty(ino, file)?;
        let durable_len = dirty.durable_len;
        for page in first..=last {
            if dirty.pages.contains_key(&page) {
                continue;
            }
            let start = page * PAGE;
            let end = ((page + 1) * PAGE).min(durable_len);
            let mut bytes = vec![0; end.saturating_sub(start) as usize];
            if !bytes.is_empty() {
                file.read_exact_at(&mut bytes, start)?;
            }
            dirty.pages.insert(page, bytes);
        }
        Ok(())
    }

    /// Before `len` bytes are written at `offset` of file `ino`.
    pub fn before_write(&mut self, ino: u64, file: &File, offset: u64, len: u64) -> io::Result<()> {
        if len == 0 {
            return Ok(());
        }
        self.save_pages(ino, file, offset / PAGE, (offset + len - 1) / PAGE)
    }

    /// Before file `ino` is truncated or extended to `new_len`.
    pub fn before_set_len(&mut self, ino: u64, file: &File, new_len: u64) -> io::Result<()> {
        let current = file.metadata()?.len();
        if new_len >= current {
            // Extending only adds zeros past the end: the pages there are
            // recorded as written (beyond the durable end, or the page the
            // old end falls in).
            if new_len > current {
                self.save_pages(ino, file, current / PAGE, (new_len - 1) / PAGE)?;
            } else {
                self.dirty(ino, file)?;
            }
            return Ok(());
        }
        self.save_pages(ino, file, new_len / PAGE, (current - 1) / PAGE)
    }

    /// File `ino` was synced (`fsync` or `fdatasync`): its data is durable.
    pub fn file_synced(&mut self, ino: u64) {
        self.files.remove(&ino);
    }

    /// A directory was synced: every namespace change so far is durable.
    pub fn dir_synced(&mut self) {
        for change in self.changes.drain(..) {
            let grave = match change {
                NamespaceChange::Removed { grave, .. } => Some(grave),
                NamespaceChange::Renamed { replaced, .. } => replaced,
                _ => None,
            };
            if let Some(grave) = grave {
                // The graveyard is outside the mounted view; a leftover
                // there is harmless.
                let _ = remove_any(&grave);
            }
        }
    }

    pub fn created(&mut self, path: &Path) {
        self.changes
            .push(NamespaceChange::Created(path.to_path_buf()));
    }

    pub fn made_dir(&mut self, path: &Path) {
        self.changes
            .push(NamespaceChange::MadeDir(path.to_path_buf()));
    }

    fn grave(&mut self) -> PathBuf {
        self.next_grave += 1;
        self.graveyard.join(self.next_grave.to_string())
    }

    /// Removes the entry at `path` (a file, or an empty folder) by moving
    /// it into the graveyard; returns where it now lies.
    pub fn remove(&mut self, path: &Path) -> io::Result<PathBuf> {
        let grave = self.grave();
        std::fs::rename(path, &grave)?;
        self.changes.push(NamespaceChange::Removed {
            path: path.to_path_buf(),
            grave: grave.clone(),
        });
        Ok(grave)
    }

    /// Renames `from` to `to`; an entry replaced at `to` is moved into the
    /// graveyard first (its new place is returned).
    pub fn rename(&mut self, from: &Path, to: &Path) -> io::Result<Option<PathBuf>> {
        let replaced = if to.symlink_metadata().is_ok() {
            let grave = self.grave();
            std::fs::rename(to, &grave)?;
            Some(grave)
        } else {
            None
        };
        if let Err(e) = std::fs::rename(from, to) {
            if let Some(grave) = &replaced {
                std::fs::rename(grave, to)?;
            }
            return Err(e);
        }
        self.changes.push(NamespaceChange::Renamed {
            from: from.to_path_buf(),
            to: to.to_path_buf(),
            replaced: replaced.clone(),
        });
        Ok(replaced)
    }

    /// The power cut, applied to the folder below (nothing may be using
    /// the mounted view any more). `roots` are searched for the files with
    /// unsynced writes (the data folder; the graveyard is added).
    pub fn cut(self, root: &Path, mode: CutMode, rng: &mut impl Rng) -> io::Result<CutReport> {
        let mut report = CutReport::default();
        let mut places = HashMap::new();
        inodes(root, &mut places)?;
        inodes(&self.graveyard, &mut places)?;
        // Some cuts lose little, some lose most.
        let keep_chance: f64 = rng.gen();
        let mut inos: Vec<&u64> = self.files.keys().collect();
        inos.sort();
        for ino in inos {
            let dirty = &self.files[ino];
            let Some(path) = places.get(ino) else {
                continue;
            };
            report.files += 1;
            let file = OpenOptions::new().read(true).write(true).open(path)?;
            let current_len = file.metadata()?.len();
            let len = match mode {
                CutMode::LoseAll => dirty.durable_len,
                CutMode::KeepAll => current_len,
                CutMode::Random if rng.gen_bool(0.5) => dirty.durable_len,
                CutMode::Random => current_len,
            };
            if len != current_len {
                report.lengths_rolled_back += 1;
            }
            file.set_len(len.max(current_len))?;
            for (page, durable) in &dirty.pages {
                let start = page * PAGE;
                if start >= len {
                    continue;
                }
                let page_end = ((page + 1) * PAGE).min(len);
                let mut old = durable.clone();
                // Past the durable end a lost page reads as zeros.
                old.resize((page_end - start) as usize, 0);
                let keep_upto = match mode {
                    CutMode::LoseAll => 0,
                    CutMode::KeepAll => old.len() as u64,
                    CutMode::Random => {
                        if rng.gen_bool(0.1) {
                            let sectors = old.len().div_ceil(SECTOR as usize) as u64;
                            (rng.gen_range(0..=sectors) * SECTOR).min(old.len() as u64)
                        } else if rng.gen_bool(keep_chance) {
                            old.len() as u64
                        } else {
                            0
                        }
                    }
                };
                if keep_upto == old.len() as u64 {
                    report.pages_kept += 1;
                    continue;
                }
                if keep_upto == 0 {
                    report.pages_lost += 1;
                } else {
                    report.pages_torn += 1;
                }
                file.write_all_at(&old[keep_upto as usize..], start + keep_upto)?;
            }
            file.set_len(len)?;
        }
        let kept = match mode {
            CutMode::LoseAll => 0,
            CutMode::KeepAll => self.changes.len(),
            CutMode::Random => rng.gen_range(0..=self.changes.len()),
        };
        report.namespace_kept = kept as u64;
        report.namespace_undone = (self.changes.len() - kept) as u64;
        for change in self.changes[kept..].iter().rev() {
            undo(change)?;
        }
        for change in &self.changes[..kept] {
            match change {
                NamespaceChange::Removed { grave, .. }
                | NamespaceChange::Renamed {
                    replaced: Some(grave),
                    ..
                } => remove_any(grave)?,
                _ => {}
            }
        }
        Ok(report)
    }
}

fn undo(change: &NamespaceChange) -> io::Result<()> {
    match change {
        NamespaceChange::Created(path) => remove_any(path),
        NamespaceChange::MadeDir(path) => remove_any(path),
        NamespaceChange::Removed { path, grave } => std::fs::rename(grave, path),
        NamespaceChange::Renamed { from, to, replaced } => {
            std::fs::rename(to, from)?;
            if let Some(grave) = replaced {
                std::fs::rename(grave, to)?;
            }
            Ok(())
        }
    }
}

fn remove_any(path: &Path) -> io::Result<()> {
    match path.symlink_metadata() {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Every regular file under `dir`, by inode.
fn inodes(dir: &Path, out: &mut HashMap<u64, PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            inodes(&entry.path(), out)?;
        } else if meta.is_file() {
            out.insert(meta.ino(), entry.path());
        }
    }
    Ok(())
}
