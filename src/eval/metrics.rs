//! Accuracy, per-class precision/recall/F1, macro-F1 and the confusion
//! matrix, computed from (true, predicted) label pairs.

/// Metrics of one set of predictions.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// Share of rows predicted right.
    pub accuracy: f64,
    /// The 95% Wilson score interval of `accuracy` over the rows scored
    /// ([`wilson_interval`]): the accuracies on new rows of the same kind
    /// that these rows cannot rule out. It is exact in kind for one model
    /// scored on a held-out file; for cross-validation's pooled rows (each
    /// scored by its own fold's model) it is an approximation.
    pub accuracy_interval: [f64; 2],
    /// Unweighted mean of the per-class F1 scores.
    pub macro_f1: f64,
    /// Per class: precision, recall, F1 and support (true rows).
    pub per_class: Vec<ClassMetrics>,
    /// `confusion[t][p]`: rows of true class `t` predicted as `p`.
    pub confusion: Vec<Vec<u64>>,
}

/// Precision, recall and F1 of one class.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ClassMetrics {
    /// Of the rows predicted as this class, the share that are.
    pub precision: f64,
    /// Of the rows of this class, the share predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Rows of this class.
    pub support: u64,
}

impl Metrics {
    /// Metrics of `predicted` against `truth` (labels in `0..classes`).
    ///
    /// # Panics
    /// When the slices differ in length or a label is out of range.
    pub fn new(truth: &[usize], predicted: &[usize], classes: usize) -> Metrics {
        assert_eq!(truth.len(), predicted.len(), "one prediction per row");
        let mut confusion = vec![vec![0u64; classes]; classes];
        for (&t, &p) in truth.iter().zip(predicted) {
            confusion[t][p] += 1;
        }
        Metrics::from_confusion(confusion)
    }

    /// Metrics from a confusion matrix (`confusion[true][predicted]`).
    pub fn from_confusion(confusion: Vec<Vec<u64>>) -> Metrics {
        let classes = confusion.len();
        let total: u64 = confusion.iter().flatten().sum();
        let correct: u64 = (0..classes).map(|c| confusion[c][c]).sum();
        let per_class: Vec<ClassMetrics> = (0..classes)
            .map(|c| {
                let tp = confusion[c][c] as f64;
                let predicted: u64 = confusion.iter().map(|row| row[c]).sum();
                let support: u64 = confusion[c].iter().sum();
                let precision = if predicted > 0 {
                    tp / predicted as f64
                } else {
                    0.0
                };
                let recall = if support > 0 {
                    tp / support as f64
                } else {
                    0.0
                };
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassMetrics {
                    precision,
                    recall,
                    f1,
                    support,
                }
            })
            .collect();
        let macro_f1 = if classes > 0 {
            per_class.iter().map(|m| m.f1).sum::<f64>() / classes as f64
        } else {
            0.0
        };
        Metrics {
            accuracy: if total > 0 {
                correct as f64 / total as f64
            } else {
                0.0
            },
            accuracy_interval: wilson_interval(correct, total, Z_95),
            macro_f1,
            per_class,
            confusion,
        }
    }

    /// Add another confusion matrix (e.g. the next fold's) to this one.
    pub fn merged(&self, other: &Metrics) -> Metrics {
        let confusion = self
            .confusion
            .iter()
            .zip(&other.confusion)
            .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x + y).collect())
            .collect();
        Metrics::from_confusion(confusion)
    }
}

/// The standard normal quantile of a two-sided 95% interval,
/// `Phi^-1(0.975)`.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The Wilson score interval of a proportion: `successes` of `trials`, at
/// the normal quantile `z` ([`Z_95`] for 95%). Unlike the normal
/// approximation `p +- z sqrt(p (1 - p) / n)` it stays inside `[0, 1]` and
/// keeps its coverage for small `n` and for proportions near 0 or 1, which
/// is where the small labelled sets of this toolkit live. With no trials
/// nothing is known: `[0, 1]`.
///
/// ```
/// use embed_tl::eval::{wilson_interval, Z_95};
/// // 31 texts right of 50: about 48% to 74%.
/// let [lo, hi] = wilson_interval(31, 50, Z_95);
/// assert!((lo - 0.4815).abs() < 1e-4 && (hi - 0.7414).abs() < 1e-4);
/// ```
pub fn wilson_interval(successes: u64, trials: u64, z: f64) -> [f64; 2] {
    if trials == 0 {
        return [0.0, 1.0];
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    [(centre - half).max(0.0), (centre + half).min(1.0)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wilson intervals from statsmodels 0.15.0,
    /// `proportion_confint(k, n, alpha=0.05, method="wilson")`.
    #[test]
    fn wilson_intervals_match_statsmodels() {
        let expected = [
            (6, 10, 0.3126737697, 0.8318196703),
            (31, 50, 0.4815044693, 0.7413721069),
            (0, 5, 0.0, 0.4344824648),
            (5, 5, 0.5655175352, 1.0),
            (452, 500, 0.8750130376, 0.9268264953),
        ];
        for (k, n, lo, hi) in expected {
            let [l, h] = wilson_interval(k, n, Z_95);
            assert!((l - lo).abs() < 1e-9, "{k}/{n}: {l} against {lo}");
            assert!((h - hi).abs() < 1e-9, "{k}/{n}: {h} against {hi}");
        }
        assert_eq!(wilson_interval(0, 0, Z_95), [0.0, 1.0]);
    }

    /// A hand-computed 3-class table.
    #[test]
    fn hand_computed_table() {
        // truth:     0 0 0 0 1 1 1 2 2 2
        // predicted: 0 0 1 2 1 1 0 2 2 1
        let truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
        let pred = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];
        let m = Metrics::new(&truth, &pred, 3);
        assert_eq!(
            m.confusion,
            vec![vec![2, 1, 1], vec![1, 2, 0], vec![0, 1, 2]]
        );
        assert!((m.accuracy - 0.6).abs() < 1e-12);
        // class 0: P 2/3, R 2/4, F1 = 2*(2/3*1/2)/(2/3+1/2) = 4/7
        // class 1: P 2/4, R 2/3, F1 = 4/7
        // class 2: P 2/3, R 2/3, F1 = 2/3
        let expected = [
            (2.0 / 3.0, 0.5, 4.0 / 7.0, 4),
            (0.5, 2.0 / 3.0, 4.0 / 7.0, 3),
            (2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 3),
        ];
        for (c, (p, r, f, s)) in expected.iter().enumerate() {
            let got = &m.per_class[c];
            assert!((got.precision - p).abs() < 1e-12, "class {c}");
            assert!((got.recall - r).abs() < 1e-12, "class {c}");
            assert!((got.f1 - f).abs() < 1e-12, "class {c}");
            assert_eq!(got.support, *s);
        }
        assert!((m.macro_f1 - (4.0 / 7.0 + 4.0 / 7.0 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn a_never_predicted_class_has_zero_f1() {
        let m = Metrics::new(&[0, 1, 1], &[0, 0, 0], 2);
        assert_eq!(m.per_class[1].f1, 0.0);
        assert_eq!(m.per_class[1].precision, 0.0);
        let twice = m.merged(&m);
        assert_eq!(twice.confusion, vec![vec![2, 0], vec![4, 0]]);
    }
}
