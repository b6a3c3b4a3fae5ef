//! A small trainable layer over the pretrained vectors: the word vectors
//! of the training texts are fine-tuned under a linear softmax on their
//! mean, fastText's supervised recipe (`fasttext supervised
//! -pretrainedVectors`, Joulin et al. 2017), on the vectors and tokenizer
//! the rest of the toolkit uses.
//!
//! A text is its tokens, an end-of-text token (fastText's `</s>`, which
//! learns a bias), with [`FineTuneParams::start`] its first token marked
//! as the first (a bigram of a start-of-text token and the first word,
//! which fastText does not have) and, with [`FineTuneParams::bigrams`],
//! the pairs of adjacent ones. Each has a row: a word the vectors know
//! starts from its pretrained vector, anything else (unknown words,
//! bigrams, the start pair, the end token) from uniform noise in
//! `±1/dims`. The document is the mean of its
//! rows, one matrix (zeros at the start) scores the classes, and
//! stochastic gradient descent on the log-loss moves both, one text at a
//! time, the learning rate falling linearly to zero over the epochs. Only
//! rows seen in training are learned; with [`FineTuneParams::unseen_words`]
//! (the default) a word first met when predicting brings its pretrained
//! vector, as in fastText, whose dictionary holds every pretrained word.
//!
//! One difference from `fasttext supervised -pretrainedVectors` is
//! deliberate: fastText counts the pretrained file's words among the
//! training tokens that set its number of updates, so with a large file
//! it makes hundreds or thousands of passes over a small training set
//! where it was asked for `-epoch`. This layer makes exactly
//! [`FineTuneParams::epochs`] passes (`docs/benchmarks.md`, issue 14's
//! tenth slice, measures both).
//!
//! ```
//! use embed_tl::model::FineTuneParams;
//! use embed_tl::text::Tokenizer;
//! use embed_tl::Vectors;
//!
//! # fn main() -> embed_tl::Result<()> {
//! let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
//! let tokenizer = Tokenizer::for_vectors(&vectors);
//! let texts = ["a wonderful film", "a dreadful film", "wonderful acting", "dreadful acting"];
//! let model = FineTuneParams::default().fit(&vectors, &tokenizer, &texts, &[1, 0, 1, 0], 2)?;
//! assert_eq!(model.predict(&vectors, &["wonderful", "dreadful"])?, [1, 0]);
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;

use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::ClassWeight;
use crate::error::{Error, Result};
use crate::text::Tokenizer;
use crate::vectors::{Scale, Vectors};

/// The end-of-text token every text ends with (fastText's `</s>`); no
/// tokenizer yields it from text, so its row is a learned bias.
const END: &str = "</s>";

/// Joins the two tokens of a bigram's key: no tokenizer yields it.
const PAIR: char = '\u{0}';

/// The start-of-text token of [`FineTuneParams::start`]'s pair, the
/// control character STX: no tokenizer yields it (`<s>` is a special token
/// of some), so no bigram of the text has its pair's key. It has no row of
/// its own (it would be a second bias beside [`END`]).
const START: &str = "\u{2}";

/// A start pair has a row only when at least this many training texts
/// open with its word: a pair of one text would learn that text alone,
/// and the n-gram channel keeps no n-gram of one text either.
const START_MIN_TEXTS: usize = 2;

/// Fine-tuning settings (a consuming builder). The defaults are the
/// fastText recipe `benches/small_n.py` compares against (25 epochs,
/// learning rate 0.5, bigrams) and a row for the first word as the first
/// ([`FineTuneParams::start`]).
#[derive(Clone, Debug, PartialEq)]
pub struct FineTuneParams {
    epochs: usize,
    lr: f32,
    bigrams: bool,
    start: bool,
    unseen_words: bool,
    class_weight: ClassWeight,
    seed: u64,
}

impl Default for FineTuneParams {
    fn default() -> Self {
        FineTuneParams {
            epochs: 25,
            lr: 0.5,
            bigrams: true,
            start: true,
            unseen_words: true,
            class_weight: ClassWeight::Uniform,
            seed: 42,
        }
    }
}

impl FineTuneParams {
    /// Passes over the training texts. Default 25.
    pub fn epochs(mut self, n: usize) -> Self {
        self.epochs = n;
        self
    }

    /// The starting learning rate, falling linearly to 0. Default 0.5.
    pub fn lr(mut self, lr: f32) -> Self {
        self.lr = lr;
        self
    }

    /// Give each pair of adjacent tokens a row too. Default true.
    pub fn bigrams(mut self, on: bool) -> Self {
        self.bigrams = on;
        self
    }

    /// Give the first token of a text a second row, as the first: the
    /// bigram of a start-of-text token and that token (`what` opening a
    /// question, `cancel` opening a request), learned from noise as the
    /// bigrams are, for the tokens that open at least two training texts.
    /// The end token already marks the last word's place, through the last
    /// bigram. fastText has no such row; on TREC-6's questions it is worth
    /// about a point from 20 to 200 labelled texts (`docs/benchmarks.md`,
    /// issue 14's seventeenth slice). Default true.
    pub fn start(mut self, on: bool) -> Self {
        self.start = on;
        self
    }

    /// When predicting, a word never seen in training counts with its
    /// pretrained vector, as in fastText (true), or not at all (false).
    /// Default true.
    pub fn unseen_words(mut self, on: bool) -> Self {
        self.unseen_words = on;
        self
    }

    /// How much each training text counts, by its class. With
    /// [`ClassWeight::Balanced`] a text of class `k` has weight
    /// `w = n / (classes * n_k)` (the logistic regression's loss weight):
    /// a text of `w <= 1` is visited once an epoch with steps `w` times
    /// the learning rate, a text of a rarer class `ceil(w)` times with
    /// steps `w / ceil(w)` times it, so no step outgrows the learning
    /// rate. Default [`ClassWeight::Uniform`]: every text once an epoch,
    /// at the learning rate.
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.class_weight = w;
        self
    }

    /// Seed of the starting noise and of the order of the texts in each
    /// epoch. Default 42.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Fail on settings that cannot work.
    pub fn check(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(Error::InvalidParameter("epochs must be at least 1".into()));
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return Err(Error::InvalidParameter(format!(
                "the learning rate must be a number above 0, got {}",
                self.lr
            )));
        }
        Ok(())
    }

    /// Fine-tune on `texts` with labels in `0..classes`, split by
    /// `tokenizer` (match it to `vectors`: [`Tokenizer::for_vectors`]).
    pub fn fit<T: AsRef<str>>(
        &self,
        vectors: &Vectors,
        tokenizer: &Tokenizer,
        texts: &[T],
        labels: &[usize],
        classes: usize,
    ) -> Result<FineTuned> {
        self.check()?;
        super::check_labels(labels, texts.len(), "texts", classes)?;
        let dims = vectors.dims();
        let bound = 1.0 / dims as f32;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut rows: HashMap<String, usize> = HashMap::new();
        let mut input: Vec<f32> = Vec::new();
        // Each text's rows, and its token count (the end token included,
        // bigrams not: what the learning rate's schedule counts).
        let mut docs: Vec<(Vec<usize>, usize)> = Vec::with_capacity(texts.len());
        let mut keys = Keys::default();
        let opening = self.opening_counts(tokenizer, texts, &mut keys);
        for text in texts {
            let (mut ids, mut tokens) = (Vec::new(), 1);
            keys.visit(tokenizer, self.shape(), text.as_ref(), |key, word| {
                if !word
                    && key.starts_with(START)
                    && opening.get(key).is_some_and(|&n| n < START_MIN_TEXTS)
                {
                    return;
                }
                tokens += usize::from(word);
                let row = match rows.get(key) {
                    Some(&row) => row,
                    None => {
                        let row = rows.len();
                        input.resize((row + 1) * dims, 0.0);
                        let init = &mut input[row * dims..];
                        if !(word && vectors.embedding_into(key, Scale::Original, init)) {
                            init.iter_mut()
                                .for_each(|v| *v = rng.random_range(-bound..bound));
                        }
                        rows.insert(key.to_string(), row);
                        row
                    }
                };
                ids.push(row);
            });
            docs.push((ids, tokens));
        }
        if let Some(v) = input.iter().find(|v| !v.is_finite()) {
            return Err(Error::InvalidInput(format!(
                "the word vectors of the training texts hold {v}: fine-tuning needs finite numbers"
            )));
        }
        let mut output = vec![0.0f32; classes * dims];
        let (mut order, step) = self.visits(labels, classes);
        let total = (self.epochs * order.iter().map(|&i| docs[i].1).sum::<usize>()) as f64;
        let mut seen = 0usize;
        let (mut hidden, mut grad, mut probs) = (
            vec![0.0f32; dims],
            vec![0.0f32; dims],
            vec![0.0f32; classes],
        );
        for _ in 0..self.epochs {
            order.shuffle(&mut rng);
            for &i in &order {
                let (ids, tokens) = &docs[i];
                let lr = self.lr
                    * (1.0 - seen as f64 / total) as f32
                    * step.get(i).copied().unwrap_or(1.0);
                seen += tokens;
                mean_of(&input, dims, ids, &mut hidden);
                class_probabilities(&output, &hidden, &mut probs);
                grad.fill(0.0);
                for (k, (w, &p)) in output.chunks_exact_mut(dims).zip(&probs).enumerate() {
                    let alpha = lr * (f32::from(u8::from(k == labels[i])) - p);
                    grad.iter_mut()
                        .zip(w.iter())
                        .for_each(|(g, &w)| *g += alpha * w);
                    w.iter_mut()
                        .zip(&hidden)
                        .for_each(|(w, &h)| *w += alpha * h);
                }
                let share = 1.0 / ids.len() as f32;
                for &row in ids {
                    input[row * dims..(row + 1) * dims]
                        .iter_mut()
                        .zip(&grad)
                        .for_each(|(v, &g)| *v += share * g);
                }
            }
        }
        if input.iter().chain(&output).any(|v| !v.is_finite()) {
            return Err(Error::Solver {
                message: format!(
                    "fine-tuning diverged (weights beyond f32): lower the learning rate ({})",
                    self.lr
                ),
            });
        }
        Ok(FineTuned {
            tokenizer: tokenizer.clone(),
            dims,
            classes,
            bigrams: self.bigrams,
            start: self.start,
            unseen_words: self.unseen_words,
            rows,
            input,
            output,
        })
    }

    /// With [`FineTuneParams::start`], how many of `texts` open with each
    /// start pair (by its key); empty without.
    fn opening_counts<T: AsRef<str>>(
        &self,
        tokenizer: &Tokenizer,
        texts: &[T],
        keys: &mut Keys,
    ) -> HashMap<String, usize> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        if !self.start {
            return counts;
        }
        let shape = Shape {
            bigrams: false,
            start: true,
        };
        for text in texts {
            // The keys are the tokens, the end token and the start pair,
            // the one key to begin with START.
            keys.visit(tokenizer, shape, text.as_ref(), |key, word| {
                if !word && key.starts_with(START) {
                    *counts.entry(key.to_string()).or_default() += 1;
                }
            });
        }
        counts
    }

    /// Which rows besides the tokens' a text has.
    fn shape(&self) -> Shape {
        Shape {
            bigrams: self.bigrams,
            start: self.start,
        }
    }

    /// The texts an epoch visits (each epoch shuffles them) and each
    /// text's step relative to the learning rate, empty when all are 1
    /// ([`FineTuneParams::class_weight`]).
    fn visits(&self, labels: &[usize], classes: usize) -> (Vec<usize>, Vec<f32>) {
        let weights = self.class_weight.of_texts(labels, classes);
        if weights.is_empty() {
            return ((0..labels.len()).collect(), weights);
        }
        // A text of weight w > 1 is visited ceil(w) times, each step
        // w / ceil(w): its whole weight, in steps no larger than the rate.
        let visits = |w: f32| w.ceil().max(1.0) as usize;
        let order = weights
            .iter()
            .enumerate()
            .flat_map(|(i, &w)| std::iter::repeat_n(i, visits(w)))
            .collect();
        let step = weights.iter().map(|&w| w / visits(w) as f32).collect();
        (order, step)
    }
}

/// Which keys a text has besides its tokens and the end token.
#[derive(Clone, Copy)]
struct Shape {
    /// The pairs of adjacent tokens.
    bigrams: bool,
    /// The pair of the start-of-text token and the first token.
    start: bool,
}

/// Buffers, reused from text to text, that list a text's row keys
/// without allocating per key (scoring runs through millions of texts).
#[derive(Default)]
struct Keys {
    /// The tokenizer's normalised text.
    normalised: String,
    /// The text's tokens and the end token, one after the other.
    tokens: String,
    /// Where each of them ends in `tokens`.
    ends: Vec<usize>,
    /// A bigram's key.
    pair: String,
}

impl Keys {
    /// Call `f(key, word)` on the row keys of `text` in order: its tokens
    /// (`word` true), the end token, with `shape.start` the start pair of a
    /// text with a token, then with `shape.bigrams` each pair of adjacent
    /// ones.
    fn visit(
        &mut self,
        tokenizer: &Tokenizer,
        shape: Shape,
        text: &str,
        mut f: impl FnMut(&str, bool),
    ) {
        let (tokens, ends) = (&mut self.tokens, &mut self.ends);
        tokens.clear();
        ends.clear();
        tokenizer.for_each_token(text, &mut self.normalised, |t| {
            tokens.push_str(t);
            ends.push(tokens.len());
        });
        let words = ends.len();
        tokens.push_str(END);
        ends.push(tokens.len());
        let token = |i: usize| &tokens[if i == 0 { 0 } else { ends[i - 1] }..ends[i]];
        for i in 0..ends.len() {
            f(token(i), i < words);
        }
        let mut pair = |a: &str, b: &str| {
            self.pair.clear();
            self.pair.push_str(a);
            self.pair.push(PAIR);
            self.pair.push_str(b);
            f(&self.pair, false);
        };
        if shape.start && words > 0 {
            pair(START, token(0));
        }
        if shape.bigrams {
            for i in 1..ends.len() {
                pair(token(i - 1), token(i));
            }
        }
    }
}

/// `hidden` = the mean of `ids`' rows of `input` (`dims` wide).
fn mean_of(input: &[f32], dims: usize, ids: &[usize], hidden: &mut [f32]) {
    hidden.fill(0.0);
    for &row in ids {
        hidden
            .iter_mut()
            .zip(&input[row * dims..(row + 1) * dims])
            .for_each(|(h, &v)| *h += v);
    }
    let share = 1.0 / ids.len().max(1) as f32;
    hidden.iter_mut().for_each(|h| *h *= share);
}

/// The softmax of `output` (one row per class) times `hidden`, into
/// `probs`.
fn class_probabilities(output: &[f32], hidden: &[f32], probs: &mut [f32]) {
    let dims = hidden.len();
    for (p, w) in probs.iter_mut().zip(output.chunks_exact(dims)) {
        *p = w.iter().zip(hidden).map(|(a, b)| a * b).sum();
    }
    let max = probs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    probs.iter_mut().for_each(|p| *p = (*p - max).exp());
    let sum: f32 = probs.iter().sum();
    probs.iter_mut().for_each(|p| *p /= sum);
}

/// A fine-tuned model: the rows of the training tokens and the class
/// matrix. Predicts from texts, with the vectors it was tuned from for the
/// words it never saw. Saved (inside a model file) with its row keys in
/// row order, so the same model writes the same bytes.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(from = "SavedFineTuned", into = "SavedFineTuned")]
pub struct FineTuned {
    tokenizer: Tokenizer,
    dims: usize,
    classes: usize,
    bigrams: bool,
    start: bool,
    unseen_words: bool,
    rows: HashMap<String, usize>,
    /// `rows.len() x dims`, row-major.
    input: Vec<f32>,
    /// `classes x dims`, row-major.
    output: Vec<f32>,
}

/// [`FineTuned`] as saved: the row keys in row order instead of the map.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedFineTuned {
    tokenizer: Tokenizer,
    dims: usize,
    classes: usize,
    bigrams: bool,
    /// Absent (false) in the files of builds before the start pair, and
    /// not written when false: such a layer saves the same bytes as then.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    start: bool,
    unseen_words: bool,
    keys: Vec<String>,
    input: Vec<f32>,
    output: Vec<f32>,
}

impl From<FineTuned> for SavedFineTuned {
    fn from(m: FineTuned) -> SavedFineTuned {
        let mut keys = vec![String::new(); m.rows.len()];
        for (key, row) in m.rows {
            if let Some(slot) = keys.get_mut(row) {
                *slot = key;
            }
        }
        SavedFineTuned {
            tokenizer: m.tokenizer,
            dims: m.dims,
            classes: m.classes,
            bigrams: m.bigrams,
            start: m.start,
            unseen_words: m.unseen_words,
            keys,
            input: m.input,
            output: m.output,
        }
    }
}

impl From<SavedFineTuned> for FineTuned {
    fn from(s: SavedFineTuned) -> FineTuned {
        FineTuned {
            tokenizer: s.tokenizer,
            dims: s.dims,
            classes: s.classes,
            bigrams: s.bigrams,
            start: s.start,
            unseen_words: s.unseen_words,
            rows: s
                .keys
                .into_iter()
                .enumerate()
                .map(|(i, k)| (k, i))
                .collect(),
            input: s.input,
            output: s.output,
        }
    }
}

impl FineTuned {
    /// Whether a model read from a file is consistent: `classes` classes
    /// of `dims`-dimensional rows, one row per distinct key, finite values.
    pub(crate) fn check(&self, classes: usize, dims: usize) -> std::result::Result<(), String> {
        if self.classes != classes || self.dims != dims {
            return Err(format!(
                "a tuned layer of {} classes and {} dimensions in a model of {classes} classes on {dims}-d vectors",
                self.classes, self.dims
            ));
        }
        if self.input.len() != self.rows.len() * dims || self.output.len() != classes * dims {
            return Err(format!(
                "a tuned layer of {} values for {} distinct rows of {dims}",
                self.input.len(),
                self.rows.len()
            ));
        }
        if self
            .input
            .iter()
            .chain(&self.output)
            .any(|v| !v.is_finite())
        {
            return Err("a tuned layer holds a value that is not a finite number".into());
        }
        Ok(())
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Whether a text's first token has a row as the first
    /// ([`FineTuneParams::start`]); false in layers saved before it.
    pub fn start(&self) -> bool {
        self.start
    }

    /// Rows learned: the training texts' distinct tokens, bigrams and
    /// start pairs, and the end token.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Class probabilities of each text (`texts x classes`). `vectors`
    /// must be the ones the model was tuned from (their dimension is
    /// checked); they give the words never seen in training their
    /// pretrained vectors.
    pub fn predict_proba<T: AsRef<str>>(
        &self,
        vectors: &Vectors,
        texts: &[T],
    ) -> Result<Array2<f32>> {
        if vectors.dims() != self.dims {
            return Err(Error::InvalidInput(format!(
                "the model was tuned from {}-dimensional vectors, these have {}",
                self.dims,
                vectors.dims()
            )));
        }
        let dims = self.dims;
        let mut out = Array2::zeros((texts.len(), self.classes));
        let (mut hidden, mut word, mut probs) = (
            vec![0.0f32; dims],
            vec![0.0f32; dims],
            vec![0.0f32; self.classes],
        );
        let mut keys = Keys::default();
        for (i, (text, mut row)) in texts.iter().zip(out.rows_mut()).enumerate() {
            hidden.fill(0.0);
            let mut count = 0usize;
            keys.visit(
                &self.tokenizer,
                Shape {
                    bigrams: self.bigrams,
                    start: self.start,
                },
                text.as_ref(),
                |key, is_word| {
                    let v: &[f32] = match self.rows.get(key) {
                        Some(&r) => &self.input[r * dims..(r + 1) * dims],
                        None if is_word
                            && self.unseen_words
                            && vectors.embedding_into(key, Scale::Original, &mut word) =>
                        {
                            &word
                        }
                        None => return,
                    };
                    hidden.iter_mut().zip(v).for_each(|(h, &x)| *h += x);
                    count += 1;
                },
            );
            let share = 1.0 / count.max(1) as f32;
            hidden.iter_mut().for_each(|h| *h *= share);
            class_probabilities(&self.output, &hidden, &mut probs);
            if probs.iter().any(|p| !p.is_finite()) {
                return Err(Error::InvalidInput(format!(
                    "text {} of the batch: its word vectors are not finite numbers, so it has no probabilities",
                    i + 1
                )));
            }
            row.iter_mut().zip(&probs).for_each(|(o, &p)| *o = p);
        }
        Ok(out)
    }

    /// The most probable class of each text.
    pub fn predict<T: AsRef<str>>(&self, vectors: &Vectors, texts: &[T]) -> Result<Vec<usize>> {
        let proba = self.predict_proba(vectors, texts)?;
        Ok(proba
            .rows()
            .into_iter()
            .map(|r| super::argmax(r.as_slice().unwrap_or(&[])))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped vectors and the tokenizer matched to them.
    fn glove_and_tokenizer() -> (Vectors, Tokenizer) {
        let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu").unwrap();
        let tokenizer = Tokenizer::for_vectors(&vectors);
        (vectors, tokenizer)
    }

    /// Four questions, "where" (0) and "who" (1).
    const QUESTIONS: ([&str; 4], [usize; 4]) = (
        [
            "where is paris",
            "who wrote hamlet",
            "where is rome",
            "who painted it",
        ],
        [0, 1, 0, 1],
    );

    /// A text's keys: its tokens, the end token, the start pair, then its
    /// bigrams.
    #[test]
    fn a_text_is_its_tokens_the_end_its_start_and_its_bigrams() {
        let tokenizer = Tokenizer {
            lowercase: true,
            ..Tokenizer::default()
        };
        let keys = |bigrams, start, text| {
            let mut all: Vec<(String, bool)> = Vec::new();
            Keys::default().visit(&tokenizer, Shape { bigrams, start }, text, |k, w| {
                all.push((k.to_string(), w))
            });
            all
        };
        let k = keys(true, true, "Where is it?");
        let names: Vec<&str> = k.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "where",
                "is",
                "it",
                "?",
                END,
                "\u{2}\0where",
                "where\0is",
                "is\0it",
                "it\0?",
                "?\0</s>"
            ]
        );
        let words: Vec<bool> = k.iter().map(|(_, w)| *w).collect();
        assert_eq!(
            words,
            [true, true, true, true, false, false, false, false, false, false]
        );
        let names = |k: Vec<(String, bool)>| k.into_iter().map(|(s, _)| s).collect::<Vec<_>>();
        assert_eq!(
            names(keys(false, true, "Where is it?")),
            ["where", "is", "it", "?", END, "\u{2}\0where"]
        );
        assert_eq!(
            names(keys(true, false, "Where is it?"))[5..],
            ["where\0is", "is\0it", "it\0?", "?\0</s>"]
        );
        // An empty text is the end token alone: no start pair.
        assert_eq!(names(keys(true, true, "")), [END]);
    }

    /// The start pair tells texts of the same words in another order
    /// apart: without bigrams, "paris where" and "where paris" are the
    /// same bag, and only the first word's row separates the classes. Only
    /// "where" opens two texts or more, so it is the one start pair.
    #[test]
    fn the_start_pair_learns_which_word_comes_first() {
        let (vectors, tokenizer) = glove_and_tokenizer();
        let cities = ["paris", "rome", "berlin", "madrid", "oslo", "vienna"];
        let texts: Vec<String> = cities
            .iter()
            .flat_map(|c| [format!("where {c}"), format!("{c} where")])
            .collect();
        let labels: Vec<usize> = (0..texts.len()).map(|i| i % 2).collect();
        let fit = |start| {
            FineTuneParams::default()
                .bigrams(false)
                .start(start)
                .fit(&vectors, &tokenizer, &texts, &labels, 2)
                .unwrap()
        };
        let with = fit(true);
        assert!(with.start());
        // The 6 cities, "where", the end token and the start pair of "where".
        assert_eq!(with.rows(), 6 + 1 + 1 + 1);
        assert_eq!(with.predict(&vectors, &texts).unwrap(), labels);
        // A new text opening with a first word of class 0.
        assert_eq!(with.predict(&vectors, &["where london"]).unwrap(), [0]);
        let without = fit(false);
        let p = without.predict_proba(&vectors, &texts).unwrap();
        assert_eq!(p.row(0), p.row(1));
    }

    /// Words the training never saw are placed by their pretrained
    /// vectors: trained on four words of each sentiment, the model labels
    /// eight others it never saw, and not without them.
    #[test]
    fn unseen_words_keep_what_the_vectors_know() {
        let (vectors, tokenizer) = glove_and_tokenizer();
        let texts = [
            "excellent",
            "wonderful",
            "superb",
            "delightful",
            "awful",
            "terrible",
            "horrible",
            "dreadful",
        ];
        let labels = [1, 1, 1, 1, 0, 0, 0, 0];
        let params = FineTuneParams::default().seed(7);
        let model = params
            .fit(&vectors, &tokenizer, &texts, &labels, 2)
            .unwrap();
        assert_eq!(model.predict(&vectors, &texts).unwrap(), labels);
        let unseen = [
            "magnificent",
            "brilliant",
            "marvelous",
            "fantastic",
            "atrocious",
            "abysmal",
            "appalling",
            "disgusting",
        ];
        assert_eq!(model.predict(&vectors, &unseen).unwrap(), labels);
        // Without them every unseen text is the end token alone: one class.
        let blind = params
            .unseen_words(false)
            .fit(&vectors, &tokenizer, &texts, &labels, 2)
            .unwrap();
        let guesses = blind.predict(&vectors, &unseen).unwrap();
        assert!(guesses.iter().all(|&g| g == guesses[0]));
        // The 8 words, the end token and 8 bigrams (each word and the
        // end); no start pair, as each word opens one text only.
        assert_eq!(model.rows(), 8 + 1 + 8);
    }

    /// The same seed, the same model; another seed, another start.
    #[test]
    fn the_seed_fixes_the_model() {
        let (vectors, tokenizer) = glove_and_tokenizer();
        let (texts, labels) = QUESTIONS;
        let fit = |seed| {
            FineTuneParams::default()
                .seed(seed)
                .fit(&vectors, &tokenizer, &texts, &labels, 2)
                .unwrap()
        };
        assert_eq!(fit(1), fit(1));
        assert_ne!(fit(1), fit(2));
        let p = fit(1)
            .predict_proba(&vectors, &["where is london"])
            .unwrap();
        assert!((p.sum() - 1.0).abs() < 1e-5 && p[[0, 0]] > 0.5);
    }

    /// Balanced class weights give the rare class the common one's
    /// weight: trained on six "where" questions and one "who", the layer
    /// leans less towards "where" on a text of neither; without them an
    /// epoch visits every text once, at the learning rate.
    #[test]
    fn balanced_class_weights_lift_a_rare_class() {
        let (vectors, tokenizer) = glove_and_tokenizer();
        let texts = [
            "where is paris",
            "where is rome",
            "where is london",
            "where is berlin",
            "where is madrid",
            "where is oslo",
            "who wrote hamlet",
        ];
        let labels = [0, 0, 0, 0, 0, 0, 1];
        let rare = |w: ClassWeight| {
            let model = FineTuneParams::default()
                .class_weight(w)
                .fit(&vectors, &tokenizer, &texts, &labels, 2)
                .unwrap();
            model.predict_proba(&vectors, &["it was"]).unwrap()[[0, 1]]
        };
        let (uniform, balanced) = (rare(ClassWeight::Uniform), rare(ClassWeight::Balanced));
        assert!(balanced > 2.0 * uniform, "{balanced} against {uniform}");
        let (order, step) = FineTuneParams::default().visits(&labels, 2);
        assert_eq!((order, step), ((0..7).collect(), vec![]));
        // Six texts of weight 7/12 once, one of weight 3.5 four times at
        // 3.5/4 of the rate: each class weighs 3.5.
        let (order, step) = FineTuneParams::default()
            .class_weight(ClassWeight::Balanced)
            .visits(&labels, 2);
        assert_eq!(order, [0, 1, 2, 3, 4, 5, 6, 6, 6, 6]);
        assert!((step[0] - 7.0 / 12.0).abs() < 1e-6 && (step[6] - 0.875).abs() < 1e-6);
    }

    /// Saved, the model lists its row keys in row order: the same bytes
    /// every time, and read back the same model.
    #[test]
    fn a_model_saves_the_same_bytes_and_reads_back_equal() {
        let (vectors, tokenizer) = glove_and_tokenizer();
        let (texts, labels) = QUESTIONS;
        let model = FineTuneParams::default()
            .fit(&vectors, &tokenizer, &texts, &labels, 2)
            .unwrap();
        let json = serde_json::to_string(&model).unwrap();
        // A second fit: its own map, iterated in another order.
        let again = FineTuneParams::default()
            .fit(&vectors, &tokenizer, &texts, &labels, 2)
            .unwrap();
        assert_eq!(json, serde_json::to_string(&again).unwrap());
        let saved: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(saved["keys"][0], "where");
        assert_eq!(saved["keys"].as_array().unwrap().len(), model.rows());
        let read: FineTuned = serde_json::from_str(&json).unwrap();
        assert_eq!(read, model);
        assert!(read.check(2, 50).is_ok());
        assert!(read.check(3, 50).is_err());
        assert_eq!(saved["start"], true);
        // Without the start pair the layer saves no `start` field, as the
        // builds before it did, and a layer saved then reads as one
        // without it.
        let old = FineTuneParams::default()
            .start(false)
            .fit(&vectors, &tokenizer, &texts, &labels, 2)
            .unwrap();
        let json = serde_json::to_string(&old).unwrap();
        assert!(!json.contains("\"start\""), "{json}");
        let read: FineTuned = serde_json::from_str(&json).unwrap();
        assert!(!read.start());
        assert_eq!(read, old);
    }

    #[test]
    fn bad_settings_and_inputs_are_errors() {
        let (vectors, tokenizer) = glove_and_tokenizer();
        let fit = |p: FineTuneParams, labels: &[usize], classes| {
            p.fit(&vectors, &tokenizer, &["a", "b"], labels, classes)
        };
        let d = FineTuneParams::default;
        assert!(fit(d().epochs(0), &[0, 1], 2).is_err());
        assert!(fit(d().lr(0.0), &[0, 1], 2).is_err());
        assert!(fit(d().lr(f32::NAN), &[0, 1], 2).is_err());
        assert!(fit(d(), &[0, 1], 1).is_err());
        assert!(fit(d(), &[0], 2).is_err());
        assert!(fit(d(), &[0, 2], 2).is_err());
        // Vectors of another dimension than the model's.
        let other = Vectors::open("tests/data/original-tools/ft_cbow_tiny.vec").unwrap();
        assert_ne!(other.dims(), 50);
        let model = fit(d(), &[0, 1], 2).unwrap();
        let err = model.predict(&other, &["a"]).unwrap_err().to_string();
        assert!(err.contains("50-dimensional"), "{err}");
    }
}
