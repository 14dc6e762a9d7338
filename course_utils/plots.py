"""One plot style for the whole course, and the few plots that several lectures draw."""
from __future__ import annotations

import sys

import numpy as np

from . import _validate

# For a projector (COURSE.md §3a): at 110 dpi a 12-point label is about 18 pixels tall, which the
# back row of a lecture hall can read; PNG only keeps the committed notebooks small.
PROJECTOR_DPI = 110
COURSE_STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": PROJECTOR_DPI,
    "savefig.dpi": PROJECTOR_DPI,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "image.cmap": "viridis",
}


def use_course_style() -> None:
    """Apply the course's matplotlib style (and PNG output for the inline backend)."""
    import matplotlib as mpl

    mpl.rcParams.update(COURSE_STYLE)
    ipython = sys.modules.get("IPython")  # only a running kernel has it loaded; scripts skip the import
    if ipython is not None and ipython.get_ipython() is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")  # PNG only, so notebooks stay small and diffs stay readable


def loglog_slope(x, y) -> float:
    """Least-squares slope of log y against log x (e.g. a Zipf exponent, a complexity exponent)."""
    x = _validate.float_array("x", x, ndim=1, min_length=2)
    y = _validate.float_array("y", y, ndim=1, min_length=2)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.shape} and {y.shape}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive to take logarithms")
    slope, _ = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope)
