//! A fast reader for the common finalfusion layout (a simple vocabulary, a
//! plain f32 matrix, optional norms), straight from a memory map: the
//! matrix is used in place and only the words are copied.
//!
//! Files in other finalfusion layouts (subword vocabularies, quantized
//! matrices) return `Ok(None)` and are read by finalfusion itself.

use super::build::{Vocab, Words};
use super::bytes::Bytes;
use crate::error::{Error, Location, Result};

const MAGIC: &[u8; 4] = b"FiFu";
const SIMPLE_VOCAB: u32 = 1;
const ND_ARRAY: u32 = 2;
const METADATA: u32 = 5;
const ND_NORMS: u32 = 6;
const F32_TYPE: u32 = 10;

/// The parts of a simple finalfusion file.
pub(crate) struct SimpleFifu {
    pub vocab: Vocab,
    /// Byte offset of the row-major `rows x dims` f32 matrix.
    pub matrix_offset: usize,
    pub dims: usize,
    pub norms: Option<Vec<f32>>,
}

/// Parse a simple finalfusion file; `Ok(None)` for other layouts.
pub(crate) fn parse(bytes: &[u8], lossy: bool) -> Result<Option<SimpleFifu>> {
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
    if !(layout == [SIMPLE_VOCAB, ND_ARRAY] || layout == [SIMPLE_VOCAB, ND_ARRAY, ND_NORMS]) {
        return Ok(None);
    }

    let mut vocab = None;
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
            SIMPLE_VOCAB => vocab = Some(read_vocab(&mut c, lossy)?),
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
        c.take((len - consumed) as usize, "chunk")?;
    }
    let (Some(vocab), Some((rows, dims, matrix_offset))) = (vocab, matrix) else {
        return Ok(None);
    };
    if rows != vocab.len() as u64 {
        return Err(Error::malformed(
            Location::None,
            format!(
                "the vocabulary has {} words but the matrix {rows} rows",
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
    Ok(Some(SimpleFifu {
        vocab,
        matrix_offset,
        dims,
        norms,
    }))
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

fn read_vocab(c: &mut Bytes, lossy: bool) -> Result<Vocab> {
    let n = c.u64("vocabulary")?;
    // Each word takes at least 4 bytes: a count beyond the file is a lie.
    if n > (c.len() / 4) as u64 {
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
