//! Every key a vehicle keeps is in locked memory, and only while it is
//! kept: measured as the process's locked memory (`VmLck`), in a test
//! binary of its own so that no other test locks pages meanwhile.

use kordon_record::DeviceKey;
use kordon_vault::{DataKey, Locked, Seal};
use std::io::Write;

fn locked_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmLck:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmLck")
}

#[test]
fn keys_are_locked_while_held_and_unlocked_when_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = locked_kib();

    let key = DataKey::generate();
    assert_eq!(locked_kib(), base + 4, "the data key: one page");
    let seal = Seal::new(&key);
    assert_eq!(locked_kib(), base + 8, "the files' key: one more");

    // A writer holds its file's key until it is finished.
    let mut writer = seal
        .writer(std::fs::File::create(dir.path().join("w")).expect("create"))
        .expect("writer");
    assert_eq!(locked_kib(), base + 12, "a file being written");
    writer.write_all(b"AA 1234 BB").expect("write");
    drop(writer.finish().expect("finish"));
    assert_eq!(locked_kib(), base + 8);

    // An open file holds its key until it is dropped.
    let paths: Vec<_> = (0..3).map(|i| dir.path().join(format!("f{i}"))).collect();
    for p in &paths {
        seal.write_atomic(p, b"a note").expect("write");
    }
    assert_eq!(locked_kib(), base + 8, "writing leaves no key behind");
    let open: Vec<_> = paths
        .iter()
        .map(|p| seal.open_path(p).expect("open"))
        .collect();
    assert!(open.iter().all(|f| f.key_locked() == Some(true)));
    assert_eq!(locked_kib(), base + 20, "three open files: three pages");
    drop(open);
    assert_eq!(locked_kib(), base + 8);

    let signing = Locked::new(DeviceKey::generate());
    assert!(signing.is_locked());
    assert_eq!(locked_kib(), base + 12, "the signing key: one page");
    drop(signing);

    drop(seal);
    assert_eq!(locked_kib(), base + 4);
    drop(key);
    assert_eq!(locked_kib(), base, "nothing stays locked");
}
