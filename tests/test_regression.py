"""course_utils.regression: the torch sequence regressors and their training on the tasks of course_utils.tasks."""
import math

import numpy as np
import pytest
import torch

from course_utils import lstm_variants as lv
from course_utils import srn
from course_utils.lstm_variants import count_parameters
from course_utils.regression import (
    LastStateRegressor,
    SequenceRegressor,
    evaluate_mse,
    heldout_set,
    train_regressor,
    variant_regressor,
)
from course_utils.tasks import ADDING_BASELINE_MSE, adding_task
from course_utils.train import History

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _mean_task(N, rng):
    """A tiny task any cell can learn: the mean of 4 inputs."""
    x = rng.uniform(-1, 1, size=(4, N, 1))
    return x, x[:, :, 0].mean(axis=0)


def get_head(model):
    return model.head.weight.detach().numpy(), model.head.bias.detach().numpy()


def _params_equal(a, b):
    return all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


# ---------------------------------------------------------------- the model
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_regressor_shapes_and_last_state_head(cell, num_layers):
    model = SequenceRegressor(cell, input_size=3, hidden_size=5, output_size=2, num_layers=num_layers, seed=0)
    x = torch.randn(7, 4, 3)
    out = model(x)
    assert out.shape == (4, 2) and out.dtype == torch.float32
    states, _ = model.rnn(x)   # independent computation: head applied to the top layer's last state
    assert torch.allclose(out, states[-1] @ model.head.weight.T + model.head.bias)


def test_regressor_rnn_is_the_course_srn():
    """The 'rnn' cell is a tanh SRN: its last state equals the numpy srn.forward with copied weights."""
    model = SequenceRegressor("rnn", 2, 6, seed=3).double()
    x = np.random.default_rng(0).standard_normal((5, 3, 2))
    r = model.rnn
    get = lambda n: getattr(r, n).detach().numpy()
    hs, _ = srn.forward(x, np.zeros((3, 6)), get("weight_ih_l0"), get("weight_hh_l0"),
                        get("bias_ih_l0") + get("bias_hh_l0"))
    pred = hs[-1] @ get_head(model)[0].T + get_head(model)[1]
    assert np.allclose(model(torch.as_tensor(x)).detach().numpy(), pred, atol=1e-12)


def test_regressor_seed_is_reproducible_and_leaves_global_rng_alone():
    state = torch.get_rng_state()
    a = SequenceRegressor("gru", 2, 8, seed=5)
    b = SequenceRegressor("gru", 2, 8, seed=5)
    c = SequenceRegressor("gru", 2, 8, seed=6)
    assert torch.equal(state, torch.get_rng_state())
    assert _params_equal(a, b) and not _params_equal(a, c)


def test_forget_bias_sets_the_sum_of_both_lstm_biases():
    model = SequenceRegressor("lstm", 2, 4, num_layers=2, forget_bias=1.0, seed=0)
    for layer in range(2):
        total = getattr(model.rnn, f"bias_ih_l{layer}") + getattr(model.rnn, f"bias_hh_l{layer}")
        assert torch.allclose(total[4:8], torch.ones(4))
        assert not torch.allclose(total[:4], torch.ones(4))   # other gates keep their random init


@pytest.mark.parametrize("init", ["orthogonal", "identity"])
def test_regressor_init_and_nonlinearity_reach_the_rnn(init):
    model = SequenceRegressor("rnn", 2, 6, nonlinearity="relu", init=init, seed=4).double()
    W = model.rnn.weight_hh_l0.detach().numpy()
    assert model.rnn.nonlinearity == "relu"
    assert np.max(np.abs(W.T @ W - np.eye(6))) < 1e-6        # drawn in float32, then converted
    assert np.array_equal(W, np.eye(6)) == (init == "identity")
    x = np.random.default_rng(0).uniform(0, 1, (5, 3, 2))    # the IRNN's last state by hand: ReLU(a_t)
    h = np.zeros((3, 6))
    W_hx = model.rnn.weight_ih_l0.detach().numpy()
    b = (model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0).detach().numpy()
    for t in range(5):
        h = np.maximum(x[t] @ W_hx.T + h @ W.T + b, 0.0)
    pred = h @ get_head(model)[0].T + get_head(model)[1]
    assert np.allclose(model(torch.as_tensor(x)).detach().numpy(), pred, atol=1e-12)


def test_regressor_default_init_is_unchanged_by_the_new_options():
    """init="default" draws nothing more, so the lectures' seeded models keep their weights."""
    assert _params_equal(SequenceRegressor("rnn", 2, 8, seed=1), SequenceRegressor("rnn", 2, 8, init="default", seed=1))
    irnn = SequenceRegressor("rnn", 2, 8, nonlinearity="relu", init="identity", seed=1)
    assert torch.equal(irnn.head.weight, SequenceRegressor("rnn", 2, 8, seed=1).head.weight)   # same head


def test_regressor_rejects_bad_input():
    with pytest.raises(ValueError, match="cell must be one of"):
        SequenceRegressor("transformer", 2, 4)
    with pytest.raises(ValueError, match="hidden_size must be an integer >= 1"):
        SequenceRegressor("rnn", 2, 0)
    with pytest.raises(ValueError, match="input_size must be an integer"):
        SequenceRegressor("rnn", 2.5, 4)
    with pytest.raises(ValueError, match="output_size must be an integer"):
        SequenceRegressor("rnn", 2, 4, output_size=0)
    with pytest.raises(ValueError, match="num_layers must be an integer"):
        SequenceRegressor("rnn", 2, 4, num_layers=0)
    with pytest.raises(ValueError, match="forget_bias applies to cell='lstm' only"):
        SequenceRegressor("gru", 2, 4, forget_bias=1.0)
    with pytest.raises(ValueError, match="forget_bias must be a finite"):
        SequenceRegressor("lstm", 2, 4, forget_bias=float("nan"))
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        SequenceRegressor("rnn", 2, 4, seed=-1)
    with pytest.raises(ValueError, match=r"nonlinearity must be one of \['relu', 'tanh'\], got 'sigmoid'"):
        SequenceRegressor("rnn", 2, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="nonlinearity applies to cell='rnn' only"):
        SequenceRegressor("gru", 2, 4, nonlinearity="relu")
    with pytest.raises(ValueError, match=r"init must be one of \['default', 'identity', 'orthogonal'\], got 'eye'"):
        SequenceRegressor("rnn", 2, 4, init="eye")
    with pytest.raises(ValueError, match="init='identity' \\(IRNN\\) is defined for nn.RNN only"):
        SequenceRegressor("lstm", 2, 4, init="identity")
    model = SequenceRegressor("rnn", 2, 4, seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\) = \(T, N, 2\)"):
        model(torch.zeros(5, 3))
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\)"):
        model(torch.zeros(5, 3, 4))


@pytest.mark.slow
def test_heldout_set_is_what_training_evaluates_on():
    task = adding_task(5)
    model = SequenceRegressor("rnn", 2, 8, seed=0)
    x, y = heldout_set(task, 64, seed=3)
    before = evaluate_mse(model, x, y)
    hist = train_regressor(model, task, steps=1, eval_size=64, seed=3)
    assert hist.eval_mse[0] == pytest.approx(before, rel=1e-6)


def test_heldout_set_rejects_bad_input():
    with pytest.raises(ValueError, match="task must be a callable"):
        heldout_set("adding", 10)
    with pytest.raises(ValueError, match="size must be an integer >= 1"):
        heldout_set(adding_task(4), 0)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        heldout_set(adding_task(4), 5, seed=-2)


def test_adding_problem_baseline_is_what_an_untrained_mean_predictor_gets():
    x, y = heldout_set(adding_task(20), 20000, seed=0)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_BASELINE_MSE, abs=0.005)


# ---------------------------------------------------------------- training
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_train_learns_a_tiny_task(cell):
    model = SequenceRegressor(cell, 1, 16, seed=0)
    hist = train_regressor(model, _mean_task, steps=300, lr=1e-2, eval_every=100, seed=0)
    assert hist.steps == [0, 100, 200, 300]
    assert hist.eval_mse[-1] < hist.eval_mse[0] / 20
    assert hist.eval_mse[-1] < 0.01          # the target's variance is 1/12 ≈ 0.083
    assert not hist.diverged


def test_train_is_deterministic_given_the_seeds():
    def run(model_seed, data_seed):
        model = SequenceRegressor("gru", 2, 8, seed=model_seed)
        hist = train_regressor(model, adding_task(6), steps=30, eval_every=10, seed=data_seed, clip=1.0)
        return hist, model

    (h1, m1), (h2, m2), (h3, _), (h4, _) = run(0, 0), run(0, 0), run(1, 0), run(0, 1)
    for name in ("steps", "train_loss", "eval_mse", "grad_norm"):
        assert np.array_equal(getattr(h1, name), getattr(h2, name), equal_nan=True), name
    assert _params_equal(m1, m2)
    assert h1.eval_mse != h3.eval_mse      # another initialisation
    assert h1.train_loss[1:] != h4.train_loss[1:]   # other batches


def test_one_step_equals_a_hand_written_adam_step_with_clipping():
    """Independent computation of the first update: the batch from the seeded generator,
    MSE, torch's global-norm clipping, then Adam."""
    task, seed, clip, lr = adding_task(7), 4, 0.05, 1e-2
    model = SequenceRegressor("lstm", 2, 5, seed=1)
    ref = SequenceRegressor("lstm", 2, 5, seed=1)
    hist = train_regressor(model, task, steps=1, batch_size=16, lr=lr, clip=clip, seed=seed, eval_size=8)

    batch_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[0])
    x, y = task(16, batch_rng)
    loss = ((ref(torch.as_tensor(x, dtype=torch.float32))[:, 0] - torch.as_tensor(y, dtype=torch.float32)) ** 2).mean()
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(ref.parameters(), clip)
    torch.optim.Adam(ref.parameters(), lr=lr).step()

    assert hist.train_loss[1] == pytest.approx(loss.item(), rel=1e-6)
    assert hist.grad_norm[1] == pytest.approx(float(norm), rel=1e-6)
    assert hist.grad_norm[1] > clip, "the test must actually clip"
    for p, q in zip(model.parameters(), ref.parameters()):
        assert torch.allclose(p, q, atol=1e-7)


def test_history_layout_and_time_limit():
    model = SequenceRegressor("rnn", 1, 4, seed=0)
    hist = train_regressor(model, _mean_task, steps=25, eval_every=10, seed=0)
    assert hist.steps == [0, 10, 20, 25]
    assert math.isnan(hist.train_loss[0]) and math.isnan(hist.grad_norm[0])
    assert all(np.isfinite(hist.train_loss[1:])) and all(g > 0 for g in hist.grad_norm[1:])
    assert hist.seconds == sorted(hist.seconds) and hist.final_eval_mse() == hist.eval_mse[-1]
    # the step-0 evaluation counts against the budget: a small held-out set and a budget of 1 s leave room for
    # updates even on a busy machine
    timed = train_regressor(SequenceRegressor("rnn", 1, 4, seed=0), _mean_task, time_limit=1.0, eval_every=10**6,
                            eval_size=8)
    assert 1 <= timed.steps[-1] < 10**6 and timed.seconds[-1] < 5
    both = train_regressor(SequenceRegressor("rnn", 1, 4, seed=0), _mean_task, steps=3, time_limit=60.0)
    assert both.steps == [0, 3]


def test_target_mse_stops_at_the_first_evaluation_below_it():
    full = train_regressor(SequenceRegressor("rnn", 1, 4, seed=0), _mean_task, steps=200, eval_every=10, seed=0)
    target = full.eval_mse[5] * 1.0001          # first reached at step 50 (or earlier)
    first = next(s for s, m in zip(full.steps, full.eval_mse) if m < target)
    stopped = train_regressor(SequenceRegressor("rnn", 1, 4, seed=0), _mean_task, steps=200, eval_every=10,
                              target_mse=target, seed=0)
    assert stopped.steps[-1] == first and stopped.eval_mse == full.eval_mse[:len(stopped.eval_mse)]
    already = train_regressor(SequenceRegressor("rnn", 1, 4, seed=0), _mean_task, steps=200, target_mse=1e9)
    assert already.steps == [0]


def test_flush_denormal_is_on_only_while_training(monkeypatch):
    calls = []
    monkeypatch.setattr(torch, "set_flush_denormal", lambda mode: calls.append(mode) or True)
    plain = train_regressor(SequenceRegressor("rnn", 1, 4, seed=0), _mean_task, steps=3, seed=0)
    assert calls == []
    flushed = train_regressor(SequenceRegressor("rnn", 1, 4, seed=0), _mean_task, steps=3, flush_denormal=True, seed=0)
    assert calls == [True, False] and flushed.eval_mse == plain.eval_mse


def test_training_follows_the_model_dtype():
    model = SequenceRegressor("gru", 1, 4, seed=0).double()
    hist = train_regressor(model, _mean_task, steps=5, eval_size=16)
    assert model.head.weight.dtype == torch.float64 and np.isfinite(hist.eval_mse[-1])


def test_training_stops_when_the_loss_is_not_finite():
    def bad_task(N, rng):
        x = rng.uniform(size=(3, N, 1))
        return x, np.full(N, np.inf)

    hist = train_regressor(SequenceRegressor("rnn", 1, 4, seed=0), bad_task, steps=50, eval_size=4)
    assert hist.diverged and hist.steps == [0, 1]


def test_progress_bar_goes_to_stderr_only(capsys):
    train_regressor(SequenceRegressor("rnn", 1, 4, seed=0), _mean_task, steps=3, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "rnn training" in err
    train_regressor(SequenceRegressor("rnn", 1, 4, seed=0), _mean_task, steps=3)
    assert capsys.readouterr() == ("", "")


def test_train_rejects_bad_input():
    model = SequenceRegressor("rnn", 1, 4, seed=0)
    with pytest.raises(ValueError, match="model must be a SequenceRegressor or a LastStateRegressor"):
        train_regressor(torch.nn.RNN(1, 4), _mean_task, steps=1)
    with pytest.raises(ValueError, match="task must be a callable"):
        train_regressor(model, "adding", steps=1)
    with pytest.raises(ValueError, match="give steps or time_limit"):
        train_regressor(model, _mean_task)
    bad = {"steps": 0, "time_limit": -1.0, "batch_size": 0, "lr": 0.0, "clip": 0.0,
           "weight_decay": -0.1, "eval_size": 0, "eval_every": 0, "target_mse": 0.0, "seed": -1}
    for name, value in bad.items():
        kwargs = {"steps": 2, name: value}
        with pytest.raises(ValueError, match=f"^{name} must"):
            train_regressor(model, _mean_task, **kwargs)
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\) = \(T, N, 1\)"):
        train_regressor(model, adding_task(5), steps=1)      # two input channels, model expects one
    with pytest.raises(ValueError, match=r"y must have shape \(N, O\) = \(64, 1\) or \(N,\)"):
        train_regressor(model, lambda N, rng: (np.zeros((3, N, 1)), np.zeros((N, 3))), steps=1, eval_size=64)


def test_evaluate_mse_against_numpy_and_bad_input():
    model = SequenceRegressor("rnn", 1, 4, seed=0)
    x, y = _mean_task(50, np.random.default_rng(0))
    with torch.no_grad():
        pred = model(torch.as_tensor(x, dtype=torch.float32)).numpy()[:, 0]
    assert evaluate_mse(model, x, y, batch_size=7) == pytest.approx(np.mean((pred - y) ** 2), rel=1e-5)
    with pytest.raises(ValueError, match="model must be a SequenceRegressor or a LastStateRegressor"):
        evaluate_mse(object(), x, y)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        evaluate_mse(model, x, y, batch_size=0)
    with pytest.raises(ValueError, match=r"y must have shape \(N, O\) = \(50, 1\)"):
        evaluate_mse(model, x, y[:10])


def test_variant_regressor_counts_and_shapes():
    D, H = 2, 8
    expected = {"standard": 4 * H * (D + H + 1), "no_forget": 3 * H * (D + H + 1), "coupled": 3 * H * (D + H + 1),
                "peephole": 4 * H * (D + H + 1) + 3 * H, "srn": H * (D + H + 1),
                "clockwork": H * (D + 1) + 2 * 2 * (4 + 3 + 2 + 1)}
    for kind, n in expected.items():
        model = variant_regressor(kind, D, H, seed=0)
        assert count_parameters(model) == n + H + 1, kind         # + the linear head
        assert model(torch.zeros(5, 3, D)).shape == (3, 1)
    std = variant_regressor("standard", D, H, forget_bias=1.0, seed=0).core.numpy_params()["b"]
    assert np.all(std[H:2 * H] > 1.0 - 1 / np.sqrt(H))


def test_training_a_variant_regressor_learns_a_tiny_task_and_is_reproducible():
    def task(N, rng):
        x = rng.uniform(-1, 1, size=(3, N, 1))
        return x, x[:, :, 0].mean(axis=0)

    runs = []
    for _ in range(2):
        model = variant_regressor("coupled", 1, 4, seed=0)
        runs.append(train_regressor(model, task, steps=60, lr=0.03, batch_size=32, clip=1.0, eval_every=20, seed=1))
    h = runs[0]
    assert isinstance(h, History) and h.steps == [0, 20, 40, 60]
    assert h.eval_mse[-1] < 0.3 * h.eval_mse[0]
    assert h.eval_mse == runs[1].eval_mse
    assert all(n > 0 for n in h.grad_norm[1:])


def test_last_state_regressor_head_and_bad_input():
    core = lv.LSTMVariant(2, 3, seed=0)
    model = LastStateRegressor(core, output_size=2, seed=5)
    x = torch.randn(4, 6, 2)
    hs, _ = core(x)
    assert torch.allclose(model(x), hs[-1] @ model.head.weight.T + model.head.bias)
    assert model.input_size == 2 and model.output_size == 2
    k = 1 / np.sqrt(3)
    again = LastStateRegressor(lv.LSTMVariant(2, 3, seed=0), output_size=2, seed=5)
    assert torch.equal(model.head.weight, again.head.weight) and model.head.weight.abs().max() <= k
    with pytest.raises(ValueError, match="core must be an LSTMVariant or a ClockworkRNN"):
        LastStateRegressor(torch.nn.LSTM(2, 3))
    with pytest.raises(ValueError, match="output_size must be an integer >= 1"):
        LastStateRegressor(lv.ClockworkRNN(2, (1, 2), 2), output_size=0)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        LastStateRegressor(core, seed=-1)
    with pytest.raises(ValueError, match="kind must be one of"):
        variant_regressor("gru", 2, 4)
    with pytest.raises(ValueError, match="split evenly over the 4 periods"):
        variant_regressor("clockwork", 2, 6)
    with pytest.raises(ValueError, match="model must be a SequenceRegressor or a LastStateRegressor"):
        train_regressor(torch.nn.Linear(1, 1), adding_task(3), steps=1)


def test_regressors_read_the_same_task_the_same_way():
    """A LastStateRegressor around the SRN layer of lstm_variants and a SequenceRegressor("rnn") with the
    same weights give the same predictions, so lecture 09 compares with lectures 06 and 08 like with like."""
    cw = variant_regressor("srn", 2, 4, seed=0).double()
    ref = SequenceRegressor("rnn", 2, 4, seed=0).double()
    with torch.no_grad():
        ref.rnn.weight_ih_l0.copy_(cw.core.W_hx)
        ref.rnn.weight_hh_l0.copy_(cw.core.W_hh)
        ref.rnn.bias_ih_l0.copy_(cw.core.b_h)
        ref.rnn.bias_hh_l0.zero_()
        ref.head.load_state_dict(cw.head.state_dict())
    x, y = heldout_set(adding_task(6), 50, seed=2)
    assert evaluate_mse(cw, x, y) == pytest.approx(evaluate_mse(ref, x, y), rel=1e-12)
