//! 法律法规 and 法律问答: the law browser, article pages with stable URLs, search with
//! filters, and the Q&A page with its kiosk mode (large type, touch-sized targets, back
//! to the start after inactivity). Public: no login; a per-address allowance.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::law::{LawLevel, VersionStatus};
use gongdao_lawbase::Hit;
use gongdao_services::laws::{LawSearchInput, NextStep, QaInput};
use serde::Deserialize;

use super::{Layout, Opt, page_error, render};
use crate::AppState;
use crate::session::{ClientIp, Visitor};
// Law titles in URL paths: they hold no `/`, which it leaves as it is.
use crate::session::encode_component as path_segment;

/// A run of text, marked when it is one of the question's words.
pub struct Segment {
    pub text: String,
    pub mark: bool,
}

/// Splits `text` into runs, marking every occurrence of `terms` (longest first).
pub fn marked(text: &str, terms: &[String]) -> Vec<Segment> {
    let mut terms: Vec<&str> = terms.iter().map(String::as_str).filter(|t| !t.is_empty()).collect();
    terms.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let mut out: Vec<Segment> = Vec::new();
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for (i, _) in rest.char_indices() {
            if let Some(t) = terms.iter().find(|t| rest[i..].starts_with(**t)) {
                if i > 0 {
                    out.push(Segment { text: rest[..i].to_string(), mark: false });
                }
                out.push(Segment { text: t.to_string(), mark: true });
                rest = &rest[i + t.len()..];
                continue 'outer;
            }
        }
        out.push(Segment { text: rest.to_string(), mark: false });
        break;
    }
    out
}

/// An article in a list of results.
pub struct HitView {
    pub law: String,
    pub title: String,
    pub level: &'static str,
    pub version: String,
    pub superseded: bool,
    pub status: &'static str,
    pub label: String,
    pub href: String,
    pub headings: String,
    pub paragraphs: Vec<Vec<Segment>>,
    pub sentence: Vec<Segment>,
}

fn article_href(law: &str, anchor: &str, version: Option<&str>) -> String {
    match version {
        Some(v) => format!("/laws/{}/{anchor}?version={v}", path_segment(law)),
        None => format!("/laws/{}/{anchor}", path_segment(law)),
    }
}

fn hit_view(h: Hit) -> HitView {
    let superseded = h.status != VersionStatus::InForce;
    HitView {
        href: article_href(&h.law, &h.anchor, superseded.then_some(h.version.as_str())),
        paragraphs: h.text.lines().map(|p| marked(p, &h.highlights)).collect(),
        sentence: marked(&h.sentence, &h.highlights),
        law: h.law,
        title: h.title,
        level: h.level.label(),
        version: h.version,
        superseded,
        status: h.status.label(),
        label: h.label,
        headings: h.headings.join(" · "),
    }
}

#[derive(Deserialize, Default)]
pub struct SearchForm {
    q: Option<String>,
    level: Option<String>,
    category: Option<String>,
    law: Option<String>,
    as_of: Option<String>,
}

pub struct ShelfView {
    pub category: String,
    pub laws: Vec<(String, String, &'static str)>,
}

#[derive(Template)]
#[template(path = "laws.html")]
struct LawsPage {
    layout: Layout,
    q: String,
    as_of: String,
    law: String,
    levels: Vec<Opt>,
    categories: Vec<Opt>,
    searched: bool,
    error: Option<String>,
    hits: Vec<HitView>,
    took_ms: String,
    /// The hits were re-ranked by meaning too.
    semantic: bool,
    shelves: Vec<ShelfView>,
    total_laws: usize,
}

async fn layout(state: &AppState, visitor: &Visitor, title: &str) -> Layout {
    Layout::for_visitor(state, visitor, title, "/laws").await
}

/// 法律法规: the catalogue, or search results with filters.
pub async fn index(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    Query(form): Query<SearchForm>,
) -> Response {
    if let Err(e) = crate::limits::check(&state, crate::limits::Allowance::Laws, &ip).await {
        return page_error(e);
    }
    let shelves = match state.services.law_shelves().await {
        Ok(s) => s,
        Err(e) => return page_error(e),
    };
    let q = form.q.clone().unwrap_or_default();
    let level = form.level.clone().unwrap_or_default();
    let category = form.category.clone().unwrap_or_default();
    let mut error = None;
    let mut hits = Vec::new();
    let mut took_ms = String::new();
    let mut semantic = false;
    let searched = !q.trim().is_empty();
    if searched {
        let input = LawSearchInput {
            q: q.clone(),
            limit: Some(20),
            as_of: form.as_of.clone(),
            level: form.level.clone(),
            category: form.category.clone(),
            law: form.law.clone(),
            semantic: Some(true),
        };
        match state.services.search_laws(&input).await {
            Ok(r) => {
                took_ms = format!("{:.1}", r.took_ms);
                semantic = r.semantic;
                hits = r.hits.into_iter().map(hit_view).collect();
            }
            Err(e) => error = Some(e.to_string()),
        }
    }
    let mut levels = vec![Opt::new("", "全部效力级别", level.is_empty())];
    levels.extend(
        LawLevel::ALL
            .iter()
            .filter(|l| **l != LawLevel::Case)
            .map(|l| Opt::new(l.code(), l.label(), l.code() == level)),
    );
    let mut categories = vec![Opt::new("", "全部类别", category.is_empty())];
    categories.extend(
        shelves
            .iter()
            .filter(|s| s.category != "案例" && !s.category.trim().is_empty())
            .map(|s| Opt::new(s.category.clone(), s.category.clone(), s.category == category)),
    );
    let total_laws = shelves.iter().map(|s| s.laws.len()).sum();
    let shelves = shelves
        .into_iter()
        .map(|s| ShelfView {
            category: s.category,
            laws: s
                .laws
                .into_iter()
                .map(|l| (format!("/laws/{}", path_segment(&l.short_title)), l.short_title, l.level.label()))
                .collect(),
        })
        .collect();
    render(
        StatusCode::OK,
        &LawsPage {
            layout: layout(&state, &visitor, "法律法规").await,
            q,
            as_of: form.as_of.unwrap_or_default(),
            law: form.law.unwrap_or_default(),
            levels,
            categories,
            searched,
            error,
            hits,
            took_ms,
            semantic,
            shelves,
            total_laws,
        },
    )
}

#[derive(Deserialize, Default)]
pub struct VersionForm {
    as_of: Option<String>,
    version: Option<String>,
}

pub struct VersionView {
    pub key: String,
    pub href: String,
    pub status: &'static str,
    pub effective: String,
    pub current: bool,
}

pub struct ArticleView {
    pub anchor: String,
    pub label: String,
    pub heading: Option<String>,
    pub paragraphs: Vec<String>,
    pub href: String,
}

#[derive(Template)]
#[template(path = "law.html")]
struct LawPageView {
    layout: Layout,
    short_title: String,
    title: String,
    level: &'static str,
    category: String,
    version: String,
    status: &'static str,
    in_force: bool,
    as_of: String,
    history: Vec<(String, String)>,
    versions: Vec<VersionView>,
    toc: Vec<(String, String)>,
    articles: Vec<ArticleView>,
}

/// A law: versions, history, table of contents and every article with its anchor.
pub async fn law(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    Path(short_title): Path<String>,
    Query(form): Query<VersionForm>,
) -> Response {
    if let Err(e) = crate::limits::check(&state, crate::limits::Allowance::Laws, &ip).await {
        return page_error(e);
    }
    let page = match state.services.law_page(&short_title, form.as_of.as_deref(), form.version.as_deref()).await {
        Ok(p) => p,
        Err(e) => return page_error(e),
    };
    let base = format!("/laws/{}", path_segment(&page.law.short_title));
    let versions = page
        .versions
        .iter()
        .rev()
        .map(|v| VersionView {
            key: v.version_key.clone(),
            href: format!("{base}?version={}", v.version_key),
            status: v.status_on(page.as_of).label(),
            effective: v.effective_date.map(|d| d.to_string()).unwrap_or_default(),
            current: v.id == page.shown.id,
        })
        .collect();
    let explicit_version = form.version.as_deref().filter(|v| !v.trim().is_empty());
    let mut toc = Vec::new();
    let mut last: Vec<String> = Vec::new();
    let articles = page
        .articles
        .iter()
        .map(|a| {
            let heading = (a.headings != last && !a.headings.is_empty()).then(|| a.headings.join(" · "));
            if let Some(h) = &heading {
                toc.push((a.number.anchor(), h.clone()));
            }
            last = a.headings.clone();
            ArticleView {
                anchor: a.number.anchor(),
                label: a.number.label(),
                heading,
                paragraphs: a.body.lines().map(str::to_string).collect(),
                href: article_href(&page.law.short_title, &a.number.anchor(), explicit_version),
            }
        })
        .collect();
    let title = page.law.title.clone();
    render(
        StatusCode::OK,
        &LawPageView {
            layout: layout(&state, &visitor, &title).await,
            short_title: page.law.short_title,
            title,
            level: page.law.level.label(),
            category: page.law.category,
            version: page.shown.version_key.clone(),
            status: page.status.label(),
            in_force: page.status == VersionStatus::InForce,
            as_of: page.as_of.to_string(),
            history: page.shown.history.iter().map(|h| (h.date.to_string(), h.event.clone())).collect(),
            versions,
            toc,
            articles,
        },
    )
}

#[derive(Template)]
#[template(path = "law_article.html")]
struct ArticlePage {
    layout: Layout,
    short_title: String,
    law_href: String,
    title: String,
    version: String,
    status: &'static str,
    in_force: bool,
    label: String,
    headings: String,
    paragraphs: Vec<String>,
}

/// One article, at a stable URL: `/laws/劳动合同法/30`.
pub async fn article(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    Path((short_title, anchor)): Path<(String, String)>,
    Query(form): Query<VersionForm>,
) -> Response {
    if let Err(e) = crate::limits::check(&state, crate::limits::Allowance::Laws, &ip).await {
        return page_error(e);
    }
    let (page, a) =
        match state.services.law_article(&short_title, &anchor, form.as_of.as_deref(), form.version.as_deref()).await {
            Ok(p) => p,
            Err(e) => return page_error(e),
        };
    let title = format!("{} {}", page.law.short_title, a.number.label());
    render(
        StatusCode::OK,
        &ArticlePage {
            layout: layout(&state, &visitor, &title).await,
            law_href: format!(
                "/laws/{}?version={}#a{}",
                path_segment(&page.law.short_title),
                page.shown.version_key,
                a.number.anchor()
            ),
            short_title: page.law.short_title,
            title: page.law.title,
            version: page.shown.version_key,
            status: page.status.label(),
            in_force: page.status == VersionStatus::InForce,
            label: a.number.label(),
            headings: a.headings.join(" · "),
            paragraphs: a.body.lines().map(str::to_string).collect(),
        },
    )
}

#[derive(Deserialize, Default)]
pub struct QaForm {
    q: Option<String>,
    region: Option<String>,
}

pub struct GroupView {
    pub law: String,
    pub title: String,
    pub level: &'static str,
    pub articles: Vec<HitView>,
}

pub struct PointView {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub hours: String,
}

#[derive(Template)]
#[template(path = "qa.html")]
struct QaPage {
    layout: Layout,
    kiosk: bool,
    q: String,
    region: String,
    error: Option<String>,
    answered: bool,
    groups: Vec<GroupView>,
    cases: Vec<(String, String, String)>,
    steps: Vec<NextStep>,
    points: Vec<PointView>,
    notice: String,
    examples: Vec<&'static str>,
}

pub(super) const EXAMPLES: &[&str] = &[
    "老板拖欠工资怎么办？",
    "子女不赡养老人怎么办？",
    "离婚后孩子的抚养费怎么算？",
    "朋友借钱不还，能起诉吗？",
    "承包地被村里收回了怎么办？",
    "请不起律师能申请法律援助吗？",
];

/// 法律问答: ask in plain words; `?kiosk=1` for the self-service terminal.
pub async fn qa(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    Query(form): Query<QaForm>,
) -> Response {
    let q = form.q.clone().unwrap_or_default();
    // The nearest service points: of the township asked about, else the kiosk's.
    let region = form
        .region
        .clone()
        .filter(|r| !r.trim().is_empty())
        .or_else(|| visitor.kiosk.and_then(|k| k.region).map(|r| r.to_string()))
        .unwrap_or_default();
    let layout = layout(&state, &visitor, "法律问答").await;
    let mut page = QaPage {
        kiosk: layout.is_kiosk(),
        layout,
        q: q.clone(),
        region: region.clone(),
        error: None,
        answered: false,
        groups: Vec::new(),
        cases: Vec::new(),
        steps: Vec::new(),
        points: Vec::new(),
        notice: String::new(),
        examples: EXAMPLES.to_vec(),
    };
    if !q.trim().is_empty() {
        if let Err(e) = crate::limits::check(&state, crate::limits::Allowance::Laws, &ip).await {
            return page_error(e);
        }
        match state.services.ask(&QaInput { question: q, region: Some(region), as_of: None }).await {
            Ok(a) => {
                page.answered = true;
                page.groups = a
                    .groups
                    .into_iter()
                    .map(|g| GroupView {
                        law: g.law,
                        title: g.title,
                        level: g.level.label(),
                        articles: g.articles.into_iter().map(hit_view).collect(),
                    })
                    .collect();
                page.cases = a.cases.into_iter().map(|c| (c.title, c.category, c.excerpt)).collect();
                page.steps = a.next_steps;
                page.points = a
                    .service_points
                    .into_iter()
                    .map(|p| PointView {
                        name: p.name,
                        address: p.address.unwrap_or_default(),
                        phone: p.phone.unwrap_or_default(),
                        hours: p.opening_hours.unwrap_or_default(),
                    })
                    .collect();
                page.notice = a.notice;
            }
            Err(e) => page.error = Some(e.to_string()),
        }
    }
    render(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_every_occurrence_of_the_longest_terms() {
        let segs = marked("劳动者有权取得劳动报酬。劳动", &["劳动".into(), "劳动报酬".into()]);
        let shown: Vec<(String, bool)> = segs.into_iter().map(|s| (s.text, s.mark)).collect();
        assert_eq!(
            shown,
            vec![
                ("劳动".into(), true),
                ("者有权取得".into(), false),
                ("劳动报酬".into(), true),
                ("。".into(), false),
                ("劳动".into(), true)
            ]
        );
        assert_eq!(marked("", &["a".into()]).len(), 0);
    }

    #[test]
    fn law_titles_are_escaped_in_paths() {
        assert_eq!(path_segment("ab-1"), "ab-1");
        assert_eq!(path_segment("法"), "%E6%B3%95");
    }
}
