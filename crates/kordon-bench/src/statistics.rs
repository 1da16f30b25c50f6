//! The statistics page's figures over a month, timed as a supervisor
//! waits for them.
//!
//! `cargo run --release -p kordon-bench -- statistics`
//!
//! A real server store is filled with `--inspections` synthetic
//! inspections (default 100,000) from `--units` vehicles over `--days`
//! days (default 30), each created and decided on its vehicle, signed,
//! accepted and projected as a sync would; a supervisor then reviews
//! `--reviewed` of them (default one in five; agree, overrule and return
//! in turn) through the console's own operation. The store is served by
//! the server's HTTP API on loopback, and timed at the client (request to
//! last body byte):
//! - the first request, on a fresh connection, right after the server
//!   opened the store: what the first supervisor of the morning waits for;
//! - `--queries` more on one kept-alive connection (as the console holds
//!   one): the whole period, and one unit's;
//! - the CSV of the unit-and-day table.
//!
//! Baselines in the same run: the same operation in-process (the SQL
//! over the kept facts, no HTTP), and the figures computed on the fly
//! from the stored views with no kept facts (every view of the period
//! read and parsed), which is what keeping the facts saves.

use crate::console::{day_of, fill, serve_http, signed_in, Fleet, DAY_MS};
use crate::http1::{quantile_ms, Connection};
use anyhow::anyhow;
use kordon_api::console::{self as ops, NewReviewInput};
use kordon_api::statistics as stats;
use kordon_central::accounts::Role;
use kordon_central::Central;
use kordon_model::{Outcome, Verdict};
use kordon_store::{ConsoleQuery, StatsQuery};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, default_value_t = 100_000)]
    inspections: usize,
    #[arg(long, default_value_t = 10)]
    units: usize,
    #[arg(long, default_value_t = 30)]
    days: usize,
    /// Inspections the supervisor reviews, one in this many.
    #[arg(long, default_value_t = 5)]
    reviewed: usize,
    /// Requests of each kind on the kept-alive connection.
    #[arg(long, default_value_t = 50)]
    queries: usize,
}

const SUPERVISOR: &str = "sup.stats";
const PASSWORD: &str = "bench-password-1";

fn sorted(mut v: Vec<Duration>) -> Vec<Duration> {
    v.sort();
    v
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let srv = tmp.path().join("srv");
    let now = kordon_central::now_ms();
    eprintln!(
        "filling a server store with {} inspections",
        args.inspections
    );
    let t = Instant::now();
    let fleet = Fleet {
        inspections: args.inspections,
        units: args.units,
        days: args.days,
    };
    let mut central = fill(&srv, tmp.path(), &fleet, now)?;
    central.user_add(SUPERVISOR, Role::Supervisor, PASSWORD, now)?;
    let reviews = review_some(&mut central, &args, now)?;
    let stored = central.store().inspection_count()? as usize;
    let filled = t.elapsed();
    drop(central);

    let from = day_of(now - (args.days as i64 - 1) * DAY_MS);
    let to = day_of(now);
    let period = format!("from={from}&to={to}");
    let q = StatsQuery {
        from: from.clone(),
        to: to.clone(),
        unit: None,
    };

    // The first request: a fresh server on the store, a fresh connection.
    let addr = serve_http(&rt, Central::open(&srv)?)?;
    let cookie = crate::http1::login(&addr, SUPERVISOR, PASSWORD)?;
    let started = Instant::now();
    let mut fresh = Connection::open(&addr)?.with_cookie(Some(cookie));
    let r = fresh.get(&format!("/api/statistics?{period}"))?;
    let first = started.elapsed();
    if r.status != 200 {
        return Err(anyhow!(
            "statistics: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        ));
    }
    let body: serde_json::Value = serde_json::from_slice(&r.body)?;
    let counted = body["total"]["inspections"].as_u64().unwrap_or(0);
    if counted as usize != stored {
        return Err(anyhow!(
            "the period counts {counted} inspections, the store holds {stored}"
        ));
    }

    let (mut conn, mut own, actor) = signed_in(&addr, &srv, SUPERVISOR, PASSWORD)?;
    let mut kinds: Vec<(String, Vec<Duration>, Vec<Duration>)> = vec![];
    for (name, path, query) in [
        (
            "whole period, every unit",
            format!("/api/statistics?{period}"),
            q.clone(),
        ),
        (
            "whole period, one unit",
            format!("/api/statistics?{period}&unit=BENCH-0"),
            StatsQuery {
                unit: Some("BENCH-0".into()),
                ..q.clone()
            },
        ),
    ] {
        let (mut http, mut store) = (vec![], vec![]);
        for _ in 0..args.queries {
            let t = Instant::now();
            let r = conn.get(&path)?;
            http.push(t.elapsed());
            if r.status != 200 {
                return Err(anyhow!("{path}: {}", r.status));
            }
            let t = Instant::now();
            stats::statistics(&mut own, &actor, &query)?;
            store.push(t.elapsed());
        }
        kinds.push((name.to_string(), sorted(http), sorted(store)));
    }
    let mut csv = vec![];
    for _ in 0..args.queries {
        let t = Instant::now();
        let r = conn.get(&format!("/api/statistics/csv?{period}&table=day_units"))?;
        csv.push(t.elapsed());
        if r.status != 200 {
            return Err(anyhow!("csv: {}", r.status));
        }
    }
    let csv = sorted(csv);

    // Without kept facts: every view of the period read and counted.
    let mut from_views = vec![];
    for _ in 0..3 {
        let t = Instant::now();
        let n = count_from_views(&mut own, &q)?;
        from_views.push(t.elapsed());
        if n != stored {
            return Err(anyhow!("the views count {n} inspections"));
        }
    }
    let from_views = sorted(from_views);

    println!(
        "statistics: {} inspections from {} units over {} days, {} reviewed (store filled in {:.0} s)",
        stored,
        args.units,
        args.days,
        reviews,
        filled.as_secs_f64()
    );
    println!(
        "  first request, fresh server and connection: {:.1} ms",
        first.as_secs_f64() * 1e3
    );
    println!(
        "  {:<28} {:>9} {:>9} {:>11} {:>11}",
        "request", "HTTP p50", "HTTP p99", "store p50", "store p99"
    );
    let mut json = vec![];
    for (name, http, store) in &kinds {
        let (h50, h99) = (quantile_ms(http, 0.5), quantile_ms(http, 0.99));
        let (s50, s99) = (quantile_ms(store, 0.5), quantile_ms(store, 0.99));
        println!("  {name:<28} {h50:>6.1} ms {h99:>6.1} ms {s50:>8.1} ms {s99:>8.1} ms");
        json.push(serde_json::json!({"request": name, "http_p50_ms": h50, "http_p99_ms": h99, "store_p50_ms": s50, "store_p99_ms": s99}));
    }
    let (c50, c99) = (quantile_ms(&csv, 0.5), quantile_ms(&csv, 0.99));
    println!(
        "  {:<28} {c50:>6.1} ms {c99:>6.1} ms",
        "CSV, unit and day table"
    );
    let v50 = quantile_ms(&from_views, 0.5);
    println!("  without kept facts (every view parsed), median of 3: {v50:.0} ms");
    println!(
        "{}",
        serde_json::json!({"bench": "statistics", "inspections": stored, "units": args.units,
            "days": args.days, "reviewed": reviews, "first_ms": first.as_secs_f64() * 1e3,
            "csv_p50_ms": c50, "csv_p99_ms": c99, "from_views_ms": v50, "results": json})
    );
    Ok(())
}

/// Reviews one inspection in `args.reviewed` through the console's
/// operation: agree, overrule and return in turn.
fn review_some(central: &mut Central, args: &Args, now: i64) -> anyhow::Result<usize> {
    let actor = central.login(SUPERVISOR, PASSWORD, None, now)?.actor;
    let t = Instant::now();
    let mut done = 0;
    let mut offset = 0u32;
    loop {
        let page = ops::queue(
            central,
            &actor,
            &ConsoleQuery {
                offset: Some(offset),
                limit: Some(200),
                ..ConsoleQuery::default()
            },
        )?;
        if page.rows.is_empty() {
            break;
        }
        for row in page.rows.iter().step_by(args.reviewed.max(1)) {
            let (verdict, outcome, comment) = match done % 3 {
                0 => (Verdict::Agree, None, ""),
                1 => (Verdict::Overrule, Some(Outcome::Detain), "bench: overruled"),
                _ => (Verdict::Return, None, "bench: decide again"),
            };
            let input = NewReviewInput {
                verdict,
                outcome,
                reasons: if outcome.is_some() {
                    vec!["DENSITY_ANOMALY".into()]
                } else {
                    vec![]
                },
                comment: comment.into(),
            };
            ops::review(central, &actor, &row.row.view.id.to_string(), &input, None)?;
            done += 1;
        }
        offset += page.rows.len() as u32;
    }
    central.project(now)?;
    eprintln!(
        "  {done} reviews recorded ({:.0} s)",
        t.elapsed().as_secs_f64()
    );
    Ok(done)
}

/// The period's inspections counted from their views, as the figures
/// would be without the facts table: every row of each day read, every
/// view parsed, the facts derived. Returns how many it counted.
fn count_from_views(c: &mut Central, q: &StatsQuery) -> anyhow::Result<usize> {
    let mut n = 0;
    let mut agreed = 0;
    for day in q.days().map_err(|e| anyhow!(e))? {
        let rows = c.inspections(&kordon_store::Query {
            day: Some(day),
            ..kordon_store::Query::default()
        })?;
        for row in &rows {
            if row.view.facts().review == Some(Verdict::Agree) {
                agreed += 1;
            }
        }
        n += rows.len();
    }
    std::hint::black_box(agreed);
    Ok(n)
}
