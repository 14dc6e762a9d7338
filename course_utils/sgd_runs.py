"""Plain-SGD training runs of the numpy SRN that record what the gradient does at every step.

Lecture 06 uses them to watch gradients explode and to test the remedies: gradient-norm
clipping and weight decay on W_hh. A run logs the loss, the gradient norm *before* clipping, and
the share of that norm in the recurrent parameters (W_hx, W_hh, b_h) as opposed to the output
layer, which tells whether a spike comes from the recurrence. A run whose loss passes a
threshold counts as diverged and stops there, before the floats overflow.
"""
from __future__ import annotations

import numpy as np

from . import _validate, srn
from .optim import SGD, clip_grad_norm, global_norm

RECURRENT = ("W_hx", "W_hh", "b_h")


def sgd_run(task, seed: int, *, clip: float | None = None, weight_decay: float = 0.0,
            start_rho: float | None = 1.0, steps: int = 600, lr: float = 0.05, H: int = 32, N: int = 32,
            D: int = 1, O: int = 1, diverged_above: float = 1e3) -> tuple[dict, dict]:
    """Train an SRN read out at its last step (`srn.regression_loss_and_grads`, MSE) with SGD.

    task(N, rng) -> (x (T, N, D), y (N, O) or (N,)) gives a fresh batch at every step (e.g.
    `tasks.recall_task(40)`); `seed` seeds both the weights and the batches, so two runs with the
    same seed differ only in their settings. W_hh is rescaled to spectral radius `start_rho`
    (None keeps torch's initialisation). `clip` caps the gradient norm at θ (None: no clipping);
    `weight_decay` λ adds λ·W_hh to W_hh's gradient after clipping (the gradient of (λ/2)‖W_hh‖²).

    Returns (log, params): log["loss"], log["norm"], log["recurrent_share"] are arrays with one
    entry per completed step, log["diverged"] says whether the loss passed `diverged_above`.
    """
    if not callable(task):
        raise ValueError(f"task must be a callable task(N, rng) -> (x, y), got {type(task).__name__}")
    seed = _validate.positive_int("seed", seed, minimum=0)
    clip = _validate.optional_positive("clip", clip)
    weight_decay = _validate.finite_float("weight_decay", weight_decay, low=0.0)
    if start_rho is not None:
        start_rho = _validate.finite_float("start_rho", start_rho, low=0.0, low_open=True)
    steps = _validate.positive_int("steps", steps)
    diverged_above = _validate.finite_float("diverged_above", diverged_above, low=0.0, low_open=True)
    rng = np.random.default_rng(seed)
    params = srn.init_params(D, H, O, rng=rng)
    if start_rho is not None:
        params["W_hh"] *= start_rho / srn.spectral_radius(params["W_hh"])
    opt = SGD(params, lr)
    log = {"loss": [], "norm": [], "recurrent_share": [], "diverged": False}
    for _ in range(steps):
        x, y = task(N, rng)
        loss, grads = srn.regression_loss_and_grads(params, x, y)
        if loss > diverged_above:
            log["diverged"] = True
            break
        norm = global_norm(grads)
        log["loss"].append(loss)
        log["norm"].append(norm)
        log["recurrent_share"].append(global_norm({k: grads[k] for k in RECURRENT}) / norm)
        if clip is not None:
            grads, _ = clip_grad_norm(grads, clip)
        if weight_decay:
            grads["W_hh"] = grads["W_hh"] + weight_decay * params["W_hh"]
        opt.step(grads)
    return {k: np.array(v) if isinstance(v, list) else v for k, v in log.items()}, params


def final_loss(log: dict, last: int = 50) -> float:
    """The mean loss of a run's last `last` steps, or ∞ if it diverged."""
    if not isinstance(log, dict) or "loss" not in log or "diverged" not in log:
        raise ValueError("log must be the dict that sgd_run returns (with 'loss' and 'diverged')")
    last = _validate.positive_int("last", last)
    if log["diverged"]:
        return np.inf
    if len(log["loss"]) == 0:
        raise ValueError("the run has no completed step")
    return float(np.mean(log["loss"][-last:]))
