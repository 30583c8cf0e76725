//! 好差评 (issue 21, first part: the rules, no storage yet). Every service is rated once
//! by the person served (国办发〔2019〕51号: “一次一评、一事一评”) on five levels, with
//! the indicators of the channel and, for a bad review, its reasons from the district's
//! list. The rules a district may change (how long an invitation stays open, the
//! indicators, the reasons) are data (`data/evaluation/rules.toml`); the levels and what
//! counts as a bad review are the national scheme's, in code.

pub mod rectification;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::calendar::ConfigError;
use crate::{FieldError, ValidationErrors};

crate::code_enum! {
    /// The five levels (5 = 非常满意).
    pub enum Level: "评价等级" {
        VerySatisfied => ("very_satisfied", "非常满意"),
        Satisfied => ("satisfied", "满意"),
        FairlySatisfied => ("fairly_satisfied", "基本满意"),
        Dissatisfied => ("dissatisfied", "不满意"),
        VeryDissatisfied => ("very_dissatisfied", "非常不满意"),
    }
}

impl Level {
    /// 1–5 as the rating page and the API send it.
    pub fn from_score(field: &str, score: i64) -> Result<Level, FieldError> {
        match score {
            5 => Ok(Level::VerySatisfied),
            4 => Ok(Level::Satisfied),
            3 => Ok(Level::FairlySatisfied),
            2 => Ok(Level::Dissatisfied),
            1 => Ok(Level::VeryDissatisfied),
            _ => Err(FieldError::new(field, "评价等级应为 1 到 5（5 为非常满意，1 为非常不满意）")),
        }
    }

    pub fn score(self) -> i64 {
        match self {
            Level::VerySatisfied => 5,
            Level::Satisfied => 4,
            Level::FairlySatisfied => 3,
            Level::Dissatisfied => 2,
            Level::VeryDissatisfied => 1,
        }
    }

    /// 不满意 and 非常不满意 are 差评: each opens a rectification.
    pub fn is_bad(self) -> bool {
        matches!(self, Level::Dissatisfied | Level::VeryDissatisfied)
    }
}

crate::code_enum! {
    /// Where the service was given, which decides the indicators rated.
    pub enum EvalChannel: "评价渠道" {
        Offline => ("offline", "窗口和工作站"),
        Hotline => ("hotline", "12348 热线"),
        Kiosk => ("kiosk", "自助终端"),
        Online => ("online", "网上"),
    }
}

impl EvalChannel {
    /// The channel a matter came in by decides what its rater is asked: a hotline call
    /// the hotline's indicators, a matter filed online or at a kiosk theirs, and every
    /// service given face to face (window, itinerant, home visit, letter) the offline set.
    pub fn of_request(channel: crate::request::Channel) -> EvalChannel {
        use crate::request::Channel as C;
        match channel {
            C::Hotline => EvalChannel::Hotline,
            C::Online => EvalChannel::Online,
            C::Kiosk => EvalChannel::Kiosk,
            C::Window | C::Itinerant | C::HomeVisit | C::Letter => EvalChannel::Offline,
        }
    }
}

crate::code_enum! {
    /// What was rated: one completed service, one evaluation.
    pub enum ServiceKind: "服务类型" {
        Request => ("request", "公共法律服务事项"),
        Mediation => ("mediation", "人民调解"),
        LegalAid => ("legal_aid", "法律援助"),
        Appointment => ("appointment", "预约服务"),
    }
}

/// One evaluation as staff see it: what was rated and how, never who rated (国办发
/// 〔2019〕51号: the rater's information is protected); `real_name` says only whether a
/// call-back is owed.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Evaluation {
    pub id: i64,
    #[schema(value_type = String)]
    pub service_kind: ServiceKind,
    pub service_id: i64,
    /// The service's number (事项编号, 案件编号).
    pub service_number: String,
    #[schema(value_type = String)]
    pub channel: EvalChannel,
    /// 1–5 (5 = 非常满意).
    pub level: i64,
    pub level_label: String,
    pub indicators: BTreeMap<String, i64>,
    /// Bad-review reasons as their labels.
    pub reasons: Vec<String>,
    pub comment: Option<String>,
    pub region: String,
    pub region_name: String,
    pub institution_id: Option<i64>,
    pub institution_name: String,
    /// Who gave the service (the account that closed it).
    pub served_by_name: String,
    pub real_name: bool,
    /// Excluded from the figures by an upheld appeal (kept on record).
    pub excluded: bool,
    pub rectification_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// A reason a citizen may give for a bad review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadReason {
    pub code: String,
    pub label: String,
}

/// The district's evaluation rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvaluationRules {
    pub token_valid_days: u32,
    pub token_valid_days_source: String,
    pub indicators: BTreeMap<EvalChannel, Vec<String>>,
    pub bad_reasons: Vec<BadReason>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    token_valid_days: u32,
    token_valid_days_source: String,
    indicators: Vec<IndicatorEntry>,
    bad_reasons: Vec<ReasonEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorEntry {
    channel: String,
    items: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonEntry {
    code: String,
    label: String,
}

impl EvaluationRules {
    /// The label of a bad-review reason's code (the code itself when the list no longer has it).
    pub fn reason_label(&self, code: &str) -> String {
        self.bad_reasons.iter().find(|b| b.code == code).map_or_else(|| code.to_string(), |b| b.label.clone())
    }

    /// The shipped rules (`data/evaluation/rules.toml`).
    pub fn shipped() -> EvaluationRules {
        Self::parse(include_str!("../../../../data/evaluation/rules.toml")).expect("the shipped evaluation rules parse")
    }

    pub fn parse(text: &str) -> Result<EvaluationRules, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| ConfigError(format!("评价规则文件有误：{e}")))?;
        if !(1..=365).contains(&file.token_valid_days) {
            return Err(ConfigError("评价邀请的有效天数应为 1 到 365 天".into()));
        }
        if file.token_valid_days_source.trim().is_empty() {
            return Err(ConfigError("评价邀请的有效天数缺少依据（token_valid_days_source）".into()));
        }
        let mut indicators = BTreeMap::new();
        for e in file.indicators {
            let channel = EvalChannel::from_code(e.channel.trim())
                .ok_or_else(|| ConfigError(format!("评价指标：渠道“{}”不是平台已知的渠道", e.channel)))?;
            let items: Vec<String> = e.items.iter().map(|i| i.trim().to_string()).filter(|i| !i.is_empty()).collect();
            if items.is_empty() {
                return Err(ConfigError(format!("评价指标：{}没有指标", channel.label())));
            }
            if indicators.insert(channel, items).is_some() {
                return Err(ConfigError(format!("评价指标：{}重复出现", channel.label())));
            }
        }
        if let Some(missing) = EvalChannel::ALL.iter().find(|c| !indicators.contains_key(c)) {
            return Err(ConfigError(format!("评价指标：缺少{}的指标", missing.label())));
        }
        let mut bad_reasons: Vec<BadReason> = Vec::new();
        for r in file.bad_reasons {
            let (code, label) = (r.code.trim().to_string(), r.label.trim().to_string());
            if code.is_empty() || label.is_empty() {
                return Err(ConfigError("差评原因：每条都要有代码（code）和文字（label）".into()));
            }
            if bad_reasons.iter().any(|b| b.code == code) {
                return Err(ConfigError(format!("差评原因“{code}”重复出现")));
            }
            bad_reasons.push(BadReason { code, label });
        }
        if bad_reasons.is_empty() {
            return Err(ConfigError("差评原因列表不能为空".into()));
        }
        Ok(EvaluationRules {
            token_valid_days: file.token_valid_days,
            token_valid_days_source: file.token_valid_days_source.trim().into(),
            indicators,
            bad_reasons,
        })
    }
}

/// A rating as sent (`POST /api/v1/evaluations` body, less the token).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RatingInput {
    pub level: Option<i64>,
    /// Indicator name → 1–5.
    pub indicators: BTreeMap<String, i64>,
    pub reasons: Vec<String>,
    pub comment: Option<String>,
}

/// A rating that passed its checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rating {
    pub level: Level,
    pub indicators: BTreeMap<String, Level>,
    /// Codes from the district's list; present exactly when the review is bad.
    pub reasons: Vec<String>,
    /// Trimmed, at most [`MAX_COMMENT`] characters; kept as text (shown escaped).
    pub comment: Option<String>,
}

/// The longest comment kept.
pub const MAX_COMMENT: usize = 500;

impl RatingInput {
    /// Checks a rating of a service given on `channel`, naming every bad field.
    pub fn check(&self, rules: &EvaluationRules, channel: EvalChannel) -> Result<Rating, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let level = match self.level {
            None => {
                errors.push(FieldError::new("level", "请选择评价等级"));
                None
            }
            Some(n) => errors.check(Level::from_score("level", n)),
        };
        let allowed = rules.indicators.get(&channel).map(Vec::as_slice).unwrap_or(&[]);
        let mut indicators = BTreeMap::new();
        for (name, score) in &self.indicators {
            if !allowed.iter().any(|a| a == name) {
                errors.push(FieldError::new(
                    "indicators",
                    format!("“{}”不是{}的评价指标", crate::text::clip(name, 20), channel.label()),
                ));
                continue;
            }
            if let Some(l) = errors.check(Level::from_score("indicators", *score)) {
                indicators.insert(name.clone(), l);
            }
        }
        let mut reasons: Vec<String> = Vec::new();
        for r in &self.reasons {
            match rules.bad_reasons.iter().find(|b| b.code == r.trim()) {
                Some(b) if !reasons.contains(&b.code) => reasons.push(b.code.clone()),
                Some(_) => {}
                None => errors
                    .push(FieldError::new("reasons", format!("差评原因“{}”不在可选列表中", crate::text::clip(r, 20)))),
            }
        }
        match level {
            Some(l) if l.is_bad() && reasons.is_empty() && self.reasons.is_empty() => {
                errors.push(FieldError::new("reasons", "不满意时，请选择至少一个原因，便于整改"));
            }
            Some(l) if !l.is_bad() && !self.reasons.is_empty() => {
                errors.push(FieldError::new("reasons", "只有“不满意”或“非常不满意”时才选择原因"));
            }
            _ => {}
        }
        let comment = self.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
        if comment.as_ref().is_some_and(|c| c.chars().count() > MAX_COMMENT) {
            errors.push(FieldError::new("comment", format!("意见建议最多 {MAX_COMMENT} 字")));
        }
        errors.into_result()?;
        Ok(Rating { level: level.expect("checked"), indicators, reasons, comment })
    }
}

/// Counts of ratings by level (those excluded by an upheld appeal left out).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LevelCounts {
    pub by_level: [i64; 5],
}

impl LevelCounts {
    pub fn add(&mut self, level: Level, n: i64) {
        self.by_level[(5 - level.score()) as usize] += n;
    }

    pub fn total(&self) -> i64 {
        self.by_level.iter().sum()
    }

    pub fn bad(&self) -> i64 {
        self.by_level[3] + self.by_level[4]
    }

    /// 满意率: the share of ratings that are not 差评 (非常满意, 满意, 基本满意), or None
    /// without ratings — never a made-up 100 %.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        let total = self.total();
        (total > 0).then(|| (total - self.bad()) as f64 / total as f64)
    }

    /// The average level (1–5), or None without ratings.
    pub fn average(&self) -> Option<f64> {
        let total = self.total();
        let points: i64 = self.by_level.iter().zip([5, 4, 3, 2, 1]).map(|(n, s)| n * s).sum();
        (total > 0).then(|| points as f64 / total as f64)
    }
}

/// 参评率: ratings given over services completed, or None when nothing was completed.
pub fn participation_rate(rated: i64, completed: i64) -> Option<f64> {
    (completed > 0).then(|| rated.min(completed) as f64 / completed as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(level: i64) -> RatingInput {
        RatingInput { level: Some(level), ..Default::default() }
    }

    #[test]
    fn the_shipped_rules_parse_and_every_channel_has_its_indicators() {
        let r = EvaluationRules::shipped();
        assert_eq!(r.token_valid_days, 30);
        assert_eq!(r.indicators[&EvalChannel::Offline], ["整体满意度", "服务效率", "服务水平", "服务态度"]);
        assert!(r.indicators[&EvalChannel::Online].contains(&"办事便捷度".to_string()));
        assert!(r.bad_reasons.iter().any(|b| b.label == "服务态度差"));
    }

    #[test]
    fn bad_rules_are_refused_with_the_reason() {
        let text = include_str!("../../../../data/evaluation/rules.toml");
        let zero = text.replace("token_valid_days = 30", "token_valid_days = 0");
        assert!(EvaluationRules::parse(&zero).unwrap_err().0.contains("有效天数"));
        let unknown = text.replace("channel = \"kiosk\"", "channel = \"pigeon\"");
        assert!(EvaluationRules::parse(&unknown).unwrap_err().0.contains("pigeon"));
        let twice = text.replace("code = \"slow\"", "code = \"attitude\"");
        assert!(EvaluationRules::parse(&twice).unwrap_err().0.contains("重复"));
        let missing = text.replace("channel = \"hotline\"", "channel = \"offline\"");
        assert!(EvaluationRules::parse(&missing).is_err());
    }

    #[test]
    fn five_levels_and_the_last_two_are_bad_reviews() {
        assert_eq!(Level::from_score("level", 5), Ok(Level::VerySatisfied));
        assert!(Level::from_score("level", 2).unwrap().is_bad());
        assert!(!Level::from_score("level", 3).unwrap().is_bad());
        for wrong in [0, 6, -1, 100] {
            assert_eq!(Level::from_score("level", wrong).unwrap_err().field, "level");
        }
    }

    #[test]
    fn a_bad_review_needs_reasons_from_the_list_and_a_good_one_none() {
        let rules = EvaluationRules::shipped();
        let fields = |i: &RatingInput| -> Vec<String> {
            i.check(&rules, EvalChannel::Offline).unwrap_err().0.into_iter().map(|e| e.field).collect()
        };
        assert_eq!(fields(&input(2)), vec!["reasons"]);
        let mut bad = input(1);
        bad.reasons = vec!["slow".into(), "slow".into(), "attitude".into()];
        let r = bad.check(&rules, EvalChannel::Offline).unwrap();
        assert_eq!(r.reasons, vec!["slow", "attitude"], "a reason given twice counts once");
        bad.reasons = vec!["astrology".into()];
        assert_eq!(fields(&bad), vec!["reasons"]);
        let mut good = input(4);
        good.reasons = vec!["slow".into()];
        assert_eq!(fields(&good), vec!["reasons"]);
        assert_eq!(fields(&RatingInput::default()), vec!["level"]);
        assert_eq!(fields(&input(7)), vec!["level"]);
    }

    #[test]
    fn indicators_are_those_of_the_channel_and_a_comment_is_bounded_text() {
        let rules = EvaluationRules::shipped();
        let mut i = input(5);
        i.indicators.insert("服务态度".into(), 5);
        assert!(i.check(&rules, EvalChannel::Offline).is_ok());
        // 服务态度 is rated at a window, not online.
        let e = i.check(&rules, EvalChannel::Online).unwrap_err();
        assert_eq!(e.0[0].field, "indicators");
        i.indicators.insert("服务效率".into(), 9);
        assert!(i.check(&rules, EvalChannel::Offline).is_err());
        let mut long = input(5);
        long.comment = Some("好".repeat(100_000));
        assert_eq!(long.check(&rules, EvalChannel::Offline).unwrap_err().0[0].field, "comment");
        let mut html = input(5);
        html.comment = Some("  <script>alert(1)</script>  ".into());
        assert_eq!(
            html.check(&rules, EvalChannel::Offline).unwrap().comment.as_deref(),
            Some("<script>alert(1)</script>")
        );
    }

    #[test]
    fn the_rates_on_hand_made_counts() {
        let mut c = LevelCounts::default();
        assert_eq!((c.satisfaction_rate(), c.average()), (None, None), "no ratings: no figure");
        c.add(Level::VerySatisfied, 6);
        c.add(Level::Satisfied, 2);
        c.add(Level::FairlySatisfied, 1);
        c.add(Level::Dissatisfied, 1);
        assert_eq!(c.total(), 10);
        assert_eq!(c.bad(), 1);
        assert_eq!(c.satisfaction_rate(), Some(0.9));
        assert_eq!(c.average(), Some((6.0 * 5.0 + 2.0 * 4.0 + 3.0 + 2.0) / 10.0));
        assert_eq!(participation_rate(10, 40), Some(0.25));
        assert_eq!(participation_rate(0, 0), None);
        assert_eq!(participation_rate(5, 3), Some(1.0), "never above every service");
    }
}
