"""Pieces every recurrent model shares: the output layer applied at each step, and the losses.

Losses are summed over all steps and examples (L = Σ_t ℓ_t, the course convention for
derivations); divide by the token count to report a mean.
"""
from __future__ import annotations

import numpy as np

from ._validate import Cache, backward_inputs, float_numpy


def _float_array(name: str, value, ndim: int) -> np.ndarray:
    float_numpy(name, value)
    if value.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {value.shape}")
    return value


def temporal_affine_forward(h, W, b):
    """o_t = W h_t + b at every step: h (T, N, H), W (O, H), b (O,) → o (T, N, O), cache."""
    _float_array("h", h, 3)
    _float_array("W", W, 2)
    _float_array("b", b, 1)
    if W.shape[1] != h.shape[2] or b.shape != (W.shape[0],):
        raise ValueError(f"for h of shape {h.shape}, W must be (O, {h.shape[2]}) and b (O,), "
                         f"got W {W.shape} and b {b.shape}")
    return h @ W.T + b, Cache("temporal_affine_forward", (h, W))


def temporal_affine_backward(do, cache):
    """Gradients of the step-wise affine map: returns dh (T, N, H), dW (O, H), db (O,)."""
    h, W = backward_inputs("temporal_affine_backward", cache, {"do": do})
    if do.shape != h.shape[:2] + (W.shape[0],):
        raise ValueError(f"do must have shape {h.shape[:2] + (W.shape[0],)}, got {do.shape}")
    T, N, H = h.shape
    dW = do.reshape(T * N, -1).T @ h.reshape(T * N, H)
    return do @ W, dW, do.sum(axis=(0, 1))


def softmax(o, axis: int = -1):
    """Numerically stable softmax (the max is subtracted before exponentiating). o: any array of real numbers."""
    o = np.asarray(o)
    if not (np.issubdtype(o.dtype, np.floating) or np.issubdtype(o.dtype, np.integer)):
        raise ValueError(f"o must hold real numbers, got dtype {o.dtype}")
    z = o - o.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def softmax_cross_entropy(o, y, mask=None):
    """L = −Σ log softmax(o)[y] over all positions; returns (L, dL/do).

    o: logits (..., O); y: integer targets of shape o.shape[:-1]; mask (optional, same shape as
    y): 1 where a position counts, 0 where it is padding. dL/do = softmax(o) − onehot(y).
    """
    float_numpy("o (logits)", o)
    y = np.asarray(y)
    if y.shape != o.shape[:-1]:
        raise ValueError(f"targets y must have shape {o.shape[:-1]} (the logits' shape without the class axis), "
                         f"got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"targets y must be integer class ids, got dtype {y.dtype}")
    O = o.shape[-1]
    if y.size and (y.min() < 0 or y.max() >= O):
        raise ValueError(f"targets y must lie in [0, {O}), got values in [{y.min()}, {y.max()}]")
    m = np.ones(y.shape, dtype=o.dtype) if mask is None else np.asarray(mask, dtype=o.dtype)
    if m.shape != y.shape:
        raise ValueError(f"mask must have shape {y.shape}, got {m.shape}")
    z = o - o.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_p, y[..., None], axis=-1)[..., 0]
    loss = -float(np.sum(picked * m))
    do = np.exp(log_p)
    np.put_along_axis(do, y[..., None], np.take_along_axis(do, y[..., None], axis=-1) - 1, axis=-1)
    return loss, do * m[..., None]


def squared_error(pred, target):
    """L = ½ Σ (pred − target)²; returns (L, dL/dpred = pred − target)."""
    float_numpy("pred", pred)
    target = np.asarray(target, dtype=pred.dtype)
    if target.shape != pred.shape:
        raise ValueError(f"target must have the shape of pred {pred.shape}, got {target.shape}")
    diff = pred - target
    return 0.5 * float(np.sum(diff * diff)), diff
