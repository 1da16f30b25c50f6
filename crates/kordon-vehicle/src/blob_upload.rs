//! Delivering scan blobs: drives a [`BlobSender`] over a QUIC stream (two
//! taking turns when several scans wait, [`BlobPipeline`]), reading
//! pieces from the blob store and noting the server's confirmed offsets
//! in the store as they come, so `status` shows progress and a restarted
//! sync resumes where the server stopped.
//!
//! Runs as its own task with its own store connection, next to the record
//! rounds of the same sync, at a lower stream priority: records never wait
//! behind blobs.

use kordon_blob::tree::{self, Cv, PIECE};
use kordon_blob::{BlobError, BlobId, BlobStore};
use kordon_proto::{BlobSendEvent, BlobSender, BlobSenderConfig, PieceRequest};
use kordon_store::Store;
use kordon_transport::{quinn, write_some, FrameReader, FrameStream, TransportError};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
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

/// Writes under a cap go in slices of at most this.
const CAP_SLICE: usize = 16 * 1024;

impl RateCap {
    fn new(bits_per_s: u64) -> Self {
        let bytes_per_s = (bits_per_s as f64 / 8.0).max(1.0);
        RateCap {
            bytes_per_s,
            tokens: 0.0,
            at: tokio::time::Instant::now(),
        }
    }

    fn refill(&mut self) {
        let now = tokio::time::Instant::now();
        let burst = (self.bytes_per_s / 10.0).max(CAP_SLICE as f64);
        self.tokens = (self.tokens + (now - self.at).as_secs_f64() * self.bytes_per_s).min(burst);
        self.at = now;
    }

    /// How many bytes may go now: a slice once the bucket holds one, else
    /// none.
    fn grant(&mut self) -> usize {
        self.refill();
        if self.tokens >= CAP_SLICE as f64 {
            CAP_SLICE
        } else {
            0
        }
    }

    fn spend(&mut self, n: usize) {
        self.tokens -= n as f64;
    }

    /// When the next slice may go.
    fn next_grant(&self) -> tokio::time::Instant {
        let short = (CAP_SLICE as f64 - self.tokens).max(0.0);
        self.at + Duration::from_secs_f64(short / self.bytes_per_s)
    }
}

/// Bytes a lane's sender produced that its stream has not taken yet.
/// Written as the stream takes them, never awaited whole: a stream full
/// of one scan's bytes must not hold up the answers to the other.
#[derive(Debug, Default)]
struct Outbox {
    chunks: VecDeque<Vec<u8>>,
    /// Bytes of the first chunk already taken.
    taken: usize,
}

impl Outbox {
    fn push(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.chunks.push_back(bytes);
        }
    }

    fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// The next bytes to write, at most `limit`.
    fn next(&self, limit: usize) -> &[u8] {
        let rest = self.chunks.front().map_or(&[][..], |c| &c[self.taken..]);
        &rest[..rest.len().min(limit)]
    }

    fn advance(&mut self, n: usize) {
        self.taken += n;
        if self.chunks.front().is_some_and(|c| self.taken >= c.len()) {
            self.chunks.pop_front();
            self.taken = 0;
        }
    }
}

/// How one scan follows another on the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BlobPipeline {
    /// Each scan offered once the one before is stored: the link idles
    /// for a round trip and the server's storing between them.
    OneAtATime,
    /// The next scan offered on the same stream right after the last
    /// piece of the one before: its Offer waits behind what of that scan
    /// is still buffered, and the server reads it only once it has stored
    /// that scan, so its Want comes a round trip after the link ran dry.
    SameStream,
    /// Two streams taking turns: once every piece of the scan on one is
    /// handed over and what the server has still to confirm of it would
    /// cross within [`LOOKAHEAD`] at the rate it has been confirming, the
    /// next is offered on the other, its Offer going ahead of those
    /// pieces; its own pieces queue behind them, so the link never waits
    /// for a Want, and no stream waits long enough to be taken for silent.
    #[default]
    TakingTurns,
}

/// How long the next scan may wait behind the current one's bytes.
const LOOKAHEAD: Duration = Duration::from_secs(4);

/// Stream priorities: records (1) go before everything; an Offer before
/// scan bytes; the scan offered first before the next.
const CONTROL: i32 = 0;
const HEAD: i32 = -1;
const BEHIND: i32 = -2;

/// One blob stream and its sender.
struct Lane {
    send: quinn::SendStream,
    reader: FrameReader,
    outbox: Outbox,
    sender: BlobSender,
    /// When the blob it carries was offered, in turns (the earlier goes
    /// first on the link); `None` when it carries none.
    turn: Option<u64>,
    /// The blob it carries (hash, size).
    blob: Option<([u8; 32], u64)>,
    /// Its first confirmation (when, up to where) and the latest offset
    /// confirmed: the rate the server takes it at.
    first_confirmed: Option<(Instant, u64)>,
    confirmed: u64,
    priority: i32,
}

impl Lane {
    /// Opens a blob stream below the records' priority and says BlobHello
    /// (an Offer may follow it at once if `offer_with_hello`).
    async fn open(
        conn: &quinn::Connection,
        offer_with_hello: bool,
    ) -> Result<Self, crate::VehicleError> {
        let (send, recv) = conn
            .open_bi()
            .await
            .map_err(TransportError::from_connection)?;
        let _ = send.set_priority(HEAD);
        let (send, reader) = FrameStream::new(send, recv).split();
        Ok(Lane {
            send,
            reader,
            outbox: Outbox::default(),
            sender: BlobSender::new(
                BlobSenderConfig {
                    offer_with_hello,
                    ..BlobSenderConfig::default()
                },
                Instant::now(),
            ),
            turn: None,
            blob: None,
            first_confirmed: None,
            confirmed: 0,
            priority: HEAD,
        })
    }

    fn offer(&mut self, blob: [u8; 32], size: u64, turn: u64) {
        self.sender.offer(blob, size, Instant::now());
        self.turn = Some(turn);
        self.blob = Some((blob, size));
        self.first_confirmed = None;
        self.confirmed = 0;
    }

    /// Whether its blob waits for one offered earlier (`head`, the
    /// earliest turn of all lanes).
    fn is_behind(&self, head: Option<u64>) -> bool {
        self.turn.is_some() && self.turn != head
    }

    fn confirmed(&mut self, upto: u64) {
        self.first_confirmed.get_or_insert((Instant::now(), upto));
        self.confirmed = upto;
    }

    /// Whether nothing of it would hold a blob offered elsewhere back for
    /// longer than `within`: idle, or all its pieces handed to its sender
    /// (some may still wait in its outbox) and the rest would be confirmed
    /// within `within` at the rate so far.
    fn clears_within(&self, within: Duration) -> bool {
        if self.sender.is_idle() {
            return true;
        }
        let Some((since, from)) = self.first_confirmed else {
            return false;
        };
        let elapsed = since.elapsed().as_secs_f64();
        let rate = self.confirmed.saturating_sub(from) as f64 / elapsed.max(1e-3);
        self.sender.all_pieces_sent()
            && self.sender.unconfirmed() as f64 <= rate * within.as_secs_f64()
    }

    fn set_priority(&mut self, priority: i32) {
        if priority != self.priority && self.send.set_priority(priority).is_ok() {
            self.priority = priority;
        }
    }
}

impl Drop for Lane {
    /// A lane let go with bytes its stream has not taken (the sync failed
    /// or ended meanwhile) resets the stream: finished, as quinn finishes
    /// a stream dropped, it could end in the middle of a frame.
    fn drop(&mut self) {
        if !self.outbox.is_empty() {
            let _ = self.send.reset(quinn::VarInt::from_u32(0));
        }
    }
}

/// Reads what arrived on a lane, owned (so two lanes can be read at once).
async fn read_owned(reader: &mut FrameReader) -> Result<Option<Vec<u8>>, TransportError> {
    Ok(reader.read().await?.map(<[u8]>::to_vec))
}

/// What the loop of [`deliver`] woke up for.
enum Woken {
    /// Bytes arrived on lane `i` (`None`: the server ended it).
    Read(usize, Option<Vec<u8>>),
    /// Lane `i`'s stream took `n` bytes of its outbox.
    Wrote(usize, usize),
    /// A sender's timer, or the cap's next slice.
    Timer,
}

/// The lane the next blob may be offered on, if any.
fn lane_to_offer(lanes: &[Lane], pipeline: BlobPipeline) -> Option<usize> {
    match pipeline {
        BlobPipeline::OneAtATime => lanes[0].sender.is_idle().then_some(0),
        BlobPipeline::SameStream => lanes[0].sender.may_offer().then_some(0),
        BlobPipeline::TakingTurns => lanes.iter().position(|l| l.sender.is_idle()).filter(|i| {
            lanes
                .iter()
                .enumerate()
                .all(|(j, l)| j == *i || l.clears_within(LOOKAHEAD))
        }),
    }
}

/// Orders the lanes on the link: an Offer first, then the blob offered
/// earliest.
fn arrange(lanes: &mut [Lane]) {
    let head = lanes.iter().filter_map(|l| l.turn).min();
    for lane in lanes {
        let priority = if lane.sender.awaits_want() {
            CONTROL
        } else if lane.is_behind(head) {
            BEHIND
        } else {
            HEAD
        };
        lane.set_priority(priority);
    }
}

/// Which lanes may hand their stream bytes now: a lane behind another
/// scan waits until the scan ahead has handed its stream all of its own
/// (else its bytes could take the stream's buffer and go on the link
/// first), except for an Offer, which goes ahead of scan bytes.
fn may_write(lanes: &[Lane]) -> Vec<bool> {
    let head = lanes.iter().filter_map(|l| l.turn).min();
    let ahead_flushed = lanes
        .iter()
        .filter(|l| !l.is_behind(head))
        .all(|l| l.outbox.is_empty());
    lanes
        .iter()
        .map(|l| {
            !l.outbox.is_empty() && (!l.is_behind(head) || l.sender.awaits_want() || ahead_flushed)
        })
        .collect()
}

/// How far the records round beside the scans has got, and so what the
/// scans' streams may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ScanGate {
    /// The round's records are not all answered: the server may not hold
    /// the inspection a scan belongs to yet (it declines such a scan).
    Closed,
    /// They are: scans may be offered (a hash and a size), and the server
    /// answers while the vehicle checks its log. No scan byte goes yet.
    Offer,
    /// The server's log is checked too: scan bytes may go.
    Send,
}

/// Delivers every blob in `queue` (hash, size) over new streams of
/// `conn` (two taking turns when there are several blobs, see
/// [`BlobPipeline`]), offering the first once `gate` allows it and
/// sending its bytes once it allows that (the streams are opened and
/// welcomed meanwhile; with `offer_with_hello` the first Offer may go
/// before the Welcome). Progress goes to `store` as the server confirms
/// it.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn deliver(
    conn: &quinn::Connection,
    store: Store,
    blobs: BlobStore,
    queue: Vec<([u8; 32], u64)>,
    max_rate_bps: Option<u64>,
    pipeline: BlobPipeline,
    offer_with_hello: bool,
    mut gate: tokio::sync::watch::Receiver<ScanGate>,
) -> Result<BlobReport, crate::VehicleError> {
    let mut lanes = vec![Lane::open(conn, offer_with_hello).await?];
    if pipeline == BlobPipeline::TakingTurns && queue.len() > 1 {
        lanes.push(Lane::open(conn, offer_with_hello).await?);
    }
    let mut source = PieceSource::new(blobs);
    let mut cap = max_rate_bps.map(RateCap::new);
    let mut report = BlobReport::default();
    let mut queue: std::collections::VecDeque<_> = queue.into();
    let mut turns = 0u64;
    // Sizes of the blobs offered and not yet answered for good.
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
        for lane in lanes.iter_mut() {
            while let Some(ev) = lane.sender.poll_event() {
                match ev {
                    BlobSendEvent::Welcomed { .. } => {}
                    BlobSendEvent::Refused { code, reason } => {
                        return Err(crate::error::refused(Some(code), reason))
                    }
                    BlobSendEvent::NeedTree { blob } => match blocking(|| source.tree(blob)) {
                        Ok(cvs) => lane.sender.send_tree(blob, cvs),
                        Err(e) => {
                            return Err(local_damage(
                                &*db()?,
                                Some((blob, size_of(&sizes, &blob))),
                                e,
                            ))
                        }
                    },
                    BlobSendEvent::Progress { blob, upto } => {
                        if lane.blob.is_some_and(|(b, _)| b == blob) {
                            lane.confirmed(upto);
                        }
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
            if lane.sender.is_idle() {
                lane.turn = None;
                lane.blob = None;
            }
        }
        let open = *gate.borrow();
        for lane in lanes.iter_mut().filter(|_| open == ScanGate::Send) {
            while let Some(req) = lane.sender.next_piece() {
                let data = blocking(|| source.piece(req)).map_err(|e| match db() {
                    Ok(s) => local_damage(&s, Some((req.blob, size_of(&sizes, &req.blob))), e),
                    Err(lock) => lock,
                })?;
                report.bytes_sent += data.len() as u64;
                lane.sender.send_piece(req, data, Instant::now());
            }
        }
        if open >= ScanGate::Offer {
            if let Some(i) = lane_to_offer(&lanes, pipeline) {
                if let Some((blob, size)) = queue.pop_front() {
                    sizes.insert(blob, size);
                    lanes[i].offer(blob, size, turns);
                    turns += 1;
                }
            }
            if queue.is_empty()
                && lanes
                    .iter()
                    .all(|l| l.sender.is_idle() && l.outbox.is_empty())
            {
                break;
            }
        }
        arrange(&mut lanes);
        for lane in lanes.iter_mut() {
            while let Some(bytes) = lane.sender.poll_transmit() {
                lane.outbox.push(bytes);
            }
        }
        let writable = may_write(&lanes);
        let grant = cap.as_mut().map_or(usize::MAX, RateCap::grant);
        let deadline = lanes
            .iter()
            .filter_map(|l| l.sender.poll_timeout())
            .map(tokio::time::Instant::from_std)
            .chain(
                cap.as_ref()
                    .filter(|_| grant == 0 && writable.iter().any(|w| *w))
                    .map(RateCap::next_grant),
            )
            .min();
        let write = |i: usize| writable.get(i).is_some_and(|w| *w) && grant > 0;
        let (write_a, write_b) = (write(0), write(1));
        let (first, rest) = lanes.split_at_mut(1);
        let a = &mut first[0];
        let (b_reader, b_send, b_outbox) = match rest.first_mut() {
            Some(b) => (Some(&mut b.reader), Some(&mut b.send), Some(&b.outbox)),
            None => (None, None, None),
        };
        let woken = tokio::select! {
            r = read_owned(&mut a.reader) => Woken::Read(0, r?),
            r = async {
                match b_reader {
                    Some(reader) => read_owned(reader).await,
                    None => std::future::pending().await,
                }
            } => Woken::Read(1, r?),
            n = write_some(&mut a.send, a.outbox.next(grant)), if write_a => Woken::Wrote(0, n?),
            n = async {
                match (b_send, b_outbox) {
                    (Some(send), Some(outbox)) => write_some(send, outbox.next(grant)).await,
                    _ => std::future::pending().await,
                }
            }, if write_b => Woken::Wrote(1, n?),
            _ = crate::sync::sleep_until(deadline) => Woken::Timer,
            r = gate.wait_for(|now| *now > open), if open < ScanGate::Send => {
                if r.is_err() {
                    // The pass that would have said so is over.
                    break;
                }
                continue;
            }
        };
        let input = match woken {
            Woken::Wrote(i, n) => {
                lanes[i].outbox.advance(n);
                if let Some(cap) = cap.as_mut() {
                    cap.spend(n);
                }
                continue;
            }
            Woken::Read(i, data) => Some((i, data)),
            Woken::Timer => None,
        };
        let step = match input {
            Some((i, Some(data))) => lanes[i].sender.handle_bytes(&data, Instant::now()),
            // A server ends a stream silent for two minutes: an idle one
            // may have been, waiting for a long first records round or
            // for its turn behind a long scan (and a blob offered on it
            // just then, not yet wanted, goes back to the queue). Another
            // is opened if blobs still wait; the closed one is let go
            // first, so it does not hold a stream meanwhile.
            Some((i, None)) if lanes[i].sender.is_idle() || lanes[i].sender.awaits_want() => {
                let closed = lanes.remove(i);
                if closed.sender.awaits_want() {
                    if let Some((blob, size)) = closed.blob {
                        sizes.remove(&blob);
                        queue.push_front((blob, size));
                    }
                }
                drop(closed);
                if !queue.is_empty() {
                    tracing::info!("the server closed an idle blob stream; opening another");
                    lanes.insert(i, Lane::open(conn, offer_with_hello).await?);
                } else if lanes.is_empty() {
                    break;
                }
                continue;
            }
            Some((_, None)) => {
                return Err(crate::VehicleError::Sync(
                    "the server ended the blob stream early".into(),
                ))
            }
            None => lanes
                .iter_mut()
                .try_for_each(|l| l.sender.handle_timeout(Instant::now())),
        };
        if let Err(e) = step {
            // A refusal (revoked, told to wipe) is said before the stream
            // fails: it is what the sync reports, as the records' stream
            // would, whichever of the two hears it first.
            for lane in lanes.iter_mut() {
                while let Some(ev) = lane.sender.poll_event() {
                    if let BlobSendEvent::Refused { code, reason } = ev {
                        return Err(crate::error::refused(Some(code), reason));
                    }
                }
            }
            return Err(crate::VehicleError::Sync(e.to_string()));
        }
    }
    for lane in lanes.iter_mut().filter(|l| l.outbox.is_empty()) {
        let _ = lane.send.finish();
    }
    Ok(report)
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

#[cfg(test)]
mod gate_tests;

#[cfg(test)]
mod outbox_tests {
    use super::Outbox;

    #[test]
    fn hands_out_every_byte_once_in_order_whatever_the_stream_takes() {
        let mut outbox = Outbox::default();
        outbox.push(vec![1, 2, 3]);
        outbox.push(Vec::new());
        outbox.push(vec![4, 5]);
        let mut written = Vec::new();
        // The stream takes two bytes at a time, one when capped to one.
        for limit in [2, 1, 2, 2, 2] {
            let next = outbox.next(limit).to_vec();
            assert!(!next.is_empty(), "bytes left: {written:?}");
            let taken = next.len().min(2);
            written.extend_from_slice(&next[..taken]);
            outbox.advance(taken);
            if outbox.is_empty() {
                break;
            }
        }
        assert_eq!(written, [1, 2, 3, 4, 5]);
        assert!(outbox.is_empty());
        assert!(outbox.next(usize::MAX).is_empty());
    }

    #[test]
    fn a_chunk_taken_in_part_goes_on_where_it_stopped() {
        let mut outbox = Outbox::default();
        outbox.push(vec![7; 10]);
        outbox.push(vec![8; 3]);
        outbox.advance(4);
        assert_eq!(outbox.next(usize::MAX), [7; 6]);
        outbox.advance(6);
        assert_eq!(outbox.next(2), [8; 2]);
    }
}
