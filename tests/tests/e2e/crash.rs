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
//! **Power cuts.** The same rounds run a second time with both data
//! folders on the power-cut layer (`kordon-powercut`, `tests/powercut`):
//! a kill there is a cut, which also throws away what the operating
//! system had not made durable (writes since a file's last `fsync`,
//! namespace changes since a directory's), page by page, seeded. On top of
//! the invariants above, nothing committed before the round may be gone
//! after the cut: no record of either store, no scan the server held.
//!
//! `make test` runs a few kills and cuts; the long runs are
//! `KORDON_CRASH_KILLS=1000 cargo test --release -p kordon-e2e --test e2e crash::killed -- --nocapture`
//! and `KORDON_POWERCUT_CUTS=200 cargo test --release -p kordon-e2e --test e2e crash::power -- --nocapture`
//! (`KORDON_CRASH_SEED` picks the seed of both; see RELIABILITY.md).

use super::anpr::{hikvision, reads, Ingest};
use kordon_e2e::{kordon, kordon_json, kordon_ok, Field};
use kordon_test_support::{bin, text, ServerProcess};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
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

/// A data folder on the power-cut layer, mounted at the folder's own path
/// (the processes never see a difference); the folder's content lies in
/// `<path>.lower`.
struct Layer {
    lower: PathBuf,
    mount: PathBuf,
    seed: u64,
    /// The layer's process: its control input and its answers.
    child: Child,
    control: ChildStdin,
    answers: BufReader<ChildStdout>,
}

impl Layer {
    /// Moves `dir` below a fresh layer mounted in its place.
    fn put_under(dir: &Path, seed: u64) -> Layer {
        let lower = dir.with_extension("lower");
        std::fs::rename(dir, &lower).expect("moving the data folder below the layer");
        std::fs::create_dir(dir).expect("the mount point");
        Layer::mount(lower, dir.to_path_buf(), seed)
    }

    fn mount(lower: PathBuf, mount: PathBuf, seed: u64) -> Layer {
        let mut child = Command::new(bin("kordon-powercut"))
            .arg("--lower")
            .arg(&lower)
            .arg("--mount")
            .arg(&mount)
            .args(["--seed", &seed.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting kordon-powercut");
        let control = child.stdin.take().expect("control input");
        let mut answers = BufReader::new(child.stdout.take().expect("answers"));
        let mut line = String::new();
        answers.read_line(&mut line).expect("the layer's answer");
        assert_eq!(line.trim(), "mounted", "the power-cut layer did not mount");
        Layer {
            lower,
            mount,
            seed,
            child,
            control,
            answers,
        }
    }

    /// The cut (nothing may use the folder any more), then a fresh layer
    /// over what is left. Returns what the cut took, as the layer said.
    fn cut(&mut self, mode: &str) -> serde_json::Value {
        writeln!(self.control, "cut {mode}").expect("calling the cut");
        let mut line = String::new();
        self.answers.read_line(&mut line).expect("the cut's report");
        let status = self.child.wait().expect("the layer's exit");
        assert!(status.success(), "the power-cut layer failed: {line}");
        self.seed += 1;
        *self = Layer::mount(self.lower.clone(), self.mount.clone(), self.seed);
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("cut report {line:?}: {e}"))
    }
}

impl Drop for Layer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = writeln!(self.control, "cut keep-all");
            let _ = self.child.wait();
        }
    }
}

/// The two machines' data folders on the power-cut layer.
struct Power {
    vehicle: Layer,
    server: Layer,
    /// Each cut's mode, and what it took in all.
    cuts: HashMap<&'static str, u64>,
    pages_lost: u64,
    pages_torn: u64,
    namespace_undone: u64,
}

impl Power {
    fn record(&mut self, mode: &'static str, report: &serde_json::Value) {
        *self.cuts.entry(mode).or_default() += 1;
        self.pages_lost += report["pages_lost"].as_u64().unwrap_or(0);
        self.pages_torn += report["pages_torn"].as_u64().unwrap_or(0);
        self.namespace_undone += report["namespace_undone"].as_u64().unwrap_or(0);
    }
}

/// What was committed before a round: none of it may be gone after.
#[derive(Default)]
struct Committed {
    vehicle_records: BTreeSet<String>,
    server_records: BTreeSet<String>,
    server_scans: BTreeSet<String>,
}

struct Harness {
    // Dropped in this order: the server and the layers (unmounted) before
    // the folders are removed.
    server: ServerProcess,
    power: Option<Power>,
    field: Field,
    vehicle: PathBuf,
    committed: Committed,
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

/// A count or seed from the environment, for long runs.
pub(crate) fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Harness {
    /// With `power`, both data folders run on the power-cut layer and
    /// every kill is a power cut of the machine it hits.
    fn new(seed: u64, power: bool) -> Harness {
        let field = Field::new();
        let mut server = field.start_server();
        let vehicle = field.enrolled_vehicle("vehicle", "MOBILE-CRASH", "OF-1");
        let inspection = kordon_ok(&vehicle, &["inspection", "new", "--plate", "AA0001AA"])
            .trim()
            .to_string();
        let power = power.then(|| {
            server.kill();
            let power = Power {
                vehicle: Layer::put_under(&vehicle, seed * 1_000_003),
                server: Layer::put_under(&field.server_dir, seed * 1_000_033),
                cuts: HashMap::new(),
                pages_lost: 0,
                pages_torn: 0,
                namespace_undone: 0,
            };
            server = field.start_server();
            power
        });
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
            server,
            power,
            field,
            vehicle,
            committed: Committed::default(),
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
        self.committed = self.committed_now();
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
                self.power_cut(Machine::Server);
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
                self.power_cut(Machine::Vehicle);
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
            self.power_cut(Machine::Vehicle);
        }
        if landed {
            *self.kills.entry(Op::Anpr).or_default() += 1;
        }
        landed
    }

    /// In a power run, the machine's folder loses what it had not made
    /// durable (its processes are dead by now): all of it in a third of
    /// the cuts, a seeded part of it in the rest.
    fn power_cut(&mut self, machine: Machine) {
        let mode = if self.rng.gen_range(0..3) == 0 {
            "lose-all"
        } else {
            "random"
        };
        let Some(power) = self.power.as_mut() else {
            return;
        };
        let report = match machine {
            Machine::Vehicle => power.vehicle.cut(mode),
            Machine::Server => power.server.cut(mode),
        };
        power.record(mode, &report);
    }

    /// Every record of both stores and every scan the server holds.
    fn committed_now(&self) -> Committed {
        let server_scans = scan_files(&self.field.server_dir)
            .iter()
            .map(|file| {
                file.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string()
            })
            .collect();
        Committed {
            vehicle_records: ids(
                &self.vehicle.join("vehicle.sqlite"),
                "SELECT hex(id) FROM records",
            ),
            server_records: ids(
                &self.field.server_dir.join("central.sqlite"),
                "SELECT hex(id) FROM records",
            ),
            server_scans,
        }
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
        let now = self.committed_now();
        for (what, before, after) in [
            (
                "vehicle record",
                &self.committed.vehicle_records,
                &now.vehicle_records,
            ),
            (
                "server record",
                &self.committed.server_records,
                &now.server_records,
            ),
            (
                "server scan",
                &self.committed.server_scans,
                &now.server_scans,
            ),
        ] {
            let lost: Vec<_> = before.difference(after).collect();
            if !lost.is_empty() {
                found.push(format!(
                    "{} {what}(s) committed before the round are gone, e.g. {}",
                    lost.len(),
                    lost[0]
                ));
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

#[derive(Debug, Clone, Copy)]
enum Machine {
    Vehicle,
    Server,
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

/// A store opened read only, waiting up to 10 s for a writer.
pub(super) fn read_only(db: &Path) -> rusqlite::Connection {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap_or_else(|e| panic!("opening {}: {e}", db.display()));
    conn.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    conn
}

/// The scan files of a data folder (`blobs/xx/<hash>`).
pub(super) fn scan_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let fan_out = std::fs::read_dir(dir.join("blobs"))
        .into_iter()
        .flatten()
        .flatten();
    fan_out
        .filter(|sub| sub.file_name().len() == 2)
        .flat_map(|sub| {
            std::fs::read_dir(sub.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|file| file.path())
        .collect()
}

/// The first column of `sql` over a store, opened read only.
fn ids(db: &Path, sql: &str) -> BTreeSet<String> {
    let conn = read_only(db);
    let mut stmt = conn.prepare(sql).expect("query");
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).expect("rows");
    rows.collect::<Result<_, _>>().expect("ids")
}

/// Runs `target` kills (power cuts with `power`) from `seed`, then the
/// convergence; panics with every violation found.
fn run(seed: u64, target: u64, power: bool) {
    let name = if power {
        "power-cut harness"
    } else {
        "crash harness"
    };
    let mut h = Harness::new(seed, power);
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
                    "{name}: {landed} kills, {} rounds, {} violations, {:.0} s",
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
    let cuts = h.power.as_ref().map_or(String::new(), |p| {
        format!(
            "; cuts {:?}, {} pages lost, {} torn, {} namespace changes undone",
            p.cuts, p.pages_lost, p.pages_torn, p.namespace_undone
        )
    });
    eprintln!(
        "{name}: seed {seed}, {landed} kills in {} rounds ({}), {} scans through the watch folder, {} camera pushes ({} answered){cuts}, {} violations, {:.0} s",
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

#[test]
fn killed_at_random_points_the_vehicle_and_server_lose_and_duplicate_nothing() {
    run(
        env_u64("KORDON_CRASH_SEED", 14),
        env_u64("KORDON_CRASH_KILLS", 12),
        false,
    );
}

#[test]
fn power_cut_at_random_points_the_vehicle_and_server_lose_nothing_committed() {
    run(
        env_u64("KORDON_CRASH_SEED", 14),
        env_u64("KORDON_POWERCUT_CUTS", 8),
        true,
    );
}

/// Setting up is work a cut can hit too: the server initialised, a token
/// issued, a vehicle enrolled and signed in, its first inspection made,
/// each followed at once by a cut that loses everything not made durable.
/// Each must still be there after.
#[test]
fn set_up_just_before_a_power_cut_the_server_and_vehicle_still_work() {
    let root = tempfile::tempdir().expect("tempdir");
    let field = Field {
        server_dir: root.path().join("server"),
        addr: format!("127.0.0.1:{}", kordon_test_support::free_udp_port()),
        root,
        server_env: vec![],
    };
    let vehicle = field.vehicle_dir("vehicle");
    std::fs::create_dir(&field.server_dir).expect("server folder");
    std::fs::create_dir(&vehicle).expect("vehicle folder");
    let mut server_layer = Layer::put_under(&field.server_dir, 1);
    let mut vehicle_layer = Layer::put_under(&vehicle, 2);

    field.server_ok(&["init", "--public-addr", &field.addr]);
    server_layer.cut("lose-all");
    let token = field.server_ok(&["enroll", "--name", "MOBILE-CUT", "--addr", &field.addr]);
    server_layer.cut("lose-all");
    let check = field.server(&["check"]);
    assert!(check.status.success(), "server check: {}", text(&check));

    let mut server = field.start_server();
    kordon_ok(&vehicle, &["enroll", token.trim()]);
    vehicle_layer.cut("lose-all");
    kordon_ok(&vehicle, &["signin", "OF-1"]);
    vehicle_layer.cut("lose-all");
    let id = kordon_ok(&vehicle, &["inspection", "new", "--plate", "AA0002AA"])
        .trim()
        .to_string();
    vehicle_layer.cut("lose-all");

    let shown = kordon_json(&vehicle, &["inspection", "show", &id]);
    assert_eq!(shown["tractor_plate"]["canonical"], "AA0002AA", "{shown}");
    let check = kordon(&vehicle, &["check"]);
    assert!(check.status.success(), "vehicle check: {}", text(&check));
    kordon_ok(&vehicle, &["sync"]);
    let on_server = ids(
        &field.server_dir.join("central.sqlite"),
        "SELECT hex(id) FROM records",
    );
    assert!(!on_server.is_empty(), "nothing reached the server");
    // Unmounted before the folders go.
    server.kill();
    drop(server_layer);
    drop(vehicle_layer);
}
