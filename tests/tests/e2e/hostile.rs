//! Hostile peers at the sync endpoint, against the real server: a flood of
//! callers that never authenticate, and an enrolled device that trickles a
//! message, holds too much at once or piles up connections. Each is cut off
//! with a reason, counted, and logged a few lines at a time, while a
//! vehicle on another address syncs as usual.
//!
//! The attacker is a QUIC client of the test's own on 127.0.0.2 (loopback
//! too, but an address of its own); the vehicle is the real `kordon`.

use super::metrics::{get, scrape};
use kordon_e2e::{kordon_json, kordon_ok, Field};
use kordon_proto::{encode_frame, FrameDecoder, Message, PROTOCOL_VERSION};
use kordon_record::DeviceKey;
use kordon_test_support::wait_for;
use kordon_transport::{quinn, EnrollmentToken};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A token for `unit`, decoded: the server's fingerprint and a secret.
fn token(field: &Field, unit: &str) -> EnrollmentToken {
    EnrollmentToken::decode(field.server_ok(&["enroll", "--name", unit]).trim()).expect("token")
}

/// A key the TLS layer signs through.
fn shared(key: &DeviceKey) -> kordon_transport::SharedDeviceKey {
    std::sync::Arc::new(Box::new(DeviceKey::from_seed(&key.seed())))
}

/// The attacker's endpoint, on an address other than the vehicle's.
fn attacker(key: &DeviceKey, t: &EnrollmentToken) -> quinn::Endpoint {
    let bind: SocketAddr = ([127, 0, 0, 2], 0).into();
    kordon_transport::client_endpoint_on(shared(key), t.fingerprint().expect("fingerprint"), bind)
        .expect("attacker endpoint")
}

/// How the server closed `conn` within `within`: its code and reason.
async fn closed_by_server(conn: &quinn::Connection, within: Duration) -> Option<(u64, String)> {
    match tokio::time::timeout(within, conn.closed()).await {
        Ok(quinn::ConnectionError::ApplicationClosed(c)) => Some((
            c.error_code.into_inner(),
            String::from_utf8_lossy(&c.reason).into_owned(),
        )),
        Ok(other) => Some((u64::MAX, other.to_string())),
        Err(_) => None,
    }
}

/// Opens a session stream and says Hello; returns the stream once the
/// server welcomed it.
async fn welcomed(
    conn: &quinn::Connection,
    secret: Option<Vec<u8>>,
) -> (quinn::SendStream, quinn::RecvStream) {
    let (mut send, mut recv) = conn.open_bi().await.expect("a stream");
    let hello = Message::Hello {
        version: PROTOCOL_VERSION,
        enroll_secret: secret,
        down_cursor: 0,
        client_time_ms: kordon_central::now_ms(),
    };
    send.write_all(&encode_frame(&hello)).await.expect("hello");
    let mut decoder = FrameDecoder::new();
    let mut buf = vec![0; 4096];
    loop {
        let n = recv
            .read(&mut buf)
            .await
            .expect("the server answers")
            .expect("an answer before the stream ends");
        decoder.push(&buf[..n]);
        if let Some(m) = decoder.next_message().expect("a frame") {
            assert!(matches!(m, Message::Welcome { .. }), "welcomed: {m:?}");
            return (send, recv);
        }
    }
}

/// The start of a frame announced at 4 MiB, with `body` bytes of it.
fn frame_start(body: usize) -> Vec<u8> {
    let mut bytes = (4u32 << 20).to_be_bytes().to_vec();
    bytes.resize(4 + body, 7);
    bytes
}

/// Lines of the server's log about connections turned away for `reason`.
fn turned_away_lines(log: &str, reason: &str) -> usize {
    log.lines()
        .filter(|l| l.contains("connection turned away") && l.contains(reason))
        .count()
}

#[test]
fn callers_that_never_authenticate_are_bounded_and_cut_off_while_a_vehicle_syncs() {
    let field = Field::new();
    let vehicle = field.enrolled_vehicle("vehicle", "NORTH", "OF-1");
    for n in 0..20 {
        kordon_ok(
            &vehicle,
            &["inspection", "new", "--plate", &format!("АА{n:04}ВС")],
        );
    }
    let server = field.start_server_with(&[
        "--auth-timeout-secs",
        "2",
        "--max-pending-per-address",
        "16",
        // This test is about callers that wait; the rate of new
        // connections per address has its own test in the door.
        "--new-per-address-burst",
        "1000",
        "--metrics",
        "127.0.0.1:0",
    ]);
    let t = token(&field, "NORTH");
    let addr: SocketAddr = field.addr.parse().expect("address");
    let rt = runtime();
    let _in_runtime = rt.enter();
    // An unenrolled key: TLS proves it, nothing more.
    let ep = attacker(&DeviceKey::generate(), &t);

    // 100 callers at once from one address: 16 are let in, the rest are
    // refused before any handshake.
    let flood_began = Instant::now();
    let (held, refused_at_once) = rt.block_on(async {
        let mut tries = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let ep = ep.clone();
            tries.spawn(async move {
                let at = Instant::now();
                kordon_transport::connect(&ep, addr, Duration::from_secs(5))
                    .await
                    .map(|c| (c, at))
            });
        }
        let (mut held, mut refused) = (vec![], 0);
        while let Some(done) = tries.join_next().await {
            match done.expect("task") {
                Ok(c) => held.push(c),
                Err(_) => refused += 1,
            }
        }
        (held, refused)
    });
    assert_eq!(
        held.len(),
        16,
        "the address's share of callers waiting to authenticate"
    );
    assert_eq!(refused_at_once, 84);

    // The flood goes on while the vehicle syncs; the vehicle comes from
    // another address and is not held back.
    let flooding = Arc::new(AtomicBool::new(true));
    let tries = Arc::new(AtomicU64::new(0));
    let flood = {
        let (ep, flooding, tries) = (ep.clone(), flooding.clone(), tries.clone());
        rt.spawn(async move {
            while flooding.load(Ordering::Relaxed) {
                let ep = ep.clone();
                tokio::spawn(async move {
                    let _ = kordon_transport::connect(&ep, addr, Duration::from_secs(2)).await;
                });
                tries.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    wait_for("the flood to run", Duration::from_secs(10), || {
        (tries.load(Ordering::Relaxed) >= 20).then_some(())
    });
    let synced = kordon_json(&vehicle, &["sync", "--json"]);
    let during = tries.load(Ordering::Relaxed);
    assert_eq!(
        kordon_json(&vehicle, &["status", "--json"])["pending"],
        0,
        "every record acknowledged during the flood: {synced}"
    );
    flooding.store(false, Ordering::Relaxed);
    rt.block_on(flood).expect("flood");
    assert!(during > 20, "the flood went on during the sync");

    // Every caller let in was cut off once its time to authenticate ran out.
    rt.block_on(async {
        for (conn, at) in &held {
            let closed = closed_by_server(conn, Duration::from_secs(8)).await;
            let (code, reason) =
                closed.expect("the server closes a caller that never authenticates");
            assert_eq!(code, 2, "{reason}");
            assert!(reason.contains("no accepted Hello within 2 s"), "{reason}");
            let took = at.elapsed();
            assert!(
                took >= Duration::from_millis(1900),
                "not before its time: {took:?}"
            );
        }
    });

    // Counted one by one; logged a few lines at a time.
    let m = scrape(&server.metrics_addr(), None);
    let counted = get(
        &m,
        r#"kordon_connections_refused_total{reason="address_pending"}"#,
    );
    assert!(counted >= 84.0, "refusals counted: {counted}");
    let timed_out = get(
        &m,
        r#"kordon_connections_refused_total{reason="auth_timeout"}"#,
    );
    assert!(timed_out >= 16.0, "callers cut off: {timed_out}");
    let log = server.log();
    let lines = turned_away_lines(&log, "address_pending");
    // Five lines a kind every 10 s, over the windows the flood spanned.
    let windows = flood_began.elapsed().as_secs() as usize / 10 + 2;
    assert!(
        (1..=5 * windows).contains(&lines),
        "{counted} refusals logged in {lines} lines (5 a kind every 10 s, {windows} windows)"
    );
}

#[test]
fn an_enrolled_device_that_trickles_hoards_or_piles_up_connections_is_cut_off() {
    let field = Field::new();
    let server = field.start_server_with(&[
        "--message-grace-secs",
        "1",
        "--min-message-rate",
        "1000",
        "--partial-budget-mib",
        "1",
        "--max-per-device",
        "2",
    ]);
    let t = token(&field, "EAST");
    let addr: SocketAddr = field.addr.parse().expect("address");
    let key = DeviceKey::generate();
    let rt = runtime();
    let _in_runtime = rt.enter();
    let ep = attacker(&key, &t);
    let connect = || kordon_transport::connect(&ep, addr, Duration::from_secs(5));
    rt.block_on(async {
        // Enrolled through the token: from here on a device of unit EAST.
        let slow = connect().await.expect("connected");
        // Datagrams (the stall probe's byte) are taken, up to a kilobyte
        // held per connection: quinn's default let a peer park 1.25 MB.
        let most = slow.max_datagram_size().expect("datagrams are taken");
        assert!(most < 1024, "a peer may send datagrams of {most} bytes");
        let (mut send, _recv) = welcomed(&slow, Some(t.secret_bytes().expect("secret"))).await;

        // A frame announced at 4 MiB, then a byte every 100 ms.
        let started = Instant::now();
        send.write_all(&frame_start(10)).await.expect("frame start");
        let trickle = tokio::spawn(async move {
            while send.write_all(&[1]).await.is_ok() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        let (code, reason) = closed_by_server(&slow, Duration::from_secs(8))
            .await
            .expect("a trickled message is cut off");
        let took = started.elapsed();
        trickle.abort();
        assert_eq!(code, 2, "{reason}");
        assert!(
            reason.contains("slower than 1000 bytes a second"),
            "{reason}"
        );
        assert!(
            took >= Duration::from_millis(900),
            "the grace is kept: {took:?}"
        );

        // Two messages in progress at once that together pass the budget
        // of 1 MiB: the connection is closed, and its bytes given back.
        let hoard = connect().await.expect("connected");
        let (mut a, _ra) = welcomed(&hoard, None).await;
        let (mut b, _rb) = welcomed(&hoard, None).await;
        a.write_all(&frame_start(600 << 10)).await.expect("first");
        let _ = b.write_all(&frame_start(600 << 10)).await;
        let (code, reason) = closed_by_server(&hoard, Duration::from_secs(5))
            .await
            .expect("hoarding is cut off");
        assert_eq!(code, 0x14, "{reason}");
        assert!(reason.contains("unfinished messages"), "{reason}");

        // With the budget given back, a message of 900 KiB is taken.
        let again = connect().await.expect("connected");
        let (mut c, _rc) = welcomed(&again, None).await;
        c.write_all(&frame_start(900 << 10))
            .await
            .expect("within the budget");
        assert!(
            closed_by_server(&again, Duration::from_millis(500))
                .await
                .is_none(),
            "900 KiB in progress is within the budget"
        );
        drop(c);
        again.close(0u32.into(), b"done");

        // A third connection of the device replaces its oldest.
        let mut conns = vec![];
        for _ in 0..3 {
            let conn = connect().await.expect("connected");
            let streams = welcomed(&conn, None).await;
            conns.push((conn, streams));
        }
        let (code, reason) = closed_by_server(&conns[0].0, Duration::from_secs(5))
            .await
            .expect("the oldest connection is closed");
        assert_eq!(code, 0x14, "{reason}");
        assert!(
            reason.contains("replaced by a newer connection"),
            "{reason}"
        );
        for (conn, _) in &conns[1..] {
            assert!(conn.close_reason().is_none(), "the newest two stay open");
        }
    });
    // The server logs a turned-away connection after closing it: wait for
    // each line, within a deadline, rather than read the log at once.
    for reason in ["too_slow", "server_busy", "replaced"] {
        wait_for(&format!("{reason} logged"), Duration::from_secs(10), || {
            (turned_away_lines(&server.log(), reason) >= 1).then_some(())
        });
    }
}
