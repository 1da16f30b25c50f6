//! How soon the crew's app shows a link change: the updates of the app's
//! background sync (`Vehicle::sync_in_background`, which holds its
//! connection between passes), timed as the app receives them.
//!
//! Each case: a fresh server and vehicle, the link emulator at `rtt_ms`
//! with `loss_pct` random loss each way, the loop running until it shows
//! online. Then, `trials` times: the link stays up for a random 2 to 4 s,
//! is cut, and the time until the loop shows offline is taken; it stays
//! cut a random 2 to 10 s (shorter than the connection's 30 s idle
//! timeout), is restored, and the times until it shows syncing (the link
//! seen up, a pass started) and online (the pass done) are taken. Offline
//! shown while the link was up counts as a false alarm.
//!
//! The baseline (`--baseline-trials`, in the same run) is the app's loop
//! before it held its connection: a pass every 15 s while the server
//! answers, each on a new connection given 5 s to connect, retries 5 to
//! 15 s apart; offline and online changed only when a pass ended (it also
//! showed syncing as each pass began, which is not timed here). There
//! the cut lasts at least until it shows.

use anyhow::{anyhow, Context};
use kordon_central::serve;
use kordon_test_support::link::{LinkConfig, LinkEmulator};
use kordon_vehicle::{Link, SyncOptions, Vehicle};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Comma-separated LOSS%/RTTms cases.
    #[arg(long, default_value = "0/50,5/300,5/600,20/300")]
    cases: String,
    /// Cuts and returns per case.
    #[arg(long, default_value_t = 10)]
    trials: usize,
    /// Cuts and returns per case with the baseline loop (0: none).
    #[arg(long, default_value_t = 3)]
    baseline_trials: usize,
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

#[derive(Default)]
struct Case {
    to_offline: Vec<f64>,
    to_syncing: Vec<f64>,
    to_online: Vec<f64>,
    false_offline: usize,
    up_seconds: f64,
}

/// Waits until the loop shows one of `want`, counting offline shown on
/// the way when offline is not awaited; the instant it came.
async fn until(
    shown: &mut watch::Receiver<Link>,
    want: &[Link],
    false_offline: &mut usize,
) -> anyhow::Result<Instant> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let now = *shown.borrow_and_update();
        if want.contains(&now) {
            return Ok(Instant::now());
        }
        tokio::select! {
            changed = shown.changed() => {
                changed.map_err(|_| anyhow!("the sync loop ended"))?;
                if *shown.borrow() == Link::Offline && !want.contains(&Link::Offline) {
                    *false_offline += 1;
                }
            }
            _ = tokio::time::sleep_until(deadline) => {
                return Err(anyhow!("no {want:?} within 60 s"));
            }
        }
    }
}

/// Keeps the link up for `d`, counting offline shown meanwhile.
async fn hold_up(
    shown: &mut watch::Receiver<Link>,
    d: Duration,
    false_offline: &mut usize,
) -> anyhow::Result<()> {
    let end = tokio::time::Instant::now() + d;
    loop {
        tokio::select! {
            changed = shown.changed() => {
                changed.map_err(|_| anyhow!("the sync loop ended"))?;
                if *shown.borrow_and_update() == Link::Offline {
                    *false_offline += 1;
                }
            }
            _ = tokio::time::sleep_until(end) => return Ok(()),
        }
    }
}

/// The app's loop before held connections, what it showed on `out`:
/// online after a pass that reached the server, offline after one that
/// did not.
async fn per_pass_loop(mut v: Vehicle, out: watch::Sender<Link>) {
    let opts = SyncOptions {
        connect_timeout: Duration::from_secs(5),
        ..SyncOptions::default()
    };
    let mut retry = Duration::from_secs(5);
    loop {
        let wait = match v.sync_once(&opts).await {
            Err(e) if e.is_offline() => {
                out.send_replace(Link::Offline);
                let w = retry;
                retry = (retry * 2).min(Duration::from_secs(15));
                w
            }
            _ => {
                out.send_replace(Link::Online);
                retry = Duration::from_secs(5);
                Duration::from_secs(15)
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// The app's loop as it is: `Vehicle::sync_in_background`.
async fn held_loop(mut v: Vehicle, out: watch::Sender<Link>) {
    let opts = SyncOptions {
        connect_timeout: Duration::from_secs(5),
        ..SyncOptions::default()
    };
    let wake = tokio::sync::Notify::new();
    v.sync_in_background(&opts, &wake, |u| {
        out.send_replace(u.link);
    })
    .await;
}

fn one(
    trials: usize,
    baseline: bool,
    loss_pct: f64,
    rtt_ms: u64,
    seed: u64,
) -> anyhow::Result<Case> {
    let tmp = tempfile::tempdir()?;
    let (rt, central, endpoint) = crate::records_first::loopback_server(&tmp.path().join("srv"))?;
    let now = kordon_central::now_ms();
    let cfg = LinkConfig {
        delay: Duration::from_millis(rtt_ms / 2),
        loss: loss_pct / 100.0,
        ..LinkConfig::default()
    };
    let link = LinkEmulator::start(endpoint.local_addr()?, cfg.clone(), cfg, seed)?;
    let mut v = Vehicle::open(&tmp.path().join("vehicle"))?;
    let token = central.enroll("BENCH-LINK", Some(&link.addr().to_string()), 1, now)?;
    v.enroll(&token.encode())?;
    rt.spawn(serve::serve(
        endpoint.clone(),
        Arc::new(Mutex::new(central)),
    ));
    let mut rng = seed;
    let mut case = Case::default();
    rt.block_on(async {
        let (tx, mut shown) = watch::channel(Link::Offline);
        let task = if baseline {
            tokio::spawn(per_pass_loop(v, tx))
        } else {
            tokio::spawn(held_loop(v, tx))
        };
        let mut ignored = 0;
        until(&mut shown, &[Link::Online], &mut ignored)
            .await
            .context("the first sync")?;
        for _ in 0..trials {
            let up = millis_in(&mut rng, 2_000, 4_000);
            hold_up(&mut shown, up, &mut case.false_offline).await?;
            case.up_seconds += up.as_secs_f64();
            link.set_cut(true);
            let cut = Instant::now();
            let offline = until(&mut shown, &[Link::Offline], &mut ignored).await?;
            case.to_offline
                .push(offline.duration_since(cut).as_secs_f64());
            let outage = millis_in(&mut rng, 2_000, 10_000);
            tokio::time::sleep_until(tokio::time::Instant::from_std(cut + outage)).await;
            link.set_cut(false);
            let back = Instant::now();
            let syncing = until(
                &mut shown,
                &[Link::Syncing, Link::Online],
                &mut case.false_offline,
            )
            .await?;
            case.to_syncing
                .push(syncing.duration_since(back).as_secs_f64());
            let online = until(&mut shown, &[Link::Online], &mut case.false_offline).await?;
            case.to_online
                .push(online.duration_since(back).as_secs_f64());
        }
        // Dropping the loop drops its connection, which tells the server.
        task.abort();
        let _ = task.await;
        anyhow::Ok(())
    })?;
    endpoint.close(0u32.into(), b"done");
    Ok(case)
}

/// A millisecond count in `lo..hi` from a seeded SplitMix64 sequence.
fn millis_in(state: &mut u64, lo: u64, hi: u64) -> Duration {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    Duration::from_millis(lo + z % (hi - lo).max(1))
}

fn quantile(xs: &[f64], q: f64) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

pub fn run(args: Args) -> anyhow::Result<()> {
    println!(
        "link status: {} cuts and returns per case, outages of 2 to 10 s",
        args.trials
    );
    println!("| RTT | loss | loop | cut → offline p50 / p95 / max | return → syncing p50 / p95 / max | return → online p50 / p95 / max | false offline while up |");
    println!("| ---: | ---: | --- | ---: | ---: | ---: | ---: |");
    for (i, case) in args.cases.split(',').enumerate() {
        let (loss, rtt) = case
            .split_once('/')
            .ok_or_else(|| anyhow!("case {case}: LOSS/RTT"))?;
        let loss: f64 = loss.trim().parse().context("loss %")?;
        let rtt: u64 = rtt.trim().parse().context("RTT ms")?;
        for (baseline, trials) in [(false, args.trials), (true, args.baseline_trials)] {
            if trials == 0 {
                continue;
            }
            let c = one(trials, baseline, loss, rtt, args.seed + i as u64)?;
            print_case(rtt, loss, baseline, &c);
        }
    }
    Ok(())
}

fn print_case(rtt: u64, loss: f64, baseline: bool, c: &Case) {
    let ms = |xs: &[f64]| {
        format!(
            "{:.0} / {:.0} / {:.0} ms",
            quantile(xs, 0.5) * 1000.0,
            quantile(xs, 0.95) * 1000.0,
            quantile(xs, 1.0) * 1000.0
        )
    };
    let from = if baseline {
        "a pass every 15 s (baseline)"
    } else {
        "the held connection"
    };
    println!(
        "| {rtt} ms | {loss} % | {from} | {} | {} | {} | {} in {:.0} s |",
        ms(&c.to_offline),
        if baseline {
            "–".to_string()
        } else {
            ms(&c.to_syncing)
        },
        ms(&c.to_online),
        c.false_offline,
        c.up_seconds,
    );
}
