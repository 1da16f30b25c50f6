//! A blob written while its upload arrives: each piece, once kept as its
//! own object, is also handed to the blob's multipart upload (hashed again
//! on the way), so the blob is whole one part after the last piece instead
//! of after every piece is read back.
//!
//! The hand-over never makes the transfer wait long: a piece the write
//! has no room for is left out, and the write reads what it was not
//! handed from the pieces kept (as it reads the pieces kept before it
//! started, for an upload taken up midway). So every upload a server
//! receives is written as it arrives, up to [`ASSEMBLED_AT_ONCE`] at once
//! per opened store; beyond that, and for an upload whose every piece was
//! kept before (a process stopped just before its end), the blob is put
//! together from its pieces at the end.

use crate::upload::{piece_paths, read_pieces};
use crate::{with_causes, ObjectBlobs};
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use kordon_blob::{BlobError, BlobId};
use object_store::path::Path;
use object_store::ObjectStore;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Uploads a process writes into their blob as their pieces arrive, at
/// once. Each holds up to [`QUEUE`] pieces handed over, [`READ_AHEAD`]
/// read back, a part being filled and [`PARTS_IN_FLIGHT`] going up: with
/// 1 MiB pieces and 8 MiB parts, about 26 MiB, 30 MiB while reading back.
pub(crate) const ASSEMBLED_AT_ONCE: usize = 8;
/// Pieces handed over and not yet taken by the write.
const QUEUE: usize = 2;
/// Parts going up at once.
const PARTS_IN_FLIGHT: usize = 2;
/// Pieces read back at once, for what was not handed over.
const READ_AHEAD: usize = 4;
/// How long a piece's hand-over may wait for room, while the write is not
/// reading back (a store slower than the link slows the transfer a
/// little rather than sending every piece twice).
const HAND_OVER_WAIT: Duration = Duration::from_millis(500);

/// A blob being written while its pieces arrive. Dropped without
/// [`finish`](Assembly::finish), the write ends unfinished: the multipart
/// upload is aborted and nothing becomes visible.
#[derive(Debug)]
pub(crate) struct Assembly {
    pieces: mpsc::Sender<(u64, Bytes)>,
    /// Set once the last piece was handed over.
    sent_all: Arc<AtomicBool>,
    /// Set while the write reads back pieces it was not handed.
    reading_back: Arc<AtomicBool>,
    written: tokio::task::JoinHandle<Result<(), BlobError>>,
}

/// What became of a piece handed over.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HandOver {
    Taken,
    /// No room: the write reads it back.
    LeftOut,
    /// The write has ended (it failed): nothing more is taken.
    Ended,
}

impl Assembly {
    /// Starts writing blob `id` (`size` bytes in pieces of `piece`)
    /// through `blobs`; `None` when [`ASSEMBLED_AT_ONCE`] are under way.
    pub(crate) fn start(blobs: &ObjectBlobs, id: BlobId, size: u64, piece: u64) -> Option<Self> {
        let runtime = blobs.inner.runtime.0.as_ref()?;
        let count = blobs.inner.assembling.clone();
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < ASSEMBLED_AT_ONCE).then_some(n + 1)
            })
            .ok()?;
        let slot = Slot(count);
        let (pieces, rx) = mpsc::channel(QUEUE);
        let sent_all = Arc::new(AtomicBool::new(false));
        let reading_back = Arc::new(AtomicBool::new(false));
        let feed = Feed {
            rx,
            sent_all: sent_all.clone(),
            reading_back: reading_back.clone(),
            store: blobs.store(),
            partial: blobs.path(&format!("partial/{id}")),
            location: format!("{}/partial/{id}", blobs.inner.url),
            id,
            size,
            piece,
            next: 0,
            held: None,
            back: None,
            back_end: 0,
            read_back: blobs.inner.read_back.clone(),
        };
        let chunks = futures_util::stream::unfold(feed, |mut feed| async move {
            feed.next_chunk().await.map(|chunk| (chunk, feed))
        })
        .boxed();
        let write = blobs.blob_write(&id, size, chunks, PARTS_IN_FLIGHT);
        let written = runtime.spawn(async move {
            let _slot = slot;
            write.await
        });
        Some(Assembly {
            pieces,
            sent_all,
            reading_back,
            written,
        })
    }

    /// Hands over the piece at `offset`, kept already as its own object.
    /// Blocks for at most [`HAND_OVER_WAIT`].
    pub(crate) fn hand_over(&self, blobs: &ObjectBlobs, offset: u64, piece: Bytes) -> HandOver {
        use mpsc::error::{SendTimeoutError, TrySendError};
        let piece = match self.pieces.try_send((offset, piece)) {
            Ok(()) => return HandOver::Taken,
            Err(TrySendError::Closed(_)) => return HandOver::Ended,
            Err(TrySendError::Full(piece)) => piece,
        };
        if self.reading_back.load(Ordering::Acquire) {
            return HandOver::LeftOut;
        }
        let pieces = self.pieces.clone();
        match blobs.run(async move { pieces.send_timeout(piece, HAND_OVER_WAIT).await }) {
            Ok(Ok(())) => HandOver::Taken,
            Ok(Err(SendTimeoutError::Timeout(_))) => HandOver::LeftOut,
            Ok(Err(SendTimeoutError::Closed(_))) | Err(_) => HandOver::Ended,
        }
    }

    /// Says the last piece was handed over (or is kept), and waits for
    /// the blob to be written and visible. The outer error is the port's
    /// own; the inner, the write's.
    pub(crate) fn finish(self, blobs: &ObjectBlobs) -> Result<Result<(), String>, BlobError> {
        let Assembly {
            pieces,
            sent_all,
            written,
            ..
        } = self;
        sent_all.store(true, Ordering::Release);
        drop(pieces);
        Ok(match blobs.run(written)? {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(format!("the write stopped: {e}")),
        })
    }
}

/// One of the [`ASSEMBLED_AT_ONCE`] places, given back when its write
/// ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The blob's bytes for the write, in order: the pieces handed over, and
/// those left out read back from the objects kept.
struct Feed {
    rx: mpsc::Receiver<(u64, Bytes)>,
    sent_all: Arc<AtomicBool>,
    reading_back: Arc<AtomicBool>,
    store: Arc<dyn ObjectStore>,
    /// `partial/<id>` under the prefix.
    partial: Path,
    location: String,
    id: BlobId,
    size: u64,
    piece: u64,
    /// Where the bytes given to the write end.
    next: u64,
    /// A piece handed over past `next`, waiting for those before it.
    held: Option<(u64, Bytes)>,
    /// Pieces being read back, up to `back_end` (where `held` starts, or
    /// the end).
    back: Option<BoxStream<'static, Result<Bytes, BlobError>>>,
    back_end: u64,
    /// The port's count of pieces read back.
    read_back: Arc<AtomicU64>,
}

impl Feed {
    async fn next_chunk(&mut self) -> Option<Result<Bytes, BlobError>> {
        loop {
            if self.rx.is_closed() && !self.sent_all.load(Ordering::Acquire) {
                // Let go without a finish: end the write unfinished.
                return Some(Err(self.incomplete()));
            }
            if let Some(back) = &mut self.back {
                match back.next().await {
                    Some(Ok(bytes)) => {
                        self.next += bytes.len() as u64;
                        return Some(Ok(bytes));
                    }
                    Some(Err(e)) => return Some(Err(e)),
                    None if self.next != self.back_end => {
                        return Some(Err(self.incomplete()));
                    }
                    None => {
                        self.back = None;
                        self.reading_back.store(false, Ordering::Release);
                    }
                }
                continue;
            }
            let (offset, bytes) = match self.held.take() {
                Some(held) => held,
                None => match self.rx.recv().await {
                    Some(handed) => handed,
                    None if !self.sent_all.load(Ordering::Acquire) => {
                        return Some(Err(self.incomplete()))
                    }
                    // All is kept: what was not handed over is read back.
                    None if self.next < self.size => {
                        if let Err(e) = self.read_back(self.size).await {
                            return Some(Err(e));
                        }
                        continue;
                    }
                    None => return None,
                },
            };
            let end = offset + bytes.len() as u64;
            if end <= self.next {
                continue; // read back already
            }
            if offset > self.next {
                self.held = Some((offset, bytes));
                if let Err(e) = self.read_back(offset).await {
                    return Some(Err(e));
                }
                continue;
            }
            if offset < self.next {
                // Pieces are handed over whole and at their boundaries.
                return Some(Err(self.incomplete()));
            }
            self.next = end;
            return Some(Ok(bytes));
        }
    }

    fn incomplete(&self) -> BlobError {
        BlobError::Incomplete {
            id: self.id,
            have: self.next,
            size: self.size,
        }
    }

    /// Starts reading back the pieces kept from `next` up to `end`.
    async fn read_back(&mut self, end: u64) -> Result<(), BlobError> {
        self.reading_back.store(true, Ordering::Release);
        let objects: Vec<(String, u64)> = self
            .store
            .list(Some(&self.partial))
            .map_ok(|m| (m.location.filename().unwrap_or("").to_string(), m.size))
            .try_collect()
            .await
            .map_err(|e| BlobError::Remote {
                location: self.location.clone(),
                reason: with_causes(&e),
            })?;
        let names =
            piece_paths(&objects, self.next, end, self.size, self.piece).map_err(|have| {
                BlobError::Incomplete {
                    id: self.id,
                    have,
                    size: self.size,
                }
            })?;
        let count = self.read_back.clone();
        self.back_end = end.min(self.size);
        self.back = Some(
            read_pieces(
                self.store.clone(),
                self.partial.clone(),
                self.location.clone(),
                names,
                READ_AHEAD,
            )
            .inspect_ok(move |_| {
                count.fetch_add(1, Ordering::AcqRel);
            })
            .boxed(),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The write's feed, over an object store in memory: what it was not
    //! handed is read back, a short piece ends it, and a write let go
    //! makes nothing visible.

    use super::*;
    use crate::upload::piece_name;
    use kordon_blob::tree::PIECE;
    use object_store::{ObjectStoreExt, PutPayload};

    /// A blob of `pieces` whole pieces and a short last one (several
    /// 8 MiB parts when `pieces` is 9 or more).
    fn blob(pieces: usize) -> Vec<u8> {
        (0..pieces * PIECE as usize + 777)
            .map(|i| (i * 31 % 251) as u8)
            .collect()
    }

    /// Keeps every piece of `data` as the upload would have, `short`
    /// (an index) cut to half its length.
    fn keep_pieces(blobs: &ObjectBlobs, id: &BlobId, data: &[u8], short: Option<usize>) {
        for (i, chunk) in data.chunks(PIECE as usize).enumerate() {
            let kept = if short == Some(i) {
                &chunk[..chunk.len() / 2]
            } else {
                chunk
            };
            let (store, path) = (
                blobs.store(),
                blobs.partial_path(id, &piece_name(i as u64 * PIECE, 0)),
            );
            let payload = PutPayload::from(kept.to_vec());
            blobs
                .run(async move { store.put(&path, payload).await })
                .expect("run")
                .expect("put");
        }
    }

    /// Hands over the pieces of `data` whose index `hand` keeps; whether
    /// the write took (or left out) every one.
    fn hand_over(
        blobs: &ObjectBlobs,
        assembly: &Assembly,
        data: &[u8],
        hand: impl Fn(usize) -> bool,
    ) -> bool {
        data.chunks(PIECE as usize)
            .enumerate()
            .filter(|(i, _)| hand(*i))
            .all(|(i, chunk)| {
                let offset = i as u64 * PIECE;
                assembly.hand_over(blobs, offset, Bytes::copy_from_slice(chunk)) != HandOver::Ended
            })
    }

    fn visible(blobs: &ObjectBlobs, id: &BlobId) -> Option<Bytes> {
        let (store, path) = (blobs.store(), blobs.blob_path(id));
        blobs
            .run(async move {
                match store.get(&path).await {
                    Ok(got) => got.bytes().await.ok(),
                    Err(_) => None,
                }
            })
            .expect("run")
    }

    #[test]
    fn pieces_not_handed_over_are_read_back_in_their_place() {
        let blobs = ObjectBlobs::in_memory();
        let data = blob(17);
        let (id, size) = (BlobId::of(&data), data.len() as u64);
        keep_pieces(&blobs, &id, &data, None);
        let assembly = Assembly::start(&blobs, id, size, PIECE).expect("a place");
        // Not the first two (kept before an interruption), not the ninth
        // (no room for it), not the last (no room at the very end).
        assert!(hand_over(&blobs, &assembly, &data, |i| i >= 2
            && i != 9
            && i != 17));
        assert_eq!(assembly.finish(&blobs).expect("run"), Ok(()));
        assert_eq!(visible(&blobs, &id).as_deref(), Some(&data[..]));
        // At least those four; a piece handed over while the write was
        // reading back may have been left out too.
        assert!(
            blobs.pieces_read_back() >= 4,
            "{}",
            blobs.pieces_read_back()
        );
        assert_eq!(blobs.assemblies_under_way(), 0);
    }

    #[test]
    fn a_piece_kept_short_ends_the_write_without_making_it_visible() {
        let blobs = ObjectBlobs::in_memory();
        let data = blob(3);
        let (id, size) = (BlobId::of(&data), data.len() as u64);
        keep_pieces(&blobs, &id, &data, Some(1));
        let assembly = Assembly::start(&blobs, id, size, PIECE).expect("a place");
        // The write may end as soon as it reads the short piece back.
        hand_over(&blobs, &assembly, &data, |i| i != 1);
        let failed = assembly.finish(&blobs).expect("run");
        assert!(failed.is_err(), "{failed:?}");
        assert_eq!(visible(&blobs, &id), None);
        assert_eq!(blobs.assemblies_under_way(), 0);
    }

    #[test]
    fn a_write_let_go_without_its_finish_makes_nothing_visible() {
        let blobs = ObjectBlobs::in_memory();
        for pieces in [3, 10] {
            let data = blob(pieces);
            let (id, size) = (BlobId::of(&data), data.len() as u64);
            let assembly = Assembly::start(&blobs, id, size, PIECE).expect("a place");
            hand_over(&blobs, &assembly, &data, |_| true);
            drop(assembly);
            let until = std::time::Instant::now() + Duration::from_secs(30);
            while blobs.assemblies_under_way() > 0 {
                assert!(std::time::Instant::now() < until, "the write did not end");
                std::thread::sleep(Duration::from_millis(5));
            }
            assert_eq!(visible(&blobs, &id), None, "{pieces} pieces");
        }
    }
}
