//! The tokenizer as a `tokenizers` pipeline (`Tokenizer::pipeline`) gives
//! exactly the tokens of the hand-written scanner that featurising uses,
//! on every shipped corpus and on strings made of the characters its rules
//! turn on; and a Hugging Face `tokenizer.json` tokenizes through
//! `tokenizers` itself.

mod common;

use std::path::{Path, PathBuf};

use embed_tl::text::{HfTokenizer, Tokenizer};
use predicates::prelude::*;
use proptest::prelude::*;

fn shipped_corpora() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    files
}

fn texts(path: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "text")
        .unwrap_or_else(|| panic!("{}: no text column", path.display()));
    reader
        .records()
        .map(|r| r.unwrap()[column].to_string())
        .collect()
}

fn tokenizers() -> Vec<Tokenizer> {
    let mut all = Vec::new();
    for lowercase in [true, false] {
        for split_clitics in [true, false] {
            all.push(Tokenizer {
                lowercase,
                split_clitics,
                ..Tokenizer::default()
            });
        }
    }
    all
}

#[test]
fn the_pipeline_gives_the_scanners_tokens_on_every_shipped_corpus() {
    let files = shipped_corpora();
    let names: Vec<_> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    // reviews, TREC-6 train and test, Banking77 train, dev and test.
    assert!(files.len() >= 6, "shipped corpora: {names:?}");
    // The two tokenizers featurising uses (`Tokenizer::for_vectors`): with
    // and without lowercasing; the others are in the string test below.
    for tokenizer in tokenizers().into_iter().filter(|t| t.split_clitics) {
        let pipeline = tokenizer.pipeline();
        for file in &files {
            let texts = texts(file);
            assert!(
                texts.len() >= 500,
                "{}: {} texts",
                file.display(),
                texts.len()
            );
            let mut tokens = 0;
            for (i, text) in texts.iter().enumerate() {
                let expected = tokenizer.tokenize(text);
                let got = pipeline.tokenize(text).unwrap();
                assert_eq!(
                    got,
                    expected,
                    "{} text {}: {text:?} ({tokenizer:?})",
                    file.display(),
                    i + 1
                );
                tokens += expected.len();
            }
            assert!(tokens > texts.len(), "{}: {tokens} tokens", file.display());
        }
    }
}

fn pipelines() -> &'static [(Tokenizer, embed_tl::text::Pipeline)] {
    static PIPELINES: std::sync::OnceLock<Vec<(Tokenizer, embed_tl::text::Pipeline)>> =
        std::sync::OnceLock::new();
    PIPELINES.get_or_init(|| {
        tokenizers()
            .into_iter()
            .map(|t| {
                let p = t.pipeline();
                (t, p)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Strings of the characters the scanner's rules turn on: apostrophes
    /// (straight and curly), n and t, the clitics' letters, hyphens, points
    /// and commas between digits, punctuation runs, whitespace, non-ASCII
    /// letters and a ligature that NFKC expands.
    #[test]
    fn the_pipeline_gives_the_scanners_tokens_on_tricky_strings(
        text in "[aAnNtTsSdDlLmMrReEvV'\u{2019}\\-.,09 \t!?é日ﬁ]{0,24}",
    ) {
        for (tokenizer, pipeline) in pipelines() {
            let got = pipeline.tokenize(&text).unwrap();
            prop_assert_eq!(got, tokenizer.tokenize(&text), "{:?}", tokenizer);
        }
    }
}

/// A WordPiece `tokenizer.json` in the layout Hugging Face writes (BERT's
/// normalizer and pre-tokenizer, a WordPiece model with a tiny vocabulary),
/// written by `tokenizers` itself from its own types.
fn bert_like_tokenizer_json() -> String {
    r###"{
  "version": "1.0",
  "truncation": null,
  "padding": null,
  "added_tokens": [],
  "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
  "pre_tokenizer": {"type": "BertPreTokenizer"},
  "post_processor": null,
  "decoder": null,
  "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
            "vocab": {"[UNK]": 0, "the": 1, "play": 2, "##ing": 3, "##ed": 4, "great": 5, "!": 6, "was": 7}}
}"###
        .to_string()
}

#[test]
fn a_hugging_face_tokenizer_json_gives_its_own_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokenizer.json");
    std::fs::write(&path, bert_like_tokenizer_json()).unwrap();
    let hf = HfTokenizer::open(&path).unwrap();
    let tokenizer = Tokenizer {
        external: Some(hf),
        ..Tokenizer::default()
    };
    assert_eq!(
        tokenizer.tokenize("The playing was GREAT! Played"),
        ["the", "play", "##ing", "was", "great", "!", "play", "##ed"]
    );
    // Saved with the featurizer as the tokenizer's own JSON, and read back.
    let json = serde_json::to_string(&tokenizer).unwrap();
    assert!(json.contains("\"WordPiece\""), "{json}");
    let back: Tokenizer = serde_json::from_str(&json).unwrap();
    assert_eq!(back, tokenizer);
    // A tokenizer without one saves exactly as before (model bytes unchanged).
    assert_eq!(
        serde_json::to_string(&Tokenizer::default()).unwrap(),
        r#"{"lowercase":false,"split_punctuation":true,"split_clitics":true}"#
    );
}

#[test]
fn a_file_that_is_not_a_tokenizer_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokenizer.json");
    std::fs::write(&path, r#"{"model": 3}"#).unwrap();
    let err = HfTokenizer::open(&path).unwrap_err().to_string();
    assert!(
        err.contains("tokenizer.json") && err.contains("not a Hugging Face tokenizer.json"),
        "{err}"
    );
    let err = HfTokenizer::open(&dir.path().join("missing.json"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.json"), "{err}");
}

/// A WordLevel `tokenizer.json` (lowercasing, splitting at whitespace and
/// punctuation like `tokenizers`' `Whitespace`) whose vocabulary is every
/// word of `texts`: its tokens are what the model sees.
fn word_level_tokenizer_json(texts: &[String]) -> String {
    let mut vocab = serde_json::Map::new();
    vocab.insert("[UNK]".into(), 0.into());
    for text in texts {
        for word in text
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let id = vocab.len();
            vocab.entry(word.to_string()).or_insert(id.into());
        }
    }
    serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": null, "decoder": null,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"}
    })
    .to_string()
}

#[test]
fn classify_and_predict_with_a_hugging_face_tokenizer() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let reviews = texts(&common::repo("corpora/reviews.csv"));
    let all = std::fs::read_to_string(common::repo("corpora/reviews.csv")).unwrap();
    let train: String = all.lines().take(301).map(|l| format!("{l}\n")).collect();
    std::fs::write(d.join("train.csv"), train).unwrap();
    std::fs::write(
        d.join("tokenizer.json"),
        word_level_tokenizer_json(&reviews[..300]),
    )
    .unwrap();
    std::fs::write(
        d.join("new.csv"),
        "id,text\na1,\"Great phone, works perfectly, I love it.\"\na2,\"Terrible. It broke after a day, waste of money.\"\n",
    )
    .unwrap();
    // No tuned layer (`auto` would tune one on 300 texts): the model is
    // version 2, the tokenizer's own.
    let fast = [
        "--folds",
        "3",
        "--c",
        "1,10",
        "--beta",
        "0.1,1",
        "--finetune",
        "off",
    ];
    let out = common::embed_tl(d)
        .args(["classify", "--vectors"])
        .arg(common::default_vectors())
        .args([
            "--train",
            "train.csv",
            "--tokenizer",
            "tokenizer.json",
            "--save",
            "m.etl",
        ])
        .args(["--predict", "new.csv", "--output", "p1.csv"])
        .args(fast)
        .assert()
        .success();
    let report = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(report.contains("accuracy"), "{report}");
    // The model holds the tokenizer in tokenizers' JSON, under version 2.
    let model = std::fs::read_to_string(d.join("m.etl")).unwrap();
    assert!(
        model.contains("\"WordLevel\"") && model.contains("\"version\":2"),
        "{}",
        &model[..200]
    );
    common::embed_tl(d)
        .args(["predict", "--model", "m.etl", "--vectors"])
        .arg(common::default_vectors())
        .args(["--input", "new.csv", "--output", "p2.csv", "--proba"])
        .assert()
        .success();
    let p1 = std::fs::read_to_string(d.join("p1.csv")).unwrap();
    let p2 = std::fs::read_to_string(d.join("p2.csv")).unwrap();
    assert_eq!(p1, p2, "the reloaded model tokenizes as the fitted one did");
    // With `--finetune auto` (the default) the tuned layer splits texts
    // with the same tokenizer: version 4, and `predict` scores as
    // `classify` did.
    common::embed_tl(d)
        .args(["classify", "--vectors"])
        .arg(common::default_vectors())
        .args(["--train", "train.csv", "--tokenizer", "tokenizer.json"])
        .args([
            "--save",
            "tuned.etl",
            "--predict",
            "new.csv",
            "--output",
            "t1.csv",
        ])
        .args(&fast[..6])
        .assert()
        .success();
    let tuned = std::fs::read_to_string(d.join("tuned.etl")).unwrap();
    assert!(
        tuned.contains("\"version\":4")
            && tuned.contains("\"WordLevel\"")
            && tuned.contains("\"tuned\""),
        "{}",
        &tuned[..200]
    );
    common::embed_tl(d)
        .args(["predict", "--model", "tuned.etl", "--vectors"])
        .arg(common::default_vectors())
        .args(["--input", "new.csv", "--output", "t2.csv", "--proba"])
        .assert()
        .success();
    let t1 = std::fs::read_to_string(d.join("t1.csv")).unwrap();
    assert_eq!(t1, std::fs::read_to_string(d.join("t2.csv")).unwrap());
    assert_ne!(t1, p1, "the layer changes the probabilities");
    // Without --tokenizer the same training gives another model (the
    // built-in tokenizer keeps n't and punctuation that WordLevel drops).
    common::embed_tl(d)
        .args(["classify", "--vectors"])
        .arg(common::default_vectors())
        .args(["--train", "train.csv", "--save", "plain.etl"])
        .args(fast)
        .assert()
        .success();
    let plain = std::fs::read_to_string(d.join("plain.etl")).unwrap();
    assert!(plain.contains("\"version\":1") && !plain.contains("WordLevel"));
    // A file that is not a tokenizer: the flag, the file and why.
    std::fs::write(d.join("bad.json"), "{\"model\": 3}").unwrap();
    common::embed_tl(d)
        .args(["classify", "--vectors"])
        .arg(common::default_vectors())
        .args(["--train", "train.csv", "--tokenizer", "bad.json"])
        .assert()
        .failure()
        .stderr(
            predicates::str::contains("--tokenizer: ").and(predicates::str::contains(
                "bad.json: not a Hugging Face tokenizer.json",
            )),
        );
}
