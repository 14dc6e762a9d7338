"""Synthetic time series for lecture 01: a noisy sine, an AR process, a chaotic map, a driven (NARX) system."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _validate


def _rng(rng):
    return np.random.default_rng(0) if rng is None else rng


def noisy_sine(n: int = 1000, period: float = 100.0, noise: float = 0.2,
               rng: np.random.Generator | None = None) -> np.ndarray:
    """x_t = sin(2πt / period) + noise·ε_t, ε_t ~ N(0, 1), t = 0..n−1."""
    n = _validate.positive_int("n", n)
    period = _validate.finite_float("period", period, low=0.0, low_open=True)
    noise = _validate.finite_float("noise", noise, low=0.0)
    t = np.arange(n)
    return np.sin(2 * np.pi * t / period) + noise * _rng(rng).standard_normal(n)


def ar_process(n: int, coeffs: Sequence[float], noise: float = 1.0, intercept: float = 0.0,
               rng: np.random.Generator | None = None, burn_in: int = 200) -> np.ndarray:
    """x_t = intercept + Σ_i coeffs[i]·x_{t−1−i} + noise·ε_t: an AR(τ) process, τ = len(coeffs).

    Raises if the process is not stationary (a root of 1 − Σ a_i z^i inside the unit circle),
    because then it explodes instead of settling. The first `burn_in` steps are dropped.
    """
    n = _validate.positive_int("n", n)
    a = _validate.float_array("coeffs", coeffs, ndim=1, min_length=1)
    noise = _validate.finite_float("noise", noise, low=0.0)
    intercept = _validate.finite_float("intercept", intercept)
    burn_in = _validate.positive_int("burn_in", burn_in, minimum=0)
    if not is_stationary(a):
        raise ValueError(f"AR coefficients {a.tolist()} give a non-stationary process "
                         "(a root of 1 − Σ a_i z^i lies on or inside the unit circle)")
    tau = a.size
    eps = _rng(rng).standard_normal(n + burn_in + tau)
    x = np.zeros(n + burn_in + tau)
    for t in range(tau, x.size):
        x[t] = intercept + a @ x[t - tau:t][::-1] + noise * eps[t]
    return x[tau + burn_in:]


def is_stationary(coeffs) -> bool:
    """True when every root of the AR characteristic polynomial 1 − Σ a_i z^i lies outside the unit circle."""
    a = _validate.float_array("coeffs", coeffs, ndim=1, min_length=1)
    roots = np.roots(np.concatenate([-a[::-1], [1.0]]))
    return bool(np.all(np.abs(roots) > 1.0 + 1e-12))


def logistic_map(n: int, r: float = 4.0, x0: float = 0.2, noise: float = 0.0,
                 rng: np.random.Generator | None = None) -> np.ndarray:
    """x_{t+1} = r·x_t·(1 − x_t): a one-line chaotic system (Markov of order 1, yet hard to forecast).

    At r = 4 the Lyapunov exponent is ln 2: a small error doubles each step on average.
    `noise` adds observation noise to the returned values (the dynamics stay clean).
    """
    n = _validate.positive_int("n", n)
    r = _validate.finite_float("r", r, low=0.0, high=4.0, low_open=True)
    x0 = _validate.finite_float("x0", x0, low=0.0, high=1.0, low_open=True, high_open=True)
    noise = _validate.finite_float("noise", noise, low=0.0)
    x = np.empty(n)
    x[0] = x0
    for t in range(1, n):
        x[t] = r * x[t - 1] * (1.0 - x[t - 1])
    if noise > 0:
        x = x + noise * _rng(rng).standard_normal(n)
    return x


def narx_system(n: int = 1000, noise: float = 0.05, rng: np.random.Generator | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """A system driven by an outside input: returns (u, y).

    u_t is a slowly varying random input (an AR(1) with coefficient 0.9, unit variance);
    y_t = 0.6·y_{t−1} − 0.2·y_{t−2} + tanh(1.5·u_{t−1}) + 0.3·u_{t−2} + noise·ε_t.
    A model of y alone (AR) cannot predict the effect of u; a NARX model, which also sees
    past u, can.
    """
    n = _validate.positive_int("n", n, minimum=3)
    noise = _validate.finite_float("noise", noise, low=0.0)
    rng = _rng(rng)
    u = ar_process(n, [0.9], noise=np.sqrt(1 - 0.81), rng=rng)
    eps = rng.standard_normal(n)
    y = np.zeros(n)
    for t in range(2, n):
        y[t] = 0.6 * y[t - 1] - 0.2 * y[t - 2] + np.tanh(1.5 * u[t - 1]) + 0.3 * u[t - 2] + noise * eps[t]
    return u, y


def logistic_log_errors(starts, delta: float, steps: int) -> np.ndarray:
    """How fast the logistic map at r = 4 forgets its starting point: log|error| after k = 1..steps
    steps of the exact map started `delta` away from each start (towards 1/2, so it stays in [0, 1]).

    Returns an array (steps, number of starts). Each step doubles a small error on average, so the
    mean of row k − 1 grows like log(delta) + k ln 2 until the error reaches the attractor's size.
    """
    x = _validate.float_array("starts", starts, ndim=1, min_length=1)
    delta = _validate.finite_float("delta", delta, low=0.0, high=0.5, low_open=True)
    steps = _validate.positive_int("steps", steps)
    if np.any((x <= 0) | (x >= 1)):
        raise ValueError("starts must lie strictly between 0 and 1")
    truth, model_state = x.copy(), x + delta * np.where(x <= 0.5, 1.0, -1.0)
    log_err = np.empty((steps, x.size))
    for k in range(steps):
        truth, model_state = 4.0 * truth * (1.0 - truth), 4.0 * model_state * (1.0 - model_state)
        log_err[k] = np.log(np.abs(model_state - truth))
    return log_err
