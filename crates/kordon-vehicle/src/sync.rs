//! One sync pass: connect, upload the outbox, store receipts, apply what
//! the server sends down, and deliver scan blobs (on a stream of their own,
//! opened beside the first records round once the vehicle is enrolled),
//! with a new record round whenever records are made meanwhile. Resumable
//! at any point: receipts commit per batch, re-sent records are idempotent
//! on the server, and the down cursor only moves after the records it
//! covers are stored.

use crate::blob_upload::{BlobPipeline, BlobReport, ScanGate};
use crate::{meta, now_ms, Vehicle, VehicleError};
use kordon_blob::BlobId;
use kordon_proto::{ClientConfig, ClientEvent, ClientSession, RecordResult};
use kordon_record::{Receipt, RecordId, SignedRecord};
use kordon_store::{IngestOutcome, Origin};
use kordon_transport::{quinn, FrameStream, TransportError};
use serde::Serialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How long what a connection learnt of its path is used by the next: a
/// vehicle that stood still for a day may well be on another uplink
/// (the first round trip tells a different path apart too).
const PATH_MEMORY_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// How a path memory is kept: `FINGERPRINT_HEX ADDRESS AT_MS RATE_BPS
/// MIN_RTT_US`.
fn path_memory_text(
    fingerprint: &[u8; 32],
    addr: SocketAddr,
    at_ms: i64,
    memory: kordon_transport::congestion::PathMemory,
) -> String {
    format!(
        "{} {addr} {at_ms} {}",
        hex::encode(fingerprint),
        memory.to_text()
    )
}

/// The path memory kept in `text`, if it is of the server of
/// `fingerprint` at `addr` and younger than [`PATH_MEMORY_LIFETIME`] at
/// `now_ms`.
fn remembered_path(
    text: &str,
    fingerprint: &[u8; 32],
    addr: SocketAddr,
    now_ms: i64,
) -> Option<kordon_transport::congestion::PathMemory> {
    let mut parts = text.splitn(4, ' ');
    let (server, at_addr, at, path) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let age = now_ms.checked_sub(at.parse::<i64>().ok()?)?;
    let fresh = (0..PATH_MEMORY_LIFETIME.as_millis() as i64).contains(&age);
    let same = server == hex::encode(fingerprint) && at_addr.parse() == Ok(addr);
    (same && fresh)
        .then(|| kordon_transport::congestion::PathMemory::from_text(path))
        .flatten()
}

/// A record sent in a batch: its id in the store, and the digest of the
/// bytes actually sent (`None` if they no longer parse), which the
/// server's answer must name.
#[derive(Debug, Clone, Copy)]
struct Sent {
    stored: RecordId,
    wire: Option<RecordId>,
}

#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub connect_timeout: Duration,
    pub response_timeout: Duration,
    /// Records per upload batch.
    pub batch_size: usize,
    /// Upload batches in flight.
    pub window: usize,
    /// Deliver scan blobs after the records.
    pub blobs: bool,
    /// Cap on the blob stream, in bits per second.
    pub max_rate_bps: Option<u64>,
    /// How often new records are looked for while blobs are on the way
    /// (two indexed lookups of the outbox each time).
    pub record_poll: Duration,
    /// How one scan follows another (two streams taking turns; the
    /// others only to measure what that saves).
    pub pipeline_blobs: BlobPipeline,
    /// Open the scans' stream beside the first records round of a pass
    /// (once enrolled), not after it; off only to measure what that saves.
    pub blobs_beside_first_round: bool,
    /// Send the first records with the Hello, when the server reads past
    /// it (it negotiated the protocol that says so); off only to measure
    /// what that saves.
    pub records_with_hello: bool,
    /// Offer scans once the round beside them has its records answered,
    /// their bytes still waiting for its log check; off (offered once that
    /// round has ended) only to measure what that saves.
    pub offer_before_log_check: bool,
    /// When the server holds offers for the records beside them (it
    /// negotiated the protocol that says so), and every pending record
    /// goes with the first round's Hello: offer the scans with their
    /// BlobHello, and ask for the server's log right behind the records,
    /// so the scans' Want and the log check (before any scan byte goes)
    /// come a round trip after the start, not two. Off only to measure
    /// what that saves.
    pub offer_with_hello: bool,
    /// Start a new connection from what the last one to the same server
    /// learnt of the path (its rate and round trip, at most a day old);
    /// off only to measure what that saves.
    pub resume_path: bool,
    /// Resume the TLS session of an earlier connection of this process to
    /// the same server, and send the pass's first messages with the first
    /// packet (0-RTT; `kordon_transport::connect_early`); off only to
    /// measure what that saves.
    pub early_data: bool,
    /// Keep the connection after a pass that ends without error (or finds
    /// the held link down), for the next pass (no handshake) and to watch
    /// the link ([`Vehicle::link`]); the app's
    /// background sync does, a one-off `kordon sync` does not.
    pub hold_connection: bool,
}

impl SyncOptions {
    /// These options, less what the server's protocol does not speak.
    fn speaking(&self, speaks: kordon_transport::Speaks) -> SyncOptions {
        let mut opts = self.clone();
        opts.records_with_hello &= speaks.records_with_hello;
        opts.offer_with_hello &= speaks.held_offers;
        opts
    }
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            connect_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(30),
            batch_size: 256,
            window: 8,
            blobs: true,
            max_rate_bps: None,
            record_poll: Duration::from_millis(50),
            pipeline_blobs: BlobPipeline::default(),
            blobs_beside_first_round: true,
            records_with_hello: true,
            offer_before_log_check: true,
            offer_with_hello: true,
            resume_path: true,
            early_data: true,
            hold_connection: false,
        }
    }
}

/// A connection to the server kept between passes, with what it was made
/// for and the task watching its link.
#[derive(Debug)]
pub(crate) struct HeldConnection {
    endpoint: quinn::Endpoint,
    conn: quinn::Connection,
    /// Until its first pass: the connection sent early, before its
    /// handshake was done (the server has not answered yet).
    zero_rtt: Option<kordon_transport::ZeroRtt>,
    /// The token's address it was made to, noted as the one that answered
    /// once the server has.
    name: String,
    addr: SocketAddr,
    fingerprint: [u8; 32],
    /// Watches the link once the server has answered.
    watch: Option<kordon_transport::LinkWatchTask>,
}

impl Drop for HeldConnection {
    /// The server hears at once that this connection is over (it would
    /// otherwise count it against the device's connections until its idle
    /// timeout).
    fn drop(&mut self) {
        self.conn.close(0u32.into(), b"done");
    }
}

/// How a pass on a connection that sent early went.
enum Early {
    Done(SyncReport),
    Failed(VehicleError),
    /// The handshake had no answer within the connect timeout.
    Unanswered(VehicleError),
}

/// A record the server refused, with its reason.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    pub id: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub unit: String,
    /// Records uploaded in this pass.
    pub sent: u64,
    /// Receipts received and verified in this pass.
    pub acknowledged: u64,
    pub refused: Vec<Refused>,
    /// Records received from the server and stored.
    pub received: u64,
    /// Local records still without a receipt after the pass.
    pub pending: u64,
    /// Scan blobs delivered in this pass.
    pub blobs: BlobReport,
    /// Blobs this vehicle holds that the server has not confirmed.
    pub blobs_pending: u64,
    /// True when everything was exchanged, nothing is pending (records
    /// and, unless left out, blobs) and the server refused nothing.
    pub complete: bool,
    /// Whether the pass's first messages went with the connection's first
    /// packet (0-RTT, a session of this process resumed): `Some(true)` if
    /// the server took them, `Some(false)` if it threw them away and they
    /// were sent again once the handshake was done; `None` if nothing was
    /// sent early (a new connection without a ticket, or a held one).
    pub zero_rtt: Option<bool>,
}

impl Vehicle {
    /// Runs one sync pass and records its outcome for `status`.
    pub async fn sync_once(&mut self, opts: &SyncOptions) -> Result<SyncReport, VehicleError> {
        self.store
            .set_meta(meta::LAST_ATTEMPT_MS, &now_ms().to_string())?;
        let result = self.sync_pass(opts).await;
        if self.held.is_none() {
            kordon_transport::link::publish(&self.link, kordon_transport::LinkState::Closed);
        }
        match &result {
            Ok(r) if r.complete => {
                self.store
                    .set_meta(meta::LAST_SYNC_MS, &now_ms().to_string())?;
                self.store.set_meta(meta::LAST_ERROR, "")?;
            }
            Ok(r) => self.store.set_meta(
                meta::LAST_ERROR,
                &format!("{} records still pending after sync", r.pending),
            )?,
            Err(VehicleError::Wiped { reason }) => {
                // Nothing may stand before the erasure (a full disk).
                self.erase(reason)?;
            }
            Err(e) => {
                if let VehicleError::Revoked { reason } = e {
                    self.store.set_meta(meta::REVOKED, reason)?;
                }
                self.store.set_meta(meta::LAST_ERROR, &e.to_string())?;
            }
        }
        result
    }

    /// The link as the vehicle's connection to the server sees it, kept
    /// current while a pass runs and while a connection is held between
    /// passes (`SyncOptions::hold_connection`): `Up`, `Down` within a
    /// second of a cut, `Up` again within a second of its return
    /// (`kordon_transport::link`), `Closed` when no connection is held or
    /// the held one has ended.
    pub fn link(&self) -> tokio::sync::watch::Receiver<kordon_transport::LinkState> {
        self.link.subscribe()
    }

    /// Ends the held connection, if any, and waits (1 s at most) for the
    /// server to be told.
    pub async fn drop_connection(&mut self) {
        if let Some(held) = self.held.take() {
            held.conn.close(0u32.into(), b"done");
            let _ = tokio::time::timeout(Duration::from_secs(1), held.endpoint.wait_idle()).await;
        }
        kordon_transport::link::publish(&self.link, kordon_transport::LinkState::Closed);
    }

    /// Whether the held connection ended in a way worth reconnecting at
    /// once: the server restarted (a stateless reset) or went silent. Not
    /// when it was closed by the server on purpose (revoked, replaced by
    /// another connection of this device, out of service).
    pub(crate) fn reconnect_now(&self) -> bool {
        self.held.as_ref().is_some_and(|h| {
            matches!(
                h.conn.close_reason(),
                Some(quinn::ConnectionError::Reset | quinn::ConnectionError::TimedOut)
            )
        })
    }

    /// The held connection if it still serves the token's server, else a
    /// new one, to the token's addresses in turn: the first that answers
    /// (a name that does not resolve, or an address with no answer within
    /// the connect timeout, passes to the next), starting with the one
    /// that answered last. With the held link down,
    /// fails at once and keeps the connection (its first answer is what
    /// says the link is back); a server name that does not resolve then
    /// is no reason to drop it.
    async fn connection(
        &mut self,
        token: &kordon_transport::EnrollmentToken,
        opts: &SyncOptions,
        unanswered: &[(SocketAddr, String)],
    ) -> Result<HeldConnection, VehicleError> {
        let fingerprint = token.fingerprint()?;
        if let Some(held) = self.held.take() {
            let usable = held.fingerprint == fingerprint && held.conn.close_reason().is_none();
            if usable && *self.link.borrow() == kordon_transport::LinkState::Down {
                self.held = Some(held);
                return Err(VehicleError::Unreachable(
                    "the link is down (nothing heard from the server for 600 ms)".into(),
                ));
            }
            if usable {
                // Kept while it is still one of the server's addresses (a
                // name may resolve to several, in any order), or while a
                // name does not resolve: that proves nothing against it.
                let mut keep = false;
                for name in token.addresses() {
                    match resolve_all(name).await {
                        Ok(addrs) if !addrs.contains(&held.addr) => {}
                        _ => {
                            keep = true;
                            break;
                        }
                    }
                }
                if keep {
                    return Ok(held);
                }
            }
            drop(held);
        }
        kordon_transport::link::publish(&self.link, kordon_transport::LinkState::Closed);
        let mut failures = vec![];
        let mut reached = None;
        let answered = self.store.get_meta(crate::meta::SERVER_ANSWERED)?;
        for name in try_order(token.addresses(), answered.as_deref()) {
            let addr = match resolve(name).await {
                Ok(addr) => addr,
                Err(e) => {
                    failures.push(e);
                    continue;
                }
            };
            // An address that has just let a connection that sent early
            // go unanswered for the connect timeout is not tried again in
            // this pass (nor would it be after a full handshake's).
            if let Some((_, why)) = unanswered.iter().find(|(a, _)| *a == addr) {
                failures.push(VehicleError::Unreachable(why.clone()));
                continue;
            }
            // An endpoint per address: what was learnt of the path to one
            // address is no guide to another.
            let memory = if opts.resume_path {
                self.path_memory(&fingerprint, addr)?
            } else {
                None
            };
            let tickets = match &self.tickets {
                Some(t) if t.server() == fingerprint => t.clone(),
                _ => kordon_transport::SessionTickets::new(fingerprint),
            };
            self.tickets = Some(tickets.clone());
            let endpoint = kordon_transport::client_endpoint_resuming(
                self.key.clone(),
                fingerprint,
                memory,
                opts.early_data.then_some(&tickets),
            )?;
            let connected =
                kordon_transport::connect_early(&endpoint, addr, opts.connect_timeout, &tickets);
            match connected.await {
                Ok((conn, zero_rtt)) => {
                    // Sent early, the server has not answered yet: noted
                    // once it has (`answered`).
                    if zero_rtt.is_none() && answered.as_deref() != Some(name) {
                        self.store.set_meta(crate::meta::SERVER_ANSWERED, name)?;
                    }
                    reached = Some((endpoint, conn, zero_rtt, name, addr));
                    break;
                }
                Err(e) => {
                    tracing::info!(%addr, error = %e, "server address unreachable; trying the next");
                    failures.push(e.into());
                }
            }
        }
        let Some((endpoint, conn, zero_rtt, name, addr)) = reached else {
            // One address: its own error, as before; several: each one's.
            return Err(match failures.len() {
                1 => failures.remove(0),
                _ => VehicleError::Unreachable(
                    failures
                        .iter()
                        .map(|e| match e {
                            VehicleError::Unreachable(why) => why.clone(),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            });
        };
        let watch = zero_rtt
            .is_none()
            .then(|| kordon_transport::watch_link(&conn, self.link.clone()));
        Ok(HeldConnection {
            endpoint,
            conn,
            zero_rtt,
            name: name.to_string(),
            addr,
            fingerprint,
            watch,
        })
    }

    async fn sync_pass(&mut self, opts: &SyncOptions) -> Result<SyncReport, VehicleError> {
        let token = self.token()?;
        let server_key = token.server_key()?;
        // Addresses that let a connection sent early go unanswered.
        let mut unanswered = vec![];
        let (held, mut report, _probe) = loop {
            let mut held = self.connection(&token, opts, &unanswered).await?;
            let conn = held.conn.clone();
            // An outage mid-transfer ends about a round trip after the
            // link does.
            let probe = kordon_transport::StallProbe::start(&conn);
            let Some(early) = held.zero_rtt.take() else {
                let speaks = kordon_transport::speaks(&conn);
                let report = self
                    .exchange(&conn, &server_key, &opts.speaking(speaks))
                    .await?;
                break (held, report, probe);
            };
            match self
                .exchange_early(&mut held, early, &server_key, opts)
                .await
            {
                Early::Done(report) => break (held, report, probe),
                Early::Failed(e) => return Err(e),
                Early::Unanswered(e) => {
                    // As an address that does not answer a handshake:
                    // the others in turn.
                    tracing::info!(addr = %held.addr, error = %e, "no answer to what was sent early; trying the next address");
                    unanswered.push((held.addr, e.to_string()));
                }
            }
        };
        let conn = held.conn.clone();
        if let Some(tickets) = &self.tickets {
            tickets.remember(&conn);
        }
        if let Some(memory) = kordon_transport::path_memory(&conn) {
            self.remember_path(&held.fingerprint, held.addr, memory)?;
        }
        if opts.hold_connection {
            self.held = Some(held);
        } else {
            conn.close(0u32.into(), b"done");
            let _ = tokio::time::timeout(Duration::from_secs(1), held.endpoint.wait_idle()).await;
        }

        report.pending = self.store.pending_count()?;
        let blobs = self.blob_counts()?;
        report.blobs_pending = blobs.pending;
        report.complete =
            report.pending == 0 && report.refused.is_empty() && (!opts.blobs || blobs.pending == 0);
        Ok(report)
    }

    /// The pass's work on a connection that sent it early (0-RTT): the
    /// exchange, and beside it the handshake, which must be done within the
    /// connect timeout as a full one must. Once it is, the address is
    /// noted as the one that answered and the link watched. If the server
    /// threw away what went early, the exchange runs again on the
    /// connection, now established.
    async fn exchange_early(
        &mut self,
        held: &mut HeldConnection,
        early: kordon_transport::ZeroRtt,
        server_key: &kordon_record::PublicKey,
        opts: &SyncOptions,
    ) -> Early {
        let conn = held.conn.clone();
        let handshake = tokio::time::timeout(opts.connect_timeout, early.accepted);
        tokio::pin!(handshake);
        let (link, tickets) = (self.link.clone(), self.tickets.clone());
        let unanswered =
            |addr: SocketAddr| kordon_transport::unreachable(addr, opts.connect_timeout).into();
        // Once the handshake is done: the link watched from then on, and
        // the protocol noted for the next connection.
        let established = |held: &mut HeldConnection| {
            held.watch = Some(kordon_transport::watch_link(&held.conn, link.clone()));
            if let Some(tickets) = &tickets {
                tickets.remember(&held.conn);
            }
        };
        let mut taken = None;
        let speaking = opts.speaking(early.speaks);
        let first = {
            let exchange = self.exchange(&conn, server_key, &speaking);
            tokio::pin!(exchange);
            loop {
                tokio::select! {
                    r = &mut exchange => break r,
                    done = &mut handshake, if taken.is_none() => match (done, conn.close_reason()) {
                        (Ok(t), None) => {
                            taken = Some(t);
                            established(held);
                        }
                        // The server spoke and closed (a refusal): the
                        // exchange tells what it said.
                        (Ok(t), Some(quinn::ConnectionError::ApplicationClosed(_))) => {
                            taken = Some(t)
                        }
                        // The handshake failed (turned away at the door, a
                        // TLS failure): as a full one's, the next address.
                        (Ok(_), Some(e)) => {
                            return Early::Unanswered(
                                kordon_transport::not_connected(held.addr, e).into(),
                            )
                        }
                        (Err(_), _) => {
                            conn.close(0u32.into(), b"no answer");
                            return Early::Unanswered(unanswered(held.addr));
                        }
                    },
                }
            }
        };
        let taken = match taken {
            Some(t) => t,
            // The exchange ended before the handshake was seen done (its
            // answers come after it, so it failed): the handshake decides.
            None => match handshake.await {
                Ok(t) => {
                    if conn.close_reason().is_none() {
                        established(held);
                    }
                    t
                }
                Err(_) => {
                    conn.close(0u32.into(), b"no answer");
                    return match first {
                        Ok(report) => Early::Done(report),
                        Err(e) if e.is_refusal() => Early::Failed(e),
                        Err(_) => Early::Unanswered(unanswered(held.addr)),
                    };
                }
            },
        };
        // The server answered at this address: the one to try first.
        if held.watch.is_some() {
            if let Err(e) = self.answered(held) {
                return Early::Failed(e);
            }
        }
        match first {
            Ok(mut report) => {
                report.zero_rtt = Some(taken);
                Early::Done(report)
            }
            Err(e) if taken || conn.close_reason().is_some() => Early::Failed(e),
            Err(e) => {
                // The server threw away what went early (it restarted,
                // or is another process of the service): all of it
                // again.
                tracing::info!(error = %e, "the server did not take what was sent early; sending it again");
                let speaks = kordon_transport::speaks(&conn);
                match self
                    .exchange(&conn, server_key, &opts.speaking(speaks))
                    .await
                {
                    Ok(mut report) => {
                        report.zero_rtt = Some(false);
                        Early::Done(report)
                    }
                    Err(e) => Early::Failed(e),
                }
            }
        }
    }

    /// Notes that the server at `held`'s address has answered: the one to
    /// try first next time.
    fn answered(&mut self, held: &HeldConnection) -> Result<(), VehicleError> {
        let answered = self.store.get_meta(crate::meta::SERVER_ANSWERED)?;
        if answered.as_deref() != Some(held.name.as_str()) {
            self.store
                .set_meta(crate::meta::SERVER_ANSWERED, &held.name)?;
        }
        Ok(())
    }

    /// The pass's work on `conn`: the records round, and the scans beside
    /// it or after it.
    async fn exchange(
        &mut self,
        conn: &quinn::Connection,
        server_key: &kordon_record::PublicKey,
        opts: &SyncOptions,
    ) -> Result<SyncReport, VehicleError> {
        let mut report = SyncReport::default();
        let enrolled = self.store.get_meta(meta::ENROLLED)?.as_deref() == Some("1");
        let queue = if opts.blobs {
            self.blob_queue()?
        } else {
            vec![]
        };
        if enrolled && opts.blobs_beside_first_round && !queue.is_empty() {
            // The scans' stream opens beside the first records round
            // instead of after it, so its BlobHello and Welcome cross while
            // the records go (their stream has the higher priority). No
            // scan is offered before that round's records are answered,
            // and no scan byte goes before its log check: a round that
            // fails (a refusal, a forked log) stops the scans' stream
            // before any scan was sent.
            self.deliver_blobs(conn, server_key, opts, queue, true, &mut report)
                .await?;
        } else {
            // Not enrolled yet: the first round enrolls this device, which
            // the scans' stream needs.
            self.records_round(conn, server_key, opts, &mut report, true, None, false)
                .await?;
            if !queue.is_empty() {
                self.deliver_blobs(conn, server_key, opts, queue, false, &mut report)
                    .await?;
            }
        }
        Ok(report)
    }

    /// What the last connection to the server of `fingerprint` at `addr`
    /// learnt of its path, if that was within [`PATH_MEMORY_LIFETIME`].
    fn path_memory(
        &self,
        fingerprint: &[u8; 32],
        addr: SocketAddr,
    ) -> Result<Option<kordon_transport::congestion::PathMemory>, VehicleError> {
        Ok(self
            .store
            .get_meta(meta::PATH_MEMORY)?
            .and_then(|text| remembered_path(&text, fingerprint, addr, now_ms())))
    }

    /// Whether a connection has left what it learnt of its path (and so
    /// the next one to that server may resume it), whatever its age.
    pub fn remembers_a_path(&self) -> Result<bool, VehicleError> {
        Ok(self.store.get_meta(meta::PATH_MEMORY)?.is_some())
    }

    fn remember_path(
        &self,
        fingerprint: &[u8; 32],
        addr: SocketAddr,
        memory: kordon_transport::congestion::PathMemory,
    ) -> Result<(), VehicleError> {
        let text = path_memory_text(fingerprint, addr, now_ms(), memory);
        Ok(self.store.set_meta(meta::PATH_MEMORY, &text)?)
    }

    /// Blobs this vehicle holds and the server has not confirmed.
    fn blob_queue(&self) -> Result<Vec<([u8; 32], u64)>, VehicleError> {
        let blobs = self.blob_store()?;
        Ok(self
            .store
            .blobs_to_send()?
            .into_iter()
            .filter_map(|b| {
                let id: BlobId = b.blob.parse().ok()?;
                blobs.contains(&id).then_some((id.0, b.size))
            })
            .collect())
    }

    /// Runs the blob stream to the end, with a new record round whenever
    /// records are made meanwhile (they overtake the blobs), and one at
    /// once, whatever is pending, if `round_at_start`.
    async fn deliver_blobs(
        &mut self,
        conn: &quinn::Connection,
        server_key: &kordon_record::PublicKey,
        opts: &SyncOptions,
        queue: Vec<([u8; 32], u64)>,
        mut round_at_start: bool,
        report: &mut SyncReport,
    ) -> Result<(), VehicleError> {
        let progress = self.store.reopen()?;
        let blobs = self.blob_store()?;
        let task_conn = conn.clone();
        let (rate, pipelined) = (opts.max_rate_bps, opts.pipeline_blobs);
        // Scans offered with their BlobHello, the log asked behind the
        // first records: the server holds the offers until those are in.
        let mut early = round_at_start && opts.offer_with_hello;
        // A scan is offered only once the records that reference it are
        // on the server (it declines others), and its bytes go only once
        // the server's log has been checked: at once if no round runs
        // beside the stream, else as that round gets there.
        let (gate, gate_rx) = tokio::sync::watch::channel(if round_at_start {
            ScanGate::Closed
        } else {
            ScanGate::Send
        });
        // The stream of the last round that did not wait for the server to
        // read its end: waited for before the connection may close.
        let mut unread: Option<quinn::SendStream> = None;
        let mut task = AbortOnDrop(tokio::spawn(async move {
            crate::blob_upload::deliver(
                &task_conn, progress, blobs, queue, rate, pipelined, early, gate_rx,
            )
            .await
        }));
        let mut tick = tokio::time::interval(opts.record_poll);
        // When the last round ended, and up to where it offered records.
        let mut last_round: Option<(i64, Instant)> = None;
        let outcome = loop {
            tokio::select! {
                r = &mut task.0 => break r,
                _ = tick.tick() => {
                    let first = std::mem::take(&mut round_at_start);
                    let due = first || {
                        let upto = last_round.map_or(0, |(upto, _)| upto);
                        let newer = !self.store.pending(upto, 1)?.is_empty();
                        let any = newer || !self.store.pending(0, 1)?.is_empty();
                        records_round_due(last_round.map(|(_, at)| at), newer, any, Instant::now())
                    };
                    if due {
                        // Not lingering for the server to read its end:
                        // records made meanwhile go a round trip sooner.
                        let scans = (opts.offer_before_log_check || early).then_some(&gate);
                        let (offered_upto, send) = self
                            .records_round(conn, server_key, opts, report, false, scans, std::mem::take(&mut early))
                            .await?;
                        gate.send_replace(ScanGate::Send);
                        unread = send;
                        last_round = Some((offered_upto, Instant::now()));
                    }
                }
            }
        };

        report.blobs = match outcome {
            Ok(r) => r?,
            Err(e) => return Err(VehicleError::Sync(format!("blob delivery stopped: {e}"))),
        };
        if !self.store.pending(0, 1)?.is_empty() {
            self.records_round(conn, server_key, opts, report, true, None, false)
                .await?;
        } else if let Some(send) = unread {
            let _ = tokio::time::timeout(Duration::from_secs(2), send.stopped()).await;
        }
        Ok(())
    }

    /// One record session on a new stream: upload the outbox, store
    /// receipts, apply what comes down. Returns the outbox position up to
    /// which records were offered (those made later wait for the next).
    /// With `linger`, the round waits (2 s at most) for the server to have
    /// read the end of its stream, as it must before the connection
    /// closes; without, the round ends at once and hands back its stream
    /// to wait for later (a round beside a blob stream: records made
    /// meanwhile wait one round trip less for the next). Once every record
    /// it offered is answered it opens `scans` to offers (the log check
    /// follows; the caller opens it to bytes when the round has ended).
    /// With `early`, if every pending record goes with the Hello, it opens
    /// `scans` to offers at once (the server holds them until the records
    /// are in) and asks for the log right behind the records, opening
    /// `scans` to bytes once that answer is checked.
    #[allow(clippy::too_many_arguments)]
    async fn records_round(
        &mut self,
        conn: &quinn::Connection,
        server_key: &kordon_record::PublicKey,
        opts: &SyncOptions,
        report: &mut SyncReport,
        linger: bool,
        scans: Option<&tokio::sync::watch::Sender<ScanGate>>,
        mut early: bool,
    ) -> Result<(i64, Option<quinn::SendStream>), VehicleError> {
        let token = self.token()?;
        let (send, recv) = conn
            .open_bi()
            .await
            .map_err(TransportError::from_connection)?;
        let _ = send.set_priority(1);
        let mut stream = FrameStream::new(send, recv);

        let enrolled = self.store.get_meta(meta::ENROLLED)?.as_deref() == Some("1");
        let down_cursor = self
            .store
            .get_meta(meta::DOWN_CURSOR)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let cfg = ClientConfig {
            enroll_secret: if enrolled {
                None
            } else {
                Some(token.secret_bytes()?)
            },
            down_cursor,
            client_time_ms: now_ms(),
            window: opts.window,
            response_timeout: opts.response_timeout,
            check_log: true,
            checkpoint: self.held_checkpoint_text()?,
            // A server that reads past the Hello gets the first records
            // with it: their answers come a round trip sooner.
            records_with_hello: opts.records_with_hello,
            app_version: env!("CARGO_PKG_VERSION").to_string(),
            backlog: kordon_proto::Backlog {
                records: self.store.pending_count()?,
                scan_bytes: self
                    .store
                    .blobs_to_send()?
                    .iter()
                    .map(|b| b.size.saturating_sub(b.done))
                    .sum(),
            },
        };
        let mut session = ClientSession::new(cfg, Instant::now());
        let mut sent_after = 0i64;
        let mut batches: HashMap<u32, Vec<Sent>> = HashMap::new();
        let mut asked: Option<kordon_proto::LogAsk> = None;
        let mut asked_early: Option<kordon_proto::LogAsk> = None;
        let mut uploads_done = false;
        let open = |to: ScanGate| {
            if let Some(scans) = scans {
                scans.send_if_modified(|gate| {
                    let opens = *gate < to;
                    if opens {
                        *gate = to;
                    }
                    opens
                });
            }
        };
        loop {
            // A server log this vehicle refuses, found by either ask.
            let mut refused_log = None;
            while let Some(event) = session.poll_event() {
                match event {
                    ClientEvent::Welcomed { unit, .. } => {
                        self.store.set_meta(meta::ENROLLED, "1")?;
                        self.store.set_meta(meta::UNIT, &unit)?;
                        report.unit = unit;
                    }
                    ClientEvent::Refused { code, reason } => {
                        return Err(crate::error::refused(Some(code), reason))
                    }
                    ClientEvent::Results { batch, results } => {
                        let ids = batches.remove(&batch).unwrap_or_default();
                        self.apply_results(&ids, results, server_key, report)?;
                    }
                    ClientEvent::Down {
                        records, cursor, ..
                    } => {
                        report.received += self.apply_down(records, server_key)?;
                        self.store
                            .set_meta(meta::DOWN_CURSOR, &cursor.to_string())?;
                        session.down_applied(cursor, Instant::now());
                    }
                    ClientEvent::LogDue => {
                        // Everything offered is answered: the inspections
                        // the scans belong to are on the server.
                        open(ScanGate::Offer);
                        let ask = self.log_ask(server_key)?;
                        session.ask_log(ask.clone(), Instant::now());
                        asked = Some(ask);
                    }
                    ClientEvent::EarlyLog(answer) => {
                        let ask = asked_early.take().unwrap_or_default();
                        match self.keep_log_answer(server_key, &ask, &answer) {
                            // The server's log extends the one held: the
                            // scans' bytes may go.
                            Ok(()) => open(ScanGate::Send),
                            Err(e) => {
                                refused_log = Some(e);
                                break;
                            }
                        }
                    }
                    ClientEvent::Log(answer) => {
                        let ask = asked.take().unwrap_or_default();
                        match self.keep_log_answer(server_key, &ask, &answer) {
                            Ok(()) => session.log_checked(Instant::now()),
                            Err(e) => {
                                refused_log = Some(e);
                                break;
                            }
                        }
                    }
                    ClientEvent::Finished => {}
                }
            }
            if let Some(e) = refused_log {
                tracing::error!(error = %e, "the server's log does not extend the checkpoint held here, or does not prove what it stated");
                session.abort(&format!("vehicle refuses this server: {e}"));
                while let Some(bytes) = session.poll_transmit() {
                    let _ = stream.write(&bytes).await;
                }
                stream.finish();
                // Let the server read why before the connection goes.
                let _ = tokio::time::timeout(Duration::from_secs(2), stream.send.stopped()).await;
                return Err(e);
            }
            while session.can_send() {
                let mut batch = self.store.pending(
                    sent_after,
                    opts.batch_size.min(kordon_proto::MAX_BATCH_RECORDS),
                )?;
                // Bound the message by bytes too (always at least one record).
                let mut bytes = 0;
                let fits = batch
                    .iter()
                    .take_while(|e| {
                        bytes += e.bytes.len();
                        bytes <= session.batch_bytes()
                    })
                    .count();
                batch.truncate(fits.max(1));
                let Some(last) = batch.last() else {
                    session.finish_uploads();
                    uploads_done = true;
                    break;
                };
                sent_after = last.seq;
                report.sent += batch.len() as u64;
                let ids = batch
                    .iter()
                    .map(|e| Sent {
                        stored: e.id,
                        wire: SignedRecord::parse(e.bytes.clone()).ok().map(|r| r.id()),
                    })
                    .collect();
                let n = session
                    .send_records(batch.into_iter().map(|e| e.bytes).collect(), Instant::now());
                batches.insert(n, ids);
            }
            // Every pending record went with the Hello: the log is asked
            // right behind the records, and the scans are offered once
            // those are handed to their stream (which goes first).
            let offer_now = std::mem::take(&mut early) && uploads_done;
            if offer_now {
                let ask = kordon_proto::LogAsk {
                    known_size: self.known_log_size()?,
                    ..Default::default()
                };
                session.ask_log_early(ask.clone(), Instant::now());
                asked_early = Some(ask);
            }
            while let Some(bytes) = session.poll_transmit() {
                stream.write(&bytes).await?;
            }
            if offer_now {
                open(ScanGate::Offer);
            }
            if session.is_finished() {
                break;
            }
            let deadline = session.poll_timeout().map(tokio::time::Instant::from_std);
            let input = tokio::select! {
                r = stream.read() => Some(r?.map(<[u8]>::to_vec)),
                _ = sleep_until(deadline) => None,
            };
            let step = match input {
                Some(Some(data)) => session.handle_bytes(&data, Instant::now()),
                Some(None) => {
                    return Err(VehicleError::Sync(
                        "the server ended the session early".into(),
                    ))
                }
                None => session.handle_timeout(Instant::now()),
            };
            if let Err(e) = step {
                while let Some(ev) = session.poll_event() {
                    if let ClientEvent::Refused { code, reason } = ev {
                        return Err(crate::error::refused(Some(code), reason));
                    }
                }
                return Err(VehicleError::Sync(e.to_string()));
            }
        }
        stream.finish();
        if !linger {
            return Ok((sent_after, Some(stream.send)));
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), stream.send.stopped()).await;
        Ok((sent_after, None))
    }

    fn apply_results(
        &mut self,
        sent: &[Sent],
        results: Vec<RecordResult>,
        server: &kordon_record::PublicKey,
        report: &mut SyncReport,
    ) -> Result<(), VehicleError> {
        let now = now_ms();
        if results.len() != sent.len() {
            tracing::warn!(sent = sent.len(), answered = results.len(), "server answered a batch with the wrong number of results; unmatched records stay pending");
        }
        let mut receipts = vec![];
        let mut logged = vec![];
        // Each result must name the record it answers (the digest of the
        // bytes we sent); anything else leaves the record pending.
        for (record, result) in sent.iter().zip(results) {
            match result {
                RecordResult::Accepted { receipt } => match Receipt::parse(&receipt) {
                    Ok(r) if Some(r.record_id) == record.wire && r.verify(server).is_ok() => {
                        receipts.push(r)
                    }
                    _ => {
                        tracing::warn!(record = %record.stored, "server sent an invalid receipt; the record stays pending")
                    }
                },
                RecordResult::Logged {
                    record_id,
                    leaf_index,
                    leaf,
                } => {
                    // The leaf must name the record sent; the checkpoint at
                    // the end of the session proves it is in the log.
                    let names = kordon_log::Leaf::parse(&leaf)
                        .ok()
                        .and_then(|l| l.accepted_record());
                    if Some(RecordId(record_id)) == record.wire && names == Some(record_id) {
                        logged.push((record.stored, leaf_index, leaf));
                    } else {
                        tracing::warn!(record = %record.stored, "server named another record or a bad leaf; the record stays pending");
                    }
                }
                RecordResult::Rejected {
                    record_id,
                    code,
                    reason,
                } => {
                    let named = match record.wire {
                        Some(wire) => record_id == wire.0,
                        None => record_id.is_empty(),
                    };
                    if !named {
                        tracing::warn!(record = %record.stored, "server refused a record it did not name; it stays pending");
                        continue;
                    }
                    let reason = format!("{}: {reason}", code.as_str());
                    tracing::warn!(record = %record.stored, %reason, "server refused a record");
                    self.store.drop_refused(&record.stored, &reason, now)?;
                    report.refused.push(crate::sync::Refused {
                        id: record.stored.to_string(),
                        reason,
                    });
                }
            }
        }
        report.acknowledged += self.store.store_receipts(&receipts, now)? as u64;
        report.acknowledged += self.store.store_log_acks(&logged)? as u64;
        Ok(())
    }

    /// Verifies and stores records from the server. Returns how many were
    /// new. A hotlist's record must be signed by the server itself.
    fn apply_down(
        &mut self,
        raw: Vec<Vec<u8>>,
        server: &kordon_record::PublicKey,
    ) -> Result<u64, VehicleError> {
        let now = now_ms();
        let mut ok = vec![];
        for bytes in raw {
            match SignedRecord::parse(bytes) {
                Ok(r) => match r.verify() {
                    Ok(())
                        if kordon_model::DocKind::of(&r.doc_id())
                            == kordon_model::DocKind::Hotlist
                            && r.signer() != *server =>
                    {
                        tracing::warn!(record = %r.id(), signer = %r.signer().short(), "hotlist record not signed by the server: refused");
                        self.store.log_rejection(
                            Some(&r.id()),
                            Some(&r.signer()),
                            Some("server"),
                            "a hotlist record must be signed by the server",
                            now,
                        )?;
                    }
                    Ok(()) => ok.push(r),
                    Err(e) => {
                        self.store.log_rejection(
                            Some(&r.id()),
                            Some(&r.signer()),
                            Some("server"),
                            &e.to_string(),
                            now,
                        )?;
                    }
                },
                Err(e) => {
                    self.store
                        .log_rejection(None, None, Some("server"), &e.to_string(), now)?
                }
            }
        }
        let outcomes = self.store.ingest(&ok, Origin::Remote, now)?;
        Ok(outcomes
            .iter()
            .filter(|o| matches!(o, IngestOutcome::Stored { .. }))
            .count() as u64)
    }
}

/// Aborts a spawned task when dropped (an error path must not leave it
/// running on its own).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Records not acknowledged by the server are offered again after this.
const RE_OFFER_AFTER: Duration = Duration::from_secs(10);

/// Whether a records round is due while scans are under way: at once for
/// a record made since the last round offered its records (however many
/// rounds that takes), but a record the server keeps not acknowledging
/// only every [`RE_OFFER_AFTER`], not at every tick.
fn records_round_due(
    last_round_ended: Option<Instant>,
    newer_than_offered: bool,
    any_pending: bool,
    now: Instant,
) -> bool {
    match last_round_ended {
        None => any_pending,
        Some(at) => newer_than_offered || (any_pending && now.duration_since(at) >= RE_OFFER_AFTER),
    }
}

pub(crate) async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// The server's addresses in the order to try them: the one that
/// answered last first (while the token still names it), then the others
/// in the token's order.
fn try_order<'a>(addresses: Vec<&'a str>, answered: Option<&str>) -> Vec<&'a str> {
    let mut order = addresses;
    if let Some(i) = order.iter().position(|a| Some(*a) == answered) {
        let first = order.remove(i);
        order.insert(0, first);
    }
    order
}

async fn resolve(addr: &str) -> Result<SocketAddr, VehicleError> {
    resolve_all(addr)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| VehicleError::Unreachable(format!("{addr} resolves to no address")))
}

async fn resolve_all(addr: &str) -> Result<Vec<SocketAddr>, VehicleError> {
    Ok(tokio::net::lookup_host(addr)
        .await
        .map_err(|e| VehicleError::Unreachable(format!("cannot resolve {addr}: {e}")))?
        .collect())
}

#[cfg(test)]
mod path_memory_tests {
    use super::{path_memory_text, remembered_path, PATH_MEMORY_LIFETIME};
    use kordon_transport::congestion::PathMemory;
    use std::net::SocketAddr;
    use std::time::Duration;

    #[test]
    fn a_path_is_remembered_for_its_server_and_address_for_a_day() {
        let server = [7u8; 32];
        let addr: SocketAddr = "192.0.2.7:7443".parse().expect("address");
        let at = 1_800_000_000_000i64;
        let memory = PathMemory {
            rate_bps: 9_500_000,
            min_rtt: Duration::from_micros(301_000),
        };
        let text = path_memory_text(&server, addr, at, memory);
        assert_eq!(
            remembered_path(&text, &server, addr, at + 60_000),
            Some(memory)
        );
        let day = PATH_MEMORY_LIFETIME.as_millis() as i64;
        assert_eq!(
            remembered_path(&text, &server, addr, at + day),
            None,
            "too old"
        );
        assert_eq!(
            remembered_path(&text, &server, addr, at - 1),
            None,
            "from the future"
        );
        assert_eq!(
            remembered_path(&text, &[8; 32], addr, at),
            None,
            "another server"
        );
        let other: SocketAddr = "198.51.100.7:7443".parse().expect("address");
        assert_eq!(
            remembered_path(&text, &server, other, at),
            None,
            "another address"
        );
        let hex = hex::encode(server);
        for bad in [
            String::new(),
            "x".into(),
            format!("{hex} {addr} {at}"),
            format!("{hex} {addr} soon 1 2"),
            format!("{hex} {addr} {at} 1 2 3"),
            format!("{hex} {addr} {at} 0 2"),
            format!("{hex} nowhere {at} 1 2"),
        ] {
            assert_eq!(remembered_path(&bad, &server, addr, at), None, "{bad:?}");
        }
    }
}

#[cfg(test)]
mod try_order_tests {
    use super::try_order;

    #[test]
    fn the_address_that_answered_last_is_tried_first() {
        let token = vec!["a:1", "b:2", "c:3"];
        assert_eq!(try_order(token.clone(), None), ["a:1", "b:2", "c:3"]);
        assert_eq!(try_order(token.clone(), Some("c:3")), ["c:3", "a:1", "b:2"]);
        assert_eq!(try_order(token.clone(), Some("a:1")), ["a:1", "b:2", "c:3"]);
        // An address the token no longer names (enrolled again) is ignored.
        assert_eq!(try_order(token, Some("d:4")), ["a:1", "b:2", "c:3"]);
    }
}

#[cfg(test)]
mod round_due_tests {
    use super::{records_round_due, RE_OFFER_AFTER};
    use std::time::{Duration, Instant};

    #[test]
    fn a_record_made_after_the_last_round_is_offered_at_once() {
        let ended = Instant::now();
        let soon = ended + Duration::from_millis(250);
        // The last round left records pending (made while it ran): they
        // are newer than what it offered, so the next tick offers them.
        assert!(records_round_due(Some(ended), true, true, soon));
        // Only records the server did not acknowledge: not before 10 s.
        assert!(!records_round_due(Some(ended), false, true, soon));
        assert!(records_round_due(
            Some(ended),
            false,
            true,
            ended + RE_OFFER_AFTER
        ));
        // Nothing pending: no round.
        assert!(!records_round_due(
            Some(ended),
            false,
            false,
            ended + RE_OFFER_AFTER
        ));
        assert!(records_round_due(None, false, true, soon));
        assert!(!records_round_due(None, false, false, soon));
    }
}
