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
/// Fails when a class has fewer rows than folds.
pub fn stratified_folds(labels: &[usize], k: usize, seed: u64) -> Result<Vec<Vec<usize>>> {
    if k < 2 {
        return Err(Error::InvalidInput(format!(
            "need at least 2 folds, got {k}"
        )));
    }
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (i, &c) in labels.iter().enumerate() {
        by_class[c].push(i);
    }
    if let Some((class, rows)) = by_class
        .iter()
        .enumerate()
        .filter(|(_, rows)| !rows.is_empty())
        .min_by_key(|(_, rows)| rows.len())
    {
        if rows.len() < k {
            return Err(Error::InvalidInput(format!(
                "class #{class} has {} examples, fewer than the {k} folds",
                rows.len()
            )));
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut folds: Vec<Vec<usize>> = vec![Vec::new(); k];
    let mut next = 0;
    for rows in &mut by_class {
        rows.shuffle(&mut rng);
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
    fn too_small_classes_are_refused() {
        let labels = [0, 0, 0, 1, 1];
        let err = stratified_folds(&labels, 3, 0).unwrap_err().to_string();
        assert!(
            err.contains("class #1 has 2 examples, fewer than the 3 folds"),
            "{err}"
        );
    }
}
