//! The transparency log with the real binaries: a vehicle syncs, the
//! server signs a checkpoint at the end of the session, and a third party
//! checks a record's inclusion and the log's consistency from what
//! `kordon-server log` prints, with nothing but the hashing rules of
//! `docs/transparency-log.md`.

use kordon_e2e::{kordon_ok, Field};
use kordon_record::Checkpoint;
use serde_json::Value;

fn hashes(v: &Value) -> Vec<[u8; 32]> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|h| {
            let b = hex::decode(h.as_str().expect("hex")).expect("hex");
            <[u8; 32]>::try_from(b.as_slice()).expect("32 bytes")
        })
        .collect()
}

#[test]
fn a_third_party_checks_a_record_and_the_log_from_the_servers_output() {
    let field = Field::new();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-1", "OF-17");
    let id = kordon_ok(&v, &["inspection", "new", "--plate", "AA1234BC"]);
    let _server = field.start_server();
    kordon_ok(&v, &["sync"]);
    let early = Checkpoint::parse(&field.server_ok(&["log", "checkpoint"])).expect("checkpoint");
    assert!(early.size >= 1, "the session's records are in the log");

    kordon_ok(&v, &["decide", id.trim(), "--outcome", "release"]);
    kordon_ok(&v, &["sync"]);
    let export = v.join("export.json");
    kordon_ok(
        &v,
        &[
            "export",
            id.trim(),
            "--out",
            export.to_str().expect("utf-8 path"),
        ],
    );
    let exported: Value =
        serde_json::from_slice(&std::fs::read(&export).expect("export")).expect("json");
    let last = exported["records"]
        .as_array()
        .and_then(|r| r.last())
        .and_then(|r| r["id"].as_str())
        .expect("a record id")
        .to_string();

    let proof = field.server_json(&["log", "proof", "--record", &last, "--json"]);
    let cp = Checkpoint::parse(proof["checkpoint"].as_str().expect("text")).expect("checkpoint");
    let server_key = exported["server_key"].as_str().expect("server key");
    assert_eq!(hex::encode(cp.server.as_bytes()), server_key);
    cp.verify(&cp.server).expect("signed by the server");
    let leaf = hex::decode(proof["leaf"].as_str().expect("hex")).expect("hex");
    assert_eq!(leaf[0], 3, "a record leaf, with the time received");
    assert_eq!(leaf.len(), 41);
    assert_eq!(hex::encode(&leaf[1..33]), last, "naming the record");
    kordon_log::verify_inclusion(
        &kordon_log::leaf_hash(&leaf),
        proof["leaf_index"].as_u64().expect("index"),
        cp.size,
        &hashes(&proof["path"]),
        &cp.head,
    )
    .expect("the record is in the log the checkpoint signs");

    let cons = field.server_json(&[
        "log",
        "consistency",
        "--from",
        &early.size.to_string(),
        "--to",
        &cp.size.to_string(),
        "--json",
    ]);
    kordon_log::verify_consistency(
        early.size,
        cp.size,
        &hashes(&cons["path"]),
        &early.head,
        &cp.head,
    )
    .expect("the later checkpoint extends the earlier one");
}

/// Copies a server's data folder (the server stopped), as a backup would.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("backup folder");
    for entry in std::fs::read_dir(from).expect("read the data folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The vehicle's next sync refuses the server with exit code 6 and
/// `reason`, and the server logs that the vehicle refused it.
fn sync_refuses(
    vehicle: &std::path::Path,
    server: &kordon_test_support::ServerProcess,
    reason: &str,
) {
    let out = kordon_e2e::kordon(vehicle, &["sync"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(6), "{said}");
    assert!(said.contains(reason), "{said}");
    kordon_test_support::wait_for(
        "the server to log the vehicle's refusal",
        std::time::Duration::from_secs(20),
        || {
            server
                .log_contains("vehicle refuses this server")
                .then_some(())
        },
    );
}

fn restore(field: &Field, backup: &std::path::Path) {
    std::fs::remove_dir_all(&field.server_dir).expect("remove the data folder");
    copy_dir(backup, &field.server_dir);
}

#[test]
fn a_rolled_back_server_is_refused_by_the_next_sync_and_a_consistent_backup_is_not() {
    let field = Field::new();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-1", "OF-17");
    let backups = field.root.path().join("backups");
    let first = kordon_ok(&v, &["inspection", "new", "--plate", "AA1234BC"]);
    let mut server = field.start_server();
    kordon_ok(&v, &["sync"]);
    server.kill();
    copy_dir(&field.server_dir, &backups.join("old"));

    // More work reaches the server; the vehicle now holds a later checkpoint.
    kordon_ok(&v, &["decide", first.trim(), "--outcome", "detain"]);
    let mut server = field.start_server();
    kordon_ok(&v, &["sync"]);
    server.kill();
    copy_dir(&field.server_dir, &backups.join("current"));

    // Restored from the old copy: the next sync refuses the server, loudly,
    // on both sides.
    restore(&field, &backups.join("old"));
    let server = field.start_server();
    sync_refuses(&v, &server, "rolled back");
    assert!(server.log_contains("rolled back"), "{}", server.log());
    let status = kordon_ok(&v, &["status"]);
    assert!(status.contains("rolled back"), "status shows why: {status}");
    drop(server);

    // Restored from a copy as new as what the vehicle saw: no alarm.
    restore(&field, &backups.join("current"));
    let _server = field.start_server();
    kordon_ok(&v, &["sync"]);
}

/// A server whose data folder was copied, and both copies went on
/// accepting different records under the same key: a fork. The vehicle
/// that saw one history refuses the other copy at its next sync, and that
/// copy, told by the vehicle's Hello which checkpoint it holds, records
/// the fork among its witnesses.
#[test]
fn a_forked_server_is_caught_by_the_next_vehicle_that_saw_the_other_history() {
    let field = Field::new();
    let a = field.enrolled_vehicle("vehicle-a", "MOBILE-1", "OF-1");
    let b = field.enrolled_vehicle("vehicle-b", "MOBILE-2", "OF-2");
    kordon_ok(&a, &["inspection", "new", "--plate", "AA1111AA"]);
    kordon_ok(&b, &["inspection", "new", "--plate", "BB2222BB"]);
    let mut server = field.start_server();
    kordon_ok(&a, &["sync"]);
    kordon_ok(&b, &["sync"]);
    server.kill();
    let fork = field.root.path().join("fork");
    copy_dir(&field.server_dir, &fork);

    // History 1: vehicle A's new record.
    kordon_ok(&a, &["inspection", "new", "--plate", "AA3333AA"]);
    let mut server = field.start_server();
    kordon_ok(&a, &["sync"]);
    server.kill();
    let seen_by_a = field.server_ok(&["log", "checkpoint"]);
    let seen_by_a = Checkpoint::parse(&seen_by_a).expect("checkpoint");

    // History 2, the copy under the same key: vehicle B's records, more of
    // them, so its log is longer than what A saw.
    restore(&field, &fork);
    for plate in ["BB4444BB", "BB5555BB", "BB6666BB"] {
        kordon_ok(&b, &["inspection", "new", "--plate", plate]);
    }
    let server = field.start_server();
    kordon_ok(&b, &["sync"]);
    // Vehicle B stated at that connection what it still had to deliver
    // (3 records, all answered in that session, so none left), its version
    // and its clock.
    let devices = field.server_json(&["devices", "--json"]);
    let b_row = devices
        .as_array()
        .and_then(|d| d.iter().find(|r| r["unit"] == "MOBILE-2"))
        .unwrap_or_else(|| panic!("vehicle B in the register: {devices}"));
    assert_eq!(b_row["backlog_records"], 0, "{b_row}");
    assert_eq!(b_row["last_sync"], "complete", "{b_row}");
    assert!(b_row["stated_ms"].is_i64(), "{b_row}");
    assert!(
        b_row["app_version"].as_str().is_some_and(|v| !v.is_empty()),
        "{b_row}"
    );
    assert!(
        b_row["clock_offset_ms"]
            .as_i64()
            .is_some_and(|o| o.abs() < 60_000),
        "{b_row}"
    );

    // Vehicle A has a scan to send, with its inspection: its sync offers
    // the scan with its BlobHello, before the log is checked.
    let scanned = crate::scans::new_inspection(&a, "AA7777AA");
    let file = crate::scans::synth(&a, "fork-scan", 300, 200, 5);
    let blob = crate::scans::scan_blob(&crate::scans::add_scan(&a, &scanned, &file));
    sync_refuses(&a, &server, "rewritten");
    assert!(
        server.log_contains("a vehicle reported a checkpoint this log does not extend"),
        "{}",
        server.log()
    );
    drop(server);
    // The forked server may have heard of the scan, but got no byte of it.
    let blobs = field.server_dir.join("blobs");
    assert!(
        !blobs.join(&blob[..2]).join(&blob).exists(),
        "the scan reached a forked server"
    );
    let part = blobs.join("partial").join(format!("{blob}.part"));
    assert!(
        std::fs::metadata(&part).map_or(true, |m| m.len() == 0),
        "scan bytes reached a forked server"
    );
    let witnesses = field.server_json(&["log", "witnesses", "--json"]);
    let rows = witnesses.as_array().expect("a list");
    let a_row = rows
        .iter()
        .find(|w| {
            w["size"] == seen_by_a.size
                && w["verdict"]
                    .as_str()
                    .is_some_and(|v| v.starts_with("forked"))
        })
        .unwrap_or_else(|| panic!("vehicle A's checkpoint is a witness of the fork: {witnesses}"));
    assert_eq!(
        a_row["checkpoint"]
            .as_str()
            .map(|t| Checkpoint::parse(t).map(|c| c.head)),
        Some(Ok(seen_by_a.head))
    );
    assert!(
        rows.iter().any(|w| w["verdict"] == "consistent"),
        "vehicle B's checkpoints are consistent with this history: {witnesses}"
    );
}
