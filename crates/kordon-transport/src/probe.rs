//! Wakes a stalled connection so it keeps probing the path.
//!
//! While a link is cut, quinn sends nothing but loss probes, at a backoff
//! that doubles each time: after a 15 s outage the next one may be 16 s
//! away. The congestion controller lets one more packet leave every
//! [`PROBE_EVERY`] of a stall ([`crate::congestion::LossyLink::window_at`]),
//! but quinn only looks at the window when something wakes the
//! connection. [`StallProbe`] does: while stream data waits for an
//! acknowledgement longer than [`stall_after`] the round trip, it queues a
//! one-byte datagram every [`PROBE_EVERY`] (queued while the window is
//! full, they wake the connection all the same; a kilobyte of them at
//! most is kept). The packet that carries it
//! carries waiting stream data too; the first one through is acknowledged,
//! which tells the sender at once that everything before it was lost, and
//! data flows again about one round trip after the link returns.

use crate::congestion::{stall_after, PROBE_EVERY};
use std::time::Instant;

/// Bytes of unread datagrams either side keeps, in all (older ones are
/// dropped; see `transport_config`): the probe needs one byte, and nothing
/// else uses datagrams.
pub(crate) const DATAGRAM_BUFFER: usize = 1024;

/// Probes `conn`'s path while its data is stalled, until dropped.
#[derive(Debug)]
pub struct StallProbe(tokio::task::JoinHandle<()>);

impl StallProbe {
    /// Starts probing `conn` (on the current tokio runtime).
    pub fn start(conn: &quinn::Connection) -> StallProbe {
        let conn = conn.clone();
        StallProbe(tokio::spawn(async move {
            let mut tick = tokio::time::interval(PROBE_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut watch = StallWatch::new(&conn.stats());
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = conn.closed() => return,
                }
                let stats = conn.stats();
                if watch.stalled(&stats, Instant::now(), conn.rtt()) {
                    // Refused only when the peer takes no datagrams; then
                    // quinn's own probes are all there is.
                    let _ = conn.send_datagram((&b"\0"[..]).into());
                }
            }
        }))
    }
}

impl Drop for StallProbe {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Decides from a connection's counters whether stream data has waited
/// for an acknowledgement too long.
#[derive(Debug)]
struct StallWatch {
    acks: u64,
    streams: u64,
    /// When stream data was first seen sent after the latest ack.
    waiting_since: Option<Instant>,
}

impl StallWatch {
    fn new(stats: &quinn::ConnectionStats) -> StallWatch {
        StallWatch {
            acks: stats.frame_rx.acks,
            streams: stats.frame_tx.stream,
            waiting_since: None,
        }
    }

    fn stalled(
        &mut self,
        stats: &quinn::ConnectionStats,
        now: Instant,
        rtt: std::time::Duration,
    ) -> bool {
        if stats.frame_rx.acks != self.acks {
            *self = StallWatch::new(stats);
            return false;
        }
        if stats.frame_tx.stream != self.streams && self.waiting_since.is_none() {
            self.waiting_since = Some(now);
        }
        self.waiting_since
            .is_some_and(|since| now.saturating_duration_since(since) >= stall_after(rtt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn stats(acks: u64, streams: u64) -> quinn::ConnectionStats {
        let mut s = quinn::ConnectionStats::default();
        s.frame_rx.acks = acks;
        s.frame_tx.stream = streams;
        s
    }

    #[test]
    fn stream_data_unacknowledged_past_the_threshold_is_a_stall() {
        let t0 = Instant::now();
        let rtt = Duration::from_millis(300);
        let after = stall_after(rtt);
        let mut w = StallWatch::new(&stats(10, 50));
        assert!(!w.stalled(&stats(10, 50), t0, rtt), "nothing sent");
        assert!(!w.stalled(&stats(10, 60), t0, rtt), "just sent");
        assert!(!w.stalled(&stats(10, 61), t0 + after / 2, rtt));
        assert!(w.stalled(&stats(10, 61), t0 + after, rtt), "no ack since");
        assert!(
            !w.stalled(&stats(11, 62), t0 + after * 2, rtt),
            "an ack came"
        );
        assert!(
            !w.stalled(&stats(11, 62), t0 + after * 3, rtt),
            "nothing waits"
        );
    }

    #[test]
    fn a_quiet_connection_is_never_probed() {
        let t0 = Instant::now();
        let rtt = Duration::from_millis(300);
        let mut w = StallWatch::new(&stats(3, 7));
        for s in 0..100 {
            assert!(!w.stalled(&stats(3, 7), t0 + Duration::from_secs(s), rtt));
        }
    }
}
