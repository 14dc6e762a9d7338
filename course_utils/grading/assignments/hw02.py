"""Grading spec of hw02: the leaky SRN, step by step and through time, and global-norm clipping."""
import numpy as np

from ..spec import Assignment, Check, Question, compare_arrays, function

def _sizes(rng):
    return int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(1, 7))  # N, D, H


def _step_inputs(rng, alpha=None):
    N, D, H = _sizes(rng)
    return {"x": rng.standard_normal((N, D)), "h_prev": rng.uniform(-1, 1, (N, H)),
            "W_hx": rng.standard_normal((H, D)) / np.sqrt(D), "W_hh": rng.standard_normal((H, H)) / np.sqrt(H),
            "b_h": 0.1 * rng.standard_normal(H), "alpha": float(rng.uniform(0.05, 0.95)) if alpha is None else alpha}


def _step_backward_inputs(rng):
    """dh and the cache the homework prescribes, (x, h_prev, W_hx, W_hh, n, alpha), built here so
    that a wrong forward pass cannot cost the backward question its points."""
    inp = _step_inputs(rng)
    n = np.tanh(inp["x"] @ inp["W_hx"].T + inp["h_prev"] @ inp["W_hh"].T + inp["b_h"])
    return {"dh": rng.standard_normal(inp["h_prev"].shape),
            "cache": tuple(inp[k] for k in ("x", "h_prev", "W_hx", "W_hh")) + (n, inp["alpha"])}


def _sequence_inputs(rng):
    N, D, H = _sizes(rng)
    T = int(rng.integers(1, 7))
    return {"x": rng.standard_normal((T, N, D)), "h0": rng.uniform(-1, 1, (N, H)),
            "W_hx": rng.standard_normal((H, D)) / np.sqrt(D), "W_hh": rng.standard_normal((H, H)) / np.sqrt(H),
            "b_h": 0.1 * rng.standard_normal(H), "alpha": float(rng.uniform(0.05, 0.95)),
            "dhs": rng.standard_normal((T, N, H))}


def _clip_inputs(rng, scale):
    grads = {"W_hx": rng.standard_normal((3, 2)), "W_hh": rng.standard_normal((3, 3)), "b_h": rng.standard_normal(3)}
    return {"grads": {k: v * scale for k, v in grads.items()}, "max_norm": float(rng.uniform(0.5, 2.0))}


def _step_forward(ns, inp):
    return function(ns, "leaky_step_forward")(**inp)[0]


def _step_backward(ns, inp):
    return function(ns, "leaky_step_backward")(inp["dh"], inp["cache"])


def _sequence_forward(ns, inp):
    return function(ns, "leaky_forward")(**{k: v for k, v in inp.items() if k != "dhs"})[0]


def _sequence_backward(ns, inp):
    _, cache = function(ns, "leaky_forward")(**{k: v for k, v in inp.items() if k != "dhs"})
    return function(ns, "leaky_backward")(inp["dhs"], cache)


def _clip(ns, inp):
    return function(ns, "clip_global_norm")(inp["grads"], inp["max_norm"])


CLOSE = compare_arrays(tol=1e-6)
STEP_GRADS = compare_arrays(tol=1e-6, names=("dx", "dh_prev", "dW_hx", "dW_hh", "db_h"))

ASSIGNMENT = Assignment(
    name="hw02",
    notebook="hw02_leaky_srn_bptt.ipynb",
    questions=(
        Question("test_step_forward", "leaky SRN step forward", ("leaky_step_forward",), (
            Check("random sizes and alpha", 2, _step_inputs, _step_forward, CLOSE),
            Check("alpha = 1 is the plain SRN", 1, lambda rng: _step_inputs(rng, alpha=1.0), _step_forward, CLOSE),
        )),
        Question("test_step_backward", "leaky SRN step backward", ("leaky_step_backward",), (
            Check("all five gradients, random sizes", 4, _step_backward_inputs, _step_backward, STEP_GRADS),
        )),
        Question("test_bptt", "BPTT over a sequence", ("leaky_bptt",), (
            Check("hidden states of a sequence", 2, _sequence_inputs, _sequence_forward, CLOSE),
            Check("gradients of a sequence (x, h0, W_hx, W_hh, b_h)", 3, _sequence_inputs, _sequence_backward, CLOSE),
        )),
        Question("test_clip", "global-norm clipping", ("clip_global_norm",), (
            Check("a large gradient is scaled to max_norm", 1, lambda rng: _clip_inputs(rng, 10.0), _clip, CLOSE,
                  keeps_inputs=True),
            Check("a small gradient is left unchanged", 1, lambda rng: _clip_inputs(rng, 0.01), _clip, CLOSE,
                  keeps_inputs=True),
        )),
    ),
)
