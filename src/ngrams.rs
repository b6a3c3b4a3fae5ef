//! The from-scratch channel: word and word-bigram TF-IDF features learned
//! from the labelled texts alone, with no pretrained knowledge.
//!
//! ```
//! use embed_tl::ngrams::NgramParams;
//!
//! let train = ["not good at all", "very good", "not bad"];
//! let ngrams = NgramParams::default().min_df(1).fit(&train);
//! let x = ngrams.transform(&["good, not bad"]);
//! assert_eq!(x.rows(), 1);
//! assert_eq!(x.nnz(), 4); // good, not, bad, "not bad"
//! ```
//!
//! Terms are lowercased tokens (the same splitting as [`Tokenizer`]) and
//! pairs of adjacent tokens. The vocabulary keeps terms seen in at least
//! `min_df` training texts, at most `max_features` of them (the most
//! frequent by document frequency), so memory is bounded whatever the
//! corpus. Rows are `(1 + ln tf) * idf`, L2-normalised, with scikit-learn's
//! smoothed IDF.

use rayon::prelude::*;

use crate::model::Csr;
use crate::text::Tokenizer;

/// N-gram settings (a consuming builder).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NgramParams {
    max_n: usize,
    min_df: u64,
    max_features: usize,
}

impl Default for NgramParams {
    fn default() -> Self {
        NgramParams {
            max_n: 2,
            min_df: 2,
            max_features: 200_000,
        }
    }
}

impl NgramParams {
    /// Longest n-gram (1: words only; 2: words and bigrams, the default).
    pub fn max_n(mut self, n: usize) -> Self {
        self.max_n = n.clamp(1, 3);
        self
    }

    /// Keep terms seen in at least this many training texts. Default 2.
    pub fn min_df(mut self, df: u64) -> Self {
        self.min_df = df.max(1);
        self
    }

    /// Keep at most this many terms (by document frequency). Default 200,000.
    pub fn max_features(mut self, n: usize) -> Self {
        self.max_features = n.max(1);
        self
    }

    /// Learn the vocabulary and IDF weights from training texts.
    pub fn fit<T: AsRef<str> + Sync>(&self, texts: &[T]) -> NgramVocab {
        let tokenizer = ngram_tokenizer();
        // Two passes. The first counts the texts of every term by a 64-bit
        // fingerprint, not by an owned string: most terms of a large
        // corpus are bigrams seen once (millions on the 50,000 IMDB
        // reviews), and a string per term made this count one of the
        // largest allocations of a fit. The second collects the strings of
        // the terms frequent enough to make the vocabulary. Two terms whose
        // fingerprints collide (about one chance in a million per corpus
        // of millions of terms) would share a count; the outcome is the
        // same on every run.
        let fingerprints = texts
            .par_chunks(512)
            .map(|chunk| {
                let mut df = FingerprintCounts::default();
                let mut terms = Terms::default();
                let mut list: Vec<u64> = Vec::new();
                for text in chunk {
                    terms.collect(&tokenizer, text.as_ref());
                    list.clear();
                    terms.for_each_term(self.max_n, |t| list.push(fingerprint(t)));
                    list.sort_unstable();
                    list.dedup();
                    for &term in &list {
                        *df.entry(term).or_default() += 1;
                    }
                }
                df
            })
            .reduce(FingerprintCounts::default, |a, b| {
                let (mut a, b) = if a.len() >= b.len() { (a, b) } else { (b, a) };
                for (k, v) in b {
                    *a.entry(k).or_default() += v;
                }
                a
            });
        // Only terms at least as frequent as the `max_features`-th most
        // frequent can be kept (ties at that count are all collected, for
        // the tie-break by term below).
        let mut counts: Vec<u32> = fingerprints
            .values()
            .copied()
            .filter(|&n| u64::from(n) >= self.min_df)
            .collect();
        let floor = if counts.len() > self.max_features {
            let (_, nth, _) = counts.select_nth_unstable_by(self.max_features - 1, |a, b| b.cmp(a));
            u64::from(*nth).max(self.min_df)
        } else {
            self.min_df
        };
        drop(counts);
        // The second pass looks every term up: in the few hundred thousand
        // frequent fingerprints, which stay in cache, rather than in the
        // millions counted (on the IMDB reviews that lookup was a fifth of
        // a train -> test run's CPU time).
        let fingerprints: FingerprintCounts = fingerprints
            .into_iter()
            .filter(|&(_, n)| u64::from(n) >= floor)
            .collect();
        // Per frequent fingerprint, its term and count; keyed by the
        // fingerprint, so a term is not hashed a second time. Should two
        // frequent terms share a fingerprint, a chunk keeps the first it
        // meets and the merge the smallest of the chunks' terms, whatever
        // the order the chunks meet in.
        let doc_freq = texts
            .par_chunks(512)
            .map(|chunk| {
                let mut df: FrequentTerms = FrequentTerms::default();
                let mut terms = Terms::default();
                for text in chunk {
                    terms.collect(&tokenizer, text.as_ref());
                    terms.for_each_term(self.max_n, |t| {
                        let key = fingerprint(t);
                        if let Some(&n) = fingerprints.get(&key) {
                            df.entry(key).or_insert_with(|| (t.to_string(), n));
                        }
                    });
                }
                df
            })
            .reduce(FrequentTerms::default, |a, b| {
                let (mut a, b) = if a.len() >= b.len() { (a, b) } else { (b, a) };
                for (key, (t, n)) in b {
                    keep_smaller(&mut a, key, t, n);
                }
                a
            });
        drop(fingerprints);
        // Every term collected has at least `min_df` texts (`floor`).
        let mut kept: Vec<(String, u64)> = doc_freq
            .into_values()
            .map(|(t, n)| (t, u64::from(n)))
            .collect();
        // Most frequent first; ties by the term, so the vocabulary is the
        // same on every run.
        kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        kept.truncate(self.max_features);
        kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let n = texts.len() as f64;
        let idf = kept
            .iter()
            .map(|(_, df)| (((1.0 + n) / (1.0 + *df as f64)).ln() + 1.0) as f32)
            .collect();
        NgramVocab {
            max_n: self.max_n,
            terms: kept.into_iter().map(|(t, _)| t).collect(),
            idf,
            index: hashbrown::HashMap::new(),
        }
        .indexed()
    }
}

/// A term's 64-bit fingerprint for counting: the standard library's
/// `DefaultHasher::new()` (SipHash-1-3 with fixed keys), the same on every
/// run of a build.
fn fingerprint(term: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    h.write(term.as_bytes());
    h.finish()
}

/// Document counts by term fingerprint. The fingerprints are already
/// uniform 64-bit hashes, so the table uses them as they are
/// ([`PassThrough`]) instead of hashing them again.
type FingerprintCounts = hashbrown::HashMap<u64, u32, std::hash::BuildHasherDefault<PassThrough>>;

/// The frequent terms by fingerprint, with their document counts.
type FrequentTerms =
    hashbrown::HashMap<u64, (String, u32), std::hash::BuildHasherDefault<PassThrough>>;

/// Record `term` (counted in `n` texts) under `key` in `df`, unless the
/// term there is the same or a smaller string of the same fingerprint.
fn keep_smaller(df: &mut FrequentTerms, key: u64, term: String, n: u32) {
    match df.entry(key) {
        hashbrown::hash_map::Entry::Occupied(mut e) => {
            if term < e.get().0 {
                *e.get_mut() = (term, n);
            }
        }
        hashbrown::hash_map::Entry::Vacant(e) => {
            e.insert((term, n));
        }
    }
}

/// A hasher for keys that are hashes already: it returns the `u64`
/// written to it.
#[derive(Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; fold anything else in anyway.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The tokenizer of the n-gram channel: lowercased, punctuation and
/// clitics split.
fn ngram_tokenizer() -> Tokenizer {
    Tokenizer {
        lowercase: true,
        ..Tokenizer::default()
    }
}

/// Reusable buffers for the terms of one text: its tokens, joined by
/// single spaces in one string, so that every n-gram ("not bad") is a
/// slice of it and nothing is allocated per term.
#[derive(Default)]
pub(crate) struct Terms {
    scratch: String,
    text: String,
    bounds: Vec<(usize, usize)>,
}

impl Terms {
    fn collect(&mut self, tokenizer: &Tokenizer, text: &str) {
        self.clear();
        let (joined, bounds) = (&mut self.text, &mut self.bounds);
        tokenizer.for_each_token(text, &mut self.scratch, |t| push(joined, bounds, t));
    }

    /// Forget the tokens of the last text.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.bounds.clear();
    }

    /// Add a token (from a tokenizer equal to [`NgramVocab::tokenizer`]).
    pub(crate) fn push(&mut self, token: &str) {
        push(&mut self.text, &mut self.bounds, token);
    }

    /// Each word, then each pair of adjacent words, ... up to `max_n`.
    fn for_each_term<'a>(&'a self, max_n: usize, mut f: impl FnMut(&'a str)) {
        for n in 1..=max_n {
            for window in self.bounds.windows(n) {
                f(&self.text[window[0].0..window[n - 1].1]);
            }
        }
    }
}

fn push(joined: &mut String, bounds: &mut Vec<(usize, usize)>, token: &str) {
    if !joined.is_empty() {
        joined.push(' ');
    }
    let start = joined.len();
    joined.push_str(token);
    bounds.push((start, joined.len()));
}

/// A fitted n-gram vocabulary with IDF weights.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NgramVocab {
    max_n: usize,
    /// Terms in sorted order; a term's column is its position.
    terms: Vec<String>,
    idf: Vec<f32>,
    #[serde(skip)]
    index: hashbrown::HashMap<String, u32>,
}

impl PartialEq for NgramVocab {
    fn eq(&self, other: &Self) -> bool {
        self.max_n == other.max_n && self.terms == other.terms && self.idf == other.idf
    }
}

impl NgramVocab {
    /// Build the term index (after fitting or deserialising).
    pub fn indexed(mut self) -> Self {
        self.index = self
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        self
    }

    /// Whether a vocabulary read from a model file is consistent.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        if self.idf.len() != self.terms.len() {
            return Err(format!(
                "{} IDF weights for {} terms",
                self.idf.len(),
                self.terms.len()
            ));
        }
        if !(1..=3).contains(&self.max_n) {
            return Err(format!("n-grams up to n = {}", self.max_n));
        }
        if self.index.len() != self.terms.len() {
            return Err("repeated n-gram terms".into());
        }
        Ok(())
    }

    /// The IDF weight of each term, by column.
    pub(crate) fn idf_weights(&self) -> impl Iterator<Item = (usize, f32)> + '_ {
        self.idf.iter().copied().enumerate()
    }

    /// Number of terms (columns).
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when no term was kept.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// TF-IDF rows of `texts`, in order.
    pub fn transform<T: AsRef<str> + Sync>(&self, texts: &[T]) -> Csr {
        let tokenizer = ngram_tokenizer();
        let rows: Vec<Vec<(u32, f32)>> = texts
            .par_chunks(512)
            .flat_map_iter(|chunk| {
                let mut terms = Terms::default();
                let mut ids = Vec::new();
                chunk
                    .iter()
                    .map(|text| {
                        terms.collect(&tokenizer, text.as_ref());
                        self.row_of(&terms, &mut ids)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut csr = Csr::new(self.len());
        for row in rows {
            csr.push_row(row);
        }
        csr
    }

    /// The tokenizer whose tokens the vocabulary is made of.
    pub(crate) fn tokenizer() -> Tokenizer {
        ngram_tokenizer()
    }

    /// The TF-IDF row of the tokens in `terms` (`ids` is scratch space).
    pub(crate) fn row_of(&self, terms: &Terms, ids: &mut Vec<u32>) -> Vec<(u32, f32)> {
        ids.clear();
        terms.for_each_term(self.max_n, |t| {
            if let Some(&id) = self.index.get(t) {
                ids.push(id);
            }
        });
        self.row(ids)
    }

    /// The TF-IDF row of a text whose known terms are `ids`.
    fn row(&self, ids: &mut [u32]) -> Vec<(u32, f32)> {
        ids.sort_unstable();
        let mut row: Vec<(u32, f32)> = Vec::with_capacity(ids.len());
        for &id in ids.iter() {
            match row.last_mut() {
                Some((last, count)) if *last == id => *count += 1.0,
                _ => row.push((id, 1.0)),
            }
        }
        for (id, v) in row.iter_mut() {
            *v = (1.0 + v.ln()) * self.idf[*id as usize];
        }
        let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|(_, v)| *v /= norm);
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vocabulary (counted by fingerprints, the strings collected
    /// above the cap's count) is the one of counting every term by its
    /// string: the most frequent terms, ties at the cap broken by term.
    #[test]
    fn the_vocabulary_is_the_one_of_counting_by_strings() {
        let words = ["good", "bad", "not", "very", "film", "plot", "ok", "the"];
        let train: Vec<String> = (0..60)
            .map(|i| {
                (0..(3 + i % 5))
                    .map(|j| words[(i * 7 + j * j * 3 + i / 4) % words.len()])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        for (min_df, cap) in [(1, 5), (2, 7), (2, 1000), (3, 12)] {
            let fitted = NgramParams::default()
                .min_df(min_df)
                .max_features(cap)
                .fit(&train);
            let tokenizer = ngram_tokenizer();
            let mut df: std::collections::BTreeMap<String, u64> = Default::default();
            let mut terms = Terms::default();
            for text in &train {
                terms.collect(&tokenizer, text);
                let mut seen = std::collections::BTreeSet::new();
                terms.for_each_term(2, |t| {
                    seen.insert(t.to_string());
                });
                seen.into_iter()
                    .for_each(|t| *df.entry(t).or_default() += 1);
            }
            let mut kept: Vec<(String, u64)> =
                df.into_iter().filter(|(_, n)| *n >= min_df).collect();
            kept.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            kept.truncate(cap);
            let mut expected: Vec<String> = kept.into_iter().map(|(t, _)| t).collect();
            expected.sort();
            assert_eq!(fitted.terms, expected, "min_df {min_df}, cap {cap}");
        }
    }

    #[test]
    fn vocabulary_respects_min_df_and_cap() {
        let train = ["a b c", "a b", "a d"];
        let v = NgramParams::default().fit(&train);
        // df >= 2: "a" (3), "b" (2), "a b" (2).
        assert_eq!(v.terms, ["a", "a b", "b"]);
        let capped = NgramParams::default().max_features(1).fit(&train);
        assert_eq!(capped.terms, ["a"]);
    }

    #[test]
    fn rows_are_tfidf_and_unit_length() {
        let train = ["x y", "x z", "x"];
        let v = NgramParams::default().min_df(1).max_n(1).fit(&train);
        let m = v.transform(&["y y x", "nothing known"]);
        let (idx, val) = m.row(0);
        assert_eq!(idx.len(), 2);
        let norm: f32 = val.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-6);
        // x: tf 1, idf ln(4/4)+1 = 1; y: tf 2 -> 1 + ln 2, idf ln(4/2)+1.
        let x = 1.0f32;
        let y = (1.0 + 2f32.ln()) * (2f32.ln() + 1.0);
        let n = (x * x + y * y).sqrt();
        let col_x = v.index["x"];
        let at = |c: u32| val[idx.iter().position(|&i| i == c).unwrap()];
        assert!((at(col_x) - x / n).abs() < 1e-6);
        assert!((at(v.index["y"]) - y / n).abs() < 1e-6);
        assert_eq!(m.row(1).0.len(), 0);
    }

    #[test]
    fn serialised_vocab_reindexes() {
        let v = NgramParams::default().min_df(1).fit(&["a b"]);
        let json = serde_json::to_string(&v).unwrap();
        let w: NgramVocab = serde_json::from_str::<NgramVocab>(&json).unwrap().indexed();
        assert_eq!(v, w);
        assert_eq!(v.transform(&["a b"]), w.transform(&["a b"]));
    }
}
