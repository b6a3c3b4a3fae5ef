//! Turning parsed rows into a frozen finalfusion matrix.
//!
//! Shared by the text and word2vec-binary readers: drop duplicate words
//! (keeping the first), L2-normalise rows in parallel while keeping their
//! norms, and hand the result to finalfusion without copying the matrix.

use std::collections::HashSet;

use finalfusion::embeddings::Embeddings;
use finalfusion::norms::NdNorms;
use finalfusion::storage::NdArray;
use finalfusion::vocab::SimpleVocab;
use rayon::prelude::*;

use super::LoadReport;

/// Rows as they come out of a reader, in file order.
#[derive(Debug, Default)]
pub(crate) struct RawRows {
    pub words: Vec<String>,
    /// Row-major `words.len() x dims` values.
    pub values: Vec<f32>,
    /// 1-based line (text) or 0-based byte offset (binary) of each row,
    /// used to say where a duplicate was found.
    pub positions: Vec<u64>,
    pub dims: usize,
}

/// Remove duplicate words (keeping the first occurrence), normalise, build.
pub(crate) fn finish(
    mut raw: RawRows,
    report: &mut LoadReport,
) -> Embeddings<SimpleVocab, NdArray> {
    let dims = raw.dims;
    dedup(&mut raw, report);
    let rows = raw.words.len();
    let mut norms = vec![0f32; rows];
    if dims > 0 {
        raw.values
            .par_chunks_mut(dims)
            .zip(norms.par_iter_mut())
            .for_each(|(row, norm)| *norm = normalize(row));
    }
    let matrix = ndarray15::Array2::from_shape_vec((rows, dims), raw.values)
        .expect("rows x dims matches the values we collected");
    Embeddings::new(
        None,
        SimpleVocab::new(raw.words),
        NdArray::new(matrix),
        NdNorms::new(ndarray15::Array1::from(norms)),
    )
}

/// L2-normalise `row` in place and return its original norm. A zero row
/// stays zero (norm 0).
pub(crate) fn normalize(row: &mut [f32]) -> f32 {
    let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        row.iter_mut().for_each(|v| *v /= norm);
    }
    norm
}

fn dedup(raw: &mut RawRows, report: &mut LoadReport) {
    let mut seen: HashSet<&str> = HashSet::with_capacity(raw.words.len());
    let mut keep = Vec::with_capacity(raw.words.len());
    for (i, word) in raw.words.iter().enumerate() {
        let fresh = seen.insert(word.as_str());
        if !fresh {
            report.duplicates += 1;
            if report.first_duplicate.is_none() {
                report.first_duplicate = Some((word.clone(), raw.positions[i]));
            }
        }
        keep.push(fresh);
    }
    drop(seen);
    if report.duplicates == 0 {
        return;
    }
    let dims = raw.dims;
    let mut out = 0;
    for (i, &k) in keep.iter().enumerate() {
        if !k {
            continue;
        }
        if out != i {
            raw.values.copy_within(i * dims..(i + 1) * dims, out * dims);
            raw.words.swap(out, i);
            raw.positions[out] = raw.positions[i];
        }
        out += 1;
    }
    raw.words.truncate(out);
    raw.positions.truncate(out);
    raw.values.truncate(out * dims);
}

#[cfg(test)]
mod tests {
    use super::*;
    use finalfusion::vocab::Vocab;

    #[test]
    fn duplicates_keep_the_first_row() {
        let raw = RawRows {
            words: ["a", "b", "a", "c", "b"].map(String::from).to_vec(),
            values: vec![3., 4., 0., 2., 9., 9., 1., 0., 8., 8.],
            positions: vec![1, 2, 3, 4, 5],
            dims: 2,
        };
        let mut report = LoadReport::default();
        let emb = finish(raw, &mut report);
        assert_eq!(report.duplicates, 2);
        assert_eq!(report.first_duplicate, Some(("a".to_string(), 3)));
        assert_eq!(emb.vocab().words(), &["a", "b", "c"]);
        let a = emb.embedding_with_norm("a").unwrap();
        assert_eq!(a.norm, 5.0);
        assert_eq!(a.embedding.to_vec(), vec![0.6, 0.8]);
        assert_eq!(emb.embedding("b").unwrap().to_vec(), vec![0.0, 1.0]);
    }

    #[test]
    fn zero_rows_stay_zero() {
        let mut row = [0.0f32; 3];
        assert_eq!(normalize(&mut row), 0.0);
        assert_eq!(row, [0.0; 3]);
    }
}
