//! How often one user may search: a token bucket per account (`FUPIN_SEARCHES_PER_MINUTE`,
//! default [`DEFAULT_PER_MINUTE`]). A search confirms whether a person is registered, so many
//! searches in a row are how masked values are rebuilt; a person at a desk never needs more.
//! Kept in memory per server process: a restart refills every bucket (rare, and not in a
//! user's hands). Hand-written: `governor`'s keyed limiter would bring a dozen crates for
//! these forty lines.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Searches per minute (and in one burst) when nothing is configured.
pub const DEFAULT_PER_MINUTE: u32 = 30;
/// The environment variable that sets the rate.
pub const ENV: &str = "FUPIN_SEARCHES_PER_MINUTE";
/// Buckets kept before full ones are forgotten (a full bucket is the same as none).
const PRUNE_AT: usize = 10_000;

#[derive(Debug)]
pub struct SearchLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl SearchLimiter {
    /// `per_minute` searches a minute, all of them at once at most; 0 stops nobody.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The rate from [`ENV`], else [`DEFAULT_PER_MINUTE`].
    pub fn from_env() -> Self {
        let rate = std::env::var(ENV)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(DEFAULT_PER_MINUTE);
        Self::new(rate)
    }

    /// Takes one search from `user`'s bucket; when it is empty, how long until it holds one.
    pub fn take(&self, user: i64, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= PRUNE_AT {
            buckets.retain(|_, b| {
                b.tokens + per_second * now.duration_since(b.at).as_secs_f64() < capacity
            });
        }
        let b = buckets.entry(user).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * per_second).min(capacity);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_stopped_and_the_bucket_refills() {
        let l = SearchLimiter::new(6);
        let t0 = Instant::now();
        for _ in 0..6 {
            assert!(l.take(1, t0).is_ok());
        }
        let wait = l.take(1, t0).unwrap_err();
        assert!(
            wait <= Duration::from_secs(10) && wait > Duration::from_secs(9),
            "{wait:?}"
        );
        assert!(
            l.take(2, t0).is_ok(),
            "another user has a bucket of their own"
        );
        assert!(l.take(1, t0 + Duration::from_secs(5)).is_err());
        assert!(
            l.take(1, t0 + Duration::from_secs(10)).is_ok(),
            "one more after 10 s"
        );
        assert!(l.take(1, t0 + Duration::from_secs(10)).is_err());
        // a minute's rest refills it, never beyond the burst
        let later = t0 + Duration::from_secs(600);
        for _ in 0..6 {
            assert!(l.take(1, later).is_ok());
        }
        assert!(l.take(1, later).is_err());
    }

    #[test]
    fn zero_is_unlimited() {
        let l = SearchLimiter::new(0);
        for _ in 0..1000 {
            assert!(l.take(1, Instant::now()).is_ok());
        }
    }
}
