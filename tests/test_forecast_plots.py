"""course_utils.forecast_plots: lecture 01's figures label every axis, draw what they are given, refuse bad input."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils import forecast_plots as fp

pytestmark = pytest.mark.usefixtures("course_figures")


def _labelled(ax):
    return bool(ax.get_xlabel()) and bool(ax.get_ylabel())


def test_validation_curve_and_horizon_curves_label_their_axes():
    fig = fp.validation_curve([1, 2, 3], [1.2, 1.05, 1.04], noise_var=1.0, title="t")
    assert _labelled(fig.axes[0]) and len(fig.axes[0].lines) == 2
    fig = fp.horizon_curves(np.arange(1, 5), {"a": np.ones(4), "b": np.zeros(4)}, variance=0.5, noise_floor=0.1)
    ax = fig.axes[0]
    assert _labelled(ax) and [t.get_text() for t in ax.get_legend().get_texts()] == [
        "a", "b", "predict the mean", "noise floor"]


def test_narx_fit_draws_both_panels():
    t = np.arange(10)
    fig = fp.narx_fit(t, np.sin(t), {"AR": np.sin(t) + 0.1}, np.linspace(-1, 1, 5), np.tanh(np.linspace(-1, 1, 5)),
                      {"learned": np.linspace(-1, 1, 5)})
    assert len(fig.axes) == 2 and all(_labelled(ax) for ax in fig.axes)
    assert len(fig.axes[0].lines) == 2 and len(fig.axes[1].lines) == 2


def test_return_map_sorts_each_curve_by_x():
    x = np.array([0.9, 0.1, 0.5])
    fig = fp.return_map(x, 4 * x * (1 - x), {"model": 4 * x * (1 - x)})
    xs, ys = fig.axes[0].lines[1].get_data()
    assert np.array_equal(xs, [0.1, 0.5, 0.9]) and np.allclose(ys, 4 * xs * (1 - xs))
    assert _labelled(fig.axes[0])


def test_k_step_grid_titles_carry_the_mse():
    x = np.zeros(100)
    times = np.arange(60, 100)
    panels = {k: (times, np.full(40, 0.5 * k)) for k in (1, 2, 3, 4)}
    fig = fp.k_step_grid(x, panels, start=60, shown_from=40)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "1-step-ahead predictions (MSE 0.250)" and titles[3].endswith("(MSE 4.000)")
    assert fig.axes[2].get_xlabel() and fig.axes[0].get_ylabel()


def test_error_growth_draws_every_curve():
    steps = np.arange(1, 11)
    fig = fp.error_growth(steps, {"exact": -10 + 0.3 * steps}, np.arange(1, 4), np.array([-3.0, -2.7, -2.4]),
                          reference=-10 + 0.3 * steps)
    assert len(fig.axes[0].lines) == 3 and _labelled(fig.axes[0])


def test_forecast_plots_refuse_bad_input():
    with pytest.raises(ValueError, match="same length"):
        fp.validation_curve([1, 2], [1.0], noise_var=1.0)
    with pytest.raises(ValueError, match="4 horizons"):
        fp.k_step_grid(np.zeros(10), {1: (np.arange(5, 10), np.zeros(5))}, start=5)
    with pytest.raises(ValueError, match="shown_from must lie inside"):
        fp.k_step_panel(plt.gca(), np.zeros(10), np.arange(5, 10), np.zeros(5), 5, 1, shown_from=10)
    with pytest.raises(ValueError, match="noise_floor must be >= 0"):
        fp.horizon_curves([1, 2], {"a": [1, 2]}, variance=1.0, noise_floor=-1.0)
