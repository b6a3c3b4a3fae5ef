"""Featurizer benchmark helper for benches/featurize.sh: input preparation and the Python
baseline (the loop a user writes without embed-tl).

    python3 benches/featurize_python.py prepare ROOT OUT_DIR [SHORT_DOCS LONG_DOCS]
        Writes OUT_DIR/short.txt (SHORT_DOCS, default 1,000,000, TREC questions resampled with replacement) and
        OUT_DIR/long.txt (LONG_DOCS, default 100,000, review-length texts of ~230 whitespace tokens, built from
        sentences of rotten-tomatoes.csv + reviews.csv drawn with replacement, appended while
        that brings the length nearer 230); one text per line, no header.
        Deterministic (seeded).

    python3 benches/featurize_python.py bench GLOVE_TXT TEXTS_FILE POOL REPEATS
        POOL is mean or sif. Loads GloVe text with gensim and the texts (both untimed), then
        REPEATS times prints
        pool=.. docs=.. fit_s=.. transform_s=.. docs_per_s=.. checksum=..
        the same line as examples/featurize_bench.rs.

The loop is single-process, single-threaded, plain Python + numpy, as a user writes it:
    tokens = re.findall(r"\\w+|[^\\w\\s]", text.lower())
    known tokens -> rows of kv.vectors via kv.key_to_index -> np.mean (zeros if none)
into a preallocated float32 matrix.

SIF (Arora et al. 2017), a=1e-3: one pass counts word frequencies p(w) over the texts'
tokens, a second pass writes sum(a / (a + p(w)) * v_w) / (number of known tokens) per text,
then the first (uncentered) principal component u comes from
TruncatedSVD(n_components=1, n_iter=7, random_state=0) and X -= (X u) u^T.
fit_s = frequencies + weighted averages + component; transform_s = removing the projection.
That is a fit_transform on the same texts: the texts are tokenised twice here, while
embed-tl's fit + transform tokenises them three times (frequencies, the averages for the
component, then transform), so the comparison favours Python.
"""

import csv
import random
import re
import sys
import time
from collections import Counter

SEED = 20261128
SHORT_DOCS = 1_000_000
LONG_DOCS = 100_000
LONG_TOKENS = 230
SIF_A = 1e-3
TOKEN = re.compile(r"\w+|[^\w\s]")


def read_column(path, column="text"):
    with open(path, newline="", encoding="utf-8") as f:
        return [" ".join(row[column].split()) for row in csv.DictReader(f)]


def prepare(root, out_dir, short_docs=SHORT_DOCS, long_docs=LONG_DOCS):
    short_docs, long_docs = int(short_docs), int(long_docs)
    rng = random.Random(SEED)
    questions = read_column(f"{root}/corpora/trec-train.csv") + read_column(
        f"{root}/corpora/trec-test.csv"
    )
    questions = [q for q in questions if q]
    with open(f"{out_dir}/short.txt", "w", encoding="utf-8") as f:
        for _ in range(short_docs):
            f.write(questions[rng.randrange(len(questions))])
            f.write("\n")
    sentences = read_column(f"{root}/corpora/rotten-tomatoes.csv") + read_column(
        f"{root}/corpora/reviews.csv"
    )
    sentences = [(s, len(s.split())) for s in sentences if s]
    total_tokens = 0
    with open(f"{out_dir}/long.txt", "w", encoding="utf-8") as f:
        for _ in range(long_docs):
            parts, n = [], 0
            while True:
                s, k = sentences[rng.randrange(len(sentences))]
                # Stop at whichever length is nearer the target: without or with s.
                if parts and n + k - LONG_TOKENS > LONG_TOKENS - n:
                    break
                parts.append(s)
                n += k
            total_tokens += n
            f.write(" ".join(parts))
            f.write("\n")
    print(
        f"short: {short_docs} texts from {len(questions)} TREC questions; "
        f"long: {long_docs} texts from {len(sentences)} sentences, "
        f"{total_tokens / max(long_docs, 1):.1f} whitespace tokens on average",
        file=sys.stderr,
    )


def mean_features(kv, texts, np):
    key_to_index, vectors = kv.key_to_index, kv.vectors
    x = np.zeros((len(texts), kv.vector_size), dtype=np.float32)
    for i, text in enumerate(texts):
        tokens = TOKEN.findall(text.lower())
        idx = [key_to_index[w] for w in tokens if w in key_to_index]
        if idx:
            x[i] = np.mean(vectors[idx], axis=0)
    return x


def sif_features(kv, texts, np):
    from sklearn.decomposition import TruncatedSVD

    key_to_index, vectors = kv.key_to_index, kv.vectors
    start = time.perf_counter()
    counts = Counter()
    for text in texts:
        counts.update(TOKEN.findall(text.lower()))
    total = sum(counts.values())
    weight = {w: SIF_A / (SIF_A + c / total) for w, c in counts.items()}
    x = np.zeros((len(texts), kv.vector_size), dtype=np.float32)
    for i, text in enumerate(texts):
        tokens = TOKEN.findall(text.lower())
        known = [w for w in tokens if w in key_to_index]
        if known:
            idx = [key_to_index[w] for w in known]
            w = np.array([weight[t] for t in known], dtype=np.float32)
            x[i] = w @ vectors[idx] / len(known)
    svd = TruncatedSVD(n_components=1, n_iter=7, random_state=0)
    svd.fit(x)
    u = svd.components_.astype(np.float32)  # 1 x dims, unit length
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    x -= (x @ u.T) @ u
    transform_s = time.perf_counter() - start
    return x, fit_s, transform_s


def bench(glove, texts_file, pool, repeats):
    import numpy as np
    from gensim.models import KeyedVectors

    if pool not in ("mean", "sif"):
        sys.exit(f"featurize_python.py: unknown pool {pool!r}: expected mean or sif")
    repeats = int(repeats)
    # One text per line, split on "\n" only (as Rust's str::lines, not str.splitlines).
    with open(texts_file, encoding="utf-8", newline="") as f:
        texts = f.read().split("\n")
    if texts and texts[-1] == "":
        texts.pop()
    texts = [t[:-1] if t.endswith("\r") else t for t in texts]
    kv = KeyedVectors.load_word2vec_format(glove, binary=False, no_header=True)
    for _ in range(repeats):
        if pool == "mean":
            start = time.perf_counter()
            x = mean_features(kv, texts, np)
            fit_s, transform_s = 0.0, time.perf_counter() - start
        else:
            x, fit_s, transform_s = sif_features(kv, texts, np)
        seconds = fit_s + transform_s
        checksum = float(x.sum(dtype=np.float64))
        print(
            f"pool={pool} docs={len(texts)} fit_s={fit_s:.6f} transform_s={transform_s:.6f} "
            f"docs_per_s={len(texts) / seconds:.1f} checksum={checksum:.6f}",
            flush=True,
        )


def main(argv):
    if len(argv) in (3, 5) and argv[0] == "prepare":
        prepare(*argv[1:])
    elif len(argv) == 5 and argv[0] == "bench":
        bench(*argv[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
