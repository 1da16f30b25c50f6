//! The QUIC sync endpoint: one task per connection, one `ServerSession` per
//! stream, the [`Central`] behind a mutex (SQLite work is short and
//! blocking, so it runs on the blocking pool).

use crate::{now_ms, Central, CentralError};
use kordon_proto::{RefusalCode, ServerEvent, ServerSession};
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
    while let Some(incoming) = endpoint.accept().await {
        let central = central.clone();
        tokio::spawn(async move {
            let peer = incoming.remote_address();
            match incoming.await {
                Ok(conn) => {
                    if let Err(e) = handle_connection(conn, central).await {
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

async fn handle_connection(conn: quinn::Connection, central: Shared) -> Result<(), CentralError> {
    let peer = conn.remote_address().to_string();
    let Some(device) = kordon_transport::peer_device_key(&conn) else {
        conn.close(1u32.into(), b"no device certificate");
        return Ok(());
    };
    loop {
        let (send, recv) = match conn.accept_bi().await {
            Ok(s) => s,
            Err(quinn::ConnectionError::ApplicationClosed(_))
            | Err(quinn::ConnectionError::LocallyClosed) => return Ok(()),
            Err(e) => return Err(TransportError::from_connection(e).into()),
        };
        let mut stream = FrameStream::new(send, recv);
        let done = run_session(&conn, &mut stream, &central, device, &peer).await?;
        if done {
            return Ok(());
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
) -> Result<bool, CentralError> {
    let mut session = ServerSession::new();
    let mut welcomed = false;
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
        let data = match tokio::time::timeout(wait, stream.read()).await {
            Ok(read) => match read? {
                Some(d) => d.to_vec(),
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
                ServerEvent::Hello { enroll_secret, .. } => {
                    let p = peer.to_string();
                    let verdict = with_central(central, move |c| {
                        c.authorize(&device, enroll_secret.as_deref(), &p, now_ms())
                    })
                    .await?;
                    match verdict {
                        Ok(auth) => {
                            tracing::info!(device = %device.short(), unit = %auth.unit, %peer, newly_enrolled = auth.newly_enrolled, "device connected");
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
                    let results = with_central(central, move |c| {
                        c.accept_records(&device, records, now_ms())
                    })
                    .await?;
                    tracing::debug!(device = %device.short(), batch, records = n, "batch stored");
                    session.results(batch, results);
                    while let Some(bytes) = session.poll_transmit() {
                        stream.write(&bytes).await?;
                    }
                    // Receipts are out; now bring documents and the index up to date.
                    with_central(central, |c| c.project(now_ms())).await?;
                }
                ServerEvent::Pull { cursor } => {
                    // Revocation also ends a session that is already open.
                    if !with_central(central, move |c| c.is_active(&device)).await? {
                        tracing::warn!(device = %device.short(), %peer, "device revoked during the session; closing");
                        conn.close(RefusalCode::Revoked.close_code().into(), b"device revoked");
                        return Ok(true);
                    }
                    let (records, next, more) =
                        with_central(central, move |c| c.down(&device, cursor)).await?;
                    session.down(records, next, more);
                }
                ServerEvent::Finished => {
                    tracing::info!(device = %device.short(), %peer, "sync finished");
                }
            }
        }
    }
}
