//! An upload in object storage: one object per verified piece, so its
//! verified prefix outlives the process that received it. The blob is
//! written as the pieces arrive ([`Assembly`]); when that cannot be (too
//! many under way, or the write failed), from its pieces at the end.

use crate::assembly::{Assembly, HandOver};
use crate::{parse_tree, tree_bytes, Chunks, ObjectBlobs, READ_AHEAD};
use bytes::Bytes;
use futures_util::StreamExt;
use kordon_blob::tree::{self, Cv};
use kordon_blob::BlobPort;
use kordon_blob::{judge_piece, BlobError, BlobId, BlobUpload, PieceOutcome};
use object_store::path::Path;
use object_store::ObjectStore;
use object_store::ObjectStoreExt;
use std::sync::Arc;

/// How many bytes may be noted as received before the count is written
/// out (it is a measure: a kill loses at most this much of it).
const RECEIVED_EVERY: u64 = 8 << 20;

#[derive(Debug)]
pub struct ObjectUpload {
    blobs: ObjectBlobs,
    id: BlobId,
    size: u64,
    piece: u64,
    cvs: Option<Vec<Cv>>,
    verified: u64,
    received: u64,
    received_saved: u64,
    /// The blob being written as its pieces arrive, if it is.
    assembly: Option<Assembly>,
    /// Whether this handle started one (it does not start another).
    assembly_tried: bool,
}

/// A piece's object name: its offset, and the bytes received for the
/// blob when it was kept (so a process killed without a word loses none
/// of that count up to its last piece), both in hex.
pub(crate) fn piece_name(offset: u64, received: u64) -> String {
    format!("{offset:016x}.{received:x}")
}

/// `(offset, received)` of a piece's object name.
fn parse_piece_name(name: &str) -> Option<(u64, u64)> {
    let (offset, received) = name.split_once('.')?;
    if offset.len() != 16 {
        return None;
    }
    Some((
        u64::from_str_radix(offset, 16).ok()?,
        u64::from_str_radix(received, 16).ok()?,
    ))
}

/// The most bytes received that any kept piece records.
fn received_in(objects: &[(String, u64)]) -> u64 {
    objects
        .iter()
        .filter_map(|(name, _)| parse_piece_name(name))
        .map(|(_, received)| received)
        .max()
        .unwrap_or(0)
}

/// The names and lengths of the pieces, in order, that hold bytes
/// `from..to` of a blob of `(size, piece)`, from an upload's listing (of
/// the right length; the first, if two processes kept the same piece);
/// `Err` with the offset of the first one missing.
pub(crate) fn piece_paths(
    objects: &[(String, u64)],
    from: u64,
    to: u64,
    size: u64,
    piece: u64,
) -> Result<Vec<(String, u64)>, u64> {
    let mut names = std::collections::BTreeMap::new();
    for (name, len) in objects {
        if let Some((offset, _)) = parse_piece_name(name) {
            if offset % piece == 0 && *len == tree::piece_len(size, piece, offset / piece) {
                names.entry(offset).or_insert((name, *len));
            }
        }
    }
    let mut paths = vec![];
    let mut offset = from;
    while offset < to.min(size) {
        let (name, len) = names.get(&offset).ok_or(offset)?;
        paths.push(((*name).clone(), *len));
        offset += len;
    }
    Ok(paths)
}

/// The pieces `names` (with their lengths, as [`piece_paths`] gives them)
/// under `partial`, in order, `read_ahead` read at a time, each checked to
/// be of the length kept.
pub(crate) fn read_pieces(
    store: Arc<dyn ObjectStore>,
    partial: Path,
    location: String,
    names: Vec<(String, u64)>,
    read_ahead: usize,
) -> Chunks {
    futures_util::stream::iter(names)
        .map(move |(name, len)| {
            let (store, path) = (store.clone(), partial.clone().join(name.as_str()));
            let location = format!("{location}/{name}");
            async move {
                let got = match store.get(&path).await {
                    Ok(got) => got.bytes().await,
                    Err(e) => Err(e),
                };
                match got {
                    Ok(bytes) if bytes.len() as u64 == len => Ok(bytes),
                    Ok(bytes) => Err(BlobError::Remote {
                        location,
                        reason: format!("{} bytes where {len} were kept", bytes.len()),
                    }),
                    Err(e) => Err(BlobError::Remote {
                        location,
                        reason: crate::with_causes(&e),
                    }),
                }
            }
        })
        .buffered(read_ahead)
        .boxed()
}

/// Where the verified prefix ends, from an upload's listing: its pieces
/// from offset 0 on, each where the one before ended and, given the
/// blob's `(size, piece)`, of its piece's length.
pub(crate) fn verified_prefix(objects: &[(String, u64)], shape: Option<(u64, u64)>) -> u64 {
    let mut pieces: Vec<(u64, u64)> = objects
        .iter()
        .filter_map(|(name, len)| Some((parse_piece_name(name)?.0, *len)))
        .collect();
    pieces.sort_unstable();
    // The same piece kept twice (by two processes) counts once.
    pieces.dedup_by_key(|(offset, _)| *offset);
    let mut end = 0;
    for (offset, len) in pieces {
        if offset != end {
            break;
        }
        if let Some((size, piece)) = shape {
            if offset % piece != 0 || len != tree::piece_len(size, piece, offset / piece) {
                break;
            }
        }
        end += len;
    }
    end
}

impl ObjectUpload {
    /// Starts, or takes up again, the upload of `id`.
    pub(crate) fn open(
        blobs: ObjectBlobs,
        id: BlobId,
        size: u64,
        piece: u64,
    ) -> Result<Self, BlobError> {
        if !tree::valid_piece(piece) {
            return Err(BlobError::BadPiece(piece));
        }
        let cvs = match blobs.get(blobs.partial_path(&id, "tree"))? {
            Ok(bytes) => parse_tree(&bytes, &id, size, piece),
            Err(object_store::Error::NotFound { .. }) => None,
            Err(e) => return Err(blobs.remote(&format!("partial/{id}/tree"), e)),
        };
        let received = match blobs.get(blobs.partial_path(&id, "received"))? {
            Ok(bytes) => std::str::from_utf8(&bytes)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0),
            Err(object_store::Error::NotFound { .. }) => 0,
            Err(e) => return Err(blobs.remote(&format!("partial/{id}/received"), e)),
        };
        let mut upload = ObjectUpload {
            blobs,
            id,
            size,
            piece,
            cvs,
            verified: 0,
            received,
            received_saved: received,
            assembly: None,
            assembly_tried: false,
        };
        upload.recover()?;
        Ok(upload)
    }

    /// Finds the verified prefix among the pieces kept (none count
    /// without the tree they were checked against), and the bytes
    /// received as the last of them recorded.
    fn recover(&mut self) -> Result<(), BlobError> {
        let objects = self.blobs.list_under(&format!("partial/{}", self.id))?;
        self.received = self.received.max(received_in(&objects));
        self.received_saved = self.received_saved.max(received_in(&objects));
        self.verified = match self.cvs {
            Some(_) => verified_prefix(&objects, Some((self.size, self.piece))).min(self.size),
            None => 0,
        };
        Ok(())
    }

    /// Hands a piece just kept to the blob's write, started at the first
    /// piece this handle keeps (one taken up midway reads back the pieces
    /// kept before). A write that ended (its store refused a part) is let
    /// go: the blob is then put together from its pieces at the end.
    fn assemble(&mut self, offset: u64, piece: Bytes) {
        if !self.assembly_tried {
            self.assembly_tried = true;
            self.assembly = Assembly::start(&self.blobs, self.id, self.size, self.piece);
            if self.assembly.is_none() {
                tracing::info!(blob = %self.id, "as many scans as it may are written as they arrive: this one is put together from its pieces at the end");
            }
        }
        let Some(assembly) = &self.assembly else {
            return;
        };
        if assembly.hand_over(&self.blobs, offset, piece) == HandOver::Ended {
            self.assembly = None;
            tracing::warn!(blob = %self.id, "its write as it arrives failed: it is put together from its pieces at the end");
        }
    }

    fn save_received(&mut self) -> Result<(), BlobError> {
        self.blobs.put(
            self.blobs.partial_path(&self.id, "received"),
            Bytes::from(self.received.to_string()),
        )?;
        self.received_saved = self.received;
        Ok(())
    }
}

impl Drop for ObjectUpload {
    fn drop(&mut self) {
        // A write under way ends unfinished (and aborts its multipart
        // upload) while the port, which the handle may hold last, is
        // still there to run it.
        self.assembly = None;
        // Not for a blob another handle finished meanwhile: its upload is
        // gone, and the count would be left behind alone.
        let finished_elsewhere = || self.blobs.head_blob(&self.id).ok().flatten().is_some();
        if self.received != self.received_saved
            && self.verified < self.size
            && !finished_elsewhere()
        {
            if let Err(e) = self.save_received() {
                tracing::debug!(blob = %self.id, error = %e, "bytes received not written");
            }
        }
    }
}

impl BlobUpload for ObjectUpload {
    fn id(&self) -> BlobId {
        self.id
    }
    fn size(&self) -> u64 {
        self.size
    }
    fn verified(&self) -> u64 {
        self.verified
    }
    fn needs_tree(&self) -> bool {
        self.cvs.is_none()
    }
    fn is_complete(&self) -> bool {
        self.cvs.is_some() && self.verified >= self.size
    }
    fn received(&self) -> u64 {
        self.received
    }

    fn note_received(&mut self, n: u64) {
        self.received += n;
        if self.received - self.received_saved >= RECEIVED_EVERY {
            if let Err(e) = self.save_received() {
                tracing::debug!(blob = %self.id, error = %e, "bytes received not written");
            }
        }
    }

    fn set_tree(&mut self, cvs: Vec<Cv>) -> Result<bool, BlobError> {
        if tree::root_of(&cvs, self.size, self.piece) != Some(self.id.0) {
            return Ok(false);
        }
        self.blobs.put(
            self.blobs.partial_path(&self.id, "tree"),
            tree_bytes(&cvs, self.size, self.piece),
        )?;
        self.cvs = Some(cvs);
        self.recover()?;
        Ok(true)
    }

    fn write_piece(&mut self, offset: u64, data: &[u8]) -> Result<PieceOutcome, BlobError> {
        let Some(cvs) = &self.cvs else {
            return Ok(PieceOutcome::OutOfPlace);
        };
        if let Err(outcome) = judge_piece(cvs, self.size, self.piece, self.verified, offset, data) {
            return Ok(outcome);
        }
        let piece = Bytes::copy_from_slice(data);
        self.blobs.put(
            self.blobs
                .partial_path(&self.id, &piece_name(offset, self.received)),
            piece.clone(),
        )?;
        self.received_saved = self.received;
        self.verified = offset + data.len() as u64;
        self.assemble(offset, piece);
        Ok(PieceOutcome::Stored)
    }

    fn finish(mut self: Box<Self>) -> Result<BlobId, BlobError> {
        if !self.is_complete() {
            return Err(BlobError::Incomplete {
                id: self.id,
                have: self.verified,
                size: self.size,
            });
        }
        let (blobs, id, size, piece) = (self.blobs.clone(), self.id, self.size, self.piece);
        let mut assembled = false;
        if let Some(assembly) = self.assembly.take() {
            match assembly.finish(&blobs)? {
                Ok(()) => assembled = true,
                Err(error) => {
                    tracing::warn!(blob = %id, %error, "its write as it arrived failed: writing it from its pieces");
                }
            }
        }
        if !assembled && blobs.head_blob(&id)?.is_none() {
            blobs
                .inner
                .from_pieces
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            let objects = blobs.list_under(&format!("partial/{id}"))?;
            let names = piece_paths(&objects, 0, size, size, piece)
                .map_err(|have| BlobError::Incomplete { id, have, size })?;
            let pieces = read_pieces(
                blobs.store(),
                blobs.path(&format!("partial/{id}")),
                format!("{}/partial/{id}", blobs.location()),
                names,
                READ_AHEAD,
            );
            let written = blobs.write_verified(&id, size, pieces);
            if let Err(e) = written {
                if matches!(e, BlobError::Corrupt { .. }) {
                    // Every piece was verified: storage changed under us.
                    // Start over rather than keep a prefix that lies.
                    let _ = blobs.remove_partial(&id);
                }
                return Err(e);
            }
        }
        // Done: nothing of the upload is worth keeping.
        self.received_saved = self.received;
        self.verified = self.size;
        // The blob is whole and visible: its pieces are leftovers now. A
        // failure to remove them is not the transfer's (the next start's
        // sweep takes them).
        if let Err(e) = blobs.remove_partial(&id) {
            tracing::warn!(blob = %id, error = %e, "pieces of a finished upload left behind");
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pieces_of_a_range_are_found_in_order_and_of_their_length() {
        // A blob of 2.5 pieces of 4 bytes: 4 + 4 + 2.
        let (size, piece) = (10, 4);
        let objects = vec![
            (piece_name(4, 9), 4),
            (piece_name(0, 4), 4),
            (piece_name(8, 12), 3), // not its length: left out
            (piece_name(4, 20), 4), // the same piece kept twice
            ("received".to_string(), 2),
        ];
        assert_eq!(
            piece_paths(&objects, 0, 8, size, piece),
            Ok(vec![(piece_name(0, 4), 4), (piece_name(4, 9), 4)])
        );
        assert_eq!(piece_paths(&objects, 0, 10, size, piece), Err(8));
        assert_eq!(piece_paths(&objects, 2, 8, size, piece), Err(2));
        let whole = [objects, vec![(piece_name(8, 30), 2)]].concat();
        assert_eq!(
            piece_paths(&whole, 4, 10, size, piece),
            Ok(vec![(piece_name(4, 9), 4), (piece_name(8, 30), 2)])
        );
    }
}
