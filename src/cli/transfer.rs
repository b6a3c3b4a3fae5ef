//! `embed-tl transfer-report`: do these vectors help on my task, and how
//! many labels do I need? The frozen-vector classifier (a), a from-scratch
//! classifier (b) and their hybrid (c), the default, on the same repeated
//! folds; learning curves; the vectors' coverage. The verdicts and the
//! recommendation come from [`embed_tl::eval::Assessment`]; this file reads
//! the arguments and writes the report.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use embed_tl::corpus::stream::ReadStats;
use embed_tl::corpus::Labelled;
use embed_tl::eval::{
    holdout_split, model_name, model_role, thousands, Assessment, Comparison, CurveParams,
    CurveSize, DrawTest, Finding, LearningCurve, PairedTest, TransferParams, Verdict, VerdictRule,
    MODELS,
};
use embed_tl::features::Coverage;
use embed_tl::pipeline::{FeatureSet, PipelineParams};

use super::output::{atomic_write, check_outputs, stdout};
use super::{cv_majority_warning, write_warnings, Baseline, SearchArgs, Ui};

/// Compare the frozen-vector classifier (a) with one learned from the
/// labels alone (b: word + bigram TF-IDF, the same logistic regression)
/// and with both (c, the default), on the same repeated stratified folds;
/// say whether adding the vectors to the default is positive, neutral or
/// negative transfer, overall and at each learning-curve size; recommend
/// the features to use; and measure how well the vectors cover the texts.
///
/// With --out DIR it writes DIR/report.md (linking DIR/curve.svg),
/// DIR/report.json and DIR/curve.csv. Same inputs and seed: same files,
/// whatever the number of threads.
#[derive(Debug, Args)]
#[command(
    after_help = "(a) frozen vectors, (b) word + bigram TF-IDF from the labels alone, (c) both (the default), on \
the same repeated stratified folds. Headline verdict on c - b (the default with the vectors against the same \
learner without them), a verdict at each learning-curve size, and a recommendation; a - b (the vectors \
alone against the labels alone) is reported beside it. With --out DIR: report.md (links curve.svg), report.json, \
curve.csv, curve.svg; same inputs and seed, same files whatever the number of threads.

Examples:
  embed-tl transfer-report --vectors embeddings/glove.6B.50d.top50k.fifu \\
      --train corpora/reviews.csv --out report/
  embed-tl transfer-report --vectors embeddings/glove.6B.50d.top50k.fifu \\
      --train corpora/trec-train.csv --test corpora/trec-test.csv \\
      --sizes 50,200,all --draws 3"
)]
pub struct TransferArgs {
    /// The vector file (any format `embed-tl vectors info` reads).
    #[arg(long, value_name = "FILE")]
    vectors: PathBuf,
    #[command(flatten)]
    read: super::VectorsRead,
    /// Labelled training texts: CSV, TSV (.tsv) or JSONL (.jsonl).
    #[arg(long, value_name = "FILE")]
    train: PathBuf,
    /// A labelled file to evaluate the learning curve on. Without it a
    /// stratified fifth of --train is held out for the curve.
    #[arg(long, value_name = "FILE")]
    test: Option<PathBuf>,
    #[command(flatten)]
    columns: super::LabelColumns,
    #[command(flatten)]
    pooling: super::PoolArgs,
    /// Folds of each cross-validation of the comparison.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Repeats of the cross-validation, each with its own shuffle (seed,
    /// seed + 1, ...); the paired test has folds x repeats differences.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    #[command(flatten)]
    search: SearchArgs,
    /// Candidate L2 strengths C of each learning-curve fit. Default: the
    /// same as --c. A smaller grid makes the many curve fits cheaper.
    #[arg(long, value_delimiter = ',', value_name = "C", value_parser = super::parse_c)]
    curve_c: Option<Vec<f64>>,
    /// Candidate vector-channel weights of each learning-curve fit of (c).
    /// Default: the same as --beta.
    #[arg(long, value_delimiter = ',', value_name = "BETA", value_parser = super::parse_beta)]
    curve_beta: Option<Vec<f32>>,
    /// Learning-curve sizes (comma-separated numbers, `all` for the whole
    /// pool). Default: 25, 50, 100, 200, 500, 1000, 2000, 5000, ... below
    /// the pool size, then all; sizes too small for the classes are skipped.
    #[arg(long, value_delimiter = ',', value_name = "SIZES")]
    sizes: Option<Vec<CurveSize>>,
    /// Random stratified draws per learning-curve size.
    #[arg(long, default_value_t = 5)]
    draws: usize,
    /// Skip the learning curve.
    #[arg(long)]
    no_curve: bool,
    /// Confidence level of the intervals of the differences.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Smallest difference in accuracy points that counts for a verdict.
    #[arg(long, default_value_t = 0.0, value_name = "POINTS")]
    margin: f64,
    /// Seed of every shuffle: same inputs and seed, same report.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Write report.md, report.json, curve.csv and curve.svg here (the
    /// directory is created if needed).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Standard output: text for people, json for scripts (report.json's
    /// object plus the run time).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
}

pub fn run(args: TransferArgs, ui: Ui) -> Result<()> {
    let start = Instant::now();
    let mut inputs = vec![
        ("--vectors", args.vectors.as_path()),
        ("--train", &args.train),
    ];
    inputs.extend(args.test.as_deref().map(|t| ("--test", t)));
    let written: Vec<PathBuf> = args
        .out
        .iter()
        .flat_map(|dir| OUT_FILES.map(|f| dir.join(f)))
        .collect();
    let outputs: Vec<(&str, &Path)> = written.iter().map(|p| ("--out", p.as_path())).collect();
    check_outputs(&inputs, &outputs)?;
    let train = args.columns.read_train(&args.train, ui)?;
    let counts = train.class_counts();
    // A class with fewer texts than folds does not stop the comparison
    // (see `cross_validate`): say what its folds do with it.
    if let Some(w) = super::small_classes_warning(&args.train, &train.classes, &counts, args.folds)
    {
        ui.warn(w);
    }
    let test = match &args.test {
        Some(path) => Some(args.columns.read_test(path, Some(&train.classes), ui)?),
        None => None,
    };

    // The learning-curve fits take their own grids (--curve-c, --curve-beta).
    let pipeline = args
        .search
        .apply(PipelineParams::default())
        .featurizer(args.pooling.featurizer()?)
        .seed(args.seed);
    let compare = TransferParams::new(pipeline.clone())
        .folds(args.folds)
        .repeats(args.repeats)
        .confidence(args.confidence)
        .rule(VerdictRule {
            margin: args.margin / 100.0,
        })
        .seed(args.seed);
    compare.check()?;
    if args.folds * args.repeats < 2 {
        bail!("--folds x --repeats must be at least 2 for a paired test");
    }
    let curve_c = args
        .curve_c
        .clone()
        .unwrap_or_else(|| args.search.c.clone());
    let curve_beta = args
        .curve_beta
        .clone()
        .unwrap_or_else(|| args.search.beta.clone());
    let mut curve_params = CurveParams::new(
        pipeline
            .clone()
            .cs(curve_c.clone())
            .betas(curve_beta.clone()),
    )
    .draws(args.draws)
    .seed(args.seed)
    .min_per_class(args.search.inner_folds.max(2));
    if let Some(sizes) = &args.sizes {
        curve_params = curve_params.sizes(sizes.clone());
    }

    // The curve's data and sizes are checked before any slow work.
    let curve_data = if args.no_curve {
        None
    } else {
        let data = CurveData::new(&train, test.as_ref(), args.seed)
            .with_context(|| args.train.display().to_string())?;
        let whole: Vec<String> = train
            .classes
            .iter()
            .zip(&counts)
            .filter(|(_, &n)| data.held_out && n > 0 && n < 5)
            .map(|(c, n)| format!("'{c}' ({n})"))
            .collect();
        let plural = if whole.len() == 1 { "" } else { "es" };
        if data.eval_texts.is_empty() {
            // No class can spare a fifth: nothing to score a curve on.
            ui.warn(format!(
                "{}: learning curve left out: class{plural} {} too small to spare a fifth for scoring (give --test FILE for a curve)",
                args.train.display(),
                whole.join(", ")
            ));
            None
        } else {
            if !whole.is_empty() {
                ui.warn(format!(
                    "{}: learning curve: class{plural} {} too small to spare a fifth for scoring, so kept whole in the pool: the curve is scored on the other classes",
                    args.train.display(),
                    whole.join(", ")
                ));
            }
            Some(data)
        }
    };
    let curve_data = match curve_data {
        None => None,
        Some(data) => {
            let mut pool_counts = vec![0; train.classes.len()];
            data.pool_labels.iter().for_each(|&l| pool_counts[l] += 1);
            let (sizes, _) = curve_params
                .plan(&pool_counts)
                .with_context(|| format!("learning curve: {}", data.describe(&args)))?;
            Some((data, sizes))
        }
    };

    let vectors = args.read.open(&args.vectors, ui)?;
    let tokenizer = args.pooling.tokenizer(&vectors)?;
    let coverage = Coverage::measure(&vectors, &tokenizer, &train.texts);
    let test_coverage = test
        .as_ref()
        .map(|t| Coverage::measure(&vectors, &tokenizer, &t.texts));

    let curve_steps = curve_data.as_ref().map_or(0, |(data, sizes)| {
        curve_params.steps(sizes, data.pool_labels.len())
    });
    let bar = progress_bar(ui, (compare.steps() + curve_steps) as u64);
    bar.set_message(format!(
        "{} x {}-fold CV of 3 models",
        args.repeats, args.folds
    ));
    let tick = || bar.inc(1);
    let train_name = embed_tl::corpus::source::display_name(&args.train);
    let comparison = compare
        .compare(&vectors, &train.texts, &train.labels, &train.classes, &tick)
        .with_context(|| format!("{train_name}: the comparison"))?;
    let curve = match &curve_data {
        Some((data, _)) => {
            bar.set_message("learning curve");
            let texts: Vec<&str> = data
                .pool_rows
                .iter()
                .map(|&i| train.texts[i].as_str())
                .collect();
            Some(
                curve_params
                    .run(
                        &vectors,
                        &texts,
                        &data.pool_labels,
                        &data.eval_texts,
                        &data.eval_labels,
                        &train.classes,
                        &tick,
                    )
                    .with_context(|| format!("{train_name}: the learning curve"))?,
            )
        }
        None => None,
    };
    bar.finish_and_clear();
    let unconverged: usize = comparison.models.iter().map(|m| m.unconverged).sum();
    if unconverged > 0 {
        ui.warn(format!(
            "{unconverged} fits of the comparison stopped at the iteration limit (--max-iter {}) before converging",
            args.search.max_iter
        ));
    }

    let cv_accuracies: Vec<(String, f64)> = comparison
        .models
        .iter()
        .map(|m| (model_name(m.features), m.accuracy_mean))
        .collect();
    let folds = (args.folds, comparison.seeds.as_slice());
    let (baseline, warning) =
        cv_majority_warning(&args.train, &train, folds, &cv_accuracies, &args.search);
    if let Some(w) = warning {
        ui.warn(w);
    }

    let largest_class = baseline.as_ref().map(Baseline::share);
    let assessment = Assessment::new(&comparison, curve.as_ref(), largest_class)
        .with_context(|| format!("{train_name}: the verdicts"))?;
    let report = Report {
        assessment,
        tool: format!("embed-tl {}", env!("CARGO_PKG_VERSION")),
        vectors: VectorsSummary {
            file: args.vectors.display().to_string(),
            words: vectors.len(),
            dims: vectors.dims(),
            pool: args.pooling.pool.to_string(),
            scale: args.pooling.scale_name().into(),
        },
        train: DataSummary::of(&args.train, &train),
        test: args
            .test
            .as_ref()
            .zip(test.as_ref())
            .map(|(p, t)| DataSummary::of(p, t)),
        seed: args.seed,
        coverage,
        test_coverage,
        comparison,
        curve_eval: curve_data.as_ref().map(|(d, _)| d.describe(&args)),
        curve,
        settings: Settings {
            search: args.search.clone(),
            curve_c,
            curve_beta,
        },
        warnings: super::warnings(),
        seconds: None,
    };

    if let Some(dir) = &args.out {
        write_files(dir, &report)?;
        ui.info(format!(
            "wrote report.md, report.json{} to {}",
            if report.curve.is_some() {
                ", curve.csv, curve.svg"
            } else {
                ""
            },
            dir.display()
        ));
    }
    let report = Report {
        seconds: Some(start.elapsed().as_secs_f64()),
        ..report
    };
    let mut out = stdout();
    if args.format == "json" {
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    } else {
        out.write_all(report.text().as_bytes())?;
    }
    out.flush()?;
    Ok(())
}

pub(super) fn progress_bar(ui: Ui, len: u64) -> indicatif::ProgressBar {
    if ui.chatty && ui.terminal {
        let bar = indicatif::ProgressBar::new(len);
        let style = indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} steps [{elapsed_precise}, ~{eta} left] {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    } else {
        indicatif::ProgressBar::hidden()
    }
}

/// Where the learning curve draws from and what it is scored on.
struct CurveData {
    /// Rows of the training file the draws come from.
    pool_rows: Vec<usize>,
    pool_labels: Vec<usize>,
    eval_texts: Vec<String>,
    eval_labels: Vec<usize>,
    held_out: bool,
}

impl CurveData {
    fn new(train: &Labelled, test: Option<&Labelled>, seed: u64) -> Result<CurveData> {
        let (pool_rows, eval_texts, eval_labels, held_out) = match test {
            Some(t) => (
                (0..train.texts.len()).collect::<Vec<_>>(),
                t.texts.clone(),
                t.labels.clone(),
                false,
            ),
            None => {
                let (pool, held) = holdout_split(&train.labels, seed)
                    .context("holding out a fifth of --train for the learning curve")?;
                (
                    pool,
                    held.iter().map(|&i| train.texts[i].clone()).collect(),
                    held.iter().map(|&i| train.labels[i]).collect(),
                    true,
                )
            }
        };
        let pool_labels = pool_rows.iter().map(|&i| train.labels[i]).collect();
        Ok(CurveData {
            pool_rows,
            pool_labels,
            eval_texts,
            eval_labels,
            held_out,
        })
    }

    fn describe(&self, args: &TransferArgs) -> String {
        if self.held_out {
            format!(
                "drawn from {} of {}, scored on the other {} (a stratified fifth held out, seed {})",
                self.pool_rows.len(),
                args.train.display(),
                self.eval_texts.len(),
                args.seed
            )
        } else {
            format!(
                "drawn from {} ({} texts), scored on {} ({} texts)",
                args.train.display(),
                self.pool_rows.len(),
                args.test
                    .as_deref()
                    .map_or_else(String::new, |p| p.display().to_string()),
                self.eval_texts.len()
            )
        }
    }
}

#[derive(serde::Serialize)]
struct Report {
    tool: String,
    vectors: VectorsSummary,
    train: DataSummary,
    test: Option<DataSummary>,
    seed: u64,
    coverage: Coverage,
    test_coverage: Option<Coverage>,
    comparison: Comparison,
    /// The headline, the verdicts by size and the recommendation.
    assessment: Assessment,
    curve_eval: Option<String>,
    curve: Option<LearningCurve>,
    settings: Settings,
    /// Every warning of the run, as on stderr (kept here under `--quiet`).
    warnings: Vec<String>,
    /// Wall-clock time: stdout only, never in report.json (files must not
    /// depend on the machine).
    #[serde(skip_serializing_if = "Option::is_none")]
    seconds: Option<f64>,
}

#[derive(serde::Serialize)]
struct VectorsSummary {
    file: String,
    words: usize,
    dims: usize,
    pool: String,
    scale: String,
}

#[derive(serde::Serialize)]
struct DataSummary {
    file: String,
    rows: usize,
    /// Rows read, used and rejected.
    read: ReadStats,
    classes: Vec<String>,
    class_counts: Vec<usize>,
}

impl DataSummary {
    fn of(path: &Path, data: &Labelled) -> DataSummary {
        DataSummary {
            file: embed_tl::corpus::source::display_name(path),
            rows: data.texts.len(),
            read: data.stats,
            classes: data.classes.clone(),
            class_counts: data.class_counts(),
        }
    }

    fn counts(&self) -> String {
        let all: Vec<String> = self
            .classes
            .iter()
            .zip(&self.class_counts)
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        if all.len() <= 8 {
            all.join(", ")
        } else {
            format!(
                "{} classes, {} to {} texts each",
                all.len(),
                self.class_counts.iter().min().unwrap_or(&0),
                self.class_counts.iter().max().unwrap_or(&0)
            )
        }
    }
}

#[derive(serde::Serialize)]
struct Settings {
    #[serde(flatten)]
    search: SearchArgs,
    curve_c: Vec<f64>,
    curve_beta: Vec<f32>,
}

/// The files `--out DIR` may write.
const OUT_FILES: [&str; 4] = ["report.json", "curve.csv", "curve.svg", "report.md"];

fn write_files(dir: &Path, report: &Report) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    atomic_write(&dir.join("report.json"), |out| {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)?;
        Ok(())
    })?;
    if let Some(curve) = &report.curve {
        atomic_write(&dir.join("curve.csv"), |out| Ok(curve.write_csv(out)?))?;
        let svg = curve.svg(
            &format!("Learning curves: {}", file_name(&report.train.file)),
            &report.assessment.regions,
        )?;
        atomic_write(&dir.join("curve.svg"), |out| {
            Ok(out.write_all(svg.as_bytes())?)
        })?;
    }
    atomic_write(&dir.join("report.md"), |out| {
        Ok(out.write_all(report.markdown().as_bytes())?)
    })?;
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

fn finding_interval(f: &Finding) -> String {
    format!("[{}, {}]", signed(f.low), signed(f.high))
}

fn draw_cell(t: &DrawTest) -> String {
    format!("{} [{}, {}]", signed(t.mean), signed(t.low), signed(t.high))
}

fn p_value(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

impl Report {
    /// The headline in one sentence (markdown).
    fn verdict_sentence(&self) -> String {
        let h = &self.assessment.headline;
        let verdict = h.verdict.to_string();
        let mut chars = verdict.chars();
        let capital: String = chars
            .next()
            .map(|f| f.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        format!(
            "**{capital} transfer** to the model you deploy: {} = {} accuracy points, {}% CI {}: the default (`--features both`) against the same learner without the vectors, with about {} labelled texts",
            h.compared,
            signed(h.mean),
            100.0 * h.confidence,
            finding_interval(h),
            thousands(self.assessment.labels)
        )
    }

    /// What the numbers mean for a user, in plain sentences.
    fn meaning(&self) -> Vec<String> {
        let a = &self.assessment;
        let n = thousands(a.labels);
        let mut lines = vec![match a.headline.verdict {
            Verdict::Positive => format!(
                "With about {n} labelled texts, adding the frozen vectors to the n-grams makes the default model more accurate: what the vectors learned elsewhere helps this task."
            ),
            Verdict::Neutral => format!(
                "With about {n} labelled texts, the default with the vectors and the same learner without them cannot be told apart: the interval includes zero (or only differences below the margin)."
            ),
            Verdict::Negative => format!(
                "With about {n} labelled texts, the default with the vectors is less accurate than the same learner without them: at this size the vectors get in the way."
            ),
        }];
        let v = &a.vectors_alone;
        lines.push(format!(
            "The vectors alone against the labels alone, {}: {} points, {}% CI {} ({}). This is what the frozen vectors carry on their own, not what they add to the default.",
            v.compared,
            signed(v.mean),
            100.0 * v.confidence,
            finding_interval(v),
            v.verdict
        ));
        if let Some(curve) = &self.curve {
            let ab = curve.crossings.iter().find(|x| {
                [x.before, x.after].contains(&FeatureSet::Vectors)
                    && [x.before, x.after].contains(&FeatureSet::Ngrams)
            });
            if let Some(x) = ab {
                lines.push(if x.before == FeatureSet::Vectors {
                    format!(
                        "The learning curves of (a) and (b) cross: with fewer than about {:.0} labelled examples the vectors alone are ahead of the labels alone, with more the labels alone are.",
                        x.size
                    )
                } else {
                    format!(
                        "The learning curves of (a) and (b) cross: with fewer than about {:.0} labelled examples the labels alone are ahead of the vectors alone, with more the vectors are.",
                        x.size
                    )
                });
            }
        }
        lines
    }

    fn test_description(&self) -> String {
        let c = &self.comparison;
        let seeds: Vec<String> = c.seeds.iter().map(u64::to_string).collect();
        format!(
            "{} x {}-fold stratified cross-validation of --train, the same folds for the three models (fold seeds {}), every fitted piece and C (and the hybrid's channel weight) chosen inside each training fold. Paired test: Nadeau and Bengio's corrected resampled t-test on the {} per-fold differences, variance x (1/{} + 1/{}), 1/{} being n_test/n_train of {}-fold CV; Student t with {} degrees of freedom",
            c.repeats,
            c.folds,
            seeds.join(", "),
            c.transfer.n,
            c.transfer.n,
            c.folds - 1,
            c.folds - 1,
            c.folds,
            c.transfer.df
        )
    }

    /// What the curves say, in sentences.
    fn curve_findings(&self, curve: &LearningCurve) -> Vec<String> {
        let mut lines = Vec::new();
        let best_at = |size: usize| {
            MODELS.iter().filter_map(|&f| curve.point(size, f)).fold(
                None,
                |best: Option<&embed_tl::eval::CurvePoint>, p| match best {
                    Some(b) if b.accuracy_mean >= p.accuracy_mean => Some(b),
                    _ => Some(p),
                },
            )
        };
        let sizes: Vec<usize> = match (curve.sizes.first(), curve.sizes.last()) {
            (Some(&f), Some(&l)) if f != l => vec![f, l],
            (Some(&f), _) => vec![f],
            _ => Vec::new(),
        };
        for size in sizes {
            if let Some(p) = best_at(size) {
                lines.push(format!(
                    "With {size} labelled examples {} is the most accurate ({}%).",
                    model_name(p.features),
                    pct(p.accuracy_mean)
                ));
            }
        }
        for x in &curve.crossings {
            lines.push(format!(
                "{} leads {} below about {:.0} examples, {} above (the mean curves cross between {} and {}).",
                model_name(x.before),
                model_name(x.after),
                x.size,
                model_name(x.after),
                x.between[0],
                x.between[1]
            ));
        }
        if curve.crossings.is_empty() && curve.sizes.len() > 1 {
            lines.push("The mean curves do not cross at the measured sizes.".into());
        }
        lines
    }

    fn text(&self) -> String {
        let mut s = String::new();
        let c = &self.comparison;
        let _ = writeln!(
            s,
            "train:     {} ({} texts; {})",
            self.train.file,
            self.train.rows,
            self.train.counts()
        );
        if let Some(t) = &self.test {
            let _ = writeln!(s, "test:      {} ({} texts)", t.file, t.rows);
        }
        let _ = write!(s, "rows:      train {}", self.train.read);
        if let Some(t) = &self.test {
            let _ = write!(s, "; test {}", t.read);
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "vectors:   {} ({} words x {} dims, pooling {})",
            self.vectors.file, self.vectors.words, self.vectors.dims, self.vectors.pool
        );
        let _ = writeln!(
            s,
            "coverage:  {}% of tokens, {}% of distinct words of --train have vectors; most frequent missing: {}",
            pct(self.coverage.token_rate()),
            pct(self.coverage.type_rate()),
            missing(&self.coverage, 8)
        );
        let _ = writeln!(
            s,
            "\n{} x {}-fold stratified CV, same folds for all models:",
            c.repeats, c.folds
        );
        let _ = writeln!(
            s,
            "  {:<48} {:>20}  {:>8}",
            "model", "accuracy (mean ± sd)", "macro-F1"
        );
        for m in &c.models {
            let _ = writeln!(
                s,
                "  {:<12}{:<36} {:>12}% ± {:<4}  {:>7}%",
                model_name(m.features),
                model_role(m.features),
                pct(m.accuracy_mean),
                pct(m.accuracy_sd),
                pct(m.macro_f1_mean)
            );
        }
        let _ = writeln!(
            s,
            "\npaired differences (corrected resampled t-test, {} df):",
            c.transfer.df
        );
        for (label, t) in [
            ("accuracy (c) - (b)", &c.hybrid),
            ("accuracy (a) - (b)", &c.transfer),
            ("macro-F1 (a) - (b)", &c.transfer_macro_f1),
            ("accuracy (a) - (c)", &c.vectors_vs_default),
        ] {
            let _ = writeln!(
                s,
                "  {label}  {:>6} points, {}% CI {}, p {}",
                signed(t.mean),
                100.0 * t.confidence,
                interval(t),
                p_value(t.p_value)
            );
        }
        let a = &self.assessment;
        let _ = writeln!(
            s,
            "\ntransfer:  {} (rule: {})",
            a.headline.verdict.to_string().to_uppercase(),
            a.rule
        );
        let _ = writeln!(
            s,
            "  {} = {} points, {}% CI {}: the default with the vectors against the same learner without them",
            a.headline.compared,
            signed(a.headline.mean),
            100.0 * a.headline.confidence,
            finding_interval(&a.headline)
        );
        if let Some(regions) = &a.regions_text {
            let _ = writeln!(s, "  by size: {regions}");
        }
        for line in self.meaning() {
            let _ = writeln!(s, "  {line}");
        }
        let _ = writeln!(s, "\nrecommendation: {}", a.recommendation.text);
        for w in &self.warnings {
            let _ = writeln!(s, "warning:   {w}");
        }
        if let (Some(curve), Some(eval)) = (&self.curve, &self.curve_eval) {
            let _ = writeln!(
                s,
                "\nlearning curve, accuracy % (mean over {} draws; min-max), {eval}:",
                curve.draws
            );
            let _ = writeln!(
                s,
                "  {:>8}  {:>19}  {:>19}  {:>19}",
                "examples", "(a) vectors", "(b) ngrams", "(c) both"
            );
            for &size in &curve.sizes {
                let _ = write!(s, "  {size:>8}");
                for f in MODELS {
                    if let Some(p) = curve.point(size, f) {
                        let _ = write!(s, "  {:>19}", curve_cell(p));
                    }
                }
                let _ = writeln!(s);
            }
            for skipped in &curve.skipped {
                let _ = writeln!(s, "  (size {} skipped: {})", skipped.size, skipped.reason);
            }
            let _ = writeln!(
                s,
                "\nverdicts by size ({}% CI, points):\n  {:>8}  {:>24}  {:<8}  {:>24}  {:<8}",
                100.0 * a.headline.confidence,
                "examples",
                "(c) - (b)",
                "verdict",
                "(a) - (c)",
                "verdict"
            );
            for v in &a.by_size {
                let _ = writeln!(
                    s,
                    "  {:>8}  {:>24}  {:<8}  {:>24}  {:<8}",
                    v.size,
                    draw_cell(&v.default_vs_ngrams),
                    v.verdict.to_string(),
                    draw_cell(&v.vectors_vs_default),
                    v.vectors_verdict.to_string()
                );
            }
            for line in self.curve_findings(curve) {
                let _ = writeln!(s, "  {line}");
            }
        }
        if let Some(secs) = self.seconds {
            let _ = writeln!(s, "\ntime: {secs:.1}s");
        }
        s
    }

    fn markdown(&self) -> String {
        let mut s = String::new();
        let c = &self.comparison;
        let _ = writeln!(s, "# Transfer report: {}\n", file_name(&self.train.file));
        let _ = writeln!(
            s,
            "Vectors `{}` ({} words x {} dimensions, pooling `{}`, {} vectors); training texts `{}` ({} texts: {}){}; seed {}; {}.\n",
            self.vectors.file,
            self.vectors.words,
            self.vectors.dims,
            self.vectors.pool,
            self.vectors.scale,
            self.train.file,
            self.train.rows,
            self.train.counts(),
            self.test
                .as_ref()
                .map_or_else(String::new, |t| format!("; test texts `{}` ({} texts)", t.file, t.rows)),
            self.seed,
            self.tool
        );
        let a = &self.assessment;
        let _ = writeln!(s, "## Do the vectors help?\n");
        let _ = writeln!(s, "{}.\n", self.verdict_sentence());
        let _ = writeln!(s, "Rule: {}.\n", a.rule);
        write_warnings(&mut s, &self.warnings);
        if let Some(regions) = &a.regions_text {
            let _ = writeln!(
                s,
                "By size (learning curve, (c) - (b) on the same draws): **{regions}**.\n"
            );
        }
        let _ = writeln!(s, "**Recommendation**: {}.\n", a.recommendation.text);
        for line in self.meaning() {
            let _ = writeln!(s, "- {line}");
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "| model | features | accuracy % (mean ± sd over {} folds) | macro-F1 % |",
            c.transfer.n
        );
        let _ = writeln!(s, "|---|---|---:|---:|");
        for m in &c.models {
            let _ = writeln!(
                s,
                "| {} | {} | {} ± {} | {} |",
                model_name(m.features),
                model_role(m.features),
                pct(m.accuracy_mean),
                pct(m.accuracy_sd),
                pct(m.macro_f1_mean)
            );
        }
        let _ = writeln!(
            s,
            "\n| difference (points) | mean | {}% CI | t | p |",
            100.0 * c.transfer.confidence
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|");
        for (label, t) in [
            (
                "accuracy (c) - (b): the default with the vectors against without (headline)",
                &c.hybrid,
            ),
            (
                "accuracy (a) - (b): the vectors alone against the labels alone",
                &c.transfer,
            ),
            ("macro-F1 (a) - (b)", &c.transfer_macro_f1),
            (
                "accuracy (a) - (c): the vectors alone against the default",
                &c.vectors_vs_default,
            ),
        ] {
            let _ = writeln!(
                s,
                "| {label} | {} | {} | {:.2} | {} |",
                signed(t.mean),
                interval(t),
                t.t,
                p_value(t.p_value)
            );
        }
        let _ = writeln!(s, "\nHow: {}.\n", self.test_description());
        if let (Some(curve), Some(eval)) = (&self.curve, &self.curve_eval) {
            let _ = writeln!(s, "## How many labels do I need?\n");
            let _ = writeln!(s, "![learning curves](curve.svg)\n");
            let _ = writeln!(
                s,
                "Training examples {eval}. {} stratified, seeded draws per size (the whole pool is one draw); each fit chooses C from {} and the hybrid's channel weight from {} by inner CV. Lines: mean accuracy; bands: worst to best draw; crosses: where two mean curves cross. Table (also `curve.csv`): accuracy %, mean (min-max).\n",
                curve.draws,
                list(&self.settings.curve_c),
                list(&self.settings.curve_beta)
            );
            let _ = writeln!(s, "| examples | (a) vectors | (b) ngrams | (c) both |");
            let _ = writeln!(s, "|---:|---:|---:|---:|");
            for &size in &curve.sizes {
                let _ = write!(s, "| {size} |");
                for f in MODELS {
                    if let Some(p) = curve.point(size, f) {
                        let _ = write!(s, " {} |", curve_cell(p));
                    }
                }
                let _ = writeln!(s);
            }
            let _ = writeln!(s);
            for skipped in &curve.skipped {
                let _ = writeln!(s, "- Size {} skipped: {}.", skipped.size, skipped.reason);
            }
            let _ = writeln!(s, "### Verdicts by size\n");
            let _ = writeln!(
                s,
                "Rule: {}. Shaded on the chart. Differences in accuracy points, mean ({}% CI):\n",
                a.size_rule,
                100.0 * a.headline.confidence
            );
            let _ = writeln!(
                s,
                "| examples | (c) - (b): default against without vectors | verdict | (a) - (c): vectors alone against default | verdict |"
            );
            let _ = writeln!(s, "|---:|---:|---|---:|---|");
            for v in &a.by_size {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} |",
                    v.size,
                    draw_cell(&v.default_vs_ngrams),
                    v.verdict,
                    draw_cell(&v.vectors_vs_default),
                    v.vectors_verdict
                );
            }
            let _ = writeln!(s);
            for line in self.curve_findings(curve) {
                let _ = writeln!(s, "- {line}");
            }
            let _ = writeln!(s);
        }
        let _ = writeln!(s, "## Are the vectors related to the texts?\n");
        let _ = writeln!(s, "| texts | tokens | with a vector | distinct words | with a vector | texts with no vector at all |");
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|");
        let mut rows = vec![(self.train.file.as_str(), &self.coverage)];
        if let (Some(t), Some(cov)) = (&self.test, &self.test_coverage) {
            rows.push((t.file.as_str(), cov));
        }
        for (file, cov) in rows {
            let _ = writeln!(
                s,
                "| `{file}` | {} | {}% | {} | {}% | {} |",
                cov.tokens,
                pct(cov.token_rate()),
                cov.types,
                pct(cov.type_rate()),
                cov.docs_without_vectors
            );
        }
        let _ = writeln!(
            s,
            "\nMost frequent words of `{}` without a vector: {}.",
            self.train.file,
            missing(&self.coverage, 20)
        );
        s
    }
}

fn curve_cell(p: &embed_tl::eval::CurvePoint) -> String {
    if p.accuracy.len() > 1 {
        format!(
            "{} ({}-{})",
            pct(p.accuracy_mean),
            pct(p.accuracy_min),
            pct(p.accuracy_max)
        )
    } else {
        pct(p.accuracy_mean)
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
