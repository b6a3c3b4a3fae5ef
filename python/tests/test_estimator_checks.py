"""scikit-learn's own estimator checks.

scikit-learn runs its data-driven checks on numeric arrays only: for an
estimator tagged ``input_tags.string`` (texts, as ours) it skips them
itself (``parametrize_with_checks`` below then runs what remains). The
checks that do not feed data are run by name; the three that feed 2-D
numeric arrays (check_estimators_overwrite_params,
check_dont_overwrite_parameters, check_n_features_in) cannot apply to text
input and are replaced by ``test_fit_leaves_the_parameters_as_given``.
"""

import copy

import pytest
from sklearn.base import clone
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import VECTORS
from embed_tl.sklearn import EmbedClassifier, EmbedTransformer

ESTIMATORS = [
    EmbedTransformer(vectors=str(VECTORS), pool="mean"),
    EmbedClassifier(vectors=str(VECTORS), features="vectors", pool="mean", cs=[1.0]),
]

API_CHECKS = [
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimator_repr",
    "check_estimator_cloneable",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("check", API_CHECKS)
def test_api_checks(estimator, check):
    getattr(estimator_checks, check)(type(estimator).__name__, clone(estimator))


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_fit_leaves_the_parameters_as_given(estimator, reviews):
    texts, labels = reviews
    est = clone(estimator)
    before = copy.deepcopy(est.get_params())
    est.fit(texts[:60], labels[:60])
    assert est.get_params() == before
    public = {k for k in vars(est) if not k.startswith("_")}
    assert public - set(before) == {
        "EmbedTransformer": {"featurizer_", "vectors_fingerprint_"},
        "EmbedClassifier": {"model_", "classes_", "vectors_fingerprint_"},
    }[type(est).__name__]
