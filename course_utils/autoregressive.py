"""Autoregressive models of a series fitted by least squares, and multi-step prediction (lecture 01).

An order-τ model predicts x_t from the window (x_{t−τ}, …, x_{t−1}). With an exogenous input u
it may also see (u_{t−q}, …, u_{t−1}) (a linear ARX model; a nonlinear f makes it NARX).

Conventions (the same as `series.ar_process`):
- windows and feature rows are stored oldest first, as `batching.sliding_windows` makes them;
- coefficients are stored in lag order: `ar[i]` multiplies x_{t−1−i}, `exog[j]` multiplies u_{t−1−j}.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _validate
from .batching import sliding_windows

WindowPredictor = Callable[[np.ndarray], np.ndarray]


def lagged_features(x, tau: int, exog=None, exog_lags: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and targets for predicting x_t from its past (and the past of an input u).

    Row r is (x_{t−τ}, …, x_{t−1}, u_{t−q}, …, u_{t−1}) with q = `exog_lags`, and its target is
    x_t, for t = max(τ, q), …, n−1 in order. Without `exog` the rows are exactly
    `sliding_windows(x, tau)`. Returns arrays of shapes (m, τ + q) and (m,).
    """
    x = _validate.float_array("x", x, ndim=1)
    tau = _validate.positive_int("tau", tau)
    exog_lags = _validate.positive_int("exog_lags", exog_lags, minimum=0)
    if exog is None:
        if exog_lags:
            raise ValueError(f"exog_lags={exog_lags} needs an exogenous series: pass exog")
        return sliding_windows(x, tau)
    u = _validate.float_array("exog", exog, ndim=1)
    if u.shape != x.shape:
        raise ValueError(f"exog must have the length of x ({x.size}), got {u.size}")
    if exog_lags < 1:
        raise ValueError("exog_lags must be an integer >= 1 when exog is given")
    start = max(tau, exog_lags)
    if x.size <= start:
        raise ValueError(f"a series of length {x.size} is too short for tau={tau} and exog_lags={exog_lags}")
    x_win, targets = sliding_windows(x, tau)          # row i ends at x_{i+τ−1}, target x_{i+τ}
    u_win, _ = sliding_windows(u, exog_lags)          # row j ends at u_{j+q−1}
    features = np.hstack([x_win[start - tau:], u_win[start - exog_lags:]])
    return features, targets[start - tau:]


def least_squares(features, targets, ridge: float = 0.0) -> tuple[np.ndarray, float]:
    """Weights w and bias b minimising Σ (f·w + b − y)² + ridge·‖w‖² (the bias is not penalised).

    ridge = 0 is ordinary least squares, solved with `np.linalg.lstsq` (an SVD, stable even
    when features are nearly collinear); ridge > 0 solves the regularised normal equations.
    """
    F = _validate.float_array("features", features, ndim=2)
    y = _validate.float_array("targets", targets, ndim=1)
    ridge = _validate.finite_float("ridge", ridge, low=0.0)
    if F.shape[0] != y.size:
        raise ValueError(f"features has {F.shape[0]} rows but targets has {y.size} entries")
    if F.shape[0] < 1 or F.shape[1] < 1:
        raise ValueError(f"features must have at least one row and one column, got shape {F.shape}")
    A = np.hstack([F, np.ones((F.shape[0], 1))])      # last column: the bias
    if ridge == 0.0:
        theta = np.linalg.lstsq(A, y, rcond=None)[0]
    else:
        penalty = ridge * np.eye(A.shape[1])
        penalty[-1, -1] = 0.0
        theta = np.linalg.solve(A.T @ A + penalty, A.T @ y)
    return theta[:-1], float(theta[-1])


def standard_errors(features, targets, weights, bias: float) -> tuple[np.ndarray, float]:
    """Classical OLS standard errors of (weights, bias): sqrt of the diagonal of σ̂²(AᵀA)⁻¹.

    σ̂² = RSS / (m − p) with p = number of weights + 1. Valid for least squares with ridge = 0
    and noise that is independent of the past with constant variance (true for an AR process).
    """
    F = _validate.float_array("features", features, ndim=2)
    y = _validate.float_array("targets", targets, ndim=1)
    w = _validate.float_array("weights", weights, ndim=1)
    bias = _validate.finite_float("bias", bias)
    if F.shape[0] != y.size or F.shape[1] != w.size:
        raise ValueError(f"shapes do not match: features {F.shape}, targets {y.shape}, weights {w.shape}")
    m, p = F.shape[0], F.shape[1] + 1
    if m <= p:
        raise ValueError(f"need more rows than parameters to estimate the noise, got {m} rows for {p} parameters")
    A = np.hstack([F, np.ones((m, 1))])
    residuals = y - A @ np.append(w, bias)
    sigma2 = residuals @ residuals / (m - p)
    se = np.sqrt(sigma2 * np.diag(np.linalg.inv(A.T @ A)))
    return se[:-1], float(se[-1])


@dataclass
class ARXModel:
    """x_t ≈ intercept + Σ_i ar[i]·x_{t−1−i} + Σ_j exog[j]·u_{t−1−j} (lag order, newest lag first)."""

    ar: np.ndarray
    exog: np.ndarray
    intercept: float

    @property
    def tau(self) -> int:
        return int(self.ar.size)

    @property
    def exog_lags(self) -> int:
        return int(self.exog.size)

    def predict_windows(self, windows) -> np.ndarray:
        """One-step predictions from windows (m, τ) of x, oldest first; needs a model without exog."""
        if self.exog_lags:
            raise ValueError("this model also needs past exog values; use predict(x, exog)")
        W = _validate.float_array("windows", windows, ndim=2)
        if W.shape[1] != self.tau:
            raise ValueError(f"windows must have {self.tau} columns (tau), got shape {W.shape}")
        return W @ self.ar[::-1] + self.intercept

    def predict(self, x, exog=None) -> np.ndarray:
        """One-step predictions aligned with the targets of `lagged_features(x, tau, exog, q)`."""
        F, _ = lagged_features(x, self.tau, exog, self.exog_lags)
        return F @ np.concatenate([self.ar[::-1], self.exog[::-1]]) + self.intercept


def fit_arx(x, tau: int, exog=None, exog_lags: int = 0, ridge: float = 0.0) -> ARXModel:
    """Least-squares fit of a linear AR(τ) model, or ARX if an input series `exog` is given."""
    F, y = lagged_features(x, tau, exog, exog_lags)
    w, b = least_squares(F, y, ridge)
    tau = int(tau)
    return ARXModel(ar=w[:tau][::-1].copy(), exog=w[tau:][::-1].copy(), intercept=b)


def fit_ar(x, tau: int, ridge: float = 0.0) -> ARXModel:
    """Least-squares fit of x_t ≈ c + Σ_{i=1..τ} a_i x_{t−i}."""
    return fit_arx(x, tau, ridge=ridge)


def recursive_forecast(predict: WindowPredictor, windows, steps: int) -> np.ndarray:
    """Predict `steps` values after each window, feeding every prediction back as an input.

    `predict` maps windows (m, τ), oldest first, to next values (m,). Row r of the result holds
    the 1-, 2-, …, steps-step-ahead predictions that start from window r: from step τ+1 on, the
    model sees only its own outputs, so its errors become its inputs.
    """
    if not callable(predict):
        raise ValueError("predict must be a callable mapping windows (m, tau) to predictions (m,)")
    W = _validate.float_array("windows", windows, ndim=2, min_length=1)
    steps = _validate.positive_int("steps", steps)
    if W.shape[1] < 1:
        raise ValueError(f"windows must have at least one column, got shape {W.shape}")
    out = np.empty((W.shape[0], steps))
    for k in range(steps):
        nxt = np.asarray(predict(W), dtype=np.float64)
        if nxt.shape != (W.shape[0],):
            raise ValueError(f"predict must return shape ({W.shape[0]},) for {W.shape[0]} windows, got {nxt.shape}")
        out[:, k] = nxt
        W = np.hstack([W[:, 1:], nxt[:, None]])   # slide: drop the oldest, append the prediction
    return out


def k_step_predictions(predict: WindowPredictor, x, tau: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """k-step-ahead predictions along a whole series, and their targets.

    Prediction r starts from the observed window (x_r, …, x_{r+τ−1}) and runs the model k steps
    recursively; its target is x_{r+τ+k−1}. The pairs match `sliding_windows(x, tau, horizon=k)`.
    """
    k = _validate.positive_int("k", k)
    windows, targets = sliding_windows(x, tau, horizon=k)
    return recursive_forecast(predict, windows, k)[:, -1], targets


def k_step_test_predictions(predict: WindowPredictor, x, tau: int, k: int,
                            start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k-step-ahead predictions of `k_step_predictions` whose targets lie at times t >= start
    (a test part after a fitting part): returns the target times, the predictions and the targets."""
    start = _validate.positive_int("start", start, minimum=0)
    pred, target = k_step_predictions(predict, x, tau, k)
    times = np.arange(tau + k - 1, tau + k - 1 + target.size)
    keep = times >= start
    if not keep.any():
        raise ValueError(f"no {k}-step target lies at t >= start = {start} in a series of length {times[-1] + 1}")
    return times[keep], pred[keep], target[keep]


def recursive_test_mse(predict: WindowPredictor, x, tau: int, k: int, start: int) -> float:
    """Mean squared error of the recursive k-step predictions whose targets lie at t >= start."""
    _, pred, target = k_step_test_predictions(predict, x, tau, k, start)
    return float(np.mean((pred - target) ** 2))


def direct_test_mse(x, tau: int, k: int, start: int) -> float:
    """Direct k-step prediction: fit one least-squares model on the pairs (window, x_{t+k}) whose
    targets lie before `start`, and return its mean squared error on the targets at t >= start."""
    start = _validate.positive_int("start", start, minimum=0)
    features, targets = sliding_windows(x, tau, horizon=k)
    fit_rows = np.arange(len(targets)) + tau + k - 1 < start        # targets inside the fitting part
    if fit_rows.all() or not fit_rows.any():
        raise ValueError(f"start = {start} must leave {k}-step targets on both sides (fitting and test)")
    w, b = least_squares(features[fit_rows], targets[fit_rows])
    return float(np.mean((features[~fit_rows] @ w + b - targets[~fit_rows]) ** 2))


def impulse_response(coeffs, n: int) -> np.ndarray:
    """ψ_0 … ψ_{n−1} of an AR model with coefficients a_1 … a_τ (lag order): ψ_0 = 1 and
    ψ_j = Σ_{i=1}^{min(j, τ)} a_i ψ_{j−i}, how a shock j steps ago still moves the series.
    The k-step forecast error of the true model has variance σ² Σ_{j<k} ψ_j²."""
    a = _validate.float_array("coeffs", coeffs, ndim=1, min_length=1)
    n = _validate.positive_int("n", n)
    psi = np.zeros(n)
    psi[0] = 1.0
    for j in range(1, n):
        psi[j] = sum(a[i] * psi[j - 1 - i] for i in range(min(j, a.size)))
    return psi


def holdout_mse(features, targets, n_fit: int) -> tuple[float, tuple[np.ndarray, float]]:
    """Least squares on the first n_fit rows; returns the mean squared error on the other rows
    and the fitted (weights, bias)."""
    F = _validate.float_array("features", features, ndim=2)
    y = _validate.float_array("targets", targets, ndim=1)
    n_fit = _validate.positive_int("n_fit", n_fit)
    if not n_fit < y.size:
        raise ValueError(f"n_fit must leave rows to test on: got n_fit = {n_fit} for {y.size} rows")
    w, b = least_squares(F[:n_fit], y[:n_fit])
    return float(np.mean((F[n_fit:] @ w + b - y[n_fit:]) ** 2)), (w, b)


def hinge_features(features, knots, first_exog: int) -> np.ndarray:
    """A NARX basis that is still linear in its parameters: the features plus max(0, u − κ) for
    every past input u (the columns from `first_exog` on) and every knot κ, input by input."""
    F = _validate.float_array("features", features, ndim=2)
    knots = _validate.float_array("knots", knots, ndim=1, min_length=1)
    first_exog = _validate.positive_int("first_exog", first_exog, minimum=0)
    if first_exog >= F.shape[1]:
        raise ValueError(f"first_exog = {first_exog} leaves no input columns in features of shape {F.shape}")
    U = F[:, first_exog:]
    return np.hstack([F] + [np.maximum(U[:, [j]] - knots, 0.0) for j in range(U.shape[1])])


def hinge_effect(weights, knots, first_exog: int, exog_lags: int, lag: int, grid) -> np.ndarray:
    """What a model fitted on `hinge_features` learned about u_{t−lag}: its contribution to the
    prediction as a function of that input's value, on `grid`, shifted to be 0 at u = 0."""
    w = _validate.float_array("weights", weights, ndim=1)
    knots = _validate.float_array("knots", knots, ndim=1, min_length=1)
    grid = _validate.float_array("grid", grid, ndim=1)
    first_exog = _validate.positive_int("first_exog", first_exog, minimum=0)
    exog_lags = _validate.positive_int("exog_lags", exog_lags)
    lag = _validate.positive_int("lag", lag)
    if lag > exog_lags:
        raise ValueError(f"lag must be at most exog_lags = {exog_lags}, got {lag}")
    if w.size != first_exog + exog_lags * (1 + knots.size):
        raise ValueError(f"weights must have {first_exog + exog_lags * (1 + knots.size)} entries for "
                         f"{first_exog} outputs, {exog_lags} inputs and {knots.size} knots, got {w.size}")
    j = exog_lags - lag                                  # column of u_{t−lag} among the past inputs (oldest first)
    start = first_exog + exog_lags + j * knots.size
    hinge_w = w[start: start + knots.size]

    def effect(v):
        return w[first_exog + j] * v + np.maximum(np.asarray(v)[..., None] - knots, 0.0) @ hinge_w

    return effect(grid) - effect(0.0)
