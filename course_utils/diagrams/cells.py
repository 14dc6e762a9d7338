"""Gated cells drawn as circuits: the GRU (torch's reset-after form, or reset-before) and the LSTM with its
variants (peepholes, coupled input/forget gate, no forget gate).

Conventions of both drawings: every gate reads the two buses at the bottom, h_{t−1} and x_t (a dot is a
connection, a crossing without a dot is none). Purple blocks read the buses (an affine map, then σ or
tanh); white circles and boxes act element-wise (⊙, +, 1−, tanh); indigo boxes are affine maps written
out; the weights are in the equations under the circuit.
"""
from __future__ import annotations

from ._core import HIGHLIGHT, INK, LABEL_FS, LW, LW_STRONG, PARAM, Canvas, Node, check_choice

GRU_HIGHLIGHTS = (None, "carry", "candidate", "reset", "update")
LSTM_HIGHLIGHTS = (None, "cell", "forget", "input", "output", "hidden")
LSTM_KINDS = ("standard", "peephole", "coupled", "no_forget")     # the keys of lstm_variants.VARIANTS
RESETS = ("after", "before")

Y_H, Y_X = 1.7, 0.9          # the two buses every gate reads
Y_GATE = 2.7                 # gate blocks


class _Circuit:
    """A Canvas plus the highlight rule: parts tagged with the highlighted path draw thick and pink."""

    def __init__(self, c: Canvas, highlight: str | None):
        self.c, self.highlight = c, highlight

    def on(self, *paths) -> bool:
        return self.highlight is not None and self.highlight in paths

    def wire(self, points, *paths, ls="-", color=INK, head=True) -> None:
        strong = self.on(*paths)
        self.c.wire(points, color=HIGHLIGHT if strong else color, lw=LW_STRONG if strong else LW, ls=ls, head=head,
                    gid="highlight" if strong else None, zorder=4 if strong else 2)

    def gate(self, x: float, symbol: str, *paths, y: float = Y_GATE, bus_until: list | None = None,
             h_paths: tuple = ()) -> Node:
        """A gate block that reads both buses (branches at x ∓ 0.1, a dot at each connection).

        h_paths: the highlights on which the branch from the h_{t−1} bus is part of the path."""
        c = self.c
        box = c.node((x, y), symbol, "gate", w=0.7, highlight=self.on(*paths))
        for bx, by, on in ((x - 0.12, Y_H, h_paths), (x + 0.12, Y_X, ())):
            c.dot((bx, by))
            self.wire([(bx, by), (bx, box.y - box.h / 2)], *on)
        if bus_until is not None:
            bus_until.append((x, "hx"))
        return box

    def op(self, xy, symbol: str, *paths) -> Node:
        return self.c.op(xy, symbol, highlight=self.on(*paths))

    def label(self, xy, text: str, *, ha: str = "center", color: str = INK) -> None:
        self.c.text(xy, text, size=LABEL_FS + 1, ha=ha, color=color, mask=True)


def _buses(k: _Circuit, h_prev: Node, x_node: Node, xs: list, start_h: float | None = None) -> None:
    """h_{t−1} and x_t run right along the bottom to the last gate that reads them.

    start_h: where h_{t−1} leaves the top line (GRU); None when the h_{t−1} box sits on the bus (LSTM).
    """
    h_end = max(x - 0.12 for x, reads in xs if "h" in reads)
    x_end = max(x + 0.12 for x, reads in xs if "x" in reads)
    if start_h is None:
        k.wire([h_prev, (h_end, Y_H)], head=False)
    else:
        k.c.dot((start_h, h_prev.y))
        k.wire([(start_h, h_prev.y), (start_h, Y_H), (h_end, Y_H)], head=False)
    k.wire([x_node, (x_end, Y_X)], head=False)


def _equations(c: Canvas, columns, y: float, x0: float = -0.4, col_width: float = 5.0) -> None:
    for j, lines in enumerate(columns):
        for i, line in enumerate(lines):
            c.text((x0 + j * col_width, y - 0.45 * i), line, size=LABEL_FS, ha="left", va="top")


# ------------------------------------------------------------------ GRU
def gru_cell(*, highlight: str | None = None, reset: str = "after", equations: bool = True,
             title: str | None = "default"):
    """One GRU step in course notation (lecture 07): gates r, z, candidate n, h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}.

    reset: "after" (torch, cuDNN: n_t = tanh(W_xn x_t + b_xn + r_t ⊙ (W_hn h_{t−1} + b_hn))) or
    "before" (Cho et al. final version, d2l: r_t ⊙ h_{t−1} goes through W_hn).
    highlight: None, "carry" (h_{t−1} → ⊙ z_t → h_t, the path whose Jacobian is diag(z_t)),
    "candidate" (x_t → n_t → (1 − z_t) ⊙ → h_t), "reset" (r_t into the candidate) or "update" (z_t's two uses).
    equations: print the four equations under the circuit.
    """
    check_choice("highlight", highlight, GRU_HIGHLIGHTS)
    check_choice("reset", reset, RESETS)
    if title == "default":
        title = f"GRU cell (reset-{reset}{', as in torch' if reset == 'after' else ''})"
    c = Canvas(title)
    k = _Circuit(c, highlight)
    y_top, x_z, x_out = 5.0, 7.2, 8.2
    h_prev = c.node((0.0, y_top), "$h_{t-1}$", "hidden", w=0.8, highlight=k.on("carry"))
    x_in = c.node((0.0, Y_X), "$x_t$", "input")
    gates_x: list = []
    r_gate = k.gate(1.7, "$\\sigma$", "reset", bus_until=gates_x)
    k.label((1.45, Y_GATE + 0.62) if reset == "after" else (2.4, Y_GATE + 0.25), "$r_t$", ha="right")
    _gru_candidate(k, r_gate, reset, gates_x)
    z_gate = k.gate(x_z, "$\\sigma$", "update", bus_until=gates_x)
    _buses(k, h_prev, x_in, gates_x, start_h=0.75)
    # the interpolation on the top line
    odot_z = k.op((x_z, y_top), "$\\odot$", "carry", "update")
    plus = k.op((x_out, y_top), "$+$", "carry", "candidate", "update")
    h_new = c.node((x_out + 1.15, y_top), "$h_t$", "hidden", highlight=k.on("carry", "candidate"))
    k.wire([h_prev, odot_z], "carry")
    k.wire([odot_z, plus], "carry", "update")
    k.wire([plus, h_new], "carry", "candidate", "update")
    one_minus = k.op((x_out, 3.2), "$1-$", "update")
    odot_n = k.op((x_out, 4.1), "$\\odot$", "candidate", "update")
    k.wire([z_gate, (x_z, 3.2)], "update", head=False)
    c.dot((x_z, 3.2))
    k.wire([(x_z, 3.2), odot_z], "update")
    k.wire([(x_z, 3.2), one_minus], "update")
    k.label((x_z - 0.3, 2.95 + 0.15), "$z_t$", ha="right")
    k.wire([one_minus, odot_n], "update")
    k.label((x_out + 0.3, 3.65), "$1-z_t$", ha="left")
    k.wire([odot_n, plus], "candidate", "update")
    if equations:
        cand = ("$n_t = \\tanh(W_{xn}x_t + b_{xn} + r_t \\odot (W_{hn}h_{t-1} + b_{hn}))$" if reset == "after" else
                "$n_t = \\tanh(W_{xn}x_t + b_{xn} + W_{hn}(r_t \\odot h_{t-1}) + b_{hn})$")
        _equations(c, [["$r_t = \\sigma(W_{xr}x_t + b_{xr} + W_{hr}h_{t-1} + b_{hr})$",
                         "$z_t = \\sigma(W_{xz}x_t + b_{xz} + W_{hz}h_{t-1} + b_{hz})$"],
                        [cand, "$h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$"]], y=0.25, col_width=4.9)
    return c.finish()


def _gru_candidate(k: _Circuit, r_gate: Node, reset: str, gates_x: list) -> None:
    """n_t from x_t, h_{t−1} and r_t; its output runs right to the ⊙ with (1 − z_t) at (8.2, 4.1)."""
    c = k.c
    x_h, x_x, y_mid, y_tanh = 3.55, 5.55, 3.55, 4.1
    if reset == "after":
        lin_h = c.node((x_h, Y_GATE), "$W_{hn}h_{t-1} + b_{hn}$", "param", w=1.85, fontsize=13)
        c.dot((x_h, Y_H))
        k.wire([(x_h, Y_H), lin_h], "reset")
        gate_r = k.op((x_h, y_mid), "$\\odot$", "reset")
        k.wire([r_gate, (r_gate.x, y_mid), gate_r], "reset")
        k.wire([lin_h, gate_r], "reset")
        into_sum = gate_r
    else:
        gate_r = k.op((x_h, Y_GATE), "$\\odot$", "reset")
        c.dot((x_h, Y_H))
        k.wire([(x_h, Y_H), gate_r], "reset")
        k.wire([r_gate, gate_r], "reset")
        lin_h = c.node((x_h, y_mid), "$W_{hn}(\\cdot) + b_{hn}$", "param", w=1.6, fontsize=13)
        k.wire([gate_r, lin_h], "reset")
        into_sum = lin_h
    gates_x.append((x_h + 0.12, "h"))
    lin_x = c.node((x_x, Y_GATE), "$W_{xn}x_t + b_{xn}$", "param", w=1.6, fontsize=13)
    c.dot((x_x, Y_X))
    k.wire([(x_x, Y_X), lin_x], "candidate")
    gates_x.append((x_x - 0.12, "x"))
    plus = k.op((x_x, y_mid), "$+$", "candidate", "reset")
    k.wire([into_sum, plus], "reset")
    k.wire([lin_x, plus], "candidate")
    tanh = c.node((x_x + 0.9, y_tanh), "$\\tanh$", "op", w=0.7, highlight=k.on("candidate", "reset"))
    k.wire([plus, (x_x, y_tanh), tanh], "candidate", "reset")
    k.wire([tanh, (8.2 - 0.2, y_tanh)], "candidate", "reset")
    k.label((7.6, y_tanh + 0.28), "$n_t$")


# ------------------------------------------------------------------ LSTM
def lstm_cell(kind: str = "standard", *, highlight: str | None = None, equations: bool = True,
              title: str | None = "default"):
    """One LSTM step in course notation (lecture 08; gate order i, f, g, o) and its variants (lecture 09).

    kind: "standard", "peephole" (i and f also read c_{t−1}, o reads c_t, through diagonal weights
    p_i, p_f, p_o), "coupled" (i_t = 1 − f_t) or "no_forget" (c_t = c_{t−1} + i_t ⊙ g_t, the 1997 cell);
    the names are the keys of course_utils.lstm_variants.VARIANTS.
    highlight: None, "cell" (c_{t−1} → ⊙ f_t → + → c_t, the path that carries gradient), "forget",
    "input" (i_t ⊙ g_t written to the cell), "output" (c_t → tanh → ⊙ o_t → h_t) or "hidden"
    (h_{t−1} → the blocks f, i, g that write the cell → c_t: how c_t depends on h_{t−1}, lecture 08's M_t).
    equations: print the equations of this kind under the circuit.
    """
    check_choice("kind", kind, LSTM_KINDS)
    check_choice("highlight", highlight, LSTM_HIGHLIGHTS)
    if kind == "no_forget" and highlight == "forget":
        raise ValueError("highlight='forget' needs a forget gate; kind='no_forget' has none")
    if title == "default":
        title = {"standard": "LSTM cell", "peephole": "LSTM cell with peephole connections",
                 "coupled": "LSTM cell with coupled input and forget gates ($i_t = 1 - f_t$)",
                 "no_forget": "LSTM cell without a forget gate (1997)"}[kind]
    c = Canvas(title)
    k = _Circuit(c, highlight)
    y_c, x_f, x_i, x_g, x_o, x_tanh, x_end = 5.2, 2.2, 3.4, 4.4, 6.0, 7.6, 9.2
    c_prev = c.node((0.0, y_c), "$c_{t-1}$", "cell", w=0.8, highlight=k.on("cell"))
    h_prev = c.node((0.0, Y_H), "$h_{t-1}$", "hidden", w=0.8, highlight=k.on("hidden"))
    x_in = c.node((0.0, Y_X), "$x_t$", "input")
    gates_x: list = []
    plus = k.op((x_g, y_c), "$+$", "cell", "input", "hidden")
    c_new = c.node((x_end, y_c), "$c_t$", "cell", highlight=k.on("cell", "hidden"))
    # the cell line: c_{t−1} (→ ⊙ f_t) → + → c_t
    if kind == "no_forget":
        k.wire([c_prev, plus], "cell")
    else:
        coupled = kind == "coupled"                   # then f_t also makes i_t = 1 − f_t
        f_paths = ("forget", "input", "hidden") if coupled else ("forget", "hidden")
        f_gate = k.gate(x_f, "$\\sigma$", *f_paths, bus_until=gates_x, h_paths=("hidden",))
        odot_f = k.op((x_f, y_c), "$\\odot$", "cell", "forget", "hidden")
        k.wire([c_prev, odot_f], "cell")
        k.wire([odot_f, plus], "cell", "hidden")
        if coupled:
            k.wire([f_gate, (x_f, 3.55)], *f_paths, head=False)
            k.wire([(x_f, 3.55), odot_f], "forget", "hidden")
        else:
            k.wire([f_gate, odot_f], "forget", "hidden")
        k.label((x_f - 0.3, 4.4), "$f_t$", ha="right")
    k.wire([plus, c_new], "cell", "input", "hidden")
    # write: i_t ⊙ g_t
    odot_i = k.op((x_g, 4.1), "$\\odot$", "input", "hidden")
    if kind == "coupled":
        one_minus = k.op((x_i, 3.55), "$1-$", "input", "hidden")
        c.dot((x_f, 3.55))
        k.wire([(x_f, 3.55), one_minus], "input", "hidden")
        k.wire([one_minus, (x_i, 4.1), odot_i], "input", "hidden")
        k.label((x_i - 0.05, 4.35), "$i_t = 1-f_t$", ha="right")
    else:
        i_gate = k.gate(x_i, "$\\sigma$", "input", "hidden", bus_until=gates_x, h_paths=("hidden",))
        k.wire([i_gate, (x_i, 4.1), odot_i], "input", "hidden")
        k.label((x_i - 0.3, 3.85), "$i_t$", ha="right")
    g_gate = k.gate(x_g, "$\\tanh$", "input", "hidden", bus_until=gates_x, h_paths=("hidden",))
    k.wire([g_gate, odot_i], "input", "hidden")
    k.label((x_g + 0.3, 3.55), "$g_t$", ha="left")
    k.wire([odot_i, plus], "input", "hidden")
    # read: h_t = o_t ⊙ tanh(c_t)
    o_gate = k.gate(x_o, "$\\sigma$", "output", bus_until=gates_x)
    tanh = c.node((x_tanh, 4.4), "$\\tanh$", "op", w=0.7, highlight=k.on("output"))
    odot_o = k.op((x_tanh, 3.5), "$\\odot$", "output")
    h_new = c.node((x_end, 3.5), "$h_t$", "hidden", highlight=k.on("output"))
    c.dot((x_tanh, y_c))
    k.wire([(x_tanh, y_c), tanh], "output")
    k.wire([tanh, odot_o], "output")
    k.wire([o_gate, (x_o, 3.5), odot_o], "output")
    k.label((x_o - 0.3, 3.3), "$o_t$", ha="right")
    k.wire([odot_o, h_new], "output")
    if kind == "peephole":
        _peepholes(k, x_f, x_i, x_o, y_c)
    _buses(k, h_prev, x_in, gates_x)
    if k.on("hidden"):          # the h_{t−1} bus as far as the blocks that write the cell (not o_t's)
        k.wire([h_prev, (x_g - 0.12, Y_H)], "hidden", head=False)
    if equations:
        _equations(c, _lstm_equations(kind), y=0.25, col_width=5.3)
    return c.finish()


def _peepholes(k: _Circuit, x_f: float, x_i: float, x_o: float, y_c: float) -> None:
    """Dashed diagonal weights from the cell to the gates: p_f, p_i read c_{t−1}, p_o reads c_t."""
    c = k.c
    x_old, x_new, w = 1.0, 5.2, 0.35
    peep = {"ls": (0, (4, 3)), "color": PARAM}
    c.dot((x_old, y_c), color=PARAM)
    k.wire([(x_old, y_c), (x_old, Y_GATE), (x_f - w, Y_GATE)], **peep)
    c.dot((x_old, 3.55), color=PARAM)
    k.wire([(x_old, 3.55), (x_i - 0.6, 3.55), (x_i - 0.6, Y_GATE), (x_i - w, Y_GATE)], **peep)
    c.dot((x_new, y_c), color=PARAM)
    k.wire([(x_new, y_c), (x_new, Y_GATE), (x_o - w, Y_GATE)], **peep)
    for xy, name in (((x_old - 0.1, 3.0), "$p_f$"), ((x_old + 0.6, 3.8), "$p_i$"), ((x_new - 0.1, 3.9), "$p_o$")):
        k.label(xy, name, ha="right", color=PARAM)


def _lstm_equations(kind: str) -> list[list[str]]:
    peep = kind == "peephole"
    i_eq = ("$i_t = 1 - f_t$" if kind == "coupled" else
            "$i_t = \\sigma(W_{xi}x_t + W_{hi}h_{t-1} + " + ("p_i \\odot c_{t-1} + " if peep else "") + "b_i)$")
    f_eq = None if kind == "no_forget" else \
        "$f_t = \\sigma(W_{xf}x_t + W_{hf}h_{t-1} + " + ("p_f \\odot c_{t-1} + " if peep else "") + "b_f)$"
    g_eq = "$g_t = \\tanh(W_{xg}x_t + W_{hg}h_{t-1} + b_g)$"
    o_eq = "$o_t = \\sigma(W_{xo}x_t + W_{ho}h_{t-1} + " + ("p_o \\odot c_t + " if peep else "") + "b_o)$"
    c_eq = {"no_forget": "$c_t = c_{t-1} + i_t \\odot g_t$",
            "coupled": "$c_t = f_t \\odot c_{t-1} + (1 - f_t) \\odot g_t$"}.get(
        kind, "$c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$")
    h_eq = "$h_t = o_t \\odot \\tanh(c_t)$"
    order = (f_eq, i_eq, g_eq, o_eq) if kind == "coupled" else (i_eq, f_eq, g_eq, o_eq)
    left = [e for e in order if e]
    return [left, [c_eq, h_eq]]
