//! Is one model better than another at one learning-curve size? A paired
//! comparison on the same draws, scored on the same evaluation texts.
//!
//! ```
//! use embed_tl::eval::DrawTest;
//!
//! // Model a minus model b on 4 evaluation texts (1: only a right,
//! // -1: only b right, 0: both right or both wrong), for 2 draws.
//! let diffs = [vec![1.0, 0.0, 1.0, 0.0], vec![1.0, 1.0, 0.0, 0.0]];
//! let test = DrawTest::new(&diffs, 0.95)?;
//! assert_eq!((test.draws, test.texts), (2, 4));
//! assert!((test.mean - 0.5).abs() < 1e-12);
//! assert!(test.low < test.mean && test.mean < test.high);
//! # Ok::<(), embed_tl::Error>(())
//! ```
//!
//! At one size of a learning curve, draw `j` of the labelled examples
//! trains both models, and both are scored on the same `N` evaluation
//! texts. The difference `x_ij` on text `i` for draw `j` varies with the
//! draw (another set of labels) and with the text (another evaluation
//! set): a crossed design. The variance of the mean difference is
//! estimated by the spread of the per-draw differences plus the spread of
//! the per-text differences,
//! `se^2 = s_draws^2 / J + s_texts^2 / N`, where `s_draws` is the sample
//! standard deviation of the `J` per-draw mean differences and `s_texts`
//! that of the `N` per-text mean differences (averaged over draws). In
//! the two-way random-effects model this counts the draw-by-text
//! interaction twice instead of once, so it errs on the wide side. The
//! interval uses Student's t with Welch–Satterthwaite degrees of freedom.
//! With one draw (the whole pool) only the texts' spread is left: the
//! interval then says nothing about another set of labels.

use super::paired::sample_variance;
use super::student_t_quantile;
use crate::error::{Error, Result};

/// The paired comparison of two models trained on the same draws and
/// scored on the same texts. Differences are fractions (0.01 = one
/// accuracy point).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DrawTest {
    /// Draws, each training both models.
    pub draws: usize,
    /// Evaluation texts, the same for every draw.
    pub texts: usize,
    /// Mean accuracy difference over draws.
    pub mean: f64,
    /// Sample standard deviation of the per-draw accuracy differences
    /// (0 with one draw).
    pub draw_sd: f64,
    /// Sample standard deviation over the texts of the per-text
    /// difference averaged over draws.
    pub text_sd: f64,
    /// Standard error of the mean: `sqrt(draw_sd^2 / draws + text_sd^2 / texts)`.
    pub se: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Confidence level of the interval.
    pub confidence: f64,
    /// The two-sided critical value of t at `confidence` on `df`.
    pub t_critical: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

impl DrawTest {
    /// Test `diffs[j][i]`, model a's score minus model b's on text `i`
    /// when both are trained on draw `j` (for accuracy: 1, 0 or -1), with
    /// a two-sided interval at `confidence`.
    ///
    /// Fails with no draw, fewer than 2 texts, draws of different
    /// lengths, a non-finite difference or a confidence outside (0, 1).
    pub fn new(diffs: &[Vec<f64>], confidence: f64) -> Result<DrawTest> {
        let draws = diffs.len();
        let texts = diffs.first().map_or(0, Vec::len);
        if draws == 0 {
            return Err(Error::InvalidParameter(
                "a paired comparison needs at least 1 draw".into(),
            ));
        }
        if texts < 2 {
            return Err(Error::TooFewExamples {
                class: None,
                found: texts,
                needed: 2,
                message: format!(
                    "a paired comparison needs at least 2 evaluation texts, got {texts}"
                ),
            });
        }
        if let Some((j, d)) = diffs.iter().enumerate().find(|(_, d)| d.len() != texts) {
            return Err(Error::InvalidInput(format!(
                "draw {j} is scored on {} texts, draw 0 on {texts}",
                d.len()
            )));
        }
        if diffs.iter().flatten().any(|d| !d.is_finite()) {
            return Err(Error::InvalidInput(
                "a paired difference is not a finite number".into(),
            ));
        }
        if !(confidence > 0.0 && confidence < 1.0) {
            return Err(Error::InvalidParameter(format!(
                "the confidence level must be between 0 and 1, got {confidence}"
            )));
        }
        let per_draw: Vec<f64> = diffs
            .iter()
            .map(|d| d.iter().sum::<f64>() / texts as f64)
            .collect();
        let per_text: Vec<f64> = (0..texts)
            .map(|i| diffs.iter().map(|d| d[i]).sum::<f64>() / draws as f64)
            .collect();
        let mean = per_draw.iter().sum::<f64>() / draws as f64;
        let draw_var = sample_variance(&per_draw);
        let text_var = sample_variance(&per_text);
        let v_draws = draw_var / draws as f64;
        let v_texts = text_var / texts as f64;
        let se = (v_draws + v_texts).sqrt();
        // Welch–Satterthwaite; a term with no spread adds no uncertainty.
        let mut denominator = v_texts * v_texts / (texts - 1) as f64;
        if draws > 1 {
            denominator += v_draws * v_draws / (draws - 1) as f64;
        }
        let df = if denominator > 0.0 {
            (v_draws + v_texts).powi(2) / denominator
        } else {
            (texts - 1) as f64
        };
        let t_critical = student_t_quantile(0.5 + confidence / 2.0, df);
        Ok(DrawTest {
            draws,
            texts,
            mean,
            draw_sd: draw_var.sqrt(),
            text_sd: text_var.sqrt(),
            se,
            df,
            confidence,
            t_critical,
            low: mean - t_critical * se,
            high: mean + t_critical * se,
        })
    }

    /// The test of `a` against `b` from which texts each got right:
    /// `a[j][i]` is whether model a, trained on draw `j`, labels text `i`
    /// correctly. Fails as [`DrawTest::new`] does, or when `a` and `b`
    /// differ in draws or texts.
    pub fn from_correct(a: &[Vec<bool>], b: &[Vec<bool>], confidence: f64) -> Result<DrawTest> {
        if a.len() != b.len() {
            return Err(Error::InvalidInput(format!(
                "paired models differ in draws: {} and {}",
                a.len(),
                b.len()
            )));
        }
        let mut diffs = Vec::with_capacity(a.len());
        for (j, (ra, rb)) in a.iter().zip(b).enumerate() {
            if ra.len() != rb.len() {
                return Err(Error::InvalidInput(format!(
                    "draw {j}: paired models are scored on {} and {} texts",
                    ra.len(),
                    rb.len()
                )));
            }
            diffs.push(
                ra.iter()
                    .zip(rb)
                    .map(|(&x, &y)| f64::from(u8::from(x)) - f64::from(u8::from(y)))
                    .collect(),
            );
        }
        DrawTest::new(&diffs, confidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// Worked by hand. 2 draws x 4 texts:
    /// draw 0: 1 0 1 0 (mean 0.5), draw 1: 1 1 0 0 (mean 0.5).
    /// Per-draw means 0.5, 0.5: s_draws^2 = 0. Per-text means 1, 0.5,
    /// 0.5, 0: mean 0.5, squared deviations 0.25 0 0 0.25, s_texts^2 =
    /// 0.5 / 3 = 1/6. se^2 = 0 + (1/6) / 4 = 1/24, se = 0.204124.
    /// Only the text term: df = 3, t(0.975, 3) = 3.182446, half-width
    /// 0.649614: [-0.149614, 1.149614].
    #[test]
    fn hand_computed_two_draws() {
        let diffs = [vec![1.0, 0.0, 1.0, 0.0], vec![1.0, 1.0, 0.0, 0.0]];
        let t = DrawTest::new(&diffs, 0.95).unwrap();
        assert!(close(t.mean, 0.5, 1e-15));
        assert_eq!(t.draw_sd, 0.0);
        assert!(close(t.text_sd, (1.0f64 / 6.0).sqrt(), 1e-15));
        assert!(close(t.se, (1.0f64 / 24.0).sqrt(), 1e-15));
        assert!(close(t.df, 3.0, 1e-12));
        assert!(close(t.t_critical, 3.182_446, 1e-6));
        assert!(close(t.low, -0.149_614, 1e-6), "{}", t.low);
        assert!(close(t.high, 1.149_614, 1e-6), "{}", t.high);
    }

    /// Worked by hand, both terms. 3 draws x 2 texts:
    /// draw 0: 0.1 0.3 (0.2), draw 1: 0.3 0.5 (0.4), draw 2: 0.5 0.7
    /// (0.6). Per-draw means 0.2 0.4 0.6: s^2 = 0.08 / 2 = 0.04,
    /// /J = 0.013333. Per-text means 0.3 0.5: s^2 = 0.02, /N = 0.01.
    /// se^2 = 0.023333, se = 0.152753. df = 0.023333^2 /
    /// (0.013333^2 / 2 + 0.01^2 / 1) = 5.4444e-4 / 1.8889e-4 = 2.882353.
    #[test]
    fn hand_computed_both_terms() {
        let diffs = [vec![0.1, 0.3], vec![0.3, 0.5], vec![0.5, 0.7]];
        let t = DrawTest::new(&diffs, 0.95).unwrap();
        assert!(close(t.mean, 0.4, 1e-12));
        assert!(close(t.draw_sd, 0.2, 1e-12));
        assert!(close(t.text_sd, 0.02f64.sqrt(), 1e-12));
        assert!(close(t.se, 0.152_753, 1e-6));
        assert!(close(t.df, 2.882_353, 1e-6), "{}", t.df);
        let half = t.t_critical * t.se;
        assert!(close(t.low, 0.4 - half, 1e-12));
        // Between the critical values of 2 and 3 df.
        assert!(t.t_critical > 3.182_446 && t.t_critical < 4.302_653);
    }

    #[test]
    fn correctness_pairs_to_differences() {
        let a = [vec![true, true, false], vec![true, false, false]];
        let b = [vec![true, false, false], vec![false, false, true]];
        let t = DrawTest::from_correct(&a, &b, 0.95).unwrap();
        // Draw 0: 0 1 0, draw 1: 1 0 -1.
        let direct = DrawTest::new(&[vec![0.0, 1.0, 0.0], vec![1.0, 0.0, -1.0]], 0.95).unwrap();
        assert_eq!(t, direct);
        assert!(close(t.mean, 1.0 / 6.0, 1e-15));
    }

    #[test]
    fn identical_models_give_a_zero_interval() {
        let t = DrawTest::new(&[vec![0.0; 5], vec![0.0; 5]], 0.95).unwrap();
        assert_eq!((t.mean, t.se, t.low, t.high), (0.0, 0.0, 0.0, 0.0));
    }

    #[test]
    fn bad_inputs_are_refused() {
        let one_text = [vec![1.0]];
        let ragged = [vec![1.0, 0.0], vec![1.0]];
        let nan = [vec![1.0, f64::NAN]];
        let ok = [vec![1.0, 0.0]];
        let cases: [(&[Vec<f64>], f64, &str); 5] = [
            (&[], 0.95, "at least 1 draw"),
            (&one_text, 0.95, "at least 2 evaluation texts, got 1"),
            (&ragged, 0.95, "draw 1 is scored on 1 texts, draw 0 on 2"),
            (&nan, 0.95, "not a finite number"),
            (&ok, 0.0, "between 0 and 1, got 0"),
        ];
        for (diffs, confidence, expected) in cases {
            let err = DrawTest::new(diffs, confidence).unwrap_err().to_string();
            assert!(err.contains(expected), "{err}");
        }
        let err = DrawTest::from_correct(&[vec![true]], &[], 0.95)
            .unwrap_err()
            .to_string();
        assert!(err.contains("differ in draws: 1 and 0"), "{err}");
    }
}
