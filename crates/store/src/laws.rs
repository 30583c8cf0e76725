//! The law corpus tables. Written by the importer in one transaction per run; read by
//! the law browser and, in bulk, by each instance's search index.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use gongdao_domain::ids::{LawCaseId, LawId, LawVersionId};
use gongdao_domain::law::corpus::{ArticleText, CaseText, LawVersionText};
use gongdao_domain::law::{ArticleNumber, CaseInfo, HistoryEntry, LawInfo, LawLevel, VersionInfo};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::StoreError;
use crate::entity::{law, law_article, law_case, law_version};
use crate::sql::raw;

/// What an import did with one version or case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Added,
    /// The same version with a different text: its articles were replaced.
    Replaced,
    Unchanged,
}

/// Rows a statement may carry: both backends take this many parameters easily.
const INSERT_BATCH: usize = 400;

/// Stores one version of a law (creating the law on first sight), unless the same
/// version with the same content hash is already there.
pub async fn upsert_version(
    conn: &impl ConnectionTrait,
    v: &LawVersionText,
    content_hash: &str,
    now: DateTime<Utc>,
) -> Result<(LawId, Outcome), StoreError> {
    let law_id = match law::Entity::find().filter(law::Column::ShortTitle.eq(&v.short_title)).one(conn).await? {
        Some(l) => l.id,
        None => {
            law::Entity::insert(law::ActiveModel {
                id: NotSet,
                short_title: Set(v.short_title.clone()),
                title: Set(v.title.clone()),
                category: Set(v.category.clone()),
                level: Set(v.level.code().to_string()),
            })
            .exec(conn)
            .await?
            .last_insert_id
        }
    };
    let key = v.version_key();
    let existing = law_version::Entity::find()
        .filter(law_version::Column::LawId.eq(law_id))
        .filter(law_version::Column::VersionKey.eq(&key))
        .one(conn)
        .await?;
    let history = serde_json::to_string(&v.history).map_err(StoreError::corrupt)?;
    let row = law_version::ActiveModel {
        id: NotSet,
        law_id: Set(law_id),
        version_key: Set(key),
        version_date: Set(v.version_date),
        effective_date: Set(v.effective_date),
        superseded_on: Set(None),
        history: Set(history),
        sources: Set(v.sources.join("\n")),
        content_hash: Set(content_hash.to_string()),
        article_count: Set(v.articles.len() as i64),
        imported_at: Set(now),
    };
    let (version_id, outcome) = match existing {
        Some(e) if e.content_hash == content_hash => return Ok((LawId(law_id), Outcome::Unchanged)),
        Some(e) => {
            law_article::Entity::delete_many().filter(law_article::Column::VersionId.eq(e.id)).exec(conn).await?;
            let mut row = row;
            row.id = Set(e.id);
            law_version::Entity::update(row).exec(conn).await?;
            (e.id, Outcome::Replaced)
        }
        None => (law_version::Entity::insert(row).exec(conn).await?.last_insert_id, Outcome::Added),
    };
    // The latest version names the law.
    if is_latest(conn, law_id, v.version_date).await? {
        law::Entity::update_many()
            .col_expr(law::Column::Title, v.title.clone().into())
            .col_expr(law::Column::Category, v.category.clone().into())
            .col_expr(law::Column::Level, v.level.code().into())
            .filter(law::Column::Id.eq(law_id))
            .exec(conn)
            .await?;
    }
    for chunk in v.articles.chunks(INSERT_BATCH) {
        law_article::Entity::insert_many(chunk.iter().map(|a| law_article::ActiveModel {
            id: NotSet,
            version_id: Set(version_id),
            number: Set(a.number.number as i64),
            suffix: Set(a.number.suffix as i64),
            headings: Set(a.headings.join("\n")),
            body: Set(a.body.clone()),
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok((LawId(law_id), outcome))
}

async fn is_latest(conn: &impl ConnectionTrait, law_id: i64, date: Option<NaiveDate>) -> Result<bool, StoreError> {
    let later = law_version::Entity::find()
        .filter(law_version::Column::LawId.eq(law_id))
        .filter(law_version::Column::VersionDate.gt(date))
        .count(conn)
        .await?;
    Ok(later == 0)
}

/// Sets each version's `superseded_on` to the day the next version of the same law
/// took effect.
pub async fn refresh_supersession(conn: &impl ConnectionTrait, law_id: i64) -> Result<(), StoreError> {
    let versions = law_version::Entity::find()
        .filter(law_version::Column::LawId.eq(law_id))
        .order_by_asc(law_version::Column::EffectiveDate)
        .order_by_asc(law_version::Column::Id)
        .all(conn)
        .await?;
    for (i, v) in versions.iter().enumerate() {
        let next = versions.get(i + 1).and_then(|n| n.effective_date.or(n.version_date));
        if v.superseded_on != next {
            law_version::Entity::update_many()
                .col_expr(law_version::Column::SupersededOn, next.into())
                .filter(law_version::Column::Id.eq(v.id))
                .exec(conn)
                .await?;
        }
    }
    Ok(())
}

/// Stores a case unless the same title with the same content is there.
pub async fn upsert_case(
    conn: &impl ConnectionTrait,
    c: &CaseText,
    content_hash: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let existing = law_case::Entity::find().filter(law_case::Column::Title.eq(&c.title)).one(conn).await?;
    let row = law_case::ActiveModel {
        id: NotSet,
        title: Set(c.title.clone()),
        category: Set(c.category.clone()),
        source: Set(c.source.clone()),
        body: Set(c.body.clone()),
        content_hash: Set(content_hash.to_string()),
        imported_at: Set(now),
    };
    match existing {
        Some(e) if e.content_hash == content_hash => Ok(Outcome::Unchanged),
        Some(e) => {
            let mut row = row;
            row.id = Set(e.id);
            law_case::Entity::update(row).exec(conn).await?;
            Ok(Outcome::Replaced)
        }
        None => {
            law_case::Entity::insert(row).exec_without_returning(conn).await?;
            Ok(Outcome::Added)
        }
    }
}

/// How much of the corpus is stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub laws: u64,
    pub versions: u64,
    pub articles: u64,
    pub cases: u64,
}

pub async fn counts(conn: &impl ConnectionTrait) -> Result<Counts, StoreError> {
    Ok(Counts {
        laws: law::Entity::find().count(conn).await?,
        versions: law_version::Entity::find().count(conn).await?,
        articles: law_article::Entity::find().count(conn).await?,
        cases: law_case::Entity::find().count(conn).await?,
    })
}

/// One article with what the index needs to know about its law and version.
#[derive(Clone, Debug)]
///
/// The law's and version's texts and the headings are shared between the rows that
/// repeat them: an index of the whole corpus holds each once.
pub struct IndexRow {
    pub article_id: i64,
    pub law_id: LawId,
    pub short_title: Arc<str>,
    pub title: Arc<str>,
    pub category: Arc<str>,
    pub level: LawLevel,
    pub version_id: LawVersionId,
    pub version_key: Arc<str>,
    pub effective_date: Option<NaiveDate>,
    pub superseded_on: Option<NaiveDate>,
    pub number: ArticleNumber,
    pub headings: Arc<[String]>,
    pub body: Box<str>,
}

/// Hands out one shared copy of each distinct text.
#[derive(Default)]
struct Interner {
    texts: std::collections::HashMap<String, Arc<str>>,
    headings: std::collections::HashMap<String, Arc<[String]>>,
}

impl Interner {
    fn text(&mut self, s: String) -> Arc<str> {
        self.texts.entry(s).or_insert_with_key(|k| Arc::from(k.as_str())).clone()
    }

    fn headings(&mut self, joined: String) -> Arc<[String]> {
        self.headings.entry(joined).or_insert_with_key(|k| split_headings(k).into()).clone()
    }
}

/// Rows read per query when loading the whole corpus: a page at a time keeps the
/// loader's transient memory small (the rows of all 65,000 articles at once would
/// leave tens of megabytes of freed, fragmented heap behind).
const INDEX_PAGE: i64 = 4000;

/// Every article of every version, for building a search index, in article order.
pub async fn index_rows(conn: &impl ConnectionTrait) -> Result<Vec<IndexRow>, StoreError> {
    let mut out = Vec::new();
    let mut interner = Interner::default();
    let mut after = 0i64;
    loop {
        let stmt = raw(
            conn,
            "SELECT a.id AS article_id, l.id AS law_id, l.short_title, l.title, l.category, l.level,
                    v.id AS version_id, v.version_key, v.effective_date, v.superseded_on,
                    a.number, a.suffix, a.headings, a.body
               FROM law_articles a
               JOIN law_versions v ON v.id = a.version_id
               JOIN laws l ON l.id = v.law_id
              WHERE a.id > $1
              ORDER BY a.id
              LIMIT $2",
            vec![after.into(), INDEX_PAGE.into()],
        );
        let rows = conn.query_all_raw(stmt).await?;
        let page = rows.len();
        for r in rows {
            let level: String = r.try_get("", "level")?;
            let headings: String = r.try_get("", "headings")?;
            let row = IndexRow {
                article_id: r.try_get("", "article_id")?,
                law_id: LawId(r.try_get("", "law_id")?),
                short_title: interner.text(r.try_get("", "short_title")?),
                title: interner.text(r.try_get("", "title")?),
                category: interner.text(r.try_get("", "category")?),
                level: LawLevel::from_code(&level).ok_or_else(|| StoreError::corrupt("law level"))?,
                version_id: LawVersionId(r.try_get("", "version_id")?),
                version_key: interner.text(r.try_get("", "version_key")?),
                effective_date: r.try_get("", "effective_date")?,
                superseded_on: r.try_get("", "superseded_on")?,
                number: ArticleNumber {
                    number: r.try_get::<i64>("", "number")? as u32,
                    suffix: r.try_get::<i64>("", "suffix")? as u32,
                },
                headings: interner.headings(headings),
                body: r.try_get::<String>("", "body")?.into_boxed_str(),
            };
            after = row.article_id;
            out.push(row);
        }
        if (page as i64) < INDEX_PAGE {
            break;
        }
    }
    out.shrink_to_fit();
    Ok(out)
}

fn split_headings(text: &str) -> Vec<String> {
    text.split('\n').filter(|h| !h.is_empty()).map(str::to_string).collect()
}

pub async fn cases(conn: &impl ConnectionTrait) -> Result<Vec<CaseInfo>, StoreError> {
    let rows = law_case::Entity::find().order_by_asc(law_case::Column::Id).all(conn).await?;
    Ok(rows.into_iter().map(case_record).collect())
}

fn case_record(m: law_case::Model) -> CaseInfo {
    let is_case = m.source.starts_with("案例/");
    CaseInfo { id: LawCaseId(m.id), title: m.title, category: m.category, body: m.body, is_case }
}

fn law_info(m: law::Model) -> Result<LawInfo, StoreError> {
    Ok(LawInfo {
        id: LawId(m.id),
        level: LawLevel::from_code(&m.level).ok_or_else(|| StoreError::corrupt("law level"))?,
        short_title: m.short_title,
        title: m.title,
        category: m.category,
    })
}

fn version_info(m: law_version::Model) -> Result<VersionInfo, StoreError> {
    let history: Vec<HistoryEntry> =
        serde_json::from_str(&m.history).map_err(|_| StoreError::corrupt("law version history"))?;
    Ok(VersionInfo {
        id: LawVersionId(m.id),
        law_id: LawId(m.law_id),
        version_key: m.version_key,
        version_date: m.version_date,
        effective_date: m.effective_date,
        superseded_on: m.superseded_on,
        history,
        article_count: m.article_count,
    })
}

/// All laws, by category and title.
pub async fn laws(conn: &impl ConnectionTrait) -> Result<Vec<LawInfo>, StoreError> {
    let rows =
        law::Entity::find().order_by_asc(law::Column::Category).order_by_asc(law::Column::ShortTitle).all(conn).await?;
    rows.into_iter().map(law_info).collect()
}

/// A law by its short title, with its versions oldest first.
pub async fn law(
    conn: &impl ConnectionTrait,
    short_title: &str,
) -> Result<Option<(LawInfo, Vec<VersionInfo>)>, StoreError> {
    let Some(l) = law::Entity::find().filter(law::Column::ShortTitle.eq(short_title)).one(conn).await? else {
        return Ok(None);
    };
    let versions = law_version::Entity::find()
        .filter(law_version::Column::LawId.eq(l.id))
        .order_by_asc(law_version::Column::EffectiveDate)
        .order_by_asc(law_version::Column::Id)
        .all(conn)
        .await?;
    let versions = versions.into_iter().map(version_info).collect::<Result<Vec<_>, _>>()?;
    Ok(Some((law_info(l)?, versions)))
}

/// The articles of a version in order.
pub async fn articles(conn: &impl ConnectionTrait, version: LawVersionId) -> Result<Vec<ArticleText>, StoreError> {
    let rows = law_article::Entity::find()
        .filter(law_article::Column::VersionId.eq(version.0))
        .order_by_asc(law_article::Column::Number)
        .order_by_asc(law_article::Column::Suffix)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(article_text).collect())
}

/// One article of a version.
pub async fn article(
    conn: &impl ConnectionTrait,
    version: LawVersionId,
    number: ArticleNumber,
) -> Result<Option<ArticleText>, StoreError> {
    let row = law_article::Entity::find()
        .filter(law_article::Column::VersionId.eq(version.0))
        .filter(law_article::Column::Number.eq(number.number as i64))
        .filter(law_article::Column::Suffix.eq(number.suffix as i64))
        .limit(1)
        .one(conn)
        .await?;
    Ok(row.map(article_text))
}

fn article_text(m: law_article::Model) -> ArticleText {
    ArticleText {
        number: ArticleNumber { number: m.number as u32, suffix: m.suffix as u32 },
        headings: split_headings(&m.headings),
        body: m.body,
    }
}

/// Removes what an older import took from outside the category folders (the corpus's
/// README and template, imported as a law and a case with no category); answers how
/// many laws and cases went.
pub async fn remove_uncategorised(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let mut removed = 0;
    let versions = raw(
        conn,
        "DELETE FROM law_articles WHERE version_id IN \
         (SELECT v.id FROM law_versions v JOIN laws l ON l.id = v.law_id WHERE l.category = '')",
        vec![],
    );
    conn.execute_raw(versions).await?;
    conn.execute_raw(raw(
        conn,
        "DELETE FROM law_versions WHERE law_id IN (SELECT id FROM laws WHERE category = '')",
        vec![],
    ))
    .await?;
    removed += conn.execute_raw(raw(conn, "DELETE FROM laws WHERE category = ''", vec![])).await?.rows_affected();
    removed += conn
        .execute_raw(raw(conn, "DELETE FROM law_cases WHERE category = '' OR source NOT LIKE '%/%'", vec![]))
        .await?
        .rows_affected();
    Ok(removed)
}
