"""scikit-learn estimators on frozen pretrained word vectors.

:class:`EmbedTransformer` turns texts into pooled word-vector features;
:class:`EmbedClassifier` is the whole ``embed-tl classify`` model (pooled
vectors and/or word + bigram TF-IDF, an L2 logistic regression whose
strength is chosen by inner cross-validation). Both take a list of texts
as ``X``, keep only their parameters in ``__init__`` (so ``get_params``,
``set_params`` and ``clone`` work), and fit inside ``Pipeline``,
``cross_val_score`` and ``GridSearchCV``::

    from sklearn.model_selection import cross_val_score
    from embed_tl.sklearn import EmbedClassifier

    clf = EmbedClassifier(vectors="embeddings/glove.6B.50d.top50k.fifu")
    cross_val_score(clf, texts, labels, cv=5)

:class:`StratifiedFolds` is the CLI's fold assignment as a splitter:
``cross_val_score(EmbedClassifier(vectors=...), texts, labels,
cv=StratifiedFolds(10, seed=42))`` scores the folds of ``embed-tl classify
--folds 10 --seed 42``, so its mean is the CLI's ``cv.accuracy_mean``.

``vectors`` is the path of a vector file (any format the CLI reads) or an
:class:`embed_tl.Vectors`; files are opened once per process and shared by
clones. A pickled fitted estimator holds its fitted state, the vectors'
path and their fingerprint; unpickling reopens the path and refuses
vectors other than the training ones with ``ValueError``.
"""

import os

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils.validation import check_is_fitted

from ._embed_tl import Featurizer, Model, Vectors
from ._embed_tl import fit as _fit
from ._embed_tl import stratified_folds as _stratified_folds

__all__ = ["EmbedClassifier", "EmbedTransformer", "StratifiedFolds", "open_vectors"]

_OPENED = {}
_OPENED_MAX = 4


def open_vectors(vectors, format=None, encoding=None):
    """The :class:`embed_tl.Vectors` for ``vectors`` (a path or Vectors).

    A path is opened with ``format`` and ``encoding`` (see
    :meth:`embed_tl.Vectors.open`) once per process and kept while the file
    is unchanged (same size and modification time), so the clones that
    cross-validation makes share one copy (a ``.fifu`` file is
    memory-mapped anyway). A Vectors object is returned as it is.
    """
    if isinstance(vectors, Vectors):
        return vectors
    if vectors is None:
        raise ValueError(
            "vectors=None: give the path of a vector file (or an embed_tl.Vectors), "
            "or use features='ngrams'"
        )
    path = os.fspath(vectors)
    try:
        st = os.stat(path)
    except OSError:
        # The library's message (the one the CLI prints).
        return Vectors.open(path, format=format, encoding=encoding)
    key = (os.path.realpath(path), format, encoding, st.st_mtime_ns, st.st_size)
    opened = _OPENED.get(key)
    if opened is None:
        opened = Vectors.open(path, format=format, encoding=encoding)
        while len(_OPENED) >= _OPENED_MAX:
            _OPENED.pop(next(iter(_OPENED)))
        _OPENED[key] = opened
    return opened


def _open(estimator, source=None):
    """The estimator's vectors (or ``source``), opened with its
    ``vectors_format`` and ``vectors_encoding``."""
    source = estimator.vectors if source is None else source
    return open_vectors(source, estimator.vectors_format, estimator.vectors_encoding)


def _path_of(vectors):
    if vectors is None:
        return None
    if isinstance(vectors, Vectors):
        return os.fspath(vectors.path)
    return os.fspath(vectors)


def _texts(X):
    """``X`` as a list or tuple of texts: a 1-D sequence. The native calls
    check that each item is a str (``TypeError: text 1 is a int, not a
    str``) as they read them, without a pass in Python."""
    if isinstance(X, (str, bytes)):
        raise TypeError("expected a sequence of texts, got one str (wrap it in a list)")
    ndim = getattr(X, "ndim", 1)
    if ndim != 1:
        raise ValueError(
            f"expected a 1-D sequence of texts, got an array of shape {getattr(X, 'shape', '?')}"
        )
    return X if isinstance(X, (list, tuple)) else list(X)


def _check_fingerprint(estimator, vectors, expected, path):
    try:
        vectors.check_fingerprint(expected)
    except ValueError as e:
        raise ValueError(f"{type(estimator).__name__} fitted on other vectors: {path}: {e}") from None


class _TextInput:
    """Tags for estimators whose X is a list of texts (scikit-learn >= 1.6)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


class EmbedTransformer(_TextInput, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Texts to pooled word-vector features (``embed-tl embed``).

    Parameters
    ----------
    vectors : str, path or embed_tl.Vectors
        The vector file (any format the CLI reads).
    pool : str, default "pmeans"
        The CLI's ``--pool``: ``mean``, ``max``, ``min``,
        ``pmeans[:min,mean,max,3]`` (the means concatenated), ``idf``,
        ``sif[:a]``. ``idf`` and ``sif`` learn corpus statistics in ``fit``;
        the others learn nothing.
    unit : bool, default False
        Pool unit-length word vectors instead of the file's originals.
    normalize : bool, default False
        L2-normalise each text's features.
    vectors_format : str or None, default None
        Read the file as this format instead of sniffing it (the CLI's
        ``--vectors-format``).
    vectors_encoding : str or None, default None
        The encoding of the words in the vector file (the CLI's
        ``--vectors-encoding``): ``utf-8`` (None), ``cp852``, ``cp1252``
        or ``latin-1``.

    Attributes
    ----------
    featurizer_ : embed_tl.Featurizer
        The fitted featurizer.
    vectors_fingerprint_ : str
        The fitted vectors' fingerprint (JSON).
    """

    def __init__(
        self,
        vectors=None,
        pool="pmeans",
        unit=False,
        normalize=False,
        vectors_format=None,
        vectors_encoding=None,
    ):
        self.vectors = vectors
        self.pool = pool
        self.unit = unit
        self.normalize = normalize
        self.vectors_format = vectors_format
        self.vectors_encoding = vectors_encoding

    def fit(self, X, y=None):
        """Fit the pooling on texts ``X`` (``y`` is ignored)."""
        texts = _texts(X)
        vectors = _open(self)
        self.featurizer_ = Featurizer.fit(
            texts, vectors, pool=self.pool, unit=self.unit, normalize=self.normalize
        )
        self.vectors_fingerprint_ = vectors.fingerprint()
        self._n_features_out = self.featurizer_.width
        return self

    def transform(self, X):
        """Features of texts ``X``: float32, shape (len(X), width)."""
        check_is_fitted(self, "featurizer_")
        vectors = _open(self)
        _check_fingerprint(self, vectors, self.vectors_fingerprint_, _path_of(self.vectors))
        return self.featurizer_.transform(_texts(X), vectors)

    def __getstate__(self):
        state = dict(super().__getstate__())
        if "featurizer_" in state:
            state["featurizer_"] = state["featurizer_"].to_bytes()
            state["_vectors_path"] = _path_of(self.vectors)
        return state

    def __setstate__(self, state):
        state = dict(state)
        fitted = state.pop("featurizer_", None)
        path = state.pop("_vectors_path", None)
        super().__setstate__(state)
        if fitted is not None:
            self.featurizer_ = Featurizer.from_bytes(fitted)
            source = self.vectors if isinstance(self.vectors, Vectors) else path
            vectors = _open(self, source)
            _check_fingerprint(self, vectors, self.vectors_fingerprint_, path)


class EmbedClassifier(_TextInput, ClassifierMixin, BaseEstimator):
    """The ``embed-tl classify`` model as a scikit-learn classifier.

    With the same texts, labels, settings and seed it fits the model that
    ``embed-tl classify --save`` writes, byte for byte.

    Parameters
    ----------
    vectors : str, path, embed_tl.Vectors or None
        The vector file; not needed with ``features="ngrams"``.
    features : str, default "both"
        ``vectors`` (pooled frozen vectors), ``ngrams`` (word + bigram
        TF-IDF from the labels alone) or ``both`` in one linear model.
    pool : str, default "pmeans"
        Pooling of the vector channel (the CLI's ``--pool``).
    unit : bool, default False
        Pool unit-length word vectors.
    cs : sequence of float or None
        Candidate L2 strengths (default 0.01, 0.1, 1, 10, 100).
    betas : sequence of float or None
        Candidate weights of the vector channel with ``features="both"``
        (default 0.03, 0.1, 0.3, 1).
    inner_folds : int, default 3
        Folds of the inner cross-validation that chooses C and beta.
    seed : int, default 42
        Seed of every shuffle.
    max_iter : int, default 300
        Newton-step limit per fit (the trust-region Newton solver of logistic regression).
    class_weight : str, default "none"
        ``none`` (each text counts once) or ``balanced`` (a text of class k
        counts ``n / (classes * n_k)``): the CLI's ``--class-weight``.
    select_by : str, default "auto"
        What ranks the inner cross-validation's points: ``auto``,
        ``accuracy``, ``log-loss`` or ``macro-f1`` (the CLI's
        ``--select-by``).
    finetune : str or bool, default "auto"
        Blend in a tuned layer (fine-tuned word vectors, its weight chosen
        by the inner cross-validation): ``auto`` on fewer than 2,000
        training texts holding fewer than 50,000 tokens, ``on`` (True) or
        ``off`` (False); the CLI's ``--finetune``.
    vectors_format : str or None, default None
        Read the vector file as this format instead of sniffing it (the
        CLI's ``--vectors-format``).
    vectors_encoding : str or None, default None
        The encoding of the words in the vector file (the CLI's
        ``--vectors-encoding``): ``utf-8`` (None), ``cp852``, ``cp1252``
        or ``latin-1``.

    Attributes
    ----------
    classes_ : ndarray
        The labels, sorted (``predict_proba``'s column order).
    model_ : embed_tl.Model
        The fitted model (``model_.save(path)`` writes it for the CLI).
    vectors_fingerprint_ : str or None
        The training vectors' fingerprint (JSON); None for n-grams only.
    """

    def __init__(
        self,
        vectors=None,
        features="both",
        pool="pmeans",
        unit=False,
        cs=None,
        betas=None,
        inner_folds=3,
        seed=42,
        max_iter=300,
        class_weight="none",
        select_by="auto",
        finetune="auto",
        vectors_format=None,
        vectors_encoding=None,
    ):
        self.vectors = vectors
        self.features = features
        self.pool = pool
        self.unit = unit
        self.cs = cs
        self.betas = betas
        self.inner_folds = inner_folds
        self.seed = seed
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.select_by = select_by
        self.finetune = finetune
        self.vectors_format = vectors_format
        self.vectors_encoding = vectors_encoding

    def fit(self, X, y):
        """Fit on texts ``X`` and labels ``y`` (strings, or any sortable labels)."""
        texts = _texts(X)
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"expected 1-D labels, got an array of shape {y.shape}")
        if len(y) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(y)} labels")
        classes, ids = np.unique(y, return_inverse=True)
        names = [str(c) for c in classes]
        if len(set(names)) != len(names):
            raise ValueError(f"labels {list(classes)} are not distinct as strings")
        vectors = None
        if self.features != "ngrams" or self.vectors is not None:
            vectors = _open(self)
        self.model_ = _fit(
            texts,
            [names[i] for i in ids.ravel()],
            vectors,
            classes=names,
            features=self.features,
            pool=self.pool,
            unit=self.unit,
            cs=None if self.cs is None else [float(c) for c in self.cs],
            betas=None if self.betas is None else [float(b) for b in self.betas],
            inner_folds=self.inner_folds,
            seed=self.seed,
            max_iter=self.max_iter,
            class_weight=self.class_weight,
            select_by=self.select_by,
            finetune=self.finetune,
        )
        self.classes_ = classes
        self.vectors_fingerprint_ = self.model_.fingerprint()
        return self

    def _vectors(self):
        if self.vectors_fingerprint_ is None:
            return None
        return _open(self)

    def predict_proba(self, X):
        """Class probabilities: float32, shape (len(X), len(classes_))."""
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(_texts(X), self._vectors())

    def predict(self, X):
        """The most probable label of each text."""
        check_is_fitted(self, "model_")
        ids = self.model_.predict_indices(_texts(X), self._vectors())
        return self.classes_[np.asarray(ids, dtype=np.intp)]

    def save(self, path):
        """Write the fitted model for ``embed-tl predict --model PATH``."""
        check_is_fitted(self, "model_")
        self.model_.save(path)

    def __getstate__(self):
        state = dict(super().__getstate__())
        if "model_" in state:
            state["model_"] = state["model_"].to_bytes()
            state["_vectors_path"] = _path_of(self.vectors)
        return state

    def __setstate__(self, state):
        state = dict(state)
        fitted = state.pop("model_", None)
        path = state.pop("_vectors_path", None)
        super().__setstate__(state)
        if fitted is not None:
            self.model_ = Model.from_bytes(fitted)
            if self.vectors_fingerprint_ is not None:
                source = self.vectors if isinstance(self.vectors, Vectors) else path
                vectors = _open(self, source)
                _check_fingerprint(self, vectors, self.vectors_fingerprint_, path)


class StratifiedFolds(BaseCrossValidator):
    """The folds of ``embed-tl classify --folds N --seed S`` as a splitter.

    The rows of each class are shuffled (seeded, ChaCha8) and dealt
    round-robin to the folds, the deal continuing across classes in the
    CLI's class order (the labels sorted as strings), by the library's own
    ``stratified_folds``; so with the same labels, ``n_splits`` and ``seed``
    the test indices are exactly the CLI's outer folds. A class with fewer
    rows than folds is held out in as many folds as it has rows (no error,
    unlike scikit-learn's ``StratifiedKFold``).

    Parameters
    ----------
    n_splits : int, default 10
        Number of folds, at least 2 (the CLI's ``--folds``).
    seed : int, default 42
        Seed of the shuffle (the CLI's ``--seed``).
    """

    def __init__(self, n_splits=10, seed=42):
        self.n_splits = n_splits
        self.seed = seed

    def get_n_splits(self, X=None, y=None, groups=None):
        """The number of folds."""
        return self.n_splits

    def _folds(self, X, y):
        if y is None:
            raise ValueError("StratifiedFolds needs the labels y")
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"expected 1-D labels, got an array of shape {y.shape}")
        if X is not None and len(X) != len(y):
            raise ValueError(f"{len(X)} texts but {len(y)} labels")
        # The CLI's class indices: the label names sorted (as str, by code
        # point, which is Rust's byte order of UTF-8).
        _, ids = np.unique(np.array([str(v) for v in y], dtype=object).astype(str), return_inverse=True)
        return _stratified_folds([int(i) for i in ids.ravel()], int(self.n_splits), int(self.seed))

    def split(self, X, y=None, groups=None):
        """Yield (train, test) index arrays, one pair per fold, both sorted."""
        n = len(y) if y is not None else 0
        folds = self._folds(X, y)
        for held in folds:
            test = np.asarray(held, dtype=np.intp)
            mask = np.ones(n, dtype=bool)
            mask[test] = False
            yield np.flatnonzero(mask), test

    def _iter_test_indices(self, X=None, y=None, groups=None):
        for held in self._folds(X, y):
            yield np.asarray(held, dtype=np.intp)
