#!/usr/bin/env bash
# Classify cost benchmark (issue 13): wall time, peak RSS and accuracy of `embed-tl classify`
# with default settings, for two binaries (BEFORE and AFTER), interleaved in the same run.
#
# Runs (vectors: the shipped embeddings/glove.6B.50d.top50k.fifu):
#   reviews   classify --train corpora/reviews.csv               (10-fold CV: cv.accuracy_mean)
#   trec      classify --train corpora/trec-train.csv --test corpora/trec-test.csv
#   banking77 classify --train corpora/banking77-train.csv --test corpora/banking77-test.csv
#             (train -> test: test.metrics.accuracy)
# Each round runs every corpus with BEFORE then AFTER under /usr/bin/time (wall seconds, peak
# RSS); REPEATS rounds (default 3). The table shows the median wall time, the median peak RSS
# and the accuracy (the same in every round: the runs are deterministic; a differing one is
# reported as an error).
#
# Needs: python3, GNU time at /usr/bin/time, two release binaries.
# Usage: BEFORE=/tmp/embed-tl-before [AFTER=target/release/embed-tl] [REPEATS=3]
#        [CORPORA="reviews trec banking77"] [OUT=/tmp/classifycost] benches/classify_cost.sh
# TABLE_ONLY=1 [OUT=...] [CORPORA=...] benches/classify_cost.sh prints the table of the runs
# already in $OUT/runs.tsv (e.g. of a run stopped early) without running anything.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPEATS="${REPEATS:-3}"
OUT="${OUT:-/tmp/classifycost}"
AFTER="${AFTER:-$ROOT/target/release/embed-tl}"
BEFORE="${BEFORE:-}"
CORPORA="${CORPORA:-reviews trec banking77}"
VECTORS="$ROOT/embeddings/glove.6B.50d.top50k.fifu"

die() { echo "benches/classify_cost.sh: error: $*" >&2; exit 1; }
info() { echo "benches/classify_cost.sh: $*" >&2; }

table() {
  python3 - "$OUT/runs.tsv" "$CORPORA" <<'PY'
import json, statistics, sys
runs, corpora = sys.argv[1], sys.argv[2].split()
rows = {}
for line in open(runs):
    corpus, which, _, wall, rss, path = line.rstrip("\n").split("\t")
    doc = json.load(open(path))
    acc = doc["cv"]["accuracy_mean"] if doc.get("cv") else doc["test"]["metrics"]["accuracy"]
    r = rows.setdefault((corpus, which), {"wall": [], "rss": [], "acc": set()})
    r["wall"].append(float(wall)); r["rss"].append(int(rss) / 1024); r["acc"].add(round(acc, 6))
print("| corpus | binary | runs | wall s (median) | wall s (all) | peak RSS MB (median) | accuracy % |")
print("|---|---|---|---|---|---|---|")
for corpus in corpora:
    for which in ("before", "after"):
        r = rows.get((corpus, which))
        if r is None:
            continue
        if len(r["acc"]) != 1:
            sys.exit(f"{corpus} {which}: accuracy differs between rounds: {sorted(r['acc'])}")
        print(f"| {corpus} | {which} | {len(r['wall'])} | {statistics.median(r['wall']):.1f} | "
              f"{' '.join(f'{w:.1f}' for w in r['wall'])} | {statistics.median(r['rss']):.0f} | "
              f"{100 * next(iter(r['acc'])):.2f} |")
PY
}

if [[ "${TABLE_ONLY:-0}" == 1 ]]; then
  [[ -f "$OUT/runs.tsv" ]] || die "$OUT/runs.tsv is missing: nothing to tabulate"
  table
  exit 0
fi

[[ "$REPEATS" =~ ^[1-9][0-9]*$ ]] || die "REPEATS must be a positive integer, got '$REPEATS'"
[[ -n "$BEFORE" ]] || die "set BEFORE to the binary to compare against (e.g. a copy of target/release/embed-tl built from the starting commit)"
[[ -x "$BEFORE" ]] || die "BEFORE=$BEFORE is not an executable"
[[ -x "$AFTER" ]] || die "AFTER=$AFTER is not an executable (cargo build --release)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: apt-get install time"
[[ -f "$VECTORS" ]] || die "$VECTORS is missing (it is committed: check out the repository)"
mkdir -p "$OUT"

args_for() {
  local c="$ROOT/corpora"
  case "$1" in
    reviews) echo "--train $c/reviews.csv" ;;
    trec) echo "--train $c/trec-train.csv --test $c/trec-test.csv" ;;
    banking77) echo "--train $c/banking77-train.csv --test $c/banking77-test.csv" ;;
    *) die "unknown corpus '$1' (expected reviews, trec or banking77)" ;;
  esac
}

for corpus in $CORPORA; do
  for f in $(args_for "$corpus"); do
    [[ "$f" == --* || -f "$f" ]] || die "$f is missing (corpora/fetch re-creates it)"
  done
done

: > "$OUT/runs.tsv"
for round in $(seq 1 "$REPEATS"); do
  for corpus in $CORPORA; do
    for which in before after; do
      bin="$BEFORE"; [[ "$which" == after ]] && bin="$AFTER"
      base="$OUT/$corpus-$which-$round"
      info "round $round/$REPEATS: $corpus ($which)"
      # shellcheck disable=SC2046
      /usr/bin/time -f "%e %M" -o "$base.time" "$bin" classify --quiet --format json \
        --vectors "$VECTORS" $(args_for "$corpus") > "$base.json" 2> "$base.err" \
        || die "$which on $corpus failed: see $base.err"
      read -r wall rss < "$base.time"
      echo -e "$corpus\t$which\t$round\t$wall\t$rss\t$base.json" >> "$OUT/runs.tsv"
    done
  done
done

table
