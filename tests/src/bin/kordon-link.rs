//! A link between a vehicle and the server that can be cut, for the demo:
//! the user-space link emulator (a UDP relay) run as a process.
//!
//! `kordon-link --server 127.0.0.1:4433 --addr-file F --cut-file C
//!  [--delay-ms 150] [--loss 0.02] [--rate-mbit 20]` relays QUIC between
//! vehicles and the server; it writes the address vehicles must use to
//! `F`, and drops every packet while the file `C` exists (the link is
//! down). Runs until it is stopped (SIGTERM).

use anyhow::Context;
use clap::Parser;
use kordon_test_support::link::{LinkConfig, LinkEmulator};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
struct Args {
    /// The server's QUIC address.
    #[arg(long)]
    server: SocketAddr,
    /// Where to write the address vehicles connect to.
    #[arg(long)]
    addr_file: PathBuf,
    /// While this file exists, the link is down.
    #[arg(long)]
    cut_file: PathBuf,
    /// One-way delay in each direction, in milliseconds.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Share of packets lost in each direction (0..1).
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// Bottleneck rate in Mbit/s in each direction; none when left out.
    #[arg(long)]
    rate_mbit: Option<f64>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        (0.0..1.0).contains(&args.loss),
        "--loss {}: expected a share in 0..1",
        args.loss
    );
    let rate_bps = args.rate_mbit.map(|m| (m * 1e6) as u64);
    let config = LinkConfig {
        loss: args.loss,
        delay: Duration::from_millis(args.delay_ms),
        rate_bps,
        // A bottleneck queue of about 100 ms at the rate.
        queue_bytes: rate_bps.map_or(1 << 24, |r| (r / 80).max(64 * 1024) as usize),
        overhead_bytes: 28,
        ..LinkConfig::default()
    };
    let link = LinkEmulator::start(args.server, config.clone(), config, 1)
        .context("starting the relay")?;
    let tmp = args.addr_file.with_extension("tmp");
    std::fs::write(&tmp, link.addr().to_string())
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &args.addr_file)
        .with_context(|| format!("writing {}", args.addr_file.display()))?;
    let mut was_cut = None;
    loop {
        let cut = args.cut_file.exists();
        if was_cut != Some(cut) {
            link.set_cut(cut);
            eprintln!("link {}", if cut { "down" } else { "up" });
            was_cut = Some(cut);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
