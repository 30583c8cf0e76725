//! A corpus of files (relative path and text) assembled into law versions and cases:
//! the books of 民法典 become one version of one law, a law filed twice with the same
//! date in two folders is kept once, `_index.md` files are skipped, and a file that
//! cannot be parsed is reported by path and line and left out while the rest goes on.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::parse::{ParseError, is_index_only, parse_text};
use super::{ArticleNumber, HistoryEntry, LawFileName, LawLevel, version_dates};

/// One Markdown file of the corpus.
pub struct SourceFile {
    /// Path relative to the corpus root, with `/` separators: `社会法/劳动法(2018-12-29).md`.
    pub path: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ArticleText {
    pub number: ArticleNumber,
    pub headings: Vec<String>,
    /// Paragraphs separated by a newline.
    pub body: String,
}

/// One version of one law, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LawVersionText {
    /// The short title of the file name without the date (民法典 for all its books).
    pub short_title: String,
    pub title: String,
    /// The top-level corpus folder (部门规章 files keep their ministry in `source`).
    pub category: String,
    pub level: LawLevel,
    pub version_date: Option<NaiveDate>,
    pub effective_date: Option<NaiveDate>,
    pub history: Vec<HistoryEntry>,
    /// The files it was read from.
    pub sources: Vec<String>,
    pub articles: Vec<ArticleText>,
}

impl LawVersionText {
    /// The key of a version within its law: its date, or `undated`.
    pub fn version_key(&self) -> String {
        self.version_date.map(|d| d.to_string()).unwrap_or_else(|| "undated".into())
    }
}

/// A published case (案例), or another prose document: searchable, not articles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseText {
    pub title: String,
    /// The subfolder of 案例: 劳动人事, 消费购物, …
    pub category: String,
    pub source: String,
    pub body: String,
}

/// A file left out, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProblem {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

#[derive(Debug, Default)]
pub struct Corpus {
    pub versions: Vec<LawVersionText>,
    pub cases: Vec<CaseText>,
    /// Files that could not be parsed; they are skipped.
    pub errors: Vec<FileProblem>,
    /// Files that repeat a version already read from another folder.
    pub duplicates: Vec<String>,
    /// Files that are not laws: the corpus's own notes and template at its root
    /// (README.md, 法律法规模版.md). Every law and case lives in a category folder.
    pub skipped: Vec<String>,
}

/// Whether a file of the corpus is a text to import: in a category folder, and not a
/// README or a template.
pub fn is_corpus_text(path: &str) -> bool {
    let Some((folder, file)) = path.rsplit_once('/') else { return false };
    let stem = file.strip_suffix(".md").unwrap_or(file);
    !folder.is_empty() && !stem.eq_ignore_ascii_case("readme") && !stem.contains("模版") && !stem.contains("模板")
}

/// The folder of 民法典, whose files are its books.
const CIVIL_CODE_FOLDER: &str = "民法典";

/// Assembles parsed files. Files are taken in path order, so the result does not depend
/// on the order of the input.
pub fn assemble(mut files: Vec<SourceFile>) -> Corpus {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut corpus = Corpus::default();
    let mut versions: BTreeMap<(String, String), LawVersionText> = BTreeMap::new();
    for file in files {
        let Some(file_name) = file.path.rsplit('/').next() else { continue };
        let Some(stem) = file_name.strip_suffix(".md") else { continue };
        if stem == "_index" || is_index_only(&file.text) {
            continue;
        }
        if !is_corpus_text(&file.path) {
            corpus.skipped.push(file.path.clone());
            continue;
        }
        let mut folders: Vec<&str> = file.path.split('/').collect();
        folders.pop();
        let top = folders.first().copied().unwrap_or("");
        let parsed = match parse_text(&file.text) {
            Ok(p) => p,
            Err(ParseError { line, message }) => {
                corpus.errors.push(FileProblem { path: file.path.clone(), line, message });
                continue;
            }
        };
        let level = LawLevel::of_folder(top);
        // Texts without articles (cases, guides, amendments and interpretations written
        // as 一、二、…) are kept as searchable documents.
        if level == LawLevel::Case || parsed.articles.is_empty() {
            let mut body = Vec::new();
            for section in &parsed.sections {
                if let Some(h) = section.headings.last() {
                    body.push(format!("【{h}】"));
                }
                body.extend(section.paragraphs.iter().cloned());
            }
            corpus.cases.push(CaseText {
                title: parsed.title,
                category: folders.get(1).copied().unwrap_or(top).to_string(),
                source: file.path.clone(),
                body: body.join("\n"),
            });
            continue;
        }
        let name = LawFileName::parse(stem);
        let civil_code = top == CIVIL_CODE_FOLDER;
        let short_title = if civil_code { CIVIL_CODE_FOLDER.to_string() } else { name.short_title };
        let (version_date, effective_date) = version_dates(name.date, &parsed.history);
        let articles: Vec<ArticleText> = parsed
            .articles
            .into_iter()
            .map(|a| ArticleText { number: a.number, headings: a.headings, body: a.paragraphs.join("\n") })
            .collect();
        let key = (short_title.clone(), version_date.map(|d| d.to_string()).unwrap_or_default());
        match versions.get_mut(&key) {
            Some(existing) if civil_code => {
                existing.sources.push(file.path.clone());
                existing.articles.extend(articles);
            }
            Some(_) => corpus.duplicates.push(file.path.clone()),
            None => {
                versions.insert(
                    key,
                    LawVersionText {
                        short_title,
                        title: parsed.title,
                        category: top.to_string(),
                        level,
                        version_date,
                        effective_date,
                        history: parsed.history,
                        sources: vec![file.path.clone()],
                        articles,
                    },
                );
            }
        }
    }
    for mut version in versions.into_values() {
        // The books of 民法典 are read in path order; their numbering runs on.
        version.articles.sort_by_key(|a| a.number);
        let before = version.articles.len();
        version.articles.dedup_by_key(|a| a.number);
        if version.articles.len() != before {
            corpus.errors.push(FileProblem {
                path: version.sources.join(", "),
                line: 1,
                message: format!("{} 的各文件中有重复的条号，已保留第一处", version.short_title),
            });
        }
        corpus.versions.push(version);
    }
    corpus
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile { path: path.into(), text: text.into() }
    }

    const HEADER: &str = "2020年5月28日 通过\n\n2021年1月1日 施行\n\n<!-- INFO END -->\n";

    #[test]
    fn notes_and_templates_are_not_laws() {
        let law = format!("# 中华人民共和国劳动法\n{HEADER}第一条 目的。\n");
        let corpus = assemble(vec![
            file("README.md", "# National law corpus (data)\n\nOfficial texts of PRC laws.\n"),
            file("法律法规模版.md", &law),
            file("社会法/README.md", "# Notes\n"),
            file("社会法/劳动法(2018-12-29).md", &law),
        ]);
        assert_eq!(corpus.versions.len(), 1);
        assert!(corpus.cases.is_empty(), "the README is not a case either");
        assert_eq!(corpus.skipped, ["README.md", "法律法规模版.md", "社会法/README.md"]);
        assert!(is_corpus_text("案例/劳动人事/某案.md") && !is_corpus_text("模板.md"));
    }

    #[test]
    fn the_books_of_the_civil_code_are_one_version_of_one_law() {
        let corpus = assemble(vec![
            file(
                "民法典/婚姻家庭编.md",
                &format!("# 中华人民共和国民法典\n# 婚姻家庭编\n{HEADER}第一千零七十九条 离婚。\n"),
            ),
            file("民法典/总则.md", &format!("# 中华人民共和国民法典\n# 总则\n{HEADER}第一条 目的。\n")),
            file("民法典/_index.md", "---\nbookCollapseSection: true\n---\n"),
        ]);
        assert!(corpus.errors.is_empty(), "{:?}", corpus.errors);
        assert_eq!(corpus.versions.len(), 1);
        let civil = &corpus.versions[0];
        assert_eq!(civil.short_title, "民法典");
        assert_eq!(civil.title, "中华人民共和国民法典");
        assert_eq!(civil.version_key(), "2020-05-28");
        assert_eq!(civil.effective_date, NaiveDate::from_ymd_opt(2021, 1, 1));
        let numbers: Vec<u32> = civil.articles.iter().map(|a| a.number.number).collect();
        assert_eq!(numbers, vec![1, 1079]);
    }

    #[test]
    fn versions_duplicates_cases_and_bad_files() {
        let law = |title: &str| format!("# {title}\n\n<!-- INFO END -->\n\n第一条 内容。\n");
        let corpus = assemble(vec![
            file("社会法/妇女权益保障法(2018-10-26).md", &law("妇女权益保障法")),
            file("社会法/妇女权益保障法(2022-10-30).md", &law("妇女权益保障法")),
            file("行政法/居民身份证法(2011-10-29).md", &law("居民身份证法")),
            file("宪法相关法/居民身份证法(2011-10-29).md", &law("居民身份证法")),
            file("案例/劳动人事/加班费.md", "# 加班费\n<!-- INFO END -->\n## 基本案情\n张某加班。\n"),
            file("其他/坏文件.md", "没有标题\n"),
            file("其他/攻略.md", "# 攻略\n<!-- INFO END -->\n只有正文。\n"),
            file("社会法/无条文法(2020-01-01).md", "# 无条文法\n<!-- INFO END -->\n只有正文。\n"),
        ]);
        let keys: Vec<(String, String)> =
            corpus.versions.iter().map(|v| (v.short_title.clone(), v.version_key())).collect();
        assert_eq!(
            keys,
            vec![
                ("妇女权益保障法".into(), "2018-10-26".into()),
                ("妇女权益保障法".into(), "2022-10-30".into()),
                ("居民身份证法".into(), "2011-10-29".into()),
            ]
        );
        // Path order: 宪法相关法 sorts before 行政法, so that copy is kept.
        assert_eq!(corpus.versions[2].category, "宪法相关法");
        assert_eq!(corpus.duplicates, vec!["行政法/居民身份证法(2011-10-29).md"]);
        let documents: Vec<(&str, &str)> =
            corpus.cases.iter().map(|c| (c.title.as_str(), c.category.as_str())).collect();
        assert_eq!(documents, vec![("攻略", "其他"), ("加班费", "劳动人事"), ("无条文法", "社会法")]);
        assert_eq!(corpus.cases[1].body, "【基本案情】\n张某加班。");
        let bad: Vec<&str> = corpus.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(bad, vec!["其他/坏文件.md"]);
    }
}
