#!/usr/bin/env bash
# Classify cost benchmark (issue 13): wall time, CPU time, peak RSS and accuracy of
# `embed-tl classify` with default settings, for two binaries (BEFORE and AFTER) and,
# optionally, the scikit-learn pipeline of benches/classify_accuracy.py, interleaved in the
# same run.
#
# Runs (vectors: $VECTORS, default the shipped embeddings/glove.6B.50d.top50k.fifu; the
# issue's figures use the full GloVe 6B 50d as .fifu, see docs/benchmarks.md):
#   reviews   classify --train corpora/reviews.csv               (10-fold CV: cv.accuracy_mean)
#   rt        classify --train corpora/rotten-tomatoes.csv       (10-fold CV; corpora/fetch-rotten-tomatoes)
#   imdb      classify --train corpora/imdb.csv                  (10-fold CV; corpora/fetch-imdb)
#   trec      classify --train corpora/trec-train.csv --test corpora/trec-test.csv
#   banking77 classify --train corpora/banking77-train.csv --test corpora/banking77-test.csv
#             (train -> test: test.metrics.accuracy)
# With SKLEARN=1 each round also runs the scikit-learn peer on the same corpus, in one python
# process under /usr/bin/time (gensim load of embeddings/glove.6B.50d.txt, mean pooling,
# LogisticRegressionCV(Cs=10, cv=5), StratifiedKFold(10) for the CV corpora): the pipeline
# `python3 benches/classify_accuracy.py --sklearn-rt-cv --train T [--test T2]`.
# Each round runs every corpus with BEFORE, AFTER (and sklearn) under /usr/bin/time (wall
# seconds, user + sys CPU seconds, peak RSS); REPEATS rounds (default 3). The table shows the
# medians and the accuracy (the same in every round: the runs are deterministic; a differing
# one is reported as an error). On a shared machine compare CPU seconds and ratios.
#
# Needs: python3, GNU time at /usr/bin/time, two release binaries; SKLEARN=1 also needs
# gensim + scikit-learn and embeddings/glove.6B.50d.txt (embeddings/fetch).
# Usage: BEFORE=/tmp/embed-tl-before|none [AFTER=target/release/embed-tl] [REPEATS=3]
#        [CORPORA="reviews trec banking77"] [VECTORS=...] [SKLEARN=1] [OUT=/tmp/classifycost]
#        benches/classify_cost.sh
# TABLE_ONLY=1 [OUT=...] [CORPORA=...] benches/classify_cost.sh prints the table of the runs
# already in $OUT/runs.tsv (e.g. of a run stopped early) without running anything.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPEATS="${REPEATS:-3}"
OUT="${OUT:-/tmp/classifycost}"
AFTER="${AFTER:-$ROOT/target/release/embed-tl}"
BEFORE="${BEFORE:-}"
CORPORA="${CORPORA:-reviews trec banking77}"
VECTORS="${VECTORS:-$ROOT/embeddings/glove.6B.50d.top50k.fifu}"
SKLEARN="${SKLEARN:-0}"

die() { echo "benches/classify_cost.sh: error: $*" >&2; exit 1; }
info() { echo "benches/classify_cost.sh: $*" >&2; }

table() {
  python3 - "$OUT/runs.tsv" "$CORPORA" <<'PY'
import json, statistics, sys
runs, corpora = sys.argv[1], sys.argv[2].split()
rows = {}
for line in open(runs):
    corpus, which, _, wall, cpu, rss, path = line.rstrip("\n").split("\t")
    doc = json.load(open(path))
    if "accuracy" in doc:
        acc = doc["accuracy"]
    else:
        acc = doc["cv"]["accuracy_mean"] if doc.get("cv") else doc["test"]["metrics"]["accuracy"]
    r = rows.setdefault((corpus, which), {"wall": [], "cpu": [], "rss": [], "acc": set()})
    r["wall"].append(float(wall)); r["cpu"].append(float(cpu))
    r["rss"].append(int(rss) / 1024); r["acc"].add(round(acc, 6))
print("| corpus | run | runs | wall s (median) | CPU s (median) | CPU s (all) | peak RSS MB (median) | accuracy % |")
print("|---|---|---|---:|---:|---|---:|---:|")
for corpus in corpora:
    for which in ("before", "after", "sklearn"):
        r = rows.get((corpus, which))
        if r is None:
            continue
        if len(r["acc"]) != 1:
            sys.exit(f"{corpus} {which}: accuracy differs between rounds: {sorted(r['acc'])}")
        print(f"| {corpus} | {which} | {len(r['wall'])} | {statistics.median(r['wall']):.1f} | "
              f"{statistics.median(r['cpu']):.1f} | {' '.join(f'{c:.1f}' for c in r['cpu'])} | "
              f"{statistics.median(r['rss']):.0f} | {100 * next(iter(r['acc'])):.2f} |")
PY
}

if [[ "${TABLE_ONLY:-0}" == 1 ]]; then
  [[ -f "$OUT/runs.tsv" ]] || die "$OUT/runs.tsv is missing: nothing to tabulate"
  table
  exit 0
fi

[[ "$REPEATS" =~ ^[1-9][0-9]*$ ]] || die "REPEATS must be a positive integer, got '$REPEATS'"
[[ -n "$BEFORE" ]] || die "set BEFORE to the binary to compare against (e.g. a copy of target/release/embed-tl built from the starting commit), or to 'none'"
[[ "$BEFORE" == none || -x "$BEFORE" ]] || die "BEFORE=$BEFORE is not an executable"
[[ -x "$AFTER" ]] || die "AFTER=$AFTER is not an executable (cargo build --release)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: apt-get install time"
[[ -f "$VECTORS" ]] || die "$VECTORS is missing"
mkdir -p "$OUT"

# The corpus's files: the training file, then the test file if any.
files_for() {
  local c="corpora"
  case "$1" in
    reviews) echo "$c/reviews.csv" ;;
    rt) echo "$c/rotten-tomatoes.csv" ;;
    imdb) echo "$c/imdb.csv" ;;
    trec) echo "$c/trec-train.csv $c/trec-test.csv" ;;
    banking77) echo "$c/banking77-train.csv $c/banking77-test.csv" ;;
    *) die "unknown corpus '$1' (expected reviews, rt, imdb, trec or banking77)" ;;
  esac
}

for corpus in $CORPORA; do
  for f in $(files_for "$corpus"); do
    [[ -f "$ROOT/$f" ]] || die "$f is missing (corpora/fetch* re-creates it)"
  done
done

cd "$ROOT"
: > "$OUT/runs.tsv"
whiches="before after"
[[ "$BEFORE" == none ]] && whiches="after"
[[ "$SKLEARN" == 1 ]] && whiches="$whiches sklearn"
for round in $(seq 1 "$REPEATS"); do
  for corpus in $CORPORA; do
    read -r train test <<< "$(files_for "$corpus")"
    for which in $whiches; do
      base="$OUT/$corpus-$which-$round"
      info "round $round/$REPEATS: $corpus ($which)"
      if [[ "$which" == sklearn ]]; then
        cmd=(python3 benches/classify_accuracy.py --sklearn-rt-cv --train "$train")
        [[ -n "${test:-}" ]] && cmd+=(--test "$test")
        # The peer prints its JSON on the last line of stdout.
        /usr/bin/time -f "%e %U %S %M" -o "$base.time" "${cmd[@]}" > "$base.out" 2> "$base.err" \
          || die "sklearn on $corpus failed: see $base.err"
        tail -n 1 "$base.out" > "$base.json"
      else
        bin="$BEFORE"; [[ "$which" == after ]] && bin="$AFTER"
        cmd=("$bin" classify --quiet --format json --vectors "$VECTORS" --train "$train")
        [[ -n "${test:-}" ]] && cmd+=(--test "$test")
        /usr/bin/time -f "%e %U %S %M" -o "$base.time" "${cmd[@]}" > "$base.json" 2> "$base.err" \
          || die "$which on $corpus failed: see $base.err"
      fi
      read -r wall user sys rss < "$base.time"
      cpu="$(python3 -c "print(f'{$user + $sys:.2f}')")"
      echo -e "$corpus\t$which\t$round\t$wall\t$cpu\t$rss\t$base.json" >> "$OUT/runs.tsv"
    done
  done
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
table
