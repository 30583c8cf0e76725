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

/// The levels in the order their texts are embedded: what citizens' questions are
/// answered by first (laws, then the courts' interpretations of them).
const EMBED_ORDER: [LawLevel; 7] = [
    LawLevel::Constitution,
    LawLevel::Law,
    LawLevel::JudicialInterpretation,
    LawLevel::AdministrativeRegulation,
    LawLevel::DepartmentalRule,
    LawLevel::Other,
    LawLevel::Case,
];

/// The distinct passages of the stored articles, in the order they are worth
/// embedding: texts in force on `day` before the others, and among them by level
/// (`EMBED_ORDER`), so a run cut short has covered what citizens ask about.
pub fn passages_in_order(rows: &[IndexRow], day: NaiveDate) -> Vec<(u128, String)> {
    let mut ordered: Vec<&IndexRow> = rows.iter().collect();
    ordered.sort_by_key(|r| {
        let in_force = VersionStatus::on(r.effective_date, r.superseded_on, day) == VersionStatus::InForce;
        let level = EMBED_ORDER.iter().position(|l| *l == r.level).unwrap_or(EMBED_ORDER.len());
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

    fn row(title: &str, level: LawLevel, superseded_on: Option<NaiveDate>, body: &str) -> IndexRow {
        use gongdao_domain::ids::{LawId, LawVersionId};
        IndexRow {
            article_id: 1,
            law_id: LawId(1),
            short_title: title.into(),
            title: title.into(),
            category: "c".into(),
            level,
            version_id: LawVersionId(1),
            version_key: "v".into(),
            effective_date: None,
            superseded_on,
            number: gongdao_domain::law::ArticleNumber { number: 1, suffix: 0 },
            headings: Vec::new().into(),
            body: body.into(),
        }
    }

    #[test]
    fn passages_come_once_each_in_force_and_laws_first() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let before = NaiveDate::from_ymd_opt(2020, 1, 1);
        let rows = vec![
            row("规章", LawLevel::DepartmentalRule, None, "甲"),
            row("旧法", LawLevel::Law, before, "乙"),
            row("条例", LawLevel::AdministrativeRegulation, None, "丙"),
            row("解释", LawLevel::JudicialInterpretation, None, "丁"),
            row("法", LawLevel::Law, None, "戊"),
            // The same text in a second version is embedded once.
            row("法", LawLevel::Law, None, "戊"),
        ];
        let texts: Vec<String> = passages_in_order(&rows, day).into_iter().map(|(_, t)| t).collect();
        assert_eq!(texts, vec!["法 戊", "解释 丁", "条例 丙", "规章 甲", "旧法 乙"]);
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
