//! Per-address limits on public routes that need no login (filing a matter, following
//! one): a token bucket per client address, in memory. Each instance limits on its
//! own, which is enough to stop a single noisy client.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use gongdao_services::ServiceError;

use crate::AppState;

/// Requests an address may make in a burst, and how many return per second.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub burst: f64,
    pub per_second: f64,
}

impl Default for Limit {
    fn default() -> Self {
        Limit { burst: 30.0, per_second: 1.0 }
    }
}

#[derive(Default)]
pub struct Buckets {
    inner: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Buckets {
    /// Takes one token for `key`; false when the bucket is empty.
    pub fn take(&self, key: &str, limit: Limit) -> bool {
        let now = Instant::now();
        let mut map = self.inner.lock().expect("not poisoned");
        if map.len() > 100_000 {
            // Forget idle addresses rather than grow without bound.
            map.retain(|_, (_, at)| now.duration_since(*at).as_secs() < 600);
        }
        let (tokens, at) = map.entry(key.to_string()).or_insert((limit.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * limit.per_second).min(limit.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Refuses the request with 429 when the address has used its allowance.
pub fn check(state: &AppState, ip: &str) -> Result<(), ServiceError> {
    if state.buckets.take(ip, state.web.public_limit) {
        Ok(())
    } else {
        Err(ServiceError::TooManyRequests { retry_after_secs: 10 })
    }
}

/// Refuses a law-search request with 429 when the address has used its allowance for
/// the law pages (a separate, larger one: people look up several articles in a row).
pub fn check_laws(state: &AppState, ip: &str) -> Result<(), ServiceError> {
    if state.buckets.take(&format!("laws:{ip}"), state.web.law_limit) {
        Ok(())
    } else {
        Err(ServiceError::TooManyRequests { retry_after_secs: 5 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal() {
        let b = Buckets::default();
        let limit = Limit { burst: 3.0, per_second: 0.0 };
        assert!(b.take("a", limit) && b.take("a", limit) && b.take("a", limit));
        assert!(!b.take("a", limit));
        assert!(b.take("b", limit), "addresses are limited separately");
    }
}
