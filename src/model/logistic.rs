//! L2-regularised logistic regression (binary and multinomial) on a
//! [`Design`] of dense and sparse features, trained with argmin's L-BFGS.
//!
//! Why not `linfa-logistic` itself: it takes dense matrices only, and the
//! n-gram channel is sparse (tens of thousands of columns, a few dozen
//! non-zeros a row), so a dense copy would cost gigabytes; it also
//! regularises the intercept and does not say when it stopped at its
//! iteration limit. This solver minimises the same kind of objective with
//! the same optimizer (L-BFGS with a More-Thuente line search, from
//! `argmin`), and a test checks it against `linfa-logistic` on dense data.
//!
//! Objective, with `n` rows, `C` the inverse regularisation strength (as in
//! scikit-learn), intercepts not regularised:
//! `mean_i logloss_i + ||W||^2 / (2 C n)`.

use super::design::Design;
use crate::error::{Error, Result};
use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;

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

/// Loss and gradient evaluations allowed per L-BFGS iteration. A More-Thuente
/// line search needs one to three; argmin runs it without an iteration
/// limit, so on a badly scaled problem it could search forever: past this
/// budget the fit stops, reported as not converged.
const EVALUATIONS_PER_ITERATION: u64 = 20;

/// Logistic-regression settings (a consuming builder, checked by
/// [`LogisticParams::check`]).
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticParams {
    c: f64,
    max_iterations: u64,
    tolerance: f64,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            c: 1.0,
            max_iterations: 300,
            tolerance: 1e-4,
        }
    }
}

impl LogisticParams {
    /// Inverse L2 strength `C` (larger: weaker regularisation). Default 1.
    pub fn c(mut self, c: f64) -> Self {
        self.c = c;
        self
    }

    /// L-BFGS iteration limit. Default 300.
    pub fn max_iterations(mut self, n: u64) -> Self {
        self.max_iterations = n;
        self
    }

    /// Gradient-norm tolerance for convergence. Default 1e-4 (scikit-learn's `tol`).
    pub fn tolerance(mut self, tol: f64) -> Self {
        self.tolerance = tol;
        self
    }

    /// The inverse L2 strength.
    pub fn get_c(&self) -> f64 {
        self.c
    }

    /// Fail on settings that cannot work.
    pub fn check(&self) -> Result<()> {
        if !(self.c > 0.0 && self.c <= MAX_C) {
            return Err(Error::InvalidInput(format!(
                "C must be a number above 0 and at most {MAX_C:e}, got {}",
                self.c
            )));
        }
        if self.max_iterations == 0 {
            return Err(Error::InvalidInput(
                "max_iterations must be at least 1".into(),
            ));
        }
        if self.tolerance.is_nan() || self.tolerance <= 0.0 {
            return Err(Error::InvalidInput("tolerance must be positive".into()));
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
        if classes < 2 {
            return Err(Error::InvalidInput(format!(
                "need at least 2 classes, got {classes}"
            )));
        }
        if y.len() != x.rows() || y.is_empty() {
            return Err(Error::InvalidInput(format!(
                "{} labels for {} rows",
                y.len(),
                x.rows()
            )));
        }
        if let Some(&bad) = y.iter().find(|&&c| c >= classes) {
            return Err(Error::InvalidInput(format!(
                "label {bad} out of range 0..{classes}"
            )));
        }
        x.check_finite()?;
        let outputs = if classes == 2 { 1 } else { classes };
        let stride = x.cols() + 1;
        let init = match warm {
            Some(w) if w.weights.len() == outputs * stride => Array1::from(w.weights.clone()),
            _ => Array1::zeros(outputs * stride),
        };
        let problem = Problem {
            x,
            y,
            outputs,
            lambda: 1.0 / (self.c * x.rows() as f64),
            last: std::sync::Mutex::new(None),
            aborted: std::sync::atomic::AtomicBool::new(false),
            budget: self
                .max_iterations
                .saturating_add(1)
                .saturating_mul(EVALUATIONS_PER_ITERATION),
        };
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
            .with_tolerance_grad(self.tolerance)
            .and_then(|s| s.with_tolerance_cost(1e-12))
            .map_err(|e| Error::InvalidInput(format!("solver settings: {e}")))?;
        let result = Executor::new(problem, solver)
            .configure(|state| state.param(init).max_iters(self.max_iterations))
            .run()
            .map_err(|e| Error::InvalidInput(format!("logistic regression failed: {e}")))?;
        let state = result.state();
        let weights = state
            .get_best_param()
            .or_else(|| state.get_param())
            .map(|p| p.to_vec())
            .ok_or_else(|| {
                Error::InvalidInput("logistic regression returned no solution".into())
            })?;
        // The iteration limit and a fit cut short (a non-finite loss, the
        // evaluation budget spent) are not convergence; a stop on the
        // tolerances is, and so is a line search that can no longer
        // improve the loss in floating point (at the optimum, to the
        // precision of the arithmetic).
        let aborted = result
            .problem
            .problem
            .as_ref()
            .is_some_and(|p| p.aborted.load(std::sync::atomic::Ordering::Relaxed));
        let converged = !aborted
            && !matches!(
                state.get_termination_reason(),
                Some(TerminationReason::MaxItersReached)
            );
        if let Some((j, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !w.is_finite() || w.abs() > MAX_WEIGHT)
        {
            return Err(Error::InvalidInput(format!(
                "logistic regression: weight {j} grew to {w:e}, beyond {MAX_WEIGHT:e}: the features are badly scaled or C ({}) too large",
                self.c
            )));
        }
        Ok(FittedLogistic {
            classes,
            cols: x.cols(),
            weights,
            iterations: state.get_iter(),
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

    /// L-BFGS iterations used.
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
/// The dense block goes through one matrix product (matrixmultiply's
/// SIMD kernels) when there are several outputs, else a matrix-vector
/// product; the sparse block adds `v * W[j, :]` rows, contiguous.
fn scores(x: &Design, w: &[f64], outputs: usize) -> ndarray::Array2<f64> {
    let (n, d) = (x.rows(), x.dense_cols());
    let cols = x.cols();
    let dense = x.dense_view();
    let mut z = ndarray::Array2::<f64>::zeros((n, outputs));
    if d > 0 {
        if outputs == 1 {
            let wd: ndarray::Array1<f32> = w[..d].iter().map(|&v| v as f32).collect();
            let zd = dense.dot(&wd);
            z.column_mut(0)
                .iter_mut()
                .zip(zd.iter())
                .for_each(|(z, &v)| *z = f64::from(v));
        } else {
            let wd =
                ndarray::Array2::from_shape_fn((d, outputs), |(j, o)| w[j * outputs + o] as f32);
            let zd = dense.dot(&wd);
            z.iter_mut()
                .zip(zd.iter())
                .for_each(|(z, &v)| *z = f64::from(v));
        }
    }
    let bias = &w[cols * outputs..(cols + 1) * outputs];
    let sparse = x.sparse();
    for (i, mut zi) in z.outer_iter_mut().enumerate() {
        let zi = zi
            .as_slice_mut()
            .expect("rows of a fresh array are contiguous");
        let (idx, val) = sparse.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            let wj = &w[(d + j as usize) * outputs..(d + j as usize + 1) * outputs];
            let v = f64::from(v);
            zi.iter_mut().zip(wj).for_each(|(z, w)| *z += v * w);
        }
        zi.iter_mut().zip(bias).for_each(|(z, b)| *z += b);
    }
    z
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

struct Problem<'a> {
    x: &'a Design,
    y: &'a [usize],
    outputs: usize,
    lambda: f64,
    /// The last point evaluated with its loss and gradient: the line search
    /// asks for the cost and then the gradient at the same point.
    last: std::sync::Mutex<Option<Evaluated>>,
    /// Evaluations left before the fit gives up (see
    /// [`EVALUATIONS_PER_ITERATION`]).
    budget: u64,
    /// The fit was cut short: the budget was spent or the loss was not a
    /// finite number.
    aborted: std::sync::atomic::AtomicBool,
}

/// A point with its loss and gradient, and the evaluations so far.
type Evaluated = (Vec<f64>, f64, Vec<f64>, u64);

impl Problem<'_> {
    /// Loss and gradient at `w`, computed once per point and handed to
    /// `read` (argmin asks for the cost and the gradient separately, the
    /// gradient twice at an accepted step). An error when
    /// the loss or gradient is not a finite number (a step too far on
    /// badly scaled features: argmin's line search would never end on it)
    /// or when the evaluation budget is spent; either ends the line search
    /// and L-BFGS stops at the best point so far, not converged.
    fn loss_and_gradient<R>(
        &self,
        w: &[f64],
        read: impl FnOnce(f64, &[f64]) -> R,
    ) -> std::result::Result<R, argmin::core::Error> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let evaluations = match last.as_ref() {
            Some((at, loss, grad, _)) if at.as_slice() == w => return Ok(read(*loss, grad)),
            Some((.., n)) => *n,
            None => 0,
        };
        if evaluations >= self.budget {
            self.aborted
                .store(true, std::sync::atomic::Ordering::Relaxed);
            return Err(argmin::core::Error::msg(format!(
                "{evaluations} loss evaluations without converging"
            )));
        }
        let (loss, grad) = self.evaluate(w, true);
        if !loss.is_finite() || !grad.iter().all(|g| g.is_finite()) {
            self.aborted
                .store(true, std::sync::atomic::Ordering::Relaxed);
            return Err(argmin::core::Error::msg(
                "the loss is not a finite number at this step",
            ));
        }
        // Keep the point's buffer: no fresh allocation of a weight-sized
        // vector per evaluation, and the gradient is moved, not copied,
        // into the cache (the caller copies it only when it asks for it).
        let mut at = last.take().map(|(at, ..)| at).unwrap_or_default();
        at.clear();
        at.extend_from_slice(w);
        let out = read(loss, &grad);
        *last = Some((at, loss, grad, evaluations + 1));
        Ok(out)
    }

    /// Loss and (optionally) gradient. Scores come from [`scores`]; the
    /// gradient's dense block is one matrix product `Xd^T R`, its sparse
    /// block adds `v * R[i, :]` rows. Every sum runs in a fixed order, so
    /// the result does not depend on the number of threads.
    fn evaluate(&self, w: &[f64], with_gradient: bool) -> (f64, Vec<f64>) {
        let x = self.x;
        let k = self.outputs;
        let (n, d, cols) = (x.rows(), x.dense_cols(), x.cols());
        let z = scores(x, w, k);
        let mut loss = 0.0;
        let mut residual = ndarray::Array2::<f32>::zeros((if with_gradient { n } else { 0 }, k));
        for (i, zi) in z.outer_iter().enumerate() {
            let y = self.y[i];
            if k == 1 {
                let t = if y == 1 { 1.0 } else { 0.0 };
                // -log p(y) = softplus(z) - t z
                loss += softplus(zi[0]) - t * zi[0];
                if with_gradient {
                    residual[[i, 0]] = (sigmoid(zi[0]) - t) as f32;
                }
            } else {
                let max = zi.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = zi.iter().map(|v| (v - max).exp()).sum();
                loss += max + sum.ln() - zi[y];
                if with_gradient {
                    for (o, &zo) in zi.iter().enumerate() {
                        let p = (zo - max).exp() / sum;
                        residual[[i, o]] = (p - if o == y { 1.0 } else { 0.0 }) as f32;
                    }
                }
            }
        }
        let mut grad = vec![0.0; if with_gradient { w.len() } else { 0 }];
        if with_gradient {
            if d > 0 {
                let gd = x.dense_view().t().dot(&residual); // d x k
                grad[..d * k]
                    .iter_mut()
                    .zip(gd.iter())
                    .for_each(|(g, &v)| *g = f64::from(v));
            }
            let sparse = x.sparse();
            for (i, ri) in residual.outer_iter().enumerate() {
                let (idx, val) = sparse.row(i);
                for (&j, &v) in idx.iter().zip(val) {
                    let gj = &mut grad[(d + j as usize) * k..(d + j as usize + 1) * k];
                    let v = f64::from(v);
                    gj.iter_mut()
                        .zip(ri.iter())
                        .for_each(|(g, &r)| *g += v * f64::from(r));
                }
                let gb = &mut grad[cols * k..(cols + 1) * k];
                gb.iter_mut()
                    .zip(ri.iter())
                    .for_each(|(g, &r)| *g += f64::from(r));
            }
        }
        if n == 0 {
            return (0.0, grad);
        }
        let nf = n as f64;
        loss /= nf;
        grad.iter_mut().for_each(|g| *g /= nf);
        // L2 on every weight but the intercepts (the last k entries).
        let weights = &w[..cols * k];
        loss += 0.5 * self.lambda * weights.iter().map(|v| v * v).sum::<f64>();
        if with_gradient {
            grad[..cols * k]
                .iter_mut()
                .zip(weights)
                .for_each(|(g, w)| *g += self.lambda * w);
        }
        (loss, grad)
    }
}

impl CostFunction for Problem<'_> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, w: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        let w = w
            .as_slice()
            .ok_or_else(|| argmin::core::Error::msg("non-contiguous params"))?;
        self.loss_and_gradient(w, |loss, _| loss)
    }
}

impl Gradient for Problem<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(&self, w: &Self::Param) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        let w = w
            .as_slice()
            .ok_or_else(|| argmin::core::Error::msg("non-contiguous params"))?;
        self.loss_and_gradient(w, |_, grad| Array1::from(grad.to_vec()))
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
    fn gradient_matches_finite_differences() {
        let (x, y) = toy();
        for outputs in [1, 3] {
            let y: Vec<usize> = if outputs == 3 {
                vec![0, 1, 2, 0, 1, 2, 0, 1]
            } else {
                y.clone()
            };
            let p = Problem {
                x: &x,
                y: &y,
                outputs,
                lambda: 0.1,
                last: std::sync::Mutex::new(None),
                aborted: std::sync::atomic::AtomicBool::new(false),
                budget: 100,
            };
            let w: Vec<f64> = (0..outputs * 4).map(|i| 0.1 * i as f64 - 0.3).collect();
            let (_, g) = p.evaluate(&w, true);
            for j in 0..w.len() {
                let mut a = w.clone();
                let mut b = w.clone();
                // Central differences; the dense block is f32, so a step
                // well above f32 rounding.
                a[j] += 1e-3;
                b[j] -= 1e-3;
                let fd = (p.evaluate(&a, false).0 - p.evaluate(&b, false).0) / 2e-3;
                assert!(
                    (fd - g[j]).abs() < 1e-4,
                    "outputs {outputs}, w[{j}]: {fd} vs {}",
                    g[j]
                );
            }
        }
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
