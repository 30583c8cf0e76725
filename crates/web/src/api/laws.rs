//! The law knowledge base over JSON: search, Q&A, the catalogue, laws and articles.
//! Law texts are public: no login, a per-address allowance.

use axum::Json;
use axum::extract::{Path, State};
use gongdao_domain::law::LawLevel;
use gongdao_services::laws::{LawPage, LawSearchInput, LawSearchResult, LawShelf, QaAnswer, QaInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::session::ClientIp;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// The question or words to look for.
    pub q: Option<String>,
    /// At most this many hits (1–50, default 10).
    pub limit: Option<usize>,
    /// Show the versions in force on this day (YYYY-MM-DD, default today).
    pub as_of: Option<String>,
    /// Level code (`law`, `administrative_regulation`, `judicial_interpretation`,
    /// `departmental_rule`, `constitution`, `other`).
    pub level: Option<String>,
    /// Corpus category, e.g. 社会法.
    pub category: Option<String>,
    /// One law by short title, e.g. 劳动合同法.
    pub law: Option<String>,
    /// `true`: re-rank by meaning too (sentence embeddings), when the model is
    /// installed and the corpus embedded; better for questions in plain words, some
    /// 20–30 ms slower. Default `false`.
    pub semantic: Option<bool>,
}

/// Search articles of the laws in force on a day. Articles carry their law's short
/// title (民法典 for all its books), version and integer article number.
#[utoipa::path(get, path = "/api/v1/laws/search", tag = "laws", params(SearchQuery),
    responses((status = 200, body = LawSearchResult), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn search(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<LawSearchResult>> {
    crate::limits::check(&s, crate::limits::Allowance::Laws, &ip).await?;
    let input = LawSearchInput {
        q: q.q.unwrap_or_default(),
        limit: q.limit,
        as_of: q.as_of,
        level: q.level,
        category: q.category,
        law: q.law,
        semantic: q.semantic,
    };
    Ok(Json(s.services.search_laws(&input).await?))
}

/// Ask a question in plain Chinese: the articles that answer it, grouped by law, related
/// published cases, and what the platform offers next (mediation, legal aid, the
/// nearest service point, 12348). Retrieval with citations, never generated law.
#[utoipa::path(post, path = "/api/v1/qa", tag = "laws", request_body = QaInput,
    responses((status = 200, body = QaAnswer), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn qa(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<QaInput>,
) -> ApiResult<Json<QaAnswer>> {
    crate::limits::check(&s, crate::limits::Allowance::Laws, &ip).await?;
    Ok(Json(s.services.ask(&input).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Catalogue {
    pub items: Vec<LawShelf>,
    pub total: u64,
    /// Level codes and their names.
    pub levels: Vec<(String, String)>,
}

/// The laws by category.
#[utoipa::path(get, path = "/api/v1/laws", tag = "laws", responses((status = 200, body = Catalogue)))]
async fn catalogue(State(s): State<AppState>, ClientIp(ip): ClientIp) -> ApiResult<Json<Catalogue>> {
    crate::limits::check(&s, crate::limits::Allowance::Laws, &ip).await?;
    let items = s.services.law_shelves().await?;
    let total = items.iter().map(|shelf| shelf.laws.len() as u64).sum();
    let levels = LawLevel::ALL.iter().map(|l| (l.code().to_string(), l.label().to_string())).collect();
    Ok(Json(Catalogue { items, total, levels }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The version in force on this day (default today).
    pub as_of: Option<String>,
    /// A version by its date (`2012-12-28`), superseded ones included.
    pub version: Option<String>,
}

/// A law with its versions and the articles of the version shown.
#[utoipa::path(get, path = "/api/v1/laws/{law}", tag = "laws", params(("law" = String, Path, description = "short title"), VersionQuery),
    responses((status = 200, body = LawPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn law(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(law): Path<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> ApiResult<Json<LawPage>> {
    crate::limits::check(&s, crate::limits::Allowance::Laws, &ip).await?;
    Ok(Json(s.services.law_page(&law, q.as_of.as_deref(), q.version.as_deref()).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleAnswer {
    pub law: String,
    pub title: String,
    pub version: String,
    pub status: String,
    pub article: u32,
    pub suffix: u32,
    pub label: String,
    pub headings: Vec<String>,
    pub text: String,
}

/// One article (`43`, or `133-1` for 第一百三十三条之一).
#[utoipa::path(get, path = "/api/v1/laws/{law}/articles/{article}", tag = "laws",
    params(("law" = String, Path, description = "short title"), ("article" = String, Path, description = "number, e.g. 43 or 133-1"), VersionQuery),
    responses((status = 200, body = ArticleAnswer), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn article(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Path((law, article)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> ApiResult<Json<ArticleAnswer>> {
    crate::limits::check(&s, crate::limits::Allowance::Laws, &ip).await?;
    let (page, a) = s.services.law_article(&law, &article, q.as_of.as_deref(), q.version.as_deref()).await?;
    Ok(Json(ArticleAnswer {
        law: page.law.short_title,
        title: page.law.title,
        version: page.shown.version_key,
        status: page.status.label().to_string(),
        article: a.number.number,
        suffix: a.number.suffix,
        label: a.number.label(),
        headings: a.headings,
        text: a.body,
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(qa))
        .routes(routes!(catalogue))
        .routes(routes!(law))
        .routes(routes!(article))
}
