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


def flatten(grads: dict) -> np.ndarray:
    """All gradient arrays as one vector, in sorted key order: the vector whose length global_norm is."""
    if not isinstance(grads, dict) or not grads:
        raise ValueError("grads must be a non-empty dict of gradient arrays")
    return np.concatenate([np.ravel(grads[name]) for name in sorted(grads)])


def _same_layout(a: dict, b: dict) -> None:
    """Raise unless a and b are dicts of arrays with the same keys and shapes."""
    if not isinstance(a, dict) or not isinstance(b, dict):
        raise ValueError(f"expected two dicts of gradient arrays, got {type(a).__name__} and {type(b).__name__}")
    if set(a) != set(b):
        raise ValueError(f"the two gradients must have the same keys, got {sorted(a)} and {sorted(b)}")
    for name in a:
        if np.shape(a[name]) != np.shape(b[name]):
            raise ValueError(f"gradient {name} has shapes {np.shape(a[name])} and {np.shape(b[name])}")


def relative_distance(grads: dict, reference: dict) -> float:
    """‖g − g_ref‖ / ‖g_ref‖ over all arrays together: how far an approximate gradient is from the true one."""
    _same_layout(grads, reference)
    ref = flatten(reference)
    norm = np.linalg.norm(ref)
    if norm == 0:
        raise ValueError("the reference gradient is zero: a relative distance to it is undefined")
    return float(np.linalg.norm(flatten(grads) - ref) / norm)


def cosine(a: dict, b: dict) -> float:
    """cos of the angle between two gradients (dicts of arrays with the same keys), as flat vectors."""
    _same_layout(a, b)
    u, v = flatten(a), flatten(b)
    norms = np.linalg.norm(u) * np.linalg.norm(v)
    if norms == 0:
        raise ValueError("a zero gradient has no direction: the cosine is undefined")
    return float(u @ v / norms)


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
