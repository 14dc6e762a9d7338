"""Tests of course_utils.autoregressive: lag features, least squares, standard errors, multi-step prediction."""
import numpy as np
import pytest

from course_utils import autoregressive as ar
from course_utils import series
from course_utils.batching import sliding_windows

# ---------- lagged_features ----------

def test_lagged_features_without_exog_equals_sliding_windows():
    x = np.arange(10.0)
    F, y = ar.lagged_features(x, 3)
    F2, y2 = sliding_windows(x, 3)
    np.testing.assert_array_equal(F, F2)
    np.testing.assert_array_equal(y, y2)


@pytest.mark.parametrize("tau,q", [(3, 1), (1, 3), (2, 2), (4, 2)])
def test_lagged_features_with_exog_matches_explicit_loop(tau, q):
    x = np.arange(12.0)
    u = 100.0 + np.arange(12.0)
    F, y = ar.lagged_features(x, tau, u, q)
    rows = [np.r_[x[t - tau:t], u[t - q:t]] for t in range(max(tau, q), x.size)]
    np.testing.assert_array_equal(F, np.array(rows))
    np.testing.assert_array_equal(y, x[max(tau, q):])


def test_lagged_features_bad_input():
    with pytest.raises(ValueError, match="x must be 1-D"):
        ar.lagged_features(np.zeros((3, 2)), 1)
    with pytest.raises(ValueError, match="tau must be an integer >= 1"):
        ar.lagged_features(np.zeros(5), 0)
    with pytest.raises(ValueError, match="needs an exogenous series"):
        ar.lagged_features(np.zeros(5), 1, exog_lags=2)
    with pytest.raises(ValueError, match="exog_lags must be an integer >= 1 when exog is given"):
        ar.lagged_features(np.zeros(5), 1, np.zeros(5), 0)
    with pytest.raises(ValueError, match="exog must have the length of x"):
        ar.lagged_features(np.zeros(5), 1, np.zeros(4), 1)
    with pytest.raises(ValueError, match="too short"):
        ar.lagged_features(np.zeros(3), 1, np.zeros(3), 3)
    with pytest.raises(ValueError, match="exog must be finite"):
        ar.lagged_features(np.zeros(5), 1, np.array([0, 1, np.nan, 0, 0]), 1)


# ---------- least_squares ----------

def test_least_squares_matches_normal_equations():
    rng = np.random.default_rng(0)
    F = rng.standard_normal((50, 3))
    y = F @ np.array([1.0, -2.0, 0.5]) + 3.0 + 0.1 * rng.standard_normal(50)
    w, b = ar.least_squares(F, y)
    A = np.hstack([F, np.ones((50, 1))])
    theta = np.linalg.solve(A.T @ A, A.T @ y)
    np.testing.assert_allclose(np.append(w, b), theta, rtol=1e-10, atol=1e-12)


def test_least_squares_exact_fit_recovers_parameters():
    F = np.random.default_rng(1).standard_normal((20, 2))
    w, b = ar.least_squares(F, F @ np.array([0.3, -0.7]) - 1.5)
    np.testing.assert_allclose(w, [0.3, -0.7], atol=1e-12)
    assert abs(b + 1.5) < 1e-12


def test_ridge_shrinks_weights_but_not_bias():
    rng = np.random.default_rng(2)
    F = rng.standard_normal((40, 2))
    y = F @ np.array([2.0, -1.0]) + 5.0
    w0, _ = ar.least_squares(F, y)
    w1, b1 = ar.least_squares(F, y, ridge=10.0)
    assert np.linalg.norm(w1) < np.linalg.norm(w0)
    # an enormous ridge drives the weights to 0; the unpenalised bias becomes the mean of y
    w2, b2 = ar.least_squares(F, y, ridge=1e12)
    assert np.max(np.abs(w2)) < 1e-8 and abs(b2 - y.mean()) < 1e-6
    # the ridge solution solves its own normal equations (independent check)
    A = np.hstack([F, np.ones((40, 1))])
    P = np.diag([10.0, 10.0, 0.0])
    np.testing.assert_allclose(np.append(w1, b1), np.linalg.solve(A.T @ A + P, A.T @ y), rtol=1e-10)


def test_least_squares_bad_input():
    with pytest.raises(ValueError, match="features must be 2-D"):
        ar.least_squares(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="targets must be 1-D"):
        ar.least_squares(np.zeros((3, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="3 rows but targets has 2"):
        ar.least_squares(np.zeros((3, 1)), np.zeros(2))
    with pytest.raises(ValueError, match="ridge must be >= 0"):
        ar.least_squares(np.zeros((3, 1)), np.zeros(3), ridge=-1.0)
    with pytest.raises(ValueError, match="at least one row and one column"):
        ar.least_squares(np.zeros((3, 0)), np.zeros(3))


# ---------- standard_errors ----------

def test_standard_errors_match_spread_over_repeated_experiments():
    """The reported SE must match the actual spread of estimates across independent series."""
    a = [0.5, -0.3]
    estimates, reported = [], []
    for seed in range(300):
        x = series.ar_process(400, a, rng=np.random.default_rng(seed))
        F, y = ar.lagged_features(x, 2)
        w, b = ar.least_squares(F, y)
        se, _ = ar.standard_errors(F, y, w, b)
        estimates.append(w)
        reported.append(se)
    spread = np.std(estimates, axis=0, ddof=1)
    # the sample std of 300 estimates is itself uncertain by about 1/sqrt(600) ≈ 4 %
    np.testing.assert_allclose(np.mean(reported, axis=0), spread, rtol=0.15)


def test_standard_errors_bad_input():
    F, y = np.ones((5, 1)) * np.arange(5)[:, None], np.arange(5.0)
    with pytest.raises(ValueError, match="shapes do not match"):
        ar.standard_errors(F, y, np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="need more rows than parameters"):
        ar.standard_errors(F[:2], y[:2], np.zeros(1), 0.0)
    with pytest.raises(ValueError, match="bias must be a finite real number"):
        ar.standard_errors(F, y, np.zeros(1), float("nan"))


# ---------- fit_ar / fit_arx / ARXModel ----------

def test_fit_ar_recovers_coefficients_in_lag_order():
    a = [0.6, -0.5, 0.3]
    x = series.ar_process(20000, a, noise=1.0, intercept=0.4, rng=np.random.default_rng(0))
    m = ar.fit_ar(x, 3)
    np.testing.assert_allclose(m.ar, a, atol=0.03)          # SE ≈ 0.007 at n = 20000
    assert abs(m.intercept - 0.4) < 0.05
    assert m.tau == 3 and m.exog_lags == 0


def test_fit_arx_recovers_noise_free_system_exactly():
    rng = np.random.default_rng(3)
    u = rng.standard_normal(200)
    y = np.zeros(200)
    for t in range(2, 200):
        y[t] = 0.5 * y[t - 1] - 0.2 * y[t - 2] + 1.5 * u[t - 1] + 0.25 * u[t - 2] + 0.1
    m = ar.fit_arx(y, 2, u, 2)
    np.testing.assert_allclose(m.ar, [0.5, -0.2], atol=1e-10)
    np.testing.assert_allclose(m.exog, [1.5, 0.25], atol=1e-10)
    np.testing.assert_allclose(m.predict(y, u), y[2:], atol=1e-10)


def test_predict_windows_agrees_with_predict():
    x = series.ar_process(300, [0.4, 0.2], rng=np.random.default_rng(4))
    m = ar.fit_ar(x, 2)
    W, _ = sliding_windows(x, 2)
    np.testing.assert_allclose(m.predict_windows(W), m.predict(x), atol=1e-12)
    # explicit formula: c + a_1 x_{t-1} + a_2 x_{t-2}
    np.testing.assert_allclose(m.predict(x), m.intercept + m.ar[0] * x[1:-1] + m.ar[1] * x[:-2], atol=1e-12)


def test_model_bad_input():
    m = ar.ARXModel(ar=np.array([0.5, 0.1]), exog=np.zeros(0), intercept=0.0)
    with pytest.raises(ValueError, match="windows must have 2 columns"):
        m.predict_windows(np.zeros((4, 3)))
    mx = ar.ARXModel(ar=np.array([0.5]), exog=np.array([1.0]), intercept=0.0)
    with pytest.raises(ValueError, match="needs past exog values"):
        mx.predict_windows(np.zeros((4, 1)))
    with pytest.raises(ValueError, match="needs an exogenous series"):
        mx.predict(np.zeros(5))
    with pytest.raises(ValueError, match="tau must be an integer >= 1"):
        ar.fit_ar(np.zeros(10), 1.5)
    with pytest.raises(ValueError, match="ridge must be a finite real number"):
        ar.fit_arx(np.zeros(10), 1, ridge=float("inf"))


# ---------- recursive_forecast / k_step_predictions ----------

def test_recursive_forecast_of_exact_model_continues_the_series():
    # x_t = 2 cos(w) x_{t-1} - x_{t-2} is satisfied exactly by a sine: an exact AR(2)
    w = 0.3
    t = np.arange(60)
    x = np.sin(w * t)
    m = ar.ARXModel(ar=np.array([2 * np.cos(w), -1.0]), exog=np.zeros(0), intercept=0.0)
    out = ar.recursive_forecast(m.predict_windows, x[None, :2], 58)
    np.testing.assert_allclose(out[0], x[2:], atol=1e-10)


def test_recursive_forecast_feeds_predictions_back():
    # a predictor that returns the window sum: one step ahead of (1, 2) gives 3, then 2+3 = 5, 8, ...
    out = ar.recursive_forecast(lambda W: W.sum(axis=1), np.array([[1.0, 2.0]]), 4)
    np.testing.assert_array_equal(out, [[3.0, 5.0, 8.0, 13.0]])


def test_k_step_predictions_with_k1_are_one_step_predictions():
    x = series.ar_process(200, [0.7], rng=np.random.default_rng(5))
    m = ar.fit_ar(x, 3)
    p, y = ar.k_step_predictions(m.predict_windows, x, 3, 1)
    np.testing.assert_allclose(p, m.predict(x), atol=1e-12)
    np.testing.assert_array_equal(y, x[3:])


def test_k_step_mse_of_true_ar1_matches_theory():
    """For AR(1) with coefficient a and unit noise the k-step error variance is Σ_{j<k} a^{2j}."""
    a = 0.8
    x = series.ar_process(50000, [a], rng=np.random.default_rng(6))
    m = ar.ARXModel(ar=np.array([a]), exog=np.zeros(0), intercept=0.0)
    for k in (1, 3, 8):
        p, y = ar.k_step_predictions(m.predict_windows, x, 1, k)
        theory = np.sum(a ** (2 * np.arange(k)))
        assert abs(np.mean((p - y) ** 2) / theory - 1) < 0.05


def test_k_step_targets_match_sliding_windows_horizon():
    x = np.arange(30.0)
    _, y = ar.k_step_predictions(lambda W: W[:, -1], x, 4, 5)
    np.testing.assert_array_equal(y, sliding_windows(x, 4, horizon=5)[1])


def test_forecast_bad_input():
    with pytest.raises(ValueError, match="predict must be a callable"):
        ar.recursive_forecast(None, np.zeros((2, 2)), 3)
    with pytest.raises(ValueError, match="windows must be 2-D"):
        ar.recursive_forecast(lambda W: W[:, -1], np.zeros(4), 3)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        ar.recursive_forecast(lambda W: W[:, -1], np.zeros((2, 2)), 0)
    with pytest.raises(ValueError, match=r"predict must return shape \(2,\)"):
        ar.recursive_forecast(lambda W: W, np.zeros((2, 2)), 1)
    with pytest.raises(ValueError, match="at least one column"):
        ar.recursive_forecast(lambda W: W[:, -1], np.zeros((2, 0)), 1)
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        ar.k_step_predictions(lambda W: W[:, -1], np.zeros(10), 2, 0)
    with pytest.raises(ValueError, match="too short"):
        ar.k_step_predictions(lambda W: W[:, -1], np.zeros(10), 5, 6)


# ---------- test-part forecasts, impulse response, holdout fits, hinge basis ----------

def test_k_step_test_predictions_keep_the_targets_after_start(rng):
    x = series.ar_process(300, [0.5], rng=rng)
    model = ar.fit_ar(x[:200], 2)
    times, pred, target = ar.k_step_test_predictions(model.predict_windows, x, 2, 5, start=200)
    all_pred, all_target = ar.k_step_predictions(model.predict_windows, x, 2, 5)
    assert times[0] == 200 and times[-1] == 299 and np.array_equal(target, x[times])
    np.testing.assert_array_equal(pred, all_pred[-100:])
    np.testing.assert_array_equal(target, all_target[-100:])
    assert ar.recursive_test_mse(model.predict_windows, x, 2, 5, 200) == pytest.approx(np.mean((pred - target) ** 2))


def test_direct_test_mse_fits_on_targets_before_start_only():
    x = np.sin(np.arange(200) / 5.0)                      # a noise-free sine is an exact AR(2) at any horizon
    assert ar.direct_test_mse(x, 2, 7, start=150) < 1e-20
    x_broken = x.copy()
    x_broken[160:] += 1.0                                 # the test part changes: a model fitted before cannot know
    assert ar.direct_test_mse(x_broken, 2, 7, start=160) > 0.01


def test_impulse_response_of_ar1_is_a_geometric_series():
    np.testing.assert_allclose(ar.impulse_response([0.6], 5), 0.6 ** np.arange(5))
    psi = ar.impulse_response([0.6, -0.5, 0.3], 4)        # ψ1 = a1, ψ2 = a1ψ1 + a2, ψ3 = a1ψ2 + a2ψ1 + a3
    np.testing.assert_allclose(psi, [1.0, 0.6, 0.36 - 0.5, 0.6 * (0.36 - 0.5) - 0.3 + 0.3])


def test_holdout_mse_is_least_squares_on_the_first_rows(rng):
    F = rng.normal(size=(50, 3))
    y = F @ np.array([1.0, -2.0, 0.5]) + 0.3
    mse, (w, b) = ar.holdout_mse(F, y, 30)
    assert mse < 1e-20
    np.testing.assert_allclose(w, [1.0, -2.0, 0.5])
    assert b == pytest.approx(0.3)


def test_hinge_features_add_one_ramp_per_input_and_knot():
    F = np.array([[9.0, -1.0, 0.5], [9.0, 2.0, 1.5]])     # one output column, then two input columns
    H = ar.hinge_features(F, [0.0, 1.0], first_exog=1)
    np.testing.assert_array_equal(H, [[9, -1, 0.5, 0, 0, 0.5, 0], [9, 2, 1.5, 2, 1, 1.5, 0.5]])


def test_hinge_effect_recovers_a_known_piecewise_linear_effect(rng):
    tau_y, tau_u, knots = 1, 2, np.array([-0.5, 0.0, 0.5])    # |u| = −u + 2 max(0, u − 0): exactly in the basis
    u = rng.normal(size=400)
    y = np.zeros(400)
    for t in range(2, 400):                              # u_{t-1} enters through |u|, u_{t-2} linearly
        y[t] = 0.3 * y[t - 1] + np.abs(u[t - 1]) + 0.2 * u[t - 2]
    F, target = ar.lagged_features(y, tau_y, u, tau_u)
    _, (w, _) = ar.holdout_mse(ar.hinge_features(F, knots, tau_y), target, 300)
    grid = np.linspace(-1, 1, 21)
    np.testing.assert_allclose(ar.hinge_effect(w, knots, tau_y, tau_u, 2, grid), 0.2 * grid, atol=1e-8)
    np.testing.assert_allclose(ar.hinge_effect(w, knots, tau_y, tau_u, 1, grid), np.abs(grid), atol=1e-8)


def test_new_forecast_helpers_refuse_bad_input(rng):
    x = rng.normal(size=50)
    with pytest.raises(ValueError, match="no 3-step target lies at t >= start"):
        ar.k_step_test_predictions(lambda W: W[:, -1], x, 2, 3, start=60)
    with pytest.raises(ValueError, match="targets on both sides"):
        ar.direct_test_mse(x, 2, 3, start=2)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        ar.impulse_response([0.5], 0)
    with pytest.raises(ValueError, match="n_fit must leave rows to test on"):
        ar.holdout_mse(np.ones((5, 1)), np.ones(5), 5)
    with pytest.raises(ValueError, match="leaves no input columns"):
        ar.hinge_features(np.ones((4, 2)), [0.0], first_exog=2)
    with pytest.raises(ValueError, match="lag must be at most exog_lags = 2"):
        ar.hinge_effect(np.ones(7), [0.0, 1.0], 1, 2, 3, [0.0])
    with pytest.raises(ValueError, match="weights must have 7 entries"):
        ar.hinge_effect(np.ones(6), [0.0, 1.0], 1, 2, 1, [0.0])
