//! Cold start of the crew's app: from launching `kordon-app` to an
//! interactive queue, with many inspections in the store, and the memory
//! the app then holds (its own process and WebKit's, together).
//!
//! Needs a display (run under `xvfb-run -a`). The app reports "queue ready"
//! (the UI calls `ui_ready` once the queue's rows are on screen) as a JSON
//! line when `KORDON_REPORT_READY` is set; the bench keeps sampling the
//! resident memory of the app and its child processes for a while after
//! that, then stops the app.

use anyhow::{anyhow, bail, Context};
use kordon_model::OfficerId;
use kordon_vehicle::Vehicle;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Inspections in the store (2 signed records each), spread over 90 days.
    #[arg(long, default_value_t = 10_000)]
    inspections: usize,
    /// The app binary.
    #[arg(long, default_value = "target/release/kordon-app")]
    app: PathBuf,
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Memory is sampled this long after the queue is ready.
    #[arg(long, default_value_t = 3)]
    settle_s: u64,
}

const DAY_MS: i64 = 86_400_000;
const DAYS: i64 = 90;

fn fill(dir: &Path, n: usize) -> anyhow::Result<()> {
    let mut v = Vehicle::open(dir)?;
    let token = kordon_transport::EnrollmentToken {
        // Nothing listens there: the app's background sync finds no server.
        addr: "127.0.0.1:9".into(),
        fp: "00".repeat(32),
        key: kordon_record::DeviceKey::generate().public().to_string(),
        unit: "BENCH-1".into(),
        secret: "11".repeat(32),
        also: vec![],
    };
    v.enroll(&token.encode())?;
    v.sign_in_with_pin("OF-BENCH", "2468", kordon_vehicle::now_ms())?;
    let officer = OfficerId::new("OF-BENCH").map_err(|e| anyhow!(e))?;
    let now = kordon_vehicle::now_ms();
    let per_day = n.div_ceil(DAYS as usize);
    let mut made = 0;
    for day in 0..DAYS {
        let count = per_day.min(n - made);
        let t = now - (DAYS - 1 - day) * DAY_MS;
        v.generate(count, day as u64, "BENCH-1", &officer, t)?;
        made += count;
    }
    drop(v);
    // Encrypted as the app leaves it after its first sign-in.
    Vehicle::encrypt(dir, "OF-BENCH", "2468")?;
    Ok(())
}

/// `pid` and all its descendants (WebKit's web and network processes).
fn process_tree(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = vec![];
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
            // After the command (which may hold spaces): the state, then
            // the parent's pid.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|s| s.parse::<u32>().ok());
            if let Some(pp) = ppid {
                parents.push((p, pp));
            }
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    tree
}

fn kb_field(path: &str, field: &str) -> u64 {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// Memory of the whole app, in kB: (sum of resident sets, which counts a
/// shared library once per process; sum of proportional sets, which
/// splits shared pages between the processes using them).
fn tree_memory_kb(pid: u32) -> (u64, u64) {
    // The app makes itself non-dumpable once it holds a key: only a user
    // who may trace it (root) reads its proportional set.
    if std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).is_err() {
        eprintln!(
            "cannot read the app's memory map (run as root): the memory figures are incomplete"
        );
    }
    process_tree(pid).iter().fold((0, 0), |(rss, pss), p| {
        (
            rss + kb_field(&format!("/proc/{p}/status"), "VmRSS:"),
            pss + kb_field(&format!("/proc/{p}/smaps_rollup"), "Pss:"),
        )
    })
}

struct Run {
    wall_ms: f64,
    app_ms: f64,
    rss_mb: f64,
    pss_mb: f64,
}

fn run_once(app: &Path, data: &Path, settle: Duration) -> anyhow::Result<Run> {
    let started = Instant::now();
    let mut child = Command::new(app)
        .arg("--data")
        .arg(data)
        .env("KORDON_REPORT_READY", "1")
        // Opened at start with the officer's PIN (the data is encrypted
        // at the first opening, before the runs are timed).
        .env("KORDON_OFFICER", "OF-BENCH")
        .env("KORDON_PIN", "2468")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", app.display()))?;
    let pid = child.id();
    let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut ready = None;
    let mut peak = (0, 0);
    let sample = |peak: &mut (u64, u64)| {
        let (r, p) = tree_memory_kb(pid);
        *peak = (peak.0.max(r), peak.1.max(p));
    };
    while ready.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("the app did not report its queue ready within 60 s");
        }
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(10)) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                if v["stage"] == "queue" {
                    ready = Some((started.elapsed(), v["ms"].as_f64().unwrap_or(f64::NAN)));
                }
            }
        }
        if let Some(status) = child.try_wait()? {
            bail!("the app exited early ({status})");
        }
        sample(&mut peak);
    }
    let until = Instant::now() + settle;
    while Instant::now() < until {
        sample(&mut peak);
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let (wall, app_ms) = ready.ok_or_else(|| anyhow!("not ready"))?;
    Ok(Run {
        wall_ms: wall.as_secs_f64() * 1000.0,
        app_ms,
        rss_mb: peak.0 as f64 / 1024.0,
        pss_mb: peak.1 as f64 / 1024.0,
    })
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if std::env::var_os("DISPLAY").is_none() {
        bail!("no DISPLAY: run under `xvfb-run -a`");
    }
    if !args.app.exists() {
        bail!(
            "{} not found: build it first (`cargo build --release -p kordon-app`)",
            args.app.display()
        );
    }
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("vehicle");
    let t = Instant::now();
    fill(&data, args.inspections)?;
    println!(
        "store: {} inspections ({} records) made in {:.1} s",
        args.inspections,
        args.inspections * 2,
        t.elapsed().as_secs_f64()
    );
    // One run to warm the page cache, as after any earlier start.
    run_once(&args.app, &data, Duration::from_millis(200))?;
    let mut runs = vec![];
    for i in 0..args.runs {
        let r = run_once(&args.app, &data, Duration::from_secs(args.settle_s))?;
        println!(
            "run {}: queue interactive {:.0} ms after launch (app clock {:.0} ms); peak memory of the app's processes: {:.0} MB proportional, {:.0} MB resident",
            i + 1,
            r.wall_ms,
            r.app_ms,
            r.pss_mb,
            r.rss_mb
        );
        runs.push(r);
    }
    let mut walls: Vec<f64> = runs.iter().map(|r| r.wall_ms).collect();
    walls.sort_by(f64::total_cmp);
    let rss = runs.iter().map(|r| r.rss_mb).fold(0.0, f64::max);
    let pss = runs.iter().map(|r| r.pss_mb).fold(0.0, f64::max);
    println!(
        "cold start to an interactive queue, {} inspections: median {:.0} ms, worst {:.0} ms (target ≤ 1500); peak memory {:.0} MB proportional, {:.0} MB resident (target ≤ 250)",
        args.inspections,
        walls[walls.len() / 2],
        walls[walls.len() - 1],
        pss,
        rss
    );
    Ok(())
}
