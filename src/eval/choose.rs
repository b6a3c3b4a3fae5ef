//! Which vectors for my task? Several vector files, each under the same
//! classifier, cross-validated on the same repeated stratified folds, and
//! paired tests of each file against the best one.
//!
//! ```
//! use embed_tl::eval::{CompareParams, Standing};
//! use embed_tl::pipeline::{FeatureSet, PipelineParams};
//! use embed_tl::Vectors;
//!
//! let full = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
//! let small = full.top(5_000);
//! let texts: Vec<String> = ["great phone", "love it", "works great", "very good",
//!     "awful", "broke fast", "waste of money", "very bad"].map(String::from).to_vec();
//! let labels = [1, 1, 1, 1, 0, 0, 0, 0];
//! let classes = vec!["neg".to_string(), "pos".to_string()];
//! let params = CompareParams::new(PipelineParams::default().cs(vec![1.0]).betas(vec![1.0]))
//!     .folds(2)
//!     .repeats(2);
//! let cmp = params.compare(&[&full, &small], &texts, &labels, &classes, &|| {})?;
//! let both = cmp.channel(FeatureSet::Both).expect("the default is compared");
//! assert_eq!(both.models.len(), 2);
//! assert_eq!(both.models[0].fold_accuracy.len(), 4); // 2 repeats x 2 folds, same for both files
//! // The best file has no test against itself; the other has one.
//! assert_eq!(both.standing[both.best], Standing::Best);
//! assert!(both.vs_best.iter().filter(|t| t.is_some()).count() == 1);
//! # Ok::<(), embed_tl::Error>(())
//! ```
//!
//! Each file is its own model: files of different dimensions, formats or
//! vocabularies compare fine, since every fitted piece (pooling, scaling,
//! n-gram vocabulary, C and the channel weight) is refitted inside each
//! training fold for each file. Repeat `r` uses the fold seed `seed + r`
//! for every file and feature set, so the per-fold accuracies of two files
//! are paired, and [`PairedTest::corrected`] (Nadeau and Bengio's
//! corrected resampled t-test, as in `transfer-report`) gives the interval
//! of their difference.

use rayon::prelude::*;

use super::{cross_validate, CvReport, ModelCv, PairedTest, Verdict, VerdictRule};
use crate::error::{Error, Result};
use crate::pipeline::{FeatureSet, PipelineParams};
use crate::vectors::Vectors;

/// The feature sets compared by default: the vector channel alone and the
/// default hybrid.
pub const COMPARED: [FeatureSet; 2] = [FeatureSet::Vectors, FeatureSet::Both];

/// Settings of a comparison of vector files (a consuming builder).
#[derive(Clone, Debug)]
pub struct CompareParams {
    pipeline: PipelineParams,
    features: Vec<FeatureSet>,
    folds: usize,
    repeats: usize,
    confidence: f64,
    rule: VerdictRule,
    seed: u64,
}

impl CompareParams {
    /// Compare pipelines built from `pipeline` (its feature set is replaced
    /// by each of the compared ones in turn).
    pub fn new(pipeline: PipelineParams) -> Self {
        CompareParams {
            pipeline,
            features: COMPARED.to_vec(),
            folds: 5,
            repeats: 3,
            confidence: 0.95,
            rule: VerdictRule::default(),
            seed: 42,
        }
    }

    /// The feature sets to compare, each of which must use the vectors.
    /// Default: [`COMPARED`] (vectors, both).
    pub fn features(mut self, features: Vec<FeatureSet>) -> Self {
        self.features = features;
        self
    }

    /// Folds of each cross-validation. Default 5.
    pub fn folds(mut self, k: usize) -> Self {
        self.folds = k;
        self
    }

    /// Repeats of the cross-validation, each with its own shuffle. Default 3.
    pub fn repeats(mut self, r: usize) -> Self {
        self.repeats = r;
        self
    }

    /// Confidence level of the intervals. Default 0.95.
    pub fn confidence(mut self, level: f64) -> Self {
        self.confidence = level;
        self
    }

    /// The rule that says when a difference is more than noise. Default:
    /// [`VerdictRule::default`] (the whole interval below 0).
    pub fn rule(mut self, rule: VerdictRule) -> Self {
        self.rule = rule;
        self
    }

    /// Seed of the folds: repeat `r` shuffles with `seed + r`. Default 42.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The seed of the folds of repeat `r`.
    pub fn repeat_seed(&self, r: usize) -> u64 {
        self.seed.wrapping_add(r as u64)
    }

    /// Units of work [`CompareParams::compare`] reports to its progress
    /// callback for `files` files: one per file, feature set and repeat.
    pub fn steps(&self, files: usize) -> usize {
        files * self.features.len() * self.repeats
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
        if self.folds * self.repeats < 2 {
            return Err(Error::InvalidParameter(
                "a paired test needs at least 2 folds in all".into(),
            ));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(Error::InvalidParameter(format!(
                "the confidence level must be between 0 and 1, got {}",
                self.confidence
            )));
        }
        if self.features.is_empty() {
            return Err(Error::InvalidParameter("no feature set to compare".into()));
        }
        if let Some(f) = self.features.iter().find(|f| !f.uses_vectors()) {
            return Err(Error::InvalidParameter(format!(
                "feature set '{f}' does not use the vectors: nothing to compare between files"
            )));
        }
        self.rule.check()?;
        self.pipeline.check()
    }

    /// Cross-validate every feature set with every file of `vectors` on
    /// the same repeated folds of the labelled texts, and test each file
    /// against the best one. Calls `progress` after each file's feature
    /// set's repeat ([`CompareParams::steps`] in all). Runs in parallel;
    /// the result depends only on the inputs and the seed.
    ///
    /// Fails with fewer than 2 files.
    pub fn compare<T: AsRef<str> + Sync>(
        &self,
        vectors: &[&Vectors],
        texts: &[T],
        labels: &[usize],
        classes: &[String],
        progress: &(dyn Fn() + Sync),
    ) -> Result<VectorsComparison> {
        self.check()?;
        if vectors.len() < 2 {
            return Err(Error::InvalidParameter(format!(
                "a comparison needs at least 2 vector files, got {}",
                vectors.len()
            )));
        }
        let jobs: Vec<(usize, usize, usize)> = (0..self.features.len())
            .flat_map(|f| {
                (0..vectors.len()).flat_map(move |v| (0..self.repeats).map(move |r| (f, v, r)))
            })
            .collect();
        let reports: Vec<Result<CvReport>> = jobs
            .par_iter()
            .map(|&(f, v, r)| {
                let params = self.pipeline.clone().side_by_side(self.features[f]);
                let report = cross_validate(
                    &params,
                    Some(vectors[v]),
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
        let ratio = 1.0 / (self.folds - 1) as f64;
        let mut channels = Vec::with_capacity(self.features.len());
        for &features in &self.features {
            let mut models = Vec::with_capacity(vectors.len());
            for _ in 0..vectors.len() {
                models.push(ModelCv::gather(features, &mut reports, self.repeats)?);
            }
            channels.push(self.rank(features, models, ratio)?);
        }
        Ok(VectorsComparison {
            rows: labels.len(),
            folds: self.folds,
            repeats: self.repeats,
            seeds: (0..self.repeats).map(|r| self.repeat_seed(r)).collect(),
            confidence: self.confidence,
            rule: self.rule,
            rule_text: self.rule_text(),
            channels,
        })
    }

    /// The rule in words, for reports.
    pub fn rule_text(&self) -> String {
        let level = format!("{}%", 100.0 * self.confidence);
        let bound = if self.rule.margin > 0.0 {
            format!("-{} points", 100.0 * self.rule.margin)
        } else {
            "0".to_string()
        };
        format!(
            "a file is worse than the best when the whole {level} confidence interval of acc(file) - acc(best) lies below {bound}, as good as the best (within noise) otherwise"
        )
    }

    /// Rank the files of one feature set and test each against the best.
    fn rank(
        &self,
        features: FeatureSet,
        models: Vec<ModelCv>,
        ratio: f64,
    ) -> Result<ChannelComparison> {
        let mut ranking: Vec<usize> = (0..models.len()).collect();
        // Highest mean accuracy first; ties: higher macro-F1, then input order.
        ranking.sort_by(|&a, &b| {
            let (ma, mb) = (&models[a], &models[b]);
            mb.accuracy_mean
                .total_cmp(&ma.accuracy_mean)
                .then(mb.macro_f1_mean.total_cmp(&ma.macro_f1_mean))
                .then(a.cmp(&b))
        });
        let best = ranking[0];
        let paired = |a: &[f64], b: &[f64]| {
            let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
            PairedTest::corrected(&diffs, ratio, self.confidence)
        };
        let mut vs_best = Vec::with_capacity(models.len());
        let mut vs_best_macro_f1 = Vec::with_capacity(models.len());
        let mut standing = Vec::with_capacity(models.len());
        for (i, m) in models.iter().enumerate() {
            if i == best {
                vs_best.push(None);
                vs_best_macro_f1.push(None);
                standing.push(Standing::Best);
                continue;
            }
            let b = &models[best];
            let test = paired(&m.fold_accuracy, &b.fold_accuracy)?;
            standing.push(match self.rule.verdict(&test) {
                Verdict::Negative => Standing::Worse,
                _ => Standing::WithinNoise,
            });
            vs_best.push(Some(test));
            vs_best_macro_f1.push(Some(paired(&m.fold_macro_f1, &b.fold_macro_f1)?));
        }
        Ok(ChannelComparison {
            features,
            models,
            ranking,
            best,
            vs_best,
            vs_best_macro_f1,
            standing,
        })
    }
}

/// Where a file stands against the best file of a feature set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// The highest mean accuracy.
    Best,
    /// Lower mean accuracy, but the interval of the difference reaches 0
    /// (or stays within the margin): as good as the best, as far as these
    /// folds can tell.
    WithinNoise,
    /// The whole interval of the difference lies below 0 (or below minus
    /// the margin): worse than the best.
    Worse,
}

/// One feature set with every file, on the same folds.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ChannelComparison {
    /// The feature set.
    pub features: FeatureSet,
    /// One cross-validation per file, in input order.
    pub models: Vec<ModelCv>,
    /// File indices, best first (mean accuracy, then macro-F1).
    pub ranking: Vec<usize>,
    /// The file with the highest mean accuracy.
    pub best: usize,
    /// acc(file) - acc(best), per file (None for the best).
    pub vs_best: Vec<Option<PairedTest>>,
    /// macro-F1(file) - macro-F1(best), per file (None for the best).
    pub vs_best_macro_f1: Vec<Option<PairedTest>>,
    /// Each file's standing against the best.
    pub standing: Vec<Standing>,
}

/// Every compared feature set, each with every file.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct VectorsComparison {
    /// Labelled texts cross-validated.
    pub rows: usize,
    /// Folds of each cross-validation.
    pub folds: usize,
    /// Repeats.
    pub repeats: usize,
    /// The fold seed of each repeat.
    pub seeds: Vec<u64>,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// The rule that tells "worse" from "within noise".
    pub rule: VerdictRule,
    /// The rule in words.
    pub rule_text: String,
    /// One per compared feature set.
    pub channels: Vec<ChannelComparison>,
}

impl VectorsComparison {
    /// The comparison of one feature set.
    pub fn channel(&self, features: FeatureSet) -> Option<&ChannelComparison> {
        self.channels.iter().find(|c| c.features == features)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::transfer::mean_sd;

    #[test]
    fn bad_settings_are_refused() {
        let base = || CompareParams::new(PipelineParams::default());
        let cases = [
            (base().folds(1), "at least 2 folds"),
            (base().repeats(0), "at least 1 repeat"),
            (base().confidence(0.0), "between 0 and 1"),
            (base().features(vec![]), "no feature set"),
            (
                base().features(vec![FeatureSet::Ngrams]),
                "'ngrams' does not use the vectors",
            ),
        ];
        for (params, expected) in cases {
            let err = params.check().unwrap_err().to_string();
            assert!(err.contains(expected), "{err}");
        }
    }

    /// Three files of which two give identical folds: the ranking puts the
    /// best first, a file with the same fold accuracies as the best is
    /// within noise (difference 0), and one below on every fold is worse.
    #[test]
    fn standing_against_the_best() {
        let model = |acc: &[f64]| ModelCv {
            features: FeatureSet::Both,
            fold_accuracy: acc.to_vec(),
            fold_macro_f1: acc.to_vec(),
            accuracy_mean: mean_sd(acc).0,
            accuracy_sd: mean_sd(acc).1,
            macro_f1_mean: mean_sd(acc).0,
            chosen: Vec::new(),
            unconverged: 0,
        };
        let params = CompareParams::new(PipelineParams::default()).folds(3);
        let good = [0.80, 0.82, 0.81, 0.79, 0.83, 0.80];
        let worse = [0.70, 0.71, 0.72, 0.69, 0.73, 0.70];
        let c = params
            .rank(
                FeatureSet::Both,
                vec![model(&worse), model(&good), model(&good)],
                0.5,
            )
            .unwrap();
        assert_eq!(c.ranking, vec![1, 2, 0]);
        assert_eq!(c.best, 1);
        assert_eq!(
            c.standing,
            vec![Standing::Worse, Standing::Best, Standing::WithinNoise]
        );
        assert!(c.vs_best[1].is_none());
        assert_eq!(c.vs_best[2].as_ref().unwrap().mean, 0.0);
        assert!(c.vs_best[0].as_ref().unwrap().high < 0.0);
    }
}
