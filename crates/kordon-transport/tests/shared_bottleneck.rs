//! Several [`LossyLink`] senders through one bottleneck: vehicles behind
//! one satellite terminal. A deterministic simulation (no IO, no real
//! time): a byte-limited queue at the bottleneck rate, a base RTT, random
//! loss after the queue, and per sender a pacer at 1.25 × window /
//! smoothed RTT, as quinn's. Each must get close to an equal share, and
//! together they must keep the link full.

use kordon_transport::congestion::LossyLink;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

const MTU: u64 = 1200;

struct Sender {
    ctl: LossyLink,
    starts: Instant,
    /// (ack or loss notice due, sequence, sent at, lost)
    events: BinaryHeap<Reverse<(Instant, u64, Instant, bool)>>,
    in_flight: u64,
    next_send: Instant,
    srtt: Duration,
    acked: u64,
}

struct Bottleneck {
    rate_bps: f64,
    rtt: Duration,
    queue_bytes: f64,
    loss: f64,
    rng: u64,
    now: Instant,
    link_free: Instant,
    seq: u64,
    senders: Vec<Sender>,
}

enum Next {
    Acks(usize),
    Send(usize),
}

impl Bottleneck {
    /// `starts`: when each sender begins, after the start of the run.
    fn new(mbit: f64, rtt_ms: u64, queue_bytes: f64, loss: f64, starts: &[Duration]) -> Self {
        let now = Instant::now();
        let rtt = Duration::from_millis(rtt_ms);
        Bottleneck {
            rate_bps: mbit * 1e6,
            rtt,
            queue_bytes,
            loss,
            rng: 0x9E37_79B9_7F4A_7C15,
            now,
            link_free: now,
            seq: 0,
            senders: starts
                .iter()
                .map(|s| Sender {
                    ctl: LossyLink::new(12_000, now + *s, MTU as u16),
                    starts: now + *s,
                    events: BinaryHeap::new(),
                    in_flight: 0,
                    next_send: now + *s,
                    srtt: rtt,
                    acked: 0,
                })
                .collect(),
        }
    }

    fn random(&mut self) -> f64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }

    fn send(&mut self, i: usize) {
        let now = self.now;
        let backlog =
            self.link_free.saturating_duration_since(now).as_secs_f64() * self.rate_bps / 8.0;
        let lost = if backlog + MTU as f64 > self.queue_bytes {
            true
        } else {
            self.link_free =
                self.link_free.max(now) + Duration::from_secs_f64(MTU as f64 * 8.0 / self.rate_bps);
            self.random() < self.loss
        };
        let due = self.link_free.max(now) + self.rtt;
        self.seq += 1;
        let seq = self.seq;
        let s = &mut self.senders[i];
        s.ctl.sent(now, MTU);
        s.in_flight += MTU;
        let rate = 1.25 * s.ctl.window_at(now) as f64 / s.srtt.as_secs_f64();
        s.next_send = now + Duration::from_secs_f64(MTU as f64 / rate);
        s.events.push(Reverse((due, seq, now, lost)));
    }

    fn acks(&mut self, i: usize) {
        let now = self.now;
        let s = &mut self.senders[i];
        while let Some(Reverse((t, _, sent, lost))) = s.events.peek().copied() {
            if t > now {
                break;
            }
            s.events.pop();
            s.in_flight -= MTU;
            if lost {
                s.ctl.lost(now, sent, MTU, false);
            } else {
                s.acked += MTU;
                s.srtt = (s.srtt * 7 + (now - sent)) / 8;
                s.ctl.acked(now, sent, MTU, false);
            }
        }
        s.ctl.end_acks(now, s.in_flight);
    }

    /// The earliest thing any sender does next, and when.
    fn next(&self) -> Option<(Instant, Next)> {
        let mut best: Option<(Instant, Next)> = None;
        for (i, s) in self.senders.iter().enumerate() {
            if let Some(Reverse((t, ..))) = s.events.peek() {
                if best.as_ref().is_none_or(|b| *t <= b.0) {
                    best = Some((*t, Next::Acks(i)));
                }
            }
            let can_send = s.in_flight + MTU < s.ctl.window_at(self.now.max(s.starts));
            if can_send {
                let t = s.next_send.max(s.starts).max(self.now);
                if best.as_ref().is_none_or(|b| t < b.0) {
                    best = Some((t, Next::Send(i)));
                }
            }
        }
        best
    }

    fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        while let Some((t, what)) = self.next().filter(|(t, _)| *t < end) {
            self.now = t;
            match what {
                Next::Acks(i) => self.acks(i),
                Next::Send(i) => self.send(i),
            }
        }
        self.now = end;
    }

    /// Each sender's acknowledged rate over `d`, as a fraction of the link.
    fn measure(&mut self, d: Duration) -> Vec<f64> {
        let before: Vec<u64> = self.senders.iter().map(|s| s.acked).collect();
        self.run_for(d);
        self.senders
            .iter()
            .zip(before)
            .map(|(s, b)| (s.acked - b) as f64 * 8.0 / d.as_secs_f64() / self.rate_bps)
            .collect()
    }
}

/// Each one's rate over an equal split of what all of them got.
fn shares(rates: &[f64]) -> Vec<f64> {
    let fair = rates.iter().sum::<f64>() / rates.len() as f64;
    rates.iter().map(|r| r / fair).collect()
}

/// `n` senders starting 2 s apart through 10 Mbit/s, 300 ms, 5 % loss
/// and a 100 ms queue (the bench's satellite case).
fn satellite(n: usize) -> Bottleneck {
    let starts: Vec<Duration> = (0..n).map(|i| Duration::from_secs(2) * i as u32).collect();
    Bottleneck::new(10.0, 300, 125_000.0, 0.05, &starts)
}

/// The rates of [`satellite`]'s senders over the 30 s from 5 s after
/// the last start, then over the 30 s after that.
fn two_windows(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut link = satellite(n);
    link.rng = seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
    link.run_for(Duration::from_secs(2 * (n as u64 - 1) + 5));
    let first = link.measure(Duration::from_secs(30));
    let next = link.measure(Duration::from_secs(30));
    (first, next)
}

/// What holds today: the link stays full and nobody starves. The target
/// (each within ±5 % of an equal share) is not met: the first sender
/// keeps 1.13–1.27 of an equal share for the first 30 s, and the shares
/// still wander by up to ±12 % in the next 30 (the probing has no force
/// that pulls the shares together; BENCHMARKS.md has the figures).
#[test]
fn senders_behind_one_lossy_satellite_link_keep_it_full_and_none_starves() {
    for n in [2, 4] {
        for seed in 1..=4 {
            let (first, next) = two_windows(n, seed);
            for (rates, floor, ceiling) in [(&first, 0.7, 1.35), (&next, 0.8, 1.2)] {
                let sum = rates.iter().sum::<f64>() / 0.95;
                let shares = shares(rates);
                eprintln!("{n} senders, seed {seed}: {shares:.2?} of an equal share, {sum:.3} of the link");
                assert!(
                    sum > 0.95,
                    "{n} senders, seed {seed}: together {sum} of the link"
                );
                assert!(
                    shares.iter().all(|s| (floor..=ceiling).contains(s)),
                    "{n} senders, seed {seed}: shares {shares:.2?}"
                );
            }
        }
    }
}

/// Each sender's rate and model second by second, to study how the
/// shares move: `N=4 cargo test --release -p kordon-transport --test
/// shared_bottleneck -- --ignored --nocapture`.
#[test]
#[ignore]
fn trace_the_shares_second_by_second() {
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let mut link = satellite(n);
    for second in 0..60 {
        let rates = link.measure(Duration::from_secs(1));
        let now = link.now;
        let each: Vec<String> = link
            .senders
            .iter()
            .zip(&rates)
            .map(|(s, r)| {
                format!(
                    "{r:.2} (model {:.2}, window {:.0} kB, loss {:.3})",
                    s.ctl.bandwidth() * 8.0 / link.rate_bps,
                    s.ctl.window_at(now) as f64 / 1000.0,
                    s.ctl.baseline_loss()
                )
            })
            .collect();
        eprintln!("{second:3} s: {}", each.join(" | "));
    }
}
