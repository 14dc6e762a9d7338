"""Grading spec of hw04: the minimal gated unit (step forward, step backward), the coupled-gate LSTM
(step backward, BPTT) and the peephole LSTM (step backward).

Every backward question gets a cache built here, in the format its statement prescribes, with the
given forward passes of the notebook written out again below (the MGU's forward is question 1, so
its cache is computed here too, as hw02 does). The answers themselves come from the solution
notebook. Sizes are random, with one check per question at the edge N = D = H = 1 (and T = 1).

Because the models have exact relations to course_utils.gru and course_utils.lstm (the visible tests
use them), an answer may not call torch or course_utils (`sigmoid` and the printing helpers of the
setup cell excepted): a wrapper would pass without the derivation the homework asks for. Each check
first looks at the global names the student's function uses (a clear message for the usual case);
the worker then watches every call while the check runs (`Assignment.foreign`), which also catches
imports inside the function and references reached another way.
"""
from __future__ import annotations

import types

import numpy as np

from ..spec import Assignment, Check, Question, compare_arrays, function

CLOSE = compare_arrays(tol=1e-6)
_FOREIGN = ("torch", "course_utils")
_ALLOWED = {("course_utils.lstm", "sigmoid"), ("course_utils.checks", "check"), ("course_utils.checks", "check_true"),
            ("course_utils.checks", "rel_error"), ("course_utils.checks", "max_abs_diff")}


# ---------------------------------------------------------------- the student's own code
def _foreign_name(obj) -> str | None:
    """'module.name' if obj is (or lives in) torch or course_utils and is not allowed, else None."""
    if isinstance(obj, types.ModuleType):
        name = obj.__name__
        return name if name.split(".")[0] in _FOREIGN else None
    module = getattr(obj, "__module__", None)
    if not isinstance(module, str) or module.split(".")[0] not in _FOREIGN:
        return None
    if (module, getattr(obj, "__name__", "")) in _ALLOWED:
        return None
    return f"{module}.{getattr(obj, '__name__', type(obj).__name__)}"


def _own_function(ns: dict, name: str):
    """The student's function `name`, after checking that it (and the notebook functions it uses)
    does not reach torch or course_utils through a global name."""
    fn = function(ns, name)
    seen: set = set()

    def walk(code: types.CodeType) -> None:
        if code in seen:
            return
        seen.add(code)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                walk(const)
        for global_name in code.co_names:
            if global_name not in ns:
                continue
            obj = ns[global_name]
            bad = _foreign_name(obj)
            if bad:
                raise RuntimeError(f"{name} uses {global_name} ({bad}); this homework asks for your own "
                                   "numpy code, not a call into torch or course_utils")
            if isinstance(obj, types.FunctionType) and obj.__module__ == "__main__":
                walk(obj.__code__)                          # a helper of the student's: look inside too

    walk(fn.__code__)
    return fn


# ---------------------------------------------------------------- inputs
def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _sizes(rng, edge: bool) -> tuple[int, int, int]:
    if edge:
        return 1, 1, 1
    return int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(1, 7))   # N, D, H


def _weights(rng, G: int, D: int, H: int) -> dict:
    return {"W_x": rng.standard_normal((G * H, D)) / np.sqrt(D), "W_h": rng.standard_normal((G * H, H)) / np.sqrt(H),
            "b": 0.5 * rng.standard_normal(G * H)}


def _mgu_inputs(rng, edge=False) -> dict:
    N, D, H = _sizes(rng, edge)
    return {"x": rng.standard_normal((N, D)), "h_prev": rng.uniform(-1, 1, (N, H)), **_weights(rng, 2, D, H)}


def _mgu_backward_inputs(rng, edge=False) -> dict:
    """dh and the prescribed cache (x, h_prev, W_x, W_h, f, n)."""
    p = _mgu_inputs(rng, edge)
    x, h, W_x, W_h, b = p["x"], p["h_prev"], p["W_x"], p["W_h"], p["b"]
    H = h.shape[1]
    f = _sigmoid(x @ W_x[:H].T + h @ W_h[:H].T + b[:H])
    n = np.tanh(x @ W_x[H:].T + (f * h) @ W_h[H:].T + b[H:])
    return {"dh": rng.standard_normal(h.shape), "cache": (x, h, W_x, W_h, f, n)}


def _coupled_step(x, h, c, W_x, W_h, b):
    """The notebook's given coupled_step_forward: h, c, cache (x, h_prev, c_prev, W_x, W_h, f, g, o, c)."""
    H = h.shape[1]
    z = x @ W_x.T + h @ W_h.T + b
    f, g, o = _sigmoid(z[:, :H]), np.tanh(z[:, H:2 * H]), _sigmoid(z[:, 2 * H:])
    c_new = f * c + (1.0 - f) * g
    return o * np.tanh(c_new), c_new, (x, h, c, W_x, W_h, f, g, o, c_new)


def _coupled_step_inputs(rng, edge=False) -> dict:
    N, D, H = _sizes(rng, edge)
    x, h, c = rng.standard_normal((N, D)), rng.uniform(-1, 1, (N, H)), rng.standard_normal((N, H))
    _, _, cache = _coupled_step(x, h, c, **_weights(rng, 3, D, H))
    return {"dh": rng.standard_normal((N, H)), "dc": rng.standard_normal((N, H)), "cache": cache}


def _coupled_sequence_inputs(rng, edge=False, last=True) -> dict:
    """dhs, the list of step caches of the given coupled_forward, and optional dh_last, dc_last."""
    N, D, H = _sizes(rng, edge)
    T = 1 if edge else int(rng.integers(1, 7))
    x, h, c = rng.standard_normal((T, N, D)), rng.uniform(-1, 1, (N, H)), rng.standard_normal((N, H))
    w = _weights(rng, 3, D, H)
    caches = []
    for x_t in x:
        h, c, cache = _coupled_step(x_t, h, c, **w)
        caches.append(cache)
    inp = {"dhs": rng.standard_normal((T, N, H)), "cache": caches}
    if last:
        inp.update(dh_last=rng.standard_normal((N, H)), dc_last=rng.standard_normal((N, H)))
    return inp


def _peephole_inputs(rng, edge=False) -> dict:
    """dh, dc and the prescribed cache (x, h_prev, c_prev, W_x, W_h, p_i, p_f, p_o, i, f, g, o, c)."""
    N, D, H = _sizes(rng, edge)
    x, h, c = rng.standard_normal((N, D)), rng.uniform(-1, 1, (N, H)), rng.standard_normal((N, H))
    w = _weights(rng, 4, D, H)
    p_i, p_f, p_o = rng.standard_normal((3, H))
    z = x @ w["W_x"].T + h @ w["W_h"].T + w["b"]
    i = _sigmoid(z[:, :H] + p_i * c)
    f = _sigmoid(z[:, H:2 * H] + p_f * c)
    g = np.tanh(z[:, 2 * H:3 * H])
    c_new = f * c + i * g
    o = _sigmoid(z[:, 3 * H:] + p_o * c_new)
    cache = (x, h, c, w["W_x"], w["W_h"], p_i, p_f, p_o, i, f, g, o, c_new)
    return {"dh": rng.standard_normal((N, H)), "dc": rng.standard_normal((N, H)), "cache": cache}


# ---------------------------------------------------------------- calls (run on both sides)
def _mgu_h(ns, inp):
    return _own_function(ns, "mgu_step_forward")(**inp)[0]


def _mgu_cache(ns, inp):
    return tuple(_own_function(ns, "mgu_step_forward")(**inp)[1])


def _mgu_both(ns, inp):
    h, cache = _own_function(ns, "mgu_step_forward")(**inp)
    return h, tuple(cache)


def _mgu_backward(ns, inp):
    return _own_function(ns, "mgu_step_backward")(inp["dh"], inp["cache"])


def _coupled_step_backward(ns, inp):
    return _own_function(ns, "coupled_step_backward")(inp["dh"], inp["dc"], inp["cache"])


def _coupled_backward(ns, inp):
    fn = _own_function(ns, "coupled_backward")
    if "dh_last" in inp:
        return fn(inp["dhs"], inp["cache"], dh_last=inp["dh_last"], dc_last=inp["dc_last"])
    return fn(inp["dhs"], inp["cache"])                 # the defaults must mean zero


def _peephole_backward(ns, inp):
    return _own_function(ns, "peephole_step_backward")(inp["dh"], inp["dc"], inp["cache"])


ASSIGNMENT = Assignment(
    name="hw04",
    notebook="hw04_gated_cells.ipynb",
    foreign=_FOREIGN,
    allowed=frozenset(f"{module}.{name}" for module, name in _ALLOWED),
    questions=(
        Question("test_mgu_forward", "MGU step forward", ("mgu_step_forward",), (
            Check("h, random sizes", 1, _mgu_inputs, _mgu_h, CLOSE),
            Check("cache = (x, h_prev, W_x, W_h, f, n), random sizes", 1, _mgu_inputs, _mgu_cache, CLOSE),
            Check("h and cache, N = D = H = 1", 1, lambda rng: _mgu_inputs(rng, edge=True), _mgu_both, CLOSE),
        )),
        Question("test_mgu_backward", "MGU step backward", ("mgu_step_backward",), (
            Check("all five gradients, random sizes", 3, _mgu_backward_inputs, _mgu_backward, CLOSE),
            Check("all five gradients, N = D = H = 1", 1, lambda rng: _mgu_backward_inputs(rng, edge=True),
                  _mgu_backward, CLOSE),
        )),
        Question("test_coupled_step_backward", "coupled LSTM step backward", ("coupled_step_backward",), (
            Check("all six gradients, random sizes", 3, _coupled_step_inputs, _coupled_step_backward, CLOSE),
            Check("all six gradients, N = D = H = 1", 1, lambda rng: _coupled_step_inputs(rng, edge=True),
                  _coupled_step_backward, CLOSE),
        )),
        Question("test_coupled_bptt", "BPTT through the coupled LSTM", ("coupled_backward",), (
            Check("gradients of a sequence, with dh_last and dc_last", 2, _coupled_sequence_inputs,
                  _coupled_backward, CLOSE),
            Check("gradients of a sequence, dh_last and dc_last left at None", 2,
                  lambda rng: _coupled_sequence_inputs(rng, last=False), _coupled_backward, CLOSE),
            Check("T = N = D = H = 1, with dh_last and dc_last", 1,
                  lambda rng: _coupled_sequence_inputs(rng, edge=True), _coupled_backward, CLOSE),
        )),
        Question("test_peephole_backward", "peephole LSTM step backward", ("peephole_step_backward",), (
            Check("all nine gradients, random sizes", 3, _peephole_inputs, _peephole_backward, CLOSE),
            Check("all nine gradients, N = D = H = 1", 1, lambda rng: _peephole_inputs(rng, edge=True),
                  _peephole_backward, CLOSE),
        )),
    ),
)
