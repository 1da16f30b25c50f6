//! Writer processes killed while appending to one PostgreSQL, as a server
//! process dies mid-batch: nothing they had acknowledged is lost, the
//! positions they and the others handed out have no gap and no repeat,
//! every leaf proves against the log's head, and the lock they held is
//! not left behind.
//!
//! The writers are this test binary run again as child processes
//! ([`appender_process`]), each its own connections and cache, appending
//! batches of a device's records without pause and printing each record
//! it was told is stored.

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
    fn start(url: &str) -> Writer {
        let mut child = Command::new(std::env::current_exe().expect("this test binary"))
            .args([
                "appender_process",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(APPEND_TO, url)
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
    let mut acknowledged: Vec<String> = vec![];

    // One writer runs throughout; others are killed one after another,
    // each as soon as a batch's transaction holds the log's lock, until
    // one was killed inside its transaction (PostgreSQL rolls it back).
    let steady = Writer::start(&url);
    let rollbacks = || {
        number(
            &pg,
            "SELECT xact_rollback FROM pg_stat_database WHERE datname = 'kordon'",
        )
    };
    let mut killed_inside = false;
    for _ in 0..10 {
        let before = rollbacks();
        let writer = Writer::start(&url);
        wait_for("the writer to append", Duration::from_secs(60), || {
            (writer.acknowledged() >= 64).then_some(())
        });
        wait_for(
            "a batch holding the log's lock",
            Duration::from_secs(30),
            || {
                (number(
                    &pg,
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted",
                ) > 0)
                    .then_some(())
            },
        );
        acknowledged.extend(writer.kill());
        // The rollback is counted when its backend, finding the client
        // gone, ends.
        killed_inside = (0..200).any(|_| {
            std::thread::sleep(Duration::from_millis(25));
            rollbacks() > before
        });
        if killed_inside {
            break;
        }
    }
    assert!(
        killed_inside,
        "no writer was killed inside a transaction in 10 tries"
    );
    let going = steady.acknowledged();
    wait_for(
        "the other writer to go on after the kills",
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
