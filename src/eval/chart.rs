//! The learning-curve chart: an SVG drawn with plotters (no fonts needed:
//! text is written as SVG `<text>` for the viewer to render).

use plotters::prelude::*;

use super::assess::Region;
use super::choose::{Standing, VectorsComparison};
use super::curve::LearningCurve;
use super::paired::Verdict;
use super::transfer::{model_letter, MODELS};
use crate::error::{Error, Result};
use crate::pipeline::FeatureSet;

/// Chart size in pixels.
const WIDTH: u32 = 900;
const HEIGHT: u32 = 560;

/// The colour of a model's line and band (colour-blind-safe Okabe-Ito).
fn colour(features: FeatureSet) -> RGBColor {
    match features {
        FeatureSet::Vectors => RGBColor(0, 114, 178),
        FeatureSet::Ngrams => RGBColor(213, 94, 0),
        FeatureSet::Both => RGBColor(0, 158, 115),
    }
}

/// The legend label of a model.
fn legend(features: FeatureSet) -> String {
    let role = match features {
        FeatureSet::Vectors => "frozen pretrained vectors",
        FeatureSet::Ngrams => "n-grams from the labels alone",
        FeatureSet::Both => "hybrid of both",
    };
    format!("({}) {features}: {role}", model_letter(features))
}

/// The shade of a region of the size axis with this verdict of (c) - (b).
fn shade(verdict: Verdict) -> RGBAColor {
    match verdict {
        Verdict::Positive => RGBColor(0, 158, 115).mix(0.10),
        Verdict::Neutral => RGBColor(128, 128, 128).mix(0.08),
        Verdict::Negative => RGBColor(213, 94, 0).mix(0.12),
    }
}

fn drawing_error(e: impl std::fmt::Display) -> Error {
    Error::io(std::io::Error::other(format!("drawing the chart: {e}")))
}

impl LearningCurve {
    /// The curves as an SVG document: accuracy (%) against labelled
    /// examples on a log axis (ticks at the measured sizes, but for one too
    /// close to a larger one), one line of means per model with a band
    /// from the worst to the best draw, dots at measured sizes and a cross
    /// where two mean curves cross. `title` goes on top. Each of
    /// `regions` (the verdicts of (c) - (b) by size, see
    /// [`super::regions`]) shades its stretch of the size axis, from
    /// half-way (in log size) to the neighbouring measured size, and is
    /// labelled with its verdict at the top.
    pub fn svg(&self, title: &str, regions: &[Region]) -> Result<String> {
        let (first, last) = match (self.sizes.first(), self.sizes.last()) {
            (Some(&f), Some(&l)) => (f as f64, l as f64),
            _ => return Err(Error::InvalidInput("the curve has no sizes".into())),
        };
        let lowest = self
            .points
            .iter()
            .map(|p| p.accuracy_min)
            .fold(f64::INFINITY, f64::min);
        let highest = self
            .points
            .iter()
            .map(|p| p.accuracy_max)
            .fold(f64::NEG_INFINITY, f64::max);
        // Whole 5-point steps around the data, within 0-100%.
        let y_lo = ((100.0 * lowest - 2.0) / 5.0).floor().max(0.0) * 5.0;
        let y_hi = ((100.0 * highest + 2.0) / 5.0).ceil().min(20.0) * 5.0;
        let (y_lo, y_hi) = if y_hi > y_lo {
            (y_lo, y_hi)
        } else {
            (0.0, 100.0)
        };
        let (x_lo, x_hi) = (first * 0.85, last * 1.15);
        // Tick labels at the measured sizes, largest first, leaving out one
        // too close to a larger labelled one (about 60 px on a 800 px axis).
        let min_gap = 0.075 * (x_hi / x_lo).ln();
        let mut ticks: Vec<f64> = Vec::new();
        for &size in self.sizes.iter().rev() {
            let s = size as f64;
            if ticks.last().is_none_or(|&t| (t / s).ln() >= min_gap) {
                ticks.push(s);
            }
        }
        ticks.reverse();
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
            root.fill(&WHITE).map_err(drawing_error)?;
            let mut chart = ChartBuilder::on(&root)
                .caption(title, ("sans-serif", 24))
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(64)
                .build_cartesian_2d((x_lo..x_hi).log_scale().with_key_points(ticks), y_lo..y_hi)
                .map_err(drawing_error)?;
            chart
                .configure_mesh()
                .x_desc("labelled training examples (log scale)")
                .y_desc(format!(
                    "accuracy on {} evaluation texts (%)",
                    self.eval_rows
                ))
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_label_formatter(&|y| format!("{y:.0}"))
                .label_style(("sans-serif", 15))
                .axis_desc_style(("sans-serif", 16))
                .light_line_style(WHITE.mix(0.0))
                .draw()
                .map_err(drawing_error)?;
            // Region edges: half-way in log size between the last size of
            // one region and the first of the next; the axis ends outside.
            let edge = |lo: usize, hi: usize| ((lo as f64) * (hi as f64)).sqrt();
            for (i, r) in regions.iter().enumerate() {
                let left = match i {
                    0 => x_lo,
                    _ => edge(regions[i - 1].to, r.from),
                };
                let right = match regions.get(i + 1) {
                    Some(next) => edge(r.to, next.from),
                    None => x_hi,
                };
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(left, y_lo), (right, y_hi)],
                        shade(r.verdict).filled(),
                    )))
                    .map_err(drawing_error)?;
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at(((left * right).sqrt(), y_hi))
                            + Text::new(
                                format!("c vs b: {}", r.verdict),
                                (-36, 6),
                                ("sans-serif", 13),
                            ),
                    ))
                    .map_err(drawing_error)?;
            }
            for features in MODELS {
                let points = self.model(features);
                let colour = colour(features);
                let mut band: Vec<(f64, f64)> = points
                    .iter()
                    .map(|p| (p.size as f64, 100.0 * p.accuracy_min))
                    .collect();
                band.extend(
                    points
                        .iter()
                        .rev()
                        .map(|p| (p.size as f64, 100.0 * p.accuracy_max)),
                );
                chart
                    .draw_series(std::iter::once(Polygon::new(band, colour.mix(0.15))))
                    .map_err(drawing_error)?;
                let means: Vec<(f64, f64)> = points
                    .iter()
                    .map(|p| (p.size as f64, 100.0 * p.accuracy_mean))
                    .collect();
                chart
                    .draw_series(LineSeries::new(means.clone(), colour.stroke_width(2)))
                    .map_err(drawing_error)?
                    .label(legend(features))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(2))
                    });
                chart
                    .draw_series(means.iter().map(|&p| Circle::new(p, 3, colour.filled())))
                    .map_err(drawing_error)?;
            }
            if !self.crossings.is_empty() {
                chart
                    .draw_series(self.crossings.iter().map(|c| {
                        Cross::new((c.size, 100.0 * c.accuracy), 6, BLACK.stroke_width(2))
                    }))
                    .map_err(drawing_error)?
                    .label("mean curves cross")
                    .legend(|(x, y)| Cross::new((x + 12, y), 5, BLACK.stroke_width(2)));
                chart
                    .draw_series(self.crossings.iter().map(|c| {
                        EmptyElement::at((c.size, 100.0 * c.accuracy))
                            + Text::new(
                                format!(
                                    "{}/{} ~{:.0}",
                                    model_letter(c.before),
                                    model_letter(c.after),
                                    c.size
                                ),
                                (8, -20),
                                ("sans-serif", 14),
                            )
                    }))
                    .map_err(drawing_error)?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .label_font(("sans-serif", 15))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.4))
                .draw()
                .map_err(drawing_error)?;
            root.present().map_err(drawing_error)?;
        }
        Ok(svg)
    }
}

impl VectorsComparison {
    /// The comparison as an SVG document: for each file (x axis, labelled
    /// with `names`) and each compared model, the mean cross-validated
    /// accuracy (%) as a dot with an error bar of plus and minus one
    /// standard deviation over the folds; a file worse than the best of
    /// its model (the interval of the paired difference below 0) has a
    /// hollow dot. `title` goes on top.
    pub fn svg(&self, names: &[String], title: &str) -> Result<String> {
        let n = names.len();
        if n == 0 || self.channels.iter().any(|c| c.models.len() != n) {
            return Err(Error::InvalidParameter(format!(
                "{n} names for a comparison of {} files",
                self.channels.first().map_or(0, |c| c.models.len())
            )));
        }
        let bars: Vec<(f64, f64)> = self
            .channels
            .iter()
            .flat_map(|c| &c.models)
            .map(|m| {
                (
                    m.accuracy_mean - m.accuracy_sd,
                    m.accuracy_mean + m.accuracy_sd,
                )
            })
            .collect();
        let lowest = bars.iter().map(|b| b.0).fold(f64::INFINITY, f64::min);
        let highest = bars.iter().map(|b| b.1).fold(f64::NEG_INFINITY, f64::max);
        let y_lo = ((100.0 * lowest - 2.0) / 5.0).floor().max(0.0) * 5.0;
        let y_hi = ((100.0 * highest + 2.0) / 5.0).ceil().min(20.0) * 5.0;
        let (y_lo, y_hi) = if y_hi > y_lo && y_lo.is_finite() && y_hi.is_finite() {
            (y_lo, y_hi)
        } else {
            (0.0, 100.0)
        };
        let width = (WIDTH as usize).max(220 * n) as u32;
        let channels = self.channels.len().max(1) as f64;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (width, HEIGHT)).into_drawing_area();
            root.fill(&WHITE).map_err(drawing_error)?;
            let mut chart = ChartBuilder::on(&root)
                .caption(title, ("sans-serif", 24))
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(64)
                .build_cartesian_2d(-0.5..n as f64 - 0.5, y_lo..y_hi)
                .map_err(drawing_error)?;
            chart
                .configure_mesh()
                .x_desc("vector file")
                .y_desc(format!(
                    "accuracy (%), mean ± sd over {} folds",
                    self.folds * self.repeats
                ))
                .x_labels(0)
                .y_label_formatter(&|y| format!("{y:.0}"))
                .label_style(("sans-serif", 15))
                .axis_desc_style(("sans-serif", 16))
                .light_line_style(WHITE.mix(0.0))
                .draw()
                .map_err(drawing_error)?;
            // File names inside the plot, at the bottom of each column.
            chart
                .draw_series(names.iter().enumerate().map(|(i, name)| {
                    EmptyElement::at((i as f64, y_lo))
                        + Text::new(format!("{} {name}", i + 1), (-60, -22), ("sans-serif", 14))
                }))
                .map_err(drawing_error)?;
            for (k, c) in self.channels.iter().enumerate() {
                let colour = colour(c.features);
                let offset = (k as f64 - (channels - 1.0) / 2.0) * 0.18;
                let points: Vec<(f64, f64, f64, f64, bool)> = c
                    .models
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        (
                            i as f64 + offset,
                            100.0 * m.accuracy_mean,
                            100.0 * (m.accuracy_mean - m.accuracy_sd),
                            100.0 * (m.accuracy_mean + m.accuracy_sd),
                            c.standing[i] == Standing::Worse,
                        )
                    })
                    .collect();
                chart
                    .draw_series(points.iter().map(|&(x, _, lo, hi, _)| {
                        PathElement::new(vec![(x, lo), (x, hi)], colour.stroke_width(2))
                    }))
                    .map_err(drawing_error)?;
                for cap in [2, 3] {
                    chart
                        .draw_series(points.iter().map(|p| {
                            let y = if cap == 2 { p.2 } else { p.3 };
                            PathElement::new(
                                vec![(p.0 - 0.04, y), (p.0 + 0.04, y)],
                                colour.stroke_width(2),
                            )
                        }))
                        .map_err(drawing_error)?;
                }
                chart
                    .draw_series(points.iter().map(|&(x, mean, _, _, worse)| {
                        let style = if worse {
                            colour.stroke_width(2)
                        } else {
                            colour.filled()
                        };
                        Circle::new((x, mean), 5, style)
                    }))
                    .map_err(drawing_error)?
                    .label(legend(c.features))
                    .legend(move |(x, y)| Circle::new((x + 12, y), 5, colour.filled()));
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .label_font(("sans-serif", 15))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.4))
                .draw()
                .map_err(drawing_error)?;
            root.present().map_err(drawing_error)?;
        }
        Ok(svg)
    }
}

#[cfg(test)]
mod tests {
    use crate::eval::{CurvePoint, LearningCurve, MODELS};

    fn curve(sizes: &[usize]) -> LearningCurve {
        let points = sizes
            .iter()
            .flat_map(|&size| {
                MODELS.iter().map(move |&features| CurvePoint {
                    size,
                    features,
                    accuracy: vec![0.7, 0.8],
                    macro_f1: vec![0.7, 0.8],
                    correct: Vec::new(),
                    accuracy_mean: 0.75,
                    accuracy_sd: 0.05,
                    accuracy_min: 0.7,
                    accuracy_max: 0.8,
                    macro_f1_mean: 0.75,
                })
            })
            .collect();
        LearningCurve {
            pool_rows: *sizes.last().unwrap(),
            eval_rows: 600,
            draws: 2,
            seed: 42,
            min_per_class: 3,
            sizes: sizes.to_vec(),
            skipped: Vec::new(),
            points,
            crossings: Vec::new(),
        }
    }

    fn tick(svg: &str, label: &str) -> bool {
        svg.contains(&format!("\n{label}\n</text>"))
    }

    /// 2000 and 2400 would print on top of each other: the pool keeps its
    /// label, 2000 keeps its dot but loses its label.
    #[test]
    fn crowded_tick_labels_are_thinned() {
        let svg = curve(&[25, 100, 1000, 2000, 2400]).svg("t", &[]).unwrap();
        for label in ["25", "100", "1000", "2400"] {
            assert!(tick(&svg, label), "no tick {label}");
        }
        assert!(!tick(&svg, "2000"));
        assert_eq!(svg.matches("<circle").count(), 5 * 3);
    }

    /// Regions of the (c) - (b) verdict: one shaded rectangle and one
    /// label each, the boundary half-way in log size between 100 and
    /// 1000.
    #[test]
    fn regions_are_shaded_and_labelled() {
        use crate::eval::{Region, Verdict};
        let regions = [
            Region {
                verdict: Verdict::Positive,
                from: 25,
                to: 100,
            },
            Region {
                verdict: Verdict::Neutral,
                from: 1000,
                to: 2400,
            },
        ];
        let plain = curve(&[25, 100, 1000, 2400]).svg("t", &[]).unwrap();
        let svg = curve(&[25, 100, 1000, 2400]).svg("t", &regions).unwrap();
        assert_eq!(
            svg.matches("<rect").count(),
            plain.matches("<rect").count() + 2
        );
        assert!(svg.contains("c vs b: positive"));
        assert!(svg.contains("c vs b: neutral"));
        assert!(!plain.contains("c vs b:"));
        // The positive region's fill (green at 10%) is drawn.
        assert!(svg.contains("opacity=\"0.1\" fill=\"#009E73\""), "{svg}");
    }
}
