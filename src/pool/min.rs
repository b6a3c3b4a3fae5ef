//! Per-dimension minimum of the word vectors.

use super::max::extremum;
use super::{Doc, Pooler};

/// The smallest value of each dimension over a document's word vectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Min;

impl Pooler for Min {
    fn pool(&self, doc: &Doc, out: &mut [f32]) {
        extremum(doc, out, f32::min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        let cases: &[(&[f32], [f32; 2])] =
            &[(&[1.0, -2.0, 3.0, -6.0], [1.0, -6.0]), (&[], [0.0, 0.0])];
        crate::pool::assert_pools(&Min, cases);
    }
}
