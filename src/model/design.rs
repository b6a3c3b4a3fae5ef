//! Design matrices: a dense block (pooled word vectors) and a sparse block
//! (n-gram counts) side by side, one row per document.

use std::sync::Arc;

use crate::error::{Error, Result};

/// A sparse matrix in compressed-row form, built row by row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Csr {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
    cols: usize,
}

impl Csr {
    /// An empty matrix with `cols` columns and no rows.
    pub fn new(cols: usize) -> Self {
        Csr {
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
            cols,
        }
    }

    /// Append a row from `(column, value)` entries (columns < `cols`).
    ///
    /// # Panics
    /// When a column is out of range (a bug in the caller).
    pub fn push_row(&mut self, entries: impl IntoIterator<Item = (u32, f32)>) {
        for (col, value) in entries {
            assert!((col as usize) < self.cols, "column {col} out of range");
            self.indices.push(col);
            self.values.push(value);
        }
        self.indptr.push(self.indices.len());
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// The entries of row `i`.
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }
}

/// Features of `rows` documents: `dense_cols` dense values then a sparse
/// block, per row.
///
/// The sparse block is shared, not copied, by the designs that
/// [`Design::select`] makes of some of its rows (the inner cross-validation
/// makes one per fold and weight): on 50,000 IMDB reviews each copy was
/// 160 MB. The dense block, small, is copied, so each can be scaled.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    rows: usize,
    dense: Vec<f32>,
    dense_cols: usize,
    sparse: Arc<Csr>,
    /// The row of `sparse` of each of this design's rows, when it holds
    /// some of them (`None`: all, in order).
    sparse_rows: Option<Vec<u32>>,
}

impl Design {
    /// Put a dense `rows x dense_cols` block (row-major) beside a sparse
    /// block; either may have zero columns.
    pub fn new(dense: Vec<f32>, dense_cols: usize, sparse: Csr) -> Result<Design> {
        let rows = sparse.rows();
        if dense.len() != rows * dense_cols {
            return Err(Error::InvalidInput(format!(
                "dense block has {} values, expected {rows} x {dense_cols}",
                dense.len()
            )));
        }
        Ok(Design {
            rows,
            dense,
            dense_cols,
            sparse: Arc::new(sparse),
            sparse_rows: None,
        })
    }

    /// A design with only a dense block.
    pub fn dense(x: &ndarray::Array2<f32>) -> Design {
        let (rows, cols) = x.dim();
        let mut sparse = Csr::new(0);
        (0..rows).for_each(|_| sparse.push_row([]));
        Design {
            rows,
            dense: x.iter().copied().collect(),
            dense_cols: cols,
            sparse: Arc::new(sparse),
            sparse_rows: None,
        }
    }

    /// Number of rows (documents).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (dense + sparse).
    pub fn cols(&self) -> usize {
        self.dense_cols + self.sparse.cols()
    }

    /// Columns of the dense block.
    pub fn dense_cols(&self) -> usize {
        self.dense_cols
    }

    /// The rows at `indices`, in that order: the dense rows copied, the
    /// sparse block shared.
    ///
    /// # Panics
    /// When an index is out of range (a bug in the caller).
    pub fn select(&self, indices: &[usize]) -> Design {
        let d = self.dense_cols;
        let mut dense = Vec::with_capacity(indices.len() * d);
        let mut sparse_rows = Vec::with_capacity(indices.len());
        for &i in indices {
            assert!(i < self.rows, "row {i} out of range");
            dense.extend_from_slice(&self.dense[i * d..(i + 1) * d]);
            sparse_rows.push(self.sparse_index(i));
        }
        Design {
            rows: indices.len(),
            dense,
            dense_cols: d,
            sparse: Arc::clone(&self.sparse),
            sparse_rows: Some(sparse_rows),
        }
    }

    /// The row of the shared sparse block that row `i` is.
    fn sparse_index(&self, i: usize) -> u32 {
        match &self.sparse_rows {
            Some(rows) => rows[i],
            // Fewer than 2^32 rows: a Csr of more would not fit in memory
            // long before (8 bytes per row offset alone).
            None => i as u32,
        }
    }

    /// A feature that is not a finite number, as `(row, column, value)`
    /// (0-based): the first in the dense block, else the first in the
    /// sparse one.
    pub fn first_non_finite(&self) -> Option<(usize, usize, f32)> {
        let d = self.dense_cols;
        // (An empty dense block has no position: no division by 0.)
        if let Some(at) = self.dense.iter().position(|v| !v.is_finite()) {
            return Some((at / d, at % d, self.dense[at]));
        }
        (0..self.rows).find_map(|i| {
            let (idx, val) = self.sparse_row(i);
            idx.iter()
                .zip(val)
                .find(|(_, v)| !v.is_finite())
                .map(|(&j, &v)| (i, d + j as usize, v))
        })
    }

    /// An error naming the first feature that is not a finite number: a
    /// fit on it would have no finite loss.
    pub fn check_finite(&self) -> Result<()> {
        match self.first_non_finite() {
            None => Ok(()),
            Some((i, j, v)) => Err(Error::InvalidInput(format!(
                "feature {} of row {} is {v}: features must be finite numbers",
                j + 1,
                i + 1
            ))),
        }
    }

    /// Scale the dense block by `factor` (the weight of the vector channel).
    pub fn scale_dense(&mut self, factor: f32) {
        self.dense.iter_mut().for_each(|v| *v *= factor);
    }

    /// The dense block as a `rows x dense_cols` view.
    pub(crate) fn dense_view(&self) -> ndarray::ArrayView2<'_, f32> {
        ndarray::ArrayView2::from_shape((self.rows, self.dense_cols), &self.dense)
            .expect("dense block is rows x dense_cols")
    }

    /// The rows of the dense block (empty slices when it has no columns).
    pub(crate) fn dense_rows(&self) -> impl Iterator<Item = &[f32]> + '_ {
        let d = self.dense_cols;
        (0..self.rows).map(move |i| &self.dense[i * d..(i + 1) * d])
    }

    /// Row `i` of the dense block (empty when it has no columns).
    pub(crate) fn dense_row(&self, i: usize) -> &[f32] {
        let d = self.dense_cols;
        &self.dense[i * d..(i + 1) * d]
    }

    /// The entries of row `i` of the sparse block.
    pub(crate) fn sparse_row(&self, i: usize) -> (&[u32], &[f32]) {
        self.sparse.row(self.sparse_index(i) as usize)
    }

    /// `w . x_i` over the first `cols()` entries of `w` (a reference for
    /// tests of the solver's faster paths).
    #[cfg(test)]
    pub(crate) fn dot(&self, i: usize, w: &[f64]) -> f64 {
        let d = self.dense_cols;
        let row = &self.dense[i * d..(i + 1) * d];
        let mut sum: f64 = row.iter().zip(w).map(|(&x, &w)| f64::from(x) * w).sum();
        let (idx, val) = self.sparse_row(i);
        let ws = &w[d..];
        for (&j, &v) in idx.iter().zip(val) {
            sum += f64::from(v) * ws[j as usize];
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_and_axpy_cover_both_blocks() {
        let mut sparse = Csr::new(3);
        sparse.push_row([(2, 5.0)]);
        sparse.push_row([(0, 1.0), (1, -1.0)]);
        let x = Design::new(vec![1.0, 2.0, 3.0, 4.0], 2, sparse).unwrap();
        assert_eq!(x.cols(), 5);
        let w = [1.0, 1.0, 10.0, 100.0, 1000.0];
        assert_eq!(x.dot(0, &w), 3.0 + 5000.0);
        assert_eq!(x.dot(1, &w), 7.0 + 10.0 - 100.0);
        let s = x.select(&[1]);
        assert_eq!(s.rows(), 1);
        assert_eq!(s.dot(0, &w), x.dot(1, &w));
    }

    /// A selection of a selection reads the right rows of the one shared
    /// sparse block, and scaling a selection leaves the original alone.
    #[test]
    fn selections_share_the_sparse_block_and_copy_the_dense_one() {
        let mut sparse = Csr::new(2);
        for i in 0..4 {
            sparse.push_row([(i % 2, i as f32 + 1.0)]);
        }
        let dense = vec![0.0, 1.0, 2.0, 3.0];
        let x = Design::new(dense, 1, sparse).unwrap();
        let mut s = x.select(&[3, 1, 2]);
        let t = s.select(&[2, 0]);
        assert!(Arc::ptr_eq(&x.sparse, &t.sparse));
        assert_eq!(t.sparse_row(0), (&[0u32][..], &[3.0f32][..]));
        assert_eq!(t.sparse_row(1), (&[1u32][..], &[4.0f32][..]));
        assert_eq!(t.dense_row(0), &[2.0]);
        assert_eq!(t.dense_row(1), &[3.0]);
        s.scale_dense(10.0);
        assert_eq!(s.dense_row(0), &[30.0]);
        assert_eq!(x.dense_row(3), &[3.0]);
        assert_eq!(t.dense_row(1), &[3.0]);
    }

    #[test]
    fn shapes_must_agree() {
        let mut sparse = Csr::new(1);
        sparse.push_row([]);
        assert!(Design::new(vec![1.0, 2.0, 3.0], 2, sparse).is_err());
    }
}
