"""Chains: the SRN folded and unrolled, Elman vs Jordan, the three I/O modes, encoder–decoder, an attention step,
a decoder conditioned on an image."""
from __future__ import annotations

from ._core import HIGHLIGHT, INK, LABEL_FS, NOTE_FS, PARAM, Canvas, Node, check_choice, check_int

MAX_STEPS = 8
DX = 1.45          # inches between time steps
ROW = 1.25         # inches between the x, h and o rows


def _loop(c: Canvas, node: Node, label: str, *, color: str = INK, lw: float = 1.6) -> None:
    """A recurrent loop on the left of `node`: out of its top, round to the left, back into its left side."""
    top = node.side("top", -0.12)
    x_left = node.x - node.w / 2 - 0.45
    c.wire([top, (top[0], top[1] + 0.3), (x_left, top[1] + 0.3), (x_left, node.y), node.side("left")],
           color=color, lw=lw)
    c.text((x_left - 0.12, node.y + 0.3), label, size=LABEL_FS, color=PARAM, ha="right")


def _step_column(c: Canvas, x: float, t: str, *, outputs: bool, prev: Node | None) -> Node:
    """x_t → h_t (→ o_t) at horizontal position x, with the recurrent arrow from `prev`; returns h_t."""
    xt = c.node((x, 0.0), f"$x_{{{t}}}$", "input")
    ht = c.node((x, ROW), f"$h_{{{t}}}$", "hidden")
    c.arrow(xt, ht, label="$W_{hx}$", label_side=-0.32)
    if outputs:
        ot = c.node((x, 2 * ROW), f"$o_{{{t}}}$", "output")
        c.arrow(ht, ot, label="$W_{oh}$", label_side=-0.32)
    if prev is not None:
        c.arrow(prev, ht, label="$W_{hh}$", label_side=0.2)
    return ht


def unrolled_srn(T: int = 4, *, folded: bool = True, outputs: bool = True, title: str | None = "default"):
    """The SRN with its loop (left) and unrolled for T steps (right): the same weights at every step.

    T: steps to unroll (1..8); folded: draw the folded network and an "=" first; outputs: the o_t row.
    """
    T = check_int("T", T, maximum=MAX_STEPS)
    if title == "default":
        title = f"An SRN unrolled for T = {T} steps: the same $W_{{hx}}$, $W_{{hh}}$, $W_{{oh}}$ at every step"
    c = Canvas(title)
    x = 0.0
    if folded:
        ht = _step_column(c, x, "t", outputs=outputs, prev=None)
        _loop(c, ht, "$W_{hh}$")
        c.text((x + 1.0, ROW), "=", size=22)
        x += 2.0
    h = c.node((x, ROW), "$h_0$", "hidden")
    for t in range(1, T + 1):
        h = _step_column(c, x + t * DX, str(t), outputs=outputs, prev=h)
    c.text((x + (T + 1) * DX / 2, -0.6),
           "$a_t = W_{hx}x_t + W_{hh}h_{t-1} + b_h,\\quad h_t = \\tanh(a_t),\\quad o_t = W_{oh}h_t + b_o$",
           size=LABEL_FS, va="top")
    return c.finish()


def _panel_title(c: Canvas, xy, text: str) -> None:
    c.text(xy, text, size=LABEL_FS + 1, weight="bold")


def elman_jordan(T: int | None = None, *, title: str | None = "default"):
    """Elman (h_{t−1} fed back through W_hh) and Jordan (ŷ_{t−1} fed back through W_hy), as in lecture 03.

    T: None draws the two networks folded, side by side, each with the dashed copy of last step's value
    (Elman's context units); an integer 1..5 draws both unrolled for T steps, Elman above Jordan.
    """
    if T is not None:
        T = check_int("T", T, maximum=5)
    if title == "default":
        title = "Elman feeds back the hidden state, Jordan the output"
    c = Canvas(title)
    if T is None:
        _elman_jordan_folded(c)
    else:
        _elman_jordan_unrolled(c, T)
    return c.finish()


def _feedback_panel(c: Canvas, x0: float, jordan: bool) -> None:
    """One folded panel: x_t → h_t → ŷ_t, and a dashed copy of last step's h (Elman) or ŷ (Jordan)."""
    xt = c.node((x0 + 1.7, 0.0), "$x_t$", "input")
    ht = c.node((x0 + 1.7, ROW), "$h_t$", "hidden")
    yt = c.node((x0 + 1.7, 2 * ROW), "$\\hat y_t$", "output")
    c.arrow(xt, ht, label="$W_{hx}$", label_side=-0.32)
    c.arrow(ht, yt, label="$W_{oh}$", label_side=-0.32)
    source = yt if jordan else ht
    ctx = c.node((x0 - 0.3, 0.0), "$\\hat y_{t-1}$" if jordan else "$h_{t-1}$", "output" if jordan else "hidden",
                 w=0.78, ls="--")
    c.wire([source.side("left"), (x0 - 0.3, source.y), ctx], ls="--")
    c.text((x0 - 0.65, source.y + 0.08), "copy, one step later", size=NOTE_FS, ha="left", va="bottom")
    c.arrow(ctx, ht, label="$W_{hy}$" if jordan else "$W_{hh}$", label_side=-0.25)
    if jordan:
        eq = "$h_t = \\tanh(W_{hx}x_t + W_{hy}\\hat y_{t-1} + b_h)$"
        name = "Jordan (1986): output → hidden"
    else:
        eq = "$h_t = \\tanh(W_{hx}x_t + W_{hh}h_{t-1} + b_h)$"
        name = "Elman (1990): hidden → hidden"
    _panel_title(c, (x0 + 0.85, 2 * ROW + 0.7), name)
    c.text((x0 + 0.85, -0.55), eq, size=LABEL_FS, va="top")
    c.text((x0 + 0.85, -1.0), "$\\hat y_t = g(W_{oh}h_t + b_o)$", size=LABEL_FS, va="top")


def _elman_jordan_folded(c: Canvas) -> None:
    _feedback_panel(c, 0.0, jordan=False)
    _feedback_panel(c, 5.0, jordan=True)


def _elman_jordan_unrolled(c: Canvas, T: int) -> None:
    """Both networks unrolled, Elman above Jordan; the feedback arrows in the highlight colour."""
    for panel, jordan in enumerate((False, True)):
        y0 = -panel * (2 * ROW + 1.5)
        prev = c.node((0.0, y0 + (2 * ROW if jordan else ROW)), "$\\hat y_0$" if jordan else "$h_0$",
                      "output" if jordan else "hidden")
        for t in range(1, T + 1):
            x = t * DX
            xt = c.node((x, y0), f"$x_{t}$", "input")
            ht = c.node((x, y0 + ROW), f"$h_{t}$", "hidden")
            yt = c.node((x, y0 + 2 * ROW), f"$\\hat y_{t}$", "output")
            c.arrow(xt, ht, label="$W_{hx}$" if t == T else None, label_side=-0.32)
            c.arrow(ht, yt, label="$W_{oh}$" if t == T else None, label_side=-0.32)
            weight = "$W_{hy}$" if jordan else "$W_{hh}$"
            c.arrow(prev, ht, color=HIGHLIGHT, lw=2.6, label=weight if t == 1 else None,
                    label_side=-0.3 if jordan else 0.22, label_at=0.4 if jordan else 0.5)
            prev = yt if jordan else ht
        name = "Jordan: $\\hat y_{t-1} \\to h_t$" if jordan else "Elman (the SRN): $h_{t-1} \\to h_t$"
        _panel_title(c, ((T + 1) * DX / 2 - DX / 2, y0 + 2 * ROW + 0.6), name)


# ------------------------------------------------------------------ input/output modes
MODES = ("seq2class", "seq2seq", "encdec")
_MODE_NAMES = {"seq2class": "sequence → class", "seq2seq": "synced sequence → sequence",
               "encdec": "encoder–decoder"}
_COUNT = {2: "Two", 3: "Three"}


def io_modes(modes=MODES, *, T: int = 3, M: int = 3, title: str | None = "default"):
    """The input/output modes of lecture 03, one panel each (default all three).

    modes: a sequence of "seq2class" (read all, one output from h_T), "seq2seq" (an output per step),
    "encdec" (read, hand over h_T, then generate from ⟨bos⟩ until ⟨eos⟩, feeding outputs back).
    T: input steps (1..5); M: output steps of the encoder–decoder (1..5).
    """
    if isinstance(modes, str):
        modes = (modes,)
    modes = tuple(modes)
    if not modes:
        raise ValueError(f"modes must name at least one of {MODES}")
    for m in modes:
        check_choice("each mode", m, MODES)
    T = check_int("T", T, maximum=5)
    M = check_int("M", M, maximum=5)
    if title == "default":
        count = len(set(modes))
        title = f"{_COUNT.get(count, count)} input/output modes of one recurrent core" if count > 1 else None
    c = Canvas(title)
    dx = 1.15
    x, y = 0.0, 0.0
    for i, mode in enumerate(modes):
        width = T * dx + (M + 1) * max(dx, 1.45) * (mode == "encdec") + 0.62
        if i and x + width > 10.5:                      # start a new row of panels
            x, y = 0.0, y - (2 * ROW + 1.8)
        _panel_title(c, (x + width / 2 - 0.31, y + 2 * ROW + 0.7), _MODE_NAMES[mode])
        if mode == "encdec":
            _encdec(c, x, y, T, M, tokens=None, teacher_forcing=False, dx=dx)
        else:
            _synced(c, x, y, T, per_step=(mode == "seq2seq"), dx=dx)
        x += width + 0.9
    return c.finish()


def _synced(c: Canvas, x0: float, y0: float, T: int, per_step: bool, dx: float) -> None:
    prev = c.node((x0, y0 + ROW), "$h_0$", "hidden")
    for t in range(1, T + 1):
        x = x0 + t * dx
        xt = c.node((x, y0), f"$x_{t}$", "input")
        ht = c.node((x, y0 + ROW), f"$h_{t}$", "hidden")
        c.arrow(xt, ht)
        c.arrow(prev, ht)
        prev = ht
        if per_step or t == T:
            yt = c.node((x, y0 + 2 * ROW), f"$\\hat y_{t}$" if per_step else "$\\hat y$", "output")
            c.arrow(ht, yt)


def encoder_decoder(S: int = 3, M: int = 3, *, source=None, target=None, teacher_forcing: bool = False,
                    title: str | None = "default"):
    """Encoder–decoder (lecture 11's notation): h_t reads x_t; s_0 = h_S; s_m reads y_{m−1}, y_0 = ⟨bos⟩.

    S: source steps (1..6); M: output steps (1..6), the last output being ⟨eos⟩.
    source, target: optional token strings to print (S and M of them; the last target should be
    "<eos>"). teacher_forcing: the decoder reads the true previous tokens y_{m−1} (training; with
    target given, they are printed under the decoder's inputs);
    otherwise its own previous outputs ŷ_{m−1} (dashed feedback, as when generating).
    """
    S = check_int("S", S, maximum=6)
    M = check_int("M", M, maximum=6)
    source = _tokens("source", source, S)
    target = _tokens("target", target, M)
    if not isinstance(teacher_forcing, bool):
        raise TypeError(f"teacher_forcing must be True or False, got {teacher_forcing!r}")
    if title == "default":
        title = ("Encoder–decoder, trained with teacher forcing" if teacher_forcing
                 else "Encoder–decoder: read, hand over $h_S$, generate")
    c = Canvas(title)
    _encdec(c, 0.0, 0.0, S, M, tokens=(source, target), teacher_forcing=teacher_forcing, lecture11=True,
            dx=1.2)
    return c.finish()


def _tokens(name: str, tokens, n: int):
    if tokens is None:
        return None
    if isinstance(tokens, str) or len(tokens) != n:
        raise ValueError(f"{name} must be a sequence of {n} token strings, got {tokens!r}")
    return [str(tok) for tok in tokens]


def _encdec(c: Canvas, x0: float, y0: float, S: int, M: int, *, tokens, teacher_forcing: bool,
            lecture11: bool = False, dx: float = DX) -> None:
    """Encoder over S steps, the bridge state (s_0 = h_S), decoder over M steps."""
    source, target = tokens if tokens else (None, None)
    prev = c.node((x0, y0 + ROW), "$h_0$", "hidden")
    for t in range(1, S + 1):
        x = x0 + t * dx
        xt = c.node((x, y0), f"$x_{t}$", "input")
        if source:
            c.code((x, y0 - 0.33), source[t - 1], va="top")
        ht = c.node((x, y0 + ROW), f"$h_{t}$", "hidden")
        c.arrow(xt, ht)
        c.arrow(prev, ht)
        prev = ht
    dec = "s" if lecture11 else "h^{\\mathrm{dec}}"
    w = 0.62 if lecture11 else 0.82
    dd = max(dx, w + 0.6)                                  # decoder columns: room for the feedback wires
    xb = x0 + S * dx + dd
    bridge = c.node((xb, y0 + ROW), f"${dec}_0$", "hidden", w=w, highlight=True)
    c.arrow(prev, bridge, color=HIGHLIGHT, lw=2.6)
    c.text((xb, y0 + ROW + 0.42), f"${dec}_0 = h_{{{S}}}$", size=NOTE_FS, color=HIGHLIGHT, va="bottom")
    below = y0 - (0.75 if source or (target and teacher_forcing) else 0.45)     # under any printed tokens
    c.text((x0 + (S + 1) * dx / 2, below), f"encoder: reads $x_1, \\ldots, x_{{{S}}}$", size=NOTE_FS, va="top")
    c.text((xb + (M + 1) * dd / 2, below), "decoder: writes until ⟨eos⟩", size=NOTE_FS, va="top")
    _decoder_columns(c, xb, y0, bridge, M, dec=dec, w=w, dd=dd, target=target, teacher_forcing=teacher_forcing)


def _decoder_columns(c: Canvas, xb: float, y0: float, bridge: Node, M: int, *, dec: str, w: float, dd: float,
                     target, teacher_forcing: bool) -> None:
    """Decoder steps 1 … M right of the start state `bridge` (at xb): ⟨bos⟩ or y_{m−1} → s_m → ŷ_m, ⟨eos⟩ last."""
    s_prev, prev_out = bridge, None
    for m in range(1, M + 1):
        x = xb + m * dd
        if m == 1:
            inp = c.node((x, y0), "⟨bos⟩", "input", w=0.8)
        else:
            inp = c.node((x, y0), f"$y_{m - 1}$" if teacher_forcing else f"$\\hat y_{m - 1}$", "input")
            if target and teacher_forcing:                     # the true previous token is known: print it
                c.code((x, y0 - 0.33), target[m - 2], va="top")
        s = c.node((x, y0 + ROW), f"${dec}_{m}$", "hidden", w=w)
        c.arrow(inp, s)
        c.arrow(s_prev, s)
        out = c.node((x, y0 + 2 * ROW), "⟨eos⟩" if m == M else f"$\\hat y_{m}$", "output",
                     w=0.8 if m == M else 0.62)
        c.arrow(s, out)
        if target:
            c.code((x, y0 + 2 * ROW + 0.33), target[m - 1], va="bottom")
        if prev_out is not None and not teacher_forcing:       # generation: the output is the next input
            xm = x - dd / 2
            c.wire([prev_out.side("right"), (xm, y0 + 2 * ROW), (xm, y0), inp.side("left")], ls="--")
        s_prev, prev_out = s, out


def attention_step(S: int = 4, t: int = 1, *, weights=None, source=None, title: str | None = "default"):
    """One decoder step with attention (lecture 11, Luong et al.'s placement, as `attention.AttentionSeq2Seq`).

    The encoder states h_1 … h_S; the decoder state s_t (the query) scores each of them, a softmax
    over j gives the weights a_tj, the context c_t = Σ_j a_tj h_j joins s_t in s̃_t, which predicts ŷ_t.
    S: source steps (1..6); t: the decoder step shown (1..9). weights: S numbers ≥ 0 summing to 1
    (e.g. a row of a trained model's alignment), printed on the arrows h_j → c_t, whose widths follow
    them; source: S token strings printed under x_1 … x_S.
    """
    import numpy as np

    S = check_int("S", S, maximum=6)
    t = check_int("t", t, maximum=9)
    source = _tokens("source", source, S)
    if weights is not None:
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (S,) or not np.all(np.isfinite(weights)) or np.any(weights < 0) \
                or abs(weights.sum() - 1) > 1e-6:
            raise ValueError(f"weights must be {S} non-negative numbers summing to 1, got {weights.tolist()}")
    if title == "default":
        title = f"Attention at decoder step t = {t}: every encoder state, weighted"
    c = Canvas(title)
    dx = 1.05
    prev = c.node((0.0, ROW), "$h_0$", "hidden")
    states = []
    for j in range(1, S + 1):
        xj = c.node((j * dx, 0.0), f"$x_{j}$", "input")
        if source:
            c.code((j * dx, -0.33), source[j - 1], va="top")
        hj = c.node((j * dx, ROW), f"$h_{j}$", "hidden")
        c.arrow(xj, hj)
        c.arrow(prev, hj)
        states.append(hj)
        prev = hj
    y_ctx = 3.0 * ROW
    ctx = c.node(((S + 1) * dx / 2, y_ctx), "$c_t$", "hidden")
    for j, hj in enumerate(states, start=1):
        w = None if weights is None else float(weights[j - 1])
        label = f"$a_{{t{j}}}$" if w is None else f"{w:.2f}"
        c.arrow(hj, ctx, color=HIGHLIGHT, lw=1.6 if w is None else 0.8 + 4.0 * w, label=label, label_at=0.3,
                label_side=0.0, label_color=HIGHLIGHT)
    c.text((ctx.x, y_ctx + 0.42), "$a_{tj} = \\mathrm{softmax}_j\\,\\mathrm{score}(s_t, h_j)$,  "
           "$c_t = \\sum_j a_{tj} h_j$", size=NOTE_FS, va="bottom")
    xs = max(S, 3) * dx + 2.9
    s_prev = c.node((xs - 1.2, ROW), "$s_{t-1}$", "hidden", w=0.8)
    s_t = c.node((xs, ROW), "$s_t$", "hidden")
    y_in = c.node((xs, 0.0), "$y_{t-1}$", "input", w=0.8)
    c.arrow(s_prev, s_t)
    c.arrow(y_in, s_t)
    # the query: s_t scores every h_j; it ends right of the fan of weighted arrows, which it feeds
    y_q = (ROW + y_ctx) / 2
    end = ((states[-1].x + ctx.x) / 2 + 0.3, y_q)
    c.wire([s_t.side("top", -0.15), (s_t.x - 0.15, y_q), end], color=HIGHLIGHT, ls="--")
    c.text((end[0] + 0.1, y_q + 0.08), "query $s_t$", size=NOTE_FS, color=HIGHLIGHT, ha="left", va="bottom")
    tilde = c.node((xs, y_ctx), "$\\tilde s_t$", "hidden")
    c.arrow(ctx, tilde, label="$\\tilde s_t = \\tanh(W_c[c_t; s_t] + b_c)$", label_at=0.62, label_side=0.25,
            label_color=INK, label_size=NOTE_FS)
    c.arrow(s_t, tilde, shift=-0.15)
    out = c.node((xs, y_ctx + ROW), "$\\hat y_t$", "output")
    c.arrow(tilde, out)
    c.text((xs - 0.4, y_ctx + 0.7 * ROW), "softmax$(W_o \\tilde s_t + b_o)$", size=NOTE_FS, ha="right")
    return c.finish()


def conditioned_decoder(M: int = 4, *, target=None, image=None, teacher_forcing: bool = True,
                        title: str | None = "default"):
    """A decoder whose initial state is computed from an input vector (lecture 11's digit-name speller,
    `captioning.NameDecoder`): s_0 = tanh(W_si x + b_s), then s_m reads y_{m−1} from y_0 = ⟨bos⟩ to ⟨eos⟩.

    M: output steps (1..6), the last being ⟨eos⟩; target: M token strings printed over the outputs
    (and, with teacher forcing, under the decoder inputs); image: an optional 2-D array (e.g. the 8×8
    digit) drawn beside x; teacher_forcing: the decoder reads the true y_{m−1} (training) or its own
    ŷ_{m−1} (dashed feedback, generating).
    """
    import numpy as np

    M = check_int("M", M, maximum=6)
    target = _tokens("target", target, M)
    if not isinstance(teacher_forcing, bool):
        raise TypeError(f"teacher_forcing must be True or False, got {teacher_forcing!r}")
    if image is not None:
        image = np.asarray(image, dtype=float)
        if image.ndim != 2 or image.size == 0 or not np.all(np.isfinite(image)):
            raise ValueError(f"image must be a finite 2-D array (e.g. an 8×8 digit), got shape {image.shape}")
    if title == "default":
        title = ("A decoder conditioned on an image, trained with teacher forcing" if teacher_forcing
                 else "A decoder conditioned on an image: generating")
    c = Canvas(title)
    x_node = c.node((0.0, 0.0), "$x$", "input")
    c.text((0.0, -0.33), "64 pixels", size=NOTE_FS, va="top")
    if image is not None:                   # the picture whose pixels x holds, left of x
        c.ax.imshow(image, cmap="gray_r", extent=(-1.8, -0.8, -0.5, 0.5), aspect="auto", interpolation="nearest",
                    zorder=2)
        c.rect((-1.8, -0.5), 1.0, 1.0, lw=1.0, rounding=0.0)
        c.arrow((-0.8, 0.0), x_node)
    w, dd = 0.62, 1.25
    xb = 1.1
    bridge = c.node((xb, ROW), "$s_0$", "hidden", w=w, highlight=True)
    c.arrow(x_node, bridge, color=HIGHLIGHT, lw=2.6)
    c.text((xb, ROW + 0.42), "$s_0 = \\tanh(W_{si}\\,x + b_s)$", size=NOTE_FS, color=HIGHLIGHT, va="bottom")
    below = -(0.75 if target and teacher_forcing else 0.45)
    c.text((xb + (M + 1) * dd / 2, below), "decoder: writes until ⟨eos⟩", size=NOTE_FS, va="top")
    _decoder_columns(c, xb, 0.0, bridge, M, dec="s", w=w, dd=dd, target=target, teacher_forcing=teacher_forcing)
    return c.finish()
