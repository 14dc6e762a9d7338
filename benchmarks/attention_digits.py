"""Lecture 11's digit reversal with and without attention: exact match by input length (goal: attention
wins on the inputs of 5–8 digits).

    python benchmarks/attention_digits.py [--json benchmarks/results.json]

The lecture's budget for every model: hidden size 64, embeddings 32, 400 Adam steps of 64 fresh
inputs of 1–8 digits (`tasks.reverse_task(1, 8)`), lr 5·10⁻³, clipping 1, seed 0, one thread;
greedy decoding of the lecture's 500 test inputs (rng 12345). Models: the plain encoder–decoder
(`seq2seq.Seq2Seq`) and `attention.AttentionSeq2Seq` with the scaled dot and the additive score,
all three from the same initial encoder and decoder weights.
Keys: `attention_exact_match_long` (exact match on inputs of 5–8 digits, per model),
`attention_details` (exact match overall and per input length, training seconds, per model).
"""
from __future__ import annotations

import sys

import numpy as np
from _results import merge, parse_args

MODELS = ("plain", "dot", "additive")


def measure() -> dict:
    from course_utils import attention, setup, tasks
    from course_utils import seq2seq as s2s

    setup(threads=1)
    task = tasks.reverse_task(1, 8)
    sources, targets = task(500, np.random.default_rng(12345))
    long = np.array([len(s) for s in sources]) >= 5
    long_match, details = {}, {}
    for name in MODELS:
        model = (s2s.Seq2Seq(hidden_size=64, embed_size=32, seed=0) if name == "plain"
                 else attention.AttentionSeq2Seq(hidden_size=64, embed_size=32, score=name, seed=0))
        hist = s2s.train_seq2seq(model, task, steps=400, batch_size=64, lr=5e-3, eval_every=50, seed=0)
        hyps = s2s.decode(model, sources)
        right = s2s.matches(hyps, targets)
        long_match[name] = round(float(right[long].mean()), 3)
        by_length = s2s.exact_match_by_length(hyps, sources, targets)
        details[name] = {"exact_match": round(float(right.mean()), 3), "seconds": round(hist.seconds[-1], 1),
                         "by_length": {L: round(v, 3) for L, v in by_length.items()}}
    return {"attention_exact_match_long": long_match, "attention_details": details}


def main(argv=None) -> int:
    args = parse_args(__doc__, argv)
    results = measure()
    details = results["attention_details"]
    lengths = sorted(details["plain"]["by_length"])
    print("exact match (greedy) by input length, 500 test inputs")
    print(f"{'model':10s} " + " ".join(f"{L:>5d}" for L in lengths) + "   all   5-8  train s")
    for name in MODELS:
        d = details[name]
        print(f"{name:10s} " + " ".join(f"{d['by_length'][L]:5.3f}" for L in lengths)
              + f" {d['exact_match']:5.3f} {results['attention_exact_match_long'][name]:5.3f} {d['seconds']:7.1f}")
    long = results["attention_exact_match_long"]
    met = min(long["dot"], long["additive"]) > long["plain"]
    print(f"goal: attention > plain on 5-8 digits: {'met' if met else 'MISSED'}")
    merge(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
