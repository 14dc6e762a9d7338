"""The two early recurrent networks, side by side: Jordan (1986) and Elman (1990).

Both apply a one-hidden-layer MLP at every step and add one feedback path; they differ only in
what is fed back:

    Elman:   h_t = tanh(W_hx x_t + W_hh h_{t−1} + b_h),   ŷ_t = g(W_oh h_t + b_o)   (the course SRN)
    Jordan:  h_t = tanh(W_hx x_t + W_hy ŷ_{t−1} + b_h),   ŷ_t = g(W_oh h_t + b_o)

Arrays are time-major, x (T, N, D); a batch computes x_t @ W_hx.T, so every weight has the
"to ← from" shape of the course notation (W_hy is (H, O)). Both start from zeros (h_0 = 0,
ŷ_0 = 0). Jordan's own state units, s_t = μ s_{t−1} + ŷ_{t−1}, are the case μ = 0 here.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validate import float_numpy

Array = np.ndarray


def _check(x, W_hx, b_h, W_oh, b_o, g, feedback: tuple[str, Array]) -> tuple[int, int]:
    """Validate the shapes against x (T, N, D), the feedback weight W_hh (H, H) or W_hy (H, O); return (H, O)."""
    fb_name, W_fb = feedback
    for name, value in (("x", x), ("W_hx", W_hx), (fb_name, W_fb), ("b_h", b_h), ("W_oh", W_oh), ("b_o", b_o)):
        float_numpy(name, value)
    if x.ndim != 3 or 0 in x.shape:
        raise ValueError(f"x must have shape (T, N, D), time-major, with T, N, D >= 1, got {x.shape}")
    if W_hx.ndim != 2 or W_hx.shape[1] != x.shape[2]:
        raise ValueError(f"W_hx must have shape (H, D) = (H, {x.shape[2]}), got {W_hx.shape}")
    H = W_hx.shape[0]
    if W_oh.ndim != 2 or W_oh.shape[1] != H:
        raise ValueError(f"W_oh must have shape (O, H) = (O, {H}), got {W_oh.shape}")
    O = W_oh.shape[0]
    want = (H, H) if fb_name == "W_hh" else (H, O)
    if W_fb.shape != want:
        raise ValueError(f"{fb_name} must have shape {want}, got {W_fb.shape}")
    if b_h.shape != (H,) or b_o.shape != (O,):
        raise ValueError(f"b_h must have shape ({H},) and b_o ({O},), got {b_h.shape} and {b_o.shape}")
    if not callable(g):
        raise ValueError(f"g must be a function applied to the output layer (e.g. np.tanh), got {g!r}")
    return H, O


def elman_forward(x: Array, W_hx: Array, W_hh: Array, b_h: Array, W_oh: Array, b_o: Array,
                  g: Callable[[Array], Array] = np.tanh) -> tuple[Array, Array]:
    """Elman network: feeds back the hidden state. Returns ŷ (T, N, O) and h (T, N, H)."""
    H, O = _check(x, W_hx, b_h, W_oh, b_o, g, ("W_hh", W_hh))
    T, N, _ = x.shape
    h = np.zeros((N, H))
    ys, hs = np.empty((T, N, O)), np.empty((T, N, H))
    for t in range(T):
        h = np.tanh(x[t] @ W_hx.T + h @ W_hh.T + b_h)      # the previous hidden state is fed back
        ys[t], hs[t] = g(h @ W_oh.T + b_o), h
    return ys, hs


def jordan_forward(x: Array, W_hx: Array, W_hy: Array, b_h: Array, W_oh: Array, b_o: Array,
                   g: Callable[[Array], Array] = np.tanh) -> tuple[Array, Array]:
    """Jordan network: feeds back the previous output ŷ_{t−1}. Returns ŷ (T, N, O) and h (T, N, H)."""
    H, O = _check(x, W_hx, b_h, W_oh, b_o, g, ("W_hy", W_hy))
    T, N, _ = x.shape
    y = np.zeros((N, O))
    ys, hs = np.empty((T, N, O)), np.empty((T, N, H))
    for t in range(T):
        h = np.tanh(x[t] @ W_hx.T + y @ W_hy.T + b_h)      # the previous output is fed back
        y = g(h @ W_oh.T + b_o)
        ys[t], hs[t] = y, h
    return ys, hs
