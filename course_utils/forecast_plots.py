"""The figures of lecture 01 (sequence models and forecasting), sized for a projector.

Each function takes numbers the lecture has already computed and only draws them: no model is
fitted here. Each returns its matplotlib Figure (or fills the Axes it is given); the notebook
ends the cell with `plt.show()`. The course style (`course_utils.setup`) sets 110 dpi and the
font sizes; the sizes here leave room for labels and legends at those fonts.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import _validate


def _curve(name: str, x, y) -> tuple[np.ndarray, np.ndarray]:
    x = _validate.float_array(f"{name} x", x, ndim=1, min_length=1)
    y = _validate.float_array(f"{name} y", y, ndim=1, min_length=1)
    if x.shape != y.shape:
        raise ValueError(f"{name}: x and y must have the same length, got {x.size} and {y.size}")
    return x, y


def _figure(*args, **kwargs):
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def validation_curve(orders, mse, noise_var: float, title: str = ""):
    """One-step validation MSE against the model order τ, with the noise variance as the floor."""
    orders, mse = _curve("validation curve", orders, mse)
    noise_var = _validate.finite_float("noise_var", noise_var, low=0.0)
    fig, ax = _figure(figsize=(6.4, 3.6))
    ax.plot(orders, mse, "o-", label="validation MSE")
    ax.axhline(noise_var, color="gray", ls="--", label=r"noise variance $\sigma^2$")
    ax.set(xlabel=r"order $\tau$ (past values in the window)", ylabel="one-step MSE", title=title)
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


def narx_fit(t, target, predictions: Mapping[str, np.ndarray], grid, truth, learned: Mapping[str, np.ndarray]):
    """Left: one-step predictions of several models against the observed output y_t.
    Right: the learned effect of each past input on the prediction against the true one."""
    t, target = _curve("narx target", t, target)
    grid, truth = _curve("narx truth", grid, truth)
    fig, (ax0, ax1) = _figure(1, 2, figsize=(10, 4))
    ax0.plot(t, target, "k.", ms=5, label="$y_t$ (test)")
    for name, pred in predictions.items():
        ax0.plot(*_curve(name, t, pred), label=name)
    ax0.set(xlabel="time step t", ylabel="output $y_t$", title="one-step predictions")
    ax0.legend(loc="lower left", ncols=3)
    ax0.set_ylim(ax0.get_ylim()[0] - 1.2, ax0.get_ylim()[1])        # room for the legend below the curves
    ax1.plot(grid, truth, "k--", label=r"true $\tanh(1.5u)$")
    for name, effect in learned.items():
        ax1.plot(*_curve(name, grid, effect), label=name)
    ax1.set(xlabel="input value u", ylabel=r"effect on $\hat y_t$ (0 at u = 0)", title="what the NARX model learned")
    ax1.legend(loc="upper left")
    fig.tight_layout()
    return fig


def return_map(x_now, x_next, curves: Mapping[str, np.ndarray]):
    """The return map of a series, pairs (x_t, x_{t+1}), with each model's prediction as a curve."""
    x_now, x_next = _curve("return map", x_now, x_next)
    order = np.argsort(x_now)
    fig, ax = _figure(figsize=(6.4, 4.2))
    ax.plot(x_now, x_next, ".", color="0.6", ms=3, label="test pairs $(x_t, x_{t+1})$")
    for name, pred in curves.items():
        ax.plot(x_now[order], _curve(name, x_now, pred)[1][order], lw=2, label=name)
    ax.set(xlabel="$x_t$", ylabel="$x_{t+1}$", title="logistic map: the return map")
    ax.legend(loc="lower center")
    fig.tight_layout()
    return fig


def k_step_panel(ax, x, times, pred, start: int, k: int, shown_from: int = 0):
    """The series (grey dots, from t = shown_from) and its k-step-ahead predictions (orange) on
    the test part; a dotted line marks `start`, where the test part begins."""
    x = _validate.float_array("x", x, ndim=1, min_length=1)
    times, pred = _curve("k-step predictions", times, pred)
    shown_from = _validate.positive_int("shown_from", shown_from, minimum=0)
    if not shown_from < x.size:
        raise ValueError(f"shown_from must lie inside the series of length {x.size}, got {shown_from}")
    target = x[times.astype(int)]
    ax.plot(np.arange(shown_from, x.size), x[shown_from:], ".", color="0.65", ms=3)
    ax.plot(times, pred, lw=1.5, color="C1")
    ax.axvline(start, color="k", lw=0.8, ls=":")
    ax.set_title(f"{k}-step-ahead predictions (MSE {np.mean((pred - target) ** 2):.3f})", fontsize=12)
    return ax


def k_step_grid(x, panels: Mapping[int, tuple[np.ndarray, np.ndarray]], start: int, shown_from: int = 0):
    """2 × 2 panels of `k_step_panel`, one per horizon k: panels maps k to (times, predictions)."""
    if len(panels) != 4:
        raise ValueError(f"panels must hold 4 horizons (a 2 × 2 grid), got {len(panels)}")
    fig, axes = _figure(2, 2, figsize=(10, 5.6), sharex=True, sharey=True)
    for ax, (k, (times, pred)) in zip(axes.flat, panels.items()):
        k_step_panel(ax, x, times, pred, start, k, shown_from)
    for ax in axes[1]:
        ax.set_xlabel(f"time step t  (fitted on t < {start})")
    for ax in axes[:, 0]:
        ax.set_ylabel("$x_t$")
    fig.tight_layout()
    return fig


def horizon_curves(ks, curves: Mapping[str, np.ndarray], variance: float, noise_floor: float, title: str = ""):
    """Test MSE against the horizon k for several prediction strategies, with two reference levels:
    predicting the mean (the series' variance) and the noise floor."""
    ks = _validate.float_array("ks", ks, ndim=1, min_length=1)
    variance = _validate.finite_float("variance", variance, low=0.0)
    noise_floor = _validate.finite_float("noise_floor", noise_floor, low=0.0)
    fig, ax = _figure(figsize=(8, 4))
    for name, mse in curves.items():
        ax.plot(*_curve(name, ks, mse), label=name)
    ax.axhline(variance, color="gray", ls="--", label="predict the mean")
    ax.axhline(noise_floor, color="gray", ls=":", label="noise floor")
    ax.set(xlabel="horizon k (steps ahead)", ylabel="test MSE", title=title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def error_growth(steps, exact: Mapping[str, np.ndarray], learned_steps, learned, reference):
    """Mean log10 |error| against the horizon: curves of the exact map started a little off, the
    learned model's curve (black dots) and a reference slope line (dotted)."""
    steps = _validate.float_array("steps", steps, ndim=1, min_length=1)
    fig, ax = _figure(figsize=(8, 4.2))
    for name, mean_log10 in exact.items():
        ax.plot(*_curve(name, steps, mean_log10), lw=1.5, label=name)
    ax.plot(*_curve("learned", learned_steps, learned), "k.-", label="TDNN (learned)")
    ax.plot(*_curve("reference", steps, reference), "k:", lw=1, label=r"slope $\ln 2$ per step")
    ax.set(xlabel="horizon k (steps ahead)", ylabel=r"mean $\log_{10}|$error$|$", ylim=(-14, 1),
           title="logistic map: errors double every step")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig
