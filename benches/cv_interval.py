#!/usr/bin/env python3
"""How far `classify`'s cross-validated estimate can be trusted on small sets.

For each corpus, size N and seed, the same stratified draw of N texts as `benches/small_n.py`:
`classify --train draw.csv --test rest.csv --cv --format json` reports
1. the 10-fold estimate, its pooled held-out accuracy and the 95% Wilson interval the report
   gives (`cv.pooled.accuracy_interval`);
2. the accuracy of the model fitted on all N texts, on texts it never saw: the rest of the
   corpus's pool (the official TREC-6 and Banking77 test files only with TEST=official;
   TREC-6's official test questions are easier than its training pool).
Prints, per row, the mean estimate, the mean accuracy on unseen texts, the share of draws whose
interval holds that accuracy (nominal 95%), the shares below and above it, and the mean width.

Usage: BIN=target/release/embed-tl VECTORS=/tmp/glove.6B.50d.fifu \\
       [CORPORA=reviews,rt,trec] [SIZES=20,50,200] [SEEDS=1,...,20] python3 benches/cv_interval.py
"""
import itertools
import json
import os
import statistics as st
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import small_n  # noqa: E402  (the draws and corpora of the small-set bench)

BIN = os.environ.get("BIN", "target/release/embed-tl")
VECTORS = os.environ.get("VECTORS", "embeddings/glove.6B.50d.top50k.fifu")


def report(args):
    out = subprocess.run([BIN, "classify", "--vectors", VECTORS, "--format", "json"] + args,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"classify {' '.join(args)} failed: {out.stderr.strip()[-300:]}")
    return json.loads(out.stdout)


def main():
    corpora, sizes, seeds = small_n.grid(corpora="reviews,rt,trec", sizes="20,50,200",
                                         seeds=",".join(map(str, range(1, 21))))
    official = os.environ.get("TEST") == "official"
    print("| corpus | N | draws | CV estimate % | accuracy on unseen texts % | interval holds it | "
          "below | above | mean width (points) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    draws = small_n.draws(corpora, sizes, seeds, official_tests=official)
    for (corpus, n), group in itertools.groupby(draws, key=lambda d: d[:2]):
        est, unseen, holds, below, above, width = [], [], [], [], [], []
        for _, _, _, train_rows, test_rows in group:
            with tempfile.TemporaryDirectory() as tmp:
                train, test = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
                small_n.write(train, train_rows)
                small_n.write(test, test_rows)
                both = report(["--train", train, "--test", test, "--cv"])
                cv, acc = both["cv"], both["test"]["metrics"]["accuracy"]
            lo, hi = cv["pooled"]["accuracy_interval"]
            est.append(cv["pooled"]["accuracy"])
            unseen.append(acc)
            holds.append(lo <= acc <= hi)
            below.append(acc < lo)
            above.append(acc > hi)
            width.append(hi - lo)
        print(f"| {corpus} | {n} | {len(est)} | {100 * st.mean(est):.1f} | "
              f"{100 * st.mean(unseen):.1f} | {100 * st.mean(holds):.0f}% | "
              f"{100 * st.mean(below):.0f}% | {100 * st.mean(above):.0f}% | "
              f"{100 * st.mean(width):.1f} |", flush=True)

if __name__ == "__main__":
    main()
