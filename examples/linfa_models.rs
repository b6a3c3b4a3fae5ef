//! Three linfa classifiers on `Featurizer` output: the shipped GloVe
//! vectors pool the shipped review sentences into a linfa `Dataset`, and
//! linfa-logistic, linfa-bayes and linfa-trees train on it, each through
//! linfa's own `Fit` and `Predict`.
//!
//! ```text
//! cargo run --release --example linfa_models
//! ```
//!
//! Run from the repository root (the paths are the shipped data). Prints the
//! held-out accuracy of each model on a stratified fifth of the reviews
//! (`eval::holdout_split`, seed 42); the features are fitted on the other
//! four fifths only.

use std::process::ExitCode;

use embed_tl::corpus::{read_labelled, Column};
use embed_tl::eval::holdout_split;
use embed_tl::features::{FeaturizerParams, LabelledFeatures};
use embed_tl::pool::PoolParams;
use embed_tl::Vectors;
use linfa::prelude::*;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
    let data = read_labelled(
        "corpora/reviews.csv",
        &Column::Name("text".into()),
        &Column::Name("label".into()),
        None,
    )?;
    let (train_rows, test_rows) = holdout_split(&data.labels, 42)?;
    let pick = |rows: &[usize]| -> (Vec<&str>, Vec<usize>) {
        rows.iter()
            .map(|&i| (data.texts[i].as_str(), data.labels[i]))
            .unzip()
    };
    let (train_texts, train_labels) = pick(&train_rows);
    let (test_texts, test_labels) = pick(&test_rows);

    // Min, mean and max of the word vectors: 150 named features a text.
    let featurizer = FeaturizerParams::default()
        .pool("pmeans".parse::<PoolParams>()?)
        .fit(&vectors, &train_texts)?;
    let LabelledFeatures {
        dataset: train,
        classes,
    } = featurizer.labelled(&vectors, &train_texts, &train_labels, &data.classes)?;
    let test = featurizer
        .labelled(&vectors, &test_texts, &test_labels, &data.classes)?
        .dataset;
    println!(
        "{} training and {} held-out reviews, {} features ({} ... {}), classes {}",
        train.nsamples(),
        test.nsamples(),
        train.nfeatures(),
        train.feature_names()[0],
        train.feature_names()[train.nfeatures() - 1],
        classes.join(", ")
    );

    let accuracy = |predicted: ndarray::Array1<usize>| -> Result<f32, linfa::Error> {
        Ok(predicted.confusion_matrix(&test)?.accuracy())
    };
    let logistic = linfa_logistic::LogisticRegression::default()
        .max_iterations(300)
        .fit(&train)?;
    println!(
        "linfa-logistic   held-out accuracy {:.1}%",
        100.0 * accuracy(logistic.predict(&test))?
    );
    let bayes = linfa_bayes::GaussianNb::params().fit(&train)?;
    println!(
        "linfa-bayes (NB) held-out accuracy {:.1}%",
        100.0 * accuracy(bayes.predict(&test))?
    );
    let tree = linfa_trees::DecisionTree::params()
        .max_depth(Some(8))
        .fit(&train)?;
    println!(
        "linfa-trees      held-out accuracy {:.1}%",
        100.0 * accuracy(tree.predict(&test))?
    );
    Ok(())
}
