"""Grading spec of hw04: the minimal gated unit (step forward, step backward), the coupled-gate LSTM
(step backward, BPTT) and the peephole LSTM (step backward).

Every backward question gets a cache built here, in the format its statement prescribes, with the
given forward passes of the notebook written out again below (the MGU's forward is question 1, so
its cache is computed here too, as hw02 does). The answers themselves come from the solution
notebook. Ordinary checks draw every size from 2 up; each size-1 case (N = 1; D = H = 1; T = 1)
is a check of its own, so the score does not depend on the seed. BPTT through the coupled cell
builds on its step backward, so it is also graded with the reference step (one bug, one charge).

Because the models have exact relations to course_utils.gru and course_utils.lstm (the visible tests
use them), an answer may not call torch or course_utils (`sigmoid` and the printing helpers of the
setup cell excepted, also when reached as an attribute such as `lstm.sigmoid`): a wrapper would
pass without the derivation the homework asks for. Each check first reads the global names and
attributes the student's function uses (a clear message for the usual case); the worker then
watches every call while the check runs (`Assignment.foreign`), which also catches imports
inside the function and references reached another way.
"""
from __future__ import annotations

import dis
import types

import numpy as np

from ..feedback import Layout
from ..spec import Assignment, Check, Question, compare_arrays, function

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


def _attribute_chains(code: types.CodeType):
    """(global name, [attribute, ...]) for every global the code loads, with the attributes read
    off it right after (`lstm.sigmoid` gives ("lstm", ["sigmoid"]))."""
    chain = None
    for ins in dis.get_instructions(code):
        if ins.opname == "LOAD_GLOBAL":
            if chain:
                yield chain
            chain = (ins.argval, [])
        elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and chain is not None:
            chain[1].append(ins.argval)
        elif chain is not None:
            yield chain
            chain = None
    if chain:
        yield chain


def _resolve(obj, attributes: list[str]):
    """The object `obj.a.b…` names, as far as it can be followed, and the dotted text of it."""
    text = []
    for attribute in attributes:
        if not isinstance(obj, types.ModuleType) or not hasattr(obj, attribute):
            break
        obj = getattr(obj, attribute)
        text.append(attribute)
    return obj, text


def _own_function(ns: dict, name: str):
    """The student's function `name`, after checking that it (and the notebook functions it uses)
    does not reach torch or course_utils through a global name or a module attribute, other than
    the allowed helpers."""
    fn = function(ns, name)
    seen: set = set()

    def walk(code: types.CodeType) -> None:
        if code in seen:
            return
        seen.add(code)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                walk(const)
        for global_name, attributes in _attribute_chains(code):
            if global_name not in ns:
                continue
            obj, followed = _resolve(ns[global_name], attributes)
            bad = _foreign_name(obj)
            if bad:
                used = ".".join([global_name] + followed)
                raise RuntimeError(f"{name} uses {used} ({bad}); this homework asks for your own "
                                   "numpy code, not a call into torch or course_utils")
            if isinstance(obj, types.FunctionType) and obj.__module__ == "__main__":
                walk(obj.__code__)                          # a helper of the student's: look inside too

    walk(fn.__code__)
    return fn


# ---------------------------------------------------------------- inputs
def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _sizes(rng, ones: tuple[str, ...] = ()) -> tuple[int, int, int]:
    """N, D, H, each from 2 up, except those named in `ones`, which are 1."""
    drawn = {"N": int(rng.integers(2, 5)), "D": int(rng.integers(2, 6)), "H": int(rng.integers(2, 7))}
    return tuple(1 if k in ones else v for k, v in drawn.items())


def _weights(rng, G: int, D: int, H: int) -> dict:
    return {"W_x": rng.standard_normal((G * H, D)) / np.sqrt(D), "W_h": rng.standard_normal((G * H, H)) / np.sqrt(H),
            "b": 0.5 * rng.standard_normal(G * H)}


def _mgu_inputs(rng, ones=()) -> dict:
    N, D, H = _sizes(rng, ones)
    return {"x": rng.standard_normal((N, D)), "h_prev": rng.uniform(-1, 1, (N, H)), **_weights(rng, 2, D, H)}


def _mgu_backward_inputs(rng, ones=()) -> dict:
    """dh and the prescribed cache (x, h_prev, W_x, W_h, f, n)."""
    p = _mgu_inputs(rng, ones)
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


def _coupled_step_inputs(rng, ones=()) -> dict:
    N, D, H = _sizes(rng, ones)
    x, h, c = rng.standard_normal((N, D)), rng.uniform(-1, 1, (N, H)), rng.standard_normal((N, H))
    _, _, cache = _coupled_step(x, h, c, **_weights(rng, 3, D, H))
    return {"dh": rng.standard_normal((N, H)), "dc": rng.standard_normal((N, H)), "cache": cache}


def _coupled_sequence_inputs(rng, ones=(), last=True) -> dict:
    """dhs, the list of step caches of the given coupled_forward, and optional dh_last, dc_last."""
    N, D, H = _sizes(rng, ones)
    T = 1 if "T" in ones else int(rng.integers(2, 7))
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


def _peephole_inputs(rng, ones=()) -> dict:
    """dh, dc and the prescribed cache (x, h_prev, c_prev, W_x, W_h, p_i, p_f, p_o, i, f, g, o, c)."""
    N, D, H = _sizes(rng, ones)
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


def _batch(inp) -> dict:
    """N (and T) of the inputs: the sizes that can name a constant factor."""
    dh = inp.get("dh", inp.get("dhs", inp.get("h_prev")))
    return {"N": dh.shape[-2], "T": dh.shape[0]} if dh.ndim == 3 else {"N": dh.shape[0]}


MGU = Layout(blocks=(0, ("f", "n")))
COUPLED = Layout(blocks=(0, ("f", "g", "o")))
PEEPHOLE = Layout(blocks=(0, ("i", "f", "g", "o")))
MGU_H = compare_arrays(tol=1e-6, names=("h",))
MGU_CACHE = compare_arrays(tol=1e-6, names=("x", "h_prev", "W_x", "W_h", "f", "n"))
MGU_BOTH = compare_arrays(tol=1e-6, names=("h", ("cache", ("x", "h_prev", "W_x", "W_h", "f", "n"))))
MGU_GRADS = compare_arrays(tol=1e-6, names=("dx", "dh_prev", "dW_x", "dW_h", "db"),
                           layouts={"dW_x": MGU, "dW_h": MGU, "db": MGU})
COUPLED_GRADS = compare_arrays(tol=1e-6, names=("dx", "dh_prev", "dc_prev", "dW_x", "dW_h", "db"),
                               layouts={"dW_x": COUPLED, "dW_h": COUPLED, "db": COUPLED})
SEQ_GRADS = compare_arrays(tol=1e-6, layouts={"W_x": COUPLED, "W_h": COUPLED, "b": COUPLED,
                                              "x": Layout(time=0, batch=1)})
PEEPHOLE_GRADS = compare_arrays(tol=1e-6, names=("dx", "dh_prev", "dc_prev", "dW_x", "dW_h", "db", "dp_i", "dp_f",
                                                 "dp_o"), layouts={"dW_x": PEEPHOLE, "dW_h": PEEPHOLE, "db": PEEPHOLE})


def _check(name, points, make, call, compare, edge=()):
    return Check(name, points, make, call, compare, edge=edge, sizes=_batch)


def _edges(title, points, make, call, compare):
    """The two size-1 checks of a step question: one example; one input and one hidden unit."""
    return (_check(f"{title}, one example (N = 1)", points, lambda rng: make(rng, ones=("N",)), call, compare, ("N",)),
            _check(f"{title}, one input and one hidden unit (D = H = 1)", points,
                   lambda rng: make(rng, ones=("D", "H")), call, compare, ("D", "H")))


ASSIGNMENT = Assignment(
    name="hw04",
    notebook="hw04_gated_cells.ipynb",
    foreign=_FOREIGN,
    allowed=frozenset(f"{module}.{name}" for module, name in _ALLOWED),
    questions=(
        Question("test_mgu_forward", "MGU step forward", ("mgu_step_forward",), (
            _check("h, sizes ≥ 2", 1, _mgu_inputs, _mgu_h, MGU_H),
            _check("cache = (x, h_prev, W_x, W_h, f, n), sizes ≥ 2", 1, _mgu_inputs, _mgu_cache, MGU_CACHE),
            *_edges("h and cache", 0.5, _mgu_inputs, _mgu_both, MGU_BOTH),
        )),
        Question("test_mgu_backward", "MGU step backward", ("mgu_step_backward",), (
            _check("all five gradients, sizes ≥ 2", 3, _mgu_backward_inputs, _mgu_backward, MGU_GRADS),
            *_edges("all five gradients", 0.5, _mgu_backward_inputs, _mgu_backward, MGU_GRADS),
        )),
        Question("test_coupled_step_backward", "coupled LSTM step backward", ("coupled_step_backward",), (
            _check("all six gradients, sizes ≥ 2", 3, _coupled_step_inputs, _coupled_step_backward, COUPLED_GRADS),
            *_edges("all six gradients", 0.5, _coupled_step_inputs, _coupled_step_backward, COUPLED_GRADS),
        )),
        Question("test_coupled_bptt", "BPTT through the coupled LSTM", ("coupled_backward",), (
            _check("gradients of a sequence, sizes ≥ 2, with dh_last and dc_last", 2, _coupled_sequence_inputs,
                   _coupled_backward, SEQ_GRADS),
            _check("gradients of a sequence, sizes ≥ 2, dh_last and dc_last left at None", 2,
                   lambda rng: _coupled_sequence_inputs(rng, last=False), _coupled_backward, SEQ_GRADS),
            _check("one step (T = 1), with dh_last and dc_last", 0.5,
                   lambda rng: _coupled_sequence_inputs(rng, ones=("T",)), _coupled_backward, SEQ_GRADS, ("T",)),
            _check("one example (N = 1), with dh_last and dc_last", 0.5,
                   lambda rng: _coupled_sequence_inputs(rng, ones=("N",)), _coupled_backward, SEQ_GRADS, ("N",)),
        ), builds_on=("coupled_step_backward",)),
        Question("test_peephole_backward", "peephole LSTM step backward", ("peephole_step_backward",), (
            _check("all nine gradients, sizes ≥ 2", 3, _peephole_inputs, _peephole_backward, PEEPHOLE_GRADS),
            *_edges("all nine gradients", 0.5, _peephole_inputs, _peephole_backward, PEEPHOLE_GRADS),
        )),
    ),
)
