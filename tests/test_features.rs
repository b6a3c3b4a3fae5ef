//! The featurizer on real vectors: poolers end to end, determinism across
//! thread counts, coverage of the matched tokenizer vs whitespace.

mod common;

use common::{default_vectors, repo};
use embed_tl::corpus::{read_texts, Column};
use embed_tl::features::{Coverage, FeaturizerParams};
use embed_tl::pool::PoolParams;
use embed_tl::text::Tokenizer;
use embed_tl::vectors::Scale;
use embed_tl::Vectors;

fn texts(file: &str) -> Vec<String> {
    read_texts(repo(file), &Column::Name("text".into())).unwrap()
}

#[test]
fn every_pooler_gives_finite_features_and_zeros_for_empty_texts() {
    let vectors = Vectors::open(default_vectors()).unwrap();
    let mut train = texts("corpora/reviews.csv");
    train.truncate(300);
    let probe = ["", "   ", "qqqzzz xxyyzz", "A great phone!"];
    for pool in [
        "mean",
        "max",
        "min",
        "pmeans",
        "pmeans:min,mean,max,3",
        "idf",
        "sif",
    ] {
        let f = FeaturizerParams::default()
            .pool(pool.parse::<PoolParams>().unwrap())
            .fit(&vectors, &train)
            .unwrap();
        let x = f.transform(&vectors, &probe).unwrap();
        assert_eq!(x.nrows(), 4);
        assert!(x.iter().all(|v| v.is_finite()), "{pool}");
        for empty in 0..3 {
            assert!(
                x.row(empty).iter().all(|&v| v == 0.0),
                "{pool}: row {empty}"
            );
        }
        assert!(x.row(3).iter().any(|&v| v != 0.0), "{pool}");
    }
}

#[test]
fn mean_pooling_is_the_average_of_the_found_words() {
    let vectors = Vectors::open(default_vectors()).unwrap();
    let f = FeaturizerParams::default().fit(&vectors, &[""]).unwrap();
    let x = f.transform(&vectors, &["The queen, zzqqx!"]).unwrap();
    let words = ["the", "queen", ",", "!"];
    for d in 0..50 {
        let mean: f32 = words
            .iter()
            .map(|w| vectors.embedding(w, Scale::Original).unwrap()[d])
            .sum::<f32>()
            / 4.0;
        assert!((x[[0, d]] - mean).abs() < 1e-6);
    }
}

#[test]
fn features_are_bit_identical_on_one_and_many_threads() {
    let vectors = Vectors::open(default_vectors()).unwrap();
    let train = texts("corpora/trec-train.csv");
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let f = FeaturizerParams::default()
                .pool(PoolParams::Sif { a: 1e-3 })
                .fit(&vectors, &train)
                .unwrap();
            (f.clone(), f.transform(&vectors, &train).unwrap())
        })
    };
    let (f1, x1) = run(1);
    let (f4, x4) = run(4);
    assert_eq!(f1, f4);
    assert_eq!(x1, x4);
}

#[test]
fn matched_tokenizer_covers_at_least_as_much_as_whitespace() {
    let vectors = Vectors::open(default_vectors()).unwrap();
    let matched = Tokenizer::for_vectors(&vectors);
    assert!(matched.lowercase, "GloVe 6B is lowercased");
    for file in [
        "corpora/reviews.csv",
        "corpora/trec-train.csv",
        "corpora/banking77-train.csv",
    ] {
        let t = texts(file);
        let ours = Coverage::measure(&vectors, &matched, &t);
        let plain = Coverage::measure(&vectors, &Tokenizer::whitespace(), &t);
        assert!(
            ours.token_rate() >= plain.token_rate(),
            "{file}: {} < {}",
            ours.token_rate(),
            plain.token_rate()
        );
    }
}

#[test]
fn a_saved_featurizer_transforms_the_same() {
    let vectors = Vectors::open(default_vectors()).unwrap();
    let train = texts("corpora/reviews.csv");
    let f = FeaturizerParams::default()
        .pool(PoolParams::Idf)
        .fit(&vectors, &train)
        .unwrap();
    let json = serde_json::to_string(&f).unwrap();
    let g: embed_tl::features::Featurizer = serde_json::from_str(&json).unwrap();
    assert_eq!(
        serde_json::to_string(&g).unwrap(),
        json,
        "serialisation is stable"
    );
    assert_eq!(
        f.transform(&vectors, &train[..50]).unwrap(),
        g.transform(&vectors, &train[..50]).unwrap()
    );
}
