//! Scoring with a Parquet or Arrow input or output: record batches in,
//! record batches (or CSV/TSV/JSONL rows) out, one batch in memory at a
//! time.

use std::io::{Read, Write};
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, Float32Array, RecordBatch, StringArray, UInt32Array, UInt64Array,
};
use arrow_schema::{DataType, Field as ArrowField, Schema, SchemaRef};

use super::{csv_io, Format, ScoreOptions, Scorer, Summary, SKIP_BAD_HINT};
use crate::corpus::columnar::{
    display_column, is_columnar, string_column, BatchReader, TableWriter,
};
use crate::corpus::stream::{BadRow, Field, Row, RowReader};
use crate::corpus::{Column, CorpusFormat};
use crate::error::{Error, Location, Result};
use crate::model::argmax;

/// What [`Scorer::score_table`] reads.
pub enum TableInput<R> {
    /// A Parquet or Arrow table, batch after batch.
    Batches(BatchReader),
    /// Rows of a text layout ([`ScoreOptions::input_format`]), read in
    /// chunks of [`ScoreOptions::chunk_rows`].
    Rows(R),
}

/// Texts, kept columns and row numbers of one batch of good rows.
struct Batch {
    texts: Vec<String>,
    keep: Vec<ArrayRef>,
    rows: Vec<u64>,
    bad: Vec<BadRow>,
    bytes: u64,
}

/// The source of batches, either kind.
enum Source<R: Read> {
    Table {
        reader: BatchReader,
        text: usize,
        keep: Vec<usize>,
        text_name: String,
        rows: u64,
    },
    Rows {
        reader: Box<RowReader<R>>,
        keep: usize,
        rows: u64,
    },
}

impl<R: Read> Source<R> {
    fn next(&mut self, options: &ScoreOptions) -> Result<Option<Batch>> {
        match self {
            Source::Table {
                reader,
                text,
                keep,
                text_name,
                rows,
            } => {
                let Some(batch) = reader.next_batch()? else {
                    return Ok(None);
                };
                let texts = string_column(batch.column(*text), text_name)?;
                let first = *rows;
                *rows += batch.num_rows() as u64;
                let mut out = Batch {
                    texts: Vec::with_capacity(batch.num_rows()),
                    keep: Vec::new(),
                    rows: Vec::with_capacity(batch.num_rows()),
                    bad: Vec::new(),
                    bytes: 0,
                };
                let mut good = Vec::with_capacity(batch.num_rows());
                for j in 0..texts.len() {
                    let row = first + j as u64 + 1;
                    if texts.is_valid(j) {
                        out.texts.push(texts.value(j).to_string());
                        out.rows.push(row);
                        good.push(j as u32);
                    } else {
                        let reason = format!("null text in column '{text_name}'");
                        if !options.skip_bad {
                            return Err(Error::malformed(
                                Location::Row(row),
                                format!("{reason}{SKIP_BAD_HINT}"),
                            ));
                        }
                        out.bad.push(BadRow {
                            line: row,
                            reason,
                            raw: Vec::new(),
                        });
                    }
                }
                let all = good.len() == batch.num_rows();
                let indices = UInt32Array::from(good);
                for &k in keep.iter() {
                    let column = batch.column(k).clone();
                    out.keep.push(if all {
                        column
                    } else {
                        arrow_select::take::take(column.as_ref(), &indices, None)
                            .map_err(|e| Error::InvalidInput(e.to_string()))?
                    });
                }
                Ok(Some(out))
            }
            Source::Rows { reader, keep, rows } => {
                let mut out = Batch {
                    texts: Vec::new(),
                    keep: Vec::new(),
                    rows: Vec::new(),
                    bad: Vec::new(),
                    bytes: 0,
                };
                let mut kept: Vec<Vec<String>> = vec![Vec::new(); *keep];
                let mut end = false;
                while out.texts.len() + out.bad.len() < options.chunk_rows.max(1) {
                    let Some(row) = reader.next_row()? else {
                        end = true;
                        break;
                    };
                    *rows += 1;
                    match row {
                        Row::Good(record) if !record.fields[0].json => {
                            let mut fields = record.fields.into_iter();
                            out.texts
                                .push(fields.next().map(|f| f.text).unwrap_or_default());
                            for (column, field) in kept.iter_mut().zip(fields) {
                                column.push(field.text);
                            }
                            out.rows.push(*rows);
                        }
                        Row::Good(record) => {
                            let bad = BadRow {
                                line: record.line,
                                reason: "the text is not a JSON string".into(),
                                raw: record.fields[0].text.clone().into_bytes(),
                            };
                            if !options.skip_bad {
                                return Err(bad.into_error());
                            }
                            out.bad.push(bad);
                        }
                        Row::Bad(bad) if options.skip_bad => out.bad.push(bad),
                        Row::Bad(bad) => {
                            return Err(Error::malformed(
                                Location::Line(bad.line),
                                format!("{}{SKIP_BAD_HINT}", bad.reason),
                            ))
                        }
                    }
                }
                out.bytes = reader.bytes_read();
                out.keep = kept
                    .into_iter()
                    .map(|c| Arc::new(StringArray::from(c)) as ArrayRef)
                    .collect();
                if end && out.texts.is_empty() && out.bad.is_empty() {
                    return Ok(None);
                }
                Ok(Some(out))
            }
        }
    }
}

/// Where the batches go.
enum Sink<'f, W: Write + Send> {
    Table(TableWriter<W>, SchemaRef),
    Text(W, &'f Format<'f>),
}

impl Scorer<'_> {
    /// [`Scorer::score`] for Parquet and Arrow: read `input` (a table, or
    /// rows of a text layout) and write one output row per good input row,
    /// in input order, as [`ScoreOptions::output_format`] says (Parquet or
    /// Arrow: the kept columns with their input types, then `label`,
    /// `p_<class>` as float32, `label_k`/`p_k`; CSV, TSV or JSONL as
    /// [`Scorer::score`] writes them). One batch (a few thousand rows) is in
    /// memory at a time, scored on all cores. A null text is a bad row
    /// (rejected with [`ScoreOptions::skip_bad`], else an error naming its
    /// row).
    pub fn score_table<R, W>(
        &self,
        input: TableInput<R>,
        output: W,
        mut rejects: Option<&mut dyn Write>,
        options: &ScoreOptions,
        mut progress: impl FnMut(&Summary),
    ) -> Result<Summary>
    where
        R: Read,
        W: Write + Send,
    {
        let classes = self.pipeline.classes();
        if options.top_k > classes.len() {
            return Err(Error::InvalidInput(format!(
                "top-k {} is more than the model's {} classes",
                options.top_k,
                classes.len()
            )));
        }
        let mut resolved = options.clone();
        let id = Column::Name("id".into());
        let (mut source, keep_fields) = match input {
            TableInput::Batches(reader) => {
                let names = reader.column_names();
                if options.default_id && options.keep.is_empty() {
                    if names.iter().any(|c| c == "id") {
                        resolved.keep = vec![id];
                    } else {
                        resolved.row_numbers = true;
                    }
                }
                let text = reader.resolve(&options.text)?;
                let keep = resolved
                    .keep
                    .iter()
                    .map(|c| reader.resolve(c))
                    .collect::<Result<Vec<_>>>()?;
                let fields: Vec<ArrowField> = keep
                    .iter()
                    .map(|&k| reader.schema().field(k).clone())
                    .collect();
                let source = Source::Table {
                    text_name: names[text].clone(),
                    reader,
                    text,
                    keep,
                    rows: 0,
                };
                (source, fields)
            }
            TableInput::Rows(input) => {
                let mut reader =
                    RowReader::new(input, options.input_layout(), &[], options.limits)?;
                if options.default_id && options.keep.is_empty() {
                    if reader.column_names().iter().any(|c| c == "id") {
                        resolved.keep = vec![id];
                    } else {
                        resolved.row_numbers = true;
                    }
                }
                let mut columns = vec![options.text.clone()];
                columns.extend(resolved.keep.iter().cloned());
                reader.select(&columns)?;
                let fields = resolved
                    .keep
                    .iter()
                    .map(|c| {
                        let name = match c {
                            Column::Name(n) => n.clone(),
                            Column::Index(i) => reader
                                .column_names()
                                .get(*i)
                                .cloned()
                                .unwrap_or_else(|| format!("column{i}")),
                        };
                        ArrowField::new(name, DataType::Utf8, false)
                    })
                    .collect();
                let keep = resolved.keep.len();
                let source = Source::Rows {
                    reader: Box::new(reader),
                    keep,
                    rows: 0,
                };
                (source, fields)
            }
        };
        let options = &resolved;
        let keep_names: Vec<String> = keep_fields.iter().map(|f| f.name().clone()).collect();
        let format = Format {
            options,
            classes,
            keep_names: &keep_names,
        };
        let mut sink = if is_columnar(options.output_format) {
            let schema = output_schema(options, classes, keep_fields);
            let writer = if options.output_format == CorpusFormat::Arrow && options.arrow_stream {
                TableWriter::arrow_stream(output, schema.clone())?
            } else {
                TableWriter::new(output, options.output_format, schema.clone())?
            };
            Sink::Table(writer, schema)
        } else {
            let mut output = output;
            let mut header = Vec::new();
            format.header(&mut header)?;
            output.write_all(&header)?;
            Sink::Text(output, &format)
        };
        if let Some(rejects) = rejects.as_deref_mut() {
            rejects.write_all(b"line,reason,row\n")?;
        }
        let mut summary = Summary::default();
        while let Some(batch) = source.next(options)? {
            let texts = batch.texts.iter().map(String::as_str).collect();
            let (proba, blank) = self.proba_and_blank(texts)?;
            match &mut sink {
                Sink::Table(writer, schema) => {
                    let columns = output_columns(options, classes, &batch, &proba);
                    let out = RecordBatch::try_new(schema.clone(), columns)
                        .map_err(|e| Error::InvalidInput(format!("output batch: {e}")))?;
                    writer.write(&out)?;
                }
                Sink::Text(out, format) => {
                    let keep = batch
                        .keep
                        .iter()
                        .map(display_column)
                        .collect::<Result<Vec<_>>>()?;
                    let mut text = format.sink(batch.texts.len() * 32);
                    let mut fields = Vec::with_capacity(keep.len());
                    for (j, p) in proba.rows().into_iter().enumerate() {
                        fields.clear();
                        fields.extend(keep.iter().map(|column| {
                            let (text, json) = column[j].clone();
                            Field { text, json }
                        }));
                        format.row(
                            &mut text,
                            batch.rows[j],
                            &fields,
                            p.as_slice().unwrap_or(&[]),
                        )?;
                    }
                    out.write_all(&text.finish()?)?;
                }
            }
            if let Some(rejects) = rejects.as_deref_mut() {
                for bad in &batch.bad {
                    let mut csv = csv::Writer::from_writer(&mut *rejects);
                    csv.write_record([
                        bad.line.to_string().as_bytes(),
                        bad.reason.as_bytes(),
                        String::from_utf8_lossy(&bad.raw).as_bytes(),
                    ])
                    .map_err(csv_io)?;
                    csv.flush()?;
                }
            }
            summary.rows += batch.texts.len() as u64;
            summary.rejected += batch.bad.len() as u64;
            summary.blank += blank;
            summary.bytes = batch.bytes;
            progress(&summary);
        }
        match sink {
            Sink::Table(writer, _) => {
                writer.finish()?.flush()?;
            }
            Sink::Text(mut out, _) => out.flush()?,
        }
        if let Some(rejects) = rejects {
            rejects.flush()?;
        }
        Ok(summary)
    }
}

/// `row`, the kept columns, `label`, `p_<class>`, `label_k`/`p_k`.
fn output_schema(options: &ScoreOptions, classes: &[String], keep: Vec<ArrowField>) -> SchemaRef {
    let mut fields = Vec::new();
    if options.row_numbers {
        fields.push(ArrowField::new("row", DataType::UInt64, false));
    }
    fields.extend(keep);
    fields.push(ArrowField::new("label", DataType::Utf8, false));
    if options.proba {
        fields.extend(
            classes
                .iter()
                .map(|c| ArrowField::new(format!("p_{c}"), DataType::Float32, false)),
        );
    }
    for k in 1..=options.top_k {
        fields.push(ArrowField::new(format!("label_{k}"), DataType::Utf8, false));
        fields.push(ArrowField::new(format!("p_{k}"), DataType::Float32, false));
    }
    Arc::new(Schema::new(fields))
}

fn output_columns(
    options: &ScoreOptions,
    classes: &[String],
    batch: &Batch,
    proba: &ndarray::Array2<f32>,
) -> Vec<ArrayRef> {
    let mut columns: Vec<ArrayRef> = Vec::new();
    if options.row_numbers {
        columns.push(Arc::new(UInt64Array::from(batch.rows.clone())));
    }
    columns.extend(batch.keep.iter().cloned());
    let best: Vec<&str> = proba
        .rows()
        .into_iter()
        .map(|p| classes[argmax(p.as_slice().unwrap_or(&[]))].as_str())
        .collect();
    columns.push(Arc::new(StringArray::from(best)));
    if options.proba {
        for c in 0..classes.len() {
            columns.push(Arc::new(Float32Array::from(proba.column(c).to_vec())));
        }
    }
    if options.top_k > 0 {
        let order: Vec<Vec<usize>> = proba
            .rows()
            .into_iter()
            .map(|p| {
                let mut order: Vec<usize> = (0..p.len()).collect();
                order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
                order
            })
            .collect();
        for k in 0..options.top_k {
            let labels: Vec<&str> = order.iter().map(|o| classes[o[k]].as_str()).collect();
            let values: Vec<f32> = order
                .iter()
                .zip(proba.rows())
                .map(|(o, p)| p[o[k]])
                .collect();
            columns.push(Arc::new(StringArray::from(labels)));
            columns.push(Arc::new(Float32Array::from(values)));
        }
    }
    columns
}
