//! Reading texts (and, later, labels) from CSV, TSV and JSONL files.
//!
//! ```
//! use embed_tl::corpus::{read_texts, Column};
//!
//! let texts = read_texts("corpora/reviews.csv", &Column::Name("text".into()))?;
//! assert_eq!(texts.len(), 3000);
//! # Ok::<(), embed_tl::Error>(())
//! ```

pub mod stream;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::error::{Error, Location, Result};

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorpusFormat {
    /// Comma-separated, with a header row.
    Csv,
    /// Tab-separated, with a header row.
    Tsv,
    /// One JSON object per line.
    Jsonl,
}

impl CorpusFormat {
    /// Guess from the file name: `.tsv`/`.tab` is TSV, `.jsonl`/`.ndjson`
    /// is JSONL, anything else CSV.
    pub fn from_path(path: &Path) -> CorpusFormat {
        let name = path.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".tsv") || name.ends_with(".tab") {
            CorpusFormat::Tsv
        } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
            CorpusFormat::Jsonl
        } else {
            CorpusFormat::Csv
        }
    }
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
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::io(e).with_path(path))?;
    read_table(file, CorpusFormat::from_path(path), columns, limits).map_err(|e| e.with_path(path))
}

/// Every row of `input`, all of them good (the first bad row is an error).
fn read_table<R: std::io::Read>(
    input: R,
    format: CorpusFormat,
    columns: &[Column],
    limits: stream::Limits,
) -> Result<Table> {
    let mut rows = stream::RowReader::new(input, format, columns, limits)?;
    let mut out: Vec<Vec<String>> = vec![Vec::new(); columns.len()];
    let mut lines = Vec::new();
    while let Some(row) = rows.next_row()? {
        match row {
            stream::Row::Good(record) => {
                lines.push(record.line);
                for (values, field) in out.iter_mut().zip(record.fields) {
                    values.push(field.text);
                }
            }
            stream::Row::Bad(bad) => return Err(bad.into_error()),
        }
    }
    Ok(Table {
        columns: out,
        lines,
    })
}

/// The column names of a CSV/TSV file (its header row); for JSONL, the
/// keys of the first record.
pub fn column_names(path: impl AsRef<Path>) -> Result<Vec<String>> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::io(e).with_path(path))?;
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
        format => {
            let delimiter = if format == CorpusFormat::Tsv {
                b'\t'
            } else {
                b','
            };
            let mut csv = csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .from_reader(BufReader::new(file));
            csv.headers()
                .map(|h| h.iter().map(str::to_string).collect())
                .map_err(|e| {
                    let line = e.position().map_or(0, |p| p.line());
                    Error::malformed(
                        if line > 0 {
                            Location::Line(line)
                        } else {
                            Location::None
                        },
                        e.to_string(),
                    )
                })
        }
    };
    result.map_err(|e| e.with_path(path))
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
    let path = path.as_ref();
    let mut table = read_columns_with(path, &[text.clone(), label.clone()], limits)?;
    let labels = table.columns.pop().unwrap_or_default();
    let texts = table.columns.pop().unwrap_or_default();
    let at = |row: usize| Location::Line(table.lines.get(row).copied().unwrap_or(0));
    if texts.is_empty() {
        return Err(Error::malformed(Location::None, "no rows after the header").with_path(path));
    }
    for (row, (t, l)) in texts.iter().zip(&labels).enumerate() {
        if l.trim().is_empty() {
            return Err(
                Error::malformed(at(row), format!("blank label in column {label}")).with_path(path),
            );
        }
        if t.trim().is_empty() {
            return Err(Error::malformed(
                at(row),
                format!("empty text in column {text}: remove the row or give it text"),
            )
            .with_path(path));
        }
    }
    let classes: Vec<String> = match classes {
        Some(c) => c.to_vec(),
        None => {
            let mut c: Vec<String> = labels.iter().map(|l| l.trim().to_string()).collect();
            c.sort_unstable();
            c.dedup();
            c
        }
    };
    let mut indices = Vec::with_capacity(labels.len());
    for (row, l) in labels.iter().enumerate() {
        match classes.iter().position(|c| c == l.trim()) {
            Some(i) => indices.push(i),
            None => {
                return Err(Error::malformed(
                    at(row),
                    format!(
                        "label '{}' is not one of the model's classes: {}",
                        l.trim(),
                        classes.join(", ")
                    ),
                )
                .with_path(path))
            }
        }
    }
    Ok(Labelled {
        texts,
        labels: indices,
        classes,
        lines: table.lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(data: &str, format: CorpusFormat, columns: &[Column]) -> Result<Table> {
        read_table(data.as_bytes(), format, columns, stream::Limits::default())
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
        let err = read_table(long.as_bytes(), CorpusFormat::Csv, &text, limits).unwrap_err();
        assert!(
            err.to_string().contains("line 2: row longer than 50 bytes"),
            "{err}"
        );
    }
}
