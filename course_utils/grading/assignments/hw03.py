"""Grading spec of hw03: real-time recurrent learning (RTRL) for the leaky SRN.

Sensitivities are dicts {"W_hx": (N, H, H, D), "W_hh": (N, H, H, H), "b_h": (N, H, H)} with
P[n, i, j, k] = ∂h_i/∂W[j, k] for example n. Every check builds its own inputs, so a wrong
answer to one question cannot cost another question's points through the grader's inputs.
"""
import numpy as np

from ..spec import Assignment, Check, Question, compare_arrays, function


def _sizes(rng, edge=False, count=3):
    """`count` sizes (N, D, H[, T]). Ordinary checks use sizes >= 2, so that a batch sum, a
    transpose or a time reversal cannot pass by accident; edge checks set some sizes to 1
    (at least one, each with probability 1/2) to catch shape bugs of single examples and units."""
    sizes = rng.integers(2, 5, count)
    if edge:
        ones = rng.random(count) < 0.5
        ones[rng.integers(count)] = True
        sizes[ones] = 1
    return tuple(int(s) for s in sizes)


def _weights(rng, D, H):
    return {"W_hx": rng.standard_normal((H, D)) / np.sqrt(D), "W_hh": rng.standard_normal((H, H)) / np.sqrt(H),
            "b_h": 0.1 * rng.standard_normal(H)}


def _alpha(rng):
    return float(rng.uniform(0.05, 0.95))


def _random_sensitivities(rng, N, D, H):
    """Any arrays of the right shapes will do: the step is linear in P_{t−1}."""
    return {"W_hx": rng.standard_normal((N, H, H, D)), "W_hh": rng.standard_normal((N, H, H, H)),
            "b_h": rng.standard_normal((N, H, H))}


def _step_inputs(rng, alpha=None, edge=False):
    N, D, H = _sizes(rng, edge)
    return {"x": rng.standard_normal((N, D)), "h_prev": rng.uniform(-1, 1, (N, H)),
            "P_prev": _random_sensitivities(rng, N, D, H), **_weights(rng, D, H),
            "alpha": _alpha(rng) if alpha is None else alpha}


def _readout_inputs(rng, edge=False):
    N, D, H = _sizes(rng, edge)
    O = int(rng.integers(2, 6))
    return {"h": rng.uniform(-1, 1, (N, H)), "P": _random_sensitivities(rng, N, D, H),
            "y": rng.integers(0, O, N), "W_oh": rng.standard_normal((O, H)), "b_o": rng.standard_normal(O)}


def _sequence_inputs(rng, alpha=None, edge=False):
    N, D, H, T = _sizes(rng, edge, count=4)
    return {"x": rng.standard_normal((T, N, D)), "h0": rng.uniform(-1, 1, (N, H)), **_weights(rng, D, H),
            "alpha": _alpha(rng) if alpha is None else alpha, "dhs": rng.standard_normal((T, N, H))}


def _online_inputs(rng, edge=False):
    N, D, H, T = _sizes(rng, edge, count=4)
    O = int(rng.integers(2, 5))
    params = {**_weights(rng, D, H), "W_oh": rng.standard_normal((O, H)) / np.sqrt(H), "b_o": 0.1 * rng.standard_normal(O)}
    return {"xs": rng.standard_normal((T, N, D)), "ys": rng.integers(0, O, (T, N)), "h0": rng.uniform(-1, 1, (N, H)),
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


CLOSE = compare_arrays(tol=1e-6)

ASSIGNMENT = Assignment(
    name="hw03",
    notebook="hw03_rtrl.ipynb",
    questions=(
        Question("test_rtrl_step", "one RTRL step of the leaky SRN", ("rtrl_leaky_step",), (
            Check("h_t and P_t, random sizes and alpha", 2, _step_inputs, _step, CLOSE, keeps_inputs=True),
            Check("edge sizes (some of N, D, H equal 1)", 1, lambda rng: _step_inputs(rng, edge=True), _step, CLOSE,
                  keeps_inputs=True),
            Check("alpha = 1 is lecture 05's RTRL step", 1, lambda rng: _step_inputs(rng, alpha=1.0), _step, CLOSE,
                  keeps_inputs=True),
        )),
        Question("test_readout_gradients", "one step's loss and gradients from the sensitivities",
                 ("rtrl_readout_gradients",), (
            Check("the loss of a softmax read-out", 1, _readout_inputs, _readout_loss, CLOSE),
            Check("the five gradients (W_hx, W_hh, b_h, W_oh, b_o)", 1, _readout_inputs, _readout_grads, CLOSE),
            Check("edge sizes (some of N, D, H equal 1): loss and gradients", 1,
                  lambda rng: _readout_inputs(rng, edge=True), _readout, CLOSE),
        )),
        Question("test_rtrl_gradients", "whole-sequence gradients by RTRL", ("rtrl_leaky_gradients",), (
            Check("gradients of W_hx, W_hh, b_h and h0, random sizes and alpha", 2, _sequence_inputs, _gradients, CLOSE),
            Check("edge sizes (some of N, D, H, T equal 1)", 1, lambda rng: _sequence_inputs(rng, edge=True),
                  _gradients, CLOSE),
            Check("alpha = 1 equals BPTT of the plain SRN", 1, lambda rng: _sequence_inputs(rng, alpha=1.0),
                  _gradients, CLOSE),
        )),
        Question("test_online_sgd", "online SGD with RTRL on a stream", ("rtrl_online_sgd",), (
            Check("the losses of every step", 1, _online_inputs, _online_losses, CLOSE, keeps_inputs=True),
            Check("the parameters after the last update", 2, _online_inputs, _online_params, CLOSE, keeps_inputs=True),
            Check("edge sizes (some of N, D, H, T equal 1): losses and parameters", 1,
                  lambda rng: _online_inputs(rng, edge=True), _online, CLOSE, keeps_inputs=True),
        )),
    ),
)
