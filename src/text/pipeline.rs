//! The built-in tokenizer written as a `tokenizers` pipeline, and Hugging
//! Face tokenizer files.
//!
//! [`Tokenizer::pipeline`] gives the same rules as a `tokenizers`
//! normalizer (NFKC, curly apostrophes to `'`, lowercasing when asked) and
//! pre-tokenizer (whitespace, then one regular expression for words,
//! clitics and punctuation runs), which saves to and loads from the
//! `tokenizers` JSON that Hugging Face tools read. The hand-written scanner
//! in `text/mod.rs` stays as the fast path: `tests/test_tokenizers.rs`
//! checks that both give exactly the same tokens on every shipped corpus.
//!
//! ```
//! use embed_tl::text::Tokenizer;
//!
//! let tokenizer = Tokenizer { lowercase: true, ..Tokenizer::default() };
//! let pipeline = tokenizer.pipeline();
//! let text = "It's 3.14, isn't it?";
//! assert_eq!(pipeline.tokenize(text).unwrap(), tokenizer.tokenize(text));
//! // The pipeline in tokenizers' own JSON, and back.
//! let json = pipeline.to_json();
//! let back = embed_tl::text::Pipeline::from_json(&json).unwrap();
//! assert_eq!(back.tokenize(text).unwrap(), ["it", "'s", "3.14", ",", "is", "n't", "it", "?"]);
//! ```

use std::path::Path;

use tokenizers::normalizers::{Lowercase, Replace, Sequence as Normalizers, NFKC};
use tokenizers::pre_tokenizers::sequence::Sequence as PreTokenizers;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::pre_tokenizers::whitespace::WhitespaceSplit;
use tokenizers::{
    NormalizerWrapper, OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer,
    PreTokenizerWrapper, SplitDelimiterBehavior,
};

use super::Tokenizer;
use crate::error::{Error, Result};

/// A letter or a digit (Rust's `char::is_alphanumeric`).
const ALNUM: &str = r"[\p{Alphabetic}\p{N}]";
/// English clitics after the apostrophe, any case (`text/mod.rs`'s CLITICS).
const CLITIC: &str = r"(?:[sSdDmM]|[rR][eE]|[vV][eE]|[lL][lL])";

/// A `tokenizers` normalizer and pre-tokenizer: text in, tokens out.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Pipeline {
    /// NFKC, apostrophes, lowercasing.
    pub normalizer: NormalizerWrapper,
    /// Whitespace, then words, clitics and punctuation runs.
    pub pre_tokenizer: PreTokenizerWrapper,
}

impl Tokenizer {
    /// The same rules as a `tokenizers` pipeline (see the module docs).
    pub fn pipeline(&self) -> Pipeline {
        let mut normalizers: Vec<NormalizerWrapper> = vec![NFKC.into()];
        for apostrophe in ["\u{2019}", "\u{2018}", "\u{02bc}"] {
            normalizers.push(
                Replace::new(apostrophe, "'")
                    .expect("a literal pattern compiles")
                    .into(),
            );
        }
        if self.lowercase {
            normalizers.push(Lowercase.into());
        }
        let mut pre_tokenizers: Vec<PreTokenizerWrapper> = vec![WhitespaceSplit.into()];
        if self.split_punctuation {
            pre_tokenizers.push(isolate(&self.token_pattern()));
            if self.split_clitics {
                // The clitic that ends a word piece, on its own: john|'s, do|n't.
                pre_tokenizers.push(isolate(&format!("'{CLITIC}$|[nN]'[tT]$")));
            }
        }
        Pipeline {
            normalizer: Normalizers::new(normalizers).into(),
            pre_tokenizer: PreTokenizers::new(pre_tokenizers).into(),
        }
    }

    /// One regular expression for the tokens of a whitespace-free piece,
    /// the scanner's rules of `text/mod.rs` in the order it tries them; a
    /// word keeps the clitic after it, split off by the next stage.
    fn token_pattern(&self) -> String {
        let letter = r"\p{Alphabetic}";
        let not_alnum = format!("(?!{ALNUM})");
        // A word: a letter or digit, then more of them, or an apostrophe
        // before a letter (o'clock), a hyphen before a letter or digit
        // (e-mail), a point or comma between digits (3.14, 1,000).
        let (more, apostrophe, clitic) = if self.split_clitics {
            (
                // ... stopping before the n of n't (do|n't) and before
                // an apostrophe that starts a clitic (john|'s), and then
                // the clitic itself.
                format!("(?![nN]'[tT]{not_alnum}){ALNUM}"),
                format!("'(?!{CLITIC}{not_alnum})(?={letter})"),
                format!("(?:'{CLITIC}{not_alnum}|[nN]'[tT]{not_alnum})?"),
            )
        } else {
            (ALNUM.to_string(), format!("'(?={letter})"), String::new())
        };
        let word = format!(
            r"{ALNUM}(?:{more}|{apostrophe}|-(?={ALNUM})|(?<=[0-9])[.,](?=[0-9]))*{clitic}"
        );
        // Anything else: a run of one punctuation character (..., !!).
        let punctuation = r"([^\p{Alphabetic}\p{N}])\1*";
        format!("{word}|{punctuation}")
    }
}

/// A pre-tokenizer that splits each piece at the matches of `pattern`,
/// keeping both the matches and what lies between them.
fn isolate(pattern: &str) -> PreTokenizerWrapper {
    Split::new(
        SplitPattern::Regex(pattern.to_string()),
        SplitDelimiterBehavior::Isolated,
        false,
    )
    .expect("the token patterns compile")
    .into()
}

impl Pipeline {
    /// The tokens of `text`.
    pub fn tokenize(&self, text: &str) -> Result<Vec<String>> {
        let mut pre = PreTokenizedString::from(text);
        pre.normalize(|n| tokenizers::Normalizer::normalize(&self.normalizer, n))
            .and_then(|()| self.pre_tokenizer.pre_tokenize(&mut pre))
            .map_err(|e| Error::InvalidInput(format!("tokenizers pipeline: {e}")))?;
        Ok(pre
            .get_splits(OffsetReferential::Normalized, OffsetType::Byte)
            .into_iter()
            .map(|(token, _, _)| token.to_string())
            .collect())
    }

    /// The pipeline as `tokenizers` JSON: `{"normalizer": ..., "pre_tokenizer": ...}`,
    /// the two fields of a Hugging Face `tokenizer.json` of the same names.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("tokenizers components serialise")
    }

    /// A pipeline from [`Pipeline::to_json`]'s JSON.
    pub fn from_json(json: &str) -> Result<Pipeline> {
        serde_json::from_str(json)
            .map_err(|e| Error::InvalidInput(format!("not a tokenizers pipeline: {e}")))
    }
}

/// A Hugging Face `tokenizer.json` (any model: WordPiece, BPE, Unigram,
/// WordLevel), for vectors trained on its tokens: a text's tokens are
/// those of `encode(text)` without special tokens. Saved in a model file
/// as the tokenizer's own JSON.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct HfTokenizer(tokenizers::Tokenizer);

impl HfTokenizer {
    /// Read a `tokenizer.json`.
    pub fn open(path: &Path) -> Result<HfTokenizer> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(e).with_path(path))?;
        let tokenizer: tokenizers::Tokenizer = text.parse().map_err(|e| {
            Error::InvalidInput(format!(
                "{}: not a Hugging Face tokenizer.json: {e}",
                path.display()
            ))
        })?;
        Ok(HfTokenizer(tokenizer))
    }

    /// Call `f` on each token of `text`. A text the tokenizer cannot
    /// encode (it has no such failure for valid UTF-8 in practice) gives
    /// no tokens.
    pub fn for_each_token(&self, text: &str, mut f: impl FnMut(&str)) {
        if let Ok(encoding) = self.0.encode(text, false) {
            encoding.get_tokens().iter().for_each(|t| f(t));
        }
    }

    /// The tokenizer.
    pub fn inner(&self) -> &tokenizers::Tokenizer {
        &self.0
    }
}

impl PartialEq for HfTokenizer {
    fn eq(&self, other: &Self) -> bool {
        serde_json::to_string(&self.0).ok() == serde_json::to_string(&other.0).ok()
    }
}

impl Eq for HfTokenizer {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipeline_matches_the_scanner_on_the_unit_cases() {
        let texts = [
            "Hello, world!",
            "I don't know, we can't, won't",
            "It's John's; we're here, I'd they'll I'm you've",
            "It\u{2019}s DON'T o'clock rock'n'roll 'quoted' text",
            "3.14 and 1,000 or 2. well-known e-mail -dash Wait... what?!",
            "café Straße ХОЗЯЙКА ﬁne ＡＢＣ 日本語のテキスト",
            "n't n's x'90 its' rock''n cann't x-n't o'n't x's's don't's 's's n'tn't ('s)",
            "",
            "   \t\n",
        ];
        for lowercase in [false, true] {
            for split_clitics in [false, true] {
                for split_punctuation in [false, true] {
                    let t = Tokenizer {
                        lowercase,
                        split_punctuation,
                        split_clitics,
                        ..Tokenizer::default()
                    };
                    let p = t.pipeline();
                    for text in texts {
                        assert_eq!(
                            p.tokenize(text).unwrap(),
                            t.tokenize(text),
                            "{t:?} {text:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn pipeline_json_round_trips() {
        let p = Tokenizer::default().pipeline();
        let back = Pipeline::from_json(&p.to_json()).unwrap();
        assert_eq!(back.to_json(), p.to_json());
        assert!(
            p.to_json().contains("\"WhitespaceSplit\""),
            "{}",
            p.to_json()
        );
        assert!(Pipeline::from_json("{}").is_err());
    }
}
