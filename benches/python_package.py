#!/usr/bin/env python3
"""Benchmark of the Python package (issue 16) against the plain Python + gensim + scikit-learn way.

Command (from the repository root, in a venv with `pip install ./python`, gensim, scikit-learn):

    cargo run --release -- convert embeddings/glove.6B.50d.txt /tmp/glove.6B.50d.fifu  # once
    python benches/python_package.py [--fifu /tmp/glove.6B.50d.fifu] [--docs 1000000] \
        [--repeats 3] [--skip-classify] | tee /tmp/python_package.log

(a) Featurising: the 1,000,000 short texts of benches/featurize_python.py (TREC questions
    resampled with replacement, its seed, generated in memory exactly as its `prepare` writes
    short.txt), mean pooling, loading excluded on both sides:
      * Python: its `mean_features` loop (regex tokens, gensim key_to_index, np.mean) over the
        gensim KeyedVectors of embeddings/glove.6B.50d.txt;
      * embed_tl: EmbedTransformer(vectors=Vectors.open(fifu), pool=...).fit(texts).transform(texts)
        (fit + transform, the texts passed as a Python list, so list conversion and the
        returned numpy array are inside the time).
    The sides run in turn, --repeats rounds (so that a change of load on a shared machine falls
    on all of them alike); the median wall time gives docs/s; ratio = Python / embed_tl time.
(b) Classifying, train -> official test on TREC-6 and Banking77, wall time of featurise + fit +
    predict, loading excluded, one run each:
      * scikit-learn: mean-pooled GloVe vectors (benches/classify_accuracy.py's mean_pool) +
        LogisticRegressionCV(Cs=10, cv=5, max_iter=2000), as in classify_accuracy.py;
      * embed_tl: EmbedClassifier(vectors=Vectors.open(fifu)) with its defaults (features both,
        pmeans pooling, C and beta chosen by 3-fold inner CV, seed 42).
The 1-minute load average is printed before each timed part (the machine may be shared).
"""

import argparse
import os
import random
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benches"))

import featurize_python as fp  # noqa: E402


def load():
    return os.getloadavg()[0]


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')} load {load():.2f}] {msg}", file=sys.stderr, flush=True)


def short_texts(n):
    """The texts of featurize_python.py's short.txt, in memory."""
    rng = random.Random(fp.SEED)
    questions = fp.read_column(f"{ROOT}/corpora/trec-train.csv") + fp.read_column(
        f"{ROOT}/corpora/trec-test.csv"
    )
    questions = [q for q in questions if q]
    return [questions[rng.randrange(len(questions))] for _ in range(n)]


def featurize(args, kv, vectors):
    from embed_tl.sklearn import EmbedTransformer

    texts = short_texts(args.docs)
    log(f"featurise: {len(texts)} texts, mean {np.mean([len(t.split()) for t in texts[:100000]]):.1f} words")
    sides = [("regex + gensim + numpy loop", "mean", lambda: fp.mean_features(kv, texts, np))]
    for pool in args.pools:
        sides.append(
            ("embed_tl EmbedTransformer", pool,
             lambda pool=pool: EmbedTransformer(vectors=vectors, pool=pool).fit(texts).transform(texts))
        )
    # Round-robin: each round runs every side once, so that a change of
    # load on a shared machine falls on all of them alike.
    times = [[] for _ in sides]
    loads = [[] for _ in sides]
    outputs = [None for _ in sides]
    for r in range(args.repeats):
        for i, (name, pool, fn) in enumerate(sides):
            loads[i].append(load())
            t0 = time.perf_counter()
            outputs[i] = fn()
            times[i].append(time.perf_counter() - t0)
            log(f"round {r + 1}: {name} ({pool}): {times[i][-1]:.2f}s")
        x_py = outputs[0]
        for i, (_, pool, _) in enumerate(sides):
            if pool == "mean" and i > 0:
                diff = np.abs(outputs[i] - x_py)
                log(f"  {pool} vs Python features: max |diff| {diff.max():.3g}, rows differing by > 1e-5: "
                    f"{int((diff.max(axis=1) > 1e-5).sum())} of {len(texts)}")
        outputs[1:] = [None] * (len(sides) - 1)
    base = statistics.median(times[0])
    print(f"\n#### Featurising {len(texts):,} short texts (loading excluded, median of {args.repeats}, "
          "the sides run in turn)\n")
    print("| Featurizer | pool | runs (s) | median (s) | docs/s | vs Python loop | load avg (1 min) at start, min-max |")
    print("|---|---|---|---|---|---|---|")
    for (name, pool, _), t, l in zip(sides, times, loads):
        m = statistics.median(t)
        print(f"| {name} | {pool} | {', '.join(f'{v:.2f}' for v in t)} | {m:.2f} | "
              f"{len(texts) / m:,.0f} | {base / m:.1f}x | {min(l):.2f}-{max(l):.2f} |")
    sys.stdout.flush()


def classify(args, kv, vectors):
    from sklearn.linear_model import LogisticRegressionCV

    from embed_tl.sklearn import EmbedClassifier
    from classify_accuracy import mean_pool, read_csv

    print("\n#### Train -> test classification (loading excluded, one run each)\n")
    print("| Corpus | classifier | accuracy (%) | wall (s) featurise + fit + predict | load avg (1 min) at start |")
    print("|---|---|---|---|---|")
    sys.stdout.flush()
    for name, train, test in [
        ("TREC-6", "corpora/trec-train.csv", "corpora/trec-test.csv"),
        ("Banking77", "corpora/banking77-train.csv", "corpora/banking77-test.csv"),
    ]:
        tr_x, tr_y = read_csv(train)
        te_x, te_y = read_csv(test)
        log(f"{name}: sklearn")
        l0 = load()
        t0 = time.perf_counter()
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Xtr, _ = mean_pool(kv, tr_x)
            Xte, _ = mean_pool(kv, te_x)
            m = LogisticRegressionCV(Cs=10, cv=5, max_iter=2000).fit(Xtr, tr_y)
            acc = float(np.mean(m.predict(Xte) == np.asarray(te_y)))
        wall = time.perf_counter() - t0
        print(f"| {name} | mean GloVe + LogisticRegressionCV | {100 * acc:.1f} | {wall:.1f} | {l0:.2f} |")
        sys.stdout.flush()
        log(f"{name}: embed_tl")
        l0 = load()
        t0 = time.perf_counter()
        clf = EmbedClassifier(vectors=vectors).fit(tr_x, tr_y)
        acc = float(np.mean(clf.predict(te_x) == np.asarray(te_y)))
        wall = time.perf_counter() - t0
        print(f"| {name} | embed_tl EmbedClassifier (defaults) | {100 * acc:.1f} | {wall:.1f} | {l0:.2f} |")
        sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fifu", default="/tmp/glove.6B.50d.fifu")
    p.add_argument("--glove", default=os.path.join(ROOT, "embeddings", "glove.6B.50d.txt"))
    p.add_argument("--docs", type=int, default=fp.SHORT_DOCS)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--pools", nargs="+", default=["mean", "pmeans"])
    p.add_argument("--skip-featurize", action="store_true")
    p.add_argument("--skip-classify", action="store_true")
    args = p.parse_args()

    import embed_tl
    from gensim.models import KeyedVectors

    log(f"embed_tl {embed_tl.__version__}, {os.cpu_count()} cpus; loading vectors (untimed)")
    vectors = embed_tl.Vectors.open(args.fifu)
    kv = KeyedVectors.load_word2vec_format(args.glove, binary=False, no_header=True)
    log(f"loaded: embed_tl {len(vectors)} words, gensim {len(kv.key_to_index)} words")
    if not args.skip_featurize:
        featurize(args, kv, vectors)
    if not args.skip_classify:
        classify(args, kv, vectors)


if __name__ == "__main__":
    main()
