"""Synthetic sequence tasks, each testing one ability of a recurrent network, in one place.

The convention: a task maker `<name>_task(settings)` checks its settings once and returns a task,
a callable `task(N, rng) -> (inputs, targets)` that draws N fresh examples from the numpy
Generator rng. `train.fresh_batches(task, N, rng)` turns a task into training batches.

    adding_task(T)             x (T, N, 2), y (N,)   the adding problem (lectures 06, 08, 09)
    recall_task(T)             x (T, N, 1), y (N,)   recall the first input (lecture 06)
    segmentation_task(lexicon) chars, tags (lists)   word segmentation as B/M/E/S tagging (lecture 11)
    reverse_task(lo, hi)       sources, targets      reverse a digit string (lecture 11, seq2seq)
    expression_task(lo, hi)    trees, labels         arithmetic trees mod 3 (lecture 12)

Three tasks have another form because of how they are used: `adding_problem(T, N, rng)` is the
adding problem's batch itself; note 002's next-letter task is a fixed list of words
(`next_letter_pairs`, `next_letter_data`); the delayed copy is an endless stream for online
learning (`delayed_copy_stream`).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from . import _validate
from .trees import OPERATORS, evaluate

ADDING_BASELINE_MSE = 1 / 6  # predicting the mean 1 for a sum of two U(0, 1) numbers



# ---------------------------------------------------------------- remember over T steps (regression)
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


def adding_task(T: int):
    """The adding problem of length T (`adding_problem`) as a task(N, rng) -> (x (T, N, 2), y (N,))."""
    T = _validate.positive_int("T", T, minimum=2)

    def task(N: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return adding_problem(T, N, rng)

    task.__name__ = f"adding_task_T{T}"
    return task


def recall_task(T: int):
    """Recall the first of T inputs: x (T, N, 1) ~ U(−1, 1), target y = x_1 (N,).

    Needs a memory of T − 1 steps and nothing else; always answering 0 gives MSE 1/3.
    """
    T = _validate.positive_int("T", T, minimum=2)

    def task(N: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.uniform(-1.0, 1.0, size=(T, _validate.positive_int("N", N), 1))
        return x, x[0, :, 0].copy()

    task.__name__ = f"recall_task_T{T}"
    return task


# ---------------------------------------------------------------- note 002's next-letter task, a delayed copy
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
            raise ValueError(f"word {w!r} has letters {bad} outside {alphabet[:-1]!r} "
                             "(the last letter has no successor)")
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
    rng = np.random.default_rng(0) if rng is None else _validate.required_generator(rng)
    return _delayed_copy(delay, rng)          # checked now, not at the first next()


def _delayed_copy(delay: int, rng: np.random.Generator) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    recent = [0.0] * delay                    # the last `delay` inputs, oldest first
    while True:
        x = float(rng.choice([-1.0, 1.0]))
        recent.append(x)
        yield np.array([[x]]), np.array([[recent.pop(0)]])


# ---------------------------------------------------------------- tagging (lecture 11)
def segmentation_task(lexicon, max_words: int = 8, min_words: int = 2):
    """Word segmentation as tagging (the toy analogue of Chinese word segmentation, 中文分词).

    A "sentence" is `min_words` … `max_words` words drawn uniformly from `lexicon` (strings over
    an alphabet) and written without spaces; the target tags each character with its place in
    its word: 0 = B (begin), 1 = M (middle), 2 = E (end), 3 = S (single-character word).
    Returns task(N, rng) -> (chars, tags): two lists of N int arrays, characters as ids in the
    sorted alphabet of the lexicon. Ambiguous lexicons are allowed; the tags are those of the
    words actually drawn.
    """
    if isinstance(lexicon, str) or not lexicon or not all(isinstance(w, str) and w for w in lexicon):
        raise ValueError("lexicon must be a non-empty list of non-empty strings (the words)")
    min_words = _validate.positive_int("min_words", min_words)
    max_words = _validate.positive_int("max_words", max_words, minimum=min_words)
    words = list(lexicon)
    alphabet = sorted(set("".join(words)))
    code = {ch: i for i, ch in enumerate(alphabet)}
    word_ids = [np.array([code[ch] for ch in w]) for w in words]
    word_tags = [np.array([3]) if len(w) == 1 else np.array([0] + [1] * (len(w) - 2) + [2]) for w in words]

    def task(N: int, rng: np.random.Generator):
        N = _validate.positive_int("N", N)
        chars, tags = [], []
        for _ in range(N):
            picks = rng.integers(0, len(words), size=rng.integers(min_words, max_words + 1))
            chars.append(np.concatenate([word_ids[k] for k in picks]))
            tags.append(np.concatenate([word_tags[k] for k in picks]))
        return chars, tags

    task.alphabet = alphabet
    task.__name__ = "segmentation_task"
    return task


# ---------------------------------------------------------------- reverse a digit string (lecture 11, seq2seq)
# Token ids: 0 = <pad>, 1 = <bos>, 2 = <eos>, 3 + d for the digit d. A target is the reversed
# digits followed by <eos>.
PAD, BOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<bos>", "<eos>")
DIGIT_VOCAB = SPECIALS + tuple("0123456789")


def encode_digits(text: str) -> np.ndarray:
    """Token ids of a digit string ("307" → [6, 3, 10])."""
    if not isinstance(text, str) or not text or not text.isdigit() or not text.isascii():
        raise ValueError(f"text must be a non-empty string of the digits 0-9, got {text!r}")
    return np.array([3 + int(ch) for ch in text], dtype=np.int64)


def decode_digits(ids: Sequence[int]) -> str:
    """The digit string of token ids; stops at the first <eos>; <pad> and <bos> are skipped."""
    out = []
    for i in np.asarray(ids).reshape(-1).tolist():
        i = int(i)
        if not 0 <= i < len(DIGIT_VOCAB):
            raise ValueError(f"token id {i} is out of range for the digit vocabulary of size {len(DIGIT_VOCAB)}")
        if i == EOS:
            break
        if i >= 3:
            out.append(str(i - 3))
    return "".join(out)


def digit_sequences(name: str, seqs) -> list[np.ndarray]:
    """`seqs` as a list of int64 arrays, checked: a non-empty list of non-empty 1-D sequences of ids of DIGIT_VOCAB."""
    if len(seqs) == 0:
        raise ValueError(f"{name} must be a non-empty list of token-id sequences")
    seqs = [np.asarray(s, dtype=np.int64) for s in seqs]
    for s in seqs:
        if s.ndim != 1 or s.size == 0 or s.min() < 0 or s.max() >= len(DIGIT_VOCAB):
            raise ValueError(f"{name} must be non-empty 1-D sequences of token ids in [0, {len(DIGIT_VOCAB)})")
    return seqs


def reverse_task(min_len: int = 1, max_len: int = 8):
    """task(N, rng) -> (sources, targets): N random digit strings of min_len … max_len digits, as
    token ids, and their reversals + <eos>: "3017" → "7103"."""
    min_len = _validate.positive_int("min_len", min_len)
    max_len = _validate.positive_int("max_len", max_len, minimum=min_len)

    def task(N: int, rng: np.random.Generator):
        N = _validate.positive_int("N", N)
        lengths = rng.integers(min_len, max_len + 1, size=N)
        sources = [3 + rng.integers(0, 10, size=L) for L in lengths]
        targets = [np.append(s[::-1], EOS) for s in sources]
        return sources, targets

    task.__name__ = f"reverse_task_{min_len}_{max_len}"
    task.min_len, task.max_len = min_len, max_len
    return task


def probability_drawn(sources, task, draws: int) -> np.ndarray:
    """For each source, the chance that it was among `draws` inputs drawn by `task` (a `reverse_task`).

    One draw picks a length uniformly from min_len … max_len and then every digit uniformly, so it
    equals a given source of length L with probability 10^−L / (number of lengths).
    """
    if not hasattr(task, "min_len") or not hasattr(task, "max_len"):
        raise ValueError("task must be made by reverse_task (it needs its min_len and max_len)")
    draws = _validate.positive_int("draws", draws, minimum=0)
    sources = digit_sequences("sources", sources)
    lengths = np.array([len(s) for s in sources])
    per_draw = 10.0 ** -lengths / (task.max_len - task.min_len + 1)
    return 1 - (1 - per_draw) ** draws


# ---------------------------------------------------------------- arithmetic expressions (lecture 12)
def random_expression(num_leaves: int, rng: np.random.Generator, num_digits: int = 3,
                      operators: Sequence[str] = ("+", "-", "*")):
    """A random arithmetic tree with `num_leaves` digits drawn from 0 … num_digits − 1.

    The left subtree gets a number of leaves drawn uniformly from 1 … n − 1 at every node, and
    each operator is drawn uniformly from `operators`.
    """
    num_leaves = _validate.positive_int("num_leaves", num_leaves)
    rng = _validate.required_generator(rng)
    num_digits = _validate.positive_int("num_digits", num_digits)
    ops = list(operators)
    if not ops or any(op not in OPERATORS for op in ops):
        raise ValueError(f"operators must be a non-empty sequence drawn from {sorted(OPERATORS)}, got {operators!r}")

    def build(n: int):
        if n == 1:
            return int(rng.integers(num_digits))
        n_left = int(rng.integers(1, n))
        return (ops[int(rng.integers(len(ops)))], build(n_left), build(n - n_left))

    return build(num_leaves)   # depth ≤ num_leaves, small for the trees of the course


def expression_task(min_leaves: int = 2, max_leaves: int = 5, *, num_digits: int = 3, modulus: int = 3,
                    exclude=frozenset(), max_tries: int | None = None):
    """task(N, rng) -> (trees, labels): N random expressions (`random_expression`, numbers of leaves
    uniform in [min_leaves, max_leaves]) and their values mod `modulus`, an int64 array in [0, modulus).

    Trees found in `exclude` (e.g. a training set) are drawn again, so a held-out set can hold
    only unseen expressions; a call gives up with a ValueError after `max_tries` draws (default 50·N).
    """
    min_leaves = _validate.positive_int("min_leaves", min_leaves)
    max_leaves = _validate.positive_int("max_leaves", max_leaves)
    if max_leaves < min_leaves:
        raise ValueError(f"max_leaves must be >= min_leaves = {min_leaves}, got {max_leaves}")
    num_digits = _validate.positive_int("num_digits", num_digits)
    modulus = _validate.positive_int("modulus", modulus, minimum=2)
    if max_tries is not None:
        max_tries = _validate.positive_int("max_tries", max_tries)
    exclude = set(exclude)

    def task(N: int, rng: np.random.Generator) -> tuple[list, np.ndarray]:
        N = _validate.positive_int("N", N)
        rng = _validate.required_generator(rng)
        tries = 50 * N if max_tries is None else max_tries
        trees: list = []
        for _ in range(tries):
            if len(trees) == N:
                break
            tree = random_expression(int(rng.integers(min_leaves, max_leaves + 1)), rng, num_digits)
            if tree not in exclude:
                trees.append(tree)
        if len(trees) < N:
            raise ValueError(f"found only {len(trees)} of N = {N} expressions outside `exclude` in {tries} draws; "
                             "expected fewer excluded trees or larger trees")
        return trees, np.array([evaluate(t, modulus) for t in trees], dtype=np.int64)

    task.__name__ = f"expression_task_{min_leaves}_{max_leaves}"
    return task
