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
    let mut table = read_columns(path, std::slice::from_ref(column))?;
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
/// order. A missing column is an error that lists the columns found.
pub fn read_columns(path: impl AsRef<Path>, columns: &[Column]) -> Result<Table> {
    let path = path.as_ref();
    let format = CorpusFormat::from_path(path);
    let file = File::open(path).map_err(|e| Error::io(e).with_path(path))?;
    let result = match format {
        CorpusFormat::Csv | CorpusFormat::Tsv => read_delimited(
            BufReader::new(file),
            if format == CorpusFormat::Tsv {
                b'\t'
            } else {
                b','
            },
            columns,
        ),
        CorpusFormat::Jsonl => read_jsonl(BufReader::new(file), columns),
    };
    result.map_err(|e| e.with_path(path))
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
                .map_err(csv_error)
        }
    };
    result.map_err(|e| e.with_path(path))
}

fn read_delimited<R: std::io::Read>(reader: R, delimiter: u8, columns: &[Column]) -> Result<Table> {
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .from_reader(reader);
    let headers = csv.headers().map_err(csv_error)?.clone();
    let found: Vec<&str> = headers.iter().collect();
    if found.is_empty() || found == [""] {
        return Err(Error::malformed(
            Location::None,
            "empty file: expected a header row",
        ));
    }
    let indices = columns
        .iter()
        .map(|column| {
            match column {
                Column::Name(name) => headers.iter().position(|h| h == name),
                Column::Index(i) => (*i < headers.len()).then_some(*i),
            }
            .ok_or_else(|| {
                Error::malformed(
                    Location::Line(1),
                    format!("no column {column}; columns found: {}", found.join(", ")),
                )
            })
        })
        .collect::<Result<Vec<usize>>>()?;
    let mut out: Vec<Vec<String>> = vec![Vec::new(); columns.len()];
    let mut lines = Vec::new();
    for record in csv.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        lines.push(line);
        for (values, &index) in out.iter_mut().zip(&indices) {
            let field = record.get(index).ok_or_else(|| {
                Error::malformed(
                    Location::Line(line),
                    format!("expected {} fields, found {}", headers.len(), record.len()),
                )
            })?;
            values.push(field.to_string());
        }
    }
    Ok(Table {
        columns: out,
        lines,
    })
}

fn csv_error(e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    let location = if line > 0 {
        Location::Line(line)
    } else {
        Location::None
    };
    match e.kind() {
        csv::ErrorKind::Io(_) => Error::io(std::io::Error::other(e.to_string())),
        csv::ErrorKind::Utf8 { .. } => Error::malformed(location, "invalid UTF-8"),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Error::malformed(
            location,
            format!("expected {expected_len} fields, found {len}"),
        ),
        _ => Error::malformed(location, e.to_string()),
    }
}

fn read_jsonl<R: BufRead>(reader: R, columns: &[Column]) -> Result<Table> {
    let names = columns
        .iter()
        .map(|c| match c {
            Column::Name(name) => Ok(name.as_str()),
            Column::Index(i) => Err(Error::InvalidInput(format!(
                "JSONL fields are chosen by name, not index (#{i})"
            ))),
        })
        .collect::<Result<Vec<&str>>>()?;
    let mut out: Vec<Vec<String>> = vec![Vec::new(); columns.len()];
    let mut lines = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line_no = i as u64 + 1;
        let line = line.map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                Error::malformed(Location::Line(line_no), "invalid UTF-8")
            } else {
                Error::io(e)
            }
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| Error::malformed(Location::Line(line_no), format!("invalid JSON: {e}")))?;
        lines.push(line_no);
        for (values, name) in out.iter_mut().zip(&names) {
            let text = match value.get(name) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) if !other.is_null() => other.to_string(),
                _ => {
                    return Err(Error::malformed(
                        Location::Line(line_no),
                        format!("no field '{name}'"),
                    ))
                }
            };
            values.push(text);
        }
    }
    Ok(Table {
        columns: out,
        lines,
    })
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
/// Blank labels and empty texts are errors naming the line.
pub fn read_labelled(
    path: impl AsRef<Path>,
    text: &Column,
    label: &Column,
    classes: Option<&[String]>,
) -> Result<Labelled> {
    let path = path.as_ref();
    let mut table = read_columns(path, &[text.clone(), label.clone()])?;
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_columns_by_name_and_index() {
        let data = "id,text\n1,hello\n2,\"a, b\"\n";
        let by_name =
            read_delimited(data.as_bytes(), b',', &[Column::Name("text".into())]).unwrap();
        let by_index = read_delimited(data.as_bytes(), b',', &[Column::Index(1)]).unwrap();
        assert_eq!(by_name.columns, [["hello", "a, b"]]);
        assert_eq!(by_name.lines, [2, 3]);
        assert_eq!(by_name, by_index);
    }

    #[test]
    fn bad_corpora_say_where() {
        let cases: &[(&str, &str)] = &[
            (
                "id,body\n1,x\n",
                "line 1: no column 'text'; columns found: id, body",
            ),
            ("id,text\n1,x\n2\n", "line 3: expected 2 fields, found 1"),
        ];
        for (data, expected) in cases {
            let err =
                read_delimited(data.as_bytes(), b',', &[Column::Name("text".into())]).unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
        let err = read_jsonl(
            "{\"text\": \"a\"}\n{oops\n".as_bytes(),
            &[Column::Name("text".into())],
        )
        .unwrap_err();
        assert!(err.to_string().contains("line 2: invalid JSON"), "{err}");
    }
}
