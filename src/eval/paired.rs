//! Is one model better than another on the same folds? The corrected
//! resampled t-test of Nadeau and Bengio (2003), its confidence interval,
//! and the transfer verdict drawn from that interval.
//!
//! ```
//! use embed_tl::eval::{PairedTest, Verdict, VerdictRule};
//!
//! // acc(a) - acc(b) on 2 repeats x 3 folds (same folds for both models).
//! let diffs = [0.02, 0.04, 0.01, 0.03, 0.05, 0.00];
//! // 3-fold CV: each fold tests on 1/3 of the rows and trains on 2/3.
//! let test = PairedTest::corrected(&diffs, 1.0 / 2.0, 0.95)?;
//! assert!((test.mean - 0.025).abs() < 1e-12);
//! assert_eq!(test.df, 5);
//! // The interval straddles 0: no evidence either way.
//! assert_eq!(VerdictRule::default().verdict(&test), Verdict::Neutral);
//! # Ok::<(), embed_tl::Error>(())
//! ```
//!
//! Folds of repeated cross-validation share training rows, so their
//! differences are correlated and the naive paired t-test, which treats
//! them as independent, is far too confident. Nadeau and Bengio's
//! correction replaces the variance of the mean, `s^2 / J`, by
//! `s^2 * (1/J + n_test/n_train)` for `J` resamples, each testing on
//! `n_test` and training on `n_train` rows. Bouckaert and Frank (2004)
//! found it, on repeated k-fold CV, to have the right size and good
//! replicability; its degrees of freedom are `J - 1`.

use std::fmt;

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::error::{Error, Result};

/// The corrected resampled t-test of paired per-fold differences.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PairedTest {
    /// Number of paired differences (folds x repeats).
    pub n: usize,
    /// Mean difference.
    pub mean: f64,
    /// Sample standard deviation of the differences (`n - 1` divisor).
    pub sd: f64,
    /// `n_test / n_train` of each resample, the correction's ratio.
    pub test_train_ratio: f64,
    /// Corrected standard error: `sd * sqrt(1/n + test_train_ratio)`.
    pub se: f64,
    /// `mean / se` (0 when both are 0; infinite when only `se` is 0).
    pub t: f64,
    /// Degrees of freedom, `n - 1`.
    pub df: usize,
    /// Two-sided p-value of "mean difference = 0".
    pub p_value: f64,
    /// Confidence level of the interval (e.g. 0.95).
    pub confidence: f64,
    /// The Student-t quantile used for the interval.
    pub t_critical: f64,
    /// Lower bound of the confidence interval of the mean difference.
    pub low: f64,
    /// Upper bound of the confidence interval of the mean difference.
    pub high: f64,
}

impl PairedTest {
    /// The corrected resampled t-test of `diffs` (one per fold of each
    /// repeat, same folds for both models), for resamples that test on
    /// `test_train_ratio` times as many rows as they train on (`1/(k-1)`
    /// for k-fold CV), with a two-sided interval at `confidence`.
    ///
    /// Fails with fewer than 2 differences, a non-finite difference, a
    /// negative ratio or a confidence outside (0, 1).
    pub fn corrected(diffs: &[f64], test_train_ratio: f64, confidence: f64) -> Result<PairedTest> {
        let n = diffs.len();
        if n < 2 {
            return Err(Error::InvalidInput(format!(
                "a paired test needs at least 2 differences, got {n}"
            )));
        }
        if diffs.iter().any(|d| !d.is_finite()) {
            return Err(Error::InvalidInput(
                "a paired difference is not a finite number".into(),
            ));
        }
        if !(test_train_ratio >= 0.0 && test_train_ratio.is_finite()) {
            return Err(Error::InvalidParameter(format!(
                "the test/train ratio must be a non-negative number, got {test_train_ratio}"
            )));
        }
        if !(confidence > 0.0 && confidence < 1.0) {
            return Err(Error::InvalidParameter(format!(
                "the confidence level must be between 0 and 1, got {confidence}"
            )));
        }
        let mean = diffs.iter().sum::<f64>() / n as f64;
        let var = sample_variance(diffs);
        let sd = var.sqrt();
        let se = (var * (1.0 / n as f64 + test_train_ratio)).sqrt();
        let df = n - 1;
        let t = if se > 0.0 {
            mean / se
        } else if mean == 0.0 {
            0.0
        } else {
            mean.signum() * f64::INFINITY
        };
        let p_value = if t.is_infinite() {
            0.0
        } else {
            2.0 * (1.0 - student_t_cdf(t.abs(), df as f64))
        };
        let t_critical = student_t_quantile(0.5 + confidence / 2.0, df as f64);
        Ok(PairedTest {
            n,
            mean,
            sd,
            test_train_ratio,
            se,
            t,
            df,
            p_value,
            confidence,
            t_critical,
            low: mean - t_critical * se,
            high: mean + t_critical * se,
        })
    }
}

/// What the vectors do to the task: the sign of a difference between a
/// model with them and one without, as far as its interval shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The vectors help: the interval lies above the margin.
    Positive,
    /// No difference shown either way (or one smaller than the margin).
    Neutral,
    /// The vectors hurt: the interval lies below minus the margin.
    Negative,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Positive => "positive",
            Verdict::Neutral => "neutral",
            Verdict::Negative => "negative",
        })
    }
}

/// The rule that turns the interval of a difference (a [`PairedTest`] of
/// `acc(with vectors) - acc(without)`, or a [`super::DrawTest`]) into a
/// [`Verdict`]: positive when the whole confidence interval lies
/// above `+margin`, negative when it lies below `-margin`, neutral
/// otherwise.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct VerdictRule {
    /// The smallest difference (in accuracy, 0.01 = one point) that
    /// counts. Default 0: any difference the interval shows.
    pub margin: f64,
}

impl Default for VerdictRule {
    fn default() -> Self {
        VerdictRule { margin: 0.0 }
    }
}

impl VerdictRule {
    /// Fail on a margin that is negative or not a number.
    pub fn check(&self) -> Result<()> {
        if !(self.margin >= 0.0 && self.margin.is_finite()) {
            return Err(Error::InvalidParameter(format!(
                "the verdict margin must be a non-negative number, got {}",
                self.margin
            )));
        }
        Ok(())
    }

    /// The verdict on `test`.
    pub fn verdict(&self, test: &PairedTest) -> Verdict {
        self.judge(test.low, test.high)
    }

    /// The verdict on a confidence interval `[low, high]` of a difference.
    pub fn judge(&self, low: f64, high: f64) -> Verdict {
        if low > self.margin {
            Verdict::Positive
        } else if high < -self.margin {
            Verdict::Negative
        } else {
            Verdict::Neutral
        }
    }

    /// The rule in words, for reports, about the interval of `difference`
    /// (as in `"acc(both) - acc(ngrams)"`) at `confidence` (0.95 is
    /// written "95%").
    pub fn describe(&self, confidence: f64, difference: &str) -> String {
        let level = format!("{}%", 100.0 * confidence);
        if self.margin > 0.0 {
            let m = 100.0 * self.margin;
            format!(
                "positive if the whole {level} confidence interval of {difference} lies above +{m} points, negative if it lies below -{m} points, neutral otherwise"
            )
        } else {
            format!(
                "positive if the whole {level} confidence interval of {difference} lies above 0, negative if it lies below 0, neutral otherwise"
            )
        }
    }
}

/// Student's t with `df` degrees of freedom (statrs), if `df > 0`.
fn student_t(df: f64) -> Option<StudentsT> {
    StudentsT::new(0.0, 1.0, df).ok()
}

/// `P(T <= t)` for Student's t with `df` degrees of freedom (`df > 0`; NaN
/// otherwise), by statrs.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    match student_t(df) {
        Some(dist) if !t.is_nan() => dist.cdf(t),
        _ => f64::NAN,
    }
}

/// The `p`-quantile of Student's t with `df` degrees of freedom: the `t`
/// with [`student_t_cdf`]`(t, df) = p`, found by bisection on statrs' CDF
/// to machine precision. statrs' own `inverse_cdf` (through its inverse
/// incomplete beta) agrees to 1e-13 at the 97.5% point, but near the
/// median at many degrees of freedom only to about 8 digits (2e-8
/// relative at p = 0.5005, df = 1000), which a low `--confidence` would
/// show.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    let dist = match student_t(df) {
        Some(dist) if p > 0.0 && p < 1.0 => dist,
        _ => {
            return if p == 0.0 {
                f64::NEG_INFINITY
            } else if p == 1.0 {
                f64::INFINITY
            } else {
                f64::NAN
            }
        }
    };
    if p == 0.5 {
        return 0.0;
    }
    // Solve for the upper half and mirror.
    let q = if p > 0.5 { p } else { 1.0 - p };
    let mut hi = 1.0;
    while dist.cdf(hi) < q && hi < 1e300 {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..2000 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if dist.cdf(mid) < q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let t = 0.5 * (lo + hi);
    if p > 0.5 {
        t
    } else {
        -t
    }
}

/// The sample variance (`n - 1` divisor); 0 for fewer than 2 values.
pub(crate) fn sample_variance(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// The t distribution against closed forms: df 1 is Cauchy, df 2 has
    /// `F(t) = 1/2 + t / (2 sqrt(2 + t^2))`.
    #[test]
    fn t_cdf_matches_closed_forms() {
        for t in [-30.0, -4.0, -1.0, -0.3, 0.0, 0.2, 1.0, 2.5, 12.0, 100.0] {
            let cauchy = 0.5 + f64::atan(t) / std::f64::consts::PI;
            assert!(close(student_t_cdf(t, 1.0), cauchy, 1e-13), "df 1, t {t}");
            let df2 = 0.5 + t / (2.0 * (2.0 + t * t).sqrt());
            assert!(close(student_t_cdf(t, 2.0), df2, 1e-13), "df 2, t {t}");
        }
    }

    /// Two-sided 95% critical values as printed in t tables (and by
    /// `scipy.stats.t.ppf(0.975, df)`).
    #[test]
    fn t_quantiles_match_tables() {
        let table = [
            (1.0, 12.706_204_736),
            (2.0, 4.302_652_730),
            (5.0, 2.570_581_836),
            (9.0, 2.262_157_163),
            (14.0, 2.144_786_688),
            (29.0, 2.045_229_642),
            (1000.0, 1.962_339_081),
        ];
        for (df, expected) in table {
            let got = student_t_quantile(0.975, df);
            assert!(close(got, expected, 1e-8), "df {df}: {got} vs {expected}");
            assert!(close(student_t_quantile(0.025, df), -expected, 1e-8));
        }
        // df 2 in closed form: t_p = (2p - 1) / sqrt(2 p (1 - p)).
        for p in [0.6f64, 0.9, 0.99, 0.999] {
            let expected = (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
            assert!(close(student_t_quantile(p, 2.0), expected, 1e-9), "p {p}");
        }
        assert_eq!(student_t_quantile(0.5, 7.0), 0.0);
    }

    /// Known quantiles to 1e-12: df 1 is Cauchy, `t_p = tan(pi (p - 1/2))`,
    /// and df 10 from `scipy.stats.t.ppf(p, 10)`; and the edges (NaN for no
    /// distribution, infinities at 0 and 1).
    #[test]
    fn t_quantiles_match_known_values() {
        for p in [0.001, 0.025, 0.1, 0.3, 0.6, 0.9, 0.975, 0.995, 0.9999] {
            let cauchy = (std::f64::consts::PI * (p - 0.5)).tan();
            let got = student_t_quantile(p, 1.0);
            assert!(
                close(got, cauchy, 1e-12 * cauchy.abs().max(1.0)),
                "p {p}: {got} vs {cauchy}"
            );
        }
        for (p, expected) in [
            (0.995, 3.169_272_672_616_951_3),
            (0.975, 2.228_138_851_986_272_6),
            (0.9, 1.372_183_641_110_335_7),
        ] {
            let got = student_t_quantile(p, 10.0);
            assert!(close(got, expected, 1e-12), "p {p}: {got} vs {expected}");
        }
        assert!(student_t_quantile(f64::NAN, 5.0).is_nan());
        assert!(student_t_quantile(0.9, 0.0).is_nan());
        assert!(student_t_quantile(0.9, f64::NAN).is_nan());
        assert_eq!(student_t_quantile(1.0, 3.0), f64::INFINITY);
        assert_eq!(student_t_quantile(0.0, 3.0), f64::NEG_INFINITY);
        assert!(student_t_cdf(f64::NAN, 3.0).is_nan());
        assert_eq!(student_t_cdf(f64::INFINITY, 3.0), 1.0);
        assert_eq!(student_t_cdf(f64::NEG_INFINITY, 3.0), 0.0);
    }

    /// The case worked by hand in the module docs and `docs/transfer-report.md`.
    ///
    /// d = 0.02 0.04 0.01 0.03 0.05 0.00 (2 repeats x 3 folds), so
    /// mean = 0.15 / 6 = 0.025; squared deviations (x 1e-6) 25 225 225 25
    /// 625 625, sum 1750, s^2 = 1750e-6 / 5 = 350e-6. 3-fold CV tests on
    /// half as many rows as it trains on: s^2 (1/6 + 1/2) = 350e-6 * 2/3 =
    /// 233.33e-6, se = 0.015275252, t = 0.025 / se = 1.636634. t(0.975, 5)
    /// = 2.570582, half-width 0.039266: CI [-0.014266, 0.064266].
    #[test]
    fn corrected_test_hand_computed() {
        let diffs = [0.02, 0.04, 0.01, 0.03, 0.05, 0.00];
        let test = PairedTest::corrected(&diffs, 0.5, 0.95).unwrap();
        assert_eq!(test.n, 6);
        assert_eq!(test.df, 5);
        assert!(close(test.mean, 0.025, 1e-15));
        assert!(close(test.sd, 350e-6_f64.sqrt(), 1e-15));
        assert!(close(test.se, 0.015_275_252, 1e-9));
        assert!(close(test.t, 1.636_634, 1e-6));
        assert!(close(test.t_critical, 2.570_582, 1e-6));
        assert!(close(test.low, -0.014_266, 1e-6), "{}", test.low);
        assert!(close(test.high, 0.064_266, 1e-6), "{}", test.high);
        // Two-sided p of t = 1.636634 on 5 df (t tables put it between
        // 0.10 and 0.20; scipy's 2 * t.sf(t, 5) gives 0.162634).
        assert!(close(test.p_value, 0.162_634, 1e-6), "{}", test.p_value);
        // Uncorrected (ratio 0), the same data looks significant: se =
        // sqrt(350e-6 / 6) = 0.0076376, CI [0.005367, 0.044633].
        let naive = PairedTest::corrected(&diffs, 0.0, 0.95).unwrap();
        assert!(close(naive.se, 0.007_637_626, 1e-9));
        assert!(close(naive.low, 0.005_367, 1e-6), "{}", naive.low);
    }

    #[test]
    fn equal_models_and_constant_differences() {
        let zero = PairedTest::corrected(&[0.0; 10], 1.0 / 9.0, 0.95).unwrap();
        assert_eq!(
            (zero.t, zero.p_value, zero.low, zero.high),
            (0.0, 1.0, 0.0, 0.0)
        );
        let constant = PairedTest::corrected(&[0.02; 4], 0.25, 0.95).unwrap();
        assert_eq!(constant.t, f64::INFINITY);
        assert_eq!(constant.p_value, 0.0);
        assert_eq!((constant.low, constant.high), (0.02, 0.02));
    }

    #[test]
    fn bad_inputs_are_refused() {
        let cases: [(&[f64], f64, f64, &str); 4] = [
            (&[0.1], 0.1, 0.95, "at least 2 differences, got 1"),
            (&[0.1, f64::NAN], 0.1, 0.95, "not a finite number"),
            (&[0.1, 0.2], -1.0, 0.95, "non-negative number, got -1"),
            (&[0.1, 0.2], 0.1, 1.0, "between 0 and 1, got 1"),
        ];
        for (diffs, ratio, confidence, expected) in cases {
            let err = PairedTest::corrected(diffs, ratio, confidence)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{err}");
        }
    }

    /// Each row: (low, high, margin, verdict).
    #[test]
    fn verdict_rule_table() {
        let rows = [
            (0.001, 0.05, 0.0, Verdict::Positive),
            (0.0, 0.05, 0.0, Verdict::Neutral),
            (-0.01, 0.05, 0.0, Verdict::Neutral),
            (-0.05, -0.001, 0.0, Verdict::Negative),
            (-0.05, 0.0, 0.0, Verdict::Neutral),
            (0.005, 0.05, 0.01, Verdict::Neutral),
            (0.011, 0.05, 0.01, Verdict::Positive),
            (-0.05, -0.005, 0.01, Verdict::Neutral),
            (-0.05, -0.011, 0.01, Verdict::Negative),
        ];
        for (low, high, margin, expected) in rows {
            let test = PairedTest {
                n: 10,
                mean: 0.5 * (low + high),
                sd: 0.0,
                test_train_ratio: 0.0,
                se: 0.0,
                t: 0.0,
                df: 9,
                p_value: 1.0,
                confidence: 0.95,
                t_critical: 0.0,
                low,
                high,
            };
            let rule = VerdictRule { margin };
            assert_eq!(
                rule.verdict(&test),
                expected,
                "[{low}, {high}] margin {margin}"
            );
        }
        assert!(VerdictRule { margin: -0.1 }.check().is_err());
        assert_eq!(
            VerdictRule::default().describe(0.95, "acc(both) - acc(ngrams)"),
            "positive if the whole 95% confidence interval of acc(both) - acc(ngrams) lies above 0, negative if it lies below 0, neutral otherwise"
        );
        assert!(VerdictRule { margin: 0.01 }
            .describe(0.9, "x")
            .contains("90% confidence interval of x lies above +1 points"));
    }
}
