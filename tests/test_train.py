"""course_utils.train: the torch sequence regressor, its training loop, and the numpy SRN regression loss."""
import math

import numpy as np
import pytest
import torch

from course_utils import srn
from course_utils.checks import numerical_gradient, rel_error
from course_utils.tasks import ADDING_BASELINE_MSE
from course_utils.train import (History, SequenceRegressor, adding_task, evaluate_mse, heldout_set, recall_task,
                                srn_regression_loss_and_grads, train_regressor)


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
    model = SequenceRegressor("rnn", 2, 4, seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\) = \(T, N, 2\)"):
        model(torch.zeros(5, 3))
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\)"):
        model(torch.zeros(5, 3, 4))


# ---------------------------------------------------------------- tasks and held-out set
def test_recall_task_targets_the_first_input(rng):
    x, y = recall_task(6)(500, rng)
    assert x.shape == (6, 500, 1) and y.shape == (500,)
    assert np.array_equal(y, x[0, :, 0])
    assert np.mean(y ** 2) == pytest.approx(1 / 3, abs=0.05)   # the baseline of answering 0


def test_adding_task_wraps_the_adding_problem(rng):
    x, y = adding_task(12)(300, rng)
    assert x.shape == (12, 300, 2) and y.shape == (300,)
    assert np.allclose((x[..., 0] * x[..., 1]).sum(axis=0), y)


def test_heldout_set_is_what_training_evaluates_on():
    task = adding_task(5)
    model = SequenceRegressor("rnn", 2, 8, seed=0)
    x, y = heldout_set(task, 64, seed=3)
    before = evaluate_mse(model, x, y)
    hist = train_regressor(model, task, steps=1, eval_size=64, seed=3)
    assert hist.eval_mse[0] == pytest.approx(before, rel=1e-6)


def test_tasks_reject_bad_input():
    with pytest.raises(ValueError, match="T must be an integer >= 2"):
        adding_task(1)
    with pytest.raises(ValueError, match="T must be an integer >= 2"):
        recall_task(1)
    with pytest.raises(ValueError, match="N must be an integer >= 1"):
        recall_task(3)(0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="task must be a callable"):
        heldout_set("adding", 10)
    with pytest.raises(ValueError, match="size must be an integer >= 1"):
        heldout_set(adding_task(4), 0)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        heldout_set(adding_task(4), 5, seed=-2)


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
    for name in ("steps", "train_mse", "eval_mse", "grad_norm"):
        assert np.array_equal(getattr(h1, name), getattr(h2, name), equal_nan=True), name
    assert _params_equal(m1, m2)
    assert h1.eval_mse != h3.eval_mse      # another initialisation
    assert h1.train_mse[1:] != h4.train_mse[1:]   # other batches


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

    assert hist.train_mse[1] == pytest.approx(loss.item(), rel=1e-6)
    assert hist.grad_norm[1] == pytest.approx(float(norm), rel=1e-6)
    assert hist.grad_norm[1] > clip, "the test must actually clip"
    for p, q in zip(model.parameters(), ref.parameters()):
        assert torch.allclose(p, q, atol=1e-7)


def test_history_layout_and_time_limit():
    model = SequenceRegressor("rnn", 1, 4, seed=0)
    hist = train_regressor(model, _mean_task, steps=25, eval_every=10, seed=0)
    assert hist.steps == [0, 10, 20, 25]
    assert math.isnan(hist.train_mse[0]) and math.isnan(hist.grad_norm[0])
    assert all(np.isfinite(hist.train_mse[1:])) and all(g > 0 for g in hist.grad_norm[1:])
    assert hist.seconds == sorted(hist.seconds) and hist.final_eval_mse() == hist.eval_mse[-1]
    timed = train_regressor(SequenceRegressor("rnn", 1, 4, seed=0), _mean_task, time_limit=0.2, eval_every=10**6)
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


def test_adding_problem_baseline_is_what_an_untrained_mean_predictor_gets():
    x, y = heldout_set(adding_task(20), 20000, seed=0)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_BASELINE_MSE, abs=0.005)


def test_train_rejects_bad_input():
    model = SequenceRegressor("rnn", 1, 4, seed=0)
    with pytest.raises(ValueError, match="model must be a SequenceRegressor"):
        train_regressor(torch.nn.RNN(1, 4), _mean_task, steps=1)
    with pytest.raises(ValueError, match="task must be a callable"):
        train_regressor(model, "adding", steps=1)
    with pytest.raises(ValueError, match="give steps or time_limit"):
        train_regressor(model, _mean_task)
    bad = {"steps": 0, "time_limit": -1.0, "batch_size": 0, "lr": 0.0, "clip": 0.0,
           "weight_decay": -0.1, "eval_size": 0, "eval_every": 0, "target_mse": 0.0, "seed": -1}
    for name, value in bad.items():
        kwargs = {"steps": 2, name: value}
        with pytest.raises(ValueError, match=name):
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
    with pytest.raises(ValueError, match="model must be a SequenceRegressor"):
        evaluate_mse(object(), x, y)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        evaluate_mse(model, x, y, batch_size=0)
    with pytest.raises(ValueError, match=r"y must have shape \(N, O\) = \(50, 1\)"):
        evaluate_mse(model, x, y[:10])


def test_history_final_eval_mse_needs_entries():
    with pytest.raises(ValueError, match="the history is empty"):
        History().final_eval_mse()


# ---------------------------------------------------------------- numpy SRN regression loss
@pytest.mark.parametrize("T, N, D, H, O, one_d", [(5, 3, 2, 4, 1, True), (3, 2, 1, 3, 2, False), (1, 1, 1, 1, 1, False)])
def test_srn_regression_gradients_match_finite_differences(rng, T, N, D, H, O, one_d):
    params = srn.init_params(D, H, O, rng=rng)
    x = rng.standard_normal((T, N, D))
    y = rng.standard_normal((N,) if one_d else (N, O))
    h0 = rng.standard_normal((N, H)) * 0.3
    loss, grads = srn_regression_loss_and_grads(params, x, y, h0=h0)
    pred = np.tanh(x[0] @ params["W_hx"].T + h0 @ params["W_hh"].T + params["b_h"])
    for t in range(1, T):       # independent forward pass, step by step
        pred = np.tanh(x[t] @ params["W_hx"].T + pred @ params["W_hh"].T + params["b_h"])
    pred = pred @ params["W_oh"].T + params["b_o"]
    assert loss == pytest.approx(np.mean((pred - y.reshape(N, O)) ** 2), rel=1e-12)
    for name, p in params.items():
        num = numerical_gradient(lambda: srn_regression_loss_and_grads(params, x, y, h0=h0)[0], p)
        assert rel_error(num, grads[name]) < 1e-6, name


def test_srn_regression_matches_torch_sequence_regressor():
    model = SequenceRegressor("rnn", 2, 5, seed=2).double()
    get = lambda t: t.detach().numpy().copy()
    r = model.rnn
    params = {"W_hx": get(r.weight_ih_l0), "W_hh": get(r.weight_hh_l0), "b_h": get(r.bias_ih_l0 + r.bias_hh_l0),
              "W_oh": get(model.head.weight), "b_o": get(model.head.bias)}
    x, y = adding_task(6)(8, np.random.default_rng(1))
    loss, grads = srn_regression_loss_and_grads(params, x, y)
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
        srn_regression_loss_and_grads({k: v for k, v in params.items() if k != "W_oh"}, x, np.zeros(5))
    with pytest.raises(ValueError, match=r"x must be a numpy array of shape \(T, N, D\)"):
        srn_regression_loss_and_grads(params, x[0], np.zeros(5))
    with pytest.raises(ValueError, match=r"y must have shape \(N, O\) = \(5, 1\)"):
        srn_regression_loss_and_grads(params, x, np.zeros(4))
    with pytest.raises(ValueError, match="y must be finite"):
        srn_regression_loss_and_grads(params, x, np.full(5, np.nan))


# ------------------------------------------------------------------ classification and tagging (lecture 11)
from course_utils.train import (IGNORE_INDEX, ClassifierHistory, SequenceClassifier, evaluate_accuracy, pad_batch,
                                predict, segmentation_task, train_classifier)


def _ragged(rng, N=5, V=7, T_max=6):
    seqs = [rng.integers(0, V, size=rng.integers(1, T_max + 1)) for _ in range(N)]
    seqs[0] = rng.integers(0, V, size=T_max)          # one of full length
    return seqs


def test_pad_batch_is_time_major_with_lengths(rng):
    seqs = [np.array([3, 1, 4]), np.array([1]), np.array([5, 9])]
    x, lengths = pad_batch(seqs, pad_id=-7)
    assert x.shape == (3, 3) and x.dtype == np.int64 and list(lengths) == [3, 1, 2]
    assert list(x[:, 0]) == [3, 1, 4] and list(x[:, 1]) == [1, -7, -7] and list(x[:, 2]) == [5, 9, -7]


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("readout", ["last", "mean", "each"])
def test_classifier_on_a_padded_batch_equals_each_sequence_alone(rng, cell, bidirectional, readout):
    V = 7
    model = SequenceClassifier(cell, 4, 5, 3, vocab_size=V, num_layers=2, bidirectional=bidirectional,
                               readout=readout, seed=0).double()
    seqs = _ragged(rng, V=V)
    x, lengths = pad_batch(seqs)
    with torch.no_grad():
        batch = model(torch.as_tensor(x), lengths)
        for j, s in enumerate(seqs):
            alone = model(torch.as_tensor(s)[:, None])            # no padding, no lengths
            got = batch[:len(s), j] if readout == "each" else batch[j]
            assert torch.allclose(got, alone[:, 0] if readout == "each" else alone[0], atol=1e-12)


def test_classifier_readouts_follow_their_definitions(rng):
    model = SequenceClassifier("lstm", 3, 4, 2, bidirectional=True, seed=1).double()
    x = torch.as_tensor(rng.standard_normal((6, 2, 3)))
    out, (h_n, _) = model.rnn(x)
    H = 4
    with torch.no_grad():
        last = model.features(x)
        # last = [forward state after x_T ; backward state after x_1] = out[-1, :, :H] and out[0, :, H:]
        assert torch.allclose(last, torch.cat([out[-1, :, :H], out[0, :, H:]], dim=1), atol=1e-12)
        model.readout = "mean"
        assert torch.allclose(model.features(x), out.mean(dim=0), atol=1e-12)
        model.readout = "each"
        assert torch.allclose(model(x), model.head(out), atol=1e-12)


def test_train_classifier_learns_a_separable_task_and_logs():
    g = np.random.default_rng(0)
    seqs = [g.integers(2, 6, size=g.integers(2, 7)) for _ in range(200)]
    labels = np.array([int(s[0] >= 4) for s in seqs])          # the class is set by the FIRST token
    x, lengths = pad_batch(seqs)
    model = SequenceClassifier("gru", 8, 16, 2, vocab_size=6, seed=0)
    hist = train_classifier(model, x, labels, lengths=lengths, steps=150, batch_size=32, lr=1e-2,
                            eval_data=(x, labels, lengths), eval_every=50, seed=0)
    assert isinstance(hist, ClassifierHistory) and hist.steps == [50, 100, 150]
    assert len(hist.train_loss) == len(hist.eval_accuracy) == len(hist.seconds) == 3
    assert hist.train_loss[-1] < hist.train_loss[0]
    assert evaluate_accuracy(model, x, labels, lengths) == hist.eval_accuracy[-1] >= 0.97
    assert predict(model, x, lengths).shape == (200,)


def test_train_classifier_is_deterministic_and_cosine_ends_at_zero():
    g = np.random.default_rng(1)
    x = g.standard_normal((5, 40, 3)).astype(np.float32)
    y = (x[0, :, 0] > 0).astype(np.int64)
    runs = []
    for _ in range(2):
        m = SequenceClassifier("lstm", 3, 6, 2, seed=3)
        train_classifier(m, x, y, steps=7, batch_size=16, seed=2, label_smoothing=0.1)
        runs.append(torch.cat([p.detach().flatten() for p in m.parameters()]))
    assert torch.equal(runs[0], runs[1])


def test_tagging_accuracy_ignores_padding():
    model = SequenceClassifier("rnn", 2, 3, 4, vocab_size=5, readout="each", seed=0)
    x, lengths = pad_batch([np.array([1, 2, 3]), np.array([4])])
    pred = predict(model, x, lengths)
    assert pred.shape == (3, 2)
    y = np.full((3, 2), IGNORE_INDEX)
    y[:3, 0], y[0, 1] = pred[:3, 0], (pred[0, 1] + 1) % 4      # 3 right, 1 wrong, 2 padded
    assert evaluate_accuracy(model, x, y, lengths) == pytest.approx(0.75)


def test_segmentation_task_tags_bmes():
    task = segmentation_task(["A", "Ab", "Abc"], min_words=1, max_words=3)
    assert task.alphabet == ["A", "b", "c"]
    chars, tags = task(50, np.random.default_rng(0))
    for c, t in zip(chars, tags):
        text = "".join(task.alphabet[i] for i in c)
        words = [w for w in text.replace("A", " A").split()]
        expect = []
        for w in words:
            expect += [3] if len(w) == 1 else [0] + [1] * (len(w) - 2) + [2]
        assert list(t) == expect and len(c) == len(t)
    again = task(50, np.random.default_rng(0))
    assert all(np.array_equal(a, b) for a, b in zip(chars, again[0]))


def test_classifier_and_tagging_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="seqs is empty"):
        pad_batch([])
    with pytest.raises(ValueError, match=r"seqs\[1\] must be a non-empty 1-D sequence of integers"):
        pad_batch([np.array([1]), np.array([0.5])])
    with pytest.raises(ValueError, match="readout must be one of"):
        SequenceClassifier("lstm", 2, 3, 2, readout="max")
    with pytest.raises(ValueError, match="num_classes must be an integer >= 2"):
        SequenceClassifier("lstm", 2, 3, 1)
    with pytest.raises(ValueError, match="bidirectional must be True or False"):
        SequenceClassifier("lstm", 2, 3, 2, bidirectional=1)
    model = SequenceClassifier("lstm", 2, 3, 2, vocab_size=4, seed=0)
    with pytest.raises(ValueError, match=r"x must be an integer tensor \(T, N\)"):
        model(torch.zeros(3, 2, 2))
    with pytest.raises(ValueError, match=r"lengths must be N = 2 integers in \[1, T = 3\]"):
        model(torch.zeros(3, 2, dtype=torch.long), np.array([4, 1]))
    feats = SequenceClassifier("gru", 2, 3, 2)
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\) = \(T, N, 2\)"):
        feats(torch.zeros(3, 2, 5))
    x = np.zeros((3, 4), dtype=np.int64)
    with pytest.raises(ValueError, match=r"y must be integer class labels of shape \(4,\)"):
        train_classifier(model, x, np.zeros(3, dtype=np.int64), steps=1)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        train_classifier(model, x, np.array([0, 1, 2, 0]), steps=1)
    with pytest.raises(ValueError, match="x must be integer token ids"):
        train_classifier(model, np.zeros((3, 4, 2)), np.zeros(4, dtype=np.int64), steps=1)
    with pytest.raises(ValueError, match=r"lengths must have shape \(N,\) = \(4,\)"):
        train_classifier(model, x, np.zeros(4, dtype=np.int64), lengths=np.ones(3, dtype=np.int64), steps=1)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        train_classifier(model, x, np.zeros(4, dtype=np.int64), steps=0)
    with pytest.raises(ValueError, match="label_smoothing must be < 1"):
        train_classifier(model, x, np.zeros(4, dtype=np.int64), steps=1, label_smoothing=1.0)
    with pytest.raises(ValueError, match=r"eval_data must be a tuple \(x, y\)"):
        train_classifier(model, x, np.zeros(4, dtype=np.int64), steps=1, eval_data=[x])
    with pytest.raises(ValueError, match="model must be a SequenceClassifier"):
        train_classifier(SequenceRegressor("rnn", 1, 2), x, np.zeros(4, dtype=np.int64), steps=1)
    with pytest.raises(ValueError, match="model must be a SequenceClassifier"):
        evaluate_accuracy("model", x, np.zeros(4))
    with pytest.raises(ValueError, match="model must be a SequenceClassifier"):
        predict(None, x)
    with pytest.raises(ValueError, match="lexicon must be a non-empty list of non-empty strings"):
        segmentation_task("Abc")
    with pytest.raises(ValueError, match="max_words must be an integer >= 3"):
        segmentation_task(["a"], min_words=3, max_words=2)
    with pytest.raises(ValueError, match="N must be an integer >= 1"):
        segmentation_task(["a"])(0, np.random.default_rng(0))
