//! Reproducibility: the same inputs and seed give byte-identical outputs,
//! run after run and on any number of threads — models, reports (but for
//! their wall-clock time), features, converted vectors and predictions.

mod common;

use std::path::Path;

use common::{data, default_vectors, embed_tl, repo};

fn run_all(dir: &Path, threads: &str, tag: &str) {
    let run = |args: Vec<String>| {
        embed_tl(dir)
            .env("RAYON_NUM_THREADS", threads)
            .arg("-q")
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let vectors = default_vectors().display().to_string();
    let report = run(s(&[
        "classify",
        "--vectors",
        &vectors,
        "--train",
        "train.csv",
        "--pool",
        "sif",
        "--folds",
        "3",
        "--c",
        "0.1,1,10",
        "--beta",
        "0.1,1",
        "--seed",
        "7",
        "--format",
        "json",
        "--save",
        &format!("model-{tag}.etl"),
    ]));
    let mut report: serde_json::Value = serde_json::from_slice(&report).unwrap();
    report.as_object_mut().unwrap().remove("seconds");
    std::fs::write(dir.join(format!("report-{tag}.json")), report.to_string()).unwrap();
    run(s(&[
        "embed",
        "--vectors",
        &vectors,
        "--input",
        "train.csv",
        "--pool",
        "sif",
        "--output",
        &format!("features-{tag}.npy"),
    ]));
    run(s(&[
        "predict",
        "--model",
        &format!("model-{tag}.etl"),
        "--vectors",
        &vectors,
        "--input",
        "train.csv",
        "--output",
        &format!("scored-{tag}.csv"),
        "--proba",
    ]));
    let tiny = data("original-tools/w2v_c_tiny.txt").display().to_string();
    run(s(&[
        "vectors",
        "convert",
        &tiny,
        &format!("vectors-{tag}.fifu"),
    ]));
}

#[test]
fn same_inputs_and_seed_give_identical_bytes_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo("corpora/reviews.csv")).unwrap();
    let train: Vec<&str> = text.lines().take(401).collect();
    std::fs::write(dir.path().join("train.csv"), train.join("\n") + "\n").unwrap();
    run_all(dir.path(), "1", "a");
    run_all(dir.path(), "2", "b");
    run_all(dir.path(), "3", "c");
    for name in ["model", "report", "features", "scored", "vectors"] {
        let ext = match name {
            "model" => "etl",
            "report" => "json",
            "features" => "npy",
            "scored" => "csv",
            _ => "fifu",
        };
        let read =
            |tag: &str| std::fs::read(dir.path().join(format!("{name}-{tag}.{ext}"))).unwrap();
        let a = read("a");
        assert!(!a.is_empty(), "{name}");
        assert!(a == read("b"), "{name}: 1 and 2 threads differ");
        assert!(a == read("c"), "{name}: 1 and 3 threads differ");
    }
}
