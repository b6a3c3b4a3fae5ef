//! `embed-tl vectors evaluate`: the vectors on their own, word-analogy
//! accuracy and word-pair similarity correlation, as gensim computes them
//! ([`embed_tl::eval::IntrinsicParams`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use embed_tl::eval::{AnalogyReport, AnalogySet, IntrinsicParams, PairReport, PairSet};

use super::output::stdout;
use super::vectors::Input;
use super::{ReportFormat, Ui};

/// The default analogy file (shipped in embeddings/eval/).
pub const DEFAULT_ANALOGIES: &str = "questions-words.txt";
/// The default similarity files (fetched into embeddings/eval/ by
/// embeddings/fetch-eval).
pub const DEFAULT_SIMILARITY: [&str; 2] = ["wordsim353.tsv", "simlex999.txt"];

/// `vectors evaluate` arguments.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    input: Input,
    /// Analogy questions (`: section` lines, then `a b c d` lines: a is to
    /// b as c is to d) [default: embeddings/eval/questions-words.txt].
    #[arg(long, value_name = "FILE", conflicts_with = "no_analogies")]
    analogies: Option<PathBuf>,
    /// Skip the analogy test.
    #[arg(long)]
    no_analogies: bool,
    /// A word-pair file (`word1 TAB word2 TAB score`, `#` comments); repeat
    /// for several [default: embeddings/eval/wordsim353.tsv and
    /// embeddings/eval/simlex999.txt, fetched by embeddings/fetch-eval].
    #[arg(long, value_name = "FILE", conflicts_with = "no_similarity")]
    similarity: Vec<PathBuf>,
    /// Skip the word-pair tests.
    #[arg(long)]
    no_similarity: bool,
    /// The field separator of the word-pair files: one character, or
    /// `tab` (gensim's default) or `space`.
    #[arg(long, default_value = "tab", value_name = "CHAR", value_parser = parse_delimiter)]
    delimiter: char,
    /// Look up and search only the first N words (the most frequent, in
    /// frequency-ordered files): gensim's restrict_vocab.
    #[arg(long, default_value_t = embed_tl::eval::DEFAULT_RESTRICT_VOCAB, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    restrict_vocab: usize,
    /// Compare words with their case (gensim: case_insensitive=False);
    /// by default both sides are uppercased, as gensim does.
    #[arg(long)]
    case_sensitive: bool,
    /// Report format: text for people, json for scripts (one object).
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    /// The same as --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

fn parse_delimiter(s: &str) -> std::result::Result<char, String> {
    match s {
        "tab" | "\\t" => Ok('\t'),
        "space" => Ok(' '),
        _ => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c != '\n' && c != '\r' => Ok(c),
                _ => Err("expected one character, `tab` or `space`".into()),
            }
        }
    }
}

/// Where a default test file is looked for: `embeddings/eval/` under the
/// current directory, then under the source tree the binary was built
/// from.
fn default_file(name: &str) -> Result<PathBuf> {
    let places = [
        PathBuf::from("embeddings/eval"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("embeddings/eval"),
    ];
    for dir in &places {
        let path = dir.join(name);
        if path.is_file() {
            return Ok(path);
        }
    }
    let looked: Vec<String> = places.iter().map(|p| p.display().to_string()).collect();
    let how = if DEFAULT_SIMILARITY.contains(&name) {
        "run embeddings/fetch-eval to fetch it (sha256-checked, from the gensim wheel on PyPI), give the file with --similarity FILE, or skip the word-pair tests with --no-similarity".to_string()
    } else {
        "it ships with embed-tl in embeddings/eval/: run from the repository, or give --analogies FILE (or --no-analogies)".to_string()
    };
    bail!(
        "the default test file {name} is not in {}: {how}",
        looked.join(" nor in ")
    )
}

#[derive(serde::Serialize)]
struct Timed<T> {
    file: String,
    seconds: f64,
    #[serde(flatten)]
    report: T,
}

#[derive(serde::Serialize)]
struct Report {
    vectors: String,
    words: usize,
    dims: usize,
    /// Words searched: min(restrict_vocab, words).
    searched: usize,
    params: IntrinsicParams,
    load_seconds: f64,
    analogies: Option<Timed<AnalogyReport>>,
    similarity: Vec<Timed<PairReport>>,
    /// Every warning of the run, as on stderr (kept here under `--quiet`).
    warnings: Vec<String>,
}

pub fn run(args: EvaluateArgs, ui: Ui) -> Result<()> {
    let params = IntrinsicParams {
        restrict_vocab: args.restrict_vocab,
        case_insensitive: !args.case_sensitive,
    };
    params.check()?;
    // Every test file is found and read before the vectors are opened.
    let analogy_path = match (&args.analogies, args.no_analogies) {
        (_, true) => None,
        (Some(path), false) => Some(path.clone()),
        (None, false) => Some(default_file(DEFAULT_ANALOGIES)?),
    };
    let pair_paths: Vec<PathBuf> = if args.no_similarity {
        Vec::new()
    } else if args.similarity.is_empty() {
        DEFAULT_SIMILARITY
            .iter()
            .map(|name| default_file(name))
            .collect::<Result<_>>()?
    } else {
        args.similarity.clone()
    };
    if analogy_path.is_none() && pair_paths.is_empty() {
        bail!("nothing to evaluate: --no-analogies and --no-similarity leave no test");
    }
    let analogies = analogy_path
        .as_deref()
        .map(|p| AnalogySet::open(p).map(|set| (p, set)))
        .transpose()?;
    let pair_sets: Vec<(&Path, PairSet)> = pair_paths
        .iter()
        .map(|p| PairSet::open(p, args.delimiter).map(|set| (p.as_path(), set)))
        .collect::<embed_tl::Result<_>>()?;

    let start = Instant::now();
    let vectors = args.input.open(ui)?;
    let load_seconds = start.elapsed().as_secs_f64();
    let file = args.input.file().display().to_string();

    let analogies = match analogies {
        Some((path, set)) => {
            let spinner = ui.spinner(format!(
                "answering {} analogy questions of {}",
                set.len(),
                path.display()
            ));
            let start = Instant::now();
            let report = params.analogies(&vectors, &set);
            spinner.finish_and_clear();
            Some(Timed {
                file: path.display().to_string(),
                seconds: start.elapsed().as_secs_f64(),
                report,
            })
        }
        None => None,
    };
    let mut similarity = Vec::new();
    for (path, set) in &pair_sets {
        let start = Instant::now();
        let report = params
            .pairs(&vectors, set)
            .with_context(|| format!("{} with {file}", path.display()))?;
        similarity.push(Timed {
            file: path.display().to_string(),
            seconds: start.elapsed().as_secs_f64(),
            report,
        });
    }
    let report = Report {
        vectors: file,
        words: vectors.len(),
        dims: vectors.dims(),
        searched: params.restrict_vocab.min(vectors.len()),
        params,
        load_seconds,
        analogies,
        similarity,
        warnings: super::warnings(),
    };
    let mut out = stdout();
    if args.json || args.format == ReportFormat::Json {
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    } else {
        out.write_all(text(&report).as_bytes())?;
    }
    out.flush()?;
    Ok(())
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |x| format!("{:.2}%", 100.0 * x))
}

fn text(r: &Report) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let case = if r.params.case_insensitive {
        "ignoring case"
    } else {
        "case-sensitive"
    };
    let _ = writeln!(
        s,
        "vectors:    {} ({} words x {} dims; searched: the first {} words, {case}; loaded in {:.2}s)",
        r.vectors, r.words, r.dims, r.searched, r.load_seconds
    );
    if let Some(a) = &r.analogies {
        let rep = &a.report;
        let _ = writeln!(
            s,
            "\nanalogies:  {} ({} questions in {} sections; 3CosAdd, {:.2}s)",
            a.file,
            rep.questions,
            rep.sections.len(),
            a.seconds
        );
        let _ = writeln!(
            s,
            "  {:<32} {:>9} {:>18} {:>8}",
            "section", "accuracy", "correct/answered", "skipped"
        );
        for sec in rep.sections.iter().chain(std::iter::once(&rep.total)) {
            let _ = writeln!(
                s,
                "  {:<32} {:>9} {:>18} {:>8}",
                sec.name,
                pct(sec.accuracy),
                format!("{}/{}", sec.correct, sec.answered),
                sec.skipped
            );
        }
        let _ = writeln!(
            s,
            "  questions with a word outside the searched words: {} of {} ({:.1}%), skipped (not counted as wrong), as gensim does",
            rep.skipped,
            rep.questions,
            100.0 * rep.oov_ratio
        );
    }
    if !r.similarity.is_empty() {
        let _ = writeln!(
            s,
            "\nword pairs (cosine against the human scores):\n  {:<40} {:>6} {:>6} {:>7} {:>9} {:>8} {:>8}",
            "file", "pairs", "used", "OOV %", "Spearman", "Pearson", "seconds"
        );
        for p in &r.similarity {
            let rep = &p.report;
            let _ = writeln!(
                s,
                "  {:<40} {:>6} {:>6} {:>7.1} {:>9.4} {:>8.4} {:>8.3}",
                p.file,
                rep.pairs,
                rep.used,
                100.0 * rep.oov_ratio,
                rep.spearman,
                rep.pearson,
                p.seconds
            );
        }
    }
    s
}
