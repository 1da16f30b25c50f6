//! `kordon-bench fleet`: a fleet of vehicles working and syncing at once
//! against a centre of one or two real `kordon-server run` processes, on
//! each backend.
//!
//! `make object-storage && cargo build --release -p kordon-server -p kordon-bench && target/release/kordon-bench fleet`
//!
//! Each vehicle is a real one: its own key, its own enrollment (a token
//! from the centre), its own SQLite store and blob folder, and a real QUIC
//! client (`Vehicle::sync_once`). At most `--at-once` vehicles work at the
//! same time, each on a thread of its own: it records its inspections
//! (two signed records each), one vehicle in `--scan-every` imports a
//! synthetic 16-bit scan of its own, then it syncs until every record has
//! its receipt and the scan is stored; one vehicle in `--cut-every` has
//! its first pass cut short (a link lost mid-sync) and syncs again.
//!
//! The centre: SQLite with the scans in its data folder, or PostgreSQL
//! (a real cluster, fsync on) with the scans in S3-compatible object
//! storage (a real SeaweedFS), both started by the benchmark on loopback
//! in throwaway folders. With two processes, half the vehicles are
//! enrolled with one process's address and half with the other's; both
//! processes open the same data folder (one machine), so on SQLite they
//! share one database file.
//!
//! Timed as the fleet waits for it: from the first vehicle starting work
//! to the last one holding every receipt. Per vehicle, from the start of
//! its first commit to its sync reporting everything acknowledged (the
//! commit-to-receipt time). The servers' CPU time and peak memory come
//! from `/proc`; on PostgreSQL the database's processes' CPU is given
//! apart. Every vehicle comes from 127.0.0.1, so the servers run with
//! per-address admission limits raised (a real fleet comes from many
//! addresses).

use anyhow::{anyhow, bail, Context};
use kordon_central::Central;
use kordon_model::OfficerId;
use kordon_test_support::object_storage::ObjectStorage;
use kordon_test_support::postgres::Postgres;
use kordon_test_support::{free_udp_port, ServerProcess};
use kordon_vehicle::{ScanDetails, SyncOptions, Vehicle};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Vehicles in the fleet.
    #[arg(long, default_value_t = 1_000)]
    vehicles: usize,
    /// Vehicles working and syncing at the same time.
    #[arg(long, default_value_t = 200)]
    at_once: usize,
    /// Inspections each vehicle records (two signed records each).
    #[arg(long, default_value_t = 3)]
    inspections: usize,
    /// One vehicle in this many also imports a scan (0: none).
    #[arg(long, default_value_t = 50)]
    scan_every: usize,
    /// Width of each synthetic scan in pixels (16-bit; 6000 × 2000 is a
    /// 24 MB TIFF).
    #[arg(long, default_value_t = 6000)]
    scan_width: u32,
    #[arg(long, default_value_t = 2000)]
    scan_height: u32,
    /// One vehicle in this many has its first sync pass cut (0: none).
    #[arg(long, default_value_t = 10)]
    cut_every: usize,
    /// Backends: sqlite (data folder), postgres (with object storage).
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// Server processes: 1, 2.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    processes: Vec<usize>,
    /// After each PostgreSQL run, the statements that took the database
    /// most time, this many of them (`pg_stat_statements`; 0: none).
    #[arg(long, default_value_t = 0)]
    statements: usize,
}

/// What one run measured.
#[derive(Debug)]
struct Outcome {
    wall: Duration,
    records: u64,
    scans: u64,
    scan_bytes: u64,
    latencies: Vec<Duration>,
    /// Sync passes that failed (and were made again), the cut ones apart.
    failed_passes: u64,
    server_cpu: Duration,
    server_peak_kib: u64,
    database_cpu: Option<Duration>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.vehicles == 0 || args.at_once == 0 {
        bail!("--vehicles and --at-once are at least 1");
    }
    let tmp = tempfile::tempdir()?;
    let scans = scan_files(tmp.path(), &args)?;
    let storage = args
        .backends
        .iter()
        .any(|b| b == "postgres")
        .then(|| ObjectStorage::start("kordon-fleet"));
    let pg = args.backends.iter().any(|b| b == "postgres").then(|| {
        if args.statements > 0 {
            Postgres::start_durable_with_statements()
        } else {
            Postgres::start_durable()
        }
    });
    println!(
        "fleet: {} vehicles, {} at once, {} inspections each ({} records), a {:.1} MB scan on one in {}, \
         one in {} cut mid-sync; commit of its first record to its last receipt",
        args.vehicles,
        args.at_once,
        args.inspections,
        args.vehicles * args.inspections * 2,
        scans.first().map_or(0, |s| s.1) as f64 / 1e6,
        args.scan_every,
        args.cut_every
    );
    let mut baseline: Option<f64> = None;
    for backend in &args.backends {
        for &processes in &args.processes {
            if !(1..=2).contains(&processes) {
                bail!("--processes takes 1 and 2");
            }
            let n = format!("{backend}-{processes}");
            let centre = match backend.as_str() {
                "sqlite" => Centre::Sqlite,
                "postgres" => {
                    let (pg, s3) = pg.as_ref().zip(storage.as_ref()).context("started above")?;
                    let db = format!("fleet_{}", n.replace('-', "_"));
                    let url = pg.database(&db);
                    kordon_postgres::migrate(&url)?;
                    if args.statements > 0 {
                        pg.reset_statements(&db).map_err(|e| anyhow!(e))?;
                    }
                    Centre::Postgres {
                        url,
                        blobs: s3.url(&format!("fleet-{n}")),
                        env: s3.env(),
                        postmaster: postmaster_pid(pg.folder())?,
                    }
                }
                other => bail!("unknown backend {other:?} (sqlite, postgres)"),
            };
            let folder = tmp.path().join(&n);
            let o = run_one(&folder, &args, &scans, &centre, processes)?;
            if let (Some(pg), true) = (&pg, backend == "postgres" && args.statements > 0) {
                let db = format!("fleet_{}", n.replace('-', "_"));
                println!("  where PostgreSQL's time went (calls, ms in all, rows, statement):");
                for (calls, ms, rows, text) in pg
                    .statements(&db, args.statements)
                    .map_err(|e| anyhow!(e))?
                {
                    println!("    {calls:>7} {ms:>9.1} {rows:>8}  {text}");
                }
            }
            // A thousand vehicles' folders (each keeps a reserve against a
            // full disk) are gigabytes: gone before the next run.
            std::fs::remove_dir_all(&folder)
                .with_context(|| format!("removing {}", folder.display()))?;
            let rate = o.records as f64 / o.wall.as_secs_f64();
            let base = *baseline.get_or_insert(rate);
            let mut lat = o.latencies.clone();
            lat.sort();
            let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
            println!(
                "  {backend:<8} {processes} process{}: {:>7.0} records/s end to end ({:.2}× {}), \
                 commit to receipt p50 {:>6.0} ms p99 {:>6.0} ms, scans {:.1} MB/s ({} scans), \
                 {:.1} s in all",
                if processes == 1 { " " } else { "es" },
                rate,
                rate / base,
                args.backends[0].clone() + " on " + &args.processes[0].to_string(),
                pct(0.5).as_secs_f64() * 1e3,
                pct(0.99).as_secs_f64() * 1e3,
                o.scan_bytes as f64 / 1e6 / o.wall.as_secs_f64(),
                o.scans,
                o.wall.as_secs_f64()
            );
            println!(
                "           {} sync passes failed and were made again; servers' CPU {:.1} s ({:.0}% of one core), \
                 peak memory {} MiB per process{}",
                o.failed_passes,
                o.server_cpu.as_secs_f64(),
                100.0 * o.server_cpu.as_secs_f64() / o.wall.as_secs_f64(),
                o.server_peak_kib / 1024,
                o.database_cpu.map_or(String::new(), |c| format!(
                    "; PostgreSQL's processes' CPU {:.1} s",
                    c.as_secs_f64()
                ))
            );
            println!(
                "{}",
                serde_json::json!({
                    "bench": "fleet", "backend": backend, "processes": processes,
                    "vehicles": args.vehicles, "at_once": args.at_once,
                    "records": o.records, "records_per_s": rate.round(),
                    "p50_ms": (pct(0.5).as_secs_f64() * 1e3).round(),
                    "p99_ms": (pct(0.99).as_secs_f64() * 1e3).round(),
                    "failed_passes": o.failed_passes,
                    "scans": o.scans, "scan_mb_per_s": (o.scan_bytes as f64 / 1e6 / o.wall.as_secs_f64() * 10.0).round() / 10.0,
                    "wall_s": (o.wall.as_secs_f64() * 10.0).round() / 10.0,
                    "server_cpu_s": (o.server_cpu.as_secs_f64() * 10.0).round() / 10.0,
                    "server_peak_mib": o.server_peak_kib / 1024,
                    "database_cpu_s": o.database_cpu.map(|c| (c.as_secs_f64() * 10.0).round() / 10.0),
                })
            );
        }
    }
    Ok(())
}

/// Where the centre keeps what it holds.
enum Centre {
    Sqlite,
    Postgres {
        url: String,
        blobs: String,
        env: Vec<(&'static str, String)>,
        postmaster: u32,
    },
}

/// Distinct synthetic scans, one per vehicle that carries one (a fleet
/// does not send the same scan twice): `(file, bytes)`.
fn scan_files(dir: &Path, args: &Args) -> anyhow::Result<Vec<(PathBuf, u64)>> {
    let count = args.vehicles.checked_div(args.scan_every).unwrap_or(0);
    let mut out = vec![];
    for i in 0..count {
        let spec = kordon_xraysim::SceneSpec {
            width: args.scan_width,
            height: args.scan_height,
            seed: 1_000 + i as u64,
            ..kordon_xraysim::SceneSpec::default()
        };
        let scene = kordon_xraysim::try_generate(&spec)?;
        let tiff = kordon_xraysim::encode_tiff16(scene.width, scene.height, &scene.high)?;
        let file = dir.join(format!("scan-{i}.tif"));
        std::fs::write(&file, &tiff)?;
        out.push((file, tiff.len() as u64));
    }
    Ok(out)
}

/// One vehicle, ready to work: its folder, enrolled.
struct Ready {
    vehicle: Vehicle,
    officer: OfficerId,
    scan: Option<(PathBuf, u64)>,
    cut: bool,
}

fn run_one(
    dir: &Path,
    args: &Args,
    scans: &[(PathBuf, u64)],
    centre: &Centre,
    processes: usize,
) -> anyhow::Result<Outcome> {
    let srv = dir.join("server");
    let addrs: Vec<String> = (0..processes)
        .map(|_| format!("127.0.0.1:{}", free_udp_port()))
        .collect();
    let (store, blobs, env) = match centre {
        Centre::Sqlite => (None, None, vec![]),
        Centre::Postgres {
            url, blobs, env, ..
        } => (Some(url.as_str()), Some(blobs.as_str()), env.clone()),
    };
    // The object store's client in this process (enrollment) reads it
    // as the server's does.
    for (k, v) in &env {
        std::env::set_var(k, v);
    }
    let central = Central::init_with(&srv, &addrs, blobs, store)?;

    // Each vehicle enrolled with one process's address, in turn.
    let now = kordon_central::now_ms();
    let mut ready = Vec::with_capacity(args.vehicles);
    let mut scan_files = scans.iter();
    for i in 0..args.vehicles {
        let unit = format!("FLEET-{i:04}");
        let addr = &addrs[i % addrs.len()];
        let token = central.enroll(&unit, Some(addr), 2, now)?;
        let mut vehicle = Vehicle::open(&dir.join(format!("v{i:04}")))?;
        vehicle.enroll(&token.encode())?;
        let officer = OfficerId::new(&format!("OF-{i:04}")).map_err(|e| anyhow!(e))?;
        let scan = (args.scan_every > 0 && i % args.scan_every == 0)
            .then(|| scan_files.next().cloned())
            .flatten();
        let cut = args.cut_every > 0 && i % args.cut_every == args.cut_every / 2;
        ready.push(Ready {
            vehicle,
            officer,
            scan,
            cut,
        });
    }
    // Kept open to read the index's lag at the end (a read: it does not
    // project anything itself).

    let limits = [
        "--max-connections=8192",
        "--max-pending=4096",
        "--max-pending-per-address=4096",
        "--max-per-address=8192",
        "--new-per-address-burst=100000",
        "--new-per-address-per-min=1000000",
    ];
    let program = std::env::current_exe()?.with_file_name("kordon-server");
    if !program.is_file() {
        bail!(
            "{} is missing: cargo build --release -p kordon-server",
            program.display()
        );
    }
    let servers: Vec<ServerProcess> = addrs
        .iter()
        .map(|a| ServerProcess::start_program(&program, &srv, a, &limits, &env))
        .collect();
    let pids: Vec<u32> = servers.iter().map(ServerProcess::pid).collect();
    let cpu_before: Duration = pids.iter().map(|p| cpu_of(*p)).sum();
    let db_before = match centre {
        Centre::Postgres { postmaster, .. } => Some(cluster_cpu(*postmaster)),
        Centre::Sqlite => None,
    };

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(args.at_once + 8)
        .enable_all()
        .build()?;
    let limit = Arc::new(tokio::sync::Semaphore::new(args.at_once));
    let inspections = args.inspections;
    let started = Instant::now();
    let tasks: Vec<_> = ready
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let limit = limit.clone();
            let handle = rt.handle().clone();
            rt.spawn(async move {
                let _permit = limit.acquire_owned().await?;
                tokio::task::spawn_blocking(move || work(&handle, r, inspections, i as u64)).await?
            })
        })
        .collect();
    let mut outcome = Outcome {
        wall: Duration::ZERO,
        records: 0,
        scans: 0,
        scan_bytes: 0,
        latencies: vec![],
        failed_passes: 0,
        server_cpu: Duration::ZERO,
        server_peak_kib: 0,
        database_cpu: None,
    };
    for t in tasks {
        let (records, scan, latency, failed) = rt.block_on(t)??;
        outcome.records += records;
        outcome.failed_passes += failed;
        if let Some(bytes) = scan {
            outcome.scans += 1;
            outcome.scan_bytes += bytes;
        }
        outcome.latencies.push(latency);
    }
    // Until the index shows every record, which is what a supervisor
    // waits for: the servers index a batch after answering it.
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let (lag, _) = central.store().projection_lag()?;
        if lag == 0 {
            break;
        }
        if Instant::now() > deadline {
            bail!("the servers' index did not catch up within 10 minutes ({lag} records behind)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    outcome.wall = started.elapsed();
    outcome.server_cpu = pids.iter().map(|p| cpu_of(*p)).sum::<Duration>() - cpu_before;
    outcome.server_peak_kib = pids.iter().map(|p| peak_kib(*p)).max().unwrap_or(0);
    if let (Centre::Postgres { postmaster, .. }, Some(before)) = (centre, db_before) {
        outcome.database_cpu = Some(cluster_cpu(*postmaster).saturating_sub(before));
    }
    // What went wrong on the servers' side, in their own words.
    for (s, addr) in servers.iter().zip(&addrs) {
        let log = s.log();
        let errors: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("ERROR") || l.contains("WARN"))
            .collect();
        if let Some(first) = errors.first() {
            println!(
                "           server at {addr}: {} warnings and errors logged, the first: {first}",
                errors.len()
            );
        }
    }
    drop(servers);
    Ok(outcome)
}

/// One vehicle's work: its inspections (and scan) recorded, then synced
/// until every record has its receipt and the scan is stored. Returns
/// `(records acknowledged, scan bytes delivered, commit-to-receipt time,
/// passes that failed)`.
fn work(
    rt: &tokio::runtime::Handle,
    mut r: Ready,
    inspections: usize,
    seed: u64,
) -> anyhow::Result<(u64, Option<u64>, Duration, u64)> {
    let unit = r.vehicle.unit()?.unwrap_or_default();
    let first_commit = Instant::now();
    let ids = r.vehicle.generate(
        inspections,
        seed,
        &unit,
        &r.officer,
        kordon_central::now_ms(),
    )?;
    if let (Some((file, _)), Some(id)) = (&r.scan, ids.first()) {
        r.vehicle.add_scan(
            id.parse()?,
            file,
            None,
            &ScanDetails::default(),
            &r.officer,
            kordon_central::now_ms(),
        )?;
    }
    let opts = SyncOptions::default();
    if r.cut {
        // The link is lost a moment into the first pass.
        let _ = rt.block_on(async {
            tokio::time::timeout(Duration::from_millis(30), r.vehicle.sync_once(&opts)).await
        });
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut failed = 0;
    loop {
        match rt.block_on(r.vehicle.sync_once(&opts)) {
            Ok(report) => {
                if report.complete && r.vehicle.blob_counts()?.pending == 0 {
                    break;
                }
            }
            Err(e) if Instant::now() < deadline => {
                failed += 1;
                eprintln!("fleet: {unit}: sync failed ({e}), again");
            }
            Err(e) => return Err(anyhow!("{unit}: {e}")),
        }
        if Instant::now() >= deadline {
            bail!("{unit}: not everything acknowledged in 600 s");
        }
    }
    let latency = first_commit.elapsed();
    // What the vehicle holds acknowledged (a cut pass may have had some
    // of it acknowledged before the link went).
    let records = (inspections * 2 + usize::from(r.scan.is_some())) as u64;
    let pending = r.vehicle.store().counts()?.pending;
    if pending != 0 {
        bail!("{unit}: {pending} of {records} records without a receipt");
    }
    if r.vehicle.blob_counts()?.pending != 0 {
        bail!("{unit}: its scan was not stored");
    }
    Ok((records, r.scan.as_ref().map(|s| s.1), latency, failed))
}

/// User and system CPU time of process `pid` so far.
fn cpu_of(pid: u32) -> Duration {
    let ticks = rustix::param::clock_ticks_per_second().max(1);
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the command's closing parenthesis; utime and
            // stime are the 14th and 15th of the line.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .map_or(Duration::ZERO, |t| {
            Duration::from_secs_f64(t as f64 / ticks as f64)
        })
}

/// CPU time of the children `pid` has waited for (cutime and cstime, the
/// 16th and 17th fields).
fn reaped_cpu_of(pid: u32) -> Duration {
    let ticks = rustix::param::clock_ticks_per_second().max(1);
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let f: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
            Some(f.get(13)?.parse::<u64>().ok()? + f.get(14)?.parse::<u64>().ok()?)
        })
        .map_or(Duration::ZERO, |t| {
            Duration::from_secs_f64(t as f64 / ticks as f64)
        })
}

/// The parent process of `pid`.
fn parent_of(pid: u32) -> Option<u32> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    s.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// CPU time of a PostgreSQL cluster: its postmaster, the processes it
/// started and has reaped (its children's times), and those still running
/// (the pools' connections stay open).
fn cluster_cpu(postmaster: u32) -> Duration {
    let mut total = cpu_of(postmaster) + reaped_cpu_of(postmaster);
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            if let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) {
                if parent_of(pid) == Some(postmaster) {
                    total += cpu_of(pid);
                }
            }
        }
    }
    total
}

/// The postmaster's process id, from the cluster's folder.
fn postmaster_pid(cluster: &Path) -> anyhow::Result<u32> {
    let file = cluster.join("data/postmaster.pid");
    std::fs::read_to_string(&file)
        .with_context(|| format!("reading {}", file.display()))?
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| anyhow!("{}: no process id", file.display()))
}

/// Peak resident memory of process `pid`, in KiB.
fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}
