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

/// The text embedded for an article: its law's full title, then its text. (Adding the
/// names of the parts it stands in, 编/章/节, was measured and ranked worse: see
/// BENCHMARKS.md.)
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

/// The passage embedded for a stored article.
pub fn passage_of(row: &IndexRow) -> String {
    passage_text(&row.title, &row.body)
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
            let text = passage_of(r);
            let hash = text_hash(&text);
            seen.insert(hash).then_some((hash, text))
        })
        .collect()
}

/// The stored vectors of one model, 8 bits a component, held in one block so that the
/// whole corpus can be compared with a question (`nearest`) as well as one passage.
#[derive(Default)]
pub struct Vectors {
    /// The row of each passage's vector, by text hash.
    rows: HashMap<u128, u32>,
    /// The text hash of each row.
    hashes: Vec<u128>,
    /// Each row's scale (its components times the scale are the vector).
    scales: Vec<f32>,
    /// The components, `dimensions` per row.
    values: Vec<i8>,
    dimensions: usize,
    /// How many stored rows these were read from, the skipped ones too: what the
    /// store's count is compared with to tell whether vectors were added since.
    rows_read: usize,
}

impl Vectors {
    /// From the stored rows; rows that are not a hash and a vector, or whose vector
    /// has another length than the first, are skipped.
    pub fn from_stored(stored: Vec<(String, Vec<u8>)>) -> Vectors {
        let mut v = Vectors { rows_read: stored.len(), ..Vectors::default() };
        for (hash, bytes) in stored {
            let (Ok(hash), Some(q)) = (u128::from_str_radix(&hash, 16), Quantized::from_bytes(&bytes)) else {
                continue;
            };
            if v.hashes.is_empty() {
                v.dimensions = q.values.len();
            }
            if q.values.len() != v.dimensions || v.rows.contains_key(&hash) {
                continue;
            }
            v.rows.insert(hash, v.hashes.len() as u32);
            v.hashes.push(hash);
            v.scales.push(q.scale);
            v.values.extend_from_slice(&q.values);
        }
        v
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The text hashes of the held vectors.
    pub fn hashes(&self) -> impl Iterator<Item = u128> + '_ {
        self.hashes.iter().copied()
    }

    pub fn rows_read(&self) -> usize {
        self.rows_read
    }

    pub fn contains(&self, hash: u128) -> bool {
        self.rows.contains_key(&hash)
    }

    fn row(&self, row: usize) -> &[i8] {
        &self.values[row * self.dimensions..(row + 1) * self.dimensions]
    }

    /// The cosine of a passage with a question's vector, when the passage was embedded.
    pub fn similarity(&self, hash: u128, query: &[f32]) -> Option<f32> {
        let row = *self.rows.get(&hash)? as usize;
        Some(gongdao_embed::scaled_dot(self.row(row), self.scales[row], query))
    }

    /// The `n` passages nearest to a question's vector, nearest first, as (text hash,
    /// approximate cosine). Every stored vector is compared: the question is brought
    /// to 8 bits too, so each comparison is a short integer dot product (the cosines
    /// used for ranking are then `similarity`'s).
    pub fn nearest(&self, query: &[f32], n: usize) -> Vec<(u128, f32)> {
        if self.is_empty() || query.len() != self.dimensions || n == 0 {
            return Vec::new();
        }
        let q = Quantized::from_f32(query);
        let mut all: Vec<(f32, u32)> = gongdao_embed::dot_rows(&self.values, &q.values)
            .into_iter()
            .zip(&self.scales)
            .enumerate()
            .map(|(row, (dot, scale))| (dot as f32 * scale * q.scale, row as u32))
            .collect();
        let n = n.min(all.len());
        if n < all.len() {
            all.select_nth_unstable_by(n - 1, |a, b| b.0.total_cmp(&a.0));
            all.truncate(n);
        }
        all.sort_by(|a, b| b.0.total_cmp(&a.0));
        all.into_iter().map(|(cosine, row)| (self.hashes[row as usize], cosine)).collect()
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
        assert_eq!(v.rows_read(), 2, "the skipped row is counted as read, so it is not read again and again");
        let s = v.similarity(a, &[0.6, 0.8]).unwrap();
        assert!((s - 1.0).abs() < 0.01, "{s}");
        assert_eq!(v.similarity(text_hash("乙"), &[0.6, 0.8]), None);
    }

    fn unit(v: &[f32]) -> Vec<f32> {
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / norm).collect()
    }

    #[test]
    fn the_nearest_passages_come_nearest_first_and_odd_rows_are_left_out() {
        let stored = |text: &str, v: &[f32]| (hash_hex(text_hash(text)), Quantized::from_f32(&unit(v)).to_bytes());
        let vectors = Vectors::from_stored(vec![
            stored("东", &[1.0, 0.0, 0.0]),
            stored("东北", &[1.0, 1.0, 0.0]),
            stored("北", &[0.0, 1.0, 0.0]),
            stored("西", &[-1.0, 0.0, 0.1]),
            // Another length than the others: not a vector of this model.
            stored("长", &[1.0, 0.0, 0.0, 0.0]),
        ]);
        assert_eq!(vectors.len(), 4);
        let query = unit(&[1.0, 0.2, 0.0]);
        let near = vectors.nearest(&query, 2);
        let names: Vec<u128> = near.iter().map(|(h, _)| *h).collect();
        assert_eq!(names, vec![text_hash("东"), text_hash("东北")]);
        let exact = vectors.similarity(text_hash("东"), &query).unwrap();
        assert!((near[0].1 - exact).abs() < 0.02, "{} against {exact}", near[0].1);
        assert_eq!(vectors.nearest(&query, 10).len(), 4);
        assert!(vectors.nearest(&[1.0, 0.0], 2).is_empty(), "a question of another length finds nothing");
        assert!(Vectors::default().nearest(&query, 2).is_empty());
    }
}
