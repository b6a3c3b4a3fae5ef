//! The classifiers of `classify --classifier`: ours (logistic regression
//! by a trust-region Newton method on dense + sparse features, [`super::LogisticParams`])
//! and four of linfa's, on a dense feature matrix (the pooled vectors).
//!
//! [`LinfaParams`] is a linfa hyperparameter set: checked once by
//! [`ParamGuard`], fitted by linfa's [`Fit`] on any `Dataset` of `f32`
//! records and class-index targets, and the [`FittedLinfa`] model predicts
//! through [`PredictInplace`] like any linfa model.
//!
//! ```
//! use embed_tl::model::{Classifier, LinfaParams};
//! use linfa::prelude::*;
//!
//! let x = ndarray::array![[1.0f32, 2.0], [2.0, 1.0], [-1.0, -2.0], [-2.0, -1.0]];
//! let train = Dataset::new(x.clone(), ndarray::array![1usize, 1, 0, 0]);
//! let model = LinfaParams::new(Classifier::GaussianNb).fit(&train)?;
//! let predicted: ndarray::Array1<usize> = model.predict(&x);
//! assert_eq!(predicted.to_vec(), [1, 1, 0, 0]);
//! # Ok::<(), embed_tl::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use linfa::dataset::{AsSingleTargets, DatasetBase};
use linfa::traits::{Fit, PredictInplace};
use linfa::ParamGuard;
use linfa_bayes::GaussianNb;
#[cfg(feature = "linfa-logistic")]
use linfa_logistic::{
    FittedLogisticRegression, LogisticRegression, MultiFittedLogisticRegression,
    MultiLogisticRegression,
};
use linfa_svm::Svm;
use linfa_trees::DecisionTree;
use ndarray::{Array1, ArrayBase, Data, Ix2};

use super::MAX_C;
use crate::error::{Error, Result};

/// The SVMs' stopping tolerance on the gradient (libsvm's default).
const SVM_TOLERANCE: f32 = 1e-3;

/// The SVMs' default `C`: linfa-svm's SMO takes about 6 times as many
/// iterations at C = 1 (one machine on 2,700 standardised review vectors:
/// 525,003 iterations, 87 s, against 79,517 and 16 s at 0.1).
const SVM_C: f64 = 0.1;

/// Which classifier learns from the features.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Classifier {
    /// Ours: binary or multinomial logistic regression by trust-region Newton,
    /// on the vector channel, the n-grams or both, with `C` (and the vector
    /// channel's weight) chosen by inner cross-validation. The default, and
    /// the only one a model file can hold.
    #[default]
    Logistic,
    /// linfa-logistic: `LogisticRegression` for two classes,
    /// `MultiLogisticRegression` (multinomial) for more; L2 penalty
    /// `alpha = 1 / C`.
    LinfaLogistic,
    /// linfa-svm: linear support vector machines, one against the rest for
    /// each class (one machine for two classes); the class of the largest
    /// decision value wins. `C` = 0.1 by default (1 costs about 6 times
    /// the time), stopping tolerance 1e-3 (libsvm's default). Each machine
    /// holds the dense `n x n` kernel matrix while it trains, and SMO's cost
    /// grows faster than `n`: thousands of texts, not tens of thousands.
    Svm,
    /// linfa-bayes: Gaussian naive Bayes.
    GaussianNb,
    /// linfa-trees: a decision tree (Gini impurity, no depth limit: linfa's
    /// defaults).
    Tree,
}

impl Classifier {
    /// Every classifier, ours first.
    pub const ALL: [Classifier; 5] = [
        Classifier::Logistic,
        Classifier::LinfaLogistic,
        Classifier::Svm,
        Classifier::GaussianNb,
        Classifier::Tree,
    ];

    /// True for the linfa classifiers (dense features only, not saveable).
    pub fn is_linfa(self) -> bool {
        self != Classifier::Logistic
    }

    /// The name `--classifier` takes.
    pub fn name(self) -> &'static str {
        match self {
            Classifier::Logistic => "logistic",
            Classifier::LinfaLogistic => "linfa-logistic",
            Classifier::Svm => "svm",
            Classifier::GaussianNb => "gaussian-nb",
            Classifier::Tree => "tree",
        }
    }

    /// What it is, in a few words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Classifier::Logistic => "logistic regression (embed-tl's trust-region Newton)",
            Classifier::LinfaLogistic => "linfa-logistic (multinomial for more than 2 classes)",
            Classifier::Svm => "linfa-svm (linear, one against the rest)",
            Classifier::GaussianNb => "linfa-bayes Gaussian naive Bayes",
            Classifier::Tree => "linfa-trees decision tree",
        }
    }
}

impl FromStr for Classifier {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Classifier::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Classifier::ALL.iter().map(|c| c.name()).collect();
                Error::InvalidParameter(format!(
                    "unknown classifier '{s}': expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

impl fmt::Display for Classifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// linfa's own errors, for linfa's [`Fit`] (which needs the conversion).
impl From<linfa::Error> for Error {
    fn from(e: linfa::Error) -> Self {
        Error::Solver {
            message: format!("linfa: {e}"),
        }
    }
}

/// Settings of a linfa classifier (a consuming builder; [`ParamGuard`]
/// checks them once, before any fit).
#[derive(Clone, Debug, PartialEq)]
pub struct LinfaParams(ValidLinfaParams);

/// [`LinfaParams`] that passed [`ParamGuard::check`]: the only ones that fit.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidLinfaParams {
    classifier: Classifier,
    c: f64,
    max_iterations: u64,
}

impl LinfaParams {
    /// Settings for `classifier`, with the defaults below.
    pub fn new(classifier: Classifier) -> Self {
        LinfaParams(ValidLinfaParams {
            classifier,
            c: if classifier == Classifier::Svm {
                SVM_C
            } else {
                1.0
            },
            max_iterations: 100,
        })
    }

    /// The inverse L2 strength `C` of linfa-logistic (`alpha = 1 / C` on
    /// the summed loss, as our `C`; default 1, linfa's) and the SVM's `C`
    /// (default 0.1, see [`Classifier::Svm`]); unused by naive Bayes and
    /// the tree.
    pub fn c(mut self, c: f64) -> Self {
        self.0.c = c;
        self
    }

    /// linfa-logistic's iteration limit. Default 100 (linfa's).
    pub fn max_iterations(mut self, n: u64) -> Self {
        self.0.max_iterations = n;
        self
    }

    /// The classifier.
    pub fn classifier(&self) -> Classifier {
        self.0.classifier
    }

    /// `C` (see [`LinfaParams::c`]).
    pub fn get_c(&self) -> f64 {
        self.0.c
    }
}

impl ValidLinfaParams {
    /// The classifier.
    pub fn classifier(&self) -> Classifier {
        self.classifier
    }

    /// `C` (see [`LinfaParams::c`]).
    pub fn get_c(&self) -> f64 {
        self.c
    }
}

impl ParamGuard for LinfaParams {
    type Checked = ValidLinfaParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&ValidLinfaParams> {
        let p = &self.0;
        if !p.classifier.is_linfa() {
            return Err(Error::InvalidParameter(
                "the logistic classifier is embed-tl's own: fit it with LogisticParams or PipelineParams".into(),
            ));
        }
        if !(p.c > 0.0 && p.c <= MAX_C) {
            return Err(Error::InvalidParameter(format!(
                "C {} is out of range: expected a number above 0 and at most {MAX_C:e}",
                p.c
            )));
        }
        if p.max_iterations == 0 {
            return Err(Error::InvalidParameter(
                "the iteration limit must be at least 1".into(),
            ));
        }
        Ok(p)
    }

    fn check(self) -> Result<ValidLinfaParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// A fitted linfa classifier over class indices.
#[derive(Clone, Debug, PartialEq)]
pub enum FittedLinfa {
    /// Two classes, linfa-logistic.
    #[cfg(feature = "linfa-logistic")]
    Logistic(FittedLogisticRegression<f32, usize>),
    /// More than two classes, linfa-logistic (multinomial).
    #[cfg(feature = "linfa-logistic")]
    MultiLogistic(MultiFittedLogisticRegression<f32, usize>),
    /// Linear SVMs, one against the rest.
    Svm(OneVsRest),
    /// Gaussian naive Bayes.
    GaussianNb(GaussianNb<f32, usize>),
    /// A decision tree.
    Tree(DecisionTree<f32, usize>),
}

/// Binary linear SVMs, one for each class against the others (a single one,
/// for the second class, when there are two).
#[derive(Clone, Debug, PartialEq)]
pub struct OneVsRest {
    /// The class each machine separates from the rest.
    classes: Vec<usize>,
    /// With two classes, the other one (predicted below 0).
    negative: Option<usize>,
    machines: Vec<Svm<f32, bool>>,
}

impl OneVsRest {
    fn predict_row<S: Data<Elem = f32>>(&self, row: &ArrayBase<S, ndarray::Ix1>) -> usize {
        let decision = |m: &Svm<f32, bool>| m.weighted_sum(row) - m.rho;
        match (self.negative, &self.machines[..]) {
            (Some(neg), [m]) => {
                if decision(m) >= 0.0 {
                    self.classes[0]
                } else {
                    neg
                }
            }
            _ => {
                let values: Vec<f32> = self.machines.iter().map(decision).collect();
                self.classes[super::argmax(&values)]
            }
        }
    }
}

impl FittedLinfa {
    /// The classifier that was fitted.
    pub fn classifier(&self) -> Classifier {
        match self {
            #[cfg(feature = "linfa-logistic")]
            FittedLinfa::Logistic(_) | FittedLinfa::MultiLogistic(_) => Classifier::LinfaLogistic,
            FittedLinfa::Svm(_) => Classifier::Svm,
            FittedLinfa::GaussianNb(_) => Classifier::GaussianNb,
            FittedLinfa::Tree(_) => Classifier::Tree,
        }
    }
}

fn linfa_error(what: &str, e: impl fmt::Display) -> Error {
    Error::Solver {
        message: format!("{what}: {e}"),
    }
}

impl<D, T> Fit<ArrayBase<D, Ix2>, T, Error> for ValidLinfaParams
where
    D: Data<Elem = f32>,
    T: AsSingleTargets<Elem = usize>,
{
    type Object = FittedLinfa;

    /// Fit on `records x features` and class indices. Fails when the
    /// targets hold fewer than 2 classes, or the rows and targets differ in
    /// number.
    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<FittedLinfa> {
        let x = dataset.records().view();
        let y = dataset.as_single_targets().to_owned();
        if x.nrows() != y.len() {
            return Err(Error::InvalidInput(format!(
                "{} feature rows but {} targets",
                x.nrows(),
                y.len()
            )));
        }
        let mut present: Vec<usize> = y.to_vec();
        present.sort_unstable();
        present.dedup();
        if present.len() < 2 {
            return Err(Error::TooFewClasses {
                found: present.len(),
                needed: 2,
                message: format!(
                    "the training rows have {} class; a classifier needs at least 2",
                    present.len()
                ),
            });
        }
        let data = DatasetBase::new(x, y.view());
        Ok(match self.classifier {
            Classifier::Logistic => {
                return Err(Error::InvalidParameter(
                    "the logistic classifier is embed-tl's own: fit it with LogisticParams".into(),
                ))
            }
            #[cfg(not(feature = "linfa-logistic"))]
            Classifier::LinfaLogistic => {
                return Err(Error::InvalidParameter(
                    "linfa-logistic needs embed-tl's `linfa-logistic` feature (on by default)"
                        .into(),
                ))
            }
            #[cfg(feature = "linfa-logistic")]
            Classifier::LinfaLogistic if present.len() == 2 => FittedLinfa::Logistic(
                LogisticRegression::default()
                    .alpha((1.0 / self.c) as f32)
                    .max_iterations(self.max_iterations)
                    .fit(&data)
                    .map_err(|e| linfa_error("linfa-logistic", e))?,
            ),
            #[cfg(feature = "linfa-logistic")]
            Classifier::LinfaLogistic => FittedLinfa::MultiLogistic(
                MultiLogisticRegression::default()
                    .alpha((1.0 / self.c) as f32)
                    .max_iterations(self.max_iterations)
                    .fit(&data)
                    .map_err(|e| linfa_error("linfa-logistic", e))?,
            ),
            Classifier::Svm => {
                let (classes, negative) = if present.len() == 2 {
                    (vec![present[1]], Some(present[0]))
                } else {
                    (present.clone(), None)
                };
                let c = self.c as f32;
                let machines = classes
                    .iter()
                    .map(|&class| {
                        let targets: Array1<bool> = y.mapv(|l| l == class);
                        // libsvm's stopping tolerance: linfa's default 1e-7
                        // is finer than f32 gradients of a few units resolve
                        // (relative precision 1.2e-7). No shrinking
                        // (linfa's default): linfa-svm 0.8.1's shrinking
                        // underflows a counter (solver_smo.rs:655) on
                        // separable data.
                        Svm::<f32, bool>::params()
                            .linear_kernel()
                            .pos_neg_weights(c, c)
                            .eps(SVM_TOLERANCE)
                            .fit(&DatasetBase::new(x, targets.view()))
                            .map_err(|e| linfa_error("linfa-svm", e))
                    })
                    .collect::<Result<Vec<_>>>()?;
                FittedLinfa::Svm(OneVsRest {
                    classes,
                    negative,
                    machines,
                })
            }
            Classifier::GaussianNb => FittedLinfa::GaussianNb(
                GaussianNb::params()
                    .fit(&data)
                    .map_err(|e| linfa_error("linfa-bayes", e))?,
            ),
            Classifier::Tree => FittedLinfa::Tree(
                DecisionTree::params()
                    .fit(&data)
                    .map_err(|e| linfa_error("linfa-trees", e))?,
            ),
        })
    }
}

impl<D: Data<Elem = f32>> PredictInplace<ArrayBase<D, Ix2>, Array1<usize>> for FittedLinfa {
    /// The class index of each row.
    ///
    /// # Panics
    ///
    /// As linfa's models: when `x` has another number of columns than the
    /// training records, or `y` another length than `x` has rows.
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<usize>) {
        match self {
            #[cfg(feature = "linfa-logistic")]
            FittedLinfa::Logistic(m) => m.predict_inplace(x, y),
            #[cfg(feature = "linfa-logistic")]
            FittedLinfa::MultiLogistic(m) => m.predict_inplace(x, y),
            FittedLinfa::GaussianNb(m) => m.predict_inplace(x, y),
            FittedLinfa::Tree(m) => m.predict_inplace(x, y),
            FittedLinfa::Svm(m) => {
                assert_eq!(x.nrows(), y.len(), "one target per row");
                for (row, target) in x.rows().into_iter().zip(y.iter_mut()) {
                    *target = m.predict_row(&row);
                }
            }
        }
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::prelude::*;

    #[test]
    fn names_round_trip() {
        for c in Classifier::ALL {
            assert_eq!(c.name().parse::<Classifier>().unwrap(), c);
        }
        let err = "forest".parse::<Classifier>().unwrap_err().to_string();
        assert!(
            err.contains("logistic, linfa-logistic, svm, gaussian-nb, tree"),
            "{err}"
        );
    }

    /// Three separable blobs: every linfa classifier learns them, with two
    /// and with three classes.
    #[test]
    fn every_linfa_classifier_learns_separable_blobs() {
        let x = ndarray::array![
            [0.0f32, 5.0],
            [0.2, 5.1],
            [-0.1, 4.9],
            [5.0, 0.0],
            [5.2, 0.1],
            [4.9, -0.2],
            [-5.0, -5.0],
            [-5.1, -4.8],
            [-4.9, -5.2]
        ];
        let y = ndarray::array![0usize, 0, 0, 1, 1, 1, 2, 2, 2];
        for classifier in Classifier::ALL.into_iter().filter(|c| c.is_linfa()) {
            for classes in [2, 3] {
                let rows = 3 * classes;
                let data = Dataset::new(
                    x.slice(ndarray::s![..rows, ..]).to_owned(),
                    y.slice(ndarray::s![..rows]).to_owned(),
                );
                let model = LinfaParams::new(classifier).c(10.0).fit(&data).unwrap();
                assert_eq!(model.classifier(), classifier);
                let predicted: Array1<usize> = model.predict(data.records());
                assert_eq!(predicted, data.targets, "{classifier}, {classes} classes");
            }
        }
    }

    #[test]
    fn bad_settings_fail_the_check() {
        let cases = [
            (LinfaParams::new(Classifier::Logistic), "embed-tl's own"),
            (
                LinfaParams::new(Classifier::Svm).c(0.0),
                "C 0 is out of range",
            ),
            (
                LinfaParams::new(Classifier::LinfaLogistic).max_iterations(0),
                "iteration limit",
            ),
        ];
        for (params, expected) in cases {
            let err = params.check_ref().unwrap_err().to_string();
            assert!(err.contains(expected), "{err}");
        }
        let one_class = Dataset::new(ndarray::array![[1.0f32], [2.0]], ndarray::array![0usize, 0]);
        let err = LinfaParams::new(Classifier::Tree)
            .fit(&one_class)
            .unwrap_err()
            .to_string();
        assert!(err.contains("1 class"), "{err}");
        assert!(matches!(
            LinfaParams::new(Classifier::Svm).fit(&one_class),
            Err(crate::error::Error::TooFewClasses {
                found: 1,
                needed: 2,
                ..
            })
        ));
    }
}
