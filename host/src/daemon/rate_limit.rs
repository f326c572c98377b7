//! Per-tenant request rate limits: a token bucket per tenant, in this daemon's memory (each
//! daemon of a farm enforces the limit on the requests it receives).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Token buckets keyed by tenant id.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// Takes one request from the tenant's bucket (refilled at `per_second`, holding at most
    /// `burst`); `Err(wait)` when it is empty, with the time until the next token.
    pub fn check(&self, tenant: &str, per_second: u32, burst: u32) -> Result<(), Duration> {
        self.check_at(tenant, per_second, burst, Instant::now())
    }

    fn check_at(&self, tenant: &str, per_second: u32, burst: u32, now: Instant) -> Result<(), Duration> {
        let (rate, burst) = (f64::from(per_second.max(1)), f64::from(burst.max(1)));
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(tenant.to_string()).or_insert(Bucket { tokens: burst, updated: now });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        for _ in 0..5 {
            limiter.check_at("a", 10, 5, t0).unwrap();
        }
        let wait = limiter.check_at("a", 10, 5, t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        limiter.check_at("b", 10, 5, t0).expect("tenants have their own buckets");
        limiter.check_at("a", 10, 5, t0 + Duration::from_millis(100)).expect("refilled after 1/rate");
        assert!(limiter.check_at("a", 10, 5, t0 + Duration::from_millis(100)).is_err());
        for _ in 0..5 {
            limiter.check_at("a", 10, 5, t0 + Duration::from_secs(60)).expect("never above the burst");
        }
        assert!(limiter.check_at("a", 10, 5, t0 + Duration::from_secs(60)).is_err());
    }
}
