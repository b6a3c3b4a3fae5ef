#!/usr/bin/env bash
# Issue 20: `predict` throughput with subword vectors beside fastText's own `predict`, on the
# same texts, in the same run.
#
# Data: the 50,000 IMDB reviews of corpora/imdb.csv (corpora/fetch-imdb; pos/neg). Training set:
# the first TRAIN reviews (default 25,000); held-out set: the last 25,000 (none of them in the
# training set).
# Vectors: a fastText skipgram model of the 50,000 reviews' text (no labels), trained by
# benches/fasttext_skipgram.sh (-dim DIM -bucket 2000000 -minCount 5 -epoch 1, seeded, 1
# thread: about 410 MB with DIM=50), converted with `embed-tl vectors convert` to a subword
# .fifu, which `predict` memory-maps.
# Models, both on the same training reviews:
#   embed-tl  classify --vectors x.fifu --train train.csv --test heldout.csv --save et.etl,
#             default settings (--features both: pooled vectors + word and bigram TF-IDF, C and
#             the vector channel's weight chosen by inner CV); it reads the raw reviews
#   fastText  supervised -dim DIM -epoch EPOCH (default 25) -wordNgrams 2 -bucket 2000000
#             -thread 1 -seed 7 -pretrainedVectors x.vec (the same skipgram's word vectors), on
#             the reviews lowercased with punctuation split off (fastText's own recipe)
# Texts scored: the 25,000 held-out reviews repeated COPIES times (default 4: 100,000 lines,
# about 27M tokens), as an `id,text` CSV of the raw reviews for embed-tl and as one
# preprocessed review a line for fastText (the preprocessing is not timed). Both write their
# labels to a file. ROUNDS rounds (default 3), each running, in this order,
#   fasttext predict ft.bin | embed-tl predict (all cores) | fasttext predict-prob ft.bin |
#   embed-tl predict --threads 1
# under /usr/bin/time -f '%e %U %S %M' (wall, user and system CPU seconds, peak RSS KiB), with
# the files in the page cache. The table gives medians, and the ratios to fastText `predict` are
# the medians of the ratios within each round. Accuracy on the held-out reviews comes from the
# first 25,000 labels of each tool's last output. One more, untimed, run of embed-tl predict
# samples /proc/PID/status to split its peak RSS into its own memory and pages of the mapped file.
#
# Needs: cargo, /usr/bin/fasttext (apt-get install fasttext), GNU time at /usr/bin/time, python3,
# corpora/imdb.csv (corpora/fetch-imdb).
# Usage: [ROUNDS=3] [COPIES=4] [TRAIN=25000] [DIM=50] [EPOCH=25] benches/fasttext_predict.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
COPIES="${COPIES:-4}"
TRAIN="${TRAIN:-25000}"
DIM="${DIM:-50}"
EPOCH="${EPOCH:-25}"
WORK="${WORK:-$ROOT/target/bench-issue20}"

die() { echo "benches/fasttext_predict.sh: error: $*" >&2; exit 1; }
info() { echo "benches/fasttext_predict.sh: $*" >&2; }

for v in ROUNDS COPIES TRAIN DIM EPOCH; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done
((TRAIN <= 25000)) || die "TRAIN must be at most 25000 (the rest is the held-out set)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: apt-get install time"
command -v fasttext >/dev/null || die "fasttext is missing: apt-get install fasttext"
[[ -f "$ROOT/corpora/imdb.csv" ]] ||
  die "corpora/imdb.csv is missing: run corpora/fetch-imdb (it is not committed)"

info "building (release)"
(cd "$ROOT" && cargo build --release --quiet --bin embed-tl)
TARGET_DIR="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
BIN="$TARGET_DIR/release/embed-tl"
mkdir -p "$WORK"
SG="$("$ROOT/benches/fasttext_skipgram.sh" imdb "$DIM" "$WORK")"
if [[ ! -f "$SG.fifu" || "$SG.fifu" -ot "$SG.bin" ]]; then
  info "converting $SG.bin to $SG.fifu"
  "$BIN" -q vectors convert "$SG.bin" "$SG.fifu"
fi
P="$WORK/predict_train${TRAIN}"
mkdir -p "$P"

info "writing the training, held-out and scoring files in $P"
python3 - "$ROOT/corpora/imdb.csv" "$P" "$TRAIN" "$COPIES" <<'EOF'
import csv, re, sys
src, out, train, copies = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = list(csv.DictReader(open(src, newline="", encoding="utf-8")))
assert len(rows) == 50000, len(rows)
def prep(t):  # fastText's recipe: lowercase, punctuation split off, one line
    return " ".join(re.sub(r"([^\w\s'])", r" \1 ", t.lower()).split())
def write_csv(name, header, records):
    with open(f"{out}/{name}", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(records)
tr, held = rows[:train], rows[25000:]
write_csv("train.csv", ["text", "label"], ([r["text"], r["label"]] for r in tr))
write_csv("heldout.csv", ["text", "label"], ([r["text"], r["label"]] for r in held))
with open(f"{out}/ft_train.txt", "w", encoding="utf-8") as f:
    for r in tr:
        f.write(f"__label__{r['label']} {prep(r['text'])}\n")
with open(f"{out}/labels.txt", "w", encoding="utf-8") as f:
    f.writelines(r["label"] + "\n" for r in held)
write_csv("input.csv", ["id", "text"],
          ([c * len(held) + i, r["text"]] for c in range(copies) for i, r in enumerate(held)))
with open(f"{out}/input.txt", "w", encoding="utf-8") as f:
    for _ in range(copies):
        f.writelines(prep(r["text"]) + "\n" for r in held)
EOF
LINES=$((25000 * COPIES))
TOKENS="$(wc -w <"$P/input.txt")"

ET="$P/et.etl"
if [[ ! -f "$ET" || "$ET" -ot "$SG.bin" ]]; then
  info "training embed-tl (classify, default settings) on $TRAIN reviews"
  /usr/bin/time -f '%e %U %S %M' -o "$P/et_train.time" "$BIN" -q classify --vectors "$SG.fifu" \
    --train "$P/train.csv" --test "$P/heldout.csv" --save "$ET.tmp" --format json >"$P/et_train.json"
  mv "$ET.tmp" "$ET"
fi
FT="$P/ft_sup_epoch$EPOCH"
if [[ ! -f "$FT.bin" || "$FT.bin" -ot "$SG.bin" ]]; then
  info "training fastText supervised on $TRAIN reviews"
  /usr/bin/time -f '%e %U %S %M' -o "$P/ft_train.time" fasttext supervised -input "$P/ft_train.txt" \
    -output "$FT" -dim "$DIM" -epoch "$EPOCH" -wordNgrams 2 -bucket 2000000 -thread 1 -seed 7 \
    -pretrainedVectors "$SG.vec" -verbose 0
  rm -f "$FT.vec"
fi

LABELS=(
  "fastText \`predict\`"
  "embed-tl \`predict\`, all cores"
  "fastText \`predict-prob\`"
  "embed-tl \`predict --threads 1\`"
)
THREADS=(1 "$(nproc)" 1 1)
set_cmd() { # index -> CMD, OUT
  case "$1" in
    0) OUT="$P/ft.out" CMD=(fasttext predict "$FT.bin" "$P/input.txt") ;;
    1) OUT="$P/et.csv" CMD=("$BIN" -q predict --model "$ET" --vectors "$SG.fifu" --input "$P/input.csv"
      --output "$P/et.csv") ;;
    2) OUT="$P/ft_prob.out" CMD=(fasttext predict-prob "$FT.bin" "$P/input.txt") ;;
    3) OUT="$P/et1.csv" CMD=("$BIN" -q predict --model "$ET" --vectors "$SG.fifu" --input "$P/input.csv"
      --output "$P/et1.csv" --threads 1) ;;
  esac
}

info "reading the inputs once to put them in the page cache"
cat "$SG.fifu" "$FT.bin" "$ET" "$P/input.csv" "$P/input.txt" >/dev/null
RAW="$P/raw.tsv"
printf 'round\trow\twall_s\tuser_s\tsys_s\trss_kb\n' >"$RAW"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
for ((round = 1; round <= ROUNDS; round++)); do
  for i in "${!LABELS[@]}"; do
    set_cmd "$i"
    /usr/bin/time -f '%e %U %S %M' -o "$P/time" "${CMD[@]}" >"$OUT" 2>"$P/err" ||
      die "${LABELS[$i]} failed: $(cat "$P/err")"
    read -r wall user sys rss <"$P/time"
    printf '%d\t%d\t%s\t%s\t%s\t%s\n' "$round" "$i" "$wall" "$user" "$sys" "$rss" >>"$RAW"
    info "round $round/$ROUNDS ${LABELS[$i]}: $wall s wall, $user + $sys s CPU, $rss KiB"
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# One more, untimed, run of embed-tl predict (all cores), sampling /proc/PID/status every 2 ms:
# its own memory (RssAnon) and the pages of the mapped file (RssFile).
set_cmd 1
read -r ANON FILEPAGES < <(python3 -c '
import subprocess, sys, time
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
anon = file = 0
while p.poll() is None:
    try:
        for line in open(f"/proc/{p.pid}/status"):
            if line.startswith("RssAnon:"):
                anon = max(anon, int(line.split()[1]))
            elif line.startswith("RssFile:"):
                file = max(file, int(line.split()[1]))
    except OSError:
        pass
    time.sleep(0.002)
print(anon, file)
sys.exit(p.returncode)
' "${CMD[@]}") || die "embed-tl predict failed (sampled run)"

python3 - "$RAW" "$P" "$LINES" "$TOKENS" "$ANON" "$FILEPAGES" "${THREADS[@]}" -- "${LABELS[@]}" <<'EOF'
import csv, json, statistics, sys
raw, p, lines, tokens, anon, filepages = sys.argv[1:7]
lines, tokens, anon, filepages = int(lines), int(tokens), int(anon), int(filepages)
rest = sys.argv[7:]
threads, labels = rest[:rest.index("--")], rest[rest.index("--") + 1:]
rows = [l.rstrip("\n").split("\t") for l in open(raw)][1:]
runs = {}  # row -> round -> (wall, cpu, rss_kb)
for rnd, i, wall, user, sys_, rss in rows:
    runs.setdefault(int(i), {})[int(rnd)] = (float(wall), float(user) + float(sys_), int(rss))
truth = [l.strip() for l in open(f"{p}/labels.txt")]
def acc(pred):
    pred = pred[:len(truth)]
    assert len(pred) == len(truth), (len(pred), len(truth))
    return 100 * sum(a == b for a, b in zip(pred, truth)) / len(truth)
def ft_labels(path):
    return [l.split()[0].removeprefix("__label__") for l in open(path)]
def et_labels(path):
    return [r["label"] for r in csv.DictReader(open(path, newline="", encoding="utf-8"))]
accuracy = {0: acc(ft_labels(f"{p}/ft.out")), 1: acc(et_labels(f"{p}/et.csv")),
            2: acc(ft_labels(f"{p}/ft_prob.out")), 3: acc(et_labels(f"{p}/et1.csv"))}
def med(i, k):
    return statistics.median(v[k] for v in runs[i].values())
def ratio(i, k):
    return statistics.median(runs[i][r][k] / runs[0][r][k] for r in runs[i])
print(f"{lines:,} reviews scored ({tokens:,} whitespace-separated tokens in fastText's input); "
      f"rounds: {len(runs[0])}")
print()
print("| command | threads | wall s | reviews/s | CPU s (user + sys) | peak RSS MB | wall vs fastText `predict` | CPU vs fastText `predict` | held-out accuracy % |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for i, label in enumerate(labels):
    w, c, r = med(i, 0), med(i, 1), med(i, 2)
    print(f"| {label} | {threads[i]} | {w:.2f} | {lines / w:,.0f} | {c:.2f} | {r * 1024 / 1e6:.0f} | "
          f"{ratio(i, 0):.2f}x | {ratio(i, 1):.2f}x | {accuracy[i]:.2f} |")
print()
print(f"embed-tl `predict` (all cores), one more run sampled every 2 ms: own memory (RssAnon) "
      f"{anon * 1024 / 1e6:.0f} MB, pages of the mapped files (RssFile) {filepages * 1024 / 1e6:.0f} MB.")
for name, label in (("et_train", "embed-tl classify"), ("ft_train", "fastText supervised")):
    try:
        w, u, s, m = open(f"{p}/{name}.time").read().split()
        print(f"Training ({label}, once, when the model was made): {float(w):.1f} s wall, "
              f"{float(u) + float(s):.1f} s CPU, peak RSS {int(m) * 1024 / 1e6:.0f} MB.")
    except FileNotFoundError:
        pass
try:
    report = json.load(open(f"{p}/et_train.json"))
    print(f"embed-tl classify's own report on the held-out reviews: accuracy "
          f"{100 * report['test']['metrics']['accuracy']:.2f}% (C {report['model']['c']}, vector "
          f"channel weight {report['model']['beta']}, chosen by inner CV; pooling {report['pool']}).")
except (FileNotFoundError, ValueError, KeyError):
    pass
print()
print("Raw runs:")
print()
print("| round | command | wall s | CPU s | peak RSS KiB |")
print("|---:|---|---:|---:|---:|")
for rnd, i, wall, user, sys_, rss in rows:
    print(f"| {rnd} | {labels[int(i)]} | {wall} | {float(user) + float(sys_):.2f} | {rss} |")
EOF
echo
echo "Machine: nproc $(nproc); $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//');"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); load average before: $LOAD_BEFORE, after: $LOAD_AFTER;"
echo "$(dpkg-query -W -f='Debian fasttext ${Version}' fasttext 2>/dev/null || true);"
echo "$(rustc --version); model files: $(du -m "$SG.fifu" | cut -f1) MB subword .fifu," \
  "$(du -m "$FT.bin" | cut -f1) MB fastText supervised .bin."
