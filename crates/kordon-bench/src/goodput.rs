//! Goodput of a QUIC transfer through the link emulator.
//!
//! A real quinn client and server on loopback, joined by
//! `kordon_test_support::link::LinkEmulator`: the given rate in each
//! direction, a bottleneck queue of `--queue-ms` at that rate, IPv4 + UDP
//! headers (28 bytes) charged to every packet, half the RTT of delay each
//! way, random loss after the queue in both directions. The client sends
//! one unidirectional stream as fast as its controller lets it; after a
//! warm-up, the bench counts the application bytes the server reads in
//! order during `--seconds`, and divides by the ideal C × (1 − loss).
//! Next to it: the share of the client's packets dropped at the
//! bottleneck queue (self-inflicted loss), measured and including the
//! warm-up, from the emulator's counters.
//!
//! With `--flows N`, N clients (each its own endpoint and address, as
//! vehicles behind one satellite terminal) start `--stagger` seconds
//! apart and share the bottleneck; the warm-up counts from the last
//! one's start, and each one's goodput is reported against an equal
//! split of what all of them got.
//!
//! Every controller gets the same windows (`congestion::transport_tuning`
//! with a 300 ms hint at the configured rate). Before the runs, a UDP
//! blast at twice the rate checks that the emulator itself delivers the
//! configured rate on this machine.

use anyhow::{anyhow, bail, Context};
use kordon_test_support::link::{DirectionStats, LinkConfig, LinkEmulator};
use kordon_transport::congestion::{transport_tuning, LinkHint, LossyLinkConfig};
use quinn::congestion::{BbrConfig, CubicConfig};
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const HEADERS: usize = 28;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Measured seconds per run, after the warm-up.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Warm-up seconds per run (startup), not measured.
    #[arg(long, default_value_t = 5)]
    warmup: u64,
    /// Bottleneck rate, each direction.
    #[arg(long, default_value_t = 10.0)]
    rate_mbit: f64,
    /// Bottleneck queue, in milliseconds at the bottleneck rate.
    #[arg(long, default_value_t = 100)]
    queue_ms: u64,
    /// Comma-separated: kordon (ours), kordon-noprobe (ours without the
    /// stall probe, the baseline for outages), kordon-drain (ours draining
    /// for the minimum RTT every 10 s, as it did before), cubic (quinn's default),
    /// bbr (quinn's).
    #[arg(long, default_value = "kordon,cubic,bbr")]
    controllers: String,
    /// Comma-separated LOSS%/RTTms cases.
    #[arg(long, default_value = "0/50,1/50,5/50,0/300,1/300,5/300")]
    cases: String,
    /// Cut the link for this many seconds, 2 s into the measured time
    /// (the ideal then counts only the time the link was up).
    #[arg(long, default_value_t = 0.0)]
    outage: f64,
    /// Connections sharing the bottleneck, each from its own endpoint (as
    /// vehicles behind one satellite terminal); each one's share of what
    /// crossed is reported.
    #[arg(long, default_value_t = 1)]
    flows: usize,
    /// Seconds between one connection's start and the next's (the
    /// warm-up counts from the last one's).
    #[arg(long, default_value_t = 2.0)]
    stagger: f64,
}

#[derive(Debug, Clone, Copy)]
enum Ctl {
    Kordon,
    KordonNoProbe,
    KordonDrain,
    Cubic,
    Bbr,
}

#[derive(Debug, Clone, Copy)]
struct Case {
    loss: f64,
    rtt: Duration,
}

#[derive(Debug)]
struct Outcome {
    goodput_bps: f64,
    /// Each connection's goodput, in the order they started.
    flows_bps: Vec<f64>,
    drops: f64,
    drops_all: f64,
    random_loss: f64,
    srtt: Duration,
    cwnd: u64,
    kernel_drops: Option<u64>,
    socket_drops: Option<u64>,
    resumed_after: Option<Duration>,
}

fn parse_cases(s: &str) -> anyhow::Result<Vec<Case>> {
    s.split(',')
        .map(|c| {
            let (loss, rtt) = c
                .split_once('/')
                .ok_or_else(|| anyhow!("case {c}: LOSS/RTT"))?;
            Ok(Case {
                loss: loss.trim().parse::<f64>().context("loss %")? / 100.0,
                rtt: Duration::from_millis(rtt.trim().parse().context("RTT ms")?),
            })
        })
        .collect()
}

fn parse_controllers(s: &str) -> anyhow::Result<Vec<Ctl>> {
    s.split(',')
        .map(|c| match c.trim() {
            "kordon" => Ok(Ctl::Kordon),
            "kordon-noprobe" => Ok(Ctl::KordonNoProbe),
            "kordon-drain" => Ok(Ctl::KordonDrain),
            "cubic" => Ok(Ctl::Cubic),
            "bbr" => Ok(Ctl::Bbr),
            other => bail!(
                "unknown controller {other} (kordon, kordon-noprobe, kordon-drain, cubic, bbr)"
            ),
        })
        .collect()
}

fn name(c: Ctl) -> &'static str {
    match c {
        Ctl::Kordon => "kordon LossyLink",
        Ctl::KordonNoProbe => "kordon LossyLink, no stall probe",
        Ctl::KordonDrain => "kordon LossyLink, draining every 10 s",
        Ctl::Cubic => "quinn Cubic",
        Ctl::Bbr => "quinn BBR",
    }
}

/// System-wide UDP receive-buffer overflows so far (Linux), to show the
/// kernel dropped nothing the emulator did not count.
fn kernel_udp_drops() -> Option<u64> {
    let snmp = std::fs::read_to_string("/proc/net/snmp").ok()?;
    let mut lines = snmp.lines().filter(|l| l.starts_with("Udp:"));
    let (head, values) = (lines.next()?, lines.next()?);
    let i = head.split_whitespace().position(|f| f == "RcvbufErrors")?;
    values.split_whitespace().nth(i)?.parse().ok()
}

/// Receive-buffer drops of the UDP sockets bound to `ports` on 127.0.0.1
/// (Linux `/proc/net/udp`): packets the kernel discarded before the
/// emulator or quinn could read them, which no other counter sees.
fn socket_drops(ports: &[u16]) -> Option<u64> {
    let table = std::fs::read_to_string("/proc/net/udp").ok()?;
    let mut drops = 0;
    for line in table.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let port = fields
            .get(1)
            .and_then(|a| a.rsplit_once(':'))
            .and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
        if port.is_some_and(|p| ports.contains(&p)) {
            drops += fields.last()?.parse::<u64>().ok()?;
        }
    }
    Some(drops)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn link(rate_bps: u64, queue_ms: u64, case: Case) -> LinkConfig {
    LinkConfig {
        loss: case.loss,
        delay: case.rtt / 2,
        rate_bps: Some(rate_bps),
        queue_bytes: (rate_bps / 8 * queue_ms / 1000) as usize,
        overhead_bytes: HEADERS,
        ..Default::default()
    }
}

/// Blasts UDP through a clean emulated link at twice its rate; returns the
/// delivered on-the-wire rate in bits per second.
fn calibrate(rate_bps: u64, queue_ms: u64) -> anyhow::Result<f64> {
    let rx = UdpSocket::bind("127.0.0.1:0")?;
    rx.set_read_timeout(Some(Duration::from_millis(500)))?;
    let case = Case {
        loss: 0.0,
        rtt: Duration::from_millis(50),
    };
    let cfg = link(rate_bps, queue_ms, case);
    let emu = LinkEmulator::start(rx.local_addr()?, cfg.clone(), cfg, 1)?;
    let tx = UdpSocket::bind("127.0.0.1:0")?;
    let to = emu.addr();
    let size = 1400usize;
    let per_ms = 2.0 * rate_bps as f64 / 8.0 / (size + HEADERS) as f64 / 1000.0;
    let sender = std::thread::spawn(move || {
        let start = Instant::now();
        let mut sent = 0.0;
        while start.elapsed() < Duration::from_secs(3) {
            let due = start.elapsed().as_secs_f64() * 1000.0 * per_ms;
            while sent < due {
                let _ = tx.send_to(&[0u8; 1400], to);
                sent += 1.0;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    let mut buf = [0u8; 2048];
    let mut arrivals = vec![];
    while let Ok(n) = rx.recv(&mut buf) {
        arrivals.push((Instant::now(), n));
    }
    let _ = sender.join();
    // Skip the first half second (the queue filling), then bytes on the
    // wire over the time they took.
    let t0 = arrivals
        .first()
        .map(|a| a.0)
        .ok_or_else(|| anyhow!("nothing crossed"))?;
    let steady: Vec<_> = arrivals
        .iter()
        .filter(|a| a.0 >= t0 + Duration::from_millis(500))
        .collect();
    let (first, last) = match (steady.first(), steady.last()) {
        (Some(f), Some(l)) if l.0 > f.0 => (f.0, l.0),
        _ => bail!("too few packets crossed"),
    };
    let bytes: usize = steady.iter().skip(1).map(|a| a.1 + HEADERS).sum();
    Ok(bytes as f64 * 8.0 / (last - first).as_secs_f64())
}

fn counters(s: &DirectionStats) -> (u64, u64) {
    (
        s.sent.load(Ordering::Relaxed),
        s.queue_drops.load(Ordering::Relaxed),
    )
}

fn transport(ctl: Ctl, hint: LinkHint) -> Arc<quinn::TransportConfig> {
    let mut t = quinn::TransportConfig::default();
    transport_tuning(&mut t, hint);
    match ctl {
        Ctl::Kordon => {}
        Ctl::KordonNoProbe => {
            let mut cfg = LossyLinkConfig::default();
            cfg.probe_stalls(false);
            t.congestion_controller_factory(Arc::new(cfg));
        }
        Ctl::KordonDrain => {
            let mut cfg = LossyLinkConfig::default();
            cfg.drain_regardless(true);
            t.congestion_controller_factory(Arc::new(cfg));
        }
        Ctl::Cubic => {
            t.congestion_controller_factory(Arc::new(CubicConfig::default()));
        }
        Ctl::Bbr => {
            t.congestion_controller_factory(Arc::new(BbrConfig::default()));
        }
    }
    Arc::new(t)
}

async fn run_one(args: &Args, ctl: Ctl, case: Case, seed: u64) -> anyhow::Result<Outcome> {
    let rate_bps = (args.rate_mbit * 1e6) as u64;
    let hint = LinkHint {
        rate_bps,
        rtt: case.rtt.max(Duration::from_millis(300)),
    };
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])?;
    let cert_der = cert.cert.der().clone();
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der());
    let mut server_cfg = quinn::ServerConfig::with_single_cert(vec![cert_der.clone()], key.into())?;
    server_cfg.transport_config(transport(ctl, hint));
    let server = quinn::Endpoint::server(server_cfg, SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let cfg = link(rate_bps, args.queue_ms, case);
    let server_addr = server.local_addr()?;
    let emu = LinkEmulator::start(server_addr, cfg.clone(), cfg, seed)?;

    // One counter per connection, in the order the server accepts them
    // (the order they started: each starts after the one before has
    // finished its handshake).
    let received: Arc<Vec<AtomicU64>> =
        Arc::new((0..args.flows.max(1)).map(|_| AtomicU64::new(0)).collect());
    let rx = received.clone();
    let server_task = tokio::spawn(async move {
        let mut readers = vec![];
        for i in 0..rx.len() {
            let Some(incoming) = server.accept().await else {
                break;
            };
            let rx = rx.clone();
            readers.push(tokio::spawn(async move {
                let Ok(conn) = incoming.await else { return };
                let Ok(mut stream) = conn.accept_uni().await else {
                    return;
                };
                while let Ok(Some(chunk)) = stream.read_chunk(usize::MAX, true).await {
                    rx[i].fetch_add(chunk.bytes.len() as u64, Ordering::Relaxed);
                }
            }));
        }
        for r in readers {
            let _ = r.await;
        }
    });
    let total = |r: &[AtomicU64]| r.iter().map(|c| c.load(Ordering::Relaxed)).sum::<u64>();

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert_der)?;
    let mut client_cfg = quinn::ClientConfig::with_root_certificates(Arc::new(roots))?;
    client_cfg.transport_config(transport(ctl, hint));
    let mut ports = vec![emu.addr().port(), server_addr.port()];
    let mut flows = vec![];
    for k in 0..received.len() {
        if k > 0 {
            tokio::time::sleep(Duration::from_secs_f64(args.stagger)).await;
        }
        let mut client = quinn::Endpoint::client(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        client.set_default_client_config(client_cfg.clone());
        ports.push(client.local_addr()?.port());
        let conn = tokio::time::timeout(
            Duration::from_secs(10),
            client.connect(emu.addr(), "localhost")?,
        )
        .await
        .context("handshake timed out")??;
        let probe = match ctl {
            Ctl::Kordon | Ctl::KordonDrain => Some(kordon_transport::StallProbe::start(&conn)),
            _ => None,
        };
        let mut stream = conn.open_uni().await?;
        let sender = tokio::spawn(async move {
            let block = vec![0x5au8; 64 * 1024];
            while stream.write_all(&block).await.is_ok() {}
        });
        flows.push((client, conn, probe, sender));
    }

    tokio::time::sleep(Duration::from_secs(args.warmup)).await;
    let kernel0 = kernel_udp_drops();
    let each0: Vec<u64> = received.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    let (t0, rx0, (sent0, drops0)) = (Instant::now(), total(&received), counters(emu.up_stats()));
    let lost0 = emu.up_stats().lost.load(Ordering::Relaxed);
    let mut resumed_after = None;
    if args.outage > 0.0 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let outage = Duration::from_secs_f64(args.outage);
        emu.cut_for(outage);
        tokio::time::sleep(outage).await;
        // How long the transfer stays silent once the link is back.
        let back = Instant::now();
        let at_restore = total(&received);
        let end = t0 + Duration::from_secs(args.seconds);
        while total(&received) == at_restore && Instant::now() < end {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        resumed_after = Some(back.elapsed());
        tokio::time::sleep(end.saturating_duration_since(Instant::now())).await;
    } else {
        tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    }
    let each1: Vec<u64> = received.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    let (t1, rx1, (sent1, drops1)) = (Instant::now(), total(&received), counters(emu.up_stats()));
    let lost1 = emu.up_stats().lost.load(Ordering::Relaxed);
    let kernel_drops = kernel0
        .zip(kernel_udp_drops())
        .map(|(a, b)| b.saturating_sub(a));
    let socket_drops = socket_drops(&ports);
    let stats = flows[0].1.stats();
    for (_, conn, _, sender) in &flows {
        conn.close(0u32.into(), b"done");
        sender.abort();
    }
    server_task.abort();
    for (client, ..) in &flows {
        client.wait_idle().await;
    }
    let secs = (t1 - t0).as_secs_f64();

    let passed = (sent1 - sent0).saturating_sub(drops1 - drops0).max(1);
    Ok(Outcome {
        goodput_bps: (rx1 - rx0) as f64 * 8.0 / secs,
        flows_bps: each0
            .iter()
            .zip(&each1)
            .map(|(a, b)| (b - a) as f64 * 8.0 / secs)
            .collect(),
        drops: (drops1 - drops0) as f64 / (sent1 - sent0).max(1) as f64,
        drops_all: drops1 as f64 / sent1.max(1) as f64,
        random_loss: (lost1 - lost0) as f64 / passed as f64,
        srtt: stats.path.rtt,
        cwnd: stats.path.cwnd,
        kernel_drops,
        socket_drops,
        resumed_after,
    })
}

/// Each connection's goodput over an equal split of what all of them got
/// (1.00 each when the link is shared evenly), in the order they started.
fn equal_shares(flows_bps: &[f64]) -> String {
    let sum: f64 = flows_bps.iter().sum();
    let fair = sum / flows_bps.len().max(1) as f64;
    flows_bps
        .iter()
        .map(|b| format!("{:.2}", if fair > 0.0 { b / fair } else { 0.0 }))
        .collect::<Vec<_>>()
        .join(" / ")
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let cases = parse_cases(&args.cases)?;
    let controllers = parse_controllers(&args.controllers)?;
    if args.outage > 0.0 && args.outage + 2.0 >= args.seconds as f64 {
        bail!("--seconds must exceed --outage + 2");
    }
    let up_share = 1.0 - args.outage / args.seconds as f64;
    let rate_bps = (args.rate_mbit * 1e6) as u64;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let command: Vec<String> = std::env::args().skip(1).collect();
    let kernel_before = kernel_udp_drops();
    let load_before = load_average();
    let calibrated = calibrate(rate_bps, args.queue_ms)?;

    let mut rows = vec![];
    let (mut socket_total, mut socket_known) = (0, true);
    for (i, case) in cases.iter().enumerate() {
        for (j, ctl) in controllers.iter().enumerate() {
            let seed = 1000 + (i * 10 + j) as u64;
            let load = load_average();
            let o = rt.block_on(run_one(&args, *ctl, *case, seed))?;
            let ideal = rate_bps as f64 * (1.0 - case.loss) * up_share;
            let shares = equal_shares(&o.flows_bps);
            eprintln!(
                "{} ms {}% {}: {:.2} Mbit/s = {:.3} of ideal, each against an equal share {}, queue drops {:.2} % (all {:.2} %), resumed after {:?}, load {load}",
                case.rtt.as_millis(),
                case.loss * 100.0,
                name(*ctl),
                o.goodput_bps / 1e6,
                o.goodput_bps / ideal,
                shares,
                o.drops * 100.0,
                o.drops_all * 100.0,
                o.resumed_after
            );
            println!(
                "{}",
                serde_json::json!({"bench": "goodput", "controller": name(*ctl), "rtt_ms": case.rtt.as_millis() as u64, "loss": case.loss, "goodput_bps": o.goodput_bps.round(), "of_ideal": o.goodput_bps / ideal, "flows_bps": o.flows_bps.iter().map(|b| b.round()).collect::<Vec<_>>(), "queue_drops": o.drops, "queue_drops_with_warmup": o.drops_all, "random_loss_seen": o.random_loss, "srtt_ms": o.srtt.as_millis() as u64, "cwnd": o.cwnd, "kernel_udp_drops_machine": o.kernel_drops, "bench_socket_drops": o.socket_drops, "outage_s": args.outage, "resumed_after_ms": o.resumed_after.map(|d| d.as_millis() as u64), "load": load})
            );
            socket_total += o.socket_drops.unwrap_or(0);
            socket_known &= o.socket_drops.is_some();
            rows.push((*case, *ctl, o, ideal));
        }
    }

    let kernel = match (kernel_before, kernel_udp_drops()) {
        (Some(a), Some(b)) => format!("{}", b.saturating_sub(a)),
        _ => "unknown".into(),
    };
    println!();
    println!(
        "```sh\ncargo run --release -p kordon-bench -- {}\n```",
        command.join(" ")
    );
    println!();
    println!(
        "Bottleneck {} Mbit/s each way (IPv4 + UDP headers counted), queue {} ms ({} kB), {} s measured after {} s of warm-up. \
         Emulator check: a UDP blast at twice the rate came out at {:.3} Mbit/s on the wire ({:+.2} %). \
         UDP receive-buffer drops on the bench's own sockets (emulator front, client, server): {}; on the whole machine: {kernel}. \
         Load average before: {load_before}; after: {}.{}",
        args.rate_mbit,
        args.queue_ms,
        rate_bps / 8 * args.queue_ms / 1_000_000,
        args.seconds,
        args.warmup,
        calibrated / 1e6,
        (calibrated / rate_bps as f64 - 1.0) * 100.0,
        if socket_known {
            socket_total.to_string()
        } else {
            "unknown".into()
        },
        load_average(),
        if args.outage > 0.0 {
            format!(" A {} s outage 2 s into each measured run; the ideal counts only the time the link was up.", args.outage)
        } else {
            String::new()
        }
    );
    println!();
    let outage = args.outage > 0.0;
    let several = args.flows > 1;
    println!(
        "| RTT | loss | controller | goodput | of ideal C×(1−loss) |{} queue drops / sent | with warm-up | random loss seen | smoothed RTT |{}",
        if several {
            " each connection against an equal share |"
        } else {
            ""
        },
        if outage { " silent after the outage |" } else { "" }
    );
    println!(
        "| ---: | ---: | --- | ---: | ---: |{} ---: | ---: | ---: | ---: |{}",
        if several { " ---: |" } else { "" },
        if outage { " ---: |" } else { "" }
    );
    for (case, ctl, o, ideal) in rows {
        println!(
            "| {} ms | {} % | {} | {:.2} Mbit/s | {:.2} |{} {:.1} % | {:.1} % | {:.1} % | {} ms |{}",
            case.rtt.as_millis(),
            case.loss * 100.0,
            name(ctl),
            o.goodput_bps / 1e6,
            o.goodput_bps / ideal,
            if several {
                format!(" {} |", equal_shares(&o.flows_bps))
            } else {
                String::new()
            },
            o.drops * 100.0,
            o.drops_all * 100.0,
            o.random_loss * 100.0,
            o.srtt.as_millis(),
            match o.resumed_after {
                Some(d) if outage => format!(" {:.1} s |", d.as_secs_f64()),
                _ => String::new(),
            }
        );
    }
    Ok(())
}
