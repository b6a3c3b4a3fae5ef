//! `embed-tl embed`: texts in, one feature row per text out.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use embed_tl::corpus::columnar::TableWriter;
use embed_tl::corpus::{read_table, Column, CorpusFormat};
use embed_tl::features::{Coverage, FeaturizerParams};
use embed_tl::pipeline::SavedFeaturizer;
use embed_tl::pool::PoolParams;
use embed_tl::text::Tokenizer;
use embed_tl::vectors::{Scale, Vectors};
use ndarray_npy::WriteNpyExt;

use super::output::{atomic_write, check_extension, check_outputs, stdout};
use super::Ui;

/// Turn texts into document vectors: tokenise, look up, pool.
#[derive(Debug, Args)]
#[command(after_help = r"Examples:
  embed-tl embed --vectors embeddings/glove.6B.50d.top50k.fifu \
      --input corpora/reviews.csv --pool sif --output reviews.features.csv
  # Fit once (IDF/SIF statistics), then featurise any part alike:
  embed-tl embed --vectors embeddings/glove.6B.50d.top50k.fifu \
      --input corpora/reviews.csv --pool sif --save-featurizer reviews.featurizer.json
  embed-tl embed --vectors embeddings/glove.6B.50d.top50k.fifu \
      --featurizer reviews.featurizer.json --input part-0001.csv --output part-0001.features.csv
  embed-tl embed --vectors embeddings/glove.6B.50d.top50k.fifu \
      --input corpora/trec-test.csv --normalize --output trec-test.npy")]
pub struct EmbedArgs {
    /// The vector file (any format `embed-tl vectors info` reads).
    #[arg(long, value_name = "FILE")]
    vectors: PathBuf,
    #[command(flatten)]
    read: super::VectorsRead,
    /// Texts, in any layout (--input-format; from the name by default),
    /// plain or compressed, or - for stdin.
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// The text column, by name or 0-based index.
    #[arg(long, default_value = "text")]
    text_column: Column,
    /// A column passed through to the output as the row id. Default: the
    /// column `id` if there is one, else the 1-based row number.
    #[arg(long)]
    id_column: Option<Column>,
    /// Pooling: mean, max, min, pmeans[:min,mean,max,3], idf, sif[:A].
    /// idf and sif learn from the input texts (unless --featurizer).
    #[arg(long, default_value = "mean", value_name = "STRATEGY")]
    pool: PoolParams,
    /// Pool unit-length word vectors instead of the file's originals.
    #[arg(long)]
    unit: bool,
    /// L2-normalise each document vector.
    #[arg(long)]
    normalize: bool,
    /// Use a fitted featurizer instead of fitting one on the input: a file
    /// written by --save-featurizer, or a model written by `classify
    /// --save` (its vector features, before scaling). Every run with it
    /// gives a text the same features, whatever else the input holds; the
    /// vectors must be the ones it was fitted on (checked by fingerprint).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["pool", "unit", "normalize", "save_featurizer"])]
    featurizer: Option<PathBuf>,
    /// Also write the featurizer fitted on the input (pooling, IDF/SIF
    /// statistics, tokenizer, vectors' fingerprint) for later --featurizer
    /// runs; with it, --output may be left out.
    #[arg(long, value_name = "FILE")]
    save_featurizer: Option<PathBuf>,
    /// Where to write: a .csv (id, f0, f1, ...), a .npy (float32 matrix,
    /// rows in input order), a .parquet or .arrow/.feather table (the id
    /// and a `features` column of list<float32>; --wide: f0, f1, ...), or
    /// - for CSV on stdout.
    #[arg(long, value_name = "FILE", required_unless_present = "save_featurizer")]
    output: Option<PathBuf>,
    /// Parquet/Arrow output: one float32 column per feature (f0, f1, ...)
    /// instead of one list column.
    #[arg(long)]
    wide: bool,
}

pub fn run(args: EmbedArgs, ui: Ui) -> Result<()> {
    let start = Instant::now();
    let mut inputs = vec![
        ("--vectors", args.vectors.as_path()),
        ("--input", &args.input),
    ];
    inputs.extend(args.featurizer.as_deref().map(|f| ("--featurizer", f)));
    let mut outputs = Vec::new();
    outputs.extend(args.output.as_deref().map(|o| ("--output", o)));
    outputs.extend(
        args.save_featurizer
            .as_deref()
            .map(|o| ("--save-featurizer", o)),
    );
    check_outputs(&inputs, &outputs)?;
    if let Some(output) = &args.output {
        check_extension(
            "--output",
            output,
            &[".csv", ".npy", ".parquet", ".arrow", ".feather", ".ipc"],
            " (or - for CSV on stdout)",
        )?;
    }
    if args.save_featurizer.as_deref() == Some(Path::new("-")) {
        bail!("--save-featurizer -: give a file name");
    }
    // Read the saved featurizer before the slow work, so a bad file fails fast.
    let saved = args
        .featurizer
        .as_deref()
        .map(|path| -> Result<SavedFeaturizer> {
            let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
            SavedFeaturizer::load(std::io::BufReader::new(file)).map_err(|e| match e {
                // (A model without a featurizer: no location to add.)
                e @ embed_tl::Error::InvalidInput(_) => {
                    anyhow::Error::new(e).context(path.display().to_string())
                }
                e => anyhow::Error::new(e.with_path(path)),
            })
        })
        .transpose()?;
    let mut id_column = args.id_column.clone();
    let table = read_table(&args.input, &ui.input, |names| {
        if id_column.is_none() && names.iter().any(|c| c == "id") {
            id_column = Some(Column::Name("id".into()));
        }
        let mut wanted = vec![args.text_column.clone()];
        wanted.extend(id_column.clone());
        wanted
    })?;
    let mut wanted = vec![&args.text_column];
    wanted.extend(id_column.as_ref());
    super::say_read(&args.input, &wanted, &table.stats, ui);
    let mut columns = table.columns;
    let ids = (columns.len() > 1).then(|| columns.pop().unwrap_or_default());
    let texts = columns.pop().unwrap_or_default();

    let vectors = args.read.open(&args.vectors, ui)?;

    let featurizer = match &saved {
        Some(saved) => {
            let path = args.featurizer.as_deref().unwrap_or(Path::new(""));
            saved
                .check_vectors(&vectors)
                .with_context(|| format!("{} with {}", path.display(), args.vectors.display()))?;
            saved.featurizer().clone()
        }
        None => FeaturizerParams::default()
            .pool(args.pool.clone())
            .scale(if args.unit {
                Scale::Unit
            } else {
                Scale::Original
            })
            .normalize(args.normalize)
            .fit(&vectors, &texts)?,
    };
    if let Some(path) = &args.save_featurizer {
        let saved = SavedFeaturizer::new(featurizer.clone(), &vectors);
        atomic_write(path, |out| {
            saved
                .save(out)
                .with_context(|| format!("writing {}", path.display()))
        })?;
    }
    let (features, coverage) = featurizer.transform_with_coverage(&vectors, &texts)?;

    match &args.output {
        None => {}
        Some(output)
            if output
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("npy")) =>
        {
            atomic_write(output, |out| {
                features
                    .write_npy(out)
                    .with_context(|| format!("writing {}", output.display()))
            })?;
        }
        Some(output)
            if matches!(
                CorpusFormat::from_name(output),
                Some(CorpusFormat::Parquet | CorpusFormat::Arrow)
            ) =>
        {
            let format = CorpusFormat::from_path(output);
            let ids: Vec<String> = match &ids {
                Some(ids) => ids.clone(),
                None => (1..=texts.len()).map(|i| i.to_string()).collect(),
            };
            let id_name = match &id_column {
                Some(Column::Name(n)) => n.clone(),
                Some(Column::Index(_)) | None => "row".to_string(),
            };
            atomic_write(output, |out| {
                write_table(out, format, &id_name, &ids, &features, args.wide)
                    .with_context(|| format!("writing {}", output.display()))
            })?;
        }
        Some(output) => {
            let id_name = match &id_column {
                Some(Column::Name(n)) => n.clone(),
                Some(Column::Index(_)) | None => "row".to_string(),
            };
            let write = |out: &mut dyn Write| -> Result<()> {
                let mut csv = csv::Writer::from_writer(out);
                let mut header = vec![id_name.clone()];
                header.extend((0..featurizer.width()).map(|i| format!("f{i}")));
                csv.write_record(&header)?;
                let mut record = Vec::with_capacity(header.len());
                for (i, row) in features.rows().into_iter().enumerate() {
                    record.clear();
                    record.push(match &ids {
                        Some(ids) => ids[i].clone(),
                        None => (i + 1).to_string(),
                    });
                    record.extend(row.iter().map(|v| v.to_string()));
                    csv.write_record(&record)?;
                }
                csv.flush()?;
                Ok(())
            };
            if output == Path::new("-") {
                write(&mut stdout())?;
            } else {
                atomic_write(output, |out| write(out))?;
            }
        }
    }

    if ui.chatty {
        report(&vectors, &texts, &featurizer.tokenizer().clone(), &coverage);
        ui.info(format!(
            "embedded {} texts into {} features ({}) in {:.2}s",
            texts.len(),
            featurizer.width(),
            match &args.featurizer {
                Some(path) => format!("the featurizer of {}", path.display()),
                None => args.pool.to_string(),
            },
            start.elapsed().as_secs_f64()
        ));
    }
    Ok(())
}

/// Features as a Parquet or Arrow table: the ids (strings, as read), then a
/// `features` list<float32> column, or (`wide`) f0, f1, ... columns.
fn write_table(
    out: &mut (dyn Write + Send),
    format: CorpusFormat,
    id_name: &str,
    ids: &[String],
    features: &ndarray::Array2<f32>,
    wide: bool,
) -> Result<()> {
    use arrow_array::{ArrayRef, Float32Array, ListArray, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;

    let width = features.ncols();
    let item = Arc::new(Field::new("item", DataType::Float32, false));
    let mut fields = vec![Field::new(id_name, DataType::Utf8, false)];
    if wide {
        fields.extend((0..width).map(|i| Field::new(format!("f{i}"), DataType::Float32, false)));
    } else {
        fields.push(Field::new("features", DataType::List(item.clone()), false));
    }
    let schema = Arc::new(Schema::new(fields));
    let mut writer = TableWriter::new(out, format, schema.clone())?;
    const ROWS: usize = 8192;
    for start in (0..ids.len()).step_by(ROWS) {
        let end = (start + ROWS).min(ids.len());
        let block = features.slice(ndarray::s![start..end, ..]);
        let mut columns: Vec<ArrayRef> =
            vec![Arc::new(StringArray::from(ids[start..end].to_vec()))];
        if wide {
            for c in 0..width {
                columns.push(Arc::new(Float32Array::from(block.column(c).to_vec())));
            }
        } else {
            let values = Float32Array::from(block.iter().copied().collect::<Vec<f32>>());
            let offsets =
                arrow_buffer::OffsetBuffer::from_lengths(std::iter::repeat_n(width, end - start));
            columns.push(Arc::new(ListArray::try_new(
                item.clone(),
                offsets,
                Arc::new(values),
                None,
            )?));
        }
        writer.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
    }
    writer.finish()?;
    Ok(())
}

/// The coverage report, with plain whitespace splitting as a reference.
fn report(vectors: &Vectors, texts: &[String], tokenizer: &Tokenizer, coverage: &Coverage) {
    eprintln!("{coverage}");
    let plain = Coverage::measure(vectors, &Tokenizer::whitespace(), texts);
    eprintln!(
        "tokenizer: {} (plain whitespace splitting would cover {:.1}% of tokens)",
        if tokenizer.lowercase {
            "matched to a lowercased vocabulary"
        } else {
            "matched to a cased vocabulary"
        },
        100.0 * plain.token_rate()
    );
}
