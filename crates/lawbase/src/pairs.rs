//! A quick "certainly not there" for the coverage step of the ranking, which asks of
//! each of a question's ~200 candidates which of its up to 48 terms occur in the
//! article's text, headings or law title: ~10,000 substring searches a question, the
//! largest single cost of a search under load (BENCHMARKS.md). Each entry keeps a small
//! bit set of the characters and character pairs of its texts, made once at the index
//! build; a term with a character or pair not in the set cannot occur, and only the
//! others are searched for. The answer is the substring search's, always: the set only
//! says when the search can be skipped.

/// Bits of a set: 256 bytes for an article's text (~16 MB for the whole corpus), 128
/// for the short texts around it (its law's title, its headings).
const BITS: usize = 2048;
const SHORT_BITS: usize = 1024;

/// The characters and character pairs of some texts, hashed into `WORDS` × 64 bits
/// (at most `BITS`).
#[derive(Clone)]
pub struct CharPairs<const WORDS: usize = { BITS / 64 }>([u64; WORDS]);

/// The set of an article's short texts (its law's title, its headings).
pub type ShortCharPairs = CharPairs<{ SHORT_BITS / 64 }>;

/// The bits a term needs set: those of its characters and of its adjacent pairs.
#[derive(Clone, Debug)]
pub struct Needle(Vec<u16>);

/// A character's or pair's bit among `BITS`; a smaller set takes it modulo its size.
fn bit(a: char, b: Option<char>) -> u16 {
    let pair = (u64::from(a as u32) << 32) | u64::from(b.map_or(0, |b| b as u32 + 1));
    // Multiplicative hashing: the top bits of the product spread the pairs evenly.
    (pair.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - BITS.trailing_zeros())) as u16
}

/// Each character alone and with the one after it.
fn bits_of(text: &str) -> impl Iterator<Item = u16> + '_ {
    let mut chars = text.chars().peekable();
    std::iter::from_fn(move || {
        let a = chars.next()?;
        Some([Some(bit(a, None)), chars.peek().map(|b| bit(a, Some(*b)))])
    })
    .flatten()
    .flatten()
}

impl<const WORDS: usize> CharPairs<WORDS> {
    /// The set of the given texts (no pair spans two of them).
    pub fn of<'a>(texts: impl IntoIterator<Item = &'a str>) -> CharPairs<WORDS> {
        let mut set = CharPairs([0; WORDS]);
        for text in texts {
            for b in bits_of(text) {
                set.set(b);
            }
        }
        set
    }

    /// The word and the bit in it of a hashed bit (both sizes are powers of two, so the
    /// modulo keeps the hash's spread).
    fn place(b: u16) -> (usize, u64) {
        let b = usize::from(b) % (WORDS * 64);
        (b / 64, 1 << (b % 64))
    }

    fn set(&mut self, b: u16) {
        let (word, mask) = Self::place(b);
        self.0[word] |= mask;
    }

    /// False when `needle`'s term occurs in none of the texts; true when it may.
    pub fn may_contain(&self, needle: &Needle) -> bool {
        needle.0.iter().all(|b| {
            let (word, mask) = Self::place(*b);
            self.0[word] & mask != 0
        })
    }
}

impl Needle {
    pub fn of(term: &str) -> Needle {
        let mut bits: Vec<u16> = bits_of(term).collect();
        bits.sort_unstable();
        bits.dedup();
        Needle(bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_substring_of_the_texts_may_be_there() {
        let texts =
            ["用人单位应当按时足额支付劳动者的工资，不得克扣或者无故拖欠。", "第五章 工资", "中华人民共和国劳动法"];
        let set: CharPairs = CharPairs::of(texts);
        let short: ShortCharPairs = CharPairs::of(texts);
        for text in texts {
            let chars: Vec<char> = text.chars().collect();
            for from in 0..chars.len() {
                for to in from + 1..=chars.len() {
                    let term: String = chars[from..to].iter().collect();
                    assert!(set.may_contain(&Needle::of(&term)), "{term}");
                    assert!(short.may_contain(&Needle::of(&term)), "{term} in the smaller set");
                }
            }
        }
        assert!(set.may_contain(&Needle::of("")), "nothing to look for is never ruled out");
    }

    #[test]
    fn terms_with_a_missing_character_or_pair_are_ruled_out() {
        let set: CharPairs = CharPairs::of(["劳动者的工资", "离婚"]);
        assert!(!set.may_contain(&Needle::of("赡养费")), "characters not there");
        assert!(!set.may_contain(&Needle::of("资劳")), "both characters there, never adjacent");
        assert!(!set.may_contain(&Needle::of("工资离")), "no pair spans two texts");
        let short: ShortCharPairs = CharPairs::of(["中华人民共和国劳动法"]);
        assert!(!short.may_contain(&Needle::of("工资")));
    }
}
