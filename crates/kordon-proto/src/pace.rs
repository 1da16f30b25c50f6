//! The pace a message must keep once its first byte has arrived.
//!
//! A peer that announces a large frame and then sends it a byte at a time
//! (slowloris) would otherwise hold the receiver's buffer for as long as it
//! likes: an idle timeout restarts on every byte. The rule here, in the
//! manner of a web server's minimum request-body rate: a message may take
//! [`MESSAGE_GRACE`] whatever its size, and beyond that its **connection**
//! must have received an average of at least [`MIN_MESSAGE_RATE`] bytes a
//! second since the message's first byte. Counting the connection, not the
//! stream, keeps a message that waits behind another (a scan piece while
//! records go first) from being judged slow while the link is busy. The
//! rate (4 kbit/s) is below the slowest a vehicle may be capped at
//! (8 kbit/s); a peer that sends slower is cut off, and what it sent is
//! dropped.
//!
//! Sans-IO: the caller reports what its decoder holds and how many bytes
//! its connection has received, and asks for the deadline; nothing here
//! reads a clock.

use std::time::{Duration, Instant};

/// How long any message may take, whatever its size.
pub const MESSAGE_GRACE: Duration = Duration::from_secs(20);
/// The average rate (bytes a second) a message must keep after the grace.
pub const MIN_MESSAGE_RATE: u64 = 512;

/// Watches the message in progress on one stream.
#[derive(Debug, Clone)]
pub struct MessagePace {
    grace: Duration,
    min_rate: u64,
    current: Option<Started>,
}

#[derive(Debug, Clone, Copy)]
struct Started {
    at: Instant,
    /// Frames completed on the stream when this one began.
    frame: u64,
    /// Bytes the connection had received before the message's first byte.
    base: u64,
}

impl Default for MessagePace {
    fn default() -> Self {
        MessagePace::new(MESSAGE_GRACE, MIN_MESSAGE_RATE)
    }
}

impl MessagePace {
    /// A pace of `min_rate` bytes a second after `grace` (a rate of 0 is
    /// taken as 1).
    pub fn new(grace: Duration, min_rate: u64) -> Self {
        MessagePace {
            grace,
            min_rate: min_rate.max(1),
            current: None,
        }
    }

    /// After bytes were handled: `frames` completed on the stream so far,
    /// `partial` bytes of the frame now in progress (0 between frames), and
    /// `received` bytes the connection has received in all.
    pub fn observe(&mut self, frames: u64, partial: usize, received: u64, now: Instant) {
        let partial = partial as u64;
        if partial == 0 {
            self.current = None;
            return;
        }
        match &self.current {
            Some(s) if s.frame == frames => {}
            _ => {
                self.current = Some(Started {
                    at: now,
                    frame: frames,
                    base: received.saturating_sub(partial),
                })
            }
        }
    }

    /// When the message in progress falls below the pace, given the bytes
    /// the connection has `received` by now; `None` between messages (the
    /// caller's idle timeout applies then).
    pub fn deadline(&self, received: u64) -> Option<Instant> {
        self.current.map(|s| {
            let progress = received.saturating_sub(s.base);
            let earned = Duration::from_secs_f64(progress as f64 / self.min_rate as f64);
            s.at + self.grace + earned
        })
    }

    /// Whether a message is in progress.
    pub fn in_message(&self) -> bool {
        self.current.is_some()
    }

    /// Whether the message in progress has fallen below the pace at `now`.
    pub fn is_late(&self, received: u64, now: Instant) -> bool {
        self.deadline(received).is_some_and(|d| now >= d)
    }

    /// How long to wait for more bytes: `idle` between messages, otherwise
    /// until the message would fall below the pace (at most `idle`; the
    /// caller asks again when that time comes and the connection moved).
    pub fn wait(&self, idle: Duration, received: u64, now: Instant) -> Duration {
        match self.deadline(received) {
            Some(d) => d.saturating_duration_since(now).min(idle),
            None => idle,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn between_messages_only_the_idle_timeout_applies() {
        let t0 = Instant::now();
        let mut p = MessagePace::new(20 * S, 1000);
        p.observe(3, 0, 500, t0);
        assert_eq!(p.deadline(500), None);
        assert_eq!(p.wait(120 * S, 500, t0), 120 * S);
        assert!(!p.is_late(500, t0 + 1000 * S));
    }

    #[test]
    fn a_trickled_frame_is_late_after_the_grace() {
        let t0 = Instant::now();
        let mut p = MessagePace::new(20 * S, 1000);
        // A 16 MiB header and one byte a second.
        p.observe(1, 5, 105, t0);
        for s in 1..=20u32 {
            p.observe(1, 5 + s as usize, 105 + u64::from(s), t0 + s * S);
        }
        assert!(!p.is_late(125, t0 + 20 * S));
        assert!(
            p.is_late(125, t0 + 21 * S),
            "25 bytes buy 25 ms past the grace"
        );
        assert_eq!(p.wait(120 * S, 125, t0 + 21 * S), Duration::ZERO);
    }

    #[test]
    fn a_frame_at_the_pace_never_falls_behind() {
        let t0 = Instant::now();
        let mut p = MessagePace::new(20 * S, 1000);
        for s in 0..600u32 {
            // 1,000 bytes a second, from the first second on.
            let got = 1000 * (u64::from(s) + 1);
            p.observe(7, got as usize, got, t0 + s * S);
            assert!(!p.is_late(got, t0 + s * S + S / 2), "at {s} s");
        }
    }

    #[test]
    fn a_message_waiting_behind_another_keeps_its_pace_while_the_connection_moves() {
        let t0 = Instant::now();
        let mut p = MessagePace::new(20 * S, 1000);
        // Half a scan piece arrived, then the records stream took the link.
        p.observe(2, 500_000, 600_000, t0);
        // Ten minutes later nothing more of the piece, but 1 MB a minute
        // on the connection.
        let moved = 600_000 + 10 * 1_000_000;
        assert!(!p.is_late(moved, t0 + 600 * S));
        // A connection that moved nothing is late.
        assert!(p.is_late(600_000, t0 + 600 * S));
    }

    #[test]
    fn a_new_frame_starts_a_new_clock() {
        let t0 = Instant::now();
        let mut p = MessagePace::new(20 * S, 1000);
        p.observe(1, 10, 10, t0);
        // The first frame completed and the next began, 19 s later.
        p.observe(2, 10, 30, t0 + 19 * S);
        assert!(!p.is_late(30, t0 + 39 * S));
        assert!(p.is_late(30, t0 + 40 * S));
        p.observe(3, 0, 40, t0 + 40 * S);
        assert!(!p.is_late(40, t0 + 400 * S));
    }
}
