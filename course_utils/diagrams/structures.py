"""Structures other than a plain chain: the clockwork RNN's modules and clock, and a recursive (tree) network."""
from __future__ import annotations

import re

import numpy as np

from ._core import HIGHLIGHT, INK, LABEL_FS, LW, LW_STRONG, MUTED, NOTE_FS, PARAM, ROLES, Canvas, check_int


# ------------------------------------------------------------------ clockwork RNN
def clockwork_rnn(periods=(1, 2, 4, 8), *, step: int = 0, T: int = 8, title: str | None = "default"):
    """The clockwork RNN of lecture 09 at clock time t = step (counted from 0, as in the course).

    Top: the modules, fastest on the left; module k updates when t mod T_k = 0 (pink) and otherwise
    holds its state (grey); arrows run only from slower-or-equal modules to faster ones (T_j ≥ T_k),
    labelled W_hh^(k,j), so W_hh is block upper-triangular. Bottom: which modules update at
    t = 0..T−1, with the column of `step` framed.
    periods: the clock periods, fastest first (as course_utils.lstm_variants requires), at most 6.
    """
    from ..lstm_variants import active_units, module_layout  # one convention for the model and the picture

    periods, _ = module_layout(periods, 1)
    if len(periods) > 6:
        raise ValueError(f"at most 6 modules fit on a slide, got {len(periods)} periods")
    T = check_int("T", T, maximum=16)
    step = check_int("step", step, minimum=0)
    active = active_units(step, periods, 1)
    if title == "default":
        title = f"Clockwork RNN at t = {step}: modules with periods {', '.join(map(str, periods))}"
    c = Canvas(title)
    boxes = _modules(c, periods, active, step)
    c.text((boxes[0].x - 0.5, -1.62), "an arrow from module $j$ to module $k$ is the block $W_{hh}^{(k,j)}$, "
           "only for $T_j \\geq T_k$;\nevery module reads $x_t$ (through $W_{hx}^{(k)}$), the output reads all modules",
           size=NOTE_FS, ha="left", va="top")
    right = _clock_grid(c, periods, T, step, x0=boxes[0].x - 0.55, y0=-2.75)
    _block_matrix(c, periods, active, x0=right + 0.6, y0=-2.75)
    return c.finish()


def _modules(c: Canvas, periods, active, step: int) -> list:
    G, dx = len(periods), 2.2
    boxes = []
    for k, (p, on) in enumerate(zip(periods, active)):
        box = c.node((k * dx, 0.0), f"$h^{{({k + 1})}}$", "hidden" if on else "muted", w=1.0, h=0.55,
                     highlight=bool(on), gid="active" if on else "idle")
        boxes.append(box)
        c.text((box.x, -0.82), f"$T_{{{k + 1}}} = {p}$", size=LABEL_FS)
        c.text((box.x, -1.18), "updates" if on else "holds", size=NOTE_FS, color=HIGHLIGHT if on else INK)
    for k in range(G):                  # receivers
        color = INK if active[k] else MUTED                   # an idle module reads nothing at this step
        _self_loop(c, boxes[k], color)
        for j in range(k + 1, G):       # senders: the slower modules (periods sorted fastest first)
            span = j - k                # longer arcs start further right and end further left, so they nest
            a, b = boxes[j], boxes[k]
            spread = min(0.13, 0.36 / max(G - 2, 1))
            start = (a.x - 0.42 + spread * (span - 1), a.y + a.h / 2)
            end = (b.x + 0.42 - spread * (span - 1), b.y + b.h / 2)
            c.arrow(start, end, color=color, rad=0.55 if span == 1 else 0.42, gid="recurrent")
    return boxes


def _self_loop(c: Canvas, box, color) -> None:
    """A module reads its own previous state (W_hh^(k,k)): a loop under the box, out right, in left."""
    y0, y1 = box.y - box.h / 2, box.y - box.h / 2 - 0.25
    c.wire([(box.x + 0.25, y0), (box.x + 0.25, y1), (box.x - 0.25, y1), (box.x - 0.25, y0)], color=color)


def _clock_grid(c: Canvas, periods, T: int, step: int, x0: float, y0: float) -> None:
    """Rows: modules (fastest on top); columns: t = 0..T−1; a filled cell is an update."""
    from ..lstm_variants import active_units

    cell = 0.42
    left = x0 + 1.3
    for t in range(T):
        c.text((left + (t + 0.5) * cell, y0 + 0.25), str(t), size=NOTE_FS)
        col = active_units(t, periods, 1)
        for k, on in enumerate(col):
            y = y0 - (k + 1) * cell
            fill = ROLES["hidden"][0] if on else "white"
            c.rect((left + t * cell, y), cell, cell, fc=fill, ec="#909090", lw=0.8, rounding=0.0, zorder=2)
            if on:
                c.text((left + (t + 0.5) * cell, y + cell / 2), "●", size=11, color=ROLES["hidden"][1])
    for k, p in enumerate(periods):
        c.text((left - 0.1, y0 - (k + 0.5) * cell), f"$T_{{{k + 1}}} = {p}$", size=NOTE_FS, ha="right")
    c.text((left - 0.1, y0 + 0.25), "t =", size=NOTE_FS, ha="right")
    if step < T:
        c.rect((left + step * cell, y0 - len(periods) * cell), cell, len(periods) * cell + 0.5, ec=HIGHLIGHT,
               lw=2.6, rounding=0.02, zorder=4)
    c.text((left, y0 - len(periods) * cell - 0.15),
           "● updates:  $t\\ \\mathrm{mod}\\ T_k = 0$;   empty: holds $h_{t-1}^{(k)}$", size=NOTE_FS, ha="left",
           va="top")
    return left + T * cell


def _block_matrix(c: Canvas, periods, active, x0: float, y0: float) -> None:
    """W_hh in blocks (rows: to, columns: from): upper block-triangular; the rows used at this step framed."""
    G, cell = len(periods), 0.72
    c.text((x0, y0 + 0.25), "$W_{hh}$ (row: to, column: from)", size=NOTE_FS, ha="left")
    for k in range(G):
        y = y0 - (k + 1) * cell
        for j in range(G):
            allowed = periods[j] >= periods[k]
            c.rect((x0 + j * cell, y), cell, cell, fc=ROLES["param"][0] if allowed else "white", ec="#909090",
                   lw=0.8, rounding=0.0, zorder=2)
            c.text((x0 + (j + 0.5) * cell, y + cell / 2), f"$W^{{({k + 1},{j + 1})}}$" if allowed else "0",
                   size=11, color=PARAM if allowed else MUTED)
        if active[k]:
            c.rect((x0, y), G * cell, cell, ec=HIGHLIGHT, lw=2.2, rounding=0.02, zorder=4)


# ------------------------------------------------------------------ recursive (tree) network
NOTE003_TREE = (None, (None, "x1", "x2"), (None, "x3", "x4"))


def tree_network(tree=NOTE003_TREE, *, highlight_leaf: int | None = None, output: bool = True,
                 equations: bool = True, title: str | None = "default"):
    """A recursive network on a binary tree (lecture 12): h_v = tanh(W[h_left; h_right] + c_label + b).

    tree: nested tuples (label, left, right) as in course_utils.trees (a label is an operator
    string or None; a leaf is an int, a str or a 1-D float array); default note 003's ((x1, x2), (x3, x4)).
    Internal nodes are numbered h_1, h_2, … in the order they are computed (children first), as
    recursive_net.tree_forward returns them; every internal node uses the same W and b.
    highlight_leaf: None or i (1-based, from the left): the path from leaf i to the root.
    output: draw ŷ = softmax(W_out h_root + b_out) above the root; equations: one line per node.
    """
    from ..trees import validate_tree

    num_leaves, height = validate_tree(tree)
    if num_leaves > 12:
        raise ValueError(f"a tree of at most 12 leaves fits on a slide, got {num_leaves}")
    if num_leaves < 2:
        raise ValueError("tree must have at least one internal node (label, left, right), got a single leaf")
    if highlight_leaf is not None:
        highlight_leaf = check_int("highlight_leaf", highlight_leaf, maximum=num_leaves)
    if title == "default":
        title = "A recursive network: one $W$, $b$ at every internal node"
    c = Canvas(title)
    layout = _tree_layout(tree)
    lit = _path_to_root(layout, highlight_leaf)
    drawn = {}
    for item in layout:
        key, x, y, text, role = item["key"], item["x"], item["y"], item["text"], item["role"]
        width = 0.62 if text.startswith("$") else max(0.62, 0.12 * len(text) + 0.3)
        drawn[key] = c.node((x, y), text, role, w=width, highlight=key in lit)
        if item.get("label"):
            c.text((x - 0.4, y), f"$c_{{{_tex(item['label'])}}}$", size=LABEL_FS, color=PARAM, ha="right")
    for item in layout:
        for child in item.get("children", ()):
            on = child in lit and item["key"] in lit
            c.arrow(drawn[child], drawn[item["key"]], color=HIGHLIGHT if on else INK, lw=LW_STRONG if on else LW,
                    gid="highlight" if on else None)
    root = layout[-1]
    if output:
        y_hat = c.node((root["x"], root["y"] + 1.15), "$\\hat y$", "output")
        c.arrow(drawn[root["key"]], y_hat, label="$W_{\\mathrm{out}}$", label_side=-0.45)
    y_notes = -0.65
    if highlight_leaf is not None:
        depth = len(lit) - 1
        c.text((layout[0]["x"] - 0.3, y_notes),
               f"path from leaf {highlight_leaf} to the root: {depth} step{'s' if depth != 1 else ''}"
               f" (tree height {height})", size=NOTE_FS, color=HIGHLIGHT, ha="left", va="top")
        y_notes -= 0.5
    if equations:
        _tree_equations(c, layout, output, y=y_notes, x0=layout[0]["x"] - 0.3)
    return c.finish()


def _tex(label: str) -> str:
    """An operator label as mathtext: '*' is shown as ×."""
    return {"*": "\\times", "-": "-", "+": "+"}.get(label, "\\mathrm{" + label.replace("_", "\\_") + "}")


def _leaf_text(leaf, index: int) -> tuple[str, str]:
    """(text in the leaf box, the leaf's vector in the equations)."""
    if isinstance(leaf, str):
        m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", leaf)
        if m:                                    # "x1" is the vector x_1 itself, as in note 003's example
            sym = f"{m.group(1)}_{{{m.group(2)}}}"
            return f"${sym}$", sym
        return leaf, f"e(\\mathrm{{{leaf}}})"
    if isinstance(leaf, np.ndarray):
        return f"$v_{{{index}}}$", f"v_{{{index}}}"
    return str(leaf), f"e({leaf})"


def _tree_layout(tree) -> list[dict]:
    """Nodes in post-order (children first) with positions: leaves evenly spaced at the bottom,
    an internal node above the middle of its children, at the height of its subtree."""
    items: list[dict] = []
    counters = {"leaf": 0, "internal": 0}

    def visit(node) -> dict:
        if not isinstance(node, tuple):
            counters["leaf"] += 1
            i = counters["leaf"]
            text, vec = _leaf_text(node, i)
            state = isinstance(node, str) and node.startswith("h")      # e.g. h0 of the chain-as-tree
            item = {"key": ("leaf", i), "x": (i - 1) * 1.3, "y": 0.0, "height": 0, "text": text, "vec": vec,
                    "role": "hidden" if state else "input", "leaf": i}
            items.append(item)
            return item
        left, right = visit(node[1]), visit(node[2])
        counters["internal"] += 1
        n = counters["internal"]
        h = 1 + max(left["height"], right["height"])
        item = {"key": ("h", n), "x": (left["x"] + right["x"]) / 2, "y": h * 1.1, "height": h, "text": f"$h_{n}$",
                "vec": f"h_{n}", "role": "hidden", "label": node[0], "children": (left["key"], right["key"]),
                "kids": (left, right)}
        items.append(item)
        return item

    visit(tree)
    return items


def _path_to_root(layout: list[dict], leaf: int | None) -> set:
    if leaf is None:
        return set()
    parent = {child: item["key"] for item in layout for child in item.get("children", ())}
    key, path = ("leaf", leaf), {("leaf", leaf)}
    while key in parent:
        key = parent[key]
        path.add(key)
    return path


def _tree_equations(c: Canvas, layout: list[dict], output: bool, y: float, x0: float) -> None:
    lines = []
    for item in layout:
        if "kids" not in item:
            continue
        left, right = item["kids"]
        op = f" + c_{{{_tex(item['label'])}}}" if item.get("label") else ""
        lines.append(f"${item['vec']} = \\tanh(W[{left['vec']};\\ {right['vec']}]{op} + b)$")
    if output:
        root = layout[-1]["vec"]
        lines.append(f"$\\hat y = \\mathrm{{softmax}}(W_{{\\mathrm{{out}}}}{root} + b_{{\\mathrm{{out}}}})$")
    per_column = (len(lines) + 1) // 2 if len(lines) > 4 else len(lines)
    for i, line in enumerate(lines):
        col, row = divmod(i, per_column)
        c.text((x0 + col * 4.6, y - 0.45 * row), line, size=LABEL_FS, ha="left", va="top")
