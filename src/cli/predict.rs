//! `embed-tl predict`: label new texts with a saved model.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use embed_tl::corpus::Column;
use embed_tl::pipeline::Pipeline;
use embed_tl::vectors::Format;

use super::classify::predict_file;
use super::{open_vectors, Ui};

/// Label texts with a model saved by `classify --save`.
///
/// Example: embed-tl predict --model reviews.etl --vectors embeddings/glove.6B.50d.top50k.fifu --input new.csv --output scored.csv
#[derive(Debug, Args)]
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
    /// Texts to label: CSV, TSV (.tsv) or JSONL (.jsonl).
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// The text column, by name or 0-based index.
    #[arg(long, default_value = "text")]
    text_column: Column,
    /// Where to write `id,label,p_<class>...` rows (- for stdout).
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
}

pub fn run(args: PredictArgs, ui: Ui) -> Result<()> {
    let file = File::open(&args.model).with_context(|| format!("{}", args.model.display()))?;
    let model = Pipeline::load(BufReader::new(file)).map_err(|e| e.with_path(&args.model))?;
    let vectors = match &args.vectors {
        Some(path) => Some(open_vectors(path, args.vectors_format, false, ui)?),
        None => None,
    };
    model.check_vectors(vectors.as_ref()).with_context(|| {
        format!(
            "{} with {}",
            args.model.display(),
            args.vectors
                .as_ref()
                .map_or("no vectors".into(), |p| p.display().to_string())
        )
    })?;
    predict_file(
        &model,
        vectors.as_ref(),
        &args.input,
        &args.text_column,
        &args.output,
    )
}
