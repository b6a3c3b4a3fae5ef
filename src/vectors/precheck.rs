//! Checks run on fastText and finalfusion bytes before finalfusion's
//! readers see them.
//!
//! Those readers trust the counts in a file: a header claiming 10^12 rows
//! makes them allocate for 10^12 rows, and duplicate words trip an
//! assertion. Here every count is checked against the bytes that follow
//! it, so that any allocation is bounded by the file's own size, and the
//! errors say where the file is wrong.

use std::collections::HashSet;

use crate::error::{Error, Location, Result};
use crate::vectors::MAX_DIMS;

/// A little-endian cursor over the file's bytes.
struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.data.len() => {
                let out = &self.data[self.pos..end];
                self.pos = end;
                Ok(out)
            }
            _ => Err(self.error(format!("file ends inside the {what} (truncated file?)"))),
        }
    }

    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn i32(&mut self, what: &str) -> Result<i32> {
        Ok(self.u32(what)? as i32)
    }

    fn u64(&mut self, what: &str) -> Result<u64> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn left(&self) -> usize {
        self.data.len() - self.pos
    }

    fn error(&self, message: impl Into<String>) -> Error {
        Error::malformed(Location::Byte(self.pos as u64), message)
    }
}

/// A fastText `.bin` model: header, dictionary (unique words, counts that
/// fit the file) and the input matrix's shape against the bytes left.
pub(crate) fn fasttext(data: &[u8]) -> Result<()> {
    let mut b = Bytes { data, pos: 0 };
    b.u32("magic number")?;
    b.u32("version")?;
    let dims = b.i32("arguments")?;
    let mut args = [0i32; 11];
    for a in args.iter_mut() {
        *a = b.i32("arguments")?;
    }
    b.take(8, "arguments")?;
    let (bucket, minn, maxn) = (args[7], args[8], args[9]);
    if dims < 1 || dims as usize > MAX_DIMS {
        return Err(Error::malformed(
            Location::Byte(8),
            format!("model dimensions {dims}: expected between 1 and {MAX_DIMS}"),
        ));
    }
    if bucket < 0 || minn < 1 || maxn < minn {
        return Err(Error::malformed(
            Location::Byte(40),
            format!(
                "subword settings bucket {bucket}, minn {minn}, maxn {maxn}: expected buckets >= 0 \
                 and 1 <= minn <= maxn (models without subwords, maxn 0, are not supported)"
            ),
        ));
    }
    let size = b.i32("dictionary header")?;
    let nwords = b.i32("dictionary header")?;
    let nlabels = b.i32("dictionary header")?;
    b.u64("dictionary header")?;
    let pruned = b.u64("dictionary header")? as i64;
    // Each entry takes at least a NUL, an 8-byte count and a type byte.
    if size < 0
        || nwords < 0
        || nlabels < 0
        || i64::from(nwords) + i64::from(nlabels) != i64::from(size)
        || size as usize > b.left() / 10
    {
        return Err(b.error(format!(
            "dictionary of {size} entries ({nwords} words, {nlabels} labels) does not fit the file"
        )));
    }
    let mut seen = HashSet::with_capacity(size as usize);
    for i in 0..size {
        let start = b.pos;
        let end = match memchr::memchr(0, &data[start..]) {
            Some(len) => start + len,
            None => return Err(b.error("file ends inside the dictionary (truncated file?)")),
        };
        let word = &data[start..end];
        b.pos = end + 1;
        b.take(9, "dictionary")?;
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
    }
    if pruned > 0 {
        return Err(b.error("pruned (quantized) fastText models are not supported"));
    }
    if b.u8("quantization flag")? != 0 {
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
    let bytes = rows.checked_mul(cols).and_then(|n| n.checked_mul(4));
    if bytes.is_none_or(|n| n > b.left() as u64) {
        return Err(b.error(format!(
            "file ends inside the {rows} x {cols} input matrix (truncated file?)"
        )));
    }
    Ok(())
}

/// A finalfusion file: each chunk fits the file, each chunk's counts
/// (words, n-grams, rows x columns, codes, norms) fit the chunk, and each
/// chunk's fields end exactly where its length says.
///
/// The last matters because finalfusion parses a chunk's fields without
/// looking at its length and reads the next chunk from wherever they end:
/// a vocabulary that claims 540 bytes but holds no words would make it
/// read the next chunk header from inside the words.
pub(crate) fn finalfusion(data: &[u8]) -> Result<()> {
    let mut b = Bytes { data, pos: 0 };
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
        let at = b.pos as u64;
        let id = b.u32("chunk header")?;
        let len = b.u64("chunk header")?;
        if len > b.left() as u64 {
            return Err(Error::malformed(
                Location::Byte(at),
                format!(
                    "chunk of {len} bytes, but only {} bytes are left (truncated file?)",
                    b.left()
                ),
            ));
        }
        let body_at = b.pos;
        let body = b.take(len as usize, "chunk")?;
        let mut c = Bytes { data: body, pos: 0 };
        let parsed = chunk(&mut c, id, body_at as u64).map_err(|e| e.shifted(body_at))?;
        if parsed && c.pos != body.len() {
            return Err(Error::malformed(
                Location::Byte(at),
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
fn chunk(c: &mut Bytes<'_>, id: u32, body_at: u64) -> std::result::Result<bool, Shifted> {
    let short = |c: &Bytes<'_>| Shifted(c.pos, format!("chunk {id} is cut short"));
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
            let words = c.u64("vocabulary").map_err(|_| short(c))?;
            let ngrams = if id == 8 {
                c.u64("vocabulary").map_err(|_| short(c))?
            } else {
                0
            };
            let at = c.pos;
            let settings_ok = match id {
                1 => true,
                8 => ngram_lengths(c).ok_or_else(|| short(c))?,
                _ => {
                    let ok = ngram_lengths(c).ok_or_else(|| short(c))?;
                    // 3: log2 of the buckets; 7: the number of buckets.
                    let buckets = c.u32("vocabulary").map_err(|_| short(c))?;
                    ok && (id == 7 || buckets <= 40)
                }
            };
            if !settings_ok {
                return Err(Shifted(
                    at,
                    "subword vocabulary settings: expected 1 <= min_n <= max_n and at most 2^40 \
                     buckets"
                        .into(),
                ));
            }
            // Each word takes at least its 4-byte length, each n-gram its
            // length and an 8-byte index.
            if !fits(words, 4, c) || !fits(ngrams, 12, c) {
                return Err(Shifted(
                    0,
                    format!(
                        "vocabulary of {words} words and {ngrams} n-grams does not fit its chunk"
                    ),
                ));
            }
            unique_words(c, words)?;
            for i in 0..ngrams {
                let start = c.pos;
                let len = c.u32("vocabulary").map_err(|_| short(c))?;
                c.take(len as usize, "vocabulary")
                    .and_then(|_| c.take(8, "vocabulary"))
                    .map_err(|_| {
                        Shifted(start, format!("n-gram {} of {ngrams} cut short", i + 1))
                    })?;
            }
            Ok(true)
        }
        // Floret: n-gram lengths, buckets, hashes, seed, two markers.
        9 => {
            let ok = ngram_lengths(c) == Some(true)
                && c.u64("vocabulary").is_ok()
                && c.u32("vocabulary").is_ok_and(|h| (1..=4).contains(&h))
                && c.u32("vocabulary").is_ok()
                && (0..2).all(|_| {
                    c.u32("vocabulary")
                        .and_then(|len| c.take(len as usize, "vocabulary"))
                        .is_ok()
                });
            if !ok {
                return Err(Shifted(
                    0,
                    "floret vocabulary settings out of range or cut short".into(),
                ));
            }
            Ok(true)
        }
        // NdArray: rows, columns, type, padding, rows x columns f32. A
        // matrix without columns is refused: its row count would be
        // bounded by nothing, and reading 10^10 empty rows hangs.
        2 => {
            let rows = c.u64("matrix").map_err(|_| short(c))?;
            let at = c.pos;
            let cols = u64::from(c.u32("matrix").map_err(|_| short(c))?);
            if cols == 0 || cols > MAX_DIMS as u64 {
                return Err(Shifted(
                    at,
                    format!("matrix of {rows} x {cols}: expected 1 to {MAX_DIMS} columns"),
                ));
            }
            c.take(4, "matrix").map_err(|_| short(c))?;
            skip_padding(c, body_at).map_err(|_| short(c))?;
            if !rows.checked_mul(cols).is_some_and(|n| fits(n, 4, c)) {
                return Err(Shifted(
                    0,
                    format!("matrix of {rows} x {cols} values does not fit its chunk"),
                ));
            }
            c.pos += (rows * cols * 4) as usize;
            Ok(true)
        }
        4 => {
            quantized(c, body_at)?;
            Ok(true)
        }
        // NdNorms: a count, type, padding, then f32 values.
        6 => {
            let n = c.u64("norms").map_err(|_| short(c))?;
            c.take(4, "norms").map_err(|_| short(c))?;
            skip_padding(c, body_at).map_err(|_| short(c))?;
            if !fits(n, 4, c) {
                return Err(Shifted(0, format!("{n} norms do not fit their chunk")));
            }
            c.pos += (n * 4) as usize;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// finalfusion's padding before f32 data: `4 - pos % 4` bytes of the
/// absolute file position, so 1 to 4 bytes, never 0.
fn skip_padding(c: &mut Bytes<'_>, body_at: u64) -> Result<()> {
    let padding = 4 - (body_at + c.pos as u64) % 4;
    c.take(padding as usize, "padding").map(|_| ())
}

/// A product-quantized matrix (finalfusion's `QuantizedArray` chunk body):
/// projection flag, norms flag, quantized length `q`, reconstructed length
/// `r`, centroids `k`, rows `n`, two type ids, padding, an `r x r`
/// projection (if flagged), `q x k x r/q` centroid values, `n` norms (if
/// flagged) and `n x q` one-byte codes. Its sizes must fit the chunk and
/// every code must name a centroid: finalfusion and reductive divide and
/// index by these numbers unchecked.
fn quantized(c: &mut Bytes<'_>, body_at: u64) -> std::result::Result<(), Shifted> {
    let short = |c: &Bytes<'_>| Shifted(c.pos, "quantized matrix cut short".into());
    let u32_ = |c: &mut Bytes<'_>| c.u32("quantized matrix").map(u64::from);
    let projection = u32_(c).map_err(|_| short(c))? != 0;
    let norms = u32_(c).map_err(|_| short(c))? != 0;
    let at = c.pos;
    let q = u32_(c).map_err(|_| short(c))?;
    let r = u32_(c).map_err(|_| short(c))?;
    let k = u32_(c).map_err(|_| short(c))?;
    let n = c.u64("quantized matrix").map_err(|_| short(c))?;
    if q == 0 || r == 0 || r > MAX_DIMS as u64 || r % q != 0 || k == 0 {
        return Err(Shifted(
            at,
            format!(
                "quantized matrix of {q} codes a row, {r} dimensions and {k} centroids: expected \
                 1 to {MAX_DIMS} dimensions, a multiple of at least 1 code, and at least 1 centroid"
            ),
        ));
    }
    c.take(8, "quantized matrix").map_err(|_| short(c))?;
    skip_padding(c, body_at).map_err(|_| short(c))?;
    let codes = n.checked_mul(q);
    let needed = [
        Some(if projection { r * r * 4 } else { 0 }),
        k.checked_mul(r).and_then(|v| v.checked_mul(4)),
        if norms { n.checked_mul(4) } else { Some(0) },
        codes,
    ]
    .into_iter()
    .try_fold(0u64, |sum, part| sum.checked_add(part?));
    let (Some(needed), Some(codes)) = (needed, codes) else {
        return Err(Shifted(at, "quantized matrix sizes overflow".into()));
    };
    if needed > c.left() as u64 {
        return Err(Shifted(
            at,
            format!(
                "quantized matrix of {n} rows needs {needed} bytes, its chunk has {} left",
                c.left()
            ),
        ));
    }
    let start = c.pos + (needed - codes) as usize;
    let end = c.pos + needed as usize;
    if let Some(i) = c.data[start..end].iter().position(|&b| u64::from(b) >= k) {
        return Err(Shifted(
            start + i,
            format!(
                "quantized matrix row {} names centroid {} of {k}",
                i as u64 / q + 1,
                c.data[start + i]
            ),
        ));
    }
    c.pos = end;
    Ok(())
}

/// `min_n` and `max_n` of a subword vocabulary: `Some(true)` when
/// `1 <= min_n <= max_n`, `None` when the chunk ends first.
fn ngram_lengths(c: &mut Bytes<'_>) -> Option<bool> {
    let min_n = c.u32("vocabulary").ok()?;
    let max_n = c.u32("vocabulary").ok()?;
    Some(min_n >= 1 && min_n <= max_n)
}

/// `n` length-prefixed words, each different from the others.
fn unique_words(c: &mut Bytes<'_>, n: u64) -> std::result::Result<(), Shifted> {
    let mut seen = HashSet::with_capacity(n as usize);
    for i in 0..n {
        let start = c.pos;
        let len = c
            .u32("vocabulary")
            .map_err(|_| Shifted(start, "vocabulary cut short".into()))?;
        let word = c
            .take(len as usize, "vocabulary")
            .map_err(|_| Shifted(start, "vocabulary cut short".into()))?;
        if !seen.insert(word) {
            return Err(Shifted(
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

/// An error at an offset inside a chunk.
struct Shifted(usize, String);

impl Shifted {
    fn shifted(self, base: usize) -> Error {
        Error::malformed(Location::Byte((base + self.0) as u64), self.1)
    }
}
