#!/usr/bin/env python3
"""Class weights on uneven labels (issue 14, sixteenth slice): `embed-tl classify` with
`--class-weight none` (the default) and `--class-weight balanced` on the same draws of
`benches/small_n.py` (its corpora, including the derived `sms` and `BASE-pP` sets, its
stratified draws and its test sets).

For each draw and each weighting it runs
  classify --train draw.csv --test test.csv --cv
which gives the 10-fold CV estimate, whether classify warned that the cross-validated model is
no better than its largest class, and the test accuracy and macro-F1. It prints three markdown
tables:
  1. per corpus, balanced - none in test accuracy and macro-F1 (mean, standard error of the
     paired difference, draws better / worse);
  2. the rule "balanced where its CV accuracy is higher than none's", against none;
  3. per corpus and N, the draws where the warning fired, with none (and with balanced).

Usage: [CORPORA=sms,reviews,rt,tweets,trec,banking77] [SIZES=20,50,100,200,500]
       [SEEDS=1,2,3,4,5] [VECTORS=embeddings/glove.6B.50d.top50k.fifu]
       [BIN=target/release/embed-tl] [OUT=/tmp/bench/class_weights.json] [TABLE_ONLY=1]
       python3 benches/class_weights.py
"""

import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import small_n  # noqa: E402  (the draws and corpora of the small-set bench)

OUT = os.environ.get("OUT", "/tmp/bench/class_weights.json")
WEIGHTS = ("none", "balanced")
WARNING = re.compile(r"^warning: .*: the cross-validated accuracy, .* is no better than labelling every text",
                     re.MULTILINE)


def classify(args):
    """Run classify with --format json; its report and stderr."""
    run = subprocess.run([small_n.BIN, "classify", "--vectors", small_n.VECTORS, "--format", "json"] + args,
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"benches/class_weights.py: classify {' '.join(args)} failed: {run.stderr.strip()}")
    return json.loads(run.stdout), run.stderr


def measure():
    corpora, sizes, seeds = small_n.grid("sms,reviews,rt,tweets,trec,banking77", "20,50,100,200,500", "1,2,3,4,5")
    if not os.path.exists(small_n.BIN):
        sys.exit("benches/class_weights.py: no release build: run `cargo build --release` first")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        train, test = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
        for corpus, n, seed, train_rows, test_rows in small_n.draws(corpora, sizes, seeds):
            small_n.write(train, train_rows)
            small_n.write(test, test_rows)
            for weight in WEIGHTS:
                report, stderr = classify(["--train", train, "--test", test, "--cv", "--class-weight", weight])
                cv, metrics = report["cv"], report["test"]["metrics"]
                runs.append(dict(corpus=corpus, n=n, seed=seed, weight=weight,
                                 cv_accuracy=cv["accuracy_mean"], warned=bool(WARNING.search(stderr)),
                                 accuracy=metrics["accuracy"], macro_f1=metrics["macro_f1"]))
                print(f"{corpus} N={n} seed={seed} {weight}: {100 * metrics['accuracy']:.1f}", file=sys.stderr,
                      flush=True)
            with open(OUT, "w") as f:
                json.dump(runs, f, indent=1)
    return runs


def paired(diffs):
    """'mean (standard error)' and 'better / worse' of paired differences in points."""
    se = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else float("nan")
    return f"{statistics.mean(diffs):+.2f} ({se:.2f})", f"{sum(d > 0 for d in diffs)} / {sum(d < 0 for d in diffs)}"


def tables(runs):
    by = {(r["corpus"], r["n"], r["seed"], r["weight"]): r for r in runs}
    draws = [k[:3] for k in by if k[3] == "none" and k[:3] + ("balanced",) in by]
    corpora = list(dict.fromkeys(c for c, _, _ in draws))

    print("| corpus | draws | accuracy, balanced - none | better / worse | macro-F1, balanced - none | better / worse |")
    print("|---|---:|---:|---:|---:|---:|")
    for corpus in corpora:
        keys = [k for k in draws if k[0] == corpus]
        acc = paired([100 * (by[k + ("balanced",)]["accuracy"] - by[k + ("none",)]["accuracy"]) for k in keys])
        f1 = paired([100 * (by[k + ("balanced",)]["macro_f1"] - by[k + ("none",)]["macro_f1"]) for k in keys])
        print(f"| {corpus} | {len(keys)} | {acc[0]} | {acc[1]} | {f1[0]} | {f1[1]} |")

    print()
    print("| rule: balanced where its CV accuracy is higher | draws | chose balanced | accuracy - none | macro-F1 - none |")
    print("|---|---:|---:|---:|---:|")
    picks = {k: by[k + ("balanced",)] if by[k + ("balanced",)]["cv_accuracy"] > by[k + ("none",)]["cv_accuracy"]
             else by[k + ("none",)] for k in draws}
    acc = paired([100 * (picks[k]["accuracy"] - by[k + ("none",)]["accuracy"]) for k in draws])
    f1 = paired([100 * (picks[k]["macro_f1"] - by[k + ("none",)]["macro_f1"]) for k in draws])
    chose = sum(picks[k]["weight"] == "balanced" for k in draws)
    print(f"| {', '.join(corpora)} | {len(draws)} | {chose} | {acc[0]} | {f1[0]} |")

    print()
    sizes = sorted({n for _, n, _ in draws})
    print("| warned: none (balanced) | " + " | ".join(str(n) for n in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for corpus in corpora:
        cells = []
        for n in sizes:
            keys = [k for k in draws if k[0] == corpus and k[1] == n]
            if not keys:
                cells.append("")
                continue
            none = sum(by[k + ("none",)]["warned"] for k in keys)
            balanced = sum(by[k + ("balanced",)]["warned"] for k in keys)
            cells.append(f"{none} / {len(keys)}" + (f" ({balanced})" if balanced != none else ""))
        print(f"| {corpus} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if os.environ.get("TABLE_ONLY"):
        with open(OUT) as f:
            tables(json.load(f))
    else:
        tables(measure())
