//! The QUIC sync endpoint: one task per connection, one `ServerSession` per
//! stream, the [`Central`] behind a mutex (SQLite work is short and
//! blocking, so it runs on the blocking pool).

use crate::blob_intake::BlobIntake;
use crate::metrics::Metrics;
use crate::{now_ms, Central, CentralError};
use kordon_proto::{
    BlobReceiver, BlobRecvEvent, FrameDecoder, Message, RefusalCode, ServerEvent, ServerSession,
};

use kordon_record::PublicKey;
use kordon_transport::{quinn, FrameStream, TransportError};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub type Shared = Arc<Mutex<Central>>;

/// How long a new connection may take to send its Hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an authorised session may stay silent.
const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Binds the endpoint for `central` on `listen`.
pub fn bind(central: &Central, listen: SocketAddr) -> Result<quinn::Endpoint, CentralError> {
    Ok(kordon_transport::server_endpoint(
        listen,
        central.key(),
        central.cert_der().to_vec(),
    )?)
}

/// Accepts connections until the endpoint is closed.
pub async fn serve(endpoint: quinn::Endpoint, central: Shared) {
    // The process's metrics, taken once (the handle never changes).
    let metrics = match with_central(&central, |c| Ok(c.metrics().clone())).await {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "the server's store cannot be reached; not serving");
            return;
        }
    };
    while let Some(incoming) = endpoint.accept().await {
        let (central, metrics) = (central.clone(), metrics.clone());
        tokio::spawn(async move {
            let peer = incoming.remote_address();
            match incoming.await {
                Ok(conn) => {
                    if let Err(e) = handle_connection(conn, central, metrics).await {
                        tracing::info!(%peer, error = %e, "session ended with an error");
                    }
                }
                Err(e) => tracing::info!(%peer, error = %e, "handshake failed"),
            }
        });
    }
}

/// Runs `f` on the central store from the blocking pool.
async fn with_central<T: Send + 'static>(
    central: &Shared,
    f: impl FnOnce(&mut Central) -> Result<T, CentralError> + Send + 'static,
) -> Result<T, CentralError> {
    let central = central.clone();
    tokio::task::spawn_blocking(move || {
        let mut guard = central
            .lock()
            .map_err(|_| CentralError::Invalid("central store lock poisoned".into()))?;
        f(&mut guard)
    })
    .await
    .map_err(|e| CentralError::Invalid(format!("worker failed: {e}")))?
}

async fn handle_connection(
    conn: quinn::Connection,
    central: Shared,
    metrics: Arc<Metrics>,
) -> Result<(), CentralError> {
    let peer = conn.remote_address().to_string();
    let Some(device) = kordon_transport::peer_device_key(&conn) else {
        conn.close(1u32.into(), b"no device certificate");
        return Ok(());
    };
    let _connected = metrics.vehicle_connected();
    // Streams run side by side: record sessions (a new one whenever the
    // vehicle has records) and at most one blob stream.
    let mut streams = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            a = conn.accept_bi() => a,
            Some(done) = streams.join_next() => {
                match done {
                    Ok(Ok(true)) => return Ok(()),
                    Ok(Ok(false)) => {}
                    Ok(Err(e)) => tracing::info!(device = %device.short(), %peer, error = %e, "stream ended with an error"),
                    Err(e) => tracing::warn!(device = %device.short(), %peer, error = %e, "stream task failed"),
                }
                continue;
            }
        };
        let (send, recv) = match accepted {
            Ok(s) => s,
            Err(quinn::ConnectionError::ApplicationClosed(_))
            | Err(quinn::ConnectionError::LocallyClosed) => return Ok(()),
            Err(e) => return Err(TransportError::from_connection(e).into()),
        };
        let (conn, central, peer, metrics) =
            (conn.clone(), central.clone(), peer.clone(), metrics.clone());
        streams.spawn(async move {
            let mut stream = FrameStream::new(send, recv);
            let Some(first) = first_frame(&mut stream).await? else {
                return Ok(false);
            };
            if matches!(first.1, Message::BlobHello { .. }) {
                run_blob_stream(
                    &conn,
                    &mut stream,
                    &central,
                    &metrics,
                    device,
                    &peer,
                    &first.0,
                )
                .await
            } else {
                run_session(&conn, &mut stream, &central, device, &peer, &first.0).await
            }
        });
    }
}

/// The next bytes of a stream: those already read while looking at its
/// first frame, then what arrives within `wait` (`Err` when nothing does).
async fn next_input(
    stream: &mut FrameStream,
    pending: &mut Option<Vec<u8>>,
    wait: Duration,
) -> Result<Result<Option<Vec<u8>>, TransportError>, tokio::time::error::Elapsed> {
    match pending.take() {
        Some(first) => Ok(Ok(Some(first))),
        None => tokio::time::timeout(wait, stream.read())
            .await
            .map(|r| r.map(|d| d.map(<[u8]>::to_vec))),
    }
}

/// Reads until the stream's first frame is whole: its bytes and message.
/// `None` if the peer is silent too long or ends the stream first.
async fn first_frame(stream: &mut FrameStream) -> Result<Option<(Vec<u8>, Message)>, CentralError> {
    let mut seen = vec![];
    let mut decoder = FrameDecoder::new();
    decoder.set_limit(kordon_proto::MAX_HELLO_FRAME);
    let deadline = tokio::time::Instant::now() + HELLO_TIMEOUT;
    loop {
        let read = tokio::time::timeout_at(deadline, stream.read()).await;
        let Ok(read) = read else { return Ok(None) };
        let Some(data) = read? else { return Ok(None) };
        seen.extend_from_slice(data);
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
    conn: &quinn::Connection,
    stream: &mut FrameStream,
    central: &Shared,
    device: PublicKey,
    peer: &str,
    first: &[u8],
) -> Result<bool, CentralError> {
    let mut session = ServerSession::new();
    let mut welcomed = false;
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
        // A peer gets 10 s to say who it is, then 2 minutes per message.
        let wait = if welcomed {
            READ_TIMEOUT
        } else {
            HELLO_TIMEOUT
        };
        let next = next_input(stream, &mut pending, wait).await;
        let data = match next {
            Ok(read) => match read? {
                Some(d) => d,
                None => return Ok(false),
            },

            Err(_) => {
                tracing::info!(device = %device.short(), %peer, welcomed, "peer silent too long; closing");
                conn.close(2u32.into(), b"timed out waiting for the device");
                return Ok(true);
            }
        };
        if let Err(e) = session.handle_bytes(&data) {
            tracing::warn!(device = %device.short(), %peer, error = %e, "protocol error");
        }
        while let Some(event) = session.poll_event() {
            match event {
                ServerEvent::Hello {
                    enroll_secret,
                    stated,
                    client_time_ms,
                    ..
                } => {
                    let p = peer.to_string();
                    let verdict = with_central(central, move |c| {
                        c.authorize(&device, enroll_secret.as_deref(), &p, now_ms())
                    })
                    .await?;
                    match verdict {
                        Ok(auth) => {
                            tracing::info!(device = %device.short(), unit = %auth.unit, %peer, newly_enrolled = auth.newly_enrolled, "device connected");
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
                            session.welcome(&auth.unit, now_ms());
                            welcomed = true;
                        }
                        Err(refusal) => {
                            tracing::warn!(device = %device.short(), %peer, reason = %refusal.reason, "device refused");
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
                    // Receipts are out; now bring documents and the index up to date.
                    with_central(central, |c| c.project(now_ms())).await?;
                }
                ServerEvent::Pull { cursor } => {
                    // Revocation also ends a session that is already open.
                    if let Some(reason) =
                        with_central(central, move |c| c.revocation_reason(&device)).await?
                    {
                        tracing::warn!(device = %device.short(), %peer, %reason, "device revoked during the session; closing");
                        conn.close(RefusalCode::Revoked.close_code().into(), reason.as_bytes());
                        return Ok(true);
                    }
                    let (records, next, more) =
                        with_central(central, move |c| c.down(&device, cursor)).await?;
                    session.down(records, next, more);
                }
                ServerEvent::LogAsk(ask) => {
                    // A checkpoint over everything this session added, the
                    // proof that it extends the vehicle's, and what proves
                    // the vehicle's records against it.
                    let answer =
                        with_central(central, move |c| c.log_answer_v2(&device, &ask, now_ms()))
                            .await?;
                    session.log_answer(answer);
                }
                ServerEvent::Finished => {
                    tracing::info!(device = %device.short(), %peer, "sync finished");
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

/// Drives one blob stream: the device's blobs arrive piece by piece, each
/// checked and stored off the async threads. `Ok(true)` ends the
/// connection (refusal).
async fn run_blob_stream(
    conn: &quinn::Connection,
    stream: &mut FrameStream,
    central: &Shared,
    metrics: &Arc<Metrics>,
    device: PublicKey,
    peer: &str,
    first: &[u8],
) -> Result<bool, CentralError> {
    let blobs = with_central(central, |c| c.blob_store()).await?;
    // Scan bytes received in this stream: off the backlog it stated.
    let received = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let work = Arc::new(Mutex::new((
        BlobReceiver::new(BlobIntake::max_cvs()),
        BlobIntake::new(blobs),
    )));
    let mut pending = Some(first.to_vec());
    let result = loop {
        let next = next_input(stream, &mut pending, READ_TIMEOUT).await;
        let data = match next {
            Ok(Ok(Some(d))) => d,
            Ok(Ok(None)) => break Ok(false),
            Ok(Err(e)) => break Err(e.into()),
            Err(_) => {
                tracing::info!(device = %device.short(), %peer, "blob stream silent too long; closing it");
                break Ok(false);
            }
        };
        // Decode, check and store on the blocking pool.
        let (central2, work2, p) = (central.clone(), work.clone(), peer.to_string());
        let metrics = metrics.clone();
        let received2 = received.clone();
        let step = tokio::task::spawn_blocking(move || -> Result<_, CentralError> {
            let mut guard = work2
                .lock()
                .map_err(|_| CentralError::Invalid("blob intake lock poisoned".into()))?;
            let (rx, intake) = &mut *guard;
            if let Err(e) = rx.handle_bytes(&data) {
                tracing::warn!(device = %device.short(), peer = %p, error = %e, "blob protocol error");
            }
            let mut refusal = None;
            while let Some(event) = rx.poll_event() {
                let lock = || {
                    central2
                        .lock()
                        .map_err(|_| CentralError::Invalid("central store lock poisoned".into()))
                };
                if matches!(event, BlobRecvEvent::Hello) {
                    match lock()?.authorize(&device, None, &p, now_ms())? {
                        Ok(auth) => rx.welcome(&auth.unit, now_ms()),
                        Err(r) => {
                            rx.refuse(r.code, &r.reason);
                            refusal = Some(r);
                        }
                    }
                    continue;
                }
                if let BlobRecvEvent::Piece { data, .. } = &event {
                    metrics.blob_bytes(data.len() as u64);
                    received2.fetch_add(data.len() as u64, std::sync::atomic::Ordering::Relaxed);
                }
                intake
                    .handle(event, rx, |blob, size| {
                        lock()
                            .and_then(|mut c| c.blob_wanted(&device, blob, size))
                            .unwrap_or_else(|e| Err(format!("server storage failure: {e}")))
                    })
                    .map_err(|e| CentralError::Invalid(format!("storing a blob: {e}")))?;
                let arrived = intake.take_arrivals();
                if !arrived.is_empty() {
                    lock()?.note_blobs(&device, &arrived, now_ms())?;
                }
            }
            let mut out = vec![];
            while let Some(bytes) = rx.poll_transmit() {
                out.extend_from_slice(&bytes);
            }
            Ok((out, rx.is_failed(), refusal))
        })
        .await
        .map_err(|e| CentralError::Invalid(format!("worker failed: {e}")))?;
        let (out, failed, refusal) = match step {
            Ok(s) => s,
            Err(e) => break Err(e),
        };
        if !out.is_empty() {
            if let Err(e) = stream.write(&out).await {
                break Err(e.into());
            }
        }
        if let Some(r) = refusal {
            tracing::warn!(device = %device.short(), %peer, reason = %r.reason, "device refused");
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
    // Whatever had started to arrive and is now lost still crossed the link.
    if let Ok(mut guard) = work.lock() {
        let (rx, intake) = &mut *guard;
        let partial = rx.partial_bytes();
        intake.stream_ended(partial);
    }
    result
}
