"""Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000) in numpy.

Packed like torch (gate order i, f, g, o), so weights copy from nn.LSTM without reshuffling:

    z_t = W_x x_t + W_h h_{t−1} + b                       W_x (4H, D), W_h (4H, H), b (4H,)
    i_t = σ(z_t[0:H])   f_t = σ(z_t[H:2H])   g_t = tanh(z_t[2H:3H])   o_t = σ(z_t[3H:4H])
    c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t,      h_t = o_t ⊙ tanh(c_t)

b is torch's b_ih + b_hh. Arrays are time-major: x (T, N, D), h and c (T, N, H).
"""
from __future__ import annotations

import numpy as np

from ._validate import float_numpy as _check_float
from ._validate import recurrent_input as check_sequence

PARAM_NAMES = ("W_x", "W_h", "b")


def sigmoid(x):
    """σ(x) = 1 / (1 + e^{−x}) = ½(1 + tanh(x/2)): one transcendental, and no overflow for large |x|."""
    half = np.multiply(x, 0.5)
    if not isinstance(half, np.ndarray) or half.ndim == 0:  # scalars: no buffer to reuse
        return 0.5 * np.tanh(half) + 0.5
    return _sigmoid_inplace(half)


def _sigmoid_inplace(half_x):
    """σ(2u) from u = x/2, overwriting the array passed in."""
    np.tanh(half_x, out=half_x)
    half_x *= 0.5
    half_x += 0.5
    return half_x


def check_packed_params(W_x, W_h, b, gates: int, names=PARAM_NAMES) -> tuple[int, int]:
    """Validate packed gate weights (gates·H, D), (gates·H, H), biases (gates·H,); return D, H."""
    for name, value in zip(names, (W_x, W_h, b)):
        _check_float(name, value)
    if W_h.ndim != 2 or W_h.shape[0] != gates * W_h.shape[1]:
        raise ValueError(f"{names[1]} must have shape ({gates}·H, H), got {W_h.shape}")
    H = W_h.shape[1]
    if W_x.ndim != 2 or W_x.shape[0] != gates * H:
        raise ValueError(f"{names[0]} must have shape ({gates}·H, D) = ({gates * H}, D), got {W_x.shape}")
    if b.shape != (gates * H,):
        raise ValueError(f"{names[2]} must have shape ({gates}·H,) = ({gates * H},), got {b.shape}")
    return W_x.shape[1], H


def _gates(z, H):
    """Activate the pre-activations z (..., 4H) in place: σ on i, f, o and tanh on g."""
    z[..., :2 * H] *= 0.5
    _sigmoid_inplace(z[..., :2 * H])
    np.tanh(z[..., 2 * H:3 * H], out=z[..., 2 * H:3 * H])
    z[..., 3 * H:] *= 0.5
    _sigmoid_inplace(z[..., 3 * H:])
    return z


def step_forward(x, h_prev, c_prev, W_x, W_h, b):
    """One LSTM step: x (N, D), h_prev and c_prev (N, H) → h, c (N, H), cache."""
    D, H = check_packed_params(W_x, W_h, b, 4)
    _check_float("x", x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (N, D) = (N, {D}) for one step, got {x.shape}")
    check_sequence(x[None], {"h_prev": h_prev, "c_prev": c_prev}, D, H)
    act = _gates(x @ W_x.T + h_prev @ W_h.T + b, H)
    i, f, g, o = (act[:, k * H:(k + 1) * H] for k in range(4))
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (x, h_prev, c_prev, W_x, W_h, act, tanh_c)


def step_backward(dh, dc, cache):
    """Gradients of one step from dL/dh_t and dL/dc_t (the part arriving from later steps).

    Returns dx, dh_prev, dc_prev, dW_x, dW_h, db.
    """
    x, h_prev, c_prev, W_x, W_h, act, tanh_c = cache
    if dh.shape != h_prev.shape or dc.shape != h_prev.shape:
        raise ValueError(f"dh and dc must have shape {h_prev.shape}, got {dh.shape} and {dc.shape}")
    dz, dc_prev = _step_dz(dh, dc, act, tanh_c, c_prev)
    return dz @ W_x, dz @ W_h, dc_prev, dz.T @ x, dz.T @ h_prev, dz.sum(axis=0)


def _step_dz(dh, dc, act, tanh_c, c_prev):
    """dL/dz_t (N, 4H) and dL/dc_{t−1} from dL/dh_t and the cell gradient arriving from t+1."""
    H = dh.shape[1]
    i, f, g, o = (act[:, k * H:(k + 1) * H] for k in range(4))
    dc_total = dc + dh * o * (1.0 - tanh_c * tanh_c)     # through h_t = o ⊙ tanh(c_t), plus from c_{t+1}
    dz = np.empty_like(act)
    dz[:, :H] = dc_total * g * i * (1.0 - i)              # input gate
    dz[:, H:2 * H] = dc_total * c_prev * f * (1.0 - f)    # forget gate
    dz[:, 2 * H:3 * H] = dc_total * i * (1.0 - g * g)     # candidate
    dz[:, 3 * H:] = dh * tanh_c * o * (1.0 - o)           # output gate
    return dz, dc_total * f                               # the cell path: only ⊙ f, no matrix


def forward(x, h0, c0, W_x, W_h, b):
    """Run the LSTM over x (T, N, D) from (h0, c0) (N, H). Returns hs (T, N, H), (h_T, c_T), cache."""
    D, H = check_packed_params(W_x, W_h, b, 4)
    T, N = check_sequence(x, {"h0": h0, "c0": c0}, D, H)
    dtype = np.result_type(x, W_x)
    x_proj = x @ W_x.T                                    # input projections of all steps at once
    x_proj += b
    acts = x_proj                                         # activated in place, step by step
    cs = np.empty((T, N, H), dtype=dtype)
    tanh_cs = np.empty((T, N, H), dtype=dtype)
    hs = np.empty((T, N, H), dtype=dtype)
    h, c = h0, c0
    W_hT = W_h.T
    for t in range(T):
        act = acts[t]
        act += h @ W_hT
        _gates(act, H)
        c = cs[t]
        np.multiply(act[:, H:2 * H], cs[t - 1] if t else c0, out=c)
        c += act[:, :H] * act[:, 2 * H:3 * H]
        np.tanh(c, out=tanh_cs[t])
        h = hs[t]
        np.multiply(act[:, 3 * H:], tanh_cs[t], out=h)
    return hs, (h, c), (x, h0, c0, W_x, W_h, acts, cs, tanh_cs, hs)


def backward(dhs, cache, dh_last=None, dc_last=None):
    """BPTT through the LSTM. dhs (T, N, H) = ∂L/∂h_t from each step's loss; dh_last, dc_last
    optionally add gradients on h_T and c_T from beyond the sequence.

    Returns {"x", "h0", "c0", "W_x", "W_h", "b"}.
    """
    x, h0, c0, W_x, W_h, acts, cs, tanh_cs, hs = cache
    if dhs.shape != hs.shape:
        raise ValueError(f"dhs must have the shape of the hidden states {hs.shape}, got {dhs.shape}")
    T, N, H = hs.shape
    for name, d in (("dh_last", dh_last), ("dc_last", dc_last)):
        if d is not None and d.shape != (N, H):
            raise ValueError(f"{name} must have shape (N, H) = ({N}, {H}), got {d.shape}")
    # Everything that does not depend on the recursion, for all steps at once:
    # dz = [dc·g·i(1−i), dc·c_{t−1}·f(1−f), dc·i(1−g²), dh·tanh(c)·o(1−o)], dc = dc_next + dh·o(1−tanh²c).
    i, f, g, o = (acts[..., k * H:(k + 1) * H] for k in range(4))
    c_prev = np.concatenate([c0[None], cs[:-1]], axis=0)
    via_h = o * (1.0 - tanh_cs * tanh_cs)
    factors = np.concatenate([g * i * (1.0 - i), c_prev * f * (1.0 - f), i * (1.0 - g * g),
                              tanh_cs * o * (1.0 - o)], axis=-1).reshape(T, N, 4, H)
    dzs = np.empty_like(acts)
    dz4 = dzs.reshape(T, N, 4, H)
    dh_next = np.zeros((N, H), dtype=hs.dtype) if dh_last is None else dh_last.copy()
    dc_next = np.zeros((N, H), dtype=hs.dtype) if dc_last is None else dc_last.copy()
    for t in range(T - 1, -1, -1):
        dh = dhs[t] + dh_next
        dc = dc_next + dh * via_h[t]
        np.multiply(factors[t, :, :3], dc[:, None, :], out=dz4[t, :, :3])
        np.multiply(factors[t, :, 3], dh, out=dz4[t, :, 3])
        dc_next = dc * f[t]                               # the cell path: only ⊙ f, no matrix
        dh_next = dzs[t] @ W_h
    h_prev = np.concatenate([h0[None], hs[:-1]], axis=0)
    flat = dzs.reshape(T * N, 4 * H)
    return {"x": dzs @ W_x, "h0": dh_next, "c0": dc_next,
            "W_x": flat.T @ x.reshape(T * N, -1), "W_h": flat.T @ h_prev.reshape(T * N, H),
            "b": flat.sum(axis=0)}


def init_params(D: int, H: int, rng: np.random.Generator | None = None, forget_bias: float = 0.0,
                dtype=np.float64) -> dict[str, np.ndarray]:
    """torch-like U(−1/√H, 1/√H) weights; `forget_bias` is added to the forget slice b[H:2H]."""
    from ._validate import finite_float, positive_int

    D, H = positive_int("D", D), positive_int("H", H)
    forget_bias = finite_float("forget_bias", forget_bias)
    rng = np.random.default_rng(0) if rng is None else rng
    k = 1.0 / np.sqrt(H)
    p = {"W_x": rng.uniform(-k, k, (4 * H, D)), "W_h": rng.uniform(-k, k, (4 * H, H)),
         "b": rng.uniform(-k, k, 4 * H)}
    p["b"][H:2 * H] += forget_bias
    return {name: v.astype(dtype) for name, v in p.items()}
