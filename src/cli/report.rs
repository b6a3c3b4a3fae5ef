//! Text renderings of evaluation metrics shared by commands (`classify`'s
//! cross-validation and held-out test, `evaluate`).

use std::io::Write;

use embed_tl::eval::Metrics;

/// Accuracy and macro-F1, then [`write_metrics`]: the block `classify
/// --test` prints for its held-out file and `evaluate` prints for its input.
pub fn write_scores(out: &mut dyn Write, m: &Metrics, classes: &[String]) -> std::io::Result<()> {
    writeln!(out, "  accuracy  {:.2}%", 100.0 * m.accuracy)?;
    write_interval(out, m, "texts")?;
    writeln!(out, "  macro-F1  {:.2}%", 100.0 * m.macro_f1)?;
    write_metrics(out, m, classes)
}

/// The 95% interval of the accuracy ([`Metrics::accuracy_interval`]) and
/// the number of `what` it rests on.
pub fn write_interval(out: &mut dyn Write, m: &Metrics, what: &str) -> std::io::Result<()> {
    let rows: u64 = m.confusion.iter().flatten().sum();
    let [lo, hi] = m.accuracy_interval;
    writeln!(
        out,
        "  95% CI    {:.1}% to {:.1}% (Wilson interval over {rows} {what})",
        100.0 * lo,
        100.0 * hi
    )
}

/// Per-class precision, recall, F1 and support, then the confusion matrix
/// (up to 12 classes).
pub fn write_metrics(out: &mut dyn Write, m: &Metrics, classes: &[String]) -> std::io::Result<()> {
    let width = classes.iter().map(|c| c.len()).max().unwrap_or(5).max(5);
    writeln!(
        out,
        "  {:width$}  precision  recall     F1  support",
        "class"
    )?;
    for (c, cm) in classes.iter().zip(&m.per_class) {
        writeln!(
            out,
            "  {c:width$}  {:>9.3}  {:>6.3}  {:>5.3}  {:>7}",
            cm.precision, cm.recall, cm.f1, cm.support
        )?;
    }
    if classes.len() <= 12 {
        writeln!(out, "  confusion (rows: true, columns: predicted)")?;
        write!(out, "  {:width$}", "")?;
        for c in classes {
            write!(out, " {c:>8}")?;
        }
        writeln!(out)?;
        for (c, row) in classes.iter().zip(&m.confusion) {
            write!(out, "  {c:width$}")?;
            for n in row {
                write!(out, " {n:>8}")?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}
