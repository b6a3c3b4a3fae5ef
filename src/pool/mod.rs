//! Pooling: many word vectors in, one document vector out.
//!
//! One small type per strategy, each implementing [`Pooler`]; the serde
//! enum [`Pool`] wraps them so a fitted featurizer saves to one file.
//!
//! | name | type | learns from the corpus | output width |
//! |---|---|---|---|
//! | `mean` | [`Mean`] | nothing | dims |
//! | `max` | [`Max`] | nothing | dims |
//! | `min` | [`Min`] | nothing | dims |
//! | `pmeans` | [`PowerMeans`] | nothing | dims x powers |
//! | `idf` | [`IdfMean`] | IDF weights | dims |
//! | `sif` | [`Sif`] | word frequencies, first principal component | dims |
//!
//! ```
//! use embed_tl::pool::{Doc, Max, Mean, Pooler};
//!
//! // Two 2-d word vectors, weight 1 each.
//! let doc = Doc { vectors: &[1.0, -2.0, 3.0, 0.0], weights: &[1.0, 1.0], dims: 2 };
//! let mut out = [0.0; 2];
//! Mean.pool(&doc, &mut out);
//! assert_eq!(out, [2.0, -1.0]);
//! Max.pool(&doc, &mut out);
//! assert_eq!(out, [3.0, 0.0]);
//! ```
//!
//! Poolers see the word vectors the featurizer hands them: unit-length or
//! as the file had them, by [`Scale`](crate::vectors::Scale). A document
//! with no known token pools to zeros, never NaN.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use crate::error::Error;

mod idf;
mod max;
mod mean;
mod min;
mod pmeans;
mod sif;

pub use idf::IdfMean;
pub use max::Max;
pub use mean::Mean;
pub use min::Min;
pub use pmeans::{Power, PowerMeans};
pub use sif::Sif;

/// The word vectors of one document.
#[derive(Clone, Copy, Debug)]
pub struct Doc<'a> {
    /// `tokens x dims` values, row-major: the known tokens' vectors.
    pub vectors: &'a [f32],
    /// One weight per token (from [`Pooler::weight`]).
    pub weights: &'a [f32],
    /// Dimensions of each vector.
    pub dims: usize,
}

impl Doc<'_> {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// True when no token had a vector.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The rows, one per token.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, f32> {
        self.vectors.chunks_exact(self.dims)
    }
}

/// A (fitted) pooling strategy.
pub trait Pooler {
    /// Output width for `dims`-dimensional word vectors.
    fn width(&self, dims: usize) -> usize {
        dims
    }

    /// The weight of a token (1 unless the strategy weights words).
    fn weight(&self, _token: &str) -> f32 {
        1.0
    }

    /// Pool `doc` into `out` (length [`Pooler::width`]); an empty document
    /// gives zeros.
    fn pool(&self, doc: &Doc, out: &mut [f32]);
}

/// Token statistics of a training corpus, for the strategies that learn.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CorpusStats {
    /// Number of documents.
    pub docs: u64,
    /// Total number of tokens.
    pub tokens: u64,
    /// Occurrences of each token.
    pub counts: HashMap<String, u64>,
    /// Number of documents each token occurs in.
    pub doc_freq: HashMap<String, u64>,
}

impl CorpusStats {
    /// Add one document's tokens.
    pub fn add_doc<'a>(&mut self, tokens: impl IntoIterator<Item = &'a str>) {
        self.docs += 1;
        // Distinct tokens by sort + dedup: a linear `contains` per token was
        // quadratic in the text length (review-length texts, profiled).
        let mut seen: Vec<&str> = Vec::new();
        for token in tokens {
            self.tokens += 1;
            bump(&mut self.counts, token, 1);
            seen.push(token);
        }
        seen.sort_unstable();
        seen.dedup();
        for token in seen {
            bump(&mut self.doc_freq, token, 1);
        }
    }

    /// Merge another set of statistics into this one.
    pub fn merge(&mut self, other: CorpusStats) {
        self.docs += other.docs;
        self.tokens += other.tokens;
        for (k, v) in other.counts {
            *self.counts.entry(k).or_default() += v;
        }
        for (k, v) in other.doc_freq {
            *self.doc_freq.entry(k).or_default() += v;
        }
    }
}

fn bump(map: &mut HashMap<String, u64>, key: &str, by: u64) {
    match map.get_mut(key) {
        Some(v) => *v += by,
        None => {
            map.insert(key.to_string(), by);
        }
    }
}

/// `out = sum(w_i * v_i) / sum(w_i)`; zeros when the weights sum to 0.
pub(crate) fn weighted_mean(doc: &Doc, out: &mut [f32]) {
    out.fill(0.0);
    let mut total = 0.0f32;
    for (row, &w) in doc.rows().zip(doc.weights) {
        total += w;
        out.iter_mut().zip(row).for_each(|(o, v)| *o += w * v);
    }
    if total > 0.0 {
        out.iter_mut().for_each(|o| *o /= total);
    } else {
        out.fill(0.0);
    }
}

/// Per-word weights that serialise in sorted order, so that a saved model
/// is byte-identical across runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WordWeights {
    weights: HashMap<String, f32>,
    /// The weight of a word not seen in training.
    pub unseen: f32,
}

impl WordWeights {
    /// Weights from a map, with a weight for unseen words.
    pub fn new(weights: HashMap<String, f32>, unseen: f32) -> Self {
        WordWeights { weights, unseen }
    }

    /// The weight of `word`.
    pub fn get(&self, word: &str) -> f32 {
        self.weights.get(word).copied().unwrap_or(self.unseen)
    }

    /// Number of words with a learned weight.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// True when no word has a learned weight.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }
}

impl serde::Serialize for WordWeights {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut sorted: Vec<(&String, &f32)> = self.weights.iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut st = s.serialize_struct("WordWeights", 2)?;
        st.serialize_field("unseen", &self.unseen)?;
        st.serialize_field("words", &sorted)?;
        st.end()
    }
}

impl<'de> serde::Deserialize<'de> for WordWeights {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            unseen: f32,
            words: Vec<(String, f32)>,
        }
        let raw = Raw::deserialize(d)?;
        Ok(WordWeights {
            weights: raw.words.into_iter().collect(),
            unseen: raw.unseen,
        })
    }
}

/// A pooling strategy before fitting: what the user asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum PoolParams {
    /// Average of the word vectors.
    Mean,
    /// Per-dimension maximum.
    Max,
    /// Per-dimension minimum.
    Min,
    /// Concatenated power means (default powers: min, mean, max).
    PowerMeans(Vec<Power>),
    /// IDF-weighted average, IDF fitted on the training texts.
    Idf,
    /// Smooth inverse frequency (Arora et al. 2017) with parameter `a`.
    Sif {
        /// The smoothing parameter `a` in `a / (a + p(w))`. Default 1e-3.
        a: f32,
    },
}

impl PoolParams {
    /// True when fitting needs corpus statistics.
    pub fn learns(&self) -> bool {
        matches!(self, PoolParams::Idf | PoolParams::Sif { .. })
    }

    /// Fit on corpus statistics (SIF's principal component is fitted
    /// afterwards by the featurizer, on the pooled training documents).
    pub fn fit(&self, stats: &CorpusStats) -> Pool {
        match self {
            PoolParams::Mean => Pool::Mean(Mean),
            PoolParams::Max => Pool::Max(Max),
            PoolParams::Min => Pool::Min(Min),
            PoolParams::PowerMeans(powers) => Pool::PowerMeans(PowerMeans::new(powers.clone())),
            PoolParams::Idf => Pool::Idf(IdfMean::fit(stats)),
            PoolParams::Sif { a } => Pool::Sif(Sif::fit_weights(stats, *a)),
        }
    }
}

impl FromStr for PoolParams {
    type Err = Error;

    /// `mean`, `max`, `min`, `pmeans` (min,mean,max), `pmeans:min,mean,max,3`,
    /// `idf`, `sif`, `sif:0.001`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let (name, arg) = match s.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (s, None),
        };
        let no_arg = |p: PoolParams| match arg {
            None => Ok(p),
            Some(_) => Err(Error::InvalidParameter(format!(
                "pooling '{name}' takes no ':' argument"
            ))),
        };
        match name {
            "mean" => no_arg(PoolParams::Mean),
            "max" => no_arg(PoolParams::Max),
            "min" => no_arg(PoolParams::Min),
            "idf" => no_arg(PoolParams::Idf),
            "pmeans" => {
                let powers = match arg {
                    None => vec![Power::Min, Power::Mean, Power::Max],
                    Some(list) => list
                        .split(',')
                        .map(str::parse)
                        .collect::<Result<Vec<Power>, Error>>()?,
                };
                if powers.is_empty() {
                    return Err(Error::InvalidParameter(
                        "pmeans needs at least one power".into(),
                    ));
                }
                Ok(PoolParams::PowerMeans(powers))
            }
            "sif" => {
                let a = match arg {
                    None => 1e-3,
                    Some(a) => a
                        .parse::<f32>()
                        .ok()
                        .filter(|a| *a > 0.0 && a.is_finite())
                        .ok_or_else(|| {
                            Error::InvalidParameter(format!(
                                "sif:{a}: expected a positive number, e.g. sif:0.001"
                            ))
                        })?,
                };
                Ok(PoolParams::Sif { a })
            }
            _ => Err(Error::InvalidParameter(format!(
                "unknown pooling '{s}': expected mean, max, min, pmeans[:POWERS], idf or sif[:A]"
            ))),
        }
    }
}

impl fmt::Display for PoolParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolParams::Mean => f.write_str("mean"),
            PoolParams::Max => f.write_str("max"),
            PoolParams::Min => f.write_str("min"),
            PoolParams::Idf => f.write_str("idf"),
            PoolParams::PowerMeans(p) => {
                let names: Vec<String> = p.iter().map(ToString::to_string).collect();
                write!(f, "pmeans:{}", names.join(","))
            }
            PoolParams::Sif { a } => write!(f, "sif:{a}"),
        }
    }
}

/// A fitted pooling strategy, saveable with serde.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "strategy", rename_all = "lowercase")]
pub enum Pool {
    /// See [`Mean`].
    Mean(Mean),
    /// See [`Max`].
    Max(Max),
    /// See [`Min`].
    Min(Min),
    /// See [`PowerMeans`].
    #[serde(rename = "pmeans")]
    PowerMeans(PowerMeans),
    /// See [`IdfMean`].
    Idf(IdfMean),
    /// See [`Sif`].
    Sif(Sif),
}

impl Pool {
    /// Whether a pooler read from a model file fits `dims`-dimensional
    /// vectors (a damaged file must be an error, not a panic later).
    pub(crate) fn check(&self, dims: usize) -> std::result::Result<(), String> {
        match self {
            Pool::PowerMeans(p) if p.width(dims) == 0 => Err("power means without powers".into()),
            Pool::Sif(s) if !s.fits(dims) => {
                Err(format!("the SIF component does not have {dims} dimensions"))
            }
            _ => Ok(()),
        }
    }

    fn inner(&self) -> &dyn Pooler {
        match self {
            Pool::Mean(p) => p,
            Pool::Max(p) => p,
            Pool::Min(p) => p,
            Pool::PowerMeans(p) => p,
            Pool::Idf(p) => p,
            Pool::Sif(p) => p,
        }
    }
}

impl Pooler for Pool {
    fn width(&self, dims: usize) -> usize {
        self.inner().width(dims)
    }

    fn weight(&self, token: &str) -> f32 {
        self.inner().weight(token)
    }

    fn pool(&self, doc: &Doc, out: &mut [f32]) {
        self.inner().pool(doc, out)
    }
}

/// Check a pooler on 2-d cases `(rows, expected)`, every token weight 1.
#[cfg(test)]
pub(crate) fn assert_pools(pooler: &dyn Pooler, cases: &[(&[f32], [f32; 2])]) {
    for (vectors, expected) in cases {
        let weights = vec![1.0; vectors.len() / 2];
        let mut out = [9.0; 2];
        let doc = Doc {
            vectors,
            weights: &weights,
            dims: 2,
        };
        pooler.pool(&doc, &mut out);
        assert_eq!(out, *expected, "{vectors:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print() {
        let cases = [
            ("mean", "mean"),
            ("max", "max"),
            ("min", "min"),
            ("idf", "idf"),
            ("pmeans", "pmeans:min,mean,max"),
            ("pmeans:min,mean,max,3", "pmeans:min,mean,max,3"),
            ("sif", "sif:0.001"),
            ("sif:0.01", "sif:0.01"),
        ];
        for (input, shown) in cases {
            assert_eq!(input.parse::<PoolParams>().unwrap().to_string(), shown);
        }
        for bad in ["avg", "sif:-1", "pmeans:2.5", "mean:3", "pmeans:"] {
            assert!(bad.parse::<PoolParams>().is_err(), "{bad}");
        }
    }

    #[test]
    fn corpus_stats_count_tokens_and_documents() {
        let mut stats = CorpusStats::default();
        stats.add_doc(["a", "b", "a"]);
        stats.add_doc(["b"]);
        assert_eq!(stats.docs, 2);
        assert_eq!(stats.tokens, 4);
        assert_eq!(stats.counts["a"], 2);
        assert_eq!(stats.doc_freq["a"], 1);
        assert_eq!(stats.doc_freq["b"], 2);
    }

    #[test]
    fn weighted_mean_of_nothing_is_zero() {
        let mut out = [7.0; 3];
        weighted_mean(
            &Doc {
                vectors: &[],
                weights: &[],
                dims: 3,
            },
            &mut out,
        );
        assert_eq!(out, [0.0; 3]);
    }
}
