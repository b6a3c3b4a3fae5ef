#!/usr/bin/env bash
# Issue 20: the large fastText skipgram models that benches/fasttext_mmap.sh and
# benches/fasttext_predict.sh measure, trained once and then reused (same bytes on every run).
#
# Usage: benches/fasttext_skipgram.sh CORPUS DIM WORK
#   CORPUS  imdb     the 50,000 IMDB reviews of corpora/imdb.csv (built by corpora/fetch-imdb),
#                    lowercased with punctuation split off (fastText's own recipe, as in
#                    benches/predict.sh), one review a line: about 13M tokens
#           shipped  the text of the committed corpora/*.csv (every `text` column) as it is,
#                    repeated REPEAT times (default 3): the corpus of the first issue-20 tables
#   DIM     vector dimension: 50 gives a model of about 410 MB (2M buckets x 50 f32), 256 one
#           of about 2.1 GB
#   WORK    folder for the training text and the model
# Trains `fasttext skipgram -dim DIM -bucket 2000000 -minCount 5 -epoch 1 -thread 1 -seed 7`
# (single-threaded so that the model is the same bytes on every run) into
# WORK/ft_sg_CORPUS_dimDIM.bin and .vec (the shipped corpus keeps its old name,
# WORK/ft_sg_dimDIM), unless the .bin is already there, and prints the model's path without
# the extension. Needs /usr/bin/fasttext (apt-get install fasttext) and python3.
set -euo pipefail

die() { echo "benches/fasttext_skipgram.sh: error: $*" >&2; exit 1; }
info() { echo "benches/fasttext_skipgram.sh: $*" >&2; }

[[ $# == 3 ]] || die "usage: benches/fasttext_skipgram.sh imdb|shipped DIM WORK"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CORPUS="$1" DIM="$2" WORK="$3"
REPEAT="${REPEAT:-3}"
[[ "$DIM" =~ ^[1-9][0-9]*$ ]] || die "DIM must be a positive integer, got '$DIM'"
command -v fasttext >/dev/null || die "fasttext is missing: apt-get install fasttext"
mkdir -p "$WORK"

case "$CORPUS" in
  imdb)
    MODEL="$WORK/ft_sg_imdb_dim$DIM"
    TEXT="$WORK/imdb_text.txt"
    [[ -f "$ROOT/corpora/imdb.csv" ]] ||
      die "corpora/imdb.csv is missing: run corpora/fetch-imdb (it is not committed)"
    ;;
  shipped)
    MODEL="$WORK/ft_sg_dim$DIM"
    TEXT="$WORK/corpus.txt"
    ;;
  *) die "CORPUS must be imdb or shipped, got '$CORPUS'" ;;
esac

if [[ ! -f "$MODEL.bin" ]]; then
  if [[ "$CORPUS" == imdb ]]; then
    info "writing the training text (corpora/imdb.csv, lowercased, punctuation split off)"
    python3 - "$ROOT/corpora/imdb.csv" >"$TEXT.tmp" <<'EOF'
import csv, re, sys
def prep(t):  # fastText's recipe: lowercase, punctuation split off, one line
    return " ".join(re.sub(r"([^\w\s'])", r" \1 ", t.lower()).split())
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        print(prep(row["text"]))
EOF
  else
    info "writing the training text ($REPEAT x the text of corpora/*.csv)"
    python3 - "$ROOT/corpora" "$REPEAT" >"$TEXT.tmp" <<'EOF'
import csv, glob, os, sys
folder, repeat = sys.argv[1], int(sys.argv[2])
texts = []
for path in sorted(glob.glob(os.path.join(folder, "*.csv"))):
    if os.path.basename(path) in ("imdb.csv", "rotten-tomatoes.csv"):
        continue  # fetched on demand, not committed: the shipped corpus is the committed files
    with open(path, newline="", encoding="utf-8") as f:
        texts += [row["text"].replace("\n", " ") for row in csv.DictReader(f) if "text" in row]
for _ in range(repeat):
    for t in texts:
        print(t)
EOF
  fi
  mv "$TEXT.tmp" "$TEXT"
  info "training $MODEL.bin (fasttext skipgram -dim $DIM -bucket 2000000, seeded, 1 thread)"
  fasttext skipgram -input "$TEXT" -output "$MODEL.tmp" -dim "$DIM" -bucket 2000000 \
    -minCount 5 -epoch 1 -thread 1 -seed 7 -verbose 0
  mv "$MODEL.tmp.vec" "$MODEL.vec"
  mv "$MODEL.tmp.bin" "$MODEL.bin"
fi
echo "$MODEL"
