//! `embed-tl predict`: stream texts of any number through a saved model.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use embed_tl::corpus::columnar::{is_columnar, BatchReader};
use embed_tl::corpus::source::Source;
use embed_tl::corpus::stream::Limits;
use embed_tl::corpus::{Column, CorpusFormat, InputOptions};
use embed_tl::pipeline::Pipeline;
use embed_tl::score::{ScoreOptions, Scorer, Summary, TableInput};
use embed_tl::vectors::Vectors;

use super::output::{check_extension, check_outputs, stdout, AtomicFile};
use super::Ui;

/// Label texts with a model saved by `classify --save`, streaming: any
/// input size, in input order, on all cores, in bounded memory.
#[derive(Debug, Args)]
#[command(after_help = r"Examples (reviews.etl from the first line):
  embed-tl classify --vectors embeddings/glove.6B.50d.top50k.fifu \
      --train corpora/reviews.csv --save reviews.etl
  embed-tl predict --model reviews.etl --vectors embeddings/glove.6B.50d.top50k.fifu \
      --input corpora/reviews.csv --output scored.csv --proba
  embed-tl predict --model reviews.etl --vectors embeddings/glove.6B.50d.top50k.fifu \
      --input - --output - --top-k 2 < corpora/reviews.csv | head")]
pub struct PredictArgs {
    /// The model file written by `embed-tl classify --save`.
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// The vectors the model was trained with (checked by fingerprint).
    #[arg(long, value_name = "FILE")]
    vectors: Option<PathBuf>,
    #[command(flatten)]
    read: super::VectorsRead,
    /// Texts to label, in any layout (--input-format; from the name by
    /// default), plain or compressed, or - for stdin.
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// The text column, by name or 0-based index.
    #[arg(long, default_value = "text")]
    text_column: Column,
    /// Columns copied to the output before the label (comma-separated names
    /// or 0-based indices) [default: `id` if the CSV/TSV input (file or
    /// stdin) has one, else a `row` number].
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    keep: Option<Vec<Column>>,
    /// Where to write the labels (- for stdout). Written to a temporary
    /// file and renamed when complete.
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
    /// Output layout: csv, tsv, jsonl, parquet or arrow (.arrows and
    /// stdout: the IPC stream format) [default: from the file name; the
    /// input's layout for stdout].
    #[arg(long, value_name = "FORMAT", value_parser = parse_corpus_format)]
    output_format: Option<CorpusFormat>,
    /// Also write every class probability (`p_<class>` columns).
    #[arg(long)]
    proba: bool,
    /// Also write the K most probable labels and their probabilities.
    #[arg(long, value_name = "K", default_value_t = 0)]
    top_k: usize,
    /// Write bad rows (wrong field count, invalid UTF-8, missing text,
    /// over-long) to FILE with the reason and go on; without it the first
    /// bad row stops the run.
    #[arg(long, value_name = "FILE")]
    skip_bad: Option<PathBuf>,
    /// Worker threads, 1 to 256 [default: all cores].
    #[arg(long, value_name = "N", value_parser = super::parse_threads)]
    threads: Option<usize>,
}

/// The output names whose layout `predict` infers (see `CorpusFormat::from_path`).
pub const TABLE_EXTENSIONS: &[&str] = &[
    ".csv", ".tsv", ".tab", ".jsonl", ".ndjson", ".parquet", ".arrow", ".feather", ".arrows",
    ".ipc",
];

fn parse_corpus_format(s: &str) -> std::result::Result<CorpusFormat, String> {
    match s.parse::<CorpusFormat>() {
        Ok(
            f @ (CorpusFormat::Csv
            | CorpusFormat::Tsv
            | CorpusFormat::Jsonl
            | CorpusFormat::Parquet
            | CorpusFormat::Arrow),
        ) => Ok(f),
        _ => Err(format!("'{s}': expected csv, tsv, jsonl, parquet or arrow")),
    }
}

pub fn run(args: PredictArgs, ui: Ui) -> Result<()> {
    let mut inputs = vec![("--model", args.model.as_path()), ("--input", &args.input)];
    inputs.extend(args.vectors.as_deref().map(|v| ("--vectors", v)));
    let mut outputs = vec![("--output", args.output.as_path())];
    outputs.extend(args.skip_bad.as_deref().map(|r| ("--skip-bad", r)));
    check_outputs(&inputs, &outputs)?;
    if args.output_format.is_none() {
        check_extension(
            "--output",
            &args.output,
            TABLE_EXTENSIONS,
            " (or --output-format)",
        )?;
    }
    if args.output == Path::new("-") && args.skip_bad.as_deref() == Some(Path::new("-")) {
        anyhow::bail!("--output - and --skip-bad - both name stdout: give one of them a file name");
    }
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("setting up the worker threads")?;
    }
    let (model, vectors) = super::load_model(&args.model, args.vectors.as_deref(), args.read, ui)?;
    let job = Job {
        input: &args.input,
        input_format: ui.input.format,
        text: args.text_column,
        keep: args.keep,
        output: &args.output,
        output_format: args.output_format,
        proba: args.proba,
        top_k: args.top_k,
        rejects: args.skip_bad.as_deref(),
        limits: ui.limits,
        skip_bad_flag: true,
    };
    score_file(
        &model,
        vectors.as_ref(),
        &args.model,
        args.vectors.as_deref(),
        job,
        ui,
    )
}

/// What to score and how to write it.
pub struct Job<'a> {
    pub input: &'a Path,
    pub input_format: Option<CorpusFormat>,
    pub text: Column,
    pub keep: Option<Vec<Column>>,
    pub output: &'a Path,
    pub output_format: Option<CorpusFormat>,
    pub proba: bool,
    pub top_k: usize,
    pub rejects: Option<&'a Path>,
    pub limits: Limits,
    /// The command has a `--skip-bad` flag (for the hint on a bad row).
    pub skip_bad_flag: bool,
}

/// Score `job.input` with `model` (also used by `classify --predict`).
pub fn score_file(
    model: &Pipeline,
    vectors: Option<&Vectors>,
    model_path: &Path,
    vectors_path: Option<&Path>,
    job: Job<'_>,
    ui: Ui,
) -> Result<()> {
    let scorer = Scorer::new(model, vectors).with_context(|| {
        format!(
            "{} with {}",
            model_path.display(),
            vectors_path.map_or("no vectors".into(), |p| p.display().to_string())
        )
    })?;
    let stdout_out = job.output == Path::new("-");
    let input_options = InputOptions {
        format: job.input_format,
        ..ui.input
    };
    let input_format = input_options.layout(job.input).format;
    let output_format = job.output_format.unwrap_or_else(|| {
        if stdout_out {
            match input_format {
                CorpusFormat::Tsv | CorpusFormat::Jsonl => input_format,
                _ => CorpusFormat::Csv,
            }
        } else {
            CorpusFormat::from_path(job.output)
        }
    });
    let default_id = job.keep.is_none();
    // `.arrows` and pipes take Arrow's stream format; files its file format.
    let arrow_stream = stdout_out
        || super::output::is_stream(job.output)
        || job
            .output
            .to_string_lossy()
            .to_ascii_lowercase()
            .ends_with(".arrows");
    let options = ScoreOptions {
        text: job.text,
        keep: job.keep.unwrap_or_default(),
        row_numbers: false,
        default_id,
        input_format,
        input_header: input_options.header,
        input_delimiter: input_options.delimiter,
        output_format,
        proba: job.proba,
        top_k: job.top_k,
        skip_bad: job.rejects.is_some(),
        limits: job.limits,
        arrow_stream,
        ..ScoreOptions::default()
    };
    let columnar = is_columnar(input_format) || is_columnar(output_format);
    let input = if is_columnar(input_format) {
        TableInput::Batches(BatchReader::open(
            job.input,
            input_format,
            options.chunk_rows,
        )?)
    } else {
        TableInput::Rows(Source::open(job.input)?)
    };
    let (total, in_name) = match &input {
        TableInput::Rows(source) => (source.len(), source.name()),
        TableInput::Batches(reader) => (None, reader.name().to_string()),
    };
    let bar = progress_bar(ui, total);
    let start = Instant::now();
    let on_progress = |s: &Summary| {
        bar.set_position(s.bytes);
        let rate = s.rows as f64 / start.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!("{} rows, {:.0} rows/s", s.rows, rate));
    };
    let rejects_to_stdout = job.rejects == Some(Path::new("-"));
    let mut rejects = match job.rejects {
        Some(path) if !rejects_to_stdout => Some(AtomicFile::create(path)?),
        _ => None,
    };
    let out_name = if stdout_out {
        "<stdout>".to_string()
    } else {
        job.output.display().to_string()
    };
    // Bad input names the input file and line; an I/O error (a full disk,
    // a closed pipe) keeps its kind so a broken pipe ends quietly.
    let fail = |e: embed_tl::Error| match e {
        embed_tl::Error::Io { path: None, err } => {
            anyhow::Error::new(err).context(format!("scoring {in_name} into {out_name}"))
        }
        embed_tl::Error::Malformed {
            path,
            location,
            message,
        } => {
            let hint = if job.skip_bad_flag {
                "to write bad rows to a reject file and go on, use --skip-bad FILE"
            } else {
                "fix the row, or score the file with `embed-tl predict --skip-bad FILE`"
            };
            let message = match message.strip_suffix(embed_tl::score::SKIP_BAD_HINT) {
                Some(reason) => format!("{reason} ({hint})"),
                None => message,
            };
            anyhow::Error::new(
                embed_tl::Error::Malformed {
                    path,
                    location,
                    message,
                }
                .with_path(Path::new(&in_name)),
            )
        }
        e => anyhow::Error::new(e.with_path(Path::new(&in_name))),
    };
    let mut file = if stdout_out {
        None
    } else {
        Some(AtomicFile::create(job.output)?)
    };
    // Standard output takes the labels or (`--skip-bad -`) the bad rows.
    let summary = match input {
        TableInput::Batches(_) | TableInput::Rows(_) if columnar => {
            if rejects_to_stdout && file.is_none() {
                anyhow::bail!(
                    "--output - and --skip-bad - both name stdout: give one of them a file name"
                );
            }
            // Parquet and Arrow writers want a `Send` output: plain stdout,
            // buffered, not the locked handle.
            let mut plain_stdout = std::io::BufWriter::new(std::io::stdout());
            let mut stdout = stdout();
            let (out, mut bad): (&mut (dyn Write + Send), Option<&mut dyn Write>) =
                match file.as_mut() {
                    None => (
                        &mut plain_stdout,
                        rejects.as_mut().map(|r| r as &mut dyn Write),
                    ),
                    Some(file) if rejects_to_stdout => (file, Some(&mut stdout)),
                    Some(file) => (file, rejects.as_mut().map(|r| r as &mut dyn Write)),
                };
            let summary = scorer
                .score_table(
                    input,
                    &mut *out,
                    bad.as_mut().map(|b| &mut **b as &mut dyn Write),
                    &options,
                    on_progress,
                )
                .map_err(fail)?;
            out.flush()?;
            if let Some(bad) = bad {
                bad.flush()?;
            }
            summary
        }
        TableInput::Batches(_) => unreachable!("a columnar input is scored as a table"),
        TableInput::Rows(input) => {
            let mut stdout = stdout();
            let (out, mut bad): (&mut dyn Write, Option<&mut dyn Write>) = match file.as_mut() {
                None => (&mut stdout, rejects.as_mut().map(|r| r as &mut dyn Write)),
                Some(file) if rejects_to_stdout => (file, Some(&mut stdout)),
                Some(file) => (file, rejects.as_mut().map(|r| r as &mut dyn Write)),
            };
            let summary = scorer
                .score(
                    input,
                    &mut *out,
                    bad.as_mut().map(|b| &mut **b as &mut dyn Write),
                    &options,
                    on_progress,
                )
                .map_err(fail)?;
            out.flush()?;
            if let Some(bad) = bad {
                bad.flush()?;
            }
            summary
        }
    };
    if let Some(file) = file {
        file.commit()?;
    }
    if let Some(rejects) = rejects {
        rejects.commit()?;
    }
    bar.finish_and_clear();
    let seconds = start.elapsed().as_secs_f64();
    let mut line = format!(
        "{in_name}: read {} rows, used {}, rejected {}; scored in {:.2} s ({:.0} rows/s)",
        summary.rows + summary.rejected,
        summary.rows,
        summary.rejected,
        seconds,
        summary.rows as f64 / seconds.max(1e-9)
    );
    match job.rejects {
        Some(path) => line.push_str(&format!(
            "; {} bad rows written to {}",
            summary.rejected,
            if rejects_to_stdout {
                "<stdout>".to_string()
            } else {
                path.display().to_string()
            }
        )),
        None => line.push_str("; no bad rows"),
    }
    ui.info(line);
    if let Some(w) = super::blank_warning(&in_name, summary.blank, summary.rows) {
        ui.warn(w);
    }
    Ok(())
}

/// Bytes read of the total on a terminal; hidden when piped or quiet.
fn progress_bar(ui: Ui, total: Option<u64>) -> indicatif::ProgressBar {
    if !(ui.chatty && ui.terminal) {
        return indicatif::ProgressBar::hidden();
    }
    let (bar, template) = match total {
        Some(len) => (
            indicatif::ProgressBar::new(len),
            "{bar:30} {bytes}/{total_bytes} {msg} ({elapsed})",
        ),
        None => (
            indicatif::ProgressBar::new_spinner(),
            "{spinner} {bytes} read, {msg} ({elapsed})",
        ),
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
