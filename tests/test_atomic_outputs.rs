//! Outputs are written to a temporary file beside the target and renamed
//! when complete: a process killed while it writes leaves nothing at the
//! target path (here for `embed` and `vectors convert`; `predict` has its
//! own test in `test_predict.rs`).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{default_vectors, repo};

/// Run `embed-tl ARGS` in `dir`, wait until the temporary file of `target`
/// holds output, kill the process, and check that `target` does not exist.
fn kill_mid_write(dir: &Path, args: &[String], target: &str) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("embed-tl"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let prefix = format!(".{target}.");
    let start = Instant::now();
    let mut written = 0;
    while written == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no temporary output appeared for {target}"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "{target}: finished before it could be killed"
        );
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) && name.ends_with(".tmp") {
                written = entry.metadata().unwrap().len();
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !dir.join(target).exists(),
        "a killed run left a file at {target}"
    );
}

fn s(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

#[test]
fn killed_embed_leaves_no_features_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo("corpora/reviews.csv")).unwrap();
    let mut big = String::from("text,label,source\n");
    for _ in 0..40 {
        for line in text.lines().skip(1) {
            big.push_str(line);
            big.push('\n');
        }
    }
    std::fs::write(dir.path().join("in.csv"), big).unwrap();
    let vectors = default_vectors().display().to_string();
    kill_mid_write(
        dir.path(),
        &s(&[
            "embed",
            "--vectors",
            &vectors,
            "--input",
            "in.csv",
            "--pool",
            "pmeans",
            "--output",
            "features.csv",
        ]),
        "features.csv",
    );
}

#[test]
fn killed_convert_leaves_no_vector_file() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = default_vectors().display().to_string();
    kill_mid_write(
        dir.path(),
        &s(&["vectors", "convert", &vectors, "glove.txt", "--to", "glove"]),
        "glove.txt",
    );
}

#[test]
fn interrupted_convert_removes_its_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = default_vectors().display().to_string();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("embed-tl"))
        .current_dir(dir.path())
        .args(["vectors", "convert", &vectors, "glove.txt", "--to", "glove"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let has_tmp = |dir: &Path| {
        std::fs::read_dir(dir).unwrap().any(|e| {
            let e = e.unwrap();
            e.file_name().to_string_lossy().ends_with(".tmp") && e.metadata().unwrap().len() > 0
        })
    };
    while !has_tmp(dir.path()) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no output appeared"
        );
        assert!(child.try_wait().unwrap().is_none(), "finished too soon");
        std::thread::sleep(Duration::from_millis(2));
    }
    // Ctrl-C, as a user at a terminal would.
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status}");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
