//! A trust-region Newton minimiser with preconditioned conjugate gradients
//! (TRON: Lin and Moré, 1999), the primal solver of LIBLINEAR for
//! L2-regularised logistic regression (Lin, Weng and Keerthi, JMLR 2008;
//! the diagonal preconditioner of Hsia, Chiang and Lin, ACML 2018).
//!
//! Each Newton step solves `H s = -g` approximately by conjugate gradients
//! inside a trust region, and each CG step needs one Hessian-vector product
//! `H d`: the cost of a gradient (one pass over the design for two
//! classes, two for the softmax). No history is
//! kept, so the state is a handful of weight-sized vectors (the L-BFGS it
//! replaced held ten pairs more). The Hessian's diagonal, taken once per
//! Newton step, preconditions CG: the dense block of standardised pooled
//! vectors and the sparse block of unit-length TF-IDF rows differ in scale
//! by orders of magnitude, which made first-order steps slow. Where the
//! objective offers a block of its Hessian ([`Objective::hessian_block`]:
//! the dense pooled-vector columns of a binary model, which are correlated),
//! that block is kept whole, by its Cholesky factor: on Rotten Tomatoes it
//! cut the CG steps of a selection from 1,530 to 731, most of them at the
//! largest vector weights.
//!
//! It stops when the Euclidean norm of the gradient is at most `tolerance`
//! (the rule the L-BFGS fits used, so a fit converges to the same
//! precision), or when neither the actual nor the predicted reduction of
//! the loss is distinguishable from rounding. Every sum runs in a fixed
//! order, so the result does not depend on threads.

use multiversion::multiversion;

/// A twice-differentiable loss that the solver minimises.
pub(crate) trait Objective {
    /// The loss at `w`, with its gradient written into `grad`. The
    /// curvature at `w` is kept for the next calls of
    /// [`Objective::hessian_times`] and [`Objective::hessian_diagonal`].
    fn loss_and_gradient(&mut self, w: &[f64], grad: &mut [f64]) -> f64;
    /// `out = H v`, the Hessian at the last point given to
    /// [`Objective::loss_and_gradient`].
    fn hessian_times(&mut self, v: &[f32], out: &mut [f32]);
    /// The diagonal of that Hessian, into `out`.
    fn hessian_diagonal(&mut self, out: &mut [f32]);
    /// A block of that Hessian to precondition whole instead of by its
    /// diagonal, if the objective has one worth it; called after
    /// [`Objective::hessian_diagonal`] at the same point.
    fn hessian_block(&mut self) -> Option<HessianBlock> {
        None
    }
}

/// A square block of the Hessian on the diagonal: rows and columns
/// `start..start + dim`, row-major. The preconditioner keeps it whole (by
/// its Cholesky factor) where the diagonal alone would ignore how those
/// variables move together: the standardised pooled-vector columns are
/// correlated, and their weights dominate a fit when `beta` is large.
#[derive(Clone, Debug)]
pub(crate) struct HessianBlock {
    pub start: usize,
    pub dim: usize,
    pub matrix: Vec<f64>,
}

/// The preconditioner `M`: the Hessian's diagonal, or the diagonal with a
/// [`HessianBlock`] kept whole.
struct Preconditioner {
    m: Vec<f32>,
    block: Option<Factored>,
}

/// A [`HessianBlock`] with its Cholesky factor `L` (lower, row-major),
/// written out here: the block is 50 x 50 for the shipped vectors, and the
/// crate's ndarray has no factorisations without a LAPACK binding.
struct Factored {
    start: usize,
    dim: usize,
    matrix: Vec<f64>,
    lower: Vec<f64>,
    /// The triangular solves' `f64` work vector, kept across CG steps.
    work: Vec<f64>,
}

impl Factored {
    /// The block and its Cholesky factor, or `None` when the block is not
    /// positive definite to the precision of the arithmetic (the diagonal
    /// then serves alone).
    fn new(block: HessianBlock) -> Option<Factored> {
        let n = block.dim;
        let a = &block.matrix;
        let mut l = vec![0.0f64; n * n];
        for i in 0..n {
            for j in 0..=i {
                let mut sum = a[i * n + j];
                for k in 0..j {
                    sum -= l[i * n + k] * l[j * n + k];
                }
                if i == j {
                    if !(sum > 0.0 && sum.is_finite()) {
                        return None;
                    }
                    l[i * n + i] = sum.sqrt();
                } else {
                    l[i * n + j] = sum / l[j * n + j];
                }
            }
        }
        Some(Factored {
            start: block.start,
            dim: n,
            matrix: block.matrix,
            lower: l,
            work: vec![0.0; n],
        })
    }

    fn range(&self) -> std::ops::Range<usize> {
        self.start..self.start + self.dim
    }

    /// `z = B^-1 r` on the block, by the two triangular solves.
    fn solve(&mut self, r: &[f32], z: &mut [f32]) {
        let (n, l, y) = (self.dim, &self.lower, &mut self.work);
        for i in 0..n {
            let mut sum = f64::from(r[i]);
            for k in 0..i {
                sum -= l[i * n + k] * y[k];
            }
            y[i] = sum / l[i * n + i];
        }
        for i in (0..n).rev() {
            let mut sum = y[i];
            for k in i + 1..n {
                sum -= l[k * n + i] * y[k];
            }
            y[i] = sum / l[i * n + i];
        }
        z.iter_mut().zip(y.iter()).for_each(|(z, &y)| *z = y as f32);
    }

    /// `a . B . b` on the block.
    fn inner(&self, a: &[f32], b: &[f32]) -> f64 {
        let n = self.dim;
        let mut total = 0.0;
        for (row, &ai) in self.matrix.chunks_exact(n).zip(a) {
            let rb: f64 = row.iter().zip(b).map(|(&h, &b)| h * f64::from(b)).sum();
            total += f64::from(ai) * rb;
        }
        total
    }
}

impl Preconditioner {
    /// `a . M . b`.
    fn inner(&self, a: &[f32], b: &[f32]) -> f64 {
        match &self.block {
            None => dot_m(a, &self.m, b),
            Some(f) => {
                let r = f.range();
                dot_m(&a[..r.start], &self.m[..r.start], &b[..r.start])
                    + f.inner(&a[r.clone()], &b[r.clone()])
                    + dot_m(&a[r.end..], &self.m[r.end..], &b[r.end..])
            }
        }
    }

    /// `z = M^-1 r`, and `r . z`.
    fn solve(&mut self, r: &[f32], z: &mut [f32]) -> f64 {
        z.iter_mut()
            .zip(r)
            .zip(&self.m)
            .for_each(|((z, &r), &m)| *z = r / m);
        if let Some(f) = &mut self.block {
            let range = f.range();
            f.solve(&r[range.clone()], &mut z[range]);
        }
        dot32(r, z)
    }
}

/// Why a minimisation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The gradient norm fell below the tolerance, or the loss can no
    /// longer decrease to the precision of the arithmetic.
    Converged,
    /// The Newton-iteration limit.
    MaxIterations,
    /// The evaluation budget was spent, or the loss was not a finite
    /// number at the starting point.
    Aborted,
}

/// The outcome of [`Tron::minimize`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub stop: Stop,
    /// Accepted Newton steps.
    pub iterations: u64,
    /// Conjugate-gradient steps (Hessian-vector products), over all
    /// Newton steps.
    pub cg_steps: u64,
}

/// Settings of one minimisation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tron {
    /// Euclidean norm of the gradient at convergence.
    pub tolerance: f64,
    /// Accepted Newton steps allowed. Trial steps, accepted or not, are
    /// bounded by `TRIALS_PER_ITERATION` times this.
    pub max_iterations: u64,
}

/// Trust-region ratios (LIBLINEAR's): a step is taken when the actual
/// reduction is above `ETA0` of the predicted one; the radius shrinks
/// below `ETA1` and grows above `ETA2`.
const ETA0: f64 = 1e-4;
const ETA1: f64 = 0.25;
const ETA2: f64 = 0.75;
/// Radius factors.
const SIGMA1: f64 = 0.25;
const SIGMA2: f64 = 0.5;
const SIGMA3: f64 = 4.0;
/// CG stops when the preconditioned residual falls to this fraction of
/// its start.
const CG_TOLERANCE: f64 = 0.1;
/// Weight of the Hessian's diagonal in the preconditioner
/// `(1 - a) I + a diag(H)`; LIBLINEAR uses 0.01 to guard against a
/// diagonal that misleads. Ours is dominated by scale, so the diagonal
/// alone (1) serves.
const PRECONDITIONER_MIX: f32 = 1.0;
/// CG steps allowed per Newton step.
const MAX_CG_STEPS: u64 = 250;
/// Trials of a Newton step (each one loss evaluation) allowed per
/// iteration on average, for the whole fit: a loss that keeps coming back
/// not a number must not make the radius shrink forever.
const TRIALS_PER_ITERATION: u64 = 20;

/// Sums over eight interleaved lanes, added in a fixed order at the end.
const LANES: usize = 8;

/// `sum_i term(i)` for `i` in `0..n`, over [`LANES`] interleaved partial
/// sums added in a fixed order: the same result on every run, and lanes
/// the compiler can keep in SIMD registers.
#[inline(always)]
fn sum_lanes(n: usize, mut term: impl FnMut(usize) -> f64) -> f64 {
    let mut acc = [0.0f64; LANES];
    let whole = n - n % LANES;
    for start in (0..whole).step_by(LANES) {
        for (l, a) in acc.iter_mut().enumerate() {
            *a += term(start + l);
        }
    }
    let tail: f64 = (whole..n).map(term).sum();
    acc.iter().sum::<f64>() + tail
}

/// `a . b`.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    sum_lanes(n, |i| a[i] * b[i])
}

/// Elements per block of the `f32` sums: within a block, 16 `f32` partial
/// sums of at most 64 terms each (SIMD lanes), the blocks added in `f64`,
/// all in a fixed order. Enough precision for the CG solve, which only
/// needs a direction.
const BLOCK: usize = 1024;

/// `sum_i term(a_i, b_i, c_i)` over the common length, by [`BLOCK`]s.
#[inline(always)]
fn sum3(a: &[f32], b: &[f32], c: &[f32], term: impl Fn(f32, f32, f32) -> f32) -> f64 {
    const L: usize = 16;
    let n = a.len().min(b.len()).min(c.len());
    let mut total = 0.0f64;
    for start in (0..n).step_by(BLOCK) {
        let end = (start + BLOCK).min(n);
        let (a, b, c) = (&a[start..end], &b[start..end], &c[start..end]);
        let mut acc = [0.0f32; L];
        let (ca, cb, cc) = (a.chunks_exact(L), b.chunks_exact(L), c.chunks_exact(L));
        let tail: f32 = ca
            .remainder()
            .iter()
            .zip(cb.remainder())
            .zip(cc.remainder())
            .map(|((&a, &b), &c)| term(a, b, c))
            .sum();
        for ((a, b), c) in ca.zip(cb).zip(cc) {
            for l in 0..L {
                acc[l] += term(a[l], b[l], c[l]);
            }
        }
        total += acc.iter().map(|&v| f64::from(v)).sum::<f64>() + f64::from(tail);
    }
    total
}

/// `a . b` for the `f32` vectors of the CG solve.
#[multiversion(targets("x86_64+avx2"))]
fn dot32(a: &[f32], b: &[f32]) -> f64 {
    sum3(a, b, a, |a, b, _| a * b)
}

/// `a . diag(m) . b`.
#[multiversion(targets("x86_64+avx2"))]
fn dot_m(a: &[f32], m: &[f32], b: &[f32]) -> f64 {
    sum3(a, m, b, |a, m, b| a * m * b)
}

/// `r . diag(m)^-1 . r`.
#[multiversion(targets("x86_64+avx2"))]
fn dot_m_inv(r: &[f32], m: &[f32]) -> f64 {
    sum3(r, m, r, |r, m, _| r * r / m)
}

/// `y += a x`.
#[multiversion(targets("x86_64+avx2"))]
fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    y.iter_mut().zip(x).for_each(|(y, &x)| *y += a * x);
}

/// The CG solve of one Newton step, in `f32` (the precision of the
/// features; CG only needs a direction to a tenth of the gradient's
/// norm): work vectors allocated once per fit, half the bytes to stream
/// per step of the `f64` weights.
struct Cg {
    /// Residual `-g - H s`.
    r: Vec<f32>,
    /// Direction.
    d: Vec<f32>,
    /// `H d`.
    hd: Vec<f32>,
    /// `M^-1 r` (used with a block in the preconditioner).
    z: Vec<f32>,
}

impl Cg {
    /// Minimise the quadratic model `g . s + s H s / 2` over
    /// `||s||_M <= radius` by preconditioned CG (Steihaug's), from
    /// `s = 0`. Returns the CG steps taken; `s` holds the step and `self.r`
    /// the residual.
    fn solve(
        &mut self,
        f: &mut impl Objective,
        g: &[f64],
        pre: &mut Preconditioner,
        radius: f64,
        s: &mut [f32],
    ) -> u64 {
        s.fill(0.0);
        let mut ztr = self.start(g, pre);
        let stop = CG_TOLERANCE * ztr.sqrt();
        let mut steps = 0;
        while steps < MAX_CG_STEPS {
            if ztr.sqrt() <= stop {
                break;
            }
            f.hessian_times(&self.d, &mut self.hd);
            steps += 1;
            let dhd = dot32(&self.d, &self.hd);
            let alpha = ztr / dhd;
            let inside = dhd > 0.0 && alpha.is_finite() && {
                let (sms, ztr_new) = self.advance(alpha as f32, pre, s);
                if sms.sqrt() > radius {
                    axpy(-alpha as f32, &self.d, s);
                    axpy(alpha as f32, &self.hd, &mut self.r);
                    false
                } else {
                    self.turn((ztr_new / ztr) as f32, pre);
                    ztr = ztr_new;
                    true
                }
            };
            if !inside {
                // Negative curvature, or the step left the region: go to
                // the boundary along d from the last inside point.
                let std = pre.inner(s, &self.d);
                let sts = pre.inner(s, s);
                let dtd = pre.inner(&self.d, &self.d);
                let dsq = radius * radius;
                let rad = (std * std + dtd * (dsq - sts)).max(0.0).sqrt();
                let tau = if std >= 0.0 {
                    (dsq - sts) / (std + rad)
                } else {
                    (rad - std) / dtd
                };
                if tau.is_finite() {
                    axpy(tau as f32, &self.d, s);
                    axpy(-tau as f32, &self.hd, &mut self.r);
                }
                break;
            }
        }
        steps
    }

    /// `r = -g`, the first direction `d = M^-1 r`; returns `r . M^-1 . r`.
    fn start(&mut self, g: &[f64], pre: &mut Preconditioner) -> f64 {
        match pre.block {
            None => {
                // z = M^-1 r is not stored: d starts as z, and z . r is
                // formed while r is updated.
                let m = &pre.m;
                for (((r, d), &g), &m) in self.r.iter_mut().zip(&mut self.d).zip(g).zip(m) {
                    *r = -g as f32;
                    *d = *r / m;
                }
                dot_m_inv(&self.r, m)
            }
            Some(_) => {
                self.r.iter_mut().zip(g).for_each(|(r, &g)| *r = -g as f32);
                let ztr = pre.solve(&self.r, &mut self.z);
                self.d.copy_from_slice(&self.z);
                ztr
            }
        }
    }

    /// `s += alpha d`, `r -= alpha H d`; returns `s . M . s` and the new
    /// `r . M^-1 . r` (with a block, `z = M^-1 r` is kept for
    /// [`Cg::turn`]).
    fn advance(&mut self, alpha: f32, pre: &mut Preconditioner, s: &mut [f32]) -> (f64, f64) {
        match pre.block {
            // One pass that also sums the two.
            None => step_in_place(alpha, &self.d, &self.hd, &pre.m, s, &mut self.r),
            Some(_) => {
                axpy(alpha, &self.d, s);
                axpy(-alpha, &self.hd, &mut self.r);
                (pre.inner(s, s), pre.solve(&self.r, &mut self.z))
            }
        }
    }

    /// The next direction: `d = M^-1 r + beta d`.
    fn turn(&mut self, beta: f32, pre: &Preconditioner) {
        match pre.block {
            None => {
                for ((d, &r), &m) in self.d.iter_mut().zip(&self.r).zip(&pre.m) {
                    *d = r / m + beta * *d;
                }
            }
            Some(_) => {
                for (d, &z) in self.d.iter_mut().zip(&self.z) {
                    *d = z + beta * *d;
                }
            }
        }
    }
}

/// One CG update: `s += alpha d`, `r -= alpha hd`; returns `s . M . s`
/// and `r . M^-1 . r` after it.
fn step_in_place(
    alpha: f32,
    d: &[f32],
    hd: &[f32],
    m: &[f32],
    s: &mut [f32],
    r: &mut [f32],
) -> (f64, f64) {
    axpy(alpha, d, s);
    axpy(-alpha, hd, r);
    (dot_m(s, m, s), dot_m_inv(r, m))
}

impl Tron {
    /// Minimise `f` from the point in `w` (left at the best point found).
    /// A trial point whose loss is not a finite number is rejected and
    /// the trust region shrinks.
    pub(crate) fn minimize(&self, w: &mut [f64], f: &mut impl Objective) -> Outcome {
        let n = w.len();
        let mut g = vec![0.0; n];
        let mut fw = f.loss_and_gradient(w, &mut g);
        let finite = |v: f64, g: &[f64]| v.is_finite() && g.iter().all(|g| g.is_finite());
        let outcome = |stop, iterations, cg_steps| Outcome {
            stop,
            iterations,
            cg_steps,
        };
        if !finite(fw, &g) {
            return outcome(Stop::Aborted, 0, 0);
        }
        if dot(&g, &g).sqrt() <= self.tolerance {
            return outcome(Stop::Converged, 0, 0);
        }
        let mut cg = Cg {
            r: vec![0.0; n],
            d: vec![0.0; n],
            hd: vec![0.0; n],
            z: vec![0.0; n],
        };
        let mut pre = Preconditioner {
            m: vec![0.0f32; n],
            block: None,
        };
        let mut s = vec![0.0f32; n];
        let budget = self
            .max_iterations
            .saturating_add(1)
            .saturating_mul(TRIALS_PER_ITERATION);
        let (mut iterations, mut trials, mut cg_steps) = (0u64, 0u64, 0u64);
        let mut radius = f64::NAN;
        // The preconditioner belongs to the point, not to the trial.
        let mut fresh = true;
        while iterations < self.max_iterations {
            if trials >= budget {
                return outcome(Stop::Aborted, iterations, cg_steps);
            }
            if fresh {
                f.hessian_diagonal(&mut pre.m);
                for v in pre.m.iter_mut() {
                    let mixed = (1.0 - PRECONDITIONER_MIX) + PRECONDITIONER_MIX * *v;
                    // A diagonal entry that is zero (a column no row uses,
                    // an intercept whose class is certain) would divide by
                    // zero: such a direction keeps unit scale.
                    *v = if mixed > f32::MIN_POSITIVE && mixed.is_finite() {
                        mixed
                    } else {
                        1.0
                    };
                }
                pre.block = f.hessian_block().and_then(Factored::new);
                if radius.is_nan() {
                    radius = match pre.block {
                        None => sum_lanes(n, |i| g[i] * g[i] / f64::from(pre.m[i])).sqrt(),
                        Some(_) => {
                            // g in f32 into the residual, which CG rewrites.
                            cg.r.iter_mut().zip(&g).for_each(|(r, &g)| *r = g as f32);
                            pre.solve(&cg.r, &mut cg.z).sqrt()
                        }
                    };
                }
                fresh = false;
            }
            trials += 1;
            cg_steps += cg.solve(f, &g, &mut pre, radius, &mut s);
            let gs = sum_lanes(n, |i| g[i] * f64::from(s[i]));
            // The model's reduction: -(g.s + s.H.s/2) = -(g.s - s.r)/2,
            // since r = -g - H s.
            let predicted = -0.5 * (gs - dot32(&s, &cg.r));
            // The trial point in place (w + s), its gradient into g: both
            // are restored if the step is not taken.
            w.iter_mut().zip(&s).for_each(|(w, &s)| *w += f64::from(s));
            let f_new = f.loss_and_gradient(w, &mut g);
            let snorm = pre.inner(&s, &s).sqrt();
            if iterations == 0 && trials == 1 {
                radius = radius.min(snorm);
            }
            let ok = finite(f_new, &g);
            let actual = if ok { fw - f_new } else { f64::NEG_INFINITY };
            // The step length that minimises the quadratic through f, the
            // slope g.s and f_new, relative to s.
            let alpha = if !ok {
                SIGMA1
            } else if f_new - fw - gs <= 0.0 {
                SIGMA3
            } else {
                SIGMA1.max(-0.5 * (gs / (f_new - fw - gs)))
            };
            radius = if actual < ETA0 * predicted {
                (alpha * snorm).min(SIGMA2 * radius)
            } else if actual < ETA1 * predicted {
                (SIGMA1 * radius).max((alpha * snorm).min(SIGMA2 * radius))
            } else if actual < ETA2 * predicted {
                (SIGMA1 * radius).max((alpha * snorm).min(SIGMA3 * radius))
            } else {
                radius.max((alpha * snorm).min(SIGMA3 * radius))
            };
            if ok && actual > ETA0 * predicted {
                fw = f_new;
                iterations += 1;
                fresh = true;
                if dot(&g, &g).sqrt() <= self.tolerance {
                    return outcome(Stop::Converged, iterations, cg_steps);
                }
            } else {
                // Back to `w`, its gradient, and the curvature the
                // objective keeps of the last point it evaluated.
                w.iter_mut().zip(&s).for_each(|(w, &s)| *w -= f64::from(s));
                fw = f.loss_and_gradient(w, &mut g);
            }
            let tiny = 1e-12 * fw.abs();
            if (actual.abs() <= tiny && predicted.abs() <= tiny)
                || (actual.abs() <= 0.0 && predicted <= 0.0)
                || radius.is_nan()
                || radius <= 0.0
            {
                // No reduction left to the precision of the arithmetic.
                return outcome(Stop::Converged, iterations, cg_steps);
            }
        }
        outcome(Stop::MaxIterations, iterations, cg_steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `x' A x / 2 - b' x` with a diagonal `A` of widely spread entries.
    struct Quadratic {
        a: Vec<f64>,
        b: Vec<f64>,
    }

    impl Objective for Quadratic {
        fn loss_and_gradient(&mut self, w: &[f64], grad: &mut [f64]) -> f64 {
            let mut f = 0.0;
            for i in 0..w.len() {
                grad[i] = self.a[i] * w[i] - self.b[i];
                f += 0.5 * self.a[i] * w[i] * w[i] - self.b[i] * w[i];
            }
            f
        }
        fn hessian_times(&mut self, v: &[f32], out: &mut [f32]) {
            for i in 0..v.len() {
                out[i] = (self.a[i] * f64::from(v[i])) as f32;
            }
        }
        fn hessian_diagonal(&mut self, out: &mut [f32]) {
            out.iter_mut()
                .zip(&self.a)
                .for_each(|(o, &a)| *o = a as f32);
        }
    }

    /// Rosenbrock's function in 2-d, whose Hessian is indefinite away from
    /// the valley.
    struct Rosenbrock {
        at: [f64; 2],
    }

    impl Objective for Rosenbrock {
        fn loss_and_gradient(&mut self, w: &[f64], grad: &mut [f64]) -> f64 {
            let (x, y) = (w[0], w[1]);
            self.at = [x, y];
            grad[0] = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
            grad[1] = 200.0 * (y - x * x);
            (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
        }
        fn hessian_times(&mut self, v: &[f32], out: &mut [f32]) {
            let [x, y] = self.at;
            let (h11, h12, h22) = (2.0 - 400.0 * (y - 3.0 * x * x), -400.0 * x, 200.0);
            let v = [f64::from(v[0]), f64::from(v[1])];
            out[0] = (h11 * v[0] + h12 * v[1]) as f32;
            out[1] = (h12 * v[0] + h22 * v[1]) as f32;
        }
        fn hessian_diagonal(&mut self, out: &mut [f32]) {
            let [x, y] = self.at;
            out[0] = (2.0 - 400.0 * (y - 3.0 * x * x)) as f32;
            out[1] = 200.0;
        }
    }

    #[test]
    fn minimises_an_ill_conditioned_quadratic() {
        let n = 50;
        let a: Vec<f64> = (0..n).map(|i| 10f64.powf(i as f64 / 10.0 - 2.0)).collect();
        let b: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
        let mut q = Quadratic {
            a: a.clone(),
            b: b.clone(),
        };
        let mut w = vec![0.0; n];
        let out = Tron {
            tolerance: 1e-10,
            max_iterations: 100,
        }
        .minimize(&mut w, &mut q);
        assert_eq!(out.stop, Stop::Converged, "{out:?}");
        for i in 0..n {
            assert!(
                (w[i] - b[i] / a[i]).abs() < 1e-8,
                "{i}: {} {}",
                w[i],
                b[i] / a[i]
            );
        }
    }

    /// `x' A x / 2 - b' x` with a dense `A`: its first `dim` variables
    /// strongly correlated, the rest on the diagonal at scales of their own.
    struct Correlated {
        a: Vec<f64>,
        b: Vec<f64>,
        dim: usize,
        block: bool,
    }

    impl Correlated {
        fn new(n: usize, dim: usize, block: bool) -> Correlated {
            // The block: correlation 0.95^|i - j| at scales 1 + i.
            let mut a = vec![0.0; n * n];
            for i in 0..n {
                if i >= dim {
                    a[i * n + i] = 10f64.powf(i as f64 / 10.0 - 1.0);
                    continue;
                }
                for j in 0..dim {
                    let r = 0.95f64.powi((i as i32 - j as i32).abs());
                    a[i * n + j] = r * ((1.0 + i as f64) * (1.0 + j as f64)).sqrt();
                }
            }
            let b = (0..n).map(|i| (i as f64 + 1.0).cos()).collect();
            Correlated { a, b, dim, block }
        }
    }

    impl Objective for Correlated {
        fn loss_and_gradient(&mut self, w: &[f64], grad: &mut [f64]) -> f64 {
            let n = w.len();
            let mut f = 0.0;
            for i in 0..n {
                let aw: f64 = (0..n).map(|j| self.a[i * n + j] * w[j]).sum();
                grad[i] = aw - self.b[i];
                f += 0.5 * w[i] * aw - self.b[i] * w[i];
            }
            f
        }
        fn hessian_times(&mut self, v: &[f32], out: &mut [f32]) {
            let n = v.len();
            for (o, row) in out.iter_mut().zip(self.a.chunks_exact(n)) {
                let s: f64 = row.iter().zip(v).map(|(&a, &v)| a * f64::from(v)).sum();
                *o = s as f32;
            }
        }
        fn hessian_diagonal(&mut self, out: &mut [f32]) {
            let n = out.len();
            for (i, o) in out.iter_mut().enumerate() {
                *o = self.a[i * n + i] as f32;
            }
        }
        fn hessian_block(&mut self) -> Option<HessianBlock> {
            let (n, dim) = (self.b.len(), self.dim);
            self.block.then(|| HessianBlock {
                start: 0,
                dim,
                matrix: (0..dim * dim)
                    .map(|k| self.a[(k / dim) * n + k % dim])
                    .collect(),
            })
        }
    }

    #[test]
    fn a_block_in_the_preconditioner_reaches_the_same_minimum_in_fewer_cg_steps() {
        let (n, dim) = (30, 12);
        let solve = |block: bool| {
            let mut q = Correlated::new(n, dim, block);
            let mut w = vec![0.0; n];
            let out = Tron {
                tolerance: 1e-7,
                max_iterations: 100,
            }
            .minimize(&mut w, &mut q);
            assert_eq!(out.stop, Stop::Converged, "block {block}: {out:?}");
            let mut g = vec![0.0; n];
            q.loss_and_gradient(&w, &mut g);
            assert!(dot(&g, &g).sqrt() <= 1e-7, "block {block}: {g:?}");
            (w, out.cg_steps)
        };
        let (diagonal, diagonal_steps) = solve(false);
        let (blocked, blocked_steps) = solve(true);
        for (a, b) in diagonal.iter().zip(&blocked) {
            assert!((a - b).abs() < 1e-5, "{a} {b}");
        }
        assert!(
            blocked_steps < diagonal_steps,
            "{blocked_steps} CG steps with the block, {diagonal_steps} without"
        );
    }

    #[test]
    fn the_block_factor_solves_and_measures() {
        // B = [[4, 2], [2, 3]]: B^-1 r for r = (2, 1) is (0.5, 0).
        let f = Factored::new(HessianBlock {
            start: 1,
            dim: 2,
            matrix: vec![4.0, 2.0, 2.0, 3.0],
        })
        .expect("positive definite");
        let mut pre = Preconditioner {
            m: vec![2.0, 1.0, 1.0, 4.0],
            block: Some(f),
        };
        let mut z = vec![0.0f32; 4];
        let rz = pre.solve(&[1.0, 2.0, 1.0, 8.0], &mut z);
        assert_eq!(z, vec![0.5, 0.5, 0.0, 2.0]);
        assert_eq!(rz, 0.5 + 1.0 + 0.0 + 16.0);
        // a . M . a for a = (1, 1, 1, 1): 2 + (4 + 2 + 2 + 3) + 4.
        assert_eq!(pre.inner(&[1.0; 4], &[1.0; 4]), 17.0);
        // Not positive definite: no factor, the diagonal serves alone.
        assert!(Factored::new(HessianBlock {
            start: 0,
            dim: 2,
            matrix: vec![1.0, 2.0, 2.0, 1.0],
        })
        .is_none());
    }

    #[test]
    fn minimises_rosenbrock_through_negative_curvature() {
        let mut r = Rosenbrock { at: [0.0; 2] };
        let mut w = vec![-1.2, 1.0];
        let out = Tron {
            tolerance: 1e-8,
            max_iterations: 200,
        }
        .minimize(&mut w, &mut r);
        assert_eq!(out.stop, Stop::Converged, "{out:?}");
        assert!(
            (w[0] - 1.0).abs() < 1e-6 && (w[1] - 1.0).abs() < 1e-6,
            "{w:?}"
        );
    }

    #[test]
    fn stops_at_the_iteration_limit_and_on_a_bad_start() {
        let mut r = Rosenbrock { at: [0.0; 2] };
        let mut w = vec![-1.2, 1.0];
        let out = Tron {
            tolerance: 1e-12,
            max_iterations: 2,
        }
        .minimize(&mut w, &mut r);
        assert_eq!(out.stop, Stop::MaxIterations);
        assert!(out.iterations <= 2);
        let mut w = vec![f64::NAN, 1.0];
        let out = Tron {
            tolerance: 1e-8,
            max_iterations: 10,
        }
        .minimize(&mut w, &mut r);
        assert_eq!(out.stop, Stop::Aborted);
    }
}
