//! Stratified, shuffled k-fold splits (linfa's own folds are contiguous
//! and unstratified).

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

/// Split row indices into `k` folds with each class spread evenly: the
/// rows of each class are shuffled (seeded) and dealt round-robin, the
/// deal continuing across classes so fold sizes differ by at most one.
/// Returns the held-out indices of each fold, sorted.
///
/// A class with fewer rows than folds is dealt like any other, so it is
/// held out in as many folds as it has rows and absent from the others'
/// held-out part; every row is held out exactly once. (A class of one
/// row then has no training row in the fold that holds it out: a model
/// trained there cannot predict it, which is the honest estimate.)
///
/// Fails only when `k < 2`.
pub fn stratified_folds(labels: &[usize], k: usize, seed: u64) -> Result<Vec<Vec<usize>>> {
    stratified_folds_keeping(labels, k, seed, |_| false)
}

/// [`stratified_folds`], except that the rows of every class for which
/// `keep(class)` is true are held out by no fold: they are in the training
/// part of every fold (see [`training_rows`]). The shuffle is the same as
/// [`stratified_folds`]'s, so with nothing kept the folds are identical.
pub fn stratified_folds_keeping(
    labels: &[usize],
    k: usize,
    seed: u64,
    keep: impl Fn(usize) -> bool,
) -> Result<Vec<Vec<usize>>> {
    if k < 2 {
        return Err(Error::InvalidParameter(format!(
            "need at least 2 folds, got {k}"
        )));
    }
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (i, &c) in labels.iter().enumerate() {
        by_class[c].push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut folds: Vec<Vec<usize>> = vec![Vec::new(); k];
    let mut next = 0;
    for (class, rows) in by_class.iter_mut().enumerate() {
        rows.shuffle(&mut rng);
        if keep(class) {
            continue;
        }
        for &row in rows.iter() {
            folds[next].push(row);
            next = (next + 1) % k;
        }
    }
    folds.iter_mut().for_each(|f| f.sort_unstable());
    Ok(folds)
}

/// The training rows of fold `f`: every row not held out by it.
pub fn training_rows(folds: &[Vec<usize>], f: usize, rows: usize) -> Vec<usize> {
    let mut held_out = vec![false; rows];
    for &i in &folds[f] {
        held_out[i] = true;
    }
    (0..rows).filter(|&i| !held_out[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_disjoint_and_complete() {
        let labels: Vec<usize> = (0..103).map(|i| usize::from(i % 4 == 0)).collect();
        let folds = stratified_folds(&labels, 10, 7).unwrap();
        let mut all: Vec<usize> = folds.concat();
        all.sort_unstable();
        assert_eq!(all, (0..103).collect::<Vec<_>>());
        for fold in &folds {
            assert!((10..=11).contains(&fold.len()));
            let positives = fold.iter().filter(|&&i| labels[i] == 1).count();
            assert!((2..=3).contains(&positives), "{positives}");
        }
        assert_eq!(training_rows(&folds, 0, 103).len(), 103 - folds[0].len());
    }

    #[test]
    fn same_seed_same_folds_other_seed_other_folds() {
        let labels: Vec<usize> = (0..50).map(|i| i % 2).collect();
        assert_eq!(
            stratified_folds(&labels, 5, 1).unwrap(),
            stratified_folds(&labels, 5, 1).unwrap()
        );
        assert_ne!(
            stratified_folds(&labels, 5, 1).unwrap(),
            stratified_folds(&labels, 5, 2).unwrap()
        );
    }

    #[test]
    fn a_class_rarer_than_the_folds_is_held_out_once_per_row() {
        // (labels, k): every row held out exactly once, a class of n < k
        // rows in exactly n folds.
        let cases: Vec<(Vec<usize>, usize)> = vec![
            (vec![0, 0, 0, 1, 1], 3),
            (vec![0, 0, 0, 0, 0, 1], 10),
            (vec![0, 1, 2, 3], 2),
            (
                (0..50).map(|i| if i == 0 { 5 } else { i % 5 }).collect(),
                10,
            ),
        ];
        for (labels, k) in cases {
            let folds = stratified_folds(&labels, k, 3).unwrap();
            assert_eq!(folds.len(), k);
            let mut all = folds.concat();
            all.sort_unstable();
            assert_eq!(
                all,
                (0..labels.len()).collect::<Vec<_>>(),
                "{labels:?} k={k}"
            );
            let classes = labels.iter().max().unwrap() + 1;
            for c in 0..classes {
                let n = labels.iter().filter(|&&l| l == c).count();
                let holding = folds
                    .iter()
                    .filter(|f| f.iter().any(|&i| labels[i] == c))
                    .count();
                assert_eq!(holding, n.min(k), "class {c} of {labels:?}, k={k}");
            }
        }
    }

    #[test]
    fn a_kept_class_is_never_held_out_and_always_trained_on() {
        // Class 2 has one row: kept, it is in no fold's held-out part and
        // in every fold's training part.
        let labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 0, 1];
        let folds = stratified_folds_keeping(&labels, 3, 9, |c| c == 2).unwrap();
        assert!(folds.iter().flatten().all(|&i| labels[i] != 2));
        for f in 0..3 {
            assert!(training_rows(&folds, f, labels.len()).contains(&8));
            assert!(folds[f].iter().any(|&i| labels[i] == 0));
            assert!(folds[f].iter().any(|&i| labels[i] == 1));
        }
        // Nothing kept: the very folds of stratified_folds.
        assert_eq!(
            stratified_folds_keeping(&labels, 3, 9, |_| false).unwrap(),
            stratified_folds(&labels, 3, 9).unwrap()
        );
    }

    #[test]
    fn fewer_than_two_folds_are_refused() {
        for k in [0, 1] {
            let err = stratified_folds(&[0, 1], k, 0).unwrap_err().to_string();
            assert!(err.contains("need at least 2 folds"), "{err}");
        }
    }
}
