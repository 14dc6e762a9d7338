"""Real-time recurrent learning (Williams & Zipser 1989) for the SRN: gradients carried forward in time.

RTRL keeps the sensitivities P_t = ∂h_t/∂θ of the current hidden state to every parameter and
updates them with the state, so the gradient of the loss at step t is available at step t:

    P_t = diag(1 − h_t²) · (∂a_t/∂θ|direct + W_hh P_{t−1}),      ∂ℓ_t/∂θ = (∂ℓ_t/∂h_t) P_t.

With θ = (W_hx, W_hh, b_h) the sensitivities hold H·(H·D + H² + H) numbers per example, O(H³),
and the product W_hh P_{t−1} costs O(H⁴) per step: the price of not storing the past.
Tensors, per example n: P_Whh[n, i, j, k] = ∂h_i/∂W_hh[j, k], P_Whx[n, i, j, k] = ∂h_i/∂W_hx[j, k],
P_b[n, i, j] = ∂h_i/∂b_h[j], P_h0[n, i, j] = ∂h_i/∂h0[j].
"""
from __future__ import annotations

import numpy as np

from ._validate import float_dtype, float_numpy, positive_int
from .srn import check_sequence


def init_sensitivities(N: int, D: int, H: int, dtype=np.float64) -> dict[str, np.ndarray]:
    """P_0 = ∂h_0/∂θ: zero for the weights, the identity for h0 itself."""
    N, D, H = (positive_int(name, v) for name, v in (("N", N), ("D", D), ("H", H)))
    dtype = float_dtype("dtype", dtype)
    return {
        "W_hx": np.zeros((N, H, H, D), dtype=dtype),
        "W_hh": np.zeros((N, H, H, H), dtype=dtype),
        "b_h": np.zeros((N, H, H), dtype=dtype),
        "h0": np.broadcast_to(np.eye(H, dtype=dtype), (N, H, H)).copy(),
    }


def step(x_t, h_prev, sens, W_hx, W_hh, b_h):
    """One RTRL step: the SRN update and the sensitivity update. Returns (h_t, new sensitivities)."""
    h = np.tanh(x_t @ W_hx.T + h_prev @ W_hh.T + b_h)
    gain = (1.0 - h * h)                                  # tanh′(a_t), (N, H)
    new = {name: _left_multiply(W_hh, P) for name, P in sens.items()}  # W_hh P_{t−1}
    idx = np.arange(h.shape[1])
    new["W_hh"][:, idx, idx, :] += h_prev[:, None, :]  # ∂a_i/∂W_hh[i, k] = h_{t−1, k}
    new["W_hx"][:, idx, idx, :] += x_t[:, None, :]     # ∂a_i/∂W_hx[i, k] = x_{t, k}
    new["b_h"][:, idx, idx] += 1.0            # ∂a_i/∂b_h[i] = 1
    for P in new.values():
        P *= gain.reshape(gain.shape + (1,) * (P.ndim - 2))
    return h, new


def _left_multiply(W, P):
    """W @ P over the hidden axis 1 of P (N, H, …), as one batched BLAS product."""
    N, H = P.shape[:2]
    return (W @ P.reshape(N, H, -1)).reshape(P.shape)


def accumulate(dh, sens) -> dict[str, np.ndarray]:
    """∂ℓ_t/∂θ = Σ_n Σ_i dh[n, i] P_t[n, i, …]: the gradient contributed by the loss at this step."""
    return {name: np.einsum("ni,ni...->...", dh, P) for name, P in sens.items()}


def gradients(x, h0, W_hx, W_hh, b_h, dhs) -> dict[str, np.ndarray]:
    """Gradients of a whole sequence's loss by RTRL, for comparison with `srn.backward`.

    x (T, N, D), h0 (N, H), dhs (T, N, H) = ∂ℓ_t/∂h_t (the direct part, as for BPTT).
    Returns {"W_hx", "W_hh", "b_h", "h0"}; "h0" is per example (N, H) like BPTT's.
    """
    T, N, H = check_sequence(x, h0, W_hx, W_hh, b_h)
    D = x.shape[2]
    if float_numpy("dhs", dhs).shape != (T, N, H):
        raise ValueError(f"dhs must have shape (T, N, H) = ({T}, {N}, {H}), got {np.shape(dhs)}")
    sens = init_sensitivities(N, D, H, dtype=x.dtype)
    total = {"W_hx": np.zeros_like(W_hx), "W_hh": np.zeros_like(W_hh), "b_h": np.zeros_like(b_h),
             "h0": np.zeros_like(h0)}
    h = h0
    for t in range(T):
        h, sens = step(x[t], h, sens, W_hx, W_hh, b_h)
        g = accumulate(dhs[t], {k: v for k, v in sens.items() if k != "h0"})
        for name in ("W_hx", "W_hh", "b_h"):
            total[name] += g[name]
        total["h0"] += np.einsum("ni,nij->nj", dhs[t], sens["h0"])  # per example, not summed over n
    return total


def sensitivity_floats(D: int, H: int) -> int:
    """Numbers RTRL stores per example for (W_hx, W_hh, b_h): H · (H·D + H² + H), i.e. O(H³)."""
    D, H = positive_int("D", D), positive_int("H", H)
    return H * (H * D + H * H + H)
