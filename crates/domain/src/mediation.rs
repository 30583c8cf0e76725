//! People's mediation (人民调解, 人民调解法): a case from application or referral,
//! acceptance, mediation sessions, and an outcome — an agreement (调解协议书, with the
//! matters of 第二十九条) or a failure with guidance to arbitration or litigation
//! (第二十六条) — then the optional judicial confirmation within thirty days of the
//! agreement taking effect (第三十三条) and the follow-up on its performance
//! (第三十一条). The case file keeps the registration, the work record and the
//! agreement (第二十七条).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::network::Gender;
use crate::{DivisionCode, FieldError, IdNumber, PhoneNumber, ValidationErrors, text};

crate::code_enum! {
    /// 纠纷类型
    pub enum DisputeType: "纠纷类型" {
        MarriageFamily => ("marriage_family", "婚姻家庭"),
        Neighbourhood => ("neighbourhood", "邻里纠纷"),
        Contract => ("contract", "合同纠纷"),
        Damages => ("damages", "损害赔偿"),
        Labour => ("labour", "劳动争议"),
        LandContract => ("land_contract", "土地承包"),
        Expropriation => ("expropriation", "征地拆迁"),
        PropertyManagement => ("property_management", "物业纠纷"),
        Medical => ("medical", "医疗纠纷"),
        Other => ("other", "其他"),
    }
}

crate::code_enum! {
    /// 案件来源
    pub enum CaseSource: "案件来源" {
        Application => ("application", "当事人申请"),
        Referral => ("referral", "委托移送"),
        Proactive => ("proactive", "主动调解"),
    }
}

crate::code_enum! {
    /// 调解案件状态
    pub enum CaseStatus: "案件状态" {
        Applied => ("applied", "待受理"),
        Refused => ("refused", "不予受理"),
        Mediating => ("mediating", "调解中"),
        Agreed => ("agreed", "调解成功"),
        Failed => ("failed", "调解不成"),
        Closed => ("closed", "已结案"),
    }
}

crate::code_enum! {
    /// 当事人身份
    pub enum PartyRole: "当事人身份" {
        Applicant => ("applicant", "申请人"),
        Respondent => ("respondent", "被申请人"),
    }
}

crate::code_enum! {
    /// 司法确认
    pub enum Confirmation: "司法确认" {
        None => ("none", "未申请"),
        Applied => ("applied", "已申请"),
        Confirmed => ("confirmed", "已确认有效"),
        Rejected => ("rejected", "确认无效"),
    }
}

crate::code_enum! {
    /// 履行情况
    pub enum Performance: "履行情况" {
        Pending => ("pending", "待履行"),
        Performed => ("performed", "已履行"),
        Partial => ("partial", "部分履行"),
        NotPerformed => ("not_performed", "未履行"),
    }
}

/// A party as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct PartyInput {
    /// `applicant` or `respondent`.
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub name: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub address: Option<String>,
    /// `male` or `female`; read from the ID number when one is given.
    pub gender: Option<String>,
    /// Age in years; read from the ID number when one is given.
    #[serde(default, deserialize_with = "crate::network::number_or_text")]
    #[schema(value_type = Option<u32>)]
    pub age: Option<String>,
    /// 民族, e.g. 汉族.
    pub ethnicity: Option<String>,
    /// 职业或职务.
    pub occupation: Option<String>,
    /// 工作单位.
    pub employer: Option<String>,
}

/// A party as registered: what 人民调解法 第二十九条 asks the agreement to state.
#[derive(Clone, Debug, PartialEq)]
pub struct PartyDraft {
    pub role: PartyRole,
    pub name: String,
    pub phone: Option<PhoneNumber>,
    pub id_number: Option<IdNumber>,
    pub address: Option<String>,
    pub gender: Option<Gender>,
    /// Kept as the year of birth, so the age on any later document is right.
    pub birth_year: Option<i32>,
    pub ethnicity: Option<String>,
    pub occupation: Option<String>,
    pub employer: Option<String>,
}

/// A case as typed at registration (调解登记).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct CaseInput {
    /// Id of the 人民调解委员会.
    #[serde(default, deserialize_with = "crate::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub committee_id: Option<String>,
    #[serde(default)]
    pub dispute_type: String,
    #[serde(default)]
    pub source: String,
    /// A service request this case comes from, if any.
    #[serde(default, deserialize_with = "crate::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub request_id: Option<String>,
    /// 纠纷简要情况.
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub parties: Vec<PartyInput>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CaseDraft {
    pub committee_id: i64,
    pub dispute_type: DisputeType,
    pub source: CaseSource,
    pub request_id: Option<i64>,
    pub summary: String,
    pub parties: Vec<PartyDraft>,
}

fn optional_id(errors: &mut ValidationErrors, field: &str, label: &str, v: &Option<String>) -> Option<i64> {
    errors.check(crate::ids::optional_id(field, label, v.as_deref())).flatten()
}

impl CaseInput {
    pub fn parse(&self, today: NaiveDate) -> Result<CaseDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let committee_id = optional_id(&mut errors, "committee_id", "调解委员会", &self.committee_id);
        if committee_id.is_none() && !errors.0.iter().any(|e| e.field == "committee_id") {
            errors.push(FieldError::new("committee_id", "请选择人民调解委员会"));
        }
        let dispute_type = errors.check(DisputeType::parse_field("dispute_type", &self.dispute_type));
        let source = errors.check(CaseSource::parse_field("source", &self.source));
        let request_id = optional_id(&mut errors, "request_id", "服务事项", &self.request_id);
        let summary =
            errors.check(text::optional_multiline("summary", "纠纷简要情况", Some(&self.summary), 4000)).flatten();
        if summary.is_none() && !errors.0.iter().any(|e| e.field == "summary") {
            errors.push(FieldError::new("summary", "请填写纠纷简要情况"));
        }
        let mut parties = Vec::new();
        for (i, p) in self.parties.iter().enumerate() {
            let f = |name: &str| format!("parties[{i}].{name}");
            let role = errors.check(PartyRole::parse_field(&f("role"), &p.role));
            let name = errors.check(text::required(&f("name"), "当事人姓名", &p.name, 30));
            let phone = match p.phone.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) => errors.check(PhoneNumber::parse_personal(&f("phone"), s)),
            };
            let id_number = match p.id_number.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) => errors.check(IdNumber::parse(&f("id_number"), s, today)),
            };
            let address = errors.check(text::optional(&f("address"), "住址", p.address.as_deref(), 120)).flatten();
            let typed_gender = match p.gender.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(g) => errors.check(Gender::parse_field(&f("gender"), g)),
            };
            let typed_age = match p.age.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(a) => errors.check(
                    a.parse::<i32>()
                        .ok()
                        .filter(|a| (1..=120).contains(a))
                        .ok_or_else(|| FieldError::new(f("age"), "年龄应为1到120之间的整数")),
                ),
            };
            // The ID number says gender and birth; a typed value that contradicts it
            // is a mistake in one of them.
            let (gender, birth_year) = match &id_number {
                Some(id) => {
                    let g = if id.is_male() { Gender::Male } else { Gender::Female };
                    if typed_gender.is_some_and(|t| t != g) {
                        errors.push(FieldError::new(f("gender"), "性别与身份证号码不一致"));
                    }
                    (Some(g), Some(id.birth_year()))
                }
                None => (typed_gender, typed_age.map(|a| today.year() - a)),
            };
            let ethnicity = errors.check(text::optional(&f("ethnicity"), "民族", p.ethnicity.as_deref(), 10)).flatten();
            let occupation =
                errors.check(text::optional(&f("occupation"), "职业或职务", p.occupation.as_deref(), 30)).flatten();
            let employer =
                errors.check(text::optional(&f("employer"), "工作单位", p.employer.as_deref(), 60)).flatten();
            if let (Some(role), Some(name)) = (role, name) {
                parties.push(PartyDraft {
                    role,
                    name,
                    phone,
                    id_number,
                    address,
                    gender,
                    birth_year,
                    ethnicity,
                    occupation,
                    employer,
                });
            }
        }
        if !errors.0.iter().any(|e| e.field.starts_with("parties")) {
            if !parties.iter().any(|p| p.role == PartyRole::Applicant) {
                errors.push(FieldError::new("parties", "请至少填写一名申请人"));
            }
            if !parties.iter().any(|p| p.role == PartyRole::Respondent) {
                errors.push(FieldError::new("parties", "请至少填写一名被申请人"));
            }
        }
        errors.into_result()?;
        Ok(CaseDraft {
            committee_id: committee_id.expect("checked"),
            dispute_type: dispute_type.expect("checked"),
            source: source.expect("checked"),
            request_id,
            summary: summary.expect("checked"),
            parties,
        })
    }
}

/// A mediation session (调解工作记录).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct SessionInput {
    /// YYYY-MM-DD
    #[serde(default)]
    pub date: String,
    /// HH:MM
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub place: String,
    /// The mediators present.
    #[serde(default)]
    pub mediators: String,
    /// The parties present.
    #[serde(default)]
    pub present: String,
    /// What was said and done.
    #[serde(default)]
    pub record: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SessionDraft {
    pub held_at: NaiveDateTime,
    pub place: String,
    pub mediators: String,
    pub present: String,
    pub record: String,
}

impl SessionInput {
    pub fn parse(&self, today: NaiveDate) -> Result<SessionDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let date = errors.check(crate::network::parse_date("date", "调解日期", &self.date));
        if let Some(d) = date
            && d > today
        {
            errors.push(FieldError::new("date", "调解日期不能晚于今天"));
        }
        let time = match self.time.trim() {
            "" => Some(NaiveTime::from_hms_opt(9, 0, 0).expect("valid")),
            t => errors.check(
                NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| FieldError::new("time", "时间应为 HH:MM 格式")),
            ),
        };
        let place = errors.check(text::required("place", "调解地点", &self.place, 60));
        let mediators = errors.check(text::required("mediators", "调解员", &self.mediators, 100));
        let present = errors.check(text::required("present", "到场当事人", &self.present, 200));
        let record =
            errors.check(text::optional_multiline("record", "调解情况记录", Some(&self.record), 8000)).flatten();
        if record.is_none() && !errors.0.iter().any(|e| e.field == "record") {
            errors.push(FieldError::new("record", "请填写调解情况记录（人民调解法第二十七条）"));
        }
        errors.into_result()?;
        Ok(SessionDraft {
            held_at: date.expect("checked").and_time(time.expect("checked")),
            place: place.expect("checked"),
            mediators: mediators.expect("checked"),
            present: present.expect("checked"),
            record: record.expect("checked"),
        })
    }
}

/// An agreement with the matters of 人民调解法 第二十九条.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct AgreementInput {
    /// 纠纷的主要事实、争议事项以及各方当事人的责任.
    #[serde(default)]
    pub facts: String,
    /// 当事人达成调解协议的内容.
    #[serde(default)]
    pub terms: String,
    /// 履行的方式、期限.
    #[serde(default)]
    pub performance: String,
    /// The day the parties and the mediator signed (the agreement takes effect then).
    #[serde(default)]
    pub signed_on: String,
    /// An oral agreement (第二十八条, 第三十条) instead of a written one.
    #[serde(default)]
    pub oral: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AgreementDraft {
    pub facts: String,
    pub terms: String,
    pub performance: String,
    pub signed_on: NaiveDate,
    pub oral: bool,
}

impl AgreementInput {
    pub fn parse(&self, today: NaiveDate) -> Result<AgreementDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let long = |errors: &mut ValidationErrors, field: &str, label: &str, v: &str| {
            let r = errors.check(text::optional_multiline(field, label, Some(v), 8000)).flatten();
            if r.is_none() && !errors.0.iter().any(|e| e.field == field) {
                errors.push(FieldError::new(field, format!("请填写{label}（人民调解法第二十九条）")));
            }
            r
        };
        let facts = long(&mut errors, "facts", "纠纷的主要事实、争议事项及各方责任", &self.facts);
        let terms = long(&mut errors, "terms", "调解协议的内容", &self.terms);
        let performance = long(&mut errors, "performance", "履行的方式和期限", &self.performance);
        let signed_on = errors.check(crate::network::parse_date("signed_on", "签订日期", &self.signed_on));
        if let Some(d) = signed_on
            && d > today
        {
            errors.push(FieldError::new("signed_on", "签订日期不能晚于今天"));
        }
        errors.into_result()?;
        Ok(AgreementDraft {
            facts: facts.expect("checked"),
            terms: terms.expect("checked"),
            performance: performance.expect("checked"),
            signed_on: signed_on.expect("checked"),
            oral: self.oral.unwrap_or(false),
        })
    }
}

/// A party as shown, personal data masked.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Party {
    pub id: i64,
    pub role: PartyRole,
    pub name: String,
    pub phone_masked: Option<String>,
    pub id_masked: Option<String>,
    pub address: Option<String>,
    pub gender: Option<Gender>,
    pub birth_year: Option<i32>,
    pub ethnicity: Option<String>,
    pub occupation: Option<String>,
    pub employer: Option<String>,
}

impl Party {
    /// The party as 人民调解协议书 states them (人民调解法 第二十九条): name, gender,
    /// ethnicity, age, occupation, employer or address; what is not on record is left
    /// as a line to fill in by hand.
    pub fn agreement_line(&self, on: NaiveDate) -> String {
        let blank = "＿＿＿＿";
        let or_blank = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| blank.into());
        let age = self.birth_year.map(|y| format!("{}岁", on.year() - y)).unwrap_or_else(|| format!("{blank}岁"));
        let place = match (&self.employer, &self.address) {
            (Some(e), Some(a)) => format!("工作单位{e}，住{a}"),
            (Some(e), None) => format!("工作单位{e}"),
            (None, Some(a)) => format!("住{a}"),
            (None, None) => format!("住{blank}"),
        };
        format!(
            "{}：{}，{}，{}，{}，{}，{}",
            self.role.label(),
            self.name,
            self.gender.map(|g| g.label().to_string()).unwrap_or_else(|| format!("性别{blank}")),
            or_blank(&self.ethnicity),
            age,
            or_blank(&self.occupation),
            place
        )
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Session {
    pub id: i64,
    pub held_at: DateTime<Utc>,
    pub place: String,
    pub mediators: String,
    pub present: String,
    pub record: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Agreement {
    pub facts: String,
    pub terms: String,
    pub performance: String,
    pub signed_on: NaiveDate,
    pub oral: bool,
    /// 生效日期.
    pub effective_on: NaiveDate,
    /// The last day to apply jointly for judicial confirmation (第三十三条).
    pub confirmation_due: NaiveDate,
}

/// A mediation case with its file.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct MediationCase {
    pub id: i64,
    /// e.g. （2026）洮北调字第0001号.
    pub number: String,
    pub committee_id: i64,
    pub committee_name: String,
    pub region: DivisionCode,
    pub dispute_type: DisputeType,
    pub source: CaseSource,
    pub request_id: Option<i64>,
    pub summary: String,
    pub status: CaseStatus,
    pub applied_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub refused_reason: Option<String>,
    pub failure_guidance: Option<String>,
    pub agreement: Option<Agreement>,
    pub confirmation: Confirmation,
    pub confirmation_court: Option<String>,
    pub performance: Performance,
    pub performance_note: Option<String>,
    pub parties: Vec<Party>,
    pub sessions: Vec<Session>,
    pub version: i64,
}

/// A dispute screening campaign (矛盾纠纷排查) and what it found per village.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Screening {
    pub id: i64,
    pub title: String,
    pub region: DivisionCode,
    pub region_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub findings: Vec<Finding>,
    pub total: i64,
    pub resolved: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Finding {
    pub id: i64,
    pub village: DivisionCode,
    pub village_name: String,
    pub dispute_type: DisputeType,
    pub count: i32,
    pub resolved: i32,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct ScreeningInput {
    #[serde(default)]
    pub title: String,
    /// Division code of the area screened.
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct FindingInput {
    /// Twelve-digit code of the village or community.
    #[serde(default)]
    pub village: String,
    #[serde(default)]
    pub dispute_type: String,
    #[serde(default, deserialize_with = "crate::network::number_or_text")]
    #[schema(value_type = Option<i32>)]
    pub count: Option<String>,
    #[serde(default, deserialize_with = "crate::network::number_or_text")]
    #[schema(value_type = Option<i32>)]
    pub resolved: Option<String>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FindingDraft {
    pub village: DivisionCode,
    pub dispute_type: DisputeType,
    pub count: i32,
    pub resolved: i32,
    pub note: Option<String>,
}

impl FindingInput {
    pub fn parse(&self) -> Result<FindingDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let village = errors.check(DivisionCode::parse("village", &self.village));
        if let Some(v) = village
            && v.level() != crate::RegionLevel::Village
        {
            errors.push(FieldError::new("village", "请选择村（社区）"));
        }
        let dispute_type = errors.check(DisputeType::parse_field("dispute_type", &self.dispute_type));
        let number = |errors: &mut ValidationErrors, field: &str, label: &str, v: &Option<String>| match v
            .as_deref()
            .map(str::trim)
        {
            None | Some("") => Some(0),
            Some(s) => errors.check(
                s.parse::<i32>()
                    .ok()
                    .filter(|n| (0..=10_000).contains(n))
                    .ok_or_else(|| FieldError::new(field, format!("{label}应为0到10000之间的整数"))),
            ),
        };
        let count = number(&mut errors, "count", "排查发现的纠纷数", &self.count);
        let resolved = number(&mut errors, "resolved", "已化解数", &self.resolved);
        if let (Some(c), Some(r)) = (count, resolved)
            && r > c
        {
            errors.push(FieldError::new("resolved", "已化解数不能多于发现数"));
        }
        if count == Some(0) && !errors.0.iter().any(|e| e.field == "count") {
            errors.push(FieldError::new("count", "请填写排查发现的纠纷数"));
        }
        let note = errors.check(text::optional("note", "备注", self.note.as_deref(), 200)).flatten();
        errors.into_result()?;
        Ok(FindingDraft {
            village: village.expect("checked"),
            dispute_type: dispute_type.expect("checked"),
            count: count.expect("checked"),
            resolved: resolved.expect("checked"),
            note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    #[test]
    fn a_case_needs_both_sides() {
        let input = CaseInput {
            committee_id: Some("5".into()),
            dispute_type: "neighbourhood".into(),
            source: "application".into(),
            summary: "两家因宅基地边界发生争执".into(),
            parties: vec![PartyInput { role: "applicant".into(), name: "甲".into(), ..Default::default() }],
            ..Default::default()
        };
        let e = input.parse(today()).unwrap_err();
        assert!(e.message_for("parties").unwrap().contains("被申请人"));
        let mut ok = input.clone();
        ok.parties.push(PartyInput {
            role: "respondent".into(),
            name: "乙".into(),
            phone: Some("13800001111".into()),
            ..Default::default()
        });
        let d = ok.parse(today()).unwrap();
        assert_eq!(d.parties.len(), 2);
        let mut bad = ok.clone();
        bad.parties[1].phone = Some("123".into());
        assert!(bad.parse(today()).unwrap_err().message_for("parties[1].phone").is_some());
    }

    #[test]
    fn agreements_carry_the_matters_of_article_29() {
        let e = AgreementInput { signed_on: "2026-11-28".into(), ..Default::default() }.parse(today()).unwrap_err();
        for f in ["facts", "terms", "performance"] {
            assert!(e.message_for(f).unwrap().contains("第二十九条"), "{f}");
        }
        let future = AgreementInput {
            facts: "a".into(),
            terms: "b".into(),
            performance: "c".into(),
            signed_on: "2026-12-30".into(),
            oral: None,
        };
        assert!(future.parse(today()).unwrap_err().message_for("signed_on").is_some());
    }

    #[test]
    fn findings_are_counts_per_village() {
        let f = FindingInput {
            village: "220802100201".into(),
            dispute_type: "land_contract".into(),
            count: Some("3".into()),
            resolved: Some("5".into()),
            note: None,
        };
        assert!(f.parse().unwrap_err().message_for("resolved").is_some());
        let g = FindingInput { village: "220802100000".into(), ..f };
        assert!(g.parse().unwrap_err().message_for("village").is_some());
    }
}
