//! L2-regularised logistic regression (binary and multinomial) on a
//! [`Design`] of dense and sparse features, trained by a trust-region
//! Newton method with preconditioned conjugate gradients (LIBLINEAR's
//! primal solver; see `tron.rs`).
//!
//! Why not `linfa-logistic` itself: it takes dense matrices only, and the
//! n-gram channel is sparse (tens of thousands of columns, a few dozen
//! non-zeros a row), so a dense copy would cost gigabytes; it also
//! regularises the intercept and does not say when it stopped at its
//! iteration limit. This solver minimises the same kind of objective, and
//! a test checks it against `linfa-logistic` on dense data.
//!
//! Why Newton rather than L-BFGS (which earlier releases used): the
//! Hessian-vector product of this loss costs one gradient, and with the
//! Hessian's diagonal as preconditioner a handful of Newton steps reach the
//! optimum where L-BFGS needed hundreds of iterations on the badly scaled
//! hybrid design; and it keeps no history, so a Banking77 fit (800,000
//! weights) holds 40 MB less per concurrent fit (docs/benchmarks.md).
//!
//! Objective, with `n` rows, `C` the inverse regularisation strength (as in
//! scikit-learn), intercepts not regularised:
//! `mean_i logloss_i + ||W||^2 / (2 C n)`.

use super::design::Design;
use super::tron::{dot, HessianBlock, Objective, Stop, Tron};
use crate::error::{Error, Result};
use multiversion::multiversion;
use ndarray::linalg::general_mat_mul;
use ndarray::Array2;

/// The largest L2 strength `C` accepted: 10^6 already means practically no
/// regularisation (scikit-learn's own grids stop at 10^4), and a bounded
/// `C` bounds the fitted weights (see [`MAX_WEIGHT`]).
pub const MAX_C: f64 = 1e6;

/// The largest weight magnitude a model may have, fitted or read from a
/// file. Scores `x . w + b` are summed in f32 for the dense block: with
/// `|w| <= 10^6`, a row's score overflows only if the absolute values of
/// its features sum to more than `3.4e38 / 10^6 = 3.4e32`, far beyond any
/// standardised or TF-IDF feature (a standardised column stays within
/// `sqrt(n)` of the training rows, times `beta`), so every score is finite
/// and every probability a number (1e300 weights made every probability
/// NaN). A fit never reaches it in practice: the objective at the optimum
/// is at most its value at zero, so `||W||^2 <= 2 C n ln(classes)`.
pub const MAX_WEIGHT: f64 = 1e6;

/// How much each training text's loss counts, by its class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClassWeight {
    /// Every text counts once (the default).
    #[default]
    Uniform,
    /// A text of class `k` counts `n / (classes * n_k)`, as scikit-learn's
    /// `class_weight="balanced"`: every class present weighs as much in the
    /// loss as the others, so a rare class is not traded away for a few
    /// texts of a common one. The weights average 1 over the texts, so `C`
    /// keeps its meaning.
    Balanced,
}

impl std::str::FromStr for ClassWeight {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "none" | "uniform" => Ok(ClassWeight::Uniform),
            "balanced" => Ok(ClassWeight::Balanced),
            _ => Err(Error::InvalidParameter(format!(
                "unknown class weight '{s}': expected none or balanced"
            ))),
        }
    }
}

impl std::fmt::Display for ClassWeight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClassWeight::Uniform => "none",
            ClassWeight::Balanced => "balanced",
        })
    }
}

impl ClassWeight {
    /// The weight of each text of labels `y` (in `0..classes`); empty
    /// when every text counts once.
    pub(crate) fn of_texts(self, y: &[usize], classes: usize) -> Vec<f32> {
        match self {
            ClassWeight::Uniform => Vec::new(),
            ClassWeight::Balanced => {
                let mut counts = vec![0usize; classes];
                y.iter().for_each(|&c| counts[c] += 1);
                let present = counts.iter().filter(|&&n| n > 0).count().max(1);
                let n = y.len() as f64;
                y.iter()
                    .map(|&c| (n / (present as f64 * counts[c] as f64)) as f32)
                    .collect()
            }
        }
    }
}

/// Logistic-regression settings (a consuming builder, checked by
/// [`LogisticParams::check`]).
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticParams {
    c: f64,
    max_iterations: u64,
    tolerance: f64,
    class_weight: ClassWeight,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            c: 1.0,
            max_iterations: 300,
            tolerance: 1e-4,
            class_weight: ClassWeight::Uniform,
        }
    }
}

impl LogisticParams {
    /// Inverse L2 strength `C` (larger: weaker regularisation). Default 1.
    pub fn c(mut self, c: f64) -> Self {
        self.c = c;
        self
    }

    /// Limit on the Newton steps of one fit. Default 300.
    pub fn max_iterations(mut self, n: u64) -> Self {
        self.max_iterations = n;
        self
    }

    /// Convergence tolerance on the Euclidean norm of the gradient of the
    /// mean loss. Default 1e-4.
    pub fn tolerance(mut self, tol: f64) -> Self {
        self.tolerance = tol;
        self
    }

    /// How each text's loss counts by its class. Default
    /// [`ClassWeight::Uniform`].
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.class_weight = w;
        self
    }

    /// The inverse L2 strength.
    pub fn get_c(&self) -> f64 {
        self.c
    }

    /// How each text's loss counts by its class.
    pub fn get_class_weight(&self) -> ClassWeight {
        self.class_weight
    }

    /// Fail on settings that cannot work.
    pub fn check(&self) -> Result<()> {
        if !(self.c > 0.0 && self.c <= MAX_C) {
            return Err(Error::InvalidParameter(format!(
                "C must be a number above 0 and at most {MAX_C:e}, got {}",
                self.c
            )));
        }
        if self.max_iterations == 0 {
            return Err(Error::InvalidParameter(
                "max_iterations must be at least 1".into(),
            ));
        }
        if self.tolerance.is_nan() || self.tolerance <= 0.0 {
            return Err(Error::InvalidParameter("tolerance must be positive".into()));
        }
        Ok(())
    }

    /// Fit on `x` with labels `y` in `0..classes` (`classes >= 2`), starting
    /// from `warm` if given (a model of the same shape, e.g. the previous
    /// point of a regularisation path).
    pub fn fit(
        &self,
        x: &Design,
        y: &[usize],
        classes: usize,
        warm: Option<&FittedLogistic>,
    ) -> Result<FittedLogistic> {
        self.check()?;
        super::check_labels(y, x.rows(), "rows", classes)?;
        x.check_finite()?;
        let outputs = if classes == 2 { 1 } else { classes };
        let stride = x.cols() + 1;
        let mut weights = match warm {
            Some(w) if w.weights.len() == outputs * stride => w.weights.clone(),
            _ => vec![0.0; outputs * stride],
        };
        let mut problem = Problem::new(x, y, outputs, 1.0 / (self.c * x.rows() as f64))
            .weighted(self.class_weight.of_texts(y, classes));
        let outcome = Tron {
            tolerance: self.tolerance,
            max_iterations: self.max_iterations,
        }
        .minimize(&mut weights, &mut problem);
        // The iteration limit and a fit cut short (the evaluation budget
        // spent, a loss that is not a number at the start) are not
        // convergence.
        let converged = outcome.stop == Stop::Converged;
        if let Some((j, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !w.is_finite() || w.abs() > MAX_WEIGHT)
        {
            return Err(Error::Solver {
                message: format!(
                    "logistic regression: weight {j} grew to {w:e}, beyond {MAX_WEIGHT:e}: the features are badly scaled or C ({}) too large",
                    self.c
                ),
            });
        }
        Ok(FittedLogistic {
            classes,
            cols: x.cols(),
            weights,
            iterations: outcome.iterations,
            converged,
        })
    }
}

/// A fitted logistic regression: the only thing that predicts.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedLogistic {
    classes: usize,
    cols: usize,
    /// Feature-major: `weights[j * outputs + o]` for feature `j` (the last
    /// `j = cols` is the intercept) and output `o` (one output for two
    /// classes, else one per class).
    weights: Vec<f64>,
    iterations: u64,
    converged: bool,
}

impl FittedLogistic {
    /// Whether a model read from a file is consistent: at least two
    /// classes, one weight per input column and output, plus the
    /// intercepts.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        if self.classes < 2 {
            return Err(format!("{} classes (at least 2 needed)", self.classes));
        }
        let outputs = if self.classes == 2 { 1 } else { self.classes };
        let expected = self
            .cols
            .checked_add(1)
            .and_then(|c| c.checked_mul(outputs));
        if expected != Some(self.weights.len()) {
            return Err(format!(
                "{} weights for {} columns and {} classes",
                self.weights.len(),
                self.cols,
                self.classes
            ));
        }
        Ok(())
    }

    /// Whether every weight of a model read from a file is within
    /// [`MAX_WEIGHT`] (naming the first that is not by its JSON path).
    pub(crate) fn check_weights(&self) -> std::result::Result<(), String> {
        match self
            .weights
            .iter()
            .enumerate()
            .find(|(_, w)| !w.is_finite() || w.abs() > MAX_WEIGHT)
        {
            Some((j, w)) => Err(format!(
                "model.weights[{j}] is {w:e}: expected a number from -{MAX_WEIGHT:e} to {MAX_WEIGHT:e}"
            )),
            None => Ok(()),
        }
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Number of input columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Newton steps taken.
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// False when the solver stopped at its iteration limit.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// The weights of output `k` (class `k`, or the positive class of a
    /// binary model) and its intercept.
    pub fn weights(&self, k: usize) -> (Vec<f64>, f64) {
        let outputs = self.outputs();
        let w = (0..self.cols)
            .map(|j| self.weights[j * outputs + k])
            .collect();
        (w, self.weights[self.cols * outputs + k])
    }

    fn outputs(&self) -> usize {
        if self.classes == 2 {
            1
        } else {
            self.classes
        }
    }

    /// Class probabilities of each row (`rows x classes`).
    pub fn predict_proba(&self, x: &Design) -> Result<ndarray::Array2<f32>> {
        if x.cols() != self.cols {
            return Err(Error::InvalidInput(format!(
                "the model takes {} features, got {}",
                self.cols,
                x.cols()
            )));
        }
        let z = scores(x, &self.weights, self.outputs());
        let mut out = ndarray::Array2::zeros((x.rows(), self.classes));
        let mut p = vec![0.0; self.classes];
        for (zi, mut row) in z.outer_iter().zip(out.rows_mut()) {
            if self.classes == 2 {
                let q = sigmoid(zi[0]);
                p[0] = 1.0 - q;
                p[1] = q;
            } else {
                p.iter_mut().zip(zi.iter()).for_each(|(p, &z)| *p = z);
                softmax(&mut p);
            }
            row.iter_mut().zip(&p).for_each(|(o, &v)| *o = v as f32);
        }
        if let Some(i) = out
            .rows()
            .into_iter()
            .position(|r| r.iter().any(|v| !v.is_finite()))
        {
            return Err(Error::InvalidInput(format!(
                "text {} of the batch: its features are not finite numbers (word vectors or pooling with values too large), so it has no probabilities",
                i + 1
            )));
        }
        Ok(out)
    }

    /// The most probable class of each row.
    pub fn predict(&self, x: &Design) -> Result<Vec<usize>> {
        let proba = self.predict_proba(x)?;
        Ok(proba
            .rows()
            .into_iter()
            .map(|r| argmax(r.as_slice().unwrap_or(&[])))
            .collect())
    }
}

/// Scores `x . W + b` (`rows x outputs`, f64) for feature-major weights.
fn scores(x: &Design, w: &[f64], outputs: usize) -> Array2<f64> {
    let mut work = Workspace::default();
    scores_into(x, w, outputs, &mut work);
    work.z
}

/// Buffers reused by every evaluation of one fit, all `f32` (the
/// precision of the features): the weights, the scores, the residuals and
/// the gradient of the feature weights. Halving the bytes of the weight
/// rows that the sparse block gathers and scatters at random halves the
/// memory traffic that bounds an evaluation.
#[derive(Default)]
struct Workspace {
    z: Array2<f64>,
    w32: Vec<f32>,
    z32: Array2<f32>,
    residual: Array2<f32>,
    /// The column sums of the residuals (the intercepts' gradient).
    bias: Vec<f64>,
    /// Per row and output, what the Hessian needs: `p (1 - p)` for one
    /// output, the probabilities `p` for the softmax.
    curvature: Array2<f32>,
    g32: Array2<f32>,
}

/// Resize `a` to `shape` (reusing its buffer when it already has it).
fn shaped<T: Clone + Default>(a: &mut Array2<T>, shape: (usize, usize)) {
    if a.dim() != shape {
        *a = Array2::default(shape);
    }
}

/// [`scores`] into `work.z`, for prediction. The dense block goes through
/// one matrix product (matrixmultiply's SIMD kernels, f32); the sparse
/// block adds `v * W[j, :]` rows, contiguous, in f64.
fn scores_into(x: &Design, w: &[f64], outputs: usize, work: &mut Workspace) {
    let (n, d) = (x.rows(), x.dense_cols());
    let cols = x.cols();
    shaped(&mut work.z, (n, outputs));
    if d > 0 {
        let wd = Array2::from_shape_fn((d, outputs), |(j, o)| w[j * outputs + o] as f32);
        shaped(&mut work.z32, (n, outputs));
        general_mat_mul(1.0, &x.dense_view(), &wd, 0.0, &mut work.z32);
        work.z
            .iter_mut()
            .zip(work.z32.iter())
            .for_each(|(z, &v)| *z = f64::from(v));
    } else {
        work.z.fill(0.0);
    }
    let bias = &w[cols * outputs..(cols + 1) * outputs];
    for (i, mut zi) in work.z.outer_iter_mut().enumerate() {
        let zi = zi
            .as_slice_mut()
            .expect("rows of a standard-layout array are contiguous");
        let (idx, val) = x.sparse_row(i);
        for (&j, &v) in idx.iter().zip(val) {
            let wj = &w[(d + j as usize) * outputs..(d + j as usize + 1) * outputs];
            let v = f64::from(v);
            zi.iter_mut().zip(wj).for_each(|(z, w)| *z += v * w);
        }
        zi.iter_mut().zip(bias).for_each(|(z, b)| *z += b);
    }
}

/// Training scores `x . W + b` into `z32`, all in `f32`, for the weights
/// `w32` (feature-major, the intercepts last).
#[multiversion(targets("x86_64+avx2"))]
fn scores32(x: &Design, w32: &[f32], outputs: usize, z32: &mut Array2<f32>) {
    let (n, d) = (x.rows(), x.dense_cols());
    let cols = x.cols();
    shaped(z32, (n, outputs));
    if outputs == 1 {
        // One weight per column: a dot product per row. The matrix product
        // below would pack the whole dense block at every call for a
        // single output column, which cost as much as the product (36% of
        // the Rotten Tomatoes cross-validation went to packing and kernel).
        let (wd, b) = (&w32[..d], w32[cols]);
        let ws = &w32[d..cols];
        let z = z32.as_slice_mut().expect("a fresh array is contiguous");
        for (i, (zi, xi)) in z.iter_mut().zip(x.dense_rows()).enumerate() {
            let (idx, val) = x.sparse_row(i);
            *zi = binary_score(xi, idx, val, wd, ws, b);
        }
        return;
    }
    if d > 0 {
        let wd = ndarray::ArrayView2::from_shape((d, outputs), &w32[..d * outputs])
            .expect("d x outputs weights");
        general_mat_mul(1.0, &x.dense_view(), &wd, 0.0, z32);
    } else {
        z32.fill(0.0);
    }
    let bias = &w32[cols * outputs..(cols + 1) * outputs];
    for (i, mut zi) in z32.outer_iter_mut().enumerate() {
        let zi = zi
            .as_slice_mut()
            .expect("rows of a standard-layout array are contiguous");
        let (idx, val) = x.sparse_row(i);
        for (&j, &v) in idx.iter().zip(val) {
            let at = (d + j as usize) * outputs;
            let wj = &w32[at..at + outputs];
            zi.iter_mut().zip(wj).for_each(|(z, w)| *z += v * w);
        }
        zi.iter_mut().zip(bias).for_each(|(z, b)| *z += b);
    }
}

/// Rows (every k-th, in order) on which [`Objective::hessian_block`]
/// estimates the Hessian's dense block for the preconditioner: the
/// estimate need only point CG the right way, and its cost per Newton step
/// stays that of a product with a `1024 x d` matrix whatever the corpus.
/// On Rotten Tomatoes (6,300-row inner folds), 1024 rows took 731 CG steps
/// where all rows took 683, 256 took 1,132 (docs/benchmarks.md).
const BLOCK_SAMPLE_ROWS: usize = 1024;

/// The widest dense block kept whole in the preconditioner. Its cost per
/// Newton step grows as `d^2` (the product) and `d^3` (the factor); the
/// gain was measured with 50-dimensional vectors only, so wider blocks
/// keep the diagonal preconditioner.
const MAX_BLOCK_DIM: usize = 128;

/// Partial sums of [`dot32`]: four independent AVX registers of additions
/// (eight SSE ones). On its own it measured the same as the eight lanes
/// before it (Rotten Tomatoes 10-fold, docs/benchmarks.md, issue 13 sixth
/// slice): the binary products are bound by the sparse block.
const DOT_LANES: usize = 32;

/// `a . b` in `f32`, over [`DOT_LANES`] interleaved partial sums (the
/// rest eight at a time into the first lanes, then one at a time), added
/// in a fixed order: the same bits whatever the SIMD width.
#[inline(always)]
fn dot32(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; DOT_LANES];
    let (ac, bc) = (a.chunks_exact(DOT_LANES), b.chunks_exact(DOT_LANES));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for k in 0..DOT_LANES {
            acc[k] += x[k] * y[k];
        }
    }
    let (ac, bc) = (ar.chunks_exact(8), br.chunks_exact(8));
    let tail: f32 = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ac.zip(bc) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut width = DOT_LANES;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            acc[k] += acc[k + width];
        }
    }
    acc[0] + tail
}

/// One row's score for one output: its dense part `xi . wd`, its sparse
/// entries against `ws`, and the intercept `b`. Training scores and the
/// one-pass Hessian product both call it, so they add in the same order.
#[inline(always)]
fn binary_score(xi: &[f32], idx: &[u32], val: &[f32], wd: &[f32], ws: &[f32], b: f32) -> f32 {
    dot32(xi, wd) + sparse_dot(idx, val, ws) + b
}

/// `sum_e val[e] * w[idx[e]]` in `f32`, over four interleaved partial
/// sums added in a fixed order: one running sum made each product wait
/// for the last addition.
#[inline(always)]
fn sparse_dot(idx: &[u32], val: &[f32], w: &[f32]) -> f32 {
    let mut acc = [0.0f32; 4];
    let (ic, vc) = (idx.chunks_exact(4), val.chunks_exact(4));
    let tail: f32 = ic
        .remainder()
        .iter()
        .zip(vc.remainder())
        .map(|(&j, &v)| v * w[j as usize])
        .sum();
    for (i, v) in ic.zip(vc) {
        for k in 0..4 {
            acc[k] += v[k] * w[i[k] as usize];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Index of the largest value (the first on ties).
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `log(1 + exp(z))`, without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

fn softmax(z: &mut [f64]) {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    z.iter_mut().for_each(|v| *v /= sum);
}

/// Row `i`'s weight in the loss: `row_weights[i]`, or 1 when the rows
/// are not weighted (`row_weights` empty).
fn row_weight(row_weights: &[f32], i: usize) -> f32 {
    row_weights.get(i).copied().unwrap_or(1.0)
}

struct Problem<'a> {
    x: &'a Design,
    y: &'a [usize],
    outputs: usize,
    lambda: f64,
    /// Each row's weight in the loss ([`ClassWeight`]); empty: all 1.
    row_weights: Vec<f32>,
    work: Workspace,
    /// The dense block squared, for the Hessian's diagonal (made on first
    /// use).
    dense_sq: Array2<f32>,
    /// The dense rows sampled for [`Objective::hessian_block`] (made on
    /// first use), and the same rows times their curvature.
    sampled: Array2<f32>,
    weighted: Array2<f32>,
}

impl<'a> Problem<'a> {
    fn new(x: &'a Design, y: &'a [usize], outputs: usize, lambda: f64) -> Problem<'a> {
        Problem {
            x,
            y,
            outputs,
            lambda,
            row_weights: Vec::new(),
            work: Workspace::default(),
            dense_sq: Array2::default((0, 0)),
            sampled: Array2::default((0, 0)),
            weighted: Array2::default((0, 0)),
        }
    }

    /// The same problem with row `i`'s loss counted `row_weights[i]` times
    /// (empty: once each).
    fn weighted(mut self, row_weights: Vec<f32>) -> Problem<'a> {
        debug_assert!(row_weights.is_empty() || row_weights.len() == self.x.rows());
        self.row_weights = row_weights;
        self
    }

    /// The loss at `w`, and its gradient into `grad` when given. Scores
    /// come from [`scores32`]; the gradient is [`Problem::backward`] of the
    /// residuals; the loss and the intercepts' gradient sum in f64. With
    /// the gradient, the curvature at `w` (the probabilities) is kept for
    /// the Hessian products. Every sum runs in a fixed order, so the result
    /// does not depend on the number of threads. A row's weight scales its
    /// loss and residuals, and for one output its curvature (the softmax
    /// keeps the probabilities there; its products apply the weight).
    fn evaluate(&mut self, w: &[f64], grad: Option<&mut [f64]>) -> f64 {
        let x = self.x;
        let k = self.outputs;
        let (n, cols) = (x.rows(), x.cols());
        let row_weights = &self.row_weights;
        let weight = |i: usize| row_weight(row_weights, i);
        let work = &mut self.work;
        work.w32.clear();
        work.w32.extend(w.iter().map(|&v| v as f32));
        scores32(x, &work.w32, k, &mut work.z32);
        let with_gradient = grad.is_some();
        if with_gradient {
            shaped(&mut work.residual, (n, k));
            shaped(&mut work.curvature, (n, k));
        }
        let mut loss = 0.0;
        for (i, zi) in work.z32.outer_iter().enumerate() {
            let y = self.y[i];
            let s = f64::from(weight(i));
            if k == 1 {
                let z = f64::from(zi[0]);
                let t = if y == 1 { 1.0 } else { 0.0 };
                // -log p(y) = softplus(z) - t z
                loss += s * (softplus(z) - t * z);
                if with_gradient {
                    let p = sigmoid(z);
                    work.residual[[i, 0]] = (s * (p - t)) as f32;
                    work.curvature[[i, 0]] = (s * p * (1.0 - p)) as f32;
                }
            } else {
                let max = zi.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let max = f64::from(max);
                let sum: f64 = zi.iter().map(|&v| (f64::from(v) - max).exp()).sum();
                loss += s * (max + sum.ln() - f64::from(zi[y]));
                if with_gradient {
                    let mut ri = work.residual.row_mut(i);
                    let mut ci = work.curvature.row_mut(i);
                    for (o, ((&zo, r), c)) in
                        zi.iter().zip(ri.iter_mut()).zip(ci.iter_mut()).enumerate()
                    {
                        let p = (f64::from(zo) - max).exp() / sum;
                        *r = (s * (p - if o == y { 1.0 } else { 0.0 })) as f32;
                        *c = p as f32;
                    }
                }
            }
        }
        if let Some(grad) = grad {
            self.gradient(w, grad);
        }
        if n == 0 {
            return 0.0;
        }
        loss /= n as f64;
        // L2 on every weight but the intercepts (the last k entries).
        let weights = &w[..cols * k];
        loss + 0.5 * self.lambda * dot(weights, weights)
    }

    /// `work.g32 = X^T R` and `work.bias` the column sums of `R`, for `R`
    /// in `work.residual`; then the gradient of the mean loss at `w`:
    /// `g / n + lambda w` (the intercepts not regularised).
    fn gradient(&mut self, w: &[f64], grad: &mut [f64]) {
        let work = &mut self.work;
        shaped(&mut work.g32, (self.x.cols(), self.outputs));
        let g32 = work
            .g32
            .as_slice_mut()
            .expect("a fresh array is contiguous");
        transpose_times(self.x, &work.residual, g32, &mut work.bias);
        let n = self.x.rows().max(1) as f64;
        let (lambda, inv) = (self.lambda, 1.0 / n);
        let ck = g32.len();
        grad[..ck]
            .iter_mut()
            .zip(g32.iter())
            .zip(&w[..ck])
            .for_each(|((g, &v), w)| *g = f64::from(v) * inv + lambda * w);
        grad[ck..]
            .iter_mut()
            .zip(&work.bias)
            .for_each(|(g, &b)| *g = b * inv);
    }
}

/// `out = X^T diag(c) (X v + v_b)` for one output, in one pass over the
/// rows: each row's score of `v`, times its curvature `c`, is added back
/// through the same row while it is in cache (two passes, [`scores32`] and
/// [`transpose_times`], read the dense block twice per product, and it is
/// larger than the core's cache on 10k texts). Returns the sum of the
/// rows' `c (x . v + v_b)` in f64 (the intercept's entry).
#[multiversion(targets("x86_64+avx2"))]
fn binary_hessian_pass(x: &Design, curvature: &[f32], v: &[f32], out: &mut [f32]) -> f64 {
    let (d, cols) = (x.dense_cols(), x.cols());
    out.fill(0.0);
    let (gd, gs) = out.split_at_mut(d);
    let (vd, vs, vb) = (&v[..d], &v[d..cols], v[cols]);
    let mut bias = 0.0f64;
    for (i, (xi, &ci)) in x.dense_rows().zip(curvature).enumerate() {
        let (idx, val) = x.sparse_row(i);
        let r = ci * binary_score(xi, idx, val, vd, vs, vb);
        gd.iter_mut().zip(xi).for_each(|(g, &x)| *g += r * x);
        for (&j, &v) in idx.iter().zip(val) {
            gs[j as usize] += v * r;
        }
        bias += f64::from(r);
    }
    bias
}

/// `out = X^T R` for the feature weights (`cols x outputs`, feature-major)
/// and `bias` the column sums of `R` (`rows x outputs`), in f64. The dense
/// block is one matrix product (a row at a time for one output), the
/// sparse block adds `v * R[i, :]` rows; every sum in a fixed order.
#[multiversion(targets("x86_64+avx2"))]
fn transpose_times(x: &Design, r: &Array2<f32>, out: &mut [f32], bias: &mut Vec<f64>) {
    let k = r.ncols();
    let d = x.dense_cols();
    if k == 1 {
        // Binary: `Xd^T r` and the sparse scatter row by row, no matrix
        // product (see scores32).
        out.fill(0.0);
        let (gd, gs) = out.split_at_mut(d);
        let r = r.as_slice().expect("a fresh array is contiguous");
        for (i, (&ri, xi)) in r.iter().zip(x.dense_rows()).enumerate() {
            gd.iter_mut().zip(xi).for_each(|(g, &v)| *g += ri * v);
            let (idx, val) = x.sparse_row(i);
            for (&j, &v) in idx.iter().zip(val) {
                gs[j as usize] += v * ri;
            }
        }
    } else {
        let cols = out.len() / k;
        let mut all =
            ndarray::ArrayViewMut2::from_shape((cols, k), out).expect("cols x outputs weights");
        if d > 0 {
            let mut gd = all.slice_mut(ndarray::s![..d, ..]);
            general_mat_mul(1.0, &x.dense_view().t(), r, 0.0, &mut gd);
        }
        all.slice_mut(ndarray::s![d.., ..]).fill(0.0);
        let out = all.into_slice().expect("a contiguous slice");
        for (i, ri) in r.outer_iter().enumerate() {
            let ri = ri
                .as_slice()
                .expect("rows of a standard-layout array are contiguous");
            let (idx, val) = x.sparse_row(i);
            for (&j, &v) in idx.iter().zip(val) {
                let at = (d + j as usize) * k;
                out[at..at + k]
                    .iter_mut()
                    .zip(ri)
                    .for_each(|(g, &r)| *g += v * r);
            }
        }
    }
    column_sums(r, bias);
}

/// `out[o] = sum_i r[i, o]`, in f64, the rows in order.
#[multiversion(targets("x86_64+avx2"))]
fn column_sums(r: &Array2<f32>, out: &mut Vec<f64>) {
    out.clear();
    out.resize(r.ncols(), 0.0);
    for ri in r.outer_iter() {
        out.iter_mut()
            .zip(ri.iter())
            .for_each(|(o, &v)| *o += f64::from(v));
    }
}

impl Objective for Problem<'_> {
    fn loss_and_gradient(&mut self, w: &[f64], grad: &mut [f64]) -> f64 {
        self.evaluate(w, Some(grad))
    }

    /// `H v`: the scores of `v` (`a = X v + v_b`), per row the log-loss
    /// Hessian times them (`p (1 - p) a` for one output; `p * (a - p . a)`
    /// for the softmax), then back through `X^T` like a gradient; for one
    /// output all in one pass over the rows ([`binary_hessian_pass`]).
    fn hessian_times(&mut self, v: &[f32], out: &mut [f32]) {
        let k = self.outputs;
        let work = &mut self.work;
        let ck = self.x.cols() * k;
        let (weights, intercepts) = out.split_at_mut(ck);
        if k == 1 {
            let curvature = work
                .curvature
                .as_slice()
                .expect("a fresh array is contiguous");
            let bias = binary_hessian_pass(self.x, curvature, v, weights);
            work.bias.clear();
            work.bias.push(bias);
        } else {
            scores32(self.x, v, k, &mut work.z32);
            for (i, ((zi, ci), mut ri)) in work
                .z32
                .outer_iter()
                .zip(work.curvature.outer_iter())
                .zip(work.residual.outer_iter_mut())
                .enumerate()
            {
                let s = row_weight(&self.row_weights, i);
                let pa: f32 = zi.iter().zip(ci.iter()).map(|(a, p)| a * p).sum();
                for ((r, &a), &p) in ri.iter_mut().zip(zi.iter()).zip(ci.iter()) {
                    *r = s * p * (a - pa);
                }
            }
            transpose_times(self.x, &work.residual, weights, &mut work.bias);
        }
        let n = self.x.rows().max(1) as f64;
        let (lambda, inv) = (self.lambda as f32, (1.0 / n) as f32);
        weights
            .iter_mut()
            .zip(&v[..ck])
            .for_each(|(o, &v)| *o = *o * inv + lambda * v);
        intercepts
            .iter_mut()
            .zip(&work.bias)
            .for_each(|(o, &b)| *o = (b / n) as f32);
    }

    /// For one output, the dense block of the Hessian,
    /// `X_d^T diag(h) X_d / n + lambda I` with `h = p (1 - p)` per row,
    /// estimated on at most [`BLOCK_SAMPLE_ROWS`] rows (every k-th, in
    /// order); `None` for the softmax, a design without a dense block, or
    /// one wider than [`MAX_BLOCK_DIM`].
    fn hessian_block(&mut self) -> Option<HessianBlock> {
        let x = self.x;
        let d = x.dense_cols();
        if self.outputs != 1 || d == 0 || d > MAX_BLOCK_DIM || x.rows() == 0 {
            return None;
        }
        let stride = x.rows().div_ceil(BLOCK_SAMPLE_ROWS);
        let used = x.rows().div_ceil(stride);
        if self.sampled.dim() != (used, d) {
            self.sampled = Array2::zeros((used, d));
            for (mut out, i) in self
                .sampled
                .outer_iter_mut()
                .zip((0..x.rows()).step_by(stride))
            {
                out.iter_mut()
                    .zip(x.dense_row(i))
                    .for_each(|(o, &v)| *o = v);
            }
            self.weighted = Array2::zeros((used, d));
        }
        let curvature = self
            .work
            .curvature
            .as_slice()
            .expect("a fresh array is contiguous");
        for ((mut out, xi), i) in self
            .weighted
            .outer_iter_mut()
            .zip(self.sampled.outer_iter())
            .zip((0..x.rows()).step_by(stride))
        {
            let h = curvature[i];
            out.iter_mut().zip(xi).for_each(|(o, &v)| *o = v * h);
        }
        let mut block = Array2::<f32>::zeros((d, d));
        general_mat_mul(1.0, &self.sampled.t(), &self.weighted, 0.0, &mut block);
        let n = used as f64;
        let mut matrix: Vec<f64> = block.iter().map(|&v| f64::from(v) / n).collect();
        for i in 0..d {
            matrix[i * d + i] += self.lambda;
        }
        Some(HessianBlock {
            start: 0,
            dim: d,
            matrix,
        })
    }

    /// The Hessian's diagonal: `sum_i x_ij^2 h_io / n + lambda`, with
    /// `h = p (1 - p)` per output.
    fn hessian_diagonal(&mut self, out: &mut [f32]) {
        let x = self.x;
        let k = self.outputs;
        let (d, cols) = (x.dense_cols(), x.cols());
        let work = &mut self.work;
        // h into the residual buffer (for one output the curvature already
        // holds each row's weight).
        for (i, (ci, mut ri)) in work
            .curvature
            .outer_iter()
            .zip(work.residual.outer_iter_mut())
            .enumerate()
        {
            if k == 1 {
                ri[0] = ci[0];
            } else {
                let s = row_weight(&self.row_weights, i);
                ri.iter_mut()
                    .zip(ci.iter())
                    .for_each(|(r, &p)| *r = s * p * (1.0 - p));
            }
        }
        let (weights, intercepts) = out.split_at_mut(cols * k);
        weights.fill(0.0);
        if k > 1 && d > 0 {
            // The dense block as one product with the squared features,
            // squared once per fit.
            if self.dense_sq.dim() != (x.rows(), d) {
                self.dense_sq = x.dense_view().mapv(|v| v * v);
            }
            let mut gd = ndarray::ArrayViewMut2::from_shape((d, k), &mut weights[..d * k])
                .expect("d x outputs weights");
            general_mat_mul(1.0, &self.dense_sq.t(), &work.residual, 0.0, &mut gd);
        }
        for (i, (hi, xi)) in work.residual.outer_iter().zip(x.dense_rows()).enumerate() {
            let hi = hi
                .as_slice()
                .expect("rows of a standard-layout array are contiguous");
            if k == 1 {
                weights[..d]
                    .iter_mut()
                    .zip(xi)
                    .for_each(|(g, &v)| *g += v * v * hi[0]);
            }
            let (idx, val) = x.sparse_row(i);
            for (&j, &v) in idx.iter().zip(val) {
                let at = (d + j as usize) * k;
                let v2 = v * v;
                weights[at..at + k]
                    .iter_mut()
                    .zip(hi)
                    .for_each(|(g, &h)| *g += v2 * h);
            }
        }
        let n = x.rows().max(1) as f64;
        let (lambda, inv) = (self.lambda as f32, (1.0 / n) as f32);
        weights.iter_mut().for_each(|o| *o = *o * inv + lambda);
        column_sums(&work.residual, &mut work.bias);
        intercepts
            .iter_mut()
            .zip(&work.bias)
            .for_each(|(o, &h)| *o = (h / n) as f32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::design::Csr;

    fn toy() -> (Design, Vec<usize>) {
        // Two separable-ish blobs in 2-d plus a sparse indicator column.
        let dense = vec![
            1.0, 2.0, 1.5, 1.8, 2.0, 2.2, 0.5, 1.0, // class 1
            -1.0, -2.0, -1.2, -0.8, -2.0, -1.5, 0.4, -1.0, // class 0
        ];
        let mut sparse = Csr::new(1);
        for i in 0..8 {
            if i % 3 == 0 {
                sparse.push_row([(0, 1.0)]);
            } else {
                sparse.push_row([]);
            }
        }
        let y = vec![1, 1, 1, 1, 0, 0, 0, 0];
        (Design::new(dense, 2, sparse).unwrap(), y)
    }

    /// The analytic gradient agrees with finite differences.
    #[test]
    fn binary_training_scores_match_the_prediction_scores() {
        // The binary path of scores32 (dot products, no matrix product)
        // against the f64 scores of prediction, on 13 dense columns (8 + a
        // remainder of 5 for dot32) and a sparse block.
        let mut sparse = Csr::new(4);
        let mut dense = Vec::new();
        for i in 0..6 {
            sparse.push_row([(i as u32 % 4, 0.5), (3, -0.25 * i as f32)]);
            dense.extend((0..13).map(|j| ((i * 13 + j) as f32 * 0.37).sin()));
        }
        let x = Design::new(dense, 13, sparse).unwrap();
        let w: Vec<f64> = (0..18).map(|j| (j as f64 * 0.61).cos()).collect();
        let w32: Vec<f32> = w.iter().map(|&v| v as f32).collect();
        let mut z32 = Array2::default((0, 0));
        scores32(&x, &w32, 1, &mut z32);
        let reference = scores(&x, &w, 1);
        for i in 0..6 {
            let (a, b) = (f64::from(z32[[i, 0]]), reference[[i, 0]]);
            assert!((a - b).abs() < 1e-5, "row {i}: {a} vs {b}");
        }
        assert_eq!(dot32(&[1.0; 3], &[2.0; 3]), 6.0);
        assert_eq!(dot32(&[], &[]), 0.0);
    }

    /// The one-pass binary Hessian product gives the bits of its two
    /// passes (scores, then back through `X^T`), on 45 dense columns (32 +
    /// 8 + a remainder of 5 for dot32) and sparse rows of 0 to 9 entries
    /// (sparse_dot's blocks of 4 and its remainder).
    #[test]
    fn the_one_pass_hessian_product_is_the_two_passes() {
        let (n, d, vocab) = (12, 45, 11);
        let mut sparse = Csr::new(vocab);
        let mut dense = Vec::new();
        for i in 0..n {
            sparse.push_row(
                (0..i % 10)
                    .map(|e| {
                        (
                            (e * 7 + i) as u32 % vocab as u32,
                            (e + i) as f32 * 0.3 - 1.0,
                        )
                    })
                    .collect::<std::collections::BTreeMap<_, _>>(),
            );
            dense.extend((0..d).map(|j| ((i * d + j) as f32 * 0.37).sin()));
        }
        let x = Design::new(dense, d, sparse).unwrap();
        let cols = x.cols();
        let v: Vec<f32> = (0..=cols).map(|j| (j as f32 * 0.61).cos()).collect();
        let curvature: Vec<f32> = (0..n)
            .map(|i| 0.05 + (i as f32 * 0.9).sin().abs() * 0.2)
            .collect();
        let mut one = vec![0.0f32; cols];
        let bias = binary_hessian_pass(&x, &curvature, &v, &mut one);
        let mut z32 = Array2::default((0, 0));
        scores32(&x, &v, 1, &mut z32);
        let r = Array2::from_shape_fn((n, 1), |(i, _)| curvature[i] * z32[[i, 0]]);
        let (mut two, mut sums) = (vec![0.0f32; cols], Vec::new());
        transpose_times(&x, &r, &mut two, &mut sums);
        assert_eq!(one, two);
        assert_eq!(bias, sums[0]);
        assert!(one[..d].iter().all(|g| *g != 0.0));
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, y) = toy();
        for outputs in [1, 3] {
            let y: Vec<usize> = if outputs == 3 {
                vec![0, 1, 2, 0, 1, 2, 0, 1]
            } else {
                y.clone()
            };
            for weights in [Vec::new(), uneven_weights(y.len())] {
                let mut p = Problem::new(&x, &y, outputs, 0.1).weighted(weights.clone());
                let w: Vec<f64> = (0..outputs * 4).map(|i| 0.1 * i as f64 - 0.3).collect();
                let mut g = vec![0.0; w.len()];
                p.evaluate(&w, Some(&mut g));
                for j in 0..w.len() {
                    let mut a = w.clone();
                    let mut b = w.clone();
                    // Central differences; the dense block is f32, so a step
                    // well above f32 rounding.
                    a[j] += 1e-3;
                    b[j] -= 1e-3;
                    let fd = (p.evaluate(&a, None) - p.evaluate(&b, None)) / 2e-3;
                    assert!(
                        (fd - g[j]).abs() < 1e-4,
                        "outputs {outputs}, weights {weights:?}, w[{j}]: {fd} vs {}",
                        g[j]
                    );
                }
            }
        }
    }

    /// Row weights unlike each other, for the weighted-loss checks.
    fn uneven_weights(n: usize) -> Vec<f32> {
        (0..n).map(|i| 0.25 + (i % 3) as f32 * 0.9).collect()
    }

    /// The Hessian-vector product agrees with finite differences of the
    /// gradient, and the diagonal with the product on unit vectors, for
    /// one output and for the softmax.
    #[test]
    fn hessian_products_match_finite_differences_of_the_gradient() {
        let (x, _) = toy();
        for (outputs, y) in [
            (1, vec![1, 1, 1, 1, 0, 0, 0, 0]),
            (3, vec![0, 1, 2, 0, 1, 2, 0, 1]),
        ] {
            for weights in [Vec::new(), uneven_weights(y.len())] {
                let size = (x.cols() + 1) * outputs;
                let w: Vec<f64> = (0..size).map(|j| (j as f64 * 0.37).sin() * 0.5).collect();
                let mut p = Problem::new(&x, &y, outputs, 0.1).weighted(weights.clone());
                p.loss_and_gradient(&w, &mut vec![0.0; size]);
                let mut diag = vec![0.0f32; size];
                p.hessian_diagonal(&mut diag);
                let v: Vec<f32> = (0..size).map(|j| (j as f32 * 0.91).cos()).collect();
                let mut hv = vec![0.0f32; size];
                p.hessian_times(&v, &mut hv);
                // Central differences, with a step well above the f32
                // rounding of the training scores.
                let h = 1e-3;
                let gradient_at = |t: f64| {
                    let moved: Vec<f64> = w
                        .iter()
                        .zip(&v)
                        .map(|(w, &v)| w + t * f64::from(v))
                        .collect();
                    let mut g = vec![0.0; size];
                    Problem::new(&x, &y, outputs, 0.1)
                        .weighted(weights.clone())
                        .loss_and_gradient(&moved, &mut g);
                    g
                };
                let (g1, g0) = (gradient_at(h), gradient_at(-h));
                for j in 0..size {
                    let numeric = (g1[j] - g0[j]) / (2.0 * h);
                    assert!(
                        (numeric - f64::from(hv[j])).abs() < 1e-3,
                        "{outputs} outputs, entry {j}: {numeric} vs {}",
                        hv[j]
                    );
                }
                let mut unit = vec![0.0f32; size];
                for j in 0..size {
                    unit.fill(0.0);
                    unit[j] = 1.0;
                    p.hessian_times(&unit, &mut hv);
                    assert!(
                        (hv[j] - diag[j]).abs() < 1e-5,
                        "{outputs} outputs, diagonal {j}: {} vs {}",
                        hv[j],
                        diag[j]
                    );
                }
            }
        }
    }

    /// Balanced class weights: no change when the classes are even; on
    /// uneven classes the rare class's texts count more, so its intercept
    /// rises and its probabilities with it.
    #[test]
    fn balanced_class_weights_lift_a_rare_class() {
        let (x, y) = toy();
        let fit = |y: &[usize], w: ClassWeight| {
            LogisticParams::default()
                .c(0.1)
                .class_weight(w)
                .fit(&x, y, 2, None)
                .unwrap()
        };
        assert_eq!(
            fit(&y, ClassWeight::Uniform),
            fit(&y, ClassWeight::Balanced)
        );
        assert_eq!(
            ClassWeight::Balanced.of_texts(&[0, 0, 0, 1], 3),
            vec![2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 2.0]
        );
        // One text of class 1 among eight.
        let rare = [1, 0, 0, 0, 0, 0, 0, 0];
        let (uniform, balanced) = (
            fit(&rare, ClassWeight::Uniform),
            fit(&rare, ClassWeight::Balanced),
        );
        assert!(balanced.weights(0).1 > uniform.weights(0).1 + 0.1);
        let p_uniform = uniform.predict_proba(&x).unwrap();
        let p_balanced = balanced.predict_proba(&x).unwrap();
        assert!(p_balanced[[0, 1]] > p_uniform[[0, 1]]);
        assert_eq!(
            "balanced".parse::<ClassWeight>().unwrap(),
            ClassWeight::Balanced
        );
        assert_eq!("none".parse::<ClassWeight>().unwrap(), ClassWeight::Uniform);
        assert!("heavy".parse::<ClassWeight>().is_err());
    }

    #[test]
    fn fits_and_predicts_a_separable_problem() {
        let (x, y) = toy();
        let m = LogisticParams::default()
            .c(10.0)
            .fit(&x, &y, 2, None)
            .unwrap();
        assert!(m.converged());
        assert_eq!(m.predict(&x).unwrap(), y);
        let p = m.predict_proba(&x).unwrap();
        for row in p.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn iteration_limit_is_reported() {
        let (x, y) = toy();
        let m = LogisticParams::default()
            .c(1e6)
            .max_iterations(2)
            .fit(&x, &y, 2, None)
            .unwrap();
        assert!(!m.converged());
    }

    /// `--beta 1e20` scaled the vector features so far that argmin's line
    /// search never ended, whatever the iteration limit.
    #[test]
    fn huge_features_end_within_the_iteration_limit() {
        let (mut x, y) = toy();
        x.scale_dense(1e20);
        for max in [1, 5, 300] {
            match LogisticParams::default()
                .max_iterations(max)
                .fit(&x, &y, 2, None)
            {
                Ok(m) => assert!(m.iterations() <= max, "{} iterations", m.iterations()),
                Err(e) => panic!("max {max}: {e}"),
            }
        }
    }

    #[test]
    fn non_finite_features_are_an_error_naming_the_row() {
        let (mut x, y) = toy();
        x.scale_dense(f32::NAN);
        let err = LogisticParams::default()
            .fit(&x, &y, 2, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("feature 1 of row 1 is NaN"), "{err}");
    }

    #[test]
    fn bad_settings_are_errors() {
        let (x, y) = toy();
        for c in [0.0, -1.0, f64::NAN, f64::INFINITY, 2e6] {
            assert!(LogisticParams::default().c(c).fit(&x, &y, 2, None).is_err());
        }
        assert!(LogisticParams::default().fit(&x, &y, 1, None).is_err());
        assert!(LogisticParams::default().fit(&x, &y[..3], 2, None).is_err());
    }
}
