//! What the transfer report concludes: the headline verdict on the model
//! people deploy, a verdict at each learning-curve size, the regions they
//! form, and one recommendation that follows from them.
//!
//! ```
//! use embed_tl::eval::{recommend, Advice, Evidence, PairedTest, Verdict, VerdictRule};
//!
//! // acc(c) - acc(b), the default with the vectors against without, on
//! // 2 repeats x 3 folds: the whole interval lies above 0.
//! let diffs = [0.02, 0.03, 0.02, 0.025, 0.03, 0.02];
//! let headline = PairedTest::corrected(&diffs, 0.5, 0.95)?;
//! assert_eq!(VerdictRule::default().verdict(&headline), Verdict::Positive);
//! let evidence = Evidence {
//!     headline: Verdict::Positive,
//!     vectors_vs_default: Verdict::Negative,
//!     accuracy: [0.77, 0.83, 0.85],
//!     labels: 2400,
//!     by_size: &[],
//!     largest_class: Some(0.5),
//! };
//! let advice = recommend(&evidence);
//! assert_eq!(advice.advice, Advice::KeepDefault);
//! assert!(advice.text.starts_with("keep the default (`--features both`)"));
//! # Ok::<(), embed_tl::Error>(())
//! ```
//!
//! The models are those of [`super::Comparison`]: (a) the frozen vectors
//! alone, (b) n-grams from the labels alone, (c) both, the default of
//! `classify`. The headline is (c) - (b): what the vectors add to the
//! model people deploy, at the amount of labels they have. (a) - (b), the
//! vectors alone against the labels alone, stays as a finding of its own.
//! At each learning-curve size the same [`VerdictRule`] judges (c) - (b)
//! and (a) - (c) on the same draws ([`DrawTest`]).

use super::{Comparison, DrawTest, LearningCurve, PairedTest, Verdict, VerdictRule};
use crate::error::Result;
use crate::pipeline::FeatureSet;

/// A verdict on one difference and the interval it follows from.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Finding {
    /// What is compared, as `"(c) both - (b) ngrams"`.
    pub compared: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Mean difference in accuracy (0.01 = one point).
    pub mean: f64,
    /// Lower end of the confidence interval.
    pub low: f64,
    /// Upper end of the confidence interval.
    pub high: f64,
    /// The interval's confidence level.
    pub confidence: f64,
}

impl Finding {
    /// The finding of `rule` on the cross-validated `test` of `a - b`.
    pub fn of(a: FeatureSet, b: FeatureSet, test: &PairedTest, rule: &VerdictRule) -> Finding {
        Finding {
            compared: format!("{} - {}", model_name(a), model_name(b)),
            verdict: rule.verdict(test),
            mean: test.mean,
            low: test.low,
            high: test.high,
            confidence: test.confidence,
        }
    }
}

/// A model as reports name it: `(a) vectors`, `(b) ngrams`, `(c) both`.
pub fn model_name(features: FeatureSet) -> String {
    format!("({}) {features}", super::model_letter(features))
}

/// The verdicts at one learning-curve size.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SizeVerdict {
    /// Labelled training examples.
    pub size: usize,
    /// Mean accuracy over the draws of (a), (b) and (c), in that order.
    pub accuracy: [f64; 3],
    /// acc(c) - acc(b) on the same draws: the default with the vectors
    /// against the same learner without them.
    pub default_vs_ngrams: DrawTest,
    /// The verdict on [`SizeVerdict::default_vs_ngrams`].
    pub verdict: Verdict,
    /// acc(a) - acc(c) on the same draws: the vectors alone against the
    /// default.
    pub vectors_vs_default: DrawTest,
    /// The verdict on [`SizeVerdict::vectors_vs_default`].
    pub vectors_verdict: Verdict,
}

impl SizeVerdict {
    /// The verdicts of `rule` on the two comparisons at `size`.
    /// `accuracy` is the mean accuracy of (a), (b) and (c).
    pub fn new(
        size: usize,
        accuracy: [f64; 3],
        default_vs_ngrams: DrawTest,
        vectors_vs_default: DrawTest,
        rule: &VerdictRule,
    ) -> SizeVerdict {
        SizeVerdict {
            size,
            accuracy,
            verdict: rule.judge(default_vs_ngrams.low, default_vs_ngrams.high),
            vectors_verdict: rule.judge(vectors_vs_default.low, vectors_vs_default.high),
            default_vs_ngrams,
            vectors_vs_default,
        }
    }

    /// The verdicts at every size of `curve`, ascending, with intervals
    /// at `confidence`.
    pub fn of_curve(
        curve: &LearningCurve,
        rule: &VerdictRule,
        confidence: f64,
    ) -> Result<Vec<SizeVerdict>> {
        let (a, b, c) = (FeatureSet::Vectors, FeatureSet::Ngrams, FeatureSet::Both);
        curve
            .sizes
            .iter()
            .map(|&size| {
                let mean = |f| curve.point(size, f).map_or(f64::NAN, |p| p.accuracy_mean);
                Ok(SizeVerdict::new(
                    size,
                    [mean(a), mean(b), mean(c)],
                    curve.paired(size, c, b, confidence)?,
                    curve.paired(size, a, c, confidence)?,
                    rule,
                ))
            })
            .collect()
    }
}

/// Consecutive sizes with the same verdict of (c) - (b).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Region {
    /// The verdict at every size of the region.
    pub verdict: Verdict,
    /// The smallest size.
    pub from: usize,
    /// The largest size.
    pub to: usize,
}

/// The regions of `by_size` (ascending sizes): runs of the same verdict.
pub fn regions(by_size: &[SizeVerdict]) -> Vec<Region> {
    let mut out: Vec<Region> = Vec::new();
    for v in by_size {
        match out.last_mut() {
            Some(r) if r.verdict == v.verdict => r.to = v.size,
            _ => out.push(Region {
                verdict: v.verdict,
                from: v.size,
                to: v.size,
            }),
        }
    }
    out
}

/// The regions in words, as "positive up to 500 labels, neutral from
/// 1,000 on"; `None` without regions.
pub fn describe_regions(regions: &[Region]) -> Option<String> {
    let first = regions.first()?;
    if regions.len() == 1 {
        return Some(if first.from == first.to {
            format!("{} at {} labels", first.verdict, thousands(first.from))
        } else {
            format!(
                "{} at every size measured ({} to {} labels)",
                first.verdict,
                thousands(first.from),
                thousands(first.to)
            )
        });
    }
    let parts: Vec<String> = regions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if i == 0 {
                format!("{} up to {} labels", r.verdict, thousands(r.to))
            } else if i + 1 == regions.len() {
                format!("{} from {} on", r.verdict, thousands(r.from))
            } else if r.from == r.to {
                format!("{} at {}", r.verdict, thousands(r.from))
            } else {
                format!(
                    "{} from {} to {}",
                    r.verdict,
                    thousands(r.from),
                    thousands(r.to)
                )
            }
        })
        .collect();
    Some(parts.join(", "))
}

/// What to do, in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Advice {
    /// Keep `--features both`.
    KeepDefault,
    /// Keep the default, but with few labels use `--features vectors`.
    VectorsWithFewLabels,
    /// The vectors do not help: `--features ngrams`.
    Ngrams,
    /// The vectors alone beat the default: `--features vectors`.
    Vectors,
    /// No model beats labelling every text with the largest class: the
    /// labels teach nothing beyond the class sizes yet, so no choice of
    /// features follows; label more texts first.
    LargestClass,
}

/// The recommendation of a report.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Recommendation {
    /// What to do.
    pub advice: Advice,
    /// The `--features` to use with as many labels as the training set has.
    pub features: FeatureSet,
    /// The accuracy to expect with them: their cross-validated mean.
    pub expected_accuracy: f64,
    /// With [`Advice::VectorsWithFewLabels`]: the largest measured size up
    /// to which the vectors alone beat the default.
    pub vectors_up_to: Option<usize>,
    /// With [`Advice::VectorsWithFewLabels`]: the vectors' mean accuracy
    /// at that size.
    pub vectors_accuracy: Option<f64>,
    /// The recommendation in one line.
    pub text: String,
}

/// What a recommendation follows from.
#[derive(Clone, Copy, Debug)]
pub struct Evidence<'a> {
    /// The headline: (c) - (b) by cross-validation.
    pub headline: Verdict,
    /// (a) - (c) by cross-validation.
    pub vectors_vs_default: Verdict,
    /// Cross-validated mean accuracy of (a), (b) and (c).
    pub accuracy: [f64; 3],
    /// Labelled examples each cross-validation fold trains on.
    pub labels: usize,
    /// The verdicts at each learning-curve size, ascending (empty without
    /// a curve).
    pub by_size: &'a [SizeVerdict],
    /// The mean accuracy over the same folds of labelling every held-out
    /// text with the training set's largest class, when known: a model no
    /// better has learned only the class sizes.
    pub largest_class: Option<f64>,
}

/// The recommendation that follows from `e`, by these rules, in order:
///
/// 0. No model's cross-validated accuracy above [`Evidence::largest_class`]:
///    label more texts ([`Advice::LargestClass`]; the default stays).
/// 1. (a) - (c) positive by cross-validation: `--features vectors`.
/// 2. The headline (c) - (b) negative: `--features ngrams` (the line says
///    up to which size the vectors did help, if any did).
/// 3. The headline neutral and no size positive: `--features ngrams`, as
///    accurate without the vector file.
/// 4. Otherwise keep the default; and when (a) - (c) is positive at the
///    smallest sizes of the curve, with that many labels or fewer use
///    `--features vectors`.
pub fn recommend(e: &Evidence) -> Recommendation {
    let [a, b, c] = e.accuracy.map(pct);
    let n = thousands(e.labels);
    let helped_up_to = match e.by_size.first() {
        Some(first) if first.verdict == Verdict::Positive => e
            .by_size
            .iter()
            .take_while(|v| v.verdict == Verdict::Positive)
            .last()
            .map(|v| v.size),
        _ => None,
    };
    let any_positive = e.by_size.iter().any(|v| v.verdict == Verdict::Positive);
    let plain = |advice, features: FeatureSet, text: String| Recommendation {
        advice,
        features,
        expected_accuracy: e.accuracy[model_index(features)],
        vectors_up_to: None,
        vectors_accuracy: None,
        text,
    };
    if let Some(share) = e.largest_class {
        // Means of fold accuracies: a margin for their rounding (a model
        // not compared, NaN, is not above).
        if e.accuracy.iter().all(|x| x.is_nan() || *x <= share + 1e-9) {
            return Recommendation {
                expected_accuracy: share,
                ..plain(
                    Advice::LargestClass,
                    FeatureSet::Both,
                    format!("label more texts, those of the smaller classes first: with {n} labels no model does better than labelling every text with the largest class ({}% over the same folds; (a) {a}%, (b) {b}%, (c) {c}%), so these texts do not yet say which features to use", pct(share)),
                )
            };
        }
    }
    if e.vectors_vs_default == Verdict::Positive {
        return plain(
            Advice::Vectors,
            FeatureSet::Vectors,
            format!("use `--features vectors`: with {n} labels the vectors alone beat the default (expect about {a}% accuracy, against {c}% with the default)"),
        );
    }
    if e.headline == Verdict::Negative {
        let mut text = format!("these vectors do not help on this task: use `--features ngrams` (expect about {b}% accuracy with {n} labels, against {c}% with the default)");
        if let Some(s) = helped_up_to {
            text.push_str(&format!(
                "; with {} labels or fewer they did help",
                thousands(s)
            ));
        }
        return plain(Advice::Ngrams, FeatureSet::Ngrams, text);
    }
    if e.headline == Verdict::Neutral && !any_positive {
        return plain(
            Advice::Ngrams,
            FeatureSet::Ngrams,
            format!("these vectors do not help on this task: use `--features ngrams`, as accurate without the vector file (expect about {b}% accuracy with {n} labels; {c}% with the default, no difference shown)"),
        );
    }
    let why = match (e.headline, helped_up_to) {
        (Verdict::Positive, _) => format!("expect about {c}% accuracy with {n} labels, {b}% without the vectors"),
        (_, Some(s)) => format!("the vectors help with {} labels or fewer and show no difference with {n}; expect about {c}% accuracy, {b}% without them", thousands(s)),
        _ => format!("the vectors help at some sizes and show no difference with {n} labels; expect about {c}% accuracy, {b}% without them"),
    };
    let first_run = match e.by_size.first() {
        Some(first) if first.vectors_verdict == Verdict::Positive => e
            .by_size
            .iter()
            .take_while(|v| v.vectors_verdict == Verdict::Positive)
            .last(),
        _ => None,
    };
    match first_run {
        Some(v) => Recommendation {
            advice: Advice::VectorsWithFewLabels,
            features: FeatureSet::Both,
            expected_accuracy: e.accuracy[2],
            vectors_up_to: Some(v.size),
            vectors_accuracy: Some(v.accuracy[0]),
            text: format!(
                "keep the default (`--features both`: {why}); with {} labels or fewer use `--features vectors` (expect about {}% at {}, against {}% with the default)",
                thousands(v.size),
                pct(v.accuracy[0]),
                thousands(v.size),
                pct(v.accuracy[2])
            ),
        },
        None => plain(
            Advice::KeepDefault,
            FeatureSet::Both,
            format!("keep the default (`--features both`): {why}"),
        ),
    }
}

fn model_index(features: FeatureSet) -> usize {
    match features {
        FeatureSet::Vectors => 0,
        FeatureSet::Ngrams => 1,
        FeatureSet::Both => 2,
    }
}

/// How [`SizeVerdict`]s apply the rule, in words.
pub const SIZE_RULE: &str = "the same rule at each size, on (c) - (b) and (a) - (c) over the draws of that size: the models trained on the same draws and scored on the same texts; the standard error adds the spread between draws and the spread between texts (one draw at the whole pool: the texts' spread only)";

/// Everything the report concludes.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Assessment {
    /// The headline: (c) both - (b) ngrams by cross-validation.
    pub headline: Finding,
    /// The rule of every verdict, in words.
    pub rule: String,
    /// How the rule is applied at each learning-curve size, in words.
    pub size_rule: String,
    /// The vectors alone against the labels alone: (a) - (b).
    pub vectors_alone: Finding,
    /// The vectors alone against the default: (a) - (c).
    pub vectors_vs_default: Finding,
    /// Labelled examples each cross-validation fold trains on.
    pub labels: usize,
    /// The verdicts at each learning-curve size (empty without a curve).
    pub by_size: Vec<SizeVerdict>,
    /// Runs of sizes with the same verdict of (c) - (b).
    pub regions: Vec<Region>,
    /// The regions in words.
    pub regions_text: Option<String>,
    /// What to do.
    pub recommendation: Recommendation,
}

impl Assessment {
    /// The conclusions from a comparison of `rows` labelled texts and,
    /// when there is one, its learning curve; `largest_class` is
    /// [`Evidence::largest_class`], when known.
    pub fn new(
        comparison: &Comparison,
        curve: Option<&LearningCurve>,
        largest_class: Option<f64>,
    ) -> Result<Assessment> {
        let (a, b, c) = (FeatureSet::Vectors, FeatureSet::Ngrams, FeatureSet::Both);
        let rule = &comparison.rule;
        let confidence = comparison.hybrid.confidence;
        let by_size = match curve {
            Some(curve) => SizeVerdict::of_curve(curve, rule, confidence)?,
            None => Vec::new(),
        };
        let accuracy = [a, b, c].map(|f| comparison.model(f).map_or(f64::NAN, |m| m.accuracy_mean));
        let labels = comparison.rows - comparison.rows / comparison.folds.max(1);
        let vectors_vs_default = Finding::of(a, c, &comparison.vectors_vs_default, rule);
        let recommendation = recommend(&Evidence {
            headline: comparison.verdict,
            vectors_vs_default: vectors_vs_default.verdict,
            accuracy,
            labels,
            by_size: &by_size,
            largest_class,
        });
        let regions = regions(&by_size);
        Ok(Assessment {
            headline: Finding::of(c, b, &comparison.hybrid, rule),
            rule: comparison.rule_text.clone(),
            size_rule: SIZE_RULE.into(),
            vectors_alone: Finding::of(a, b, &comparison.transfer, rule),
            vectors_vs_default,
            labels,
            regions_text: describe_regions(&regions),
            regions,
            by_size,
            recommendation,
        })
    }
}

/// `x` (a fraction) in percent with one decimal.
fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

/// `n` with thousands separated by commas: 2400 is "2,400".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-made differences at one size: for each of 5 draws, how many
    /// of 100 evaluation texts only the first model gets right and how
    /// many only the second. The texts move from draw to draw.
    const POSITIVE: [(usize, usize); 5] = [(12, 2), (10, 3), (14, 2), (11, 1), (13, 3)];
    const NEUTRAL: [(usize, usize); 5] = [(5, 4), (3, 5), (6, 5), (4, 4), (5, 6)];
    const NEGATIVE: [(usize, usize); 5] = [(2, 12), (3, 10), (2, 14), (1, 11), (3, 13)];

    fn draws(spec: &[(usize, usize)]) -> DrawTest {
        let diffs: Vec<Vec<f64>> = spec
            .iter()
            .enumerate()
            .map(|(j, &(plus, minus))| {
                let mut d = vec![0.0; 100];
                for k in 0..plus {
                    d[(7 * j + k) % 100] = 1.0;
                }
                for k in 0..minus {
                    d[(7 * j + 50 + k) % 100] = -1.0;
                }
                d
            })
            .collect();
        DrawTest::new(&diffs, 0.95).unwrap()
    }

    fn spec(v: Verdict) -> &'static [(usize, usize)] {
        match v {
            Verdict::Positive => &POSITIVE,
            Verdict::Neutral => &NEUTRAL,
            Verdict::Negative => &NEGATIVE,
        }
    }

    /// A size where (c) - (b) and (a) - (c) have the verdicts asked for,
    /// from hand-made differences (checked to give them).
    fn at(size: usize, cb: Verdict, ac: Verdict) -> SizeVerdict {
        let v = SizeVerdict::new(
            size,
            [0.60, 0.55, 0.58],
            draws(spec(cb)),
            draws(spec(ac)),
            &VerdictRule::default(),
        );
        assert_eq!((v.verdict, v.vectors_verdict), (cb, ac), "size {size}");
        v
    }

    /// Cross-validated fold differences (2 repeats x 3 folds) with each
    /// verdict.
    fn folds(v: Verdict) -> PairedTest {
        let positive = [0.02, 0.03, 0.02, 0.025, 0.03, 0.02];
        let diffs: Vec<f64> = match v {
            Verdict::Positive => positive.to_vec(),
            Verdict::Neutral => vec![0.02, -0.01, 0.03, -0.02, 0.01, 0.0],
            Verdict::Negative => positive.iter().map(|d| -d).collect(),
        };
        let test = PairedTest::corrected(&diffs, 0.5, 0.95).unwrap();
        assert_eq!(VerdictRule::default().verdict(&test), v);
        test
    }

    #[test]
    fn hand_made_draws_give_each_verdict() {
        let rule = VerdictRule::default();
        for (spec, expected) in [
            (&POSITIVE, Verdict::Positive),
            (&NEUTRAL, Verdict::Neutral),
            (&NEGATIVE, Verdict::Negative),
        ] {
            let t = draws(spec);
            assert_eq!(rule.judge(t.low, t.high), expected, "{t:?}");
        }
        // Mean +9.8 points, interval from about +5.8: a margin of 5 points
        // keeps the verdict, one of 6 points turns it neutral.
        let t = draws(&POSITIVE);
        assert!((t.mean - 0.098).abs() < 1e-12);
        assert!(t.low > 0.05 && t.low < 0.06, "{}", t.low);
        let with_margin = |m| VerdictRule { margin: m }.judge(t.low, t.high);
        assert_eq!(with_margin(0.05), Verdict::Positive);
        assert_eq!(with_margin(0.06), Verdict::Neutral);
    }

    const SIZES: [usize; 6] = [25, 50, 100, 500, 1000, 2400];

    /// One curve: the verdicts of (c) - (b) and (a) - (c) at [`SIZES`].
    fn curve(cb: [Verdict; 6], ac: [Verdict; 6]) -> Vec<SizeVerdict> {
        (0..6).map(|i| at(SIZES[i], cb[i], ac[i])).collect()
    }

    /// A row of [`recommendation_table`].
    type Row = (
        &'static str,
        Verdict,
        Verdict,
        Vec<SizeVerdict>,
        Advice,
        Option<usize>,
        Option<&'static str>,
        &'static str,
    );

    /// Each row: the headline (c) - (b) and (a) - (c) by cross-validation,
    /// the per-size verdicts, then the expected advice, the size up to
    /// which to use the vectors alone, the regions in words and a part of
    /// the recommendation's line.
    #[test]
    fn recommendation_table() {
        use Verdict::{Negative as Neg, Neutral as Neu, Positive as Pos};
        let all = |v| [v; 6];
        let rows: Vec<Row> = vec![
            (
                "positive everywhere",
                Pos, Neg, curve(all(Pos), all(Neg)),
                Advice::KeepDefault, None,
                Some("positive at every size measured (25 to 2,400 labels)"),
                "keep the default (`--features both`): expect about 85.0% accuracy with 2,400 labels, 83.0% without the vectors",
            ),
            (
                "curves cross: the vectors alone lead the default with few labels",
                Pos, Neg, curve(all(Pos), [Pos, Pos, Neu, Neg, Neg, Neg]),
                Advice::VectorsWithFewLabels, Some(50),
                Some("positive at every size measured (25 to 2,400 labels)"),
                "; with 50 labels or fewer use `--features vectors` (expect about 60.0% at 50, against 58.0% with the default)",
            ),
            (
                "neutral everywhere",
                Neu, Neg, curve(all(Neu), all(Neg)),
                Advice::Ngrams, None,
                Some("neutral at every size measured (25 to 2,400 labels)"),
                "these vectors do not help on this task: use `--features ngrams`, as accurate without the vector file (expect about 83.0% accuracy with 2,400 labels; 85.0% with the default, no difference shown)",
            ),
            (
                "negative everywhere",
                Neg, Neg, curve(all(Neg), all(Neg)),
                Advice::Ngrams, None,
                Some("negative at every size measured (25 to 2,400 labels)"),
                "these vectors do not help on this task: use `--features ngrams` (expect about 83.0% accuracy with 2,400 labels, against 85.0% with the default)",
            ),
            (
                "curves cross: positive with few labels, negative with many",
                Neg, Neg, curve([Pos, Pos, Pos, Neu, Neg, Neg], all(Neg)),
                Advice::Ngrams, None,
                Some("positive up to 100 labels, neutral at 500, negative from 1,000 on"),
                "against 85.0% with the default); with 100 labels or fewer they did help",
            ),
            (
                "curves cross: positive with few labels, neutral with many",
                Neu, Neg, curve([Pos, Pos, Pos, Pos, Neu, Neu], all(Neg)),
                Advice::KeepDefault, None,
                Some("positive up to 500 labels, neutral from 1,000 on"),
                "keep the default (`--features both`): the vectors help with 500 labels or fewer and show no difference with 2,400",
            ),
            (
                "neutral headline, positive only in the middle",
                Neu, Neu, curve([Neu, Pos, Pos, Neu, Neu, Neu], all(Neu)),
                Advice::KeepDefault, None,
                Some("neutral up to 25 labels, positive from 50 to 100, neutral from 500 on"),
                "the vectors help at some sizes and show no difference with 2,400 labels",
            ),
            (
                "the vectors alone beat the default",
                Pos, Pos, curve(all(Pos), all(Pos)),
                Advice::Vectors, None,
                Some("positive at every size measured (25 to 2,400 labels)"),
                "use `--features vectors`: with 2,400 labels the vectors alone beat the default (expect about 86.0% accuracy, against 85.0% with the default)",
            ),
            (
                "no learning curve",
                Pos, Neg, Vec::new(),
                Advice::KeepDefault, None, None,
                "keep the default (`--features both`): expect about 85.0%",
            ),
        ];
        for (name, headline, ac, by_size, advice, up_to, regions_text, text) in rows {
            let rule = VerdictRule::default();
            let evidence = Evidence {
                headline: rule.verdict(&folds(headline)),
                vectors_vs_default: rule.verdict(&folds(ac)),
                accuracy: [0.86, 0.83, 0.85],
                labels: 2400,
                by_size: &by_size,
                largest_class: Some(0.5),
            };
            let r = recommend(&evidence);
            assert_eq!(r.advice, advice, "{name}: {}", r.text);
            assert_eq!(r.vectors_up_to, up_to, "{name}");
            assert!(r.text.contains(text), "{name}: {}", r.text);
            assert_eq!(
                describe_regions(&regions(&by_size)).as_deref(),
                regions_text,
                "{name}"
            );
            let expected_features = match advice {
                Advice::KeepDefault | Advice::VectorsWithFewLabels | Advice::LargestClass => {
                    FeatureSet::Both
                }
                Advice::Ngrams => FeatureSet::Ngrams,
                Advice::Vectors => FeatureSet::Vectors,
            };
            assert_eq!(r.features, expected_features, "{name}");
            assert_eq!(
                r.expected_accuracy,
                evidence.accuracy[model_index(expected_features)],
                "{name}"
            );
        }
    }

    /// Rule 0: when no model beats labelling every text with the largest
    /// class, whatever the verdicts, the advice is to label more texts; one
    /// model above it, by any margin, and the other rules apply.
    #[test]
    fn no_model_above_the_largest_class_asks_for_more_labels() {
        let evidence = |accuracy, largest_class| Evidence {
            headline: Verdict::Positive,
            vectors_vs_default: Verdict::Positive,
            accuracy,
            labels: 16,
            by_size: &[],
            largest_class,
        };
        let r = recommend(&evidence([0.75, 0.75, 0.75], Some(0.75)));
        assert_eq!(r.advice, Advice::LargestClass);
        assert_eq!((r.features, r.expected_accuracy), (FeatureSet::Both, 0.75));
        assert_eq!(r.text, "label more texts, those of the smaller classes first: with 16 labels no model does better than labelling every text with the largest class (75.0% over the same folds; (a) 75.0%, (b) 75.0%, (c) 75.0%), so these texts do not yet say which features to use");
        let r = recommend(&evidence([0.70, 0.60, 0.65], Some(0.75)));
        assert_eq!(r.advice, Advice::LargestClass);
        for (accuracy, largest) in [([0.76, 0.75, 0.75], Some(0.75)), ([0.75; 3], None)] {
            let r = recommend(&evidence(accuracy, largest));
            assert_eq!(r.advice, Advice::Vectors, "{accuracy:?} {largest:?}");
        }
    }

    #[test]
    fn regions_merge_runs() {
        use Verdict::{Negative as Neg, Neutral as Neu, Positive as Pos};
        let by_size = curve([Pos, Pos, Neu, Neu, Neg, Neu], [Neg; 6]);
        let found: Vec<(Verdict, usize, usize)> = regions(&by_size)
            .iter()
            .map(|r| (r.verdict, r.from, r.to))
            .collect();
        assert_eq!(
            found,
            [
                (Pos, 25, 50),
                (Neu, 100, 500),
                (Neg, 1000, 1000),
                (Neu, 2400, 2400)
            ]
        );
        assert_eq!(describe_regions(&[]), None);
        let one = [Region {
            verdict: Neu,
            from: 30,
            to: 30,
        }];
        assert_eq!(describe_regions(&one).unwrap(), "neutral at 30 labels");
    }

    #[test]
    fn thousands_are_separated() {
        for (n, expected) in [
            (0, "0"),
            (25, "25"),
            (999, "999"),
            (1000, "1,000"),
            (2400, "2,400"),
            (1234567, "1,234,567"),
        ] {
            assert_eq!(thousands(n), expected);
        }
    }
}
