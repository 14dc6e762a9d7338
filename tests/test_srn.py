"""The numpy SRN against finite differences, against torch (float64, copied weights), and on bad input."""
import numpy as np
import pytest
import torch

from course_utils import srn
from course_utils.checks import max_abs_diff, numerical_gradient, rel_error
from course_utils.layers import softmax_cross_entropy, squared_error
from course_utils.regression import SequenceRegressor
from course_utils.tasks import adding_problem
from course_utils.torch_bridge import srn_from_torch, srn_to_torch

SHAPES = [(5, 3, 4, 6), (1, 1, 1, 1), (1, 4, 3, 2), (7, 1, 2, 1), (3, 2, 1, 5)]  # T, N, D, H


def _data(rng, T, N, D, H):
    x = rng.standard_normal((T, N, D))
    h0 = rng.standard_normal((N, H)) * 0.5
    # torch's initialisation; larger weights saturate tanh until some gradient entries fall
    # below the finite-difference noise floor (~1e-11 absolute), where no relative check works
    return x, h0, srn.init_params(D, H, rng=rng)


@pytest.mark.parametrize("T, N, D, H", SHAPES)
def test_forward_equals_step_by_step(rng, T, N, D, H):
    x, h0, p = _data(rng, T, N, D, H)
    hs, _ = srn.forward(x, h0, **p)
    h = h0
    for t in range(T):
        h, _ = srn.step_forward(x[t], h, **p)
        assert max_abs_diff(hs[t], h) < 1e-14


@pytest.mark.parametrize("T, N, D, H", SHAPES)
def test_backward_matches_finite_differences(rng, T, N, D, H):
    x, h0, p = _data(rng, T, N, D, H)
    dhs = rng.standard_normal((T, N, H))
    dh_last = rng.standard_normal((N, H))
    hs, cache = srn.forward(x, h0, **p)
    grads = srn.backward(dhs, cache, dh_last=dh_last)

    def f():
        out, _ = srn.forward(x, h0, **p)
        return np.sum(out * dhs) + np.sum(out[-1] * dh_last)

    for name, arr in [("x", x), ("h0", h0)] + list(p.items()):
        assert rel_error(numerical_gradient(f, arr), grads[name]) < 1e-7, name


def test_step_backward_matches_finite_differences(rng):
    x, h0, p = _data(rng, 1, 3, 4, 5)
    h, cache = srn.step_forward(x[0], h0, **p)
    dh = rng.standard_normal(h.shape)
    dx, dh_prev, dW_hx, dW_hh, db_h = srn.step_backward(dh, cache)
    f = lambda: srn.step_forward(x[0], h0, **p)[0]
    for arr, g in [(x[0], dx), (h0, dh_prev), (p["W_hx"], dW_hx), (p["W_hh"], dW_hh), (p["b_h"], db_h)]:
        assert rel_error(numerical_gradient(f, arr, df=dh), g) < 1e-8


@pytest.mark.parametrize("T, N, D, H", SHAPES)
def test_forward_and_backward_equal_torch(rng, T, N, D, H):
    x, h0, p = _data(rng, T, N, D, H)
    rnn = srn_to_torch(p)
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    out, h_n = rnn(xt, h0t)
    hs, cache = srn.forward(x, h0, **p)
    assert max_abs_diff(out.detach().numpy(), hs) <= 1e-12
    assert max_abs_diff(h_n[0].detach().numpy(), hs[-1]) <= 1e-12

    dhs = rng.standard_normal((T, N, H))
    out.backward(torch.tensor(dhs))
    grads = srn.backward(dhs, cache)
    torch_grads = {"x": xt.grad.numpy(), "h0": h0t.grad[0].numpy(), "W_hx": rnn.weight_ih_l0.grad.numpy(),
                   "W_hh": rnn.weight_hh_l0.grad.numpy(), "b_h": rnn.bias_ih_l0.grad.numpy()}
    for name, g in torch_grads.items():
        assert max_abs_diff(grads[name], g) <= 1e-10, name


def test_bridge_round_trip(rng):
    rnn = torch.nn.RNN(3, 4).double()
    p = srn_from_torch(rnn)
    assert p["W_hx"].shape == (4, 3)
    back = srn_from_torch(srn_to_torch(p))
    for k in p:
        assert max_abs_diff(p[k], back[k]) == 0.0


@pytest.mark.parametrize("loss", ["cross_entropy", "squared"])
def test_loss_and_grads_match_finite_differences(rng, loss):
    T, N, D, H, O = 4, 2, 3, 5, 3
    p = srn.init_params(D, H, O, rng=rng)
    x = rng.standard_normal((T, N, D))
    y = rng.integers(O, size=(T, N)) if loss == "cross_entropy" else rng.standard_normal((T, N, O))
    L, grads, h_last = srn.loss_and_grads(p, x, y, loss=loss)
    assert h_last.shape == (N, H)
    f = lambda: srn.loss_and_grads(p, x, y, loss=loss)[0]
    for name, arr in p.items():
        assert rel_error(numerical_gradient(f, arr), grads[name]) < 1e-7, name


def test_losses_against_torch(rng):
    o = rng.standard_normal((3, 2, 5))
    y = rng.integers(5, size=(3, 2))
    L, do = softmax_cross_entropy(o, y)
    ot = torch.tensor(o, requires_grad=True)
    Lt = torch.nn.functional.cross_entropy(ot.reshape(-1, 5), torch.tensor(y).reshape(-1), reduction="sum")
    Lt.backward()
    assert abs(L - Lt.item()) < 1e-12 and max_abs_diff(do, ot.grad.numpy()) < 1e-14
    L, d = squared_error(o, np.zeros_like(o))
    assert L == pytest.approx(0.5 * np.sum(o**2)) and np.array_equal(d, o)


def test_srn_rejects_bad_input(rng):
    x, h0, p = _data(rng, 2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\) = \(T, N, 4\)"):
        srn.forward(x[..., :3], h0, **p)
    with pytest.raises(ValueError, match=r"h0 must have shape \(N, H\) = \(3, 5\)"):
        srn.forward(x, h0[:2], **p)
    with pytest.raises(ValueError, match=r"W_hh must have shape \(H, H\)"):
        srn.forward(x, h0, p["W_hx"], p["W_hh"][:4], p["b_h"])
    with pytest.raises(ValueError, match="float32 or float64 numpy array"):
        srn.forward(x.astype(int), h0, **p)
    with pytest.raises(ValueError, match="at least one step"):
        srn.forward(x[:0], h0, **p)
    _, cache = srn.forward(x, h0, **p)
    with pytest.raises(ValueError, match="dhs must have the shape"):
        srn.backward(np.zeros((2, 3, 4)), cache)
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\)"):
        srn.step_forward(x, h0, **p)
    with pytest.raises(ValueError, match="params is missing"):
        srn.loss_and_grads({"W_hx": p["W_hx"]}, x, np.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match="loss must be"):
        srn.loss_and_grads(srn.init_params(4, 5, 2), x, np.zeros((2, 3), dtype=int), loss="hinge")
    with pytest.raises(ValueError, match=r"targets y must lie in \[0, 2\)"):
        srn.loss_and_grads(srn.init_params(4, 5, 2), x, np.full((2, 3), 7))
    with pytest.raises(ValueError, match="H must be an integer >= 1"):
        srn.init_params(3, 0)
    with pytest.raises(ValueError, match="expected a torch.nn.RNN"):
        srn_from_torch(torch.nn.LSTM(2, 3))
    with pytest.raises(ValueError, match="uses tanh"):
        srn_from_torch(torch.nn.RNN(2, 3, nonlinearity="relu"))


def test_srn_backward_checks_its_gradients_and_cache(rng):
    x, h0, p = _data(rng, 2, 3, 4, 5)
    hs, cache = srn.forward(x, h0, **p)
    with pytest.raises(ValueError, match="^dhs must be a float32 or float64 numpy array, got list$"):
        srn.backward(np.zeros_like(hs).tolist(), cache)
    with pytest.raises(ValueError, match="^dh_last must be a float32 or float64 numpy array, got list$"):
        srn.backward(np.zeros_like(hs), cache, dh_last=h0.tolist())
    h, step_cache = srn.step_forward(x[0], h0, **p)
    with pytest.raises(ValueError, match="^dh must be a float32 or float64 numpy array, got list$"):
        srn.step_backward(h.tolist(), step_cache)
    with pytest.raises(ValueError, match="srn.backward: cache must be the cache that srn.forward returned, "
                                         "got the cache of srn.step_forward"):
        srn.backward(np.zeros_like(hs), step_cache)              # both hold five items
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        srn.init_params(2, 3, rng=1)
    hs32, cache32 = srn.forward(x.astype(np.float32), h0.astype(np.float32),
                                **{k: v.astype(np.float32) for k, v in p.items()})
    g = srn.backward(np.ones(hs32.shape), cache32, dh_last=np.ones(h0.shape))   # float64 gradients in
    assert {v.dtype for v in g.values()} == {np.dtype(np.float32)}              # the forward's dtype out


def test_sample_follows_a_peaked_model_and_rejects_bad_input(rng):
    V, H = 4, 3
    p = srn.init_params(V, H, V, rng=rng)
    p["W_oh"][:] = 0.0
    p["b_o"][:] = [0.0, 50.0, 0.0, 0.0]       # the model always says "1"
    assert srn.sample(p, 0, 10, V, rng=rng) == [1] * 10
    p["b_o"][:] = 0.0                          # uniform: every id appears
    assert set(srn.sample(p, 0, 400, V, rng=rng)) == {0, 1, 2, 3}
    with pytest.raises(ValueError, match=r"first_id must lie in \[0, 4\)"):
        srn.sample(p, 9, 5, V)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        srn.sample(p, 0, 5, V, temperature=0.0)
    with pytest.raises(ValueError, match="one-hot language model needs"):
        srn.sample(p, 0, 5, 7)


def test_predict_is_the_argmax_of_the_outputs(rng):
    p = srn.init_params(3, 4, 5, rng=rng)
    x = rng.standard_normal((6, 2, 3))
    hs, _ = srn.forward(x, np.zeros((2, 4)), p["W_hx"], p["W_hh"], p["b_h"])
    assert np.array_equal(srn.predict(p, x), (hs @ p["W_oh"].T + p["b_o"]).argmax(-1))
    p["W_oh"][:] = 0.0
    p["b_o"][:] = [0, 0, 0, 9, 0]
    assert srn.predict(p, x).shape == (6, 2) and np.all(srn.predict(p, x) == 3)
    with pytest.raises(ValueError, match="params is missing"):
        srn.predict({"W_hx": p["W_hx"]}, x)
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\)"):
        srn.predict(p, x[0])


def test_input_influence_matches_finite_differences_of_the_last_loss(rng):
    T, N, D, H, O = 5, 2, 3, 4, 3
    p = srn.init_params(D, H, O, rng=rng)
    x = rng.standard_normal((T, N, D))
    y = rng.integers(O, size=(T, N))

    def last_loss():
        hs, _ = srn.forward(x, np.zeros((N, H)), p["W_hx"], p["W_hh"], p["b_h"])
        return softmax_cross_entropy(hs[-1] @ p["W_oh"].T + p["b_o"], y[-1])[0]

    want = np.linalg.norm(numerical_gradient(last_loss, x), axis=2)
    got = srn.input_influence(p, x, y)
    assert got.shape == (T, N) and rel_error(got, want) < 1e-7
    with pytest.raises(ValueError, match=r"targets must have shape \(T, N\)"):
        srn.input_influence(p, x, y[:, :1])


def test_lm_perplexity_of_a_uniform_model_is_the_vocabulary_size(rng):
    V = 6
    p = srn.init_params(V, 4, V, rng=rng)
    p["W_oh"][:] = 0.0
    p["b_o"][:] = 0.0                                   # every next token has probability 1/V
    ids = rng.integers(V, size=500)
    assert srn.lm_perplexity(p, ids, batch_size=4, num_steps=10) == pytest.approx(V, rel=1e-12)


def test_lm_perplexity_scores_each_lane_with_its_carried_state(rng):
    V, H = 5, 3
    p = srn.init_params(V, H, V, rng=rng)
    ids = rng.integers(V, size=81)                      # 2 lanes of 40 tokens: 4 blocks of 10 each
    eye, nll = np.eye(V), 0.0
    for lane in (ids[:41], ids[40:81]):                 # each lane in one piece, from h = 0
        hs, _ = srn.forward(eye[lane[:-1]][:, None, :], np.zeros((1, H)), p["W_hx"], p["W_hh"], p["b_h"])
        nll += softmax_cross_entropy(hs @ p["W_oh"].T + p["b_o"], lane[1:, None])[0]
    assert srn.lm_perplexity(p, ids, batch_size=2, num_steps=10) == pytest.approx(np.exp(nll / 80), rel=1e-12)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 5\)"):
        srn.lm_perplexity(p, np.array([0, 9, 1]))
    with pytest.raises(ValueError, match="batch_size must be an integer"):
        srn.lm_perplexity(p, ids, batch_size=0)
    with pytest.raises(ValueError, match="one-hot language model needs"):
        srn.lm_perplexity(srn.init_params(V, H, V + 1), ids)


def test_spectral_radius():
    assert srn.spectral_radius(np.array([[0.5, 3.0], [0.0, 0.5]])) == pytest.approx(0.5)
    assert srn.spectral_radius(np.array([[0.0, -2.0], [2.0, 0.0]])) == pytest.approx(2.0)   # eigenvalues ±2i
    with pytest.raises(ValueError, match="square numeric matrix"):
        srn.spectral_radius(np.ones((2, 3)))


# ---------------------------------------------------------------- the regression loss (read out at the last step)
@pytest.mark.parametrize("T, N, D, H, O, one_d",
                         [(5, 3, 2, 4, 1, True), (3, 2, 1, 3, 2, False), (1, 1, 1, 1, 1, False)])
def test_srn_regression_gradients_match_finite_differences(rng, T, N, D, H, O, one_d):
    params = srn.init_params(D, H, O, rng=rng)
    x = rng.standard_normal((T, N, D))
    y = rng.standard_normal((N,) if one_d else (N, O))
    h0 = rng.standard_normal((N, H)) * 0.3
    loss, grads = srn.regression_loss_and_grads(params, x, y, h0=h0)
    pred = np.tanh(x[0] @ params["W_hx"].T + h0 @ params["W_hh"].T + params["b_h"])
    for t in range(1, T):       # independent forward pass, step by step
        pred = np.tanh(x[t] @ params["W_hx"].T + pred @ params["W_hh"].T + params["b_h"])
    pred = pred @ params["W_oh"].T + params["b_o"]
    assert loss == pytest.approx(np.mean((pred - y.reshape(N, O)) ** 2), rel=1e-12)
    for name, p in params.items():
        num = numerical_gradient(lambda: srn.regression_loss_and_grads(params, x, y, h0=h0)[0], p)
        assert rel_error(num, grads[name]) < 1e-6, name


def test_srn_regression_matches_torch_sequence_regressor():
    model = SequenceRegressor("rnn", 2, 5, seed=2).double()
    get = lambda t: t.detach().numpy().copy()
    r = model.rnn
    params = {"W_hx": get(r.weight_ih_l0), "W_hh": get(r.weight_hh_l0), "b_h": get(r.bias_ih_l0 + r.bias_hh_l0),
              "W_oh": get(model.head.weight), "b_o": get(model.head.bias)}
    x, y = adding_problem(6, 8, np.random.default_rng(1))
    loss, grads = srn.regression_loss_and_grads(params, x, y)
    t_loss = ((model(torch.as_tensor(x))[:, 0] - torch.as_tensor(y)) ** 2).mean()
    t_loss.backward()
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    assert rel_error(grads["W_hh"], get(r.weight_hh_l0.grad)) < 1e-10
    assert rel_error(grads["b_h"], get(r.bias_ih_l0.grad)) < 1e-10
    assert rel_error(grads["W_oh"], get(model.head.weight.grad)) < 1e-10


def test_srn_regression_rejects_bad_input(rng):
    params = srn.init_params(2, 3, 1, rng=rng)
    x = rng.standard_normal((4, 5, 2))
    with pytest.raises(ValueError, match="params is missing"):
        srn.regression_loss_and_grads({k: v for k, v in params.items() if k != "W_oh"}, x, np.zeros(5))
    with pytest.raises(ValueError, match=r"x must be a numpy array of shape \(T, N, D\)"):
        srn.regression_loss_and_grads(params, x[0], np.zeros(5))
    with pytest.raises(ValueError, match=r"y must have shape \(N, O\) = \(5, 1\)"):
        srn.regression_loss_and_grads(params, x, np.zeros(4))
    with pytest.raises(ValueError, match="y must be finite"):
        srn.regression_loss_and_grads(params, x, np.full(5, np.nan))


def test_check_sequence_returns_T_N_H_and_names_a_wrong_h0():
    rng = np.random.default_rng(0)
    p = srn.init_params(D=3, H=4, rng=rng)
    x = rng.normal(size=(5, 2, 3))
    assert srn.check_sequence(x, np.zeros((2, 4)), p["W_hx"], p["W_hh"], p["b_h"]) == (5, 2, 4)
    with pytest.raises(ValueError, match="h0"):
        srn.check_sequence(x, np.zeros((2, 5)), p["W_hx"], p["W_hh"], p["b_h"])
