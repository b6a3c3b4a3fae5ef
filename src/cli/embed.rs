//! `embed-tl embed`: texts in, one feature row per text out.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use embed_tl::corpus::{read_table, Column};
use embed_tl::features::{Coverage, FeaturizerParams};
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
    /// idf and sif learn from the input texts.
    #[arg(long, default_value = "mean", value_name = "STRATEGY")]
    pool: PoolParams,
    /// Pool unit-length word vectors instead of the file's originals.
    #[arg(long)]
    unit: bool,
    /// L2-normalise each document vector.
    #[arg(long)]
    normalize: bool,
    /// Where to write: a .csv (id, f0, f1, ...), a .npy (float32 matrix,
    /// rows in input order), or - for CSV on stdout.
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
}

pub fn run(args: EmbedArgs, ui: Ui) -> Result<()> {
    let start = Instant::now();
    check_outputs(
        &[("--vectors", &args.vectors), ("--input", &args.input)],
        &[("--output", &args.output)],
    )?;
    check_extension(
        "--output",
        &args.output,
        &[".csv", ".npy"],
        " (or - for CSV on stdout)",
    )?;
    let npy = args
        .output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if npy && args.output == Path::new("-") {
        bail!("--output -: stdout gets CSV; give a file name for .npy");
    }
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

    let params = FeaturizerParams::default()
        .pool(args.pool.clone())
        .scale(if args.unit {
            Scale::Unit
        } else {
            Scale::Original
        })
        .normalize(args.normalize);
    let featurizer = params.fit(&vectors, &texts)?;
    let (features, coverage) = featurizer.transform_with_coverage(&vectors, &texts)?;

    if npy {
        atomic_write(&args.output, |out| {
            features
                .write_npy(out)
                .with_context(|| format!("writing {}", args.output.display()))
        })?;
    } else {
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
        if args.output == Path::new("-") {
            write(&mut stdout())?;
        } else {
            atomic_write(&args.output, |out| write(out))?;
        }
    }

    if ui.chatty {
        report(&vectors, &texts, &featurizer.tokenizer().clone(), &coverage);
        ui.info(format!(
            "embedded {} texts into {} features ({}) in {:.2}s",
            texts.len(),
            featurizer.width(),
            args.pool,
            start.elapsed().as_secs_f64()
        ));
    }
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
