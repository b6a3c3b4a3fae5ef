"""gensim 4.4.0's vectors for a few known and unknown words of each pre-2017 fastText test file
in tests/data/gensim/ (issue 21), written as `word v1 v2 ...` lines (shortest f32 decimals) to
tests/data/gensim/<name>.expected_word_vectors.txt; and every word of cp852_fasttext.bin read with
encoding='cp852', in order, to cp852_fasttext.cp852_all_words.expected_word_vectors.txt.

    python3 -m venv venv && venv/bin/pip install gensim==4.4.0
    venv/bin/python tests/data/scripts/gensim_expected.py

The .bin files are gensim's own, copied unchanged from the gensim 4.4.0 wheel
(gensim/test/test_data/); cp852_fasttext.bin is read with encoding='cp852', as gensim's
test_fasttext.py reads it.
"""
import os

import numpy as np
from gensim.models.fasttext import load_facebook_vectors

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'gensim')
CASES = [
    ('lee_fasttext', 'utf-8', ['the', 'government', 'Australia', 'australia', 'xyzzy',
                               'governments2', 'Straße']),
    ('non_ascii_fasttext', 'utf-8', ['ji', 'který', 'více', 'až', 'kterýkoli', 'xyzzy']),
    ('cp852_fasttext', 'cp852', ['ji', 'který', 'více', 'až', 'kterýkoli', 'xyzzy']),
    # gensim's default encoding on the cp852 file: invalid UTF-8 bytes become \xNN
    # ('backslashreplace'), which is what embed-tl's --lossy does for fastText models.
    ('cp852_fasttext', 'utf-8', ['ji', 'kter\\xec', 'b\\xect', 'xyzzy', 'kter\\xecs']),
]
for name, encoding, words in CASES:
    kv = load_facebook_vectors(os.path.join(HERE, name + '.bin'), encoding=encoding)
    out = name + ('.backslashreplace' if name == 'cp852_fasttext' and encoding == 'utf-8' else '')
    with open(os.path.join(HERE, out + '.expected_word_vectors.txt'), 'w', encoding='utf-8') as f:
        for word in words:
            v = kv[word].astype(np.float32)
            f.write(word + ' ' + ' '.join(np.format_float_positional(x, unique=True) for x in v)
                    + '\n')
            print(name, word, 'known' if word in kv.key_to_index else 'unknown')

# Every word of cp852_fasttext.bin read with encoding='cp852', in gensim's (the file's) order, with
# its vector: what embed-tl's --vectors-encoding cp852 must give, word for word.
kv = load_facebook_vectors(os.path.join(HERE, 'cp852_fasttext.bin'), encoding='cp852')
with open(os.path.join(HERE, 'cp852_fasttext.cp852_all_words.expected_word_vectors.txt'), 'w',
          encoding='utf-8') as f:
    for word in kv.index_to_key:
        v = kv[word].astype(np.float32)
        f.write(word + ' ' + ' '.join(np.format_float_positional(x, unique=True) for x in v) + '\n')
print('cp852_fasttext: all', len(kv.index_to_key), 'words')
