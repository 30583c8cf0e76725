//! People's mediation (人民调解). (Filled in below.)

use chrono::{DateTime, Utc};
use gongdao_store::ConnectionTrait;

use crate::{ServiceError, Services};

/// Reminds the parties before the judicial-confirmation window closes.
pub const CONFIRMATION_JOB: &str = "judicial_confirmation";

impl Services {
    pub(crate) async fn confirmation_reminder(
        &self,
        _conn: &impl ConnectionTrait,
        _case: i64,
        _now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        Ok(())
    }
}
