//! Every input a fuzzer ever crashed on (`tests/data/fuzz/<target>/`), run
//! through the same code as its `fuzz/` target: each must now give a
//! result or an error, never a panic.

mod common;

use std::path::PathBuf;

use embed_tl::corpus::stream::{Limits, Row, RowReader};
use embed_tl::corpus::{Column, CorpusFormat};
use embed_tl::pipeline::Pipeline;
use embed_tl::vectors::Format;
use embed_tl::Vectors;

/// The inputs of one fuzz target: its seeds (`fuzz/seeds/<target>/`) and
/// every input it ever failed on (`tests/data/fuzz/<target>/`), sorted by
/// path. Panics when a target has none, so a renamed or missing folder
/// cannot turn a test into one that runs nothing.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [
        root.join("fuzz/seeds").join(target),
        common::data("fuzz").join(target),
    ] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            files.extend(entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
        }
    }
    files.sort();
    assert!(
        !files.is_empty(),
        "no inputs for fuzz target {target} in fuzz/seeds/{target} or tests/data/fuzz/{target}"
    );
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

#[test]
fn model_files() {
    for (path, bytes) in inputs("model") {
        if let Ok(model) = Pipeline::load(&bytes[..]) {
            if let Ok(labels) = model.predict(None, &["a fine phone", ""]) {
                assert!(
                    labels.iter().all(|&l| l < model.classes().len()),
                    "{path:?}"
                );
            }
        }
    }
}

#[test]
fn vector_files() {
    for (target, formats) in [
        ("vectors_text", &[Format::Glove, Format::Word2VecText][..]),
        ("vectors_word2vec_binary", &[Format::Word2VecBinary][..]),
        ("vectors_fasttext", &[Format::FastText][..]),
        ("vectors_finalfusion", &[Format::Finalfusion][..]),
    ] {
        for (path, bytes) in inputs(target) {
            for &format in formats {
                if let Ok(v) = Vectors::read(&bytes[..], format, true) {
                    for i in 0..v.len().min(64) {
                        assert_eq!(v.row(i).len(), v.dims(), "{path:?}");
                    }
                }
            }
        }
    }
    for (path, bytes) in inputs("vectors_open") {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, &bytes).unwrap();
        if let Ok(v) = Vectors::open(file.path()) {
            assert!(v.dims() > 0, "{path:?}");
        }
    }
}

#[test]
fn corpus_files() {
    for (path, bytes) in inputs("corpus") {
        let Some((&selector, bytes)) = bytes.split_first() else {
            continue;
        };
        let format = CorpusFormat::ALL[usize::from(selector % 5)];
        let header = (selector / 5) % 2 == 0;
        let layout = embed_tl::corpus::stream::Layout {
            header,
            ..format.into()
        };
        let columns = if header || !matches!(format, CorpusFormat::Csv | CorpusFormat::Tsv) {
            [Column::Name("text".into()), Column::Name("label".into())]
        } else {
            [Column::Index(0), Column::Index(1)]
        };
        let limits = Limits {
            max_row_bytes: 256,
            max_fields: 32,
        };
        if let Ok(mut rows) = RowReader::new(bytes, layout, &columns, limits) {
            while let Ok(Some(row)) = rows.next_row() {
                if let Row::Good(r) = row {
                    assert_eq!(r.fields.len(), 2, "{path:?}");
                }
            }
        }
    }
}

/// Two of the fuzzer's finalfusion findings, each now an error that says
/// what is wrong: a timeout (a matrix of 34,359,738,425 x 0 values fits in
/// any chunk, and reading that many empty rows never ended) and a crash (a
/// vocabulary chunk claiming 540 bytes but holding no words made
/// finalfusion read the next chunk header from inside the words, and then
/// divide by zero in a "quantized matrix" it found there). The stream
/// reader and the memory-mapped one both refuse them.
#[test]
fn finalfusion_findings_are_errors_that_say_why() {
    for (file, expected) in [
        (
            "timeout-52b39413ac1544b36ff2aab5108d0e81207cb555",
            "byte 596: matrix of 34359738425 x 0: expected 1 to 100000 columns",
        ),
        (
            "crash-8287dd22f1819758f87ad2784f91e243fa89e1d6",
            "byte 24: chunk 1 says it has 540 bytes, but its contents end after 8",
        ),
    ] {
        let path = common::data("fuzz/vectors_finalfusion").join(file);
        let bytes = std::fs::read(&path).unwrap();
        let err = Vectors::read(&bytes[..], Format::Finalfusion, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{file}: {err}");
        let mut copy = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut copy, &bytes).unwrap();
        assert!(Vectors::open(copy.path()).is_err(), "{file}");
    }
}
