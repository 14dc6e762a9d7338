"""Gradient clipping and the three optimizers the course's numpy models use (SGD, Adagrad, Adam).

Each optimizer updates a dict of numpy parameters in place from a dict of gradients with the
same keys, so the same loop trains an SRN, a GRU or an LSTM.
"""
from __future__ import annotations

import numpy as np

from . import _validate


def global_norm(grads: dict) -> float:
    """‖g‖₂ over all gradient arrays together, as if they were one long vector."""
    if not grads:
        raise ValueError("grads is empty: expected a dict of gradient arrays")
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values())))


def clip_grad_norm(grads: dict, max_norm: float) -> tuple[dict, float]:
    """g ← min(1, θ/‖g‖)·g (Pascanu et al. 2013). Returns (clipped copy, norm before clipping).

    The direction is kept; only the length is capped at θ = max_norm.
    """
    max_norm = _validate.finite_float("max_norm", max_norm, low=0.0, low_open=True)
    norm = global_norm(grads)
    scale = min(1.0, max_norm / (norm + 1e-12))
    return {k: g * scale for k, g in grads.items()}, norm


class _Optimizer:
    def __init__(self, params: dict, lr: float):
        if not params:
            raise ValueError("params is empty: expected a dict of numpy parameter arrays")
        self.params = params
        self.lr = _validate.finite_float("lr", lr, low=0.0, low_open=True)

    def _checked(self, grads: dict) -> dict:
        if set(grads) != set(self.params):
            raise ValueError(f"grads must have the keys of params {sorted(self.params)}, got {sorted(grads)}")
        for k, g in grads.items():
            if np.shape(g) != self.params[k].shape:
                raise ValueError(f"gradient {k} has shape {np.shape(g)}, parameter has {self.params[k].shape}")
        return grads


class SGD(_Optimizer):
    """θ ← θ − lr·g."""

    def step(self, grads: dict) -> None:
        for k, g in self._checked(grads).items():
            self.params[k] -= self.lr * g


class Adagrad(_Optimizer):
    """θ ← θ − lr·g/√(Σg² + ε): min-char-rnn's optimizer (lr 0.1)."""

    def __init__(self, params: dict, lr: float = 0.1, eps: float = 1e-8):
        super().__init__(params, lr)
        self.eps = eps
        self.sum_sq = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, grads: dict) -> None:
        for k, g in self._checked(grads).items():
            self.sum_sq[k] += g * g
            self.params[k] -= self.lr * g / np.sqrt(self.sum_sq[k] + self.eps)


class Adam(_Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction."""

    def __init__(self, params: dict, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, lr)
        self.b1, self.b2 = (_validate.finite_float("beta", b, low=0.0, high=1.0, high_open=True) for b in betas)
        self.eps = eps
        self.t = 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, grads: dict) -> None:
        self.t += 1
        c1, c2 = 1 - self.b1**self.t, 1 - self.b2**self.t
        for k, g in self._checked(grads).items():
            self.m[k] = self.b1 * self.m[k] + (1 - self.b1) * g
            self.v[k] = self.b2 * self.v[k] + (1 - self.b2) * g * g
            self.params[k] -= self.lr * (self.m[k] / c1) / (np.sqrt(self.v[k] / c2) + self.eps)
