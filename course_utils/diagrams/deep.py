"""Deep networks: stacked (L layers × T steps) and (deep) bidirectional, with torch's h_n indices.

torch's layout (checked against nn.RNN in tests/test_diagrams.py): h_n[layer·num_directions + direction]
holds the final state of that (layer, direction), layers counted from 0; direction 0 (forward) ends at
step T, direction 1 (backward) at step 1. So output[-1][..., :H] is the top forward h_n, and
output[0][..., H:] the top backward one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ._core import HIGHLIGHT, INK, LABEL_FS, LW, NOTE_FS, Canvas, check_int

MAX_STEPS, MAX_LAYERS = 6, 4


@dataclass
class _Graph:
    """Nodes (key → position, label, role, options) and edges, drawn after the highlight is known."""
    nodes: dict = field(default_factory=dict)
    edges: list = field(default_factory=list)

    def node(self, key, xy, label: str, role: str, **kw) -> None:
        self.nodes[key] = (xy, label, role, kw)

    def edge(self, src, dst, **kw) -> None:
        self.edges.append((src, dst, kw))

    def ancestors(self, key) -> set:
        """`key` and every node with a path to it."""
        parents: dict = {}
        for src, dst, _ in self.edges:
            parents.setdefault(dst, []).append(src)
        seen, todo = {key}, [key]
        while todo:
            for p in parents.get(todo.pop(), []):
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen

    def draw(self, c: Canvas, highlight_key=None) -> dict:
        lit = self.ancestors(highlight_key) if highlight_key is not None else set()
        drawn = {}
        for key, (xy, label, role, kw) in self.nodes.items():
            drawn[key] = c.node(xy, label, role, highlight=key in lit, **kw)
        for src, dst, kw in self.edges:
            on = src in lit and dst in lit
            c.arrow(drawn[src], drawn[dst], color=HIGHLIGHT if on else INK, lw=3.2 if on else LW,
                    gid="highlight" if on else None, zorder=3 if on else 2, **kw)
        return drawn


def _check_highlight(highlight, L: int, T: int):
    if highlight is None:
        return None
    if (not isinstance(highlight, tuple) or len(highlight) != 2):
        raise TypeError(f"highlight must be None or a tuple (layer, t), got {highlight!r}")
    layer = check_int("highlight layer", highlight[0], maximum=L)
    t = check_int("highlight step t", highlight[1], maximum=T)
    return layer, t


def stacked_rnn(L: int = 3, T: int = 4, *, highlight=None, outputs: bool = True, title: str | None = "default"):
    """A stack of L recurrent layers unrolled over T steps (lecture 10): h_t^(l) reads h_t^(l−1) and h_{t−1}^(l).

    L: layers (1..4); T: steps (1..6); highlight: None or (layer, t), drawing every node and edge that
    h_t^(layer) depends on (x_1..x_t and the layers below: a stack still reads left to right).
    outputs: the o_t row on top. Each layer's last state is torch's h_n[layer − 1].
    """
    L = check_int("L", L, maximum=MAX_LAYERS)
    T = check_int("T", T, maximum=MAX_STEPS)
    hl = _check_highlight(highlight, L, T)
    if title == "default":
        title = f"A stacked RNN: {L} layer{'s' if L > 1 else ''} × {T} steps"
    c = Canvas(title)
    g, dx, row = _Graph(), 1.45, 1.15
    for t in range(1, T + 1):
        g.node(("x", t), (t * dx, 0.0), f"$x_{t}$", "input")
    for layer in range(1, L + 1):
        y = layer * row
        g.node(("h", layer, 0), (0.0, y), f"$h_0^{{({layer})}}$", "hidden", w=0.7)
        for t in range(1, T + 1):
            g.node(("h", layer, t), (t * dx, y), f"$h_{t}^{{({layer})}}$", "hidden", w=0.7)
            below = ("x", t) if layer == 1 else ("h", layer - 1, t)
            g.edge(below, ("h", layer, t), label=f"$W_{{hx}}^{{({layer})}}$" if t == T else None, label_side=-0.5)
            g.edge(("h", layer, t - 1), ("h", layer, t), label=f"$W_{{hh}}^{{({layer})}}$" if t == 1 else None)
        g.node(("hn", layer), ((T + 1) * dx - 0.2, y), f"h_n[{layer - 1}]", "code", w=0.85, family="monospace",
               fontsize=NOTE_FS + 1)
        g.edge(("h", layer, T), ("hn", layer))
    if outputs:
        for t in range(1, T + 1):
            g.node(("o", t), (t * dx, (L + 1) * row), f"$o_{t}$", "output")
            g.edge(("h", L, t), ("o", t), label="$W_{oh}$" if t == T else None, label_side=-0.4)
    g.draw(c, None if hl is None else ("h", hl[0], hl[1]))
    c.text((0.0, -0.55), "$h_t^{(l)} = \\tanh(W_{hx}^{(l)}h_t^{(l-1)} + W_{hh}^{(l)}h_{t-1}^{(l)} + b_h^{(l)})$,  "
           "$h_t^{(0)} = x_t$", size=LABEL_FS, ha="left", va="top")
    return c.finish()


def h_n_index(layer: int, direction: int, num_directions: int) -> int:
    """torch's index into h_n (and h_0, c_n) of a layer (counted from 0) and direction (0 forward, 1 backward)."""
    return layer * num_directions + direction


def bidirectional_rnn(T: int = 4, num_layers: int = 1, *, highlight=None, title: str | None = "default"):
    """A (deep) bidirectional RNN (lecture 10) with torch's names at the chain ends.

    Each layer has a forward chain (left to right, from h_0[k], ending in h_n[k] after x_T) and a
    backward chain (right to left, from h_0[k+1], ending in h_n[k+1] after x_1), k = 2·layer (torch
    counts layers from 0); the layer's output at step t is the concatenation [→h_t; ←h_t], which both
    directions of the next layer read. The top layer's concatenations are torch's output[t − 1].
    T: steps (1..6); num_layers: 1..3; highlight: None or (layer, t) (layer counted from 1, as in
    the lecture), drawing everything the concatenated h_t^(layer) depends on.
    """
    T = check_int("T", T, maximum=MAX_STEPS)
    L = check_int("num_layers", num_layers, maximum=3)
    hl = _check_highlight(highlight, L, T)
    if title == "default":
        title = ("A bidirectional RNN" if L == 1 else f"A deep bidirectional RNN ({L} layers)") + \
            ", with torch's h_0 and h_n indices"
    c = Canvas(title)
    g = _bidirectional_graph(T, L)
    g.draw(c, None if hl is None else ("cat", hl[0], hl[1]))
    _output_notes(c, T, L)
    return c.finish()


DXB, SPLIT, LAYER = 1.8, 0.45, 3.0          # column spacing; forward nodes sit left of the column, backward right


def _bidirectional_graph(T: int, L: int) -> _Graph:
    g = _Graph()
    for t in range(1, T + 1):
        g.node(("x", t), (t * DXB, 0.0), f"$x_{t}$", "input")
    code = {"family": "monospace", "fontsize": NOTE_FS + 1, "w": 0.95}
    for layer in range(1, L + 1):
        base = (layer - 1) * LAYER
        yf, yb, yc = base + 0.95, base + 1.95, base + LAYER
        kf, kb = h_n_index(layer - 1, 0, 2), h_n_index(layer - 1, 1, 2)
        g.node(("h0", layer, 0), (0.15, yf), f"h_0[{kf}]", "code", **code)
        g.node(("hn", layer, 0), ((T + 1) * DXB - 0.2, yf), f"h_n[{kf}]", "code", **code)
        g.node(("hn", layer, 1), (0.15, yb), f"h_n[{kb}]", "code", **code)
        g.node(("h0", layer, 1), ((T + 1) * DXB - 0.2, yb), f"h_0[{kb}]", "code", **code)
        for t in range(1, T + 1):
            x = t * DXB
            g.node(("f", layer, t), (x - SPLIT, yf), f"$\\overrightarrow{{h}}_{t}$", "hidden", w=0.6, h=0.52)
            g.node(("b", layer, t), (x + SPLIT, yb), f"$\\overleftarrow{{h}}_{t}$", "hidden", w=0.6, h=0.52)
            g.node(("cat", layer, t), (x, yc), f"$h_{t}^{{({layer})}}$", "hidden", w=0.7,
                   color="#7f3b08", lw=2.2)
            below = ("x", t) if layer == 1 else ("cat", layer - 1, t)
            g.edge(below, ("f", layer, t))
            g.edge(below, ("b", layer, t))
            g.edge(("f", layer, t), ("cat", layer, t))
            g.edge(("b", layer, t), ("cat", layer, t))
            g.edge(("f", layer, t - 1) if t > 1 else ("h0", layer, 0), ("f", layer, t))
        for t in range(T, 0, -1):
            g.edge(("b", layer, t + 1) if t < T else ("h0", layer, 1), ("b", layer, t))
        g.edge(("f", layer, T), ("hn", layer, 0))
        g.edge(("b", layer, 1), ("hn", layer, 1))
    return g


def _output_notes(c: Canvas, T: int, L: int) -> None:
    """torch's output[t − 1] above the top layer, and which halves of output[-1] and output[0] are h_n."""
    top = L * LAYER
    for layer in range(1, L + 1):
        c.text((0.15, layer * LAYER), f"layer {layer}\n(torch _l{layer - 1})", size=NOTE_FS, gid="layer")
    for t in range(1, T + 1):
        c.code((t * DXB, top + 0.42), f"output[{t - 1}]", va="bottom", gid="output")
    kf, kb = h_n_index(L - 1, 0, 2), h_n_index(L - 1, 1, 2)
    lines = [f"output[-1][..., :H] == h_n[{kf}]   # forward half of the last step: the forward final state",
             f"output[0][..., H:]  == h_n[{kb}]   # backward half of the FIRST step: the backward final state",
             ("$h_t^{(l)} = [\\overrightarrow{h}_t^{(l)};\\ \\overleftarrow{h}_t^{(l)}]$ is what the next layer "
              "(and the output) reads")]
    for i, line in enumerate(lines):
        if i < 2:
            c.code((0.0, -0.55 - 0.38 * i), line, ha="left", va="top", gid="halves")
        else:
            c.text((0.0, -0.55 - 0.38 * i - 0.05), line, size=LABEL_FS, ha="left", va="top")
