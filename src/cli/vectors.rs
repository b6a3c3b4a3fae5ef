//! `embed-tl vectors ...`: inspect, convert, prune and query vector files.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use embed_tl::corpus::{read_table, Column};
use embed_tl::text::Tokenizer;
use embed_tl::vectors::{Compression, Format, Vectors};

use super::output::{atomic_write, check_outputs, is_stream, stdout, Unseekable};
use super::{open_vectors, ReportFormat, Ui, VectorsEncoding};

#[derive(Debug, Subcommand)]
pub enum VectorsCommand {
    /// Print format, size, subword support and norm statistics.
    #[command(after_help = r"Examples:
  embed-tl vectors info embeddings/glove.6B.50d.top50k.fifu
  embed-tl vectors info embeddings/glove.6B.50d.top50k.fifu --format json")]
    Info {
        #[command(flatten)]
        input: Input,
        /// Report format: text for people, json for scripts (one object).
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
    },
    /// Convert to another format (default: finalfusion, which opens
    /// memory-mapped in milliseconds).
    #[command(after_help = r"Examples:
  embed-tl vectors convert embeddings/glove.6B.50d.top50k.fifu glove50k.txt
  embed-tl vectors convert embeddings/glove.6B.50d.top50k.fifu glove50k.vec \
      --to word2vec-text
  embed-tl vectors convert glove50k.txt glove50k.fifu --vectors-format glove")]
    Convert {
        #[command(flatten)]
        input: Input,
        /// The file to write.
        output: PathBuf,
        #[command(flatten)]
        target: Target,
    },
    /// Keep only the most frequent words, or only the words a corpus uses.
    #[command(after_help = r"Examples:
  embed-tl vectors prune embeddings/glove.6B.50d.top50k.fifu \
      --top 10000 glove10k.fifu
  embed-tl vectors prune embeddings/glove.6B.50d.top50k.fifu \
      --vocab-from corpora/reviews.csv reviews.fifu")]
    Prune {
        #[command(flatten)]
        input: Input,
        /// The file to write.
        output: PathBuf,
        /// Keep the first N words (the most frequent in GloVe and word2vec
        /// files, which are in frequency order).
        #[arg(long, value_name = "N", required_unless_present = "vocab_from")]
        top: Option<usize>,
        /// Keep the words (and their lowercased forms) that this CSV, TSV or
        /// JSONL corpus uses; with fastText vectors, unknown corpus words
        /// keep their subword vectors.
        #[arg(long, value_name = "TEXTS", conflicts_with = "top")]
        vocab_from: Option<PathBuf>,
        /// The text column of --vocab-from, by name or 0-based index.
        #[arg(long, default_value = "text")]
        text_column: Column,
        #[command(flatten)]
        target: Target,
    },
    /// Score the vectors on their own: word-analogy accuracy by section
    /// and word-pair similarity correlation, as gensim's
    /// evaluate_word_analogies and evaluate_word_pairs compute them.
    #[command(
        after_help = r"3CosAdd over the first 300,000 words (--restrict-vocab), ignoring case; a question or pair
with a word outside them is skipped and counted (the OOV share), not scored as wrong, as gensim
does. Unlike gensim, a line that cannot be parsed is an error naming its line.

Examples:
  embed-tl vectors evaluate embeddings/glove.6B.50d.top50k.fifu
  embed-tl vectors evaluate embeddings/glove.6B.50d.top50k.fifu --no-similarity --json
  embed-tl vectors evaluate vectors.bin --analogies my-questions.txt \
      --similarity my-pairs.csv --delimiter ,"
    )]
    Evaluate(super::intrinsic::EvaluateArgs),
    /// The words nearest to WORD by cosine similarity.
    #[command(after_help = r"Examples:
  embed-tl vectors similar embeddings/glove.6B.50d.top50k.fifu king
  embed-tl vectors similar embeddings/glove.6B.50d.top50k.fifu excellent \
      -k 5 --format json")]
    Similar {
        #[command(flatten)]
        input: Input,
        /// The query word.
        word: String,
        /// How many neighbours.
        #[arg(short, default_value_t = 10)]
        k: usize,
        /// Report format: text for people, json for scripts (one object).
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
    },
    /// A is to B as C is to ?: the words nearest to B - A + C (man king
    /// woman: queen), the order of word2vec's word-analogy and of the
    /// lines of questions-words.txt.
    #[command(after_help = r"Examples:
  embed-tl vectors analogy embeddings/glove.6B.50d.top50k.fifu man king woman
  embed-tl vectors analogy embeddings/glove.6B.50d.top50k.fifu \
      france paris italy -k 3 --format json")]
    Analogy {
        #[command(flatten)]
        input: Input,
        /// A, the first word of the known pair (man); subtracted.
        a: String,
        /// B, the second word of the known pair (king); added.
        b: String,
        /// C, the word to find the counterpart of (woman); added.
        c: String,
        /// How many answers.
        #[arg(short, default_value_t = 10)]
        k: usize,
        /// Report format: text for people, json for scripts (one object).
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
    },
}

/// A vector file to read.
#[derive(Debug, Args)]
pub struct Input {
    /// The vector file: finalfusion, fastText .bin/.vec, word2vec binary or
    /// text, GloVe text; optionally .gz or .bz2. The format is sniffed from
    /// the content.
    file: PathBuf,
    /// Read as this format instead of sniffing: fifu (or finalfusion),
    /// fasttext, word2vec-bin, word2vec-text, glove.
    #[arg(long, value_name = "FORMAT")]
    vectors_format: Option<Format>,
    /// Replace invalid UTF-8 (bytes invalid in --vectors-encoding) in words
    /// instead of failing (by U+FFFD; in a fastText .bin, each invalid byte
    /// by \xNN, as gensim does).
    #[arg(long)]
    lossy: bool,
    #[command(flatten)]
    encoding: VectorsEncoding,
}

/// The format to write.
#[derive(Debug, Args)]
pub struct Target {
    /// Write this format: fifu, word2vec-bin, word2vec-text, glove. Default:
    /// from the output's extension (.fifu, .bin, .vec, .txt); any other
    /// name needs --to. An OUTPUT of - writes to stdout (not fifu, which
    /// seeks back).
    #[arg(long, value_name = "FORMAT")]
    to: Option<Format>,
}

impl Target {
    /// The format to write to `output`: --to, else the extension. Refuses
    /// names it cannot tell a format from, compressed names (no compressed
    /// output is written), and finalfusion into a stream it cannot seek in.
    fn resolve(&self, output: &Path) -> Result<Format> {
        let name = output.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".gz") || name.ends_with(".bz2") {
            bail!(
                "{}: compressed output is not written: give a name without .gz/.bz2 and compress the file afterwards",
                output.display()
            );
        }
        let format = match self.to {
            Some(Format::FastText) => bail!("cannot write fastText .bin: choose fifu (keeps subwords), word2vec-bin, word2vec-text or glove"),
            Some(format) => format,
            None if name.ends_with(".fifu") => Format::Finalfusion,
            None if name.ends_with(".bin") => Format::Word2VecBinary,
            None if name.ends_with(".vec") => Format::Word2VecText,
            None if name.ends_with(".txt") => Format::Glove,
            None if is_stream(output) => bail!(
                "{}: give --to glove, word2vec-text or word2vec-bin to write to stdout, a pipe or a device",
                output.display()
            ),
            None => bail!(
                "{}: unknown output extension: expected .fifu, .bin, .vec or .txt (or --to FORMAT)",
                output.display()
            ),
        };
        if format == Format::Finalfusion && cannot_seek(output) {
            bail!(
                "{}: finalfusion output seeks back to fill in chunk sizes, so it needs a file, not a pipe: give a file name, or --to glove, word2vec-text or word2vec-bin",
                output.display()
            );
        }
        Ok(format)
    }
}

/// Standard output, a FIFO or a socket: no seeking back.
fn cannot_seek(output: &Path) -> bool {
    if output == Path::new("-") {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(output)
            .is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_socket())
    }
    #[cfg(not(unix))]
    false
}

impl Input {
    /// The vector file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Open the file as the flags say.
    pub fn open(&self, ui: Ui) -> Result<Vectors> {
        Ok(open_vectors(
            &self.file,
            self.vectors_format,
            self.lossy,
            self.encoding,
            ui,
        )?)
    }
}

pub fn run(cmd: VectorsCommand, ui: Ui) -> Result<()> {
    match cmd {
        VectorsCommand::Info { input, format } => info(&input, format, ui),
        VectorsCommand::Evaluate(args) => super::intrinsic::run(args, ui),
        VectorsCommand::Convert {
            input,
            output,
            target,
        } => {
            check_outputs(&[("the input", &input.file)], &[("the output", &output)])?;
            let format = target.resolve(&output)?;
            let start = Instant::now();
            let vectors = input.open(ui)?;
            write_vectors(&vectors, &output, format)?;
            ui.info(format!(
                "wrote {} words x {} dims as {format} to {} in {:.2}s",
                vectors.len(),
                vectors.dims(),
                output.display(),
                start.elapsed().as_secs_f64()
            ));
            Ok(())
        }
        VectorsCommand::Prune {
            input,
            output,
            top,
            vocab_from,
            text_column,
            target,
        } => {
            let mut inputs = vec![("the input", input.file.as_path())];
            inputs.extend(vocab_from.as_deref().map(|v| ("--vocab-from", v)));
            check_outputs(&inputs, &[("the output", &output)])?;
            let format = target.resolve(&output)?;
            if top == Some(0) {
                bail!("--top 0 keeps no words: give --top N with N of at least 1");
            }
            let vectors = input.open(ui)?;
            let pruned = match (top, vocab_from) {
                (Some(n), _) => vectors.top(n),
                (None, Some(corpus)) => {
                    let table = read_table(&corpus, &ui.input, |_| vec![text_column.clone()])?;
                    super::say_read(&corpus, &[&text_column], &table.stats, ui);
                    let texts = table.columns.into_iter().next().unwrap_or_default();
                    if texts.iter().all(|t| t.trim().is_empty()) {
                        bail!(
                            "{} has no text: nothing to keep, nothing written",
                            corpus.display()
                        );
                    }
                    let words = corpus_words(&vectors, &texts);
                    if words.is_empty() {
                        bail!(
                            "no word of {} has a vector in {}: nothing to keep, nothing written",
                            corpus.display(),
                            input.file.display()
                        );
                    }
                    vectors.subset(words.iter().map(String::as_str))
                }
                (None, None) => bail!("give --top N or --vocab-from TEXTS"),
            };
            if pruned.is_empty() {
                bail!("no words kept: nothing written");
            }
            write_vectors(&pruned, &output, format)?;
            ui.info(format!(
                "kept {} of {} words; wrote {} as {format}",
                pruned.len(),
                vectors.len(),
                output.display()
            ));
            Ok(())
        }
        VectorsCommand::Similar {
            input,
            word,
            k,
            format,
        } => {
            let vectors = input.open(ui)?;
            let neighbours = vectors.similar(&word, k)?;
            print_neighbours(&word, &neighbours, format)
        }
        VectorsCommand::Analogy {
            input,
            a,
            b,
            c,
            k,
            format,
        } => {
            let vectors = input.open(ui)?;
            let answers = vectors.analogy(&a, &b, &c, k)?;
            print_neighbours(&format!("{b} - {a} + {c}"), &answers, format)
        }
    }
}

fn info(input: &Input, format: ReportFormat, ui: Ui) -> Result<()> {
    let start = Instant::now();
    let vectors = input.open(ui)?;
    let seconds = start.elapsed().as_secs_f64();
    let stats = vectors.norm_stats();
    let report = vectors.report();
    let mut out = stdout();
    if format == ReportFormat::Json {
        let value = serde_json::json!({
            "file": input.file,
            "format": vectors.format(),
            "compression": vectors.compression(),
            "words": vectors.len(),
            "dims": vectors.dims(),
            "subwords": vectors.has_subwords(),
            "memory_mapped": vectors.is_memory_mapped(),
            "convert_hint": convert_hint(input, &vectors),
            "fasttext": vectors.fasttext_model(),
            "norms": stats,
            "duplicates": report.duplicates,
            "words_with_spaces": report.words_with_spaces,
            "lossy_words": report.lossy_words,
            "encoding": input.encoding.vectors_encoding,
            "load_seconds": seconds,
            "warnings": super::warnings(),
        });
        writeln!(out, "{value}")?;
    } else {
        writeln!(out, "file:        {}", input.file.display())?;
        let compression = match vectors.compression() {
            Compression::None => "",
            Compression::Gzip => ", gzip-compressed",
            Compression::Bzip2 => ", bzip2-compressed",
            Compression::Zstd => ", zstd-compressed",
        };
        writeln!(out, "format:      {}{compression}", vectors.format())?;
        writeln!(out, "words:       {}", vectors.len())?;
        writeln!(out, "dims:        {}", vectors.dims())?;
        let encoding = input.encoding.vectors_encoding;
        if encoding != embed_tl::vectors::Encoding::Utf8 {
            writeln!(out, "encoding:    {encoding} (--vectors-encoding)")?;
        }
        let subwords = match vectors.fasttext_model() {
            _ if vectors.has_subwords() => "yes (unknown words get n-gram vectors)",
            Some(m) if m.maxn == 0 => "no subwords (fastText maxn 0: unknown words have no vector)",
            Some(_) => "no subwords (fastText with 0 buckets: unknown words have no vector)",
            None => "no (unknown words have no vector)",
        };
        writeln!(out, "subwords:    {subwords}")?;
        if let Some(m) = vectors.fasttext_model() {
            let mut model = m.kind.to_string();
            if m.labels > 0 {
                let s = if m.labels == 1 { "" } else { "s" };
                model.push_str(&format!(", {} label{s} (labels have no vector)", m.labels));
            }
            if m.has_subwords() {
                model.push_str(&format!(
                    ", n-grams {} to {}, {} buckets",
                    m.minn, m.maxn, m.buckets
                ));
            }
            if m.pre_2017 {
                model.push_str(", pre-2017 layout (no magic number)");
            }
            writeln!(out, "model:       {model}")?;
        }
        if let Some(s) = stats {
            writeln!(
                out,
                "norms:       min {:.4}  median {:.4}  mean {:.4}  max {:.4}",
                s.min, s.median, s.mean, s.max
            )?;
        }
        if report.duplicates > 0 {
            writeln!(
                out,
                "duplicates:  {} dropped (first kept)",
                report.duplicates
            )?;
        }
        if report.words_with_spaces > 0 {
            writeln!(
                out,
                "spaces:      {} words contain spaces",
                report.words_with_spaces
            )?;
        }
        writeln!(out, "loaded in:   {seconds:.3}s")?;
        if vectors.is_memory_mapped() {
            writeln!(
                out,
                "storage:     memory-mapped (opens in milliseconds at any size; the pages are \
                 shared between processes)"
            )?;
        }
        if let Some(hint) = convert_hint(input, &vectors) {
            writeln!(out, "faster:      {hint}")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// For vectors read into memory: the command that converts them to a
/// `.fifu` that later opens memory-mapped.
fn convert_hint(input: &Input, vectors: &Vectors) -> Option<String> {
    if vectors.is_memory_mapped()
        || vectors.format() == Format::Finalfusion && vectors.compression() == Compression::None
    {
        return None;
    }
    let mut target = input.file.clone();
    if matches!(
        target.extension().and_then(|e| e.to_str()),
        Some("gz" | "bz2" | "zst")
    ) {
        target.set_extension("");
    }
    target.set_extension("fifu");
    Some(format!(
        "`embed-tl vectors convert {} {}` once, and later opens of the .fifu are memory-mapped: \
         instant, at the cost of the words only, shared between processes",
        input.file.display(),
        target.display()
    ))
}

fn print_neighbours(query: &str, neighbours: &[(String, f32)], format: ReportFormat) -> Result<()> {
    let mut out = stdout();
    if format == ReportFormat::Json {
        let items: Vec<_> = neighbours
            .iter()
            .map(|(w, s)| serde_json::json!({"word": w, "cosine": s}))
            .collect();
        writeln!(
            out,
            "{}",
            serde_json::json!({"query": query, "neighbours": items, "warnings": super::warnings()})
        )?;
    } else {
        for (word, similarity) in neighbours {
            writeln!(out, "{similarity:.4}\t{word}")?;
        }
    }
    out.flush()?;
    Ok(())
}

fn write_vectors(vectors: &Vectors, output: &Path, format: Format) -> Result<()> {
    if output == Path::new("-") {
        return vectors
            .write(Unseekable(stdout()), format)
            .context("writing to stdout");
    }
    atomic_write(output, |out| {
        vectors
            .write(out, format)
            .with_context(|| format!("writing {}", output.display()))
    })
}

/// The corpus words to keep: tokens and their lowercased forms that have a
/// vector; known words first in file order, then subword-only words.
fn corpus_words(vectors: &Vectors, texts: &[String]) -> Vec<String> {
    let tokenizer = Tokenizer::default();
    let mut wanted: HashSet<String> = HashSet::new();
    let mut order: Vec<String> = Vec::new();
    for text in texts {
        for token in tokenizer.tokenize(text) {
            let lower = token.to_lowercase();
            for form in [token, lower] {
                if wanted.insert(form.clone()) {
                    order.push(form);
                }
            }
        }
    }
    let mut known: Vec<(usize, String)> = Vec::new();
    let mut rest = Vec::new();
    for word in order {
        match vectors.index(&word) {
            Some(idx) => known.push((idx, word)),
            None if vectors.has_subwords() => rest.push(word),
            None => {}
        }
    }
    known.sort_unstable();
    known.into_iter().map(|(_, w)| w).chain(rest).collect()
}
