//! A decision after a reconnect: how long until its receipt, with the
//! first messages sent early (0-RTT) and with a full handshake first.
//!
//! Per case a fresh server and vehicle (real QUIC, real SQLite) behind the
//! link emulator, with `rtt_ms` and `loss_pct` random loss each way. The
//! vehicle's process has synced before (the enrollment), so it holds the
//! server's session tickets, as the app does once its connection has gone
//! (a link cut that outlasted it, a server address that changed). Each
//! trial: an inspection is made and decided (two signed records), then a
//! sync starts on a new connection; timed from its start (connection and
//! handshake included) to both records' receipts stored on the vehicle.
//! Trials alternate: sent early, then with early data off (the baseline,
//! the sync as it was before), in the same run.

use anyhow::anyhow;
use kordon_central::serve;
use kordon_model::OfficerId;
use kordon_test_support::link::LinkEmulator;
use kordon_vehicle::{SyncOptions, Vehicle};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Comma-separated LOSS%/RTTms cases.
    #[arg(long, default_value = "0/300,5/300,0/600,5/600")]
    cases: String,
    /// Trials per case and mode.
    #[arg(long, default_value_t = 15)]
    trials: usize,
    #[arg(long, default_value_t = 10)]
    rate_mbit: u64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    println!("| RTT | loss | sent early: median, p90 | full handshake first: median, p90 | median saved | early data taken |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    for case in args.cases.split(',') {
        let (loss, rtt) = crate::scan_pair::case_of(case)?;
        let (mut early, mut full, taken) = one_case(&args, loss, rtt)?;
        let (e50, e90) = (percentile(&mut early, 0.5), percentile(&mut early, 0.9));
        let (f50, f90) = (percentile(&mut full, 0.5), percentile(&mut full, 0.9));
        println!(
            "| {rtt} ms | {loss} % | {e50:.0}, {e90:.0} ms | {f50:.0}, {f90:.0} ms | {:.0} ms | {taken}/{} |",
            f50 - e50,
            early.len()
        );
    }
    Ok(())
}

/// The times of the trials sent early and of those not (ms), and how
/// many of the first the server took early.
fn one_case(
    args: &Args,
    loss_pct: f64,
    rtt_ms: u64,
) -> anyhow::Result<(Vec<f64>, Vec<f64>, usize)> {
    let tmp = tempfile::tempdir()?;
    let (rt, central, endpoint) = crate::records_first::loopback_server(&tmp.path().join("srv"))?;
    let now = kordon_central::now_ms();
    let link_cfg = crate::scan_pair::bottleneck(args.rate_mbit * 1_000_000, rtt_ms, loss_pct);
    let link = LinkEmulator::start(endpoint.local_addr()?, link_cfg.clone(), link_cfg, 9)?;
    let dir = tmp.path().join("vehicle");
    let mut v = Vehicle::open(&dir)?;
    let token = central.enroll("BENCH-RC", Some(&link.addr().to_string()), 1, now)?;
    v.enroll(&token.encode())?;
    rt.spawn(serve::serve(
        endpoint.clone(),
        Arc::new(Mutex::new(central)),
    ));
    // The enrollment, in this process: its connection leaves tickets.
    rt.block_on(v.sync_once(&SyncOptions::default()))?;
    let officer = OfficerId::new("OF-BENCH").map_err(|e| anyhow!(e))?;
    let other = Vehicle::open(&dir)?;
    let (mut early, mut full, mut taken) = (vec![], vec![], 0);
    for trial in 0..2 * args.trials {
        let sent_early = trial % 2 == 0;
        let opts = SyncOptions {
            early_data: sent_early,
            ..SyncOptions::default()
        };
        let id = v.generate(
            1,
            trial as u64 + 1,
            "BENCH-RC",
            &officer,
            kordon_central::now_ms(),
        )?;
        if id.is_empty() {
            return Err(anyhow!("no inspection made"));
        }
        let started = Instant::now();
        let (report, acked) = rt.block_on(async {
            let watch = async {
                let deadline = Instant::now() + Duration::from_secs(120);
                while Instant::now() < deadline {
                    if other.store().counts()?.pending == 0 {
                        return anyhow::Ok(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                Err(anyhow!("records not acknowledged within 2 minutes"))
            };
            tokio::join!(v.sync_once(&opts), watch)
        });
        let report = report?;
        let ms = acked?.saturating_duration_since(started).as_secs_f64() * 1e3;
        eprintln!(
            "{loss_pct} % / {rtt_ms} ms, {}: {ms:.0} ms (taken early: {:?})",
            if sent_early {
                "early"
            } else {
                "full handshake"
            },
            report.zero_rtt
        );
        if sent_early {
            taken += usize::from(report.zero_rtt == Some(true));
            early.push(ms);
        } else {
            full.push(ms);
        }
    }
    endpoint.close(0u32.into(), b"done");
    Ok((early, full, taken))
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let at = ((values.len() as f64 - 1.0) * p).round() as usize;
    values.get(at).copied().unwrap_or(f64::NAN)
}
