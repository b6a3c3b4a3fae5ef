"""embed_tl.sklearn: real scikit-learn estimators, the CLI's numbers."""

import os
import pickle
import shutil
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

import embed_tl
from conftest import DATA, REVIEWS, VECTORS
from embed_tl.sklearn import EmbedClassifier, EmbedTransformer

SAMPLE_100D = DATA / "glove-samples" / "glove.6B.100d.sample.txt.gz"


def subset(reviews, n):
    """The first n/2 texts of each class (the file is not sorted by label)."""
    texts, labels = reviews
    picked = [i for i, l in enumerate(labels) if l == "neg"][: n // 2]
    picked += [i for i, l in enumerate(labels) if l == "pos"][: n // 2]
    return [texts[i] for i in picked], np.array([labels[i] for i in picked])


@pytest.mark.parametrize("pool", ["mean", "pmeans", "sif"])
def test_transform_is_embed_tl_embed(pool, reviews, cli, tmp_path):
    texts, _ = reviews
    out = tmp_path / "x.npy"
    cli("embed", "--vectors", VECTORS, "--input", REVIEWS, "--pool", pool, "--output", out)
    want = np.load(out)
    got = EmbedTransformer(vectors=str(VECTORS), pool=pool).fit_transform(texts)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_plain_pools_learn_nothing_sif_learns(reviews):
    texts, _ = reviews
    probe = texts[:20]
    mean_a = EmbedTransformer(vectors=VECTORS, pool="mean").fit(texts[:100]).transform(probe)
    mean_b = EmbedTransformer(vectors=VECTORS, pool="mean").fit(texts[-100:]).transform(probe)
    np.testing.assert_array_equal(mean_a, mean_b)
    sif_a = EmbedTransformer(vectors=VECTORS, pool="sif").fit(texts[:100]).transform(probe)
    sif_b = EmbedTransformer(vectors=VECTORS, pool="sif").fit(texts[-100:]).transform(probe)
    assert not np.array_equal(sif_a, sif_b)


def test_params_clone_and_feature_names():
    t = EmbedTransformer(vectors=VECTORS, pool="max")
    assert t.get_params() == {"vectors": VECTORS, "pool": "max", "unit": False,
                              "normalize": False, "vectors_format": None,
                              "vectors_encoding": None}
    assert clone(t.set_params(pool="min")).get_params()["pool"] == "min"
    t.fit(["a good film"])
    names = t.get_feature_names_out()
    assert len(names) == 50 and names[0] == "embedtransformer0"
    c = EmbedClassifier(vectors=embed_tl.Vectors.open(VECTORS), cs=(1.0, 10.0))
    cloned = clone(c)
    assert cloned.vectors is c.vectors and cloned.cs == (1.0, 10.0)


def test_transformer_in_a_pipeline_with_cross_val_score(reviews):
    texts, labels = subset(reviews, 600)
    pipe = make_pipeline(EmbedTransformer(vectors=VECTORS, pool="mean"), LogisticRegression(max_iter=1000))
    scores = cross_val_score(pipe, texts, labels, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.7


def test_classifier_is_the_cli_model(reviews, cli_model, vectors):
    texts, labels = reviews
    clf = EmbedClassifier(vectors=str(VECTORS)).fit(texts, labels)
    assert list(clf.classes_) == ["neg", "pos"]
    assert clf.model_.to_bytes() == cli_model.read_bytes()
    cli = embed_tl.load_model(cli_model)
    assert list(clf.predict(texts)) == cli.predict(texts, vectors)
    np.testing.assert_array_equal(clf.predict_proba(texts), cli.predict_proba(texts, vectors))


def test_cross_val_score_is_the_fit_on_each_fold(reviews):
    texts, labels = subset(reviews, 400)
    params = dict(features="vectors", pool="mean", cs=[0.1, 1.0])
    folds = StratifiedKFold(n_splits=4, shuffle=True, random_state=0)
    scores = cross_val_score(EmbedClassifier(vectors=VECTORS, **params), texts, labels, cv=folds)
    v = embed_tl.Vectors.open(VECTORS)
    by_hand = []
    for train, test in folds.split(texts, labels):
        model = embed_tl.fit([texts[i] for i in train], list(labels[train]), v, **params)
        predicted = model.predict([texts[i] for i in test], v)
        by_hand.append(np.mean(np.array(predicted) == labels[test]))
    np.testing.assert_array_equal(scores, by_hand)
    assert scores.mean() > 0.7


def test_grid_search_over_pools(reviews):
    texts, labels = subset(reviews, 300)
    search = GridSearchCV(
        EmbedClassifier(vectors=VECTORS, features="vectors", cs=[1.0]),
        {"pool": ["mean", "max"]},
        cv=3,
    )
    search.fit(texts, labels)
    assert len(search.cv_results_["mean_test_score"]) == 2
    assert search.best_params_["pool"] in ("mean", "max")
    assert set(search.predict(texts[:10])) <= {"neg", "pos"}


def test_labels_of_any_sortable_type(reviews):
    texts, labels = subset(reviews, 100)
    y = np.where(labels == "pos", 1, 0)
    clf = EmbedClassifier(features="ngrams").fit(texts, y)
    assert clf.classes_.tolist() == [0, 1] and clf.vectors_fingerprint_ is None
    predicted = clf.predict(texts)
    assert predicted.dtype == y.dtype
    assert clf.score(texts, y) > 0.9


def test_pickles_refit_nothing_and_refuse_other_vectors(reviews, tmp_path):
    texts, labels = subset(reviews, 200)
    path = tmp_path / "v.fifu"
    shutil.copy(VECTORS, path)
    clf = EmbedClassifier(vectors=str(path), features="vectors", pool="mean").fit(texts, labels)
    tr = EmbedTransformer(vectors=str(path), pool="sif").fit(texts)
    blobs = pickle.dumps(clf), pickle.dumps(tr)
    clf2, tr2 = map(pickle.loads, blobs)
    np.testing.assert_array_equal(clf2.predict_proba(texts), clf.predict_proba(texts))
    np.testing.assert_array_equal(tr2.transform(texts), tr.transform(texts))
    assert clf2.model_.to_bytes() == clf.model_.to_bytes()
    shutil.copy(SAMPLE_100D, path)  # other vectors at the same path
    for blob, name in zip(blobs, ["EmbedClassifier", "EmbedTransformer"]):
        with pytest.raises(ValueError, match=f"{name} fitted on other vectors: .*v.fifu: these vectors are not the ones"):
            pickle.loads(blob)
    with pytest.raises(ValueError, match="not the ones the model was trained with"):
        clf.predict(texts[:2])


def test_bad_inputs(reviews):
    texts, labels = subset(reviews, 40)
    with pytest.raises(NotFittedError):
        EmbedClassifier(vectors=VECTORS).predict(texts)
    with pytest.raises(TypeError, match="got one str"):
        EmbedTransformer(vectors=VECTORS).fit("a text")
    with pytest.raises(TypeError, match="text 1 is a int, not a str"):
        EmbedTransformer(vectors=VECTORS).fit(["a text", 3])
    with pytest.raises(ValueError, match="1-D sequence of texts"):
        EmbedTransformer(vectors=VECTORS).fit(np.array([["a"], ["b"]]))
    with pytest.raises(ValueError, match="unknown pooling .median.: expected mean"):
        EmbedTransformer(vectors=VECTORS, pool="median").fit(texts)
    with pytest.raises(ValueError, match="vectors=None"):
        EmbedClassifier().fit(texts, labels)
    with pytest.raises(FileNotFoundError, match="nope.fifu: No such file"):
        EmbedClassifier(vectors="nope.fifu").fit(texts, labels)
    with pytest.raises(ValueError, match="40 texts but 3 labels"):
        EmbedClassifier(vectors=VECTORS).fit(texts, labels[:3])


def test_tags_say_text_input():
    from sklearn.utils import get_tags

    for est in (EmbedClassifier(), EmbedTransformer()):
        tags = get_tags(est)
        assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert get_tags(EmbedClassifier()).estimator_type == "classifier"


CP852 = DATA / "gensim" / "cp852_fasttext.bin"


def test_vectors_encoding_is_the_cli_s(cli, tmp_path):
    # Czech words in a code page 852 fastText model: the transformer with
    # vectors_encoding="cp852" gives `embed --vectors-encoding cp852`.
    texts = ["který více", "xyzzy", "jen podle zde"]
    (tmp_path / "t.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
    out = tmp_path / "x.npy"
    cli("embed", "--vectors", CP852, "--vectors-encoding", "cp852", "--input", tmp_path / "t.txt",
        "--pool", "mean", "--output", out)
    t = EmbedTransformer(vectors=str(CP852), pool="mean", vectors_encoding="cp852")
    assert t.get_params()["vectors_encoding"] == "cp852"
    got = t.fit_transform(texts)
    np.testing.assert_array_equal(got, np.load(out))
    again = pickle.loads(pickle.dumps(t))
    np.testing.assert_array_equal(again.transform(texts), got)
    with pytest.raises(embed_tl.MalformedFileError, match="--vectors-encoding"):
        EmbedTransformer(vectors=str(CP852), pool="mean").fit(texts)
    with pytest.raises(ValueError, match="unknown vector encoding 'cp-852'"):
        EmbedTransformer(vectors=str(CP852), vectors_encoding="cp-852").fit(texts)


def test_classifier_pickle_reopens_with_its_encoding(tmp_path):
    texts = ["který více", "jen podle", "více zde", "podle jen"] * 5
    labels = ["a", "b", "a", "b"] * 5
    path = tmp_path / "cp852.bin"
    shutil.copy(CP852, path)
    clf = EmbedClassifier(vectors=str(path), vectors_encoding="cp852", features="vectors",
                          pool="mean", cs=[1.0], inner_folds=2).fit(texts, labels)
    assert clf.get_params()["vectors_encoding"] == "cp852"
    blob = pickle.dumps(clf)
    again = pickle.loads(blob)
    np.testing.assert_array_equal(again.predict_proba(texts), clf.predict_proba(texts))
    # The same file read as another code page gives other words: the
    # fingerprint check refuses them.
    with pytest.raises(ValueError, match="not the ones the model was trained with"):
        clf.set_params(vectors_encoding="latin-1").predict(texts)


def test_texts_of_any_sequence_are_read_as_the_list_is(reviews):
    texts, _ = reviews
    texts = texts[:50]
    t = EmbedTransformer(vectors=VECTORS, pool="mean").fit(texts)
    want = t.transform(texts)
    for other in (tuple(texts), np.array(texts), np.array(texts, dtype=object), iter(texts)):
        np.testing.assert_array_equal(t.transform(other), want)
    f = embed_tl.Featurizer.fit(texts, embed_tl.Vectors.open(VECTORS), pool="mean")
    np.testing.assert_array_equal(f.transform((t for t in texts), embed_tl.Vectors.open(VECTORS)), want)


@pytest.mark.parametrize("pool", ["mean", "sif"])  # sif reads the texts in fit, mean only checks them
def test_a_text_that_is_not_a_str_is_named(pool):
    v = embed_tl.Vectors.open(VECTORS)
    with pytest.raises(TypeError, match="text 2 is a bytes, not a str"):
        embed_tl.Featurizer.fit(["a", "b", b"c"], v, pool=pool)
    f = embed_tl.Featurizer.fit(["a good film"], v, pool=pool)
    with pytest.raises(TypeError, match="text 1 is a NoneType, not a str"):
        f.transform(["a", None], v)
    with pytest.raises(TypeError, match="got one str"):
        f.transform("a text", v)
    with pytest.raises(TypeError, match="text 0 is a float, not a str"):
        EmbedTransformer(vectors=VECTORS, pool=pool).fit([float("nan")])


def test_texts_are_read_as_their_utf8(tmp_path):
    # The strs are read where Python keeps their UTF-8 (src/text.rs), as
    # compact ASCII, as 1-, 2- and 4-byte-per-character strs: a list (read
    # while featurising), an iterator (read first) and each text alone give
    # the same rows.
    texts = ["a good film", "un café crème", "naïve \u4e2d\u6587 film", "good \U0001f600 bad", ""]
    path = tmp_path / "texts.txt"
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    v = embed_tl.Vectors.open(VECTORS)
    f = embed_tl.Featurizer.fit(texts, v, pool="mean")
    want = f.transform(iter(texts), v)
    np.testing.assert_array_equal(f.transform(texts, v), want)
    for i, text in enumerate(texts):
        np.testing.assert_array_equal(f.transform([text], v)[0], want[i])
    assert np.abs(want[0] - want[1]).max() > 0  # not all rows alike


def test_a_text_that_is_not_valid_unicode_is_an_error():
    # A lone surrogate has no UTF-8: Python's UnicodeEncodeError, no crash.
    v = embed_tl.Vectors.open(VECTORS)
    f = embed_tl.Featurizer.fit(["a good film"], v, pool="mean")
    for texts in (["a", "bad \ud800 text"], iter(["a", "bad \ud800 text"])):
        with pytest.raises(UnicodeEncodeError, match="surrogates not allowed"):
            f.transform(texts, v)
    with pytest.raises(UnicodeEncodeError):
        embed_tl.Featurizer.fit(["bad \udfff"], v, pool="sif")


def test_features_do_not_depend_on_the_number_of_threads(reviews, tmp_path):
    # Rows are pooled in fixed chunks of texts, each row from its text alone.
    code = (
        "import sys, numpy as np, csv\n"
        "from embed_tl.sklearn import EmbedTransformer\n"
        "texts = [r['text'] for r in csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8'))] * 3\n"
        "np.save(sys.argv[3], EmbedTransformer(vectors=sys.argv[2], pool=sys.argv[4]).fit_transform(texts))\n"
    )
    for pool in ("mean", "pmeans"):
        outs = []
        for threads in ("1", "2", "3"):
            out = tmp_path / f"{pool}-{threads}.npy"
            env = dict(os.environ, RAYON_NUM_THREADS=threads)
            done = subprocess.run([sys.executable, "-c", code, REVIEWS, VECTORS, out, pool],
                                  env=env, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            outs.append(np.load(out))
        assert outs[0].shape[0] == 3 * len(reviews[0])
        for other in outs[1:]:
            assert outs[0].tobytes() == other.tobytes()
