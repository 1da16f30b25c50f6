//! The record log and the device register on a real PostgreSQL (started
//! for the test, in a throwaway folder): the ports' conformance suites,
//! one order however many writers, and what the database itself refuses.

use kordon_model::{InspectionDoc, Outcome};
use kordon_ports::conformance::records;
use kordon_ports::{IngestOutcome, Origin, RecordLog};
use kordon_postgres::{migrate, PgStore};
use kordon_record::{DeviceKey, SignedRecord};
use kordon_test_support::postgres::Postgres;
use std::cell::Cell;

#[test]
fn the_postgres_store_passes_the_record_log_conformance_suite() {
    let pg = Postgres::start();
    let n = Cell::new(0);
    kordon_ports::conformance::records(&|server: &DeviceKey| {
        n.set(n.get() + 1);
        let url = pg.database(&format!("records{}", n.get()));
        migrate(&url).expect("migrate");
        let mut store = PgStore::open(&url).expect("open");
        store.set_server_key(server.public());
        Box::new(store)
    });
}

fn create(key: &DeviceKey, now_ms: i64) -> (InspectionDoc, SignedRecord) {
    records::create(key, "AA1234BC", now_ms)
}

fn decide(key: &DeviceKey, doc: &mut InspectionDoc, now_ms: i64) -> SignedRecord {
    records::decide(key, doc, Outcome::Release, now_ms)
}

fn doc_id(doc: &InspectionDoc) -> [u8; 16] {
    *doc.view().expect("view").id.as_bytes()
}

fn open(url: &str, server: &DeviceKey) -> PgStore {
    let mut store = PgStore::open(url).expect("open");
    store.set_server_key(server.public());
    store
}

/// Several writers, each with its own pool of connections and its own
/// cache (as separate server processes have), append at once: every
/// record gets its own `seq` and every leaf its own position, none
/// skipped; each record's leaf proves against the final head; and each
/// writer checks changes against records another wrote.
#[test]
fn several_writers_share_one_order() {
    let pg = Postgres::start();
    several_writers(&pg.database("kordon"));
}

/// As [`several_writers_share_one_order`], on a database whose
/// transactions are REPEATABLE READ unless told otherwise: appends set
/// their own isolation, so none fails and the order holds.
#[test]
fn several_writers_share_one_order_whatever_the_default_isolation() {
    let pg = Postgres::start();
    let url = pg.database("kordon");
    pg.sql(
        "postgres",
        "ALTER DATABASE kordon SET default_transaction_isolation = 'repeatable read'",
    )
    .expect("isolation");
    several_writers(&url);
}

fn several_writers(url: &str) {
    let url = url.to_string();
    migrate(&url).expect("migrate");
    let server = DeviceKey::generate();

    // A document begun through one writer is continued through another,
    // which never saw it: the change depends on the genesis, which the
    // second writer must read from the database to accept it.
    let (mut a, mut b) = (open(&url, &server), open(&url, &server));
    let device = DeviceKey::generate();
    let (mut doc, genesis) = create(&device, 1_000);
    let decision = decide(&device, &mut doc, 2_000);
    a.append(&[genesis], Origin::Remote, 3_000, None)
        .expect("append");
    let out = b
        .append(&[decision], Origin::Remote, 4_000, Some(&device.public()))
        .expect("append");
    assert!(
        matches!(out[0], IngestOutcome::Stored { seq: 2, .. }),
        "{out:?}"
    );
    {
        use kordon_ports::Register;
        assert!(
            b.device_reads_doc(&device.public(), &doc_id(&doc))
                .expect("reads"),
            "the uploading device follows the document"
        );
    }

    const WRITERS: usize = 4;
    const BATCHES: usize = 20;
    let per_writer: Vec<Vec<(i64, u64, [u8; 32])>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (url, server) = (url.clone(), &server);
                s.spawn(move || {
                    let mut store = open(&url, server);
                    let device = DeviceKey::generate();
                    let mut kept = vec![];
                    for i in 0..BATCHES {
                        let now = 10_000 + (w * 1_000 + i) as i64;
                        let (mut doc, genesis) = create(&device, now);
                        let decision = decide(&device, &mut doc, now);
                        let ids = [genesis.id().0, decision.id().0];
                        let out = store
                            .append(&[genesis, decision], Origin::Remote, now, None)
                            .expect("append");
                        for (o, id) in out.into_iter().zip(ids) {
                            match o {
                                IngestOutcome::Stored {
                                    seq,
                                    leaf: Some(leaf),
                                    ..
                                } => kept.push((seq, leaf.index, id)),
                                other => panic!("writer {w}: {other:?}"),
                            }
                        }
                    }
                    kept
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("writer"))
            .collect()
    });
    let mut all: Vec<(i64, u64, [u8; 32])> = per_writer.into_iter().flatten().collect();
    all.sort_unstable();
    let n = WRITERS * BATCHES * 2;
    assert_eq!(all.len(), n);
    for (i, (seq, leaf, _)) in all.iter().enumerate() {
        assert_eq!(*seq, 3 + i as i64, "seq handed out once each, none skipped");
        assert_eq!(*leaf, 2 + i as u64, "leaves in seq order, none shared");
    }
    let size = a.log_size().expect("size");
    assert_eq!(size, 2 + n as u64);
    let head = a.log_head(size).expect("head");
    for (_, index, id) in &all {
        let entry = b.log_entry_of(id).expect("entry").expect("a leaf");
        assert_eq!(entry.index, *index);
        let proof = a
            .log_inclusion(*index, size)
            .expect("proof")
            .expect("in the tree");
        kordon_log::verify_inclusion(
            &kordon_log::leaf_hash(&entry.data),
            *index,
            size,
            &proof,
            &head,
        )
        .expect("the leaf proves against the head");
    }
    // Read by cursor, through either writer: every record once, in order.
    let mut cursor = 0;
    let mut read = 0;
    loop {
        let page = b.records_after(cursor, 7).expect("page");
        let Some(last) = page.last() else { break };
        assert!(page.iter().all(|h| h.seq > cursor));
        cursor = last.seq;
        read += page.len();
    }
    assert_eq!(read, n + 2);
}

/// Records and the log cannot be changed, even by a program with the
/// database's own password: the triggers refuse it.
#[test]
fn the_record_log_is_append_only_in_the_database() {
    let pg = Postgres::start();
    let url = pg.database("kordon");
    migrate(&url).expect("migrate");
    let server = DeviceKey::generate();
    let mut store = open(&url, &server);
    let device = DeviceKey::generate();
    let (_, genesis) = create(&device, 1_000);
    store
        .append(&[genesis], Origin::Remote, 2_000, None)
        .expect("append");
    store
        .refuse(None, None, Some("198.51.100.7"), "not enrolled", 3_000)
        .expect("refuse");
    store.put_checkpoint(2, 3_000, "checkpoint").expect("put");
    for sql in [
        "UPDATE records SET officer = 'someone else'",
        "DELETE FROM records",
        "TRUNCATE records CASCADE",
        "UPDATE log_leaves SET at_ms = 0",
        "DELETE FROM log_nodes",
        "UPDATE log_checkpoints SET text = ''",
        "DELETE FROM rejections",
    ] {
        let e = pg.sql("kordon", sql).expect_err(sql);
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    assert_eq!(store.log_size().expect("size"), 2);
}

/// On a database in Debian's default `C` locale, and on one whose text
/// sorts by a language's rules (ICU, `en-US`): the register's order is
/// the same bytes' order as SQLite's.
#[test]
fn the_postgres_store_passes_the_register_conformance_suite() {
    let pg = Postgres::start();
    let server = DeviceKey::generate();
    let n = Cell::new(0);
    for icu in [false, true] {
        kordon_ports::conformance::register(&|| {
            n.set(n.get() + 1);
            let name = format!("register{}", n.get());
            let url = match icu {
                false => pg.database(&name),
                true => pg.icu_database(&name, "en-US"),
            };
            migrate(&url).expect("migrate");
            Box::new(open(&url, &server))
        });
    }
}

/// A hotlist goes down to the devices of the units it names (or of every
/// unit), and they may read it. The hotlists table is derived from the
/// list documents; here it is written directly, as that derivation would.
#[test]
fn a_hotlist_goes_down_to_the_units_it_names() {
    use kordon_ports::{NewEnrollment, Register};
    let pg = Postgres::start();
    let url = pg.database("kordon");
    migrate(&url).expect("migrate");
    let server = DeviceKey::generate();
    let mut store = open(&url, &server);
    let (a, b) = (DeviceKey::generate(), DeviceKey::generate());
    for (secret, unit, device) in [([1u8; 32], "MOBILE-1", &a), ([2; 32], "MOBILE-2", &b)] {
        store
            .enrollment_insert(&NewEnrollment {
                secret_hash: &secret,
                unit,
                created_ms: 0,
                expires_ms: 10_000,
                created_by: None,
            })
            .expect("insert");
        store
            .enrollment_redeem(&secret, &device.public(), 1)
            .expect("redeem")
            .expect("enrolled");
    }
    // A list document's change, signed by the server (hotlists are the
    // server's: their changes are checked by signer before the log).
    let list = kordon_model::hotlist::new_hotlist_id();
    let (mut doc, _) = create(&server, 1_000);
    let change = doc.last_change().expect("a change");
    let record =
        SignedRecord::sign(&server, *list.as_bytes(), "SUP-1", 1_000, &change).expect("sign");
    let out = store
        .append(std::slice::from_ref(&record), Origin::Local, 1_000, None)
        .expect("append");
    assert!(matches!(out[0], IngestOutcome::Stored { .. }), "{out:?}");
    let hex: String = list.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let reads = |units: &str| {
        pg.sql(
            "kordon",
            &format!(
                "DELETE FROM hotlists; INSERT INTO hotlists (doc_id, name, units, upto, view)
                 VALUES ('\\x{hex}', 'wanted', '{units}', 1, '{{}}');
                 UPDATE projection SET upto = (SELECT MAX(seq) FROM records)"
            ),
        )
        .expect("hotlist row");
        [&a, &b].map(|d| {
            let reads = store
                .device_reads_doc(&d.public(), list.as_bytes())
                .expect("reads");
            let down = store
                .records_down(&d.public(), 0, 10, 1 << 20)
                .expect("down");
            assert_eq!(reads, down.records == vec![record.bytes().to_vec()]);
            reads
        })
    };
    assert_eq!(reads(" MOBILE-1 "), [true, false]);
    assert_eq!(reads(" MOBILE-2 MOBILE-3 "), [false, true]);
    assert_eq!(reads(" "), [true, true], "every unit");
    assert_eq!(
        reads(" MOBILE-11 "),
        [false, false],
        "a whole unit name only"
    );
}
