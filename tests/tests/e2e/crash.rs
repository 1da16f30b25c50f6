//! Crash harness: a vehicle and a server through capture, scan import from
//! a watch folder, sync and scan transfer, killed with SIGKILL at random
//! points (seeded, so a failing run can be replayed). After every kill
//! (and the server's restart) it checks what must hold whatever happened:
//!
//! - both data folders pass their own check (`kordon check`,
//!   `kordon-server check`): SQLite's integrity and foreign keys, every
//!   record's signature, no duplicate (document, signer, sequence), every
//!   receipt the server's over a record held, derived rows equal to a fresh
//!   projection, the transparency log equal to its leaves, every scan file
//!   hashing to its name;
//! - every record the vehicle holds a receipt or a log proof for is on the
//!   server;
//! - no file of the watch folder is attached twice.
//!
//! The ANPR ingest is killed too, while a camera pushes; each push it
//! answered `200` must become exactly one read.
//!
//! At the end a clean sync converges: nothing pending, every record and
//! scan on the server, no partial copy left on either side, every file of
//! the watch folder attached exactly once, every answered push one read.
//!
//! `make test` runs a few kills; the long run is
//! `KORDON_CRASH_KILLS=1000 cargo test --release -p kordon-e2e --test e2e crash -- --nocapture`
//! (`KORDON_CRASH_SEED` picks the seed; see RELIABILITY.md).

use super::anpr::{hikvision, reads, Ingest};
use kordon_e2e::{kordon, kordon_json, kordon_ok, Field};
use kordon_test_support::{bin, text, ServerProcess};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What a round does while the kill is pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    /// `kordon generate`: inspections with decisions, one commit each.
    Capture,
    /// Scan files moved into the watch folder, `kordon watch --once`.
    Import,
    /// `kordon sync` (records, then scans), the vehicle killed.
    Sync,
    /// `kordon sync`, the server killed.
    ServerCut,
    /// `kordon anpr serve` while a camera pushes, the ingest killed.
    Anpr,
}

const OPS: [Op; 5] = [Op::Capture, Op::Import, Op::Sync, Op::ServerCut, Op::Anpr];

struct Harness {
    field: Field,
    server: ServerProcess,
    vehicle: PathBuf,
    rng: StdRng,
    /// Where scan files are made before they are moved into `drop`.
    staging: PathBuf,
    drop: PathBuf,
    /// The open inspection the watch folder attaches scans to.
    inspection: String,
    /// BLAKE3 hashes of the files put into the watch folder.
    dropped: Vec<String>,
    /// Camera pushes made, and the plates of those the ingest answered.
    pushes: u32,
    answered: Vec<String>,
    /// How long each operation took when it was not killed (the kill
    /// point is drawn below this).
    took: HashMap<Op, Duration>,
    rounds: u64,
    kills: HashMap<Op, u64>,
    violations: Vec<String>,
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Harness {
    fn new(seed: u64) -> Harness {
        let field = Field::new();
        let server = field.start_server();
        let vehicle = field.enrolled_vehicle("vehicle", "MOBILE-CRASH", "OF-1");
        let inspection = kordon_ok(&vehicle, &["inspection", "new", "--plate", "AA0001AA"])
            .trim()
            .to_string();
        let staging = field.root.path().join("staging");
        let drop = field.root.path().join("drop");
        std::fs::create_dir_all(&drop).expect("drop folder");
        let took = HashMap::from([
            (Op::Capture, Duration::from_millis(800)),
            (Op::Import, Duration::from_millis(800)),
            (Op::Sync, Duration::from_millis(800)),
            (Op::ServerCut, Duration::from_millis(800)),
            (Op::Anpr, Duration::from_millis(800)),
        ]);
        Harness {
            field,
            server,
            vehicle,
            rng: StdRng::seed_from_u64(seed),
            staging,
            drop,
            inspection,
            dropped: vec![],
            pushes: 0,
            answered: vec![],
            took,
            rounds: 0,
            kills: HashMap::new(),
            violations: vec![],
        }
    }

    fn kordon_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin("kordon"));
        cmd.arg("--data")
            .arg(&self.vehicle)
            .args(args)
            .env("KORDON_OFFICER", "OF-1")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    }

    /// One round: an operation, killed at a random point unless it ends
    /// first. Returns whether a kill landed.
    fn round(&mut self) -> bool {
        self.rounds += 1;
        let op = OPS[self.rng.gen_range(0..OPS.len())];
        let args: Vec<String> = match op {
            Op::Anpr => return self.anpr_round(),
            Op::Capture => {
                let n = self.rng.gen_range(5..30);
                let seed = self.rounds * 1000 + self.rng.gen_range(0..1000);
                vec![
                    "generate".into(),
                    "--count".into(),
                    n.to_string(),
                    "--seed".into(),
                    seed.to_string(),
                ]
            }
            Op::Import => {
                self.stage_scans();
                vec![
                    "watch".into(),
                    self.drop.display().to_string(),
                    "--once".into(),
                    "--settle".into(),
                    "0".into(),
                    "--poll".into(),
                    "0.05".into(),
                    "--inspection".into(),
                    self.inspection.clone(),
                ]
            }
            Op::Sync | Op::ServerCut => {
                let mut a = vec!["sync".into()];
                // Half the syncs on a slower link, so kills land mid-scan.
                if self.rng.gen_bool(0.5) {
                    a.extend(["--max-rate".into(), "40mbit".into()]);
                }
                a
            }
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let limit = self.took[&op].mul_f64(1.2).max(Duration::from_millis(20));
        let delay = limit.mul_f64(self.rng.gen::<f64>());
        let started = Instant::now();
        let mut child = self.kordon_cmd(&args).spawn().expect("spawning kordon");
        let ended = wait_child(&mut child, delay);
        if ended {
            self.took.insert(op, started.elapsed());
            return false;
        }
        match op {
            Op::ServerCut => {
                self.server.kill();
                // The vehicle finds its server gone; it gets a moment to
                // notice, then the cut reaches it too.
                if !wait_child(&mut child, Duration::from_secs(2)) {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                self.server = self.field.start_server();
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        *self.kills.entry(op).or_default() += 1;
        true
    }

    /// The ANPR ingest started, a camera pushing a burst at it, and the
    /// ingest killed at a random point of the burst.
    fn anpr_round(&mut self) -> bool {
        let ingest = Ingest::start(&self.vehicle);
        let burst = self.rng.gen_range(3..15);
        let first = self.pushes;
        self.pushes += burst;
        let addr = ingest.addr.clone();
        let camera = std::thread::spawn(move || {
            let mut answered = vec![];
            for n in first..first + burst {
                let plate = format!("KC{:04}AA", n % 10_000);
                let captured = format!(
                    "2026-11-{:02}T{:02}:{:02}:00+02:00",
                    1 + n / 288 % 28,
                    n / 12 % 24,
                    n % 12 * 5
                );
                let (ct, body) = hikvision(&plate, 3, &captured, 10_000 + n);
                match push_status(&addr, &ct, &body) {
                    Some(200) => answered.push(plate),
                    Some(_) => {}
                    None => break,
                }
            }
            answered
        });
        let limit = self.took[&Op::Anpr]
            .mul_f64(1.2)
            .max(Duration::from_millis(20));
        let delay = limit.mul_f64(self.rng.gen::<f64>());
        let started = Instant::now();
        let deadline = started + delay;
        while Instant::now() < deadline && !camera.is_finished() {
            std::thread::sleep(Duration::from_millis(2));
        }
        let landed = !camera.is_finished();
        if !landed {
            self.took.insert(Op::Anpr, started.elapsed());
        }
        ingest.kill9();
        self.answered.extend(camera.join().expect("camera thread"));
        if landed {
            *self.kills.entry(Op::Anpr).or_default() += 1;
        }
        landed
    }

    /// Makes one to three scan files and moves them into the watch folder
    /// (whole, by rename, as a scanner's export would).
    fn stage_scans(&mut self) {
        for _ in 0..self.rng.gen_range(1..=3) {
            let name = format!("S{:05}", self.dropped.len());
            let (w, h) = (self.rng.gen_range(400..1200), self.rng.gen_range(200..700));
            let seed = self.rng.gen_range(0..u32::MAX).to_string();
            let out = self.staging.to_str().expect("utf-8").to_string();
            kordon_ok(
                &self.vehicle,
                &[
                    "scan",
                    "synth",
                    "--out",
                    &out,
                    "--name",
                    &name,
                    "--width",
                    &w.to_string(),
                    "--height",
                    &h.to_string(),
                    "--seed",
                    &seed,
                    "--single",
                ],
            );
            let file = format!("{name}.tif");
            let bytes = std::fs::read(self.staging.join(&file)).expect("staged scan");
            self.dropped.push(blake3::hash(&bytes).to_hex().to_string());
            std::fs::rename(self.staging.join(&file), self.drop.join(&file))
                .expect("into the watch folder");
        }
    }

    /// Checks the invariants; each broken one is a violation.
    fn check(&mut self, when: &str) {
        let mut found = vec![];
        let vehicle = kordon(&self.vehicle, &["check", "--json"]);
        if !vehicle.status.success() {
            found.push(format!("vehicle check: {}", text(&vehicle)));
        }
        let server = self.field.server(&["check", "--json"]);
        if !server.status.success() {
            found.push(format!("server check: {}", text(&server)));
        }
        let acknowledged = ids(
            &self.vehicle.join("vehicle.sqlite"),
            "SELECT hex(id) FROM records r WHERE origin = 'local'
               AND (EXISTS (SELECT 1 FROM receipts c WHERE c.record_id = r.id)
                    OR EXISTS (SELECT 1 FROM record_proofs p WHERE p.record_id = r.id))",
        );
        let on_server = ids(
            &self.field.server_dir.join("central.sqlite"),
            "SELECT hex(id) FROM records",
        );
        let missing: Vec<_> = acknowledged.difference(&on_server).collect();
        if !missing.is_empty() {
            found.push(format!(
                "{} acknowledged record(s) not on the server, e.g. {}",
                missing.len(),
                missing[0]
            ));
        }
        for (blob, n) in self.attached() {
            if n > 1 {
                found.push(format!("watch folder file {blob} attached {n} times"));
            }
        }
        for f in found {
            eprintln!("crash harness: VIOLATION after {when}: {f}");
            self.violations.push(format!("after {when}: {f}"));
        }
    }

    /// How many times each file put into the watch folder is attached to
    /// the inspection.
    fn attached(&self) -> HashMap<String, usize> {
        let view = kordon_json(&self.vehicle, &["inspection", "show", &self.inspection]);
        let mut counts: HashMap<String, usize> =
            self.dropped.iter().map(|b| (b.clone(), 0)).collect();
        for scan in view["scans"].as_array().into_iter().flatten() {
            for image in scan["images"].as_array().into_iter().flatten() {
                if let Some(n) = image["blob"].as_str().and_then(|b| counts.get_mut(b)) {
                    *n += 1;
                }
            }
        }
        counts
    }

    /// After the last kill: import what is left, sync until complete, and
    /// check that both sides converged.
    fn converge(&mut self) {
        kordon_ok(
            &self.vehicle,
            &[
                "watch",
                self.drop.to_str().expect("utf-8"),
                "--once",
                "--settle",
                "0",
                "--inspection",
                &self.inspection,
            ],
        );
        kordon_ok(&self.vehicle, &["anpr", "process"]);
        let sync = kordon(&self.vehicle, &["sync", "--retry-for", "120"]);
        if !sync.status.success() {
            self.violations
                .push(format!("the final sync did not complete: {}", text(&sync)));
        }
        self.check("the final sync");
        let status = kordon_json(&self.vehicle, &["status", "--json"]);
        if status["pending"] != 0 || status["blobs"]["pending"] != 0 {
            self.violations
                .push(format!("still pending after the final sync: {status}"));
        }
        let all_local = ids(
            &self.vehicle.join("vehicle.sqlite"),
            "SELECT hex(id) FROM records WHERE origin = 'local'",
        );
        let on_server = ids(
            &self.field.server_dir.join("central.sqlite"),
            "SELECT hex(id) FROM records",
        );
        let missing = all_local.difference(&on_server).count();
        if missing > 0 {
            self.violations.push(format!(
                "{missing} vehicle record(s) never reached the server"
            ));
        }
        for (blob, n) in self.attached() {
            if n != 1 {
                self.violations.push(format!(
                    "watch folder file {blob} attached {n} times, not once"
                ));
            }
            let held = self
                .field
                .server_dir
                .join("blobs")
                .join(&blob[..2])
                .join(&blob);
            if !held.is_file() {
                self.violations
                    .push(format!("scan {blob} is not on the server"));
            }
        }
        let reads = reads(&kordon_json(
            &self.vehicle,
            &["inspection", "list", "--json", "--limit", "1000000"],
        ));
        let mut per_plate: HashMap<&str, usize> = HashMap::new();
        let mut read_ids = BTreeSet::new();
        for (_, read) in &reads {
            if let Some(text) = read["text"].as_str() {
                *per_plate.entry(text).or_default() += 1;
            }
            if let Some(id) = read["id"].as_str() {
                if !read_ids.insert(id.to_string()) {
                    self.violations.push(format!("read {id} attached twice"));
                }
            }
        }
        for plate in &self.answered {
            let n = per_plate.get(plate.as_str()).copied().unwrap_or(0);
            if n != 1 {
                self.violations.push(format!(
                    "camera push {plate}, answered 200, is {n} reads, not one"
                ));
            }
        }
        for (side, dir) in [
            ("vehicle", &self.vehicle),
            ("server", &self.field.server_dir),
        ] {
            let partial = dir.join("blobs").join("partial");
            let left = std::fs::read_dir(&partial).map(|d| d.count()).unwrap_or(0);
            if left > 0 {
                self.violations.push(format!(
                    "{left} partial file(s) left in the {side}'s {}",
                    partial.display()
                ));
            }
        }
    }
}

/// One camera push; its HTTP status, or `None` when the ingest is gone.
fn push_status(addr: &str, content_type: &str, body: &[u8]) -> Option<u16> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let head = format!(
        "POST /ISAPI/Event/notification/alertStream HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut reply = String::new();
    s.read_to_string(&mut reply).ok()?;
    reply.split_whitespace().nth(1)?.parse().ok()
}

/// Waits up to `limit` for the child to end; whether it did.
fn wait_child(child: &mut Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The first column of `sql` over a store, opened read only.
fn ids(db: &Path, sql: &str) -> BTreeSet<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap_or_else(|e| panic!("opening {}: {e}", db.display()));
    conn.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    let mut stmt = conn.prepare(sql).expect("query");
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).expect("rows");
    rows.collect::<Result<_, _>>().expect("ids")
}

#[test]
fn killed_at_random_points_the_vehicle_and_server_lose_and_duplicate_nothing() {
    let seed = env_u64("KORDON_CRASH_SEED", 14);
    let target = env_u64("KORDON_CRASH_KILLS", 12);
    let mut h = Harness::new(seed);
    let started = Instant::now();
    let mut landed = 0;
    // Rounds that end before their kill point are not counted; a cap keeps
    // a run that never lands a kill from going on for ever.
    while landed < target && h.rounds < target * 20 {
        if h.round() {
            landed += 1;
            h.check(&format!("kill {landed} (round {})", h.rounds));
            if landed % 50 == 0 {
                eprintln!(
                    "crash harness: {landed} kills, {} rounds, {} violations, {:.0} s",
                    h.rounds,
                    h.violations.len(),
                    started.elapsed().as_secs_f64()
                );
            }
        }
        if h.violations.len() > 10 {
            break;
        }
    }
    h.converge();
    let by_op: Vec<String> = OPS
        .iter()
        .map(|op| format!("{op:?} {}", h.kills.get(op).copied().unwrap_or(0)))
        .collect();
    eprintln!(
        "crash harness: seed {seed}, {landed} kills in {} rounds ({}), {} scans through the watch folder, {} camera pushes ({} answered), {} violations, {:.0} s",
        h.rounds,
        by_op.join(", "),
        h.dropped.len(),
        h.pushes,
        h.answered.len(),
        h.violations.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(h.violations.is_empty(), "seed {seed}: {:#?}", h.violations);
    assert!(
        landed >= target.min(3),
        "only {landed} kills landed in {} rounds",
        h.rounds
    );
}
