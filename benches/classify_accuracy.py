#!/usr/bin/env python3
"""Accuracy benchmark: embed-tl classify vs scikit-learn mean-pool and fastText supervised.

Command (from the repository root; on 2 cores the accuracy runs take ~40 minutes and the time
row 20-50 more, most of it waiting for a quiet machine):

    cargo build --release && cp target/release/embed-tl /tmp/embed-tl-bench
    mkdir -p /tmp/bench && python3 benches/classify_accuracy.py 2>&1 | tee /tmp/bench/classify_accuracy.log

Corpora (shipped, columns text,label): UCI reviews and Rotten Tomatoes (10-fold stratified
CV), TREC-6 and Banking77 (train / official test). Vectors: GloVe 6B 50d, all 400,000 words
(embeddings/glove.6B.50d.txt; embeddings/fetch re-creates it).

Peers, all run in the same invocation:
  * scikit-learn: tokens re.findall(r"\\w+|[^\\w\\s]", text.lower()), mean of the GloVe vectors
    of the known tokens (zeros if none; gensim load_word2vec_format(no_header=True) of the
    .txt), LogisticRegressionCV(Cs=10, cv=5, max_iter=2000) (multinomial, accuracy scoring).
    CV corpora: StratifiedKFold(10, shuffle=True, random_state=42), the LogisticRegressionCV
    fitted inside each training fold.
  * fastText (Debian package CLI): `fasttext supervised -dim 50 -pretrainedVectors
    glove.6B.50d.vec -epoch 25 -lr 0.5 -wordNgrams 2 -thread 2` on `__label__<label>
    <lowercased text>` lines, then `fasttext test` (P@1 = accuracy). Same folds as sklearn.
  * embed-tl (ours): real CLI runs of `classify --vectors glove.6B.50d.fifu --format json`
    with default features (both, pmeans pooling), `--features vectors` and `--features
    ngrams`. CV corpora: cv.accuracy_mean (embed-tl's own 10-fold stratified CV, seed 42).
    Train/test corpora: test.metrics.accuracy.

500-example rows: three stratified draws of 500 training examples (sklearn train_test_split,
train_size=500, stratify=y, random_state 1, 2, 3). Reviews / RT: test on all the remaining
examples of the corpus. TREC / Banking77: draw from the official train set, test on the
official test set. The mean of the 3 draws is reported, per-draw numbers are kept.

Last, a time row (only once the 1-minute load average is below 0.6): the whole 10-fold CV on
Rotten Tomatoes, vector loading included, wall time of (i) the sklearn pipeline in one python
process, (ii) embed-tl classify default with the .fifu, (iii) the same with the GloVe .txt;
3 runs each, interleaved, medians reported.

Outputs: Markdown tables on stdout, every raw number in /tmp/bench/classify_accuracy.json,
embed-tl and fastText stderr under /tmp/bench/logs/. Results already in the JSON (same
embed-tl binary) are reused, so a rerun after a failure only computes what is missing.

Options: --no-timing (skip the time row), --fresh (ignore the cached JSON), --embed-tl-only
(skip the scikit-learn and fastText cells: the rerun after a change to embed-tl alone),
--redo-timing (recompute only the time row), --retime-noisy (rerun the timed runs that
started with the load average above 0.6), --report-only. Environment: EMBED_TL (binary, default
/tmp/embed-tl-bench), BENCH_DIR (default /tmp/bench), MAX_WAIT (seconds to wait for the load
average to fall below 0.6 before each timed run, default 900; the run is then marked noisy).
"""

import argparse
import csv
import datetime
import hashlib
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("EMBED_TL", "/tmp/embed-tl-bench")
OUT = os.environ.get("BENCH_DIR", "/tmp/bench")
LOGS = os.path.join(OUT, "logs")
GLOVE_TXT = "embeddings/glove.6B.50d.txt"  # relative to ROOT
FIFU = os.path.join(OUT, "glove.6B.50d.fifu")
VEC = os.path.join(OUT, "glove.6B.50d.vec")
RESULTS = os.path.join(OUT, "classify_accuracy.json")
SEEDS = (1, 2, 3)
DRAW = 500
TOKEN_RE = re.compile(r"\w+|[^\w\s]")

CORPORA = [
    # name, title, protocol, train (relative to ROOT), test
    ("reviews", "UCI reviews", "cv", "corpora/reviews.csv", None),
    ("rt", "Rotten Tomatoes", "cv", "corpora/rotten-tomatoes.csv", None),
    ("trec", "TREC-6", "split", "corpora/trec-train.csv", "corpora/trec-test.csv"),
    ("banking77", "Banking77", "split", "corpora/banking77-train.csv", "corpora/banking77-test.csv"),
]
REFERENCE = {  # the numbers this benchmark is meant to reproduce (sklearn, fastText), in %
    "reviews": (77.1, 84.7), "rt": (69.7, 78.6), "trec": (67.8, 90.2), "banking77": (75.8, 90.1),
}
EMBED_VARIANTS = [("vectors", ["--features", "vectors"]), ("ngrams", ["--features", "ngrams"]),
                  ("both", [])]


# Whether the scikit-learn and fastText cells are computed (--embed-tl-only clears it).
PEERS = True


def log(msg):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_csv(path):
    with open(os.path.join(ROOT, path), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def write_csv(path, texts, labels):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(["text", "label"])
        for t, l in zip(texts, labels):
            w.writerow([t, l])


def tokens(text):
    return TOKEN_RE.findall(text.lower())


# ---------------------------------------------------------------- result cache

class Store:
    def __init__(self, fresh):
        self.data = {}
        if not fresh and os.path.exists(RESULTS):
            with open(RESULTS) as f:
                self.data = json.load(f)

    def get(self, *keys):
        d = self.data
        for k in keys:
            if not isinstance(d, dict) or k not in d:
                return None
            d = d[k]
        return d

    def put(self, value, *keys):
        d = self.data
        for k in keys[:-1]:
            d = d.setdefault(k, {})
        d[keys[-1]] = value
        self.save()

    def save(self):
        tmp = RESULTS + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1)
        os.replace(tmp, RESULTS)


# ---------------------------------------------------------------- machine facts

def run_text(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError as e:
        return f"unavailable ({e})"


def machine_facts():
    import gensim
    import numpy
    import sklearn
    info_file = BIN + ".info"
    build = json.load(open(info_file)) if os.path.exists(info_file) else None
    ft_version = run_text(["dpkg-query", "-W", "-f=${Version}", "fasttext"])
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": int(run_text(["nproc"]) or 0),
        "platform": platform.platform(),
        "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                     if l.startswith("model name")), "?"),
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "gensim": gensim.__version__,
        "numpy": numpy.__version__,
        "fasttext": f"Debian package fasttext {ft_version} (the CLI prints no version)",
        "embed_tl_binary": BIN,
        "embed_tl_binary_sha256": sha256(BIN),
        "embed_tl_version": run_text([BIN, "--version"]),
        "embed_tl_build": build,
        "repo_head_at_run": run_text(["git", "-C", ROOT, "rev-parse", "HEAD"]),
    }


# ---------------------------------------------------------------- vectors

def prepare_vectors(store):
    os.makedirs(LOGS, exist_ok=True)
    for out, extra in ((FIFU, []), (VEC, ["--to", "word2vec-text"])):
        if os.path.exists(out) and store.get("vectors", os.path.basename(out)):
            continue
        log(f"converting {GLOVE_TXT} -> {out}")
        t0 = time.monotonic()
        p = subprocess.run([BIN, "vectors", "convert", GLOVE_TXT, out] + extra, cwd=ROOT,
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"vectors convert failed ({p.returncode}):\n{p.stderr}")
        with open(out, "rb") as f:
            head = f.readline()[:80].decode("utf-8", "replace").strip() if out == VEC else None
        store.put({"seconds": time.monotonic() - t0, "bytes": os.path.getsize(out),
                   "first_line": head, "stderr": p.stderr[-2000:]},
                  "vectors", os.path.basename(out))


_KV = None


def glove():
    global _KV
    if _KV is None:
        from gensim.models import KeyedVectors
        log("gensim: loading the GloVe text (400,000 words)")
        t0 = time.monotonic()
        _KV = KeyedVectors.load_word2vec_format(os.path.join(ROOT, GLOVE_TXT), binary=False,
                                                no_header=True)
        log(f"gensim: loaded {len(_KV.key_to_index)} words in {time.monotonic() - t0:.1f}s")
    return _KV


def mean_pool(kv, texts):
    import numpy as np
    X = np.zeros((len(texts), kv.vector_size), dtype=np.float64)
    known = 0
    total = 0
    for i, t in enumerate(texts):
        toks = tokens(t)
        ids = [kv.key_to_index[w] for w in toks if w in kv.key_to_index]
        total += len(toks)
        known += len(ids)
        if ids:
            X[i] = kv.vectors[ids].astype(np.float64).mean(axis=0)
    return X, (known / total if total else 0.0)


# ---------------------------------------------------------------- peers

def sklearn_fit_score(Xtr, ytr, Xte, yte):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegressionCV
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", FutureWarning)  # sklearn 1.9 deprecation notices only
        m = LogisticRegressionCV(Cs=10, cv=5, max_iter=2000)
        m.fit(Xtr, ytr)
        acc = float(m.score(Xte, yte))
    msgs = sorted({f"{w.category.__name__}: {str(w.message).splitlines()[0][:200]}"
                   for w in caught})
    return {"accuracy": acc, "C": float(m.C_[0]),
            "convergence_warnings": sum(issubclass(w.category, ConvergenceWarning)
                                        for w in caught),
            "warnings": msgs}


def ft_line(text, label):
    return "__label__" + re.sub(r"\s+", "_", label) + " " + " ".join(text.lower().split())


def fasttext_fit_score(tag, tr_texts, tr_labels, te_texts, te_labels):
    d = os.path.join(OUT, "fasttext")
    os.makedirs(d, exist_ok=True)
    trf, tef, model = (os.path.join(d, f"{tag}.{s}") for s in ("train.txt", "test.txt", "m"))
    with open(trf, "w", encoding="utf-8") as f:
        f.writelines(ft_line(t, l) + "\n" for t, l in zip(tr_texts, tr_labels))
    with open(tef, "w", encoding="utf-8") as f:
        f.writelines(ft_line(t, l) + "\n" for t, l in zip(te_texts, te_labels))
    t0 = time.monotonic()
    p = subprocess.run(["fasttext", "supervised", "-input", trf, "-output", model, "-dim", "50",
                        "-pretrainedVectors", VEC, "-epoch", "25", "-lr", "0.5",
                        "-wordNgrams", "2", "-thread", "2"], capture_output=True, text=True)
    train_s = time.monotonic() - t0
    with open(os.path.join(LOGS, f"fasttext-{tag}.train.log"), "w") as f:
        f.write(p.stdout + p.stderr)
    if p.returncode != 0:
        raise RuntimeError(f"fasttext supervised failed for {tag}: {p.stderr[-1000:]}")
    q = subprocess.run(["fasttext", "test", model + ".bin", tef], capture_output=True, text=True)
    if q.returncode != 0:
        raise RuntimeError(f"fasttext test failed for {tag}: {q.stderr[-1000:]}")
    vals = dict(re.findall(r"^(N|P@1|R@1)\s+(\S+)", q.stdout, re.M))
    n = int(vals["N"])
    for ext in (".bin", ".vec"):
        if os.path.exists(model + ext):
            os.remove(model + ext)
    res = {"accuracy": float(vals["P@1"]), "N": n, "expected_N": len(te_texts),
           "train_seconds": train_s}
    if n != len(te_texts):
        res["oddity"] = f"fasttext test scored {n} lines of {len(te_texts)}"
    return res


def run_embed_tl(tag, args):
    """One real CLI run; returns (json report, stderr, wall seconds)."""
    cmd = [BIN, "classify", "--vectors", FIFU] + args + ["--format", "json"]
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - t0
    with open(os.path.join(LOGS, f"embed-tl-{tag}.stderr"), "w") as f:
        f.write(p.stderr)
    if p.returncode != 0:
        raise RuntimeError(f"embed-tl failed ({p.returncode}) for {tag}: {' '.join(cmd)}\n"
                           f"{p.stderr[-2000:]}")
    return json.loads(p.stdout), p.stderr, wall, cmd


def stderr_notes(stderr):
    """The stderr lines worth reporting (warnings, convergence), progress-bar noise dropped."""
    lines = [l.strip() for l in re.split(r"[\r\n]+", stderr) if l.strip()]
    return [l[:300] for l in lines if re.search(r"warn|converg|error|iteration", l, re.I)][:20]


def embed_tl_result(tag, args, mode):
    rep, stderr, wall, cmd = run_embed_tl(tag, args)
    res = {"command": " ".join(cmd).replace(ROOT + "/", ""), "seconds": rep.get("seconds"),
           "wall_seconds": wall, "features": rep.get("features"), "pool": rep.get("pool"),
           "coverage": rep.get("coverage"), "model": rep.get("model"),
           "stderr_notes": stderr_notes(stderr), "stderr_bytes": len(stderr)}
    if mode == "cv":
        cv = rep["cv"]
        res.update(accuracy=cv["accuracy_mean"], accuracy_std=cv.get("accuracy_std"),
                   fold_accuracy=cv.get("fold_accuracy"), chosen=cv.get("chosen"),
                   unconverged=cv.get("unconverged"),
                   pooled_accuracy=cv.get("pooled", {}).get("accuracy"))
    else:
        res.update(accuracy=rep["test"]["metrics"]["accuracy"],
                   macro_f1=rep["test"]["metrics"].get("macro_f1"),
                   test_rows=rep["test"].get("rows"))
    return res


# ---------------------------------------------------------------- the accuracy runs

def full_row(store, name, protocol, train, test):
    import numpy as np
    from sklearn.model_selection import StratifiedKFold
    key = (name, "full")
    texts, labels = read_csv(train)
    y = np.array(labels)

    if PEERS and store.get(*key, "sklearn") is None:
        kv = glove()
        X, cov = mean_pool(kv, texts)
        t0 = time.monotonic()
        if protocol == "cv":
            folds = []
            skf = StratifiedKFold(n_splits=10, shuffle=True, random_state=42)
            for k, (tr, te) in enumerate(skf.split(X, y)):
                folds.append(sklearn_fit_score(X[tr], y[tr], X[te], y[te]))
                log(f"sklearn {name} fold {k}: {folds[-1]['accuracy']:.4f}")
            res = {"accuracy": float(np.mean([f["accuracy"] for f in folds])), "folds": folds}
        else:
            tt, tl = read_csv(test)
            Xte, _ = mean_pool(kv, tt)
            res = sklearn_fit_score(X, y, Xte, np.array(tl))
        res["token_coverage"] = cov
        res["seconds"] = time.monotonic() - t0
        store.put(res, *key, "sklearn")
        log(f"sklearn {name} full: {res['accuracy']:.4f}")

    if PEERS and store.get(*key, "fasttext") is None:
        t0 = time.monotonic()
        if protocol == "cv":
            folds = []
            skf = StratifiedKFold(n_splits=10, shuffle=True, random_state=42)
            for k, (tr, te) in enumerate(skf.split(np.zeros(len(y)), y)):
                folds.append(fasttext_fit_score(
                    f"{name}-full-fold{k}", [texts[i] for i in tr], [labels[i] for i in tr],
                    [texts[i] for i in te], [labels[i] for i in te]))
                log(f"fasttext {name} fold {k}: {folds[-1]['accuracy']:.4f}")
            res = {"accuracy": float(np.mean([f["accuracy"] for f in folds])), "folds": folds}
        else:
            tt, tl = read_csv(test)
            res = fasttext_fit_score(f"{name}-full", texts, labels, tt, tl)
        res["seconds"] = time.monotonic() - t0
        store.put(res, *key, "fasttext")
        log(f"fasttext {name} full: {res['accuracy']:.4f}")

    for variant, extra in EMBED_VARIANTS:
        if store.get(*key, "embed_tl_" + variant) is None:
            args = ["--train", train] + (["--test", test] if test else []) + extra
            log(f"embed-tl {name} full {variant} ...")
            res = embed_tl_result(f"{name}-full-{variant}", args, protocol)
            store.put(res, *key, "embed_tl_" + variant)
            log(f"embed-tl {name} full {variant}: {res['accuracy']:.4f} ({res['seconds']:.1f}s)")


def draw_row(store, name, protocol, train, test):
    import numpy as np
    from sklearn.model_selection import train_test_split
    key = (name, "500")
    texts, labels = read_csv(train)
    y = np.array(labels)
    if test:
        te_texts_all, te_labels_all = read_csv(test)
    draws = store.get(*key, "draws") or {}
    for seed in SEEDS:
        s = str(seed)
        d = draws.setdefault(s, {})
        tr_idx, rest_idx = train_test_split(np.arange(len(y)), train_size=DRAW, stratify=y,
                                            random_state=seed)
        tr_t, tr_l = [texts[i] for i in tr_idx], [labels[i] for i in tr_idx]
        if test:
            te_t, te_l, te_path = te_texts_all, te_labels_all, test
        else:
            te_t, te_l = [texts[i] for i in rest_idx], [labels[i] for i in rest_idx]
            te_path = os.path.join(OUT, f"{name}-draw{seed}-rest.csv")
            write_csv(te_path, te_t, te_l)
        tr_path = os.path.join(OUT, f"{name}-draw{seed}-train.csv")
        write_csv(tr_path, tr_t, tr_l)
        counts = {l: tr_l.count(l) for l in sorted(set(tr_l))}
        d["train_rows"], d["test_rows"] = len(tr_t), len(te_t)
        d["train_classes"], d["min_class_count"] = len(counts), min(counts.values())
        d["train_file"], d["test_file"] = tr_path, te_path

        if PEERS and "sklearn" not in d:
            kv = glove()
            Xtr, _ = mean_pool(kv, tr_t)
            Xte, _ = mean_pool(kv, te_t)
            d["sklearn"] = sklearn_fit_score(Xtr, np.array(tr_l), Xte, np.array(te_l))
            store.put(draws, *key, "draws")
            log(f"sklearn {name} 500 seed {seed}: {d['sklearn']['accuracy']:.4f}")
        if PEERS and "fasttext" not in d:
            d["fasttext"] = fasttext_fit_score(f"{name}-500-seed{seed}", tr_t, tr_l, te_t, te_l)
            store.put(draws, *key, "draws")
            log(f"fasttext {name} 500 seed {seed}: {d['fasttext']['accuracy']:.4f}")
        for variant, extra in EMBED_VARIANTS:
            if "embed_tl_" + variant not in d:
                args = ["--train", tr_path, "--test", te_path] + extra
                d["embed_tl_" + variant] = embed_tl_result(
                    f"{name}-500-seed{seed}-{variant}", args, "split")
                store.put(draws, *key, "draws")
                log(f"embed-tl {name} 500 seed {seed} {variant}: "
                    f"{d['embed_tl_' + variant]['accuracy']:.4f}")
    store.put(draws, *key, "draws")
    for peer in ["sklearn", "fasttext"] + ["embed_tl_" + v for v, _ in EMBED_VARIANTS]:
        if not all(peer in draws[str(s)] for s in SEEDS):
            continue
        accs = [draws[str(s)][peer]["accuracy"] for s in SEEDS]
        store.put({"accuracy": statistics.mean(accs), "per_draw": accs,
                   "std": statistics.stdev(accs)}, *key, peer)


# ---------------------------------------------------------------- the time row

def sklearn_rt_cv_process(train="corpora/rotten-tomatoes.csv", test=None):
    """(i) of the time row: the whole sklearn pipeline in this one process (also used by
    benches/classify_cost.sh with another corpus: 10-fold CV, or train -> test)."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold
    kv = glove()
    texts, labels = read_csv(train)
    X, _ = mean_pool(kv, texts)
    y = np.array(labels)
    if test:
        te_texts, te_labels = read_csv(test)
        Xte, _ = mean_pool(kv, te_texts)
        acc = sklearn_fit_score(X, y, Xte, np.array(te_labels))["accuracy"]
        print(json.dumps({"accuracy": acc}))
        return
    accs = [sklearn_fit_score(X[tr], y[tr], X[te], y[te])["accuracy"]
            for tr, te in StratifiedKFold(10, shuffle=True, random_state=42).split(X, y)]
    print(json.dumps({"accuracy": float(np.mean(accs))}))


def wait_quiet(limit=0.6, max_wait=int(os.environ.get("MAX_WAIT", "900"))):
    t0 = time.monotonic()
    while os.getloadavg()[0] >= limit:
        if time.monotonic() - t0 > max_wait:
            log(f"load average still {os.getloadavg()[0]:.2f} after {max_wait}s: timing anyway")
            return False, time.monotonic() - t0
        time.sleep(10)
    return True, time.monotonic() - t0


def timed(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise RuntimeError(f"timed run failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    out = json.loads(p.stdout.strip().splitlines()[-1] if "--sklearn-rt-cv" in cmd else p.stdout)
    acc = out["accuracy"] if "accuracy" in out else out["cv"]["accuracy_mean"]
    return {"wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "load_before": load[0], "load_after": os.getloadavg()[0], "accuracy": acc, "stderr_notes": stderr_notes(p.stderr)}


def time_row(store):
    cmds = {
        "sklearn": [sys.executable, os.path.abspath(__file__), "--sklearn-rt-cv"],
        "embed_tl_fifu": [BIN, "classify", "--vectors", FIFU, "--train",
                          "corpora/rotten-tomatoes.csv", "--format", "json"],
        "embed_tl_txt": [BIN, "classify", "--vectors", GLOVE_TXT, "--train",
                         "corpora/rotten-tomatoes.csv", "--format", "json"],
    }
    timing = store.get("timing") or {"runs": {k: [] for k in cmds}}
    for rnd in range(3):
        for k, cmd in cmds.items():
            if len(timing["runs"][k]) > rnd:
                continue
            quiet, waited = wait_quiet()
            log(f"timing round {rnd} {k} (load {os.getloadavg()[0]:.2f}, waited {waited:.0f}s)")
            r = timed(cmd)
            r.update(quiet=quiet, waited=waited)
            timing["runs"][k].append(r)
            store.put(timing, "timing")
            log(f"timing round {rnd} {k}: {r['wall']:.1f}s wall, {r['cpu']:.1f}s cpu")
    timing["commands"] = {k: " ".join(c).replace(ROOT + "/", "").replace(sys.executable, "python3")
                          for k, c in cmds.items()}
    timing["median"] = {k: statistics.median(r["wall"] for r in v) for k, v in timing["runs"].items()}
    store.put(timing, "timing")


# ---------------------------------------------------------------- report

def pct(x):
    return "—" if x is None else f"{100 * x:.1f}"


def report(store):
    facts = store.get("machine")
    print("\n## Machine\n")
    for k, v in facts.items():
        print(f"- {k}: {v}")

    print("\n## Accuracy (%), GloVe 6B 50d (400,000 words)\n")
    print("| corpus | rows | sklearn mean-pool | fastText | embed-tl vectors | embed-tl ngrams "
          "| embed-tl both (default) | best embed-tl − fastText |")
    print("|---|---|---|---|---|---|---|---|")
    checks = []
    for name, title, protocol, _, _ in CORPORA:
        for size in ("full", "500"):
            r = store.get(name, size)
            if not r:
                continue
            a = {k: (r.get(k) or {}).get("accuracy") for k in
                 ("sklearn", "fasttext", "embed_tl_vectors", "embed_tl_ngrams", "embed_tl_both")}
            ours = [a[k] for k in ("embed_tl_vectors", "embed_tl_ngrams", "embed_tl_both")]
            best = max(x for x in ours if x is not None) if any(x is not None for x in ours) else None
            delta = (f"{100 * (best - a['fasttext']):+.1f}" if best is not None and
                     a["fasttext"] is not None else "—")
            what = ("10-fold CV" if protocol == "cv" else "train/test") if size == "full" else \
                ("500 train, rest test, mean of 3" if protocol == "cv" else
                 "500 of train, official test, mean of 3")
            print(f"| {title} | {size} ({what}) | {pct(a['sklearn'])} | {pct(a['fasttext'])} | "
                  f"{pct(a['embed_tl_vectors'])} | {pct(a['embed_tl_ngrams'])} | "
                  f"{pct(a['embed_tl_both'])} | {delta} |")
            if None not in ours and a["sklearn"] is not None:
                checks.append((f"{title} {size}", a["embed_tl_both"] > a["sklearn"],
                               a["embed_tl_both"] >= max(ours[:2])))

    print("\n| row | (a) default beats sklearn | (b) both >= max(vectors, ngrams) |")
    print("|---|---|---|")
    for row, ca, cb in checks:
        print(f"| {row} | {'yes' if ca else 'NO'} | {'yes' if cb else 'NO'} |")

    print("\n## Reference numbers vs this run (%)\n")
    print("| corpus | sklearn ref | sklearn here | fastText ref | fastText here |")
    print("|---|---|---|---|---|")
    for name, title, *_ in CORPORA:
        s, f = REFERENCE[name]
        print(f"| {title} | {s} | {pct(store.get(name, 'full', 'sklearn', 'accuracy'))} | {f} | "
              f"{pct(store.get(name, 'full', 'fasttext', 'accuracy'))} |")

    print("\n## Per-draw accuracies of the 500 rows (%; seeds 1, 2, 3)\n")
    print("| corpus | sklearn | fastText | vectors | ngrams | both |")
    print("|---|---|---|---|---|---|")
    for name, title, *_ in CORPORA:
        r = store.get(name, "500") or {}
        cells = [" / ".join(pct(x) for x in (r.get(k) or {}).get("per_draw", []))
                 for k in ("sklearn", "fasttext", "embed_tl_vectors", "embed_tl_ngrams",
                           "embed_tl_both")]
        print(f"| {title} | " + " | ".join(cells) + " |")

    print("\n## embed-tl hyperparameters and seconds (JSON `seconds`)\n")
    for name, title, *_ in CORPORA:
        for variant, _ in EMBED_VARIANTS:
            r = store.get(name, "full", "embed_tl_" + variant)
            if not r:
                continue
            if r.get("chosen"):
                ch = ", ".join(f"C={c['c']:g}" + (f" β={c['beta']:g}" if variant == "both" else "")
                               for c in r["chosen"])
                hp = f"per fold: {ch}"
            else:
                m = r.get("model") or {}
                hp = (f"C={m.get('c')}" + (f" β={m.get('beta')}" if variant == "both" else "") +
                      f", {m.get('iterations')} iterations, converged={m.get('converged')}")
            extra = (f"; {r['unconverged']} fits stopped at --max-iter" if r.get("unconverged")
                     else "")
            print(f"- {title} full {variant}: {r['seconds']:.1f}s; {hp}{extra}")
        d = store.get(name, "500", "draws") or {}
        for variant, _ in EMBED_VARIANTS:
            hps = []
            for s in SEEDS:
                m = ((d.get(str(s)) or {}).get("embed_tl_" + variant) or {}).get("model") or {}
                hps.append(f"C={m.get('c')}" + (f" β={m.get('beta')}" if variant == "both" else "")
                           + ("" if m.get("converged", True) else " (NOT converged)"))
            print(f"- {title} 500 {variant}: " + "; ".join(hps))

    notes = []
    for name, title, *_ in CORPORA:
        for size in ("full", "500"):
            r = store.get(name, size) or {}
            runs = [(f"{title} {size} {k}", v) for k, v in r.items() if k.startswith("embed_tl")]
            for s, dd in (r.get("draws") or {}).items():
                runs += [(f"{title} 500 seed {s} {k}", v) for k, v in dd.items()
                         if isinstance(v, dict) and k.startswith(("embed_tl", "sklearn", "fasttext"))]
                if dd.get("min_class_count", 99) < 5:
                    notes.append(f"{title} 500 seed {s}: smallest class has "
                                 f"{dd['min_class_count']} training examples "
                                 f"({dd['train_classes']} classes)")
            if isinstance(r.get("sklearn"), dict):
                for f in r["sklearn"].get("folds", [r["sklearn"]]):
                    for w in f.get("warnings", []):
                        notes.append(f"{title} {size} sklearn: {w}")
            for label, v in runs:
                for l in v.get("stderr_notes", []):
                    notes.append(f"{label} stderr: {l}")
                for w in v.get("warnings", []):
                    notes.append(f"{label}: {w}")
                if v.get("oddity"):
                    notes.append(f"{label}: {v['oddity']}")
    print("\n## Warnings and oddities\n")
    for n in dict.fromkeys(notes) or ["none"]:
        print(f"- {n}")

    t = store.get("timing")
    if t and "median" in t:
        med = t["median"]
        print("\n## Time row: Rotten Tomatoes 10-fold CV, vector loading included "
              "(wall seconds, 3 interleaved runs)\n")
        print("| pipeline | runs (s) | median (s) | sklearn / this | accuracy |")
        print("|---|---|---|---|---|")
        for k, title in (("sklearn", "sklearn (gensim .txt load + mean-pool + 10 x LogisticRegressionCV)"),
                         ("embed_tl_fifu", "embed-tl classify default, .fifu vectors"),
                         ("embed_tl_txt", "embed-tl classify default, GloVe .txt vectors")):
            runs = t["runs"][k]
            walls = ", ".join(f"{r['wall']:.1f}" + ("" if r.get("quiet", True) else "*") for r in runs)
            print(f"| {title} | {walls} | {med[k]:.1f} | "
                  f"{med['sklearn'] / med[k]:.2f} | {pct(runs[0]['accuracy'])} |")
        print("\nCPU seconds (user+sys) per run: " + "; ".join(
            f"{k}: " + ", ".join(f"{r['cpu']:.0f}" for r in v) for k, v in t["runs"].items()))
        print("1-min load average before each run: " + "; ".join(
            f"{k}: " + ", ".join(f"{r['load_before']:.2f}" for r in v) for k, v in t["runs"].items()))
        if any(not r.get("quiet", True) for v in t["runs"].values() for r in v):
            print("* started with the 1-minute load average still >= 0.6 after 15 minutes of waiting")
        if t.get("replaced_noisy_runs"):
            print("Replaced noisy runs (wall s): " + ", ".join(
                f"{r['pipeline']} round {r['round']}: {r['wall']:.1f} (load {r['load_before']:.2f})"
                for r in t["replaced_noisy_runs"]))
        for k, f in (("embed_tl_fifu", "fifu"), ("embed_tl_txt", "txt")):
            print(f"Target embed-tl ({f}) < 1/5 of sklearn: "
                  f"{'met' if med[k] < med['sklearn'] / 5 else 'NOT met'} "
                  f"({med[k]:.1f}s vs {med['sklearn'] / 5:.1f}s)")
    for inv in store.get("invocations") or []:
        print(f"Invocation {' '.join(inv['argv']) or '(default)'} started {inv['started']}: "
              f"accuracy part {inv['accuracy_seconds'] / 60:.1f} min, "
              f"total {inv['total_seconds'] / 60:.1f} min")
    print(f"\nRaw numbers: {RESULTS}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--redo-timing", action="store_true")
    ap.add_argument("--retime-noisy", action="store_true",
                    help="rerun only the timed runs that started on a busy machine")
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--embed-tl-only", action="store_true",
                    help="skip the scikit-learn and fastText cells (their columns stay empty "
                         "unless cached): the rerun after a change to embed-tl alone")
    ap.add_argument("--sklearn-rt-cv", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--train", help=argparse.SUPPRESS)
    ap.add_argument("--test", help=argparse.SUPPRESS)
    a = ap.parse_args()
    global PEERS
    PEERS = not a.embed_tl_only
    if a.sklearn_rt_cv:
        return sklearn_rt_cv_process(a.train or "corpora/rotten-tomatoes.csv", a.test)

    os.makedirs(LOGS, exist_ok=True)
    if not os.path.exists(BIN):
        sys.exit(f"{BIN} is missing: cargo build --release && cp target/release/embed-tl {BIN}")
    if not os.path.exists(os.path.join(ROOT, GLOVE_TXT)):
        sys.exit(f"{GLOVE_TXT} is missing: run embeddings/fetch")
    store = Store(a.fresh)
    if a.report_only:
        return report(store)
    t_start = time.monotonic()
    facts = machine_facts()
    old = store.get("machine") or {}
    if old.get("embed_tl_binary_sha256") not in (None, facts["embed_tl_binary_sha256"]):
        log("embed-tl binary changed since the cached results: starting fresh")
        store.data = {}
    if old.get("date"):
        facts["first_run_date"] = old.get("first_run_date", old["date"])
    store.put(facts, "machine")
    if a.redo_timing:
        store.data.pop("timing", None)
    if a.retime_noisy and store.get("timing"):
        t = store.data["timing"]
        noisy = [(k, i) for k, v in t["runs"].items() for i, r in enumerate(v) if not r["quiet"]]
        t.setdefault("replaced_noisy_runs", []).extend(
            {"pipeline": k, "round": i, **t["runs"][k][i]} for k, i in noisy)
        for k, v in t["runs"].items():  # drop the noisy runs and every later run of that pipeline
            first = min([i for kk, i in noisy if kk == k], default=len(v))
            del v[first:]
        t.pop("median", None)
        store.save()

    prepare_vectors(store)
    for name, title, protocol, train, test in CORPORA:
        full_row(store, name, protocol, train, test)
        draw_row(store, name, protocol, train, test)
    inv = {"argv": sys.argv[1:], "started": facts["date"],
           "accuracy_seconds": time.monotonic() - t_start}
    if not a.no_timing:
        time_row(store)
    inv["total_seconds"] = time.monotonic() - t_start
    store.put((store.get("invocations") or []) + [inv], "invocations")
    report(store)
    print(f"Run time of this invocation: {(time.monotonic() - t_start) / 60:.1f} min")


if __name__ == "__main__":
    main()
