//! The scan gate against a server the test plays itself over real QUIC on
//! loopback: while the round's log is not checked, the server may be
//! offered a scan and want it, and still gets no byte of it.

use super::*;
use kordon_proto::{encode_frame, FrameDecoder, Message, MAX_FRAME, PROTOCOL_VERSION};
use kordon_record::DeviceKey;
use kordon_transport::{certificate_fingerprint, self_signed_cert, SharedDeviceKey, SERVER_NAME};
use std::sync::Arc;

/// The server's end of the blob stream: every byte that arrives is
/// counted, whole frames decoded.
struct ServerEnd {
    send: quinn::SendStream,
    recv: quinn::RecvStream,
    decoder: FrameDecoder,
    bytes: usize,
}

impl ServerEnd {
    /// The next whole frame, or `None` if none arrives within `within`.
    async fn next_within(&mut self, within: Duration) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(m) = self
                .decoder
                .next_message()
                .expect("a frame the protocol knows")
            {
                return Some(m);
            }
            let mut buf = [0u8; 64 << 10];
            match tokio::time::timeout_at(deadline, self.recv.read(&mut buf)).await {
                Err(_) => return None,
                Ok(read) => {
                    let n = read.expect("the stream reads").expect("the stream goes on");
                    self.bytes += n;
                    self.decoder.push(&buf[..n]);
                }
            }
        }
    }

    async fn expect(&mut self, what: &str) -> Message {
        self.next_within(Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("no {what} within 10 s"))
    }

    async fn say(&mut self, m: &Message) {
        self.send.write_all(&encode_frame(m)).await.expect("write");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wanted_scan_waits_for_the_log_check_before_its_first_byte() {
    gate_holds_the_bytes(false).await;
}

/// To a server that holds offers, the Offer goes right behind the
/// BlobHello, before any Welcome; the bytes still wait for the log check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_offered_with_its_hello_still_waits_for_the_log_check() {
    gate_holds_the_bytes(true).await;
}

async fn gate_holds_the_bytes(offer_with_hello: bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let blobs = BlobStore::open(&dir.path().join("blobs")).expect("blob store");
    // Less than a piece: a gate that let bytes go would send it whole at
    // once, well within the window of a fresh connection.
    let scan: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let id = blobs.put_bytes(&scan).expect("scan stored");
    let device = DeviceKey::generate();
    let store = Store::open(&dir.path().join("vehicle.sqlite"), device.public()).expect("store");

    let server_key = DeviceKey::generate();
    let cert = self_signed_cert(&server_key, SERVER_NAME).expect("certificate");
    let fingerprint = certificate_fingerprint(&cert);
    let server = kordon_transport::server_endpoint(([127, 0, 0, 1], 0).into(), &server_key, cert)
        .expect("server endpoint");
    let addr = server.local_addr().expect("address");
    // The handshake completes only once the server accepts it.
    let accepting = tokio::spawn(async move {
        let conn = server.accept().await.expect("incoming").await;
        (server, conn)
    });
    let device: SharedDeviceKey = Arc::new(Box::new(device));
    let client =
        kordon_transport::client_endpoint_on(device, fingerprint, ([127, 0, 0, 1], 0).into())
            .expect("client endpoint");
    let conn = kordon_transport::connect(&client, addr, Duration::from_secs(10))
        .await
        .expect("handshake");

    let (gate, gate_rx) = tokio::sync::watch::channel(ScanGate::Offer);
    let queue = vec![(id.0, scan.len() as u64)];
    let upload = tokio::spawn(async move {
        deliver(
            &conn,
            store,
            blobs,
            queue,
            None,
            BlobPipeline::TakingTurns,
            offer_with_hello,
            gate_rx,
        )
        .await
    });

    let (_server, accepted) = accepting.await.expect("server task");
    let accepted = accepted.expect("server side of the handshake");
    let (send, recv) = accepted.accept_bi().await.expect("the blob stream");
    let mut end = ServerEnd {
        send,
        recv,
        decoder: FrameDecoder::new(),
        bytes: 0,
    };
    end.decoder.set_limit(MAX_FRAME);
    assert!(matches!(
        end.expect("BlobHello").await,
        Message::BlobHello { .. }
    ));
    let welcome = Message::Welcome {
        version: PROTOCOL_VERSION,
        unit: "MOBILE-1".into(),
        server_time_ms: 0,
    };
    if offer_with_hello {
        let Message::Offer { blob, size } = end.expect("Offer").await else {
            panic!("the scan is offered right behind the BlobHello");
        };
        assert_eq!((blob, size), (id.0, scan.len() as u64));
        end.say(&welcome).await;
    } else {
        // Nothing follows the BlobHello before the Welcome.
        let early = end.next_within(Duration::from_millis(300)).await;
        assert!(
            early.is_none(),
            "{:?} before the Welcome",
            early.map(|m| m.name())
        );
        end.say(&welcome).await;
        let Message::Offer { blob, size } = end.expect("Offer").await else {
            panic!("the scan is offered while the log is being checked");
        };
        assert_eq!((blob, size), (id.0, scan.len() as u64));
    }
    let blob = id.0;
    // As a server does for a scan it holds nothing of: the piece values
    // first. Those may go (a hash per piece, no pixel of the scan).
    end.say(&Message::Want {
        blob,
        from: 0,
        tree: true,
    })
    .await;
    let Message::Tree { blob: b, cvs } = end.expect("the piece values").await else {
        panic!("the piece values come first");
    };
    assert_eq!((b, cvs.len()), (id.0, 1));
    let after_tree = end.bytes;

    // The server wants the scan, but the log is not checked yet: nothing
    // more arrives, not one byte of a frame.
    let early = end.next_within(Duration::from_millis(800)).await;
    assert!(
        early.is_none(),
        "{} sent before the log check",
        early.as_ref().map_or("", Message::name)
    );
    assert_eq!(end.bytes, after_tree, "bytes sent before the log check");

    // The log checked: the scan goes, from its first byte.
    gate.send(ScanGate::Send).expect("the upload still runs");
    match end.expect("the first piece").await {
        Message::Piece {
            blob: b,
            offset,
            data,
        } => {
            assert_eq!((b, offset), (id.0, 0));
            assert!(data == scan, "the piece is the scan, whole");
        }
        other => panic!("expected the scan's piece, got {}", other.name()),
    }
    upload.abort();
}
