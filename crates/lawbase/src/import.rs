//! `gongdao laws import DIR`: reads a LawRefBook-format corpus from a folder and stores
//! it in one transaction. Importing the same corpus again changes nothing; a newer one
//! adds versions and marks the ones they supersede. Files that cannot be read are
//! reported by path and line and skipped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use gongdao_domain::law::corpus::{Corpus, FileProblem, LawVersionText, SourceFile, assemble};
use gongdao_store::laws::{self, Outcome};
use gongdao_store::{Store, StoreError, meta};
use sha2::{Digest, Sha256};

/// The meta key that changes whenever the stored corpus changes; instances rebuild
/// their index when they see a new value.
pub const GENERATION_KEY: &str = "laws.generation";

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("法规库目录不存在：{0}")]
    Missing(PathBuf),
    #[error("不是目录：{0}")]
    NotADirectory(PathBuf),
    #[error("目录中没有可导入的法律法规（应为 LawRefBook 格式的 Markdown 文件）：{0}")]
    Empty(PathBuf),
    #[error("读取 {path} 失败：{source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Progress of an import, for the console or a page.
#[derive(Clone, Copy, Debug)]
pub enum Progress {
    Reading { done: usize, total: usize },
    Storing { done: usize, total: usize },
}

/// What an import did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ImportReport {
    pub files: usize,
    pub versions_added: usize,
    pub versions_replaced: usize,
    pub versions_unchanged: usize,
    pub articles_written: usize,
    pub cases_added: usize,
    pub cases_replaced: usize,
    pub cases_unchanged: usize,
    pub errors: Vec<String>,
    pub duplicates: Vec<String>,
    /// Files that are not laws (the corpus's README and template), left out.
    pub skipped: Vec<String>,
    /// Laws and cases of an earlier import that were not laws, now removed.
    pub removed: u64,
}

impl ImportReport {
    pub fn changed(&self) -> bool {
        self.versions_added + self.versions_replaced + self.cases_added + self.cases_replaced > 0 || self.removed > 0
    }
}

/// Reads every `.md` file under `dir` and assembles the corpus.
pub fn read_corpus(dir: &Path, progress: &mut dyn FnMut(Progress)) -> Result<(usize, Corpus), ImportError> {
    if !dir.exists() {
        return Err(ImportError::Missing(dir.to_path_buf()));
    }
    if !dir.is_dir() {
        return Err(ImportError::NotADirectory(dir.to_path_buf()));
    }
    let mut paths = Vec::new();
    collect(dir, &mut paths)?;
    paths.sort();
    let total = paths.len();
    let mut files = Vec::with_capacity(total);
    let mut unreadable = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push(SourceFile { path: rel, text }),
                Err(_) => unreadable.push(FileProblem { path: rel, line: 1, message: "不是 UTF-8 文本".into() }),
            },
            Err(source) => return Err(ImportError::Io { path: path.clone(), source }),
        }
        if (i + 1) % 50 == 0 || i + 1 == total {
            progress(Progress::Reading { done: i + 1, total });
        }
    }
    let mut corpus = assemble(files);
    corpus.errors.extend(unreadable);
    if corpus.versions.is_empty() {
        return Err(ImportError::Empty(dir.to_path_buf()));
    }
    Ok((total, corpus))
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ImportError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ImportError::Io { path: dir.to_path_buf(), source })?;
    for entry in entries {
        let entry = entry.map_err(|source| ImportError::Io { path: dir.to_path_buf(), source })?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

/// A digest of a version's text: what decides whether a re-import changes anything.
pub fn version_hash(v: &LawVersionText) -> String {
    let mut h = Sha256::new();
    h.update(v.title.as_bytes());
    for a in &v.articles {
        h.update(format!("\u{1}{}-{}\u{2}", a.number.number, a.number.suffix).as_bytes());
        h.update(a.headings.join("\u{3}").as_bytes());
        h.update(b"\x02");
        h.update(a.body.as_bytes());
    }
    hex(&h.finalize()[..16])
}

fn text_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update(b"\x01");
    }
    hex(&h.finalize()[..16])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Stores a corpus in one transaction: all of it, or (on a failure) nothing.
pub async fn store_corpus(
    store: &Store,
    files: usize,
    corpus: &Corpus,
    now: DateTime<Utc>,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport {
        files,
        errors: corpus.errors.iter().map(ToString::to_string).collect(),
        duplicates: corpus.duplicates.clone(),
        skipped: corpus.skipped.clone(),
        ..Default::default()
    };
    let tx = store.begin().await?;
    let total = corpus.versions.len() + corpus.cases.len();
    let mut touched = BTreeSet::new();
    for (i, v) in corpus.versions.iter().enumerate() {
        let (law_id, outcome) = laws::upsert_version(&tx, v, &version_hash(v), now).await?;
        match outcome {
            Outcome::Added => report.versions_added += 1,
            Outcome::Replaced => report.versions_replaced += 1,
            Outcome::Unchanged => report.versions_unchanged += 1,
        }
        if outcome != Outcome::Unchanged {
            report.articles_written += v.articles.len();
            touched.insert(law_id.0);
        }
        if (i + 1) % 50 == 0 {
            progress(Progress::Storing { done: i + 1, total });
        }
    }
    for law_id in touched {
        laws::refresh_supersession(&tx, law_id).await?;
    }
    for c in &corpus.cases {
        match laws::upsert_case(&tx, c, &text_hash(&[&c.title, &c.category, &c.body]), now).await? {
            Outcome::Added => report.cases_added += 1,
            Outcome::Replaced => report.cases_replaced += 1,
            Outcome::Unchanged => report.cases_unchanged += 1,
        }
    }
    report.removed = laws::remove_uncategorised(&tx).await?;
    progress(Progress::Storing { done: total, total });
    if report.changed() {
        meta::set(&tx, GENERATION_KEY, &now.timestamp_micros().to_string()).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(report)
}
