//! A blob being received piece by piece, resumable across restarts.
//!
//! Files in `DIR/partial/`: `<hex>.part` holds the verified prefix of the
//! blob, `<hex>.tree` its piece values (written once they are proven to
//! merge to the blob's hash), `<hex>.stat` how many bytes arrived in all
//! (to measure what interruptions cost). Only verified pieces are written,
//! each appended and fsynced before it is acknowledged, so after a crash
//! the prefix is good up to the last acknowledged piece; a torn tail is cut
//! off when the partial is opened again. When every piece is in, the whole
//! file is hashed once more and only then renamed into the store.

use crate::tree::{self, Cv};
use crate::{io_err, BlobError, BlobId, BlobStore};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

/// What happened to a piece offered to [`PartialBlob::write_piece`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceOutcome {
    /// Verified and durably appended.
    Stored,
    /// Its bytes do not match the blob's tree: nothing was written.
    Mismatch,
    /// Not the piece that comes next (or the wrong length): ignored.
    OutOfPlace,
}

/// Whether `data` at `offset` is the piece that comes after a verified
/// prefix of `verified` bytes of a blob of `size` bytes, and matches its
/// piece value in `cvs`: `Ok` to keep it, or what to answer instead.
pub fn judge_piece(
    cvs: &[Cv],
    size: u64,
    piece: u64,
    verified: u64,
    offset: u64,
    data: &[u8],
) -> Result<(), PieceOutcome> {
    let index = offset / piece;
    if offset != verified
        || offset % piece != 0
        || data.len() as u64 != tree::piece_len(size, piece, index)
        || verified >= size
    {
        return Err(PieceOutcome::OutOfPlace);
    }
    match cvs.get(index as usize) {
        None => Err(PieceOutcome::OutOfPlace),
        Some(expected) if tree::piece_cv(size, piece, index, data) != *expected => {
            Err(PieceOutcome::Mismatch)
        }
        Some(_) => Ok(()),
    }
}

#[derive(Debug)]
pub struct PartialBlob {
    id: BlobId,
    size: u64,
    piece: u64,
    data_path: PathBuf,
    tree_path: PathBuf,
    stat_path: PathBuf,
    file: File,
    cvs: Option<Vec<Cv>>,
    verified: u64,
    received: u64,
}

impl BlobStore {
    fn partial_dir(&self) -> PathBuf {
        self.dir.join("partial")
    }

    /// Bytes of blob `id` verified so far in its partial copy (0 when none
    /// is being received). Reads only the file's length; changes nothing.
    pub fn partial_len(&self, id: &BlobId) -> u64 {
        fs::metadata(self.partial_dir().join(format!("{id}.part")))
            .map(|m| m.len())
            .unwrap_or(0)
    }

    /// Opens (or starts) the partial copy of blob `id` of `size` bytes,
    /// verified in pieces of `piece` bytes.
    pub fn partial(&self, id: BlobId, size: u64, piece: u64) -> Result<PartialBlob, BlobError> {
        if !tree::valid_piece(piece) {
            return Err(BlobError::BadPiece(piece));
        }
        let dir = self.partial_dir();
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let hex = id.to_string();
        let data_path = dir.join(format!("{hex}.part"));
        let tree_path = dir.join(format!("{hex}.tree"));
        let stat_path = dir.join(format!("{hex}.stat"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&data_path)
            .map_err(io_err(&data_path))?;
        let mut p = PartialBlob {
            id,
            size,
            piece,
            file,
            cvs: None,
            verified: 0,
            received: fs::read_to_string(&stat_path)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0),
            data_path,
            tree_path,
            stat_path,
        };
        if let Ok(bytes) = fs::read(&p.tree_path) {
            let cvs: Vec<Cv> = bytes
                .chunks_exact(32)
                .filter_map(|c| c.try_into().ok())
                .collect();
            // A tree file that no longer proves the hash is dropped.
            if bytes.len() % 32 == 0 && tree::root_of(&cvs, size, piece) == Some(id.0) {
                p.cvs = Some(cvs);
            }
        }
        p.recover()?;
        Ok(p)
    }

    /// Removes what is left of partial copies of blobs already held: a
    /// crash between the move into the store and the partial's removal
    /// leaves them, and no transfer would ever take them away. Returns how
    /// many files were removed.
    pub fn sweep_partials(&self) -> Result<usize, BlobError> {
        let dir = self.partial_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut removed = 0;
        for entry in entries {
            let entry = entry.map_err(io_err(&dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let held = name
                .split_once('.')
                .and_then(|(hex, _)| hex.parse::<BlobId>().ok())
                .is_some_and(|id| self.contains(&id));
            if held {
                fs::remove_file(entry.path()).map_err(io_err(&entry.path()))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Drops a partial copy (e.g. when the blob arrived another way).
    pub fn remove_partial(&self, id: &BlobId) {
        let dir = self.partial_dir();
        for ext in ["part", "tree", "stat"] {
            let _ = fs::remove_file(dir.join(format!("{id}.{ext}")));
        }
    }
}

impl PartialBlob {
    pub fn id(&self) -> BlobId {
        self.id
    }
    pub fn size(&self) -> u64 {
        self.size
    }
    /// Bytes verified and stored: where the sender must resume.
    pub fn verified(&self) -> u64 {
        self.verified
    }
    /// Whether the piece values are still needed.
    pub fn needs_tree(&self) -> bool {
        self.cvs.is_none()
    }
    pub fn is_complete(&self) -> bool {
        self.cvs.is_some() && self.verified >= self.size
    }
    /// Bytes that arrived for this blob in all sessions (pieces stored,
    /// refused, or cut off by an interruption), as noted by the receiver.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Notes `n` bytes that arrived for this blob (kept across restarts).
    pub fn note_received(&mut self, n: u64) {
        self.received += n;
        let _ = fs::write(&self.stat_path, self.received.to_string());
    }

    /// Accepts the piece values if they merge to the blob's hash.
    pub fn set_tree(&mut self, cvs: Vec<Cv>) -> Result<bool, BlobError> {
        if tree::root_of(&cvs, self.size, self.piece) != Some(self.id.0) {
            return Ok(false);
        }
        let bytes: Vec<u8> = cvs.iter().flatten().copied().collect();
        crate::write_durably(&self.tree_path, &bytes)?;
        self.cvs = Some(cvs);
        self.recover()?;
        Ok(true)
    }

    /// Verifies the piece at `offset` and appends it durably.
    pub fn write_piece(&mut self, offset: u64, data: &[u8]) -> Result<PieceOutcome, BlobError> {
        let Some(cvs) = &self.cvs else {
            return Ok(PieceOutcome::OutOfPlace);
        };
        if let Err(outcome) = judge_piece(cvs, self.size, self.piece, self.verified, offset, data) {
            return Ok(outcome);
        }
        let path = &self.data_path;
        self.file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.file.write_all(data))
            .and_then(|()| self.file.sync_data())
            .map_err(io_err(path))?;
        self.verified = offset + data.len() as u64;
        Ok(PieceOutcome::Stored)
    }

    /// Checks the whole file against the hash once more and moves it into
    /// the store. Nothing is accepted whose hash does not match.
    pub fn finish(mut self, store: &BlobStore) -> Result<BlobId, BlobError> {
        if !self.is_complete() {
            return Err(BlobError::Incomplete {
                id: self.id,
                have: self.verified,
                size: self.size,
            });
        }
        let path = self.data_path.clone();
        self.file.set_len(self.size).map_err(io_err(&path))?;
        self.file.seek(SeekFrom::Start(0)).map_err(io_err(&path))?;
        let mut hasher = blake3::Hasher::new();
        std::io::copy(&mut (&self.file).take(self.size), &mut hasher).map_err(io_err(&path))?;
        let found = BlobId(*hasher.finalize().as_bytes());
        if found != self.id {
            // Should be impossible (every piece was verified); start over.
            store.remove_partial(&self.id);
            return Err(BlobError::Corrupt { id: self.id, found });
        }
        self.file.sync_all().map_err(io_err(&path))?;
        if store.seal().is_sealed() {
            let sealed = store.sealed_copy(&path, self.size)?;
            store.place(&sealed, &self.id)?;
        } else {
            store.place(&path, &self.id)?;
        }
        store.remove_partial(&self.id);
        Ok(self.id)
    }

    /// Finds the verified prefix after an open: whole pieces only, and the
    /// last one checked again (a power cut may have torn it).
    fn recover(&mut self) -> Result<(), BlobError> {
        let path = self.data_path.clone();
        let len = self.file.metadata().map_err(io_err(&path))?.len();
        let Some(cvs) = &self.cvs else {
            // Without the tree nothing on disk can be trusted.
            self.file.set_len(0).map_err(io_err(&path))?;
            self.verified = 0;
            return Ok(());
        };
        let mut whole = if len >= self.size {
            self.size
        } else {
            len / self.piece * self.piece
        };
        if whole > 0 {
            let last = (whole - 1) / self.piece;
            let start = last * self.piece;
            let mut buf = vec![0u8; (whole - start) as usize];
            self.file
                .seek(SeekFrom::Start(start))
                .map_err(io_err(&path))?;
            self.file.read_exact(&mut buf).map_err(io_err(&path))?;
            if cvs.get(last as usize) != Some(&tree::piece_cv(self.size, self.piece, last, &buf)) {
                whole = start;
            }
        }
        if len != whole {
            self.file.set_len(whole).map_err(io_err(&path))?;
            self.file.sync_all().map_err(io_err(&path))?;
        }
        self.verified = whole;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::cvs_of;
    use crate::Seal;

    fn blob(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 % 251) as u8).collect()
    }

    fn setup(n: usize) -> (tempfile::TempDir, BlobStore, Vec<u8>, BlobId) {
        let dir = tempfile::tempdir().expect("test");
        let store = BlobStore::open(dir.path()).expect("test");
        let data = blob(n);
        let id = BlobId::of(&data);
        (dir, store, data, id)
    }

    #[test]
    fn pieces_in_order_make_the_blob() {
        let (_d, store, data, id) = setup(5000);
        let mut p = store.partial(id, 5000, 1024).expect("test");
        assert!(p.needs_tree());
        assert_eq!(
            p.write_piece(0, &data[..1024]).expect("test"),
            PieceOutcome::OutOfPlace
        );
        assert!(p.set_tree(cvs_of(&data, 1024)).expect("test"));
        for (i, chunk) in data.chunks(1024).enumerate() {
            assert_eq!(
                p.write_piece(i as u64 * 1024, chunk).expect("test"),
                PieceOutcome::Stored
            );
        }
        assert!(p.is_complete());
        assert_eq!(p.finish(&store).expect("test"), id);
        assert_eq!(store.read_verified(&id).expect("test"), data);
    }

    /// On a sealed store the blob lands sealed, under its plain hash, and
    /// reads back whole, by range and by tree.
    #[test]
    fn a_sealed_store_keeps_plain_ids_and_no_plain_bytes() {
        let dir = tempfile::tempdir().expect("test");
        let seal = Seal::new(&kordon_vault::DataKey::generate());
        let store = BlobStore::open_with(dir.path(), seal).expect("test");
        let data = blob(70_000);
        let id = BlobId::of(&data);
        let mut p = store.partial(id, data.len() as u64, 16384).expect("test");
        assert!(p.set_tree(cvs_of(&data, 16384)).expect("test"));
        for (i, chunk) in data.chunks(16384).enumerate() {
            p.write_piece(i as u64 * 16384, chunk).expect("test");
        }
        assert_eq!(p.finish(&store).expect("test"), id);
        let small = store.put_bytes(b"AA 1234 BB, scan notes").expect("test");
        for (id, plain) in [(id, &data[..]), (small, &b"AA 1234 BB, scan notes"[..])] {
            let on_disk = fs::read(store.path(&id)).expect("test");
            assert!(kordon_vault::is_sealed_file(&store.path(&id)).expect("test"));
            assert!(!on_disk
                .windows(16)
                .any(|w| plain.windows(16).next() == Some(w)));
            assert_eq!(store.size(&id).expect("test"), plain.len() as u64);
            assert_eq!(store.read_verified(&id).expect("test"), plain);
            assert_eq!(store.verify(&id).expect("test"), plain.len() as u64);
            assert_eq!(store.read_at(&id, 3, 10).expect("test"), &plain[3..13]);
        }
        assert_eq!(
            store.tree_of(&id, 16384).expect("test"),
            cvs_of(&data, 16384)
        );
        assert!(BlobStore::open(dir.path())
            .expect("test")
            .read_verified(&id)
            .is_err());
    }

    /// A crash after the move into the store and before the partial copy
    /// was removed: the next open of the store takes the leftovers away
    /// (found by the crash harness), and a partial of a blob not held stays.
    #[test]
    fn leftovers_of_a_blob_held_are_swept_at_open() {
        let (dir, store, data, id) = setup(3000);
        let mut p = store.partial(id, 3000, 1024).expect("test");
        assert!(p.set_tree(cvs_of(&data, 1024)).expect("test"));
        p.write_piece(0, &data[..1024]).expect("test");
        let other = BlobId::of(b"not held");
        let _ = store.partial(other, 8, 1024).expect("test");
        // The blob arrives whole; the crash leaves the partial files.
        store.put_bytes(&data).expect("test");
        drop(p);
        let files = |d: &std::path::Path| fs::read_dir(d.join("partial")).expect("test").count();
        assert_eq!(
            files(dir.path()),
            3,
            "part and tree of one; part of the other"
        );
        let store = BlobStore::open(dir.path()).expect("test");
        assert_eq!(files(dir.path()), 1);
        assert_eq!(store.partial_len(&id), 0);
        assert!(fs::metadata(dir.path().join("partial").join(format!("{other}.part"))).is_ok());
    }

    #[test]
    fn a_wrong_tree_or_piece_is_refused_and_nothing_written() {
        let (_d, store, data, id) = setup(4096);
        let mut p = store.partial(id, 4096, 1024).expect("test");
        let mut cvs = cvs_of(&data, 1024);
        cvs[2][0] ^= 1;
        assert!(!p.set_tree(cvs).expect("test"));
        assert!(p.set_tree(cvs_of(&data, 1024)).expect("test"));
        let mut bad = data[..1024].to_vec();
        bad[10] ^= 0x40;
        assert_eq!(
            p.write_piece(0, &bad).expect("test"),
            PieceOutcome::Mismatch
        );
        assert_eq!(p.verified(), 0);
        assert_eq!(
            p.write_piece(1024, &data[1024..2048]).expect("test"),
            PieceOutcome::OutOfPlace
        );
        assert!(matches!(
            p.finish(&store),
            Err(BlobError::Incomplete { .. })
        ));
        assert!(!store.contains(&id));
    }

    #[test]
    fn resumes_after_reopen_and_cuts_a_torn_tail() {
        let (_d, store, data, id) = setup(5000);
        {
            let mut p = store.partial(id, 5000, 1024).expect("test");
            p.set_tree(cvs_of(&data, 1024)).expect("test");
            p.write_piece(0, &data[..1024]).expect("test");
            p.write_piece(1024, &data[1024..2048]).expect("test");
            p.note_received(3000);
        }
        // A crash mid-write leaves half a piece, and damage in the last one.
        let part = store.partial_dir().join(format!("{id}.part"));
        let mut f = OpenOptions::new().append(true).open(&part).expect("test");
        f.write_all(&data[2048..2500]).expect("test");
        let p = store.partial(id, 5000, 1024).expect("test");
        assert_eq!(p.verified(), 2048);
        assert_eq!(p.received(), 3000);
        drop(p);
        let mut bytes = fs::read(&part).expect("test");
        bytes[1500] ^= 1;
        fs::write(&part, &bytes).expect("test");
        let p = store.partial(id, 5000, 1024).expect("test");
        assert_eq!(p.verified(), 1024, "the damaged last piece is dropped");
    }

    #[test]
    fn empty_and_single_piece_blobs() {
        let (_d, store, data, id) = setup(700);
        let mut p = store.partial(id, 700, 1024).expect("test");
        p.set_tree(cvs_of(&data, 1024)).expect("test");
        assert_eq!(p.write_piece(0, &data).expect("test"), PieceOutcome::Stored);
        assert_eq!(p.finish(&store).expect("test"), id);
        let empty = BlobId::of(&[]);
        let mut p = store.partial(empty, 0, 1024).expect("test");
        p.set_tree(cvs_of(&[], 1024)).expect("test");
        assert!(p.is_complete());
        assert_eq!(p.finish(&store).expect("test"), empty);
    }
}
