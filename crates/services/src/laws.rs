//! The law knowledge base as the users meet it: search, the law browser, and legal Q&A
//! with next steps in the platform. Law texts are public: none of these needs a login
//! (the web layer limits them per address). The next steps are data
//! (`data/laws/next-steps.toml`), each with the article it rests on.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use chrono::{NaiveDate, Utc};
use gongdao_domain::DivisionCode;
use gongdao_domain::law::corpus::ArticleText;
use gongdao_domain::law::{ArticleNumber, LawInfo, LawLevel, VersionInfo, VersionStatus, version_on};
use gongdao_domain::network::Institution;
use gongdao_lawbase::import::{self, ImportReport, Progress};
use gongdao_lawbase::{CaseHit, Hit, SearchParams};
use gongdao_store::laws;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{ServiceError, Services};

/// The next-step table shipped with the program.
pub const NEXT_STEPS: &str = include_str!("../../../data/laws/next-steps.toml");

/// The earliest as-of date accepted: the People's Republic's founding.
const EARLIEST: (i32, u32, u32) = (1949, 10, 1);

/// Today in China, the default as-of day.
pub fn today() -> NaiveDate {
    gongdao_domain::calendar::china_day(Utc::now())
}

/// Parses an `as_of` field: a date `YYYY-MM-DD` from 1949-10-01 on; empty is today.
pub fn parse_as_of(text: Option<&str>) -> Result<NaiveDate, ServiceError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(today()) };
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| ServiceError::field("as_of", "日期格式应为 年-月-日，例如 2026-11-30"))?;
    let earliest = NaiveDate::from_ymd_opt(EARLIEST.0, EARLIEST.1, EARLIEST.2).expect("valid date");
    if date < earliest {
        return Err(ServiceError::field("as_of", "日期不能早于 1949-10-01"));
    }
    Ok(date)
}

/// A search as typed by a user.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct LawSearchInput {
    pub q: String,
    pub limit: Option<usize>,
    pub as_of: Option<String>,
    /// Level code: `law`, `administrative_regulation`, `judicial_interpretation`, …
    pub level: Option<String>,
    /// Corpus folder, e.g. 社会法.
    pub category: Option<String>,
    /// Short title of one law.
    pub law: Option<String>,
    /// Re-rank by meaning too, when the model is installed and the corpus embedded.
    pub semantic: Option<bool>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LawSearchResult {
    pub hits: Vec<Hit>,
    pub took_ms: f64,
    /// Whether the hits were re-ranked by meaning (asked for, and available).
    pub semantic: bool,
}

/// Drops control characters (binary junk) and surrounding space.
fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || *c == '\n').collect::<String>().trim().to_string()
}

impl LawSearchInput {
    fn parse(&self) -> Result<SearchParams, ServiceError> {
        let mut params = SearchParams::new(clean(&self.q), parse_as_of(self.as_of.as_deref())?);
        params.limit = self.limit.unwrap_or(10).clamp(1, gongdao_lawbase::index::MAX_LIMIT);
        params.level = match self.level.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(code) => Some(LawLevel::from_code(code).ok_or_else(|| {
                ServiceError::field(
                    "level",
                    "效力级别应为 law、administrative_regulation、judicial_interpretation、departmental_rule 等",
                )
            })?),
        };
        params.category = self.category.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        params.law = self.law.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        params.semantic = self.semantic.unwrap_or(false);
        Ok(params)
    }
}

/// A step the platform offers after an answer.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct NextStep {
    pub id: String,
    pub title: String,
    pub text: String,
    pub link: String,
    /// The article the offer rests on.
    pub source: String,
    #[serde(default, skip_serializing)]
    laws: Vec<String>,
    #[serde(default, skip_serializing)]
    words: Vec<String>,
    #[serde(default, skip_serializing)]
    always: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NextStepFile {
    step: Vec<NextStep>,
}

/// The shipped next-step table, parsed once (its test checks that it parses).
static SHIPPED_STEPS: std::sync::LazyLock<Vec<NextStep>> =
    std::sync::LazyLock::new(|| parse_next_steps(NEXT_STEPS).expect("the shipped next-step table parses"));

/// Parses a next-step table.
pub fn parse_next_steps(text: &str) -> Result<Vec<NextStep>, String> {
    toml::from_str::<NextStepFile>(text).map(|f| f.step).map_err(|e| format!("下一步服务表格式错误：{e}"))
}

/// The steps for a question whose answer cites `laws`.
pub fn next_steps_for<'a>(steps: &'a [NextStep], question: &str, laws: &[&str]) -> Vec<&'a NextStep> {
    let mut chosen: Vec<&NextStep> = steps
        .iter()
        .filter(|s| {
            !s.always
                && (s.laws.iter().any(|l| laws.contains(&l.as_str()))
                    || s.words.iter().any(|w| question.contains(w.as_str())))
        })
        .collect();
    chosen.extend(steps.iter().filter(|s| s.always));
    chosen
}

/// The articles of one law in an answer.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AnswerGroup {
    pub law: String,
    pub title: String,
    pub level: LawLevel,
    pub version: String,
    pub articles: Vec<Hit>,
}

/// An answer: articles grouped by law, related cases, and what to do next.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct QaAnswer {
    pub question: String,
    pub groups: Vec<AnswerGroup>,
    pub cases: Vec<CaseHit>,
    pub next_steps: Vec<NextStep>,
    /// The nearest public service points (the asker's township first).
    pub service_points: Vec<Institution>,
    pub hotline: String,
    /// Shown with every answer: what this is and is not.
    pub notice: String,
    pub took_ms: f64,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct QaInput {
    pub question: String,
    /// Division code of where the asker is (a kiosk's township), for the nearest
    /// service point.
    pub region: Option<String>,
    pub as_of: Option<String>,
}

/// A law's page: the version shown and its articles under their headings.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LawPage {
    pub law: LawInfo,
    pub versions: Vec<VersionInfo>,
    pub shown: VersionInfo,
    pub status: VersionStatus,
    pub as_of: NaiveDate,
    #[schema(value_type = Vec<Object>)]
    pub articles: Vec<ArticleText>,
}

/// Laws of one category, for the browser.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LawShelf {
    pub category: String,
    pub laws: Vec<LawInfo>,
}

const NOTICE: &str = "以下内容是法律法规原文的检索结果，并非法律意见。具体问题请拨打12348公共法律服务热线，或到就近的公共法律服务中心、工作站咨询。";

impl Services {
    /// Imports a corpus folder (the command line's `laws import`).
    pub async fn import_laws(
        &self,
        dir: &Path,
        mut progress: impl FnMut(Progress) + Send,
    ) -> Result<ImportReport, ServiceError> {
        let dir = dir.to_path_buf();
        let (files, corpus) = tokio::task::spawn_blocking(move || {
            let mut sink = |_p: Progress| {};
            import::read_corpus(&dir, &mut sink)
        })
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .map_err(import_error)?;
        progress(Progress::Reading { done: files, total: files });
        import::store_corpus(self.store(), files, &corpus, Utc::now(), &mut progress).await.map_err(import_error)
    }

    /// Builds or rebuilds this instance's index when the stored corpus changed.
    pub async fn refresh_law_index(&self) -> Result<Option<gongdao_lawbase::BuildReport>, ServiceError> {
        self.inner.laws.refresh().await.map_err(law_error)
    }

    pub fn law_base(&self) -> &gongdao_lawbase::LawBase {
        &self.inner.laws
    }

    /// Searches articles.
    pub async fn search_laws(&self, input: &LawSearchInput) -> Result<LawSearchResult, ServiceError> {
        let params = input.parse()?;
        let started = Instant::now();
        let found = match params.q.is_empty() {
            true => gongdao_lawbase::Found { hits: Vec::new(), semantic: false },
            false => self.inner.laws.search(params).await.map_err(law_error)?,
        };
        Ok(LawSearchResult {
            hits: found.hits,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            semantic: found.semantic,
        })
    }

    /// Answers a question with articles, cases and next steps.
    pub async fn ask(&self, input: &QaInput) -> Result<QaAnswer, ServiceError> {
        let started = Instant::now();
        let question = clean(&input.question);
        if question.chars().count() < 2 {
            return Err(ServiceError::field("question", "请用一句话描述您的问题，例如：老板拖欠工资怎么办？"));
        }
        let region = match input.region.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(r) => Some(DivisionCode::parse("region", r)?),
        };
        let as_of = parse_as_of(input.as_of.as_deref())?;
        let mut params = SearchParams::new(question.clone(), as_of);
        params.limit = 12;
        // A citizen's own words: worth the encoding's ~20 ms when the model is there.
        params.semantic = true;
        let hits = self.inner.laws.search(params).await.map_err(law_error)?.hits;
        let mut groups: Vec<AnswerGroup> = Vec::new();
        for hit in hits {
            match groups.iter().position(|g| g.law == hit.law) {
                Some(i) if groups[i].articles.len() < 4 => groups[i].articles.push(hit),
                Some(_) => {}
                None if groups.len() < 4 => groups.push(AnswerGroup {
                    law: hit.law.clone(),
                    title: hit.title.clone(),
                    level: hit.level,
                    version: hit.version.clone(),
                    articles: vec![hit],
                }),
                None => {}
            }
        }
        let cases = self.inner.laws.search_cases(&question, as_of, 3).await.map_err(law_error)?;
        let cited: Vec<&str> = groups.iter().map(|g| g.law.as_str()).collect();
        let next_steps = next_steps_for(&SHIPPED_STEPS, &question, &cited).into_iter().cloned().collect();
        let service_points = self.nearest_service_points(region).await?;
        Ok(QaAnswer {
            question,
            groups,
            cases,
            next_steps,
            service_points,
            hotline: "12348".into(),
            notice: NOTICE.into(),
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Public service points of the asker's township, or the district's centres.
    async fn nearest_service_points(&self, region: Option<DivisionCode>) -> Result<Vec<Institution>, ServiceError> {
        use gongdao_domain::network::InstitutionType;
        let township = region.map(|r| r.ancestor_at(gongdao_domain::RegionLevel::Township).unwrap_or(r));
        let mut points = match township {
            Some(t) => self.public_service_points(Some(t)).await.unwrap_or_default(),
            None => Vec::new(),
        };
        if points.is_empty() {
            points = self
                .public_service_points(None)
                .await?
                .into_iter()
                .filter(|i| matches!(i.kind, InstitutionType::ServiceCenter | InstitutionType::LegalAidCenter))
                .collect();
        }
        points.truncate(3);
        Ok(points)
    }

    /// The catalogue of laws by category.
    pub async fn law_shelves(&self) -> Result<Vec<LawShelf>, ServiceError> {
        let mut shelves: BTreeMap<String, Vec<LawInfo>> = BTreeMap::new();
        for law in laws::laws(self.store().reader()).await? {
            shelves.entry(law.category.clone()).or_default().push(law);
        }
        Ok(shelves.into_iter().map(|(category, laws)| LawShelf { category, laws }).collect())
    }

    /// A law as in force on `as_of`, or the given version.
    pub async fn law_page(
        &self,
        short_title: &str,
        as_of: Option<&str>,
        version: Option<&str>,
    ) -> Result<LawPage, ServiceError> {
        let (law, versions, shown, as_of) = self.law_version(short_title, as_of, version).await?;
        let articles = laws::articles(self.store().reader(), shown.id).await?;
        let status = shown.status_on(as_of);
        Ok(LawPage { law, versions, shown, status, as_of, articles })
    }

    /// One article of a law as in force on `as_of` (or of the given version).
    pub async fn law_article(
        &self,
        short_title: &str,
        anchor: &str,
        as_of: Option<&str>,
        version: Option<&str>,
    ) -> Result<(LawPage, ArticleText), ServiceError> {
        let number = ArticleNumber::parse(anchor)
            .ok_or_else(|| ServiceError::field("article", "条号应为数字，例如 43 或 133-1"))?;
        let (law, versions, shown, as_of) = self.law_version(short_title, as_of, version).await?;
        let article = laws::article(self.store().reader(), shown.id, number)
            .await?
            .ok_or(ServiceError::NoMatch("没有找到该条文：请核对条文序号，或回到这部法律的全文查看"))?;
        let status = shown.status_on(as_of);
        Ok((LawPage { law, versions, shown, status, as_of, articles: Vec::new() }, article))
    }

    /// A law with its versions, and the version shown: the given one, or the one in
    /// force on `as_of`.
    async fn law_version(
        &self,
        short_title: &str,
        as_of: Option<&str>,
        version: Option<&str>,
    ) -> Result<(LawInfo, Vec<VersionInfo>, VersionInfo, NaiveDate), ServiceError> {
        let as_of = parse_as_of(as_of)?;
        let (law, versions) = laws::law(self.store().reader(), short_title)
            .await?
            .ok_or(ServiceError::NoMatch("没有找到这部法律法规：请核对名称，或在法律法规页面检索"))?;
        let shown = match version.map(str::trim).filter(|v| !v.is_empty()) {
            Some(key) => versions
                .iter()
                .find(|v| v.version_key == key)
                .ok_or(ServiceError::NoMatch("没有找到这部法律的该版本，请从法律页面的“版本”中选择"))?,
            None => version_on(&versions, as_of)
                .ok_or(ServiceError::NoMatch("没有找到这部法律法规：请核对名称，或在法律法规页面检索"))?,
        }
        .clone();
        Ok((law, versions, shown, as_of))
    }
}

fn import_error(e: import::ImportError) -> ServiceError {
    match e {
        import::ImportError::Store(s) => s.into(),
        other => ServiceError::field("dir", other.to_string()),
    }
}

fn law_error(e: gongdao_lawbase::LawError) -> ServiceError {
    match e {
        gongdao_lawbase::LawError::NotReady(m) => ServiceError::Unavailable(m.to_string()),
        gongdao_lawbase::LawError::Store(s) => s.into(),
        gongdao_lawbase::LawError::Index(i) => ServiceError::Internal(i.to_string()),
        gongdao_lawbase::LawError::Embed(e) => ServiceError::Unavailable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_must_be_a_date_from_1949_on() {
        assert_eq!(parse_as_of(Some("2020-06-01")).unwrap(), NaiveDate::from_ymd_opt(2020, 6, 1).unwrap());
        assert_eq!(parse_as_of(None).unwrap(), today());
        assert_eq!(parse_as_of(Some(" ")).unwrap(), today());
        for bad in ["yesterday", "2020-13-01", "1900-01-01", "1949-09-30"] {
            match parse_as_of(Some(bad)) {
                Err(ServiceError::Invalid(e)) => assert_eq!(e.0[0].field, "as_of", "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn next_steps_follow_the_cited_laws_and_the_words_of_the_question() {
        let steps = parse_next_steps(NEXT_STEPS).unwrap();
        let ids = |q: &str, laws: &[&str]| -> Vec<String> {
            next_steps_for(&steps, q, laws).into_iter().map(|s| s.id.clone()).collect()
        };
        let wage = ids("老板拖欠工资三个月了", &["劳动合同法"]);
        assert!(wage.contains(&"legal_aid".to_string()) && wage.contains(&"labour_mediation".to_string()), "{wage:?}");
        assert_eq!(wage.last().map(String::as_str), Some("consultation"));
        let land = ids("村里把我家承包地收回了", &["农村土地承包法"]);
        assert!(land.contains(&"land_mediation".to_string()), "{land:?}");
        assert!(!land.contains(&"labour_mediation".to_string()), "{land:?}");
        assert!(steps.iter().all(|s| !s.source.is_empty()), "every step cites its article");
    }

    #[test]
    fn control_characters_are_dropped_from_queries() {
        assert_eq!(clean("\u{0}\u{7}工资\u{1b} "), "工资");
    }
}
