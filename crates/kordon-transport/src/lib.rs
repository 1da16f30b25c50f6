//! QUIC transport for the sync protocol.
//!
//! - TLS 1.3 only (QUIC mandates it), ring provider.
//! - The server presents a self-signed certificate made from its ed25519
//!   device key; vehicles **pin** its SHA-256 fingerprint, received at
//!   enrollment. No certificate authority is involved.
//! - Vehicles present a self-signed certificate made from *their* device
//!   key. TLS proves they hold it; the server reads the key from the
//!   certificate and decides (enrolled? revoked?) at the protocol level, so
//!   a refusal carries a clear reason to both sides.
//! - One bidirectional stream per record session, and one for blobs,
//!   carry `kordon-proto` frames; [`FrameStream`] moves them.
//! - [`congestion`]: the congestion controller for lossy radio and
//!   satellite links, and the windows that go with it.
//! - The server's stateless-reset key is derived from its device key, so
//!   it is the same after a restart (and so is the key its connection ids
//!   are hashed with): a vehicle still talking to the
//!   server's previous process is told at its next packet that the
//!   connection is gone (RFC 9000 §10.3) and reconnects at once, instead
//!   of waiting out the idle timeout.
//! - [`StallProbe`] keeps a stalled connection probing the path, so data
//!   flows again about a round trip after an outage ends.
//! - [`SessionTickets`]: a vehicle that connected to the same server
//!   process before resumes its TLS session and sends its first messages
//!   with its first packet (0-RTT, [`connect_early`]); see the module
//!   `resumption` for why that is safe for what a vehicle sends.
//! - [`link`]: a vehicle's connection pings every [`LINK_PING`], and
//!   [`watch_link`] tells from what arrives whether the link is up, within
//!   a second of a change.

pub mod congestion;
pub mod link;
mod probe;
mod resumption;
mod stream;
mod tls;
mod token;

pub use link::{watch_link, LinkState, LinkWatchTask, LINK_PING};
pub use probe::StallProbe;
pub use quinn;
pub use resumption::{connect_early, SessionTickets, Speaks, ZeroRtt};
pub use stream::{write_some, FrameReader, FrameStream};
pub use tls::{
    certificate_fingerprint, device_key_of, peer_device_key, self_signed_cert, SharedDeviceKey,
};
pub use token::{addresses_problem, EnrollmentToken, TokenError, MAX_TOKEN_ADDRS};

use kordon_proto::RefusalCode;
use kordon_record::DeviceKey;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The name the server certificate is issued to (pinning, not names, is
/// what is checked).
pub const SERVER_NAME: &str = "kordon-server";

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("TLS setup: {0}")]
    Tls(String),
    #[error("cannot open a UDP socket on {addr}: {error}")]
    Bind {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: SocketAddr, reason: String },
    #[error("server refused this device: {reason}")]
    Refused {
        code: Option<RefusalCode>,
        reason: String,
    },
    #[error("connection lost: {0}")]
    Lost(String),
}

impl TransportError {
    /// Maps a quinn connection error, recognising the server's refusals.
    pub fn from_connection(e: quinn::ConnectionError) -> Self {
        match e {
            quinn::ConnectionError::ApplicationClosed(close) => {
                let code = RefusalCode::from_close_code(close.error_code.into_inner());
                let reason = String::from_utf8_lossy(&close.reason).into_owned();
                if code.is_some() {
                    TransportError::Refused { code, reason }
                } else {
                    TransportError::Lost(format!("closed by peer: {reason}"))
                }
            }
            quinn::ConnectionError::Reset => TransportError::Lost(
                "the server no longer knows this connection (it restarted); reconnecting".into(),
            ),
            quinn::ConnectionError::TimedOut => {
                TransportError::Lost("no answer from the server (timed out)".into())
            }
            other => TransportError::Lost(other.to_string()),
        }
    }
}

fn transport_config(resume: Option<congestion::PathMemory>) -> quinn::TransportConfig {
    let mut t = quinn::TransportConfig::default();
    // A congestion controller that keeps lossy radio and satellite links
    // full without overrunning them, and windows sized for such a link
    // (see `congestion`). Bounded either way: what a peer can make the
    // other side hold is limited before anyone is authorised.
    congestion::transport_tuning(&mut t, congestion::LinkHint::RADIO);
    if resume.is_some() {
        let mut controller = congestion::LossyLinkConfig::default();
        controller.resume(resume);
        t.congestion_controller_factory(Arc::new(controller));
    }
    // A few streams per connection: record sessions (the current round and
    // one whose end the server may still be reading) and two blob streams.
    t.max_concurrent_bidi_streams(4u32.into());
    t.max_concurrent_uni_streams(0u32.into());
    t.keep_alive_interval(Some(Duration::from_secs(5)));
    // Datagrams carry only the stall probe's byte: either side keeps at
    // most a kilobyte of them (older ones are dropped), where quinn's
    // default would let a peer park 1.25 MB per connection.
    t.datagram_receive_buffer_size(Some(probe::DATAGRAM_BUFFER));
    t.datagram_send_buffer_size(probe::DATAGRAM_BUFFER);
    // 30 s without a packet ends the connection; the vehicle reconnects.
    if let Ok(idle) = quinn::IdleTimeout::try_from(Duration::from_secs(30)) {
        t.max_idle_timeout(Some(idle));
    }
    t
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A server endpoint on `addr` presenting `cert_der` (made from `key`).
pub fn server_endpoint(
    addr: SocketAddr,
    key: &DeviceKey,
    cert_der: Vec<u8>,
) -> Result<quinn::Endpoint, TransportError> {
    server_endpoint_speaking(addr, key, cert_der, &tls::PROTOCOLS)
}

fn server_endpoint_speaking(
    addr: SocketAddr,
    key: &DeviceKey,
    cert_der: Vec<u8>,
    protocols: &[&[u8]],
) -> Result<quinn::Endpoint, TransportError> {
    let cfg = tls::server_config(key, cert_der, provider(), protocols)?;
    let quic = quinn::crypto::rustls::QuicServerConfig::try_from(Arc::new(cfg))
        .map_err(|e| TransportError::Tls(e.to_string()))?;
    let mut server = quinn::ServerConfig::with_crypto(Arc::new(quic));
    server.transport_config(Arc::new(transport_config(None)));
    let reset = ResetKey::of(key);
    let cid_key = reset.connection_id_key();
    let mut endpoint = quinn::EndpointConfig::new(Arc::new(reset));
    // Connection ids the previous process issued must still validate, or
    // their packets are dropped without the reset.
    endpoint.cid_generator(move || {
        Box::new(quinn_proto::HashedConnectionIdGenerator::from_key(cid_key))
    });
    let bind = |error| TransportError::Bind { addr, error };
    let socket = std::net::UdpSocket::bind(addr).map_err(bind)?;
    let runtime =
        quinn::default_runtime().ok_or_else(|| bind(std::io::Error::other("no async runtime")))?;
    quinn::Endpoint::new(endpoint, Some(server), socket, runtime).map_err(bind)
}

/// The key of the server's stateless-reset tokens (keyed BLAKE3 over the
/// connection id), derived from the server's device key: stable across
/// restarts, secret as long as the device key is.
struct ResetKey([u8; 32]);

impl ResetKey {
    fn of(key: &DeviceKey) -> ResetKey {
        ResetKey(blake3::derive_key(
            "kordon 2026-12 QUIC stateless reset key",
            &key.to_pkcs8_der(),
        ))
    }

    /// The key the server's connection ids are hashed with, for the same
    /// reason: derived, not random.
    fn connection_id_key(&self) -> u64 {
        let k = blake3::derive_key("kordon 2026-12 QUIC connection id key", &self.0);
        u64::from_le_bytes([k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]])
    }
}

impl quinn::crypto::HmacKey for ResetKey {
    fn sign(&self, data: &[u8], signature_out: &mut [u8]) {
        let mac = blake3::keyed_hash(&self.0, data);
        let n = signature_out.len().min(32);
        signature_out[..n].copy_from_slice(&mac.as_bytes()[..n]);
    }

    fn signature_len(&self) -> usize {
        32
    }

    fn verify(&self, data: &[u8], signature: &[u8]) -> Result<(), quinn::crypto::CryptoError> {
        // blake3::Hash compares in constant time.
        match <[u8; 32]>::try_from(signature) {
            Ok(sig) if blake3::keyed_hash(&self.0, data) == blake3::Hash::from(sig) => Ok(()),
            _ => Err(quinn::crypto::CryptoError),
        }
    }
}

/// A client endpoint for a device on the local address `bind`: presents
/// its key, pins the server.
pub fn client_endpoint_on(
    key: SharedDeviceKey,
    pinned_fingerprint: [u8; 32],
    bind: SocketAddr,
) -> Result<quinn::Endpoint, TransportError> {
    client_endpoint_speaking(key, pinned_fingerprint, bind, &tls::PROTOCOLS, None, None)
}

/// As [`client_endpoint_on`] from any local address, its connections
/// starting from what the last
/// connection to this server learnt of the path (see
/// [`congestion::PathMemory`]; a different path is told by its RTT and
/// starts cold), and resuming a TLS session from `tickets` (see
/// [`connect_early`]) if they are for this server.
pub fn client_endpoint_resuming(
    key: SharedDeviceKey,
    pinned_fingerprint: [u8; 32],
    memory: Option<congestion::PathMemory>,
    tickets: Option<&SessionTickets>,
) -> Result<quinn::Endpoint, TransportError> {
    let bind = ([0, 0, 0, 0], 0).into();
    let tickets = tickets.filter(|t| t.server() == pinned_fingerprint);
    client_endpoint_speaking(
        key,
        pinned_fingerprint,
        bind,
        &tls::PROTOCOLS,
        memory,
        tickets,
    )
}

/// What `conn` has learnt of its path so far, for the next connection to
/// the same server ([`client_endpoint_resuming`]).
pub fn path_memory(conn: &quinn::Connection) -> Option<congestion::PathMemory> {
    conn.congestion_state()
        .into_any()
        .downcast::<congestion::LossyLink>()
        .ok()?
        .path_memory()
}

fn client_endpoint_speaking(
    key: SharedDeviceKey,
    pinned_fingerprint: [u8; 32],
    bind: SocketAddr,
    protocols: &[&[u8]],
    resume: Option<congestion::PathMemory>,
    tickets: Option<&SessionTickets>,
) -> Result<quinn::Endpoint, TransportError> {
    let device = key.public();
    let make = || {
        let cfg = tls::client_config(key, pinned_fingerprint, provider(), protocols, tickets)?;
        quinn::crypto::rustls::QuicClientConfig::try_from(Arc::new(cfg))
            .map_err(|e| TransportError::Tls(e.to_string()))
    };
    let quic = match tickets {
        Some(tickets) => tickets.tls(device, make)?,
        None => Arc::new(make()?),
    };
    let mut client = quinn::ClientConfig::new(quic);
    let mut transport = transport_config(resume);
    // The vehicle pings often enough to tell within a second that the link
    // went or came back (see `link`); the server keeps the slower default.
    transport.keep_alive_interval(Some(LINK_PING));
    client.transport_config(Arc::new(transport));
    let mut endpoint = quinn::Endpoint::client(bind)
        .map_err(|error| TransportError::Bind { addr: bind, error })?;
    endpoint.set_default_client_config(client);
    Ok(endpoint)
}

/// The application protocol `conn` negotiated (on a vehicle's connection
/// that sent early, not until its handshake is done).
pub(crate) fn protocol(conn: &quinn::Connection) -> Option<Vec<u8>> {
    conn.handshake_data()
        .and_then(|data| data.downcast::<quinn::crypto::rustls::HandshakeData>().ok())
        .and_then(|data| data.protocol)
}

/// What the protocol `conn` negotiated lets a vehicle send ahead of the
/// answers (nothing beyond the oldest protocol while it is not known).
pub fn speaks(conn: &quinn::Connection) -> Speaks {
    protocol(conn).map_or_else(Speaks::default, |p| Speaks::protocol(&p))
}

/// Whether the server at the other end of `conn` reads what follows a
/// Hello: it negotiated [`kordon_proto::ALPN_RECORDS_WITH_HELLO`] (or
/// what builds on it), so a records session may send its Pull and first
/// Records with its Hello.
pub fn records_with_hello(conn: &quinn::Connection) -> bool {
    speaks(conn).records_with_hello
}

/// Whether the server at the other end of `conn` holds an Offer until the
/// records beside it are in, and answers a LogAsk behind the Hello: it
/// negotiated [`kordon_proto::ALPN_HELD_OFFERS`].
pub fn held_offers(conn: &quinn::Connection) -> bool {
    speaks(conn).held_offers
}

/// Connects to the server, failing after `timeout` without a handshake.
pub async fn connect(
    endpoint: &quinn::Endpoint,
    addr: SocketAddr,
    timeout: Duration,
) -> Result<quinn::Connection, TransportError> {
    finish_connecting(start_connecting(endpoint, addr)?, addr, timeout).await
}

/// Sends the first packet of a connection to the server at `addr`.
pub(crate) fn start_connecting(
    endpoint: &quinn::Endpoint,
    addr: SocketAddr,
) -> Result<quinn::Connecting, TransportError> {
    endpoint
        .connect(addr, SERVER_NAME)
        .map_err(|e| TransportError::Connect {
            addr,
            reason: e.to_string(),
        })
}

/// A connection to `addr` that failed before its handshake was done.
pub fn not_connected(addr: SocketAddr, e: quinn::ConnectionError) -> TransportError {
    match TransportError::from_connection(e) {
        TransportError::Lost(reason) => TransportError::Connect { addr, reason },
        other => other,
    }
}

/// Waits for `connecting`'s handshake, `timeout` at most.
pub(crate) async fn finish_connecting(
    connecting: quinn::Connecting,
    addr: SocketAddr,
    timeout: Duration,
) -> Result<quinn::Connection, TransportError> {
    match tokio::time::timeout(timeout, connecting).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(not_connected(addr, e)),
        Err(_) => Err(unreachable(addr, timeout)),
    }
}

/// No answer from `addr` to a handshake within `timeout`.
pub fn unreachable(addr: SocketAddr, timeout: Duration) -> TransportError {
    TransportError::Connect {
        addr,
        reason: format!(
            "server unreachable (no answer within {} s)",
            timeout.as_secs()
        ),
    }
}

#[cfg(test)]
mod reset_key_tests {
    use super::ResetKey;
    use kordon_record::DeviceKey;
    use quinn::crypto::HmacKey;

    #[test]
    fn the_reset_key_is_the_same_for_the_same_server_key_and_only_for_it() {
        let key = DeviceKey::from_seed(&[7; 32]);
        let (a, b) = (ResetKey::of(&key), ResetKey::of(&key));
        let other = ResetKey::of(&DeviceKey::from_seed(&[8; 32]));
        let cid = b"\x01\x02\x03\x04\x05\x06\x07\x08";
        let mut sig = [0u8; 32];
        a.sign(cid, &mut sig);
        assert!(b.verify(cid, &sig).is_ok());
        assert!(other.verify(cid, &sig).is_err());
        assert!(a.verify(b"another connection", &sig).is_err());
        assert!(a.verify(cid, &sig[..16]).is_err());
        assert_eq!(a.connection_id_key(), b.connection_id_key());
        assert_ne!(a.connection_id_key(), other.connection_id_key());
    }
}

#[cfg(test)]
mod protocol_tests {
    use super::*;
    use kordon_record::DeviceKey;

    /// Connects a vehicle offering `vehicle` to a server offering `server`
    /// over loopback; whether the vehicle may send records with its Hello,
    /// and offer its scans with their BlobHello.
    async fn negotiate(vehicle: &[&[u8]], server: &[&[u8]]) -> (bool, bool) {
        let server_key = DeviceKey::from_seed(&[1; 32]);
        let cert = tls::self_signed_cert(&server_key, SERVER_NAME).expect("certificate");
        let fingerprint = certificate_fingerprint(&cert);
        let endpoint =
            server_endpoint_speaking(([127, 0, 0, 1], 0).into(), &server_key, cert, server)
                .expect("server endpoint");
        let addr = endpoint.local_addr().expect("address");
        let accept = tokio::spawn(async move {
            let conn = endpoint.accept().await.expect("incoming").await;
            (endpoint, conn)
        });
        let device: SharedDeviceKey = Arc::new(Box::new(DeviceKey::from_seed(&[2; 32])));
        let client = client_endpoint_speaking(
            device,
            fingerprint,
            ([127, 0, 0, 1], 0).into(),
            vehicle,
            None,
            None,
        )
        .expect("client endpoint");
        let conn = connect(&client, addr, Duration::from_secs(10))
            .await
            .expect("handshake");
        let (_endpoint, accepted) = accept.await.expect("server task");
        accepted.expect("server side of the handshake");
        (records_with_hello(&conn), held_offers(&conn))
    }

    #[tokio::test]
    async fn records_go_with_the_hello_only_when_both_sides_speak_it() {
        let plain: &[&[u8]] = &[kordon_proto::ALPN];
        let with_hello: &[&[u8]] = &[kordon_proto::ALPN_RECORDS_WITH_HELLO, kordon_proto::ALPN];
        assert_eq!(
            negotiate(&tls::PROTOCOLS, &tls::PROTOCOLS).await,
            (true, true)
        );
        // An older server: the vehicle waits for Welcome, as before.
        assert_eq!(negotiate(&tls::PROTOCOLS, plain).await, (false, false));
        // A server that reads behind the Hello but holds no Offer: the
        // scans are offered once the records are answered, as before.
        assert_eq!(negotiate(&tls::PROTOCOLS, with_hello).await, (true, false));
        assert_eq!(negotiate(with_hello, &tls::PROTOCOLS).await, (true, false));
        // An older vehicle still connects to a newer server.
        assert_eq!(negotiate(plain, &tls::PROTOCOLS).await, (false, false));
    }
}
