//! The table of time limits (办理时限), read from the district's deadline file: a period
//! for each category and step of a service request, for incidents and for people's
//! mediation, each with its source. A file with an unknown category, a negative or
//! unreadable period, a duplicate or a missing entry is refused whole.

use std::collections::HashMap;

use serde::Deserialize;

use toml::Spanned;

use chrono::{DateTime, Utc};

use crate::calendar::{Calendar, ConfigError, Period, china_local, from_china_local};
use crate::request::{Category, Step};
use crate::rule_file::{located, toml_error};

/// A time limit and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub period: Period,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineTable {
    request: HashMap<(Category, Step), Rule>,
    pub reminder_before_hours: u32,
    pub incident: Rule,
    pub mediation: Rule,
    pub judicial_confirmation: Rule,
    pub judicial_confirmation_reminder_days: u32,
    /// How long personal data of finished work is kept; none: kept until erased by hand.
    pub retention: Option<Retention>,
    /// The statutory limits of a legal aid case (the law's own when the file is silent).
    pub legal_aid: crate::legal_aid::case::Deadlines,
    /// A bad review is verified, rectified and fed back within this (`[evaluation]`;
    /// 15 working days when the file is silent).
    pub rectification: Rule,
}

/// The rectification limit when a deadline file does not state one.
pub fn default_rectification() -> Rule {
    Rule {
        period: Period::working_days(15),
        source:
            "国办发〔2019〕51号：差评要调查核实、督促整改和反馈；整改时限各地为5、7或15个工作日，本区设定为15个工作日"
                .into(),
    }
}

/// 个人信息保存期限 (个人信息保护法 第十九条、第四十七条): after a matter is closed, or a
/// mediation case, for this long its people's names, contacts, ID numbers, addresses and
/// the words of its facts are kept; then they are erased and the record stays for the
/// statistics (category, region, dates, outcome).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Service matters, with their SMS and the bookings made for them.
    pub matters: Rule,
    /// People's mediation cases (their files are kept longer as archives).
    pub mediation: Rule,
    /// Legal aid cases (closed, refused or terminated); the mediation period when the
    /// file does not state one.
    pub legal_aid: Rule,
}

impl Retention {
    /// When personal data of work finished at `finished` is due for erasure: the end of
    /// the period counted as the law counts periods (民法典 第二百零一条至第二百零三条).
    pub fn erase_after(rule: &Rule, calendar: &Calendar, finished: DateTime<Utc>) -> DateTime<Utc> {
        from_china_local(calendar.due(china_local(finished), rule.period).at)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    reminder_before_hours: u32,
    #[serde(default)]
    request: Vec<RequestEntry>,
    incident: SimpleEntry,
    mediation: MediationEntry,
    retention: Option<RetentionEntry>,
    #[serde(default)]
    legal_aid: std::collections::BTreeMap<String, LegalAidEntry>,
    evaluation: Option<EvaluationEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvaluationEntry {
    rectify: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LegalAidEntry {
    period: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetentionEntry {
    matters: String,
    mediation: String,
    legal_aid: Option<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestEntry {
    category: Spanned<String>,
    accept: Spanned<String>,
    resolve: Spanned<String>,
    follow_up: Spanned<String>,
    source: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SimpleEntry {
    resolve: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MediationEntry {
    resolve: String,
    source: String,
    judicial_confirmation: String,
    judicial_confirmation_source: String,
    judicial_confirmation_reminder_days: u32,
}

fn rule(what: &str, period: &str, source: &str) -> Result<Rule, ConfigError> {
    let period = Period::parse(period).map_err(|e| ConfigError(format!("{what}：{}", e.0)))?;
    if source.trim().is_empty() {
        return Err(ConfigError(format!("{what}：缺少依据（source）")));
    }
    Ok(Rule { period, source: source.trim().to_string() })
}

fn retention(r: &RetentionEntry) -> Result<Retention, ConfigError> {
    let matters = rule("个人信息保存期限·服务事项", &r.matters, &r.source)?;
    let mediation = rule("个人信息保存期限·人民调解", &r.mediation, &r.source)?;
    let legal_aid = rule("个人信息保存期限·法律援助", r.legal_aid.as_deref().unwrap_or(&r.mediation), &r.source)?;
    for (what, rule) in [("服务事项", &matters), ("人民调解", &mediation), ("法律援助", &legal_aid)] {
        // A few days would erase what staff still work with after closing (回访, 评价).
        if rule.period.at_least_days() < 90 {
            return Err(ConfigError(format!("个人信息保存期限·{what}：不应短于90日（回访和评价需要）")));
        }
    }
    Ok(Retention { matters, mediation, legal_aid })
}

/// A rule of a `[[request]]` entry, its errors placed on the value at fault.
fn spanned_rule(
    text: &str,
    what: &str,
    period: &Spanned<String>,
    source: &Spanned<String>,
) -> Result<Rule, ConfigError> {
    if source.get_ref().trim().is_empty() {
        return Err(located(text, source.span(), format!("{what}：缺少依据（source）")));
    }
    rule(what, period.get_ref(), source.get_ref()).map_err(|e| located(text, period.span(), e.0))
}

impl DeadlineTable {
    pub fn parse(text: &str) -> Result<DeadlineTable, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| toml_error("时限文件", text, &e))?;
        let mut request = HashMap::new();
        for entry in &file.request {
            let category = Category::from_code(entry.category.get_ref().trim()).ok_or_else(|| {
                located(
                    text,
                    entry.category.span(),
                    format!("事项类别“{}”不是平台已知的类别", entry.category.get_ref()),
                )
            })?;
            for (step, period) in
                [(Step::Accept, &entry.accept), (Step::Resolve, &entry.resolve), (Step::FollowUp, &entry.follow_up)]
            {
                let what = format!("{}·{}", category.label(), step.label());
                if request.insert((category, step), spanned_rule(text, &what, period, &entry.source)?).is_some() {
                    return Err(located(text, entry.category.span(), format!("“{}”重复出现", category.label())));
                }
            }
        }
        for category in Category::ALL {
            if !request.contains_key(&(*category, Step::Resolve)) {
                return Err(ConfigError(format!(
                    "时限文件缺少事项类别“{}”（{}）的时限",
                    category.label(),
                    category.code()
                )));
            }
        }
        if file.reminder_before_hours == 0 || file.reminder_before_hours > 24 * 30 {
            return Err(ConfigError("reminder_before_hours 应在1到720小时之间".into()));
        }
        let m = &file.mediation;
        if m.judicial_confirmation_reminder_days > 365 {
            return Err(ConfigError("judicial_confirmation_reminder_days 应在0到365天之间".into()));
        }
        Ok(DeadlineTable {
            request,
            reminder_before_hours: file.reminder_before_hours,
            incident: rule("应急事件", &file.incident.resolve, &file.incident.source)?,
            mediation: rule("人民调解", &m.resolve, &m.source)?,
            judicial_confirmation: rule("司法确认", &m.judicial_confirmation, &m.judicial_confirmation_source)?,
            judicial_confirmation_reminder_days: m.judicial_confirmation_reminder_days,
            retention: file.retention.as_ref().map(retention).transpose()?,
            legal_aid: crate::legal_aid::case::Deadlines::parse(
                &file
                    .legal_aid
                    .iter()
                    .map(|(k, e)| (k.as_str(), e.period.as_str(), e.source.as_str()))
                    .collect::<Vec<_>>(),
            )?,
            rectification: match &file.evaluation {
                None => default_rectification(),
                Some(e) => rule("差评整改", &e.rectify, &e.source)?,
            },
        })
    }

    /// The rule for a category and step (every category has all three).
    pub fn rule(&self, category: Category, step: Step) -> &Rule {
        self.request.get(&(category, step)).expect("checked when parsed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../data/deadlines.toml");

    #[test]
    fn the_shipped_file_parses_and_cites_its_sources() {
        let t = DeadlineTable::parse(SHIPPED).unwrap();
        let legal_aid = t.rule(Category::LegalAid, Step::Resolve);
        assert_eq!(legal_aid.period, Period::days(7));
        assert!(legal_aid.source.contains("法律援助法 第四十三条"));
        assert_eq!(t.judicial_confirmation.period, Period::days(30));
        assert!(t.judicial_confirmation.source.contains("第三十三条"));
        assert_eq!(t.mediation.period, Period::months(1));
        for c in Category::ALL {
            for s in Step::ALL {
                assert!(!t.rule(*c, *s).source.is_empty());
            }
        }
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let unknown = SHIPPED.replace("category = \"other\"", "category = \"astrology\"");
        assert!(DeadlineTable::parse(&unknown).unwrap_err().0.contains("astrology"));
        let negative = SHIPPED.replace("resolve = \"3个工作日\"", "resolve = \"-3个工作日\"");
        assert!(DeadlineTable::parse(&negative).unwrap_err().0.contains("负数"));
        let duplicate = format!(
            "{SHIPPED}\n[[request]]\ncategory = \"other\"\naccept = \"1日\"\nresolve = \"1日\"\nfollow_up = \"1日\"\nsource = \"x\"\n"
        );
        // A [[request]] after [mediation] belongs to it in TOML: refused as malformed or duplicate.
        assert!(DeadlineTable::parse(&duplicate).is_err());
        let missing = SHIPPED.replace("category = \"other\"", "category = \"consultation\"");
        assert!(DeadlineTable::parse(&missing).is_err());
        let no_source = SHIPPED.replace("source = \"本区服务规范\"", "source = \"\"");
        assert!(DeadlineTable::parse(&no_source).unwrap_err().0.contains("依据"));
        let too_short = SHIPPED.replace("matters = \"36个月\"", "matters = \"7日\"");
        assert!(DeadlineTable::parse(&too_short).unwrap_err().0.contains("不应短于90日"));
    }

    #[test]
    fn personal_data_is_kept_for_the_period_counted_as_the_law_counts() {
        let t = DeadlineTable::parse(SHIPPED).unwrap();
        let r = t.retention.expect("the shipped file states the periods");
        assert_eq!(r.matters.period, Period::months(36));
        assert!(r.matters.source.contains("个人信息保护法 第十九条"));
        let calendar = Calendar::new(vec![]).unwrap();
        // Closed on 2026-03-12 in China: kept until 24:00 of 2029-03-12, a Monday.
        let closed =
            from_china_local(chrono::NaiveDate::from_ymd_opt(2026, 3, 12).unwrap().and_hms_opt(15, 0, 0).unwrap());
        let erase = Retention::erase_after(&r.matters, &calendar, closed);
        assert_eq!(china_local(erase).to_string(), "2029-03-13 00:00:00");
        // Closed on 2026-03-10: the period's last day, 2029-03-10, is a Saturday, so the
        // data is kept over the weekend too (民法典 第二百零三条).
        let closed = closed - chrono::Duration::days(2);
        assert_eq!(
            china_local(Retention::erase_after(&r.matters, &calendar, closed)).to_string(),
            "2029-03-13 00:00:00"
        );
        // Without the section nothing is erased.
        let start = SHIPPED.find("[retention]").unwrap();
        assert_eq!(DeadlineTable::parse(&SHIPPED[..start]).unwrap().retention, None);
    }
}
