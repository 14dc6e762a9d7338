"""Sequence → number: a recurrent layer read by a linear head at the last step, trained on MSE.

One model family and one recipe shared by the lectures on vanishing gradients, GRU, LSTM and LSTM
variants and by the benchmarks, so that "the SRN fails where the LSTM succeeds" compares like
with like:

    model = SequenceRegressor("rnn", input_size=2, hidden_size=64, seed=0)
    hist = train_regressor(model, tasks.adding_task(T=100), steps=1000, clip=1.0, seed=0)
    hist.eval_mse[-1]          # held-out MSE after the last step

`SequenceRegressor` reads torch's own nn.RNN / nn.GRU / nn.LSTM; `LastStateRegressor` reads a
layer of `lstm_variants` (an LSTM variant or a clockwork RNN), and `variant_regressor` builds one
by name for lecture 09's comparison. A task is any callable `task(N, rng) -> (x, y)` (see
`tasks`) returning a time-major float batch x (T, N, D) and targets y (N,) or (N, O). Each
training step draws a fresh batch, so there is no overfitting to speak of; a separate held-out
set (`heldout_set`), drawn once from its own generator, measures progress. Batches are converted
to the dtype of the model's parameters: float32 as torch creates them, float64 after
`model.double()`. The loop itself is `train.fit`.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from . import _validate
from .initialisation import INITS, initialise_recurrence
from .lstm_variants import VARIANTS, ClockworkRNN, LSTMVariant, make_srn
from .session import seeded
from .train import History, fit, fresh_batches

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}      # torch's recurrent layers, by the course's names

Task = Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


class SequenceRegressor(nn.Module):
    """A recurrent layer (torch nn.RNN, nn.GRU or nn.LSTM) read by a linear head.

    forward(x): x (T, N, D), time-major → ŷ (N, O) = W_oh h_T + b_o from the last hidden state
    of the top layer. `forget_bias` (LSTM only) sets the forget-gate slice [H:2H] of bias_ih to
    this value and of bias_hh to 0, so their sum is the value (torch adds the two vectors).
    `nonlinearity` ("tanh" or "relu", cell "rnn" only) is nn.RNN's; `init` names the initial
    recurrent weights (`initialisation.INITS`): "default" (torch's), "orthogonal" or "identity";
    "rnn" with "relu" and "identity" is the IRNN of Le et al. (2015).
    `seed` makes the initial weights reproducible without touching torch's global generator.
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, output_size: int = 1, *,
                 num_layers: int = 1, forget_bias: float | None = None, nonlinearity: str = "tanh",
                 init: str = "default", seed: int | None = None):
        super().__init__()
        self.cell = _validate.choice("cell", cell, CELLS)
        input_size = _validate.positive_int("input_size", input_size)
        hidden_size = _validate.positive_int("hidden_size", hidden_size)
        output_size = _validate.positive_int("output_size", output_size)
        num_layers = _validate.positive_int("num_layers", num_layers)
        if forget_bias is not None:
            if cell != "lstm":
                raise ValueError(f"forget_bias applies to cell='lstm' only, got cell={cell!r}")
            forget_bias = _validate.finite_float("forget_bias", forget_bias)
        nonlinearity = _validate.choice("nonlinearity", nonlinearity, ("tanh", "relu"))
        if nonlinearity != "tanh" and cell != "rnn":
            raise ValueError(f"nonlinearity applies to cell='rnn' only, got cell={cell!r}")
        init = _validate.choice("init", init, INITS)
        options = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
        with seeded(seed):
            self.rnn = CELLS[cell](input_size, hidden_size, num_layers=num_layers, **options)
            self.head = nn.Linear(hidden_size, output_size)
            initialise_recurrence(self.rnn, init)
        if forget_bias is not None:
            H = hidden_size
            with torch.no_grad():
                for layer in range(num_layers):
                    getattr(self.rnn, f"bias_ih_l{layer}")[H:2 * H] = forget_bias
                    getattr(self.rnn, f"bias_hh_l{layer}")[H:2 * H] = 0.0

    @property
    def input_size(self) -> int:
        return self.rnn.input_size

    @property
    def output_size(self) -> int:
        return self.head.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"x must have shape (T, N, D) = (T, N, {self.input_size}), time-major, "
                             f"got {tuple(x.shape)}")
        out, _ = self.rnn(x)          # out (T, N, H): top-layer states at every step
        return self.head(out[-1])


class LastStateRegressor(nn.Module):
    """A layer of lstm_variants (LSTMVariant or ClockworkRNN) read by a linear head at the last step.

    The head is drawn like torch's nn.Linear, U(−1/√H, 1/√H), from numpy's generator seeded by `seed`.
    """

    def __init__(self, core: nn.Module, output_size: int = 1, seed: int | None = None):
        super().__init__()
        if not isinstance(core, (LSTMVariant, ClockworkRNN)):
            raise ValueError(f"core must be an LSTMVariant or a ClockworkRNN, got {type(core).__name__}")
        self.core = core
        output_size = _validate.positive_int("output_size", output_size)
        if seed is not None:
            seed = _validate.positive_int("seed", seed, minimum=0)
        rng = np.random.default_rng(seed)
        k = 1.0 / np.sqrt(core.hidden_size)
        self.head = nn.Linear(core.hidden_size, output_size)
        with torch.no_grad():
            self.head.weight.copy_(torch.as_tensor(rng.uniform(-k, k, (output_size, core.hidden_size))))
            self.head.bias.copy_(torch.as_tensor(rng.uniform(-k, k, output_size)))

    @property
    def input_size(self) -> int:
        return self.core.input_size

    @property
    def output_size(self) -> int:
        return self.head.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hs, _ = self.core(x)
        return self.head(hs[-1])


REGRESSORS = (SequenceRegressor, LastStateRegressor)


def variant_regressor(kind: str, input_size: int, hidden_size: int, *, forget_bias: float = 1.0,
                      periods: Sequence[int] = (1, 2, 4, 8), seed: int = 0) -> LastStateRegressor:
    """A LastStateRegressor with the layer `kind`: a key of lstm_variants.VARIANTS, "clockwork" or "srn".

    LSTM variants with a forget gate get `forget_bias`; the clockwork RNN splits hidden_size
    evenly over `periods`. The layer is drawn from `seed`, the head from seed + 1.
    """
    kinds = set(VARIANTS) | {"clockwork", "srn"}
    kind = _validate.choice("kind", kind, kinds)
    if kind in VARIANTS:
        flags = VARIANTS[kind]
        core = LSTMVariant(input_size, hidden_size, **flags,
                           forget_bias=forget_bias if flags["forget_gate"] else 0.0, seed=seed)
    elif kind == "srn":
        core = make_srn(input_size, hidden_size, seed=seed)
    else:
        periods = tuple(periods)
        hidden_size = _validate.positive_int("hidden_size", hidden_size)
        if len(periods) == 0 or hidden_size % len(periods):
            raise ValueError(f"hidden_size must split evenly over the {len(periods)} periods, got {hidden_size}")
        core = ClockworkRNN(input_size, periods, hidden_size // len(periods), seed=seed)
    return LastStateRegressor(core, seed=seed + 1)


def heldout_set(task: Task, size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The held-out set that `train_regressor(..., eval_size=size, seed=seed)` evaluates on.

    The seed is split in two independent streams: the first draws the training batches, the
    second this set, so changing the batch size or the number of steps leaves it unchanged.
    """
    if not callable(task):
        raise ValueError("task must be a callable task(N, rng) -> (x, y), e.g. tasks.adding_task(T)")
    size = _validate.positive_int("size", size)
    seed = _validate.positive_int("seed", seed, minimum=0)
    _, eval_seq = np.random.SeedSequence(seed).spawn(2)
    return task(size, np.random.default_rng(eval_seq))


def _check_model(model) -> None:
    if not isinstance(model, REGRESSORS):
        raise ValueError(f"model must be a SequenceRegressor or a LastStateRegressor, got {type(model).__name__}")


def _as_tensors(x, y, model: nn.Module, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Check a batch from a task and convert it to tensors of the model's dtype, targets shaped (N, O)."""
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 3 or x.shape[2] != model.input_size:
        raise ValueError(f"{what}: x must have shape (T, N, D) = (T, N, {model.input_size}), got {x.shape}")
    N, O = x.shape[1], model.output_size
    if y.shape == (N,) and O == 1:
        y = y[:, None]
    if y.shape != (N, O):
        raise ValueError(f"{what}: y must have shape (N, O) = ({N}, {O})" + (" or (N,)" if O == 1 else "")
                         + f", got {y.shape}")
    dtype = model.head.weight.dtype
    return torch.as_tensor(x, dtype=dtype), torch.as_tensor(y, dtype=dtype)


def evaluate_mse(model: nn.Module, x, y, batch_size: int = 1024) -> float:
    """Mean squared error of the model on (x, y), in batches of `batch_size`, without gradients."""
    _check_model(model)
    batch_size = _validate.positive_int("batch_size", batch_size)
    xt, yt = _as_tensors(x, y, model, "evaluate_mse")
    was_training = model.training
    model.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, xt.shape[1], batch_size):
            pred = model(xt[:, start:start + batch_size])
            total += float(((pred - yt[start:start + batch_size]) ** 2).sum())
    model.train(was_training)
    return total / yt.numel()


def train_regressor(model: nn.Module, task: Task, *, steps: int | None = None, time_limit: float | None = None,
                    batch_size: int = 64, lr: float = 1e-3, clip: float | None = None, weight_decay: float = 0.0,
                    eval_size: int = 512, eval_every: int = 50, target_mse: float | None = None,
                    flush_denormal: bool = False, seed: int = 0, progress: bool = False) -> History:
    """Train a SequenceRegressor or LastStateRegressor in place with Adam on mean squared error.

    Each update draws a fresh batch of `batch_size` from task(N, rng), the generator seeded by
    `seed`; the held-out set of `eval_size` examples is `heldout_set(task, eval_size, seed)`,
    measured at step 0, every `eval_every` updates and after the last (History.eval_mse).
    Training stops after `steps` updates or `time_limit` seconds, at the first evaluation below
    `target_mse`, or when the loss becomes NaN or inf; `clip`, `weight_decay`, `flush_denormal`
    and `progress` are those of `train.fit`.
    """
    _check_model(model)
    if not callable(task):
        raise ValueError("task must be a callable task(N, rng) -> (x, y), e.g. tasks.adding_task(T)")
    steps, time_limit = _validate.training_length(steps, time_limit)
    batch_size = _validate.positive_int("batch_size", batch_size)
    eval_size = _validate.positive_int("eval_size", eval_size)
    seed = _validate.positive_int("seed", seed, minimum=0)
    train_seq, _ = np.random.SeedSequence(seed).spawn(2)
    x_eval, y_eval = _as_tensors(*heldout_set(task, eval_size, seed), model, "task(eval_size, rng)")

    def mse(batch) -> torch.Tensor:
        x, y = _as_tensors(*batch, model, "task(batch_size, rng)")
        return ((model(x) - y) ** 2).mean()

    label = f"{model.cell if isinstance(model, SequenceRegressor) else type(model.core).__name__} training"
    return fit(model, fresh_batches(task, batch_size, np.random.default_rng(train_seq)), mse,
               steps=steps, time_limit=time_limit, lr=lr, weight_decay=weight_decay, clip=clip,
               evaluate=lambda: {"mse": evaluate_mse(model, x_eval, y_eval)}, eval_every=eval_every,
               target_mse=target_mse, flush_denormal=flush_denormal, progress=progress, label=label)
