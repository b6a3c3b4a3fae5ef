#!/usr/bin/env bash
# Rebuild the fastText fixtures without subwords (issue 21) in tests/data/original-tools/:
# a `-maxn 0` skipgram model and a supervised model (fastText writes maxn 0 for those), both
# trained by the Debian `fasttext` 0.9.2 (apt-get install fasttext python3-fasttext) on the
# text of corpora/reviews.csv, seeded, one thread: the same inputs give the same bytes.
# Expected values: what `fasttext print-word-vectors` prints for known and unknown words
# (*.expected_word_vectors.txt, 5 significant digits) and the same words' vectors at full f32
# precision from the Debian python3-fasttext binding of the same library
# (*.expected_word_vectors_f32.txt).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
out=tests/data/original-tools
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 - "$work" <<'PY'
import csv, sys
rows = list(csv.DictReader(open('corpora/reviews.csv', encoding='utf-8')))
with open(sys.argv[1] + '/text.txt', 'w', encoding='utf-8') as f:
    for r in rows:
        f.write(r['text'].replace('\n', ' ') + '\n')
with open(sys.argv[1] + '/labelled.txt', 'w', encoding='utf-8') as f:
    for r in rows:
        f.write('__label__%s %s\n' % (r['label'], r['text'].replace('\n', ' ')))
PY
fasttext skipgram -input "$work/text.txt" -output "$out/ft_sg_maxn0" -dim 8 -epoch 2 -minCount 5 \
  -maxn 0 -thread 1 -seed 7 >/dev/null
fasttext supervised -input "$work/labelled.txt" -output "$out/ft_supervised" -dim 8 -epoch 2 \
  -minCount 3 -thread 1 -seed 7 >/dev/null
# Known words (</s> included), then words the models have never seen.
words="</s> the great phone bad battery works sound xyzzy Straße café greatest"
for model in ft_sg_maxn0 ft_supervised; do
  printf '%s\n' $words | fasttext print-word-vectors "$out/$model.bin" >"$out/$model.expected_word_vectors.txt"
  /usr/bin/python3 - "$out/$model.bin" $words >"$out/$model.expected_word_vectors_f32.txt" <<'PY'
import sys
import fasttext
import numpy as np
model = fasttext.load_model(sys.argv[1])
for word in sys.argv[2:]:
    v = model.get_word_vector(word)
    print(word, ' '.join(np.format_float_positional(x, unique=True) for x in v))
PY
done
