//! Reading a corpus row by row, in bounded memory.
//!
//! [`RowReader`] reads CSV, TSV or JSONL from any [`Read`] (a file, stdin,
//! a pipe) and yields one [`Row`] at a time: the requested columns of a
//! good row, or a [`BadRow`] that says which line is wrong and why. No row
//! is ever held in memory beyond the configured limit, so a file of any
//! size (or a single runaway quoted field) cannot exhaust memory.
//!
//! ```
//! use embed_tl::corpus::{Column, CorpusFormat};
//! use embed_tl::corpus::stream::{Limits, Row, RowReader};
//!
//! let data = "id,text\n1,good film\n2,a,b\n3,dull\n";
//! let columns = [Column::Name("text".into()), Column::Name("id".into())];
//! let mut rows = RowReader::new(data.as_bytes(), CorpusFormat::Csv, &columns, Limits::default())?;
//! let mut seen = Vec::new();
//! while let Some(row) = rows.next_row()? {
//!     match row {
//!         Row::Good(r) => seen.push(format!("{} {}", r.line, r.fields[0].text)),
//!         Row::Bad(b) => seen.push(format!("{} bad: {}", b.line, b.reason)),
//!     }
//! }
//! assert_eq!(seen, ["2 good film", "3 bad: expected 2 fields, found 3", "4 dull"]);
//! # Ok::<(), embed_tl::Error>(())
//! ```

use std::io::{BufRead, BufReader, Read};

use crate::corpus::{Column, CorpusFormat};
use crate::error::{Error, Location, Result};

/// Size limits of one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest row accepted, in bytes (default 1 MiB). A longer row is
    /// a [`BadRow`]; only its first `max_row_bytes` are kept.
    pub max_row_bytes: usize,
    /// The most fields a CSV/TSV row may have (default 65,536).
    pub max_fields: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_row_bytes: 1 << 20,
            max_fields: 1 << 16,
        }
    }
}

/// One value of a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The value as text. For a JSONL value that is not a string (a
    /// number, say), its JSON text.
    pub text: String,
    /// `text` is JSON (a JSONL value that was not a string), to be written
    /// back as is.
    pub json: bool,
}

/// A row that was read and has all requested columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The 1-based line the row starts on.
    pub line: u64,
    /// The requested columns, in the order asked for.
    pub fields: Vec<Field>,
}

/// A row that cannot be used, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    /// The 1-based line the row starts on.
    pub line: u64,
    /// What is wrong, e.g. `expected 2 fields, found 3`.
    pub reason: String,
    /// The row's bytes as read (at most `max_row_bytes` of them), without
    /// the line terminator.
    pub raw: Vec<u8>,
}

impl BadRow {
    /// The error this row is when bad rows are fatal.
    pub fn into_error(self) -> Error {
        Error::malformed(Location::Line(self.line), self.reason)
    }
}

/// What [`RowReader::next_row`] yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// A usable row.
    Good(Record),
    /// A row with a problem.
    Bad(BadRow),
}

/// Reads rows one at a time; see the [module docs](self).
pub struct RowReader<R> {
    input: BufReader<R>,
    inner: Inner,
    limits: Limits,
    bytes: u64,
    names: Vec<String>,
}

enum Inner {
    Delimited(Box<Delimited>),
    Jsonl(Jsonl),
}

struct Delimited {
    core: csv_core::Reader,
    /// Header length; every row must have this many fields.
    width: usize,
    /// Index in the row of each requested column.
    indices: Vec<usize>,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Fields in the record just read.
    nend: usize,
    /// Where an over-long record is parsed to its end and dropped.
    skip_out: Vec<u8>,
    skip_ends: Vec<usize>,
    raw: Vec<u8>,
    done: bool,
}

struct Jsonl {
    names: Vec<String>,
    line: u64,
    buf: Vec<u8>,
}

impl<R: Read> RowReader<R> {
    /// Start reading `input`. For CSV/TSV the header row is read here, and
    /// a requested column it lacks is an error listing the columns found.
    /// JSONL columns are chosen by name.
    pub fn new(
        input: R,
        format: CorpusFormat,
        columns: &[Column],
        limits: Limits,
    ) -> Result<RowReader<R>> {
        let mut input = BufReader::with_capacity(1 << 16, input);
        let mut bytes = 0;
        let mut names = Vec::new();
        let inner = match format {
            CorpusFormat::Csv | CorpusFormat::Tsv => {
                let delimiter = if format == CorpusFormat::Tsv {
                    b'\t'
                } else {
                    b','
                };
                let mut d = Delimited {
                    core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
                    width: 0,
                    indices: Vec::new(),
                    out: vec![0; 4096],
                    ends: vec![0; 64],
                    nend: 0,
                    skip_out: vec![0; 4096],
                    skip_ends: vec![0; 64],
                    raw: Vec::new(),
                    done: false,
                };
                let header = match d.read(&mut input, &mut bytes, &limits)? {
                    None => {
                        return Err(Error::malformed(
                            Location::None,
                            "empty file: expected a header row",
                        ))
                    }
                    Some(Err(bad)) => {
                        return Err(Error::malformed(
                            Location::Line(bad.line),
                            format!("header row: {}", bad.reason),
                        ))
                    }
                    Some(Ok(_)) => d.fields(),
                };
                names = header
                    .iter()
                    .map(|f| String::from_utf8(f.to_vec()))
                    .collect::<std::result::Result<Vec<String>, _>>()
                    .map_err(|_| {
                        Error::malformed(Location::Line(1), "header row: invalid UTF-8")
                    })?;
                d.indices = resolve(columns, &names)?;
                d.width = names.len();
                Inner::Delimited(Box::new(d))
            }
            CorpusFormat::Jsonl => Inner::Jsonl(Jsonl {
                names: columns
                    .iter()
                    .map(|c| match c {
                        Column::Name(name) => Ok(name.clone()),
                        Column::Index(i) => Err(Error::InvalidInput(format!(
                            "JSONL fields are chosen by name, not index (#{i})"
                        ))),
                    })
                    .collect::<Result<_>>()?,
                line: 0,
                buf: Vec::new(),
            }),
        };
        Ok(RowReader {
            input,
            inner,
            limits,
            bytes,
            names,
        })
    }

    /// The header's column names (CSV/TSV); empty for JSONL.
    pub fn column_names(&self) -> &[String] {
        &self.names
    }

    /// Bytes consumed from the input so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The next row, `None` at the end of the input. Errors are I/O errors
    /// only; a malformed row is a [`Row::Bad`].
    pub fn next_row(&mut self) -> Result<Option<Row>> {
        match &mut self.inner {
            Inner::Delimited(d) => {
                let line = match d.read(&mut self.input, &mut self.bytes, &self.limits)? {
                    None => return Ok(None),
                    Some(Err(bad)) => return Ok(Some(Row::Bad(bad))),
                    Some(Ok(line)) => line,
                };
                let fields = d.fields();
                let bad = |reason: String, raw: &[u8]| {
                    Ok(Some(Row::Bad(BadRow {
                        line,
                        reason,
                        raw: raw.to_vec(),
                    })))
                };
                if fields.len() != d.width {
                    let reason = format!("expected {} fields, found {}", d.width, fields.len());
                    return bad(reason, &d.raw);
                }
                let mut out = Vec::with_capacity(d.indices.len());
                for &i in &d.indices {
                    match std::str::from_utf8(fields[i]) {
                        Ok(text) => out.push(Field {
                            text: text.to_string(),
                            json: false,
                        }),
                        Err(e) => {
                            let reason = format!(
                                "field {}: invalid UTF-8 at byte {}",
                                i + 1,
                                e.valid_up_to()
                            );
                            return bad(reason, &d.raw);
                        }
                    }
                }
                Ok(Some(Row::Good(Record { line, fields: out })))
            }
            Inner::Jsonl(j) => j.next(&mut self.input, &mut self.bytes, &self.limits),
        }
    }
}

impl<R: Read> Iterator for RowReader<R> {
    type Item = Result<Row>;

    fn next(&mut self) -> Option<Result<Row>> {
        self.next_row().transpose()
    }
}

/// Where each requested column is among `names`.
fn resolve(columns: &[Column], names: &[String]) -> Result<Vec<usize>> {
    columns
        .iter()
        .map(|column| {
            match column {
                Column::Name(name) => names.iter().position(|h| h == name),
                Column::Index(i) => (*i < names.len()).then_some(*i),
            }
            .ok_or_else(|| {
                Error::malformed(
                    Location::Line(1),
                    format!("no column {column}; columns found: {}", names.join(", ")),
                )
            })
        })
        .collect()
}

/// A record's first line, or why it is bad.
type Parsed = std::result::Result<u64, BadRow>;

impl Delimited {
    /// The next record's fields, or a bad row (over the limits), or `None`.
    fn read<R: Read>(
        &mut self,
        input: &mut BufReader<R>,
        bytes: &mut u64,
        limits: &Limits,
    ) -> Result<Option<Parsed>> {
        if self.done {
            return Ok(None);
        }
        let start_line = self.core.line();
        let (mut nout, mut nend) = (0, 0);
        let mut too_long = None;
        self.raw.clear();
        loop {
            let chunk = input.fill_buf().map_err(Error::io)?;
            let (out, ends): (&mut [u8], &mut [usize]) = if too_long.is_some() {
                (&mut self.skip_out, &mut self.skip_ends)
            } else {
                (&mut self.out[nout..], &mut self.ends[nend..])
            };
            let (result, nin, n_out, n_end) = self.core.read_record(chunk, out, ends);
            let keep = nin.min(limits.max_row_bytes.saturating_sub(self.raw.len()));
            self.raw.extend_from_slice(&chunk[..keep]);
            let at_eof = chunk.is_empty();
            input.consume(nin);
            *bytes += nin as u64;
            if too_long.is_none() {
                nout += n_out;
                nend += n_end;
            }
            use csv_core::ReadRecordResult as R;
            match result {
                R::InputEmpty => {
                    if at_eof {
                        // csv_core saw the end of input and has nothing
                        // pending; the next call returns `End`.
                        continue;
                    }
                }
                R::OutputFull if too_long.is_none() => {
                    if self.out.len() >= limits.max_row_bytes {
                        too_long = Some(format!(
                            "row longer than {} bytes (the row size limit)",
                            limits.max_row_bytes
                        ));
                    } else {
                        let len = (self.out.len() * 2).min(limits.max_row_bytes.max(1));
                        self.out.resize(len, 0);
                    }
                }
                R::OutputEndsFull if too_long.is_none() => {
                    if self.ends.len() >= limits.max_fields {
                        too_long = Some(format!(
                            "more than {} fields (the field count limit)",
                            limits.max_fields
                        ));
                    } else {
                        let len = (self.ends.len() * 2).min(limits.max_fields.max(1));
                        self.ends.resize(len, 0);
                    }
                }
                R::OutputFull | R::OutputEndsFull => {}
                R::Record => break,
                R::End => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
        if too_long.is_none() && nout > limits.max_row_bytes {
            too_long = Some(format!(
                "row longer than {} bytes (the row size limit)",
                limits.max_row_bytes
            ));
        }
        // Blank lines before the record are skipped by the parser: the
        // record starts after them.
        let blank = self
            .raw
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .collect::<Vec<_>>();
        let line = start_line + blank.iter().filter(|&&&b| b == b'\n').count() as u64;
        let skip = blank.len();
        self.raw.drain(..skip);
        while matches!(self.raw.last(), Some(b'\n' | b'\r')) {
            self.raw.pop();
        }
        if let Some(reason) = too_long {
            return Ok(Some(Err(BadRow {
                line,
                reason,
                raw: std::mem::take(&mut self.raw),
            })));
        }
        self.nend = nend;
        Ok(Some(Ok(line)))
    }

    /// The fields of the record just read.
    fn fields(&self) -> Vec<&[u8]> {
        let mut start = 0;
        self.ends[..self.nend]
            .iter()
            .map(|&end| {
                let field = &self.out[start..end];
                start = end;
                field
            })
            .collect()
    }
}

impl Jsonl {
    fn next<R: Read>(
        &mut self,
        input: &mut BufReader<R>,
        bytes: &mut u64,
        limits: &Limits,
    ) -> Result<Option<Row>> {
        loop {
            let Some(too_long) = read_line(input, &mut self.buf, bytes, limits.max_row_bytes)?
            else {
                return Ok(None);
            };
            self.line += 1;
            let line = self.line;
            let bad = |reason: String, raw: &[u8]| {
                Ok(Some(Row::Bad(BadRow {
                    line,
                    reason,
                    raw: raw.to_vec(),
                })))
            };
            if too_long {
                let reason = format!(
                    "line longer than {} bytes (the row size limit)",
                    limits.max_row_bytes
                );
                return bad(reason, &self.buf);
            }
            let text = match std::str::from_utf8(&self.buf) {
                Ok(text) => text,
                Err(e) => {
                    let reason = format!("invalid UTF-8 at byte {}", e.valid_up_to());
                    return bad(reason, &self.buf);
                }
            };
            if text.trim().is_empty() {
                continue;
            }
            let object = match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Object(map)) => map,
                Ok(_) => return bad("expected a JSON object".into(), &self.buf),
                Err(e) => return bad(format!("invalid JSON: {e}"), &self.buf),
            };
            let mut fields = Vec::with_capacity(self.names.len());
            for name in &self.names {
                match object.get(name) {
                    Some(serde_json::Value::String(s)) => fields.push(Field {
                        text: s.clone(),
                        json: false,
                    }),
                    Some(v) if !v.is_null() => fields.push(Field {
                        text: v.to_string(),
                        json: true,
                    }),
                    _ => return bad(format!("no field '{name}'"), &self.buf),
                }
            }
            return Ok(Some(Row::Good(Record { line, fields })));
        }
    }
}

/// Read one line into `buf` (without its terminator), keeping at most
/// `limit` bytes. Returns whether the line was longer than `limit`, or
/// `None` at the end of input.
fn read_line<R: Read>(
    input: &mut BufReader<R>,
    buf: &mut Vec<u8>,
    bytes: &mut u64,
    limit: usize,
) -> Result<Option<bool>> {
    buf.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let chunk = input.fill_buf().map_err(Error::io)?;
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (take, found) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        let room = limit.saturating_sub(buf.len());
        if take > room {
            too_long = true;
        }
        buf.extend_from_slice(&chunk[..take.min(room)]);
        let used = take + usize::from(found);
        input.consume(used);
        *bytes += used as u64;
        if found {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(too_long))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &[u8], format: CorpusFormat, limits: Limits) -> Vec<String> {
        let columns = [Column::Name("text".into()), Column::Name("id".into())];
        RowReader::new(data, format, &columns, limits)
            .unwrap()
            .map(|row| match row.unwrap() {
                Row::Good(r) => format!(
                    "{}:{}",
                    r.line,
                    r.fields
                        .iter()
                        .map(|f| f.text.as_str())
                        .collect::<Vec<_>>()
                        .join("|")
                ),
                Row::Bad(b) => format!(
                    "{}!{} [{}]",
                    b.line,
                    b.reason,
                    String::from_utf8_lossy(&b.raw)
                ),
            })
            .collect()
    }

    #[test]
    fn csv_rows_good_and_bad() {
        let cases: &[(&[u8], &[&str])] = &[
            (b"id,text\n1,a\n2,b", &["2:a|1", "3:b|2"]),
            (b"id,text\r\n1,a\r\n\r\n\n2,b\r\n", &["2:a|1", "5:b|2"]),
            (
                b"id,text\n1,\"two\nlines\"\n2,b,c\n3\n4,d\n",
                &[
                    "2:two\nlines|1",
                    "4!expected 2 fields, found 3 [2,b,c]",
                    "5!expected 2 fields, found 1 [3]",
                    "6:d|4",
                ],
            ),
            (
                b"id,text\n1,caf\xe9\n2,ok\n",
                &[
                    "2!field 2: invalid UTF-8 at byte 3 [1,caf\u{fffd}]",
                    "3:ok|2",
                ],
            ),
            (b"id,text\n", &[]),
        ];
        for (data, expected) in cases {
            assert_eq!(
                rows(data, CorpusFormat::Csv, Limits::default()),
                *expected,
                "{}",
                String::from_utf8_lossy(data)
            );
        }
    }

    #[test]
    fn long_rows_are_rejected_and_reading_goes_on() {
        let long = "x".repeat(10_000);
        let data = format!("id,text\n1,short\n2,\"{long}\"\n3,after\n");
        let limits = Limits {
            max_row_bytes: 100,
            ..Limits::default()
        };
        let got = rows(data.as_bytes(), CorpusFormat::Csv, limits);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], "2:short|1");
        assert!(
            got[1].starts_with("3!row longer than 100 bytes"),
            "{}",
            got[1]
        );
        assert_eq!(got[2], "4:after|3");
        let many = format!("id,text\n1,a\n{}\n2,b\n", ",".repeat(1000));
        let limits = Limits {
            max_fields: 16,
            ..Limits::default()
        };
        let got = rows(many.as_bytes(), CorpusFormat::Csv, limits);
        assert!(got[1].starts_with("3!more than 16 fields"), "{got:?}");
        assert_eq!(got[2], "4:b|2");

        let data = format!("{{\"id\":1,\"text\":\"{long}\"}}\n{{\"id\":2,\"text\":\"b\"}}\n");
        let limits = Limits {
            max_row_bytes: 100,
            ..Limits::default()
        };
        let got = rows(data.as_bytes(), CorpusFormat::Jsonl, limits);
        assert_eq!(got.len(), 2);
        assert!(
            got[0].starts_with("1!line longer than 100 bytes"),
            "{got:?}"
        );
        assert_eq!(got[1], "2:b|2");
    }

    #[test]
    fn jsonl_rows_good_and_bad() {
        let data = b"{\"id\": 7, \"text\": \"a\"}\n\n{\"text\": \"b\"}\n[1]\n{oops\n{\"id\":\"x\",\"text\":\"\xff\"}\n{\"id\":\"q\",\"text\":\"c\"}";
        assert_eq!(
            rows(data, CorpusFormat::Jsonl, Limits::default()),
            [
                "1:a|7",
                "3!no field 'id' [{\"text\": \"b\"}]",
                "4!expected a JSON object [[1]]",
                "5!invalid JSON: key must be a string at line 1 column 2 [{oops]",
                "6!invalid UTF-8 at byte 18 [{\"id\":\"x\",\"text\":\"\u{fffd}\"}]",
                "7:c|q",
            ]
        );
    }

    #[test]
    fn header_problems_are_errors() {
        let columns = [Column::Name("text".into())];
        for (data, expected) in [
            (&b""[..], "empty file: expected a header row"),
            (
                b"id,body\n1,x\n",
                "line 1: no column 'text'; columns found: id, body",
            ),
            (b"id,t\xffext\n", "header row: invalid UTF-8"),
        ] {
            let err = RowReader::new(data, CorpusFormat::Csv, &columns, Limits::default())
                .err()
                .unwrap();
            assert!(err.to_string().contains(expected), "{err}");
        }
    }
}
