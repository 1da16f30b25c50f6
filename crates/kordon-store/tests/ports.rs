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
