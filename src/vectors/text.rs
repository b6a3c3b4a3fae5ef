//! Text vector formats: GloVe (no header), word2vec text and fastText `.vec`
//! (a `words dims` header line).
//!
//! The reader takes any [`BufRead`] and parses blocks of lines in parallel
//! on all cores: a block is read, cut at its last newline, split into
//! sub-chunks, and each sub-chunk is parsed by a rayon task. Memory stays at
//! the matrix plus the vocabulary plus one block.
//!
//! Real-world quirks handled on purpose: CRLF line ends, trailing spaces,
//! a UTF-8 byte-order mark, a missing final newline, blank lines, and words
//! that contain spaces (GloVe 840B has `. . .`): the last `dims` fields of a
//! line are the vector and everything before them is the word. Refused on
//! purpose, never read as part of a word: CR-only line ends (classic Mac),
//! a carriage return inside a line, and an empty word (a line that starts
//! with a space).

use std::io::{BufRead, Read};

use rayon::prelude::*;

use super::build::{finish, Finished, RawRows, Words};
use super::encoding::{other_encoding_hint, Encoding};
use super::seen::Seen;
use super::{LoadReport, MAX_DIMS};
use crate::error::{Error, Location, Result};

/// Bytes read per block; each block is parsed in parallel.
#[cfg(not(fuzzing))]
const BLOCK: usize = 8 << 20;
/// Fuzzing: small blocks, so that every input crosses block boundaries
/// and each run does not clear 8 MB.
#[cfg(fuzzing)]
const BLOCK: usize = 1 << 10;
/// The longest line we accept (1,000,000 dims of long floats fit).
const MAX_LINE: usize = 64 << 20;

/// How to read a text vector file.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TextOptions {
    /// The first line is a `words dims` header (word2vec text, fastText
    /// `.vec`); otherwise dims are taken from the first row (GloVe).
    pub header: bool,
    /// Replace bytes invalid in `encoding` (invalid UTF-8) in words by
    /// U+FFFD instead of failing.
    pub lossy: bool,
    /// The encoding of the words.
    pub encoding: Encoding,
}

/// Read a text vector file.
///
/// Rows keep the file's values; their norms are computed (`build::finish`).
/// Duplicate words keep their first row and are counted in the report;
/// their rows are dropped as they are read, so they cost no memory. A
/// header's word count is checked row by row: one row too many stops the
/// reading.
pub(crate) fn read_text<R: BufRead>(
    mut reader: R,
    options: TextOptions,
) -> Result<(Finished, LoadReport)> {
    let mut report = LoadReport::default();
    let mut line_no: u64 = 0;
    let mut header_rows = None;
    let mut dims = None;

    strip_bom(&mut reader)?;
    if options.header {
        let mut line = Vec::new();
        let n = (&mut reader)
            .take(1024)
            .read_until(b'\n', &mut line)
            .map_err(Error::io)?;
        if n == 0 {
            return Err(Error::malformed(Location::None, "empty file"));
        }
        line_no = 1;
        if cr_only(&line) {
            return Err(Error::malformed(Location::Line(1), CR_ONLY));
        }
        let (rows, d) = parse_header(&line).map_err(|m| Error::malformed(Location::Line(1), m))?;
        header_rows = Some(rows);
        dims = Some(d);
    }

    // Trust a header only as far as memory goes: a lying header must not
    // make us allocate without bound.
    let reserve = header_rows.map_or(0, |rows| rows.min(1 << 20) as usize);
    let mut rows = Rows {
        raw: RawRows {
            words: Words::with_capacity(reserve, reserve * 8),
            positions: Vec::with_capacity(reserve),
            ..RawRows::default()
        },
        seen: Seen::with_capacity(reserve),
        read: 0,
        limit: header_rows,
    };

    let mut block: Vec<u8> = Vec::with_capacity(BLOCK);
    let mut eof = false;
    let mut first = true;
    while !eof {
        eof = fill_block(&mut reader, &mut block)?;
        if first && !options.header && cr_only(&block) {
            return Err(Error::malformed(Location::Line(1), CR_ONLY));
        }
        let end = if eof {
            block.len()
        } else {
            match memchr_last(b'\n', &block) {
                Some(pos) => pos + 1,
                None => {
                    if block.len() >= MAX_LINE {
                        return Err(Error::malformed(
                            Location::Line(line_no + 1),
                            format!("line longer than {MAX_LINE} bytes"),
                        ));
                    }
                    // A line longer than the block: read more before parsing.
                    block.reserve(BLOCK);
                    continue;
                }
            }
        };
        first = false;
        if dims.is_none() {
            dims = first_row_dims(&block[..end]);
        }
        if let Some(d) = dims {
            if d == 0 || d > MAX_DIMS {
                let loc = Location::Line(if options.header { 1 } else { line_no + 1 });
                return Err(Error::malformed(
                    loc,
                    format!("{d} dimensions: expected between 1 and {MAX_DIMS}"),
                ));
            }
            line_no = parse_block(&block[..end], line_no, d, options, &mut rows, &mut report)?;
        }
        block.drain(..end);
    }

    let Some(dims) = dims else {
        return Err(Error::malformed(
            Location::None,
            "no vectors found (empty file or only blank lines)",
        ));
    };
    let mut raw = rows.raw;
    raw.dims = dims;
    if let Some(expected) = header_rows {
        // More rows than promised stopped the reading above.
        if rows.read < expected {
            return Err(Error::malformed(
                Location::Line(1),
                format!(
                    "header promises {expected} words, file has {} (truncated file?)",
                    rows.read
                ),
            ));
        }
    }
    if raw.words.is_empty() {
        return Err(Error::malformed(Location::None, "no vectors found"));
    }
    Ok((finish(raw, &mut report), report))
}

/// The error for a file whose lines end in a lone `\r`.
const CR_ONLY: &str = "line endings are CR only (classic Mac): convert them to LF \
                       (for example `tr '\\r' '\\n' < old > new`)";

/// True when the first line of `text` holds a carriage return that does
/// not end it: the file's lines end in a lone `\r` (classic Mac), so what
/// looks like its first line is all of them.
fn cr_only(text: &[u8]) -> bool {
    let line = match memchr::memchr(b'\n', text) {
        Some(pos) => &text[..pos],
        None => text,
    };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    memchr::memchr(b'\r', line).is_some()
}

/// The rows read so far.
struct Rows {
    /// The rows kept: one per word, in file order.
    raw: RawRows,
    /// The words of `raw`, to drop duplicates as they are read.
    seen: Seen,
    /// Rows read, duplicates included (what a header counts).
    read: u64,
    /// The header's word count.
    limit: Option<u64>,
}

/// Parse a `words dims` header line.
pub(crate) fn parse_header(line: &[u8]) -> std::result::Result<(u64, usize), String> {
    let text = std::str::from_utf8(line)
        .map_err(|_| "header is not text: expected `<words> <dims>`".to_string())?;
    let fields: Vec<&str> = text.split_ascii_whitespace().collect();
    match fields.as_slice() {
        [rows, dims] => {
            let rows = header_number(rows).map_err(|why| {
                format!("the header's word count '{rows}' is {why}: expected `<words> <dims>`")
            })?;
            let dims = header_number(dims)
                .ok()
                .and_then(|d| usize::try_from(d).ok())
                .filter(|&d| (1..=MAX_DIMS).contains(&d))
                .ok_or_else(|| {
                    format!("header says {dims} dimensions: expected between 1 and {MAX_DIMS}")
                })?;
            Ok((rows, dims))
        }
        _ => Err(format!(
            "expected a header `<words> <dims>`, found {} fields",
            fields.len()
        )),
    }
}

/// A header count: a whole number that fits in 64 bits; else why not.
fn header_number(field: &str) -> std::result::Result<u64, &'static str> {
    let digits = field.strip_prefix(['-', '+']).unwrap_or(field);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a whole number");
    }
    if field.starts_with('-') && digits.bytes().any(|b| b != b'0') {
        return Err("negative");
    }
    digits
        .parse::<u64>()
        .map_err(|_| "too large (more than 2^64 - 1)")
}

fn strip_bom<R: BufRead>(reader: &mut R) -> Result<()> {
    let buf = reader.fill_buf().map_err(Error::io)?;
    if buf.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    Ok(())
}

/// Append up to BLOCK bytes to `block`; returns true at end of input.
fn fill_block<R: Read>(reader: &mut R, block: &mut Vec<u8>) -> Result<bool> {
    let target = block.len() + BLOCK;
    while block.len() < target {
        let start = block.len();
        block.resize(target, 0);
        let n = loop {
            match reader.read(&mut block[start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    block.truncate(start);
                    return Err(Error::io(e));
                }
            }
        };
        block.truncate(start + n);
        if n == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

fn memchr_last(needle: u8, haystack: &[u8]) -> Option<usize> {
    memchr::memrchr(needle, haystack)
}

/// Dimensions of a header-less file: the count of numbers that end a row
/// (a word may contain spaces, but is never all numbers), voted on by the
/// first rows. Only rows of a word without spaces vote (a word may end in
/// a number); the most common count wins, the earliest on a tie. So a bad
/// value in the first row is reported there (`a 1 x 3` then `b 1 2 3`: 3
/// dimensions and line 1 is wrong, not a word `a 1 x` with 1 dimension
/// and every later line wrong).
fn first_row_dims(text: &[u8]) -> Option<usize> {
    let mut first = None;
    // (dims, votes), in order of first appearance.
    let mut votes: Vec<(usize, usize)> = Vec::new();
    for line in text
        .split(|&b| b == b'\n')
        .map(trim_line)
        .filter(|l| !l.is_empty())
        .take(FIRST_ROWS)
    {
        let fields: Vec<&[u8]> = line
            .split(|&b| is_space(b))
            .filter(|f| !f.is_empty())
            .collect();
        let numeric = fields
            .iter()
            .rev()
            .take_while(|f| parse_f32(f).is_some())
            .count()
            .min(fields.len().saturating_sub(1));
        first.get_or_insert(numeric);
        if numeric + 1 == fields.len() {
            match votes.iter_mut().find(|(d, _)| *d == numeric) {
                Some((_, n)) => *n += 1,
                None => votes.push((numeric, 1)),
            }
        }
    }
    // max_by_key keeps the last maximum: reverse to keep the earliest.
    votes
        .into_iter()
        .rev()
        .max_by_key(|&(_, n)| n)
        .map(|(d, _)| d)
        .or(first)
}

/// How many rows [`first_row_dims`] looks at.
const FIRST_ROWS: usize = 16;

fn trim_line(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\r' | b' ' | b'\t') {
        end -= 1;
    }
    &line[..end]
}

/// The parsed rows of one sub-chunk.
#[derive(Default)]
struct Chunk {
    words: Words,
    values: Vec<f32>,
    /// Line offsets (0-based within the chunk) of each row.
    rows_at: Vec<u32>,
    /// The hash of each word, for [`Seen::keep`].
    hashes: Vec<u64>,
    lines: u64,
    spaces: usize,
    lossy: usize,
}

/// Parse one block of whole lines in parallel; returns the last line number.
fn parse_block(
    text: &[u8],
    first_line: u64,
    dims: usize,
    options: TextOptions,
    rows: &mut Rows,
    report: &mut LoadReport,
) -> Result<u64> {
    let pieces = split_at_lines(text, rayon::current_num_threads() * 4);
    let seen = &rows.seen;
    let parsed: Vec<std::result::Result<Chunk, (u64, String)>> = pieces
        .par_iter()
        .map(|piece| parse_chunk(piece, dims, options, seen))
        .collect();
    let mut line = first_line;
    for result in parsed {
        let chunk = result.map_err(|(offset, message)| {
            Error::malformed(Location::Line(line + 1 + offset), message)
        })?;
        for (k, offset) in chunk.rows_at.iter().enumerate() {
            let at = line + 1 + u64::from(*offset);
            if let Some(limit) = rows.limit.filter(|&limit| rows.read >= limit) {
                return Err(Error::malformed(
                    Location::Line(at),
                    format!("header promises {limit} words, file has more"),
                ));
            }
            rows.read += 1;
            let word = chunk.words.get(k);
            if rows.seen.keep(&mut rows.raw.words, word, chunk.hashes[k]) {
                rows.raw
                    .values
                    .extend_from_slice(&chunk.values[k * dims..(k + 1) * dims]);
                rows.raw.positions.push(at);
            } else {
                report.duplicates += 1;
                if report.first_duplicate.is_none() {
                    report.first_duplicate = Some((word.to_string(), at));
                }
            }
        }
        report.words_with_spaces += chunk.spaces;
        report.lossy_words += chunk.lossy;
        line += chunk.lines;
    }
    Ok(line)
}

/// Split `text` into about `n` pieces, each ending after a newline.
fn split_at_lines(text: &[u8], n: usize) -> Vec<&[u8]> {
    let target = (text.len() / n.max(1)).max(64 << 10);
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > target {
        match memchr::memchr(b'\n', &rest[target..]) {
            Some(pos) => {
                let (head, tail) = rest.split_at(target + pos + 1);
                pieces.push(head);
                rest = tail;
            }
            None => break,
        }
    }
    if !rest.is_empty() {
        pieces.push(rest);
    }
    pieces
}

fn parse_chunk(
    text: &[u8],
    dims: usize,
    options: TextOptions,
    seen: &Seen,
) -> std::result::Result<Chunk, (u64, String)> {
    let mut chunk = Chunk::default();
    let rows_guess = text.len() / (dims * 8 + 8) + 1;
    chunk.values.reserve(rows_guess * dims);
    chunk.words = Words::with_capacity(rows_guess, rows_guess * 8);
    // CRLF files have a `\r` before every `\n`, other files none: only
    // look for one inside each line when there is one at all.
    let any_cr = memchr::memchr(b'\r', text).is_some();
    let mut offset: u64 = 0;
    let mut start = 0;
    while start < text.len() {
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |p| start + p);
        let line = trim_line(&text[start..end]);
        if !line.is_empty() {
            if any_cr && memchr::memchr(b'\r', line).is_some() {
                return Err((
                    offset,
                    "carriage return (\\r) inside the line: words and values may not contain one"
                        .into(),
                ));
            }
            parse_line(line, dims, options, &mut chunk).map_err(|m| (offset, m))?;
            chunk.rows_at.push(offset as u32);
        }
        offset += 1;
        start = end + 1;
    }
    chunk.lines = offset;
    chunk.hashes = chunk.words.iter().map(|w| seen.hash(w)).collect();
    Ok(chunk)
}

/// Parse one row: the fast forward pass for the common case (a word
/// without spaces, then exactly `dims` numbers), else the careful pass.
fn parse_line(
    line: &[u8],
    dims: usize,
    options: TextOptions,
    chunk: &mut Chunk,
) -> std::result::Result<(), String> {
    if line.first().is_some_and(|&b| is_space(b)) {
        return Err("the word is empty (the line starts with a space or a tab)".into());
    }
    if let Some(word_end) = line.iter().position(|&b| is_space(b)) {
        let start = chunk.values.len();
        if parse_values_forward(&line[word_end..], dims, &mut chunk.values) {
            if let Ok(word) = options.encoding.decode(&line[..word_end]) {
                chunk.words.push(&word);
                return Ok(());
            }
        }
        chunk.values.truncate(start);
    }
    parse_line_careful(line, dims, options, chunk)
}

/// Append exactly `dims` finite values parsed left to right from `rest`;
/// false (with values possibly appended: the caller truncates) when the
/// row is anything else.
#[inline]
fn parse_values_forward(mut rest: &[u8], dims: usize, values: &mut Vec<f32>) -> bool {
    for _ in 0..dims {
        while let Some((&b, tail)) = rest.split_first() {
            if !is_space(b) {
                break;
            }
            rest = tail;
        }
        if let Some((v, used)) = short_decimal_field(rest) {
            values.push(v);
            rest = &rest[used..];
            continue;
        }
        let end = rest.iter().position(|&b| is_space(b)).unwrap_or(rest.len());
        if end == 0 {
            return false;
        }
        match fast_float2::parse::<f32, _>(&rest[..end]) {
            Ok(v) if v.is_finite() => values.push(v),
            _ => return false,
        }
        rest = &rest[end..];
    }
    rest.iter().all(|&b| is_space(b))
}

/// The general row parser: fields are taken from the right, so a word may
/// contain spaces; says precisely what is wrong with a bad row.
fn parse_line_careful(
    line: &[u8],
    dims: usize,
    options: TextOptions,
    chunk: &mut Chunk,
) -> std::result::Result<(), String> {
    let start = chunk.values.len();
    chunk.values.resize(start + dims, 0.0);
    // Walk fields from the right: the last `dims` are the vector.
    let mut end = line.len();
    for k in (0..dims).rev() {
        while end > 0 && is_space(line[end - 1]) {
            end -= 1;
        }
        let mut begin = end;
        while begin > 0 && !is_space(line[begin - 1]) {
            begin -= 1;
        }
        if begin == end {
            chunk.values.truncate(start);
            return Err(too_few(line, dims));
        }
        let field = &line[begin..end];
        match parse_f32(field) {
            Some(v) if v.is_finite() => chunk.values[start + k] = v,
            Some(_) => {
                chunk.values.truncate(start);
                return Err(format!(
                    "value {} is not a finite number: '{}'",
                    k + 1,
                    String::from_utf8_lossy(field)
                ));
            }
            None => {
                chunk.values.truncate(start);
                if begin == 0 {
                    return Err(too_few(line, dims));
                }
                return Err(format!(
                    "value {} is not a number: '{}' (expected {dims} numbers after the word)",
                    k + 1,
                    String::from_utf8_lossy(field)
                ));
            }
        }
        end = begin;
    }
    while end > 0 && is_space(line[end - 1]) {
        end -= 1;
    }
    let word = &line[..end];
    if word.is_empty() {
        chunk.values.truncate(start);
        return Err(too_few(line, dims));
    }
    if let Some(space) = word.iter().rposition(|&b| is_space(b)) {
        // A word with spaces inside (GloVe 840B `. . .`), unless what sits
        // before the vector is one more number: then the row is too long.
        if parse_f32(&word[space + 1..]).is_some() {
            chunk.values.truncate(start);
            let fields = line
                .split(|&b| is_space(b))
                .filter(|f| !f.is_empty())
                .count();
            return Err(format!(
                "expected {dims} values after the word, found {}",
                fields - 1
            ));
        }
        chunk.spaces += 1;
    }
    let encoding = options.encoding;
    match encoding.decode(word) {
        Ok(w) => chunk.words.push(&w),
        Err(_) if options.lossy => {
            chunk.lossy += 1;
            chunk.words.push(&encoding.decode_lossy(word, false));
        }
        Err(pos) => {
            chunk.values.truncate(start);
            return Err(format!(
                "{} in the word at byte {pos} of the line (use --lossy to replace it{})",
                encoding.describe_invalid(word, pos),
                other_encoding_hint(encoding)
            ));
        }
    }
    Ok(())
}

fn too_few(line: &[u8], dims: usize) -> String {
    let fields = line
        .split(|&b| is_space(b))
        .filter(|f| !f.is_empty())
        .count();
    format!(
        "expected a word and {dims} values, found {} value{}",
        fields.saturating_sub(1),
        if fields == 2 { "" } else { "s" }
    )
}

#[inline]
fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

#[inline]
fn parse_f32(field: &[u8]) -> Option<f32> {
    // Vector files write short decimals ("-0.41242"): those take an exact
    // fast path; anything else (exponents, long mantissas, "nan") goes to
    // fast-float2, which parses bytes directly and rejects anything but a
    // complete number.
    parse_short_decimal(field).or_else(|| fast_float2::parse(field).ok())
}

/// Powers of ten exactly representable in f32 (10^10 = 2^10 * 5^10, and
/// 5^10 < 2^24).
const POW10: [f32; 11] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/// `[-]digits[.digits]` with at most 7 significant digits and at most 10
/// after the point; `None` for anything else. The mantissa (< 10^7 < 2^24)
/// and the power of ten are exact in f32, so one division rounds
/// correctly (Clinger's fast path): the result equals the general parser's.
#[inline]
fn parse_short_decimal(bytes: &[u8]) -> Option<f32> {
    match short_decimal_field(bytes) {
        Some((v, used)) if used == bytes.len() => Some(v),
        _ => None,
    }
}

/// [`parse_short_decimal`] on the field that starts `bytes` (up to a space,
/// a tab or the end), in one pass: the value and the bytes it took.
#[inline]
fn short_decimal_field(bytes: &[u8]) -> Option<(f32, usize)> {
    let negative = bytes.first() == Some(&b'-');
    let mut i = usize::from(negative);
    let mut mantissa: u32 = 0;
    let mut significant = 0;
    let mut any_digit = false;
    let mut point = false;
    let mut fraction = 0usize;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'0'..=b'9' => {
                any_digit = true;
                if mantissa > 0 || c != b'0' {
                    significant += 1;
                    if significant > 7 {
                        return None;
                    }
                }
                mantissa = mantissa * 10 + u32::from(c - b'0');
                fraction += usize::from(point);
            }
            b'.' if !point => point = true,
            b' ' | b'\t' => break,
            _ => return None,
        }
        i += 1;
    }
    if !any_digit || fraction > 10 {
        return None;
    }
    let value = mantissa as f32 / POW10[fraction];
    Some((if negative { -value } else { value }, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, header: bool) -> Result<(Finished, LoadReport)> {
        read_text(
            text.as_bytes(),
            TextOptions {
                header,
                ..TextOptions::default()
            },
        )
    }

    #[test]
    fn quirks_are_accepted() {
        // (input, header, words, dims)
        let cases: &[(&str, bool, &[&str], usize)] = &[
            ("a 1 0\nb 0 1\n", false, &["a", "b"], 2),
            ("a 1 0\r\nb 0 1\r\n", false, &["a", "b"], 2),
            ("a 1 0 \nb 0 1 \n", false, &["a", "b"], 2),
            ("\u{feff}a 1 0\nb 0 1", false, &["a", "b"], 2),
            ("2 2\na 1 0\nb 0 1\n", true, &["a", "b"], 2),
            ("a 1 0\n\nb 0 1\n\n", false, &["a", "b"], 2),
            (". . . 1 0\nb 0 1\n", false, &[". . .", "b"], 2),
            ("a 1 0\na 0 1\nc 1 1\n", false, &["a", "c"], 2),
            ("3 2\na 1 0\na 0 1\nc 1 1\n", true, &["a", "c"], 2),
            // Only rows of a word without spaces vote on the dims.
            ("a b 1 0\nc 0 1\nd 1 1\n", false, &["a b", "c", "d"], 2),
        ];
        for (input, header, words, dims) in cases {
            let (emb, _) = read(input, *header).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(
                emb.vocab.words().iter().collect::<Vec<_>>(),
                *words,
                "{input:?}"
            );
            assert_eq!(emb.dims, *dims, "{input:?}");
        }
    }

    #[test]
    fn bad_rows_name_the_line() {
        let cases: &[(&str, bool, &str)] = &[
            (
                "a 1 0\nb 0\n",
                false,
                "line 2: expected a word and 2 values, found 1 value",
            ),
            (
                "a 1 0\nb 0 x\n",
                false,
                "line 2: value 2 is not a number: 'x'",
            ),
            (
                "a 1 0\nb 0 nan\n",
                false,
                "line 2: value 2 is not a finite number: 'nan'",
            ),
            (
                "a 1 0\nb 0 inf\n",
                false,
                "line 2: value 2 is not a finite number: 'inf'",
            ),
            (
                "a 1 0\nb 0 1 2\n",
                false,
                "line 2: expected 2 values after the word, found 3",
            ),
            (
                "3 2\na 1 0\nb 0 1\n",
                true,
                "line 1: header promises 3 words, file has 2",
            ),
            (
                "2 3\na 1 0\nb 0 1\n",
                true,
                "line 2: expected a word and 3 values, found 2 values",
            ),
            (
                "x y\na 1 0\n",
                true,
                "line 1: the header's word count 'x' is not a whole number",
            ),
            (
                "-1 3\na 1 2 3\n",
                true,
                "line 1: the header's word count '-1' is negative",
            ),
            (
                "18446744073709551616 3\na 1 2 3\n",
                true,
                "line 1: the header's word count '18446744073709551616' is too large",
            ),
            ("2 -3\na 1 2 3\n", true, "line 1: header says -3 dimensions"),
            (
                "1 3\na 1 2 3\nb 1 2 3\nc 1 2 3\n",
                true,
                "line 3: header promises 1 words, file has more",
            ),
            (
                "2 3\na 1 2 3\na 1 2 3\nc 1 2 3\n",
                true,
                "line 4: header promises 2 words, file has more",
            ),
            (
                "a 1 x 3\nb 1 2 3\n",
                false,
                "line 1: value 2 is not a number: 'x'",
            ),
            ("a 1 2\n 1 2\n", false, "line 2: the word is empty"),
            ("a 1 2\n\t1 2 3\n", false, "line 2: the word is empty"),
            (
                "a 1 2\rb 1 2\r",
                false,
                "line 1: line endings are CR only (classic Mac): convert them to LF",
            ),
            (
                "2 2\ra 1 2\rb 1 2\r",
                true,
                "line 1: line endings are CR only (classic Mac): convert them to LF",
            ),
            (
                "a 1 2\r\nb\rc 1 2\r\n",
                false,
                "line 2: carriage return (\\r) inside the line",
            ),
            (
                "a 1 2\na\rb 1 2\n",
                false,
                "line 2: carriage return (\\r) inside the line",
            ),
            ("", false, "no vectors found"),
            ("\n\n", false, "no vectors found"),
            ("", true, "empty file"),
            ("a\n", false, "dimensions: expected between 1"),
        ];
        for (input, header, expected) in cases {
            let err = read(input, *header)
                .err()
                .unwrap_or_else(|| panic!("{input:?} parsed"));
            assert!(
                err.to_string().contains(expected),
                "{input:?}: got '{err}', expected '{expected}'"
            );
        }
    }

    #[test]
    fn duplicates_are_counted_where_they_are() {
        let (emb, report) = read("a 1 0\nb 0 1\n\na 3 3\nb 1 1\na 2 2\n", false).unwrap();
        assert_eq!(emb.vocab.len(), 2);
        assert_eq!(emb.norms, [1.0, 1.0]);
        assert_eq!(report.duplicates, 3);
        assert_eq!(report.first_duplicate, Some(("a".to_string(), 4)));
    }

    #[test]
    fn invalid_utf8_fails_unless_lossy() {
        let input = b"ab\xff 1 0\n";
        let err = read_text(&input[..], TextOptions::default()).unwrap_err();
        assert!(err.to_string().contains("line 1: invalid UTF-8"), "{err}");
        let (emb, report) = read_text(
            &input[..],
            TextOptions {
                lossy: true,
                ..TextOptions::default()
            },
        )
        .unwrap();
        assert_eq!(emb.vocab.words().iter().collect::<Vec<_>>(), ["ab\u{fffd}"]);
        assert_eq!(report.lossy_words, 1);
        assert!(err.to_string().contains("--vectors-encoding"), "{err}");
    }

    /// The same bytes in each code page, on both parsing paths (the fast
    /// one, and the careful one a word with a space takes), with and
    /// without a header; an undefined cp1252 byte is an error naming it.
    #[test]
    fn words_are_decoded_from_the_encoding() {
        let body = b"kter\xec 1 0\nv\xa1ce x 0 1\n\x80 1 1\n";
        let cases = [
            (Encoding::Cp852, ["kter\u{fd}", "v\u{ed}ce x", "\u{c7}"]),
            (Encoding::Latin1, ["kter\u{ec}", "v\u{a1}ce x", "\u{80}"]),
            (Encoding::Cp1252, ["kter\u{ec}", "v\u{a1}ce x", "\u{20ac}"]),
        ];
        for (encoding, want) in cases {
            for header in [false, true] {
                let input = [if header { &b"3 2\n"[..] } else { b"" }, body].concat();
                let options = TextOptions {
                    header,
                    encoding,
                    ..TextOptions::default()
                };
                let (emb, report) = read_text(&input[..], options).unwrap();
                assert_eq!(emb.vocab.words().iter().collect::<Vec<_>>(), want);
                assert_eq!(report.lossy_words, 0);
            }
        }
        let options = TextOptions {
            encoding: Encoding::Cp1252,
            ..TextOptions::default()
        };
        let err = read_text(&b"a 1\nb\x81 2\n"[..], options).unwrap_err();
        assert!(
            err.to_string()
                .contains("line 2: undefined cp1252 byte 0x81 in the word at byte 1"),
            "{err}"
        );
        let lossy = TextOptions {
            lossy: true,
            ..options
        };
        let (emb, report) = read_text(&b"a 1\nb\x81 2\n"[..], lossy).unwrap();
        assert_eq!(emb.vocab.words().get(1), "b\u{fffd}");
        assert_eq!(report.lossy_words, 1);
    }

    /// The fast path agrees bit for bit with the general parser.
    #[test]
    fn short_decimals_parse_exactly() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut checked = 0;
        for _ in 0..300_000 {
            let r = next();
            let digits = 1 + (r % 9) as usize;
            let point = (r >> 8) as usize % (digits + 1);
            let lead = (r >> 16) % 3;
            let mut text = String::new();
            if (r >> 20) & 1 == 1 {
                text.push('-');
            }
            for _ in 0..lead {
                text.push('0');
            }
            let mut body: String = (0..digits)
                .map(|i| char::from(b'0' + ((r >> (24 + 3 * i)) % 10) as u8))
                .collect();
            if point < digits {
                body.insert(point, '.');
            }
            text.push_str(&body);
            let general: f32 = fast_float2::parse(text.as_bytes()).unwrap();
            if let Some(fast) = parse_short_decimal(text.as_bytes()) {
                assert_eq!(fast.to_bits(), general.to_bits(), "{text}");
                checked += 1;
            }
        }
        assert!(checked > 100_000, "the fast path took only {checked} cases");
        for (text, expected) in [
            ("0.418", Some(0.418f32)),
            ("-0.41242", Some(-0.41242)),
            ("7", Some(7.0)),
            (".5", Some(0.5)),
            ("5.", Some(5.0)),
        ] {
            assert_eq!(parse_short_decimal(text.as_bytes()), expected, "{text}");
        }
        for text in [
            "",
            "-",
            ".",
            "1e5",
            "nan",
            "inf",
            "1.2.3",
            "12345678.9",
            "0.12345678901",
            "+1",
            "1-",
        ] {
            assert_eq!(parse_short_decimal(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn line_numbers_survive_block_splits() {
        let mut text = String::new();
        for i in 0..200_000 {
            text.push_str(&format!("w{i} 1 2 3\n"));
        }
        text.push_str("bad 1 2\n");
        let err = read(&text, false).unwrap_err();
        assert!(err.to_string().contains("line 200001:"), "{err}");
    }

    #[test]
    fn many_rows_round_trip_in_order() {
        let mut text = String::new();
        for i in 0..100_000 {
            text.push_str(&format!("w{i} {i} 1\n"));
        }
        let (emb, _) = read(&text, false).unwrap();
        assert_eq!(emb.vocab.len(), 100_000);
        assert_eq!(emb.vocab.words().get(77_777), "w77777");
        let i = emb.vocab.get("w77777").unwrap();
        assert_eq!(emb.values[i * 2], 77_777.0);
    }
}
