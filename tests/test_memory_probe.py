"""course_utils.memory_probe: a hand-set LSTM whose unit 0 adds the marked values is found and read correctly."""
import matplotlib
import numpy as np
import pytest
import torch

from course_utils import lstm_variants as lv
from course_utils import memory_probe as mp
from course_utils.regression import LastStateRegressor, variant_regressor
from course_utils.tasks import adding_problem

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _adder(seed=0) -> LastStateRegressor:
    """Unit 0 writes tanh(value) when the mark is on and keeps its cell otherwise; unit 1 keeps random weights."""
    model = LastStateRegressor(lv.LSTMVariant(2, 2, seed=seed), seed=seed)
    p = model.core.numpy_params()
    for gate, (w_value, w_mark, bias) in zip("ifgo", ((0.0, 30.0, -15.0), (0.0, 0.0, 15.0), (1.0, 0.0, 0.0),
                                                       (0.0, 0.0, 15.0))):
        row = "ifgo".index(gate) * 2                   # unit 0 of each gate block (H = 2)
        p["W_x"][row], p["W_h"][row], p["b"][row] = (w_value, w_mark), 0.0, bias
    model.core.load_numpy_params(p)
    return model


def test_probe_finds_the_unit_that_adds_and_measures_its_writes():
    x, y = adding_problem(12, 200, np.random.default_rng(1))
    probe = mp.probe_memory_unit(_adder(), x, y)
    assert probe.unit == 0 and abs(probe.corr[0]) > 0.99
    assert probe.prediction_gap < 1e-5                                     # the numpy trace is the torch model
    assert np.array_equal(probe.marked, x[:, :, 1] == 1.0)
    assert np.allclose(np.cumsum(probe.write, axis=0), probe.gate("c"), atol=1e-12)
    assert np.abs(probe.write[probe.marked]).mean() > 100 * np.abs(probe.write[~probe.marked]).mean()
    assert probe.content > 0.99                                            # it writes tanh(value): increasing
    assert np.allclose(probe.write[probe.marked], np.tanh(x[:, :, 0][probe.marked]), atol=1e-5)
    assert probe.gate("f").min() > 0.999 and probe.gate("o").shape == (12, 200)


def test_widely_spaced_and_plot():
    x, y = adding_problem(12, 60, np.random.default_rng(2))
    probe = mp.probe_memory_unit(_adder(), x, y)
    n = mp.widely_spaced(probe)
    marks = [np.flatnonzero(x[:, k, 1]) for k in range(50)]
    spread = [m[1] - m[0] if m[0] >= 2 else 0 for m in marks]
    assert n == int(np.argmax(spread))
    fig = mp.plot_memory_unit(probe, x, y)
    assert len(fig.axes) == 4 and "unit 0" in fig.axes[1].get_ylabel()
    assert fig.axes[0].get_title().endswith(f"target {y[n]:.2f}")
    plt.close(fig)


def test_probe_rejects_bad_input():
    x, y = adding_problem(6, 5, np.random.default_rng(0))
    with pytest.raises(TypeError, match="LSTMVariant core"):
        mp.probe_memory_unit(variant_regressor("srn", 2, 4), x, y)
    with pytest.raises(ValueError, match=r"x must be \(T, N, 2\)"):
        mp.probe_memory_unit(_adder(), x, y[:3])
    probe = mp.probe_memory_unit(_adder(), x, y)
    with pytest.raises(ValueError, match="name must be one of"):
        probe.gate("z")
    with pytest.raises(ValueError, match="n must index one of the 5 sequences"):
        mp.plot_memory_unit(probe, x, y, n=5)
    with pytest.raises(ValueError, match="x and y must be the data the probe saw"):
        mp.plot_memory_unit(probe, x[:4], y)
    x_three = x.copy()
    x_three[0, :, 1] = 1.0                                                  # a third mark at step 0
    with pytest.raises(ValueError, match="exactly two marked steps"):
        mp.widely_spaced(mp.probe_memory_unit(_adder(), x_three, y))
    with torch.no_grad():
        assert _adder()(torch.zeros(3, 2, 2)).shape == (2, 1)
