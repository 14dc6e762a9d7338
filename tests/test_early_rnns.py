"""course_utils.early_rnns: the Elman network is the course SRN with an output layer; Jordan feeds back ŷ."""
import numpy as np
import pytest
import torch

from course_utils import srn
from course_utils.early_rnns import elman_forward, jordan_forward


def _weights(rng, D=3, H=4, O=2):
    shapes = {"W_hx": (H, D), "W_hh": (H, H), "W_hy": (H, O), "b_h": (H,), "W_oh": (O, H), "b_o": (O,)}
    return {name: rng.uniform(-0.5, 0.5, size=shape) for name, shape in shapes.items()}


def test_elman_is_the_srn_followed_by_its_output_layer(rng):
    w, x = _weights(rng), rng.normal(size=(5, 2, 3))
    ys, hs = elman_forward(x, w["W_hx"], w["W_hh"], w["b_h"], w["W_oh"], w["b_o"])
    hs_srn, _ = srn.forward(x, np.zeros((2, 4)), w["W_hx"], w["W_hh"], w["b_h"])
    assert ys.shape == (5, 2, 2) and hs.shape == (5, 2, 4)
    np.testing.assert_allclose(hs, hs_srn, atol=1e-14)
    np.testing.assert_allclose(ys, np.tanh(hs_srn @ w["W_oh"].T + w["b_o"]), atol=1e-14)


def test_jordan_feeds_back_the_previous_output_step_by_step(rng):
    w, x = _weights(rng), rng.normal(size=(4, 3, 3))
    ys, hs = jordan_forward(x, w["W_hx"], w["W_hy"], w["b_h"], w["W_oh"], w["b_o"], g=lambda o: o)
    y_prev = np.zeros((3, 2))
    for t in range(4):                                   # one step at a time, written out
        h = np.tanh(x[t] @ w["W_hx"].T + y_prev @ w["W_hy"].T + w["b_h"])
        y_prev = h @ w["W_oh"].T + w["b_o"]
        np.testing.assert_allclose(hs[t], h, atol=1e-14)
        np.testing.assert_allclose(ys[t], y_prev, atol=1e-14)


def test_jordan_matches_torch_rnncell_fed_with_outputs(rng):
    """torch has no Jordan network; an RNNCell whose input is [x_t, ŷ_{t−1}] is one."""
    w, x = _weights(rng), rng.normal(size=(5, 2, 3))
    ys, _ = jordan_forward(x, w["W_hx"], w["W_hy"], w["b_h"], w["W_oh"], w["b_o"])
    cell = torch.nn.RNNCell(3 + 2, 4).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(np.hstack([w["W_hx"], w["W_hy"]])))
        cell.weight_hh.zero_()
        cell.bias_ih.copy_(torch.from_numpy(w["b_h"]))
        cell.bias_hh.zero_()
        y = torch.zeros(2, 2, dtype=torch.float64)
        for t in range(5):
            h = cell(torch.cat([torch.from_numpy(x[t]), y], dim=1))
            y = torch.tanh(h @ torch.from_numpy(w["W_oh"]).T + torch.from_numpy(w["b_o"]))
            np.testing.assert_allclose(ys[t], y.numpy(), atol=1e-12)


def test_without_feedback_both_are_the_same_per_step_mlp(rng):
    w, x = _weights(rng), rng.normal(size=(6, 1, 3))
    ye, _ = elman_forward(x, w["W_hx"], np.zeros((4, 4)), w["b_h"], w["W_oh"], w["b_o"])
    yj, _ = jordan_forward(x, w["W_hx"], np.zeros((4, 2)), w["b_h"], w["W_oh"], w["b_o"])
    mlp = np.tanh(np.tanh(x @ w["W_hx"].T + w["b_h"]) @ w["W_oh"].T + w["b_o"])
    assert np.array_equal(ye, yj)
    np.testing.assert_allclose(ye, mlp, atol=1e-14)


def test_bad_input_is_refused_with_a_message(rng):
    w, x = _weights(rng), rng.normal(size=(5, 2, 3))
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\)"):
        elman_forward(x[0], w["W_hx"], w["W_hh"], w["b_h"], w["W_oh"], w["b_o"])
    with pytest.raises(ValueError, match=r"W_hy must have shape \(4, 2\)"):
        jordan_forward(x, w["W_hx"], w["W_hh"], w["b_h"], w["W_oh"], w["b_o"])
    with pytest.raises(ValueError, match=r"W_hh must have shape \(4, 4\)"):
        elman_forward(x, w["W_hx"], w["W_hy"], w["b_h"], w["W_oh"], w["b_o"])
    with pytest.raises(ValueError, match=r"W_hx must have shape \(H, D\) = \(H, 3\)"):
        elman_forward(x, w["W_hx"].T, w["W_hh"], w["b_h"], w["W_oh"], w["b_o"])
    with pytest.raises(ValueError, match="g must be a function"):
        jordan_forward(x, w["W_hx"], w["W_hy"], w["b_h"], w["W_oh"], w["b_o"], g="tanh")
    with pytest.raises(ValueError, match="float32 or float64"):
        elman_forward(x.tolist(), w["W_hx"], w["W_hh"], w["b_h"], w["W_oh"], w["b_o"])
