//! The law corpus as the platform reads it: laws, their versions, structure and
//! articles, parsed from LawRefBook-format Markdown (see `../shared/laws/README.md`).
//! Parsing is pure; reading files and building the search index live in `lawbase`.
//!
//! Reading order: [`numeral`] (Chinese numerals of article numbers), the types here,
//! then [`parse`] (one file's text to a [`parse::ParsedText`]) and [`corpus`]
//! (files to law versions and cases).

pub mod corpus;
pub mod numeral;
pub mod parse;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use numeral::{chinese_number, parse_chinese_number};

/// The rank of a text in the hierarchy of norms (立法法), from the corpus folder it sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LawLevel {
    Constitution,
    Law,
    AdministrativeRegulation,
    JudicialInterpretation,
    DepartmentalRule,
    Case,
    Other,
}

impl LawLevel {
    pub const ALL: [LawLevel; 7] = [
        LawLevel::Constitution,
        LawLevel::Law,
        LawLevel::AdministrativeRegulation,
        LawLevel::JudicialInterpretation,
        LawLevel::DepartmentalRule,
        LawLevel::Case,
        LawLevel::Other,
    ];

    /// The level of the texts in a top-level corpus folder.
    pub fn of_folder(folder: &str) -> LawLevel {
        match folder {
            "宪法" => LawLevel::Constitution,
            "宪法相关法" | "民法典" | "民法商法" | "行政法" | "经济法" | "社会法" | "刑法" | "诉讼与非诉讼程序法" => {
                LawLevel::Law
            }
            "行政法规" => LawLevel::AdministrativeRegulation,
            "司法解释" => LawLevel::JudicialInterpretation,
            "部门规章" => LawLevel::DepartmentalRule,
            "案例" => LawLevel::Case,
            _ => LawLevel::Other,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            LawLevel::Constitution => "constitution",
            LawLevel::Law => "law",
            LawLevel::AdministrativeRegulation => "administrative_regulation",
            LawLevel::JudicialInterpretation => "judicial_interpretation",
            LawLevel::DepartmentalRule => "departmental_rule",
            LawLevel::Case => "case",
            LawLevel::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<LawLevel> {
        LawLevel::ALL.into_iter().find(|l| l.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            LawLevel::Constitution => "宪法",
            LawLevel::Law => "法律",
            LawLevel::AdministrativeRegulation => "行政法规",
            LawLevel::JudicialInterpretation => "司法解释",
            LawLevel::DepartmentalRule => "部门规章",
            LawLevel::Case => "案例",
            LawLevel::Other => "其他",
        }
    }
}

/// An article's number: 第一百三十三条之一 is number 133, suffix 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ArticleNumber {
    pub number: u32,
    pub suffix: u32,
}

impl ArticleNumber {
    pub fn new(number: u32) -> Self {
        ArticleNumber { number, suffix: 0 }
    }

    /// 第一百三十三条之一.
    pub fn label(self) -> String {
        let mut label = format!("第{}条", chinese_number(self.number));
        if self.suffix > 0 {
            label.push('之');
            label.push_str(&chinese_number(self.suffix));
        }
        label
    }

    /// The anchor used in article URLs: `133` or `133-1`.
    pub fn anchor(self) -> String {
        if self.suffix > 0 { format!("{}-{}", self.number, self.suffix) } else { self.number.to_string() }
    }

    /// Parses an anchor (`133`, `133-1`) or a label (`第一百三十三条之一`, `133条`).
    pub fn parse(text: &str) -> Option<ArticleNumber> {
        let text = text.trim();
        if let Some((n, s)) = text.split_once('-') {
            return Some(ArticleNumber { number: n.parse().ok()?, suffix: s.parse().ok()? });
        }
        let body = text.strip_prefix('第').unwrap_or(text);
        let (number, suffix) = match body.split_once('条') {
            Some((n, rest)) => (n, rest.strip_prefix('之').unwrap_or("")),
            None => (body, ""),
        };
        let number = parse_chinese_number(number).filter(|n| *n > 0)?;
        let suffix = if suffix.is_empty() { 0 } else { parse_chinese_number(suffix)? };
        Some(ArticleNumber { number, suffix })
    }
}

/// A law file's name: `劳动合同法(2012-12-28)` → short title 劳动合同法 and its date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LawFileName {
    pub short_title: String,
    pub date: Option<NaiveDate>,
}

impl LawFileName {
    /// Splits a file stem (the name without `.md`).
    pub fn parse(stem: &str) -> LawFileName {
        if let Some(open) = stem.rfind('(')
            && stem.ends_with(')')
            && let Ok(date) = NaiveDate::parse_from_str(&stem[open + 1..stem.len() - 1], "%Y-%m-%d")
        {
            return LawFileName { short_title: stem[..open].trim().to_string(), date: Some(date) };
        }
        LawFileName { short_title: stem.trim().to_string(), date: None }
    }
}

/// A dated line of a law's history: passed, amended, revised, in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    pub date: NaiveDate,
    pub event: String,
}

impl HistoryEntry {
    /// A line that puts the text in force (施行).
    pub fn is_commencement(&self) -> bool {
        self.event.contains("施行") && !self.event.contains("通过")
    }
}

/// The date a version is known by, and the date it takes effect: the file name's date,
/// or else the latest history line that is not a commencement; in force from the first
/// commencement line on or after that date, or else from the version's date.
pub fn version_dates(file_date: Option<NaiveDate>, history: &[HistoryEntry]) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let version = file_date.or_else(|| {
        history
            .iter()
            .filter(|h| !h.is_commencement())
            .map(|h| h.date)
            .max()
            .or_else(|| history.iter().map(|h| h.date).max())
    });
    let effective = match version {
        Some(v) => history.iter().filter(|h| h.is_commencement() && h.date >= v).map(|h| h.date).min().or(Some(v)),
        None => None,
    };
    (version, effective)
}

/// A law as listed in the browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct LawInfo {
    pub id: crate::ids::LawId,
    pub short_title: String,
    pub title: String,
    pub category: String,
    pub level: LawLevel,
}

/// A published case or guide, searchable as a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CaseInfo {
    pub id: crate::ids::LawCaseId,
    pub title: String,
    pub category: String,
    pub body: String,
    /// A published case (from the 案例 folder), not another text without articles (an
    /// amendment written as 一、二、…, a guide).
    pub is_case: bool,
}

/// Whether a version applies on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Passed, not yet in force.
    NotYetInForce,
    InForce,
    /// A later version has replaced it.
    Superseded,
}

impl VersionStatus {
    /// The status on `day` of a text in force from `effective` (inclusive; always when
    /// unknown) until `superseded_on` (exclusive; for good when none).
    pub fn on(effective: Option<NaiveDate>, superseded_on: Option<NaiveDate>, day: NaiveDate) -> VersionStatus {
        if effective.is_some_and(|e| e > day) {
            VersionStatus::NotYetInForce
        } else if superseded_on.is_some_and(|s| s <= day) {
            VersionStatus::Superseded
        } else {
            VersionStatus::InForce
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            VersionStatus::NotYetInForce => "尚未施行",
            VersionStatus::InForce => "现行有效",
            VersionStatus::Superseded => "已被修订",
        }
    }
}

/// One version of a law.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct VersionInfo {
    pub id: crate::ids::LawVersionId,
    pub law_id: crate::ids::LawId,
    /// The date the version is known by (`2012-12-28`), or `undated`.
    pub version_key: String,
    pub version_date: Option<NaiveDate>,
    pub effective_date: Option<NaiveDate>,
    /// The day the next version took effect; `None` while this one is the latest.
    pub superseded_on: Option<NaiveDate>,
    pub history: Vec<HistoryEntry>,
    pub article_count: i64,
}

impl VersionInfo {
    /// The status of the version on `day`.
    pub fn status_on(&self, day: NaiveDate) -> VersionStatus {
        VersionStatus::on(self.effective_date, self.superseded_on, day)
    }
}

/// Among one law's versions, the one in force on `day`: the latest that took effect on
/// or before it, or the earliest when none had yet (so a page still shows a text).
pub fn version_on(versions: &[VersionInfo], day: NaiveDate) -> Option<&VersionInfo> {
    versions
        .iter()
        .filter(|v| v.effective_date.is_none_or(|e| e <= day))
        .max_by_key(|v| v.effective_date)
        .or_else(|| versions.iter().min_by_key(|v| v.effective_date))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn version(key: &str, effective: &str, superseded: Option<&str>) -> VersionInfo {
        VersionInfo {
            id: crate::ids::LawVersionId(1),
            law_id: crate::ids::LawId(1),
            version_key: key.into(),
            version_date: Some(d(key)),
            effective_date: Some(d(effective)),
            superseded_on: superseded.map(d),
            history: vec![],
            article_count: 1,
        }
    }

    #[test]
    fn the_version_in_force_follows_the_as_of_day() {
        let old = version("2018-10-26", "2018-10-26", Some("2023-01-01"));
        let new = version("2022-10-30", "2023-01-01", None);
        let both = [old.clone(), new.clone()];
        assert_eq!(version_on(&both, d("2020-06-01")).unwrap().version_key, "2018-10-26");
        assert_eq!(version_on(&both, d("2023-01-01")).unwrap().version_key, "2022-10-30");
        assert_eq!(version_on(&both, d("2010-01-01")).unwrap().version_key, "2018-10-26");
        assert_eq!(old.status_on(d("2024-01-01")), VersionStatus::Superseded);
        assert_eq!(old.status_on(d("2020-01-01")), VersionStatus::InForce);
        assert_eq!(new.status_on(d("2022-12-31")), VersionStatus::NotYetInForce);
        assert_eq!(new.status_on(d("2026-11-30")), VersionStatus::InForce);
    }

    #[test]
    fn article_numbers_have_labels_anchors_and_parse_back() {
        let n = ArticleNumber { number: 133, suffix: 1 };
        assert_eq!(n.label(), "第一百三十三条之一");
        assert_eq!(n.anchor(), "133-1");
        assert_eq!(ArticleNumber::parse("133-1"), Some(n));
        assert_eq!(ArticleNumber::parse("第一百三十三条之一"), Some(n));
        assert_eq!(ArticleNumber::parse("第1079条"), Some(ArticleNumber::new(1079)));
        assert_eq!(ArticleNumber::parse("43"), Some(ArticleNumber::new(43)));
        assert_eq!(ArticleNumber::parse("第零条"), None);
        assert_eq!(ArticleNumber::parse("abc"), None);
    }

    #[test]
    fn file_names_split_into_title_and_date() {
        assert_eq!(
            LawFileName::parse("劳动合同法(2012-12-28)"),
            LawFileName { short_title: "劳动合同法".into(), date: Some(d("2012-12-28")) }
        );
        assert_eq!(
            LawFileName::parse("人民检察院刑事诉讼规则（试行）(2012-11-22)").short_title,
            "人民检察院刑事诉讼规则（试行）"
        );
        assert_eq!(LawFileName::parse("刑法"), LawFileName { short_title: "刑法".into(), date: None });
        assert_eq!(LawFileName::parse("宪法修正案（2004年）").date, None);
    }

    #[test]
    fn levels_follow_the_corpus_folders() {
        assert_eq!(LawLevel::of_folder("社会法"), LawLevel::Law);
        assert_eq!(LawLevel::of_folder("民法典"), LawLevel::Law);
        assert_eq!(LawLevel::of_folder("行政法规"), LawLevel::AdministrativeRegulation);
        assert_eq!(LawLevel::of_folder("案例"), LawLevel::Case);
        assert_eq!(LawLevel::of_folder("其他"), LawLevel::Other);
        for l in LawLevel::ALL {
            assert_eq!(LawLevel::from_code(l.code()), Some(l));
        }
    }

    #[test]
    fn versions_take_the_file_date_or_the_last_amendment_and_commence_on_the_commencement_line() {
        let h = |date: &str, event: &str| HistoryEntry { date: d(date), event: event.into() };
        let civil = [h("2020-05-28", "第十三届全国人民代表大会第三次会议通过"), h("2021-01-01", "施行")];
        assert_eq!(version_dates(None, &civil), (Some(d("2020-05-28")), Some(d("2021-01-01"))));
        let aid = [h("2021-08-20", "通过")];
        assert_eq!(version_dates(Some(d("2021-08-20")), &aid), (Some(d("2021-08-20")), Some(d("2021-08-20"))));
        // An old commencement line does not put a later version in force early.
        let labour = [h("2007-06-29", "通过"), h("2008-01-01", "施行"), h("2012-12-28", "修正")];
        assert_eq!(version_dates(Some(d("2012-12-28")), &labour), (Some(d("2012-12-28")), Some(d("2012-12-28"))));
        assert_eq!(version_dates(None, &[]), (None, None));
    }
}
