//! `embed-tl predict`: stream texts of any number through a saved model.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use embed_tl::corpus::stream::Limits;
use embed_tl::corpus::{column_names, Column, CorpusFormat};
use embed_tl::pipeline::Pipeline;
use embed_tl::score::{ScoreOptions, Scorer, Summary};
use embed_tl::vectors::{Format, Vectors};

use super::output::{stdout, AtomicFile};
use super::{open_vectors, Ui};

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
    /// Read the vectors as this format instead of sniffing.
    #[arg(long, value_name = "FORMAT")]
    vectors_format: Option<Format>,
    /// Texts to label (- for stdin).
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// Input layout: csv, tsv or jsonl [default: from the file name; csv for stdin].
    #[arg(long, value_name = "FORMAT", value_parser = parse_corpus_format)]
    input_format: Option<CorpusFormat>,
    /// The text column, by name or 0-based index.
    #[arg(long, default_value = "text")]
    text_column: Column,
    /// Columns copied to the output before the label (comma-separated names
    /// or 0-based indices) [default: `id` if the CSV/TSV input has one,
    /// else a `row` number].
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    keep: Option<Vec<Column>>,
    /// Where to write the labels (- for stdout). Written to a temporary
    /// file and renamed when complete.
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
    /// Output layout: csv, tsv or jsonl [default: from the file name; the
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
    /// Worker threads [default: all cores].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

fn parse_corpus_format(s: &str) -> std::result::Result<CorpusFormat, String> {
    match s.to_ascii_lowercase().as_str() {
        "csv" => Ok(CorpusFormat::Csv),
        "tsv" => Ok(CorpusFormat::Tsv),
        "jsonl" | "ndjson" => Ok(CorpusFormat::Jsonl),
        _ => Err(format!("'{s}': expected csv, tsv or jsonl")),
    }
}

pub fn run(args: PredictArgs, ui: Ui) -> Result<()> {
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("setting up the worker threads")?;
    }
    let file = File::open(&args.model).with_context(|| format!("{}", args.model.display()))?;
    let model = Pipeline::load(BufReader::new(file)).map_err(|e| e.with_path(&args.model))?;
    let vectors = match &args.vectors {
        Some(path) => Some(open_vectors(path, args.vectors_format, false, ui)?),
        None => None,
    };
    let job = Job {
        input: &args.input,
        input_format: args.input_format,
        text: args.text_column,
        keep: args.keep,
        output: &args.output,
        output_format: args.output_format,
        proba: args.proba,
        top_k: args.top_k,
        rejects: args.skip_bad.as_deref(),
        limits: ui.limits,
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
    let stdin = job.input == Path::new("-");
    let stdout_out = job.output == Path::new("-");
    let input_format = job.input_format.unwrap_or_else(|| {
        if stdin {
            CorpusFormat::Csv
        } else {
            CorpusFormat::from_path(job.input)
        }
    });
    let output_format = job.output_format.unwrap_or_else(|| {
        if stdout_out {
            input_format
        } else {
            CorpusFormat::from_path(job.output)
        }
    });
    let (keep, row_numbers) = match job.keep {
        Some(keep) => (keep, false),
        None => {
            let has_id = !stdin
                && input_format != CorpusFormat::Jsonl
                && column_names(job.input)?.iter().any(|c| c == "id");
            if has_id {
                (vec![Column::Name("id".into())], false)
            } else {
                (Vec::new(), true)
            }
        }
    };
    let options = ScoreOptions {
        text: job.text,
        keep,
        row_numbers,
        input_format,
        output_format,
        proba: job.proba,
        top_k: job.top_k,
        skip_bad: job.rejects.is_some(),
        limits: job.limits,
        ..ScoreOptions::default()
    };
    let (input, total): (Box<dyn Read + Send>, Option<u64>) = if stdin {
        (Box::new(io::stdin()), None)
    } else {
        let file = File::open(job.input).with_context(|| format!("{}", job.input.display()))?;
        let total = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        (Box::new(file), total)
    };
    let bar = progress_bar(ui, total);
    let start = Instant::now();
    let on_progress = |s: &Summary| {
        bar.set_position(s.bytes);
        let rate = s.rows as f64 / start.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!("{} rows, {:.0} rows/s", s.rows, rate));
    };
    let mut rejects = match job.rejects {
        Some(path) => Some(AtomicFile::create(path)?),
        None => None,
    };
    let in_name = if stdin {
        "<stdin>".to_string()
    } else {
        job.input.display().to_string()
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
        e => anyhow::Error::new(e.with_path(Path::new(&in_name))),
    };
    let mut file = if stdout_out {
        None
    } else {
        Some(AtomicFile::create(job.output)?)
    };
    let mut stdout = stdout();
    let out: &mut dyn Write = match file.as_mut() {
        Some(file) => file,
        None => &mut stdout,
    };
    let summary = scorer
        .score(
            input,
            &mut *out,
            rejects.as_mut().map(|r| r as &mut dyn Write),
            &options,
            on_progress,
        )
        .map_err(fail)?;
    out.flush()?;
    if let Some(file) = file {
        file.commit()?;
    }
    if let Some(rejects) = rejects {
        rejects.commit()?;
    }
    bar.finish_and_clear();
    let seconds = start.elapsed().as_secs_f64();
    let mut line = format!(
        "scored {} rows in {:.2} s ({:.0} rows/s)",
        summary.rows,
        seconds,
        summary.rows as f64 / seconds.max(1e-9)
    );
    match job.rejects {
        Some(path) => line.push_str(&format!(
            "; {} bad rows written to {}",
            summary.rejected,
            path.display()
        )),
        None => line.push_str("; no bad rows"),
    }
    ui.info(line);
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
