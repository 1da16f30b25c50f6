//! Seeded link-fault scenarios: a vehicle syncs its records and scans to
//! the server through the link emulator (loss up to 20 %, duplication,
//! reordering, jitter, a rate-limited bottleneck), while the scenario's
//! faults strike during the transfer: outages, delay spikes, the vehicle's
//! address changing, the server restarting. Each scenario must converge:
//! the sync ends by itself, nothing is pending, every record of the
//! vehicle is on the server byte for byte, every scan file is on the
//! server with the same bytes, and both data folders pass their check.
//!
//! `make test` runs a few scenarios; the long run is
//! `KORDON_LINK_SCENARIOS=100 cargo test --release -p kordon-e2e --test e2e links -- --nocapture`
//! (`KORDON_LINK_SEED` picks the seed, `KORDON_LINK_MAX_OUTAGE` the
//! longest outage in seconds; see RELIABILITY.md).

use super::crash::{env_u64, read_only, scan_files};
use kordon_e2e::{kordon, kordon_json, kordon_ok, Field};
use kordon_test_support::link::LinkConfig;
use kordon_test_support::{bin, text};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A fault, struck at a time after the sync started.
#[derive(Debug, Clone)]
enum Fault {
    /// The link cut both ways for this long.
    Outage(Duration),
    /// Every packet held back by `.1` more for `.0`.
    Spike(Duration, Duration),
    /// The vehicle reaches the server from a new address.
    Rebind,
    /// The server killed (SIGKILL) and started again.
    ServerRestart,
}

#[derive(Debug)]
struct Scenario {
    link: LinkConfig,
    faults: Vec<(Duration, Fault)>,
    records: u32,
    /// Width and height of each scan (16-bit, one image each).
    scans: Vec<(u32, u32)>,
}

impl Scenario {
    fn draw(rng: &mut StdRng, max_outage: u64) -> Scenario {
        let loss = if rng.gen_bool(0.2) {
            0.0
        } else {
            rng.gen_range(0.0..0.2)
        };
        let link = LinkConfig {
            loss,
            delay: Duration::from_millis(rng.gen_range(5..300)),
            jitter: Duration::from_millis(rng.gen_range(0..20)),
            rate_bps: Some(rng.gen_range(2..40) * 1_000_000),
            queue_bytes: rng.gen_range(32..256) * 1024,
            duplicate: if rng.gen_bool(0.5) {
                rng.gen_range(0.0..0.05)
            } else {
                0.0
            },
            reorder: if rng.gen_bool(0.5) {
                rng.gen_range(0.0..0.1)
            } else {
                0.0
            },
            overhead_bytes: 28,
        };
        let scans: Vec<(u32, u32)> = (0..rng.gen_range(0..=2))
            .map(|_| (rng.gen_range(800..2400), rng.gen_range(400..900)))
            .collect();
        let records = rng.gen_range(20..200);
        // About how long the sync takes on this link without faults, so
        // the faults strike while it runs.
        let bytes: u64 = scans.iter().map(|(w, h)| u64::from(w * h) * 2).sum::<u64>()
            + u64::from(records) * 2_000;
        let rate = link.rate_bps.unwrap_or(1) as f64;
        let estimate =
            bytes as f64 * 8.0 / rate / (1.0 - loss) + 8.0 * link.delay.as_secs_f64() + 1.0;
        let mut faults = vec![];
        for _ in 0..rng.gen_range(1..=3) {
            let at = Duration::from_secs_f64(estimate * rng.gen_range(0.05..0.9));
            let fault = match rng.gen_range(0..4) {
                0 => Fault::Outage(Duration::from_millis(
                    rng.gen_range(1000..=max_outage * 1000),
                )),
                1 => Fault::Spike(
                    Duration::from_millis(rng.gen_range(500..3000)),
                    Duration::from_millis(rng.gen_range(300..2000)),
                ),
                2 => Fault::Rebind,
                _ => Fault::ServerRestart,
            };
            faults.push((at, fault));
        }
        faults.sort_by_key(|(at, _)| *at);
        Scenario {
            link,
            faults,
            records,
            scans,
        }
    }
}

/// Every scan file of a data folder: name (its hash) → bytes' hash.
fn blob_files(dir: &Path) -> BTreeMap<String, String> {
    scan_files(dir)
        .iter()
        .map(|file| {
            let bytes = std::fs::read(file).expect("reading a scan file");
            (
                file.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string(),
                blake3::hash(&bytes).to_hex().to_string(),
            )
        })
        .collect()
}

/// (id, bytes) of the records `sql` selects, as hex.
fn records(db: &Path, sql: &str) -> BTreeMap<String, String> {
    let conn = read_only(db);
    let mut stmt = conn.prepare(sql).expect("query");
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .expect("rows");
    rows.collect::<Result<_, _>>().expect("records")
}

/// One scenario on a fresh vehicle; the reasons it did not converge.
fn run_scenario(
    field: &Field,
    server: &mut kordon_test_support::ServerProcess,
    link: &kordon_test_support::link::LinkEmulator,
    n: u64,
    s: &Scenario,
) -> (Vec<String>, Duration, usize) {
    // Enrolled and filled over a clean link (no fault of the scenario
    // before lingering); the scenario's link comes with the sync.
    link.set_config(LinkConfig::default(), LinkConfig::default());
    link.cut_for(Duration::ZERO);
    link.spike_for(Duration::ZERO, Duration::ZERO);
    let name = format!("vehicle-{n}");
    let v = field.enrolled_vehicle_via(
        &name,
        &format!("MOBILE-L{n}"),
        "OF-1",
        &link.addr().to_string(),
    );
    kordon_ok(
        &v,
        &[
            "generate",
            "--count",
            &s.records.to_string(),
            "--seed",
            &n.to_string(),
        ],
    );
    if !s.scans.is_empty() {
        let id = kordon_ok(&v, &["inspection", "new", "--plate", "AA0003AA"])
            .trim()
            .to_string();
        let staging = field.root.path().join(format!("staging-{n}"));
        for (i, (w, h)) in s.scans.iter().enumerate() {
            let scan = format!("S{i}");
            kordon_ok(
                &v,
                &[
                    "scan",
                    "synth",
                    "--out",
                    staging.to_str().expect("utf-8"),
                    "--name",
                    &scan,
                    "--width",
                    &w.to_string(),
                    "--height",
                    &h.to_string(),
                    "--seed",
                    &(n * 10 + i as u64).to_string(),
                    "--single",
                ],
            );
            let file = staging.join(format!("{scan}.tif"));
            kordon_ok(&v, &["scan", "add", &id, file.to_str().expect("utf-8")]);
        }
    }

    link.set_config(s.link.clone(), s.link.clone());
    let started = Instant::now();
    let mut sync = Command::new(bin("kordon"))
        .arg("--data")
        .arg(&v)
        .args(["sync", "--retry-for", "600"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning kordon sync");
    let mut struck = 0;
    for (at, fault) in &s.faults {
        // The faults strike on the scenario's schedule, while the sync
        // is still running; those after its end are not struck.
        while started.elapsed() < *at {
            if let Ok(Some(_)) = sync.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if let Ok(Some(_)) = sync.try_wait() {
            break;
        }
        struck += 1;
        match fault {
            Fault::Outage(d) => link.cut_for(*d),
            Fault::Spike(d, extra) => link.spike_for(*d, *extra),
            Fault::Rebind => link.rebind(),
            Fault::ServerRestart => {
                server.kill();
                *server = field.start_server();
            }
        }
    }
    let out = sync.wait_with_output().expect("kordon sync");
    let took = started.elapsed();

    let mut failed = vec![];
    if !out.status.success() {
        failed.push(format!("sync failed: {}", text(&out)));
    }
    let status = kordon_json(&v, &["status", "--json"]);
    if status["pending"] != 0 || status["blobs"]["pending"] != 0 {
        failed.push(format!("still pending: {status}"));
    }
    let mine = records(
        &v.join("vehicle.sqlite"),
        "SELECT hex(id), hex(bytes) FROM records WHERE origin = 'local'",
    );
    let theirs = records(
        &field.server_dir.join("central.sqlite"),
        "SELECT hex(id), hex(bytes) FROM records",
    );
    let missing = mine.keys().filter(|id| !theirs.contains_key(*id)).count();
    let differ = mine
        .iter()
        .filter(|(id, bytes)| theirs.get(*id).is_some_and(|b| b != *bytes))
        .count();
    if missing + differ > 0 {
        failed.push(format!(
            "{missing} record(s) missing on the server, {differ} with other bytes"
        ));
    }
    let server_blobs = blob_files(&field.server_dir);
    for (blob, hash) in blob_files(&v) {
        match server_blobs.get(&blob) {
            None => failed.push(format!("scan {blob} not on the server")),
            Some(h) if *h != hash || hash != blob => {
                failed.push(format!("scan {blob} differs between the two sides"))
            }
            Some(_) => {}
        }
    }
    let check = kordon(&v, &["check"]);
    if !check.status.success() {
        failed.push(format!("vehicle check: {}", text(&check)));
    }
    (failed, took, struck)
}

#[test]
fn seeded_link_faults_each_converge_to_the_same_data_on_both_sides() {
    let seed = env_u64("KORDON_LINK_SEED", 14);
    let count = env_u64("KORDON_LINK_SCENARIOS", 3);
    let max_outage = env_u64("KORDON_LINK_MAX_OUTAGE", 5).max(1);
    let mut rng = StdRng::seed_from_u64(seed);
    let field = Field::new();
    let mut server = field.start_server();
    let link = field.link(LinkConfig::default(), seed);
    let mut failures = vec![];
    let started = Instant::now();
    for n in 0..count {
        let s = Scenario::draw(&mut rng, max_outage);
        let (failed, took, struck) = run_scenario(&field, &mut server, &link, n, &s);
        eprintln!(
            "link scenario {n}: loss {:.1} %, one-way {} ms, {} Mbit/s, dup {:.1} %, reorder {:.1} %, {} records, {} scan(s), faults {:?} ({struck} struck): {} in {:.1} s",
            s.link.loss * 100.0,
            s.link.delay.as_millis(),
            s.link.rate_bps.unwrap_or(0) / 1_000_000,
            s.link.duplicate * 100.0,
            s.link.reorder * 100.0,
            s.records,
            s.scans.len(),
            s.faults,
            if failed.is_empty() { "converged" } else { "DID NOT CONVERGE" },
            took.as_secs_f64()
        );
        for f in failed {
            failures.push(format!("scenario {n}: {f}"));
        }
    }
    let check = field.server(&["check"]);
    if !check.status.success() {
        failures.push(format!("server check: {}", text(&check)));
    }
    eprintln!(
        "link scenarios: seed {seed}, {count} run, {} failure(s), {:.0} s",
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "seed {seed}: {failures:#?}");
}
