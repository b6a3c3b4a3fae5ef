//! Reading texts and labels from CSV, TSV, JSONL, plain-line and fastText
//! files, plain or compressed (gzip, bzip2, Zstandard), or standard input.
//!
//! ```
//! use embed_tl::corpus::{read_texts, Column};
//!
//! let texts = read_texts("corpora/reviews.csv", &Column::Name("text".into()))?;
//! assert_eq!(texts.len(), 3000);
//! # Ok::<(), embed_tl::Error>(())
//! ```

pub mod columnar;
pub mod source;
pub mod stream;

use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::error::{Error, Location, Result};
use stream::{BadRow, Layout, Limits, MultiLabel, ReadStats};

/// A column chosen by header name or 0-based index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    /// The column with this header name.
    Name(String),
    /// The column at this 0-based position.
    Index(usize),
}

impl std::str::FromStr for Column {
    type Err = std::convert::Infallible;

    /// A number is an index; anything else a name.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s.parse::<usize>() {
            Ok(i) => Column::Index(i),
            Err(_) => Column::Name(s.to_string()),
        })
    }
}

impl std::fmt::Display for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Column::Name(n) => write!(f, "'{n}'"),
            Column::Index(i) => write!(f, "#{i}"),
        }
    }
}

/// The layout of a corpus file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CorpusFormat {
    /// Comma-separated, RFC 4180 quoting, with a header row unless said.
    Csv,
    /// Tab-separated without quoting: a field runs to the next tab; `\t`,
    /// `\n`, `\r` and `\\` are escapes (PostgreSQL's `COPY` text format).
    Tsv,
    /// One JSON object per line.
    Jsonl,
    /// One text per line, no header, no labels.
    Lines,
    /// fastText's supervised format: `__label__a text` per line.
    FastText,
    /// Apache Parquet, read in record batches (columns by name or index).
    Parquet,
    /// Apache Arrow IPC, the file (`.arrow`, `.feather`) or stream
    /// (`.arrows`) format.
    Arrow,
}

impl CorpusFormat {
    /// Every row-by-row (text) layout, in the order the docs list them;
    /// [`CorpusFormat::Parquet`] and [`CorpusFormat::Arrow`] are columnar.
    pub const ALL: [CorpusFormat; 5] = [
        CorpusFormat::Csv,
        CorpusFormat::Tsv,
        CorpusFormat::Jsonl,
        CorpusFormat::Lines,
        CorpusFormat::FastText,
    ];

    /// The format a file name says, after any `.gz`, `.bz2` or `.zst`:
    /// `.csv`; `.tsv`/`.tab`; `.jsonl`/`.ndjson`; `.txt` (lines);
    /// `.ft`/`.fasttext`; `.parquet`; `.arrow`/`.feather`/`.arrows`/`.ipc`.
    /// `None` for any other name.
    pub fn from_name(path: &Path) -> Option<CorpusFormat> {
        let name = source::layout_name(path);
        let ext = name.rsplit_once('.').map(|(_, e)| e)?;
        Some(match ext {
            "csv" => CorpusFormat::Csv,
            "tsv" | "tab" => CorpusFormat::Tsv,
            "jsonl" | "ndjson" => CorpusFormat::Jsonl,
            "txt" => CorpusFormat::Lines,
            "ft" | "fasttext" => CorpusFormat::FastText,
            "parquet" => CorpusFormat::Parquet,
            "arrow" | "feather" | "arrows" | "ipc" => CorpusFormat::Arrow,
            _ => return None,
        })
    }

    /// [`CorpusFormat::from_name`], CSV for any other name.
    pub fn from_path(path: &Path) -> CorpusFormat {
        CorpusFormat::from_name(path).unwrap_or(CorpusFormat::Csv)
    }

    /// The format has labels to read (CSV, TSV, JSONL, fastText).
    pub fn has_labels(self) -> bool {
        self != CorpusFormat::Lines
    }
}

impl std::fmt::Display for CorpusFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CorpusFormat::Csv => "csv",
            CorpusFormat::Tsv => "tsv",
            CorpusFormat::Jsonl => "jsonl",
            CorpusFormat::Lines => "lines",
            CorpusFormat::FastText => "fasttext",
            CorpusFormat::Parquet => "parquet",
            CorpusFormat::Arrow => "arrow",
        })
    }
}

impl std::str::FromStr for CorpusFormat {
    type Err = String;

    /// `csv`, `tsv`, `jsonl` (or `ndjson`), `lines` (or `txt`), `fasttext`,
    /// `parquet`, `arrow` (or `feather`, `ipc`).
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "csv" => CorpusFormat::Csv,
            "tsv" => CorpusFormat::Tsv,
            "jsonl" | "ndjson" => CorpusFormat::Jsonl,
            "lines" | "txt" => CorpusFormat::Lines,
            "fasttext" => CorpusFormat::FastText,
            "parquet" => CorpusFormat::Parquet,
            "arrow" | "feather" | "ipc" => CorpusFormat::Arrow,
            _ => {
                return Err(format!(
                    "'{s}': expected csv, tsv, jsonl, lines, fasttext, parquet or arrow"
                ))
            }
        })
    }
}

/// How to read corpus inputs: the layout (or from each file name), the
/// header, bad rows, and row limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputOptions {
    /// The format of every input; `None`: from each file name (CSV for
    /// standard input and unknown names).
    pub format: Option<CorpusFormat>,
    /// CSV/TSV inputs start with a header row (default true).
    pub header: bool,
    /// fastText lines with several labels (default: keep the first).
    pub multi_label: MultiLabel,
    /// The byte between the fields of CSV inputs (default `,`).
    pub delimiter: u8,
    /// Bad rows are collected in [`Table::rejects`] instead of being an
    /// error (default false).
    pub skip_bad: bool,
    /// Row size limits.
    pub limits: Limits,
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            format: None,
            header: true,
            multi_label: MultiLabel::First,
            delimiter: b',',
            skip_bad: false,
            limits: Limits::default(),
        }
    }
}

impl InputOptions {
    /// The layout of `path`: the chosen format, else [`guess_format`].
    pub fn layout(&self, path: &Path) -> Layout {
        let format = self.format.unwrap_or_else(|| guess_format(path));
        Layout {
            format,
            header: self.header,
            multi_label: self.multi_label,
            delimiter: self.delimiter,
        }
    }

    /// Options with these limits and everything else default.
    pub fn with_limits(limits: Limits) -> InputOptions {
        InputOptions {
            limits,
            ..InputOptions::default()
        }
    }
}

/// The layout of a file when none is chosen: the one its name says
/// ([`CorpusFormat::from_path`]), except that a file whose name says no
/// labelled layout (`.txt`, or an unknown extension such as fastText's
/// `cooking.train`) and whose first line starts with `__label__` is read in
/// fastText's format ([`starts_like_fasttext`]). Standard input is CSV.
pub fn guess_format(path: &Path) -> CorpusFormat {
    if source::is_stdin(path) {
        return CorpusFormat::Csv;
    }
    match CorpusFormat::from_name(path) {
        Some(CorpusFormat::Lines) | None if starts_like_fasttext(path) => CorpusFormat::FastText,
        named => named.unwrap_or(CorpusFormat::Csv),
    }
}

/// Whether the regular file at `path` (decompressed) starts with
/// `__label__`, as fastText's supervised format does. Anything else says
/// no: a pipe or device (`<(cmd)`, `/dev/stdin`), whose bytes a peek would
/// consume, and a file that cannot be read, whose reading reports the
/// error.
pub fn starts_like_fasttext(path: &Path) -> bool {
    use std::io::Read;
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let Ok(source) = source::Source::open(path) else {
        return false;
    };
    let mut head = Vec::with_capacity(12);
    if source.take(12).read_to_end(&mut head).is_err() {
        return false;
    }
    head.starts_with(stream::FASTTEXT_LABEL.as_bytes())
}

/// All values of `column` in a corpus file, in file order.
pub fn read_texts(path: impl AsRef<Path>, column: &Column) -> Result<Vec<String>> {
    read_texts_with(path, column, stream::Limits::default())
}

/// [`read_texts`] with explicit row size limits.
pub fn read_texts_with(
    path: impl AsRef<Path>,
    column: &Column,
    limits: stream::Limits,
) -> Result<Vec<String>> {
    let mut table = read_columns_with(path, std::slice::from_ref(column), limits)?;
    Ok(table.columns.pop().unwrap_or_default())
}

/// Columns read from a corpus file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// One `Vec` per requested column, values in file order.
    pub columns: Vec<Vec<String>>,
    /// The 1-based line each row starts on.
    pub lines: Vec<u64>,
    /// The column names the file has (the header), as [`stream::RowReader::column_names`].
    pub names: Vec<String>,
    /// Rows read, used and rejected.
    pub stats: ReadStats,
    /// The bad rows, with [`InputOptions::skip_bad`].
    pub rejects: Vec<BadRow>,
}

/// The values of several columns, one `Vec` per requested column, in file
/// order. A missing column is an error that lists the columns found; so is
/// any malformed row (wrong field count, invalid UTF-8, a row over the
/// default 1 MiB limit), naming its line.
pub fn read_columns(path: impl AsRef<Path>, columns: &[Column]) -> Result<Table> {
    read_columns_with(path, columns, stream::Limits::default())
}

/// [`read_columns`] with explicit row size limits.
pub fn read_columns_with(
    path: impl AsRef<Path>,
    columns: &[Column],
    limits: stream::Limits,
) -> Result<Table> {
    read_table(path, &InputOptions::with_limits(limits), |_| {
        columns.to_vec()
    })
}

/// Read the columns that `choose` picks once it has seen the column names
/// (the header; empty for JSONL and headerless files) from `path`, which
/// may be `-` (standard input) and compressed, in the layout `options`
/// says. The first column chosen is the text: in JSONL it must be a
/// string. Bad rows are an error naming the line, or, with
/// [`InputOptions::skip_bad`], collected in [`Table::rejects`].
pub fn read_table(
    path: impl AsRef<Path>,
    options: &InputOptions,
    choose: impl FnOnce(&[String]) -> Vec<Column>,
) -> Result<Table> {
    let path = path.as_ref();
    read_table_as(path, options.layout(path), options, choose)
}

/// [`read_table`] in a layout already decided (the layout's guess may
/// open the file: once is enough).
fn read_table_as(
    path: &Path,
    layout: Layout,
    options: &InputOptions,
    choose: impl FnOnce(&[String]) -> Vec<Column>,
) -> Result<Table> {
    let named = |e: Error| e.with_path(Path::new(&source::display_name(path)));
    if columnar::is_columnar(layout.format) {
        return columnar::read_table(path, layout.format, options.skip_bad, choose);
    }
    let input = source::Source::open(path).map_err(named)?;
    table_from(input, layout, options, choose).map_err(named)
}

/// Every row of `input`, or the first bad one as an error.
fn table_from<R: std::io::Read>(
    input: R,
    layout: Layout,
    options: &InputOptions,
    choose: impl FnOnce(&[String]) -> Vec<Column>,
) -> Result<Table> {
    let mut rows = stream::RowReader::new(input, layout, &[], options.limits)?;
    let columns = choose(rows.column_names());
    rows.select(&columns)?;
    let mut out: Vec<Vec<String>> = vec![Vec::new(); columns.len()];
    let mut lines = Vec::new();
    let mut rejects = Vec::new();
    let mut rejected_here = 0;
    while let Some(row) = rows.next_row()? {
        let bad = match row {
            stream::Row::Good(record) => {
                if let Some(f) = record.fields.first().filter(|f| f.json) {
                    let kind = match f.text.as_bytes().first() {
                        Some(b'{') => "an object",
                        Some(b'[') => "an array",
                        Some(b't' | b'f') => "a boolean",
                        _ => "a number",
                    };
                    rejected_here += 1;
                    BadRow {
                        line: record.line,
                        reason: format!(
                            "field {}: {kind}, expected a string of text",
                            columns.first().map(|c| c.to_string()).unwrap_or_default()
                        ),
                        raw: f.text.clone().into_bytes(),
                    }
                } else {
                    lines.push(record.line);
                    for (values, field) in out.iter_mut().zip(record.fields) {
                        values.push(field.text);
                    }
                    continue;
                }
            }
            stream::Row::Bad(bad) => bad,
        };
        if !options.skip_bad {
            return Err(bad.into_error());
        }
        rejects.push(bad);
    }
    let mut stats = rows.stats();
    for _ in 0..rejected_here {
        stats.reject_one();
    }
    Ok(Table {
        columns: out,
        lines,
        names: rows.column_names().to_vec(),
        stats,
        rejects,
    })
}

/// The column names of a CSV/TSV file (its header row); for JSONL, the
/// keys of the first record.
pub fn column_names(path: impl AsRef<Path>) -> Result<Vec<String>> {
    let path = path.as_ref();
    let file = source::Source::open(path)?;
    let result = match CorpusFormat::from_path(path) {
        CorpusFormat::Jsonl => {
            let mut line = String::new();
            BufReader::new(file)
                .read_line(&mut line)
                .map_err(Error::io)?;
            match serde_json::from_str::<serde_json::Value>(&line) {
                Ok(serde_json::Value::Object(map)) => Ok(map.keys().cloned().collect()),
                _ => Err(Error::malformed(
                    Location::Line(1),
                    "expected a JSON object",
                )),
            }
        }
        format => stream::RowReader::new(file, format, &[], stream::Limits::default())
            .map(|r| r.column_names().to_vec()),
    };
    result.map_err(|e| e.with_path(path))
}

/// Check labelled data handed to a fit: one label a text, each an index
/// into `classes`.
pub(crate) fn check_labels(texts: usize, labels: &[usize], classes: &[String]) -> Result<()> {
    if texts != labels.len() {
        return Err(Error::InvalidInput(format!(
            "{texts} texts but {} labels",
            labels.len()
        )));
    }
    if let Some((i, &bad)) = labels.iter().enumerate().find(|(_, &l)| l >= classes.len()) {
        return Err(Error::InvalidInput(format!(
            "label {bad} of text {} out of range 0..{} ({})",
            i + 1,
            classes.len(),
            classes.join(", ")
        )));
    }
    Ok(())
}

/// Labelled texts: labels are indices into `classes` (sorted label names).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Labelled {
    /// The texts, in file order.
    pub texts: Vec<String>,
    /// The class index of each text.
    pub labels: Vec<usize>,
    /// The label names.
    pub classes: Vec<String>,
    /// Rows read, used and rejected.
    pub stats: ReadStats,
    /// The bad rows, with [`InputOptions::skip_bad`].
    pub rejects: Vec<BadRow>,
    /// The 1-based line each text's row starts on.
    pub lines: Vec<u64>,
}

impl Labelled {
    /// Number of texts of each class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes.len()];
        self.labels.iter().for_each(|&l| counts[l] += 1);
        counts
    }
}

/// Read texts and labels. With `classes` (e.g. a model's), labels must be
/// among them; otherwise the classes are the sorted distinct labels.
///
/// Blank labels and empty texts are errors naming the line; so is a row
/// over the default 1 MiB limit ([`read_labelled_with`] sets another).
pub fn read_labelled(
    path: impl AsRef<Path>,
    text: &Column,
    label: &Column,
    classes: Option<&[String]>,
) -> Result<Labelled> {
    read_labelled_with(path, text, label, classes, stream::Limits::default())
}

/// [`read_labelled`] with explicit row size limits.
pub fn read_labelled_with(
    path: impl AsRef<Path>,
    text: &Column,
    label: &Column,
    classes: Option<&[String]>,
    limits: stream::Limits,
) -> Result<Labelled> {
    read_labelled_opts(
        path,
        text,
        label,
        classes,
        &InputOptions::with_limits(limits),
    )
}

/// [`read_labelled`] in any layout ([`InputOptions`]); `path` may be `-`.
/// With [`InputOptions::skip_bad`], rows with a blank label, an empty
/// text or (given `classes`) an unknown label are rejected, not errors.
pub fn read_labelled_opts(
    path: impl AsRef<Path>,
    text: &Column,
    label: &Column,
    classes: Option<&[String]>,
    options: &InputOptions,
) -> Result<Labelled> {
    let path = path.as_ref();
    let shown = source::display_name(path);
    let named = |e: Error| e.with_path(Path::new(&shown));
    if text == label {
        return Err(Error::InvalidParameter(format!(
            "the text and the label are the same column ({text}): choose two columns"
        )));
    }
    let layout = options.layout(path);
    if !layout.format.has_labels() {
        return Err(Error::InvalidParameter(format!(
            "{shown}: read as {}, which has no labels: give labelled data as csv, tsv, jsonl or fasttext (--input-format)",
            layout.format
        )));
    }
    let mut table = read_table_as(path, layout, options, |_| vec![text.clone(), label.clone()])?;
    let labels = table.columns.pop().unwrap_or_default();
    let texts = table.columns.pop().unwrap_or_default();
    let mut keep = Vec::with_capacity(texts.len());
    let mut out = Labelled::default();
    let mut problems = Vec::new();
    for (row, (t, l)) in texts.iter().zip(&labels).enumerate() {
        let unknown = classes.filter(|c| !c.iter().any(|c| c == l.trim()));
        let reason = if l.trim().is_empty() {
            Some(format!("blank label in column {label}"))
        } else if t.trim().is_empty() {
            Some(format!(
                "empty text in column {text}: remove the row or give it text"
            ))
        } else {
            unknown.map(|c| {
                format!(
                    "label '{}' is not one of the model's classes: {}",
                    l.trim(),
                    c.join(", ")
                )
            })
        };
        match reason {
            Some(reason) => problems.push((row, reason)),
            None => keep.push(row),
        }
    }
    if let Some((row, reason)) = problems.first() {
        let line = table.lines.get(*row).copied().unwrap_or(0);
        if !options.skip_bad {
            return Err(named(Error::malformed(
                Location::Line(line),
                reason.clone(),
            )));
        }
    }
    for (row, reason) in problems {
        table.stats.reject_one();
        table.rejects.push(BadRow {
            line: table.lines.get(row).copied().unwrap_or(0),
            reason,
            raw: format!("{}\t{}", labels[row], texts[row]).into_bytes(),
        });
    }
    if keep.is_empty() {
        return Err(named(Error::malformed(
            Location::None,
            if table.stats.read == 0
                && layout.header
                && matches!(layout.format, CorpusFormat::Csv | CorpusFormat::Tsv)
            {
                "no rows after the header"
            } else if table.stats.read == 0 {
                "no rows"
            } else {
                "no usable rows"
            },
        )));
    }
    out.classes = match classes {
        Some(c) => c.to_vec(),
        None => {
            let mut c: Vec<String> = keep.iter().map(|&r| labels[r].trim().to_string()).collect();
            c.sort_unstable();
            c.dedup();
            c
        }
    };
    for &row in &keep {
        let l = labels[row].trim();
        out.labels
            .push(out.classes.iter().position(|c| c == l).unwrap_or(0));
    }
    let mut texts = texts;
    out.texts = if keep.len() == texts.len() {
        texts
    } else {
        keep.iter()
            .map(|&r| std::mem::take(&mut texts[r]))
            .collect()
    };
    out.lines = keep
        .iter()
        .map(|&r| table.lines.get(r).copied().unwrap_or(0))
        .collect();
    out.stats = table.stats;
    out.rejects = table.rejects;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(data: &str, format: CorpusFormat, columns: &[Column]) -> Result<Table> {
        table_from(
            data.as_bytes(),
            format.into(),
            &InputOptions::default(),
            |_| columns.to_vec(),
        )
    }

    #[test]
    fn csv_columns_by_name_and_index() {
        let data = "id,text\n1,hello\n2,\"a, b\"\n";
        let by_name = table(data, CorpusFormat::Csv, &[Column::Name("text".into())]).unwrap();
        let by_index = table(data, CorpusFormat::Csv, &[Column::Index(1)]).unwrap();
        assert_eq!(by_name.columns, [["hello", "a, b"]]);
        assert_eq!(by_name.lines, [2, 3]);
        assert_eq!(by_name, by_index);
    }

    #[test]
    fn bad_corpora_say_where() {
        let text = [Column::Name("text".into())];
        let cases: &[(&str, CorpusFormat, &str)] = &[
            (
                "id,body\n1,x\n",
                CorpusFormat::Csv,
                "line 1: no column 'text'; columns found: id, body",
            ),
            (
                "id,text\n1,x\n2\n",
                CorpusFormat::Csv,
                "line 3: expected 2 fields, found 1",
            ),
            (
                "{\"text\": \"a\"}\n{oops\n",
                CorpusFormat::Jsonl,
                "line 2: invalid JSON",
            ),
        ];
        for (data, format, expected) in cases {
            let err = table(data, *format, &text).unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
        let long = format!("text\n{}\n", "x".repeat(100));
        let limits = stream::Limits {
            max_row_bytes: 50,
            ..stream::Limits::default()
        };
        let err = table_from(
            long.as_bytes(),
            CorpusFormat::Csv.into(),
            &InputOptions::with_limits(limits),
            |_| text.to_vec(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("line 2: row longer than 50 bytes"),
            "{err}"
        );
    }
}
