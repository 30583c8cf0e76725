//! Personal data over time: erasing it when the retention period of the district's
//! rules has passed (个人信息保护法 第十九条、第四十七条), and the reasoned export of
//! it (see [`crate::export`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::deadline::{Retention, Rule};
use gongdao_domain::division::DivisionCode;
use gongdao_store::audit::{self, NewAuditEntry};
use gongdao_store::privacy::{self, Finished};

use gongdao_domain::auth::{Actor, Permission};
use gongdao_domain::privacy::ExportReason;
use serde::{Deserialize, Serialize};

use crate::rules::RuleBook;
use crate::{ServiceError, Services};

/// Asking an export for personal data in the clear (ID numbers and phones in full):
/// only a role that may see them, and only with a reason, which the audit entry keeps.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonalExport {
    /// `true`: ID numbers and phones unmasked (needs `view_personal_data` and a reason).
    #[param(value_type = Option<bool>)]
    pub personal: Option<String>,
    /// Why the data leaves the platform (4 to 200 characters), kept in the audit log.
    #[param(max_length = 200)]
    pub reason: Option<String>,
}

impl PersonalExport {
    /// Whether the actor may export personal data in the clear at all (with a reason).
    pub fn allowed(actor: &Actor) -> bool {
        actor.can(Permission::ExportNetwork) && actor.can(Permission::ViewPersonalData)
    }

    /// None for a masked export; the reason for an unmasked one the actor may make.
    pub fn parse(&self, actor: &Actor) -> Result<Option<ExportReason>, ServiceError> {
        match self.personal.as_deref().map(str::trim).unwrap_or_default() {
            "" | "false" | "0" | "off" => Ok(None),
            "true" | "1" | "on" => {
                actor.require(Permission::ViewPersonalData)?;
                Ok(Some(ExportReason::parse("reason", self.reason.as_deref())?))
            }
            _ => Err(ServiceError::field("personal", "“是否导出完整个人信息”应为 true 或 false")),
        }
    }
}

/// Candidates read at a time.
const PAGE: u64 = 200;

/// What one run erased, by district.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    pub matters: u64,
    pub mediation_cases: u64,
    pub legal_aid_cases: u64,
    pub bookings: u64,
}

impl Erased {
    pub fn total(&self) -> u64 {
        self.matters + self.mediation_cases + self.legal_aid_cases + self.bookings
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Matter,
    MediationCase,
    LegalAidCase,
    Booking,
}

impl Kind {
    fn rule(self, r: &Retention) -> &Rule {
        match self {
            Kind::Matter | Kind::Booking => &r.matters,
            Kind::MediationCase => &r.mediation,
            Kind::LegalAidCase => &r.legal_aid,
        }
    }
}

/// The oldest a piece of work can have finished and still be kept under any district's
/// rules: the search for what is due starts below it. None: nothing is ever erased.
fn search_bound(book: &RuleBook, kind: Kind, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    book.sets()
        .filter_map(|r| r.deadlines.retention.as_ref())
        .map(|r| kind.rule(r).period.at_least_days())
        .min()
        .map(|days| now - Duration::days(days - 1))
}

impl Services {
    /// Erases the personal data of every finished matter, mediation case, legal aid case and booking
    /// whose retention period under its district's rules has passed; one audit entry per
    /// district says how many. Safe to run on several instances at once.
    pub async fn erase_expired_personal_data(&self) -> Result<BTreeMap<DivisionCode, Erased>, ServiceError> {
        let book = self.rules().await?;
        let now = self.now();
        let mut out: BTreeMap<DivisionCode, Erased> = BTreeMap::new();
        for kind in [Kind::Matter, Kind::MediationCase, Kind::LegalAidCase, Kind::Booking] {
            let Some(before) = search_bound(&book, kind, now) else { continue };
            let mut after = 0;
            loop {
                let reader = self.store().reader();
                let page = match kind {
                    Kind::Matter => privacy::closed_matters(reader, before, after, PAGE).await?,
                    Kind::MediationCase => privacy::closed_mediation_cases(reader, before, after, PAGE).await?,
                    Kind::LegalAidCase => privacy::closed_legal_aid_cases(reader, before, after, PAGE).await?,
                    Kind::Booking => privacy::old_bookings(reader, before, after, PAGE).await?,
                };
                let Some(last) = page.last() else { break };
                after = last.id;
                let tx = self.store().begin().await?;
                for Finished { id, region, finished_at } in page {
                    let Some(region) = DivisionCode::from_db(region) else { continue };
                    let rules = book.for_region(region);
                    let Some(retention) = &rules.deadlines.retention else { continue };
                    if Retention::erase_after(kind.rule(retention), &rules.calendar, finished_at) > now {
                        continue;
                    }
                    let erased = match kind {
                        Kind::Matter => privacy::erase_matter(&tx, self.cipher(), id, now).await?,
                        Kind::MediationCase => privacy::erase_mediation_case(&tx, self.cipher(), id, now).await?,
                        Kind::LegalAidCase => privacy::erase_legal_aid_case(&tx, self.cipher(), id, now).await?,
                        Kind::Booking => privacy::erase_booking(&tx, self.cipher(), id, now).await?,
                    };
                    if erased {
                        let district = region.ancestor_at(gongdao_domain::division::RegionLevel::District);
                        let count = out.entry(district.unwrap_or(self.config().home_region)).or_default();
                        match kind {
                            Kind::Matter => count.matters += 1,
                            Kind::MediationCase => count.mediation_cases += 1,
                            Kind::LegalAidCase => count.legal_aid_cases += 1,
                            Kind::Booking => count.bookings += 1,
                        }
                    }
                }
                tx.commit().await?;
            }
        }
        if !out.is_empty() {
            let tx = self.store().begin().await?;
            for (district, n) in &out {
                let source = book
                    .for_region(*district)
                    .deadlines
                    .retention
                    .as_ref()
                    .map(|r| r.matters.source.clone())
                    .unwrap_or_default();
                audit::append(
                    &tx,
                    &NewAuditEntry {
                        at: now,
                        actor_id: None,
                        actor_name: "系统".into(),
                        ip: String::new(),
                        scope: *district,
                        action: AuditAction::Erase,
                        object_type: AuditObject::ServiceRequest,
                        object_id: None,
                        summary: format!(
                            "按保存期限清除个人信息：服务事项{}件、调解案件{}件、法律援助案件{}件、预约{}条（依据：{source}）",
                            n.matters, n.mediation_cases, n.legal_aid_cases, n.bookings
                        ),
                        changes: None,
                    },
                )
                .await?;
            }
            tx.commit().await?;
        }
        Ok(out)
    }
}
