//! The blob store on a real folder.

use kordon_blob::{BlobError, BlobId, BlobStore};
use proptest::prelude::*;
use std::io::Read;
use std::time::Duration;

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).expect("read").flatten() {
        if e.path().is_dir() {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn bytes_round_trip_exactly_and_storing_twice_is_a_no_op() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = BlobStore::open(dir.path()).expect("open");
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let id = store.put_bytes(&data).expect("put");
    assert_eq!(id, BlobId::of(&data));
    assert_eq!(store.put_bytes(&data).expect("again"), id);
    assert_eq!(store.read_verified(&id).expect("read"), data);
    assert_eq!(store.verify(&id).expect("verify"), data.len() as u64);
    let stored: Vec<_> = files_under(dir.path())
        .into_iter()
        .filter(|p| !p.starts_with(dir.path().join("tmp")))
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(id.to_string().parse::<BlobId>().expect("parse"), id);
}

#[test]
fn damage_on_disk_is_reported_not_served() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = BlobStore::open(dir.path()).expect("open");
    let id = store.put_bytes(b"scan bytes").expect("put");
    let path = store.path(&id);
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[3] ^= 0x40;
    std::fs::write(&path, bytes).expect("write");
    assert!(matches!(
        store.read_verified(&id),
        Err(BlobError::Corrupt { .. })
    ));
    assert!(matches!(store.verify(&id), Err(BlobError::Corrupt { .. })));
    assert!(matches!(
        store.read_verified(&BlobId::of(b"other")),
        Err(BlobError::Missing(_))
    ));
}

/// A reader that fails after some bytes, like a USB stick pulled out.
struct Failing(usize);
impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0 == 0 {
            return Err(std::io::Error::other("device removed"));
        }
        let n = buf.len().min(self.0);
        buf[..n].fill(9);
        self.0 -= n;
        Ok(n)
    }
}

#[test]
fn a_failed_or_oversized_import_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = BlobStore::open(dir.path()).expect("open");
    assert!(matches!(
        store.put_reader(Failing(700_000), u64::MAX),
        Err(BlobError::Io { .. })
    ));
    assert!(matches!(
        store.put_reader(&[0u8; 2048][..], 1024),
        Err(BlobError::TooLarge { limit: 1024 })
    ));
    assert!(
        files_under(dir.path()).is_empty(),
        "{:?}",
        files_under(dir.path())
    );
}

#[test]
fn leftovers_of_an_interrupted_write_are_swept() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = BlobStore::open(dir.path()).expect("open");
    std::fs::write(dir.path().join("tmp").join("123-4.part"), b"half a scan").expect("write");
    assert_eq!(
        store.sweep_temp(Duration::from_secs(3600)).expect("sweep"),
        0,
        "a fresh temp file may be in use"
    );
    assert_eq!(store.sweep_temp(Duration::ZERO).expect("sweep"), 1);
    assert!(files_under(dir.path()).is_empty());
}

#[test]
fn bad_ids_are_refused() {
    assert!(matches!("xyz".parse::<BlobId>(), Err(BlobError::BadId(_))));
    assert!(matches!("ab".parse::<BlobId>(), Err(BlobError::BadId(_))));
}

proptest! {
    #[test]
    fn any_bytes_round_trip(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let dir = tempfile::tempdir().expect("tmp");
        let store = BlobStore::open(dir.path()).expect("open");
        let id = store.put_bytes(&data).expect("put");
        prop_assert_eq!(store.read_verified(&id).expect("read"), data);
    }
}
