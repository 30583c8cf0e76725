//! The usual search's candidates, scored term at a time.
//!
//! A question becomes an OR of ~150 weighted terms (its words over text, title and
//! headings, and its character pairs), and the ranking wants the 200 best documents of
//! all that match any of them. Little can be skipped: tantivy's block-max WAND, tried,
//! kept so many terms in play that it cost more than it saved (2.7 against 1.8 ms a
//! question, BENCHMARKS.md), so every posting is read. tantivy's union reads them
//! through a window of boxed scorers and offers each matching document to a heap;
//! here each term's postings are read block by block and added into one array of
//! scores, and the best are picked from it behind a rising threshold.
//!
//! The scores are tantivy's own, bit for bit: the same BM25 weight
//! ([`Bm25Weight`], with the statistics provider given), boosted the same way, summed
//! in the order of the terms, and ties go to the earlier document as in `TopDocs`.
//! The test below holds the two side by side.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::{Bm25StatisticsProvider, Bm25Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, InvertedIndexReader, Searcher, SegmentReader, Term};

/// One term of the OR and its weight (the factor on its BM25 score).
pub(crate) type WeightedTerm = (Term, f32);

/// The `limit` best documents of an OR of weighted terms, best first, with their
/// scores: the sum of each matching term's boosted BM25.
pub(crate) fn top_documents(
    searcher: &Searcher,
    statistics: &dyn Bm25StatisticsProvider,
    terms: &[WeightedTerm],
    limit: usize,
) -> tantivy::Result<Vec<(f32, DocAddress)>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let weights = weights(statistics, terms)?;
    let mut best = Best::new(limit);
    SCRATCH.with_borrow_mut(|scratch| {
        for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
            scratch.fit(segment.max_doc() as usize);
            scratch.in_use = true;
            let added = add_terms(segment, terms, &weights, scratch);
            // Documents arrive in order, segment after segment: ties keep the first.
            scratch.drain(|doc, score| best.offer(score, DocAddress::new(segment_ord as u32, doc)));
            scratch.in_use = false;
            added?;
        }
        Ok(best.into_sorted())
    })
}

/// Each term's BM25 weight with its boost, as tantivy's `TermQuery` in a `BoostQuery`
/// computes it (none for a term no document holds).
fn weights(
    statistics: &dyn Bm25StatisticsProvider,
    terms: &[WeightedTerm],
) -> tantivy::Result<Vec<Option<Bm25Weight>>> {
    let total_docs = statistics.total_num_docs()?;
    // The average length of each field, asked once per field, not once per term.
    let mut average_lengths: Vec<(Field, f32)> = Vec::new();
    let mut out = Vec::with_capacity(terms.len());
    for (term, boost) in terms {
        let doc_freq = statistics.doc_freq(term)?;
        if doc_freq == 0 {
            out.push(None);
            continue;
        }
        let field = term.field();
        let average = match average_lengths.iter().find(|(f, _)| *f == field) {
            Some((_, average)) => *average,
            None => {
                let average = statistics.total_num_tokens(field)? as f32 / total_docs as f32;
                average_lengths.push((field, average));
                average
            }
        };
        out.push(Some(Bm25Weight::for_one_term_without_explain(doc_freq, total_docs, average).boost_by(*boost)));
    }
    Ok(out)
}

/// The scores of one segment's documents, reused from search to search: zeros and an
/// empty mark set between searches (`drain` leaves them so), so a search neither
/// allocates nor clears the whole array.
#[derive(Default)]
struct Scratch {
    scores: Vec<f32>,
    /// One bit per document: whether any term matched it.
    matched: Vec<u64>,
    /// Set while a segment is added up: still set at the start of a search, a search
    /// on this thread panicked midway and left it unclean.
    in_use: bool,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

impl Scratch {
    fn fit(&mut self, max_doc: usize) {
        if self.in_use {
            self.scores.fill(0.0);
            self.matched.fill(0);
        }
        if self.scores.len() < max_doc {
            self.scores.resize(max_doc, 0.0);
            self.matched.resize(max_doc.div_ceil(64), 0);
        }
    }

    /// Hands over each matched document and its score in document order, and resets
    /// what it hands over.
    fn drain(&mut self, mut each: impl FnMut(u32, f32)) {
        for (word_at, word) in self.matched.iter_mut().enumerate() {
            let mut bits = std::mem::take(word);
            while bits != 0 {
                let doc = word_at * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                each(doc as u32, std::mem::take(&mut self.scores[doc]));
            }
        }
    }
}

/// Adds every term's scores over one segment.
fn add_terms(
    segment: &SegmentReader,
    terms: &[WeightedTerm],
    weights: &[Option<Bm25Weight>],
    scratch: &mut Scratch,
) -> tantivy::Result<()> {
    // Each field's readers, opened once (a question has ~150 terms over 4 fields).
    let mut readers: Vec<(Field, Arc<InvertedIndexReader>, FieldNormReader)> = Vec::new();
    for ((term, _), weight) in terms.iter().zip(weights) {
        let Some(weight) = weight else { continue };
        let field = term.field();
        let at = match readers.iter().position(|(f, _, _)| *f == field) {
            Some(at) => at,
            None => {
                readers.push((field, segment.inverted_index(field)?, segment.get_fieldnorms_reader(field)?));
                readers.len() - 1
            }
        };
        let (_, index, fieldnorms) = &readers[at];
        let Some(info) = index.get_term_info(term)? else { continue };
        let mut postings = index.read_block_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
        loop {
            let docs = postings.docs();
            if docs.is_empty() {
                break;
            }
            for (&doc, &freq) in docs.iter().zip(postings.freqs()) {
                let at = doc as usize;
                scratch.scores[at] += weight.score(fieldnorms.fieldnorm_id(doc), freq);
                scratch.matched[at / 64] |= 1 << (at % 64);
            }
            postings.advance();
        }
    }
    Ok(())
}

/// A scored document; best first: the higher score, then the earlier document.
type Scored = (f32, DocAddress);

fn best_first(a: &Scored, b: &Scored) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// The best `limit` (at least 1) documents offered, as tantivy's `TopDocs` keeps them when offered
/// in document order: among equal scores the earlier document. Documents above a
/// threshold are kept in a buffer; when it fills, the best `limit` stay and the least
/// of them becomes the threshold (one comparison for most documents, where a heap
/// would reorder itself for every better one).
struct Best {
    kept: Vec<Scored>,
    limit: usize,
    /// Below or at it a document cannot be among the best: `limit` earlier ones score
    /// at least as much.
    threshold: f32,
}

impl Best {
    fn new(limit: usize) -> Best {
        Best { kept: Vec::with_capacity(Self::capacity(limit)), limit, threshold: f32::NEG_INFINITY }
    }

    fn capacity(limit: usize) -> usize {
        (limit * 4).max(256)
    }

    fn offer(&mut self, score: f32, doc: DocAddress) {
        if score > self.threshold {
            self.kept.push((score, doc));
            if self.kept.len() == Self::capacity(self.limit) {
                self.keep_best();
                self.threshold = self.kept[self.limit - 1].0;
            }
        }
    }

    fn keep_best(&mut self) {
        if self.kept.len() > self.limit {
            self.kept.select_nth_unstable_by(self.limit - 1, best_first);
            self.kept.truncate(self.limit);
        }
    }

    /// Best first.
    fn into_sorted(mut self) -> Vec<Scored> {
        self.keep_best();
        self.kept.sort_unstable_by(best_first);
        self.kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{Index, doc};

    /// tantivy's answer to the same OR: boosted term queries, top documents by score.
    fn tantivy_top(searcher: &Searcher, terms: &[WeightedTerm], limit: usize) -> Vec<(f32, DocAddress)> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|(term, boost)| -> (Occur, Box<dyn Query>) {
                let q = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
                (Occur::Should, Box::new(BoostQuery::new(Box::new(q), *boost)))
            })
            .collect();
        let query = BooleanQuery::new(vec![(Occur::Must, Box::new(BooleanQuery::new(clauses)))]);
        searcher.search(&query, &TopDocs::with_limit(limit).order_by_score()).unwrap()
    }

    #[test]
    fn the_scores_and_order_are_tantivys_own() {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let title = schema.add_text_field("title", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let texts = [
            ("wages owed by the employer", "labour"),
            ("the employer shall pay wages in full and on time wages wages", "labour"),
            ("wages owed by the employer", "contract"), // the same text: a tie
            ("a contract of loan", "contract"),
            ("marriage and divorce", "family"),
            ("wages owed by the employer", "labour"), // a tie at the cut below
        ];
        // Two commits: two segments, the second's documents after the first's.
        for (at, (b, t)) in texts.iter().enumerate() {
            writer.add_document(doc!(body => *b, title => *t)).unwrap();
            if at == 2 {
                writer.commit().unwrap();
            }
        }
        // Many more documents holding a common word, so that postings span blocks.
        for n in 0..600 {
            writer
                .add_document(doc!(body => format!("the employer {}", "x ".repeat(n % 7)), title => "other"))
                .unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert!(searcher.segment_readers().len() >= 2);
        let term = |f, t: &str| Term::from_field_text(f, t);
        let terms: Vec<WeightedTerm> = vec![
            (term(body, "wages"), 1.0),
            (term(body, "employer"), 0.7),
            (term(title, "labour"), 2.5),
            (term(body, "absent"), 3.0),
            (term(body, "the"), 0.3),
            (term(title, "labour"), 0.5), // a term twice counts twice
        ];
        assert!(top_documents(&searcher, &searcher, &terms, 0).unwrap().is_empty());
        for limit in [1, 2, 3, 5, 50, 200, 1000] {
            let ours = top_documents(&searcher, &searcher, &terms, limit).unwrap();
            let theirs = tantivy_top(&searcher, &terms, limit);
            assert_eq!(ours.len(), theirs.len(), "limit {limit}");
            for (a, b) in ours.iter().zip(&theirs) {
                assert_eq!(a.1, b.1, "limit {limit}: {ours:?} against {theirs:?}");
                assert_eq!(a.0.to_bits(), b.0.to_bits(), "limit {limit}: the same sum, bit for bit");
            }
        }
        let all = top_documents(&searcher, &searcher, &terms, 1000).unwrap();
        assert_eq!(all.len(), 604, "every document holding any of the terms (not the loan, not the marriage)");
        // The tied texts keep document order.
        let tied: Vec<DocAddress> = all.iter().filter(|(s, _)| *s == all[1].0).map(|(_, d)| *d).collect();
        assert!(tied.windows(2).all(|w| w[0] < w[1]), "{tied:?}");
        assert!(top_documents(&searcher, &searcher, &[(term(body, "absent"), 1.0)], 10).unwrap().is_empty());
    }
}
