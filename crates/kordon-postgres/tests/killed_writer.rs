//! Writer processes killed while appending to one PostgreSQL, as a server
//! process dies mid-batch: nothing they had acknowledged is lost, the
//! positions they and the others handed out have no gap and no repeat,
//! every leaf proves against the log's head, and the lock they held is
//! not left behind.
//!
//! The writers are this test binary run again as child processes
//! ([`appender_process`]), each its own connections and cache, appending
//! batches of a device's records without pause and printing each record
//! it was told is stored. So that a kill lands between a batch's inserts
//! and its commit, the test's database (only it) sleeps 0.2 s after each
//! insert into `records`; a writer is killed while its connection runs
//! that insert, and PostgreSQL's count of rows inserted exceeding the rows
//! held shows that the batch's rows were written, then rolled back.

use kordon_model::Outcome;
use kordon_ports::conformance::records::{create, decide};
use kordon_ports::{IngestOutcome, Origin, RecordLog};
use kordon_postgres::{migrate, PgStore};
use kordon_record::DeviceKey;
use kordon_test_support::postgres::Postgres;
use kordon_test_support::wait_for;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where a child appends (set only for the child).
const APPEND_TO: &str = "KORDON_TEST_APPEND_TO";

/// The body of a writer process: run by the test below as a child, with
/// the database's address in `KORDON_TEST_APPEND_TO`; it appends until it
/// is killed, printing `stored <record id>` for each record acknowledged.
#[test]
#[ignore = "the body of a child process, which the test below runs"]
fn appender_process() {
    let url = std::env::var(APPEND_TO).expect("the database to append to");
    let mut store = PgStore::open(&url).expect("open");
    store.set_server_key(DeviceKey::generate().public());
    let device = DeviceKey::generate();
    let mut out = std::io::stdout().lock();
    for round in 0i64.. {
        let mut batch = vec![];
        for i in 0..16 {
            let (mut doc, genesis) = create(&device, "AA1234BC", round * 100 + i);
            batch.push(genesis);
            batch.push(decide(&device, &mut doc, Outcome::Release, round * 100 + i));
        }
        let outcomes = store
            .append(&batch, Origin::Remote, round, None)
            .expect("append");
        for (record, outcome) in batch.iter().zip(outcomes) {
            assert!(
                matches!(outcome, IngestOutcome::Stored { .. }),
                "{outcome:?}"
            );
            writeln!(out, "stored {}", record.id()).expect("stdout");
        }
        out.flush().expect("stdout");
    }
}

/// A running writer and the records it has acknowledged so far.
struct Writer {
    child: Child,
    stored: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Writer {
    /// Starts a writer whose connections the database names `name`.
    fn start(url: &str, name: &str) -> Writer {
        let url = format!("{url}?application_name={name}");
        let mut child = Command::new(std::env::current_exe().expect("this test binary"))
            .args([
                "appender_process",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(APPEND_TO, &url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("a writer process");
        let stdout = child.stdout.take().expect("its output");
        let stored = Arc::new(Mutex::new(vec![]));
        let seen = stored.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(id) = line.strip_prefix("stored ") {
                    seen.lock().expect("stored").push(id.to_string());
                }
            }
        });
        Writer {
            child,
            stored,
            reader: Some(reader),
        }
    }

    fn acknowledged(&self) -> usize {
        self.stored.lock().expect("stored").len()
    }

    /// Kills it (SIGKILL) and returns every record it acknowledged.
    fn kill(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let stored = self.stored.lock().expect("stored").clone();
        stored
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn number(pg: &Postgres, sql: &str) -> i64 {
    pg.sql("kordon", sql)
        .expect(sql)
        .parse()
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[test]
fn a_writer_killed_mid_batch_loses_nothing_acknowledged() {
    let pg = Postgres::start();
    let url = pg.database("kordon");
    migrate(&url).expect("migrate");
    pg.sql(
        "kordon",
        "CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN PERFORM pg_sleep(0.2); RETURN NULL; END $$;
         CREATE TRIGGER slow_insert AFTER INSERT ON records
             FOR EACH STATEMENT EXECUTE FUNCTION slow_insert()",
    )
    .expect("a slow insert");
    let mut acknowledged: Vec<String> = vec![];

    // One writer runs throughout; another is killed while its connection
    // inserts a batch's records, holding the log's lock.
    let steady = Writer::start(&url, "steady");
    let doomed = Writer::start(&url, "doomed");
    wait_for("both writers to append", Duration::from_secs(60), || {
        (steady.acknowledged() >= 64 && doomed.acknowledged() >= 64).then_some(())
    });
    wait_for(
        "the doomed writer inside a batch, inserting its records",
        Duration::from_secs(60),
        || {
            (number(
                &pg,
                "SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
                 WHERE a.application_name = 'doomed' AND a.state = 'active'
                   AND a.query LIKE 'INSERT INTO records%'
                   AND l.locktype = 'advisory' AND l.granted",
            ) > 0)
                .then_some(())
        },
    );
    acknowledged.extend(doomed.kill());
    // Its batch's rows were inserted, then rolled back when PostgreSQL
    // found the client gone (counted when that backend ends).
    wait_for(
        "the killed batch rolled back",
        Duration::from_secs(30),
        || {
            let inserted = number(
                &pg,
                "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'records'",
            );
            let held = number(&pg, "SELECT count(*) FROM records");
            (inserted > held).then_some(())
        },
    );
    let going = steady.acknowledged();
    wait_for(
        "the other writer to go on after the kill",
        Duration::from_secs(60),
        || (steady.acknowledged() >= going + 64).then_some(()),
    );
    acknowledged.extend(steady.kill());

    let mut store = PgStore::open(&url).expect("open");
    // Nothing acknowledged is lost.
    let mut held = HashSet::new();
    let mut cursor = 0;
    let mut seqs = vec![];
    loop {
        let page = store.records_after(cursor, 1_000).expect("page");
        let Some(last) = page.last() else { break };
        cursor = last.seq;
        for h in &page {
            seqs.push(h.seq);
            held.insert(h.record.id().to_string());
        }
    }
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|id| !held.contains(*id))
        .collect();
    assert!(lost.is_empty(), "acknowledged, then lost: {lost:?}");
    // No gap, no repeat, in positions or leaves.
    let n = seqs.len();
    assert!(n >= acknowledged.len());
    assert_eq!(seqs, (1..=n as i64).collect::<Vec<_>>());
    let size = store.log_size().expect("size");
    assert_eq!(size, n as u64, "a leaf per record, nothing refused");
    let head = store.log_head(size).expect("head");
    let mut leaves = HashSet::new();
    for id in &held {
        let id = <[u8; 32]>::try_from(hex::decode(id).expect("hex").as_slice()).expect("an id");
        let entry = store
            .log_entry_of(&id)
            .expect("entry")
            .expect("a leaf for each record");
        assert!(leaves.insert(entry.index), "leaf {} twice", entry.index);
        let proof = store
            .log_inclusion(entry.index, size)
            .expect("proof")
            .expect("in the tree");
        kordon_log::verify_inclusion(
            &kordon_log::leaf_hash(&entry.data),
            entry.index,
            size,
            &proof,
            &head,
        )
        .expect("the leaf proves against the head");
    }
    // The lock went with the killed transactions: a new batch goes in.
    let device = DeviceKey::generate();
    let (_, genesis) = create(&device, "AA1234BC", 1);
    let out = store
        .append(&[genesis], Origin::Remote, 1, None)
        .expect("append after the kills");
    assert!(matches!(
        out[0],
        IngestOutcome::Stored { seq, .. } if seq == n as i64 + 1
    ));
}
