//! Content-addressed, immutable blob files (scan images).
//!
//! A blob is named by the BLAKE3 hash of its bytes and stored under
//! `DIR/<first 2 hex>/<64 hex>`, byte for byte as imported. Writes are
//! power-safe: stream into `DIR/tmp/`, fsync the file, rename into place,
//! fsync the folder. A power cut leaves either the whole blob or no blob;
//! leftovers in `tmp/` are swept on open. Reads can verify the hash, so a
//! blob damaged on disk is reported, never served as good.

mod check;
#[cfg(feature = "conformance")]
pub mod conformance;
mod partial;
mod port;
pub mod tree;

pub use check::BlobCheck;
pub use partial::{judge_piece, PartialBlob, PieceOutcome};
pub use port::{BlobPort, BlobUpload};

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime};

pub use kordon_vault::{AtRestFile, Seal};

/// A blob's name: the BLAKE3 hash of its bytes (hex in text).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobId(pub [u8; 32]);

impl BlobId {
    /// The id of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        BlobId(*blake3::hash(bytes).as_bytes())
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({})", &hex::encode(self.0)[..12])
    }
}

impl FromStr for BlobId {
    type Err = BlobError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = hex::decode(s).map_err(|_| BlobError::BadId(s.to_string()))?;
        Ok(BlobId(
            bytes
                .try_into()
                .map_err(|_| BlobError::BadId(s.to_string()))?,
        ))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("the disk is full while writing {path}: nothing was stored")]
    DiskFull { path: String },
    #[error("{path}: {error}")]
    Io { path: String, error: io::Error },
    #[error("blob is larger than the {limit}-byte limit: nothing was stored")]
    TooLarge { limit: u64 },
    #[error("blob {id} is damaged on disk: its bytes hash to {found}")]
    Corrupt { id: BlobId, found: BlobId },
    #[error("blob {0} is not stored")]
    Missing(BlobId),
    #[error("{0:?} is not a blob id (64 hex digits)")]
    BadId(String),
    #[error("{0} is not a usable piece size (a power of two, at least 1024)")]
    BadPiece(u64),
    #[error("the blob storage at {location}: {reason}")]
    Remote { location: String, reason: String },
    #[error("blob {id} is incomplete: {have} of {size} bytes")]
    Incomplete { id: BlobId, have: u64, size: u64 },
}

/// Writes a small file durably: temp file, fsync, rename, fsync folder.
pub(crate) fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), BlobError> {
    let tmp = path.with_extension("tmp");
    let dir = path.parent().unwrap_or(Path::new("."));
    File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| fs::rename(&tmp, path))
        .and_then(|()| File::open(dir)?.sync_all())
        .map_err(io_err(path))
}

/// The disk (or the user's quota on it) is full: ENOSPC or EDQUOT.
pub fn is_disk_full(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(28) | Some(122))
}

pub(crate) fn io_err(path: &Path) -> impl Fn(io::Error) -> BlobError + '_ {
    move |source| {
        let path = path.display().to_string();
        // Say so plainly.
        if is_disk_full(&source) {
            BlobError::DiskFull { path }
        } else {
            BlobError::Io {
                path,
                error: source,
            }
        }
    }
}

/// Temp files older than this are leftovers of an interrupted write.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// A folder of blobs.
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
    /// How the files are kept: sealed on a vehicle, plain on the server.
    seal: Seal,
}

impl BlobStore {
    /// Opens (creating) the store and sweeps stale temp files and what is
    /// left of partial copies of blobs it holds.
    pub fn open(dir: &Path) -> Result<Self, BlobError> {
        Self::open_with(dir, Seal::plain())
    }

    /// Opens (creating) the store with its files kept as `seal` says:
    /// a blob's id stays the hash of its plain bytes.
    pub fn open_with(dir: &Path, seal: Seal) -> Result<Self, BlobError> {
        let tmp = dir.join("tmp");
        fs::create_dir_all(&tmp).map_err(io_err(&tmp))?;
        let store = BlobStore {
            dir: dir.to_path_buf(),
            seal,
        };
        store.sweep_temp(STALE_TEMP)?;
        store.sweep_partials()?;
        Ok(store)
    }

    /// Removes temp files older than `age` (interrupted writes). Returns
    /// how many were removed.
    pub fn sweep_temp(&self, age: Duration) -> Result<usize, BlobError> {
        let tmp = self.dir.join("tmp");
        let now = SystemTime::now();
        let mut removed = 0;
        for entry in fs::read_dir(&tmp).map_err(io_err(&tmp))? {
            let entry = entry.map_err(io_err(&tmp))?;
            let modified = entry.metadata().and_then(|m| m.modified()).unwrap_or(now);
            if now.duration_since(modified).unwrap_or_default() >= age {
                fs::remove_file(entry.path()).map_err(io_err(&entry.path()))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Where a blob's file is (whether or not it is stored).
    pub fn path(&self, id: &BlobId) -> PathBuf {
        let hex = id.to_string();
        self.dir.join(&hex[..2]).join(hex)
    }

    pub fn contains(&self, id: &BlobId) -> bool {
        self.path(id).is_file()
    }

    /// Stores what `reader` yields, at most `limit` bytes, and returns its
    /// id. Storing bytes already stored is a no-op. On any error (reader
    /// failure, size limit, full disk) nothing is stored.
    pub fn put_reader(&self, mut reader: impl Read, limit: u64) -> Result<BlobId, BlobError> {
        let tmp_dir = self.dir.join("tmp");
        let tmp = tmp_dir.join(
            format!(
                "{}-{:?}.part",
                std::process::id(),
                std::thread::current().id()
            )
            .replace(['(', ')'], ""),
        );
        let result = (|| {
            let file =
                io::BufWriter::with_capacity(1 << 20, File::create(&tmp).map_err(io_err(&tmp))?);
            let mut file = self.seal.writer(file).map_err(io_err(&tmp))?;
            let mut hasher = blake3::Hasher::new();
            let mut buf = vec![0u8; 256 * 1024];
            let mut total: u64 = 0;
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        return Err(BlobError::Io {
                            path: "input".into(),
                            error: e,
                        })
                    }
                };
                total += n as u64;
                if total > limit {
                    return Err(BlobError::TooLarge { limit });
                }
                hasher.update(&buf[..n]);
                file.write_all(&buf[..n]).map_err(io_err(&tmp))?;
            }
            let file = file
                .finish()
                .and_then(|w| w.into_inner().map_err(io::IntoInnerError::into_error))
                .map_err(io_err(&tmp))?;
            file.sync_all().map_err(io_err(&tmp))?;
            Ok(BlobId(*hasher.finalize().as_bytes()))
        })();
        let id = match result {
            Ok(id) => id,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        self.place(&tmp, &id)?;
        Ok(id)
    }

    /// A sealed, fsynced copy in `tmp/` of the first `len` plain bytes of
    /// the file at `plain`.
    pub(crate) fn sealed_copy(&self, plain: &Path, len: u64) -> Result<PathBuf, BlobError> {
        let tmp = self.dir.join("tmp").join(format!(
            "{}.sealing",
            plain
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ));
        let copied = (|| {
            let mut from = File::open(plain)?.take(len);
            let mut to = self.seal.writer(File::create(&tmp)?)?;
            io::copy(&mut from, &mut to)?;
            to.finish()?.sync_all()
        })();
        if let Err(e) = copied {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(&tmp)(e));
        }
        Ok(tmp)
    }

    /// Moves a complete, fsynced file whose hash is `id` into place
    /// (rename, then fsync the folders). If the blob is already stored the
    /// file is simply removed.
    pub(crate) fn place(&self, file: &Path, id: &BlobId) -> Result<(), BlobError> {
        let target = self.path(id);
        if target.is_file() {
            let _ = fs::remove_file(file);
            return Ok(());
        }
        let fan = target.parent().unwrap_or(&self.dir).to_path_buf();
        let placed = fs::create_dir_all(&fan)
            .and_then(|()| fs::rename(file, &target))
            .and_then(|()| File::open(&fan)?.sync_all())
            .and_then(|()| File::open(&self.dir)?.sync_all());
        if let Err(e) = placed {
            let _ = fs::remove_file(file);
            return Err(io_err(&target)(e));
        }
        Ok(())
    }

    /// Size of a stored blob.
    pub fn size(&self, id: &BlobId) -> Result<u64, BlobError> {
        let path = self.path(id);
        match fs::metadata(&path) {
            Ok(m) if self.seal.is_sealed() => kordon_vault::plain_len(m.len()).ok_or_else(|| {
                io_err(&path)(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "not the length of a sealed file",
                ))
            }),
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(BlobError::Missing(*id)),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// Re-hashes a stored blob and returns its piece values (see
    /// [`tree`]); a blob damaged on disk is reported, not described.
    pub fn tree_of(&self, id: &BlobId, piece: u64) -> Result<Vec<tree::Cv>, BlobError> {
        let size = self.size(id)?;
        let mut file = self.open_blob(id)?;
        let mut buf = vec![0u8; piece as usize];
        let mut cvs = Vec::with_capacity(tree::piece_count(size, piece) as usize);
        for index in 0..tree::piece_count(size, piece) {
            let len = tree::piece_len(size, piece, index) as usize;
            file.read_exact(&mut buf[..len])
                .map_err(io_err(&self.path(id)))?;
            cvs.push(tree::piece_cv(size, piece, index, &buf[..len]));
        }
        match tree::root_of(&cvs, size, piece) {
            Some(root) if root == id.0 => Ok(cvs),
            other => Err(BlobError::Corrupt {
                id: *id,
                found: BlobId(other.unwrap_or_default()),
            }),
        }
    }

    /// Reads `len` bytes at `offset` of a stored blob.
    pub fn read_at(&self, id: &BlobId, offset: u64, len: usize) -> Result<Vec<u8>, BlobError> {
        let file = self.open_blob(id)?;
        let mut buf = vec![0u8; len];
        file.read_exact_at(&mut buf, offset)
            .map_err(io_err(&self.path(id)))?;
        Ok(buf)
    }

    pub fn put_bytes(&self, bytes: &[u8]) -> Result<BlobId, BlobError> {
        self.put_reader(bytes, u64::MAX)
    }

    /// Opens a stored blob for reading (not verified; see [`verify`](Self::verify)).
    pub fn open_blob(&self, id: &BlobId) -> Result<AtRestFile, BlobError> {
        let path = self.path(id);
        File::open(&path)
            .and_then(|file| self.seal.open(file))
            .map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => BlobError::Missing(*id),
                _ => io_err(&path)(e),
            })
    }

    /// How this store keeps its files.
    pub fn seal(&self) -> &Seal {
        &self.seal
    }

    /// Every stored blob with its size, in id order.
    pub fn list(&self) -> Result<Vec<(BlobId, u64)>, BlobError> {
        let mut out = vec![];
        for fan in check::read_dir(&self.dir)? {
            let name = fan.file_name().to_string_lossy().into_owned();
            if name.len() != 2 || !fan.path().is_dir() {
                continue;
            }
            for entry in check::read_dir(&fan.path())? {
                let file = entry.file_name().to_string_lossy().into_owned();
                if let Ok(id) = file.parse::<BlobId>() {
                    if file.starts_with(&name) {
                        out.push((id, self.size(&id)?));
                    }
                }
            }
        }
        out.sort_by_key(|(id, _)| id.0);
        Ok(out)
    }

    /// Reads a whole blob and checks its hash.
    pub fn read_verified(&self, id: &BlobId) -> Result<Vec<u8>, BlobError> {
        let mut bytes = vec![];
        self.open_blob(id)?
            .read_to_end(&mut bytes)
            .map_err(io_err(&self.path(id)))?;
        let found = BlobId::of(&bytes);
        if &found != id {
            return Err(BlobError::Corrupt { id: *id, found });
        }
        Ok(bytes)
    }

    /// Re-hashes a stored blob (streaming) and reports damage.
    pub fn verify(&self, id: &BlobId) -> Result<u64, BlobError> {
        let mut file = self.open_blob(id)?;
        let mut hasher = blake3::Hasher::new();
        let len = io::copy(&mut file, &mut hasher).map_err(io_err(&self.path(id)))?;
        let found = BlobId(*hasher.finalize().as_bytes());
        if &found != id {
            return Err(BlobError::Corrupt { id: *id, found });
        }
        Ok(len)
    }
}
