//! `embed-tl embed` on the shipped vectors and corpora.

mod common;

use common::{default_vectors, embed_tl, repo};
use predicates::prelude::*;

#[test]
fn embed_reviews_to_csv_with_coverage_report() {
    let dir = tempfile::tempdir().unwrap();
    embed_tl(dir.path())
        .args(["embed", "--vectors"])
        .arg(default_vectors())
        .arg("--input")
        .arg(repo("corpora/reviews.csv"))
        .args(["--pool", "sif", "--output", "features.csv"])
        .assert()
        .success()
        .stderr(predicate::str::contains("coverage: 97.7% of 41338 tokens"))
        .stderr(predicate::str::contains(
            "plain whitespace splitting would cover 82.9% of tokens",
        ));
    let text = std::fs::read_to_string(dir.path().join("features.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3001);
    assert!(lines[0].starts_with("row,f0,f1,"));
    assert_eq!(lines[0].split(',').count(), 51);
    assert!(lines[1].starts_with("1,"));
    assert!(lines[3000].starts_with("3000,"));
}

#[test]
fn embed_passes_ids_through_and_writes_npy() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("in.csv"),
        "id,text\nq7,Where is the Loop ?\nq9,\nq3,zzzqqq xxyyzz\n",
    )
    .unwrap();
    embed_tl(dir.path())
        .args(["embed", "--vectors"])
        .arg(default_vectors())
        .args(["--input", "in.csv", "--pool", "pmeans", "--output", "-"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("id,f0,"))
        .stdout(predicate::str::contains("\nq7,"))
        .stdout(predicate::str::contains("\nq9,0,0,0,"))
        .stderr(predicate::str::contains("2 of 3 texts have none"));
    embed_tl(dir.path())
        .args(["embed", "--vectors"])
        .arg(default_vectors())
        .args(["--input", "in.csv", "--output", "x.npy"])
        .assert()
        .success();
    let bytes = std::fs::read(dir.path().join("x.npy")).unwrap();
    assert!(bytes.starts_with(b"\x93NUMPY"));
    let header = String::from_utf8_lossy(&bytes[..128]);
    assert!(header.contains("'shape': (3, 50)"), "{header}");
    assert!(header.contains("<f4"), "{header}");
}

#[test]
fn embed_missing_column_lists_the_columns() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.csv"), "id,body\n1,hello\n").unwrap();
    embed_tl(dir.path())
        .args(["embed", "--vectors"])
        .arg(default_vectors())
        .args(["--input", "in.csv", "--output", "out.csv"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "in.csv: line 1: no column 'text'; columns found: id, body\nhint: choose the text column with --text-column, by name or 0-based index; a file without a header row needs --no-header and indexes\n",
        ));
    assert!(!dir.path().join("out.csv").exists());
}

/// `corpora/reviews.csv` rows `range` as `id,text` (ids `r1`, `r2`, ...
/// by position in the whole file) to `dir/name`.
fn reviews_with_ids(dir: &std::path::Path, name: &str, range: std::ops::Range<usize>) {
    let mut reader = csv::Reader::from_path(repo("corpora/reviews.csv")).unwrap();
    let mut writer = csv::Writer::from_path(dir.join(name)).unwrap();
    writer.write_record(["id", "text"]).unwrap();
    for (i, record) in reader.records().enumerate() {
        if range.contains(&i) {
            let record = record.unwrap();
            writer
                .write_record([format!("r{}", i + 1).as_str(), &record[0]])
                .unwrap();
        }
    }
    writer.flush().unwrap();
}

/// The data rows of a features CSV (header dropped).
fn feature_rows(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().skip(1).map(str::to_string).collect()
}

#[test]
fn partitions_embedded_with_a_saved_featurizer_equal_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    reviews_with_ids(dir.path(), "whole.csv", 0..3000);
    reviews_with_ids(dir.path(), "a.csv", 0..1200);
    reviews_with_ids(dir.path(), "b.csv", 1200..3000);
    // Fit once (SIF: word frequencies and a principal component) and save.
    embed_tl(dir.path())
        .args(["embed", "--vectors"])
        .arg(default_vectors())
        .args(["--input", "whole.csv", "--pool", "sif", "--normalize"])
        .args(["--save-featurizer", "sif.json", "--output", "fitted.csv"])
        .assert()
        .success();
    let saved = std::fs::read_to_string(dir.path().join("sif.json")).unwrap();
    assert!(saved.starts_with(r#"{"format":"embed-tl-featurizer","version":1,"#));
    let mut parts = Vec::new();
    for name in ["whole", "a", "b"] {
        embed_tl(dir.path())
            .args(["embed", "--vectors"])
            .arg(default_vectors())
            .args(["--featurizer", "sif.json", "--input"])
            .arg(format!("{name}.csv"))
            .arg("--output")
            .arg(format!("{name}.features.csv"))
            .assert()
            .success()
            .stderr(predicate::str::contains("(the featurizer of sif.json)"));
        parts.push(feature_rows(
            &dir.path().join(format!("{name}.features.csv")),
        ));
    }
    let whole = &parts[0];
    assert_eq!(whole.len(), 3000);
    assert_eq!(whole, &feature_rows(&dir.path().join("fitted.csv")));
    assert_eq!(whole, &[parts[1].clone(), parts[2].clone()].concat());
    assert!(whole[0].starts_with("r1,") && whole[2999].starts_with("r3000,"));
    // Without it, each part fits its own statistics: different features.
    embed_tl(dir.path())
        .args(["embed", "--vectors"])
        .arg(default_vectors())
        .args(["--input", "a.csv", "--pool", "sif", "--normalize"])
        .args(["--output", "a.own.csv"])
        .assert()
        .success();
    let own = feature_rows(&dir.path().join("a.own.csv"));
    assert_eq!(own.len(), 1200);
    assert_ne!(own, parts[1]);
}

#[test]
fn a_models_featurizer_gives_its_vector_features_and_refuses_other_vectors() {
    let dir = tempfile::tempdir().unwrap();
    reviews_with_ids(dir.path(), "a.csv", 0..200);
    reviews_with_ids(dir.path(), "b.csv", 200..400);
    std::fs::copy(repo("corpora/reviews.csv"), dir.path().join("train.csv")).unwrap();
    embed_tl(dir.path())
        .args(["classify", "--vectors"])
        .arg(default_vectors())
        .args([
            "--train",
            "train.csv",
            "--features",
            "vectors",
            "--pool",
            "idf",
        ])
        .args(["--c", "1", "--folds", "2", "--save", "m.etl"])
        .assert()
        .success();
    // The model's IDF weights, not ones fitted on each part.
    for name in ["a", "b"] {
        embed_tl(dir.path())
            .args(["embed", "--vectors"])
            .arg(default_vectors())
            .args(["--featurizer", "m.etl", "--input"])
            .arg(format!("{name}.csv"))
            .arg("--output")
            .arg(format!("{name}.m.csv"))
            .assert()
            .success();
    }
    reviews_with_ids(dir.path(), "ab.csv", 0..400);
    embed_tl(dir.path())
        .args(["embed", "--vectors"])
        .arg(default_vectors())
        .args([
            "--featurizer",
            "m.etl",
            "--input",
            "ab.csv",
            "--output",
            "ab.m.csv",
        ])
        .assert()
        .success();
    let ab = feature_rows(&dir.path().join("ab.m.csv"));
    assert_eq!(
        ab,
        [
            feature_rows(&dir.path().join("a.m.csv")),
            feature_rows(&dir.path().join("b.m.csv"))
        ]
        .concat()
    );
    // Other vectors (a 1,000-word prune of the same file): refused, no output.
    embed_tl(dir.path())
        .args(["vectors", "prune"])
        .arg(default_vectors())
        .args(["--top", "1000", "small.fifu"])
        .assert()
        .success();
    embed_tl(dir.path())
        .args(["embed", "--vectors", "small.fifu", "--featurizer", "m.etl"])
        .args(["--input", "a.csv", "--output", "refused.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "m.etl with small.fifu: these vectors are not the ones the featurizer was fitted on (50000 50-d words, fifu): they have 1000 words, not 50000",
        ));
    assert!(!dir.path().join("refused.csv").exists());
    // An n-gram model has no featurizer; a featurizer cannot be re-fitted.
    embed_tl(dir.path())
        .args(["classify", "--train", "train.csv", "--features", "ngrams"])
        .args(["--c", "1", "--folds", "2", "--save", "ngrams.etl"])
        .assert()
        .success();
    embed_tl(dir.path())
        .args(["embed", "--vectors"])
        .arg(default_vectors())
        .args([
            "--featurizer",
            "ngrams.etl",
            "--input",
            "a.csv",
            "--output",
            "x.csv",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "ngrams.etl: the model has no word-vector featurizer (its features are 'ngrams')",
        ));
    embed_tl(dir.path())
        .args(["embed", "--vectors"])
        .arg(default_vectors())
        .args(["--featurizer", "m.etl", "--pool", "sif", "--input", "a.csv"])
        .args(["--output", "x.csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn bad_featurizer_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    reviews_with_ids(dir.path(), "a.csv", 0..20);
    embed_tl(dir.path())
        .args(["embed", "--vectors"])
        .arg(default_vectors())
        .args([
            "--input",
            "a.csv",
            "--pool",
            "idf",
            "--save-featurizer",
            "f.json",
        ])
        .assert()
        .success();
    let good = std::fs::read_to_string(dir.path().join("f.json")).unwrap();
    let cases = [
        (
            "empty.json",
            String::new(),
            "empty.json: empty file: not an embed-tl featurizer",
        ),
        (
            "cut.json",
            good[..good.len() / 2].to_string(),
            "cut.json: the featurizer file ends early (truncated?)",
        ),
        (
            "other.json",
            r#"{"format":"something-else"}"#.to_string(),
            "other.json: not an embed-tl featurizer or model file",
        ),
        (
            "v9.json",
            good.replacen(r#""version":1"#, r#""version":9"#, 1),
            "v9.json: featurizer format version 9; this embed-tl reads version 1",
        ),
        (
            "dims.json",
            good.replacen(r#""dims":50"#, r#""dims":40"#, 1),
            "dims.json: damaged featurizer file: a 40-d featurizer for 50-d vectors",
        ),
    ];
    for (name, content, expected) in cases {
        std::fs::write(dir.path().join(name), content).unwrap();
        embed_tl(dir.path())
            .args(["embed", "--vectors"])
            .arg(default_vectors())
            .args([
                "--featurizer",
                name,
                "--input",
                "a.csv",
                "--output",
                "x.csv",
            ])
            .assert()
            .code(1)
            .stderr(predicate::str::contains(expected));
    }
    assert!(!dir.path().join("x.csv").exists());
}
