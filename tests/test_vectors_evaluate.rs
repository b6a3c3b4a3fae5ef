//! `embed-tl vectors evaluate`: analogy accuracy and word-pair correlation
//! against gensim 4.3.3 on the same vectors and files.
//!
//! Every expected figure comes from gensim, never from embed-tl:
//! `benches/evaluate_gensim.py` (gensim's `evaluate_word_analogies` and
//! `evaluate_word_pairs` with their defaults, restrict_vocab=300000 and
//! case_insensitive=True, unless a comment says otherwise) run on
//! `top50k.vec`, the word2vec text of the shipped default made by
//! `embed-tl vectors convert embeddings/glove.6B.50d.top50k.fifu top50k.vec`
//! (the same values bit for bit: tests/test_convert_roundtrip.rs). The
//! commands are in tests/data/README.md.

mod common;

use common::{data, default_vectors, embed_tl, repo};
use predicates::prelude::*;

fn evaluate_json(args: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = embed_tl(dir.path())
        .args(["vectors", "evaluate", "--json"])
        .arg(default_vectors())
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

fn sections(v: &serde_json::Value) -> Vec<(String, u64, u64)> {
    v["analogies"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["correct"].as_u64().unwrap(),
                s["answered"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// gensim: `evaluate_gensim.py top50k.vec --analogies
/// tests/data/eval/questions-sample.txt --similarity
/// tests/data/eval/pairs-sample.tsv` printed these (correct, questions) per
/// section, total 353/705 = 0.500709219858156, OOV 10.532994923857869%;
/// pairs: pearson 0.33553547257401, spearman 0.272711819198656, OOV
/// 3.7037037037037033%.
#[test]
fn sample_files_match_gensim() {
    let v = evaluate_json(&[
        "--analogies",
        data("eval/questions-sample.txt").to_str().unwrap(),
        "--similarity",
        data("eval/pairs-sample.tsv").to_str().unwrap(),
    ]);
    let gensim = [
        ("capital-common-countries", 16, 21),
        ("capital-world", 103, 146),
        ("currency", 6, 19),
        ("city-in-state", 16, 96),
        ("family", 13, 18),
        ("gram1-adjective-to-adverb", 7, 40),
        ("gram2-opposite", 4, 29),
        ("gram3-comparative", 27, 54),
        ("gram4-superlative", 13, 37),
        ("gram5-present-participle", 17, 41),
        ("gram6-nationality-adjective", 54, 57),
        ("gram7-past-tense", 30, 63),
        ("gram8-plural", 35, 53),
        ("gram9-plural-verbs", 12, 31),
    ];
    let got = sections(&v);
    assert_eq!(got.len(), gensim.len());
    for ((name, correct, answered), (g_name, g_correct, g_answered)) in got.iter().zip(gensim) {
        assert_eq!(
            (name.as_str(), *correct, *answered),
            (g_name, g_correct, g_answered)
        );
    }
    let a = &v["analogies"];
    assert_eq!(a["total"]["name"], "Total accuracy");
    assert_eq!(a["total"]["correct"], 353);
    assert_eq!(a["total"]["answered"], 705);
    assert!((a["total"]["accuracy"].as_f64().unwrap() - 0.500_709_219_858_156).abs() < 1e-12);
    assert_eq!(a["questions"], 788);
    assert!((100.0 * a["oov_ratio"].as_f64().unwrap() - 10.532_994_923_857_869).abs() < 1e-9);
    let p = &v["similarity"][0];
    assert_eq!(
        (p["pairs"].as_u64(), p["used"].as_u64()),
        (Some(27), Some(26))
    );
    assert!((p["pearson"].as_f64().unwrap() - 0.335_535_472_574_01).abs() < 1e-6);
    assert!((p["spearman"].as_f64().unwrap() - 0.272_711_819_198_656).abs() < 1e-6);
    assert!((100.0 * p["oov_ratio"].as_f64().unwrap() - 3.703_703_703_703_703_3).abs() < 1e-9);
    assert_eq!(v["warnings"], serde_json::json!([]));
}

/// gensim with `--restrict-vocab 10000 --case-sensitive` on the sample
/// files: total 83/165 = 0.503030303030303, OOV 79.06091370558376%; these
/// per-section (correct, questions); pairs: pearson 0.4382079658162356,
/// spearman 0.38059423526407565, OOV 25.925925925925924% ("King" and
/// "Paris" are unknown case-sensitively in lowercased GloVe).
#[test]
fn restricted_case_sensitive_matches_gensim() {
    let v = evaluate_json(&[
        "--analogies",
        data("eval/questions-sample.txt").to_str().unwrap(),
        "--similarity",
        data("eval/pairs-sample.tsv").to_str().unwrap(),
        "--restrict-vocab",
        "10000",
        "--case-sensitive",
    ]);
    let counts: Vec<(u64, u64)> = sections(&v).iter().map(|s| (s.1, s.2)).collect();
    let gensim = [
        (0, 0),
        (0, 0),
        (0, 0),
        (0, 0),
        (9, 11),
        (3, 21),
        (1, 2),
        (12, 22),
        (1, 5),
        (13, 25),
        (0, 0),
        (21, 43),
        (17, 25),
        (6, 11),
    ];
    assert_eq!(counts, gensim);
    // Sections with no answered question have no accuracy (gensim logs none).
    assert!(v["analogies"]["sections"][0]["accuracy"].is_null());
    assert_eq!(v["analogies"]["total"]["correct"], 83);
    assert_eq!(v["analogies"]["total"]["answered"], 165);
    assert!(
        (100.0 * v["analogies"]["oov_ratio"].as_f64().unwrap() - 79.060_913_705_583_76).abs()
            < 1e-9
    );
    let p = &v["similarity"][0];
    assert!((p["pearson"].as_f64().unwrap() - 0.438_207_965_816_235_6).abs() < 1e-6);
    assert!((p["spearman"].as_f64().unwrap() - 0.380_594_235_264_075_65).abs() < 1e-6);
    assert!((100.0 * p["oov_ratio"].as_f64().unwrap() - 25.925_925_925_925_924).abs() < 1e-9);
}

/// The whole of questions-words.txt (the default, shipped in
/// embeddings/eval/) on the default vectors. gensim: total 8352/17407 =
/// 0.4798069742057793, OOV 10.934302087597217% (2137 of 19544 skipped);
/// capital-world 2520/3560, gram6-nationality-adjective 1362/1445.
/// Found from a directory without embeddings/eval/ (the source tree's copy).
#[test]
#[ignore = "about 2 minutes in a debug build (19,544 questions x 50,000 words): \
            cargo test --release --test test_vectors_evaluate -- --ignored"]
fn default_questions_file_matches_gensim() {
    let v = evaluate_json(&["--no-similarity"]);
    let a = &v["analogies"];
    assert!(a["file"]
        .as_str()
        .unwrap()
        .ends_with("embeddings/eval/questions-words.txt"));
    assert_eq!(a["questions"], 19544);
    assert_eq!(a["total"]["correct"], 8352);
    assert_eq!(a["total"]["answered"], 17407);
    assert_eq!(a["skipped"], 2137);
    let got = sections(&v);
    assert!(got.contains(&("capital-world".into(), 2520, 3560)));
    assert!(got.contains(&("gram6-nationality-adjective".into(), 1362, 1445)));
    assert_eq!(v["searched"], 50000);
}

/// The default word-pair files are fetched, not shipped: with them, the
/// figures are gensim's (wordsim353: pearson 0.5476886026337457, spearman
/// 0.5246909727294781, OOV 1.41643059490085%; simlex999: pearson
/// 0.294437235090382, spearman 0.26518686296134286, OOV
/// 0.40040040040040037%); without them, the error says how to fetch them.
#[test]
fn default_pair_files_match_gensim_or_say_how_to_fetch_them() {
    let fetched = ["wordsim353.tsv", "simlex999.txt"]
        .iter()
        .all(|f| repo("embeddings/eval").join(f).is_file());
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        let mut cmd = embed_tl(dir.path());
        cmd.args(["vectors", "evaluate", "--json", "--no-analogies"])
            .arg(default_vectors());
        cmd
    };
    if !fetched {
        run().assert().failure().stderr(
            predicate::str::contains("is not in embeddings/eval nor in")
                .and(predicate::str::contains("run embeddings/fetch-eval")),
        );
        return;
    }
    let out = run().assert().success().get_output().stdout.clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let gensim = [
        (
            "wordsim353.tsv",
            0.547_688_602_633_745_7,
            0.524_690_972_729_478_1,
            1.416_430_594_900_85,
        ),
        (
            "simlex999.txt",
            0.294_437_235_090_382,
            0.265_186_862_961_342_86,
            0.400_400_400_400_400_37,
        ),
    ];
    for (p, (name, pearson, spearman, oov)) in
        v["similarity"].as_array().unwrap().iter().zip(gensim)
    {
        assert!(p["file"].as_str().unwrap().ends_with(name));
        assert!(
            (p["pearson"].as_f64().unwrap() - pearson).abs() < 1e-6,
            "{p}"
        );
        assert!(
            (p["spearman"].as_f64().unwrap() - spearman).abs() < 1e-6,
            "{p}"
        );
        assert!(
            (100.0 * p["oov_ratio"].as_f64().unwrap() - oov).abs() < 1e-9,
            "{p}"
        );
    }
}

/// The text report: a row per section and gensim's "Total accuracy" row,
/// the skipped share, and a row per pair file.
#[test]
fn text_report_has_sections_total_and_pairs() {
    let dir = tempfile::tempdir().unwrap();
    embed_tl(dir.path())
        .args(["vectors", "evaluate"])
        .arg(default_vectors())
        .arg("--analogies")
        .arg(data("eval/questions-sample.txt"))
        .arg("--similarity")
        .arg(data("eval/pairs-sample.tsv"))
        .assert()
        .success()
        .stdout(
            predicate::str::contains(
                "capital-common-countries            76.19%              16/21",
            )
            .and(predicate::str::contains(
                "Total accuracy                      50.07%            353/705       83",
            ))
            .and(predicate::str::contains("83 of 788 (10.5%)"))
            .and(predicate::str::contains("0.2727   0.3355")),
        );
}

/// A comma-separated pair file with --delimiter ','.
#[test]
fn other_delimiters() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pairs.csv"),
        "# a comment, with commas\nking,queen,8\ncar,automobile,9\ntiger,carrot,0.5\n",
    )
    .unwrap();
    let out = embed_tl(dir.path())
        .args(["vectors", "evaluate", "--json", "--no-analogies"])
        .arg(default_vectors())
        .args(["--similarity", "pairs.csv", "--delimiter", ","])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["similarity"][0]["used"], 3);
    // Read with the default TAB, the same file is malformed at line 2.
    embed_tl(dir.path())
        .args(["vectors", "evaluate", "--no-analogies"])
        .arg(default_vectors())
        .args(["--similarity", "pairs.csv"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "pairs.csv: line 2: expected 3 fields separated by TAB (word, word, score), found 1",
        ));
}

/// A vector file with a word twice: the warning about it is on stderr and,
/// under `--quiet`, still in the JSON report's `warnings`, here and in
/// `vectors info` and `vectors similar`.
#[test]
fn json_report_keeps_the_warnings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dup.txt"),
        "4 2\nking 1 0\nqueen 0 1\nking 0.5 0.5\nman 1 0.2\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pairs.tsv"),
        "king\tqueen\t5\nking\tman\t7\nqueen\tman\t3\n",
    )
    .unwrap();
    let warning =
        "dup.txt: 1 duplicate word dropped, the first occurrence kept (first: 'king' at line 4)";
    let run = |extra: &[&str]| {
        embed_tl(dir.path())
            .args(["vectors", "evaluate", "dup.txt", "--no-analogies"])
            .args(["--similarity", "pairs.tsv"])
            .args(extra)
            .assert()
            .success()
    };
    run(&[]).stderr(predicate::str::contains(warning));
    let v = common::quiet_json(run(&["--quiet", "--json"]));
    assert_eq!(v["warnings"], serde_json::json!([warning]));
    assert_eq!(v["words"], 3);
    for command in [
        &["vectors", "info", "dup.txt", "--format", "json"][..],
        &["vectors", "similar", "dup.txt", "queen", "--format", "json"],
    ] {
        let v = common::quiet_json(embed_tl(dir.path()).args(command).arg("--quiet").assert());
        assert_eq!(v["warnings"], serde_json::json!([warning]), "{command:?}");
    }
}
