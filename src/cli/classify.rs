//! `embed-tl classify`: train, cross-validate, save and apply a classifier
//! on frozen word-vector features.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use embed_tl::corpus::stream::ReadStats;
use embed_tl::eval::{cross_validate, cross_validate_linfa, CvReport, Metrics};
use embed_tl::features::Coverage;
use embed_tl::model::{ClassWeight, Classifier, LinfaParams};
use embed_tl::pipeline::{
    long_texts, FeatureSet, FineTune, LinfaPipelineParams, LongTexts, PipelineParams, SelectBy,
    SmallClasses, LONG_TEXT_MEAN_TOKENS, LONG_TEXT_MIN_TOKENS,
};

use super::output::{atomic_write, check_extension, check_outputs, stdout};
use super::predict::TABLE_EXTENSIONS;
use super::report::{write_interval, write_metrics, write_scores};
use super::{
    cv_inner_warning, inner_selection_warning, majority_warning, small_classes_warning, Ui,
};

/// Train a classifier on labelled texts, estimate its accuracy by
/// stratified cross-validation, and optionally save it and label new texts.
#[derive(Debug, Args)]
#[command(after_help = r"Examples:
  embed-tl classify --vectors embeddings/glove.6B.50d.top50k.fifu \
      --train corpora/reviews.csv
  embed-tl classify --vectors embeddings/glove.6B.50d.top50k.fifu \
      --train corpora/trec-train.csv --test corpora/trec-test.csv --save trec.etl
  embed-tl classify --features ngrams --train corpora/reviews.csv \
      --save reviews.etl --format json
  embed-tl classify --vectors embeddings/glove.6B.50d.top50k.fifu \
      --train corpora/trec-train.csv --predict corpora/trec-test.csv \
      --output - > trec-predictions.csv   # the report goes to stderr
  embed-tl classify --vectors embeddings/glove.6B.50d.top50k.fifu \
      --train corpora/reviews.csv --classifier svm   # linfa-svm, same folds")]
pub struct ClassifyArgs {
    /// The vector file (any format `embed-tl vectors info` reads). Not
    /// needed with --features ngrams.
    #[arg(long, value_name = "FILE")]
    vectors: Option<PathBuf>,
    #[command(flatten)]
    read: super::VectorsRead,
    /// Labelled training texts: CSV, TSV (.tsv) or JSONL (.jsonl).
    #[arg(long, value_name = "FILE")]
    train: PathBuf,
    /// A labelled held-out file to score (then CV is skipped unless --cv).
    #[arg(long, value_name = "FILE")]
    test: Option<PathBuf>,
    /// Run cross-validation even with --test.
    #[arg(long)]
    cv: bool,
    #[command(flatten)]
    columns: super::LabelColumns,
    /// Features: vectors (frozen pooled vectors), ngrams (word + bigram
    /// TF-IDF from the labels alone), both (one linear model, the vector
    /// channel's weight chosen by inner CV). Default: both with
    /// --classifier logistic, vectors with the linfa classifiers (the only
    /// set they take).
    #[arg(long, value_name = "SET")]
    features: Option<FeatureSet>,
    /// The classifier: logistic (embed-tl's logistic regression, C and the
    /// vector channel's weight chosen by inner CV; the only one --save and
    /// --predict take), or one of linfa's on the standardised pooled
    /// vectors, with their default settings: linfa-logistic (C = 1;
    /// multinomial for more than 2 classes), svm (linfa-svm, linear,
    /// C = 0.1, one against the rest; slow beyond a few thousand texts),
    /// gaussian-nb (linfa-bayes), tree (linfa-trees, Gini, no depth limit).
    #[arg(long, default_value = "logistic", value_name = "NAME")]
    classifier: Classifier,
    #[command(flatten)]
    pooling: super::PoolArgs,
    /// Folds of the cross-validation estimate.
    #[arg(long, default_value_t = 10)]
    folds: usize,
    #[command(flatten)]
    search: super::SearchArgs,
    /// Seed of every shuffle: same inputs and seed, same report and model.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Save the model fitted on all training texts to this file.
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Label the texts of this file (its text column) with the fitted model.
    #[arg(long, value_name = "FILE", requires = "output")]
    predict: Option<PathBuf>,
    /// Where --predict writes its CSV (- for stdout; then the report goes
    /// to stderr, so stdout holds only the predictions).
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Report format: text for people, json for scripts (one object).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
}

pub fn run(args: ClassifyArgs, ui: Ui) -> Result<()> {
    let start = Instant::now();
    let inputs: Vec<(&str, &Path)> = [
        ("--train", Some(args.train.as_path())),
        ("--test", args.test.as_deref()),
        ("--predict", args.predict.as_deref()),
        ("--vectors", args.vectors.as_deref()),
    ]
    .into_iter()
    .filter_map(|(flag, path)| Some((flag, path?)))
    .collect();
    let outputs: Vec<(&str, &Path)> = [
        ("--save", args.save.as_deref()),
        ("--output", args.output.as_deref()),
    ]
    .into_iter()
    .filter_map(|(flag, path)| Some((flag, path?)))
    .collect();
    check_outputs(&inputs, &outputs)?;
    if let Some(output) = &args.output {
        check_extension("--output", output, TABLE_EXTENSIONS, "")?;
    }
    if args.folds < 2 {
        bail!("--folds must be at least 2");
    }
    let linfa = args.classifier.is_linfa();
    let features = match (linfa, args.features) {
        (false, f) => f.unwrap_or(FeatureSet::Both),
        (true, None | Some(FeatureSet::Vectors)) => FeatureSet::Vectors,
        (true, Some(f)) => bail!(
            "--classifier {} trains on the pooled vectors only (--features vectors); --features {f} needs --classifier logistic",
            args.classifier
        ),
    };
    if linfa {
        for (flag, given) in [
            ("--save", args.save.is_some()),
            ("--predict", args.predict.is_some()),
        ] {
            if given {
                bail!(
                    "{flag} works with --classifier logistic only (a model file holds embed-tl's logistic regression, not --classifier {})",
                    args.classifier
                );
            }
        }
    }
    if linfa && args.search.class_weight != ClassWeight::Uniform {
        bail!(
            "--class-weight {} works with --classifier logistic only: --classifier {} trains without class weights",
            args.search.class_weight,
            args.classifier
        );
    }
    if args.search.finetune == FineTune::On && !features.uses_vectors() {
        bail!(
            "--finetune fine-tunes the word vectors: --features {features} has none (use vectors or both)"
        );
    }
    if linfa && args.search.finetune == FineTune::On {
        bail!(
            "--finetune works with --classifier logistic only: it blends a tuned layer into embed-tl's logistic regression"
        );
    }
    if linfa && args.search.select_by != SelectBy::Auto {
        bail!(
            "--select-by {} works with --classifier logistic only: --classifier {} keeps its settings, with no inner cross-validation to rank",
            args.search.select_by,
            args.classifier
        );
    }
    let train = args.columns.read_train(&args.train, ui)?;
    let counts = train.class_counts();
    let can_balance = !linfa && args.search.class_weight == ClassWeight::Uniform;
    let run_cv = args.test.is_none() || args.cv;
    // A class with fewer texts than folds does not stop the estimate (see
    // `cross_validate`): say what the estimate does with it.
    if run_cv {
        if let Some(w) = small_classes_warning(&args.train, &train.classes, &counts, args.folds) {
            ui.warn(w);
        }
    }
    let vectors = match (&args.vectors, features.uses_vectors()) {
        (Some(path), _) => Some(args.read.open(path, ui)?),
        (None, true) => {
            bail!("--features {features} needs --vectors FILE (or use --features ngrams)")
        }
        (None, false) => None,
    };
    let featurizer = args.pooling.featurizer()?;
    let params = args
        .search
        .apply(PipelineParams::default())
        .features(features)
        .featurizer(featurizer.clone())
        .seed(args.seed);
    params.check()?;
    let linfa_params = linfa.then(|| {
        LinfaPipelineParams::new(args.classifier)
            .featurizer(featurizer)
            .classifier(LinfaParams::new(args.classifier))
    });

    let tokenizer = match &vectors {
        Some(v) => Some(args.pooling.tokenizer(v)?),
        None => None,
    };
    let coverage = vectors
        .as_ref()
        .zip(tokenizer.as_ref())
        .map(|(v, tokenizer)| Coverage::measure(v, tokenizer, &train.texts));
    // `--finetune auto` is decided once, on the whole training set, so that
    // the cross-validation estimates the model that is fitted and saved; the
    // coverage has counted its tokens. So is the long-text rule, whose
    // total of tokens a fold's smaller training part could fall short of.
    let (finetune, long) = match (&coverage, &tokenizer) {
        (Some(c), Some(tokenizer)) if !linfa && features.uses_vectors() => (
            args.search.finetune.for_size(train.texts.len(), c.tokens),
            LongTexts::Decided(long_texts(&train.texts, tokenizer)),
        ),
        _ => (FineTune::Off, LongTexts::PerFit),
    };
    let params = params.finetune(finetune).long_texts(long);

    let mut report = Report {
        train: embed_tl::corpus::source::display_name(&args.train),
        rows: train.texts.len(),
        read: train.stats,
        classes: train.classes.clone(),
        class_counts: counts.clone(),
        features: features.to_string(),
        classifier: linfa.then_some(args.classifier),
        pool: features
            .uses_vectors()
            .then(|| args.pooling.pool.to_string()),
        coverage,
        cv: None,
        test: None,
        model: None,
        warnings: Vec::new(),
        seconds: 0.0,
    };

    if run_cv {
        let spinner = ui.spinner(format!("{}-fold cross-validation", args.folds));
        let cv = match (&linfa_params, &vectors) {
            (Some(lp), Some(v)) => cross_validate_linfa(
                lp,
                v,
                &train.texts,
                &train.labels,
                &train.classes,
                args.folds,
                args.seed,
            ),
            _ => cross_validate(
                &params,
                vectors.as_ref(),
                &train.texts,
                &train.labels,
                &train.classes,
                args.folds,
                args.seed,
            ),
        }
        .with_context(|| {
            format!(
                "{}: {}-fold cross-validation",
                args.train.display(),
                args.folds
            )
        })?;
        spinner.finish_and_clear();
        if let Some(w) = cv_inner_warning(&args.train, &cv) {
            ui.warn(w);
        }
        if let Some(w) = majority_warning(
            &args.train,
            "the cross-validated",
            &train.classes,
            &counts,
            &cv.pooled,
            can_balance,
        ) {
            ui.warn(w);
        }
        if cv.unconverged > 0 {
            ui.warn(format!(
                "{} fits stopped before converging (at the iteration limit --max-iter {}, or in a line search that could not go on)",
                cv.unconverged, args.search.max_iter
            ));
        }
        report.cv = Some(cv);
    }

    let needs_model = args.test.is_some() || args.save.is_some() || args.predict.is_some();
    if let (Some(lp), Some(v), Some(test_path)) = (&linfa_params, &vectors, &args.test) {
        let spinner = ui.spinner("fitting on all training texts".into());
        let model = lp
            .fit(v, &train.texts, &train.labels, &train.classes)
            .with_context(|| format!("{}: fitting on all texts", args.train.display()))?;
        spinner.finish_and_clear();
        let test = args
            .columns
            .read_test(test_path, Some(model.classes()), ui)?;
        let predicted = model.predict(v, &test.texts)?;
        report.test = Some(TestReport {
            file: embed_tl::corpus::source::display_name(test_path),
            rows: test.texts.len(),
            read: test.stats,
            metrics: Metrics::new(&test.labels, &predicted, model.classes().len()),
        });
    } else if needs_model {
        let spinner = ui.spinner("fitting on all training texts".into());
        let model = params
            .fit(
                vectors.as_ref(),
                &train.texts,
                &train.labels,
                &train.classes,
            )
            .with_context(|| format!("{}: fitting on all texts", args.train.display()))?;
        spinner.finish_and_clear();
        if let Some(w) = inner_selection_warning(&args.train, &train.classes, model.selection()) {
            ui.warn(w);
        }
        if !model.model().converged() {
            ui.warn(format!(
                "the final fit stopped before converging (at the iteration limit --max-iter {}, or in a line search that could not go on)",
                args.search.max_iter
            ));
        }
        report.model = Some(ModelSummary {
            c: model.selection().c,
            beta: model.selection().beta,
            class_weight: args.search.class_weight.to_string(),
            select_by: args.search.select_by.to_string(),
            finetune: finetune.to_string(),
            finetune_weight: (finetune == FineTune::On)
                .then(|| model.tuned().map_or(0.0, |t| t.weight)),
            iterations: model.model().iterations(),
            converged: model.model().converged(),
            small_classes: model.selection().small_classes.clone(),
            long_texts: model.selection().long_texts,
            grid: model.selection().grid.clone(),
        });
        if let Some(test_path) = &args.test {
            let test = args
                .columns
                .read_test(test_path, Some(model.classes()), ui)?;
            let predicted = model.predict(vectors.as_ref(), &test.texts)?;
            report.test = Some(TestReport {
                file: embed_tl::corpus::source::display_name(test_path),
                rows: test.texts.len(),
                read: test.stats,
                metrics: Metrics::new(&test.labels, &predicted, model.classes().len()),
            });
        }
        if let Some(path) = &args.save {
            atomic_write(path, |out| {
                model
                    .save(out)
                    .with_context(|| format!("writing {}", path.display()))
            })?;
            ui.info(format!("saved the model to {}", path.display()));
        }
        if let (Some(input), Some(output)) = (&args.predict, &args.output) {
            let job = super::predict::Job {
                input,
                input_format: None,
                text: args.columns.text_column.clone(),
                keep: None,
                output,
                output_format: None,
                proba: true,
                top_k: 0,
                rejects: None,
                limits: ui.limits,
                skip_bad_flag: false,
            };
            let model_path = args
                .save
                .as_deref()
                .unwrap_or(Path::new("the fitted model"));
            super::predict::score_file(
                &model,
                vectors.as_ref(),
                model_path,
                args.vectors.as_deref(),
                job,
                ui,
            )?;
        }
    }
    if let (Some(test), Some(test_path)) = (&report.test, &args.test) {
        if let Some(w) = majority_warning(
            test_path,
            "the test",
            &train.classes,
            &counts,
            &test.metrics,
            can_balance,
        ) {
            ui.warn(w);
        }
    }
    report.warnings = super::warnings();
    report.seconds = start.elapsed().as_secs_f64();

    // With `--predict F --output -` stdout holds the predictions: the
    // report goes to stderr instead.
    let predictions_on_stdout =
        args.predict.is_some() && args.output.as_deref() == Some(Path::new("-"));
    let mut out: Box<dyn Write> = if predictions_on_stdout {
        Box::new(std::io::stderr().lock())
    } else {
        Box::new(stdout())
    };
    if args.format == "json" {
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    } else {
        report.write_text(&mut out)?;
    }
    out.flush()?;
    Ok(())
}

#[derive(serde::Serialize)]
struct Report {
    train: String,
    rows: usize,
    /// Rows read, used and rejected in the training file.
    read: ReadStats,
    classes: Vec<String>,
    class_counts: Vec<usize>,
    features: String,
    /// A linfa classifier (absent: embed-tl's logistic regression).
    #[serde(skip_serializing_if = "Option::is_none")]
    classifier: Option<Classifier>,
    pool: Option<String>,
    coverage: Option<Coverage>,
    cv: Option<CvReport>,
    test: Option<TestReport>,
    model: Option<ModelSummary>,
    /// Every warning of the run, as on stderr (kept here under `--quiet`).
    warnings: Vec<String>,
    seconds: f64,
}

#[derive(serde::Serialize)]
struct TestReport {
    file: String,
    rows: usize,
    /// Rows read, used and rejected in the test file.
    read: ReadStats,
    metrics: Metrics,
}

#[derive(serde::Serialize)]
struct ModelSummary {
    c: f64,
    beta: f32,
    /// `--class-weight`: none or balanced.
    class_weight: String,
    /// `--select-by`: what ranked the inner CV's points.
    select_by: String,
    /// `--finetune` as applied to this training set: on or off (`auto`
    /// decided by its size).
    finetune: String,
    /// The tuned layer's weight in the probabilities (absent when no layer
    /// was tried, 0 when the inner CV turned it off).
    #[serde(skip_serializing_if = "Option::is_none")]
    finetune_weight: Option<f32>,
    iterations: u64,
    converged: bool,
    /// How choosing C and beta adapted to small classes, if it had to.
    #[serde(skip_serializing_if = "Option::is_none")]
    small_classes: Option<SmallClasses>,
    /// The training texts' mean tokens, when long enough (and the texts
    /// many enough) that the selection took the inner CV's best point and
    /// blend weight with no lean towards the vectors
    /// (`LONG_TEXT_MEAN_TOKENS`, `LONG_TEXT_MIN_TOKENS`).
    #[serde(skip_serializing_if = "Option::is_none")]
    long_texts: Option<f64>,
    /// The inner-CV accuracy of every (C, beta) point tried, in the order
    /// tried (empty when nothing was chosen by CV).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    grid: Vec<embed_tl::pipeline::GridPoint>,
}

impl Report {
    fn write_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let counts: Vec<String> = self
            .classes
            .iter()
            .zip(&self.class_counts)
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        writeln!(
            out,
            "train:     {} ({} texts; {})",
            self.train,
            self.rows,
            counts.join(", ")
        )?;
        writeln!(out, "rows:      {}", self.read)?;
        match &self.pool {
            Some(pool) => writeln!(out, "features:  {} (pooling {pool})", self.features)?,
            None => writeln!(out, "features:  {}", self.features)?,
        }
        if let Some(c) = self.classifier {
            writeln!(out, "classifier: {}", c.describe())?;
        }
        if let Some(c) = &self.coverage {
            writeln!(
                out,
                "coverage:  {:.1}% of tokens, {:.1}% of distinct words have vectors",
                100.0 * c.token_rate(),
                100.0 * c.type_rate()
            )?;
        }
        if let Some(cv) = &self.cv {
            let within = match self.classifier {
                Some(c) => format!("{c} with its default settings"),
                None => "hyperparameters chosen inside each fold".into(),
            };
            writeln!(
                out,
                "\n{}-fold stratified cross-validation ({within}):",
                cv.folds
            )?;
            writeln!(
                out,
                "  accuracy  {:.2}% ± {:.2} (mean ± sd over folds)",
                100.0 * cv.accuracy_mean,
                100.0 * cv.accuracy_std
            )?;
            write_interval(
                out,
                &cv.pooled,
                "held-out texts, each scored by its fold's model",
            )?;
            writeln!(out, "  macro-F1  {:.2}%", 100.0 * cv.pooled.macro_f1)?;
            write_metrics(out, &cv.pooled, &self.classes)?;
        }
        if let Some(test) = &self.test {
            writeln!(out, "\nheld-out test: {} ({} texts):", test.file, test.rows)?;
            writeln!(out, "  rows      {}", test.read)?;
            write_scores(out, &test.metrics, &self.classes)?;
        }
        if let Some(m) = &self.model {
            writeln!(
                out,
                "\nmodel: C = {}, vector-channel weight = {}, {} Newton steps{}",
                m.c,
                m.beta,
                m.iterations,
                if m.converged { "" } else { " (not converged)" }
            )?;
            match m.finetune_weight {
                Some(0.0) => writeln!(
                    out,
                    "tuned layer: weight 0 (the inner folds preferred the model alone, or could not validate most classes)"
                )?,
                Some(w) => writeln!(
                    out,
                    "tuned layer: weight {w} of the probabilities (fine-tuned word vectors)"
                )?,
                None => {}
            }
            if let Some(tokens) = m.long_texts {
                writeln!(
                    out,
                    "selection: long texts ({tokens:.0} tokens a text on average, from {LONG_TEXT_MEAN_TOKENS}; {:.0} in all, from {LONG_TEXT_MIN_TOKENS}): the inner CV's best point and blend, no lean towards the vectors",
                    tokens * self.rows as f64
                )?;
            }
        }
        writeln!(out, "time: {:.2}s", self.seconds)
    }
}
