//! `embed-tl evaluate`: score a saved model on labelled texts (like
//! fastText's `test` or spaCy's `evaluate`): accuracy, macro-F1, per-class
//! precision/recall/F1 and the confusion matrix, the same report as
//! `classify --test`; optionally the misclassified rows.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use embed_tl::corpus::stream::ReadStats;
use embed_tl::corpus::{read_labelled_opts, Column, Labelled};
use embed_tl::eval::Metrics;
use embed_tl::features::Coverage;
use embed_tl::score::{Prediction, Scorer};

use super::output::{atomic_write, stdout};
use super::report::write_scores;
use super::{ReportFormat, Ui};

/// Score a model saved by `classify --save` on labelled texts.
#[derive(Debug, Args)]
#[command(after_help = r"Examples (trec.etl from the first line):
  embed-tl classify --vectors embeddings/glove.6B.50d.top50k.fifu \
      --train corpora/trec-train.csv --save trec.etl
  embed-tl evaluate --model trec.etl --vectors embeddings/glove.6B.50d.top50k.fifu \
      --input corpora/trec-test.csv
  embed-tl evaluate --model trec.etl --vectors embeddings/glove.6B.50d.top50k.fifu \
      --input corpora/trec-test.csv --errors trec-errors.csv --format json")]
pub struct EvaluateArgs {
    /// The model file written by `embed-tl classify --save`.
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// The vectors the model was trained with (checked by fingerprint; not
    /// needed by a `--features ngrams` model).
    #[arg(long, value_name = "FILE")]
    vectors: Option<PathBuf>,
    #[command(flatten)]
    read: super::VectorsRead,
    /// Labelled texts to score: CSV, TSV (.tsv) or JSONL (.jsonl). Every
    /// label must be one of the model's classes.
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// The text column, by name or 0-based index.
    #[arg(long, default_value = "text")]
    text_column: Column,
    /// The label column, by name or 0-based index.
    #[arg(long, default_value = "label")]
    label_column: Column,
    /// Report format: text for people, json for scripts (one object).
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    /// Write the misclassified rows to this CSV file (columns: line, text,
    /// label, predicted, then p_<class> for every class). Written to a
    /// temporary file and renamed when complete.
    #[arg(long, value_name = "FILE")]
    errors: Option<PathBuf>,
}

pub fn run(args: EvaluateArgs, ui: Ui) -> Result<()> {
    let start = Instant::now();
    if let Some(errors) = &args.errors {
        if errors == Path::new("-") {
            bail!("--errors -: stdout holds the report; give a file name");
        }
        let mut inputs = vec![("--model", args.model.as_path()), ("--input", &args.input)];
        inputs.extend(args.vectors.as_deref().map(|v| ("--vectors", v)));
        super::output::check_outputs(&inputs, &[("--errors", errors)])?;
    }
    let (model, vectors) = super::load_model(&args.model, args.vectors.as_deref(), args.read, ui)?;
    let scorer = Scorer::new(&model, vectors.as_ref()).with_context(|| {
        format!(
            "{} with {}",
            args.model.display(),
            args.vectors
                .as_ref()
                .map_or("no vectors".into(), |p| p.display().to_string())
        )
    })?;
    let data = read_labelled_opts(
        &args.input,
        &args.text_column,
        &args.label_column,
        Some(model.classes()),
        &ui.input,
    )?;
    super::say_read(
        &args.input,
        &[&args.text_column, &args.label_column],
        &data.stats,
        ui,
    );
    // How well the vectors cover the scored texts, beside the training
    // texts' coverage that `classify` printed: new texts far less covered
    // are texts the vector channel sees less of.
    let coverage = model
        .featurizer()
        .zip(vectors.as_ref())
        .map(|(f, v)| Coverage::measure(v, f.tokenizer(), &data.texts));
    let spinner = ui.spinner(format!("scoring {} texts", data.texts.len()));
    let (predictions, blank) = scorer
        .predict_batch_and_blank(&data.texts)
        .map_err(|e| e.with_path(&args.input))?;
    spinner.finish_and_clear();
    let input = embed_tl::corpus::source::display_name(&args.input);
    if let Some(w) = super::blank_warning(&input, blank, data.texts.len() as u64) {
        ui.warn(w);
    }
    let predicted: Vec<usize> = predictions.iter().map(|p| p.class).collect();
    let metrics = Metrics::new(&data.labels, &predicted, model.classes().len());
    // The model's training counts are not saved: the baseline is the
    // largest class of the file scored, the best constant answer for it.
    let counts: Vec<usize> = metrics
        .per_class
        .iter()
        .map(|c| c.support as usize)
        .collect();
    if let Some(w) = super::majority_warning(
        &args.input,
        "the",
        model.classes(),
        &counts,
        &metrics,
        false,
    ) {
        ui.warn(w);
    }
    let misclassified = data
        .labels
        .iter()
        .zip(&predicted)
        .filter(|(t, p)| t != p)
        .count();
    if let Some(path) = &args.errors {
        atomic_write(path, |out| {
            write_errors(out, &data, &predictions)
                .with_context(|| format!("writing {}", path.display()))
        })?;
        ui.info(format!(
            "wrote {misclassified} misclassified rows to {}",
            path.display()
        ));
    }
    let report = Report {
        model: args.model.display().to_string(),
        vectors: args.vectors.as_ref().map(|p| p.display().to_string()),
        input,
        rows: data.texts.len(),
        read: data.stats,
        features: model.features().to_string(),
        coverage,
        blank,
        classes: model.classes().to_vec(),
        misclassified,
        errors: args.errors.as_ref().map(|p| p.display().to_string()),
        metrics,
        warnings: super::warnings(),
        seconds: start.elapsed().as_secs_f64(),
    };
    let mut out = stdout();
    match args.format {
        ReportFormat::Json => {
            serde_json::to_writer(&mut out, &report)?;
            writeln!(out)?;
        }
        ReportFormat::Text => report.write_text(&mut out)?,
    }
    out.flush()?;
    Ok(())
}

/// The misclassified rows as CSV: line, text, label, predicted, then one
/// probability column per class.
fn write_errors(out: &mut dyn Write, data: &Labelled, predictions: &[Prediction]) -> Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    let mut header = vec![
        "line".to_string(),
        "text".into(),
        "label".into(),
        "predicted".into(),
    ];
    header.extend(data.classes.iter().map(|c| format!("p_{c}")));
    csv.write_record(&header)?;
    let rows = data
        .texts
        .iter()
        .zip(&data.labels)
        .zip(&data.lines)
        .zip(predictions);
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    for (((text, &label), line), prediction) in rows {
        if prediction.class == label {
            continue;
        }
        record.clear();
        record.push(line.to_string());
        record.push(text.clone());
        record.push(data.classes[label].clone());
        record.push(data.classes[prediction.class].clone());
        record.extend(prediction.proba.iter().map(|p| format!("{p:.6}")));
        csv.write_record(&record)?;
    }
    csv.flush()?;
    Ok(())
}

#[derive(serde::Serialize)]
struct Report {
    model: String,
    vectors: Option<String>,
    input: String,
    rows: usize,
    /// Rows read, used and rejected.
    read: ReadStats,
    features: String,
    /// The vectors' coverage of the scored texts (absent without vectors).
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<Coverage>,
    /// Texts with nothing the model knows, scored as an empty text is.
    blank: u64,
    classes: Vec<String>,
    misclassified: usize,
    errors: Option<String>,
    metrics: Metrics,
    /// Every warning of the run, as on stderr (kept here under `--quiet`).
    warnings: Vec<String>,
    seconds: f64,
}

impl Report {
    fn write_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(
            out,
            "model:     {} (features {}; {} classes)",
            self.model,
            self.features,
            self.classes.len()
        )?;
        if let Some(vectors) = &self.vectors {
            writeln!(out, "vectors:   {vectors}")?;
        }
        writeln!(out, "\nevaluated: {} ({} texts):", self.input, self.rows)?;
        writeln!(out, "  rows      {}", self.read)?;
        if let Some(c) = &self.coverage {
            writeln!(
                out,
                "  coverage  {:.1}% of tokens, {:.1}% of distinct words have vectors; {} text{} none",
                100.0 * c.token_rate(),
                100.0 * c.type_rate(),
                c.docs_without_vectors,
                if c.docs_without_vectors == 1 { " has" } else { "s have" },
            )?;
        }
        if self.blank > 0 {
            writeln!(
                out,
                "  unknown   {} text{} nothing the model knows (each scored as an empty text)",
                self.blank,
                if self.blank == 1 { " has" } else { "s have" },
            )?;
        }
        write_scores(out, &self.metrics, &self.classes)?;
        match &self.errors {
            Some(path) => writeln!(
                out,
                "\nmisclassified: {} of {} (written to {path})",
                self.misclassified, self.rows
            )?,
            None => writeln!(
                out,
                "\nmisclassified: {} of {}",
                self.misclassified, self.rows
            )?,
        }
        writeln!(out, "time: {:.2}s", self.seconds)
    }
}
