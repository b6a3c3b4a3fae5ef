//! The logistic regression against linfa-logistic on the same dense
//! problem, the model file's round trip and its bad-file errors, and a
//! long-text rule decided once.

mod common;

use common::{default_vectors, repo};
use embed_tl::corpus::{read_labelled, Column};
use embed_tl::features::FeaturizerParams;
use embed_tl::model::{Design, LogisticParams};
use embed_tl::pipeline::{long_texts, FeatureSet, LongTexts, Pipeline, PipelineParams};
use embed_tl::Vectors;
use linfa::prelude::*;

fn reviews(n: usize) -> embed_tl::corpus::Labelled {
    let mut data = read_labelled(
        repo("corpora/reviews.csv"),
        &Column::Name("text".into()),
        &Column::Name("label".into()),
        None,
    )
    .unwrap();
    data.texts.truncate(n);
    data.labels.truncate(n);
    data
}

/// Same objective, same optimizer family: our solver and linfa-logistic
/// (alpha = 1/C on the summed loss) give the same probabilities.
#[test]
fn logistic_regression_agrees_with_linfa_logistic() {
    let vectors = Vectors::open(default_vectors()).unwrap();
    let data = reviews(600);
    let x = FeaturizerParams::default()
        .fit(&vectors, &data.texts)
        .unwrap()
        .transform(&vectors, &data.texts)
        .unwrap();
    let c = 0.5;
    let ours = LogisticParams::default()
        .c(c)
        .tolerance(1e-9)
        .max_iterations(2000)
        .fit(&Design::dense(&x), &data.labels, 2, None)
        .unwrap();
    assert!(ours.converged());
    let p_ours = ours.predict_proba(&Design::dense(&x)).unwrap();

    let x64 = x.mapv(f64::from);
    let y = ndarray::Array1::from(data.labels.clone());
    let linfa_model = linfa_logistic::LogisticRegression::default()
        .alpha(1.0 / c)
        .gradient_tolerance(1e-9)
        .max_iterations(2000)
        .fit(&Dataset::new(x64.clone(), y))
        .unwrap();
    let p_pos = linfa_model.predict_probabilities(&x64);
    let pos = linfa_model.labels().pos.class;
    let mut worst = 0f64;
    for (i, p) in p_pos.iter().enumerate() {
        worst = worst.max((p - f64::from(p_ours[[i, pos]])).abs());
    }
    assert!(worst < 2e-3, "largest probability difference {worst}");
}

#[test]
fn a_saved_model_reloads_and_predicts_the_same() {
    let vectors = Vectors::open(default_vectors()).unwrap();
    let data = reviews(300);
    let params = PipelineParams::default()
        .cs(vec![1.0, 10.0])
        .betas(vec![0.1, 1.0]);
    let model = params
        .fit(Some(&vectors), &data.texts, &data.labels, &data.classes)
        .unwrap();
    let mut bytes = Vec::new();
    model.save(&mut bytes).unwrap();
    let loaded = Pipeline::load(&bytes[..]).unwrap();
    assert!(loaded == model, "the reloaded model differs");
    let probe = ["Great phone, works perfectly.", "Terrible, it broke."];
    assert_eq!(
        loaded.predict_proba(Some(&vectors), &probe).unwrap(),
        model.predict_proba(Some(&vectors), &probe).unwrap()
    );
    let mut again = Vec::new();
    loaded.save(&mut again).unwrap();
    assert_eq!(again, bytes, "save(load(x)) == x");
}

#[test]
fn same_seed_gives_a_byte_identical_model_on_any_thread_count() {
    let vectors = Vectors::open(default_vectors()).unwrap();
    let data = reviews(300);
    let fit = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let model = PipelineParams::default()
                .cs(vec![1.0, 10.0])
                .betas(vec![0.1, 1.0])
                .seed(7)
                .fit(Some(&vectors), &data.texts, &data.labels, &data.classes)
                .unwrap();
            let mut bytes = Vec::new();
            model.save(&mut bytes).unwrap();
            bytes
        })
    };
    let one = fit(1);
    assert_eq!(one, fit(1));
    assert_eq!(one, fit(3));
}

/// The long-text rule decided once holds every fit to it, whatever the
/// texts it is given: short reviews with the rule decided on, and the same
/// reviews by each fit's own count (the default), which leans.
#[test]
fn a_decided_long_text_rule_holds_for_every_fit() {
    let vectors = Vectors::open(default_vectors()).unwrap();
    let data = reviews(200);
    let tokenizer = embed_tl::text::Tokenizer::for_vectors(&vectors);
    assert_eq!(long_texts(&data.texts, &tokenizer), None, "short texts");
    let fit = |rule| {
        PipelineParams::default()
            .cs(vec![1.0])
            .betas(vec![0.1, 1.0])
            .long_texts(rule)
            .fit(Some(&vectors), &data.texts, &data.labels, &data.classes)
            .unwrap()
            .selection()
            .long_texts
    };
    assert_eq!(fit(LongTexts::PerFit), None);
    assert_eq!(fit(LongTexts::Decided(Some(75.0))), Some(75.0));
    assert_eq!(fit(LongTexts::Decided(None)), None);
}

#[test]
fn other_vectors_are_refused_with_what_differs() {
    let vectors = Vectors::open(default_vectors()).unwrap();
    let data = reviews(200);
    let model = PipelineParams::default()
        .features(FeatureSet::Vectors)
        .cs(vec![1.0])
        .fit(Some(&vectors), &data.texts, &data.labels, &data.classes)
        .unwrap();
    let other = Vectors::open(common::data("glove-samples/glove.6B.100d.sample.txt.gz")).unwrap();
    let err = model
        .predict(Some(&other), &["hello"])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not the ones the model was trained with"),
        "{err}"
    );
    assert!(err.contains("100 dimensions, not 50"), "{err}");
    assert!(err.contains("100 words, not 50000"), "{err}");
    let pruned = vectors.top(49_999);
    let err = model
        .predict(Some(&pruned), &["hello"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("49999 words, not 50000"), "{err}");
}

#[test]
fn bad_model_files_get_clear_errors() {
    let vectors = Vectors::open(default_vectors()).unwrap();
    let data = reviews(200);
    let model = PipelineParams::default()
        .features(FeatureSet::Ngrams)
        .cs(vec![1.0])
        .fit(Some(&vectors), &data.texts, &data.labels, &data.classes)
        .unwrap();
    let mut good = Vec::new();
    model.save(&mut good).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "empty file: not an embed-tl model"),
        (good[..good.len() / 2].to_vec(), "ends early (truncated?)"),
        (b"hello world".to_vec(), "not an embed-tl model (not JSON)"),
        (b"{\"a\": 1}".to_vec(), "not an embed-tl model file"),
        (
            text.replacen("\"version\":1", "\"version\":5", 1)
                .into_bytes(),
            "model format version 5; this embed-tl reads versions 1 to 4",
        ),
        (
            text.replacen("\"classes\":[", "\"classes\":7,\"x\":[", 1)
                .into_bytes(),
            "damaged model file",
        ),
    ];
    for (bytes, expected) in cases {
        let err = Pipeline::load(&bytes[..]).unwrap_err().to_string();
        assert!(err.contains(expected), "got '{err}', expected '{expected}'");
    }
}
