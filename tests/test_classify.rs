//! `embed-tl classify` and `embed-tl predict`, run as a user would: train,
//! cross-validate, save, reload, predict, and the bad inputs.

mod common;

use std::path::Path;

use common::{alike_texts, default_vectors, embed_tl, files, repo};
use predicates::prelude::*;

/// The first `n` rows of the shipped review sentences.
fn small_reviews(dir: &Path, n: usize) {
    let text = std::fs::read_to_string(repo("corpora/reviews.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let mut out = format!("{header}\n");
    for line in lines.take(n) {
        out.push_str(line);
        out.push('\n');
    }
    std::fs::write(dir.join("train.csv"), out).unwrap();
}

/// Fast settings for tests (the defaults are for real use).
const FAST: [&str; 6] = ["--folds", "3", "--c", "1,10", "--beta", "0.1,1"];

#[test]
fn classify_reports_cross_validation() {
    let dir = tempfile::tempdir().unwrap();
    small_reviews(dir.path(), 300);
    embed_tl(dir.path())
        .args(["classify", "--vectors"])
        .arg(default_vectors())
        .args(["--train", "train.csv"])
        .args(FAST)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "train:     train.csv (300 texts; neg",
        ))
        .stdout(predicate::str::contains(
            "3-fold stratified cross-validation",
        ))
        .stdout(predicate::str::contains("accuracy"))
        .stdout(predicate::str::contains(
            "(Wilson interval over 300 held-out texts, each scored by its fold's model)",
        ))
        .stdout(predicate::str::contains(
            "confusion (rows: true, columns: predicted)",
        ));
}

#[test]
fn classify_json_report_is_one_object() {
    let dir = tempfile::tempdir().unwrap();
    small_reviews(dir.path(), 200);
    let out = embed_tl(dir.path())
        .args([
            "classify",
            "--features",
            "ngrams",
            "--train",
            "train.csv",
            "--format",
            "json",
        ])
        .args(FAST)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["rows"], 200);
    assert_eq!(v["cv"]["folds"], 3);
    let acc = v["cv"]["accuracy_mean"].as_f64().unwrap();
    assert!(acc > 0.5 && acc <= 1.0, "{acc}");
    assert_eq!(v["cv"]["pooled"]["confusion"].as_array().unwrap().len(), 2);
    // The 95% interval of the pooled accuracy over 200 held-out texts: it
    // holds the accuracy, and is about 2 x 1.96 x sqrt(p (1 - p) / 200) wide.
    let pooled = v["cv"]["pooled"]["accuracy"].as_f64().unwrap();
    let interval = &v["cv"]["pooled"]["accuracy_interval"];
    let (lo, hi) = (interval[0].as_f64().unwrap(), interval[1].as_f64().unwrap());
    assert!(lo < pooled && pooled < hi, "{lo} {pooled} {hi}");
    let normal = 2.0 * 1.96 * (pooled * (1.0 - pooled) / 200.0).sqrt();
    assert!(
        (hi - lo - normal).abs() < 0.01,
        "{lo} {hi} against {normal}"
    );
}

#[test]
fn train_save_reload_predict() {
    let dir = tempfile::tempdir().unwrap();
    small_reviews(dir.path(), 300);
    std::fs::write(
        dir.path().join("new.csv"),
        "id,text\na1,\"Great phone, works perfectly, I love it.\"\na2,\"Terrible. It broke after a day, waste of money.\"\n",
    )
    .unwrap();
    embed_tl(dir.path())
        .args(["classify", "--vectors"])
        .arg(default_vectors())
        .args([
            "--train",
            "train.csv",
            "--save",
            "m.etl",
            "--predict",
            "new.csv",
            "--output",
            "p1.csv",
        ])
        .args(FAST)
        .assert()
        .success();
    embed_tl(dir.path())
        .args(["predict", "--model", "m.etl", "--vectors"])
        .arg(default_vectors())
        .args(["--input", "new.csv", "--output", "p2.csv", "--proba"])
        .assert()
        .success();
    let p1 = std::fs::read_to_string(dir.path().join("p1.csv")).unwrap();
    let p2 = std::fs::read_to_string(dir.path().join("p2.csv")).unwrap();
    assert_eq!(p1, p2, "the reloaded model predicts what the fresh one did");
    let lines: Vec<&str> = p2.lines().collect();
    assert_eq!(lines[0], "id,label,p_neg,p_pos");
    assert!(lines[1].starts_with("a1,pos,"), "{}", lines[1]);
    assert!(lines[2].starts_with("a2,neg,"), "{}", lines[2]);
    for line in &lines[1..] {
        let p: f64 = line
            .split(',')
            .skip(2)
            .map(|v| v.parse::<f64>().unwrap())
            .sum();
        assert!((p - 1.0).abs() < 1e-5, "{line}");
    }
    assert_eq!(
        files(dir.path()),
        ["m.etl", "new.csv", "p1.csv", "p2.csv", "train.csv"]
    );
}

/// Regression (issue 11): `--predict F --output -` wrote the predictions
/// and the text report to the same stdout; the report now goes to stderr.
#[test]
fn predictions_on_stdout_send_the_report_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    small_reviews(dir.path(), 200);
    std::fs::write(
        dir.path().join("new.csv"),
        "id,text\na1,\"Great phone, I love it.\"\na2,\"Terrible, a waste of money.\"\n",
    )
    .unwrap();
    for format in ["text", "json"] {
        let out = embed_tl(dir.path())
            .args(["classify", "--features", "ngrams", "--train", "train.csv"])
            .args(["--predict", "new.csv", "--output", "-", "--format", format])
            .args(FAST)
            .assert()
            .success();
        let out = out.get_output();
        let stdout = String::from_utf8(out.stdout.clone()).unwrap();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 3, "{stdout}");
        assert_eq!(lines[0], "id,label,p_neg,p_pos");
        let stderr = String::from_utf8(out.stderr.clone()).unwrap();
        let report = if format == "json" {
            "\"cv\":"
        } else {
            "accuracy"
        };
        assert!(stderr.contains(report), "{stderr}");
    }
}

#[test]
fn same_seed_same_model_bytes() {
    let dir = tempfile::tempdir().unwrap();
    small_reviews(dir.path(), 200);
    for name in ["a.etl", "b.etl"] {
        embed_tl(dir.path())
            .args(["classify", "--vectors"])
            .arg(default_vectors())
            .args([
                "--train",
                "train.csv",
                "--test",
                "train.csv",
                "--seed",
                "5",
                "--save",
                name,
            ])
            .args(FAST)
            .assert()
            .success();
    }
    assert_eq!(
        std::fs::read(dir.path().join("a.etl")).unwrap(),
        std::fs::read(dir.path().join("b.etl")).unwrap()
    );
}

#[test]
fn predict_with_other_vectors_says_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    small_reviews(dir.path(), 200);
    embed_tl(dir.path())
        .args(["classify", "--features", "vectors", "--vectors"])
        .arg(default_vectors())
        .args([
            "--train",
            "train.csv",
            "--test",
            "train.csv",
            "--save",
            "m.etl",
        ])
        .args(FAST)
        .assert()
        .success();
    embed_tl(dir.path())
        .args(["predict", "--model", "m.etl", "--vectors"])
        .arg(common::data("original-tools/glove_c_tiny.txt"))
        .args(["--input", "train.csv", "--output", "out.csv"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "not the ones the model was trained with",
        ))
        .stderr(predicate::str::contains("8 dimensions, not 50"));
    assert!(!dir.path().join("out.csv").exists());
}

/// Each bad input: non-zero exit, a message naming the file and what is
/// wrong, and no output file left behind.
#[test]
fn bad_inputs_fail_clearly_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_reviews(d, 200);
    std::fs::write(d.join("empty.csv"), "").unwrap();
    std::fs::write(d.join("header-only.csv"), "text,label\n").unwrap();
    std::fs::write(d.join("one-class.csv"), "text,label\na,x\nb,x\nc,x\n").unwrap();
    std::fs::write(d.join("empty-text.csv"), "text,label\nfine,x\n,y\n").unwrap();
    std::fs::write(
        d.join("blank-label.csv"),
        "text,label\nfine,x\nalso fine, \n",
    )
    .unwrap();
    std::fs::write(d.join("ragged.csv"), "text,label\nfine,x\nbad,y,extra\n").unwrap();
    std::fs::write(d.join("cols.csv"), "body,class\nfine,x\n").unwrap();
    std::fs::write(d.join("bad-utf8.csv"), b"text,label\nfine,x\nb\xff,y\n").unwrap();
    let model = std::fs::read(repo("tests/data/README.md")).unwrap();
    std::fs::write(d.join("not-a-model.etl"), &model).unwrap();
    std::fs::write(
        d.join("truncated.etl"),
        "{\"format\":\"embed-tl-model\",\"version\":1,\"cla",
    )
    .unwrap();
    std::fs::write(
        d.join("v5.etl"),
        "{\"format\":\"embed-tl-model\",\"version\":5}",
    )
    .unwrap();
    let before = files(d);

    let classify = |train: &str| -> Vec<String> {
        let mut args: Vec<String> = ["classify", "--features", "ngrams", "--train", train]
            .map(String::from)
            .to_vec();
        args.extend(FAST.map(String::from));
        args.extend(["--save", "out.etl"].map(String::from));
        args
    };
    let predict = |model: &str| -> Vec<String> {
        [
            "predict",
            "--model",
            model,
            "--input",
            "train.csv",
            "--output",
            "out.csv",
        ]
        .map(String::from)
        .to_vec()
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (classify("missing.csv"), "missing.csv: No such file"),
        (
            classify("empty.csv"),
            "empty.csv: empty file: expected a header row",
        ),
        (
            classify("header-only.csv"),
            "header-only.csv: no rows after the header",
        ),
        (
            classify("one-class.csv"),
            "one-class.csv: every text has the label 'x'",
        ),
        (
            classify("empty-text.csv"),
            "empty-text.csv: line 3: empty text in column 'text'",
        ),
        (
            classify("blank-label.csv"),
            "blank-label.csv: line 3: blank label in column 'label'",
        ),
        (
            classify("ragged.csv"),
            "ragged.csv: line 3: expected 2 fields, found 3",
        ),
        (
            classify("cols.csv"),
            "cols.csv: line 1: no column 'text'; columns found: body, class\nhint: choose the columns with --text-column and --label-column, by name or 0-based index; a file without a header row needs --no-header and indexes\n",
        ),
        (
            classify("bad-utf8.csv"),
            "bad-utf8.csv: line 3: field 1: invalid UTF-8 at byte 1",
        ),
        (predict("missing.etl"), "missing.etl: No such file"),
        (
            predict("not-a-model.etl"),
            "not-a-model.etl: line 1: not an embed-tl model (not JSON)",
        ),
        (
            predict("truncated.etl"),
            "truncated.etl: the model file ends early (truncated?)",
        ),
        (
            predict("v5.etl"),
            "v5.etl: model format version 5; this embed-tl reads versions 1 to 4",
        ),
    ];
    for (args, expected) in cases {
        embed_tl(d)
            .args(&args)
            .assert()
            .failure()
            .stderr(predicate::str::contains(expected));
        assert_eq!(files(d), before, "{args:?} left a file behind");
    }
}

#[test]
fn a_class_rarer_than_the_folds_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = String::from("text,label\n");
    for i in 0..12 {
        data.push_str(&format!("good phone {i},pos\nbad phone {i},neg\n"));
    }
    data.push_str("so so,meh\nfine I guess,meh\n");
    std::fs::write(dir.path().join("rare.csv"), data).unwrap();
    embed_tl(dir.path())
        .args(["classify", "--train", "rare.csv", "--features", "ngrams"])
        .args(["--folds", "3", "--c", "1"])
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "rare.csv: class 'meh' has 2 texts, fewer than the 3 folds: it is tested in 2 folds only",
        ))
        .stdout(predicates::str::contains("meh ").and(predicates::str::contains("accuracy")));
}

/// A model no better than labelling every text with the largest class is
/// called out, in the cross-validation and on the test file, with the hint
/// of balanced class weights when the classes are uneven and the run does
/// not already use them. Texts that are all alike can teach nothing but the
/// class prior; the review sentences can, and get no such warning.
#[test]
fn a_model_no_better_than_the_largest_class_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let data = alike_texts();
    std::fs::write(dir.path().join("alike.csv"), &data).unwrap();
    std::fs::write(dir.path().join("alike-test.csv"), &data).unwrap();
    let vectors = default_vectors();
    let run = |flags: &[&str]| {
        embed_tl(dir.path())
            .args(["classify", "--vectors"])
            .arg(&vectors)
            .args(["--train", "alike.csv", "--test", "alike-test.csv", "--cv"])
            .args(FAST)
            .args(flags)
            .assert()
            .success()
    };
    let hint =
        "if the smaller classes matter, --class-weight balanced makes each class weigh the same in training (a higher macro-F1, usually for some accuracy)";
    run(&[])
        .stderr(predicate::str::contains(
            "alike.csv: the cross-validated accuracy, 75.0%, is no better than labelling every text 'ham' (75.0% of the 24 texts): the model has learned little beyond which class is largest; ",
        ))
        .stderr(predicate::str::contains(
            "alike-test.csv: the test accuracy, 75.0%, is no better than labelling every text 'ham' (75.0% of the 24 texts)",
        ))
        .stderr(predicate::str::contains(hint).count(2));
    // Under --quiet nothing reaches stderr, and the JSON report still
    // carries every warning of the run.
    let json = common::quiet_json(run(&["--quiet", "--format", "json"]));
    let warnings: Vec<&str> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    for wanted in [
        "alike.csv: the cross-validated accuracy, 75.0%, is no better than labelling every text 'ham' (75.0% of the 24 texts)",
        "alike-test.csv: the test accuracy, 75.0%, is no better than labelling every text 'ham' (75.0% of the 24 texts)",
    ] {
        assert!(
            warnings.iter().any(|w| w.contains(wanted)),
            "{wanted:?} not in {warnings:?}"
        );
    }
    run(&["--class-weight", "balanced"])
        .stderr(predicate::str::contains(
            "alike.csv: the cross-validated accuracy, ",
        ))
        .stderr(predicate::str::contains(
            "alike-test.csv: the test accuracy, ",
        ))
        .stderr(predicate::str::contains(hint).not());

    // Even classes, and nearly even ones (13 and 11: the largest less
    // than 1.5 times the smallest), are no reason to reweight.
    for spam in [12, 11] {
        let labels = data
            .replace(",spam\n", ",ham\n")
            .replacen(",ham\n", ",spam\n", spam);
        std::fs::write(dir.path().join("alike.csv"), &labels).unwrap();
        run(&[])
            .stderr(predicate::str::contains(
                "alike.csv: the cross-validated accuracy, ",
            ))
            .stderr(predicate::str::contains(hint).not());
    }

    small_reviews(dir.path(), 300);
    let json = embed_tl(dir.path())
        .args(["classify", "--vectors"])
        .arg(&vectors)
        .args(["--train", "train.csv", "--format", "json"])
        .args(FAST)
        .assert()
        .success()
        .stderr(predicate::str::contains("no better than labelling").not())
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert!(!json["warnings"]
        .to_string()
        .contains("no better than labelling"));
}

/// Once "class 'y' has 2 examples, fewer than --folds 3" and exit 1 (issue
/// 14): now the estimate runs, tests the class in 2 of the 3 folds, and
/// says so.
#[test]
fn a_class_of_two_with_three_folds_is_estimated() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tiny-class.csv"),
        "text,label\na,x\nb,x\nc,x\nd,y\ne,y\nf,x\n",
    )
    .unwrap();
    embed_tl(dir.path())
        .args(["classify", "--train", "tiny-class.csv", "--features", "ngrams"])
        .args(["--folds", "3"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "tiny-class.csv: class 'y' has 2 texts, fewer than the 3 folds: it is tested in 2 folds only",
        ))
        .stdout(predicate::str::contains("3-fold stratified cross-validation"));
}

/// The first 50 TREC questions with at most one ABBR and two LOC (issue 14:
/// "N=50 fails"). In file order, as a user would take them.
fn small_trec(dir: &Path) {
    let mut reader = csv::Reader::from_path(repo("corpora/trec-train.csv")).unwrap();
    let mut writer = csv::Writer::from_path(dir.join("small.csv")).unwrap();
    writer.write_record(reader.headers().unwrap()).unwrap();
    let mut counts = std::collections::HashMap::new();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let label = record.get(1).unwrap().to_string();
        let limit = match label.as_str() {
            "ABBR" => 1,
            "LOC" => 2,
            _ => usize::MAX,
        };
        let n = counts.entry(label).or_insert(0);
        if *n < limit && rows < 50 {
            *n += 1;
            rows += 1;
            writer.write_record(&record).unwrap();
        }
    }
    writer.flush().unwrap();
    assert_eq!((counts["ABBR"], counts["LOC"], rows), (1, 2, 50));
}

/// The JSON report of `classify` trained on [`small_trec`]'s file in `dir`
/// with `flags`, scored on the TREC-6 test set.
fn trec_json_report(dir: &Path, flags: &[&str]) -> serde_json::Value {
    let test = repo("corpora/trec-test.csv");
    let mut args = vec!["--train", "small.csv", "--test", test.to_str().unwrap()];
    args.extend(["--format", "json"]);
    args.extend(flags);
    serde_json::from_slice(&classify_stdout(dir, &args)).unwrap()
}

/// `embed-tl classify --vectors <the shipped vectors> ARGS` run in `dir`:
/// its standard output, once it has succeeded.
fn classify_stdout(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = embed_tl(dir)
        .args(["classify", "--vectors"])
        .arg(default_vectors())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A real small corpus with a class of one text (ABBR) and one of two
/// (LOC): the default settings train, score a test file and run the 10-fold
/// estimate, warning about the classes instead of stopping.
#[test]
fn fifty_trec_questions_with_one_abbr_train_and_cross_validate() {
    let dir = tempfile::tempdir().unwrap();
    small_trec(dir.path());
    let classify = || {
        let mut cmd = embed_tl(dir.path());
        cmd.args(["classify", "--vectors"])
            .arg(default_vectors())
            .args(["--train", "small.csv"]);
        cmd
    };
    classify()
        .arg("--test")
        .arg(repo("corpora/trec-test.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "small.csv: choosing C and beta: 2 inner folds instead of 3 (the smallest class of 2 or more texts has 2); class 'ABBR' (1) kept in the training part of every inner fold, never validated",
        ))
        .stdout(predicate::str::contains("held-out test:").and(predicate::str::contains("accuracy")));
    classify()
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "small.csv: classes 'ABBR' (1), 'LOC' (2), 'NUM' (8) have fewer texts than the 10 folds: each is tested in as many folds as it has texts; a class of 1 text counts as wrong there",
        ))
        .stdout(
            predicate::str::contains("10-fold stratified cross-validation")
                .and(predicate::str::contains("accuracy"))
                .and(predicate::str::contains("ABBR       0.000   0.000  0.000        1")),
        );
    // The adapted selection is as deterministic as the usual one: the same
    // model bytes on 1 and 2 threads.
    for (threads, name) in [("1", "one.etl"), ("2", "two.etl")] {
        classify()
            .env("RAYON_NUM_THREADS", threads)
            .args(["--test", "small.csv", "--save", name])
            .assert()
            .success();
    }
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert!(read("one.etl") == read("two.etl"), "1 and 2 threads differ");
}

/// The JSON report shows the inner-CV grid the model was chosen from; on
/// 50 texts the whole grid is tried, ranked by held-out log-loss (few
/// validated texts), and the point chosen is the lowest log-loss or one
/// with a larger vector weight (as good within the noise).
#[test]
fn the_json_report_shows_the_grid_and_the_choice() {
    let dir = tempfile::tempdir().unwrap();
    small_trec(dir.path());
    let report = trec_json_report(dir.path(), &[]);
    let model = &report["model"];
    let grid = model["grid"].as_array().unwrap();
    assert_eq!(grid.len(), 20, "5 C x 4 beta");
    // (C, beta, accuracy, log-loss)
    let point = |p: &serde_json::Value| {
        let f = |k: &str| p[k].as_f64().unwrap();
        (f("c"), f("beta"), f("accuracy"), f("log_loss"))
    };
    let (c, beta) = (
        model["c"].as_f64().unwrap(),
        model["beta"].as_f64().unwrap(),
    );
    let chosen = grid.iter().map(point).find(|p| (p.0, p.1) == (c, beta));
    let (_, _, accuracy, loss) = chosen.expect("the chosen point is in the grid");
    // The lowest log-loss, ties to the higher accuracy, then the earlier.
    let best = grid
        .iter()
        .map(point)
        .fold(None, |b: Option<(f64, f64, f64, f64)>, p| match b {
            Some(b) if b.3 < p.3 || (b.3 == p.3 && b.2 >= p.2) => Some(b),
            _ => Some(p),
        });
    let best = best.unwrap();
    assert!(
        beta >= best.1,
        "chose beta {beta} below the best log-loss's {}",
        best.1
    );
    assert!(
        loss >= best.3 && loss.is_finite(),
        "{loss} against {}",
        best.3
    );
    assert!((0.0..=1.0).contains(&accuracy));
    // Short questions: the selection leaned as usual.
    assert!(model.get("long_texts").is_none(), "{model}");
}

/// Writes `path`: the first `sentences` rows of `corpora/reviews.csv`
/// joined by label, `per_text` sentences a text (11 to 12.4 tokens a
/// sentence).
fn joined_reviews(path: &Path, per_text: usize, sentences: usize) {
    let mut reader = csv::Reader::from_path(repo("corpora/reviews.csv")).unwrap();
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    for row in reader.records().take(sentences) {
        let row = row.unwrap();
        match &row[1] {
            "pos" => pos.push(row[0].to_string()),
            _ => neg.push(row[0].to_string()),
        }
    }
    let mut out = csv::Writer::from_path(path).unwrap();
    out.write_record(["text", "label"]).unwrap();
    for (label, texts) in [("pos", &pos), ("neg", &neg)] {
        for group in texts.chunks_exact(per_text) {
            out.write_record([group.join(" ").as_str(), label]).unwrap();
        }
    }
    out.flush().unwrap();
}

/// The long-text rule needs both a long mean and enough text in all: 119
/// texts of 72 tokens (from 60; 8,528 in all) take it; 120 of 34 tokens
/// keep the leans (4,090 in all, so the mean alone decides), and so do 19
/// of 123 tokens (2,342 in all, under 4,000).
#[test]
fn long_text_rule_needs_long_texts_and_enough_of_them() {
    let dir = tempfile::tempdir().unwrap();
    for (name, per_text, sentences, applies) in [
        ("medium.csv", 6, 720, true),
        ("short.csv", 3, 360, false),
        ("few.csv", 10, 200, false),
    ] {
        joined_reviews(&dir.path().join(name), per_text, sentences);
        let args = [
            "--train", name, "--test", name, "--folds", "3", "--format", "json",
        ];
        let out = classify_stdout(dir.path(), &args);
        let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let long_texts = report["model"].get("long_texts").and_then(|t| t.as_f64());
        match long_texts {
            Some(tokens) => {
                assert!(applies, "{name}: {tokens} tokens a text");
                assert!((60.0..100.0).contains(&tokens), "{name}: {tokens}");
            }
            None => assert!(!applies, "{name}: no long_texts in {}", report["model"]),
        }
    }
}

/// Long texts (ten review sentences each, about 124 tokens): the report
/// says so, the selection takes the inner CV's best point (by log-loss,
/// ties to the higher accuracy, then the earlier point) with no lean
/// towards a larger vector weight, the tuned layer gets its best blend
/// weight rather than the largest within the noise, and the human report
/// says why.
#[test]
fn long_texts_take_the_best_point_without_leaning() {
    let dir = tempfile::tempdir().unwrap();
    joined_reviews(&dir.path().join("long.csv"), 10, 1200);
    let run = |format: &str| {
        let args = ["--train", "long.csv", "--test", "long.csv", "--folds", "3"];
        let out = classify_stdout(dir.path(), &[&args[..], &["--format", format]].concat());
        String::from_utf8(out).unwrap()
    };
    let report: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let model = &report["model"];
    let tokens = model["long_texts"]
        .as_f64()
        .expect("long_texts in the report");
    assert!((100.0..400.0).contains(&tokens), "{tokens} tokens a text");
    let point = |p: &serde_json::Value| {
        let f = |k: &str| p[k].as_f64().unwrap();
        (f("c"), f("beta"), f("accuracy"), f("log_loss"))
    };
    let best = model["grid"]
        .as_array()
        .unwrap()
        .iter()
        .map(point)
        .fold(None, |b: Option<(f64, f64, f64, f64)>, p| match b {
            Some(b) if b.3 < p.3 || (b.3 == p.3 && b.2 >= p.2) => Some(b),
            _ => Some(p),
        })
        .unwrap();
    assert_eq!(
        (
            model["c"].as_f64().unwrap(),
            model["beta"].as_f64().unwrap()
        ),
        (best.0, best.1),
        "{model}"
    );
    // On this set the best point is also the one the lean would take, but
    // the layer's weights are not: the same fit with the leans forced
    // gives the layer the largest weight within the noise, 1, where the
    // lowest held-out log-loss is at a smaller one.
    let weight = model["finetune_weight"].as_f64().unwrap();
    assert!(weight < 1.0, "{model}");
    assert!(run("text").contains("selection: long texts"));
    let vectors = embed_tl::Vectors::open(default_vectors()).unwrap();
    let data = embed_tl::corpus::read_labelled(
        dir.path().join("long.csv"),
        &embed_tl::corpus::Column::Name("text".into()),
        &embed_tl::corpus::Column::Name("label".into()),
        None,
    )
    .unwrap();
    let layer_weight = |rule| {
        embed_tl::pipeline::PipelineParams::default()
            .long_texts(rule)
            .finetune(embed_tl::pipeline::FineTune::On)
            .fit(Some(&vectors), &data.texts, &data.labels, &data.classes)
            .unwrap()
            .tuned()
            .map_or(0.0, |t| t.weight)
    };
    let lean = layer_weight(embed_tl::pipeline::LongTexts::Decided(None));
    let best = layer_weight(embed_tl::pipeline::LongTexts::Decided(Some(tokens)));
    assert!(best < lean && lean == 1.0, "best {best}, lean {lean}");
}

/// Balanced class weights and selection by macro-F1 on a small set with
/// rare classes: the report says what was asked, the grid carries the
/// macro-F1 that chose the point, and the rare classes are found more
/// often on the test set than by the default model, with the tuned layer
/// (the default on this small set, its epochs drawn by class weight too)
/// and without it.
#[test]
fn class_weights_and_macro_f1_selection_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    small_trec(dir.path());
    for layer in ["auto", "off"] {
        let run = |flags: &[&str]| {
            let mut flags = flags.to_vec();
            flags.extend(["--finetune", layer]);
            trec_json_report(dir.path(), &flags)
        };
        class_weights_on(run, layer);
    }
}

/// The checks of `class_weights_and_macro_f1_selection_are_reported`
/// with `run` (the report of `classify` with these flags).
fn class_weights_on(run: impl Fn(&[&str]) -> serde_json::Value, layer: &str) {
    let plain = run(&[]);
    assert_eq!(plain["model"]["class_weight"], "none");
    assert_eq!(plain["model"]["select_by"], "auto");
    assert!(plain["model"]["grid"][0].get("macro_f1").is_none());
    let weighted = run(&["--class-weight", "balanced", "--select-by", "macro-f1"]);
    let model = &weighted["model"];
    assert_eq!(model["class_weight"], "balanced");
    assert_eq!(model["select_by"], "macro-f1");
    let grid = model["grid"].as_array().unwrap();
    let f1 = |p: &serde_json::Value| p["macro_f1"].as_f64().unwrap();
    let best = grid.iter().map(f1).fold(f64::NEG_INFINITY, f64::max);
    let chosen = grid
        .iter()
        .find(|p| p["c"] == model["c"] && p["beta"] == model["beta"])
        .expect("the chosen point is in the grid");
    // The best macro-F1, or a larger vector weight in its accuracy band.
    let best_beta = grid
        .iter()
        .filter(|p| f1(p) == best)
        .map(|p| p["beta"].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    assert!(f1(chosen) == best || model["beta"].as_f64().unwrap() > best_beta);
    assert!((0.0..=1.0).contains(&best));
    // LOC has 2 training texts of 50 and ABBR 1: the recall of the two
    // together rises with the balanced weights.
    let recall = |report: &serde_json::Value| {
        let classes = report["classes"].as_array().unwrap();
        let per_class = report["test"]["metrics"]["per_class"].as_array().unwrap();
        classes
            .iter()
            .zip(per_class)
            .filter(|(c, _)| *c == "ABBR" || *c == "LOC")
            .map(|(_, m)| m["recall"].as_f64().unwrap())
            .sum::<f64>()
    };
    assert!(
        recall(&weighted) > recall(&plain),
        "--finetune {layer}: {} vs {}",
        recall(&weighted),
        recall(&plain)
    );
    let tuned = |report: &serde_json::Value| report["model"]["finetune"].clone();
    assert_eq!(tuned(&plain), if layer == "off" { "off" } else { "on" });
    assert_eq!(tuned(&weighted), tuned(&plain));
}

/// `--finetune` on 50 TREC-6 questions: the inner folds give the tuned
/// layer a weight, the model file is format version 4 (a layer with the
/// start pair), `predict` scores with the blend (the probabilities
/// `classify --predict` wrote, and not those of the model without the
/// layer), a damaged weight is an error at load time, and so is a start
/// pair in a version 3 file, which older builds would have scored without
/// it.
#[test]
fn a_tuned_layer_is_blended_saved_and_scored() {
    let dir = tempfile::tempdir().unwrap();
    small_trec(dir.path());
    let report = trec_json_report(
        dir.path(),
        &[
            "--finetune",
            "--save",
            "tuned.etl",
            "--predict",
            "small.csv",
            "--output",
            "by-classify.csv",
        ],
    );
    let weight = report["model"]["finetune_weight"].as_f64().unwrap();
    assert!(weight > 0.0 && weight <= 1.0, "{weight}");
    assert_eq!(report["model"]["finetune"], "on");
    // The default (`--finetune auto`) tunes a layer on 50 texts: the same model.
    let auto = trec_json_report(dir.path(), &["--save", "auto.etl"]);
    assert_eq!(auto["model"]["finetune"], "on");
    assert_eq!(
        std::fs::read(dir.path().join("auto.etl")).unwrap(),
        std::fs::read(dir.path().join("tuned.etl")).unwrap()
    );
    let plain = trec_json_report(dir.path(), &["--finetune", "off", "--save", "plain.etl"]);
    assert!(plain["model"].get("finetune_weight").is_none());
    assert_eq!(plain["model"]["finetune"], "off");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let tuned: serde_json::Value = serde_json::from_str(&read("tuned.etl")).unwrap();
    assert_eq!(tuned["version"], 4);
    assert_eq!(tuned["tuned"]["model"]["start"], true);
    assert_eq!(tuned["tuned"]["weight"].as_f64(), Some(weight));
    let untuned: serde_json::Value = serde_json::from_str(&read("plain.etl")).unwrap();
    assert_eq!(untuned["version"], 1);
    assert!(untuned.get("tuned").is_none());
    let predict = |model: &str, output: &str| {
        embed_tl(dir.path())
            .args(["predict", "--model", model, "--vectors"])
            .arg(default_vectors())
            .args(["--input", "small.csv", "--output", output, "--proba"])
            .assert()
            .success();
        read(output)
    };
    let (blended, alone) = (
        predict("tuned.etl", "tuned.csv"),
        predict("plain.etl", "plain.csv"),
    );
    let probabilities = |csv: &str| -> Vec<String> {
        csv.lines()
            .skip(1)
            .map(|l| l.split(',').skip(2).collect::<Vec<_>>().join(","))
            .collect()
    };
    assert_eq!(
        probabilities(&blended),
        probabilities(&read("by-classify.csv"))
    );
    assert_ne!(probabilities(&blended), probabilities(&alone));
    // `model` written as `name` is refused when read, saying `expected`.
    let refused = |model: &serde_json::Value, name: &str, expected: &str| {
        std::fs::write(dir.path().join(name), model.to_string()).unwrap();
        embed_tl(dir.path())
            .args(["predict", "--model", name, "--vectors"])
            .arg(default_vectors())
            .args(["--input", "small.csv", "--output", "x.csv"])
            .assert()
            .failure()
            .stderr(predicate::str::contains(expected));
    };
    let mut damaged = tuned.clone();
    damaged["tuned"]["weight"] = serde_json::json!(2.0);
    refused(
        &damaged,
        "damaged.etl",
        "tuned.weight is 2: expected a number above 0 and at most 1",
    );
    let mut relabelled = tuned.clone();
    relabelled["version"] = serde_json::json!(3);
    refused(
        &relabelled,
        "v3.etl",
        "a tuned layer with a start row in a version 3 file",
    );
    // A version 3 file as builds before the start pair wrote it (no
    // `start` field) scores without that row: other probabilities.
    relabelled["tuned"]["model"]
        .as_object_mut()
        .unwrap()
        .remove("start");
    std::fs::write(dir.path().join("v3.etl"), relabelled.to_string()).unwrap();
    let old = predict("v3.etl", "v3.csv");
    assert_eq!(old.lines().count(), blended.lines().count());
    assert_ne!(probabilities(&old), probabilities(&blended));
    embed_tl(dir.path())
        .args(["classify", "--vectors"])
        .arg(default_vectors())
        .args(["--train", "small.csv", "--features", "ngrams", "--finetune"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "--finetune fine-tunes the word vectors: --features ngrams has none",
        ));
    // `auto` asks for no layer where there is nothing to tune.
    embed_tl(dir.path())
        .args(["classify", "--vectors"])
        .arg(default_vectors())
        .args(["--train", "small.csv", "--features", "ngrams"])
        .assert()
        .success();
}

/// The CV accuracy `classify --format json` reports.
fn cv_accuracy(stdout: &[u8]) -> f64 {
    let report: serde_json::Value = serde_json::from_slice(stdout).unwrap();
    report["cv"]["accuracy_mean"].as_f64().unwrap()
}

/// Each linfa classifier on the shipped reviews with the shipped vectors:
/// the CV runs on the vector channel, says which classifier it used, and
/// lands in a band around what the release build measures on the whole
/// corpus (docs/benchmarks.md). The SVM, slow in a debug build, sees the
/// first 900 reviews.
#[test]
fn classify_trains_every_linfa_classifier() {
    let dir = tempfile::tempdir().unwrap();
    small_reviews(dir.path(), 900);
    let cases = [
        ("linfa-logistic", "corpora/reviews.csv", 0.70, 0.85),
        ("svm", "train.csv", 0.65, 0.90),
        ("gaussian-nb", "corpora/reviews.csv", 0.62, 0.80),
        ("tree", "corpora/reviews.csv", 0.55, 0.75),
    ];
    for (classifier, train, low, high) in cases {
        let out = embed_tl(dir.path())
            .args(["classify", "--vectors"])
            .arg(default_vectors())
            .arg("--train")
            .arg(if train == "train.csv" {
                dir.path().join(train)
            } else {
                repo(train)
            })
            .args([
                "--classifier",
                classifier,
                "--folds",
                "3",
                "--format",
                "json",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(report["classifier"], classifier);
        assert_eq!(report["features"], "vectors");
        let accuracy = cv_accuracy(&out);
        assert!(
            (low..=high).contains(&accuracy),
            "{classifier}: accuracy {accuracy} outside [{low}, {high}]"
        );
    }
}

/// The default classifier's report has no `classifier` key: reports (and
/// models) are the same as before `--classifier` existed.
#[test]
fn the_default_classifier_leaves_the_report_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    small_reviews(dir.path(), 200);
    let out = embed_tl(dir.path())
        .args(["classify", "--features", "ngrams", "--train", "train.csv"])
        .args(FAST)
        .args(["--classifier", "logistic", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(report.get("classifier").is_none(), "{report}");
}

/// `--test` scores a linfa classifier fitted on all training texts.
#[test]
fn a_linfa_classifier_scores_a_test_file() {
    embed_tl(&repo("."))
        .args(["classify", "--vectors"])
        .arg(default_vectors())
        .args([
            "--train",
            "corpora/trec-train.csv",
            "--test",
            "corpora/trec-test.csv",
            "--classifier",
            "gaussian-nb",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "classifier: linfa-bayes Gaussian naive Bayes",
        ))
        .stdout(predicate::str::contains(
            "held-out test: corpora/trec-test.csv",
        ))
        .stdout(predicate::str::contains("(Wilson interval over 500 texts)"));
}

/// Combinations a linfa classifier cannot take fail before any work, and
/// say what would work.
#[test]
fn linfa_classifiers_refuse_what_they_cannot_do() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["--classifier", "svm", "--class-weight", "balanced"],
            "--class-weight balanced works with --classifier logistic only",
        ),
        (
            &["--classifier", "tree", "--select-by", "macro-f1"],
            "--select-by macro-f1 works with --classifier logistic only",
        ),
        (
            &["--class-weight", "heavy"],
            "unknown class weight 'heavy': expected none or balanced",
        ),
        (
            &["--classifier", "svm", "--features", "ngrams"],
            "--classifier svm trains on the pooled vectors only (--features vectors); --features ngrams needs --classifier logistic",
        ),
        (
            &["--classifier", "tree", "--features", "both"],
            "--features both needs --classifier logistic",
        ),
        (
            &["--classifier", "gaussian-nb", "--save", "m.etl"],
            "--save works with --classifier logistic only",
        ),
        (
            &["--classifier", "linfa-logistic", "--predict", "corpora/trec-test.csv", "--output", "p.csv"],
            "--predict works with --classifier logistic only",
        ),
        (
            &["--classifier", "forest"],
            "unknown classifier 'forest': expected one of logistic, linfa-logistic, svm, gaussian-nb, tree",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (args, expected) in cases {
        embed_tl(dir.path())
            .args(["classify", "--vectors"])
            .arg(default_vectors())
            .arg("--train")
            .arg(repo("corpora/reviews.csv"))
            .args(args)
            .assert()
            .failure()
            .stderr(predicate::str::contains(expected));
        assert!(files(dir.path()).is_empty(), "{args:?} wrote a file");
    }
}
