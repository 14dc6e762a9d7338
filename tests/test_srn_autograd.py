"""torch autograd's gradients of the course SRN equal the numpy BPTT, full and truncated; bad input is refused."""
import numpy as np
import pytest

from course_utils import srn, srn_autograd
from course_utils.checks import max_abs_diff


def _problem(rng, loss, T=5, N=2, D=3, H=4, O=3):
    p = srn.init_params(D, H, O, rng=rng)
    x = rng.standard_normal((T, N, D))
    y = rng.integers(O, size=(T, N)) if loss == "cross_entropy" else rng.standard_normal((T, N, O))
    return p, x, y, 0.5 * rng.standard_normal((N, H))


@pytest.mark.parametrize("loss", ["cross_entropy", "squared"])
def test_autograd_equals_numpy_bptt(rng, one_torch_thread, loss):
    p, x, y, h0 = _problem(rng, loss)
    L, grads, _ = srn.loss_and_grads(p, x, y, h0=h0, loss=loss)
    L_t, g_t = srn_autograd.loss_and_grads(p, x, y, h0=h0, loss=loss)
    assert abs(L - L_t) < 1e-10
    for name in p:
        assert max_abs_diff(grads[name], g_t[name]) < 1e-10, name
    assert max_abs_diff(g_t["bias_hh_l0"], grads["b_h"]) < 1e-10          # torch's second bias gets dL/db_h too
    hs, cache = srn.forward(x, h0, p["W_hx"], p["W_hh"], p["b_h"])
    o = hs @ p["W_oh"].T + p["b_o"]
    do = o - y if loss == "squared" else np.exp(o) / np.exp(o).sum(-1, keepdims=True) - np.eye(3)[y]
    assert max_abs_diff(g_t["h0"], srn.backward(do @ p["W_oh"], cache)["h0"]) < 1e-10


@pytest.mark.parametrize("k", [1, 2, 5, 9])
def test_truncated_autograd_equals_numpy_pieces(rng, one_torch_thread, k):
    p, x, y, _ = _problem(rng, "cross_entropy", T=7)
    want, h = {name: np.zeros_like(v) for name, v in p.items()}, np.zeros((2, 4))
    for s in range(0, 7, k):                              # pieces of k steps, the state carried as a value
        _, g, h = srn.loss_and_grads(p, x[s:s + k], y[s:s + k], h0=h)
        for name in want:
            want[name] += g[name]
    got = srn_autograd.truncated_grads(p, x, y, k)
    for name in p:
        assert max_abs_diff(got[name], want[name]) < 1e-10, name
    if k >= 7:                                            # one piece: the full gradient
        full = srn_autograd.loss_and_grads(p, x, y)[1]
        assert all(max_abs_diff(got[name], full[name]) < 1e-12 for name in p)


def test_autograd_rejects_bad_input(rng):
    p, x, y, h0 = _problem(rng, "cross_entropy")
    with pytest.raises(ValueError, match="params is missing"):
        srn_autograd.loss_and_grads({"W_hx": p["W_hx"]}, x, y)
    with pytest.raises(ValueError, match="loss must be one of"):
        srn_autograd.loss_and_grads(p, x, y, loss="hinge")
    with pytest.raises(ValueError, match=r"targets must have shape \(5, 2, 3\)"):
        srn_autograd.loss_and_grads(p, x, y, loss="squared")
    with pytest.raises(ValueError, match=r"x must be a numpy array of shape \(T, N, D\)"):
        srn_autograd.loss_and_grads(p, x[0], y)
    with pytest.raises(ValueError, match=r"h0 must have shape \(N, H\)"):
        srn_autograd.loss_and_grads(p, x, y, h0=h0[:1])
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        srn_autograd.truncated_grads(p, x, y, 0)
