//! Bad vector files get a clear error naming the file and the place, never
//! a panic.

mod common;

use common::data;
use embed_tl::vectors::{Format, Vectors};

fn truncated(file: &str, keep: usize) -> Vec<u8> {
    let bytes = std::fs::read(data(file)).unwrap();
    bytes[..keep.min(bytes.len())].to_vec()
}

fn cut_end(file: &str, drop: usize) -> Vec<u8> {
    let bytes = std::fs::read(data(file)).unwrap();
    bytes[..bytes.len() - drop].to_vec()
}

#[test]
fn each_bad_input_names_file_place_and_expectation() {
    // (name, content, expected message part)
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.txt", b"".to_vec(), "empty.txt: empty file"),
        ("blank.txt", b"\n\n  \n".to_vec(), "blank.txt: empty file"),
        (
            "unknown.dat",
            b"hello world\n".to_vec(),
            "unknown vector format",
        ),
        (
            "old-fasttext.bin",
            [300u32, 5, 5, 0]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
            "before 2017",
        ),
        (
            "short-row.txt",
            b"a 1 2 3\nb 1 2\n".to_vec(),
            "short-row.txt: line 2: expected a word and 3 values, found 2 values",
        ),
        (
            "long-row.txt",
            b"a 1 2 3\nb 1 2 3 4\n".to_vec(),
            "line 2: expected 3 values after the word, found 4",
        ),
        (
            "not-number.txt",
            b"a 1 2 3\nb 1 two 3\n".to_vec(),
            "line 2: value 2 is not a number: 'two'",
        ),
        (
            "nan.txt",
            b"a 1 2 3\nb 1 NaN 3\n".to_vec(),
            "line 2: value 2 is not a finite number: 'NaN'",
        ),
        (
            "inf.txt",
            b"a 1 2 3\nb 1 2 -inf\n".to_vec(),
            "line 2: value 3 is not a finite number: '-inf'",
        ),
        (
            "header-dims.vec",
            b"2 4\na 1 2 3\nb 1 2 3\n".to_vec(),
            "header-dims.vec: line 2: expected a word and 4 values, found 3 values",
        ),
        (
            "header-rows.vec",
            b"5 3\na 1 2 3\nb 1 2 3\n".to_vec(),
            "line 1: header promises 5 words, file has 2 (truncated file?)",
        ),
        (
            "huge-dims.vec",
            b"1 1000000000\na 1\n".to_vec(),
            "line 1: header says 1000000000 dimensions",
        ),
        (
            "bad-utf8.txt",
            b"a 1 2\nb\xc3 1 2\n".to_vec(),
            "line 2: invalid UTF-8",
        ),
        (
            "truncated-w2v.bin",
            cut_end("original-tools/w2v_c_tiny.bin", 20),
            "file ends inside the vector of",
        ),
        (
            "truncated-w2v-word.bin",
            truncated("original-tools/w2v_c_tiny.bin", 45),
            "byte 43: file ends inside word 2 of 57",
        ),
        (
            "truncated-vec.vec",
            cut_end("original-tools/ft_sg_tiny.vec", 300),
            "line 55: expected a word and 8 values, found 1 value",
        ),
        (
            "truncated-fasttext.bin",
            truncated("original-tools/ft_sg_tiny.bin", 2000),
            "truncated-fasttext.bin: ",
        ),
        (
            "truncated.fifu",
            truncated("../../embeddings/glove.6B.50d.top50k.fifu", 5000),
            "truncated.fifu: ",
        ),
        (
            "lying-w2v.bin",
            b"1000000000000 8\n".to_vec(),
            "header promises 1000000000000 words, file has 0",
        ),
    ];
    let mut lying_binary = b"1000000000000 2\na ".to_vec();
    lying_binary.extend(1f32.to_le_bytes());
    lying_binary.extend(0f32.to_le_bytes());
    cases.push((
        "lying-binary.bin",
        lying_binary,
        "byte 26: file ends after 1 of 1000000000000 words",
    ));
    let dir = tempfile::tempdir().unwrap();
    for (name, content, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &content).unwrap();
        let err = match Vectors::open(&path) {
            Ok(v) => panic!("{name}: opened as {v:?}"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains(name),
            "{name}: message does not name the file: {err}"
        );
        assert!(
            err.contains(expected),
            "{name}: got '{err}', expected '{expected}'"
        );
    }
}

#[test]
fn missing_file_is_an_error() {
    let err = Vectors::open("no/such/vectors.txt")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("no/such/vectors.txt:"), "{err}");
}

/// A fastText model cut short anywhere is an error, never a smaller model:
/// fastText reads the output matrix after the input matrix, so a file
/// without (all of) it is truncated even though our vectors do not use it.
#[test]
fn fasttext_models_cut_anywhere_are_refused() {
    for file in [
        "original-tools/ft_cbow_tiny.bin",
        "original-tools/ft_sg_tiny.bin",
    ] {
        let bytes = std::fs::read(data(file)).unwrap();
        assert!(Vectors::read(&bytes[..], Format::FastText, false).is_ok());
        // Every cut in the last 2,000 bytes (the output matrix and the end
        // of the input matrix), every 37th before.
        let len = bytes.len();
        let cuts = (1..2000).chain((2000..len).step_by(37));
        for cut in cuts {
            let keep = len - cut;
            if let Ok(v) = Vectors::read(&bytes[..keep], Format::FastText, false) {
                panic!("{file} without its last {cut} bytes opened as {v:?}");
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.bin");
    let bytes = std::fs::read(data("original-tools/ft_cbow_tiny.bin")).unwrap();
    for (cut, expected) in [
        (
            1,
            "byte 66824: file ends inside the 57 x 8 output matrix (truncated file?)",
        ),
        (
            1830,
            "byte 66816: file ends inside the output matrix header",
        ),
        (
            1841,
            "byte 66807: file ends inside the output quantization flag",
        ),
    ] {
        std::fs::write(&path, &bytes[..bytes.len() - cut]).unwrap();
        let err = Vectors::open(&path).unwrap_err().to_string();
        assert!(
            err.contains(&format!("cut.bin: {expected}")),
            "cut {cut}: {err}"
        );
    }
}
