//! The law knowledge base: import of the national corpus ([`import`]), the Chinese
//! search vocabulary ([`lexicon`], [`analyzer`]), each instance's in-memory index
//! ([`index`]), and the measures of search quality ([`eval`]). [`LawBase`] ties them
//! together for the services: it builds the index from the database at start and
//! rebuilds it when another process imports a new corpus.
//!
//! It never generates text: every answer is articles of the stored texts with their
//! version.

pub mod analyzer;
pub mod eval;
pub mod import;
pub mod index;
pub mod lexicon;
mod pairs;
pub mod scoring;
pub mod semantic;
mod term_scores;

use std::sync::{Arc, RwLock};
use std::time::Instant;

use gongdao_embed::Quantized;
use gongdao_store::laws::{self, IndexRow};
use gongdao_store::{Store, StoreError, law_embeddings, meta};
use semantic::Vectors;

pub use analyzer::Analyzer;
pub use gongdao_embed::{self as embed, Encoder};
pub use index::{CaseHit, Hit, LawIndex, SearchParams};
pub use lexicon::Lexicon;

#[derive(Debug, thiserror::Error)]
pub enum LawError {
    /// Nothing imported yet, or the index is still being built.
    #[error("法规库尚未就绪：{0}")]
    NotReady(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("检索索引出错：{0}")]
    Index(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Embed(#[from] gongdao_embed::EmbedError),
}

/// A failure around the index that is not tantivy's own (a task that panicked, a closed
/// semaphore), reported as an index error.
fn system_error(e: impl std::fmt::Display) -> LawError {
    LawError::Index(tantivy::TantivyError::SystemError(e.to_string()))
}

struct Loaded {
    index: Arc<LawIndex>,
    generation: Option<String>,
}

/// The search service of one instance.
pub struct LawBase {
    store: Store,
    analyzer: Arc<Analyzer>,
    loaded: RwLock<Option<Loaded>>,
    /// Held while a build runs, so two refreshes do not build twice.
    building: tokio::sync::Mutex<()>,
    /// One search per core at a time: more would only take turns on the cores and
    /// stretch every search, the slow ones most.
    searching: tokio::sync::Semaphore,
    /// The sentence-embedding model, when installed.
    encoder: Option<Arc<gongdao_embed::Encoder>>,
    /// The stored article vectors of that model, as last read.
    vectors: RwLock<Arc<Vectors>>,
    /// One question encoded at a time: the engine spreads each over all cores.
    encoding: tokio::sync::Semaphore,
}

/// Progress of `embed_missing`: passages embedded of those missing.
#[derive(Clone, Copy, Debug)]
pub struct EmbedProgress {
    pub done: usize,
    pub total: usize,
}

/// Figures of one embedding run.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct EmbedReport {
    /// Distinct passages of the stored articles.
    pub passages: usize,
    /// Of those, already embedded before this run.
    pub already: usize,
    /// Embedded by this run.
    pub embedded: usize,
    /// Stored vectors of texts no article has any more (a passage that changed form),
    /// removed by this run.
    pub removed: usize,
}

/// Passages embedded per engine call and stored per statement.
const EMBED_BATCH: usize = 8;

/// Figures of one index build.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct BuildReport {
    pub articles: usize,
    pub cases: usize,
    pub load_ms: u128,
    pub index_ms: u128,
}

/// What a search found, and whether it was re-ranked by meaning.
#[derive(Clone, Debug)]
pub struct Found {
    pub hits: Vec<Hit>,
    /// Asked for, a model and vectors there, and the question encoded.
    pub semantic: bool,
}

impl LawBase {
    /// The search service over `store`; with an `encoder`, searches that ask for it are
    /// re-ranked by meaning once articles are embedded.
    pub fn new(store: Store, lexicon: Lexicon, encoder: Option<Arc<gongdao_embed::Encoder>>) -> LawBase {
        LawBase {
            store,
            analyzer: Arc::new(Analyzer::new(lexicon)),
            loaded: RwLock::new(None),
            building: tokio::sync::Mutex::new(()),
            searching: tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            ),
            encoder,
            vectors: RwLock::new(Arc::new(Vectors::default())),
            encoding: tokio::sync::Semaphore::new(1),
        }
    }

    /// The model, when one is loaded.
    pub fn encoder(&self) -> Option<&Arc<gongdao_embed::Encoder>> {
        self.encoder.as_ref()
    }

    /// Whether searches asking for it are re-ranked by meaning: a model is loaded and
    /// articles were embedded.
    pub fn semantic_ready(&self) -> bool {
        self.encoder.is_some() && self.vector_count() > 0
    }

    /// How many article vectors this instance holds (0 without a model).
    pub fn vector_count(&self) -> usize {
        self.vectors.read().expect("law vectors lock").len()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The current index, if one is built.
    pub fn index(&self) -> Option<Arc<LawIndex>> {
        self.loaded.read().expect("law index lock").as_ref().map(|l| l.index.clone())
    }

    /// The index, or why there is none.
    pub fn ready(&self) -> Result<Arc<LawIndex>, LawError> {
        self.index().ok_or(LawError::NotReady("法规库尚未导入或正在建立索引，请稍后再试"))
    }

    /// Builds the index when the stored corpus changed since the last build (or none
    /// was built), and reads the article vectors again when more were stored. Returns
    /// the build's figures when it built an index.
    pub async fn refresh(&self) -> Result<Option<BuildReport>, LawError> {
        let built = self.refresh_index().await?;
        self.refresh_vectors().await?;
        Ok(built)
    }

    /// Reads the stored vectors of the model when their number changed.
    async fn refresh_vectors(&self) -> Result<(), LawError> {
        if self.encoder.is_none() {
            return Ok(());
        }
        let stored = law_embeddings::count(self.store.reader(), gongdao_embed::MODEL_ID).await? as usize;
        if stored == self.vectors.read().expect("law vectors lock").rows_read() {
            return Ok(());
        }
        let read = self.store.begin_bulk_read().await?;
        let rows = law_embeddings::all(&read, gongdao_embed::MODEL_ID).await?;
        self.store.end_bulk_read(read).await?;
        let vectors = Vectors::from_stored(rows);
        tracing::info!(vectors = vectors.len(), "law vectors loaded");
        *self.vectors.write().expect("law vectors lock") = Arc::new(vectors);
        gongdao_embed::release_freed_heap();
        Ok(())
    }

    async fn refresh_index(&self) -> Result<Option<BuildReport>, LawError> {
        let _guard = self.building.lock().await;
        let generation = meta::get(self.store.reader(), import::GENERATION_KEY).await?;
        let current = self.loaded.read().expect("law index lock").as_ref().map(|l| l.generation.clone());
        if current.as_ref() == Some(&generation) {
            return Ok(None);
        }
        if generation.is_none() && laws::counts(self.store.reader()).await?.articles == 0 {
            return Ok(None);
        }
        let started = Instant::now();
        let read = self.store.begin_bulk_read().await?;
        let rows: Vec<IndexRow> = laws::index_rows(&read).await?;
        let cases = laws::cases(&read).await?;
        self.store.end_bulk_read(read).await?;
        let load_ms = started.elapsed().as_millis();
        let (articles, case_count) = (rows.len(), cases.len());
        let analyzer = self.analyzer.clone();
        let semantic = self.encoder.is_some();
        let started = Instant::now();
        let index = tokio::task::spawn_blocking(move || {
            let entries =
                rows.into_iter().map(index::Entry::Article).chain(cases.into_iter().map(index::Entry::Case)).collect();
            let index = LawIndex::build(&analyzer, entries)?;
            if semantic {
                index.prepare_semantic();
            }
            Ok::<_, tantivy::TantivyError>(index)
        })
        .await
        .map_err(system_error)??;
        let index_ms = started.elapsed().as_millis();
        *self.loaded.write().expect("law index lock") = Some(Loaded { index: Arc::new(index), generation });
        gongdao_embed::release_freed_heap();
        tracing::info!(articles, cases = case_count, load_ms, index_ms, "law index built");
        Ok(Some(BuildReport { articles, cases: case_count, load_ms, index_ms }))
    }

    /// Searches articles; the work happens off the async threads. With
    /// `params.semantic`, a loaded model and stored vectors, the first candidates are
    /// re-ranked by meaning too; should the model fail, the search stays lexical.
    pub async fn search(&self, params: SearchParams) -> Result<Found, LawError> {
        let index = self.ready()?;
        let analyzer = self.analyzer.clone();
        let question = match params.semantic {
            true => self.encode_question(&params.q).await,
            false => None,
        };
        let semantic = question.is_some();
        let vectors = self.vectors.read().expect("law vectors lock").clone();
        let _turn = self.searching.acquire().await.map_err(system_error)?;
        let hits = tokio::task::spawn_blocking(move || {
            let semantic = question.as_deref().map(|q| index::SemanticQuery { question: q, vectors: vectors.as_ref() });
            index.search_with(&analyzer, &params, semantic)
        })
        .await
        .map_err(system_error)??;
        Ok(Found { hits, semantic })
    }

    /// Each candidate of a question with its features (`LawIndex::candidate_features`),
    /// by meaning too when the model is loaded: the data for fitting the weights.
    pub async fn candidate_features(&self, params: SearchParams) -> Result<Vec<index::CandidateFeatures>, LawError> {
        let index = self.ready()?;
        let question = self.encode_question(&params.q).await;
        let vectors = self.vectors.read().expect("law vectors lock").clone();
        let semantic = question.as_deref().map(|q| index::SemanticQuery { question: q, vectors: vectors.as_ref() });
        Ok(index.candidate_features(&self.analyzer, &params, semantic)?)
    }

    /// The question's embedding, when a model is loaded and articles were embedded.
    async fn encode_question(&self, question: &str) -> Option<Vec<f32>> {
        let encoder = self.encoder.clone()?;
        if !self.semantic_ready() || question.trim().is_empty() {
            return None;
        }
        let question: String = question.chars().take(analyzer::MAX_QUESTION_CHARS).collect();
        let _turn = self.encoding.acquire().await.ok()?;
        match tokio::task::spawn_blocking(move || encoder.query(&question)).await {
            Ok(Ok(vector)) => Some(vector),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "question not encoded; lexical search only");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "question encoding stopped; lexical search only");
                None
            }
        }
    }

    /// Embeds the stored articles' passages that have no vector yet, the texts in force
    /// first, `EMBED_BATCH` at a time, each batch stored as it is done (an interrupted
    /// run loses at most one batch). `limit` bounds how many this run embeds. Vectors of
    /// passages no article has any more are removed first: every instance loads all
    /// stored vectors, and those would only take memory and time.
    pub async fn embed_missing(
        &self,
        limit: Option<usize>,
        progress: &mut (dyn FnMut(EmbedProgress) + Send),
    ) -> Result<EmbedReport, LawError> {
        let encoder = self.encoder.clone().ok_or(LawError::NotReady("未安装语义模型（scripts/semantic-model.sh）"))?;
        // The vectors this instance holds, brought up to date, say what is stored.
        self.refresh_vectors().await?;
        let stored = self.vectors.read().expect("law vectors lock").clone();
        let read = self.store.begin_bulk_read().await?;
        let rows = laws::index_rows(&read).await?;
        self.store.end_bulk_read(read).await?;
        let passages = semantic::passages_in_order(&rows, index::today());
        drop(rows);
        let current: std::collections::HashSet<u128> = passages.iter().map(|(hash, _)| *hash).collect();
        let stale: Vec<String> = stored.hashes().filter(|h| !current.contains(h)).map(semantic::hash_hex).collect();
        drop(current);
        let removed = if stale.is_empty() {
            0
        } else {
            let tx = self.store.begin().await?;
            let removed = law_embeddings::delete(&tx, gongdao_embed::MODEL_ID, &stale).await? as usize;
            tx.commit().await.map_err(gongdao_store::StoreError::from)?;
            removed
        };
        let total_passages = passages.len();
        let missing: Vec<(String, String)> = passages
            .into_iter()
            .filter(|(hash, _)| !stored.contains(*hash))
            .map(|(hash, text)| (semantic::hash_hex(hash), text))
            .collect();
        drop(stored);
        let already = total_passages - missing.len();
        let todo = limit.map_or(missing.len(), |l| l.min(missing.len()));
        progress(EmbedProgress { done: 0, total: todo });
        let mut done = 0;
        for batch in missing[..todo].chunks(EMBED_BATCH) {
            let texts: Vec<String> = batch.iter().map(|(_, t)| t.clone()).collect();
            let encoder = encoder.clone();
            let vectors = tokio::task::spawn_blocking(move || {
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                encoder.passages(&refs)
            })
            .await
            .map_err(system_error)??;
            let rows: Vec<(String, Vec<u8>)> = batch
                .iter()
                .zip(vectors)
                .map(|((hash, _), v)| (hash.clone(), Quantized::from_f32(&v).to_bytes()))
                .collect();
            law_embeddings::put(self.store.writer(), gongdao_embed::MODEL_ID, &rows).await?;
            done += batch.len();
            progress(EmbedProgress { done, total: todo });
        }
        self.refresh_vectors().await?;
        Ok(EmbedReport { passages: total_passages, already, embedded: done, removed })
    }

    /// Searches published cases.
    pub async fn search_cases(
        &self,
        q: &str,
        as_of: chrono::NaiveDate,
        limit: usize,
    ) -> Result<Vec<CaseHit>, LawError> {
        let index = self.ready()?;
        Ok(index.search_cases(&self.analyzer, q, as_of, limit)?)
    }
}
