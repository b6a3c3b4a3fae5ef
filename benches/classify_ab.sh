#!/usr/bin/env bash
# A/B of `embed-tl classify` between two builds: for each training file, ROUNDS interleaved runs
# of each build (the order alternating round by round) of `classify --train FILE --test TEST`
# under /usr/bin/time (wall seconds, peak RSS), then the medians, their ratio, and the test
# accuracies the two builds reported. For changes to training (the model it fits may differ);
# benches/predict_ab.sh does the same for the scoring path.
#
# Usage: OLD=path/to/embed-tl-before NEW=path/to/embed-tl-after \
#        [TRAIN="a.csv b.csv"] [TEST=corpora/trec-test.csv] [VECTORS=v.fifu] [ROUNDS=15] \
#        [WORK=/tmp/bench/classify_ab] bash benches/classify_ab.sh
# Without TRAIN, the first 200 and the first 500 questions of corpora/trec-train.csv.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${OLD:?give OLD=the embed-tl binary before the change}"
: "${NEW:?give NEW=the embed-tl binary after the change}"
WORK=${WORK:-/tmp/bench/classify_ab}
ROUNDS=${ROUNDS:-15}
V=${VECTORS:-$ROOT/embeddings/glove.6B.50d.top50k.fifu}
TEST=${TEST:-$ROOT/corpora/trec-test.csv}
mkdir -p "$WORK"
if [ -z "${TRAIN:-}" ]; then
  for n in 200 500; do
    head -n $((n + 1)) "$ROOT/corpora/trec-train.csv" > "$WORK/trec-first-$n.csv"
  done
  TRAIN="$WORK/trec-first-200.csv $WORK/trec-first-500.csv"
fi
rm -f "$WORK/times"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  order="OLD NEW"
  [ $((r % 2)) -eq 0 ] && order="NEW OLD"
  for f in $TRAIN; do
    for b in $order; do
      /usr/bin/time -f "$b $(basename "$f") %e %M" -a -o "$WORK/times" "${!b}" -q classify \
        --vectors "$V" --train "$f" --test "$TEST" --format json > "$WORK/report-$b.json"
      python3 -c 'import json,sys; print(sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))["test"]["metrics"]["accuracy"])' \
        "$b" "$(basename "$f")" "$WORK/report-$b.json" >> "$WORK/accuracy"
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$WORK/times" "$WORK/accuracy" <<'PY'
import statistics, sys
runs, acc = {}, {}
for line in open(sys.argv[1]):
    b, f, s, kb = line.split()
    runs.setdefault((f, b), []).append((float(s), int(kb)))
for line in open(sys.argv[2]):
    b, f, a = line.split()
    acc[(f, b)] = float(a)
print("| training file | OLD median s | NEW median s | NEW/OLD | peak RSS MB, OLD / NEW | test accuracy %, OLD / NEW |")
print("|---|---:|---:|---:|---:|---:|")
for f in dict.fromkeys(f for f, _ in runs):
    o, n = runs[(f, "OLD")], runs[(f, "NEW")]
    mo, mn = statistics.median(x[0] for x in o), statistics.median(x[0] for x in n)
    ro, rn = statistics.median(x[1] for x in o) / 1024, statistics.median(x[1] for x in n) / 1024
    print(f"| {f} | {mo:.3f} | {mn:.3f} | {mn / mo:.2f} | {ro:.0f} / {rn:.0f} |"
          f" {100 * acc[(f, 'OLD')]:.1f} / {100 * acc[(f, 'NEW')]:.1f} |")
PY
rm -f "$WORK/times" "$WORK/accuracy"
