//! The binary word2vec format written by Google's `word2vec.c` and gensim.
//!
//! A `words dims` header line, then for each word: the word, one space, and
//! `dims` little-endian `f32`s. `word2vec.c` writes a newline after each
//! vector and gensim does not; both are read, since whitespace before a
//! word is skipped.

use std::io::BufRead;

use super::build::{finish, Finished, RawRows, Words};
use super::encoding::{other_encoding_hint, Encoding};
use super::seen::Seen;
use super::text::parse_header;
use super::LoadReport;
use crate::error::{Error, Location, Result};

/// The longest word we accept, in bytes.
const MAX_WORD: usize = 64 << 10;

/// Read a binary word2vec file.
///
/// Rows keep the file's values; their norms are computed (`build::finish`).
/// Duplicate words keep their first row (the others are dropped as they
/// are read, and counted in the report). Anything but whitespace after
/// the rows the header promises is refused.
pub(crate) fn read_word2vec_binary<R: BufRead>(
    mut reader: R,
    lossy: bool,
    encoding: Encoding,
) -> Result<(Finished, LoadReport)> {
    let mut report = LoadReport::default();
    let mut offset: u64 = 0;

    let mut line = Vec::new();
    let n = read_until_limited(&mut reader, b'\n', &mut line, 1024)?;
    if n == 0 {
        return Err(Error::malformed(Location::None, "empty file"));
    }
    let (rows, dims) = parse_header(&line).map_err(|m| Error::malformed(Location::Byte(0), m))?;
    offset += n as u64;

    let mut raw = RawRows {
        dims,
        ..RawRows::default()
    };
    // A header may lie: reserve for at most a million rows, and at most
    // 16M values (64 MB), up front; beyond that the vectors grow as read.
    let reserve = (rows.min(1 << 20) as usize).min(((1 << 24) / dims.max(1)).max(1));
    raw.words = Words::with_capacity(reserve, reserve * 8);
    raw.positions.reserve(reserve);
    raw.values.reserve(reserve * dims);
    let mut seen = Seen::with_capacity(reserve);

    let mut bytes = vec![0u8; dims * 4];
    let mut word = Vec::new();
    for i in 0..rows {
        offset += skip_whitespace(&mut reader)?;
        let at = offset;
        word.clear();
        let n = read_until_limited(&mut reader, b' ', &mut word, MAX_WORD)?;
        if n == 0 {
            return Err(Error::malformed(
                Location::Byte(at),
                format!("file ends after {i} of {rows} words (truncated file?)"),
            ));
        }
        if word.last() != Some(&b' ') {
            return Err(Error::malformed(
                Location::Byte(at),
                if n >= MAX_WORD {
                    format!("word longer than {MAX_WORD} bytes (not a word2vec binary file?)")
                } else {
                    format!(
                        "file ends inside word {} of {rows} (truncated file?)",
                        i + 1
                    )
                },
            ));
        }
        word.pop();
        offset += n as u64;
        let text: std::borrow::Cow<str> = match encoding.decode(&word) {
            Ok(w) => w,
            Err(_) if lossy => {
                report.lossy_words += 1;
                encoding.decode_lossy(&word, false).into()
            }
            Err(pos) => {
                return Err(Error::malformed(
                    Location::Byte(at + pos as u64),
                    format!(
                        "{} in word {} (use --lossy to replace it{})",
                        encoding.describe_invalid(&word, pos),
                        i + 1,
                        other_encoding_hint(encoding)
                    ),
                ))
            }
        };
        if let Err(e) = reader.read_exact(&mut bytes) {
            return Err(if e.kind() == std::io::ErrorKind::UnexpectedEof {
                Error::malformed(
                    Location::Byte(offset),
                    format!(
                        "file ends inside the vector of '{text}' (word {} of {rows}; expected {dims} values)",
                        i + 1
                    ),
                )
            } else {
                Error::io(e)
            });
        }
        for (k, b) in bytes.chunks_exact(4).enumerate() {
            let v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            if !v.is_finite() {
                return Err(Error::malformed(
                    Location::Byte(offset + 4 * k as u64),
                    format!("value {} of '{text}' is not a finite number ({v})", k + 1),
                ));
            }
        }
        if seen.keep(&mut raw.words, &text, seen.hash(&text)) {
            raw.values.extend(
                bytes
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
            raw.positions.push(at);
            if text.contains(' ') {
                report.words_with_spaces += 1;
            }
        } else {
            report.duplicates += 1;
            if report.first_duplicate.is_none() {
                report.first_duplicate = Some((text.into_owned(), at));
            }
        }
        offset += bytes.len() as u64;
    }
    offset += skip_whitespace(&mut reader)?;
    if !reader.fill_buf().map_err(Error::io)?.is_empty() {
        return Err(Error::malformed(
            Location::Byte(offset),
            format!("header promises {rows} words, file has more"),
        ));
    }
    if raw.words.is_empty() {
        return Err(Error::malformed(Location::Byte(0), "header says 0 words"));
    }
    Ok((finish(raw, &mut report), report))
}

/// `read_until` that stops after `limit` bytes.
fn read_until_limited<R: BufRead>(
    reader: &mut R,
    delim: u8,
    buf: &mut Vec<u8>,
    limit: usize,
) -> Result<usize> {
    let mut total = 0;
    loop {
        let available = reader.fill_buf().map_err(Error::io)?;
        if available.is_empty() {
            return Ok(total);
        }
        let room = limit - total;
        let window = &available[..available.len().min(room)];
        match window.iter().position(|&b| b == delim) {
            Some(pos) => {
                buf.extend_from_slice(&window[..=pos]);
                reader.consume(pos + 1);
                return Ok(total + pos + 1);
            }
            None => {
                let n = window.len();
                buf.extend_from_slice(window);
                reader.consume(n);
                total += n;
                if total >= limit {
                    return Ok(total);
                }
            }
        }
    }
}

fn skip_whitespace<R: BufRead>(reader: &mut R) -> Result<u64> {
    let mut skipped = 0;
    loop {
        let available = reader.fill_buf().map_err(Error::io)?;
        let n = available
            .iter()
            .take_while(|&&b| matches!(b, b'\n' | b'\r' | b' '))
            .count();
        if n == 0 {
            return Ok(skipped);
        }
        reader.consume(n);
        skipped += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rows: &[(&str, [f32; 2])], newline: bool, header: &str) -> Vec<u8> {
        let mut out = header.as_bytes().to_vec();
        for (w, v) in rows {
            out.extend_from_slice(w.as_bytes());
            out.push(b' ');
            for x in v {
                out.extend_from_slice(&x.to_le_bytes());
            }
            if newline {
                out.push(b'\n');
            }
        }
        out
    }

    #[test]
    fn both_variants_read_the_same() {
        let rows = [("a", [3.0, 4.0]), ("b", [0.0, 2.0])];
        for newline in [true, false] {
            let bytes = file(&rows, newline, "2 2\n");
            let (emb, _) = read_word2vec_binary(&bytes[..], false, Encoding::Utf8).unwrap();
            assert_eq!(emb.vocab.words().iter().collect::<Vec<_>>(), ["a", "b"]);
            assert_eq!(emb.norms[0], 5.0);
        }
    }

    #[test]
    fn duplicates_are_dropped_as_read() {
        let rows = [("a", [3.0, 4.0]), ("b", [0.0, 2.0]), ("a", [1.0, 1.0])];
        let bytes = file(&rows, true, "3 2\n");
        let (emb, report) = read_word2vec_binary(&bytes[..], false, Encoding::Utf8).unwrap();
        assert_eq!(emb.vocab.words().iter().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(emb.norms, [5.0, 2.0]);
        assert_eq!(report.duplicates, 1);
        assert_eq!(report.first_duplicate, Some(("a".to_string(), 26)));
    }

    /// Words in a code page: `kter\xec` is `který` in cp852 and `kterì`
    /// in latin-1, and invalid UTF-8 (an error naming the flag) by default.
    #[test]
    fn words_are_decoded_from_the_encoding() {
        let mut bytes = b"2 2\nkter\xec ".to_vec();
        bytes.extend([1f32, 0.0, 0.0, 1.0].iter().enumerate().flat_map(|(i, x)| {
            let mut b = x.to_le_bytes().to_vec();
            if i == 1 {
                b.extend_from_slice(b"\n\xa7e ");
            }
            b
        }));
        for (encoding, want) in [
            (Encoding::Cp852, ["kter\u{fd}", "\u{17e}e"]),
            (Encoding::Latin1, ["kter\u{ec}", "\u{a7}e"]),
        ] {
            let (emb, report) = read_word2vec_binary(&bytes[..], false, encoding).unwrap();
            assert_eq!(emb.vocab.words().iter().collect::<Vec<_>>(), want);
            assert_eq!(report.lossy_words, 0);
        }
        let err = read_word2vec_binary(&bytes[..], false, Encoding::Utf8)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("byte 8: invalid UTF-8 in word 1") && err.contains("--vectors-encoding"),
            "{err}"
        );
    }

    #[test]
    fn bad_binaries_say_where() {
        let good = file(&[("a", [1.0, 0.0]), ("b", [0.0, 1.0])], true, "2 2\n");
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (Vec::new(), "empty file"),
            (b"2\n".to_vec(), "byte 0: expected a header"),
            (
                good[..good.len() - 3].to_vec(),
                "file ends inside the vector of 'b'",
            ),
            (good[..15].to_vec(), "file ends after 1 of 2 words"),
            (
                file(&[("a", [1.0, 0.0]), ("b", [0.0, 1.0])], true, "1 2\n"),
                "byte 15: header promises 1 words, file has more",
            ),
            (
                [&good[..], b"\n\nx"].concat(),
                "byte 28: header promises 2 words, file has more",
            ),
            (
                b"-1 2\n".to_vec(),
                "the header's word count '-1' is negative",
            ),
            (
                file(&[("a", [f32::NAN, 0.0])], false, "1 2\n"),
                "value 1 of 'a' is not a finite number",
            ),
            (
                file(&[("a\u{e9}", [1.0, 0.0])], false, "1 2\n")
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| *i != 6)
                    .map(|(_, b)| b)
                    .collect(),
                "invalid UTF-8",
            ),
        ];
        for (bytes, expected) in cases {
            let err = read_word2vec_binary(&bytes[..], false, Encoding::Utf8).unwrap_err();
            assert!(
                err.to_string().contains(expected),
                "got '{err}', expected '{expected}'"
            );
        }
    }
}
