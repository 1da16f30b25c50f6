//! The evidence bundle of an inspection with a dual-energy scan and a
//! supervisor's mark, from the real server (`kordon-server bundle` and the
//! console's download): it verifies with `kordon verify` and with
//! `tools/verify_export.py`; a changed byte in a scan file or in a record
//! fails both, naming what changed; the console's download is audited.

use super::console::{call, login, request, PASSWORD};
use kordon_e2e::{kordon, kordon_ok};
use kordon_test_support::text;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

/// The entries of a zip, by name.
fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut e = zip.by_index(i).expect("entry");
            let name = e.name().expect("name").to_string();
            let mut out = vec![];
            e.read_to_end(&mut out).expect("read");
            (name, out)
        })
        .collect()
}

/// The same entries written again, with `change` applied to one.
fn rewritten(bytes: &[u8], change: impl Fn(&str, &mut Vec<u8>)) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, mut content) in entries(bytes) {
        change(&name, &mut content);
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        w.write_all(&content).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

/// Both verifiers on one bundle: (ours, theirs).
fn verify(dir: &Path, vehicle: &Path, name: &str, bytes: &[u8], key: &str) -> (Output, Output) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write bundle");
    let p = path.to_str().expect("utf-8");
    let ours = kordon(vehicle, &["verify", p, "--server-key", key, "--evidence"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/verify_export.py");
    let theirs = Command::new("python3")
        .arg(&script)
        .args(["--server-key", key, "--evidence", p])
        .output()
        .expect("python3 runs");
    (ours, theirs)
}

fn refused(what: &str, (ours, theirs): (Output, Output), phrase: &str) {
    assert_eq!(
        ours.status.code(),
        Some(4),
        "{what}: kordon verify: {}",
        text(&ours)
    );
    assert!(
        String::from_utf8_lossy(&ours.stdout).contains(phrase),
        "{what}: kordon verify does not say {phrase:?}: {}",
        text(&ours)
    );
    assert_eq!(
        theirs.status.code(),
        Some(1),
        "{what}: verify_export.py: {}",
        text(&theirs)
    );
    assert!(
        String::from_utf8_lossy(&theirs.stdout).contains(phrase),
        "{what}: verify_export.py does not say {phrase:?}: {}",
        text(&theirs)
    );
}

#[test]
fn an_evidence_bundle_verifies_and_any_changed_byte_is_named() {
    let (field, v, id) = super::console::field_with_inspection();
    let (high, low) = kordon_e2e::synth_scan(&field.vehicle_dir("drop"), "B", (640, 240), 5);
    kordon_ok(
        &v,
        &[
            "scan",
            "add",
            &id,
            high.to_str().expect("path"),
            "--low",
            low.to_str().expect("path"),
        ],
    );
    let server = field.start_server();
    kordon_ok(&v, &["sync"]);
    let addr = server.http_addr();

    // A supervisor marks the scan once its tiles are built.
    let sup = login(&addr, "sup.kovalenko", PASSWORD);
    let scan = super::console::first_scan_ready(&addr, &sup, &id, Duration::from_secs(60));
    let mark = call(
        &addr,
        &sup,
        "POST",
        &format!("/api/inspections/{id}/annotations"),
        &json!({"scan": scan, "kind": "void", "shape": {"type": "rect", "x": 100.0, "y": 40.0, "w": 200.0, "h": 120.0}, "label": "e2e: hollow behind the wall"}),
    );
    assert_eq!(mark.status, 200, "{}", String::from_utf8_lossy(&mark.body));

    // From the command line.
    let out = field.root.path().join("bundle.zip");
    field.server_ok(&["bundle", &id, "--out", out.to_str().expect("path")]);
    let bytes = std::fs::read(&out).expect("the bundle");
    let names: Vec<String> = entries(&bytes).into_iter().map(|(n, _)| n).collect();
    let blob = |path: &Path| {
        blake3::hash(&std::fs::read(path).expect("scan file"))
            .to_hex()
            .to_string()
    };
    for expected in [
        "export.json".to_string(),
        "README.txt".to_string(),
        format!("scans/{}.tif", blob(&high)),
        format!("scans/{}.tif", blob(&low)),
        format!("overviews/{scan}.png"),
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    let readme = String::from_utf8(
        entries(&bytes)
            .into_iter()
            .find(|(n, _)| n == "README.txt")
            .map(|(_, b)| b)
            .unwrap_or_default(),
    )
    .expect("utf-8");
    assert!(
        readme.contains("kordon verify")
            && readme.contains("mark 1: void \"e2e: hollow behind the wall\""),
        "{readme}"
    );
    // The scan files are the originals, byte for byte.
    let inside = entries(&bytes);
    let original = std::fs::read(&high).expect("high");
    assert!(inside
        .iter()
        .any(|(n, b)| n.starts_with("scans/") && *b == original));

    let key = field
        .server_ok(&["log", "checkpoint"])
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("kordon/").map(str::to_string))
        .expect("the checkpoint names the key");
    let dir = field.root.path();
    let (ours, theirs) = verify(dir, &v, "good.zip", &bytes, &key);
    assert_eq!(ours.status.code(), Some(0), "{}", text(&ours));
    assert!(
        String::from_utf8_lossy(&ours.stdout)
            .contains("scan files matching their signed BLAKE3 hashes: 2"),
        "{}",
        text(&ours)
    );
    assert_eq!(theirs.status.code(), Some(0), "{}", text(&theirs));

    // One byte of the low-energy file.
    let low_name = format!("scans/{}.tif", blob(&low));
    let changed = rewritten(&bytes, |name, content| {
        if name == low_name {
            let mid = content.len() / 2;
            content[mid] ^= 0x01;
        }
    });
    refused(
        "a scan byte",
        verify(dir, &v, "scan.zip", &changed, &key),
        &format!("{low_name} was changed"),
    );

    // One byte of a record (re-encoded, so the file is still well formed).
    let changed = rewritten(&bytes, |name, content| {
        if name == "export.json" {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD;
            let mut doc: Value = serde_json::from_slice(content).expect("export");
            let rec = doc["records"][0]["record"]
                .as_str()
                .expect("record")
                .to_string();
            let mut raw = b64.decode(rec).expect("base64");
            let n = raw.len();
            raw[n - 1] ^= 0x01; // the signature
            doc["records"][0]["record"] = Value::String(b64.encode(raw));
            *content = serde_json::to_vec_pretty(&doc).expect("json");
        }
    });
    refused(
        "a record byte",
        verify(dir, &v, "record.zip", &changed, &key),
        "record 0",
    );

    // From the console: an auditor's download is audited; an administrator
    // may not download one.
    let aud = login(&addr, "aud.melnyk", PASSWORD);
    let r = request(
        &addr,
        "GET",
        &format!("/api/inspections/{id}/bundle"),
        &[("Cookie", &aud.cookie)],
        b"",
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(
        r.headers
            .to_ascii_lowercase()
            .contains("content-type: application/zip"),
        "{}",
        r.headers
    );
    let (ours, _) = verify(dir, &v, "console.zip", &r.body, &key);
    assert_eq!(ours.status.code(), Some(0), "{}", text(&ours));
    let trail = call(
        &addr,
        &aud,
        "GET",
        "/api/trail?kind=console&actor=aud.melnyk",
        &Value::Null,
    )
    .json();
    assert!(
        trail["events"]
            .as_array()
            .is_some_and(|es| es.iter().any(|e| e["operation"] == "bundle_download"
                && e["detail"].as_str().unwrap_or("").contains(&id))),
        "{trail}"
    );
    let adm = login(&addr, "adm.shevchenko", PASSWORD);
    let r = request(
        &addr,
        "GET",
        &format!("/api/inspections/{id}/bundle"),
        &[("Cookie", &adm.cookie)],
        b"",
    );
    assert_eq!(r.status, 403);
}
