"""The drawing core every diagram uses: one colour per role, boxes, operation circles, arrows, labels.

Coordinates are inches. `Canvas.finish` sizes the figure to what was drawn, so a 14-point label sits
next to a box of the same size in every diagram, whatever the number of steps or layers.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from ..plots import PROJECTOR_DPI

# One colour per role in every diagram: (fill, edge). Colour-blind-safe hues from ColorBrewer.
ROLES = {
    "input": ("#d1e5f0", "#2166ac"),     # x_t, tokens
    "hidden": ("#fee0b6", "#b35806"),    # h_t, s_t, a_t
    "cell": ("#f6e8c3", "#8c6d1f"),      # c_t of an LSTM
    "output": ("#d9f0d3", "#1b7837"),    # o_t, ŷ_t
    "loss": ("#e6e6e6", "#404040"),      # ℓ_t
    "gate": ("#e7d4e8", "#762a83"),      # σ and tanh blocks of a cell
    "param": ("#e3e3f7", "#3a3ab0"),     # W_hh and friends
    "sens": ("#c7eae5", "#01665e"),      # RTRL's P_t = ∂h_t/∂θ (forward-mode derivatives)
    "op": ("#ffffff", "#404040"),        # ⊙, +, 1−
    "code": ("#ffffff", "#404040"),      # torch names such as h_n[0]
    "muted": ("#f4f4f4", "#b0b0b0"),     # steps or modules that take no part
}
INK = "#303030"           # ordinary arrows and text
PARAM = ROLES["param"][1]
GRAD = "#d6262b"          # gradients and the backward pass
SENS = ROLES["sens"][1]
HIGHLIGHT = "#e7298a"     # a highlighted forward path
MUTED = "#b0b0b0"

NODE_FS = 15              # text inside nodes
LABEL_FS = 13             # weight names on arrows
NOTE_FS = 12              # notes and torch names; nothing is smaller than 11 pt
TITLE_FS = 15

LW = 1.6                  # ordinary arrow
LW_STRONG = 4.0           # highlighted path


def check_int(name: str, value, *, minimum: int = 1, maximum: int | None = None) -> int:
    """`value` as an int in [minimum, maximum]; a TypeError for non-integers, a ValueError out of range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and <= {maximum}" if maximum is not None else ""
        why = " (more would not be readable on a slide)" if maximum is not None and value > maximum else ""
        raise ValueError(f"{name} must be an integer >= {minimum}{upper}{why}, got {value}")
    return value


def check_choice(name: str, value, choices) -> object:
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_norms(norms, length: int) -> np.ndarray | None:
    """None, or `length` finite non-negative numbers as a float array."""
    if norms is None:
        return None
    try:
        arr = np.asarray(norms, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"norms must be a 1-D array of {length} numbers, got {type(norms).__name__}") from None
    if arr.ndim != 1 or arr.shape[0] != length:
        raise ValueError(f"norms must hold one number per step, shape ({length},), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("norms must be finite and non-negative (they are gradient norms)")
    return arr


@dataclass(frozen=True)
class Node:
    """Something arrows can attach to: a box (w × h) or a circle (diameter w) centred at (x, y)."""
    x: float
    y: float
    w: float
    h: float
    shape: str = "box"

    @property
    def center(self) -> tuple[float, float]:
        return (self.x, self.y)

    def anchor(self, toward) -> tuple[float, float]:
        """Where the ray from the centre toward the point `toward` leaves the node's outline."""
        tx, ty = toward.center if isinstance(toward, Node) else toward
        dx, dy = tx - self.x, ty - self.y
        if dx == 0 and dy == 0:
            return self.center
        if self.shape == "circle":
            r = self.w / 2 / math.hypot(dx, dy)
            return (self.x + dx * r, self.y + dy * r)
        scale = min(self.w / 2 / abs(dx) if dx else math.inf, self.h / 2 / abs(dy) if dy else math.inf)
        return (self.x + dx * scale, self.y + dy * scale)

    def side(self, which: str, offset: float = 0.0) -> tuple[float, float]:
        """A point on the outline: 'top', 'bottom' (offset along x) or 'left', 'right' (offset along y)."""
        if which == "top":
            return (self.x + offset, self.y + self.h / 2)
        if which == "bottom":
            return (self.x + offset, self.y - self.h / 2)
        if which == "left":
            return (self.x - self.w / 2, self.y + offset)
        if which == "right":
            return (self.x + self.w / 2, self.y + offset)
        raise ValueError(f"side must be top, bottom, left or right, got {which!r}")


def _point(p) -> tuple[float, float]:
    return p.center if isinstance(p, Node) else (float(p[0]), float(p[1]))


class Canvas:
    """A figure whose data coordinates are inches; draw on it, then `finish()` returns the Figure."""

    def __init__(self, title: str | None = None):
        import matplotlib.pyplot as plt  # pyplot-managed, so plt.show() and interactive.explore display it

        self.fig = plt.figure(figsize=(6.0, 4.0), dpi=PROJECTOR_DPI)
        self.ax = self.fig.add_axes((0.0, 0.0, 1.0, 1.0))
        self.ax.set_axis_off()
        self.title = title
        self._pts: list[tuple[float, float]] = []   # outline points of every shape, for the figure size
        self._measured: list = []                    # texts that may reach beyond the shapes

    def _track(self, *points) -> None:
        self._pts.extend(_point(p) for p in points)

    # ------------------------------------------------------------------ shapes
    def node(self, xy, text: str, role: str = "hidden", *, w: float = 0.62, h: float = 0.46,
             highlight: bool = False, color: str | None = None, fontsize: float = NODE_FS,
             lw: float = 1.4, ls: str = "-", textcolor: str = INK, family: str | None = None,
             gid: str | None = None) -> Node:
        """A rounded box filled with its role's colour; `highlight` draws a thick pink outline."""
        fill, edge = ROLES[role]
        edge = HIGHLIGHT if highlight else (color or edge)
        x, y = _point(xy)
        patch = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.08",
                               fc=fill, ec=edge, lw=3.2 if highlight else lw, ls=ls, zorder=3, clip_on=False)
        patch.set_gid(gid)
        patch.set_label("node")              # lets tests find the boxes that hold text
        self.ax.add_patch(patch)
        self._track((x - w / 2, y - h / 2), (x + w / 2, y + h / 2))
        if text:
            self.text((x, y), text, size=fontsize, color=textcolor, zorder=4, measure=False, family=family,
                      gid="node")
        return Node(x, y, w, h)

    def op(self, xy, symbol: str, *, d: float | None = None, highlight: bool = False, role: str = "op",
           fontsize: float = NODE_FS) -> Node:
        """A small circle holding an operation: '$\\odot$', '$+$', '$1-$' (a wider circle for two characters)."""
        if d is None:
            d = 0.4 if len(symbol.strip("$").replace("\\", "")) <= 5 and "-" not in symbol else 0.56
        fill, edge = ROLES[role]
        x, y = _point(xy)
        circle = Circle((x, y), d / 2, fc=fill, ec=HIGHLIGHT if highlight else edge, lw=3.2 if highlight else 1.4,
                        zorder=3, clip_on=False, label="node")
        self.ax.add_patch(circle)
        self._track((x - d / 2, y - d / 2), (x + d / 2, y + d / 2))
        self.text((x, y), symbol, size=fontsize, zorder=4, measure=False, gid="node")
        return Node(x, y, d, d, shape="circle")

    def dot(self, xy, color: str = INK, size: float = 0.09) -> None:
        """A junction dot where a wire branches (a crossing without a dot is no connection)."""
        self.ax.add_patch(Circle(_point(xy), size / 2, fc=color, ec=color, zorder=5, clip_on=False))

    def rect(self, xy, w: float, h: float, *, fc: str = "none", ec: str = INK, lw: float = 1.2,
             ls: str = "-", zorder: float = 1, rounding: float = 0.12) -> None:
        """A plain frame or shaded area (panels, grids), not something arrows attach to."""
        x, y = _point(xy)
        self._track((x, y), (x + w, y + h))
        self.ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle=f"round,pad=0,rounding_size={rounding}",
                                         fc=fc, ec=ec, lw=lw, ls=ls, zorder=zorder, clip_on=False))

    # ------------------------------------------------------------------ arrows
    def arrow(self, start, end, *, color: str = INK, lw: float = LW, ls: str = "-", rad: float = 0.0,
              head: bool = True, label: str | None = None, label_at: float = 0.5, label_side: float = 0.22,
              label_color: str | None = None, label_size: float = LABEL_FS, shift: float = 0.0,
              zorder: float = 2, alpha: float = 1.0, gid: str | None = None) -> FancyArrowPatch:
        """An arrow from `start` to `end` (Nodes or points), cut at the outlines of Nodes.

        shift moves the whole arrow sideways (inches, positive to the left of its direction), so a
        backward arrow can run next to a forward one; rad bends it; the label sits label_side inches
        to the left of the arrow's direction (negative: to the right).
        """
        a, b = _point(start), _point(end)
        if shift:
            nx, ny = _normal(a, b)
            a, b = (a[0] + shift * nx, a[1] + shift * ny), (b[0] + shift * nx, b[1] + shift * ny)
        pa = start.anchor(b) if isinstance(start, Node) else a
        pb = end.anchor(a) if isinstance(end, Node) else b
        if shift and isinstance(start, Node):
            pa = _shift_inside(start, pa, a, b)
        if shift and isinstance(end, Node):
            pb = _shift_inside(end, pb, b, a)
        patch = FancyArrowPatch(pa, pb, arrowstyle=_head(head, lw), mutation_scale=_head_scale(lw),
                                connectionstyle=f"arc3,rad={rad}", color=color, lw=lw, ls=ls,
                                shrinkA=0, shrinkB=0, zorder=zorder, clip_on=False, joinstyle="miter", alpha=alpha)
        patch.set_gid(gid)
        self.ax.add_patch(patch)
        nx, ny = _normal(pa, pb)
        bulge = -rad * math.hypot(pb[0] - pa[0], pb[1] - pa[1]) / 2   # how far (leftwards) the arc leaves its chord
        self._track(pa, pb, ((pa[0] + pb[0]) / 2 + bulge * nx, (pa[1] + pb[1]) / 2 + bulge * ny))
        if label:
            self._arrow_label(pa, pb, rad, label, label_at, label_side, label_color or PARAM, label_size)
        return patch

    def wire(self, points, *, color: str = INK, lw: float = LW, ls: str = "-", head: bool = True,
             zorder: float = 2, gid: str | None = None) -> FancyArrowPatch:
        """A polyline through `points` (the first and last may be Nodes: cut at their outlines)."""
        pts = [_point(p) for p in points]
        if isinstance(points[0], Node):
            pts[0] = points[0].anchor(pts[1])
        if isinstance(points[-1], Node):
            pts[-1] = points[-1].anchor(pts[-2])
        patch = FancyArrowPatch(path=Path(pts), arrowstyle=_head(head, lw), mutation_scale=_head_scale(lw),
                                color=color, lw=lw, ls=ls, zorder=zorder, clip_on=False, joinstyle="miter")
        patch.set_gid(gid)
        self.ax.add_patch(patch)
        self._track(*pts)
        return patch

    def _arrow_label(self, pa, pb, rad, text, at, side, color, size) -> None:
        # the point of the arc3 curve at parameter `at`: a quadratic Bézier whose control point lies
        # rad · (length) to the right of the chord's midpoint (matplotlib's ConnectionStyle.Arc3)
        nx, ny = _normal(pa, pb)
        length = math.hypot(pb[0] - pa[0], pb[1] - pa[1])
        mid = ((pa[0] + pb[0]) / 2 - rad * length * nx, (pa[1] + pb[1]) / 2 - rad * length * ny)
        s = at
        px = (1 - s) ** 2 * pa[0] + 2 * s * (1 - s) * mid[0] + s ** 2 * pb[0]
        py = (1 - s) ** 2 * pa[1] + 2 * s * (1 - s) * mid[1] + s ** 2 * pb[1]
        self.text((px + side * nx, py + side * ny), text, size=size, color=color, zorder=6, mask=True)

    # ------------------------------------------------------------------ text
    def text(self, xy, s: str, *, size: float = NOTE_FS, color: str = INK, ha: str = "center",
             va: str = "center", mask: bool = False, zorder: float = 6, family: str | None = None,
             weight: str = "normal", rotation: float = 0.0, measure: bool = True, gid: str | None = None):
        """Text at xy; `mask` puts a white background behind it so lines under it do not cross it.

        measure=False: the text lies inside a shape, so the figure size need not account for it
        (measuring text needs mathtext layout, the slow part of drawing).
        """
        x, y = _point(xy)
        kw = {}
        if mask:
            kw["bbox"] = {"boxstyle": "round,pad=0.08", "fc": "white", "ec": "none", "alpha": 0.9}
        if family:
            kw["family"] = family
        t = self.ax.text(x, y, s, fontsize=max(size, 11), color=color, ha=ha, va=va, zorder=zorder,
                         clip_on=False, fontweight=weight, rotation=rotation, rotation_mode="anchor", **kw)
        t.set_gid(gid)
        if measure:
            self._measured.append(t)
        return t

    def code(self, xy, s: str, *, color: str = INK, ha: str = "center", va: str = "center",
             size: float = NOTE_FS, gid: str | None = None):
        """A torch name such as h_n[0], in a monospace font."""
        return self.text(xy, s, size=size, color=color, ha=ha, va=va, family="monospace", mask=True, gid=gid)

    def legend(self, xy, entries, *, size: float = NOTE_FS, dy: float = 0.32) -> None:
        """Colour keys drawn as short lines or swatches, one per row, top-left at xy.

        entries: (kind, colour, text) with kind "line", "dashed" or "box" (a role name as colour).
        """
        x, y = _point(xy)
        for i, (kind, color, label) in enumerate(entries):
            yy = y - i * dy
            if kind == "box":
                fill, edge = ROLES[color]
                self.ax.add_patch(FancyBboxPatch((x, yy - 0.1), 0.36, 0.2, boxstyle="round,pad=0,rounding_size=0.04",
                                                 fc=fill, ec=edge, lw=1.2, zorder=3, clip_on=False))
                self._track((x, yy - 0.1), (x + 0.36, yy + 0.1))
            else:
                lw = LW_STRONG if kind == "strong" else 2.2
                self._track((x, yy), (x + 0.36, yy))
                self.ax.plot([x, x + 0.36], [yy, yy], color=color, lw=lw, ls="--" if kind == "dashed" else "-",
                             solid_capstyle="butt", clip_on=False)
            self.text((x + 0.48, yy), label, size=size, ha="left")

    # ------------------------------------------------------------------ finish
    def finish(self, margin: float = 0.18):
        """Fit the figure around everything drawn (1 data unit = 1 inch) and return it."""
        fig, ax = self.fig, self.ax
        x0, y0, x1, y1 = self._data_bounds(self._measured)
        if self.title:
            title = self.text(((x0 + x1) / 2, y1 + 0.3), self.title, size=TITLE_FS, va="bottom", weight="bold")
            tx0, ty0, tx1, ty1 = self._text_bounds([title])
            x0, y0, x1, y1 = min(x0, tx0), min(y0, ty0), max(x1, tx1), max(y1, ty1)
        x0, y0, x1, y1 = x0 - margin, y0 - margin, x1 + margin, y1 + margin
        fig.set_size_inches(x1 - x0, y1 - y0)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        return fig

    def _data_bounds(self, texts) -> tuple[float, float, float, float]:
        """Bounds of the shapes and of `texts` in inches."""
        xs = [p[0] for p in self._pts] or [0.0, 1.0]
        ys = [p[1] for p in self._pts] or [0.0, 1.0]
        # a provisional 1:1 scale over the shapes, so that text extents (points) convert to inches
        pad = 3.0
        self.fig.set_size_inches(max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad)
        self.ax.set_xlim(min(xs) - pad, max(xs) + pad)
        self.ax.set_ylim(min(ys) - pad, max(ys) + pad)
        tx0, ty0, tx1, ty1 = self._text_bounds(texts)
        return min(min(xs), tx0), min(min(ys), ty0), max(max(xs), tx1), max(max(ys), ty1)

    def _text_bounds(self, texts) -> tuple[float, float, float, float]:
        renderer = measuring_renderer()
        inv = self.ax.transData.inverted()
        x0 = y0 = math.inf
        x1 = y1 = -math.inf
        for t in texts:
            if t.get_text():
                (ax0, ay0), (ax1, ay1) = inv.transform(t.get_window_extent(renderer).get_points())
                x0, y0, x1, y1 = min(x0, ax0), min(y0, ay0), max(x1, ax1), max(y1, ay1)
        return x0, y0, x1, y1


_RENDERER = None


def measuring_renderer():
    """One Agg renderer at the course dpi for measuring text in every diagram: matplotlib caches text
    metrics per renderer, so labels that recur across diagrams (and slider redraws) are laid out once."""
    global _RENDERER
    if _RENDERER is None:
        from matplotlib.backends.backend_agg import RendererAgg

        _RENDERER = RendererAgg(8, 8, PROJECTOR_DPI)
    return _RENDERER


def _normal(a, b) -> tuple[float, float]:
    """Unit vector to the left of the direction a → b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = math.hypot(dx, dy) or 1.0
    return (-dy / n, dx / n)


def _shift_inside(node: Node, anchored, a, b):
    """For a shifted arrow, where the shifted line a → b crosses the node's outline."""
    if node.shape == "circle":
        return anchored
    # walk the shifted line from the node's side until it leaves the box
    dx, dy = b[0] - a[0], b[1] - a[1]
    ts = []
    for lo, hi, p, d in ((node.x - node.w / 2, node.x + node.w / 2, a[0], dx),
                         (node.y - node.h / 2, node.y + node.h / 2, a[1], dy)):
        if d:
            ts.append(max((lo - p) / d, (hi - p) / d))
    t = min(ts) if ts else 0.0
    return (a[0] + t * dx, a[1] + t * dy)


def _head_scale(lw: float) -> float:
    """Arrowheads grow with the line, but slowly: a thick line keeps a head of readable size."""
    return 12 + 1.4 * lw


def _head(head: bool, lw: float) -> str:
    return "-|>,head_length=0.55,head_width=0.28" if head else "-"
