//! Do the vectors help? The frozen-vector classifier, a from-scratch
//! classifier and their hybrid, cross-validated on the same repeated
//! stratified folds, and paired tests of their differences; the headline
//! is the hybrid (the default model) against the from-scratch one.
//!
//! ```
//! use embed_tl::eval::TransferParams;
//! use embed_tl::pipeline::PipelineParams;
//! use embed_tl::Vectors;
//!
//! let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
//! let texts: Vec<String> = ["great phone", "love it", "works great", "very good",
//!     "awful", "broke fast", "waste of money", "very bad"].map(String::from).to_vec();
//! let labels = [1, 1, 1, 1, 0, 0, 0, 0];
//! let classes = vec!["neg".to_string(), "pos".to_string()];
//! let params = TransferParams::new(PipelineParams::default().cs(vec![1.0]).betas(vec![1.0]))
//!     .folds(2)
//!     .repeats(2);
//! let comparison = params.compare(&vectors, &texts, &labels, &classes, &|| {})?;
//! assert_eq!(comparison.models.len(), 3);
//! assert_eq!(comparison.transfer.n, 4); // 2 repeats x 2 folds
//! // The headline verdict is on (c) - (b): the default with the vectors
//! // against the same learner without them.
//! assert_eq!(comparison.verdict, params.get_rule().verdict(&comparison.hybrid));
//! # Ok::<(), embed_tl::Error>(())
//! ```
//!
//! The three models are exactly [`FeatureSet::Vectors`] (a, transfer),
//! [`FeatureSet::Ngrams`] (b, the labels alone) and [`FeatureSet::Both`]
//! (c, the hybrid), each cross-validated by [`cross_validate`] with every
//! fitted piece refitted inside each fold. Repeat `r` uses the seed
//! `seed + r` for its folds, the same for all three models, so the
//! per-fold differences are paired.

use rayon::prelude::*;

use super::{cross_validate, CvReport, PairedTest, Verdict, VerdictRule};
use crate::error::{Error, Result};
use crate::pipeline::{FeatureSet, GridPoint, PipelineParams};
use crate::vectors::Vectors;

/// The compared models, in report order: (a) transfer, (b) from scratch,
/// (c) the hybrid.
pub const MODELS: [FeatureSet; 3] = [FeatureSet::Vectors, FeatureSet::Ngrams, FeatureSet::Both];

/// The letter of a model in reports: a, b or c.
pub fn model_letter(features: FeatureSet) -> char {
    match features {
        FeatureSet::Vectors => 'a',
        FeatureSet::Ngrams => 'b',
        FeatureSet::Both => 'c',
    }
}

/// What a model is, in a few words, for reports.
pub fn model_role(features: FeatureSet) -> &'static str {
    match features {
        FeatureSet::Vectors => "frozen pretrained vectors (transfer)",
        FeatureSet::Ngrams => "word + bigram TF-IDF (labels alone)",
        FeatureSet::Both => "vectors + n-grams (hybrid)",
    }
}

/// Settings of the comparison (a consuming builder).
#[derive(Clone, Debug)]
pub struct TransferParams {
    pipeline: PipelineParams,
    folds: usize,
    repeats: usize,
    confidence: f64,
    rule: VerdictRule,
    seed: u64,
}

impl TransferParams {
    /// Compare pipelines built from `pipeline` (its feature set is
    /// replaced by each of [`MODELS`] in turn).
    pub fn new(pipeline: PipelineParams) -> Self {
        TransferParams {
            seed: 42,
            pipeline,
            folds: 5,
            repeats: 3,
            confidence: 0.95,
            rule: VerdictRule::default(),
        }
    }

    /// Folds of each cross-validation. Default 5.
    pub fn folds(mut self, k: usize) -> Self {
        self.folds = k;
        self
    }

    /// Repeats of the cross-validation, each with its own shuffle.
    /// Default 3.
    pub fn repeats(mut self, r: usize) -> Self {
        self.repeats = r;
        self
    }

    /// Confidence level of the interval. Default 0.95.
    pub fn confidence(mut self, level: f64) -> Self {
        self.confidence = level;
        self
    }

    /// Seed of the folds: repeat `r` shuffles with `seed + r`. Default 42.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The verdict rule. Default: [`VerdictRule::default`] (margin 0).
    pub fn rule(mut self, rule: VerdictRule) -> Self {
        self.rule = rule;
        self
    }

    /// The verdict rule.
    pub fn get_rule(&self) -> VerdictRule {
        self.rule
    }

    /// Folds of each cross-validation.
    pub fn get_folds(&self) -> usize {
        self.folds
    }

    /// Repeats of the cross-validation.
    pub fn get_repeats(&self) -> usize {
        self.repeats
    }

    /// The seed of the folds of repeat `r`.
    pub fn repeat_seed(&self, r: usize) -> u64 {
        self.seed.wrapping_add(r as u64)
    }

    /// Units of work [`TransferParams::compare`] reports to its progress
    /// callback: one per model and repeat.
    pub fn steps(&self) -> usize {
        MODELS.len() * self.repeats
    }

    /// Fail on settings that cannot work.
    pub fn check(&self) -> Result<()> {
        if self.folds < 2 {
            return Err(Error::InvalidParameter(format!(
                "need at least 2 folds, got {}",
                self.folds
            )));
        }
        if self.repeats < 1 {
            return Err(Error::InvalidParameter("need at least 1 repeat".into()));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(Error::InvalidParameter(format!(
                "the confidence level must be between 0 and 1, got {}",
                self.confidence
            )));
        }
        self.rule.check()?;
        self.pipeline.check()
    }

    /// Cross-validate the three models on the same repeated folds of the
    /// labelled texts and test the paired differences. Calls `progress`
    /// after each model's repeat ([`TransferParams::steps`] in all).
    /// Runs in parallel; the result depends only on the inputs and seed.
    pub fn compare<T: AsRef<str> + Sync>(
        &self,
        vectors: &Vectors,
        texts: &[T],
        labels: &[usize],
        classes: &[String],
        progress: &(dyn Fn() + Sync),
    ) -> Result<Comparison> {
        self.check()?;
        if self.folds * self.repeats < 2 {
            return Err(Error::InvalidParameter(
                "a paired test needs at least 2 folds in all".into(),
            ));
        }
        let jobs: Vec<(usize, usize)> = (0..MODELS.len())
            .flat_map(|m| (0..self.repeats).map(move |r| (m, r)))
            .collect();
        let reports: Vec<Result<CvReport>> = jobs
            .par_iter()
            .map(|&(m, r)| {
                let params = self.pipeline.clone().side_by_side(MODELS[m]);
                let report = cross_validate(
                    &params,
                    Some(vectors),
                    texts,
                    labels,
                    classes,
                    self.folds,
                    self.repeat_seed(r),
                );
                progress();
                report
            })
            .collect();
        let mut reports = reports.into_iter();
        let mut models = Vec::with_capacity(MODELS.len());
        for features in MODELS {
            models.push(ModelCv::gather(features, &mut reports, self.repeats)?);
        }
        // k-fold CV trains on (k-1)/k of the rows and tests on 1/k.
        let ratio = 1.0 / (self.folds - 1) as f64;
        let paired = |a: &[f64], b: &[f64]| {
            let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
            PairedTest::corrected(&diffs, ratio, self.confidence)
        };
        let (a, b, c) = (&models[0], &models[1], &models[2]);
        let transfer = paired(&a.fold_accuracy, &b.fold_accuracy)?;
        let transfer_macro_f1 = paired(&a.fold_macro_f1, &b.fold_macro_f1)?;
        let hybrid = paired(&c.fold_accuracy, &b.fold_accuracy)?;
        let vectors_vs_default = paired(&a.fold_accuracy, &c.fold_accuracy)?;
        Ok(Comparison {
            rows: labels.len(),
            folds: self.folds,
            repeats: self.repeats,
            seeds: (0..self.repeats).map(|r| self.repeat_seed(r)).collect(),
            verdict: self.rule.verdict(&hybrid),
            vectors_alone_verdict: self.rule.verdict(&transfer),
            rule_text: self
                .rule
                .describe(self.confidence, "acc(both) - acc(ngrams)"),
            rule: self.rule,
            vectors_vs_default,
            transfer,
            transfer_macro_f1,
            hybrid,
            models,
        })
    }
}

/// Mean and population standard deviation (0, 0 for no values).
pub(crate) fn mean_sd(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// One model's repeated cross-validation.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ModelCv {
    /// The feature set (which model this is).
    pub features: FeatureSet,
    /// Accuracy of each fold, repeat by repeat.
    pub fold_accuracy: Vec<f64>,
    /// Macro-F1 of each fold, repeat by repeat.
    pub fold_macro_f1: Vec<f64>,
    /// Mean fold accuracy.
    pub accuracy_mean: f64,
    /// Standard deviation of the fold accuracies.
    pub accuracy_sd: f64,
    /// Mean fold macro-F1.
    pub macro_f1_mean: f64,
    /// The hyperparameters each fold chose.
    pub chosen: Vec<GridPoint>,
    /// Fits that stopped at the iteration limit.
    pub unconverged: usize,
}

impl ModelCv {
    /// One model's figures from its next `repeats` cross-validation
    /// reports: the folds of every repeat, in order, and their mean,
    /// standard deviation and mean macro-F1.
    pub(crate) fn gather(
        features: FeatureSet,
        reports: &mut impl Iterator<Item = Result<CvReport>>,
        repeats: usize,
    ) -> Result<ModelCv> {
        let mut model = ModelCv {
            features,
            fold_accuracy: Vec::new(),
            fold_macro_f1: Vec::new(),
            accuracy_mean: 0.0,
            accuracy_sd: 0.0,
            macro_f1_mean: 0.0,
            chosen: Vec::new(),
            unconverged: 0,
        };
        for _ in 0..repeats {
            let report = reports
                .next()
                .ok_or_else(|| Error::InvalidInput("missing cross-validation".into()))??;
            model.fold_accuracy.extend(report.fold_accuracy);
            model.fold_macro_f1.extend(report.fold_macro_f1);
            model.chosen.extend(report.chosen);
            model.unconverged += report.unconverged;
        }
        let (mean, sd) = mean_sd(&model.fold_accuracy);
        model.accuracy_mean = mean;
        model.accuracy_sd = sd;
        model.macro_f1_mean = mean_sd(&model.fold_macro_f1).0;
        Ok(model)
    }
}

/// The three models on the same folds, and what the differences show.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Comparison {
    /// Labelled texts cross-validated.
    pub rows: usize,
    /// Folds of each cross-validation.
    pub folds: usize,
    /// Repeats.
    pub repeats: usize,
    /// The fold seed of each repeat.
    pub seeds: Vec<u64>,
    /// (a), (b), (c), in [`MODELS`] order.
    pub models: Vec<ModelCv>,
    /// acc(a) - acc(b): the vectors alone against the labels alone.
    pub transfer: PairedTest,
    /// macro-F1(a) - macro-F1(b).
    pub transfer_macro_f1: PairedTest,
    /// acc(c) - acc(b): what the vectors add to the default model, the
    /// one `classify` builds, against the same learner without them.
    pub hybrid: PairedTest,
    /// acc(a) - acc(c): the vectors alone against the default.
    pub vectors_vs_default: PairedTest,
    /// The headline verdict: on [`Comparison::hybrid`].
    pub verdict: Verdict,
    /// The verdict on [`Comparison::transfer`], the vectors alone against
    /// the labels alone.
    pub vectors_alone_verdict: Verdict,
    /// The rule the verdicts follow.
    pub rule: VerdictRule,
    /// The headline's rule in words.
    pub rule_text: String,
}

impl Comparison {
    /// The cross-validation of one model.
    pub fn model(&self, features: FeatureSet) -> Option<&ModelCv> {
        self.models.iter().find(|m| m.features == features)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_sd_of_a_small_table() {
        assert_eq!(mean_sd(&[]), (0.0, 0.0));
        let (m, s) = mean_sd(&[1.0, 2.0, 3.0, 4.0]);
        assert!((m - 2.5).abs() < 1e-15);
        assert!((s - 1.25f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn bad_settings_are_refused() {
        let base = || TransferParams::new(PipelineParams::default());
        let cases = [
            (base().folds(1), "at least 2 folds"),
            (base().repeats(0), "at least 1 repeat"),
            (base().confidence(1.5), "between 0 and 1"),
            (
                base().rule(VerdictRule { margin: f64::NAN }),
                "non-negative number",
            ),
        ];
        for (params, expected) in cases {
            let err = params.check().unwrap_err().to_string();
            assert!(err.contains(expected), "{err}");
        }
    }
}
