//! The layer itself, mounted with FUSE: what was made durable survives a
//! cut that loses everything else, and what was not is gone.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// Mounts a layer over `lower` at `mount`, runs `work` in the mounted
/// folder, cuts with `mode` and returns the layer's report.
fn with_cut(lower: &Path, mount: &Path, mode: &str, work: impl FnOnce(&Path)) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kordon-powercut"))
        .arg("--lower")
        .arg(lower)
        .arg("--mount")
        .arg(mount)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting the layer");
    let mut control = child.stdin.take().expect("stdin");
    let mut answers = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    answers.read_line(&mut line).expect("answer");
    assert_eq!(line.trim(), "mounted");
    work(mount);
    writeln!(control, "cut {mode}").expect("cut");
    line.clear();
    answers.read_line(&mut line).expect("report");
    assert!(child.wait().expect("exit").success());
    line
}

fn synced(path: &Path, bytes: &[u8]) {
    let mut f = File::create(path).expect("create");
    f.write_all(bytes).expect("write");
    f.sync_all().expect("fsync");
    File::open(path.parent().expect("parent"))
        .expect("open folder")
        .sync_all()
        .expect("fsync folder");
}

#[test]
fn a_cut_keeps_what_was_synced_and_loses_what_was_not() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lower = tmp.path().join("data");
    let mount = tmp.path().join("mnt");
    std::fs::create_dir(&lower).expect("lower");
    std::fs::create_dir(&mount).expect("mount");

    let report = with_cut(&lower, &mount, "lose-all", |m| {
        synced(&m.join("durable"), b"kept");
        synced(&m.join("old"), b"old");
        // Written and synced, but its name never made durable (a folder's
        // fsync makes every earlier change durable, so none follows).
        let mut f = File::create(m.join("unnamed")).expect("create");
        f.write_all(b"data").expect("write");
        f.sync_all().expect("fsync");
        // Appended to after the sync, never synced again.
        let mut f = OpenOptions::new()
            .append(true)
            .open(m.join("durable"))
            .expect("open");
        f.write_all(b" and lost").expect("append");
        // Renamed over, the rename never made durable.
        std::fs::write(m.join("new"), b"new").expect("write");
        std::fs::rename(m.join("new"), m.join("old")).expect("rename");
        assert_eq!(std::fs::read(m.join("old")).expect("read"), b"new");
    });
    assert!(report.contains("\"namespace_undone\":3"), "{report}");
    assert_eq!(
        std::fs::read(lower.join("durable")).expect("durable"),
        b"kept"
    );
    assert!(!lower.join("unnamed").exists());
    assert_eq!(std::fs::read(lower.join("old")).expect("old"), b"old");
    assert!(!lower.join("new").exists());

    // The same work, nothing lost.
    let report = with_cut(&lower, &mount, "keep-all", |m| {
        let mut f = OpenOptions::new()
            .append(true)
            .open(m.join("durable"))
            .expect("open");
        f.write_all(b" and kept").expect("append");
        std::fs::write(m.join("unsynced"), b"still here").expect("write");
    });
    assert!(report.contains("\"pages_lost\":0"), "{report}");
    assert_eq!(
        std::fs::read(lower.join("durable")).expect("durable"),
        b"kept and kept"
    );
    assert_eq!(
        std::fs::read(lower.join("unsynced")).expect("unsynced"),
        b"still here"
    );
}
