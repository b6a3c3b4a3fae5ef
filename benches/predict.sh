#!/usr/bin/env bash
# Batch scoring benchmark: embed-tl predict against fastText predict / predict-prob, same
# labelled data, same inputs, same run, interleaved.
#
# Training data: corpora/reviews.csv (3,000 UCI review sentences, pos/neg). Models:
#   embed-tl  classify --save, default settings (--features both: pooled GloVe vectors + word
#             and bigram TF-IDF in one logistic regression) and --features vectors;
#             vectors: the shipped embeddings/glove.6B.50d.top50k.fifu (memory-mapped)
#   fastText  supervised, default settings (dim 100, 5 epochs, word unigrams), on the same
#             3,000 sentences lowercased with punctuation split off (fastText's own recipe)
# Inputs: N rows (default 1,000,000) resampled with replacement from the same sentences,
# written as `id,text` CSV for embed-tl and as one preprocessed text a line for fastText
# (preprocessing is not timed); then a 10x larger input (embed-tl and fastText predict once
# each) to show that peak RSS does not grow with the input.
# Each command runs under /usr/bin/time (wall seconds, peak RSS); REPEATS rounds (default 3)
# run the commands interleaved; the table shows medians and the ratio to fastText predict.
#
# Needs: cargo, python3, fasttext (apt-get install fasttext), GNU time at /usr/bin/time.
# Usage: [REPEATS=3] [ROWS=1000000] [BIG=1] [OUT=/tmp/predictbench] benches/predict.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPEATS="${REPEATS:-3}"
ROWS="${ROWS:-1000000}"
BIG="${BIG:-1}"
OUT="${OUT:-/tmp/predictbench}"
VECTORS="$ROOT/embeddings/glove.6B.50d.top50k.fifu"
BIN="$ROOT/target/release/embed-tl"

die() { echo "benches/predict.sh: error: $*" >&2; exit 1; }
info() { echo "benches/predict.sh: $*" >&2; }

[[ "$REPEATS" =~ ^[1-9][0-9]*$ ]] || die "REPEATS must be a positive integer, got '$REPEATS'"
[[ "$ROWS" =~ ^[1-9][0-9]*$ ]] || die "ROWS must be a positive integer, got '$ROWS'"
command -v fasttext >/dev/null || die "fasttext not found: apt-get install fasttext"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: apt-get install time"
[[ -f "$VECTORS" ]] || die "$VECTORS is missing (it is committed: check out the repository)"
mkdir -p "$OUT"

info "building (release)"
(cd "$ROOT" && cargo build --release --quiet)

info "making inputs in $OUT"
python3 - "$ROOT/corpora/reviews.csv" "$OUT" "$ROWS" "$BIG" <<'PY'
import csv, random, re, sys
src, out, rows, big = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
data = list(csv.DictReader(open(src, newline="", encoding="utf-8")))
def prep(t):  # fastText's recipe: lowercase, punctuation split off, one line
    return " ".join(re.sub(r"([^\w\s'])", r" \1 ", t.lower()).split())
with open(f"{out}/train.txt", "w", encoding="utf-8") as f:
    for r in data:
        f.write(f"__label__{r['label']} {prep(r['text'])}\n")
def make(n, name):
    rng = random.Random(n)
    with open(f"{out}/{name}.csv", "w", newline="", encoding="utf-8") as c, \
         open(f"{out}/{name}.txt", "w", encoding="utf-8") as t:
        w = csv.writer(c, lineterminator="\n")
        w.writerow(["id", "text"])
        for i in range(n):
            text = rng.choice(data)["text"].replace("\n", " ")
            w.writerow([i, text])
            t.write(prep(text) + "\n")
make(rows, "input")
if big:
    make(rows * 10, "input10x")
PY

info "training"
"$BIN" -q classify --vectors "$VECTORS" --train "$ROOT/corpora/reviews.csv" --save "$OUT/both.etl" --folds 2 >/dev/null
"$BIN" -q classify --vectors "$VECTORS" --train "$ROOT/corpora/reviews.csv" --features vectors \
  --save "$OUT/vectors.etl" --folds 2 >/dev/null
fasttext supervised -input "$OUT/train.txt" -output "$OUT/ft" -verbose 0

# run NAME CMD...: time one command, append "NAME seconds kb" to $OUT/times
run() {
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$OUT/time.one" "$@" >/dev/null 2>"$OUT/stderr.one" ||
    { cat "$OUT/stderr.one" >&2; die "$name failed"; }
  echo "$name $(cat "$OUT/time.one")" >>"$OUT/times"
  info "$name: $(cat "$OUT/time.one") (s, KB)"
}
P=("$BIN" -q predict --vectors "$VECTORS" --output "$OUT/scored.csv")

: >"$OUT/times"
info "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$REPEATS"); do
  info "round $r of $REPEATS"
  run "fasttext-predict" fasttext predict "$OUT/ft.bin" "$OUT/input.txt"
  run "embed-tl-both" "${P[@]}" --model "$OUT/both.etl" --input "$OUT/input.csv"
  run "fasttext-predict-prob" fasttext predict-prob "$OUT/ft.bin" "$OUT/input.txt" 2
  run "embed-tl-both-proba" "${P[@]}" --model "$OUT/both.etl" --input "$OUT/input.csv" --proba
  run "embed-tl-vectors" "${P[@]}" --model "$OUT/vectors.etl" --input "$OUT/input.csv"
  run "embed-tl-both-1-thread" "${P[@]}" --model "$OUT/both.etl" --input "$OUT/input.csv" --threads 1
done
if [[ "$BIG" == 1 ]]; then
  run "fasttext-predict-10x" fasttext predict "$OUT/ft.bin" "$OUT/input10x.txt"
  run "embed-tl-both-10x" "${P[@]}" --model "$OUT/both.etl" --input "$OUT/input10x.csv"
fi
info "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$OUT/times" "$ROWS" "$(du -k "$VECTORS" | cut -f1)" <<'PY'
import statistics, sys
times, rows, vec_kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs = {}
for line in open(times):
    name, sec, kb = line.split()
    runs.setdefault(name, []).append((float(sec), int(kb)))
labels = {
    "fasttext-predict": "fastText `predict` (labels)",
    "fasttext-predict-prob": "fastText `predict-prob` (k=2)",
    "embed-tl-both": "embed-tl `predict`, vectors + n-grams (labels)",
    "embed-tl-both-proba": "embed-tl `predict --proba`, vectors + n-grams",
    "embed-tl-vectors": "embed-tl `predict`, vectors only (labels)",
    "embed-tl-both-1-thread": "embed-tl `predict --threads 1`, vectors + n-grams",
    "fasttext-predict-10x": "fastText `predict`, 10x input",
    "embed-tl-both-10x": "embed-tl `predict`, vectors + n-grams, 10x input",
}
print(f"rows: {rows:,} (10x: {rows * 10:,}); vectors file: {vec_kb / 1024:.1f} MB")
print()
print("| command | runs | median s | rows/s | speed vs fastText predict | peak RSS MB |")
print("|---|---:|---:|---:|---:|---:|")
for name, label in labels.items():
    if name not in runs:
        continue
    secs = [s for s, _ in runs[name]]
    med = statistics.median(secs)
    n = rows * (10 if name.endswith("10x") else 1)
    rss = max(kb for _, kb in runs[name]) / 1024
    peer = "fasttext-predict-10x" if name.endswith("10x") else "fasttext-predict"
    ratio = statistics.median(s for s, _ in runs[peer]) / med
    print(f"| {label} | {len(secs)} | {med:.2f} | {n / med:,.0f} | {ratio:.2f}x | {rss:.0f} |")
print()
print("per-run seconds:", {k: [s for s, _ in v] for k, v in runs.items()})
PY
