"""Stacked and bidirectional networks equal torch's, output/h_n/c_n layout included, forward and backward."""
import numpy as np
import pytest
import torch

from course_utils import deep, gru, lstm, srn
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


INIT = {"lstm": lstm.init_params, "gru": gru.init_params, "srn": srn.init_params}


def _stack(kind, L, bidir, D=3, H=4, dtype=np.float64):
    """Parameters of a torch-shaped stack: layer 1 reads D inputs, the layers above num_directions·H."""
    dirs = 2 if bidir else 1
    return [INIT[kind](D if k < dirs else dirs * H, H, rng=np.random.default_rng(k), dtype=dtype)
            for k in range(L * dirs)]


@pytest.mark.parametrize("kind", ["lstm", "gru", "srn"])
def test_deep_blames_the_layer_that_does_not_fit(rng, kind):
    x = rng.standard_normal((5, 2, 3))
    W_in, W_rec = ("W_hx", "W_hh") if kind == "srn" else ("W_x", "W_h")
    wrong_input = [INIT[kind](3, 4), INIT[kind](5, 4)]            # layer 2 reads H = 4, not 5
    with pytest.raises(ValueError, match=rf"deep.forward: layer 2 reads the output of layer 1, of size H = 4, so "
                                         rf"params\[1\]\['{W_in}'\] \(layer 2\) must have 4 columns, got shape"):
        deep.forward(x, wrong_input, kind, 2)
    bi = _stack(kind, 2, True)
    bi[3] = INIT[kind](4, 4)                                       # 2·H = 8 expected
    with pytest.raises(ValueError, match=rf"of size num_directions·H = 2·H = 8, so params\[3\]\['{W_in}'\] "
                                         rf"\(layer 2, backward direction\) must have 8 columns"):
        deep.forward(x, bi, kind, 2, True)
    other_H = [INIT[kind](3, 4), INIT[kind](4, 6)]
    with pytest.raises(ValueError, match=rf"every layer and direction must have the same H; params\[0\]\['{W_rec}'\] "
                                         rf"of shape .* gives H = 4, but params\[1\]\['{W_rec}'\] \(layer 2\)"):
        deep.forward(x, other_H, kind, 2)
    with pytest.raises(ValueError, match=rf"deep.forward: x must have shape \(T, N, D\) = \(T, N, 3\) to match "
                                         rf"params\[0\]\['{W_in}'\] \(layer 1\)"):
        deep.forward(x[..., :2], _stack(kind, 1, False), kind, 1)
    bad_bias = _stack(kind, 2, False)
    b = "b_h" if kind != "lstm" else "b"
    bad_bias[1][b] = bad_bias[1][b][:-1]
    with pytest.raises(ValueError, match=rf"deep.forward: in params\[1\] \(layer 2\): {b} must have shape"):
        deep.forward(x, bad_bias, kind, 2)


def test_deep_refuses_parameters_of_another_cell(rng):
    x = rng.standard_normal((5, 2, 3))
    for kind, other in (("lstm", "gru"), ("gru", "lstm"), ("srn", "lstm"), ("lstm", "srn")):
        with pytest.raises(ValueError, match=rf"deep.forward: kind='{kind}' needs params\[0\] \(layer 1\) with the "
                                             rf"keys .*, which are the parameters of kind='{other}'"):
            deep.forward(x, _stack(other, 1, False), kind, 1)
    with pytest.raises(ValueError, match=r"kind='srn' needs params\[0\] \(layer 1\) with the keys W_hx, W_hh, b_h, "
                                         r"got W_hx, W_hh, b_h, W_oh, b_o$"):
        deep.forward(x, [srn.init_params(3, 4, O=2)], "srn", 1)
    with pytest.raises(ValueError, match=r"params\[1\] \(layer 1, backward direction\) must be a dict of the lstm "
                                         r"parameters W_x, W_h, b, got int"):
        deep.forward(x, [lstm.init_params(3, 4), 7], "lstm", 1, True)
    with pytest.raises(ValueError, match=r"params\[0\]\['W_h'\] must be a float32 or float64 numpy array, got list"):
        deep.forward(x, [{"W_x": np.zeros((16, 3)), "W_h": [[0.0] * 4] * 16, "b": np.zeros(16)}], "lstm", 1)


def test_deep_gradient_arguments_are_checked_like_x(rng):
    x = rng.standard_normal((5, 2, 3))
    out, h_n, c_n, cache = deep.forward(x, _stack("lstm", 2, True), "lstm", 2, True)
    for name, value in (("d_output", out), ("dh_n", h_n), ("dc_n", c_n)):
        grads = {"d_output": np.zeros_like(out), name: value.tolist()}
        with pytest.raises(ValueError, match=rf"^{name} must be a float32 or float64 numpy array, got list$"):
            deep.backward(grads.pop("d_output"), cache, **grads)
    with pytest.raises(ValueError, match="^d_output must be a float32 or float64 numpy array, got None$"):
        deep.backward(None, cache)
    with pytest.raises(ValueError, match=r"d_output must have shape \(T, N, num_directions·H\) = \(5, 2, 8\), "
                                         r"the shape of output, got \(4, 2, 8\)"):
        deep.backward(out[:4], cache)                              # T comes from the forward pass, not from d_output
    with pytest.raises(ValueError, match=r"dh_n must have shape \(num_layers·num_directions, N, H\) = \(4, 2, 4\)"):
        deep.backward(out, cache, dh_n=h_n[:2])
    with pytest.raises(ValueError, match="deep.backward: cache must be the cache that deep.forward returned, "
                                         "got the cache of lstm.forward"):
        deep.backward(out, lstm.forward(x, np.zeros((2, 4)), np.zeros((2, 4)), **lstm.init_params(3, 4))[2])
    for kind in ("gru", "srn"):
        out, h_n, _, cache = deep.forward(x, _stack(kind, 1, False), kind, 1)
        with pytest.raises(ValueError, match=rf"dc_n is only for an LSTM; a {kind} has no cell state"):
            deep.backward(out, cache, dc_n=np.zeros_like(h_n))


def test_deep_switches_and_sizes(rng):
    x = rng.standard_normal((5, 2, 3))
    params = _stack("gru", 1, True)
    ref = deep.forward(x, params, "gru", 1, True)
    same = deep.forward(x, params, "gru", np.int64(1), np.bool_(True))
    assert all(np.array_equal(a, b) for a, b in zip(ref[:2], same[:2]))
    with pytest.raises(ValueError, match=r"bidirectional must be True or False, got 'no' \(str\)"):
        deep.forward(x, params, "gru", 1, "no")
    with pytest.raises(ValueError, match=r"num_layers must be an integer >= 1, got 1.0"):
        deep.forward(x, params, "gru", 1.0, True)
    with pytest.raises(ValueError, match="x must be a float32 or float64 numpy array, got dtype int64"):
        deep.forward(x.astype(np.int64), params, "gru", 1, True)
    with pytest.raises(ValueError, match="h0 must be a float32 or float64 numpy array, got list"):
        deep.forward(x, params, "gru", 1, True, h0=np.zeros((2, 2, 4)).tolist())
    with pytest.raises(ValueError, match=r"with the keys W_x, W_h, b_x, b_h, got W_x, W_h, b_x, b_h, reset_after$"):
        deep.forward(x, [p | {"reset_after": False} for p in params], "gru", 1, True)  # stacks are torch's GRU


@pytest.mark.parametrize("kind", ["lstm", "gru", "srn"])
@pytest.mark.parametrize("x_dtype, w_dtype, g_dtype", [(np.float32, np.float64, np.float32),
                                                       (np.float64, np.float32, np.float32),
                                                       (np.float32, np.float32, np.float64)])
def test_deep_outputs_share_one_dtype(rng, kind, x_dtype, w_dtype, g_dtype):
    """Forward: the dtype of x and the weights together; backward: the forward's, whatever the gradients' dtype."""
    x = rng.standard_normal((4, 2, 3)).astype(x_dtype)
    out, h_n, c_n, cache = deep.forward(x, _stack(kind, 2, True, dtype=w_dtype), kind, 2, True)
    want = np.result_type(x_dtype, w_dtype)
    assert {a.dtype for a in (out, h_n, c_n) if a is not None} == {want}
    g = deep.backward(rng.standard_normal(out.shape).astype(g_dtype), cache,
                      dh_n=rng.standard_normal(h_n.shape).astype(g_dtype),
                      dc_n=None if c_n is None else rng.standard_normal(c_n.shape).astype(g_dtype))
    arrays = [g["x"], g["h0"]] + ([g["c0"]] if kind == "lstm" else []) + [v for p in g["params"] for v in p.values()]
    assert {a.dtype for a in arrays} == {want}


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
