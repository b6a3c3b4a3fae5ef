//! The `embed-tl vectors` subcommands, run as a user would.

mod common;

use common::{data, default_vectors, embed_tl};
use predicates::prelude::*;

#[test]
fn info_on_the_shipped_default() {
    let dir = tempfile::tempdir().unwrap();
    embed_tl(dir.path())
        .args(["vectors", "info"])
        .arg(default_vectors())
        .assert()
        .success()
        .stdout(predicate::str::contains("format:      fifu"))
        .stdout(predicate::str::contains("words:       50000"))
        .stdout(predicate::str::contains("dims:        50"))
        .stdout(predicate::str::contains("subwords:    no"));
}

#[test]
fn info_json_on_fasttext_says_subwords() {
    let dir = tempfile::tempdir().unwrap();
    let out = embed_tl(dir.path())
        .args(["vectors", "info", "--format", "json"])
        .arg(data("original-tools/ft_sg_tiny.bin"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["format"], "fasttext");
    assert_eq!(v["words"], 57);
    assert_eq!(v["dims"], 8);
    assert_eq!(v["subwords"], true);
    assert!(v["norms"]["min"].as_f64().unwrap() > 0.0);
}

/// Regression (issue 11): `info --format json` printed `"finalfusion"` as
/// the format name, which `--vectors-format` refused (it knew only `fifu`).
#[test]
fn every_format_name_info_prints_is_accepted_by_vectors_format() {
    let dir = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for format in ["text", "json"] {
        let out = embed_tl(dir.path())
            .args(["vectors", "info", "--format", format])
            .arg(default_vectors())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let out = String::from_utf8(out).unwrap();
        names.push(if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            v["format"].as_str().unwrap().to_string()
        } else {
            let line = out.lines().find(|l| l.starts_with("format:")).unwrap();
            line["format:".len()..].trim().to_string()
        });
    }
    assert_eq!(names, ["fifu", "finalfusion"]);
    for name in names {
        embed_tl(dir.path())
            .args(["vectors", "info", "--vectors-format", &name])
            .arg(default_vectors())
            .assert()
            .success()
            .stdout(predicate::str::contains("words:       50000"));
    }
}

#[test]
fn similar_json_is_one_object() {
    let dir = tempfile::tempdir().unwrap();
    let out = embed_tl(dir.path())
        .args(["vectors", "similar", "--format", "json", "-k", "3"])
        .arg(default_vectors())
        .arg("king")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["query"], "king");
    assert_eq!(v["neighbours"].as_array().unwrap().len(), 3);
}

#[test]
fn similar_and_analogy_find_queen() {
    let dir = tempfile::tempdir().unwrap();
    embed_tl(dir.path())
        .args(["vectors", "similar"])
        .arg(default_vectors())
        .args(["king", "-k", "10"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\tqueen\n"));
    let out = embed_tl(dir.path())
        .args(["vectors", "analogy"])
        .arg(default_vectors())
        .args(["man", "king", "woman", "-k", "1"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(out).unwrap().ends_with("\tqueen\n"));
}

/// `vectors analogy A B C` used to answer A - B + C, so `king man woman`
/// gave queen and a line pasted from questions-words.txt gave a wrong
/// answer. It now answers "A is to B as C is to ?" (B - A + C), the order
/// of word2vec's word-analogy and of the test files.
#[test]
fn analogy_reads_a_is_to_b_as_c_is_to() {
    let dir = tempfile::tempdir().unwrap();
    let first = |args: &[&str]| {
        let out = embed_tl(dir.path())
            .args(["vectors", "analogy", "--format", "json", "-k", "1"])
            .arg(default_vectors())
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        (
            v["query"].as_str().unwrap().to_string(),
            v["neighbours"][0]["word"].as_str().unwrap().to_string(),
        )
    };
    // A line of questions-words.txt (capital-common-countries), lowercased
    // for GloVe: "athens greece baghdad iraq".
    assert_eq!(first(&["athens", "greece", "baghdad"]).1, "iraq");
    let (query, answer) = first(&["man", "king", "woman"]);
    assert_eq!(
        (query.as_str(), answer.as_str()),
        ("king - man + woman", "queen")
    );
    // The old order no longer gives queen.
    assert_ne!(first(&["king", "man", "woman"]).1, "queen");
}

#[test]
fn similar_unknown_word_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    embed_tl(dir.path())
        .args(["vectors", "similar"])
        .arg(default_vectors())
        .arg("qwxzzyq")
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "'qwxzzyq' has no vector (50000 words, no subwords)",
        ));
}

#[test]
fn convert_text_to_fifu_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("glove.fifu");
    embed_tl(dir.path())
        .args(["vectors", "convert"])
        .arg(data("original-tools/glove_c_tiny.txt"))
        .arg(&out)
        .assert()
        .success();
    let a = embed_tl::Vectors::open(data("original-tools/glove_c_tiny.txt")).unwrap();
    let b = embed_tl::Vectors::open(&out).unwrap();
    assert_eq!(b.format(), embed_tl::vectors::Format::Finalfusion);
    assert!(a.words().eq(b.words()));
    for i in 0..a.len() {
        assert_eq!(a.row(i), b.row(i));
        assert_eq!(a.norm(i), b.norm(i));
    }
    // Only the target file is left: no temporary files.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["glove.fifu"]);
}

#[test]
fn convert_keeps_fasttext_subwords_in_fifu() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ft.fifu");
    embed_tl(dir.path())
        .args(["vectors", "convert"])
        .arg(data("original-tools/ft_sg_tiny.bin"))
        .arg(&out)
        .assert()
        .success();
    let ft = embed_tl::Vectors::open(data("original-tools/ft_sg_tiny.bin")).unwrap();
    let fifu = embed_tl::Vectors::open(&out).unwrap();
    assert!(fifu.has_subwords());
    let scale = embed_tl::vectors::Scale::Original;
    assert_eq!(ft.embedding("xyzzy", scale), fifu.embedding("xyzzy", scale));
}

#[test]
fn convert_to_each_text_format_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    for (name, format) in [
        ("a.bin", "word2vec-bin"),
        ("a.vec", "word2vec-text"),
        ("a.txt", "glove"),
    ] {
        let out = dir.path().join(name);
        embed_tl(dir.path())
            .args(["vectors", "convert"])
            .arg(data("original-tools/w2v_c_tiny.bin"))
            .arg(&out)
            .assert()
            .success();
        let v = embed_tl::Vectors::open(&out).unwrap();
        assert_eq!(v.format().name(), format, "{name}");
        assert_eq!(v.len(), 57, "{name}");
    }
}

#[test]
fn prune_top_and_vocab_from() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("top.fifu");
    embed_tl(dir.path())
        .args(["vectors", "prune"])
        .arg(default_vectors())
        .args(["--top", "1000"])
        .arg(&top)
        .assert()
        .success();
    let v = embed_tl::Vectors::open(&top).unwrap();
    assert_eq!(v.len(), 1000);
    assert_eq!(v.word(0), "the");

    let corpus = dir.path().join("texts.csv");
    std::fs::write(
        &corpus,
        "id,text\n1,The Queen spoke\n2,\"A king, a queen\"\n",
    )
    .unwrap();
    let small = dir.path().join("small.txt");
    embed_tl(dir.path())
        .args(["vectors", "prune"])
        .arg(default_vectors())
        .arg("--vocab-from")
        .arg(&corpus)
        .arg(&small)
        .assert()
        .success();
    let v = embed_tl::Vectors::open(&small).unwrap();
    let mut words: Vec<&str> = v.words().collect();
    words.sort();
    assert_eq!(words, [",", "a", "king", "queen", "spoke", "the"]);
}

#[test]
fn bad_vector_file_exits_non_zero_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.txt"), "a 1 2 3\nb 1 2\n").unwrap();
    embed_tl(dir.path())
        .args(["vectors", "convert", "bad.txt", "out.fifu"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "bad.txt: line 2: expected a word and 3 values, found 2 values",
        ));
    assert!(!dir.path().join("out.fifu").exists());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["bad.txt"], "no partial or temporary output left");
}

#[test]
fn duplicate_words_warn_once_and_keep_the_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dup.txt"), "a 1 0\nb 0 1\na 5 5\nb 2 2\n").unwrap();
    embed_tl(dir.path())
        .args(["vectors", "info", "dup.txt"])
        .assert()
        .success()
        .stdout(predicate::str::contains("words:       2"))
        .stderr(predicate::str::contains(
            "dup.txt: 2 duplicate words dropped, the first occurrence kept (first: 'a' at line 3)",
        ));
}

#[test]
fn broken_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("embed-tl"))
        .args(["vectors", "similar"])
        .arg(default_vectors())
        .args(["the", "-k", "40000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.status.success(), "{stderr}");
}
