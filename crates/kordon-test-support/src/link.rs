//! A user-space link emulator: a UDP relay between a client and a server
//! with loss, delay, jitter, rate limit (with a bounded queue), duplication,
//! reordering and outages, per direction. This machine's kernel has no
//! netem; QUIC runs over UDP, so a relay sees everything it needs to.
//!
//! The client talks to [`LinkEmulator::addr`]; each client address gets its
//! own upstream socket, so a client that changes address looks like a new
//! path to the server, as on a real network.
//!
//! The bottleneck is a virtual clock: each packet occupies it for
//! `(len + overhead_bytes) * 8 / rate` seconds and leaves when its turn is
//! over, so the delivered rate is exact whatever the relay threads'
//! scheduling. A packet is dropped at the queue when the bytes still
//! waiting for the bottleneck would exceed `queue_bytes` (counted as
//! `queue_drops`); random loss strikes only packets that passed the queue
//! (counted as `lost`), as on a lossy radio behind a router. Outages are
//! manual ([`LinkEmulator::set_cut`]) or timed ([`LinkEmulator::cut_for`]);
//! a delay spike ([`LinkEmulator::spike_for`]) holds every packet sent
//! meanwhile back by more; the impairments can change while it runs
//! ([`LinkEmulator::set_config`]).

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
    /// Bytes added to each packet when it is charged to the bottleneck
    /// (28 for IPv4 + UDP headers); 0 charges the UDP payload only.
    pub overhead_bytes: usize,
}

/// Counters of one direction. Every packet offered (`sent`) ends in
/// exactly one of `cut_drops`, `queue_drops`, `lost`, or delivered (once,
/// or twice when duplicated), apart from those still in flight.
#[derive(Debug, Default)]
pub struct DirectionStats {
    /// Packets offered to the link.
    pub sent: AtomicU64,
    /// Copies handed to the receiver (duplicates count twice).
    pub delivered: AtomicU64,
    /// Random loss, after the queue.
    pub lost: AtomicU64,
    /// Dropped because the bottleneck queue was full.
    pub queue_drops: AtomicU64,
    /// Dropped because the link was cut.
    pub cut_drops: AtomicU64,
    /// UDP payload bytes offered.
    pub sent_bytes: AtomicU64,
    /// UDP payload bytes handed to the receiver.
    pub delivered_bytes: AtomicU64,
}

/// Manual and timed outages, shared by both directions.
#[derive(Debug, Default)]
struct Cut {
    manual: AtomicBool,
    until: Mutex<Option<Instant>>,
}

impl Cut {
    fn active(&self) -> bool {
        if self.manual.load(Ordering::Relaxed) {
            return true;
        }
        match self.until.lock() {
            Ok(until) => until.is_some_and(|t| Instant::now() < t),
            Err(_) => false,
        }
    }
}

/// A timed delay spike: until when, and by how much more.
#[derive(Debug, Default)]
struct Spike {
    until: Mutex<Option<(Instant, Duration)>>,
}

impl Spike {
    fn extra(&self) -> Duration {
        match self.until.lock() {
            Ok(until) => match *until {
                Some((t, extra)) if Instant::now() < t => extra,
                _ => Duration::ZERO,
            },
            Err(_) => Duration::ZERO,
        }
    }
}

/// The bottleneck's clock and the ordering of departures.
struct Clock {
    /// When the bottleneck is free again.
    free: Instant,
    /// Departure of the last packet not held back, so jitter never
    /// reorders by itself.
    last: Instant,
    /// Tie-breaker for the delivery heap.
    seq: u64,
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
    cfg: Mutex<LinkConfig>,
    rng: Mutex<StdRng>,
    state: Mutex<Clock>,
    heap: Mutex<BinaryHeap<Scheduled>>,
    wake: Condvar,
    stats: DirectionStats,
}

impl Pipe {
    fn new(cfg: LinkConfig, seed: u64) -> Arc<Self> {
        Arc::new(Pipe {
            cfg: Mutex::new(cfg),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            state: Mutex::new(Clock {
                free: Instant::now(),
                last: Instant::now(),
                seq: 0,
            }),
            heap: Mutex::new(BinaryHeap::new()),
            wake: Condvar::new(),
            stats: DirectionStats::default(),
        })
    }

    fn push(
        &self,
        bytes: Vec<u8>,
        to: SocketAddr,
        via: &Arc<UdpSocket>,
        cut: bool,
        spike: Duration,
    ) {
        self.stats.sent.fetch_add(1, Ordering::Relaxed);
        self.stats
            .sent_bytes
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if cut {
            self.stats.cut_drops.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let Ok(cfg) = self.cfg.lock().map(|c| c.clone()) else {
            return;
        };
        let (lost, dup, reorder, jitter) = {
            let Ok(mut rng) = self.rng.lock() else { return };
            let jitter_ns = cfg.jitter.as_nanos() as u64;
            (
                rng.gen_bool(cfg.loss.clamp(0.0, 1.0)),
                rng.gen_bool(cfg.duplicate.clamp(0.0, 1.0)),
                rng.gen_bool(cfg.reorder.clamp(0.0, 1.0)),
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
        if let Some(rate) = cfg.rate_bps.filter(|r| *r > 0) {
            let free = state.free.max(now);
            let backlog = free.saturating_duration_since(now).as_secs_f64() * rate as f64 / 8.0;
            let charged = (bytes.len() + cfg.overhead_bytes) as f64;
            if backlog + charged > cfg.queue_bytes.max(1500) as f64 {
                self.stats.queue_drops.fetch_add(1, Ordering::Relaxed);
                return;
            }
            state.free = free + Duration::from_secs_f64(charged * 8.0 / rate as f64);
            at = state.free;
        }
        // Lost after the queue: a lossy radio, not a full buffer.
        if lost {
            self.stats.lost.fetch_add(1, Ordering::Relaxed);
            return;
        }
        at += cfg.delay + jitter + spike;
        if reorder {
            at += cfg.delay + Duration::from_millis(2);
        } else {
            at = at.max(state.last);
            state.last = at;
        }
        let copies = if dup { 2 } else { 1 };
        let Ok(mut heap) = self.heap.lock() else {
            return;
        };
        for _ in 0..copies {
            state.seq += 1;
            heap.push(Scheduled {
                at,
                n: state.seq,
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
                            self.stats
                                .delivered_bytes
                                .fetch_add(s.bytes.len() as u64, Ordering::Relaxed);
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
    cut: Arc<Cut>,
    spike: Arc<Spike>,
    stop: Arc<AtomicBool>,
    up: Arc<Pipe>,
    down: Arc<Pipe>,
    /// Bumped by [`rebind`](LinkEmulator::rebind): clients get new
    /// upstream sockets (a new source address towards the server).
    generation: Arc<AtomicU64>,
    paths_opened: Arc<AtomicU64>,
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
        let cut = Arc::new(Cut::default());
        let spike = Arc::new(Spike::default());
        let stop = Arc::new(AtomicBool::new(false));
        let up = Pipe::new(up, seed);
        let down = Pipe::new(down, seed.wrapping_add(1));
        let mut threads = vec![];
        for pipe in [up.clone(), down.clone()] {
            let stop = stop.clone();
            threads.push(std::thread::spawn(move || pipe.run(&stop)));
        }
        let generation = Arc::new(AtomicU64::new(0));
        let paths_opened = Arc::new(AtomicU64::new(0));
        let (f, c, s, u, d, sp) = (
            front.clone(),
            cut.clone(),
            stop.clone(),
            up.clone(),
            down.clone(),
            spike.clone(),
        );
        let (g, opened) = (generation.clone(), paths_opened.clone());
        threads.push(std::thread::spawn(move || {
            let mut paths: HashMap<(SocketAddr, u64), Arc<UdpSocket>> = HashMap::new();
            let mut buf = vec![0u8; 65536];
            while !s.load(Ordering::Relaxed) {
                let Ok((n, client)) = f.recv_from(&mut buf) else {
                    continue;
                };
                let key = (client, g.load(Ordering::Relaxed));
                let upstream = match paths.get(&key) {
                    Some(sock) => sock.clone(),
                    None => {
                        let Ok(sock) = UdpSocket::bind("127.0.0.1:0") else {
                            continue;
                        };
                        let _ = sock.set_read_timeout(Some(Duration::from_millis(50)));
                        if sock.connect(server).is_err() {
                            continue;
                        }
                        let sock = Arc::new(sock);
                        paths.insert(key, sock.clone());
                        opened.fetch_add(1, Ordering::Relaxed);
                        let (sock2, f2, c2, s2, d2, sp2) = (
                            sock.clone(),
                            f.clone(),
                            c.clone(),
                            s.clone(),
                            d.clone(),
                            sp.clone(),
                        );
                        std::thread::spawn(move || {
                            let mut buf = vec![0u8; 65536];
                            while !s2.load(Ordering::Relaxed) {
                                if let Ok(n) = sock2.recv(&mut buf) {
                                    d2.push(
                                        buf[..n].to_vec(),
                                        client,
                                        &f2,
                                        c2.active(),
                                        sp2.extra(),
                                    );
                                }
                            }
                        });
                        sock
                    }
                };
                u.push(buf[..n].to_vec(), server, &upstream, c.active(), sp.extra());
            }
        }));
        Ok(LinkEmulator {
            addr,
            cut,
            spike,
            stop,
            up,
            down,
            generation,
            paths_opened,
            threads,
        })
    }

    /// Where clients send.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Cuts (true) or restores (false) the link in both directions.
    pub fn set_cut(&self, cut: bool) {
        self.cut.manual.store(cut, Ordering::Relaxed);
    }

    /// Cuts the link in both directions for `outage` from now, then
    /// restores it by itself (a manual cut still holds).
    pub fn cut_for(&self, outage: Duration) {
        if let Ok(mut until) = self.cut.until.lock() {
            *until = Some(Instant::now() + outage);
        }
    }

    /// For `spike` from now, every packet sent is held back by `extra`
    /// more (in order: a spike delays, it does not reorder).
    pub fn spike_for(&self, spike: Duration, extra: Duration) {
        if let Ok(mut until) = self.spike.until.lock() {
            *until = Some((Instant::now() + spike, extra));
        }
    }

    /// Changes the impairments of both directions from the next packet
    /// on (packets already queued keep their schedule).
    pub fn set_config(&self, up: LinkConfig, down: LinkConfig) {
        for (pipe, cfg) in [(&self.up, up), (&self.down, down)] {
            if let Ok(mut c) = pipe.cfg.lock() {
                *c = cfg;
            }
        }
    }

    /// From now on, each client reaches the server from a new source
    /// address (as after a NAT rebinding or a switch of network); replies
    /// to the old one are still delivered while they come.
    pub fn rebind(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// Upstream paths opened so far (one per client per address).
    pub fn paths_opened(&self) -> u64 {
        self.paths_opened.load(Ordering::Relaxed)
    }

    /// Client → server counters.
    pub fn up_stats(&self) -> &DirectionStats {
        &self.up.stats
    }

    /// Server → client counters.
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

    #[test]
    fn the_bottleneck_delivers_at_the_configured_rate_counting_overhead() {
        let (server, stop) = echo_server();
        // 972 + 28 = 1000 bytes charged a packet: 8 ms each at 1 Mbit/s.
        let up = LinkConfig {
            rate_bps: Some(1_000_000),
            queue_bytes: 1_000_000,
            overhead_bytes: 28,
            ..Default::default()
        };
        let link = LinkEmulator::start(server, up, LinkConfig::default(), 4).expect("start");
        let c = client();
        for _ in 0..60 {
            c.send_to(&[7u8; 972], link.addr()).expect("send");
        }
        let mut buf = [0u8; 2048];
        let mut arrivals = vec![];
        while arrivals.len() < 60 {
            c.recv(&mut buf).expect("every packet comes back");
            arrivals.push(Instant::now());
        }
        let spread = arrivals[59] - arrivals[0];
        // 59 intervals of 8 ms: 472 ms, whatever the threads' scheduling.
        assert!(
            spread >= Duration::from_millis(460) && spread <= Duration::from_millis(500),
            "59 packets spread over {spread:?}"
        );
        assert_eq!(link.up_stats().queue_drops.load(Ordering::Relaxed), 0);
        // The relay counts a packet after handing it on, so the last echo
        // may come back before its count: wait for it.
        let delivered = &link.up_stats().delivered_bytes;
        let deadline = Instant::now() + Duration::from_secs(2);
        while delivered.load(Ordering::Relaxed) < 60 * 972 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(delivered.load(Ordering::Relaxed), 60 * 972);
        stop.store(true, Ordering::Relaxed);
    }

    #[test]
    fn a_timed_cut_ends_by_itself() {
        let (server, stop) = echo_server();
        let link = LinkEmulator::start(server, LinkConfig::default(), LinkConfig::default(), 5)
            .expect("start");
        let c = client();
        link.cut_for(Duration::from_millis(200));
        c.send_to(b"lost", link.addr()).expect("send");
        let mut buf = [0u8; 16];
        assert!(c.recv(&mut buf).is_err(), "nothing crosses during the cut");
        std::thread::sleep(Duration::from_millis(100));
        c.send_to(b"back", link.addr()).expect("send");
        let n = c.recv(&mut buf).expect("echo after the cut");
        assert_eq!(&buf[..n], b"back");
        assert_eq!(link.up_stats().cut_drops.load(Ordering::Relaxed), 1);
        stop.store(true, Ordering::Relaxed);
    }

    #[test]
    fn jitter_alone_never_reorders() {
        let (server, stop) = echo_server();
        let up = LinkConfig {
            delay: Duration::from_millis(5),
            jitter: Duration::from_millis(20),
            ..Default::default()
        };
        let link = LinkEmulator::start(server, up, LinkConfig::default(), 6).expect("start");
        let c = client();
        for i in 0..50u8 {
            c.send_to(&[i], link.addr()).expect("send");
        }
        let mut buf = [0u8; 16];
        for i in 0..50u8 {
            c.recv(&mut buf).expect("echo");
            assert_eq!(buf[0], i, "in order");
        }
        stop.store(true, Ordering::Relaxed);
    }
}
