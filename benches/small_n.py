#!/usr/bin/env python3
"""Small labelled sets (issue 14): `embed-tl classify` with default settings
trained on N TREC questions and scored on the shipped TREC test set.

For each N in SIZES and each seed in SEEDS, draws N texts from
corpora/trec-train.csv, stratified-ish: each class gets its share of N in
proportion to its count (largest remainders), at least one text, the texts
chosen by a seeded shuffle (Python's random.Random(seed)). Then runs

    target/release/embed-tl classify --vectors embeddings/glove.6B.50d.top50k.fifu \
        --train draw.csv --test corpora/trec-test.csv --format json --quiet

and prints a table: test accuracy per seed, the mean, and the warnings.
Needs: a release build (cargo build --release), python3.
Usage: python3 benches/small_n.py [SIZES=20,50,100] [SEEDS=1,2,3]
"""

import csv
import json
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "embed-tl")
VECTORS = os.path.join(ROOT, "embeddings", "glove.6B.50d.top50k.fifu")
TRAIN = os.path.join(ROOT, "corpora", "trec-train.csv")
TEST = os.path.join(ROOT, "corpora", "trec-test.csv")


def draw(rows, n, seed):
    by_class = {}
    for row in rows:
        by_class.setdefault(row[1], []).append(row)
    total = len(rows)
    labels = sorted(by_class)
    shares = {c: n * len(by_class[c]) for c in labels}
    quotas = {c: shares[c] // total for c in labels}
    left = n - sum(quotas.values())
    for c in sorted(labels, key=lambda c: (-(shares[c] % total), c))[:left]:
        quotas[c] += 1
    # At least one of each class, taken from the largest quota.
    for c in labels:
        while quotas[c] < 1:
            donor = max(labels, key=lambda d: (quotas[d], d))
            quotas[donor] -= 1
            quotas[c] += 1
    rng = random.Random(seed)
    out = []
    for c in labels:
        pool = list(by_class[c])
        rng.shuffle(pool)
        out.extend(pool[: quotas[c]])
    rng.shuffle(out)
    return out, quotas


def main():
    sizes = [int(s) for s in os.environ.get("SIZES", "20,50,100").split(",")]
    seeds = [int(s) for s in os.environ.get("SEEDS", "1,2,3").split(",")]
    if not os.path.exists(BIN):
        sys.exit("benches/small_n.py: no release build: run `cargo build --release` first")
    with open(TRAIN, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    print(f"| N | seed | classes (texts) | test accuracy | warnings |")
    print(f"|---|---|---|---|---|")
    means = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            accs = []
            for seed in seeds:
                sample, quotas = draw(rows, n, seed)
                path = os.path.join(tmp, f"n{n}-s{seed}.csv")
                with open(path, "w", newline="") as f:
                    w = csv.writer(f, lineterminator="\n")
                    w.writerow(header)
                    w.writerows(sample)
                run = subprocess.run(
                    [BIN, "classify", "--vectors", VECTORS, "--train", path,
                     "--test", TEST, "--format", "json"],
                    capture_output=True, text=True,
                )
                if run.returncode != 0:
                    print(f"| {n} | {seed} | | fails: {run.stderr.strip().splitlines()[-1]} | |")
                    continue
                report = json.loads(run.stdout)
                acc = report["test"]["metrics"]["accuracy"]
                accs.append(acc)
                warnings = sum(1 for l in run.stderr.splitlines() if l.startswith("warning:"))
                counts = ", ".join(f"{c} {quotas[c]}" for c in sorted(quotas))
                print(f"| {n} | {seed} | {counts} | {100 * acc:.1f}% | {warnings} |")
            means[n] = accs
    print()
    print("| N | mean test accuracy | draws |")
    print("|---|---|---|")
    for n in sizes:
        accs = means[n]
        mean = f"{100 * sum(accs) / len(accs):.1f}%" if accs else "-"
        print(f"| {n} | {mean} | {len(accs)} of {len(seeds)} |")


if __name__ == "__main__":
    main()
