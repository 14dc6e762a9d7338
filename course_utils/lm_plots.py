"""The figures of lecture 02 (language models), sized for a projector.

Each function only draws numbers the lecture has computed and returns its matplotlib Figure;
the notebook ends the cell with `plt.show()`. The course style (`course_utils.setup`) sets the
resolution and fonts.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from . import _validate


def _figure(**kwargs):
    import matplotlib.pyplot as plt

    return plt.subplots(**kwargs)


def zipf(frequencies: Mapping[str, np.ndarray], slopes: Mapping[str, float], fit_ranks: int, title: str = ""):
    """Frequency against rank on log–log axes, one curve per kind of n-gram, each with the dotted
    power law of its fitted slope over ranks 1 … fit_ranks."""
    fit_ranks = _validate.positive_int("fit_ranks", fit_ranks, minimum=2)
    if set(frequencies) != set(slopes):
        raise ValueError(f"frequencies and slopes must have the same labels, got {sorted(frequencies)} "
                         f"and {sorted(slopes)}")
    fig, ax = _figure(figsize=(8, 4.4))
    r_fit = np.arange(1, fit_ranks + 1)
    for label, f in frequencies.items():
        f = _validate.float_array(f"frequencies[{label!r}]", f, ndim=1, min_length=fit_ranks)
        slope = _validate.finite_float(f"slopes[{label!r}]", slopes[label])
        if np.any(f <= 0):
            raise ValueError(f"frequencies[{label!r}] must be positive counts")
        ax.loglog(np.arange(1, f.size + 1), f, lw=1.5, label=f"{label} (slope {slope:.2f})")
        c = np.exp(np.mean(np.log(f[:fit_ranks]) - slope * np.log(r_fit)))    # the fitted line through the points
        ax.loglog(r_fit, c * r_fit ** slope, "k:", lw=1)
    ax.set(xlabel="rank (1 = most frequent)", ylabel="count in the corpus", title=title)
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


def perplexity_by_order(orders: Sequence[int], curves: Mapping[str, Sequence[float]], title: str = "", *,
                        floor: float | None = None, mark_order: int | None = None,
                        log_ticks: Sequence[float] | None = None):
    """Test perplexity against the n-gram order, one curve per smoother.

    floor: a horizontal line at a known lower bound (e.g. exp of a source's entropy rate);
    mark_order: a dotted vertical line at one order (e.g. the source's own order + 1);
    log_ticks: put the y-axis on a log scale with these tick values.
    """
    orders = _validate.float_array("orders", orders, ndim=1, min_length=1)
    fig, ax = _figure(figsize=(7.5, 4.2))
    styles = ("o-", "s--", "^-.", "d:")
    if len(curves) > len(styles):
        raise ValueError(f"at most {len(styles)} curves, got {len(curves)}")
    for style, (label, ppl) in zip(styles, curves.items()):
        ppl = _validate.float_array(f"curves[{label!r}]", ppl, ndim=1)
        if ppl.shape != orders.shape:
            raise ValueError(f"curves[{label!r}] must have one perplexity per order ({orders.size}), got {ppl.size}")
        ax.plot(orders, ppl, style, label=label)
    if floor is not None:
        floor = _validate.finite_float("floor", floor, low=1.0)
        ax.axhline(floor, color="k", lw=1, label=f"floor exp(H) = {floor:.2f}")
    if mark_order is not None:
        ax.axvline(mark_order, color="grey", lw=0.8, ls=":")
    if log_ticks is not None:
        import matplotlib.pyplot as plt

        ax.set_yscale("log")
        ax.set_yticks(list(log_ticks), labels=[f"{t:g}" for t in log_ticks])
        ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set(xlabel="n-gram order n (context of n − 1 tokens)",
           ylabel="test perplexity" + (" (log scale)" if log_ticks is not None else ""), title=title)
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig
