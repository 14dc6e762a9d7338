"""Grading spec of hw02: the leaky SRN, step by step and through time, and global-norm clipping.

Ordinary checks draw every size from 2 up; each size-1 case (one example, one unit, one step) is
a check of its own, so a submission's score does not depend on the seed.
"""
import numpy as np

from ..feedback import Layout
from ..spec import Assignment, Check, Question, compare_arrays, function

LIMITS = {"N": (2, 5), "D": (2, 5), "H": (2, 6), "T": (2, 6)}


def _dims(rng, **fixed) -> dict:
    """N, D, H, T: each drawn from its range (all ≥ 2) unless fixed (an edge case sets some to 1)."""
    return {k: fixed.get(k, int(rng.integers(lo, hi + 1))) for k, (lo, hi) in LIMITS.items()}


def _weights(rng, D, H) -> dict:
    return {"W_hx": rng.standard_normal((H, D)) / np.sqrt(D), "W_hh": rng.standard_normal((H, H)) / np.sqrt(H),
            "b_h": 0.1 * rng.standard_normal(H)}


def _alpha(rng, alpha=None) -> float:
    return float(rng.uniform(0.05, 0.95)) if alpha is None else float(alpha)


def _step_inputs(rng, alpha=None, **fixed):
    d = _dims(rng, **fixed)
    return {"x": rng.standard_normal((d["N"], d["D"])), "h_prev": rng.uniform(-1, 1, (d["N"], d["H"])),
            **_weights(rng, d["D"], d["H"]), "alpha": _alpha(rng, alpha)}


def _step_backward_inputs(rng, alpha=None, **fixed):
    """dh and the cache the homework prescribes, (x, h_prev, W_hx, W_hh, n, alpha), built here so
    that a wrong forward pass cannot cost the backward question its points."""
    inp = _step_inputs(rng, alpha, **fixed)
    n = np.tanh(inp["x"] @ inp["W_hx"].T + inp["h_prev"] @ inp["W_hh"].T + inp["b_h"])
    return {"dh": rng.standard_normal(inp["h_prev"].shape),
            "cache": tuple(inp[k] for k in ("x", "h_prev", "W_hx", "W_hh")) + (n, inp["alpha"])}


def _sequence_inputs(rng, **fixed):
    d = _dims(rng, **fixed)
    T, N, D, H = d["T"], d["N"], d["D"], d["H"]
    return {"x": rng.standard_normal((T, N, D)), "h0": rng.uniform(-1, 1, (N, H)), **_weights(rng, D, H),
            "alpha": _alpha(rng), "dhs": rng.standard_normal((T, N, H))}


def _clip_inputs(rng, scale):
    d = _dims(rng)
    grads = {"W_hx": rng.standard_normal((d["H"], d["D"])), "W_hh": rng.standard_normal((d["H"], d["H"])),
             "b_h": rng.standard_normal(d["H"])}
    return {"grads": {k: v * scale for k, v in grads.items()}, "max_norm": float(rng.uniform(0.5, 2.0))}


def _step_sizes(inp):
    x = inp["x"] if "x" in inp else inp["cache"][0]
    return {"N": x.shape[0], "alpha": inp.get("alpha", inp.get("cache", (None,) * 6)[5])}


def _sequence_sizes(inp):
    T, N, _ = inp["x"].shape
    return {"T": T, "N": N, "alpha": inp["alpha"]}


def _step_forward(ns, inp):
    return function(ns, "leaky_step_forward")(**inp)[0]


def _step_backward(ns, inp):
    return function(ns, "leaky_step_backward")(inp["dh"], inp["cache"])


def _sequence_forward(ns, inp):
    return function(ns, "leaky_forward")(**{k: v for k, v in inp.items() if k != "dhs"})[0]


def _sequence_backward(ns, inp):
    _, cache = function(ns, "leaky_forward")(**{k: v for k, v in inp.items() if k != "dhs"})
    return function(ns, "leaky_backward")(inp["dhs"], cache)


def _sequence_both(ns, inp):
    return _sequence_forward(ns, inp), _sequence_backward(ns, inp)


def _clip(ns, inp):
    return function(ns, "clip_global_norm")(inp["grads"], inp["max_norm"])


STATE = compare_arrays(tol=1e-6, names=("h",))
STEP_GRADS = compare_arrays(tol=1e-6, names=("dx", "dh_prev", "dW_hx", "dW_hh", "db_h"))
_SEQ = {"x": Layout(time=0, batch=1), "hs": Layout(time=0, batch=1)}
STATES = compare_arrays(tol=1e-6, layouts={"the result": Layout(time=0, batch=1)})
SEQ_GRADS = compare_arrays(tol=1e-6, layouts=_SEQ)
SEQ_BOTH = compare_arrays(tol=1e-6, names=("hs", "grads"), layouts=_SEQ)
CLIPPED = compare_arrays(tol=1e-6, names=("clipped", "norm"))


def _edge(name, points, make, call, compare, sizes, edge):
    return Check(name, points, make, call, compare, edge=edge, sizes=sizes)


ASSIGNMENT = Assignment(
    name="hw02",
    notebook="hw02_leaky_srn_bptt.ipynb",
    questions=(
        Question("test_step_forward", "leaky SRN step forward", ("leaky_step_forward",), (
            Check("sizes ≥ 2, random alpha", 1.5, _step_inputs, _step_forward, STATE, sizes=_step_sizes),
            Check("alpha = 1 is the plain SRN", 0.5, lambda rng: _step_inputs(rng, alpha=1.0), _step_forward, STATE,
                  sizes=_step_sizes),
            _edge("one example (N = 1)", 0.5, lambda rng: _step_inputs(rng, N=1), _step_forward, STATE,
                  _step_sizes, ("N",)),
            _edge("one input and one hidden unit (D = H = 1)", 0.5, lambda rng: _step_inputs(rng, D=1, H=1),
                  _step_forward, STATE, _step_sizes, ("D", "H")),
        )),
        Question("test_step_backward", "leaky SRN step backward", ("leaky_step_backward",), (
            Check("all five gradients, sizes ≥ 2", 2.5, _step_backward_inputs, _step_backward, STEP_GRADS,
                  sizes=_step_sizes),
            Check("alpha = 1 is the plain SRN", 0.5, lambda rng: _step_backward_inputs(rng, alpha=1.0),
                  _step_backward, STEP_GRADS, sizes=_step_sizes),
            _edge("one example (N = 1)", 0.5, lambda rng: _step_backward_inputs(rng, N=1), _step_backward,
                  STEP_GRADS, _step_sizes, ("N",)),
            _edge("one input and one hidden unit (D = H = 1)", 0.5,
                  lambda rng: _step_backward_inputs(rng, D=1, H=1), _step_backward, STEP_GRADS, _step_sizes,
                  ("D", "H")),
        )),
        Question("test_bptt", "BPTT over a sequence", ("leaky_bptt",), (
            Check("hidden states of a sequence, sizes ≥ 2", 1.5, _sequence_inputs, _sequence_forward, STATES,
                  sizes=_sequence_sizes),
            Check("gradients of a sequence (x, h0, W_hx, W_hh, b_h), sizes ≥ 2", 2.5, _sequence_inputs,
                  _sequence_backward, SEQ_GRADS, sizes=_sequence_sizes),
            _edge("one step (T = 1): states and gradients", 0.5, lambda rng: _sequence_inputs(rng, T=1),
                  _sequence_both, SEQ_BOTH, _sequence_sizes, ("T",)),
            _edge("one example (N = 1): states and gradients", 0.5, lambda rng: _sequence_inputs(rng, N=1),
                  _sequence_both, SEQ_BOTH, _sequence_sizes, ("N",)),
        ), builds_on=("leaky_step_forward", "leaky_step_backward")),
        Question("test_clip", "global-norm clipping", ("clip_global_norm",), (
            Check("a large gradient is scaled to max_norm", 1, lambda rng: _clip_inputs(rng, 10.0), _clip, CLIPPED,
                  keeps_inputs=True),
            Check("a small gradient is left unchanged", 0.5, lambda rng: _clip_inputs(rng, 0.01), _clip, CLIPPED,
                  keeps_inputs=True),
            Check("an all-zero gradient is left unchanged, with norm 0", 0.5, lambda rng: _clip_inputs(rng, 0.0),
                  _clip, CLIPPED, keeps_inputs=True),
        )),
    ),
)
