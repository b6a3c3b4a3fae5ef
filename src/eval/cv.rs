//! Cross-validation of whole pipelines: every fitted piece (featurizer,
//! scaler, n-gram vocabulary, hyperparameters, classifier) is refitted on
//! each fold's training part, so held-out texts never leak into training.

use linfa::ParamGuard;
use rayon::prelude::*;

use super::{stratified_folds, training_rows, Metrics};
use crate::error::{Error, Result};
use crate::model::Classifier;
use crate::pipeline::{GridPoint, LinfaPipelineParams, PipelineParams, SmallClasses};
use crate::vectors::Vectors;

/// The outcome of k-fold cross-validation.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CvReport {
    /// Number of folds.
    pub folds: usize,
    /// Accuracy of each fold.
    pub fold_accuracy: Vec<f64>,
    /// Macro-F1 of each fold.
    pub fold_macro_f1: Vec<f64>,
    /// Mean of the fold accuracies.
    pub accuracy_mean: f64,
    /// Standard deviation of the fold accuracies.
    pub accuracy_std: f64,
    /// Metrics of all held-out predictions pooled over folds.
    pub pooled: Metrics,
    /// The hyperparameters each fold chose.
    pub chosen: Vec<GridPoint>,
    /// Fits that stopped at the iteration limit (inner and final).
    pub unconverged: usize,
    /// The classes (index, texts) with fewer texts than folds: each is held
    /// out in as many folds as it has texts, and absent from the others'
    /// test parts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub small_classes: Vec<(usize, usize)>,
    /// Held-out texts whose class had no text in their fold's training
    /// part (a class of one text): no model could predict them, and they
    /// count as wrong, as they would on new data.
    #[serde(skip_serializing_if = "is_zero")]
    pub untrained: usize,
    /// Folds whose training part had a single class: they predict that
    /// class for every held-out text (chosen `C` and `beta` are NaN).
    #[serde(skip_serializing_if = "is_zero")]
    pub single_class_folds: usize,
    /// Folds whose inner cross-validation kept a class out of validation
    /// or used fewer folds than asked (see [`SmallClasses`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub inner_adapted: usize,
    /// Folds where no inner cross-validation could run, so `C` and `beta`
    /// were the grids' middle values (see [`SmallClasses`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub inner_fell_back: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One fold's outcome.
struct FoldResult {
    metrics: Metrics,
    chosen: GridPoint,
    unconverged: usize,
    untrained: usize,
    single_class: bool,
    small: Option<SmallClasses>,
}

/// Stratified, shuffled `k`-fold cross-validation of `params` on labelled
/// texts. Folds run in parallel; the result depends only on the inputs
/// and the seed.
///
/// Fails when fewer than 2 classes have texts, never because a class has
/// few: a class with fewer texts than folds is held out in as many folds as
/// it has texts ([`stratified_folds`]), where a fold has no training text
/// of it its held-out texts count as wrong, and the report says so
/// ([`CvReport::small_classes`], [`CvReport::untrained`]). Each fold's
/// inner selection follows [`SmallClasses`].
pub fn cross_validate<T: AsRef<str> + Sync>(
    params: &PipelineParams,
    vectors: Option<&Vectors>,
    texts: &[T],
    labels: &[usize],
    classes: &[String],
    k: usize,
    seed: u64,
) -> Result<CvReport> {
    cross_validate_by(
        texts,
        labels,
        classes,
        k,
        seed,
        |train_texts, train_labels, held| {
            let model = params.fit(vectors, train_texts, train_labels, classes)?;
            let predicted = model.predict(vectors, held)?;
            let selection = model.selection();
            let chosen = selection
                .grid
                .iter()
                .find(|p| p.c == selection.c && p.beta == selection.beta)
                .cloned()
                .unwrap_or(GridPoint {
                    c: selection.c,
                    beta: selection.beta,
                    accuracy: f64::NAN,
                    log_loss: None,
                    macro_f1: None,
                });
            Ok(FoldFit {
                predicted,
                chosen,
                unconverged: selection.unconverged + usize::from(!model.model().converged()),
                small: selection.small_classes.clone(),
            })
        },
    )
}

/// [`cross_validate`] of a linfa classifier on the vector channel
/// ([`LinfaPipelineParams`]): the same stratified folds for the same labels,
/// `k` and seed, so its accuracy compares with the default's fold for fold.
/// Nothing is chosen by inner cross-validation: each fold's
/// [`CvReport::chosen`] holds the classifier's `C` (NaN for naive Bayes and
/// the tree), weight 1 and a NaN inner accuracy.
pub fn cross_validate_linfa<T: AsRef<str> + Sync>(
    params: &LinfaPipelineParams,
    vectors: &Vectors,
    texts: &[T],
    labels: &[usize],
    classes: &[String],
    k: usize,
    seed: u64,
) -> Result<CvReport> {
    let valid = params.check_ref()?;
    let c = match valid.classifier() {
        Classifier::LinfaLogistic | Classifier::Svm => valid.c(),
        _ => f64::NAN,
    };
    cross_validate_by(
        texts,
        labels,
        classes,
        k,
        seed,
        |train_texts, train_labels, held| {
            let model = valid.fit_indexed(vectors, train_texts, train_labels, classes)?;
            Ok(FoldFit {
                predicted: model.predict(vectors, held)?,
                chosen: GridPoint {
                    c,
                    beta: 1.0,
                    accuracy: f64::NAN,
                    log_loss: None,
                    macro_f1: None,
                },
                unconverged: 0,
                small: None,
            })
        },
    )
}

/// What one fold's model did on its held-out texts.
struct FoldFit {
    predicted: Vec<usize>,
    chosen: GridPoint,
    unconverged: usize,
    small: Option<SmallClasses>,
}

/// The fold loop of every cross-validation: `fit_predict(train texts,
/// train labels, held-out texts)` fits on one fold's training part and
/// predicts its held-out part.
fn cross_validate_by<T, F>(
    texts: &[T],
    labels: &[usize],
    classes: &[String],
    k: usize,
    seed: u64,
    fit_predict: F,
) -> Result<CvReport>
where
    T: AsRef<str> + Sync,
    F: Fn(&[&str], &[usize], &[&str]) -> Result<FoldFit> + Sync,
{
    crate::corpus::check_labels(texts.len(), labels, classes)?;
    let counts: Vec<usize> = (0..classes.len())
        .map(|c| labels.iter().filter(|&&l| l == c).count())
        .collect();
    let present = counts.iter().filter(|&&n| n > 0).count();
    if present < 2 {
        return Err(Error::TooFewClasses {
            found: present,
            needed: 2,
            message: format!("the texts have {present} class; a classifier needs at least 2"),
        });
    }
    let small_classes: Vec<(usize, usize)> = counts
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0 && n < k)
        .map(|(c, &n)| (c, n))
        .collect();
    let folds = stratified_folds(labels, k, seed)?;
    let results: Vec<Result<FoldResult>> = (0..k)
        .into_par_iter()
        .map(|f| {
            let train = training_rows(&folds, f, labels.len());
            let train_texts: Vec<&str> = train.iter().map(|&i| texts[i].as_ref()).collect();
            let train_labels: Vec<usize> = train.iter().map(|&i| labels[i]).collect();
            let mut trained = vec![false; classes.len()];
            train_labels.iter().for_each(|&l| trained[l] = true);
            let held_texts: Vec<&str> = folds[f].iter().map(|&i| texts[i].as_ref()).collect();
            let held_labels: Vec<usize> = folds[f].iter().map(|&i| labels[i]).collect();
            let untrained = held_labels.iter().filter(|&&l| !trained[l]).count();
            let only: Vec<usize> = (0..classes.len()).filter(|&c| trained[c]).collect();
            if let [only] = only[..] {
                // One class to learn from: it is the only possible answer.
                let predicted = vec![only; held_labels.len()];
                return Ok(FoldResult {
                    metrics: Metrics::new(&held_labels, &predicted, classes.len()),
                    chosen: GridPoint {
                        c: f64::NAN,
                        beta: f32::NAN,
                        accuracy: f64::NAN,
                        log_loss: None,
                        macro_f1: None,
                    },
                    unconverged: 0,
                    untrained,
                    single_class: true,
                    small: None,
                });
            }
            let fit = fit_predict(&train_texts, &train_labels, &held_texts)?;
            Ok(FoldResult {
                metrics: Metrics::new(&held_labels, &fit.predicted, classes.len()),
                chosen: fit.chosen,
                unconverged: fit.unconverged,
                untrained,
                single_class: false,
                small: fit.small,
            })
        })
        .collect();
    let mut fold_accuracy = Vec::with_capacity(k);
    let mut fold_macro_f1 = Vec::with_capacity(k);
    let mut chosen = Vec::with_capacity(k);
    let mut pooled: Option<Metrics> = None;
    let (mut unconverged, mut untrained, mut single_class_folds) = (0, 0, 0);
    let (mut inner_adapted, mut inner_fell_back) = (0, 0);
    for result in results {
        let fold = result?;
        fold_accuracy.push(fold.metrics.accuracy);
        fold_macro_f1.push(fold.metrics.macro_f1);
        chosen.push(fold.chosen);
        unconverged += fold.unconverged;
        untrained += fold.untrained;
        single_class_folds += usize::from(fold.single_class);
        match &fold.small {
            Some(s) if s.fell_back() => inner_fell_back += 1,
            Some(_) => inner_adapted += 1,
            None => {}
        }
        pooled = Some(match pooled {
            Some(p) => p.merged(&fold.metrics),
            None => fold.metrics,
        });
    }
    let mean = fold_accuracy.iter().sum::<f64>() / k as f64;
    let var = fold_accuracy
        .iter()
        .map(|a| (a - mean).powi(2))
        .sum::<f64>()
        / k as f64;
    Ok(CvReport {
        folds: k,
        fold_accuracy,
        fold_macro_f1,
        accuracy_mean: mean,
        accuracy_std: var.sqrt(),
        pooled: pooled.unwrap_or_else(|| Metrics::from_confusion(Vec::new())),
        chosen,
        unconverged,
        small_classes,
        untrained,
        single_class_folds,
        inner_adapted,
        inner_fell_back,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::FeatureSet;

    /// A class of one text no longer stops the cross-validation: it is
    /// held out once, predicted wrong there (no training text left), and
    /// the report says so.
    #[test]
    fn a_class_of_one_text_is_held_out_once_and_counted_wrong() {
        let texts = ["good", "fine", "great", "bad", "awful", "poor", "meh"];
        let labels = [0, 0, 0, 1, 1, 1, 2];
        let classes = ["pos", "neg", "rare"].map(String::from);
        let params = PipelineParams::default().features(FeatureSet::Ngrams);
        let cv = cross_validate(&params, None, &texts, &labels, &classes, 3, 1).unwrap();
        assert_eq!(cv.small_classes, vec![(2, 1)]);
        assert_eq!(cv.untrained, 1);
        assert_eq!(cv.pooled.confusion[2].iter().sum::<u64>(), 1);
        assert_eq!(cv.pooled.confusion[2][2], 0);
        assert_eq!(cv.fold_accuracy.len(), 3);
        assert!(cv.accuracy_mean.is_finite());
        // Same seed, same report.
        assert_eq!(
            cv,
            cross_validate(&params, None, &texts, &labels, &classes, 3, 1).unwrap()
        );
    }

    /// Two classes, one of a single text: the fold holding it out trains on
    /// one class and predicts it.
    #[test]
    fn a_fold_left_with_one_class_predicts_it() {
        let texts = ["good", "fine", "great", "nice", "bad"];
        let labels = [0, 0, 0, 0, 1];
        let classes = ["pos", "neg"].map(String::from);
        let params = PipelineParams::default().features(FeatureSet::Ngrams);
        let cv = cross_validate(&params, None, &texts, &labels, &classes, 2, 1).unwrap();
        assert_eq!(cv.single_class_folds, 1);
        assert_eq!(cv.untrained, 1);
        let err = cross_validate(&params, None, &texts, &[0; 5], &classes, 2, 1)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("1 class; a classifier needs at least 2"),
            "{err}"
        );
    }
}
