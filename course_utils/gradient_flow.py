"""How far a gradient travels: its norm against the distance it crossed, for the SRN, GRU and LSTM.

One experiment serves lectures 07 and 08. Take a loss on the last state only, L = Σ_n u_nᵀ h_T
(u (N, H), one row per sequence), and send dL/dh_T = u back step by step with the cells' own
backward steps; exact, no training. At distance d = T − k we record, averaged over the batch:

    SRN    ‖∂L/∂h_k‖                                  h̄_{t−1} = (h̄_t ⊙ (1 − h_t²)) W_hh
    GRU    ‖dL/dh_k‖, and the direct path ‖u ⊙ Π z‖    h̄_{t−1} = h̄_t ⊙ z_t + (paths through matrices)
    LSTM   ‖dL/dc_k‖, and the cell path ‖c̄_T ⊙ Π f‖    c̄_{t−1} = c̄_t ⊙ f_t + (paths through h_{t−1})

The gated cells' "direct" curve is the path with no weight matrix on it (lecture 07, 7.1; lecture
08, 4.1). `gate_bias_sweep` repeats the experiment with the keeping gate's bias raised (the GRU's
update gate z, the LSTM's forget gate f) next to the SRN made of the cell's candidate weights, the
cell without its gates; `plot_sweep` draws it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import _validate, gru, lstm, srn

CELLS = ("gru", "lstm")
KEEP_GATE = {"gru": "z", "lstm": "f"}          # the gate that multiplies the direct path


@dataclass(frozen=True)
class GradientFlow:
    """Gradient norms at distance d = 0, 1, …, T (index d), each the mean over the batch.

    total: all paths. direct: the path with no weight matrix (Π z for the GRU, Π f for the LSTM),
    None for the SRN. mean_gate: the mean of that gate over steps, batch and units (None for the SRN).
    """
    total: np.ndarray
    direct: np.ndarray | None = None
    mean_gate: float | None = None


@dataclass(frozen=True)
class GateBiasSweep:
    """`gate_bias_sweep`'s result: the SRN of the cell's candidate weights and one flow per bias shift."""
    cell: str
    srn: GradientFlow
    srn_radius: float                           # spectral radius of that SRN's W_hh
    flows: dict = field(default_factory=dict)   # shift → GradientFlow of the cell


def _row_norm_mean(g: np.ndarray) -> float:
    """Mean over the batch of each sequence's gradient norm."""
    return float(np.linalg.norm(g, axis=1).mean())


def _check_x_u(x, u) -> tuple[np.ndarray, np.ndarray]:
    x = _validate.float_array("x", x, ndim=3)
    u = _validate.float_array("u", u, ndim=2)
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x must have at least one step and one sequence, got shape {x.shape}")
    if u.shape[0] != x.shape[1]:
        raise ValueError(f"u must have one row per sequence of x: shape (N, H) with N = {x.shape[1]}, got {u.shape}")
    return x, u


def _zeros_like_state(x, u, state, name: str) -> np.ndarray:
    if state is None:
        return np.zeros(u.shape)
    state = _validate.float_array(name, state, ndim=2)
    if state.shape != u.shape:
        raise ValueError(f"{name} must have the shape of u, (N, H) = {u.shape}, got {state.shape}")
    return state


def srn_flow(x, W_hx, W_hh, b_h, u, h0=None) -> GradientFlow:
    """‖∂L/∂h_k‖ of the SRN h_t = tanh(W_hx x_t + W_hh h_{t−1} + b_h) for L = Σ_n u_nᵀ h_T, d = 0 … T."""
    x, u = _check_x_u(x, u)
    h0 = _zeros_like_state(x, u, h0, "h0")
    hs, _ = srn.forward(x, h0, W_hx, W_hh, b_h)             # validates the weights against x and u
    dh, norms = u, [_row_norm_mean(u)]
    for t in reversed(range(x.shape[0])):
        dh = (dh * (1 - hs[t] ** 2)) @ W_hh                  # lecture 06's recursion: no path around W_hh
        norms.append(_row_norm_mean(dh))
    return GradientFlow(np.array(norms))


def gru_flow(x, params: dict, u, h0=None) -> GradientFlow:
    """‖dL/dh_k‖ of a GRU (course_utils.gru, reset-after) and of its direct path ‖u ⊙ Π_τ z_τ‖, d = 0 … T."""
    x, u = _check_x_u(x, u)
    h0 = _zeros_like_state(x, u, h0, "h0")
    params = _check_params("gru", params)
    hs, _ = gru.forward(x, h0, **params)
    h_prev = np.concatenate([h0[None], hs[:-1]])
    H = u.shape[1]
    dh, direct = u, u
    totals, directs, gates = [_row_norm_mean(u)], [_row_norm_mean(u)], []
    for t in reversed(range(x.shape[0])):
        _, cache = gru.step_forward(x[t], h_prev[t], **params)
        dh = gru.step_backward(dh, cache)[1]                 # all four paths to h_{t−1}
        z = cache[4][:, H:]                                  # the cache holds [r, z]
        direct = direct * z                                  # the diag(z) path only
        totals.append(_row_norm_mean(dh))
        directs.append(_row_norm_mean(direct))
        gates.append(z)
    return GradientFlow(np.array(totals), np.array(directs), float(np.mean(gates)))


def lstm_flow(x, params: dict, u, h0=None, c0=None) -> GradientFlow:
    """‖dL/dc_k‖ (the total gradient of the cell state) of an LSTM (course_utils.lstm) and of its
    cell path ‖c̄_T ⊙ Π_τ f_τ‖, d = 0 … T; c̄_T = ∂L/∂c_T, the gradient h_T hands to c_T."""
    x, u = _check_x_u(x, u)
    h, c = _zeros_like_state(x, u, h0, "h0"), _zeros_like_state(x, u, c0, "c0")
    params = _check_params("lstm", params)
    H = u.shape[1]
    caches = []
    for x_t in x:
        h, c, cache = lstm.step_forward(x_t, h, c, **params)
        caches.append(cache)
    dh, dc_next = u, np.zeros_like(u)
    totals, directs, gates = [], [], []
    direct = None
    for cache in reversed(caches):
        act, tanh_c = cache[5], cache[6]                     # act = [i, f, g, o] of the step
        f, o = act[:, H:2 * H], act[:, 3 * H:]
        dc = dc_next + dh * o * (1 - tanh_c ** 2)            # c̄_t: from c_{t+1} and through h_t
        direct = dc if direct is None else direct            # c̄_T starts the cell path
        totals.append(_row_norm_mean(dc))
        directs.append(_row_norm_mean(direct))
        _, dh, dc_next, *_ = lstm.step_backward(dh, dc_next, cache)
        direct = direct * f                                  # one more step on the cell path
        gates.append(f)
    totals.append(_row_norm_mean(dc_next))                   # c̄_0: only the cell path reaches c_0
    directs.append(_row_norm_mean(direct))
    return GradientFlow(np.array(totals), np.array(directs), float(np.mean(gates)))


def _check_params(cell: str, params) -> dict:
    names = gru.PARAM_NAMES if cell == "gru" else lstm.PARAM_NAMES
    if not isinstance(params, dict) or set(params) != set(names):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"{cell} params must be a dict with exactly the keys {list(names)}, got {got}")
    return params


def shift_gate_bias(cell: str, params: dict, shift: float) -> dict:
    """A copy of the cell's params with `shift` added to the bias of its keeping gate:
    the GRU's update gate (z block of b_x) or the LSTM's forget gate (slice [H:2H] of b)."""
    cell = _validate.choice("cell", cell, CELLS)
    params = _check_params(cell, params)
    shift = _validate.finite_float("shift", shift)
    q = {k: np.array(v, copy=True) for k, v in params.items()}
    bias = "b_x" if cell == "gru" else "b"
    H = q["W_h"].shape[1]
    q[bias][H:2 * H] += shift                                # block 1 in both packings: (r, z, n), (i, f, g, o)
    return q


def candidate_srn(cell: str, params: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(W_hx, W_hh, b_h) of the SRN made of the cell's candidate block: the cell without its gates.

    GRU: W_xn, W_hn, b_xn + b_hn (lecture 07, section 5). LSTM: W_xg, W_hg, b_g.
    """
    cell = _validate.choice("cell", cell, CELLS)
    params = _check_params(cell, params)
    H = params["W_h"].shape[1]
    rows = slice(2 * H, 3 * H)                               # n in (r, z, n), g in (i, f, g, o)
    b = params["b_x"][rows] + params["b_h"][rows] if cell == "gru" else params["b"][rows]
    return params["W_x"][rows], params["W_h"][rows], b


def gate_bias_sweep(cell: str, x, params: dict, u, shifts: Sequence[float] = (0, 1, 2)) -> GateBiasSweep:
    """The experiment of lectures 07 and 08: gradient against distance for the cell with its keeping
    gate's bias raised by each shift, and for the SRN of its candidate weights (same x, same u)."""
    cell = _validate.choice("cell", cell, CELLS)
    if isinstance(shifts, (str, bytes)) or not isinstance(shifts, Sequence) or len(shifts) == 0:
        raise ValueError(f"shifts must be a non-empty sequence of numbers, got {shifts!r}")
    W_hx, W_hh, b_h = candidate_srn(cell, params)
    flow = gru_flow if cell == "gru" else lstm_flow
    flows = {s: flow(x, shift_gate_bias(cell, params, s), u) for s in shifts}
    return GateBiasSweep(cell, srn_flow(x, W_hx, W_hh, b_h, u), float(np.abs(np.linalg.eigvals(W_hh)).max()),
                         flows)


def plot_sweep(ax, sweep: GateBiasSweep, *, dashed: Sequence[float] | None = None, ylim=None):
    """Draw a sweep on a log axis: the SRN in red, the cell at each shift in C0, C1, …, and the
    direct path of the shifts in `dashed` (default: all) as thin dashed lines of the same colour.
    `ylim` defaults to 1e-30 up to 3, or higher when a curve grows above 1 (large gate biases)."""
    if not isinstance(sweep, GateBiasSweep):
        raise TypeError(f"sweep must be a GateBiasSweep (from gate_bias_sweep), got {type(sweep).__name__}")
    dashed = list(sweep.flows) if dashed is None else list(dashed)
    unknown = [s for s in dashed if s not in sweep.flows]
    if unknown:
        raise ValueError(f"dashed must name shifts of the sweep {list(sweep.flows)}, got {unknown}")
    gate = KEEP_GATE[sweep.cell]
    state = "h" if sweep.cell == "gru" else "c"
    bias = "update bias" if sweep.cell == "gru" else "forget bias"
    d = np.arange(len(sweep.srn.total))
    ax.semilogy(d, sweep.srn.total, color="C3", label=r"SRN $\|\partial L/\partial h_k\|$")
    for k, (shift, flow) in enumerate(sweep.flows.items()):
        color = f"C{k}" if k < 3 else f"C{k + 1}"                # C3 is the SRN's
        ax.semilogy(d, flow.total, color=color, label=f"{sweep.cell.upper()}, {bias} {shift:+g}")
        if shift in dashed:
            ax.semilogy(d, flow.direct, color=color, ls="--", lw=1)
    if dashed:
        path = "direct path" if sweep.cell == "gru" else "cell path"
        ax.plot([], [], "k--", lw=1, label=rf"{path} $\prod {gate}$ alone")
    if ylim is None:
        largest = max(float(np.max(f.total)) for f in [sweep.srn, *sweep.flows.values()])
        ylim = (1e-30, max(3.0, 3.0 * largest))
    ax.set(xlabel="distance T − k (steps)", ylabel=rf"$\|\mathrm{{d}}L/\mathrm{{d}}{state}_k\|$", ylim=ylim,
           yscale="log")
    ax.legend(fontsize=10, loc="lower left")
    return ax
