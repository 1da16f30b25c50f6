//! A full disk on either side, on a real filesystem: a tmpfs of a few MiB
//! under the vehicle's or the server's data folder, filled to the last
//! page by a ballast file. What must hold: the write that does not fit is
//! refused in plain words, nothing stored before is lost, nothing
//! half-written is left behind (both sides' checks pass), the status says
//! so, and once the ballast is gone everything goes through, without a
//! restart.
//!
//! Mounting a tmpfs needs root (as CI runs); elsewhere these tests say
//! they were skipped.

use kordon_e2e::{kordon, kordon_json, kordon_ok, Field};
use kordon_test_support::{text, wait_for};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A tmpfs mounted over a folder; unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Moves what `dir` holds onto a new tmpfs of `mib` MiB mounted at
    /// `dir`. `None` where this process may not mount (not root).
    fn under(dir: &Path, mib: u64) -> Option<Tmpfs> {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        if !root {
            eprintln!("full disk: skipped, mounting a tmpfs needs root");
            return None;
        }
        let aside = dir.with_extension("aside");
        std::fs::rename(dir, &aside).expect("move the folder aside");
        std::fs::create_dir(dir).expect("mount point");
        let size = format!("size={mib}m,mode=0700");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &size, "tmpfs"])
            .arg(dir)
            .output()
            .expect("run mount");
        assert!(mounted.status.success(), "mount: {}", text(&mounted));
        let disk = Tmpfs {
            dir: dir.to_path_buf(),
        };
        let copied = Command::new("cp")
            .arg("-a")
            .arg(aside.join("."))
            .arg(dir)
            .output()
            .expect("run cp");
        assert!(copied.status.success(), "cp: {}", text(&copied));
        std::fs::remove_dir_all(&aside).expect("remove the copy");
        // A store's reserve is sized for the disk it was laid on: the
        // next opening lays one down for this small disk.
        for entry in std::fs::read_dir(dir).expect("list").flatten() {
            if entry.path().extension().is_some_and(|e| e == "reserve") {
                std::fs::remove_file(entry.path()).expect("remove the reserve");
            }
        }
        Some(disk)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// Fills the filesystem under `dir` to the last page; returns the file
/// whose removal gives the space back.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("ballast");
    let mut file = std::fs::File::create(&path).expect("ballast");
    for chunk in [1 << 20, 4096] {
        let bytes = vec![0xA5u8; chunk];
        while file.write_all(&bytes).is_ok() {}
    }
    path
}

/// Files whose name says they are half-written: temp files and partial
/// copies, anywhere under `dir`.
fn half_written(dir: &Path) -> Vec<PathBuf> {
    let mut found = vec![];
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "tmp" || e == "partial")
            {
                found.push(path);
            }
        }
    }
    found
}

fn new_inspection(v: &Path, i: usize) -> std::process::Output {
    kordon(v, &["inspection", "new", "--plate", &format!("АА{i:04}ВС")])
}

/// The ids of a list of inspections, as `--json` prints it.
fn ids_of(rows: &serde_json::Value) -> BTreeSet<String> {
    rows.as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect()
}

/// Nothing left to send: every record acknowledged, every scan delivered.
fn assert_all_delivered(v: &Path) {
    let status = kordon_json(v, &["status", "--json"]);
    assert_eq!(
        (&status["pending"], &status["blobs"]["pending"]),
        (&serde_json::json!(0), &serde_json::json!(0)),
        "{status}"
    );
}

/// A synthetic scan file of a few MB, outside the data folders.
fn scan_file(field: &Field, v: &Path, name: &str) -> PathBuf {
    let staging = field.root.path().join("staging");
    kordon_ok(
        v,
        &[
            "scan",
            "synth",
            "--out",
            staging.to_str().expect("utf-8"),
            "--name",
            name,
            "--width",
            "1600",
            "--height",
            "800",
            "--seed",
            "7",
            "--single",
        ],
    );
    staging.join(format!("{name}.tif"))
}

#[test]
fn a_full_vehicle_disk_refuses_plainly_keeps_what_it_had_and_recovers_when_space_returns() {
    let field = Field::new();
    let _server = field.start_server();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-1", "OF-17");
    let Some(_disk) = Tmpfs::under(&v, 24) else {
        return;
    };
    let mut ids = vec![];
    for i in 0..3 {
        let made = new_inspection(&v, i);
        assert!(made.status.success(), "{}", text(&made));
        ids.push(String::from_utf8_lossy(&made.stdout).trim().to_string());
    }
    kordon_ok(&v, &["sync"]);
    let scan = scan_file(&field, &v, "S1");
    let status = kordon_json(&v, &["status", "--json"]);
    assert_eq!(status["disk"]["low"], false, "{status}");

    let ballast = fill(&v);
    let status = kordon_json(&v, &["status", "--json"]);
    assert_eq!(status["disk"]["low"], true, "{status}");
    assert!(
        status["disk"]["free_bytes"].as_u64().expect("free") < 1 << 20,
        "{status}"
    );
    // New records go into what the database already holds until they do
    // not fit; the one that does not is refused in plain words.
    let refused = (3..500)
        .find_map(|i| {
            let made = new_inspection(&v, i);
            if made.status.success() {
                ids.push(String::from_utf8_lossy(&made.stdout).trim().to_string());
                None
            } else {
                Some(made)
            }
        })
        .expect("a full disk refuses a new inspection");
    eprintln!(
        "full disk: {} inspections fitted after the disk was filled",
        ids.len() - 3
    );
    eprintln!("full disk: the vehicle says: {}", text(&refused).trim());
    assert!(
        text(&refused).contains("disk is full"),
        "{}",
        text(&refused)
    );
    let attach = kordon(&v, &["scan", "add", &ids[0], scan.to_str().expect("utf-8")]);
    assert!(!attach.status.success(), "{}", text(&attach));
    eprintln!("full disk: a scan: {}", text(&attach).trim());
    assert!(text(&attach).contains("disk is full"), "{}", text(&attach));

    // Nothing lost, nothing half-written.
    let check = kordon(&v, &["check"]);
    assert!(check.status.success(), "{}", text(&check));
    assert_eq!(
        ids_of(&kordon_json(&v, &["inspection", "list", "--json"])),
        ids.iter().cloned().collect::<BTreeSet<_>>()
    );
    assert_eq!(half_written(&v), Vec::<PathBuf>::new());

    // Space returns: the same commands go through, no restart needed.
    std::fs::remove_file(&ballast).expect("remove the ballast");
    let status = kordon_json(&v, &["status", "--json"]);
    assert_eq!(status["disk"]["low"], false, "{status}");
    let made = new_inspection(&v, 999);
    assert!(made.status.success(), "{}", text(&made));
    ids.push(String::from_utf8_lossy(&made.stdout).trim().to_string());
    kordon_ok(&v, &["scan", "add", &ids[0], scan.to_str().expect("utf-8")]);
    kordon_ok(&v, &["sync"]);
    let on_server = ids_of(&field.server_json(&["inspections", "--json"]));
    assert_eq!(on_server, ids.iter().cloned().collect::<BTreeSet<_>>());
    assert_all_delivered(&v);
}

#[test]
fn a_full_server_disk_turns_sync_away_plainly_and_takes_everything_once_space_returns() {
    let field = Field::new();
    let Some(_disk) = Tmpfs::under(&field.server_dir, 48) else {
        return;
    };
    let mut server = field.start_server();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-1", "OF-17");
    kordon_ok(&v, &["sync"]);

    let ballast = fill(&field.server_dir);
    let mut ids = BTreeSet::new();
    for i in 0..20 {
        let made = new_inspection(&v, i);
        assert!(made.status.success(), "{}", text(&made));
        let id = String::from_utf8_lossy(&made.stdout).trim().to_string();
        kordon_ok(&v, &["decide", &id, "--outcome", "release"]);
        ids.insert(id);
    }
    let first = ids.iter().next().cloned().expect("an inspection");
    let scan = scan_file(&field, &v, "S1");
    kordon_ok(&v, &["scan", "add", &first, scan.to_str().expect("utf-8")]);
    let pending = kordon_json(&v, &["status", "--json"])["pending"].clone();

    let turned_away = kordon(&v, &["sync", "--connect-timeout", "5"]);
    assert_eq!(
        turned_away.status.code(),
        Some(2),
        "a full server disk is a reason to retry: {}",
        text(&turned_away)
    );
    eprintln!(
        "full disk: the vehicle's sync: {}",
        text(&turned_away).trim()
    );
    assert!(
        text(&turned_away).contains("disk is full"),
        "{}",
        text(&turned_away)
    );
    let status = kordon_json(&v, &["status", "--json"]);
    assert_eq!(status["pending"], pending, "nothing acknowledged: {status}");
    assert!(
        status["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("disk is full")),
        "{status}"
    );
    wait_for(
        "the server to log the full disk",
        Duration::from_secs(10),
        || server.log_contains("disk_full").then_some(()),
    );
    assert!(server.is_running(), "{}", server.log());

    // Space returns: the same server takes everything.
    std::fs::remove_file(&ballast).expect("remove the ballast");
    let synced = kordon(&v, &["sync", "--json"]);
    assert!(synced.status.success(), "{}", text(&synced));
    assert_all_delivered(&v);
    let on_server = ids_of(&field.server_json(&["inspections", "--json"]));
    assert_eq!(on_server, ids);
    let check = field.server(&["check"]);
    assert!(check.status.success(), "{}", text(&check));
    assert_eq!(half_written(&field.server_dir), Vec::<PathBuf>::new());
}
