//! fastText `.bin` models: the header and dictionary of both layouts
//! (fastText 0.9's, with a magic number, and the pre-2017 one without),
//! checked against the bytes that follow them, and the reader for the
//! models finalfusion does not read: those without subwords (`-maxn 0`,
//! every supervised model) and those in the pre-2017 layout.
//!
//! Every count is checked against the bytes left before anything is
//! allocated for it, so a lying header is an error naming the field, never
//! a huge allocation.
//!
//! | layout | header | dictionary | before each matrix |
//! |---|---|---|---|
//! | 0.9 (2017+) | magic, version, 12 `i32` arguments, `f64` t | size, words, labels, tokens, prune index size, entries | a quantization flag |
//! | pre-2017 | 12 `i32` arguments, `f64` t | size, words, labels, tokens, entries | nothing |

use std::collections::HashSet;

use rayon::prelude::*;

use super::backing::{self, Backing};
use super::build::{self, Vocab, Words};
use super::bytes::Bytes;
use super::encoding::Encoding;
use super::subwords::{NgramRows, Subwords};
use crate::error::{Error, Location, Result};
use crate::vectors::MAX_DIMS;

/// fastText's magic number (fastText 0.9 and later).
pub(crate) const MAGIC: u32 = 793_712_314;

/// How a fastText model was trained (its `-model` argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FastTextKind {
    /// `fasttext cbow`.
    Cbow,
    /// `fasttext skipgram`.
    Skipgram,
    /// `fasttext supervised`: the input matrix holds word vectors tuned on
    /// the labels.
    Supervised,
}

impl std::fmt::Display for FastTextKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FastTextKind::Cbow => "cbow",
            FastTextKind::Skipgram => "skipgram",
            FastTextKind::Supervised => "supervised",
        })
    }
}

/// What a fastText model's header says (see
/// [`Vectors::fasttext_model`](super::Vectors::fasttext_model)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FastTextModel {
    /// How it was trained.
    pub kind: FastTextKind,
    /// Labels of a supervised model (0 for cbow and skipgram). Labels have
    /// no word vectors.
    pub labels: usize,
    /// Shortest character n-gram (`-minn`).
    pub minn: u32,
    /// Longest character n-gram (`-maxn`); 0: no subwords.
    pub maxn: u32,
    /// Hash buckets (`-bucket`): n-gram rows after the word rows.
    pub buckets: u64,
    /// True for the pre-2017 layout (no magic number, no version), which
    /// gensim reads and fastText 0.9 does not.
    pub pre_2017: bool,
}

impl FastTextModel {
    /// True when unknown words get vectors from their character n-grams:
    /// `maxn > 0` and buckets to hash them into.
    pub fn has_subwords(&self) -> bool {
        self.maxn > 0 && self.buckets > 0
    }
}

/// A checked fastText model: its settings, its words (the dictionary's
/// first entries) and the bytes of its input matrix.
pub(crate) struct Model<'a> {
    pub info: FastTextModel,
    pub dims: usize,
    /// The words (not the labels), in dictionary order: word `i` is input
    /// row `i`.
    pub words: Vec<&'a [u8]>,
    /// Byte offset of each word in the file.
    pub word_at: Vec<usize>,
    /// The input matrix, `(words + buckets) x dims` little-endian f32.
    pub input: &'a [u8],
    /// Byte offset of the input matrix in the file.
    pub input_at: usize,
}

/// True when `prefix` starts like a pre-2017 fastText model: loss
/// (1 to 4), model (1 to 3) and the sampling threshold `t` (a double in
/// (0, 1)) where that layout has them. Text files have no NUL bytes there.
pub(crate) fn looks_pre2017(prefix: &[u8]) -> bool {
    if prefix.len() < 56 {
        return false;
    }
    let i32_at =
        |i: usize| i32::from_le_bytes([prefix[i], prefix[i + 1], prefix[i + 2], prefix[i + 3]]);
    let mut t = [0u8; 8];
    t.copy_from_slice(&prefix[48..56]);
    let t = f64::from_le_bytes(t);
    (1..=4).contains(&i32_at(24)) && (1..=3).contains(&i32_at(28)) && t > 0.0 && t < 1.0
}

/// Check a fastText model, either layout: header, dictionary (unique
/// words first, then labels, counts that fit the file) and both matrices'
/// shapes against the bytes left.
pub(crate) fn parse(data: &[u8]) -> Result<Model<'_>> {
    let mut b = Bytes::file(data);
    let pre_2017 =
        data.len() < 4 || u32::from_le_bytes([data[0], data[1], data[2], data[3]]) != MAGIC;
    if !pre_2017 {
        b.u32("magic number")?;
        b.u32("version")?;
    }
    let args_at = b.pos as u64;
    let dims = b.i32("arguments")?;
    let mut args = [0i32; 11];
    for a in args.iter_mut() {
        *a = b.i32("arguments")?;
    }
    b.take(8, "arguments")?;
    let [_ws, _epoch, _min_count, _neg, _word_ngrams, _loss, model, bucket, minn, maxn, _lr] = args;
    let layout = if pre_2017 {
        "pre-2017 fastText model (no magic number)"
    } else {
        "fastText model"
    };
    if dims < 1 || dims as usize > MAX_DIMS {
        return Err(Error::malformed(
            Location::Byte(args_at),
            format!("{layout}: dimensions {dims}: expected between 1 and {MAX_DIMS}"),
        ));
    }
    let kind = match model {
        1 => FastTextKind::Cbow,
        2 => FastTextKind::Skipgram,
        3 => FastTextKind::Supervised,
        _ => {
            return Err(Error::malformed(
                Location::Byte(args_at + 28),
                format!(
                "{layout}: model type {model}: expected 1 (cbow), 2 (skipgram) or 3 (supervised)"
            ),
            ))
        }
    };
    if bucket < 0 || minn < 0 || maxn < 0 || (maxn > 0 && bucket > 0 && (minn < 1 || maxn < minn)) {
        return Err(Error::malformed(
            Location::Byte(args_at + 32),
            format!(
                "{layout}: subword settings bucket {bucket}, minn {minn}, maxn {maxn}: expected \
                 buckets >= 0 and either maxn 0 (no subwords) or 1 <= minn <= maxn"
            ),
        ));
    }
    let dict_at = b.pos;
    let size = b.i32("dictionary header")?;
    let nwords = b.i32("dictionary header")?;
    let nlabels = b.i32("dictionary header")?;
    b.u64("dictionary header")?;
    let pruned = if pre_2017 {
        0
    } else {
        b.u64("dictionary header")? as i64
    };
    // Each entry takes at least a NUL, an 8-byte count and a type byte.
    if size < 0
        || nwords < 0
        || nlabels < 0
        || i64::from(nwords) + i64::from(nlabels) != i64::from(size)
        || size as usize > b.left() / 10
    {
        return Err(b.error_at(
            dict_at,
            format!(
                "dictionary of {size} entries ({nwords} words, {nlabels} labels): expected \
                 words + labels = entries, and at most {} entries in the {} bytes left",
                b.left() / 10,
                b.left()
            ),
        ));
    }
    let mut seen = HashSet::with_capacity(size as usize);
    let mut words = Vec::with_capacity(nwords as usize);
    let mut word_at = Vec::with_capacity(nwords as usize);
    for i in 0..size {
        let start = b.pos;
        let Some(len) = memchr::memchr(0, b.rest()) else {
            return Err(b.error("file ends inside the dictionary (truncated file?)"));
        };
        let word = b.take(len, "dictionary")?;
        b.take(9, "dictionary")?;
        let kind_at = b.pos;
        let entry_type = b.u8("dictionary")?;
        let expected = u8::from(i >= nwords);
        if entry_type != expected {
            return Err(b.error_at(
                kind_at,
                format!(
                    "dictionary entry {} '{}' has type {entry_type}: expected {expected} ({}: \
                     the {nwords} words come before the {nlabels} labels)",
                    i + 1,
                    String::from_utf8_lossy(word),
                    if expected == 0 { "a word" } else { "a label" },
                ),
            ));
        }
        if !seen.insert(word) {
            return Err(Error::malformed(
                Location::Byte(start as u64),
                format!(
                    "dictionary entry {} repeats the word '{}'",
                    i + 1,
                    String::from_utf8_lossy(word)
                ),
            ));
        }
        if i < nwords {
            words.push(word);
            word_at.push(start);
        }
    }
    if pruned > 0 {
        return Err(b.error("pruned (quantized) fastText models are not supported"));
    }
    if !pre_2017 && b.u8("quantization flag")? != 0 {
        return Err(b.error("quantized fastText models (.ftz) are not supported"));
    }
    let at = b.pos;
    let rows = b.u64("input matrix header")?;
    let cols = b.u64("input matrix header")?;
    let expected_rows = nwords as u64 + bucket as u64;
    if cols != dims as u64 || rows != expected_rows {
        return Err(Error::malformed(
            Location::Byte(at as u64),
            format!(
                "input matrix is {rows} x {cols}: expected {expected_rows} x {dims} ({nwords} words + {bucket} buckets)"
            ),
        ));
    }
    let input_at = b.pos;
    let input = matrix_data(&mut b, rows, cols, "input")?;
    if !pre_2017 && b.u8("output quantization flag")? != 0 {
        return Err(b.error("quantized fastText models (.ftz) are not supported"));
    }
    let at = b.pos;
    let rows = b.u64("output matrix header")?;
    let cols = b.u64("output matrix header")?;
    if cols != dims as u64 || rows != nwords as u64 && rows != nlabels as u64 {
        return Err(Error::malformed(
            Location::Byte(at as u64),
            format!(
                "output matrix is {rows} x {cols}: expected {nwords} (words) or {nlabels} \
                 (labels) x {dims}"
            ),
        ));
    }
    matrix_data(&mut b, rows, cols, "output")?;
    Ok(Model {
        info: FastTextModel {
            kind,
            labels: nlabels as usize,
            minn: minn as u32,
            maxn: maxn as u32,
            buckets: bucket as u64,
            pre_2017,
        },
        dims: dims as usize,
        words,
        word_at,
        input,
        input_at,
    })
}

/// The `rows x cols` f32 values of a fastText matrix.
fn matrix_data<'a>(b: &mut Bytes<'a>, rows: u64, cols: u64, which: &str) -> Result<&'a [u8]> {
    let bytes = rows.checked_mul(cols).and_then(|n| n.checked_mul(4));
    match bytes.and_then(|n| usize::try_from(n).ok()) {
        Some(n) if n <= b.left() => b.take(n, "matrix"),
        _ => Err(b.error(format!(
            "file ends inside the {rows} x {cols} {which} matrix (truncated file?): {} of its {} \
             bytes are there",
            b.left(),
            bytes.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string())
        ))),
    }
}

/// A model's vectors, ready for [`super::Vectors`]: the word rows, and
/// (with subwords) the bucket rows where the file has them.
pub(crate) struct Read {
    pub vocab: Vocab,
    /// The words' rows, `words x dims`.
    pub values: Vec<f32>,
    /// The words' original norms.
    pub norms: Vec<f32>,
    /// True (models with subwords) when the word rows are unit vectors, as
    /// finalfusion stores them, so that a fifu written from them reads
    /// back bit for bit; false (no subwords) when they are the file's rows.
    pub unit_rows: bool,
    pub subwords: Option<Subwords>,
    pub lossy_words: usize,
}

/// Read the vectors of a checked model (`model` parsed from `backing`'s
/// bytes) as fastText computes them: a known word's vector is the average
/// of its own row and its n-gram rows (`</s>` has no n-grams), kept as a
/// unit row and its norm; without subwords it is the word's row, as the
/// file holds it. Labels get no vector.
///
/// Only the words' rows are copied: the bucket rows are checked (every
/// value finite) block by block and then used where they are, in the map
/// or the bytes in memory, so the model is never held twice.
///
/// Words are decoded from `encoding`; with `lossy`, each byte invalid in it
/// becomes `\xNN`, as gensim's `errors='backslashreplace'` does: unlike
/// U+FFFD, distinct words stay distinct, and a word's row is tied to its
/// place in the dictionary. n-grams are hashed over the UTF-8 bytes of the
/// decoded word, as gensim does (fastText itself hashed the file's bytes,
/// which differ for the non-ASCII words of a code-page model).
pub(crate) fn read(
    model: &Model<'_>,
    backing: &Backing,
    lossy: bool,
    encoding: Encoding,
) -> Result<Read> {
    let dims = model.dims;
    let mut words =
        Words::with_capacity(model.words.len(), model.words.iter().map(|w| w.len()).sum());
    let mut lossy_words = 0;
    for (i, (bytes, &at)) in model.words.iter().zip(&model.word_at).enumerate() {
        match encoding.decode(bytes) {
            Ok(word) => words.push(&word),
            Err(_) if lossy => {
                lossy_words += 1;
                words.push(&encoding.decode_lossy(bytes, true));
            }
            Err(pos) if encoding == Encoding::Utf8 => {
                return Err(Error::malformed(
                    Location::Byte((at + pos) as u64),
                    format!(
                        "dictionary entry {} '{}' is not valid UTF-8 (a model trained on text in \
                         another encoding? --vectors-encoding names it, e.g. cp852); --lossy \
                         writes each invalid byte as \\xNN, as gensim does",
                        i + 1,
                        bytes.escape_ascii()
                    ),
                ))
            }
            Err(pos) => {
                return Err(Error::malformed(
                    Location::Byte((at + pos) as u64),
                    format!(
                        "dictionary entry {} '{}' has an {}; --lossy writes each such byte as \
                         \\xNN, as gensim does",
                        i + 1,
                        bytes.escape_ascii(),
                        encoding.describe_invalid(bytes, pos)
                    ),
                ))
            }
        }
    }
    let (vocab, _, duplicate) = Vocab::build(words);
    if let Some(word) = duplicate {
        return Err(Error::malformed(
            Location::None,
            format!(
                "two dictionary entries read as the word '{}' once invalid bytes are escaped",
                word.escape_debug()
            ),
        ));
    }
    let n = vocab.len();
    let bad = |bad| {
        super::bad_row_error(
            bad,
            vocab.words(),
            n,
            super::Format::FastText,
            Location::None,
        )
    };
    let mut values: Vec<f32> = model.input[..n * dims * 4]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    if !model.info.has_subwords() {
        let norms = build::check_rows(&values, dims, n, None).map_err(bad)?;
        return Ok(Read {
            vocab,
            values,
            norms,
            unit_rows: false,
            subwords: None,
            lossy_words,
        });
    }
    let buckets = model.info.buckets as usize;
    let offset = model.input_at + n * dims * 4;
    // The bucket rows first: a word's vector must not average garbage.
    backing::check_stored(backing, offset, buckets, dims, 0, None, n).map_err(bad)?;
    let rows = NgramRows::stored(backing.clone(), offset, buckets, dims);
    // Buckets are at most i32::MAX (checked by `parse`).
    let subwords = Subwords::fasttext(model.info.minn, model.info.maxn, buckets as u32, rows);
    let mut norms = vec![0f32; n];
    if dims > 0 {
        values
            .par_chunks_mut(dims)
            .zip(norms.par_iter_mut())
            .enumerate()
            .for_each_init(Vec::new, |ngrams, (i, (row, norm))| {
                let word = vocab.words().get(i);
                ngrams.clear();
                if word != "</s>" {
                    subwords.indices(word, ngrams);
                }
                if !ngrams.is_empty() {
                    for &g in ngrams.iter() {
                        subwords.rows.add_row(g, row);
                    }
                    let count = ngrams.len() as f32 + 1.0;
                    row.iter_mut().for_each(|s| *s /= count);
                }
                *norm = build::normalize(row);
            });
    }
    // The averaging touched bucket rows all over the file: let them go,
    // and from now on map only the rows unknown words read.
    backing.release(offset, buckets * dims * 4);
    subwords.rows.random_access();
    let norms = build::check_rows(&values, dims, n, Some(&norms)).map_err(bad)?;
    Ok(Read {
        vocab,
        values,
        norms,
        unit_rows: true,
        subwords: Some(subwords),
        lossy_words,
    })
}
