//! The vocabulary index, and turning parsed rows into normalised storage.
//!
//! Shared by every reader: duplicate words are dropped (the first row is
//! kept) while the index is built, and each row's L2 norm is computed in
//! parallel (in f64, so that no finite value overflows). The rows keep the
//! file's values: unit vectors are derived from them on demand, so that
//! writing the vectors back gives the same f32 bits.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};
use rayon::prelude::*;

use super::LoadReport;

/// Words in one string arena: no allocation per word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Words {
    text: String,
    /// `offsets[i]..offsets[i + 1]` is word `i`; starts with 0.
    offsets: Vec<usize>,
}

impl Words {
    pub fn with_capacity(words: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(words + 1);
        offsets.push(0);
        Words {
            text: String::with_capacity(bytes),
            offsets,
        }
    }

    pub fn push(&mut self, word: &str) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.text.push_str(word);
        self.offsets.push(self.text.len());
    }

    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn get(&self, i: usize) -> &str {
        &self.text[self.offsets[i]..self.offsets[i + 1]]
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}

/// Words in file order with a hash index from word to row.
#[derive(Clone, Default)]
pub(crate) struct Vocab {
    words: Words,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// The first [`HOT_WORDS`] words with their bytes inline, built on the
    /// first lookup (and dropped by [`Vocab::push`]).
    hot: std::sync::OnceLock<HotWords>,
}

impl std::fmt::Debug for Vocab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vocab({} words)", self.words.len())
    }
}

impl Vocab {
    /// Index `words`, hashing in parallel. Returns the vocabulary of the
    /// first occurrences, the positions (in `words`) of the duplicates and
    /// the first duplicate word.
    pub fn build(words: Words) -> (Vocab, Vec<usize>, Option<String>) {
        let hasher = DefaultHashBuilder::default();
        let hashes: Vec<u64> = (0..words.len())
            .into_par_iter()
            .map(|i| hasher.hash_one(words.get(i)))
            .collect();
        let mut table: HashTable<u32> = HashTable::with_capacity(words.len());
        let mut duplicates = Vec::new();
        let mut first = None;
        // Row numbers in the table refer to positions in `words` until the
        // duplicates (rare) are compacted away below.
        for (i, &hash) in hashes.iter().enumerate() {
            match table.entry(
                hash,
                |&j| words.get(j as usize) == words.get(i),
                |&j| hashes[j as usize],
            ) {
                hashbrown::hash_table::Entry::Occupied(_) => {
                    if duplicates.is_empty() {
                        first = Some(words.get(i).to_string());
                    }
                    duplicates.push(i);
                }
                hashbrown::hash_table::Entry::Vacant(slot) => {
                    slot.insert(u32::try_from(i).expect("fewer than 2^32 words"));
                }
            }
        }
        if duplicates.is_empty() {
            let vocab = Vocab {
                words,
                table,
                hasher,
                hot: std::sync::OnceLock::new(),
            };
            return (vocab, duplicates, first);
        }
        let mut vocab = Vocab {
            words: Words::with_capacity(words.len() - duplicates.len(), words.text.len()),
            table: HashTable::with_capacity(words.len()),
            hasher,
            hot: std::sync::OnceLock::new(),
        };
        for w in words.iter() {
            vocab.push(w);
        }
        (vocab, duplicates, first)
    }

    /// Add a word; false (and nothing added) if it is already there.
    pub fn push(&mut self, word: &str) -> bool {
        let Vocab {
            words,
            table,
            hasher,
            hot,
        } = self;
        hot.take();
        let hash = hasher.hash_one(word);
        match table.entry(
            hash,
            |&i| words.get(i as usize) == word,
            |&i| hasher.hash_one(words.get(i as usize)),
        ) {
            hashbrown::hash_table::Entry::Occupied(_) => false,
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(u32::try_from(words.len()).expect("fewer than 2^32 words"));
                words.push(word);
                true
            }
        }
    }

    /// The row of `word`.
    ///
    /// The most frequent words (the first rows of GloVe and word2vec
    /// files, which cover most tokens of most texts) are found in the
    /// small [`HotWords`] table, one cache line a word; the others, and
    /// words not in the vocabulary, in the full table with the same hash.
    #[inline]
    pub fn get(&self, word: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(word);
        let hot = self
            .hot
            .get_or_init(|| HotWords::new(&self.words, &self.hasher));
        if let Some(row) = hot.get(hash, word) {
            return Some(row as usize);
        }
        self.table
            .find(hash, |&i| self.words.get(i as usize) == word)
            .map(|&i| i as usize)
    }

    pub fn words(&self) -> &Words {
        &self.words
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }
}

/// How many of the first words [`HotWords`] holds.
const HOT_WORDS: usize = 32_768;
/// The longest word (in bytes) [`HotWords`] holds inline.
const HOT_LEN: usize = 12;
/// [`HotSlot::len`] of an empty slot.
const EMPTY: u8 = u8::MAX;
// Rows fit the slot's u16, and a slot is a quarter of a cache line.
const _: () = assert!(HOT_WORDS <= 1 << 16 && std::mem::size_of::<HotSlot>() == 16);

/// An open-addressing table (linear probing, at most half full) of the
/// first [`HOT_WORDS`] words of at most [`HOT_LEN`] bytes, each slot (16
/// bytes, 1 MiB in all) holding the word's bytes and row: a lookup reads
/// one slot, in a table small enough to stay in a core's cache, where the
/// full table reads its control bytes, its entry, the word's offsets and
/// the word's bytes, four places in memory that miss the cache for a
/// large vocabulary. A word found here has the row
/// the full table gives (words are unique); a word not found is looked up
/// there.
#[derive(Clone)]
struct HotWords {
    slots: Vec<HotSlot>,
    mask: usize,
}

#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct HotSlot {
    bytes: [u8; HOT_LEN],
    row: u16,
    len: u8,
}

impl HotWords {
    fn new(words: &Words, hasher: &DefaultHashBuilder) -> HotWords {
        let n = words.len().min(HOT_WORDS);
        let size = (2 * n).next_power_of_two().max(2);
        let empty = HotSlot {
            bytes: [0; HOT_LEN],
            row: 0,
            len: EMPTY,
        };
        let mut hot = HotWords {
            slots: vec![empty; size],
            mask: size - 1,
        };
        for row in 0..n {
            let word = words.get(row);
            if word.len() > HOT_LEN {
                continue;
            }
            let mut slot = hot.slot(hasher.hash_one(word));
            while hot.slots[slot].len != EMPTY {
                slot = (slot + 1) & hot.mask;
            }
            let mut bytes = [0; HOT_LEN];
            bytes[..word.len()].copy_from_slice(word.as_bytes());
            hot.slots[slot] = HotSlot {
                bytes,
                row: row as u16,
                len: word.len() as u8,
            };
        }
        hot
    }

    #[inline]
    fn slot(&self, hash: u64) -> usize {
        // The high bits: hashbrown takes its position from the low ones.
        (hash >> 40) as usize & self.mask
    }

    /// The row of `word` (whose hash is `hash`) if it is a hot word.
    #[inline]
    fn get(&self, hash: u64, word: &str) -> Option<u16> {
        if word.len() > HOT_LEN {
            return None;
        }
        let mut key = [0; HOT_LEN];
        key[..word.len()].copy_from_slice(word.as_bytes());
        let mut slot = self.slot(hash);
        loop {
            let s = &self.slots[slot];
            if s.len == EMPTY {
                return None;
            }
            if usize::from(s.len) == word.len() && s.bytes == key {
                return Some(s.row);
            }
            slot = (slot + 1) & self.mask;
        }
    }
}

/// Rows as they come out of a reader, in file order.
#[derive(Debug, Default)]
pub(crate) struct RawRows {
    pub words: Words,
    /// Row-major `words.len() x dims` values.
    pub values: Vec<f32>,
    /// 1-based line (text) or 0-based byte offset (binary) of each row,
    /// used to say where a duplicate was found.
    pub positions: Vec<u64>,
    pub dims: usize,
}

/// The file's rows, their norms and the vocabulary.
#[derive(Debug)]
pub(crate) struct Finished {
    pub vocab: Vocab,
    /// Row-major, as the file had them (not normalised).
    pub values: Vec<f32>,
    pub norms: Vec<f32>,
    pub dims: usize,
    /// Rows whose norm is too large for f32 arithmetic (see
    /// [`norm_is_usable`]), if any.
    pub too_large: Option<TooLarge>,
}

/// Rows refused because their norm is too large: the first one and how many.
#[derive(Debug)]
pub(crate) struct TooLarge {
    /// The first such row (in the vocabulary).
    pub row: usize,
    /// Its line (text) or byte offset (binary).
    pub position: u64,
    /// Its norm, computed in f64.
    pub norm: f64,
    /// How many rows are too large.
    pub count: usize,
}

/// Index the words (dropping duplicates, first kept), compute the norms.
pub(crate) fn finish(raw: RawRows, report: &mut LoadReport) -> Finished {
    let RawRows {
        words,
        mut values,
        positions,
        dims,
    } = raw;
    let (vocab, duplicates, first) = Vocab::build(words);
    let mut kept: Vec<u64> = Vec::new();
    if let (Some(word), Some(&row)) = (first, duplicates.first()) {
        report.duplicates += duplicates.len();
        if report.first_duplicate.is_none() {
            report.first_duplicate = Some((word, positions[row]));
        }
        let mut drop = vec![false; positions.len()];
        duplicates.iter().for_each(|&i| drop[i] = true);
        let mut out = 0;
        for (i, &d) in drop.iter().enumerate() {
            if !d {
                values.copy_within(i * dims..(i + 1) * dims, out * dims);
                kept.push(positions[i]);
                out += 1;
            }
        }
        values.truncate(out * dims);
    }
    let mut norms64 = vec![0f64; vocab.len()];
    if dims > 0 {
        values
            .par_chunks(dims)
            .zip(norms64.par_iter_mut())
            .for_each(|(row, norm)| *norm = norm_f64(row));
    }
    let mut too_large: Option<TooLarge> = None;
    let norms = norms64
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let norm = n as f32;
            if !norm_is_usable(norm) {
                match &mut too_large {
                    Some(t) => t.count += 1,
                    None => {
                        let position = if kept.is_empty() {
                            positions[i]
                        } else {
                            kept[i]
                        };
                        too_large = Some(TooLarge {
                            row: i,
                            position,
                            norm: n,
                            count: 1,
                        });
                    }
                }
            }
            norm
        })
        .collect();
    Finished {
        vocab,
        values,
        norms,
        dims,
        too_large,
    }
}

/// The L2 norm of `row`, computed in f64: no finite f32 row overflows it
/// (at most 100,000 squares of at most 1.2e77 each).
pub(crate) fn norm_f64(row: &[f32]) -> f64 {
    row.iter()
        .map(|&v| f64::from(v) * f64::from(v))
        .sum::<f64>()
        .sqrt()
}

/// True when an f32 norm is finite and its square is too: rows with a
/// larger norm (about 1.84e19 or more) are refused, because pooling,
/// standardising and dot products run in f32 and would turn them into
/// `inf` and `NaN`.
pub(crate) fn norm_is_usable(norm: f32) -> bool {
    norm.is_finite() && (norm * norm).is_finite()
}

/// A row a matrix check refused.
#[derive(Debug)]
pub(crate) enum BadRow {
    /// Value `value` of row `row` is `found`, not a finite number.
    NotFinite {
        row: usize,
        value: usize,
        found: f32,
    },
    /// Row `row`'s original norm is `norm`, not usable (see
    /// [`norm_is_usable`]); `count` rows are.
    TooLarge { row: usize, norm: f64, count: usize },
}

/// Check a matrix read by finalfusion or from a memory map: every value
/// finite, every row's original norm usable. The first `words` rows are
/// words; rows after them are subword n-gram buckets (kept as they are).
///
/// With `norms`, word rows are unit vectors and their original norm is
/// the row's norm times the stored one; without, rows are the vectors
/// themselves and their norms are computed. Returns the words' norms.
pub(crate) fn check_rows(
    values: &[f32],
    dims: usize,
    words: usize,
    norms: Option<&[f32]>,
) -> Result<Vec<f32>, BadRow> {
    if dims == 0 {
        return Ok(norms.map_or_else(|| vec![0.0; words], <[f32]>::to_vec));
    }
    let stats: Vec<(f64, Option<usize>)> = values
        .par_chunks(dims)
        .map(|row| (norm_f64(row), row.iter().position(|v| !v.is_finite())))
        .collect();
    if let Some((row, value)) = stats
        .iter()
        .enumerate()
        .find_map(|(i, s)| s.1.map(|k| (i, k)))
    {
        let found = values[row * dims + value];
        return Err(BadRow::NotFinite { row, value, found });
    }
    let mut out = Vec::with_capacity(words);
    let mut bad: Option<(usize, f64)> = None;
    let mut count = 0;
    for (i, &(norm, _)) in stats.iter().enumerate() {
        let stored = norms.filter(|_| i < words).map(|n| n[i]);
        let original = match stored {
            Some(n) if n >= 0.0 => norm * f64::from(n),
            Some(_) => f64::NAN,
            None => norm,
        };
        if !norm_is_usable(original as f32) {
            count += 1;
            bad.get_or_insert((i, original));
        }
        if i < words {
            out.push(stored.unwrap_or(norm as f32));
        }
    }
    match bad {
        Some((row, norm)) => Err(BadRow::TooLarge { row, norm, count }),
        None => Ok(out),
    }
}

/// L2-normalise `row` in place and return its original norm (computed in
/// f64, so the unit values are finite even when the returned f32 norm is
/// not). A zero row stays zero (norm 0).
pub(crate) fn normalize(row: &mut [f32]) -> f32 {
    let norm = norm_f64(row);
    if norm > 0.0 {
        row.iter_mut()
            .for_each(|v| *v = (f64::from(*v) / norm) as f32);
    }
    norm as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_keep_the_first_row() {
        let mut words = Words::default();
        ["a", "b", "a", "c", "b"].iter().for_each(|w| words.push(w));
        let raw = RawRows {
            words,
            values: vec![3., 4., 0., 2., 9., 9., 1., 0., 8., 8.],
            positions: vec![1, 2, 3, 4, 5],
            dims: 2,
        };
        let mut report = LoadReport::default();
        let f = finish(raw, &mut report);
        assert_eq!(report.duplicates, 2);
        assert_eq!(report.first_duplicate, Some(("a".to_string(), 3)));
        assert_eq!(f.vocab.words().iter().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(f.norms, [5.0, 2.0, 1.0]);
        // The file's values are kept as they were, not normalised.
        assert_eq!(f.values, [3., 4., 0., 2., 1., 0.]);
        assert!(f.too_large.is_none());
        assert_eq!(f.vocab.get("c"), Some(2));
        assert_eq!(f.vocab.get("d"), None);
    }

    /// Every word has the row it was given, whether the hot table or the
    /// full one finds it: the first HOT_WORDS words and the rest, words of
    /// HOT_LEN bytes and longer, the empty word, words that differ only by
    /// what pads the inline bytes; `push` after a lookup is seen.
    #[test]
    fn hot_words_give_the_full_table_s_rows() {
        let mut words = Words::default();
        let (long, longer) = ("x".repeat(HOT_LEN), "y".repeat(HOT_LEN + 1));
        let special = ["", "a", "a\0", "\0", "é", &long, &longer];
        special.iter().for_each(|w| words.push(w));
        for i in 0..HOT_WORDS + 1000 {
            words.push(&format!("w{i}"));
        }
        let n = words.len();
        let (mut vocab, duplicates, _) = Vocab::build(words.clone());
        assert!(duplicates.is_empty());
        for (row, word) in words.iter().enumerate() {
            assert_eq!(vocab.get(word), Some(row), "{word:?}");
        }
        for absent in [
            "b",
            "a\0\0",
            "w",
            &format!("w{}", n + 5),
            &"x".repeat(HOT_LEN - 1),
        ] {
            assert_eq!(vocab.get(absent), None, "{absent:?}");
        }
        assert!(vocab.push("late"));
        assert!(!vocab.push("a"));
        assert_eq!(vocab.get("late"), Some(n));
        let small = Vocab::build(special.iter().fold(Words::default(), |mut w, s| {
            w.push(s);
            w
        }));
        assert_eq!(small.0.get("é"), Some(4));
        assert_eq!(small.0.get("b"), None);
    }

    /// Norms are computed without overflow; rows whose norm does not fit
    /// f32 arithmetic are reported with their position, after duplicates
    /// are dropped.
    #[test]
    fn too_large_norms_are_reported_where_they_are() {
        let cases: [([f32; 2], bool); 5] = [
            ([3e19, 4e19], false),
            ([1e19, 1e19], true),
            ([f32::MAX, 0.0], false),
            ([1.8e19, 0.0], true),
            ([1e-45, 1e-45], true),
        ];
        for (row, usable) in cases {
            let mut words = Words::default();
            ["a", "a", "b"].iter().for_each(|w| words.push(w));
            let mut values = vec![1.0, 1.0, 1.0, 1.0];
            values.extend(row);
            let raw = RawRows {
                words,
                values,
                positions: vec![10, 20, 30],
                dims: 2,
            };
            let f = finish(raw, &mut LoadReport::default());
            assert_eq!(f.too_large.is_none(), usable, "{row:?}");
            if let Some(t) = f.too_large {
                assert_eq!((t.row, t.position, t.count), (1, 30, 1), "{row:?}");
            }
            assert!(f.norms[1] > 0.0, "{row:?}");
        }
    }

    #[test]
    fn zero_rows_stay_zero() {
        let mut row = [0.0f32; 3];
        assert_eq!(normalize(&mut row), 0.0);
        assert_eq!(row, [0.0; 3]);
    }
}
