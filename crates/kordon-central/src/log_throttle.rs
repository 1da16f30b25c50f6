//! Rate-limited log lines for what an attacker can repeat at will
//! (refused connections, failed handshakes, cut-off streams): a few lines
//! a window for each kind, then one line saying how many were left out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Lines of one kind logged per window.
pub const LINES_PER_WINDOW: u32 = 5;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(10);

#[derive(Debug)]
struct Kind {
    since: Instant,
    logged: u32,
    left_out: u64,
}

/// Decides which lines of a kind are logged.
#[derive(Debug)]
pub struct LogThrottle {
    per_window: u32,
    window: Duration,
    kinds: Mutex<HashMap<&'static str, Kind>>,
}

impl Default for LogThrottle {
    fn default() -> Self {
        LogThrottle::new(LINES_PER_WINDOW, WINDOW)
    }
}

impl LogThrottle {
    pub fn new(per_window: u32, window: Duration) -> Self {
        LogThrottle {
            per_window,
            window,
            kinds: Mutex::new(HashMap::new()),
        }
    }

    /// Whether to log a line of `kind` now: `Some(n)` with how many lines
    /// of that kind were left out before it (to say in the line), `None`
    /// to leave this one out.
    pub fn allow(&self, kind: &'static str, now: Instant) -> Option<u64> {
        let mut kinds = self.kinds.lock().unwrap_or_else(|p| p.into_inner());
        let k = kinds.entry(kind).or_insert(Kind {
            since: now,
            logged: 0,
            left_out: 0,
        });
        if now.saturating_duration_since(k.since) >= self.window {
            k.since = now;
            k.logged = 0;
        }
        if k.logged < self.per_window {
            k.logged += 1;
            Some(std::mem::take(&mut k.left_out))
        } else {
            k.left_out += 1;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_logged_a_few_lines_a_window_with_the_count_left_out() {
        let t = LogThrottle::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        let first: Vec<Option<u64>> = (0..1000).map(|_| t.allow("refused", t0)).collect();
        assert_eq!(first.iter().filter(|a| a.is_some()).count(), 3);
        assert_eq!(first[..3], [Some(0), Some(0), Some(0)]);
        // Another kind has its own allowance.
        assert_eq!(t.allow("handshake", t0), Some(0));
        // The next window's first line says what the last one left out.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(t.allow("refused", later), Some(997));
        assert_eq!(t.allow("refused", later), Some(0));
    }
}
