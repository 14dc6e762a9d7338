"""The logged SGD runs of lecture 06: reproducible, clipping and weight decay do what they say, bad input refused."""
import numpy as np
import pytest

from course_utils import srn
from course_utils.sgd_runs import final_loss, sgd_run
from course_utils.tasks import recall_task


def test_a_run_is_reproducible_and_logs_every_step():
    task = recall_task(8)
    log, params = sgd_run(task, 3, steps=20, H=6, N=4)
    again, params2 = sgd_run(task, 3, steps=20, H=6, N=4)
    assert not log["diverged"] and len(log["loss"]) == len(log["norm"]) == len(log["recurrent_share"]) == 20
    assert np.array_equal(log["loss"], again["loss"]) and np.array_equal(params["W_hh"], params2["W_hh"])
    assert np.all((log["recurrent_share"] >= 0) & (log["recurrent_share"] <= 1))
    assert final_loss(log, last=5) == pytest.approx(np.mean(log["loss"][-5:]))


def test_the_start_is_rescaled_to_the_spectral_radius():
    _, params = sgd_run(recall_task(5), 0, start_rho=0.7, steps=1, lr=1e-12, H=5, N=2)
    assert srn.spectral_radius(params["W_hh"]) == pytest.approx(0.7, rel=1e-6)


def test_clipping_caps_the_step_and_divergence_stops_the_run():
    task = recall_task(10)
    log, params = sgd_run(task, 1, start_rho=3.0, clip=1e-3, steps=2, lr=1.0, H=5, N=4)
    _, before = sgd_run(task, 1, start_rho=3.0, clip=1e-3, steps=1, lr=1.0, H=5, N=4)
    assert log["norm"][0] > 1e-3                        # the log keeps the norm before clipping
    step = np.sqrt(sum(np.sum((params[k] - before[k]) ** 2) for k in params))
    assert step <= 1e-3 * (1 + 1e-9)                    # ... but the second update moved by at most lr·θ
    diverged, _ = sgd_run(task, 1, steps=50, diverged_above=1e-9, H=5, N=4)
    assert diverged["diverged"] and len(diverged["loss"]) == 0 and final_loss(diverged) == np.inf


def test_weight_decay_shrinks_the_recurrent_matrix():
    task = recall_task(6)
    plain = sgd_run(task, 2, steps=100, H=6, N=8)[1]
    decayed = sgd_run(task, 2, steps=100, weight_decay=1.0, H=6, N=8)[1]
    assert np.linalg.norm(decayed["W_hh"], 2) < 0.5 * np.linalg.norm(plain["W_hh"], 2)


def test_sgd_runs_reject_bad_input():
    with pytest.raises(ValueError, match="task must be a callable"):
        sgd_run(None, 0)
    with pytest.raises(ValueError, match="clip must be > 0"):
        sgd_run(recall_task(5), 0, clip=0.0)
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        sgd_run(recall_task(5), 0, weight_decay=-1.0)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        sgd_run(recall_task(5), -1)
    with pytest.raises(ValueError, match="log must be the dict"):
        final_loss([1.0])
