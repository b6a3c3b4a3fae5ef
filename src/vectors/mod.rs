//! The frozen feature layer: pretrained word vectors, opened from any common
//! file format and kept read-only.
//!
//! ```
//! use embed_tl::vectors::{Scale, Vectors};
//!
//! let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
//! assert_eq!(vectors.dims(), 50);
//! let king = vectors.embedding("king", Scale::Unit).expect("king is a frequent word");
//! let norm: f32 = king.iter().map(|v| v * v).sum::<f32>().sqrt();
//! assert!((norm - 1.0).abs() < 1e-5);
//! let nearest = vectors.similar("king", 10)?;
//! assert!(nearest.iter().any(|(word, _)| word == "queen"));
//! # Ok::<(), embed_tl::Error>(())
//! ```
//!
//! [`Vectors::open`] sniffs the format from the file's bytes (never its
//! name) and decompresses `.gz` and `.bz2` on the fly:
//!
//! | format | reader | notes |
//! |---|---|---|
//! | finalfusion (`.fifu`) | finalfusion, memory-mapped | opens in milliseconds |
//! | fastText `.bin` | finalfusion | subword vectors for unknown words, averaged as fastText does |
//! | word2vec binary | [`word2vec`] | with or without a newline after each vector |
//! | word2vec text, fastText `.vec` | [`text`] | `<words> <dims>` header, parsed in parallel |
//! | GloVe text | [`text`] | no header, parsed in parallel |
//!
//! Like finalfusion, vectors are stored L2-normalised with their original
//! norms kept: ask for [`Scale::Unit`] or [`Scale::Original`] vectors.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::str::FromStr;

use finalfusion::compat::fasttext::ReadFastText;
use finalfusion::compat::text::{WriteText, WriteTextDims};
use finalfusion::compat::word2vec::WriteWord2Vec;
use finalfusion::embeddings::Embeddings;
use finalfusion::io::{MmapEmbeddings, ReadEmbeddings, WriteEmbeddings};
use finalfusion::norms::NdNorms;
use finalfusion::similarity::{Analogy, WordSimilarity};
use finalfusion::storage::{NdArray, StorageView, StorageViewWrap};
use finalfusion::vocab::{
    FastTextSubwordVocab, SimpleVocab, SubwordIndices, Vocab, VocabWrap, WordIndex,
};

use crate::error::{Error, Location, Result};

mod build;
mod sniff;
pub mod text;
pub mod word2vec;

/// The most dimensions a vector file may declare.
pub const MAX_DIMS: usize = 100_000;

/// A vector file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// finalfusion (`.fifu`), memory-mapped when uncompressed.
    Finalfusion,
    /// fastText `.bin` model (format version 12, fastText 0.9.x).
    #[serde(rename = "fasttext")]
    FastText,
    /// Binary word2vec (`word2vec.c -binary 1`, gensim `binary=True`).
    #[serde(rename = "word2vec-bin")]
    Word2VecBinary,
    /// Text with a `<words> <dims>` header (word2vec text, fastText `.vec`).
    #[serde(rename = "word2vec-text")]
    Word2VecText,
    /// Text without a header (GloVe).
    Glove,
}

impl Format {
    /// All formats, in the order they are sniffed.
    pub const ALL: [Format; 5] = [
        Format::Finalfusion,
        Format::FastText,
        Format::Word2VecBinary,
        Format::Word2VecText,
        Format::Glove,
    ];

    /// The short name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Finalfusion => "fifu",
            Format::FastText => "fasttext",
            Format::Word2VecBinary => "word2vec-bin",
            Format::Word2VecText => "word2vec-text",
            Format::Glove => "glove",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
                Error::InvalidInput(format!(
                    "unknown vector format '{s}': expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

/// Compression of a vector file, detected from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (`.gz`), possibly multi-member.
    Gzip,
    /// bzip2 (`.bz2`), possibly multi-stream.
    Bzip2,
}

/// Options for [`Vectors::open_with`].
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Skip sniffing and read this format. Default: sniff the content.
    pub format: Option<Format>,
    /// Replace invalid UTF-8 in words by U+FFFD instead of failing.
    /// Default: false.
    pub lossy: bool,
}

/// What a reader met on the way: quirks handled, rows dropped.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct LoadReport {
    /// Rows whose word had been seen before (the first row is kept).
    pub duplicates: usize,
    /// The first duplicate word and its line (text) or byte offset (binary).
    pub first_duplicate: Option<(String, u64)>,
    /// Words containing spaces (GloVe 840B has `. . .`).
    pub words_with_spaces: usize,
    /// Words whose invalid UTF-8 was replaced (with `lossy`).
    pub lossy_words: usize,
}

/// Which vector to return for a word.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// L2-normalised (unit length), as finalfusion stores it.
    #[default]
    Unit,
    /// As the file had it (unit vector times the stored norm). For unknown
    /// fastText words: the average of the word's n-gram vectors, as
    /// `fasttext print-word-vectors` prints it.
    Original,
}

/// Norm statistics of the in-vocabulary vectors (original scale).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct NormStats {
    /// Smallest norm.
    pub min: f32,
    /// Median norm.
    pub median: f32,
    /// Mean norm.
    pub mean: f32,
    /// Largest norm.
    pub max: f32,
}

/// A frozen, read-only set of pretrained word vectors.
///
/// Wraps a finalfusion `Embeddings` whose rows are unit vectors with their
/// original norms kept. Cheap to share across threads (`Sync`).
pub struct Vectors {
    embeddings: Embeddings<VocabWrap, StorageViewWrap>,
    format: Format,
    compression: Compression,
    report: LoadReport,
}

impl fmt::Debug for Vectors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vectors")
            .field("format", &self.format)
            .field("words", &self.len())
            .field("dims", &self.dims())
            .field("subwords", &self.has_subwords())
            .finish()
    }
}

impl Vectors {
    /// Open a vector file, sniffing its format and compression.
    pub fn open(path: impl AsRef<Path>) -> Result<Vectors> {
        Vectors::open_with(path, &OpenOptions::default())
    }

    /// Open a vector file with explicit options.
    pub fn open_with(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Vectors> {
        let path = path.as_ref();
        open_path(path, options).map_err(|e| e.with_path(path))
    }

    /// Read vectors of a known `format` from any reader (no sniffing, no
    /// decompression, no memory map).
    pub fn read<R: BufRead>(reader: R, format: Format, lossy: bool) -> Result<Vectors> {
        let (embeddings, report) = read_format(reader, format, lossy)?;
        Ok(Vectors {
            embeddings,
            format,
            compression: Compression::None,
            report,
        })
    }

    /// The format the vectors were read from.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The compression of the file the vectors were read from.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Quirks met while reading (duplicates dropped, words with spaces...).
    pub fn report(&self) -> &LoadReport {
        &self.report
    }

    /// Number of dimensions.
    pub fn dims(&self) -> usize {
        self.embeddings.dims()
    }

    /// Number of words (subword n-gram buckets are not counted).
    pub fn len(&self) -> usize {
        self.embeddings.len()
    }

    /// True when there are no words.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when unknown words get vectors from their character n-grams.
    pub fn has_subwords(&self) -> bool {
        !matches!(self.embeddings.vocab(), VocabWrap::SimpleVocab(_))
    }

    /// The words, in file order (GloVe and word2vec: most frequent first).
    pub fn words(&self) -> &[String] {
        self.embeddings.vocab().words()
    }

    /// The row of a known word, or `None` (subwords are not consulted).
    pub fn index(&self, word: &str) -> Option<usize> {
        match self.embeddings.vocab().idx(word)? {
            WordIndex::Word(idx) => Some(idx),
            WordIndex::Subword(_) => None,
        }
    }

    /// The unit vector of row `idx` (a word index from [`Vectors::index`]).
    ///
    /// # Panics
    /// When `idx >= self.len()`.
    pub fn row(&self, idx: usize) -> &[f32] {
        assert!(idx < self.len(), "row {idx} out of range");
        let dims = self.dims();
        &self.matrix()[idx * dims..(idx + 1) * dims]
    }

    /// The original norm of row `idx`.
    pub fn norm(&self, idx: usize) -> f32 {
        self.embeddings.norms().map(|n| n[idx]).unwrap_or(1.0)
    }

    /// The whole storage as one row-major slice (words, then any n-gram
    /// buckets).
    fn matrix(&self) -> &[f32] {
        self.embeddings
            .storage()
            .view()
            .to_slice()
            .expect("finalfusion storage we build or map is contiguous")
    }

    /// Write the vector of `word` into `out`; false (and `out` untouched)
    /// when the word has no vector.
    ///
    /// Known words are looked up directly; unknown words in vectors with
    /// subwords get the average of their n-gram vectors, as fastText does.
    ///
    /// # Panics
    /// When `out.len() != self.dims()`.
    pub fn embedding_into(&self, word: &str, scale: Scale, out: &mut [f32]) -> bool {
        assert_eq!(out.len(), self.dims(), "output has the wrong length");
        match self.embeddings.vocab().idx(word) {
            None => false,
            Some(WordIndex::Word(idx)) => {
                out.copy_from_slice(self.row(idx));
                if scale == Scale::Original {
                    let norm = self.norm(idx);
                    out.iter_mut().for_each(|v| *v *= norm);
                }
                true
            }
            Some(WordIndex::Subword(indices)) => {
                let dims = self.dims();
                let matrix = self.matrix();
                out.fill(0.0);
                for &i in &indices {
                    let row = &matrix[i * dims..(i + 1) * dims];
                    out.iter_mut().zip(row).for_each(|(o, r)| *o += r);
                }
                let n = indices.len() as f32;
                out.iter_mut().for_each(|v| *v /= n);
                if scale == Scale::Unit {
                    build::normalize(out);
                }
                true
            }
        }
    }

    /// The vector of `word`, if it has one (see [`Vectors::embedding_into`]).
    pub fn embedding(&self, word: &str, scale: Scale) -> Option<Vec<f32>> {
        let mut out = vec![0.0; self.dims()];
        self.embedding_into(word, scale, &mut out).then_some(out)
    }

    /// Vectors of many words as a `words x dims` matrix; rows of words
    /// without a vector are zero and flagged `false`.
    pub fn embedding_batch(
        &self,
        words: &[impl AsRef<str>],
        scale: Scale,
    ) -> (ndarray::Array2<f32>, Vec<bool>) {
        let dims = self.dims();
        let mut matrix = ndarray::Array2::zeros((words.len(), dims));
        let mut found = Vec::with_capacity(words.len());
        for (word, mut row) in words.iter().zip(matrix.rows_mut()) {
            let row = row.as_slice_mut().expect("fresh arrays are contiguous");
            found.push(self.embedding_into(word.as_ref(), scale, row));
        }
        (matrix, found)
    }

    /// Norm statistics of the known words' original vectors.
    pub fn norm_stats(&self) -> Option<NormStats> {
        let norms = self.embeddings.norms()?;
        let mut sorted: Vec<f32> = norms.iter().copied().collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f32::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        let mean = (sorted.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64) as f32;
        Some(NormStats {
            min: sorted[0],
            median,
            mean,
            max: sorted[n - 1],
        })
    }

    /// The `k` words nearest to `word` by cosine similarity (the word itself
    /// excluded).
    pub fn similar(&self, word: &str, k: usize) -> Result<Vec<(String, f32)>> {
        let results = self
            .embeddings
            .word_similarity(word, k, None)
            .ok_or_else(|| self.unknown_word(word))?;
        Ok(results
            .into_iter()
            .map(|r| (r.word().to_string(), r.cosine_similarity()))
            .collect())
    }

    /// The `k` words nearest to `a - b + c` (e.g. king - man + woman),
    /// excluding the three query words.
    pub fn analogy(&self, a: &str, b: &str, c: &str, k: usize) -> Result<Vec<(String, f32)>> {
        // finalfusion's query [x, y, z] is "x is to y as z is to ?" = y - x + z.
        match self.embeddings.analogy([b, a, c], k, None) {
            Ok(results) => Ok(results
                .into_iter()
                .map(|r| (r.word().to_string(), r.cosine_similarity()))
                .collect()),
            Err(found) => {
                let missing: Vec<&str> = [b, a, c]
                    .iter()
                    .zip(found)
                    .filter(|(_, f)| !f)
                    .map(|(w, _)| *w)
                    .collect();
                Err(self.unknown_word(&missing.join("', '")))
            }
        }
    }

    fn unknown_word(&self, word: &str) -> Error {
        Error::InvalidInput(format!(
            "'{word}' has no vector ({} words{})",
            self.len(),
            if self.has_subwords() {
                ", and no known n-grams"
            } else {
                ", no subwords"
            }
        ))
    }

    /// Write the vectors in `format` (original scale for the text and
    /// word2vec formats). Subword n-grams survive only in finalfusion.
    pub fn write<W: Write + Seek>(&self, mut out: W, format: Format) -> Result<()> {
        let result = match format {
            Format::Finalfusion => self.embeddings.write_embeddings(&mut out),
            Format::Word2VecText => self.embeddings.write_text_dims(&mut out, true),
            Format::Glove => self.embeddings.write_text(&mut out, true),
            Format::Word2VecBinary => self.embeddings.write_word2vec_binary(&mut out, true),
            Format::FastText => {
                return Err(Error::InvalidInput(
                    "writing fastText .bin is not supported: write fifu to keep subwords".into(),
                ))
            }
        };
        result.map_err(|e| match e {
            finalfusion::error::Error::Write { error, .. } => Error::io(error),
            other => Error::InvalidInput(format!("cannot write {format}: {other}")),
        })?;
        out.flush()?;
        Ok(())
    }

    /// A new, in-memory set holding only `words` (those that have a
    /// vector: known words, or subword vectors in fastText files), in the
    /// order given, without subwords.
    pub fn subset<'a>(&self, words: impl IntoIterator<Item = &'a str>) -> Vectors {
        let dims = self.dims();
        let mut kept = Vec::new();
        let mut values = Vec::new();
        let mut norms = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut row = vec![0.0; dims];
        for word in words {
            if seen.contains(word) {
                continue;
            }
            if let Some(idx) = self.index(word) {
                values.extend_from_slice(self.row(idx));
                norms.push(self.norm(idx));
            } else if self.embedding_into(word, Scale::Original, &mut row) {
                norms.push(build::normalize(&mut row));
                values.extend_from_slice(&row);
            } else {
                continue;
            }
            seen.insert(word);
            kept.push(word.to_string());
        }
        let rows = kept.len();
        let matrix = ndarray15::Array2::from_shape_vec((rows, dims), values)
            .expect("rows x dims matches the values we collected");
        let embeddings = Embeddings::new(
            None,
            SimpleVocab::new(kept),
            NdArray::new(matrix),
            NdNorms::new(ndarray15::Array1::from(norms)),
        );
        Vectors {
            embeddings: embeddings.into(),
            format: self.format,
            compression: self.compression,
            report: LoadReport::default(),
        }
    }

    /// The first `n` words (the most frequent, in GloVe and word2vec files).
    pub fn top(&self, n: usize) -> Vectors {
        let words: Vec<&str> = self.words().iter().take(n).map(String::as_str).collect();
        self.subset(words)
    }
}

fn open_path(path: &Path, options: &OpenOptions) -> Result<Vectors> {
    let file = File::open(path)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let compression = sniff::compression(reader.fill_buf()?);

    if compression == Compression::None {
        let format = match options.format {
            Some(f) => f,
            None => sniff_format(&mut reader)?,
        };
        if format == Format::Finalfusion {
            reader.seek(SeekFrom::Start(0))?;
            let embeddings = guard_finalfusion(|| {
                Embeddings::<VocabWrap, StorageViewWrap>::mmap_embeddings(&mut reader)
            })?;
            return Ok(Vectors {
                embeddings,
                format,
                compression,
                report: LoadReport::default(),
            });
        }
        let (embeddings, report) = read_format(reader, format, options.lossy)?;
        return Ok(Vectors {
            embeddings,
            format,
            compression,
            report,
        });
    }

    let inner: Box<dyn Read> = match compression {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(reader)),
        Compression::None => unreachable!("handled above"),
    };
    let mut inner = BufReader::with_capacity(1 << 20, inner);
    // Decompressors hand out a little at a time: collect enough to sniff,
    // then put it back in front of the stream.
    let mut prefix = Vec::new();
    (&mut inner).take(SNIFF_BYTES).read_to_end(&mut prefix)?;
    let format = match options.format {
        Some(f) => f,
        None => sniff::format(&prefix).map_err(|m| Error::malformed(Location::None, m))?,
    };
    let reader = Cursor::new(prefix).chain(inner);
    let (embeddings, report) = read_format(reader, format, options.lossy)?;
    Ok(Vectors {
        embeddings,
        format,
        compression,
        report,
    })
}

/// How many bytes the sniffer looks at: enough for two text rows of
/// thousands of dimensions.
const SNIFF_BYTES: u64 = 256 << 10;

/// Sniff the format from the first bytes, leaving them in the reader.
fn sniff_format<R: BufRead>(reader: &mut R) -> Result<Format> {
    // A plain file fills the 1 MiB buffer in one read.
    let prefix = reader.fill_buf()?;
    sniff::format(prefix).map_err(|m| Error::malformed(Location::None, m))
}

fn read_format<R: BufRead>(
    mut reader: R,
    format: Format,
    lossy: bool,
) -> Result<(Embeddings<VocabWrap, StorageViewWrap>, LoadReport)> {
    use text::{read_text, TextOptions};
    let (simple, report) = match format {
        Format::Glove | Format::Word2VecText => read_text(
            reader,
            TextOptions {
                header: format == Format::Word2VecText,
                lossy,
            },
        )?,
        Format::Word2VecBinary => word2vec::read_word2vec_binary(reader, lossy)?,
        Format::FastText => {
            let embeddings = guard_finalfusion(|| {
                if lossy {
                    Embeddings::read_fasttext_lossy(&mut reader)
                } else {
                    Embeddings::read_fasttext(&mut reader)
                }
                .map(fasttext_eos_fix)
            })?;
            return Ok((embeddings, LoadReport::default()));
        }
        Format::Finalfusion => {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes)?;
            let embeddings = guard_finalfusion(|| {
                Embeddings::<VocabWrap, StorageViewWrap>::read_embeddings(&mut Cursor::new(bytes))
            })?;
            return Ok((embeddings, LoadReport::default()));
        }
    };
    Ok((simple.into(), report))
}

/// fastText gives its end-of-sentence token `</s>` no subwords, so its
/// vector is its own input row; finalfusion 0.18 averages n-grams of
/// `<</s>>` into it as for any word. Undo that average for `</s>`.
fn fasttext_eos_fix(
    embeddings: Embeddings<FastTextSubwordVocab, NdArray>,
) -> Embeddings<FastTextSubwordVocab, NdArray> {
    let (metadata, vocab, storage, norms) = embeddings.into_parts();
    let mut norms = norms.expect("finalfusion's fastText reader always computes norms");
    let (Some(WordIndex::Word(idx)), Some(ngrams)) =
        (vocab.idx("</s>"), vocab.subword_indices("</s>"))
    else {
        return Embeddings::new(metadata, vocab, storage, norms);
    };
    let mut matrix: ndarray15::Array2<f32> = storage.into();
    let n = ngrams.len() as f32 + 1.0;
    let mut raw = matrix.row(idx).to_owned() * (norms[idx] * n);
    for g in ngrams {
        raw -= &matrix.row(g);
    }
    let norm = raw.dot(&raw).sqrt();
    if norm > 0.0 {
        raw /= norm;
    }
    matrix.row_mut(idx).assign(&raw);
    let mut values: ndarray15::Array1<f32> = (*norms).clone();
    values[idx] = norm;
    norms = NdNorms::new(values);
    Embeddings::new(metadata, vocab, NdArray::new(matrix), norms)
}

/// Run a finalfusion reader, turning its errors (and its panics on
/// malformed input) into ours.
fn guard_finalfusion<T, F>(read: F) -> Result<Embeddings<VocabWrap, StorageViewWrap>>
where
    F: FnOnce() -> std::result::Result<T, finalfusion::error::Error>,
    T: Into<Embeddings<VocabWrap, StorageViewWrap>>,
{
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)) {
        Ok(Ok(embeddings)) => Ok(embeddings.into()),
        Ok(Err(finalfusion::error::Error::Read { error, .. }))
            if error.kind() == std::io::ErrorKind::UnexpectedEof =>
        {
            Err(Error::malformed(
                Location::None,
                "file ends too early (truncated file?)",
            ))
        }
        Ok(Err(e)) => Err(Error::malformed(Location::None, e.to_string())),
        Err(_) => Err(Error::malformed(
            Location::None,
            "malformed file (the finalfusion reader rejected it)",
        )),
    }
}
