//! Semantic re-ranking: the law search's first candidates compared with the question
//! by sentence embeddings (multilingual-e5-small through [`gongdao_embed`]), when the
//! operator installed the model and embedded the corpus (`gongdao laws embed`).
//! Without either, the search is the lexical one alone.

use chrono::NaiveDate;
use gongdao_domain::law::{LawLevel, VersionStatus};
use gongdao_embed::Quantized;
use gongdao_store::laws::IndexRow;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Characters of an article embedded with its law's title: the model reads 512 tokens
/// at most and costs ~1 ms a token here, while the start of an article carries its
/// matter.
pub const PASSAGE_CHARS: usize = 256;

/// The text embedded for an article: its law's full title, then its text.
pub fn passage_text(title: &str, body: &str) -> String {
    let mut text = String::with_capacity(title.len() + 1 + body.len().min(PASSAGE_CHARS * 3));
    text.push_str(title);
    text.push(' ');
    text.push_str(body);
    match text.char_indices().nth(PASSAGE_CHARS) {
        Some((cut, _)) => text[..cut].to_string(),
        None => text,
    }
}

/// The key a passage's vector is stored under: the first 128 bits of its SHA-256.
pub fn text_hash(text: &str) -> u128 {
    let digest = Sha256::digest(text.as_bytes());
    u128::from_be_bytes(digest[..16].try_into().expect("16 bytes"))
}

pub fn hash_hex(hash: u128) -> String {
    format!("{hash:032x}")
}

/// The distinct passages of the stored articles, in the order they are worth
/// embedding: texts in force on `day` before the others, and among them by level
/// (Constitution, laws, regulations, interpretations, rules, in `LawLevel` order), so a
/// run cut short has covered what citizens ask about.
pub fn passages_in_order(rows: &[IndexRow], day: NaiveDate) -> Vec<(u128, String)> {
    let mut ordered: Vec<&IndexRow> = rows.iter().collect();
    ordered.sort_by_key(|r| {
        let in_force = VersionStatus::on(r.effective_date, r.superseded_on, day) == VersionStatus::InForce;
        let level = LawLevel::ALL.iter().position(|l| *l == r.level).unwrap_or(LawLevel::ALL.len());
        (!in_force, level)
    });
    let mut seen = std::collections::HashSet::new();
    ordered
        .into_iter()
        .filter_map(|r| {
            let text = passage_text(&r.title, &r.body);
            let hash = text_hash(&text);
            seen.insert(hash).then_some((hash, text))
        })
        .collect()
}

/// The stored vectors of one model, by text hash, 8 bits a component.
#[derive(Default)]
pub struct Vectors {
    by_hash: HashMap<u128, Quantized>,
}

impl Vectors {
    /// From the stored rows; rows that are not a hash and a vector are skipped.
    pub fn from_stored(rows: Vec<(String, Vec<u8>)>) -> Vectors {
        let by_hash = rows
            .into_iter()
            .filter_map(|(hash, bytes)| Some((u128::from_str_radix(&hash, 16).ok()?, Quantized::from_bytes(&bytes)?)))
            .collect();
        Vectors { by_hash }
    }

    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    pub fn contains(&self, hash: u128) -> bool {
        self.by_hash.contains_key(&hash)
    }

    /// The cosine of a passage with a question's vector, when the passage was embedded.
    pub fn similarity(&self, hash: u128, query: &[f32]) -> Option<f32> {
        self.by_hash.get(&hash).map(|v| v.dot(query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passages_are_the_title_and_the_start_of_the_text() {
        assert_eq!(passage_text("中华人民共和国劳动法", "第一条"), "中华人民共和国劳动法 第一条");
        let long = "字".repeat(1000);
        assert_eq!(passage_text("法", &long).chars().count(), PASSAGE_CHARS);
    }

    #[test]
    fn hashes_name_the_text_and_round_trip_through_hex() {
        let a = text_hash("甲");
        assert_ne!(a, text_hash("乙"));
        assert_eq!(u128::from_str_radix(&hash_hex(a), 16).unwrap(), a);
        let q = Quantized::from_f32(&[0.6, 0.8]);
        let v = Vectors::from_stored(vec![(hash_hex(a), q.to_bytes()), ("not hex".into(), q.to_bytes())]);
        assert_eq!(v.len(), 1);
        let s = v.similarity(a, &[0.6, 0.8]).unwrap();
        assert!((s - 1.0).abs() < 0.01, "{s}");
        assert_eq!(v.similarity(text_hash("乙"), &[0.6, 0.8]), None);
    }
}
