//! A limited-memory BFGS minimiser that works in place.
//!
//! Logistic regression on the hybrid design has one weight per (feature,
//! class): 780,000 for Banking77's 77 classes over 10,000 n-gram columns.
//! At that size the optimizer's own vector algebra cost more than the loss
//! and gradient (argmin's L-BFGS allocated fresh weight-sized arrays at
//! every step: 60% of the time of `classify`), so this one allocates every
//! vector once per fit and updates it in place. The `m` pairs of history
//! are kept in `f32` (half the memory and bandwidth), and the two-loop
//! recursion runs on the inner products between the pairs and the
//! gradient (the "vector-free" L-BFGS of Chen, Wang and Zhou, NeurIPS
//! 2014): each iteration reads the pairs twice, in cache-sized blocks,
//! instead of `4m` times.
//!
//! The line search is backtracking from the unit step (the first iteration
//! starts at `1 / ||g||`) on the Armijo condition, with quadratic
//! interpolation, and doubles the step while the curvature (weak Wolfe)
//! condition fails on the first trial, so each update keeps `s . y > 0`.
//! For a smooth convex loss the unit step is accepted on almost every
//! iteration: about one evaluation per iteration, where a More-Thuente
//! search takes one to three.
//!
//! It stops when the Euclidean norm of the gradient is at most `tolerance`
//! (argmin's rule, which the fits of earlier releases used, so the
//! selected models and accuracies stay where they were; scikit-learn's
//! largest-entry rule at its `tol = 1e-4` was measured too: the same
//! accuracies within 0.4 points, 35% more CPU time on the UCI reviews) or
//! when the loss decreases by less than `64 * f64::EPSILON` relatively
//! (scikit-learn's `ftol`). Every sum runs in a fixed order, so the result
//! does not depend on threads.

/// Armijo's sufficient-decrease constant.
const C1: f64 = 1e-4;
/// The curvature constant of the weak Wolfe condition.
const C2: f64 = 0.9;
/// Doublings of the step allowed in one line search.
const MAX_EXPANSIONS: u32 = 4;
/// The relative decrease of the loss below which the fit has converged
/// (scikit-learn passes SciPy `ftol = 64 * eps`).
const FTOL: f64 = 64.0 * f64::EPSILON;

/// Why a minimisation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The gradient or the decrease of the loss fell below the tolerance,
    /// or the line search could no longer change the loss in floating
    /// point (at the optimum to the precision of the arithmetic).
    Converged,
    /// The iteration limit.
    MaxIterations,
    /// The evaluation budget was spent, or the loss was not a finite
    /// number at the starting point.
    Aborted,
}

/// The outcome of [`Lbfgs::minimize`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub stop: Stop,
    pub iterations: u64,
    pub evaluations: u64,
}

/// Settings of one minimisation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lbfgs {
    /// Pairs of history (`m`).
    pub memory: usize,
    /// Euclidean norm of the gradient at convergence.
    pub tolerance: f64,
    pub max_iterations: u64,
    /// Loss evaluations allowed per iteration on average (a budget for the
    /// whole fit: `(max_iterations + 1) * this`).
    pub evaluations_per_iteration: u64,
}

/// Elements per block of the fused passes: a block of every vector a pass
/// touches stays in the core's cache while each stored pair is read once.
const BLOCK: usize = 2048;

/// The `(s, y)` pairs in `f32`, and the inner products between them and
/// the gradient (the "vector-free" L-BFGS of Chen, Wang and Zhou, 2014):
/// the two-loop recursion then runs on `2m + 1` coefficients instead of
/// on weight-sized vectors, and each iteration reads the stored pairs
/// twice (once to update the inner products, once to form the direction)
/// instead of `4m` times.
struct History {
    memory: usize,
    /// `memory + 1` buffers (allocated on first use): the stored pairs and
    /// a spare that receives the next one.
    s: Vec<Vec<f32>>,
    y: Vec<Vec<f32>>,
    /// Buffers of the stored pairs, oldest first.
    order: Vec<usize>,
    /// Inner products by buffer, `(memory + 1)^2` row-major:
    /// `ss[a][b] = s_a . s_b`, `sy[a][b] = s_a . y_b`, `yy[a][b] = y_a . y_b`;
    /// and with the current gradient, `sg[a] = s_a . g`, `yg[a] = y_a . g`.
    ss: Vec<f64>,
    sy: Vec<f64>,
    yy: Vec<f64>,
    sg: Vec<f64>,
    yg: Vec<f64>,
}

impl History {
    fn new(memory: usize) -> History {
        let b = memory + 1;
        History {
            memory,
            s: Vec::new(),
            y: Vec::new(),
            order: Vec::with_capacity(b),
            ss: vec![0.0; b * b],
            sy: vec![0.0; b * b],
            yy: vec![0.0; b * b],
            sg: vec![0.0; b],
            yg: vec![0.0; b],
        }
    }

    /// Store `s = x - x_prev`, `y = g - g_prev` when `s . y` is safely
    /// positive (replacing the oldest pair when full), and bring every
    /// inner product up to date with the new gradient `g`, in one pass.
    /// Returns `s . y / y . y` (the scale of the initial Hessian) when the
    /// pair was stored.
    fn update(&mut self, x: &[f64], x_prev: &[f64], g: &[f64], g_prev: &[f64]) -> Option<f64> {
        if self.memory == 0 {
            return None;
        }
        let b = self.memory + 1;
        let spare = (0..b)
            .find(|i| !self.order.contains(i))
            .expect("memory + 1 buffers, at most memory stored");
        while self.s.len() <= spare {
            self.s.push(vec![0.0; x.len()]);
            self.y.push(vec![0.0; x.len()]);
        }
        let mut members = self.order.clone();
        members.push(spare);
        // Per member a: s_new . s_a, s_new . y_a, y_new . s_a, y_new . y_a,
        // s_a . g, y_a . g.
        let mut sums = vec![[0.0f64; 6]; members.len()];
        let (mut new_s, mut new_y) = (
            std::mem::take(&mut self.s[spare]),
            std::mem::take(&mut self.y[spare]),
        );
        let mut g32 = [0f32; BLOCK];
        for start in (0..x.len()).step_by(BLOCK) {
            let end = (start + BLOCK).min(x.len());
            let (ns, ny) = (&mut new_s[start..end], &mut new_y[start..end]);
            for i in 0..ns.len() {
                ns[i] = (x[start + i] - x_prev[start + i]) as f32;
                ny[i] = (g[start + i] - g_prev[start + i]) as f32;
            }
            let gc = &mut g32[..end - start];
            gc.iter_mut()
                .zip(&g[start..end])
                .for_each(|(o, &v)| *o = v as f32);
            let (ns, ny, gc) = (&*ns, &*ny, &*gc);
            for (sum, &a) in sums.iter_mut().zip(&members) {
                let (sa, ya): (&[f32], &[f32]) = if a == spare {
                    (ns, ny)
                } else {
                    (&self.s[a][start..end], &self.y[a][start..end])
                };
                sum[0] += block_dot(ns, sa);
                sum[1] += block_dot(ns, ya);
                sum[2] += block_dot(ny, sa);
                sum[3] += block_dot(ny, ya);
                sum[4] += block_dot(sa, gc);
                sum[5] += block_dot(ya, gc);
            }
        }
        self.s[spare] = new_s;
        self.y[spare] = new_y;
        for (sum, &a) in sums.iter().zip(&members) {
            self.ss[spare * b + a] = sum[0];
            self.ss[a * b + spare] = sum[0];
            self.sy[spare * b + a] = sum[1];
            self.sy[a * b + spare] = sum[2];
            self.yy[spare * b + a] = sum[3];
            self.yy[a * b + spare] = sum[3];
            self.sg[a] = sum[4];
            self.yg[a] = sum[5];
        }
        let (sy, yy) = (self.sy[spare * b + spare], self.yy[spare * b + spare]);
        // Not safely positive (or not a number): skip the pair.
        if sy.partial_cmp(&(f64::EPSILON * yy)) != Some(std::cmp::Ordering::Greater) || yy == 0.0 {
            return None;
        }
        if self.order.len() == self.memory {
            self.order.remove(0);
        }
        self.order.push(spare);
        Some(sy / yy)
    }

    /// `d = -H g` by the two-loop recursion with `H0 = gamma I`, run on the
    /// coefficients of `d` over the stored pairs and `g`, then formed in
    /// one pass.
    fn direction(&self, g: &[f64], gamma: f64, d: &mut [f64]) {
        let b = self.memory + 1;
        let pairs = &self.order;
        // d = sum_a (cs[a] s_a + cy[a] y_a) + cg g, by buffer.
        let mut cs = vec![0.0f64; b];
        let mut cy = vec![0.0f64; b];
        let mut cg = -1.0f64;
        let s_dot = |i: usize, cs: &[f64], cy: &[f64], cg: f64| -> f64 {
            pairs
                .iter()
                .map(|&a| cs[a] * self.ss[i * b + a] + cy[a] * self.sy[i * b + a])
                .sum::<f64>()
                + cg * self.sg[i]
        };
        let y_dot = |i: usize, cs: &[f64], cy: &[f64], cg: f64| -> f64 {
            pairs
                .iter()
                .map(|&a| cs[a] * self.sy[a * b + i] + cy[a] * self.yy[i * b + a])
                .sum::<f64>()
                + cg * self.yg[i]
        };
        let mut alpha = vec![0.0f64; b];
        for &i in pairs.iter().rev() {
            let rho = 1.0 / self.sy[i * b + i];
            let a = rho * s_dot(i, &cs, &cy, cg);
            alpha[i] = a;
            cy[i] -= a;
        }
        cs.iter_mut().for_each(|c| *c *= gamma);
        cy.iter_mut().for_each(|c| *c *= gamma);
        cg *= gamma;
        for &i in pairs {
            let rho = 1.0 / self.sy[i * b + i];
            let beta = rho * y_dot(i, &cs, &cy, cg);
            cs[i] += alpha[i] - beta;
        }
        // Formed in f32 block by block (a search direction needs no more),
        // then widened.
        let mut d32 = [0f32; BLOCK];
        for start in (0..d.len()).step_by(BLOCK) {
            let end = (start + BLOCK).min(d.len());
            let dc = &mut d32[..end - start];
            dc.iter_mut()
                .zip(&g[start..end])
                .for_each(|(d, g)| *d = (cg * g) as f32);
            for &a in pairs {
                axpy_f32(cs[a] as f32, &self.s[a][start..end], dc);
                axpy_f32(cy[a] as f32, &self.y[a][start..end], dc);
            }
            d[start..end]
                .iter_mut()
                .zip(dc.iter())
                .for_each(|(d, &v)| *d = f64::from(v));
        }
    }
}

/// Lanes of the dot products: independent partial sums that the compiler
/// keeps in SIMD registers (a single running sum is one long dependency
/// chain), added in a fixed order at the end, so the result is the same
/// on every run.
const LANES: usize = 8;

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// `a . b` over one block (at most [`BLOCK`] entries) in `f32` lanes, the
/// lanes added in `f64`: 16 partial sums of at most 128 products each, so
/// the rounding stays near `f32` precision, enough for the inner products
/// of the history, which only shape the search direction.
fn block_dot(a: &[f32], b: &[f32]) -> f64 {
    const L: usize = 16;
    let mut acc = [0.0f32; L];
    let (ca, cb) = (a.chunks_exact(L), b.chunks_exact(L));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(&a, &b)| f64::from(a) * f64::from(b))
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..L {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().map(|&v| f64::from(v)).sum::<f64>() + tail
}

/// `y += a x`, in `f32`.
fn axpy_f32(a: f32, x: &[f32], y: &mut [f32]) {
    y.iter_mut().zip(x).for_each(|(y, &x)| *y += a * x);
}

/// The Euclidean norm of the gradient, the stopping rule's measure.
fn grad_norm(v: &[f64]) -> f64 {
    dot(v, v).sqrt()
}

/// `x = x_prev + step * d`.
fn set_point(x: &mut [f64], x_prev: &[f64], step: f64, d: &[f64]) {
    x.iter_mut()
        .zip(x_prev)
        .zip(d)
        .for_each(|((x, xp), d)| *x = xp + step * d);
}

impl Lbfgs {
    /// Minimise `f` from the point in `x` (left at the best point found).
    /// `f(w, grad)` returns the loss at `w` and writes its gradient; a loss
    /// that is not a finite number (a step too far on badly scaled data)
    /// makes the line search step back.
    pub(crate) fn minimize(
        &self,
        x: &mut [f64],
        mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    ) -> Outcome {
        let n = x.len();
        let budget = self
            .max_iterations
            .saturating_add(1)
            .saturating_mul(self.evaluations_per_iteration.max(1));
        let mut g = vec![0.0; n];
        let mut evaluations = 1;
        let mut fx = f(x, &mut g);
        let finite = |v: f64, g: &[f64]| v.is_finite() && g.iter().all(|g| g.is_finite());
        if !finite(fx, &g) {
            return Outcome {
                stop: Stop::Aborted,
                iterations: 0,
                evaluations,
            };
        }
        let outcome = |stop, iterations, evaluations| Outcome {
            stop,
            iterations,
            evaluations,
        };
        if grad_norm(&g) <= self.tolerance {
            return outcome(Stop::Converged, 0, evaluations);
        }
        let mut history = History::new(self.memory);
        let (mut x_prev, mut g_prev, mut g_keep) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let mut d: Vec<f64> = g.iter().map(|g| -g).collect();
        let mut gamma = 1.0;
        let mut iterations = 0;
        let mut step = 1.0 / dot(&g, &g).sqrt();
        while iterations < self.max_iterations {
            let mut gd = dot(&g, &d);
            if gd.is_nan() || gd >= 0.0 {
                // Not a descent direction (rounding in the history): restart
                // from steepest descent.
                history = History::new(self.memory);
                d.iter_mut().zip(&g).for_each(|(d, g)| *d = -g);
                gd = dot(&g, &d);
                step = 1.0 / gd.abs().sqrt();
            }
            x_prev.copy_from_slice(x);
            g_prev.copy_from_slice(&g);
            let f_prev = fx;
            // Line search along d: backtrack on the Armijo condition; while
            // the first trials pass it with the slope still steep (the
            // curvature condition fails), double the step, keeping the last
            // passing trial (its gradient in `g_keep`) to fall back on.
            let mut kept: Option<(f64, f64)> = None;
            let mut backtracked = false;
            let mut expansions = 0;
            let accepted = loop {
                if evaluations >= budget {
                    break None;
                }
                set_point(x, &x_prev, step, &d);
                if x.iter().zip(&x_prev).all(|(a, b)| a == b) {
                    break None;
                }
                evaluations += 1;
                fx = f(x, &mut g);
                let ok = finite(fx, &g);
                if ok && fx <= f_prev + C1 * step * gd {
                    if backtracked || expansions >= MAX_EXPANSIONS || dot(&g, &d) >= C2 * gd {
                        break Some(step);
                    }
                    std::mem::swap(&mut g, &mut g_keep);
                    kept = Some((step, fx));
                    expansions += 1;
                    step *= 2.0;
                    continue;
                }
                if kept.is_some() {
                    break None;
                }
                backtracked = true;
                // The minimiser of the quadratic through f_prev, the slope
                // gd and this trial, kept within [0.1, 0.5] of the step.
                step = if ok {
                    let q = -gd * step * step / (2.0 * (fx - f_prev - gd * step));
                    if q.is_finite() {
                        q.clamp(0.1 * step, 0.5 * step)
                    } else {
                        0.5 * step
                    }
                } else {
                    0.1 * step
                };
            };
            if accepted.is_none() {
                match kept {
                    // An expansion overshot (or the budget ran out after a
                    // passing trial): take the last passing step.
                    Some((s, f_kept)) => {
                        set_point(x, &x_prev, s, &d);
                        std::mem::swap(&mut g, &mut g_keep);
                        fx = f_kept;
                    }
                    None => {
                        x.copy_from_slice(&x_prev);
                        let stop = if evaluations >= budget {
                            Stop::Aborted
                        } else {
                            // The step no longer moves the point: converged
                            // to the precision of the arithmetic.
                            Stop::Converged
                        };
                        return outcome(stop, iterations, evaluations);
                    }
                }
            }
            iterations += 1;
            if grad_norm(&g) <= self.tolerance
                || (f_prev - fx) <= FTOL * f_prev.abs().max(fx.abs()).max(1.0)
            {
                return outcome(Stop::Converged, iterations, evaluations);
            }
            if let Some(g_scale) = history.update(x, &x_prev, &g, &g_prev) {
                gamma = g_scale;
            }
            history.direction(&g, gamma, &mut d);
            step = 1.0;
        }
        outcome(Stop::MaxIterations, iterations, evaluations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seeded sequence of numbers in [-1, 1).
    fn noise(seed: u64, n: usize) -> Vec<f64> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
    }

    /// The textbook two-loop recursion over the same (f32-rounded) pairs.
    fn two_loop(pairs: &[(Vec<f64>, Vec<f64>)], g: &[f64], gamma: f64) -> Vec<f64> {
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| a * b).sum::<f64>();
        let mut q: Vec<f64> = g.iter().map(|g| -g).collect();
        let mut alpha = vec![0.0; pairs.len()];
        for (i, (s, y)) in pairs.iter().enumerate().rev() {
            alpha[i] = dot(s, &q) / dot(s, y);
            q.iter_mut().zip(y).for_each(|(q, y)| *q -= alpha[i] * y);
        }
        q.iter_mut().for_each(|q| *q *= gamma);
        for (i, (s, y)) in pairs.iter().enumerate() {
            let beta = dot(y, &q) / dot(s, y);
            q.iter_mut()
                .zip(s)
                .for_each(|(q, s)| *q += (alpha[i] - beta) * s);
        }
        q
    }

    /// The vector-free recursion gives the two-loop direction, also after
    /// the ring of pairs wrapped around and with a rejected pair, over
    /// more than one block.
    #[test]
    fn direction_matches_the_two_loop_recursion() {
        let n = 2 * BLOCK + 77;
        let memory = 4;
        let mut history = History::new(memory);
        let mut kept: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
        let mut x = noise(1, n);
        let mut g = noise(2, n);
        let mut gamma = 1.0;
        for step in 0..7u64 {
            let dx = noise(10 + step, n);
            let x_new: Vec<f64> = x.iter().zip(&dx).map(|(x, d)| x + 0.1 * d).collect();
            // A positive-definite-ish change of the gradient; step 3 is a
            // pair with s . y < 0, which must be skipped.
            let sign = if step == 3 { -1.0 } else { 1.0 };
            let g_new: Vec<f64> = g
                .iter()
                .zip(&dx)
                .zip(noise(20 + step, n))
                .map(|((g, d), e)| g + sign * (0.1 * d * 2.0 + 0.01 * e))
                .collect();
            let stored = history.update(&x_new, &x, &g_new, &g);
            assert_eq!(stored.is_some(), step != 3, "step {step}");
            if let Some(scale) = stored {
                gamma = scale;
                let round = |v: f64| f64::from(v as f32);
                let s = x_new.iter().zip(&x).map(|(a, b)| round(a - b)).collect();
                let y = g_new.iter().zip(&g).map(|(a, b)| round(a - b)).collect();
                kept.push((s, y));
                if kept.len() > memory {
                    kept.remove(0);
                }
            }
            x = x_new;
            g = g_new;
            let mut d = vec![0.0; n];
            history.direction(&g, gamma, &mut d);
            let want = two_loop(&kept, &g, gamma);
            let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let worst = d
                .iter()
                .zip(&want)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                worst <= 1e-4 * scale,
                "step {step}: {worst} against {scale}"
            );
        }
    }

    fn settings() -> Lbfgs {
        Lbfgs {
            memory: 10,
            tolerance: 1e-8,
            max_iterations: 500,
            evaluations_per_iteration: 20,
        }
    }

    /// An ill-conditioned quadratic (curvatures from 1 to 1000) reaches its
    /// minimum.
    #[test]
    fn minimises_an_ill_conditioned_quadratic() {
        let n = 300;
        let a: Vec<f64> = (0..n)
            .map(|i| 10f64.powf(3.0 * i as f64 / n as f64))
            .collect();
        let c = noise(5, n);
        let mut x = vec![0.0; n];
        let out = settings().minimize(&mut x, |x, g| {
            let mut f = 0.0;
            for i in 0..n {
                let r = x[i] - c[i];
                f += 0.5 * a[i] * r * r;
                g[i] = a[i] * r;
            }
            f
        });
        assert_eq!(out.stop, Stop::Converged, "{out:?}");
        for i in 0..n {
            assert!(
                (x[i] - c[i]).abs() < 1e-6,
                "x[{i}] = {} against {}",
                x[i],
                c[i]
            );
        }
    }

    /// Rosenbrock's valley, a non-convex classic, ends at (1, 1).
    #[test]
    fn minimises_rosenbrock() {
        let mut x = vec![-1.2, 1.0];
        let out = settings().minimize(&mut x, |x, g| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        });
        assert_eq!(out.stop, Stop::Converged, "{out:?}");
        assert!(
            (x[0] - 1.0).abs() < 1e-6 && (x[1] - 1.0).abs() < 1e-6,
            "{x:?}"
        );
    }

    #[test]
    fn stops_at_the_iteration_limit_and_on_a_bad_start() {
        let mut x = vec![-1.2, 1.0];
        let rosenbrock = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let few = Lbfgs {
            max_iterations: 3,
            ..settings()
        };
        let out = few.minimize(&mut x, rosenbrock);
        assert_eq!((out.stop, out.iterations), (Stop::MaxIterations, 3));
        let mut x = vec![1.0];
        let out = settings().minimize(&mut x, |_, g| {
            g[0] = 0.0;
            f64::NAN
        });
        assert_eq!(out.stop, Stop::Aborted);
    }

    /// A loss that is not a number beyond some step makes the line search
    /// step back instead of failing.
    #[test]
    fn steps_back_from_a_loss_that_is_not_a_number() {
        let mut x = vec![0.0];
        let out = settings().minimize(&mut x, |x, g| {
            // Minimum at 0.5; undefined from 1 on.
            if x[0] >= 1.0 {
                g[0] = f64::NAN;
                return f64::NAN;
            }
            g[0] = 2.0 * (x[0] - 0.5);
            (x[0] - 0.5).powi(2)
        });
        assert_eq!(out.stop, Stop::Converged, "{out:?}");
        assert!((x[0] - 0.5).abs() < 1e-6, "{x:?}");
    }
}
