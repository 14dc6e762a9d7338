"""One call at the top of every notebook (seeds, print precision, threads, plot style), and
`seeded`, which draws a model's initial weights from a seed of its own."""
from __future__ import annotations

import random
from contextlib import contextmanager

import numpy as np

from . import _validate

_blas_limiter = None  # keeps the threadpoolctl limit alive for the whole session


def setup(seed: int = 0, precision: int = 4, threads: int = 1, plots: bool = True) -> np.random.Generator:
    """Make a notebook deterministic and its prints stable; return a seeded numpy Generator.

    - seeds Python's `random`, numpy's legacy global state and torch;
    - prints numpy and torch arrays with `precision` digits (small values suppressed);
    - fixes the thread count of torch and of numpy's BLAS, because the order in which
      threads add partial sums changes the last bits of a result;
    - sets the course plot style (and the inline backend's figure format) when `plots`.
    """
    seed = _validate.positive_int("seed", seed, minimum=0)
    precision = _validate.positive_int("precision", precision, minimum=0)
    if precision > 16:
        raise ValueError(f"precision must be an integer between 0 and 16, got {precision}")
    threads = _validate.positive_int("threads", threads)

    random.seed(seed)
    np.random.seed(seed % 2**32)
    np.set_printoptions(precision=precision, suppress=True, linewidth=100)

    import torch  # imported here so that `import course_utils` stays light

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.set_printoptions(precision=precision, sci_mode=False, linewidth=100)
    torch.use_deterministic_algorithms(True, warn_only=True)
    _limit_blas_threads(threads)

    if plots:
        from .plots import use_course_style

        use_course_style()
    return np.random.default_rng(seed)


def _limit_blas_threads(threads: int) -> None:
    global _blas_limiter
    from threadpoolctl import threadpool_limits

    _blas_limiter = threadpool_limits(limits=threads, user_api="blas")


@contextmanager
def seeded(seed: int | None):
    """Draw a module's initial weights from `seed` without moving torch's global generator
    (seed=None: draw from the global generator as usual)."""
    if seed is None:
        yield
        return
    seed = _validate.positive_int("seed", seed, minimum=0)
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
