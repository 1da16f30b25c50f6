//! A pair of scans over a slow, lossy link, end to end: from the start of
//! a sync (connection, handshake, the records round and all) to the last
//! scan stored on the server, as the crew waits for it.
//!
//! Each run: a fresh server and vehicle, one inspection with two 16-bit
//! scans of `scan_mib` each (synthetic, different), the link emulator at
//! `rate_mbit` with `rtt_ms` and `loss_pct` random loss each way and a
//! queue of one BDP. Goodput is the scans' bytes over that time, as a
//! fraction of C × (1 − loss); the vehicle's packets dropped at the
//! bottleneck queue are counted. Pipelined (the next scan offered once the
//! one before is all sent) and not, alternately, in the same run.

use anyhow::{anyhow, Context};
use kordon_central::serve;
use kordon_model::OfficerId;
use kordon_test_support::link::{LinkConfig, LinkEmulator};
use kordon_vehicle::{ScanDetails, SyncOptions, Vehicle};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Size of each scan, MiB.
    #[arg(long, default_value_t = 24)]
    scan_mib: usize,
    #[arg(long, default_value_t = 10)]
    rate_mbit: u64,
    /// Comma-separated LOSS%/RTTms cases.
    #[arg(long, default_value = "1/50,5/300,5/600,20/300")]
    cases: String,
    /// Runs of each mode per case.
    #[arg(long, default_value_t = 2)]
    runs: usize,
}

struct Outcome {
    seconds: f64,
    of_ideal: f64,
    queue_drops: f64,
}

fn one(
    args: &Args,
    loss_pct: f64,
    rtt_ms: u64,
    pipelined: bool,
    scan: &[u8],
) -> anyhow::Result<Outcome> {
    let tmp = tempfile::tempdir()?;
    let (rt, central, endpoint) = crate::records_first::loopback_server(&tmp.path().join("srv"))?;
    let now = kordon_central::now_ms();
    let rate_bps = args.rate_mbit * 1_000_000;
    let link_cfg = LinkConfig {
        delay: Duration::from_millis(rtt_ms / 2),
        rate_bps: Some(rate_bps),
        queue_bytes: ((rate_bps / 8 * rtt_ms / 1000) as usize).max(64 * 1024),
        loss: loss_pct / 100.0,
        overhead_bytes: 28,
        ..LinkConfig::default()
    };
    let link = LinkEmulator::start(endpoint.local_addr()?, link_cfg.clone(), link_cfg, 7)?;
    let mut v = Vehicle::open(&tmp.path().join("vehicle"))?;
    let token = central.enroll("BENCH-SP", Some(&link.addr().to_string()), 1, now)?;
    v.enroll(&token.encode())?;
    let officer = OfficerId::new("OF-BENCH").map_err(|e| anyhow!(e))?;
    let id = v.generate(1, 7, "BENCH-SP", &officer, now)?[0]
        .parse()
        .map_err(|e| anyhow!("{e:?}"))?;
    let file = tmp.path().join("scan.tif");
    for n in 0..2u8 {
        let mut b = scan.to_vec();
        let at = b.len() - 2;
        b[at] ^= n + 1;
        std::fs::write(&file, &b)?;
        v.add_scan(id, &file, None, &ScanDetails::default(), &officer, now)?;
    }
    let bytes = v.blob_counts()?.bytes_pending;
    rt.spawn(serve::serve(
        endpoint.clone(),
        Arc::new(Mutex::new(central)),
    ));
    let opts = SyncOptions {
        pipeline_blobs: pipelined,
        ..SyncOptions::default()
    };
    let (sent0, drops0) = (
        link.up_stats().sent.load(Ordering::Relaxed),
        link.up_stats().queue_drops.load(Ordering::Relaxed),
    );
    // Another handle on the store sees the last scan noted as stored
    // (the sync then closes the connection, waiting up to 1 s for that).
    let other = Vehicle::open(&tmp.path().join("vehicle"))?;
    let started = Instant::now();
    let (report, stored) = rt.block_on(async {
        let watch = async {
            let deadline = Instant::now() + Duration::from_secs(600);
            while Instant::now() < deadline {
                if other.blob_counts()?.pending == 0 {
                    return anyhow::Ok(Instant::now());
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err(anyhow!("scans not stored within 10 minutes"))
        };
        tokio::join!(v.sync_once(&opts), watch)
    });
    report?;
    let seconds = stored?.saturating_duration_since(started).as_secs_f64();
    endpoint.close(0u32.into(), b"done");
    let sent = link.up_stats().sent.load(Ordering::Relaxed) - sent0;
    let drops = link.up_stats().queue_drops.load(Ordering::Relaxed) - drops0;
    let ideal = rate_bps as f64 * (1.0 - loss_pct / 100.0);
    Ok(Outcome {
        seconds,
        of_ideal: bytes as f64 * 8.0 / seconds / ideal,
        queue_drops: drops as f64 / sent.max(1) as f64,
    })
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let pixels = args.scan_mib * (1 << 20) / 2;
    let width = 4096;
    let spec = kordon_xraysim::SceneSpec {
        width,
        height: (pixels / width as usize) as u32,
        ..kordon_xraysim::SceneSpec::default()
    };
    let scan = kordon_xraysim::try_generate(&spec)?;
    let tiff = kordon_xraysim::encode_tiff16(scan.width, scan.height, &scan.high)?;
    println!(
        "scan pair: 2 × {:.1} MiB, {} Mbit/s, queue of one BDP",
        tiff.len() as f64 / f64::from(1u32 << 20),
        args.rate_mbit
    );
    println!("| RTT | loss | pipelined | time | of C(1−p) | queue drops |");
    println!("| ---: | ---: | --- | ---: | ---: | ---: |");
    for case in args.cases.split(',') {
        let (loss, rtt) = case
            .split_once('/')
            .ok_or_else(|| anyhow!("case {case}: LOSS/RTT"))?;
        let loss: f64 = loss.trim().parse().context("loss %")?;
        let rtt: u64 = rtt.trim().parse().context("RTT ms")?;
        for _ in 0..args.runs {
            for pipelined in [true, false] {
                let o = one(&args, loss, rtt, pipelined, &tiff)?;
                println!(
                    "| {rtt} ms | {loss} % | {} | {:.1} s | {:.3} | {:.2} % |",
                    if pipelined { "yes" } else { "no" },
                    o.seconds,
                    o.of_ideal,
                    o.queue_drops * 100.0
                );
            }
        }
    }
    Ok(())
}
