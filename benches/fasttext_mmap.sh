#!/usr/bin/env bash
# Issue 20: what opening a large fastText model costs, as a .bin and converted to a subword .fifu.
#
# Trains (once: benches/fasttext_skipgram.sh) a fastText skipgram model with the Debian `fasttext`
# (0.9.2), seeded and single-threaded so that every run writes the same bytes: -dim DIM -bucket
# 2000000 -minCount 5 -epoch 1, on CORPUS=imdb (default: the 50,000 IMDB reviews of
# corpora/imdb.csv, built by corpora/fetch-imdb) or CORPUS=shipped (the text of the committed
# corpora/*.csv repeated 3 times, the corpus of the first tables). DIM=50 gives a model of about
# 410 MB (the buckets are 2M x 50 f32), DIM=256 one of about 2.1 GB.
# Converts it with `embed-tl vectors convert x.bin x.fifu`, trains a classifier with the .bin
# (`classify --save`), then runs, RUNS times, round-robin, each in its own process under
# /usr/bin/time -f '%e %M' (wall seconds, peak RSS KiB), with the files in the page cache:
#   embed-tl vectors info x.bin | vectors info x.fifu | vectors similar x.fifu WORD (default movie
#   for imdb, could for shipped) |
#   predict --vectors x.fifu (the model trained with the .bin, on banking77-train.csv's texts, all
#   of them and the first 100) |
#   fasttext print-word-vectors x.bin </dev/null (fastText's own load, for scale) |
#   embed-tl vectors info w2v.bin (a synthetic word2vec binary, 1M words x 100, written once)
# and, when BASE=path/to/an/older/embed-tl is given, the same embed-tl commands with that binary,
# interleaved with the new ones. Prints a Markdown table of medians and the raw runs.
#
# Needs: cargo, /usr/bin/fasttext (apt-get install fasttext), GNU time at /usr/bin/time, python3.
# Usage: RUNS=5 DIM=50 [CORPUS=imdb|shipped] [BASE=/tmp/embed-tl-base] benches/fasttext_mmap.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-5}"
DIM="${DIM:-50}"
CORPUS="${CORPUS:-imdb}"
BASE="${BASE:-}"
WORK="${WORK:-$ROOT/target/bench-issue20}"

die() { echo "benches/fasttext_mmap.sh: error: $*" >&2; exit 1; }
info() { echo "benches/fasttext_mmap.sh: $*" >&2; }

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
[[ "$DIM" =~ ^[1-9][0-9]*$ ]] || die "DIM must be a positive integer, got '$DIM'"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: apt-get install time"
command -v fasttext >/dev/null || die "fasttext is missing: apt-get install fasttext"
[[ -z "$BASE" || -x "$BASE" ]] || die "BASE=$BASE is not an executable"

info "building (release)"
(cd "$ROOT" && cargo build --release --quiet --bin embed-tl)
TARGET_DIR="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
NEW="$TARGET_DIR/release/embed-tl"
mkdir -p "$WORK"
MODEL="$("$ROOT/benches/fasttext_skipgram.sh" "$CORPUS" "$DIM" "$WORK")"

W2V="$WORK/w2v_1M_100.bin"
if [[ ! -f "$W2V" ]]; then
  info "writing $W2V (synthetic word2vec binary: 1,000,000 words x 100, about 409 MB)"
  python3 - "$W2V" <<'EOF'
import random, sys
from array import array
random.seed(7)
n, d = 1_000_000, 100
rows = [array("f", [random.uniform(-1, 1) for _ in range(d)]).tobytes() for _ in range(1000)]
with open(sys.argv[1], "wb") as f:
    f.write(f"{n} {d}\n".encode())
    for i in range(n):
        f.write(b"w%d " % i)
        f.write(rows[i % 1000])
        f.write(b"\n")
EOF
fi
info "converting to $MODEL.fifu"
"$NEW" -q vectors convert "$MODEL.bin" "$MODEL.fifu"
if [[ -n "$BASE" ]]; then
  "$BASE" -q vectors convert "$MODEL.bin" "$WORK/base.fifu"
  if cmp -s "$MODEL.fifu" "$WORK/base.fifu"; then
    info "the old and new embed-tl write byte-identical .fifu files"
  else
    info "NOTE: the old and new embed-tl write different .fifu files"
  fi
  rm -f "$WORK/base.fifu"
fi
info "training a classifier with the .bin"
"$NEW" -q classify --vectors "$MODEL.bin" --train "$ROOT/corpora/reviews.csv" --folds 2 --c 1 \
  --save "$WORK/model.etl" >/dev/null
TEXTS="$ROOT/corpora/banking77-train.csv"
# The same scoring on its first 100 texts: what stays resident grows with the n-gram rows the
# texts' unknown words touch, not with the file.
head -n 101 "$TEXTS" >"$WORK/texts100.csv"
WORD="${WORD:-$([[ "$CORPUS" == imdb ]] && echo movie || echo could)}"

LABELS=(
  "vectors info x.bin"
  "vectors info x.fifu"
  "vectors similar x.fifu $WORD"
  "predict --vectors x.fifu ($(($(wc -l <"$TEXTS") - 1)) texts)"
  "predict --vectors x.fifu (100 texts)"
  "fasttext print-word-vectors x.bin (load only)"
  "vectors info w2v.bin (word2vec binary, 1M x 100, 409 MB)"
)
set_cmd() { # binary index -> CMD
  local bin="$1"
  case "$2" in
    0) CMD=("$bin" vectors info "$MODEL.bin") ;;
    1) CMD=("$bin" vectors info "$MODEL.fifu") ;;
    2) CMD=("$bin" vectors similar "$MODEL.fifu" "$WORD") ;;
    3) CMD=("$bin" -q predict --model "$WORK/model.etl" --vectors "$MODEL.fifu" --input "$TEXTS"
      --output "$WORK/scored.csv") ;;
    4) CMD=("$bin" -q predict --model "$WORK/model.etl" --vectors "$MODEL.fifu" --input "$WORK/texts100.csv"
      --output "$WORK/scored.csv") ;;
    5) CMD=(sh -c 'fasttext print-word-vectors "$0" </dev/null' "$MODEL.bin") ;;
    6) CMD=("$bin" vectors info "$W2V") ;;
  esac
}
VARIANTS=("new")
[[ -n "$BASE" ]] && VARIANTS+=("base")

info "reading the inputs once to put them in the page cache"
cat "$MODEL.bin" "$MODEL.fifu" "$W2V" >/dev/null
RAW="$WORK/raw.tsv"
printf 'run\tvariant\trow\twall_s\trss_kb\n' >"$RAW"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
for ((run = 0; run <= RUNS; run++)); do # run 0: untimed warm-up
  for i in "${!LABELS[@]}"; do
    for variant in "${VARIANTS[@]}"; do
      [[ "$i" == 5 && "$variant" == base ]] && continue
      bin="$NEW"
      [[ "$variant" == base ]] && bin="$BASE"
      set_cmd "$bin" "$i"
      /usr/bin/time -f '%e %M' -o "$WORK/time" "${CMD[@]}" >"$WORK/out" 2>"$WORK/err" ||
        die "${LABELS[$i]} ($variant) failed: $(cat "$WORK/err")"
      read -r wall rss <"$WORK/time"
      ((run == 0)) && continue
      printf '%d\t%s\t%d\t%s\t%s\n' "$run" "$variant" "$i" "$wall" "$rss" >>"$RAW"
      info "run $run/$RUNS $variant ${LABELS[$i]}: $wall s, $rss KiB"
    done
  done
done

# One more, untimed, run of each embed-tl command, sampling the process's /proc/PID/status
# every 2 ms: how much of its peak RSS is its own memory (RssAnon: heap, stacks) and how much
# is pages of the mapped file (RssFile: the page cache, shared with every process that maps it).
# Not during the timed runs: the sampler takes CPU on this 2-core machine.
POLL='
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
'
SPLIT="$WORK/split.tsv"
: >"$SPLIT"
for i in 0 1 2 3 4 6; do
  for variant in "${VARIANTS[@]}"; do
    bin="$NEW"
    [[ "$variant" == base ]] && bin="$BASE"
    set_cmd "$bin" "$i"
    read -r anon file < <(python3 -c "$POLL" "${CMD[@]}") || die "${LABELS[$i]} failed (sampled run)"
    printf '%s\t%d\t%s\t%s\n' "$variant" "$i" "$anon" "$file" >>"$SPLIT"
  done
done

BIN_BYTES="$(stat -c %s "$MODEL.bin")"
FIFU_BYTES="$(stat -c %s "$MODEL.fifu")"
python3 - "$RAW" "$BIN_BYTES" "$FIFU_BYTES" "$SPLIT" "${LABELS[@]}" <<'EOF'
import statistics, sys
raw, bin_bytes, fifu_bytes, split, labels = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                             sys.argv[4], sys.argv[5:])
sampled = {(v, int(i)): (int(a), int(f)) for v, i, a, f in (l.split() for l in open(split))}
rows = [l.rstrip("\n").split("\t") for l in open(raw)][1:]
variants = [v for v in ("base", "new") if any(r[1] == v for r in rows)]
def med(v, i, col):
    xs = [float(r[col]) for r in rows if r[1] == v and int(r[2]) == i]
    return statistics.median(xs) if xs else None
head = "| command |"
for v in variants:
    name = "embed-tl before" if v == "base" else "embed-tl now"
    head += f" {name}: wall s | {name}: peak RSS MB | {name}: of which own / file pages MB |"
print(head)
print("|---|" + "---:|---:|---:|" * len(variants))
for i, label in enumerate(labels):
    line = f"| {label} |"
    for v in variants:
        w, r = med(v, i, 3), med(v, i, 4)
        a, f = sampled.get((v, i), (None, None))
        own = "" if a is None else f"{a * 1024 / 1e6:.0f} / {f * 1024 / 1e6:.0f}"
        line += " | | |" if w is None else f" {w:.2f} | {r * 1024 / 1e6:.0f} | {own} |"
    print(line)
print()
print(f"x.bin: {bin_bytes / 1e6:.0f} MB; x.fifu: {fifu_bytes / 1e6:.0f} MB (MB = 10^6 bytes; wall s "
      "and peak RSS are GNU time's %e and %M (KiB x 1024), medians of the timed runs; own / file "
      "pages are the largest RssAnon and RssFile of /proc/PID/status, sampled every 2 ms in one "
      "more run, so they can miss a short peak).")
r = med("new", 0, 4)
print(f"embed-tl now, vectors info x.bin: peak RSS {r * 1024 / bin_bytes:.2f}x the file.")
print()
print("Raw runs:")
print()
print("| run | binary | command | wall s | peak RSS KiB |")
print("|---:|---|---|---:|---:|")
for r in rows:
    print(f"| {r[0]} | {r[1]} | {labels[int(r[2])]} | {r[3]} | {r[4]} |")
EOF
echo
echo "Machine: nproc $(nproc); $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//');"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg);"
echo "$(fasttext 2>&1 | head -1 || true) $(dpkg-query -W -f='(Debian fasttext ${Version})' fasttext 2>/dev/null || true);"
echo "$(rustc --version); runs: $RUNS (+1 untimed warm-up), round-robin."
