"""A synthetic text source whose entropy rate is known exactly: the floor of any model's perplexity.

An order-k Markov source over V symbols draws each symbol from P(s | previous k symbols).
Its entropy rate is H = −Σ_c π(c) Σ_s P(s|c) log P(s|c), with π the stationary distribution
of the chain on contexts c; no model of the source can have a lower expected cross-entropy
per symbol, so no model's perplexity on long held-out text goes below exp(H).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _validate


class MarkovSource:
    """An order-`order` Markov chain over `symbols`.

    transition: array (V**order, V); row c is P(next | context c), where a context
    (s_{t−k}, …, s_{t−1}) has the base-V index Σ_j s_{t−k+j}·V^(k−1−j) (the newest symbol last).
    """

    def __init__(self, transition, symbols: Sequence[str], order: int = 1):
        self.order = _validate.positive_int("order", order)
        symbols = list(symbols)
        if len(set(symbols)) != len(symbols) or not symbols:
            raise ValueError("symbols must be a non-empty sequence of distinct tokens")
        V = len(symbols)
        P = _validate.float_array("transition", transition, ndim=2)
        if P.shape != (V**self.order, V):
            raise ValueError(f"transition must have shape (V**order, V) = ({V**self.order}, {V}) "
                             f"for {V} symbols and order {self.order}, got {P.shape}")
        if np.any(P < 0) or not np.allclose(P.sum(axis=1), 1.0, atol=1e-10):
            raise ValueError("every row of transition must be a probability distribution "
                             "(non-negative, summing to 1)")
        self.symbols = symbols
        self.transition = P
        self._cumulative = np.cumsum(P, axis=1)
        self._stationary = None

    @classmethod
    def random(cls, n_symbols: int = 8, order: int = 2, concentration: float = 0.5,
               rng: np.random.Generator | None = None) -> MarkovSource:
        """A source with Dirichlet(concentration) rows; small concentration → peaked rows → low entropy.

        Every transition probability is positive, so the chain on contexts is irreducible and
        aperiodic and its stationary distribution is unique. Symbols are 'a', 'b', ….
        """
        n_symbols = _validate.positive_int("n_symbols", n_symbols, minimum=2)
        if n_symbols > 26:
            raise ValueError(f"n_symbols must be at most 26 (symbols are letters), got {n_symbols}")
        order = _validate.positive_int("order", order)
        concentration = _validate.finite_float("concentration", concentration, low=0.0, low_open=True)
        rng = np.random.default_rng(0) if rng is None else rng
        P = rng.dirichlet(np.full(n_symbols, concentration), size=n_symbols**order)
        P = np.maximum(P, 1e-12)  # Dirichlet draws can underflow to 0; keep the chain irreducible
        P /= P.sum(axis=1, keepdims=True)
        return cls(P, [chr(ord("a") + i) for i in range(n_symbols)], order)

    @property
    def n_symbols(self) -> int:
        return len(self.symbols)

    def stationary_distribution(self) -> np.ndarray:
        """π over contexts: the left eigenvector of the context-to-context chain for eigenvalue 1."""
        if self._stationary is None:
            V, C = self.n_symbols, self.n_symbols**self.order
            Q = np.zeros((C, C))
            contexts = np.arange(C)
            for s in range(V):
                Q[contexts, (contexts * V + s) % C] += self.transition[:, s]
            # Solve π (Q − I) = 0 with Σπ = 1 as one least-squares system.
            A = np.vstack([Q.T - np.eye(C), np.ones((1, C))])
            b = np.zeros(C + 1)
            b[-1] = 1.0
            pi, *_ = np.linalg.lstsq(A, b, rcond=None)
            self._stationary = np.clip(pi, 0.0, None) / np.clip(pi, 0.0, None).sum()
        return self._stationary

    def entropy_rate(self) -> float:
        """H in nats per symbol."""
        P = self.transition
        plogp = np.where(P > 0, P * np.log(np.where(P > 0, P, 1.0)), 0.0)
        return float(-(self.stationary_distribution() @ plogp.sum(axis=1)))

    def perplexity_floor(self) -> float:
        """exp(H): the lowest perplexity any model can reach on long text from this source."""
        return float(np.exp(self.entropy_rate()))

    def sample(self, n: int, rng: np.random.Generator | None = None) -> str:
        """n symbols as one string, the first context drawn from the stationary distribution."""
        return "".join(self.symbols[i] for i in self.sample_ids(n, rng))

    def sample_ids(self, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """n symbol ids (int64), started in stationarity so every position has the same law."""
        n = _validate.positive_int("n", n)
        rng = np.random.default_rng(0) if rng is None else rng
        V = self.n_symbols
        context = int(rng.choice(V**self.order, p=self.stationary_distribution()))
        out = np.empty(n, dtype=np.int64)
        u = rng.random(n)
        cumulative = self._cumulative
        for t in range(n):
            s = min(int(np.searchsorted(cumulative[context], u[t], side="right")), V - 1)
            out[t] = s
            context = (context * V + s) % (V**self.order)
        return out

    def log_likelihood(self, ids) -> np.ndarray:
        """log P(s_t | previous `order` symbols) for each t ≥ order (the true model's per-symbol NLL is minus this)."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"ids must be a 1-D integer array, got shape {ids.shape} and dtype {ids.dtype}")
        if ids.size <= self.order:
            raise ValueError(f"ids must be longer than the order {self.order}, got {ids.size} ids")
        if ids.min() < 0 or ids.max() >= self.n_symbols:
            raise ValueError(f"ids must lie in [0, {self.n_symbols}), got values in [{ids.min()}, {ids.max()}]")
        V = self.n_symbols
        ctx = np.zeros(ids.size - self.order, dtype=np.int64)
        for j in range(self.order):
            ctx = ctx * V + ids[j: ids.size - self.order + j]
        return np.log(self.transition[ctx, ids[self.order:]])


def batch_means_se(values, blocks: int = 50) -> float:
    """Standard error of the mean of a dependent sequence (such as per-symbol losses on text from a
    Markov source), by batch means: cut it into `blocks` consecutive blocks (dropping the remainder)
    and divide the standard deviation of the block means by √blocks. Blocks much longer than the
    dependence make the block means nearly independent."""
    x = _validate.float_array("values", values, ndim=1)
    blocks = _validate.positive_int("blocks", blocks, minimum=2)
    if x.size < 2 * blocks:
        raise ValueError(f"values must hold at least 2 entries per block ({2 * blocks}), got {x.size}")
    means = x[: x.size // blocks * blocks].reshape(blocks, -1).mean(axis=1)
    return float(means.std(ddof=1) / np.sqrt(blocks))
