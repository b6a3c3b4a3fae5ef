//! The vocabulary index, and turning parsed rows into normalised storage.
//!
//! Shared by every reader: duplicate words are dropped (the first row is
//! kept) while the index is built, rows are L2-normalised in parallel and
//! their original norms kept.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};
use rayon::prelude::*;

use super::LoadReport;

/// Words in file order with a hash index from word to row.
#[derive(Clone, Default)]
pub(crate) struct Vocab {
    words: Vec<String>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl std::fmt::Debug for Vocab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vocab({} words)", self.words.len())
    }
}

impl Vocab {
    pub fn with_capacity(n: usize) -> Self {
        Vocab {
            words: Vec::with_capacity(n),
            table: HashTable::with_capacity(n),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// Add a word; false (and nothing added) if it is already there.
    pub fn push(&mut self, word: String) -> bool {
        self.insert(word).is_ok()
    }

    /// Add a word, or hand it back if it is already there.
    pub fn insert(&mut self, word: String) -> std::result::Result<(), String> {
        let Vocab {
            words,
            table,
            hasher,
        } = self;
        let hash = hasher.hash_one(word.as_str());
        match table.entry(
            hash,
            |&i| words[i as usize] == word,
            |&i| hasher.hash_one(words[i as usize].as_str()),
        ) {
            hashbrown::hash_table::Entry::Occupied(_) => Err(word),
            hashbrown::hash_table::Entry::Vacant(slot) => {
                let index = u32::try_from(words.len()).expect("fewer than 2^32 words");
                slot.insert(index);
                words.push(word);
                Ok(())
            }
        }
    }

    /// The row of `word`.
    #[inline]
    pub fn get(&self, word: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(word);
        self.table
            .find(hash, |&i| self.words[i as usize] == word)
            .map(|&i| i as usize)
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }
}

/// Rows as they come out of a reader, in file order.
#[derive(Debug, Default)]
pub(crate) struct RawRows {
    pub words: Vec<String>,
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
    let mut vocab = Vocab::with_capacity(words.len());
    let mut keep = Vec::with_capacity(words.len());
    for (word, &at) in words.into_iter().zip(&positions) {
        let fresh = match vocab.insert(word) {
            Ok(()) => true,
            Err(word) => {
                report.duplicates += 1;
                if report.first_duplicate.is_none() {
                    report.first_duplicate = Some((word, at));
                }
                false
            }
        };
        keep.push(fresh);
    }
    if report.duplicates > 0 {
        let mut out = 0;
        for (i, &k) in keep.iter().enumerate() {
            if k {
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
        let raw = RawRows {
            words: ["a", "b", "a", "c", "b"].map(String::from).to_vec(),
            values: vec![3., 4., 0., 2., 9., 9., 1., 0., 8., 8.],
            positions: vec![1, 2, 3, 4, 5],
            dims: 2,
        };
        let mut report = LoadReport::default();
        let f = finish(raw, &mut report);
        assert_eq!(report.duplicates, 2);
        assert_eq!(report.first_duplicate, Some(("a".to_string(), 3)));
        assert_eq!(f.vocab.words(), &["a", "b", "c"]);
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
