#!/usr/bin/env bash
# Load-time benchmark: GloVe 6B 50d text (400,000 words x 50) loaded by
#   1. embed-tl          embed_tl::Vectors::open (format sniffed, text parsed in parallel)
#   2. finalfusion 0.18  Embeddings::<SimpleVocab, NdArray>::read_text (single-threaded)
#   3. gensim            KeyedVectors.load_word2vec_format(path, binary=False, no_header=True)
# plus embed-tl opening (4) the .fifu conversion of the same file (memory-mapped) and
# (5) the shipped default embeddings/glove.6B.50d.top50k.fifu.
#
# Every loader runs in its own process, RUNS times (default 5), round-robin so that machine
# noise hits all loaders alike. Each process is measured with /usr/bin/time (wall seconds,
# peak RSS, and user+sys CPU seconds, which show how much a busy machine slowed a run);
# the program itself prints the seconds spent in the load call only. The machine should be
# otherwise idle: the load average before and after the timed runs is printed.
# Prints a Markdown table of medians, the raw per-run numbers and the machine facts.
#
# Needs: cargo, python3 with gensim (pip install gensim==4.4.0), GNU time at /usr/bin/time,
# and embeddings/glove.6B.50d.txt (run embeddings/fetch to get it).
# Usage: RUNS=5 benches/load_vectors.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-5}"
PYTHON="${PYTHON:-python3}"
GLOVE="$ROOT/embeddings/glove.6B.50d.txt"
SHIPPED="$ROOT/embeddings/glove.6B.50d.top50k.fifu"

die() { echo "benches/load_vectors.sh: error: $*" >&2; exit 1; }
info() { echo "benches/load_vectors.sh: $*" >&2; }

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
[[ -f "$GLOVE" ]] || die "$GLOVE is missing: run embeddings/fetch to download it"
[[ -f "$SHIPPED" ]] || die "$SHIPPED is missing (it is committed: check out the repository)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: apt-get install time"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (needed for gensim)"
"$PYTHON" -c 'import gensim' 2>/dev/null ||
  die "gensim is not installed for $PYTHON: $PYTHON -m pip install gensim==4.4.0"

info "building (release)"
(cd "$ROOT" && cargo build --release --quiet --example load_vectors && cargo build --release --quiet)
TARGET_DIR="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps |
  "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
LOADER="$TARGET_DIR/release/examples/load_vectors"
EMBED_TL="$TARGET_DIR/release/embed-tl"
[[ -x "$LOADER" && -x "$EMBED_TL" ]] || die "build did not produce $LOADER and $EMBED_TL"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
FIFU="$TMP/glove.6B.50d.fifu"

info "converting $GLOVE to $FIFU"
"$EMBED_TL" vectors convert --quiet "$GLOVE" "$FIFU"

# gensim: time only the load call, print the same line as examples/load_vectors.rs.
GENSIM_PY='
import sys, time
from gensim.models import KeyedVectors
path = sys.argv[1]
start = time.perf_counter()
kv = KeyedVectors.load_word2vec_format(path, binary=False, no_header=True)
seconds = time.perf_counter() - start
print(f"loader=gensim words={len(kv.index_to_key)} dims={kv.vector_size} seconds={seconds:.6f}")
'

# Row labels, in table order, and the command of each.
LABELS=(
  "embed-tl, GloVe text"
  "finalfusion 0.18 read_text, GloVe text"
  "gensim load_word2vec_format, GloVe text"
  "embed-tl, converted .fifu (mmap)"
  "embed-tl, shipped top50k .fifu (mmap)"
)
set_cmd() { # index -> sets CMD to the command line of that loader
  case "$1" in
    0) CMD=("$LOADER" embed-tl "$GLOVE") ;;
    1) CMD=("$LOADER" finalfusion "$GLOVE") ;;
    2) CMD=("$PYTHON" -c "$GENSIM_PY" "$GLOVE") ;;
    3) CMD=("$LOADER" embed-tl "$FIFU") ;;
    4) CMD=("$LOADER" embed-tl "$SHIPPED") ;;
  esac
}

# Put the inputs in the page cache so that no run pays for the disk, then one untimed
# warm-up run of each loader (puts the binaries and Python's modules in the page cache too).
info "reading the inputs once to put them in the page cache"
cat "$GLOVE" "$FIFU" "$SHIPPED" >/dev/null
info "warm-up: one untimed run of each loader"
for i in "${!LABELS[@]}"; do
  set_cmd "$i"
  "${CMD[@]}" >/dev/null || die "${LABELS[$i]} failed during warm-up"
done

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
RAW="$TMP/raw.tsv"
printf 'run\tloader\tload_s\twall_s\trss_kb\twords\tdims\tcpu_s\n' >"$RAW"
for ((run = 1; run <= RUNS; run++)); do
  for i in "${!LABELS[@]}"; do
    set_cmd "$i"
    /usr/bin/time -f '%e %M %U %S' -o "$TMP/time" "${CMD[@]}" >"$TMP/out" ||
      die "${LABELS[$i]} failed (run $run): $(cat "$TMP/out" "$TMP/time")"
    read -r wall rss user sys <"$TMP/time"
    cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
    line="$(cat "$TMP/out")"
    [[ "$line" =~ words=([0-9]+)\ dims=([0-9]+)\ seconds=([0-9.]+) ]] ||
      die "${LABELS[$i]}: unexpected output: $line"
    printf '%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$i" "${BASH_REMATCH[3]}" "$wall" "$rss" \
      "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "$cpu" >>"$RAW"
    info "run $run/$RUNS ${LABELS[$i]}: load ${BASH_REMATCH[3]} s, wall $wall s, CPU $cpu s, peak RSS $rss KB"
  done
done

CPU="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
GENSIM_VERSIONS="$("$PYTHON" -c 'import gensim, numpy, sys; print(f"gensim {gensim.__version__}, numpy {numpy.__version__}, Python {sys.version.split()[0]}")')"

"$PYTHON" - "$RAW" "$GLOVE" "${LABELS[@]}" <<'EOF'
import statistics, sys

raw_path, glove_path, labels = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = [line.rstrip("\n").split("\t") for line in open(raw_path)][1:]
by = {i: [r for r in rows if int(r[1]) == i] for i in range(len(labels))}
med = {
    i: {
        "load": statistics.median(float(r[2]) for r in rs),
        "wall": statistics.median(float(r[3]) for r in rs),
        "rss_mb": statistics.median(int(r[4]) for r in rs) * 1024 / 1e6,
        "words": int(rs[0][5]),
        "dims": int(rs[0][6]),
    }
    for i, rs in by.items()
}
TEXT = {0, 1, 2}  # rows that load the GloVe text file
base = med[0]

print("| loader | median load seconds (in-process) | median wall seconds (process) "
      "| median peak RSS MB | speed-up of embed-tl vs this row (load / wall) |")
print("|---|---:|---:|---:|---|")
for i, label in enumerate(labels):
    m = med[i]
    if i == 0:
        speed = "1.0x / 1.0x (baseline)"
    elif i in TEXT:
        speed = f"{m['load'] / base['load']:.1f}x / {m['wall'] / base['wall']:.1f}x"
    else:
        speed = "n/a (not text; this row is {:.0f}x faster than embed-tl on text, in-process)".format(
            base["load"] / m["load"]) if m["load"] > 0 else "n/a"
    print(f"| {label} ({m['words']:,} x {m['dims']}) | {m['load']:.4f} | {m['wall']:.2f} "
          f"| {m['rss_mb']:.1f} | {speed} |")

# Size of what embed-tl must hold after loading text: the f32 matrix, the norms, and its
# vocabulary (src/vectors/build.rs: a Vec<String> plus a hashbrown HashTable<u32> index).
# Heap blocks of words are counted as glibc malloc chunks (8-byte header, 16-byte aligned,
# 32 bytes at least). The strict reading (matrix + the words' bytes) is printed too.
n, d = base["words"], base["dims"]
chunk = lambda k: max(32, (k + 8 + 15) // 16 * 16) if k else 0
word_lens = []
with open(glove_path, "rb") as f:
    for line in f:
        word_lens.append(len(line.rsplit(b" ", d)[0]))
assert len(word_lens) == n, (len(word_lens), n)
word_bytes = sum(word_lens)
word_heap = sum(chunk(k) for k in word_lens)
buckets = 1 << max(3, (n * 8 // 7 - 1).bit_length())
matrix = n * d * 4
norms = n * 4
vocab = n * 24 + word_heap + buckets * (4 + 1)
total = matrix + norms + vocab
strict = matrix + word_bytes
rss = base["rss_mb"] * 1e6
print()
print(f"Matrix: {n:,} x {d} x 4 bytes = {matrix / 1e6:.1f} MB; norms {norms / 1e6:.1f} MB; "
      f"vocabulary as embed-tl holds it (Vec<String> {n * 24 / 1e6:.1f} MB + words as malloc "
      f"chunks {word_heap / 1e6:.1f} MB + HashTable<u32> index of {buckets:,} buckets "
      f"{buckets * 5 / 1e6:.1f} MB) = {vocab / 1e6:.1f} MB. "
      f"Matrix + norms + vocabulary = {total / 1e6:.1f} MB; "
      f"matrix + the words' bytes alone ({word_bytes / 1e6:.1f} MB) = {strict / 1e6:.1f} MB.")
print(f"embed-tl peak RSS loading text (median): {base['rss_mb']:.1f} MB = "
      f"{rss / total:.2f}x matrix + norms + vocabulary (target <= 1.5x); "
      f"{rss / strict:.2f}x matrix + words' bytes; {rss / matrix:.2f}x the matrix alone. "
      f"For comparison, finalfusion: {med[1]['rss_mb'] * 1e6 / total:.2f}x, "
      f"gensim: {med[2]['rss_mb'] * 1e6 / total:.2f}x the same size.")
print("MB = 10^6 bytes; peak RSS is GNU time's %M (KiB) x 1024; it includes each process's "
      "baseline (binary, libraries, and for gensim the Python interpreter and imports).")

print()
print("Raw runs (run order is round-robin over the loaders):")
print()
print("| run | loader | load s (in-process) | wall s (process) | CPU s (user+sys, process) | peak RSS KB |")
print("|---:|---|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r[0]} | {labels[int(r[1])]} | {r[2]} | {r[3]} | {r[7]} | {r[4]} |")
EOF

echo
echo "Machine: nproc $(nproc); CPU: $CPU; $(date -u '+%Y-%m-%d %H:%M UTC');"
echo "load average (1/5/15 min) before the timed runs: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Versions: $GENSIM_VERSIONS; $(rustc --version); runs per loader: $RUNS (+1 untimed warm-up);"
echo "inputs read once into the page cache before measuring."
