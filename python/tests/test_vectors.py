"""embed_tl.Vectors against the files' original tools and the CLI."""

import pickle

import numpy as np
import pytest

import embed_tl
from conftest import DATA, VECTORS, cli_json


def read_word_vectors(path):
    """`word v1 v2 ...` lines, as fastText's print-word-vectors or gensim write them."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, *values = line.split(" ")
        out[word] = np.array([float(x) for x in values if x], dtype=np.float32)
    return out


def test_shape_words_and_dtype(vectors):
    assert len(vectors) == 50_000
    assert vectors.dims == 50
    assert vectors.format == "fifu"
    words = vectors.words()
    assert len(words) == 50_000 and words[:3] == ["the", ",", "."]
    king = vectors["king"]
    assert isinstance(king, np.ndarray) and king.dtype == np.float32 and king.shape == (50,)


def test_values_are_the_glove_file_values():
    # The same words read from a sample of the original GloVe text file and
    # from the fifu the repository ships (converted from the same file).
    sample = embed_tl.Vectors.open(DATA / "glove-samples" / "glove.6B.100d.sample.txt.gz")
    assert sample.format == "glove" and sample.dims == 100
    import gzip

    with gzip.open(DATA / "glove-samples" / "glove.6B.100d.sample.txt.gz", "rt", encoding="utf-8") as f:
        first = f.readline().split(" ")
    assert first[0] == "the"
    np.testing.assert_array_equal(sample["the"], np.array(first[1:], dtype=np.float32))


def test_unknown_words_and_membership(vectors):
    assert "king" in vectors
    assert "xqzzyq" not in vectors
    with pytest.raises(KeyError, match="'xqzzyq' has no vector \\(50000 words, no subwords\\)"):
        vectors["xqzzyq"]
    assert vectors.get("xqzzyq") is None
    unit = vectors.get("king", unit=True)
    assert abs(float(np.linalg.norm(unit)) - 1.0) < 1e-6
    np.testing.assert_allclose(unit * np.linalg.norm(vectors["king"]), vectors["king"], rtol=1e-5)


def test_subword_vectors_are_what_gensim_gives():
    # gensim 4.4.0's load_facebook_vectors on the same file (known and
    # unknown words), within 1e-5, as the Rust tests check.
    v = embed_tl.Vectors.open(DATA / "gensim" / "lee_fasttext.bin")
    assert v.has_subwords
    expected = read_word_vectors(DATA / "gensim" / "lee_fasttext.expected_word_vectors.txt")
    unknown = [w for w in expected if w not in v.words()]
    assert "xyzzy" in unknown
    for word, want in expected.items():
        assert word in v
        np.testing.assert_allclose(v[word], want, atol=1e-5)


@pytest.mark.parametrize("word", ["king", "excellent"])
def test_similar_is_the_cli_s(vectors, cli, word):
    want = cli_json(cli("vectors", "similar", VECTORS, word, "-k", 10, "--format", "json"))
    got = vectors.similar(word, 10)
    assert [w for w, _ in got] == [n["word"] for n in want["neighbours"]]
    assert [c for _, c in got] == pytest.approx([n["cosine"] for n in want["neighbours"]], abs=1e-6)


def test_analogy_is_the_cli_s(vectors, cli):
    want = cli_json(cli("vectors", "analogy", VECTORS, "man", "king", "woman", "-k", 5, "--format", "json"))
    got = vectors.analogy("man", "king", "woman", 5)
    assert got[0][0] == "queen"
    assert [w for w, _ in got] == [n["word"] for n in want["neighbours"]]


def test_similar_and_analogy_refuse_unknown_words(vectors):
    with pytest.raises(KeyError, match="xqzzyq"):
        vectors.similar("xqzzyq")
    with pytest.raises(KeyError, match="'xqzzyq', 'qqzzx' has no vector"):
        vectors.analogy("king", "xqzzyq", "qqzzx")


def test_open_errors_carry_the_library_message(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.fifu: No such file"):
        embed_tl.Vectors.open(tmp_path / "nope.fifu")
    bad = tmp_path / "bad.txt"
    bad.write_text("king 0.1 0.2\nqueen 0.3\n")
    with pytest.raises(embed_tl.MalformedFileError) as err:
        embed_tl.Vectors.open(bad)
    assert isinstance(err.value, ValueError)
    assert str(err.value).startswith(f"{bad}: line 2: ")
    with pytest.raises(ValueError, match="unknown"):
        embed_tl.Vectors.open(VECTORS, format="no-such-format")


def test_format_override(tmp_path):
    path = DATA / "glove-samples" / "fake_embeddings.5d.txt"
    assert embed_tl.Vectors.open(path, format="glove").dims == 5


def test_pickle_reopens_the_path(vectors):
    again = pickle.loads(pickle.dumps(vectors))
    assert again is not vectors and len(again) == len(vectors)
    np.testing.assert_array_equal(again["queen"], vectors["queen"])
    again.check_fingerprint(vectors.fingerprint())
    other = embed_tl.Vectors.open(DATA / "glove-samples" / "fake_embeddings.5d.txt")
    with pytest.raises(ValueError, match="not the ones the model was trained with"):
        other.check_fingerprint(vectors.fingerprint())
