//! Plain average of the word vectors.

use super::{weighted_mean, Doc, Pooler};

/// The average of a document's word vectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mean;

impl Pooler for Mean {
    fn pool(&self, doc: &Doc, out: &mut [f32]) {
        weighted_mean(doc, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        // (rows, expected)
        let cases: &[(&[f32], [f32; 2])] = &[
            (&[1.0, 2.0, 3.0, 6.0], [2.0, 4.0]),
            (&[-1.0, 0.5], [-1.0, 0.5]),
            (&[], [0.0, 0.0]),
        ];
        crate::pool::assert_pools(&Mean, cases);
    }
}
