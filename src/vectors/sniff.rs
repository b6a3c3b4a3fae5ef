//! Choosing a reader by looking at the bytes, never at the file name.

use super::fasttext::{self, MAGIC as FASTTEXT_MAGIC};
use super::{Compression, Format, MAX_DIMS};

const FIFU_MAGIC: &[u8] = b"FiFu";

/// Compression, from the first bytes of a file.
pub(crate) fn compression(head: &[u8]) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(b"BZh") {
        Compression::Bzip2
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// The vector format, from the first (decompressed) bytes of a file.
///
/// `prefix` should hold at least the first two lines of a text file.
pub(crate) fn format(prefix: &[u8]) -> Result<Format, String> {
    if prefix.starts_with(FIFU_MAGIC) {
        return Ok(Format::Finalfusion);
    }
    if prefix.len() >= 4
        && u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) == FASTTEXT_MAGIC
    {
        return Ok(Format::FastText);
    }
    if fasttext::looks_pre2017(prefix) {
        return Ok(Format::FastText);
    }
    let text = prefix.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(prefix);
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("empty file".into());
    }
    let (first, rest) = match text.iter().position(|&b| b == b'\n') {
        Some(pos) => (&text[..pos], &text[pos + 1..]),
        None => (text, &text[text.len()..]),
    };
    if let Some(dims) = header_dims(first) {
        let second = match rest.iter().position(|&b| b == b'\n') {
            Some(pos) => &rest[..pos],
            None => rest,
        };
        // A text row, even one with the wrong number of values: the text
        // reader then says which line is wrong. Raw floats are not text.
        if second.is_empty() || is_text_row(second, Some(dims)) || is_text_row(second, None) {
            return Ok(Format::Word2VecText);
        }
        return Ok(Format::Word2VecBinary);
    }
    if is_text_row(first, None) {
        return Ok(Format::Glove);
    }
    Err(unknown_format_message(prefix))
}

fn unknown_format_message(prefix: &[u8]) -> String {
    let mut message = String::from(
        "unknown vector format: not finalfusion (FiFu magic), fastText .bin (magic number, or \
         the pre-2017 layout's arguments), word2vec binary or text (a `<words> <dims>` header line) or GloVe text \
         (`word v1 v2 ...` lines)",
    );
    if prefix.len() >= 8 {
        let first = u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
        if (1..=4096).contains(&first) {
            message.push_str(
                "; if this is a fastText .bin from before 2017 (no magic number), pass \
                 --vectors-format fasttext to hear which of its header fields is wrong",
            );
        }
    }
    message
}

fn header_dims(line: &[u8]) -> Option<usize> {
    let line = std::str::from_utf8(line).ok()?;
    let mut fields = line.split_ascii_whitespace();
    let (rows, dims) = (fields.next()?, fields.next()?);
    if fields.next().is_some() {
        return None;
    }
    // Any size and sign: the reader says what is wrong with a header of
    // two whole numbers (`-1 3` is a bad header, not a GloVe row).
    if !is_integer(rows) || !is_integer(dims) {
        return None;
    }
    Some(dims.parse::<usize>().unwrap_or(usize::MAX))
}

/// `[-+]digits`.
fn is_integer(field: &str) -> bool {
    let digits = field.strip_prefix(['-', '+']).unwrap_or(field);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A line of `word v1 ... vd` text (with `dims` values, if given). The
/// word may be in a code page (cp852, latin-1) or invalid UTF-8, for the
/// reader to decode or refuse; a line that is not UTF-8 must then be free
/// of control bytes, which the raw floats of a binary row rarely are.
fn is_text_row(line: &[u8], dims: Option<usize>) -> bool {
    let text_like = std::str::from_utf8(line).is_ok()
        || line
            .iter()
            .all(|&b| b >= 0x20 && b != 0x7f || matches!(b, b'\t' | b'\r'));
    if !text_like {
        return false;
    }
    let fields: Vec<&[u8]> = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|f| !f.is_empty())
        .collect();
    let want = dims.unwrap_or(1);
    if want > MAX_DIMS || fields.len() < want + 1 {
        return false;
    }
    fields[fields.len() - want..]
        .iter()
        .all(|f| std::str::from_utf8(f).is_ok_and(|f| f.parse::<f32>().is_ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_sniffed_from_content() {
        let mut w2v_bin = b"2 2\na ".to_vec();
        w2v_bin.extend_from_slice(&1.5f32.to_le_bytes());
        w2v_bin.extend_from_slice(&(-2.0f32).to_le_bytes());
        // A pre-2017 fastText header: dims 10, ws 5, epoch 5, minCount 5,
        // neg 5, wordNgrams 1, loss 2, model 2, ..., t 1e-4.
        let mut old_fasttext: Vec<u8> = [10i32, 5, 5, 5, 5, 1, 2, 2, 1000, 3, 6, 100]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        old_fasttext.extend_from_slice(&1e-4f64.to_le_bytes());
        let cases: Vec<(Vec<u8>, Format)> = vec![
            (old_fasttext.clone(), Format::FastText),
            (b"FiFu\x01\x00".to_vec(), Format::Finalfusion),
            (FASTTEXT_MAGIC.to_le_bytes().to_vec(), Format::FastText),
            (b"2 2\na 1 0\nb 0 1\n".to_vec(), Format::Word2VecText),
            (b"\xEF\xBB\xBF2 2\na 1 0\n".to_vec(), Format::Word2VecText),
            (w2v_bin, Format::Word2VecBinary),
            (b"the 0.1 0.2\n".to_vec(), Format::Glove),
            (b"the 0.1 0.2".to_vec(), Format::Glove),
            // Words in a code page (cp852 `který`), in either text format.
            (b"kter\xec 0.1 0.2\n".to_vec(), Format::Glove),
            (b"1 2\nkter\xec 0.1 0.2\n".to_vec(), Format::Word2VecText),
            (b"2 4\na 1 0\n".to_vec(), Format::Word2VecText),
            (b"-1 3\na 1 2 3\n".to_vec(), Format::Word2VecText),
            (
                b"18446744073709551616 3\na 1 2 3\n".to_vec(),
                Format::Word2VecText,
            ),
        ];
        for (bytes, expected) in cases {
            assert_eq!(format(&bytes), Ok(expected), "{bytes:?}");
        }
    }

    #[test]
    fn unknown_and_empty_are_errors() {
        assert_eq!(format(b"").unwrap_err(), "empty file");
        assert_eq!(format(b"\n \n").unwrap_err(), "empty file");
        assert!(format(b"hello world\n")
            .unwrap_err()
            .starts_with("unknown vector format"));
        assert!(format(&[100, 0, 0, 0, 5, 0, 0, 0])
            .unwrap_err()
            .contains("before 2017"));
        // The same header with a loss of 9 is not taken for fastText.
        let mut not_old: Vec<u8> = [10i32, 5, 5, 5, 5, 1, 9, 2, 1000, 3, 6, 100]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        not_old.extend_from_slice(&1e-4f64.to_le_bytes());
        assert!(format(&not_old).unwrap_err().contains("before 2017"));
    }

    #[test]
    fn compression_is_sniffed() {
        assert_eq!(compression(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(compression(b"BZh91AY"), Compression::Bzip2);
        assert_eq!(compression(b"the 1"), Compression::None);
    }
}
