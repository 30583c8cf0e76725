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

use std::sync::{Arc, RwLock};
use std::time::Instant;

use gongdao_store::laws::{self, IndexRow};
use gongdao_store::{Store, StoreError, meta};

pub use analyzer::Analyzer;
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
}

/// Figures of one index build.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct BuildReport {
    pub articles: usize,
    pub cases: usize,
    pub load_ms: u128,
    pub index_ms: u128,
}

impl LawBase {
    pub fn new(store: Store, lexicon: Lexicon) -> LawBase {
        LawBase {
            store,
            analyzer: Arc::new(Analyzer::new(lexicon)),
            loaded: RwLock::new(None),
            building: tokio::sync::Mutex::new(()),
            searching: tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            ),
        }
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
    /// was built). Returns the build's figures when it built one.
    pub async fn refresh(&self) -> Result<Option<BuildReport>, LawError> {
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
        let rows: Vec<IndexRow> = laws::index_rows(self.store.reader()).await?;
        let cases = laws::cases(self.store.reader()).await?;
        let load_ms = started.elapsed().as_millis();
        let (articles, case_count) = (rows.len(), cases.len());
        let analyzer = self.analyzer.clone();
        let started = Instant::now();
        let index = tokio::task::spawn_blocking(move || {
            let entries =
                rows.into_iter().map(index::Entry::Article).chain(cases.into_iter().map(index::Entry::Case)).collect();
            LawIndex::build(&analyzer, entries)
        })
        .await
        .map_err(system_error)??;
        let index_ms = started.elapsed().as_millis();
        *self.loaded.write().expect("law index lock") = Some(Loaded { index: Arc::new(index), generation });
        tracing::info!(articles, cases = case_count, load_ms, index_ms, "law index built");
        Ok(Some(BuildReport { articles, cases: case_count, load_ms, index_ms }))
    }

    /// Searches articles; the work happens off the async threads.
    pub async fn search(&self, params: SearchParams) -> Result<Vec<Hit>, LawError> {
        let index = self.ready()?;
        let analyzer = self.analyzer.clone();
        let _turn = self.searching.acquire().await.map_err(system_error)?;
        tokio::task::spawn_blocking(move || index.search(&analyzer, &params))
            .await
            .map_err(system_error)?
            .map_err(LawError::from)
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
