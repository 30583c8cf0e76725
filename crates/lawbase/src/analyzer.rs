//! Chinese text to search terms: jieba segmentation (search mode, so 劳动合同法 also
//! yields 劳动 and 合同), full-width forms folded, punctuation dropped. Questions also
//! lose their stop words and gain the legal terms of the lexicon.

use std::collections::HashMap;

use jieba_rs::Jieba;

use crate::lexicon::Lexicon;

/// Questions are cut to this many characters: enough for any real question, and a
/// bound on the work one request can cause.
pub const MAX_QUESTION_CHARS: usize = 300;
/// A question yields at most this many distinct terms.
pub const MAX_TERMS: usize = 48;
/// Weight of a term the question did not use but the lexicon added.
pub const EXPANSION_WEIGHT: f32 = 0.6;

pub struct Analyzer {
    jieba: Jieba,
    pub lexicon: Lexicon,
}

/// A term of a query and its weight.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryTerm {
    pub text: String,
    pub weight: f32,
    /// Whether the term is worth marking in a result: the question's own words and the
    /// lexicon's whole terms, not the parts search mode cuts a legal term into.
    pub shown: bool,
}

impl Analyzer {
    pub fn new(lexicon: Lexicon) -> Analyzer {
        let mut jieba = Jieba::new();
        for w in &lexicon.words {
            jieba.add_word(w, None, None);
        }
        Analyzer { jieba, lexicon }
    }

    /// The terms of a text as indexed: every word and, for long words, their parts.
    pub fn index_terms(&self, text: &str) -> Vec<String> {
        let text = normalize(text);
        self.jieba
            .cut_for_search(&text, false)
            .into_iter()
            .map(|t| t.word)
            .filter(|t| is_word(t))
            .map(str::to_string)
            .collect()
    }

    /// Plain segmentation without the search-mode parts, as a baseline uses it.
    pub fn plain_terms(&self, text: &str) -> Vec<String> {
        let text = normalize(text);
        self.jieba.cut(&text, false).into_iter().map(|t| t.word).filter(|t| is_word(t)).map(str::to_string).collect()
    }

    /// The character pairs of a question's words, stop words left out.
    pub fn query_bigrams(&self, question: &str) -> Vec<String> {
        let question: String = question.chars().take(MAX_QUESTION_CHARS).collect();
        let question = normalize(&question);
        let words: Vec<&str> = self
            .jieba
            .cut(&question, false)
            .into_iter()
            .map(|t| t.word)
            .filter(|t| !self.lexicon.stop_words.contains(*t))
            .collect();
        let mut out = Vec::new();
        for w in words {
            for g in bigrams(w) {
                if !out.contains(&g) {
                    out.push(g);
                }
            }
        }
        out.truncate(MAX_TERMS);
        out
    }

    /// The weighted terms of a question: its words without stop words, each counted
    /// once, then the lexicon's legal terms for its plain words.
    pub fn query_terms(&self, question: &str) -> Vec<QueryTerm> {
        let question: String = question.chars().take(MAX_QUESTION_CHARS).collect();
        let question = normalize(&question);
        let mut weights: HashMap<String, f32> = HashMap::new();
        let mut order = Vec::new();
        for t in self.jieba.cut_for_search(&question, false).into_iter().map(|t| t.word) {
            if !is_word(t) || self.lexicon.stop_words.contains(t) {
                continue;
            }
            // A single character says little unless it stands alone in the question.
            let weight = if t.chars().count() == 1 { 0.3 } else { 1.0 };
            if !weights.contains_key(t) {
                order.push(t.to_string());
            }
            let w = weights.entry(t.to_string()).or_insert(0.0);
            *w = w.max(weight);
        }
        let mut hidden = std::collections::HashSet::new();
        for legal in self.lexicon.expansions(&question) {
            for t in self.jieba.cut_for_search(legal, false).into_iter().map(|t| t.word) {
                if !is_word(t) || self.lexicon.stop_words.contains(t) || t.chars().count() == 1 {
                    continue;
                }
                if !weights.contains_key(t) {
                    order.push(t.to_string());
                    weights.insert(t.to_string(), EXPANSION_WEIGHT);
                    if t != legal {
                        hidden.insert(t.to_string());
                    }
                }
            }
        }
        order.truncate(MAX_TERMS);
        order.into_iter().map(|t| QueryTerm { weight: weights[&t], shown: !hidden.contains(&t), text: t }).collect()
    }
}

/// The distinct pairs of adjacent CJK characters in `text`, within runs of CJK.
pub fn bigrams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for run in text.split(|c: char| !is_cjk(c)) {
        let chars: Vec<char> = run.chars().collect();
        for w in chars.windows(2) {
            let g: String = w.iter().collect();
            if seen.insert(g.clone()) {
                out.push(g);
            }
        }
    }
    out
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// Full-width letters and digits to ASCII, letters to lower case.
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// A token that carries meaning: it has a letter, a digit or a CJK character.
fn is_word(token: &str) -> bool {
    token.chars().any(|c| c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> Analyzer {
        Analyzer::new(Lexicon::shipped())
    }

    #[test]
    fn questions_lose_stop_words_and_punctuation_and_gain_legal_terms() {
        let a = analyzer();
        let terms = a.query_terms("老板拖欠我的工资怎么办？");
        let texts: Vec<&str> = terms.iter().map(|t| t.text.as_str()).collect();
        assert!(texts.contains(&"老板"), "{texts:?}");
        assert!(texts.contains(&"工资"), "{texts:?}");
        assert!(!texts.contains(&"怎么办"), "{texts:?}");
        assert!(!texts.iter().any(|t| t.contains('？')), "{texts:?}");
        let added = terms.iter().find(|t| t.text == "劳动报酬").expect("legal term added");
        assert!(added.weight < 1.0);
    }

    #[test]
    fn junk_and_stop_words_only_give_no_terms() {
        let a = analyzer();
        assert!(a.query_terms("").is_empty());
        assert!(a.query_terms("   ").is_empty());
        assert!(a.query_terms("？！。，、……").is_empty());
        assert!(a.query_terms("怎么办呢吗").is_empty());
        let long = "工资".repeat(5000);
        assert!(a.query_terms(&long).len() <= MAX_TERMS);
    }

    #[test]
    fn the_lexicon_words_stay_whole_and_full_width_is_folded() {
        let a = analyzer();
        assert!(a.index_terms("劳动者有权获得劳动报酬").contains(&"劳动报酬".to_string()));
        assert_eq!(normalize("ＡＢＣ１２３"), "abc123");
    }
}
