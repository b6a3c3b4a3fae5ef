//! Reading a corpus row by row, in bounded memory.
//!
//! [`RowReader`] reads CSV, TSV, JSONL, plain lines or fastText's
//! `__label__` format from any [`Read`] (a file, stdin, a pipe) and yields
//! one [`Row`] at a time: the requested columns of a
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

/// What to do with a fastText line that has several `__label__`s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MultiLabel {
    /// Keep the first label (the lines are counted in [`ReadStats`]).
    #[default]
    First,
    /// The line is a bad row.
    Reject,
}

impl std::str::FromStr for MultiLabel {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "first" => Ok(MultiLabel::First),
            "reject" => Ok(MultiLabel::Reject),
            _ => Err(format!("'{s}': expected first or reject")),
        }
    }
}

/// How the rows of an input are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The format.
    pub format: CorpusFormat,
    /// CSV/TSV: the first row names the columns (default true). Without
    /// a header, columns are chosen by 0-based index.
    pub header: bool,
    /// fastText: lines with several labels.
    pub multi_label: MultiLabel,
    /// CSV: the byte between fields (default `,`; `;` is common where the
    /// decimal mark is a comma).
    pub delimiter: u8,
}

impl From<CorpusFormat> for Layout {
    fn from(format: CorpusFormat) -> Layout {
        Layout {
            format,
            header: true,
            multi_label: MultiLabel::First,
            delimiter: b',',
        }
    }
}

/// What a read saw: every data row is either used or rejected, and what
/// is not a row (blank lines) is counted too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReadStats {
    /// Data rows read (the header not counted).
    pub read: u64,
    /// Rows used by the run.
    pub used: u64,
    /// Rows rejected (bad rows, or rows the run cannot use).
    pub rejected: u64,
    /// Blank lines skipped (not rows).
    pub blank_lines: u64,
    /// Rows that span several lines (CSV quoted fields with line breaks).
    pub multiline_rows: u64,
    /// The first of those: its first line and how many lines it took.
    pub first_multiline: Option<(u64, u64)>,
    /// fastText lines with several labels (the first kept).
    pub multi_label_rows: u64,
    /// The first of those.
    pub first_multi_label: Option<u64>,
    /// Read as `lines`, the first line starts with `__label__`: it looks
    /// like fastText's format.
    pub looks_like_fasttext: bool,
}

impl ReadStats {
    /// Count one more rejected row among those read as good.
    pub fn reject_one(&mut self) {
        self.rejected += 1;
        self.used = self.used.saturating_sub(1);
    }

    /// Notes on what was read beyond the counts: blank lines, multi-line
    /// rows, rows with several labels. Empty when there is nothing to say.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some((line, lines)) = self.first_multiline {
            notes.push(format!(
                "{} row{} span{} several lines (quoted line breaks; the first: line {line}, {lines} lines)",
                self.multiline_rows,
                plural(self.multiline_rows),
                if self.multiline_rows == 1 { "s" } else { "" },
            ));
        }
        if let Some(line) = self.first_multi_label {
            notes.push(format!(
                "{} line{} with several labels, the first label kept (the first: line {line}; --multi-label reject to refuse them)",
                self.multi_label_rows,
                plural(self.multi_label_rows),
            ));
        }
        if self.looks_like_fasttext {
            notes.push(
                "its first line starts with __label__, as in fastText's format: pass --input-format fasttext to read the labels"
                    .to_string(),
            );
        }
        if self.blank_lines > 0 {
            notes.push(format!(
                "{} blank line{} skipped",
                self.blank_lines,
                plural(self.blank_lines)
            ));
        }
        notes
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl std::fmt::Display for ReadStats {
    /// `read 3000 rows, used 3000, rejected 0`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "read {} row{}, used {}, rejected {}",
            self.read,
            plural(self.read),
            self.used,
            self.rejected
        )
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
    /// The lines the row takes (more than 1 for a CSV quoted field with
    /// line breaks).
    pub lines: u64,
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
    /// A line over the row size limit (TSV, lines, fastText, JSONL).
    fn too_long(line: u64, limit: usize, raw: &[u8]) -> BadRow {
        BadRow {
            line,
            reason: format!("line longer than {limit} bytes (the row size limit)"),
            raw: raw.to_vec(),
        }
    }

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
    layout: Layout,
    limits: Limits,
    bytes: u64,
    names: Vec<String>,
    /// Where each requested column is in a row.
    indices: Vec<usize>,
    /// Fields a CSV/TSV row must have (the header's, or the first row's).
    width: usize,
    /// A headerless file's first row, read to learn the width.
    pending: bool,
    stats: ReadStats,
}

enum Inner {
    Csv(Box<Delimited>),
    /// TSV, lines and fastText: one row a line.
    Lines(LineRows),
    Jsonl(Jsonl),
}

struct Delimited {
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Fields in the record just read.
    nend: usize,
    /// Where an over-long record is parsed to its end and dropped.
    skip_out: Vec<u8>,
    skip_ends: Vec<usize>,
    raw: Vec<u8>,
    done: bool,
    /// Blank lines skipped before the record just read.
    blank: u64,
    /// The record just read ended at a `\r` (its `\n` is still to come).
    ended_cr: bool,
    /// The first line of the record just read.
    first_line: u64,
}

struct LineRows {
    buf: Vec<u8>,
    line: u64,
    /// TSV: the fields of the line just read, as byte ranges of `buf`.
    spans: Vec<(usize, usize)>,
}

struct Jsonl {
    names: Vec<String>,
    line: u64,
    buf: Vec<u8>,
}

impl<R: Read> RowReader<R> {
    /// Start reading `input`. For CSV/TSV the header row is read here (or,
    /// without a header, the first row, to learn the width), and a
    /// requested column the input lacks is an error listing the columns
    /// found. JSONL columns are chosen by name; `lines` has one column
    /// (`text`, #0) and `fasttext` two (`label`, #0, and `text`, #1).
    pub fn new(
        input: R,
        layout: impl Into<Layout>,
        columns: &[Column],
        limits: Limits,
    ) -> Result<RowReader<R>> {
        let layout = layout.into();
        if matches!(layout.format, CorpusFormat::Parquet | CorpusFormat::Arrow) {
            return Err(Error::InvalidInput(format!(
                "{} is a columnar layout, read in record batches (corpus::columnar), not row by row",
                layout.format
            )));
        }
        let input = BufReader::with_capacity(1 << 16, input);
        let inner = match layout.format {
            CorpusFormat::Csv => Inner::Csv(Box::new(Delimited {
                core: csv_core::ReaderBuilder::new()
                    .delimiter(layout.delimiter)
                    .build(),
                out: vec![0; 4096],
                ends: vec![0; 64],
                nend: 0,
                skip_out: vec![0; 4096],
                skip_ends: vec![0; 64],
                raw: Vec::new(),
                done: false,
                blank: 0,
                ended_cr: false,
                first_line: 0,
            })),
            CorpusFormat::Tsv
            | CorpusFormat::Lines
            | CorpusFormat::FastText
            | CorpusFormat::Parquet
            | CorpusFormat::Arrow => Inner::Lines(LineRows {
                buf: Vec::new(),
                line: 0,
                spans: Vec::new(),
            }),
            CorpusFormat::Jsonl => Inner::Jsonl(Jsonl {
                names: columns
                    .iter()
                    .map(|c| match c {
                        Column::Name(name) => Ok(name.clone()),
                        Column::Index(i) => Err(Error::InvalidParameter(format!(
                            "JSONL fields are chosen by name, not index (#{i})"
                        ))),
                    })
                    .collect::<Result<_>>()?,
                line: 0,
                buf: Vec::new(),
            }),
        };
        let mut reader = RowReader {
            input,
            inner,
            layout,
            limits,
            bytes: 0,
            names: Vec::new(),
            indices: Vec::new(),
            width: 0,
            pending: false,
            stats: ReadStats::default(),
        };
        match layout.format {
            CorpusFormat::Csv | CorpusFormat::Tsv => reader.start_delimited()?,
            CorpusFormat::Lines => reader.names = vec!["text".into()],
            CorpusFormat::FastText => reader.names = vec!["label".into(), "text".into()],
            CorpusFormat::Jsonl | CorpusFormat::Parquet | CorpusFormat::Arrow => {}
        }
        reader.select(columns)?;
        Ok(reader)
    }

    /// Read the header (or the first row of a headerless file).
    fn start_delimited(&mut self) -> Result<()> {
        let what = if self.layout.header {
            "header row"
        } else {
            "first row"
        };
        let first = match self.read_delimited()? {
            None if self.layout.header => {
                return Err(Error::malformed(
                    Location::None,
                    "empty file: expected a header row",
                ))
            }
            None => return Ok(()),
            Some(Err(bad)) => {
                return Err(Error::malformed(
                    Location::Line(bad.line),
                    format!("{what}: {}", bad.reason),
                ))
            }
            Some(Ok(line)) => line,
        };
        let names = self
            .fields()
            .iter()
            .map(|f| String::from_utf8(f.to_vec()))
            .collect::<Vec<_>>();
        self.width = names.len();
        if self.layout.header {
            self.names = names
                .into_iter()
                .collect::<std::result::Result<Vec<String>, _>>()
                .map_err(|_| {
                    Error::malformed(Location::Line(first), "header row: invalid UTF-8")
                })?;
        } else {
            self.pending = true;
        }
        Ok(())
    }

    /// Choose other columns (e.g. after looking at [`Self::column_names`]).
    pub fn select(&mut self, columns: &[Column]) -> Result<()> {
        match self.layout.format {
            CorpusFormat::Jsonl => {
                if let Inner::Jsonl(j) = &mut self.inner {
                    j.names = columns
                        .iter()
                        .map(|c| match c {
                            Column::Name(name) => Ok(name.clone()),
                            Column::Index(i) => Err(Error::InvalidParameter(format!(
                                "JSONL fields are chosen by name, not index (#{i})"
                            ))),
                        })
                        .collect::<Result<_>>()?;
                }
            }
            CorpusFormat::Csv | CorpusFormat::Tsv if !self.layout.header => {
                self.indices = columns
                    .iter()
                    .map(|c| match c {
                        Column::Index(i) if self.width == 0 || *i < self.width => Ok(*i),
                        Column::Index(i) => Err(Error::malformed(
                            Location::Line(1),
                            format!(
                                "no column #{i}: the first row has {} field{} (#0 to #{})",
                                self.width,
                                plural(self.width as u64),
                                self.width - 1
                            ),
                        )),
                        Column::Name(name) => Err(Error::InvalidParameter(format!(
                            "column '{name}': without a header (--no-header) columns are chosen by 0-based index, e.g. 0"
                        ))),
                    })
                    .collect::<Result<_>>()?;
            }
            CorpusFormat::Lines | CorpusFormat::FastText => {
                let names = &self.names;
                self.indices = columns
                    .iter()
                    .map(|c| {
                        match c {
                            Column::Name(n) => names.iter().position(|h| h == n),
                            Column::Index(i) => (*i < names.len()).then_some(*i),
                        }
                        .ok_or_else(|| {
                            let format = self.layout.format;
                            let has = if format == CorpusFormat::Lines {
                                "one column, the text ('text' or 0): it has no labels or ids"
                                    .to_string()
                            } else {
                                "two columns, 'label' (0) and 'text' (1)".to_string()
                            };
                            Error::InvalidParameter(format!(
                                "no column {c}: the {format} format has {has}"
                            ))
                        })
                    })
                    .collect::<Result<_>>()?;
            }
            CorpusFormat::Csv | CorpusFormat::Tsv => {
                self.indices = resolve(columns, &self.names)?;
            }
            // Refused by `new`.
            CorpusFormat::Parquet | CorpusFormat::Arrow => {}
        }
        Ok(())
    }

    /// The column names: the header's (CSV/TSV), `text` (lines), `label`
    /// and `text` (fastText); empty for JSONL and headerless files.
    pub fn column_names(&self) -> &[String] {
        &self.names
    }

    /// Bytes consumed from the input so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// What was read so far: `read`, `rejected` (bad rows yielded) and
    /// `used` (the rest); a caller that rejects more calls
    /// [`ReadStats::reject_one`].
    pub fn stats(&self) -> ReadStats {
        self.stats
    }

    /// The next row, `None` at the end of the input. A malformed row is a
    /// [`Row::Bad`]; errors are I/O errors and a CSV quote left open at
    /// the end of the input (that would lose every row after it).
    pub fn next_row(&mut self) -> Result<Option<Row>> {
        let row = match self.layout.format {
            CorpusFormat::Csv => self.next_csv()?,
            CorpusFormat::Tsv => self.next_tsv()?,
            CorpusFormat::Lines | CorpusFormat::FastText => self.next_line_row()?,
            // Refused by `new`.
            CorpusFormat::Parquet | CorpusFormat::Arrow => None,
            CorpusFormat::Jsonl => match &mut self.inner {
                Inner::Jsonl(j) => j.next(
                    &mut self.input,
                    &mut self.bytes,
                    &self.limits,
                    &mut self.stats,
                )?,
                _ => None,
            },
        };
        match &row {
            Some(Row::Good(record)) => {
                self.stats.read += 1;
                self.stats.used += 1;
                if record.lines > 1 {
                    self.stats.multiline_rows += 1;
                    self.stats
                        .first_multiline
                        .get_or_insert((record.line, record.lines));
                }
            }
            Some(Row::Bad(_)) => {
                self.stats.read += 1;
                self.stats.rejected += 1;
            }
            None => {}
        }
        Ok(row)
    }

    fn read_delimited(&mut self) -> Result<Option<Parsed>> {
        match &mut self.inner {
            Inner::Csv(d) => {
                let parsed = d.read(&mut self.input, &mut self.bytes, &self.limits)?;
                self.stats.blank_lines += std::mem::take(&mut d.blank);
                Ok(parsed)
            }
            Inner::Lines(l) => {
                let parsed = l.read_tsv(
                    &mut self.input,
                    &mut self.bytes,
                    &self.limits,
                    &mut self.stats,
                )?;
                Ok(parsed)
            }
            Inner::Jsonl(_) => Ok(None),
        }
    }

    fn fields(&self) -> Vec<&[u8]> {
        match &self.inner {
            Inner::Csv(d) => d.fields(),
            Inner::Lines(l) => l.spans.iter().map(|&(a, b)| &l.buf[a..b]).collect(),
            Inner::Jsonl(_) => Vec::new(),
        }
    }

    fn raw(&self) -> &[u8] {
        match &self.inner {
            Inner::Csv(d) => &d.raw,
            Inner::Lines(l) => &l.buf,
            Inner::Jsonl(j) => &j.buf,
        }
    }

    fn next_csv(&mut self) -> Result<Option<Row>> {
        let line = if std::mem::take(&mut self.pending) {
            match &self.inner {
                Inner::Csv(d) => d.first_line,
                _ => 1,
            }
        } else {
            match self.read_delimited()? {
                None => return Ok(None),
                Some(Err(bad)) => return Ok(Some(Row::Bad(bad))),
                Some(Ok(line)) => line,
            }
        };
        let lines = 1 + memchr::memchr_iter(b'\n', self.raw()).count() as u64;
        if memchr::memchr(b'"', self.raw()).is_some() {
            match check_quotes(self.raw(), self.layout.delimiter) {
                Quotes::Fine => {}
                Quotes::TextAfterQuote { line: close, text } => {
                    let reason = if close > 0 {
                        format!(
                            "a quoted field opened on line {line} closes on line {} and text follows its closing quote ('{text}'): a stray quote? lines {line} to {} were read as this one row",
                            line + close,
                            line + close
                        )
                    } else {
                        format!("text follows a closing quote ('{text}'): quote the whole field and double the quotes inside it")
                    };
                    return Ok(Some(self.bad_row(line, reason)));
                }
                Quotes::Unterminated => {
                    return Err(Error::malformed(
                        Location::Line(line),
                        format!(
                            "a quoted field opened on this line is never closed: the input ends inside it, {} lines later (a stray quote? every row after it would be lost)",
                            lines - 1
                        ),
                    ));
                }
            }
        }
        self.good_delimited(line, lines, |f| Ok(f.to_vec()))
    }

    fn next_tsv(&mut self) -> Result<Option<Row>> {
        let line = if std::mem::take(&mut self.pending) {
            match &self.inner {
                Inner::Lines(l) => l.line,
                _ => 1,
            }
        } else {
            match self.read_delimited()? {
                None => return Ok(None),
                Some(Err(bad)) => return Ok(Some(Row::Bad(bad))),
                Some(Ok(line)) => line,
            }
        };
        self.good_delimited(line, 1, unescape_tsv)
    }

    /// The requested fields of the CSV/TSV row just read, or why it is bad.
    fn good_delimited(
        &self,
        line: u64,
        lines: u64,
        decode: fn(&[u8]) -> std::result::Result<Vec<u8>, String>,
    ) -> Result<Option<Row>> {
        let fields = self.fields();
        if fields.len() != self.width {
            let reason = format!("expected {} fields, found {}", self.width, fields.len());
            return Ok(Some(self.bad_row(line, reason)));
        }
        let mut out = Vec::with_capacity(self.indices.len());
        for &i in &self.indices {
            let bytes = match decode(fields[i]) {
                Ok(bytes) => bytes,
                Err(reason) => {
                    return Ok(Some(
                        self.bad_row(line, format!("field {}: {reason}", i + 1)),
                    ))
                }
            };
            match String::from_utf8(bytes) {
                Ok(text) => out.push(Field { text, json: false }),
                Err(e) => {
                    let reason = format!(
                        "field {}: invalid UTF-8 at byte {}",
                        i + 1,
                        e.utf8_error().valid_up_to()
                    );
                    return Ok(Some(self.bad_row(line, reason)));
                }
            }
        }
        Ok(Some(Row::Good(Record {
            line,
            lines,
            fields: out,
        })))
    }

    fn bad_row(&self, line: u64, reason: String) -> Row {
        Row::Bad(BadRow {
            line,
            reason,
            raw: self.raw().to_vec(),
        })
    }

    /// A `lines` or `fasttext` row.
    fn next_line_row(&mut self) -> Result<Option<Row>> {
        let Inner::Lines(l) = &mut self.inner else {
            return Ok(None);
        };
        let line = loop {
            let Some(too_long) = read_line(
                &mut self.input,
                &mut l.buf,
                &mut self.bytes,
                self.limits.max_row_bytes,
            )?
            else {
                return Ok(None);
            };
            l.line += 1;
            if too_long {
                let bad = BadRow::too_long(l.line, self.limits.max_row_bytes, &l.buf);
                return Ok(Some(Row::Bad(bad)));
            }
            if l.buf.iter().all(u8::is_ascii_whitespace) {
                self.stats.blank_lines += 1;
                continue;
            }
            break l.line;
        };
        let text = match std::str::from_utf8(&l.buf) {
            Ok(text) => text,
            Err(e) => {
                let reason = format!("invalid UTF-8 at byte {}", e.valid_up_to());
                return Ok(Some(self.bad_row(line, reason)));
            }
        };
        let values: Vec<String> = if self.layout.format == CorpusFormat::Lines {
            if self.stats.read == 0 && text.starts_with(FASTTEXT_LABEL) {
                self.stats.looks_like_fasttext = true;
            }
            vec![text.to_string()]
        } else {
            let mut labels = Vec::new();
            let mut words = Vec::new();
            for token in text.split_whitespace() {
                match token.strip_prefix(FASTTEXT_LABEL) {
                    Some(label) => labels.push(label),
                    None => words.push(token),
                }
            }
            if labels.len() > 1 {
                if self.layout.multi_label == MultiLabel::Reject {
                    let reason = format!(
                        "{} labels ({}): --multi-label first keeps the first",
                        labels.len(),
                        labels.join(", ")
                    );
                    return Ok(Some(self.bad_row(line, reason)));
                }
                self.stats.multi_label_rows += 1;
                self.stats.first_multi_label.get_or_insert(line);
            }
            vec![
                labels.first().copied().unwrap_or("").to_string(),
                words.join(" "),
            ]
        };
        let fields = self
            .indices
            .iter()
            .map(|&i| Field {
                text: values[i].clone(),
                json: false,
            })
            .collect();
        Ok(Some(Row::Good(Record {
            line,
            lines: 1,
            fields,
        })))
    }
}

/// The label prefix of fastText's supervised format.
pub const FASTTEXT_LABEL: &str = "__label__";

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
            if let Column::Name(name) = column {
                let mut at = names.iter().enumerate().filter(|(_, h)| *h == name);
                if let (Some((first, _)), Some((second, _))) = (at.next(), at.next()) {
                    return Err(Error::malformed(
                        Location::Line(1),
                        format!(
                            "column '{name}' is in the header twice, fields {} and {}: choose one by its 0-based index ({first} or {second})",
                            first + 1,
                            second + 1
                        ),
                    ));
                }
            }
            match column {
                Column::Name(name) => names.iter().position(|h| h == name),
                Column::Index(i) => (*i < names.len()).then_some(*i),
            }
            .ok_or_else(|| Error::MissingColumn {
                path: None,
                location: Location::Line(1),
                column: column.clone(),
                found: names.to_vec(),
            })
        })
        .collect()
}

/// What the quotes of a CSV record say.
#[derive(Debug, PartialEq, Eq)]
enum Quotes {
    /// Every quoted field is closed and followed by a delimiter or the end.
    Fine,
    /// Text follows a closing quote, `line` lines after the record's first.
    TextAfterQuote { line: u64, text: String },
    /// The record ends inside a quoted field (the input ended).
    Unterminated,
}

/// Check a record's quoting as RFC 4180 has it (csv_core is lenient: it
/// reads `"a"b` as `ab` and runs a stray quote to the end of the input).
/// A quote inside an unquoted field is taken literally, as csv_core does.
fn check_quotes(raw: &[u8], delimiter: u8) -> Quotes {
    #[derive(Clone, Copy, PartialEq)]
    enum S {
        Start,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = S::Start;
    let mut newlines = 0u64;
    for (i, &b) in raw.iter().enumerate() {
        state = match (state, b) {
            (S::Start, b'"') => S::Quoted,
            (S::Start | S::Unquoted, d) if d == delimiter => S::Start,
            (S::Start | S::Unquoted, _) => S::Unquoted,
            (S::Quoted, b'"') => S::QuoteInQuoted,
            (S::Quoted, b'\n') => {
                newlines += 1;
                S::Quoted
            }
            (S::Quoted, _) => S::Quoted,
            (S::QuoteInQuoted, b'"') => S::Quoted,
            (S::QuoteInQuoted, d) if d == delimiter => S::Start,
            (S::QuoteInQuoted, b'\r' | b'\n') => S::Start,
            (S::QuoteInQuoted, _) => {
                let rest = &raw[i..];
                let end = rest
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r')
                    .unwrap_or(rest.len())
                    .min(30);
                return Quotes::TextAfterQuote {
                    line: newlines,
                    text: String::from_utf8_lossy(&rest[..end]).into_owned(),
                };
            }
        };
    }
    if state == S::Quoted {
        Quotes::Unterminated
    } else {
        Quotes::Fine
    }
}

/// Decode a TSV field: `\t`, `\n`, `\r` and `\\` are a tab, a line feed, a
/// carriage return and a backslash (as in PostgreSQL's `COPY` text
/// format); any other backslash is kept as it is.
pub fn unescape_tsv(field: &[u8]) -> std::result::Result<Vec<u8>, String> {
    if memchr::memchr(b'\\', field).is_none() {
        return Ok(field.to_vec());
    }
    let mut out = Vec::with_capacity(field.len());
    let mut bytes = field.iter().copied();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b't') => out.push(b'\t'),
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            Some(b'\\') => out.push(b'\\'),
            Some(other) => out.extend_from_slice(&[b'\\', other]),
            None => out.push(b'\\'),
        }
    }
    Ok(out)
}

/// Encode a TSV field, the inverse of [`unescape_tsv`].
pub fn escape_tsv(field: &str, out: &mut Vec<u8>) {
    for b in field.bytes() {
        match b {
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b => out.push(b),
        }
    }
}

/// A record's first line, or why it is bad.
type Parsed = std::result::Result<u64, BadRow>;

impl LineRows {
    /// The next TSV line split at tabs (its fields in `spans`), a bad row,
    /// or `None`.
    fn read_tsv<R: Read>(
        &mut self,
        input: &mut BufReader<R>,
        bytes: &mut u64,
        limits: &Limits,
        stats: &mut ReadStats,
    ) -> Result<Option<Parsed>> {
        loop {
            let Some(too_long) = read_line(input, &mut self.buf, bytes, limits.max_row_bytes)?
            else {
                return Ok(None);
            };
            self.line += 1;
            if too_long {
                let bad = BadRow::too_long(self.line, limits.max_row_bytes, &self.buf);
                return Ok(Some(Err(bad)));
            }
            if self.buf.is_empty() {
                stats.blank_lines += 1;
                continue;
            }
            self.spans.clear();
            let mut start = 0;
            for tab in memchr::memchr_iter(b'\t', &self.buf) {
                self.spans.push((start, tab));
                start = tab + 1;
                if self.spans.len() >= limits.max_fields {
                    return Ok(Some(Err(BadRow {
                        line: self.line,
                        reason: format!(
                            "more than {} fields (the field count limit)",
                            limits.max_fields
                        ),
                        raw: self.buf.clone(),
                    })));
                }
            }
            self.spans.push((start, self.buf.len()));
            return Ok(Some(Ok(self.line)));
        }
    }
}

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
        let mut raw_cut = false;
        loop {
            let chunk = input.fill_buf().map_err(Error::io)?;
            let (out, ends): (&mut [u8], &mut [usize]) = if too_long.is_some() {
                (&mut self.skip_out, &mut self.skip_ends)
            } else {
                (&mut self.out[nout..], &mut self.ends[nend..])
            };
            let (result, nin, n_out, n_end) = self.core.read_record(chunk, out, ends);
            let keep = nin.min(limits.max_row_bytes.saturating_sub(self.raw.len()));
            raw_cut |= keep < nin;
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
                R::Record => {
                    if too_long.is_some() && at_eof && raw_cut {
                        // An over-long record that runs to the end of the
                        // input inside quotes: a quote left open.
                        let head = &self.raw[..self.raw.len().min(1 << 16)];
                        if memchr::memchr(b'"', head).is_some() {
                            too_long = too_long.map(|t| {
                                format!("{t}; it runs to the end of the input: a quote left open?")
                            });
                        }
                    }
                    break;
                }
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
        let skip = self
            .raw
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        let line = start_line + self.raw[..skip].iter().filter(|&&b| b == b'\n').count() as u64;
        // After a record that ended at the `\r` of a CRLF, its `\n` comes
        // first here: it ends that record's line, not a blank one.
        let crlf_tail = u64::from(self.ended_cr && self.raw.first() == Some(&b'\n'));
        self.blank += (line - start_line).saturating_sub(crlf_tail);
        self.ended_cr = self.raw.last() == Some(&b'\r');
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
        self.first_line = line;
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
        stats: &mut ReadStats,
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
                let bad = BadRow::too_long(line, limits.max_row_bytes, &self.buf);
                return Ok(Some(Row::Bad(bad)));
            }
            let text = match std::str::from_utf8(&self.buf) {
                Ok(text) => text,
                Err(e) => {
                    let reason = format!("invalid UTF-8 at byte {}", e.valid_up_to());
                    return bad(reason, &self.buf);
                }
            };
            if text.trim().is_empty() {
                stats.blank_lines += 1;
                continue;
            }
            let object = match serde_json::from_str::<TopLevel>(text) {
                Ok(TopLevel::Object(map)) => map,
                Ok(TopLevel::Duplicate(key)) => {
                    return bad(format!("duplicate key '{key}'"), &self.buf)
                }
                Ok(TopLevel::NotObject) => return bad("expected a JSON object".into(), &self.buf),
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
            return Ok(Some(Row::Good(Record {
                line,
                lines: 1,
                fields,
            })));
        }
    }
}

/// A JSONL line as parsed: an object whose keys are all different, or
/// what else it was. `serde_json::Value` keeps the last of repeated keys
/// silently; this visitor builds the same map, inserting each key through
/// one `entry` lookup (as `Value`'s own visitor does with `insert`), so it
/// costs no more than parsing into a `Value`.
enum TopLevel {
    Object(serde_json::Map<String, serde_json::Value>),
    /// The first key seen twice (the rest of the object is skipped).
    Duplicate(String),
    NotObject,
}

impl<'de> serde::Deserialize<'de> for TopLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(TopLevelVisitor)
    }
}

struct TopLevelVisitor;

impl<'de> serde::de::Visitor<'de> for TopLevelVisitor {
    type Value = TopLevel;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut access: A,
    ) -> std::result::Result<TopLevel, A::Error> {
        use serde::de::IgnoredAny;
        use serde_json::map::Entry;
        let mut map = serde_json::Map::new();
        while let Some(key) = access.next_key::<String>()? {
            match map.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(access.next_value()?);
                }
                Entry::Occupied(slot) => {
                    let key = slot.key().clone();
                    access.next_value::<IgnoredAny>()?;
                    while access.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    return Ok(TopLevel::Duplicate(key));
                }
            }
        }
        Ok(TopLevel::Object(map))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<TopLevel, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(TopLevel::NotObject)
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<TopLevel, E> {
        Ok(TopLevel::NotObject)
    }

    fn visit_i64<E>(self, _: i64) -> std::result::Result<TopLevel, E> {
        Ok(TopLevel::NotObject)
    }

    fn visit_u64<E>(self, _: u64) -> std::result::Result<TopLevel, E> {
        Ok(TopLevel::NotObject)
    }

    fn visit_f64<E>(self, _: f64) -> std::result::Result<TopLevel, E> {
        Ok(TopLevel::NotObject)
    }

    fn visit_str<E>(self, _: &str) -> std::result::Result<TopLevel, E> {
        Ok(TopLevel::NotObject)
    }

    fn visit_unit<E>(self) -> std::result::Result<TopLevel, E> {
        Ok(TopLevel::NotObject)
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
        let data = b"{\"id\": 7, \"text\": \"a\"}\n\n{\"text\": \"b\"}\n[1]\n{oops\n{\"id\":\"x\",\"text\":\"\xff\"}\n{\"id\":\"q\",\"text\":\"c\"}\n{\"id\":1,\"text\":\"d\",\"text\":{\"x\":[1]},\"z\":2}\n\"s\"\n{\"id\":{\"k\":1,\"k\":2},\"text\":\"e\"}";
        assert_eq!(
            rows(data, CorpusFormat::Jsonl, Limits::default()),
            [
                "1:a|7",
                "3!no field 'id' [{\"text\": \"b\"}]",
                "4!expected a JSON object [[1]]",
                "5!invalid JSON: key must be a string at line 1 column 2 [{oops]",
                "6!invalid UTF-8 at byte 18 [{\"id\":\"x\",\"text\":\"\u{fffd}\"}]",
                "7:c|q",
                "8!duplicate key 'text' [{\"id\":1,\"text\":\"d\",\"text\":{\"x\":[1]},\"z\":2}]",
                "9!expected a JSON object [\"s\"]",
                "10:e|{\"k\":2}",
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
            (
                b"id,text,text\n1,a,b\n",
                "line 1: column 'text' is in the header twice, fields 2 and 3: choose one by its 0-based index (1 or 2)",
            ),
        ] {
            let err = RowReader::new(data, CorpusFormat::Csv, &columns, Limits::default())
                .err()
                .unwrap();
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    fn rows_in(data: &[u8], layout: Layout, columns: &[Column]) -> (Vec<String>, ReadStats) {
        let mut reader = RowReader::new(data, layout, columns, Limits::default()).unwrap();
        let mut out = Vec::new();
        loop {
            match reader.next_row() {
                Ok(Some(Row::Good(r))) => out.push(format!(
                    "{}:{}",
                    r.line,
                    r.fields
                        .iter()
                        .map(|f| f.text.as_str())
                        .collect::<Vec<_>>()
                        .join("|")
                )),
                Ok(Some(Row::Bad(b))) => out.push(format!("{}!{}", b.line, b.reason)),
                Ok(None) => break,
                Err(e) => {
                    out.push(format!("error: {e}"));
                    break;
                }
            }
        }
        (out, reader.stats())
    }

    fn text_id() -> [Column; 2] {
        [Column::Name("text".into()), Column::Name("id".into())]
    }

    #[test]
    fn crlf_line_ends_are_not_blank_lines() {
        let (rows, stats) = rows_in(
            b"id,text\r\n1,a\r\n\r\n\n2,b\r\n3,c\r\n",
            CorpusFormat::Csv.into(),
            &text_id(),
        );
        assert_eq!(rows, ["2:a|1", "5:b|2", "6:c|3"]);
        assert_eq!(stats.blank_lines, 2);
        let (_, stats) = rows_in(
            b"id,text\r\n1,a\r\n2,b\r\n",
            CorpusFormat::Csv.into(),
            &text_id(),
        );
        assert_eq!(stats.blank_lines, 0);
    }

    #[test]
    fn tsv_has_no_quoting_and_postgres_escapes() {
        let data =
            b"id\ttext\n1\t\"quoted start of text\n2\tsecond\n\n3\ta\\tb\\nc\\\\d \\x\n4\tx\ty\n";
        let (rows, stats) = rows_in(data, CorpusFormat::Tsv.into(), &text_id());
        assert_eq!(
            rows,
            [
                "2:\"quoted start of text|1",
                "3:second|2",
                "5:a\tb\nc\\d \\x|3",
                "6!expected 2 fields, found 3",
            ]
        );
        assert_eq!(
            (stats.read, stats.used, stats.rejected, stats.blank_lines),
            (4, 3, 1, 1)
        );
        let mut out = Vec::new();
        escape_tsv("a\tb\nc\\d\r", &mut out);
        assert_eq!(unescape_tsv(&out).unwrap(), b"a\tb\nc\\d\r");
    }

    #[test]
    fn a_stray_csv_quote_is_never_a_shorter_file() {
        let mut ok = String::from("id,text\n");
        for i in 1..=20 {
            ok.push_str(&format!("{i},text {i}\n"));
        }
        // An opening quote that is never closed: an error, not 9 rows.
        let open = ok.replace("10,text 10", "10,\"I said it was great");
        let (rows, _) = rows_in(open.as_bytes(), CorpusFormat::Csv.into(), &text_id());
        assert_eq!(rows.len(), 10, "{rows:?}");
        assert!(
            rows[9].starts_with("error: <input>: line 11: a quoted field opened on this line is never closed: the input ends inside it, 10 lines later"),
            "{}",
            rows[9]
        );
        // Closed by a later quote inside a field: one bad row naming both lines.
        let closed = open.replace("15,text 15", "15,he said \"ok\" fine");
        let (rows, stats) = rows_in(closed.as_bytes(), CorpusFormat::Csv.into(), &text_id());
        assert!(
            rows[9].starts_with("11!a quoted field opened on line 11 closes on line 16 and text follows its closing quote ('ok\" fine')"),
            "{rows:?}"
        );
        assert_eq!(rows[10], "17:text 16|16");
        assert_eq!((stats.read, stats.rejected), (15, 1));
        // A legitimate multi-line field is read and counted.
        let multi = ok.replace("10,text 10", "10,\"two\nlines\"");
        let (rows, stats) = rows_in(multi.as_bytes(), CorpusFormat::Csv.into(), &text_id());
        assert_eq!(rows[9], "11:two\nlines|10");
        assert_eq!(rows[10], "13:text 11|11");
        assert_eq!(
            (stats.multiline_rows, stats.first_multiline),
            (1, Some((11, 2)))
        );
    }

    /// Another delimiter splits fields and ends quoted ones; a comma is
    /// then text, and quotes are checked against the delimiter.
    #[test]
    fn semicolon_delimited_csv() {
        let semi = Layout {
            delimiter: b';',
            ..CorpusFormat::Csv.into()
        };
        let columns = [Column::Name("text".into()), Column::Name("label".into())];
        let data = b"label;text\npos;a, b\n\"neg\";\"c; \"\"d\"\"\"\nx;\"e\"f\n";
        let (rows, stats) = rows_in(data, semi, &columns);
        assert_eq!(rows[..2], ["2:a, b|pos", "3:c; \"d\"|neg"]);
        assert!(
            rows[2].starts_with("4!text follows a closing quote"),
            "{rows:?}"
        );
        assert_eq!(stats.read, 3);
    }

    #[test]
    fn headerless_lines_and_fasttext_rows() {
        let no_header = Layout {
            header: false,
            ..CorpusFormat::Csv.into()
        };
        let (rows, _) = rows_in(
            b"first text,1\nsecond,2\n",
            no_header,
            &[Column::Index(0), Column::Index(1)],
        );
        assert_eq!(rows, ["1:first text|1", "2:second|2"]);
        let err = RowReader::new(&b"a,b\n"[..], no_header, &text_id(), Limits::default())
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .contains("without a header (--no-header) columns are chosen by 0-based index"),
            "{err}"
        );

        let (rows, stats) = rows_in(
            b"first, with a comma\n\n\"quoted\"\n",
            CorpusFormat::Lines.into(),
            &[Column::Name("text".into())],
        );
        assert_eq!(rows, ["1:first, with a comma", "3:\"quoted\""]);
        assert_eq!(stats.blank_lines, 1);
        let err = RowReader::new(
            &b"x\n"[..],
            CorpusFormat::Lines,
            &text_id(),
            Limits::default(),
        )
        .err()
        .unwrap();
        assert!(
            err.to_string().contains("the lines format has one column"),
            "{err}"
        );

        let label_text = [Column::Name("text".into()), Column::Name("label".into())];
        let data = b"__label__pos great phone\n__label__neg __label__pos  meh  \nno label here\n";
        let (rows, stats) = rows_in(data, CorpusFormat::FastText.into(), &label_text);
        assert_eq!(rows, ["1:great phone|pos", "2:meh|neg", "3:no label here|"]);
        assert_eq!(
            (stats.multi_label_rows, stats.first_multi_label),
            (1, Some(2))
        );
        let reject = Layout {
            multi_label: MultiLabel::Reject,
            ..CorpusFormat::FastText.into()
        };
        let (rows, _) = rows_in(data, reject, &label_text);
        assert_eq!(
            rows[1],
            "2!2 labels (neg, pos): --multi-label first keeps the first"
        );
    }
}
