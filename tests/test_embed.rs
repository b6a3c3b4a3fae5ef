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
            "in.csv: line 1: no column 'text'; columns found: id, body",
        ));
    assert!(!dir.path().join("out.csv").exists());
}
