//! How soon the vehicle's link status follows a link change, as the app
//! shows it: the app's background sync holds its connection between
//! passes and shows `Vehicle::link`'s state.
//!
//! Each case: a fresh server and vehicle, the link emulator at `rtt_ms`
//! with `loss_pct` random loss each way, one sync pass that keeps its
//! connection. Then, `trials` times: the link stays up for a random 2 to
//! 4 s, is cut, and the time until the state turns `Down` is taken; it
//! stays cut a random 2 to 10 s (shorter than the connection's 30 s idle
//! timeout), is restored, and the time until `Up` is taken. Changes to
//! `Down` while the link was up are counted as false alarms.
//!
//! The baseline (`--baseline-trials`, in the same run) is the app's loop
//! before it held its connection: a pass every 15 s while the server
//! answers, each on a new connection given 5 s to connect, retries 5 to
//! 15 s apart; the status changed only when a pass ended. There the cut
//! lasts at least until it shows.

use anyhow::{anyhow, Context};
use kordon_central::serve;
use kordon_test_support::link::{LinkConfig, LinkEmulator};
use kordon_vehicle::{LinkState, SyncOptions, Vehicle};
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

struct Case {
    to_down: Vec<f64>,
    to_up: Vec<f64>,
    false_downs: usize,
    up_seconds: f64,
}

/// Waits for `want`, counting changes to `Down` on the way; the instant it
/// came.
async fn until(
    link: &mut watch::Receiver<LinkState>,
    want: LinkState,
    false_downs: &mut usize,
) -> anyhow::Result<Instant> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if *link.borrow_and_update() == want {
            return Ok(Instant::now());
        }
        tokio::select! {
            changed = link.changed() => {
                changed.map_err(|_| anyhow!("the vehicle dropped its link watch"))?;
                if *link.borrow() == LinkState::Down && want != LinkState::Down {
                    *false_downs += 1;
                }
                if *link.borrow() == LinkState::Closed {
                    return Err(anyhow!("the held connection ended"));
                }
            }
            _ = tokio::time::sleep_until(deadline) => {
                return Err(anyhow!("no {want:?} within 60 s"));
            }
        }
    }
}

/// Holds the link up for `d`, counting false alarms.
async fn hold_up(
    link: &mut watch::Receiver<LinkState>,
    d: Duration,
    false_downs: &mut usize,
) -> anyhow::Result<()> {
    let end = tokio::time::Instant::now() + d;
    loop {
        tokio::select! {
            changed = link.changed() => {
                changed.map_err(|_| anyhow!("the vehicle dropped its link watch"))?;
                match *link.borrow_and_update() {
                    LinkState::Down => *false_downs += 1,
                    LinkState::Closed => return Err(anyhow!("the held connection ended")),
                    LinkState::Up => {}
                }
            }
            _ = tokio::time::sleep_until(end) => return Ok(()),
        }
    }
}

/// The app's loop before held connections, its status on `out`: `Up`
/// after a pass that reached the server, `Down` after one that did not.
async fn per_pass_loop(mut v: Vehicle, out: watch::Sender<LinkState>) {
    let opts = SyncOptions {
        connect_timeout: Duration::from_secs(5),
        ..SyncOptions::default()
    };
    let mut retry = Duration::from_secs(5);
    loop {
        let wait = match v.sync_once(&opts).await {
            Err(e) if matches!(e.code(), "unreachable" | "sync_failed") => {
                out.send_replace(LinkState::Down);
                let w = retry;
                retry = (retry * 2).min(Duration::from_secs(15));
                w
            }
            _ => {
                out.send_replace(LinkState::Up);
                retry = Duration::from_secs(5);
                Duration::from_secs(15)
            }
        };
        tokio::time::sleep(wait).await;
    }
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
    let opts = SyncOptions {
        hold_connection: !baseline,
        ..SyncOptions::default()
    };
    let mut rng = seed;
    let mut case = Case {
        to_down: Vec::new(),
        to_up: Vec::new(),
        false_downs: 0,
        up_seconds: 0.0,
    };
    rt.block_on(async {
        let report = v.sync_once(&opts).await.context("the first sync")?;
        anyhow::ensure!(report.complete, "the first sync did not complete");
        let (mut watch, baseline_loop) = if baseline {
            let (tx, rx) = watch::channel(LinkState::Up);
            let other = Vehicle::open(&tmp.path().join("vehicle"))?;
            (rx, Some(tokio::spawn(per_pass_loop(other, tx))))
        } else {
            (v.link(), None)
        };
        anyhow::ensure!(
            *watch.borrow() == LinkState::Up,
            "no held connection after the sync"
        );
        for _ in 0..trials {
            let up = millis_in(&mut rng, 2_000, 4_000);
            hold_up(&mut watch, up, &mut case.false_downs).await?;
            case.up_seconds += up.as_secs_f64();
            link.set_cut(true);
            let cut = Instant::now();
            let mut ignored = 0;
            let down = until(&mut watch, LinkState::Down, &mut ignored).await?;
            case.to_down.push(down.duration_since(cut).as_secs_f64());
            let outage = millis_in(&mut rng, 2_000, 10_000);
            tokio::time::sleep_until(tokio::time::Instant::from_std(cut + outage)).await;
            link.set_cut(false);
            let back = Instant::now();
            let upped = until(&mut watch, LinkState::Up, &mut case.false_downs).await?;
            case.to_up.push(upped.duration_since(back).as_secs_f64());
        }
        if let Some(task) = baseline_loop {
            task.abort();
        }
        // The held connection still syncs after all that.
        let report = v.sync_once(&opts).await.context("the last sync")?;
        anyhow::ensure!(report.complete, "the last sync did not complete");
        anyhow::Ok(())
    })?;
    v.drop_connection();
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
    println!("| RTT | loss | status from | cut → offline p50 / p95 / max | return → online p50 / p95 / max | false offline while up |");
    println!("| ---: | ---: | --- | ---: | ---: | ---: |");
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
    let ms = |xs: &[f64], q| quantile(xs, q) * 1000.0;
    let from = if baseline {
        "each pass (baseline)"
    } else {
        "the held connection"
    };
    println!(
        "| {rtt} ms | {loss} % | {from} | {:.0} / {:.0} / {:.0} ms | {:.0} / {:.0} / {:.0} ms | {} in {:.0} s |",
        ms(&c.to_down, 0.5),
        ms(&c.to_down, 0.95),
        ms(&c.to_down, 1.0),
        ms(&c.to_up, 0.5),
        ms(&c.to_up, 0.95),
        ms(&c.to_up, 1.0),
        c.false_downs,
        c.up_seconds,
    );
}
