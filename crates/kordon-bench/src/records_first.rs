//! Records first: with gigabytes of scans queued behind a 10 Mbit/s,
//! 100 ms link, how long until the records reach the server?
//!
//! 1. *Reconnect*: the vehicle has `inspections` offline inspections (2
//!    records each) and `scans` × 256 MiB of scan blobs queued. The link
//!    comes back (the sync starts); the figure is the time until every
//!    record is acknowledged, while the blobs wait.
//! 2. *During the transfer*: once blob pieces are flowing, a decision is
//!    recorded (by another connection to the store, as another program
//!    would); the figure is the time until it is acknowledged.
//! 3. *A burst during the transfer*: 20 inspections committed one by one
//!    over about a second by that other program; the figure is the time
//!    from the last commit until all are acknowledged.
//!
//! With `--warm` the vehicle has first sent a smaller scan over the same
//! link in a sync of its own (as a crew's vehicle has, the same day, in
//! the same process), so its connection may resume the path and its TLS
//! session (0-RTT); measured resuming and, in the same run after the same
//! warm-up, without 0-RTT and starting cold.
//!
//! Scans are real imports of a synthetic 16-bit scan (the first one
//! generated, the others copies with one pixel changed so each is its own
//! blob). Real server endpoint, real QUIC, through the link emulator.

use anyhow::{anyhow, Context};
use kordon_central::{serve, Central};
use kordon_model::{InspectionId, NewDecision, OfficerId, Outcome};

use kordon_test_support::link::{LinkConfig, LinkEmulator};
use kordon_vehicle::{ScanDetails, SyncOptions, Vehicle};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Offline inspections waiting (2 records each).
    #[arg(long, default_value_t = 100)]
    inspections: usize,
    /// 256 MiB scans queued.
    #[arg(long, default_value_t = 8)]
    scans: usize,
    #[arg(long, default_value_t = 10)]
    rate_mbit: u64,
    #[arg(long, default_value_t = 100)]
    rtt_ms: u64,
    /// Random loss on the link, in per cent, each way.
    #[arg(long, default_value_t = 0.0)]
    loss_pct: f64,
    /// How often the sync looks for new records while scans go, ms (the
    /// vehicle's default if not given; 250 was the default before).
    #[arg(long)]
    record_poll_ms: Option<u64>,
    /// Also measure, in the same run, the sync as it was before: each
    /// round's records sent only once the server has welcomed the
    /// vehicle, not with its Hello.
    #[arg(long)]
    baseline: bool,
    /// Send a 16 MiB scan in a sync of its own first, then measure
    /// resuming the path that sync learnt and, as the baseline, starting
    /// cold after the same warm-up.
    #[arg(long)]
    warm: bool,
}

/// What is measured against what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// The sync as it is.
    Now,
    /// Records sent only after Welcome, as before they went with the Hello.
    AfterWelcome,
    /// After a warm-up sync, the path not resumed.
    Cold,
    /// After a warm-up sync, nothing sent before the handshake is done.
    NoEarlyData,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    measure(&args, Variant::Now)?;
    if args.baseline {
        measure(&args, Variant::AfterWelcome)?;
    }
    if args.warm {
        measure(&args, Variant::NoEarlyData)?;
        measure(&args, Variant::Cold)?;
    }
    Ok(())
}

/// One measurement on a fresh server and vehicle.
fn measure(args: &Args, variant: Variant) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let (rt, central, endpoint) = loopback_server(&tmp.path().join("srv"))?;
    let now = kordon_central::now_ms();
    let server_addr = endpoint.local_addr()?;
    let link_cfg = LinkConfig {
        delay: Duration::from_millis(args.rtt_ms / 2),
        rate_bps: Some(args.rate_mbit * 1_000_000),
        queue_bytes: (args.rate_mbit * 1_000_000 / 8 * args.rtt_ms / 1000) as usize,
        loss: args.loss_pct / 100.0,
        ..LinkConfig::default()
    };
    let link = LinkEmulator::start(server_addr, link_cfg.clone(), link_cfg, 1)?;

    let dir = tmp.path().join("vehicle");
    let mut v = Vehicle::open(&dir)?;
    let token = central.enroll("BENCH-RF", Some(&link.addr().to_string()), 1, now)?;
    v.enroll(&token.encode())?;
    let officer = OfficerId::new("OF-BENCH").map_err(|e| anyhow!(e))?;
    let mut ids = offline_inspections(&mut v, args.inspections.max(1), 7, &officer, now)?;

    let shared = Arc::new(Mutex::new(central));
    rt.spawn(serve::serve(endpoint.clone(), shared));
    if args.warm {
        // A smaller scan first, in a sync of its own over the same link:
        // that connection leaves what it learnt of the path behind.
        let file = tmp.path().join("warm-up.tif");
        std::fs::write(&file, synthetic_tiff(4_096, 2_048)?)?;
        v.add_scan(ids[0], &file, None, &ScanDetails::default(), &officer, now)?;
        std::fs::remove_file(&file)?;
        let t = Instant::now();
        rt.block_on(v.sync_once(&SyncOptions::default()))?;
        eprintln!(
            "warm-up sync with a 16 MiB scan: {:.1} s",
            t.elapsed().as_secs_f64()
        );
        // Without it the resumed run would be a cold one under its name.
        if !v.remembers_a_path()? {
            return Err(anyhow!(
                "the warm-up sync left no path to resume (it never cruised 8 rounds)"
            ));
        }
        // Whatever the warm-up holds is let go: the measured sync connects
        // anew, as after the link went and came back.
        rt.block_on(v.drop_connection());
        ids.extend(offline_inspections(
            &mut v,
            args.inspections.max(1),
            9,
            &officer,
            now,
        )?);
    }

    // Queue the scans.
    let t = Instant::now();
    let bytes = synthetic_tiff(16_384, 8_192)?;
    let file = tmp.path().join("scan.tif");
    for n in 0..args.scans {
        let mut b = bytes.clone();
        let at = b.len() - 2;
        b[at] ^= (n as u8).wrapping_add(1);
        std::fs::write(&file, &b)?;
        v.add_scan(ids[0], &file, None, &ScanDetails::default(), &officer, now)?;
    }
    std::fs::remove_file(&file)?;
    let queued = v.blob_counts()?;
    eprintln!(
        "queued {} scans ({:.2} GiB) in {:.0} s",
        queued.pending,
        queued.bytes_pending as f64 / f64::from(1u32 << 30),
        t.elapsed().as_secs_f64()
    );
    let records = v.store().counts()?.pending;

    let mut other = Vehicle::open(&dir)?;
    let decided = ids[ids.len() / 2];
    let (reconnect, during, burst) = rt.block_on(async {
        let mut opts = SyncOptions::default();
        match variant {
            Variant::Now => {}
            Variant::AfterWelcome => opts.records_with_hello = false,
            Variant::Cold => opts.resume_path = false,
            Variant::NoEarlyData => opts.early_data = false,
        }
        if let Some(ms) = args.record_poll_ms {
            opts.record_poll = Duration::from_millis(ms.max(1));
        }
        let started = Instant::now();
        // Scan bytes already delivered (a warm-up's) do not count.
        let done_before = other.blob_counts()?.bytes_done;
        let watch = async {
            let reconnect = wait(|| Ok(other.store().counts()?.pending == 0)).await?;
            let reconnect = reconnect.duration_since(started);
            // Blobs under way, then a decision.
            wait(|| Ok(other.blob_counts()?.bytes_done >= done_before + (2 << 20))).await?;
            let t = Instant::now();
            let d = NewDecision {
                outcome: Outcome::Detain,
                reasons: vec![],
                note: "made while scans were on the way".into(),
            };
            other.decide(decided, &d, &officer, kordon_central::now_ms())?;
            let acked = wait(|| Ok(other.store().counts()?.pending == 0)).await?;
            let during = acked.duration_since(t);
            // A burst of 20 inspections over about a second.
            for n in 0..20 {
                other.generate(1, 1000 + n, "BENCH-RF", &officer, kordon_central::now_ms())?;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let last = Instant::now();
            let acked = wait(|| Ok(other.store().counts()?.pending == 0)).await?;
            anyhow::Ok((reconnect, during, acked.duration_since(last)))
        };
        tokio::select! {
            r = watch => r,
            r = v.sync_once(&opts) => Err(anyhow!("the sync ended first: {r:?}")),
        }
    })?;
    endpoint.close(0u32.into(), b"done");
    println!(
        "records first{}{}: {records} records + {} MiB of scans queued, {} Mbit/s, {} ms RTT, {} % loss",
        match variant {
            Variant::Now => "",
            Variant::AfterWelcome => " (baseline: records after Welcome)",
            Variant::Cold => " (baseline: the path not resumed)",
            Variant::NoEarlyData => " (baseline: without 0-RTT)",
        },
        if args.warm { ", after a warm-up sync" } else { "" },
        queued.bytes_pending >> 20,
        args.rate_mbit,
        args.rtt_ms,
        args.loss_pct
    );
    println!(
        "  reconnect to all records acknowledged      {:>6.0} ms",
        reconnect.as_secs_f64() * 1e3
    );
    println!(
        "  decision during the blob transfer, acked   {:>6.0} ms",
        during.as_secs_f64() * 1e3
    );
    println!(
        "  burst of 20 inspections, last commit to all acked {:>6.0} ms",
        burst.as_secs_f64() * 1e3
    );
    println!(
        "{}",
        serde_json::json!({"bench": "records-first", "variant": format!("{variant:?}"), "warm": args.warm, "records": records, "queued_bytes": queued.bytes_pending,
            "rate_mbit": args.rate_mbit, "rtt_ms": args.rtt_ms, "loss_pct": args.loss_pct,
            "reconnect_ms": (reconnect.as_secs_f64() * 1e3).round(), "during_ms": (during.as_secs_f64() * 1e3).round(),
            "burst_ms": (burst.as_secs_f64() * 1e3).round()})
    );
    Ok(())
}

/// `n` offline inspections made on the vehicle (`seed` picks their plates).
fn offline_inspections(
    v: &mut Vehicle,
    n: usize,
    seed: u64,
    officer: &OfficerId,
    now: i64,
) -> anyhow::Result<Vec<InspectionId>> {
    Ok(v.generate(n, seed, "BENCH-RF", officer, now)?
        .iter()
        .map(|s| s.parse::<InspectionId>())
        .collect::<Result<Vec<_>, _>>()?)
}

/// A synthetic 16-bit scan of `width` × `height` as a TIFF file's bytes.
fn synthetic_tiff(width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let spec = kordon_xraysim::SceneSpec {
        width,
        height,
        ..kordon_xraysim::SceneSpec::default()
    };
    let scan = kordon_xraysim::try_generate(&spec)?;
    Ok(kordon_xraysim::encode_tiff16(
        scan.width,
        scan.height,
        &scan.high,
    )?)
}

/// A runtime, a server initialised in `dir` and its QUIC endpoint bound
/// on loopback (not serving yet).
pub(crate) fn loopback_server(
    dir: &std::path::Path,
) -> anyhow::Result<(tokio::runtime::Runtime, Central, quinn::Endpoint)> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let central = Central::init(dir, "127.0.0.1:0")?;
    let endpoint = rt.block_on(async {
        serve::bind(&central, "127.0.0.1:0".parse().context("addr")?).map_err(anyhow::Error::from)
    })?;
    Ok((rt, central, endpoint))
}

/// Polls `cond` every 10 ms (at most 2 minutes); the instant it held.
async fn wait(mut cond: impl FnMut() -> anyhow::Result<bool>) -> anyhow::Result<Instant> {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if cond()? {
            return Ok(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Err(anyhow!("timed out"))
}
