//! Shared helpers for integration tests: paths to committed fixtures and a
//! runner for the real `embed-tl` binary in a temporary directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A file under `tests/data`.
pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// A file relative to the repository root.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The shipped default vectors.
pub fn default_vectors() -> PathBuf {
    repo("embeddings/glove.6B.50d.top50k.fifu")
}

/// `embed-tl` as a command, run inside `dir`.
pub fn embed_tl(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("embed-tl").expect("binary is built");
    cmd.current_dir(dir);
    cmd
}

/// `dir/m.etl`: the default model on the first 300 shipped reviews
/// (`dir/train.csv`), with fast settings.
pub fn train_small_model(dir: &Path) {
    let text = std::fs::read_to_string(repo("corpora/reviews.csv")).unwrap();
    let train: Vec<&str> = text.lines().take(301).collect();
    std::fs::write(dir.join("train.csv"), train.join("\n") + "\n").unwrap();
    embed_tl(dir)
        .args(["-q", "classify", "--vectors"])
        .arg(default_vectors())
        .args(["--train", "train.csv", "--save", "m.etl"])
        .args(["--folds", "2", "--c", "1", "--beta", "0.3"])
        .assert()
        .success();
}

/// Parse `word v1 v2 ...` lines (as fastText prints them).
pub fn read_word_vectors(path: &Path) -> Vec<(String, Vec<f32>)> {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut fields = line.split_whitespace();
            let word = fields.next().expect("a word").to_string();
            let values = fields.map(|v| v.parse().expect("a number")).collect();
            (word, values)
        })
        .collect()
}

/// The names of the files in `dir`, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("directory is readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Half a unit in the last digit of a number as fastText prints it (5
/// significant digits, `-0.021509`, `1.3e-05`): how far the f32 it
/// printed may be from the text.
pub fn print_tolerance(printed: &str) -> f64 {
    let (mantissa, exponent) = match printed.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap()),
        None => (printed, 0),
    };
    let decimals = mantissa.split_once('.').map_or(0, |(_, d)| d.len() as i32);
    0.5 * 10f64.powi(exponent - decimals) * 1.001
}

/// A CSV of 24 texts that are all the same sentence, 18 labelled `ham`
/// and 6 `spam` (every fourth): nothing to learn but the class prior.
pub fn alike_texts() -> String {
    let mut data = String::from("text,label\n");
    for i in 0..24 {
        let label = if i % 4 == 0 { "spam" } else { "ham" };
        data.push_str(&format!("see you at the station,{label}\n"));
    }
    data
}

/// The JSON report of a `--quiet` run: the run succeeded, wrote nothing on
/// stderr (warnings included), and its stdout parses.
pub fn quiet_json(run: assert_cmd::assert::Assert) -> serde_json::Value {
    let run = run.success().stderr(predicates::str::is_empty());
    serde_json::from_slice(&run.get_output().stdout).unwrap()
}
