//! The bad-input matrix: malformed vector files, corpora, model files and
//! flags, each run through the real binary. Every row asserts the exit
//! code, that stderr names the file and the line, byte or field (or the
//! flag), and that no output file (nor a temporary one) is left behind.

mod common;

use std::path::Path;

use common::{data, default_vectors, embed_tl, repo};

/// One malformed input: files to create, the command, what must be said.
/// Every file in `files` must be byte-identical after the run (inputs are
/// never destroyed), unless it is listed in `changes`.
#[derive(Default)]
struct Case {
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    /// Run after `files` are written, before the command (symlinks, FIFOs).
    setup: Option<fn(&Path)>,
    args: Vec<String>,
    /// Bytes fed to standard input.
    stdin: Option<Vec<u8>>,
    code: i32,
    /// Parts of stderr.
    says: Vec<&'static str>,
    /// Parts of stdout.
    prints: Vec<&'static str>,
    /// Files of `files` that the run may change.
    changes: Vec<&'static str>,
    /// Files that must exist afterwards, with parts of their content.
    writes: Vec<(&'static str, Vec<&'static str>)>,
}

fn w2v_binary(header: &str, rows: &[(&str, &[f32])]) -> Vec<u8> {
    let mut out = header.as_bytes().to_vec();
    for (word, values) in rows {
        out.extend_from_slice(word.as_bytes());
        out.push(b' ');
        for v in *values {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.push(b'\n');
    }
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn s(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

fn convert(input: &str) -> Vec<String> {
    s(&["vectors", "convert", input, "out.fifu"])
}

fn classify(train: &str, extra: &[&str]) -> Vec<String> {
    let mut args = s(&[
        "classify",
        "--train",
        train,
        "--features",
        "ngrams",
        "--folds",
        "2",
        "--c",
        "1",
        "--save",
        "out.etl",
    ]);
    args.extend(s(extra));
    args
}

fn predict(model: &str, input: &str, extra: &[&str]) -> Vec<String> {
    let v = default_vectors().display().to_string();
    let mut args = s(&[
        "predict",
        "--model",
        model,
        "--vectors",
        &v,
        "--input",
        input,
        "--output",
        "out.csv",
    ]);
    args.extend(s(extra));
    args
}

fn cases(fifu: &[u8], model: &str) -> Vec<Case> {
    let v = default_vectors().display().to_string();
    let good_train = std::fs::read(repo("corpora/reviews.csv")).unwrap();
    let good_train: Vec<u8> = good_train
        .split(|&b| b == b'\n')
        .take(61)
        .collect::<Vec<_>>()
        .join(&b'\n');
    let model_bytes = model.as_bytes().to_vec();
    let mut fasttext = std::fs::read(data("original-tools/ft_cbow_tiny.bin")).unwrap();
    fasttext.truncate(5000);
    vec![
        // --- vector files -------------------------------------------------
        Case {
            name: "vectors: empty file",
            files: vec![("v.txt", vec![])],
            args: convert("v.txt"),
            code: 1,
            says: vec!["v.txt: empty file"],
            ..Case::default()
        },
        Case {
            name: "vectors: GloVe row too short",
            files: vec![("v.txt", b"a 1 2 3\nb 1 2\n".to_vec())],
            args: convert("v.txt"),
            code: 1,
            says: vec!["v.txt: line 2: expected a word and 3 values, found 2 values"],
            ..Case::default()
        },
        Case {
            name: "vectors: GloVe value not a number",
            files: vec![("v.txt", b"a 1 2 3\nb 1 two 3\n".to_vec())],
            args: convert("v.txt"),
            code: 1,
            says: vec!["v.txt: line 2: value 2 is not a number: 'two'"],
            ..Case::default()
        },
        Case {
            name: "vectors: NaN value",
            files: vec![("v.txt", b"a 1 2 3\nb 1 NaN 3\n".to_vec())],
            args: convert("v.txt"),
            code: 1,
            says: vec!["v.txt: line 2: value 2 is not a finite number"],
            ..Case::default()
        },
        Case {
            name: "vectors: word2vec text header says more dims",
            files: vec![("v.vec", b"2 4\na 1 2 3\nb 1 2 3\n".to_vec())],
            args: convert("v.vec"),
            code: 1,
            says: vec!["v.vec: line 2: expected a word and 4 values, found 3 values"],
            ..Case::default()
        },
        Case {
            name: "vectors: word2vec text header claims 10^12 words",
            files: vec![("v.vec", b"1000000000000 3\na 1 2 3\n".to_vec())],
            args: convert("v.vec"),
            code: 1,
            says: vec!["v.vec: line 1: header promises 1000000000000 words, file has 1"],
            ..Case::default()
        },
        Case {
            name: "vectors: invalid UTF-8 word",
            files: vec![("v.txt", b"a 1 2 3\nb\xff 1 2 3\n".to_vec())],
            args: convert("v.txt"),
            code: 1,
            says: vec!["v.txt: line 2:", "UTF-8", "--lossy"],
            ..Case::default()
        },
        Case {
            name: "vectors: word2vec binary truncated in a vector",
            files: vec![(
                "v.bin",
                w2v_binary("2 3\n", &[("a", &[1.0, 2.0, 3.0]), ("b", &[1.0, 2.0, 3.0])])[..25]
                    .to_vec(),
            )],
            args: convert("v.bin"),
            code: 1,
            says: vec!["v.bin: byte 21: file ends inside the vector of 'b'"],
            ..Case::default()
        },
        Case {
            name: "vectors: word2vec binary header claims 10^12 words",
            files: vec![(
                "v.bin",
                w2v_binary("1000000000000 3\n", &[("a", &[1.0, 2.0, 3.0])]),
            )],
            args: s(&[
                "vectors",
                "convert",
                "v.bin",
                "out.fifu",
                "--vectors-format",
                "word2vec-bin",
            ]),
            code: 1,
            says: vec!["v.bin: byte 31: file ends after 1 of 1000000000000 words"],
            ..Case::default()
        },
        Case {
            name: "vectors: word2vec binary with 10^9 dims",
            files: vec![("v.bin", w2v_binary("1 1000000000\n", &[("a", &[1.0])]))],
            args: s(&[
                "vectors",
                "convert",
                "v.bin",
                "out.fifu",
                "--vectors-format",
                "word2vec-bin",
            ]),
            code: 1,
            says: vec![
                "v.bin: byte 0: header says 1000000000 dimensions: expected between 1 and 100000",
            ],
            ..Case::default()
        },
        Case {
            name: "vectors: fastText model cut short",
            files: vec![("v.bin", fasttext)],
            args: convert("v.bin"),
            code: 1,
            says: vec![
                "v.bin: byte 983: file ends inside the 2057 x 8 input matrix (truncated file?)",
            ],
            ..Case::default()
        },
        Case {
            name: "vectors: finalfusion cut short",
            files: vec![("v.fifu", fifu[..fifu.len() / 2].to_vec())],
            args: convert("v.fifu"),
            code: 1,
            says: vec!["v.fifu: byte 608: file ends inside the matrix"],
            ..Case::default()
        },
        Case {
            name: "vectors: gzip stream cut short",
            files: vec![("v.txt.gz", {
                let text: String = (0..2000)
                    .map(|i| format!("w{i} {i} 0.{i} -{i}\n"))
                    .collect();
                let gz = gzip(text.as_bytes());
                gz[..gz.len() / 2].to_vec()
            })],
            args: convert("v.txt.gz"),
            code: 1,
            says: vec!["v.txt.gz: incomplete deflate stream"],
            ..Case::default()
        },
        Case {
            name: "vectors: not a vector file",
            files: vec![("v.dat", b"hello world\n".to_vec())],
            args: convert("v.dat"),
            code: 1,
            says: vec!["v.dat:", "unknown vector format"],
            ..Case::default()
        },
        // --- corpora ------------------------------------------------------
        Case {
            name: "corpus: no text column",
            files: vec![("t.csv", b"body,label\nhi,pos\n".to_vec())],
            args: classify("t.csv", &[]),
            code: 1,
            says: vec!["t.csv: line 1: no column 'text'; columns found: body, label"],
            ..Case::default()
        },
        Case {
            name: "corpus: wrong field count",
            files: vec![("t.csv", b"text,label\nhi,pos\nbye,neg,extra\n".to_vec())],
            args: classify("t.csv", &[]),
            code: 1,
            says: vec!["t.csv: line 3: expected 2 fields, found 3"],
            ..Case::default()
        },
        Case {
            name: "corpus: invalid UTF-8",
            files: vec![("t.csv", b"text,label\nhi,pos\ncaf\xe9,neg\n".to_vec())],
            args: classify("t.csv", &[]),
            code: 1,
            says: vec!["t.csv: line 3:", "UTF-8"],
            ..Case::default()
        },
        Case {
            name: "corpus: blank label",
            files: vec![("t.csv", b"text,label\nhi,pos\nbye, \n".to_vec())],
            args: classify("t.csv", &[]),
            code: 1,
            says: vec!["t.csv: line 3: blank label in column 'label'"],
            ..Case::default()
        },
        Case {
            name: "corpus: empty text",
            files: vec![("t.csv", b"text,label\nhi,pos\n,neg\n".to_vec())],
            args: classify("t.csv", &[]),
            code: 1,
            says: vec!["t.csv: line 3: empty text in column 'text'"],
            ..Case::default()
        },
        Case {
            name: "corpus: header only",
            files: vec![("t.csv", b"text,label\n".to_vec())],
            args: classify("t.csv", &[]),
            code: 1,
            says: vec!["t.csv: no rows after the header"],
            ..Case::default()
        },
        Case {
            name: "corpus: JSONL line is not JSON",
            files: vec![(
                "t.jsonl",
                b"{\"text\":\"a\",\"label\":\"x\"}\n{oops\n".to_vec(),
            )],
            args: classify("t.jsonl", &[]),
            code: 1,
            says: vec!["t.jsonl: line 2: invalid JSON"],
            ..Case::default()
        },
        Case {
            name: "corpus: JSONL record without the label field",
            files: vec![(
                "t.jsonl",
                b"{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"b\"}\n".to_vec(),
            )],
            args: classify("t.jsonl", &[]),
            code: 1,
            says: vec!["t.jsonl: line 2: no field 'label'"],
            ..Case::default()
        },
        Case {
            name: "corpus: test label the model does not know",
            files: vec![
                ("t.csv", good_train.clone()),
                ("test.csv", b"text,label\ngreat,pos\nhm,meh\n".to_vec()),
            ],
            args: classify("t.csv", &["--test", "test.csv"]),
            code: 1,
            says: vec!["test.csv: line 3: label 'meh' is not one of the model's classes"],
            ..Case::default()
        },
        Case {
            name: "corpus: one class only",
            files: vec![("t.csv", b"text,label\ngood,pos\nfine,pos\n".to_vec())],
            args: classify("t.csv", &[]),
            code: 1,
            says: vec![
                "t.csv: every text has the label 'pos': a classifier needs at least 2 classes",
            ],
            ..Case::default()
        },
        Case {
            name: "corpus: training row over --max-row-bytes",
            files: vec![(
                "t.csv",
                format!("text,label\ngood,pos\n{},neg\n", "bad ".repeat(100)).into_bytes(),
            )],
            args: classify("t.csv", &["--max-row-bytes", "200"]),
            code: 1,
            says: vec!["t.csv: line 3: row longer than 200 bytes"],
            ..Case::default()
        },
        Case {
            name: "corpus: embed input row over --max-row-bytes",
            files: vec![(
                "in.csv",
                format!("id,text\n1,fine\n2,{}\n", "long ".repeat(100)).into_bytes(),
            )],
            args: s(&[
                "embed",
                "--vectors",
                &default_vectors().display().to_string(),
                "--input",
                "in.csv",
                "--output",
                "out.csv",
                "--max-row-bytes",
                "100",
            ]),
            code: 1,
            says: vec!["in.csv: line 3: row longer than 100 bytes"],
            ..Case::default()
        },
        // --- model files --------------------------------------------------
        Case {
            name: "model: truncated",
            files: vec![("m.etl", model_bytes[..model_bytes.len() / 2].to_vec())],
            args: predict("m.etl", "new.csv", &[]),
            code: 1,
            says: vec!["m.etl:", "ends early (truncated?)"],
            ..Case::default()
        },
        Case {
            name: "model: not JSON",
            files: vec![("m.etl", b"\x00\x01binary".to_vec())],
            args: predict("m.etl", "new.csv", &[]),
            code: 1,
            says: vec!["m.etl: line 1: not an embed-tl model"],
            ..Case::default()
        },
        Case {
            name: "model: a vector file given as the model",
            files: vec![("m.etl", fifu.to_vec())],
            args: predict("m.etl", "new.csv", &[]),
            code: 1,
            says: vec!["m.etl:", "not an embed-tl model"],
            ..Case::default()
        },
        Case {
            name: "model: another format version",
            files: vec![(
                "m.etl",
                model
                    .replacen("\"version\":1", "\"version\":99", 1)
                    .into_bytes(),
            )],
            args: predict("m.etl", "new.csv", &[]),
            code: 1,
            says: vec!["m.etl: model format version 99"],
            ..Case::default()
        },
        Case {
            name: "model: damaged field",
            files: vec![(
                "m.etl",
                model
                    .replacen("\"classes\":[", "\"classes\":7,\"x\":[", 1)
                    .into_bytes(),
            )],
            args: predict("m.etl", "new.csv", &[]),
            code: 1,
            says: vec!["m.etl: damaged model file"],
            ..Case::default()
        },
        Case {
            name: "model: other vectors than the training ones",
            files: vec![("m.etl", model_bytes.clone())],
            args: {
                let other = data("original-tools/w2v_c_tiny.txt").display().to_string();
                s(&[
                    "predict",
                    "--model",
                    "m.etl",
                    "--vectors",
                    &other,
                    "--input",
                    "new.csv",
                    "--output",
                    "out.csv",
                ])
            },
            code: 1,
            says: vec![
                "m.etl with",
                "w2v_c_tiny.txt",
                "not the ones the model was trained with",
            ],
            ..Case::default()
        },
        Case {
            name: "model: needs vectors, none given",
            files: vec![("m.etl", model_bytes.clone())],
            args: s(&[
                "predict", "--model", "m.etl", "--input", "new.csv", "--output", "out.csv",
            ]),
            code: 1,
            says: vec!["m.etl with no vectors", "needs the 50-d word vectors"],
            ..Case::default()
        },
        // --- rows to score --------------------------------------------------
        Case {
            name: "predict: row with too many fields",
            files: vec![
                ("m.etl", model_bytes.clone()),
                ("in.csv", b"id,text\n1,a\n2,b,c\n".to_vec()),
            ],
            args: predict("m.etl", "in.csv", &[]),
            code: 1,
            says: vec!["in.csv: line 3: expected 2 fields, found 3", "--skip-bad"],
            ..Case::default()
        },
        Case {
            name: "predict: row over the size limit",
            files: vec![
                ("m.etl", model_bytes.clone()),
                (
                    "in.csv",
                    format!("id,text\n1,{}\n", "x".repeat(5000)).into_bytes(),
                ),
            ],
            args: predict("m.etl", "in.csv", &["--max-row-bytes", "4096"]),
            code: 1,
            says: vec!["in.csv: line 2: row longer than 4096 bytes"],
            ..Case::default()
        },
        Case {
            name: "predict: invalid UTF-8 in the text field",
            files: vec![
                ("m.etl", model_bytes.clone()),
                ("in.csv", b"id,text\n1,\xff\xfe\n".to_vec()),
            ],
            args: predict("m.etl", "in.csv", &[]),
            code: 1,
            says: vec!["in.csv: line 2: field 2: invalid UTF-8"],
            ..Case::default()
        },
        Case {
            name: "predict: JSONL record without text",
            files: vec![
                ("m.etl", model_bytes.clone()),
                ("in.jsonl", b"{\"id\":1}\n".to_vec()),
            ],
            args: predict("m.etl", "in.jsonl", &[]),
            code: 1,
            says: vec!["in.jsonl: line 1: no field 'text'"],
            ..Case::default()
        },
        Case {
            name: "predict: no such text column",
            files: vec![
                ("m.etl", model_bytes.clone()),
                ("in.csv", b"id,body\n1,a\n".to_vec()),
            ],
            args: predict("m.etl", "in.csv", &[]),
            code: 1,
            says: vec!["in.csv: line 1: no column 'text'; columns found: id, body"],
            ..Case::default()
        },
        // --- flags ----------------------------------------------------------
        Case {
            name: "flag: --folds 1",
            files: vec![("t.csv", good_train.clone())],
            args: s(&[
                "classify",
                "--train",
                "t.csv",
                "--features",
                "ngrams",
                "--folds",
                "1",
                "--save",
                "out.etl",
            ]),
            code: 1,
            says: vec!["--folds must be at least 2"],
            ..Case::default()
        },
        Case {
            name: "flag: unknown pooling",
            files: vec![("t.csv", good_train.clone())],
            args: s(&[
                "classify",
                "--vectors",
                &v,
                "--train",
                "t.csv",
                "--pool",
                "median",
                "--save",
                "out.etl",
            ]),
            code: 2,
            says: vec!["--pool", "median"],
            ..Case::default()
        },
        Case {
            name: "flag: --top-k above the number of classes",
            files: vec![("m.etl", model_bytes.clone())],
            args: predict("m.etl", "new.csv", &["--top-k", "5"]),
            code: 1,
            says: vec!["top-k 5 is more than the model's 2 classes"],
            ..Case::default()
        },
        Case {
            name: "flag: output into a missing directory",
            files: vec![("m.etl", model_bytes.clone())],
            args: {
                let mut a = predict("m.etl", "new.csv", &[]);
                let at = a.iter().position(|x| x == "out.csv").unwrap();
                a[at] = "missing/out.csv".into();
                a
            },
            code: 1,
            says: vec!["missing: directory does not exist"],
            ..Case::default()
        },
        Case {
            name: "flag: vector features without vectors",
            files: vec![("t.csv", good_train.clone())],
            args: s(&[
                "classify",
                "--train",
                "t.csv",
                "--features",
                "vectors",
                "--save",
                "out.etl",
            ]),
            code: 1,
            says: vec!["--vectors"],
            ..Case::default()
        },
        Case {
            name: "flag: unknown input layout",
            files: vec![("m.etl", model_bytes)],
            args: predict("m.etl", "new.csv", &["--input-format", "xml"]),
            code: 2,
            says: vec!["--input-format", "expected csv, tsv or jsonl"],
            ..Case::default()
        },
    ]
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("out.") || n.ends_with(".tmp"))
        .collect()
}

#[test]
fn bad_input_matrix() {
    let setup = tempfile::tempdir().unwrap();
    std::fs::copy(repo("corpora/reviews.csv"), setup.path().join("train.csv")).unwrap();
    embed_tl(setup.path())
        .args(["-q", "classify", "--vectors"])
        .arg(default_vectors())
        .args([
            "--train",
            "train.csv",
            "--folds",
            "2",
            "--c",
            "1",
            "--beta",
            "0.3",
        ])
        .args(["--save", "m.etl"])
        .assert()
        .success();
    let model = std::fs::read_to_string(setup.path().join("m.etl")).unwrap();
    embed_tl(setup.path())
        .args(["-q", "vectors", "convert"])
        .arg(data("original-tools/w2v_c_tiny.txt"))
        .arg("tiny.fifu")
        .assert()
        .success();
    let fifu = std::fs::read(setup.path().join("tiny.fifu")).unwrap();

    let cases = cases(&fifu, &model);
    assert!(cases.len() >= 30, "the matrix has {} rows", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("new.csv"), "id,text\n1,a fine phone\n").unwrap();
        for (name, bytes) in &case.files {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        if let Some(setup) = case.setup {
            setup(dir.path());
        }
        let out = embed_tl(dir.path())
            .args(&case.args)
            .write_stdin(case.stdin.clone().unwrap_or_default())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut problems = Vec::new();
        for part in &case.prints {
            if !stdout.contains(part) {
                problems.push(format!("stdout lacks {part:?}"));
            }
        }
        for (name, bytes) in &case.files {
            if case.changes.contains(name) {
                continue;
            }
            match std::fs::read(dir.path().join(name)) {
                Ok(now) if now == *bytes => {}
                Ok(_) => problems.push(format!("input {name} was changed")),
                Err(e) => problems.push(format!("input {name} is gone: {e}")),
            }
        }
        for (name, parts) in &case.writes {
            match std::fs::read_to_string(dir.path().join(name)) {
                Ok(text) => {
                    for part in parts {
                        if !text.contains(part) {
                            problems.push(format!("{name} lacks {part:?}"));
                        }
                    }
                }
                Err(e) => problems.push(format!("{name} was not written: {e}")),
            }
        }
        if out.status.code() != Some(case.code) {
            problems.push(format!(
                "exit code {:?}, expected {}",
                out.status.code(),
                case.code
            ));
        }
        for part in &case.says {
            if !stderr.contains(part) {
                problems.push(format!("stderr lacks {part:?}"));
            }
        }
        if stderr.contains("panicked") {
            problems.push("panicked".into());
        }
        let left: Vec<String> = leftovers(dir.path())
            .into_iter()
            .filter(|n| !case.writes.iter().any(|(w, _)| w == n))
            .collect();
        if !left.is_empty() {
            problems.push(format!("left behind: {left:?}"));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n  stderr: {}",
                case.name,
                problems.join("; "),
                stderr.trim()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
