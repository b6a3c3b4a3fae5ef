"""Models move between Python and the CLI in both directions, unchanged."""

import csv
import json
import subprocess

import numpy as np
import pytest

import embed_tl
from conftest import DATA, REVIEWS, VECTORS, _find_binary


@pytest.fixture(scope="module")
def py_model(vectors, reviews):
    texts, labels = reviews
    return embed_tl.fit(texts, labels, vectors)


def test_fit_in_python_is_the_cli_model_byte_for_byte(cli_model, py_model, tmp_path):
    path = tmp_path / "py.etl"
    py_model.save(path)
    assert path.read_bytes() == cli_model.read_bytes()


def test_class_weights_and_the_selection_metric_match_the_cli(cli, vectors, reviews, tmp_path):
    # An uneven set (60 negative, 15 positive reviews): balanced class
    # weights and selection by macro-F1 give the CLI's model, byte for byte.
    texts, labels = reviews
    neg = [i for i, label in enumerate(labels) if label == "neg"][:60]
    pos = [i for i, label in enumerate(labels) if label == "pos"][:15]
    rows = sorted(neg + pos)
    train = tmp_path / "uneven.csv"
    with open(train, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows([texts[i], labels[i]] for i in rows)
    cli_path = tmp_path / "cli.etl"
    flags = ["--class-weight", "balanced", "--select-by", "macro-f1"]
    cli("classify", "--vectors", VECTORS, "--train", train, "--test", train, "--save", cli_path, *flags)
    model = embed_tl.fit(
        [texts[i] for i in rows],
        [labels[i] for i in rows],
        vectors,
        class_weight="balanced",
        select_by="macro-f1",
    )
    py_path = tmp_path / "py.etl"
    model.save(py_path)
    assert py_path.read_bytes() == cli_path.read_bytes()
    plain = embed_tl.fit([texts[i] for i in rows], [labels[i] for i in rows], vectors)
    plain_path = tmp_path / "plain.etl"
    plain.save(plain_path)
    assert plain_path.read_bytes() != py_path.read_bytes()
    # A tuned layer too: the same model as `classify --finetune`.
    tuned_cli = tmp_path / "tuned-cli.etl"
    cli("classify", "--vectors", VECTORS, "--train", train, "--test", train, "--save", tuned_cli, "--finetune")
    tuned = embed_tl.fit([texts[i] for i in rows], [labels[i] for i in rows], vectors, finetune=True)
    tuned_path = tmp_path / "tuned-py.etl"
    tuned.save(tuned_path)
    assert tuned_path.read_bytes() == tuned_cli.read_bytes()
    np.testing.assert_array_equal(
        embed_tl.load_model(tuned_path).predict_proba(texts[:50], vectors),
        tuned.predict_proba(texts[:50], vectors),
    )
    with pytest.raises(ValueError, match="expected none or balanced"):
        embed_tl.fit(texts[:20], labels[:20], vectors, class_weight="heavy")
    with pytest.raises(ValueError, match="macro-f1"):
        embed_tl.fit(texts[:20], labels[:20], vectors, select_by="f1")


def test_finetune_auto_is_the_cli_default(cli, vectors, reviews, tmp_path):
    # On the first 75 reviews the inner folds give a tuned layer weight
    # 0.25: the default ("auto": fewer than 2,000 texts) keeps it, as
    # `classify` does by default and as finetune=True and "on" do;
    # "off" and False leave it out.
    texts, labels = reviews
    texts, labels = texts[:75], labels[:75]
    train = tmp_path / "train.csv"
    with open(train, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(zip(texts, labels))
    cli_path = tmp_path / "cli.etl"
    cli("classify", "--vectors", VECTORS, "--train", train, "--test", train, "--save", cli_path)

    def saved(name, **kw):
        path = tmp_path / name
        embed_tl.fit(texts, labels, vectors, **kw).save(path)
        return path.read_bytes()

    auto = saved("auto.etl")
    assert auto == cli_path.read_bytes()
    assert json.loads(auto)["version"] == 4
    assert auto == saved("true.etl", finetune=True) == saved("on.etl", finetune="on")
    assert saved("auto2.etl", finetune="auto") == auto
    off = saved("off.etl", finetune="off")
    assert off == saved("false.etl", finetune=False) != auto
    assert json.loads(off)["version"] == 1
    with pytest.raises(ValueError, match="expected auto, on or off"):
        embed_tl.fit(texts[:20], labels[:20], vectors, finetune="yes")
    with pytest.raises(TypeError, match="finetune must be"):
        embed_tl.fit(texts[:20], labels[:20], vectors, finetune=1)


def test_a_cli_model_predicts_in_python_as_the_fit_one(cli_model, py_model, vectors, reviews):
    texts, _ = reviews
    model = embed_tl.load_model(cli_model)
    assert model.classes == ["neg", "pos"] == py_model.classes
    assert model.features == "both"
    proba = model.predict_proba(texts, vectors)
    assert proba.dtype == np.float32 and proba.shape == (len(texts), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(proba, py_model.predict_proba(texts, vectors))
    assert model.predict(texts, vectors) == py_model.predict(texts, vectors)


def test_a_python_model_is_scored_by_embed_tl_predict(py_model, vectors, reviews, cli, tmp_path):
    texts, _ = reviews
    model_path = tmp_path / "py.etl"
    py_model.save(model_path)
    out = tmp_path / "scored.csv"
    cli("predict", "--model", model_path, "--vectors", VECTORS, "--input", REVIEWS, "--output", out, "--proba")
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["label"] for r in rows] == py_model.predict(texts, vectors)
    proba = py_model.predict_proba(texts, vectors)
    got = np.array([[float(r["p_neg"]), float(r["p_pos"])] for r in rows], dtype=np.float32)
    np.testing.assert_allclose(got, proba, atol=1e-4)


def test_blank_mask_marks_the_texts_embed_tl_predict_counts(py_model, vectors, tmp_path):
    texts = ["A wonderful film, I loved it", "zzqxv qqzzxw", "terrible acting", "!!! ???", "xkcdqq", ""]
    mask = py_model.blank_mask(texts, vectors)
    assert mask.dtype == np.bool_
    assert mask.tolist() == [False, True, False, False, True, True]
    proba = py_model.predict_proba(texts, vectors)
    np.testing.assert_array_equal(proba[1], proba[5])
    assert not np.array_equal(proba[3], proba[5])
    # The CLI counts the same texts (its warning, so without -q).
    model_path = tmp_path / "py.etl"
    py_model.save(model_path)
    with open(tmp_path / "in.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["text"], *([t] for t in texts)])
    args = ["predict", "--model", model_path, "--vectors", VECTORS, "--input", "in.csv", "--output", "-"]
    done = subprocess.run([str(_find_binary()), *map(str, args)], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "in.csv: 3 of 6 texts had nothing the model knows" in done.stderr
    with pytest.raises(ValueError, match="vectors"):
        py_model.blank_mask(texts)


def test_same_seed_same_model_other_seed_other_selection_folds(vectors, reviews):
    texts, labels = reviews
    a = embed_tl.fit(texts[:300], labels[:300], vectors, features="vectors", pool="mean", seed=7)
    b = embed_tl.fit(texts[:300], labels[:300], vectors, features="vectors", pool="mean", seed=7)
    assert a.to_bytes() == b.to_bytes()


def test_ngram_models_need_no_vectors(reviews):
    texts, labels = reviews
    model = embed_tl.fit(texts, labels, features="ngrams")
    assert model.fingerprint() is None
    accuracy = np.mean(np.array(model.predict(texts)) == np.array(labels))
    assert accuracy > 0.9  # training accuracy of word + bigram TF-IDF


def test_bad_inputs_are_python_errors(vectors, reviews, py_model, tmp_path, cli):
    texts, labels = reviews
    with pytest.raises(ValueError, match="features 'both' need word vectors"):
        embed_tl.fit(texts, labels)
    with pytest.raises(ValueError, match="a classifier needs at least 2"):
        embed_tl.fit(texts[:5], ["pos"] * 5, vectors)
    with pytest.raises(ValueError, match="3 texts but 2 labels"):
        embed_tl.fit(texts[:3], labels[:2], vectors)
    with pytest.raises(ValueError, match="unknown feature set 'all'"):
        embed_tl.fit(texts, labels, vectors, features="all")
    with pytest.raises(ValueError, match="C candidate -1 is out of range"):
        embed_tl.fit(texts, labels, vectors, cs=[-1.0])
    with pytest.raises(ValueError, match="label 0 'x' is not one of the classes: neg, pos"):
        embed_tl.fit(texts[:1], ["x"], vectors, classes=["neg", "pos"])
    with pytest.raises(TypeError, match="got one str"):
        py_model.predict("one text, not a list", vectors)
    with pytest.raises(ValueError, match="needs the 50-d word vectors it was trained with"):
        py_model.predict(texts[:2])
    other = embed_tl.Vectors.open(DATA / "glove-samples" / "glove.6B.100d.sample.txt.gz")
    with pytest.raises(ValueError, match="not the ones the model was trained with"):
        py_model.predict_proba(texts[:2], other)
    with pytest.raises(ValueError, match="not the ones the model was trained with"):
        py_model.check_vectors(other)


def test_load_errors_are_the_cli_s(tmp_path, cli):
    with pytest.raises(FileNotFoundError, match="missing.etl: No such file"):
        embed_tl.load_model(tmp_path / "missing.etl")
    bad = tmp_path / "bad.etl"
    for content, message in [
        ("", "empty file: not an embed-tl model"),
        ('{"format": "embed-tl-model", "version": 1', "ends early (truncated?)"),
        ('{"format": "embed-tl-model", "version": 9}', "model format version 9"),
    ]:
        bad.write_text(content)
        with pytest.raises(embed_tl.MalformedFileError) as err:
            embed_tl.load_model(bad)
        assert message in str(err.value)
        assert str(err.value).startswith(str(bad))
        # The CLI says the same of the same file.
        done = cli("predict", "--model", bad, "--vectors", VECTORS, "--input", REVIEWS,
                   "--output", tmp_path / "o.csv", check=False)
        assert done.returncode != 0 and str(err.value) in done.stderr


def test_save_replaces_atomically_and_reports_errors(py_model, tmp_path):
    path = tmp_path / "m.etl"
    path.write_text("old")
    py_model.save(path)
    assert embed_tl.load_model(path).to_bytes() == py_model.to_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["m.etl"]
    with pytest.raises(FileNotFoundError, match="no-dir"):
        py_model.save(tmp_path / "no-dir" / "m.etl")


def test_model_pickles(py_model, vectors, reviews):
    import pickle

    texts, _ = reviews
    again = pickle.loads(pickle.dumps(py_model))
    np.testing.assert_array_equal(again.predict_proba(texts[:50], vectors), py_model.predict_proba(texts[:50], vectors))
