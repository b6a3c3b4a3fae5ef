//! From raw text to tokens that match the vectors' vocabulary.
//!
//! Vectors are only useful for the tokens they know, so the tokenizer
//! copies how the vectors were trained: Unicode NFKC normalisation (from
//! the `tokenizers` crate), lowercasing when the vocabulary is lowercased
//! (GloVe 6B) and not otherwise (word2vec GoogleNews, fastText), and
//! Penn-Treebank-style splitting of punctuation and English clitics
//! (`don't` → `do n't`, `it's` → `it 's`), as GloVe's tokenizer did.
//!
//! ```
//! use embed_tl::text::Tokenizer;
//!
//! let tokenizer = Tokenizer { lowercase: true, ..Tokenizer::default() };
//! assert_eq!(
//!     tokenizer.tokenize("Don't panic... it's 3.14, isn't it?"),
//!     ["do", "n't", "panic", "...", "it", "'s", "3.14", ",", "is", "n't", "it", "?"]
//! );
//! ```

use tokenizers::normalizers::unicode::NFKC;
use tokenizers::{NormalizedString, Normalizer};
use unicode_normalization::{is_nfkc_quick, IsNormalized};

use crate::vectors::Vectors;

mod pipeline;

pub use pipeline::{HfTokenizer, Pipeline};

/// Splits text into word tokens. Saved with a fitted featurizer.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tokenizer {
    /// Lowercase every token (for lowercased vocabularies). Default: false.
    pub lowercase: bool,
    /// Split punctuation from words (`end.` → `end .`). Default: true.
    /// When false, tokens are whitespace-separated strings.
    pub split_punctuation: bool,
    /// Split English clitics the Penn Treebank way (`don't` → `do n't`,
    /// `we're` → `we 're`). Default: true.
    pub split_clitics: bool,
    /// A Hugging Face tokenizer used instead of the rules above (for
    /// vectors trained on its tokens; `--tokenizer tokenizer.json`).
    /// Default: none. Saved only when set, so models without one keep
    /// their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<HfTokenizer>,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer {
            lowercase: false,
            split_punctuation: true,
            split_clitics: true,
            external: None,
        }
    }
}

/// English clitics split off the word before them (after an apostrophe).
const CLITICS: [&str; 6] = ["s", "re", "ve", "d", "ll", "m"];

impl Tokenizer {
    /// Plain whitespace splitting, no lowercasing: the baseline that the
    /// matched tokenizer is compared against in coverage reports.
    pub fn whitespace() -> Tokenizer {
        Tokenizer {
            lowercase: false,
            split_punctuation: false,
            split_clitics: false,
            external: None,
        }
    }

    /// The tokenizer matched to `vectors`: lowercasing if their vocabulary
    /// is lowercased, punctuation and clitics split.
    pub fn for_vectors(vectors: &Vectors) -> Tokenizer {
        Tokenizer {
            lowercase: vocabulary_is_lowercased(vectors),
            ..Tokenizer::default()
        }
    }

    /// The tokens of `text`.
    pub fn tokenize(&self, text: &str) -> Vec<String> {
        let mut tokens = Vec::new();
        let mut scratch = String::new();
        self.for_each_token(text, &mut scratch, |t| tokens.push(t.to_string()));
        tokens
    }

    /// Call `f` on each token of `text` without allocating per token;
    /// `scratch` holds the normalised text and is reused between calls.
    pub fn for_each_token(&self, text: &str, scratch: &mut String, mut f: impl FnMut(&str)) {
        if let Some(external) = &self.external {
            external.for_each_token(text, f);
            return;
        }
        normalize_into(text, self.lowercase, scratch);
        let text = scratch.as_str();
        if !self.split_punctuation {
            text.split_whitespace().for_each(f);
            return;
        }
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < text.len() {
            let c = char_at(text, i);
            if c.is_whitespace() {
                i += c.len_utf8();
                continue;
            }
            if c.is_alphanumeric() {
                let (end, clitic) = self.scan_word(text, i);
                f(&text[i..end]);
                i = end;
                if let Some(len) = clitic {
                    f(&text[i..i + len]);
                    i += len;
                }
                continue;
            }
            // Punctuation: a run of the same character is one token
            // ("...", "!!", "--").
            let mut end = i + c.len_utf8();
            while end < bytes.len() && char_at(text, end) == c {
                end += c.len_utf8();
            }
            f(&text[i..end]);
            i = end;
        }
    }

    /// The end of the word starting at `start`, and the byte length of a
    /// clitic that follows it, if any.
    fn scan_word(&self, text: &str, start: usize) -> (usize, Option<usize>) {
        let mut i = start;
        loop {
            while i < text.len() && char_at(text, i).is_alphanumeric() {
                i += char_at(text, i).len_utf8();
            }
            if i >= text.len() {
                return (i, None);
            }
            let c = char_at(text, i);
            let next = text[i + c.len_utf8()..].chars().next();
            match (c, next) {
                ('\'', Some(_)) if self.split_clitics => {
                    let after = &text[i + 1..];
                    // "n't": the n belongs to the clitic (do|n't, ca|n't).
                    if starts_with_ci(after, "t")
                        && ends_word(&after[1..])
                        && i > start + 1
                        && text[..i].ends_with(['n', 'N'])
                    {
                        return (i - 1, Some(3));
                    }
                    if let Some(len) = CLITICS
                        .iter()
                        .find(|cl| starts_with_ci(after, cl) && ends_word(&after[cl.len()..]))
                        .map(|cl| cl.len() + 1)
                    {
                        return (i, Some(len));
                    }
                    if next.is_some_and(char::is_alphabetic) {
                        i += 1; // o'clock, rock'n'roll
                        continue;
                    }
                    return (i, None);
                }
                ('\'', Some(n)) if n.is_alphabetic() => i += 1,
                ('-', Some(n)) if n.is_alphanumeric() => i += 1,
                ('.' | ',', Some(n))
                    if n.is_ascii_digit() && text[..i].ends_with(|p: char| p.is_ascii_digit()) =>
                {
                    i += 1 // 3.14, 1,000
                }
                _ => return (i, None),
            }
        }
    }
}

#[inline]
fn char_at(text: &str, i: usize) -> char {
    // ASCII (most bytes of most texts) without UTF-8 decoding.
    let b = text.as_bytes()[i];
    if b.is_ascii() {
        return char::from(b);
    }
    text[i..]
        .chars()
        .next()
        .expect("index is on a char boundary")
}

fn starts_with_ci(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// True when `rest` does not continue a word.
fn ends_word(rest: &str) -> bool {
    rest.chars().next().is_none_or(|c| !c.is_alphanumeric())
}

/// NFKC-normalise `text` into `out` (ASCII is already NFKC), map curly
/// apostrophes to `'`, and lowercase if asked.
fn normalize_into(text: &str, lowercase: bool, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        if lowercase {
            out.make_ascii_lowercase();
        }
        return;
    }
    // Most non-ASCII text (accented letters, curly quotes) is already in
    // NFKC: the quick check says so without building the alignment-tracking
    // NormalizedString, which profiling showed as the featurizer's hot spot
    // on such texts.
    let mut normalized;
    let nfkc = if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        text
    } else {
        normalized = NormalizedString::from(text);
        // NFKC cannot fail on a valid &str; keep the raw text if it ever did.
        match NFKC.normalize(&mut normalized) {
            Ok(()) => normalized.get(),
            Err(_) => text,
        }
    };
    for c in nfkc.chars() {
        let c = match c {
            '\u{2019}' | '\u{2018}' | '\u{02bc}' => '\'',
            c => c,
        };
        if lowercase {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
}

/// True when the most frequent words of `vectors` have no capitals (GloVe
/// 6B, uncased models): then texts are lowercased before lookup.
pub fn vocabulary_is_lowercased(vectors: &Vectors) -> bool {
    let sample = vectors.len().min(20_000);
    let cased = vectors
        .words()
        .take(sample)
        .filter(|w| w.chars().any(char::is_uppercase))
        .count();
    // A few stray capitals (tags like <UNK>) do not make a cased vocabulary.
    cased * 1000 <= sample
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matched_tokenizer_cases() {
        let lower = Tokenizer {
            lowercase: true,
            ..Tokenizer::default()
        };
        let cased = Tokenizer::default();
        let cases: &[(&Tokenizer, &str, &[&str])] = &[
            (&cased, "Hello, world!", &["Hello", ",", "world", "!"]),
            (&lower, "Hello, world!", &["hello", ",", "world", "!"]),
            (&lower, "I don't know", &["i", "do", "n't", "know"]),
            (
                &lower,
                "We can't, won't",
                &["we", "ca", "n't", ",", "wo", "n't"],
            ),
            (
                &lower,
                "It's John's; we're here, I'd",
                &[
                    "it", "'s", "john", "'s", ";", "we", "'re", "here", ",", "i", "'d",
                ],
            ),
            (
                &lower,
                "they'll I'm you've",
                &["they", "'ll", "i", "'m", "you", "'ve"],
            ),
            (&lower, "It\u{2019}s", &["it", "'s"]),
            (&cased, "DON'T", &["DO", "N'T"]),
            (&lower, "o'clock rock'n'roll", &["o'clock", "rock'n'roll"]),
            (&lower, "'quoted' text", &["'", "quoted", "'", "text"]),
            (
                &lower,
                "3.14 and 1,000 or 2.",
                &["3.14", "and", "1,000", "or", "2", "."],
            ),
            (
                &lower,
                "well-known e-mail -dash",
                &["well-known", "e-mail", "-", "dash"],
            ),
            (&lower, "Wait... what?!", &["wait", "...", "what", "?", "!"]),
            (
                &lower,
                "café Straße ХОЗЯЙКА",
                &["café", "straße", "хозяйка"],
            ),
            (&cased, "ﬁne ＡＢＣ", &["fine", "ABC"]),
            (&lower, "", &[]),
            (&lower, "   \t\n", &[]),
            (&lower, "日本語のテキスト", &["日本語のテキスト"]),
        ];
        for (tokenizer, text, expected) in cases {
            assert_eq!(tokenizer.tokenize(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn whitespace_tokenizer_only_splits_whitespace() {
        assert_eq!(
            Tokenizer::whitespace().tokenize("Don't panic, OK?"),
            ["Don't", "panic,", "OK?"]
        );
    }

    #[test]
    fn without_clitic_splitting_apostrophes_stay_in_words() {
        let t = Tokenizer {
            split_clitics: false,
            ..Tokenizer::default()
        };
        assert_eq!(t.tokenize("don't stop"), ["don't", "stop"]);
    }
}
