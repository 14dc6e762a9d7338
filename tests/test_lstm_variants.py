"""course_utils.lstm_variants: torch modules against independent numpy forwards and finite differences, special cases,
bad input."""
import numpy as np
import pytest
import torch
from torch.func import functional_call

from course_utils import lstm, srn
from course_utils import lstm_variants as lv
from course_utils.checks import autograd_check, max_abs_diff
from course_utils.lstm import sigmoid
from course_utils.torch_bridge import lstm_to_torch

SHAPES = [(5, 3, 4, 6), (1, 1, 1, 1), (7, 2, 2, 3)]  # T, N, D, H
SWITCHES = [dict(v, peepholes=p) for v in lv.VARIANTS.values() for p in (False, True)]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _states(rng, N, H, scale=0.5):
    return scale * rng.standard_normal((N, H)), scale * rng.standard_normal((N, H))


def _tensors(a):
    return tuple(_tensors(b) for b in a) if isinstance(a, tuple) else torch.as_tensor(a)


def _torch_run(module, x, state):
    """Run a module without gradients on numpy inputs; `state` is an array or a tuple of arrays."""
    with torch.no_grad():
        return module(torch.as_tensor(x), _tensors(state))


# ---------------------------------------------------------------- LSTM variants: torch == numpy
@pytest.mark.parametrize("flags", SWITCHES, ids=lambda f: "-".join(k for k, v in f.items() if v) or "none")
@pytest.mark.parametrize("T, N, D, H", SHAPES)
def test_variant_module_equals_numpy_reference(rng, flags, T, N, D, H):
    module = lv.LSTMVariant(D, H, **flags, forget_bias=0.5 if flags["forget_gate"] else 0.0, seed=3).double()
    x = rng.standard_normal((T, N, D))
    h0, c0 = _states(rng, N, H)
    out, (h_T, c_T) = _torch_run(module, x, (h0, c0))
    hs, (h_ref, c_ref), trace = lv.variant_forward(x, h0, c0, module.numpy_params(), **flags)
    assert max_abs_diff(out.numpy(), hs) <= 1e-12
    assert max_abs_diff(h_T.numpy(), h_ref) <= 1e-12
    assert max_abs_diff(c_T.numpy(), c_ref) <= 1e-12
    assert max_abs_diff(trace["c"][-1], c_ref) == 0.0


@pytest.mark.parametrize("T, N, D, H", SHAPES)
def test_standard_variant_is_the_course_lstm_and_torch_lstm(rng, T, N, D, H):
    p = lstm.init_params(D, H, rng=rng, forget_bias=1.0)
    x = rng.standard_normal((T, N, D))
    h0, c0 = _states(rng, N, H)
    hs, (h_T, c_T), _ = lv.variant_forward(x, h0, c0, dict(p))
    hs_ref, (_, c_ref), _ = lstm.forward(x, h0, c0, **p)
    assert max_abs_diff(hs, hs_ref) <= 1e-12 and max_abs_diff(c_T, c_ref) <= 1e-12
    module = lv.LSTMVariant(D, H).double()
    module.load_numpy_params(dict(p))
    out, _ = _torch_run(module, x, (h0, c0))
    ref, _ = _torch_run(lstm_to_torch(p), x, (h0[None], c0[None]))
    assert max_abs_diff(out.numpy(), ref.numpy()) <= 1e-12


def test_standard_variant_float32_matches_nn_lstm_with_the_same_weights(rng):
    module = lv.LSTMVariant(3, 5, forget_bias=1.0, seed=0)
    ref = lstm_to_torch(module.numpy_params(), dtype=torch.float32)
    x = torch.as_tensor(rng.standard_normal((6, 4, 3)), dtype=torch.float32)
    with torch.no_grad():
        assert torch.allclose(module(x)[0], ref(x)[0], atol=1e-6)


def test_coupled_forget_form_equals_input_form_with_negated_weights(rng):
    """c = f ⊙ c + (1 − f) ⊙ g with f = σ(z) is note 003's c = (1 − i) ⊙ c + i ⊙ g with i = σ(−z)."""
    T, N, D, H = 6, 3, 2, 4
    p = lv.init_variant_params(D, H, coupled=True, forget_bias=1.0, rng=rng)
    x = rng.standard_normal((T, N, D))
    h0, c0 = _states(rng, N, H)
    hs, (_, c_T), trace = lv.variant_forward(x, h0, c0, p, coupled=True)
    assert max_abs_diff(trace["i"], 1.0 - trace["f"]) == 0.0
    Wi_x, Wi_h, b_i = -p["W_x"][:H], -p["W_h"][:H], -p["b"][:H]        # input gate := −(forget gate)
    Wg_x, Wg_h, b_g = p["W_x"][H:2 * H], p["W_h"][H:2 * H], p["b"][H:2 * H]
    Wo_x, Wo_h, b_o = p["W_x"][2 * H:], p["W_h"][2 * H:], p["b"][2 * H:]
    h, c = h0, c0
    for t in range(T):
        i = sigmoid(x[t] @ Wi_x.T + h @ Wi_h.T + b_i)
        c = (1.0 - i) * c + i * np.tanh(x[t] @ Wg_x.T + h @ Wg_h.T + b_g)
        h = sigmoid(x[t] @ Wo_x.T + h @ Wo_h.T + b_o) * np.tanh(c)
        assert max_abs_diff(h, hs[t]) <= 1e-12
    assert max_abs_diff(c, c_T) <= 1e-12


def test_no_forget_gate_is_the_standard_cell_with_a_saturated_forget_gate(rng):
    T, N, D, H = 8, 2, 3, 4
    p = lv.init_variant_params(D, H, rng=rng)
    p["b"][H:2 * H] = 1e3                                   # σ(1000) = 1 exactly in float64
    keep = np.r_[0:H, 2 * H:4 * H]                          # the i, g, o slices
    q = {"W_x": p["W_x"][keep], "W_h": p["W_h"][keep], "b": p["b"][keep]}
    x = rng.standard_normal((T, N, D))
    h0, c0 = _states(rng, N, H)
    hs, (_, c_T), trace = lv.variant_forward(x, h0, c0, q, forget_gate=False)
    hs_ref, (_, c_ref), _ = lv.variant_forward(x, h0, c0, p)
    assert max_abs_diff(hs, hs_ref) <= 1e-12 and max_abs_diff(c_T, c_ref) <= 1e-12
    assert np.all(trace["f"] == 1.0)
    # the cell only adds: c_T − c_0 is the sum of the written contributions i ⊙ g
    assert max_abs_diff(c_T - c0, (trace["i"] * trace["g"]).sum(axis=0)) <= 1e-12


@pytest.mark.parametrize("variant", list(lv.VARIANTS))
def test_zero_peepholes_change_nothing(rng, variant):
    flags = dict(lv.VARIANTS[variant], peepholes=True)
    p = lv.init_variant_params(3, 4, **flags, rng=rng)
    for name in lv.peephole_names(flags["forget_gate"], flags["coupled"]):
        p[name][:] = 0.0
    x = rng.standard_normal((5, 2, 3))
    h0, c0 = _states(rng, 2, 4)
    with_peep, _, _ = lv.variant_forward(x, h0, c0, p, **flags)
    plain = {k: p[k] for k in ("W_x", "W_h", "b")}
    without, _, _ = lv.variant_forward(x, h0, c0, plain, **dict(flags, peepholes=False))
    assert max_abs_diff(with_peep, without) == 0.0


def test_output_peephole_reads_the_new_cell_and_input_peephole_the_old(rng):
    """One step from c0: only p_o can see c_1, only p_i and p_f see c0 (Gers & Schmidhuber 2000)."""
    p = lv.init_variant_params(2, 3, peepholes=True, rng=rng)
    x, (h0, c0) = rng.standard_normal((1, 2, 2)), _states(rng, 2, 3)
    _, _, trace = lv.variant_forward(x, h0, c0, p, peepholes=True)
    z = x[0] @ p["W_x"].T + h0 @ p["W_h"].T + p["b"]
    assert max_abs_diff(trace["i"][0], sigmoid(z[:, :3] + p["p_i"] * c0)) <= 1e-15
    assert max_abs_diff(trace["f"][0], sigmoid(z[:, 3:6] + p["p_f"] * c0)) <= 1e-15
    assert max_abs_diff(trace["o"][0], sigmoid(z[:, 9:] + p["p_o"] * trace["c"][0])) <= 1e-15


@pytest.mark.parametrize("peepholes", [False, True])
def test_coupled_cell_stays_a_convex_combination(rng, peepholes):
    """|c_t| ≤ max(|c_{t−1}|, 1) for every unit and step, even with large weights and a large c0."""
    p = lv.init_variant_params(2, 5, coupled=True, peepholes=peepholes, rng=rng)
    p = {k: 4.0 * v for k, v in p.items()}
    x = 3.0 * rng.standard_normal((300, 4, 2))
    c0 = np.array([[3.0, -2.0, 0.5, 0.0, 1.5]] * 4)
    _, _, trace = lv.variant_forward(x, np.zeros((4, 5)), c0, p, coupled=True, peepholes=peepholes)
    c = np.concatenate([c0[None], trace["c"]])
    assert np.all(np.abs(c[1:]) <= np.maximum(np.abs(c[:-1]), 1.0) + 1e-15)


def test_param_counts_and_init():
    D, H = 3, 5
    one_gate = H * (D + H + 1)
    counts = {name: sum(v.size for v in lv.init_variant_params(D, H, **f).values()) for name, f in lv.VARIANTS.items()}
    assert counts == {"standard": 4 * one_gate, "no_forget": 3 * one_gate, "peephole": 4 * one_gate + 3 * H,
                      "coupled": 3 * one_gate}
    p = lv.init_variant_params(D, H, coupled=True, forget_bias=2.0, rng=np.random.default_rng(0))
    assert np.all(p["b"][:H] > 2.0 - 1 / np.sqrt(H)) and np.all(np.abs(p["b"][H:]) <= 1 / np.sqrt(H))
    assert lv.peephole_names(True, True) == ("p_f", "p_o") and lv.peephole_names(False) == ("p_i", "p_o")
    a = lv.LSTMVariant(D, H, seed=7).numpy_params()
    b = lv.LSTMVariant(D, H, seed=7).numpy_params()
    assert all(np.array_equal(a[k], b[k]) for k in a)


# ---------------------------------------------------------------- clockwork RNN
LAYOUTS = [((1, 2, 4, 8), 2), ((1, 3, 3), (2, 1, 3)), ((2,), 3), ((1, 1, 4), 2)]


@pytest.mark.parametrize("periods, sizes", LAYOUTS)
@pytest.mark.parametrize("t0", [0, 5])
def test_clockwork_module_equals_numpy_reference(rng, periods, sizes, t0):
    module = lv.ClockworkRNN(3, periods, sizes, seed=1).double()
    p = module.numpy_params()
    H = p["W_hh"].shape[0]
    noisy = dict(p, W_hh=p["W_hh"] + 10.0 * (1.0 - lv.clockwork_mask(periods, sizes)))   # must be ignored
    x, h0 = rng.standard_normal((11, 2, 3)), rng.standard_normal((2, H))
    hs, active = lv.clockwork_forward(x, h0, noisy, periods, sizes, t0=t0)
    module.load_numpy_params(noisy)                       # the module masks the forbidden entries itself
    with torch.no_grad():
        out, h_T = module(torch.as_tensor(x), torch.as_tensor(h0), t0=t0)
    assert max_abs_diff(out.numpy(), hs) <= 1e-12 and max_abs_diff(h_T.numpy(), hs[-1]) <= 1e-12
    prev = np.concatenate([h0[None], hs[:-1]])
    for s in range(11):
        assert np.array_equal(active[s], lv.active_units(t0 + s, periods, sizes))
        assert np.array_equal(hs[s][:, ~active[s]], prev[s][:, ~active[s]])   # idle modules keep their state


@pytest.mark.parametrize("sizes", [4, (1, 2, 3)])
def test_clockwork_with_all_periods_one_is_the_srn(rng, sizes):
    periods = (1,) * (3 if isinstance(sizes, tuple) else 2)
    p = lv.init_clockwork_params(2, periods, sizes, rng=rng)
    H = p["W_hh"].shape[0]
    assert np.all(lv.clockwork_mask(periods, sizes) == 1.0)
    x, h0 = rng.standard_normal((6, 3, 2)), rng.standard_normal((3, H))
    hs, active = lv.clockwork_forward(x, h0, p, periods, sizes)
    ref, _ = srn.forward(x, h0, p["W_hx"], p["W_hh"], p["b_h"])
    assert active.all() and max_abs_diff(hs, ref) <= 1e-12
    module = lv.make_srn(2, H).double()
    module.load_numpy_params(p)
    out, _ = _torch_run(module, x, h0)
    assert max_abs_diff(out.numpy(), ref) <= 1e-12


def test_clockwork_mask_is_block_upper_triangular_and_gets_no_gradient():
    mask = lv.clockwork_mask((1, 2, 4), 2)
    assert np.array_equal(mask, np.kron(np.triu(np.ones((3, 3))), np.ones((2, 2))))
    assert np.array_equal(lv.clockwork_mask((1, 1, 2), 1), [[1, 1, 1], [1, 1, 1], [0, 0, 1]])  # equal periods talk
    module = lv.ClockworkRNN(2, (1, 2, 4), 2, seed=0)
    assert np.all(module.numpy_params()["W_hh"][mask == 0] == 0.0)
    hs, _ = module(torch.randn(9, 3, 2))
    hs.sum().backward()
    assert torch.all(module.W_hh.grad[torch.as_tensor(mask) == 0] == 0)
    assert torch.any(module.W_hh.grad != 0)
    assert lv.count_parameters(module) == 6 * 2 + 6 + 6 * (2 * 2)   # W_hx, b_h and the six allowed 2×2 blocks


def test_clockwork_chunks_continue_with_t0(rng):
    periods, sizes = (1, 2, 4), 2
    p = lv.init_clockwork_params(2, periods, sizes, rng=rng)
    x, h0 = rng.standard_normal((10, 2, 2)), np.zeros((2, 6))
    whole, _ = lv.clockwork_forward(x, h0, p, periods, sizes)
    first, _ = lv.clockwork_forward(x[:7], h0, p, periods, sizes)
    second, _ = lv.clockwork_forward(x[7:], first[-1], p, periods, sizes, t0=7)
    assert max_abs_diff(whole, np.concatenate([first, second])) == 0.0


def test_active_units_and_unit_periods():
    assert lv.unit_periods((1, 2), (1, 2)).tolist() == [1, 2, 2]
    assert lv.active_units(0, (1, 2, 4), 1).tolist() == [True, True, True]
    assert lv.active_units(6, (1, 2, 4), 1).tolist() == [True, True, False]
    assert lv.active_units(7, (1, 2, 4), 1).tolist() == [True, False, False]
    assert lv.module_layout([1, 2], 3) == ((1, 2), (3, 3))


# ---------------------------------------------------------------- gradients
def _check_autograd(torch_fn, numpy_fn, arrays, weights):
    """checks.autograd_check, asserted: gradcheck passes and autograd matches the numpy reference's
    finite differences to 1e-6 (relative). Returns autograd's gradients by name."""
    passed, error, grads = autograd_check(torch_fn, numpy_fn, arrays, weights)
    assert passed and error <= 1e-6, (passed, error)
    return grads


@pytest.mark.parametrize("flags", SWITCHES, ids=lambda f: "-".join(k for k, v in f.items() if v) or "none")
@pytest.mark.parametrize("T, N, D, H", [(4, 2, 2, 3), (1, 1, 1, 2)])
def test_variant_gradients_pass_gradcheck_and_match_the_numpy_reference(rng, flags, T, N, D, H):
    layer = lv.LSTMVariant(D, H, **flags, forget_bias=0.5 if flags["forget_gate"] else 0.0, seed=5).double()

    def torch_fn(x, h0, c0, **p):
        hs, (_, c_T) = functional_call(layer, p, (x, (h0, c0)))
        return hs, c_T

    def numpy_fn(x, h0, c0, **p):
        hs, (_, c_T), _ = lv.variant_forward(x, h0, c0, p, **flags)
        return hs, c_T

    h0, c0 = _states(rng, N, H)
    arrays = {"x": rng.standard_normal((T, N, D)), "h0": h0, "c0": c0} | layer.numpy_params()
    _check_autograd(torch_fn, numpy_fn, arrays, (rng.standard_normal((T, N, H)), rng.standard_normal((N, H))))


@pytest.mark.parametrize("periods, sizes", LAYOUTS)
@pytest.mark.parametrize("t0", [0, 1])
def test_clockwork_gradients_pass_gradcheck_and_masked_weights_get_exactly_zero(rng, periods, sizes, t0):
    layer = lv.ClockworkRNN(2, periods, sizes, seed=5).double()
    H = layer.hidden_size

    def torch_fn(x, h0, **p):
        return (functional_call(layer, p, (x, h0), {"t0": t0})[0],)

    def numpy_fn(x, h0, **p):
        return (lv.clockwork_forward(x, h0, p, periods, sizes, t0=t0)[0],)

    arrays = {"x": rng.standard_normal((6, 2, 2)), "h0": rng.standard_normal((2, H))} | layer.numpy_params()
    grads = _check_autograd(torch_fn, numpy_fn, arrays, (rng.standard_normal((6, 2, H)),))
    mask = lv.clockwork_mask(periods, sizes)
    assert np.all(grads["W_hh"][mask == 0] == 0.0)
    assert np.any(grads["W_hh"][mask == 1] != 0.0)


def test_no_forget_cell_is_nn_lstm_with_the_forget_gate_forced_open(rng):
    """nn.LSTM (float64) with forget weights 0 and bias 40 (σ(40) = 1.0 exactly): same states, same gradients."""
    T, N, D, H = 7, 3, 2, 4
    layer = lv.LSTMVariant(D, H, forget_gate=False, seed=6).double()
    p = layer.numpy_params()                                            # i, g, o
    forced = {k: np.concatenate([p[k][:H], np.zeros_like(p[k][:H]), p[k][H:]]) for k in ("W_x", "W_h", "b")}
    forced["b"][H:2 * H] = 40.0
    ref = lstm_to_torch(forced)
    x, (h0, c0) = rng.standard_normal((T, N, D)), _states(rng, N, H)
    G, G_c = torch.as_tensor(rng.standard_normal((T, N, H))), torch.as_tensor(rng.standard_normal((N, H)))
    ours = [torch.tensor(a, requires_grad=True) for a in (x, h0, c0)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, h0, c0)]
    hs, (h_T, c_T) = layer(ours[0], (ours[1], ours[2]))
    hs_ref, (h_ref, c_ref) = ref(theirs[0], (theirs[1][None], theirs[2][None]))
    assert max_abs_diff(hs.detach().numpy(), hs_ref.detach().numpy()) <= 1e-12
    assert max_abs_diff(c_T.detach().numpy(), c_ref[0].detach().numpy()) <= 1e-12
    ((G * hs).sum() + (G_c * c_T).sum()).backward()
    ((G * hs_ref).sum() + (G_c * c_ref[0]).sum()).backward()
    for a, b in zip(ours, theirs):
        assert max_abs_diff(a.grad.numpy(), b.grad.numpy()) <= 1e-10
    igo = np.r_[0:H, 2 * H:4 * H]
    assert max_abs_diff(layer.W_x.grad.numpy(), ref.weight_ih_l0.grad[igo].numpy()) <= 1e-10
    assert max_abs_diff(layer.W_h.grad.numpy(), ref.weight_hh_l0.grad[igo].numpy()) <= 1e-10
    assert max_abs_diff(layer.b.grad.numpy(), ref.bias_hh_l0.grad[igo].numpy()) <= 1e-10
    f_rows = slice(H, 2 * H)                                            # a saturated gate learns nothing
    assert torch.all(ref.weight_ih_l0.grad[f_rows] == 0) and torch.all(ref.weight_hh_l0.grad[f_rows] == 0)


# ---------------------------------------------------------------- counting
def test_count_parameters_leaves_out_masked_clockwork_entries():
    D, H = 2, 8
    expected = {"standard": 4 * H * (D + H + 1), "no_forget": 3 * H * (D + H + 1), "coupled": 3 * H * (D + H + 1),
                "peephole": 4 * H * (D + H + 1) + 3 * H}
    for kind, n in expected.items():
        assert lv.count_parameters(lv.LSTMVariant(D, H, **lv.VARIANTS[kind])) == n, kind
    assert lv.count_parameters(lv.make_srn(D, H)) == H * (D + H + 1)
    assert lv.count_parameters(lv.ClockworkRNN(D, (1, 2, 4, 8), 2)) == H * (D + 1) + 2 * 2 * (4 + 3 + 2 + 1)


# ---------------------------------------------------------------- bad input
def test_variant_functions_reject_bad_input(rng):
    with pytest.raises(ValueError, match="needs forget_gate=True"):
        lv.gate_order(forget_gate=False, coupled=True)
    with pytest.raises(ValueError, match="must be True or False"):
        lv.gate_order(forget_gate=1)
    with pytest.raises(ValueError, match="needs forget_gate=True"):
        lv.peephole_names(False, True)
    with pytest.raises(ValueError, match="peepholes must be True or False"):
        lv.variant_param_names(peepholes="yes")
    with pytest.raises(ValueError, match="H must be an integer >= 1"):
        lv.init_variant_params(2, 0)
    with pytest.raises(ValueError, match="forget_bias needs a forget gate"):
        lv.init_variant_params(2, 3, forget_gate=False, forget_bias=1.0)
    p = lv.init_variant_params(2, 3, peepholes=True)
    with pytest.raises(ValueError, match=r"exactly the keys \['W_x', 'W_h', 'b'\]"):
        lv.check_variant_params(p)
    with pytest.raises(ValueError, match="must be a dict"):
        lv.check_variant_params([1, 2])
    with pytest.raises(ValueError, match=r"W_h must have shape \(3·H, H\)"):
        lv.check_variant_params({k: p[k] for k in ("W_x", "W_h", "b")}, coupled=True)
    with pytest.raises(ValueError, match=r"p_o must have shape \(H,\) = \(3,\)"):
        lv.check_variant_params(dict(p, p_o=np.zeros(4)), peepholes=True)
    with pytest.raises(ValueError, match="float64 numpy array"):
        lv.check_variant_params(dict(p, b=p["b"].astype(np.float32)), peepholes=True)
    x, h0, c0 = rng.standard_normal((4, 2, 2)), np.zeros((2, 3)), np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"c0 must have shape \(N, H\) = \(2, 3\)"):
        lv.variant_forward(x, h0, c0[:1], p, peepholes=True)
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\) = \(T, N, 2\)"):
        lv.variant_forward(x[..., :1], h0, c0, p, peepholes=True)
    with pytest.raises(ValueError, match="at least one step"):
        lv.variant_forward(x[:0], h0, c0, p, peepholes=True)


def test_clockwork_functions_reject_bad_input(rng):
    with pytest.raises(ValueError, match="sorted fastest first"):
        lv.module_layout((4, 2, 1), 2)
    with pytest.raises(ValueError, match="non-empty sequence"):
        lv.module_layout((), 2)
    with pytest.raises(ValueError, match="each period must be an integer >= 1"):
        lv.unit_periods((1, 0), 2)
    with pytest.raises(ValueError, match="one size per period"):
        lv.clockwork_mask((1, 2), (2, 2, 2))
    with pytest.raises(ValueError, match="t must be an integer >= 0"):
        lv.active_units(-1, (1, 2), 2)
    with pytest.raises(ValueError, match="D must be an integer >= 1"):
        lv.init_clockwork_params(0, (1, 2), 2)
    p = lv.init_clockwork_params(2, (1, 2), 2)
    x, h0 = rng.standard_normal((3, 2, 2)), np.zeros((2, 4))
    with pytest.raises(ValueError, match="exactly W_hx, W_hh, b_h"):
        lv.clockwork_forward(x, h0, {"W_hx": p["W_hx"]}, (1, 2), 2)
    with pytest.raises(ValueError, match="H = 6 units"):
        lv.clockwork_forward(x, h0, p, (1, 2), 3)
    with pytest.raises(ValueError, match=r"h0 must have shape \(N, H\) = \(2, 4\)"):
        lv.clockwork_forward(x, h0[:, :3], p, (1, 2), 2)
    with pytest.raises(ValueError, match="t0 must be an integer >= 0"):
        lv.clockwork_forward(x, h0, p, (1, 2), 2, t0=1.5)


def test_modules_and_training_reject_bad_input():
    with pytest.raises(ValueError, match="hidden_size must be an integer >= 1"):
        lv.LSTMVariant(2, 0)
    with pytest.raises(ValueError, match="needs forget_gate=True"):
        lv.LSTMVariant(2, 3, forget_gate=False, coupled=True)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        lv.LSTMVariant(2, 3, seed=-1)
    m = lv.LSTMVariant(2, 3)
    with pytest.raises(ValueError, match=r"x must be a tensor of shape \(T, N, D\) = \(T, N, 2\)"):
        m(torch.zeros(4, 2, 3))
    with pytest.raises(ValueError, match=r"c0 must be a tensor of shape \(N, H\) = \(2, 3\)"):
        m(torch.zeros(4, 2, 2), (torch.zeros(2, 3), torch.zeros(1, 3)))
    with pytest.raises(ValueError, match="exactly the keys"):
        m.load_numpy_params({"W_x": np.zeros((12, 2))})
    with pytest.raises(ValueError, match=r"W_x must have shape \(12, 2\)"):
        m.load_numpy_params({"W_x": np.zeros((12, 3)), "W_h": np.zeros((12, 3)), "b": np.zeros(12)})
    with pytest.raises(ValueError, match="sorted fastest first"):
        lv.ClockworkRNN(2, (2, 1), 2)
    cw = lv.ClockworkRNN(2, (1, 2), 2)
    with pytest.raises(ValueError, match=r"h0 must be a tensor of shape \(N, H\) = \(3, 4\)"):
        cw(torch.zeros(5, 3, 2), torch.zeros(3, 5))
    with pytest.raises(ValueError, match="at least one step"):
        cw(torch.zeros(0, 3, 2))
    with pytest.raises(ValueError, match="t0 must be an integer >= 0"):
        cw(torch.zeros(5, 3, 2), t0=-1)
    with pytest.raises(ValueError, match="hidden_size must be an integer >= 1"):
        lv.make_srn(2, 0)
    with pytest.raises(ValueError, match="model must be a torch.nn.Module"):
        lv.count_parameters("model")


# ---------------------------------------------------------------- checks of the readable step functions (lecture 09)
def _no_forget_step(x_t, h, c, P):
    W = lv.split_gates(P, "igo")
    pre = {g: x_t @ Wx.T + h @ Wh.T + b for g, (Wx, Wh, b) in W.items()}
    c = c + sigmoid(pre["i"]) * np.tanh(pre["g"])
    return sigmoid(pre["o"]) * np.tanh(c), c


def test_split_gates_and_gate_slices_take_the_right_rows(rng):
    p = lv.init_variant_params(2, 3, rng=rng)
    W = lv.split_gates(p, "ifgo")
    assert list(W) == ["i", "f", "g", "o"]
    assert np.array_equal(W["g"][0], p["W_x"][6:9]) and np.array_equal(W["o"][2], p["b"][9:12])
    sliced = lv.gate_slices(p, "fgo")
    assert np.array_equal(sliced["W_h"], p["W_h"][3:12]) and sliced["b"].shape == (9,)
    assert list(lv.split_gates(sliced, "fgo")) == ["f", "g", "o"]
    assert np.array_equal(lv.gate_slices(p, "igo")["W_x"], np.concatenate([p["W_x"][:3], p["W_x"][6:]]))


def test_run_steps_and_compare_step_find_a_correct_and_a_wrong_step(rng):
    flags = lv.VARIANTS["no_forget"]
    p = lv.init_variant_params(2, 4, **flags, rng=rng)
    x, (h0, c0) = rng.standard_normal((5, 3, 2)), _states(rng, 3, 4)
    hs, c_T = lv.run_steps(_no_forget_step, x, h0, c0, p)
    hs_ref, (_, c_ref), _ = lv.variant_forward(x, h0, c0, p, **flags)
    assert max_abs_diff(hs, hs_ref) <= 1e-12 and max_abs_diff(c_T, c_ref) <= 1e-12
    assert lv.compare_step(_no_forget_step, flags) <= 1e-12
    wrong = lambda x_t, h, c, P: _no_forget_step(x_t, h, 0.9 * c, P)   # a forget gate of 0.9 sneaks in
    assert lv.compare_step(wrong, flags) > 1e-3
    with pytest.raises(ValueError, match=r"W_h must have shape \(3·H, H\)"):    # a step for another variant
        lv.compare_step(_no_forget_step, lv.VARIANTS["standard"])


def test_forced_forget_params_and_the_no_forget_check():
    layer = lv.LSTMVariant(2, 3, forget_gate=False, seed=0).double()
    forced = lv.forced_forget_params(layer.numpy_params())
    assert forced["W_x"].shape == (12, 2) and np.all(forced["W_h"][3:6] == 0) and np.all(forced["b"][3:6] == 40.0)
    assert np.array_equal(forced["W_x"][6:9], layer.numpy_params()["W_x"][3:6])           # g where torch wants it
    gaps = lv.no_forget_vs_forced_lstm(H=3, seed=0, data_seed=1)
    assert gaps["states"] <= 1e-12 and gaps["grads"] <= 1e-10 and gaps["forced_gate"] == 0.0
    partly = lv.forced_forget_params(layer.numpy_params(), big=3.0)                      # f = σ(3) < 1: no longer equal
    x, h0, c0 = (np.random.default_rng(2).standard_normal(s) for s in ((4, 2, 2), (2, 3), (2, 3)))
    with torch.no_grad():
        hs_partly, _ = lstm_to_torch(partly)(torch.as_tensor(x), (torch.as_tensor(h0[None]), torch.as_tensor(c0[None])))
    hs_ref, _, _ = lv.variant_forward(x, h0, c0, layer.numpy_params(), forget_gate=False)
    assert max_abs_diff(hs_partly.numpy(), hs_ref) > 1e-3


def test_drift_stats_measure_the_cell(rng):
    p = lv.init_variant_params(2, 4, forget_gate=False, rng=rng)
    x = rng.standard_normal((50, 3, 2))
    d = lv.drift_stats(x, p, forget_gate=False)
    _, _, trace = lv.variant_forward(x, np.zeros((3, 4)), np.zeros((3, 4)), p, forget_gate=False)
    assert d["mean |c|"].shape == d["saturated"].shape == d["dh/dc"].shape == (50,)
    assert d["mean |c|"][7] == pytest.approx(np.abs(trace["c"][7]).mean())
    assert d["max |c|"] == pytest.approx(np.abs(trace["c"]).max())
    assert d["saturated"][-1] == pytest.approx((np.abs(np.tanh(trace["c"][-1])) > 0.99).mean())
    slope = trace["o"][3] * (1 - np.tanh(trace["c"][3]) ** 2)
    assert d["dh/dc"][3] == pytest.approx(slope.mean())
    assert lv.drift_stats(x, lv.gate_slices(lv.init_variant_params(2, 4, rng=rng), "fgo"), coupled=True)["max |c|"] < 1


def test_layer_gradient_checks_cover_every_layer():
    out = lv.layer_gradient_checks(T=3, N=2, D=2, H=2, seed=0)
    assert list(out["cells"]) == ["standard", "standard + peepholes", "no forget gate", "no forget gate + peepholes",
                                  "coupled", "coupled + peepholes"]
    assert all(passed and error < 1e-6 for passed, error in out["cells"].values())
    passed, error = out["clockwork"]
    assert passed and error < 1e-6
    mask = out["clockwork_mask"]
    assert np.all(out["clockwork_grads"]["W_hh"][mask == 0] == 0.0)


def test_lecture_09_checkers_reject_bad_input(rng):
    p = lv.init_variant_params(2, 3, rng=rng)
    with pytest.raises(ValueError, match="gates must name distinct gates from 'ifgo'"):
        lv.split_gates(p, "ifgx")
    with pytest.raises(ValueError, match=r"W_h must have shape \(3·H, H\)"):
        lv.split_gates(p, "igo")
    with pytest.raises(ValueError, match="params must be a dict with W_x, W_h and b"):
        lv.split_gates({"W_x": p["W_x"]}, "ifgo")
    with pytest.raises(TypeError, match="step must be a function"):
        lv.run_steps("step", np.zeros((2, 1, 2)), np.zeros((1, 3)), np.zeros((1, 3)), p)
    with pytest.raises(ValueError, match="x must be a float64 numpy array"):
        lv.run_steps(_no_forget_step, [[0.0]], np.zeros((1, 3)), np.zeros((1, 3)), p)
    with pytest.raises(ValueError, match="flags must be a dict of forget_gate, peepholes, coupled"):
        lv.compare_step(_no_forget_step, {"coupled": True})
    with pytest.raises(ValueError, match="big must be > 0"):
        lv.forced_forget_params(lv.gate_slices(p, "igo"), big=-1.0)
    with pytest.raises(ValueError, match="params must have exactly the keys"):
        lv.drift_stats(np.zeros((3, 1, 2)), p, peepholes=True)
    with pytest.raises(ValueError, match="H must be an integer >= 1"):
        lv.layer_gradient_checks(H=0)
