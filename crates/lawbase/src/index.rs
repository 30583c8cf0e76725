//! The search index of one instance: every article of every stored version, and the
//! cases, in a tantivy index held in memory, fed with jieba terms. A question becomes a
//! weighted OR of its terms over the article text, the law's title and the structure
//! headings, restricted to the versions in force on the as-of day; its best 200, with
//! the articles nearest by meaning when the model is loaded, are the candidates that
//! `scoring` orders by their features and fitted weights.

use std::collections::HashMap;
use std::ops::Bound;

use chrono::NaiveDate;
use gongdao_domain::ids::LawCaseId;
use gongdao_domain::law::{ArticleNumber, CaseInfo, LawLevel, VersionStatus};
use gongdao_store::laws::IndexRow;
use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{
    Bm25StatisticsProvider, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, SchemaBuilder, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{Index, IndexReader, Searcher, TantivyDocument, Term};
use utoipa::ToSchema;

use crate::analyzer::{Analyzer, QueryTerm};
use crate::lexicon::Ranking;
use crate::pairs::{CharPairs, Needle, ShortCharPairs};
use crate::scoring::Parts;
use crate::term_scores::WeightedTerm;

/// Candidates taken from BM25 for the scoring.
const CANDIDATES: usize = 200;
/// The most hits a search returns.
pub const MAX_LIMIT: usize = 50;
const TOKENIZER: &str = "gongdao_terms";
/// The level term of texts without articles that are not cases: indexed, found by
/// neither the article search nor the case search yet.
const DOCUMENT: &str = "document";
/// The writer's arena: tantivy's minimum for one thread, so the build stays small.
const WRITER_MEMORY: usize = 20 * 1024 * 1024;

/// What is indexed: an article, or a case.
#[derive(Clone, Debug)]
pub enum Entry {
    Article(IndexRow),
    Case(CaseInfo),
}

/// The fields a question's terms are looked up in.
#[derive(Clone, Copy)]
struct TermFields {
    text: Field,
    title: Field,
    heading: Field,
    bigram: Field,
}

impl TermFields {
    fn add(schema: &mut SchemaBuilder, prefix: &str, options: &TextOptions) -> TermFields {
        let mut add = |name: &str| schema.add_text_field(&format!("{prefix}{name}"), options.clone());
        TermFields { text: add("text"), title: add("title"), heading: add("heading"), bigram: add("bigram") }
    }

    fn all(self) -> [Field; 4] {
        [self.text, self.title, self.heading, self.bigram]
    }
}

/// The index holds a document's terms in one of two sets of fields: the articles in
/// force on the build day in `current`, every other text (other versions, cases,
/// documents) in `other`. The usual search (as of today, no filter) is then an OR of
/// terms over `current` with nothing to intersect it with. BM25 statistics are those of
/// both sets together ([`MergedStatistics`]), so a text scores the same whichever set
/// holds it.
#[derive(Clone, Copy)]
struct Fields {
    current: TermFields,
    other: TermFields,
    ord: Field,
    from: Field,
    until: Field,
    law: Field,
    level: Field,
    category: Field,
}

impl Fields {
    /// The field of the other set that holds the same kind of terms.
    fn partner(&self, field: Field) -> Option<Field> {
        let (current, other) = (self.current.all(), self.other.all());
        let at = |set: &[Field; 4], f: Field| set.iter().position(|x| *x == f);
        at(&current, field).map(|i| other[i]).or_else(|| at(&other, field).map(|i| current[i]))
    }
}

/// BM25 statistics over both sets of term fields taken together.
struct MergedStatistics<'a> {
    searcher: &'a Searcher,
    fields: Fields,
}

impl Bm25StatisticsProvider for MergedStatistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        let own = Bm25StatisticsProvider::total_num_tokens(self.searcher, field)?;
        match self.fields.partner(field) {
            Some(partner) => Ok(own + Bm25StatisticsProvider::total_num_tokens(self.searcher, partner)?),
            None => Ok(own),
        }
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::total_num_docs(self.searcher)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let own = self.searcher.doc_freq(term)?;
        match (self.fields.partner(term.field()), term.value().as_str()) {
            (Some(partner), Some(text)) => Ok(own + self.searcher.doc_freq(&Term::from_field_text(partner, text))?),
            _ => Ok(own),
        }
    }
}

/// What the filters (as-of day, level, category, law) add to every score; the usual
/// search, which needs none, adds it too, so a text scores the same in both. The
/// ranking weights in `lexicon.toml` were fitted with it.
const FILTER_SCORE: f32 = 2.0;

/// How a search finds its candidates.
enum TermSearch {
    /// The usual search (`LawIndex::is_current_only`): the weighted terms over the
    /// `current` fields, nothing to intersect them with, scored term at a time
    /// (`term_scores`); `FILTER_SCORE` is added to their scores.
    Current(Vec<WeightedTerm>),
    /// Any other: the terms over both sets of fields, restricted by the filters.
    Filtered(BooleanQuery),
}

pub struct LawIndex {
    reader: IndexReader,
    fields: Fields,
    entries: Vec<Entry>,
    /// Per segment, the entry of each document.
    segment_entries: Vec<Vec<u32>>,
    /// The days, as day numbers, over which the set of texts in force stays what it was
    /// on the build day, `[from, until)`: the texts in force on such a day are exactly
    /// those whose terms are in the `current` fields.
    current_days: (i64, i64),
    /// Short titles of the laws, longest first, to spot a law named in a question.
    law_names: Vec<(String, String)>,
    /// Finds every law name in a question in one pass, longest names first.
    law_finder: aho_corasick::AhoCorasick,
    /// The entries' passage keys, worked out when first needed: a server without the
    /// model never searches by meaning and spares the hashing and the memory.
    passages: std::sync::OnceLock<PassageKeys>,
    /// The characters and pairs of each entry's text, and of its headings and law
    /// title, to skip the coverage step's substring searches that cannot succeed.
    char_pairs: Vec<(CharPairs, ShortCharPairs)>,
}

/// Where each entry's vector is stored, and the other way round.
struct PassageKeys {
    /// The key of each entry's embedded passage (`semantic::text_hash`; 0 for cases).
    of: Vec<u128>,
    /// (passage key, entry) sorted by key: the entries of a passage (a text repeated
    /// across versions is one passage), found by binary search.
    by_key: Vec<(u128, u32)>,
}

impl PassageKeys {
    fn of(entries: &[Entry]) -> PassageKeys {
        let of: Vec<u128> = entries
            .iter()
            .map(|e| match e {
                Entry::Article(r) => crate::semantic::text_hash(&crate::semantic::passage_of(r)),
                Entry::Case(_) => 0,
            })
            .collect();
        let mut by_key: Vec<(u128, u32)> =
            of.iter().enumerate().filter(|(_, h)| **h != 0).map(|(ord, h)| (*h, ord as u32)).collect();
        by_key.sort_unstable();
        PassageKeys { of, by_key }
    }
}

/// A candidate of a search: its article, its entry, its features and its score.
struct Ranked<'a> {
    score: f32,
    row: &'a IndexRow,
    features: crate::scoring::Features,
}

/// How many of the passages nearest by meaning are looked at per article wanted by
/// meaning alone: some are other versions' texts or filtered out.
const NEAREST_POOL: usize = 4;

/// A search request.
#[derive(Clone, Debug)]
pub struct SearchParams {
    pub q: String,
    pub limit: usize,
    pub as_of: NaiveDate,
    pub level: Option<LawLevel>,
    pub category: Option<String>,
    pub law: Option<String>,
    /// Plain BM25 over the article text alone, no lexicon and no re-ranking: the
    /// baseline the quality report compares against.
    pub plain: bool,
    /// Re-rank the first candidates by meaning too, when the model is installed and
    /// the articles embedded (a question in a citizen's words; a typed term gains
    /// little for the encoding's ~20 ms).
    pub semantic: bool,
}

impl SearchParams {
    pub fn new(q: impl Into<String>, as_of: NaiveDate) -> SearchParams {
        SearchParams {
            q: q.into(),
            limit: 10,
            as_of,
            level: None,
            category: None,
            law: None,
            plain: false,
            semantic: false,
        }
    }
}

/// One article found.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Hit {
    /// Short title as in the corpus file name (民法典 for all its books).
    pub law: String,
    pub title: String,
    pub level: LawLevel,
    pub category: String,
    /// The version's date (`2012-12-28`), or `undated`.
    pub version: String,
    pub effective_date: Option<NaiveDate>,
    pub status: VersionStatus,
    /// The article number as an integer (之一 articles share their base number).
    pub article: u32,
    pub suffix: u32,
    pub label: String,
    pub anchor: String,
    pub headings: Vec<String>,
    pub text: String,
    /// The question's words found in the text, in the order they occur.
    pub highlights: Vec<String>,
    /// The sentence of the text that holds most of the question's words.
    pub sentence: String,
    pub score: f32,
}

/// One case found.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CaseHit {
    pub id: LawCaseId,
    pub title: String,
    pub category: String,
    pub excerpt: String,
    pub score: f32,
}

/// Today in China, where the laws apply.
pub(crate) fn today() -> NaiveDate {
    gongdao_domain::calendar::china_day(chrono::Utc::now())
}

/// The interval of days around `day` in which no text of `entries` comes into or goes
/// out of force.
fn stable_days(entries: &[Entry], day: i64) -> (i64, i64) {
    let (mut from, mut until) = (i64::MIN, i64::MAX);
    for e in entries {
        if let Entry::Article(r) = e {
            for change in [r.effective_date, r.superseded_on].into_iter().flatten().map(day_number) {
                if change <= day {
                    from = from.max(change);
                } else {
                    until = until.min(change);
                }
            }
        }
    }
    (from, until)
}

fn day_number(d: NaiveDate) -> i64 {
    use chrono::Datelike;
    d.num_days_from_ce() as i64
}

impl LawIndex {
    /// Builds the index of `entries`.
    pub fn build(analyzer: &Analyzer, entries: Vec<Entry>) -> tantivy::Result<LawIndex> {
        let mut schema = Schema::builder();
        let text_options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(TOKENIZER).set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            current: TermFields::add(&mut schema, "", &text_options),
            other: TermFields::add(&mut schema, "other_", &text_options),
            ord: schema.add_u64_field("ord", FAST),
            from: schema.add_i64_field("from", INDEXED | FAST),
            until: schema.add_i64_field("until", INDEXED | FAST),
            law: schema.add_text_field("law", STRING),
            level: schema.add_text_field("level", STRING),
            category: schema.add_text_field("category", STRING),
        };
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(TOKENIZER, TextAnalyzer::builder(WhitespaceTokenizer::default()).build());

        let title_terms: HashMap<String, String> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Article(r) => Some(r.short_title.to_string()),
                Entry::Case(_) => None,
            })
            .collect::<std::collections::HashSet<_>>()
            .into_iter()
            .map(|t| {
                let terms = analyzer.index_terms(&t).join(" ");
                (t, terms)
            })
            .collect();
        // Documents are segmented here and indexed by the writer's thread meanwhile, one
        // at a time: holding them all would double the memory the build needs.
        let today = today();
        let current_days = stable_days(&entries, day_number(today));
        let mut writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        // No merges while indexing: all segments are merged into one at the end, and a
        // background merge holding some of them would make that merge fail.
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        for (ord, e) in entries.iter().enumerate() {
            writer.add_document(document(analyzer, fields, &title_terms, ord as u64, e, today))?;
        }
        writer.commit()?;
        // One segment: a query looks up each of its ~100 terms once per segment, and
        // the small arena leaves a dozen of them.
        let segments = index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;

        let reader = index.reader()?;
        let searcher = reader.searcher();
        let mut segment_entries = Vec::new();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("ord")?;
            let ords = (0..segment.max_doc()).map(|doc| column.first(doc).unwrap_or(0) as u32).collect::<Vec<u32>>();
            segment_entries.push(ords);
        }
        let mut law_names: Vec<(String, String)> = title_terms
            .keys()
            .filter(|t| t.chars().count() >= 2)
            .flat_map(|t| {
                let mut names = vec![(t.clone(), t.clone())];
                // 民法典 is also called 民法; 劳动合同法 is asked about as 劳动合同法 only.
                if let Some(base) = t.strip_suffix('典') {
                    names.push((base.to_string(), t.clone()));
                }
                names
            })
            .collect();
        law_names.sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then(a.0.cmp(&b.0)));
        let law_finder = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(law_names.iter().map(|(name, _)| name.as_str()))
            .map_err(|e| tantivy::TantivyError::SystemError(e.to_string()))?;
        let char_pairs = entries
            .iter()
            .map(|e| match e {
                Entry::Article(r) => {
                    (CharPairs::of([&*r.body]), CharPairs::of(r.headings.iter().map(String::as_str).chain([&*r.title])))
                }
                Entry::Case(_) => (CharPairs::of([]), CharPairs::of([])),
            })
            .collect();
        Ok(LawIndex {
            reader,
            fields,
            entries,
            segment_entries,
            law_names,
            law_finder,
            current_days,
            passages: std::sync::OnceLock::new(),
            char_pairs,
        })
    }

    /// Works out the entries' passage keys now rather than at the first search by
    /// meaning (for a server with the model, right after the build).
    pub fn prepare_semantic(&self) {
        self.passage_keys();
    }

    fn passage_keys(&self) -> &PassageKeys {
        self.passages.get_or_init(|| PassageKeys::of(&self.entries))
    }

    /// How many segments the index has (one once built: see `build`).
    pub fn segment_count(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// The laws a question names (劳动合同法, 民法典…), by short title.
    fn named_laws(&self, question: &str) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        // Leftmost-longest: 劳动合同法 is taken whole, not as 劳动法 inside it.
        for m in self.law_finder.find_iter(question) {
            let law = &self.law_names[m.pattern().as_usize()].1;
            if !found.contains(law) {
                found.push(law.clone());
            }
        }
        found
    }

    /// Whether a search is the usual one, answered from the `current` fields alone.
    fn is_current_only(&self, params: &SearchParams, cases: bool) -> bool {
        let day = day_number(params.as_of);
        !cases
            && (self.current_days.0..self.current_days.1).contains(&day)
            && params.level.is_none()
            && params.category.is_none()
            && params.law.is_none()
    }

    /// The question's weighted terms over one set of fields.
    fn term_clauses(
        fields: TermFields,
        terms: &[QueryTerm],
        bigrams: &[String],
        params: &SearchParams,
        ranking: &Ranking,
        out: &mut Vec<WeightedTerm>,
    ) {
        let mut add = |field, text: &str, boost: f32| out.push((Term::from_field_text(field, text), boost));
        for t in terms {
            add(fields.text, &t.text, t.weight);
            if !params.plain {
                add(fields.title, &t.text, t.weight * ranking.title);
                add(fields.heading, &t.text, t.weight * ranking.heading);
            }
        }
        if !params.plain && ranking.bigram > 0.0 {
            for g in bigrams {
                add(fields.bigram, g, ranking.bigram);
            }
        }
    }

    /// How to search. The usual one (`is_current_only`) is the terms over the
    /// `current` fields and nothing else; any other is the terms over both sets,
    /// restricted to the texts in force on the as-of day and to the filters.
    fn search_for(
        &self,
        terms: &[QueryTerm],
        bigrams: &[String],
        params: &SearchParams,
        ranking: &Ranking,
        cases: bool,
    ) -> TermSearch {
        let f = self.fields;
        let mut weighted: Vec<WeightedTerm> = Vec::new();
        Self::term_clauses(f.current, terms, bigrams, params, ranking, &mut weighted);
        if self.is_current_only(params, cases) {
            return TermSearch::Current(weighted);
        }
        Self::term_clauses(f.other, terms, bigrams, params, ranking, &mut weighted);
        let should: Vec<(Occur, Box<dyn Query>)> = weighted
            .into_iter()
            .map(|(term, boost)| -> (Occur, Box<dyn Query>) {
                let q = TermQuery::new(term, IndexRecordOption::WithFreqs);
                (Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost)))
            })
            .collect();
        let day = day_number(params.as_of);
        let mut filters: Vec<(Occur, Box<dyn Query>)> = vec![
            (
                Occur::Must,
                Box::new(RangeQuery::new(Bound::Unbounded, Bound::Included(Term::from_field_i64(f.from, day)))),
            ),
            (
                Occur::Must,
                Box::new(RangeQuery::new(Bound::Excluded(Term::from_field_i64(f.until, day)), Bound::Unbounded)),
            ),
        ];
        let exact = |field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
        };
        let case_level = exact(f.level, LawLevel::Case.code());
        filters.push((if cases { Occur::Must } else { Occur::MustNot }, case_level));
        filters.push((Occur::MustNot, exact(f.level, DOCUMENT)));
        if let Some(level) = params.level {
            filters.push((Occur::Must, exact(f.level, level.code())));
        }
        if let Some(category) = &params.category {
            filters.push((Occur::Must, exact(f.category, category)));
        }
        if let Some(law) = &params.law {
            filters.push((Occur::Must, exact(f.law, law)));
        }
        // The filters add the same constant to every score, whichever they are.
        let filters = ConstScoreQuery::new(Box::new(BooleanQuery::new(filters)), FILTER_SCORE);
        TermSearch::Filtered(BooleanQuery::new(vec![
            (Occur::Must, Box::new(BooleanQuery::new(should))),
            (Occur::Must, Box::new(filters)),
        ]))
    }

    /// The best entries of a search, as (score, entry number).
    fn candidates(&self, search: &TermSearch, limit: usize) -> tantivy::Result<Vec<(f32, u32)>> {
        let searcher = self.reader.searcher();
        let statistics = MergedStatistics { searcher: &searcher, fields: self.fields };
        let (top, score_offset) = match search {
            TermSearch::Current(terms) => {
                (crate::term_scores::top_documents(&searcher, &statistics, terms, limit)?, FILTER_SCORE)
            }
            TermSearch::Filtered(query) => (
                searcher.search_with_statistics_provider(
                    query,
                    &TopDocs::with_limit(limit).order_by_score(),
                    &statistics,
                )?,
                0.0,
            ),
        };
        Ok(top
            .into_iter()
            .filter_map(|(score, addr)| {
                let ord = *self.segment_entries.get(addr.segment_ord as usize)?.get(addr.doc_id as usize)?;
                Some((score + score_offset, ord))
            })
            .collect())
    }

    /// Articles for a question.
    pub fn search(&self, analyzer: &Analyzer, params: &SearchParams) -> tantivy::Result<Vec<Hit>> {
        self.search_with(analyzer, params, None)
    }

    /// Articles for a question, ranked by meaning too when the question's embedding
    /// and the articles' vectors are given.
    pub fn search_with(
        &self,
        analyzer: &Analyzer,
        params: &SearchParams,
        semantic: Option<SemanticQuery<'_>>,
    ) -> tantivy::Result<Vec<Hit>> {
        let limit = params.limit.clamp(1, MAX_LIMIT);
        if params.plain {
            return self.search_plain(analyzer, params, limit);
        }
        let terms = analyzer.query_terms(&params.q);
        let mut ranked = self.ranked(analyzer, params, &terms, semantic)?;
        ranked.truncate(limit);
        Ok(ranked.into_iter().map(|c| hit(c.row, c.score, &terms, params.as_of)).collect())
    }

    /// The baseline of the quality report: plain BM25 over the article text alone, no
    /// lexicon and no ranking beyond it.
    fn search_plain(&self, analyzer: &Analyzer, params: &SearchParams, limit: usize) -> tantivy::Result<Vec<Hit>> {
        let mut seen = std::collections::HashSet::new();
        let q: String = params.q.chars().take(crate::analyzer::MAX_QUESTION_CHARS).collect();
        let terms: Vec<QueryTerm> = analyzer
            .plain_terms(&q)
            .into_iter()
            .filter(|t| seen.insert(t.clone()))
            .take(crate::analyzer::MAX_TERMS)
            .map(|text| QueryTerm { text, weight: 1.0, shown: true })
            .collect();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let search = self.search_for(&terms, &[], params, &analyzer.lexicon.ranking, false);
        Ok(self
            .candidates(&search, limit)?
            .into_iter()
            .filter_map(|(score, ord)| match self.entries.get(ord as usize)? {
                Entry::Article(row) => Some(hit(row, score, &terms, params.as_of)),
                Entry::Case(_) => None,
            })
            .collect())
    }

    /// A question's candidates, best first: the `CANDIDATES` best by the words and,
    /// with the question's embedding, the `semantic_nearest` nearest by meaning over
    /// the whole corpus (an answer worded wholly unlike the question, “被狗咬了”
    /// against 饲养的动物造成他人损害, shares few or no words with it), each scored
    /// by the weighted sum of its features (`scoring`).
    fn ranked<'a>(
        &'a self,
        analyzer: &Analyzer,
        params: &SearchParams,
        terms: &[QueryTerm],
        semantic: Option<SemanticQuery<'_>>,
    ) -> tantivy::Result<Vec<Ranked<'a>>> {
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let ranking = &analyzer.lexicon.ranking;
        let bigrams = analyzer.query_bigrams(&params.q);
        let search = self.search_for(terms, &bigrams, params, ranking, false);
        let mut found: Vec<(u32, f32, Option<u32>, Option<u32>)> = Vec::new();
        for (rank, (score, ord)) in self.candidates(&search, CANDIDATES)?.into_iter().enumerate() {
            found.push((ord, score, Some(rank as u32 + 1), None));
        }
        if let Some(semantic) = semantic {
            for (rank, ord) in
                self.nearest_by_meaning(semantic, params, ranking.semantic_nearest).into_iter().enumerate()
            {
                let rank = Some(rank as u32 + 1);
                match found.iter_mut().find(|f| f.0 == ord) {
                    Some(known) => known.3 = rank,
                    None => found.push((ord, 0.0, None, rank)),
                }
            }
        }
        let question = crate::analyzer::normalize(&params.q);
        let topical: Vec<&str> = analyzer.lexicon.topic_laws(&question).collect();
        let named = self.named_laws(&question);
        let mut candidates: Vec<&IndexRow> = Vec::with_capacity(found.len());
        let mut parts: Vec<Parts> = Vec::with_capacity(found.len());
        let passage_of = semantic.map(|_| &self.passage_keys().of);
        let needles: Vec<Needle> = terms.iter().map(|t| Needle::of(&t.text)).collect();
        for (ord, bm25, lexical_rank, meaning_rank) in found {
            let Some(Entry::Article(row)) = self.entries.get(ord as usize) else { continue };
            let similarity = semantic
                .zip(passage_of)
                .and_then(|(s, keys)| s.vectors.similarity(keys.get(ord as usize).copied()?, s.question));
            candidates.push(row);
            parts.push(Parts {
                law: &row.short_title,
                level: row.level,
                place: (row.version_id.0, row.number.number),
                bm25,
                lexical_rank,
                meaning_rank,
                popularity: ranking.popularity(&row.short_title),
                named: named.iter().any(|n| **n == *row.short_title),
                topical: topical.contains(&&*row.short_title),
                coverage: coverage(terms, &needles, &self.char_pairs[ord as usize], row),
                similarity,
            });
        }
        let weights = if semantic.is_some() { &ranking.meaning } else { &ranking.words };
        let mut ranked: Vec<Ranked<'a>> = candidates
            .into_iter()
            .zip(crate::scoring::features(&parts))
            .map(|(row, features)| Ranked { score: weights.score(&features), row, features })
            .collect();
        // Stable: equal scores keep the words' order.
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        Ok(ranked)
    }

    /// Whether a search may show an article: in force on its day, and of the level,
    /// category and law it is filtered to (what `search_for`'s filters ask of tantivy).
    fn admits(params: &SearchParams, row: &IndexRow) -> bool {
        VersionStatus::on(row.effective_date, row.superseded_on, params.as_of) == VersionStatus::InForce
            && params.level.is_none_or(|level| level == row.level)
            && params.category.as_deref().is_none_or(|c| c == &*row.category)
            && params.law.as_deref().is_none_or(|law| law == &*row.short_title)
    }

    /// The `wanted` articles nearest to the question by meaning that the search may
    /// show, nearest first.
    fn nearest_by_meaning(&self, semantic: SemanticQuery<'_>, params: &SearchParams, wanted: usize) -> Vec<u32> {
        let mut nearest: Vec<u32> = Vec::new();
        if wanted == 0 {
            return nearest;
        }
        let by_key = &self.passage_keys().by_key;
        'nearest: for (hash, _) in semantic.vectors.nearest(semantic.question, wanted * NEAREST_POOL) {
            let from = by_key.partition_point(|(h, _)| *h < hash);
            for &(_, ord) in by_key[from..].iter().take_while(|(h, _)| *h == hash) {
                if nearest.len() == wanted {
                    break 'nearest;
                }
                let Some(Entry::Article(row)) = self.entries.get(ord as usize) else { continue };
                // Each entry has one passage and `nearest` each passage once: no repeats.
                if Self::admits(params, row) {
                    nearest.push(ord);
                }
            }
        }
        nearest
    }

    /// Each candidate of a question with its features, best first, as the search ranks
    /// them: the data for fitting the weights (`gongdao laws eval --features`), not for
    /// serving.
    pub fn candidate_features(
        &self,
        analyzer: &Analyzer,
        params: &SearchParams,
        semantic: Option<SemanticQuery<'_>>,
    ) -> tantivy::Result<Vec<CandidateFeatures>> {
        let terms = analyzer.query_terms(&params.q);
        Ok(self
            .ranked(analyzer, params, &terms, semantic)?
            .into_iter()
            .map(|c| CandidateFeatures {
                law: c.row.short_title.to_string(),
                article: c.row.number.number,
                features: c.features.to_vec(),
            })
            .collect())
    }

    /// Published cases for a question.
    pub fn search_cases(
        &self,
        analyzer: &Analyzer,
        q: &str,
        as_of: NaiveDate,
        limit: usize,
    ) -> tantivy::Result<Vec<CaseHit>> {
        // A case relates to a question by its matter, never by a number: “70岁” must
        // not bring up a case about 70 square metres.
        let terms: Vec<QueryTerm> = analyzer.query_terms(q).into_iter().filter(|t| !is_number(&t.text)).collect();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let params = SearchParams::new(q, as_of);
        let limit = limit.clamp(1, MAX_LIMIT);
        let search = self.search_for(&terms, &[], &params, &analyzer.lexicon.ranking, true);
        // Look a little further than asked, since some candidates are dropped below.
        Ok(self
            .candidates(&search, limit * 4)?
            .into_iter()
            .filter_map(|(score, ord)| match self.entries.get(ord as usize)? {
                Entry::Case(c) if shares_matter(&c.body, &c.title, &terms) => Some(CaseHit {
                    id: c.id,
                    title: c.title.clone(),
                    category: c.category.clone(),
                    excerpt: best_sentence(&c.body, &terms).chars().take(160).collect(),
                    score,
                }),
                _ => None,
            })
            .take(limit)
            .collect())
    }
}

/// Whether a term is only a number (digits or Chinese numerals).
fn is_number(term: &str) -> bool {
    term.chars().all(|c| c.is_ascii_digit() || "零〇一二三四五六七八九十百千万亿两.．".contains(c))
}

/// Whether a case shares the question's matter: two of the question's words of two or
/// more characters, or one of the legal terms the lexicon reads into it (赡养费,
/// 工伤认定 …), appear in its title or text.
fn shares_matter(body: &str, title: &str, terms: &[QueryTerm]) -> bool {
    let found = |t: &QueryTerm| body.contains(t.text.as_str()) || title.contains(t.text.as_str());
    let substantive: Vec<&QueryTerm> = terms.iter().filter(|t| t.text.chars().count() >= 2).collect();
    let legal = substantive.iter().any(|t| t.weight == crate::analyzer::EXPANSION_WEIGHT && found(t));
    let own = substantive.iter().filter(|t| t.weight >= 1.0 && found(t)).count();
    legal || own >= 2
}

fn document(
    analyzer: &Analyzer,
    f: Fields,
    title_terms: &HashMap<String, String>,
    ord: u64,
    entry: &Entry,
    today: NaiveDate,
) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_u64(f.ord, ord);
    let current = match entry {
        Entry::Article(r) => VersionStatus::on(r.effective_date, r.superseded_on, today) == VersionStatus::InForce,
        Entry::Case(_) => false,
    };
    let t = if current { f.current } else { f.other };
    match entry {
        Entry::Article(r) => {
            doc.add_text(t.text, analyzer.index_terms(&r.body).join(" "));
            let mut title = title_terms.get(&*r.short_title).cloned().unwrap_or_default();
            title.push(' ');
            title.push_str(&analyzer.index_terms(&r.title).join(" "));
            doc.add_text(t.title, title);
            doc.add_text(t.heading, analyzer.index_terms(&r.headings.join(" ")).join(" "));
            if analyzer.lexicon.ranking.bigram > 0.0 {
                doc.add_text(t.bigram, crate::analyzer::bigrams(&r.body).join(" "));
            }
            doc.add_i64(f.from, r.effective_date.map(day_number).unwrap_or(i64::MIN));
            doc.add_i64(f.until, r.superseded_on.map(day_number).unwrap_or(i64::MAX));
            doc.add_text(f.law, &r.short_title);
            doc.add_text(f.level, r.level.code());
            doc.add_text(f.category, &r.category);
        }
        Entry::Case(c) => {
            doc.add_text(t.text, analyzer.index_terms(&c.body).join(" "));
            doc.add_text(t.title, analyzer.index_terms(&c.title).join(" "));
            doc.add_i64(f.from, i64::MIN);
            doc.add_i64(f.until, i64::MAX);
            doc.add_text(f.law, &c.title);
            doc.add_text(f.level, if c.is_case { LawLevel::Case.code() } else { DOCUMENT });
            doc.add_text(f.category, &c.category);
        }
    }
    doc
}

/// A candidate's article and features (`LawIndex::candidate_features`), in the order
/// of `scoring::FEATURES`.
#[derive(Clone, Debug, Serialize)]
pub struct CandidateFeatures {
    pub law: String,
    pub article: u32,
    pub features: Vec<f32>,
}

/// A question's embedding and the stored vectors of the articles.
#[derive(Clone, Copy)]
pub struct SemanticQuery<'a> {
    pub question: &'a [f32],
    pub vectors: &'a crate::semantic::Vectors,
}

fn hit(row: &IndexRow, score: f32, terms: &[QueryTerm], as_of: NaiveDate) -> Hit {
    let number = row.number;
    let status = VersionStatus::on(row.effective_date, row.superseded_on, as_of);
    Hit {
        law: row.short_title.to_string(),
        title: row.title.to_string(),
        level: row.level,
        category: row.category.to_string(),
        version: row.version_key.to_string(),
        effective_date: row.effective_date,
        status,
        article: number.number,
        suffix: number.suffix,
        label: ArticleNumber::label(number),
        anchor: number.anchor(),
        headings: row.headings.to_vec(),
        text: row.body.to_string(),
        highlights: highlights(&row.body, terms),
        sentence: best_sentence(&row.body, terms),
        score,
    }
}

/// The share of the question's weight an article covers (its text, headings and law
/// title): an article that answers all of a question beats one that repeats a part.
/// `needles` are the terms' for `pairs`, the characters and pairs of the article's
/// text and of its headings and title, which rule out most searches.
fn coverage(
    terms: &[QueryTerm],
    needles: &[Needle],
    (text_pairs, around_pairs): &(CharPairs, ShortCharPairs),
    row: &IndexRow,
) -> f32 {
    let total: f32 = terms.iter().map(|t| t.weight).sum();
    if total <= 0.0 {
        return 1.0;
    }
    let found: f32 = terms
        .iter()
        .zip(needles)
        .filter(|(t, needle)| {
            let t = t.text.as_str();
            // The short texts first: a term of the law's title is found there without
            // reading the whole article.
            (around_pairs.may_contain(needle) && (row.title.contains(t) || row.headings.iter().any(|h| h.contains(t))))
                || (text_pairs.may_contain(needle) && row.body.contains(t))
        })
        .map(|(t, _)| t.weight)
        .sum();
    0.2 + found / total
}

/// The query terms found in `text`, in the order they first occur.
pub fn highlights(text: &str, terms: &[QueryTerm]) -> Vec<String> {
    let mut found: Vec<(usize, &str)> = terms
        .iter()
        .filter(|t| t.shown)
        .filter_map(|t| text.find(t.text.as_str()).map(|at| (at, t.text.as_str())))
        .collect();
    found.sort();
    let mut out: Vec<String> = Vec::new();
    for (_, t) in found {
        // Drop a term inside one already taken (劳动 inside 劳动报酬).
        if !out.iter().any(|o| o.contains(t)) {
            out.retain(|o| !t.contains(o.as_str()));
            out.push(t.to_string());
        }
    }
    out
}

/// The sentence of `text` holding the most weight of the query's terms.
pub fn best_sentence(text: &str, terms: &[QueryTerm]) -> String {
    text.split_inclusive(['。', '；', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| (terms.iter().filter(|t| s.contains(t.text.as_str())).map(|t| t.weight).sum::<f32>(), s))
        .fold((-1.0f32, ""), |best, cur| if cur.0 > best.0 { cur } else { best })
        .1
        .to_string()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use gongdao_domain::ids::{LawId, LawVersionId};

    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_case_relates_by_its_matter_not_by_a_number() {
        assert!(is_number("70") && is_number("七十") && is_number("3.5") && !is_number("70岁") && !is_number("赡养"));
        let own = |t: &str| QueryTerm { text: t.into(), weight: 1.0, shown: true };
        let legal = |t: &str| QueryTerm { text: t.into(), weight: crate::analyzer::EXPANSION_WEIGHT, shown: true };
        let question = [own("老父亲"), own("子女"), own("赡养"), own("岁"), legal("赡养费")];
        assert!(shares_matter("子女均不给付赡养费", "", &question), "a legal term");
        assert!(shares_matter("子女不尽赡养义务", "", &question[..4]), "two of the question's words");
        assert!(!shares_matter("房屋70平方米被征收，子女不服", "", &question[..4]), "one word is not a matter");
        assert!(!shares_matter("某某岁", "", &[own("岁")]), "single characters do not count");
    }

    fn article(effective: Option<&str>, superseded: Option<&str>) -> Entry {
        Entry::Article(IndexRow {
            article_id: 1,
            law_id: LawId(1),
            short_title: Arc::from("法"),
            title: Arc::from("法"),
            category: Arc::from("社会法"),
            level: LawLevel::Law,
            version_id: LawVersionId(1),
            version_key: Arc::from("2020-01-01"),
            effective_date: effective.map(d),
            superseded_on: superseded.map(d),
            number: ArticleNumber::new(1),
            headings: Arc::from(Vec::<String>::new()),
            body: Box::from("正文"),
        })
    }

    #[test]
    fn the_stable_days_end_at_the_changes_around_the_day() {
        let entries = vec![
            article(Some("2018-10-26"), Some("2023-01-01")),
            article(Some("2023-01-01"), None),
            article(Some("2027-01-01"), None),
            article(None, None),
        ];
        let (from, until) = stable_days(&entries, day_number(d("2026-11-30")));
        assert_eq!((from, until), (day_number(d("2023-01-01")), day_number(d("2027-01-01"))));
        // Inside the interval every text is in force exactly as on the day itself.
        let date = |n: i64| NaiveDate::from_num_days_from_ce_opt(n as i32).unwrap();
        for e in &entries {
            let Entry::Article(r) = e else { unreachable!() };
            let on = |day| VersionStatus::on(r.effective_date, r.superseded_on, day) == VersionStatus::InForce;
            for day in [from, day_number(d("2026-11-30")), until - 1] {
                assert_eq!(on(date(day)), on(d("2026-11-30")));
            }
        }
        assert_eq!(stable_days(&[], 0), (i64::MIN, i64::MAX));
    }

    fn row(law: &str, effective: &str, superseded: Option<&str>, body: &str) -> Entry {
        let Entry::Article(mut r) = article(Some(effective), superseded) else { unreachable!() };
        r.short_title = Arc::from(law);
        r.title = Arc::from("中华人民共和国劳动法");
        r.body = Box::from(body);
        Entry::Article(r)
    }

    #[test]
    fn articles_near_by_meaning_join_the_candidates_when_the_words_miss_them() {
        use crate::semantic::{Vectors, hash_hex, passage_text, text_hash};
        let analyzer = Analyzer::new(crate::Lexicon::shipped());
        let dog = "饲养的动物造成他人损害的，动物饲养人或者管理人应当承担侵权责任。";
        let entries = vec![
            row("劳动法", "2018-01-01", None, "劳动者被狗咬伤的，用人单位应当救治。"),
            row("民法典", "2018-01-01", None, dog),
            row("旧民法", "2010-01-01", Some("2020-01-01"), &format!("{dog}（旧）")),
        ];
        let index = LawIndex::build(&analyzer, entries).unwrap();
        // Vectors: the question points at the animal article and, nearly as much, at
        // the superseded text; the labour article is far from it.
        let stored = |body: &str, v: &[f32]| {
            let passage = passage_text("中华人民共和国劳动法", body);
            (hash_hex(text_hash(&passage)), gongdao_embed::Quantized::from_f32(v).to_bytes())
        };
        let vectors = Vectors::from_stored(vec![
            stored("劳动者被狗咬伤的，用人单位应当救治。", &[0.0, 1.0]),
            stored(dog, &[1.0, 0.0]),
            stored(&format!("{dog}（旧）"), &[0.99, 0.14]),
        ]);
        let question = [1.0, 0.0];
        let semantic = SemanticQuery { question: &question, vectors: &vectors };
        let mut params = SearchParams::new("被狗咬了找谁", today());
        let laws = |hits: Vec<Hit>| hits.into_iter().map(|h| h.law).collect::<Vec<_>>();
        assert_eq!(laws(index.search(&analyzer, &params).unwrap()), ["劳动法"], "the words alone");
        assert!(index.passages.get().is_none(), "a search by words alone needs no passage keys");
        let mut found = laws(index.search_with(&analyzer, &params, Some(semantic)).unwrap());
        assert!(index.passages.get().is_some());
        found.sort();
        assert_eq!(found, ["劳动法", "民法典"], "the article in force joins by meaning, not the old text");
        params.law = Some("劳动法".into());
        assert_eq!(laws(index.search_with(&analyzer, &params, Some(semantic)).unwrap()), ["劳动法"], "filters hold");
    }

    #[test]
    fn a_text_scores_the_same_in_the_usual_search_and_in_a_filtered_or_past_one() {
        let analyzer = Analyzer::new(crate::Lexicon::shipped());
        let wages = "用人单位应当按时足额支付劳动者的工资，不得克扣或者无故拖欠。";
        let entries = vec![
            row("现行法", "2018-01-01", None, wages),
            row("旧法", "2015-01-01", Some("2023-01-01"), wages),
            row("其他法", "2018-01-01", None, "劳动者享有休息休假的权利。"),
        ];
        let index = LawIndex::build(&analyzer, entries).unwrap();
        let ranking = &analyzer.lexicon.ranking;
        let scores = |params: &SearchParams| -> Vec<(String, f32)> {
            let terms = analyzer.query_terms(&params.q);
            let bigrams = analyzer.query_bigrams(&params.q);
            let search = index.search_for(&terms, &bigrams, params, ranking, false);
            let mut found: Vec<(String, f32)> = index
                .candidates(&search, CANDIDATES)
                .unwrap()
                .into_iter()
                .map(|(score, ord)| match &index.entries[ord as usize] {
                    Entry::Article(r) => (r.short_title.to_string(), score),
                    Entry::Case(_) => unreachable!(),
                })
                .collect();
            found.sort_by(|a, b| a.0.cmp(&b.0));
            found
        };
        let usual = SearchParams::new("老板拖欠工资", today());
        assert!(index.is_current_only(&usual, false));
        let today_scores = scores(&usual);
        assert_eq!(today_scores.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>(), ["其他法", "现行法"]);

        let filtered = SearchParams { category: Some("社会法".into()), ..usual.clone() };
        assert!(!index.is_current_only(&filtered, false));
        assert_eq!(scores(&filtered), today_scores, "a filter changes which texts, not their scores");

        // In 2020 both versions of the same text were in force: equal scores, and the
        // one in force today scores as it does today.
        let past = SearchParams::new("老板拖欠工资", d("2020-06-01"));
        let past_scores = scores(&past);
        let of = |scores: &[(String, f32)], law: &str| scores.iter().find(|(l, _)| l == law).map(|(_, s)| *s);
        // (Equal up to the order the scorers add in; statistics of one set alone would
        // change them by a third or more here.)
        let close =
            |a: Option<f32>, b: Option<f32>| matches!((a, b), (Some(a), Some(b)) if (a - b).abs() < 1e-3 * b.abs());
        assert!(close(of(&past_scores, "旧法"), of(&past_scores, "现行法")), "{past_scores:?}");
        assert!(close(of(&past_scores, "现行法"), of(&today_scores, "现行法")), "{past_scores:?} {today_scores:?}");
        assert_eq!(index.segment_count(), 1);
    }

    #[test]
    fn highlights_keep_the_longest_words_in_text_order() {
        let terms = [
            QueryTerm { text: "劳动".into(), weight: 1.0, shown: true },
            QueryTerm { text: "劳动报酬".into(), weight: 0.6, shown: true },
            QueryTerm { text: "报酬".into(), weight: 0.6, shown: false },
            QueryTerm { text: "用人单位".into(), weight: 1.0, shown: true },
        ];
        let text = "用人单位应当支付劳动报酬。";
        assert_eq!(highlights(text, &terms), vec!["用人单位", "劳动报酬"]);
        assert_eq!(best_sentence("无关。用人单位支付劳动报酬。其他。", &terms), "用人单位支付劳动报酬。");
    }
}
