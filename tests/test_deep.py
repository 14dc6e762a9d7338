"""Stacked and bidirectional networks equal torch's, output/h_n/c_n layout included, forward and backward."""
import numpy as np
import pytest
import torch

from course_utils import deep
from course_utils.checks import max_abs_diff, numerical_gradient, rel_error

CASES = [("lstm", 2, True), ("lstm", 1, True), ("lstm", 3, False), ("gru", 2, True), ("srn", 2, True),
         ("gru", 1, False)]


def _torch_module(kind, D, H, L, bidir):
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "srn": torch.nn.RNN}[kind]
    return cls(D, H, num_layers=L, bidirectional=bidir).double()


@pytest.mark.parametrize("kind, L, bidir", CASES)
@pytest.mark.parametrize("T, N", [(5, 3), (1, 1)])
def test_deep_equals_torch(rng, kind, L, bidir, T, N):
    D, H = 3, 4
    torch.manual_seed(0)
    m = _torch_module(kind, D, H, L, bidir)
    dirs = 2 if bidir else 1
    x = rng.standard_normal((T, N, D))
    h0 = rng.standard_normal((L * dirs, N, H))
    c0 = rng.standard_normal((L * dirs, N, H)) if kind == "lstm" else None
    xt, h0t = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    c0t = torch.tensor(c0, requires_grad=True) if c0 is not None else None
    out_t, state = m(xt, (h0t, c0t) if kind == "lstm" else h0t)
    h_n_t, c_n_t = state if kind == "lstm" else (state, None)

    params = deep.params_from_torch(m)
    out, h_n, c_n, cache = deep.forward(x, params, kind, L, bidir, h0=h0, c0=c0)
    assert out.shape == (T, N, dirs * H) and h_n.shape == (L * dirs, N, H)
    assert max_abs_diff(out, out_t.detach().numpy()) <= 1e-12
    assert max_abs_diff(h_n, h_n_t.detach().numpy()) <= 1e-12
    if kind == "lstm":
        assert max_abs_diff(c_n, c_n_t.detach().numpy()) <= 1e-12

    d_out, dh_n = rng.standard_normal(out.shape), rng.standard_normal(h_n.shape)
    dc_n = rng.standard_normal(h_n.shape) if kind == "lstm" else None
    loss = torch.sum(out_t * torch.tensor(d_out)) + torch.sum(h_n_t * torch.tensor(dh_n))
    if kind == "lstm":
        loss = loss + torch.sum(c_n_t * torch.tensor(dc_n))
    loss.backward()
    g = deep.backward(d_out, cache, dh_n=dh_n, dc_n=dc_n)
    assert max_abs_diff(g["x"], xt.grad.numpy()) <= 1e-10
    assert max_abs_diff(g["h0"], h0t.grad.numpy()) <= 1e-10
    if kind == "lstm":
        assert max_abs_diff(g["c0"], c0t.grad.numpy()) <= 1e-10
    for k, gp in enumerate(g["params"]):
        s = f"_l{k // dirs}" + ("_reverse" if k % dirs else "")
        W_in, W_rec = ("W_hx", "W_hh") if kind == "srn" else ("W_x", "W_h")
        assert max_abs_diff(gp[W_in], getattr(m, "weight_ih" + s).grad.numpy()) <= 1e-10
        assert max_abs_diff(gp[W_rec], getattr(m, "weight_hh" + s).grad.numpy()) <= 1e-10
        b_name = {"srn": "b_h", "lstm": "b", "gru": "b_x"}[kind]
        assert max_abs_diff(gp[b_name], getattr(m, "bias_ih" + s).grad.numpy()) <= 1e-10


def test_deep_backward_matches_finite_differences(rng):
    torch.manual_seed(1)
    m = _torch_module("lstm", 2, 3, 2, True)
    params = deep.params_from_torch(m)
    x = rng.standard_normal((4, 2, 2))
    out, _, _, cache = deep.forward(x, params, "lstm", 2, True)
    d_out = rng.standard_normal(out.shape)
    g = deep.backward(d_out, cache)
    f = lambda: np.sum(deep.forward(x, params, "lstm", 2, True)[0] * d_out)
    assert rel_error(numerical_gradient(f, x), g["x"]) < 1e-7
    for k in (0, 3):
        for name in ("W_x", "b"):
            assert rel_error(numerical_gradient(f, params[k][name]), g["params"][k][name]) < 1e-7


def test_deep_rejects_bad_input(rng):
    m = _torch_module("lstm", 3, 4, 2, True)
    params = deep.params_from_torch(m)
    x = rng.standard_normal((5, 2, 3))
    with pytest.raises(ValueError, match="kind must be one of"):
        deep.forward(x, params, "transformer", 2, True)
    with pytest.raises(ValueError, match=r"list of num_layers·num_directions = 2 dicts"):
        deep.forward(x, params, "lstm", 1, True)
    with pytest.raises(ValueError, match=r"h0 must have shape \(num_layers·num_directions, N, H\) = \(4, 2, 4\)"):
        deep.forward(x, params, "lstm", 2, True, h0=np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match="c0 is only for an LSTM"):
        deep.forward(x, deep.params_from_torch(_torch_module("gru", 3, 4, 1, False)), "gru", 1, False,
                     c0=np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match=r"x must be a numpy array of shape \(T, N, D\)"):
        deep.forward(x[0], params, "lstm", 2, True)
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\) = \(T, N, 3\)"):
        deep.forward(x[..., :2], params, "lstm", 2, True)
    out, _, _, cache = deep.forward(x, params, "lstm", 2, True)
    with pytest.raises(ValueError, match=r"d_output must have shape"):
        deep.backward(out[..., :4], cache)
    with pytest.raises(ValueError, match="expected a torch.nn.RNN, GRU or LSTM"):
        deep.params_from_torch(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="num_layers must be an integer >= 1"):
        deep.forward(x, params, "lstm", 0, True)


def test_changed_steps_of_a_bidirectional_layer(rng):
    torch.manual_seed(0)
    m = _torch_module("lstm", 3, 4, 1, True)
    params = deep.params_from_torch(m)
    x = rng.standard_normal((6, 2, 3))

    def layer(z):
        return deep.forward(z, params, "lstm", bidirectional=True)[0]

    fwd, bwd = deep.changed_steps(layer, x, 3)
    t = np.arange(1, 7)
    assert np.array_equal(fwd, t >= 3) and np.array_equal(bwd, t <= 3)
    two = deep.params_from_torch(_torch_module("lstm", 3, 4, 2, True))
    fwd2, bwd2 = deep.changed_steps(lambda z: deep.forward(z, two, "lstm", 2, True)[0], x, 3)
    assert fwd2.all() and bwd2.all()                  # from layer 2 on, every state depends on every input
    with pytest.raises(ValueError, match="s must be a step between 1 and T = 6"):
        deep.changed_steps(layer, x, 0)
    with pytest.raises(ValueError, match=r"x must be a numpy array of shape \(T, N, D\)"):
        deep.changed_steps(layer, x[0], 1)
    with pytest.raises(ValueError, match=r"layer_fn must return states of shape \(T, N, 2H\)"):
        deep.changed_steps(lambda z: z[..., :1], x, 1)


def test_dependency_grid_text():
    grid = deep.dependency_grid([False, True, True], [True, True, False], "x_2 changed:")
    assert grid.splitlines() == ["x_2 changed:", "    t:        1 2 3",
                                 "    forward  h→: · ● ●", "    backward h←: ● ● ·"]
    with pytest.raises(ValueError, match="same length"):
        deep.dependency_grid([True], [True, False], "")
