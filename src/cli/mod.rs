//! Command-line front end: flags are parsed here, work is done by the
//! library, messages go to stderr and results to stdout or `--output`.

use std::io::{self, IsTerminal};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use embed_tl::corpus::stream::{Limits, MultiLabel, ReadStats};
use embed_tl::corpus::{read_labelled_opts, Column, CorpusFormat, InputOptions, Labelled};
use embed_tl::features::FeaturizerParams;
use embed_tl::model::{ClassWeight, LogisticParams};
use embed_tl::pipeline::{FineTune, PipelineParams, SelectBy};
use embed_tl::pool::PoolParams;
use embed_tl::text::Tokenizer;
use embed_tl::vectors::{Encoding, Format, OpenOptions, Scale, Vectors};

mod classify;
mod compare;
mod embed;
mod evaluate;
mod intrinsic;
mod output;
mod predict;
mod report;
mod transfer;
mod vectors;

/// Transfer learning with frozen pretrained word vectors.
#[derive(Debug, Parser)]
#[command(
    name = "embed-tl",
    version,
    about,
    long_about = None,
    after_help = r"Examples (each command's --help has more):
  embed-tl classify --vectors embeddings/glove.6B.50d.top50k.fifu \
      --train corpora/reviews.csv --save reviews.etl
  embed-tl evaluate --model reviews.etl --vectors embeddings/glove.6B.50d.top50k.fifu \
      --input corpora/reviews.csv"
)]
pub struct Cli {
    /// No progress bars or warnings on stderr (errors are still printed;
    /// the JSON reports still list the warnings).
    #[arg(short, long, global = true)]
    quiet: bool,

    /// The longest corpus row (CSV/TSV record or JSONL line) accepted, in
    /// bytes, by every command that reads texts; a longer row is an error
    /// naming its line (or, with `predict --skip-bad`, a rejected row).
    #[arg(long, global = true, value_name = "BYTES",
          default_value_t = Limits::default().max_row_bytes,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1 << 32))]
    max_row_bytes: usize,

    /// The layout of every text input: csv, tsv, jsonl, lines (one text
    /// a line, no header, no labels) or fasttext (`__label__x text`)
    /// [default: from each file name, after any .gz/.bz2/.zst: .csv;
    /// .tsv/.tab; .jsonl/.ndjson; .txt is lines; .ft/.fasttext; csv for
    /// stdin and other names; but a .txt or other name whose first line
    /// starts with __label__ is fasttext].
    #[arg(long, global = true, value_name = "FORMAT")]
    input_format: Option<CorpusFormat>,

    /// CSV/TSV text inputs have no header row: every line is data, and
    /// columns are chosen by 0-based index (--text-column 0).
    #[arg(long, global = true)]
    no_header: bool,

    /// The character between the fields of CSV text inputs, e.g. ';' (as
    /// spreadsheets write CSV where the decimal mark is a comma). CSV
    /// outputs always use ','.
    #[arg(long, global = true, value_name = "CHAR", default_value = ",",
          value_parser = parse_csv_delimiter)]
    csv_delimiter: u8,

    /// fastText lines with several __label__s: keep the first (counted
    /// and reported) or reject the line.
    #[arg(long, global = true, value_name = "WHAT", default_value = "first",
          value_parser = ["first", "reject"])]
    multi_label: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Inspect, convert, prune and query pretrained vector files.
    #[command(
        subcommand,
        after_help = r"Examples (each subcommand's --help has more):
  embed-tl vectors info embeddings/glove.6B.50d.top50k.fifu
  embed-tl vectors similar embeddings/glove.6B.50d.top50k.fifu king"
    )]
    Vectors(vectors::VectorsCommand),
    /// Train, cross-validate, save and apply a text classifier.
    Classify(classify::ClassifyArgs),
    /// Turn texts into document vectors (one feature row per text).
    Embed(embed::EmbedArgs),
    /// Label texts with a saved model.
    Predict(predict::PredictArgs),
    /// Score a saved model on labelled texts (accuracy, F1, confusion).
    Evaluate(evaluate::EvaluateArgs),
    /// Do these vectors help on my task, and how many labels do I need?
    TransferReport(transfer::TransferArgs),
    /// Which vectors for my task? Several vector files side by side on the
    /// same labelled texts and folds.
    Compare(compare::CompareArgs),
}

/// `--format`: how a command prints its report on stdout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    // (No doc comments on the variants: clap would list them one per line
    // in `--help`; `[possible values: text, json]` says enough.)
    #[default]
    Text,
    Json,
}

/// What every subcommand gets besides its own flags.
#[derive(Clone, Copy, Debug)]
pub struct Ui {
    /// Show progress and warnings on stderr.
    pub chatty: bool,
    /// stderr is a terminal (progress bars are drawn only there).
    pub terminal: bool,
    /// Size limits for every corpus row read (`--max-row-bytes`).
    pub limits: Limits,
    /// How text inputs are read (`--input-format`, `--no-header`,
    /// `--multi-label`, the limits).
    pub input: InputOptions,
}

/// Every warning of this run, in the order given. `--quiet` keeps them off
/// stderr, not out of the JSON reports, which carry them as `warnings`.
static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The warnings given so far in this run (see [`Ui::warn`]).
pub(crate) fn warnings() -> Vec<String> {
    WARNINGS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// The run's warnings as a Markdown list under their own heading, for the
/// reports `compare` and `transfer-report` write (nothing when none).
pub(crate) fn write_warnings(s: &mut String, warnings: &[String]) {
    use std::fmt::Write as _;
    if warnings.is_empty() {
        return;
    }
    let _ = writeln!(s, "**Warnings**:\n");
    for w in warnings {
        let _ = writeln!(s, "- {w}");
    }
    let _ = writeln!(s);
}

impl Ui {
    /// Print a warning to stderr unless quiet, and keep it for the JSON
    /// report ([`warnings`]) either way.
    pub fn warn(&self, message: impl std::fmt::Display) {
        let message = message.to_string();
        if self.chatty {
            eprintln!("warning: {message}");
        }
        WARNINGS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(message);
    }

    /// Print a progress note to stderr unless quiet.
    pub fn info(&self, message: impl std::fmt::Display) {
        if self.chatty {
            eprintln!("{message}");
        }
    }

    /// A spinner on a terminal, hidden otherwise.
    pub fn spinner(&self, message: String) -> indicatif::ProgressBar {
        if self.chatty && self.terminal {
            let bar = indicatif::ProgressBar::new_spinner().with_message(message);
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        } else {
            indicatif::ProgressBar::hidden()
        }
    }
}

/// `--vectors-encoding`, flattened into every command that opens vectors.
#[derive(Clone, Copy, Debug, Args)]
pub struct VectorsEncoding {
    /// The text encoding of the words in the vector file: utf-8, or the
    /// code page of an old fastText .bin, word2vec or GloVe file: cp852
    /// (DOS Latin 2), cp1252 (Windows Western), latin-1 (iso-8859-1).
    /// finalfusion files are always UTF-8.
    #[arg(long = "vectors-encoding", value_name = "ENC", default_value_t)]
    pub vectors_encoding: Encoding,
}

/// How a subcommand reads its `--vectors` file (`--vectors-format`,
/// `--vectors-encoding`), flattened into every command that opens vectors
/// beside its own `--vectors` argument.
#[derive(Clone, Copy, Debug, Args)]
pub struct VectorsRead {
    /// Read the vectors as this format instead of sniffing.
    #[arg(long, value_name = "FORMAT")]
    pub vectors_format: Option<Format>,
    #[command(flatten)]
    pub encoding: VectorsEncoding,
}

impl VectorsRead {
    /// Open `path` as these options say (see [`open_vectors`]).
    pub fn open(&self, path: &Path, ui: Ui) -> embed_tl::Result<Vectors> {
        open_vectors(path, self.vectors_format, false, self.encoding, ui)
    }
}

/// A saved model and, when given, the vectors to score with (for
/// `predict` and `evaluate`).
pub fn load_model(
    model: &Path,
    vectors: Option<&Path>,
    read: VectorsRead,
    ui: Ui,
) -> anyhow::Result<(embed_tl::pipeline::Pipeline, Option<Vectors>)> {
    use anyhow::Context;
    let file = std::fs::File::open(model).with_context(|| format!("{}", model.display()))?;
    let pipeline = embed_tl::pipeline::Pipeline::load(io::BufReader::new(file))
        .map_err(|e| e.with_path(model))?;
    let vectors = vectors.map(|path| read.open(path, ui)).transpose()?;
    Ok((pipeline, vectors))
}

/// Open a vector file for a subcommand: a spinner while reading, and one
/// warning each for dropped duplicates and replaced invalid bytes.
pub fn open_vectors(
    path: &Path,
    format: Option<Format>,
    lossy: bool,
    encoding: VectorsEncoding,
    ui: Ui,
) -> embed_tl::Result<Vectors> {
    let spinner = ui.spinner(format!("reading {}", path.display()));
    let encoding = encoding.vectors_encoding;
    let options = OpenOptions {
        format,
        lossy,
        encoding,
    };
    let vectors = Vectors::open_with(path, &options)?;
    spinner.finish_and_clear();
    let report = vectors.report();
    if let Some((word, at)) = &report.first_duplicate {
        let place = if vectors.format() == Format::Word2VecBinary {
            format!("byte {at}")
        } else {
            format!("line {at}")
        };
        ui.warn(format!(
            "{}: {} duplicate word{} dropped, the first occurrence kept (first: '{word}' at {place})",
            path.display(),
            report.duplicates,
            if report.duplicates == 1 { "" } else { "s" },
        ));
    }
    if report.lossy_words > 0 {
        let what = match encoding {
            Encoding::Utf8 => "invalid UTF-8".to_string(),
            other => format!("bytes undefined in {other}"),
        };
        ui.warn(format!(
            "{}: {what} replaced in {} words",
            path.display(),
            report.lossy_words
        ));
    }
    Ok(vectors)
}

/// The two columns of a labelled file, shared by `classify`, `compare` and
/// `transfer-report`.
#[derive(Args, Clone, Debug)]
pub struct LabelColumns {
    /// The text column, by name or 0-based index.
    #[arg(long, default_value = "text")]
    pub text_column: Column,
    /// The label column, by name or 0-based index.
    #[arg(long, default_value = "label")]
    pub label_column: Column,
}

impl LabelColumns {
    /// [`read_training_set`] with these columns.
    pub fn read_train(&self, path: &Path, ui: Ui) -> anyhow::Result<Labelled> {
        read_training_set(path, &self.text_column, &self.label_column, ui)
    }

    /// Read a labelled test file with these columns, its labels among
    /// `classes` when given, and say what was read.
    pub fn read_test(
        &self,
        path: &Path,
        classes: Option<&[String]>,
        ui: Ui,
    ) -> anyhow::Result<Labelled> {
        let test = read_labelled_opts(
            path,
            &self.text_column,
            &self.label_column,
            classes,
            &ui.input,
        )?;
        say_read(
            path,
            &[&self.text_column, &self.label_column],
            &test.stats,
            ui,
        );
        Ok(test)
    }
}

/// How the vector channel pools word vectors, shared by `classify`,
/// `compare`, `embed` and `transfer-report`.
#[derive(Args, Clone, Debug)]
pub struct PoolArgs {
    /// Pooling of the vector channel: mean, max, min, pmeans[:POWERS],
    /// idf, sif[:A].
    #[arg(long, default_value = "pmeans", value_name = "STRATEGY")]
    pub pool: PoolParams,
    /// Pool unit-length word vectors instead of the file's originals.
    #[arg(long)]
    pub unit: bool,
    /// A Hugging Face tokenizer.json to split texts for the vector channel
    /// instead of the built-in tokenizer (for vectors trained on its
    /// tokens); saved in the model. The n-gram channel keeps its own.
    #[arg(long, value_name = "FILE")]
    pub tokenizer: Option<std::path::PathBuf>,
}

impl PoolArgs {
    /// The featurizer settings these flags ask for.
    pub fn featurizer(&self) -> anyhow::Result<FeaturizerParams> {
        let params = FeaturizerParams::default()
            .pool(self.pool.clone())
            .scale(self.scale());
        Ok(match self.external_tokenizer()? {
            Some(tokenizer) => params.tokenizer(tokenizer),
            None => params,
        })
    }

    /// The tokenizer of the vector channel: `--tokenizer`'s, else the one
    /// matched to `vectors`.
    pub fn tokenizer(&self, vectors: &embed_tl::Vectors) -> anyhow::Result<Tokenizer> {
        Ok(self
            .external_tokenizer()?
            .unwrap_or_else(|| Tokenizer::for_vectors(vectors)))
    }

    fn external_tokenizer(&self) -> anyhow::Result<Option<Tokenizer>> {
        external_tokenizer(self.tokenizer.as_deref())
    }

    /// The scale of the word vectors pooled.
    pub fn scale(&self) -> Scale {
        if self.unit {
            Scale::Unit
        } else {
            Scale::Original
        }
    }

    /// "unit" or "original", as reports name the scale.
    pub fn scale_name(&self) -> &'static str {
        if self.unit {
            "unit"
        } else {
            "original"
        }
    }
}

/// The tokenizer of a `--tokenizer FILE` flag, if given.
pub fn external_tokenizer(path: Option<&std::path::Path>) -> anyhow::Result<Option<Tokenizer>> {
    let Some(path) = path else { return Ok(None) };
    let external = embed_tl::text::HfTokenizer::open(path).context("--tokenizer")?;
    Ok(Some(Tokenizer {
        external: Some(external),
        ..Tokenizer::default()
    }))
}

/// The search over hyperparameters inside every fit, shared by
/// `classify`, `compare` and `transfer-report`. Serialised (the enums by
/// their flag values), it is the search part of the `settings` that the
/// JSON reports of `compare` and `transfer-report` record.
#[derive(Args, Clone, Debug, serde::Serialize)]
pub struct SearchArgs {
    /// Folds of the inner CV that picks the L2 strength (and channel
    /// weight). From 10,000 texts per fold only the first is validated.
    #[arg(long, default_value_t = 3)]
    pub inner_folds: usize,
    /// Candidate L2 strengths C (comma-separated), each above 0 and at
    /// most 1e6.
    #[arg(long, value_delimiter = ',', default_value = "0.01,0.1,1,10,100",
          value_parser = parse_c)]
    pub c: Vec<f64>,
    /// Candidate weights of the vector channel of the hybrid (--features
    /// both), each above 0 and at most 1000. The inner CV's best point (by
    /// held-out log-loss below 2,000 validated texts with the vectors in,
    /// else by accuracy) is kept unless a larger weight does as well within
    /// the noise (half a paired standard error of accuracy; with log-loss
    /// ranking, also a log-loss not clearly worse), which then wins.
    #[arg(long, value_delimiter = ',', default_value = "0.03,0.1,0.3,1",
          value_parser = parse_beta)]
    pub beta: Vec<f32>,
    /// Newton-step limit per fit (logistic regression; the iteration limit of linfa's classifiers).
    #[arg(long, default_value_t = 300)]
    pub max_iter: u64,
    /// How much each training text counts in the logistic regression's
    /// loss and in the tuned layer's training (--finetune): none (each
    /// text once) or balanced (a text of class k counts n / (classes x
    /// n_k), so every class weighs the same: for uneven classes, when a
    /// rare class matters as much as a common one; judge it by the
    /// macro-F1).
    #[arg(long, default_value = "none", value_name = "none|balanced")]
    #[serde(serialize_with = "as_flag")]
    pub class_weight: ClassWeight,
    /// What ranks the inner CV's points (C, weight): auto (the held-out
    /// log-loss below 2,000 validated texts with the vectors in, else the
    /// accuracy), accuracy, log-loss, or macro-f1 (the mean F1 of the
    /// classes, each counting the same: with --class-weight balanced when
    /// rare classes matter).
    #[arg(
        long,
        default_value = "auto",
        value_name = "auto|accuracy|log-loss|macro-f1"
    )]
    #[serde(serialize_with = "as_flag")]
    pub select_by: SelectBy,
    /// Blend in a tuned layer: the word vectors of the training texts
    /// fine-tuned under a softmax (fastText's recipe; unseen words keep
    /// their pretrained vectors), its weight in the probabilities (0 to 1)
    /// chosen by the inner CV's held-out log-loss. auto (the default): on
    /// fewer than 2,000 training texts holding fewer than 50,000 tokens,
    /// with the vectors in; on (what --finetune alone means): always; off:
    /// never. compare and transfer-report give it to the hybrid only (the
    /// vectors-alone model stays frozen). A model with a layer is file
    /// format version 4 (docs/benchmarks.md: small sets gain, large sets
    /// pay).
    #[arg(
        long,
        default_value = "auto",
        num_args = 0..=1,
        default_missing_value = "on",
        value_name = "auto|on|off"
    )]
    #[serde(serialize_with = "as_flag")]
    pub finetune: FineTune,
}

/// `value` as the flag value it prints as (`none`, `balanced`, `auto`, ...).
fn as_flag<T: std::fmt::Display, S: serde::Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

impl SearchArgs {
    /// `params` with these folds, grids and iteration limit.
    pub fn apply(&self, params: PipelineParams) -> PipelineParams {
        params
            .inner_folds(self.inner_folds)
            .cs(self.c.clone())
            .betas(self.beta.clone())
            .select_by(self.select_by)
            .finetune(self.finetune)
            .logistic(
                LogisticParams::default()
                    .max_iterations(self.max_iter)
                    .class_weight(self.class_weight),
            )
    }
}

/// Read a labelled training file (`-` for stdin, any layout, with the
/// `--max-row-bytes` limit), say what was read, and check that it has at
/// least two classes.
pub fn read_training_set(
    path: &Path,
    text: &Column,
    label: &Column,
    ui: Ui,
) -> anyhow::Result<Labelled> {
    let train = read_labelled_opts(path, text, label, None, &ui.input)?;
    say_read(path, &[text, label], &train.stats, ui);
    if train.classes.len() < 2 {
        anyhow::bail!(
            "{}: every text has the label '{}': a classifier needs at least 2 classes",
            embed_tl::corpus::source::display_name(path),
            train.classes[0]
        );
    }
    Ok(train)
}

/// Say on stderr how a text input was read: `read N rows, used N,
/// rejected N`, the layout when the file name did not say it, and what
/// else the reader noticed (multi-line rows, several labels, blank lines).
pub fn say_read(path: &Path, columns: &[&Column], stats: &ReadStats, ui: Ui) {
    let name = embed_tl::corpus::source::display_name(path);
    let layout = ui.input.layout(path);
    let guessed = ui.input.format.is_none() && !embed_tl::corpus::source::is_stdin(path);
    let named = CorpusFormat::from_name(path);
    let how = if guessed && layout.format == CorpusFormat::FastText && named != Some(layout.format)
    {
        " (as fasttext: its first line starts with __label__; --input-format to choose)".into()
    } else if guessed && named.is_none() {
        format!(
            " (as {}: the file name says no layout; --input-format to choose)",
            layout.format
        )
    } else {
        String::new()
    };
    ui.info(format!("{name}: {stats}{how}"));
    for note in stats.notes() {
        ui.warn(format!("{name}: {note}"));
    }
    let by_index = columns.iter().all(|c| matches!(c, Column::Index(_)));
    if by_index && ui.input.header && matches!(layout.format, CorpusFormat::Csv | CorpusFormat::Tsv)
    {
        ui.warn(format!(
            "{name}: columns chosen by index, so the first line was taken as a header and not read as data; pass --no-header if the file has none"
        ));
    }
}

/// The most worker threads `--threads` accepts. Beyond a few times the
/// cores, threads only cost memory and start-up time (5,000 took 10 s to
/// create on a 4-row input, 10^9 aborted the process); 256 covers the
/// largest machines.
pub const MAX_THREADS: usize = 256;

/// `--threads N`: 1 to [`MAX_THREADS`].
pub fn parse_threads(s: &str) -> std::result::Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!("expected a number from 1 to {MAX_THREADS}")),
    }
}

/// One `--c` candidate: above 0 and at most [`embed_tl::model::MAX_C`].
pub fn parse_c(s: &str) -> std::result::Result<f64, String> {
    let max = embed_tl::model::MAX_C;
    match s.trim().parse::<f64>() {
        Ok(c) if c > 0.0 && c <= max => Ok(c),
        _ => Err(format!("expected a number above 0 and at most {max:e}")),
    }
}

/// One `--beta` candidate: above 0 and at most
/// [`embed_tl::pipeline::MAX_BETA`].
pub fn parse_beta(s: &str) -> std::result::Result<f32, String> {
    let max = embed_tl::pipeline::MAX_BETA;
    match s.trim().parse::<f32>() {
        Ok(b) if b > 0.0 && b <= max => Ok(b),
        _ => Err(format!("expected a number above 0 and at most {max:e}")),
    }
}

/// Parse flags, run, and turn the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    output::clean_up_on_interrupt();
    let ui = Ui {
        chatty: !cli.quiet,
        terminal: io::stderr().is_terminal(),
        limits: Limits {
            max_row_bytes: cli.max_row_bytes,
            ..Limits::default()
        },
        input: InputOptions {
            format: cli.input_format,
            header: !cli.no_header,
            delimiter: cli.csv_delimiter,
            multi_label: if cli.multi_label == "reject" {
                MultiLabel::Reject
            } else {
                MultiLabel::First
            },
            skip_bad: false,
            limits: Limits {
                max_row_bytes: cli.max_row_bytes,
                ..Limits::default()
            },
        },
    };
    let column_hint = missing_column_hint(&cli.command);
    let delimiter = cli.csv_delimiter;
    let result = match cli.command {
        Command::Vectors(cmd) => vectors::run(cmd, ui),
        Command::Classify(args) => classify::run(args, ui),
        Command::Embed(args) => embed::run(args, ui),
        Command::Predict(args) => predict::run(args, ui),
        Command::Evaluate(args) => evaluate::run(args, ui),
        Command::TransferReport(args) => transfer::run(args, ui),
        Command::Compare(args) => compare::run(args, ui),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            let found = err.chain().find_map(|cause| match cause.downcast_ref() {
                Some(embed_tl::Error::MissingColumn { found, .. }) => Some(found),
                _ => None,
            });
            if let Some(found) = found {
                match other_delimiter(found, delimiter) {
                    Some(d) => eprintln!("hint: the header looks separated by '{d}', not '{}': add --csv-delimiter '{d}'", delimiter as char),
                    None => eprintln!("hint: {column_hint}"),
                }
            }
            ExitCode::FAILURE
        }
    }
}

/// The separator a CSV header read as one column seems to use instead of
/// `delimiter`: `;` or `|` inside its only column name.
fn other_delimiter(found: &[String], delimiter: u8) -> Option<char> {
    let [only] = found else { return None };
    [';', '|']
        .into_iter()
        .find(|&d| d as u8 != delimiter && only.contains(d))
}

/// `--csv-delimiter`: one ASCII character that can separate CSV fields.
fn parse_csv_delimiter(s: &str) -> Result<u8, String> {
    let s = if s == "\\t" { "\t" } else { s };
    match s.as_bytes() {
        [b'"' | b'\n' | b'\r'] => Err(format!(
            "{s:?} cannot separate CSV fields (quotes and line ends have their own meaning)"
        )),
        [b] if b.is_ascii() => Ok(*b),
        _ => Err(format!(
            "expected one ASCII character such as ';' or '|', got {s:?}"
        )),
    }
}

/// What to tell a user whose input has no column the command asked for:
/// the options of this command that choose columns.
fn missing_column_hint(command: &Command) -> &'static str {
    match command {
        Command::Predict(_) => "choose the text column with --text-column and the columns copied to the output with --keep, by name or 0-based index; a file without a header row needs --no-header and indexes",
        Command::Embed(_) | Command::Vectors(_) => "choose the text column with --text-column, by name or 0-based index; a file without a header row needs --no-header and indexes",
        _ => "choose the columns with --text-column and --label-column, by name or 0-based index; a file without a header row needs --no-header and indexes",
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let io = cause.downcast_ref::<io::Error>().or_else(|| {
            match cause.downcast_ref::<embed_tl::Error>() {
                Some(embed_tl::Error::Io { err, .. }) => Some(err),
                _ => None,
            }
        });
        io.is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The warning for scored texts with nothing the model knows (None when
/// there are none): they all got the answer for an empty text, so a file
/// the model cannot read (another language, vectors that miss its domain)
/// does not pass as scored. `file` is the input as the user named it.
pub(crate) fn blank_warning(file: &str, blank: u64, texts: u64) -> Option<String> {
    (blank > 0).then(|| {
        format!(
            "{file}: {blank} of {texts} texts had nothing the model knows (no word with a vector, no n-gram of its training texts): each got the answer the model gives an empty text"
        )
    })
}

/// The warning for classes with fewer texts than the `folds` of a
/// cross-validation estimate (None when there are none): what the
/// estimate does with them ([`embed_tl::eval::stratified_folds`]).
pub(crate) fn small_classes_warning(
    train: &Path,
    classes: &[String],
    counts: &[usize],
    folds: usize,
) -> Option<String> {
    let rare: Vec<(&String, usize)> = classes
        .iter()
        .zip(counts.iter().copied())
        .filter(|&(_, n)| n > 0 && n < folds)
        .collect();
    let singles = rare.iter().any(|&(_, n)| n == 1);
    let message = match rare[..] {
        [] => return None,
        [(class, n)] => format!(
            "class '{class}' has {n} text{}, fewer than the {folds} folds: it is tested in {n} fold{} only{}",
            if n == 1 { "" } else { "s" },
            if n == 1 { "" } else { "s" },
            if singles {
                ", where no training text of it is left, so it counts as wrong"
            } else {
                ""
            }
        ),
        _ => {
            let names: Vec<String> = rare.iter().map(|(c, n)| format!("'{c}' ({n})")).collect();
            format!(
                "classes {} have fewer texts than the {folds} folds: each is tested in as many folds as it has texts{}",
                names.join(", "),
                if singles {
                    "; a class of 1 text counts as wrong there (no training text of it left)"
                } else {
                    ""
                }
            )
        }
    };
    Some(format!("{}: {message}", train.display()))
}

/// The warning for a fit whose inner cross-validation had to adapt to
/// small classes (None when it ran as asked): what it did instead
/// ([`embed_tl::pipeline::SmallClasses`]).
pub(crate) fn inner_selection_warning(
    train: &Path,
    classes: &[String],
    selection: &embed_tl::pipeline::Selection,
) -> Option<String> {
    let small = selection.small_classes.as_ref()?;
    if small.fell_back() {
        return Some(format!(
            "{}: too few texts per class to choose C and beta by inner cross-validation (at least 2 classes need 2 texts): C = {}, beta = {} (the middle of each grid)",
            train.display(),
            selection.c,
            selection.beta
        ));
    }
    let names: Vec<String> = small
        .unvalidated
        .iter()
        .map(|&(c, n)| format!("'{}' ({n})", classes.get(c).map_or("?", String::as_str)))
        .collect();
    let lowered = if small.folds < small.requested {
        format!(
            "{} inner folds instead of {} (the smallest class of 2 or more texts has {})",
            small.folds, small.requested, small.folds
        )
    } else {
        String::new()
    };
    let kept = if names.is_empty() {
        String::new()
    } else {
        format!(
            "class{} {} kept in the training part of every inner fold, never validated",
            if names.len() == 1 { "" } else { "es" },
            names.join(", ")
        )
    };
    let sep = if lowered.is_empty() || kept.is_empty() {
        ""
    } else {
        "; "
    };
    Some(format!(
        "{}: choosing C and beta: {lowered}{sep}{kept}",
        train.display()
    ))
}

/// The warning for the folds of a cross-validation whose inner selection
/// adapted to small classes (None when none did).
pub(crate) fn cv_inner_warning(train: &Path, cv: &embed_tl::eval::CvReport) -> Option<String> {
    if cv.inner_adapted + cv.inner_fell_back + cv.single_class_folds == 0 {
        return None;
    }
    let k = cv.folds;
    let mut parts = Vec::new();
    if cv.inner_adapted > 0 {
        parts.push(format!(
            "in {} of the {k} folds, classes with fewer training texts than the inner folds were kept out of validation when choosing C and beta",
            cv.inner_adapted
        ));
    }
    if cv.inner_fell_back > 0 {
        parts.push(format!(
            "in {} of the {k} folds, too few texts were left to choose C and beta by inner cross-validation, so the middle of each grid was used",
            cv.inner_fell_back
        ));
    }
    if cv.single_class_folds > 0 {
        parts.push(format!(
            "{} of the {k} folds had a single class to train on and predicted it for every text",
            cv.single_class_folds
        ));
    }
    Some(format!("{}: {}", train.display(), parts.join("; ")))
}

/// The warning for a model no better than labelling every text with the
/// largest class of `counts` (None otherwise): its accuracy on the scored
/// texts (`metrics`) is at most the share of them in that class. `classify`
/// gives the training set's counts (the class a model that learned only
/// the prior answers); `evaluate`, which does not know them, the scored
/// file's. Of classes tied for largest, the one most of the scored texts
/// are in sets the bar.
///
/// With uneven classes and few texts, the regularisation the inner
/// cross-validation chooses can leave little but the class prior: 20 SMS
/// messages of which 2 are spam give a model that says "ham" to every
/// message, 88% accurate and useless for finding spam
/// (`docs/benchmarks.md`, issue 14, sixteenth slice). An accuracy alone
/// hides that; this says it. `scored` names what was scored ("the
/// cross-validated", "the test"), `file` the file it came from;
/// `can_balance` allows the hint of `--class-weight balanced` (not for a
/// run that has it, or for a linfa classifier, which cannot).
pub(crate) fn majority_warning(
    file: &Path,
    scored: &str,
    classes: &[String],
    counts: &[usize],
    metrics: &embed_tl::eval::Metrics,
    can_balance: bool,
) -> Option<String> {
    let total: u64 = metrics.per_class.iter().map(|c| c.support).sum();
    let right: u64 = (0..metrics.confusion.len())
        .map(|k| metrics.confusion[k][k])
        .sum();
    let largest = largest_classes(counts).into_iter().max_by_key(|&k| {
        let support = metrics.per_class.get(k).map_or(0, |c| c.support);
        (support, std::cmp::Reverse(k))
    })?;
    let in_largest = metrics.per_class.get(largest)?.support;
    if classes.len() < 2 || total == 0 || right > in_largest {
        return None;
    }
    let accuracy = 100.0 * right as f64 / total as f64;
    Some(no_better_than_largest(
        file,
        &format!("{scored} accuracy, {accuracy:.1}%, is"),
        &Baseline {
            class: classes.get(largest)?,
            share: in_largest as f64 / total as f64,
            texts: total,
            per_fold: false,
        },
        "the model has",
        balance_hint(counts, can_balance),
    ))
}

/// Labelling every scored text with the training set's largest class: the
/// accuracy a model that learned only the class prior gets.
pub(crate) struct Baseline<'a> {
    /// The class.
    class: &'a str,
    /// Its accuracy (a fraction).
    share: f64,
    /// The texts scored.
    texts: u64,
    /// `share` is a mean over cross-validation folds.
    per_fold: bool,
}

impl<'a> Baseline<'a> {
    /// For a cross-validation of `train` with `folds` folds, once per fold
    /// seed in `seeds` (the folds of [`embed_tl::eval::cross_validate`]):
    /// the mean over the folds of the class's share of each held-out part,
    /// comparable with a model's mean fold accuracy (folds of unequal size
    /// make it differ from the class's share of the whole set).
    pub(crate) fn cross_validated(
        train: &'a Labelled,
        folds: usize,
        seeds: &[u64],
    ) -> Option<Baseline<'a>> {
        let mut shares = vec![Vec::new(); train.classes.len()];
        for &seed in seeds {
            for fold in embed_tl::eval::stratified_folds(&train.labels, folds, seed).ok()? {
                let mut in_fold = vec![0usize; train.classes.len()];
                fold.iter().for_each(|&i| in_fold[train.labels[i]] += 1);
                for (k, n) in in_fold.iter().enumerate() {
                    shares[k].push(*n as f64 / fold.len().max(1) as f64);
                }
            }
        }
        let mean = |k: usize| shares[k].iter().sum::<f64>() / shares[k].len().max(1) as f64;
        let mut baseline = Self::best_of(train, mean, train.labels.len() as u64)?;
        baseline.per_fold = true;
        Some(baseline)
    }

    /// Its accuracy (a fraction).
    pub(crate) fn share(&self) -> f64 {
        self.share
    }

    /// Whether a model of this `accuracy` (a fraction) does better than
    /// the class; a margin for the rounding of means of fold accuracies.
    pub(crate) fn beaten_by(&self, accuracy: f64) -> bool {
        accuracy > self.share + 1e-9
    }

    /// The class.
    pub(crate) fn class(&self) -> &str {
        self.class
    }

    /// For a test file read against `train`'s classes.
    pub(crate) fn test(train: &'a Labelled, test: &Labelled) -> Option<Baseline<'a>> {
        let counts = test.class_counts();
        let total = counts.iter().sum::<usize>();
        Self::best_of(
            train,
            |k| {
                counts
                    .get(k)
                    .map_or(0.0, |&n| n as f64 / total.max(1) as f64)
            },
            total as u64,
        )
    }

    /// Of the classes tied for largest in `train`, the one of the highest
    /// `share`.
    fn best_of(train: &'a Labelled, share: impl Fn(usize) -> f64, texts: u64) -> Option<Self> {
        let k = largest_classes(&train.class_counts())
            .into_iter()
            .max_by(|&a, &b| share(a).total_cmp(&share(b)).then(b.cmp(&a)))?;
        (train.classes.len() >= 2 && texts > 0).then(|| Baseline {
            class: &train.classes[k],
            share: share(k),
            texts,
            per_fold: false,
        })
    }
}

/// [`majority_warning`] for the models of `compare` and `transfer-report`,
/// which keep each model's accuracy (`models`: a name and that accuracy, a
/// fraction; the mean over folds for a cross-validation) rather than its
/// predictions, against `baseline`. `scored` says which accuracy
/// ("cross-validated", "test"); `train` and `search` give the hint of
/// `--class-weight balanced`. None when every model is above the baseline.
pub(crate) fn models_majority_warning(
    file: &Path,
    scored: &str,
    baseline: &Baseline<'_>,
    models: &[(String, f64)],
    train: &Labelled,
    search: &SearchArgs,
) -> Option<String> {
    let below: Vec<String> = models
        .iter()
        .filter(|(_, accuracy)| !baseline.beaten_by(*accuracy))
        .map(|(name, accuracy)| format!("{name} ({:.1}%)", 100.0 * accuracy))
        .collect();
    let (accuracy, are, who) = match below.len() {
        0 => return None,
        1 => ("accuracy", "is", "the model has"),
        _ => ("accuracies", "are", "these models have"),
    };
    Some(no_better_than_largest(
        file,
        &format!("the {scored} {accuracy} of {} {are}", below.join(", ")),
        baseline,
        who,
        balance_hint(
            &train.class_counts(),
            search.class_weight == ClassWeight::Uniform,
        ),
    ))
}

/// For models cross-validated on `train` with `folds.0` folds, once per
/// fold seed in `folds.1`: the baseline ([`Baseline::cross_validated`])
/// and, when some of `models` are no better, the warning
/// ([`models_majority_warning`]).
pub(crate) fn cv_majority_warning<'a>(
    file: &Path,
    train: &'a Labelled,
    folds: (usize, &[u64]),
    models: &[(String, f64)],
    search: &SearchArgs,
) -> (Option<Baseline<'a>>, Option<String>) {
    let baseline = Baseline::cross_validated(train, folds.0, folds.1);
    let warning = baseline
        .as_ref()
        .and_then(|b| models_majority_warning(file, "cross-validated", b, models, train, search));
    (baseline, warning)
}

/// The classes with the most texts (several at a tie).
fn largest_classes(counts: &[usize]) -> Vec<usize> {
    let most = counts.iter().copied().max().unwrap_or(0);
    (0..counts.len()).filter(|&k| counts[k] == most).collect()
}

/// The `--class-weight balanced` hint, where the run can use it and the
/// classes are uneven: the largest at least 1.5 times the smallest (152
/// texts against 148 are not a reason to reweight).
fn balance_hint(counts: &[usize], can_balance: bool) -> &'static str {
    let (least, most) = (
        counts.iter().copied().min().unwrap_or(0),
        counts.iter().copied().max().unwrap_or(0),
    );
    if can_balance && 2 * most >= 3 * least {
        "; if the smaller classes matter, --class-weight balanced makes each class weigh the same in training (a higher macro-F1, usually for some accuracy)"
    } else {
        ""
    }
}

/// The words of the majority warnings.
fn no_better_than_largest(
    file: &Path,
    subject: &str,
    baseline: &Baseline<'_>,
    who: &str,
    hint: &str,
) -> String {
    let share = 100.0 * baseline.share;
    let of = if baseline.per_fold {
        format!(
            "{share:.1}% of each fold's held-out texts on average, {} texts in all",
            baseline.texts
        )
    } else {
        format!("{share:.1}% of the {} texts", baseline.texts)
    };
    format!(
        "{}: {subject} no better than labelling every text '{}' ({of}): {who} learned little beyond which class is largest{hint}",
        file.display(),
        baseline.class,
    )
}
