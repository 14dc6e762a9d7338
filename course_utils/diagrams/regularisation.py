"""Dropout in a recurrent layer: a fresh mask at every step against one mask per sequence (lecture 10).

Both panels show one layer unrolled over T steps. The mask sits on the vertical (non-recurrent)
connection x_t → h_t, the place Zaremba et al. (2014) put dropout; the recurrence h_{t−1} → h_t
carries no mask. Top: a new mask for every step (nn.Dropout). Bottom: one mask per sequence,
the same units dropped at every step (Gal & Ghahramani 2016; `course_utils.dropout.SequenceDropout`).
"""
from __future__ import annotations

import numpy as np

from ._core import LABEL_FS, NOTE_FS, ROLES, Canvas, Node, check_int

MAX_STEPS, MAX_UNITS = 6, 6
CELL, GAP = 0.24, 0.05          # one unit of the mask (inches) and the space between units


def _check_p(p) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 < p < 1.0:
        raise ValueError(f"p must be a dropout probability strictly between 0 and 1, got {p!r}")
    return float(p)


def dropout_masks(T: int = 5, units: int = 4, p: float = 0.5, *, seed: int = 0, title: str | None = "default"):
    """Two unrolled layers, x_t → mask → h_t, with the masks of inverted dropout drawn unit by unit.

    T: steps (1..6); units: size of the masked vector (1..6); p: dropout probability; seed: the draw
    of the masks (numpy). Kept units are blue (scaled by 1/(1 − p)), dropped ones grey (0).
    """
    T = check_int("T", T, maximum=MAX_STEPS)
    units = check_int("units", units, maximum=MAX_UNITS)
    p = _check_p(p)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    per_step = rng.random((T, units)) >= p                          # keep?
    per_sequence = np.repeat(rng.random((1, units)) >= p, T, axis=0)
    if title == "default":
        title = f"Dropout masks on x_t → h_t (p = {p:g}): per step vs per sequence"
    c = Canvas(title)
    column = units * (CELL + GAP) - GAP
    panel = column + 2.3
    _panel(c, per_step, 0.0, "a fresh mask at every step (nn.Dropout)")
    _panel(c, per_sequence, -panel, "one mask per sequence (variational, Gal & Ghahramani)")
    c.legend((0.2, -panel - 0.75), [("box", "input", f"unit kept, scaled by 1/(1 − p) = {1 / (1 - p):g}"),
                                     ("box", "muted", "unit dropped: 0")])
    return c.finish()


def _panel(c: Canvas, keep: np.ndarray, y0: float, label: str) -> None:
    """x_t at y0, the mask column above it, h_t above that; h_{t−1} → h_t without a mask."""
    T, units = keep.shape
    dx = 1.25
    column = units * (CELL + GAP) - GAP
    bottom, top = y0 + 0.55, y0 + 0.55 + column
    y_h = top + 0.75
    h_prev = c.node((0.0, y_h), "$h_0$", "hidden")
    for t in range(1, T + 1):
        x = t * dx
        x_node = c.node((x, y0), f"$x_{t}$", "input")
        for u in range(units):
            fill, edge = ROLES["input" if keep[t - 1, u] else "muted"]
            c.rect((x - CELL / 2, bottom + u * (CELL + GAP)), CELL, CELL, fc=fill, ec=edge, lw=1.0, zorder=3,
                   rounding=0.03)
        mask = Node(x, (bottom + top) / 2, CELL, column)
        c.arrow(x_node, mask)
        h = c.node((x, y_h), f"$h_{t}$", "hidden")
        c.arrow(mask, h)
        c.arrow(h_prev, h, label="$W_{hh}$" if t == 1 else None, label_size=LABEL_FS)
        h_prev = h
    c.text((0.6 * dx, y_h + 0.55), label, size=NOTE_FS + 1, ha="left", weight="bold")
