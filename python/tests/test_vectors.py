"""embed_tl.Vectors against the files' original tools and the CLI."""

import pickle
import subprocess
import sys

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


# The matrix as numpy arrays (`vectors`, `unit_vectors`, `norms`).


def sample_words(v, n=200):
    words = v.words()
    step = max(1, len(words) // n)
    return words[::step]


# Run in a fresh interpreter: in this one, memory freed by earlier tests
# could take the copy without growing the process.
MEASURE_ANONYMOUS_MEMORY = """
import sys
import numpy as np
import embed_tl

def anonymous_kib():
    # This process's own (anonymous) resident memory, not the page cache's
    # file pages, counted from the page tables (RssAnon in
    # /proc/self/status lags behind).
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            if line.startswith("Anonymous:"):
                return int(line.split()[1])

# numpy's one-time costs of a first large reduction, on another opening.
float(embed_tl.Vectors.open(sys.argv[1]).vectors.sum(dtype=np.float64))
v = embed_tl.Vectors.open(sys.argv[1])
before = anonymous_kib()
total = float(v.vectors.sum(dtype=np.float64))
viewed = anonymous_kib() - before
before = anonymous_kib()
unit = v.unit_vectors
copied = anonymous_kib() - before
assert total != 0.0 and unit.base is v
print(viewed, copied)
"""


def test_vectors_of_a_memory_mapped_fifu_are_a_read_only_view(vectors):
    # The shipped .fifu holds the GloVe values themselves (no norms chunk),
    # so `vectors` is the mapped matrix.
    assert vectors.is_memory_mapped and vectors.stored_scale == "original"
    a = vectors.vectors
    assert isinstance(a, np.ndarray) and a.dtype == np.float32 and a.shape == (50_000, 50)
    assert a.flags.c_contiguous and not a.flags.owndata and not a.flags.writeable
    assert a.base is vectors
    assert np.shares_memory(a, vectors.vectors)  # two views of the same bytes
    for word in sample_words(vectors):
        np.testing.assert_array_equal(a[vectors.index(word)], vectors[word])
    with pytest.raises(ValueError, match="read-only"):
        a[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        a += 1.0
    norms = vectors.norms
    assert norms.shape == (50_000,) and norms.dtype == np.float32 and norms.base is vectors
    assert not norms.flags.writeable
    np.testing.assert_allclose(norms, np.linalg.norm(a, axis=1), rtol=1e-6)


def test_the_view_outlives_the_vectors_object():
    a = embed_tl.Vectors.open(VECTORS).vectors
    n = embed_tl.Vectors.open(VECTORS).norms
    import gc

    gc.collect()
    fresh = embed_tl.Vectors.open(VECTORS)
    assert a.base is not fresh and a.base.is_memory_mapped  # the base keeps its map open
    np.testing.assert_array_equal(a[fresh.index("queen")], fresh["queen"])
    assert float(a.sum(dtype=np.float64)) == float(fresh.vectors.sum(dtype=np.float64))
    np.testing.assert_array_equal(n, fresh.norms)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/smaps_rollup")
def test_the_mapped_view_costs_no_memory_a_copy_does():
    # Reading every value of the view brings the file's pages in as page
    # cache, not as the process's own memory; the unit rows, which the file
    # does not hold, are computed into memory (10,000,000 bytes), and the
    # same measure sees them.
    done = subprocess.run([sys.executable, "-c", MEASURE_ANONYMOUS_MEMORY, str(VECTORS)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    viewed, copied = map(int, done.stdout.split())
    assert viewed < 1_000, f"reading the mapped view grew anonymous memory by {viewed} KiB"
    assert copied > 9_000, f"the computed unit rows grew anonymous memory by {copied} KiB"


def test_unit_vectors_and_the_computed_scale_are_kept(vectors):
    u = vectors.unit_vectors
    assert u.shape == (50_000, 50) and u.dtype == np.float32 and not u.flags.writeable
    assert u.base is vectors and np.shares_memory(u, vectors.unit_vectors)  # computed once
    assert not np.shares_memory(u, vectors.vectors)
    for word in sample_words(vectors):
        np.testing.assert_array_equal(u[vectors.index(word)], vectors.get(word, unit=True))


def test_vectors_of_files_read_into_memory_are_views_too():
    # GloVe text: the values read into memory, viewed in place.
    path = DATA / "glove-samples" / "fake_embeddings.5d.txt"
    v = embed_tl.Vectors.open(path)
    assert not v.is_memory_mapped and v.stored_scale == "original"
    a = v.vectors
    assert a.base is v and not a.flags.owndata and a.shape == (len(v), 5)
    first = path.read_text(encoding="utf-8").splitlines()[0].split(" ")
    np.testing.assert_array_equal(a[v.index(first[0])], np.array(first[1:], dtype=np.float32))
    # fastText: unit rows and norms in memory, so unit_vectors is the view
    # and vectors (gensim's values) the computed scale.
    ft = embed_tl.Vectors.open(DATA / "gensim" / "lee_fasttext.bin")
    assert ft.stored_scale == "unit" and ft.vectors.shape == (1762, 10)
    assert ft.unit_vectors.base is ft and not ft.unit_vectors.flags.owndata
    expected = read_word_vectors(DATA / "gensim" / "lee_fasttext.expected_word_vectors.txt")
    known = [w for w in expected if w in set(ft.words())]
    assert len(known) >= 3
    for word in known:
        np.testing.assert_array_equal(ft.vectors[ft.index(word)], ft[word])
        np.testing.assert_allclose(ft.vectors[ft.index(word)], expected[word], atol=1e-5)


def test_a_fifu_with_norms_maps_its_unit_rows(cli, tmp_path):
    # `vectors convert` of a fastText model writes unit rows, their norms
    # and the subwords, as finalfusion keeps them.
    fifu = tmp_path / "lee.fifu"
    cli("vectors", "convert", DATA / "gensim" / "lee_fasttext.bin", fifu)
    v = embed_tl.Vectors.open(fifu)
    assert v.is_memory_mapped and v.has_subwords and v.stored_scale == "unit"
    u = v.unit_vectors
    assert u.base is v and not u.flags.owndata and not u.flags.writeable
    ft = embed_tl.Vectors.open(DATA / "gensim" / "lee_fasttext.bin")
    np.testing.assert_array_equal(u, ft.unit_vectors)
    np.testing.assert_array_equal(v.norms, ft.norms)
    np.testing.assert_allclose(v.vectors, ft.vectors, rtol=1e-6)


def test_index_of_words():
    v = embed_tl.Vectors.open(DATA / "glove-samples" / "fake_embeddings.5d.txt")
    words = v.words()
    assert [v.index(w) for w in words] == list(range(len(words)))
    with pytest.raises(KeyError, match="'xqzzyq' is not one of the"):
        v.index("xqzzyq")
    ft = embed_tl.Vectors.open(DATA / "gensim" / "lee_fasttext.bin")
    assert "xyzzy" in ft  # a subword vector ...
    with pytest.raises(KeyError):  # ... but no row
        ft.index("xyzzy")


# Words in a code page: `encoding=` (the CLI's --vectors-encoding).

CP852 = DATA / "gensim" / "cp852_fasttext.bin"


def test_a_cp852_model_opens_with_its_encoding_as_gensim_reads_it():
    v = embed_tl.Vectors.open(CP852, encoding="cp852")
    expected = read_word_vectors(DATA / "gensim" / "cp852_fasttext.cp852_all_words.expected_word_vectors.txt")
    assert v.words() == list(expected)
    assert sum(not w.isascii() for w in v.words()) == 69
    for word, want in expected.items():
        np.testing.assert_allclose(v[word], want, atol=1e-5)
    assert embed_tl.Vectors.open(CP852, encoding="IBM852").words() == v.words()
    again = pickle.loads(pickle.dumps(v))
    assert again.words() == v.words()
    again.check_fingerprint(v.fingerprint())


def test_encoding_errors_are_the_cli_s(tmp_path):
    with pytest.raises(embed_tl.MalformedFileError) as err:
        embed_tl.Vectors.open(CP852)
    message = str(err.value)
    assert "cp852_fasttext.bin: byte 92: dictionary entry 2 'kter\\xec' is not valid UTF-8" in message
    assert "(a model trained on text in another encoding? --vectors-encoding names it, e.g. cp852)" in message
    with pytest.raises(ValueError, match=r"unknown vector encoding 'koi8-r': expected one of utf-8 \(utf8\), cp852"):
        embed_tl.Vectors.open(CP852, encoding="koi8-r")
    with pytest.raises(embed_tl.MalformedFileError, match="a finalfusion file: its words are UTF-8 by definition"):
        embed_tl.Vectors.open(VECTORS, encoding="cp852")
    bad = tmp_path / "v.txt"
    bad.write_bytes(b"the 1 0\nb\x81d 0 1\n")
    with pytest.raises(embed_tl.MalformedFileError, match="line 2: undefined cp1252 byte 0x81 in the word at byte 1"):
        embed_tl.Vectors.open(bad, encoding="cp1252")


def test_a_latin1_glove_file(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"caf\xe9 1 0\nthe 0 1\n")
    with pytest.raises(embed_tl.MalformedFileError, match="line 1: invalid UTF-8"):
        embed_tl.Vectors.open(path)
    for name in ("latin-1", "iso-8859-1", "cp1252"):
        v = embed_tl.Vectors.open(path, encoding=name)
        assert v.words() == ["café", "the"]
        np.testing.assert_array_equal(v["café"], [1.0, 0.0])
