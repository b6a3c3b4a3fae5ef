#!/usr/bin/env bash
# Featurizer benchmark ("from text to document vectors"): tokenise + look up + pool, texts in,
# a docs x 50 matrix out, with the full GloVe 6B 50d (400,000 words), on
#   short: 1,000,000 TREC questions resampled with replacement (~10 whitespace tokens each)
#   long:    100,000 review-length texts (~230 whitespace tokens each), made of Rotten
#            Tomatoes + UCI review sentences drawn at random
# with mean and SIF (a = 1e-3) pooling, by
#   1. embed-tl (examples/featurize_bench.rs): FeaturizerParams::fit then Featurizer::transform
#      on the memory-mapped .fifu conversion of the GloVe file; rayon on all cores;
#   2. the same with RAYON_NUM_THREADS=1 (single-core efficiency);
#   3. the Python loop a user writes (benches/featurize_python.py): regex tokenise, gensim
#      KeyedVectors lookup, numpy mean (SIF: frequencies, weighted mean, TruncatedSVD);
#      one process, one thread.
# Loading the vectors and reading the texts are not timed on either side. Each process runs
# REPEATS repeats in-process (default 3; PY_SHORT_REPEATS, default REPEATS, for Python on the
# 1M short set) and prints one line per repeat; the table shows medians. SIF docs/s is
# texts / (fit + transform) on both sides. Every process also runs under /usr/bin/time, whose
# user+sys / wall shows how many cores it kept busy (loading included).
#
# Needs: cargo, python3 with gensim, numpy and scikit-learn, GNU time at /usr/bin/time,
# embeddings/glove.6B.50d.txt (embeddings/fetch), corpora/trec-{train,test}.csv and
# corpora/reviews.csv (committed) and corpora/rotten-tomatoes.csv
# (corpora/fetch-rotten-tomatoes). The machine should be otherwise idle: the load average
# before and after is printed.
# Usage: [REPEATS=3] [PY_SHORT_REPEATS=3] [OUT=/tmp/featbench] benches/featurize.sh
# (SHORT_DOCS and LONG_DOCS, default 1000000 and 100000, shrink the inputs for a smoke test.)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPEATS="${REPEATS:-3}"
PY_SHORT_REPEATS="${PY_SHORT_REPEATS:-$REPEATS}"
PYTHON="${PYTHON:-python3}"
OUT="${OUT:-/tmp/featbench}"
SHORT_DOCS="${SHORT_DOCS:-1000000}"
LONG_DOCS="${LONG_DOCS:-100000}"
GLOVE="$ROOT/embeddings/glove.6B.50d.txt"
PY="$ROOT/benches/featurize_python.py"

die() { echo "benches/featurize.sh: error: $*" >&2; exit 1; }
info() { echo "benches/featurize.sh: $*" >&2; }

[[ "$REPEATS" =~ ^[1-9][0-9]*$ ]] || die "REPEATS must be a positive integer, got '$REPEATS'"
[[ "$PY_SHORT_REPEATS" =~ ^[1-9][0-9]*$ ]] ||
  die "PY_SHORT_REPEATS must be a positive integer, got '$PY_SHORT_REPEATS'"
[[ "$SHORT_DOCS" =~ ^[1-9][0-9]*$ && "$LONG_DOCS" =~ ^[1-9][0-9]*$ ]] ||
  die "SHORT_DOCS and LONG_DOCS must be positive integers"
[[ -f "$GLOVE" ]] || die "$GLOVE is missing: run embeddings/fetch to download it"
for f in trec-train.csv trec-test.csv reviews.csv; do
  [[ -f "$ROOT/corpora/$f" ]] || die "corpora/$f is missing (it is committed: check out the repository)"
done
[[ -f "$ROOT/corpora/rotten-tomatoes.csv" ]] ||
  die "corpora/rotten-tomatoes.csv is missing: run corpora/fetch-rotten-tomatoes to build it"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: apt-get install time"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found"
"$PYTHON" -c 'import gensim, numpy' 2>/dev/null ||
  die "gensim/numpy are not installed for $PYTHON: $PYTHON -m pip install gensim==4.4.0"
"$PYTHON" -c 'import sklearn' 2>/dev/null ||
  die "scikit-learn is not installed for $PYTHON: $PYTHON -m pip install scikit-learn"

info "building (release)"
(cd "$ROOT" && cargo build --release --quiet --example featurize_bench && cargo build --release --quiet)
TARGET_DIR="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps |
  "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
BENCH="$TARGET_DIR/release/examples/featurize_bench"
EMBED_TL="$TARGET_DIR/release/embed-tl"
[[ -x "$BENCH" && -x "$EMBED_TL" ]] || die "build did not produce $BENCH and $EMBED_TL"
CODE=""
if GIT_HEAD="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"; then
  DIRTY="$(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock | wc -l)"
  DIFF_SHA="$(git -C "$ROOT" diff HEAD -- src Cargo.toml Cargo.lock | sha256sum | cut -c1-12)"
  CODE="Code (at build time): commit $GIT_HEAD; $DIRTY uncommitted change(s) in src/, Cargo.toml,"
  CODE+=" Cargo.lock (sha256 of the diff: $DIFF_SHA)."
fi

mkdir -p "$OUT"
FIFU="$OUT/glove.6B.50d.fifu"
if [[ ! -f "$FIFU" || "$GLOVE" -nt "$FIFU" ]]; then
  info "converting $GLOVE to $FIFU"
  "$EMBED_TL" vectors convert --quiet "$GLOVE" "$FIFU.tmp"
  mv "$FIFU.tmp" "$FIFU"
fi
info "preparing the inputs in $OUT (deterministic)"
"$PYTHON" "$PY" prepare "$ROOT" "$OUT" "$SHORT_DOCS" "$LONG_DOCS"
declare -A TEXTS=([short]="$OUT/short.txt" [long]="$OUT/long.txt")

info "reading the inputs once to put them in the page cache"
cat "$GLOVE" "$FIFU" "${TEXTS[short]}" "${TEXTS[long]}" >/dev/null

RAW="$OUT/raw.tsv"
printf 'set\tpool\tside\tline\tproc_wall_s\tproc_cpu_s\n' >"$RAW"
run() { # set pool side cmd... -> appends one raw row per printed line
  local set="$1" pool="$2" side="$3"
  shift 3
  /usr/bin/time -f '%e %U %S' -o "$OUT/time" "$@" >"$OUT/stdout" ||
    die "$side $set $pool failed: $(cat "$OUT/stdout" "$OUT/time")"
  local wall user sys cpu line
  read -r wall user sys <"$OUT/time"
  cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
  while IFS= read -r line; do
    [[ "$line" =~ ^pool=[a-z]+\ docs=[0-9]+\ fit_s= ]] || die "$side $set $pool: unexpected output: $line"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$set" "$pool" "$side" "$line" "$wall" "$cpu" >>"$RAW"
    info "$set $pool $side: $line"
  done <"$OUT/stdout"
  info "$set $pool $side: process wall $wall s, CPU (user+sys) $cpu s"
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
START="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
for set in short long; do
  for pool in mean sif; do
    py_repeats="$REPEATS"
    [[ "$set" == short ]] && py_repeats="$PY_SHORT_REPEATS"
    run "$set" "$pool" embed-tl "$BENCH" "$FIFU" "${TEXTS[$set]}" "$pool" "$REPEATS"
    run "$set" "$pool" embed-tl-1 env RAYON_NUM_THREADS=1 "$BENCH" "$FIFU" "${TEXTS[$set]}" "$pool" "$REPEATS"
    run "$set" "$pool" python "$PYTHON" "$PY" bench "$GLOVE" "${TEXTS[$set]}" "$pool" "$py_repeats"
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
END="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"

"$PYTHON" - "$RAW" <<'EOF'
import re, statistics, sys

rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
FIELDS = re.compile(r"(\w+)=(\S+)")
runs = {}
for set_, pool, side, line, wall, cpu in rows:
    d = dict(FIELDS.findall(line))
    d.update(proc_wall_s=float(wall), proc_cpu_s=float(cpu))
    runs.setdefault((set_, pool, side), []).append(d)

def med(key, field):
    return statistics.median(float(r[field]) for r in runs[key])

LABEL = {"short": "short (TREC, ~10 tokens)", "long": "long (reviews, ~230 tokens)"}
print("| set | pooling | docs | embed-tl docs/s (median, all cores) | embed-tl docs/s "
      "(median, RAYON_NUM_THREADS=1) | Python docs/s (median) | ratio (all cores) "
      "| ratio (1 thread) |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for set_ in ("short", "long"):
    for pool in ("mean", "sif"):
        e, e1, p = (med((set_, pool, s), "docs_per_s") for s in ("embed-tl", "embed-tl-1", "python"))
        docs = int(runs[(set_, pool, "python")][0]["docs"])
        print(f"| {LABEL[set_]} | {pool} | {docs:,} | {e:,.0f} | {e1:,.0f} | {p:,.0f} "
              f"| {e / p:.1f}x | {e1 / p:.1f}x |")

print()
print("Median seconds per repeat (fit / transform); SIF fit = word frequencies + weighted "
      "averages + principal component. embed-tl's SIF fit+transform tokenises the texts three "
      "times, the Python loop twice (its transform only removes the projection from the fit's "
      "averages). Process CPU/wall = user+sys over wall seconds of the whole process, loading "
      "included (2.0 = both cores busy throughout).")
print()
print("| set | pooling | side | fit s | transform s | total s | process CPU/wall |")
print("|---|---|---|---:|---:|---:|---:|")
for set_ in ("short", "long"):
    for pool in ("mean", "sif"):
        for side in ("embed-tl", "embed-tl-1", "python"):
            k = (set_, pool, side)
            f, t = med(k, "fit_s"), med(k, "transform_s")
            r = runs[k][0]
            print(f"| {set_} | {pool} | {side} | {f:.3f} | {t:.3f} | {f + t:.3f} "
                  f"| {r['proc_cpu_s'] / r['proc_wall_s']:.2f} |")

print()
print("Raw repeats (embed-tl-1 = RAYON_NUM_THREADS=1). Checksums (sum of all features) agree "
      "between the embed-tl runs; they differ from Python's because the tokenizers differ "
      "(embed-tl: NFKC, Penn-Treebank clitics, runs of punctuation; Python: \\w+|[^\\w\\s]) "
      "and SIF's component comes from power iteration vs randomized SVD.")
print()
print("| set | side | line | process wall s | process CPU s |")
print("|---|---|---|---:|---:|")
for set_, pool, side, line, wall, cpu in rows:
    print(f"| {set_} | {side} | `{line}` | {wall} | {cpu} |")
EOF

CPU="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
VERSIONS="$("$PYTHON" -c 'import gensim, numpy, sklearn, sys; print(f"Python {sys.version.split()[0]}, numpy {numpy.__version__}, gensim {gensim.__version__}, scikit-learn {sklearn.__version__}")')"
echo
echo "Machine: nproc $(nproc); CPU: $CPU; runs from $START to $END;"
echo "load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER;"
echo "Versions: $(rustc --version); $VERSIONS; repeats per process: $REPEATS" \
  "(Python on the short set: $PY_SHORT_REPEATS)."
if [[ -n "$CODE" ]]; then echo "$CODE"; fi
echo "Command: $(cd "$ROOT" && pwd)/benches/featurize.sh (REPEATS=$REPEATS PY_SHORT_REPEATS=$PY_SHORT_REPEATS OUT=$OUT)"
