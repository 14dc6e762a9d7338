"""Cut sequences into model inputs: lag windows for series, (T, N) batches for language models,
and padded batches of sequences of different lengths."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from . import _validate

IGNORE_INDEX = -100          # the target of a padded step: torch's cross-entropy skips it (its default ignore_index)


def sliding_windows(x, tau: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Features and targets for an order-τ model of a 1-D series.

    Row i of the features is (x_i, …, x_{i+τ−1}) (oldest first); its target is x_{i+τ+horizon−1},
    the value `horizon` steps after the window. Returns arrays of shapes (m, τ) and (m,).
    """
    x = _validate.float_array("x", x, ndim=1)
    tau = _validate.positive_int("tau", tau)
    horizon = _validate.positive_int("horizon", horizon)
    m = x.size - tau - horizon + 1
    if m < 1:
        raise ValueError(f"a series of length {x.size} is too short for tau={tau} and horizon={horizon}")
    idx = np.arange(m)[:, None] + np.arange(tau)[None, :]
    return x[idx], x[tau + horizon - 1: tau + horizon - 1 + m]


def lm_batches(ids, batch_size: int, num_steps: int, *, sequential: bool = True,
               rng: np.random.Generator | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X, Y) minibatches for a language model, time-major: both of shape (num_steps, batch_size).

    Y is X shifted by one token (the next token to predict at every step).
    sequential=True splits the token stream into `batch_size` contiguous lanes, so column j of
    one batch continues column j of the previous one: a hidden state can be carried over
    (detached) between batches. sequential=False yields windows from random places, in random
    order, and the state must be reset for every batch.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be a 1-D integer array, got shape {ids.shape} and dtype {ids.dtype}")
    batch_size = _validate.positive_int("batch_size", batch_size)
    num_steps = _validate.positive_int("num_steps", num_steps)
    if ids.size < batch_size * num_steps + 1:
        raise ValueError(f"{ids.size} tokens are too few for one batch of {batch_size} × {num_steps} "
                         f"(need at least {batch_size * num_steps + 1})")
    if sequential:
        lane = (ids.size - 1) // batch_size
        X = ids[: lane * batch_size].reshape(batch_size, lane).T
        Y = ids[1: lane * batch_size + 1].reshape(batch_size, lane).T
        for start in range(0, lane - num_steps + 1, num_steps):
            yield X[start:start + num_steps], Y[start:start + num_steps]
        return
    rng = np.random.default_rng(0) if rng is None else rng
    offset = int(rng.integers(num_steps))
    starts = np.arange(offset, ids.size - num_steps, num_steps)
    rng.shuffle(starts)
    for b in range(0, starts.size - batch_size + 1, batch_size):
        s = starts[b:b + batch_size]
        window = s[None, :] + np.arange(num_steps)[:, None]
        yield ids[window], ids[window + 1]


def pad_batch(seqs, pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences of different lengths into a time-major array (T_max, N) and their lengths (N,).

    seqs: a list of 1-D integer sequences (token ids or tags); pad_id fills the steps after each
    sequence's end (use IGNORE_INDEX for targets). Returns (padded int64 array, lengths int64).
    """
    seqs = [np.asarray(s) for s in seqs]
    if not seqs:
        raise ValueError("seqs is empty: expected a list of 1-D integer sequences")
    for i, s in enumerate(seqs):
        if s.ndim != 1 or s.size == 0 or not np.issubdtype(s.dtype, np.integer):
            raise ValueError(f"seqs[{i}] must be a non-empty 1-D sequence of integers, got shape {s.shape} "
                             f"and dtype {s.dtype}")
    lengths = np.array([s.size for s in seqs], dtype=np.int64)
    out = np.full((lengths.max(), len(seqs)), int(pad_id), dtype=np.int64)
    for j, s in enumerate(seqs):
        out[:s.size, j] = s
    return out, lengths
