"""Gated recurrent unit (Cho et al. 2014) in numpy, in torch's form and in the original one.

Packed like torch (gate order r, z, n), with torch's two bias vectors, so weights copy from
nn.GRU without reshuffling: W_x (3H, D), W_h (3H, H), b_x (3H,), b_h (3H,).

    r_t = σ(W_xr x_t + b_xr + W_hr h_{t−1} + b_hr)                 reset gate
    z_t = σ(W_xz x_t + b_xz + W_hz h_{t−1} + b_hz)                 update gate
    n_t = tanh(W_xn x_t + b_xn + r_t ⊙ (W_hn h_{t−1} + b_hn))      reset after the product (torch)
    n_t = tanh(W_xn x_t + b_xn + W_hn (r_t ⊙ h_{t−1}) + b_hn)      reset before (Cho et al., d2l)
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}

`reset_after` selects the candidate; the two are different models (they agree only when r = 1),
which is why a reset-before GRU cannot reproduce nn.GRU by copying weights.
"""
from __future__ import annotations

import numpy as np

from ._validate import Cache, backward_inputs, flag, float_numpy
from .lstm import check_packed_params, check_sequence, sigmoid

PARAM_NAMES = ("W_x", "W_h", "b_x", "b_h")


def _check_params(W_x, W_h, b_x, b_h):
    D, H = check_packed_params(W_x, W_h, b_x, 3, names=("W_x", "W_h", "b_x"))
    float_numpy("b_h", b_h)
    if b_h.shape != (3 * H,):
        raise ValueError(f"b_h must have shape (3·H,) = ({3 * H},), got {b_h.shape}")
    return D, H


def _cell(xp, h, W_h, b_h, H, reset_after):
    """One step from the input projection xp = W_x x + b_x (N, 3H). Returns h_new and what backward needs."""
    hp_rz = h @ W_h[:2 * H].T + b_h[:2 * H]
    rz = sigmoid(xp[:, :2 * H] + hp_rz)
    r, z = rz[:, :H], rz[:, H:]
    if reset_after:
        hn = h @ W_h[2 * H:].T + b_h[2 * H:]          # W_hn h + b_hn, gated after the product
        n = np.tanh(xp[:, 2 * H:] + r * hn)
    else:
        hn = r * h                                    # r ⊙ h, fed into the product
        n = np.tanh(xp[:, 2 * H:] + hn @ W_h[2 * H:].T + b_h[2 * H:])
    h_new = (1.0 - z) * n + z * h
    return h_new, rz, n, hn


def _cell_backward(dh, h_prev, rz, n, hn, W_h, H, reset_after):
    """dL/d(input pre-activations) (N, 3H), dL/d(hidden pre-activations) (N, 3H), and dL/dh_prev."""
    r, z = rz[:, :H], rz[:, H:]
    dn = dh * (1.0 - z)
    dz = dh * (h_prev - n)
    dh_prev = dh * z
    da_n = dn * (1.0 - n * n)
    dxp = np.empty_like(rz, shape=(dh.shape[0], 3 * H))
    dhp = np.empty_like(dxp)
    dxp[:, 2 * H:] = da_n
    if reset_after:
        dr = da_n * hn
        dhp[:, 2 * H:] = da_n * r                     # d/d(W_hn h + b_hn)
        dh_prev = dh_prev + dhp[:, 2 * H:] @ W_h[2 * H:]
    else:
        d_rh = da_n @ W_h[2 * H:]                     # d/d(r ⊙ h)
        dr = d_rh * h_prev
        dh_prev = dh_prev + d_rh * r
        dhp[:, 2 * H:] = da_n                         # the n block's hidden-side pre-activation
    dxp[:, :H] = dr * r * (1.0 - r)
    dxp[:, H:2 * H] = dz * z * (1.0 - z)
    dhp[:, :2 * H] = dxp[:, :2 * H]
    dh_prev = dh_prev + dhp[:, :2 * H] @ W_h[:2 * H]
    return dxp, dhp, dh_prev


def step_forward(x, h_prev, W_x, W_h, b_x, b_h, reset_after: bool = True):
    """One GRU step: x (N, D), h_prev (N, H) → h (N, H), cache."""
    D, H = _check_params(W_x, W_h, b_x, b_h)
    reset_after = flag("reset_after", reset_after)
    float_numpy("x", x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (N, D) = (N, {D}) for one step, got {x.shape}")
    check_sequence(x[None], {"h_prev": h_prev}, D, H)
    h, rz, n, hn = _cell(x @ W_x.T + b_x, h_prev, W_h, b_h, H, reset_after)
    return h, Cache("gru.step_forward", (x, h_prev, W_x, W_h, rz, n, hn, reset_after))


def step_backward(dh, cache):
    """Gradients of one step from dL/dh_t: returns dx, dh_prev, dW_x, dW_h, db_x, db_h."""
    x, h_prev, W_x, W_h, rz, n, hn, reset_after = backward_inputs("gru.step_backward", cache, {"dh": dh})
    if dh.shape != h_prev.shape:
        raise ValueError(f"dh must have shape {h_prev.shape}, got {dh.shape}")
    dh = dh.astype(rz.dtype, copy=False)              # gradients in the dtype of the forward pass
    H = h_prev.shape[1]
    dxp, dhp, dh_prev = _cell_backward(dh, h_prev, rz, n, hn, W_h, H, reset_after)
    dW_h = _grad_W_h(dhp, h_prev, rz[:, :H], H, reset_after)
    return dxp @ W_x, dh_prev, dxp.T @ x, dW_h, dxp.sum(axis=0), dhp.sum(axis=0)


def _grad_W_h(dhp, h_prev, r, H, reset_after):
    """dL/dW_h from the hidden-side pre-activation gradients dhp (M, 3H) over M = T·N rows.

    Every block of W_h multiplies h_{t−1}, except the n block before the reset, which
    multiplies r ⊙ h_{t−1}.
    """
    if reset_after:
        return dhp.T @ h_prev
    return np.concatenate([dhp[:, :2 * H].T @ h_prev, dhp[:, 2 * H:].T @ (r * h_prev)], axis=0)


def forward(x, h0, W_x, W_h, b_x, b_h, reset_after: bool = True):
    """Run the GRU over x (T, N, D) from h0 (N, H). Returns hs (T, N, H), cache."""
    D, H = _check_params(W_x, W_h, b_x, b_h)
    T, N = check_sequence(x, {"h0": h0}, D, H)
    reset_after = flag("reset_after", reset_after)
    dtype = np.result_type(x, W_x)
    x_proj = x @ W_x.T + b_x                          # input projections of all steps at once
    hs = np.empty((T, N, H), dtype=dtype)
    rzs = np.empty((T, N, 2 * H), dtype=dtype)
    ns = np.empty((T, N, H), dtype=dtype)
    hns = np.empty((T, N, H), dtype=dtype)
    h = h0
    for t in range(T):
        h, rzs[t], ns[t], hns[t] = _cell(x_proj[t], h, W_h, b_h, H, reset_after)
        hs[t] = h
    return hs, Cache("gru.forward", (x, h0, W_x, W_h, hs, rzs, ns, hns, reset_after))


def backward(dhs, cache, dh_last=None):
    """BPTT through the GRU. Returns {"x", "h0", "W_x", "W_h", "b_x", "b_h"}."""
    x, h0, W_x, W_h, hs, rzs, ns, hns, reset_after = backward_inputs("gru.backward", cache, {"dhs": dhs},
                                                                     {"dh_last": dh_last})
    if dhs.shape != hs.shape:
        raise ValueError(f"dhs must have the shape of the hidden states {hs.shape}, got {dhs.shape}")
    T, N, H = hs.shape
    if dh_last is not None and dh_last.shape != (N, H):
        raise ValueError(f"dh_last must have shape (N, H) = ({N}, {H}), got {dh_last.shape}")
    dhs = dhs.astype(hs.dtype, copy=False)            # gradients in the dtype of the forward pass
    dxps = np.empty((T, N, 3 * H), dtype=hs.dtype)
    dhps = np.empty_like(dxps)
    dh_next = np.zeros((N, H), dtype=hs.dtype) if dh_last is None else dh_last.astype(hs.dtype)
    h_prev = np.concatenate([h0[None], hs[:-1]], axis=0)
    for t in range(T - 1, -1, -1):
        dxps[t], dhps[t], dh_next = _cell_backward(dhs[t] + dh_next, h_prev[t], rzs[t], ns[t], hns[t],
                                                   W_h, H, reset_after)
    flat_x = dxps.reshape(T * N, 3 * H)
    flat_h = dhps.reshape(T * N, 3 * H)
    dW_h = _grad_W_h(flat_h, h_prev.reshape(T * N, H), rzs[..., :H].reshape(T * N, H), H, reset_after)
    return {"x": dxps @ W_x, "h0": dh_next, "W_x": flat_x.T @ x.reshape(T * N, -1), "W_h": dW_h,
            "b_x": flat_x.sum(axis=0), "b_h": flat_h.sum(axis=0)}


def init_params(D: int, H: int, rng: np.random.Generator | None = None, dtype=np.float64) -> dict[str, np.ndarray]:
    """torch-like U(−1/√H, 1/√H) for every weight and both biases."""
    from ._validate import float_dtype, generator, positive_int

    D, H, dtype = positive_int("D", D), positive_int("H", H), float_dtype("dtype", dtype)
    rng = generator(rng)
    k = 1.0 / np.sqrt(H)
    shapes = {"W_x": (3 * H, D), "W_h": (3 * H, H), "b_x": (3 * H,), "b_h": (3 * H,)}
    return {name: rng.uniform(-k, k, shape).astype(dtype) for name, shape in shapes.items()}
