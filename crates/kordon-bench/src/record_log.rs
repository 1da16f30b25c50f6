//! `kordon-bench record-log`: records appended per second through the
//! record log port, on the SQLite store and on PostgreSQL (a throwaway
//! cluster the benchmark starts on loopback), in the same run.
//!
//! Records are made before the clock starts (two per inspection: its
//! creation and a decision, signed by the writer's device) and appended in
//! batches as a vehicle uploads them: the schema rules checked, each
//! record and its leaf in the transparency log stored, one transaction per
//! batch. Timed end to end: opening the store (on PostgreSQL, connecting
//! its pool) to the last batch committed. Each batch's commit time is
//! kept for its percentiles. On PostgreSQL, once with one writer and once
//! with two (each its own pool and cache, as two server processes), on a
//! fresh database each; the schema is applied before the clock starts, as
//! an operator does once.

use kordon_model::Outcome;
use kordon_ports::conformance::records::{create, decide};
use kordon_ports::{IngestOutcome, Origin, RecordLog};
use kordon_record::{DeviceKey, SignedRecord};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Records appended by each run (two per inspection).
    #[arg(long, default_value_t = 20_000)]
    records: usize,
    /// Records per batch.
    #[arg(long, default_value_t = 256)]
    batch: usize,
}

/// `n` records from one device: inspections made and decided.
fn records(device: &DeviceKey, n: usize) -> Vec<SignedRecord> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n.div_ceil(2) {
        let (mut doc, genesis) = create(device, "AA1234BC", 1_000 + i as i64);
        out.push(genesis);
        out.push(decide(device, &mut doc, Outcome::Release, 2_000 + i as i64));
    }
    out.truncate(n);
    out
}

/// What one run measured.
struct Run {
    stored: usize,
    elapsed: Duration,
    /// Each batch's append, sorted.
    batches: Vec<Duration>,
}

impl Run {
    fn rate(&self) -> f64 {
        crate::rate(self.stored, self.elapsed)
    }
    fn percentile(&self, p: f64) -> Duration {
        let i = ((self.batches.len() as f64 - 1.0) * p).round() as usize;
        self.batches.get(i).copied().unwrap_or_default()
    }
}

/// Appends `records` in batches through `log`, opened by `open` inside
/// the clock.
fn append_all(
    open: impl FnOnce() -> anyhow::Result<Box<dyn RecordLog>>,
    records: &[SignedRecord],
    batch: usize,
) -> anyhow::Result<Run> {
    let started = Instant::now();
    let mut log = open()?;
    let mut stored = 0;
    let mut batches = vec![];
    for chunk in records.chunks(batch) {
        let t = Instant::now();
        let out = log.append(chunk, Origin::Remote, kordon_central::now_ms(), None)?;
        batches.push(t.elapsed());
        stored += out
            .iter()
            .filter(|o| matches!(o, IngestOutcome::Stored { .. }))
            .count();
    }
    let elapsed = started.elapsed();
    anyhow::ensure!(
        stored == records.len(),
        "{stored} of {} stored",
        records.len()
    );
    batches.sort_unstable();
    Ok(Run {
        stored,
        elapsed,
        batches,
    })
}

fn show(name: &str, run: &Run, base: Option<f64>) {
    println!(
        "{name:<34} {:>8.0} records/s  ({} in {:.2} s; batch p50 {:.1} ms, p99 {:.1} ms){}",
        run.rate(),
        run.stored,
        run.elapsed.as_secs_f64(),
        run.percentile(0.5).as_secs_f64() * 1e3,
        run.percentile(0.99).as_secs_f64() * 1e3,
        base.map(|b| format!("  {:.2}× SQLite", run.rate() / b))
            .unwrap_or_default()
    );
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let server = DeviceKey::generate();
    let devices = [DeviceKey::generate(), DeviceKey::generate()];
    let made = Instant::now();
    let one = records(&devices[0], args.records);
    let halves = [
        records(&devices[0], args.records / 2),
        records(&devices[1], args.records - args.records / 2),
    ];
    println!(
        "{} records made in {:.1} s, appended in batches of {}",
        args.records,
        made.elapsed().as_secs_f64(),
        args.batch
    );

    let tmp = tempfile::tempdir()?;
    let sqlite = append_all(
        || {
            let mut store =
                kordon_store::Store::open(&tmp.path().join("central.sqlite"), server.public())?;
            store.set_server_key(server.public());
            store.enable_log();
            store.open_register()?;
            Ok(Box::new(store))
        },
        &one,
        args.batch,
    )?;
    show("SQLite, one writer", &sqlite, None);

    let pg = kordon_test_support::postgres::Postgres::start_durable();
    let open_pg = |url: &str| -> anyhow::Result<Box<dyn RecordLog>> {
        let mut store = kordon_postgres::PgStore::open(url)?;
        store.set_server_key(server.public());
        Ok(Box::new(store))
    };
    let url = pg.database("one");
    kordon_postgres::migrate(&url)?;
    let single = append_all(|| open_pg(&url), &one, args.batch)?;
    show("PostgreSQL, one writer", &single, Some(sqlite.rate()));

    let url = pg.database("two");
    kordon_postgres::migrate(&url)?;
    let started = Instant::now();
    let runs = std::thread::scope(|s| {
        let handles: Vec<_> = halves
            .iter()
            .map(|half| s.spawn(|| append_all(|| open_pg(&url), half, args.batch)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| anyhow::anyhow!("a writer panicked"))?)
            .collect::<anyhow::Result<Vec<Run>>>()
    })?;
    let mut batches: Vec<Duration> = runs.iter().flat_map(|r| r.batches.clone()).collect();
    batches.sort_unstable();
    let both = Run {
        stored: runs.iter().map(|r| r.stored).sum(),
        elapsed: started.elapsed(),
        batches,
    };
    show("PostgreSQL, two writers", &both, Some(sqlite.rate()));
    Ok(())
}
