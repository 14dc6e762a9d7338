"""Stacked and bidirectional recurrent networks in numpy, laid out exactly like torch.

A stack of L layers, each with one or two directions (num_directions = 1 or 2):

    layer 0 reads x;  layer l > 0 reads [h→^{(l−1)}_t ; h←^{(l−1)}_t]  (the directions concatenated)
    the backward direction runs over the reversed sequence and its outputs are put back in time order

Torch's layout, which this module follows: `output` (T, N, num_directions·H) is the last layer's
states, forward half first; `h_n` and `c_n` (L·num_directions, N, H) hold the final state of each
(layer, direction) at index layer·num_directions + direction, where the reverse direction's final
state is its state after reading x_1. Parameters are a list with one dict per (layer, direction)
in that same order, with the names of the cell's module (srn, gru or lstm).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import gru, lstm, srn
from ._validate import Cache, backward_inputs, flag, float_numpy, kind_of, positive_int

KINDS = ("srn", "gru", "lstm")
PARAM_NAMES = {"srn": srn.PARAM_NAMES, "gru": gru.PARAM_NAMES, "lstm": lstm.PARAM_NAMES}


def _where(k: int, dirs: int, name: str | None = None) -> str:
    """params[k] (or its entry `name`) in words: the layer (counted from 1, as the lectures do) and direction."""
    direction = "" if dirs == 1 else (", backward direction" if k % dirs else ", forward direction")
    return f"params[{k}]" + ("" if name is None else f"['{name}']") + f" (layer {k // dirs + 1}{direction})"


def _run(kind, x, h0, c0, p, where):
    """One direction of one layer: returns hs, h_T, c_T (None unless LSTM), cache."""
    try:
        if kind == "lstm":
            hs, (h_T, c_T), cache = lstm.forward(x, h0, c0, **p)
            return hs, h_T, c_T, cache
        hs, cache = (gru.forward(x, h0, **p) if kind == "gru" else srn.forward(x, h0, **p))
    except ValueError as exc:                     # the cell's message, told which layer it is about
        raise ValueError(f"deep.forward: in {where}: {exc}") from None
    return hs, hs[-1], None, cache


def _run_backward(kind, dhs, cache, dh_last, dc_last):
    if kind == "lstm":
        return lstm.backward(dhs, cache, dh_last=dh_last, dc_last=dc_last)
    return (gru.backward if kind == "gru" else srn.backward)(dhs, cache, dh_last=dh_last)


def _check(kind, params, num_layers, bidirectional) -> tuple[int, int]:
    """Validate the stack's description and the keys of each layer's parameters; return num_layers, dirs."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    num_layers = positive_int("num_layers", num_layers)
    dirs = 2 if flag("bidirectional", bidirectional) else 1
    if not isinstance(params, (list, tuple)) or len(params) != num_layers * dirs:
        raise ValueError(f"params must be a list of num_layers·num_directions = {num_layers * dirs} dicts "
                         f"(one per layer and direction, torch's order), got "
                         f"{len(params) if isinstance(params, (list, tuple)) else kind_of(params)}")
    names = PARAM_NAMES[kind]
    for k, p in enumerate(params):
        if not isinstance(p, Mapping):
            raise ValueError(f"deep.forward: {_where(k, dirs)} must be a dict of the {kind} parameters "
                             f"{', '.join(names)}, got {kind_of(p)}")
        if set(p) != set(names):
            other = [o for o in KINDS if set(PARAM_NAMES[o]) == set(p)]
            hint = f", which are the parameters of kind={other[0]!r}" if other else ""
            raise ValueError(f"deep.forward: kind={kind!r} needs {_where(k, dirs)} with the keys {', '.join(names)}, "
                             f"got {', '.join(map(str, p))}{hint}")
    return num_layers, dirs


def _check_sizes(kind, params, dirs, x) -> int:
    """Every layer must read what the layer below gives, and all share one H (torch's layout); return H."""
    W_in, W_rec = ("W_hx", "W_hh") if kind == "srn" else ("W_x", "W_h")
    for k, p in enumerate(params):
        for name in (W_in, W_rec):
            float_numpy(f"params[{k}]['{name}']", p[name])
            if p[name].ndim != 2:
                raise ValueError(f"deep.forward: {_where(k, dirs, name)} must be a matrix, got shape {p[name].shape}")
    H = params[0][W_rec].shape[1]
    for k, p in enumerate(params):
        if p[W_rec].shape[1] != H:
            raise ValueError(f"deep.forward: every layer and direction must have the same H; params[0]['{W_rec}'] "
                             f"of shape {params[0][W_rec].shape} gives H = {H}, but {_where(k, dirs, W_rec)} "
                             f"has shape {p[W_rec].shape}")
        layer, width = k // dirs, p[W_in].shape[1]
        if layer == 0 and width != x.shape[2]:
            raise ValueError(f"deep.forward: x must have shape (T, N, D) = (T, N, {width}) to match "
                             f"{_where(k, dirs, W_in)} of shape {p[W_in].shape}, got {x.shape}")
        if layer > 0 and width != dirs * H:
            size = "num_directions·H = 2·H" if dirs == 2 else "H"
            raise ValueError(f"deep.forward: layer {layer + 1} reads the output of layer {layer}, of size {size} = "
                             f"{dirs * H}, so {_where(k, dirs, W_in)} must have {dirs * H} columns, "
                             f"got shape {p[W_in].shape}")
    return H


def forward(x, params, kind: str = "lstm", num_layers: int = 1, bidirectional: bool = False, h0=None, c0=None):
    """Run a stacked (bi)directional network over x (T, N, D).

    h0, c0: (L·num_directions, N, H) or None for zeros (c0 only for LSTM).
    Returns output (T, N, num_directions·H), h_n, c_n (None unless LSTM), cache. All three have one
    dtype: that of x and the weights together (np.result_type), as each layer computes in.
    """
    num_layers, dirs = _check(kind, params, num_layers, bidirectional)
    if not isinstance(x, np.ndarray) or x.ndim != 3:
        raise ValueError(f"x must be a numpy array of shape (T, N, D), time-major, got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    float_numpy("x", x)
    H = _check_sizes(kind, params, dirs, x)
    T, N, _ = x.shape
    shape = (num_layers * dirs, N, H)
    dtype = np.result_type(x, *(p["W_hx" if kind == "srn" else "W_x"] for p in params))
    h0 = np.zeros(shape, dtype=dtype) if h0 is None else float_numpy("h0", h0)
    if kind == "lstm":
        c0 = np.zeros(shape, dtype=dtype) if c0 is None else float_numpy("c0", c0)
    elif c0 is not None:
        raise ValueError(f"c0 is only for an LSTM; a {kind} has no cell state")
    for name, s in (("h0", h0), ("c0", c0)):
        if s is not None and s.shape != shape:
            raise ValueError(f"{name} must have shape (num_layers·num_directions, N, H) = {shape}, got {s.shape}")
    h_n, c_n, caches = np.empty(shape, dtype=dtype), (np.empty(shape, dtype=dtype) if kind == "lstm" else None), []
    layer_in = x
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            seq = layer_in if d == 0 else layer_in[::-1]
            hs, h_T, c_T, cache = _run(kind, np.ascontiguousarray(seq), h0[k], None if c0 is None else c0[k],
                                       params[k], _where(k, dirs))
            outs.append(hs if d == 0 else hs[::-1])
            h_n[k] = h_T
            if c_n is not None:
                c_n[k] = c_T
            caches.append(cache)
        layer_in = np.concatenate(outs, axis=-1) if dirs == 2 else outs[0]
    return layer_in, h_n, c_n, Cache("deep.forward", (kind, num_layers, dirs, H, caches, (T, N), dtype))


def backward(d_output, cache, dh_n=None, dc_n=None):
    """Gradients of a stacked (bi)directional network.

    d_output (T, N, num_directions·H) = ∂L/∂output; dh_n, dc_n (LSTM only) optional gradients on
    the final states. Returns {"x", "h0", "c0" (LSTM only), "params": [grads per (layer, direction)]},
    every array in the dtype of the forward pass.
    """
    kind, num_layers, dirs, H, caches, (T, N), dtype = backward_inputs("deep.backward", cache, {"d_output": d_output},
                                                                       {"dh_n": dh_n, "dc_n": dc_n})
    if d_output.shape != (T, N, dirs * H):
        raise ValueError(f"d_output must have shape (T, N, num_directions·H) = ({T}, {N}, {dirs * H}), "
                         f"the shape of output, got {d_output.shape}")
    if dc_n is not None and kind != "lstm":
        raise ValueError(f"dc_n is only for an LSTM; a {kind} has no cell state (its c_n is None)")
    shape = (num_layers * dirs, N, H)
    for name, d in (("dh_n", dh_n), ("dc_n", dc_n)):
        if d is not None and d.shape != shape:
            raise ValueError(f"{name} must have shape (num_layers·num_directions, N, H) = {shape}, got {d.shape}")
    grads_p = [None] * (num_layers * dirs)
    dh0 = np.zeros(shape, dtype=dtype)
    dc0 = np.zeros(shape, dtype=dtype) if kind == "lstm" else None
    d_above = d_output
    for layer in range(num_layers - 1, -1, -1):
        d_in = 0.0
        for d in range(dirs):
            k = layer * dirs + d
            dhs = d_above[..., d * H:(d + 1) * H]
            g = _run_backward(kind, np.ascontiguousarray(dhs if d == 0 else dhs[::-1]), caches[k],
                              None if dh_n is None else dh_n[k], None if dc_n is None else dc_n[k])
            d_in = d_in + (g["x"] if d == 0 else g["x"][::-1])
            dh0[k] = g["h0"]
            if dc0 is not None:
                dc0[k] = g["c0"]
            grads_p[k] = {name: v for name, v in g.items() if name not in ("x", "h0", "c0")}
        d_above = d_in
    out = {"x": d_above, "h0": dh0, "params": grads_p}
    if dc0 is not None:
        out["c0"] = dc0
    return out


def params_from_torch(module) -> list[dict]:
    """One course parameter dict per (layer, direction) of a torch nn.RNN, nn.GRU or nn.LSTM."""
    import torch

    from .torch_bridge import gru_from_torch, lstm_from_torch, srn_layer_from_torch

    read = {torch.nn.LSTM: lstm_from_torch, torch.nn.GRU: gru_from_torch, torch.nn.RNN: srn_layer_from_torch}
    fn = read.get(type(module))
    if fn is None:
        raise ValueError(f"expected a torch.nn.RNN, GRU or LSTM, got {type(module).__name__}")
    dirs = 2 if module.bidirectional else 1
    return [fn(module, layer=k // dirs, reverse=bool(k % dirs)) for k in range(module.num_layers * dirs)]



def changed_steps(layer_fn, x, s: int) -> tuple[np.ndarray, np.ndarray]:
    """Which steps of a bidirectional output change at all when only the input x_s (1-based) changes.

    layer_fn(x) returns states (T, N, 2H) = [h→_t ; h←_t] for x (T, N, D); x_s is moved by 1.
    Returns two boolean arrays (T,), for the forward and the backward half: True where some
    entry of the state differs from the unperturbed run, False where it is bit for bit the same.
    """
    if not isinstance(x, np.ndarray) or x.ndim != 3:
        raise ValueError(f"x must be a numpy array of shape (T, N, D), got {getattr(x, 'shape', type(x).__name__)}")
    float_numpy("x", x)
    if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not 1 <= s <= len(x):
        raise ValueError(f"s must be a step between 1 and T = {len(x)}, got {s!r}")
    moved = x.copy()
    moved[s - 1] += 1.0
    a, b = np.asarray(layer_fn(x)), np.asarray(layer_fn(moved))
    if np.shape(a) != np.shape(b) or np.ndim(a) != 3 or np.shape(a)[-1] % 2:
        raise ValueError(f"layer_fn must return states of shape (T, N, 2H), got {np.shape(a)}")
    diff = np.abs(a - b).max(axis=1)                      # (T, 2H): largest change over the batch
    H = diff.shape[1] // 2
    return diff[:, :H].max(axis=1) > 0, diff[:, H:].max(axis=1) > 0


def dependency_grid(fwd_changed, bwd_changed, title: str) -> str:
    """The result of `changed_steps` as text: ● for a step whose state changed, · for one that did not."""
    fwd, bwd = np.asarray(fwd_changed, dtype=bool), np.asarray(bwd_changed, dtype=bool)
    if fwd.ndim != 1 or fwd.shape != bwd.shape:
        raise ValueError(f"fwd_changed and bwd_changed must be 1-D and of the same length, got {fwd.shape} "
                         f"and {bwd.shape}")
    lines = [title, "    t:        " + " ".join(str(t) for t in range(1, len(fwd) + 1))]
    for name, flags in (("forward  h→", fwd), ("backward h←", bwd)):
        lines.append(f"    {name}: " + " ".join("●" if f else "·" for f in flags))
    return "\n".join(lines)
