import numpy as np
import pytest

from course_utils.series import ar_process, is_stationary, logistic_log_errors, logistic_map, narx_system, noisy_sine


def test_noisy_sine_without_noise_is_a_sine():
    x = noisy_sine(200, period=50, noise=0.0)
    assert np.allclose(x, np.sin(2 * np.pi * np.arange(200) / 50))


def test_ar_process_has_the_theoretical_autocorrelation(rng):
    # AR(1): corr(x_t, x_{t-1}) = a, variance = σ² / (1 − a²)
    x = ar_process(50_000, [0.7], noise=1.0, rng=rng)
    assert np.corrcoef(x[1:], x[:-1])[0, 1] == pytest.approx(0.7, abs=0.02)
    assert x.var() == pytest.approx(1 / (1 - 0.49), rel=0.05)


def test_stationarity():
    assert is_stationary([0.5, 0.3])
    assert not is_stationary([1.0])
    assert not is_stationary([0.5, 0.6])


def test_logistic_map_follows_its_equation():
    x = logistic_map(20, r=3.7, x0=0.3)
    assert np.allclose(x[1:], 3.7 * x[:-1] * (1 - x[:-1]))
    assert np.all((x > 0) & (x < 1))


def test_narx_system_shapes_and_dependence_on_input(rng):
    u, y = narx_system(5000, noise=0.0, rng=rng)
    assert u.shape == y.shape == (5000,)
    resid = y[2:] - 0.6 * y[1:-1] + 0.2 * y[:-2]
    assert np.allclose(resid, np.tanh(1.5 * u[1:-1]) + 0.3 * u[:-2])


def test_series_reject_bad_input():
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        noisy_sine(0)
    with pytest.raises(ValueError, match="period must be > 0"):
        noisy_sine(10, period=0)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        noisy_sine(10, noise=-1)
    with pytest.raises(ValueError, match="non-stationary"):
        ar_process(10, [1.1])
    with pytest.raises(ValueError, match="coeffs must have at least 1"):
        ar_process(10, [])
    with pytest.raises(ValueError, match="r must be <= 4"):
        logistic_map(10, r=4.5)
    with pytest.raises(ValueError, match="x0 must be < 1"):
        logistic_map(10, x0=1.0)
    with pytest.raises(ValueError, match="n must be an integer >= 3"):
        narx_system(2)
    with pytest.raises(ValueError, match="coeffs must hold real numbers"):
        is_stationary(["a"])


def test_logistic_log_errors_grow_by_ln2_per_step():
    starts = logistic_map(3000, x0=0.3)[100::3][:500]
    log_err = logistic_log_errors(starts, 1e-12, 20)
    assert log_err.shape == (20, 500)
    assert np.allclose(log_err[0].mean(), np.log(1e-12) + np.log(2), atol=0.3)   # one step: about twice δ
    slope = np.polyfit(np.arange(1, 21), log_err.mean(axis=1), 1)[0]
    assert slope == pytest.approx(np.log(2), abs=0.02)


def test_logistic_log_errors_refuse_bad_input():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        logistic_log_errors([0.0, 0.3], 1e-6, 5)
    with pytest.raises(ValueError, match="delta must be > 0"):
        logistic_log_errors([0.3], 0.0, 5)
