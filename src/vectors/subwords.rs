//! Subword n-grams: how a word without a row of its own gets a vector.
//!
//! A word is bracketed (`<word>` by default), cut into its character
//! n-grams of `min_n` to `max_n` characters, and each n-gram is mapped to
//! one or more rows of the n-gram matrix by the vocabulary's indexer: the
//! same four indexers finalfusion has (fastText's hash and buckets,
//! finalfusion's hash, explicit n-grams, floret), driven through
//! finalfusion's own n-gram iterator, so the rows are the ones finalfusion
//! and fastText use. The word's vector is the average of those rows.
//!
//! The n-gram rows are read where they are stored ([`NgramRows`]): in a
//! memory-mapped file, in place, or in memory. Nothing here copies them.

use std::collections::HashMap;

use finalfusion::compat::fasttext::FastTextIndexer;
use finalfusion::compat::floret::FloretIndexer;
use finalfusion::subword::{
    BucketIndexer as _, FinalfusionHashIndexer, Indexer as _, IndicesScope, NGramVec,
    StrWithCharLen, SubwordIndices as _,
};
use finalfusion::vocab::{SubwordVocab, VocabWrap};

use super::backing::Backing;
use super::build::{Vocab, Words};

/// How n-grams map to rows, by finalfusion vocabulary chunk.
#[derive(Clone, Debug)]
pub(crate) enum Indexer {
    /// fastText's FNV-1a (with its sign-extension quirk) modulo a number
    /// of buckets (finalfusion chunk 7, and fastText `.bin` models).
    FastText(FastTextIndexer),
    /// finalfusion's FNV hash into `2^exponent` buckets (chunk 3).
    Hash(FinalfusionHashIndexer),
    /// N-grams listed in the file, each with its row (chunk 8).
    Explicit(Explicit),
    /// floret: murmur3 with 1 to 4 hashes for each n-gram and for the
    /// whole word (chunk 9).
    Floret(FloretIndexer),
}

/// Explicit n-grams: an index from n-gram to row.
#[derive(Clone, Debug)]
pub(crate) struct Explicit {
    ngrams: Vocab,
    /// The row of n-gram `i`.
    rows: Vec<u64>,
    /// Number of distinct rows.
    bound: u64,
}

impl Explicit {
    /// The n-grams (unique) with the indices stored beside them. Rows are
    /// numbered by first appearance of each stored index, as finalfusion's
    /// `ExplicitIndexer::new_with_indices` numbers them, so n-grams that
    /// shared an index share a row. `Err(i)`: n-gram `i` repeats an earlier one.
    pub fn new(ngrams: Words, indices: &[u64]) -> Result<Explicit, usize> {
        let (ngrams, duplicates, _) = Vocab::build(ngrams);
        if let Some(&i) = duplicates.first() {
            return Err(i);
        }
        let mut renumbered = HashMap::with_capacity(indices.len());
        let rows = indices
            .iter()
            .map(|&index| {
                let next = renumbered.len() as u64;
                *renumbered.entry(index).or_insert(next)
            })
            .collect();
        Ok(Explicit {
            ngrams,
            rows,
            bound: renumbered.len() as u64,
        })
    }

    /// The n-grams and their rows, in file order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, u64)> + '_ {
        self.ngrams.words().iter().zip(self.rows.iter().copied())
    }
}

impl finalfusion::subword::Indexer for Explicit {
    fn index_ngram(&self, ngram: &StrWithCharLen) -> NGramVec {
        let mut out = NGramVec::new();
        if let Some(i) = self.ngrams.get(ngram.as_str()) {
            out.push(self.rows[i]);
        }
        out
    }

    fn upper_bound(&self) -> u64 {
        self.bound
    }

    fn infallible() -> bool {
        false
    }

    fn scope() -> IndicesScope {
        IndicesScope::Substrings
    }
}

impl Indexer {
    /// The number of n-gram rows the indexer maps into.
    pub fn rows(&self) -> u64 {
        match self {
            Indexer::FastText(i) => i.upper_bound(),
            Indexer::Hash(i) => i.upper_bound(),
            Indexer::Explicit(i) => i.upper_bound(),
            Indexer::Floret(i) => i.upper_bound(),
        }
    }

    /// The finalfusion vocabulary chunk identifier.
    pub fn chunk_id(&self) -> u32 {
        match self {
            Indexer::Hash(_) => 3,
            Indexer::FastText(_) => 7,
            Indexer::Explicit(_) => 8,
            Indexer::Floret(_) => 9,
        }
    }
}

/// The n-gram matrix, `rows x dims` little-endian f32 values, in place.
#[derive(Clone)]
pub(crate) struct NgramRows {
    data: RowData,
    rows: usize,
    dims: usize,
}

#[derive(Clone)]
enum RowData {
    /// In memory, as f32.
    Owned(Vec<f32>),
    /// At byte `offset` of a file's bytes (any alignment).
    Stored { backing: Backing, offset: usize },
}

impl NgramRows {
    /// Rows held in memory (`values.len() == rows * dims`).
    pub fn owned(values: Vec<f32>, dims: usize) -> NgramRows {
        let rows = values.len().checked_div(dims).unwrap_or(0);
        NgramRows {
            data: RowData::Owned(values),
            rows,
            dims,
        }
    }

    /// `rows` rows at byte `offset` of `backing`, which the caller has
    /// checked holds them.
    pub fn stored(backing: Backing, offset: usize, rows: usize, dims: usize) -> NgramRows {
        assert!(
            offset + rows * dims * 4 <= backing.bytes().len(),
            "n-gram rows checked against the file"
        );
        NgramRows {
            data: RowData::Stored { backing, offset },
            rows,
            dims,
        }
    }

    /// Read at random from now on (see [`Backing::random_access`]).
    pub fn random_access(&self) {
        if let RowData::Stored { backing, offset } = &self.data {
            backing.random_access(*offset, self.rows * self.dims * 4);
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Add row `row` to `out`.
    #[inline]
    pub fn add_row(&self, row: usize, out: &mut [f32]) {
        let dims = self.dims;
        match &self.data {
            RowData::Owned(values) => out
                .iter_mut()
                .zip(&values[row * dims..(row + 1) * dims])
                .for_each(|(o, v)| *o += v),
            RowData::Stored { backing, offset } => {
                let start = offset + row * dims * 4;
                let bytes = &backing.bytes()[start..start + dims * 4];
                out.iter_mut()
                    .zip(bytes.chunks_exact(4))
                    .for_each(|(o, b)| *o += f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            }
        }
    }

    /// Where the rows are stored: the backing and byte offset, or `None`
    /// when they are in memory.
    pub fn stored_at(&self) -> Option<(&Backing, usize)> {
        match &self.data {
            RowData::Owned(_) => None,
            RowData::Stored { backing, offset } => Some((backing, *offset)),
        }
    }

    /// The rows as little-endian bytes, in pieces (for writers).
    pub fn for_each_bytes(
        &self,
        mut f: impl FnMut(&[u8]) -> crate::Result<()>,
    ) -> crate::Result<()> {
        match &self.data {
            RowData::Stored { backing, offset } => {
                let all = &backing.bytes()[*offset..offset + self.rows * self.dims * 4];
                for piece in all.chunks(1 << 20) {
                    f(piece)?;
                }
                Ok(())
            }
            RowData::Owned(values) => super::bytes::f32_le_pieces(values, f),
        }
    }
}

/// A subword vocabulary: how words are cut into n-grams, how n-grams map
/// to rows, and the rows.
#[derive(Clone)]
pub(crate) struct Subwords {
    pub indexer: Indexer,
    pub min_n: u32,
    pub max_n: u32,
    /// Begin- and end-of-word markers (`<` and `>` but for floret files
    /// that say otherwise).
    pub bow: String,
    pub eow: String,
    pub rows: NgramRows,
}

impl Subwords {
    /// The n-gram rows of `word` (with repeats, one per n-gram and hash),
    /// appended to `out`.
    pub fn indices(&self, word: &str, out: &mut Vec<usize>) {
        let mut bracketed = String::with_capacity(self.bow.len() + word.len() + self.eow.len());
        bracketed.push_str(&self.bow);
        bracketed.push_str(word);
        bracketed.push_str(&self.eow);
        let (min, max) = (self.min_n as usize, self.max_n as usize);
        let b = bracketed.as_str();
        let rows = out.len();
        match &self.indexer {
            Indexer::FastText(i) => out.extend(b.subword_indices(min, max, i).map(|r| r as usize)),
            Indexer::Hash(i) => out.extend(b.subword_indices(min, max, i).map(|r| r as usize)),
            Indexer::Explicit(i) => out.extend(b.subword_indices(min, max, i).map(|r| r as usize)),
            Indexer::Floret(i) => out.extend(b.subword_indices(min, max, i).map(|r| r as usize)),
        }
        debug_assert!(out[rows..].iter().all(|&r| r < self.rows.len()));
    }

    /// Write the average of `word`'s n-gram rows into `out`; false (and
    /// `out` untouched) when none of its n-grams has a row.
    pub fn embedding_into(&self, word: &str, out: &mut [f32]) -> bool {
        let mut rows = Vec::with_capacity(64);
        self.indices(word, &mut rows);
        if rows.is_empty() {
            return false;
        }
        out.fill(0.0);
        for &r in &rows {
            self.rows.add_row(r, out);
        }
        let n = rows.len() as f32;
        out.iter_mut().for_each(|v| *v /= n);
        true
    }

    /// The subwords of a vocabulary finalfusion read (layouts read by
    /// finalfusion itself), with its n-gram rows; `None` for a vocabulary
    /// without subwords.
    pub fn from_finalfusion(vocab: &VocabWrap, rows: NgramRows) -> Option<Subwords> {
        fn parts<I: finalfusion::subword::Indexer>(
            v: &SubwordVocab<I>,
            indexer: Indexer,
            rows: NgramRows,
        ) -> Subwords {
            Subwords {
                indexer,
                min_n: v.min_n(),
                max_n: v.max_n(),
                bow: v.bow().to_string(),
                eow: v.eow().to_string(),
                rows,
            }
        }
        Some(match vocab {
            VocabWrap::SimpleVocab(_) => return None,
            VocabWrap::FastTextSubwordVocab(v) => parts(v, Indexer::FastText(*v.indexer()), rows),
            VocabWrap::BucketSubwordVocab(v) => parts(v, Indexer::Hash(*v.indexer()), rows),
            VocabWrap::FloretSubwordVocab(v) => parts(v, Indexer::Floret(*v.indexer()), rows),
            VocabWrap::ExplicitSubwordVocab(v) => {
                let ngrams = v.indexer().ngrams();
                let mut words = Words::with_capacity(ngrams.len(), 0);
                let mut indices = Vec::with_capacity(ngrams.len());
                for ngram in ngrams {
                    words.push(ngram);
                    let row = v.indexer().index_ngram(&StrWithCharLen::new(ngram));
                    indices.push(row.first().copied().unwrap_or_default());
                }
                let explicit = Explicit::new(words, &indices).ok()?;
                parts(v, Indexer::Explicit(explicit), rows)
            }
        })
    }

    /// A fastText model's subwords: `<`, `>`, and its hash into `buckets`.
    pub fn fasttext(min_n: u32, max_n: u32, buckets: u32, rows: NgramRows) -> Subwords {
        Subwords {
            indexer: Indexer::FastText(FastTextIndexer::new(buckets as usize)),
            min_n,
            max_n,
            bow: "<".into(),
            eow: ">".into(),
            rows,
        }
    }
}

/// The bucket count of a fastText indexer, or the exponent of
/// finalfusion's hash indexer, as their vocabulary chunks store it.
pub(crate) fn stored_buckets(indexer: &Indexer) -> u32 {
    match indexer {
        Indexer::FastText(i) => i.buckets() as u32,
        Indexer::Hash(i) => i.buckets() as u32,
        Indexer::Explicit(_) | Indexer::Floret(_) => 0,
    }
}
