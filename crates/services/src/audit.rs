//! Writing and reading the audit trail. Every change is audited in the same
//! transaction as the change itself, so a failed request leaves neither.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use gongdao_domain::audit::{AuditAction, AuditEntry, AuditObject};
use gongdao_domain::auth::{Actor, Permission};
use gongdao_domain::network::parse_date;
use gongdao_domain::{DivisionCode, ValidationErrors};
use gongdao_store::audit::{AuditFilter, NewAuditEntry};
use gongdao_store::{ConnectionTrait, Page, audit};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{ServiceError, Services};

/// Fields that change on every write and say nothing to a reader of the trail.
const NOISE: &[&str] = &["version", "updated_at", "region_name", "institution_name"];

/// `{"field": [old, new]}` for the fields that differ between two versions of a record.
pub fn diff<T: Serialize>(old: &T, new: &T) -> Value {
    let (Ok(Value::Object(old)), Ok(Value::Object(new))) = (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Value::Null;
    };
    let mut out = Map::new();
    for (key, new_value) in &new {
        if NOISE.contains(&key.as_str()) {
            continue;
        }
        let old_value = old.get(key).cloned().unwrap_or(Value::Null);
        if &old_value != new_value {
            out.insert(key.clone(), Value::Array(vec![old_value, new_value.clone()]));
        }
    }
    Value::Object(out)
}

/// The record as created or deleted, without the noise fields.
pub fn snapshot<T: Serialize>(record: &T) -> Value {
    match serde_json::to_value(record) {
        Ok(Value::Object(mut map)) => {
            for key in NOISE {
                map.remove(*key);
            }
            Value::Object(map)
        }
        Ok(other) => other,
        Err(_) => Value::Null,
    }
}

/// What happened, to be appended by [`Services::audit`].
pub(crate) struct Event {
    pub action: AuditAction,
    pub object: AuditObject,
    pub object_id: Option<String>,
    pub scope: DivisionCode,
    pub summary: String,
    pub changes: Option<Value>,
}

impl Event {
    pub fn new(
        action: AuditAction,
        object: AuditObject,
        id: impl ToString,
        scope: DivisionCode,
        summary: impl Into<String>,
    ) -> Self {
        Event { action, object, object_id: Some(id.to_string()), scope, summary: summary.into(), changes: None }
    }

    pub fn changes(mut self, changes: Value) -> Self {
        self.changes = Some(changes);
        self
    }
}

/// Audit filters as typed into the audit page or query string.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Username of the actor.
    pub actor: Option<String>,
    /// Action code, e.g. `login_failed`.
    pub action: Option<String>,
    /// Object type code, e.g. `institution`.
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// First day, YYYY-MM-DD (China time).
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (China time), inclusive.
    pub until: Option<String>,
    /// Words in the summary.
    pub q: Option<String>,
}

fn china_midnight(date: NaiveDate) -> DateTime<Utc> {
    gongdao_domain::calendar::from_china_local(date.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

impl AuditQuery {
    fn parse(&self) -> Result<AuditFilter, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let blank = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let action = blank(&self.action).and_then(|a| errors.check(AuditAction::parse_field("action", &a)));
        let object_type =
            blank(&self.object_type).and_then(|a| errors.check(AuditObject::parse_field("object_type", &a)));
        let from = blank(&self.from).and_then(|d| errors.check(parse_date("from", "开始日期", &d)));
        let until = blank(&self.until).and_then(|d| errors.check(parse_date("until", "结束日期", &d)));
        errors.into_result()?;
        Ok(AuditFilter {
            actor: blank(&self.actor),
            action,
            object_type,
            object_id: blank(&self.object_id),
            from: from.map(china_midnight),
            until: until.map(|d| china_midnight(d + chrono::Duration::days(1))),
            text: blank(&self.q),
        })
    }
}

impl Services {
    /// Appends one audit entry on `conn` (the transaction of the change).
    pub(crate) async fn audit(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        event: Event,
    ) -> Result<(), ServiceError> {
        self.append_event(conn, Some(actor.user_id.0), &actor.username, &actor.ip, event).await
    }

    /// Records what an operator did on the command line (no account, no address).
    pub(crate) async fn audit_command(&self, conn: &impl ConnectionTrait, event: Event) -> Result<(), ServiceError> {
        self.append_event(conn, None, "命令行", "-", event).await
    }

    async fn append_event(
        &self,
        conn: &impl ConnectionTrait,
        actor_id: Option<i64>,
        actor_name: &str,
        ip: &str,
        event: Event,
    ) -> Result<(), ServiceError> {
        audit::append(
            conn,
            &NewAuditEntry {
                at: self.now(),
                actor_id,
                actor_name: actor_name.to_string(),
                ip: ip.to_string(),
                scope: event.scope,
                action: event.action,
                object_type: event.object,
                object_id: event.object_id,
                summary: event.summary,
                changes: event.changes,
            },
        )
        .await?;
        Ok(())
    }

    /// The audit trail of the actor's scope, newest first.
    pub async fn audit_log(
        &self,
        actor: &Actor,
        query: &AuditQuery,
        page: Page,
    ) -> Result<(Vec<AuditEntry>, u64), ServiceError> {
        actor.require(Permission::ViewAudit)?;
        let filter = query.parse()?;
        Ok(audit::list(self.store().reader(), actor.scope, &filter, page).await?)
    }

    /// Checks the whole audit chain, and the anchors kept in `anchor_file` when given
    /// (`gongdao audit verify`).
    pub async fn verify_audit_chain(&self, anchor_file: Option<&Path>) -> Result<audit::ChainReport, ServiceError> {
        let anchors = match anchor_file {
            Some(path) if path.exists() => read_anchors(path)?,
            _ => Vec::new(),
        };
        Ok(audit::verify(self.store().reader(), &anchors).await?)
    }

    /// Anchors the head of the chain in the database and appends it to `anchor_file`
    /// (outside the database: a rewrite of both is needed to hide a change). Done by
    /// the housekeeping loop; answers the anchored head, if it moved.
    pub async fn anchor_audit_chain(&self, anchor_file: &Path) -> Result<Option<(i64, String)>, ServiceError> {
        let now = self.now();
        let tx = self.store().begin().await?;
        let anchored = audit::anchor(&tx, now).await?;
        if let Some((seq, hash)) = &anchored {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.create(true).append(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(anchor_file)
                .map_err(|e| ServiceError::Internal(format!("{}: {e}", anchor_file.display())))?;
            writeln!(file, "{seq} {hash} {}", now.to_rfc3339())
                .map_err(|e| ServiceError::Internal(format!("{}: {e}", anchor_file.display())))?;
        }
        tx.commit().await?;
        Ok(anchored)
    }
}

/// The anchors of a file written by [`Services::anchor_audit_chain`]: `seq hash time`.
fn read_anchors(path: &Path) -> Result<Vec<(i64, String)>, ServiceError> {
    let text = std::fs::read_to_string(path).map_err(|e| ServiceError::Internal(format!("{}: {e}", path.display())))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.split_whitespace();
            match (parts.next().and_then(|s| s.parse().ok()), parts.next()) {
                (Some(seq), Some(hash)) => Ok((seq, hash.to_string())),
                _ => Err(ServiceError::Internal(format!("{}：无法识别的锚定行“{l}”", path.display()))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct R {
        name: &'static str,
        phone: Option<&'static str>,
        version: i64,
    }

    #[test]
    fn diff_lists_only_changed_fields() {
        let d = diff(&R { name: "甲", phone: None, version: 1 }, &R { name: "乙", phone: None, version: 2 });
        assert_eq!(d, serde_json::json!({"name": ["甲", "乙"]}));
        assert_eq!(
            snapshot(&R { name: "甲", phone: None, version: 1 }),
            serde_json::json!({"name": "甲", "phone": null})
        );
    }

    #[test]
    fn dates_are_china_days() {
        let q = AuditQuery { from: Some("2026-11-30".into()), until: Some("2026-11-30".into()), ..Default::default() };
        let f = q.parse().unwrap();
        assert_eq!(f.from.unwrap().to_rfc3339(), "2026-11-29T16:00:00+00:00");
        assert_eq!(f.until.unwrap().to_rfc3339(), "2026-11-30T16:00:00+00:00");
        let bad = AuditQuery { action: Some("dance".into()), ..Default::default() };
        assert!(bad.parse().unwrap_err().message_for("action").is_some());
    }
}
