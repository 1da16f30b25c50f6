//! The camera endpoint over real HTTP on loopback, and the spool on a real
//! folder: a push is answered once it is on disk and before it is parsed;
//! processing hands each push over once; bad pushes are kept with their
//! reason and never stop the ingest; credentials are checked.

use kordon_anpr::ingest::{self, Camera};
use kordon_anpr::spool::{PushMeta, Sink, Spool, State};
use kordon_anpr::CameraRead;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A sink that keeps what it was given, once per push id.
#[derive(Default)]
struct Kept(HashMap<String, Vec<CameraRead>>);

impl Sink for Kept {
    type Error = String;
    fn attach(
        &mut self,
        push: &str,
        _meta: &PushMeta,
        reads: Vec<CameraRead>,
    ) -> Result<(), String> {
        self.0.entry(push.to_string()).or_insert(reads);
        Ok(())
    }
}

fn post(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: cam\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).expect("write");
    s.write_all(body).expect("write body");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

fn hikvision_multipart(plate: &str) -> (String, Vec<u8>) {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<ipAddress>10.0.0.21</ipAddress><channelID>1</channelID><dateTime>2026-12-03T03:10:00+02:00</dateTime>
<eventType>ANPR</eventType><ANPR><country>UA</country><licensePlate>{plate}</licensePlate>
<confidenceLevel>93</confidenceLevel><plateCharBelieve>99,98,97,99,99,99,95,99</plateCharBelieve>
<direction>forward</direction></ANPR></EventNotificationAlert>"#
    );
    let jpeg = [&[0xff, 0xd8, 0xff, 0xe0][..], &[7u8; 2048], &[0xff, 0xd9]].concat();
    let mut body = vec![];
    for (name, ct, bytes) in [
        ("anpr.xml", "application/xml", xml.into_bytes()),
        ("licensePlatePicture.jpg", "image/jpeg", jpeg.clone()),
        ("detectionPicture.jpg", "image/jpeg", jpeg),
    ] {
        body.extend_from_slice(format!("--MIME_boundary\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n").as_bytes());
        body.extend_from_slice(&bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--MIME_boundary--\r\n");
    ("multipart/form-data; boundary=MIME_boundary".into(), body)
}

fn serve(spool: Spool, cameras: Vec<Camera>) -> (tokio::runtime::Runtime, SocketAddr) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (addr, _task) = rt
        .block_on(ingest::bind(
            "127.0.0.1:0".parse().expect("addr"),
            ingest::router(spool, cameras, None),
            std::future::pending::<()>(),
        ))
        .expect("bind");
    (rt, addr)
}

#[test]
fn a_push_is_answered_once_spooled_and_processed_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let spool = Spool::open(dir.path()).expect("spool");
    let (_rt, addr) = serve(spool.clone(), vec![]);

    let (ct, body) = hikvision_multipart("АА1234ВС");
    let (status, _) = post(
        addr,
        "/ISAPI/Event/notification/alertStream",
        &[("Content-Type", &ct)],
        &body,
    );
    assert_eq!(status, 200);
    // Answered before any parsing: it is waiting in the spool, whole.
    let pending = spool.pending().expect("pending");
    assert_eq!(pending.len(), 1);
    let (meta, stored) = spool.read(State::Pending, &pending[0]).expect("read");
    assert_eq!(stored, body);
    assert_eq!(meta.content_type, ct);
    assert_eq!(meta.path, "/ISAPI/Event/notification/alertStream");

    // A malformed push and an unknown one are answered too, then refused.
    assert_eq!(
        post(
            addr,
            "/anpr",
            &[("Content-Type", "application/xml")],
            b"<EventNotificationAlert><eventType>ANPR"
        )
        .0,
        200
    );
    assert_eq!(
        post(
            addr,
            "/anpr",
            &[("Content-Type", "text/plain")],
            b"hello camera"
        )
        .0,
        200
    );

    let mut sink = Kept::default();
    let done = spool.process(&mut sink).expect("process");
    assert_eq!(done.attached, 1);
    assert_eq!(done.refused.len(), 2);
    let reads = &sink.0[&pending[0]];
    assert_eq!(reads[0].text.as_deref(), Some("АА1234ВС"));
    assert_eq!(reads[0].images.len(), 2);
    for (id, reason) in &done.refused {
        assert_eq!(spool.reason(id).as_deref(), Some(reason.as_str()));
        assert!(spool.read(State::Refused, id).is_ok(), "kept as received");
    }

    // Processing again, or after a restart, hands nothing over twice.
    let again = Spool::open(dir.path())
        .expect("reopen")
        .process(&mut sink)
        .expect("process");
    assert_eq!(again, Default::default());
    assert_eq!(spool.ids(State::Done).expect("done").len(), 1);
}

#[test]
fn cameras_with_credentials_must_give_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let spool = Spool::open(dir.path()).expect("spool");
    let cams = vec!["gate-2:admin:s3cret".parse::<Camera>().expect("camera")];
    let (_rt, addr) = serve(spool.clone(), cams);
    let (ct, body) = hikvision_multipart("KA0001AA");
    let (status, reply) = post(addr, "/anpr", &[("Content-Type", &ct)], &body);
    assert_eq!(status, 401);
    assert!(
        reply.contains("WWW-Authenticate: Basic")
            || reply
                .to_ascii_lowercase()
                .contains("www-authenticate: basic")
    );
    assert!(
        spool.pending().expect("pending").is_empty(),
        "nothing spooled"
    );
    // admin:s3cret
    let (status, _) = post(
        addr,
        "/anpr",
        &[
            ("Content-Type", &ct),
            ("Authorization", "Basic YWRtaW46czNjcmV0"),
        ],
        &body,
    );
    assert_eq!(status, 200);
    let id = &spool.pending().expect("pending")[0];
    assert_eq!(
        spool
            .read(State::Pending, id)
            .expect("read")
            .0
            .camera
            .as_deref(),
        Some("gate-2")
    );
}

#[test]
fn a_half_written_push_from_a_crash_is_swept_and_a_damaged_one_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let spool = Spool::open(dir.path()).expect("spool");
    std::fs::write(
        dir.path().join("incoming").join("never-answered"),
        b"partial",
    )
    .expect("write");
    std::fs::write(
        dir.path()
            .join("pending")
            .join("0000000000001-1-00000001.push"),
        b"no header",
    )
    .expect("write");
    let spool2 = Spool::open(dir.path()).expect("reopen");
    assert_eq!(
        std::fs::read_dir(dir.path().join("incoming"))
            .expect("dir")
            .count(),
        0
    );
    let out = spool2.process(&mut Kept::default()).expect("process");
    assert_eq!(out.refused.len(), 1);
    assert!(out.refused[0].1.contains("no header"));
    drop(spool);
}

fn md5_hex(s: &str) -> String {
    use md5::Digest as _;
    md5::Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_camera_set_up_for_digest_gets_a_challenge_and_its_answer_is_taken() {
    let dir = tempfile::tempdir().expect("tmp");
    let spool = Spool::open(dir.path()).expect("spool");
    let cams = vec!["gate-4:admin:s3cret".parse::<Camera>().expect("camera")];
    let (_rt, addr) = serve(spool.clone(), cams);
    let (ct, body) = hikvision_multipart("KA0001AA");
    let (status, reply) = post(addr, "/anpr", &[("Content-Type", &ct)], &body);
    assert_eq!(status, 401);
    let nonce = reply
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("www-authenticate: digest")
        })
        .and_then(|l| l.split("nonce=\"").nth(1))
        .and_then(|r| r.split('"').next())
        .expect("a digest challenge with a nonce")
        .to_string();
    let answer = |password: &str| {
        let ha1 = md5_hex(&format!("admin:kordon-anpr:{password}"));
        let ha2 = md5_hex("POST:/anpr");
        let response = md5_hex(&format!("{ha1}:{nonce}:00000001:c0ffee:auth:{ha2}"));
        format!("Digest username=\"admin\", realm=\"kordon-anpr\", nonce=\"{nonce}\", uri=\"/anpr\", qop=auth, nc=00000001, cnonce=\"c0ffee\", response=\"{response}\"")
    };
    let (status, _) = post(
        addr,
        "/anpr",
        &[("Content-Type", &ct), ("Authorization", &answer("guess"))],
        &body,
    );
    assert_eq!(status, 401, "a wrong password");
    assert!(spool.pending().expect("pending").is_empty());
    let (status, _) = post(
        addr,
        "/anpr",
        &[("Content-Type", &ct), ("Authorization", &answer("s3cret"))],
        &body,
    );
    assert_eq!(status, 200);
    let id = &spool.pending().expect("pending")[0];
    assert_eq!(
        spool
            .read(State::Pending, id)
            .expect("read")
            .0
            .camera
            .as_deref(),
        Some("gate-4")
    );
}

#[test]
fn a_web_page_cannot_push_reads() {
    let dir = tempfile::tempdir().expect("tmp");
    let spool = Spool::open(dir.path()).expect("spool");
    let (_rt, addr) = serve(spool.clone(), vec![]);
    let forged = br#"{"plate": "AA1234BC", "camera": "gate-2"}"#;
    for headers in [
        vec![
            ("Content-Type", "text/plain"),
            ("Origin", "https://evil.example"),
        ],
        vec![
            ("Content-Type", "text/plain"),
            ("Sec-Fetch-Site", "cross-site"),
        ],
    ] {
        assert_eq!(post(addr, "/anpr", &headers, forged).0, 403);
    }
    assert!(
        spool.pending().expect("pending").is_empty(),
        "nothing spooled"
    );
    assert_eq!(
        post(
            addr,
            "/anpr",
            &[("Content-Type", "application/json")],
            forged
        )
        .0,
        200,
        "a camera's push is taken"
    );
}
