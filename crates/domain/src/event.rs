//! Events: legal education and itinerant services (规划 三(三)、五(十四)) — 普法宣传,
//! 巡回服务, 法律服务大集, 法治课堂 … — with their day, place, organisers and audience.
//! An event is planned or held; one dated after today cannot be reported as held. The
//! key dates an event falls on come from the district's plan (data, not code).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::division::DivisionCode;
use crate::error::{FieldError, ValidationErrors};
use crate::ids::InstitutionId;
use crate::network::{number_or_text, parse_date};
use crate::{RegionLevel, text};

crate::code_enum! {
    /// What kind of event it was.
    pub enum EventKind: "活动类型" {
        LegalEducation => ("legal_education", "普法宣传"),
        Itinerant => ("itinerant", "巡回服务"),
        ServiceFair => ("service_fair", "法律服务大集"),
        RuleOfLawClass => ("rule_of_law_class", "乡村振兴法治课堂"),
        EnterpriseCheckup => ("enterprise_checkup", "企业法治体检"),
        ConstitutionOath => ("constitution_oath", "宪法宣誓"),
        ElectionService => ("election_service", "村（社区）选举法律服务"),
    }
}

impl EventKind {
    /// Whether the event takes legal services out to the people (counted on key dates,
    /// 规划 三(三)): itinerant services, service fairs and legal education.
    pub fn goes_out(self) -> bool {
        matches!(self, EventKind::LegalEducation | EventKind::Itinerant | EventKind::ServiceFair)
    }
}

/// An event as stored and shown.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Event {
    pub id: i64,
    #[schema(value_type = String)]
    pub kind: EventKind,
    pub title: String,
    pub held_on: NaiveDate,
    /// The township or village it took place in.
    #[schema(value_type = String)]
    pub region: DivisionCode,
    pub region_name: String,
    #[schema(value_type = Option<i64>)]
    pub institution_id: Option<InstitutionId>,
    pub institution_name: Option<String>,
    /// Who ran it (names, free text).
    pub organisers: String,
    /// How many people came.
    pub audience: i64,
    pub topic: String,
    /// Held (true) or still planned.
    pub held: bool,
    /// The plan's key dates it falls on.
    pub key_dates: Vec<String>,
    /// Consultations taken at it (service requests of channel `itinerant`).
    pub consultations: i64,
}

/// An event as typed into the form or the JSON body.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct EventInput {
    /// An event kind code, e.g. `itinerant`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub held_on: String,
    /// Twelve-digit code of a township or a village.
    #[serde(default)]
    pub region: String,
    /// The organising institution, inside the caller's scope.
    #[serde(default, deserialize_with = "number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub institution_id: Option<String>,
    #[serde(default)]
    pub organisers: String,
    #[serde(default, deserialize_with = "number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub audience: Option<String>,
    #[serde(default)]
    pub topic: String,
    /// Already held (true) or planned (false, the default).
    #[serde(default)]
    pub held: Option<bool>,
}

/// A checked event.
#[derive(Clone, Debug, PartialEq)]
pub struct EventDraft {
    pub kind: EventKind,
    pub title: String,
    pub held_on: NaiveDate,
    pub region: DivisionCode,
    pub institution_id: Option<InstitutionId>,
    pub organisers: String,
    pub audience: i64,
    pub topic: String,
    pub held: bool,
}

/// Why an event dated after today cannot be held yet.
pub const NOT_YET: &str = "活动日期在今天之后，不能登记为已举办；可先登记为计划中的活动，举办后再确认";

impl EventInput {
    pub fn parse(&self, today: NaiveDate) -> Result<EventDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = errors.check(EventKind::parse_field("kind", &self.kind));
        let title = errors.check(text::required("title", "活动名称", &self.title, 60));
        let held_on = errors.check(parse_date("held_on", "活动日期", &self.held_on));
        let held = self.held.unwrap_or(false);
        if let Some(d) = held_on
            && held
            && d > today
        {
            errors.push(FieldError::new("held_on", NOT_YET));
        }
        let region = match errors.check(DivisionCode::parse("region", &self.region)) {
            Some(r) if r.level() < RegionLevel::Township => {
                errors.push(FieldError::new("region", "请选择活动所在的乡镇（街道）或村（社区）"));
                None
            }
            other => other,
        };
        let institution_id = errors
            .check(crate::ids::optional_id("institution_id", "主办机构", self.institution_id.as_deref()))
            .map(|id| id.map(InstitutionId));
        let organisers = errors.check(text::optional("organisers", "参加人员", Some(&self.organisers), 200));
        let audience = match self.audience.as_deref().map(str::trim) {
            None | Some("") => Some(0),
            Some(s) => errors.check(
                s.parse::<i64>()
                    .ok()
                    .filter(|n| (0..=1_000_000).contains(n))
                    .ok_or_else(|| FieldError::new("audience", "受众人数应为 0 到 1000000 之间的整数")),
            ),
        };
        let topic = errors.check(text::optional("topic", "主题", Some(&self.topic), 200));
        errors.into_result()?;
        Ok(EventDraft {
            kind: kind.expect("checked"),
            title: title.expect("checked"),
            held_on: held_on.expect("checked"),
            region: region.expect("checked"),
            institution_id: institution_id.expect("checked"),
            organisers: organisers.flatten().unwrap_or_default(),
            audience: audience.expect("checked"),
            topic: topic.flatten().unwrap_or_default(),
            held,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> EventInput {
        EventInput {
            kind: "itinerant".into(),
            title: "宪法宣传周巡回服务".into(),
            held_on: "2026-12-04".into(),
            region: "220802100000".into(),
            audience: Some("120".into()),
            held: Some(true),
            ..Default::default()
        }
    }

    #[test]
    fn an_event_in_the_future_is_planned_not_held() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert!(input().parse(today).unwrap().held);
        let future = EventInput { held_on: "2026-12-20".into(), ..input() };
        let e = future.parse(today).unwrap_err();
        assert_eq!(e.0[0].field, "held_on");
        assert!(!EventInput { held: Some(false), ..future }.parse(today).unwrap().held);
    }

    #[test]
    fn bad_fields_are_named() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let bad = EventInput {
            kind: "party".into(),
            title: String::new(),
            region: "220802000000".into(),
            audience: Some("-3".into()),
            ..input()
        };
        let mut fields: Vec<String> = bad.parse(today).unwrap_err().0.into_iter().map(|f| f.field).collect();
        fields.sort();
        assert_eq!(fields, ["audience", "kind", "region", "title"]);
        assert!(EventKind::Itinerant.goes_out() && !EventKind::RuleOfLawClass.goes_out());
    }
}
