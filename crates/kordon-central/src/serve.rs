//! The QUIC sync endpoint: one task per connection, one `ServerSession` per
//! stream, the [`Central`] behind a mutex (SQLite work is short and
//! blocking, so it runs on the blocking pool).
//!
//! What a peer can make the server hold is bounded before anyone knows who
//! it is (see [`admission`](crate::admission)): connections are counted at
//! the door, must authenticate within a deadline, and each message must
//! keep a pace once it has begun ([`MessagePace`]); bytes of messages in
//! progress come out of one budget. What attackers can repeat at will is
//! logged a few lines at a time ([`LogThrottle`]).

use crate::admission::{Door, Limits, PartialBudget, PartialShare, Ticket};
use crate::blob_intake::BlobIntake;
use crate::log_throttle::LogThrottle;
use crate::metrics::Metrics;
use crate::{now_ms, Central, CentralError};
use kordon_proto::{
    BlobReceiver, BlobRecvEvent, FrameDecoder, Message, MessagePace, RefusalCode, ServerEvent,
    ServerSession,
};

use kordon_record::PublicKey;
use kordon_transport::{quinn, FrameStream, TransportError};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub type Shared = Arc<Mutex<Central>>;

/// The handles on the server's storage the connections share: one, or
/// several on the same storage (on PostgreSQL, each of its operations
/// waits on the network, and one vehicle's need not wait on another's).
/// An operation takes a free handle, else waits on one in turn.
#[derive(Debug)]
pub struct Handles {
    handles: Vec<Shared>,
    next: std::sync::atomic::AtomicUsize,
}

impl Handles {
    /// A handle, free or the next in turn.
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Central>, CentralError> {
        let poisoned = || CentralError::Invalid("central store lock poisoned".into());
        for h in &self.handles {
            match h.try_lock() {
                Ok(guard) => return Ok(guard),
                Err(std::sync::TryLockError::WouldBlock) => {}
                Err(std::sync::TryLockError::Poisoned(_)) => return Err(poisoned()),
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.handles.len().max(1);
        self.handles
            .get(i)
            .ok_or_else(|| CentralError::Invalid("no handle on the store".into()))?
            .lock()
            .map_err(|_| poisoned())
    }
}

impl From<Shared> for Handles {
    fn from(one: Shared) -> Self {
        Handles {
            handles: vec![one],
            next: Default::default(),
        }
    }
}

impl From<Vec<Central>> for Handles {
    fn from(all: Vec<Central>) -> Self {
        Handles {
            handles: all.into_iter().map(|c| Arc::new(Mutex::new(c))).collect(),
            next: Default::default(),
        }
    }
}

/// How long a new stream may take to send its Hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an authorised session may stay silent between messages.
const READ_TIMEOUT: Duration = Duration::from_secs(120);
/// Close code: the peer went silent or did not authenticate in time.
const CLOSE_TIMED_OUT: u32 = 2;

/// What every connection's tasks share.
#[derive(Clone)]
struct Ctx {
    central: Arc<Handles>,
    /// Nudged after each batch: the process's projection catches up.
    projector: Arc<tokio::sync::Notify>,
    metrics: Arc<Metrics>,
    door: Arc<Door>,
    budget: Arc<PartialBudget>,
    throttle: Arc<LogThrottle>,
}

impl Ctx {
    /// The pace each message on a stream must keep.
    fn pace(&self) -> MessagePace {
        let l = self.door.limits();
        MessagePace::new(l.message_grace, l.min_message_rate)
    }

    /// Counts a connection closed or refused for `reason` and logs it,
    /// rate-limited (an attacker can repeat it at will).
    fn turned_away(&self, reason: &'static str, peer: &dyn std::fmt::Display, detail: &str) {
        self.metrics.connection_refused(reason);
        if let Some(left_out) = self.throttle.allow(reason, std::time::Instant::now()) {
            tracing::warn!(%peer, reason, detail, left_out, "connection turned away");
        }
    }
}

/// Binds the endpoint for `central` on `listen`.
pub fn bind(central: &Central, listen: SocketAddr) -> Result<quinn::Endpoint, CentralError> {
    Ok(kordon_transport::server_endpoint(
        listen,
        central.key(),
        central.cert_der().to_vec(),
    )?)
}

/// Accepts connections until the endpoint is closed, with the default
/// [`Limits`].
pub async fn serve(endpoint: quinn::Endpoint, central: impl Into<Handles>) {
    serve_with(endpoint, central, Limits::default()).await
}

/// Accepts connections until the endpoint is closed, within `limits`.
pub async fn serve_with(endpoint: quinn::Endpoint, central: impl Into<Handles>, limits: Limits) {
    let central = Arc::new(central.into());
    // The process's metrics, taken once (the handle never changes).
    let metrics = match with_central(&central, |c| Ok(c.metrics().clone())).await {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "the server's store cannot be reached; not serving");
            return;
        }
    };
    // Stopped when serving stops (or is dropped); a pass already running
    // ends first (it runs on the blocking pool), and what it left is
    // projected by the next reader or on the next open. On a handle of its
    // own, so that the sessions' records are accepted while it folds.
    let projector_handle = match with_central(&central, |c| c.reopen()).await {
        Ok(own) => Arc::new(Handles::from(vec![own])),
        Err(e) => {
            tracing::warn!(error = %e, "no handle of its own for the projection: it shares the sessions'");
            central.clone()
        }
    };
    let (projector, projecting) = spawn_projector(projector_handle);
    let _projecting = AbortOnDrop(projecting);
    let ctx = Ctx {
        central,
        projector,
        metrics,
        budget: PartialBudget::new(limits.partial_budget),
        door: Door::new(limits),
        throttle: Arc::new(LogThrottle::default()),
    };
    while let Some(incoming) = endpoint.accept().await {
        let peer = incoming.remote_address();
        // Under load, an address is made to prove it is real (a stateless
        // QUIC Retry, one round trip) before it counts at the door, so
        // packets from spoofed addresses cannot use up a vehicle's share.
        if !incoming.remote_address_validated() && ctx.door.under_load() {
            if let Err(e) = incoming.retry() {
                e.into_incoming().refuse();
            }
            continue;
        }
        let ticket = match ctx.door.arrive(peer.ip(), std::time::Instant::now()) {
            Ok(t) => Arc::new(t),
            Err(turned) => {
                // Before the handshake: no cryptography spent on it.
                ctx.turned_away(turned.as_str(), &peer, turned.reason());
                incoming.refuse();
                continue;
            }
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            // From the first packet, the whole way to an accepted Hello.
            let deadline = tokio::time::Instant::now() + ctx.door.limits().auth_timeout;
            let connecting = match incoming.accept() {
                Ok(c) => c,
                Err(e) => return ctx.turned_away("handshake_failed", &peer, &e.to_string()),
            };
            let conn = tokio::select! {
                done = tokio::time::timeout_at(deadline, handshake(connecting, deadline)) => match done {
                    Ok(Ok(conn)) => conn,
                    Ok(Err(e)) => return ctx.turned_away("handshake_failed", &peer, &e),
                    Err(_) => return ctx.turned_away("auth_timeout", &peer, "handshake not finished in time"),
                },
                why = ticket.turned_out() => return ctx.turned_away(why.as_str(), &peer, why.reason()),
            };
            if let Err(e) = handle_connection(conn, &ctx, ticket, deadline).await {
                tracing::info!(%peer, error = %e, "session ended with an error");
            }
        });
    }
}

/// The connection once its peer is known: at once for a vehicle that
/// resumed a session this process gave it (its ticket names the key that
/// proved itself then), so what it sent early (0-RTT) is answered at once;
/// else once the handshake is done and the vehicle has proved its key.
/// Why answering early is safe: `kordon_transport`'s `resumption` module.
async fn handshake(
    mut connecting: quinn::Connecting,
    deadline: tokio::time::Instant,
) -> Result<quinn::Connection, String> {
    // The protocol is chosen with the ClientHello, before any stream.
    connecting
        .handshake_data()
        .await
        .map_err(|e| e.to_string())?;
    let (conn, done) = match connecting.into_0rtt() {
        Ok(early) => early,
        // Never on a server's side; waited for in full all the same.
        Err(connecting) => return connecting.await.map_err(|e| e.to_string()),
    };
    if kordon_transport::peer_device_key(&conn).is_some() {
        // Its handshake must still be done in time: a replay of what a
        // vehicle sent early cannot finish it, and is let go then rather
        // than at the idle timeout.
        let watched = conn.clone();
        tokio::spawn(async move {
            if tokio::time::timeout_at(deadline, done).await.is_err() {
                watched.close(CLOSE_TIMED_OUT.into(), b"handshake not finished in time");
            }
        });
        return Ok(conn);
    }
    // Resolves once the handshake is done or failed (`true` only if early
    // data was taken): the connection tells which.
    let _ = done.await;
    match conn.close_reason() {
        None => Ok(conn),
        Some(e) => Err(e.to_string()),
    }
}

/// The process's projection, off the sessions' path: a batch's receipts
/// do not wait for its documents and the index to be brought up to date,
/// and the sessions of many vehicles do not queue for the projection one
/// by one. One pass at a time; nudges that arrive during a pass make one
/// more. The console's reads still project what is left before they
/// read, so none misses a received record; what goes down to a vehicle
/// projects unless another pass is under way (`Central::down`).
fn spawn_projector(
    central: Arc<Handles>,
) -> (Arc<tokio::sync::Notify>, tokio::task::JoinHandle<()>) {
    let nudge = Arc::new(tokio::sync::Notify::new());
    let nudged = nudge.clone();
    let task = tokio::spawn(async move {
        loop {
            nudged.notified().await;
            if let Err(e) = with_central(&central, |c| c.project(now_ms())).await {
                tracing::warn!(error = %e, "projection after a batch failed; the next reader or batch tries again");
            }
        }
    });
    (nudge, task)
}

/// Stops a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `f` on the central store from the blocking pool.
async fn with_central<T: Send + 'static>(
    central: &Arc<Handles>,
    f: impl FnOnce(&mut Central) -> Result<T, CentralError> + Send + 'static,
) -> Result<T, CentralError> {
    let central = central.clone();
    tokio::task::spawn_blocking(move || {
        let mut guard = central.lock()?;
        f(&mut guard)
    })
    .await
    .map_err(|e| CentralError::Invalid(format!("worker failed: {e}")))?
}

async fn handle_connection(
    conn: quinn::Connection,
    ctx: &Ctx,
    ticket: Arc<Ticket>,
    auth_deadline: tokio::time::Instant,
) -> Result<(), CentralError> {
    let peer = conn.remote_address().to_string();
    let Some(device) = kordon_transport::peer_device_key(&conn) else {
        conn.close(1u32.into(), b"no device certificate");
        return Ok(());
    };
    let _connected = ctx.metrics.vehicle_connected();
    // Streams run side by side: record sessions (a new one whenever the
    // vehicle has records) and blob streams (a vehicle runs two, taking
    // turns), within the connection's stream limit.
    let mut streams: tokio::task::JoinSet<Result<bool, CentralError>> = tokio::task::JoinSet::new();
    let mut auth_checked = false;
    // Bytes received over all streams: the pace of a message is the
    // connection's (a scan piece waiting behind records is not slow).
    let received = Arc::new(AtomicU64::new(0));
    // How far the records sessions of this connection have got: an Offer
    // held for the records beside it looks again at each step.
    let round_progress = Arc::new(tokio::sync::watch::Sender::new(RoundProgress::default()));
    loop {
        let accepted = tokio::select! {
            a = conn.accept_bi() => a,
            _ = tokio::time::sleep_until(auth_deadline), if !auth_checked => {
                auth_checked = true;
                if ticket.awaits_hello() {
                    let secs = ctx.door.limits().auth_timeout.as_secs_f64();
                    let reason = format!("no accepted Hello within {secs} s");
                    ctx.turned_away("auth_timeout", &peer, &reason);
                    conn.close(CLOSE_TIMED_OUT.into(), reason.as_bytes());
                    return Ok(());
                }
                continue;
            }
            why = ticket.turned_out() => {
                ctx.turned_away(why.as_str(), &peer, why.reason());
                conn.close(RefusalCode::Unavailable.close_code().into(), why.reason().as_bytes());
                return Ok(());
            }
            Some(done) = streams.join_next() => {
                match done {
                    Ok(Ok(true)) => return Ok(()),
                    Ok(Ok(false)) => {}
                    // The server's storage failing is the operator's
                    // concern; a peer or link that went wrong is routine.
                    Ok(Err(e)) if e.is_storage() => tracing::warn!(device = %device.short(), %peer, error = %e, "stream ended by a storage error"),
                    Ok(Err(e)) => tracing::info!(device = %device.short(), %peer, error = %e, "stream ended with an error"),
                    Err(e) => tracing::warn!(device = %device.short(), %peer, error = %e, "stream task failed"),
                }
                continue;
            }
        };
        let (send, recv) = match accepted {
            Ok(s) => s,
            Err(quinn::ConnectionError::ApplicationClosed(_))
            | Err(quinn::ConnectionError::LocallyClosed) => {
                wind_up(&mut streams).await;
                return Ok(());
            }
            Err(e) => {
                wind_up(&mut streams).await;
                return Err(TransportError::from_connection(e).into());
            }
        };
        let (conn, peer, ctx, ticket) = (conn.clone(), peer.clone(), ctx.clone(), ticket.clone());
        let received = received.clone();
        let round_progress = round_progress.clone();
        streams.spawn(async move {
            let mut stream = FrameStream::new(send, recv);
            let mut share = PartialShare::new(ctx.budget.clone());
            let Some(first) = first_frame(&mut stream, &mut share, &received).await? else {
                return Ok(false);
            };
            let peer = Peer {
                conn: &conn,
                device,
                address: &peer,
                ticket: &ticket,
                received: &received,
                round_progress: &round_progress,
            };
            let result = if matches!(first.1, Message::BlobHello { .. }) {
                run_blob_stream(&peer, &mut stream, &ctx, share, &first.0).await
            } else {
                run_session(&peer, &mut stream, &ctx, share, &first.0).await
            };
            match result {
                // Nothing of it was stored: the vehicle keeps everything and
                // is told why, to try again later.
                Err(e) if e.is_disk_full() => {
                    ctx.turned_away("disk_full", &peer.address, &e.to_string());
                    conn.close(
                        RefusalCode::Unavailable.close_code().into(),
                        DISK_FULL.as_bytes(),
                    );
                    Ok(true)
                }
                other => other,
            }
        });
    }
}

/// Lets the streams of a connection that has closed wind up: each reads
/// the close at once and notes what it delivered (the scan bytes off the
/// vehicle's backlog). Dropping them instead would lose that note.
async fn wind_up(streams: &mut tokio::task::JoinSet<Result<bool, CentralError>>) {
    let drained = async { while streams.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(Duration::from_secs(5), drained).await;
}

/// The other end of a stream: its connection, device and place at the door.
struct Peer<'a> {
    conn: &'a quinn::Connection,
    device: PublicKey,
    address: &'a str,
    ticket: &'a Arc<Ticket>,
    /// Bytes the connection has received, over all its streams.
    received: &'a AtomicU64,
    /// How far the records sessions of the connection have got.
    round_progress: &'a tokio::sync::watch::Sender<RoundProgress>,
}

impl Peer<'_> {
    /// Logs a protocol error of this peer, rate-limited.
    fn protocol_error(&self, ctx: &Ctx, e: &kordon_proto::ProtoError) {
        if let Some(left_out) = ctx
            .throttle
            .allow("protocol_error", std::time::Instant::now())
        {
            tracing::warn!(device = %self.device.short(), peer = %self.address, error = %e, left_out, "protocol error");
        }
    }

    /// Ends the connection for `reason` (counted, logged rate-limited).
    fn cut_off(&self, ctx: &Ctx, kind: &'static str, reason: &str) {
        ctx.turned_away(kind, &self.address, reason);
        let code = match kind {
            "server_busy" => RefusalCode::Unavailable.close_code(),
            _ => CLOSE_TIMED_OUT,
        };
        self.conn.close(code.into(), reason.as_bytes());
    }
}

/// What the next read of a stream gave.
enum Input {
    Bytes(Vec<u8>),
    /// The peer finished the stream.
    Ended,
    /// Nothing arrived within the idle timeout, between messages.
    Silent,
    /// A message in progress fell below its pace.
    TooSlow,
}

/// The next bytes of a stream: those already read while looking at its
/// first frame, then what arrives. Between messages the peer may be
/// silent for `idle`; within a message, as long as its connection keeps
/// the pace (`received` counts the connection's bytes, every stream's).
async fn next_input(
    stream: &mut FrameStream,
    pending: &mut Option<Vec<u8>>,
    pace: &MessagePace,
    idle: Duration,
    received: &AtomicU64,
) -> Result<Input, TransportError> {
    if let Some(first) = pending.take() {
        return Ok(Input::Bytes(first));
    }
    let started = std::time::Instant::now();
    loop {
        let now = std::time::Instant::now();
        let idle_left = idle.saturating_sub(now.saturating_duration_since(started));
        let wait = if pace.in_message() {
            pace.wait(Duration::MAX, received.load(Ordering::Relaxed), now)
        } else {
            idle_left
        };
        match tokio::time::timeout(wait, stream.read()).await {
            Ok(read) => {
                return Ok(match read? {
                    Some(d) => {
                        received.fetch_add(d.len() as u64, Ordering::Relaxed);
                        Input::Bytes(d.to_vec())
                    }
                    None => Input::Ended,
                })
            }
            Err(_) if !pace.in_message() => return Ok(Input::Silent),
            Err(_) => {
                let now = std::time::Instant::now();
                if pace.is_late(received.load(Ordering::Relaxed), now) {
                    return Ok(Input::TooSlow);
                }
                // The connection moved meanwhile: a later deadline.
            }
        }
    }
}

/// Notes what a stream's decoder holds after a read; `false` when the
/// bytes of messages in progress would pass the server's budget.
fn account(
    pace: &mut MessagePace,
    share: &mut PartialShare,
    (frames, partial): (u64, usize),
    received: &AtomicU64,
) -> bool {
    pace.observe(
        frames,
        partial,
        received.load(Ordering::Relaxed),
        std::time::Instant::now(),
    );
    share.hold(partial)
}

/// Why a message in progress was cut off.
fn too_slow(limits: &Limits) -> String {
    format!(
        "a message arrived slower than {} bytes a second (after {} s)",
        limits.min_message_rate,
        limits.message_grace.as_secs_f64()
    )
}

const DISK_FULL: &str = "the server's disk is full: what did not fit was not stored there";

const BUSY: &str = "the server holds as many unfinished messages as it can; try again later";

/// Reads until the stream's first frame is whole: its bytes and message.
/// `None` if the peer is silent too long or ends the stream first, or the
/// bytes would pass the server's budget.
async fn first_frame(
    stream: &mut FrameStream,
    share: &mut PartialShare,
    received: &AtomicU64,
) -> Result<Option<(Vec<u8>, Message)>, CentralError> {
    let mut seen = vec![];
    let mut decoder = FrameDecoder::new();
    decoder.set_limit(kordon_proto::MAX_HELLO_FRAME);
    let deadline = tokio::time::Instant::now() + HELLO_TIMEOUT;
    loop {
        let read = tokio::time::timeout_at(deadline, stream.read()).await;
        let Ok(read) = read else { return Ok(None) };
        let Some(data) = read? else { return Ok(None) };
        received.fetch_add(data.len() as u64, Ordering::Relaxed);
        seen.extend_from_slice(data);
        if !share.hold(seen.len()) {
            return Ok(None);
        }
        decoder.push(data);
        match decoder.next_message() {
            Ok(Some(m)) => return Ok(Some((seen, m))),
            Ok(None) => {}
            // Let the session report the error to the peer.
            Err(_) => {
                return Ok(Some((
                    seen,
                    Message::Error {
                        message: String::new(),
                    },
                )))
            }
        }
    }
}

/// Drives one session; `Ok(true)` when the connection should end.
async fn run_session(
    peer: &Peer<'_>,
    stream: &mut FrameStream,
    ctx: &Ctx,
    mut share: PartialShare,
    first: &[u8],
) -> Result<bool, CentralError> {
    let (central, device) = (&ctx.central, peer.device);
    let (conn, address) = (peer.conn, peer.address);
    let mut session = ServerSession::new();
    let mut welcomed = false;
    let mut pace = ctx.pace();
    // Records answered in this session: off the backlog it stated.
    let mut answered: u64 = 0;
    let mut pending = Some(first.to_vec());
    loop {
        while let Some(bytes) = session.poll_transmit() {
            stream.write(&bytes).await?;
        }
        if session.is_finished() {
            stream.finish();
            return Ok(false);
        }
        if session.is_failed() {
            stream.finish();
            // Give the Error/Refused frame a moment to leave before closing.
            let _ = tokio::time::timeout(Duration::from_secs(2), stream.send.stopped()).await;
            return Ok(true);
        }
        // A peer gets 10 s to say who it is, then 2 minutes between
        // messages, and each message must keep its pace.
        let idle = if welcomed {
            READ_TIMEOUT
        } else {
            HELLO_TIMEOUT
        };
        let data = match next_input(stream, &mut pending, &pace, idle, peer.received).await? {
            Input::Bytes(d) => d,
            Input::Ended => return Ok(false),
            Input::Silent => {
                peer.cut_off(ctx, "silent", "timed out waiting for the device");
                return Ok(true);
            }
            Input::TooSlow => {
                peer.cut_off(ctx, "too_slow", &too_slow(ctx.door.limits()));
                return Ok(true);
            }
        };
        if let Err(e) = session.handle_bytes(&data) {
            peer.protocol_error(ctx, &e);
        }
        if !account(
            &mut pace,
            &mut share,
            session.partial_frame(),
            peer.received,
        ) {
            peer.cut_off(ctx, "server_busy", BUSY);
            return Ok(true);
        }
        while let Some(event) = session.poll_event() {
            match event {
                ServerEvent::Hello {
                    enroll_secret,
                    stated,
                    client_time_ms,
                    ..
                } => {
                    // The deadline to authenticate is met once a Hello is
                    // here; what the server takes to decide is its own.
                    peer.ticket.hello_arrived();
                    let p = address.to_string();
                    let verdict = with_central(central, move |c| {
                        c.authorize(&device, enroll_secret.as_deref(), &p, now_ms())
                    })
                    .await?;
                    match verdict {
                        Ok(auth) => {
                            peer.ticket.authorised(&device);
                            tracing::info!(device = %device.short(), unit = %auth.unit, peer = %address, newly_enrolled = auth.newly_enrolled, "device connected");
                            // The checkpoint the vehicle holds: a witness of
                            // what this server showed it before.
                            // What it states: its version, its backlog,
                            // its clock.
                            if let Some(stated) = stated {
                                with_central(central, move |c| {
                                    let now = now_ms();
                                    c.note_stated(
                                        &device,
                                        &stated.app_version,
                                        stated.backlog,
                                        client_time_ms,
                                        now,
                                    )?;
                                    match &stated.checkpoint {
                                        Some(text) => c.witness(&device, text, now).map(drop),
                                        None => Ok(()),
                                    }
                                })
                                .await?;
                            }
                            // What the vehicle sent behind its Hello is
                            // read now: its events follow in this loop.
                            if let Err(e) = session.welcome(&auth.unit, now_ms()) {
                                peer.protocol_error(ctx, &e);
                            }
                            welcomed = true;
                            // Welcome goes at once, and what was read
                            // behind the Hello is no longer a message in
                            // progress: its pace and its share end here
                            // (the decision may take longer than a message
                            // may). What is held only shrinks here.
                            while let Some(bytes) = session.poll_transmit() {
                                stream.write(&bytes).await?;
                            }
                            let _ = account(
                                &mut pace,
                                &mut share,
                                session.partial_frame(),
                                peer.received,
                            );
                        }
                        Err(refusal) => {
                            tracing::warn!(device = %device.short(), peer = %address, reason = %refusal.reason, "device refused");
                            if refusal.code == RefusalCode::Wipe {
                                // What it still held unsent, as it said
                                // in this Hello: counts, never content.
                                let backlog = stated.map(|s| s.backlog);
                                with_central(central, move |c| {
                                    c.note_wipe_told_with(&device, backlog, now_ms())
                                })
                                .await?;
                                tracing::warn!(device = %device.short(), peer = %address, ?backlog, "device told to wipe its data");
                            }
                            session.refuse(refusal.code, &refusal.reason);
                            while let Some(bytes) = session.poll_transmit() {
                                let _ = stream.write(&bytes).await;
                            }
                            stream.finish();
                            let _ =
                                tokio::time::timeout(Duration::from_secs(2), stream.send.stopped())
                                    .await;
                            conn.close(refusal.code.close_code().into(), refusal.reason.as_bytes());
                            return Ok(true);
                        }
                    }
                }
                ServerEvent::Records { batch, records } => {
                    let n = records.len();
                    let on_log = session.log_receipts();
                    let results = with_central(central, move |c| {
                        if on_log {
                            c.accept_records_on_log(&device, records, now_ms())
                        } else {
                            c.accept_records(&device, records, now_ms())
                        }
                    })
                    .await?;
                    tracing::debug!(device = %device.short(), batch, records = n, "batch stored");
                    answered += results.len() as u64;
                    session.results(batch, results);
                    while let Some(bytes) = session.poll_transmit() {
                        stream.write(&bytes).await?;
                    }
                    peer.round_progress.send_modify(|p| p.batches += 1);
                    // Receipts are out; documents and the index follow.
                    ctx.projector.notify_one();
                }
                ServerEvent::Pull { cursor } => {
                    // Revocation also ends a session that is already open.
                    if let Some((code, reason)) =
                        with_central(central, move |c| c.revocation(&device, now_ms())).await?
                    {
                        tracing::warn!(device = %device.short(), peer = %address, %reason, ?code, "device revoked during the session; closing");
                        conn.close(code.close_code().into(), reason.as_bytes());
                        return Ok(true);
                    }
                    let (records, next, more) =
                        with_central(central, move |c| c.down(&device, cursor)).await?;
                    session.down(records, next, more);
                }
                ServerEvent::LogAsk(ask) => {
                    // Everything the session sent before it is answered.
                    peer.round_progress.send_modify(|p| p.log_asks += 1);
                    // A checkpoint over everything this session added, the
                    // proof that it extends the vehicle's, and what proves
                    // the vehicle's records against it.
                    let answer =
                        with_central(central, move |c| c.log_answer_v2(&device, &ask, now_ms()))
                            .await?;
                    session.log_answer(answer);
                }
                ServerEvent::Finished => {
                    tracing::info!(device = %device.short(), peer = %address, "sync finished");
                    with_central(central, move |c| {
                        c.note_delivered(&device, answered, 0)?;
                        c.note_sync_finished(&device, now_ms())
                    })
                    .await?;
                }
            }
        }
    }
}

/// How far the records sessions of a connection have got.
#[derive(Debug, Clone, Copy, Default)]
struct RoundProgress {
    /// Record batches answered.
    batches: u64,
    /// LogAsks handled: each comes after the records its session sent
    /// before it were answered.
    log_asks: u64,
}

/// Offers held at once in the whole process, at most: each holds a thread
/// of the blocking pool (512), which the records they wait for need too.
const MAX_HELD_OFFERS: usize = 64;
static HELD_OFFERS_NOW: AtomicUsize = AtomicUsize::new(0);

/// One of the [`MAX_HELD_OFFERS`] places, given back on drop.
struct HeldSlot;

impl HeldSlot {
    fn take() -> Option<HeldSlot> {
        let before = HELD_OFFERS_NOW.fetch_add(1, Ordering::SeqCst);
        if before >= MAX_HELD_OFFERS {
            HELD_OFFERS_NOW.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(HeldSlot)
    }
}

impl Drop for HeldSlot {
    fn drop(&mut self) {
        HELD_OFFERS_NOW.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a blob stream needs to hold an Offer for the records beside it.
#[derive(Clone)]
struct HeldOffers {
    progress: tokio::sync::watch::Receiver<RoundProgress>,
    /// The connection: once it is closed, no record can come.
    conn: Option<quinn::Connection>,
    /// How long an Offer is held at most ([`kordon_proto::HELD_OFFER`]).
    limit: Duration,
}

/// How often a held Offer looks at the records' progress: a thread of the
/// blocking pool waits without the runtime (whose timers are gone once it
/// shuts down).
const HELD_OFFER_POLL: Duration = Duration::from_millis(5);

impl HeldOffers {
    /// `wanted`'s verdict on an Offer, asked again each time a record
    /// batch of the connection is answered while it says no, until a
    /// records session has asked for the log since the Offer came (the
    /// records it sent with it are in: the verdict stands), for at most
    /// its limit. With [`MAX_HELD_OFFERS`] held already, the verdict is
    /// the first. Blocks: call it off the async threads.
    fn wanted(
        &self,
        mut wanted: impl FnMut() -> Result<Result<(), String>, CentralError>,
    ) -> Result<Result<(), String>, CentralError> {
        let Some(_slot) = HeldSlot::take() else {
            return wanted();
        };
        let until = std::time::Instant::now() + self.limit;
        let mut progress = self.progress.clone();
        let asks_before = progress.borrow().log_asks;
        loop {
            // Marked seen before asking: a step after this wakes the wait
            // below.
            let asks = progress.borrow_and_update().log_asks;
            let verdict = wanted()?;
            if verdict.is_ok() || asks > asks_before {
                return Ok(verdict);
            }
            loop {
                match progress.has_changed() {
                    Ok(true) => break,
                    Ok(false)
                        if std::time::Instant::now() < until
                            && self
                                .conn
                                .as_ref()
                                .is_none_or(|c| c.close_reason().is_none()) =>
                    {
                        std::thread::sleep(HELD_OFFER_POLL)
                    }
                    // The time is up, or the connection is gone.
                    _ => return Ok(verdict),
                }
            }
        }
    }
}

/// How long a blob stream refused with a wipe order waits for the records
/// stream beside it to tell the order (with the vehicle's statement of
/// what it holds) before telling it itself.
const WIPE_ON_RECORDS_STREAM: Duration = Duration::from_secs(5);

/// Drives one blob stream: the device's blobs arrive piece by piece, each
/// checked and stored off the async threads. `Ok(true)` ends the
/// connection (refusal).
async fn run_blob_stream(
    peer: &Peer<'_>,
    stream: &mut FrameStream,
    ctx: &Ctx,
    mut share: PartialShare,
    first: &[u8],
) -> Result<bool, CentralError> {
    let (central, metrics, device) = (&ctx.central, &ctx.metrics, peer.device);
    let (conn, address) = (peer.conn, peer.address);
    let mut pace = ctx.pace();
    let blobs = with_central(central, |c| c.blob_store()).await?;
    // Scan bytes received in this stream: off the backlog it stated.
    let received = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let work = Arc::new(Mutex::new((
        BlobReceiver::new(BlobIntake::max_cvs()),
        BlobIntake::new(blobs),
    )));
    let mut pending = Some(first.to_vec());
    // A vehicle that negotiated it offers its scans beside the records
    // they belong to: the stream's first Offer (the one sent with its
    // BlobHello), if no record references its blob yet, is held while
    // records come in on this connection. A later one comes once the
    // records were answered.
    let hold = kordon_transport::held_offers(conn).then(|| HeldOffers {
        progress: peer.round_progress.subscribe(),
        conn: Some(conn.clone()),
        limit: kordon_proto::HELD_OFFER,
    });
    let first_offer = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let result = loop {
        let data = match next_input(stream, &mut pending, &pace, READ_TIMEOUT, peer.received).await
        {
            Ok(Input::Bytes(d)) => d,
            Ok(Input::Ended) => break Ok(false),
            Err(e) => break Err(e.into()),
            Ok(Input::Silent) => {
                tracing::info!(device = %device.short(), peer = %address, "blob stream silent too long; closing it");
                break Ok(false);
            }
            Ok(Input::TooSlow) => {
                peer.cut_off(ctx, "too_slow", &too_slow(ctx.door.limits()));
                break Ok(true);
            }
        };
        // Decode, check and store on the blocking pool.
        let (central2, work2, p) = (central.clone(), work.clone(), address.to_string());
        let (metrics, ticket, throttle) =
            (metrics.clone(), peer.ticket.clone(), ctx.throttle.clone());
        let received2 = received.clone();
        // Only until the first Offer has been seen: not cloned per piece.
        let hold2 = hold
            .as_ref()
            .filter(|_| first_offer.load(Ordering::Relaxed))
            .cloned();
        let first_offer = first_offer.clone();
        let step = tokio::task::spawn_blocking(move || -> Result<_, CentralError> {
            let mut guard = work2
                .lock()
                .map_err(|_| CentralError::Invalid("blob intake lock poisoned".into()))?;
            let (rx, intake) = &mut *guard;
            if let Err(e) = rx.handle_bytes(&data) {
                if let Some(left_out) = throttle.allow("protocol_error", std::time::Instant::now()) {
                    tracing::warn!(device = %device.short(), peer = %p, error = %e, left_out, "blob protocol error");
                }
            }
            let mut refusal = None;
            while let Some(event) = rx.poll_event() {
                let lock = || central2.lock();
                if matches!(event, BlobRecvEvent::Hello) {
                    ticket.hello_arrived();
                    match lock()?.authorize_blob_stream(&device, &p, now_ms())? {
                        Ok(auth) => {
                            ticket.authorised(&device);
                            // What the vehicle sent behind its BlobHello
                            // (an Offer) is read now: its events follow.
                            if let Err(e) = rx.welcome(&auth.unit, now_ms()) {
                                if let Some(left_out) =
                                    throttle.allow("protocol_error", std::time::Instant::now())
                                {
                                    tracing::warn!(device = %device.short(), peer = %p, error = %e, left_out, "blob protocol error");
                                }
                            }
                        }
                        Err(r) => {
                            // A wipe order goes out on the records
                            // stream, whose Hello states what the vehicle
                            // still holds (below); other refusals go now.
                            if r.code != RefusalCode::Wipe {
                                rx.refuse(r.code, &r.reason);
                            }
                            refusal = Some(r);
                        }
                    }
                    continue;
                }
                if let BlobRecvEvent::Piece { data, .. } = &event {
                    metrics.blob_bytes(data.len() as u64);
                    received2.fetch_add(data.len() as u64, std::sync::atomic::Ordering::Relaxed);
                }
                let wanted = |blob: &kordon_blob::BlobId, size| {
                    lock().and_then(|mut c| c.blob_wanted(&device, blob, size))
                };
                intake
                    .handle(event, rx, |blob, size| {
                        let first = first_offer.swap(false, Ordering::Relaxed);
                        let verdict = match &hold2 {
                            Some(hold) if first => hold.wanted(|| wanted(blob, size)),
                            _ => wanted(blob, size),
                        };
                        verdict.unwrap_or_else(|e| Err(format!("server storage failure: {e}")))
                    })
                    .map_err(CentralError::from)?;
                let arrived = intake.take_arrivals();
                if !arrived.is_empty() {
                    lock()?.note_blobs(&device, &arrived, now_ms())?;
                }
            }
            let mut out = vec![];
            while let Some(bytes) = rx.poll_transmit() {
                out.extend_from_slice(&bytes);
            }
            Ok((out, rx.is_failed(), refusal, rx.partial_frame()))
        })
        .await
        .map_err(|e| CentralError::Invalid(format!("worker failed: {e}")))?;
        let (out, failed, refusal, partial) = match step {
            Ok(s) => s,
            Err(e) => break Err(e),
        };
        if !account(&mut pace, &mut share, partial, peer.received) {
            peer.cut_off(ctx, "server_busy", BUSY);
            break Ok(true);
        }
        if !out.is_empty() {
            if let Err(e) = stream.write(&out).await {
                break Err(e.into());
            }
        }
        if let Some(r) = refusal {
            tracing::warn!(device = %device.short(), peer = %address, reason = %r.reason, "device refused");
            if r.code == RefusalCode::Wipe {
                // The records stream, opened beside this one, tells the
                // order with the backlog its Hello states and closes the
                // connection. Only if none comes is it told here, with the
                // backlog stated last.
                if tokio::time::timeout(WIPE_ON_RECORDS_STREAM, conn.closed())
                    .await
                    .is_ok()
                {
                    break Ok(true);
                }
                // Notes it told, with the backlog stated last.
                with_central(central, move |c| {
                    c.revocation(&device, now_ms()).map(|_| ())
                })
                .await?;
                let out = {
                    let mut guard = work
                        .lock()
                        .map_err(|_| CentralError::Invalid("blob intake lock poisoned".into()))?;
                    let rx = &mut guard.0;
                    rx.refuse(r.code, &r.reason);
                    let mut out = vec![];
                    while let Some(bytes) = rx.poll_transmit() {
                        out.extend_from_slice(&bytes);
                    }
                    out
                };
                let _ = stream.write(&out).await;
            }
            stream.finish();
            let _ = tokio::time::timeout(Duration::from_secs(2), stream.send.stopped()).await;
            conn.close(r.code.close_code().into(), r.reason.as_bytes());
            break Ok(true);
        }
        if failed {
            stream.finish();
            break Ok(false);
        }
    };
    let bytes = received.load(std::sync::atomic::Ordering::Relaxed);
    if bytes > 0 {
        let noted = with_central(central, move |c| c.note_delivered(&device, 0, bytes)).await;
        if let Err(e) = noted {
            tracing::warn!(device = %device.short(), error = %e, "backlog not updated");
        }
    }
    // Whatever had started to arrive and is now lost still crossed the
    // link. Noting it writes to the scan storage: off the async threads.
    let ended = tokio::task::spawn_blocking(move || {
        if let Ok(mut guard) = work.lock() {
            let (rx, intake) = &mut *guard;
            let partial = rx.partial_bytes();
            intake.stream_ended(partial);
        }
    })
    .await;
    if let Err(e) = ended {
        tracing::warn!(device = %device.short(), error = %e, "the end of a blob stream was not noted");
    }
    result
}

#[cfg(test)]
mod held_offer_tests {
    use super::*;

    type Progress = tokio::sync::watch::Sender<RoundProgress>;

    fn hold(progress: &Progress, limit: Duration) -> HeldOffers {
        HeldOffers {
            progress: progress.subscribe(),
            conn: None,
            limit,
        }
    }

    const NOT_NAMED: &str = "no inspection references it";

    /// The places are the process's: these tests take turns with them.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

    fn turn() -> std::sync::MutexGuard<'static, ()> {
        ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[test]
    fn an_offer_is_answered_once_the_batch_naming_its_scan_is_answered() {
        let _turn = turn();
        let progress = Arc::new(Progress::new(RoundProgress::default()));
        let held = hold(&progress, Duration::from_secs(30));
        // The scan's record is in once the second batch is answered.
        let stored = Arc::new(AtomicUsize::new(0));
        let asked = AtomicUsize::new(0);
        let batches = {
            let (progress, stored) = (progress.clone(), stored.clone());
            std::thread::spawn(move || {
                for _ in 0..2 {
                    std::thread::sleep(Duration::from_millis(50));
                    stored.fetch_add(1, Ordering::SeqCst);
                    progress.send_modify(|p| p.batches += 1);
                }
            })
        };
        let started = std::time::Instant::now();
        let verdict = held.wanted(|| {
            asked.fetch_add(1, Ordering::SeqCst);
            Ok(if stored.load(Ordering::SeqCst) >= 2 {
                Ok(())
            } else {
                Err(NOT_NAMED.into())
            })
        });
        batches.join().expect("batches");
        assert_eq!(verdict.expect("no storage error"), Ok(()));
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not held to its limit"
        );
        // Asked at the offer, then once per answered batch, never in a loop.
        assert!(asked.load(Ordering::SeqCst) <= 3, "{asked:?}");
    }

    #[test]
    fn an_offer_no_record_names_is_declined_once_the_round_asks_for_the_log() {
        let _turn = turn();
        let progress = Arc::new(Progress::new(RoundProgress::default()));
        let held = hold(&progress, Duration::from_secs(30));
        let round = {
            let progress = progress.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                progress.send_modify(|p| p.batches += 1);
                std::thread::sleep(Duration::from_millis(50));
                progress.send_modify(|p| p.log_asks += 1);
            })
        };
        let started = std::time::Instant::now();
        let verdict = held.wanted(|| Ok(Err(NOT_NAMED.into())));
        round.join().expect("round");
        assert_eq!(
            verdict.expect("no storage error"),
            Err(NOT_NAMED.to_string())
        );
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(100) && waited < Duration::from_secs(10),
            "held until the log ask, not to the limit: {waited:?}"
        );
    }

    #[test]
    fn an_offer_no_record_names_is_declined_at_the_limit_or_when_the_connection_goes() {
        let _turn = turn();
        let progress = Progress::new(RoundProgress::default());
        let held = hold(&progress, Duration::from_millis(200));
        let started = std::time::Instant::now();
        let verdict = held.wanted(|| Ok(Err(NOT_NAMED.into())));
        assert_eq!(
            verdict.expect("no storage error"),
            Err(NOT_NAMED.to_string())
        );
        assert!(started.elapsed() >= Duration::from_millis(200));
        // The connection gone: no one can send the records any more.
        let held = hold(&progress, Duration::from_secs(30));
        drop(progress);
        let started = std::time::Instant::now();
        assert!(held
            .wanted(|| Ok(Err(NOT_NAMED.into())))
            .expect("no storage error")
            .is_err());
        assert!(started.elapsed() < Duration::from_secs(10));
        // A storage failure is not waited on.
        let progress = Progress::new(RoundProgress::default());
        let held = hold(&progress, Duration::from_secs(30));
        assert!(held
            .wanted(|| Err(CentralError::Invalid("disk gone".into())))
            .is_err());
    }

    #[test]
    fn no_offer_is_held_once_the_process_holds_its_most() {
        let _turn = turn();
        let progress = Progress::new(RoundProgress::default());
        let held = hold(&progress, Duration::from_secs(30));
        // Every place taken.
        let taken: Vec<HeldSlot> = std::iter::from_fn(HeldSlot::take).collect();
        assert_eq!(taken.len(), MAX_HELD_OFFERS);
        let started = std::time::Instant::now();
        let verdict = held.wanted(|| Ok(Err(NOT_NAMED.into())));
        assert!(verdict.expect("no storage error").is_err());
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "answered at once"
        );
        drop(taken);
        assert!(HeldSlot::take().is_some(), "the places come back");
    }
}
