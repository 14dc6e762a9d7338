"""LSTM variants and the clockwork RNN: torch modules to train, independent numpy forwards to check them.

LSTM variants (one cell with three switches; gate order follows torch's i, f, g, o, minus the gates
a variant does not have):

    standard        forget_gate=True                     gates "ifgo"   c_t = f ⊙ c_{t−1} + i ⊙ g
    no forget gate  forget_gate=False                    gates "igo"    c_t = c_{t−1} + i ⊙ g
    coupled         coupled=True  (i := 1 − f)           gates "fgo"    c_t = f ⊙ c_{t−1} + (1 − f) ⊙ g
    peepholes       peepholes=True (any of the above)    diagonal weights p_i, p_f, p_o (vectors of H)

    z_t = W_x x_t + W_h h_{t−1} + b, split by gate
    i_t = σ(z_i + p_i ⊙ c_{t−1}),  f_t = σ(z_f + p_f ⊙ c_{t−1}),  g_t = tanh(z_g)
    o_t = σ(z_o + p_o ⊙ c_t),      h_t = o_t ⊙ tanh(c_t)

Peepholes follow Gers & Schmidhuber (2000): the input and forget gates look at the old cell c_{t−1},
the output gate at the new cell c_t (it is computed after c_t). With all switches at their defaults
the cell is course_utils.lstm (and torch.nn.LSTM) exactly.

Clockwork RNN (Koutník et al. 2014): an SRN whose H units are split into modules with clock periods
T_1 ≤ T_2 ≤ … (usually T_k = 2^{k−1}). Convention used here:

    * time is counted from 0 at the first input (t = t0, t0+1, …); module k is *active* at step t
      when t mod T_k = 0, so every module reads the first input;
    * an active module computes h_t[k] = tanh(W_hx[k] x_t + Σ_{j: T_j ≥ T_k} W_hh[k, j] h_{t−1}[j] + b_h[k]),
      an inactive one keeps h_t[k] = h_{t−1}[k];
    * recurrent connections run only from slower-or-equal modules to faster ones (T_j ≥ T_k), so with
      modules sorted by increasing period W_hh is block upper-triangular, as in the paper.

With all periods equal to 1 it is the SRN of course_utils.srn.

Arrays are time-major: x (T, N, D), states (N, H). The numpy functions are float64 references written
independently of the torch modules (per gate and per module, in plain loops), so that tests can
compare the two.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from . import _validate
from ._validate import recurrent_input
from .lstm import check_packed_params, sigmoid

VARIANTS: dict[str, dict] = {
    "standard": {"forget_gate": True, "peepholes": False, "coupled": False},
    "no_forget": {"forget_gate": False, "peepholes": False, "coupled": False},
    "peephole": {"forget_gate": True, "peepholes": True, "coupled": False},
    "coupled": {"forget_gate": True, "peepholes": False, "coupled": True},
}


# ---------------------------------------------------------------- LSTM variants: structure
def gate_order(forget_gate: bool = True, coupled: bool = False) -> str:
    """The gates that carry weights, in packing order: "ifgo", "igo" (no forget gate) or "fgo" (coupled)."""
    if not isinstance(forget_gate, bool) or not isinstance(coupled, bool):
        raise ValueError(f"forget_gate and coupled must be True or False, got {forget_gate!r} and {coupled!r}")
    if coupled and not forget_gate:
        raise ValueError("coupled=True computes i = 1 − f, so it needs forget_gate=True")
    if coupled:
        return "fgo"
    return "ifgo" if forget_gate else "igo"


def peephole_names(forget_gate: bool = True, coupled: bool = False) -> tuple[str, ...]:
    """Names of the peephole vectors of a variant: one per sigmoid gate that has weights."""
    return tuple(f"p_{g}" for g in gate_order(forget_gate, coupled) if g != "g")


def variant_param_names(forget_gate: bool = True, peepholes: bool = False, coupled: bool = False) -> tuple[str, ...]:
    """Keys of a variant's parameter dict: W_x, W_h, b and, with peepholes, p_i / p_f / p_o."""
    if not isinstance(peepholes, bool):
        raise ValueError(f"peepholes must be True or False, got {peepholes!r}")
    return ("W_x", "W_h", "b") + (peephole_names(forget_gate, coupled) if peepholes else ())


def init_variant_params(D: int, H: int, *, forget_gate: bool = True, peepholes: bool = False,
                        coupled: bool = False, forget_bias: float = 0.0,
                        rng: np.random.Generator | None = None) -> dict[str, np.ndarray]:
    """float64 parameters drawn like torch's nn.LSTM: every entry U(−1/√H, 1/√H), peepholes included.

    `forget_bias` is added to the forget-gate slice of b (there is none without a forget gate).
    """
    D, H = _validate.positive_int("D", D), _validate.positive_int("H", H)
    gates = gate_order(forget_gate, coupled)
    names = variant_param_names(forget_gate, peepholes, coupled)
    forget_bias = _validate.finite_float("forget_bias", forget_bias)
    if forget_bias != 0.0 and "f" not in gates:
        raise ValueError("forget_bias needs a forget gate; the no-forget-gate variant has none")
    rng = np.random.default_rng(0) if rng is None else rng
    k = 1.0 / np.sqrt(H)
    G = len(gates)
    p = {"W_x": rng.uniform(-k, k, (G * H, D)), "W_h": rng.uniform(-k, k, (G * H, H)),
         "b": rng.uniform(-k, k, G * H)}
    for name in names[3:]:
        p[name] = rng.uniform(-k, k, H)
    if "f" in gates:
        j = gates.index("f")
        p["b"][j * H:(j + 1) * H] += forget_bias
    return p


def _check_float64(name: str, value) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.dtype != np.float64:
        got = f"dtype {value.dtype}" if isinstance(value, np.ndarray) else type(value).__name__
        raise ValueError(f"{name} must be a float64 numpy array (the reference is double precision), got {got}")
    return value


def check_variant_params(params: dict, forget_gate: bool = True, peepholes: bool = False,
                         coupled: bool = False) -> tuple[int, int]:
    """Validate a variant's parameter dict against its switches; return D, H."""
    if not isinstance(params, dict):
        raise ValueError(f"params must be a dict of numpy arrays, got {type(params).__name__}")
    names = variant_param_names(forget_gate, peepholes, coupled)
    if set(params) != set(names):
        raise ValueError(f"params must have exactly the keys {list(names)} for this variant, got {sorted(params)}")
    G = len(gate_order(forget_gate, coupled))
    for name in names:
        _check_float64(name, params[name])
    D, H = check_packed_params(params["W_x"], params["W_h"], params["b"], G)  # gates in gate_order's order
    for name in names[3:]:
        if params[name].shape != (H,):
            raise ValueError(f"{name} must have shape (H,) = ({H},): peephole weights are diagonal, got "
                             f"{params[name].shape}")
    return D, H


def _check_sequence(x, states: dict, D: int, H: int) -> tuple[int, int]:
    """The course's sequence checks, plus float64: these forwards are references for tests."""
    for name, value in {"x": x, **states}.items():
        _check_float64(name, value)
    return recurrent_input(x, states, D, H)


# ---------------------------------------------------------------- LSTM variants: numpy reference
def variant_forward(x, h0, c0, params: dict, *, forget_gate: bool = True, peepholes: bool = False,
                    coupled: bool = False):
    """Run an LSTM variant over x (T, N, D) from (h0, c0) (N, H), float64, one gate at a time.

    Returns hs (T, N, H), (h_T, c_T) and a trace {"c", "i", "f", "g", "o"} of arrays (T, N, H):
    the cell states and the gate values actually used, so "f" is all ones without a forget gate
    and "i" is 1 − f in the coupled cell.
    """
    D, H = check_variant_params(params, forget_gate, peepholes, coupled)
    T, N = _check_sequence(x, {"h0": h0, "c0": c0}, D, H)
    gates = gate_order(forget_gate, coupled)
    W = {g: (params["W_x"][k * H:(k + 1) * H], params["W_h"][k * H:(k + 1) * H], params["b"][k * H:(k + 1) * H])
         for k, g in enumerate(gates)}
    zero = np.zeros(H)
    peep = {g: params.get(f"p_{g}", zero) for g in "ifo"}
    trace = {name: np.empty((T, N, H)) for name in ("c", "i", "f", "g", "o")}
    hs = np.empty((T, N, H))
    h, c = h0, c0

    def pre(g: str, t: int) -> np.ndarray:
        Wx, Wh, b = W[g]
        return x[t] @ Wx.T + h @ Wh.T + b

    for t in range(T):
        g_t = np.tanh(pre("g", t))
        if coupled:
            f_t = sigmoid(pre("f", t) + peep["f"] * c)
            i_t = 1.0 - f_t
        else:
            i_t = sigmoid(pre("i", t) + peep["i"] * c)
            f_t = sigmoid(pre("f", t) + peep["f"] * c) if forget_gate else np.ones((N, H))
        c = f_t * c + i_t * g_t
        o_t = sigmoid(pre("o", t) + peep["o"] * c)        # the output gate peeks at the new cell
        h = o_t * np.tanh(c)
        hs[t] = h
        for name, value in zip(("c", "i", "f", "g", "o"), (c, i_t, f_t, g_t, o_t)):
            trace[name][t] = value
    return hs, (h, c), trace


# ---------------------------------------------------------------- clockwork RNN: structure
def module_layout(periods: Sequence[int], module_sizes: int | Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Validate clock periods (positive, non-decreasing) and module sizes; return both as tuples."""
    if isinstance(periods, (str, bytes)) or not isinstance(periods, Sequence) or len(periods) == 0:
        raise ValueError(f"periods must be a non-empty sequence of positive integers, got {periods!r}")
    periods = tuple(_validate.positive_int("each period", T) for T in periods)
    if any(a > b for a, b in zip(periods, periods[1:])):
        raise ValueError(f"periods must be sorted fastest first (non-decreasing), as in the paper; got {periods}")
    if isinstance(module_sizes, Sequence) and not isinstance(module_sizes, (str, bytes)):
        sizes = tuple(_validate.positive_int("each module size", k) for k in module_sizes)
        if len(sizes) != len(periods):
            raise ValueError(f"module_sizes must give one size per period ({len(periods)}), got {len(sizes)}")
    else:
        sizes = (_validate.positive_int("module_sizes", module_sizes),) * len(periods)
    return periods, sizes


def unit_periods(periods: Sequence[int], module_sizes: int | Sequence[int]) -> np.ndarray:
    """The clock period of every hidden unit, shape (H,)."""
    periods, sizes = module_layout(periods, module_sizes)
    return np.repeat(np.array(periods), sizes)


def clockwork_mask(periods: Sequence[int], module_sizes: int | Sequence[int]) -> np.ndarray:
    """(H, H) 0/1 mask of allowed recurrent weights: unit r may read unit c iff period(c) ≥ period(r).

    Rows are receivers ("to ← from", like W_hh). Block upper-triangular for sorted periods.
    """
    per = unit_periods(periods, module_sizes)
    return (per[None, :] >= per[:, None]).astype(np.float64)


def active_units(t: int, periods: Sequence[int], module_sizes: int | Sequence[int]) -> np.ndarray:
    """Boolean (H,): the units whose module updates at step t (t mod T_k = 0)."""
    t = _validate.positive_int("t", t, minimum=0)
    return t % unit_periods(periods, module_sizes) == 0


def init_clockwork_params(D: int, periods: Sequence[int], module_sizes: int | Sequence[int],
                          rng: np.random.Generator | None = None) -> dict[str, np.ndarray]:
    """{W_hx, W_hh, b_h} drawn like torch's nn.RNN (U(−1/√H, 1/√H)), with forbidden W_hh entries zero."""
    D = _validate.positive_int("D", D)
    mask = clockwork_mask(periods, module_sizes)
    H = mask.shape[0]
    rng = np.random.default_rng(0) if rng is None else rng
    k = 1.0 / np.sqrt(H)
    return {"W_hx": rng.uniform(-k, k, (H, D)), "W_hh": rng.uniform(-k, k, (H, H)) * mask,
            "b_h": rng.uniform(-k, k, H)}


# ---------------------------------------------------------------- clockwork RNN: numpy reference
def clockwork_forward(x, h0, params: dict, periods: Sequence[int], module_sizes: int | Sequence[int],
                      t0: int = 0):
    """Run a clockwork RNN over x (T, N, D) from h0 (N, H), float64, one module at a time.

    Step s of the sequence has clock time t = t0 + s. Entries of W_hh outside the allowed blocks
    are never read (so they need not be zero). Returns hs (T, N, H) and active (T, H), the
    units that updated at each step.
    """
    periods, sizes = module_layout(periods, module_sizes)
    t0 = _validate.positive_int("t0", t0, minimum=0)
    if not isinstance(params, dict) or set(params) != {"W_hx", "W_hh", "b_h"}:
        raise ValueError(f"params must be a dict with exactly W_hx, W_hh, b_h, got "
                         f"{sorted(params) if isinstance(params, dict) else type(params).__name__}")
    W_hx, W_hh, b_h = (_check_float64(n, params[n]) for n in ("W_hx", "W_hh", "b_h"))
    H = sum(sizes)
    if W_hx.ndim != 2 or W_hx.shape[0] != H or W_hh.shape != (H, H) or b_h.shape != (H,):
        raise ValueError(f"the modules have H = {H} units: W_hx must be (H, D), W_hh (H, H), b_h (H,); "
                         f"got {W_hx.shape}, {W_hh.shape}, {b_h.shape}")
    T, N = _check_sequence(x, {"h0": h0}, W_hx.shape[1], H)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    blocks = [slice(starts[k], starts[k + 1]) for k in range(len(sizes))]
    hs = np.empty((T, N, H))
    active = np.zeros((T, H), dtype=bool)
    h = h0
    for s in range(T):
        t = t0 + s
        h_new = h.copy()                                   # inactive modules keep their state
        for k, rows in enumerate(blocks):
            if t % periods[k]:
                continue
            a = x[s] @ W_hx[rows].T + b_h[rows]
            for j in range(len(blocks)):                   # only slower-or-equal modules feed module k
                if periods[j] >= periods[k]:
                    a = a + h[:, blocks[j]] @ W_hh[rows, blocks[j]].T
            h_new[:, rows] = np.tanh(a)
            active[s, rows] = True
        h = h_new
        hs[s] = h
    return hs, active


# ---------------------------------------------------------------- torch modules
def _uniform_init(seed: int | None) -> np.random.Generator:
    if seed is not None:
        seed = _validate.positive_int("seed", seed, minimum=0)
    return np.random.default_rng(seed)


def _check_input(x, D: int) -> None:
    if not isinstance(x, torch.Tensor) or x.ndim != 3 or x.shape[2] != D:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must be a tensor of shape (T, N, D) = (T, N, {D}), time-major, got {shape}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x must have at least one step and one example, got shape {tuple(x.shape)}")


def _check_state(name: str, s, N: int, H: int) -> None:
    if not isinstance(s, torch.Tensor) or tuple(s.shape) != (N, H):
        shape = tuple(s.shape) if isinstance(s, torch.Tensor) else type(s).__name__
        raise ValueError(f"{name} must be a tensor of shape (N, H) = ({N}, {H}), got {shape}")


class _NumpyParams(nn.Module):
    """Parameters that copy to and from a dict of numpy arrays, keyed by parameter name."""

    def numpy_params(self) -> dict[str, np.ndarray]:
        """The parameters as float64 numpy arrays (copies), keyed like the numpy reference."""
        return {name: p.detach().cpu().double().numpy().copy() for name, p in self.named_parameters()}

    def load_numpy_params(self, params: dict) -> None:
        """Copy numpy arrays into the parameters (same keys and shapes, cast to the module's dtype)."""
        own = dict(self.named_parameters())
        if not isinstance(params, dict) or set(params) != set(own):
            got = sorted(params) if isinstance(params, dict) else type(params).__name__
            raise ValueError(f"params must have exactly the keys {sorted(own)}, got {got}")
        with torch.no_grad():
            for name, p in own.items():
                value = torch.as_tensor(np.asarray(params[name]), dtype=p.dtype)
                if value.shape != p.shape:
                    raise ValueError(f"{name} must have shape {tuple(p.shape)}, got {tuple(value.shape)}")
                p.copy_(value)


class LSTMVariant(_NumpyParams):
    """An LSTM layer with switches: forget gate on/off, diagonal peepholes, coupled input gate i = 1 − f.

    forward(x, state=None): x (T, N, D) → hs (T, N, H), (h_T, c_T). Parameters are named like the
    numpy reference (W_x, W_h, b, p_i, p_f, p_o) and initialised from numpy's generator seeded by
    `seed`, so a model is reproducible without touching torch's global generator.
    """

    def __init__(self, input_size: int, hidden_size: int, *, forget_gate: bool = True, peepholes: bool = False,
                 coupled: bool = False, forget_bias: float = 0.0, seed: int | None = None):
        super().__init__()
        self.input_size = _validate.positive_int("input_size", input_size)
        self.hidden_size = _validate.positive_int("hidden_size", hidden_size)
        self.gates = gate_order(forget_gate, coupled)
        self.forget_gate, self.peepholes, self.coupled = forget_gate, peepholes, coupled
        p = init_variant_params(input_size, hidden_size, forget_gate=forget_gate, peepholes=peepholes,
                                coupled=coupled, forget_bias=forget_bias, rng=_uniform_init(seed))
        for name, value in p.items():
            self.register_parameter(name, nn.Parameter(torch.as_tensor(value, dtype=torch.float32)))

    def extra_repr(self) -> str:
        return (f"{self.input_size}, {self.hidden_size}, gates={self.gates!r}, peepholes={self.peepholes}, "
                f"coupled={self.coupled}")

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None):
        _check_input(x, self.input_size)
        N, H = x.shape[1], self.hidden_size
        if state is None:
            h = c = x.new_zeros(N, H)
        else:
            h, c = state
            _check_state("h0", h, N, H)
            _check_state("c0", c, N, H)
        x_proj = nn.functional.linear(x, self.W_x, self.b)      # all input projections at once
        hs = []
        for t in range(x.shape[0]):
            h, c = self._step(x_proj[t] + h @ self.W_h.T, c)
            hs.append(h)
        return torch.stack(hs), (h, c)

    def _step(self, z: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One step from the pre-activations z (N, G·H) and the old cell c."""
        parts = dict(zip(self.gates, z.chunk(len(self.gates), dim=1)))
        if self.peepholes:                                      # i and f peek at c_{t−1}
            for g in "if":
                if g in parts:
                    parts[g] = parts[g] + getattr(self, f"p_{g}") * c
        g_t = torch.tanh(parts["g"])
        if self.coupled:
            f_t = torch.sigmoid(parts["f"])
            c = f_t * c + (1.0 - f_t) * g_t
        elif self.forget_gate:
            c = torch.sigmoid(parts["f"]) * c + torch.sigmoid(parts["i"]) * g_t
        else:
            c = c + torch.sigmoid(parts["i"]) * g_t
        z_o = parts["o"] + self.p_o * c if self.peepholes else parts["o"]   # o peeks at c_t
        return torch.sigmoid(z_o) * torch.tanh(c), c


class ClockworkRNN(_NumpyParams):
    """Clockwork RNN layer (Koutník et al. 2014); see the module docstring for the convention.

    forward(x, h0=None, t0=0): x (T, N, D) → hs (T, N, H), h_T. The recurrent weight is used as
    W_hh ⊙ mask, so forbidden connections stay zero and get zero gradient. A single module of
    period 1 is an SRN.
    """

    def __init__(self, input_size: int, periods: Sequence[int], module_sizes: int | Sequence[int],
                 seed: int | None = None):
        super().__init__()
        self.input_size = _validate.positive_int("input_size", input_size)
        self.periods, self.module_sizes = module_layout(periods, module_sizes)
        self.hidden_size = sum(self.module_sizes)
        self.register_buffer("mask", torch.as_tensor(clockwork_mask(self.periods, self.module_sizes),
                                                     dtype=torch.float32))
        self.register_buffer("unit_periods", torch.as_tensor(unit_periods(self.periods, self.module_sizes)))
        p = init_clockwork_params(input_size, self.periods, self.module_sizes, rng=_uniform_init(seed))
        for name, value in p.items():
            self.register_parameter(name, nn.Parameter(torch.as_tensor(value, dtype=torch.float32)))

    def extra_repr(self) -> str:
        return f"{self.input_size}, periods={self.periods}, module_sizes={self.module_sizes}"

    def masked_entries(self) -> int:
        """How many entries of W_hh the mask forbids (they are parameters that never act)."""
        return int((self.mask == 0).sum())

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None, t0: int = 0):
        _check_input(x, self.input_size)
        t0 = _validate.positive_int("t0", t0, minimum=0)
        N, H = x.shape[1], self.hidden_size
        h = x.new_zeros(N, H) if h0 is None else h0
        _check_state("h0", h, N, H)
        x_proj = nn.functional.linear(x, self.W_hx, self.b_h)
        W_hh = self.W_hh * self.mask.to(x.dtype)
        hs = []
        for s in range(x.shape[0]):
            active = (t0 + s) % self.unit_periods == 0
            h_new = torch.tanh(x_proj[s] + h @ W_hh.T)
            h = h_new if bool(active.all()) else torch.where(active, h_new, h)
            hs.append(h)
        return torch.stack(hs), h


def make_srn(input_size: int, hidden_size: int, seed: int | None = None) -> ClockworkRNN:
    """An SRN as a clockwork RNN with one module of period 1 (same code path, for fair timing)."""
    return ClockworkRNN(input_size, (1,), _validate.positive_int("hidden_size", hidden_size), seed=seed)


# ---------------------------------------------------------------- checks of the readable step functions of lecture 09
def split_gates(params: dict, gates: str) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per-gate (W_x, W_h, b) blocks of packed parameters whose gate order is `gates`, e.g. "ifgo" or "fgo"."""
    if not isinstance(gates, str) or not gates or set(gates) - set("ifgo") or len(set(gates)) != len(gates):
        raise ValueError(f"gates must name distinct gates from 'ifgo' in packing order, e.g. 'igo', got {gates!r}")
    if not isinstance(params, dict) or not {"W_x", "W_h", "b"} <= set(params):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params must be a dict with W_x, W_h and b, got {got}")
    check_packed_params(params["W_x"], params["W_h"], params["b"], len(gates))
    H = params["W_h"].shape[1]
    return {g: tuple(params[name][k * H:(k + 1) * H] for name in ("W_x", "W_h", "b")) for k, g in enumerate(gates)}


def run_steps(step: Callable, x, h0, c0, params: dict):
    """Apply step(x_t, h, c, params) -> (h, c) along a time-major x (T, N, D); return all h_t (T, N, H) and c_T."""
    if not callable(step):
        raise TypeError(f"step must be a function step(x_t, h, c, params) -> (h, c), got {type(step).__name__}")
    for name, value in (("x", x), ("h0", h0), ("c0", c0)):
        _check_float64(name, value)
    _check_sequence(x, {"h0": h0, "c0": c0}, x.shape[-1] if x.ndim else 0, h0.shape[-1] if h0.ndim else 0)
    hs, h, c = [], h0, c0
    for x_t in x:
        h, c = step(x_t, h, c, params)
        hs.append(h)
    return np.stack(hs), c


def compare_step(step: Callable, flags: dict, *, T: int = 6, N: int = 3, D: int = 2, H: int = 5,
                 seed: int = 1) -> float:
    """Largest |difference| of the hidden states between a step function (run with `run_steps`),
    `variant_forward` and `LSTMVariant` (float64), for the variant `flags` (a value of VARIANTS) on
    random weights, inputs and initial states drawn from `seed`."""
    if not isinstance(flags, dict) or set(flags) != {"forget_gate", "peepholes", "coupled"}:
        raise ValueError(f"flags must be a dict of forget_gate, peepholes, coupled (a value of VARIANTS), "
                         f"got {flags!r}")
    T, N, D, H = (_validate.positive_int(n, v) for n, v in (("T", T), ("N", N), ("D", D), ("H", H)))
    r = np.random.default_rng(_validate.positive_int("seed", seed, minimum=0))
    layer = LSTMVariant(D, H, **flags, seed=seed).double()
    params = layer.numpy_params()
    x, h0, c0 = r.standard_normal((T, N, D)), 0.5 * r.standard_normal((N, H)), 0.5 * r.standard_normal((N, H))
    hs_step, _ = run_steps(step, x, h0, c0, params)
    hs_ref, _, _ = variant_forward(x, h0, c0, params, **flags)
    with torch.no_grad():
        hs_torch, _ = layer(torch.as_tensor(x), (torch.as_tensor(h0), torch.as_tensor(c0)))
    return float(max(np.abs(hs_step - hs_ref).max(), np.abs(hs_step - hs_torch.numpy()).max()))


def gate_slices(params: dict, gates: str) -> dict[str, np.ndarray]:
    """Packed W_x, W_h, b of the listed gates (in that order), taken from a standard "ifgo" parameter set:
    the weights a variant shares with the standard cell."""
    blocks = split_gates(params, "ifgo")
    if not isinstance(gates, str) or set(gates) - set("ifgo"):
        raise ValueError(f"gates must be a string of gates from 'ifgo', got {gates!r}")
    return {name: np.concatenate([blocks[g][k] for g in gates]) for k, name in enumerate(("W_x", "W_h", "b"))}


def forced_forget_params(params_igo: dict, big: float = 40.0) -> dict[str, np.ndarray]:
    """Standard LSTM parameters ("ifgo", torch's order) for a cell without forget gate ("igo"): an f block
    with zero weights and bias `big` is inserted, so that f = σ(big) = 1.0 exactly in float64 for big ≥ 37."""
    blocks = split_gates(params_igo, "igo")
    big = _validate.finite_float("big", big, low=0.0, low_open=True)
    H = params_igo["W_h"].shape[1]
    forced = {name: np.concatenate([blocks["i"][k], np.zeros_like(blocks["i"][k]), blocks["g"][k], blocks["o"][k]])
              for k, name in enumerate(("W_x", "W_h", "b"))}
    forced["b"][H:2 * H] = big
    return forced


def no_forget_vs_forced_lstm(*, T: int = 6, N: int = 3, D: int = 2, H: int = 5, seed: int = 2,
                             data_seed: int = 3) -> dict[str, float]:
    """The cell without forget gate (LSTMVariant, float64) against torch's own nn.LSTM with the forget
    gate forced to 1 (`forced_forget_params`), on L = Σ_t <R_t, h_t> + <R_c, c_T> with random R.

    Returns the largest differences of the states ("states": every h_t and c_T), of the gradients of
    x, h_0, c_0 and the i, g, o weights ("grads"), and the largest gradient that nn.LSTM's forced
    forget-gate weights receive ("forced_gate": 0 when σ'(40) = 0 in float64).
    """
    from .torch_bridge import lstm_to_torch

    T, N, D, H = (_validate.positive_int(n, v) for n, v in (("T", T), ("N", N), ("D", D), ("H", H)))
    no_forget = LSTMVariant(D, H, forget_gate=False, seed=seed).double()
    reference = lstm_to_torch(forced_forget_params(no_forget.numpy_params()))
    r = np.random.default_rng(_validate.positive_int("data_seed", data_seed, minimum=0))
    x, h0, c0 = r.standard_normal((T, N, D)), 0.5 * r.standard_normal((N, H)), 0.5 * r.standard_normal((N, H))
    R, R_c = torch.as_tensor(r.standard_normal((T, N, H))), torch.as_tensor(r.standard_normal((N, H)))
    ours = [torch.tensor(a, requires_grad=True) for a in (x, h0, c0)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, h0, c0)]
    hs, (_, c_T) = no_forget(ours[0], (ours[1], ours[2]))
    hs_ref, (_, c_ref) = reference(theirs[0], (theirs[1][None], theirs[2][None]))
    ((R * hs).sum() + (R_c * c_T).sum()).backward()
    ((R * hs_ref).sum() + (R_c * c_ref[0]).sum()).backward()
    igo, f_rows = np.r_[0:H, 2 * H:4 * H], slice(H, 2 * H)           # nn.LSTM's rows of i, g, o and of f
    pairs = [(a.grad, b.grad) for a, b in zip(ours, theirs)] + [
        (no_forget.W_x.grad, reference.weight_ih_l0.grad[igo]), (no_forget.W_h.grad, reference.weight_hh_l0.grad[igo]),
        (no_forget.b.grad, reference.bias_ih_l0.grad[igo]), (no_forget.b.grad, reference.bias_hh_l0.grad[igo])]
    gap = lambda a, b: float((a.detach() - b.detach()).abs().max())
    return {"states": max(gap(hs, hs_ref), gap(c_T, c_ref[0])),
            "grads": max(gap(a, b) for a, b in pairs),
            "forced_gate": float(max(reference.weight_ih_l0.grad[f_rows].abs().max(),
                                     reference.weight_hh_l0.grad[f_rows].abs().max()))}


def drift_stats(x, params: dict, **flags) -> dict[str, np.ndarray | float]:
    """Run a variant from zero states over a (long) input x (T, N, D) and measure its cell at every step:
    "mean |c|" (T,), "saturated" (T,): the share of units with |tanh c| > 0.99, "dh/dc" (T,): the mean
    slope o ⊙ (1 − tanh² c) through which h_t reads the cell, and "max |c|" over all steps (a float)."""
    names = variant_param_names(**{k: flags[k] for k in ("forget_gate", "peepholes", "coupled") if k in flags})
    if not isinstance(params, dict) or set(params) != set(names):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params must have exactly the keys {list(names)} for these flags, got {got}")
    zeros = np.zeros((np.shape(x)[1] if np.ndim(x) == 3 else 0, params["W_h"].shape[1]))
    _, _, trace = variant_forward(x, zeros, zeros, params, **flags)
    c, o = trace["c"], trace["o"]
    tanh_c = np.tanh(c)
    return {"mean |c|": np.abs(c).mean(axis=(1, 2)), "saturated": (np.abs(tanh_c) > 0.99).mean(axis=(1, 2)),
            "dh/dc": (o * (1 - tanh_c ** 2)).mean(axis=(1, 2)), "max |c|": float(np.abs(c).max())}


def layer_gradient_checks(*, T: int = 4, N: int = 2, D: int = 2, H: int = 3, seed: int = 4) -> dict:
    """`checks.autograd_check` for the six LSTM cells (standard, no forget gate, coupled; each without and
    with peepholes) and a clockwork RNN (periods 1, 2, 4 of two units, clock from t = 1), float64.

    The loss is L = Σ_t <R_t, h_t> (+ <R_c, c_T> for the LSTM cells) with random R. Returns
    {"cells": {name: (gradcheck passed, largest relative error against finite differences of the numpy
    reference)}, "clockwork": (passed, error), "clockwork_grads": autograd's gradients, "clockwork_mask"}.
    """
    from torch.func import functional_call

    from .checks import autograd_check

    T, N, D, H = (_validate.positive_int(n, v) for n, v in (("T", T), ("N", N), ("D", D), ("H", H)))
    r = np.random.default_rng(_validate.positive_int("seed", seed, minimum=0))
    cells = {}
    variants = (("standard", {}), ("no forget gate", {"forget_gate": False}), ("coupled", {"coupled": True}))
    for base, switches in variants:
        for peepholes in (False, True):
            flags = {"forget_gate": True, "coupled": False, **switches, "peepholes": peepholes}
            layer = LSTMVariant(D, H, **flags, seed=seed).double()

            def torch_fn(x, h0, c0, layer=layer, **p):
                hs, (_, c_T) = functional_call(layer, p, (x, (h0, c0)))
                return hs, c_T

            def numpy_fn(x, h0, c0, flags=flags, **p):
                hs, (_, c_T), _ = variant_forward(x, h0, c0, p, **flags)
                return hs, c_T

            arrays = {"x": r.standard_normal((T, N, D)), "h0": 0.5 * r.standard_normal((N, H)),
                      "c0": 0.5 * r.standard_normal((N, H))} | layer.numpy_params()
            weights = (r.standard_normal((T, N, H)), r.standard_normal((N, H)))
            passed, error, _ = autograd_check(torch_fn, numpy_fn, arrays, weights)
            cells[base + (" + peepholes" if peepholes else "")] = (passed, error)

    periods, m, t0 = (1, 2, 4), 2, 1
    cw = ClockworkRNN(D, periods, m, seed=seed).double()
    arrays = {"x": r.standard_normal((6, N, D)), "h0": 0.5 * r.standard_normal((N, cw.hidden_size))} | cw.numpy_params()
    passed, error, grads = autograd_check(
        lambda x, h0, **p: (functional_call(cw, p, (x, h0), {"t0": t0})[0],),
        lambda x, h0, **p: (clockwork_forward(x, h0, p, periods, m, t0=t0)[0],),
        arrays, (r.standard_normal((6, N, cw.hidden_size)),))
    return {"cells": cells, "clockwork": (passed, error), "clockwork_grads": grads,
            "clockwork_mask": clockwork_mask(periods, m)}


# ---------------------------------------------------------------- counting
def count_parameters(model: nn.Module) -> int:
    """Trainable numbers that act in the model: all parameter entries minus clockwork-masked ones."""
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    total = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return total - sum(m.masked_entries() for m in model.modules() if isinstance(m, ClockworkRNN))
