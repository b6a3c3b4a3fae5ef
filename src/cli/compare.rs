//! `embed-tl compare`: which vectors for my task? Several vector files
//! side by side on the same labelled texts: coverage, load time and
//! memory, and the cross-validated accuracy of the vector channel and of
//! the default hybrid on the same repeated folds, each file tested against
//! the best ([`embed_tl::eval::CompareParams`]).

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use embed_tl::corpus::Labelled;
use embed_tl::eval::{
    model_name, thousands, ChannelComparison, CompareParams, Metrics, PairedTest, Standing,
    VectorsComparison, VerdictRule,
};
use embed_tl::features::Coverage;
use embed_tl::pipeline::{FeatureSet, PipelineParams};
use embed_tl::vectors::{Encoding, Format, Vectors};
use rayon::prelude::*;

use super::output::{atomic_write, check_outputs, stdout};
use super::{
    cv_majority_warning, models_majority_warning, write_warnings, Baseline, SearchArgs, Ui,
    VectorsEncoding, VectorsRead,
};

/// Compare vector files on your labelled texts: for each file, how well it
/// covers the texts, how long it takes to open and how much memory it
/// holds, and the cross-validated accuracy and macro-F1 of the vector
/// channel alone and of the default hybrid (vectors + n-grams), all on
/// the same repeated stratified folds; each file against the best one
/// with a 95% confidence interval (the corrected resampled t-test of
/// transfer-report), and a ranked verdict that says when a difference is
/// within noise.
#[derive(Debug, Args)]
#[command(
    after_help = "Every file gets its own classifier (files of different dimensions, formats and vocabularies \
compare fine); every fitted piece is refitted inside each training fold. The folds are the same for every \
file, so per-fold differences are paired. A file is \"as good as\" the best when the confidence interval of \
acc(file) - acc(best) reaches 0 (or stays within --margin). The recommendation is the smallest file (on \
disk) that is as good as the best with the default model. With --out DIR: compare.md (links compare.svg), \
compare.json, compare.svg.

Memory: the growth of the process's resident heap (RssAnon) and of its resident file-backed pages (RssFile, \
e.g. a memory-mapped .fifu) while each file is opened, read from /proc/self/status (Linux; blank elsewhere). \
Files are opened one after the other and kept open.

Examples:
  embed-tl compare --vectors glove.6B.50d.fifu --vectors embeddings/glove.6B.50d.top50k.fifu \\
      --train corpora/reviews.csv --out cmp/
  embed-tl compare --vectors a.fifu --vectors b.bin --vectors c.vec --vectors-format fifu \\
      --vectors-format fasttext --vectors-format word2vec-text \\
      --train corpora/trec-train.csv --test corpora/trec-test.csv --repeats 1 --format json"
)]
pub struct CompareArgs {
    /// A vector file (any format `embed-tl vectors info` reads); give at
    /// least two, each with its own --vectors.
    #[arg(long = "vectors", value_name = "FILE", required = true)]
    vectors: Vec<PathBuf>,
    /// Read the vectors as this format instead of sniffing: once for every
    /// file, or once per --vectors, in the same order.
    #[arg(long, value_name = "FORMAT")]
    vectors_format: Vec<Format>,
    /// The text encoding of the words in the vector files: utf-8, or the
    /// code page of an old fastText .bin, word2vec or GloVe file: cp852
    /// (DOS Latin 2), cp1252 (Windows Western), latin-1 (iso-8859-1);
    /// once for every file, or once per --vectors, in the same order.
    /// finalfusion files are always UTF-8.
    #[arg(long, value_name = "ENC", default_value = "utf-8")]
    vectors_encoding: Vec<Encoding>,
    /// Labelled training texts: CSV, TSV (.tsv) or JSONL (.jsonl).
    #[arg(long, value_name = "FILE")]
    train: PathBuf,
    /// Labelled texts to score on too: every model is also fitted on all of
    /// --train and scored on these (one figure each, no interval).
    #[arg(long, value_name = "FILE")]
    test: Option<PathBuf>,
    #[command(flatten)]
    columns: super::LabelColumns,
    #[command(flatten)]
    pooling: super::PoolArgs,
    /// Folds of each cross-validation.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Repeats of the cross-validation, each with its own shuffle (seed,
    /// seed + 1, ...); the paired tests have folds x repeats differences.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    #[command(flatten)]
    search: SearchArgs,
    /// Confidence level of the intervals of the differences.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Smallest difference in accuracy points that counts as worse.
    #[arg(long, default_value_t = 0.0, value_name = "POINTS")]
    margin: f64,
    /// Seed of every shuffle: same inputs and seed, same report.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Write compare.md, compare.json and compare.svg here (created if
    /// needed).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Standard output: text (the Markdown report) for people, json for
    /// scripts (compare.json's object).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
}

/// The files `--out DIR` writes.
const OUT_FILES: [&str; 3] = ["compare.json", "compare.svg", "compare.md"];

/// One vector file as opened, measured and scored.
#[derive(serde::Serialize)]
struct FileSummary {
    file: String,
    format: Format,
    words: usize,
    dims: usize,
    subwords: bool,
    memory_mapped: bool,
    /// Size on disk.
    bytes: u64,
    load_seconds: f64,
    /// Growth of RssAnon (resident heap) while opening, in bytes.
    heap_bytes: Option<u64>,
    /// Growth of RssFile (resident file-backed pages) while opening.
    file_page_bytes: Option<u64>,
    coverage: Coverage,
    test_coverage: Option<Coverage>,
}

/// Accuracy and macro-F1 on --test of one file with one feature set.
#[derive(serde::Serialize)]
struct HeldOut {
    features: FeatureSet,
    /// Per file, in input order.
    accuracy: Vec<f64>,
    macro_f1: Vec<f64>,
}

#[derive(serde::Serialize)]
struct DataSummary {
    file: String,
    rows: usize,
    classes: Vec<String>,
    class_counts: Vec<usize>,
}

impl DataSummary {
    fn of(path: &Path, data: &Labelled) -> DataSummary {
        DataSummary {
            file: embed_tl::corpus::source::display_name(path),
            rows: data.texts.len(),
            classes: data.classes.clone(),
            class_counts: data.class_counts(),
        }
    }

    fn counts(&self) -> String {
        if self.classes.len() > 8 {
            return format!("{} classes", self.classes.len());
        }
        self.classes
            .iter()
            .zip(&self.class_counts)
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(serde::Serialize)]
struct Report {
    tool: String,
    train: DataSummary,
    test: Option<DataSummary>,
    seed: u64,
    pool: String,
    scale: String,
    settings: Settings,
    files: Vec<FileSummary>,
    comparison: VectorsComparison,
    held_out: Vec<HeldOut>,
    /// The ranked verdicts of the default model, in words.
    verdicts: Vec<String>,
    /// The ranked verdicts of the vector channel alone, in words.
    vectors_alone_verdicts: Vec<String>,
    recommendation: String,
    /// Every warning of the run, as on stderr (kept here under `--quiet`).
    warnings: Vec<String>,
}

#[derive(serde::Serialize)]
struct Settings {
    #[serde(flatten)]
    search: SearchArgs,
    margin_points: f64,
}

/// RssAnon and RssFile of this process, in bytes (Linux only).
fn resident() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map(|kb| kb * 1024)
    };
    Some((field("RssAnon:")?, field("RssFile:")?))
}

/// The n-th value of a flag given once for all files or once per file.
fn per_file<T: Copy>(values: &[T], files: usize, flag: &str) -> Result<Vec<Option<T>>> {
    match values.len() {
        0 => Ok(vec![None; files]),
        1 => Ok(vec![Some(values[0]); files]),
        n if n == files => Ok(values.iter().copied().map(Some).collect()),
        n => bail!(
            "{flag} given {n} times for {files} --vectors files: give it once (for every file) or once per --vectors, in the same order"
        ),
    }
}

pub fn run(args: CompareArgs, ui: Ui) -> Result<()> {
    let n = args.vectors.len();
    if n < 2 {
        bail!(
            "compare needs at least 2 --vectors files, got {n}: give another with a second --vectors (for one file, transfer-report says whether it helps)"
        );
    }
    for (i, path) in args.vectors.iter().enumerate() {
        if let Some(j) = args.vectors[..i].iter().position(|p| p == path) {
            bail!(
                "--vectors {} is given twice (files {} and {}): each file once",
                path.display(),
                j + 1,
                i + 1
            );
        }
    }
    let formats = per_file(&args.vectors_format, n, "--vectors-format")?;
    let encodings = per_file(&args.vectors_encoding, n, "--vectors-encoding")?;
    let mut inputs: Vec<(&str, &Path)> = args
        .vectors
        .iter()
        .map(|p| ("--vectors", p.as_path()))
        .collect();
    inputs.push(("--train", &args.train));
    inputs.extend(args.test.as_deref().map(|t| ("--test", t)));
    let written: Vec<PathBuf> = args
        .out
        .iter()
        .flat_map(|dir| OUT_FILES.map(|f| dir.join(f)))
        .collect();
    let outputs: Vec<(&str, &Path)> = written.iter().map(|p| ("--out", p.as_path())).collect();
    check_outputs(&inputs, &outputs)?;

    let pipeline = args
        .search
        .apply(PipelineParams::default())
        .featurizer(args.pooling.featurizer()?)
        .seed(args.seed);
    if !(args.margin >= 0.0 && args.margin.is_finite()) {
        bail!(
            "--margin must be a non-negative number of points, got {}",
            args.margin
        );
    }
    let params = CompareParams::new(pipeline.clone())
        .folds(args.folds)
        .repeats(args.repeats)
        .confidence(args.confidence)
        .rule(VerdictRule {
            margin: args.margin / 100.0,
        })
        .seed(args.seed);
    params.check().context("compare settings")?;

    let train = args.columns.read_train(&args.train, ui)?;
    if let Some(w) = super::small_classes_warning(
        &args.train,
        &train.classes,
        &train.class_counts(),
        args.folds,
    ) {
        ui.warn(w);
    }
    let test = match &args.test {
        Some(path) => Some(args.columns.read_test(path, Some(&train.classes), ui)?),
        None => None,
    };

    // Every file is opened (and measured) before any slow work, so that a
    // bad one among several stops the run at once, named.
    let mut opened: Vec<Vectors> = Vec::with_capacity(n);
    let mut files: Vec<FileSummary> = Vec::with_capacity(n);
    for (i, path) in args.vectors.iter().enumerate() {
        let read = VectorsRead {
            vectors_format: formats[i],
            encoding: VectorsEncoding {
                vectors_encoding: encodings[i].unwrap_or_default(),
            },
        };
        let before = resident();
        let start = Instant::now();
        let vectors = read
            .open(path, ui)
            .with_context(|| format!("--vectors file {} of {n}", i + 1))?;
        let load_seconds = start.elapsed().as_secs_f64();
        let after = resident();
        let (heap_bytes, file_page_bytes) = match (before, after) {
            (Some(b), Some(a)) => (Some(a.0.saturating_sub(b.0)), Some(a.1.saturating_sub(b.1))),
            _ => (None, None),
        };
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        ui.info(format!(
            "{}: {} words x {} dims, {} in {load_seconds:.2}s",
            path.display(),
            vectors.len(),
            vectors.dims(),
            vectors.format()
        ));
        let tokenizer = args.pooling.tokenizer(&vectors)?;
        files.push(FileSummary {
            file: path.display().to_string(),
            format: vectors.format(),
            words: vectors.len(),
            dims: vectors.dims(),
            subwords: vectors.has_subwords(),
            memory_mapped: vectors.is_memory_mapped(),
            bytes,
            load_seconds,
            heap_bytes,
            file_page_bytes,
            coverage: Coverage::measure(&vectors, &tokenizer, &train.texts),
            test_coverage: test
                .as_ref()
                .map(|t| Coverage::measure(&vectors, &tokenizer, &t.texts)),
        });
        opened.push(vectors);
    }

    let held_out_steps = if test.is_some() {
        n * embed_tl::eval::COMPARED.len()
    } else {
        0
    };
    let bar = super::transfer::progress_bar(ui, (params.steps(n) + held_out_steps) as u64);
    bar.set_message(format!(
        "{} x {}-fold CV of {} files x 2 models",
        args.repeats, args.folds, n
    ));
    ui.info(format!(
        "cross-validating {n} files x 2 models, {} x {}-fold ({} fits, each with its inner C selection)",
        args.repeats,
        args.folds,
        params.steps(n) * args.folds
    ));
    let tick = || bar.inc(1);
    let refs: Vec<&Vectors> = opened.iter().collect();
    let train_name = embed_tl::corpus::source::display_name(&args.train);
    let comparison = params
        .compare(&refs, &train.texts, &train.labels, &train.classes, &tick)
        .with_context(|| format!("{train_name}: the comparison"))?;
    let held_out = match &test {
        Some(test) => {
            bar.set_message("fitting on all of --train, scoring --test");
            let jobs: Vec<(usize, usize)> = (0..embed_tl::eval::COMPARED.len())
                .flat_map(|f| (0..n).map(move |v| (f, v)))
                .collect();
            let scores: Vec<embed_tl::Result<Metrics>> = jobs
                .par_iter()
                .map(|&(f, v)| {
                    let model = pipeline
                        .clone()
                        .side_by_side(embed_tl::eval::COMPARED[f])
                        .fit(Some(refs[v]), &train.texts, &train.labels, &train.classes)?;
                    let predicted = model.predict(Some(refs[v]), &test.texts)?;
                    tick();
                    Ok(Metrics::new(&test.labels, &predicted, train.classes.len()))
                })
                .collect();
            let mut scores = scores.into_iter();
            let mut held = Vec::new();
            for features in embed_tl::eval::COMPARED {
                let mut h = HeldOut {
                    features,
                    accuracy: Vec::new(),
                    macro_f1: Vec::new(),
                };
                for _ in 0..n {
                    let m = scores
                        .next()
                        .context("missing held-out score")?
                        .with_context(|| format!("{train_name}: fitting for --test"))?;
                    h.accuracy.push(m.accuracy);
                    h.macro_f1.push(m.macro_f1);
                }
                held.push(h);
            }
            held
        }
        None => Vec::new(),
    };
    bar.finish_and_clear();
    let unconverged: usize = comparison
        .channels
        .iter()
        .flat_map(|c| &c.models)
        .map(|m| m.unconverged)
        .sum();
    if unconverged > 0 {
        ui.warn(format!(
            "{unconverged} fits of the comparison stopped at the iteration limit (--max-iter {}) before converging",
            args.search.max_iter
        ));
    }

    let names: Vec<String> = files.iter().map(|f| f.file.clone()).collect();
    // Each model with each file, and its accuracy: "(c) both with FILE".
    let with_files = |features: FeatureSet, accuracies: Vec<f64>| {
        accuracies
            .into_iter()
            .zip(&names)
            .map(move |(a, file)| (format!("{} with {file}", model_name(features)), a))
    };
    let cv_accuracies: Vec<(String, f64)> = comparison
        .channels
        .iter()
        .flat_map(|c| {
            with_files(
                c.features,
                c.models.iter().map(|m| m.accuracy_mean).collect(),
            )
        })
        .collect();
    let folds = (args.folds, comparison.seeds.as_slice());
    let (baseline, warning) =
        cv_majority_warning(&args.train, &train, folds, &cv_accuracies, &args.search);
    if let Some(w) = warning {
        ui.warn(w);
    }
    let learned_nothing = baseline
        .as_ref()
        .filter(|b| !cv_accuracies.iter().any(|(_, a)| b.beaten_by(*a)));
    if let (Some(test), Some(path)) = (&test, &args.test) {
        let test_accuracies: Vec<(String, f64)> = held_out
            .iter()
            .flat_map(|h| with_files(h.features, h.accuracy.clone()))
            .collect();
        if let Some(w) = Baseline::test(&train, test).and_then(|b| {
            models_majority_warning(path, "test", &b, &test_accuracies, &train, &args.search)
        }) {
            ui.warn(w);
        }
    }
    let sizes: Vec<u64> = files.iter().map(|f| f.bytes).collect();
    let both = comparison
        .channel(FeatureSet::Both)
        .context("the default model was not compared")?;
    let alone = comparison
        .channel(FeatureSet::Vectors)
        .context("the vector channel was not compared")?;
    let report = Report {
        tool: format!("embed-tl {}", env!("CARGO_PKG_VERSION")),
        train: DataSummary::of(&args.train, &train),
        test: args
            .test
            .as_ref()
            .zip(test.as_ref())
            .map(|(p, t)| DataSummary::of(p, t)),
        seed: args.seed,
        pool: args.pooling.pool.to_string(),
        scale: args.pooling.scale_name().into(),
        settings: Settings {
            search: args.search.clone(),
            margin_points: args.margin,
        },
        verdicts: verdicts(both, &names, &sizes),
        vectors_alone_verdicts: verdicts(alone, &names, &sizes),
        recommendation: match learned_nothing {
            Some(b) => format!(
                "label more texts, those of the smaller classes first: no file gives a model better than labelling every text '{}' ({:.1}% over the same folds), so these texts cannot tell the files apart",
                b.class(),
                100.0 * b.share()
            ),
            None => recommendation(both, &names, &sizes),
        },
        files,
        comparison,
        held_out,
        warnings: super::warnings(),
    };

    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        atomic_write(&dir.join("compare.json"), |out| {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)?;
            Ok(())
        })?;
        let short: Vec<String> = names.iter().map(|n| file_name(n)).collect();
        let svg = report.comparison.svg(
            &short,
            &format!("Vectors compared: {}", file_name(&report.train.file)),
        )?;
        atomic_write(&dir.join("compare.svg"), |out| {
            Ok(out.write_all(svg.as_bytes())?)
        })?;
        atomic_write(&dir.join("compare.md"), |out| {
            Ok(out.write_all(report.markdown(true).as_bytes())?)
        })?;
        ui.info(format!(
            "wrote compare.md, compare.json, compare.svg to {}",
            dir.display()
        ));
    }
    let mut out = stdout();
    if args.format == "json" {
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    } else {
        out.write_all(report.markdown(args.out.is_some()).as_bytes())?;
    }
    out.flush()?;
    Ok(())
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

fn signed(x: f64) -> String {
    format!("{:+.1}", 100.0 * x)
}

fn interval(t: &PairedTest) -> String {
    format!("[{}, {}]", signed(t.low), signed(t.high))
}

fn p_value(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1e6)
}

/// "8.0x smaller" / "2.1x larger" / "the same size" (on disk).
fn size_words(file: u64, best: u64) -> String {
    if file == 0 || best == 0 || file == best {
        return "the same size on disk".into();
    }
    if file < best {
        format!("{:.1}x smaller on disk", best as f64 / file as f64)
    } else {
        format!("{:.1}x larger on disk", file as f64 / best as f64)
    }
}

/// One sentence per file, best first.
fn verdicts(c: &ChannelComparison, names: &[String], sizes: &[u64]) -> Vec<String> {
    let best = &names[c.best];
    let level = c
        .vs_best
        .iter()
        .flatten()
        .next()
        .map_or(95.0, |t| 100.0 * t.confidence);
    c.ranking
        .iter()
        .map(|&i| {
            let m = &c.models[i];
            match (c.standing[i], &c.vs_best[i]) {
                (Standing::Best, _) | (_, None) => format!(
                    "`{}` is the most accurate: {}% (macro-F1 {}%).",
                    names[i],
                    pct(m.accuracy_mean),
                    pct(m.macro_f1_mean)
                ),
                (Standing::WithinNoise, Some(t)) => format!(
                    "`{}` is as good as `{best}` ({} points, {level}% CI {}: within noise) and {}.",
                    names[i],
                    signed(t.mean),
                    interval(t),
                    size_words(sizes[i], sizes[c.best])
                ),
                (Standing::Worse, Some(t)) => format!(
                    "`{}` is worse than `{best}`: {} points, {level}% CI {} ({}).",
                    names[i],
                    signed(t.mean),
                    interval(t),
                    size_words(sizes[i], sizes[c.best])
                ),
            }
        })
        .collect()
}

/// The smallest file (on disk) as good as the best with the default model.
fn recommendation(c: &ChannelComparison, names: &[String], sizes: &[u64]) -> String {
    let good: Vec<usize> = c
        .ranking
        .iter()
        .copied()
        .filter(|&i| c.standing[i] != Standing::Worse)
        .collect();
    let pick = good
        .iter()
        .copied()
        .min_by_key(|&i| (sizes[i], i))
        .unwrap_or(c.best);
    let worse = c.standing.iter().filter(|s| **s == Standing::Worse).count();
    if pick == c.best {
        let others = if good.len() > 1 {
            "; the files within noise of it are not smaller"
        } else {
            "; every other file is worse"
        };
        format!(
            "use `{}` with the default model: the most accurate{others}",
            names[pick]
        )
    } else {
        format!(
            "use `{}`: as good as the most accurate (`{}`) within noise, and {}{}",
            names[pick],
            names[c.best],
            size_words(sizes[pick], sizes[c.best]),
            if worse > 0 {
                format!(
                    "; {worse} file{} worse",
                    if worse == 1 { " is" } else { "s are" }
                )
            } else {
                String::new()
            }
        )
    }
}

/// When an interval behind an "as good as" is wide, say what it means.
fn wide_note(c: &VectorsComparison) -> Option<String> {
    let widest = c
        .channels
        .iter()
        .flat_map(|ch| ch.vs_best.iter().zip(&ch.standing))
        .filter(|(_, s)| **s == Standing::WithinNoise)
        .filter_map(|(t, _)| t.as_ref())
        .map(|t| (t.high - t.low) / 2.0)
        .fold(0.0, f64::max);
    (widest > 0.02).then(|| {
        format!(
            "Note: some intervals are wide (up to ±{:.1} points): \"as good as\" means these {} folds cannot tell the files apart, not that they are equal. More --repeats, or more labelled texts, narrow the intervals.",
            100.0 * widest,
            c.folds * c.repeats
        )
    })
}

impl Report {
    fn markdown(&self, chart: bool) -> String {
        let mut s = String::new();
        let c = &self.comparison;
        let _ = writeln!(s, "# Vectors compared: {}\n", file_name(&self.train.file));
        let _ = writeln!(
            s,
            "Training texts `{}` ({} texts: {}){}; {} files; pooling `{}` of {} vectors; seed {}; {}.\n",
            self.train.file,
            self.train.rows,
            self.train.counts(),
            self.test.as_ref().map_or_else(String::new, |t| format!(
                "; test texts `{}` ({} texts)",
                t.file, t.rows
            )),
            self.files.len(),
            self.pool,
            self.scale,
            self.seed,
            self.tool
        );
        let _ = writeln!(s, "## Verdict\n");
        let _ = writeln!(s, "**Recommendation**: {}.\n", self.recommendation);
        if let Some(note) = wide_note(c) {
            let _ = writeln!(s, "{note}\n");
        }
        let _ = writeln!(
            s,
            "With the default model ({}: vectors + n-grams), best first:\n",
            model_name(FeatureSet::Both)
        );
        for v in &self.verdicts {
            let _ = writeln!(s, "- {v}");
        }
        let _ = writeln!(
            s,
            "\nWith the vectors alone ({}), best first:\n",
            model_name(FeatureSet::Vectors)
        );
        for v in &self.vectors_alone_verdicts {
            let _ = writeln!(s, "- {v}");
        }
        let _ = writeln!(s, "\nRule: {}.\n", c.rule_text);
        write_warnings(&mut s, &self.warnings);
        if chart {
            let _ = writeln!(s, "![accuracy by file](compare.svg)\n");
        }
        let _ = writeln!(s, "## The files\n");
        let _ = writeln!(s, "| # | file | format | words | dims | subwords | on disk (MB) | opened in (s) | heap (MB) | file pages (MB) | tokens with a vector | distinct words with a vector |");
        let _ = writeln!(
            s,
            "|---:|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"
        );
        for (i, f) in self.files.iter().enumerate() {
            let _ = writeln!(
                s,
                "| {} | `{}` | {}{} | {} | {} | {} | {} | {:.2} | {} | {} | {}% | {}% |",
                i + 1,
                f.file,
                f.format,
                if f.memory_mapped { ", mapped" } else { "" },
                thousands(f.words),
                f.dims,
                if f.subwords { "yes" } else { "no" },
                mb(f.bytes),
                f.load_seconds,
                f.heap_bytes.map_or_else(|| "-".into(), mb),
                f.file_page_bytes.map_or_else(|| "-".into(), mb),
                pct(f.coverage.token_rate()),
                pct(f.coverage.type_rate())
            );
        }
        let _ = writeln!(
            s,
            "\nHeap and file pages: growth of the process's resident anonymous memory (RssAnon) and resident file-backed pages (RssFile) while the file was opened (Linux /proc/self/status; files opened one after the other and kept open). A memory-mapped file costs its words on the heap; its matrix pages are read in as texts use them, later. Coverage of `{}` with each file's matched tokenizer.\n",
            self.train.file
        );
        for ch in &c.channels {
            let _ = writeln!(
                s,
                "## {}: {}\n",
                model_name(ch.features),
                match ch.features {
                    FeatureSet::Both => "the default model: vectors + n-grams",
                    FeatureSet::Vectors => "the vectors alone",
                    FeatureSet::Ngrams => "n-grams alone",
                }
            );
            let _ = writeln!(
                s,
                "| rank | file | accuracy % (mean ± sd over {} folds) | macro-F1 % | accuracy - best (points) | {}% CI | p | macro-F1 - best | standing |",
                c.folds * c.repeats,
                100.0 * c.confidence
            );
            let _ = writeln!(s, "|---:|---|---:|---:|---:|---:|---:|---:|---|");
            for (rank, &i) in ch.ranking.iter().enumerate() {
                let m = &ch.models[i];
                let (diff, ci, p) = match &ch.vs_best[i] {
                    Some(t) => (signed(t.mean), interval(t), p_value(t.p_value)),
                    None => ("-".into(), "-".into(), "-".into()),
                };
                let f1 = ch.vs_best_macro_f1[i].as_ref().map_or_else(
                    || "-".into(),
                    |t| format!("{} {}", signed(t.mean), interval(t)),
                );
                let standing = match ch.standing[i] {
                    Standing::Best => "best",
                    Standing::WithinNoise => "within noise",
                    Standing::Worse => "worse",
                };
                let _ = writeln!(
                    s,
                    "| {} | `{}` | {} ± {} | {} | {diff} | {ci} | {p} | {f1} | {standing} |",
                    rank + 1,
                    self.files[i].file,
                    pct(m.accuracy_mean),
                    pct(m.accuracy_sd),
                    pct(m.macro_f1_mean)
                );
            }
            let _ = writeln!(s);
        }
        if !self.held_out.is_empty() {
            let test = self.test.as_ref().map_or("--test", |t| t.file.as_str());
            let _ = writeln!(
                s,
                "## Scored on `{test}`\n\nEach model fitted on all of `{}` (C and the channel weight chosen by inner CV), scored once on `{test}`: one figure each, no interval.\n",
                self.train.file
            );
            let _ = write!(s, "| file |");
            for h in &self.held_out {
                let _ = write!(
                    s,
                    " {} accuracy % | {} macro-F1 % |",
                    model_name(h.features),
                    model_name(h.features)
                );
            }
            let _ = writeln!(s);
            let _ = writeln!(s, "|---|{}", "---:|---:|".repeat(self.held_out.len()));
            for (i, f) in self.files.iter().enumerate() {
                let _ = write!(s, "| `{}` |", f.file);
                for h in &self.held_out {
                    let _ = write!(s, " {} | {} |", pct(h.accuracy[i]), pct(h.macro_f1[i]));
                }
                let _ = writeln!(s);
            }
            let _ = writeln!(s);
        }
        let _ = writeln!(s, "## Words of the texts without a vector\n");
        for f in &self.files {
            let _ = writeln!(
                s,
                "- `{}`: {}% of {} tokens and {}% of {} distinct words have a vector; {} text{} no vector at all. Most frequent missing: {}.",
                f.file,
                pct(f.coverage.token_rate()),
                f.coverage.tokens,
                pct(f.coverage.type_rate()),
                f.coverage.types,
                f.coverage.docs_without_vectors,
                if f.coverage.docs_without_vectors == 1 { " has" } else { "s have" },
                missing(&f.coverage, 12)
            );
        }
        let seeds: Vec<String> = c.seeds.iter().map(u64::to_string).collect();
        let _ = writeln!(
            s,
            "\nHow: {} x {}-fold stratified cross-validation of `{}`, the same folds for every file and model (fold seeds {}); every fitted piece, C (from {}) and the hybrid's channel weight (from {}) chosen inside each training fold. Each file against the best of its model: Nadeau and Bengio's corrected resampled t-test on the {} paired per-fold differences (variance x (1/{} + 1/{})), Student t with {} degrees of freedom.",
            c.repeats,
            c.folds,
            self.train.file,
            seeds.join(", "),
            list(&self.settings.search.c),
            list(&self.settings.search.beta),
            c.folds * c.repeats,
            c.folds * c.repeats,
            c.folds - 1,
            c.folds * c.repeats - 1
        );
        s
    }
}

fn list<T: std::fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn missing(coverage: &Coverage, n: usize) -> String {
    if coverage.top_missing.is_empty() {
        return "none".into();
    }
    coverage
        .top_missing
        .iter()
        .take(n)
        .map(|(w, count)| format!("{w} ({count})"))
        .collect::<Vec<_>>()
        .join(", ")
}
