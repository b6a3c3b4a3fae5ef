//! Concatenated power means (Rücklé et al. 2018, "Concatenated Power Mean
//! Word Embeddings as Universal Cross-Lingual Sentence Representations").

use std::fmt;
use std::str::FromStr;

use super::max::extremum;
use super::{Doc, Pooler};
use crate::error::Error;

/// One power mean: `((1/n) sum x^p)^(1/p)` per dimension; `min` and `max`
/// are the limits p = -inf and p = +inf, `mean` is p = 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Power {
    /// p = -inf.
    Min,
    /// p = 1.
    Mean,
    /// p = +inf.
    Max,
    /// An odd integer p >= 3 (odd, so the sign of each value survives).
    Odd(u32),
}

impl FromStr for Power {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "min" => Ok(Power::Min),
            "mean" | "1" => Ok(Power::Mean),
            "max" => Ok(Power::Max),
            _ => match s.parse::<u32>() {
                Ok(p) if p >= 3 && p % 2 == 1 => Ok(Power::Odd(p)),
                _ => Err(Error::InvalidParameter(format!(
                    "power '{s}': expected min, mean, max or an odd integer >= 3"
                ))),
            },
        }
    }
}

impl fmt::Display for Power {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Power::Min => f.write_str("min"),
            Power::Mean => f.write_str("mean"),
            Power::Max => f.write_str("max"),
            Power::Odd(p) => write!(f, "{p}"),
        }
    }
}

/// Several power means of the word vectors, concatenated in the order
/// given (width: dims x powers).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PowerMeans {
    powers: Vec<Power>,
}

impl PowerMeans {
    /// Power means for `powers` (default in the CLI: min, mean, max).
    pub fn new(powers: Vec<Power>) -> Self {
        PowerMeans { powers }
    }

    /// The powers, in output order.
    pub fn powers(&self) -> &[Power] {
        &self.powers
    }
}

impl Pooler for PowerMeans {
    fn width(&self, dims: usize) -> usize {
        dims * self.powers.len()
    }

    fn pool(&self, doc: &Doc, out: &mut [f32]) {
        for (power, out) in self.powers.iter().zip(out.chunks_exact_mut(doc.dims)) {
            match power {
                Power::Min => extremum(doc, out, f32::min),
                Power::Max => extremum(doc, out, f32::max),
                Power::Mean => {
                    let unweighted = vec![1.0; doc.len()];
                    super::weighted_mean(
                        &Doc {
                            weights: &unweighted,
                            ..*doc
                        },
                        out,
                    )
                }
                Power::Odd(p) => {
                    out.fill(0.0);
                    if doc.is_empty() {
                        continue;
                    }
                    for row in doc.rows() {
                        out.iter_mut()
                            .zip(row)
                            .for_each(|(o, &v)| *o += v.powi(*p as i32));
                    }
                    let n = doc.len() as f32;
                    let inv = 1.0 / *p as f32;
                    out.iter_mut()
                        .for_each(|o| *o = (*o / n).signum() * (*o / n).abs().powf(inv));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        let pm = PowerMeans::new(vec![Power::Min, Power::Mean, Power::Max, Power::Odd(3)]);
        assert_eq!(pm.width(2), 8);
        // Rows (1, -2) and (3, 0): cube mean of dim 0 is (1 + 27) / 2 = 14.
        let doc = Doc {
            vectors: &[1.0, -2.0, 3.0, 0.0],
            weights: &[5.0, 1.0], // power means ignore weights
            dims: 2,
        };
        let mut out = [0.0; 8];
        pm.pool(&doc, &mut out);
        let cube0 = 14f32.cbrt();
        let cube1 = -(4f32.cbrt()); // (-8 + 0) / 2 = -4
        let expected = [1.0, -2.0, 2.0, -1.0, 3.0, 0.0, cube0, cube1];
        for (o, e) in out.iter().zip(expected) {
            assert!((o - e).abs() < 1e-6, "{out:?}");
        }
        let empty = Doc {
            vectors: &[],
            weights: &[],
            dims: 2,
        };
        pm.pool(&empty, &mut out);
        assert_eq!(out, [0.0; 8]);
    }
}
