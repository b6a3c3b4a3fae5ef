//! Every input a fuzzer ever crashed on (`tests/data/fuzz/<target>/`) and
//! every seed (`fuzz/seeds/<target>/`), run through the same code as its
//! `fuzz/` target: each must now give a result or an error, never a panic.
//! The folders are found from the targets, and a missing one fails.

mod common;

use std::path::{Path, PathBuf};

use embed_tl::corpus::stream::{Limits, Row, RowReader};
use embed_tl::corpus::{Column, CorpusFormat};
use embed_tl::pipeline::Pipeline;
use embed_tl::vectors::Format;
use embed_tl::Vectors;

/// A folder's files, sorted; panics when the folder is missing or empty.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no files", dir.display());
    files
}

/// The names of the subfolders of `dir`, or of its files with extension
/// `ext`, sorted.
fn names_in(dir: &Path, ext: Option<&str>) -> Vec<String> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| match ext {
            Some(ext) => p.extension().is_some_and(|e| e == ext),
            None => p.is_dir(),
        })
        .map(|p| p.file_stem().unwrap().to_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// Every fuzz target (`fuzz/fuzz_targets/<target>.rs`).
fn targets() -> Vec<String> {
    names_in(&common::repo("fuzz/fuzz_targets"), Some("rs"))
}

/// The inputs of one fuzz target: its seeds (`fuzz/seeds/<target>/`, which
/// must hold some) and every input it ever failed on
/// (`tests/data/fuzz/<target>/`, for a target that has failed). A missing
/// or renamed folder fails the test instead of turning a loop into one that
/// runs nothing; [`every_folder_names_a_fuzz_target`] catches a regression
/// folder that no target reads.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = files_in(&common::repo("fuzz/seeds").join(target));
    let regressions = common::data("fuzz").join(target);
    if regressions.exists() {
        files.extend(files_in(&regressions));
    }
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// The folders of seeds and of regressions are named after the fuzz
/// targets: every target has seeds, and no folder of either kind is left
/// unread because its target was renamed or removed.
#[test]
fn every_folder_names_a_fuzz_target() {
    let targets = targets();
    assert!(targets.len() >= 7, "fuzz/fuzz_targets: {targets:?}");
    assert_eq!(names_in(&common::repo("fuzz/seeds"), None), targets);
    let regressions = names_in(&common::data("fuzz"), None);
    assert!(!regressions.is_empty(), "tests/data/fuzz: no folders");
    for folder in regressions {
        assert!(
            targets.contains(&folder),
            "tests/data/fuzz/{folder} names no fuzz target (fuzz/fuzz_targets: {targets:?})"
        );
    }
}

/// Each fuzz target's inputs, through the same code as the target.
#[test]
fn every_fuzz_target_input_gives_a_result_or_an_error() {
    let mut ran = 0;
    for target in targets() {
        let inputs = inputs(&target);
        ran += inputs.len();
        for (path, bytes) in inputs {
            run(&target, &path, &bytes);
        }
    }
    // Every seed and every regression file (each is checked above to belong
    // to a target).
    let committed: usize = [common::repo("fuzz/seeds"), common::data("fuzz")]
        .iter()
        .flat_map(|root| names_in(root, None).into_iter().map(move |t| root.join(t)))
        .map(|dir| files_in(&dir).len())
        .sum();
    assert_eq!(ran, committed);
}

/// One input through the code of fuzz target `target`.
fn run(target: &str, path: &Path, bytes: &[u8]) {
    match target {
        "model" => model_file(path, bytes),
        "vectors_text" => vector_file(path, bytes, &[Format::Glove, Format::Word2VecText]),
        "vectors_word2vec_binary" => vector_file(path, bytes, &[Format::Word2VecBinary]),
        "vectors_fasttext" => vector_file(path, bytes, &[Format::FastText]),
        "vectors_finalfusion" => vector_file(path, bytes, &[Format::Finalfusion]),
        "vectors_open" => opened_vector_file(path, bytes),
        "corpus" => corpus_file(path, bytes),
        other => panic!("fuzz target {other} has no runner in {}", file!()),
    }
}

fn model_file(path: &Path, bytes: &[u8]) {
    if let Ok(model) = Pipeline::load(bytes) {
        if let Ok(labels) = model.predict(None, &["a fine phone", ""]) {
            assert!(
                labels.iter().all(|&l| l < model.classes().len()),
                "{path:?}"
            );
        }
    }
}

fn vector_file(path: &Path, bytes: &[u8], formats: &[Format]) {
    for &format in formats {
        if let Ok(v) = Vectors::read(bytes, format, true) {
            for i in 0..v.len().min(64) {
                assert_eq!(v.row(i).len(), v.dims(), "{path:?}");
            }
        }
    }
}

fn opened_vector_file(path: &Path, bytes: &[u8]) {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, bytes).unwrap();
    if let Ok(v) = Vectors::open(file.path()) {
        assert!(v.dims() > 0, "{path:?}");
    }
}

fn corpus_file(path: &Path, bytes: &[u8]) {
    let Some((&selector, bytes)) = bytes.split_first() else {
        return;
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
