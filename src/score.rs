//! Batch scoring: stream rows of any number through a fitted pipeline, in
//! input order, on all cores, in bounded memory.
//!
//! A reader thread parses the input into chunks of rows; each chunk is
//! featurised, classified and formatted on the rayon pool; the calling
//! thread writes finished chunks in input order. At most
//! [`ScoreOptions::in_flight`] chunks exist at any time, so memory is the
//! vectors plus a fixed buffer whatever the input size.
//!
//! ```
//! use embed_tl::corpus::read_labelled;
//! use embed_tl::corpus::Column;
//! use embed_tl::pipeline::{FeatureSet, PipelineParams};
//! use embed_tl::score::{ScoreOptions, Scorer};
//!
//! let (text, label) = (Column::Name("text".into()), Column::Name("label".into()));
//! let train = read_labelled("corpora/reviews.csv", &text, &label, None)?;
//! let model = PipelineParams::default()
//!     .features(FeatureSet::Ngrams)
//!     .fit(None, &train.texts, &train.labels, &train.classes)?;
//! let scorer = Scorer::new(&model, None)?;
//!
//! // A few texts in memory...
//! let best = scorer.predict_batch(&["A great phone.", "Broke in a week, avoid."])?;
//! assert_eq!(best.iter().map(|p| model.classes()[p.class].as_str()).collect::<Vec<_>>(), ["pos", "neg"]);
//!
//! // A text with nothing the model knows gets the answer for an empty text:
//! // count such texts to tell a file the model cannot read.
//! let (_, blank) = scorer.predict_batch_and_blank(&["Works great", "zzqxv qqzzxw"])?;
//! assert_eq!(blank, 1);
//! assert_eq!(scorer.blank_mask(&["Works great", "zzqxv qqzzxw"])?, [false, true]);
//!
//! // ...or a stream of any length.
//! let input = "id,text\n1,Works great\n2,Total waste of money\n";
//! let mut output = Vec::new();
//! let options = ScoreOptions { keep: vec![Column::Name("id".into())], ..ScoreOptions::default() };
//! let summary = scorer.score(input.as_bytes(), &mut output, None, &options, |_| {})?;
//! assert_eq!(summary.rows, 2);
//! assert_eq!(String::from_utf8(output).unwrap(), "id,label\n1,pos\n2,neg\n");
//! # Ok::<(), embed_tl::Error>(())
//! ```

mod table;

pub use table::TableInput;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::mpsc;

use crate::corpus::stream::{BadRow, Limits, Row, RowReader};
use crate::corpus::{Column, CorpusFormat};
use crate::error::{Error, Result};
use crate::model::argmax;
use crate::pipeline::Pipeline;
use crate::vectors::Vectors;

/// What a fatal bad row's message ends with; a caller with its own way
/// to skip bad rows (a command-line flag) replaces it.
pub const SKIP_BAD_HINT: &str =
    " (ScoreOptions::skip_bad writes bad rows to the reject writer and goes on)";

/// How [`Scorer::score`] reads and writes.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreOptions {
    /// The column holding the text (default `text`).
    pub text: Column,
    /// Columns copied to the output before the label, e.g. an id.
    pub keep: Vec<Column>,
    /// Write a `row` column (the 1-based data row number, bad rows
    /// included) before the kept columns (default false).
    pub row_numbers: bool,
    /// Input layout (default CSV).
    pub input_format: CorpusFormat,
    /// A CSV/TSV input starts with a header row (default true).
    pub input_header: bool,
    /// The byte between the fields of a CSV input (default `,`; the
    /// output's CSV always uses `,`).
    pub input_delimiter: u8,
    /// When `keep` is empty: keep the input's `id` column if its header
    /// has one, else write `row` numbers (default false).
    pub default_id: bool,
    /// Output layout (default CSV).
    pub output_format: CorpusFormat,
    /// Write every class probability (`p_<class>` columns; a `proba`
    /// object in JSONL). Default false.
    pub proba: bool,
    /// Write the `k` most probable classes and their probabilities
    /// (`label_1,p_1,...`; a `top` list in JSONL). Default 0.
    pub top_k: usize,
    /// Bad rows are counted and passed to the reject writer instead of
    /// stopping the run (default false: the first bad row is an error).
    pub skip_bad: bool,
    /// Row size limits (default 1 MiB a row).
    pub limits: Limits,
    /// Rows per chunk (default 4,096).
    pub chunk_rows: usize,
    /// Chunks read but not yet written, at most (default: twice the
    /// rayon threads, plus two).
    pub in_flight: usize,
    /// Arrow output ([`CorpusFormat::Arrow`]) in the IPC stream format,
    /// which a pipe can take, instead of the file format (default false).
    pub arrow_stream: bool,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            text: Column::Name("text".into()),
            keep: Vec::new(),
            row_numbers: false,
            input_format: CorpusFormat::Csv,
            input_header: true,
            input_delimiter: b',',
            default_id: false,
            output_format: CorpusFormat::Csv,
            proba: false,
            top_k: 0,
            skip_bad: false,
            limits: Limits::default(),
            chunk_rows: 4096,
            in_flight: 2 * rayon::current_num_threads() + 2,
            arrow_stream: false,
        }
    }
}

impl ScoreOptions {
    /// How a row input is read: its format, header and CSV delimiter.
    pub(crate) fn input_layout(&self) -> crate::corpus::stream::Layout {
        crate::corpus::stream::Layout {
            header: self.input_header,
            delimiter: self.input_delimiter,
            ..self.input_format.into()
        }
    }
}

/// Counts so far, reported after each written chunk and at the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows scored and written.
    pub rows: u64,
    /// Bad rows passed to the reject writer.
    pub rejected: u64,
    /// Input bytes consumed.
    pub bytes: u64,
    /// Rows scored as an empty text is: nothing in them the model knows
    /// (no word with a vector, no n-gram of its training texts), so every
    /// such row gets the same answer, the one for an empty text.
    pub blank: u64,
}

/// One text's prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// The most probable class (an index into [`Pipeline::classes`]).
    pub class: usize,
    /// The probability of each class; they sum to 1.
    pub proba: Vec<f32>,
}

/// A fitted pipeline and its vectors, checked once, ready to score.
#[derive(Clone, Copy, Debug)]
pub struct Scorer<'a> {
    pipeline: &'a Pipeline,
    vectors: Option<&'a Vectors>,
}

/// A chunk of input rows in file order.
struct Chunk {
    seq: u64,
    rows: Vec<(u64, crate::corpus::stream::Record)>,
    bad: Vec<(u64, BadRow)>,
    bytes: u64,
}

/// A chunk, scored and formatted.
struct Done {
    seq: u64,
    output: Vec<u8>,
    rejects: Vec<u8>,
    rows: u64,
    rejected: u64,
    bytes: u64,
    blank: u64,
}

impl<'a> Scorer<'a> {
    /// Check that `vectors` are the ones `pipeline` was trained with (by
    /// fingerprint) and make a scorer.
    pub fn new(pipeline: &'a Pipeline, vectors: Option<&'a Vectors>) -> Result<Scorer<'a>> {
        pipeline.check_vectors(vectors)?;
        Ok(Scorer { pipeline, vectors })
    }

    /// Predictions for texts in memory, in order (parallel over texts).
    pub fn predict_batch<T: AsRef<str> + Sync>(&self, texts: &[T]) -> Result<Vec<Prediction>> {
        let proba = self.pipeline.proba_checked_once(self.vectors, texts)?;
        Ok(predictions(&proba))
    }

    /// [`Scorer::predict_batch`], and how many of the texts have nothing
    /// the model knows, so got the answer for an empty text (as
    /// [`Summary::blank`] counts them for a file).
    pub fn predict_batch_and_blank<T: AsRef<str>>(
        &self,
        texts: &[T],
    ) -> Result<(Vec<Prediction>, u64)> {
        let texts: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
        let (proba, blank) = self.proba_and_blank(texts)?;
        Ok((predictions(&proba), blank))
    }

    /// For each text, whether it has nothing the model knows (no word with
    /// a vector, no n-gram of its training texts), so is scored as an empty
    /// text is (within 1e-6): the texts [`Summary::blank`] counts.
    pub fn blank_mask<T: AsRef<str>>(&self, texts: &[T]) -> Result<Vec<bool>> {
        let mut texts: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
        texts.push("");
        let proba = self.pipeline.proba_checked_once(self.vectors, &texts)?;
        Ok(blank_rows(&proba).collect())
    }

    /// Score every row of `input` and write one output row per good input
    /// row, in input order. With [`ScoreOptions::skip_bad`], each bad row
    /// goes to `rejects` (CSV: `line,reason,row`) and is counted; without
    /// it, the first bad row is an error naming its line. `progress` is
    /// called with the running totals after each chunk is written.
    pub fn score<R, W>(
        &self,
        input: R,
        mut output: W,
        mut rejects: Option<&mut dyn Write>,
        options: &ScoreOptions,
        mut progress: impl FnMut(&Summary),
    ) -> Result<Summary>
    where
        R: Read + Send,
        W: Write,
    {
        if options.top_k > self.pipeline.classes().len() {
            return Err(Error::InvalidParameter(format!(
                "top-k {} is more than the model's {} classes",
                options.top_k,
                self.pipeline.classes().len()
            )));
        }
        if !matches!(
            options.output_format,
            CorpusFormat::Csv | CorpusFormat::Tsv | CorpusFormat::Jsonl
        ) {
            return Err(Error::InvalidParameter(format!(
                "{} is not an output layout: choose csv, tsv or jsonl",
                options.output_format
            )));
        }
        let mut reader = RowReader::new(input, options.input_layout(), &[], options.limits)?;
        let mut resolved = options.clone();
        if options.default_id && options.keep.is_empty() {
            let id = Column::Name("id".into());
            if reader.column_names().iter().any(|c| c == "id") {
                resolved.keep = vec![id];
                resolved.row_numbers = false;
            } else {
                resolved.row_numbers = true;
            }
        }
        let options = &resolved;
        let mut columns = vec![options.text.clone()];
        columns.extend(options.keep.iter().cloned());
        reader.select(&columns)?;
        let keep_names: Vec<String> = options
            .keep
            .iter()
            .map(|c| match c {
                Column::Name(n) => n.clone(),
                Column::Index(i) => reader
                    .column_names()
                    .get(*i)
                    .cloned()
                    .unwrap_or_else(|| format!("column{i}")),
            })
            .collect();
        let format = Format {
            options,
            classes: self.pipeline.classes(),
            keep_names: &keep_names,
        };
        let mut header = Vec::new();
        format.header(&mut header)?;
        output.write_all(&header)?;
        if let Some(rejects) = rejects.as_deref_mut() {
            rejects.write_all(b"line,reason,row\n")?;
        }

        let in_flight = options.in_flight.max(1);
        let (token_tx, token_rx) = mpsc::sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            let _ = token_tx.send(());
        }
        let (done_tx, done_rx) = mpsc::channel::<Result<Done>>();
        let mut summary = Summary::default();
        std::thread::scope(|scope| -> Result<()> {
            let reading = scope
                .spawn(move || self.read_and_spawn(reader, options, &format, token_rx, done_tx));
            let mut pending = BTreeMap::new();
            let mut next = 0u64;
            let written = (|| -> Result<()> {
                for done in &done_rx {
                    let done = done?;
                    pending.insert(done.seq, done);
                    while let Some(done) = pending.remove(&next) {
                        output.write_all(&done.output)?;
                        if let Some(rejects) = rejects.as_deref_mut() {
                            rejects.write_all(&done.rejects)?;
                        }
                        summary.rows += done.rows;
                        summary.rejected += done.rejected;
                        summary.blank += done.blank;
                        summary.bytes = done.bytes;
                        progress(&summary);
                        next += 1;
                        // The reader may be gone already; that is fine.
                        let _ = token_tx.send(());
                    }
                }
                Ok(())
            })();
            // Let a reader blocked on a token see that writing stopped.
            drop(token_tx);
            drop(done_rx);
            let read = reading
                .join()
                .map_err(|_| Error::InvalidInput("internal error: the reader panicked".into()))?;
            written?;
            read?;
            if !pending.is_empty() {
                return Err(Error::InvalidInput(
                    "internal error: a chunk was lost".into(),
                ));
            }
            Ok(())
        })?;
        output.flush()?;
        if let Some(rejects) = rejects {
            rejects.flush()?;
        }
        Ok(summary)
    }

    /// The reader thread: read chunks while tokens allow, score each on the
    /// rayon pool, send results (or the first error) to the writer.
    fn read_and_spawn<R: Read>(
        &self,
        mut reader: RowReader<R>,
        options: &ScoreOptions,
        format: &Format<'_>,
        tokens: mpsc::Receiver<()>,
        done: mpsc::Sender<Result<Done>>,
    ) -> Result<()> {
        let chunk_rows = options.chunk_rows.max(1);
        let chunk_bytes = 4 << 20;
        let mut row_number = 0u64;
        let mut seq = 0u64;
        rayon::in_place_scope(|scope| loop {
            if tokens.recv().is_err() {
                return Ok(());
            }
            let mut chunk = Chunk {
                seq,
                rows: Vec::with_capacity(chunk_rows.min(1 << 16)),
                bad: Vec::new(),
                bytes: 0,
            };
            let mut text_bytes = 0;
            let mut end = false;
            while chunk.rows.len() < chunk_rows && text_bytes < chunk_bytes {
                let row = match reader.next_row() {
                    Ok(Some(row)) => row,
                    Ok(None) => {
                        end = true;
                        break;
                    }
                    Err(e) => {
                        let _ = done.send(Err(e));
                        return Ok(());
                    }
                };
                row_number += 1;
                match row {
                    Row::Good(record) if record.fields[0].json => {
                        let bad = BadRow {
                            line: record.line,
                            reason: "the text is not a JSON string".into(),
                            raw: record.fields[0].text.clone().into_bytes(),
                        };
                        if !options.skip_bad {
                            let _ = done.send(Err(bad.into_error()));
                            return Ok(());
                        }
                        text_bytes += bad.raw.len();
                        chunk.bad.push((row_number, bad));
                    }
                    Row::Good(record) => {
                        text_bytes += record.fields.iter().map(|f| f.text.len()).sum::<usize>();
                        chunk.rows.push((row_number, record));
                    }
                    Row::Bad(bad) if options.skip_bad => {
                        text_bytes += bad.raw.len();
                        chunk.bad.push((row_number, bad));
                    }
                    Row::Bad(bad) => {
                        let line = bad.line;
                        let reason = bad.reason;
                        let _ = done.send(Err(Error::malformed(
                            crate::Location::Line(line),
                            format!("{reason}{SKIP_BAD_HINT}"),
                        )));
                        return Ok(());
                    }
                }
            }
            chunk.bytes = reader.bytes_read();
            if chunk.rows.is_empty() && chunk.bad.is_empty() {
                return Ok(());
            }
            seq += 1;
            let done = done.clone();
            scope.spawn(move |_| {
                let _ = done.send(self.score_chunk(chunk, format));
            });
            if end {
                return Ok(());
            }
        })
    }

    /// The probabilities of `texts`, and how many of them are scored as an
    /// empty text is (within 1e-6: [`Summary::blank`]). The empty text is
    /// scored last with them (pushed onto `texts`), one row more in
    /// thousands.
    fn proba_and_blank(&self, mut texts: Vec<&str>) -> Result<(ndarray::Array2<f32>, u64)> {
        let n = texts.len();
        if n == 0 {
            let k = self.pipeline.classes().len();
            return Ok((ndarray::Array2::zeros((0, k)), 0));
        }
        texts.push("");
        let proba = self.pipeline.proba_checked_once(self.vectors, &texts)?;
        let blank = blank_rows(&proba).filter(|&b| b).count() as u64;
        Ok((proba.slice_move(ndarray::s![..n, ..]), blank))
    }

    fn score_chunk(&self, chunk: Chunk, format: &Format<'_>) -> Result<Done> {
        let texts: Vec<&str> = chunk
            .rows
            .iter()
            .map(|(_, r)| r.fields[0].text.as_str())
            .collect();
        let mut sink = format.sink(texts.len() * 32);
        let (proba, blank) = self.proba_and_blank(texts)?;
        for ((row_number, record), p) in chunk.rows.iter().zip(proba.rows()) {
            let p = p.as_slice().unwrap_or(&[]);
            format.row(&mut sink, *row_number, &record.fields[1..], p)?;
        }
        let output = sink.finish()?;
        let mut rejects = Vec::new();
        for (_, bad) in &chunk.bad {
            let mut csv = csv::Writer::from_writer(&mut rejects);
            csv.write_record([
                bad.line.to_string().as_bytes(),
                bad.reason.as_bytes(),
                String::from_utf8_lossy(&bad.raw).as_bytes(),
            ])
            .map_err(csv_io)?;
            csv.flush()?;
        }
        Ok(Done {
            seq: chunk.seq,
            output,
            rejects,
            rows: chunk.rows.len() as u64,
            rejected: chunk.bad.len() as u64,
            bytes: chunk.bytes,
            blank,
        })
    }
}

/// Output layout: the header and one row per prediction.
struct Format<'a> {
    options: &'a ScoreOptions,
    classes: &'a [String],
    keep_names: &'a [String],
}

impl Format<'_> {
    fn header(&self, out: &mut Vec<u8>) -> Result<()> {
        let mut header = Vec::new();
        if self.options.row_numbers {
            header.push("row".to_string());
        }
        header.extend(self.keep_names.iter().cloned());
        header.push("label".into());
        if self.options.proba {
            header.extend(self.classes.iter().map(|c| format!("p_{c}")));
        }
        for k in 1..=self.options.top_k {
            header.push(format!("label_{k}"));
            header.push(format!("p_{k}"));
        }
        match self.options.output_format {
            CorpusFormat::Jsonl => Ok(()),
            CorpusFormat::Tsv => {
                tsv_record(out, &header);
                Ok(())
            }
            _ => {
                let mut csv = csv::Writer::from_writer(out);
                csv.write_record(&header).map_err(csv_io)?;
                csv.flush()?;
                Ok(())
            }
        }
    }

    /// Where a chunk's rows are formatted: one CSV writer a chunk (it
    /// owns a buffer; one a row would allocate and clear it every row).
    fn sink(&self, capacity: usize) -> Sink {
        match self.options.output_format {
            CorpusFormat::Jsonl => Sink::Json(Vec::with_capacity(capacity)),
            CorpusFormat::Tsv => Sink::Tsv(Vec::with_capacity(capacity)),
            _ => Sink::Csv(Box::new(
                csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::with_capacity(capacity)),
            )),
        }
    }

    fn row(
        &self,
        sink: &mut Sink,
        row_number: u64,
        keep: &[crate::corpus::stream::Field],
        p: &[f32],
    ) -> Result<()> {
        let best = argmax(p);
        let top: Vec<usize> = if self.options.top_k > 0 {
            let mut order: Vec<usize> = (0..p.len()).collect();
            order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
            order.truncate(self.options.top_k);
            order
        } else {
            Vec::new()
        };
        if let Sink::Json(out) = sink {
            return self.json_row(out, row_number, keep, p, best, &top);
        }
        let mut fields: Vec<String> = Vec::with_capacity(2 + keep.len() + p.len() + 2 * top.len());
        if self.options.row_numbers {
            fields.push(row_number.to_string());
        }
        fields.extend(keep.iter().map(|f| f.text.clone()));
        fields.push(self.classes[best].clone());
        if self.options.proba {
            fields.extend(p.iter().map(|v| format!("{v:.6}")));
        }
        for &k in &top {
            fields.push(self.classes[k].clone());
            fields.push(format!("{:.6}", p[k]));
        }
        match sink {
            Sink::Csv(csv) => csv.write_record(&fields).map_err(csv_io)?,
            Sink::Tsv(out) => tsv_record(out, &fields),
            Sink::Json(_) => {}
        }
        Ok(())
    }

    fn json_row(
        &self,
        out: &mut Vec<u8>,
        row_number: u64,
        keep: &[crate::corpus::stream::Field],
        p: &[f32],
        best: usize,
        top: &[usize],
    ) -> Result<()> {
        use serde_json::{Map, Value};
        let mut object = Map::new();
        if self.options.row_numbers {
            object.insert("row".into(), Value::from(row_number));
        }
        for (name, field) in self.keep_names.iter().zip(keep) {
            let value = if field.json {
                serde_json::from_str(&field.text)
                    .unwrap_or_else(|_| Value::String(field.text.clone()))
            } else {
                Value::String(field.text.clone())
            };
            object.insert(name.clone(), value);
        }
        object.insert("label".into(), Value::String(self.classes[best].clone()));
        let round = |v: f32| Value::from((f64::from(v) * 1e6).round() / 1e6);
        if self.options.proba {
            let proba: Map<String, Value> = self
                .classes
                .iter()
                .zip(p)
                .map(|(c, &v)| (c.clone(), round(v)))
                .collect();
            object.insert("proba".into(), Value::Object(proba));
        }
        if !top.is_empty() {
            let list = top
                .iter()
                .map(|&k| {
                    let mut entry = Map::new();
                    entry.insert("label".into(), Value::String(self.classes[k].clone()));
                    entry.insert("p".into(), round(p[k]));
                    Value::Object(entry)
                })
                .collect();
            object.insert("top".into(), Value::Array(list));
        }
        serde_json::to_writer(&mut *out, &Value::Object(object))
            .map_err(|e| Error::io(std::io::Error::other(e)))?;
        out.push(b'\n');
        Ok(())
    }
}

/// A chunk's formatted rows.
enum Sink {
    Csv(Box<csv::Writer<Vec<u8>>>),
    Tsv(Vec<u8>),
    Json(Vec<u8>),
}

/// One TSV line: fields escaped as [`crate::corpus::stream::escape_tsv`].
/// Whether each row of `proba` but the last, the empty text's, is the
/// last within 1e-6.
fn blank_rows(proba: &ndarray::Array2<f32>) -> impl Iterator<Item = bool> + '_ {
    let n = proba.nrows().saturating_sub(1);
    let empty = proba.row(n);
    proba
        .rows()
        .into_iter()
        .take(n)
        .map(move |row| row.iter().zip(empty).all(|(p, q)| (p - q).abs() <= 1e-6))
}

/// One [`Prediction`] a row of probabilities.
fn predictions(proba: &ndarray::Array2<f32>) -> Vec<Prediction> {
    proba
        .rows()
        .into_iter()
        .map(|row| {
            let proba = row.to_vec();
            Prediction {
                class: argmax(&proba),
                proba,
            }
        })
        .collect()
}

fn tsv_record(out: &mut Vec<u8>, fields: &[String]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        crate::corpus::stream::escape_tsv(field, out);
    }
    out.push(b'\n');
}

impl Sink {
    fn finish(self) -> Result<Vec<u8>> {
        match self {
            Sink::Json(out) | Sink::Tsv(out) => Ok(out),
            Sink::Csv(csv) => csv
                .into_inner()
                .map_err(|e| Error::io(std::io::Error::other(e.to_string()))),
        }
    }
}

fn csv_io(e: csv::Error) -> Error {
    Error::io(std::io::Error::other(e.to_string()))
}
