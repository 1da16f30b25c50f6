//! End to end: the real `kordon` and `kordon-server` binaries, real SQLite
//! files, real QUIC over loopback.

use kordon_e2e::{kordon, kordon_json, kordon_ok, Field};
use kordon_test_support::{bin, text, wait_for};
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Duration;

const OUTCOMES: [&str; 4] = ["release", "physical_inspection", "detain", "refer"];

#[test]
fn hundred_offline_inspections_arrive_in_one_sync_and_a_second_sync_sends_nothing() {
    let field = Field::new();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-1", "OF-17");

    // No server is running: the crew works offline.
    let mut expected = HashMap::new();
    for i in 0..100 {
        let plate = format!("АА{:04}ВС", i);
        let id = kordon_ok(
            &v,
            &[
                "inspection",
                "new",
                "--plate",
                &plate,
                "--container",
                "CSQU3054383",
            ],
        )
        .trim()
        .to_string();
        let outcome = OUTCOMES[i % 4];
        kordon_ok(
            &v,
            &["decide", &id, "--outcome", outcome, "--reason", "R-1"],
        );
        expected.insert(id, outcome);
    }
    let offline = kordon(&v, &["sync", "--connect-timeout", "1"]);
    assert_eq!(
        offline.status.code(),
        Some(2),
        "unreachable server: {}",
        text(&offline)
    );
    let status = kordon_json(&v, &["status", "--json"]);
    assert_eq!(status["pending"], 200);
    assert!(
        status["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("unreachable"),
        "{status}"
    );

    let _server = field.start_server();
    let first = kordon(&v, &["sync", "--json"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).expect("json");
    assert_eq!(report["sent"], 200);
    assert_eq!(report["acknowledged"], 200);

    let listed = field.server_json(&["inspections", "--json"]);
    let rows = listed.as_array().expect("array");
    assert_eq!(rows.len(), 100);
    for row in rows {
        let id = row["id"].as_str().expect("id");
        let decisions = row["decisions"].as_array().expect("decisions");
        assert_eq!(decisions.len(), 1, "{row}");
        assert_eq!(decisions[0]["outcome"], expected[id], "{row}");
        assert_eq!(decisions[0]["officer"], "OF-17");
        assert_eq!(decisions[0]["reasons"][0], "R-1");
        assert_eq!(
            row["tractor_plate"]["canonical"]
                .as_str()
                .map(|s| s.starts_with("AA")),
            Some(true)
        );
    }

    let second = kordon(&v, &["sync", "--json"]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    let report: serde_json::Value = serde_json::from_slice(&second.stdout).expect("json");
    assert_eq!(report["sent"], 0, "nothing new to send: {report}");
    let status = kordon_json(&v, &["status", "--json"]);
    assert_eq!(
        (status["pending"].as_u64(), status["acknowledged"].as_u64()),
        (Some(0), Some(200))
    );
    assert!(status["last_sync_ms"].as_i64().is_some());
}

#[test]
fn altered_records_are_rejected_with_reasons_and_their_neighbours_accepted() {
    let field = Field::new();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-2", "OF-3");
    for i in 0..5 {
        kordon_ok(
            &v,
            &["inspection", "new", "--plate", &format!("KA{:04}AA", i)],
        );
    }
    // Tamper with records 2, 3 and 4 in the vehicle's store, as an attacker
    // or a failing disk might: payload bytes, signer key, signature.
    let db = rusqlite::Connection::open(v.join("vehicle.sqlite")).expect("open db");
    let mut rows: Vec<(i64, Vec<u8>)> = db
        .prepare("SELECT seq, bytes FROM records ORDER BY seq")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .expect("records");
    assert_eq!(rows.len(), 5);
    let n = rows[1].1.len();
    rows[1].1[n - 80] ^= 0x20; // inside the change bytes
    let stranger = kordon_record::DeviceKey::generate().public();
    rows[2].1[22..54].copy_from_slice(stranger.as_bytes()); // signer
    let n = rows[3].1.len();
    rows[3].1[n - 1] ^= 0x01; // signature
    for (seq, bytes) in &rows[1..4] {
        db.execute(
            "UPDATE records SET bytes = ?1 WHERE seq = ?2",
            rusqlite::params![bytes, seq],
        )
        .expect("update");
    }
    drop(db);

    let server = field.start_server();
    let out = kordon(&v, &["sync", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "refusals make the sync incomplete: {}",
        text(&out)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["sent"], 5);
    assert_eq!(report["acknowledged"], 2, "{report}");
    let reasons: Vec<String> = report["refused"]
        .as_array()
        .expect("refused")
        .iter()
        .map(|r| r["reason"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(reasons.len(), 3, "{report}");
    assert!(reasons[0].starts_with("bad_signature"), "{reasons:?}");
    assert!(
        reasons[1].starts_with("unknown_signer") && reasons[1].contains("not an enrolled device"),
        "{reasons:?}"
    );
    assert!(reasons[2].starts_with("bad_signature"), "{reasons:?}");

    let listed = field.server_json(&["inspections", "--json"]);
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(2),
        "only the intact records were applied"
    );
    let audit = field.server_ok(&["rejections"]);
    assert_eq!(audit.matches("bad_signature").count(), 2, "{audit}");
    assert_eq!(audit.matches("unknown_signer").count(), 1, "{audit}");
    assert!(server.log_contains("record rejected"), "{}", server.log());

    let status = kordon_json(&v, &["status", "--json"]);
    assert_eq!(
        (status["pending"].as_u64(), status["rejected"].as_u64()),
        (Some(0), Some(3)),
        "{status}"
    );
}

#[test]
fn unenrolled_and_revoked_devices_are_refused_with_clear_errors_on_both_sides() {
    let field = Field::new();
    let server = field.start_server();
    let token = field.server_ok(&["enroll", "--name", "MOBILE-3"]);

    let a = field.vehicle_dir("a");
    kordon_ok(&a, &["enroll", token.trim()]);
    kordon_ok(&a, &["signin", "OF-1"]);
    kordon_ok(&a, &["inspection", "new", "--plate", "AA0001AA"]);
    let ok = kordon(&a, &["sync"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));

    // The same one-time token on a second device: refused.
    let b = field.vehicle_dir("b");
    kordon_ok(&b, &["enroll", token.trim()]);
    let refused = kordon(&b, &["sync"]);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("refused this device") && stderr.contains("not enrolled"),
        "{stderr}"
    );
    wait_for(
        "the server to log the refusal",
        Duration::from_secs(5),
        || server.log_contains("is not enrolled").then_some(()),
    );

    // A device with no enrollment at all never dials out.
    let c = field.vehicle_dir("c");
    let none = kordon(&c, &["sync"]);
    assert_eq!(none.status.code(), Some(4), "{}", text(&none));
    assert!(String::from_utf8_lossy(&none.stderr).contains("not enrolled"));

    // Revocation takes effect at the next connection of a running server.
    field.server_ok(&[
        "revoke",
        "--name",
        "MOBILE-3",
        "--reason",
        "unit withdrawn from the border",
    ]);
    kordon_ok(&a, &["inspection", "new", "--plate", "AA0002AA"]);
    let revoked = kordon(&a, &["sync"]);
    assert_eq!(revoked.status.code(), Some(3), "{}", text(&revoked));
    assert!(
        String::from_utf8_lossy(&revoked.stderr)
            .contains("the centre revoked this vehicle: unit withdrawn from the border"),
        "{}",
        text(&revoked)
    );
    wait_for(
        "the server to log the revocation",
        Duration::from_secs(5),
        || {
            server
                .log_contains("unit withdrawn from the border")
                .then_some(())
        },
    );
    // Nothing is lost on the vehicle: the new record waits.
    let status = kordon_json(&a, &["status", "--json"]);
    assert_eq!(status["pending"], 1);
    assert!(
        status["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("revoked"),
        "{status}"
    );
    assert_eq!(
        status["revoked"], "unit withdrawn from the border",
        "{status}"
    );
    let devices = field.server_json(&["devices", "--json"]);
    assert!(devices[0]["revoked_ms"].is_i64(), "{devices}");
    assert_eq!(
        devices[0]["revoked_reason"],
        "unit withdrawn from the border"
    );
    assert_eq!(devices[0]["refused_count"], 1, "{devices}");
    assert_eq!(devices[0]["last_sync"], "refused", "{devices}");
}

fn server_record_count(field: &Field) -> i64 {
    let db = rusqlite::Connection::open_with_flags(
        field.server_dir.join("central.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open server db");
    db.query_row("SELECT COUNT(*) FROM records", [], |r| r.get(0))
        .unwrap_or(0)
}

#[test]
fn vehicle_killed_mid_sync_resumes_without_loss_or_duplicates() {
    let field = Field::new();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-4", "OF-9");
    kordon_ok(&v, &["generate", "--count", "1500", "--seed", "4"]);
    let total = 3000;
    let _server = field.start_server();

    // Small batches, one in flight: the sync takes many round trips.
    let mut child = Command::new(bin("kordon"))
        .arg("--data")
        .arg(&v)
        .args(["sync", "--batch-size", "8", "--window", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sync");
    wait_for(
        "part of the records to reach the server",
        Duration::from_secs(60),
        || (server_record_count(&field) >= 200).then_some(()),
    );
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let at_kill = server_record_count(&field);
    assert!(
        at_kill < total,
        "the sync finished before it could be interrupted ({at_kill} records)"
    );

    let status = kordon_json(&v, &["status", "--json"]);
    let pending = status["pending"].as_u64().expect("pending");
    assert!(
        pending > 0,
        "records must still be pending after the kill: {status}"
    );
    assert_eq!(
        status["pending"].as_u64().unwrap_or(0) + status["acknowledged"].as_u64().unwrap_or(0),
        total as u64
    );

    let resumed = kordon(&v, &["sync", "--json"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    let report: serde_json::Value = serde_json::from_slice(&resumed.stdout).expect("json");
    assert_eq!(
        report["sent"].as_u64(),
        Some(pending),
        "only what was pending is sent again"
    );

    assert_eq!(
        server_record_count(&field),
        total,
        "every record exactly once on the server"
    );
    let listed = field.server_json(&["inspections", "--json"]);
    let rows = listed.as_array().expect("array");
    assert_eq!(rows.len(), 1500);
    assert!(
        rows.iter()
            .all(|r| r["decisions"].as_array().map(Vec::len) == Some(1)),
        "every decision applied once"
    );
    let status = kordon_json(&v, &["status", "--json"]);
    assert_eq!(
        (status["pending"].as_u64(), status["acknowledged"].as_u64()),
        (Some(0), Some(total as u64))
    );
}

#[test]
fn concurrent_edits_on_vehicle_and_server_merge_to_identical_documents() {
    let field = Field::new();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-5", "OF-5");
    let _server = field.start_server();
    let id = kordon_ok(
        &v,
        &[
            "inspection",
            "new",
            "--plate",
            "BC1111XA",
            "--notes",
            "Seal intact",
        ],
    )
    .trim()
    .to_string();
    kordon_ok(&v, &["sync"]);

    // Concurrently: the crew decides and edits the notes offline, while a
    // supervisor reviews the same inspection on the server.
    kordon_ok(
        &v,
        &[
            "decide",
            &id,
            "--outcome",
            "physical_inspection",
            "--reason",
            "DOUBLE_WALL",
        ],
    );
    kordon_ok(
        &v,
        &[
            "notes",
            &id,
            "Seal intact. Rear wall thicker than declared.",
        ],
    );
    field.server_ok(&[
        "review",
        &id,
        "--verdict",
        "return",
        "--comment",
        "Add the side view",
        "--supervisor",
        "SUP-2",
    ]);

    let out = kordon(&v, &["sync", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (report["sent"].as_u64(), report["received"].as_u64()),
        (Some(2), Some(1)),
        "{report}"
    );

    let on_vehicle = kordon_json(&v, &["document", &id]);
    let on_server = field.server_json(&["document", &id]);
    assert_eq!(on_vehicle["heads"], on_server["heads"]);
    assert_eq!(on_vehicle["document"], on_server["document"]);
    let doc = &on_vehicle["document"];
    assert_eq!(doc["decisions"].as_array().map(Vec::len), Some(1));
    assert_eq!(doc["reviews"][0]["verdict"], "return");
    assert_eq!(
        doc["notes"],
        "Seal intact. Rear wall thicker than declared."
    );

    // The export verifies offline, in evidence mode: signatures, the
    // signers' register, inclusion in the server's log, the complete
    // record set, reconstruction. On the vehicle, the key it was enrolled
    // with is the pinned one.
    let export = field.root.path().join("export.json");
    kordon_ok(
        &v,
        &["export", &id, "--out", export.to_str().expect("utf8 path")],
    );
    let verdict = kordon_json(
        &v,
        &[
            "verify",
            export.to_str().expect("utf8 path"),
            "--evidence",
            "--json",
        ],
    );
    assert_eq!(verdict["records"], 4);
    assert_eq!(verdict["signatures_valid"], 4);
    assert_eq!(
        verdict["proofs_valid"], 4,
        "every record, the server's review included, is proven in the log"
    );
    assert_eq!(
        verdict["receipts_valid"], 0,
        "no per-record receipts any more"
    );
    assert_eq!(
        verdict["covered"], 4,
        "the server's statement covers all four"
    );
    assert_eq!(verdict["view_matches"], true);

    // An independent implementation of docs/signed-records.md agrees.
    let server_key = field
        .server_ok(&["log", "checkpoint"])
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("kordon/"))
        .expect("the checkpoint names the key")
        .to_string();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/verify_export.py");
    let independent = Command::new("python3")
        .arg(&script)
        .args(["--server-key", &server_key, "--evidence"])
        .arg(&export)
        .output()
        .expect("python3 runs");
    assert_eq!(independent.status.code(), Some(0), "{}", text(&independent));

    // Editing who signed, in the file, is caught by both.
    let mut file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&export).expect("read")).expect("json");
    file["records"][1]["officer"] = "SOMEONE-ELSE".into();
    let edited = field.root.path().join("edited.json");
    std::fs::write(&edited, serde_json::to_vec(&file).expect("json")).expect("write");
    let ours = kordon(&v, &["verify", edited.to_str().expect("utf8 path")]);
    assert_eq!(ours.status.code(), Some(4), "{}", text(&ours));
    assert!(
        String::from_utf8_lossy(&ours.stdout).contains("differ from the signed record"),
        "{}",
        text(&ours)
    );
    let theirs = Command::new("python3")
        .arg(&script)
        .args(["--server-key", &server_key])
        .arg(&edited)
        .output()
        .expect("python3 runs");
    assert_eq!(theirs.status.code(), Some(1), "{}", text(&theirs));
}

#[test]
fn after_a_restore_from_an_older_backup_sync_full_resends_what_the_server_lost() {
    let field = Field::new();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-6", "OF-6");
    kordon_ok(&v, &["generate", "--count", "5", "--seed", "1"]);
    let mut server = field.start_server();
    kordon_ok(&v, &["sync"]);
    server.kill();
    let backup = field.root.path().join("backup");
    at_rest::copy_dir(&field.server_dir, &backup);

    let mut server = field.start_server();
    kordon_ok(&v, &["generate", "--count", "5", "--seed", "2"]);
    kordon_ok(&v, &["sync"]);
    server.kill();
    // The server is lost and restored from the older backup.
    std::fs::remove_dir_all(&field.server_dir).expect("rm");
    at_rest::copy_dir(&backup, &field.server_dir);
    let _server = field.start_server();
    assert_eq!(
        field
            .server_json(&["inspections", "--json"])
            .as_array()
            .map(Vec::len),
        Some(5)
    );

    // The vehicle holds receipts for everything, and the server's signed
    // checkpoint of a longer log: a plain sync refuses the server.
    let plain = kordon(&v, &["sync"]);
    assert_eq!(plain.status.code(), Some(6), "{}", text(&plain));
    assert!(text(&plain).contains("rolled back"), "{}", text(&plain));
    assert!(
        text(&plain).contains("sync --full"),
        "says what to do: {}",
        text(&plain)
    );
    let full = kordon(&v, &["sync", "--full", "--json"]);
    assert_eq!(full.status.code(), Some(0), "{}", text(&full));
    let report: serde_json::Value = serde_json::from_slice(&full.stdout).expect("json");
    assert_eq!(report["sent"], 20);
    assert_eq!(report["pending"], 0, "{report}");
    // The vehicle keeps its first receipt for each record (proof of the
    // original delivery); the restored server now holds everything again.

    assert_eq!(
        field
            .server_json(&["inspections", "--json"])
            .as_array()
            .map(Vec::len),
        Some(10)
    );
}

#[test]
fn a_sync_survives_a_lossy_slow_link_and_an_outage_in_the_middle() {
    use kordon_test_support::link::LinkConfig;
    use std::sync::atomic::Ordering;

    let field = Field::new();
    let _server = field.start_server();
    let radio = LinkConfig {
        loss: 0.02,
        delay: Duration::from_millis(30),
        jitter: Duration::from_millis(5),
        ..Default::default()
    };
    let link = field.link(radio, 7);
    let v = field.enrolled_vehicle_via("vehicle", "MOBILE-7", "OF-7", &link.addr().to_string());
    kordon_ok(&v, &["generate", "--count", "1000", "--seed", "7"]);

    let mut child = Command::new(bin("kordon"))
        .arg("--data")
        .arg(&v)
        .args([
            "sync",
            // Deadlines, not the figure under test: on two busy cores with
            // the other end-to-end tests beside it this sync has taken
            // over 120 s.
            "--retry-for",
            "300",
            "--batch-size",
            "16",
            "--window",
            "2",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sync");
    wait_for(
        "part of the records to cross the link",
        Duration::from_secs(60),
        || (server_record_count(&field) >= 300).then_some(()),
    );
    link.set_cut(true);
    wait_for("traffic to hit the cut", Duration::from_secs(10), || {
        (link.up_stats().cut_drops.load(Ordering::Relaxed)
            + link.down_stats().cut_drops.load(Ordering::Relaxed)
            > 0)
        .then_some(())
    });
    // The outage itself: three seconds of nothing in either direction.
    std::thread::sleep(Duration::from_secs(3));
    link.set_cut(false);

    let status = wait_for("the sync to finish", Duration::from_secs(300), || {
        child.try_wait().ok().flatten()
    });
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
    }
    assert_eq!(status.code(), Some(0), "sync did not complete: {stderr}");
    assert_eq!(
        server_record_count(&field),
        2000,
        "every record exactly once"
    );
    assert!(
        link.up_stats().lost.load(Ordering::Relaxed)
            + link.down_stats().lost.load(Ordering::Relaxed)
            > 0,
        "the link really lost packets"
    );
    let st = kordon_json(&v, &["status", "--json"]);
    assert_eq!(
        (st["pending"].as_u64(), st["acknowledged"].as_u64()),
        (Some(0), Some(2000))
    );
}

#[path = "e2e/scans.rs"]
mod scans;

#[path = "e2e/console.rs"]
mod console;

#[path = "e2e/anpr.rs"]
mod anpr;

#[path = "e2e/at_rest.rs"]
mod at_rest;

/// Key slots bound to the vehicle's TPM: a copied disk opens nothing.
#[path = "e2e/machine_binding.rs"]
mod machine_binding;

#[test]
fn an_officer_with_a_pin_signs_in_only_with_it_and_it_is_stored_hashed() {
    let field = Field::new();
    let dir = field.vehicle_dir("pin");
    let set = kordon_ok(&dir, &["signin", "OF-5", "--pin", "8642"]);
    assert!(set.contains("PIN set"), "{set}");
    kordon_ok(&dir, &["signout"]);

    let wrong = kordon(&dir, &["signin", "OF-5", "--pin", "1111"]);
    assert!(!wrong.status.success());
    assert!(text(&wrong).contains("wrong PIN"), "{}", text(&wrong));
    let without = kordon(&dir, &["signin", "OF-5"]);
    assert!(!without.status.success());
    assert!(text(&without).contains("--pin"), "{}", text(&without));
    let status = kordon_json(&dir, &["status", "--json"]);
    assert!(status["officer"].is_null(), "nobody signed in: {status}");

    let right = kordon_ok(&dir, &["signin", "OF-5", "--pin", "8642"]);
    assert!(right.contains("signed in: OF-5"), "{right}");
    let db = std::fs::read(dir.join("vehicle.sqlite")).expect("store");
    let wal = std::fs::read(dir.join("vehicle.sqlite-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(4).any(|w| w == b"8642"),
            "the PIN itself is nowhere in the store"
        );
    }
}

#[test]
fn synth_and_verify_leave_no_data_folder_behind() {
    let dir = tempfile::tempdir().expect("tmp");
    let run = |args: &[&str]| {
        Command::new(bin("kordon"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("KORDON_DATA")
            .output()
            .expect("run kordon")
    };
    let synth = run(&[
        "scan", "synth", "--out", "scans", "--width", "300", "--height", "200",
    ]);
    assert!(synth.status.success(), "{}", text(&synth));
    let verify = run(&["verify", "missing.json"]);
    assert!(!verify.status.success());
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["scans".to_string()],
        "only the scans were written"
    );
}

#[path = "e2e/log.rs"]
mod log;

#[path = "e2e/export.rs"]
mod export;

#[path = "e2e/metrics.rs"]
mod metrics;

#[path = "e2e/trail.rs"]
mod trail;

#[path = "e2e/bundle.rs"]
mod bundle;

#[path = "e2e/statistics.rs"]
mod statistics;

#[path = "e2e/hostile.rs"]
mod hostile;

#[path = "e2e/crash.rs"]
mod crash;

#[path = "e2e/links.rs"]
mod links;

#[path = "e2e/full_disk.rs"]
mod full_disk;

#[path = "e2e/demo.rs"]
mod demo;

#[path = "e2e/backup.rs"]
mod backup;

#[path = "e2e/training.rs"]
mod training;

#[path = "e2e/live_link.rs"]
mod live_link;

#[path = "e2e/addresses.rs"]
mod addresses;

#[path = "e2e/postgres.rs"]
mod postgres;

#[path = "e2e/early_data.rs"]
mod early_data;
