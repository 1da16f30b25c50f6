//! A user-space link emulator: a UDP relay between a client and a server
//! with loss, delay, jitter, rate limit (with a bounded queue), duplication,
//! reordering and outages, per direction. This machine's kernel has no
//! netem; QUIC runs over UDP, so a relay sees everything it needs to.
//!
//! The client talks to [`LinkEmulator::addr`]; each client address gets its
//! own upstream socket, so a client that changes address looks like a new
//! path to the server, as on a real network.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BinaryHeap, HashMap};
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Impairments of one direction.
#[derive(Debug, Clone, Default)]
pub struct LinkConfig {
    /// Probability a packet is lost (0..1).
    pub loss: f64,
    /// One-way delay.
    pub delay: Duration,
    /// Uniform extra delay in 0..jitter (does not reorder by itself: a
    /// packet never leaves before the one queued ahead of it).
    pub jitter: Duration,
    /// Bottleneck rate in bits per second; `None` is unlimited.
    pub rate_bps: Option<u64>,
    /// Bottleneck queue, in bytes; packets that do not fit are dropped.
    pub queue_bytes: usize,
    /// Probability a packet is delivered twice.
    pub duplicate: f64,
    /// Probability a packet is held back so later ones overtake it.
    pub reorder: f64,
}

/// Counters of one direction.
#[derive(Debug, Default)]
pub struct DirectionStats {
    pub sent: AtomicU64,
    pub delivered: AtomicU64,
    pub lost: AtomicU64,
    pub queue_drops: AtomicU64,
    pub cut_drops: AtomicU64,
}

struct Scheduled {
    at: Instant,
    n: u64,
    bytes: Vec<u8>,
    to: SocketAddr,
    via: Arc<UdpSocket>,
}

impl PartialEq for Scheduled {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.n) == (o.at, o.n)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        // Earliest first from a max-heap.
        (o.at, o.n).cmp(&(self.at, self.n))
    }
}

struct Pipe {
    cfg: LinkConfig,
    rng: Mutex<StdRng>,
    /// When the bottleneck is free again, and the sequence counter.
    state: Mutex<(Instant, u64)>,
    heap: Mutex<BinaryHeap<Scheduled>>,
    wake: Condvar,
    stats: DirectionStats,
}

impl Pipe {
    fn new(cfg: LinkConfig, seed: u64) -> Arc<Self> {
        Arc::new(Pipe {
            cfg,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            state: Mutex::new((Instant::now(), 0)),
            heap: Mutex::new(BinaryHeap::new()),
            wake: Condvar::new(),
            stats: DirectionStats::default(),
        })
    }

    fn push(&self, bytes: Vec<u8>, to: SocketAddr, via: &Arc<UdpSocket>, cut: bool) {
        self.stats.sent.fetch_add(1, Ordering::Relaxed);
        if cut {
            self.stats.cut_drops.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let (lost, dup, reorder, jitter) = {
            let Ok(mut rng) = self.rng.lock() else { return };
            let jitter_ns = self.cfg.jitter.as_nanos() as u64;
            (
                rng.gen_bool(self.cfg.loss.clamp(0.0, 1.0)),
                rng.gen_bool(self.cfg.duplicate.clamp(0.0, 1.0)),
                rng.gen_bool(self.cfg.reorder.clamp(0.0, 1.0)),
                Duration::from_nanos(if jitter_ns > 0 {
                    rng.gen_range(0..jitter_ns)
                } else {
                    0
                }),
            )
        };
        let now = Instant::now();
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let mut at = now;
        if let Some(rate) = self.cfg.rate_bps.filter(|r| *r > 0) {
            let free = state.0.max(now);
            let backlog = free.saturating_duration_since(now).as_secs_f64() * rate as f64 / 8.0;
            if backlog + bytes.len() as f64 > self.cfg.queue_bytes.max(1500) as f64 {
                self.stats.queue_drops.fetch_add(1, Ordering::Relaxed);
                return;
            }
            state.0 = free + Duration::from_secs_f64(bytes.len() as f64 * 8.0 / rate as f64);
            at = state.0;
        }
        // Lost after the queue: a lossy radio, not a full buffer.
        if lost {
            self.stats.lost.fetch_add(1, Ordering::Relaxed);
            return;
        }
        at += self.cfg.delay + jitter;
        if reorder {
            at += self.cfg.delay + Duration::from_millis(2);
        }
        let copies = if dup { 2 } else { 1 };
        let Ok(mut heap) = self.heap.lock() else {
            return;
        };
        for _ in 0..copies {
            state.1 += 1;
            heap.push(Scheduled {
                at,
                n: state.1,
                bytes: bytes.clone(),
                to,
                via: via.clone(),
            });
        }
        self.wake.notify_one();
    }

    /// Delivers packets when due, until `stop`.
    fn run(&self, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            let Ok(mut heap) = self.heap.lock() else {
                return;
            };
            let now = Instant::now();
            match heap.peek().map(|s| s.at) {
                Some(at) if at <= now => {
                    if let Some(s) = heap.pop() {
                        drop(heap);
                        if s.via.send_to(&s.bytes, s.to).is_ok() {
                            self.stats.delivered.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                Some(at) => {
                    let _ = self
                        .wake
                        .wait_timeout(heap, (at - now).min(Duration::from_millis(50)));
                }
                None => {
                    let _ = self.wake.wait_timeout(heap, Duration::from_millis(50));
                }
            }
        }
    }
}

/// A running relay; stops when dropped.
pub struct LinkEmulator {
    addr: SocketAddr,
    cut: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    up: Arc<Pipe>,
    down: Arc<Pipe>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for LinkEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkEmulator")
            .field("addr", &self.addr)
            .finish()
    }
}

impl LinkEmulator {
    /// Relays between clients (at [`addr`](Self::addr)) and `server`.
    /// `up` impairs client → server, `down` server → client.
    pub fn start(
        server: SocketAddr,
        up: LinkConfig,
        down: LinkConfig,
        seed: u64,
    ) -> std::io::Result<Self> {
        let front = Arc::new(UdpSocket::bind("127.0.0.1:0")?);
        front.set_read_timeout(Some(Duration::from_millis(50)))?;
        let addr = front.local_addr()?;
        let cut = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let up = Pipe::new(up, seed);
        let down = Pipe::new(down, seed.wrapping_add(1));
        let mut threads = vec![];
        for pipe in [up.clone(), down.clone()] {
            let stop = stop.clone();
            threads.push(std::thread::spawn(move || pipe.run(&stop)));
        }
        let (f, c, s, u, d) = (
            front.clone(),
            cut.clone(),
            stop.clone(),
            up.clone(),
            down.clone(),
        );
        threads.push(std::thread::spawn(move || {
            let mut paths: HashMap<SocketAddr, Arc<UdpSocket>> = HashMap::new();
            let mut buf = vec![0u8; 65536];
            while !s.load(Ordering::Relaxed) {
                let Ok((n, client)) = f.recv_from(&mut buf) else {
                    continue;
                };
                let upstream = match paths.get(&client) {
                    Some(sock) => sock.clone(),
                    None => {
                        let Ok(sock) = UdpSocket::bind("127.0.0.1:0") else {
                            continue;
                        };
                        let _ = sock.set_read_timeout(Some(Duration::from_millis(50)));
                        let sock = Arc::new(sock);
                        paths.insert(client, sock.clone());
                        let (sock2, f2, c2, s2, d2) =
                            (sock.clone(), f.clone(), c.clone(), s.clone(), d.clone());
                        std::thread::spawn(move || {
                            let mut buf = vec![0u8; 65536];
                            while !s2.load(Ordering::Relaxed) {
                                if let Ok(n) = sock2.recv(&mut buf) {
                                    d2.push(
                                        buf[..n].to_vec(),
                                        client,
                                        &f2,
                                        c2.load(Ordering::Relaxed),
                                    );
                                }
                            }
                        });
                        sock
                    }
                };
                let _ = upstream.connect(server);
                u.push(
                    buf[..n].to_vec(),
                    server,
                    &upstream,
                    c.load(Ordering::Relaxed),
                );
            }
        }));
        Ok(LinkEmulator {
            addr,
            cut,
            stop,
            up,
            down,
            threads,
        })
    }

    /// Where clients send.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Cuts (true) or restores (false) the link in both directions.
    pub fn set_cut(&self, cut: bool) {
        self.cut.store(cut, Ordering::Relaxed);
    }

    pub fn up_stats(&self) -> &DirectionStats {
        &self.up.stats
    }

    pub fn down_stats(&self) -> &DirectionStats {
        &self.down.stats
    }
}

impl Drop for LinkEmulator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for pipe in [&self.up, &self.down] {
            pipe.wake.notify_all();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo_server() -> (SocketAddr, Arc<AtomicBool>) {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        let addr = sock.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !s.load(Ordering::Relaxed) {
                if let Ok((n, from)) = sock.recv_from(&mut buf) {
                    let _ = sock.send_to(&buf[..n], from);
                }
            }
        });
        (addr, stop)
    }

    fn client() -> UdpSocket {
        let c = UdpSocket::bind("127.0.0.1:0").expect("bind");
        c.set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        c
    }

    #[test]
    fn clean_link_relays_both_ways_with_the_configured_delay() {
        let (server, stop) = echo_server();
        let cfg = LinkConfig {
            delay: Duration::from_millis(40),
            ..Default::default()
        };
        let link = LinkEmulator::start(server, cfg.clone(), cfg, 1).expect("start");
        let c = client();
        let t = Instant::now();
        c.send_to(b"ping", link.addr()).expect("send");
        let mut buf = [0u8; 16];
        let n = c.recv(&mut buf).expect("echo comes back");
        assert_eq!(&buf[..n], b"ping");
        assert!(
            t.elapsed() >= Duration::from_millis(80),
            "two one-way delays: {:?}",
            t.elapsed()
        );
        stop.store(true, Ordering::Relaxed);
    }

    #[test]
    fn a_cut_link_drops_everything_until_restored() {
        let (server, stop) = echo_server();
        let link = LinkEmulator::start(server, LinkConfig::default(), LinkConfig::default(), 2)
            .expect("start");
        let c = client();
        link.set_cut(true);
        c.send_to(b"lost", link.addr()).expect("send");
        let mut buf = [0u8; 16];
        assert!(c.recv(&mut buf).is_err(), "nothing crosses a cut link");
        assert_eq!(link.up_stats().cut_drops.load(Ordering::Relaxed), 1);
        link.set_cut(false);
        c.send_to(b"back", link.addr()).expect("send");
        let n = c.recv(&mut buf).expect("echo");
        assert_eq!(&buf[..n], b"back");
        stop.store(true, Ordering::Relaxed);
    }

    #[test]
    fn loss_and_queue_limits_are_counted() {
        let (server, stop) = echo_server();
        let up = LinkConfig {
            loss: 0.5,
            rate_bps: Some(1_000_000),
            queue_bytes: 10_000,
            ..Default::default()
        };
        let link = LinkEmulator::start(server, up, LinkConfig::default(), 3).expect("start");
        let c = client();
        // About 8 Mbit/s offered to a 1 Mbit/s bottleneck with a 10 kB
        // queue: most packets are dropped there, and about half of what
        // passes the queue is lost. (Paced, so the kernel's own socket
        // buffer never overflows before the relay sees a packet.)
        for _ in 0..200 {
            c.send_to(&[0u8; 1000], link.addr()).expect("send");
            std::thread::sleep(Duration::from_millis(1));
        }

        let s = link.up_stats();
        let deadline = Instant::now() + Duration::from_secs(5);
        while s.sent.load(Ordering::Relaxed) < 200 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(s.sent.load(Ordering::Relaxed), 200);
        let queued = s.queue_drops.load(Ordering::Relaxed);
        let lost = s.lost.load(Ordering::Relaxed);
        assert!(queued >= 100, "queue drops {queued}");

        assert!(
            lost >= 1 && lost < 200 - queued,
            "lost {lost} of {}",
            200 - queued
        );
        stop.store(true, Ordering::Relaxed);
    }
}
