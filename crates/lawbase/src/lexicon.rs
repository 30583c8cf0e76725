//! The search vocabulary as data (`data/laws/lexicon.toml`): words the segmenter keeps
//! whole, stop words, and how citizens say things against how the law says them.

use std::collections::HashSet;

use serde::Deserialize;

/// The lexicon shipped with the program.
pub const SHIPPED: &str = include_str!("../../../data/laws/lexicon.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    stop_words: Vec<String>,
    #[serde(default)]
    synonym: Vec<SynonymEntry>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynonymEntry {
    /// What people say.
    pub say: Vec<String>,
    /// What the law says.
    pub law: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Lexicon {
    pub words: Vec<String>,
    pub stop_words: HashSet<String>,
    pub synonyms: Vec<SynonymEntry>,
}

#[derive(Debug, thiserror::Error)]
#[error("检索词表格式错误：{0}")]
pub struct LexiconError(String);

impl Lexicon {
    pub fn parse(text: &str) -> Result<Lexicon, LexiconError> {
        let file: LexiconFile = toml::from_str(text).map_err(|e| LexiconError(e.to_string()))?;
        if let Some(bad) = file.synonym.iter().find(|s| s.say.is_empty() || s.law.is_empty()) {
            return Err(LexiconError(format!("同义词条目 {:?} 缺少 say 或 law", bad.say)));
        }
        Ok(Lexicon { words: file.words, stop_words: file.stop_words.into_iter().collect(), synonyms: file.synonym })
    }

    pub fn shipped() -> Lexicon {
        Lexicon::parse(SHIPPED).expect("the shipped lexicon parses")
    }

    /// The legal terms for what a question says in plain words.
    pub fn expansions<'a>(&'a self, question: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.synonyms
            .iter()
            .filter(|s| s.say.iter().any(|w| question.contains(w.as_str())))
            .flat_map(|s| s.law.iter().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_lexicon_parses_and_maps_plain_words_to_legal_terms() {
        let lex = Lexicon::shipped();
        assert!(lex.stop_words.contains("怎么办"));
        let found: Vec<&str> = lex.expansions("老板拖欠工资怎么办").collect();
        assert!(found.contains(&"劳动报酬"), "{found:?}");
        let found: Vec<&str> = lex.expansions("朋友借钱不还").collect();
        assert!(found.contains(&"借款合同"), "{found:?}");
    }

    #[test]
    fn a_bad_lexicon_is_refused_with_a_reason() {
        assert!(Lexicon::parse("nonsense = [").is_err());
        assert!(Lexicon::parse("unknown_key = 1").is_err());
        let e = Lexicon::parse("[[synonym]]\nsay = [\"a\"]\nlaw = []\n").unwrap_err();
        assert!(e.to_string().contains("缺少"), "{e}");
    }
}
