"""Grading spec of hw03: real-time recurrent learning (RTRL) for the leaky SRN.

Sensitivities are dicts {"W_hx": (N, H, H, D), "W_hh": (N, H, H, H), "b_h": (N, H, H)} with
P[n, i, j, k] = ∂h_i/∂W[j, k] for example n. Every check builds its own inputs, so a wrong
answer to one question cannot cost another question's points through the grader's inputs.
Ordinary checks draw every size from 2 up; each size-1 case is a check of its own (`edge`), so
the score does not depend on the seed. The whole-sequence gradients and online SGD build on the
step (and the read-out), so they are also graded with the reference versions of those.
"""
import numpy as np

from ..feedback import Layout
from ..spec import Assignment, Check, Question, compare_arrays, function

NAMES = ("N", "D", "H", "T")


def _sizes(rng, ones: tuple[str, ...] = (), count=3):
    """`count` sizes (N, D, H[, T]), each from 2 to 4, except those named in `ones`, which are 1."""
    sizes = rng.integers(2, 5, count)
    return tuple(1 if NAMES[i] in ones else int(s) for i, s in enumerate(sizes))


def _weights(rng, D, H):
    return {"W_hx": rng.standard_normal((H, D)) / np.sqrt(D), "W_hh": rng.standard_normal((H, H)) / np.sqrt(H),
            "b_h": 0.1 * rng.standard_normal(H)}


def _alpha(rng):
    return float(rng.uniform(0.05, 0.95))


def _random_sensitivities(rng, N, D, H):
    """Any arrays of the right shapes will do: the step is linear in P_{t−1}."""
    return {"W_hx": rng.standard_normal((N, H, H, D)), "W_hh": rng.standard_normal((N, H, H, H)),
            "b_h": rng.standard_normal((N, H, H))}


def _step_inputs(rng, alpha=None, ones=()):
    N, D, H = _sizes(rng, ones)
    return {"x": rng.standard_normal((N, D)), "h_prev": rng.uniform(-1, 1, (N, H)),
            "P_prev": _random_sensitivities(rng, N, D, H), **_weights(rng, D, H),
            "alpha": _alpha(rng) if alpha is None else alpha}


def _labels(rng, O, shape):
    """Class labels in [0, O); with two or more examples, the first two of every row differ, so a
    batch never has one label for all (where an indexing slip such as do[:, y] would pass)."""
    y = rng.integers(0, O, shape)
    if y.shape[-1] >= 2:
        y[..., :2] = np.array([rng.choice(O, 2, replace=False) for _ in range(int(np.prod(y.shape[:-1])))]
                              ).reshape(y.shape[:-1] + (2,))
    return y


def _readout_inputs(rng, ones=()):
    N, D, H = _sizes(rng, ones)
    O = int(rng.integers(2, 6))
    return {"h": rng.uniform(-1, 1, (N, H)), "P": _random_sensitivities(rng, N, D, H),
            "y": _labels(rng, O, N), "W_oh": rng.standard_normal((O, H)), "b_o": rng.standard_normal(O)}


def _sequence_inputs(rng, alpha=None, ones=()):
    N, D, H, T = _sizes(rng, ones, count=4)
    return {"x": rng.standard_normal((T, N, D)), "h0": rng.uniform(-1, 1, (N, H)), **_weights(rng, D, H),
            "alpha": _alpha(rng) if alpha is None else alpha, "dhs": rng.standard_normal((T, N, H))}


def _online_inputs(rng, ones=()):
    N, D, H, T = _sizes(rng, ones, count=4)
    O = int(rng.integers(2, 5))
    params = {**_weights(rng, D, H),
              "W_oh": rng.standard_normal((O, H)) / np.sqrt(H), "b_o": 0.1 * rng.standard_normal(O)}
    return {"xs": rng.standard_normal((T, N, D)), "ys": _labels(rng, O, (T, N)), "h0": rng.uniform(-1, 1, (N, H)),
            "params": params, "alpha": _alpha(rng), "lr": float(rng.uniform(0.05, 0.5))}


def _step(ns, inp):
    return function(ns, "rtrl_leaky_step")(**inp)


def _readout_loss(ns, inp):
    return function(ns, "rtrl_readout_gradients")(**inp)[0]


def _readout_grads(ns, inp):
    return function(ns, "rtrl_readout_gradients")(**inp)[1]


def _readout(ns, inp):
    return function(ns, "rtrl_readout_gradients")(**inp)


def _gradients(ns, inp):
    return function(ns, "rtrl_leaky_gradients")(**inp)


def _online_losses(ns, inp):
    return function(ns, "rtrl_online_sgd")(**inp)[1]


def _online_params(ns, inp):
    return function(ns, "rtrl_online_sgd")(**inp)[0]


def _online(ns, inp):
    return function(ns, "rtrl_online_sgd")(**inp)


def _n(inp):
    """The sizes that can name a constant factor: N (and T, alpha) of the inputs."""
    x = inp.get("x", inp.get("xs", inp.get("h")))
    sizes = {"N": x.shape[-2] if x.ndim == 3 else x.shape[0]}
    if x.ndim == 3:
        sizes["T"] = x.shape[0]
    if "alpha" in inp:
        sizes["alpha"] = inp["alpha"]
    return sizes


STEP = compare_arrays(tol=1e-6, names=("h", "P"))
READOUT_LOSS = compare_arrays(tol=1e-6)
READOUT = compare_arrays(tol=1e-6, names=("loss", "grads"))
GRADS = compare_arrays(tol=1e-6)
ONLINE = compare_arrays(tol=1e-6, names=("params", "losses"), layouts={"losses": Layout(time=0)})
LOSSES = compare_arrays(tol=1e-6, layouts={"the result": Layout(time=0)})


def _check(name, points, make, call, compare, edge=(), keeps_inputs=False):
    return Check(name, points, make, call, compare, keeps_inputs=keeps_inputs, edge=edge, sizes=_n)


ASSIGNMENT = Assignment(
    name="hw03",
    notebook="hw03_rtrl.ipynb",
    questions=(
        Question("test_rtrl_step", "one RTRL step of the leaky SRN", ("rtrl_leaky_step",), (
            _check("h_t and P_t, sizes ≥ 2, random alpha", 2, _step_inputs, _step, STEP, keeps_inputs=True),
            _check("one example (N = 1)", 0.5, lambda rng: _step_inputs(rng, ones=("N",)), _step, STEP, ("N",),
                   keeps_inputs=True),
            _check("one input and one hidden unit (D = H = 1)", 0.5, lambda rng: _step_inputs(rng, ones=("D", "H")),
                   _step, STEP, ("D", "H"), keeps_inputs=True),
            _check("alpha = 1 is lecture 05's RTRL step", 1, lambda rng: _step_inputs(rng, alpha=1.0), _step, STEP,
                   keeps_inputs=True),
        )),
        Question("test_readout_gradients", "one step's loss and gradients from the sensitivities",
                 ("rtrl_readout_gradients",), (
            _check("the loss of a softmax read-out, sizes ≥ 2", 1, _readout_inputs, _readout_loss, READOUT_LOSS),
            _check("the five gradients (W_hx, W_hh, b_h, W_oh, b_o), sizes ≥ 2", 1, _readout_inputs, _readout_grads,
                   GRADS),
            _check("one example (N = 1): loss and gradients", 0.5, lambda rng: _readout_inputs(rng, ones=("N",)),
                   _readout, READOUT, ("N",)),
            _check("one input and one hidden unit (D = H = 1): loss and gradients", 0.5,
                   lambda rng: _readout_inputs(rng, ones=("D", "H")), _readout, READOUT, ("D", "H")),
        )),
        Question("test_rtrl_gradients", "whole-sequence gradients by RTRL", ("rtrl_leaky_gradients",), (
            _check("gradients of W_hx, W_hh, b_h and h0, sizes ≥ 2, random alpha", 2, _sequence_inputs, _gradients,
                   GRADS),
            _check("one step (T = 1)", 0.5, lambda rng: _sequence_inputs(rng, ones=("T",)), _gradients, GRADS, ("T",)),
            _check("one example (N = 1)", 0.5, lambda rng: _sequence_inputs(rng, ones=("N",)), _gradients, GRADS,
                   ("N",)),
            _check("alpha = 1 equals BPTT of the plain SRN", 1, lambda rng: _sequence_inputs(rng, alpha=1.0),
                   _gradients, GRADS),
        ), builds_on=("rtrl_leaky_step",)),
        Question("test_online_sgd", "online SGD with RTRL on a stream", ("rtrl_online_sgd",), (
            _check("the losses of every step, sizes ≥ 2", 1, _online_inputs, _online_losses, LOSSES,
                   keeps_inputs=True),
            _check("the parameters after the last update, sizes ≥ 2", 2, _online_inputs, _online_params, GRADS,
                   keeps_inputs=True),
            _check("one step (T = 1): losses and parameters", 0.5, lambda rng: _online_inputs(rng, ones=("T",)),
                   _online, ONLINE, ("T",), keeps_inputs=True),
            _check("one example (N = 1): losses and parameters", 0.5, lambda rng: _online_inputs(rng, ones=("N",)),
                   _online, ONLINE, ("N",), keeps_inputs=True),
        ), builds_on=("rtrl_leaky_step", "rtrl_readout_gradients")),
    ),
)
