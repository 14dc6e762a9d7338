"""Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000) in numpy.

Packed like torch (gate order i, f, g, o), so weights copy from nn.LSTM without reshuffling:

    z_t = W_x x_t + W_h h_{t−1} + b                       W_x (4H, D), W_h (4H, H), b (4H,)
    i_t = σ(z_t[0:H])   f_t = σ(z_t[H:2H])   g_t = tanh(z_t[2H:3H])   o_t = σ(z_t[3H:4H])
    c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t,      h_t = o_t ⊙ tanh(c_t)

b is torch's b_ih + b_hh. Arrays are time-major: x (T, N, D), h and c (T, N, H).
"""
from __future__ import annotations

import numpy as np

from ._validate import Cache, backward_inputs
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
    return h, c, Cache("lstm.step_forward", (x, h_prev, c_prev, W_x, W_h, act, tanh_c))


def step_backward(dh, dc, cache):
    """Gradients of one step from dL/dh_t and dL/dc_t (the part arriving from later steps).

    Returns dx, dh_prev, dc_prev, dW_x, dW_h, db.
    """
    x, h_prev, c_prev, W_x, W_h, act, tanh_c = backward_inputs("lstm.step_backward", cache, {"dh": dh, "dc": dc})
    if dh.shape != h_prev.shape or dc.shape != h_prev.shape:
        raise ValueError(f"dh and dc must have shape {h_prev.shape}, got {dh.shape} and {dc.shape}")
    dh, dc = dh.astype(act.dtype, copy=False), dc.astype(act.dtype, copy=False)  # in the forward's dtype
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
    """Run the LSTM over x (T, N, D) from (h0, c0) (N, H). Returns hs (T, N, H), (h_T, c_T), cache.

    The same equations as `step_forward`, arranged for speed (lecture 08 derives the readable loop):
    - Inside, each step works on transposed blocks z_tᵀ (4H, N), as cuDNN does: then every gate is a
      contiguous block of rows, and W_h h_{t−1}ᵀ is one fast matrix product.
    - The sigmoid rows of W_x, W_h and b are pre-scaled by ½, so one tanh over the whole block gives
      tanh(z/2) for i, f, o and tanh(z) for g; σ(z) = ½ tanh(z/2) + ½ is then a multiply-add.
      Scaling by ½ is exact in floating point; results equal `step_forward`'s up to the rounding
      of sums taken in another order.
    """
    D, H = check_packed_params(W_x, W_h, b, 4)
    T, N = check_sequence(x, {"h0": h0, "c0": c0}, D, H)
    dtype = np.result_type(x, W_x)
    scale = np.full((4 * H, 1), 0.5, dtype=dtype)
    scale[2 * H:3 * H] = 1.0                              # g keeps its plain tanh
    shift = 0.5 * (scale != 1.0).astype(dtype)            # σ = ½ tanh(z/2) + ½ on i, f, o only
    W_h_scaled = W_h * scale
    acts = np.matmul(W_x * scale, x.transpose(0, 2, 1))  # (T, 4H, N): input projections of all steps
    acts += b[:, None] * scale                            # activated in place, step by step
    cs, tanh_cs, hs_T = (np.empty((T, H, N), dtype=dtype) for _ in range(3))
    recurrent = np.empty((4 * H, N), dtype=dtype)
    input_part = np.empty((H, N), dtype=dtype)
    h, c = np.ascontiguousarray(h0.T), np.ascontiguousarray(c0.T)
    for t in range(T):
        act = acts[t]
        np.matmul(W_h_scaled, h, out=recurrent)
        act += recurrent
        np.tanh(act, out=act)
        act *= scale
        act += shift                                      # act = [i; f; g; o]
        c_prev, c = c, cs[t]
        np.multiply(act[H:2 * H], c_prev, out=c)          # f ⊙ c_{t−1}
        np.multiply(act[:H], act[2 * H:3 * H], out=input_part)
        c += input_part                                   # + i ⊙ g
        np.tanh(c, out=tanh_cs[t])
        h = hs_T[t]
        np.multiply(act[3 * H:], tanh_cs[t], out=h)       # h = o ⊙ tanh(c)
    hs = np.ascontiguousarray(hs_T.transpose(0, 2, 1))
    return hs, (hs[-1], np.ascontiguousarray(c.T)), Cache("lstm.forward", (x, h0, c0, W_x, W_h, acts, cs, tanh_cs, hs))


def backward(dhs, cache, dh_last=None, dc_last=None):
    """BPTT through the LSTM. dhs (T, N, H) = ∂L/∂h_t from each step's loss; dh_last, dc_last
    optionally add gradients on h_T and c_T from beyond the sequence.

    Returns {"x", "h0", "c0", "W_x", "W_h", "b"}. Works on `forward`'s transposed (4H, N) blocks.
    """
    x, h0, c0, W_x, W_h, acts, cs, tanh_cs, hs = backward_inputs("lstm.backward", cache, {"dhs": dhs},
                                                                  {"dh_last": dh_last, "dc_last": dc_last})
    if dhs.shape != hs.shape:
        raise ValueError(f"dhs must have the shape of the hidden states {hs.shape}, got {dhs.shape}")
    T, N, H = hs.shape
    for name, d in (("dh_last", dh_last), ("dc_last", dc_last)):
        if d is not None and d.shape != (N, H):
            raise ValueError(f"{name} must have shape (N, H) = ({N}, {H}), got {d.shape}")
    # dz = [dc·g·i(1−i); dc·c_{t−1}·f(1−f); dc·i(1−g²); dh·tanh(c)·o(1−o)], dc = dc_next + dh·o(1−tanh²c).
    # The factors beside dc and dh do not depend on the recursion: compute them for all steps at
    # once, in the dz array itself, so that the loop only multiplies by dc or dh.
    i, f, g, o = (acts[:, k * H:(k + 1) * H] for k in range(4))
    dzs = np.empty(acts.shape, dtype=acts.dtype)          # C order, so the reshape below is a view
    di, df, dg, do = (dzs[:, k * H:(k + 1) * H] for k in range(4))
    np.subtract(1.0, i, out=di); di *= i; di *= g
    np.subtract(1.0, f, out=df); df *= f; df[0] *= c0.T; df[1:] *= cs[:-1]
    np.multiply(g, g, out=dg); np.subtract(1.0, dg, out=dg); dg *= i
    np.subtract(1.0, o, out=do); do *= o; do *= tanh_cs
    via_h = np.multiply(tanh_cs, tanh_cs)
    np.subtract(1.0, via_h, out=via_h); via_h *= o
    dz_ifg = dzs[:, :3 * H].reshape(T, 3, H, N)
    dh_next = np.zeros((H, N), dtype=hs.dtype) if dh_last is None else dh_last.T.copy()
    dc_next = np.zeros((H, N), dtype=hs.dtype) if dc_last is None else dc_last.T.copy()
    dh, dc = np.empty((H, N), dtype=hs.dtype), np.empty((H, N), dtype=hs.dtype)
    for t in range(T - 1, -1, -1):
        np.add(dhs[t].T, dh_next, out=dh)
        np.multiply(dh, via_h[t], out=dc)
        dc += dc_next
        dz_ifg[t] *= dc
        do[t] *= dh
        dc_next = dc * f[t]                               # the cell path: only ⊙ f, no matrix
        dh_next = W_h.T @ dzs[t]
    # Sums over steps and batch as single products: dz as (4H, T·N), inputs as (T·N, ·).
    flat = np.ascontiguousarray(dzs.transpose(1, 0, 2)).reshape(4 * H, T * N)
    h_prev = np.concatenate([h0[None], hs[:-1]], axis=0).reshape(T * N, H)
    return {"x": (flat.T @ W_x).reshape(x.shape), "h0": np.ascontiguousarray(dh_next.T),
            "c0": np.ascontiguousarray(dc_next.T), "W_x": flat @ x.reshape(T * N, -1),
            "W_h": flat @ h_prev, "b": flat.sum(axis=1)}


def init_params(D: int, H: int, rng: np.random.Generator | None = None, forget_bias: float = 0.0,
                dtype=np.float64) -> dict[str, np.ndarray]:
    """torch-like U(−1/√H, 1/√H) weights; `forget_bias` is added to the forget slice b[H:2H]."""
    from ._validate import finite_float, float_dtype, generator, positive_int

    D, H, dtype = positive_int("D", D), positive_int("H", H), float_dtype("dtype", dtype)
    forget_bias = finite_float("forget_bias", forget_bias)
    rng = generator(rng)
    k = 1.0 / np.sqrt(H)
    p = {"W_x": rng.uniform(-k, k, (4 * H, D)), "W_h": rng.uniform(-k, k, (4 * H, H)),
         "b": rng.uniform(-k, k, 4 * H)}
    p["b"][H:2 * H] += forget_bias
    return {name: v.astype(dtype) for name, v in p.items()}
