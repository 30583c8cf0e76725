//! How a question's candidate articles are ordered. Each candidate brings a few measured
//! parts (its BM25 score, the law's level, whether the question names its law, how
//! much of the question it covers, its similarity by meaning…); over the whole list of
//! candidates these become features (shares of the best, standard deviations over the
//! list, what the law's other candidates score), and a candidate's score is the
//! weighted sum of its features. The weights are data (`[ranking.words]` and
//! `[ranking.meaning]` in data/laws/lexicon.toml), fitted to labelled questions by
//! `bench/ranking/train.py`: hand-set factors for each part were measured against
//! them and ranked worse (BENCHMARKS.md).

use std::collections::BTreeMap;

// The maps below hold a question's ~250 candidates; SipHash's defence against
// chosen keys buys nothing here, and it showed in the ranking step's profile.
use rustc_hash::FxHashMap as HashMap;

use gongdao_domain::law::LawLevel;

/// The features, in the order of a feature vector; the names are those of the
/// weights in the lexicon.
pub const FEATURES: [&str; 22] = [
    // By the words.
    "bm25_share",
    "bm25_log",
    "level_law",
    "level_constitution",
    "level_administrative_regulation",
    "level_judicial_interpretation",
    "level_departmental_rule",
    "level_other",
    "popular",
    "named_law",
    "topic_law",
    "coverage",
    "law_support",
    "neighbour",
    "lexical_rank",
    "meaning_only",
    // By meaning (0 without the model).
    "similarity",
    "similarity_gap",
    "meaning_rank",
    "law_similarity",
    "law_similarity3",
    "neighbour_similarity",
];

const LEVELS: [LawLevel; 6] = [
    LawLevel::Law,
    LawLevel::Constitution,
    LawLevel::AdministrativeRegulation,
    LawLevel::JudicialInterpretation,
    LawLevel::DepartmentalRule,
    LawLevel::Other,
];

pub type Features = [f32; FEATURES.len()];

/// What is measured of one candidate.
#[derive(Clone, Debug)]
pub struct Parts<'a> {
    pub law: &'a str,
    pub level: LawLevel,
    /// The version and the article number: neighbours are the same version, ± 1.
    pub place: (i64, u32),
    /// The weighted BM25 over text, title, headings and character pairs (0 when only
    /// meaning found it).
    pub bm25: f32,
    /// 1-based rank among the candidates by words, and among those by meaning.
    pub lexical_rank: Option<u32>,
    pub meaning_rank: Option<u32>,
    /// The lexicon's factor for the laws people ask about most (1: not listed).
    pub popularity: f32,
    /// The question names the law (“劳动合同法规定……”).
    pub named: bool,
    /// A synonym entry the question matches names the law.
    pub topical: bool,
    /// 0.2 + the share of the question's weight the article covers.
    pub coverage: f32,
    /// Cosine with the question's embedding, when both are known.
    pub similarity: Option<f32>,
}

/// The features of each candidate, over the list of a question's candidates.
pub fn features(parts: &[Parts]) -> Vec<Features> {
    let best = parts.iter().map(|p| p.bm25).fold(0.0, f32::max);
    let best = if best > 0.0 { best } else { 1.0 };
    // A law's support: its 2nd to 5th best candidates by words (a question about
    // wages is about the labour laws as a whole).
    let mut by_law: HashMap<&str, Vec<f32>> = HashMap::default();
    for p in parts.iter().filter(|p| p.lexical_rank.is_some()) {
        by_law.entry(p.law).or_default().push(p.bm25);
    }
    let support: HashMap<&str, f32> = by_law
        .into_iter()
        .map(|(law, mut scores)| {
            scores.sort_by(|a, b| b.total_cmp(a));
            (law, scores.iter().skip(1).take(4).sum::<f32>() / 4.0)
        })
        .collect();
    let mut bm25_at: HashMap<(i64, u32), f32> = HashMap::default();
    let mut similarity_at: HashMap<(i64, u32), f32> = HashMap::default();
    let mut law_similarities: HashMap<&str, Vec<f32>> = HashMap::default();
    for p in parts {
        let at = bm25_at.entry(p.place).or_insert(0.0);
        *at = at.max(p.bm25);
        if let Some(s) = p.similarity {
            let at = similarity_at.entry(p.place).or_insert(f32::MIN);
            *at = at.max(s);
            law_similarities.entry(p.law).or_default().push(s);
        }
    }
    for sims in law_similarities.values_mut() {
        sims.sort_by(|a, b| b.total_cmp(a));
    }
    let spread = Spread::of(parts.iter().filter_map(|p| p.similarity));
    let neighbours = |map: &HashMap<(i64, u32), f32>, (version, number): (i64, u32)| {
        [number.checked_sub(1), number.checked_add(1)]
            .into_iter()
            .flatten()
            .filter_map(|n| map.get(&(version, n)).copied())
            .reduce(f32::max)
    };
    let inverse = |rank: Option<u32>| rank.map(|r| 1.0 / r as f32).unwrap_or(0.0);
    parts
        .iter()
        .map(|p| {
            let mut f = [0.0; FEATURES.len()];
            f[0] = p.bm25 / best;
            f[1] = p.bm25.max(0.0).ln_1p();
            for (i, level) in LEVELS.iter().enumerate() {
                f[2 + i] = f32::from(p.level == *level);
            }
            f[8] = p.popularity.max(f32::MIN_POSITIVE).ln();
            f[9] = f32::from(p.named);
            f[10] = f32::from(p.topical);
            f[11] = p.coverage.max(f32::MIN_POSITIVE).ln();
            f[12] = support.get(p.law).copied().unwrap_or(0.0) / best;
            f[13] = neighbours(&bm25_at, p.place).unwrap_or(0.0) / best;
            f[14] = inverse(p.lexical_rank);
            f[15] = f32::from(p.lexical_rank.is_none());
            if let Some(spread) = spread {
                let z = |s: f32| (s - spread.mean) / spread.sd;
                let own = p.similarity.unwrap_or(spread.mean);
                f[16] = z(own);
                f[17] = own - spread.max;
                f[18] = inverse(p.meaning_rank);
                let law = law_similarities.get(p.law).map(Vec::as_slice).unwrap_or(&[]);
                f[19] = law.first().map_or(0.0, |s| z(*s));
                f[20] = match law.len().min(3) {
                    0 => 0.0,
                    n => z(law[..n].iter().sum::<f32>() / n as f32),
                };
                f[21] = neighbours(&similarity_at, p.place).map_or(0.0, z);
            }
            f
        })
        .collect()
}

/// Mean, standard deviation and best of the candidates' similarities.
#[derive(Clone, Copy)]
struct Spread {
    mean: f32,
    sd: f32,
    max: f32,
}

impl Spread {
    fn of(values: impl Iterator<Item = f32> + Clone) -> Option<Spread> {
        let n = values.clone().count();
        if n == 0 {
            return None;
        }
        let mean = values.clone().sum::<f32>() / n as f32;
        let sd = (values.clone().map(|v| (v - mean).powi(2)).sum::<f32>() / n as f32).sqrt();
        let max = values.fold(f32::MIN, f32::max);
        Some(Spread { mean, sd: if sd > 1e-6 { sd } else { 1.0 }, max })
    }
}

/// The weight of each feature, read from a table of feature names (a name not among
/// `FEATURES` is an error; a feature not named weighs 0).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
#[serde(try_from = "BTreeMap<String, f32>")]
pub struct Weights(Features);

impl TryFrom<BTreeMap<String, f32>> for Weights {
    type Error = String;

    fn try_from(table: BTreeMap<String, f32>) -> Result<Self, String> {
        let mut weights = [0.0; FEATURES.len()];
        for (name, weight) in table {
            let Some(i) = FEATURES.iter().position(|f| *f == name) else {
                return Err(format!("未知的排序特征：{name}（可用：{}）", FEATURES.join("、")));
            };
            if !weight.is_finite() {
                return Err(format!("排序特征 {name} 的权重不是有限数"));
            }
            weights[i] = weight;
        }
        Ok(Weights(weights))
    }
}

impl Weights {
    /// Weights that order by the words' BM25 alone, scaled to the best (what a lexicon
    /// without learned weights gets).
    pub fn bm25_only() -> Weights {
        let mut weights = [0.0; FEATURES.len()];
        weights[0] = 1.0;
        Weights(weights)
    }

    pub fn score(&self, features: &Features) -> f32 {
        self.0.iter().zip(features).map(|(w, f)| w * f).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(law: &str, number: u32, bm25: f32, rank: Option<u32>, similarity: Option<f32>) -> Parts<'_> {
        Parts {
            law,
            level: LawLevel::Law,
            place: (1, number),
            bm25,
            lexical_rank: rank,
            meaning_rank: None,
            popularity: 1.0,
            named: false,
            topical: false,
            coverage: 1.0,
            similarity,
        }
    }

    fn at(name: &str) -> usize {
        FEATURES.iter().position(|f| *f == name).unwrap()
    }

    #[test]
    fn features_are_shares_of_the_best_and_spreads_over_the_list() {
        let parts = [
            part("劳动法", 50, 8.0, Some(1), Some(0.9)),
            part("劳动法", 51, 4.0, Some(2), Some(0.7)),
            part("民法典", 1165, 0.0, None, Some(0.5)),
        ];
        let f = features(&parts);
        assert_eq!(f[0][at("bm25_share")], 1.0);
        assert_eq!(f[1][at("bm25_share")], 0.5);
        assert_eq!(f[2][at("meaning_only")], 1.0);
        assert_eq!(f[0][at("lexical_rank")], 1.0);
        assert_eq!(f[1][at("lexical_rank")], 0.5);
        // 劳动法's support is its second-best article over four, as a share of the best.
        assert_eq!(f[0][at("law_support")], 1.0 / 8.0);
        assert_eq!(f[0][at("neighbour")], 0.5, "article 51 is 50's neighbour");
        assert_eq!(f[2][at("neighbour")], 0.0);
        // Similarities 0.9, 0.7, 0.5: mean 0.7, standard deviation √(0.08/3).
        let sd = (0.08f32 / 3.0).sqrt();
        assert!((f[0][at("similarity")] - 0.2 / sd).abs() < 1e-4);
        assert!((f[2][at("similarity_gap")] + 0.4).abs() < 1e-6);
        assert!((f[1][at("law_similarity")] - 0.2 / sd).abs() < 1e-4, "the law's best article");
        assert!((f[1][at("law_similarity3")] - 0.1 / sd).abs() < 1e-4, "the mean of its 0.9 and 0.7");
        assert!((f[1][at("neighbour_similarity")] - 0.2 / sd).abs() < 1e-4);
        assert_eq!(f[0][at("level_law")], 1.0);
        assert_eq!(f[0][at("level_other")], 0.0);
    }

    #[test]
    fn without_the_model_the_features_by_meaning_stay_zero() {
        let f = features(&[part("劳动法", 1, 3.0, Some(1), None), part("劳动法", 2, 1.0, Some(2), None)]);
        for name in ["similarity", "similarity_gap", "meaning_rank", "law_similarity", "neighbour_similarity"] {
            assert_eq!(f[0][at(name)], 0.0, "{name}");
        }
    }

    #[test]
    fn weights_name_features_and_reject_unknown_ones() {
        let table = |pairs: &[(&str, f32)]| -> BTreeMap<String, f32> {
            pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
        };
        let w = Weights::try_from(table(&[("bm25_share", 2.0), ("similarity", 0.5)])).unwrap();
        let mut f = [0.0; FEATURES.len()];
        f[at("bm25_share")] = 0.5;
        f[at("similarity")] = 2.0;
        f[at("coverage")] = 9.0;
        assert_eq!(w.score(&f), 2.0);
        let err = Weights::try_from(table(&[("bm25", 1.0)])).unwrap_err();
        assert!(err.contains("未知的排序特征：bm25"), "{err}");
        assert!(Weights::try_from(table(&[("coverage", f32::NAN)])).is_err());
    }
}
