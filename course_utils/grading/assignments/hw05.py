"""Grading spec of hw05: a stacked, bidirectional leaky SRN in torch's layout, forward and backward.

Parameters are a list of 2L dicts {"W_hx", "W_hh", "b_h"} at index 2·layer + direction, states
h0 and h_n are (2L, N, H) in the same order, output is (T, N, 2H) = [forward ; backward].
The backward question takes the forward's inputs (not a cache), so no cache format couples it
to the student's forward functions. The stacked forward builds on the one-layer forward, so it is
also graded with the reference layer (one bug, one charge).
"""
import numpy as np

from ..feedback import Layout
from ..spec import Assignment, Check, Question, compare_arrays, function

NAMES = ("T", "N", "D", "H", "L")


def _sizes(rng, ones: tuple[str, ...] = ()):
    """T, N, D, H, L. Ordinary checks draw every size from 2 up, so that a missed time reversal, a
    batch sum or a one-layer shortcut cannot pass by accident; an edge check names the sizes it
    sets to 1, always the same ones, so the score does not depend on the seed."""
    sizes = [rng.integers(2, 6), rng.integers(2, 4), rng.integers(2, 5), rng.integers(2, 5), rng.integers(2, 4)]
    return tuple(1 if NAMES[i] in ones else int(s) for i, s in enumerate(sizes))


def _params(rng, D, H, L):
    return [{"W_hx": rng.standard_normal((H, D if k < 2 else 2 * H)) / np.sqrt(D if k < 2 else 2 * H),
             "W_hh": rng.standard_normal((H, H)) / np.sqrt(H), "b_h": 0.1 * rng.standard_normal(H)}
            for k in range(2 * L)]


def _alpha(rng):
    return float(rng.uniform(0.05, 0.95))


def _layer_inputs(rng, alpha=None, ones=()):
    T, N, D, H, _ = _sizes(rng, ones)
    p_fw, p_bw = _params(rng, D, H, 1)
    return {"x": rng.standard_normal((T, N, D)), "h0": rng.uniform(-1, 1, (2, N, H)), "p_fw": p_fw, "p_bw": p_bw,
            "alpha": _alpha(rng) if alpha is None else alpha}


def _stack_inputs(rng, zero_state=False, ones=()):
    T, N, D, H, L = _sizes(rng, ones)
    return {"x": rng.standard_normal((T, N, D)), "h0": None if zero_state else rng.uniform(-1, 1, (2 * L, N, H)),
            "params": _params(rng, D, H, L), "alpha": _alpha(rng)}


def _backward_inputs(rng, with_dh_n=True, alpha=None, ones=()):
    inp = _stack_inputs(rng, ones=ones)
    T, N, _ = inp["x"].shape
    L2, _, H = inp["h0"].shape
    inp["alpha"] = inp["alpha"] if alpha is None else alpha
    inp["d_output"] = rng.standard_normal((T, N, 2 * H))
    inp["dh_n"] = rng.standard_normal((L2, N, H)) if with_dh_n else None
    return inp


def _summary_inputs(rng, batch_first):
    T, N, _, H, L = _sizes(rng)
    out_shape = (N, T, 2 * H) if batch_first else (T, N, 2 * H)
    return {"h_n": rng.uniform(-1, 1, (2 * L, N, H)), "output": rng.uniform(-1, 1, out_shape),
            "batch_first": batch_first}


def _layer(ns, inp):
    return function(ns, "bi_layer_forward")(**inp)


def _stack(ns, inp):
    return function(ns, "stacked_bi_forward")(**inp)


def _backward(ns, inp):
    return function(ns, "stacked_bi_backward")(**inp)


def _summary(ns, inp):
    return (function(ns, "top_final_states")(inp["h_n"]),
            function(ns, "top_final_states_from_output")(inp["output"], batch_first=inp["batch_first"]))


def _n(inp) -> dict:
    """T and N of the inputs: the sizes that can name a constant factor."""
    x = inp.get("x", inp.get("output"))
    return {"T": x.shape[0], "N": x.shape[1]} if x is not None and x.ndim == 3 else {}


HALVES = Layout(time=0, batch=1, blocks=(2, ("forward", "backward")))
STATES = Layout(blocks=(0, None))
FORWARD = compare_arrays(tol=1e-6, names=("output", "h_n"), layouts={"output": HALVES, "h_n": STATES})
BACKWARD = compare_arrays(tol=1e-6, layouts={"x": Layout(time=0, batch=1), "h0": STATES})
_HALVES_OF_ONE = Layout(blocks=(1, ("forward", "backward")))
SUMMARY = compare_arrays(tol=1e-6, names=("from h_n", "from output"),
                         layouts={"from h_n": _HALVES_OF_ONE, "from output": _HALVES_OF_ONE})
SMALL = ("T", "N", "D", "H")


def _check(name, points, make, call, compare, edge=()):
    return Check(name, points, make, call, compare, edge=edge, sizes=_n)


ASSIGNMENT = Assignment(
    name="hw05",
    notebook="hw05_stacked_bidirectional.ipynb",
    questions=(
        Question("test_bi_layer_forward", "one bidirectional layer, forward", ("bi_layer_forward",), (
            _check("output and h_n, sizes ≥ 2, random alpha", 2, _layer_inputs, _layer, FORWARD),
            _check("one step (T = 1)", 0.5, lambda rng: _layer_inputs(rng, ones=("T",)), _layer, FORWARD, ("T",)),
            _check("one example, input and unit (N = D = H = 1)", 0.5,
                   lambda rng: _layer_inputs(rng, ones=("N", "D", "H")), _layer, FORWARD, ("N", "D", "H")),
            _check("alpha = 1 is torch's bidirectional nn.RNN", 1, lambda rng: _layer_inputs(rng, alpha=1.0), _layer,
                   FORWARD),
        )),
        Question("test_stacked_forward", "stacked bidirectional forward", ("stacked_bi_forward",), (
            _check("output and h_n, sizes ≥ 2 (L ≥ 2 layers), random alpha", 2, _stack_inputs, _stack, FORWARD),
            _check("one layer (L = 1)", 0.5, lambda rng: _stack_inputs(rng, ones=("L",)), _stack, FORWARD, ("L",)),
            _check("T = N = D = H = 1, L ≥ 2", 0.5, lambda rng: _stack_inputs(rng, ones=SMALL), _stack, FORWARD,
                   SMALL),
            _check("h0 = None means zeros", 1, lambda rng: _stack_inputs(rng, zero_state=True), _stack, FORWARD),
        ), builds_on=("bi_layer_forward",)),
        Question("test_stacked_backward", "stacked bidirectional backward", ("stacked_bi_backward",), (
            _check("dx, dh0 and every parameter's gradient, with dh_n, sizes ≥ 2", 2, _backward_inputs, _backward,
                   BACKWARD),
            _check("one layer (L = 1), with dh_n", 0.5, lambda rng: _backward_inputs(rng, ones=("L",)), _backward,
                   BACKWARD, ("L",)),
            _check("T = N = D = H = 1, L ≥ 2, with dh_n", 0.5, lambda rng: _backward_inputs(rng, ones=SMALL),
                   _backward, BACKWARD, SMALL),
            _check("dh_n = None", 1, lambda rng: _backward_inputs(rng, with_dh_n=False), _backward, BACKWARD),
            _check("alpha = 1 (torch's nn.RNN), with dh_n", 1, lambda rng: _backward_inputs(rng, alpha=1.0),
                   _backward, BACKWARD),
        )),
        Question("test_top_final_states", "the sequence summary from h_n and from output", ("top_final_states",), (
            _check("time-major output", 1, lambda rng: _summary_inputs(rng, batch_first=False), _summary, SUMMARY),
            _check("batch-first output", 1, lambda rng: _summary_inputs(rng, batch_first=True), _summary, SUMMARY),
        )),
    ),
)
