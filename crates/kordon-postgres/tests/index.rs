//! The derived index on a real PostgreSQL (started for the test, in a
//! throwaway folder): the port's conformance suite, and several
//! processes appending and projecting at once.

use kordon_model::{InspectionDoc, Outcome};
use kordon_ports::conformance::records::{create, decide};
use kordon_ports::{ConsoleQuery, Index, Origin, RecordLog};
use kordon_postgres::{migrate, PgStore};
use kordon_record::{DeviceKey, SignedRecord};
use kordon_test_support::postgres::Postgres;
use std::cell::Cell;
use std::io::Write;
use std::time::Duration;

fn open(url: &str, server: &DeviceKey) -> PgStore {
    let mut store = PgStore::open(url).expect("open");
    store.set_server_key(server.public());
    store
}

/// On a database in Debian's default `C` locale, and on one whose text
/// sorts and changes case by a language's rules (ICU, `uk-UA`): the
/// answers are the SQLite store's.
#[test]
fn the_postgres_store_passes_the_index_conformance_suite() {
    let pg = Postgres::start();
    let n = Cell::new(0);
    for icu in [false, true] {
        kordon_ports::conformance::index(&|server: &DeviceKey| {
            n.set(n.get() + 1);
            let name = format!("index{}", n.get());
            let url = match icu {
                false => pg.database(&name),
                true => pg.icu_database(&name, "uk-UA"),
            };
            migrate(&url).expect("migrate");
            Box::new(open(&url, server))
        });
    }
}

/// Two handles with their own pools (as two server processes have) each
/// append inspections and their decisions and project after every batch,
/// at once. At the end every inspection has its row as its last record
/// made it, and the counts kept beside the rows are the rows' own counts,
/// cell by cell.
#[test]
fn two_processes_appending_and_projecting_at_once_leave_every_row_current() {
    let pg = Postgres::start();
    let url = pg.database("kordon");
    migrate(&url).expect("migrate");
    let server = DeviceKey::generate();
    const BATCHES: usize = 25;
    std::thread::scope(|scope| {
        for w in 0..2 {
            let (url, server) = (url.clone(), &server);
            scope.spawn(move || {
                let mut store = open(&url, server);
                let device = DeviceKey::generate();
                let mut docs: Vec<InspectionDoc> = vec![];
                for b in 0..BATCHES {
                    let now = 1_000 + b as i64;
                    let mut batch: Vec<SignedRecord> = vec![];
                    for _ in 0..3 {
                        let (doc, genesis) = create(&device, &format!("AA{w}{b:03}BC"), now);
                        docs.push(doc);
                        batch.push(genesis);
                    }
                    // A decision on an inspection of an earlier batch.
                    if b > 0 {
                        let outcome = [Outcome::Release, Outcome::Detain][b % 2];
                        batch.push(decide(&device, &mut docs[3 * (b - 1)], outcome, now));
                    }
                    store
                        .append(&batch, Origin::Remote, now, Some(&device.public()))
                        .expect("append");
                    store.project(now).expect("project");
                }
            });
        }
    });
    let store = open(&url, &server);
    assert_eq!(store.projection_lag().expect("lag"), (0, None));
    assert_eq!(
        store.inspection_count().expect("count"),
        2 * 3 * BATCHES as u64
    );
    let page = store
        .console_page(&ConsoleQuery {
            limit: Some(200),
            ..Default::default()
        })
        .expect("page");
    let decided = page
        .rows
        .iter()
        .filter(|r| !r.row.view.decisions.is_empty())
        .count();
    assert_eq!(decided, 2 * (BATCHES - 1), "every decision in its row");
    let outcomes: Vec<(String, u64)> = page.counts.outcome.clone().into_iter().collect();
    let recount = pg
        .sql(
            "kordon",
            "SELECT string_agg(o || '=' || n, ',' ORDER BY o) FROM
                 (SELECT COALESCE(outcome, 'none') AS o, COUNT(*) AS n FROM inspections GROUP BY 1) t",
        )
        .expect("recount");
    let kept: Vec<String> = outcomes.iter().map(|(o, n)| format!("{o}={n}")).collect();
    assert_eq!(
        kept.join(","),
        recount.trim(),
        "the counts kept are the rows' counts"
    );
    // Every cell kept equals the rows' own count, both ways.
    let recounted = "SELECT day, COALESCE(outcome, 'none'), review_state, scan_count > 0,
            (CASE WHEN alerts = 0 THEN 0 WHEN open_alerts > 0 THEN 2 ELSE 1 END)::int2,
            COUNT(*)
        FROM inspections GROUP BY 1, 2, 3, 4, 5";
    let kept = "SELECT day, outcome, review_state, scans, alerts, n
        FROM inspection_counts WHERE n <> 0";
    for (a, b) in [(recounted, kept), (kept, recounted)] {
        let differ = pg
            .sql(
                "kordon",
                &format!("SELECT COUNT(*) FROM (({a}) EXCEPT ({b})) d"),
            )
            .expect("compare");
        assert_eq!(differ.trim(), "0", "{a}\nEXCEPT\n{b}");
    }
    let units = pg
        .sql(
            "kordon",
            "SELECT COUNT(*) FROM ((SELECT unit, COUNT(*) FROM inspections GROUP BY unit)
                 EXCEPT (SELECT unit, n FROM inspection_units WHERE n <> 0)) d",
        )
        .expect("units");
    assert_eq!(units.trim(), "0", "the units kept are the rows' units");
}

/// What goes down to a vehicle only needs the projection to move: while
/// another session holds the projection (here a `psql` session holding
/// its lock), `project_unless_busy` returns at once and leaves the work to
/// it; once it is free, the same call projects.
#[test]
fn a_projection_that_need_not_wait_steps_aside_for_one_under_way() {
    // The projection's advisory lock (`projection.rs`).
    const PROJECTION_LOCK: i64 = 0x6b6f_7264_6f6e_0002;
    let pg = Postgres::start();
    let url = pg.database("kordon");
    migrate(&url).expect("migrate");
    let (server, device) = (DeviceKey::generate(), DeviceKey::generate());
    let mut store = open(&url, &server);
    let (_, genesis) = create(&device, "AA0001BC", 1_000);
    store
        .append(&[genesis], Origin::Remote, 1_000, Some(&device.public()))
        .expect("append");

    let mut holder = pg
        .psql("kordon")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("psql");
    let mut input = holder.stdin.take().expect("psql's input");
    writeln!(input, "SELECT pg_advisory_lock({PROJECTION_LOCK});").expect("lock");
    input.flush().expect("flush");
    kordon_test_support::wait_for(
        "psql to hold the projection's lock",
        Duration::from_secs(30),
        || {
            let free = pg
                .sql(
                    "kordon",
                    &format!("SELECT pg_try_advisory_lock({PROJECTION_LOCK})"),
                )
                .expect("try");
            (free == "f").then_some(())
        },
    );
    // Waiting would end in the lock's timeout, an error.
    assert_eq!(store.project_unless_busy(2_000).expect("project"), 0);
    assert_eq!(
        store.projection_lag().expect("lag").0,
        1,
        "left for the holder"
    );

    drop(input); // psql ends, and its lock with it
    holder.wait().expect("psql ended");
    // The client's exit does not wait for its backend to let go: the
    // lock is free once no session is listed as holding it.
    kordon_test_support::wait_for(
        "the ended session's backend to release the lock",
        Duration::from_secs(30),
        || {
            let held = pg
                .sql(
                    "kordon",
                    "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted",
                )
                .expect("locks");
            (held.trim() == "0").then_some(())
        },
    );
    assert_eq!(store.project_unless_busy(3_000).expect("project"), 1);
    assert_eq!(store.projection_lag().expect("lag"), (0, None));
}

#[test]
fn the_postgres_store_passes_the_trail_conformance_suite() {
    let pg = Postgres::start();
    let server = DeviceKey::generate();
    let n = Cell::new(0);
    kordon_ports::conformance::trail(&|| {
        n.set(n.get() + 1);
        let url = pg.database(&format!("trail{}", n.get()));
        migrate(&url).expect("migrate");
        Box::new(open(&url, &server))
    });
}

/// A snapshot that no longer loads costs a replay of the document's
/// records from the first, never the document: its row still follows
/// every record.
#[test]
fn an_unreadable_snapshot_is_replaced_by_the_records() {
    let pg = Postgres::start();
    let url = pg.database("kordon");
    migrate(&url).expect("migrate");
    let server = DeviceKey::generate();
    let mut store = open(&url, &server);
    let device = DeviceKey::generate();
    let (mut doc, genesis) = create(&device, "AA1234BC", 1_000);
    let id = doc.view().expect("view").id;
    store
        .append(&[genesis], Origin::Remote, 2_000, None)
        .expect("append");
    store.project(3_000).expect("project");
    pg.sql(
        "kordon",
        &format!(
            "INSERT INTO snapshots (doc_id, upto, bytes) VALUES ('\\x{}', 1, '\\x00ff')",
            hex::encode(id.as_bytes())
        ),
    )
    .expect("a broken snapshot");
    let decision = decide(&device, &mut doc, Outcome::Detain, 4_000);
    store
        .append(&[decision], Origin::Remote, 5_000, None)
        .expect("append");
    assert_eq!(store.project(6_000).expect("project"), 1);
    let row = store.console_row(id).expect("row").expect("found");
    assert_eq!(row.row.view.decisions.len(), 1, "the new record folded in");
    assert_eq!(
        row.row.view.tractor_plate.map(|p| p.canonical).as_deref(),
        Some("AA1234BC"),
        "and the one before the snapshot"
    );
}
