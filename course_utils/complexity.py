"""Measuring what an algorithm costs: CPU time per call, peak memory, and power-law exponents.

Lecture 05 uses these to put numbers on the textbook claims about RTRL and BPTT
(Williams & Zipser 1989): RTRL needs O(H⁴) time per step and O(H³) memory whatever the length
T of the sequence; BPTT needs O(H²) time per step but O(H·T) memory for T steps.

A cost that grows like c·n^k is a straight line of slope k on log-log axes, so an exponent is the
least-squares slope of log(cost) against log(n). Lower-order terms (Python overhead, O(H³) parts)
bend the line at small n, which is why `fit_exponent` can be told to use only the larger sizes.

Times are CPU seconds of this process (`time.process_time`), not wall-clock, measured with one
BLAS thread: other programs sharing the machine then barely change the result, and idle BLAS
threads spinning in wait cannot inflate it. Memory is measured with `tracemalloc`,
which also sees numpy's array buffers.
"""
from __future__ import annotations

import time
import tracemalloc
import warnings
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from . import _validate, rtrl, srn
from .plots import loglog_slope


class Scaling(NamedTuple):
    """A cost measured at several sizes, and the exponent k of the fitted power law cost ∝ size^k."""

    sizes: np.ndarray
    values: np.ndarray
    exponent: float


def _callable(name: str, fn) -> Callable[[], object]:
    if not callable(fn):
        raise ValueError(f"{name} must be a callable taking no arguments, got {type(fn).__name__}")
    return fn


def _rng(rng) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng(0)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng) or None, got {type(rng).__name__}")
    return rng


def time_per_call(fn: Callable[[], object], repeats: int = 5, number: int = 1, warmup: int = 1) -> float:
    """Median CPU seconds of one call of `fn()`.

    `warmup` untimed calls come first (first calls pay for caches and lazy set-up); then each of
    `repeats` timings runs `number` calls back to back and divides by `number` (use number > 1
    for calls too short for the clock). The median ignores the odd interrupted repeat.
    BLAS is limited to one thread meanwhile, so the CPU time is the work of one core.
    """
    fn = _callable("fn", fn)
    repeats = _validate.positive_int("repeats", repeats)
    number = _validate.positive_int("number", number)
    warmup = _validate.positive_int("warmup", warmup, minimum=0)
    times = np.empty(repeats)
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(warmup):
            fn()
        for r in range(repeats):
            start = time.process_time()
            for _ in range(number):
                fn()
            times[r] = (time.process_time() - start) / number
    return float(np.median(times))


def peak_memory(fn: Callable[[], object]) -> int:
    """Bytes by which the traced memory rose above its starting level at the peak of `fn()`.

    Arrays that exist before the call are not counted; arrays `fn` creates are, including
    temporaries it frees again before returning. If tracemalloc is already running, its peak is reset.
    """
    fn = _callable("fn", fn)
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        start, _ = tracemalloc.get_traced_memory()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return max(0, int(peak - start))


def _sizes_and_values(sizes, values) -> tuple[np.ndarray, np.ndarray]:
    sizes = _validate.float_array("sizes", sizes, ndim=1, min_length=2)
    values = _validate.float_array("values", values, ndim=1, min_length=2)
    if sizes.shape != values.shape:
        raise ValueError(f"sizes and values must have the same length, got {sizes.size} and {values.size}")
    if np.any(sizes <= 0) or np.any(values <= 0):
        raise ValueError("sizes and values must be positive to take logarithms")
    if np.any(np.diff(sizes) <= 0):
        raise ValueError("sizes must be strictly increasing")
    return sizes, values


def fit_exponent(sizes, values, min_size: float | None = None) -> float:
    """Exponent k of values ≈ c·sizes^k: the least-squares slope on log-log axes.

    With `min_size`, only sizes ≥ min_size enter the fit (where the leading term dominates);
    at least two must remain.
    """
    sizes, values = _sizes_and_values(sizes, values)
    if min_size is not None:
        min_size = _validate.finite_float("min_size", min_size, low=0.0, low_open=True)
        keep = sizes >= min_size
        if keep.sum() < 2:
            raise ValueError(f"min_size={min_size:g} leaves {int(keep.sum())} size(s); a slope needs at least 2")
        sizes, values = sizes[keep], values[keep]
    return loglog_slope(sizes, values)


def local_exponents(sizes, values) -> np.ndarray:
    """Slopes between neighbouring points on log-log axes (length n − 1): how the exponent drifts with size."""
    sizes, values = _sizes_and_values(sizes, values)
    return np.diff(np.log(values)) / np.diff(np.log(sizes))


def measure_scaling(sizes: Sequence[int], measure: Callable[[int], float],
                    min_size: float | None = None) -> Scaling:
    """Call `measure(size)` for each size and fit the exponent (on sizes ≥ min_size, if given)."""
    measure = _callable("measure", measure)
    sizes_arr = _validate.float_array("sizes", sizes, ndim=1, min_length=2)
    if np.any(sizes_arr != np.round(sizes_arr)) or np.any(sizes_arr < 1):
        raise ValueError(f"sizes must be positive integers, got {sizes_arr.tolist()}")
    values = np.array([float(measure(int(s))) for s in sizes_arr])
    return Scaling(sizes_arr.astype(np.int64), values, fit_exponent(sizes_arr, values, min_size))


def _rtrl_problem(H: int, D: int, N: int, rng: np.random.Generator):
    """Parameters, an input, a state and non-zero sensitivities for timing one RTRL step."""
    params = srn.init_params(D, H, rng=rng)
    x = rng.standard_normal((N, D))
    h = np.tanh(rng.standard_normal((N, H)))
    sens = rtrl.init_sensitivities(N, D, H)
    del sens["h0"]  # only the parameters' sensitivities: the ones counted by rtrl.sensitivity_floats
    for P in sens.values():
        P[...] = 0.1 * rng.standard_normal(P.shape)
    return params, x, h, sens


def rtrl_step_seconds(H: int, D: int = 4, N: int = 1, repeats: int = 5,
                      rng: np.random.Generator | None = None) -> float:
    """Median CPU seconds of one `rtrl.step` (state and sensitivity update) for hidden size H."""
    H, D, N = (_validate.positive_int(k, v) for k, v in (("H", H), ("D", D), ("N", N)))
    params, x, h, sens = _rtrl_problem(H, D, N, _rng(rng))
    return time_per_call(lambda: rtrl.step(x, h, sens, params["W_hx"], params["W_hh"], params["b_h"]),
                         repeats=repeats)


def rtrl_memory_bytes(H: int, D: int = 4, N: int = 1, steps: int = 2,
                      rng: np.random.Generator | None = None) -> int:
    """Peak bytes allocated while RTRL runs `steps` steps from fresh sensitivities (parameters only).

    Expect about twice the stored sensitivities: during a step the old and the new ones coexist.
    The result does not depend on `steps`: RTRL forgets the past.
    """
    H, D, N = (_validate.positive_int(k, v) for k, v in (("H", H), ("D", D), ("N", N)))
    steps = _validate.positive_int("steps", steps)
    rng = _rng(rng)
    params = srn.init_params(D, H, rng=rng)
    x = rng.standard_normal((steps, N, D))

    def run():
        sens = rtrl.init_sensitivities(N, D, H)
        del sens["h0"]
        h = np.zeros((N, H))
        for t in range(steps):
            h, sens = rtrl.step(x[t], h, sens, params["W_hx"], params["W_hh"], params["b_h"])

    return peak_memory(run)


def _bptt_problem(T: int, H: int, D: int, N: int, rng: np.random.Generator):
    params = srn.init_params(D, H, rng=rng)
    x = rng.standard_normal((T, N, D))
    h0 = np.zeros((N, H))
    dhs = rng.standard_normal((T, N, H))
    return params, x, h0, dhs


def _bptt_gradient(params, x, h0, dhs):
    _, cache = srn.forward(x, h0, params["W_hx"], params["W_hh"], params["b_h"])
    return srn.backward(dhs, cache)


def bptt_seconds(T: int, H: int, D: int = 4, N: int = 1, repeats: int = 3,
                 rng: np.random.Generator | None = None) -> float:
    """Median CPU seconds of one BPTT gradient (forward + backward) over T steps."""
    T, H, D, N = (_validate.positive_int(k, v) for k, v in (("T", T), ("H", H), ("D", D), ("N", N)))
    problem = _bptt_problem(T, H, D, N, _rng(rng))
    return time_per_call(lambda: _bptt_gradient(*problem), repeats=repeats)


def rtrl_seconds(T: int, H: int, D: int = 4, N: int = 1, repeats: int = 3,
                 rng: np.random.Generator | None = None) -> float:
    """Median CPU seconds of one whole-sequence gradient by RTRL (`rtrl.gradients`) over T steps."""
    T, H, D, N = (_validate.positive_int(k, v) for k, v in (("T", T), ("H", H), ("D", D), ("N", N)))
    params, x, h0, dhs = _bptt_problem(T, H, D, N, _rng(rng))
    return time_per_call(lambda: rtrl.gradients(x, h0, params["W_hx"], params["W_hh"], params["b_h"], dhs),
                         repeats=repeats)


def bptt_memory_bytes(T: int, H: int, D: int = 4, N: int = 1,
                      rng: np.random.Generator | None = None) -> int:
    """Peak bytes allocated by one BPTT gradient over T steps: the stored states and their gradients, O(N·H·T)."""
    T, H, D, N = (_validate.positive_int(k, v) for k, v in (("T", T), ("H", H), ("D", D), ("N", N)))
    problem = _bptt_problem(T, H, D, N, _rng(rng))
    return peak_memory(lambda: _bptt_gradient(*problem))


def rtrl_time_exponent(sizes: Sequence[int] = (48, 64, 96, 128, 160, 192), D: int = 4, repeats: int = 5,
                       rng: np.random.Generator | None = None) -> Scaling:
    """RTRL step time against H and its fitted exponent (theory: 4; a finite range gives a bit less)."""
    rng = _rng(rng)
    return measure_scaling(sizes, lambda H: rtrl_step_seconds(H, D=D, repeats=repeats, rng=rng))



# torch's recurrent layers, by the course's cell names
TORCH_CELLS = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}


def torch_training_step_seconds(cell: str, *, onednn: bool, T: int = 100, N: int = 32, H: int = 32, D: int = 2,
                                repeats: int = 5, number: int = 3) -> float:
    """Median CPU seconds of one training step (forward, backward, Adam) of torch's nn.RNN, nn.GRU
    or nn.LSTM with a linear head on the last state, with oneDNN (torch.backends.mkldnn) on or off.

    Torch's CPU kernels are not equally tuned: with oneDNN on, the LSTM layer runs as one fused
    kernel while the GRU runs step by step, so the GRU looks several times slower than its
    operation count says; with oneDNN off both run step by step. Lecture 08 prints both, to keep
    the kernels apart from the models.
    """
    cell = _validate.choice("cell", cell, tuple(TORCH_CELLS))
    if not isinstance(onednn, bool):
        raise TypeError(f"onednn must be True or False, got {onednn!r}")
    T, N, H, D = (_validate.positive_int(name, value) for name, value in (("T", T), ("N", N), ("H", H), ("D", D)))
    generator = torch.Generator().manual_seed(0)
    with torch.random.fork_rng(devices=[]):            # the weights' draw leaves torch's global generator alone
        torch.manual_seed(0)
        rnn, head = TORCH_CELLS[cell](D, H), torch.nn.Linear(H, 1)
    opt = torch.optim.Adam([*rnn.parameters(), *head.parameters()], lr=1e-3)
    x, y = torch.randn(T, N, D, generator=generator), torch.randn(N, 1, generator=generator)

    def step():
        opt.zero_grad()
        out, _ = rnn(x)
        torch.nn.functional.mse_loss(head(out[-1]), y).backward()
        opt.step()

    with warnings.catch_warnings():      # torch warns about TF32 on Intel GPUs when the flag is set; none here
        warnings.filterwarnings("ignore", message="TF32 acceleration on top of oneDNN", category=UserWarning)
        with torch.backends.mkldnn.flags(enabled=onednn):
            return time_per_call(step, repeats=repeats, number=number)
