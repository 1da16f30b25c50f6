//! The supervisors' console, timed as a supervisor waits for it.
//!
//! `cargo run --release -p kordon-bench -- console`
//!
//! **Queue.** A real server store is filled with `--inspections` synthetic
//! inspections (default 100,000) from `--units` vehicles over `--days`
//! days, each signed by its vehicle, accepted and projected as a sync
//! would. Then the server's own HTTP API (axum, the same router
//! `kordon-server run` serves) answers, on one kept-alive connection with
//! a signed-in supervisor's cookie: the first page of the queue; a page
//! filtered by unit + outcome + day; a fleet-wide plate search in another
//! spelling; and the queue-version poll every open console makes. Each is
//! timed at the client (request to last body byte) and, as the baseline,
//! the same console operation called in-process (the store query alone).
//!
//! **Tiles.** A vehicle imports a synthetic 16-bit scan and syncs it over
//! QUIC to an in-process server wired as `kordon-server run` wires it
//! (the QUIC endpoint, the pyramid builder, the HTTP API). Timed: from the
//! instant the server's blob store holds the whole scan file (its last
//! byte stored, seen by a watcher polling every 0.2 ms) to the first tile
//! answered 200 (polled every millisecond); then every tile of the
//! pyramid, fetched by `--clients` concurrent keep-alive clients, cold (a
//! fresh HTTP side with nothing open, the pyramid file dropped from the
//! page cache) and warm (the same tiles again). Baselines in the same run:
//! the pyramid built in-process from the same image, and the same tiles
//! rendered in-process on 2 threads with no HTTP.

use crate::http1::{self, encode, quantile_ms, Connection};
use anyhow::{anyhow, Context};
use kordon_api::console::{self as ops};
use kordon_central::accounts::Role;
use kordon_central::scans::{pyramid_path, PyramidBuilder};
use kordon_central::{serve, Central};
use kordon_model::OfficerId;
use kordon_store::ConsoleQuery;
use kordon_vehicle::{ScanDetails, SyncOptions, Vehicle};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Inspections in the server store (0: skip the queue figures).
    #[arg(long, default_value_t = 100_000)]
    inspections: usize,
    #[arg(long, default_value_t = 10)]
    units: usize,
    #[arg(long, default_value_t = 10)]
    days: usize,
    /// Requests of each kind.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Concurrent tile clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    #[arg(long, default_value_t = 4096)]
    scan_width: u32,
    #[arg(long, default_value_t = 8192)]
    scan_height: u32,
    /// Skip the tile figures.
    #[arg(long)]
    no_tiles: bool,
}

pub(crate) const DAY_MS: i64 = 86_400_000;
const SUPERVISOR: &str = "sup.bench";
const PASSWORD: &str = "bench-password-1";

pub fn run(args: Args) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.inspections > 0 {
        queue(&rt, tmp.path(), &args)?;
    }
    if !args.no_tiles {
        tiles(&rt, tmp.path(), &args)?;
    }
    Ok(())
}

/// A kept-alive connection to the console at `addr` signed in as `name`,
/// and the same session in-process on its own handle of `srv` (the
/// baseline's).
pub(crate) fn signed_in(
    addr: &str,
    srv: &Path,
    name: &str,
    password: &str,
) -> anyhow::Result<(Connection, Central, kordon_central::accounts::Actor)> {
    let cookie = http1::login(addr, name, password)?;
    let token = cookie
        .split_once('=')
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    let own = Central::open(srv)?;
    let actor = own
        .session(&token, kordon_central::now_ms())?
        .ok_or_else(|| anyhow!("the bench session is not valid"))?;
    Ok((
        Connection::open(addr)?.with_cookie(Some(cookie)),
        own,
        actor,
    ))
}

/// Serves the console API for `central` on loopback until the runtime ends.
pub(crate) fn serve_http(rt: &tokio::runtime::Runtime, central: Central) -> anyhow::Result<String> {
    let (addr, _task) = rt.block_on(kordon_http::bind(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        None,
        kordon_http::Http::new(central, false),
        std::future::pending::<()>(),
    ))?;
    Ok(addr.to_string())
}

pub(crate) fn day_of(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Another spelling of a plate: Cyrillic look-alikes, lower case, a space.
fn respell(plate: &str) -> String {
    let mut out = String::new();
    for (i, c) in plate.chars().enumerate() {
        if i == 2 {
            out.push(' ');
        }
        out.extend(kordon_plates::text::cyrillic_twin(c).to_lowercase());
    }
    out
}

/// How many synthetic inspections [`fill`] makes: from how many units,
/// over how many days ending today.
pub(crate) struct Fleet {
    pub(crate) inspections: usize,
    pub(crate) units: usize,
    pub(crate) days: usize,
}

/// Fills a server store the way syncs would: per unit, a vehicle records
/// its inspections, and the server accepts and projects its records.
pub(crate) fn fill(srv: &Path, scratch: &Path, args: &Fleet, now: i64) -> anyhow::Result<Central> {
    let mut central = Central::init(srv, "127.0.0.1:4433")?;
    let officer = OfficerId::new("OF-BENCH").map_err(|e| anyhow!(e))?;
    let per_day = (args.inspections / (args.units * args.days).max(1)).max(1);
    let t = Instant::now();
    for u in 0..args.units {
        let unit = format!("BENCH-{u}");
        let dir = scratch.join(format!("vehicle-{u}"));
        let mut v = Vehicle::open(&dir)?;
        let token = central.enroll(&unit, Some("127.0.0.1:4433"), 1, now)?;
        v.enroll(&token.encode())?;
        central
            .authorize(&v.public_key(), Some(&token.secret_bytes()?), "bench", now)?
            .map_err(|r| anyhow!(r.reason))?;
        for d in 0..args.days {
            let seed = (u * 1000 + d) as u64;
            v.generate(per_day, seed, &unit, &officer, now - d as i64 * DAY_MS)?;
        }
        let records: Vec<Vec<u8>> = v
            .store()
            .pending(0, usize::MAX >> 1)?
            .into_iter()
            .map(|e| e.bytes)
            .collect();
        for chunk in records.chunks(256) {
            central.accept_records(&v.public_key(), chunk.to_vec(), now)?;
        }
        central.project(now)?;
        drop(v);
        std::fs::remove_dir_all(&dir)?;
        eprintln!(
            "  unit {unit}: {} inspections stored ({:.0} s so far)",
            per_day * args.days,
            t.elapsed().as_secs_f64()
        );
    }
    Ok(central)
}

/// The `i`th request of a kind: its path, and the same query in-process.
type RequestMaker<'a> = Box<dyn Fn(usize) -> (String, ConsoleQuery) + 'a>;

struct Timings {
    http: Vec<Duration>,
    in_process: Vec<Duration>,
    total: u64,
}

fn queue(rt: &tokio::runtime::Runtime, dir: &Path, args: &Args) -> anyhow::Result<()> {
    let srv = dir.join("queue-srv");
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
    let central = fill(&srv, dir, &fleet, now)?;
    let filled = t.elapsed();
    central.user_add(SUPERVISOR, Role::Supervisor, PASSWORD, now)?;
    drop(central);

    let addr = serve_http(rt, Central::open(&srv)?)?;
    let (mut conn, mut own, actor) = signed_in(&addr, &srv, SUPERVISOR, PASSWORD)?;

    // Plates to look for: from rows spread over the whole store.
    let mut plates = vec![];
    let mut offset = 0u32;
    while plates.len() < args.queries {
        let page = ops::queue(
            &mut own,
            &actor,
            &ConsoleQuery {
                offset: Some(offset),
                limit: Some(1),
                ..ConsoleQuery::default()
            },
        )?;
        let Some(row) = page.rows.first() else {
            break;
        };
        if let Some(p) = &row.row.view.tractor_plate {
            plates.push(p.canonical.clone());
        }
        offset += (args.inspections / args.queries).max(1) as u32;
    }
    if plates.is_empty() {
        return Err(anyhow!("the store has no inspections"));
    }

    let today = day_of(now - 3 * DAY_MS);
    let kinds: Vec<(&str, RequestMaker<'_>)> = vec![
        (
            "first page (50 rows, counts)",
            Box::new(|_| ("/api/inspections".to_string(), ConsoleQuery::default())),
        ),
        (
            "unit + outcome + day",
            Box::new(|i| {
                let unit = format!("BENCH-{}", i % args.units);
                (
                    format!("/api/inspections?unit={unit}&outcome=release&from={today}&to={today}"),
                    ConsoleQuery {
                        unit: Some(unit),
                        outcome: Some("release".into()),
                        from: Some(today.clone()),
                        to: Some(today.clone()),
                        ..ConsoleQuery::default()
                    },
                )
            }),
        ),
        (
            "fleet-wide plate search",
            Box::new(|i| {
                let p = respell(&plates[i % plates.len()]);
                (
                    format!("/api/inspections?plate={}", encode(&p)),
                    ConsoleQuery {
                        plate: Some(p),
                        ..ConsoleQuery::default()
                    },
                )
            }),
        ),
    ];

    println!(
        "console queue: {} inspections from {} units over {} days (store filled in {:.0} s)",
        args.inspections,
        args.units,
        args.days,
        filled.as_secs_f64()
    );
    println!(
        "  {:<30} {:>9} {:>9} {:>11} {:>11} {:>8}",
        "request", "HTTP p50", "HTTP p99", "store p50", "store p99", "matches"
    );
    let mut json = vec![];
    for (name, make) in &kinds {
        let mut t = Timings {
            http: vec![],
            in_process: vec![],
            total: 0,
        };
        for i in 0..args.queries {
            let (path, q) = make(i);
            let started = Instant::now();
            let r = conn.get(&path)?;
            t.http.push(started.elapsed());
            if r.status != 200 {
                return Err(anyhow!(
                    "{path}: {} {}",
                    r.status,
                    String::from_utf8_lossy(&r.body)
                ));
            }
            let started = Instant::now();
            let page = ops::queue(&mut own, &actor, &q)?;
            t.in_process.push(started.elapsed());
            if *name == "fleet-wide plate search" && page.total == 0 {
                return Err(anyhow!("plate search {path} found nothing"));
            }
            t.total += page.total;
        }
        report(name, &mut t, args.queries, &mut json);
    }
    // The poll every open console makes.
    let mut t = Timings {
        http: vec![],
        in_process: vec![],
        total: 0,
    };
    for _ in 0..args.queries {
        let started = Instant::now();
        let r = conn.get("/api/inspections/version")?;
        t.http.push(started.elapsed());
        if r.status != 200 {
            return Err(anyhow!("version: {}", r.status));
        }
        let started = Instant::now();
        ops::queue_version(&mut own, &actor)?;
        t.in_process.push(started.elapsed());
    }
    report("queue version poll", &mut t, args.queries, &mut json);
    println!(
        "{}",
        serde_json::json!({"bench": "console-queue", "inspections": args.inspections, "units": args.units, "days": args.days, "queries": args.queries, "results": json})
    );
    Ok(())
}

fn report(name: &str, t: &mut Timings, n: usize, json: &mut Vec<serde_json::Value>) {
    t.http.sort();
    t.in_process.sort();
    let (h50, h99) = (quantile_ms(&t.http, 0.5), quantile_ms(&t.http, 0.99));
    let (s50, s99) = (
        quantile_ms(&t.in_process, 0.5),
        quantile_ms(&t.in_process, 0.99),
    );
    let matches = t.total / n.max(1) as u64;
    println!("  {name:<30} {h50:>6.2} ms {h99:>6.2} ms {s50:>8.2} ms {s99:>8.2} ms {matches:>8}");
    json.push(serde_json::json!({"request": name, "http_p50_ms": h50, "http_p99_ms": h99, "store_p50_ms": s50, "store_p99_ms": s99, "mean_matches": matches}));
}

/// Every tile of the pyramid, smallest levels first (as a viewer zooms in).
fn tile_list(p: &kordon_imaging::Pyramid) -> Vec<(u32, u32, u32)> {
    let info = p.info();
    let ts = info.tile_size;
    let mut out = vec![];
    for level in 0..=info.max_level {
        let Some((w, h)) = p.level_dims(level) else {
            continue;
        };
        for y in 0..h.div_ceil(ts) {
            for x in 0..w.div_ceil(ts) {
                out.push((level, x, y));
            }
        }
    }
    out
}

/// Fetches every tile in `list` with `clients` concurrent clients: the
/// wall time and each request's time.
fn fetch_all(
    addr: &str,
    cookie: &str,
    scan: &str,
    list: &[(u32, u32, u32)],
    clients: usize,
) -> anyhow::Result<(Duration, Vec<Duration>)> {
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let per_client: Vec<anyhow::Result<Vec<Duration>>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                s.spawn(|| {
                    let mut c = Connection::open(addr)?.with_cookie(Some(cookie.to_string()));
                    let mut times = vec![];
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((level, x, y)) = list.get(i) else {
                            return Ok(times);
                        };
                        let t = Instant::now();
                        let r = c.get(&format!("/api/scans/{scan}/tiles/{level}/{x}/{y}"))?;
                        times.push(t.elapsed());
                        if r.status != 200 || r.body.len() < 8 {
                            return Err(anyhow!("tile {level}/{x}/{y}: {}", r.status));
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(anyhow!("a client panicked")))
            })
            .collect()
    });
    let wall = started.elapsed();
    let mut all = vec![];
    for r in per_client {
        all.extend(r?);
    }
    all.sort();
    Ok((wall, all))
}

/// Drops a file's pages from the page cache (clean pages only; the
/// pyramid is written and synced before it is served).
fn drop_from_page_cache(path: &Path) -> anyhow::Result<()> {
    let f = std::fs::File::open(path)?;
    f.sync_all()?;
    rustix::fs::fadvise(&f, 0, None, rustix::fs::Advice::DontNeed)
        .with_context(|| format!("dropping {} from the page cache", path.display()))
}

/// A vehicle in `dir`, enrolled on `central` as `unit` (reaching it at
/// `quic`), with an officer signed in and one synthetic inspection.
pub(crate) fn vehicle_with_inspection(
    dir: &Path,
    central: &Central,
    unit: &str,
    quic: &str,
    seed: u64,
) -> anyhow::Result<(Vehicle, OfficerId, kordon_model::InspectionId)> {
    let now = kordon_central::now_ms();
    let mut v = Vehicle::open(dir)?;
    let token = central.enroll(unit, Some(quic), 1, now)?;
    v.enroll(&token.encode())?;
    let officer = OfficerId::new("OF-BENCH").map_err(|e| anyhow!(e))?;
    let id = v
        .generate(1, seed, unit, &officer, now)?
        .first()
        .ok_or_else(|| anyhow!("no inspection"))?
        .parse()?;
    Ok((v, officer, id))
}

fn tiles(rt: &tokio::runtime::Runtime, dir: &Path, args: &Args) -> anyhow::Result<()> {
    let srv = dir.join("tiles-srv");
    let now = kordon_central::now_ms();
    let mut central = Central::init(&srv, "127.0.0.1:0")?;
    let builder = PyramidBuilder::start(&Central::open(&srv)?)?;
    central.set_pyramid_builder(builder.clone());
    let mut console = Central::open(&srv)?;
    console.set_pyramid_builder(builder);
    console.user_add(SUPERVISOR, Role::Supervisor, PASSWORD, now)?;
    let endpoint = rt.block_on(async {
        serve::bind(&central, "127.0.0.1:0".parse().context("addr")?).map_err(anyhow::Error::from)
    })?;
    let quic = endpoint.local_addr()?.to_string();
    let addr = serve_http(rt, console)?;
    let cookie = http1::login(&addr, SUPERVISOR, PASSWORD)?;

    // The vehicle and its scan.
    let (mut v, officer, id) =
        vehicle_with_inspection(&dir.join("tiles-vehicle"), &central, "BENCH-T", &quic, 3)?;
    let spec = kordon_xraysim::SceneSpec {
        width: args.scan_width,
        height: args.scan_height,
        ..kordon_xraysim::SceneSpec::default()
    };
    let scene = kordon_xraysim::try_generate(&spec)?;
    let tiff = kordon_xraysim::encode_tiff16(scene.width, scene.height, &scene.high)?;
    let file = dir.join("scan.tif");
    std::fs::write(&file, &tiff)?;
    let imported = v.add_scan(id, &file, None, &ScanDetails::default(), &officer, now)?;
    let scan = imported.scan.id.clone();

    // Baseline: the same pyramid built in-process.
    let t = Instant::now();
    let image = kordon_imaging::decode(&tiff)?;
    let base_path = dir.join("baseline.kpyr");
    kordon_imaging::build_pyramid(&image, None, &base_path)?;
    let build = t.elapsed();

    // The instant the server holds the whole blob (its last byte stored).
    let blobs = central.blob_store()?;
    let blob: kordon_blob::BlobId = imported
        .scan
        .primary()
        .ok_or_else(|| anyhow!("scan without an image"))?
        .blob
        .parse()?;
    let watcher = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(300);
        while Instant::now() < deadline {
            if blobs.contains(&blob).unwrap_or(false) {
                return Some(Instant::now());
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        None
    });
    let shared = Arc::new(Mutex::new(central));
    rt.spawn(serve::serve(endpoint.clone(), shared));
    let report = rt.block_on(v.sync_once(&SyncOptions::default()))?;
    if !report.complete || v.blob_counts()?.pending != 0 {
        return Err(anyhow!("the scan did not sync whole: {report:?}"));
    }
    let synced = watcher
        .join()
        .ok()
        .flatten()
        .ok_or_else(|| anyhow!("the server never held the scan's blob"))?;
    let pyramid = kordon_imaging::Pyramid::open(&base_path)?;
    let max = pyramid.info().max_level;
    let mut poll = Connection::open(&addr)?.with_cookie(Some(cookie.clone()));
    let deadline = synced + Duration::from_secs(300);
    let first_tile = loop {
        let r = poll.get(&format!("/api/scans/{scan}/tiles/{max}/0/0"))?;
        if r.status == 200 {
            break synced.elapsed();
        }
        if r.status != 409 || Instant::now() > deadline {
            return Err(anyhow!(
                "first tile: {} {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            ));
        }
        std::thread::sleep(Duration::from_millis(1));
    };

    // Every tile, cold then warm, on a fresh HTTP side.
    let list = tile_list(&pyramid);
    let cold_addr = serve_http(rt, Central::open(&srv)?)?;
    let cold_cookie = http1::login(&cold_addr, SUPERVISOR, PASSWORD)?;
    drop_from_page_cache(&pyramid_path(&srv, &scan))?;
    let (cold_wall, cold) = fetch_all(&cold_addr, &cold_cookie, &scan, &list, args.clients)?;
    let (warm_wall, warm) = fetch_all(&cold_addr, &cold_cookie, &scan, &list, args.clients)?;

    // Baseline: the same tiles rendered in-process, 2 threads, no HTTP.
    let next = AtomicUsize::new(0);
    let view = kordon_api::view::ViewParams::default();
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while let Some(&(level, x, y)) = list.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let _ = kordon_api::tiles::render_png(
                        &pyramid,
                        kordon_api::tiles::Picture::Tile { level, x, y },
                        &view,
                    );
                }
            });
        }
    });
    let in_process = t.elapsed();
    endpoint.close(0u32.into(), b"done");

    let per_s = |d: Duration| list.len() as f64 / d.as_secs_f64();
    println!(
        "console tiles: {} × {} 16-bit scan ({} MiB), {} tiles in {} levels, {} clients",
        args.scan_width,
        args.scan_height,
        tiff.len() >> 20,
        list.len(),
        max + 1,
        args.clients
    );
    println!(
        "  pyramid built in-process (baseline)          {:>8.0} ms",
        build.as_secs_f64() * 1e3
    );
    println!(
        "  last blob byte stored -> first tile 200      {:>8.0} ms   {:.2}x baseline",
        first_tile.as_secs_f64() * 1e3,
        first_tile.as_secs_f64() / build.as_secs_f64()
    );
    println!(
        "  rendered in-process, 2 threads (baseline)    {:>8.0} tiles/s",
        per_s(in_process)
    );
    for (name, wall, times) in [("cold", cold_wall, &cold), ("warm", warm_wall, &warm)] {
        println!(
            "  over HTTP, {name}                               {:>8.0} tiles/s   {:.2}x baseline   p50 {:.1} ms, p99 {:.1} ms per tile",
            per_s(wall),
            per_s(wall) / per_s(in_process),
            quantile_ms(times, 0.5),
            quantile_ms(times, 0.99)
        );
    }
    println!(
        "{}",
        serde_json::json!({"bench": "console-tiles", "width": args.scan_width, "height": args.scan_height, "tiles": list.len(), "clients": args.clients,
            "build_ms": (build.as_secs_f64() * 1e3).round(), "first_tile_ms": (first_tile.as_secs_f64() * 1e3).round(),
            "in_process_tiles_per_s": per_s(in_process).round(), "cold_tiles_per_s": per_s(cold_wall).round(), "warm_tiles_per_s": per_s(warm_wall).round(),
            "cold_p99_ms": quantile_ms(&cold, 0.99), "warm_p99_ms": quantile_ms(&warm, 0.99)})
    );
    Ok(())
}
