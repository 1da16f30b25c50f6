//! Delivering scan blobs: drives a [`BlobSender`] over one QUIC stream,
//! reading pieces from the blob store and noting the server's confirmed
//! offsets in the store as they come, so `status` shows progress and a
//! restarted sync resumes where the server stopped.
//!
//! Runs as its own task with its own store connection, next to the record
//! rounds of the same sync, at a lower stream priority: records never wait
//! behind blobs.

use kordon_blob::tree::{self, Cv, PIECE};
use kordon_blob::{BlobError, BlobId, BlobStore};
use kordon_proto::{BlobSendEvent, BlobSender, BlobSenderConfig, PieceRequest};
use kordon_store::Store;
use kordon_transport::{quinn, FrameStream, TransportError};
use serde::Serialize;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What a blob stream achieved.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BlobReport {
    /// Blobs the server confirmed in this pass (including ones it had).
    pub delivered: u64,
    /// Piece bytes sent in this pass.
    pub bytes_sent: u64,
    /// Blobs the server declined, with its reason.
    pub declined: Vec<(String, String)>,
    /// Pieces the server asked for again (damaged in transit).
    pub resent_pieces: u64,
}

/// Reads pieces from the blob store, checking each against the blob's
/// tree first: a blob damaged on this disk is reported, never sent.
#[derive(Debug)]
pub(crate) struct PieceSource {
    blobs: BlobStore,
    trees: HashMap<[u8; 32], Vec<Cv>>,
}

impl PieceSource {
    pub(crate) fn new(blobs: BlobStore) -> Self {
        PieceSource {
            blobs,
            trees: HashMap::new(),
        }
    }

    pub(crate) fn tree(&mut self, blob: [u8; 32]) -> Result<Vec<Cv>, BlobError> {
        if let Some(t) = self.trees.get(&blob) {
            return Ok(t.clone());
        }
        let t = self.blobs.tree_of(&BlobId(blob), PIECE)?;
        self.trees.insert(blob, t.clone());
        Ok(t)
    }

    pub(crate) fn piece(&mut self, req: PieceRequest) -> Result<Vec<u8>, BlobError> {
        let id = BlobId(req.blob);
        let size = self.blobs.size(&id)?;
        let cvs = self.tree(req.blob)?;
        let data = self.blobs.read_at(&id, req.offset, req.len as usize)?;
        let index = req.offset / PIECE;
        if cvs.get(index as usize) != Some(&tree::piece_cv(size, PIECE, index, &data)) {
            self.trees.remove(&req.blob);
            return Err(BlobError::Corrupt {
                id,
                found: BlobId::of(&data),
            });
        }
        Ok(data)
    }
}

/// A token bucket over bytes written (the optional bandwidth cap).
#[derive(Debug)]
struct RateCap {
    bytes_per_s: f64,
    tokens: f64,
    at: tokio::time::Instant,
}

impl RateCap {
    fn new(bits_per_s: u64) -> Self {
        let bytes_per_s = (bits_per_s as f64 / 8.0).max(1.0);
        RateCap {
            bytes_per_s,
            tokens: 0.0,
            at: tokio::time::Instant::now(),
        }
    }

    /// Waits until `n` bytes may go.
    async fn take(&mut self, n: usize) {
        let now = tokio::time::Instant::now();
        let burst = self.bytes_per_s / 10.0;
        self.tokens = (self.tokens + (now - self.at).as_secs_f64() * self.bytes_per_s)
            .min(burst.max(n as f64));
        self.at = now;
        self.tokens -= n as f64;
        if self.tokens < 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(-self.tokens / self.bytes_per_s)).await;
        }
    }
}

/// Writes `bytes`, in slices paced by the cap if there is one.
async fn write_paced(
    stream: &mut FrameStream,
    bytes: &[u8],
    cap: &mut Option<RateCap>,
) -> Result<(), TransportError> {
    match cap {
        None => stream.write(bytes).await,
        Some(cap) => {
            for slice in bytes.chunks(16 * 1024) {
                cap.take(slice.len()).await;
                stream.write(slice).await?;
            }
            Ok(())
        }
    }
}

/// Delivers every blob in `queue` (hash, size) over a new stream of
/// `conn`, offering the first once `may_offer` is true (the stream is
/// opened and welcomed meanwhile). Progress goes to `store` as the server
/// confirms it.
pub(crate) async fn deliver(
    conn: &quinn::Connection,
    store: Store,
    blobs: BlobStore,
    queue: Vec<([u8; 32], u64)>,
    max_rate_bps: Option<u64>,
    pipelined: bool,
    mut may_offer: tokio::sync::watch::Receiver<bool>,
) -> Result<BlobReport, crate::VehicleError> {
    let (mut stream, mut sender) = open(conn).await?;
    let mut source = PieceSource::new(blobs);
    let mut cap = max_rate_bps.map(RateCap::new);
    let mut report = BlobReport::default();
    let mut queue: std::collections::VecDeque<_> = queue.into();
    // Sizes of the blobs offered (two may be in progress: the next is
    // offered once the current one's pieces are all sent).
    let mut sizes: HashMap<[u8; 32], u64> = HashMap::new();
    // Only touched between awaits; the mutex makes the task `Send`.
    let store = std::sync::Mutex::new(store);
    let db = || {
        store
            .lock()
            .map_err(|_| crate::VehicleError::Io("store lock poisoned".into()))
    };
    let size_of =
        |sizes: &HashMap<[u8; 32], u64>, blob: &[u8; 32]| sizes.get(blob).copied().unwrap_or(0);
    loop {
        while let Some(ev) = sender.poll_event() {
            match ev {
                BlobSendEvent::Welcomed { .. } => {}
                BlobSendEvent::Refused { code, reason } => {
                    return Err(crate::error::refused(Some(code), reason))
                }
                BlobSendEvent::NeedTree { blob } => match blocking(|| source.tree(blob)) {
                    Ok(cvs) => sender.send_tree(blob, cvs),
                    Err(e) => {
                        return Err(local_damage(
                            &*db()?,
                            Some((blob, size_of(&sizes, &blob))),
                            e,
                        ))
                    }
                },
                BlobSendEvent::Progress { blob, upto } => {
                    let hex = BlobId(blob).to_string();
                    db()?.blob_progress(&hex, size_of(&sizes, &blob), upto)?;
                }
                BlobSendEvent::Resent { .. } => report.resent_pieces += 1,
                BlobSendEvent::Stored { blob } => {
                    let hex = BlobId(blob).to_string();
                    db()?.blob_delivered(&hex, size_of(&sizes, &blob), crate::now_ms())?;
                    report.delivered += 1;
                    sizes.remove(&blob);
                }
                BlobSendEvent::Declined { blob, reason } => {
                    let hex = BlobId(blob).to_string();
                    tracing::warn!(blob = %hex, %reason, "server declined a blob");
                    db()?.blob_error(&hex, size_of(&sizes, &blob), &reason)?;
                    report.declined.push((hex, reason));
                    sizes.remove(&blob);
                }
                BlobSendEvent::OfferAgain { blob, reason } => {
                    tracing::info!(blob = %BlobId(blob), %reason, "offering a scan again");
                    report.resent_pieces += 1;
                    if let Some(size) = sizes.remove(&blob) {
                        queue.push_front((blob, size));
                    }
                }
            }
        }
        while let Some(req) = sender.next_piece() {
            let data = blocking(|| source.piece(req)).map_err(|e| match db() {
                Ok(s) => local_damage(&s, Some((req.blob, size_of(&sizes, &req.blob))), e),
                Err(lock) => lock,
            })?;
            report.bytes_sent += data.len() as u64;
            sender.send_piece(req, data, Instant::now());
        }
        // Offered right after the last piece of the one before, so the
        // server's Want comes back while that piece is still checked.
        let offer_now = *may_offer.borrow();
        if offer_now && ((pipelined && sender.may_offer()) || sender.is_idle()) {
            match queue.pop_front() {
                Some((blob, size)) => {
                    sizes.insert(blob, size);
                    sender.offer(blob, size, Instant::now());
                }
                None if sender.is_idle() => break,
                None => {}
            }
        }
        while let Some(bytes) = sender.poll_transmit() {
            write_paced(&mut stream, &bytes, &mut cap).await?;
        }
        let deadline = sender.poll_timeout().map(tokio::time::Instant::from_std);
        let input = tokio::select! {
            r = stream.read() => Some(r?.map(<[u8]>::to_vec)),
            _ = crate::sync::sleep_until(deadline) => None,
            r = may_offer.wait_for(|may| *may), if !offer_now => {
                if r.is_err() {
                    // The pass that would have said so is over.
                    break;
                }
                continue;
            }
        };
        let step = match input {
            Some(Some(data)) => sender.handle_bytes(&data, Instant::now()),
            // A server ends a stream silent for two minutes: this one may
            // have been, waiting for a long first records round.
            Some(None) if !offer_now && sender.is_idle() && sizes.is_empty() => {
                tracing::info!("the server closed the idle blob stream; opening another");
                (stream, sender) = open(conn).await?;
                continue;
            }
            Some(None) => {
                return Err(crate::VehicleError::Sync(
                    "the server ended the blob stream early".into(),
                ))
            }
            None => sender.handle_timeout(Instant::now()),
        };
        if let Err(e) = step {
            // A refusal (revoked, told to wipe) is said before the stream
            // fails: it is what the sync reports, as the records' stream
            // would, whichever of the two hears it first.
            while let Some(ev) = sender.poll_event() {
                if let BlobSendEvent::Refused { code, reason } = ev {
                    return Err(crate::error::refused(Some(code), reason));
                }
            }
            return Err(crate::VehicleError::Sync(e.to_string()));
        }
    }
    stream.finish();
    Ok(report)
}

/// Opens a blob stream below the records' priority and says BlobHello.
async fn open(conn: &quinn::Connection) -> Result<(FrameStream, BlobSender), crate::VehicleError> {
    let (send, recv) = conn
        .open_bi()
        .await
        .map_err(TransportError::from_connection)?;
    // Records streams get priority 1: blobs yield to them.
    let _ = send.set_priority(-1);
    Ok((
        FrameStream::new(send, recv),
        BlobSender::new(BlobSenderConfig::default(), Instant::now()),
    ))
}

/// Runs disk work (hashing a whole blob, reading a piece) without stalling
/// the other tasks of a multi-threaded runtime.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// A blob damaged on this vehicle's disk: noted for `status`, and the
/// delivery stops with a clear error (the crew must re-import the scan).
fn local_damage(
    store: &Store,
    current: Option<([u8; 32], u64)>,
    e: BlobError,
) -> crate::VehicleError {
    if let Some((blob, size)) = current {
        let _ = store.blob_error(&BlobId(blob).to_string(), size, &e.to_string());
    }
    crate::VehicleError::Io(format!("cannot send a scan: {e}"))
}
