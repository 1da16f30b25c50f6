//! Scans end to end: import (and refusing bad files), the watch folder,
//! and blob delivery over bad links, through kills and restarts.

use super::*;
use kordon_test_support::link::LinkConfig;
use kordon_test_support::run;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// One piece: the unit of verification and of resumption.
const PIECE: u64 = 1 << 20;

/// A synthetic single-energy scan file of `width` × `height` 16-bit
/// pixels (2 bytes each plus a small header).
pub(crate) fn synth(dir: &Path, name: &str, width: u32, height: u32, seed: u64) -> PathBuf {
    let out = dir.join("scans-in");
    kordon_ok(
        dir,
        &[
            "scan",
            "synth",
            "--out",
            out.to_str().expect("utf-8"),
            "--name",
            name,
            "--width",
            &width.to_string(),
            "--height",
            &height.to_string(),
            "--seed",
            &seed.to_string(),
            "--single",
        ],
    );
    out.join(format!("{name}.tif"))
}

pub(crate) fn new_inspection(v: &Path, plate: &str) -> String {
    kordon_ok(v, &["inspection", "new", "--plate", plate])
        .trim()
        .to_string()
}

pub(crate) fn add_scan(v: &Path, id: &str, file: &Path) -> serde_json::Value {
    kordon_json(
        v,
        &["scan", "add", id, file.to_str().expect("utf-8"), "--json"],
    )
}

pub(crate) fn scan_blob(added: &serde_json::Value) -> String {
    added["scan"]["images"][0]["blob"]
        .as_str()
        .expect("blob")
        .to_string()
}

/// `kordon watch FOLDER ARGS…` on vehicle `v`, left running.
fn spawn_watch(v: &Path, folder: &Path, args: &[&str]) -> std::process::Child {
    Command::new(bin("kordon"))
        .arg("--data")
        .arg(v)
        .arg("watch")
        .arg(folder)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn watch")
}

/// Bytes the server holds verified for a blob still arriving.
fn server_partial(field: &Field, blob: &str) -> u64 {
    std::fs::metadata(
        field
            .server_dir
            .join("blobs/partial")
            .join(format!("{blob}.part")),
    )
    .map(|m| m.len())
    .unwrap_or(0)
}

fn server_blob(field: &Field, blob: &str) -> PathBuf {
    field.server_dir.join("blobs").join(&blob[..2]).join(blob)
}

/// The server's register entry for a blob: (size, bytes received).
pub(crate) fn server_received(field: &Field, blob: &str) -> (u64, u64) {
    let all = field.server_json(&["blobs", "--json"]);
    let b = all
        .as_array()
        .and_then(|a| a.iter().find(|b| b["blob"] == blob))
        .unwrap_or_else(|| panic!("server does not list blob {blob}: {all}"));
    (
        b["size"].as_u64().expect("size"),
        b["received"].as_u64().expect("received"),
    )
}

pub(crate) fn spawn_sync(v: &Path, extra: &[&str]) -> std::process::Child {
    Command::new(bin("kordon"))
        .arg("--data")
        .arg(v)
        .args(["sync", "--json"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sync")
}

fn finish(mut child: std::process::Child, within: Duration) -> (Option<i32>, String) {
    finish_with(&mut child, within)
}

fn same_file(a: &Path, b: &Path) -> bool {
    std::fs::read(a).expect("read a") == std::fs::read(b).expect("read b")
}

#[test]
fn corrupt_or_truncated_scans_are_refused_and_leave_nothing_behind() {
    let field = Field::new();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-3", "OF-3");
    let id = new_inspection(&v, "AA1234BB");
    let good = synth(&v, "good", 600, 200, 3);
    let bytes = std::fs::read(&good).expect("read");
    let pending_before = kordon_json(&v, &["status", "--json"])["pending"].clone();

    let truncated = v.join("truncated.tif");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let mut damaged = bytes.clone();
    damaged[..4].copy_from_slice(b"GIF8");
    let not_an_image = v.join("damaged.tif");
    std::fs::write(&not_an_image, &damaged).expect("write");
    for (file, says) in [
        (&truncated, "truncated"),
        (&not_an_image, "not a scan image"),
    ] {
        let o = kordon(&v, &["scan", "add", &id, file.to_str().expect("utf-8")]);
        assert_eq!(o.status.code(), Some(4), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(says) && err.contains("nothing was imported"),
            "{err}"
        );
    }
    let blobs = std::fs::read_dir(v.join("blobs"))
        .map(|d| d.flatten().filter(|e| e.file_name() != "tmp").count())
        .unwrap_or(0);
    assert_eq!(blobs, 0, "no blob may be left by a refused import");
    let st = kordon_json(&v, &["status", "--json"]);
    assert_eq!(
        st["pending"], pending_before,
        "no record for a refused import"
    );
    assert_eq!(st["blobs"]["pending"], 0);

    // The good file imports, renders, and is refused a second time.
    let added = add_scan(&v, &id, &good);
    let scan = added["scan"]["id"].as_str().expect("id").to_string();
    let tile = v.join("tile.png");
    kordon_ok(
        &v,
        &[
            "scan",
            "render",
            &scan[..10],
            "--level",
            "10",
            "--x",
            "0",
            "--y",
            "0",
            "--out",
            tile.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(&std::fs::read(&tile).expect("png")[..4], b"\x89PNG");
    // Found by its hash before any decoding: with a pixel limit the file
    // would not pass, the answer is still that it is attached.
    let again = run(Command::new(bin("kordon"))
        .arg("--data")
        .arg(&v)
        .args(["scan", "add", &id, good.to_str().expect("utf-8")])
        .env("KORDON_MAX_SCAN_PIXELS", "1"));
    assert_eq!(again.status.code(), Some(4), "{}", text(&again));
    assert!(
        text(&again).contains("already attached"),
        "{}",
        text(&again)
    );
}

/// CRC-32 (IEEE), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The start of a PNG that claims `width` × `height` grey pixels: what a
/// decompression bomb shows a decoder before its pixels.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    // A zlib stream of a few rows of zeros (stored, uncompressed).
    chunk(
        b"IDAT",
        &[0x78, 0x01, 0x01, 0x04, 0x00, 0xFB, 0xFF, 0, 0, 0, 0],
    );
    chunk(b"IEND", &[]);
    out
}

#[test]
fn an_image_claiming_billions_of_pixels_is_refused_from_its_header() {
    let field = Field::new();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-3", "OF-3");
    let id = new_inspection(&v, "AA1234BB");
    let bomb = v.join("bomb.png");
    std::fs::write(&bomb, png_claiming(46_000, 46_000)).expect("write");
    let o = kordon(&v, &["scan", "add", &id, bomb.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("46000×46000")
            && err.contains("at most 134217728 pixels")
            && err.contains("KORDON_MAX_SCAN_PIXELS")
            && err.contains("nothing was imported"),
        "{err}"
    );
    assert!(
        !v.join("blobs").exists()
            || std::fs::read_dir(v.join("blobs"))
                .expect("blobs")
                .flatten()
                .all(|e| e.file_name() == "tmp"),
        "nothing stored"
    );
    // A limit that is not a number is said so, not taken as the default.
    let o = run(Command::new(bin("kordon"))
        .arg("--data")
        .arg(&v)
        .args(["scan", "add", &id, bomb.to_str().expect("utf-8")])
        .env("KORDON_MAX_SCAN_PIXELS", "not a number"));
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("KORDON_MAX_SCAN_PIXELS=\"not a number\" is not a number of pixels"),
        "{}",
        text(&o)
    );
}

#[test]
fn the_watch_folder_imports_each_file_once_even_after_a_restart() {
    let field = Field::new();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-5", "OF-5");
    let id = new_inspection(&v, "BC7777AX");
    let folder = v.join("scanner-drop");
    std::fs::create_dir_all(&folder).expect("mkdir");
    let src = synth(&v, "truck", 800, 300, 5);
    let bytes = std::fs::read(&src).expect("read");

    // The scanner writes half the file, pauses, then finishes it.
    let dropped = folder.join("TRK_0001.tif");
    std::fs::write(&dropped, &bytes[..bytes.len() / 2]).expect("write");
    let mut watch = spawn_watch(&v, &folder, &["--settle", "1", "--poll", "0.2"]);
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(&dropped, &bytes).expect("finish writing");
    let scans = || {
        kordon_json(&v, &["scan", "list", &id, "--json"])
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
    };
    wait_for(
        "the watch folder to import the scan",
        Duration::from_secs(30),
        || (scans() == 1).then_some(()),
    );
    let _ = watch.kill();
    let _ = watch.wait();

    // After a restart the same file is not imported again.
    let o = kordon(
        &v,
        &[
            "watch",
            folder.to_str().expect("utf-8"),
            "--settle",
            "0.5",
            "--once",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("imported"), "{}", text(&o));
    assert_eq!(scans(), 1, "imported exactly once");
    let view = kordon_json(&v, &["inspection", "show", &id]);
    assert_eq!(
        view["scans"][0]["images"][0]["size"].as_u64(),
        Some(bytes.len() as u64),
        "the whole file, not the half written first"
    );
}

#[test]
fn a_200_mb_scan_crosses_a_lossy_link_and_a_10_second_outage_intact() {
    let field = Field::new();
    let _server = field.start_server();
    let radio = LinkConfig {
        loss: 0.05,
        delay: Duration::from_millis(10),
        ..Default::default()
    };
    let link = field.link(radio, 11);
    let v = field.enrolled_vehicle_via("vehicle", "MOBILE-11", "OF-11", &link.addr().to_string());
    let id = new_inspection(&v, "AI0011KK");
    // 10,000 × 10,000 16-bit pixels: 200 MB.
    let file = synth(&v, "big", 10_000, 10_000, 11);
    let blob = scan_blob(&add_scan(&v, &id, &file));

    let child = spawn_sync(&v, &["--retry-for", "400"]);
    wait_for(
        "a third of the scan to arrive",
        Duration::from_secs(300),
        || (server_partial(&field, &blob) >= 70 << 20).then_some(()),
    );
    link.set_cut(true);
    wait_for("traffic to hit the cut", Duration::from_secs(10), || {
        (link.up_stats().cut_drops.load(Ordering::Relaxed) > 0).then_some(())
    });
    std::thread::sleep(Duration::from_secs(10));
    link.set_cut(false);
    let (code, err) = finish(child, Duration::from_secs(400));
    assert_eq!(code, Some(0), "sync did not complete: {err}");

    assert!(
        same_file(&file, &server_blob(&field, &blob)),
        "byte-identical copy"
    );
    let (size, received) = server_received(&field, &blob);
    assert!(size > 200_000_000);
    assert!(
        received - size <= PIECE,
        "re-sent {} bytes across one outage, more than one piece",
        received - size
    );
    assert!(
        link.up_stats().lost.load(Ordering::Relaxed) > 0,
        "the link lost packets"
    );
    let st = kordon_json(&v, &["status", "--json"]);
    assert_eq!(st["blobs"]["pending"], 0, "{st}");
    assert_eq!(st["blobs"]["bytes_pending"], 0, "{st}");
}

/// Once enrolled, a sync opens the scans' stream beside its records round
/// instead of after it; a scan is still offered only once the server holds
/// the inspection that references it (the server declines scans of
/// inspections it does not know), so a new inspection and its scan go in
/// one sync.
#[test]
fn a_new_inspection_and_its_scan_go_in_one_sync_once_enrolled() {
    let field = Field::new();
    let _server = field.start_server();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-13", "OF-13");
    kordon_ok(&v, &["sync"]);
    for n in 0..3u64 {
        let id = new_inspection(&v, &format!("AI00{n}3KK"));
        let file = synth(&v, &format!("scan-{n}"), 1_200, 1_000, 13 + n);
        let blob = scan_blob(&add_scan(&v, &id, &file));
        let report = kordon_json(&v, &["sync", "--json"]);
        assert_eq!(
            report["blobs"]["declined"],
            serde_json::json!([]),
            "{report}"
        );
        assert_eq!(report["blobs"]["delivered"], 1, "{report}");
        assert_eq!(report["acknowledged"], report["sent"], "{report}");
        assert_eq!(report["complete"], true, "{report}");
        assert!(
            same_file(&file, &server_blob(&field, &blob)),
            "byte-identical copy"
        );
    }
}

#[test]
fn a_transfer_resumes_after_the_vehicle_is_killed_and_the_server_restarted() {
    let field = Field::new();
    let mut server = field.start_server();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-12", "OF-12");
    let id = new_inspection(&v, "AI0012KK");
    let file = synth(&v, "mid", 6_000, 6_000, 12); // 72 MB
    let blob = scan_blob(&add_scan(&v, &id, &file));
    // 64 Mbit/s: about ten seconds for the whole scan.
    let cap = ["--max-rate", "64mbit", "--retry-for", "120"];

    let mut first = spawn_sync(&v, &cap);
    wait_for(
        "part of the scan to arrive",
        Duration::from_secs(60),
        || (server_partial(&field, &blob) >= 12 << 20).then_some(()),
    );
    first.kill().expect("SIGKILL the vehicle");
    let _ = first.wait();
    let st = kordon_json(&v, &["status", "--json"]);
    let done = st["blobs"]["bytes_done"].as_u64().expect("bytes_done");
    assert!(done >= 8 << 20, "progress is kept across the kill: {st}");
    let at_kill = server_partial(&field, &blob);

    let second = spawn_sync(&v, &cap);
    wait_for(
        "the transfer to go on from where it was",
        Duration::from_secs(60),
        || (server_partial(&field, &blob) >= at_kill + (16 << 20)).then_some(()),
    );
    server.kill();
    let _server = field.start_server();
    let (code, err) = finish(second, Duration::from_secs(120));
    assert_eq!(code, Some(0), "sync did not complete: {err}");
    // Told by the restarted server (a stateless reset under the same key),
    // not left to wait out the idle timeout.
    assert!(
        err.contains("it restarted") && !err.contains("timed out"),
        "the vehicle did not learn of the restart from the server: {err}"
    );

    assert!(
        same_file(&file, &server_blob(&field, &blob)),
        "byte-identical copy"
    );
    let (size, received) = server_received(&field, &blob);
    assert!(
        received - size <= 2 * PIECE,
        "two interruptions re-sent {} bytes: the transfer restarted instead of resuming",
        received - size
    );
}

#[test]
fn new_records_overtake_2_gb_of_queued_scans() {
    let field = Field::new();
    let _server = field.start_server();
    // 10 Mbit/s with 100 ms round trips.
    let radio = LinkConfig {
        delay: Duration::from_millis(50),
        rate_bps: Some(10_000_000),
        queue_bytes: 64 * 1024,
        ..Default::default()
    };
    let link = field.link(radio, 13);
    let v = field.enrolled_vehicle_via("vehicle", "MOBILE-13", "OF-13", &link.addr().to_string());
    let id = new_inspection(&v, "AI0013KK");
    // Eight different 256 MiB scans: the first is generated, the others
    // are copies with one pixel changed (so each is a blob of its own).
    let first = synth(&v, "q0", 16_384, 8_192, 13);
    let bytes = std::fs::read(&first).expect("read");
    for n in 0..8u8 {
        let mut b = bytes.clone();
        let at = b.len() - 2;
        b[at] ^= n;
        let f = v.join(format!("q{n}.tif"));
        std::fs::write(&f, &b).expect("write");
        add_scan(&v, &id, &f);
        std::fs::remove_file(&f).expect("rm");
    }
    let st = kordon_json(&v, &["status", "--json"]);
    assert!(
        st["blobs"]["bytes_pending"].as_u64().expect("bytes") >= 2 << 30,
        "{st}"
    );

    let sync = spawn_sync(&v, &["--retry-for", "60"]);
    wait_for("blobs to be on the way", Duration::from_secs(60), || {
        let moving = std::fs::read_dir(field.server_dir.join("blobs/partial"))
            .map(|d| {
                d.flatten()
                    .any(|e| e.metadata().map(|m| m.len()).unwrap_or(0) >= PIECE)
            })
            .unwrap_or(false);
        moving.then_some(())
    });
    let started = std::time::Instant::now();
    kordon_ok(
        &v,
        &[
            "decide",
            &id,
            "--outcome",
            "physical_inspection",
            "--reason",
            "DENSITY_ANOMALY",
        ],
    );
    wait_for(
        "the decision to reach the server",
        Duration::from_secs(10),
        || {
            let rows = field.server_json(&["inspections", "--json"]);
            let decided = rows
                .as_array()
                .and_then(|r| r.first())
                .map(|r| r["decisions"][0]["outcome"] == "physical_inspection")
                .unwrap_or(false);
            decided.then_some(())
        },
    );
    let took = started.elapsed();
    wait_for(
        "the vehicle to hold the receipt",
        Duration::from_secs(10),
        || (kordon_json(&v, &["status", "--json"])["pending"] == 0).then_some(()),
    );
    let mut sync = sync;
    let _ = sync.kill();
    let _ = sync.wait();
    assert!(
        took < Duration::from_secs(5),
        "the decision took {took:?} to overtake the scans"
    );
    let st = kordon_json(&v, &["status", "--json"]);
    assert_eq!(st["pending"], 0, "the decision is acknowledged: {st}");
    assert!(
        st["blobs"]["pending"].as_u64().expect("pending") >= 7,
        "most scans still queued: {st}"
    );
}

#[test]
fn a_transfer_carries_on_when_the_vehicle_changes_address() {
    let field = Field::new();
    let _server = field.start_server();
    let link = field.link(
        LinkConfig {
            delay: Duration::from_millis(10),
            ..Default::default()
        },
        14,
    );
    let v = field.enrolled_vehicle_via("vehicle", "MOBILE-14", "OF-14", &link.addr().to_string());
    let id = new_inspection(&v, "AI0014KK");
    let file = synth(&v, "moving", 5_000, 5_000, 14); // 50 MB
    let blob = scan_blob(&add_scan(&v, &id, &file));

    let child = spawn_sync(&v, &["--max-rate", "64mbit", "--retry-for", "120"]);
    wait_for(
        "part of the scan to arrive",
        Duration::from_secs(60),
        || (server_partial(&field, &blob) >= 8 << 20).then_some(()),
    );
    let paths = link.paths_opened();
    link.rebind();
    let (code, err) = finish(child, Duration::from_secs(120));
    assert_eq!(code, Some(0), "sync did not complete: {err}");
    assert!(
        link.paths_opened() > paths,
        "the vehicle's address really changed"
    );
    assert!(
        same_file(&file, &server_blob(&field, &blob)),
        "byte-identical copy"
    );
    let (size, received) = server_received(&field, &blob);
    assert!(
        received - size <= PIECE,
        "the address change re-sent {} bytes",
        received - size
    );
}

/// Scans kept in S3-compatible object storage (a real SeaweedFS): the
/// server is killed while a scan is arriving; restarted, it takes the
/// transfer up where the last acknowledged piece ended (nothing the
/// vehicle was told is kept is sent again), the console shows the scan's
/// tiles built from the object store, and `check` hashes every object
/// again. The data folder holds no scan file.
#[test]
fn a_scan_in_object_storage_survives_the_server_killed_mid_transfer() {
    use super::console::{add_accounts, call, first_scan_ready, login, PASSWORD};
    use kordon_test_support::object_storage::ObjectStorage;
    use serde_json::Value;

    let storage = ObjectStorage::start("kordon-scans");
    let field = Field::with_object_storage(&storage, "centre");
    add_accounts(&field);
    let mut server = field.start_server();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-15", "OF-15");
    let id = new_inspection(&v, "AI0015KK");
    let file = synth(&v, "s3", 6_000, 6_000, 15); // 72 MB
    let size = std::fs::metadata(&file).expect("scan").len();
    let blob = scan_blob(&add_scan(&v, &id, &file));
    let sync = spawn_sync(&v, &["--max-rate", "64mbit", "--retry-for", "120"]);
    let acked = wait_for(
        "part of the scan to be kept in the object storage",
        Duration::from_secs(60),
        || {
            let done = kordon_json(&v, &["status", "--json"])["blobs"]["bytes_done"].as_u64()?;
            (done >= 16 << 20).then_some(done)
        },
    );
    server.kill();
    let at_kill = kordon_json(&v, &["status", "--json"])["blobs"]["bytes_done"]
        .as_u64()
        .expect("bytes_done");
    assert!(
        at_kill < size,
        "the server was killed mid-scan ({at_kill} of {size} bytes acknowledged)"
    );
    let acked = acked.max(at_kill);
    let server = field.start_server();

    let mut sync = sync;
    let (code, err) = finish_with(&mut sync, Duration::from_secs(120));
    assert_eq!(code, Some(0), "sync did not complete: {err}");
    let mut out = String::new();
    if let Some(mut o) = sync.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut o, &mut out);
    }
    // Every pass that reported (the one cut by the kill did not): what
    // was sent once the server was back.
    let reports: Vec<Value> = serde_json::Deserializer::from_str(&out)
        .into_iter::<Value>()
        .map_while(Result::ok)
        .collect();
    assert!(!reports.is_empty(), "no sync report: {out} {err}");
    let resent: u64 = reports
        .iter()
        .map(|r| r["blobs"]["bytes_sent"].as_u64().expect("bytes_sent"))
        .sum();
    eprintln!(
        "acknowledged before the kill: {acked} of {size} bytes; sent after the restart: {resent}"
    );
    assert!(
        resent <= size - acked,
        "after the restart the vehicle sent {resent} bytes, more than the {} not yet acknowledged",
        size - acked
    );
    let (stored, _) = server_received(&field, &blob);
    assert_eq!(stored, size);
    assert!(
        !server_blob(&field, &blob).exists(),
        "the scan is in the object storage, not the data folder"
    );

    let addr = server.http_addr();
    let sup = login(&addr, "sup.kovalenko", PASSWORD);
    let scan = first_scan_ready(&addr, &sup, &id, Duration::from_secs(90));
    let tile = call(
        &addr,
        &sup,
        "GET",
        &format!("/api/scans/{scan}/tiles/0/0/0"),
        &Value::Null,
    );
    assert_eq!(tile.status, 200, "{}", String::from_utf8_lossy(&tile.body));
    assert!(
        tile.headers
            .to_ascii_lowercase()
            .contains("content-type: image/")
            && !tile.body.is_empty(),
        "a tile image: {}",
        tile.headers
    );

    let check = field.server_json(&["check", "--json"]);
    assert_eq!(check["blobs"], 1, "check hashed the scan again: {check}");
    assert_eq!(check["blob_bytes"], size, "{check}");
    assert_eq!(check["partial_blobs"], 0, "no upload left behind: {check}");

    // The backup leaves the scans where they are and says so.
    let out = field.root.path().join("backup");
    let backup = field.server_json(&["backup", "--out", out.to_str().expect("utf-8"), "--json"]);
    assert_eq!(backup["scans_kept_at"], storage.url("centre"), "{backup}");
    assert_eq!(backup["blobs_copied"], 0, "{backup}");
    // The folder's scans cannot be moved out of sight by a typo.
    let moved = field.server(&["run", "--blobs", &storage.url("elsewhere")]);
    assert!(
        !moved.status.success()
            && text(&moved).contains("keeps its scans at s3://kordon-scans/centre"),
        "{}",
        text(&moved)
    );
}

/// As [`finish`], leaving the child's stdout to read.
pub(crate) fn finish_with(
    child: &mut std::process::Child,
    within: Duration,
) -> (Option<i32>, String) {
    let status = wait_for("the sync to finish", within, || {
        child.try_wait().ok().flatten()
    });
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    (status.code(), err)
}

/// Scanners that export DICONDE, or raw samples with an ENVI header: their
/// files, dropped in the watch folder, are imported as `diconde` and `raw`
/// (a raw file only once its header is there), cross to the server byte
/// for byte, and the console shows the very tiles and statistics the same
/// scan gives as a TIFF (so every pixel was read the same way).
#[test]
fn diconde_and_raw_scans_from_the_watch_folder_reach_the_console_as_their_tiff_twin_does() {
    use super::console::{add_accounts, call, first_scan_ready, login, PASSWORD};
    use serde_json::Value;

    let field = Field::new();
    add_accounts(&field);
    let v = field.enrolled_vehicle("vehicle", "MOBILE-16", "OF-16");
    let synth_as = |format: &str, extension: &str| {
        let out = v.join("synth").join(format);
        kordon_ok(
            &v,
            &[
                "scan",
                "synth",
                "--out",
                out.to_str().expect("utf-8"),
                "--name",
                "truck",
                "--width",
                "900",
                "--height",
                "400",
                "--seed",
                "16",
                "--single",
                "--format",
                format,
            ],
        );
        out.join(format!("truck.{extension}"))
    };
    let tiff = synth_as("tiff", "tif");
    let dicom = synth_as("diconde", "dcm");
    let raw = synth_as("raw", "raw");

    let tiff_id = new_inspection(&v, "AI0016KK");
    add_scan(&v, &tiff_id, &tiff);
    let folder = v.join("scanner-drop");
    std::fs::create_dir_all(&folder).expect("mkdir");
    let watch_once = |id: &str| {
        let o = kordon(
            &v,
            &[
                "watch",
                folder.to_str().expect("utf-8"),
                "--inspection",
                id,
                "--settle",
                "0.2",
                "--once",
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
        text(&o)
    };
    let first_image =
        |id: &str| kordon_json(&v, &["inspection", "show", id])["scans"][0]["images"][0].clone();

    // DICONDE.
    let dicom_id = new_inspection(&v, "AI0017KK");
    let dropped_dicom = folder.join("TRK_0017.dcm");
    std::fs::copy(&dicom, &dropped_dicom).expect("drop");
    let said = watch_once(&dicom_id);
    assert!(said.contains("imported"), "{said}");
    let image = first_image(&dicom_id);
    assert_eq!(image["format"], "diconde", "{image}");
    let dicom_blob = image["blob"].as_str().expect("blob").to_string();

    // Raw: the samples alone wait for their header, then go in.
    let raw_id = new_inspection(&v, "AI0018KK");
    let dropped_raw = folder.join("TRK_0018.raw");
    std::fs::copy(&raw, &dropped_raw).expect("drop");
    let said = watch_once(&raw_id);
    assert!(
        !said.contains("imported") && !said.contains("failed"),
        "{said}"
    );
    assert!(first_image(&raw_id).is_null(), "no scan before its header");
    std::fs::copy(raw.with_extension("hdr"), folder.join("TRK_0018.hdr")).expect("header");
    let said = watch_once(&raw_id);
    assert!(said.contains("imported"), "{said}");
    let image = first_image(&raw_id);
    assert_eq!(image["format"], "raw", "{image}");
    assert_eq!(
        (
            image["width"].as_u64(),
            image["height"].as_u64(),
            image["bits"].as_u64()
        ),
        (Some(900), Some(400), Some(16))
    );
    let raw_blob = image["blob"].as_str().expect("blob").to_string();

    let server = field.start_server();
    kordon_ok(&v, &["sync"]);
    for (dropped, blob) in [(&dropped_dicom, &dicom_blob), (&dropped_raw, &raw_blob)] {
        assert!(
            same_file(dropped, &server_blob(&field, blob)),
            "the server keeps {} byte for byte",
            dropped.display()
        );
    }
    let addr = server.http_addr();
    let sup = login(&addr, "sup.kovalenko", PASSWORD);
    let within = Duration::from_secs(60);
    let scans = [&tiff_id, &dicom_id, &raw_id].map(|id| first_scan_ready(&addr, &sup, id, within));
    let get = |path: String| {
        let r = call(&addr, &sup, "GET", &path, &Value::Null);
        assert_eq!(
            r.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r
    };
    let info = scans.clone().map(|s| {
        let mut state = get(format!("/api/scans/{s}")).json();
        state["info"]["id"] = Value::Null;
        state
    });
    assert_eq!(info[1], info[0], "the DICONDE scan and its TIFF twin");
    assert_eq!(info[2], info[0], "the raw scan and its TIFF twin");
    let top = info[0]["info"]["max_level"].as_u64().expect("max_level");
    for (x, y) in [(0, 0), (1, 1), (3, 0)] {
        let tiles = scans
            .clone()
            .map(|s| get(format!("/api/scans/{s}/tiles/{top}/{x}/{y}")).body);
        assert!(!tiles[0].is_empty(), "a tile image");
        assert!(
            tiles[1] == tiles[0],
            "DICONDE tile {top}/{x}/{y} differs from the TIFF's"
        );
        assert!(
            tiles[2] == tiles[0],
            "raw tile {top}/{x}/{y} differs from the TIFF's"
        );
    }
}
