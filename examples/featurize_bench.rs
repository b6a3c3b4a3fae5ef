//! Time the featurizer (tokenise + look up + pool) on a file of texts.
//!
//! Used by `benches/featurize.sh` to compare embed-tl with the Python loop
//! a user would otherwise write (`benches/featurize_python.py`).
//!
//! ```text
//! cargo run --release --example featurize_bench -- VECTORS TEXTS_FILE POOL REPEATS
//! ```
//!
//! - `VECTORS`: any file `embed_tl::Vectors::open` reads (a `.fifu` is
//!   memory-mapped).
//! - `TEXTS_FILE`: UTF-8, one text per line.
//! - `POOL`: `mean` or `sif` (SIF with `a = 1e-3`).
//! - `REPEATS`: how many times to fit and transform.
//!
//! Reading the texts and opening the vectors are not timed. Each repeat
//! fits a featurizer on all the texts (for SIF: word frequencies, then the
//! principal component of the weighted averages, which transforms the texts
//! once) and transforms them, timing both, and prints one line:
//! `pool=.. docs=.. fit_s=.. transform_s=.. docs_per_s=.. checksum=..`
//! where `docs_per_s = docs / (fit_s + transform_s)` and `checksum` is the
//! sum of all features (so the work cannot be optimised away). Transforming
//! uses rayon's default pool: set `RAYON_NUM_THREADS=1` for one core.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use embed_tl::features::FeaturizerParams;
use embed_tl::pool::PoolParams;
use embed_tl::Vectors;

const USAGE: &str = "usage: featurize_bench VECTORS TEXTS_FILE POOL(mean|sif) REPEATS";

fn parse_pool(name: &str) -> Result<PoolParams> {
    match name {
        "mean" => Ok(PoolParams::Mean),
        "sif" => Ok(PoolParams::Sif { a: 1e-3 }),
        other => bail!("unknown pool {other:?}: expected mean or sif\n{USAGE}"),
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| {
            a.into_string()
                .map_err(|a| anyhow::anyhow!("argument {a:?} is not UTF-8\n{USAGE}"))
        })
        .collect::<Result<_>>()?;
    let [vectors_path, texts_path, pool_name, repeats] = args.as_slice() else {
        bail!(
            "expected exactly four arguments, got {}\n{USAGE}",
            args.len()
        );
    };
    let pool = parse_pool(pool_name)?;
    let repeats: usize = repeats
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .with_context(|| format!("REPEATS must be a positive integer, got {repeats:?}"))?;
    let texts_path = PathBuf::from(texts_path);

    let contents = std::fs::read_to_string(&texts_path)
        .with_context(|| format!("cannot read {} as UTF-8 text", texts_path.display()))?;
    let texts: Vec<&str> = contents.lines().collect();
    let vectors = Vectors::open(vectors_path)
        .with_context(|| format!("cannot open vectors {vectors_path}"))?;
    let params = FeaturizerParams::default().pool(pool);

    for _ in 0..repeats {
        let start = Instant::now();
        let featurizer = params.fit(&vectors, &texts).context("fit failed")?;
        let fit_s = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let x = featurizer
            .transform(&vectors, &texts)
            .context("transform failed")?;
        let transform_s = start.elapsed().as_secs_f64();
        let checksum: f64 = x.iter().map(|&v| f64::from(v)).sum();
        let seconds = fit_s + transform_s;
        println!(
            "pool={pool_name} docs={} fit_s={fit_s:.6} transform_s={transform_s:.6} docs_per_s={:.1} checksum={checksum:.6}",
            texts.len(),
            texts.len() as f64 / seconds
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("featurize_bench: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
