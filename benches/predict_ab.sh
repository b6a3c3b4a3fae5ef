#!/usr/bin/env bash
# A/B of `embed-tl predict` between two builds on the same input and model: ROUNDS interleaved
# runs of each under /usr/bin/time (wall seconds, peak RSS), the medians, and whether the two
# outputs are byte-identical. For changes to the scoring path; benches/predict.sh compares
# against fastText.
#
# Usage: OLD=path/to/embed-tl-before NEW=path/to/embed-tl-after \
#        [MODEL=m.etl] [INPUT=big.csv] [ROWS=1000000] [ROUNDS=5] [WORK=/tmp/bench/predict_ab] \
#        bash benches/predict_ab.sh
# Without MODEL, NEW trains the default model on corpora/reviews.csv; without INPUT, ROWS
# sentences of corpora/reviews.csv are resampled with replacement (random.Random(5)) as id,text.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${OLD:?give OLD=the embed-tl binary before the change}"
: "${NEW:?give NEW=the embed-tl binary after the change}"
WORK=${WORK:-/tmp/bench/predict_ab}
ROWS=${ROWS:-1000000}
ROUNDS=${ROUNDS:-5}
V=${VECTORS:-$ROOT/embeddings/glove.6B.50d.top50k.fifu}
mkdir -p "$WORK"
MODEL=${MODEL:-$WORK/reviews.etl}
if [ ! -f "$MODEL" ]; then
  "$NEW" -q classify --vectors "$V" --train "$ROOT/corpora/reviews.csv" --save "$MODEL" > /dev/null
fi
INPUT=${INPUT:-$WORK/resampled-$ROWS.csv}
if [ ! -f "$INPUT" ]; then
  python3 - "$ROOT/corpora/reviews.csv" "$INPUT" "$ROWS" <<'PY'
import csv, random, sys
texts = [r["text"] for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"))]
rng = random.Random(5)
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["id", "text"])
    for i in range(int(sys.argv[3])):
        w.writerow([i, rng.choice(texts)])
PY
fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  for b in OLD NEW; do
    /usr/bin/time -f "$b %e %M" -a -o "$WORK/times" "${!b}" -q predict --model "$MODEL" \
      --vectors "$V" --input "$INPUT" --output "$WORK/out-$b.csv"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$WORK/times" "$ROWS" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    b, s, kb = line.split()
    runs.setdefault(b, []).append((float(s), int(kb)))
print("| build | runs | median s | rows/s | peak RSS MB (median) | per-run s |")
print("|---|---:|---:|---:|---:|---|")
for b in ("OLD", "NEW"):
    s = [x[0] for x in runs[b]]
    kb = [x[1] for x in runs[b]]
    m = statistics.median(s)
    print(f"| {b} | {len(s)} | {m:.2f} | {int(sys.argv[2]) / m:,.0f} | {statistics.median(kb) / 1024:.0f} |"
          f" {', '.join(f'{x:.2f}' for x in s)} |")
print(f"NEW/OLD median time: {statistics.median(x[0] for x in runs['NEW']) / statistics.median(x[0] for x in runs['OLD']):.2f}")
PY
rm -f "$WORK/times"
cmp "$WORK/out-OLD.csv" "$WORK/out-NEW.csv" && echo "outputs byte-identical"
