"""Live controls for the lecture room: move a slider and a figure or a sample is drawn again.

A lecturer asks "and at ρ = 1.2?" and answers it on the spot. Built on ipywidgets; the helper
only wires controls to a drawing function, the controls are ipywidgets' own:

    from ipywidgets import FloatSlider
    explore(draw_norms, rho=FloatSlider(value=1.0, min=0.5, max=1.8, step=0.05, description="ρ"))
"""
from __future__ import annotations

import inspect
from collections.abc import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import clear_output, display


def explore(draw: Callable[..., object], **controls: widgets.ValueWidget) -> Explorer:
    """The controls, stacked above an output area; each change calls draw(**current values) there.

    draw: a function that prints, or makes a matplotlib figure of its own (plt.subplots) and draws
      on it; its parameters are named like the controls (parameters with defaults may be left out).
    controls: ipywidgets value widgets (FloatSlider, IntSlider, Dropdown, Text, ...).

    Nothing is drawn when the box is made, only after a control changes. The notebook shows the
    static figure for the starting values above the box, and nbval (which sees the outputs drawn
    inside an output widget as ordinary cell outputs, unlike nbclient) then finds the same outputs
    as the stored notebook. Sliders redraw when released rather than on every step of a drag,
    because a draw may take a second.
    """
    return Explorer(draw, controls)


class Explorer(widgets.VBox):
    """The box `explore` makes. `draw` and `controls` stay reachable, so tests can call the draw
    function with the controls' extreme values, outside the output area that hides its errors."""

    def __init__(self, draw: Callable[..., object], controls: dict):
        _check_controls(draw, controls)
        self.draw, self.controls = draw, dict(controls)
        self.output = widgets.Output()
        super().__init__([*self.controls.values(), self.output])
        for control in self.controls.values():
            if hasattr(control, "continuous_update"):
                control.continuous_update = False
            control.observe(self.redraw, names="value")

    def __repr__(self) -> str:                       # what a page without a live kernel shows
        return f"Live controls ({', '.join(self.controls)}): run the notebook in Jupyter and move one to draw."

    def values(self) -> dict:
        """The controls' current values, by the names draw takes them."""
        return {name: control.value for name, control in self.controls.items()}

    def redraw(self, _change=None) -> None:
        before = set(plt.get_fignums())
        try:
            with self.output:                         # shows a failing draw's traceback in the box
                clear_output(wait=True)
                self.draw(**self.values())
                for number in sorted(set(plt.get_fignums()) - before):
                    display(plt.figure(number))       # only the draw's figures, not others left open
        finally:
            for number in set(plt.get_fignums()) - before:   # one figure per change, not a growing pile
                plt.close(number)


def _check_controls(draw, controls: dict) -> None:
    if not callable(draw):
        raise TypeError(f"explore: draw must be a function, got {type(draw).__name__}")
    if not controls:
        raise TypeError("explore: give at least one control, e.g. rho=FloatSlider(value=1.0, min=0.5, max=1.5)")
    for name, control in controls.items():
        if not isinstance(control, widgets.ValueWidget):
            raise TypeError(f"explore: control {name!r} must be an ipywidgets value widget "
                            f"(FloatSlider, IntSlider, Dropdown, Text, ...), got {type(control).__name__}")
    try:
        inspect.signature(draw).bind(**controls)
    except TypeError as err:
        raise TypeError(f"explore: draw{inspect.signature(draw)} cannot take the controls "
                        f"{', '.join(controls)}: {err}") from None
