//! Parquet and Arrow IPC tables: read in record batches (memory bounded by
//! one batch, whatever the file size), written through any `Write`.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{Int64Array, RecordBatch, StringArray};
//! use embed_tl::corpus::columnar::{BatchReader, TableWriter};
//! use embed_tl::corpus::CorpusFormat;
//!
//! let batch = RecordBatch::try_from_iter([
//!     ("id", Arc::new(Int64Array::from(vec![7, 9])) as _),
//!     ("text", Arc::new(StringArray::from(vec!["great phone", "it broke"])) as _),
//! ])?;
//! let path = std::env::temp_dir().join(format!("embed-tl-doc-{}.parquet", std::process::id()));
//! let mut writer = TableWriter::new(std::fs::File::create(&path)?, CorpusFormat::Parquet, batch.schema())?;
//! writer.write(&batch)?;
//! writer.finish()?;
//!
//! let mut reader = BatchReader::open(&path, CorpusFormat::Parquet, 1024)?;
//! assert_eq!(reader.column_names(), ["id", "text"]);
//! let read = reader.next_batch()?.unwrap();
//! assert_eq!(read, batch);
//! # std::fs::remove_file(&path)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Text columns may be `Utf8`, `LargeUtf8`, `Utf8View` or dictionaries of
//! these (pandas' categories); other columns (ids, labels) of any type are
//! shown as Arrow's display formatting shows them.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::{ArrowError, DataType, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use super::source::{display_name, is_stdin};
use super::{Column, CorpusFormat};
use crate::error::{Error, Location, Result};

/// Rows a Parquet row group holds at most when written here: a writer
/// buffers one row group, so this bounds its memory.
const ROW_GROUP_ROWS: usize = 65_536;

/// True for the layouts read and written in record batches.
pub fn is_columnar(format: CorpusFormat) -> bool {
    matches!(format, CorpusFormat::Parquet | CorpusFormat::Arrow)
}

/// A Parquet or Arrow IPC (file or stream) input, read one record batch at
/// a time.
pub struct BatchReader {
    batches: Box<dyn Iterator<Item = std::result::Result<RecordBatch, ArrowError>> + Send>,
    schema: SchemaRef,
    name: String,
    rows: u64,
}

impl std::fmt::Debug for BatchReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchReader")
            .field("name", &self.name)
            .field("rows", &self.rows)
            .finish()
    }
}

impl BatchReader {
    /// Open `path` (`-`: standard input, Arrow IPC stream format only) as
    /// `format` ([`CorpusFormat::Parquet`] or [`CorpusFormat::Arrow`]: the
    /// IPC file format, `.arrow`/`.feather`, or the stream format, told
    /// apart by the first bytes), in batches of at most `batch_rows` rows.
    /// A file that is not of that format, or is cut short, is an error
    /// naming it.
    pub fn open(path: &Path, format: CorpusFormat, batch_rows: usize) -> Result<BatchReader> {
        let name = display_name(path);
        let named = |e: Error| e.with_path(Path::new(&name));
        let batch_rows = batch_rows.max(1);
        let (batches, schema): (Box<dyn Iterator<Item = _> + Send>, SchemaRef) = match format {
            CorpusFormat::Parquet => {
                if is_stdin(path) {
                    return Err(Error::InvalidInput(
                        "Parquet cannot be read from standard input (its index is at the end of the file): give a file name".into(),
                    ));
                }
                let mut file = File::open(path).map_err(|e| named(Error::io(e)))?;
                check_magic(&mut file, b"PAR1", "Parquet").map_err(named)?;
                let builder = ParquetRecordBatchReaderBuilder::try_new(file)
                    .map_err(|e| named(not_a(CorpusFormat::Parquet, e)))?
                    .with_batch_size(batch_rows);
                let schema = builder.schema().clone();
                let reader = builder
                    .build()
                    .map_err(|e| named(not_a(CorpusFormat::Parquet, e)))?;
                (Box::new(reader), schema)
            }
            CorpusFormat::Arrow => {
                let mut input: Box<dyn ReadSeek> = if is_stdin(path) {
                    Box::new(Unseekable(std::io::stdin()))
                } else {
                    Box::new(File::open(path).map_err(|e| named(Error::io(e)))?)
                };
                let mut head = [0u8; 6];
                let n = read_up_to(&mut input, &mut head).map_err(|e| named(Error::io(e)))?;
                if n == 6 && &head == b"ARROW1" && !is_stdin(path) {
                    input
                        .seek(SeekFrom::Start(0))
                        .map_err(|e| named(Error::io(e)))?;
                    let reader =
                        arrow_ipc::reader::FileReader::try_new(BufReader::new(input), None)
                            .map_err(|e| named(not_a(CorpusFormat::Arrow, e)))?;
                    let schema = reader.schema();
                    (Box::new(Rebatch::new(reader, batch_rows)), schema)
                } else if n == 6 && &head == b"ARROW1" {
                    return Err(named(Error::InvalidInput(
                        "an Arrow IPC file (not stream) on standard input: give its file name, or send the stream format".into(),
                    )));
                } else if n == 0 {
                    return Err(named(Error::malformed(
                        Location::None,
                        "empty file: expected Arrow IPC data",
                    )));
                } else {
                    let chained = std::io::Cursor::new(head[..n].to_vec()).chain(input);
                    let reader =
                        arrow_ipc::reader::StreamReader::try_new(BufReader::new(chained), None)
                            .map_err(|e| named(not_a(CorpusFormat::Arrow, e)))?;
                    let schema = reader.schema();
                    (Box::new(Rebatch::new(reader, batch_rows)), schema)
                }
            }
            other => {
                return Err(Error::InvalidInput(format!(
                    "{other} is not a columnar layout: choose parquet or arrow"
                )))
            }
        };
        Ok(BatchReader {
            batches,
            schema,
            name,
            rows: 0,
        })
    }

    /// The table's schema.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The names of the table's top-level columns.
    pub fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// The 0-based position of `column`; an error listing the columns found
    /// when there is none.
    pub fn resolve(&self, column: &Column) -> Result<usize> {
        let fields = self.schema.fields();
        let found = match column {
            Column::Name(n) => fields.iter().position(|f| f.name() == n),
            Column::Index(i) => (*i < fields.len()).then_some(*i),
        };
        found.ok_or_else(|| {
            Error::MissingColumn {
                path: None,
                location: Location::None,
                column: column.clone(),
                found: self.column_names(),
            }
            .with_path(Path::new(&self.name))
        })
    }

    /// The name the input is shown by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Rows read so far.
    pub fn rows_read(&self) -> u64 {
        self.rows
    }

    /// The next batch, `None` at the end. A file cut short or damaged is
    /// an error naming it.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        match self.batches.next() {
            None => Ok(None),
            Some(Ok(batch)) => {
                self.rows += batch.num_rows() as u64;
                Ok(Some(batch))
            }
            Some(Err(e)) => Err(Error::malformed(
                Location::Row(self.rows + 1),
                format!("damaged or truncated data: {e}"),
            )
            .with_path(Path::new(&self.name))),
        }
    }
}

trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Standard input as a `Seek` that cannot seek (the stream reader never does).
struct Unseekable<R>(R);

impl<R: Read> Read for Unseekable<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R> Seek for Unseekable<R> {
    fn seek(&mut self, _: SeekFrom) -> std::io::Result<u64> {
        Err(std::io::Error::other("standard input cannot seek"))
    }
}

fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Parquet files start (and end) with `PAR1`: anything else is refused
/// before the reader guesses at it.
fn check_magic(file: &mut File, magic: &[u8], what: &str) -> Result<()> {
    let mut head = vec![0u8; magic.len()];
    let n = read_up_to(file, &mut head).map_err(Error::io)?;
    file.seek(SeekFrom::Start(0)).map_err(Error::io)?;
    if n == 0 {
        return Err(Error::malformed(
            Location::None,
            format!("empty file: expected {what} data"),
        ));
    }
    if head[..n] != *magic {
        let hint = match head.first() {
            Some(0x1f) => " (it is gzip-compressed: decompress it first)",
            _ => "",
        };
        return Err(Error::malformed(
            Location::None,
            format!(
                "not a {what} file: it does not start with {magic}{hint}",
                magic = String::from_utf8_lossy(magic)
            ),
        ));
    }
    Ok(())
}

fn not_a(format: CorpusFormat, e: impl std::fmt::Display) -> Error {
    let what = match format {
        CorpusFormat::Parquet => "Parquet",
        _ => "Arrow IPC",
    };
    Error::malformed(
        Location::None,
        format!("not a readable {what} file (damaged or truncated?): {e}"),
    )
}

/// IPC batches are as the writer made them; split the large ones so that
/// a batch is never more than `rows` rows.
struct Rebatch<I> {
    inner: I,
    rows: usize,
    pending: Option<(RecordBatch, usize)>,
}

impl<I> Rebatch<I> {
    fn new(inner: I, rows: usize) -> Self {
        Rebatch {
            inner,
            rows,
            pending: None,
        }
    }
}

impl<I: Iterator<Item = std::result::Result<RecordBatch, ArrowError>>> Iterator for Rebatch<I> {
    type Item = std::result::Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((batch, offset)) = self.pending.take() {
                if offset < batch.num_rows() {
                    let len = self.rows.min(batch.num_rows() - offset);
                    let part = batch.slice(offset, len);
                    self.pending = Some((batch, offset + len));
                    return Some(Ok(part));
                }
            }
            match self.inner.next()? {
                Ok(batch) => self.pending = Some((batch, 0)),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The texts of a string column as one `Utf8` array; an error naming the
/// column and its type for any other type.
pub fn string_column(array: &ArrayRef, column: &str) -> Result<Arc<StringArray>> {
    let is_text =
        |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
    let ok = match array.data_type() {
        t if is_text(t) => true,
        DataType::Dictionary(_, values) => is_text(values),
        _ => false,
    };
    if !ok {
        return Err(Error::malformed(
            Location::None,
            format!(
                "column '{column}' holds {}, expected strings (Utf8) of text",
                array.data_type()
            ),
        ));
    }
    let cast = arrow_cast::cast(array.as_ref(), &DataType::Utf8)
        .map_err(|e| Error::malformed(Location::None, format!("column '{column}': {e}")))?;
    cast.as_any()
        .downcast_ref::<StringArray>()
        .map(|a| Arc::new(a.clone()))
        .ok_or_else(|| Error::InvalidInput(format!("column '{column}': not cast to strings")))
}

/// Each value of a column as text (for CSV/TSV/JSONL output, labels, ids):
/// Arrow's display formatting, nulls as empty strings. The flag says the
/// text is a JSON number or boolean (an id that stays a number in JSONL).
pub fn display_column(array: &ArrayRef) -> Result<Vec<(String, bool)>> {
    let options = arrow_cast::display::FormatOptions::default();
    let formatter = arrow_cast::display::ArrayFormatter::try_new(array.as_ref(), &options)
        .map_err(|e| Error::InvalidInput(format!("cannot show a {}: {e}", array.data_type())))?;
    let json = array.data_type().is_numeric() || *array.data_type() == DataType::Boolean;
    Ok((0..array.len())
        .map(|i| {
            let null = array.is_null(i);
            (formatter.value(i).to_string(), json && !null)
        })
        .collect())
}

/// A Parquet (Snappy-compressed) or Arrow IPC writer over any `Write`.
pub enum TableWriter<W: Write + Send> {
    /// Parquet, in row groups of at most 65,536 rows.
    Parquet(Box<ArrowWriter<W>>),
    /// Arrow IPC file format (`.arrow`, `.feather`).
    ArrowFile(Box<arrow_ipc::writer::FileWriter<W>>),
    /// Arrow IPC stream format (`.arrows`, standard output).
    ArrowStream(Box<arrow_ipc::writer::StreamWriter<W>>),
}

impl<W: Write + Send> TableWriter<W> {
    /// A writer of `format` ([`CorpusFormat::Parquet`] or
    /// [`CorpusFormat::Arrow`], the IPC file format) with `schema`.
    pub fn new(out: W, format: CorpusFormat, schema: SchemaRef) -> Result<TableWriter<W>> {
        match format {
            CorpusFormat::Parquet => {
                let props = WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::SNAPPY)
                    .set_max_row_group_size(ROW_GROUP_ROWS)
                    .build();
                Ok(TableWriter::Parquet(Box::new(
                    ArrowWriter::try_new(out, schema, Some(props)).map_err(write_error)?,
                )))
            }
            CorpusFormat::Arrow => Ok(TableWriter::ArrowFile(Box::new(
                arrow_ipc::writer::FileWriter::try_new(out, &schema).map_err(write_error)?,
            ))),
            other => Err(Error::InvalidInput(format!(
                "{other} is not a columnar layout: choose parquet or arrow"
            ))),
        }
    }

    /// An Arrow IPC stream writer (what a pipe or `.arrows` file takes).
    pub fn arrow_stream(out: W, schema: SchemaRef) -> Result<TableWriter<W>> {
        Ok(TableWriter::ArrowStream(Box::new(
            arrow_ipc::writer::StreamWriter::try_new(out, &schema).map_err(write_error)?,
        )))
    }

    /// Append a batch (its schema must be the writer's).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match self {
            TableWriter::Parquet(w) => w.write(batch).map_err(write_error),
            TableWriter::ArrowFile(w) => w.write(batch).map_err(write_error),
            TableWriter::ArrowStream(w) => w.write(batch).map_err(write_error),
        }
    }

    /// Write the footer and flush; the output is complete only after this.
    pub fn finish(self) -> Result<W> {
        match self {
            TableWriter::Parquet(w) => w.into_inner().map_err(write_error),
            TableWriter::ArrowFile(w) => w.into_inner().map_err(write_error),
            TableWriter::ArrowStream(w) => w.into_inner().map_err(write_error),
        }
    }
}

/// A writer's error: an I/O error keeps its kind (a closed pipe ends quietly).
fn write_error(e: impl Into<WriteError>) -> Error {
    match e.into() {
        WriteError::Parquet(parquet::errors::ParquetError::External(e)) => {
            match e.downcast::<std::io::Error>() {
                Ok(io) => Error::io(*io),
                Err(e) => Error::io(std::io::Error::other(e)),
            }
        }
        WriteError::Parquet(e) => Error::io(std::io::Error::other(e)),
        WriteError::Arrow(ArrowError::IoError(_, io)) => Error::io(io),
        WriteError::Arrow(e) => Error::io(std::io::Error::other(e)),
    }
}

enum WriteError {
    Parquet(parquet::errors::ParquetError),
    Arrow(ArrowError),
}

impl From<parquet::errors::ParquetError> for WriteError {
    fn from(e: parquet::errors::ParquetError) -> Self {
        WriteError::Parquet(e)
    }
}

impl From<ArrowError> for WriteError {
    fn from(e: ArrowError) -> Self {
        WriteError::Arrow(e)
    }
}

/// Read the columns `choose` picks (from the column names) of a whole
/// Parquet or Arrow file into strings, as [`super::read_table`] does for the
/// text layouts; the first column chosen is the text and must hold strings.
/// A null text is a bad row (row number as its location).
pub(crate) fn read_table(
    path: &Path,
    format: CorpusFormat,
    skip_bad: bool,
    choose: impl FnOnce(&[String]) -> Vec<Column>,
) -> Result<super::Table> {
    let mut reader = BatchReader::open(path, format, 8192)?;
    let names = reader.column_names();
    let columns = choose(&names);
    let indices = columns
        .iter()
        .map(|c| reader.resolve(c))
        .collect::<Result<Vec<_>>>()?;
    let shown = PathBuf::from(reader.name());
    let named = |e: Error| e.with_path(&shown);
    let text_name = indices
        .first()
        .map(|&i| names[i].clone())
        .unwrap_or_default();
    let mut table = super::Table {
        columns: vec![Vec::new(); columns.len()],
        names: names.clone(),
        ..super::Table::default()
    };
    let mut row = 0u64;
    while let Some(batch) = reader.next_batch()? {
        let mut values = Vec::with_capacity(indices.len());
        for (k, &i) in indices.iter().enumerate() {
            let array = batch.column(i);
            if k == 0 {
                let texts = string_column(array, &text_name).map_err(named)?;
                values.push(
                    (0..texts.len())
                        .map(|j| texts.is_valid(j).then(|| texts.value(j).to_string()))
                        .collect::<Vec<_>>(),
                );
            } else {
                values.push(
                    display_column(array)
                        .map_err(named)?
                        .into_iter()
                        .map(|(s, _)| Some(s))
                        .collect(),
                );
            }
        }
        for j in 0..batch.num_rows() {
            row += 1;
            table.stats.read += 1;
            if values[0][j].is_none() {
                let bad = super::stream::BadRow {
                    line: row,
                    reason: format!("null text in column '{text_name}'"),
                    raw: Vec::new(),
                };
                if !skip_bad {
                    return Err(named(Error::malformed(Location::Row(row), bad.reason)));
                }
                table.stats.rejected += 1;
                table.rejects.push(bad);
                continue;
            }
            table.stats.used += 1;
            table.lines.push(row);
            for (out, column) in table.columns.iter_mut().zip(values.iter_mut()) {
                out.push(column[j].take().unwrap_or_default());
            }
        }
    }
    Ok(table)
}
