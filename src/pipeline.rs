//! The whole classifier as one fitted, saveable object: frozen-vector
//! features and/or from-scratch n-grams, a linear model on top, label
//! names, and a fingerprint of the vectors it was trained with.
//!
//! ```
//! use embed_tl::pipeline::{FeatureSet, PipelineParams};
//! use embed_tl::Vectors;
//!
//! let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
//! let texts: Vec<String> = ["great phone", "love it", "works great", "awful",
//!     "broke fast", "waste of money"].map(String::from).to_vec();
//! let labels = [1, 1, 1, 0, 0, 0];
//! let classes = vec!["neg".to_string(), "pos".to_string()];
//! let params = PipelineParams::default().features(FeatureSet::Vectors).inner_folds(3);
//! let model = params.fit(Some(&vectors), &texts, &labels, &classes)?;
//! let predicted = model.predict(Some(&vectors), &["I love this great phone"])?;
//! assert_eq!(model.classes()[predicted[0]], "pos");
//! # Ok::<(), embed_tl::Error>(())
//! ```
//!
//! Fitting chooses the L2 strength `C` (and, for [`FeatureSet::Both`], the
//! weight `beta` of the standardised vector channel beside the n-grams) by
//! stratified inner k-fold cross-validation on the training texts, then
//! refits on all of them.

use std::fmt;
use std::io::{Read, Write};
use std::str::FromStr;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use linfa::ParamGuard;

use crate::error::{Error, Location, Result};

mod linfa_pipeline;
mod texts;

use crate::eval::{stratified_folds_keeping, training_rows};
use crate::features::{Featurizer, FeaturizerParams};
use crate::model::{Csr, Design, FineTuneParams, FineTuned, FittedLogistic, LogisticParams, MAX_C};
use crate::ngrams::{NgramParams, NgramVocab};
use crate::vectors::{Format, Scale, Vectors};
pub use linfa_pipeline::{LinfaPipeline, LinfaPipelineParams, ValidLinfaPipelineParams};
pub use texts::Texts;

/// The largest weight `beta` of the vector channel accepted. The vector
/// channel is standardised (unit variance per column) and TF-IDF rows have
/// unit length, so `beta` compares two channels of the same scale: the
/// defaults run from 0.03 to 1, and 10^3 already lets the vectors drown
/// the n-grams. Far beyond, the scaled features overflow the solver
/// (`--beta 1e20` made the L-BFGS of earlier releases search forever).
pub const MAX_BETA: f32 = 1e3;

/// Gradient-norm tolerance of the inner-CV fits that rank hyperparameters:
/// looser than the final fit's 1e-4, which saves most of the iterations.
/// It is on the Euclidean norm of the whole gradient; on the largest entry
/// alone, 1e-3 made the fits warm-started from C = 1 stop before their first
/// iteration at C = 10 and 100, so the grid could not tell those points
/// apart (measured on Banking77: every C = 100 fit and 8 of 12 at C = 10).
const INNER_TOLERANCE: f64 = 1e-3;

/// The ascending walk over the vector-channel weights `beta` stops at the
/// first weight whose best inner-CV accuracy falls below the best so far
/// by more than this many standard errors of that accuracy (binomial, over
/// every validated text). Large corpora drop clearly past their best weight
/// and skip the rest, which are the slowest fits (the largest weights
/// condition the problem worst: with the L-BFGS of earlier releases, 40
/// to 50 iterations per fit on Banking77 at beta = 1 against 5 to 20 at
/// 0.03); on small ones a drop is
/// within the noise, so the whole grid is tried as before. With 1 or 2
/// standard errors `benches/small_n.py` chose the same models on every draw
/// as the whole grid (docs/benchmarks.md).
const STOP_STANDARD_ERRORS: f64 = 2.0;

/// True when an inner-CV accuracy `last` is below `best` by more than
/// [`STOP_STANDARD_ERRORS`] binomial standard errors of `best` over
/// `validated` texts (with one success and one failure added, so that a
/// perfect `best` on a few texts does not make every drop look clear).
fn clear_drop(best: f64, last: f64, validated: usize) -> bool {
    let n = validated as f64;
    let p = (best * n + 1.0) / (n + 2.0);
    let se = (p * (1.0 - p) / (n + 2.0)).sqrt();
    best - last > STOP_STANDARD_ERRORS * se
}

/// The validated texts from which the walk over the vector weights also
/// stops at the first weight whose best point the selection could not
/// choose (below the best and outside its [`TRANSFER_STANDARD_ERRORS`]
/// band, [`largest_weight_out_of_band`]): on large sets the accuracy
/// falls smoothly past the best weight, and the larger ones are not
/// expected to come back into the band. On Rotten Tomatoes that leaves
/// 10 of the 20 points: 10-fold `classify` took 4.1 s instead of 7.5 s,
/// the same model chosen, and the accuracy table did not move
/// (docs/benchmarks.md). Below a few hundred
/// texts the accuracy by weight is too noisy for it: on the 54 draws of
/// `benches/small_n.py` (20 to 500 texts), stopping there changed 4
/// models, 3 for the worse (the UCI reviews at 50 texts -1.5 points on
/// average), so small sets keep the whole walk, which costs them under a
/// second.
const BAND_STOP_MIN_TEXTS: usize = 2000;

/// The held-out texts in one inner fold from which the selection
/// validates on that fold alone: one split, trained on the other folds,
/// instead of every fold in turn. From 10,000 validated texts the
/// binomial standard error of an accuracy near 90% is 0.3 points, under
/// the differences the grid is chosen on, and the other folds would only
/// repeat the ranking at k times the cost (with the default 3 inner folds,
/// from 30,000 training texts: IMDB's 45,000 reviews per outer fold).
/// Smaller sets keep every fold, where the noise is.
const ONE_FOLD_MIN_HELD: usize = 10_000;

/// The most weights (all grid points together) a one-fold selection keeps
/// to start the final fit from: 2^24, 128 MB of `f64`. A binary model on
/// 200,000 n-grams has 200,151; 20 of them fit. Beyond, the final fit
/// walks the C path as the cross-validated selection's does.
const KEPT_WEIGHTS_MAX: usize = 1 << 24;

/// How far (in paired standard errors) a grid point may trail the best
/// one and still be chosen for weighting the pretrained vectors more: the
/// selection takes the largest vector-channel weight `beta` whose best
/// point is within this many standard errors of the best point, the
/// standard error of the mean difference between the two on the same
/// validated texts (each right or wrong).
///
/// On a few dozen texts the inner CV cannot tell the 20 points apart, and
/// its argmax picked n-gram-heavy weights by noise where the vectors alone
/// did better (the UCI reviews at 50 to 200 texts: 3 to 4 points below the
/// vector channel on the test texts). The rule keeps the transfer the
/// toolkit is for unless the labels clearly say otherwise; on large sets
/// the standard error is small and the argmax stands. `benches/small_n.py`
/// tried 0, 0.5 and 1: 0.5 brought the default within 0.5 points of its
/// better channel on 15 of its 18 rows (12 before), the full-size
/// accuracies did not move, and 1 lost TREC-6 its n-gram advantage at 50
/// and 100 texts (docs/benchmarks.md). When the grid is ranked by
/// log-loss, a point must also not be clearly worse in log-loss
/// ([`LOSS_STANDARD_ERRORS`]).
const TRANSFER_STANDARD_ERRORS: f64 = 0.5;

/// Whether `candidate` is within `k` paired standard errors of `best`:
/// the two as right (true) or wrong on the same texts, in the same order.
fn within_paired(best: &[bool], candidate: &[bool], k: f64) -> bool {
    let n = best.len().min(candidate.len());
    if n < 2 {
        return false;
    }
    // Each difference is +1 (only `best` right), -1 (only `candidate`) or 0.
    let (mut plus, mut minus) = (0usize, 0usize);
    for (&a, &b) in best.iter().zip(candidate) {
        plus += usize::from(a && !b);
        minus += usize::from(b && !a);
    }
    let nf = n as f64;
    let mean = (plus as f64 - minus as f64) / nf;
    let var = ((plus + minus) as f64 - nf * mean * mean) / (nf - 1.0);
    mean <= k * (var.max(0.0) / nf).sqrt()
}

/// The index in `grid` of the point to choose: the best by `rank` (the
/// mean accuracy, ties to the lower mean held-out log-loss `losses`; or
/// the log-loss, ties to the higher accuracy; then the earlier point:
/// smaller `beta`, then smaller C), moved to the largest `beta` whose best
/// point is in the best one's band ([`in_band`], on `rights`, which say
/// which validated texts each point got right, and `losses`).
///
/// On a few dozen texts many points tie on accuracy; the earlier point
/// then meant the smallest C, whose near-uniform probabilities can still
/// rank the few validated texts right but not the test texts (a draw of
/// 100 Banking77 texts: C = 0.01, 14.4% on the test set). The log-loss
/// tells the tied points apart by how sure they were of the right class.
fn choose_point(
    grid: &[GridPoint],
    rights: &[Vec<bool>],
    losses: &[Losses],
    rank: Rank,
) -> Option<usize> {
    let best_of = |points: &mut dyn Iterator<Item = usize>| best_point(grid, losses, rank, points);
    let best = best_of(&mut (0..grid.len()))?;
    let mut betas: Vec<f32> = grid
        .iter()
        .map(|p| p.beta)
        .filter(|&b| b > grid[best].beta)
        .collect();
    betas.sort_by(f32::total_cmp);
    betas.dedup();
    for &beta in betas.iter().rev() {
        let top = best_of(&mut (0..grid.len()).filter(|&i| grid[i].beta == beta))?;
        if in_band(rights, losses, best, top, rank) {
            return Some(top);
        }
    }
    Some(best)
}

/// Whether grid point `top` is as good as the best point `best` within
/// the noise, so that the selection may take it for its larger vector
/// weight: its accuracy within [`TRANSFER_STANDARD_ERRORS`] of the best
/// ([`within_paired`]) and, when the grid is ranked by log-loss, its
/// log-loss not worse by more than [`LOSS_STANDARD_ERRORS`]
/// ([`clearly_worse`]).
fn in_band(rights: &[Vec<bool>], losses: &[Losses], best: usize, top: usize, rank: Rank) -> bool {
    within_paired(&rights[best], &rights[top], TRANSFER_STANDARD_ERRORS)
        && !(rank == Rank::LogLoss
            && clearly_worse(&losses[best], &losses[top], LOSS_STANDARD_ERRORS))
}

/// How far (in paired standard errors of the per-text difference) the
/// held-out log-loss of a larger vector weight may exceed the best
/// point's and still be in its band, when the grid is ranked by log-loss.
///
/// The band of [`TRANSFER_STANDARD_ERRORS`] compares accuracies, right or
/// wrong per text. On a few dozen texts a model of near-uniform
/// probabilities (the vector channel at C = 0.01) can rank as many
/// validated texts right as the best point while being far less sure of
/// them; the accuracy band then took it, and the test texts showed the
/// difference (a draw of 100 TREC-6 questions: log-loss 1.39 against the
/// best point's 1.19, the same inner-CV accuracy, 51.2% on the test set
/// against 62.2% for the n-grams alone). On the 162 draws of
/// `benches/small_n.py` with 9 seeds this rule changed 7 models, 6 for
/// the better: +0.11 points on average, TREC-6 at 100 texts +1.1, and the
/// default within 0.5 points of its better channel on 17 of 18 rows (16
/// before). 1.5 and 3 standard errors did as well or less; the log-loss
/// band alone (without the accuracy band) lost 1.7 points on the UCI
/// reviews at 100 texts (docs/benchmarks.md).
const LOSS_STANDARD_ERRORS: f64 = 2.0;

/// From this many tokens a text on average, and with at least
/// [`LONG_TEXT_MIN_TOKENS`] tokens of training text in all, the selection
/// does not lean towards the pretrained side: it takes the best point of
/// the inner CV (not the largest vector weight within the noise of the
/// best) and the tuned layer's best weight (not the largest within the
/// noise), and [`Selection::long_texts`] says so.
///
/// The leans pay on short texts, where a text's few words give the n-grams
/// little to learn from and the inner folds cannot tell the weights apart:
/// +0.8 points over 162 draws of 20 to 500 texts of 10 to 21 tokens. A
/// long text gives the n-grams hundreds of words, and its pooled vector
/// averages them towards a generic mean. On IMDB reviews cut by length
/// the leans cost 0.7 to 1.2 points at 50 to 500 texts of 83 tokens a
/// text, 0.9 to 2.0 at 50 to 200 texts of 113 tokens, and 1.2 at 200
/// texts of 62 tokens; on the 189 speeches of the 2012 US party
/// conventions (851 tokens) 2.3 and 5.3 points at 20 and 50 speeches
/// (docs/benchmarks.md, issue 14's twelfth and fourteenth slices). Between
/// the short sets' 21 tokens and the 52 to 65 of the debate statements
/// measured there, nothing was measured: 60 is a round number where the
/// gains begin.
pub const LONG_TEXT_MEAN_TOKENS: f64 = 60.0;

/// The tokens of training text in all (texts x their mean tokens) below
/// which even long texts keep the leans: a few dozen texts of moderate
/// length give the inner folds too little to rank the points (20
/// convention speeches, 17,000 tokens, are enough). Below it the
/// leans paid 2.1 points at 20 IMDB reviews of 83 tokens (1,660 tokens in
/// all; SE 1.2 on 10 draws, and +1.4, SE 0.5, on 10 more), and 1.1 and 0.9
/// at 20 and 50 of 62 tokens, each within about one standard error. On
/// book paragraphs in 12 classes (91 tokens) the rule did better at 20
/// texts (+1.05, SE 0.59): the floor has the least consistent support of
/// the two limits (docs/benchmarks.md, issue 14's fourteenth slice).
pub const LONG_TEXT_MIN_TOKENS: f64 = 4000.0;

/// The training texts a fit counts the tokens of: the first ones, so that
/// the count costs the same on IMDB's 50,000 reviews as on 2,000 texts.
/// It covers every text of a set small enough for [`FineTune::Auto`] to
/// tune a layer, so one count gives both the mean of
/// [`LONG_TEXT_MEAN_TOKENS`] and `auto`'s decision (and on such a set the
/// total of [`LONG_TEXT_MIN_TOKENS`] exactly).
const TOKEN_SAMPLE: usize = FINETUNE_AUTO_MAX_TEXTS;

/// The texts of a training set's first [`TOKEN_SAMPLE`] and their tokens
/// (split by `tokenizer`).
fn sample_tokens<T: AsRef<str>>(texts: &[T], tokenizer: &crate::text::Tokenizer) -> (usize, usize) {
    let sample = &texts[..texts.len().min(TOKEN_SAMPLE)];
    (sample.len(), count_tokens(sample, tokenizer, usize::MAX))
}

/// The long-text rule on a counted sample ([`sample_tokens`]) of a set of
/// `texts` texts: the mean tokens a text when the selection should not
/// lean ([`LONG_TEXT_MEAN_TOKENS`], [`LONG_TEXT_MIN_TOKENS`]).
fn long_text_rule((n, tokens): (usize, usize), texts: usize) -> Option<f64> {
    let mean = tokens as f64 / n.max(1) as f64;
    (mean >= LONG_TEXT_MEAN_TOKENS && mean * texts as f64 >= LONG_TEXT_MIN_TOKENS).then_some(mean)
}

/// The long-text rule on a whole training set, split by the vector
/// channel's `tokenizer`: `Some(mean tokens a text)` when its texts are
/// long enough and hold enough tokens in all that the selection takes the
/// inner CV's best point and blend weight with no lean towards the
/// pretrained side ([`LONG_TEXT_MEAN_TOKENS`], [`LONG_TEXT_MIN_TOKENS`]),
/// `None` when it leans. Counts the first [`FINETUNE_AUTO_MAX_TEXTS`]
/// texts, as a fit does; give the result to [`PipelineParams::long_texts`]
/// to hold every fit to it.
///
/// ```
/// use embed_tl::pipeline::long_texts;
/// use embed_tl::text::Tokenizer;
///
/// let tokenizer = Tokenizer::default();
/// let short = vec!["a short text"; 100];
/// assert_eq!(long_texts(&short, &tokenizer), None);
/// let long = vec!["word ".repeat(80); 100];
/// assert_eq!(long_texts(&long, &tokenizer), Some(80.0));
/// // 80 tokens a text, but 3,200 in all: too few to stop leaning.
/// assert_eq!(long_texts(&long[..40], &tokenizer), None);
/// ```
pub fn long_texts<T: AsRef<str>>(texts: &[T], tokenizer: &crate::text::Tokenizer) -> Option<f64> {
    long_text_rule(sample_tokens(texts, tokenizer), texts.len())
}

/// Who decides whether the selection leans towards the pretrained side
/// ([`PipelineParams::long_texts`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum LongTexts {
    /// Each fit, from the texts it is given (the default). A
    /// cross-validation fold's training part holds fewer texts than the
    /// whole set, so near [`LONG_TEXT_MIN_TOKENS`] its fits can decide
    /// otherwise than the fit on every text.
    #[default]
    PerFit,
    /// Decided once for every fit, as [`long_texts`] gives it: `Some(mean
    /// tokens a text)` for no lean, `None` for the leans. `classify`
    /// decides it on the whole training set, so that its cross-validation
    /// estimates the selection of the model it saves.
    Decided(Option<f64>),
}

/// The tokens of `texts` (split by `tokenizer`), counting stopped once
/// `limit` is reached.
fn count_tokens<T: AsRef<str>>(
    texts: &[T],
    tokenizer: &crate::text::Tokenizer,
    limit: usize,
) -> usize {
    let mut scratch = String::new();
    let mut tokens = 0;
    for text in texts {
        tokenizer.for_each_token(text.as_ref(), &mut scratch, |_| tokens += 1);
        if tokens >= limit {
            break;
        }
    }
    tokens
}

/// The held-out log-losses of one grid point: one per validated text, in
/// the order of its `rights`, and their mean.
#[derive(Clone, Debug, Default)]
struct Losses {
    texts: Vec<f64>,
    mean: f64,
}

impl Losses {
    fn new(texts: Vec<f64>) -> Losses {
        let mean = texts.iter().sum::<f64>() / texts.len().max(1) as f64;
        Losses { texts, mean }
    }
}

/// The index of the blend weight to keep, given each weight's held-out
/// log-losses (in [`BLEND_WEIGHTS`] order): the lowest mean (ties to the
/// smaller weight), then, with `lean` (short texts, or few:
/// [`LONG_TEXT_MEAN_TOKENS`], [`LONG_TEXT_MIN_TOKENS`]) and as for the
/// vector channel's weight, the largest weight not clearly worse than it
/// ([`LOSS_STANDARD_ERRORS`]): more transfer where the folds cannot tell.
fn blend_choice(losses: &[Losses], lean: bool) -> usize {
    let lowest = (0..losses.len()).fold(0, |b, i| {
        if losses[i].mean < losses[b].mean {
            i
        } else {
            b
        }
    });
    if !lean {
        return lowest;
    }
    (lowest..losses.len())
        .rev()
        .find(|&i| !clearly_worse(&losses[lowest], &losses[i], LOSS_STANDARD_ERRORS))
        .unwrap_or(lowest)
}

/// Whether `candidate`'s log-losses are worse than `best`'s by more than
/// `k` standard errors of their mean difference (the same texts, in the
/// same order). Fewer than 2 texts prove nothing: false.
fn clearly_worse(best: &Losses, candidate: &Losses, k: f64) -> bool {
    let n = best.texts.len().min(candidate.texts.len());
    if n < 2 {
        return false;
    }
    let diffs = candidate.texts.iter().zip(&best.texts).map(|(c, b)| c - b);
    let nf = n as f64;
    let mean = diffs.clone().sum::<f64>() / nf;
    let var = diffs.map(|d| (d - mean).powi(2)).sum::<f64>() / (nf - 1.0);
    mean > k * (var / nf).sqrt()
}

/// What ranks the grid's points: the inner-CV accuracy, the held-out
/// log-loss (see [`LOSS_RANK_MAX_TEXTS`]) or the macro-F1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rank {
    /// The highest mean accuracy, ties to the lower log-loss.
    Accuracy,
    /// The lowest mean log-loss, ties to the higher accuracy.
    LogLoss,
    /// The highest macro-F1 over the validated texts, ties to the lower
    /// log-loss.
    MacroF1,
}

impl Rank {
    /// How the grid of a model on `features` is ranked over `validated`
    /// texts when `select_by` asks for it.
    fn over(validated: usize, features: FeatureSet, select_by: SelectBy) -> Rank {
        match select_by {
            SelectBy::Auto if validated < LOSS_RANK_MAX_TEXTS && features.uses_vectors() => {
                Rank::LogLoss
            }
            SelectBy::Auto | SelectBy::Accuracy => Rank::Accuracy,
            SelectBy::LogLoss => Rank::LogLoss,
            SelectBy::MacroF1 => Rank::MacroF1,
        }
    }
}

/// What the inner cross-validation ranks its grid points by
/// (`--select-by`). Whatever ranks them, a larger vector weight as good
/// within the noise wins ([`PipelineParams::betas`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SelectBy {
    /// The held-out log-loss below 2,000 validated texts when the vectors
    /// are in, else the accuracy (the default: see the crate's
    /// `docs/benchmarks.md` for why).
    #[default]
    Auto,
    /// The mean inner-CV accuracy.
    Accuracy,
    /// The mean held-out log-loss.
    LogLoss,
    /// The macro-F1 over the validated texts (each class that has some
    /// counts the same, however few its texts): for uneven classes, with
    /// [`ClassWeight::Balanced`](crate::model::ClassWeight::Balanced).
    MacroF1,
}

impl FromStr for SelectBy {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(SelectBy::Auto),
            "accuracy" => Ok(SelectBy::Accuracy),
            "log-loss" => Ok(SelectBy::LogLoss),
            "macro-f1" => Ok(SelectBy::MacroF1),
            _ => Err(Error::InvalidParameter(format!(
                "unknown selection metric '{s}': expected auto, accuracy, log-loss or macro-f1"
            ))),
        }
    }
}

impl fmt::Display for SelectBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SelectBy::Auto => "auto",
            SelectBy::Accuracy => "accuracy",
            SelectBy::LogLoss => "log-loss",
            SelectBy::MacroF1 => "macro-f1",
        })
    }
}

/// Below this many training texts, [`FineTune::Auto`] blends in a tuned
/// layer (with fewer than [`FINETUNE_AUTO_MAX_TOKENS`] tokens too). At 1,000
/// and 2,000 texts the layer still adds about half a point, at 1.5 times the
/// cost; on the full shipped sets (3,000 to 12,752 texts) it adds 0 to 0.6
/// points at 1.2 to 2.8 times the cost (the crate's `docs/benchmarks.md`).
pub const FINETUNE_AUTO_MAX_TEXTS: usize = 2_000;
/// Below this many training tokens, [`FineTune::Auto`] blends in a tuned
/// layer (with fewer than [`FINETUNE_AUTO_MAX_TEXTS`] texts too): its 25
/// passes cost time in proportion to the tokens, so a few hundred long
/// documents go without.
pub const FINETUNE_AUTO_MAX_TOKENS: usize = 50_000;

/// When a pipeline blends in a tuned layer ([`PipelineParams::finetune`],
/// `--finetune`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FineTune {
    /// Never (the library's default).
    #[default]
    Off,
    /// On small training sets: fewer than [`FINETUNE_AUTO_MAX_TEXTS`]
    /// texts holding fewer than [`FINETUNE_AUTO_MAX_TOKENS`] tokens (the
    /// command line's default, and the Python package's).
    Auto,
    /// Always, whatever the size.
    On,
}

impl FineTune {
    /// `Auto` made definite for a training set of `texts` split by
    /// `tokenizer` (`On` or `Off`); `On` and `Off` as they are. What a fit
    /// does with `Auto` on these texts: `classify` resolves it once on the
    /// whole set, so that its cross-validation estimates the model it
    /// saves.
    pub fn resolve<T: AsRef<str>>(
        self,
        texts: &[T],
        tokenizer: &crate::text::Tokenizer,
    ) -> FineTune {
        if self != FineTune::Auto || texts.len() >= FINETUNE_AUTO_MAX_TEXTS {
            return self.for_size(texts.len(), 0);
        }
        let tokens = count_tokens(texts, tokenizer, FINETUNE_AUTO_MAX_TOKENS);
        self.for_size(texts.len(), tokens as u64)
    }

    /// [`FineTune::resolve`] for a training set already counted: `texts`
    /// texts holding `tokens` tokens (e.g. [`Coverage`](crate::features::Coverage)'s
    /// counts, made with the same tokenizer).
    pub fn for_size(self, texts: usize, tokens: u64) -> FineTune {
        let small = texts < FINETUNE_AUTO_MAX_TEXTS && tokens < FINETUNE_AUTO_MAX_TOKENS as u64;
        match self {
            FineTune::Auto if small => FineTune::On,
            FineTune::Auto => FineTune::Off,
            definite => definite,
        }
    }
}

impl FromStr for FineTune {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "off" => Ok(FineTune::Off),
            "auto" => Ok(FineTune::Auto),
            "on" => Ok(FineTune::On),
            _ => Err(Error::InvalidParameter(format!(
                "unknown --finetune setting '{s}': expected auto, on or off"
            ))),
        }
    }
}

impl fmt::Display for FineTune {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FineTune::Off => "off",
            FineTune::Auto => "auto",
            FineTune::On => "on",
        })
    }
}

/// The macro-F1 of `predicted` against `truth` (class indices, the same
/// texts in the same order): the mean F1 of the classes that have texts
/// in `truth`.
///
/// Not [`crate::eval::Metrics`]: its F1 goes through the precision and the
/// recall, and `2 tp / (support + predicted)` differs from it in the last
/// bit, which the saved grid records.
fn macro_f1(truth: &[usize], predicted: &[usize], classes: usize) -> f64 {
    let (mut tp, mut support, mut guessed) = (
        vec![0usize; classes],
        vec![0usize; classes],
        vec![0usize; classes],
    );
    for (&t, &p) in truth.iter().zip(predicted) {
        support[t] += 1;
        guessed[p] += 1;
        tp[t] += usize::from(t == p);
    }
    let f1: Vec<f64> = (0..classes)
        .filter(|&c| support[c] > 0)
        .map(|c| 2.0 * tp[c] as f64 / (support[c] + guessed[c]) as f64)
        .collect();
    f1.iter().sum::<f64>() / f1.len().max(1) as f64
}

/// Below this many validated texts the grid's points are ranked by their
/// mean held-out log-loss rather than by accuracy. On a few dozen
/// validated texts an accuracy counts a handful of right or wrong
/// answers, and many points tie or are ordered by one or two texts; the
/// log-loss (a proper scoring rule) also weighs how sure each point was,
/// so it varies less from one draw to the next. On the 54 draws of
/// `benches/small_n.py` (20 to 500 texts) it raised the default's mean
/// test accuracy on 12 of the 18 (corpus, size) rows and lowered it on 2
/// (by 0.1 points each): +1.0 point on average, +5.4 on Banking77 at 100
/// texts, where the accuracy had chosen C = 0.1 on one draw (12.2%). The
/// vector channel alone gained 0.5 points on average.
///
/// Only models with the vector channel rank this way. The n-gram channel
/// alone lost 0.6 points on average: from labels alone a tiny set
/// predicts little, and the log-loss then favours the smallest C, whose
/// near-uniform probabilities cost least when unsure (TREC-6 at 20 texts:
/// 31.5 -> 22.1%, mostly the largest class). Larger sets keep the
/// accuracy: it is what the full-size models were measured and tuned
/// with.
const LOSS_RANK_MAX_TEXTS: usize = 2000;

/// The best of `points` in `grid` by `rank`, then the earlier point.
fn best_point(
    grid: &[GridPoint],
    losses: &[Losses],
    rank: Rank,
    points: &mut dyn Iterator<Item = usize>,
) -> Option<usize> {
    let loss = |i: usize| losses[i].mean;
    let better = |i: usize, b: usize| match rank {
        Rank::Accuracy => {
            grid[i].accuracy > grid[b].accuracy
                || (grid[i].accuracy == grid[b].accuracy && loss(i) < loss(b))
        }
        Rank::LogLoss => {
            loss(i) < loss(b) || (loss(i) == loss(b) && grid[i].accuracy > grid[b].accuracy)
        }
        Rank::MacroF1 => {
            let f1 = |i: usize| grid[i].macro_f1.unwrap_or(0.0);
            f1(i) > f1(b) || (f1(i) == f1(b) && loss(i) < loss(b))
        }
    };
    points.fold(None::<usize>, |best, i| match best {
        Some(b) if !better(i, b) => Some(b),
        _ => Some(i),
    })
}

/// True when the best point at the largest vector weight tried so far is
/// one [`choose_point`] could not choose: worse than the best point and
/// outside its band ([`in_band`]).
fn largest_weight_out_of_band(
    grid: &[GridPoint],
    rights: &[Vec<bool>],
    losses: &[Losses],
    rank: Rank,
) -> bool {
    let Some(best) = best_point(grid, losses, rank, &mut (0..grid.len())) else {
        return false;
    };
    let Some(beta) = grid.iter().map(|p| p.beta).max_by(f32::total_cmp) else {
        return false;
    };
    let Some(top) = best_point(
        grid,
        losses,
        rank,
        &mut (0..grid.len()).filter(|&i| grid[i].beta == beta),
    ) else {
        return false;
    };
    top != best && !in_band(rights, losses, best, top, rank)
}

/// The model file's format name and version.
pub const MODEL_FORMAT: &str = "embed-tl-model";
/// The model file version this build writes for models with the built-in
/// tokenizer (the same bytes as before Hugging Face tokenizers existed).
pub const MODEL_VERSION: u32 = 1;
/// The version it writes for models whose vector channel splits texts with
/// a Hugging Face tokenizer (`--tokenizer`): builds that read only version
/// 1 would ignore the tokenizer and split differently, so they must refuse
/// it. This build reads both.
pub const MODEL_VERSION_EXTERNAL_TOKENIZER: u32 = 2;
/// The version it writes for models with a tuned layer
/// ([`PipelineParams::finetune`]): builds that read only versions 1 and 2
/// would ignore the layer and predict otherwise, so they must refuse it.
pub const MODEL_VERSION_TUNED: u32 = 3;
/// The version it writes for models whose tuned layer gives a text's first
/// token a row as the first ([`FineTuneParams::start`], the default since
/// issue 14's seventeenth slice): builds that read only versions 1 to 3
/// would leave that row out and predict otherwise, so they must refuse it.
/// A version 3 file reads as a layer without it, as it was written.
pub const MODEL_VERSION_TUNED_START: u32 = 4;

/// The weights of the tuned layer in the blended probabilities that the
/// inner cross-validation tries ([`PipelineParams::finetune`]).
const BLEND_WEIGHTS: [f32; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// Which features the classifier sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureSet {
    /// Pooled frozen word vectors only (transfer).
    Vectors,
    /// Word and bigram TF-IDF learned from the labels alone (no transfer).
    Ngrams,
    /// Both in one linear model, the vector channel's weight chosen by CV.
    Both,
}

impl FeatureSet {
    /// True when the vectors are needed.
    pub fn uses_vectors(self) -> bool {
        self != FeatureSet::Ngrams
    }

    /// True when n-grams are used.
    pub fn uses_ngrams(self) -> bool {
        self != FeatureSet::Vectors
    }
}

impl FromStr for FeatureSet {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "vectors" => Ok(FeatureSet::Vectors),
            "ngrams" => Ok(FeatureSet::Ngrams),
            "both" => Ok(FeatureSet::Both),
            _ => Err(Error::InvalidParameter(format!(
                "unknown feature set '{s}': expected vectors, ngrams or both"
            ))),
        }
    }
}

impl fmt::Display for FeatureSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FeatureSet::Vectors => "vectors",
            FeatureSet::Ngrams => "ngrams",
            FeatureSet::Both => "both",
        })
    }
}

/// Pipeline settings (a consuming builder). linfa's [`ParamGuard`] checks
/// them once into [`ValidPipelineParams`], and linfa's
/// [`Fit`](linfa::traits::Fit) fits them on a dataset of [`Texts`] and
/// labels (see [`Texts`]); [`PipelineParams::fit`] does the same on slices.
#[derive(Clone, Debug)]
pub struct PipelineParams(ValidPipelineParams);

/// [`PipelineParams`] that passed [`ParamGuard::check`]: what fitting uses.
#[derive(Clone, Debug)]
pub struct ValidPipelineParams {
    featurizer: FeaturizerParams,
    features: FeatureSet,
    ngrams: NgramParams,
    cs: Vec<f64>,
    betas: Vec<f32>,
    inner_folds: usize,
    select_by: SelectBy,
    seed: u64,
    logistic: LogisticParams,
    finetune: FineTune,
    finetune_params: FineTuneParams,
    long_texts: LongTexts,
    /// [`ONE_FOLD_MIN_HELD`], lowered by the tests.
    one_fold_min_held: usize,
}

impl Default for PipelineParams {
    fn default() -> Self {
        PipelineParams(ValidPipelineParams {
            featurizer: FeaturizerParams::default(),
            features: FeatureSet::Both,
            ngrams: NgramParams::default(),
            cs: vec![0.01, 0.1, 1.0, 10.0, 100.0],
            betas: vec![0.03, 0.1, 0.3, 1.0],
            inner_folds: 3,
            select_by: SelectBy::Auto,
            seed: 42,
            logistic: LogisticParams::default(),
            finetune: FineTune::Off,
            finetune_params: FineTuneParams::default(),
            long_texts: LongTexts::PerFit,
            one_fold_min_held: ONE_FOLD_MIN_HELD,
        })
    }
}

impl PipelineParams {
    /// How texts become pooled vectors. Default: [`FeaturizerParams::default`].
    pub fn featurizer(mut self, p: FeaturizerParams) -> Self {
        self.0.featurizer = p;
        self
    }

    /// Which features to use. Default: [`FeatureSet::Both`].
    pub fn features(mut self, f: FeatureSet) -> Self {
        self.0.features = f;
        self
    }

    /// The n-gram channel's settings. Default: [`NgramParams::default`].
    pub fn ngrams(mut self, p: NgramParams) -> Self {
        self.0.ngrams = p;
        self
    }

    /// Candidate L2 strengths `C`. Default: 0.01, 0.1, 1, 10, 100.
    pub fn cs(mut self, cs: Vec<f64>) -> Self {
        self.0.cs = cs;
        self
    }

    /// Candidate weights of the vector channel in [`FeatureSet::Both`].
    /// Default: 0.03, 0.1, 0.3, 1. The inner CV's best point (by held-out
    /// log-loss below 2,000 validated texts with the vector channel, else
    /// by accuracy) is kept unless a larger weight does as well within half
    /// a paired standard error of accuracy on the validated texts (and,
    /// when ranked by log-loss, with a log-loss not worse by more than two
    /// paired standard errors): then the largest such weight wins.
    pub fn betas(mut self, betas: Vec<f32>) -> Self {
        self.0.betas = betas;
        self
    }

    /// Folds of the inner cross-validation that picks `C` and `beta`.
    /// Default 3. When a fold would hold 10,000 texts or more (30,000
    /// training texts with 3 folds), the first fold alone is validated,
    /// trained on the others: one split is enough to rank the grid there.
    pub fn inner_folds(mut self, k: usize) -> Self {
        self.0.inner_folds = k;
        self
    }

    /// What ranks the inner cross-validation's grid points. Default
    /// [`SelectBy::Auto`].
    pub fn select_by(mut self, s: SelectBy) -> Self {
        self.0.select_by = s;
        self
    }

    /// Seed of every shuffle. Default 42.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }

    /// [`ONE_FOLD_MIN_HELD`], lowered so that small test sets take the
    /// one-fold path.
    #[cfg(test)]
    fn one_fold_min_held(mut self, n: usize) -> Self {
        self.0.one_fold_min_held = n;
        self
    }

    /// Solver settings (its `C` is replaced by the chosen one).
    pub fn logistic(mut self, p: LogisticParams) -> Self {
        self.0.logistic = p;
        self
    }

    /// When a tuned layer is blended into the model (`--finetune`;
    /// default [`FineTune::Off`]; [`FineTune::Auto`] decides on each fit's
    /// training set). With one, the word vectors of the training texts are
    /// also fine-tuned ([`PipelineParams::finetune_params`], seeded with
    /// [`PipelineParams::seed`]), and the model's probabilities are
    /// `(1 - w) p + w q`, `p` the linear model's and `q` the layer's. The
    /// weight `w` is one of 0, 0.25, 0.5, 0.75 and 1: each blend is scored
    /// by its held-out log-loss in the inner folds, both models fitted on
    /// the other folds at the chosen C and beta, and `w` is the largest
    /// weight whose log-loss is not clearly worse than the lowest (by more
    /// than 2 paired standard errors per text, the rule of the vector
    /// channel's weight). Weight 0 (no layer) is taken when fewer than half
    /// the classes can be validated. A model of [`FeatureSet::Ngrams`]
    /// has no word vectors to tune and no layer (the n-gram baselines of
    /// `compare` and `transfer-report`, whose vectors-alone models go without
    /// too: [`PipelineParams::side_by_side`]).
    pub fn finetune(mut self, when: FineTune) -> Self {
        self.0.finetune = when;
        self
    }

    /// These settings for one of the models that `compare` and
    /// `transfer-report` set side by side: `features`, and for
    /// [`FeatureSet::Vectors`] no tuned layer, so that the vector channel
    /// alone measures what the frozen vectors carry; the layer
    /// ([`PipelineParams::finetune`]) goes into the hybrid, the model the
    /// user deploys.
    pub fn side_by_side(self, features: FeatureSet) -> Self {
        let params = self.features(features);
        match features {
            FeatureSet::Vectors => params.finetune(FineTune::Off),
            _ => params,
        }
    }

    /// Whether the selection leans towards the pretrained side, decided by
    /// each fit or once for all ([`LongTexts`]; the rule:
    /// [`LONG_TEXT_MEAN_TOKENS`]). Default: [`LongTexts::PerFit`].
    pub fn long_texts(mut self, decided: LongTexts) -> Self {
        self.0.long_texts = decided;
        self
    }

    /// The tuned layer's recipe ([`PipelineParams::finetune`]). Default:
    /// [`FineTuneParams::default`], fastText's supervised recipe. Its seed
    /// and class weight are the pipeline's ([`PipelineParams::seed`], the
    /// logistic regression's [`LogisticParams::class_weight`]).
    pub fn finetune_params(mut self, p: FineTuneParams) -> Self {
        self.0.finetune_params = p;
        self
    }

    /// The feature set.
    pub fn get_features(&self) -> FeatureSet {
        self.0.features
    }

    /// Fail on settings that cannot work (what [`ParamGuard::check_ref`]
    /// checks).
    pub fn check(&self) -> Result<()> {
        self.0.check()
    }

    /// Fit on labelled texts (`labels[i]` indexes `classes`). `vectors` is
    /// needed unless the feature set is [`FeatureSet::Ngrams`].
    ///
    /// Fails when fewer than 2 classes have texts, never because a class has
    /// few: how the inner cross-validation then chooses `C` and `beta` is
    /// in [`SmallClasses`], reported by [`Pipeline::selection`].
    pub fn fit<T: AsRef<str> + Sync>(
        &self,
        vectors: Option<&Vectors>,
        texts: &[T],
        labels: &[usize],
        classes: &[String],
    ) -> Result<Pipeline> {
        self.check_ref()?
            .fit_indexed(vectors, texts, labels, classes)
    }
}

impl ParamGuard for PipelineParams {
    type Checked = ValidPipelineParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&ValidPipelineParams> {
        self.0.check()?;
        Ok(&self.0)
    }

    fn check(self) -> Result<ValidPipelineParams> {
        self.0.check()?;
        Ok(self.0)
    }
}

impl ValidPipelineParams {
    /// The feature set.
    pub fn features(&self) -> FeatureSet {
        self.features
    }

    fn check(&self) -> Result<()> {
        if self.cs.is_empty() {
            return Err(Error::InvalidParameter("no C candidates".into()));
        }
        if let Some(c) = self.cs.iter().find(|c| !(**c > 0.0 && **c <= MAX_C)) {
            return Err(Error::InvalidParameter(format!(
                "C candidate {c} is out of range: expected a number above 0 and at most {MAX_C:e}"
            )));
        }
        if self.betas.is_empty() {
            return Err(Error::InvalidParameter("no beta candidates".into()));
        }
        if let Some(b) = self.betas.iter().find(|b| !(**b > 0.0 && **b <= MAX_BETA)) {
            return Err(Error::InvalidParameter(format!(
                "beta candidate {b} is out of range: expected a number above 0 and at most {MAX_BETA:e}"
            )));
        }
        if self.inner_folds < 2 {
            return Err(Error::InvalidParameter(
                "inner folds must be at least 2".into(),
            ));
        }
        if self.finetune != FineTune::Off {
            self.finetune_params.check()?;
        }
        self.logistic.check()
    }

    /// [`PipelineParams::fit`], on checked settings.
    pub(crate) fn fit_indexed<T: AsRef<str> + Sync>(
        &self,
        vectors: Option<&Vectors>,
        texts: &[T],
        labels: &[usize],
        classes: &[String],
    ) -> Result<Pipeline> {
        crate::corpus::check_labels(texts.len(), labels, classes)?;
        let present = {
            let mut seen = vec![false; classes.len()];
            labels.iter().for_each(|&l| seen[l] = true);
            seen.iter().filter(|&&s| s).count()
        };
        if present < 2 {
            return Err(Error::TooFewClasses {
                found: present,
                needed: 2,
                message: format!(
                    "the training texts have {present} class; a classifier needs at least 2"
                ),
            });
        }
        let vectors = match (self.features.uses_vectors(), vectors) {
            (true, None) => {
                return Err(Error::InvalidInput(format!(
                    "features '{}' need word vectors",
                    self.features
                )))
            }
            (true, v) => v,
            (false, _) => None,
        };
        let (channels, pooled) = Channels::fit(self, vectors, texts)?;
        let base = channels.training_design(pooled, texts)?;
        if let Some((row, col, value)) = base.first_non_finite() {
            let what = match &channels.featurizer {
                Some(f) if col < f.width() => format!(
                    "vector feature {} (the pooled word vectors, standardised)",
                    col + 1
                ),
                _ => format!("n-gram feature {}", col + 1),
            };
            // Quoted rather than numbered: inside cross-validation the
            // number would count the fold's texts, not the file's.
            let text = texts.get(row).map_or("", |t| t.as_ref());
            let mut quoted: String = text.chars().take(40).collect();
            if quoted.len() < text.len() {
                quoted.push_str("...");
            }
            return Err(Error::InvalidInput(format!(
                "the training text \"{quoted}\": {what} is {value}: the word vectors hold values too large for this pooling (or not numbers)"
            )));
        }
        // The first texts' tokens, with the vector channel's tokenizer,
        // when this fit decides the long-text rule or `auto`'s layer
        // (`classify` decides both once, before its folds).
        let counts = self.long_texts == LongTexts::PerFit || self.finetune == FineTune::Auto;
        let sampled = channels
            .featurizer
            .as_ref()
            .filter(|_| counts)
            .map(|f| sample_tokens(texts, f.tokenizer()));
        // Long texts, and enough of them: no lean towards the pretrained
        // side (LONG_TEXT_MEAN_TOKENS, LONG_TEXT_MIN_TOKENS).
        let long_texts = match self.long_texts {
            LongTexts::PerFit => sampled.and_then(|s| long_text_rule(s, texts.len())),
            LongTexts::Decided(decided) => decided,
        };
        let (mut selection, chosen) = self.select(&base, labels, classes, long_texts.is_none())?;
        selection.long_texts = long_texts;
        let mut design = base;
        design.scale_dense(selection.beta);
        // Along the path of the grid's smaller C, each fit warm-starting
        // the next: the weaker the regularisation, the farther the optimum
        // from zero and the smaller the trust region's first steps
        // (Banking77 at C = 100: 29 Newton steps and 129 CG steps from
        // zero). A one-fold selection (ONE_FOLD_MIN_HELD) hands over its
        // fit at the chosen point instead, on two thirds of these texts:
        // a start as close as the path's end, without the path.
        let mut warm: Option<FittedLogistic> = chosen;
        let inner = self.logistic.clone().tolerance(INNER_TOLERANCE);
        let mut path: Vec<f64> = match warm {
            Some(_) => Vec::new(),
            None => self
                .cs
                .iter()
                .copied()
                .filter(|&c| c < selection.c)
                .collect(),
        };
        path.sort_by(f64::total_cmp);
        for c in path {
            warm = Some(
                inner
                    .clone()
                    .c(c)
                    .fit(&design, labels, classes.len(), warm.as_ref())?,
            );
        }
        let model = self.logistic.clone().c(selection.c).fit(
            &design,
            labels,
            classes.len(),
            warm.as_ref(),
        )?;
        // `auto` resolved on the count above: it holds every text of a
        // set small enough to tune (TOKEN_SAMPLE), as `FineTune::resolve`
        // would count them.
        let tokens = sampled.map_or(0, |(_, tokens)| tokens as u64);
        let tuned = match (self.finetune, vectors, &channels.featurizer) {
            (when, Some(v), Some(f)) if when.for_size(texts.len(), tokens) == FineTune::On => {
                let params = self
                    .finetune_params
                    .clone()
                    .seed(self.seed)
                    .class_weight(self.logistic.get_class_weight());
                let tokenizer = f.tokenizer();
                self.tuned_layer(
                    &params,
                    v,
                    tokenizer,
                    &design,
                    texts,
                    labels,
                    classes.len(),
                    selection.c,
                    selection.long_texts.is_none(),
                )?
            }
            _ => None,
        };
        let version = match &channels.featurizer {
            _ if tuned.as_ref().is_some_and(|t| t.model.start()) => MODEL_VERSION_TUNED_START,
            _ if tuned.is_some() => MODEL_VERSION_TUNED,
            Some(f) if f.tokenizer().external.is_some() => MODEL_VERSION_EXTERNAL_TOKENIZER,
            _ => MODEL_VERSION,
        };
        Ok(Pipeline {
            format: MODEL_FORMAT.to_string(),
            version,
            classes: classes.to_vec(),
            features: self.features,
            channels: Channels {
                beta: selection.beta,
                ..channels
            },
            model,
            selection,
            vectors: vectors.map(Fingerprint::of),
            tuned,
        })
    }

    /// The tuned layer of [`PipelineParams::finetune`], or none when the
    /// inner folds give it weight 0: for each inner fold, the linear model
    /// at C (on `design`, weighted by the chosen beta) and the layer are
    /// fitted on the other folds, and each weight's blend of their
    /// probabilities is scored by the held-out log-loss ([`blend_choice`],
    /// leaning towards the layer with `lean`).
    #[allow(clippy::too_many_arguments)]
    fn tuned_layer<T: AsRef<str> + Sync>(
        &self,
        params: &FineTuneParams,
        vectors: &Vectors,
        tokenizer: &crate::text::Tokenizer,
        design: &Design,
        texts: &[T],
        labels: &[usize],
        classes: usize,
        c: f64,
        lean: bool,
    ) -> Result<Option<TunedLayer>> {
        // The inner folds of the selection (see `select`).
        let counts = class_counts(labels, classes);
        let k = inner_k(&counts, self.inner_folds);
        let present = counts.iter().filter(|&&n| n > 0).count();
        let validated = counts.iter().filter(|&&n| n >= k.max(2)).count();
        if k < 2 || 2 * validated < present {
            return Ok(None);
        }
        let folds = self.inner_folds_of(labels, &counts, k)?;
        let inner = self.logistic.clone().c(c);
        // Per fold, each weight's held-out log-loss on each text.
        let per_fold: Vec<Result<Vec<Vec<f64>>>> = (0..k)
            .into_par_iter()
            .map(|f| {
                let train = training_rows(&folds, f, labels.len());
                let held = &folds[f];
                let y: Vec<usize> = train.iter().map(|&i| labels[i]).collect();
                let linear = inner.fit(&design.select(&train), &y, classes, None)?;
                let p = linear.predict_proba(&design.select(held))?;
                let train_texts: Vec<&str> = train.iter().map(|&i| texts[i].as_ref()).collect();
                let held_texts: Vec<&str> = held.iter().map(|&i| texts[i].as_ref()).collect();
                let layer = params.fit(vectors, tokenizer, &train_texts, &y, classes)?;
                let q = layer.predict_proba(vectors, &held_texts)?;
                Ok(BLEND_WEIGHTS
                    .iter()
                    .map(|&w| {
                        held.iter()
                            .enumerate()
                            .map(|(row, &i)| {
                                let l = labels[i];
                                let blended = (1.0 - w) * p[[row, l]] + w * q[[row, l]];
                                -f64::from(blended).max(MIN_PROBABILITY).ln()
                            })
                            .collect()
                    })
                    .collect())
            })
            .collect();
        let mut losses: Vec<Vec<f64>> = vec![Vec::new(); BLEND_WEIGHTS.len()];
        for fold in per_fold {
            losses
                .iter_mut()
                .zip(fold?)
                .for_each(|(all, l)| all.extend(l));
        }
        let losses: Vec<Losses> = losses.into_iter().map(Losses::new).collect();
        let best = blend_choice(&losses, lean);
        let weight = BLEND_WEIGHTS[best];
        if weight == 0.0 {
            return Ok(None);
        }
        let model = params.fit(vectors, tokenizer, texts, labels, classes)?;
        Ok(Some(TunedLayer { weight, model }))
    }

    /// The `k` stratified inner folds of `labels` (of `counts` texts per
    /// class), the classes of fewer than `k` texts kept in the training
    /// part of every fold.
    fn inner_folds_of(
        &self,
        labels: &[usize],
        counts: &[usize],
        k: usize,
    ) -> Result<Vec<Vec<usize>>> {
        stratified_folds_keeping(labels, k, self.seed, |c| {
            counts.get(c).is_some_and(|&n| n < k)
        })
    }

    /// Choose `C` and `beta` by stratified inner k-fold CV on `base` (the
    /// design with `beta` = 1). The betas are tried in ascending order,
    /// the first two together, then one at a time until the accuracy drops
    /// (see [`STOP_STANDARD_ERRORS`]) or, on large sets, until a weight's
    /// best point could not be chosen (see [`BAND_STOP_MIN_TEXTS`]); every
    /// (fold, beta) pair of a round
    /// is a parallel task that walks the `C` path upwards with warm starts.
    /// When a fold holds 10,000 texts or more, only the first is validated
    /// (see [`ONE_FOLD_MIN_HELD`]). The point chosen is the best, or one that weights the vectors more
    /// and is as good within the noise (see [`TRANSFER_STANDARD_ERRORS`]).
    ///
    /// With one fold validated, the fit of that fold at the chosen point
    /// comes back too, to start the final fit from.
    fn select(
        &self,
        base: &Design,
        labels: &[usize],
        names: &[String],
        lean: bool,
    ) -> Result<(Selection, Option<FittedLogistic>)> {
        let classes = names.len();
        let betas = if self.features == FeatureSet::Both {
            self.betas.clone()
        } else {
            vec![1.0]
        };
        let mut cs = self.cs.clone();
        cs.sort_by(f64::total_cmp);
        if betas.len() * cs.len() == 1 {
            let selection = Selection {
                c: cs[0],
                beta: betas[0],
                grid: Vec::new(),
                unconverged: 0,
                small_classes: None,
                long_texts: None,
            };
            return Ok((selection, None));
        }
        let counts = class_counts(labels, classes);
        let k = inner_k(&counts, self.inner_folds);
        let unvalidated: Vec<(usize, usize)> = counts
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n > 0 && (k < 2 || n < k))
            .map(|(c, &n)| (c, n))
            .collect();
        if k < 2 {
            // Nothing to cross-validate on: the middle of each grid.
            let mut sorted_betas = betas.clone();
            sorted_betas.sort_by(f32::total_cmp);
            let selection = Selection {
                c: cs[(cs.len() - 1) / 2],
                beta: sorted_betas[(sorted_betas.len() - 1) / 2],
                grid: Vec::new(),
                unconverged: 0,
                small_classes: Some(SmallClasses {
                    requested: self.inner_folds,
                    folds: 0,
                    unvalidated,
                }),
                long_texts: None,
            };
            return Ok((selection, None));
        }
        let small_classes =
            (k < self.inner_folds || !unvalidated.is_empty()).then(|| SmallClasses {
                requested: self.inner_folds,
                folds: k,
                unvalidated: unvalidated.clone(),
            });
        let folds = self.inner_folds_of(labels, &counts, k)?;
        // Large sets validate on the first fold only (ONE_FOLD_MIN_HELD);
        // then the fits are kept for the final fit to start from, unless
        // their weights would take more than KEPT_WEIGHTS_MAX.
        let walked = if labels.len() / k >= self.one_fold_min_held {
            1
        } else {
            k
        };
        let outputs = if classes == 2 { 1 } else { classes };
        let keep =
            walked == 1 && (base.cols() + 1) * outputs * betas.len() * cs.len() <= KEPT_WEIGHTS_MAX;
        // Inner fits only rank the grid points: a looser tolerance than the
        // final fit's is enough (see INNER_TOLERANCE).
        let inner = self.logistic.clone().tolerance(INNER_TOLERANCE);
        let mut betas = betas;
        betas.sort_by(f32::total_cmp);
        betas.dedup();
        // The betas are tried in ascending order, in rounds; a round fits
        // every (fold, beta) pair in parallel, each walking C upwards with
        // warm starts. The walk stops at a clear drop (STOP_STANDARD_ERRORS).
        let validated_rows: usize = folds[..walked].iter().map(Vec::len).sum();
        let rank = Rank::over(validated_rows, self.features, self.select_by);
        // The validated texts' classes, in the order of `rights` (the
        // folds one after the other), for the macro-F1.
        let truth: Vec<usize> = folds[..walked]
            .iter()
            .flat_map(|held| held.iter().map(|&i| labels[i]))
            .collect();
        let mut grid: Vec<GridPoint> = Vec::with_capacity(betas.len() * cs.len());
        // Which validated texts each grid point got right, in one order
        // for all (see choose_point).
        let mut rights: Vec<Vec<bool>> = Vec::with_capacity(betas.len() * cs.len());
        // The held-out log-losses of each grid point, in the same order
        // as `rights`.
        let mut losses: Vec<Losses> = Vec::with_capacity(betas.len() * cs.len());
        let mut unconverged = 0;
        // With one fold walked, its fits in the grid's order (kept to start
        // the final fit from the chosen one).
        let mut models: Vec<FittedLogistic> = Vec::new();
        let mut best_top: Option<f64> = None;
        let mut last_top: Option<f64> = None;
        let mut next = 0;
        while next < betas.len() {
            let round = if next == 0 { 2.min(betas.len()) } else { 1 };
            let tasks: Vec<(usize, usize)> = (next..next + round)
                .flat_map(|b| (0..walked).map(move |f| (b, f)))
                .collect();
            let results: Vec<Result<FoldWalk>> = tasks
                .par_iter()
                .map(|&(b, f)| {
                    let train = training_rows(&folds, f, labels.len());
                    let held = &folds[f];
                    let y: Vec<usize> = train.iter().map(|&i| labels[i]).collect();
                    let (mut x, mut xh) = (base.select(&train), base.select(held));
                    x.scale_dense(betas[b]);
                    xh.scale_dense(betas[b]);
                    // Per C, which held-out texts it got right, and the sum
                    // of their log-losses.
                    let mut walk = FoldWalk {
                        rights: Vec::with_capacity(cs.len()),
                        predicted: Vec::with_capacity(cs.len()),
                        losses: Vec::with_capacity(cs.len()),
                        unconverged: 0,
                        models: Vec::new(),
                    };
                    // The last fit warm-starts the next; the earlier ones
                    // are kept only with `keep`.
                    let mut fits: Vec<FittedLogistic> = Vec::with_capacity(cs.len());
                    for &c in &cs {
                        let model = inner.clone().c(c).fit(&x, &y, classes, fits.last())?;
                        walk.unconverged += usize::from(!model.converged());
                        let proba = model.predict_proba(&xh)?;
                        let mut loss = Vec::with_capacity(held.len());
                        let mut right = Vec::with_capacity(held.len());
                        let mut predicted = Vec::with_capacity(held.len());
                        for (p, &i) in proba.outer_iter().zip(held) {
                            let p = p.as_slice().expect("rows of a fresh array are contiguous");
                            let class = crate::model::argmax(p);
                            right.push(class == labels[i]);
                            if rank == Rank::MacroF1 {
                                predicted.push(class);
                            }
                            loss.push(-f64::from(p[labels[i]]).max(MIN_PROBABILITY).ln());
                        }
                        walk.rights.push(right);
                        walk.predicted.push(predicted);
                        walk.losses.push(loss);
                        if !keep {
                            fits.clear();
                        }
                        fits.push(model);
                    }
                    if keep {
                        walk.models = fits;
                    }
                    Ok(walk)
                })
                .collect();
            // Per beta of the round and C: the sum of the folds' accuracies
            // and the texts right, the folds one after the other.
            let mut sums = vec![vec![0.0; cs.len()]; round];
            let mut round_rights = vec![vec![Vec::new(); cs.len()]; round];
            let mut round_losses = vec![vec![Vec::new(); cs.len()]; round];
            let mut round_predicted = vec![vec![Vec::new(); cs.len()]; round];
            for (&(b, _), result) in tasks.iter().zip(results) {
                let walk = result?;
                unconverged += walk.unconverged;
                models.extend(walk.models);
                for (i, ((right, loss), predicted)) in walk
                    .rights
                    .into_iter()
                    .zip(walk.losses)
                    .zip(walk.predicted)
                    .enumerate()
                {
                    let n = right.iter().filter(|&&r| r).count();
                    sums[b - next][i] += n as f64 / right.len() as f64;
                    round_rights[b - next][i].extend(right);
                    round_losses[b - next][i].extend(loss);
                    round_predicted[b - next][i].extend(predicted);
                }
            }
            for (offset, (((sums, beta_rights), beta_losses), beta_predicted)) in sums
                .into_iter()
                .zip(round_rights)
                .zip(round_losses)
                .zip(round_predicted)
                .enumerate()
            {
                let beta = betas[next + offset];
                let mut top = f64::NEG_INFINITY;
                for ((((&c, s), right), loss), predicted) in cs
                    .iter()
                    .zip(sums)
                    .zip(beta_rights)
                    .zip(beta_losses)
                    .zip(beta_predicted)
                {
                    let accuracy = s / walked as f64;
                    top = top.max(accuracy);
                    let loss = Losses::new(loss);
                    grid.push(GridPoint {
                        c,
                        beta,
                        accuracy,
                        log_loss: Some(loss.mean),
                        macro_f1: (rank == Rank::MacroF1)
                            .then(|| macro_f1(&truth, &predicted, classes)),
                    });
                    rights.push(right);
                    losses.push(loss);
                }
                last_top = Some(top);
                if best_top.is_none_or(|a| top > a) {
                    best_top = Some(top);
                }
            }
            next += round;
            if let (Some(best), Some(last)) = (best_top, last_top) {
                if clear_drop(best, last, validated_rows) {
                    break;
                }
            }
            if validated_rows >= BAND_STOP_MIN_TEXTS
                && largest_weight_out_of_band(&grid, &rights, &losses, rank)
            {
                break;
            }
        }
        // The best point (by accuracy, or by log-loss on small sets: see
        // LOSS_RANK_MAX_TEXTS), or on short texts a larger beta as good
        // within the noise (TRANSFER_STANDARD_ERRORS; LONG_TEXT_MEAN_TOKENS
        // and LONG_TEXT_MIN_TOKENS say when).
        let chosen = if lean {
            choose_point(&grid, &rights, &losses, rank)
        } else {
            best_point(&grid, &losses, rank, &mut (0..grid.len()))
        }
        .ok_or_else(|| Error::InvalidParameter("empty hyperparameter grid".into()))?;
        let best = grid[chosen].clone();
        // With `keep`, one fit per grid point, in the grid's order.
        let model = keep.then(|| models.swap_remove(chosen));
        let selection = Selection {
            c: best.c,
            beta: best.beta,
            grid,
            unconverged,
            small_classes,
            long_texts: None,
        };
        Ok((selection, model))
    }
}

/// The number of texts of each class `0..classes`.
fn class_counts(labels: &[usize], classes: usize) -> Vec<usize> {
    let mut counts = vec![0; classes];
    labels.iter().for_each(|&l| counts[l] += 1);
    counts
}

/// The inner folds for classes of `counts` texts: `inner_folds`, lowered to
/// the smallest class of 2 or more texts (the classes that can be
/// validated); 0 when fewer than two classes can be.
fn inner_k(counts: &[usize], inner_folds: usize) -> usize {
    let validated: Vec<usize> = counts.iter().copied().filter(|&n| n >= 2).collect();
    if validated.len() < 2 {
        0
    } else {
        validated.into_iter().fold(inner_folds, usize::min)
    }
}

/// The smallest probability of the right class counted in a held-out
/// log-loss: a model sure of a wrong class costs `ln(1e15)` = 34.5 for that
/// text, not infinity.
const MIN_PROBABILITY: f64 = 1e-15;

/// One inner fold's walk up the C grid at one vector weight: per C, which
/// of the fold's held-out texts were right and the sum of their log-losses;
/// and how many fits stopped at the iteration limit.
struct FoldWalk {
    rights: Vec<Vec<bool>>,
    /// Per C, the class predicted for each held-out text (only when the
    /// macro-F1 ranks the grid: else empty).
    predicted: Vec<Vec<usize>>,
    losses: Vec<Vec<f64>>,
    unconverged: usize,
    /// The fit at each C, kept only when one fold is walked.
    models: Vec<FittedLogistic>,
}

/// The outcome of choosing hyperparameters by inner cross-validation.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Selection {
    /// The chosen L2 strength.
    pub c: f64,
    /// The chosen weight of the vector channel (1 unless both channels).
    pub beta: f32,
    /// Mean inner-CV accuracy of every point tried (empty: nothing tried).
    pub grid: Vec<GridPoint>,
    /// Inner fits that stopped at the iteration limit.
    pub unconverged: usize,
    /// What the inner cross-validation changed because some classes had
    /// too few texts (`None`: it ran as asked, or nothing was tried).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub small_classes: Option<SmallClasses>,
    /// The training texts' mean number of tokens, when it is at least
    /// [`LONG_TEXT_MEAN_TOKENS`] and the texts hold at least
    /// [`LONG_TEXT_MIN_TOKENS`] in all: the selection then took the best point
    /// and blend weight of the inner CV, with no lean towards the
    /// pretrained side (`None`: short texts, the leans applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_texts: Option<f64>,
}

/// How the inner cross-validation that picks `C` and `beta` adapted to
/// classes with few texts. Fitting never fails for lack of examples in a
/// class (only for fewer than 2 classes); it follows these rules instead,
/// deterministic in the labels and the seed:
///
/// 1. A class of a single text is kept in the training part of every
///    inner fold and never validated: the fold holding it out would train
///    without it, so it could only be predicted wrong there, the same for
///    every grid point.
/// 2. The inner folds are lowered to the smallest class of 2 or more texts
///    (never below 2), so every other class is validated in every fold, as
///    stratified folds do. Keeping a class of 2 unvalidated at 3 folds was
///    tried instead: on 3 draws of 100 TREC questions (ABBR 2) it scored
///    61.9% on the test set against 63.9% for lowering to 2 folds
///    (`benches/small_n.py`, docs/benchmarks.md), so the folds are lowered.
/// 3. When fewer than 2 classes have 2 or more texts, nothing is
///    cross-validated: `C` and `beta` are the middle
///    values of their sorted grids (the lower middle of an even grid; with
///    the defaults C = 1 and beta = 0.1).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SmallClasses {
    /// The inner folds asked for.
    pub requested: usize,
    /// The inner folds used; 0 when none could run and the grids' middle
    /// values were taken.
    pub folds: usize,
    /// The classes (index, texts) kept in the training part of every inner
    /// fold and never validated, ascending by index.
    pub unvalidated: Vec<(usize, usize)>,
}

impl SmallClasses {
    /// True when no inner cross-validation ran and `C` and `beta` are the
    /// grids' middle values.
    pub fn fell_back(&self) -> bool {
        self.folds == 0
    }
}

/// One point of the hyperparameter grid.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GridPoint {
    /// L2 strength.
    pub c: f64,
    /// Vector-channel weight.
    pub beta: f32,
    /// Mean accuracy over the inner folds.
    pub accuracy: f64,
    /// Mean held-out log-loss per validated text, what ranks the grid of
    /// a model with the vector channel below 2,000 validated texts (`None`
    /// in models saved before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_loss: Option<f64>,
    /// The macro-F1 over the validated texts, when it ranked the grid
    /// ([`SelectBy::MacroF1`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macro_f1: Option<f64>,
}

/// The fitted feature extractors.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Channels {
    featurizer: Option<Featurizer>,
    scaler: Option<Standardizer>,
    ngrams: Option<NgramVocab>,
    beta: f32,
}

/// `pooled` standardised by `scaler` and weighted by `beta`, as the
/// row-major values and column count of a design's dense part.
fn standardised(
    scaler: &Standardizer,
    mut pooled: ndarray::Array2<f32>,
    beta: f32,
) -> (Vec<f32>, usize) {
    scaler.apply(&mut pooled, beta);
    let cols = pooled.ncols();
    (pooled.into_raw_vec_and_offset().0, cols)
}

impl Channels {
    /// The channels fitted on the training `texts`, and their pooled
    /// vectors (unscaled; `None` without the vector channel), which
    /// [`Channels::training_design`] reuses instead of pooling again.
    fn fit<T: AsRef<str> + Sync>(
        params: &ValidPipelineParams,
        vectors: Option<&Vectors>,
        texts: &[T],
    ) -> Result<(Channels, Option<ndarray::Array2<f32>>)> {
        let (featurizer, scaler, pooled) = match vectors {
            Some(v) if params.features.uses_vectors() => {
                let featurizer = params.featurizer.fit(v, texts)?;
                let pooled = featurizer.transform(v, texts)?;
                let scaler = Standardizer::fit(&pooled);
                (Some(featurizer), Some(scaler), Some(pooled))
            }
            _ => (None, None, None),
        };
        let ngrams = params
            .features
            .uses_ngrams()
            .then(|| params.ngrams.fit(texts));
        let channels = Channels {
            featurizer,
            scaler,
            ngrams,
            beta: 1.0,
        };
        Ok((channels, pooled))
    }

    /// The design of the training texts at `beta` = 1, from the vectors
    /// [`Channels::fit`] pooled (standardised here) and the texts'
    /// n-grams: the same design as [`Channels::design`], without pooling
    /// every text a second time.
    fn training_design<T: AsRef<str> + Sync>(
        &self,
        pooled: Option<ndarray::Array2<f32>>,
        texts: &[T],
    ) -> Result<Design> {
        let (dense, cols) = match (pooled, &self.scaler) {
            (Some(pooled), Some(s)) => standardised(s, pooled, 1.0),
            _ => (Vec::new(), 0),
        };
        Design::new(dense, cols, self.sparse(texts))
    }

    /// The n-gram channel's rows of `texts` (rows without columns when
    /// there is no n-gram channel).
    fn sparse<T: AsRef<str> + Sync>(&self, texts: &[T]) -> Csr {
        match &self.ngrams {
            Some(n) => n.transform(texts),
            None => {
                let mut empty = Csr::new(0);
                texts.iter().for_each(|_| empty.push_row([]));
                empty
            }
        }
    }

    fn design<T: AsRef<str> + Sync>(
        &self,
        vectors: Option<&Vectors>,
        texts: &[T],
        beta: f32,
    ) -> Result<Design> {
        if let (Some(f), Some(s), Some(n), Some(v)) =
            (&self.featurizer, &self.scaler, &self.ngrams, vectors)
        {
            if f.tokenizer() == &NgramVocab::tokenizer() && v.dims() == f.dims() {
                return fused_design(f, s, n, v, texts, beta);
            }
        }
        let (dense, cols) = match (&self.featurizer, &self.scaler) {
            (Some(f), Some(s)) => {
                let v = vectors.ok_or_else(|| Error::VectorsMismatch {
                    expected_dims: f.dims(),
                    found_dims: None,
                    message: "this model needs the word vectors it was trained with".into(),
                })?;
                standardised(s, f.transform(v, texts)?, beta)
            }
            _ => (Vec::new(), 0),
        };
        Design::new(dense, cols, self.sparse(texts))
    }
}

/// Both channels from one tokenisation of each text, when the vector
/// channel's tokenizer is the n-gram channel's (as for lowercased vectors
/// such as GloVe): the same design as the two passes, in one.
fn fused_design<T: AsRef<str> + Sync>(
    featurizer: &Featurizer,
    scaler: &Standardizer,
    ngrams: &NgramVocab,
    vectors: &Vectors,
    texts: &[T],
    beta: f32,
) -> Result<Design> {
    use rayon::prelude::*;
    let width = featurizer.width();
    let mut dense = vec![0f32; texts.len() * width];
    let chunk = crate::features::CHUNK;
    let rows: Vec<Vec<(u32, f32)>> = dense
        .par_chunks_mut((chunk * width).max(1))
        .zip(texts.par_chunks(chunk))
        .flat_map_iter(|(out, chunk)| {
            let mut scratch = crate::features::Scratch::default();
            let mut terms = crate::ngrams::Terms::default();
            let mut ids = Vec::new();
            let mut rows = Vec::with_capacity(chunk.len());
            for (text, out) in chunk.iter().zip(out.chunks_exact_mut(width.max(1))) {
                terms.clear();
                featurizer.featurize_with(vectors, text.as_ref(), &mut scratch, out, None, |t| {
                    terms.push(t)
                });
                rows.push(ngrams.row_of(&terms, &mut ids));
            }
            rows
        })
        .collect();
    let mut pooled = ndarray::Array2::from_shape_vec((texts.len(), width), dense)
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
    scaler.apply(&mut pooled, beta);
    let mut sparse = Csr::new(ngrams.len());
    for row in rows {
        sparse.push_row(row);
    }
    Design::new(pooled.into_raw_vec_and_offset().0, width, sparse)
}

/// Per-column standardisation fitted on training features.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Standardizer {
    mean: Vec<f32>,
    scale: Vec<f32>,
}

impl Standardizer {
    fn fit(x: &ndarray::Array2<f32>) -> Standardizer {
        let n = x.nrows().max(1) as f64;
        let mut mean = Vec::with_capacity(x.ncols());
        let mut scale = Vec::with_capacity(x.ncols());
        for col in x.columns() {
            let m = col.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let var = col.iter().map(|&v| (f64::from(v) - m).powi(2)).sum::<f64>() / n;
            let sd = var.sqrt();
            mean.push(m as f32);
            scale.push(if sd > 1e-12 { sd as f32 } else { 1.0 });
        }
        Standardizer { mean, scale }
    }

    fn apply(&self, x: &mut ndarray::Array2<f32>, beta: f32) {
        for mut row in x.rows_mut() {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
                *v = beta * (*v - m) / s;
            }
        }
    }
}

/// What identifies a set of vectors: shape and a hash of sampled rows
/// (independent of the file format, so a converted file still matches).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    /// The format of the file the model was trained with (informative).
    pub format: Format,
    /// Dimensions.
    pub dims: usize,
    /// Number of words.
    pub words: usize,
    /// Whether unknown words get subword vectors.
    pub subwords: bool,
    /// SHA-256 over 64 evenly spaced rows (word, unit vector, norm).
    pub sample_sha256: String,
    /// SHA-256 over the same rows (word, original-scale vector): the
    /// values `vectors convert` writes bit for bit, so a file converted to
    /// any format and back still matches. Absent in older models, which
    /// are checked by `sample_sha256` alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_sha256: Option<String>,
}

impl Fingerprint {
    /// The fingerprint of `vectors`.
    pub fn of(vectors: &Vectors) -> Fingerprint {
        let mut hash = Sha256::new();
        let mut values = Sha256::new();
        let mut original = vec![0.0; vectors.dims()];
        let n = vectors.len();
        let samples = n.min(64);
        for j in 0..samples {
            let i = j * n / samples;
            hash.update(vectors.word(i).as_bytes());
            hash.update([0u8]);
            for v in vectors.row(i).iter() {
                hash.update(v.to_le_bytes());
            }
            hash.update(vectors.norm(i).to_le_bytes());
            values.update(vectors.word(i).as_bytes());
            values.update([0u8]);
            vectors.row_into(i, Scale::Original, &mut original);
            for v in &original {
                values.update(v.to_le_bytes());
            }
        }
        let hex = |digest: &[u8]| digest.iter().map(|b| format!("{b:02x}")).collect();
        Fingerprint {
            format: vectors.format(),
            dims: vectors.dims(),
            words: n,
            subwords: vectors.has_subwords(),
            sample_sha256: hex(&hash.finalize()),
            values_sha256: Some(hex(&values.finalize())),
        }
    }

    /// Ok when `other` is the same set of vectors; else what differs.
    pub fn check(&self, other: &Fingerprint) -> Result<()> {
        self.check_for(other, "the model was trained with")
    }

    /// [`Fingerprint::check`], the error saying what the vectors were for
    /// ("the model was trained with", "the featurizer was fitted on").
    fn check_for(&self, other: &Fingerprint, what: &str) -> Result<()> {
        let mut diffs = Vec::new();
        if self.dims != other.dims {
            diffs.push(format!("{} dimensions, not {}", other.dims, self.dims));
        }
        if self.words != other.words {
            diffs.push(format!("{} words, not {}", other.words, self.words));
        }
        if self.subwords != other.subwords {
            diffs.push(
                if other.subwords {
                    "subwords"
                } else {
                    "no subwords"
                }
                .to_string(),
            );
        }
        let same_rows = match (&self.values_sha256, &other.values_sha256) {
            (Some(a), Some(b)) => a == b,
            _ => self.sample_sha256 == other.sample_sha256,
        };
        if diffs.is_empty() && !same_rows {
            diffs.push("the same shape but different vectors (sampled rows differ)".into());
        }
        if diffs.is_empty() {
            return Ok(());
        }
        Err(Error::VectorsMismatch {
            expected_dims: self.dims,
            found_dims: Some(other.dims),
            message: format!(
                "these vectors are not the ones {what} ({} {}-d words, {}): they have {}",
                self.words,
                self.dims,
                self.format,
                diffs.join(", ")
            ),
        })
    }
}

/// A fitted pipeline: features, classifier, label names, vector
/// fingerprint. Saves to a versioned, self-describing JSON file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pipeline {
    format: String,
    version: u32,
    classes: Vec<String>,
    features: FeatureSet,
    channels: Channels,
    model: FittedLogistic,
    selection: Selection,
    vectors: Option<Fingerprint>,
    /// The tuned layer blended in, if any (absent from older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tuned: Option<TunedLayer>,
}

/// A fine-tuned layer ([`PipelineParams::finetune`]) and its weight in a
/// pipeline's blended probabilities.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TunedLayer {
    /// The layer's share of the probabilities, above 0 and at most 1.
    pub weight: f32,
    model: FineTuned,
}

impl TunedLayer {
    /// The fine-tuned model.
    pub fn model(&self) -> &FineTuned {
        &self.model
    }
}

impl Pipeline {
    /// The label names, in class order.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// The feature set.
    pub fn features(&self) -> FeatureSet {
        self.features
    }

    /// How `C` and `beta` were chosen.
    pub fn selection(&self) -> &Selection {
        &self.selection
    }

    /// The fitted linear model.
    pub fn model(&self) -> &FittedLogistic {
        &self.model
    }

    /// The featurizer of the vector channel, if any.
    pub fn featurizer(&self) -> Option<&Featurizer> {
        self.channels.featurizer.as_ref()
    }

    /// The tuned layer blended in, if any ([`PipelineParams::finetune`]).
    pub fn tuned(&self) -> Option<&TunedLayer> {
        self.tuned.as_ref()
    }

    /// The fingerprint of the training vectors, if the model uses vectors.
    pub fn fingerprint(&self) -> Option<&Fingerprint> {
        self.vectors.as_ref()
    }

    /// Check that `vectors` are the ones the model was trained with.
    pub fn check_vectors(&self, vectors: Option<&Vectors>) -> Result<()> {
        match (&self.vectors, vectors) {
            (Some(expected), Some(v)) => expected.check(&Fingerprint::of(v)),
            (Some(expected), None) => Err(Error::VectorsMismatch {
                expected_dims: expected.dims,
                found_dims: None,
                message: format!(
                    "this model needs the {}-d word vectors it was trained with ({} words, {})",
                    expected.dims, expected.words, expected.format
                ),
            }),
            (None, _) => Ok(()),
        }
    }

    /// Class probabilities (`texts x classes`).
    pub fn predict_proba<T: AsRef<str> + Sync>(
        &self,
        vectors: Option<&Vectors>,
        texts: &[T],
    ) -> Result<ndarray::Array2<f32>> {
        self.check_vectors(vectors)?;
        self.proba_checked_once(vectors, texts)
    }

    /// [`Pipeline::predict_proba`] for callers that checked the vectors
    /// once already (the batch scorer, chunk after chunk).
    pub(crate) fn proba_checked_once<T: AsRef<str> + Sync>(
        &self,
        vectors: Option<&Vectors>,
        texts: &[T],
    ) -> Result<ndarray::Array2<f32>> {
        let design = self.channels.design(vectors, texts, self.channels.beta)?;
        let mut proba = self.model.predict_proba(&design)?;
        if let (Some(tuned), Some(v)) = (&self.tuned, vectors) {
            let q = tuned.model.predict_proba(v, texts)?;
            let w = tuned.weight;
            proba.zip_mut_with(&q, |p, &q| *p = (1.0 - w) * *p + w * q);
        }
        Ok(proba)
    }

    /// The most probable class of each text.
    pub fn predict<T: AsRef<str> + Sync>(
        &self,
        vectors: Option<&Vectors>,
        texts: &[T],
    ) -> Result<Vec<usize>> {
        let proba = self.predict_proba(vectors, texts)?;
        Ok(proba
            .rows()
            .into_iter()
            .map(|r| crate::model::argmax(r.as_slice().unwrap_or(&[])))
            .collect())
    }

    /// Whether the parts read from a file fit together (so that a damaged
    /// or hand-edited file is an error at load time, not a panic later).
    fn check(&self) -> std::result::Result<(), String> {
        self.model.check()?;
        if let Some(t) = &self.tuned {
            if t.model.start() && self.version < MODEL_VERSION_TUNED_START {
                return Err(format!(
                    "a tuned layer with a start row in a version {} file (such layers are version {MODEL_VERSION_TUNED_START})",
                    self.version
                ));
            }
        }
        if self.classes.len() != self.model.classes() {
            return Err(format!(
                "{} class names for a {}-class model",
                self.classes.len(),
                self.model.classes()
            ));
        }
        let c = &self.channels;
        if self.features.uses_vectors() != c.featurizer.is_some()
            || self.features.uses_ngrams() != c.ngrams.is_some()
            || c.featurizer.is_some() != c.scaler.is_some()
            || c.featurizer.is_some() != self.vectors.is_some()
        {
            return Err(format!(
                "the channels do not match features '{}'",
                self.features
            ));
        }
        let mut cols = 0;
        if let (Some(f), Some(s), Some(v)) = (&c.featurizer, &c.scaler, &self.vectors) {
            f.check_loaded()?;
            if f.dims() != v.dims {
                return Err(format!(
                    "a {}-d featurizer for {}-d vectors",
                    f.dims(),
                    v.dims
                ));
            }
            let width = f.width();
            if s.mean.len() != width || s.scale.len() != width {
                return Err(format!(
                    "a scaler for {} features, not {width}",
                    s.mean.len()
                ));
            }
            cols += width;
        }
        if let Some(n) = &c.ngrams {
            n.check()?;
            cols += n.len();
        }
        if cols != self.model.cols() {
            return Err(format!(
                "a linear model over {} columns for {cols} features",
                self.model.cols()
            ));
        }
        if !c.beta.is_finite() {
            return Err("a vector-channel weight that is not a finite number".into());
        }
        Ok(())
    }

    /// Whether the values read from a file are in range, each field named
    /// by its JSON path: class names non-empty and unique (duplicates made
    /// two `p_<class>` columns of the same name), the vector-channel weight
    /// above 0 and at most [`MAX_BETA`] (a negative one flipped every
    /// prediction), scaler scales positive, IDF weights positive, weights
    /// within [`MAX_WEIGHT`](crate::model::MAX_WEIGHT). Non-finite numbers are caught before, by
    /// [`overflowed`].
    fn check_values(&self) -> std::result::Result<(), String> {
        let mut seen = std::collections::HashMap::new();
        for (i, name) in self.classes.iter().enumerate() {
            if name.is_empty() {
                return Err(format!(
                    "classes[{i}] is empty: expected a non-empty class name"
                ));
            }
            if let Some(first) = seen.insert(name.as_str(), i) {
                return Err(format!(
                    "classes[{i}] is '{name}' again (as classes[{first}]): class names must be unique"
                ));
            }
        }
        let beta = self.channels.beta;
        if !(beta > 0.0 && beta <= MAX_BETA) {
            return Err(format!(
                "channels.beta is {beta}: expected a number above 0 and at most {MAX_BETA:e}"
            ));
        }
        if let Some(scaler) = &self.channels.scaler {
            if let Some((j, v)) = scaler
                .scale
                .iter()
                .enumerate()
                .find(|(_, v)| !(**v > 0.0 && v.is_finite()))
            {
                return Err(format!(
                    "channels.scaler.scale[{j}] is {v}: expected a positive finite number"
                ));
            }
        }
        if let Some(ngrams) = &self.channels.ngrams {
            if let Some((j, v)) = ngrams
                .idf_weights()
                .find(|(_, v)| !(*v > 0.0 && v.is_finite()))
            {
                return Err(format!(
                    "channels.ngrams.idf[{j}] is {v}: expected a positive finite number"
                ));
            }
        }
        if let Some(tuned) = &self.tuned {
            let w = tuned.weight;
            if !(w > 0.0 && w <= 1.0) {
                return Err(format!(
                    "tuned.weight is {w}: expected a number above 0 and at most 1"
                ));
            }
            let dims = self.vectors.as_ref().map_or(0, |v| v.dims);
            tuned
                .model
                .check(self.classes.len(), dims)
                .map_err(|e| format!("tuned: {e}"))?;
        }
        self.model.check_weights()
    }

    /// Write the model as JSON.
    pub fn save<W: Write>(&self, mut out: W) -> Result<()> {
        serde_json::to_writer(&mut out, self).map_err(|e| Error::io(std::io::Error::other(e)))?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }

    /// Read a model written by [`Pipeline::save`]; a truncated file, a file
    /// of another version or one that is not a model gets a clear error.
    pub fn load<R: Read>(mut input: R) -> Result<Pipeline> {
        let mut bytes = Vec::new();
        input.read_to_end(&mut bytes)?;
        let value = parse_saved(&bytes, "model")?;
        if value.get("format").and_then(|f| f.as_str()) != Some(MODEL_FORMAT) {
            return Err(Error::malformed(
                Location::None,
                "not an embed-tl model file",
            ));
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(v)
                if v == u64::from(MODEL_VERSION)
                    || v == u64::from(MODEL_VERSION_EXTERNAL_TOKENIZER)
                    || v == u64::from(MODEL_VERSION_TUNED)
                    || v == u64::from(MODEL_VERSION_TUNED_START) => {}
            Some(v) => {
                return Err(Error::malformed(
                    Location::None,
                    format!(
                        "model format version {v}; this embed-tl reads versions {MODEL_VERSION} to {MODEL_VERSION_TUNED_START}"
                    ),
                ))
            }
            None => {
                return Err(Error::malformed(
                    Location::None,
                    "model file has no version",
                ))
            }
        }
        let mut pipeline: Pipeline = serde_json::from_value(value.clone())
            .map_err(|e| Error::malformed(Location::None, format!("damaged model file: {e}")))?;
        // JSON has no NaN nor infinity, but a number too large for an f32
        // field (1e300) reads as infinity: written again, it becomes null.
        let reread = serde_json::to_value(&pipeline)
            .map_err(|e| Error::malformed(Location::None, format!("damaged model file: {e}")))?;
        if let Some((path, number)) = overflowed(&value, &reread, String::new()) {
            return Err(Error::malformed(
                Location::None,
                format!("{path} is {number}: expected a finite number that fits its field"),
            ));
        }
        pipeline.channels.ngrams = pipeline.channels.ngrams.take().map(NgramVocab::indexed);
        pipeline
            .check()
            .map_err(|e| Error::malformed(Location::None, format!("damaged model file: {e}")))?;
        pipeline
            .check_values()
            .map_err(|e| Error::malformed(Location::None, e))?;
        Ok(pipeline)
    }
}

/// The JSON of a saved file (`kind`: "model", "featurizer"), or an error
/// saying it is empty, truncated or not JSON.
fn parse_saved(bytes: &[u8], kind: &str) -> Result<serde_json::Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::malformed(
            Location::None,
            format!("empty file: not an embed-tl {kind}"),
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            Error::malformed(
                Location::None,
                format!("the {kind} file ends early (truncated?)"),
            )
        } else {
            Error::malformed(
                Location::Line(e.line() as u64),
                format!("not an embed-tl {kind} (not JSON)"),
            )
        }
    })
}

/// Ok when the saved file's `version` is the one this build reads.
fn check_version(value: &serde_json::Value, version: u32, kind: &str) -> Result<()> {
    match value.get("version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(version) => Ok(()),
        Some(v) => Err(Error::malformed(
            Location::None,
            format!("{kind} format version {v}; this embed-tl reads version {version}"),
        )),
        None => Err(Error::malformed(
            Location::None,
            format!("{kind} file has no version"),
        )),
    }
}

/// The featurizer file's format name.
pub const FEATURIZER_FORMAT: &str = "embed-tl-featurizer";
/// The featurizer file version this build reads and writes.
pub const FEATURIZER_VERSION: u32 = 1;

/// A fitted featurizer saved on its own, with the fingerprint of the
/// vectors it was fitted on: what `embed --save-featurizer` writes and
/// `embed --featurizer` reads, so that texts featurised in separate runs
/// (the partitions of a big corpus) get the features one run would give,
/// IDF weights and SIF's component included.
///
/// ```
/// use embed_tl::features::FeaturizerParams;
/// use embed_tl::pipeline::SavedFeaturizer;
/// use embed_tl::pool::PoolParams;
/// use embed_tl::Vectors;
///
/// let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
/// let texts = ["A great little phone.", "Battery died after a week.", "Great value!"];
/// let fitted = FeaturizerParams::default().pool(PoolParams::Idf).fit(&vectors, &texts)?;
/// let mut file = Vec::new();
/// SavedFeaturizer::new(fitted.clone(), &vectors).save(&mut file)?;
/// let loaded = SavedFeaturizer::load(&file[..])?;
/// loaded.check_vectors(&vectors)?;
/// assert_eq!(loaded.featurizer(), &fitted);
/// # Ok::<(), embed_tl::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SavedFeaturizer {
    format: String,
    version: u32,
    featurizer: Featurizer,
    vectors: Fingerprint,
}

impl SavedFeaturizer {
    /// `featurizer`, fitted on `vectors`, ready to save.
    pub fn new(featurizer: Featurizer, vectors: &Vectors) -> SavedFeaturizer {
        SavedFeaturizer {
            format: FEATURIZER_FORMAT.into(),
            version: FEATURIZER_VERSION,
            featurizer,
            vectors: Fingerprint::of(vectors),
        }
    }

    /// The vector channel of a model: its featurizer and the fingerprint
    /// of its training vectors; an error for an n-gram model.
    pub fn from_model(model: &Pipeline) -> Result<SavedFeaturizer> {
        match (model.featurizer(), model.fingerprint()) {
            (Some(f), Some(v)) => Ok(SavedFeaturizer {
                format: FEATURIZER_FORMAT.into(),
                version: FEATURIZER_VERSION,
                featurizer: f.clone(),
                vectors: v.clone(),
            }),
            _ => Err(Error::InvalidInput(format!(
                "the model has no word-vector featurizer (its features are '{}'): \
                 train it with --features vectors or both",
                model.features()
            ))),
        }
    }

    /// The fitted featurizer.
    pub fn featurizer(&self) -> &Featurizer {
        &self.featurizer
    }

    /// The fingerprint of the vectors it was fitted on.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.vectors
    }

    /// Ok when `vectors` are the ones it was fitted on; else what differs.
    pub fn check_vectors(&self, vectors: &Vectors) -> Result<()> {
        self.vectors
            .check_for(&Fingerprint::of(vectors), "the featurizer was fitted on")
    }

    /// Write it as JSON.
    pub fn save<W: Write>(&self, mut out: W) -> Result<()> {
        serde_json::to_writer(&mut out, self).map_err(|e| Error::io(std::io::Error::other(e)))?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }

    /// Read a featurizer file written by [`SavedFeaturizer::save`], or a
    /// model file written by [`Pipeline::save`] (its vector channel, as
    /// [`SavedFeaturizer::from_model`]). A truncated or damaged file, a
    /// file of another version or of another kind is an error.
    pub fn load<R: Read>(mut input: R) -> Result<SavedFeaturizer> {
        let mut bytes = Vec::new();
        input.read_to_end(&mut bytes)?;
        let value = parse_saved(&bytes, "featurizer")?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(MODEL_FORMAT) => return SavedFeaturizer::from_model(&Pipeline::load(&bytes[..])?),
            Some(FEATURIZER_FORMAT) => {}
            _ => {
                return Err(Error::malformed(
                    Location::None,
                    "not an embed-tl featurizer or model file",
                ))
            }
        }
        check_version(&value, FEATURIZER_VERSION, "featurizer")?;
        let damaged =
            |e: String| Error::malformed(Location::None, format!("damaged featurizer file: {e}"));
        let saved: SavedFeaturizer =
            serde_json::from_value(value.clone()).map_err(|e| damaged(e.to_string()))?;
        let reread = serde_json::to_value(&saved).map_err(|e| damaged(e.to_string()))?;
        if let Some((path, number)) = overflowed(&value, &reread, String::new()) {
            return Err(Error::malformed(
                Location::None,
                format!("{path} is {number}: expected a finite number that fits its field"),
            ));
        }
        saved.featurizer.check_loaded().map_err(damaged)?;
        if saved.featurizer.dims() != saved.vectors.dims {
            return Err(damaged(format!(
                "a {}-d featurizer for {}-d vectors",
                saved.featurizer.dims(),
                saved.vectors.dims
            )));
        }
        Ok(saved)
    }
}

/// The JSON path and text of the first number of `original` (a model file
/// as read) that is `null` in `reread` (the model deserialised and written
/// again): a value that did not fit its field and became infinity.
fn overflowed(
    original: &serde_json::Value,
    reread: &serde_json::Value,
    path: String,
) -> Option<(String, String)> {
    use serde_json::Value;
    match (original, reread) {
        (Value::Number(n), Value::Null) => Some((path, n.to_string())),
        (Value::Object(a), Value::Object(b)) => b.iter().find_map(|(key, b)| {
            let a = a.get(key)?;
            let path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            overflowed(a, b, path)
        }),
        (Value::Array(a), Value::Array(b)) => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (a, b))| overflowed(a, b, format!("{path}[{i}]"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ngrams() -> PipelineParams {
        PipelineParams::default().features(FeatureSet::Ngrams)
    }

    #[test]
    fn a_label_beyond_the_classes_is_an_error_not_a_panic() {
        let texts = ["good", "bad", "fine"];
        let classes = ["neg".to_string(), "pos".to_string()];
        let err = ngrams()
            .fit(None, &texts, &[0, 1, 2], &classes)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "label 2 of text 3 out of range 0..2 (neg, pos)");
    }

    /// (labels, inner folds asked) -> what the selection reports.
    #[test]
    fn small_classes_shape_the_inner_cross_validation() {
        let cases: Vec<(Vec<usize>, usize, Option<SmallClasses>)> = vec![
            // Enough of each class: as asked.
            (vec![0, 0, 0, 1, 1, 1], 3, None),
            // A class of one: kept in training, never validated.
            (
                vec![0, 0, 0, 0, 1, 1, 1, 1, 2],
                3,
                Some(SmallClasses {
                    requested: 3,
                    folds: 3,
                    unvalidated: vec![(2, 1)],
                }),
            ),
            // A class of 2 and no class of 1: 2 folds, every class validated.
            (
                vec![0, 0, 0, 1, 1, 1, 2, 2],
                3,
                Some(SmallClasses {
                    requested: 3,
                    folds: 2,
                    unvalidated: vec![],
                }),
            ),
            // A class of 2: 2 folds; the class of 1 kept.
            (
                vec![0, 0, 0, 0, 1, 1, 2],
                3,
                Some(SmallClasses {
                    requested: 3,
                    folds: 2,
                    unvalidated: vec![(2, 1)],
                }),
            ),
            // Every class but one has a single text: the grids' middle.
            (
                vec![0, 0, 0, 1, 2],
                3,
                Some(SmallClasses {
                    requested: 3,
                    folds: 0,
                    unvalidated: vec![(0, 3), (1, 1), (2, 1)],
                }),
            ),
        ];
        let words = ["alpha", "beta", "gamma"];
        for (labels, k, expected) in cases {
            let texts: Vec<String> = labels
                .iter()
                .enumerate()
                .map(|(i, &l)| format!("{} {} word{i}", words[l], words[l]))
                .collect();
            let classes = words.map(String::from);
            let model = ngrams()
                .inner_folds(k)
                .fit(None, &texts, &labels, &classes)
                .unwrap();
            let selection = model.selection();
            assert_eq!(selection.small_classes, expected, "{labels:?}");
            if expected.as_ref().is_some_and(SmallClasses::fell_back) {
                assert_eq!((selection.c, selection.beta), (1.0, 1.0));
                assert!(selection.grid.is_empty());
            } else {
                assert!(!selection.grid.is_empty());
            }
        }
    }

    #[test]
    fn the_beta_walk_stops_only_at_a_drop_beyond_the_noise() {
        // Banking77's inner CV (9,003 texts): 88.4% at beta = 0.03, 87.3%
        // at 0.1 is 3 standard errors down.
        assert!(clear_drop(0.8835, 0.8733, 9003));
        // The same drop over 500 texts is noise (0.7 standard errors).
        assert!(!clear_drop(0.8835, 0.8733, 500));
        // 50 texts: even 10 points is within 2 standard errors (6.5 points each).
        assert!(!clear_drop(0.70, 0.60, 50));
        assert!(!clear_drop(0.70, 0.70, 100_000));
        assert!(!clear_drop(0.70, 0.71, 100_000));
        // A perfect best stops at a real drop, not at one text in 40.
        assert!(clear_drop(1.0, 0.99, 1000));
        assert!(!clear_drop(1.0, 0.975, 40));
    }

    /// `n` texts, the first `right` of them right.
    fn right_first(n: usize, right: usize) -> Vec<bool> {
        (0..n).map(|i| i < right).collect()
    }

    #[test]
    fn the_paired_gap_is_judged_on_the_texts_where_the_two_differ() {
        // 50 texts, 3 more right for the best: a mean gap of 0.06 with a
        // paired standard error of 0.034, 1.75 of them.
        let (best, other) = (right_first(50, 33), right_first(50, 30));
        assert!(!within_paired(&best, &other, 0.5));
        assert!(within_paired(&best, &other, 2.0));
        assert!(!within_paired(&best, &other, 1.0));
        // The same gap of 3 texts, made of 12 texts one way and 9 the
        // other: within one standard error (0.092).
        let mut other = best.clone();
        other[..12].fill(false);
        other[33..42].fill(true);
        assert!(within_paired(&best, &other, 1.0));
        // Equal or better is always within; too few texts never are.
        assert!(within_paired(&other, &best, 0.0));
        assert!(within_paired(&best, &best, 0.0));
        assert!(!within_paired(&[true], &[true], 1.0));
    }

    /// Grid points' log-losses known by their means alone (no per-text
    /// losses: never clearly worse than another).
    fn flat(means: &[f64]) -> Vec<Losses> {
        means
            .iter()
            .map(|&mean| Losses {
                texts: Vec::new(),
                mean,
            })
            .collect()
    }

    /// `best`'s log-losses worse by 0.1 on average, +0.9 and -0.7 in turn.
    fn noisier(best: &Losses) -> Losses {
        Losses::new(
            best.texts
                .iter()
                .enumerate()
                .map(|(i, l)| l + if i % 2 == 0 { 0.9 } else { -0.7 })
                .collect(),
        )
    }

    #[test]
    fn a_log_loss_is_clearly_worse_beyond_its_paired_standard_errors() {
        let best = Losses::new((0..20).map(|i| 0.5 + 0.05 * (i % 5) as f64).collect());
        // Worse by 0.3 on every text: no noise at all.
        let shifted = Losses::new(best.texts.iter().map(|l| l + 0.3).collect());
        assert!(clearly_worse(&best, &shifted, 2.0));
        assert!(!clearly_worse(&shifted, &best, 2.0));
        // Worse by 0.1 on average, +0.9 and -0.7 in turn: a standard error
        // of 0.18, so within 2 of them.
        let noisy = noisier(&best);
        assert!(!clearly_worse(&best, &noisy, 2.0));
        assert!(clearly_worse(&best, &noisy, 0.5));
        // One text proves nothing.
        assert!(!clearly_worse(
            &Losses::new(vec![0.1]),
            &Losses::new(vec![9.0]),
            2.0
        ));
    }

    #[test]
    fn a_larger_weight_clearly_worse_in_log_loss_is_not_chosen() {
        let point = |c, beta, accuracy| GridPoint {
            c,
            beta,
            accuracy,
            log_loss: None,
            macro_f1: None,
        };
        // The best by log-loss at beta 0.1; beta 1's best point is right on
        // the same 12 of 20 texts, but far less sure of them.
        let grid = [point(10.0, 0.1, 0.6), point(0.01, 1.0, 0.6)];
        let rights = vec![right_first(20, 12); 2];
        let best = Losses::new((0..20).map(|i| 0.8 + 0.1 * (i % 3) as f64).collect());
        let unsure = Losses::new(best.texts.iter().map(|l| l + 0.2).collect());
        let losses = vec![best.clone(), unsure];
        assert_eq!(
            choose_point(&grid, &rights, &losses, Rank::LogLoss),
            Some(0)
        );
        assert!(largest_weight_out_of_band(
            &grid,
            &rights,
            &losses,
            Rank::LogLoss
        ));
        // Ranked by accuracy the log-loss only breaks ties: the band on
        // accuracy takes the larger weight as before.
        assert_eq!(
            choose_point(&grid, &rights, &losses, Rank::Accuracy),
            Some(1)
        );
        // Worse within the noise: the larger weight is chosen.
        let noisy = noisier(&best);
        let losses = vec![best, noisy];
        assert_eq!(
            choose_point(&grid, &rights, &losses, Rank::LogLoss),
            Some(1)
        );
    }

    #[test]
    fn a_larger_beta_as_good_within_the_noise_is_chosen() {
        let point = |c, beta, accuracy| GridPoint {
            c,
            beta,
            accuracy,
            log_loss: None,
            macro_f1: None,
        };
        // Two betas x two Cs on 40 texts; the best is (1, 0.03).
        let grid = [
            point(0.1, 0.03, 0.5),
            point(1.0, 0.03, 0.75),
            point(0.1, 1.0, 0.7),
            point(1.0, 1.0, 0.6),
        ];
        let best = right_first(40, 30);
        // beta = 1's best C gets 10 of the best's texts wrong and 8 it
        // missed right: 2 texts behind, within 0.5 paired standard errors
        // (0.107 each), so it is chosen.
        let mut close = best.clone();
        close[..10].fill(false);
        close[30..38].fill(true);
        let rights = vec![
            right_first(40, 20),
            best.clone(),
            close,
            right_first(40, 24),
        ];
        assert_eq!(
            choose_point(&grid, &rights, &flat(&[0.0; 4]), Rank::Accuracy),
            Some(2)
        );
        // 10 texts behind is a real gap: the best stands.
        let far = right_first(40, 20);
        let rights = vec![right_first(40, 20), best, far, right_first(40, 24)];
        assert_eq!(
            choose_point(&grid, &rights, &flat(&[0.0; 4]), Rank::Accuracy),
            Some(1)
        );
        // The best at the largest beta, and ties, stay with the argmax
        // (ties to the earlier point).
        let grid = [
            point(0.1, 0.03, 0.6),
            point(0.1, 1.0, 0.7),
            point(1.0, 1.0, 0.7),
        ];
        let rights = vec![
            right_first(40, 24),
            right_first(40, 28),
            right_first(40, 28),
        ];
        assert_eq!(
            choose_point(&grid, &rights, &flat(&[0.0; 3]), Rank::Accuracy),
            Some(1)
        );
        assert_eq!(choose_point(&[], &[], &[], Rank::Accuracy), None);
    }

    #[test]
    fn ties_of_accuracy_go_to_the_lower_log_loss() {
        let point = |c, accuracy| GridPoint {
            c,
            beta: 1.0,
            accuracy,
            log_loss: None,
            macro_f1: None,
        };
        // Three Cs right on the same 30 of 40 texts: the middle one was the
        // surest of the right classes.
        let grid = [point(0.01, 0.75), point(1.0, 0.75), point(100.0, 0.75)];
        let rights = vec![right_first(40, 30); 3];
        assert_eq!(
            choose_point(&grid, &rights, &flat(&[0.69, 0.52, 0.61]), Rank::Accuracy),
            Some(1)
        );
        // Equal losses too: the earlier point.
        assert_eq!(
            choose_point(&grid, &rights, &flat(&[0.5; 3]), Rank::Accuracy),
            Some(0)
        );
        // A higher accuracy wins whatever its loss.
        let grid = [point(0.01, 0.7), point(1.0, 0.75)];
        let rights = vec![right_first(40, 28), right_first(40, 30)];
        assert_eq!(
            choose_point(&grid, &rights, &flat(&[0.1, 0.9]), Rank::Accuracy),
            Some(1)
        );
    }

    #[test]
    fn the_walk_stops_at_a_weight_the_selection_could_not_choose() {
        let point = |beta, accuracy| GridPoint {
            c: 1.0,
            beta,
            accuracy,
            log_loss: None,
            macro_f1: None,
        };
        // 2,000 texts: 1,560 right at beta 0.03; 1,540 at 0.1 (20 fewer,
        // a paired standard error of 0.0022 on a gap of 0.01: out of the
        // band); then the same 1,560 at 0.1, a higher log-loss only (in the
        // band).
        let grid = [point(0.03, 0.78), point(0.1, 0.77)];
        let rights = vec![right_first(2000, 1560), right_first(2000, 1540)];
        assert!(largest_weight_out_of_band(
            &grid,
            &rights,
            &flat(&[0.5; 2]),
            Rank::Accuracy
        ));
        let grid = [point(0.03, 0.78), point(0.1, 0.78)];
        let rights = vec![right_first(2000, 1560); 2];
        assert!(!largest_weight_out_of_band(
            &grid,
            &rights,
            &flat(&[0.5, 0.6]),
            Rank::Accuracy
        ));
        // The largest weight is the best: go on.
        let grid = [point(0.03, 0.77), point(0.1, 0.78)];
        let rights = vec![right_first(2000, 1540), right_first(2000, 1560)];
        assert!(!largest_weight_out_of_band(
            &grid,
            &rights,
            &flat(&[0.5; 2]),
            Rank::Accuracy
        ));
        assert!(!largest_weight_out_of_band(&[], &[], &[], Rank::Accuracy));
    }

    /// Large sets validate the first inner fold alone, and the final fit
    /// starts from that fold's fit at the chosen point: it reaches the
    /// minimum a fit from zero at the same point reaches.
    #[test]
    fn a_one_fold_selection_validates_the_first_fold_and_starts_the_final_fit() {
        let words = [
            "good", "bad", "plot", "cast", "long", "fine", "dull", "score",
        ];
        // 300 texts, 150 per class; a quarter of the labels flipped, so
        // that the folds' accuracies differ.
        let texts: Vec<String> = (0..300)
            .map(|i: usize| {
                let w = |j: usize| words[(i * 7 + j * 3 + i / 5) % words.len()];
                format!("{} {} {} {}", w(0), w(1), w(2), ["yes", "no"][i % 2])
            })
            .collect();
        let labels: Vec<usize> = (0..300)
            .map(|i| (i % 2) ^ usize::from(i % 4 == 3))
            .collect();
        let classes = ["a", "b"].map(String::from);
        // The first of 3 stratified folds holds 100 texts.
        let on_100 =
            |p: &GridPoint| (p.accuracy * 100.0 - (p.accuracy * 100.0).round()).abs() < 1e-9;
        let one = ngrams()
            .one_fold_min_held(50)
            .fit(None, &texts, &labels, &classes)
            .unwrap();
        assert!(
            one.selection().grid.iter().all(on_100),
            "{:?}",
            one.selection().grid
        );
        let all = ngrams().fit(None, &texts, &labels, &classes).unwrap();
        assert!(
            !all.selection().grid.iter().all(on_100),
            "{:?}",
            all.selection().grid
        );
        let cold = ngrams()
            .cs(vec![one.selection().c])
            .fit(None, &texts, &labels, &classes)
            .unwrap();
        let (p, q) = (
            one.predict_proba(None, &texts).unwrap(),
            cold.predict_proba(None, &texts).unwrap(),
        );
        let gap = p
            .iter()
            .zip(&q)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(gap < 1e-3, "largest difference of probabilities {gap}");
    }

    /// Few validated texts rank the grid by log-loss when the vectors are
    /// in, many by accuracy.
    #[test]
    fn few_validated_texts_rank_the_grid_by_log_loss() {
        assert_eq!(
            Rank::over(20, FeatureSet::Both, SelectBy::Auto),
            Rank::LogLoss
        );
        let most = LOSS_RANK_MAX_TEXTS - 1;
        assert_eq!(
            Rank::over(most, FeatureSet::Vectors, SelectBy::Auto),
            Rank::LogLoss
        );
        assert_eq!(
            Rank::over(most, FeatureSet::Ngrams, SelectBy::Auto),
            Rank::Accuracy
        );
        assert_eq!(
            Rank::over(LOSS_RANK_MAX_TEXTS, FeatureSet::Both, SelectBy::Auto),
            Rank::Accuracy
        );
        let point = |c, accuracy| GridPoint {
            c,
            beta: 1.0,
            accuracy,
            log_loss: None,
            macro_f1: None,
        };
        // C = 100 gets one more text right, C = 1 is surer of the rest.
        let grid = [point(1.0, 0.70), point(100.0, 0.75)];
        let rights = [right_first(20, 14), right_first(20, 15)];
        let losses = flat(&[0.55, 0.80]);
        assert_eq!(
            choose_point(&grid, &rights, &losses, Rank::Accuracy),
            Some(1)
        );
        assert_eq!(
            choose_point(&grid, &rights, &losses, Rank::LogLoss),
            Some(0)
        );
        // Equal losses: the higher accuracy.
        assert_eq!(
            choose_point(&grid, &rights, &flat(&[0.6, 0.6]), Rank::LogLoss),
            Some(1)
        );
    }

    /// `--select-by` overrides the automatic choice of ranking, and the
    /// macro-F1 ranks the grid when asked.
    #[test]
    fn the_selection_metric_can_be_chosen() {
        for (s, rank) in [
            ("accuracy", Rank::Accuracy),
            ("log-loss", Rank::LogLoss),
            ("macro-f1", Rank::MacroF1),
        ] {
            let select_by: SelectBy = s.parse().unwrap();
            assert_eq!(select_by.to_string(), s);
            assert_eq!(Rank::over(20, FeatureSet::Both, select_by), rank);
            assert_eq!(Rank::over(50_000, FeatureSet::Ngrams, select_by), rank);
        }
        assert_eq!("auto".parse::<SelectBy>().unwrap(), SelectBy::Auto);
        assert!("f1".parse::<SelectBy>().is_err());
        // C = 100 gets 3 more texts right, all of the common class; C = 1
        // finds the rare class.
        let point = |c, accuracy, f1| GridPoint {
            c,
            beta: 1.0,
            accuracy,
            log_loss: None,
            macro_f1: Some(f1),
        };
        let grid = [point(1.0, 0.80, 0.72), point(100.0, 0.95, 0.49)];
        let rights = [right_first(20, 16), right_first(20, 19)];
        let losses = flat(&[0.5, 0.5]);
        assert_eq!(
            choose_point(&grid, &rights, &losses, Rank::Accuracy),
            Some(1)
        );
        assert_eq!(
            choose_point(&grid, &rights, &losses, Rank::MacroF1),
            Some(0)
        );
    }

    /// The macro-F1 averages the F1 of the classes present in the truth,
    /// a class predicted but absent costing the others precision.
    #[test]
    fn the_macro_f1_averages_the_classes_with_texts() {
        // Class 0: 2 of 3 found, none wrongly (P 1, R 2/3, F1 0.8); class
        // 1: 1 of 1 found, 1 wrongly (P 1/2, R 1, F1 2/3); class 2 has no
        // texts and is not averaged.
        let truth = [0, 0, 0, 1];
        let predicted = [0, 0, 1, 1];
        let f1 = macro_f1(&truth, &predicted, 3);
        assert!((f1 - (0.8 + 2.0 / 3.0) / 2.0).abs() < 1e-12, "{f1}");
        let predicted = [0, 0, 2, 1];
        let f1 = macro_f1(&truth, &predicted, 3);
        assert!((f1 - (0.8 + 1.0) / 2.0).abs() < 1e-12, "{f1}");
        assert_eq!(macro_f1(&[], &[], 2), 0.0);
    }

    /// The tuned layer is left out when most classes cannot be validated
    /// (here 8 classes of one text beside 2 of six), and from a model
    /// without word vectors.
    /// The blend weight: the largest within the noise of the lowest
    /// log-loss, not past a weight that is clearly worse.
    #[test]
    fn blend_choice_takes_the_largest_weight_within_the_noise() {
        let l = |v: &[f64]| Losses::new(v.to_vec());
        // Lowest at 0.25; 0.5 and 0.75 slightly worse on noisy texts, 1
        // worse on every text.
        let losses = [
            l(&[0.6, 0.6, 0.6, 0.6]),
            l(&[0.3, 0.5, 0.4, 0.6]),
            l(&[0.1, 0.9, 0.2, 0.7]),
            l(&[0.2, 1.0, 0.1, 0.9]),
            l(&[0.9, 1.1, 1.0, 1.2]),
        ];
        assert_eq!(blend_choice(&losses, true), 3);
        // Every weight clearly worse than the lowest: the lowest.
        let sure = [
            l(&[0.1, 0.1, 0.1]),
            l(&[0.5, 0.6, 0.7]),
            l(&[0.5, 0.6, 0.7]),
        ];
        assert_eq!(blend_choice(&sure, true), 0);
        // Equal losses: the largest.
        let flat = [l(&[0.5, 0.5]), l(&[0.5, 0.5])];
        assert_eq!(blend_choice(&flat, true), 1);
        // Long texts, no lean: the lowest.
        assert_eq!(blend_choice(&losses, false), 1);
        assert_eq!(blend_choice(&flat, false), 0);
    }

    /// `auto` tunes a layer below 2,000 texts and below 50,000 tokens, and
    /// nowhere else.
    #[test]
    fn auto_finetune_is_for_small_sets() {
        let tokenizer = crate::text::Tokenizer::whitespace();
        let resolve = |n: usize, words: usize| {
            let text = vec!["word"; words].join(" ");
            FineTune::Auto.resolve(&vec![text; n], &tokenizer)
        };
        assert_eq!(resolve(FINETUNE_AUTO_MAX_TEXTS - 1, 1), FineTune::On);
        assert_eq!(resolve(FINETUNE_AUTO_MAX_TEXTS, 1), FineTune::Off);
        assert_eq!(resolve(100, 499), FineTune::On);
        assert_eq!(resolve(100, 500), FineTune::Off);
        assert_eq!(
            FineTune::On.resolve(&vec!["a"; 5_000], &tokenizer),
            FineTune::On
        );
        assert_eq!(FineTune::Off.resolve(&["a"], &tokenizer), FineTune::Off);
        // Counted elsewhere (classify's coverage): the same limits.
        assert_eq!(FineTune::Auto.for_size(1_999, 49_999), FineTune::On);
        assert_eq!(FineTune::Auto.for_size(1_999, 50_000), FineTune::Off);
        assert_eq!(FineTune::Off.for_size(10, 10), FineTune::Off);
        assert_eq!("auto".parse::<FineTune>().unwrap(), FineTune::Auto);
        assert!("yes".parse::<FineTune>().is_err());
    }

    #[test]
    fn a_tuned_layer_needs_classes_it_can_validate() {
        let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu").unwrap();
        let words = [
            "good", "bad", "red", "blue", "cat", "dog", "sun", "rain", "car", "boat",
        ];
        let mut texts = Vec::new();
        let mut labels = Vec::new();
        for (class, word) in words.iter().enumerate() {
            let n = if class < 2 { 6 } else { 1 };
            for i in 0..n {
                texts.push(format!("{word} thing {i}"));
                labels.push(class);
            }
        }
        let classes: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let params = PipelineParams::default().finetune(FineTune::On);
        let model = params
            .fit(Some(&vectors), &texts, &labels, &classes)
            .unwrap();
        assert!(model.tuned().is_none());
        assert_eq!(model.version, MODEL_VERSION);
        let ngrams = params
            .features(FeatureSet::Ngrams)
            .fit(None, &texts, &labels, &classes)
            .unwrap();
        assert!(ngrams.tuned().is_none());
    }

    #[test]
    fn small_sets_try_the_whole_grid() {
        let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu").unwrap();
        let words = ["good fine great nice", "bad awful poor dull"];
        let texts: Vec<String> = (0..40)
            .map(|i| {
                format!(
                    "{} film {i}",
                    words[i % 2].split(' ').nth(i / 2 % 4).unwrap()
                )
            })
            .collect();
        let labels: Vec<usize> = (0..40).map(|i| i % 2).collect();
        let classes = ["pos", "neg"].map(String::from);
        let model = PipelineParams::default()
            .fit(Some(&vectors), &texts, &labels, &classes)
            .unwrap();
        assert_eq!(model.selection().grid.len(), 4 * 5);
        assert!(model.selection().grid.iter().all(|p| p.macro_f1.is_none()));
        let model = PipelineParams::default()
            .select_by(SelectBy::MacroF1)
            .fit(Some(&vectors), &texts, &labels, &classes)
            .unwrap();
        let grid = &model.selection().grid;
        assert!(grid
            .iter()
            .all(|p| p.macro_f1.is_some_and(|f| (0.0..=1.0).contains(&f))));
    }

    #[test]
    fn the_fallback_takes_the_middle_of_both_grids() {
        let texts = ["a x", "a y", "a z", "b", "c"];
        let labels = [0, 0, 0, 1, 2];
        let classes = ["a", "b", "c"].map(String::from);
        // Unsorted grids: the middle of the sorted ones.
        let params = ngrams().cs(vec![100.0, 0.01, 1.0, 10.0, 0.1]);
        let model = params.fit(None, &texts, &labels, &classes).unwrap();
        assert_eq!(model.selection().c, 1.0);
        let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu").unwrap();
        let texts = ["good film", "fine film", "great film", "bad", "awful"];
        let both = PipelineParams::default().betas(vec![1.0, 0.03, 0.3, 0.1]);
        let model = both.fit(Some(&vectors), &texts, &labels, &classes).unwrap();
        assert_eq!((model.selection().c, model.selection().beta), (1.0, 0.1));
    }
}
