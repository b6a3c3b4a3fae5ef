//! Checks run on finalfusion bytes before finalfusion's readers see them
//! (fastText models are checked by their own reader, `fasttext.rs`).
//!
//! Those readers trust the counts in a file: a header claiming 10^12 rows
//! makes them allocate for 10^12 rows, and duplicate words trip an
//! assertion. Here every count is checked against the bytes that follow
//! it, so that any allocation is bounded by the file's own size, and the
//! errors say where the file is wrong.

use std::collections::HashSet;

use super::bytes::Bytes;
use crate::error::{Error, Location, Result};
use crate::vectors::MAX_DIMS;

/// A finalfusion file: each chunk fits the file, each chunk's counts
/// (words, n-grams, rows x columns, codes, norms) fit the chunk, and each
/// chunk's fields end exactly where its length says.
///
/// The last matters because finalfusion parses a chunk's fields without
/// looking at its length and reads the next chunk from wherever they end:
/// a vocabulary that claims 540 bytes but holds no words would make it
/// read the next chunk header from inside the words.
pub(crate) fn finalfusion(data: &[u8]) -> Result<()> {
    let mut b = Bytes::file(data);
    if b.take(4, "header")? != b"FiFu" {
        return Err(Error::malformed(
            Location::Byte(0),
            "not a finalfusion file",
        ));
    }
    b.u32("header")?;
    let n_chunks = b.u32("header")?;
    if n_chunks as usize > b.left() / 4 {
        return Err(b.error(format!("header lists {n_chunks} chunks")));
    }
    b.take(4 * n_chunks as usize, "header")?;
    while b.left() > 0 {
        let at = b.pos;
        let id = b.u32("chunk header")?;
        let len = b.u64("chunk header")?;
        if len > b.left() as u64 {
            return Err(b.error_at(
                at,
                format!(
                    "chunk of {len} bytes, but only {} bytes are left (truncated file?)",
                    b.left()
                ),
            ));
        }
        let body_at = b.pos;
        let mut c = Bytes::chunk(b.take(len as usize, "chunk")?, body_at);
        if chunk(&mut c, id)? && c.left() > 0 {
            return Err(b.error_at(
                at,
                format!(
                    "chunk {id} says it has {len} bytes, but its contents end after {}",
                    c.pos
                ),
            ));
        }
    }
    Ok(())
}

/// Check the body of one finalfusion chunk, reading its fields as
/// finalfusion would. `Ok(true)`: a kind of chunk whose fields were all
/// read (the caller checks they fill the chunk); `Ok(false)`: a kind that
/// finalfusion reads by its length (metadata) or rejects itself.
fn chunk(c: &mut Bytes<'_>, id: u32) -> Result<bool> {
    // `count` items of at least `each` bytes fit in what is left.
    let fits = |count: u64, each: u64, c: &Bytes<'_>| {
        count
            .checked_mul(each)
            .is_some_and(|n| n <= c.left() as u64)
    };
    match id {
        // Vocabularies: word count (and n-gram count for explicit
        // n-grams), n-gram settings, then the words, each unique, then
        // (explicit) the n-grams with their indices.
        1 | 3 | 7 | 8 => {
            let words = c.u64("vocabulary")?;
            let ngrams = if id == 8 { c.u64("vocabulary")? } else { 0 };
            let at = c.pos;
            let settings_ok = match id {
                1 => true,
                8 => ngram_lengths(c)?,
                _ => {
                    let ok = ngram_lengths(c)?;
                    // 3: log2 of the buckets; 7: the number of buckets.
                    let buckets = c.u32("vocabulary")?;
                    ok && (id == 7 || buckets <= 40)
                }
            };
            if !settings_ok {
                return Err(c.error_at(
                    at,
                    "subword vocabulary settings: expected 1 <= min_n <= max_n and at most 2^40 \
                     buckets",
                ));
            }
            // Each word takes at least its 4-byte length, each n-gram its
            // length and an 8-byte index.
            if !fits(words, 4, c) || !fits(ngrams, 12, c) {
                return Err(c.error_at(
                    0,
                    format!(
                        "vocabulary of {words} words and {ngrams} n-grams does not fit its chunk"
                    ),
                ));
            }
            unique_words(c, words)?;
            for _ in 0..ngrams {
                let len = c.u32("n-grams")?;
                c.take(len as usize, "n-grams")?;
                c.take(8, "n-grams")?;
            }
            Ok(true)
        }
        // Floret: n-gram lengths, buckets, hashes, seed, two markers.
        9 => {
            let lengths_ok = ngram_lengths(c)?;
            c.u64("vocabulary")?;
            let at = c.pos;
            let hashes = c.u32("vocabulary")?;
            if !lengths_ok || !(1..=4).contains(&hashes) {
                return Err(c.error_at(
                    at,
                    format!(
                        "floret vocabulary with {hashes} hashes: expected 1 <= min_n <= max_n \
                         and 1 to 4 hashes"
                    ),
                ));
            }
            c.u32("vocabulary")?;
            for _ in 0..2 {
                let len = c.u32("vocabulary")?;
                c.take(len as usize, "vocabulary")?;
            }
            Ok(true)
        }
        // NdArray: rows, columns, type, padding, rows x columns f32. A
        // matrix without columns is refused: its row count would be
        // bounded by nothing, and reading 10^10 empty rows hangs.
        2 => {
            let rows = c.u64("matrix")?;
            let at = c.pos;
            let cols = u64::from(c.u32("matrix")?);
            if cols == 0 || cols > MAX_DIMS as u64 {
                return Err(c.error_at(
                    at,
                    format!("matrix of {rows} x {cols}: expected 1 to {MAX_DIMS} columns"),
                ));
            }
            c.take(4, "matrix")?;
            c.skip_padding()?;
            if !rows.checked_mul(cols).is_some_and(|n| fits(n, 4, c)) {
                return Err(c.error_at(
                    0,
                    format!("matrix of {rows} x {cols} values does not fit its chunk"),
                ));
            }
            c.take((rows * cols * 4) as usize, "matrix")?;
            Ok(true)
        }
        4 => {
            quantized(c)?;
            Ok(true)
        }
        // NdNorms: a count, type, padding, then f32 values.
        6 => {
            let n = c.u64("norms")?;
            c.take(4, "norms")?;
            c.skip_padding()?;
            if !fits(n, 4, c) {
                return Err(c.error_at(0, format!("{n} norms do not fit their chunk")));
            }
            c.take((n * 4) as usize, "norms")?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// A product-quantized matrix (finalfusion's `QuantizedArray` chunk body):
/// projection flag, norms flag, quantized length `q`, reconstructed length
/// `r`, centroids `k`, rows `n`, two type ids, padding, an `r x r`
/// projection (if flagged), `q x k x r/q` centroid values, `n` norms (if
/// flagged) and `n x q` one-byte codes. Its sizes must fit the chunk and
/// every code must name a centroid: finalfusion and reductive divide and
/// index by these numbers unchecked.
fn quantized(c: &mut Bytes<'_>) -> Result<()> {
    let what = "quantized matrix";
    let projection = c.u32(what)? != 0;
    let norms = c.u32(what)? != 0;
    let at = c.pos;
    let q = u64::from(c.u32(what)?);
    let r = u64::from(c.u32(what)?);
    let k = u64::from(c.u32(what)?);
    let n = c.u64(what)?;
    if q == 0 || r == 0 || r > MAX_DIMS as u64 || r % q != 0 || k == 0 {
        return Err(c.error_at(
            at,
            format!(
                "quantized matrix of {q} codes a row, {r} dimensions and {k} centroids: expected \
                 1 to {MAX_DIMS} dimensions, a multiple of at least 1 code, and at least 1 centroid"
            ),
        ));
    }
    c.take(8, what)?;
    c.skip_padding()?;
    let codes = n.checked_mul(q);
    let floats = [
        if projection { r * r } else { 0 },
        k * r,
        if norms { n } else { 0 },
    ];
    let needed = floats
        .into_iter()
        .try_fold(0u64, u64::checked_add)
        .and_then(|f| f.checked_mul(4))
        .zip(codes)
        .and_then(|(f, codes)| f.checked_add(codes));
    let (Some(needed), Some(codes)) = (needed, codes) else {
        return Err(c.error_at(at, "quantized matrix sizes overflow"));
    };
    if needed > c.left() as u64 {
        return Err(c.error_at(
            at,
            format!(
                "quantized matrix of {n} rows needs {needed} bytes, its chunk has {} left",
                c.left()
            ),
        ));
    }
    c.take((needed - codes) as usize, what)?;
    let start = c.pos;
    let data = c.take(codes as usize, what)?;
    if let Some(i) = data.iter().position(|&b| u64::from(b) >= k) {
        return Err(c.error_at(
            start + i,
            format!(
                "quantized matrix row {} names centroid {} of {k}",
                i as u64 / q + 1,
                data[i]
            ),
        ));
    }
    Ok(())
}

/// `min_n` and `max_n` of a subword vocabulary: `true` when
/// `1 <= min_n <= max_n`.
fn ngram_lengths(c: &mut Bytes<'_>) -> Result<bool> {
    let min_n = c.u32("vocabulary")?;
    let max_n = c.u32("vocabulary")?;
    Ok(min_n >= 1 && min_n <= max_n)
}

/// `n` length-prefixed words, each different from the others.
fn unique_words(c: &mut Bytes<'_>, n: u64) -> Result<()> {
    let mut seen = HashSet::with_capacity(n as usize);
    for i in 0..n {
        let start = c.pos;
        let len = c.u32("vocabulary")?;
        let word = c.take(len as usize, "vocabulary")?;
        if !seen.insert(word) {
            return Err(c.error_at(
                start,
                format!(
                    "vocabulary entry {} repeats the word '{}'",
                    i + 1,
                    String::from_utf8_lossy(word)
                ),
            ));
        }
    }
    Ok(())
}
