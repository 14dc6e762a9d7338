"""course_utils.train: the training core (one loop, one History) against hand-written updates."""
import math

import numpy as np
import pytest
import torch

from course_utils.train import History, fit, fresh_batches, shuffled_batches

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _line_task(N, rng):
    """y = 2x − 1 plus nothing: a linear model learns it exactly."""
    x = rng.uniform(-1, 1, size=(N, 1))
    return x, 2 * x - 1


def _setup(seed=0):
    torch.manual_seed(seed)
    model = torch.nn.Linear(1, 1).double()

    def mse(batch):
        x, y = (torch.as_tensor(a) for a in batch)
        return ((model(x) - y) ** 2).mean()

    def evaluate():
        x = torch.linspace(-1, 1, 11, dtype=torch.float64)[:, None]
        with torch.no_grad():
            return {"mse": float(((model(x) - (2 * x - 1)) ** 2).mean())}

    return model, mse, evaluate


# ---------------------------------------------------------------- batches
def test_fresh_batches_draw_from_the_generator_in_order():
    got = fresh_batches(_line_task, 4, np.random.default_rng(3))
    rng = np.random.default_rng(3)
    for _ in range(3):
        x, y = next(got)
        x_ref, y_ref = _line_task(4, rng)
        assert np.array_equal(x, x_ref) and np.array_equal(y, y_ref)


def test_shuffled_batches_cover_every_epoch_and_reshuffle():
    batches = shuffled_batches(10, 4, np.random.default_rng(0))
    rng = np.random.default_rng(0)
    first, second = rng.permutation(10), rng.permutation(10)
    got = [next(batches) for _ in range(4)]
    # two full batches per epoch; the short rest (2 examples) is dropped and a new order drawn
    assert [b.tolist() for b in got] == [first[:4].tolist(), first[4:8].tolist(),
                                         second[:4].tolist(), second[4:8].tolist()]
    small = shuffled_batches(3, 8, np.random.default_rng(1))
    assert all(sorted(next(small).tolist()) == [0, 1, 2] for _ in range(3))   # the whole set every time


def test_batch_helpers_check_their_arguments_at_once():
    with pytest.raises(ValueError, match="task must be a callable"):
        fresh_batches("adding", 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        fresh_batches(_line_task, 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        shuffled_batches(0, 4, np.random.default_rng(0))


# ---------------------------------------------------------------- the update
def test_each_update_is_a_hand_written_adam_step_with_clipping():
    model, mse, _ = _setup()
    torch.manual_seed(0)
    ref = torch.nn.Linear(1, 1).double()
    opt = torch.optim.Adam(ref.parameters(), lr=0.05)
    hist = fit(model, fresh_batches(_line_task, 8, np.random.default_rng(1)), mse, steps=3, lr=0.05, clip=0.1,
               eval_every=1)
    rng, norms = np.random.default_rng(1), []
    for _ in range(3):
        x, y = (torch.as_tensor(a) for a in _line_task(8, rng))
        loss = ((ref(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(ref.parameters(), 0.1)))
        opt.step()
    assert hist.grad_norm == pytest.approx(norms, rel=1e-12) and min(norms) > 0.1, "the test must actually clip"
    assert all(torch.allclose(p, q, atol=1e-15) for p, q in zip(model.parameters(), ref.parameters()))


def test_cosine_sets_the_step_size_before_each_update(monkeypatch):
    model, mse, _ = _setup()
    seen = []
    original = torch.optim.Adam.step

    def spy(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", spy)
    fit(model, fresh_batches(_line_task, 4, np.random.default_rng(0)), mse, steps=4, lr=0.2, cosine=True)
    assert seen == pytest.approx([0.2 * 0.5 * (1 + math.cos(math.pi * k / 4)) for k in range(4)], rel=1e-15)


# ---------------------------------------------------------------- the schedule and the History
def test_history_entries_at_step_zero_every_eval_every_and_the_last():
    model, mse, evaluate = _setup()
    hist = fit(model, fresh_batches(_line_task, 16, np.random.default_rng(0)), mse, steps=25, lr=0.2,
               evaluate=evaluate, eval_every=10)
    assert hist.steps == [0, 10, 20, 25] and len(hist.eval_mse) == len(hist.seconds) == 4
    assert math.isnan(hist.train_loss[0]) and math.isnan(hist.grad_norm[0]) and hist.eval_accuracy == []
    assert hist.eval_mse[-1] < hist.eval_mse[0] / 10 and hist.final_eval_mse() == hist.eval_mse[-1]
    assert hist.seconds == sorted(hist.seconds) and not hist.diverged
    plain = fit(_setup()[0], fresh_batches(_line_task, 16, np.random.default_rng(0)), mse, steps=25, eval_every=10)
    assert plain.steps == [10, 20, 25] and plain.eval_mse == []      # nothing to measure: no entry at step 0


def test_train_loss_is_the_mean_since_the_previous_entry():
    model, mse, _ = _setup()
    every = fit(model, fresh_batches(_line_task, 4, np.random.default_rng(2)), mse, steps=6, lr=0.1, eval_every=1)
    model2, mse2, _ = _setup()
    pairs = fit(model2, fresh_batches(_line_task, 4, np.random.default_rng(2)), mse2, steps=6, lr=0.1, eval_every=2)
    assert pairs.train_loss == pytest.approx([np.mean(every.train_loss[i:i + 2]) for i in (0, 2, 4)], rel=1e-14)
    assert pairs.grad_norm == [max(every.grad_norm[i:i + 2]) for i in (0, 2, 4)]


def test_targets_stop_training_at_the_first_evaluation_that_reaches_them():
    model, mse, evaluate = _setup()
    full = fit(model, fresh_batches(_line_task, 16, np.random.default_rng(0)), mse, steps=100, lr=0.05,
               evaluate=evaluate, eval_every=10)
    target = full.eval_mse[4] * 1.0001
    first = next(s for s, m in zip(full.steps, full.eval_mse) if m < target)
    model, mse, evaluate = _setup()
    stopped = fit(model, fresh_batches(_line_task, 16, np.random.default_rng(0)), mse, steps=100, lr=0.05,
                  evaluate=evaluate, eval_every=10, target_mse=target)
    assert stopped.steps[-1] == first and stopped.eval_mse == full.eval_mse[:len(stopped.eval_mse)]
    model, mse, _ = _setup()
    hit = fit(model, fresh_batches(_line_task, 16, np.random.default_rng(0)), mse, steps=100,
              evaluate=lambda: {"accuracy": 0.5}, target_accuracy=0.5)
    assert hit.steps == [0] and hit.eval_accuracy == [0.5]       # reached before any update


def test_time_limit_stops_training():
    model, mse, _ = _setup()
    hist = fit(model, fresh_batches(_line_task, 4, np.random.default_rng(0)), mse, time_limit=0.2, eval_every=10**6)
    assert 1 <= hist.steps[-1] < 10**6 and hist.seconds[-1] < 5
    both = fit(model, fresh_batches(_line_task, 4, np.random.default_rng(0)), mse, steps=3, time_limit=60.0)
    assert both.steps == [3]


def test_evaluation_off_clock_leaves_evaluation_time_out_of_the_budget(monkeypatch):
    import course_utils.train as train_module

    class FakeTime:                                   # a clock that moves 1 ms per reading, 1 s per evaluation
        now = 0.0

        @classmethod
        def perf_counter(cls):
            cls.now += 1e-3
            return cls.now

    def slow_evaluate():
        FakeTime.now += 1.0
        return {"perplexity": 2.0}

    monkeypatch.setattr(train_module, "time", FakeTime)
    runs = {}
    for off in (False, True):
        model, mse, _ = _setup()
        runs[off] = fit(model, fresh_batches(_line_task, 4, np.random.default_rng(0)), mse, time_limit=0.5,
                        evaluate=slow_evaluate, eval_every=20, evaluation_off_clock=off)
    on_clock, off_clock = runs[False], runs[True]
    assert on_clock.steps == [0] and on_clock.eval_perplexity == [2.0]   # the first evaluation used up the budget
    assert off_clock.steps[-1] > 100 and len(off_clock.eval_perplexity) == len(off_clock.steps) > 5
    assert 0.5 <= off_clock.seconds[-1] < 0.52 and off_clock.seconds == sorted(off_clock.seconds)


def test_a_non_finite_loss_stops_training_before_its_update():
    model, mse, evaluate = _setup()
    before = [p.detach().clone() for p in model.parameters()]

    def bad_task(N, rng):
        return rng.uniform(size=(N, 1)), np.full((N, 1), np.inf)

    hist = fit(model, fresh_batches(bad_task, 4, np.random.default_rng(0)), mse, steps=50, evaluate=evaluate)
    assert hist.diverged and hist.steps == [0, 1] and math.isinf(hist.train_loss[-1])
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), before))


def test_flush_denormal_is_on_only_while_training(monkeypatch):
    calls = []
    monkeypatch.setattr(torch, "set_flush_denormal", lambda mode: calls.append(mode) or True)
    model, mse, _ = _setup()
    fit(model, fresh_batches(_line_task, 4, np.random.default_rng(0)), mse, steps=2)
    assert calls == []
    fit(model, fresh_batches(_line_task, 4, np.random.default_rng(0)), mse, steps=2, flush_denormal=True)
    assert calls == [True, False]


def test_progress_bar_goes_to_stderr_only(capsys):
    model, mse, _ = _setup()
    fit(model, fresh_batches(_line_task, 4, np.random.default_rng(0)), mse, steps=3, progress=True, label="line")
    out, err = capsys.readouterr()
    assert out == "" and "line" in err
    fit(model, fresh_batches(_line_task, 4, np.random.default_rng(0)), mse, steps=3)
    assert capsys.readouterr() == ("", "")


def test_fit_rejects_bad_input():
    model, mse, evaluate = _setup()
    batches = fresh_batches(_line_task, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="model must be a torch nn.Module"):
        fit("model", batches, mse, steps=1)
    with pytest.raises(ValueError, match="loss must be a callable"):
        fit(model, batches, None, steps=1)
    with pytest.raises(ValueError, match="batches must be an iterable"):
        fit(model, 3, mse, steps=1)
    with pytest.raises(ValueError, match="give steps or time_limit"):
        fit(model, batches, mse)
    with pytest.raises(ValueError, match="evaluate must be None or a callable"):
        fit(model, batches, mse, steps=1, evaluate=0.5)
    with pytest.raises(ValueError, match="a target .* needs an evaluate function"):
        fit(model, batches, mse, steps=1, target_mse=0.1)
    with pytest.raises(ValueError, match=r"evaluate must return a dict with keys among \['mse', 'accuracy', 'perp"):
        fit(model, batches, mse, steps=1, evaluate=lambda: {"loss": 1.0})
    bad = {"steps": 0, "time_limit": -1.0, "lr": 0.0, "clip": 0.0, "weight_decay": -0.1, "eval_every": 0,
           "target_mse": 0.0, "target_accuracy": 1.5, "evaluation_off_clock": 1}
    for name, value in bad.items():
        with pytest.raises(ValueError, match=f"^{name} must"):
            fit(model, batches, mse, **({"steps": 2, "evaluate": evaluate} | {name: value}))


def test_history_final_eval_mse_needs_entries():
    with pytest.raises(ValueError, match="holds no held-out MSE"):
        History().final_eval_mse()
