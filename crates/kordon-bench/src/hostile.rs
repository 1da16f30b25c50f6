//! Hostile peers against a real `kordon-server` process: its peak memory
//! above idle, and a vehicle's sync of 200 records during each attack
//! against the same sync without it, in the same run.
//!
//! `cargo run --release -p kordon-bench -- hostile [--connections N]`
//!
//! - **silent callers**: `--connections` (10,000) QUIC connections from
//!   unenrolled keys on 250 loopback addresses (127.0.3.x …), each
//!   finishing its handshake and never saying Hello, held open by the
//!   attacker for as long as the server lets it;
//! - **hoarding device**: one enrolled device opening 20 connections of
//!   four streams each, every stream sending the first 15 MiB of a 16 MiB
//!   frame and then a byte a second (slowloris with the largest frames
//!   allowed).
//!
//! The vehicle is the library the `kordon` binary wraps, syncing over QUIC
//! from 127.0.0.1; the server's memory is its resident set, read from
//! `/proc` every 20 ms.

use anyhow::{anyhow, Context};
use kordon_model::OfficerId;
use kordon_proto::{encode_frame, FrameDecoder, Message, PROTOCOL_VERSION};
use kordon_record::DeviceKey;
use kordon_transport::{quinn, EnrollmentToken};
use kordon_vehicle::{SyncOptions, Vehicle};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Connections the silent callers try.
    #[arg(long, default_value_t = 10_000)]
    connections: usize,
    /// Inspections each measured vehicle syncs (two records each).
    #[arg(long, default_value_t = 100)]
    inspections: usize,
    /// The server's `--new-per-address-burst` (its default if not given).
    #[arg(long)]
    burst: Option<u32>,
}

/// The server process, killed when dropped.
struct Server {
    child: Child,
    data: PathBuf,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(dir: &Path, extra: &[String]) -> anyhow::Result<Server> {
        let data = dir.join("server");
        let port = kordon_test_support::free_udp_port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let server = server_binary()?;
        let ok = Command::new(&server)
            .args(["init", "--data"])
            .arg(&data)
            .args(["--public-addr", &addr.to_string()])
            .stdout(Stdio::null())
            .status()?;
        anyhow::ensure!(ok.success(), "kordon-server init failed");
        let mut child = Command::new(&server)
            .args(["run", "--data"])
            .arg(&data)
            .args(["--listen", &addr.to_string(), "--http", "127.0.0.1:0"])
            .args(extra)
            .env("KORDON_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().context("server stdout")?;
        let s = Server { child, data, addr };
        // Ready when it says it listens (the rest of its output is drained).
        let (ready, listening) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead as _;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if line.contains("listening on") {
                    let _ = ready.send(());
                }
            }
        });
        listening
            .recv_timeout(Duration::from_secs(30))
            .context("kordon-server did not start listening within 30 s")?;
        Ok(s)
    }

    fn token(&self, unit: &str) -> anyhow::Result<String> {
        let out = Command::new(server_binary()?)
            .args(["enroll", "--data"])
            .arg(&self.data)
            .args(["--name", unit])
            .output()?;
        anyhow::ensure!(out.status.success(), "kordon-server enroll failed");
        Ok(String::from_utf8(out.stdout)?.trim().to_string())
    }

    /// The server's resident set, in bytes.
    fn rss(&self) -> u64 {
        rss_of(self.child.id()).unwrap_or(0)
    }
}

/// A process's resident set, in bytes, from `/proc`.
fn rss_of(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

/// `kordon-server`, built next to this benchmark.
fn server_binary() -> anyhow::Result<PathBuf> {
    let path = std::env::current_exe()?.with_file_name("kordon-server");
    anyhow::ensure!(
        path.is_file(),
        "{} is missing: cargo build --release -p kordon-server",
        path.display()
    );
    Ok(path)
}

/// Polls the server's resident set every 20 ms and keeps the highest.
struct PeakMemory {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PeakMemory {
    fn watch(pid: u32) -> PeakMemory {
        let (peak, stop) = (
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let (p, s) = (peak.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if let Some(bytes) = rss_of(pid) {
                    p.fetch_max(bytes, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        PeakMemory {
            peak,
            stop,
            thread: Some(thread),
        }
    }

    fn stop(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Ordering::Relaxed)
    }
}

/// A fresh vehicle of unit BENCH with `n` inspections; its sync, timed.
fn timed_sync(
    rt: &tokio::runtime::Runtime,
    server: &Server,
    dir: &Path,
    n: usize,
) -> anyhow::Result<Duration> {
    let mut v = Vehicle::open(dir)?;
    v.enroll(&server.token("BENCH")?)?;
    let officer = OfficerId::new("OF-BENCH").map_err(|e| anyhow!(e))?;
    v.generate(n, 7, "BENCH", &officer, kordon_central::now_ms())?;
    let started = Instant::now();
    let report = rt.block_on(v.sync_once(&SyncOptions::default()))?;
    let took = started.elapsed();
    anyhow::ensure!(
        report.complete && report.acknowledged as usize == 2 * n,
        "sync incomplete: {report:?}"
    );
    Ok(took)
}

/// A client endpoint on `ip` for `key`, pinning the server of `token`.
fn endpoint(
    key: &DeviceKey,
    token: &EnrollmentToken,
    ip: IpAddr,
) -> anyhow::Result<quinn::Endpoint> {
    Ok(kordon_transport::client_endpoint_on(
        std::sync::Arc::new(Box::new(DeviceKey::from_seed(&key.seed()))),
        token.fingerprint()?,
        SocketAddr::new(ip, 0),
    )?)
}

/// Attempts of the silent callers: how many were answered either way,
/// and how many finished their handshake.
#[derive(Default)]
struct Attempts {
    settled: AtomicU64,
    admitted: AtomicU64,
}

/// Silent callers: `n` connections at once that never say Hello and hold
/// on for as long as they are let; returns at once.
fn silent_callers(
    server: SocketAddr,
    token: &EnrollmentToken,
    n: usize,
    holding: Arc<AtomicBool>,
) -> anyhow::Result<Arc<Attempts>> {
    let key = DeviceKey::generate();
    let mut endpoints = vec![];
    for i in 0..250u8 {
        endpoints.push(endpoint(
            &key,
            token,
            IpAddr::from([127, 0, 3, i.saturating_add(1)]),
        )?);
    }
    let attempts = Arc::new(Attempts::default());
    for i in 0..n {
        let ep = endpoints[i % endpoints.len()].clone();
        let (attempts, holding) = (attempts.clone(), holding.clone());
        tokio::spawn(async move {
            let connected = kordon_transport::connect(&ep, server, Duration::from_secs(10)).await;
            attempts.settled.fetch_add(1, Ordering::Relaxed);
            if let Ok(conn) = connected {
                attempts.admitted.fetch_add(1, Ordering::Relaxed);
                while holding.load(Ordering::Relaxed) && conn.close_reason().is_none() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        });
    }
    Ok(attempts)
}

/// Waits until `cond` holds, for at most `within`.
fn wait_until(within: Duration, cond: impl Fn() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    while !cond() {
        anyhow::ensure!(Instant::now() < deadline, "not reached within {within:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// One enrolled device hoarding: connections of four streams, each with
/// 15 MiB of a 16 MiB frame, then a byte a second.
async fn hoarding_device(
    server: SocketAddr,
    token: EnrollmentToken,
    connections: usize,
    holding: Arc<AtomicBool>,
) -> anyhow::Result<usize> {
    let key = DeviceKey::generate();
    let ep = endpoint(&key, &token, IpAddr::from([127, 0, 4, 1]))?;
    let mut secret = Some(token.secret_bytes()?);
    let mut opened = 0;
    for _ in 0..connections {
        let Ok(conn) = kordon_transport::connect(&ep, server, Duration::from_secs(10)).await else {
            continue;
        };
        opened += 1;
        for _ in 0..4 {
            let Ok((mut send, mut recv)) = conn.open_bi().await else {
                break;
            };
            let hello = Message::Hello {
                version: PROTOCOL_VERSION,
                enroll_secret: secret.take(),
                down_cursor: 0,
                client_time_ms: kordon_central::now_ms(),
            };
            if send.write_all(&encode_frame(&hello)).await.is_err() {
                break;
            }
            let mut decoder = FrameDecoder::new();
            let mut buf = vec![0; 4096];
            let welcomed = loop {
                match recv.read(&mut buf).await {
                    Ok(Some(n)) => {
                        decoder.push(&buf[..n]);
                        if let Ok(Some(m)) = decoder.next_message() {
                            break matches!(m, Message::Welcome { .. });
                        }
                    }
                    _ => break false,
                }
            };
            if !welcomed {
                break;
            }
            let holding = holding.clone();
            tokio::spawn(async move {
                let mut start = (16u32 << 20).to_be_bytes().to_vec();
                start.resize(4 + (15 << 20), 7);
                if send.write_all(&start).await.is_err() {
                    return;
                }
                while holding.load(Ordering::Relaxed) && send.write_all(&[1]).await.is_ok() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                drop(recv);
            });
        }
    }
    Ok(opened)
}

fn mib(b: u64) -> f64 {
    b as f64 / (1 << 20) as f64
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let _in_runtime = rt.enter();
    let extra: Vec<String> = match args.burst {
        Some(b) => vec!["--new-per-address-burst".into(), b.to_string()],
        None => vec![],
    };
    let server = Server::start(tmp.path(), &extra)?;
    let token = EnrollmentToken::decode(&server.token("BENCH")?).context("token")?;
    let mut vehicles = 0;
    let mut vehicle_dir = || {
        vehicles += 1;
        tmp.path().join(format!("vehicle-{vehicles}"))
    };
    // Warm: the first sync pays for the server's first use of its store.
    timed_sync(&rt, &server, &vehicle_dir(), args.inspections)?;
    let alone = timed_sync(&rt, &server, &vehicle_dir(), args.inspections)?;
    let idle = server.rss();
    println!(
        "hostile peers: server idle at {:.0} MiB; a vehicle's sync of {} records alone {:.0} ms",
        mib(idle),
        2 * args.inspections,
        alone.as_secs_f64() * 1e3
    );

    // Silent callers: the vehicle syncs while the flood's handshakes go on
    // (a tenth of the attempts answered).
    let peak = PeakMemory::watch(server.child.id());
    let holding = Arc::new(AtomicBool::new(true));
    let n = args.connections;
    let attempts = silent_callers(server.addr, &token, n, holding.clone())?;
    wait_until(Duration::from_secs(60), || {
        attempts.settled.load(Ordering::Relaxed) as usize >= n / 10
    })?;
    let during = timed_sync(&rt, &server, &vehicle_dir(), args.inspections)?;
    let at_sync_end = attempts.settled.load(Ordering::Relaxed);
    wait_until(Duration::from_secs(120), || {
        attempts.settled.load(Ordering::Relaxed) as usize >= n
    })?;
    holding.store(false, Ordering::Relaxed);
    let top = peak.stop();
    let admitted = attempts.admitted.load(Ordering::Relaxed) as usize;
    println!(
        "  silent callers: {n} tried ({admitted} handshakes finished, {} refused at the door; {at_sync_end} answered when the sync ended), peak {:+.0} MiB above idle, sync {:.0} ms ({:.2}x alone)",
        n - admitted,
        mib(top.saturating_sub(idle)),
        during.as_secs_f64() * 1e3,
        during.as_secs_f64() / alone.as_secs_f64()
    );
    let silent = serde_json::json!({"case": "silent_callers", "connections": args.connections, "handshakes": admitted, "peak_above_idle_mib": mib(top.saturating_sub(idle)).round(), "sync_ms": (during.as_secs_f64() * 1e3).round(), "ratio": during.as_secs_f64() / alone.as_secs_f64()});
    // Let the server close what is left before the next case.
    std::thread::sleep(Duration::from_secs(12));
    let idle2 = server.rss();

    // A hoarding device.
    let peak = PeakMemory::watch(server.child.id());
    let holding = Arc::new(AtomicBool::new(true));
    let hoard_token = EnrollmentToken::decode(&server.token("HOARD")?).context("token")?;
    let opened = rt.block_on(hoarding_device(
        server.addr,
        hoard_token,
        20,
        holding.clone(),
    ))?;
    std::thread::sleep(Duration::from_secs(2));
    let during = timed_sync(&rt, &server, &vehicle_dir(), args.inspections)?;
    holding.store(false, Ordering::Relaxed);
    let top = peak.stop();
    println!(
        "  hoarding device: {opened} connections x 4 streams x 15 MiB, peak {:+.0} MiB above idle, sync {:.0} ms ({:.2}x alone)",
        mib(top.saturating_sub(idle2)),
        during.as_secs_f64() * 1e3,
        during.as_secs_f64() / alone.as_secs_f64()
    );
    println!(
        "{}",
        serde_json::json!({"bench": "hostile", "idle_mib": mib(idle).round(), "alone_ms": (alone.as_secs_f64() * 1e3).round(), "cases": [silent, {"case": "hoarding_device", "connections": opened, "peak_above_idle_mib": mib(top.saturating_sub(idle2)).round(), "sync_ms": (during.as_secs_f64() * 1e3).round(), "ratio": during.as_secs_f64() / alone.as_secs_f64()}]})
    );
    Ok(())
}
