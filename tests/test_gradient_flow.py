"""course_utils.gradient_flow: gradient norms against distance, checked against torch autograd on
the unrolled cells, the direct path on hand-made cases, and bad input."""
import matplotlib
import numpy as np
import pytest
import torch

from course_utils import gradient_flow as gf
from course_utils import gru, lstm
from course_utils.lstm import sigmoid

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _case(rng, T=6, N=3, D=2, H=4):
    x = rng.standard_normal((T, N, D))
    u = rng.standard_normal((N, H))
    return x, u / np.linalg.norm(u, axis=1, keepdims=True)


def _norms(grads) -> np.ndarray:
    """Mean over the batch of each row's norm, for a list of (N, H) tensors ordered by distance."""
    return np.array([np.linalg.norm(g.numpy(), axis=1).mean() for g in grads])


def _autograd_states(cell, x, u, params):
    """dL/dh_k (GRU, SRN) or dL/dc_k (LSTM) for k = T … 0 by torch autograd on a cell unrolled by hand."""
    T, N, _ = x.shape
    H = u.shape[1]
    xt = torch.tensor(x)
    h = torch.zeros(N, H, dtype=torch.float64, requires_grad=True)
    c = torch.zeros(N, H, dtype=torch.float64, requires_grad=True)
    kept = [h if cell != "lstm" else c]
    if cell == "srn":
        W_hx, W_hh, b_h = (torch.tensor(a) for a in params)
        for t in range(T):
            h = torch.tanh(xt[t] @ W_hx.T + h @ W_hh.T + b_h)
            h.retain_grad()
            kept.append(h)
    elif cell == "gru":
        m = torch.nn.GRUCell(x.shape[2], H).double()
        with torch.no_grad():
            for name, key in (("weight_ih", "W_x"), ("weight_hh", "W_h"), ("bias_ih", "b_x"), ("bias_hh", "b_h")):
                getattr(m, name).copy_(torch.tensor(params[key]))
        for t in range(T):
            h = m(xt[t], h)
            h.retain_grad()
            kept.append(h)
    else:
        m = torch.nn.LSTMCell(x.shape[2], H).double()
        with torch.no_grad():
            m.weight_ih.copy_(torch.tensor(params["W_x"]))
            m.weight_hh.copy_(torch.tensor(params["W_h"]))
            m.bias_ih.copy_(torch.tensor(params["b"]))
            m.bias_hh.zero_()
        for t in range(T):
            h, c = m(xt[t], (h, c))
            c.retain_grad()
            kept.append(c)
    (torch.tensor(u) * h).sum().backward()
    return _norms([k.grad for k in reversed(kept)])           # index = distance T − k


def test_srn_flow_equals_autograd(rng):
    x, u = _case(rng)
    W = (0.5 * rng.standard_normal((4, 2)), 0.5 * rng.standard_normal((4, 4)), 0.1 * rng.standard_normal(4))
    flow = gf.srn_flow(x, *W, u)
    assert flow.total.shape == (7,) and flow.direct is None and flow.mean_gate is None
    assert np.allclose(flow.total, _autograd_states("srn", x, u, W), rtol=1e-12, atol=0)


def test_gru_flow_equals_autograd_and_reports_the_update_gate(rng):
    x, u = _case(rng)
    p = gru.init_params(2, 4, rng)
    flow = gf.gru_flow(x, p, u)
    assert flow.total.shape == flow.direct.shape == (7,)
    assert np.allclose(flow.total, _autograd_states("gru", x, u, p), rtol=1e-12, atol=0)
    _, cache = gru.forward(x, np.zeros((3, 4)), **p)
    z = cache[5][..., 4:]                                     # the cache holds [r, z] of every step
    assert flow.mean_gate == pytest.approx(z.mean(), rel=1e-14)
    direct = u * np.cumprod(z[::-1], axis=0)                  # u ⊙ z_T ⊙ z_{T−1} ⊙ …
    assert np.allclose(flow.direct[1:], np.linalg.norm(direct, axis=2).mean(axis=1), rtol=1e-12)
    assert flow.direct[0] == flow.total[0] == pytest.approx(1.0)


def test_lstm_flow_equals_autograd_and_reports_the_forget_gate(rng):
    x, u = _case(rng)
    p = lstm.init_params(2, 4, rng, forget_bias=1.0)
    flow = gf.lstm_flow(x, p, u)
    assert flow.total.shape == flow.direct.shape == (7,)
    assert np.allclose(flow.total, _autograd_states("lstm", x, u, p), rtol=1e-12, atol=0)
    assert flow.direct[0] == flow.total[0]                     # both start from c̄_T
    hs, _, _ = lstm.forward(x, np.zeros((3, 4)), np.zeros((3, 4)), **p)
    h_prev = np.concatenate([np.zeros((1, 3, 4)), hs[:-1]])
    f = sigmoid(x @ p["W_x"][4:8].T + h_prev @ p["W_h"][4:8].T + p["b"][4:8])
    assert flow.mean_gate == pytest.approx(f.mean(), rel=1e-13)


def test_without_recurrent_weights_the_direct_path_is_everything(rng):
    """With W_h = 0 no path goes through a matrix: the total is the direct path, a product of constant gates."""
    x, u = _case(rng, T=8)
    p = lstm.init_params(2, 4, rng)
    p["W_h"][:] = 0.0
    p["W_x"][4:8], p["b"][4:8] = 0.0, 1.5                      # f = σ(1.5) at every step
    flow = gf.lstm_flow(x, p, u)
    assert np.allclose(flow.total, flow.direct, rtol=1e-13)
    assert np.allclose(flow.direct[1:] / flow.direct[:-1], sigmoid(1.5), rtol=1e-13)
    assert flow.mean_gate == pytest.approx(sigmoid(1.5), rel=1e-14)
    q = gru.init_params(2, 4, rng)
    q["W_h"][:] = 0.0
    q["W_x"][4:8], q["b_x"][4:8], q["b_h"][4:8] = 0.0, -0.5, 0.0     # z = σ(−0.5) at every step
    g = gf.gru_flow(x, q, u)
    assert np.allclose(g.total, g.direct, rtol=1e-13)
    assert np.allclose(g.direct, sigmoid(-0.5) ** np.arange(9), rtol=1e-13)


def test_shift_gate_bias_moves_only_the_keeping_gate(rng):
    p = gru.init_params(2, 3, rng)
    q = gf.shift_gate_bias("gru", p, 2.0)
    assert np.array_equal(q["b_x"] - p["b_x"], np.r_[np.zeros(3), 2 * np.ones(3), np.zeros(3)])
    assert all(np.array_equal(q[k], p[k]) for k in ("W_x", "W_h", "b_h"))
    assert q["b_x"] is not p["b_x"] and not np.shares_memory(q["W_x"], p["W_x"])
    pl = lstm.init_params(2, 3, rng)
    ql = gf.shift_gate_bias("lstm", pl, -1.0)
    assert np.array_equal(ql["b"] - pl["b"], np.r_[np.zeros(3), -np.ones(3), np.zeros(6)])


def test_candidate_srn_is_the_cell_with_its_gates_open_and_shut(rng):
    """GRU with z ≡ 0 and r ≡ 1 (saturated gates) is the SRN of its n block (lecture 07, section 5)."""
    from course_utils import srn

    x, _ = _case(rng)
    p = gru.init_params(2, 4, rng)
    W_hx, W_hh, b_h = gf.candidate_srn("gru", p)
    q = {k: v.copy() for k, v in p.items()}
    for k, value in ((0, 40.0), (1, -40.0)):                  # r = σ(40) = 1, z = σ(−40) = 0
        q["W_x"][4 * k:4 * k + 4], q["W_h"][4 * k:4 * k + 4], q["b_h"][4 * k:4 * k + 4] = 0.0, 0.0, 0.0
        q["b_x"][4 * k:4 * k + 4] = value
    h0 = np.zeros((3, 4))
    assert np.abs(gru.forward(x, h0, **q)[0] - srn.forward(x, h0, W_hx, W_hh, b_h)[0]).max() < 1e-12
    pl = lstm.init_params(2, 4, rng)
    W_hx, W_hh, b_h = gf.candidate_srn("lstm", pl)
    assert np.array_equal(W_hh, pl["W_h"][8:12]) and np.array_equal(b_h, pl["b"][8:12])


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_gate_bias_sweep_and_its_plot(rng, cell):
    x, u = _case(rng, T=10)
    p = gru.init_params(2, 4, rng) if cell == "gru" else lstm.init_params(2, 4, rng)
    sweep = gf.gate_bias_sweep(cell, x, p, u, shifts=(0, 3))
    assert list(sweep.flows) == [0, 3] and sweep.cell == cell
    flow = gf.gru_flow if cell == "gru" else gf.lstm_flow
    assert np.array_equal(sweep.flows[0].total, flow(x, p, u).total)
    assert np.array_equal(sweep.srn.total, gf.srn_flow(x, *gf.candidate_srn(cell, p), u).total)
    assert sweep.srn_radius == pytest.approx(np.abs(np.linalg.eigvals(gf.candidate_srn(cell, p)[1])).max())
    assert sweep.flows[3].mean_gate > sweep.flows[0].mean_gate       # a raised bias keeps more
    assert sweep.flows[3].total[-1] > sweep.flows[0].total[-1]
    fig, ax = plt.subplots()
    gf.plot_sweep(ax, sweep, dashed=(3,))
    labels = [line.get_label() for line in ax.get_lines()]
    assert len(ax.get_lines()) == 5                            # SRN, two shifts, one dashed, the legend's key
    assert labels[0].startswith("SRN") and "+3" in labels[2] and ax.get_yscale() == "log"
    assert ax.get_xlabel() == "distance T − k (steps)"
    assert ax.get_ylim()[0] == 1e-30 and ax.get_ylim()[1] >= max(3.0, sweep.flows[3].total.max())
    plt.close(fig)


def test_gradient_flow_rejects_bad_input(rng):
    x, u = _case(rng)
    p = gru.init_params(2, 4, rng)
    with pytest.raises(ValueError, match="cell must be one of"):
        gf.gate_bias_sweep("rnn", x, p, u)
    with pytest.raises(ValueError, match=r"u must have one row per sequence of x: shape \(N, H\) with N = 3"):
        gf.gru_flow(x, p, u[:2])
    with pytest.raises(ValueError, match="gru params must be a dict with exactly the keys"):
        gf.gru_flow(x, {"W_x": p["W_x"]}, u)
    with pytest.raises(ValueError, match="lstm params must be a dict"):
        gf.lstm_flow(x, p, u)
    with pytest.raises(ValueError, match="shifts must be a non-empty sequence"):
        gf.gate_bias_sweep("gru", x, p, u, shifts=())
    with pytest.raises(ValueError, match="shift must be a finite"):
        gf.shift_gate_bias("gru", p, float("inf"))
    with pytest.raises(ValueError, match=r"h0 must have the shape of u"):
        gf.gru_flow(x, p, u, h0=np.zeros((3, 5)))
    with pytest.raises(ValueError, match="x must"):
        gf.srn_flow(x[0], p["W_x"][8:], p["W_h"][8:], p["b_x"][8:], u)
    sweep = gf.gate_bias_sweep("gru", x, p, u, shifts=(0, 1))
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"dashed must name shifts of the sweep \[0, 1\], got \[2\]"):
        gf.plot_sweep(ax, sweep, dashed=(2,))
    with pytest.raises(TypeError, match="sweep must be a GateBiasSweep"):
        gf.plot_sweep(ax, {"srn": 1})
    plt.close(fig)


def test_plot_sweep_raises_its_top_for_curves_that_grow():
    d = np.arange(5.0)
    sweep = gf.GateBiasSweep("lstm", gf.GradientFlow(0.5 ** d), 0.5,
                             {5: gf.GradientFlow(1.5 ** d, 0.99 ** d, 0.99)})     # grows to about 5
    fig, ax = plt.subplots()
    gf.plot_sweep(ax, sweep)
    assert ax.get_ylim() == pytest.approx((1e-30, 3 * 1.5 ** 4))
    assert "forget bias +5" in ax.get_lines()[1].get_label()
    plt.close(fig)
