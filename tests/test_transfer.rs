//! `embed-tl transfer-report`, run as a user would on the shipped review
//! sentences with the shipped default vectors: the files it writes, the
//! chart's structure, byte-identical reports across thread counts, and
//! clear refusals of sets too small for what was asked.

mod common;

use std::path::Path;

use common::{default_vectors, embed_tl, repo};
use predicates::prelude::*;

/// `n` rows of the shipped review sentences, alternating classes so a
/// small file is balanced (the file lists sources one after another).
fn small_reviews(dir: &Path, n: usize) {
    let text = std::fs::read_to_string(repo("corpora/reviews.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (mut pos, mut neg): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for line in lines {
        if line.contains(",pos,") {
            pos.push(line);
        } else {
            neg.push(line);
        }
    }
    let mut out = format!("{header}\n");
    for i in 0..n {
        out.push_str(if i % 2 == 0 { pos[i / 2] } else { neg[i / 2] });
        out.push('\n');
    }
    std::fs::write(dir.join("train.csv"), out).unwrap();
}

/// Small, fast settings for debug-build tests (the defaults are for real
/// use): 2 x 3-fold CV, one C and one channel weight, 2 draws per size.
const FAST: [&str; 14] = [
    "--folds",
    "3",
    "--repeats",
    "2",
    "--c",
    "1",
    "--beta",
    "0.3",
    "--curve-c",
    "1",
    "--curve-beta",
    "0.3",
    "--draws",
    "2",
];

fn report(dir: &Path, out: &str, sizes: &str) -> assert_cmd::Command {
    let mut cmd = embed_tl(dir);
    cmd.args(["transfer-report", "--vectors"])
        .arg(default_vectors())
        .args(["--train", "train.csv", "--out", out, "--sizes", sizes])
        .args(FAST);
    cmd
}

#[test]
fn transfer_report_writes_all_files_and_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    small_reviews(dir.path(), 200);
    report(dir.path(), "rep", "40,all")
        .assert()
        .success()
        .stdout(predicate::str::contains("train:     train.csv (200 texts; neg 100, pos 100)"))
        .stdout(predicate::str::contains("2 x 3-fold stratified CV"))
        .stdout(predicate::str::contains("(a) vectors"))
        .stdout(predicate::str::contains("(b) ngrams"))
        .stdout(predicate::str::contains("(c) both"))
        .stdout(predicate::str::contains("accuracy (a) - (b)"))
        .stdout(predicate::str::is_match(r"transfer:  (POSITIVE|NEUTRAL|NEGATIVE) \(rule: positive if the whole 95% confidence interval").unwrap())
        .stdout(predicate::str::contains("learning curve"));
    let rep = dir.path().join("rep");
    let mut names: Vec<String> = std::fs::read_dir(&rep)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["curve.csv", "curve.svg", "report.json", "report.md"]
    );

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(rep.join("report.json")).unwrap()).unwrap();
    let comparison = &json["comparison"];
    assert_eq!(comparison["folds"], 3);
    assert_eq!(comparison["repeats"], 2);
    assert_eq!(comparison["transfer"]["n"], 6);
    assert_eq!(comparison["transfer"]["df"], 5);
    assert!(
        (comparison["transfer"]["test_train_ratio"].as_f64().unwrap() - 0.5).abs() < 1e-12,
        "3-fold CV tests on half as many rows as it trains on"
    );
    let models = comparison["models"].as_array().unwrap();
    let features: Vec<&str> = models
        .iter()
        .map(|m| m["features"].as_str().unwrap())
        .collect();
    assert_eq!(features, ["vectors", "ngrams", "both"]);
    // The paired difference is the difference of the per-fold accuracies.
    let folds = |m: usize| -> Vec<f64> {
        models[m]["fold_accuracy"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let (a, b) = (folds(0), folds(1));
    assert_eq!(a.len(), 6);
    let mean_diff = a.iter().zip(&b).map(|(x, y)| x - y).sum::<f64>() / 6.0;
    assert!((comparison["transfer"]["mean"].as_f64().unwrap() - mean_diff).abs() < 1e-12);
    // The headline verdict is on (c) - (b), the default with the vectors
    // against the same learner without them.
    let verdict = comparison["verdict"].as_str().unwrap();
    assert!(
        ["positive", "neutral", "negative"].contains(&verdict),
        "{verdict}"
    );
    assert_eq!(json["assessment"]["headline"]["verdict"], verdict);
    assert_eq!(
        json["assessment"]["headline"]["compared"],
        "(c) both - (b) ngrams"
    );
    assert_eq!(
        json["assessment"]["vectors_alone"]["verdict"],
        comparison["vectors_alone_verdict"]
    );
    assert!(json.get("seconds").is_none(), "no wall-clock time in files");
    assert!(json["coverage"]["tokens"].as_u64().unwrap() > 1000);

    // The curve: 40 and the whole pool (160 of 200, a fifth held out).
    let curve = &json["curve"];
    assert_eq!(curve["sizes"], serde_json::json!([40, 160]));
    assert_eq!(curve["eval_rows"], 40);
    let csv = std::fs::read_to_string(rep.join("curve.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "size,model,draws,accuracy_mean,accuracy_sd,accuracy_min,accuracy_max,macro_f1_mean"
    );
    assert_eq!(lines.len(), 1 + 2 * 3);
    assert!(lines[1].starts_with("40,vectors,2,"), "{}", lines[1]);
    assert!(lines[6].starts_with("160,both,1,"), "{}", lines[6]);

    let md = std::fs::read_to_string(rep.join("report.md")).unwrap();
    for expected in [
        "# Transfer report: train.csv",
        "## Do the vectors help?",
        "Rule: positive if the whole 95% confidence interval",
        "**Recommendation**: ",
        "| accuracy (c) - (b): the default with the vectors against without (headline) |",
        "| accuracy (a) - (b): the vectors alone against the labels alone |",
        "### Verdicts by size",
        "![learning curves](curve.svg)",
        "| examples | (a) vectors | (b) ngrams | (c) both |",
        "## Are the vectors related to the texts?",
        "Most frequent words of `train.csv` without a vector:",
    ] {
        assert!(md.contains(expected), "report.md lacks {expected:?}:\n{md}");
    }
}

/// The SVG opens: one XML document with a mean line per model, legend
/// labels, axis titles and tick labels.
#[test]
fn transfer_report_svg_has_lines_legend_and_axes() {
    let dir = tempfile::tempdir().unwrap();
    small_reviews(dir.path(), 200);
    report(dir.path(), "rep", "20,60,all").assert().success();
    let svg = std::fs::read_to_string(dir.path().join("rep/curve.svg")).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("width=\"900\"") && svg.contains("height=\"560\""));
    // It parses as one well-formed XML document whose root is an SVG
    // element, as a browser or image viewer needs.
    let doc = roxmltree::Document::parse(&svg).expect("curve.svg is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let texts: Vec<String> = root
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect();
    assert!(
        texts.iter().any(|t| t == "Learning curves: train.csv"),
        "{texts:?}"
    );
    // Every element is closed: as many opening tags as closing ones for
    // the elements that have content.
    for tag in ["text", "svg"] {
        let opened = svg.matches(&format!("<{tag}")).count();
        let closed = svg.matches(&format!("</{tag}>")).count();
        assert_eq!(
            opened, closed,
            "<{tag}> opened {opened} times, closed {closed}"
        );
    }
    // One mean line per model in its own colour, plus its legend swatch.
    for (colour, legend) in [
        ("#0072B2", "(a) vectors: frozen pretrained vectors"),
        ("#D55E00", "(b) ngrams: n-grams from the labels alone"),
        ("#009E73", "(c) both: hybrid of both"),
    ] {
        let lines = svg
            .matches("<polyline")
            .zip(svg.split("<polyline").skip(1))
            .filter(|(_, rest)| {
                rest.split("/>")
                    .next()
                    .unwrap()
                    .to_uppercase()
                    .contains(colour)
            })
            .count();
        assert!(
            lines >= 2,
            "{colour}: {lines} polylines (mean line + legend)"
        );
        assert!(svg.contains(legend), "legend {legend:?} missing");
    }
    assert!(svg.contains("labelled training examples (log scale)"));
    assert!(svg.contains("accuracy on 40 evaluation texts (%)"));
    assert!(svg.contains("Learning curves: train.csv"));
    // The size axis has a tick label at each measured size.
    for size in ["20", "60", "160"] {
        assert!(
            svg.contains(&format!("\n{size}\n</text>")),
            "no tick label {size}"
        );
    }
    // Spread bands: one filled polygon per model.
    assert!(svg.matches("<polygon").count() >= 3);
}

/// Same seed, 1 thread or 2: byte-identical report files.
#[test]
fn transfer_report_files_do_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    small_reviews(dir.path(), 120);
    for (threads, out) in [("1", "one"), ("2", "two")] {
        report(dir.path(), out, "30,all")
            .env("RAYON_NUM_THREADS", threads)
            .args(["--format", "json"])
            .assert()
            .success();
    }
    for file in ["report.json", "report.md", "curve.csv", "curve.svg"] {
        let one = std::fs::read(dir.path().join("one").join(file)).unwrap();
        let two = std::fs::read(dir.path().join("two").join(file)).unwrap();
        assert!(one == two, "{file} differs between 1 and 2 threads");
    }
}

/// Learning-curve sizes that cannot be drawn: a clear message naming
/// what to change, before any slow work, and no files.
#[test]
fn transfer_report_refuses_sets_too_small() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_reviews(d, 60);
    let cases: [(&[&str], &str); 3] = [
        (
            &["--train", "train.csv", "--sizes", "100"],
            "size 100 is larger than the training pool (48 examples)",
        ),
        (
            &["--train", "train.csv", "--sizes", "4"],
            "size 4 is too small: each draw needs at least 3 examples of each of the 2 classes, 6 in all",
        ),
        (&["--train", "train.csv", "--sizes", "ten"], "'ten' is not a size"),
    ];
    for (args, expected) in cases {
        embed_tl(d)
            .args(["transfer-report", "--vectors"])
            .arg(default_vectors())
            .args(["--folds", "3", "--out", "rep"])
            .args(args)
            .assert()
            .failure()
            .stderr(predicate::str::contains(expected));
        assert!(!d.join("rep").exists(), "{args:?} wrote files");
    }
}

/// Small classes (issue 14): once refused, now reported. A class with
/// fewer texts than --folds is tested in as many folds as it has texts; a
/// class too small to spare a fifth for the curve stays whole in the pool;
/// with no class able to spare one, the curve is left out. Each run says
/// so on stderr and writes its report.
#[test]
fn transfer_report_warns_about_small_classes_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("tiny-class.csv"),
        "text,label\na,x\nb,x\nc,x\nd,y\ne,y\nf,x\n",
    )
    .unwrap();
    std::fs::write(
        d.join("four.csv"),
        "text,label\na,x\nb,x\nc,x\nd,x\ne,x\nf,x\ng,y\nh,y\ni,y\nj,y\n",
    )
    .unwrap();
    let cases: [(&str, &[&str], &[&str]); 2] = [
        (
            "tiny-class.csv",
            &[
                "tiny-class.csv: class 'y' has 2 texts, fewer than the 3 folds: it is tested in 2 folds only",
                "tiny-class.csv: learning curve left out: classes 'x' (4), 'y' (2) too small to spare a fifth",
            ],
            &["report.md", "report.json"],
        ),
        (
            "four.csv",
            &["four.csv: learning curve: class 'y' (4) too small to spare a fifth for scoring, so kept whole in the pool"],
            &["report.md", "report.json", "curve.csv", "curve.svg"],
        ),
    ];
    for (train, says, writes) in cases {
        let out = format!("rep-{train}");
        let mut run = embed_tl(d);
        run.args(["transfer-report", "--vectors"])
            .arg(default_vectors())
            .args(["--folds", "3", "--out", &out, "--train", train]);
        let mut assert = run.assert().success();
        for part in says {
            assert = assert.stderr(predicate::str::contains(*part));
        }
        for file in writes {
            assert!(d.join(&out).join(file).exists(), "{train}: no {file}");
        }
    }
}

/// Multi-class: 40 questions of each of TREC's six coarse classes (the
/// shipped corpus, a CSV with an extra `fine` column), with a
/// separate test file. The report names all six classes, draws stratified
/// curve samples and scores every model on the test file.
#[test]
fn transfer_report_handles_six_classes_and_a_test_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let take = |src: &str, per_class: usize, out: &str| {
        let text = std::fs::read_to_string(repo(src)).unwrap();
        let mut lines = text.lines();
        let mut body = format!("{}\n", lines.next().unwrap());
        let mut counts = std::collections::HashMap::new();
        for line in lines {
            let label = line.rsplit(',').nth(1).unwrap().to_string();
            let n = counts.entry(label).or_insert(0);
            if *n < per_class {
                *n += 1;
                body.push_str(line);
                body.push('\n');
            }
        }
        assert_eq!(counts.len(), 6, "{src}: {counts:?}");
        std::fs::write(d.join(out), body).unwrap();
    };
    take("corpora/trec-train.csv", 40, "train.csv");
    take("corpora/trec-test.csv", 8, "test.csv");
    embed_tl(d)
        .args(["transfer-report", "--vectors"])
        .arg(default_vectors())
        .args(["--train", "train.csv", "--test", "test.csv", "--out", "rep"])
        .args(["--sizes", "60,all", "--format", "json"])
        .args(FAST)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("rep/report.json")).unwrap()).unwrap();
    assert_eq!(
        json["train"]["classes"],
        serde_json::json!(["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"])
    );
    assert_eq!(json["train"]["rows"], 240);
    assert_eq!(json["comparison"]["transfer"]["n"], 6);
    // With --test the curve trains on all of --train and scores the test file.
    assert_eq!(json["curve"]["pool_rows"], 240);
    assert_eq!(json["curve"]["sizes"], serde_json::json!([60, 240]));
    assert!(json["test_coverage"]["tokens"].as_u64().unwrap() > 100);
    // Six-class accuracy by chance is 1/6; every model learns something.
    for model in json["comparison"]["models"].as_array().unwrap() {
        let mean: f64 = model["fold_accuracy"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .sum::<f64>()
            / 6.0;
        assert!(mean > 0.3, "{}: {mean}", model["features"]);
    }
    assert!(d.join("rep/curve.svg").exists());
}

/// Issue 19: the headline judges the model people deploy. On the shipped
/// review sentences (all 3,000, the shipped default vectors; 2 x 2-fold
/// CV, one C and channel weight, 3 draws at 25 and 200 labels and the
/// whole pool, to keep a debug run short) the report's headline is (c) -
/// (b) with its interval, a verdict at each curve size from the same
/// draws, one recommendation with the accuracy to expect, all in JSON,
/// report.md and on the chart, and each consistent with the numbers it
/// follows from.
#[test]
fn transfer_report_on_shipped_reviews_judges_the_deployed_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = embed_tl(d)
        .args(["transfer-report", "--vectors"])
        .arg(default_vectors())
        .arg("--train")
        .arg(repo("corpora/reviews.csv"))
        .args([
            "--folds",
            "2",
            "--repeats",
            "2",
            "--c",
            "1",
            "--beta",
            "0.3",
        ])
        .args(["--curve-c", "1", "--curve-beta", "0.3", "--draws", "3"])
        .args(["--sizes", "25,200,all", "--out", "rep", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("rep/report.json")).unwrap()).unwrap();
    assert_eq!(
        json["assessment"], file["assessment"],
        "stdout and file agree"
    );
    let a = &json["assessment"];
    let c = &json["comparison"];
    let f = |v: &serde_json::Value| v.as_f64().unwrap();

    // The headline is (c) - (b) by cross-validation, judged by the rule.
    let h = &a["headline"];
    assert_eq!(h["compared"], "(c) both - (b) ngrams");
    assert_eq!(f(&h["mean"]), f(&c["hybrid"]["mean"]));
    assert_eq!(
        (f(&h["low"]), f(&h["high"])),
        (f(&c["hybrid"]["low"]), f(&c["hybrid"]["high"]))
    );
    let judge = |low: f64, high: f64| {
        if low > 0.0 {
            "positive"
        } else if high < 0.0 {
            "negative"
        } else {
            "neutral"
        }
    };
    assert_eq!(h["verdict"], judge(f(&h["low"]), f(&h["high"])));
    assert_eq!(c["verdict"], h["verdict"]);
    assert!(a["rule"]
        .as_str()
        .unwrap()
        .contains("confidence interval of acc(both) - acc(ngrams)"));
    // (a) - (b) stays, under its own name.
    assert_eq!(a["vectors_alone"]["compared"], "(a) vectors - (b) ngrams");
    assert_eq!(f(&a["vectors_alone"]["mean"]), f(&c["transfer"]["mean"]));
    assert_eq!(a["labels"], 1500, "2-fold CV of 3,000 texts");

    // One verdict per curve size, from the same draws: the mean paired
    // difference is the difference of the mean accuracies.
    let curve = &json["curve"];
    assert_eq!(curve["sizes"], serde_json::json!([25, 200, 2400]));
    let mean_at = |size: u64, model: &str| {
        curve["points"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["size"] == size && p["features"] == model)
            .map(|p| f(&p["accuracy_mean"]))
            .unwrap()
    };
    let by_size = a["by_size"].as_array().unwrap();
    assert_eq!(by_size.len(), 3);
    for v in by_size {
        let size = v["size"].as_u64().unwrap();
        let cb = &v["default_vs_ngrams"];
        let expected = mean_at(size, "both") - mean_at(size, "ngrams");
        assert!((f(&cb["mean"]) - expected).abs() < 1e-12, "size {size}");
        assert_eq!(cb["texts"], 600);
        assert_eq!(cb["draws"], if size == 2400 { 1 } else { 3 });
        assert!(f(&cb["low"]) < f(&cb["mean"]) && f(&cb["mean"]) < f(&cb["high"]));
        assert_eq!(
            v["verdict"],
            judge(f(&cb["low"]), f(&cb["high"])),
            "size {size}"
        );
        let ac = &v["vectors_vs_default"];
        let expected = mean_at(size, "vectors") - mean_at(size, "both");
        assert!((f(&ac["mean"]) - expected).abs() < 1e-12, "size {size}");
    }
    // With 25 labels the vectors lift the default clearly (measured:
    // about +9 points, the interval well above 0).
    assert_eq!(by_size[0]["verdict"], "positive");
    let regions = a["regions"].as_array().unwrap();
    assert_eq!(regions[0]["verdict"], "positive");
    assert_eq!(regions[0]["from"], 25);
    assert!(a["regions_text"].as_str().unwrap().starts_with("positive "));

    // One recommendation, with the accuracy to expect: the
    // cross-validated mean of the model it recommends.
    let r = &a["recommendation"];
    let features = r["features"].as_str().unwrap();
    let model = c["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["features"] == features)
        .unwrap();
    assert_eq!(f(&r["expected_accuracy"]), f(&model["accuracy_mean"]));
    let text = r["text"].as_str().unwrap();
    let expect = format!("expect about {:.1}%", 100.0 * f(&model["accuracy_mean"]));
    assert!(text.contains(&expect), "{text}");
    match r["advice"].as_str().unwrap() {
        "keep-default" | "vectors-with-few-labels" => {
            assert_eq!(features, "both");
            assert!(text.starts_with("keep the default"), "{text}");
        }
        "ngrams" => assert!(text.contains("`--features ngrams`"), "{text}"),
        other => panic!("advice {other}: {text}"),
    }

    // The same in report.md, and the regions on the chart.
    let md = std::fs::read_to_string(d.join("rep/report.md")).unwrap();
    assert!(
        md.contains("transfer** to the model you deploy: (c) both - (b) ngrams = "),
        "{md}"
    );
    assert!(md.contains(&format!("**Recommendation**: {text}.")), "{md}");
    assert!(md.contains(&format!(
        "By size (learning curve, (c) - (b) on the same draws): **{}**.",
        a["regions_text"].as_str().unwrap()
    )));
    assert!(md.contains("The vectors alone against the labels alone, (a) vectors - (b) ngrams: "));
    assert!(md.contains("| 25 | +"), "{md}");
    let svg = std::fs::read_to_string(d.join("rep/curve.svg")).unwrap();
    for r in regions {
        assert!(svg.contains(&format!("c vs b: {}", r["verdict"].as_str().unwrap())));
    }
}

/// Without a curve there are no verdicts by size: the headline and the
/// recommendation come from the cross-validation alone.
#[test]
fn transfer_report_without_a_curve_still_recommends() {
    let dir = tempfile::tempdir().unwrap();
    small_reviews(dir.path(), 120);
    let out = report(dir.path(), "rep", "30,all")
        .args(["--no-curve", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let a = &json["assessment"];
    assert_eq!(a["by_size"], serde_json::json!([]));
    assert!(a["regions_text"].is_null());
    assert!(a["recommendation"]["text"]
        .as_str()
        .unwrap()
        .contains("expect about"));
    let md = std::fs::read_to_string(dir.path().join("rep/report.md")).unwrap();
    assert!(!md.contains("By size"));
    assert!(md.contains("**Recommendation**: "));
}

/// Texts that are all the same sentence, 18 `ham` and 6 `spam`: every model
/// of the comparison can only answer `ham`. The warning names them, on
/// stderr, in report.md and in report.json (which keeps it under
/// `--quiet`); also when folds of unequal size put the models' mean fold
/// accuracy above the class's share of the texts. Real reviews do not get
/// it.
#[test]
fn transfer_report_warns_about_models_no_better_than_the_largest_class() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("train.csv"), common::alike_texts()).unwrap();
    let wanted = "train.csv: the cross-validated accuracies of (a) vectors (75.0%), (b) ngrams (75.0%), (c) both (75.0%) are no better than labelling every text 'ham' (75.0% of each fold's held-out texts on average, 24 texts in all): these models have learned little beyond which class is largest; if the smaller classes matter, --class-weight balanced";
    report(dir.path(), "rep", "30,all")
        .arg("--no-curve")
        .assert()
        .success()
        .stderr(predicate::str::contains(wanted));
    let md = std::fs::read_to_string(dir.path().join("rep/report.md")).unwrap();
    assert!(md.contains(&format!("- {wanted}")), "{md}");

    let json = common::quiet_json(
        report(dir.path(), "quiet", "30,all")
            .args(["--no-curve", "--quiet", "--format", "json"])
            .assert(),
    );
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("quiet/report.json")).unwrap(),
    )
    .unwrap();
    for warnings in [&json["warnings"], &file["warnings"]] {
        assert!(warnings.to_string().contains(wanted), "{warnings}");
    }
    // Nor does the recommendation choose features the labels cannot tell
    // apart: it asks for more labels.
    let recommendation = &json["assessment"]["recommendation"];
    assert_eq!(
        recommendation["advice"], "largest-class",
        "{recommendation}"
    );
    assert_eq!(
        recommendation["expected_accuracy"], 0.75,
        "{recommendation}"
    );
    assert!(
        md.contains("**Recommendation**: label more texts, those of the smaller classes first: with 16 labels no model does better than labelling every text with the largest class (75.0% over the same folds; (a) 75.0%, (b) 75.0%, (c) 75.0%)"),
        "{md}"
    );

    // 21 `ham` and 2 `spam` in 3 stratified folds: 7 `ham` in each, a
    // `spam` in two, so always answering `ham` scores 7/8, 7/8 and 7/7,
    // 91.7% on average over the folds (21/23 = 91.3% of the texts). The
    // bar is the former, the models' own measure.
    let uneven: String = std::iter::once("text,label\n".to_string())
        .chain((0..23).map(|i| {
            let label = if i % 12 == 0 { "spam" } else { "ham" };
            format!("see you at the station,{label}\n")
        }))
        .collect();
    assert_eq!(uneven.matches(",spam").count(), 2);
    std::fs::write(dir.path().join("train.csv"), uneven).unwrap();
    report(dir.path(), "uneven", "30,all")
        .arg("--no-curve")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "train.csv: the cross-validated accuracies of (a) vectors (91.7%), (b) ngrams (91.7%), (c) both (91.7%) are no better than labelling every text 'ham' (91.7% of each fold's held-out texts on average, 23 texts in all)",
        ));

    small_reviews(dir.path(), 120);
    report(dir.path(), "reviews", "30,all")
        .arg("--no-curve")
        .assert()
        .success()
        .stderr(predicate::str::contains("no better than labelling").not());
    let md = std::fs::read_to_string(dir.path().join("reviews/report.md")).unwrap();
    assert!(!md.contains("**Warnings**"), "{md}");
    assert!(!md.contains("label more texts"), "{md}");
}
