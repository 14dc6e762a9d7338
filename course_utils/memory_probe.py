"""What a trained LSTM cell stores: find the unit that holds a task's answer and read what each step writes.

Lecture 09 (working memory, problem 3 of note 004's lecture 7) asks how an LSTM trained on the
adding problem keeps the two marked values. `probe_memory_unit` runs the trained weights through
the float64 numpy reference (`lstm_variants.variant_forward`, which returns every gate value),
picks the unit whose final cell state c_T correlates best with the target, and measures the write
Δc_t = c_t − c_{t−1} of that unit on marked and unmarked steps. `plot_memory_unit` draws one
sequence through that unit's eyes, and every write against the input value.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import _validate
from .lstm_variants import LSTMVariant, variant_forward
from .regression import LastStateRegressor


@dataclass(frozen=True)
class MemoryUnit:
    """The result of `probe_memory_unit`. Arrays over steps and sequences are (T, N)."""
    unit: int                  # the unit whose c_T correlates best (in absolute value) with the target
    corr: np.ndarray           # (H,) corr(c_T[:, j], target) for every unit j
    write: np.ndarray          # Δc_t of the unit: what step t changed in its cell
    marked: np.ndarray         # bool: the marked steps (input channel 1 equals 1)
    trace: dict                # variant_forward's trace of all units: "c", "i", "f", "g", "o" (T, N, H)
    content: float             # corr(write on marked steps, the marked value)
    prediction_gap: float      # largest |prediction from the numpy trace − the torch model's prediction|

    def gate(self, name: str) -> np.ndarray:
        """The unit's gate or state `name` ("c", "i", "f", "g" or "o") at every step, (T, N)."""
        name = _validate.choice("name", name, ("c", "i", "f", "g", "o"))
        return self.trace[name][:, :, self.unit]


def probe_memory_unit(model: LastStateRegressor, x, y) -> MemoryUnit:
    """Probe a trained LastStateRegressor with an LSTMVariant core (one output) on a task with marked
    steps, x (T, N, 2) = (value, mark) as in tasks.adding_problem, and targets y (N,)."""
    if not isinstance(model, LastStateRegressor) or not isinstance(model.core, LSTMVariant):
        raise TypeError(f"model must be a LastStateRegressor with an LSTMVariant core, got {type(model).__name__}")
    x = _validate.float_array("x", x, ndim=3)
    y = _validate.float_array("y", y, ndim=1)
    _, N, D = x.shape
    if D != 2 or N != y.shape[0] or N < 2:
        raise ValueError(f"x must be (T, N, 2) = (value, mark) and y (N,) with N ≥ 2 sequences, "
                         f"got {x.shape} and {y.shape}")
    core = model.core
    if D != core.input_size or model.head.out_features != 1:
        raise ValueError(f"the model must read {D} inputs and give one output, got {core.input_size} and "
                         f"{model.head.out_features}")
    zeros = np.zeros((N, core.hidden_size))
    flags = {"forget_gate": core.forget_gate, "peepholes": core.peepholes, "coupled": core.coupled}
    _, (h_T, c_T), trace = variant_forward(x, zeros, zeros, core.numpy_params(), **flags)
    with torch.no_grad():
        pred_torch = model(torch.as_tensor(x, dtype=torch.float32)).numpy()[:, 0]
    head_w = model.head.weight.detach().double().numpy()[0]
    head_b = float(model.head.bias.detach().double()[0])
    corr = np.array([np.corrcoef(c_T[:, j], y)[0, 1] for j in range(core.hidden_size)])
    unit = int(np.argmax(np.abs(corr)))
    c_unit = np.concatenate([np.zeros((1, N)), trace["c"][:, :, unit]])
    write = np.diff(c_unit, axis=0)
    marked = x[:, :, 1] == 1.0
    content = float(np.corrcoef(write[marked], x[:, :, 0][marked])[0, 1])
    return MemoryUnit(unit, corr, write, marked, trace, content,
                      float(np.abs(h_T @ head_w + head_b - pred_torch).max()))


def widely_spaced(probe: MemoryUnit, among: int = 50) -> int:
    """A sequence (among the first `among`) whose two marks lie far apart, the first not at the very start."""
    marks = np.argwhere(probe.marked.T)                     # (sequence, step), sorted by sequence
    counts = np.bincount(marks[:, 0], minlength=probe.marked.shape[1])
    if np.any(counts != 2):
        raise ValueError("every sequence must have exactly two marked steps (the adding problem)")
    steps = marks[:, 1].reshape(-1, 2)
    spread = np.where(steps[:, 0] >= 2, steps[:, 1] - steps[:, 0], 0)
    return int(np.argmax(spread[:_validate.positive_int("among", among)]))


def plot_memory_unit(probe: MemoryUnit, x, y, n: int | None = None, figsize=(10.0, 6.0)):
    """Left: sequence n (default `widely_spaced`) with its marked values, the unit's cell c_t and its
    gates; right: the write Δc_t against the input value, marked steps and 1 in 20 others. Returns the figure."""
    import matplotlib.pyplot as plt

    if not isinstance(probe, MemoryUnit):
        raise TypeError(f"probe must be a MemoryUnit (from probe_memory_unit), got {type(probe).__name__}")
    x = _validate.float_array("x", x, ndim=3)
    y = _validate.float_array("y", y, ndim=1)
    if x.shape[:2] != probe.marked.shape or y.shape != (x.shape[1],):
        raise ValueError(f"x and y must be the data the probe saw: x (T, N, 2) = {probe.marked.shape + (2,)}")
    n = widely_spaced(probe) if n is None else _validate.positive_int("n", n, minimum=0)
    if n >= x.shape[1]:
        raise ValueError(f"n must index one of the {x.shape[1]} sequences, got {n}")
    marked, unit = probe.marked, probe.unit
    steps = np.arange(x.shape[0])
    fig = plt.figure(figsize=figsize)
    grid = fig.add_gridspec(3, 2, width_ratios=[2.2, 1])
    axes = [fig.add_subplot(grid[0, 0])]
    axes += [fig.add_subplot(grid[r, 0], sharex=axes[0]) for r in (1, 2)]
    axes[0].bar(steps, x[:, n, 0], color=np.where(marked[:, n], "C3", "0.75"))
    axes[0].set(ylabel="input value", title=f"one sequence: marked values in red, target {y[n]:.2f}")
    axes[1].plot(steps, probe.gate("c")[:, n], "o-", color="C0")
    axes[1].set(ylabel=f"$c_t$ of unit {unit}")
    axes[2].plot(steps, probe.gate("i")[:, n], "o-", label="input gate $i_t$", color="C1")
    axes[2].plot(steps, probe.gate("f")[:, n], "s-", label="forget gate $f_t$", color="C2")
    axes[2].plot(steps, probe.gate("g")[:, n], "^-", label="candidate $g_t$", color="C4", lw=1)
    axes[2].set(ylabel="gate / candidate", xlabel="step t", ylim=(-1.05, 1.05))
    axes[2].legend(fontsize=9, loc="lower right", ncol=3)
    for t in np.flatnonzero(marked[:, n]):
        for ax in axes[1:]:
            ax.axvline(t, color="C3", lw=0.8, ls=":")
    side = fig.add_subplot(grid[:, 1])
    side.plot(x[:, :, 0][marked], probe.write[marked], ".", ms=2, alpha=0.4, color="C3", label="marked steps")
    side.plot(x[:, :, 0][~marked][::20], probe.write[~marked][::20], ".", ms=2, alpha=0.4, color="0.5",
              label="others (1 in 20)")
    side.set(xlabel="input value $x_t$", ylabel=f"$\\Delta c_t$ of unit {unit}", title="what each step writes")
    side.legend(fontsize=9, markerscale=4)
    fig.tight_layout()
    return fig
