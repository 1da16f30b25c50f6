//! The server's part of a blob stream: decides what to take, checks every
//! piece against the blob's tree, stores it durably, and answers the
//! [`BlobReceiver`]. Blocking file I/O; the endpoint runs it off the
//! async threads.
//!
//! A blob is taken only if an inspection of the device's unit references
//! it with exactly that size: records come first, so a blob nobody asked
//! for (or a hostile peer filling the disk) is declined before a byte of
//! it is written.

use kordon_blob::tree::{self, PIECE};
use kordon_blob::{BlobId, BlobPort, BlobUpload, PieceOutcome};
use kordon_proto::{BlobHash, BlobReceiver, BlobRecvEvent};
use std::sync::Arc;

/// Largest blob taken (bounds the tree message and the disk a device can
/// claim per blob).
pub const MAX_BLOB: u64 = 16 << 30;

/// A blob that arrived whole, for the log and the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobArrival {
    pub blob: BlobId,
    pub size: u64,
    /// Bytes that crossed the link for it in all sessions: `size` plus
    /// what interruptions and damaged pieces cost.
    pub received: u64,
}

/// Why the server would not take a blob (sent to the vehicle as is).
pub type Refusal = String;

#[derive(Debug)]
pub struct BlobIntake {
    store: Arc<dyn BlobPort>,
    current: Option<Box<dyn BlobUpload>>,
    arrivals: Vec<BlobArrival>,
}

impl BlobIntake {
    pub fn new(store: Arc<dyn BlobPort>) -> Self {
        BlobIntake {
            store,
            current: None,
            arrivals: vec![],
        }
    }

    /// Most piece values a tree may hold.
    pub fn max_cvs() -> usize {
        tree::piece_count(MAX_BLOB, PIECE) as usize
    }

    /// Blobs completed since the last call.
    pub fn take_arrivals(&mut self) -> Vec<BlobArrival> {
        std::mem::take(&mut self.arrivals)
    }

    /// Notes bytes that arrived for the current blob but were lost with
    /// the stream (an interruption mid-piece).
    pub fn stream_ended(&mut self, partial_bytes: u64) {
        if let Some(p) = self.current.as_mut() {
            if partial_bytes > 0 {
                p.note_received(partial_bytes);
            }
        }
        self.current = None;
    }

    /// Handles one event from the receiver. `wanted(blob, size)` says
    /// whether the device may deliver this blob. Errors are storage
    /// failures (the stream should end; nothing unverified was kept).
    pub fn handle(
        &mut self,
        event: BlobRecvEvent,
        rx: &mut BlobReceiver,
        wanted: impl FnOnce(&BlobId, u64) -> Result<(), Refusal>,
    ) -> Result<(), kordon_blob::BlobError> {
        match event {
            BlobRecvEvent::Hello => {}
            BlobRecvEvent::Offer { blob, size } => {
                let id = BlobId(blob);
                self.current = None;
                if size > MAX_BLOB {
                    rx.declined(blob, &format!("larger than the {MAX_BLOB}-byte limit"));
                } else if self.store.contains(&id)? {
                    // Held already. A server stopped between storing it and
                    // registering it left no row: register it now (the
                    // register ignores a blob it has).
                    if wanted(&id, size).is_ok() {
                        let size = self.store.size(&id)?;
                        self.arrivals.push(BlobArrival {
                            blob: id,
                            size,
                            received: size,
                        });
                    }
                    rx.stored(blob);
                } else if let Err(reason) = wanted(&id, size) {
                    rx.declined(blob, &reason);
                } else {
                    let p = self.store.upload(id, size, PIECE)?;
                    let (from, tree, complete) = (p.verified(), p.needs_tree(), p.is_complete());
                    self.current = Some(p);
                    // Every piece stored before a crash cut the move into
                    // the store: finish now (the sender has nothing left
                    // to send, and a Want from its size is no piece's
                    // start).
                    if complete {
                        self.maybe_finish(rx)?;
                    } else {
                        rx.want(blob, from, tree);
                    }
                }
            }
            BlobRecvEvent::Tree { blob, cvs } => {
                let Some(p) = self.current_for(&blob) else {
                    return Ok(());
                };
                if !p.set_tree(cvs)? {
                    self.current = None;
                    rx.declined(blob, "its piece values do not add up to its hash");
                    return Ok(());
                }
                self.maybe_finish(rx)?;
            }
            BlobRecvEvent::Piece {
                blob,
                offset,
                data,
                wire_len,
            } => {
                let Some(p) = self.current_for(&blob) else {
                    return Ok(());
                };
                p.note_received(wire_len);
                match p.write_piece(offset, &data)? {
                    PieceOutcome::Stored => {
                        rx.verified(blob, p.verified());
                        self.maybe_finish(rx)?;
                    }
                    PieceOutcome::Mismatch => {
                        tracing::warn!(blob = %BlobId(blob), offset, "piece failed its check; asking again");
                        let from = p.verified();
                        rx.resend(blob, from, "piece damaged in transit");
                    }
                    // Pieces already in flight after a resend: dropped.
                    PieceOutcome::OutOfPlace => {}
                }
            }
        }
        Ok(())
    }

    fn current_for(&mut self, blob: &BlobHash) -> Option<&mut Box<dyn BlobUpload>> {
        self.current.as_mut().filter(|p| p.id().0 == *blob)
    }

    fn maybe_finish(&mut self, rx: &mut BlobReceiver) -> Result<(), kordon_blob::BlobError> {
        if !self.current.as_ref().is_some_and(|p| p.is_complete()) {
            return Ok(());
        }
        let Some(p) = self.current.take() else {
            return Ok(());
        };
        let (size, received) = (p.size(), p.received());
        let id = p.finish()?;
        tracing::info!(blob = %id, size, received, "blob stored, verified");
        self.arrivals.push(BlobArrival {
            blob: id,
            size,
            received,
        });
        rx.stored(id.0);
        Ok(())
    }
}
