//! The administrators' and auditors' screens, timed as they wait for them.
//!
//! `cargo run --release -p kordon-bench -- admin`
//!
//! A real server store is filled with `--devices` enrolled vehicles (each
//! having stated its version and backlog, a tenth of them revoked with a
//! reason), records from `--vehicles` of them (`--inspections` synthetic
//! inspections, signed, accepted and projected as a sync would), refused
//! connections, and console actions up to `--trail-rows` events in the
//! audit trail in all. Then the server's own HTTP API answers, on one
//! kept-alive connection with a signed-in administrator's cookie: the
//! fleet page; the audit trail's first page, a page deep in the trail,
//! and filtered pages (by unit, refusals only, one officer). Each is timed
//! at the client (request to last body byte) and, as the baseline, the
//! same operation called in-process.

use crate::http1::quantile_ms;
use anyhow::anyhow;
use kordon_api::{audit, fleet};
use kordon_central::accounts::Role;
use kordon_central::trail::{TrailKind, TrailQuery};
use kordon_central::Central;
use kordon_model::OfficerId;
use kordon_record::DeviceKey;
use kordon_store::NewAuditEntry;
use kordon_vehicle::Vehicle;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Devices in the register.
    #[arg(long, default_value_t = 2000)]
    devices: usize,
    /// Of which this many have synced inspections.
    #[arg(long, default_value_t = 10)]
    vehicles: usize,
    /// Inspections they synced.
    #[arg(long, default_value_t = 10_000)]
    inspections: usize,
    /// Events in the audit trail in all (records, refusals and console
    /// actions).
    #[arg(long, default_value_t = 1_000_000)]
    trail_rows: usize,
    /// Requests of each kind.
    #[arg(long, default_value_t = 200)]
    queries: usize,
}

const ADMIN: &str = "adm.bench";
const PASSWORD: &str = "bench-password-1";
const DAY_MS: i64 = 86_400_000;

pub fn run(args: Args) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let srv = tmp.path().join("srv");
    let now = kordon_central::now_ms();
    let t = Instant::now();
    let (records, refusals, console) = fill(&srv, tmp.path(), &args, now)?;
    let filled = t.elapsed();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let addr = crate::console::serve_http(&rt, Central::open(&srv)?)?;
    let (mut conn, mut own, actor) = crate::console::signed_in(&addr, &srv, ADMIN, PASSWORD)?;

    println!(
        "admin screens: {} devices; audit trail of {} events ({records} records, {refusals} refusals, {console} console actions); store filled in {:.0} s",
        args.devices,
        records + refusals + console,
        filled.as_secs_f64()
    );
    println!(
        "  {:<34} {:>9} {:>9} {:>11} {:>11} {:>8}",
        "request", "HTTP p50", "HTTP p99", "store p50", "store p99", "rows"
    );
    let mut json = vec![];

    // The fleet page.
    let mut http = vec![];
    let mut store = vec![];
    let mut rows = 0;
    for _ in 0..args.queries {
        let started = Instant::now();
        let r = conn.get("/api/fleet")?;
        http.push(started.elapsed());
        if r.status != 200 {
            return Err(anyhow!(
                "fleet: {} {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            ));
        }
        let started = Instant::now();
        rows = fleet::fleet(&mut own, &actor, None)?.devices.len();
        store.push(started.elapsed());
    }
    report(
        "fleet page (every device)",
        &mut http,
        &mut store,
        rows,
        &mut json,
    );

    // A cursor deep in the trail: half-way back in time.
    let deep = own
        .trail(&TrailQuery {
            to_ms: Some(now - 5 * DAY_MS),
            limit: Some(1),
            ..TrailQuery::default()
        })?
        .events
        .first()
        .map(|e| e.cursor.clone())
        .ok_or_else(|| anyhow!("no event half-way back"))?;
    let kinds: Vec<(&str, String, TrailQuery)> = vec![
        (
            "trail: first page (100)",
            String::new(),
            TrailQuery::default(),
        ),
        (
            "trail: a page half-way back",
            format!("after={deep}"),
            TrailQuery {
                after: Some(deep.clone()),
                ..TrailQuery::default()
            },
        ),
        (
            "trail: one unit's records and refusals",
            "unit=BENCH-0".into(),
            TrailQuery {
                unit: Some("BENCH-0".into()),
                ..TrailQuery::default()
            },
        ),
        (
            "trail: refusals only",
            "refused_only=true".into(),
            TrailQuery {
                refused_only: true,
                ..TrailQuery::default()
            },
        ),
        (
            "trail: console actions of one account",
            "kind=console&actor=sup.bench-7".into(),
            TrailQuery {
                kind: Some(TrailKind::Console),
                actor: Some("sup.bench-7".into()),
                ..TrailQuery::default()
            },
        ),
    ];
    for (name, query, q) in &kinds {
        let mut http = vec![];
        let mut store = vec![];
        let mut rows = 0;
        for _ in 0..args.queries {
            let started = Instant::now();
            let r = conn.get(&format!("/api/trail?{query}"))?;
            http.push(started.elapsed());
            if r.status != 200 {
                return Err(anyhow!(
                    "{query}: {} {}",
                    r.status,
                    String::from_utf8_lossy(&r.body)
                ));
            }
            let started = Instant::now();
            rows = audit::trail(&mut own, &actor, q)?.events.len();
            store.push(started.elapsed());
        }
        if rows == 0 {
            return Err(anyhow!("{name}: no events"));
        }
        report(name, &mut http, &mut store, rows, &mut json);
    }
    println!(
        "{}",
        serde_json::json!({"bench": "admin", "devices": args.devices, "trail_rows": records + refusals + console, "queries": args.queries, "results": json})
    );
    Ok(())
}

fn report(
    name: &str,
    http: &mut [Duration],
    store: &mut [Duration],
    rows: usize,
    json: &mut Vec<serde_json::Value>,
) {
    http.sort();
    store.sort();
    let (h50, h99) = (quantile_ms(http, 0.5), quantile_ms(http, 0.99));
    let (s50, s99) = (quantile_ms(store, 0.5), quantile_ms(store, 0.99));
    println!("  {name:<34} {h50:>6.2} ms {h99:>6.2} ms {s50:>8.2} ms {s99:>8.2} ms {rows:>8}");
    json.push(serde_json::json!({"request": name, "http_p50_ms": h50, "http_p99_ms": h99, "store_p50_ms": s50, "store_p99_ms": s99, "rows": rows}));
}

/// The register, the records, the refusals and the console's actions.
/// Returns how many events of each kind the trail holds.
fn fill(
    srv: &std::path::Path,
    scratch: &std::path::Path,
    args: &Args,
    now: i64,
) -> anyhow::Result<(usize, usize, usize)> {
    let mut central = Central::init(srv, "127.0.0.1:4433")?;
    central.user_add(ADMIN, Role::Administrator, PASSWORD, now)?;
    eprintln!("enrolling {} devices", args.devices);
    let mut keys = vec![];
    for i in 0..args.devices {
        let unit = format!("BENCH-{}", i % 200);
        let key = DeviceKey::generate().public();
        let token = central.enroll(&unit, Some("127.0.0.1:4433"), 1, now)?;
        central
            .authorize(
                &key,
                Some(&token.secret_bytes()?),
                "10.0.0.1:4433",
                now - (i as i64 % 30) * DAY_MS,
            )?
            .map_err(|r| anyhow!(r.reason))?;
        central.note_stated(
            &key,
            "0.1.0",
            kordon_proto::Backlog {
                records: (i % 17) as u64,
                scan_bytes: (i % 5) as u64 * 48_000_000,
            },
            now + (i as i64 % 7) * 1000,
            now,
        )?;
        keys.push(key);
    }
    // A tenth revoked, each then refused twice.
    let mut refusals = 0;
    for key in keys.iter().step_by(10) {
        central.revoke_with(
            &kordon_central::RevokeTarget::Device(key.to_string()),
            "bench: tablet withdrawn",
            Some(ADMIN),
            now,
        )?;
        for k in 0..2 {
            let _ = central.authorize(key, None, "10.0.0.9:4433", now - k * DAY_MS)?;
            refusals += 1;
        }
    }
    // Records from a few vehicles, over ten days.
    eprintln!(
        "{} inspections from {} vehicles",
        args.inspections, args.vehicles
    );
    let officer = OfficerId::new("OF-BENCH").map_err(|e| anyhow!(e))?;
    let per_vehicle = args.inspections / args.vehicles.max(1);
    let mut records = 0;
    for u in 0..args.vehicles {
        let unit = format!("BENCH-{u}");
        let dir = scratch.join(format!("vehicle-{u}"));
        let mut v = Vehicle::open(&dir)?;
        let token = central.enroll(&unit, Some("127.0.0.1:4433"), 1, now)?;
        v.enroll(&token.encode())?;
        central
            .authorize(&v.public_key(), Some(&token.secret_bytes()?), "bench", now)?
            .map_err(|r| anyhow!(r.reason))?;
        for d in 0..10 {
            v.generate(
                per_vehicle / 10,
                (u * 100 + d) as u64,
                &unit,
                &officer,
                now - d as i64 * DAY_MS,
            )?;
        }
        let batch: Vec<Vec<u8>> = v
            .store()
            .pending(0, usize::MAX >> 1)?
            .into_iter()
            .map(|e| e.bytes)
            .collect();
        records += batch.len();
        let chunks = batch.len().div_ceil(256).max(1) as i64;
        for (d, chunk) in batch.chunks(256).enumerate() {
            // Received spread over the ten days, as syncs would be.
            let at = now - 10 * DAY_MS + (d as i64 * 10 * DAY_MS) / chunks;
            central.accept_records(&v.public_key(), chunk.to_vec(), at)?;
        }
        central.project(now)?;
        drop(v);
        std::fs::remove_dir_all(&dir)?;
    }
    // The console's actions fill the rest, spread over ten days.
    let console = args.trail_rows.saturating_sub(records + refusals);
    eprintln!("{console} console actions");
    let actions = [
        "login",
        "review",
        "annotate",
        "hotlist_add",
        "logout",
        "trail_export",
    ];
    let mut done = 0;
    let names: Vec<String> = (0..20).map(|i| format!("sup.bench-{i}")).collect();
    while done < console {
        let n = (console - done).min(50_000);
        let batch: Vec<(i64, NewAuditEntry<'_>)> = (done..done + n)
            .map(|i| {
                let at = now - 10 * DAY_MS + (i as i64 * 10 * DAY_MS) / console.max(1) as i64;
                (
                    at,
                    NewAuditEntry {
                        actor: Some(names[i % names.len()].as_str()),
                        role: Some("supervisor"),
                        action: actions[i % actions.len()],
                        target: None,
                        refused: i % 97 == 0,
                        detail: "",
                        peer: Some("10.0.0.5"),
                    },
                )
            })
            .collect();
        central.audit_all(&batch)?;
        done += n;
    }
    Ok((records, refusals, console))
}
