"""course_utils.lm_plots: lecture 02's figures label every axis, draw what they are given, refuse bad input."""
import numpy as np
import pytest

from course_utils import lm_plots

pytestmark = pytest.mark.usefixtures("course_figures")


def test_zipf_draws_each_curve_and_its_fitted_line():
    ranks = np.arange(1, 201)
    freqs = {"words": 1000.0 / ranks, "pairs": 100.0 / np.sqrt(ranks)}
    fig = lm_plots.zipf(freqs, {"words": -1.0, "pairs": -0.5}, fit_ranks=100)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert len(ax.lines) == 4 and ax.get_xlabel() and ax.get_ylabel()
    x_fit, y_fit = ax.lines[1].get_data()                # an exact power law: the fitted line lies on it
    np.testing.assert_allclose(y_fit, 1000.0 / x_fit)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["words (slope -1.00)", "pairs (slope -0.50)"]


def test_perplexity_by_order_floor_mark_and_log_axis():
    fig = lm_plots.perplexity_by_order([1, 2, 3], {"a": [8.0, 6.0, 5.0], "b": [8.0, 5.5, 5.0]}, "t",
                                       floor=4.74, mark_order=3)
    ax = fig.axes[0]
    assert len(ax.lines) == 4 and ax.get_xlabel() and ax.get_ylabel() == "test perplexity"
    assert "floor exp(H) = 4.74" in [t.get_text() for t in ax.get_legend().get_texts()]
    fig = lm_plots.perplexity_by_order(range(1, 4), {"a": [20.0, 6.0, 3.5]}, log_ticks=(3, 6, 20))
    assert fig.axes[0].get_yscale() == "log" and fig.axes[0].get_ylabel().endswith("(log scale)")


def test_lm_plots_refuse_bad_input():
    with pytest.raises(ValueError, match="same labels"):
        lm_plots.zipf({"a": np.ones(5)}, {"b": -1.0}, fit_ranks=3)
    with pytest.raises(ValueError, match="at least 10 entries"):
        lm_plots.zipf({"a": np.ones(5)}, {"a": -1.0}, fit_ranks=10)
    with pytest.raises(ValueError, match="one perplexity per order"):
        lm_plots.perplexity_by_order([1, 2], {"a": [3.0]})
    with pytest.raises(ValueError, match="floor must be >= 1"):
        lm_plots.perplexity_by_order([1], {"a": [3.0]}, floor=0.5)
