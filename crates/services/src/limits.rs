//! Limits that must hold across every instance on one database, kept in the store's
//! window counters: wrong answers to a citizen's lookup (a matter's number or a
//! booking's code with the last four digits of a phone) per looked-up object, whatever
//! the address, so four digits cannot be guessed from many addresses; and the public
//! routes' per-address allowance when several instances share PostgreSQL.

use gongdao_store::rate;

use crate::{ServiceError, Services};

/// Wrong answers allowed for one looked-up object within [`LOOKUP_WINDOW_SECS`].
pub const LOOKUP_GUESSES: i64 = 10;
pub const LOOKUP_WINDOW_SECS: i64 = 15 * 60;

impl Services {
    /// Refuses a lookup of `target` once it has been answered wrongly too often.
    pub(crate) async fn lookup_allowed(&self, target: &str) -> Result<(), ServiceError> {
        let misses = rate::peek(self.store().reader(), &lookup_key(target), LOOKUP_WINDOW_SECS, self.now()).await?;
        if misses >= LOOKUP_GUESSES {
            return Err(ServiceError::LookupLocked { minutes: LOOKUP_WINDOW_SECS / 60 });
        }
        Ok(())
    }

    /// Counts a wrong answer to a lookup of `target`.
    pub(crate) async fn lookup_missed(&self, target: &str) -> Result<(), ServiceError> {
        rate::hit(self.store().writer(), &lookup_key(target), LOOKUP_WINDOW_SECS, self.now()).await?;
        Ok(())
    }

    /// Counts one use of a public route by `key` (an action and an address) and
    /// refuses it beyond `max` within `window_secs`, across all instances.
    pub async fn public_allowance(&self, key: &str, max: i64, window_secs: i64) -> Result<(), ServiceError> {
        let n = rate::hit(self.store().writer(), &format!("public:{key}"), window_secs, self.now()).await?;
        if n > max {
            return Err(ServiceError::TooManyRequests { retry_after_secs: window_secs.min(60) });
        }
        Ok(())
    }
}

fn lookup_key(target: &str) -> String {
    format!("lookup:{target}")
}
