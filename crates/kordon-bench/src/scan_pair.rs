//! A pair of scans over a slow, lossy link, end to end: from the start of
//! a sync (connection, handshake, the records round and all) to the last
//! scan stored on the server, as the crew waits for it.
//!
//! Each run: a fresh server and vehicle (enrolled by a first, empty sync,
//! as a crew's vehicle is before it goes out), one inspection with two
//! 16-bit scans of `scan_mib` each (synthetic, different), the link
//! emulator at `rate_mbit` with `rtt_ms` and `loss_pct` random loss each
//! way and a queue of one BDP. Goodput is the scans' bytes over that
//! time, as a fraction of C × (1 − loss); the vehicle's packets dropped at
//! the bottleneck queue are counted. The sync as it is now and as it was
//! before each change to it ([`Mode`]), alternately, in the same run.
//! With `--warm` the vehicle has sent a third scan over the same link in a
//! sync of its own first, so its next connection may resume the path and,
//! in the same process, its TLS session (its first messages go with its
//! first packet, 0-RTT); measured resuming, without 0-RTT, and starting
//! cold. Without `--warm` the measured sync is the process's first
//! connection since its enrollment, as after a restart of the vehicle's
//! PC: no session to resume.

use anyhow::{anyhow, Context};
use kordon_central::serve;
use kordon_model::OfficerId;
use kordon_test_support::link::{LinkConfig, LinkEmulator};
use kordon_vehicle::{BlobPipeline, ScanDetails, SyncOptions, Vehicle};
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
    /// Print where each run's time went: the first blob bytes across the
    /// link, each scan stored, and the link's use second by second.
    #[arg(long)]
    timeline: bool,
    /// The vehicle has sent a scan over the same link before (a third one,
    /// in a sync of its own after the enrollment), so it remembers the
    /// path; measured with that memory used and not.
    #[arg(long)]
    warm: bool,
}

/// How the sync is run: as it is now, and as it was before each change
/// (the baselines, in the same run).
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// The first records with the Hello and the log asked right behind
    /// them, the scans offered with their BlobHello (the server holds the
    /// offers until the records are in), the bytes after that log check;
    /// two scans' streams taking turns.
    Now,
    /// As before that: the first scan offered once the records are
    /// answered, its bytes after the log check at the end of the round.
    OfferedOnceAnswered,
    /// As before that: the records after Welcome, the first scan offered
    /// once the round has ended, its log check included.
    AfterTheRound,
    /// The records round first; each scan offered once the last is stored.
    NotPipelined,
    /// As now, but a new connection starts cold whatever the last one
    /// learnt of the path.
    Cold,
    /// As now, but nothing sent before the handshake is done (no 0-RTT).
    NoEarlyData,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Now => "scans offered with their BlobHello, the log asked behind the records",
            Mode::OfferedOnceAnswered => {
                "records with the Hello, scans offered once they are answered"
            }
            Mode::AfterTheRound => "records after Welcome, scans offered after the round",
            Mode::NotPipelined => "after the records round, not pipelined",
            Mode::Cold => "as now, the path not resumed",
            Mode::NoEarlyData => "as now, without 0-RTT",
        }
    }
}

/// A `LOSS%/RTTms` case: the loss in per cent and the RTT in ms.
pub(crate) fn case_of(case: &str) -> anyhow::Result<(f64, u64)> {
    let (loss, rtt) = case
        .split_once('/')
        .ok_or_else(|| anyhow!("case {case}: LOSS/RTT"))?;
    Ok((
        loss.trim().parse().context("loss %")?,
        rtt.trim().parse().context("RTT ms")?,
    ))
}

/// One way of a link at `rate_bps` with half of `rtt_ms` of delay,
/// `loss_pct` random loss, a queue of one bandwidth-delay product (64 kB
/// at least), and each packet's IP and UDP headers counted.
pub(crate) fn bottleneck(rate_bps: u64, rtt_ms: u64, loss_pct: f64) -> LinkConfig {
    LinkConfig {
        delay: Duration::from_millis(rtt_ms / 2),
        rate_bps: Some(rate_bps),
        queue_bytes: ((rate_bps / 8 * rtt_ms / 1000) as usize).max(64 * 1024),
        loss: loss_pct / 100.0,
        overhead_bytes: 28,
        ..LinkConfig::default()
    }
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
    mode: Mode,
    scan: &[u8],
) -> anyhow::Result<Outcome> {
    let tmp = tempfile::tempdir()?;
    let (rt, central, endpoint) = crate::records_first::loopback_server(&tmp.path().join("srv"))?;
    let now = kordon_central::now_ms();
    let rate_bps = args.rate_mbit * 1_000_000;
    let link_cfg = bottleneck(rate_bps, rtt_ms, loss_pct);
    let link = LinkEmulator::start(endpoint.local_addr()?, link_cfg.clone(), link_cfg, 7)?;
    let mut v = Vehicle::open(&tmp.path().join("vehicle"))?;
    let token = central.enroll("BENCH-SP", Some(&link.addr().to_string()), 1, now)?;
    v.enroll(&token.encode())?;
    rt.spawn(serve::serve(
        endpoint.clone(),
        Arc::new(Mutex::new(central)),
    ));
    // Enrolled on an earlier sync, as a crew's vehicle is before it goes
    // out (the first sync of all enrolls the device before scans may go),
    // by another process of the vehicle's: it leaves no TLS session.
    rt.block_on(v.sync_once(&SyncOptions {
        early_data: false,
        ..SyncOptions::default()
    }))?;
    let officer = OfficerId::new("OF-BENCH").map_err(|e| anyhow!(e))?;
    let file = tmp.path().join("scan.tif");
    if args.warm {
        // An earlier scan, sent in a sync of its own over the same link:
        // that connection leaves what it learnt of the path behind.
        let id = v.generate(1, 8, "BENCH-SP", &officer, now)?[0]
            .parse()
            .map_err(|e| anyhow!("{e:?}"))?;
        let mut b = scan.to_vec();
        let at = b.len() - 3;
        b[at] ^= 0x5a;
        std::fs::write(&file, &b)?;
        v.add_scan(id, &file, None, &ScanDetails::default(), &officer, now)?;
        rt.block_on(v.sync_once(&SyncOptions::default()))?;
    }
    let id = v.generate(1, 7, "BENCH-SP", &officer, now)?[0]
        .parse()
        .map_err(|e| anyhow!("{e:?}"))?;
    for n in 0..2u8 {
        let mut b = scan.to_vec();
        let at = b.len() - 2;
        b[at] ^= n + 1;
        std::fs::write(&file, &b)?;
        v.add_scan(id, &file, None, &ScanDetails::default(), &officer, now)?;
    }
    let bytes = v.blob_counts()?.bytes_pending;
    let opts = match mode {
        Mode::Now => SyncOptions::default(),
        Mode::OfferedOnceAnswered => SyncOptions {
            offer_with_hello: false,
            ..SyncOptions::default()
        },
        Mode::AfterTheRound => SyncOptions {
            records_with_hello: false,
            offer_before_log_check: false,
            ..SyncOptions::default()
        },
        Mode::NotPipelined => SyncOptions {
            blobs_beside_first_round: false,
            pipeline_blobs: BlobPipeline::OneAtATime,
            records_with_hello: false,
            ..SyncOptions::default()
        },
        Mode::Cold => SyncOptions {
            resume_path: false,
            ..SyncOptions::default()
        },
        Mode::NoEarlyData => SyncOptions {
            early_data: false,
            ..SyncOptions::default()
        },
    };
    let (sent0, drops0) = (
        link.up_stats().sent.load(Ordering::Relaxed),
        link.up_stats().queue_drops.load(Ordering::Relaxed),
    );
    // Another handle on the store sees the last scan noted as stored
    // (the sync then closes the connection, waiting up to 1 s for that).
    let other = Vehicle::open(&tmp.path().join("vehicle"))?;
    let started = Instant::now();
    let delivered0 = link.up_stats().delivered_bytes.load(Ordering::Relaxed);
    let mut timeline = Timeline::default();
    let (report, stored) = rt.block_on(async {
        let watch = async {
            let deadline = Instant::now() + Duration::from_secs(600);
            while Instant::now() < deadline {
                let pending = other.blob_counts()?.pending;
                let up = link.up_stats().delivered_bytes.load(Ordering::Relaxed) - delivered0;
                timeline.sample(started.elapsed(), up, pending);
                if pending == 0 {
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
    if args.timeline {
        timeline.print(rate_bps);
    }
    Ok(Outcome {
        seconds,
        of_ideal: bytes as f64 * 8.0 / seconds / ideal,
        queue_drops: drops as f64 / sent.max(1) as f64,
    })
}

/// Where a run's time went, sampled every 5 ms: bytes delivered towards
/// the server by the link, and scans still pending on the vehicle.
#[derive(Default)]
struct Timeline {
    /// (time, bytes delivered up, scans pending)
    samples: Vec<(Duration, u64, u64)>,
}

impl Timeline {
    fn sample(&mut self, at: Duration, up_bytes: u64, pending: u64) {
        self.samples.push((at, up_bytes, pending));
    }

    fn print(&self, rate_bps: u64) {
        let first_over = |bytes: u64| {
            self.samples
                .iter()
                .find(|s| s.1 >= bytes)
                .map_or(f64::NAN, |s| s.0.as_secs_f64())
        };
        let mut stored = vec![];
        for w in self.samples.windows(2) {
            if w[1].2 < w[0].2 {
                stored.push(format!("{:.2} s", w[1].0.as_secs_f64()));
            }
        }
        println!(
            "  first 64 KiB across: {:.2} s; first 1 MiB: {:.2} s; scans stored at {}",
            first_over(64 << 10),
            first_over(1 << 20),
            stored.join(", ")
        );
        // The link's use second by second, as a share of its rate.
        let per_s = rate_bps as f64 / 8.0;
        let mut line = String::from("  use per second:");
        let mut at = Duration::ZERO;
        let mut last = 0u64;
        for s in &self.samples {
            if s.0 >= at + Duration::from_secs(1) {
                line.push_str(&format!(" {:.2}", (s.1 - last) as f64 / per_s));
                last = s.1;
                at += Duration::from_secs(1);
            }
        }
        println!("{line}");
    }
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
    println!("| RTT | loss | scans | time | of C(1−p) | queue drops |");
    println!("| ---: | ---: | --- | ---: | ---: | ---: |");
    for case in args.cases.split(',') {
        let (loss, rtt) = case_of(case)?;
        for _ in 0..args.runs {
            let modes: &[Mode] = if args.warm {
                &[
                    Mode::Now,
                    Mode::NoEarlyData,
                    Mode::OfferedOnceAnswered,
                    Mode::Cold,
                ]
            } else {
                &[
                    Mode::Now,
                    Mode::OfferedOnceAnswered,
                    Mode::AfterTheRound,
                    Mode::NotPipelined,
                ]
            };
            for &mode in modes {
                let o = one(&args, loss, rtt, mode, &tiff)?;
                println!(
                    "| {rtt} ms | {loss} % | {} | {:.1} s | {:.3} | {:.2} % |",
                    mode.name(),
                    o.seconds,
                    o.of_ideal,
                    o.queue_drops * 100.0
                );
            }
        }
    }
    Ok(())
}
