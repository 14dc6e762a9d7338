"""Lecture 11's row-by-row digit reader: test accuracy and training seconds (goal ≥ 0.98 in ≤ 10 s).

    python benchmarks/digits_lstm.py [--json benchmarks/results.json]

scikit-learn's 8×8 digits (75/25 stratified split, training set with four one-pixel shifts),
a 2-layer LSTM with H = 64 read row by row (`classification.SequenceClassifier`), trained with
`digits.RECIPE` through `classification.train_classifier` on one thread: the same code as the lecture.
Keys: `digits_lstm_accuracy`, `digits_lstm_seconds` (training time only).
"""
from __future__ import annotations

import sys

import numpy as np
from _results import merge, parse_args


def measure() -> dict:
    from course_utils import digits, setup
    from course_utils.classification import SequenceClassifier, evaluate_accuracy, train_classifier

    setup(threads=1)
    img_tr, img_te, y_tr, y_te = digits.load_split()
    model = SequenceClassifier("lstm", 8, 64, 10, num_layers=2, seed=0)
    hist = train_classifier(model, digits.as_sequences(digits.shifted_copies(img_tr)), np.tile(y_tr, 5),
                            seed=0, **digits.RECIPE)
    accuracy = evaluate_accuracy(model, digits.as_sequences(img_te), y_te)
    return {"digits_lstm_accuracy": round(float(accuracy), 4), "digits_lstm_seconds": round(hist.seconds[-1], 1)}


def main(argv=None) -> int:
    args = parse_args(__doc__, argv)
    results = measure()
    print(f"digits_lstm_accuracy     {results['digits_lstm_accuracy']:.4f}  (goal ≥ 0.98)")
    print(f"digits_lstm_seconds      {results['digits_lstm_seconds']:5.1f}  (goal ≤ 10)")
    merge(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
