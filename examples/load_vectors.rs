//! Load a word-vector file once and report how long the load took.
//!
//! Used by `benches/load_vectors.sh` to compare embed-tl's loader with
//! finalfusion's own text reader on the same file, each in its own process.
//!
//! ```text
//! cargo run --release --example load_vectors -- <embed-tl|finalfusion> FILE
//! ```
//!
//! - `embed-tl`: `embed_tl::Vectors::open(FILE)` (any supported format,
//!   sniffed; text is parsed in parallel, `.fifu` is memory-mapped).
//! - `finalfusion`: finalfusion 0.18's `read_text` (GloVe text without a
//!   header line only), single-threaded.
//!
//! Prints one line to stdout:
//! `loader=<name> words=<n> dims=<d> seconds=<wall seconds of the load only>`.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use finalfusion::prelude::*;
use finalfusion::storage::{NdArray, Storage};
use finalfusion::vocab::{SimpleVocab, Vocab};

const USAGE: &str = "usage: load_vectors <embed-tl|finalfusion> FILE";

/// Which loader to run.
#[derive(Clone, Copy, Debug)]
enum Loader {
    EmbedTl,
    Finalfusion,
}

impl Loader {
    fn parse(name: &str) -> Result<Loader> {
        match name {
            "embed-tl" => Ok(Loader::EmbedTl),
            "finalfusion" => Ok(Loader::Finalfusion),
            other => bail!("unknown loader {other:?}: expected embed-tl or finalfusion\n{USAGE}"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Loader::EmbedTl => "embed-tl",
            Loader::Finalfusion => "finalfusion",
        }
    }

    /// Load `path`, returning (words, dims, seconds).
    ///
    /// `seconds` covers opening and reading the file only: the clock stops
    /// before the loaded vectors are dropped.
    fn load(self, path: &Path) -> Result<(usize, usize, f64)> {
        match self {
            Loader::EmbedTl => {
                let start = Instant::now();
                let vectors = embed_tl::Vectors::open(path).context("embed-tl loader failed")?;
                let seconds = start.elapsed().as_secs_f64();
                Ok((vectors.len(), vectors.dims(), seconds))
            }
            Loader::Finalfusion => {
                let start = Instant::now();
                let file =
                    File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
                let embeddings =
                    Embeddings::<SimpleVocab, NdArray>::read_text(&mut BufReader::new(file))
                        .with_context(|| {
                            format!("finalfusion could not read {} as text", path.display())
                        })?;
                let seconds = start.elapsed().as_secs_f64();
                let words = embeddings.vocab().words_len();
                Ok((words, embeddings.storage().shape().1, seconds))
            }
        }
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args_os().skip(1);
    let (Some(loader), Some(path), None) = (args.next(), args.next(), args.next()) else {
        bail!("expected exactly two arguments\n{USAGE}");
    };
    let loader = loader
        .to_str()
        .with_context(|| format!("loader name is not UTF-8\n{USAGE}"))
        .and_then(Loader::parse)?;
    let path = PathBuf::from(path);

    let (words, dims, seconds) = loader.load(&path)?;

    println!(
        "loader={} words={words} dims={dims} seconds={seconds:.6}",
        loader.name()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("load_vectors: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
