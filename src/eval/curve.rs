//! How many labels do I need? Learning curves of the three models: the
//! accuracy on a fixed evaluation set against the number of labelled
//! training examples, several stratified, seeded draws per size.
//!
//! ```
//! use embed_tl::eval::{CurveParams, CurveSize};
//! use embed_tl::pipeline::PipelineParams;
//! use embed_tl::Vectors;
//!
//! let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
//! let pool: Vec<String> = ["great phone", "love it", "works great", "very good",
//!     "awful", "broke fast", "waste of money", "very bad"].map(String::from).to_vec();
//! let pool_labels = [1, 1, 1, 1, 0, 0, 0, 0];
//! let eval = ["good phone", "bad phone"];
//! let classes = vec!["neg".to_string(), "pos".to_string()];
//! let params = CurveParams::new(PipelineParams::default().cs(vec![1.0]).betas(vec![1.0]))
//!     .sizes(vec![CurveSize::Count(4), CurveSize::All])
//!     .draws(2)
//!     .min_per_class(2);
//! let curve = params.run(&vectors, &pool, &pool_labels, &eval, &[1, 0], &classes, &|| {})?;
//! assert_eq!(curve.sizes, [4, 8]);
//! assert_eq!(curve.points.len(), 2 * 3); // sizes x models
//! # Ok::<(), embed_tl::Error>(())
//! ```
//!
//! Draw `d` is one growing labelled set: each class's rows are shuffled
//! once per draw (seeded by the seed and `d`) and a size takes the first
//! rows of each class, so the examples of a draw at 50 include those at 25
//! up to the rounding of the class quotas. A size is shared among the
//! classes in proportion to their counts in the pool (largest
//! remainders), and every class gets at least
//! [`CurveParams::min_per_class`] examples, enough for the inner
//! cross-validation that picks `C`, or all of its examples when the pool
//! has fewer (the inner cross-validation then keeps it out of validation,
//! see [`crate::pipeline::SmallClasses`]). The whole pool is one draw.

use std::io::Write;
use std::str::FromStr;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

#[cfg(doc)]
use super::stratified_folds;
use super::transfer::{mean_sd, MODELS};
use super::{stratified_folds_keeping, DrawTest, Metrics};
use crate::error::{Error, Result};
use crate::pipeline::{FeatureSet, PipelineParams};
use crate::vectors::Vectors;

/// The default sizes, capped by the pool (which is always the last size).
pub const DEFAULT_SIZES: [usize; 12] = [
    25, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000,
];

/// One size of a learning curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurveSize {
    /// This many labelled examples.
    Count(usize),
    /// The whole pool.
    All,
}

impl FromStr for CurveSize {
    type Err = Error;

    /// A positive number, or `all`.
    fn from_str(s: &str) -> Result<Self> {
        if s.trim() == "all" {
            return Ok(CurveSize::All);
        }
        match s.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(CurveSize::Count(n)),
            _ => Err(Error::InvalidParameter(format!(
                "'{s}' is not a size: expected a positive number or 'all'"
            ))),
        }
    }
}

/// A size left out of a default curve, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SkippedSize {
    /// The size.
    pub size: usize,
    /// Why it was left out.
    pub reason: String,
}

/// Learning-curve settings (a consuming builder).
#[derive(Clone, Debug)]
pub struct CurveParams {
    pipeline: PipelineParams,
    sizes: Option<Vec<CurveSize>>,
    draws: usize,
    seed: u64,
    min_per_class: usize,
}

impl CurveParams {
    /// Curves of pipelines built from `pipeline` (its feature set is
    /// replaced by each model in turn, its seed by each draw's).
    pub fn new(pipeline: PipelineParams) -> Self {
        CurveParams {
            pipeline,
            sizes: None,
            draws: 5,
            seed: 42,
            min_per_class: 3,
        }
    }

    /// The sizes. Default: [`DEFAULT_SIZES`] below the pool size, then the
    /// whole pool, leaving out (with a note) sizes too small for the
    /// classes. Sizes given here are all used or refused with an error.
    pub fn sizes(mut self, sizes: Vec<CurveSize>) -> Self {
        self.sizes = Some(sizes);
        self
    }

    /// Draws per size (the whole pool is always one). Default 5.
    pub fn draws(mut self, n: usize) -> Self {
        self.draws = n;
        self
    }

    /// Seed of the draws. Default 42.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The fewest examples of each class in a draw. Default 3, the
    /// pipeline's default inner folds; at least 2.
    pub fn min_per_class(mut self, n: usize) -> Self {
        self.min_per_class = n;
        self
    }

    /// Draws per size.
    pub fn get_draws(&self) -> usize {
        self.draws
    }

    /// Fail on settings that cannot work.
    pub fn check(&self) -> Result<()> {
        if self.draws < 1 {
            return Err(Error::InvalidParameter(
                "need at least 1 draw per size".into(),
            ));
        }
        if self.min_per_class < 2 {
            return Err(Error::InvalidParameter(
                "each class needs at least 2 examples per draw".into(),
            ));
        }
        if matches!(&self.sizes, Some(s) if s.is_empty()) {
            return Err(Error::InvalidParameter(
                "no learning-curve sizes given".into(),
            ));
        }
        self.pipeline.check()
    }

    /// The sizes to run for a pool with `counts[c]` examples of class `c`,
    /// ascending and distinct, and the default sizes left out. Asked-for
    /// sizes that cannot work are an error saying why.
    pub fn plan(&self, counts: &[usize]) -> Result<(Vec<usize>, Vec<SkippedSize>)> {
        self.check()?;
        let pool: usize = counts.iter().sum();
        let m = self.min_per_class;
        if counts.len() < 2 {
            return Err(Error::TooFewClasses {
                found: counts.len(),
                needed: 2,
                message: "a learning curve needs at least 2 classes".into(),
            });
        }
        // A class with fewer than m examples in the pool is drawn whole
        // into every draw (see `quotas`): it is not a reason to fail.
        let least: usize = counts.iter().map(|&n| n.min(m)).sum();
        let mut sizes = Vec::new();
        let mut skipped = Vec::new();
        match &self.sizes {
            None => {
                for &s in DEFAULT_SIZES.iter().filter(|&&s| s < pool) {
                    if s < least {
                        skipped.push(SkippedSize {
                            size: s,
                            reason: format!(
                                "fewer than {m} examples for each of the {} classes ({least})",
                                counts.len()
                            ),
                        });
                    } else {
                        sizes.push(s);
                    }
                }
                sizes.push(pool);
            }
            Some(asked) => {
                for size in asked {
                    let s = match *size {
                        CurveSize::All => pool,
                        CurveSize::Count(s) => s,
                    };
                    if s > pool {
                        return Err(Error::TooFewExamples {
                            class: None,
                            found: pool,
                            needed: s,
                            message: format!(
                                "size {s} is larger than the training pool ({pool} examples)"
                            ),
                        });
                    }
                    if s < least {
                        return Err(Error::InvalidParameter(format!(
                            "size {s} is too small: each draw needs at least {m} examples of each of the {} classes, {least} in all",
                            counts.len()
                        )));
                    }
                    sizes.push(s);
                }
                sizes.sort_unstable();
                sizes.dedup();
            }
        }
        Ok((sizes, skipped))
    }

    /// Units of work [`CurveParams::run`] reports to its progress
    /// callback for these `sizes` of a pool of `pool` examples: one fit
    /// per size, draw and model.
    pub fn steps(&self, sizes: &[usize], pool: usize) -> usize {
        sizes
            .iter()
            .map(|&s| self.draws_at(s, pool) * MODELS.len())
            .sum()
    }

    fn draws_at(&self, size: usize, pool: usize) -> usize {
        if size >= pool {
            1
        } else {
            self.draws
        }
    }

    /// The rows (indices into `labels`) of draw `draw` at `size`.
    pub fn draw(&self, labels: &[usize], classes: usize, size: usize, draw: usize) -> Vec<usize> {
        let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
        for (i, &c) in labels.iter().enumerate() {
            if let Some(rows) = by_class.get_mut(c) {
                rows.push(i);
            }
        }
        if size >= labels.len() {
            return (0..labels.len()).collect();
        }
        let counts: Vec<usize> = by_class.iter().map(Vec::len).collect();
        let quotas = quotas(&counts, size, self.min_per_class);
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(draw as u64);
        let mut rows = Vec::with_capacity(size);
        for (class_rows, q) in by_class.iter_mut().zip(quotas) {
            class_rows.shuffle(&mut rng);
            rows.extend_from_slice(&class_rows[..q.min(class_rows.len())]);
        }
        rows.sort_unstable();
        rows
    }

    /// Run the curves: fit each model on each draw of each size of the
    /// pool and score it on the evaluation texts. Calls `progress` after
    /// each fit. Parallel; the result depends only on the inputs and seed.
    #[allow(clippy::too_many_arguments)]
    pub fn run<T: AsRef<str> + Sync, E: AsRef<str> + Sync>(
        &self,
        vectors: &Vectors,
        pool_texts: &[T],
        pool_labels: &[usize],
        eval_texts: &[E],
        eval_labels: &[usize],
        classes: &[String],
        progress: &(dyn Fn() + Sync),
    ) -> Result<LearningCurve> {
        if pool_texts.len() != pool_labels.len() || eval_texts.len() != eval_labels.len() {
            return Err(Error::InvalidInput(
                "texts and labels differ in number".into(),
            ));
        }
        if eval_texts.is_empty() {
            return Err(Error::TooFewExamples {
                class: None,
                found: 0,
                needed: 1,
                message: "the learning curve needs texts to evaluate on".into(),
            });
        }
        if let Some(&bad) = pool_labels
            .iter()
            .chain(eval_labels)
            .find(|&&l| l >= classes.len())
        {
            return Err(Error::InvalidInput(format!(
                "label index {bad} is out of range for {} classes",
                classes.len()
            )));
        }
        let mut counts = vec![0; classes.len()];
        pool_labels.iter().for_each(|&l| counts[l] += 1);
        let (sizes, skipped) = self.plan(&counts)?;
        let pool = pool_labels.len();
        let jobs: Vec<(usize, usize, usize)> = sizes
            .iter()
            .enumerate()
            .flat_map(|(i, &s)| {
                (0..self.draws_at(s, pool))
                    .flat_map(move |d| (0..MODELS.len()).map(move |m| (i, d, m)))
            })
            .collect();
        let scores: Vec<Result<(Metrics, Vec<bool>)>> = jobs
            .par_iter()
            .map(|&(i, d, m)| {
                let rows = self.draw(pool_labels, classes.len(), sizes[i], d);
                let texts: Vec<&str> = rows.iter().map(|&r| pool_texts[r].as_ref()).collect();
                let labels: Vec<usize> = rows.iter().map(|&r| pool_labels[r]).collect();
                let params = self
                    .pipeline
                    .clone()
                    .side_by_side(MODELS[m])
                    .seed(self.seed.wrapping_add(d as u64));
                let model = params.fit(Some(vectors), &texts, &labels, classes)?;
                let predicted = model.predict(Some(vectors), eval_texts)?;
                let metrics = Metrics::new(eval_labels, &predicted, classes.len());
                let correct = predicted
                    .iter()
                    .zip(eval_labels)
                    .map(|(p, l)| p == l)
                    .collect();
                progress();
                Ok((metrics, correct))
            })
            .collect();
        let mut points: Vec<CurvePoint> = Vec::with_capacity(sizes.len() * MODELS.len());
        for &size in &sizes {
            for features in MODELS {
                points.push(CurvePoint {
                    size,
                    features,
                    accuracy: Vec::new(),
                    macro_f1: Vec::new(),
                    correct: Vec::new(),
                    accuracy_mean: 0.0,
                    accuracy_sd: 0.0,
                    accuracy_min: 0.0,
                    accuracy_max: 0.0,
                    macro_f1_mean: 0.0,
                });
            }
        }
        // Jobs run draw by draw, so each point's draws are in draw order:
        // entry d of every model at a size comes from the same draw d.
        for (&(i, _, m), score) in jobs.iter().zip(scores) {
            let (metrics, correct) = score?;
            let point = &mut points[i * MODELS.len() + m];
            point.accuracy.push(metrics.accuracy);
            point.macro_f1.push(metrics.macro_f1);
            point.correct.push(correct);
        }
        for p in &mut points {
            let (mean, sd) = mean_sd(&p.accuracy);
            p.accuracy_mean = mean;
            p.accuracy_sd = sd;
            p.accuracy_min = p.accuracy.iter().copied().fold(f64::INFINITY, f64::min);
            p.accuracy_max = p.accuracy.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            p.macro_f1_mean = mean_sd(&p.macro_f1).0;
        }
        let mut curve = LearningCurve {
            pool_rows: pool,
            eval_rows: eval_texts.len(),
            draws: self.draws,
            seed: self.seed,
            min_per_class: self.min_per_class,
            sizes,
            skipped,
            points,
            crossings: Vec::new(),
        };
        curve.crossings = curve.find_crossings();
        Ok(curve)
    }
}

/// Per-class counts of a draw of `size` from classes of `counts` rows:
/// in proportion to the counts (largest remainders, ties to the lower
/// class index), then classes below `m` raised to `m` (or all their rows)
/// one example at a time from the class with the largest quota. Needs
/// `size >= m * classes`; never exceeds a class's rows.
fn quotas(counts: &[usize], size: usize, m: usize) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    if size >= total {
        return counts.to_vec();
    }
    let mut quotas: Vec<usize> = Vec::with_capacity(counts.len());
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(counts.len());
    for (c, &n) in counts.iter().enumerate() {
        let share = size as u128 * n as u128;
        quotas.push((share / total as u128) as usize);
        remainders.push((share % total as u128, c));
    }
    let given: usize = quotas.iter().sum();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, c) in remainders.iter().take(size - given) {
        quotas[c] += 1;
    }
    while let Some(short) = (0..counts.len()).find(|&c| quotas[c] < m.min(counts[c])) {
        let donor = (0..counts.len())
            .filter(|&c| quotas[c] > m)
            .max_by(|&a, &b| quotas[a].cmp(&quotas[b]).then(b.cmp(&a)));
        match donor {
            Some(d) => {
                quotas[d] -= 1;
                quotas[short] += 1;
            }
            None => break,
        }
    }
    quotas
}

/// Split labelled rows into a pool to draw from and a held-out fifth to
/// evaluate on: fold 0 of [`stratified_folds`]`(labels, 5, seed)`, except
/// that a class with fewer than 5 rows stays whole in the pool (see
/// [`stratified_folds_keeping`]): every class can then be learnt by every
/// draw, and the curve is scored on the classes that can spare a fifth.
/// Returns (pool rows, held-out rows), both sorted.
pub fn holdout_split(labels: &[usize], seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    let mut counts = vec![0usize; classes];
    labels.iter().for_each(|&l| counts[l] += 1);
    let folds = stratified_folds_keeping(labels, 5, seed, |c| counts[c] < 5)?;
    let held = folds.into_iter().next().unwrap_or_default();
    let pool = super::training_rows(std::slice::from_ref(&held), 0, labels.len());
    Ok((pool, held))
}

/// One model at one size.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CurvePoint {
    /// Labelled training examples.
    pub size: usize,
    /// The model.
    pub features: FeatureSet,
    /// Accuracy of each draw on the evaluation texts, in draw order (the
    /// same draws, in the same order, for every model at this size).
    pub accuracy: Vec<f64>,
    /// Macro-F1 of each draw.
    pub macro_f1: Vec<f64>,
    /// For each draw, whether each evaluation text was labelled
    /// correctly: what [`LearningCurve::paired`] compares. Not written
    /// to JSON.
    #[serde(skip)]
    pub correct: Vec<Vec<bool>>,
    /// Mean accuracy over draws.
    pub accuracy_mean: f64,
    /// Standard deviation of the accuracy over draws.
    pub accuracy_sd: f64,
    /// Lowest accuracy of a draw.
    pub accuracy_min: f64,
    /// Highest accuracy of a draw.
    pub accuracy_max: f64,
    /// Mean macro-F1 over draws.
    pub macro_f1_mean: f64,
}

/// Where the mean curves of two models cross.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Crossing {
    /// The model ahead at the smaller sizes.
    pub before: FeatureSet,
    /// The model ahead at the larger sizes.
    pub after: FeatureSet,
    /// The two measured sizes the crossing lies between (equal when the
    /// means tie at a measured size).
    pub between: [usize; 2],
    /// The crossing's size, interpolated linearly in log(size).
    pub size: f64,
    /// The accuracy where the lines cross.
    pub accuracy: f64,
}

/// Learning curves of the three models.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LearningCurve {
    /// Examples in the pool the draws come from.
    pub pool_rows: usize,
    /// Texts the fits are scored on.
    pub eval_rows: usize,
    /// Draws per size (the whole pool is one).
    pub draws: usize,
    /// Seed of the draws.
    pub seed: u64,
    /// The fewest examples of a class in a draw.
    pub min_per_class: usize,
    /// The sizes run, ascending.
    pub sizes: Vec<usize>,
    /// Default sizes left out.
    pub skipped: Vec<SkippedSize>,
    /// One point per size and model, size by size in [`MODELS`] order.
    pub points: Vec<CurvePoint>,
    /// Where the mean curves cross.
    pub crossings: Vec<Crossing>,
}

impl LearningCurve {
    /// The points of one model, by size.
    pub fn model(&self, features: FeatureSet) -> Vec<&CurvePoint> {
        self.points
            .iter()
            .filter(|p| p.features == features)
            .collect()
    }

    /// The point of `features` at `size`.
    pub fn point(&self, size: usize, features: FeatureSet) -> Option<&CurvePoint> {
        self.points
            .iter()
            .find(|p| p.size == size && p.features == features)
    }

    /// The paired comparison of `a` against `b` at `size`: both trained on
    /// the same draws and scored on the same texts (see [`DrawTest`]).
    /// Fails when the curve has no such size, or its points carry no
    /// per-text results (a curve read back from JSON).
    pub fn paired(
        &self,
        size: usize,
        a: FeatureSet,
        b: FeatureSet,
        confidence: f64,
    ) -> Result<DrawTest> {
        let (pa, pb) = match (self.point(size, a), self.point(size, b)) {
            (Some(pa), Some(pb)) => (pa, pb),
            _ => {
                return Err(Error::InvalidParameter(format!(
                    "the learning curve has no size {size} for {a} and {b}"
                )))
            }
        };
        if pa.correct.len() != pa.accuracy.len() || pb.correct.len() != pb.accuracy.len() {
            return Err(Error::InvalidInput(format!(
                "the learning curve at size {size} has no per-text results to compare"
            )));
        }
        DrawTest::from_correct(&pa.correct, &pb.correct, confidence)
    }

    fn find_crossings(&self) -> Vec<Crossing> {
        let mut out = Vec::new();
        for (i, &a) in MODELS.iter().enumerate() {
            for &b in &MODELS[i + 1..] {
                let means =
                    |f| -> Vec<f64> { self.model(f).iter().map(|p| p.accuracy_mean).collect() };
                out.extend(crossings(&self.sizes, &means(a), &means(b), a, b));
            }
        }
        out.sort_by(|x, y| x.size.total_cmp(&y.size));
        out
    }

    /// The table as CSV: `size, model, draws, accuracy mean, sd, min,
    /// max, macro-F1 mean`, values as fractions with 6 decimals.
    pub fn write_csv<W: Write>(&self, out: W) -> Result<()> {
        let mut csv = csv::Writer::from_writer(out);
        let io = |e: csv::Error| Error::io(std::io::Error::other(e));
        csv.write_record([
            "size",
            "model",
            "draws",
            "accuracy_mean",
            "accuracy_sd",
            "accuracy_min",
            "accuracy_max",
            "macro_f1_mean",
        ])
        .map_err(io)?;
        for p in &self.points {
            csv.write_record([
                p.size.to_string(),
                p.features.to_string(),
                p.accuracy.len().to_string(),
                format!("{:.6}", p.accuracy_mean),
                format!("{:.6}", p.accuracy_sd),
                format!("{:.6}", p.accuracy_min),
                format!("{:.6}", p.accuracy_max),
                format!("{:.6}", p.macro_f1_mean),
            ])
            .map_err(io)?;
        }
        csv.flush()?;
        Ok(())
    }
}

/// Crossings of the curves `ya` (model `a`) and `yb` (model `b`) over
/// ascending `sizes`: where the sign of `ya - yb` changes, interpolated
/// linearly in log(size). A tie at a measured size between opposite signs
/// is a crossing at that size; a tie that does not change the lead is not.
fn crossings(
    sizes: &[usize],
    ya: &[f64],
    yb: &[f64],
    a: FeatureSet,
    b: FeatureSet,
) -> Vec<Crossing> {
    let diff: Vec<f64> = ya.iter().zip(yb).map(|(x, y)| x - y).collect();
    let leader = |d: f64| if d > 0.0 { (a, b) } else { (b, a) };
    let mut out = Vec::new();
    // The last measured size with a non-zero difference.
    let mut last: Option<usize> = None;
    for i in 0..diff.len() {
        if diff[i] == 0.0 {
            continue;
        }
        if let Some(j) = last {
            if diff[j].signum() != diff[i].signum() {
                let (before, after) = (leader(diff[j]).0, leader(diff[i]).0);
                let crossing = if i == j + 1 {
                    let (x0, x1) = ((sizes[j] as f64).ln(), (sizes[i] as f64).ln());
                    let w = diff[j] / (diff[j] - diff[i]);
                    Crossing {
                        before,
                        after,
                        between: [sizes[j], sizes[i]],
                        size: (x0 + w * (x1 - x0)).exp(),
                        accuracy: ya[j] + w * (ya[i] - ya[j]),
                    }
                } else {
                    // Tied at the sizes between: the crossing is the first tie.
                    Crossing {
                        before,
                        after,
                        between: [sizes[j + 1], sizes[j + 1]],
                        size: sizes[j + 1] as f64,
                        accuracy: ya[j + 1],
                    }
                };
                out.push(crossing);
            }
        }
        last = Some(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!("all".parse::<CurveSize>().unwrap(), CurveSize::All);
        assert_eq!("25".parse::<CurveSize>().unwrap(), CurveSize::Count(25));
        for bad in ["0", "-3", "many", ""] {
            let err = bad.parse::<CurveSize>().unwrap_err().to_string();
            assert!(err.contains("not a size"), "{err}");
        }
    }

    /// Each row: (class counts, size, min per class, expected quotas).
    #[test]
    fn quotas_table() {
        let rows: [(&[usize], usize, usize, &[usize]); 6] = [
            (&[50, 50], 10, 3, &[5, 5]),
            (&[90, 10], 20, 3, &[17, 3]),
            (&[90, 10], 50, 3, &[45, 5]),
            (&[30, 20, 10], 6, 2, &[2, 2, 2]),
            (&[30, 20, 10], 7, 2, &[3, 2, 2]),
            (&[30, 20, 10], 60, 2, &[30, 20, 10]),
        ];
        for (counts, size, m, expected) in rows {
            let q = quotas(counts, size, m);
            assert_eq!(q, expected, "{counts:?} size {size}");
            assert_eq!(q.iter().sum::<usize>(), size);
        }
    }

    #[test]
    fn draws_are_stratified_seeded_and_grow() {
        let labels: Vec<usize> = (0..300).map(|i| usize::from(i % 3 == 0)).collect();
        let params = CurveParams::new(PipelineParams::default()).seed(7);
        let small = params.draw(&labels, 2, 30, 0);
        let large = params.draw(&labels, 2, 90, 0);
        assert_eq!(small.len(), 30);
        assert_eq!(small.iter().filter(|&&i| labels[i] == 1).count(), 10);
        assert!(small.iter().all(|i| large.contains(i)), "draws grow");
        assert_eq!(small, params.draw(&labels, 2, 30, 0));
        assert_ne!(small, params.draw(&labels, 2, 30, 1));
        assert_ne!(small, params.clone().seed(8).draw(&labels, 2, 30, 0));
        assert_eq!(
            params.draw(&labels, 2, 300, 3),
            (0..300).collect::<Vec<_>>()
        );
    }

    #[test]
    fn plans_skip_defaults_and_refuse_asked_sizes() {
        let params = CurveParams::new(PipelineParams::default());
        // 77 classes x 3 = 231: 25, 50, 100 and 200 are too small.
        let counts = vec![10; 77];
        let (sizes, skipped) = params.plan(&counts).unwrap();
        assert_eq!(sizes, [500, 770]);
        assert_eq!(
            skipped.iter().map(|s| s.size).collect::<Vec<_>>(),
            [25, 50, 100, 200]
        );
        assert!(skipped[0].reason.contains("each of the 77 classes (231)"));
        let (sizes, _) = params.plan(&[1200, 1200]).unwrap();
        assert_eq!(sizes, [25, 50, 100, 200, 500, 1000, 2000, 2400]);
        let asked = |s: Vec<CurveSize>| params.clone().sizes(s).plan(&counts);
        let err = asked(vec![CurveSize::Count(100)]).unwrap_err().to_string();
        assert!(
            err.contains("size 100 is too small: each draw needs at least 3 examples of each of the 77 classes, 231 in all"),
            "{err}"
        );
        let err = asked(vec![CurveSize::Count(1000)]).unwrap_err().to_string();
        assert!(
            err.contains("larger than the training pool (770 examples)"),
            "{err}"
        );
        let (sizes, _) = asked(vec![
            CurveSize::All,
            CurveSize::Count(300),
            CurveSize::Count(300),
        ])
        .unwrap();
        assert_eq!(sizes, [300, 770]);
        // A class with fewer than 3 examples in the pool: every draw
        // takes all of it, no size is refused for it.
        let (sizes, skipped) = params.plan(&[2, 100]).unwrap();
        assert_eq!(sizes, [25, 50, 100, 102]);
        assert!(skipped.is_empty());
        let rows = params.draw(&[[0, 0].as_slice(), &[1; 100]].concat(), 2, 25, 0);
        assert_eq!(rows.iter().filter(|&&r| r < 2).count(), 2);
    }

    #[test]
    fn crossings_are_interpolated_in_log_size() {
        let (a, b) = (FeatureSet::Vectors, FeatureSet::Ngrams);
        // a leads at 10 by 0.1, b leads at 1000 by 0.1: the crossing is
        // half-way in log size, at 100.
        let found = crossings(&[10, 1000], &[0.7, 0.8], &[0.6, 0.9], a, b);
        assert_eq!(found.len(), 1);
        let c = &found[0];
        assert_eq!((c.before, c.after, c.between), (a, b, [10, 1000]));
        assert!((c.size - 100.0).abs() < 1e-9, "{}", c.size);
        assert!((c.accuracy - 0.75).abs() < 1e-12);
        // A tie between opposite leads is the crossing; a tie that keeps
        // the lead is none.
        let tie = crossings(&[10, 20, 40], &[0.7, 0.8, 0.8], &[0.6, 0.8, 0.9], a, b);
        assert_eq!(tie.len(), 1);
        assert_eq!((tie[0].between, tie[0].size), ([20, 20], 20.0));
        let touch = crossings(&[10, 20, 40], &[0.7, 0.8, 0.9], &[0.6, 0.8, 0.8], a, b);
        assert!(touch.is_empty());
    }

    /// `paired` compares the same draws text by text, and refuses a size
    /// the curve lacks or points without per-text results.
    #[test]
    fn paired_compares_the_same_draws() {
        let point = |features, correct: Vec<Vec<bool>>| CurvePoint {
            size: 10,
            features,
            accuracy: vec![0.5; correct.len()],
            macro_f1: vec![0.5; correct.len()],
            correct,
            accuracy_mean: 0.5,
            accuracy_sd: 0.0,
            accuracy_min: 0.5,
            accuracy_max: 0.5,
            macro_f1_mean: 0.5,
        };
        let a = vec![vec![true, true, false], vec![true, false, true]];
        let b = vec![vec![false, true, false], vec![true, false, false]];
        let mut curve = LearningCurve {
            pool_rows: 20,
            eval_rows: 3,
            draws: 2,
            seed: 42,
            min_per_class: 3,
            sizes: vec![10],
            skipped: Vec::new(),
            points: vec![
                point(FeatureSet::Vectors, a.clone()),
                point(FeatureSet::Ngrams, b.clone()),
                point(FeatureSet::Both, Vec::new()),
            ],
            crossings: Vec::new(),
        };
        // (c) has two draws scored but no per-text results kept.
        curve.points[2].accuracy = vec![0.5, 0.5];
        let (va, vb) = (FeatureSet::Vectors, FeatureSet::Ngrams);
        let test = curve.paired(10, va, vb, 0.95).unwrap();
        assert_eq!(test, DrawTest::from_correct(&a, &b, 0.95).unwrap());
        assert!((test.mean - 1.0 / 3.0).abs() < 1e-12);
        let reversed = curve.paired(10, vb, va, 0.95).unwrap();
        assert!((reversed.mean + test.mean).abs() < 1e-12);
        let err = curve.paired(20, va, vb, 0.95).unwrap_err().to_string();
        assert!(err.contains("no size 20 for vectors and ngrams"), "{err}");
        let err = curve
            .paired(10, FeatureSet::Both, vb, 0.95)
            .unwrap_err()
            .to_string();
        assert!(err.contains("at size 10 has no per-text results"), "{err}");
    }

    #[test]
    fn holdout_is_a_stratified_fifth() {
        let labels: Vec<usize> = (0..100).map(|i| usize::from(i % 4 == 0)).collect();
        let (pool, held) = holdout_split(&labels, 3).unwrap();
        assert_eq!((pool.len(), held.len()), (80, 20));
        assert_eq!(held.iter().filter(|&&i| labels[i] == 1).count(), 5);
        assert!(held.iter().all(|i| !pool.contains(i)));
    }
}
