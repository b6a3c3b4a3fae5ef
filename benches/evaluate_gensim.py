#!/usr/bin/env python3
"""gensim's intrinsic evaluation of one vector file, as one JSON object on stdout.

The reference figures of `embed-tl vectors evaluate` (benches/evaluate_vectors.sh,
docs/benchmarks.md, tests/test_vectors_evaluate.rs): gensim's
KeyedVectors.evaluate_word_analogies (restrict_vocab=300000, case_insensitive=True,
dummy4unknown=False: its defaults) and evaluate_word_pairs (delimiter '\t', the same
defaults) on the files given, with the seconds each call takes (the load is timed apart).

Usage: evaluate_gensim.py VECTORS [--binary] [--fasttext] [--no-header]
                          [--analogies FILE] [--similarity FILE ...]
                          [--restrict-vocab N] [--case-sensitive]
  VECTORS is word2vec text (header line) unless --binary (word2vec binary), --fasttext
  (a fastText .bin, read with gensim.models.fasttext.load_facebook_vectors) or --no-header
  (GloVe text).
"""

import argparse
import json
import logging
import sys
import time

from gensim.models import KeyedVectors


def main():
    p = argparse.ArgumentParser()
    p.add_argument("vectors")
    p.add_argument("--binary", action="store_true")
    p.add_argument("--fasttext", action="store_true")
    p.add_argument("--no-header", action="store_true")
    p.add_argument("--analogies")
    p.add_argument("--similarity", action="append", default=[])
    p.add_argument("--restrict-vocab", type=int, default=300000)
    p.add_argument("--case-sensitive", action="store_true")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)

    start = time.perf_counter()
    if args.fasttext:
        from gensim.models.fasttext import load_facebook_vectors

        kv = load_facebook_vectors(args.vectors)
    else:
        kv = KeyedVectors.load_word2vec_format(
            args.vectors, binary=args.binary, no_header=args.no_header
        )
    out = {
        "tool": "gensim " + __import__("gensim").__version__,
        "vectors": args.vectors,
        "words": len(kv.index_to_key),
        "load_seconds": time.perf_counter() - start,
    }
    if args.analogies:
        start = time.perf_counter()
        score, sections = kv.evaluate_word_analogies(
            args.analogies,
            restrict_vocab=args.restrict_vocab,
            case_insensitive=not args.case_sensitive,
        )
        seconds = time.perf_counter() - start
        # The OOV share as gensim logs it: questions skipped / questions read.
        read = sum(1 for line in open(args.analogies, encoding="utf-8")
                   if not line.startswith(": ") and len(line.split()) == 4)
        used = sum(len(s["correct"]) + len(s["incorrect"]) for s in sections[:-1])
        out["analogies"] = {
            "file": args.analogies,
            "seconds": seconds,
            "accuracy": score,
            "questions": read,
            "oov_ratio": 100.0 * (read - used) / read,
            "sections": [
                {
                    "section": s["section"],
                    "correct": len(s["correct"]),
                    "questions": len(s["correct"]) + len(s["incorrect"]),
                }
                for s in sections
            ],
        }
    out["similarity"] = []
    for path in args.similarity:
        start = time.perf_counter()
        pearson, spearman, oov = kv.evaluate_word_pairs(
            path,
            restrict_vocab=args.restrict_vocab,
            case_insensitive=not args.case_sensitive,
        )
        out["similarity"].append(
            {
                "file": path,
                "seconds": time.perf_counter() - start,
                "pearson": float(pearson[0]),
                "spearman": float(spearman.correlation),
                "oov_ratio": float(oov),
            }
        )
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
