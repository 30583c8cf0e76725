//! Per-address limits on the routes that need no login (filing a matter, booking,
//! following or cancelling one; the law search and pages). Each instance keeps a
//! keyed GCRA limiter (governor: a sharded map, so one address never waits on
//! another's lock); idle addresses are forgotten by a background sweep, not on the
//! request path. On PostgreSQL, where several instances share the database, each
//! allowed request is also counted in the database's window counters, so the limit
//! holds for the installation rather than per instance. (SQLite is one instance by
//! construction, and the local limiter is then the whole truth.)

use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

use gongdao_services::ServiceError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

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

impl Limit {
    fn quota(self) -> Quota {
        let burst = NonZeroU32::new(self.burst.clamp(1.0, 1e6) as u32).unwrap_or(NonZeroU32::MIN);
        // No refill at all is a period longer than any test or day.
        let period = if self.per_second > 0.0 {
            Duration::from_secs_f64(1.0 / self.per_second.min(1e6))
        } else {
            Duration::from_secs(365 * 86_400)
        };
        Quota::with_period(period).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN)).allow_burst(burst)
    }

    /// The same allowance as a count over a minute, for the shared database counters.
    fn per_minute(self) -> i64 {
        (self.burst + self.per_second * 60.0).ceil() as i64
    }
}

/// The window of the shared counters.
const SHARED_WINDOW_SECS: i64 = 60;

/// Which allowance a route draws on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allowance {
    /// Filing, booking, following and cancelling.
    Public,
    /// The law search, the Q&A and the law pages (people read several in a row).
    Laws,
}

impl Allowance {
    fn name(self) -> &'static str {
        match self {
            Allowance::Public => "public",
            Allowance::Laws => "laws",
        }
    }
}

/// The instance's limiters, one per allowance.
pub struct Limiters {
    public: DefaultKeyedRateLimiter<String>,
    laws: DefaultKeyedRateLimiter<String>,
    /// Count in the database too (instances share it).
    shared: bool,
}

impl Limiters {
    pub fn new(public: Limit, laws: Limit, shared: bool) -> Arc<Limiters> {
        let limiters = Arc::new(Limiters {
            public: RateLimiter::keyed(public.quota()),
            laws: RateLimiter::keyed(laws.quota()),
            shared,
        });
        // Forget addresses whose allowance is full again, once a minute.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let weak: Weak<Limiters> = Arc::downgrade(&limiters);
            runtime.spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    let Some(l) = weak.upgrade() else { break };
                    l.forget_idle();
                }
            });
        }
        limiters
    }

    fn limiter(&self, allowance: Allowance) -> &DefaultKeyedRateLimiter<String> {
        match allowance {
            Allowance::Public => &self.public,
            Allowance::Laws => &self.laws,
        }
    }

    /// Takes one request of `key`'s allowance here; the seconds to wait when none is left.
    pub fn take(&self, allowance: Allowance, key: &str) -> Result<(), u64> {
        self.limiter(allowance)
            .check_key(&key.to_string())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()).as_secs().max(1))
    }

    /// Drops the state of addresses that have their whole allowance back.
    pub fn forget_idle(&self) {
        for l in [&self.public, &self.laws] {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    /// Addresses remembered (for the tests of the sweep).
    pub fn remembered(&self) -> usize {
        self.public.len() + self.laws.len()
    }
}

/// Refuses the request with 429 when the address has used its allowance: on this
/// instance first (no database work for a flood), then, with shared counters, on the
/// installation.
pub async fn check(state: &AppState, allowance: Allowance, ip: &str) -> Result<(), ServiceError> {
    let limiters = &state.limiters;
    if let Err(wait) = limiters.take(allowance, ip) {
        return Err(ServiceError::TooManyRequests { retry_after_secs: wait as i64 });
    }
    if limiters.shared {
        let limit = match allowance {
            Allowance::Public => state.web.public_limit,
            Allowance::Laws => state.web.law_limit,
        };
        let key = format!("{}:{ip}", allowance.name());
        state.services.public_allowance(&key, limit.per_minute(), SHARED_WINDOW_SECS).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_per_address_and_allowance() {
        let limit = Limit { burst: 3.0, per_second: 0.0 };
        let l = Limiters::new(limit, limit, false);
        for _ in 0..3 {
            assert!(l.take(Allowance::Public, "a").is_ok());
        }
        let wait = l.take(Allowance::Public, "a").unwrap_err();
        assert!(wait > 60, "no refill: a long wait ({wait} s)");
        assert!(l.take(Allowance::Public, "b").is_ok(), "addresses are limited separately");
        assert!(l.take(Allowance::Laws, "a").is_ok(), "and allowances too");
    }

    #[test]
    fn full_allowances_are_forgotten() {
        let l = Limiters::new(Limit { burst: 5.0, per_second: 1e6 }, Limit::default(), false);
        for i in 0..1000 {
            l.take(Allowance::Public, &format!("10.0.{}.{}", i / 256, i % 256)).unwrap();
        }
        assert_eq!(l.remembered(), 1000);
        std::thread::sleep(Duration::from_millis(5));
        l.forget_idle();
        assert_eq!(l.remembered(), 0, "every allowance refilled within microseconds");
    }

    #[test]
    fn a_minute_of_allowance() {
        assert_eq!(Limit { burst: 30.0, per_second: 1.0 }.per_minute(), 90);
    }
}
