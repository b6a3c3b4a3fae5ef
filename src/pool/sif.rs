//! Smooth inverse frequency (Arora, Liang and Ma 2017, "A Simple but
//! Tough-to-Beat Baseline for Sentence Embeddings").

use std::collections::HashMap;

use super::{CorpusStats, Doc, Pooler, WordWeights};

/// SIF pooling: each word vector is weighted by `a / (a + p(w))`, with
/// `p(w)` the word's relative frequency in the training texts (unseen
/// words: weight 1), the weighted vectors are averaged over the document's
/// tokens, and the projection on the first principal component of the
/// training documents (uncentered, as in the paper's code) is removed.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sif {
    a: f32,
    weights: WordWeights,
    /// Unit first principal component of the pooled training documents;
    /// empty until fitted (then nothing is removed).
    component: Vec<f32>,
}

impl Sif {
    /// The fitted component (if any) has `dims` values.
    pub(crate) fn fits(&self, dims: usize) -> bool {
        self.component.is_empty() || self.component.len() == dims
    }

    /// Fit the word weights on training-corpus statistics (the principal
    /// component comes later, from [`Sif::fit_component`]).
    pub fn fit_weights(stats: &CorpusStats, a: f32) -> Self {
        let total = stats.tokens.max(1) as f64;
        let weights: HashMap<String, f32> = stats
            .counts
            .iter()
            .map(|(w, &c)| {
                let p = c as f64 / total;
                (w.clone(), (f64::from(a) / (f64::from(a) + p)) as f32)
            })
            .collect();
        Sif {
            a,
            weights: WordWeights::new(weights, 1.0),
            component: Vec::new(),
        }
    }

    /// Fit the first principal component on the weighted averages of the
    /// training documents (`docs x dims`, row-major), by power iteration
    /// on `X^T X`. Deterministic: same input, same component.
    pub fn fit_component(&mut self, averages: &[f32], dims: usize) {
        self.component = first_component(averages, dims);
    }

    /// The fitted principal component (empty before fitting).
    pub fn component(&self) -> &[f32] {
        &self.component
    }

    /// The weighted average before the component is removed.
    pub fn average(&self, doc: &Doc, out: &mut [f32]) {
        out.fill(0.0);
        if doc.is_empty() {
            return;
        }
        for (row, &w) in doc.rows().zip(doc.weights) {
            out.iter_mut().zip(row).for_each(|(o, v)| *o += w * v);
        }
        let n = doc.len() as f32;
        out.iter_mut().for_each(|o| *o /= n);
    }
}

impl Pooler for Sif {
    fn weight(&self, token: &str) -> f32 {
        self.weights.get(token)
    }

    fn pool(&self, doc: &Doc, out: &mut [f32]) {
        self.average(doc, out);
        if self.component.len() == out.len() {
            let dot: f32 = out.iter().zip(&self.component).map(|(x, u)| x * u).sum();
            out.iter_mut()
                .zip(&self.component)
                .for_each(|(x, u)| *x -= dot * u);
        }
    }
}

/// Top eigenvector of `X^T X` (the first right singular vector of X).
fn first_component(x: &[f32], dims: usize) -> Vec<f32> {
    if dims == 0 || x.is_empty() {
        return Vec::new();
    }
    // Gram matrix in f64, accumulated in row order (deterministic).
    let mut gram = vec![0f64; dims * dims];
    for row in x.chunks_exact(dims) {
        for i in 0..dims {
            let ri = f64::from(row[i]);
            if ri == 0.0 {
                continue;
            }
            let g = &mut gram[i * dims..(i + 1) * dims];
            for (gij, &rj) in g.iter_mut().zip(row) {
                *gij += ri * f64::from(rj);
            }
        }
    }
    // Start from the diagonal (never orthogonal to the top eigenvector of
    // a PSD matrix unless the matrix is zero).
    let mut u: Vec<f64> = (0..dims)
        .map(|i| gram[i * dims + i].sqrt() + 1e-12)
        .collect();
    normalize(&mut u);
    let mut next = vec![0f64; dims];
    for _ in 0..1000 {
        for (i, n) in next.iter_mut().enumerate() {
            *n = gram[i * dims..(i + 1) * dims]
                .iter()
                .zip(&u)
                .map(|(g, v)| g * v)
                .sum();
        }
        if normalize(&mut next) == 0.0 {
            return vec![0.0; dims];
        }
        let change: f64 = next.iter().zip(&u).map(|(a, b)| (a - b).abs()).sum();
        std::mem::swap(&mut u, &mut next);
        if change < 1e-12 {
            break;
        }
    }
    u.into_iter().map(|v| v as f32).collect()
}

fn normalize(v: &mut [f64]) -> f64 {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_word_frequency() {
        let mut stats = CorpusStats::default();
        stats.add_doc(["the", "the", "the", "cat"]);
        let sif = Sif::fit_weights(&stats, 0.25);
        // p(the) = 3/4, p(cat) = 1/4: weights 0.25/(0.25+0.75), 0.25/(0.25+0.25).
        assert!((sif.weight("the") - 0.25).abs() < 1e-6);
        assert!((sif.weight("cat") - 0.5).abs() < 1e-6);
        assert_eq!(sif.weight("unseen"), 1.0);
    }

    /// The power-iteration component against the closed-form top
    /// eigenvector of a 2 x 2 Gram matrix.
    #[test]
    fn component_matches_direct_computation() {
        let x: [f32; 8] = [2.0, 1.0, 1.0, 3.0, -1.0, 0.5, 4.0, 2.0];
        // Direct: G = X^T X, top eigenvector of [[a, b], [b, c]].
        let (mut a, mut b, mut c) = (0f64, 0f64, 0f64);
        for r in x.chunks(2) {
            let (p, q) = (f64::from(r[0]), f64::from(r[1]));
            a += p * p;
            b += p * q;
            c += q * q;
        }
        let lambda = (a + c) / 2.0 + (((a - c) / 2.0).powi(2) + b * b).sqrt();
        let (mut e0, mut e1) = (b, lambda - a);
        let n = (e0 * e0 + e1 * e1).sqrt();
        e0 /= n;
        e1 /= n;
        let u = first_component(&x, 2);
        let dot = f64::from(u[0]) * e0 + f64::from(u[1]) * e1;
        assert!((dot.abs() - 1.0).abs() < 1e-6, "{u:?} vs ({e0}, {e1})");
    }

    #[test]
    fn pooling_removes_the_component() {
        let mut stats = CorpusStats::default();
        stats.add_doc(["a", "b"]);
        let mut sif = Sif::fit_weights(&stats, 1e-3);
        // Training averages all along (1, 0): the component is e0.
        sif.fit_component(&[3.0, 0.0, -2.0, 0.0, 5.0, 0.0], 2);
        assert!((sif.component()[0].abs() - 1.0).abs() < 1e-6);
        let w = sif.weight("a");
        let doc = Doc {
            vectors: &[2.0, 4.0, 0.0, 2.0],
            weights: &[w, w],
            dims: 2,
        };
        let mut out = [0.0; 2];
        sif.pool(&doc, &mut out);
        // Average = w * (1, 3); the e0 part is removed.
        assert!(out[0].abs() < 1e-6);
        assert!((out[1] - 3.0 * w).abs() < 1e-5);
        // Empty documents stay zero.
        sif.pool(
            &Doc {
                vectors: &[],
                weights: &[],
                dims: 2,
            },
            &mut out,
        );
        assert_eq!(out, [0.0, 0.0]);
    }
}
