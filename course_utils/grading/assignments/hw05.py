"""Grading spec of hw05: a stacked, bidirectional leaky SRN in torch's layout, forward and backward.

Parameters are a list of 2L dicts {"W_hx", "W_hh", "b_h"} at index 2·layer + direction, states
h0 and h_n are (2L, N, H) in the same order, output is (T, N, 2H) = [forward ; backward].
The backward question takes the forward's inputs (not a cache), so no cache format couples it
to the student's forward functions.
"""
import numpy as np

from ..spec import Assignment, Check, Question, compare_arrays, function


def _sizes(rng, edge=False):
    """T, N, D, H, L. Ordinary checks use sizes >= 2, so that a missed time reversal, a batch sum
    or a one-layer shortcut cannot pass by accident; edge checks set some sizes to 1 (at least
    one, each with probability 1/2) to catch shape bugs."""
    sizes = np.array([rng.integers(2, 6), rng.integers(2, 4), rng.integers(2, 5), rng.integers(2, 5), rng.integers(2, 4)])
    if edge:
        ones = rng.random(5) < 0.5
        ones[rng.integers(5)] = True
        sizes[ones] = 1
    return tuple(int(s) for s in sizes)


def _params(rng, D, H, L):
    return [{"W_hx": rng.standard_normal((H, D if k < 2 else 2 * H)) / np.sqrt(D if k < 2 else 2 * H),
             "W_hh": rng.standard_normal((H, H)) / np.sqrt(H), "b_h": 0.1 * rng.standard_normal(H)}
            for k in range(2 * L)]


def _alpha(rng):
    return float(rng.uniform(0.05, 0.95))


def _layer_inputs(rng, alpha=None, edge=False):
    T, N, D, H, _ = _sizes(rng, edge)
    p_fw, p_bw = _params(rng, D, H, 1)
    return {"x": rng.standard_normal((T, N, D)), "h0": rng.uniform(-1, 1, (2, N, H)), "p_fw": p_fw, "p_bw": p_bw,
            "alpha": _alpha(rng) if alpha is None else alpha}


def _stack_inputs(rng, zero_state=False, edge=False):
    T, N, D, H, L = _sizes(rng, edge)
    return {"x": rng.standard_normal((T, N, D)), "h0": None if zero_state else rng.uniform(-1, 1, (2 * L, N, H)),
            "params": _params(rng, D, H, L), "alpha": _alpha(rng)}


def _backward_inputs(rng, with_dh_n=True, alpha=None, edge=False):
    inp = _stack_inputs(rng, edge=edge)
    T, N, _ = inp["x"].shape
    L2, _, H = inp["h0"].shape
    inp["alpha"] = inp["alpha"] if alpha is None else alpha
    inp["d_output"] = rng.standard_normal((T, N, 2 * H))
    inp["dh_n"] = rng.standard_normal((L2, N, H)) if with_dh_n else None
    return inp


def _summary_inputs(rng, batch_first):
    T, N, _, H, L = _sizes(rng)
    out_shape = (N, T, 2 * H) if batch_first else (T, N, 2 * H)
    return {"h_n": rng.uniform(-1, 1, (2 * L, N, H)), "output": rng.uniform(-1, 1, out_shape), "batch_first": batch_first}


def _layer(ns, inp):
    return function(ns, "bi_layer_forward")(**inp)


def _stack(ns, inp):
    return function(ns, "stacked_bi_forward")(**inp)


def _backward(ns, inp):
    return function(ns, "stacked_bi_backward")(**inp)


def _summary(ns, inp):
    return (function(ns, "top_final_states")(inp["h_n"]),
            function(ns, "top_final_states_from_output")(inp["output"], batch_first=inp["batch_first"]))


CLOSE = compare_arrays(tol=1e-6)

ASSIGNMENT = Assignment(
    name="hw05",
    notebook="hw05_stacked_bidirectional.ipynb",
    questions=(
        Question("test_bi_layer_forward", "one bidirectional layer, forward", ("bi_layer_forward",), (
            Check("output and h_n, random sizes and alpha", 2, _layer_inputs, _layer, CLOSE),
            Check("edge sizes (some of T, N, D, H equal 1)", 1, lambda rng: _layer_inputs(rng, edge=True), _layer, CLOSE),
            Check("alpha = 1 is torch's bidirectional nn.RNN", 1, lambda rng: _layer_inputs(rng, alpha=1.0), _layer, CLOSE),
        )),
        Question("test_stacked_forward", "stacked bidirectional forward", ("stacked_bi_forward",), (
            Check("output and h_n, random sizes, L >= 2 layers and alpha", 2, _stack_inputs, _stack, CLOSE),
            Check("edge sizes (some of T, N, D, H, L equal 1)", 1, lambda rng: _stack_inputs(rng, edge=True), _stack, CLOSE),
            Check("h0 = None means zeros", 1, lambda rng: _stack_inputs(rng, zero_state=True), _stack, CLOSE),
        )),
        Question("test_stacked_backward", "stacked bidirectional backward", ("stacked_bi_backward",), (
            Check("dx, dh0 and every parameter's gradient, with dh_n", 2, _backward_inputs, _backward, CLOSE),
            Check("edge sizes (some of T, N, D, H, L equal 1)", 1, lambda rng: _backward_inputs(rng, edge=True),
                  _backward, CLOSE),
            Check("dh_n = None", 1, lambda rng: _backward_inputs(rng, with_dh_n=False), _backward, CLOSE),
            Check("alpha = 1 (torch's nn.RNN)", 1, lambda rng: _backward_inputs(rng, alpha=1.0), _backward, CLOSE),
        )),
        Question("test_top_final_states", "the sequence summary from h_n and from output", ("top_final_states",), (
            Check("time-major output", 1, lambda rng: _summary_inputs(rng, batch_first=False), _summary, CLOSE),
            Check("batch-first output", 1, lambda rng: _summary_inputs(rng, batch_first=True), _summary, CLOSE),
        )),
    ),
)
