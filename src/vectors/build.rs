//! The vocabulary index, and turning parsed rows into normalised storage.
//!
//! Shared by every reader: duplicate words are dropped (the first row is
//! kept) while the index is built, rows are L2-normalised in parallel and
//! their original norms kept.

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
            };
            return (vocab, duplicates, first);
        }
        let mut vocab = Vocab {
            words: Words::with_capacity(words.len() - duplicates.len(), words.text.len()),
            table: HashTable::with_capacity(words.len()),
            hasher,
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
        } = self;
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
    #[inline]
    pub fn get(&self, word: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(word);
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

/// Unit rows, their norms and the vocabulary.
#[derive(Debug)]
pub(crate) struct Finished {
    pub vocab: Vocab,
    pub values: Vec<f32>,
    pub norms: Vec<f32>,
    pub dims: usize,
}

/// Index the words (dropping duplicates, first kept), normalise rows.
pub(crate) fn finish(raw: RawRows, report: &mut LoadReport) -> Finished {
    let RawRows {
        words,
        mut values,
        positions,
        dims,
    } = raw;
    let (vocab, duplicates, first) = Vocab::build(words);
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
                out += 1;
            }
        }
        values.truncate(out * dims);
    }
    let mut norms = vec![0f32; vocab.len()];
    if dims > 0 {
        values
            .par_chunks_mut(dims)
            .zip(norms.par_iter_mut())
            .for_each(|(row, norm)| *norm = normalize(row));
    }
    Finished {
        vocab,
        values,
        norms,
        dims,
    }
}

/// L2-normalise `row` in place and return its original norm. A zero row
/// stays zero (norm 0).
pub(crate) fn normalize(row: &mut [f32]) -> f32 {
    let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        row.iter_mut().for_each(|v| *v /= norm);
    }
    norm
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
        assert_eq!(f.values, [0.6, 0.8, 0.0, 1.0, 1.0, 0.0]);
        assert_eq!(f.vocab.get("c"), Some(2));
        assert_eq!(f.vocab.get("d"), None);
    }

    #[test]
    fn zero_rows_stay_zero() {
        let mut row = [0.0f32; 3];
        assert_eq!(normalize(&mut row), 0.0);
        assert_eq!(row, [0.0; 3]);
    }
}
