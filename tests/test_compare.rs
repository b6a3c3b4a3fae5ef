//! `embed-tl compare`: several vector files on the same folds, on real
//! fixtures (the shipped GloVe prune, word2vec.c and fastText files written
//! by the original tools) and the first 300 rows of corpora/reviews.csv.

mod common;

use common::{data, default_vectors, embed_tl, files, repo};
use predicates::prelude::*;

/// The first `n` rows of corpora/reviews.csv (header included) in `dir`.
fn reviews(dir: &std::path::Path, n: usize) {
    let text = std::fs::read_to_string(repo("corpora/reviews.csv")).unwrap();
    let head: Vec<&str> = text.lines().take(n + 1).collect();
    std::fs::write(dir.join("train.csv"), head.join("\n") + "\n").unwrap();
}

const QUICK: [&str; 8] = [
    "--folds",
    "3",
    "--repeats",
    "2",
    "--c",
    "1",
    "--beta",
    "0.3",
];

fn compare_json(dir: &std::path::Path, vectors: &[&str], extra: &[&str]) -> serde_json::Value {
    let mut cmd = embed_tl(dir);
    cmd.arg("compare");
    for v in vectors {
        cmd.args(["--vectors", v]);
    }
    let out = cmd
        .args(["--train", "train.csv", "--format", "json"])
        .args(QUICK)
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// A byte-identical copy of a file gets the very same fold accuracies
/// (same folds, same fits): a difference of exactly 0, within noise, "the
/// same size on disk". Each paired difference is the mean of the per-fold
/// differences against the best, and the best has the highest mean.
#[test]
fn same_folds_for_every_file() {
    let dir = tempfile::tempdir().unwrap();
    reviews(dir.path(), 300);
    std::fs::copy(default_vectors(), dir.path().join("copy.fifu")).unwrap();
    let glove = default_vectors();
    let tiny = data("original-tools/w2v_c_tiny.txt");
    let v = compare_json(
        dir.path(),
        &[glove.to_str().unwrap(), "copy.fifu", tiny.to_str().unwrap()],
        &[],
    );
    let cmp = &v["comparison"];
    assert_eq!(cmp["seeds"], serde_json::json!([42, 43]));
    let channels = cmp["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 2);
    assert_eq!(channels[0]["features"], "vectors");
    assert_eq!(channels[1]["features"], "both");
    for ch in channels {
        let models = ch["models"].as_array().unwrap();
        let acc: Vec<Vec<f64>> = models.iter().map(|m| floats(&m["fold_accuracy"])).collect();
        assert!(acc.iter().all(|a| a.len() == 6), "2 repeats x 3 folds each");
        assert_eq!(
            acc[0], acc[1],
            "a copy of a file scores the same on every fold"
        );
        let best = ch["best"].as_u64().unwrap() as usize;
        assert!(acc.iter().all(|a| mean(a) <= mean(&acc[best]) + 1e-12));
        for (i, a) in acc.iter().enumerate() {
            let test = &ch["vs_best"][i];
            if i == best {
                assert!(test.is_null());
                assert_eq!(ch["standing"][i], "best");
                continue;
            }
            let diffs: Vec<f64> = a.iter().zip(&acc[best]).map(|(x, y)| x - y).collect();
            assert!((test["mean"].as_f64().unwrap() - mean(&diffs)).abs() < 1e-12);
            assert_eq!(test["n"], 6);
            assert_eq!(test["df"], 5);
            // 3-fold CV: n_test / n_train = 1/2.
            assert_eq!(test["test_train_ratio"], 0.5);
            let worse = test["high"].as_f64().unwrap() < 0.0;
            assert_eq!(
                ch["standing"][i],
                if worse { "worse" } else { "within-noise" }
            );
        }
        // The original and its copy: when one is best (the first, on a
        // tie), the other is exactly 0 behind it; else both have the same
        // test against the best.
        match best {
            0 => assert!(ch["vs_best"][1]["mean"] == 0.0 && ch["vs_best"][1]["high"] == 0.0),
            1 => panic!("a tie goes to the first file"),
            _ => assert_eq!(ch["vs_best"][0], ch["vs_best"][1]),
        }
    }
    let verdicts: Vec<&str> = v["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(verdicts[0].contains("is the most accurate"));
    let both = &channels[1];
    if both["best"] == 0 {
        assert!(verdicts.iter().any(|s| s.contains(
            "(+0.0 points, 95% CI [+0.0, +0.0]: within noise) and the same size on disk"
        )));
    }
}

/// Files of different dimensions, formats and vocabularies each get their
/// own model: GloVe (50 dims, finalfusion), word2vec.c text and a fastText
/// .bin with subwords (8 dims each, 57 words). What each file holds and
/// covers is reported; the 8-dimension vectors of 57 words alone are worse
/// than GloVe on the reviews.
#[test]
fn files_of_other_dimensions_and_formats_compare() {
    let dir = tempfile::tempdir().unwrap();
    reviews(dir.path(), 300);
    let glove = default_vectors();
    let w2v = data("original-tools/w2v_c_tiny.txt");
    let ft = data("original-tools/ft_sg_tiny.bin");
    let v = compare_json(
        dir.path(),
        &[
            glove.to_str().unwrap(),
            w2v.to_str().unwrap(),
            ft.to_str().unwrap(),
        ],
        &[],
    );
    let files = v["files"].as_array().unwrap();
    let facts: Vec<(&str, u64, u64, bool)> = files
        .iter()
        .map(|f| {
            (
                f["format"].as_str().unwrap(),
                f["words"].as_u64().unwrap(),
                f["dims"].as_u64().unwrap(),
                f["subwords"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        facts,
        vec![
            ("finalfusion", 50000, 50, false),
            ("word2vec-text", 57, 8, false),
            ("fasttext", 57, 8, true)
        ]
    );
    assert_eq!(
        files[0]["bytes"].as_u64(),
        Some(std::fs::metadata(&glove).unwrap().len())
    );
    assert!(files[0]["memory_mapped"].as_bool().unwrap());
    // Coverage: GloVe covers most tokens; 57 words cover few; subwords
    // give every token with a known n-gram a vector.
    let rate = |f: &serde_json::Value| {
        f["coverage"]["tokens_found"].as_f64().unwrap() / f["coverage"]["tokens"].as_f64().unwrap()
    };
    assert!(rate(&files[0]) > 0.95);
    assert!(rate(&files[1]) < 0.5);
    assert!(rate(&files[2]) > rate(&files[1]));
    assert!(!files[1]["coverage"]["top_missing"]
        .as_array()
        .unwrap()
        .is_empty());
    let alone = &v["comparison"]["channels"][0];
    assert_eq!(alone["features"], "vectors");
    assert_eq!(alone["best"], 0);
    assert_eq!(alone["standing"][1], "worse");
}

/// --out DIR writes compare.md (linking compare.svg), compare.json and
/// compare.svg (a dot per file and model, error bars), and nothing else;
/// --test adds a held-out table. The Markdown on stdout is compare.md.
#[test]
fn out_dir_and_test_file() {
    let dir = tempfile::tempdir().unwrap();
    reviews(dir.path(), 300);
    let text = std::fs::read_to_string(repo("corpora/reviews.csv")).unwrap();
    let mut test: Vec<&str> = text.lines().take(1).collect();
    test.extend(text.lines().skip(2001).take(200));
    std::fs::write(dir.path().join("test.csv"), test.join("\n") + "\n").unwrap();
    embed_tl(dir.path())
        .args(["vectors", "prune"])
        .arg(default_vectors())
        .args(["--top", "5000", "top5k.fifu"])
        .assert()
        .success();
    let out = embed_tl(dir.path())
        .arg("compare")
        .arg("--vectors")
        .arg(default_vectors())
        .args(["--vectors", "top5k.fifu", "--train", "train.csv"])
        .args(["--test", "test.csv", "--out", "report"])
        .args(QUICK)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "wrote compare.md, compare.json, compare.svg",
        ))
        .get_output()
        .stdout
        .clone();
    let report = dir.path().join("report");
    assert_eq!(
        files(&report),
        vec!["compare.json", "compare.md", "compare.svg"]
    );
    let md = std::fs::read_to_string(report.join("compare.md")).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), md);
    for part in [
        "# Vectors compared: train.csv",
        "**Recommendation**: use `",
        "![accuracy by file](compare.svg)",
        "| 2 | `top5k.fifu` | fifu, mapped | 5,000 | 50 | no |",
        "## Scored on `test.csv`",
        "## (c) both: the default model: vectors + n-grams",
        "corrected resampled t-test on the 6 paired per-fold differences",
    ] {
        assert!(md.contains(part), "compare.md lacks {part:?}:\n{md}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("compare.json")).unwrap())
            .unwrap();
    let held = json["held_out"].as_array().unwrap();
    assert_eq!(held.len(), 2);
    assert_eq!(held[1]["features"], "both");
    for h in held {
        for acc in floats(&h["accuracy"]) {
            assert!(acc > 0.5 && acc <= 1.0, "{acc}");
        }
    }
    assert_eq!(json["test"]["rows"], 200);
    let svg = std::fs::read_to_string(report.join("compare.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
    // 2 files x 2 models, plus one dot per model in the legend.
    assert_eq!(svg.matches("<circle").count(), 2 * 2 + 2);
    assert!(svg.contains("1 glove.6B.50d.top50k.fifu") && svg.contains("2 top5k.fifu"));
}

/// Same inputs and seed, same comparison (the machine-dependent load time
/// and memory aside).
#[test]
fn same_seed_same_comparison() {
    let dir = tempfile::tempdir().unwrap();
    reviews(dir.path(), 200);
    let glove = default_vectors();
    let tiny = data("original-tools/ft_sg_tiny.bin");
    let vectors = [glove.to_str().unwrap(), tiny.to_str().unwrap()];
    let a = compare_json(dir.path(), &vectors, &[]);
    let b = compare_json(dir.path(), &vectors, &[]);
    assert_eq!(a["comparison"], b["comparison"]);
    assert_eq!(a["verdicts"], b["verdicts"]);
    let c = compare_json(dir.path(), &vectors, &["--seed", "7"]);
    assert_eq!(c["comparison"]["seeds"], serde_json::json!([7, 8]));
    assert_ne!(a["comparison"], c["comparison"]);
}

/// Texts that are all the same sentence, 18 `ham` and 6 `spam`, as training
/// and test file: every model with every file can only answer `ham`. Both
/// warnings name the models, on stderr and in compare.md and compare.json
/// (which keeps them under `--quiet`).
#[test]
fn models_no_better_than_the_largest_class_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("train.csv"), common::alike_texts()).unwrap();
    std::fs::write(dir.path().join("test.csv"), common::alike_texts()).unwrap();
    let glove = default_vectors();
    let w2v = data("original-tools/w2v_c_tiny.txt");
    let run = |extra: &[&str]| {
        let mut cmd = embed_tl(dir.path());
        cmd.args(["compare", "--vectors"])
            .arg(&glove)
            .arg("--vectors")
            .arg(&w2v)
            .args(["--train", "train.csv", "--test", "test.csv"])
            .args(QUICK)
            .args(extra)
            .assert()
            .success()
    };
    let (glove, w2v) = (glove.display(), w2v.display());
    let models = format!("(a) vectors with {glove} (75.0%), (a) vectors with {w2v} (75.0%), (c) both with {glove} (75.0%), (c) both with {w2v} (75.0%) are no better than labelling every text 'ham'");
    let learned = "these models have learned little beyond which class is largest";
    let wanted = [
        format!("train.csv: the cross-validated accuracies of {models} (75.0% of each fold's held-out texts on average, 24 texts in all): {learned}"),
        format!("test.csv: the test accuracies of {models} (75.0% of the 24 texts): {learned}"),
    ];
    wanted.iter().fold(run(&["--out", "out"]), |shown, w| {
        shown.stderr(predicate::str::contains(w.as_str()))
    });
    let md = std::fs::read_to_string(dir.path().join("out/compare.md")).unwrap();
    let json = common::quiet_json(run(&["--quiet", "--format", "json"]));
    for w in &wanted {
        assert!(md.contains(&format!("- {w}")), "{md}");
        assert!(json.to_string().contains(w.as_str()), "{json}");
    }
    // No file is recommended when no model beats that answer.
    let recommendation = "label more texts, those of the smaller classes first: no file gives a model better than labelling every text 'ham' (75.0% over the same folds), so these texts cannot tell the files apart";
    assert_eq!(json["recommendation"], recommendation);
    assert!(
        md.contains(&format!("**Recommendation**: {recommendation}.")),
        "{md}"
    );
}
