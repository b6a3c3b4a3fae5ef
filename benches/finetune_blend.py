#!/usr/bin/env python3
"""Small labelled sets (issue 14): the trainable layer (examples/finetune.rs) beside the
default model of `embed-tl classify`, and the two blended.

On the draws of benches/small_n.py (the same corpora, sizes, seeds and stratified draws),
for each draw:
  default    embed-tl classify --vectors V --train draw.csv --predict test.csv --finetune off:
             the class probabilities of the linear model alone (since issue 14's ninth slice
             the default blends in a tuned layer of its own on small sets; a build before it
             has no `--finetune off`: drop the flag there)
  finetune   examples/finetune V draw.csv test.csv --seed SEED --proba: the fine-tuned
             layer's class probabilities (fastText's recipe; unseen words keep their
             pretrained vectors)
  blend      the mean of the two probabilities, class by class
  blend-cv   (BLEND_CV=1) the two blended with the finetune weight of 0, 0.25, 0.5, 0.75 or 1
             whose blend had the lowest held-out log-loss in a 3-fold stratified split of the
             draw (both systems fitted on two folds and scored on the third; a held-out text
             whose class is missing from its two folds is left out; ties to the smaller
             weight): a prototype of choosing the weight by inner cross-validation
and the accuracy of each on the test texts. Prints a markdown table of the mean accuracy
per (corpus, N) and writes every draw to OUT (JSON).

Needs: cargo build --release --example finetune (and the release binary).
Usage: [VECTORS=embeddings/glove.6B.50d.top50k.fifu] [CORPORA=reviews,rt,trec,banking77]
       [SIZES=20,50,100,200,500] [SEEDS=1,2,3] [BIN=target/release/embed-tl]
       [FINETUNE=target/release/examples/finetune] [OUT=/tmp/bench/finetune_blend.json] [BLEND_CV=1]
       python3 benches/finetune_blend.py
"""

import json
import math
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import small_n  # noqa: E402  (the same corpora and draws)

OUT = os.environ.get("OUT", "/tmp/bench/finetune_blend.json")
SYSTEMS = ["default", "finetune", "blend"] + (["blend-cv"] if os.environ.get("BLEND_CV") else [])
WEIGHTS = [0.0, 0.25, 0.5, 0.75, 1.0]


def accuracy(proba, truth):
    return sum(max(range(len(p)), key=p.__getitem__) == t for p, t in zip(proba, truth)) / len(truth)


def mixed(default, tuned, w):
    return [[(1 - w) * a + w * b for a, b in zip(p, q)] for p, q in zip(default, tuned)]


def probabilities(tmp, train_rows, test_rows, seed):
    """The class names and both systems' test probabilities, trained on train_rows."""
    classes, default, layers = small_n.linear_and_layers(tmp, train_rows, test_rows, seed)
    return classes, default, layers[None]


def cv_weight(tmp, rows, seed):
    """The finetune weight whose blend has the lowest held-out log-loss over 3 folds."""
    losses = {w: [] for w in WEIGHTS}
    for train, held in small_n.inner_splits(rows, 3, seed):
        classes, default, tuned = probabilities(tmp, train, held, seed)
        truth = [classes.index(label) for _, label in held]
        for w in WEIGHTS:
            losses[w].extend(-math.log(max(p[t], 1e-15)) for p, t in zip(mixed(default, tuned, w), truth))
    if not losses[0.0]:
        return 0.0
    return min(WEIGHTS, key=lambda w: (statistics.mean(losses[w]), w))


def main():
    corpora, sizes, seeds = small_n.grid()
    for path in (small_n.BIN, small_n.FINETUNE):
        if not os.path.exists(path):
            sys.exit(f"benches/finetune_blend.py: {path} is missing: cargo build --release --example finetune")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for corpus, n, seed, train_rows, test_rows in small_n.draws(corpora, sizes, seeds):
            classes, default, tuned = probabilities(tmp, train_rows, test_rows, seed)
            truth = [classes.index(label) for _, label in test_rows]
            run = {"corpus": corpus, "n": n, "seed": seed, "default": accuracy(default, truth),
                   "finetune": accuracy(tuned, truth),
                   "blend": accuracy(mixed(default, tuned, 0.5), truth)}
            if "blend-cv" in SYSTEMS:
                w = cv_weight(tmp, train_rows, seed)
                run.update({"blend-cv": accuracy(mixed(default, tuned, w), truth), "weight": w})
            runs.append(run)
            print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in run.items()),
                  file=sys.stderr, flush=True)
            with open(OUT, "w") as f:
                json.dump(runs, f, indent=1)
    table(runs)


def table(runs):
    keys = sorted({(r["corpus"], r["n"]) for r in runs},
                  key=lambda k: (list(small_n.CORPORA).index(k[0]), k[1]))
    print("| corpus | N | " + " | ".join(SYSTEMS) + " | blend - default |")
    print("|---|---:|" + "---:|" * (len(SYSTEMS) + 1))
    for corpus, n in keys:
        rows = [r for r in runs if (r["corpus"], r["n"]) == (corpus, n)]
        mean = {s: 100 * statistics.mean(r[s] for r in rows) for s in SYSTEMS}
        cells = [f"{mean[s]:.1f}" for s in SYSTEMS] + [f"{mean['blend'] - mean['default']:+.1f}"]
        print(f"| {corpus} | {n} | " + " | ".join(cells) + " |")
    means = [f"{100 * statistics.mean(r[s] for r in runs):.2f}" for s in SYSTEMS]
    print(f"| mean of {len(runs)} draws | | " + " | ".join(means) + " | |")


if __name__ == "__main__":
    main()
