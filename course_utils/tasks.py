"""Synthetic supervised sequence tasks: each tests one ability of a recurrent network."""
from __future__ import annotations

from typing import Iterator

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


def letter_ids(word: str, alphabet: str) -> np.ndarray:
    """The positions of a word's letters in `alphabet`: "cab" in "abc…" → [2, 0, 1]."""
    if not isinstance(word, str) or not isinstance(alphabet, str):
        raise ValueError(f"word and alphabet must be strings, got {type(word).__name__} and {type(alphabet).__name__}")
    bad = [c for c in word if c not in alphabet]
    if bad:
        raise ValueError(f"word {word!r} has letters {bad} outside the alphabet {alphabet!r}")
    return np.array([alphabet.index(c) for c in word], dtype=np.int64)


def next_letter_data(words, alphabet: str = "abcdefghijklmnopqrstuvwxyz") -> list[tuple[np.ndarray, np.ndarray]]:
    """`next_letter_pairs` as arrays, one sequence per word (words differ in length, so N = 1):
    one-hot inputs x (T, 1, len(alphabet)) and target ids y (T, 1), time-major."""
    onehot = np.eye(len(alphabet))
    return [(onehot[letter_ids(w, alphabet)][:, None, :], letter_ids(t, alphabet)[:, None])
            for w, t in next_letter_pairs(words, alphabet=alphabet)]


def delayed_copy_stream(delay: int,
                        rng: np.random.Generator | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """An endless stream of (x_t, y_t): fair coin flips x_t = ±1 and the target y_t = x_{t−delay}
    (0 for the first `delay` steps), each as a (1, 1) array (one example, one feature).

    A predictor that does not remember x_{t−delay} can do no better than answering 0: expected
    loss ½·E[y²] = 0.5 for the squared loss ½(o − y)², the baseline an online learner must beat.
    """
    delay = _validate.positive_int("delay", delay)
    rng = np.random.default_rng(0) if rng is None else rng
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng) or None, got {type(rng).__name__}")
    return _delayed_copy(delay, rng)          # checked now, not at the first next()


def _delayed_copy(delay: int, rng: np.random.Generator) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    recent = [0.0] * delay                    # the last `delay` inputs, oldest first
    while True:
        x = float(rng.choice([-1.0, 1.0]))
        recent.append(x)
        yield np.array([[x]]), np.array([[recent.pop(0)]])
