//! A vehicle's data encrypted at rest, through the real `kordon`: no file
//! of the folder gives away a plate, a note, a scan or the signing key;
//! only an officer's PIN opens it; and encrypting a folder in place
//! survives being killed at any instant.

use super::*;
use kordon_e2e::synth_scan;
use kordon_test_support::{bin, run, text};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PLATES: [&str; 2] = ["АА 4711 ВК", "ВН 0815 ЕХ"];
const NOTES: [&str; 2] = [
    "Подвійна стінка в причепі, сигарети",
    "Водій нервує, пломба пошкоджена",
];

/// `kordon` as `officer` with `pin` (in the environment, as a headless
/// vehicle takes it).
fn kordon_as(dir: &Path, officer: &str, pin: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin("kordon"));
    cmd.arg("--data")
        .arg(dir)
        .args(args)
        .env("KORDON_OFFICER", officer)
        .env("KORDON_PIN", pin)
        .env_remove("KORDON_TEST_WEAK_KDF");
    run(&mut cmd)
}

fn ok_as(dir: &Path, officer: &str, pin: &str, args: &[&str]) -> String {
    let o = kordon_as(dir, officer, pin, args);
    assert!(o.status.success(), "kordon {args:?} failed: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn utf16(s: &str, big_endian: bool) -> Vec<u8> {
    s.encode_utf16()
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

/// Runs of a scan file's pixels that are varied enough that finding one
/// anywhere else would mean the pixels were copied there.
fn pixel_runs(file: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(file).expect("scan file");
    let mut runs = vec![];
    let mut at = bytes.len() / 5;
    while runs.len() < 6 && at + 48 < bytes.len() {
        let run = &bytes[at..at + 48];
        let mut distinct = run.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() >= 16 {
            runs.push(run.to_vec());
        }
        at += bytes.len() / 9;
    }
    assert!(runs.len() >= 3, "the scan has varied pixels");
    runs
}

fn files_of(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("list").flatten() {
        let p = e.path();
        if p.is_dir() {
            files_of(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Work a crew does: an inspection with a Cyrillic plate, notes and a
/// dual-energy scan.
fn capture(
    dir: &Path,
    officer: &str,
    pin: &str,
    n: usize,
    scans: &Path,
    size: (u32, u32),
) -> String {
    let id = ok_as(
        dir,
        officer,
        pin,
        &["inspection", "new", "--plate", PLATES[n % 2]],
    )
    .trim()
    .to_string();
    ok_as(dir, officer, pin, &["notes", &id, NOTES[n % 2]]);
    let (high, low) = synth_scan(scans, &format!("truck{n}"), size, 7 + n as u64);
    ok_as(
        dir,
        officer,
        pin,
        &[
            "scan",
            "add",
            &id,
            high.to_str().expect("utf-8"),
            "--low",
            low.to_str().expect("utf-8"),
        ],
    );
    id
}

#[test]
fn nothing_of_a_vehicle_is_readable_without_an_officers_pin() {
    let field = Field::new();
    let _server = field.start_server();
    let dir = field.enrolled_vehicle("sealed", "UA-BORDER-1", "OF-1");
    let scans = field.root.path().join("scan-files");
    std::fs::create_dir_all(&scans).expect("dir");
    // The first inspection is made before encryption (a folder of today's
    // version, encrypted in place); the second after.
    let first = capture(&dir, "OF-1", "unused", 0, &scans, (320, 200));
    let seed = std::fs::read(dir.join("device.key")).expect("plain device key");
    assert_eq!(seed.len(), 32);
    kordon_ok(&dir, &["sync"]);

    let started = Instant::now();
    let said = ok_as(&dir, "OF-1", "2580", &["encrypt"]);
    assert!(said.contains("encrypted"), "{said}");
    eprintln!("encrypting in place took {:?}", started.elapsed());

    let second = capture(&dir, "OF-1", "2580", 1, &scans, (320, 200));
    ok_as(&dir, "OF-1", "2580", &["sync"]);
    let check = kordon_as(&dir, "OF-1", "2580", &["check"]);
    assert!(check.status.success(), "check: {}", text(&check));
    for id in [&first, &second] {
        let shown = ok_as(&dir, "OF-1", "2580", &["inspection", "show", id]);
        assert!(shown.contains("ВК") || shown.contains("ЕХ"), "{shown}");
    }

    // What a thief finds on the disk.
    let mut needles: Vec<(String, Vec<u8>)> = vec![];
    for text in PLATES.iter().chain(NOTES.iter()) {
        needles.push((format!("{text:?} (UTF-8)"), text.as_bytes().to_vec()));
        needles.push((format!("{text:?} (UTF-16LE)"), utf16(text, false)));
        needles.push((format!("{text:?} (UTF-16BE)"), utf16(text, true)));
    }
    // The plates' match keys (Latin letters) too.
    for key in ["AA4711BK", "AA4711VK", "BH0815EX", "VN0815EKH"] {
        needles.push((format!("match key {key}"), key.as_bytes().to_vec()));
    }
    for n in 0..2 {
        for (i, run) in pixel_runs(&scans.join(format!("truck{n}_high.tif")))
            .into_iter()
            .enumerate()
        {
            needles.push((format!("pixels of scan {n}, run {i}"), run));
        }
    }
    needles.push(("the device's signing key".into(), seed.clone()));
    let mut files = vec![];
    files_of(&dir, &mut files);
    assert!(files.len() >= 8, "{files:?}");
    for file in &files {
        let bytes = std::fs::read(file).expect("read");
        for (what, needle) in &needles {
            assert!(
                !contains(&bytes, needle),
                "{what} is readable in {}",
                file.display()
            );
        }
        let name = file.strip_prefix(&dir).expect("inside").to_string_lossy();
        if name.starts_with("blobs/") || name.starts_with("tiles/") || name == "device.key" {
            assert!(bytes.starts_with(b"KORDSEAL"), "{name} is not sealed");
        }
    }
    let db = std::fs::read(dir.join("vehicle.sqlite")).expect("db");
    assert!(!db.starts_with(b"SQLite format 3"), "the database is plain");

    // Nothing opens without the PIN, or with a wrong one.
    let locked = kordon(&dir, &["status"]);
    assert!(!locked.status.success());
    assert!(text(&locked).contains("encrypted"), "{}", text(&locked));
    let wrong = kordon_as(&dir, "OF-1", "2581", &["status"]);
    assert!(!wrong.status.success());
    assert!(text(&wrong).contains("wrong PIN"), "{}", text(&wrong));

    // A second officer gets a key, then loses it.
    let added = Command::new(bin("kordon"))
        .arg("--data")
        .arg(&dir)
        .args(["officer", "add", "OF-2"])
        .env("KORDON_OFFICER", "OF-1")
        .env("KORDON_PIN", "2580")
        .env("KORDON_NEW_PIN", "7777")
        .output()
        .expect("officer add");
    assert!(added.status.success(), "{}", text(&added));
    let status = ok_as(&dir, "OF-2", "7777", &["status", "--json"]);
    assert!(status.contains("UA-BORDER-1"), "{status}");
    ok_as(&dir, "OF-1", "2580", &["officer", "remove", "OF-2"]);
    let removed = kordon_as(&dir, "OF-2", "7777", &["status"]);
    assert!(!removed.status.success());
    assert!(text(&removed).contains("no key"), "{}", text(&removed));
    let listed = ok_as(&dir, "OF-1", "2580", &["officer", "list"]);
    assert_eq!(listed.trim(), "OF-1");

    // The data key rotated: the slots as they were before (with a PIN that
    // opened them) open nothing of the data as it is now.
    let old_slots = std::fs::read(dir.join("keyslots")).expect("slots");
    let rotated = ok_as(&dir, "OF-1", "2580", &["rekey"]);
    assert!(rotated.contains("only OF-1 holds a key"), "{rotated}");
    for id in [&first, &second] {
        ok_as(&dir, "OF-1", "2580", &["inspection", "show", id]);
    }
    let new_slots = std::fs::read(dir.join("keyslots")).expect("slots");
    std::fs::write(dir.join("keyslots"), &old_slots).expect("old slots back");
    let stale = kordon_as(&dir, "OF-1", "2580", &["status"]);
    assert!(!stale.status.success(), "{}", text(&stale));
    std::fs::write(dir.join("keyslots"), &new_slots).expect("new slots back");
    ok_as(&dir, "OF-1", "2580", &["check"]);
}

/// Encrypting a folder in place, killed (SIGKILL) at random instants,
/// then run again: it always finishes, and every record, receipt and
/// scan is intact and verifies.
#[test]
fn encrypting_in_place_survives_kills_at_any_instant() {
    let field = Field::new();
    let _server = field.start_server();
    let template = field.enrolled_vehicle("template", "UA-BORDER-2", "OF-1");
    let scans = field.root.path().join("scan-files");
    std::fs::create_dir_all(&scans).expect("dir");
    for n in 0..4 {
        // A plain folder: the PIN is not asked for yet.
        let id = capture(&template, "OF-1", "unused", n, &scans, (1024, 640));
        kordon_ok(&template, &["decide", &id, "--outcome", "release"]);
    }
    kordon_ok(&template, &["sync"]);
    // More after the sync: records without receipts must survive too.
    kordon_ok(&template, &["inspection", "new", "--plate", PLATES[0]]);
    let before = kordon_json(&template, &["status", "--json"]);
    let listed_before = kordon_ok(&template, &["inspection", "list"]);
    assert!(before["acknowledged"].as_u64().unwrap_or(0) > 0, "{before}");

    let encrypt = |dir: &Path| {
        Command::new(bin("kordon"))
            .arg("--data")
            .arg(dir)
            .arg("encrypt")
            .env("KORDON_OFFICER", "OF-1")
            .env("KORDON_PIN", "1357")
            .env("KORDON_TEST_WEAK_KDF", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kordon encrypt")
    };
    // How long an uninterrupted run takes: kills land anywhere within it.
    let whole = field.vehicle_dir("whole");
    copy_dir(&template, &whole);
    let started = Instant::now();
    let out = encrypt(&whole).wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let span = started.elapsed().as_micros() as u64;

    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut kills = 0;
    let mut mid_way = 0;
    // Where the kills landed: (key slots written, database still plain,
    // database export under way).
    let mut landed: HashMap<(bool, bool, bool), usize> = HashMap::new();
    let mut round = 0;
    while kills < 50 {
        round += 1;
        let dir = field.vehicle_dir(&format!("kill-{round}"));
        copy_dir(&template, &dir);
        // Up to three kills in a row on the same folder, then a clean run.
        for attempt in 0..3 {
            let mut child = encrypt(&dir);
            // Anywhere in the run; or soon after the key slots appear,
            // while files are sealed; or once the database's export has
            // begun. Watching the folder aims the kill; the delay after
            // it is random.
            let aim = match attempt {
                0 => None,
                1 => Some(("keyslots", span / 3)),
                _ => Some(("vehicle.sqlite.sealing", span / 10)),
            };
            let at = match aim {
                None => next() % span.max(1),
                Some((file, within)) => {
                    let deadline = Instant::now() + Duration::from_secs(20);
                    while !dir.join(file).exists()
                        && child.try_wait().expect("poll").is_none()
                        && Instant::now() < deadline
                    {
                        std::thread::sleep(Duration::from_micros(200));
                    }
                    next() % within.max(1)
                }
            };
            std::thread::sleep(Duration::from_micros(at));
            match child.try_wait().expect("poll") {
                Some(_) => break,
                None => {
                    child.kill().expect("SIGKILL");
                    let _ = child.wait();
                    kills += 1;
                    if dir.join("encrypting").exists() {
                        mid_way += 1;
                        let db = std::fs::read(dir.join("vehicle.sqlite")).unwrap_or_default();
                        *landed
                            .entry((
                                dir.join("keyslots").exists(),
                                db.starts_with(b"SQLite format 3"),
                                dir.join("vehicle.sqlite.sealing").exists(),
                            ))
                            .or_default() += 1;
                    }
                }
            }
        }
        // Whatever instant the kills hit, one run with the PIN finishes.
        let out = encrypt(&dir).wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "round {round}: encrypting after a kill failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let check = kordon_as(&dir, "OF-1", "1357", &["check"]);
        assert!(check.status.success(), "round {round}: {}", text(&check));
        let after: serde_json::Value =
            serde_json::from_str(&ok_as(&dir, "OF-1", "1357", &["status", "--json"]))
                .expect("status JSON");
        for field in ["inspections", "pending", "acknowledged", "device"] {
            assert_eq!(after[field], before[field], "round {round}: {field}");
        }
        assert_eq!(
            ok_as(&dir, "OF-1", "1357", &["inspection", "list"]),
            listed_before,
            "round {round}"
        );
        let mut files = vec![];
        files_of(&dir, &mut files);
        for f in &files {
            let name = f.strip_prefix(&dir).expect("inside").to_string_lossy();
            assert!(
                !name.contains("sealing") && name != "encrypting",
                "round {round}: {name} left"
            );
        }
    }
    eprintln!(
        "{kills} kills over {round} rounds, {mid_way} of them in the middle of the work; \
         an uninterrupted run takes {span} µs; (key slots, plain database, export under \
         way): {landed:?}"
    );
    assert!(
        landed.get(&(true, true, false)).copied().unwrap_or(0) >= 5,
        "too few kills while files were being sealed: {landed:?}"
    );
    assert!(
        landed.get(&(true, true, true)).copied().unwrap_or(0) >= 3,
        "too few kills while the database was being exported: {landed:?}"
    );
    assert!(
        mid_way >= 10,
        "only {mid_way} of {kills} kills landed while the folder was half encrypted"
    );
}

/// A copy of a data folder with its subfolders and file modes (as a thief,
/// or an operator restoring it, makes one).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("list").flatten() {
        let p = e.path();
        let target = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).expect("copy");
            let perms = std::fs::metadata(&p).expect("meta").permissions();
            std::fs::set_permissions(&target, perms).expect("perms");
        }
    }
}

/// A remote wipe: the centre revokes the vehicle with `--wipe`; at its
/// next connection the vehicle states what it still held unsent, erases
/// its keys, and nothing of it decrypts any more with any PIN; the server
/// shows the report; what the server had acknowledged is safe there.
#[test]
fn a_remote_wipe_leaves_nothing_that_decrypts() {
    let field = Field::new();
    let _server = field.start_server();
    let dir = field.enrolled_vehicle("wiped", "UA-BORDER-3", "OF-1");
    ok_as(&dir, "OF-1", "2468", &["encrypt"]);
    let scans = field.root.path().join("scan-files");
    std::fs::create_dir_all(&scans).expect("dir");
    let safe = capture(&dir, "OF-1", "2468", 0, &scans, (320, 200));
    ok_as(&dir, "OF-1", "2468", &["sync"]);
    // Work the server never gets.
    capture(&dir, "OF-1", "2468", 1, &scans, (320, 200));
    let status: serde_json::Value =
        serde_json::from_str(&ok_as(&dir, "OF-1", "2468", &["status", "--json"])).expect("json");
    let unsent = status["pending"].as_u64().expect("pending");
    assert!(unsent > 0, "{status}");
    let key = status["device"].as_str().expect("device key").to_string();

    let said = field.server_ok(&[
        "revoke",
        "--device",
        &key,
        "--reason",
        "vehicle captured",
        "--wipe",
    ]);
    assert!(said.contains("erase their data"), "{said}");
    let before = field.server_json(&["devices", "--json"]);
    assert!(before[0]["wipe"]["told_ms"].is_null(), "{before}");

    let told = kordon_as(&dir, "OF-1", "2468", &["sync"]);
    assert_eq!(told.status.code(), Some(3), "{}", text(&told));
    assert!(text(&told).contains("vehicle captured"), "{}", text(&told));

    // Nothing opens, with any PIN; the key slots are gone.
    assert!(!dir.join("keyslots").exists());
    for (officer, pin) in [("OF-1", "2468"), ("OF-1", "0000"), ("OF-2", "2468")] {
        let o = kordon_as(&dir, officer, pin, &["status"]);
        assert_eq!(o.status.code(), Some(3), "{}", text(&o));
        assert!(text(&o).contains("destroyed"), "{}", text(&o));
    }
    // The centre has the report (counts, not content) and what it
    // acknowledged before.
    let after = field.server_json(&["devices", "--json"]);
    let wipe = &after[0]["wipe"];
    assert!(wipe["told_ms"].as_i64().is_some(), "{after}");
    assert_eq!(wipe["backlog_records"].as_u64(), Some(unsent), "{after}");
    assert!(
        wipe["backlog_scan_bytes"].as_u64().unwrap_or(0) > 0,
        "{after}"
    );
    let listed = field.server_ok(&["devices"]);
    assert!(listed.contains("wipe told at"), "{listed}");
    let inspections = field.server_ok(&["inspections", "--json"]);
    assert!(inspections.contains(&safe), "{inspections}");
}

/// Rotating the data key rewrites every file: it refuses while another
/// program has the folder open (here a live sync, as the app would),
/// and goes ahead once that program is gone.
#[test]
fn a_key_rotation_waits_for_the_folder_to_itself() {
    let field = Field::new();
    let dir = field.enrolled_vehicle("busy", "UA-BORDER-6", "OF-1");
    ok_as(&dir, "OF-1", "1357", &["encrypt"]);
    let mut live = Command::new(bin("kordon"));
    live.arg("--data")
        .arg(&dir)
        .args(["sync", "--live"])
        .env("KORDON_OFFICER", "OF-1")
        .env("KORDON_PIN", "1357")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    kordon_test_support::no_machine_binding(&mut live);
    let mut live = live.spawn().expect("kordon sync --live");
    // Until it holds the folder's lock (its open file shows in /proc).
    let holds_lock = || {
        std::fs::read_dir(format!("/proc/{}/fd", live.id()))
            .map(|fds| {
                fds.flatten().any(|fd| {
                    std::fs::read_link(fd.path())
                        .is_ok_and(|target| target.ends_with("folder.lock"))
                })
            })
            .unwrap_or(false)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !holds_lock() {
        assert!(
            Instant::now() < deadline,
            "the live sync never opened the folder"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = kordon_as(&dir, "OF-1", "1357", &["rekey"]);
    assert!(
        !o.status.success(),
        "rekey ran beside a live sync: {}",
        text(&o)
    );
    assert!(text(&o).contains("stop it first"), "{}", text(&o));
    let _ = live.kill();
    let _ = live.wait();
    let said = ok_as(&dir, "OF-1", "1357", &["rekey"]);
    assert!(said.contains("is new"), "{said}");
    ok_as(&dir, "OF-1", "1357", &["check"]);
}
