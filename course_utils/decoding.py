"""Decoding a sequence model: greedy search, beam search, exhaustive search, and sampling.

Every function here works with any autoregressive model written as a *step function*

    step(prev_tokens, state) -> (log_probs, next_state)

prev_tokens: int array (B,), the last token of each of B partial sequences (rows);
state: the model's state for those B rows, batched along axis 0 (a numpy array, a torch
tensor, a tuple/list/dict of them, or None for a model without state);
log_probs: float array (B, V), log p(next token | prefix) for each row, normalised (a
log-softmax; checked, so that logits passed by mistake are caught); next_state: the state
after reading prev_tokens, again with B rows. (torch's LSTM keeps its state as (layers, B, H):
a step function for it moves the batch axis first, see seq2seq.Seq2Seq.step.)

Hypothesis space (the same for every search, so that they can be compared): the generated
tokens y_1 … y_L, without the start token `bos`, where `eos` appears only as the last token and
either y_L = eos (a finished hypothesis) or L = max_len (cut at the length limit, finished=False).
Score: log p(y) = Σ_t log p(y_t | bos, y_<t), divided by L^alpha when length normalisation is on
(alpha > 0; alpha = 0 is the plain log-probability, which favours short outputs).

Beam search keeps the `beam_width` best partial hypotheses. At each step it extends every live
hypothesis by every token, keeps the beam_width best candidates overall, moves those ending in
eos to the finished list, and stops when no live hypothesis is left, at max_len, or when no live
hypothesis can beat the best finished one any more (an exact test: log-probabilities only
decrease as a sequence grows). With beam_width = 1 it is greedy search; with a beam as large as
the whole space it is exhaustive search (both are unit-tested).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _validate

State = Any
StepFn = Callable[[np.ndarray, State], tuple[np.ndarray, State]]


@dataclass(frozen=True)
class Hypothesis:
    """One output sequence: tokens (without bos; ends with eos when finished), its total
    log-probability, its score (log_prob / len^alpha) and whether it ended with eos."""

    tokens: tuple[int, ...]
    log_prob: float
    score: float
    finished: bool

    def __len__(self) -> int:
        return len(self.tokens)

    def without_eos(self) -> tuple[int, ...]:
        """The tokens with a final eos removed (what a user reads)."""
        return self.tokens[:-1] if self.finished else self.tokens


def length_normalized(log_prob: float, length: int, alpha: float = 0.0) -> float:
    """log_prob / length**alpha: alpha = 0 keeps the log-probability; alpha = 1 is the mean per token."""
    length = _validate.positive_int("length", length)
    alpha = _validate.finite_float("alpha", alpha, low=0.0)
    return float(log_prob) / length ** alpha


def select_rows(state: State, rows) -> State:
    """Take rows `rows` (an int array) along axis 0 of every array in `state` (how beams are reordered).

    Works for numpy arrays, torch tensors and tuples, lists and dicts of them; None stays None.
    """
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(select_rows(s, rows) for s in state)
    if isinstance(state, list):
        return [select_rows(s, rows) for s in state]
    if isinstance(state, dict):
        return {k: select_rows(v, rows) for k, v in state.items()}
    if isinstance(state, np.ndarray):
        return state[np.asarray(rows)]
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a course dependency
        torch = None
    if torch is not None and isinstance(state, torch.Tensor):
        return state[torch.as_tensor(np.asarray(rows), dtype=torch.long)]
    raise ValueError(f"cannot select rows of a state of type {type(state).__name__}; expected a numpy array, "
                     "a torch tensor, a tuple/list/dict of them, or None")


def _check_tokens(bos: int, eos: int, max_len: int) -> tuple[int, int, int]:
    bos = _validate.positive_int("bos", bos, minimum=0)
    eos = _validate.positive_int("eos", eos, minimum=0)
    max_len = _validate.positive_int("max_len", max_len)
    return bos, eos, max_len


def _call_step(step: StepFn, tokens: np.ndarray, state: State, eos: int) -> tuple[np.ndarray, State]:
    """Call the model and check what it returned: finite-or-−inf log-probabilities (B, V) with V > eos."""
    out = step(tokens, state)
    if not isinstance(out, tuple) or len(out) != 2:
        raise ValueError("step(prev_tokens, state) must return a pair (log_probs, next_state)")
    log_probs, new_state = out
    if hasattr(log_probs, "detach"):  # a torch tensor
        log_probs = log_probs.detach().cpu().numpy()
    log_probs = np.asarray(log_probs, dtype=np.float64)
    B = tokens.shape[0]
    if log_probs.ndim != 2 or log_probs.shape[0] != B:
        raise ValueError(f"step must return log_probs of shape (B, V) = ({B}, V), got {log_probs.shape}")
    if log_probs.shape[1] <= eos:
        raise ValueError(f"eos = {eos} is not a token of a model with V = {log_probs.shape[1]} outputs")
    if np.any(np.isnan(log_probs)) or np.any(log_probs > 1e-6):
        raise ValueError("step returned NaN or positive log-probabilities; expected log p ≤ 0 (or −inf)")
    total = np.logaddexp.reduce(log_probs, axis=1)
    if np.any(np.abs(total) > 1e-3):
        raise ValueError(f"step's log_probs must be normalised (Σ exp = 1 in each row), got log Σ exp up to "
                         f"{np.max(np.abs(total)):.3g}: pass log_softmax(logits), not logits")
    return log_probs, new_state


def _check_step(step) -> None:
    if not callable(step):
        raise ValueError("step must be a callable step(prev_tokens, state) -> (log_probs (B, V), next_state)")


def greedy_decode(step: StepFn, state: State, bos: int, eos: int, max_len: int, *,
                  alpha: float = 0.0) -> list[Hypothesis]:
    """Greedy search for every row of `state` at once: take the most probable token at each step.

    state holds B rows (B independent inputs, e.g. a batch of encoded sources); returns B
    hypotheses. A row stops at its first eos or after max_len tokens. `alpha` only sets the
    reported score (greedy's choices do not depend on it).
    """
    _check_step(step)
    bos, eos, max_len = _check_tokens(bos, eos, max_len)
    alpha = _validate.finite_float("alpha", alpha, low=0.0)
    B = _rows(state)
    tokens = np.full(B, bos, dtype=np.int64)
    out = [[] for _ in range(B)]
    log_prob = np.zeros(B)
    done = np.zeros(B, dtype=bool)
    for _ in range(max_len):
        log_probs, state = _call_step(step, tokens, state, eos)
        tokens = np.argmax(log_probs, axis=1)        # ties: the lowest token id
        for b in np.flatnonzero(~done):
            out[b].append(int(tokens[b]))
            log_prob[b] += log_probs[b, tokens[b]]
        done |= tokens == eos
        if done.all():
            break
    return [Hypothesis(tuple(o), float(lp), length_normalized(lp, len(o), alpha), bool(o[-1] == eos))
            for o, lp in zip(out, log_prob)]


def _rows(state: State) -> int:
    """Number of rows of a state (the batch size B), found from its first array."""
    s = state
    while isinstance(s, (tuple, list, dict)):
        if not s:
            raise ValueError("state is an empty container; pass None for a model without state")
        s = next(iter(s.values())) if isinstance(s, dict) else s[0]
    if s is None:
        return 1
    if not hasattr(s, "shape") or len(s.shape) == 0:
        raise ValueError(f"state must hold arrays batched along axis 0, got {type(s).__name__}")
    return int(s.shape[0])


def beam_search(step: StepFn, state: State, bos: int, eos: int, max_len: int, beam_width: int, *,
                alpha: float = 0.0, return_all: bool = False) -> Hypothesis | list[Hypothesis]:
    """Beam search for ONE input (state with one row): the best hypothesis by score.

    beam_width: how many partial hypotheses are kept (1 = greedy). alpha: length normalisation
    exponent of the final score. return_all: return every finished or cut hypothesis met during
    the search, best first, instead of the best one.
    """
    _check_step(step)
    bos, eos, max_len = _check_tokens(bos, eos, max_len)
    beam_width = _validate.positive_int("beam_width", beam_width)
    alpha = _validate.finite_float("alpha", alpha, low=0.0)
    if _rows(state) != 1:
        raise ValueError(f"beam_search decodes one input: state must have 1 row, got {_rows(state)}")

    live_tokens: list[tuple[int, ...]] = [()]
    live_lp = np.zeros(1)
    last = np.array([bos], dtype=np.int64)
    done: list[Hypothesis] = []
    best_done = -math.inf
    for t in range(1, max_len + 1):
        log_probs, state = _call_step(step, last, state, eos)
        cand = (live_lp[:, None] + log_probs).ravel()
        order = np.argsort(-cand, kind="stable")[:beam_width]   # ties: earlier row, lower token id
        order = order[np.isfinite(cand[order])]                  # never keep impossible sequences
        V = log_probs.shape[1]
        rows, toks = order // V, order % V
        keep = []
        for r, tok, lp in zip(rows, toks, cand[order]):
            seq = live_tokens[r] + (int(tok),)
            if tok == eos or t == max_len:
                hyp = Hypothesis(seq, float(lp), length_normalized(lp, t, alpha), bool(tok == eos))
                done.append(hyp)
                best_done = max(best_done, hyp.score)
            else:
                keep.append((r, seq, lp))
        if not keep:
            break
        # exact stop: a live hypothesis's descendants score at most lp / max_len**alpha (lp ≤ 0)
        if best_done >= max(lp for _, _, lp in keep) / max_len ** alpha:
            break
        live_tokens = [seq for _, seq, _ in keep]
        live_lp = np.array([lp for _, _, lp in keep])
        last = np.array([seq[-1] for seq in live_tokens], dtype=np.int64)
        state = select_rows(state, np.array([r for r, _, _ in keep], dtype=np.int64))
    ranked = sorted(done, key=lambda h: -h.score)       # stable: ties keep the order found
    return ranked if return_all else ranked[0]


def exhaustive_search(step: StepFn, state: State, bos: int, eos: int, max_len: int, *,
                      alpha: float = 0.0, limit: int = 200_000) -> Hypothesis:
    """The best hypothesis of the whole space, by scoring every sequence (for tiny vocabularies).

    Visits all (V−1)^L prefixes up to max_len, so it refuses when the count would exceed `limit`.
    The test against which beam search is checked.
    """
    _check_step(step)
    bos, eos, max_len = _check_tokens(bos, eos, max_len)
    alpha = _validate.finite_float("alpha", alpha, low=0.0)
    limit = _validate.positive_int("limit", limit)
    if _rows(state) != 1:
        raise ValueError(f"exhaustive_search decodes one input: state must have 1 row, got {_rows(state)}")
    prefixes: list[tuple[int, ...]] = [()]
    lp = np.zeros(1)
    last = np.array([bos], dtype=np.int64)
    best: Hypothesis | None = None
    for t in range(1, max_len + 1):
        log_probs, state = _call_step(step, last, state, eos)
        V = log_probs.shape[1]
        if len(prefixes) * (V - 1) > limit:
            raise ValueError(f"the search space is too large: more than limit = {limit} prefixes at length {t}")
        total = lp[:, None] + log_probs
        for r, seq in enumerate(prefixes):
            ends = [eos] if t < max_len else range(V)    # at max_len every sequence is complete
            for tok in ends:
                if np.isfinite(total[r, tok]):
                    hyp = Hypothesis(seq + (int(tok),), float(total[r, tok]),
                                     length_normalized(total[r, tok], t, alpha), bool(tok == eos))
                    if best is None or hyp.score > best.score:
                        best = hyp
        if t == max_len:
            break
        rows, toks = np.nonzero(np.isfinite(total))
        sel = toks != eos
        rows, toks = rows[sel], toks[sel]
        prefixes = [prefixes[r] + (int(k),) for r, k in zip(rows, toks)]
        if not prefixes:
            break
        lp = total[rows, toks]
        last = toks.astype(np.int64)
        state = select_rows(state, rows.astype(np.int64))
    return best   # never None: normalised log_probs leave at least one finite sequence


def sequence_log_prob(step: StepFn, state: State, bos: int, tokens: Sequence[int]) -> float:
    """log p(tokens | state) under the model, reading the tokens one by one (teacher forcing).

    Used to ask whether a wrong output is a *search error* (the reference scores higher than what
    the search found) or a *model error* (the model prefers the wrong output).
    """
    _check_step(step)
    bos = _validate.positive_int("bos", bos, minimum=0)
    tokens = [int(_validate.positive_int("token", t, minimum=0)) for t in np.asarray(tokens).tolist()]
    if not tokens:
        raise ValueError("tokens is empty: expected at least one token to score")
    if _rows(state) != 1:
        raise ValueError(f"sequence_log_prob scores one sequence: state must have 1 row, got {_rows(state)}")
    prev, total = bos, 0.0
    for tok in tokens:
        log_probs, state = _call_step(step, np.array([prev], dtype=np.int64), state, 0)
        if tok >= log_probs.shape[1]:
            raise ValueError(f"token {tok} is out of range for a model with V = {log_probs.shape[1]} outputs")
        total += float(log_probs[0, tok])
        prev = tok
    return total


def sample(step: StepFn, state: State, bos: int, n: int, *, temperature: float = 1.0,
           eos: int | None = None, rng: np.random.Generator | None = None) -> list[int]:
    """Draw up to n tokens from the model, feeding each one back in (ancestral sampling).

    Token t is drawn from softmax(log_probs / temperature): temperature < 1 sharpens the model's
    distribution (→ greedy as it → 0), 1 is the model itself, > 1 flattens it (→ uniform).
    Stops early after `eos` if given. state must have one row.
    """
    _check_step(step)
    bos = _validate.positive_int("bos", bos, minimum=0)
    n = _validate.positive_int("n", n)
    temperature = _validate.finite_float("temperature", temperature, low=0.0, low_open=True)
    if eos is not None:
        eos = _validate.positive_int("eos", eos, minimum=0)
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    rng = np.random.default_rng(0) if rng is None else rng
    if _rows(state) != 1:
        raise ValueError(f"sample draws one sequence: state must have 1 row, got {_rows(state)}")
    out, prev = [], bos
    for _ in range(n):
        log_probs, state = _call_step(step, np.array([prev], dtype=np.int64), state, eos or 0)
        p = tempered_probs(log_probs[0], temperature)
        prev = int(rng.choice(p.size, p=p))
        out.append(prev)
        if eos is not None and prev == eos:
            break
    return out


def tempered_probs(log_probs, temperature: float) -> np.ndarray:
    """softmax(log_probs / temperature) along the last axis (stable: the max is subtracted first)."""
    temperature = _validate.finite_float("temperature", temperature, low=0.0, low_open=True)
    z = np.asarray(log_probs, dtype=np.float64)
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(f"log_probs must have a non-empty last axis (the vocabulary), got shape {z.shape}")
    if np.any(np.isnan(z)) or np.any(z == np.inf):
        raise ValueError("log_probs must not contain NaN or +inf")
    z = z / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def entropy(probs, axis: int = -1) -> np.ndarray:
    """Shannon entropy −Σ p log p in nats along `axis` (0 log 0 = 0)."""
    p = _validate.float_array("probs", probs)
    if np.any(p < 0):
        raise ValueError("probs must be non-negative")
    if p.ndim == 0:
        raise ValueError("probs must have at least one axis")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(p), 0.0)
    return terms.sum(axis=axis)


class TableModel:
    """A hand-made model for small examples: p(next token | prefix) read from a table.

    table maps a prefix (a tuple of the tokens generated so far, without bos) to the V
    probabilities of the next token; a prefix that is not in the table gets the uniform
    distribution. The state is the prefix itself, one tuple per row (an object array), so
    `select_rows` reorders it like any other state. Use `model.step` and `model.start_state()`.
    """

    def __init__(self, table: dict, bos: int):
        if not isinstance(table, dict) or not table:
            raise ValueError("table must be a non-empty dict {prefix tuple: next-token probabilities}")
        self.bos = _validate.positive_int("bos", bos, minimum=0)
        sizes = set()
        self.table = {}
        for prefix, probs in table.items():
            if not isinstance(prefix, tuple) or not all(isinstance(t, (int, np.integer)) for t in prefix):
                raise ValueError(f"every key of table must be a tuple of token ids, got {prefix!r}")
            p = _validate.float_array(f"table[{prefix}]", probs, ndim=1)
            if np.any(p < 0) or not np.isclose(p.sum(), 1.0):
                raise ValueError(f"table[{prefix}] must be a probability distribution, got {p.tolist()}")
            sizes.add(len(p))
            self.table[tuple(int(t) for t in prefix)] = p
        if len(sizes) != 1:
            raise ValueError(f"every entry of table must have the same number of tokens V, got sizes {sorted(sizes)}")
        self.vocab_size = sizes.pop()
        if self.bos < self.vocab_size:
            raise ValueError(f"bos must not be one of the model's {self.vocab_size} output tokens, got {self.bos}")

    def start_state(self, rows: int = 1) -> np.ndarray:
        """`rows` empty prefixes."""
        state = np.empty(_validate.positive_int("rows", rows), dtype=object)
        state[:] = [()] * len(state)
        return state

    def step(self, prev_tokens, prefixes) -> tuple[np.ndarray, np.ndarray]:
        """The step function: append each row's previous token (bos starts a prefix) and look it up."""
        new = np.empty(len(prev_tokens), dtype=object)
        for i, (tok, prefix) in enumerate(zip(prev_tokens, prefixes)):
            new[i] = prefix if tok == self.bos else prefix + (int(tok),)
        uniform = np.full(self.vocab_size, 1.0 / self.vocab_size)
        probs = np.array([self.table.get(p, uniform) for p in new])
        with np.errstate(divide="ignore"):                  # a probability 0 is a log-probability of −inf
            return np.log(probs), new
