"""The architecture diagrams: notation on the picture, readable layout, options that change the drawing,
torch's h_n indices, clear errors, the PNG command."""
import functools
import re
import time

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from course_utils import diagrams
from course_utils.diagrams import _core
from course_utils.diagrams.__main__ import main
from course_utils.trees import left_branching

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@functools.cache
def drawn(name: str):
    """A gallery diagram, drawn once for all the tests that read it (figures stay readable when closed)."""
    return diagrams.GALLERY[name]()


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def text_objects(fig, content: str) -> list:
    return [t for t in fig.axes[0].texts if t.get_text() == content]


def arrows(fig, gid=None) -> list:
    return [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch) and (gid is None or p.get_gid() == gid)]


def layout_problems(fig, tol: float = 1.0) -> list[str]:
    """Texts that overlap each other, overflow the box they label, sit on a box, or leave the figure."""
    renderer = _core.measuring_renderer()            # the course dpi, with text metrics cached across figures
    assert renderer.dpi == fig.dpi
    ax = fig.axes[0]
    items = [(t, t.get_window_extent(renderer)) for t in ax.texts if t.get_text().strip()]
    boxes = [p.get_window_extent(renderer) for p in ax.patches if p.get_label() == "node"]

    def overlap(a, b):
        return min(a.x1, b.x1) - max(a.x0, b.x0) > tol and min(a.y1, b.y1) - max(a.y0, b.y0) > tol

    out = []
    for i, (t, e) in enumerate(items):
        out += [f"{t.get_text()!r} overlaps {u.get_text()!r}" for u, f in items[i + 1:] if overlap(e, f)]
        if t.get_gid() == "node":
            x, y = ax.transData.transform(t.get_position())
            holder = min((b for b in boxes if b.contains(x, y)), key=lambda b: b.width * b.height)
            if e.x0 < holder.x0 - tol or e.x1 > holder.x1 + tol or e.y0 < holder.y0 - tol or e.y1 > holder.y1 + tol:
                out.append(f"{t.get_text()!r} overflows its box")
        elif any(overlap(e, b) for b in boxes):
            out.append(f"{t.get_text()!r} lies on a box")
        if e.x0 < -tol or e.y0 < -tol or e.x1 > fig.bbox.width + tol or e.y1 > fig.bbox.height + tol:
            out.append(f"{t.get_text()!r} is clipped")
    return out


# ------------------------------------------------------------------ every diagram, as users see it
@pytest.mark.parametrize("name", list(diagrams.GALLERY))
def test_gallery_diagram_is_a_readable_figure(name):
    fig = drawn(name)
    assert isinstance(fig, Figure) and fig.dpi >= 110
    sizes = [t.get_fontsize() for t in fig.axes[0].texts]
    assert sizes and min(sizes) >= 11, f"text below 11 pt in {name}"
    assert not [s for s in texts(fig) if CJK.search(s)], "no Chinese text without a guaranteed CJK font"
    assert layout_problems(fig) == []
    width, height = fig.get_size_inches()
    assert width <= 11.0 and height <= 9.5, f"{name} is {width:.1f} × {height:.1f} in, too big for a slide"


def test_diagrams_are_pyplot_figures_that_are_not_shown(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("a diagram must not call plt.show()"))
    fig = diagrams.stacked_rnn(1, 1)
    assert plt.fignum_exists(fig.number)          # so a cell's plt.show() and interactive.explore display it


def test_arrows_start_and_end_on_the_outline_of_what_they_connect():
    c = _core.Canvas()
    a, b = c.node((0, 0), "a", "input", w=1.0, h=0.5), c.node((3, 1), "b", "hidden", w=1.0, h=0.5)
    arrow = c.arrow(a, b)
    (x0, y0), (x1, y1) = arrow._posA_posB
    assert x0 == pytest.approx(0.5) and y0 == pytest.approx(1 / 6)         # right side of a
    assert x1 == pytest.approx(2.5) and y1 == pytest.approx(1 - 1 / 6)     # left side of b
    circle = c.op((0, 3), "+", d=0.4)
    assert np.hypot(*circle.anchor((3, 7))) == pytest.approx(np.hypot(0.2 * 3 / 5, 3 + 0.2 * 4 / 5))
    fig = c.finish()
    assert fig.get_size_inches()[0] == pytest.approx(4.0 + 2 * 0.18, abs=0.05)   # 1 unit = 1 inch


# ------------------------------------------------------------------ notation on the pictures
def test_unrolled_srn_labels_shared_weights_at_every_step():
    T = 5
    fig = diagrams.unrolled_srn(T)
    s = texts(fig)
    assert s.count("$W_{hh}$") == T + 1          # every unrolled step and the loop
    assert s.count("$W_{hx}$") == T + 1 and s.count("$W_{oh}$") == T + 1
    assert "$h_0$" in s and f"$x_{{{T}}}$" in s and f"$o_{{{T}}}$" in s
    assert "$o_{1}$" in s and "$o_{1}$" not in texts(diagrams.unrolled_srn(2, outputs=False))


def test_elman_and_jordan_feed_back_different_things():
    s = texts(diagrams.elman_jordan())
    assert "$W_{hh}$" in s and "$W_{hy}$" in s and "$h_{t-1}$" in s and "$\\hat y_{t-1}$" in s
    unrolled = diagrams.elman_jordan(3)
    assert len([a for a in arrows(unrolled) if a.get_edgecolor()[:3] == matplotlib.colors.to_rgb(_core.HIGHLIGHT)]) == 6


def test_io_modes_and_encoder_decoder():
    s = texts(diagrams.io_modes())
    assert {"sequence → class", "synced sequence → sequence", "encoder–decoder", "⟨bos⟩", "⟨eos⟩"} <= set(s)
    assert "$h^{\\mathrm{dec}}_0 = h_{3}$" in s
    assert texts(diagrams.io_modes(["seq2class"])).count("$\\hat y$") == 1
    assert "Three input/output modes of one recurrent core" in s
    assert "Two input/output modes of one recurrent core" in texts(diagrams.io_modes(["seq2class", "seq2seq"]))
    fig = drawn("encoder_decoder")                    # source 3 1 4, target 4 1 3 <eos>
    s = texts(fig)
    assert "$s_0 = h_{3}$" in s and "$\\hat y_3$" in s and "<eos>" in s and "⟨bos⟩" in s
    generated = len([a for a in arrows(fig) if a.get_linestyle() != "-"])
    forced = drawn("encoder_decoder_teacher_forcing")
    assert generated == 3 and len([a for a in arrows(forced) if a.get_linestyle() != "-"]) == 0
    assert "$y_3$" in texts(forced)                                  # the true token, not the prediction
    assert texts(forced).count("$\\hat y_3$") == 1 and texts(fig).count("$\\hat y_3$") == 2
    # with teacher forcing and a target, the true previous tokens are printed under the decoder's inputs
    tokens = diagrams.encoder_decoder(3, 4, source=list("647"), target=list("746") + ["<eos>"], teacher_forcing=True)
    assert [texts(tokens).count(tok) for tok in "7463"] == [3, 3, 3, 0]   # source, target and decoder input
    assert texts(fig).count("4") == 2 and layout_problems(tokens) == []   # generating: its inputs are not known
    alone = diagrams.encoder_decoder(2, 3, target=["a", "b", "<eos>"], teacher_forcing=True)
    assert texts(alone).count("a") == 2 and layout_problems(alone) == []


def test_attention_step_prints_the_weights_and_widens_the_heavy_arrow():
    fig = drawn("attention_step")                     # weights 0.02, 0.05, 0.13, 0.8 over source 3 1 4 1
    s = texts(fig)
    assert {"0.02", "0.05", "0.13", "0.80", "$c_t$", "$s_t$", "$\\tilde s_t$", "query $s_t$"} <= set(s)
    fan = [a for a in arrows(fig) if a.get_edgecolor()[:3] == matplotlib.colors.to_rgb(_core.HIGHLIGHT)
           and a.get_linestyle() == "-"]
    assert len(fan) == 4 and max(fan, key=lambda a: a.get_linewidth()) is fan[3]
    symbolic = texts(diagrams.attention_step(3, 2))
    assert "$a_{t1}$" in symbolic and "$a_{t3}$" in symbolic and "0.80" not in symbolic
    for S in (1, 6):
        assert layout_problems(diagrams.attention_step(S, 1)) == []


def test_conditioned_decoder_starts_from_the_image_vector():
    fig = drawn("conditioned_decoder")                # target o n e <eos>, teacher forcing
    s = texts(fig)
    assert "$s_0 = \\tanh(W_{si}\\,x + b_s)$" in s and "$x$" in s and "⟨bos⟩" in s and "$y_3$" in s
    assert [s.count(tok) for tok in "one"] == [2, 2, 2]                # over the outputs and under the inputs
    assert not fig.axes[0].images and layout_problems(fig) == []
    assert len([a for a in arrows(fig) if a.get_linestyle() != "-"]) == 0
    pixels = np.arange(64.0).reshape(8, 8)
    generating = diagrams.conditioned_decoder(3, image=pixels, teacher_forcing=False)
    assert np.array_equal(generating.axes[0].images[0].get_array(), pixels)
    assert len([a for a in arrows(generating) if a.get_linestyle() != "-"]) == 2   # ŷ fed back, dashed
    assert "$\\hat y_2$" in texts(generating) and layout_problems(generating) == []


def test_bptt_graph_shows_total_and_partial_for_the_chosen_steps():
    fig = diagrams.bptt_graph(5, loss_step=4, step=2)
    s = texts(fig)
    assert "$\\delta_{4,2}$" in s and "$h_{1}^\\top$" in s and "$W_{hh}^{(2)}$" in s
    assert any("\\mathrm{d}\\ell_{4}/\\mathrm{d}a_{2}" in t for t in s)     # total: d, as in lecture 04's section 2
    # ℓ_4 → o_4 → h_4 → a_4, then a_4 → h_3 → a_3 → h_2 → a_2: 3 + 4 thick arrows; on to a_1: 2 faint
    thick, faint = arrows(fig, "total"), arrows(fig, "beyond")
    assert len(thick) == 7 and len(faint) == 2
    assert all(a.get_linewidth() > f.get_linewidth() for a in thick for f in faint)
    partial = arrows(fig, "partial")
    assert len(partial) == 1 and partial[0].get_linewidth() >= 4
    other = diagrams.bptt_graph(5, loss_step=4, step=4)
    assert len(arrows(other, "total")) == 3 and len(arrows(other, "beyond")) == 6


def test_bptt_graph_norms_set_the_arrow_widths_and_are_printed():
    norms = [0.05, 0.1, 0.2, 0.4, 1.0]
    fig = diagrams.bptt_graph(5, step=1, norms=norms)
    widths = {}
    for a in arrows(fig, "total"):
        (x0, y0), (x1, y1) = a._posA_posB
        if abs(x1 - x0) < 0.5 and y0 > y1 and abs(y1 - 1.5) < 0.5:        # h_j → a_j, backward
            widths[round(x0 / 1.5)] = a.get_linewidth()
    assert [widths[j] for j in sorted(widths)] == sorted(widths.values())    # wider where the norm is larger
    assert widths[5] > 3 * widths[1]
    assert {"0.05", "0.1", "0.2", "0.4", "1"} <= set(texts(fig))
    plain = diagrams.bptt_graph(5, step=1)
    assert len({a.get_linewidth() for a in arrows(plain, "total")}) == 1
    earlier = texts(diagrams.bptt_graph(5, loss_step=3, step=1, norms=norms))
    assert {"0.05", "0.1", "0.2"} <= set(earlier) and not {"0.4", "1"} & set(earlier)   # ℓ_3 ignores h_4, h_5


def test_bptt_graph_truncated_stops_every_path_at_the_cut():
    fig = diagrams.bptt_graph(6, loss_step=5, step=4, truncate=3)
    assert len(arrows(fig, "cut")) == 1 and "cut" in texts(fig)
    # ℓ_5 → o_5 → h_5 → a_5, then a_5 → h_4 → a_4 and nothing into the first piece
    assert len(arrows(fig, "total")) == 5 and arrows(fig, "beyond") == []
    assert any("$h_{3}$ enters as a constant" in t for t in texts(fig))
    assert layout_problems(fig) == [] and fig.get_size_inches()[1] <= 9.5
    assert len(arrows(diagrams.bptt_graph(8, step=7, truncate=3), "cut")) == 2
    with pytest.raises(ValueError, match="step must lie in the piece of loss_step = 5"):
        diagrams.bptt_graph(6, loss_step=5, step=3, truncate=3)
    with pytest.raises(ValueError, match="truncate must be an integer >= 1"):
        diagrams.bptt_graph(6, truncate=0)


def test_bptt_graph_is_fast_enough_for_a_slider():
    norms = np.linspace(1, 0.1, 6)
    diagrams.bptt_graph(6, step=1, norms=norms)                  # warm the mathtext cache once
    start = time.process_time()
    for step in (2, 3):
        diagrams.bptt_graph(6, step=step, norms=norms)
    assert (time.process_time() - start) / 2 < 0.6              # about 0.15 s of CPU each when measured


def test_rtrl_carries_sensitivities_forward_and_bptt_deltas_back():
    fig = diagrams.rtrl_vs_bptt(4)
    s = texts(fig)
    assert "$P_4$" in s and "$P_0 = 0$" in s and "$e_4^\\top P_4$" in s
    forward, backward = arrows(fig, "forward"), arrows(fig, "backward")
    assert len(forward) == 4 and len(backward) == 8
    assert all(a._posA_posB[1][0] > a._posA_posB[0][0] for a in forward)                # left to right
    chain_back = [a for a in backward if abs(a._posA_posB[0][1] - a._posA_posB[1][1]) < 1e-9]
    assert len(chain_back) == 4 and all(a._posA_posB[1][0] < a._posA_posB[0][0] for a in chain_back)


def test_gru_cell_notation_reset_forms_and_highlights():
    fig = diagrams.gru_cell()
    s = texts(fig)
    assert s.count("$\\sigma$") == 2 and {"$r_t$", "$z_t$", "$n_t$", "$1-z_t$", "$h_{t-1}$", "$x_t$"} <= set(s)
    assert "$n_t = \\tanh(W_{xn}x_t + b_{xn} + r_t \\odot (W_{hn}h_{t-1} + b_{hn}))$" in s
    assert "$h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$" in s
    assert "$W_{hn}h_{t-1} + b_{hn}$" in s
    before = texts(diagrams.gru_cell(reset="before"))
    assert "$n_t = \\tanh(W_{xn}x_t + b_{xn} + W_{hn}(r_t \\odot h_{t-1}) + b_{hn})$" in before
    assert arrows(fig, "highlight") == []
    lit = {h: arrows(diagrams.gru_cell(highlight=h, equations=False), "highlight")
           for h in diagrams.cells.GRU_HIGHLIGHTS[1:]}
    assert len(lit["carry"]) == 3 and all(lit.values())
    starts = {h: frozenset(tuple(np.round(a.get_path().vertices[0], 3)) for a in arrows) for h, arrows in lit.items()}
    assert len(set(starts.values())) == len(starts)                 # each path is a different set of wires
    assert len(texts(diagrams.gru_cell(equations=False))) == len(s) - 4


def test_lstm_cell_kinds():
    standard = texts(diagrams.lstm_cell())
    assert {"$i_t$", "$f_t$", "$g_t$", "$o_t$", "$c_{t-1}$", "$c_t$", "$h_t$"} <= set(standard)
    assert standard.count("$\\sigma$") == 3 and "$c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$" in standard
    peephole = texts(diagrams.lstm_cell("peephole"))
    assert {"$p_i$", "$p_f$", "$p_o$"} <= set(peephole)
    assert any("p_i \\odot c_{t-1}" in t for t in peephole) and any("p_o \\odot c_t" in t for t in peephole)
    coupled = texts(diagrams.lstm_cell("coupled"))
    assert "$i_t = 1-f_t$" in coupled and coupled.count("$\\sigma$") == 2 and "$i_t$" not in coupled
    assert "$c_t = f_t \\odot c_{t-1} + (1 - f_t) \\odot g_t$" in coupled
    no_forget = texts(diagrams.lstm_cell("no_forget"))
    assert "$f_t$" not in no_forget and "$c_t = c_{t-1} + i_t \\odot g_t$" in no_forget
    assert set(diagrams.cells.LSTM_KINDS) == set(__import__("course_utils.lstm_variants").lstm_variants.VARIANTS)


def test_lstm_cell_path_highlight():
    fig = drawn("lstm_cell")                           # highlight="cell"
    lit = arrows(fig, "highlight")
    assert len(lit) == 3 and all(a.get_linewidth() == _core.LW_STRONG for a in lit)
    y_cell = fig.axes[0].transData.transform((0, 5.2))[1]
    assert all(a.get_window_extent().y0 < y_cell < a.get_window_extent().y1 for a in lit)   # on the cell line
    assert arrows(diagrams.lstm_cell(equations=False), "highlight") == []
    assert len(arrows(diagrams.lstm_cell("no_forget", highlight="cell", equations=False), "highlight")) == 2


def test_lstm_cell_hidden_highlight_is_the_route_from_h_prev_to_c_t():
    """lecture 08's M_t = ∂c_t/∂h_{t−1}: the h_{t−1} bus into the gates that write the cell and on to c_t."""
    x_o, y_c = 6.0, 5.2                                # where lstm_cell puts the output gate and the cell line
    # wires: the bus, one branch per gate, then gate → ⊙ (and 1 − f in the coupled cell), ⊙ → +, + → c_t;
    # pink outlines: h_{t−1}, c_t, the gates, the ⊙ and 1 − circles, the +
    expected = {"standard": (10, 8), "peephole": (10, 8), "coupled": (11, 8), "no_forget": (7, 6)}
    for kind, (n_wires, n_outlined) in expected.items():
        fig = diagrams.lstm_cell(kind, highlight="hidden", equations=False)
        lit = arrows(fig, "highlight")
        points = [v for a in lit for v in a.get_path().vertices]           # data coordinates
        assert len(lit) == n_wires
        assert all(x < x_o - 0.3 for x, y in points if y < y_c - 0.1), f"{kind}: o_t is not on the route"
        assert min(x for x, y in points if abs(y - y_c) < 0.1) > 1.0, f"{kind}: nor is c_{{t-1}}"
        outlined = [p for p in fig.axes[0].patches if p.get_label() == "node" and p.get_linewidth() == 3.2]
        assert len(outlined) == n_outlined
    cell = {tuple(map(tuple, a.get_path().vertices)) for a in arrows(drawn("lstm_cell"), "highlight")}
    through_h = {tuple(map(tuple, a.get_path().vertices)) for a in arrows(drawn("lstm_cell_through_h"), "highlight")}
    assert len(cell & through_h) == 2                  # the two routes share ⊙ f_t → + → c_t only


def test_clockwork_follows_the_course_convention():
    periods = (1, 2, 4, 8)
    fig = drawn("clockwork_rnn")                       # periods 1, 2, 4, 8 at step 4, T = 10
    boxes = [p for p in fig.axes[0].patches if p.get_gid() in ("active", "idle")]
    assert [p.get_gid() for p in boxes] == ["active", "active", "active", "idle"]   # 4 mod 8 ≠ 0
    assert len(arrows(fig, "recurrent")) == 6                                     # j > k only: slower → faster
    s = texts(fig)
    assert s.count("0") == 6 + 1 and "$W^{(1,4)}$" in s and "$W^{(4,1)}$" not in s  # 6 zero blocks, and t = 0
    assert s.count("●") == sum(t % p == 0 for t in range(10) for p in periods)
    at_zero = diagrams.clockwork_rnn(periods, step=0)
    assert all(p.get_gid() == "active" for p in at_zero.axes[0].patches if p.get_gid() in ("active", "idle"))


def test_stacked_rnn_labels_and_dependency_cone():
    fig = diagrams.stacked_rnn(3, 4)
    s = texts(fig)
    assert {"h_n[0]", "h_n[1]", "h_n[2]", "$W_{hh}^{(3)}$", "$W_{hx}^{(1)}$", "$h_4^{(3)}$"} <= set(s)
    lit = arrows(drawn("stacked_rnn"), "highlight")   # L = 3, T = 4, highlight (2, 3)
    # layer 1: x_1..x_3 up (3), h_0 → h_1 → h_2 → h_3 (3); layer 2: 3 up + 3 across
    assert len(lit) == 12
    assert arrows(fig, "highlight") == []


def _end_positions(fig, names):
    return {n: text_objects(fig, n)[0].get_position() for n in names}


@pytest.mark.parametrize("L", [1, 2])
def test_bidirectional_h_n_at_the_right_chain_ends(L):
    T = 3
    fig = diagrams.bidirectional_rnn(T, L)
    s = texts(fig)
    x_first = text_objects(fig, "$x_1$")[0].get_position()[0]
    x_last = text_objects(fig, f"$x_{T}$")[0].get_position()[0]
    for layer in range(L):
        fwd, bwd = diagrams.h_n_index(layer, 0, 2), diagrams.h_n_index(layer, 1, 2)
        assert (fwd, bwd) == (2 * layer, 2 * layer + 1)
        pos = _end_positions(fig, [f"h_n[{fwd}]", f"h_n[{bwd}]", f"h_0[{fwd}]", f"h_0[{bwd}]"])
        assert pos[f"h_n[{fwd}]"][0] > x_last and pos[f"h_0[{fwd}]"][0] < x_first   # forward: ends after x_T
        assert pos[f"h_n[{bwd}]"][0] < x_first and pos[f"h_0[{bwd}]"][0] > x_last    # backward: ends after x_1
        assert pos[f"h_n[{fwd}]"][1] < pos[f"h_n[{bwd}]"][1]                         # forward row below
    assert f"h_n[{2 * L}]" not in s
    top_f, top_b = 2 * (L - 1), 2 * (L - 1) + 1
    halves = [t for t in s if t.startswith("output[")]
    assert any(t.startswith(f"output[-1][..., :H] == h_n[{top_f}]") for t in halves)
    assert any(t.startswith(f"output[0][..., H:]  == h_n[{top_b}]") for t in halves)
    assert [f"output[{t}]" for t in range(T)] == [t for t in s if re.fullmatch(r"output\[\d\]", t)]


def test_h_n_index_and_output_halves_match_torch():
    """Layer by layer with one-direction torch RNNs holding nn.RNN's weights, independent of the drawing."""
    torch.manual_seed(0)
    T, N, D, H, L = 4, 2, 3, 5, 2
    rnn = torch.nn.RNN(D, H, num_layers=L, bidirectional=True).double()
    x = torch.randn(T, N, D, dtype=torch.float64)
    with torch.no_grad():
        output, h_n = rnn(x)
        inp = x
        for layer in range(L):
            halves = []
            for direction, suffix in enumerate(("", "_reverse")):
                one = torch.nn.RNN(inp.shape[-1], H).double()
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(one, name + "_l0").copy_(getattr(rnn, f"{name}_l{layer}{suffix}"))
                seq = inp if direction == 0 else inp.flip(0)
                out, last = one(seq)
                halves.append(out if direction == 0 else out.flip(0))
                assert torch.allclose(h_n[diagrams.h_n_index(layer, direction, 2)], last[0])
            inp = torch.cat(halves, dim=-1)
        assert torch.allclose(inp, output)
    top = L - 1
    assert torch.equal(output[-1, :, :H], h_n[diagrams.h_n_index(top, 0, 2)])
    assert torch.equal(output[0, :, H:], h_n[diagrams.h_n_index(top, 1, 2)])
    assert not torch.allclose(output[-1, :, H:], h_n[diagrams.h_n_index(top, 1, 2)])


def test_bidirectional_highlight_shows_what_a_state_depends_on():
    fig = drawn("deep_bidirectional_rnn")             # T = 4, 2 layers, highlight (1, 2)
    lit_nodes = [p for p in fig.axes[0].patches if p.get_label() == "node" and p.get_linewidth() > 3]
    # x_1..x_4, fwd 1-2 with h_0[0], bwd 2-4 with h_0[1], and the concatenation itself
    assert len(lit_nodes) == 4 + 3 + 4 + 1
    top = diagrams.bidirectional_rnn(4, 2, highlight=(2, 1))
    assert all(p.get_linewidth() > 3 for p in top.axes[0].patches
               if p.get_label() == "node" and p.get_facecolor()[:3] == matplotlib.colors.to_rgb("#d1e5f0"))


def test_dropout_masks_repeat_over_time_only_per_sequence():
    from matplotlib.colors import to_hex

    from course_utils.diagrams.regularisation import CELL

    fig = drawn("dropout_masks")
    cells = [(round(p.get_x(), 3), round(p.get_y(), 3), to_hex(p.get_facecolor()))
             for p in fig.axes[0].patches if getattr(p, "get_width", None) and abs(p.get_width() - CELL) < 1e-9]
    assert len(cells) == 2 * 5 * 4                                          # two panels, T = 5, 4 units
    split = np.median([y for _, y, _ in cells])
    for panel, repeated in ((lambda y: y > split, False), (lambda y: y < split, True)):   # top: per step
        rows = {}
        for x, y, colour in cells:
            if panel(y):
                rows.setdefault(y, {})[x] = colour
        assert len(rows) == 4 and all(len(r) == 5 for r in rows.values())
        assert all(len(set(r.values())) == 1 for r in rows.values()) == repeated
    kept, dropped = _core.ROLES["input"][0], _core.ROLES["muted"][0]
    assert {colour for _, _, colour in cells} == {kept, dropped}
    assert "unit kept, scaled by 1/(1 − p) = 2" in texts(fig) and "$W_{hh}$" in texts(fig)


def test_tree_network_accepts_course_trees():
    fig = diagrams.tree_network()
    s = texts(fig)
    assert {"$x_{1}$", "$x_{4}$", "$h_1$", "$h_3$", "$\\hat y$"} <= set(s)
    assert "$h_2 = \\tanh(W[x_{3};\\ x_{4}] + b)$" in s and "$h_3 = \\tanh(W[h_1;\\ h_2] + b)$" in s
    expr = drawn("tree_network")                        # ("*", ("+", 1, 2), 0), highlight_leaf=2
    s = texts(expr)
    assert "$h_1 = \\tanh(W[e(1);\\ e(2)] + c_{+} + b)$" in s and "$c_{\\times}$" in s
    assert len(arrows(expr, "highlight")) == 2 and any("2 steps" in t for t in s)
    chain = diagrams.tree_network(left_branching(["h0", "x1", "x2", "x3"]), highlight_leaf=1, output=False)
    assert len(arrows(chain, "highlight")) == 3 and "$\\hat y$" not in texts(chain)
    vectors = diagrams.tree_network((None, np.ones(2), np.zeros(2)))
    assert "$v_{1}$" in texts(vectors)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("call, error, match", [
    (lambda: diagrams.unrolled_srn(0), ValueError, "T must be an integer >= 1"),
    (lambda: diagrams.unrolled_srn(2.5), TypeError, "T must be an integer"),
    (lambda: diagrams.unrolled_srn(True), TypeError, "T must be an integer"),
    (lambda: diagrams.unrolled_srn(40), ValueError, "readable"),
    (lambda: diagrams.elman_jordan(0), ValueError, "T must be"),
    (lambda: diagrams.io_modes(["seq2vec"]), ValueError, "each mode must be one of"),
    (lambda: diagrams.io_modes([]), ValueError, "at least one"),
    (lambda: diagrams.encoder_decoder(3, 2, target=["a"]), ValueError, "target must be a sequence of 2"),
    (lambda: diagrams.encoder_decoder(teacher_forcing="yes"), TypeError, "teacher_forcing"),
    (lambda: diagrams.attention_step(3, 1, weights=[0.5, 0.6, 0.1]), ValueError, "summing to 1"),
    (lambda: diagrams.attention_step(3, 1, weights=[0.5, 0.5]), ValueError, "3 non-negative numbers"),
    (lambda: diagrams.attention_step(7), ValueError, "S must be"),
    (lambda: diagrams.conditioned_decoder(7), ValueError, "M must be"),
    (lambda: diagrams.conditioned_decoder(2, target="ab"), ValueError, "target must be a sequence of 2"),
    (lambda: diagrams.conditioned_decoder(2, image=np.zeros(64)), ValueError, "image must be a finite 2-D"),
    (lambda: diagrams.conditioned_decoder(2, teacher_forcing=1), TypeError, "teacher_forcing"),
    (lambda: diagrams.bptt_graph(4, loss_step=5), ValueError, "loss_step"),
    (lambda: diagrams.bptt_graph(4, loss_step=2, step=3), ValueError, "step must be <= loss_step"),
    (lambda: diagrams.bptt_graph(4, step=0), ValueError, "step must be an integer >= 1"),
    (lambda: diagrams.bptt_graph(4, norms=[1, 2, 3]), ValueError, r"shape \(4,\)"),
    (lambda: diagrams.bptt_graph(3, norms=[1, np.nan, 3]), ValueError, "finite"),
    (lambda: diagrams.bptt_graph(3, norms=[1, -2, 3]), ValueError, "non-negative"),
    (lambda: diagrams.bptt_graph(3, norms="abc"), TypeError, "norms must be"),
    (lambda: diagrams.rtrl_vs_bptt(9), ValueError, "T must be"),
    (lambda: diagrams.gru_cell(highlight="cell"), ValueError, "highlight must be one of"),
    (lambda: diagrams.gru_cell(reset="middle"), ValueError, "reset must be one of"),
    (lambda: diagrams.lstm_cell("gru"), ValueError, "kind must be one of"),
    (lambda: diagrams.lstm_cell(highlight="carry"), ValueError, "highlight must be one of"),
    (lambda: diagrams.lstm_cell("no_forget", highlight="forget"), ValueError, "no_forget"),
    (lambda: diagrams.clockwork_rnn((4, 2, 1)), ValueError, "sorted fastest first"),
    (lambda: diagrams.clockwork_rnn((1, 2, 4, 8, 16, 32, 64)), ValueError, "at most 6"),
    (lambda: diagrams.clockwork_rnn(step=-1), ValueError, "step must be an integer >= 0"),
    (lambda: diagrams.stacked_rnn(5, 2), ValueError, "L must be"),
    (lambda: diagrams.stacked_rnn(2, 3, highlight=(3, 1)), ValueError, "highlight layer"),
    (lambda: diagrams.stacked_rnn(2, 3, highlight=[1, 1]), TypeError, "tuple"),
    (lambda: diagrams.bidirectional_rnn(3, 4), ValueError, "num_layers"),
    (lambda: diagrams.bidirectional_rnn(3, 1, highlight=(1, 4)), ValueError, "highlight step"),
    (lambda: diagrams.dropout_masks(7), ValueError, "T must be"),
    (lambda: diagrams.dropout_masks(3, 0), ValueError, "units must be"),
    (lambda: diagrams.dropout_masks(3, 4, 1.0), ValueError, "strictly between 0 and 1"),
    (lambda: diagrams.dropout_masks(3, 4, 0.5, seed=1.5), TypeError, "seed must be an integer"),
    (lambda: diagrams.tree_network(("+", 1)), ValueError, "malformed tree"),
    (lambda: diagrams.tree_network(7), ValueError, "at least one internal node"),
    (lambda: diagrams.tree_network(highlight_leaf=5), ValueError, "highlight_leaf"),
])
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------------ the PNG command
def test_command_writes_pngs(tmp_path, capsys):
    assert main([str(tmp_path / "out"), "encoder_decoder_teacher_forcing"]) == 0
    files = [p.name for p in (tmp_path / "out").iterdir()]
    assert files == ["encoder_decoder_teacher_forcing.png"]
    assert (tmp_path / "out" / files[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert files[0] in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([str(tmp_path), "no_such_diagram"])
