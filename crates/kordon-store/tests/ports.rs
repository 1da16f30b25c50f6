//! The SQLite store against the ports' conformance suites: each case on a
//! fresh database file.

use kordon_record::DeviceKey;
use kordon_store::Store;
use std::cell::Cell;

#[test]
fn the_sqlite_store_passes_the_accounts_conformance_suite() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = DeviceKey::generate().public();
    let n = Cell::new(0);
    kordon_ports::conformance::accounts(&|| {
        n.set(n.get() + 1);
        let path = dir.path().join(format!("central-{}.sqlite", n.get()));
        Box::new(Store::open(&path, server).expect("open"))
    });
}

/// A fresh server store in `dir`, as the server opens it: its key held
/// to the server's role, its log kept, its register made.
fn server_store(dir: &std::path::Path, n: &Cell<u32>, server: &DeviceKey) -> Store {
    n.set(n.get() + 1);
    let path = dir.join(format!("central-{}.sqlite", n.get()));
    let mut store = Store::open(&path, server.public()).expect("open");
    store.set_server_key(server.public());
    store.enable_log();
    store.open_register().expect("the server's register");
    store
}

#[test]
fn the_sqlite_store_passes_the_record_log_conformance_suite() {
    let dir = tempfile::tempdir().expect("tmp");
    let n = Cell::new(0);
    kordon_ports::conformance::records(&|server: &DeviceKey| {
        Box::new(server_store(dir.path(), &n, server))
    });
}

#[test]
fn the_sqlite_store_passes_the_register_conformance_suite() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = DeviceKey::generate();
    let n = Cell::new(0);
    kordon_ports::conformance::register(&|| Box::new(server_store(dir.path(), &n, &server)));
}

#[test]
fn the_sqlite_store_passes_the_index_conformance_suite() {
    let dir = tempfile::tempdir().expect("tmp");
    let n = Cell::new(0);
    kordon_ports::conformance::index(&|server: &DeviceKey| {
        Box::new(server_store(dir.path(), &n, server))
    });
}

#[test]
fn the_sqlite_store_passes_the_trail_conformance_suite() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = DeviceKey::generate();
    let n = Cell::new(0);
    kordon_ports::conformance::trail(&|| Box::new(server_store(dir.path(), &n, &server)));
}

/// Two server processes on one file (or an operator's command beside the
/// server) append at once: each batch waits its turn for the write lock,
/// none fails with "database is locked" (a transaction that read the log
/// and was then written past by the other could not wait, and failed).
#[test]
fn two_writers_on_one_file_take_turns_without_failing() {
    use kordon_ports::conformance::records::{create, decide};
    use kordon_ports::{IngestOutcome, Origin};
    let dir = tempfile::tempdir().expect("tmp");
    let server = DeviceKey::generate();
    let path = dir.path().join("central.sqlite");
    let open = || {
        let mut store = Store::open(&path, server.public()).expect("open");
        store.set_server_key(server.public());
        store.enable_log();
        store.open_register().expect("the server's register");
        store
    };
    drop(open());
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let mut store = open();
            std::thread::spawn(move || {
                let device = DeviceKey::generate();
                for i in 0..60i64 {
                    let (mut doc, genesis) = create(&device, "AA1234BC", 1_000 + i);
                    let decision =
                        decide(&device, &mut doc, kordon_model::Outcome::Release, 2_000 + i);
                    let out = store
                        .append(&[genesis, decision], Origin::Remote, 3_000 + i, None)
                        .unwrap_or_else(|e| panic!("writer {w}, batch {i}: {e}"));
                    assert!(
                        out.iter()
                            .all(|o| matches!(o, IngestOutcome::Stored { .. })),
                        "{out:?}"
                    );
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("a writer failed");
    }
    let store = open();
    assert_eq!(
        store.log_size().expect("size"),
        240,
        "every record logged once"
    );
}
