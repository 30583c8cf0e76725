//! Measures of search quality: a set of questions, each labelled with the articles of
//! one law that answer it (`{"id", "question", "law", "articles": [..]}` per line, the
//! format of `../shared/qa-dev/stard-dev.jsonl`). A question is a hit at k when any of
//! its articles is among the first k results; MRR@10 averages 1/rank of the first such
//! article within ten.

use std::path::Path;

use gongdao_domain::law::VersionStatus;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct LabelledQuestion {
    pub id: String,
    pub question: String,
    pub law: String,
    pub articles: Vec<u32>,
}

/// Reads a JSON-lines question file; blank lines and `#` comments are skipped.
pub fn read_questions(path: &Path) -> Result<Vec<LabelledQuestion>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_questions(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn parse_questions(text: &str) -> Result<Vec<LabelledQuestion>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("第 {} 行：{e}", i + 1)))
        .collect()
}

/// Hit rates and MRR over a question set.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Scores {
    pub questions: usize,
    pub hit1: f64,
    pub hit5: f64,
    pub hit10: f64,
    pub mrr10: f64,
}

/// The rank (1-based) of the first result that answers the question.
pub fn first_rank(q: &LabelledQuestion, results: &[(String, u32)]) -> Option<usize> {
    results.iter().position(|(law, article)| law == &q.law && q.articles.contains(article)).map(|p| p + 1)
}

/// Scores from the first-answer rank of each question (`None`: not in the results).
pub fn score(ranks: &[Option<usize>]) -> Scores {
    let n = ranks.len().max(1) as f64;
    let hit = |k: usize| ranks.iter().filter(|r| r.is_some_and(|r| r <= k)).count() as f64 / n;
    let mrr = ranks.iter().map(|r| r.filter(|r| *r <= 10).map(|r| 1.0 / r as f64).unwrap_or(0.0)).sum::<f64>() / n;
    Scores { questions: ranks.len(), hit1: hit(1), hit5: hit(5), hit10: hit(10), mrr10: mrr }
}

/// The three systems compared in the quality report, on one question set.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Report {
    pub ours: Scores,
    /// With the semantic re-ranking, when the model is loaded and articles embedded;
    /// its time includes encoding the question.
    pub ours_semantic: Option<(Scores, (f64, f64))>,
    pub jieba_bm25: Scores,
    pub fts5_trigram: Scores,
    /// Per-query time of each system in this run, one query at a time: (p50, p99) ms.
    pub ours_ms: (f64, f64),
    pub jieba_bm25_ms: (f64, f64),
    pub fts5_trigram_ms: (f64, f64),
}

/// The median and the 99th percentile of durations, in milliseconds.
pub fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    if ms.is_empty() {
        return (0.0, 0.0);
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99))
}

/// Runs the questions through the platform's search, plain BM25 over jieba terms, and
/// SQLite FTS5 with its trigram tokenizer, all over the articles in force on `as_of`.
pub async fn compare(
    base: &crate::LawBase,
    questions: &[LabelledQuestion],
    as_of: chrono::NaiveDate,
) -> Result<Report, crate::LawError> {
    let index = base.ready()?;
    let analyzer = base.analyzer();
    let mut ours = Vec::new();
    let mut plain = Vec::new();
    let (mut ours_ms, mut plain_ms) = (Vec::new(), Vec::new());
    for q in questions {
        for (ranks, times, is_plain) in [(&mut ours, &mut ours_ms, false), (&mut plain, &mut plain_ms, true)] {
            let mut params = crate::SearchParams::new(q.question.clone(), as_of);
            params.plain = is_plain;
            let started = std::time::Instant::now();
            let hits = index.search(analyzer, &params)?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            let results: Vec<(String, u32)> = hits.into_iter().map(|h| (h.law, h.article)).collect();
            ranks.push(first_rank(q, &results));
        }
    }
    let mut semantic = None;
    if base.encoder().is_some() && base.vector_count() > 0 {
        let (mut ranks, mut times) = (Vec::new(), Vec::new());
        for q in questions {
            let mut params = crate::SearchParams::new(q.question.clone(), as_of);
            params.semantic = true;
            let started = std::time::Instant::now();
            let hits = base.search(params).await?.hits;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            let results: Vec<(String, u32)> = hits.into_iter().map(|h| (h.law, h.article)).collect();
            ranks.push(first_rank(q, &results));
        }
        semantic = Some((score(&ranks), percentiles(times)));
    }
    let (fts, fts_ms) = fts5_ranks(base.store(), questions, as_of).await?;
    Ok(Report {
        ours: score(&ours),
        ours_semantic: semantic,
        jieba_bm25: score(&plain),
        fts5_trigram: score(&fts),
        ours_ms: percentiles(ours_ms),
        jieba_bm25_ms: percentiles(plain_ms),
        fts5_trigram_ms: percentiles(fts_ms),
    })
}

/// Writes, per question, one JSON line with its candidates' features
/// (`LawBase::candidate_features`) and which candidates answer it: the data
/// `bench/ranking/train.py` fits the ranking's weights to.
pub async fn write_features(
    base: &crate::LawBase,
    questions: &[LabelledQuestion],
    as_of: chrono::NaiveDate,
    out: &mut impl std::io::Write,
) -> Result<(), crate::LawError> {
    for q in questions {
        let candidates = base.candidate_features(crate::SearchParams::new(q.question.clone(), as_of)).await?;
        let answers: Vec<bool> = candidates.iter().map(|c| c.law == q.law && q.articles.contains(&c.article)).collect();
        let features: Vec<&[f32]> = candidates.iter().map(|c| c.features.as_slice()).collect();
        let line = serde_json::json!({
            "id": q.id,
            "names": crate::scoring::FEATURES,
            "features": features,
            "answers": answers,
        });
        writeln!(out, "{line}").map_err(crate::system_error)?;
    }
    Ok(())
}

/// The FTS5 trigram baseline: the same articles in an in-memory SQLite table; the
/// question's character trigrams OR-ed, ranked by FTS5's bm25.
async fn fts5_ranks(
    store: &gongdao_store::Store,
    questions: &[LabelledQuestion],
    as_of: chrono::NaiveDate,
) -> Result<(Vec<Option<usize>>, Vec<f64>), crate::LawError> {
    use sea_orm::{ConnectOptions, ConnectionTrait, Database, DbBackend, Statement, TransactionTrait};
    let db_err = |e: sea_orm::DbErr| crate::LawError::Store(e.into());
    let mut options = ConnectOptions::new("sqlite::memory:");
    options.max_connections(1).min_connections(1).sqlx_logging(false);
    let db = Database::connect(options).await.map_err(db_err)?;
    db.execute_unprepared(
        "CREATE VIRTUAL TABLE a USING fts5(law UNINDEXED, article UNINDEXED, body, tokenize = 'trigram')",
    )
    .await
    .map_err(db_err)?;
    let tx = db.begin().await.map_err(db_err)?;
    let rows = gongdao_store::laws::index_rows(store.reader()).await?;
    let in_force =
        rows.iter().filter(|r| VersionStatus::on(r.effective_date, r.superseded_on, as_of) == VersionStatus::InForce);
    for row in in_force {
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO a (law, article, body) VALUES (?, ?, ?)",
            [row.short_title.to_string().into(), (row.number.number as i64).into(), row.body.to_string().into()],
        ))
        .await
        .map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)?;
    let mut ranks = Vec::new();
    let mut times = Vec::new();
    for q in questions {
        let started = std::time::Instant::now();
        let grams = trigrams(&q.question);
        if grams.is_empty() {
            ranks.push(None);
            continue;
        }
        let query = grams.iter().map(|g| format!("\"{g}\"")).collect::<Vec<_>>().join(" OR ");
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT law, article FROM a WHERE a MATCH ? ORDER BY rank LIMIT 10",
                [query.into()],
            ))
            .await
            .map_err(db_err)?;
        let mut results = Vec::new();
        for r in rows {
            let law: String = r.try_get("", "law").map_err(db_err)?;
            let article: i64 = r.try_get("", "article").map_err(db_err)?;
            results.push((law, article as u32));
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        ranks.push(first_rank(q, &results));
    }
    Ok((ranks, times))
}

/// The distinct character trigrams of a question's runs of letters, digits and CJK.
pub fn trigrams(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for run in text.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = run.chars().collect();
        for w in chars.windows(3) {
            let g: String = w.iter().collect();
            if !out.contains(&g) {
                out.push(g);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_and_mrr_count_the_first_labelled_article() {
        let q =
            LabelledQuestion {
                id: "t".into(), question: "?".into(), law: "民法典".into(), articles: vec![1079, 1080]
            };
        let results = vec![("劳动法".to_string(), 1079), ("民法典".to_string(), 1), ("民法典".to_string(), 1080)];
        assert_eq!(first_rank(&q, &results), Some(3));
        assert_eq!(first_rank(&q, &results[..2]), None);
        let s = score(&[Some(1), Some(3), None, Some(12)]);
        assert_eq!(s.questions, 4);
        assert_eq!(s.hit1, 0.25);
        assert_eq!(s.hit5, 0.5);
        assert_eq!(s.hit10, 0.5);
        assert!((s.mrr10 - (1.0 + 1.0 / 3.0) / 4.0).abs() < 1e-9);
    }

    #[test]
    fn percentiles_of_durations() {
        assert_eq!(percentiles(vec![]), (0.0, 0.0));
        let ms: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentiles(ms), (51.0, 99.0));
    }

    #[test]
    fn trigrams_skip_punctuation() {
        assert_eq!(trigrams("欠工资，怎么办"), vec!["欠工资", "怎么办"]);
        assert!(trigrams("？！").is_empty());
    }

    #[test]
    fn question_files_are_read_line_by_line_with_their_errors() {
        let text = "# comment\n{\"id\":\"a\",\"question\":\"q\",\"law\":\"民法典\",\"articles\":[1]}\n\n";
        assert_eq!(parse_questions(text).unwrap().len(), 1);
        let e = parse_questions("{\"id\":1}\n").unwrap_err();
        assert!(e.contains("第 1 行"), "{e}");
    }
}
