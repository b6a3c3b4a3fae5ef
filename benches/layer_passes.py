#!/usr/bin/env python3
"""Small labelled sets (issue 14): should the tuned layer's number of passes be chosen per set?

fastText makes thousands of passes on a small set (docs/benchmarks.md, tenth slice); the layer
that `classify` blends in on small sets makes 25. More passes help TREC-6 and hurt the sentiment
sets, so this bench asks whether inner cross-validation can tell, per draw, which to use.

On the draws of benches/small_n.py (same corpora, sizes, seeds and stratified draws), per draw:
  - the linear model alone: `embed-tl classify --finetune off --predict`, its class probabilities;
  - the layer alone with each number of passes of EPOCHS: `examples/finetune --epochs E --proba`;
  - both fitted on two of 3 stratified inner folds of the draw and scored on the third (a held-out
    text whose class is missing from its two folds is left out), then on the whole draw and
    scored on the test texts.
Each layer is blended with the linear model by the pipeline's rule: the largest weight of
0, 0.25, 0.5, 0.75, 1 whose inner held-out log-loss is within 2 paired standard errors of the
lowest. The systems, by test accuracy:
  e<E>        the layer of E passes, always;
  cv-loss     the E whose blend had the lowest inner held-out log-loss;
  cv-accuracy the E whose blend had the best inner accuracy (ties to the fewer passes);
  cv-clear    the first E, unless a longer one's blend is clearly better in inner log-loss (by
              more than 2 paired standard errors per text), then the longest such.
Prints each row's mean accuracy and each system's mean difference against the first E (standard
error, draws better / worse); writes every draw to OUT (JSON).

Needs: cargo build --release && cargo build --release --example finetune
Usage: VECTORS=/tmp/glove.6B.50d.fifu [EPOCHS=25,250,1000] [CORPORA=reviews,rt,trec]
       [SIZES=20,50,100,200,500] [SEEDS=1,...,9] [OUT=/tmp/bench/layer_passes.json]
       python3 benches/layer_passes.py
"""

import json
import math
import os
import statistics as st
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import small_n  # noqa: E402  (the same corpora and draws)

OUT = os.environ.get("OUT", "/tmp/bench/layer_passes.json")
EPOCHS = [int(e) for e in os.environ.get("EPOCHS", "25,250,1000").split(",")]
WEIGHTS = [0.0, 0.25, 0.5, 0.75, 1.0]
STANDARD_ERRORS = 2.0


def blend(p, q, w):
    return [[(1 - w) * a + w * b for a, b in zip(r, s)] for r, s in zip(p, q)]


def losses(proba, truth):
    return [-math.log(max(r[t], 1e-15)) for r, t in zip(proba, truth)]


def accuracy(proba, truth):
    return st.mean(max(range(len(r)), key=r.__getitem__) == t for r, t in zip(proba, truth))


def clearly_worse(worse, best):
    """Whether per-text losses `worse` exceed `best` by more than 2 paired standard errors."""
    d = [a - b for a, b in zip(worse, best)]
    if len(d) < 2:
        return False
    return st.mean(d) > STANDARD_ERRORS * st.stdev(d) / math.sqrt(len(d))


def weight(p, q, truth):
    """The pipeline's rule: the largest weight not clearly worse than the lowest log-loss."""
    scored = {w: losses(blend(p, q, w), truth) for w in WEIGHTS}
    best = min(WEIGHTS, key=lambda w: (st.mean(scored[w]), w))
    return max(w for w in WEIGHTS if not clearly_worse(scored[w], scored[best]))


def probabilities(tmp, train_rows, test_rows, seed):
    """The classes, the linear model's and each layer's probabilities on test_rows."""
    return small_n.linear_and_layers(tmp, train_rows, test_rows, seed, EPOCHS)


def inner(tmp, rows, seed):
    """The held-out probabilities of 3 stratified inner folds, on the draw's classes."""
    classes = sorted({label for _, label in rows})
    linear, layers, truth = [], {e: [] for e in EPOCHS}, []
    for train, held in small_n.inner_splits(rows, 3, seed):
        got, p, qs = probabilities(tmp, train, held, seed)
        at = [got.index(c) if c in got else None for c in classes]
        widen = lambda rows_: [[r[j] if j is not None else 0.0 for j in at] for r in rows_]  # noqa: E731
        linear += widen(p)
        for e in EPOCHS:
            layers[e] += widen(qs[e])
        truth += [classes.index(label) for _, label in held]
    return linear, layers, truth


def systems(linear_in, layers_in, truth_in, linear, layers, truth):
    """Each system's test accuracy for one draw."""
    out, inner_loss, inner_acc = {}, {}, {}
    for e in EPOCHS:
        w = weight(linear_in, layers_in[e], truth_in) if truth_in else 0.0
        out[f"e{e}"] = accuracy(blend(linear, layers[e], w), truth)
        held = blend(linear_in, layers_in[e], w)
        inner_loss[e] = losses(held, truth_in) if truth_in else [0.0]
        inner_acc[e] = accuracy(held, truth_in) if truth_in else 0.0
    first = EPOCHS[0]
    out["cv-loss"] = out[f"e{min(EPOCHS, key=lambda e: st.mean(inner_loss[e]))}"]
    out["cv-accuracy"] = out[f"e{max(EPOCHS, key=lambda e: (inner_acc[e], -e))}"]
    clear = [e for e in EPOCHS[1:] if clearly_worse(inner_loss[first], inner_loss[e])]
    out["cv-clear"] = out[f"e{clear[-1] if clear else first}"]
    return out


def main():
    corpora, sizes, seeds = small_n.grid(corpora="reviews,rt,trec", seeds="1,2,3,4,5,6,7,8,9")
    for path in (small_n.BIN, small_n.FINETUNE):
        if not os.path.exists(path):
            sys.exit(f"benches/layer_passes.py: {path} is missing: cargo build --release --example finetune")
    os.makedirs(os.path.dirname(OUT) or ".", exist_ok=True)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for corpus, n, seed, rows, test in small_n.draws(corpora, sizes, seeds):
            linear_in, layers_in, truth_in = inner(tmp, rows, seed)
            classes, linear, layers = probabilities(tmp, rows, test, seed)
            truth = [classes.index(label) for _, label in test]
            run = {"corpus": corpus, "n": n, "seed": seed}
            run.update(systems(linear_in, layers_in, truth_in, linear, layers, truth))
            runs.append(run)
            print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in run.items()),
                  file=sys.stderr, flush=True)
    with open(OUT, "w") as f:
        json.dump(runs, f, indent=1)
    names = [k for k in runs[0] if k not in ("corpus", "n", "seed")]
    base = names[0]
    print("| corpus | N | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for key in dict.fromkeys((r["corpus"], r["n"]) for r in runs):
        row = [r for r in runs if (r["corpus"], r["n"]) == key]
        print(f"| {key[0]} | {key[1]} | " + " | ".join(f"{100 * st.mean(r[k] for r in row):.1f}" for k in names) + " |")
    print()
    for k in names[1:]:
        d = [100 * (r[k] - r[base]) for r in runs]
        se = st.stdev(d) / math.sqrt(len(d)) if len(d) > 1 else 0.0
        print(f"{k} - {base}: {st.mean(d):+.2f} points (SE {se:.2f}), "
              f"{sum(x > 0 for x in d)} draws better, {sum(x < 0 for x in d)} worse")


if __name__ == "__main__":
    main()
