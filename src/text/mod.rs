//! From raw text to tokens that match the vectors' vocabulary.
//!
//! Normalisation (Unicode NFKC) and pre-tokenisation (split on whitespace
//! and punctuation) come from the `tokenizers` crate; no trained subword
//! model is involved.
//!
//! ```
//! use embed_tl::text::Tokenizer;
//!
//! let tokens = Tokenizer::default().tokenize("Hello, world!");
//! assert_eq!(tokens, ["Hello", ",", "world", "!"]);
//! ```

use tokenizers::normalizers::unicode::NFKC;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::{
    NormalizedString, Normalizer, OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer,
};

/// Splits text into word tokens.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Tokenizer {
    /// Lowercase every token. Default: false.
    pub lowercase: bool,
}

impl Tokenizer {
    /// The tokens of `text`, NFKC-normalised, split at whitespace and
    /// punctuation.
    pub fn tokenize(&self, text: &str) -> Vec<String> {
        let mut normalized = NormalizedString::from(text);
        // NFKC and the BERT pre-tokenizer never fail on valid UTF-8.
        if NFKC.normalize(&mut normalized).is_err() {
            return Vec::new();
        }
        let mut pre = PreTokenizedString::from(normalized);
        if BertPreTokenizer.pre_tokenize(&mut pre).is_err() {
            return Vec::new();
        }
        pre.get_splits(OffsetReferential::Original, OffsetType::Byte)
            .into_iter()
            .map(|(token, _, _)| {
                if self.lowercase {
                    token.to_lowercase()
                } else {
                    token.to_string()
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_normalises() {
        let cases: &[(&str, bool, &[&str])] = &[
            ("Hello, world!", false, &["Hello", ",", "world", "!"]),
            ("Hello, world!", true, &["hello", ",", "world", "!"]),
            ("  ", false, &[]),
            ("café Straße", true, &["café", "straße"]),
            ("ﬁne", false, &["fine"]),
        ];
        for (text, lowercase, expected) in cases {
            let tokens = Tokenizer {
                lowercase: *lowercase,
            }
            .tokenize(text);
            assert_eq!(tokens, *expected, "{text:?}");
        }
    }
}
