//! The featurizer: tokenizer + word-vector lookup + pooling, from texts to
//! a `documents x features` matrix ready for linfa.
//!
//! ```
//! use embed_tl::features::FeaturizerParams;
//! use embed_tl::pool::PoolParams;
//! use embed_tl::Vectors;
//!
//! let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
//! let train = ["A great little phone.", "Battery died after a week.", "Great value!"];
//! let featurizer = FeaturizerParams::default()
//!     .pool(PoolParams::Sif { a: 1e-3 })
//!     .fit(&vectors, &train)?;
//! let (x, coverage) = featurizer.transform_with_coverage(&vectors, &["What a great phone"])?;
//! assert_eq!(x.shape(), &[1, 50]);
//! assert_eq!(coverage.tokens_found, 4);
//! # Ok::<(), embed_tl::Error>(())
//! ```
//!
//! Transforming is parallel (rayon) and deterministic: each document's row
//! depends only on that document, so 1 or N threads give bit-identical
//! features.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::pool::{CorpusStats, Doc, Pool, PoolParams, Pooler};
use crate::text::Tokenizer;
use crate::vectors::{Scale, Vectors};

/// Documents per parallel task.
pub(crate) const CHUNK: usize = 256;
/// How many missing words a coverage report lists.
const TOP_MISSING: usize = 20;

/// Featurizer settings before fitting (a consuming builder).
#[derive(Clone, Debug)]
pub struct FeaturizerParams {
    tokenizer: Option<Tokenizer>,
    pool: PoolParams,
    scale: Scale,
    normalize: bool,
}

impl Default for FeaturizerParams {
    fn default() -> Self {
        FeaturizerParams {
            tokenizer: None,
            pool: PoolParams::Mean,
            scale: Scale::Original,
            normalize: false,
        }
    }
}

impl FeaturizerParams {
    /// The tokenizer. Default: [`Tokenizer::for_vectors`], matched to the
    /// vectors at fit time.
    pub fn tokenizer(mut self, tokenizer: Tokenizer) -> Self {
        self.tokenizer = Some(tokenizer);
        self
    }

    /// The pooling strategy. Default: [`PoolParams::Mean`].
    pub fn pool(mut self, pool: PoolParams) -> Self {
        self.pool = pool;
        self
    }

    /// Pool word vectors as the file had them ([`Scale::Original`], the
    /// default) or unit-length ([`Scale::Unit`]).
    pub fn scale(mut self, scale: Scale) -> Self {
        self.scale = scale;
        self
    }

    /// L2-normalise each document vector. Default: false.
    pub fn normalize(mut self, normalize: bool) -> Self {
        self.normalize = normalize;
        self
    }

    /// Fit on training texts: choose the tokenizer, learn IDF weights or
    /// word frequencies and SIF's principal component where the pooling
    /// strategy needs them.
    pub fn fit<T: AsRef<str> + Sync>(&self, vectors: &Vectors, texts: &[T]) -> Result<Featurizer> {
        let tokenizer = self
            .tokenizer
            .clone()
            .unwrap_or_else(|| Tokenizer::for_vectors(vectors));
        let stats = if self.pool.learns() {
            corpus_stats(&tokenizer, texts)
        } else {
            CorpusStats::default()
        };
        let mut featurizer = Featurizer {
            tokenizer,
            pool: self.pool.fit(&stats),
            scale: self.scale,
            normalize: self.normalize,
            dims: vectors.dims(),
        };
        if let Pool::Sif(_) = featurizer.pool {
            // The component is fitted on un-normalised averages.
            let normalize = std::mem::replace(&mut featurizer.normalize, false);
            let averages = featurizer.transform(vectors, texts)?;
            featurizer.normalize = normalize;
            if let Pool::Sif(sif) = &mut featurizer.pool {
                let values = averages.as_slice().expect("fresh arrays are contiguous");
                sif.fit_component(values, vectors.dims());
            }
        }
        Ok(featurizer)
    }
}

fn corpus_stats<T: AsRef<str> + Sync>(tokenizer: &Tokenizer, texts: &[T]) -> CorpusStats {
    texts
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut stats = CorpusStats::default();
            let mut scratch = String::new();
            let mut tokens: Vec<String> = Vec::new();
            for text in chunk {
                tokens.clear();
                tokenizer
                    .for_each_token(text.as_ref(), &mut scratch, |t| tokens.push(t.to_string()));
                stats.add_doc(tokens.iter().map(String::as_str));
            }
            stats
        })
        .reduce(CorpusStats::default, |mut a, b| {
            a.merge(b);
            a
        })
}

/// Pooled features of labelled texts for linfa ([`Featurizer::labelled`]).
#[derive(Clone, Debug, PartialEq)]
pub struct LabelledFeatures {
    /// Records `texts x features` (named), targets the class indices.
    pub dataset: linfa::Dataset<f32, usize, ndarray::Ix1>,
    /// The class names: target `i` is `classes[i]`.
    pub classes: Vec<String>,
}

/// A fitted featurizer: saveable (serde), and the only thing that turns
/// texts into features.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Featurizer {
    tokenizer: Tokenizer,
    pool: Pool,
    scale: Scale,
    normalize: bool,
    dims: usize,
}

/// Reusable per-thread buffers.
#[derive(Default)]
pub(crate) struct Scratch {
    text: String,
    vectors: Vec<f32>,
    weights: Vec<f32>,
    lower: String,
    /// Rows found in the vocabulary, copied once all are located:
    /// (offset in `vectors`, word index).
    found: Vec<(usize, usize)>,
}

impl Featurizer {
    /// Whether a featurizer read from a model file is usable.
    pub(crate) fn check_loaded(&self) -> std::result::Result<(), String> {
        if self.dims == 0 || self.dims > crate::vectors::MAX_DIMS {
            return Err(format!("featurizer for {} dimensions", self.dims));
        }
        self.pool.check(self.dims)
    }

    /// The dimensions of the vectors it pools.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Number of features per document.
    pub fn width(&self) -> usize {
        self.pool.width(self.dims)
    }

    /// The tokenizer in use.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The fitted pooling strategy.
    pub fn pooler(&self) -> &Pool {
        &self.pool
    }

    /// The name of each feature column: the pooling and the dimension,
    /// `mean_0` ... `mean_49` for mean pooling of 50-d vectors; power means
    /// in their order (`min_0` ..., `mean_0` ..., `max_0` ..., `p3_0` ...).
    pub fn feature_names(&self) -> Vec<String> {
        let parts: Vec<String> = match &self.pool {
            Pool::Mean(_) => vec!["mean".into()],
            Pool::Max(_) => vec!["max".into()],
            Pool::Min(_) => vec!["min".into()],
            Pool::Idf(_) => vec!["idf".into()],
            Pool::Sif(_) => vec!["sif".into()],
            Pool::PowerMeans(p) => p
                .powers()
                .iter()
                .map(|power| match power {
                    crate::pool::Power::Odd(k) => format!("p{k}"),
                    other => other.to_string(),
                })
                .collect(),
        };
        parts
            .iter()
            .flat_map(|part| (0..self.dims).map(move |d| format!("{part}_{d}")))
            .collect()
    }

    /// Features of labelled texts as a linfa dataset: records `texts x
    /// features` with [`Featurizer::feature_names`], targets the class
    /// indices, and the class names they index beside it (a linfa dataset
    /// names its target columns, not the classes).
    ///
    /// ```
    /// use embed_tl::features::FeaturizerParams;
    /// use embed_tl::Vectors;
    /// use linfa::prelude::*;
    ///
    /// let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
    /// let texts = ["great phone", "awful battery", "love it"];
    /// let featurizer = FeaturizerParams::default().fit(&vectors, &texts)?;
    /// let classes = ["neg".to_string(), "pos".to_string()];
    /// let data = featurizer.labelled(&vectors, &texts, &[1, 0, 1], &classes)?;
    /// assert_eq!(data.dataset.nsamples(), 3);
    /// assert_eq!(data.dataset.feature_names()[0], "mean_0");
    /// assert_eq!(data.classes[data.dataset.targets[1]], "neg");
    /// # Ok::<(), embed_tl::Error>(())
    /// ```
    pub fn labelled<T: AsRef<str> + Sync>(
        &self,
        vectors: &Vectors,
        texts: &[T],
        labels: &[usize],
        classes: &[String],
    ) -> Result<LabelledFeatures> {
        crate::corpus::check_labels(texts.len(), labels, classes)?;
        let records = self.transform(vectors, texts)?;
        let dataset = linfa::Dataset::new(records, ndarray::Array1::from(labels.to_vec()))
            .with_feature_names(self.feature_names())
            .with_target_names(vec!["class"]);
        Ok(LabelledFeatures {
            dataset,
            classes: classes.to_vec(),
        })
    }

    /// Features of `texts`, one row per text.
    pub fn transform<T: AsRef<str> + Sync>(
        &self,
        vectors: &Vectors,
        texts: &[T],
    ) -> Result<ndarray::Array2<f32>> {
        let mut out = ndarray::Array2::<f32>::zeros((texts.len(), self.width()));
        let values = out.as_slice_mut().expect("fresh arrays are contiguous");
        self.transform_into(vectors, texts, values)?;
        Ok(out)
    }

    /// [`Featurizer::transform`] into rows the caller owns: `out` holds
    /// `texts.len()` rows of [`Featurizer::width`] values, row after row
    /// (so a long stream of texts can be featurised block by block into
    /// one matrix).
    pub fn transform_into<T: AsRef<str> + Sync>(
        &self,
        vectors: &Vectors,
        texts: &[T],
        out: &mut [f32],
    ) -> Result<()> {
        self.check(vectors)?;
        let width = self.width();
        if out.len() != texts.len() * width {
            return Err(Error::InvalidInput(format!(
                "output has {} values, {} texts of {width} features need {}",
                out.len(),
                texts.len(),
                texts.len() * width
            )));
        }
        if width > 0 {
            out.par_chunks_mut(CHUNK * width)
                .zip(texts.par_chunks(CHUNK))
                .for_each_init(Scratch::default, |scratch, (rows, chunk)| {
                    for (text, row) in chunk.iter().zip(rows.chunks_exact_mut(width)) {
                        self.featurize(vectors, text.as_ref(), scratch, row, None);
                    }
                });
        }
        Ok(())
    }

    /// Features of `texts` and a report of how well the vectors cover them.
    pub fn transform_with_coverage<T: AsRef<str> + Sync>(
        &self,
        vectors: &Vectors,
        texts: &[T],
    ) -> Result<(ndarray::Array2<f32>, Coverage)> {
        self.check(vectors)?;
        let width = self.width();
        let mut out = ndarray::Array2::<f32>::zeros((texts.len(), width));
        let values = out.as_slice_mut().expect("fresh arrays are contiguous");
        let counter = values
            .par_chunks_mut((CHUNK * width).max(1))
            .zip(texts.par_chunks(CHUNK))
            .map(|(rows, chunk)| {
                let mut scratch = Scratch::default();
                let mut counter = CoverageCounter::default();
                let mut rows = rows.chunks_exact_mut(width.max(1));
                for text in chunk {
                    let mut empty = [];
                    let row = rows.next().unwrap_or(&mut empty);
                    self.featurize(
                        vectors,
                        text.as_ref(),
                        &mut scratch,
                        row,
                        Some(&mut counter),
                    );
                }
                counter
            })
            .reduce(CoverageCounter::default, CoverageCounter::merge);
        Ok((out, counter.finish()))
    }

    /// Features of one text into `out` (length [`Featurizer::width`]).
    pub fn transform_one(&self, vectors: &Vectors, text: &str, out: &mut [f32]) -> Result<()> {
        self.check(vectors)?;
        if out.len() != self.width() {
            return Err(Error::InvalidInput(format!(
                "output has {} values, the featurizer makes {}",
                out.len(),
                self.width()
            )));
        }
        self.featurize(vectors, text, &mut Scratch::default(), out, None);
        Ok(())
    }

    fn check(&self, vectors: &Vectors) -> Result<()> {
        if vectors.dims() != self.dims {
            return Err(Error::VectorsMismatch {
                expected_dims: self.dims,
                found_dims: Some(vectors.dims()),
                message: format!(
                    "the featurizer was fitted on {}-dimensional vectors, these have {}",
                    self.dims,
                    vectors.dims()
                ),
            });
        }
        Ok(())
    }

    fn featurize(
        &self,
        vectors: &Vectors,
        text: &str,
        scratch: &mut Scratch,
        out: &mut [f32],
        counter: Option<&mut CoverageCounter>,
    ) {
        self.featurize_with(vectors, text, scratch, out, counter, |_| {});
    }

    /// [`Featurizer::featurize`], also handing every token to `on_token`
    /// (so another channel can reuse this tokenisation).
    pub(crate) fn featurize_with(
        &self,
        vectors: &Vectors,
        text: &str,
        scratch: &mut Scratch,
        out: &mut [f32],
        mut counter: Option<&mut CoverageCounter>,
        mut on_token: impl FnMut(&str),
    ) {
        let dims = self.dims;
        let Scratch {
            text: buf,
            vectors: rows,
            weights,
            lower,
            found,
        } = scratch;
        rows.clear();
        weights.clear();
        found.clear();
        self.tokenizer.for_each_token(text, buf, |token| {
            // Each token gets the next row of the document buffer. A word
            // of the vocabulary is only located now (and its row fetched
            // into the cache) and copied below, once the text is
            // tokenised: the rows of a text, scattered over a large
            // matrix, then arrive from memory together instead of one
            // after the other. The values are the same.
            let at = rows.len();
            rows.resize(at + dims, 0.0);
            let hit = match word_index(vectors, token, lower) {
                Some(idx) => {
                    vectors.prefetch_row(idx);
                    found.push((at, idx));
                    true
                }
                None => {
                    vectors.has_subwords()
                        && vectors.embedding_into(token, self.scale, &mut rows[at..])
                }
            };
            if hit {
                weights.push(self.pool.weight(token));
            } else {
                rows.truncate(at);
            }
            if let Some(c) = counter.as_deref_mut() {
                c.token(token, hit);
            }
            on_token(token);
        });
        for &(at, idx) in found.iter() {
            vectors.row_into(idx, self.scale, &mut rows[at..at + dims]);
        }
        if let Some(c) = counter {
            c.doc(!weights.is_empty());
        }
        if out.is_empty() {
            return;
        }
        let doc = Doc {
            vectors: rows,
            weights,
            dims,
        };
        self.pool.pool(&doc, out);
        if self.normalize {
            let norm = out.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                out.iter_mut().for_each(|v| *v /= norm);
            }
        }
    }
}

/// The vocabulary index of a token: exact, then lowercased.
fn word_index(vectors: &Vectors, token: &str, lower: &mut String) -> Option<usize> {
    if let Some(idx) = vectors.index(token) {
        return Some(idx);
    }
    if token.chars().any(char::is_uppercase) {
        lower.clear();
        lower.extend(token.chars().flat_map(char::to_lowercase));
        return vectors.index(lower);
    }
    None
}

/// How well a set of vectors covers a set of texts: the first answer to
/// "are my vectors related to my task?".
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Coverage {
    /// Number of texts.
    pub docs: u64,
    /// Texts in which no token has a vector (their features are zeros).
    pub docs_without_vectors: u64,
    /// Number of tokens.
    pub tokens: u64,
    /// Tokens that have a vector.
    pub tokens_found: u64,
    /// Number of distinct tokens.
    pub types: u64,
    /// Distinct tokens that have a vector.
    pub types_found: u64,
    /// The most frequent tokens without a vector, with their counts.
    pub top_missing: Vec<(String, u64)>,
}

impl Coverage {
    /// Measure coverage of `texts` by `vectors` with `tokenizer` (no
    /// features computed): e.g. to compare tokenizers.
    pub fn measure<T: AsRef<str> + Sync>(
        vectors: &Vectors,
        tokenizer: &Tokenizer,
        texts: &[T],
    ) -> Coverage {
        texts
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut counter = CoverageCounter::default();
                let (mut buf, mut lower) = (String::new(), String::new());
                let mut row = vec![0.0; vectors.dims()];
                for text in chunk {
                    let mut any = false;
                    tokenizer.for_each_token(text.as_ref(), &mut buf, |token| {
                        let found = word_index(vectors, token, &mut lower).is_some()
                            || (vectors.has_subwords()
                                && vectors.embedding_into(token, Scale::Unit, &mut row));
                        any |= found;
                        counter.token(token, found);
                    });
                    counter.doc(any);
                }
                counter
            })
            .reduce(CoverageCounter::default, CoverageCounter::merge)
            .finish()
    }

    /// Share of tokens that have a vector (0 for no tokens).
    pub fn token_rate(&self) -> f64 {
        ratio(self.tokens_found, self.tokens)
    }

    /// Share of distinct tokens that have a vector.
    pub fn type_rate(&self) -> f64 {
        ratio(self.types_found, self.types)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl std::fmt::Display for Coverage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "coverage: {:.1}% of {} tokens and {:.1}% of {} distinct words have vectors; {} of {} texts have none",
            100.0 * self.token_rate(),
            self.tokens,
            100.0 * self.type_rate(),
            self.types,
            self.docs_without_vectors,
            self.docs
        )?;
        if !self.top_missing.is_empty() {
            let list: Vec<String> = self
                .top_missing
                .iter()
                .map(|(w, c)| format!("{w} ({c})"))
                .collect();
            write!(f, "most frequent missing: {}", list.join(", "))?;
        }
        Ok(())
    }
}

#[derive(Default)]
pub(crate) struct CoverageCounter {
    docs: u64,
    empty: u64,
    tokens: u64,
    found: u64,
    /// Token -> (count, found).
    words: HashMap<String, (u64, bool)>,
}

impl CoverageCounter {
    fn token(&mut self, token: &str, found: bool) {
        self.tokens += 1;
        self.found += u64::from(found);
        match self.words.get_mut(token) {
            Some(entry) => entry.0 += 1,
            None => {
                self.words.insert(token.to_string(), (1, found));
            }
        }
    }

    fn doc(&mut self, any_found: bool) {
        self.docs += 1;
        self.empty += u64::from(!any_found);
    }

    fn merge(mut self, other: CoverageCounter) -> CoverageCounter {
        self.docs += other.docs;
        self.empty += other.empty;
        self.tokens += other.tokens;
        self.found += other.found;
        for (word, (count, found)) in other.words {
            self.words.entry(word).or_insert((0, found)).0 += count;
        }
        self
    }

    fn finish(self) -> Coverage {
        let types = self.words.len() as u64;
        let types_found = self.words.values().filter(|(_, f)| *f).count() as u64;
        let mut missing: Vec<(String, u64)> = self
            .words
            .into_iter()
            .filter(|(_, (_, f))| !f)
            .map(|(w, (c, _))| (w, c))
            .collect();
        missing.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        missing.truncate(TOP_MISSING);
        Coverage {
            docs: self.docs,
            docs_without_vectors: self.empty,
            tokens: self.tokens,
            tokens_found: self.found,
            types,
            types_found,
            top_missing: missing,
        }
    }
}
