//! IDF-weighted average: rare, informative words count more.

use std::collections::HashMap;

use super::{weighted_mean, CorpusStats, Doc, Pooler, WordWeights};

/// The average of a document's word vectors, each weighted by its
/// smoothed inverse document frequency `ln((1 + N) / (1 + df)) + 1` in the
/// training texts (scikit-learn's `smooth_idf`); words never seen in
/// training get the largest weight, `ln(1 + N) + 1`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IdfMean {
    idf: WordWeights,
}

impl IdfMean {
    /// Fit IDF weights on training-corpus statistics.
    pub fn fit(stats: &CorpusStats) -> Self {
        let n = stats.docs as f64;
        let idf = |df: u64| (((1.0 + n) / (1.0 + df as f64)).ln() + 1.0) as f32;
        let weights: HashMap<String, f32> = stats
            .doc_freq
            .iter()
            .map(|(w, &df)| (w.clone(), idf(df)))
            .collect();
        IdfMean {
            idf: WordWeights::new(weights, idf(0)),
        }
    }
}

impl Pooler for IdfMean {
    fn weight(&self, token: &str) -> f32 {
        self.idf.get(token)
    }

    fn pool(&self, doc: &Doc, out: &mut [f32]) {
        weighted_mean(doc, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_smoothed_idf() {
        let mut stats = CorpusStats::default();
        stats.add_doc(["the", "cat"]);
        stats.add_doc(["the", "dog"]);
        stats.add_doc(["the"]);
        let idf = IdfMean::fit(&stats);
        // N = 3: the (df 3) -> ln(4/4)+1 = 1; cat (df 1) -> ln(4/2)+1; unseen -> ln 4 + 1.
        assert!((idf.weight("the") - 1.0).abs() < 1e-6);
        assert!((idf.weight("cat") - (2f32.ln() + 1.0)).abs() < 1e-6);
        assert!((idf.weight("zebra") - (4f32.ln() + 1.0)).abs() < 1e-6);

        // Weighted mean of the(1, 0) with weight 1 and cat(0, 1) with weight w.
        let w = idf.weight("cat");
        let doc = Doc {
            vectors: &[1.0, 0.0, 0.0, 1.0],
            weights: &[1.0, w],
            dims: 2,
        };
        let mut out = [0.0; 2];
        idf.pool(&doc, &mut out);
        assert!((out[0] - 1.0 / (1.0 + w)).abs() < 1e-6);
        assert!((out[1] - w / (1.0 + w)).abs() < 1e-6);
    }
}
