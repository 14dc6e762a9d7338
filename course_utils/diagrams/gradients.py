"""Gradients through time: BPTT's computational graph (total vs partial derivatives), RTRL vs BPTT."""
from __future__ import annotations

from ._core import GRAD, INK, LABEL_FS, LW, MUTED, NOTE_FS, PARAM, SENS, Canvas, check_int, check_norms

MAX_STEPS = 8
DX = 1.5                         # inches between time steps
Y = {"x": 0.0, "a": 1.5, "h": 2.7, "o": 3.8, "l": 4.9}
SHIFT = 0.15                     # a backward arrow runs this far beside its forward arrow
GRAD_THIN, GRAD_FAINT = 2.0, 0.35


def bptt_graph(T: int = 4, *, loss_step: int | None = None, step: int = 1, norms=None,
               truncate: int | None = None, title: str | None = "default"):
    """The SRN's computational graph for T steps and the gradient of ℓ_t with respect to W_hh (lecture 04).

    Each step uses its own copy W_hh^(j) (all equal), so dL/dW_hh is the sum over copies. For the
    loss ℓ_t (t = loss_step, default T) and the copy k = step, the picture shows the two factors of
    one term δ_{t,k} h_{k−1}ᵀ:
    the total derivative δ_{t,k} = ∂ℓ_t/∂a_k, flowing back from ℓ_t through h_{t−1}, …, h_k (thick red),
    and the partial derivative of a_k with respect to its own copy, h_{k−1}ᵀ (thick blue-violet).
    norms: optional T numbers ‖∂ℓ_t/∂h_j‖, j = 1..T (e.g. computed in the lecture); they set the width
    of the backward arrows along the chain and are printed next to each h_j with j <= t.
    truncate: optional piece length of truncated BPTT (lecture 04, section 5). The graph is cut before
    every piece; the state crosses a cut forward as a plain value and no gradient crosses it backward,
    so ℓ_t reaches only the copies of its own piece, and step must lie in that piece.
    Fast enough (well under 0.3 s) to be redrawn by a step slider.
    """
    T = check_int("T", T, maximum=MAX_STEPS)
    t = T if loss_step is None else check_int("loss_step", loss_step, maximum=T)
    k = check_int("step", step)
    if k > t:
        raise ValueError(f"step must be <= loss_step = {t}: the loss ℓ_{t} does not depend on the copy "
                         f"W_hh^({k}) of a later step, got step = {k}")
    norms = check_norms(norms, T)
    first = 1                                    # the first step ℓ_t's gradient reaches
    if truncate is not None:
        truncate = check_int("truncate", truncate, maximum=T)
        first = (t - 1) // truncate * truncate + 1
        if k < first:
            raise ValueError(f"step must lie in the piece of loss_step = {t} (steps {first} to {t}): truncated "
                             f"BPTT sends no gradient from ℓ_{t} to the copy W_hh^({k}), got step = {k}")
    if title == "default":
        title = (f"{'Truncated BPTT' if truncate else 'BPTT'} for T = {T}: one term of $dL/dW_{{hh}}$, "
                 f"from $\\ell_{{{t}}}$ through the copy $W_{{hh}}^{{({k})}}$")
    c = Canvas(title)
    nodes = _forward_graph(c, T, t, k)
    if truncate:
        _cuts(c, T, truncate)
    _backward_paths(c, nodes, T, t, k, norms, first)
    _bptt_notes(c, T, t, k, norms is not None, truncate, first)
    return c.finish()


def _forward_graph(c: Canvas, T: int, t: int, k: int) -> dict:
    """Grey forward graph; nodes after the loss step (which ℓ_t cannot see) are muted."""
    nodes = {("h", 0): c.node((0.0, Y["h"]), "$h_0$", "hidden")}
    for j in range(1, T + 1):
        x = j * DX
        later = j > t

        def role(r: str, later: bool = later) -> str:
            return "muted" if later else r

        n = {
            "x": c.node((x, Y["x"]), f"$x_{j}$", role("input")),
            "W": c.node((x - 0.75, 0.55), f"$W_{{hh}}^{{({j})}}$", role("param"), w=0.74, h=0.5),
            "a": c.node((x, Y["a"]), f"$a_{j}$", role("hidden"), color=GRAD if j == k else None,
                        lw=3.2 if j == k else 1.4),
            "h": c.node((x, Y["h"]), f"$h_{j}$", role("hidden")),
            "o": c.node((x, Y["o"]), f"$o_{j}$", role("output")),
            "l": c.node((x, Y["l"]), f"$\\ell_{j}$", role("loss") if j == t else "muted"),
        }
        for name, node in n.items():
            nodes[(name, j)] = node
        fwd = {"color": "#9a9a9a" if later else INK}
        c.arrow(n["x"], n["a"], **fwd)
        c.arrow(nodes[("h", j - 1)], n["a"], **fwd)
        c.arrow(n["a"], n["h"], **fwd)
        c.arrow(n["h"], n["o"], **fwd)
        c.arrow(n["o"], n["l"], **fwd)
        partial = j == k
        c.arrow(n["W"], n["a"], color=PARAM if not later else "#9a9a9a", lw=4.0 if partial else LW,
                ls="-" if partial else (0, (4, 3)), gid="partial" if partial else None,
                label=f"$h_{{{k - 1}}}^\\top$" if partial else None, label_side=0.25, label_size=LABEL_FS + 1)
    return nodes


def _cuts(c: Canvas, T: int, piece: int) -> None:
    """A dashed line before the first step of every piece after the first, across the h_{s} → a_{s+1} arrow."""
    for s in range(piece, T, piece):
        x = s * DX + DX / 2
        c.wire([(x, Y["a"] - 0.05), (x, Y["l"] + 0.25)], color=MUTED, lw=2.0, ls=(0, (5, 4)), head=False, gid="cut")
        c.text((x, Y["l"] + 0.35), "cut", size=NOTE_FS, color=INK, va="bottom")


def _backward_paths(c: Canvas, nodes: dict, T: int, t: int, k: int, norms, first: int = 1) -> None:
    """Red arrows beside the forward ones: ℓ_t → o_t → h_t → a_t, then a_j → h_{j−1} → a_{j−1} down to a_first."""
    top = max(norms) if norms is not None and max(norms) > 0 else 1.0

    def width(j: int | None, strong: bool) -> float:
        if norms is not None and j is not None:      # along the chain the width shows ‖∂L/∂h_j‖
            return 0.8 + 5.2 * norms[j - 1] / top
        return 4.0 if strong else GRAD_THIN

    def back(a, b, j: int, strong: bool, gid: str) -> None:
        faint = GRAD_FAINT if norms is None else 0.55
        c.arrow(a, b, color=GRAD, lw=width(j, strong), shift=SHIFT, gid=gid, zorder=4 if strong else 2.5,
                alpha=1.0 if strong else faint)

    back(nodes[("l", t)], nodes[("o", t)], None, True, "total")
    back(nodes[("o", t)], nodes[("h", t)], None, True, "total")
    back(nodes[("h", t)], nodes[("a", t)], t, True, "total")
    for j in range(t, first, -1):               # through h_{j−1}: the recursion of the total derivative
        strong = j > k
        back(nodes[("a", j)], nodes[("h", j - 1)], j - 1, strong, "total" if strong else "beyond")
        back(nodes[("h", j - 1)], nodes[("a", j - 1)], j - 1, strong, "total" if strong else "beyond")
    c.text((nodes[("a", k)].x + 0.4, nodes[("a", k)].y), f"$\\delta_{{{t},{k}}}$",
           size=LABEL_FS + 1, color=GRAD, ha="left", mask=True)
    if norms is not None:
        for j in range(1, t + 1):                # ℓ_t does not depend on later states
            h = nodes[("h", j)]
            c.text((h.x + 0.38, h.y + 0.08), f"{norms[j - 1]:.2g}", size=NOTE_FS, color=GRAD, ha="left",
                   va="bottom", mask=True, gid="norm")


def _bptt_notes(c: Canvas, T: int, t: int, k: int, with_norms: bool, truncate: int | None = None,
                first: int = 1) -> None:
    """The equations under the graph, with this t and k filled in."""
    y = Y["x"] - 0.6
    through = ", ".join(f"h_{{{j}}}" for j in range(t - 1, k - 1, -1))
    path = f"back from $\\ell_{{{t}}}$" + (f" through ${through}$" if through else " (same step)")
    lines = [
        (GRAD, f"total: $\\delta_{{{t},{k}}} = \\mathrm{{d}}\\ell_{{{t}}}/\\mathrm{{d}}a_{{{k}}}$, "
               f"every path {path}"),
        (PARAM, (f"partial: $\\partial a_{{{k}}}/\\partial W_{{hh}}^{{({k})}}$ holds $h_{{{k - 1}}}$ fixed: "
                 f"it gives $h_{{{k - 1}}}^\\top$")),
        (INK, (f"one term: $\\delta_{{{t},{k}}}\\,h_{{{k - 1}}}^\\top$;  all copies, all losses:  "
               "$\\dfrac{dL}{dW_{hh}} = \\sum_{t=1}^{T}\\,\\sum_{k=1}^{t} \\delta_{t,k}\\,h_{k-1}^\\top$")),
    ]
    if with_norms:
        lines.append((GRAD, f"arrow width and red numbers: $\\|\\partial \\ell_{{{t}}}/\\partial h_j\\|$ "
                            "as measured"))
    if truncate:
        lines.append((INK, f"truncated to pieces of {truncate} steps: no path crosses the cut before "
                           f"$a_{{{first}}}$; $h_{{{first - 1}}}$ enters as a constant"))
    for i, (color, text) in enumerate(lines):
        c.text((0.0, y - 0.42 * i - (0.25 if i >= 3 else 0)), text, size=LABEL_FS, color=color, ha="left",
               va="top")


def rtrl_vs_bptt(T: int = 4, *, title: str | None = "default"):
    """The same gradient two ways (lecture 05): BPTT carries δ backward after the sequence; RTRL carries
    the sensitivities P_t = dh_t/dθ forward with h_t, so the gradient of ℓ_t, e_tᵀ P_t, is ready at step t.

    T: steps (1..8).
    """
    T = check_int("T", T, maximum=MAX_STEPS)
    if title == "default":
        title = "The same gradient, reverse mode (BPTT) and forward mode (RTRL)"
    c = Canvas(title)
    _bptt_panel(c, T, y0=2.75)
    _rtrl_panel(c, T, y0=0.0)
    return c.finish()


def _chain(c: Canvas, T: int, y: float) -> list:
    hs = [c.node((0.0, y), "$h_0$", "hidden")]
    for j in range(1, T + 1):
        hs.append(c.node((j * DX, y), f"$h_{j}$", "hidden"))
        c.arrow(hs[-2], hs[-1])
    return hs


def _bptt_panel(c: Canvas, T: int, y0: float) -> None:
    hs = _chain(c, T, y0)
    for j in range(1, T + 1):
        loss = c.node((j * DX, y0 + 1.15), f"$\\ell_{j}$", "loss")
        c.arrow(hs[j], loss)
        c.arrow(loss, hs[j], color=GRAD, lw=2.4, shift=SHIFT, gid="backward")
        c.arrow(hs[j], hs[j - 1], color=GRAD, lw=2.4, shift=SHIFT, gid="backward",
                label=f"$W_{{hh}}^\\top\\delta_{j}$" if j == T else None, label_side=0.3, label_color=GRAD)
    c.text((-0.45, y0 + 1.65), "BPTT (reverse mode): after step T, carry $\\delta_t = dL/da_t$ back, "
           "$O(H^2)$ per step; stores $h_1, \\ldots, h_T$", size=LABEL_FS, ha="left", va="bottom", color=GRAD)


def _rtrl_panel(c: Canvas, T: int, y0: float) -> None:
    hs = _chain(c, T, y0)
    ps = [c.node((0.0, y0 - 1.25), "$P_0 = 0$", "sens", w=0.95)]
    for j in range(1, T + 1):
        loss = c.node((j * DX, y0 + 1.15), f"$\\ell_{j}$", "loss")
        c.arrow(hs[j], loss)
        ps.append(c.node((j * DX, y0 - 1.25), f"$P_{j}$", "sens"))
        c.arrow(ps[j - 1], ps[j], color=SENS, lw=2.4, gid="forward")
        c.arrow(hs[j], ps[j], color=SENS, lw=1.4, ls=(0, (4, 3)))
        c.text((j * DX, y0 - 1.6), f"$e_{j}^\\top P_{j}$", size=LABEL_FS, color=GRAD, va="top")
    c.text((-0.45, y0 + 1.65), "RTRL (forward mode): carry $P_t = dh_t/d\\theta = J_tP_{t-1} + B_t$ with $h_t$, "
           "$O(H^4)$ per step; nothing stored", size=LABEL_FS, ha="left", va="bottom", color=SENS)
    c.text((-0.45, y0 - 2.15), "$e_t^\\top P_t = \\partial\\ell_t/\\partial\\theta$ is ready at step $t$, "
           "with $e_t = \\partial \\ell_t/\\partial h_t$,  $J_t = \\partial h_t/\\partial h_{t-1}$,  "
           "$B_t = \\partial h_t/\\partial\\theta|_{h_{t-1}}$", size=LABEL_FS, ha="left", va="top")
