import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest

from course_utils import interactive
from course_utils.interactive import explore


def recorder():
    calls = []

    def draw(rho, label="x"):
        calls.append((rho, label))
    return draw, calls


def test_nothing_is_drawn_until_a_control_changes():
    draw, calls = recorder()
    box = explore(draw, rho=widgets.FloatSlider(value=1.0, min=0.5, max=1.5))
    assert calls == []
    assert isinstance(box.children[-1], widgets.Output)


def test_a_change_draws_with_every_current_value():
    draw, calls = recorder()
    rho, label = widgets.FloatSlider(value=1.0, min=0.5, max=1.5), widgets.Text(value="a")
    explore(draw, rho=rho, label=label)
    rho.value = 1.25
    label.value = "b"
    assert calls == [(1.25, "a"), (1.25, "b")]


def test_sliders_redraw_on_release_only():
    slider = widgets.IntSlider(value=2, min=1, max=8)
    explore(lambda n: None, n=slider)
    assert slider.continuous_update is False


def test_only_the_draws_figures_are_shown_then_closed(monkeypatch):
    shown = []
    monkeypatch.setattr(interactive, "display", shown.append)
    plt.close("all")
    left_open = plt.figure()                       # a figure of the notebook's own, not the draw's
    slider = widgets.FloatSlider(value=1.0, min=0.0, max=2.0)
    explore(lambda a: plt.subplots()[1].plot([0, a]), a=slider)
    slider.value = 2.0
    assert len(shown) == 1 and shown[0] is not left_open
    assert shown[0].axes[0].lines[0].get_ydata().tolist() == [0, 2.0]
    assert plt.get_fignums() == [left_open.number]
    plt.close("all")


def test_a_failing_draw_leaves_no_figure_behind():
    plt.close("all")

    def broken(a):
        plt.figure()
        raise ValueError("drawing failed")
    slider = widgets.FloatSlider(value=1.0)
    explore(broken, a=slider)
    with pytest.raises(ValueError, match="drawing failed"):   # outside a kernel the error propagates
        slider.value = 0.5
    assert plt.get_fignums() == []


def test_bad_controls_are_named():
    draw, _ = recorder()
    with pytest.raises(TypeError, match="'rho' must be an ipywidgets value widget.*got float"):
        explore(draw, rho=1.0)
    with pytest.raises(TypeError, match="at least one control"):
        explore(draw)
    with pytest.raises(TypeError, match="draw must be a function"):
        explore("plot", rho=widgets.FloatSlider())
    with pytest.raises(TypeError, match=r"draw\(rho, label='x'\) cannot take the controls sigma"):
        explore(draw, sigma=widgets.FloatSlider())


def test_the_box_keeps_draw_and_controls_and_says_what_it_is():
    draw, calls = recorder()
    rho = widgets.FloatSlider(value=0.75, min=0.5, max=1.5)
    box = explore(draw, rho=rho)
    assert box.draw is draw and box.controls == {"rho": rho} and box.values() == {"rho": 0.75}
    assert repr(box) == "Live controls (rho): run the notebook in Jupyter and move one to draw."
