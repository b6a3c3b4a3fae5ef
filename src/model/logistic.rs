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
        if !(self.c > 0.0 && self.c.is_finite()) {
            return Err(Error::InvalidInput(format!(
                "C must be positive, got {}",
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
        let converged = !matches!(
            state.get_termination_reason(),
            Some(TerminationReason::MaxItersReached)
        );
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
    /// Per output: `cols` weights then the intercept.
    weights: Vec<f64>,
    iterations: u64,
    converged: bool,
}

impl FittedLogistic {
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
    pub fn weights(&self, k: usize) -> (&[f64], f64) {
        let stride = self.cols + 1;
        let w = &self.weights[k * stride..(k + 1) * stride];
        (&w[..self.cols], w[self.cols])
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
        let mut out = ndarray::Array2::zeros((x.rows(), self.classes));
        let mut scores = vec![0.0; self.classes];
        for (i, mut row) in out.rows_mut().into_iter().enumerate() {
            self.probabilities(x, i, &mut scores);
            row.iter_mut()
                .zip(&scores)
                .for_each(|(o, &p)| *o = p as f32);
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

    fn probabilities(&self, x: &Design, i: usize, out: &mut [f64]) {
        let stride = self.cols + 1;
        if self.classes == 2 {
            let z = x.dot(i, &self.weights) + self.weights[stride - 1];
            let p = sigmoid(z);
            out[0] = 1.0 - p;
            out[1] = p;
        } else {
            for (k, o) in out.iter_mut().enumerate() {
                let w = &self.weights[k * stride..(k + 1) * stride];
                *o = x.dot(i, w) + w[stride - 1];
            }
            softmax(out);
        }
    }
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
}

/// A point with its loss and gradient.
type Evaluated = (Vec<f64>, f64, Vec<f64>);

impl Problem<'_> {
    /// Loss and gradient at `w`, computed once per point.
    fn loss_and_gradient(&self, w: &[f64]) -> (f64, Vec<f64>) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, loss, grad)) = last.as_ref() {
            if at.as_slice() == w {
                return (*loss, grad.clone());
            }
        }
        let (loss, grad) = self.evaluate(w, true);
        *last = Some((w.to_vec(), loss, grad.clone()));
        (loss, grad)
    }

    /// Loss and (optionally) gradient, row by row in a fixed order (so the
    /// result does not depend on the number of threads). Dense dot products
    /// and gradient updates are f32 (ndarray's unrolled, SIMD-friendly
    /// loops); the sparse block, intercepts and sums are f64.
    fn evaluate(&self, w: &[f64], with_gradient: bool) -> (f64, Vec<f64>) {
        use ndarray::{Array1, Axis};
        let x = self.x;
        let (n, d, k) = (x.rows(), x.dense_cols(), self.outputs);
        let stride = x.cols() + 1;
        let dense = x.dense_view();
        let wd: Vec<Array1<f32>> = (0..k)
            .map(|o| {
                w[o * stride..o * stride + d]
                    .iter()
                    .map(|&v| v as f32)
                    .collect()
            })
            .collect();
        let mut gd: Vec<Array1<f32>> = vec![Array1::zeros(if with_gradient { d } else { 0 }); k];
        let sparse = x.sparse();
        let mut loss = 0.0;
        let mut grad = vec![0.0; if with_gradient { w.len() } else { 0 }];
        let mut z = vec![0.0f64; k];
        let mut r = vec![0.0f64; k];
        for (i, row) in dense.axis_iter(Axis(0)).enumerate() {
            let (idx, val) = sparse.row(i);
            for (o, zo) in z.iter_mut().enumerate() {
                let wo = &w[o * stride..(o + 1) * stride];
                let ws = &wo[d..stride - 1];
                let mut s = f64::from(row.dot(&wd[o])) + wo[stride - 1];
                for (&j, &v) in idx.iter().zip(val) {
                    s += f64::from(v) * ws[j as usize];
                }
                *zo = s;
            }
            let y = self.y[i];
            if k == 1 {
                let t = if y == 1 { 1.0 } else { 0.0 };
                // -log p(y) = softplus(z) - t z
                loss += softplus(z[0]) - t * z[0];
                r[0] = sigmoid(z[0]) - t;
            } else {
                let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
                loss += max + sum.ln() - z[y];
                for (o, ro) in r.iter_mut().enumerate() {
                    *ro = (z[o] - max).exp() / sum - if o == y { 1.0 } else { 0.0 };
                }
            }
            if with_gradient {
                for (o, &ro) in r.iter().enumerate() {
                    if d > 0 {
                        gd[o].scaled_add(ro as f32, &row);
                    }
                    let g = &mut grad[o * stride..(o + 1) * stride];
                    let gs = &mut g[d..stride - 1];
                    for (&j, &v) in idx.iter().zip(val) {
                        gs[j as usize] += ro * f64::from(v);
                    }
                    g[stride - 1] += ro;
                }
            }
        }
        if with_gradient {
            for (o, g) in gd.iter().enumerate() {
                for (j, &v) in g.iter().enumerate() {
                    grad[o * stride + j] += f64::from(v);
                }
            }
        }
        if n == 0 {
            return (0.0, grad);
        }
        let nf = n as f64;
        loss /= nf;
        grad.iter_mut().for_each(|g| *g /= nf);
        for o in 0..k {
            let wo = &w[o * stride..(o + 1) * stride - 1];
            loss += 0.5 * self.lambda * wo.iter().map(|v| v * v).sum::<f64>();
            if with_gradient {
                let go = &mut grad[o * stride..(o + 1) * stride - 1];
                go.iter_mut()
                    .zip(wo)
                    .for_each(|(g, w)| *g += self.lambda * w);
            }
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
        Ok(self.loss_and_gradient(w).0)
    }
}

impl Gradient for Problem<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(&self, w: &Self::Param) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        let w = w
            .as_slice()
            .ok_or_else(|| argmin::core::Error::msg("non-contiguous params"))?;
        Ok(Array1::from(self.loss_and_gradient(w).1))
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

    #[test]
    fn bad_settings_are_errors() {
        let (x, y) = toy();
        assert!(LogisticParams::default()
            .c(0.0)
            .fit(&x, &y, 2, None)
            .is_err());
        assert!(LogisticParams::default().fit(&x, &y, 1, None).is_err());
        assert!(LogisticParams::default().fit(&x, &y[..3], 2, None).is_err());
    }
}
