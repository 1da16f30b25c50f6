//! `kordon-bench`: the figures in BENCHMARKS.md.
//!
//! `cargo run --release -p kordon-bench -- ingest` — records verified and
//! stored per second by the server, against strict ed25519 verification of
//! the same records on one core and on both, measured in the same run
//! (`ingest.rs`).
//!
//! `cargo run --release -p kordon-bench -- sync` — time to sync N offline
//! inspections (2 records each) to a server over QUIC on loopback, against
//! the same records ingested in-process without a network.

mod admin;
mod anpr_ingest;
mod app_start;
mod at_rest;
mod console;
mod fleet;
mod goodput;
mod hostile;
mod hotlist;
mod http1;
mod import;
mod ingest;
mod link_status;
mod log_proof;
mod queue_scale;
mod reconnect;
mod record_log;
mod records_first;
mod scan_pair;
mod scan_storage;
mod statistics;
mod viewer;

use anyhow::{anyhow, Context};
use clap::{Parser, Subcommand};
use kordon_central::{serve, Central};
use kordon_model::OfficerId;
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
    Ingest(ingest::Args),
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
    /// A decision after a reconnect, to its receipt: sent early (0-RTT)
    /// and with a full handshake first.
    Reconnect(reconnect::Args),
    /// Two scans over a slow, lossy link, from the start of the sync to
    /// the last one stored; pipelined and not.
    ScanPair(scan_pair::Args),
    /// How soon the link status follows a cut and a return, as the app
    /// shows it.
    LinkStatus(link_status::Args),
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
    /// A vehicle's data encrypted at rest against unencrypted: unlock,
    /// import, tiles, sync of 1,000 inspections, opening the data.
    AtRest(at_rest::Args),
    /// A scan's delivery into the data folder and into S3-compatible
    /// object storage (a SeaweedFS the benchmark starts).
    ScanStorage(scan_storage::Args),
    /// Records appended through the record log port: SQLite against
    /// PostgreSQL (a throwaway cluster the benchmark starts), one and two
    /// writers.
    RecordLog(record_log::Args),
    /// The supervisors' queue over 1,000,000 inspections through the index
    /// port: PostgreSQL against SQLite.
    QueueScale(queue_scale::Args),
    /// A fleet of vehicles syncing at once (real QUIC clients, each with
    /// its own key, enrollment and store) against one and two real server
    /// processes, on SQLite and on PostgreSQL with object storage.
    Fleet(fleet::Args),
    /// Ingest and sync, with defaults.
    All,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().what {
        What::Ingest(args) => ingest::run(args),
        What::Sync { inspections } => sync(inspections),
        What::Goodput(args) => goodput::run(args),
        What::Import(args) => import::run(args),
        What::RecordsFirst(args) => records_first::run(args),
        What::ScanPair(args) => scan_pair::run(args),
        What::Reconnect(args) => reconnect::run(args),
        What::LinkStatus(args) => link_status::run(args),
        What::AppStart(args) => app_start::run(args),
        What::Viewer(args) => viewer::run(args),
        What::Console(args) => console::run(args),
        What::Admin(args) => admin::run(args),
        What::Statistics(args) => statistics::run(args),
        What::Hotlist(args) => hotlist::run(args),
        What::AnprIngest(args) => anpr_ingest::run(args),
        What::LogProof(args) => log_proof::run(args),
        What::QueueScale(args) => queue_scale::run(args),
        What::Fleet(args) => fleet::run(args),
        What::Hostile(args) => hostile::run(args),
        What::AtRest(args) => at_rest::run(args),
        What::ScanStorage(args) => scan_storage::run(args),
        What::RecordLog(args) => record_log::run(args),
        What::All => {
            ingest::run(ingest::Args::default())?;
            sync(1_000)
        }
    }
}

/// A vehicle with `inspections` synthetic inspections (2 records each),
/// enrolled on `central`. Returns the vehicle and its outbox records.
pub(crate) fn vehicle_with(
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

pub(crate) fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
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
