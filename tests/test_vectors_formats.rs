//! Every real-format fixture opens through `Vectors::open` without a format
//! flag, with the right size; fastText subword vectors match what fastText
//! itself prints.

mod common;

use common::{data, read_word_vectors};
use embed_tl::vectors::{Compression, Format, OpenOptions, Scale, Vectors};

#[test]
fn each_fixture_format_is_sniffed_and_sized() {
    // (file, format, compression, words, dims, subwords)
    let cases = [
        (
            "original-tools/w2v_c_tiny.bin",
            Format::Word2VecBinary,
            Compression::None,
            57,
            8,
            false,
        ),
        (
            "original-tools/w2v_c_tiny.txt",
            Format::Word2VecText,
            Compression::None,
            57,
            8,
            false,
        ),
        (
            "original-tools/glove_c_tiny.txt",
            Format::Glove,
            Compression::None,
            57,
            8,
            false,
        ),
        (
            "original-tools/ft_sg_tiny.bin",
            Format::FastText,
            Compression::None,
            57,
            8,
            true,
        ),
        (
            "original-tools/ft_sg_tiny.vec",
            Format::Word2VecText,
            Compression::None,
            57,
            8,
            false,
        ),
        (
            "original-tools/ft_cbow_tiny.bin",
            Format::FastText,
            Compression::None,
            57,
            8,
            true,
        ),
        (
            "original-tools/ft_cbow_tiny.vec",
            Format::Word2VecText,
            Compression::None,
            57,
            8,
            false,
        ),
        (
            "finalfusion/similarity.bin",
            Format::Word2VecBinary,
            Compression::None,
            41,
            100,
            false,
        ),
        (
            "finalfusion/analogy.bin",
            Format::Word2VecBinary,
            Compression::None,
            43,
            100,
            false,
        ),
        (
            "finalfusion/similarity.txt",
            Format::Word2VecText,
            Compression::None,
            41,
            100,
            false,
        ),
        (
            "finalfusion/similarity.nodims",
            Format::Glove,
            Compression::None,
            41,
            100,
            false,
        ),
        (
            "finalfusion/fasttext.bin",
            Format::FastText,
            Compression::None,
            157,
            50,
            true,
        ),
        (
            "glove-samples/fake_embeddings.5d.txt",
            Format::Glove,
            Compression::None,
            15,
            5,
            false,
        ),
        (
            "glove-samples/fake_embeddings.5d.txt.gz",
            Format::Glove,
            Compression::Gzip,
            15,
            5,
            false,
        ),
        (
            "glove-samples/fake_embeddings.5d.txt.bz2",
            Format::Glove,
            Compression::Bzip2,
            15,
            5,
            false,
        ),
        (
            "glove-samples/glove.6B.100d.sample.txt.gz",
            Format::Glove,
            Compression::Gzip,
            100,
            100,
            false,
        ),
        (
            "glove-samples/glove.6B.300d.sample.txt.gz",
            Format::Glove,
            Compression::Gzip,
            100,
            300,
            false,
        ),
    ];
    for (file, format, compression, words, dims, subwords) in cases {
        let v = Vectors::open(data(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(v.format(), format, "{file}");
        assert_eq!(v.compression(), compression, "{file}");
        assert_eq!(v.len(), words, "{file}");
        assert_eq!(v.dims(), dims, "{file}");
        assert_eq!(v.has_subwords(), subwords, "{file}");
    }
}

/// The word2vec.c binary and text outputs of the same model agree (to the
/// 6 decimals the text has), and so do word2vec.c's `</s>` first row.
#[test]
fn word2vec_binary_and_text_agree() {
    let bin = Vectors::open(data("original-tools/w2v_c_tiny.bin")).unwrap();
    let txt = Vectors::open(data("original-tools/w2v_c_tiny.txt")).unwrap();
    assert!(bin.words().eq(txt.words()));
    assert_eq!(bin.word(0), "</s>");
    for word in bin.words() {
        let a = bin.embedding(word, Scale::Original).unwrap();
        let b = txt.embedding(word, Scale::Original).unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 2e-6, "{word}: {x} vs {y}");
        }
    }
}

/// Original-scale vectors are the values in the file.
#[test]
fn original_scale_reproduces_the_file() {
    let v = Vectors::open(data("original-tools/glove_c_tiny.txt")).unwrap();
    for (word, expected) in read_word_vectors(&data("original-tools/glove_c_tiny.txt")) {
        let got = v.embedding(&word, Scale::Original).unwrap();
        for (x, y) in got.iter().zip(&expected) {
            assert!((x - y).abs() < 1e-5, "{word}: {x} vs {y}");
        }
    }
}

/// `fasttext print-word-vectors ft_sg_tiny.bin` output, for known, unknown
/// and non-ASCII words, reproduced to 1e-4.
#[test]
fn fasttext_subword_vectors_match_fasttext() {
    let v = Vectors::open(data("original-tools/ft_sg_tiny.bin")).unwrap();
    let expected = read_word_vectors(&data("original-tools/ft_sg_tiny.expected_word_vectors.txt"));
    assert_eq!(expected.len(), 7);
    for (word, want) in expected {
        let got = v
            .embedding(&word, Scale::Original)
            .unwrap_or_else(|| panic!("{word} has no vector"));
        for (x, y) in got.iter().zip(&want) {
            assert!(
                (x - y).abs() < 1e-4,
                "{word}: got {got:?}, fastText printed {want:?}"
            );
        }
    }
}

/// The `.vec` fastText wrote beside each `.bin` holds every known word's
/// vector: our `.bin` reader must agree with it for all 57 words.
#[test]
fn fasttext_bin_agrees_with_its_vec() {
    for model in ["ft_sg_tiny", "ft_cbow_tiny"] {
        let bin = Vectors::open(data(&format!("original-tools/{model}.bin"))).unwrap();
        let vec = read_word_vectors(&data(&format!("original-tools/{model}.vec")));
        for (word, want) in vec.iter().skip(1) {
            let got = bin.embedding(word, Scale::Original).unwrap();
            for (x, y) in got.iter().zip(want) {
                assert!(
                    (x - y).abs() < 1e-4,
                    "{model} {word}: got {got:?}, .vec has {want:?}"
                );
            }
        }
    }
}

#[test]
fn invalid_utf8_words_fail_unless_lossy() {
    for (file, place) in [
        ("finalfusion/utf8-incomplete.txt", "line 2"),
        ("finalfusion/utf8-incomplete.dims", "line 3"),
        ("finalfusion/utf8-incomplete.bin", "byte 26"),
    ] {
        let err = Vectors::open(data(file)).unwrap_err().to_string();
        assert!(
            err.contains(file) && err.contains(place) && err.contains("invalid UTF-8"),
            "{err}"
        );
        let lossy = OpenOptions {
            lossy: true,
            ..OpenOptions::default()
        };
        let v = Vectors::open_with(data(file), &lossy).unwrap();
        assert_eq!(v.len(), 3, "{file}");
        assert_eq!(v.report().lossy_words, 1, "{file}");
        assert!(v.words().any(|w| w.contains('\u{fffd}')), "{file}");
    }
}

#[test]
fn unit_vectors_have_unit_length() {
    let v = Vectors::open(data("original-tools/ft_sg_tiny.bin")).unwrap();
    for word in ["king", "xyzzy", "Straße"] {
        let e = v.embedding(word, Scale::Unit).unwrap();
        let norm = e.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{word}: {norm}");
    }
}

/// A product-quantized finalfusion file, written by finalfusion itself
/// from the word2vec.c fixture: read through the precheck, every row is
/// what finalfusion reconstructs. Then three corruptions of the same file
/// (a code naming no centroid, zero codes a row, a row count past the
/// chunk) are errors that say where, not panics inside finalfusion.
#[test]
fn quantized_finalfusion_matches_finalfusion_and_bad_ones_are_errors() {
    use finalfusion::compat::word2vec::ReadWord2Vec;
    use finalfusion::embeddings::{Embeddings, Quantize};
    use finalfusion::io::WriteEmbeddings;
    use finalfusion::storage::{QuantizedArray, Storage};
    use finalfusion::vocab::{SimpleVocab, Vocab};
    use std::io::Cursor;

    let mut reader = std::io::BufReader::new(
        std::fs::File::open(data("original-tools/w2v_c_tiny.bin")).unwrap(),
    );
    let dense = Embeddings::read_word2vec_binary(&mut reader).unwrap();
    let quantized: Embeddings<SimpleVocab, QuantizedArray> = dense
        .quantize::<reductive::pq::Pq<f32>>(4, 2, 10, 1, true)
        .unwrap();
    let mut bytes = Vec::new();
    quantized
        .write_embeddings(&mut Cursor::new(&mut bytes))
        .unwrap();

    let ours = Vectors::read(&bytes[..], Format::Finalfusion, false).unwrap();
    assert_eq!((ours.len(), ours.dims()), (57, 8));
    for (i, word) in quantized.vocab().words().iter().enumerate() {
        let expected = quantized.storage().embedding(i);
        assert_eq!(ours.index(word), Some(i), "{word}");
        for (a, b) in ours.row(i).iter().zip(expected.iter()) {
            assert!((a - b).abs() < 1e-6, "{word}: {a} vs {b}");
        }
    }

    // The quantized chunk (identifier 4): walk the chunks after the
    // header (magic, version, chunk count, the chunk identifiers).
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    let mut chunk = 12 + 4 * u32_at(8) as usize;
    while u32_at(chunk) != 4 {
        let len = u64::from_le_bytes(bytes[chunk + 4..chunk + 12].try_into().unwrap());
        chunk += 12 + len as usize;
    }
    let q_at = chunk + 12 + 8; // after the id, the length, two flags
    assert_eq!(bytes[q_at..q_at + 4], 4u32.to_le_bytes(), "4 codes a row");
    // The codes, 57 rows x 4, end the chunk.
    let len = u64::from_le_bytes(bytes[chunk + 4..chunk + 12].try_into().unwrap());
    let last_code = chunk + 12 + len as usize - 1;
    let mut cases = Vec::new();
    let mut bad_code = bytes.clone();
    bad_code[last_code] = 7;
    cases.push((
        bad_code,
        "quantized matrix row 57 names centroid 7 of 4".to_string(),
    ));
    let mut no_codes = bytes.clone();
    no_codes[q_at..q_at + 4].copy_from_slice(&0u32.to_le_bytes());
    cases.push((
        no_codes,
        format!("byte {q_at}: quantized matrix of 0 codes a row, 8 dimensions"),
    ));
    let mut many_rows = bytes.clone();
    many_rows[q_at + 12..q_at + 20].copy_from_slice(&(1u64 << 40).to_le_bytes());
    cases.push((
        many_rows,
        "quantized matrix of 1099511627776 rows needs".to_string(),
    ));
    for (file, expected) in cases {
        let err = Vectors::read(&file[..], Format::Finalfusion, false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&expected),
            "got '{err}', expected '{expected}'"
        );
    }
}
