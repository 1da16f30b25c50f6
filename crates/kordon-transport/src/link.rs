//! Whether the link to the server carries packets right now.
//!
//! A vehicle's connection sends a keep-alive every [`LINK_PING`]; each one
//! is acknowledged a round trip later, so while the link works packets
//! arrive at least that often. [`LinkWatch`] turns the connection's count
//! of datagrams received into a state: down once nothing has arrived for
//! [`LINK_SILENCE`], up again at the first datagram after that. It takes
//! the count and the time as input (no I/O), so its rules are tested
//! deterministically; [`watch_link`] samples a quinn connection every
//! [`LINK_SAMPLE`] and publishes changes on a `tokio::sync::watch`.
//!
//! With these values a cut shows within `LINK_SILENCE` + `LINK_SAMPLE` of
//! the last packet before it (packets already on their way when the link
//! went still arrive: up to half a round trip more), and a return within
//! `LINK_PING` + one round trip + `LINK_SAMPLE`: under a second up to a
//! 600 ms round trip. Six keep-alives in a row must go unanswered to call
//! a working link down: at 1 % loss each way that practically never
//! happens, at 5 % about once a day; at 20 % it does (2 false alarms in
//! 29 s of link up in BENCHMARKS.md). The price: ten small packets a second each way,
//! about 700 bytes a second (60 MB a day of running), and as many for the
//! server to answer per vehicle.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often a vehicle's connection sends a keep-alive.
pub const LINK_PING: Duration = Duration::from_millis(100);
/// Nothing received for this long: the link is down.
pub const LINK_SILENCE: Duration = Duration::from_millis(600);
/// How often [`watch_link`] looks at the connection's counters.
pub const LINK_SAMPLE: Duration = Duration::from_millis(50);

/// The link as a held connection sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Packets arrive.
    Up,
    /// Nothing has arrived for [`LINK_SILENCE`]; the connection is still
    /// held and is used again as soon as packets arrive.
    Down,
    /// No connection is held (none made yet, or it ended).
    Closed,
}

/// The rules of [`LinkState`] `Up` and `Down`, fed with counts and times.
#[derive(Debug, Clone)]
pub struct LinkWatch {
    received: u64,
    last_arrival: Instant,
    state: LinkState,
}

impl LinkWatch {
    /// A connection just made (its handshake was an arrival): up.
    pub fn new(received: u64, now: Instant) -> LinkWatch {
        LinkWatch {
            received,
            last_arrival: now,
            state: LinkState::Up,
        }
    }

    pub fn state(&self) -> LinkState {
        self.state
    }

    /// Feeds the connection's count of datagrams received so far; returns
    /// the new state when it changed.
    pub fn observe(&mut self, received: u64, now: Instant) -> Option<LinkState> {
        let before = self.state;
        if received != self.received {
            self.received = received;
            self.last_arrival = now;
            self.state = LinkState::Up;
        } else if now.saturating_duration_since(self.last_arrival) >= LINK_SILENCE {
            self.state = LinkState::Down;
        }
        (self.state != before).then_some(self.state)
    }
}

/// Samples `conn` until it closes, publishing its [`LinkState`] on `out`
/// (`Up` at once, `Closed` when the connection ends). Stops when dropped,
/// and publishes nothing after that.
pub fn watch_link(conn: &quinn::Connection, out: watch::Sender<LinkState>) -> LinkWatchTask {
    let conn = conn.clone();
    let live = Arc::new(AtomicBool::new(true));
    let task_live = live.clone();
    let task = tokio::spawn(async move {
        // Checked under the channel's lock: once the owner has let go of
        // the connection (and said `Closed` itself), nothing older lands.
        let say = |state: LinkState| {
            out.send_if_modified(|now| {
                let changed = task_live.load(Ordering::SeqCst) && *now != state;
                if changed {
                    *now = state;
                }
                changed
            });
        };
        let mut watch = LinkWatch::new(conn.stats().udp_rx.datagrams, Instant::now());
        say(LinkState::Up);
        let mut tick = tokio::time::interval(LINK_SAMPLE);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Some(state) = watch.observe(conn.stats().udp_rx.datagrams, Instant::now()) {
                        say(state);
                    }
                }
                _ = conn.closed() => {
                    say(LinkState::Closed);
                    return;
                }
            }
        }
    });
    LinkWatchTask { task, live }
}

/// Publishes `state` on `out` if it differs from the current one (a
/// watcher wakes only for a change).
pub fn publish(out: &watch::Sender<LinkState>, state: LinkState) {
    out.send_if_modified(|now| {
        let changed = *now != state;
        *now = state;
        changed
    });
}

/// The task of [`watch_link`]; stopped when dropped (it holds a handle of
/// the connection, which must not outlive its owner).
#[derive(Debug)]
pub struct LinkWatchTask {
    task: tokio::task::JoinHandle<()>,
    live: Arc<AtomicBool>,
}

impl Drop for LinkWatchTask {
    fn drop(&mut self) {
        self.live.store(false, Ordering::SeqCst);
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_link_answering_its_keep_alives_stays_up() {
        let t0 = Instant::now();
        let mut w = LinkWatch::new(0, t0);
        for i in 1..100u64 {
            assert_eq!(w.observe(i, t0 + LINK_PING * i as u32), None);
        }
        assert_eq!(w.state(), LinkState::Up);
    }

    #[test]
    fn silence_turns_it_down_only_after_the_full_silence() {
        let t0 = Instant::now();
        let mut w = LinkWatch::new(5, t0);
        assert_eq!(w.observe(6, t0 + ms(100)), None);
        // Five keep-alives lost: still up.
        assert_eq!(w.observe(6, t0 + ms(100) + LINK_SILENCE - ms(1)), None);
        assert_eq!(
            w.observe(6, t0 + ms(100) + LINK_SILENCE),
            Some(LinkState::Down)
        );
        // Said once.
        assert_eq!(w.observe(6, t0 + ms(5_000)), None);
        assert_eq!(w.state(), LinkState::Down);
    }

    #[test]
    fn the_first_datagram_after_an_outage_turns_it_up() {
        let t0 = Instant::now();
        let mut w = LinkWatch::new(0, t0);
        assert_eq!(w.observe(0, t0 + ms(10_000)), Some(LinkState::Down));
        assert_eq!(w.observe(1, t0 + ms(10_050)), Some(LinkState::Up));
        // And it counts the silence from that datagram.
        assert_eq!(w.observe(1, t0 + ms(10_050) + LINK_SILENCE - ms(1)), None);
        assert_eq!(
            w.observe(1, t0 + ms(10_050) + LINK_SILENCE),
            Some(LinkState::Down)
        );
    }

    #[test]
    fn a_clock_read_out_of_order_does_not_turn_it_down() {
        let t0 = Instant::now() + ms(1_000);
        let mut w = LinkWatch::new(0, t0);
        assert_eq!(w.observe(0, t0 - ms(500)), None);
        assert_eq!(w.state(), LinkState::Up);
    }
}
