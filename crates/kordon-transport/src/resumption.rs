//! Session resumption and 0-RTT: a vehicle's first messages with its
//! first packet, when it has connected to the same server process before.
//!
//! A server hands each connection TLS session tickets; a vehicle keeps
//! them in [`SessionTickets`] for the server it is enrolled with. Its next
//! connection offers one and sends its Hello (and what goes with it: the
//! first records, the scans' BlobHello and Offer) as 0-RTT data, so the
//! answers come one round trip sooner. The server answers at once
//! (0.5-RTT) because a resumed session already names the vehicle's key:
//! its ticket was issued to a connection that proved it.
//!
//! **Why it is safe here.** 0-RTT data can be replayed by whoever
//! recorded it. The server keeps its tickets in memory and takes each one
//! when it is used ([`crate::server_endpoint`]), so a replay to the same
//! process after the first use, to another process or after a restart
//! resumes nothing. What remains is a replay that reaches the process
//! *before* the original, which takes an attacker who can hold the
//! vehicle's packets back (and so could cut it off anyway), within the
//! seconds rustls allows a ticket's age to be off by. The server then
//! reads the vehicle's first messages: records it signed (a record already
//! held is answered as held), offers of scans (answered with a Want), and
//! the Hello, which is not signed but only states the vehicle's version,
//! backlog, clock and last checkpoint, and carries its enrollment secret
//! if it is not enrolled yet (which can only enroll the vehicle's own
//! key, the one the ticket names). The server may note that contact, from
//! the replayer's address, and take it for the device's newest connection.
//! Its answers are sealed with keys of the new handshake, which the
//! replayer cannot read, and it closes the connection when its handshake
//! is not done within the time to authenticate (10 s). The vehicle's own
//! connection resumes nothing then: its early data is thrown away and
//! sent again once connected, so the server reads it a second time, which
//! changes nothing.
//!
//! **What it does not cover.** rustls hands out no ticket to keep on disk,
//! so the tickets live as long as the vehicle's process: the app's
//! background sync and `kordon sync --live` resume after a dropped
//! connection; a new `kordon sync` process makes a full handshake. A
//! server that has restarted, or another process of the same service,
//! refuses the ticket: the data sent early is thrown away by both sides
//! ([`ZeroRtt::accepted`] resolves to `false`) and the vehicle sends it
//! again on the connection, now fully established.

use crate::TransportError;
use kordon_record::PublicKey;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Tickets kept per server: more than a process uses before the server
/// hands it new ones with each connection.
const TICKETS_KEPT: usize = 8;

/// The session tickets a vehicle's process holds for the server pinned by
/// one certificate fingerprint, with the protocol that server last chose
/// (what the data sent early must be written in). Cheap to clone: clones
/// share the tickets.
#[derive(Clone)]
pub struct SessionTickets {
    server: [u8; 32],
    store: Arc<rustls::client::ClientSessionMemoryCache>,
    protocol: Arc<Mutex<Option<Vec<u8>>>>,
    /// The TLS configuration of every connection that uses the tickets:
    /// rustls resumes a session only with the very verifier and
    /// certificate that made it.
    tls: Arc<Mutex<Option<TlsFor>>>,
}

/// A vehicle's TLS configuration, and the device key it presents.
type TlsFor = (PublicKey, Arc<quinn::crypto::rustls::QuicClientConfig>);

impl std::fmt::Debug for SessionTickets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionTickets")
            .field(
                "server",
                &format_args!(
                    "{:02x}{:02x}{:02x}{:02x}…",
                    self.server[0], self.server[1], self.server[2], self.server[3]
                ),
            )
            .finish_non_exhaustive()
    }
}

impl SessionTickets {
    /// None yet, for the server whose certificate has `fingerprint`.
    pub fn new(fingerprint: [u8; 32]) -> Self {
        SessionTickets {
            server: fingerprint,
            store: Arc::new(rustls::client::ClientSessionMemoryCache::new(TICKETS_KEPT)),
            protocol: Arc::new(Mutex::new(None)),
            tls: Arc::new(Mutex::new(None)),
        }
    }

    /// The TLS configuration the tickets were made with for `device`, or
    /// `make` it and keep it for the next connections (a new one for
    /// another device key: its sessions are not this one's).
    pub(crate) fn tls(
        &self,
        device: PublicKey,
        make: impl FnOnce() -> Result<quinn::crypto::rustls::QuicClientConfig, TransportError>,
    ) -> Result<Arc<quinn::crypto::rustls::QuicClientConfig>, TransportError> {
        let mut kept = self
            .tls
            .lock()
            .map_err(|_| TransportError::Tls("session tickets lock poisoned".into()))?;
        if let Some((made_for, tls)) = kept.as_ref() {
            if *made_for == device {
                return Ok(tls.clone());
            }
        }
        let tls = Arc::new(make()?);
        *kept = Some((device, tls.clone()));
        Ok(tls)
    }

    /// The fingerprint of the server these tickets are for.
    pub fn server(&self) -> [u8; 32] {
        self.server
    }

    pub(crate) fn store(&self) -> Arc<dyn rustls::client::ClientSessionStore> {
        self.store.clone()
    }

    /// Notes the protocol `conn` negotiated (once its handshake is done),
    /// for the data the next connection sends early.
    pub fn remember(&self, conn: &quinn::Connection) {
        if let Some(p) = crate::protocol(conn) {
            if let Ok(mut protocol) = self.protocol.lock() {
                *protocol = Some(p);
            }
        }
    }

    fn protocol(&self) -> Option<Vec<u8>> {
        self.protocol.lock().ok().and_then(|p| p.clone())
    }
}

/// What the vehicle may do on a connection: what the server's protocol
/// lets it send ahead of the answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Speaks {
    /// The first records may go with the Hello
    /// ([`kordon_proto::ALPN_RECORDS_WITH_HELLO`] or what builds on it).
    pub records_with_hello: bool,
    /// Scans may be offered with their BlobHello, and the log asked
    /// behind the records ([`kordon_proto::ALPN_HELD_OFFERS`]).
    pub held_offers: bool,
}

impl Speaks {
    pub(crate) fn protocol(p: &[u8]) -> Speaks {
        Speaks {
            records_with_hello: p == kordon_proto::ALPN_RECORDS_WITH_HELLO
                || p == kordon_proto::ALPN_HELD_OFFERS,
            held_offers: p == kordon_proto::ALPN_HELD_OFFERS,
        }
    }
}

/// A connection whose first data goes early (0-RTT), before its handshake
/// is done.
pub struct ZeroRtt {
    /// Resolves once the handshake is done: `true` if the server took the
    /// data sent early, `false` if it threw it away (every stream opened
    /// before then fails with `ZeroRttRejected`; send it again) or the
    /// handshake failed.
    pub accepted: quinn::ZeroRttAccepted,
    /// What the session resumed speaks: the server took early data only
    /// if it chose the same protocol again.
    pub speaks: Speaks,
}

impl std::fmt::Debug for ZeroRtt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZeroRtt")
            .field("speaks", &self.speaks)
            .finish_non_exhaustive()
    }
}

/// Connects to the server as [`crate::connect`] does, resuming a session
/// from `tickets` if one is held: the connection is then returned at
/// once, with its [`ZeroRtt`], and what is written on it goes with the
/// first packet. Otherwise after a full handshake, as before.
pub async fn connect_early(
    endpoint: &quinn::Endpoint,
    addr: SocketAddr,
    timeout: Duration,
    tickets: &SessionTickets,
) -> Result<(quinn::Connection, Option<ZeroRtt>), TransportError> {
    let connecting = crate::start_connecting(endpoint, addr)?;
    let speaks = tickets.protocol().map(|p| Speaks::protocol(&p));
    let connecting = match (speaks, connecting.into_0rtt()) {
        (Some(speaks), Ok((conn, accepted))) => {
            return Ok((conn, Some(ZeroRtt { accepted, speaks })))
        }
        // A ticket but no protocol noted: never sent early.
        (None, Ok((conn, accepted))) => handshake_done(conn, accepted, addr, timeout).await?,
        (_, Err(connecting)) => crate::finish_connecting(connecting, addr, timeout).await?,
    };
    tickets.remember(&connecting);
    Ok((connecting, None))
}

/// Waits, up to `timeout`, for the handshake of a connection that could
/// have sent early but did not.
async fn handshake_done(
    conn: quinn::Connection,
    accepted: quinn::ZeroRttAccepted,
    addr: SocketAddr,
    timeout: Duration,
) -> Result<quinn::Connection, TransportError> {
    match tokio::time::timeout(timeout, accepted).await {
        Ok(_) => match conn.close_reason() {
            None => Ok(conn),
            Some(e) => Err(crate::not_connected(addr, e)),
        },
        Err(_) => {
            conn.close(0u32.into(), b"handshake timed out");
            Err(crate::unreachable(addr, timeout))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        certificate_fingerprint, peer_device_key, self_signed_cert, SharedDeviceKey, SERVER_NAME,
    };
    use kordon_record::DeviceKey;

    /// What the test server saw of a connection: the device key it knew
    /// as soon as the ClientHello was read (only a resumed session names
    /// one for sure then; whether the server took data sent early, the
    /// vehicle's side tells, see `ZeroRtt::accepted`).
    type Seen = Option<String>;

    /// A server process: echoes, on each stream, what it reads, and tells
    /// what it saw of each connection once its handshake is done.
    fn server(key: &DeviceKey) -> (quinn::Endpoint, tokio::sync::mpsc::Receiver<Seen>) {
        let cert = self_signed_cert(key, SERVER_NAME).expect("certificate");
        let endpoint =
            crate::server_endpoint(([127, 0, 0, 1], 0).into(), key, cert).expect("server endpoint");
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        let accepting = endpoint.clone();
        tokio::spawn(async move {
            while let Some(incoming) = accepting.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let Ok(mut connecting) = incoming.accept() else {
                        return;
                    };
                    if connecting.handshake_data().await.is_err() {
                        return;
                    }
                    let Ok((conn, done)) = connecting.into_0rtt() else {
                        return;
                    };
                    let at_once = peer_device_key(&conn).map(|k| k.to_string());
                    let echoing = conn.clone();
                    tokio::spawn(async move {
                        while let Ok((mut send, mut recv)) = echoing.accept_bi().await {
                            let Ok(data) = recv.read_to_end(1024).await else {
                                return;
                            };
                            let _ = send.write_all(&data).await;
                            let _ = send.finish();
                        }
                    });
                    let _ = tx.send(at_once).await;
                    let _ = done.await;
                });
            }
        });
        (endpoint, rx)
    }

    async fn echo(conn: &quinn::Connection, data: &[u8]) -> Result<Vec<u8>, String> {
        let (mut send, mut recv) = conn.open_bi().await.map_err(|e| e.to_string())?;
        send.write_all(data).await.map_err(|e| e.to_string())?;
        send.finish().map_err(|e| e.to_string())?;
        recv.read_to_end(1024).await.map_err(|e| e.to_string())
    }

    fn vehicle(key: &DeviceKey, server: [u8; 32], tickets: &SessionTickets) -> quinn::Endpoint {
        let shared: SharedDeviceKey = Arc::new(Box::new(DeviceKey::from_seed(&key.seed())));
        crate::client_endpoint_resuming(shared, server, None, Some(tickets)).expect("client")
    }

    const WAIT: Duration = Duration::from_secs(10);

    #[tokio::test]
    async fn a_second_connection_sends_early_and_a_restarted_server_makes_it_send_again() {
        let server_key = DeviceKey::from_seed(&[1; 32]);
        let device = DeviceKey::from_seed(&[2; 32]);
        let fingerprint =
            certificate_fingerprint(&self_signed_cert(&server_key, SERVER_NAME).expect("cert"));
        let (endpoint, mut seen) = server(&server_key);
        let addr = endpoint.local_addr().expect("address");
        let tickets = SessionTickets::new(fingerprint);

        // The first connection: a full handshake, nothing sent early. Its
        // answer comes after the server's tickets.
        let client = vehicle(&device, fingerprint, &tickets);
        let (conn, early) = connect_early(&client, addr, WAIT, &tickets)
            .await
            .expect("first");
        assert!(early.is_none(), "nothing to resume yet");
        assert_eq!(echo(&conn, b"first").await.expect("echo"), b"first");
        seen.recv().await.expect("seen");
        conn.close(0u32.into(), b"done");

        // The second resumes: the data goes before the handshake is done
        // (the echo is asked for at once), and the server knows the device
        // from the ticket as soon as it has read the ClientHello.
        let client = vehicle(&device, fingerprint, &tickets);
        let (conn, early) = connect_early(&client, addr, WAIT, &tickets)
            .await
            .expect("second");
        let early = early.expect("a resumed session sends early");
        assert!(
            crate::protocol(&conn).is_none(),
            "connected before the server's first answer"
        );
        assert_eq!(echo(&conn, b"early").await.expect("echo"), b"early");
        assert!(early.accepted.await, "the server took the early data");
        assert_eq!(
            early.speaks,
            crate::speaks(&conn),
            "the protocol noted is the one chosen"
        );
        assert_eq!(
            seen.recv().await.expect("seen"),
            Some(device.public().to_string()),
            "the resumed session names the vehicle's key at once"
        );
        conn.close(0u32.into(), b"done");

        // The server restarts on the same key: it holds no session, so
        // what goes early is thrown away, and goes again once connected.
        endpoint.close(0u32.into(), b"restart");
        let (restarted, _seen) = server(&server_key);
        let addr = restarted.local_addr().expect("address");
        let client = vehicle(&device, fingerprint, &tickets);
        let (conn, early) = connect_early(&client, addr, WAIT, &tickets)
            .await
            .expect("third");
        let early = early.expect("the vehicle still holds a ticket");
        let lost = echo(&conn, b"early").await;
        assert!(
            lost.as_ref().is_err_and(|e| e.contains("0-RTT")),
            "early data on a restarted server: {lost:?}"
        );
        assert!(
            !early.accepted.await,
            "the restarted server refused the ticket"
        );
        assert_eq!(echo(&conn, b"again").await.expect("echo"), b"again");
        assert_eq!(peer_device_key(&conn), Some(server_key.public()));
    }
}
