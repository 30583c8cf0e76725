//! The search vocabulary as data (`data/laws/lexicon.toml`): words the segmenter keeps
//! whole, stop words, and how citizens say things against how the law says them.

use std::collections::HashSet;

use serde::Deserialize;

use crate::scoring::Weights;

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
    #[serde(default)]
    ranking: Ranking,
}

/// How search results are ordered: field weights for BM25, the candidates by meaning,
/// and the weights of the candidates' features (`scoring`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ranking {
    /// Weight of a question word found in the law's title (the article text weighs 1).
    pub title: f32,
    /// Weight of a question word found in the structure headings (编/章/节).
    pub heading: f32,
    /// Weight of a character pair of the question found in the article text (0: pairs
    /// are not indexed at all).
    pub bigram: f32,
    /// How many articles nearest to the question by meaning, over the whole corpus,
    /// join the candidates of the words (when the model is installed and the corpus
    /// embedded; 0: only the words choose the candidates).
    pub semantic_nearest: usize,
    /// The weight of each feature (`scoring::FEATURES`) when the words alone rank…
    pub words: Weights,
    /// …and when the question's meaning is compared too.
    pub meaning: Weights,
    /// A factor for the laws people ask about most, by short title (1 for the others);
    /// the feature `popular` is its logarithm.
    pub popular: std::collections::BTreeMap<String, f32>,
}

impl Default for Ranking {
    fn default() -> Self {
        Ranking {
            title: 0.6,
            heading: 0.5,
            bigram: 0.0,
            semantic_nearest: 0,
            words: Weights::bm25_only(),
            meaning: Weights::bm25_only(),
            popular: std::collections::BTreeMap::new(),
        }
    }
}

impl Ranking {
    pub fn popularity(&self, short_title: &str) -> f32 {
        self.popular.get(short_title).copied().unwrap_or(1.0)
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynonymEntry {
    /// What people say.
    pub say: Vec<String>,
    /// What the law says.
    #[serde(default)]
    pub law: Vec<String>,
    /// Laws that usually answer such a question (short titles): their articles rank
    /// higher when the question says one of `say`.
    #[serde(default)]
    pub laws: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Lexicon {
    pub words: Vec<String>,
    pub stop_words: HashSet<String>,
    pub synonyms: Vec<SynonymEntry>,
    pub ranking: Ranking,
}

#[derive(Debug, thiserror::Error)]
#[error("检索词表格式错误：{0}")]
pub struct LexiconError(String);

impl Lexicon {
    pub fn parse(text: &str) -> Result<Lexicon, LexiconError> {
        let file: LexiconFile = toml::from_str(text).map_err(|e| LexiconError(e.to_string()))?;
        if let Some(bad) = file.synonym.iter().find(|s| s.say.is_empty() || (s.law.is_empty() && s.laws.is_empty())) {
            return Err(LexiconError(format!("同义词条目 {:?} 缺少 say，或 law 与 laws 都为空", bad.say)));
        }
        Ok(Lexicon {
            words: file.words,
            stop_words: file.stop_words.into_iter().collect(),
            synonyms: file.synonym,
            ranking: file.ranking,
        })
    }

    pub fn shipped() -> Lexicon {
        Lexicon::parse(SHIPPED).expect("the shipped lexicon parses")
    }

    /// The laws that usually answer what the question says.
    pub fn topic_laws<'a>(&'a self, question: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.synonyms
            .iter()
            .filter(|s| s.say.iter().any(|w| question.contains(w.as_str())))
            .flat_map(|s| s.laws.iter().map(String::as_str))
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
        assert!(Lexicon::parse("[[synonym]]\nsay = [\"工伤\"]\nlaws = [\"工伤保险条例\"]\n").is_ok());
        assert!(e.to_string().contains("缺少"), "{e}");
    }
}
