"""StratifiedFolds: the CLI's cross-validation folds as a scikit-learn splitter."""

import numpy as np
import pytest
from sklearn.model_selection import cross_val_score

from conftest import REVIEWS, VECTORS, cli_json
from embed_tl.sklearn import EmbedClassifier, StratifiedFolds


def test_cross_val_score_is_the_cli_cv_accuracy(reviews, cli):
    """The default classifier, 10 folds, seed 42: embed-tl classify's CV, fold by fold."""
    texts, labels = reviews
    done = cli("classify", "--vectors", VECTORS, "--train", REVIEWS, "--format", "json")
    cv = cli_json(done)["cv"]
    assert cv["folds"] == 10
    scores = cross_val_score(EmbedClassifier(vectors=VECTORS), texts, labels, cv=StratifiedFolds(10, 42))
    assert len(scores) == 10
    np.testing.assert_allclose(scores, cv["fold_accuracy"], rtol=0, atol=1e-12)
    assert abs(scores.mean() - cv["accuracy_mean"]) <= 1e-12


def test_other_folds_and_seed_are_the_cli_ones(reviews, cli):
    """--folds 3 --seed 7 (n-grams only, no vectors): the seed reaches folds and model alike."""
    texts, labels = reviews
    done = cli(
        "classify", "--features", "ngrams", "--train", REVIEWS,
        "--folds", "3", "--seed", "7", "--format", "json",
    )
    cv = cli_json(done)["cv"]
    scores = cross_val_score(
        EmbedClassifier(features="ngrams", seed=7), texts, labels, cv=StratifiedFolds(n_splits=3, seed=7)
    )
    np.testing.assert_allclose(scores, cv["fold_accuracy"], rtol=0, atol=1e-12)
    assert abs(scores.mean() - cv["accuracy_mean"]) <= 1e-12


def folds_of(splitter, y):
    return [(train.tolist(), test.tolist()) for train, test in splitter.split(list(range(len(y))), y)]


def test_folds_are_disjoint_complete_and_stratified():
    y = np.array(["a"] * 30 + ["b"] * 20 + ["c"] * 7)
    folds = folds_of(StratifiedFolds(5, 1), y)
    assert len(folds) == StratifiedFolds(5, 1).get_n_splits() == 5
    held = sorted(i for _, test in folds for i in test)
    assert held == list(range(len(y)))
    for train, test in folds:
        assert sorted(train + test) == list(range(len(y)))
        assert test == sorted(test) and train == sorted(train)
        assert (y[test] == "a").sum() == 6 and (y[test] == "b").sum() == 4
        assert (y[test] == "c").sum() in (1, 2)
    sizes = [len(test) for _, test in folds]
    assert max(sizes) - min(sizes) <= 1


def test_seed_matters_and_is_repeatable():
    y = ["x", "y"] * 50
    assert folds_of(StratifiedFolds(4, 3), y) == folds_of(StratifiedFolds(4, 3), y)
    assert folds_of(StratifiedFolds(4, 3), y) != folds_of(StratifiedFolds(4, 4), y)


def test_classes_are_ordered_as_the_cli_orders_them():
    """The CLI sorts the label names as strings: 10 comes before 2, and the
    order of the classes changes the deal."""
    rng = np.random.default_rng(0)
    y = rng.choice([2, 10, 33], size=60)
    as_str = folds_of(StratifiedFolds(3, 42), y.astype(str).tolist())
    assert folds_of(StratifiedFolds(3, 42), y) == as_str
    # Renaming the classes keeping their string order keeps the folds ...
    renamed = {2: "c", 10: "a", 33: "d"}
    assert folds_of(StratifiedFolds(3, 42), [renamed[v] for v in y]) == as_str
    # ... and an order that differs gives other folds.
    reordered = {2: "a", 10: "b", 33: "c"}
    assert folds_of(StratifiedFolds(3, 42), [reordered[v] for v in y]) != as_str


def test_a_class_rarer_than_the_folds_is_held_out_once_per_row():
    y = ["big"] * 20 + ["rare"] * 2
    folds = folds_of(StratifiedFolds(5, 0), y)
    assert sum(1 for _, test in folds if 20 in test or 21 in test) == 2


def test_bad_arguments():
    with pytest.raises(ValueError, match="at least 2 folds"):
        list(StratifiedFolds(1).split([1, 2], ["a", "b"]))
    with pytest.raises(ValueError, match="needs the labels"):
        list(StratifiedFolds(2).split([1, 2]))
    with pytest.raises(ValueError, match="3 texts but 2 labels"):
        list(StratifiedFolds(2).split(["a", "b", "c"], ["x", "y"]))
    assert "StratifiedFolds(n_splits=3, seed=5)" == repr(StratifiedFolds(3, 5))
