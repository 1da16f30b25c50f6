//! A congestion controller for lossy radio and satellite links, and the
//! transport settings that go with it.
//!
//! Loss-based controllers (quinn's default CUBIC, NewReno) read every lost
//! packet as a full queue and halve their window; with 1–5 % random loss on
//! a radio link they stay near the Mathis bound, a small fraction of the
//! link. quinn's experimental BBR ignores loss but overruns the link: its
//! bandwidth samples are the rate between two consecutive sends or acks
//! (GSO bursts and ack batches make them far too high, and a max filter
//! keeps the highest), its window is twice that estimate plus an
//! aggregation allowance, and quinn never uses its pacing rate: quinn's
//! pacer sends 1.25 × window per smoothed RTT, so the window alone decides
//! how much is queued at the bottleneck.
//!
//! [`LossyLink`] is therefore a model-based controller that steers with the
//! window only:
//!
//! - **Model.** Delivery-rate samples as in Linux `tcp_rate` (bytes acked
//!   since the packet was sent over the longer of its send and ack intervals;
//!   intervals shorter than the minimum RTT are discarded, which removes
//!   ack-compression spikes), kept as a max over the last 10 rounds that were
//!   not application-limited, so a quiet spell does not age it. Minimum RTT
//!   from each packet's own RTT. A cruising round whose least-delayed
//!   packet came within the allowance + min RTT / 32 (at least 2 ms) of it
//!   confirms it; 10 s
//!   without one, it is re-measured after one round at 0.85 BDP that empties
//!   the small standing queue (BBR's ProbeRTT, but one round). Draining
//!   every 10 s regardless cost a second at 0.85–0.92 of the link each time.
//! - **Loss baseline**: the median loss ratio of the last 16 bins of 256
//!   packets (about 5 s at 10 Mbit/s), learnt only from cruising rounds whose
//!   least-delayed packet saw no queue beyond the allowance + min RTT / 16,
//!   so the sender's own overflows (startup's included) are not taken for the
//!   radio's loss. Rounds are not chosen by their losses: that would bias the
//!   baseline low and turn random loss into congestion.
//! - **Window** = gain × bw × min RTT / (1 − baseline loss) + an allowance of
//!   4 packets + 5 ms at bw for ack and timer jitter. Random loss strikes
//!   after the bottleneck, so those packets used the link too; dividing by (1
//!   − loss) (at most 15 %) keeps it full. The queue then holds about the
//!   allowance, and the pacer (1.25 × window / smoothed RTT) never sends much
//!   above bw.
//! - **Probing.** One round in eight at gain 1.25, the rest at 1.0; a window
//!   (unlike a pacing gain) cannot queue more than 0.25 BDP while doing so.
//!   When a probe lifts the delivery rate by 15 % the next probe follows at
//!   once, so a window far below the link grows 1.25× every two rounds
//!   instead of every eight.
//! - **Startup** doubles the window per round, ignoring losses that match the
//!   baseline, and leaves when the least-delayed packet of a round is queued
//!   (RTT above min + clamp(min/8, 4 ms, 16 ms)), when the bandwidth stops
//!   growing 25 % a round for 3 rounds, or on congestive loss in a round that
//!   also queued. Doubling overshoots by up to a BDP before any signal
//!   returns; with a queue smaller than that the first seconds drop packets.
//! - **Congestion** is loss well above the baseline in one round (more lost
//!   packets than expected + 3 standard deviations + 2) while some packet of
//!   that round queued beyond the allowance, or an ECN mark: the window is
//!   capped at 0.85 × the round's in-flight (not below the BDP: with no queue
//!   nothing overflows, and a false alarm cannot spiral), a cap that then
//!   grows by 1/128 a round (a queue too small for the probes is overrun
//!   every ~20 rounds, not every cycle). Losses of packets sent before a
//!   response are not answered twice. Random losses, however many, change
//!   nothing.
//! - **RTT inflation** outside probing (the least-delayed packet of a round
//!   queued more than the allowance + min RTT / 16, which the window should
//!   not allow): the model is too large, so the bandwidth filter restarts
//!   from this round's rate and the loss baseline is relearnt; one round at
//!   0.85 BDP drains the queue. If the RTT is still high after it, the path
//!   itself got longer: the minimum RTT is re-based and the earlier bandwidth
//!   kept.
//! - **Outages** (persistent congestion) restart Startup from a quarter of
//!   the previous window, not from the minimum, and keep the model: the link
//!   usually comes back as it was. Startup then ends at the previous window
//!   (two rounds), without the overshoot of a first startup; if the link came
//!   back slower, the congestion signals above take over.
//!
//! - **Resuming a path** (in the spirit of the IETF's careful resume): a
//!   connection given the [`PathMemory`] of an earlier one over the same
//!   path (its bandwidth and minimum RTT, once it had cruised with the
//!   window full for 8 rounds) jumps, at its first RTT sample, to half that
//!   BDP (at most 1 MiB) instead of doubling there from 12 kB, if the
//!   sample is within half to twice the remembered minimum (otherwise it
//!   is another path and starts cold). The window then holds until the
//!   flight that fills the jump (from half of it in flight, a round trip
//!   long) is answered: if its second half queued, or it lost more than a
//!   quarter, the path got slower and the connection cruises at what that
//!   flight delivered; otherwise startup ends at the remembered window and
//!   the connection cruises at the remembered rate (no more than that
//!   window carries).
//!
//! - **Stalls.** quinn sends nothing beyond a full window but its loss
//!   probes, and those back off exponentially: after a 15 s outage the
//!   next probe can be 8–16 s away, and the transfer stays silent that
//!   long after the link is back. Once no acknowledgement has come for
//!   [`stall_after`] the first unacknowledged send, the window has room
//!   for one packet beyond what is in flight whenever no data has left
//!   for [`PROBE_EVERY`], so a packet leaves at that cadence whenever the
//!   connection is woken ([`crate::StallProbe`] wakes it).
//!   The first acknowledgement ends it; the packets sent meanwhile are
//!   declared lost like the rest. A dead link costs 12 kB/s of probes.
//!
//! quinn calls the controller with packet send and ack times only (no
//! packet numbers on ack), so send-time state is kept per `on_sent` call
//! and found again by the acked packet's send time.

use quinn::congestion::{Controller, ControllerFactory};
use std::any::Any;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What is known in advance about a path, to size windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkHint {
    /// Expected bottleneck rate, bits per second.
    pub rate_bps: u64,
    /// Expected round-trip time.
    pub rtt: Duration,
}

impl LinkHint {
    /// Cellular or line-of-sight radio.
    pub const RADIO: LinkHint = LinkHint {
        rate_bps: 20_000_000,
        rtt: Duration::from_millis(300),
    };
    /// Geostationary satellite.
    pub const SATELLITE: LinkHint = LinkHint {
        rate_bps: 20_000_000,
        rtt: Duration::from_millis(700),
    };

    /// Bandwidth-delay product in bytes.
    pub fn bdp_bytes(&self) -> u64 {
        (u128::from(self.rate_bps) * self.rtt.as_micros() / 8_000_000) as u64
    }

    /// Stream and connection receive window and send window: four BDPs
    /// (data beyond a loss waits about 1.5 RTT for its repair, twice if the
    /// repair is lost too), between 1 MiB and 16 MiB.
    pub fn window_bytes(&self) -> u64 {
        (4 * self.bdp_bytes()).clamp(1 << 20, 16 << 20)
    }
}

/// Installs [`LossyLink`] and windows sized for `link` on `cfg`; also
/// starts the RTT estimate (handshake timers) at the hint.
pub fn transport_tuning(cfg: &mut quinn::TransportConfig, link: LinkHint) {
    let window = link.window_bytes();
    let var = quinn::VarInt::from_u64(window).unwrap_or(quinn::VarInt::MAX);
    cfg.congestion_controller_factory(controller_factory())
        .stream_receive_window(var)
        .receive_window(var)
        .send_window(window)
        .initial_rtt(link.rtt);
}

/// The factory to pass to `TransportConfig::congestion_controller_factory`.
pub fn controller_factory() -> Arc<dyn ControllerFactory + Send + Sync> {
    Arc::new(LossyLinkConfig::default())
}

/// What a connection learnt of its path, for the next connection to the
/// same server to start from (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathMemory {
    /// Bottleneck bandwidth estimate, bits per second.
    pub rate_bps: u64,
    /// Minimum RTT.
    pub min_rtt: Duration,
}

impl PathMemory {
    /// Bandwidth-delay product in bytes.
    pub fn bdp_bytes(&self) -> u64 {
        u64::try_from(u128::from(self.rate_bps) * self.min_rtt.as_micros() / 8_000_000)
            .unwrap_or(u64::MAX)
    }

    /// The text the vehicle keeps it in: `RATE_BPS MIN_RTT_US`.
    pub fn to_text(&self) -> String {
        format!("{} {}", self.rate_bps, self.min_rtt.as_micros())
    }

    /// Parses [`to_text`](Self::to_text); `None` for anything else.
    pub fn from_text(text: &str) -> Option<PathMemory> {
        let mut parts = text.split_ascii_whitespace();
        let rate_bps = parts.next()?.parse().ok()?;
        let min_rtt = Duration::from_micros(parts.next()?.parse().ok()?);
        (parts.next().is_none() && rate_bps > 0 && !min_rtt.is_zero())
            .then_some(PathMemory { rate_bps, min_rtt })
    }
}

/// The most a remembered path may make a connection jump to, whatever a
/// damaged memory says: half the bandwidth-delay product of 20 Mbit/s over
/// a geostationary satellite hop (700 ms) is 0.9 MB.
const MAX_RESUME_WINDOW: u64 = 1 << 20;

/// Rounds the application must have kept the window full before a
/// connection's model is worth remembering.
const MEMORY_ROUNDS: u64 = 8;

/// Configuration (and factory) of [`LossyLink`].
#[derive(Debug, Clone)]
pub struct LossyLinkConfig {
    initial_window: u64,
    probe_stalls: bool,
    drain_regardless: bool,
    resume: Option<PathMemory>,
}

impl LossyLinkConfig {
    /// The window before the first acknowledgement, in bytes.
    pub fn initial_window(&mut self, bytes: u64) -> &mut Self {
        self.initial_window = bytes;
        self
    }

    /// Whether a stall opens the window a packet at a time (on by
    /// default; off only to measure what it saves).
    pub fn probe_stalls(&mut self, on: bool) -> &mut Self {
        self.probe_stalls = on;
        self
    }

    /// Whether the minimum RTT is re-measured every 10 s even when the
    /// rounds confirm it (off by default; on only to measure what that
    /// costs).
    pub fn drain_regardless(&mut self, on: bool) -> &mut Self {
        self.drain_regardless = on;
        self
    }

    /// Start from what the last connection to this server learnt.
    pub fn resume(&mut self, memory: Option<PathMemory>) -> &mut Self {
        self.resume = memory;
        self
    }
}

impl Default for LossyLinkConfig {
    /// 12,000 bytes, quinn's default (RFC 9002).
    fn default() -> Self {
        LossyLinkConfig {
            initial_window: 12_000,
            probe_stalls: true,
            drain_regardless: false,
            resume: None,
        }
    }
}

impl ControllerFactory for LossyLinkConfig {
    fn build(self: Arc<Self>, now: Instant, current_mtu: u16) -> Box<dyn Controller> {
        let mut ctl = LossyLink::new(self.initial_window, now, current_mtu);
        ctl.probe_stalls = self.probe_stalls;
        ctl.drain_regardless = self.drain_regardless;
        ctl.resume = self.resume;
        Box::new(ctl)
    }
}

const BW_ROUNDS: usize = 10;
const MIN_RTT_WINDOW: Duration = Duration::from_secs(10);
/// A round's least-delayed packet within the allowance and min RTT / 32
/// (at least this) of the minimum RTT confirms it.
const CONFIRMS_MIN_RTT: Duration = Duration::from_millis(2);
const LOSS_BINS: usize = 16;
const LOSS_BIN: u64 = 256;
/// Window gains of the probing cycle, one round each.
const CYCLE: [f64; 8] = [1.25, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
const MAX_SEND_RECORDS: usize = 1 << 14;
/// Standing queue allowed for ack and timer jitter, on top of 4 packets.
const ALLOWANCE: Duration = Duration::from_millis(5);
/// Random loss beyond this is not compensated in the window.
const MAX_BASELINE_LOSS: f64 = 0.15;
/// While stalled, one more packet may leave this often.
pub const PROBE_EVERY: Duration = Duration::from_millis(100);

/// How long without any acknowledgement, after data was sent, before a
/// connection counts as stalled: twice the round trip, at least 500 ms.
pub fn stall_after(rtt: Duration) -> Duration {
    (rtt * 2).max(Duration::from_millis(500))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Startup,
    Cruise,
}

/// State when a packet (or a burst sent at one instant) left.
#[derive(Debug, Clone, Copy)]
struct SendRecord {
    sent: Instant,
    delivered: u64,
    delivered_time: Instant,
    first_sent: Instant,
}

/// What one round trip saw.
#[derive(Debug, Clone, Default)]
struct Round {
    acked: u64,
    lost: u64,
    min_rtt: Option<Duration>,
    samples: u32,
    max_rate: f64,
    max_rtt: Duration,
    max_in_flight: u64,
    app_limited: bool,
    ecn: bool,
}

/// The controller; see the module documentation.
#[derive(Debug, Clone)]
pub struct LossyLink {
    mtu: u64,
    initial_window: u64,
    mode: Mode,
    cwnd: u64,
    delivered: u64,
    delivered_time: Instant,
    first_sent: Instant,
    sends: VecDeque<SendRecord>,
    /// Newest packet acked in the current batch: its send-time delivered
    /// count and its rate sample.
    batch: Option<(u64, Option<f64>)>,
    /// Best rate sample (bytes/s) of each of the last rounds.
    bw_rounds: [f64; BW_ROUNDS],
    min_rtt: Option<Duration>,
    min_rtt_at: Instant,
    /// Loss ratios of the last bins of at least `LOSS_BIN` packets, from
    /// rounds without congestion.
    loss_history: VecDeque<f64>,
    bin: (u64, u64),
    /// Bytes (acked + lost, lost) of all rounds without congestion.
    clean: (u64, u64),
    total_acked: u64,
    total_lost: u64,
    /// Rounds that were not application-limited (ages the bw filter).
    round_count: u64,
    next_round_delivered: u64,
    round: Round,
    full_bw: f64,
    full_bw_rounds: u32,
    cycle: usize,
    cap: Option<u64>,
    /// Bandwidth estimate when the last probing round began.
    probe_bw_start: f64,
    /// The current drain was started by an inflated RTT.
    inflation_test: bool,
    bw_before_inflation: f64,
    /// Losses of packets sent before this were already answered.
    loss_epoch: Instant,
    /// 2: draining to measure the minimum RTT; 1: measuring.
    probe_rtt: u8,
    /// After an outage: the window to return to before cruising again.
    restart_target: Option<u64>,
    /// The first send after the latest acknowledgement (see [`Self::window_at`]).
    unacked_since: Option<Instant>,
    /// The latest send of a packet that carries data (not an ack alone).
    last_send: Option<Instant>,
    /// quinn's bytes in flight at the latest acknowledgement, plus the
    /// data-carrying packets sent since.
    in_flight: u64,
    probe_stalls: bool,
    drain_regardless: bool,
    /// The path the last connection learnt, until the first RTT sample
    /// says whether this is the same one.
    resume: Option<PathMemory>,
    /// After a resume's jump, until its flight is acknowledged.
    jumped: Option<Jump>,
}

/// What the first full flight after a resume's jump saw.
#[derive(Debug, Clone, Copy)]
struct Jump {
    /// The window jumped to.
    window: u64,
    /// The rate remembered, bytes/s.
    rate: f64,
    /// When the flight to judge began: once half the jump was in flight
    /// (the jump comes with the handshake, before a sync has much to
    /// send).
    flight: Option<Instant>,
    acked: u64,
    lost: u64,
    /// The least-delayed packet of the flight's second half: a queue the
    /// jump built shows there, ack delays do not.
    late_min_rtt: Option<Duration>,
}

impl LossyLink {
    /// A controller at `now` for a path with `mtu`-byte datagrams.
    pub fn new(initial_window: u64, now: Instant, mtu: u16) -> Self {
        LossyLink {
            mtu: u64::from(mtu),
            initial_window,
            mode: Mode::Startup,
            cwnd: initial_window,
            delivered: 0,
            delivered_time: now,
            first_sent: now,
            sends: VecDeque::new(),
            batch: None,
            bw_rounds: [0.0; BW_ROUNDS],
            min_rtt: None,
            min_rtt_at: now,
            loss_history: VecDeque::new(),
            bin: (0, 0),
            clean: (0, 0),
            total_acked: 0,
            total_lost: 0,
            round_count: 0,
            next_round_delivered: 0,
            round: Round::default(),
            full_bw: 0.0,
            full_bw_rounds: 0,
            cycle: 1,
            cap: None,
            probe_bw_start: 0.0,
            inflation_test: false,
            bw_before_inflation: 0.0,
            loss_epoch: now,
            probe_rtt: 0,
            restart_target: None,
            unacked_since: None,
            last_send: None,
            in_flight: 0,
            probe_stalls: true,
            drain_regardless: false,
            resume: None,
            jumped: None,
        }
    }

    /// What this connection has learnt of its path, once it has a model
    /// to give (it left startup with a bandwidth and a minimum RTT).
    pub fn path_memory(&self) -> Option<PathMemory> {
        let min_rtt = self.min_rtt?;
        let rate_bps = (self.bandwidth() * 8.0) as u64;
        // Enough rounds that the application kept full, or the rate is
        // only what it asked for.
        let measured = self.round_count >= MEMORY_ROUNDS;
        (self.mode == Mode::Cruise && measured && rate_bps > 0 && !min_rtt.is_zero())
            .then_some(PathMemory { rate_bps, min_rtt })
    }

    /// At the first RTT sample: a path like the remembered one resumes
    /// from half its BDP.
    fn resume_at_first_sample(&mut self, rtt: Duration) {
        let Some(memory) = self.resume.take() else {
            return;
        };
        let same_path = rtt >= memory.min_rtt / 2 && rtt <= memory.min_rtt * 2;
        let jump = (memory.bdp_bytes() / 2).min(MAX_RESUME_WINDOW);
        if same_path && self.mode == Mode::Startup && jump > self.cwnd {
            self.cwnd = jump;
            self.jumped = Some(Jump {
                window: jump,
                rate: memory.rate_bps as f64 / 8.0,
                flight: None,
                acked: 0,
                lost: 0,
                late_min_rtt: None,
            });
        }
    }

    /// Follows the flight that filled the resume's jump (the window does
    /// not grow meanwhile): from the moment half the jump was in flight
    /// until a packet sent a round trip later is acknowledged. If its
    /// second half queued, or it lost more than a radio would, the path is
    /// slower than remembered: the connection cruises at what that flight
    /// delivered (the bandwidth filter has only rates this path gave).
    /// Otherwise startup goes on to the remembered window, and the filter
    /// starts from the rate that window carries.
    fn follow_jump(&mut self, now: Instant, sent: Instant, bytes: u64, rtt: Duration) {
        if self.mode != Mode::Startup {
            self.jumped = None;
        }
        let (Some(mut jump), Some(min)) = (self.jumped, self.min_rtt) else {
            return;
        };
        let Some(start) = jump.flight.filter(|start| sent >= *start) else {
            return;
        };
        if sent < start + min {
            jump.acked += bytes;
            if sent >= start + min / 2 {
                jump.late_min_rtt = Some(jump.late_min_rtt.map_or(rtt, |m| m.min(rtt)));
            }
            self.jumped = Some(jump);
            return;
        }
        self.jumped = None;
        let flight = jump.acked + jump.lost;
        let threshold = (min / 8).clamp(Duration::from_millis(4), Duration::from_millis(16));
        let queued = jump.late_min_rtt.is_some_and(|m| m > min + threshold);
        // A radio loses up to 15 % (what the window compensates); a
        // bottleneck with no queue to show in the RTT loses far more.
        let lost = jump.lost as f64 > 0.25 * flight as f64;
        if queued || lost {
            // The model's window from the next acknowledgement on; this
            // until then (or if the flight gave no rate sample).
            self.cwnd = jump.acked.max(self.initial_window);
            self.enter_cruise(now);
        } else {
            // The path is as remembered: startup ends at its window, as
            // after an outage, without a first startup's overshoot; and
            // cruises at its rate. The rounds that grow to that window
            // deliver less, and a window made of their rates would
            // deliver just that again (probing lifts it only slowly).
            // No faster than the window startup ends at: the jump, and so
            // that window, are capped, the remembered rate is not.
            let target = 2 * jump.window;
            self.restart_target = Some(target);
            let rate = jump.rate.min(target as f64 / min.as_secs_f64());
            let slot = &mut self.bw_rounds[self.round_count as usize % BW_ROUNDS];
            *slot = slot.max(rate);
        }
    }

    /// The window at `now`: the model's; but once nothing has been
    /// acknowledged for [`stall_after`] the first send still waiting and
    /// no data has left for [`PROBE_EVERY`], room for one packet more
    /// than is in flight (quinn's own loss probes, which go beyond the
    /// window, included).
    ///
    /// Bytes in flight are quinn's at the latest acknowledgement plus the
    /// packets sent since, leaving out those under half the MTU: quinn
    /// reports ack-only packets sent too, though they are never in flight
    /// (nor acknowledged). So a side that only receives, and looks
    /// stalled, gets no more than its window when it sends. `window()`
    /// reads the system clock, not tokio's: a test that pauses tokio's
    /// time does not pause the stall.
    pub fn window_at(&self, now: Instant) -> u64 {
        if !self.probe_due(now) {
            return self.cwnd;
        }
        self.cwnd.max(self.in_flight.saturating_add(2 * self.mtu))
    }

    fn stalled(&self, now: Instant) -> bool {
        let threshold = stall_after(self.min_rtt.unwrap_or(Duration::from_millis(500)));
        self.probe_stalls
            && self
                .unacked_since
                .is_some_and(|since| now.saturating_duration_since(since) >= threshold)
    }

    /// Stalled, and no data sent for a probe interval.
    fn probe_due(&self, now: Instant) -> bool {
        self.stalled(now)
            && self
                .last_send
                .is_none_or(|last| now.saturating_duration_since(last) >= PROBE_EVERY)
    }

    /// Any acknowledgement ends a stall.
    fn path_answered(&mut self) {
        self.unacked_since = None;
    }

    /// Bottleneck bandwidth estimate, bytes per second.
    pub fn bandwidth(&self) -> f64 {
        self.bw_rounds.iter().copied().fold(0.0, f64::max)
    }

    /// Minimum RTT estimate.
    pub fn min_rtt(&self) -> Option<Duration> {
        self.min_rtt
    }

    /// Whether the controller is still in its startup.
    pub fn in_startup(&self) -> bool {
        self.mode == Mode::Startup
    }

    /// Loss ratio considered normal for this path (random loss).
    pub fn baseline_loss(&self) -> f64 {
        let p = if self.loss_history.len() >= 3 {
            let mut v: Vec<f64> = self.loss_history.iter().copied().collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        } else if self.clean.0 > 0 {
            self.clean.1 as f64 / self.clean.0 as f64
        } else {
            0.0
        };
        p.clamp(0.0, MAX_BASELINE_LOSS)
    }

    /// Bytes above the BDP the window allows for ack and timer jitter.
    fn allowance(&self) -> f64 {
        (4 * self.mtu) as f64 + self.bandwidth() * ALLOWANCE.as_secs_f64()
    }

    /// The allowance as queueing delay at the estimated bandwidth.
    fn allowance_delay(&self) -> Duration {
        let bw = self.bandwidth();
        if bw > 0.0 {
            Duration::from_secs_f64(self.allowance() / bw)
        } else {
            Duration::ZERO
        }
    }

    /// Queueing delay above the minimum RTT beyond which the queue is more
    /// than the window should build.
    fn queue_margin(&self, min_rtt: Duration) -> Duration {
        self.allowance_delay() + (min_rtt / 16).max(Duration::from_millis(2))
    }

    fn min_window(&self) -> u64 {
        4 * self.mtu
    }

    /// Bandwidth × minimum RTT, compensated for the baseline loss.
    fn bdp(&self) -> Option<u64> {
        let bw = self.bandwidth();
        let rtt = self.min_rtt?.as_secs_f64();
        (bw > 0.0).then(|| (bw * rtt / (1.0 - self.baseline_loss())) as u64)
    }

    /// gain × BDP (compensated for baseline loss) + allowance; while
    /// draining for the minimum RTT, 0.85 × BDP.
    fn model_window(&self, gain: f64) -> Option<u64> {
        let bdp = self.bdp()? as f64;
        if self.probe_rtt == 2 {
            return Some((bdp * 0.85) as u64);
        }
        Some((bdp * gain + self.allowance()) as u64)
    }

    fn reset_bw(&mut self, rate: f64) {
        self.bw_rounds = [0.0; BW_ROUNDS];
        self.bw_rounds[self.round_count as usize % BW_ROUNDS] = rate;
    }

    /// Leaves startup; the overflow it may have caused is not the
    /// radio's loss, nor a reason to back off again.
    fn enter_cruise(&mut self, now: Instant) {
        self.jumped = None;
        self.loss_epoch = now;
        self.mode = Mode::Cruise;
        self.restart_target = None;
        self.cycle = 1;
        self.full_bw = 0.0;
        self.full_bw_rounds = 0;
    }

    /// Recorded send state of the packet sent at `sent`; older records
    /// (lost, ack-only or reordered packets) are dropped.
    fn take_record(&mut self, sent: Instant) -> Option<SendRecord> {
        let i = self.sends.partition_point(|r| r.sent < sent);
        let rec = *self.sends.get(i).filter(|r| r.sent == sent)?;
        self.sends.drain(..i);
        Some(rec)
    }

    /// One or more packets of `bytes` in all left at `now`.
    pub fn sent(&mut self, now: Instant, bytes: u64) {
        if 2 * bytes >= self.mtu {
            self.in_flight = self.in_flight.saturating_add(bytes);
            self.last_send = Some(now);
        }
        self.unacked_since.get_or_insert(now);
        let in_flight = self.in_flight;
        if let Some(jump) = self.jumped.as_mut() {
            if jump.flight.is_none() && in_flight >= jump.window / 2 {
                jump.flight = Some(now);
            }
        }
        // Acks come within a few RTTs or never (lost, or ack-only
        // packets, which quinn reports sent but not acked).
        let horizon =
            (self.min_rtt.unwrap_or(Duration::from_millis(500)) * 4).max(Duration::from_secs(2));
        while self.sends.front().is_some_and(|r| {
            self.sends.len() >= MAX_SEND_RECORDS || now.saturating_duration_since(r.sent) > horizon
        }) {
            self.sends.pop_front();
        }
        if self.sends.back().is_some_and(|r| r.sent == now) {
            return;
        }
        self.sends.push_back(SendRecord {
            sent: now,
            delivered: self.delivered,
            delivered_time: self.delivered_time,
            first_sent: self.first_sent,
        });
    }

    /// `bytes` of a packet sent at `sent` were acknowledged at `now`.
    pub fn acked(&mut self, now: Instant, sent: Instant, bytes: u64, app_limited: bool) {
        self.path_answered();
        self.delivered += bytes;
        self.delivered_time = now;
        self.total_acked += bytes;
        self.round.acked += bytes;
        self.round.app_limited |= app_limited;
        let rtt = now.saturating_duration_since(sent);
        self.round.samples += 1;
        self.round.min_rtt = Some(self.round.min_rtt.map_or(rtt, |m| m.min(rtt)));
        self.round.max_rtt = self.round.max_rtt.max(rtt);
        if self.min_rtt.is_none_or(|m| rtt <= m) {
            self.min_rtt = Some(rtt);
            self.min_rtt_at = now;
        }
        self.resume_at_first_sample(rtt);
        self.follow_jump(now, sent, bytes, rtt);
        if self.mode == Mode::Startup && !app_limited && self.jumped.is_none() {
            self.cwnd += bytes;
            if self.restart_target.is_some_and(|t| self.cwnd >= t) {
                self.enter_cruise(now);
            }
        }
        let Some(rec) = self.take_record(sent) else {
            return;
        };
        self.first_sent = rec.sent;
        if self.batch.is_some_and(|(d, _)| d > rec.delivered) {
            return;
        }
        let interval = now
            .saturating_duration_since(rec.delivered_time)
            .max(rec.sent.saturating_duration_since(rec.first_sent));
        let long_enough = interval >= self.min_rtt.unwrap_or_default() && !interval.is_zero();
        let rate = long_enough
            .then(|| self.delivered.saturating_sub(rec.delivered) as f64 / interval.as_secs_f64())
            .filter(|r| !app_limited || *r > self.bandwidth());
        self.batch = Some((rec.delivered, rate));
    }

    /// `bytes` were declared lost (0: an ECN congestion mark), the newest
    /// sent at `sent`; `persistent`: everything sent for a while was lost
    /// (an outage).
    pub fn lost(&mut self, now: Instant, sent: Instant, bytes: u64, persistent: bool) {
        self.total_lost += bytes;
        if let Some(jump) = self
            .jumped
            .as_mut()
            .filter(|j| j.flight.is_some_and(|start| sent >= start))
        {
            jump.lost += bytes;
        }
        if sent >= self.loss_epoch {
            self.round.lost += bytes;
            self.round.ecn |= bytes == 0;
        }
        if persistent {
            // An outage, not a verdict on the resume's jump.
            self.jumped = None;
            self.loss_epoch = now;
            self.restart_target = self.model_window(1.0);
            let restart = self.restart_target.unwrap_or(0) / 4;
            self.mode = Mode::Startup;
            self.cwnd = restart.max(self.initial_window);
            self.full_bw = 0.0;
            self.full_bw_rounds = 0;
            self.cap = None;
            self.probe_rtt = 0;
            self.inflation_test = false;
            // The round that spanned the outage says nothing about the path.
            self.round = Round::default();
        }
    }

    /// The end of a batch of acknowledgements.
    pub fn end_acks(&mut self, now: Instant, in_flight: u64) {
        self.path_answered();
        self.in_flight = in_flight;
        self.round.max_in_flight = self.round.max_in_flight.max(in_flight);
        if let Some((prior, rate)) = self.batch.take() {
            if let Some(rate) = rate {
                let slot = &mut self.bw_rounds[self.round_count as usize % BW_ROUNDS];
                *slot = slot.max(rate);
                self.round.max_rate = self.round.max_rate.max(rate);
            }
            if prior >= self.next_round_delivered {
                self.next_round_delivered = self.delivered;
                self.end_round(now);
            }
        }
        if self.mode == Mode::Startup && self.round.samples >= 8 {
            if let (Some(min), Some(round)) = (self.min_rtt, self.round.min_rtt) {
                let threshold =
                    (min / 8).clamp(Duration::from_millis(4), Duration::from_millis(16));
                if round > min + threshold {
                    self.enter_cruise(now);
                }
            }
        }
        if self.mode == Mode::Cruise {
            let model = self.model_window(CYCLE[self.cycle]).unwrap_or(self.cwnd);
            self.cwnd = self.cap.map_or(model, |cap| model.min(cap));
        }
        self.cwnd = self.cwnd.max(self.min_window());
    }

    fn end_round(&mut self, now: Instant) {
        let r = std::mem::take(&mut self.round);
        let packets = (r.acked + r.lost) as f64 / self.mtu as f64;
        let lost = r.lost as f64 / self.mtu as f64;
        let expected = self.baseline_loss() * packets;
        // Losses a queue overflow explains: well above the baseline, while
        // some packet of the round waited longer than the allowance.
        let excess = lost > expected + 3.0 * expected.max(1.0).sqrt() + 2.0;
        let overflowing = match self.min_rtt {
            Some(min) => r.max_rtt > min + self.allowance_delay() + Duration::from_millis(4),
            None => true,
        };
        let congestive = r.ecn || (excess && overflowing);
        // The baseline learns from the cruising rounds whose least-delayed
        // packet saw no queue beyond the allowance, whatever their losses
        // (choosing by losses would bias it low): losses there are the
        // radio's. Startup overflows within rounds, so it does not teach.
        let queued = match (r.min_rtt, self.min_rtt) {
            (Some(m), Some(min)) => m > min + self.queue_margin(min),
            _ => true,
        };
        if self.mode == Mode::Cruise && !queued {
            self.clean.0 += r.acked + r.lost;
            self.clean.1 += r.lost;
            self.bin.0 += r.acked + r.lost;
            self.bin.1 += r.lost;
        }
        if self.bin.0 >= LOSS_BIN * self.mtu {
            if self.loss_history.len() == LOSS_BINS {
                self.loss_history.pop_front();
            }
            self.loss_history
                .push_back(self.bin.1 as f64 / self.bin.0 as f64);
            self.bin = (0, 0);
        }
        // The allowance keeps a small standing queue, so a minimum RTT not
        // confirmed for 10 s is re-measured after a round that drains it.
        if self.probe_rtt == 1 {
            if let (Some(m), Some(was)) = (r.min_rtt, self.min_rtt) {
                // Still queued after draining: the path itself got longer.
                if self.inflation_test && m > was + self.queue_margin(was) {
                    self.reset_bw(self.bw_before_inflation.max(self.bandwidth()));
                }
                self.min_rtt = Some(m);
                self.min_rtt_at = now;
            }
            self.inflation_test = false;
        }
        self.probe_rtt = self.probe_rtt.saturating_sub(1);
        // A cruising round whose least-delayed packet saw no more queue
        // than the window keeps standing shows the path no longer than the
        // minimum says: no need to drain to look again. One such round in
        // 10 s is enough. A path longer by less than the standing queue
        // still fills the link; one longer by up to the tolerance beyond
        // the allowance leaves the window short by at most that (min RTT
        // / 32, 3 % of the link, in the worst case), where the drain cost
        // about 1 % always. At 5 % loss the queue stands 3-8 ms above the
        // allowance at 300 ms, so a tolerance of min RTT / 64 still drained
        // every 10 s now and then.
        if let (Mode::Cruise, Some(m), Some(min)) = (self.mode, r.min_rtt, self.min_rtt) {
            if !self.drain_regardless
                && m <= min + self.allowance_delay() + (min / 32).max(CONFIRMS_MIN_RTT)
            {
                self.min_rtt_at = now;
            }
        }
        if now.saturating_duration_since(self.min_rtt_at) > MIN_RTT_WINDOW && self.probe_rtt == 0 {
            if self.mode == Mode::Cruise {
                self.probe_rtt = 2;
            } else if let Some(m) = r.min_rtt {
                self.min_rtt = Some(m);
                self.min_rtt_at = now;
            }
        }
        // Rounds the application left idle do not age the estimate: a
        // blob after a quiet spell starts from the rate the link had.
        if !r.app_limited {
            self.round_count += 1;
            self.bw_rounds[self.round_count as usize % BW_ROUNDS] = 0.0;
        }
        match self.mode {
            Mode::Startup => {
                let bw = self.bandwidth();
                if bw >= self.full_bw * 1.25 {
                    self.full_bw = bw;
                    self.full_bw_rounds = 0;
                } else if !r.app_limited {
                    self.full_bw_rounds += 1;
                }
                // Loss alone does not end startup: the radio's loss is not
                // known yet. Overflow shows in the RTT first, or stops the
                // bandwidth growing.
                if (congestive && queued) || self.full_bw_rounds >= 3 {
                    self.enter_cruise(now);
                }
            }
            Mode::Cruise => self.end_cruise_round(now, &r, congestive),
        }
    }

    fn end_cruise_round(&mut self, now: Instant, r: &Round, congestive: bool) {
        let phase = self.cycle;
        self.cycle = (self.cycle + 1) % CYCLE.len();
        // The packets sent in a probing round are acked in the next: if that
        // lifted the bandwidth by 15 %, the link had room; probe again at
        // once (exponential growth after a restart or a capacity rise).
        if phase == 1 && !r.app_limited && self.bandwidth() >= 1.15 * self.probe_bw_start {
            self.cycle = 0;
        }
        if self.cycle == 0 {
            self.probe_bw_start = self.bandwidth();
        }
        if congestive {
            // Not below the BDP: with no queue at all nothing overflows,
            // and a false alarm cannot spiral.
            let floor = self.bdp().unwrap_or(0).max(self.min_window());
            self.cap = Some(((r.max_in_flight as f64 * 0.85) as u64).max(floor));
            self.loss_epoch = now;
            self.cycle = 1;
            return;
        }
        if let Some(cap) = self.cap {
            let cap = cap + (cap / 128).max(self.mtu);
            let free = self.model_window(CYCLE[0]).is_some_and(|w| cap > w);
            self.cap = (!free).then_some(cap);
        }
        // The probing round and the one after it queue by design.
        if phase < 2 || r.app_limited || self.probe_rtt > 0 {
            return;
        }
        let (Some(min), Some(round)) = (self.min_rtt, r.min_rtt) else {
            return;
        };
        if round > min + self.queue_margin(min) {
            // A standing queue the window should not build: the model is
            // too large (restart the bandwidth from what this round
            // delivered, relearn the loss baseline) or the path got
            // longer. Drain one round and look again.
            self.loss_history.clear();
            self.bin = (0, 0);
            self.clean = (0, 0);
            self.bw_before_inflation = self.bandwidth();
            if r.max_rate > 0.0 {
                self.reset_bw(r.max_rate);
            }
            self.probe_rtt = 2;
            self.inflation_test = true;
        }
    }
}

impl Controller for LossyLink {
    fn on_sent(&mut self, now: Instant, bytes: u64, _last_packet_number: u64) {
        self.sent(now, bytes);
    }

    fn on_ack(
        &mut self,
        now: Instant,
        sent: Instant,
        bytes: u64,
        app_limited: bool,
        _rtt: &quinn_proto::RttEstimator,
    ) {
        self.acked(now, sent, bytes, app_limited);
    }

    fn on_end_acks(
        &mut self,
        now: Instant,
        in_flight: u64,
        _app_limited: bool,
        _largest_packet_num_acked: Option<u64>,
    ) {
        self.end_acks(now, in_flight);
    }

    fn on_congestion_event(
        &mut self,
        now: Instant,
        sent: Instant,
        is_persistent_congestion: bool,
        lost_bytes: u64,
    ) {
        self.lost(now, sent, lost_bytes, is_persistent_congestion);
    }

    fn on_mtu_update(&mut self, new_mtu: u16) {
        self.mtu = u64::from(new_mtu);
        self.cwnd = self.cwnd.max(self.min_window());
    }

    fn window(&self) -> u64 {
        self.window_at(Instant::now())
    }

    fn clone_box(&self) -> Box<dyn Controller> {
        Box::new(self.clone())
    }

    fn initial_window(&self) -> u64 {
        self.initial_window
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    const MTU: u64 = 1200;

    /// A bottleneck with a byte-limited queue, a base RTT and random loss
    /// after the queue, driven by the controller's window and a pacer at
    /// 1.25 × window / smoothed RTT (as quinn's). No IO, no real time.
    struct Sim {
        ctl: LossyLink,
        rate_bps: f64,
        rtt: Duration,
        queue_bytes: f64,
        loss: f64,
        outage: bool,
        /// The application has one packet at a time to send.
        trickle: bool,
        now: Instant,
        rng: u64,
        link_free: Instant,
        /// (ack or loss notice due, sequence, sent at, lost)
        events: BinaryHeap<Reverse<(Instant, u64, Instant, bool)>>,
        seq: u64,
        in_flight: u64,
        next_send: Instant,
        srtt: Duration,
        sent: u64,
        queue_drops: u64,
        acked: u64,
    }

    impl Sim {
        fn new(mbit: f64, rtt_ms: u64, queue_bytes: f64, loss: f64) -> Sim {
            Sim::seeded(mbit, rtt_ms, queue_bytes, loss, 0x9E37_79B9_7F4A_7C15)
        }

        fn seeded(mbit: f64, rtt_ms: u64, queue_bytes: f64, loss: f64, seed: u64) -> Sim {
            let now = Instant::now();
            Sim {
                ctl: LossyLink::new(12_000, now, MTU as u16),
                rate_bps: mbit * 1e6,
                rtt: Duration::from_millis(rtt_ms),
                queue_bytes,
                loss,
                outage: false,
                trickle: false,
                now,
                rng: seed,
                link_free: now,
                events: BinaryHeap::new(),
                seq: 0,
                in_flight: 0,
                next_send: now,
                srtt: Duration::from_millis(rtt_ms),
                sent: 0,
                queue_drops: 0,
                acked: 0,
            }
        }

        fn bdp(&self) -> f64 {
            self.rate_bps / 8.0 * self.rtt.as_secs_f64()
        }

        fn random(&mut self) -> f64 {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            (self.rng >> 11) as f64 / (1u64 << 53) as f64
        }

        fn send(&mut self) {
            self.ctl.sent(self.now, MTU);
            self.in_flight += MTU;
            self.sent += 1;
            self.seq += 1;
            let rate = 1.25 * self.ctl.window_at(self.now) as f64 / self.srtt.as_secs_f64();
            self.next_send = self.now + Duration::from_secs_f64(MTU as f64 / rate);
            let backlog = self
                .link_free
                .saturating_duration_since(self.now)
                .as_secs_f64()
                * self.rate_bps
                / 8.0;
            let lost = if self.outage || backlog + MTU as f64 > self.queue_bytes {
                self.queue_drops += u64::from(!self.outage);
                true
            } else {
                self.link_free = self.link_free.max(self.now)
                    + Duration::from_secs_f64(MTU as f64 * 8.0 / self.rate_bps);
                self.random() < self.loss
            };
            let due = self.link_free.max(self.now) + self.rtt;
            self.events.push(Reverse((due, self.seq, self.now, lost)));
        }

        fn run_for(&mut self, d: Duration) {
            let end = self.now + d;
            while self.now < end {
                let event = self.events.peek().map(|Reverse(e)| e.0);
                let can_send = self.in_flight + MTU < self.ctl.window_at(self.now)
                    && (!self.trickle || self.in_flight == 0);
                let send_at = can_send.then_some(self.next_send.max(self.now));
                if let Some(e) = event.filter(|e| send_at.is_none_or(|s| *e <= s)) {
                    self.now = e;
                    while let Some(Reverse((t, _, sent, lost))) = self.events.peek().copied() {
                        if t > self.now {
                            break;
                        }
                        self.events.pop();
                        self.in_flight -= MTU;
                        if lost {
                            self.ctl.lost(self.now, sent, MTU, false);
                        } else {
                            self.acked += MTU;
                            self.srtt = (self.srtt * 7 + (self.now - sent)) / 8;
                            self.ctl.acked(self.now, sent, MTU, self.trickle);
                        }
                    }
                    self.ctl.end_acks(self.now, self.in_flight);
                } else if let Some(s) = send_at {
                    self.now = s;
                    self.send();
                } else {
                    self.now = end;
                }
            }
        }

        /// Acked rate (as a fraction of the link) and the share of sent
        /// packets dropped at the queue, over `d`.
        fn measure(&mut self, d: Duration) -> (f64, f64) {
            let (acked, sent, drops) = (self.acked, self.sent, self.queue_drops);
            self.run_for(d);
            let rate = (self.acked - acked) as f64 * 8.0 / d.as_secs_f64() / self.rate_bps;
            let dropped = (self.queue_drops - drops) as f64 / (self.sent - sent).max(1) as f64;
            (rate, dropped)
        }
    }

    #[test]
    fn meets_the_goodput_target_in_the_bench_cases() {
        for rtt in [50, 300] {
            for loss in [0.0, 0.01, 0.05] {
                let mut sim = Sim::new(10.0, rtt, 125_000.0, loss);
                sim.run_for(Duration::from_secs(5));
                let (rate, dropped) = sim.measure(Duration::from_secs(15));
                let of_ideal = rate / (1.0 - loss);
                assert!(of_ideal > 0.95, "{rtt} ms, {loss}: {of_ideal} of ideal");
                assert!(dropped < 0.01, "{rtt} ms, {loss}: queue drops {dropped}");
            }
        }
    }

    #[test]
    fn converges_to_the_bdp_on_a_clean_link() {
        let mut sim = Sim::new(10.0, 50, 125_000.0, 0.0);
        sim.run_for(Duration::from_secs(5));
        let (mut windows, mut rates) = (0.0, 0.0);
        for _ in 0..100 {
            let (rate, dropped) = sim.measure(Duration::from_millis(100));
            assert_eq!(dropped, 0.0);
            rates += rate / 100.0;
            windows += sim.ctl.window() as f64 / sim.bdp() / 100.0;
        }
        assert!(rates > 0.97, "link use {rates}");
        assert!(!sim.ctl.in_startup());
        let bw = sim.ctl.bandwidth() * 8.0 / sim.rate_bps;
        assert!(
            (0.97..1.1).contains(&bw),
            "bandwidth estimate {bw} of the link"
        );
        // BDP + 4 packets + 5 ms, and one round in eight at 1.25 BDP.
        assert!((1.1..1.4).contains(&windows), "mean window {windows} BDP");
    }

    #[test]
    fn does_not_collapse_under_five_percent_random_loss() {
        for rtt in [50, 300] {
            let mut sim = Sim::new(10.0, rtt, 125_000.0, 0.05);
            sim.run_for(Duration::from_secs(10));
            let (rate, dropped) = sim.measure(Duration::from_secs(20));
            assert!(rate > 0.9 * 0.95, "{rtt} ms: link use {rate}");
            assert!(dropped < 0.01, "{rtt} ms: queue drops {dropped}");
            let p = sim.ctl.baseline_loss();
            assert!((0.03..0.07).contains(&p), "{rtt} ms: baseline loss {p}");
        }
    }

    #[test]
    fn never_answers_random_loss_as_congestion() {
        for seed in 1..=6u64 {
            let seed = seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
            let mut sim = Sim::seeded(10.0, 300, 125_000.0, 0.05, seed);
            sim.run_for(Duration::from_secs(10));
            let mut lowest = f64::MAX;
            for _ in 0..300 {
                sim.run_for(Duration::from_millis(200));
                lowest = lowest.min(sim.ctl.window() as f64 / sim.bdp());
            }
            assert!(lowest > 0.8, "seed {seed}: window fell to {lowest} BDP");
        }
    }

    #[test]
    fn shrinks_when_the_rtt_inflates() {
        // A queue too deep to overflow: only the RTT can tell.
        let mut sim = Sim::new(10.0, 100, 5_000_000.0, 0.0);
        sim.run_for(Duration::from_secs(8));
        let before = sim.ctl.window();
        sim.rate_bps = 4e6;
        sim.run_for(Duration::from_secs(4));
        let w = sim.ctl.window() as f64 / sim.bdp();
        assert!(
            w < 1.5,
            "window {w} BDP of the slower link (was {before} bytes)"
        );
        let (rate, _) = sim.measure(Duration::from_secs(5));
        assert!(rate > 0.95, "link use {rate}");
        let queued = sim.srtt.as_secs_f64() / sim.rtt.as_secs_f64();
        assert!(queued < 1.5, "smoothed RTT {queued} × base");
    }

    #[test]
    fn backs_off_from_a_queue_smaller_than_its_probes() {
        // 10 % of a BDP of queue and 1 % random loss: overflows must be told
        // apart from the radio's losses, and not repeated.
        let mut sim = Sim::new(10.0, 300, 37_500.0, 0.01);
        sim.run_for(Duration::from_secs(10));
        let (rate, dropped) = sim.measure(Duration::from_secs(20));
        assert!(rate > 0.85 * 0.99, "link use {rate}");
        assert!(dropped < 0.03, "queue drops {dropped}");
    }

    #[test]
    fn finds_added_capacity_within_seconds() {
        let mut sim = Sim::new(2.0, 300, 125_000.0, 0.01);
        sim.run_for(Duration::from_secs(10));
        sim.rate_bps = 10e6;
        sim.run_for(Duration::from_secs(5));
        let (rate, dropped) = sim.measure(Duration::from_secs(5));
        assert!(
            rate > 0.9 * 0.99,
            "link use {rate} 5 s after it grew fivefold"
        );
        assert!(dropped < 0.01, "queue drops {dropped}");
    }

    #[test]
    fn does_not_learn_its_own_queue_overflows_as_random_loss() {
        // A queue of 30 ms behind a 50 ms path: the probes and the
        // startup overflow it; those losses must not raise the baseline.
        for loss in [0.0, 0.05] {
            let mut sim = Sim::new(10.0, 50, 37_500.0, loss);
            sim.run_for(Duration::from_secs(5));
            let (rate, dropped) = sim.measure(Duration::from_secs(20));
            assert!(rate > 0.9 * (1.0 - loss), "{loss}: link use {rate}");
            assert!(dropped < 0.03, "{loss}: queue drops {dropped}");
            let p = sim.ctl.baseline_loss();
            assert!(p < loss + 0.02, "{loss}: baseline {p}");
        }
    }

    #[test]
    fn follows_a_path_that_gets_longer() {
        let mut sim = Sim::new(10.0, 50, 250_000.0, 0.01);
        sim.run_for(Duration::from_secs(5));
        sim.rtt = Duration::from_millis(200);
        sim.run_for(Duration::from_secs(5));
        let (rate, dropped) = sim.measure(Duration::from_secs(10));
        assert!(rate > 0.9 * 0.99, "link use {rate}");
        assert!(dropped < 0.01, "queue drops {dropped}");
        let min = sim.ctl.min_rtt().unwrap_or_default();
        assert!(min >= Duration::from_millis(200), "min RTT {min:?}");
    }

    #[test]
    fn restarts_quickly_after_an_outage() {
        let mut sim = Sim::new(10.0, 300, 125_000.0, 0.01);
        sim.run_for(Duration::from_secs(10));
        sim.outage = true;
        sim.run_for(Duration::from_secs(3));
        let now = sim.now;
        sim.ctl.lost(now, now, MTU, true);
        assert!(sim.ctl.in_startup());
        sim.outage = false;
        // Back to the previous window in a few rounds, without the
        // overshoot of a first startup.
        let (_, dropped) = sim.measure(Duration::from_secs(3));
        assert!(!sim.ctl.in_startup());
        assert!(dropped < 0.01, "queue drops {dropped} after the outage");
        let (rate, _) = sim.measure(Duration::from_secs(5));
        assert!(rate > 0.9 * 0.99, "link use {rate} after the outage");
    }

    #[test]
    fn probes_a_stalled_link_at_a_steady_pace_until_an_ack_comes() {
        let start = Instant::now();
        let ms = |n: u64| start + Duration::from_millis(n);
        let mut ctl = LossyLink::new(12_000, start, 1200);
        ctl.sent(ms(0), 1200);
        ctl.acked(ms(300), ms(0), 1200, false);
        ctl.end_acks(ms(300), 0);
        let w = ctl.window_at(ms(300));
        // A full window sent at 400 ms; nothing comes back (the link is cut).
        ctl.sent(ms(400), w);
        let stall = 400 + stall_after(Duration::from_millis(300)).as_millis() as u64;
        assert_eq!(ctl.window_at(ms(stall - 1)), w, "not stalled yet");
        // quinn sends when woken, whenever the window has room for a
        // packet: one each probe interval, however long the outage. Its
        // own loss probes (two packets, beyond the window) leave the room
        // as it was.
        let every = PROBE_EVERY.as_millis() as u64;
        let (mut in_flight, mut sent) = (w, 0);
        for t in (stall..stall + 60_000).step_by(10) {
            if t % 7_000 == 0 {
                ctl.sent(ms(t), 2 * 1200);
                in_flight += 2 * 1200;
            }
            // quinn's test: blocked when in flight + a packet >= window.
            if in_flight + 1200 < ctl.window_at(ms(t)) {
                ctl.sent(ms(t), 1200);
                in_flight += 1200;
                sent += 1;
            }
        }
        let probes = 60_000 / every;
        assert!(
            (probes - 10..=probes).contains(&sent),
            "{sent} probes, one per {every} ms"
        );
        // The first acknowledgement ends the stall.
        let back = stall + 60_000;
        ctl.acked(ms(back + 300), ms(back), 1200, false);
        ctl.end_acks(ms(back + 300), 0);
        assert!(ctl.window_at(ms(back + 300)) < w + 3 * 1200);
    }

    #[test]
    fn a_side_that_only_acknowledged_gets_no_burst_when_it_sends() {
        let start = Instant::now();
        let ms = |n: u64| start + Duration::from_millis(n);
        let mut ctl = LossyLink::new(12_000, start, 1200);
        // Ack-only packets: reported sent, never acknowledged.
        for t in (0..3_000).step_by(20) {
            ctl.sent(ms(t), 60);
        }
        let w = ctl.cwnd;
        // Three seconds later, data: the window, not an allowance grown
        // over the quiet time.
        assert_eq!(ctl.window_at(ms(6_000)), w);
        let mut in_flight = 0;
        for t in 6_000..6_050 {
            if in_flight + 1200 < ctl.window_at(ms(t)) {
                ctl.sent(ms(t), 1200);
                in_flight += 1200;
            }
            ctl.sent(ms(t), 60);
        }
        assert!(in_flight <= w, "{in_flight} bytes sent, window {w}");
        // Any acknowledgement (of ack-only packets too) ends it.
        ctl.end_acks(ms(6_100), 0);
        assert_eq!(ctl.window_at(ms(20_000)), ctl.cwnd);
    }

    #[test]
    fn keeps_its_estimate_through_a_quiet_spell() {
        let mut sim = Sim::new(10.0, 300, 125_000.0, 0.01);
        sim.run_for(Duration::from_secs(10));
        sim.trickle = true;
        sim.run_for(Duration::from_secs(20));
        sim.trickle = false;
        let w = sim.ctl.window() as f64 / sim.bdp();
        assert!(w > 0.95, "window {w} BDP after the quiet spell");
        // One round trip for the first acks at the full rate.
        sim.run_for(Duration::from_millis(400));
        let (rate, dropped) = sim.measure(Duration::from_secs(2));
        assert!(
            rate > 0.9 * 0.99,
            "link use {rate} right after the quiet spell"
        );
        assert!(dropped < 0.01, "queue drops {dropped}");
    }

    #[test]
    fn forgets_packets_that_are_never_acked() {
        // A receiver sends mostly ack-only packets: reported sent, never
        // acknowledged.
        let start = Instant::now();
        let mut ctl = LossyLink::new(12_000, start, 1200);
        for ms in 0..60_000 {
            ctl.sent(start + Duration::from_millis(ms), 1200);
        }
        assert!(ctl.sends.len() <= 2_001, "{} records kept", ctl.sends.len());
    }

    #[test]
    fn survives_acks_for_unknown_packets_and_zero_intervals() {
        let now = Instant::now();
        let mut ctl = LossyLink::new(12_000, now, 1200);
        ctl.acked(now, now - Duration::from_secs(1), 1200, false);
        ctl.end_acks(now, 0);
        ctl.sent(now, 1200);
        ctl.acked(now, now, 1200, true);
        ctl.end_acks(now, 0);
        ctl.lost(now, now, 0, false);
        ctl.end_acks(now, 0);
        assert!(ctl.window() >= 4 * 1200);
    }

    /// Bytes acked over the first `d` of a connection on `sim`.
    fn acked_within(sim: &mut Sim, d: Duration) -> u64 {
        let before = sim.acked;
        sim.run_for(d);
        sim.acked - before
    }

    #[test]
    fn a_remembered_path_fills_the_link_rounds_sooner() {
        let memory = PathMemory {
            rate_bps: 10_000_000,
            min_rtt: Duration::from_millis(300),
        };
        for seed in 1..=4u64 {
            let seed = seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
            let mut cold = Sim::seeded(10.0, 300, 375_000.0, 0.05, seed);
            let mut warm = Sim::seeded(10.0, 300, 375_000.0, 0.05, seed);
            warm.ctl.resume = Some(memory);
            let (c, w) = (
                acked_within(&mut cold, Duration::from_secs(3)),
                acked_within(&mut warm, Duration::from_secs(3)),
            );
            assert!(
                w as f64 > 1.3 * c as f64,
                "seed {seed}: {w} bytes in the first 3 s, {c} cold"
            );
            let dropped = warm.queue_drops as f64 / warm.sent as f64;
            assert!(dropped < 0.01, "seed {seed}: queue drops {dropped}");
            // And then it runs as a cold start would.
            let (rate, _) = warm.measure(Duration::from_secs(20));
            assert!(rate > 0.9 * 0.95, "seed {seed}: link use {rate}");
        }
    }

    #[test]
    fn a_resume_waits_for_data_to_judge_the_path() {
        // As a sync: the jump comes with the handshake, then a records
        // round leaves the connection nearly idle for two round trips
        // before the scans' bytes come.
        let memory = PathMemory {
            rate_bps: 10_000_000,
            min_rtt: Duration::from_millis(300),
        };
        let idle_start = |resume: Option<PathMemory>, mbit: f64| {
            let mut sim = Sim::new(mbit, 300, mbit * 1e6 / 8.0 * 0.3, 0.05);
            sim.ctl.resume = resume;
            sim.trickle = true;
            sim.run_for(Duration::from_millis(900));
            sim.trickle = false;
            sim
        };
        let mut cold = idle_start(None, 10.0);
        let mut warm = idle_start(Some(memory), 10.0);
        let (c, w) = (
            acked_within(&mut cold, Duration::from_secs(3)),
            acked_within(&mut warm, Duration::from_secs(3)),
        );
        assert!(w as f64 > 1.3 * c as f64, "{w} bytes in 3 s, {c} cold");
        // A slower path is found out by the flight that fills the jump:
        // a round trip, and the queue it built, after the data came.
        let mut slower = idle_start(Some(memory), 2.0);
        slower.run_for(Duration::from_millis(1500));
        assert!(!slower.ctl.in_startup(), "still in startup");
        slower.run_for(Duration::from_secs(10));
        let dropped = slower.queue_drops as f64 / slower.sent as f64;
        assert!(dropped < 0.03, "queue drops in the first 10 s: {dropped}");
    }

    #[test]
    fn a_slower_path_with_almost_no_queue_is_found_out_by_its_losses() {
        // 2 Mbit/s behind a 3 kB queue: the RTT cannot show the overrun,
        // the losses do; the jump costs no more drops than a cold start.
        let drops = |resume: Option<PathMemory>| {
            let mut sim = Sim::new(2.0, 300, 3_000.0, 0.01);
            sim.ctl.resume = resume;
            sim.trickle = true;
            sim.run_for(Duration::from_millis(900));
            sim.trickle = false;
            sim.measure(Duration::from_secs(5)).1
        };
        let (cold, warm) = (
            drops(None),
            drops(Some(PathMemory {
                rate_bps: 10_000_000,
                min_rtt: Duration::from_millis(300),
            })),
        );
        assert!(warm <= cold, "queue drops {warm} resuming, {cold} cold");
    }

    #[test]
    fn a_remembered_path_that_got_slower_is_overrun_only_briefly() {
        // Remembered at 10 Mbit/s; the link now gives 2, queue one BDP.
        let mut sim = Sim::new(2.0, 300, 75_000.0, 0.01);
        sim.ctl.resume = Some(PathMemory {
            rate_bps: 10_000_000,
            min_rtt: Duration::from_millis(300),
        });
        sim.run_for(Duration::from_secs(10));
        let dropped = sim.queue_drops as f64 / sim.sent as f64;
        assert!(dropped < 0.03, "queue drops in the first 10 s: {dropped}");
        let (rate, dropped) = sim.measure(Duration::from_secs(10));
        assert!(rate > 0.9 * 0.99, "link use {rate}");
        assert!(dropped < 0.01, "queue drops after: {dropped}");
    }

    #[test]
    fn another_path_starts_cold() {
        // Remembered over a 50 ms path, this one a satellite hop; and the
        // other way round.
        for (now, remembered) in [(600, 50), (50, 600)] {
            let mut cold = Sim::new(10.0, now, 750_000.0, 0.0);
            let mut other = Sim::new(10.0, now, 750_000.0, 0.0);
            other.ctl.resume = Some(PathMemory {
                rate_bps: 10_000_000,
                min_rtt: Duration::from_millis(remembered),
            });
            cold.run_for(Duration::from_secs(2));
            other.run_for(Duration::from_secs(2));
            assert_eq!(other.acked, cold.acked, "{now} ms, {remembered} remembered");
            assert_eq!(other.ctl.window(), cold.ctl.window());
        }
    }

    #[test]
    fn a_connection_remembers_its_path_once_it_cruises() {
        let mut sim = Sim::new(10.0, 300, 375_000.0, 0.01);
        assert_eq!(sim.ctl.path_memory(), None);
        sim.run_for(Duration::from_secs(10));
        let memory = sim.ctl.path_memory().expect("a model");
        let rate = memory.rate_bps as f64 / 10e6;
        assert!((0.9..1.15).contains(&rate), "rate {rate} of the link");
        assert!(memory.min_rtt >= Duration::from_millis(300));
        assert!(memory.min_rtt < Duration::from_millis(320));
        assert_eq!(PathMemory::from_text(&memory.to_text()), Some(memory));
        for bad in ["", "1", "0 300000", "10 0", "x 1", "1 2 3", "-1 5"] {
            assert_eq!(PathMemory::from_text(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn keeps_the_link_full_second_by_second_while_the_path_stays_the_same() {
        // No periodic drain to re-measure the minimum RTT when every few
        // rounds confirm it: each of these dipped to 0.84–0.92 of the link
        // for a second every ten.
        for (rtt, loss) in [(300, 0.05), (600, 0.05), (300, 0.2)] {
            let bdp = 10e6 / 8.0 * rtt as f64 / 1000.0;
            let mut sim = Sim::new(10.0, rtt, bdp, loss);
            sim.run_for(Duration::from_secs(10));
            for second in 0..60 {
                let (rate, _) = sim.measure(Duration::from_secs(1));
                let of_ideal = rate / (1.0 - loss);
                assert!(
                    of_ideal > 0.95,
                    "{rtt} ms, {loss}: {of_ideal} of ideal in second {second}"
                );
            }
        }
    }

    #[test]
    fn follows_a_path_a_little_longer_than_its_standing_queue() {
        // 20 ms longer at 300 ms: more than the queue the window keeps (so
        // its rounds no longer confirm the old minimum), less than the
        // inflation it drains for at once: the minimum is re-measured by
        // the periodic drain, which must still come.
        let mut sim = Sim::new(10.0, 300, 375_000.0, 0.05);
        sim.run_for(Duration::from_secs(10));
        sim.rtt = Duration::from_millis(320);
        sim.run_for(Duration::from_secs(15));
        let (rate, dropped) = sim.measure(Duration::from_secs(20));
        assert!(rate / 0.95 > 0.95, "link use {} of ideal", rate / 0.95);
        assert!(dropped < 0.01, "queue drops {dropped}");
        let min = sim.ctl.min_rtt().unwrap_or_default();
        assert!(min >= Duration::from_millis(320), "min RTT {min:?}");
    }

    #[test]
    fn a_resumed_path_cruises_at_the_remembered_rate_under_heavy_loss() {
        // What a connection at 20 % loss remembers: the rate it delivered.
        // Startup ending at the remembered window left the bandwidth
        // filter with only the rates of the rounds that grew to it, and
        // the window the model makes of those delivers just them again:
        // the link stayed at 0.4-0.8 for tens of seconds.
        let memory = PathMemory {
            rate_bps: 7_600_000,
            min_rtt: Duration::from_millis(300),
        };
        for seed in 1..=4u64 {
            let seed = seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
            let mut warm = Sim::seeded(10.0, 300, 375_000.0, 0.2, seed);
            warm.ctl.resume = Some(memory);
            warm.run_for(Duration::from_secs(3));
            let (rate, dropped) = warm.measure(Duration::from_secs(10));
            assert!(
                rate / 0.8 > 0.9,
                "seed {seed}: link use {} of ideal",
                rate / 0.8
            );
            assert!(dropped < 0.01, "seed {seed}: queue drops {dropped}");
        }
    }
}
