//! Exponential backoff with jitter for retries.

use std::time::Duration;

use rand::Rng;

/// Longest `Retry-After` honoured (a partner asking for more is retried after a day).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Retry policy: attempt `n` (1-based, the attempt that just failed) waits about
/// `base · 2^(n-1)`, capped at `max`, with "equal jitter": a random time between half of that and
/// all of it, so that many failing deliveries do not retry in lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(2),
            max: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// The ceiling (without jitter) after the `attempt`-th failure.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let d = self.base.saturating_mul(1u32 << exp);
        d.min(self.max)
    }

    /// The wait after the `attempt`-th failure, jittered with `rng`.
    pub fn delay(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling(attempt);
        let half = ceiling / 2;
        let spread = ceiling.saturating_sub(half).as_millis() as u64;
        half + Duration::from_millis(if spread == 0 {
            0
        } else {
            rng.gen_range(0..=spread)
        })
    }

    /// The wait before the next attempt: the partner's `Retry-After` when it gave one (honoured
    /// even beyond `max`, but never more than [`MAX_RETRY_AFTER`]), else the jittered backoff.
    pub fn next(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        match retry_after {
            Some(d) => d.min(MAX_RETRY_AFTER),
            None => self.delay(attempt, rng),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_capped_and_jittered() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(2),
        };
        assert_eq!(b.ceiling(1), Duration::from_millis(100));
        assert_eq!(b.ceiling(2), Duration::from_millis(200));
        assert_eq!(b.ceiling(4), Duration::from_millis(800));
        assert_eq!(b.ceiling(10), Duration::from_secs(2));
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(2));
        let mut rng = rand::thread_rng();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let d = b.delay(3, &mut rng);
            assert!(
                d >= Duration::from_millis(200) && d <= Duration::from_millis(400),
                "{d:?}"
            );
            seen.insert(d);
        }
        assert!(seen.len() > 10, "jitter spreads the delays");
        assert_eq!(
            b.next(1, Some(Duration::from_secs(1)), &mut rng),
            Duration::from_secs(1)
        );
        assert_eq!(
            b.next(1, Some(Duration::from_secs(99)), &mut rng),
            Duration::from_secs(99),
            "Retry-After is honoured beyond the backoff's max"
        );
        assert_eq!(
            b.next(1, Some(Duration::from_secs(10 * 24 * 3600)), &mut rng),
            MAX_RETRY_AFTER
        );
    }
}
