//! Cross-validation of whole pipelines: every fitted piece (featurizer,
//! scaler, n-gram vocabulary, hyperparameters, classifier) is refitted on
//! each fold's training part, so held-out texts never leak into training.

use rayon::prelude::*;

use super::{stratified_folds, training_rows, Metrics};
use crate::error::{Error, Result};
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
    // The folds' own check knows class numbers only: name the class here.
    let rarest = (0..classes.len())
        .map(|c| (c, labels.iter().filter(|&&l| l == c).count()))
        .filter(|&(_, n)| n > 0)
        .min_by_key(|&(_, n)| n);
    if let Some((c, n)) = rarest.filter(|&(_, n)| n < k) {
        return Err(Error::InvalidInput(format!(
            "class '{}' has {n} text{}, fewer than the {k} folds of the cross-validation",
            classes[c],
            if n == 1 { "" } else { "s" }
        )));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::FeatureSet;

    /// The folds' own check said `class #2`: the message names the class.
    #[test]
    fn too_few_texts_for_the_folds_names_the_class() {
        let texts = ["good", "fine", "bad", "awful", "meh"];
        let labels = [0, 0, 1, 1, 2];
        let classes = ["pos", "neg", "rare"].map(String::from);
        let params = PipelineParams::default().features(FeatureSet::Ngrams);
        let err = cross_validate(&params, None, &texts, &labels, &classes, 2, 1)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("class 'rare' has 1 text, fewer than the 2 folds"),
            "{err}"
        );
    }
}
