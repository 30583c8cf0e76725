//! 诚信档案 (issue 21): one archive per institution and per legal service worker
//! (规划 六(十六): “一机构一档、一人员一档”, coverage 100 %), made with the directory
//! record. Entries are typed and dated, each with its source and who recorded it, and
//! only ever added: a correction is a new entry naming the one it corrects. What is
//! required of an archive (a licence, last year's annual assessment) and the credit
//! rating — a documented formula from a 1,000-point base whose weights and thresholds
//! are district data (`data/archives/credit.toml`) — are pure functions here.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::calendar::ConfigError;
use crate::network::{InstitutionType, PersonType};
use crate::{FieldError, ValidationErrors, text};

crate::code_enum! {
    /// Whose archive.
    pub enum ArchiveKind: "档案类型" {
        Institution => ("institution", "机构"),
        Person => ("person", "人员"),
    }
}

crate::code_enum! {
    /// What an entry records.
    pub enum EntryKind: "档案条目类型" {
        Licence => ("licence", "执业许可"),
        LicenceEvent => ("licence_event", "执业变更"),
        AnnualAssessment => ("annual_assessment", "年度考核"),
        Training => ("training", "培训"),
        Reward => ("reward", "表彰奖励"),
        Complaint => ("complaint", "投诉"),
        Discipline => ("discipline", "行业处分或行政处罚"),
        Oath => ("oath", "宣誓"),
        ServiceDays => ("service_days", "基层服务天数"),
        Correction => ("correction", "更正"),
    }
}

crate::code_enum! {
    /// 年度考核 results.
    pub enum Assessment: "考核结果" {
        Competent => ("competent", "称职"),
        BasicallyCompetent => ("basically_competent", "基本称职"),
        Incompetent => ("incompetent", "不称职"),
    }
}

crate::code_enum! {
    /// Association sanctions (行业处分) and administrative penalties (行政处罚).
    pub enum Sanction: "处分或处罚" {
        Admonition => ("admonition", "训诫"),
        AssociationWarning => ("association_warning", "警告（行业处分）"),
        CircularCriticism => ("circular_criticism", "通报批评"),
        PublicCensure => ("public_censure", "公开谴责"),
        MembershipSuspended => ("membership_suspended", "中止会员权利"),
        MembershipRevoked => ("membership_revoked", "取消会员资格"),
        Warning => ("warning", "警告（行政处罚）"),
        Fine => ("fine", "罚款"),
        Confiscation => ("confiscation", "没收违法所得"),
        PracticeSuspended => ("practice_suspended", "停止执业"),
        LicenceRevoked => ("licence_revoked", "吊销执业证书"),
    }
}

/// Whether a person of this type keeps an integrity archive (the legal service types).
pub fn person_keeps_archive(t: PersonType) -> bool {
    matches!(
        t,
        PersonType::Lawyer
            | PersonType::TraineeLawyer
            | PersonType::Notary
            | PersonType::GrassrootsLegalWorker
            | PersonType::LegalAidStaff
            | PersonType::Mediator
            | PersonType::VillageLegalAdvisor
            | PersonType::JudicialOfficeStaff
    )
}

/// Whether an archive of this subject must hold a licence and a yearly assessment.
pub fn licensed_person(t: PersonType) -> bool {
    matches!(t, PersonType::Lawyer | PersonType::Notary | PersonType::GrassrootsLegalWorker)
}

pub fn licensed_institution(t: InstitutionType) -> bool {
    matches!(
        t,
        InstitutionType::LawFirm
            | InstitutionType::NotaryOffice
            | InstitutionType::AppraisalInstitution
            | InstitutionType::GrassrootsLegalOffice
    )
}

/// One entry as stored and shown.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Entry {
    pub id: i64,
    #[schema(value_type = String)]
    pub kind: EntryKind,
    pub kind_label: String,
    pub occurred_on: NaiveDate,
    pub title: String,
    pub detail: Option<String>,
    /// Where it comes from (a decision's number, a certificate, a letter).
    pub source: String,
    #[schema(value_type = Option<String>)]
    pub assessment: Option<Assessment>,
    #[schema(value_type = Option<String>)]
    pub sanction: Option<Sanction>,
    /// A sanction's or licence event's period.
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    pub days: Option<i64>,
    /// The entry this one corrects.
    pub corrects: Option<i64>,
    /// A complaint's matter.
    pub request_id: Option<i64>,
    pub recorded_by: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

/// An entry as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct EntryInput {
    #[serde(default)]
    pub kind: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub occurred_on: String,
    #[serde(default)]
    pub title: String,
    pub detail: Option<String>,
    #[serde(default)]
    pub source: String,
    /// For an annual assessment: `competent`, `basically_competent`, `incompetent`.
    pub assessment: Option<String>,
    /// For a discipline: the sanction's code.
    pub sanction: Option<String>,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    /// For service days.
    pub days: Option<i64>,
    /// For a correction: the id of the entry corrected.
    pub corrects: Option<i64>,
    /// For a complaint: the matter's id.
    pub request_id: Option<i64>,
    /// For a complaint: the matter's number (事项编号) instead of its id, as staff
    /// know it from the receipt.
    pub request_number: Option<String>,
}

/// An entry that passed its checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEntry {
    pub kind: EntryKind,
    pub occurred_on: NaiveDate,
    pub title: String,
    pub detail: Option<String>,
    pub source: String,
    pub assessment: Option<Assessment>,
    pub sanction: Option<Sanction>,
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    pub days: Option<i64>,
    pub corrects: Option<i64>,
    pub request_id: Option<i64>,
}

fn date(errors: &mut ValidationErrors, field: &str, label: &str, v: Option<&str>) -> Option<NaiveDate> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => errors.check(crate::network::parse_date(field, label, s)),
    }
}

impl EntryInput {
    /// Checks an entry for an archive whose subject was licensed on `licensed_on` (the
    /// first licence entry), as of `today`: every bad field named.
    pub fn check(&self, licensed_on: Option<NaiveDate>, today: NaiveDate) -> Result<NewEntry, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = errors.check(EntryKind::parse_field("kind", &self.kind));
        let occurred = match self.occurred_on.trim() {
            "" => {
                errors.push(FieldError::new("occurred_on", "请填写日期"));
                None
            }
            s => errors.check(crate::network::parse_date("occurred_on", "日期", s)),
        };
        if let Some(d) = occurred {
            if d > today {
                errors.push(FieldError::new("occurred_on", "日期不能晚于今天：档案只记已经发生的事"));
            }
            if let (Some(l), Some(k)) = (licensed_on, kind)
                && d < l
                && !matches!(k, EntryKind::Licence | EntryKind::Training | EntryKind::Reward | EntryKind::Correction)
            {
                errors.push(FieldError::new("occurred_on", format!("日期早于取得执业许可的日期（{l}），请核对")));
            }
        }
        let title = errors.check(text::required("title", "事项", &self.title, 100));
        let detail = errors.check(text::optional_multiline("detail", "说明", self.detail.as_deref(), 2000)).flatten();
        let source = errors.check(text::required("source", "来源（文号、证书或来函）", &self.source, 100));
        let assessment = match (kind, self.assessment.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
            (Some(EntryKind::AnnualAssessment), None) => {
                errors.push(FieldError::new("assessment", "请选择考核结果"));
                None
            }
            (Some(EntryKind::AnnualAssessment), Some(a)) => errors.check(Assessment::parse_field("assessment", a)),
            (_, Some(_)) => {
                errors.push(FieldError::new("assessment", "只有年度考核才填写考核结果"));
                None
            }
            _ => None,
        };
        let sanction = match (kind, self.sanction.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
            (Some(EntryKind::Discipline), None) => {
                errors.push(FieldError::new("sanction", "请选择处分或处罚的种类"));
                None
            }
            (Some(EntryKind::Discipline), Some(s)) => errors.check(Sanction::parse_field("sanction", s)),
            (_, Some(_)) => {
                errors.push(FieldError::new("sanction", "只有行业处分或行政处罚才选择种类"));
                None
            }
            _ => None,
        };
        let from = date(&mut errors, "period_from", "起始日期", self.period_from.as_deref());
        let to = date(&mut errors, "period_to", "截止日期", self.period_to.as_deref());
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            errors.push(FieldError::new("period_to", "截止日期不能早于起始日期"));
        }
        let days = match (kind, self.days) {
            (Some(EntryKind::ServiceDays), None) => {
                errors.push(FieldError::new("days", "请填写服务天数"));
                None
            }
            (Some(EntryKind::ServiceDays), Some(d)) if !(1..=366).contains(&d) => {
                errors.push(FieldError::new("days", "服务天数应为1到366天"));
                None
            }
            (_, d) => d,
        };
        if kind == Some(EntryKind::Correction) && self.corrects.is_none() {
            errors.push(FieldError::new("corrects", "更正要写明更正的是哪一条"));
        }
        if kind.is_some_and(|k| k != EntryKind::Correction) && self.corrects.is_some() {
            errors.push(FieldError::new("corrects", "只有更正条目才指向另一条"));
        }
        errors.into_result()?;
        Ok(NewEntry {
            kind: kind.expect("checked"),
            occurred_on: occurred.expect("checked"),
            title: title.expect("checked"),
            detail,
            source: source.expect("checked"),
            assessment,
            sanction,
            period_from: from,
            period_to: to,
            days,
            corrects: self.corrects,
            request_id: self.request_id,
        })
    }
}

/// Whether a discipline is in force on `day` (its period has not ended; without an
/// end it stays in force for the publicity period of one year).
pub fn in_force(e: &Entry, day: NaiveDate) -> bool {
    if e.kind != EntryKind::Discipline {
        return false;
    }
    let from = e.period_from.unwrap_or(e.occurred_on);
    let to = e.period_to.unwrap_or_else(|| from.checked_add_months(chrono::Months::new(12)).unwrap_or(from));
    from <= day && day <= to
}

/// The entries no later entry corrects.
pub fn standing(entries: &[Entry]) -> Vec<&Entry> {
    entries
        .iter()
        .filter(|e| !entries.iter().any(|c| c.kind == EntryKind::Correction && c.corrects == Some(e.id)))
        .collect()
}

/// A licence's standing as the public sees it.
pub fn licence_status(licensed: bool, entries: &[Entry], today: NaiveDate) -> &'static str {
    if !licensed {
        return "无需执业许可";
    }
    let standing = standing(entries);
    if standing.iter().any(|e| e.sanction == Some(Sanction::LicenceRevoked)) {
        return "执业证书已吊销";
    }
    if standing.iter().any(|e| e.sanction == Some(Sanction::PracticeSuspended) && in_force(e, today)) {
        return "停止执业期间";
    }
    if standing.iter().any(|e| e.kind == EntryKind::Licence) { "执业中" } else { "未登记执业许可" }
}

/// What an archive lacks on `today`: a licence, and the annual assessment of the year
/// before (due once the subject has been licensed for a whole year).
pub fn missing(licensed: bool, entries: &[Entry], today: NaiveDate) -> Vec<String> {
    if !licensed {
        return Vec::new();
    }
    let standing = standing(entries);
    let mut out = Vec::new();
    let licence = standing.iter().filter(|e| e.kind == EntryKind::Licence).map(|e| e.occurred_on).min();
    match licence {
        None => out.push("执业许可".to_string()),
        Some(l) => {
            let last_year = today.year() - 1;
            let assessed =
                standing.iter().any(|e| e.kind == EntryKind::AnnualAssessment && e.occurred_on.year() >= last_year);
            if l.year() < last_year && !assessed {
                out.push(format!("{last_year}年度考核"));
            }
        }
    }
    out
}

/// The credit formula's weights and thresholds (data a district may change).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditRules {
    pub source: String,
    pub base: i64,
    pub reward: i64,
    pub reward_cap: i64,
    pub complaint: i64,
    pub per_legal_aid_case: i64,
    pub legal_aid_cap: i64,
    /// Points for each service given on duty, up to `duty_service_cap` (公益服务).
    pub per_duty_service: i64,
    pub duty_service_cap: i64,
    pub per_ten_service_days: i64,
    /// Points per percentage point of satisfaction above (or below) `satisfaction_par`.
    pub per_satisfaction_point: f64,
    pub satisfaction_par: f64,
    pub assessment: std::collections::BTreeMap<String, i64>,
    pub sanction: std::collections::BTreeMap<String, i64>,
    /// (grade, minimum score), best first.
    pub grades: Vec<(String, i64)>,
}

impl CreditRules {
    pub fn shipped() -> CreditRules {
        Self::parse(include_str!("../../../data/archives/credit.toml")).expect("the shipped credit rules parse")
    }

    pub fn parse(text: &str) -> Result<CreditRules, ConfigError> {
        let r: CreditRules = toml::from_str(text).map_err(|e| ConfigError(format!("信用评价规则有误：{e}")))?;
        for code in r.sanction.keys() {
            if Sanction::from_code(code).is_none() {
                return Err(ConfigError(format!("信用评价规则：处分种类“{code}”不存在")));
            }
        }
        for code in r.assessment.keys() {
            if Assessment::from_code(code).is_none() {
                return Err(ConfigError(format!("信用评价规则：考核结果“{code}”不存在")));
            }
        }
        if r.grades.is_empty() || r.grades.windows(2).any(|w| w[0].1 <= w[1].1) {
            return Err(ConfigError("信用评价规则：等级须从高到低排列，分数线递减".into()));
        }
        Ok(r)
    }
}

/// What the formula reads besides the entries: figures computed from operations.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Operations {
    pub legal_aid_cases: i64,
    /// Pro bono work: legal help given on duty at a station (值班律师法律帮助).
    pub duty_services: i64,
    /// Satisfaction of the ratings attributed (None without ratings).
    pub satisfaction: Option<f64>,
}

/// A credit score with its grade and how it was reached, line by line.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Credit {
    pub score: i64,
    pub grade: String,
    /// (what, points), for the record of how the score was reached.
    pub reasons: Vec<(String, i64)>,
}

/// The credit score of an archive on `today` from its standing entries and operations.
pub fn credit(rules: &CreditRules, entries: &[Entry], ops: Operations, today: NaiveDate) -> Credit {
    let standing = standing(entries);
    let mut reasons = vec![("基础分".to_string(), rules.base)];
    let rewards = standing.iter().filter(|e| e.kind == EntryKind::Reward).count() as i64;
    if rewards > 0 {
        reasons.push((format!("表彰奖励 {rewards} 项"), (rewards * rules.reward).min(rules.reward_cap)));
    }
    let complaints = standing.iter().filter(|e| e.kind == EntryKind::Complaint).count() as i64;
    if complaints > 0 {
        reasons.push((format!("经查实的投诉 {complaints} 件"), complaints * rules.complaint));
    }
    if ops.legal_aid_cases > 0 {
        reasons.push((
            format!("承办法律援助案件 {} 件", ops.legal_aid_cases),
            (ops.legal_aid_cases * rules.per_legal_aid_case).min(rules.legal_aid_cap),
        ));
    }
    if ops.duty_services > 0 {
        reasons.push((
            format!("值班律师法律帮助 {} 次", ops.duty_services),
            (ops.duty_services * rules.per_duty_service).min(rules.duty_service_cap),
        ));
    }
    let days: i64 = standing.iter().filter(|e| e.kind == EntryKind::ServiceDays).filter_map(|e| e.days).sum();
    if days >= 10 {
        reasons.push((format!("基层服务 {days} 天"), days / 10 * rules.per_ten_service_days));
    }
    if let Some(s) = ops.satisfaction {
        let points = ((s - rules.satisfaction_par) * 100.0 * rules.per_satisfaction_point).round() as i64;
        reasons.push((format!("群众满意率 {:.1}%", s * 100.0), points));
    }
    let latest_assessment =
        standing.iter().filter(|e| e.kind == EntryKind::AnnualAssessment).max_by_key(|e| e.occurred_on);
    if let Some(a) = latest_assessment.and_then(|e| e.assessment) {
        let points = rules.assessment.get(a.code()).copied().unwrap_or(0);
        if points != 0 {
            reasons.push((format!("最近一次年度考核：{}", a.label()), points));
        }
    }
    for e in standing.iter().filter(|e| e.kind == EntryKind::Discipline) {
        let Some(s) = e.sanction else { continue };
        let points = rules.sanction.get(s.code()).copied().unwrap_or(0);
        // A sanction weighs fully while in force and half for three years after.
        let ended = !in_force(e, today);
        let old = e.occurred_on.checked_add_months(chrono::Months::new(48)).is_some_and(|d| d < today);
        if old {
            continue;
        }
        let points = if ended { points / 2 } else { points };
        reasons.push((format!("{}（{}）", s.label(), e.occurred_on), points));
    }
    let score: i64 = reasons.iter().map(|(_, p)| p).sum();
    let grade = rules
        .grades
        .iter()
        .find(|(_, min)| score >= *min)
        .or(rules.grades.last())
        .map(|(g, _)| g.clone())
        .unwrap_or_default();
    Credit { score, grade, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn entry(id: i64, kind: EntryKind, on: &str) -> Entry {
        Entry {
            id,
            kind,
            kind_label: kind.label().into(),
            occurred_on: day(on),
            title: String::new(),
            detail: None,
            source: "x".into(),
            assessment: None,
            sanction: None,
            period_from: None,
            period_to: None,
            days: None,
            corrects: None,
            request_id: None,
            recorded_by: String::new(),
            recorded_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn bad_entries_are_refused_naming_each_field() {
        let today = day("2026-12-07");
        let fields = |i: &EntryInput, licensed: Option<NaiveDate>| -> Vec<String> {
            i.check(licensed, today).unwrap_err().0.into_iter().map(|e| e.field).collect()
        };
        let before_licence = EntryInput {
            kind: "complaint".into(),
            occurred_on: "2019-05-01".into(),
            title: "当事人投诉".into(),
            source: "来信".into(),
            ..Default::default()
        };
        assert_eq!(fields(&before_licence, Some(day("2020-01-01"))), vec!["occurred_on"]);
        let backwards = EntryInput {
            kind: "discipline".into(),
            occurred_on: "2025-03-01".into(),
            title: "违规收费".into(),
            source: "吉律协处字〔2025〕3号".into(),
            sanction: Some("public_censure".into()),
            period_from: Some("2025-03-01".into()),
            period_to: Some("2025-01-01".into()),
            ..Default::default()
        };
        assert_eq!(fields(&backwards, None), vec!["period_to"]);
        let future = EntryInput { occurred_on: "2027-01-01".into(), ..before_licence.clone() };
        assert_eq!(fields(&future, None), vec!["occurred_on"]);
        assert_eq!(fields(&EntryInput::default(), None), vec!["kind", "occurred_on", "title", "source"]);
        let no_sanction = EntryInput { sanction: None, ..backwards.clone() };
        assert!(fields(&no_sanction, None).contains(&"sanction".to_string()));
        let correction = EntryInput { kind: "correction".into(), ..before_licence.clone() };
        assert_eq!(fields(&correction, None), vec!["corrects"]);
    }

    #[test]
    fn a_licensed_archive_needs_its_licence_and_last_years_assessment() {
        let today = day("2026-12-07");
        assert_eq!(missing(true, &[], today), vec!["执业许可"]);
        assert!(missing(false, &[], today).is_empty(), "a mediator needs no licence");
        let licence = entry(1, EntryKind::Licence, "2018-06-01");
        assert_eq!(missing(true, std::slice::from_ref(&licence), today), vec!["2025年度考核"]);
        let mut assessed = entry(2, EntryKind::AnnualAssessment, "2026-03-15");
        assessed.assessment = Some(Assessment::Competent);
        assert!(missing(true, &[licence.clone(), assessed.clone()], today).is_empty());
        // A corrected licence no longer counts.
        let mut correction = entry(3, EntryKind::Correction, "2026-04-01");
        correction.corrects = Some(1);
        assert_eq!(missing(true, &[licence, assessed, correction], today), vec!["执业许可"]);
        // Licensed this year: no assessment owed yet.
        assert!(missing(true, &[entry(4, EntryKind::Licence, "2026-02-01")], today).is_empty());
    }

    #[test]
    fn the_credit_formula_on_hand_made_archives() {
        let rules = CreditRules::shipped();
        let today = day("2026-12-07");
        let base = credit(&rules, &[], Operations::default(), today);
        assert_eq!((base.score, base.grade.as_str()), (rules.base, "AA"));
        let mut censure = entry(1, EntryKind::Discipline, "2026-06-01");
        censure.sanction = Some(Sanction::PublicCensure);
        let rewards: Vec<Entry> = (10..20).map(|i| entry(i, EntryKind::Reward, "2025-01-01")).collect();
        let mut entries = rewards.clone();
        entries.push(censure.clone());
        let ops = Operations { legal_aid_cases: 100, duty_services: 3, satisfaction: Some(0.95) };
        let c = credit(&rules, &entries, ops, today);
        let expected = rules.base
            + rules.reward_cap
            + rules.legal_aid_cap
            + 3 * rules.per_duty_service
            + (5.0 * rules.per_satisfaction_point).round() as i64
            + rules.sanction["public_censure"];
        assert_eq!(c.score, expected, "{:?}", c.reasons);
        assert!(c.reasons.iter().any(|(what, _)| what == "值班律师法律帮助 3 次"), "{:?}", c.reasons);
        // Pro bono work counts up to its cap.
        let many = Operations { duty_services: 1_000, ..Operations::default() };
        assert_eq!(credit(&rules, &[], many, today).score, rules.base + rules.duty_service_cap);
        // Ended, the sanction weighs half; four years on, not at all.
        let later = credit(&rules, std::slice::from_ref(&censure), Operations::default(), day("2027-12-07"));
        assert_eq!(later.score, rules.base + rules.sanction["public_censure"] / 2);
        let gone = credit(&rules, &[censure], Operations::default(), day("2030-12-07"));
        assert_eq!(gone.score, rules.base);
        let mut revoked = entry(2, EntryKind::Discipline, "2026-11-01");
        revoked.sanction = Some(Sanction::LicenceRevoked);
        let worst = credit(&rules, &[revoked], Operations::default(), today);
        assert_eq!(worst.grade, rules.grades.last().unwrap().0);
    }
}
