//! The same 3,000 review sentences in every input layout (CSV, TSV, JSONL,
//! plain lines, fastText's `__label__` format; gzip, Zstandard, stdin;
//! with a UTF-8 byte-order mark) give the same features, the same
//! predictions and the same accuracy.

mod common;

use std::io::Write;
use std::path::Path;

use common::{default_vectors, embed_tl, repo};

/// (text, label) of every row of `corpora/reviews.csv`.
fn reviews() -> Vec<(String, String)> {
    csv::Reader::from_path(repo("corpora/reviews.csv"))
        .unwrap()
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect()
}

/// Write the corpus in every layout; returns the file names.
fn write_layouts(dir: &Path) -> Vec<&'static str> {
    let rows = reviews();
    assert_eq!(rows.len(), 3000);
    let mut csv_out = csv::Writer::from_path(dir.join("reviews.csv")).unwrap();
    csv_out.write_record(["text", "label"]).unwrap();
    for (text, label) in &rows {
        csv_out.write_record([text, label]).unwrap();
    }
    csv_out.flush().unwrap();
    let csv_bytes = std::fs::read(dir.join("reviews.csv")).unwrap();
    // Semicolons between fields, as spreadsheets write CSV where the
    // decimal mark is a comma (read with --csv-delimiter ';').
    let mut semi = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_path(dir.join("semicolons.csv"))
        .unwrap();
    semi.write_record(["text", "label"]).unwrap();
    for (text, label) in &rows {
        semi.write_record([text, label]).unwrap();
    }
    semi.flush().unwrap();

    let escape = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('\t', "\\t")
            .replace('\n', "\\n")
            .replace('\r', "\\r")
    };
    let mut tsv = String::from("text\tlabel\n");
    let mut jsonl = String::new();
    let mut lines = String::new();
    let mut fasttext = String::new();
    for (text, label) in &rows {
        tsv.push_str(&format!("{}\t{label}\n", escape(text)));
        jsonl.push_str(&serde_json::json!({ "label": label, "text": text }).to_string());
        jsonl.push('\n');
        lines.push_str(text);
        lines.push('\n');
        fasttext.push_str(&format!("__label__{label} {text}\n"));
    }
    std::fs::write(dir.join("reviews.tsv"), &tsv).unwrap();
    std::fs::write(dir.join("reviews.jsonl"), &jsonl).unwrap();
    std::fs::write(dir.join("reviews.txt"), &lines).unwrap();
    std::fs::write(dir.join("reviews.ft"), &fasttext).unwrap();
    // fastText's own habit: a .txt, or a name such as `cooking.train`; the
    // first line's `__label__` says the layout.
    std::fs::write(dir.join("reviews-ft.txt"), &fasttext).unwrap();
    std::fs::write(dir.join("reviews.train"), &fasttext).unwrap();
    // A UTF-8 byte-order mark first, as Windows editors and Excel write
    // it, in every row layout (and under gzip).
    const BOM: &str = "\u{feff}";
    std::fs::write(dir.join("bom.csv"), [BOM.as_bytes(), &csv_bytes].concat()).unwrap();
    std::fs::write(dir.join("bom.tsv"), format!("{BOM}{tsv}")).unwrap();
    std::fs::write(dir.join("bom.jsonl"), format!("{BOM}{jsonl}")).unwrap();
    std::fs::write(dir.join("bom.txt"), format!("{BOM}{lines}")).unwrap();
    std::fs::write(dir.join("bom.ft"), format!("{BOM}{fasttext}")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(format!("{BOM}{tsv}").as_bytes()).unwrap();
    std::fs::write(dir.join("bom.tsv.gz"), gz.finish().unwrap()).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&csv_bytes).unwrap();
    std::fs::write(dir.join("reviews.csv.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(
        dir.join("reviews.tsv.zst"),
        zstd::stream::encode_all(tsv.as_bytes(), 3).unwrap(),
    )
    .unwrap();
    vec![
        "reviews.csv",
        "reviews.tsv",
        "reviews.jsonl",
        "reviews.txt",
        "reviews.csv.gz",
        "reviews.tsv.zst",
        "bom.csv",
        "bom.tsv",
        "bom.jsonl",
        "bom.txt",
        "bom.tsv.gz",
    ]
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn every_layout_gives_the_same_features_and_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let inputs = write_layouts(dir);
    embed_tl(dir)
        .args(["-q", "classify", "--vectors"])
        .arg(default_vectors())
        .args(["--train", "reviews.csv", "--folds", "2", "--c", "1"])
        .args(["--beta", "0.3", "--save", "m.etl"])
        .assert()
        .success();

    for (i, input) in inputs.iter().enumerate() {
        embed_tl(dir)
            .args(["embed", "--vectors"])
            .arg(default_vectors())
            .args(["--input", input, "--pool", "mean"])
            .args(["--output", &format!("features{i}.csv")])
            .assert()
            .success()
            .stderr(predicates::str::contains(format!(
                "{input}: read 3000 rows, used 3000, rejected 0"
            )));
        embed_tl(dir)
            .args(["predict", "--model", "m.etl", "--vectors"])
            .arg(default_vectors())
            .args(["--input", input, "--proba"])
            .args(["--output", &format!("predictions{i}.csv")])
            .assert()
            .success()
            .stderr(predicates::str::contains(format!(
                "{input}: read 3000 rows, used 3000, rejected 0"
            )));
    }
    let features = read(dir, "features0.csv");
    let predictions = read(dir, "predictions0.csv");
    assert_eq!(features.lines().count(), 3001);
    assert_eq!(predictions.lines().count(), 3001);
    assert!(predictions.starts_with("row,label,p_neg,p_pos\n1,"));
    for (i, input) in inputs.iter().enumerate().skip(1) {
        assert!(
            read(dir, &format!("features{i}.csv")) == features,
            "{input}: features differ from the CSV's"
        );
        assert!(
            read(dir, &format!("predictions{i}.csv")) == predictions,
            "{input}: predictions differ from the CSV's"
        );
    }

    // Semicolons between fields, said with --csv-delimiter.
    embed_tl(dir)
        .args(["predict", "--model", "m.etl", "--vectors"])
        .arg(default_vectors())
        .args([
            "--input",
            "semicolons.csv",
            "--csv-delimiter",
            ";",
            "--proba",
        ])
        .args(["--output", "semicolons-out.csv"])
        .assert()
        .success();
    assert!(
        read(dir, "semicolons-out.csv") == predictions,
        "semicolons.csv: predictions differ from the CSV's"
    );

    // Standard input, each layout said with --input-format.
    for (input, format) in [("reviews.tsv", "tsv"), ("reviews.txt", "lines")] {
        let out = embed_tl(dir)
            .args(["predict", "--model", "m.etl", "--vectors"])
            .arg(default_vectors())
            .args(["--input", "-", "--input-format", format, "--proba"])
            .args(["--output", "-", "--output-format", "csv"])
            .write_stdin(std::fs::read(dir.join(input)).unwrap())
            .output()
            .unwrap();
        assert!(out.status.success(), "{input}");
        assert!(
            String::from_utf8(out.stdout).unwrap() == predictions,
            "{input} on stdin: predictions differ"
        );
    }
}

/// The cross-validated accuracy of `classify --format json` on `train`
/// (with the `extra` flags).
fn cv_accuracy(dir: &Path, train: &str, extra: &[&str]) -> (f64, serde_json::Value) {
    let out = embed_tl(dir)
        .args(["-q", "classify", "--vectors"])
        .arg(default_vectors())
        .args(["--train", train, "--folds", "3", "--c", "1"])
        .args(["--beta", "0.3", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{train}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        report["cv"]["accuracy_mean"].as_f64().unwrap(),
        report["read"].clone(),
    )
}

#[test]
fn every_labelled_layout_gives_the_same_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write_layouts(dir);
    let (csv, input) = cv_accuracy(dir, "reviews.csv", &[]);
    assert!(csv > 0.7, "{csv}");
    assert_eq!(input["read"], 3000);
    assert_eq!(input["used"], 3000);
    assert_eq!(input["rejected"], 0);
    for train in [
        "reviews.tsv",
        "reviews.jsonl",
        "reviews.ft",
        "reviews-ft.txt",
        "reviews.train",
        "reviews.csv.gz",
        "reviews.tsv.zst",
        "bom.csv",
        "bom.tsv",
        "bom.jsonl",
        "bom.ft",
        "bom.tsv.gz",
    ] {
        let (accuracy, input) = cv_accuracy(dir, train, &[]);
        assert_eq!(accuracy, csv, "{train}");
        assert_eq!(input["read"], 3000, "{train}");
    }
    let (accuracy, input) = cv_accuracy(dir, "semicolons.csv", &["--csv-delimiter", ";"]);
    assert_eq!((accuracy, &input["read"]), (csv, &3000.into()));
    // Without the flag the header is one column, and the hint says so.
    embed_tl(dir)
        .args(["classify", "--train", "semicolons.csv", "--features", "ngrams"])
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "semicolons.csv: line 1: no column 'text'; columns found: text;label\nhint: the header looks separated by ';', not ',': add --csv-delimiter ';'\n",
        ));
}

/// A pipe is never peeked for fastText's `__label__` (the peeked bytes
/// would be lost to the reader): a FIFO is read in its name's layout, CSV
/// here, from its first byte.
#[cfg(unix)]
#[test]
fn a_pipe_is_not_peeked() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("cooking.train");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            std::fs::write(fifo, "__label__pos fine\n__label__neg phone\n").unwrap()
        })
    };
    embed_tl(dir.path())
        .args([
            "classify",
            "--features",
            "ngrams",
            "--train",
            "cooking.train",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "cooking.train: line 1: no column 'text'; columns found: __label__pos fine\n",
        ));
    writer.join().unwrap();
}
