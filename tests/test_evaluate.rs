//! `embed-tl evaluate`: a saved model scored on labelled texts gives the
//! report `classify --test` gives for the same model and file; the
//! misclassified rows; bad labels and wrong vectors refused.

mod common;

use std::path::Path;

use common::{alike_texts, default_vectors, embed_tl, files, quiet_json, repo, train_small_model};
use predicates::prelude::*;

/// `train.csv`: the first 2,000 rows of the shipped reviews; `test.csv`:
/// the last 1,000 (every review is one line).
fn split_reviews(dir: &Path) {
    let text = std::fs::read_to_string(repo("corpora/reviews.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3000);
    let write = |name: &str, rows: &[&str]| {
        let mut out = format!("{header}\n");
        for row in rows {
            out.push_str(row);
            out.push('\n');
        }
        std::fs::write(dir.join(name), out).unwrap();
    };
    write("train.csv", &rows[..2000]);
    write("test.csv", &rows[2000..]);
}

/// Train on train.csv, score test.csv and save `model`; the JSON report.
fn classify(dir: &Path, model: &str, vectors: bool) -> serde_json::Value {
    let mut cmd = embed_tl(dir);
    cmd.arg("classify");
    if vectors {
        cmd.arg("--vectors").arg(default_vectors());
        cmd.args(["--features", "both", "--beta", "0.3"]);
    } else {
        cmd.args(["--features", "ngrams"]);
    }
    let out = cmd
        .args(["--folds", "2", "--c", "1", "--train", "train.csv"])
        .args(["--test", "test.csv", "--save", model, "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// `classify --test`'s text report, for the same training run.
fn classify_text(dir: &Path, vectors: bool) -> String {
    let mut cmd = embed_tl(dir);
    cmd.arg("classify");
    if vectors {
        cmd.arg("--vectors").arg(default_vectors());
        cmd.args(["--features", "both", "--beta", "0.3"]);
    } else {
        cmd.args(["--features", "ngrams"]);
    }
    let out = cmd
        .args(["--folds", "2", "--c", "1", "--train", "train.csv"])
        .args(["--test", "test.csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

fn evaluate(dir: &Path, model: &str, vectors: bool, extra: &[&str]) -> assert_cmd::assert::Assert {
    let mut cmd = embed_tl(dir);
    cmd.args(["evaluate", "--model", model]);
    if vectors {
        cmd.arg("--vectors").arg(default_vectors());
    }
    cmd.args(["--input", "test.csv"]).args(extra).assert()
}

/// The block from `  accuracy` to the end of the confusion matrix.
fn scores_block(report: &str) -> String {
    report
        .lines()
        .skip_while(|l| !l.starts_with("  accuracy"))
        .take_while(|l| l.starts_with("  "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn same_report_as_classify_test(vectors: bool) {
    let dir = tempfile::tempdir().unwrap();
    split_reviews(dir.path());
    let trained = classify(dir.path(), "m.etl", vectors);
    let expected = &trained["test"]["metrics"];
    assert_eq!(trained["test"]["rows"], 1000);

    let out = evaluate(dir.path(), "m.etl", vectors, &["--format", "json"])
        .success()
        .stderr(predicate::str::contains("no better than labelling").not())
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["warnings"], serde_json::json!([]));
    assert_eq!(json["rows"], 1000);
    assert_eq!(json["metrics"]["accuracy"], expected["accuracy"]);
    assert_eq!(json["metrics"], *expected);
    let accuracy = json["metrics"]["accuracy"].as_f64().unwrap();
    assert!(accuracy > 0.6, "{accuracy}");
    // The vectors' coverage of the scored texts; of the training file, it
    // is the coverage classify measured there.
    if vectors {
        assert_eq!(json["coverage"]["docs"], 1000);
        let out = embed_tl(dir.path())
            .args(["evaluate", "--model", "m.etl", "--vectors"])
            .arg(default_vectors())
            .args(["--input", "train.csv", "--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let on_train: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(on_train["coverage"], trained["coverage"]);
        assert_eq!(on_train["coverage"]["docs"], 2000);
    } else {
        assert!(json["coverage"].is_null());
    }

    let out = evaluate(dir.path(), "m.etl", vectors, &[])
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.contains("\n  coverage  "), vectors, "{text}");
    let block = scores_block(&text);
    assert!(
        block.starts_with(&format!("  accuracy  {:.2}%", 100.0 * accuracy)),
        "{text}"
    );
    assert!(block.contains("confusion (rows: true, columns: predicted)"));
    assert_eq!(block, scores_block(&classify_text(dir.path(), vectors)));
}

/// A model no better than answering the scored file's largest class is
/// called out, as `classify` does, without the class-weight hint (the
/// model is trained already).
#[test]
fn a_model_no_better_than_the_largest_class_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let data = alike_texts();
    std::fs::write(dir.path().join("alike.csv"), &data).unwrap();
    embed_tl(dir.path())
        .args(["classify", "--features", "ngrams", "--train", "alike.csv"])
        .args(["--folds", "3", "--c", "1", "--save", "alike.etl"])
        .assert()
        .success();
    embed_tl(dir.path())
        .args(["evaluate", "--model", "alike.etl", "--input", "alike.csv"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "alike.csv: the accuracy, 75.0%, is no better than labelling every text 'ham' (75.0% of the 24 texts): the model has learned little beyond which class is largest\n",
        ))
        .stderr(predicate::str::contains("--class-weight").not());
    // Under --quiet, the JSON report keeps it.
    let json = quiet_json(
        embed_tl(dir.path())
            .args(["evaluate", "--model", "alike.etl", "--input", "alike.csv"])
            .args(["--quiet", "--format", "json"])
            .assert(),
    );
    assert_eq!(
        json["warnings"],
        serde_json::json!(["alike.csv: the accuracy, 75.0%, is no better than labelling every text 'ham' (75.0% of the 24 texts): the model has learned little beyond which class is largest"])
    );
}

/// Texts with nothing the model knows (no word with a vector, no n-gram
/// of its training texts) all get the answer for an empty text; evaluate
/// says how many, as predict does, on stderr and in both reports. Words
/// with vectors but no n-gram (punctuation) are known.
#[test]
fn texts_with_nothing_the_model_knows_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    train_small_model(dir.path());
    std::fs::write(
        dir.path().join("mixed.csv"),
        "text,label\n\"A wonderful film, I loved it\",pos\nzzqxv qqzzxw,neg\n\
         terrible acting and a boring plot,neg\n!!! ???,pos\nxkcdqq,pos\n",
    )
    .unwrap();
    let warning = "mixed.csv: 2 of 5 texts had nothing the model knows (no word with a vector, no n-gram of its training texts): each got the answer the model gives an empty text";
    let run = |extra: &[&str]| {
        let mut cmd = embed_tl(dir.path());
        cmd.args(["evaluate", "--model", "m.etl", "--vectors"])
            .arg(default_vectors())
            .args(["--input", "mixed.csv"])
            .args(extra);
        cmd.assert()
    };
    let out = run(&[])
        .success()
        .stderr(predicate::str::contains(format!("warning: {warning}\n")))
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(
            "\n  unknown   2 texts have nothing the model knows (each scored as an empty text)\n"
        ),
        "{text}"
    );
    let json = quiet_json(run(&["--quiet", "--format", "json"]));
    assert_eq!(json["blank"], 2);
    // (Then the majority warning: 5 texts are few.)
    assert_eq!(json["warnings"][0], warning);
    // The reviews of the model's own training file are all known.
    let json = quiet_json(
        embed_tl(dir.path())
            .args(["evaluate", "--model", "m.etl", "--vectors"])
            .arg(default_vectors())
            .args(["--input", "train.csv", "--quiet", "--format", "json"])
            .assert(),
    );
    assert_eq!(json["blank"], 0);
    assert_eq!(json["warnings"], serde_json::json!([]));
}

#[test]
fn ngrams_model_scores_as_classify_test_did() {
    same_report_as_classify_test(false);
}

#[test]
fn vectors_model_scores_as_classify_test_did() {
    same_report_as_classify_test(true);
}

#[test]
fn errors_file_has_the_misclassified_rows_with_probabilities() {
    let dir = tempfile::tempdir().unwrap();
    split_reviews(dir.path());
    classify(dir.path(), "m.etl", false);
    let out = evaluate(
        dir.path(),
        "m.etl",
        false,
        &["--errors", "errors.csv", "--format", "json"],
    )
    .success()
    .get_output()
    .stdout
    .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let confusion = json["metrics"]["confusion"].as_array().unwrap();
    let correct: u64 = (0..confusion.len())
        .map(|c| confusion[c][c].as_u64().unwrap())
        .sum();
    let wrong = (1000 - correct) as usize;
    assert!(wrong > 0);
    assert_eq!(json["misclassified"], wrong);

    // The text of each line of test.csv that starts a row.
    let mut test = csv::Reader::from_path(dir.path().join("test.csv")).unwrap();
    let texts: std::collections::HashMap<u64, String> = test
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r.position().unwrap().line(), r[0].to_string())
        })
        .collect();
    let mut errors = csv::Reader::from_path(dir.path().join("errors.csv")).unwrap();
    assert_eq!(
        errors.headers().unwrap(),
        vec!["line", "text", "label", "predicted", "p_neg", "p_pos"]
    );
    let mut rows = 0;
    for record in errors.records() {
        let record = record.unwrap();
        rows += 1;
        let line: u64 = record[0].parse().unwrap();
        let (text, label, predicted) = (&record[1], &record[2], &record[3]);
        assert_eq!(texts[&line], text, "line {line}");
        assert_ne!(label, predicted);
        let p: Vec<f64> = (4..6).map(|i| record[i].parse().unwrap()).collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-5, "{record:?}");
        let best = if p[0] >= p[1] { "neg" } else { "pos" };
        assert_eq!(predicted, best, "{record:?}");
    }
    assert_eq!(rows, wrong);
    assert_eq!(
        files(dir.path()),
        ["errors.csv", "m.etl", "test.csv", "train.csv"]
    );
}

#[test]
fn other_columns_and_tsv_give_the_same_scores() {
    let dir = tempfile::tempdir().unwrap();
    split_reviews(dir.path());
    let trained = classify(dir.path(), "m.etl", false);
    let mut tsv = csv::WriterBuilder::new()
        .delimiter(b'\t')
        .from_path(dir.path().join("test.tsv"))
        .unwrap();
    tsv.write_record(["gold", "sentence"]).unwrap();
    let mut test = csv::Reader::from_path(dir.path().join("test.csv")).unwrap();
    for record in test.records() {
        let record = record.unwrap();
        tsv.write_record([&record[1], &record[0]]).unwrap();
    }
    tsv.flush().unwrap();
    let out = embed_tl(dir.path())
        .args(["evaluate", "--model", "m.etl", "--input", "test.tsv"])
        .args(["--text-column", "sentence", "--label-column", "0"])
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["metrics"], trained["test"]["metrics"]);
}

#[test]
fn a_label_the_model_does_not_know_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    split_reviews(dir.path());
    classify(dir.path(), "m.etl", false);
    std::fs::write(
        dir.path().join("test.csv"),
        "text,label\nGreat food.,pos\nAwful.,neg\nNot sure.,meh\n",
    )
    .unwrap();
    evaluate(dir.path(), "m.etl", false, &["--errors", "errors.csv"])
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "test.csv: line 4: label 'meh' is not one of the model's classes: neg, pos",
        ));
    assert_eq!(files(dir.path()), ["m.etl", "test.csv", "train.csv"]);
}

#[test]
fn a_row_over_max_row_bytes_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    split_reviews(dir.path());
    classify(dir.path(), "m.etl", false);
    embed_tl(dir.path())
        .args(["--max-row-bytes", "20", "evaluate", "--model", "m.etl"])
        .args(["--input", "test.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("test.csv: line"))
        .stderr(predicate::str::contains("row longer than 20 bytes"));
}

#[test]
fn vectors_other_than_the_training_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    split_reviews(dir.path());
    classify(dir.path(), "m.etl", true);
    embed_tl(dir.path())
        .args(["vectors", "prune"])
        .arg(default_vectors())
        .args(["--top", "1000", "small.fifu"])
        .assert()
        .success();
    embed_tl(dir.path())
        .args(["evaluate", "--model", "m.etl", "--vectors", "small.fifu"])
        .args(["--input", "test.csv", "--errors", "errors.csv"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "m.etl with small.fifu: these vectors are not the ones the model was trained with",
        ));
    embed_tl(dir.path())
        .args(["evaluate", "--model", "m.etl", "--input", "test.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "this model needs the 50-d word vectors it was trained with",
        ));
    assert!(!dir.path().join("errors.csv").exists());
}

#[test]
fn errors_to_stdout_or_onto_an_input_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    split_reviews(dir.path());
    classify(dir.path(), "m.etl", false);
    let before = std::fs::read(dir.path().join("test.csv")).unwrap();
    for (target, says) in [
        ("-", "--errors -: stdout holds the report"),
        ("test.csv", "--errors test.csv is the same file as --input"),
        ("./m.etl", "--errors ./m.etl is the same file as --model"),
    ] {
        evaluate(dir.path(), "m.etl", false, &["--errors", target])
            .code(1)
            .stderr(predicate::str::contains(says));
    }
    assert_eq!(std::fs::read(dir.path().join("test.csv")).unwrap(), before);
}
