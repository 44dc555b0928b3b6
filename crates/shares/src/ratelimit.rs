//! Rate limiting of token guesses: per client IP, at most `limit` bad tokens per minute (a
//! fixed one-minute window); after that the IP is refused (429) until the window ends, for
//! valid tokens too, so that guessing cannot go on in parallel with real use.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked IPs, expired windows are swept on the next failure.
const SWEEP_AT: usize = 10_000;

#[derive(Debug)]
pub struct BadTokenLimiter {
    limit: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl BadTokenLimiter {
    pub fn new(limit: u32) -> Self {
        BadTokenLimiter {
            limit: limit.max(1),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `ip` is refused now.
    pub fn blocked(&self, ip: IpAddr) -> bool {
        let Ok(map) = self.windows.lock() else {
            return false;
        };
        map.get(&ip)
            .is_some_and(|(start, n)| start.elapsed() < WINDOW && *n >= self.limit)
    }

    /// Counts a bad token of `ip`.
    pub fn failed(&self, ip: IpAddr) {
        let Ok(mut map) = self.windows.lock() else {
            return;
        };
        if map.len() > SWEEP_AT {
            map.retain(|_, (start, _)| start.elapsed() < WINDOW);
        }
        let entry = map.entry(ip).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (Instant::now(), 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_limit_per_ip() {
        let l = BadTokenLimiter::new(3);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(!l.blocked(a));
            l.failed(a);
        }
        assert!(l.blocked(a));
        assert!(!l.blocked(b));
    }
}
