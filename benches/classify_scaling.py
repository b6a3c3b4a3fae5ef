#!/usr/bin/env python3
"""Classify cost, the scaling table (issue 13): how the wall time, CPU time, peak RSS and
accuracy of the default `embed-tl classify` (10-fold cross-validation) grow with the number
of texts, their length and the number of classes, beside the scikit-learn peer on the same
files.

Builds synthetic corpora (CSV, header text,label) by resampling the shipped corpora, one axis
varied at a time, each with its own random.Random(1) so the files are reproducible:

  texts    n1000, n10000, n50000: 1,000 / 10,000 / 50,000 Rotten Tomatoes sentences (2
           classes, 18.5 whitespace tokens on average). Drawn without replacement up to the
           corpus's 12,752 sentences; the 50,000 file holds every sentence once and 37,248
           more drawn with replacement (duplicates can fall into train and test folds).
  length   len10, len100, len1000: 2,000 texts (1,000 per class) of exactly 10 / 100 / 1,000
           whitespace tokens, each made by concatenating random Rotten Tomatoes sentences of
           its class until the target is reached, then truncating to it.
  classes  c2, c20, c150: 10,000 Banking77 training texts (11.9 tokens on average).
           c2:   every Banking77 text once (9,003) plus 997 drawn with replacement, the 77
                 intents merged at random into 2 labels (39 + 38 intents).
           c20:  20 Banking77 intents chosen at random, their 2,336 texts once each and the
                 rest drawn with replacement (about 4.3 copies of each text).
           c150: the c2 texts, each intent split at random into two labels (154 labels; no
                 shipped corpus has 150 classes, so the accuracy of this row means nothing,
                 only its cost counts).

Runs, one after the other for each cell, each once, under GNU time (`-f "%e %U %S %M"`) and
`timeout`, the 1-minute load average printed before each run:

  embed-tl  EMBED_TL classify --vectors VECTORS --train T.csv --format json --quiet
            (accuracy: cv.accuracy_mean)
  sklearn   PYTHON benches/classify_accuracy.py --sklearn-rt-cv --train T.csv: gensim load of
            embeddings/glove.6B.50d.txt (inside its time; the load time it logs on stderr is
            kept), mean pooling, LogisticRegressionCV(Cs=10, cv=5, max_iter=2000) in each
            training fold of StratifiedKFold(10, shuffle=True, random_state=42)

Cells run in the order given (default: cheapest first, the 1,000-token and 50,000-text cells
last). With DEADLINE set, a run that would start after it is skipped and each run's time
limit, TIMEOUT seconds, is lowered to the time left before it. Results go to
OUT/results.json (a rerun skips the runs already there, also timed-out ones, unless --fresh;
delete an entry to rerun it) and a markdown table to stdout; the corpora to OUT/corpora/.

Needs: python3 (this driver uses the standard library only), GNU time at /usr/bin/time,
coreutils timeout, an embed-tl release binary, the GloVe 6B 50d vectors as .fifu
(`embed-tl vectors convert embeddings/glove.6B.50d.txt glove.6B.50d.fifu`), and for the peer a
python with gensim + scikit-learn and embeddings/glove.6B.50d.txt (embeddings/fetch);
corpora/rotten-tomatoes.csv comes from corpora/fetch-rotten-tomatoes.

Usage: [EMBED_TL=target/release/embed-tl] [VECTORS=/tmp/glove.6B.50d.fifu]
       [PYTHON=python3] [OUT=/tmp/scaling] [TIMEOUT=1200] [DEADLINE=13:35 (UTC, today)]
       [CELLS=len10,n1000,len100,c2,n10000,c20,c150,len1000,n50000] [SYSTEMS=embed-tl,sklearn]
       python3 benches/classify_scaling.py [--fresh] [--report-only] [--corpora-only]
"""

import csv
import datetime
import json
import os
import random
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from small_n import read as read_csv, write as write_csv  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("EMBED_TL", os.path.join(ROOT, "target", "release", "embed-tl"))
VECTORS = os.environ.get("VECTORS", "/tmp/glove.6B.50d.fifu")
PYTHON = os.environ.get("PYTHON", "python3")
OUT = os.environ.get("OUT", "/tmp/scaling")
TIMEOUT = int(os.environ.get("TIMEOUT", "1200"))
DEADLINE = os.environ.get("DEADLINE", "")
RT = os.path.join(ROOT, "corpora", "rotten-tomatoes.csv")
B77 = os.path.join(ROOT, "corpora", "banking77-train.csv")
RESULTS = os.path.join(OUT, "results.json")

# name: (axis, value shown in the table)
CELLS = {
    "len10": ("length", "10 tokens"), "n1000": ("texts", "1,000"),
    "len100": ("length", "100 tokens"), "c2": ("classes", "2"),
    "n10000": ("texts", "10,000"), "c20": ("classes", "20"), "c150": ("classes", "150 (154)"),
    "len1000": ("length", "1,000 tokens"), "n50000": ("texts", "50,000"),
}
TABLE_ORDER = ["n1000", "n10000", "n50000", "len10", "len100", "len1000", "c2", "c20", "c150"]


def log(msg):
    print(f"[{datetime.datetime.now(datetime.timezone.utc):%H:%M:%S}Z] {msg}", file=sys.stderr,
          flush=True)


def draw(rng, pool, n):
    """n rows of pool: without replacement up to len(pool), then the rest with replacement."""
    if n <= len(pool):
        return rng.sample(pool, n)
    rows = rng.sample(pool, len(pool)) + rng.choices(pool, k=n - len(pool))
    rng.shuffle(rows)
    return rows


def by_length(rng, pool, n, tokens):
    by_class = {}
    for t, l in pool:
        by_class.setdefault(l, []).append(t.split())
    labels = sorted(by_class)
    rows = []
    for i in range(n):
        label = labels[i % len(labels)]
        words = []
        while len(words) < tokens:
            words.extend(rng.choice(by_class[label]))
        rows.append((" ".join(words[:tokens]), label))
    rng.shuffle(rows)
    return rows


def build(name):
    """Writes OUT/corpora/NAME.csv (once) and returns its path and shape."""
    path = os.path.join(OUT, "corpora", f"{name}.csv")
    rng = random.Random(1)
    if name.startswith("n"):
        rows = draw(rng, read_csv(RT), int(name[1:]))
    elif name.startswith("len"):
        rows = by_length(rng, read_csv(RT), 2000, int(name[3:]))
    elif name == "c20":
        pool = read_csv(B77)
        keep = set(rng.sample(sorted({l for _, l in pool}), 20))
        rows = draw(rng, [r for r in pool if r[1] in keep], 10000)
    else:  # c2, c150: the same 10,000 texts, relabelled
        pool = read_csv(B77)
        intents = sorted({l for _, l in pool})
        rows = draw(rng, pool, 10000)
        if name == "c2":
            order = rng.sample(intents, len(intents))
            group = {l: ("a" if i < (len(intents) + 1) // 2 else "b") for i, l in enumerate(order)}
            rows = [(t, group[l]) for t, l in rows]
        else:
            rows = [(t, f"{l}_{rng.randrange(2)}") for t, l in rows]
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_csv(path + ".tmp", rows)
        os.replace(path + ".tmp", path)
    ntok = sum(len(t.split()) for t, _ in rows)
    return path, {"texts": len(rows), "tokens_mean": ntok / len(rows), "tokens": ntok,
                  "classes": len({l for _, l in rows}),
                  "distinct_texts": len({t for t, _ in rows})}


def deadline_ts():
    if not DEADLINE:
        return None
    h, m = map(int, DEADLINE.split(":"))
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.replace(hour=h, minute=m, second=0, microsecond=0).timestamp()


def timed(cmd, stdout_path, limit):
    """Runs cmd under GNU time and timeout; returns the measured numbers."""
    tf = stdout_path + ".time"
    load = os.getloadavg()[0]
    start = datetime.datetime.now(datetime.timezone.utc)
    log(f"load average (1 min) {load:.2f}; limit {limit}s: {' '.join(cmd)}")
    with open(stdout_path, "w") as out, open(stdout_path + ".err", "w") as err:
        p = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf,
                            "timeout", str(limit)] + cmd, cwd=ROOT, stdout=out, stderr=err)
    last = open(tf).read().strip().splitlines()[-1].split()
    wall, user, sys_, rss = float(last[0]), float(last[1]), float(last[2]), int(last[3])
    res = {"command": cmd, "started_utc": start.isoformat(timespec="seconds"),
           "load1_before": load, "load1_after": os.getloadavg()[0], "rc": p.returncode,
           "wall": wall, "cpu": user + sys_, "user": user, "sys": sys_, "rss_mb": rss / 1024,
           "limit": limit, "finished": p.returncode == 0}
    if p.returncode == 124:
        res["note"] = f"did not finish in {limit / 60:g} min"
    elif p.returncode != 0:
        res["note"] = f"failed (exit {p.returncode}): see {stdout_path}.err"
    log(f"  -> rc {p.returncode}, wall {wall:.1f}s, CPU {user + sys_:.1f}s, "
        f"RSS {rss / 1024:.0f} MB")
    return res


def run_embed_tl(name, path, limit):
    out = os.path.join(OUT, "runs", f"{name}.embed-tl.json")
    res = timed([BIN, "classify", "--vectors", VECTORS, "--train", path, "--format", "json",
                 "--quiet"], out, limit)
    if res["finished"]:
        rep = json.load(open(out))
        res["accuracy"] = rep["cv"]["accuracy_mean"]
        res["reported_seconds"] = rep.get("seconds")
        res["chosen"] = rep["cv"].get("chosen")
        res["unconverged"] = rep["cv"].get("unconverged")
        res["coverage"] = {k: v for k, v in (rep.get("coverage") or {}).items()
                           if k != "top_missing"}
    return res


def run_sklearn(name, path, limit):
    out = os.path.join(OUT, "runs", f"{name}.sklearn.out")
    res = timed([PYTHON, os.path.join(ROOT, "benches", "classify_accuracy.py"),
                 "--sklearn-rt-cv", "--train", path], out, limit)
    m = re.search(r"gensim: loaded \d+ words in ([0-9.]+)s", open(out + ".err").read())
    if m:
        res["glove_load_seconds"] = float(m.group(1))
    if res["finished"]:
        res["accuracy"] = json.loads(open(out).read().strip().splitlines()[-1])["accuracy"]
    return res


def load_results(fresh):
    if not fresh and os.path.exists(RESULTS):
        return json.load(open(RESULTS))
    return {}


def save(results):
    with open(RESULTS + ".tmp", "w") as f:
        json.dump(results, f, indent=1)
    os.replace(RESULTS + ".tmp", RESULTS)


def report(results):
    def cells(r):
        if r is None:
            return ["not run"] * 4
        if not r["finished"]:
            return [r.get("note", "failed"), f"{r['cpu']:.1f}", f"{r['rss_mb']:.0f}", "-"]
        return [f"{r['wall']:.1f}", f"{r['cpu']:.1f}", f"{r['rss_mb']:.0f}",
                f"{100 * r['accuracy']:.2f}"]

    print("| axis | value | texts x tokens x classes | load (1 min) before | "
          "embed-tl wall s | CPU s | peak RSS MB | accuracy % | "
          "scikit-learn wall s | CPU s | peak RSS MB | accuracy % |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in TABLE_ORDER:
        r = results.get(name)
        if r is None:
            continue
        axis, value = CELLS[name]
        s = r["shape"]
        e, k = r.get("embed-tl"), r.get("sklearn")
        loads = " / ".join(f"{x['load1_before']:.2f}" for x in (e, k) if x)
        print(f"| {axis} | {value} | {s['texts']:,} x {s['tokens_mean']:.1f} x {s['classes']} | "
              f"{loads} | " + " | ".join(cells(e) + cells(k)) + " |")
    loads = [r[s]["glove_load_seconds"] for r in results.values() for s in ("sklearn",)
             if s in r and "glove_load_seconds" in r[s]]
    if loads:
        print(f"\nscikit-learn's gensim load of the GloVe text (inside its wall time): "
              f"{min(loads):.1f} to {max(loads):.1f} s")
    print(f"\nRaw numbers: {RESULTS}")


def main():
    args = set(sys.argv[1:])
    unknown = args - {"--fresh", "--report-only", "--corpora-only"}
    if unknown:
        sys.exit(f"unknown option(s) {sorted(unknown)}; see the docstring of {__file__}")
    results = load_results("--fresh" in args)
    if "--report-only" in args:
        return report(results)
    names = os.environ.get("CELLS", ",".join(CELLS)).split(",")
    systems = os.environ.get("SYSTEMS", "embed-tl,sklearn").split(",")
    for n in names:
        if n not in CELLS:
            sys.exit(f"unknown cell {n!r}; expected one of {', '.join(CELLS)}")
    for f in (BIN, VECTORS, RT, B77, "/usr/bin/time"):
        if not os.path.exists(f):
            sys.exit(f"{f} is missing (see the docstring)")
    os.makedirs(os.path.join(OUT, "runs"), exist_ok=True)
    for n in names:
        path, shape = build(n)
        log(f"{n}: {path}: {shape}")
        results.setdefault(n, {})["shape"] = shape
    save(results)
    if "--corpora-only" in args:
        return
    end = deadline_ts()
    for n in names:
        path = os.path.join(OUT, "corpora", f"{n}.csv")
        for system in systems:
            if system in results[n]:
                continue
            limit = TIMEOUT
            if end is not None:
                left = end - time.time()
                if left <= 0:
                    log(f"{n} {system}: not run, past the deadline {DEADLINE} UTC")
                    continue
                limit = int(min(TIMEOUT, left))
            run = run_embed_tl if system == "embed-tl" else run_sklearn
            results[n][system] = run(n, path, limit)
            save(results)
    report(results)


if __name__ == "__main__":
    main()
