//! Subword `.fifu` files used in place (issue 20): a fastText model
//! converted to finalfusion opens memory-mapped and gives unknown words
//! the vectors `fasttext print-word-vectors` printed; every finalfusion
//! subword vocabulary (fastText buckets, finalfusion buckets, explicit
//! n-grams, floret) written by finalfusion itself reads back with
//! finalfusion's vectors and is written again byte for byte; a model
//! trained with the `.bin` accepts the converted `.fifu`; a `.fifu` cut
//! while `predict` has it mapped is an error message, not a crash.

mod common;

use std::collections::HashSet;

use common::{data, embed_tl, print_tolerance};
use embed_tl::pipeline::Fingerprint;
use embed_tl::vectors::{Format, Scale, Vectors};
use finalfusion::compat::fasttext::FastTextIndexer;
use finalfusion::compat::floret::FloretIndexer;
use finalfusion::embeddings::Embeddings;
use finalfusion::io::WriteEmbeddings;
use finalfusion::norms::NdNorms;
use finalfusion::storage::NdArray;
use finalfusion::subword::{BucketIndexer, FinalfusionHashIndexer};
use finalfusion::vocab::{
    BucketSubwordVocab, FastTextSubwordVocab, FloretSubwordVocab, Vocab as _, VocabWrap,
};

/// `ft_sg_tiny.bin` converted by `vectors convert` to a subword `.fifu`:
/// opened memory-mapped, its known and unknown words (`oov_words.txt`:
/// `xyzzy`, `хозяйка`, `Straße`...) are what `fasttext print-word-vectors`
/// printed for the `.bin` (within half a unit of the last printed digit,
/// and 1e-5), and the same f32 bits as the `.bin` gives.
#[test]
fn mapped_fifu_gives_unknown_words_fasttexts_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let bin = data("original-tools/ft_sg_tiny.bin");
    let fifu = dir.path().join("ft.fifu");
    embed_tl(dir.path())
        .args(["-q", "vectors", "convert"])
        .arg(&bin)
        .arg(&fifu)
        .assert()
        .success();
    let info = |file: &std::path::Path| {
        let out = embed_tl(dir.path())
            .args(["vectors", "info"])
            .arg(file)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let about_bin = info(&bin);
    let hint = format!(
        "faster:      `embed-tl vectors convert {} {}` once",
        bin.display(),
        bin.with_extension("fifu").display()
    );
    assert!(about_bin.contains(&hint), "{about_bin}");
    assert!(!about_bin.contains("memory-mapped ("), "{about_bin}");
    let about_fifu = info(&fifu);
    assert!(
        about_fifu.contains("storage:     memory-mapped"),
        "{about_fifu}"
    );
    assert!(about_fifu.contains("subwords:    yes"), "{about_fifu}");
    assert!(!about_fifu.contains("faster:"), "{about_fifu}");

    let mapped = Vectors::open(&fifu).unwrap();
    assert!(mapped.has_subwords());
    assert!(mapped.is_memory_mapped(), "a plain-file .fifu is mapped");
    let from_bin = Vectors::open(&bin).unwrap();
    assert!(
        !from_bin.is_memory_mapped(),
        "the .bin's word rows are computed"
    );

    let printed =
        std::fs::read_to_string(data("original-tools/ft_sg_tiny.expected_word_vectors.txt"))
            .unwrap();
    let known: HashSet<&str> = from_bin.words().collect();
    let mut unknown = 0;
    for line in printed.lines() {
        let mut fields = line.split_whitespace();
        let word = fields.next().unwrap();
        let got = mapped
            .embedding(word, Scale::Original)
            .unwrap_or_else(|| panic!("{word} has no vector"));
        let texts: Vec<&str> = fields.collect();
        assert_eq!(texts.len(), 8, "{word}");
        for (x, text) in got.iter().zip(&texts) {
            let y: f64 = text.parse().unwrap();
            let off = (f64::from(*x) - y).abs();
            assert!(
                off <= print_tolerance(text) && off < 1e-5,
                "{word}: got {got:?}, print-word-vectors printed {texts:?}"
            );
        }
        let same = from_bin.embedding(word, Scale::Original).unwrap();
        assert_eq!(got, same, "{word}: the .fifu and the .bin differ");
        unknown += usize::from(!known.contains(word));
    }
    assert!(unknown >= 3, "only {unknown} unknown words checked");
}

/// A classifier saved with the `.bin` scores with the converted `.fifu`:
/// the fingerprints match (same words, rows, norms and subwords).
#[test]
fn model_trained_with_the_bin_accepts_the_converted_fifu() {
    let dir = tempfile::tempdir().unwrap();
    let bin = data("original-tools/ft_sg_tiny.bin");
    let fifu = dir.path().join("ft.fifu");
    let from_bin = Vectors::open(&bin).unwrap();
    let out = std::fs::File::create(&fifu).unwrap();
    from_bin.write(out, Format::Finalfusion).unwrap();
    let mapped = Vectors::open(&fifu).unwrap();
    let (a, b) = (Fingerprint::of(&from_bin), Fingerprint::of(&mapped));
    a.check(&b).unwrap();
    assert_eq!(a.values_sha256, b.values_sha256);
    assert!(b.subwords);

    std::fs::write(
        dir.path().join("train.csv"),
        "text,label\nthe king rules,a\nthe queen rules,a\na dog barks,b\nthe cat sleeps,b\n\
         the kingdom,a\nmy dog,b\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("new.csv"),
        "id,text\n1,kingdoms\n2,xyzzy dogs\n",
    )
    .unwrap();
    embed_tl(dir.path())
        .args(["-q", "classify", "--vectors"])
        .arg(&bin)
        .args(["--train", "train.csv", "--folds", "2", "--c", "1"])
        .args(["--save", "m.etl"])
        .assert()
        .success();
    embed_tl(dir.path())
        .args(["-q", "predict", "--model", "m.etl", "--vectors"])
        .arg(&fifu)
        .args(["--input", "new.csv", "--output", "out.csv"])
        .assert()
        .success();
    let scored = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert_eq!(scored.lines().count(), 3, "{scored}");
}

/// Seeded values in [-1, 1).
fn values(n: usize, seed: u64) -> Vec<f32> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// A finalfusion file of `vocab` written by finalfusion: unit word rows
/// with their norms, then the n-gram rows.
fn finalfusion_file(vocab: VocabWrap, dims: usize) -> Vec<u8> {
    let words = vocab.words_len();
    let rows = vocab.vocab_len();
    let mut matrix = values(rows * dims, rows as u64);
    let mut norms = Vec::with_capacity(words);
    for row in matrix.chunks_exact_mut(dims).take(words) {
        let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        row.iter_mut().for_each(|v| *v /= norm);
        norms.push(norm * 3.0);
    }
    let storage = NdArray::new(ndarray15::Array2::from_shape_vec((rows, dims), matrix).unwrap());
    let norms = NdNorms::new(ndarray15::Array1::from(norms));
    let mut out = std::io::Cursor::new(Vec::new());
    Embeddings::new(None, vocab, storage, norms)
        .write_embeddings(&mut out)
        .unwrap();
    out.into_inner()
}

/// Each kind of finalfusion subword vocabulary, written by finalfusion:
/// opened from the file (memory-mapped) and from bytes in memory, every
/// known and unknown word has finalfusion's unit vector, and writing it
/// again gives finalfusion's bytes.
#[test]
fn every_subword_vocabulary_reads_as_finalfusion_reads_it() {
    let words: Vec<String> = ["the", "king", "queen", "kingdom", "dog", "Straße", "</s>"]
        .iter()
        .map(|w| w.to_string())
        .collect();
    let fasttext = FastTextSubwordVocab::new(words.clone(), 3, 5, FastTextIndexer::new(997));
    let (explicit, _) = fasttext.to_explicit().unwrap();
    let vocabs: Vec<(&str, VocabWrap)> = vec![
        ("fastText buckets", fasttext.into()),
        (
            "finalfusion buckets",
            BucketSubwordVocab::new(words.clone(), 2, 4, FinalfusionHashIndexer::new(10)).into(),
        ),
        ("explicit n-grams", explicit.into()),
        (
            "floret",
            FloretSubwordVocab::new_with_boundaries(
                Vec::<String>::new(),
                3,
                5,
                FloretIndexer::new(1000, 2, 42),
                "<",
                ">",
            )
            .into(),
        ),
    ];
    let dims = 6;
    let dir = tempfile::tempdir().unwrap();
    for (kind, vocab) in vocabs {
        let bytes = finalfusion_file(vocab, dims);
        let path = dir.path().join("v.fifu");
        std::fs::write(&path, &bytes).unwrap();
        let expected = {
            use finalfusion::io::ReadEmbeddings;
            let mut cursor = std::io::Cursor::new(&bytes);
            Embeddings::<VocabWrap, NdArray>::read_embeddings(&mut cursor).unwrap()
        };
        let mapped = Vectors::open(&path).unwrap();
        let in_memory = Vectors::read(&bytes[..], Format::Finalfusion, false).unwrap();
        assert!(mapped.is_memory_mapped(), "{kind}");
        for v in [&mapped, &in_memory] {
            assert!(v.has_subwords(), "{kind}");
            assert_eq!(v.len(), expected.vocab().words_len(), "{kind}");
            let mut unknown_with_vector = 0;
            for word in [
                "the", "dog", "kingdoms", "xyzzy", "Strasse", "queens", "ab", "</s>",
            ] {
                let want = expected.embedding(word);
                let got = v.embedding(word, Scale::Unit);
                assert_eq!(got.is_some(), want.is_some(), "{kind} {word}");
                let (Some(got), Some(want)) = (got, want) else {
                    continue;
                };
                unknown_with_vector += usize::from(v.index(word).is_none());
                for (x, y) in got.iter().zip(want.iter()) {
                    assert!((x - y).abs() < 1e-6, "{kind} {word}: {got:?} vs {want}");
                }
            }
            assert!(unknown_with_vector >= 3, "{kind}: {unknown_with_vector}");
            let mut again = std::io::Cursor::new(Vec::new());
            v.write(&mut again, Format::Finalfusion).unwrap();
            assert!(
                again.into_inner() == bytes,
                "{kind}: rewritten bytes differ"
            );
        }
    }
}

/// A subword `.fifu` cut to nothing while `predict` has it mapped: the
/// next read of its rows is a SIGBUS, which the binary turns into an
/// error message and exit status 135, leaving no output file behind
/// (issue 20: "the memory map never turns a bad file into SIGBUS").
/// The texts come through a FIFO, which `predict` opens only after it
/// has loaded the model and mapped the vectors: the file is cut once it
/// is waiting there, then the texts are written.
#[cfg(unix)]
#[test]
fn subword_fifu_cut_while_mapped_is_an_error_not_a_crash() {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let fifu = dir.path().join("ft.fifu");
    embed_tl(dir.path())
        .args(["-q", "vectors", "convert"])
        .arg(data("original-tools/ft_sg_tiny.bin"))
        .arg(&fifu)
        .assert()
        .success();
    std::fs::write(
        dir.path().join("train.csv"),
        "text,label\nthe king rules,a\nthe queen rules,a\na dog barks,b\nthe cat sleeps,b\n",
    )
    .unwrap();
    embed_tl(dir.path())
        .args(["-q", "classify", "--vectors", "ft.fifu"])
        .args(["--train", "train.csv", "--folds", "2", "--c", "1"])
        .args(["--save", "m.etl"])
        .assert()
        .success();
    let texts = dir.path().join("texts.csv");
    let status = std::process::Command::new("mkfifo")
        .arg(&texts)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo");

    let mut predict = std::process::Command::new(env!("CARGO_BIN_EXE_embed-tl"))
        .current_dir(dir.path())
        .args(["-q", "predict", "--model", "m.etl", "--vectors", "ft.fifu"])
        .args(["--input", "texts.csv", "--output", "out.csv"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A non-blocking open for writing succeeds once a reader has the FIFO
    // open (ENXIO before): then predict is past loading the vectors.
    let start = Instant::now();
    let mut writer = loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&texts)
        {
            Ok(writer) => break writer,
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                if predict.try_wait().unwrap().is_some() {
                    let out = predict.wait_with_output().unwrap();
                    panic!(
                        "predict stopped before reading its input: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                assert!(
                    start.elapsed() < Duration::from_secs(60),
                    "predict never opened its input"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("opening the FIFO: {e}"),
        }
    };
    std::fs::OpenOptions::new()
        .write(true)
        .open(&fifu)
        .unwrap()
        .set_len(0)
        .unwrap();
    writer
        .write_all(b"id,text\n1,xyzzy kingdoms\n2,the king\n")
        .unwrap();
    drop(writer);
    let out = predict.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(135), "{stderr}");
    assert!(
        stderr.contains("a memory-mapped input file changed or was truncated while being read"),
        "{stderr}"
    );
    assert!(!dir.path().join("out.csv").exists());
    assert_eq!(
        common::files(dir.path()),
        ["ft.fifu", "m.etl", "texts.csv", "train.csv"],
        "a temporary output file was left behind"
    );
}
