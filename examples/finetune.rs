//! Fine-tune the word vectors on a labelled file and score a test file:
//! the trainable layer of `embed_tl::model::FineTuneParams`, for
//! `benches/small_n.py` (systems `finetune`, `finetune-drop`) and
//! `benches/finetune_blend.py` to set beside `classify`.
//!
//! ```text
//! cargo run --release --example finetune -- VECTORS TRAIN.csv TEST.csv \
//!     [--seed N] [--epochs N] [--lr X] [--drop-unseen] [--no-start] [--proba FILE]
//! ```
//!
//! Both files have `text` and `label` columns; the test file's labels
//! must be among the training file's. `--seed` (default 42) seeds the
//! starting noise and the order of the texts; `--epochs` (25) and `--lr`
//! (0.5) are fastText's; `--drop-unseen` drops the words never seen in
//! training instead of using their pretrained vectors (fastText uses them);
//! `--no-start` gives a text's first word no row as the first (fastText
//! has none; `FineTuneParams::start`);
//! `--proba FILE` writes the test texts' class probabilities as JSON
//! (`{"classes": [..], "proba": [[..], ..]}`). Prints one JSON object:
//! `{"accuracy": .., "macro_f1": .., "rows": .., "seconds": ..}` (the
//! rows learned, and the wall time of fitting and predicting).

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use embed_tl::corpus::{read_labelled, Column};
use embed_tl::eval::Metrics;
use embed_tl::model::FineTuneParams;
use embed_tl::text::Tokenizer;
use embed_tl::Vectors;

const USAGE: &str = "usage: finetune VECTORS TRAIN.csv TEST.csv [--seed N] [--epochs N] [--lr X] [--drop-unseen] [--no-start] [--proba FILE]";

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [vectors_path, train_path, test_path, options @ ..] = args.as_slice() else {
        bail!("expected at least 3 arguments, got {}\n{USAGE}", args.len());
    };
    let mut params = FineTuneParams::default();
    let mut proba_path = None;
    let mut options = options.iter();
    while let Some(option) = options.next() {
        let mut value = || {
            options
                .next()
                .with_context(|| format!("{option} needs a value\n{USAGE}"))
        };
        params = match option.as_str() {
            "--seed" => params.seed(value()?.parse().context("--seed")?),
            "--epochs" => params.epochs(value()?.parse().context("--epochs")?),
            "--lr" => params.lr(value()?.parse().context("--lr")?),
            "--drop-unseen" => params.unseen_words(false),
            "--no-start" => params.start(false),
            "--proba" => {
                proba_path = Some(value()?.clone());
                params
            }
            other => bail!("unknown option {other:?}\n{USAGE}"),
        };
    }
    let vectors = Vectors::open(vectors_path).with_context(|| vectors_path.clone())?;
    let (text, label) = (Column::Name("text".into()), Column::Name("label".into()));
    let train = read_labelled(train_path, &text, &label, None)?;
    let test = read_labelled(test_path, &text, &label, Some(&train.classes))?;
    let start = Instant::now();
    let tokenizer = Tokenizer::for_vectors(&vectors);
    let classes = train.classes.len();
    let model = params.fit(&vectors, &tokenizer, &train.texts, &train.labels, classes)?;
    let proba = model.predict_proba(&vectors, &test.texts)?;
    let predicted: Vec<usize> = proba
        .rows()
        .into_iter()
        .map(|r| embed_tl::model::argmax(r.as_slice().unwrap_or(&[])))
        .collect();
    let seconds = start.elapsed().as_secs_f64();
    if let Some(path) = proba_path {
        let rows: Vec<Vec<f32>> = proba.rows().into_iter().map(|r| r.to_vec()).collect();
        let json = serde_json::json!({"classes": train.classes, "proba": rows});
        std::fs::write(&path, json.to_string()).with_context(|| path.clone())?;
    }
    let metrics = Metrics::new(&test.labels, &predicted, classes);
    println!(
        "{}",
        serde_json::json!({
            "accuracy": metrics.accuracy,
            "macro_f1": metrics.macro_f1,
            "rows": model.rows(),
            "seconds": seconds,
        })
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("finetune: {e:#}");
            ExitCode::FAILURE
        }
    }
}
