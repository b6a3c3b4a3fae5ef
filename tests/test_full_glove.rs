//! Checks on the full 400,000-word `glove.6B.50d.txt` (run `embeddings/fetch`
//! first; `.ci/run` does). Ignored by default because the file is 171 MB.

mod common;

use common::{embed_tl, repo};
use embed_tl::vectors::{Format, Scale, Vectors};
use predicates::prelude::*;

fn full() -> std::path::PathBuf {
    let path = repo("embeddings/glove.6B.50d.txt");
    assert!(
        path.exists(),
        "run embeddings/fetch first: {} is missing",
        path.display()
    );
    path
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
#[ignore = "needs embeddings/fetch (171 MB)"]
fn full_glove_opens_with_reference_values() {
    let v = Vectors::open(full()).unwrap();
    assert_eq!(v.format(), Format::Glove);
    assert_eq!(v.len(), 400_000);
    assert_eq!(v.dims(), 50);
    let king = v.embedding("king", Scale::Unit).unwrap();
    let queen = v.embedding("queen", Scale::Unit).unwrap();
    let banana = v.embedding("banana", Scale::Unit).unwrap();
    // Reference values from ../shared/DATA.md (computed with numpy on the file).
    assert!((cosine(&king, &queen) - 0.7839).abs() < 1e-4);
    assert!((cosine(&king, &banana) - 0.2207).abs() < 1e-4);
    let the = v.embedding("the", Scale::Original).unwrap();
    assert_eq!(the[0], 0.418);
    assert_eq!(the[1], 0.24968);
}

#[test]
#[ignore = "needs embeddings/fetch (171 MB)"]
fn full_glove_cli_similar_analogy_convert_prune() {
    let dir = tempfile::tempdir().unwrap();
    embed_tl(dir.path())
        .args(["vectors", "similar"])
        .arg(full())
        .arg("king")
        .assert()
        .success()
        .stdout(predicate::str::contains("\tqueen\n"));
    embed_tl(dir.path())
        .args(["vectors", "analogy"])
        .arg(full())
        .args(["man", "king", "woman", "-k", "1"])
        .assert()
        .success()
        .stdout(predicate::str::ends_with("\tqueen\n"));
    embed_tl(dir.path())
        .args(["vectors", "convert"])
        .arg(full())
        .arg("full.fifu")
        .assert()
        .success();
    embed_tl(dir.path())
        .args(["vectors", "info", "full.fifu"])
        .assert()
        .success()
        .stdout(predicate::str::contains("words:       400000"));
    embed_tl(dir.path())
        .args([
            "vectors",
            "prune",
            "full.fifu",
            "--top",
            "50000",
            "top.fifu",
        ])
        .assert()
        .success();
    // Pruning the full file gives exactly the shipped default.
    assert_eq!(
        std::fs::read(dir.path().join("top.fifu")).unwrap(),
        std::fs::read(common::default_vectors()).unwrap()
    );
}
