//! The blob port: what the server asks of wherever its scan blobs live.
//!
//! Two implementations keep the same promises, checked by one conformance
//! suite (`kordon_blob::conformance`): the folder of this crate
//! ([`BlobStore`]) and S3-compatible object storage (`kordon-objects`).
//!
//! The promises:
//! - a blob is named by the BLAKE3 hash of its bytes and becomes visible
//!   only whole and verified; a failed write leaves nothing visible;
//! - an upload ([`BlobUpload`]) takes pieces in order, each checked
//!   against the blob's tree before it is kept, and keeps its verified
//!   prefix durably: opened again (by this process after a restart, or by
//!   another process sharing the storage) it resumes where the last
//!   acknowledged piece ended;
//! - reads are by range, whole, or streaming; a damaged blob is reported,
//!   never served as verified.
//!
//! The calls block: the server makes them off its async threads.

use crate::tree::Cv;
use crate::{BlobCheck, BlobError, BlobId, BlobStore, PartialBlob, PieceOutcome};
use std::io::{self, Read};

/// Where scan blobs are kept, as the server uses it.
pub trait BlobPort: Send + Sync + std::fmt::Debug {
    /// Where the blobs are, for people: a folder, or `s3://bucket/prefix`.
    fn location(&self) -> String;
    /// Checks the storage answers (a wrong address or key is said here,
    /// not at the first scan) and clears what finished uploads left.
    fn ready(&self) -> Result<(), BlobError>;
    /// Whether blob `id` is stored whole.
    fn contains(&self, id: &BlobId) -> Result<bool, BlobError>;
    /// Size of a stored blob ([`BlobError::Missing`] when not stored).
    fn size(&self, id: &BlobId) -> Result<u64, BlobError>;
    /// `len` bytes at `offset` of a stored blob.
    fn read_at(&self, id: &BlobId, offset: u64, len: usize) -> Result<Vec<u8>, BlobError>;
    /// The bytes of a stored blob, streaming and not verified (see
    /// [`verify`](Self::verify)).
    fn reader(&self, id: &BlobId) -> Result<Box<dyn Read + Send>, BlobError>;
    /// Stores what `reader` yields (at most `limit` bytes) and returns its
    /// id; storing what is already stored changes nothing. On any error
    /// nothing becomes visible.
    fn put_reader(&self, reader: &mut dyn Read, limit: u64) -> Result<BlobId, BlobError>;
    /// Starts, or takes up again, the upload of blob `id` of `size` bytes
    /// verified in pieces of `piece` bytes.
    fn upload(&self, id: BlobId, size: u64, piece: u64) -> Result<Box<dyn BlobUpload>, BlobError>;
    /// Bytes of blob `id` verified so far in an upload (0 when none).
    fn partial_len(&self, id: &BlobId) -> Result<u64, BlobError>;
    /// Every stored blob with its size, in id order.
    fn list(&self) -> Result<Vec<(BlobId, u64)>, BlobError>;
    /// Hashes every stored blob again and counts uploads under way (and,
    /// in a folder, temp files left by interrupted writes).
    fn check(&self) -> Result<BlobCheck, BlobError>;

    /// Reads a whole blob and checks its hash.
    fn read_verified(&self, id: &BlobId) -> Result<Vec<u8>, BlobError> {
        let mut bytes = vec![];
        self.reader(id)?
            .read_to_end(&mut bytes)
            .map_err(|error| read_error(self, id, error))?;
        let found = BlobId::of(&bytes);
        if &found != id {
            return Err(BlobError::Corrupt { id: *id, found });
        }
        Ok(bytes)
    }

    /// Hashes a stored blob again, streaming; returns its length.
    fn verify(&self, id: &BlobId) -> Result<u64, BlobError> {
        let mut hasher = blake3::Hasher::new();
        let len = io::copy(&mut self.reader(id)?, &mut hasher)
            .map_err(|error| read_error(self, id, error))?;
        let found = BlobId(*hasher.finalize().as_bytes());
        if &found != id {
            return Err(BlobError::Corrupt { id: *id, found });
        }
        Ok(len)
    }
}

fn read_error<P: BlobPort + ?Sized>(port: &P, id: &BlobId, error: io::Error) -> BlobError {
    BlobError::Io {
        path: format!("{}/{id}", port.location()),
        error,
    }
}

/// A blob arriving piece by piece (see [`PartialBlob`] for the folder's).
pub trait BlobUpload: Send + std::fmt::Debug {
    fn id(&self) -> BlobId;
    fn size(&self) -> u64;
    /// Bytes verified and kept: where the sender must resume.
    fn verified(&self) -> u64;
    /// Whether the piece values are still needed.
    fn needs_tree(&self) -> bool;
    fn is_complete(&self) -> bool;
    /// Bytes that arrived for this blob in all sessions, as noted.
    fn received(&self) -> u64;
    /// Notes `n` bytes that arrived for this blob (pieces kept, refused,
    /// or cut off by an interruption).
    fn note_received(&mut self, n: u64);
    /// Accepts the piece values if they merge to the blob's hash.
    fn set_tree(&mut self, cvs: Vec<Cv>) -> Result<bool, BlobError>;
    /// Verifies the piece at `offset` and keeps it durably.
    fn write_piece(&mut self, offset: u64, data: &[u8]) -> Result<PieceOutcome, BlobError>;
    /// Checks the whole blob against its hash once more and makes it
    /// visible. Nothing is made visible whose hash does not match.
    fn finish(self: Box<Self>) -> Result<BlobId, BlobError>;
}

impl BlobPort for BlobStore {
    fn location(&self) -> String {
        self.dir.display().to_string()
    }
    /// Opening swept the folder already.
    fn ready(&self) -> Result<(), BlobError> {
        Ok(())
    }
    fn contains(&self, id: &BlobId) -> Result<bool, BlobError> {
        Ok(BlobStore::contains(self, id))
    }
    fn size(&self, id: &BlobId) -> Result<u64, BlobError> {
        BlobStore::size(self, id)
    }
    fn read_at(&self, id: &BlobId, offset: u64, len: usize) -> Result<Vec<u8>, BlobError> {
        BlobStore::read_at(self, id, offset, len)
    }
    fn reader(&self, id: &BlobId) -> Result<Box<dyn Read + Send>, BlobError> {
        Ok(Box::new(self.open_blob(id)?))
    }
    fn put_reader(&self, reader: &mut dyn Read, limit: u64) -> Result<BlobId, BlobError> {
        BlobStore::put_reader(self, reader, limit)
    }
    fn upload(&self, id: BlobId, size: u64, piece: u64) -> Result<Box<dyn BlobUpload>, BlobError> {
        Ok(Box::new(FolderUpload {
            partial: self.partial(id, size, piece)?,
            store: self.clone(),
        }))
    }
    fn partial_len(&self, id: &BlobId) -> Result<u64, BlobError> {
        Ok(BlobStore::partial_len(self, id))
    }
    fn list(&self) -> Result<Vec<(BlobId, u64)>, BlobError> {
        BlobStore::list(self)
    }
    fn check(&self) -> Result<BlobCheck, BlobError> {
        BlobStore::check(self)
    }
    fn read_verified(&self, id: &BlobId) -> Result<Vec<u8>, BlobError> {
        BlobStore::read_verified(self, id)
    }
    fn verify(&self, id: &BlobId) -> Result<u64, BlobError> {
        BlobStore::verify(self, id)
    }
}

/// A folder's partial copy with the folder it lands in.
#[derive(Debug)]
struct FolderUpload {
    partial: PartialBlob,
    store: BlobStore,
}

impl BlobUpload for FolderUpload {
    fn id(&self) -> BlobId {
        self.partial.id()
    }
    fn size(&self) -> u64 {
        self.partial.size()
    }
    fn verified(&self) -> u64 {
        self.partial.verified()
    }
    fn needs_tree(&self) -> bool {
        self.partial.needs_tree()
    }
    fn is_complete(&self) -> bool {
        self.partial.is_complete()
    }
    fn received(&self) -> u64 {
        self.partial.received()
    }
    fn note_received(&mut self, n: u64) {
        self.partial.note_received(n)
    }
    fn set_tree(&mut self, cvs: Vec<Cv>) -> Result<bool, BlobError> {
        self.partial.set_tree(cvs)
    }
    fn write_piece(&mut self, offset: u64, data: &[u8]) -> Result<PieceOutcome, BlobError> {
        self.partial.write_piece(offset, data)
    }
    fn finish(self: Box<Self>) -> Result<BlobId, BlobError> {
        let FolderUpload { partial, store } = *self;
        partial.finish(&store)
    }
}
