"""A task where seeing the future matters (lecture 10): label every token with the token k steps ahead.

The tokens come from a Markov chain with transition matrix P, started in its stationary
distribution π. A left-to-right model must answer for position t after reading x_1 … x_t, so no
such model is right more often than Σ_i π_i max_j (P^k)_ij (lecture 10 derives the bound); a
bidirectional model, or a left-to-right one that answers k steps late, can reach 1.

This module is the plumbing of that experiment: sampling batches of the chain, the LSTM tagger,
the hidden size that matches a parameter budget, training (through `train.fit`), held-out
accuracy and the figure. Arrays are time-major: tokens (T, N), logits (T, N, V).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import _validate
from .session import seeded
from .train import fit, fresh_batches


def sample_chain(P, pi, T: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """n sequences of T tokens of the chain P, each started from π: int64 array (T, n).

    Vectorised over the batch: x_t is drawn from row x_{t−1} of P by the inverse of its cumulative sum.
    """
    P = _validate.float_array("P", P, ndim=2)
    V = P.shape[0]
    if P.shape != (V, V) or np.any(P < 0) or not np.allclose(P.sum(axis=1), 1.0):
        raise ValueError(f"P must be a square matrix whose rows are probability distributions, got shape {P.shape}")
    pi = _validate.float_array("pi", pi, ndim=1)
    if pi.shape != (V,) or np.any(pi < 0) or not np.isclose(pi.sum(), 1.0):
        raise ValueError(f"pi must be a probability distribution over the {V} states of P, got shape {pi.shape}")
    T, n = _validate.positive_int("T", T), _validate.positive_int("n", n)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    cumulative = P.cumsum(axis=1)
    tokens = np.empty((T, n), dtype=np.int64)
    tokens[0] = rng.choice(V, size=n, p=pi)
    for t in range(1, T):
        tokens[t] = (rng.random(n)[:, None] > cumulative[tokens[t - 1]]).sum(axis=1)
    return tokens


class Tagger(nn.Module):
    """One-hot tokens (T, N) → LSTM (uni- or bidirectional, stacked or not) → logits (T, N, V) at every step."""

    def __init__(self, vocab_size: int, hidden: int, num_layers: int = 1, bidirectional: bool = False,
                 seed: int = 0):
        super().__init__()
        self.vocab_size = _validate.positive_int("vocab_size", vocab_size, minimum=2)
        hidden = _validate.positive_int("hidden", hidden)
        num_layers = _validate.positive_int("num_layers", num_layers)
        with seeded(seed):
            self.rnn = nn.LSTM(vocab_size, hidden, num_layers=num_layers, bidirectional=bool(bidirectional))
            self.head = nn.Linear(hidden * (2 if bidirectional else 1), vocab_size)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        if tokens.ndim != 2:
            raise ValueError(f"tokens must be token ids of shape (T, N), time-major, got {tuple(tokens.shape)}")
        states, _ = self.rnn(F.one_hot(tokens, self.vocab_size).float())   # (T, N, dirs·H)
        return self.head(states)


def n_params(model: nn.Module) -> int:
    """Number of trainable numbers of a torch module."""
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch nn.Module, got {type(model).__name__}")
    return sum(w.numel() for w in model.parameters())


def hidden_for_budget(budget: int, vocab_size: int, num_layers: int, largest: int = 64) -> int:
    """The unidirectional hidden size (1 … largest) whose Tagger comes closest to `budget` parameters."""
    budget = _validate.positive_int("budget", budget)
    largest = _validate.positive_int("largest", largest)
    return min(range(1, largest + 1),
               key=lambda h: abs(n_params(Tagger(vocab_size, h, num_layers)) - budget))


def _check_shift(tokens, k: int, delay: int) -> tuple[int, int]:
    k = _validate.positive_int("k", k)
    delay = _validate.positive_int("delay", delay, minimum=0)
    if delay > k:
        raise ValueError(f"delay must be between 0 and k = {k} (the answer for the last position is due at step T), "
                         f"got {delay}")
    if tokens.ndim != 2 or tokens.shape[0] <= k:
        raise ValueError(f"tokens must have shape (T, N) with T > k = {k}, got {tuple(tokens.shape)}")
    return k, delay


def answer_logits(model: Tagger, tokens: torch.Tensor, k: int, delay: int) -> torch.Tensor:
    """Logits of the answers for positions 1 … T−k, read at steps 1+delay … T−k+delay: (T−k, N, V)."""
    k, delay = _check_shift(tokens, k, delay)
    return model(tokens)[delay:tokens.shape[0] - k + delay]


def accuracy(model: Tagger, tokens, k: int, delay: int) -> tuple[float, np.ndarray]:
    """Share of positions t = 1 … T−k whose answer is x_{t+k}, and the guesses (T−k, N)."""
    tokens = torch.as_tensor(tokens)
    with torch.no_grad():
        guess = answer_logits(model, tokens, k, delay).argmax(-1).numpy()
    return float((guess == tokens[k:].numpy()).mean()), guess


def train_tagger(model: Tagger, sample: Callable[[int, np.random.Generator], np.ndarray], k: int, delay: int,
                 heldout, *, steps: int = 300, eval_every: int = 25, batch_size: int = 64, lr: float = 1e-2,
                 seed: int = 0) -> list[float]:
    """Adam on the cross-entropy of the labels x_{t+k}, each step on `batch_size` fresh sequences
    from sample(n, rng) (`train.fit`); returns the held-out accuracy after every `eval_every` steps,
    the points `plot_curves` draws (a last partial stretch of steps is trained but not reported)."""
    if not isinstance(model, Tagger):
        raise ValueError(f"model must be a lookahead.Tagger, got {type(model).__name__}")
    if not callable(sample):
        raise ValueError("sample must be a callable sample(n, rng) -> tokens (T, n)")
    steps = _validate.positive_int("steps", steps)
    k, delay = _check_shift(torch.as_tensor(heldout), k, delay)
    rng = np.random.default_rng(_validate.positive_int("seed", seed, minimum=0))

    def cross_entropy(batch) -> torch.Tensor:
        tokens = torch.as_tensor(batch)
        logits = answer_logits(model, tokens, k, delay)
        return F.cross_entropy(logits.reshape(-1, model.vocab_size), tokens[k:].reshape(-1))

    def held_out_accuracy() -> dict[str, float]:
        return {"accuracy": accuracy(model, heldout, k, delay)[0]}

    hist = fit(model, fresh_batches(sample, batch_size, rng), cross_entropy, steps=steps, lr=lr,
               evaluate=held_out_accuracy, eval_every=eval_every)
    return [acc for step, acc in zip(hist.steps, hist.eval_accuracy)   # not step 0 (untrained), nor a last
            if step > 0 and step % eval_every == 0]                     # step off the eval_every grid


def plot_curves(ax, curves: Mapping[str, Sequence[float]], eval_every: int, limit: float, chance: float,
                styles: Sequence[str] = ("-", "--", "-", ":")):
    """Held-out accuracy against training step for each model (a legend names them), with the
    left-to-right limit and chance as horizontal lines."""
    if not curves:
        raise ValueError("curves must map at least one model name to its accuracy curve")
    every = _validate.positive_int("eval_every", eval_every)
    last = every * max(len(c) for c in curves.values())
    for (name, curve), style in zip(curves.items(), list(styles) * len(curves)):
        ax.plot(every * np.arange(1, len(curve) + 1), curve, style, marker="o", ms=3, label=name)
    ax.axhline(limit, color="k", lw=1, ls="--")
    ax.text(every, limit + 0.02, "limit of any left-to-right model", ha="left", fontsize=11)
    ax.axhline(chance, color="gray", lw=1, ls=":")
    ax.text(last, chance + 0.015, "chance", ha="right", fontsize=11, color="gray")
    ax.set(xlabel="training step", ylabel="held-out accuracy", ylim=(0.2, 1.03))
    ax.legend(loc="center right", bbox_to_anchor=(1.0, 0.68))       # between the limit and the top curves
    return ax
