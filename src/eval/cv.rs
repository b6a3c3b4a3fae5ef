//! Cross-validation of whole pipelines: every fitted piece (featurizer,
//! scaler, n-gram vocabulary, hyperparameters, classifier) is refitted on
//! each fold's training part, so held-out texts never leak into training.

use rayon::prelude::*;

use super::{stratified_folds, training_rows, Metrics};
use crate::error::Result;
use crate::pipeline::{GridPoint, PipelineParams};
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
}

/// Stratified, shuffled `k`-fold cross-validation of `params` on labelled
/// texts. Folds run in parallel; the result depends only on the inputs
/// and the seed.
pub fn cross_validate<T: AsRef<str> + Sync>(
    params: &PipelineParams,
    vectors: Option<&Vectors>,
    texts: &[T],
    labels: &[usize],
    classes: &[String],
    k: usize,
    seed: u64,
) -> Result<CvReport> {
    let folds = stratified_folds(labels, k, seed)?;
    let results: Vec<Result<(Metrics, GridPoint, usize)>> = (0..k)
        .into_par_iter()
        .map(|f| {
            let train = training_rows(&folds, f, labels.len());
            let train_texts: Vec<&str> = train.iter().map(|&i| texts[i].as_ref()).collect();
            let train_labels: Vec<usize> = train.iter().map(|&i| labels[i]).collect();
            let model = params.fit(vectors, &train_texts, &train_labels, classes)?;
            let held_texts: Vec<&str> = folds[f].iter().map(|&i| texts[i].as_ref()).collect();
            let held_labels: Vec<usize> = folds[f].iter().map(|&i| labels[i]).collect();
            let predicted = model.predict(vectors, &held_texts)?;
            let selection = model.selection();
            let chosen = GridPoint {
                c: selection.c,
                beta: selection.beta,
                accuracy: selection
                    .grid
                    .iter()
                    .find(|p| p.c == selection.c && p.beta == selection.beta)
                    .map_or(f64::NAN, |p| p.accuracy),
            };
            let unconverged = selection.unconverged + usize::from(!model.model().converged());
            Ok((
                Metrics::new(&held_labels, &predicted, classes.len()),
                chosen,
                unconverged,
            ))
        })
        .collect();
    let mut fold_accuracy = Vec::with_capacity(k);
    let mut fold_macro_f1 = Vec::with_capacity(k);
    let mut chosen = Vec::with_capacity(k);
    let mut pooled: Option<Metrics> = None;
    let mut unconverged = 0;
    for result in results {
        let (metrics, point, bad) = result?;
        fold_accuracy.push(metrics.accuracy);
        fold_macro_f1.push(metrics.macro_f1);
        chosen.push(point);
        unconverged += bad;
        pooled = Some(match pooled {
            Some(p) => p.merged(&metrics),
            None => metrics,
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
    })
}
