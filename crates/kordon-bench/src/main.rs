//! `kordon-bench`: the figures in BENCHMARKS.md.
//!
//! `cargo run --release -p kordon-bench -- ingest` — records verified and
//! stored per second by the server, against two baselines measured in the
//! same run on the same records: ed25519 verification alone, one by one
//! and batched (the ceiling for any server that checks every signature).
//!
//! `cargo run --release -p kordon-bench -- sync` — time to sync N offline
//! inspections (2 records each) to a server over QUIC on loopback, against
//! the same records ingested in-process without a network.

mod admin;
mod anpr_ingest;
mod app_start;
mod console;
mod goodput;
mod hostile;
mod hotlist;
mod http1;
mod import;
mod log_proof;
mod records_first;
mod scan_pair;
mod statistics;
mod viewer;

use anyhow::{anyhow, Context};
use clap::{Parser, Subcommand};
use kordon_central::{serve, Central};
use kordon_model::OfficerId;
use kordon_record::SignedRecord;
use kordon_vehicle::{SyncOptions, Vehicle};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(name = "kordon-bench")]
struct Cli {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand, Debug)]
enum What {
    /// Server ingest throughput (records/s).
    Ingest {
        #[arg(long, default_value_t = 20_000)]
        records: usize,
        #[arg(long, default_value_t = 256)]
        batch: usize,
    },
    /// Time to sync offline inspections over loopback QUIC.
    Sync {
        #[arg(long, default_value_t = 1_000)]
        inspections: usize,
    },
    /// Goodput of one QUIC transfer through the link emulator.
    Goodput(goodput::Args),
    /// Import of a large 16-bit scan to its first tile, against `vips dzsave`.
    Import(import::Args),
    /// Records overtaking gigabytes of queued scans on a slow link.
    RecordsFirst(records_first::Args),
    /// Two scans over a slow, lossy link, from the start of the sync to
    /// the last one stored; pipelined and not.
    ScanPair(scan_pair::Args),
    /// The viewer's tile rendering: first view and panning of a large scan.
    Viewer(viewer::Args),
    /// Cold start of the crew's app to an interactive queue, and its memory.
    AppStart(app_start::Args),
    /// The supervisors' console: queue queries at scale, tiles over HTTP.
    Console(console::Args),
    /// The administrators' and auditors' screens: the fleet at 2,000
    /// devices, the audit trail at 1,000,000 events.
    Admin(admin::Args),
    /// The statistics over a month of 100,000 inspections.
    Statistics(statistics::Args),
    /// ANPR pushes accepted per second with durable spooling; answer time.
    AnprIngest(anpr_ingest::Args),
    /// Hotlist matching: time per read at each tier, 100,000 entries.
    Hotlist(hotlist::Args),
    /// The transparency log at 10 million leaves: proof size, time to
    /// make and to verify an inclusion proof.
    LogProof(log_proof::Args),
    /// Hostile peers against a real server process: its peak memory and a
    /// vehicle's sync time during each attack.
    Hostile(hostile::Args),
    /// Ingest and sync, with defaults.
    All,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().what {
        What::Ingest { records, batch } => ingest(records, batch),
        What::Sync { inspections } => sync(inspections),
        What::Goodput(args) => goodput::run(args),
        What::Import(args) => import::run(args),
        What::RecordsFirst(args) => records_first::run(args),
        What::ScanPair(args) => scan_pair::run(args),
        What::AppStart(args) => app_start::run(args),
        What::Viewer(args) => viewer::run(args),
        What::Console(args) => console::run(args),
        What::Admin(args) => admin::run(args),
        What::Statistics(args) => statistics::run(args),
        What::Hotlist(args) => hotlist::run(args),
        What::AnprIngest(args) => anpr_ingest::run(args),
        What::LogProof(args) => log_proof::run(args),
        What::Hostile(args) => hostile::run(args),
        What::All => {
            ingest(20_000, 256)?;
            sync(1_000)
        }
    }
}

/// A vehicle with `inspections` synthetic inspections (2 records each),
/// enrolled on `central`. Returns the vehicle and its outbox records.
fn vehicle_with(
    dir: &Path,
    central: &mut Central,
    inspections: usize,
    addr: &str,
) -> anyhow::Result<(Vehicle, Vec<Vec<u8>>)> {
    let now = kordon_central::now_ms();
    let mut v = Vehicle::open(dir)?;
    let token = central.enroll("BENCH-1", Some(addr), 1, now)?;
    v.enroll(&token.encode())?;
    let officer = OfficerId::new("OF-BENCH").map_err(|e| anyhow!(e))?;
    v.generate(inspections, 42, "BENCH-1", &officer, now)?;
    let records = v
        .store()
        .pending(0, usize::MAX >> 1)?
        .into_iter()
        .map(|e| e.bytes)
        .collect();
    Ok((v, records))
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn ingest(n_records: usize, batch: usize) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let mut central = Central::init(&tmp.path().join("srv"), "127.0.0.1:4433")?;
    let (v, records) = vehicle_with(
        &tmp.path().join("v"),
        &mut central,
        n_records / 2,
        "127.0.0.1:4433",
    )?;
    let device = v.public_key();
    let token_secret = central
        .enroll("BENCH-1", None, 1, kordon_central::now_ms())?
        .secret_bytes()?;
    central
        .authorize(
            &device,
            Some(&token_secret),
            "bench",
            kordon_central::now_ms(),
        )?
        .map_err(|r| anyhow!(r.reason))?;
    let n = records.len();

    let parsed: Vec<SignedRecord> = records
        .iter()
        .map(|b| SignedRecord::parse(b.clone()))
        .collect::<Result<_, _>>()?;
    let t = Instant::now();
    for r in &parsed {
        r.verify()?;
    }
    let single = rate(n, t.elapsed());
    // Strict verification spread over both cores, as the server runs it:
    // the ceiling for accept.
    let keys = vec![device.verifying_key()?; parsed.len()];
    let refs: Vec<&SignedRecord> = parsed.iter().collect();
    let t = Instant::now();
    let half = refs.len() / 2;
    std::thread::scope(|s| {
        let first = s.spawn(|| kordon_record::verify_all(&refs[..half], &keys[..half]));
        let second = kordon_record::verify_all(&refs[half..], &keys[half..]);
        let first = first.join().unwrap_or_default();
        first.len() + second.len()
    });
    let two_cores = rate(n, t.elapsed());

    // For comparison only: cofactored batch verification, which Kordon does
    // not use because it accepts signatures strict verification rejects.
    let vk = device.verifying_key()?;
    let t = Instant::now();
    for chunk in parsed.chunks(batch) {
        let ids: Vec<[u8; 32]> = chunk.iter().map(|r| r.id().0).collect();
        let messages: Vec<&[u8]> = ids.iter().map(|id| &id[..]).collect();

        let sigs: Vec<ed25519_dalek::Signature> = chunk
            .iter()
            .map(|r| {
                let b = r.bytes();
                ed25519_dalek::Signature::from_slice(&b[b.len() - 64..])
            })
            .collect::<Result<_, _>>()?;
        ed25519_dalek::verify_batch(&messages, &sigs, &vec![vk; chunk.len()])?;
    }
    let batched = rate(n, t.elapsed());

    let t = Instant::now();
    let mut accepted = 0;
    for chunk in records.chunks(batch) {
        let results = central.accept_records(&device, chunk.to_vec(), kordon_central::now_ms())?;
        accepted += results
            .iter()
            .filter(|r| matches!(r, kordon_central::RecordResult::Accepted { .. }))
            .count();
    }
    let elapsed = t.elapsed();
    if accepted != n {
        return Err(anyhow!("only {accepted} of {n} records accepted"));
    }
    let stored = rate(n, elapsed);
    let t = Instant::now();
    let docs = central.project(kordon_central::now_ms())?;
    let projected = rate(n, t.elapsed());
    let end_to_end = rate(n, elapsed + t.elapsed());
    if docs != n / 2 {
        return Err(anyhow!("projected {docs} documents, expected {}", n / 2));
    }

    // Receipts on the log: each record answered with its leaf, one
    // checkpoint signed per batch (a vehicle's session), on a fresh server.
    let mut logged = Central::init(&tmp.path().join("srv3"), "127.0.0.1:4433")?;
    let secret = logged
        .enroll("BENCH-1", None, 1, kordon_central::now_ms())?
        .secret_bytes()?;
    logged
        .authorize(&device, Some(&secret), "bench", kordon_central::now_ms())?
        .map_err(|r| anyhow!(r.reason))?;
    let t = Instant::now();
    let mut on_log = 0;
    for chunk in records.chunks(batch) {
        let results =
            logged.accept_records_on_log(&device, chunk.to_vec(), kordon_central::now_ms())?;
        on_log += results
            .iter()
            .filter(|r| matches!(r, kordon_central::RecordResult::Logged { .. }))
            .count();
        logged.checkpoint(kordon_central::now_ms())?;
    }
    let logged_rate = rate(n, t.elapsed());
    if on_log != n {
        return Err(anyhow!("only {on_log} of {n} records logged"));
    }

    // As a server runs: each batch accepted, then projected, on a second
    // server, so documents checked at accept are still in memory.
    let mut live = Central::init(&tmp.path().join("srv2"), "127.0.0.1:4433")?;
    let secret = live
        .enroll("BENCH-1", None, 1, kordon_central::now_ms())?
        .secret_bytes()?;
    live.authorize(&device, Some(&secret), "bench", kordon_central::now_ms())?
        .map_err(|r| anyhow!(r.reason))?;
    let t = Instant::now();
    for chunk in records.chunks(batch) {
        live.accept_records(&device, chunk.to_vec(), kordon_central::now_ms())?;
        live.project(kordon_central::now_ms())?;
    }
    let interleaved = rate(n, t.elapsed());

    println!(
        "ingest: {n} records ({} inspections), batches of {batch}",
        n / 2
    );
    println!("  ed25519 strict verify, 1 core  {single:>10.0} records/s   (baseline)");
    println!(
        "  strict verify, 2 cores         {two_cores:>10.0} records/s   {:.2}x baseline",
        two_cores / single
    );
    println!(
        "  cofactored batch (not used)    {batched:>10.0} records/s   {:.2}x baseline",
        batched / single
    );
    println!("  server accept: verify, check change, durable append, receipt");
    println!(
        "                                 {stored:>10.0} records/s   {:.2}x baseline",
        stored / single
    );
    println!("  server accept on the log: leaf per record, one checkpoint per batch");
    println!(
        "                                 {logged_rate:>10.0} records/s   {:.2}x baseline, {:.2}x two cores",
        logged_rate / single,
        logged_rate / two_cores
    );
    println!("  projection: apply to documents, refresh index");
    println!(
        "                                 {projected:>10.0} records/s   {:.2}x baseline",
        projected / single
    );
    println!(
        "  accept + projection, in sequence {end_to_end:>8.0} records/s   {:.2}x baseline",
        end_to_end / single
    );
    println!(
        "  accept, then project, per batch  {interleaved:>8.0} records/s   {:.2}x baseline",
        interleaved / single
    );
    println!(
        "{}",
        serde_json::json!({"bench": "ingest", "records": n, "batch": batch, "verify_single_per_s": single.round(), "verify_two_cores_per_s": two_cores.round(), "accept_on_log_per_s": logged_rate.round(), "verify_batch_per_s": batched.round(), "accept_per_s": stored.round(), "project_per_s": projected.round(), "end_to_end_per_s": end_to_end.round(), "interleaved_per_s": interleaved.round()})
    );
    Ok(())
}

fn sync(inspections: usize) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;

    // Baseline: the same records ingested in-process, no network.
    let mut base = Central::init(&tmp.path().join("base"), "127.0.0.1:4433")?;
    let (bv, base_records) = vehicle_with(
        &tmp.path().join("bv"),
        &mut base,
        inspections,
        "127.0.0.1:4433",
    )?;
    let secret = base
        .enroll("BENCH-1", None, 1, kordon_central::now_ms())?
        .secret_bytes()?;
    base.authorize(
        &bv.public_key(),
        Some(&secret),
        "bench",
        kordon_central::now_ms(),
    )?
    .map_err(|r| anyhow!(r.reason))?;
    let t = Instant::now();
    for chunk in base_records.chunks(256) {
        base.accept_records(&bv.public_key(), chunk.to_vec(), kordon_central::now_ms())?;
        base.project(kordon_central::now_ms())?;
    }
    let in_process = t.elapsed();

    // Measured: a real server endpoint on loopback, the vehicle's sync.
    let mut central = Central::init(&tmp.path().join("srv"), "127.0.0.1:0")?;
    let endpoint = rt.block_on(async {
        serve::bind(&central, "127.0.0.1:0".parse().context("addr")?).map_err(anyhow::Error::from)
    })?;
    let addr = endpoint.local_addr()?.to_string();
    let (mut v, records) = vehicle_with(&tmp.path().join("v"), &mut central, inspections, &addr)?;
    let shared = Arc::new(Mutex::new(central));
    rt.spawn(serve::serve(endpoint.clone(), shared));
    let t = Instant::now();
    let report = rt.block_on(v.sync_once(&SyncOptions::default()))?;
    let over_quic = t.elapsed();
    if !report.complete || report.acknowledged as usize != records.len() {
        return Err(anyhow!("sync incomplete: {report:?}"));
    }
    endpoint.close(0u32.into(), b"done");

    println!(
        "sync: {inspections} offline inspections = {} records",
        records.len()
    );
    println!(
        "  in-process ingest, no network  {:>8.0} ms   (baseline)",
        in_process.as_secs_f64() * 1e3
    );
    println!(
        "  kordon sync over QUIC loopback {:>8.0} ms   {:.2}x baseline",
        over_quic.as_secs_f64() * 1e3,
        over_quic.as_secs_f64() / in_process.as_secs_f64()
    );
    println!(
        "{}",
        serde_json::json!({"bench": "sync", "inspections": inspections, "records": records.len(), "in_process_ms": (in_process.as_secs_f64() * 1e3).round(), "quic_ms": (over_quic.as_secs_f64() * 1e3).round()})
    );
    Ok(())
}
