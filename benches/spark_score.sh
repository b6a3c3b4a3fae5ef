#!/usr/bin/env bash
# Throughput of examples/spark_score.py in Spark local mode (1 and 2 workers,
# pipe and arrow modes) against one `embed-tl predict` process on the same rows.
#
#   PYTHON=/path/to/venv/bin/python bash benches/spark_score.sh [ROWS]
#
# Needs: target/release/embed-tl (cargo build --release), a Python with
# pyspark, pyarrow and the package (pip install ./python pyspark pyarrow
# 'pandas<3'), Java 17. Prints a markdown table (docs/scale-out.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-200000}"
PYTHON="${PYTHON:-python3}"
BIN="${EMBED_TL_BIN:-$PWD/target/release/embed-tl}"
VECTORS=embeddings/glove.6B.50d.top50k.fifu
[ -x "$BIN" ] || { echo "no $BIN: cargo build --release" >&2; exit 1; }
"$PYTHON" -c 'import pyspark, pyarrow, embed_tl' || {
  echo "$PYTHON lacks pyspark, pyarrow or embed_tl: pip install ./python pyspark pyarrow 'pandas<3'" >&2
  exit 1
}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$BIN" -q classify --vectors "$VECTORS" --train corpora/reviews.csv --test corpora/reviews.csv \
  --save "$work/reviews.etl" >/dev/null
# ROWS rows resampled from the shipped reviews (seed 17), unique ids.
"$PYTHON" - "$work" "$ROWS" <<'EOF'
import csv, random, sys
import pyarrow as pa, pyarrow.parquet as pq
work, n = sys.argv[1], int(sys.argv[2])
texts = [r["text"] for r in csv.DictReader(open("corpora/reviews.csv", newline="", encoding="utf-8"))]
rng = random.Random(17)
ids = rng.sample(range(10 * n), n)
picked = [texts[rng.randrange(len(texts))] for _ in range(n)]
pq.write_table(pa.table({"id": pa.array(ids, pa.int64()), "text": picked}), f"{work}/rows.parquet",
               row_group_size=20_000)
EOF

now() { date +%s.%N; }
echo "| run | rows | wall s | rows/s (wall) | Spark start-up s | Spark job s | rows/s (job) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for threads in 1 2; do
  t0=$(now)
  "$BIN" -q predict --model "$work/reviews.etl" --vectors "$VECTORS" --input "$work/rows.parquet" \
    --output "$work/single-$threads.parquet" --proba --threads "$threads"
  t1=$(now)
  awk -v a="$t0" -v b="$t1" -v n="$ROWS" -v t="$threads" \
    'BEGIN { printf "| embed-tl predict, %d thread%s | %d | %.1f | %.0f | - | - | - |\n", t, (t > 1 ? "s" : ""), n, b - a, n / (b - a) }'
done
for mode in pipe arrow; do
  for workers in 1 2; do
    t0=$(now)
    summary=$(EMBED_TL_BIN="$BIN" "$PYTHON" examples/spark_score.py --model "$work/reviews.etl" \
      --vectors "$VECTORS" --input "$work/rows.parquet" --output "$work/$mode-$workers.parquet" \
      --mode "$mode" --workers "$workers" 2>"$work/spark.log" | tail -1) || {
      tail -20 "$work/spark.log" >&2
      exit 1
    }
    t1=$(now)
    "$PYTHON" - "$summary" "$t0" "$t1" "$ROWS" "$mode" "$workers" <<'EOF'
import json, sys
s = json.loads(sys.argv[1]); t0, t1, n = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
mode, workers = sys.argv[5], int(sys.argv[6])
wall = t1 - t0
print(f"| spark_score.py --mode {mode}, local[{workers}] | {n} | {wall:.1f} | {n / wall:.0f} "
      f"| {s['startup_s']:.1f} | {s['score_and_write_s']:.1f} | {n / s['score_and_write_s']:.0f} |")
EOF
  done
done

# The same jobs without scoring (identity: `cat` as the piped command, the
# batches passed through in mapInArrow): Spark's own cost of reading,
# serialising to the workers and back, and writing.
"$PYTHON" - "$work" "$ROWS" <<'EOF2' 2>"$work/spark.log"
import json, os, sys, time
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
from pyspark.sql import SparkSession
work, n = sys.argv[1], int(sys.argv[2])
for workers in (1, 2):
    spark = SparkSession.builder.master(f"local[{workers}]").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.parquet(f"{work}/rows.parquet")
    if df.rdd.getNumPartitions() < workers:
        df = df.repartition(workers)
    t0 = time.perf_counter()
    lines = df.rdd.map(lambda r: json.dumps({"id": r["id"], "text": r["text"]})).pipe("/bin/cat")
    spark.createDataFrame(lines.map(lambda l: (json.loads(l)["id"], "x")), "id long, label string") \
        .write.mode("overwrite").parquet(f"{work}/cat-{workers}.parquet")
    t1 = time.perf_counter()
    df.mapInArrow(lambda batches: batches, df.schema).write.mode("overwrite").parquet(f"{work}/id-{workers}.parquet")
    t2 = time.perf_counter()
    print(f"| pipe through `cat`, no scoring, local[{workers}] | {n} | - | - | - | {t1 - t0:.1f} | {n / (t1 - t0):.0f} |")
    print(f"| mapInArrow identity, no scoring, local[{workers}] | {n} | - | - | - | {t2 - t1:.1f} | {n / (t2 - t1):.0f} |")
    spark.stop()
EOF2
