//! Rate limits on incoming activities, per actor and per server: token buckets kept in memory
//! (node-local and safe to lose: a restart only forgives).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Buckets of `capacity` tokens, refilled continuously over a window, one per key.
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter::per_window(per_minute, Duration::from_secs(60))
    }

    /// `count` in any `window` (a burst of `count`, then one every `window / count`).
    pub fn per_window(count: u32, window: Duration) -> RateLimiter {
        let capacity = f64::from(count.max(1));
        RateLimiter {
            capacity,
            per_second: capacity / window.as_secs_f64().max(1.0),
            buckets: Mutex::default(),
        }
    }

    /// Takes a token for `key`; when none is left, says how long until one is.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 50_000 {
            // Forget full buckets: they are the same as new ones.
            let (capacity, per_second) = (self.capacity, self.per_second);
            buckets.retain(|_, (tokens, at)| {
                *tokens + at.elapsed().as_secs_f64() * per_second < capacity
            });
        }
        let (tokens, at) = buckets
            .entry(key.to_string())
            .or_insert((self.capacity, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refuses() {
        let limiter = RateLimiter::new(3);
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        let wait = limiter.check("a").err().unwrap_or_default();
        assert!(wait > Duration::from_secs(10) && wait <= Duration::from_secs(20));
        assert!(limiter.check("b").is_ok(), "keys are separate");
    }
}
