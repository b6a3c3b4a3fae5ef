//! A fast reader for the finalfusion layouts with a plain f32 matrix: a
//! simple or subword vocabulary, the matrix, optional norms, straight
//! from a memory map (or the file's bytes in memory). The matrix is used
//! in place; only the words (and explicit n-grams) are copied.
//!
//! Every chunk is checked against the bytes that hold it before anything
//! points into the file, so a cut or corrupted file is an error naming
//! the byte and the field, never a read past the end of the map.
//!
//! Files in other finalfusion layouts (quantized matrices) return
//! `Ok(None)` and are read by finalfusion itself.

use finalfusion::compat::fasttext::FastTextIndexer;
use finalfusion::compat::floret::FloretIndexer;
use finalfusion::subword::{BucketIndexer as _, FinalfusionHashIndexer};

use super::build::{Vocab, Words};
use super::bytes::Bytes;
use super::subwords::{Explicit, Indexer};
use crate::error::{Error, Location, Result};

const MAGIC: &[u8; 4] = b"FiFu";
const SIMPLE_VOCAB: u32 = 1;
const ND_ARRAY: u32 = 2;
const BUCKET_VOCAB: u32 = 3;
const METADATA: u32 = 5;
const ND_NORMS: u32 = 6;
const FASTTEXT_VOCAB: u32 = 7;
const EXPLICIT_VOCAB: u32 = 8;
const FLORET_VOCAB: u32 = 9;
const F32_TYPE: u32 = 10;

/// The vocabulary chunks read here.
const VOCABS: [u32; 5] = [
    SIMPLE_VOCAB,
    BUCKET_VOCAB,
    FASTTEXT_VOCAB,
    EXPLICIT_VOCAB,
    FLORET_VOCAB,
];

/// The parts of a finalfusion file with a plain matrix.
pub(crate) struct Fifu {
    pub vocab: Vocab,
    /// Byte offset of the row-major `rows x dims` f32 matrix: the words'
    /// rows, then (with subwords) the n-gram rows.
    pub matrix_offset: usize,
    pub dims: usize,
    pub norms: Option<Vec<f32>>,
    /// How unknown words are cut into n-grams, for subword vocabularies.
    pub subwords: Option<SubwordSpec>,
}

/// A subword vocabulary's settings (its rows follow the words' rows).
pub(crate) struct SubwordSpec {
    pub indexer: Indexer,
    pub min_n: u32,
    pub max_n: u32,
    pub bow: String,
    pub eow: String,
}

/// Parse a finalfusion file with a plain f32 matrix; `Ok(None)` for other
/// layouts.
pub(crate) fn parse(bytes: &[u8], lossy: bool) -> Result<Option<Fifu>> {
    let mut c = Bytes::file(bytes);
    if c.take(4, "header")? != MAGIC {
        return Err(Error::malformed(
            Location::Byte(0),
            "not a finalfusion file (no FiFu magic)",
        ));
    }
    let version = c.u32("header")?;
    if version != 0 {
        return Err(Error::malformed(
            Location::Byte(4),
            format!("finalfusion format version {version}; version 0 is supported"),
        ));
    }
    let n_chunks = c.u32("header")? as usize;
    if n_chunks > 16 {
        return Err(Error::malformed(
            Location::Byte(8),
            format!("{n_chunks} chunks: not a finalfusion file?"),
        ));
    }
    let mut ids = Vec::with_capacity(n_chunks);
    for _ in 0..n_chunks {
        ids.push(c.u32("header")?);
    }
    let layout: Vec<u32> = ids.iter().copied().filter(|&id| id != METADATA).collect();
    let plain = match layout[..] {
        [vocab, ND_ARRAY] | [vocab, ND_ARRAY, ND_NORMS] => VOCABS.contains(&vocab),
        _ => false,
    };
    if !plain {
        return Ok(None);
    }

    let mut vocab = None;
    let mut subwords = None;
    let mut matrix = None;
    let mut norms = None;
    for &id in &ids {
        let at = c.pos;
        let found = c.u32("chunk header")?;
        if found != id {
            return Err(Error::malformed(
                Location::Byte(at as u64),
                format!("expected chunk {id}, found chunk {found}"),
            ));
        }
        let len = c.u64("chunk header")?;
        let start = c.pos;
        match id {
            METADATA => {
                c.take(usize::try_from(len).unwrap_or(usize::MAX), "metadata chunk")?;
            }
            SIMPLE_VOCAB => {
                let n = c.u64("vocabulary")?;
                vocab = Some(read_words(&mut c, n, lossy)?);
            }
            BUCKET_VOCAB | FASTTEXT_VOCAB | EXPLICIT_VOCAB | FLORET_VOCAB => {
                let (words, spec) = read_subword_vocab(&mut c, id, lossy)?;
                vocab = Some(words);
                subwords = Some(spec);
            }
            ND_ARRAY => {
                let rows = c.u64("matrix header")?;
                let dims = c.u32("matrix header")? as usize;
                expect_f32(&mut c)?;
                c.skip_padding()?;
                let offset = c.pos;
                let size = usize::try_from(rows)
                    .ok()
                    .and_then(|r| r.checked_mul(dims))
                    .and_then(|n| n.checked_mul(4))
                    .ok_or_else(|| {
                        Error::malformed(Location::Byte(start as u64), "matrix size overflows")
                    })?;
                if dims == 0 || dims > super::MAX_DIMS {
                    return Err(c.error_at(
                        start + 8,
                        format!(
                            "matrix of {rows} x {dims}: expected 1 to {} columns",
                            super::MAX_DIMS
                        ),
                    ));
                }
                c.take(size, "matrix")?;
                matrix = Some((rows, dims, offset));
            }
            ND_NORMS => {
                let n = c.u64("norms header")?;
                expect_f32(&mut c)?;
                c.skip_padding()?;
                let size = usize::try_from(n)
                    .ok()
                    .and_then(|n| n.checked_mul(4))
                    .ok_or_else(|| {
                        Error::malformed(Location::Byte(start as u64), "norms size overflows")
                    })?;
                let data = c.take(size, "norms")?;
                norms = Some(
                    data.chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect::<Vec<f32>>(),
                );
            }
            _ => unreachable!("layout checked above"),
        }
        let consumed = (c.pos - start) as u64;
        if consumed > len {
            return Err(Error::malformed(
                Location::Byte(start as u64),
                format!("chunk {id} is longer than its declared {len} bytes"),
            ));
        }
        if id != METADATA && consumed < len {
            // finalfusion reads a chunk's fields, not its length: the
            // next chunk would be read from inside this one.
            return Err(Error::malformed(
                Location::Byte(at as u64),
                format!(
                    "chunk {id} says it has {len} bytes, but its contents end after {consumed}"
                ),
            ));
        }
    }
    let (Some(vocab), Some((rows, dims, matrix_offset))) = (vocab, matrix) else {
        return Ok(None);
    };
    let ngram_rows = subwords
        .as_ref()
        .map_or(0, |s: &SubwordSpec| s.indexer.rows());
    let expected = (vocab.len() as u64).checked_add(ngram_rows);
    if expected != Some(rows) {
        let ngrams = match ngram_rows {
            0 => String::new(),
            n => format!(" and the subword vocabulary {n} n-gram rows"),
        };
        return Err(Error::malformed(
            Location::None,
            format!(
                "the vocabulary has {} words{ngrams} but the matrix {rows} rows",
                vocab.len()
            ),
        ));
    }
    if let Some(n) = &norms {
        if n.len() != vocab.len() {
            return Err(Error::malformed(
                Location::None,
                format!("{} norms for {} words", n.len(), vocab.len()),
            ));
        }
    }
    Ok(Some(Fifu {
        vocab,
        matrix_offset,
        dims,
        norms,
        subwords,
    }))
}

/// A subword vocabulary chunk's body: its words and its n-gram settings,
/// each checked so that finalfusion's indexers cannot panic on them.
fn read_subword_vocab(c: &mut Bytes, id: u32, lossy: bool) -> Result<(Vocab, SubwordSpec)> {
    let settings_at = c.offset();
    let bad = |what: String| {
        Error::malformed(
            Location::Byte(settings_at),
            format!("subword vocabulary (chunk {id}): {what}"),
        )
    };
    let (n_words, n_ngrams) = match id {
        FLORET_VOCAB => (0, 0),
        EXPLICIT_VOCAB => (c.u64("vocabulary")?, c.u64("vocabulary")?),
        _ => (c.u64("vocabulary")?, 0),
    };
    let min_n = c.u32("vocabulary")?;
    let max_n = c.u32("vocabulary")?;
    if min_n < 1 || max_n < min_n {
        return Err(bad(format!(
            "n-gram lengths {min_n} to {max_n}: expected 1 <= min_n <= max_n"
        )));
    }
    let spec = |indexer| SubwordSpec {
        indexer,
        min_n,
        max_n,
        bow: "<".into(),
        eow: ">".into(),
    };
    match id {
        FASTTEXT_VOCAB | BUCKET_VOCAB => {
            let buckets = c.u32("vocabulary")?;
            let indexer = if id == FASTTEXT_VOCAB {
                if buckets == 0 || buckets > i32::MAX as u32 {
                    return Err(bad(format!(
                        "{buckets} buckets: expected 1 to {}",
                        i32::MAX
                    )));
                }
                Indexer::FastText(FastTextIndexer::new(buckets as usize))
            } else {
                if buckets > 40 {
                    return Err(bad(format!("2^{buckets} buckets: expected at most 2^40")));
                }
                Indexer::Hash(FinalfusionHashIndexer::new(buckets as usize))
            };
            let words = read_words(c, n_words, lossy)?;
            Ok((words, spec(indexer)))
        }
        EXPLICIT_VOCAB => {
            let words = read_words(c, n_words, lossy)?;
            // Each n-gram takes at least its length and its index.
            if n_ngrams > (c.left() / 12) as u64 {
                return Err(c.error(format!(
                    "subword vocabulary claims {n_ngrams} n-grams, more than its chunk can hold"
                )));
            }
            let mut ngrams = Words::with_capacity(n_ngrams as usize, n_ngrams as usize * 4);
            let mut indices = Vec::with_capacity(n_ngrams as usize);
            let mut starts = Vec::with_capacity(n_ngrams as usize);
            for i in 0..n_ngrams {
                let at = c.offset();
                starts.push(at);
                let len = c.u32("n-grams")? as usize;
                let raw = c.take(len, "n-grams")?;
                let ngram = std::str::from_utf8(raw).map_err(|_| {
                    Error::malformed(
                        Location::Byte(at),
                        format!("invalid UTF-8 in n-gram {}", i + 1),
                    )
                })?;
                ngrams.push(ngram);
                indices.push(c.u64("n-grams")?);
            }
            let explicit = Explicit::new(ngrams, &indices).map_err(|i| {
                Error::malformed(
                    Location::Byte(starts[i]),
                    format!(
                        "n-gram {} is a duplicate: not a valid finalfusion vocabulary",
                        i + 1
                    ),
                )
            })?;
            Ok((words, spec(Indexer::Explicit(explicit))))
        }
        _ => {
            let buckets = c.u64("vocabulary")?;
            let hashes = c.u32("vocabulary")?;
            let seed = c.u32("vocabulary")?;
            if buckets == 0 || !(1..=4).contains(&hashes) {
                return Err(bad(format!(
                    "floret with {buckets} buckets and {hashes} hashes: expected at least 1 \
                         bucket and 1 to 4 hashes"
                )));
            }
            let mut marker = |what| -> Result<String> {
                let at = c.offset();
                let len = c.u32(what)? as usize;
                let raw = c.take(len, what)?;
                String::from_utf8(raw.to_vec()).map_err(|_| {
                    Error::malformed(Location::Byte(at), format!("invalid UTF-8 in the {what}"))
                })
            };
            let bow = marker("begin-of-word marker")?;
            let eow = marker("end-of-word marker")?;
            let indexer = Indexer::Floret(FloretIndexer::new(buckets, hashes, seed));
            Ok((
                Vocab::default(),
                SubwordSpec {
                    bow,
                    eow,
                    ..spec(indexer)
                },
            ))
        }
    }
}

fn expect_f32(c: &mut Bytes) -> Result<()> {
    let at = c.pos;
    let t = c.u32("type id")?;
    if t != F32_TYPE {
        return Err(Error::malformed(
            Location::Byte(at as u64),
            format!("data type {t}: only f32 matrices are supported"),
        ));
    }
    Ok(())
}

/// `n` length-prefixed words, unique.
fn read_words(c: &mut Bytes, n: u64, lossy: bool) -> Result<Vocab> {
    // Each word takes at least 4 bytes: a count beyond the file is a lie.
    if n > (c.left() / 4) as u64 {
        return Err(Error::malformed(
            Location::Byte(c.pos as u64),
            format!("vocabulary claims {n} words, more than the file can hold"),
        ));
    }
    let mut words = Words::with_capacity(n as usize, (n as usize) * 8);
    let mut starts = Vec::with_capacity(n as usize);
    for i in 0..n {
        let at = c.pos;
        starts.push(at);
        let len = c.u32("vocabulary")? as usize;
        let raw = c.take(len, "vocabulary")?;
        match std::str::from_utf8(raw) {
            Ok(w) => words.push(w),
            Err(_) if lossy => words.push(&String::from_utf8_lossy(raw)),
            Err(_) => {
                return Err(Error::malformed(
                    Location::Byte(at as u64),
                    format!("invalid UTF-8 in word {} (use --lossy)", i + 1),
                ))
            }
        }
    }
    let (vocab, duplicates, _) = Vocab::build(words);
    if let Some(&i) = duplicates.first() {
        return Err(Error::malformed(
            Location::Byte(starts[i] as u64),
            format!(
                "word {} is a duplicate: not a valid finalfusion vocabulary",
                i + 1
            ),
        ));
    }
    Ok(vocab)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finalfusion file: `vocab` (chunk `id`'s body), then a matrix of
    /// `rows` x 2 zeros and no norms.
    fn file(id: u32, vocab: &[u8], rows: u64) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        for v in [0, 2, id, ND_ARRAY] {
            out.extend(v.to_le_bytes());
        }
        out.extend(id.to_le_bytes());
        out.extend((vocab.len() as u64).to_le_bytes());
        out.extend(vocab);
        out.extend(ND_ARRAY.to_le_bytes());
        let padding = 4 - (out.len() + 8) % 4;
        out.extend((8 + 4 + 4 + padding as u64 + rows * 8).to_le_bytes());
        out.extend(rows.to_le_bytes());
        out.extend(2u32.to_le_bytes());
        out.extend(F32_TYPE.to_le_bytes());
        out.extend(vec![0u8; padding]);
        out.extend(vec![0u8; rows as usize * 8]);
        out
    }

    fn put(out: &mut Vec<u8>, values: &[u64], width: usize) {
        values
            .iter()
            .for_each(|v| out.extend(&v.to_le_bytes()[..width]));
    }

    fn string(out: &mut Vec<u8>, s: &str) {
        put(out, &[s.len() as u64], 4);
        out.extend(s.as_bytes());
    }

    /// Subword settings finalfusion's indexers would panic on (or divide
    /// by zero with) are errors that say which; good ones parse.
    #[test]
    fn subword_vocabulary_settings() {
        // Bucketed (3, 7): words, min_n, max_n, buckets, then the word "a".
        let bucketed = |min_n: u64, max_n: u64, buckets: u64| {
            let mut v = Vec::new();
            put(&mut v, &[1], 8);
            put(&mut v, &[min_n, max_n, buckets], 4);
            string(&mut v, "a");
            v
        };
        // Explicit (8): words, n-grams, min_n, max_n, "a", then n-grams.
        let explicit = |ngrams: &[(&str, u64)]| {
            let mut v = Vec::new();
            put(&mut v, &[1, ngrams.len() as u64], 8);
            put(&mut v, &[2, 3], 4);
            string(&mut v, "a");
            for (ngram, index) in ngrams {
                string(&mut v, ngram);
                put(&mut v, &[*index], 8);
            }
            v
        };
        // Floret (9): min_n, max_n, buckets, hashes, seed, markers.
        let floret = |buckets: u64, hashes: u64| {
            let mut v = Vec::new();
            put(&mut v, &[3, 5], 4);
            put(&mut v, &[buckets], 8);
            put(&mut v, &[hashes, 7], 4);
            string(&mut v, "<");
            string(&mut v, ">");
            v
        };
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (file(7, &bucketed(3, 6, 4), 5), ""),
            (file(3, &bucketed(3, 6, 2), 5), ""),
            (
                file(8, &explicit(&[("<a", 9), ("a>", 4), ("<a>", 9)]), 3),
                "",
            ),
            (file(9, &floret(6, 2), 6), ""),
            (
                file(7, &bucketed(0, 6, 4), 5),
                "byte 32: subword vocabulary (chunk 7): n-gram lengths 0 to 6",
            ),
            (
                file(3, &bucketed(4, 3, 2), 5),
                "n-gram lengths 4 to 3: expected 1 <= min_n <= max_n",
            ),
            (
                file(7, &bucketed(3, 6, 1 << 31), 5),
                "2147483648 buckets: expected 1 to 2147483647",
            ),
            (file(3, &bucketed(3, 6, 41), 5), "2^41 buckets"),
            (
                file(8, &explicit(&[("<a", 1), ("a>", 2), ("<a", 3)]), 4),
                "n-gram 3 is a duplicate",
            ),
            (
                file(9, &floret(6, 5), 6),
                "floret with 6 buckets and 5 hashes",
            ),
            (file(9, &floret(0, 1), 0), "floret with 0 buckets"),
            (
                file(7, &bucketed(3, 6, 4), 6),
                "the vocabulary has 1 words and the subword vocabulary 4 n-gram rows but the \
                 matrix 6 rows",
            ),
        ];
        for (bytes, expected) in cases {
            match parse(&bytes, false) {
                Ok(Some(f)) => {
                    assert_eq!(expected, "", "parsed, expected '{expected}'");
                    assert!(f.subwords.is_some());
                }
                Ok(None) => panic!("not read: expected '{expected}'"),
                Err(e) => {
                    let e = e.to_string();
                    assert!(
                        !expected.is_empty() && e.contains(expected),
                        "got '{e}', expected '{expected}'"
                    );
                }
            }
        }
    }
}
