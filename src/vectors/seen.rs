//! Dropping duplicate words while a file is read, so that a file of one
//! word repeated millions of times costs one row of memory, not millions.
//!
//! The readers keep the first row of a word and count the others in the
//! [`LoadReport`](super::LoadReport); [`finish`](super::build::finish)
//! then finds no duplicates left.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::build::Words;

/// The words kept so far, as an index into the reader's [`Words`].
#[derive(Default)]
pub(crate) struct Seen {
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl Seen {
    /// Room for `words` words without rehashing.
    pub fn with_capacity(words: usize) -> Self {
        Seen {
            table: HashTable::with_capacity(words),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// The hash [`Seen::keep`] expects (computed in parallel by the text
    /// reader).
    #[inline]
    pub fn hash(&self, word: &str) -> u64 {
        self.hasher.hash_one(word)
    }

    /// True when `word` (hashed by [`Seen::hash`]) is new: it is then
    /// pushed onto `words`. False, and nothing pushed, for a duplicate.
    pub fn keep(&mut self, words: &mut Words, word: &str, hash: u64) -> bool {
        let Seen { table, hasher } = self;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_occurrence_is_kept() {
        let mut seen = Seen::with_capacity(1);
        let mut words = Words::default();
        let kept: Vec<bool> = ["a", "b", "a", "c", "b", "a"]
            .iter()
            .map(|w| seen.keep(&mut words, w, seen.hash(w)))
            .collect();
        assert_eq!(kept, [true, true, false, true, false, false]);
        assert_eq!(words.iter().collect::<Vec<_>>(), ["a", "b", "c"]);
    }
}
