"""Numpy LSTM and GRU against torch (float64, copied weights), finite differences and bad input."""
import numpy as np
import pytest
import torch

from course_utils import gru, lstm
from course_utils.checks import max_abs_diff, numerical_gradient, rel_error
from course_utils.torch_bridge import copy_into_torch, gru_from_torch, gru_to_torch, lstm_from_torch, lstm_to_torch

SHAPES = [(5, 3, 4, 6), (1, 1, 1, 1), (1, 4, 3, 2), (7, 1, 2, 1), (3, 2, 1, 5)]  # T, N, D, H


def _lstm_case(rng, T, N, D, H):
    return (rng.standard_normal((T, N, D)), 0.5 * rng.standard_normal((N, H)), 0.5 * rng.standard_normal((N, H)),
            lstm.init_params(D, H, rng=rng, forget_bias=1.0))


def _gru_case(rng, T, N, D, H):
    return rng.standard_normal((T, N, D)), 0.5 * rng.standard_normal((N, H)), gru.init_params(D, H, rng=rng)


@pytest.mark.parametrize("T, N, D, H", SHAPES)
def test_lstm_equals_torch(rng, T, N, D, H):
    x, h0, c0, p = _lstm_case(rng, T, N, D, H)
    m = lstm_to_torch(p)
    xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (x, h0[None], c0[None]))
    out, (h_n, c_n) = m(xt, (h0t, c0t))
    hs, (h_T, c_T), cache = lstm.forward(x, h0, c0, **p)
    assert max_abs_diff(out.detach().numpy(), hs) <= 1e-12
    assert max_abs_diff(c_n[0].detach().numpy(), c_T) <= 1e-12
    dhs, dh_last, dc_last = rng.standard_normal((T, N, H)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    (torch.sum(out * torch.tensor(dhs)) + torch.sum(h_n[0] * torch.tensor(dh_last))
     + torch.sum(c_n[0] * torch.tensor(dc_last))).backward()
    g = lstm.backward(dhs, cache, dh_last=dh_last, dc_last=dc_last)
    ref = {"x": xt.grad, "h0": h0t.grad[0], "c0": c0t.grad[0], "W_x": m.weight_ih_l0.grad,
           "W_h": m.weight_hh_l0.grad, "b": m.bias_ih_l0.grad}
    for name, r in ref.items():
        assert max_abs_diff(g[name], r.numpy()) <= 1e-10, name


@pytest.mark.parametrize("T, N, D, H", SHAPES)
def test_gru_equals_torch(rng, T, N, D, H):
    x, h0, p = _gru_case(rng, T, N, D, H)
    m = gru_to_torch(p)
    xt, h0t = torch.tensor(x, requires_grad=True), torch.tensor(h0[None], requires_grad=True)
    out, _ = m(xt, h0t)
    hs, cache = gru.forward(x, h0, **p)
    assert max_abs_diff(out.detach().numpy(), hs) <= 1e-12
    dhs = rng.standard_normal((T, N, H))
    out.backward(torch.tensor(dhs))
    g = gru.backward(dhs, cache)
    ref = {"x": xt.grad, "h0": h0t.grad[0], "W_x": m.weight_ih_l0.grad, "W_h": m.weight_hh_l0.grad,
           "b_x": m.bias_ih_l0.grad, "b_h": m.bias_hh_l0.grad}
    for name, r in ref.items():
        assert max_abs_diff(g[name], r.numpy()) <= 1e-10, name


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("T, N, D, H", SHAPES[:3])
def test_gru_backward_matches_finite_differences(rng, T, N, D, H, reset_after):
    x, h0, p = _gru_case(rng, T, N, D, H)
    dhs = rng.standard_normal((T, N, H))
    dh_last = rng.standard_normal((N, H))
    _, cache = gru.forward(x, h0, **p, reset_after=reset_after)
    g = gru.backward(dhs, cache, dh_last=dh_last)

    def f():
        hs, _ = gru.forward(x, h0, **p, reset_after=reset_after)
        return np.sum(hs * dhs) + np.sum(hs[-1] * dh_last)

    for name, arr in [("x", x), ("h0", h0)] + list(p.items()):
        assert rel_error(numerical_gradient(f, arr), g[name]) < 1e-7, name


@pytest.mark.parametrize("T, N, D, H", SHAPES[:3])
def test_lstm_backward_matches_finite_differences(rng, T, N, D, H):
    x, h0, c0, p = _lstm_case(rng, T, N, D, H)
    dhs = rng.standard_normal((T, N, H))
    _, _, cache = lstm.forward(x, h0, c0, **p)
    g = lstm.backward(dhs, cache)
    f = lambda: np.sum(lstm.forward(x, h0, c0, **p)[0] * dhs)
    for name, arr in [("x", x), ("h0", h0), ("c0", c0)] + list(p.items()):
        assert rel_error(numerical_gradient(f, arr), g[name]) < 1e-7, name


def test_step_functions_agree_with_sequence_versions(rng):
    x, h0, c0, p = _lstm_case(rng, 3, 2, 3, 4)
    hs, _, _ = lstm.forward(x, h0, c0, **p)
    h, c = h0, c0
    for t in range(3):
        h_prev, c_prev = h, c
        h, c, step_cache = lstm.step_forward(x[t], h, c, **p)
        assert max_abs_diff(h, hs[t]) < 1e-15
    dh, dc = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    step = lstm.step_backward(dh, dc, step_cache)
    _, _, last_cache = lstm.forward(x[2:], h_prev, c_prev, **p)   # the last step as a 1-step sequence
    seq = lstm.backward(np.zeros((1, 2, 4)), last_cache, dh_last=dh, dc_last=dc)
    for got, name in zip(step, ("x", "h0", "c0", "W_x", "W_h", "b")):
        want = seq[name][0] if name == "x" else seq[name]
        assert max_abs_diff(got, want) < 1e-14, name
    xg, hg, pg = _gru_case(rng, 3, 2, 3, 4)
    for reset_after in (True, False):
        hs, _ = gru.forward(xg, hg, **pg, reset_after=reset_after)
        h = hg
        for t in range(3):
            h, gcache = gru.step_forward(xg[t], h, **pg, reset_after=reset_after)
            assert max_abs_diff(h, hs[t]) < 1e-15
        dh = rng.standard_normal((2, 4))
        step = gru.step_backward(dh, gcache)
        seq = gru.backward(dh[None], gru.forward(xg[2:], hs[1], **pg, reset_after=reset_after)[1])
        for got, name in zip(step, ("x", "h0", "W_x", "W_h", "b_x", "b_h")):
            want = seq[name][0] if name == "x" else seq[name]
            assert max_abs_diff(got, want) < 1e-14, name


def test_gru_reset_before_differs_from_torch_unless_r_is_one(rng):
    x, h0, p = _gru_case(rng, 4, 2, 3, 5)
    after, _ = gru.forward(x, h0, **p)
    before, _ = gru.forward(x, h0, **p, reset_after=False)
    assert max_abs_diff(after, before) > 1e-3
    p["b_x"][:5] = 50.0                      # r = σ(large) = 1: the two candidates coincide
    after, _ = gru.forward(x, h0, **p)
    before, _ = gru.forward(x, h0, **p, reset_after=False)
    assert max_abs_diff(after, before) < 1e-12


def test_bridge_reads_every_layer_and_direction():
    m = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    p = lstm_from_torch(m, layer=1, reverse=True)
    assert p["W_x"].shape == (16, 8)
    copy_into_torch(m, {k: v * 0 + 1 for k, v in p.items()}, layer=1, reverse=True)
    assert torch.all(m.weight_ih_l1_reverse == 1) and torch.all(m.bias_hh_l1_reverse == 0)
    g = torch.nn.GRU(2, 3).double()
    assert max_abs_diff(gru_from_torch(gru_to_torch(gru_from_torch(g)))["b_h"], g.bias_hh_l0.detach().numpy()) == 0


def test_gated_reject_bad_input(rng):
    x, h0, c0, p = _lstm_case(rng, 2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"W_h must have shape \(4·H, H\)"):
        lstm.forward(x, h0, c0, p["W_x"], p["W_h"][:, :4], p["b"])
    with pytest.raises(ValueError, match=r"c0 must have shape \(N, H\) = \(3, 5\)"):
        lstm.forward(x, h0, c0[:2], **p)
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\) = \(T, N, 4\)"):
        lstm.forward(x[..., :2], h0, c0, **p)
    with pytest.raises(ValueError, match="float32 or float64"):
        lstm.forward(x.astype(np.int64), h0, c0, **p)
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\)"):
        lstm.step_forward(x, h0, c0, **p)
    _, _, cache = lstm.forward(x, h0, c0, **p)
    with pytest.raises(ValueError, match="dhs must have the shape"):
        lstm.backward(np.zeros((2, 3, 4)), cache)
    with pytest.raises(ValueError, match=r"dc_last must have shape \(N, H\)"):
        lstm.backward(np.zeros((2, 3, 5)), cache, dc_last=np.zeros((3, 4)))
    xg, hg, pg = _gru_case(rng, 2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"b_h must have shape \(3·H,\) = \(15,\)"):
        gru.forward(xg, hg, pg["W_x"], pg["W_h"], pg["b_x"], pg["b_h"][:3])
    with pytest.raises(ValueError, match=r"h0 must have shape \(N, H\)"):
        gru.forward(xg, hg[:, :2], **pg)
    with pytest.raises(ValueError, match="H must be an integer >= 1"):
        gru.init_params(2, 0)
    with pytest.raises(ValueError, match="forget_bias must be a finite"):
        lstm.init_params(2, 3, forget_bias=float("nan"))
    with pytest.raises(ValueError, match="expected a torch.nn.LSTM"):
        lstm_from_torch(torch.nn.GRU(2, 3))
    with pytest.raises(ValueError, match=r"layer must be an integer in \[0, 1\)"):
        gru_from_torch(torch.nn.GRU(2, 3), layer=1)
    with pytest.raises(ValueError, match="reverse=True needs a bidirectional"):
        gru_from_torch(torch.nn.GRU(2, 3), reverse=True)
    with pytest.raises(ValueError, match="has shape"):
        copy_into_torch(torch.nn.GRU(2, 3).double(), gru.init_params(2, 4))


def test_gated_gradient_arguments_and_caches(rng):
    x, h0, c0, p = _lstm_case(rng, 2, 3, 4, 5)
    hs, _, cache = lstm.forward(x, h0, c0, **p)
    with pytest.raises(ValueError, match="^dhs must be a float32 or float64 numpy array, got list$"):
        lstm.backward(np.zeros_like(hs).tolist(), cache)
    with pytest.raises(ValueError, match="^dhs must be a float32 or float64 numpy array, got None$"):
        lstm.backward(None, cache)
    with pytest.raises(ValueError, match="^dc_last must be a float32 or float64 numpy array, got list$"):
        lstm.backward(np.zeros_like(hs), cache, dc_last=h0.tolist())
    h, c, step_cache = lstm.step_forward(x[0], h0, c0, **p)
    with pytest.raises(ValueError, match="^dc must be a float32 or float64 numpy array, got list$"):
        lstm.step_backward(h, c.tolist(), step_cache)
    with pytest.raises(ValueError, match="lstm.backward: cache must be the cache that lstm.forward returned, "
                                         "got the cache of lstm.step_forward"):
        lstm.backward(np.zeros_like(hs), step_cache)
    xg, hg, pg = _gru_case(rng, 2, 3, 4, 5)
    hs_g, cache_g = gru.forward(xg, hg, **pg)
    with pytest.raises(ValueError, match="^dhs must be a float32 or float64 numpy array, got list$"):
        gru.backward(np.zeros_like(hs_g).tolist(), cache_g)
    with pytest.raises(ValueError, match="^dh_last must be a float32 or float64 numpy array, got list$"):
        gru.backward(np.zeros_like(hs_g), cache_g, dh_last=hg.tolist())
    h_g, step_cache_g = gru.step_forward(xg[0], hg, **pg)
    with pytest.raises(ValueError, match="^dh must be a float32 or float64 numpy array, got list$"):
        gru.step_backward(h_g.tolist(), step_cache_g)
    with pytest.raises(ValueError, match="gru.backward: cache must be the cache that gru.forward returned, "
                                         "got the cache of lstm.forward"):
        gru.backward(np.zeros_like(hs), cache)                     # same length as a GRU cache: 9 items
    with pytest.raises(ValueError, match="gru.step_backward: cache must be the cache that gru.step_forward returned, "
                                         "got a tuple of 8 items"):
        gru.step_backward(h_g, tuple(step_cache_g))
    a, b, *_ = cache_g                                             # still a tuple to unpack and index
    assert a is xg and b is hg and cache_g[-1] is True


def test_gated_switches_and_generators(rng):
    xg, hg, pg = _gru_case(rng, 2, 3, 4, 5)
    for bad in ("no", "False", 0, None):
        with pytest.raises(ValueError, match=rf"reset_after must be True or False, got {bad!r}"):
            gru.forward(xg, hg, **pg, reset_after=bad)
        with pytest.raises(ValueError, match=rf"reset_after must be True or False, got {bad!r}"):
            gru.step_forward(xg[0], hg, **pg, reset_after=bad)
    assert np.array_equal(gru.forward(xg, hg, **pg, reset_after=np.bool_(False))[0],
                          gru.forward(xg, hg, **pg, reset_after=False)[0])
    for init in (gru.init_params, lstm.init_params):
        with pytest.raises(ValueError, match="rng must be a numpy Generator .*, got int"):
            init(2, 3, rng=0)
        assert init(np.int64(2), np.int32(3))["W_x"].shape[1] == 2
        with pytest.raises(ValueError, match="dtype must be np.float32 or np.float64, got int64"):
            init(2, 3, dtype=np.int64)                               # refused here, not at the first forward
    assert lstm.init_params(2, 3, forget_bias=np.float32(1.0))["b"][3:6].mean() > 0.5


@pytest.mark.parametrize("g_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("model_dtype", [np.float32, np.float64])
def test_gated_gradients_have_the_forward_dtype(rng, model_dtype, g_dtype):
    x, h0, c0, p = _lstm_case(rng, 3, 2, 4, 5)
    x, h0, c0, p = x.astype(model_dtype), h0.astype(model_dtype), c0.astype(model_dtype), \
        {k: v.astype(model_dtype) for k, v in p.items()}
    hs, _, cache = lstm.forward(x, h0, c0, **p)
    g = lstm.backward(np.ones(hs.shape, g_dtype), cache, dh_last=h0.astype(g_dtype), dc_last=c0.astype(g_dtype))
    h, c, step_cache = lstm.step_forward(x[0], h0, c0, **p)
    step = lstm.step_backward(h.astype(g_dtype), c.astype(g_dtype), step_cache)
    xg, hg, pg = _gru_case(rng, 3, 2, 4, 5)
    xg, hg, pg = xg.astype(model_dtype), hg.astype(model_dtype), {k: v.astype(model_dtype) for k, v in pg.items()}
    hs_g, cache_g = gru.forward(xg, hg, **pg)
    g_g = gru.backward(np.ones(hs_g.shape, g_dtype), cache_g, dh_last=hg.astype(g_dtype))
    h_g, step_cache_g = gru.step_forward(xg[0], hg, **pg)
    step_g = gru.step_backward(h_g.astype(g_dtype), step_cache_g)
    arrays = [*g.values(), *step, *g_g.values(), *step_g]
    assert {a.dtype for a in arrays} == {np.dtype(model_dtype)}


def test_sigmoid_on_arrays_scalars_and_extremes():
    x = np.array([-800.0, -40.0, -1.0, 0.0, 2.5, 40.0, 800.0])
    ref = 1.0 / (1.0 + np.exp(-np.clip(x, -700, 700)))
    assert max_abs_diff(lstm.sigmoid(x), ref) < 1e-15
    assert lstm.sigmoid(np.array(40.0)) == 1.0 and lstm.sigmoid(0.0) == 0.5
    assert lstm.sigmoid(np.float32(3.0)).dtype == np.float32
    assert np.array_equal(x, [-800.0, -40.0, -1.0, 0.0, 2.5, 40.0, 800.0]), "the input is not changed"
