import matplotlib
import numpy as np
import pytest

from course_utils.plots import COURSE_STYLE, loglog_slope, use_course_style


def test_style_applies():
    use_course_style()
    assert matplotlib.rcParams["figure.dpi"] == COURSE_STYLE["figure.dpi"]


def test_style_is_readable_on_a_projector():
    """≥ 110 dpi, and no text smaller than 11 points (about 17 pixels at that resolution)."""
    use_course_style()
    rc = matplotlib.rcParams
    assert rc["figure.dpi"] >= 110 and rc["savefig.dpi"] >= 110
    sizes = [rc[k] for k in ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize",
                             "ytick.labelsize", "legend.fontsize")]
    assert all(isinstance(s, (int, float)) and s >= 11 for s in sizes), sizes


def test_loglog_slope_recovers_power_law():
    x = np.arange(1, 100)
    assert loglog_slope(x, 3.0 * x**-1.2) == pytest.approx(-1.2)


def test_loglog_slope_rejects_bad_input():
    with pytest.raises(ValueError, match="positive"):
        loglog_slope([1, 2], [0, 1])
    with pytest.raises(ValueError, match="same length"):
        loglog_slope([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="at least 2"):
        loglog_slope([1], [1])
