//! `vectors convert` preserves values: every real fixture written by the
//! original tools, and the shipped `.fifu`, converted by the real binary to
//! every format it writes and back, gives the same words and the same f32
//! bits.
//!
//! "The values a file holds" are read by a reader independent of ours, so
//! that the claim does not rest on our own parser: text files with Rust's
//! `str::parse::<f32>`, word2vec binary files byte by byte (little-endian
//! f32s), finalfusion files with finalfusion's own reader (the stored unit
//! row times its norm, `embedding_with_norm(..).into_unnormalized()`, which
//! is exactly the stored row for a file without norms). fastText `.bin`
//! models cannot be written; for them the reference is what
//! `Vectors::open` gives (finalfusion's reader plus the `</s>` fix).

mod common;

use std::io::BufReader;
use std::path::{Path, PathBuf};

use common::{data, default_vectors, embed_tl, repo};
use embed_tl::pipeline::Fingerprint;
use embed_tl::vectors::{Format, Scale, Vectors};
use finalfusion::embeddings::Embeddings;
use finalfusion::io::ReadEmbeddings;
use finalfusion::storage::StorageWrap;
use finalfusion::vocab::{Vocab, VocabWrap};

/// Words and the bits of their original-scale values, in file order.
type Rows = Vec<(String, Vec<u32>)>;

const OUTPUTS: [Format; 4] = [
    Format::Finalfusion,
    Format::Word2VecBinary,
    Format::Word2VecText,
    Format::Glove,
];

fn extension(format: Format) -> &'static str {
    match format {
        Format::Finalfusion => "fifu",
        Format::Word2VecBinary => "bin",
        Format::Word2VecText => "vec",
        Format::Glove => "txt",
        Format::FastText => unreachable!("not written"),
    }
}

/// The rows of `path` (of `format`), read independently of our readers.
fn read_independently(path: &Path, format: Format) -> Rows {
    let bits = |values: Vec<f32>| values.into_iter().map(f32::to_bits).collect::<Vec<u32>>();
    match format {
        Format::Glove | Format::Word2VecText => {
            let text = std::fs::read_to_string(path).unwrap();
            let mut lines = text.lines();
            if format == Format::Word2VecText {
                lines.next();
            }
            lines
                .filter(|l| !l.trim().is_empty())
                .map(|line| {
                    let mut fields = line.split_ascii_whitespace();
                    let word = fields.next().unwrap().to_string();
                    let values = fields.map(|v| v.parse::<f32>().unwrap()).collect();
                    (word, bits(values))
                })
                .collect()
        }
        Format::Word2VecBinary => {
            let bytes = std::fs::read(path).unwrap();
            let end = bytes.iter().position(|&b| b == b'\n').unwrap();
            let header = std::str::from_utf8(&bytes[..end]).unwrap();
            let mut header = header
                .split_whitespace()
                .map(|f| f.parse::<usize>().unwrap());
            let (rows, dims) = (header.next().unwrap(), header.next().unwrap());
            let mut at = end + 1;
            let mut out = Vec::with_capacity(rows);
            for _ in 0..rows {
                while bytes[at] == b'\n' {
                    at += 1;
                }
                let space = at + bytes[at..].iter().position(|&b| b == b' ').unwrap();
                let word = String::from_utf8(bytes[at..space].to_vec()).unwrap();
                at = space + 1;
                let values = bytes[at..at + 4 * dims]
                    .chunks_exact(4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                at += 4 * dims;
                out.push((word, values));
            }
            out
        }
        Format::Finalfusion => {
            let mut reader = BufReader::new(std::fs::File::open(path).unwrap());
            let embeddings =
                Embeddings::<VocabWrap, StorageWrap>::read_embeddings(&mut reader).unwrap();
            embeddings
                .vocab()
                .words()
                .iter()
                .map(|word| {
                    let row = embeddings.embedding_with_norm(word).unwrap();
                    (word.clone(), bits(row.into_unnormalized().to_vec()))
                })
                .collect()
        }
        Format::FastText => by_our_reader(path),
    }
}

/// The rows as `Vectors::open` gives them (original scale).
fn by_our_reader(path: &Path) -> Rows {
    let v = Vectors::open(path).unwrap();
    let mut row = vec![0.0; v.dims()];
    (0..v.len())
        .map(|i| {
            v.row_into(i, Scale::Original, &mut row);
            (
                v.word(i).to_string(),
                row.iter().map(|x| x.to_bits()).collect(),
            )
        })
        .collect()
}

/// How many values differ (words compared first).
fn differences(what: &str, expected: &Rows, found: &Rows) -> usize {
    assert_eq!(expected.len(), found.len(), "{what}: number of words");
    let mut differ = 0;
    for ((ew, ev), (fw, fv)) in expected.iter().zip(found) {
        assert_eq!(ew, fw, "{what}: words in order");
        assert_eq!(ev.len(), fv.len(), "{what}: dims of '{ew}'");
        differ += ev.iter().zip(fv).filter(|(a, b)| a != b).count();
    }
    differ
}

fn convert(dir: &Path, from: &Path, to: &str, format: Format) -> PathBuf {
    embed_tl(dir)
        .args(["-q", "vectors", "convert"])
        .arg(from)
        .arg(to)
        .args(["--to", format.name()])
        .assert()
        .success();
    dir.join(to)
}

/// Convert `source` (of `format`) to every output format and back (to
/// `back`, the source's format or fifu for fastText `.bin`), checking the
/// values at each step; returns how many values were compared.
fn round_trips(source: &Path, format: Format, back: Format) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let expected = read_independently(source, format);
    assert!(!expected.is_empty());
    // Our reader agrees with the independent one.
    let ours = by_our_reader(source);
    let name = source.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(differences(&format!("{name} read"), &expected, &ours), 0);
    let mut compared = 0;
    for to in OUTPUTS {
        let out = convert(dir.path(), source, &format!("out.{}", extension(to)), to);
        let what = format!("{name} -> {to}");
        let written = read_independently(&out, to);
        assert_eq!(differences(&what, &expected, &written), 0, "{what}");
        assert_eq!(differences(&what, &expected, &by_our_reader(&out)), 0);
        let again = convert(dir.path(), &out, &format!("back.{}", extension(back)), back);
        let what = format!("{name} -> {to} -> {back}");
        let returned = read_independently(&again, back);
        assert_eq!(differences(&what, &expected, &returned), 0, "{what}");
        compared += 2 * expected.iter().map(|(_, v)| v.len()).sum::<usize>();
    }
    compared
}

#[test]
fn original_tool_fixtures_round_trip_bit_for_bit() {
    let cases = [
        (
            "original-tools/w2v_c_tiny.txt",
            Format::Word2VecText,
            Format::Word2VecText,
        ),
        (
            "original-tools/w2v_c_tiny.bin",
            Format::Word2VecBinary,
            Format::Word2VecBinary,
        ),
        (
            "original-tools/glove_c_tiny.txt",
            Format::Glove,
            Format::Glove,
        ),
        (
            "original-tools/ft_cbow_tiny.vec",
            Format::Word2VecText,
            Format::Word2VecText,
        ),
        (
            "original-tools/ft_sg_tiny.vec",
            Format::Word2VecText,
            Format::Word2VecText,
        ),
        (
            "original-tools/ft_cbow_tiny.bin",
            Format::FastText,
            Format::Finalfusion,
        ),
        (
            "original-tools/ft_sg_tiny.bin",
            Format::FastText,
            Format::Finalfusion,
        ),
    ];
    for (file, format, back) in cases {
        assert!(round_trips(&data(file), format, back) > 0, "{file}");
    }
}

/// word2vec binary files written by word2vec.c come back byte for byte.
#[test]
fn word2vec_binary_comes_back_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let source = data("original-tools/w2v_c_tiny.bin");
    let out = convert(dir.path(), &source, "out.bin", Format::Word2VecBinary);
    assert_eq!(std::fs::read(out).unwrap(), std::fs::read(source).unwrap());
}

/// The first `n` words of the shipped vectors, pruned by the binary (a
/// finalfusion file with the same unit rows and norms).
fn shipped_top(dir: &Path, n: usize) -> PathBuf {
    embed_tl(dir)
        .args(["-q", "vectors", "prune"])
        .arg(default_vectors())
        .args(["--top", &n.to_string(), "top.fifu"])
        .assert()
        .success();
    dir.join("top.fifu")
}

/// fifu -> glove -> fifu -> glove is a fixed point, fifu -> fifu keeps the
/// unit matrix and the norms bit for bit, and every format round-trips.
fn shipped_round_trips(source: &Path) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let compared = round_trips(source, Format::Finalfusion, Format::Finalfusion);

    let copy = convert(dir.path(), source, "copy.fifu", Format::Finalfusion);
    let stored = |path: &Path| {
        let mut reader = BufReader::new(std::fs::File::open(path).unwrap());
        let e = Embeddings::<VocabWrap, StorageWrap>::read_embeddings(&mut reader).unwrap();
        let words = e.vocab().words().to_vec();
        words
            .iter()
            .map(|w| {
                let row = e.embedding_with_norm(w).unwrap();
                let mut bits: Vec<u32> = row.embedding.iter().map(|v| v.to_bits()).collect();
                bits.push(row.norm.to_bits());
                (w.clone(), bits)
            })
            .collect::<Rows>()
    };
    assert_eq!(
        differences("fifu -> fifu, stored", &stored(source), &stored(&copy)),
        0
    );

    let t1 = convert(dir.path(), source, "t1.txt", Format::Glove);
    let f2 = convert(dir.path(), &t1, "f2.fifu", Format::Finalfusion);
    let t2 = convert(dir.path(), &f2, "t2.txt", Format::Glove);
    assert!(
        std::fs::read(&t1).unwrap() == std::fs::read(&t2).unwrap(),
        "fifu -> glove -> fifu -> glove is not a fixed point"
    );

    // A model's fingerprint check accepts the vectors after the trip.
    let before = Fingerprint::of(&Vectors::open(source).unwrap());
    for path in [&t1, &f2] {
        let after = Fingerprint::of(&Vectors::open(path).unwrap());
        before.check(&after).unwrap();
    }
    compared
}

#[test]
fn shipped_vectors_round_trip_bit_for_bit_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let top = shipped_top(dir.path(), 2_000);
    assert_eq!(shipped_round_trips(&top), 8 * 2_000 * 50);
}

/// All 2.5M values of the shipped vectors (about 20 s in a debug build).
#[test]
#[ignore = "slow in debug builds: run with --ignored (or --release)"]
fn shipped_vectors_round_trip_bit_for_bit_full() {
    assert_eq!(shipped_round_trips(&default_vectors()), 8 * 50_000 * 50);
}

/// The regression from issue 12: a model trained on the shipped `.fifu`
/// refused the same vectors converted to GloVe and back ("sampled rows
/// differ"). Now `predict` accepts both.
#[test]
fn model_trained_on_fifu_accepts_the_vectors_converted_to_glove_and_back() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("corpora/reviews.csv"), dir.path().join("train.csv")).unwrap();
    embed_tl(dir.path())
        .args(["-q", "classify", "--vectors"])
        .arg(default_vectors())
        .args(["--train", "train.csv", "--save", "m.etl"])
        .args(["--folds", "2", "--c", "1", "--beta", "0.3"])
        .assert()
        .success();
    std::fs::write(dir.path().join("new.csv"), "id,text\n1,a fine phone\n").unwrap();
    let glove = convert(dir.path(), &default_vectors(), "g.txt", Format::Glove);
    let back = convert(dir.path(), &glove, "g.fifu", Format::Finalfusion);
    for (i, vectors) in [default_vectors(), glove, back].iter().enumerate() {
        embed_tl(dir.path())
            .args(["-q", "predict", "--model", "m.etl", "--vectors"])
            .arg(vectors)
            .args(["--input", "new.csv", "--output"])
            .arg(format!("p{i}.csv"))
            .assert()
            .success();
    }
    let p0 = std::fs::read(dir.path().join("p0.csv")).unwrap();
    assert_eq!(p0, std::fs::read(dir.path().join("p1.csv")).unwrap());
    assert_eq!(p0, std::fs::read(dir.path().join("p2.csv")).unwrap());
}

/// Round trips as a property: random vocabularies (spaces, tabs, line
/// breaks, non-ASCII, byte-order marks, number-like and empty words,
/// duplicates) and random finite values (extremes, subnormals, -0.0,
/// 1e19..1e38), read from a file and written in every format through the
/// library API `vectors convert` uses (`Vectors::read`, `Vectors::write`).
/// Each step either gives back the same words and f32 bits, or refuses
/// with an error naming the word.
mod property {
    use std::io::Cursor;

    use embed_tl::vectors::{Format, Scale, Vectors};
    use finalfusion::embeddings::Embeddings;
    use finalfusion::io::WriteEmbeddings;
    use finalfusion::norms::NdNorms;
    use finalfusion::storage::NdArray;
    use finalfusion::vocab::SimpleVocab;
    use proptest::prelude::*;

    use super::OUTPUTS;

    /// A row: word and values.
    type Row = (String, Vec<f32>);

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-c]{1,3}",
            2 => "[a-c .\t\n\r0-9\u{e9}\u{4e2d}\u{feff}\u{a0}-]{0,5}",
            3 => prop::sample::select(vec![
                "", " ", ". . .", "a\nb", "\nx", "\rx", "x\r", "\u{feff}bom", "nan", "a nan",
                "a 5", "5 a", "1999", "a\tb", "a\t", "</s>", "-0", "1e5", "a  b", "\u{3000}",
            ])
            .prop_map(String::from),
        ]
    }

    fn value() -> impl Strategy<Value = f32> {
        use prop::num::f32::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
        prop_oneof![
            4 => -10.0f32..10.0,
            2 => POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO,
            2 => prop::sample::select(vec![
                f32::MAX, f32::MIN, f32::MIN_POSITIVE, -f32::MIN_POSITIVE, 0.0, -0.0, 1e-45,
                -1e-45, 1e19, -1.8e19, 1.85e19, 0.8461,
            ]),
            1 => 1e19f32..1e38,
            1 => -1e-38f32..1e-38,
        ]
    }

    /// Rows (duplicates possible), and norms for a finalfusion input.
    fn table() -> impl Strategy<Value = (Vec<Row>, Vec<f32>, u8)> {
        (
            1usize..4,
            prop::collection::vec(word(), 1..5),
            any::<bool>(),
        )
            .prop_flat_map(|(dims, mut words, duplicate)| {
                if duplicate {
                    words.push(words[0].clone());
                }
                let n = words.len();
                (
                    prop::collection::vec(prop::collection::vec(value(), dims), n)
                        .prop_map(move |values| words.iter().cloned().zip(values).collect()),
                    prop::collection::vec(prop_oneof![3 => 0.0f32..100.0, 1 => value()], n),
                    0u8..3,
                )
            })
    }

    /// The first row of each word, as every reader keeps it.
    fn first_rows(rows: &[Row]) -> Vec<Row> {
        let mut seen = std::collections::HashSet::new();
        rows.iter()
            .filter(|(w, _)| seen.insert(w.clone()))
            .cloned()
            .collect()
    }

    /// A finalfusion file without norms: the rows are the vectors.
    fn fifu_without_norms(rows: &[Row]) -> Vec<u8> {
        let dims = rows[0].1.len();
        let mut out = b"FiFu".to_vec();
        [0u32, 2, 1, 2]
            .iter()
            .for_each(|v| out.extend(v.to_le_bytes()));
        let vocab_len: usize = 8 + rows.iter().map(|(w, _)| 4 + w.len()).sum::<usize>();
        out.extend(1u32.to_le_bytes());
        out.extend((vocab_len as u64).to_le_bytes());
        out.extend((rows.len() as u64).to_le_bytes());
        for (w, _) in rows {
            out.extend((w.len() as u32).to_le_bytes());
            out.extend(w.as_bytes());
        }
        out.extend(2u32.to_le_bytes());
        let padding = 4 - out.len() % 4;
        let len = 16 + padding + rows.len() * dims * 4;
        out.extend((len as u64).to_le_bytes());
        out.extend((rows.len() as u64).to_le_bytes());
        out.extend((dims as u32).to_le_bytes());
        out.extend(10u32.to_le_bytes());
        out.extend(std::iter::repeat_n(0u8, padding));
        rows.iter()
            .flat_map(|(_, v)| v)
            .for_each(|v| out.extend(v.to_le_bytes()));
        out
    }

    /// A finalfusion file with norms, written by finalfusion itself.
    fn fifu_with_norms(rows: &[Row], norms: &[f32]) -> Vec<u8> {
        let dims = rows[0].1.len();
        let words: Vec<String> = rows.iter().map(|(w, _)| w.clone()).collect();
        let values: Vec<f32> = rows.iter().flat_map(|(_, v)| v.clone()).collect();
        let matrix = ndarray15::Array2::from_shape_vec((rows.len(), dims), values).unwrap();
        let norms = NdNorms::new(ndarray15::Array1::from(norms[..rows.len()].to_vec()));
        let embeddings =
            Embeddings::new(None, SimpleVocab::new(words), NdArray::new(matrix), norms);
        let mut out = Cursor::new(Vec::new());
        embeddings.write_embeddings(&mut out).unwrap();
        out.into_inner()
    }

    /// word2vec binary with every row, duplicates included.
    fn word2vec_binary(rows: &[Row]) -> Vec<u8> {
        let mut out = format!("{} {}\n", rows.len(), rows[0].1.len()).into_bytes();
        for (w, v) in rows {
            out.extend(w.as_bytes());
            out.push(b' ');
            v.iter().for_each(|x| out.extend(x.to_le_bytes()));
            out.push(b'\n');
        }
        out
    }

    fn rows_of(v: &Vectors) -> Vec<(String, Vec<u32>)> {
        let mut row = vec![0.0; v.dims()];
        (0..v.len())
            .map(|i| {
                v.row_into(i, Scale::Original, &mut row);
                (
                    v.word(i).to_string(),
                    row.iter().map(|x| x.to_bits()).collect(),
                )
            })
            .collect()
    }

    fn bits(rows: &[Row]) -> Vec<(String, Vec<u32>)> {
        rows.iter()
            .map(|(w, v)| (w.clone(), v.iter().map(|x| x.to_bits()).collect()))
            .collect()
    }

    /// The message names one of the words (as errors print them).
    fn names_a_word(message: &str, rows: &[Row]) -> bool {
        rows.iter()
            .any(|(w, _)| message.contains(&format!("'{}'", w.escape_debug())))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn convert_round_trips_or_refuses_naming_the_word((rows, norms, kind) in table()) {
            check(&rows, &norms, kind)?;
        }
    }

    /// Hand-picked rows through the same check.
    #[test]
    fn picked_vocabularies_round_trip_or_are_refused() {
        let cases: [(&[&str], f32); 6] = [
            (&["a 5", "b"], 1.0),
            (&["a nan", "b"], 1.0),
            (&["\rx", "b"], 1.0),
            (&["", "b"], 1.0),
            (&["b", "b", "c"], f32::MAX),
            (&["\u{feff}x", "a\tb"], 1e-45),
        ];
        for (words, value) in cases {
            let rows: Vec<Row> = words
                .iter()
                .map(|w| (w.to_string(), vec![value, -0.0]))
                .collect();
            for kind in 0..3 {
                check(&rows, &[1.0; 4], kind).unwrap();
            }
        }
    }

    fn check(rows: &[Row], norms: &[f32], kind: u8) -> Result<(), TestCaseError> {
        {
            let first = first_rows(rows);
            // The input file and the values it holds.
            let (bytes, format, expected) = match kind {
                0 => (
                    fifu_without_norms(&first),
                    Format::Finalfusion,
                    first.clone(),
                ),
                1 => {
                    let scaled: Vec<Row> = first
                        .iter()
                        .zip(norms)
                        .map(|((w, v), n)| (w.clone(), v.iter().map(|x| x * n).collect()))
                        .collect();
                    (fifu_with_norms(&first, norms), Format::Finalfusion, scaled)
                }
                _ => {
                    let probe = Vectors::read(
                        Cursor::new(fifu_without_norms(&first)),
                        Format::Finalfusion,
                        false,
                    );
                    match probe.map(|v| v.check_writable(Format::Word2VecBinary)) {
                        Ok(Ok(())) => {
                            (word2vec_binary(rows), Format::Word2VecBinary, first.clone())
                        }
                        _ => (
                            fifu_without_norms(&first),
                            Format::Finalfusion,
                            first.clone(),
                        ),
                    }
                }
            };
            let vectors = match Vectors::read(Cursor::new(bytes), format, false) {
                Ok(v) => v,
                Err(e) => {
                    let message = e.to_string();
                    prop_assert!(message.contains("too large"), "{message}");
                    prop_assert!(names_a_word(&message, &first), "{message}");
                    return Ok(());
                }
            };
            let expected = bits(&expected);
            prop_assert_eq!(rows_of(&vectors), expected.clone());
            for to in OUTPUTS {
                let mut out = Cursor::new(Vec::new());
                match vectors.write(&mut out, to) {
                    Ok(()) => {
                        let back = Vectors::read(Cursor::new(out.into_inner()), to, false);
                        let back = back.map_err(|e| TestCaseError::fail(format!("{to}: {e}")))?;
                        prop_assert_eq!(rows_of(&back), expected.clone(), "{}", to);
                    }
                    Err(e) => {
                        let message = e.to_string();
                        prop_assert!(to != Format::Finalfusion, "fifu refused: {}", message);
                        prop_assert!(message.contains("cannot write word"), "{}", message);
                        prop_assert!(names_a_word(&message, &first), "{}", message);
                        prop_assert!(out.into_inner().is_empty(), "{to}: wrote before refusing");
                    }
                }
            }
        }
        Ok(())
    }
}
