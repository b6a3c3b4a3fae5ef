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
//! by orders of magnitude, which made first-order steps slow.
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
        m: &[f32],
        radius: f64,
        s: &mut [f32],
    ) -> u64 {
        s.fill(0.0);
        for (((r, d), &g), &m) in self.r.iter_mut().zip(&mut self.d).zip(g).zip(m) {
            *r = -g as f32;
            *d = *r / m;
        }
        // z = M^-1 r is not stored: d starts as z, and z . r is formed
        // while r is updated.
        let mut ztr = dot_m_inv(&self.r, m);
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
                // s += alpha d, r -= alpha H d, in one pass that also sums
                // s . M . s and the new z . r.
                let (sms, ztr_new) =
                    step_in_place(alpha as f32, &self.d, &self.hd, m, s, &mut self.r);
                if sms.sqrt() > radius {
                    axpy(-alpha as f32, &self.d, s);
                    axpy(alpha as f32, &self.hd, &mut self.r);
                    false
                } else {
                    let beta = (ztr_new / ztr) as f32;
                    for ((d, &r), &m) in self.d.iter_mut().zip(&self.r).zip(m) {
                        *d = r / m + beta * *d;
                    }
                    ztr = ztr_new;
                    true
                }
            };
            if !inside {
                // Negative curvature, or the step left the region: go to
                // the boundary along d from the last inside point.
                let std = dot_m(s, m, &self.d);
                let sts = dot_m(s, m, s);
                let dtd = dot_m(&self.d, m, &self.d);
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
        };
        let (mut m, mut s) = (vec![0.0f32; n], vec![0.0f32; n]);
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
                f.hessian_diagonal(&mut m);
                for v in m.iter_mut() {
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
                if radius.is_nan() {
                    radius = sum_lanes(n, |i| g[i] * g[i] / f64::from(m[i])).sqrt();
                }
                fresh = false;
            }
            trials += 1;
            cg_steps += cg.solve(f, &g, &m, radius, &mut s);
            let gs = sum_lanes(n, |i| g[i] * f64::from(s[i]));
            // The model's reduction: -(g.s + s.H.s/2) = -(g.s - s.r)/2,
            // since r = -g - H s.
            let predicted = -0.5 * (gs - dot32(&s, &cg.r));
            // The trial point in place (w + s), its gradient into g: both
            // are restored if the step is not taken.
            w.iter_mut().zip(&s).for_each(|(w, &s)| *w += f64::from(s));
            let f_new = f.loss_and_gradient(w, &mut g);
            let snorm = dot_m(&s, &m, &s).sqrt();
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
