"""Synthetic supervised sequence tasks: each tests one ability of a recurrent network."""
from __future__ import annotations

import numpy as np

from . import _validate

ADDING_BASELINE_MSE = 1 / 6  # predicting the mean 1 for a sum of two U(0, 1) numbers


def adding_problem(T: int, N: int, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem, in the common later form (e.g. Le et al. 2015) of Hochreiter &
    Schmidhuber's (1997) task: remember two marked numbers over T steps.

    Returns x (T, N, 2) and y (N,): channel 0 holds U(0, 1) values, channel 1 marks exactly two
    steps, one in the first half and one in the second half; the target is the sum of the two
    marked values. Always answering 1 gives MSE 1/6 ≈ 0.167, the baseline to beat. (The 1997
    original draws values from [−1, 1], marks one of the first ten steps and one before T/2,
    and asks for 0.5 + (X₁ + X₂)/4.)
    """
    T = _validate.positive_int("T", T, minimum=2)
    N = _validate.positive_int("N", N)
    rng = np.random.default_rng(0) if rng is None else rng
    values = rng.random((T, N))
    half = T // 2
    first = rng.integers(0, half, size=N)
    second = rng.integers(half, T, size=N)
    marks = np.zeros((T, N))
    cols = np.arange(N)
    marks[first, cols] = 1.0
    marks[second, cols] = 1.0
    y = values[first, cols] + values[second, cols]
    return np.stack([values, marks], axis=-1), y


def next_letter_pairs(words, alphabet: str = "abcdefghijklmnopqrstuvwxyz") -> list[tuple[str, str]]:
    """Note 002's toy task: map each word to the word of next letters, "abc" → "bcd", "fg" → "gh".

    Letters must come from `alphabet` and not be its last letter (which has no successor).
    """
    if isinstance(words, str):
        raise ValueError("words must be a list of strings, not one string")
    pairs = []
    for w in words:
        if not isinstance(w, str) or not w:
            raise ValueError(f"each word must be a non-empty string, got {w!r}")
        bad = [c for c in w if c not in alphabet[:-1]]
        if bad:
            raise ValueError(f"word {w!r} has letters {bad} outside {alphabet[:-1]!r} (the last letter has no successor)")
        pairs.append((w, "".join(alphabet[alphabet.index(c) + 1] for c in w)))
    if not pairs:
        raise ValueError("words is empty")
    return pairs
