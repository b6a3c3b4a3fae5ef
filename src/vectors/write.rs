//! Writers: GloVe and word2vec text, word2vec binary, and the simple
//! finalfusion layout (the subword layouts go through finalfusion).
//!
//! Every writer writes the f32 values it is given bit for bit: text
//! formats print the shortest decimal that parses back to the same f32
//! (Rust's `{}`, or `{:e}` for very small and very large magnitudes),
//! nothing goes through f64. Words the matching reader would not give back
//! unchanged are refused first ([`unwritable`]).

use std::io::Write;

use super::build::Words;
use super::subwords::{stored_buckets, Indexer, Subwords};
use super::{Format, Scale, Vectors};
use crate::error::Result;

/// The longest word2vec binary word (with its space) our reader takes.
const MAX_BINARY_WORD: usize = 64 << 10;

/// Why `word` cannot be written in `format` and read back as itself, with
/// what would work instead; `None` when it can.
pub(crate) fn unwritable(word: &str, format: Format) -> Option<String> {
    const ANY: &str = "fifu keeps any word";
    let why = match format {
        Format::Finalfusion | Format::FastText => return None,
        _ if word.is_empty() => "the word is empty".to_string(),
        Format::Word2VecBinary => {
            if word.contains(' ') {
                format!("word2vec binary ends a word at its first space; {ANY}, glove and word2vec-text keep spaces inside words")
            } else if word.starts_with(['\n', '\r']) {
                "word2vec binary readers skip line breaks before a word".to_string()
            } else if word.len() >= MAX_BINARY_WORD {
                format!(
                    "the word is {} bytes long, more than word2vec binary readers take",
                    word.len()
                )
            } else {
                return None;
            }
        }
        Format::Glove | Format::Word2VecText => {
            let space = |c: char| c == ' ' || c == '\t';
            let last = word.rsplit(space).next().unwrap_or_default();
            if word.contains(['\n', '\r']) {
                "a line break ends a row in text formats".to_string()
            } else if word.starts_with(space) || word.ends_with(space) {
                "text readers take the spaces and tabs around a word for separators".to_string()
            } else if word.starts_with('\u{feff}') {
                "text readers skip a byte-order mark at the start of a file".to_string()
            } else if word.contains(space) && looks_like_a_number(last) {
                format!(
                    "its last part '{}' is a number, which text readers take for a vector value",
                    last.escape_debug()
                )
            } else {
                return None;
            }
        }
    };
    Some(format!("{why}; {ANY}"))
}

/// True for anything a text reader may parse as a number (a superset:
/// refusing a few more words than needed is safe).
fn looks_like_a_number(field: &str) -> bool {
    fast_float2::parse::<f32, _>(field).is_ok()
        || (field.bytes().any(|b| b.is_ascii_digit())
            && field
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-'))
}

/// GloVe (no header) or word2vec text (`words dims` header): one row per
/// word, the original scale.
pub(crate) fn text<W: Write>(vectors: &Vectors, out: &mut W, header: bool) -> Result<()> {
    if header {
        writeln!(out, "{} {}", vectors.len(), vectors.dims())?;
    }
    let mut row = vec![0f32; vectors.dims()];
    let mut line = String::new();
    for (i, word) in vectors.words().enumerate() {
        vectors.row_into(i, Scale::Original, &mut row);
        line.clear();
        line.push_str(word);
        for &v in &row {
            line.push(' ');
            push_f32(&mut line, v);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// The shortest decimal that parses back to `v` (`-0` for negative zero).
fn push_f32(line: &mut String, v: f32) {
    use std::fmt::Write as _;
    let a = v.abs();
    let result = if a != 0.0 && !(1e-5..1e16).contains(&a) {
        write!(line, "{v:e}")
    } else {
        write!(line, "{v}")
    };
    result.expect("writing to a String cannot fail");
}

/// word2vec binary as `word2vec.c` writes it: a `words dims` header, then
/// per word the word, a space, `dims` little-endian f32s and a newline.
pub(crate) fn word2vec_binary<W: Write>(vectors: &Vectors, out: &mut W) -> Result<()> {
    writeln!(out, "{} {}", vectors.len(), vectors.dims())?;
    let mut row = vec![0f32; vectors.dims()];
    let mut bytes = Vec::with_capacity(vectors.dims() * 4 + 64);
    for (i, word) in vectors.words().enumerate() {
        vectors.row_into(i, Scale::Original, &mut row);
        bytes.clear();
        bytes.extend_from_slice(word.as_bytes());
        bytes.push(b' ');
        row.iter()
            .for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
        bytes.push(b'\n');
        out.write_all(&bytes)?;
    }
    Ok(())
}

const MAGIC: &[u8; 4] = b"FiFu";
const SIMPLE_VOCAB: u32 = 1;
const ND_ARRAY: u32 = 2;
const ND_NORMS: u32 = 6;
const F32_TYPE: u32 = 10;

/// A finalfusion file: a simple vocabulary, or with `subwords` their
/// vocabulary chunk; an f32 matrix (`matrix`, the words' rows, row-major,
/// as given, then the n-gram rows); and, when given, a norms chunk. Byte
/// for byte what finalfusion writes for the same parts, without seeking.
pub(crate) fn fifu<W: Write>(
    out: &mut W,
    words: &Words,
    matrix: &[f32],
    dims: usize,
    norms: Option<&[f32]>,
    subwords: Option<&Subwords>,
) -> Result<()> {
    let mut w = Counted { out, pos: 0 };
    let vocab_id = subwords.map_or(SIMPLE_VOCAB, |s| s.indexer.chunk_id());
    let mut chunks = vec![vocab_id, ND_ARRAY];
    chunks.extend(norms.map(|_| ND_NORMS));
    w.put(MAGIC)?;
    w.u32(0)?;
    w.u32(chunks.len() as u32)?;
    for id in &chunks {
        w.u32(*id)?;
    }

    let words_len: u64 = words.iter().map(|word| 4 + word.len() as u64).sum::<u64>();
    w.u32(vocab_id)?;
    match subwords.map(|s| (s, &s.indexer)) {
        None => {
            w.u64(8 + words_len)?;
            w.u64(words.len() as u64)?;
            put_words(&mut w, words)?;
        }
        Some((s, Indexer::FastText(_) | Indexer::Hash(_))) => {
            w.u64(8 + 4 + 4 + 4 + words_len)?;
            w.u64(words.len() as u64)?;
            w.u32(s.min_n)?;
            w.u32(s.max_n)?;
            w.u32(stored_buckets(&s.indexer))?;
            put_words(&mut w, words)?;
        }
        Some((s, Indexer::Explicit(explicit))) => {
            let ngrams_len: u64 = explicit
                .iter()
                .map(|(ngram, _)| 4 + ngram.len() as u64 + 8)
                .sum();
            w.u64(8 + 8 + 4 + 4 + words_len + ngrams_len)?;
            w.u64(words.len() as u64)?;
            w.u64(explicit.iter().len() as u64)?;
            w.u32(s.min_n)?;
            w.u32(s.max_n)?;
            put_words(&mut w, words)?;
            for (ngram, row) in explicit.iter() {
                w.u32(u32::try_from(ngram.len()).expect("n-grams are shorter than 4 GB"))?;
                w.put(ngram.as_bytes())?;
                w.u64(row)?;
            }
        }
        Some((s, Indexer::Floret(floret))) => {
            w.u64(4 + 4 + 8 + 4 + 4 + 4 + s.bow.len() as u64 + 4 + s.eow.len() as u64)?;
            w.u32(s.min_n)?;
            w.u32(s.max_n)?;
            w.u64(floret.n_buckets())?;
            w.u32(floret.n_hashes())?;
            w.u32(floret.seed())?;
            for marker in [&s.bow, &s.eow] {
                w.u32(u32::try_from(marker.len()).expect("markers are short"))?;
                w.put(marker.as_bytes())?;
            }
        }
    }

    // Padding as finalfusion computes it: to a multiple of 4 from the file
    // position after the chunk identifier, 1 to 4 bytes.
    w.u32(ND_ARRAY)?;
    let padding = 4 - w.pos % 4;
    let ngram_rows = subwords.map_or(0, |s| s.rows.len());
    let rows = matrix.len().checked_div(dims).unwrap_or(0) + ngram_rows;
    let values = rows as u64 * dims as u64;
    w.u64(8 + 4 + 4 + padding + values * 4)?;
    w.u64(rows as u64)?;
    w.u32(u32::try_from(dims).expect("dims are checked on reading"))?;
    w.u32(F32_TYPE)?;
    w.put(&[0u8; 4][..padding as usize])?;
    w.f32s(matrix)?;
    if let Some(s) = subwords {
        s.rows.for_each_bytes(|bytes| w.put(bytes))?;
    }

    if let Some(norms) = norms {
        w.u32(ND_NORMS)?;
        let padding = 4 - w.pos % 4;
        w.u64(8 + 4 + padding + norms.len() as u64 * 4)?;
        w.u64(norms.len() as u64)?;
        w.u32(F32_TYPE)?;
        w.put(&[0u8; 4][..padding as usize])?;
        w.f32s(norms)?;
    }
    Ok(())
}

/// Each word as its length (u32) and its bytes.
fn put_words<W: Write>(w: &mut Counted<'_, W>, words: &Words) -> Result<()> {
    for word in words.iter() {
        w.u32(u32::try_from(word.len()).expect("words are shorter than 4 GB"))?;
        w.put(word.as_bytes())?;
    }
    Ok(())
}

/// A writer that knows its position.
struct Counted<'a, W> {
    out: &'a mut W,
    pos: u64,
}

impl<W: Write> Counted<'_, W> {
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn u32(&mut self, v: u32) -> Result<()> {
        self.put(&v.to_le_bytes())
    }

    fn u64(&mut self, v: u64) -> Result<()> {
        self.put(&v.to_le_bytes())
    }

    fn f32s(&mut self, values: &[f32]) -> Result<()> {
        super::bytes::f32_le_pieces(values, |piece| self.put(piece))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which words each format refuses (`true`: written).
    #[test]
    fn words_each_format_can_hold() {
        let cases: [(&str, [bool; 3]); 14] = [
            // word: [word2vec-bin, glove, word2vec-text]
            ("king", [true, true, true]),
            ("", [false, false, false]),
            (". . .", [false, true, true]),
            ("a\tb", [true, true, true]),
            ("a\nb", [true, false, false]),
            ("\nab", [false, false, false]),
            ("a\rb", [true, false, false]),
            (" a", [false, false, false]),
            ("a\t", [true, false, false]),
            ("a 5", [false, false, false]),
            ("a nan", [false, false, false]),
            ("5 a", [false, true, true]),
            ("1999", [true, true, true]),
            ("\u{feff}a", [true, false, false]),
        ];
        let formats = [Format::Word2VecBinary, Format::Glove, Format::Word2VecText];
        for (word, expected) in cases {
            for (format, ok) in formats.into_iter().zip(expected) {
                let why = unwritable(word, format);
                assert_eq!(why.is_none(), ok, "{word:?} as {format}: {why:?}");
                if let Some(why) = why {
                    assert!(why.ends_with("fifu keeps any word"), "{why}");
                }
            }
            assert_eq!(unwritable(word, Format::Finalfusion), None);
        }
    }

    /// Text values parse back to the same bits, extremes included.
    #[test]
    fn printed_values_parse_back_exactly() {
        let values = [
            0.8461,
            -0.0,
            0.0,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            1e-45,
            1.0e-5,
            9.99999e-6,
            1e16,
            123456790.0,
            std::f32::consts::PI,
        ];
        for v in values {
            let mut s = String::new();
            push_f32(&mut s, v);
            let back: f32 = s.parse().unwrap();
            assert_eq!(back.to_bits(), v.to_bits(), "{v:e} printed as {s}");
        }
    }
}
