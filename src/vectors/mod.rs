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
//! | finalfusion (`.fifu`) | memory-mapped in place: plain matrix with a simple or subword vocabulary (quantized: finalfusion) | costs the words, not the matrix |
//! | fastText `.bin` | ours | both layouts (0.9 and pre-2017); subword vectors for unknown words, averaged as fastText does, from bucket rows read in place; models without subwords (`-maxn 0`, supervised) as `print-word-vectors` prints them |
//! | word2vec binary | ours | with or without a newline after each vector |
//! | word2vec text, fastText `.vec` | ours | `<words> <dims>` header, parsed in parallel |
//! | GloVe text | ours | no header, parsed in parallel |
//!
//! Words are UTF-8 unless [`OpenOptions::encoding`] names a code page
//! ([`Encoding`]: cp852, cp1252, latin-1), as an old fastText or word2vec
//! file trained on text in that encoding needs.
//!
//! Ask for [`Scale::Unit`] (L2-normalised) or [`Scale::Original`] vectors.
//! Rows are kept as the file holds them: the unit matrix and the norms of a
//! finalfusion file, the values themselves of the other formats (and of a
//! finalfusion file without norms); the other scale is derived on demand.
//! So [`Vectors::write`] writes exactly the f32 values it read. Norms are
//! computed in f64, and a vector whose norm does not fit f32 arithmetic
//! (about 1.84e19 or more) is refused with its word, never turned into
//! `inf` or `NaN`.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read, Seek, Write};
use std::path::Path;
use std::str::FromStr;

use finalfusion::embeddings::Embeddings;
use finalfusion::io::ReadEmbeddings;
use finalfusion::norms::NdNorms;
use finalfusion::storage::{Storage, StorageWrap};
use finalfusion::vocab::{Vocab as _, VocabWrap};
use rayon::prelude::*;

use crate::error::{Error, Location, Result};

mod backing;
mod build;
mod bytes;
mod encoding;
mod fasttext;
mod fifu;
mod precheck;
mod seen;
mod sniff;
mod subwords;
mod text;
mod word2vec;
mod write;

pub use encoding::Encoding;
pub use fasttext::{FastTextKind, FastTextModel};
pub(crate) use sniff::compression as sniff_compression;

use backing::Backing;
use build::{BadRow, Finished, Vocab, Words};
use subwords::{NgramRows, Subwords};

/// The most dimensions a vector file may declare.
pub const MAX_DIMS: usize = 100_000;

/// A vector file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// finalfusion (`.fifu`), memory-mapped when uncompressed.
    Finalfusion,
    /// fastText `.bin` model: fastText 0.9's layout (magic number, version
    /// 12) or the pre-2017 one gensim reads; with or without subwords,
    /// unsupervised or supervised.
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

impl Format {
    /// Every name the parser accepts for this format: the short name
    /// ([`Format::name`], what `vectors info` prints), the serialised name
    /// (what `vectors info --format json` prints) and common aliases.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Format::Finalfusion => &["fifu", "finalfusion"],
            Format::FastText => &["fasttext", "fasttext-bin"],
            Format::Word2VecBinary => &["word2vec-bin", "word2vec-binary", "w2v-bin"],
            Format::Word2VecText => &["word2vec-text", "w2v-text", "fasttext-vec", "vec"],
            Format::Glove => &["glove", "glove-text"],
        }
    }
}

impl FromStr for Format {
    type Err = Error;

    /// Any of [`Format::aliases`], ignoring ASCII case and `_` for `-`.
    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Format::ALL
            .into_iter()
            .find(|f| f.aliases().contains(&wanted.as_str()))
            .ok_or_else(|| {
                let names: Vec<_> = Format::ALL.iter().map(|f| f.aliases().join("|")).collect();
                Error::InvalidParameter(format!(
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
    /// Zstandard (`.zst`), possibly several frames.
    Zstd,
}

/// Options for [`Vectors::open_with`].
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Skip sniffing and read this format. Default: sniff the content.
    pub format: Option<Format>,
    /// Replace invalid UTF-8 in words by U+FFFD instead of failing; in a
    /// fastText model each invalid byte becomes `\xNN`, as gensim's
    /// `backslashreplace` does, so that distinct words stay distinct.
    /// Default: false.
    pub lossy: bool,
    /// The encoding of the words in the file (fastText `.bin`, word2vec
    /// binary and text, GloVe): a model trained on text in code page 852
    /// has its words in cp852. finalfusion files are UTF-8 by definition:
    /// another encoding is an error there. Default: UTF-8.
    pub encoding: Encoding,
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
/// Rows are kept as the file holds them (L2-normalised with their norms
/// for finalfusion files with norms and fastText models, the values
/// themselves otherwise); a finalfusion file is used in place through a
/// memory map. Cheap to share across threads (`Sync`).
pub struct Vectors {
    vocab: Vocab,
    matrix: Matrix,
    norms: Vec<f32>,
    /// True when the word rows of `matrix` are unit vectors (their original
    /// is the row times its norm); false when they are the file's values
    /// (their unit vector is the row divided by its norm).
    unit_rows: bool,
    dims: usize,
    /// Subword vocabulary (fastText, finalfusion) with its n-gram rows,
    /// which stay where the file has them (memory-mapped) when it can.
    subwords: Option<Subwords>,
    format: Format,
    compression: Compression,
    report: LoadReport,
    /// What a fastText model's header says (fastText files only).
    fasttext: Option<FastTextModel>,
}

/// The words' rows: owned, or a range of a file's bytes (memory-mapped).
enum Matrix {
    Owned(Vec<f32>),
    Mapped {
        backing: Backing,
        offset: usize,
        len: usize,
    },
}

impl Matrix {
    /// `len` f32 values at byte `offset` of `backing`: used in place when
    /// they are aligned (finalfusion pads its matrices so that they are),
    /// else copied.
    fn in_place(backing: &Backing, offset: usize, len: usize) -> Matrix {
        let bytes = &backing.bytes()[offset..offset + len * 4];
        if cfg!(target_endian = "little") && bytemuck::try_cast_slice::<u8, f32>(bytes).is_ok() {
            return Matrix::Mapped {
                backing: backing.clone(),
                offset,
                len,
            };
        }
        Matrix::Owned(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        )
    }

    fn as_slice(&self) -> &[f32] {
        match self {
            Matrix::Owned(v) => v,
            Matrix::Mapped {
                backing,
                offset,
                len,
            } => bytemuck::cast_slice(&backing.bytes()[*offset..*offset + len * 4]),
        }
    }
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
        read_format(reader, format, lossy, Encoding::Utf8, Compression::None)
    }

    /// [`Vectors::read`] of a file whose words are in `encoding`.
    pub fn read_encoded<R: BufRead>(
        reader: R,
        format: Format,
        encoding: Encoding,
        lossy: bool,
    ) -> Result<Vectors> {
        read_format(reader, format, lossy, encoding, Compression::None)
    }

    fn from_finished(
        f: Finished,
        format: Format,
        compression: Compression,
        report: LoadReport,
    ) -> Result<Vectors> {
        if let Some(t) = &f.too_large {
            let location = if format == Format::Word2VecBinary {
                Location::Byte(t.position)
            } else {
                Location::Line(t.position)
            };
            let bad = BadRow::TooLarge {
                row: t.row,
                norm: t.norm,
                count: t.count,
            };
            return Err(bad_row_error(
                bad,
                f.vocab.words(),
                f.vocab.len(),
                format,
                location,
            ));
        }
        Ok(Vectors {
            vocab: f.vocab,
            matrix: Matrix::Owned(f.values),
            norms: f.norms,
            unit_rows: false,
            dims: f.dims,
            subwords: None,
            format,
            compression,
            report,
            fasttext: None,
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

    /// For a fastText `.bin` model: how it was trained (supervised, with
    /// how many labels), its subword settings and its layout.
    pub fn fasttext_model(&self) -> Option<&FastTextModel> {
        self.fasttext.as_ref()
    }

    /// Quirks met while reading (duplicates dropped, words with spaces...).
    pub fn report(&self) -> &LoadReport {
        &self.report
    }

    /// Number of dimensions.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Number of words (subword n-gram buckets are not counted).
    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    /// True when there are no words.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when unknown words get vectors from their character n-grams.
    pub fn has_subwords(&self) -> bool {
        self.subwords.is_some()
    }

    /// True when the vectors are read in place from a memory map of the
    /// file (an uncompressed `.fifu` with a plain matrix: the words' rows
    /// and any n-gram rows), so that opening costs the words, not the
    /// matrix, and processes that open the same file share its pages.
    pub fn is_memory_mapped(&self) -> bool {
        let mapped = |b: &Backing| matches!(b, Backing::Map(_));
        let words = match &self.matrix {
            Matrix::Mapped { backing, .. } => mapped(backing),
            Matrix::Owned(_) => false,
        };
        let ngrams = self.subwords.as_ref().is_none_or(|s| {
            s.rows
                .stored_at()
                .is_some_and(|(backing, _)| mapped(backing))
        });
        words && ngrams
    }

    /// The words, in file order (GloVe and word2vec: most frequent first).
    pub fn words(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.vocab.words().iter()
    }

    /// Word `i` (a row from [`Vectors::index`]).
    ///
    /// # Panics
    /// When `i >= self.len()`.
    pub fn word(&self, i: usize) -> &str {
        self.vocab.words().get(i)
    }

    /// The row of a known word, or `None` (subwords are not consulted).
    #[inline]
    pub fn index(&self, word: &str) -> Option<usize> {
        self.vocab.get(word)
    }

    /// Write the vector of row `idx` (a word index from [`Vectors::index`])
    /// at `scale` into `out`.
    ///
    /// The scale the file holds is copied bit for bit; the other one is
    /// derived (the unit row times its norm, as finalfusion's
    /// `embedding_with_norm` does, or the file's row divided by its norm).
    ///
    /// # Panics
    /// When `idx >= self.len()` or `out.len() != self.dims()`.
    #[inline]
    pub fn row_into(&self, idx: usize, scale: Scale, out: &mut [f32]) {
        assert!(idx < self.len(), "row {idx} out of range");
        out.copy_from_slice(self.stored_row(idx));
        let norm = self.norms[idx];
        match (scale, self.unit_rows) {
            (Scale::Unit, true) | (Scale::Original, false) => {}
            (Scale::Original, true) => out.iter_mut().for_each(|v| *v *= norm),
            (Scale::Unit, false) if norm > 0.0 => out.iter_mut().for_each(|v| *v /= norm),
            (Scale::Unit, false) => out.fill(0.0),
        }
    }

    /// Ask the processor to start fetching row `idx` (and its norm) into
    /// the cache, to be read soon by [`Vectors::row_into`]: a hint that
    /// changes no value. Rows of a large vocabulary miss the cache, and
    /// fetching the rows of a text together overlaps those misses.
    #[inline]
    pub fn prefetch_row(&self, idx: usize) {
        #[cfg(target_arch = "x86_64")]
        if idx < self.len() {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let row = self.stored_row(idx);
            // One hint per 64-byte cache line the row spans.
            let first = row.as_ptr() as usize & !63;
            let end = row.as_ptr() as usize + std::mem::size_of_val(row);
            for line in (first..end).step_by(64) {
                // SAFETY: a prefetch never faults, whatever the address;
                // these are addresses of the row, inside the matrix.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(line as *const i8) };
            }
            // SAFETY: as above; `idx` is a row, so `norms[idx]` exists.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(self.norms.as_ptr().add(idx) as *const i8) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = idx;
    }

    /// The unit vector of row `idx` (a word index from [`Vectors::index`]):
    /// borrowed when the file holds unit rows, computed otherwise (see
    /// [`Vectors::row_into`] to fill a buffer instead).
    ///
    /// # Panics
    /// When `idx >= self.len()`.
    pub fn row(&self, idx: usize) -> std::borrow::Cow<'_, [f32]> {
        assert!(idx < self.len(), "row {idx} out of range");
        if self.unit_rows {
            return self.stored_row(idx).into();
        }
        let mut out = vec![0.0; self.dims];
        self.row_into(idx, Scale::Unit, &mut out);
        out.into()
    }

    /// Row `idx` as stored: unit or original, see [`Vectors::row_into`].
    #[inline]
    fn stored_row(&self, idx: usize) -> &[f32] {
        &self.matrix.as_slice()[idx * self.dims..(idx + 1) * self.dims]
    }

    /// The original norm of row `idx`.
    #[inline]
    pub fn norm(&self, idx: usize) -> f32 {
        self.norms[idx]
    }

    /// The original norms of all words, one per row.
    pub fn norms(&self) -> &[f32] {
        &self.norms
    }

    /// The words' rows as held, row-major: [`Vectors::len`] rows of
    /// [`Vectors::dims`] values, row `i` for word `i`, at
    /// [`Vectors::stored_scale`]. Borrowed, never copied: from the memory
    /// map of an uncompressed `.fifu` with a plain matrix (little-endian
    /// and aligned, as finalfusion writes it), from memory otherwise (the
    /// values read from a text or word2vec file, a quantized matrix
    /// reconstructed, a fastText model's word vectors computed).
    ///
    /// ```
    /// use embed_tl::vectors::{Scale, Vectors};
    ///
    /// let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
    /// let rows = vectors.stored_rows();
    /// assert_eq!(rows.len(), vectors.len() * vectors.dims());
    /// let i = vectors.index("king").expect("a frequent word");
    /// let king = vectors.embedding("king", vectors.stored_scale()).unwrap();
    /// assert_eq!(&rows[i * 50..(i + 1) * 50], &king[..]);
    /// # Ok::<(), embed_tl::Error>(())
    /// ```
    pub fn stored_rows(&self) -> &[f32] {
        &self.matrix.as_slice()[..self.len() * self.dims]
    }

    /// The scale of [`Vectors::stored_rows`]: [`Scale::Unit`] for
    /// finalfusion files with a norms chunk and fastText models (unit rows
    /// and their norms), [`Scale::Original`] for the rest (the file's
    /// values; `embed-tl vectors convert` from a text or word2vec file
    /// writes a `.fifu` of those, without norms).
    pub fn stored_scale(&self) -> Scale {
        if self.unit_rows {
            Scale::Unit
        } else {
            Scale::Original
        }
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
        assert_eq!(out.len(), self.dims, "output has the wrong length");
        if let Some(idx) = self.index(word) {
            self.row_into(idx, scale, out);
            return true;
        }
        let Some(subwords) = &self.subwords else {
            return false;
        };
        if !subwords.embedding_into(word, out) {
            return false;
        }
        if scale == Scale::Unit {
            build::normalize(out);
        }
        true
    }

    /// The vector of `word`, if it has one (see [`Vectors::embedding_into`]).
    pub fn embedding(&self, word: &str, scale: Scale) -> Option<Vec<f32>> {
        let mut out = vec![0.0; self.dims];
        self.embedding_into(word, scale, &mut out).then_some(out)
    }

    /// Vectors of many words as a `words x dims` matrix; rows of words
    /// without a vector are zero and flagged `false`.
    pub fn embedding_batch(
        &self,
        words: &[impl AsRef<str>],
        scale: Scale,
    ) -> (ndarray::Array2<f32>, Vec<bool>) {
        let mut matrix = ndarray::Array2::zeros((words.len(), self.dims));
        let mut found = Vec::with_capacity(words.len());
        for (word, mut row) in words.iter().zip(matrix.rows_mut()) {
            let row = row.as_slice_mut().expect("fresh arrays are contiguous");
            found.push(self.embedding_into(word.as_ref(), scale, row));
        }
        (matrix, found)
    }

    /// Norm statistics of the known words' original vectors.
    pub fn norm_stats(&self) -> Option<NormStats> {
        let mut sorted = self.norms.clone();
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
        let query = self
            .embedding(word, Scale::Unit)
            .ok_or_else(|| self.unknown_word(&[word]))?;
        Ok(self.nearest(&query, k, &[word]))
    }

    /// "`a` is to `b` as `c` is to ?": the `k` words nearest (by cosine) to
    /// `b - a + c` of the unit vectors, excluding the three query words.
    /// This is the order of word2vec's `word-analogy`, finalfusion-utils
    /// and the analogy test files (`questions-words.txt`): `analogy("man",
    /// "king", "woman", k)` gives `queen` first.
    pub fn analogy(&self, a: &str, b: &str, c: &str, k: usize) -> Result<Vec<(String, f32)>> {
        let missing: Vec<&str> = [a, b, c]
            .into_iter()
            .filter(|w| self.embedding(w, Scale::Unit).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(self.unknown_word(&missing));
        }
        let unit = |w: &str| self.embedding(w, Scale::Unit).unwrap_or_default();
        let (va, vb, vc) = (unit(a), unit(b), unit(c));
        let mut query: Vec<f32> = (0..self.dims).map(|i| vb[i] - va[i] + vc[i]).collect();
        build::normalize(&mut query);
        Ok(self.nearest(&query, k, &[a, b, c]))
    }

    /// The `k` words with the largest dot product with the unit `query`.
    fn nearest(&self, query: &[f32], k: usize, exclude: &[&str]) -> Vec<(String, f32)> {
        let dims = self.dims;
        let words = &self.matrix.as_slice()[..self.len() * dims];
        let skip: Vec<usize> = exclude.iter().filter_map(|w| self.index(w)).collect();
        let mut scored: Vec<(f32, usize)> = words
            .par_chunks(dims)
            .enumerate()
            .filter(|(i, _)| !skip.contains(i))
            .map(|(i, row)| {
                let dot = row.iter().zip(query).map(|(a, b)| a * b).sum::<f32>();
                let norm = self.norms[i];
                match self.unit_rows {
                    true => (dot, i),
                    false if norm > 0.0 => (dot / norm, i),
                    false => (0.0, i),
                }
            })
            .collect();
        let by_score = |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let k = k.min(scored.len());
        if k == 0 {
            return Vec::new();
        }
        scored.select_nth_unstable_by(k - 1, by_score);
        scored.truncate(k);
        scored.sort_unstable_by(by_score);
        scored
            .into_iter()
            .map(|(s, i)| (self.word(i).to_string(), s))
            .collect()
    }

    fn unknown_word(&self, words: &[&str]) -> Error {
        Error::UnknownWord {
            words: words.iter().map(|w| w.to_string()).collect(),
            vocabulary: self.len(),
            subwords: self.has_subwords(),
        }
    }

    /// Write the vectors in `format`: exactly the f32 values read, bit for
    /// bit (text formats print each value's shortest decimal that parses
    /// back to it).
    ///
    /// The text and word2vec formats get the original scale: the file's
    /// values, or for finalfusion files with norms the unit row times its
    /// norm (finalfusion's `embedding_with_norm`). finalfusion gets the
    /// matrix as held: the unit matrix and its norms, or the values without
    /// a norms chunk, so that reading it back gives the same values.
    /// Subword n-grams survive only in finalfusion. Words a format cannot
    /// hold are refused before anything is written
    /// ([`Vectors::check_writable`]).
    pub fn write<W: Write + Seek>(&self, out: W, format: Format) -> Result<()> {
        if format == Format::FastText {
            return Err(Error::InvalidParameter(
                "writing fastText .bin is not supported: write fifu to keep subwords".into(),
            ));
        }
        self.check_writable(format)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
        match format {
            Format::Glove => write::text(self, &mut out, false)?,
            Format::Word2VecText => write::text(self, &mut out, true)?,
            Format::Word2VecBinary => write::word2vec_binary(self, &mut out)?,
            Format::Finalfusion => self.write_fifu(&mut out)?,
            Format::FastText => unreachable!("refused above"),
        }
        out.flush()?;
        Ok(())
    }

    /// Ok when every word can be written in `format` and read back as the
    /// same word; else [`Error::Unwritable`] naming the first word that
    /// cannot (a word2vec binary word with a space, a text word with a line
    /// break...). finalfusion keeps any word.
    pub fn check_writable(&self, format: Format) -> Result<()> {
        for (index, word) in self.words().enumerate() {
            if let Some(reason) = write::unwritable(word, format) {
                return Err(Error::Unwritable {
                    word: word.to_string(),
                    index,
                    format: format.to_string(),
                    reason,
                });
            }
        }
        Ok(())
    }

    /// finalfusion: the simple layout, or with a subword vocabulary its
    /// chunk and the n-gram rows after the words' rows. Word rows are
    /// written as held; with subwords they are written as unit vectors
    /// with their norms, as finalfusion keeps them (when this set holds
    /// original rows, a file without norms and with subwords, which
    /// finalfusion does not write, they are normalised here: the one case
    /// where the values read back are not the same bits).
    fn write_fifu<W: Write>(&self, out: &mut W) -> Result<()> {
        let words = self.vocab.words();
        let matrix = self.matrix.as_slice();
        let Some(subwords) = &self.subwords else {
            let norms = self.unit_rows.then_some(&self.norms[..]);
            return write::fifu(out, words, matrix, self.dims, norms, None);
        };
        if self.unit_rows {
            return write::fifu(
                out,
                words,
                matrix,
                self.dims,
                Some(&self.norms),
                Some(subwords),
            );
        }
        let mut unit = matrix.to_vec();
        let mut norms = self.norms.clone();
        if self.dims > 0 {
            for (row, norm) in unit.chunks_exact_mut(self.dims).zip(norms.iter_mut()) {
                *norm = build::normalize(row);
            }
        }
        write::fifu(out, words, &unit, self.dims, Some(&norms), Some(subwords))
    }

    /// A new, in-memory set holding only `words` (those that have a
    /// vector: known words, or subword vectors in fastText files), in the
    /// order given, without subwords.
    pub fn subset<'a>(&self, words: impl IntoIterator<Item = &'a str>) -> Vectors {
        let dims = self.dims;
        let mut vocab = Vocab::default();
        let mut values = Vec::new();
        let mut norms = Vec::new();
        let mut row = vec![0.0; dims];
        for word in words {
            if vocab.get(word).is_some() {
                continue;
            }
            if let Some(idx) = self.index(word) {
                values.extend_from_slice(self.stored_row(idx));
                norms.push(self.norm(idx));
            } else if self.embedding_into(word, Scale::Original, &mut row) {
                // An average of checked n-gram rows: its norm is usable.
                if self.unit_rows {
                    norms.push(build::normalize(&mut row));
                } else {
                    norms.push(build::norm_f64(&row) as f32);
                }
                values.extend_from_slice(&row);
            } else {
                continue;
            }
            vocab.push(word);
        }
        Vectors {
            vocab,
            matrix: Matrix::Owned(values),
            norms,
            unit_rows: self.unit_rows,
            dims,
            subwords: None,
            format: self.format,
            compression: self.compression,
            report: LoadReport::default(),
            fasttext: None,
        }
    }

    /// The first `n` words (the most frequent, in GloVe and word2vec files).
    pub fn top(&self, n: usize) -> Vectors {
        let words: Vec<&str> = self.words().take(n).collect();
        self.subset(words)
    }

    /// Take over finalfusion embeddings (the layouts it reads for us:
    /// quantized matrices), reconstructed into memory.
    fn from_finalfusion<S: Storage>(
        embeddings: Embeddings<VocabWrap, S>,
        format: Format,
        compression: Compression,
    ) -> Result<Vectors> {
        let (_, vocab, storage, norms) = embeddings.into_parts();
        let (rows, dims) = storage.shape();
        let mut values = Vec::with_capacity(rows * dims);
        for i in 0..rows {
            values.extend(storage.embedding(i).iter());
        }
        Vectors::assemble(vocab, values, dims, norms, format, compression)
    }

    fn assemble(
        vocab: VocabWrap,
        mut values: Vec<f32>,
        dims: usize,
        norms: Option<NdNorms>,
        format: Format,
        compression: Compression,
    ) -> Result<Vectors> {
        let mut words = Words::with_capacity(vocab.words_len(), vocab.words_len() * 8);
        vocab.words().iter().for_each(|w| words.push(w));
        let (index, _, duplicate) = Vocab::build(words);
        if let Some(word) = duplicate {
            return Err(Error::malformed(
                Location::None,
                format!("duplicate word '{word}' in the vocabulary"),
            ));
        }
        let rows = values.len().checked_div(dims).unwrap_or(0);
        if dims == 0 || dims > MAX_DIMS || rows != vocab.vocab_len() {
            return Err(Error::malformed(
                Location::None,
                format!(
                    "the matrix has {rows} rows of {dims} values, the vocabulary needs {} rows",
                    vocab.vocab_len()
                ),
            ));
        }
        let stored = match norms {
            Some(n) if n.len() == index.len() => Some(n.to_vec()),
            Some(n) => {
                return Err(Error::malformed(
                    Location::None,
                    format!("{} norms for {} words", n.len(), index.len()),
                ))
            }
            None => None,
        };
        let unit_rows = stored.is_some();
        let norms =
            build::check_rows(&values, dims, index.len(), stored.as_deref()).map_err(|bad| {
                bad_row_error(bad, index.words(), index.len(), format, Location::None)
            })?;
        let ngrams = values.split_off(index.len() * dims);
        let subwords = Subwords::from_finalfusion(&vocab, NgramRows::owned(ngrams, dims));
        Ok(Vectors {
            vocab: index,
            matrix: Matrix::Owned(values),
            norms,
            unit_rows,
            dims,
            subwords,
            format,
            compression,
            report: LoadReport::default(),
            fasttext: None,
        })
    }
}

fn open_path(path: &Path, options: &OpenOptions) -> Result<Vectors> {
    let file = File::open(path)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let compression = sniff::compression(reader.fill_buf()?);

    if compression == Compression::None {
        let format = match options.format {
            Some(f) => f,
            None => sniff::format(reader.fill_buf()?)
                .map_err(|m| Error::malformed(Location::None, m))?,
        };
        if matches!(format, Format::Finalfusion | Format::FastText) {
            if format == Format::Finalfusion {
                check_fifu_encoding(options.encoding)?;
            }
            // Safety: the map is read-only; like every memory-mapped
            // reader (finalfusion's included) we rely on the file not
            // being truncated while it is open. Every count in it is
            // checked against the map's length before anything points
            // into it; the binary turns a SIGBUS from a file cut while
            // open into an error message (cli/output.rs).
            let map = unsafe { memmap2::Mmap::map(reader.get_ref())? };
            let backing = Backing::Map(std::sync::Arc::new(map));
            return match format {
                Format::Finalfusion => open_fifu(backing, options.lossy, compression),
                _ => read_fasttext(backing, options.lossy, options.encoding, compression),
            };
        }
        return read_format(reader, format, options.lossy, options.encoding, compression);
    }

    let inner: Box<dyn Read> = match compression {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(reader)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(reader)?),
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
    read_format(
        Cursor::new(prefix).chain(inner),
        format,
        options.lossy,
        options.encoding,
        compression,
    )
}

/// finalfusion stores words in UTF-8 by definition: another encoding is a
/// mistake to report, not to apply.
fn check_fifu_encoding(encoding: Encoding) -> Result<()> {
    if encoding == Encoding::Utf8 {
        return Ok(());
    }
    Err(Error::malformed(
        Location::None,
        format!(
            "a finalfusion file: its words are UTF-8 by definition, so encoding {encoding} does \
             not apply (drop --vectors-encoding)"
        ),
    ))
}

/// How many bytes the sniffer looks at: enough for two text rows of
/// thousands of dimensions.
const SNIFF_BYTES: u64 = 256 << 10;

/// A finalfusion file (memory-mapped, or its bytes in memory). Layouts
/// with a plain f32 matrix (simple and subword vocabularies) are used in
/// place: the words' rows and the n-gram rows stay in the file's bytes,
/// checked block by block without keeping the pages. Quantized layouts go
/// through finalfusion's reader.
fn open_fifu(backing: Backing, lossy: bool, compression: Compression) -> Result<Vectors> {
    let Some(fifu) = fifu::parse(backing.bytes(), lossy)? else {
        let bytes = backing.bytes();
        precheck::finalfusion(bytes)?;
        let embeddings = guard_finalfusion(|| {
            Embeddings::<VocabWrap, StorageWrap>::read_embeddings(&mut Cursor::new(bytes))
        })?;
        return Vectors::from_finalfusion(embeddings, Format::Finalfusion, compression);
    };
    let fifu::Fifu {
        vocab,
        matrix_offset,
        dims,
        norms,
        subwords,
    } = fifu;
    let words = vocab.len();
    let len = words * dims;
    let bad = |bad| {
        bad_row_error(
            bad,
            vocab.words(),
            words,
            Format::Finalfusion,
            Location::None,
        )
    };
    // Without a norms chunk the rows are the vectors themselves.
    let unit_rows = norms.is_some();
    let checked = backing::check_stored(
        &backing,
        matrix_offset,
        words,
        dims,
        words,
        norms.as_deref(),
        0,
    )
    .map_err(bad)?;
    let subwords = match subwords {
        None => None,
        Some(spec) => {
            let offset = matrix_offset + len * 4;
            let rows = spec.indexer.rows() as usize;
            backing::check_stored(&backing, offset, rows, dims, 0, None, words).map_err(bad)?;
            let rows = NgramRows::stored(backing.clone(), offset, rows, dims);
            rows.random_access();
            Some(Subwords {
                indexer: spec.indexer,
                min_n: spec.min_n,
                max_n: spec.max_n,
                bow: spec.bow,
                eow: spec.eow,
                rows,
            })
        }
    };
    Ok(Vectors {
        matrix: Matrix::in_place(&backing, matrix_offset, len),
        vocab,
        norms: checked,
        unit_rows,
        dims,
        subwords,
        format: Format::Finalfusion,
        compression,
        report: LoadReport::default(),
        fasttext: None,
    })
}

fn read_format<R: BufRead>(
    mut reader: R,
    format: Format,
    lossy: bool,
    encoding: Encoding,
    compression: Compression,
) -> Result<Vectors> {
    use text::{read_text, TextOptions};
    let (finished, report) = match format {
        Format::Glove | Format::Word2VecText => read_text(
            reader,
            TextOptions {
                header: format == Format::Word2VecText,
                lossy,
                encoding,
            },
        )?,
        Format::Word2VecBinary => word2vec::read_word2vec_binary(reader, lossy, encoding)?,
        Format::FastText | Format::Finalfusion => {
            if format == Format::Finalfusion {
                check_fifu_encoding(encoding)?;
            }
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes)?;
            let backing = Backing::Heap(std::sync::Arc::new(bytes));
            return match format {
                Format::Finalfusion => open_fifu(backing, lossy, compression),
                _ => read_fasttext(backing, lossy, encoding, compression),
            };
        }
    };
    Vectors::from_finished(finished, format, compression, report)
}

/// The error for a row [`build::check_rows`] or a reader refused: names the
/// word (or n-gram row) and, when many rows of a word2vec binary file are
/// too large, suggests the byte order.
fn bad_row_error(
    bad: BadRow,
    words: &Words,
    n_words: usize,
    format: Format,
    location: Location,
) -> Error {
    let name = |row: usize| {
        if row < n_words {
            format!("'{}'", words.get(row).escape_debug())
        } else {
            format!("n-gram row {}", row - n_words + 1)
        }
    };
    let message = match bad {
        BadRow::NotFinite { row, value, found } => format!(
            "value {} of {} is not a finite number ({found})",
            value + 1,
            name(row)
        ),
        BadRow::TooLarge { row, norm, count } => {
            let mut m = format!(
                "the vector of {} has norm {norm:.2e}: too large (norms of about 1.84e19 or \
                 more are refused: their square overflows f32, and pooling or similarity \
                 would turn them into inf and NaN)",
                name(row)
            );
            if count > 1 {
                m.push_str(&format!("; {count} of {n_words} words are too large"));
            }
            if format == Format::Word2VecBinary && count >= 2 && count * 10 >= n_words {
                m.push_str(
                    "; was the file written big-endian? word2vec binary floats are read \
                     little-endian, as word2vec.c and gensim write them",
                );
            }
            m
        }
    };
    Error::malformed(location, message)
}

/// A fastText model, memory-mapped or in memory, either layout, with or
/// without subwords: checked, then read (see [`fasttext`]). The words'
/// rows are computed into memory; the n-gram rows stay in `backing`.
fn read_fasttext(
    backing: Backing,
    lossy: bool,
    encoding: Encoding,
    compression: Compression,
) -> Result<Vectors> {
    let model = fasttext::parse(backing.bytes())?;
    let read = fasttext::read(&model, &backing, lossy, encoding)?;
    let info = model.info;
    let dims = model.dims;
    Ok(Vectors {
        vocab: read.vocab,
        matrix: Matrix::Owned(read.values),
        norms: read.norms,
        unit_rows: read.unit_rows,
        dims,
        subwords: read.subwords,
        format: Format::FastText,
        compression,
        report: LoadReport {
            lossy_words: read.lossy_words,
            ..LoadReport::default()
        },
        fasttext: Some(info),
    })
}

/// Run a finalfusion reader, turning its errors (and its panics on
/// malformed input) into ours.
fn guard_finalfusion<T, F>(read: F) -> Result<T>
where
    F: FnOnce() -> std::result::Result<T, finalfusion::error::Error>,
{
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)) {
        Ok(Ok(embeddings)) => Ok(embeddings),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name `vectors info` prints (text: `Display`; JSON: serde)
    /// parses back to the same format, as do the aliases.
    #[test]
    fn every_printed_format_name_parses() {
        for format in Format::ALL {
            let shown = format.to_string();
            let serialised = serde_json::to_value(format).unwrap();
            let serialised = serialised.as_str().unwrap();
            for name in [shown.as_str(), serialised] {
                assert_eq!(name.parse::<Format>().unwrap(), format, "{name}");
            }
            for alias in format.aliases() {
                assert_eq!(alias.parse::<Format>().unwrap(), format, "{alias}");
            }
        }
        let cases = [
            ("finalfusion", Format::Finalfusion),
            ("FastText", Format::FastText),
            ("word2vec_bin", Format::Word2VecBinary),
            ("vec", Format::Word2VecText),
            ("GloVe", Format::Glove),
        ];
        for (name, expected) in cases {
            assert_eq!(name.parse::<Format>().unwrap(), expected, "{name}");
        }
        let err = "word3vec".parse::<Format>().unwrap_err().to_string();
        assert!(err.contains("fifu|finalfusion"), "{err}");
    }
}
