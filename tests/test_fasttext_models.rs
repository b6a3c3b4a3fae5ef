//! Every fastText model a user has (issue 21): models without subwords
//! (`-maxn 0` skipgram, supervised) against what fastText itself prints,
//! and the pre-2017 layout against what gensim gives. Expected values come
//! from those tools (`tests/data/README.md`), never from embed-tl.

mod common;

use std::collections::HashSet;

use common::{data, embed_tl, print_tolerance, read_word_vectors};
use embed_tl::vectors::{Encoding, FastTextKind, Format, OpenOptions, Scale, Vectors};

/// The words of a fastText `.vec` (its header skipped): the model's vocabulary.
fn vec_words(file: &str) -> Vec<(String, Vec<f32>)> {
    read_word_vectors(&data(file)).into_iter().skip(1).collect()
}

/// `(file stem, kind, words, labels)` of the two Debian fastText models
/// without subwords.
const NO_SUBWORDS: [(&str, FastTextKind, usize, usize); 2] = [
    ("ft_sg_maxn0", FastTextKind::Skipgram, 865, 0),
    ("ft_supervised", FastTextKind::Supervised, 1545, 2),
];

#[test]
fn models_without_subwords_give_what_fasttext_prints() {
    for (stem, kind, words, labels) in NO_SUBWORDS {
        let v = Vectors::open(data(&format!("original-tools/{stem}.bin"))).unwrap();
        assert_eq!((v.len(), v.dims()), (words, 8), "{stem}");
        assert!(!v.has_subwords(), "{stem}");
        let model = v.fasttext_model().unwrap();
        assert_eq!(
            (model.kind, model.labels, model.maxn),
            (kind, labels, 0),
            "{stem}"
        );
        assert!(!model.pre_2017);

        let known: HashSet<String> = vec_words(&format!("original-tools/{stem}.vec"))
            .into_iter()
            .map(|(w, _)| w)
            .collect();
        let full = read_word_vectors(&data(&format!(
            "original-tools/{stem}.expected_word_vectors_f32.txt"
        )));
        let printed = std::fs::read_to_string(data(&format!(
            "original-tools/{stem}.expected_word_vectors.txt"
        )))
        .unwrap();
        let printed: Vec<Vec<&str>> = printed
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(full.len(), 12, "{stem}");
        assert_eq!(printed.len(), 12, "{stem}");
        let mut unknown = 0;
        for ((word, want), shown) in full.iter().zip(&printed) {
            assert_eq!(word, shown[0]);
            let got = v.embedding(word, Scale::Original);
            if !known.contains(word) {
                // fastText prints zeros for a word without a vector; we
                // give none, so it counts as uncovered.
                assert!(want.iter().all(|&x| x == 0.0), "{stem} {word}");
                assert_eq!(got, None, "{stem} {word}");
                unknown += 1;
                continue;
            }
            let got = got.unwrap_or_else(|| panic!("{stem}: {word} has no vector"));
            for ((x, y), text) in got.iter().zip(want).zip(&shown[1..]) {
                assert!(
                    (x - y).abs() < 1e-5,
                    "{stem} {word}: got {got:?}, fastText has {want:?}"
                );
                let p: f64 = text.parse().unwrap();
                assert!(
                    (f64::from(*x) - p).abs() <= print_tolerance(text),
                    "{stem} {word}: {x} is not what print-word-vectors printed ({text})"
                );
            }
        }
        assert!(unknown >= 3, "{stem}: only {unknown} unknown words tested");
    }
}

/// Every word of the `.vec` fastText wrote beside each model, in the same
/// order, with the printed values; labels are no words.
#[test]
fn models_without_subwords_agree_with_their_vec() {
    for (stem, _, words, _) in NO_SUBWORDS {
        let v = Vectors::open(data(&format!("original-tools/{stem}.bin"))).unwrap();
        let vec = vec_words(&format!("original-tools/{stem}.vec"));
        assert_eq!(vec.len(), words);
        let text = std::fs::read_to_string(data(&format!("original-tools/{stem}.vec"))).unwrap();
        for ((i, (word, want)), line) in vec.iter().enumerate().zip(text.lines().skip(1)) {
            assert_eq!(v.word(i), word, "{stem} row {i}");
            let got = v.embedding(word, Scale::Original).unwrap();
            for (x, printed) in got.iter().zip(line.split_whitespace().skip(1)) {
                let y: f64 = printed.parse().unwrap();
                assert!(
                    (f64::from(*x) - y).abs() <= print_tolerance(printed),
                    "{stem} {word}: got {got:?}, .vec has {want:?}"
                );
            }
        }
        for label in ["__label__pos", "__label__neg"] {
            assert_eq!(v.index(label), None, "{stem}");
        }
        let (_, found) = v.embedding_batch(&["the", "xyzzy", "__label__pos"], Scale::Unit);
        assert_eq!(found, [true, false, false], "{stem}");
    }
}

/// gensim 4.4.0's `load_facebook_vectors` vectors for known and unknown
/// (subword) words of the pre-2017 test files, within 1e-5.
#[test]
fn pre_2017_models_give_what_gensim_gives() {
    for (stem, words, dims, minn, maxn, buckets) in [
        ("lee_fasttext", 1762, 10, 3, 6, 1000),
        ("non_ascii_fasttext", 171, 2, 2, 4, 10000),
    ] {
        let v = Vectors::open(data(&format!("gensim/{stem}.bin"))).unwrap();
        assert_eq!((v.len(), v.dims()), (words, dims), "{stem}");
        assert!(v.has_subwords(), "{stem}");
        let model = v.fasttext_model().unwrap();
        assert!(model.pre_2017, "{stem}");
        assert_eq!(
            (model.minn, model.maxn, model.buckets),
            (minn, maxn, buckets)
        );
        assert_eq!(model.kind, FastTextKind::Skipgram);
        let expected =
            read_word_vectors(&data(&format!("gensim/{stem}.expected_word_vectors.txt")));
        let (mut known, mut unknown) = (0, 0);
        for (word, want) in &expected {
            match v.index(word) {
                Some(_) => known += 1,
                None => unknown += 1,
            }
            let got = v
                .embedding(word, Scale::Original)
                .unwrap_or_else(|| panic!("{stem}: {word} has no vector"));
            for (x, y) in got.iter().zip(want) {
                assert!(
                    (x - y).abs() < 1e-5,
                    "{stem} {word}: got {got:?}, gensim gives {want:?}"
                );
            }
        }
        assert!(
            known >= 3 && unknown >= 2,
            "{stem}: {known} known, {unknown} unknown"
        );
    }
}

/// `cp852_fasttext.bin` holds its words in code page 852: read strictly it
/// is an error naming the file, the byte and the entry; read with `lossy`
/// each invalid byte becomes `\xNN`, as gensim's default UTF-8 reading
/// does, and every vector (known, escaped, unknown) is gensim's. Its ASCII
/// words are also those gensim gives with `encoding='cp852'`.
#[test]
fn cp852_model_is_refused_naming_the_word_or_read_lossy() {
    let path = data("gensim/cp852_fasttext.bin");
    let err = Vectors::open(&path).unwrap_err().to_string();
    for part in [
        "cp852_fasttext.bin: byte 92: dictionary entry 2 'kter\\xec' is not valid UTF-8",
        "--lossy",
    ] {
        assert!(err.contains(part), "{err}");
    }
    let lossy = OpenOptions {
        lossy: true,
        ..OpenOptions::default()
    };
    let v = Vectors::open_with(&path, &lossy).unwrap();
    assert_eq!((v.len(), v.dims()), (171, 2));
    assert!(v.report().lossy_words > 0);
    assert_eq!(v.word(1), "kter\\xec");
    let escaped = read_word_vectors(&data(
        "gensim/cp852_fasttext.backslashreplace.expected_word_vectors.txt",
    ));
    let cp852 = read_word_vectors(&data("gensim/cp852_fasttext.expected_word_vectors.txt"));
    let ascii = cp852.iter().filter(|(w, _)| w.is_ascii());
    let mut checked = 0;
    for (word, want) in escaped.iter().chain(ascii) {
        let got = v.embedding(word, Scale::Original).unwrap();
        for (x, y) in got.iter().zip(want) {
            assert!(
                (x - y).abs() < 1e-5,
                "{word}: got {got:?}, gensim gives {want:?}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 7);
}

/// Asserts that `got` is within 1e-5 of gensim's `want`, value by value.
fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (x, y) in got.iter().zip(want) {
        assert!(
            (x - y).abs() < 1e-5,
            "{what}: got {got:?}, gensim gives {want:?}"
        );
    }
}

/// `cp852_fasttext.bin` opened with `encoding: Cp852` gives gensim's
/// `load_facebook_vectors(path, encoding='cp852')`: every word, in order
/// (69 of the 171 not ASCII), and every vector within 1e-5, known words
/// and unknown ones (their n-gram vectors); nothing is replaced.
#[test]
fn cp852_model_with_its_encoding_gives_what_gensim_gives() {
    let options = OpenOptions {
        encoding: Encoding::Cp852,
        ..OpenOptions::default()
    };
    let v = Vectors::open_with(data("gensim/cp852_fasttext.bin"), &options).unwrap();
    assert_eq!((v.len(), v.dims()), (171, 2));
    assert!(v.has_subwords());
    assert_eq!(v.report().lossy_words, 0);
    let all = read_word_vectors(&data(
        "gensim/cp852_fasttext.cp852_all_words.expected_word_vectors.txt",
    ));
    assert_eq!(all.len(), 171);
    let words: Vec<&str> = v.words().collect();
    let gensim: Vec<&str> = all.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(words, gensim);
    assert_eq!(words.iter().filter(|w| !w.is_ascii()).count(), 69);
    for (word, want) in &all {
        assert_close(word, &v.embedding(word, Scale::Original).unwrap(), want);
    }
    let some = read_word_vectors(&data("gensim/cp852_fasttext.expected_word_vectors.txt"));
    let mut unknown = 0;
    for (word, want) in &some {
        if v.index(word).is_none() {
            unknown += 1;
        }
        assert_close(word, &v.embedding(word, Scale::Original).unwrap(), want);
    }
    assert_eq!(unknown, 2, "kterýkoli and xyzzy");
    let bytes = std::fs::read(data("gensim/cp852_fasttext.bin")).unwrap();
    let read = Vectors::read_encoded(&bytes[..], Format::FastText, Encoding::Cp852, false).unwrap();
    assert_eq!(read.words().collect::<Vec<_>>(), words);
}

/// The same through the command line: `--vectors-encoding cp852` on
/// `vectors info`, on `convert` to word2vec text (every word and vector
/// gensim gives, in order) and to fifu (UTF-8 words and the subwords, so
/// unknown words keep gensim's vectors), and on `embed`.
#[test]
fn cp852_model_with_vectors_encoding_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let bin = data("gensim/cp852_fasttext.bin");
    let out = embed_tl(dir.path())
        .args(["vectors", "info", "--vectors-encoding", "cp852"])
        .arg(&bin)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for part in ["words:       171", "encoding:    cp852"] {
        assert!(stdout.contains(part), "{stdout}");
    }

    let vec = dir.path().join("out.vec");
    embed_tl(dir.path())
        .args(["-q", "vectors", "convert", "--vectors-encoding", "cp852"])
        .arg(&bin)
        .arg(&vec)
        .assert()
        .success();
    let got = read_word_vectors(&vec);
    let all = read_word_vectors(&data(
        "gensim/cp852_fasttext.cp852_all_words.expected_word_vectors.txt",
    ));
    assert_eq!(got.len(), 172, "header + 171 words");
    for ((word, values), (want_word, want)) in got[1..].iter().zip(&all) {
        assert_eq!(word, want_word);
        assert_close(word, values, want);
    }

    let fifu = dir.path().join("out.fifu");
    embed_tl(dir.path())
        .args(["-q", "vectors", "convert", "--vectors-encoding=CP852"])
        .arg(&bin)
        .arg(&fifu)
        .assert()
        .success();
    let v = Vectors::open(&fifu).unwrap();
    assert!(v.has_subwords());
    for (word, want) in read_word_vectors(&data("gensim/cp852_fasttext.expected_word_vectors.txt"))
    {
        assert_close(&word, &v.embedding(&word, Scale::Original).unwrap(), &want);
    }

    std::fs::write(dir.path().join("t.txt"), "který více\nxyzzy\n").unwrap();
    embed_tl(dir.path())
        .args(["-q", "embed", "--vectors"])
        .arg(&bin)
        .args(["--vectors-encoding", "cp852", "--input", "t.txt"])
        .args(["--output", "t.csv"])
        .assert()
        .success();
    embed_tl(dir.path())
        .args(["-q", "embed", "--vectors"])
        .arg(&bin)
        .args(["--input", "t.txt", "--output", "u.csv"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("--vectors-encoding"));
}

/// `vectors info` says what kind of model it read; `convert` to fifu keeps
/// the vectors (and the subwords of the pre-2017 model).
#[test]
fn info_and_convert_on_each_new_kind_of_model() {
    let dir = tempfile::tempdir().unwrap();
    for (file, says) in [
        (
            "original-tools/ft_sg_maxn0.bin",
            &["subwords:    no subwords", "model:       skipgram"][..],
        ),
        (
            "original-tools/ft_supervised.bin",
            &[
                "words:       1545",
                "subwords:    no subwords",
                "supervised, 2 labels",
            ][..],
        ),
        (
            "gensim/lee_fasttext.bin",
            &["words:       1762", "dims:        10", "pre-2017 layout"][..],
        ),
    ] {
        let out = embed_tl(dir.path())
            .args(["vectors", "info"])
            .arg(data(file))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for part in says {
            assert!(stdout.contains(part), "{file}: {stdout}");
        }

        let fifu = dir.path().join("out.fifu");
        embed_tl(dir.path())
            .args(["-q", "vectors", "convert"])
            .arg(data(file))
            .arg(&fifu)
            .assert()
            .success();
        let from = Vectors::open(data(file)).unwrap();
        let to = Vectors::open(&fifu).unwrap();
        assert_eq!(to.len(), from.len(), "{file}");
        assert_eq!(to.has_subwords(), from.has_subwords(), "{file}");
        for word in ["the", "government", "xyzzy", "Straße"] {
            let (a, b) = (
                from.embedding(word, Scale::Original),
                to.embedding(word, Scale::Original),
            );
            assert_eq!(a.is_some(), b.is_some(), "{file} {word}");
            for (x, y) in a.unwrap_or_default().iter().zip(b.unwrap_or_default()) {
                assert!((x - y).abs() < 1e-5, "{file} {word}");
            }
        }
    }
    let out = embed_tl(dir.path())
        .args(["vectors", "info", "--format", "json"])
        .arg(data("original-tools/ft_supervised.bin"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["subwords"], false);
    assert_eq!(v["fasttext"]["kind"], "supervised");
    assert_eq!(v["fasttext"]["labels"], 2);
    assert_eq!(v["fasttext"]["maxn"], 0);
}
