//! The backup and restore of docs/operations.md, with the real binaries:
//! `kordon-server backup` while the server runs (refused into a folder
//! another run holds, or one overlapping the data folder); the folder
//! copied back in place of the data folder; the restored server sound; the
//! vehicle refusing it as rolled back until `kordon sync --full`, which
//! resends what the restore lost, scans included; a scan file lost from
//! the data folder named by the next backup, which fails.

use kordon_e2e::{kordon, kordon_json, kordon_ok, synth_scan, Field};
use kordon_test_support::text;
use std::path::Path;
use std::process::Command;

fn copy_tree(from: &Path, to: &Path) {
    let out = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .output()
        .expect("cp");
    assert!(out.status.success(), "{}", text(&out));
}

fn inspections(field: &Field) -> usize {
    field
        .server_json(&["inspections", "--json"])
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn a_backup_taken_while_running_restores_and_the_vehicle_resends_what_it_lost() {
    let field = Field::new();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-1", "OF-17");
    let (high, low) = synth_scan(&field.vehicle_dir("drop"), "B", (640, 240), 5);
    let mut ids = vec![];
    for plate in ["AA0001BC", "AA0002BC", "AA0003BC"] {
        ids.push(
            kordon_ok(&v, &["inspection", "new", "--plate", plate])
                .trim()
                .to_string(),
        );
    }
    kordon_ok(
        &v,
        &[
            "scan",
            "add",
            &ids[0],
            high.to_str().expect("path"),
            "--low",
            low.to_str().expect("path"),
        ],
    );
    let mut server = field.start_server();
    kordon_ok(&v, &["sync"]);

    // The backup, with the server running.
    let backup = field.root.path().join("backup");
    let summary: serde_json::Value = serde_json::from_str(&field.server_ok(&[
        "backup",
        "--out",
        backup.to_str().expect("path"),
        "--json",
    ]))
    .expect("JSON");
    assert_eq!(summary["blobs_copied"], 2, "{summary}");
    assert!(
        summary["log_size"].as_u64().is_some_and(|n| n > 0),
        "{summary}"
    );
    // Finished, and readable by the server's user only.
    let marker: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backup.join("backup.json")).expect("backup.json"))
            .expect("JSON");
    assert_eq!(marker["blobs_copied"], 2, "{marker}");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&backup), 0o700);
        assert_eq!(mode(&backup.join("server.key")), 0o600);
    }
    // A second run into the same folder copies nothing it already holds.
    let again = field.server_json(&["backup", "--out", backup.to_str().expect("path"), "--json"]);
    assert_eq!(
        (again["blobs_copied"].as_u64(), again["blobs_kept"].as_u64()),
        (Some(0), Some(2))
    );
    // Into the data folder itself, or over another server's backup: refused.
    let inside = field.server(&[
        "backup",
        "--out",
        field.server_dir.join("b").to_str().expect("path"),
    ]);
    assert!(
        !inside.status.success() && text(&inside).contains("overlap"),
        "{}",
        text(&inside)
    );
    assert!(!field.server_dir.join("b").exists(), "nothing made inside");
    // A run while another holds the folder's lock is refused.
    let lock = std::fs::File::create(backup.join("backup.lock")).expect("lock file");
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).expect("lock");
    let busy = field.server(&["backup", "--out", backup.to_str().expect("path")]);
    assert!(
        !busy.status.success() && text(&busy).contains("another backup"),
        "{}",
        text(&busy)
    );
    drop(lock);
    let other = Field::new();
    let over = other.server(&["backup", "--out", backup.to_str().expect("path")]);
    assert!(
        !over.status.success() && text(&over).contains("another server"),
        "{}",
        text(&over)
    );

    // Work after the backup: lost by the restore, still on the vehicle.
    for plate in ["AA0004BC", "AA0005BC"] {
        kordon_ok(&v, &["inspection", "new", "--plate", plate]);
    }
    kordon_ok(&v, &["sync"]);
    assert_eq!(inspections(&field), 5);

    // The restore: stop, set the data folder aside, copy the backup in.
    server.kill();
    drop(server);
    let broken = field.root.path().join("server.broken");
    std::fs::rename(&field.server_dir, &broken).expect("set aside");
    copy_tree(&backup, &field.server_dir);
    field.server_ok(&["check"]);
    assert_eq!(inspections(&field), 3, "the backup's three inspections");
    let _server = field.start_server();

    // The vehicle holds a checkpoint of a longer log: it refuses the
    // server as rolled back, and says what to do.
    let refused = kordon(&v, &["sync"]);
    assert!(
        !refused.status.success(),
        "a rolled-back server was accepted"
    );
    assert!(text(&refused).contains("rolled back"), "{}", text(&refused));
    assert!(text(&refused).contains("sync --full"), "{}", text(&refused));

    // Deliberate: resend everything.
    kordon_ok(&v, &["sync", "--full"]);
    assert_eq!(inspections(&field), 5, "what the restore lost was resent");
    kordon_ok(&v, &["sync"]);
    let status = kordon_json(&v, &["status", "--json"]);
    assert_eq!(status["pending"], 0, "{status}");
    assert!(
        status["server_log"].is_null() || status["server_log"]["refused"].is_null(),
        "{status}"
    );
    let blobs = field.server_json(&["blobs", "--json"]);
    assert_eq!(
        blobs.as_array().map_or(0, Vec::len),
        2,
        "the scan's files are there"
    );
    field.server_ok(&["check"]);

    // A scan file lost from the data folder: the backup still takes
    // everything else, names it, and fails.
    let lost = blobs[0]["blob"].as_str().expect("blob").to_string();
    let path = field.server_dir.join("blobs").join(&lost[..2]).join(&lost);
    std::fs::remove_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let second = field.root.path().join("backup-2");
    let partial = field.server(&["backup", "--out", second.to_str().expect("path"), "--json"]);
    assert!(
        !partial.status.success(),
        "a backup missing a scan file succeeded"
    );
    let said: serde_json::Value = serde_json::from_slice(&partial.stdout).expect("JSON summary");
    assert_eq!(said["missing"], serde_json::json!([lost]), "{said}");
    assert_eq!(said["blobs_copied"], 1, "{said}");
    assert!(second.join("central.sqlite").exists() && second.join("backup.json").exists());
}
