"""Measuring helpers: exact on synthetic inputs (fake clock, known allocations, power laws), sane on RTRL/BPTT."""
import tracemalloc

import numpy as np
import pytest

from course_utils import complexity as cx
from course_utils import rtrl


class FakeClock:
    """A process_time stand-in whose every call advances by the next of the given durations."""

    def __init__(self, steps):
        self.now, self.steps = 0.0, list(steps)

    def __call__(self):
        value = self.now
        if self.steps:
            self.now += self.steps.pop(0)
        return value


def test_time_per_call_is_the_median_per_call(monkeypatch):
    # the repeats last 4, 2 and 100 s (the clock does not move between a stop and the next start);
    # the median repeat (4 s) ran number=2 calls, so one call took 2 s
    monkeypatch.setattr(cx.time, "process_time", FakeClock([4.0, 0.0, 2.0, 0.0, 100.0, 0.0]))
    calls = []
    assert cx.time_per_call(lambda: calls.append(1), repeats=3, number=2, warmup=1) == pytest.approx(2.0)
    assert len(calls) == 1 + 3 * 2


def test_time_per_call_measures_real_work():
    small = cx.time_per_call(lambda: sum(range(1_000)), repeats=3)
    large = cx.time_per_call(lambda: sum(range(100_000)), repeats=3)
    assert 0 < small < large


def test_peak_memory_counts_new_and_temporary_arrays_only():
    existing = np.ones(1_000_000)
    assert cx.peak_memory(lambda: existing.sum()) < 10_000
    n_bytes = 8 * 500_000
    kept = cx.peak_memory(lambda: np.zeros(500_000) + 1.0)
    assert n_bytes <= kept < 2 * n_bytes + 10_000  # the zeros and the sum coexist for a moment

    def temporary():
        a = np.ones(500_000)
        del a
    assert n_bytes <= cx.peak_memory(temporary) < n_bytes + 10_000


def test_peak_memory_leaves_tracing_as_it_found_it():
    assert not tracemalloc.is_tracing()
    cx.peak_memory(lambda: None)
    assert not tracemalloc.is_tracing()
    tracemalloc.start()
    try:
        cx.peak_memory(lambda: None)
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


def test_fit_exponent_recovers_power_laws():
    n = np.array([8, 16, 32, 64, 128])
    assert cx.fit_exponent(n, 3e-9 * n**4.0) == pytest.approx(4.0)
    assert cx.fit_exponent(n, 5.0 * n**-0.5) == pytest.approx(-0.5)
    # a lower-order term pulls the slope down at small n; fitting the large sizes only recovers it
    mixed = n**4.0 + 1000.0 * n**2
    assert cx.fit_exponent(n, mixed) < 3.5
    assert cx.fit_exponent(n, mixed, min_size=64) == pytest.approx(4.0, abs=0.25)


def test_local_exponents_are_constant_for_a_power_law():
    n = np.array([2.0, 4.0, 8.0, 16.0])
    slopes = cx.local_exponents(n, 7.0 * n**3)
    assert slopes.shape == (3,)
    assert np.allclose(slopes, 3.0)


def test_measure_scaling_calls_measure_per_size():
    seen = []
    result = cx.measure_scaling([2, 4, 8], lambda n: seen.append(n) or 3.0 * n**2)
    assert seen == [2, 4, 8] and all(isinstance(n, int) for n in seen)
    assert result.sizes.tolist() == [2, 4, 8]
    assert np.allclose(result.values, [12.0, 48.0, 192.0])
    assert result.exponent == pytest.approx(2.0)


def test_rtrl_memory_is_twice_the_sensitivities_and_independent_of_steps(rng):
    stored = 8 * rtrl.sensitivity_floats(D=4, H=48)
    two = cx.rtrl_memory_bytes(48, D=4, steps=2, rng=rng)
    assert 1.9 * stored <= two <= 2.3 * stored
    assert cx.rtrl_memory_bytes(48, D=4, steps=6, rng=rng) == pytest.approx(two, rel=0.02)


def test_bptt_memory_grows_linearly_with_T(rng):
    H = 16
    small, large = (cx.bptt_memory_bytes(T, H, rng=rng) for T in (400, 1600))
    assert 8 * H * 1600 <= large  # at least the hidden states themselves
    assert (large - small) / (1600 - 400) == pytest.approx(large / 1600, rel=0.1)


def test_times_are_positive_and_rtrl_costs_more_per_step(rng):
    rtrl_step = cx.rtrl_step_seconds(32, rng=rng)
    bptt_step = cx.bptt_seconds(100, 32, rng=rng) / 100
    assert rtrl_step > 0 and bptt_step > 0
    assert rtrl_step > bptt_step
    assert cx.rtrl_seconds(50, 16, rng=rng) > cx.bptt_seconds(50, 16, rng=rng)


def test_rtrl_time_exponent_is_near_four(rng):
    result = cx.rtrl_time_exponent(sizes=(64, 96, 128), repeats=3, rng=rng)
    assert result.sizes.tolist() == [64, 96, 128]
    assert 2.5 <= result.exponent <= 5.0  # loose: a unit test must not fail on a busy machine


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="fn must be a callable"):
        cx.time_per_call(42)
    with pytest.raises(ValueError, match="repeats must be an integer >= 1"):
        cx.time_per_call(lambda: None, repeats=0)
    with pytest.raises(ValueError, match="number must be an integer >= 1"):
        cx.time_per_call(lambda: None, number=1.5)
    with pytest.raises(ValueError, match="warmup must be an integer >= 0"):
        cx.time_per_call(lambda: None, warmup=-1)
    with pytest.raises(ValueError, match="fn must be a callable"):
        cx.peak_memory("not a function")
    with pytest.raises(ValueError, match="same length"):
        cx.fit_exponent([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="positive"):
        cx.fit_exponent([1, 2], [0, 1])
    with pytest.raises(ValueError, match="strictly increasing"):
        cx.fit_exponent([2, 1], [1, 2])
    with pytest.raises(ValueError, match="at least 2"):
        cx.fit_exponent([1, 2, 4], [1, 2, 4], min_size=3)
    with pytest.raises(ValueError, match="min_size must be"):
        cx.fit_exponent([1, 2], [1, 2], min_size=-1)
    with pytest.raises(ValueError, match="at least 2 entries"):
        cx.local_exponents([1], [1])
    with pytest.raises(ValueError, match="sizes must be positive integers"):
        cx.measure_scaling([1.5, 2.0], lambda n: n)
    with pytest.raises(ValueError, match="measure must be a callable"):
        cx.measure_scaling([1, 2], None)
    with pytest.raises(ValueError, match="H must be an integer >= 1"):
        cx.rtrl_step_seconds(0)
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        cx.rtrl_step_seconds(4, rng=1)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        cx.rtrl_memory_bytes(4, steps=0)
    with pytest.raises(ValueError, match="D must be an integer >= 1"):
        cx.rtrl_memory_bytes(4, D=0)
    with pytest.raises(ValueError, match="T must be an integer >= 1"):
        cx.bptt_seconds(0, 4)
    with pytest.raises(ValueError, match="N must be an integer >= 1"):
        cx.bptt_memory_bytes(4, 4, N=0)
    with pytest.raises(ValueError, match="H must be an integer >= 1"):
        cx.rtrl_seconds(4, 2.0)
    with pytest.raises(ValueError, match="sizes must be positive integers"):
        cx.rtrl_time_exponent(sizes=(0, 4))


def test_torch_training_step_seconds_lets_no_warning_through():
    # setting torch's oneDNN flag warns once per process about TF32 on Intel GPUs: a lecture must not show it
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for onednn in (True, False):
            cx.torch_training_step_seconds("lstm", onednn=onednn, T=3, N=2, H=3, repeats=1, number=1)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_torch_training_step_seconds_measures_and_restores_state(cell):
    import torch

    mkldnn_before, state_before = torch.backends.mkldnn.enabled, torch.random.get_rng_state()
    for onednn in (True, False):
        seconds = cx.torch_training_step_seconds(cell, onednn=onednn, T=5, N=2, H=3, repeats=2, number=1)
        assert 0 < seconds < 5
    assert torch.backends.mkldnn.enabled == mkldnn_before          # the flag is set back
    assert torch.equal(torch.random.get_rng_state(), state_before)  # torch's global generator is not moved


def test_torch_training_step_seconds_rejects_bad_input():
    with pytest.raises(ValueError, match=r"cell must be one of \['gru', 'lstm', 'rnn'\], got 'LSTM'"):
        cx.torch_training_step_seconds("LSTM", onednn=True)
    with pytest.raises(TypeError, match="onednn must be True or False, got 'yes'"):
        cx.torch_training_step_seconds("gru", onednn="yes")
    with pytest.raises(ValueError, match="H must be an integer >= 1"):
        cx.torch_training_step_seconds("gru", onednn=True, H=0)
