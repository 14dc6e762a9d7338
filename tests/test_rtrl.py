"""RTRL gives BPTT's and torch autograd's (float64) gradients for every parameter; bad input is refused."""
import numpy as np
import pytest
import torch

from course_utils import rtrl, srn
from course_utils.checks import max_abs_diff
from course_utils.torch_bridge import srn_to_torch


@pytest.mark.parametrize("T, N, D, H", [(6, 3, 4, 5), (1, 1, 1, 1), (1, 2, 3, 4), (5, 1, 2, 1), (4, 2, 1, 3)])
def test_rtrl_equals_bptt(rng, T, N, D, H):
    p = srn.init_params(D, H, rng=rng)
    x = rng.standard_normal((T, N, D))
    h0 = 0.5 * rng.standard_normal((N, H))
    dhs = rng.standard_normal((T, N, H))
    hs, cache = srn.forward(x, h0, **p)
    bptt = srn.backward(dhs, cache)
    got = rtrl.gradients(x, h0, p["W_hx"], p["W_hh"], p["b_h"], dhs)
    for name in ("W_hx", "W_hh", "b_h", "h0"):
        assert max_abs_diff(got[name], bptt[name]) <= 1e-10, name


@pytest.mark.parametrize("T, N, D, H", [(6, 3, 4, 5), (1, 1, 1, 1), (5, 2, 3, 7)])
def test_rtrl_equals_torch_autograd_float64(rng, one_torch_thread, T, N, D, H):
    p = srn.init_params(D, H, rng=rng)
    x = rng.standard_normal((T, N, D))
    h0 = 0.5 * rng.standard_normal((N, H))
    dhs = rng.standard_normal((T, N, H))
    got = rtrl.gradients(x, h0, p["W_hx"], p["W_hh"], p["b_h"], dhs)
    rnn = srn_to_torch(p)                                # nn.RNN(tanh) with the same weights
    assert rnn.weight_hh_l0.dtype == torch.float64
    h0_t = torch.tensor(h0[None], requires_grad=True)
    out, _ = rnn(torch.tensor(x), h0_t)
    (out * torch.tensor(dhs)).sum().backward()           # a loss whose ∂L/∂h_t is dhs[t]
    want = {"W_hx": rnn.weight_ih_l0.grad, "W_hh": rnn.weight_hh_l0.grad, "b_h": rnn.bias_ih_l0.grad,
            "h0": h0_t.grad[0]}
    for name, g in want.items():
        assert max_abs_diff(got[name], g.numpy()) <= 1e-10, name
    assert max_abs_diff(got["b_h"], rnn.bias_hh_l0.grad.numpy()) <= 1e-10   # torch's second bias


def test_rtrl_step_hidden_state_equals_srn(rng):
    p = srn.init_params(3, 4, rng=rng)
    x = rng.standard_normal((5, 2, 3))
    h0 = np.zeros((2, 4))
    hs, _ = srn.forward(x, h0, **p)
    sens = rtrl.init_sensitivities(2, 3, 4)
    h = h0
    for t in range(5):
        h, sens = rtrl.step(x[t], h, sens, **p)
        assert max_abs_diff(h, hs[t]) < 1e-15


def test_sensitivity_size_is_cubic():
    assert rtrl.sensitivity_floats(D=2, H=10) == 10 * (10 * 2 + 100 + 10)
    sens = rtrl.init_sensitivities(1, 2, 10)
    assert sum(v.size for k, v in sens.items() if k != "h0") == rtrl.sensitivity_floats(2, 10)


def test_rtrl_rejects_bad_input(rng):
    p = srn.init_params(3, 4, rng=rng)
    x = rng.standard_normal((5, 2, 3))
    h0 = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"dhs must have shape \(T, N, H\) = \(5, 2, 4\)"):
        rtrl.gradients(x, h0, p["W_hx"], p["W_hh"], p["b_h"], np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\)"):
        rtrl.gradients(x[..., :2], h0, p["W_hx"], p["W_hh"], p["b_h"], np.zeros((5, 2, 4)))
    with pytest.raises(ValueError, match=r"h0 must have shape \(N, H\) = \(2, 4\)"):
        rtrl.gradients(x, h0[:1], p["W_hx"], p["W_hh"], p["b_h"], np.zeros((5, 2, 4)))
    with pytest.raises(ValueError, match="W_hh must have shape"):
        rtrl.gradients(x, h0, p["W_hx"], p["W_hh"][:, :3], p["b_h"], np.zeros((5, 2, 4)))
    with pytest.raises(ValueError, match="dhs must be a float32 or float64 numpy array, got list"):
        rtrl.gradients(x, h0, p["W_hx"], p["W_hh"], p["b_h"], np.zeros((5, 2, 4)).tolist())  # as srn.backward
    with pytest.raises(ValueError, match=r"D must be an integer >= 1, got 2.0 \(float\)"):
        rtrl.init_sensitivities(1, 2.0, 3)
    with pytest.raises(ValueError, match="dtype must be np.float32 or np.float64, got 'float16'"):
        rtrl.init_sensitivities(1, 2, 3, dtype="float16")
    assert rtrl.sensitivity_floats(np.int64(2), np.int64(10)) == rtrl.sensitivity_floats(2, 10)
