#!/usr/bin/env bash
# Intrinsic evaluation, embed-tl against gensim, on the same vectors and test files:
#   embed-tl vectors evaluate FILE --json         (analogies: 3CosAdd; word pairs: cosine)
#   gensim 4.3.3 evaluate_word_analogies / evaluate_word_pairs (benches/evaluate_gensim.py)
# on (1) the shipped default embeddings/glove.6B.50d.top50k.fifu and (2) the full GloVe 6B 50d
# (embeddings/glove.6B.50d.txt from embeddings/fetch), with the test files of embeddings/eval/
# (questions-words.txt shipped; wordsim353.tsv and simlex999.txt from embeddings/fetch-eval).
# gensim reads word2vec text written by `embed-tl vectors convert` (the same f32 values).
#
# Prints a Markdown table: per vector set and test file, embed-tl's and gensim's figures (analogy
# accuracy and OOV share; Spearman, Pearson and OOV share of the pairs) and the seconds each
# evaluation call takes (loading excluded on both sides), then the machine's load average.
#
# Needs: cargo, a Python with gensim (PYTHON=..., default python3; e.g. python3 -m venv /tmp/venv
# && /tmp/venv/bin/pip install gensim==4.3.3, then PYTHON=/tmp/venv/bin/python), and the files
# above (run embeddings/fetch and embeddings/fetch-eval).
# Usage: PYTHON=/tmp/venv/bin/python benches/evaluate_vectors.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
GLOVE="${GLOVE:-$ROOT/embeddings/glove.6B.50d.txt}"
SHIPPED="$ROOT/embeddings/glove.6B.50d.top50k.fifu"
EVAL="$ROOT/embeddings/eval"

die() { echo "benches/evaluate_vectors.sh: error: $*" >&2; exit 1; }
info() { echo "benches/evaluate_vectors.sh: $*" >&2; }

[[ -f "$GLOVE" ]] || die "$GLOVE is missing: run embeddings/fetch (or set GLOVE=path to GloVe 6B 50d text)"
for f in questions-words.txt wordsim353.tsv simlex999.txt; do
  [[ -f "$EVAL/$f" ]] || die "$EVAL/$f is missing: run embeddings/fetch-eval"
done
"$PYTHON" -c 'import gensim' 2>/dev/null ||
  die "gensim is not installed for $PYTHON: set PYTHON to a Python with gensim==4.3.3"

info "building (release)"
(cd "$ROOT" && cargo build --release --quiet)
TARGET_DIR="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps |
  "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
EMBED_TL="$TARGET_DIR/release/embed-tl"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

TESTS=(--analogies "$EVAL/questions-words.txt" --similarity "$EVAL/wordsim353.tsv"
       --similarity "$EVAL/simlex999.txt")
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
for name in top50k full; do
  if [[ $name == top50k ]]; then src="$SHIPPED"; else src="$GLOVE"; fi
  info "$name: converting $src for gensim (word2vec text) and for embed-tl (fifu)"
  "$EMBED_TL" vectors convert --quiet "$src" "$TMP/$name.vec"
  "$EMBED_TL" vectors convert --quiet "$src" "$TMP/$name.fifu"
  info "$name: embed-tl vectors evaluate"
  "$EMBED_TL" vectors evaluate --quiet "$TMP/$name.fifu" "${TESTS[@]}" --json > "$TMP/$name.ours.json"
  info "$name: gensim (several minutes on the full file)"
  "$PYTHON" "$ROOT/benches/evaluate_gensim.py" "$TMP/$name.vec" "${TESTS[@]}" > "$TMP/$name.gensim.json"
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

"$PYTHON" - "$TMP" "$GLOVE" "$SHIPPED" <<'EOF'
import json, os, sys
tmp, glove, shipped = sys.argv[1:4]
print("| vectors | test | figure | embed-tl | gensim | embed-tl s | gensim s |")
print("|---|---|---|---:|---:|---:|---:|")
for name, src in (("top50k", shipped), ("full", glove)):
    ours = json.load(open(os.path.join(tmp, name + ".ours.json")))
    gs = json.load(open(os.path.join(tmp, name + ".gensim.json")))
    label = "`%s` (%d words)" % (os.path.basename(src), ours["words"])
    a, g = ours["analogies"], gs["analogies"]
    total = a["total"]
    gt = g["sections"][-1]
    print("| %s | questions-words.txt | total accuracy %% (correct/answered) | %.2f (%d/%d) | %.2f (%d/%d) | %.2f | %.2f |" % (
        label, 100 * total["accuracy"], total["correct"], total["answered"],
        100 * g["accuracy"], gt["correct"], gt["questions"], a["seconds"], g["seconds"]))
    print("| | | questions skipped (OOV) %% | %.2f | %.2f | | |" % (100 * a["oov_ratio"], g["oov_ratio"]))
    same = sum(1 for s, t in zip(a["sections"], g["sections"])
               if (s["correct"], s["answered"]) == (t["correct"], t["questions"]))
    print("| | | sections with the same correct/answered | %d of %d | | | |" % (same, len(a["sections"])))
    for p, q in zip(ours["similarity"], gs["similarity"]):
        f = os.path.basename(p["file"])
        print("| | %s | Spearman | %.4f | %.4f | %.3f | %.3f |" % (f, p["spearman"], q["spearman"], p["seconds"], q["seconds"]))
        print("| | | Pearson | %.4f | %.4f | | |" % (p["pearson"], q["pearson"]))
        print("| | | pairs skipped (OOV) %% | %.2f | %.2f | | |" % (100 * p["oov_ratio"], q["oov_ratio"]))
print()
print("gensim: %s; embed-tl: %s" % (gs["tool"], "release build"))
EOF
echo
echo "load average before: $LOAD_BEFORE; after: $LOAD_AFTER; $(nproc) cores"
