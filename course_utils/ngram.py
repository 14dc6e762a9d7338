"""The course's n-gram language model: counts, smoothing, perplexity, and tuning on validation text.

An order-n model predicts token x_t from the n−1 tokens before it, p(x_t | x_{t−n+1}, …, x_{t−1}),
with probabilities estimated from counts n(context, token) / n(context) in training text.

Smoothers (the `smoothing` argument):

- "none": maximum likelihood, p = n(h, w) / n(h). An n-gram never seen in training gets
  probability 0, so held-out perplexity is usually infinite. An unseen context h (n(h) = 0)
  gets the uniform distribution: the k → 0 limit of add-k.
- "add_k": add-k (Laplace for k = 1), p = (n(h, w) + k) / (n(h) + k·V) on the full context.
- "interpolated": linear interpolation (Jelinek–Mercer), defined from the bottom up with one
  weight per context length m = 0 … n−1:
      p_{−1}(w) = 1/V,
      p_m(w | h_m) = λ_m · n(h_m, w)/n(h_m) + (1 − λ_m) · p_{m−1}(w | h_{m−1})   if n(h_m) > 0,
      p_m(w | h_m) = p_{m−1}(w | h_{m−1})                                        if n(h_m) = 0,
  where h_m is the last m tokens of the context. Every level is a distribution, so the model is.
- "stupid_backoff" (Brants et al. 2007): score n(h, w)/n(h) for the longest context with
  n(h, w) > 0, times α per level backed off. Cheap, but the scores of one context do NOT sum
  to 1, so they are not probabilities and `perplexity` refuses them.

Kneser–Ney and Witten–Bell are deliberately absent: they are homework.

Beginning of a text: token t of `ids` is predicted from the up to n−1 tokens before it *inside
ids*, so the first n−1 tokens use shorter contexts (token 0 the unigram level), with the same
smoothing. Every token of `ids` is scored; nothing is padded or skipped.

Implementation: a context of length m is given a dense integer id by re-indexing the pair
(id of its first m−1 tokens, its last token) with `np.unique`, level by level, so keys never
overflow whatever V and n are; all counts live in sorted numpy arrays searched with
`np.searchsorted`. On one CPU thread, fitting 400k tokens at n = 8 takes about 0.2 s and
scoring 50k tokens about 0.06 s.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import _validate

SMOOTHERS = ("none", "add_k", "interpolated", "stupid_backoff")
DEFAULT_LAMBDA = 0.8


def _as_vocab_size(vocab_size) -> int:
    """Accept an int or anything with a length (e.g. text.Vocab)."""
    if not isinstance(vocab_size, (int, np.integer)) and hasattr(vocab_size, "__len__"):
        vocab_size = len(vocab_size)
    return _validate.positive_int("vocab_size", vocab_size, minimum=1)


def _as_ids(name: str, ids, vocab_size: int, min_length: int = 1) -> np.ndarray:
    """ids as a 1-D int64 array with every value in [0, vocab_size)."""
    arr = np.asarray(ids)
    if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
        raise ValueError(f"{name} must be a 1-D sequence of integer token ids, "
                         f"got shape {arr.shape} and dtype {arr.dtype}")
    if arr.size < min_length:
        raise ValueError(f"{name} must hold at least {min_length} token id(s), got {arr.size}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and (arr.min() < 0 or arr.max() >= vocab_size):
        raise ValueError(f"{name} must be token ids in [0, {vocab_size}) (vocab_size = {vocab_size}), "
                         f"got values in [{arr.min()}, {arr.max()}]")
    return arr


class NGramLM:
    """An order-n language model over integer token ids 0 … V−1, estimated from counts.

    n: the model's order (n = 1 unigram, 2 bigram, 3 trigram: the context is n−1 tokens).
    vocab_size: V, an int or a text.Vocab (its length is used).
    smoothing: one of "none", "add_k", "interpolated", "stupid_backoff" (see the module doc).
    k: the pseudo-count of add-k (k > 0).
    lambdas: for "interpolated", the weights λ_0 … λ_{n−1} of the count estimates with contexts
        of length 0 … n−1, each in [0, 1) so that every token keeps some probability; a single
        number is used for every level; default 0.8.
    alpha: the back-off factor of stupid backoff (0 < α ≤ 1).

    Fit with `fit(ids)`, then ask `next_distribution(context)`, `prob(w, context)`,
    `log_probs(ids)`, `perplexity(ids)`. `tune_smoothing` picks k or the λs on validation ids.
    """

    def __init__(self, n: int, vocab_size, smoothing: str = "interpolated", k: float = 1.0,
                 lambdas: float | Sequence[float] | None = None, alpha: float = 0.4):
        self.n = _validate.positive_int("n", n)
        self.vocab_size = _as_vocab_size(vocab_size)
        self.smoothing = _validate.choice("smoothing", smoothing, SMOOTHERS)
        self.k = 1.0
        self.lambdas = np.full(self.n, DEFAULT_LAMBDA)
        self.alpha = 0.4
        self.set_params(k=k, lambdas=lambdas, alpha=alpha)
        self._fitted = False

    def __repr__(self) -> str:
        param = {"add_k": f", k={self.k:.4g}", "stupid_backoff": f", alpha={self.alpha:.4g}",
                 "interpolated": f", lambdas={np.round(self.lambdas, 4).tolist()}"}.get(self.smoothing, "")
        fitted = f", fitted on {self.n_train} tokens" if self._fitted else ", not fitted"
        return f"NGramLM(n={self.n}, vocab_size={self.vocab_size}, smoothing={self.smoothing!r}{param}{fitted})"

    def set_params(self, k: float | None = None, lambdas: float | Sequence[float] | None = None,
                   alpha: float | None = None) -> NGramLM:
        """Change the smoothing parameters (counts are kept, so no refit is needed); returns self."""
        if k is not None:
            self.k = _validate.finite_float("k", k, low=0.0, low_open=True)
        if lambdas is not None:
            if np.isscalar(lambdas):
                lam = np.full(self.n, _validate.finite_float("lambdas", lambdas))
            else:
                lam = _validate.float_array("lambdas", lambdas, ndim=1)
            if lam.shape != (self.n,):
                raise ValueError(f"lambdas must be one number or {self.n} numbers (one per context length "
                                 f"0 … {self.n - 1}), got shape {lam.shape}")
            if np.any(lam < 0) or np.any(lam >= 1):
                raise ValueError(f"lambdas must lie in [0, 1): a weight of 1 leaves nothing for the lower "
                                 f"orders, so unseen n-grams would get probability 0; got {lam.tolist()}")
            self.lambdas = lam.copy()
        if alpha is not None:
            self.alpha = _validate.finite_float("alpha", alpha, low=0.0, high=1.0, low_open=True)
        return self

    # ------------------------------------------------------------------ counting
    def fit(self, ids) -> NGramLM:
        """Count every m-gram (m = 1 … n) of the training ids; returns self."""
        ids = _as_ids("ids", ids, self.vocab_size, min_length=self.n)
        V, N = self.vocab_size, ids.size
        # Level m holds contexts of length m: sorted keys (= ids), their counts n(h), and the
        # sorted pair keys h·V + w of (context, next token) with their counts n(h, w).
        self._ctx_keys, self._ctx_counts, self._pair_keys, self._pair_counts = [], [], [], []
        hist = np.zeros(N, dtype=np.int64)            # level-0 context id of every target: the empty context
        self._add_level(np.zeros(1, dtype=np.int64), np.array([N]), hist, ids)
        for m in range(1, self.n):
            # context of target t = (context of length m−1 of target t−1) followed by token t−1
            keys = hist[m - 1:N - 1] * V + ids[m - 1:N - 1]
            uniq, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
            hist = np.full(N, -1, dtype=np.int64)
            hist[m:] = inverse.reshape(-1)
            self._add_level(uniq, counts, hist, ids)
        self.n_train = int(N)
        self._fitted = True
        return self

    def _add_level(self, ctx_keys, ctx_counts, hist, ids) -> None:
        ok = hist >= 0
        pair_keys, pair_counts = np.unique(hist[ok] * self.vocab_size + ids[ok], return_counts=True)
        self._ctx_keys.append(ctx_keys)
        self._ctx_counts.append(ctx_counts.astype(np.float64))
        self._pair_keys.append(pair_keys)
        self._pair_counts.append(pair_counts.astype(np.float64))

    def _require_fit(self) -> None:
        if not self._fitted:
            raise ValueError("this NGramLM is not fitted yet: call fit(train_ids) first")

    def _history_ids(self, ids: np.ndarray) -> np.ndarray:
        """(n, T) array: the training id of the length-m context of each target t, or −1
        (context unseen in training, or t < m so the text has no such context)."""
        V, T = self.vocab_size, ids.size
        hist = np.full((self.n, T), -1, dtype=np.int64)
        hist[0] = 0
        for m in range(1, min(self.n, T)):
            prev = hist[m - 1, m - 1:T - 1]
            keys = prev * V + ids[m - 1:T - 1]
            hist[m, m:] = _lookup(self._ctx_keys[m], keys, valid=prev >= 0)
        return hist

    def _level_counts(self, hist: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """n(h_m) and n(h_m, w) for every level m and target: two (n, T) float arrays (0 where unseen)."""
        c_h = np.zeros(hist.shape)
        c_hw = np.zeros(hist.shape)
        for m in range(self.n):
            seen = hist[m] >= 0
            h = hist[m, seen]
            c_h[m, seen] = self._ctx_counts[m][h]
            idx = _lookup(self._pair_keys[m], h * self.vocab_size + targets[seen])
            found = idx >= 0
            row = np.zeros(h.size)
            row[found] = self._pair_counts[m][idx[found]]
            c_hw[m, seen] = row
        return c_h, c_hw

    def counts(self, ids) -> tuple[np.ndarray, np.ndarray]:
        """For each token of `ids`: n(h) and n(h, w) with h its longest context (up to n−1 tokens).

        Returns two float arrays of length len(ids); handy for showing the count estimate.
        """
        self._require_fit()
        ids = _as_ids("ids", ids, self.vocab_size)
        c_h, c_hw = self._level_counts(self._history_ids(ids), ids)
        top = np.minimum(np.arange(ids.size), self.n - 1)
        cols = np.arange(ids.size)
        return c_h[top, cols], c_hw[top, cols]

    # ------------------------------------------------------------------ probabilities
    def _scores(self, c_h: np.ndarray, c_hw: np.ndarray, top: np.ndarray) -> np.ndarray:
        """Probability (score, for stupid backoff) of each target from its level counts."""
        V, cols = self.vocab_size, np.arange(c_h.shape[1])
        if self.smoothing in ("none", "add_k"):
            k = self.k if self.smoothing == "add_k" else 0.0
            ch, chw = c_h[top, cols], c_hw[top, cols]
            p = np.full(ch.shape, 1.0 / V)
            seen = ch > 0
            p[seen] = (chw[seen] + k) / (ch[seen] + k * V)
            return p
        if self.smoothing == "interpolated":
            q, seen = _ml_estimates(c_h, c_hw)
            return _interpolate(q, seen, top, self.lambdas, V)
        # stupid backoff: walk down from the top level to the first level where n(h, w) > 0
        score = np.zeros(c_h.shape[1])
        done = np.zeros(c_h.shape[1], dtype=bool)
        for m in range(self.n - 1, -1, -1):
            here = (~done) & (m <= top) & (c_hw[m] > 0)
            score[here] = self.alpha ** (top[here] - m) * c_hw[m, here] / c_h[m, here]
            done |= here
        return score

    def next_distribution(self, context: Sequence[int] = ()) -> np.ndarray:
        """p(· | context) over all V tokens (its last n−1 ids are used; shorter contexts are allowed).

        Sums to 1 for every smoother except stupid backoff, whose scores do not.
        """
        self._require_fit()
        ctx = np.asarray(context)
        if ctx.size == 0:
            ctx = ctx.astype(np.int64).reshape(0)
        ctx = _as_ids("context", ctx, self.vocab_size, min_length=0)
        ctx = ctx[max(0, ctx.size - (self.n - 1)):]
        V = self.vocab_size
        # Score all V continuations at once: V copies of the context, each followed by one token.
        seqs_hist = self._history_ids(np.concatenate([ctx, [0]]))[:, -1]
        hist = np.repeat(seqs_hist[:, None], V, axis=1)
        c_h, c_hw = self._level_counts(hist, np.arange(V))
        return self._scores(c_h, c_hw, np.full(V, ctx.size))

    def prob(self, next_id: int, context: Sequence[int] = ()) -> float:
        """p(next_id | context); see `next_distribution`."""
        next_id = _validate.positive_int("next_id", next_id, minimum=0)
        if next_id >= self.vocab_size:
            raise ValueError(f"next_id must be a token id in [0, {self.vocab_size}), got {next_id}")
        return float(self.next_distribution(context)[next_id])

    def log_probs(self, ids) -> np.ndarray:
        """log p(x_t | up to n−1 previous tokens of `ids`) for every t (natural log, float64).

        The first n−1 tokens are scored with the shorter contexts they have (see module doc).
        An impossible token gives −inf (only with smoothing="none"). For stupid backoff these
        are log scores, not log-probabilities.
        """
        self._require_fit()
        ids = _as_ids("ids", ids, self.vocab_size)
        c_h, c_hw = self._level_counts(self._history_ids(ids), ids)
        p = self._scores(c_h, c_hw, np.minimum(np.arange(ids.size), self.n - 1))
        with np.errstate(divide="ignore"):
            return np.log(p)

    def cross_entropy(self, ids) -> float:
        """Mean negative log-likelihood per token, in nats: −(1/T) Σ_t log p(x_t | context)."""
        if self.smoothing == "stupid_backoff":
            raise ValueError("smoothing='stupid_backoff' gives scores that do not sum to 1, so a "
                             "cross-entropy or perplexity of them means nothing; use 'add_k' or 'interpolated'")
        return float(-np.mean(self.log_probs(ids)))

    def perplexity(self, ids) -> float:
        """exp(mean negative log-likelihood per token) on `ids`: inf if any token gets probability 0."""
        with np.errstate(over="ignore"):
            return float(np.exp(self.cross_entropy(ids)))

    def sample(self, prompt_ids, length: int, rng: np.random.Generator | None = None) -> list[int]:
        """The prompt's ids followed by `length` new ids, each drawn from p(· | the last n − 1 ids)."""
        self._require_fit()
        ids = [int(i) for i in _as_ids("prompt_ids", prompt_ids, self.vocab_size, min_length=0)]
        length = _validate.positive_int("length", length)
        rng = np.random.default_rng(0) if rng is None else rng
        for _ in range(length):
            p = self.next_distribution(ids[max(0, len(ids) - (self.n - 1)):] if self.n > 1 else [])
            ids.append(int(rng.choice(len(p), p=p)))
        return ids


def _lookup(sorted_keys: np.ndarray, keys: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Index of each key in sorted_keys, or −1 where it is absent (or not valid)."""
    idx = np.searchsorted(sorted_keys, keys)
    idx_c = np.minimum(idx, sorted_keys.size - 1)
    found = (idx < sorted_keys.size) & (sorted_keys[idx_c] == keys) if sorted_keys.size else np.zeros(keys.shape, bool)
    if valid is not None:
        found &= valid
    return np.where(found, idx_c, -1)


def _ml_estimates(c_h: np.ndarray, c_hw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Count estimates n(h, w)/n(h) per level, and the mask of levels whose context was seen."""
    seen = c_h > 0
    q = np.zeros(c_h.shape)
    q[seen] = c_hw[seen] / c_h[seen]
    return q, seen


def _interpolate(q: np.ndarray, seen: np.ndarray, top: np.ndarray, lambdas: np.ndarray, V: int) -> np.ndarray:
    """Jelinek–Mercer from the bottom up: p ← λ_m q_m + (1 − λ_m) p on levels m ≤ top whose context was seen."""
    p = np.full(q.shape[1], 1.0 / V)
    for m in range(q.shape[0]):
        use = seen[m] & (m <= top)
        p = np.where(use, lambdas[m] * q[m] + (1 - lambdas[m]) * p, p)
    return p


def _best_lambdas(q: np.ndarray, seen: np.ndarray, top: np.ndarray, V: int) -> np.ndarray:
    """The λs that maximise the likelihood of held-out tokens (L-BFGS-B with the exact gradient).

    The classic way is expectation–maximisation (read the interpolation as "stop at level m with
    probability λ_m, else go one level down"); it reaches the same optimum, only more slowly.
    With p^(m) the interpolated probability after level m,
        ∂p/∂λ_m = [level m used] · (q_m − p^(m−1)) · Π_{j>m, used} (1 − λ_j).
    """
    from scipy.optimize import minimize

    L, T = q.shape
    use = seen & (np.arange(L)[:, None] <= top[None, :])

    def nll_and_grad(lam):
        below = np.empty((L, T))                     # below[m] = p^(m−1), the estimate under level m
        p = np.full(T, 1.0 / V)
        for m in range(L):
            below[m] = p
            p = np.where(use[m], lam[m] * q[m] + (1 - lam[m]) * p, p)
        stay = np.where(use, 1 - lam[:, None], 1.0)
        after = np.ones((L, T))                      # after[m] = Π_{j>m} stay_j
        after[:-1] = np.cumprod(stay[:0:-1], axis=0)[::-1]
        dp = np.where(use, q - below, 0.0) * after
        return -np.mean(np.log(p)), -(dp / p).mean(axis=1)

    bounds = [(0.0, 1.0 - 1e-6)] * L   # λ < 1 keeps every probability positive during the search
    res = minimize(nll_and_grad, np.full(L, 0.5), jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 500})
    return np.asarray(res.x)


@dataclass
class TuneResult:
    """What `tune_smoothing` chose: the fitted model (with the chosen parameter set), the
    parameter (k, or the tuple of λs), the validation perplexity it gave, and every
    (k, perplexity) tried for add-k."""
    model: NGramLM
    param: float | tuple
    val_perplexity: float
    tried: list


def tune_smoothing(train_ids, val_ids, n: int, vocab_size, smoothing: str = "interpolated",
                   k_grid: Sequence[float] | None = None) -> TuneResult:
    """Fit an order-n model on train_ids and pick its smoothing parameter on val_ids.

    "add_k": the k of `k_grid` (default 81 values from 1e−5 to 100, evenly spaced in log k)
    with the lowest validation perplexity. "interpolated": the λs that maximise the validation
    likelihood (`_best_lambdas`). Counts are made once; each candidate only rescores.
    """
    _validate.choice("smoothing", smoothing, ("add_k", "interpolated"))
    model = NGramLM(n, vocab_size, smoothing=smoothing).fit(train_ids)
    val = _as_ids("val_ids", val_ids, model.vocab_size)
    c_h, c_hw = model._level_counts(model._history_ids(val), val)
    top = np.minimum(np.arange(val.size), model.n - 1)
    tried = []
    if smoothing == "add_k":
        grid = (np.logspace(-5, 2, 81) if k_grid is None
                else _validate.float_array("k_grid", k_grid, ndim=1, min_length=1))
        if np.any(grid <= 0):
            raise ValueError("k_grid must hold positive pseudo-counts k > 0")
        for k in grid:
            model.set_params(k=float(k))
            tried.append((float(k), float(np.exp(-np.mean(np.log(model._scores(c_h, c_hw, top)))))))
        best_k, best_ppl = min(tried, key=lambda kv: kv[1])
        model.set_params(k=best_k)
        return TuneResult(model, best_k, best_ppl, tried)
    q, seen = _ml_estimates(c_h, c_hw)
    lam = _best_lambdas(q, seen, top, model.vocab_size)
    model.set_params(lambdas=lam)
    ppl = float(np.exp(-np.mean(np.log(_interpolate(q, seen, top, model.lambdas, model.vocab_size)))))
    return TuneResult(model, tuple(float(x) for x in lam), ppl, tried)


def ngram_frequencies(tokens: Sequence, n: int) -> np.ndarray:
    """How often each distinct n-gram (n consecutive tokens) occurs, largest first: the y-values of
    a Zipf plot, whose x-values are the ranks 1, 2, …"""
    n = _validate.positive_int("n", n)
    tokens = list(tokens)
    if len(tokens) < n:
        raise ValueError(f"tokens must hold at least n = {n} tokens, got {len(tokens)}")
    counts = Counter(zip(*(tokens[i:] for i in range(n))))
    return np.array(sorted(counts.values(), reverse=True), dtype=float)
