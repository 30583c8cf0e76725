//! Duty lawyers (值班律师, 法律援助法 第三十、三十七、三十九条): stations kept by a legal
//! aid centre in scope, a month's roster drawn in turn over the district's working days,
//! each service recorded by the lawyer on duty, counts per station and month. Reviewers
//! keep stations and rosters; lawyers and reviewers record services; whoever sees
//! requests sees the figures.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission};
use gongdao_domain::calendar::from_china_local;
use gongdao_domain::error::ValidationErrors;
use gongdao_domain::ids::InstitutionId;
use gongdao_domain::legal_aid::duty::{
    DutyCounts, DutyService, DutyServiceKind, DutyStation, RosterEntry, ServiceFacts, Stage, StationPlace,
    check_service, draw_roster,
};
use gongdao_domain::network::InstitutionType;
use gongdao_domain::{FieldError, text};
use gongdao_store::duty::{self, NewService, NewStation};
use gongdao_store::{ConnectionTrait, institutions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Event as AuditEvent;
use crate::{ServiceError, Services};

/// A new duty station.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct StationInput {
    #[serde(default)]
    pub name: String,
    /// `court`, `procuratorate`, `detention` or `police`.
    #[serde(default)]
    pub place: String,
    /// The legal aid centre that keeps it.
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub centre_id: Option<String>,
    #[serde(default)]
    pub address: String,
}

/// A month's roster to draw: who takes turns, how many a working day.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct RosterInput {
    /// `YYYY-MM`.
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub person_ids: Vec<i64>,
    /// Lawyers on duty each working day [default 1].
    pub per_day: Option<u32>,
}

/// A service given at a station.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct ServiceInput {
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub station_id: Option<String>,
    /// The lawyer on duty who gave it.
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub person_id: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub served_on: String,
    /// What was done: `advice`, `procedure`, `change_measure`, `opinion`,
    /// `plea_signing`, `meeting`, `forwarded`.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// `investigation`, `prosecution` or `trial`.
    #[serde(default)]
    pub stage: String,
    /// The suspect or defendant served (sealed).
    pub client_name: Option<String>,
    pub note: Option<String>,
    /// With `forwarded`: when the application from custody was received and passed on
    /// (`YYYY-MM-DDTHH:MM`, China time).
    pub received_at: Option<String>,
    pub forwarded_at: Option<String>,
}

/// A station's month: each day with who is on duty.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RosterMonth {
    pub station: DutyStation,
    pub month: String,
    pub days: Vec<RosterDay>,
    /// Who may be put on the roster.
    pub lawyers: Vec<DutyLawyer>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RosterDay {
    #[schema(value_type = String, format = Date)]
    pub day: NaiveDate,
    pub workday: bool,
    pub on_duty: Vec<RosterEntry>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DutyLawyer {
    pub id: i64,
    pub name: String,
}

fn id_field(field: &str, label: &str, v: &Option<String>) -> Result<i64, FieldError> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| FieldError::new(field, format!("请选择{label}")))?
        .parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| FieldError::new(field, format!("{label}编号不正确")))
}

/// `YYYY-MM` → its first and last day.
pub fn parse_month(field: &str, s: &str) -> Result<(NaiveDate, NaiveDate), FieldError> {
    let first = NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&d.year()))
        .ok_or_else(|| FieldError::new(field, "月份格式应为 2026-12"))?;
    let next = first.checked_add_months(chrono::Months::new(1)).expect("a month within range");
    Ok((first, next.pred_opt().expect("a day within range")))
}

/// A time as a form sends it (`2026-12-04T10:30`, China time) or as RFC 3339.
fn parse_time(field: &str, label: &str, s: Option<&str>) -> Result<Option<chrono::DateTime<chrono::Utc>>, FieldError> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.to_utc()));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| Some(from_china_local(t)))
        .ok_or_else(|| FieldError::new(field, format!("{label}格式应为 2026-12-04 10:30")))
}

impl Services {
    /// The duty stations in scope.
    pub async fn duty_stations(&self, actor: &Actor) -> Result<Vec<DutyStation>, ServiceError> {
        actor.require(Permission::ViewRequests)?;
        Ok(duty::stations(self.store().reader(), actor.scope).await?)
    }

    /// Opens a duty station kept by a legal aid centre in scope (its region is the
    /// centre's).
    pub async fn create_duty_station(&self, actor: &Actor, input: &StationInput) -> Result<DutyStation, ServiceError> {
        actor.require(Permission::ReviewLegalAid)?;
        let mut errors = ValidationErrors::new();
        let name = errors.check(text::required("name", "工作站名称", &input.name, 60));
        let place = errors.check(StationPlace::parse_field("place", &input.place));
        let centre_id = errors.check(id_field("centre_id", "法律援助中心", &input.centre_id));
        let address = errors.check(text::optional("address", "地址", Some(&input.address), 120)).flatten();
        errors.into_result()?;
        let (name, place, centre_id) = (name.expect("checked"), place.expect("checked"), centre_id.expect("checked"));
        let tx = self.store().begin().await?;
        let centre = institutions::get(&tx, actor.scope, InstitutionId(centre_id))
            .await?
            .filter(|i| i.kind == InstitutionType::LegalAidCenter)
            .ok_or_else(|| ServiceError::field("centre_id", "请选择您管辖范围内的法律援助中心"))?;
        let new = NewStation {
            name: name.clone(),
            place,
            region: centre.region,
            centre_id,
            address: address.unwrap_or_default(),
        };
        let id = match duty::insert_station(&tx, new, self.now()).await {
            Err(e) if e.is_unique_on("name") || e.is_unique_on("duty_stations") => {
                return Err(ServiceError::field("name", "已有同名的值班工作站"));
            }
            r => r?,
        };
        self.audit(
            &tx,
            actor,
            AuditEvent::new(
                AuditAction::Create,
                AuditObject::DutyStation,
                id,
                centre.region,
                format!("设立值班律师工作站 {name}"),
            ),
        )
        .await?;
        tx.commit().await?;
        duty::station(self.store().reader(), actor.scope, id).await?.ok_or(ServiceError::NotFound("值班工作站"))
    }

    async fn station_in_scope(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> Result<DutyStation, ServiceError> {
        duty::station(conn, actor.scope, id).await?.ok_or(ServiceError::NotFound("值班工作站"))
    }

    /// A station's month of duty (`YYYY-MM`, this month when not given), day by day, with
    /// who may be put on it.
    pub async fn duty_roster(
        &self,
        actor: &Actor,
        station_id: i64,
        month: Option<&str>,
    ) -> Result<RosterMonth, ServiceError> {
        actor.require(Permission::ViewRequests)?;
        let this_month = self.today().format("%Y-%m").to_string();
        let month = month.map(str::trim).filter(|m| !m.is_empty()).unwrap_or(&this_month);
        let (first, last) = parse_month("month", month)?;
        let conn = self.store().reader();
        let station = self.station_in_scope(conn, actor, station_id).await?;
        let entries = duty::roster(conn, station_id, first, last).await?;
        let book = self.rules().await?;
        let calendar = &book.for_region(station.region).calendar;
        let mut days = Vec::new();
        let mut day = first;
        while day <= last {
            days.push(RosterDay {
                day,
                workday: calendar.is_workday(day),
                on_duty: entries.iter().filter(|e| e.day == day).cloned().collect(),
            });
            day = day.succ_opt().expect("a day within range");
        }
        let lawyers = self.duty_lawyers(actor).await?;
        Ok(RosterMonth { station, month: first.format("%Y-%m").to_string(), days, lawyers })
    }

    /// Draws a month's roster in turn (see [`draw_roster`]) and puts it in place of what
    /// the month had. Only lawyers in scope; not for a month already past.
    pub async fn draw_duty_roster(
        &self,
        actor: &Actor,
        station_id: i64,
        input: &RosterInput,
    ) -> Result<RosterMonth, ServiceError> {
        actor.require(Permission::ReviewLegalAid)?;
        let mut errors = ValidationErrors::new();
        let month = errors.check(parse_month("month", &input.month));
        let per_day = input.per_day.unwrap_or(1);
        if !(1..=10).contains(&per_day) {
            errors.push(FieldError::new("per_day", "每天值班人数应为 1 到 10 人"));
        }
        if input.person_ids.is_empty() {
            errors.push(FieldError::new("person_ids", "请至少选择一名值班律师"));
        }
        let today = self.today();
        if let Some((_, last)) = month
            && last < today
        {
            errors.push(FieldError::new("month", "不能为已经过去的月份排班"));
        }
        errors.into_result()?;
        let (first, last) = month.expect("checked");
        let tx = self.store().begin().await?;
        let station = self.station_in_scope(&tx, actor, station_id).await?;
        let allowed: Vec<i64> = duty::duty_lawyers(&tx, actor.scope).await?.into_iter().map(|(id, _)| id).collect();
        let mut people = input.person_ids.clone();
        people.sort_unstable();
        people.dedup();
        if people.iter().any(|p| !allowed.contains(p)) {
            return Err(ServiceError::field("person_ids", "所选人员不是您管辖范围内的律师或法律援助人员"));
        }
        // Days already past keep the roster they had: only today onwards is redrawn.
        let from = first.max(today);
        let carried = duty::shifts_before(&tx, station_id, from).await?;
        let book = self.rules().await?;
        let calendar = &book.for_region(station.region).calendar;
        let shifts = draw_roster(calendar, from, last, &people, per_day as usize, &carried);
        duty::replace_roster(&tx, station_id, from, last, &shifts).await?;
        self.audit(
            &tx,
            actor,
            AuditEvent::new(
                AuditAction::Update,
                AuditObject::DutyStation,
                station_id,
                station.region,
                format!(
                    "{} {} 排班：{} 人轮值，每天 {per_day} 人，共 {} 班",
                    station.name,
                    input.month.trim(),
                    people.len(),
                    shifts.len()
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        self.duty_roster(actor, station_id, Some(&first.format("%Y-%m").to_string())).await
    }

    /// Records a service given by the lawyer on duty at a station in scope.
    pub async fn record_duty_service(&self, actor: &Actor, input: &ServiceInput) -> Result<DutyService, ServiceError> {
        actor.require(Permission::HandleLegalAid)?;
        let mut errors = ValidationErrors::new();
        let station_id = errors.check(id_field("station_id", "值班工作站", &input.station_id));
        let person_id = errors.check(id_field("person_id", "值班律师", &input.person_id));
        let served_on = errors.check(gongdao_domain::network::parse_date("served_on", "服务日期", &input.served_on));
        let mut kinds = Vec::new();
        for k in &input.kinds {
            if let Some(k) = errors.check(DutyServiceKind::parse_field("kinds", k))
                && !kinds.contains(&k)
            {
                kinds.push(k);
            }
        }
        if input.kinds.is_empty() {
            errors.push(FieldError::new("kinds", "请至少选择一项服务内容"));
        }
        let stage = errors.check(Stage::parse_field("stage", &input.stage));
        let client_name =
            errors.check(text::optional("client_name", "受援人姓名", input.client_name.as_deref(), 40)).flatten();
        let note = errors.check(text::optional("note", "服务情况", input.note.as_deref(), 1000)).flatten();
        let received_at =
            errors.check(parse_time("received_at", "收到申请时间", input.received_at.as_deref())).flatten();
        let forwarded_at =
            errors.check(parse_time("forwarded_at", "转交时间", input.forwarded_at.as_deref())).flatten();
        errors.into_result()?;
        let (station_id, person_id, served_on, stage) = (
            station_id.expect("checked"),
            person_id.expect("checked"),
            served_on.expect("checked"),
            stage.expect("checked"),
        );
        let tx = self.store().begin().await?;
        let station = self
            .station_in_scope(&tx, actor, station_id)
            .await
            .map_err(|_| ServiceError::field("station_id", "值班工作站不存在或不在您的管辖范围内"))?;
        let on_roster = duty::on_roster(&tx, station_id, served_on, person_id).await?;
        let facts = ServiceFacts { served_on, kinds: kinds.clone(), stage, received_at, forwarded_at, on_roster };
        let late = check_service(&facts, self.today())?;
        let id = duty::insert_services(
            &tx,
            self.cipher(),
            vec![NewService {
                station_id,
                region: station.region,
                person_id,
                served_on,
                kinds: kinds.clone(),
                stage,
                client_name,
                note,
                received_at: facts.received_at,
                forwarded_at: facts.forwarded_at,
                forwarded_late: late,
            }],
            Some(actor.user_id.0),
            self.now(),
        )
        .await?
        .expect("one row written");
        let what: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
        self.audit(
            &tx,
            actor,
            AuditEvent::new(
                AuditAction::Create,
                AuditObject::DutyService,
                id,
                station.region,
                format!("{} {served_on} 值班律师服务：{}", station.name, what.join("、")),
            ),
        )
        .await?;
        tx.commit().await?;
        duty::service(self.store().reader(), self.cipher(), actor.scope, id)
            .await?
            .ok_or(ServiceError::NotFound("值班律师服务记录"))
    }

    /// Who may stand duty: lawyers and legal aid staff in scope.
    pub async fn duty_lawyers(&self, actor: &Actor) -> Result<Vec<DutyLawyer>, ServiceError> {
        actor.require(Permission::ViewRequests)?;
        Ok(duty::duty_lawyers(self.store().reader(), actor.scope)
            .await?
            .into_iter()
            .map(|(id, name)| DutyLawyer { id, name })
            .collect())
    }

    /// Services in scope (of one station), newest first.
    pub async fn duty_services(
        &self,
        actor: &Actor,
        station_id: Option<i64>,
        page: &crate::network::PageQuery,
    ) -> Result<(Vec<DutyService>, u64), ServiceError> {
        actor.require(Permission::ViewRequests)?;
        let page = page.parse()?;
        if let Some(id) = station_id {
            self.station_in_scope(self.store().reader(), actor, id).await?;
        }
        Ok(duty::services(self.store().reader(), self.cipher(), actor.scope, station_id, page).await?)
    }

    /// Services per station and month, and by what was done, over a period.
    pub async fn duty_counts(&self, actor: &Actor, from: NaiveDate, to: NaiveDate) -> Result<DutyCounts, ServiceError> {
        actor.require(Permission::ViewRequests)?;
        Ok(duty::counts(self.store().reader(), actor.scope, from, to).await?)
    }
}
