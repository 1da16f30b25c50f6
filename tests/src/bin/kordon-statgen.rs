//! Makes the statistics' seeded history against a running server (see
//! `kordon_e2e::statgen`) and writes the statistics it must give, as the
//! server's `Statistics` JSON, for the console's end-to-end test.
//!
//! `kordon-statgen --http 127.0.0.1:8080 --supervisor sup.kovalenko
//!  --kordon target/debug/kordon --vehicle DIR=UNIT --vehicle DIR=UNIT
//!  --scan FILE --out expected.json` with the supervisor's password in
//! `KORDON_PASSWORD`.

use anyhow::{anyhow, Context};
use clap::Parser;
use kordon_e2e::statgen::{self, History};
use std::path::PathBuf;

#[derive(Parser, Debug)]
struct Args {
    /// The console's address, `host:port`.
    #[arg(long)]
    http: String,
    #[arg(long)]
    supervisor: String,
    #[arg(long, env = "KORDON_PASSWORD", hide_env_values = true)]
    password: String,
    /// The `kordon` CLI the vehicles sync with.
    #[arg(long)]
    kordon: PathBuf,
    /// An enrolled vehicle's data folder and its unit, `DIR=UNIT`.
    #[arg(long, required = true)]
    vehicle: Vec<String>,
    /// A scan file to attach (give one or two).
    #[arg(long)]
    scan: Vec<PathBuf>,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// The history's first UTC day.
    #[arg(long, default_value = "2026-03-02")]
    first_day: String,
    #[arg(long, default_value_t = 5)]
    days: u32,
    #[arg(long, default_value_t = 4)]
    per_day: u32,
    /// Where the expected statistics go.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let vehicles = a
        .vehicle
        .iter()
        .map(|v| {
            v.split_once('=')
                .map(|(dir, unit)| (PathBuf::from(dir), unit.to_string()))
                .ok_or_else(|| anyhow!("--vehicle {v:?}: give DIR=UNIT"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let first_day = time::Date::parse(&a.first_day, format)
        .with_context(|| format!("--first-day {:?}", a.first_day))?;
    let made = statgen::make(&History {
        http: a.http,
        supervisor: a.supervisor,
        password: a.password,
        kordon: a.kordon,
        vehicles,
        scans: a.scan,
        seed: a.seed,
        first_day,
        days: a.days,
        per_day: a.per_day,
    });
    std::fs::write(&a.out, serde_json::to_vec_pretty(&made.expected)?)
        .with_context(|| format!("writing {}", a.out.display()))?;
    println!(
        "{} inspections from {} to {}; expected statistics in {}",
        made.inspections,
        made.from,
        made.to,
        a.out.display()
    );
    Ok(())
}
