//! Per-dimension maximum of the word vectors.

use super::{Doc, Pooler};

/// The largest value of each dimension over a document's word vectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Max;

impl Pooler for Max {
    fn pool(&self, doc: &Doc, out: &mut [f32]) {
        extremum(doc, out, f32::max)
    }
}

/// Fold every row into `out` with `pick`; zeros for an empty document.
pub(crate) fn extremum(doc: &Doc, out: &mut [f32], pick: fn(f32, f32) -> f32) {
    let mut rows = doc.rows();
    match rows.next() {
        None => out.fill(0.0),
        Some(first) => {
            out.copy_from_slice(first);
            for row in rows {
                out.iter_mut().zip(row).for_each(|(o, &v)| *o = pick(*o, v));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        let cases: &[(&[f32], [f32; 2])] = &[
            (&[1.0, -2.0, 3.0, -6.0], [3.0, -2.0]),
            (&[-1.0, -0.5], [-1.0, -0.5]),
            (&[], [0.0, 0.0]),
        ];
        crate::pool::assert_pools(&Max, cases);
    }
}
