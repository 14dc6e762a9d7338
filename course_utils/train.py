"""Train a torch sequence regressor (SRN, GRU or LSTM + linear head) on a synthetic task.

One model and one loop shared by the lectures on vanishing gradients, GRU and LSTM and by the
benchmarks, so that "the SRN fails where the LSTM succeeds" compares like with like:

    model = SequenceRegressor("rnn", input_size=2, hidden_size=64, seed=0)
    hist = train_regressor(model, adding_task(T=100), steps=1000, clip=1.0, seed=0)
    hist.eval_mse[-1]          # held-out MSE after the last step

A task is any callable `task(N, rng) -> (x, y)` returning a time-major float batch x (T, N, D) and
targets y (N,) or (N, O), drawn from the numpy Generator `rng`. Each training step draws a fresh
batch, so there is no overfitting to speak of; a separate held-out set, drawn once from its own
generator, measures progress. Batches are converted to the dtype of the model's parameters:
float32 as torch creates them, float64 after `model.double()`.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn

from . import _validate

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}

Task = Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


class SequenceRegressor(nn.Module):
    """A recurrent layer (torch nn.RNN with tanh, nn.GRU or nn.LSTM) read by a linear head.

    forward(x): x (T, N, D), time-major → ŷ (N, O) = W_oh h_T + b_o from the last hidden state
    of the top layer. `forget_bias` (LSTM only) sets the forget-gate slice [H:2H] of bias_ih to
    this value and of bias_hh to 0, so their sum is the value (torch adds the two vectors).
    `seed` makes the initial weights reproducible without touching torch's global generator.
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, output_size: int = 1, *,
                 num_layers: int = 1, forget_bias: float | None = None, seed: int | None = None):
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
        if seed is not None:
            seed = _validate.positive_int("seed", seed, minimum=0)
        with torch.random.fork_rng(devices=[], enabled=seed is not None):
            if seed is not None:
                torch.manual_seed(seed)
            self.rnn = CELLS[cell](input_size, hidden_size, num_layers=num_layers)
            self.head = nn.Linear(hidden_size, output_size)
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


@dataclass
class History:
    """What `train_regressor` logged, one entry per evaluation (the first one at step 0).

    steps: updates done; eval_mse: MSE on the held-out set at that moment; train_mse: mean MSE of
    the training batches used since the previous entry (each measured before its update);
    grad_norm: largest gradient norm (before clipping) since the previous entry; seconds: wall
    time since training began. At step 0 no update has happened, so train_mse and grad_norm are
    NaN there. diverged is True when a loss or gradient became NaN or inf: training stopped, and
    the last entry is that step, whose update was not applied.
    """

    steps: list[int] = field(default_factory=list)
    train_mse: list[float] = field(default_factory=list)
    eval_mse: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    diverged: bool = False

    def final_eval_mse(self) -> float:
        """Held-out MSE after the last step."""
        if not self.eval_mse:
            raise ValueError("the history is empty: nothing was trained")
        return self.eval_mse[-1]


def adding_task(T: int) -> Task:
    """The adding problem of length T (tasks.adding_problem) as a task for `train_regressor`."""
    from .tasks import adding_problem

    T = _validate.positive_int("T", T, minimum=2)

    def task(N: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return adding_problem(T, N, rng)

    task.__name__ = f"adding_task_T{T}"
    return task


def recall_task(T: int) -> Task:
    """Recall the first of T inputs: x (T, N, 1) ~ U(−1, 1), target y = x_1 (N,).

    Needs a memory of T − 1 steps and nothing else; always answering 0 gives MSE 1/3.
    """
    T = _validate.positive_int("T", T, minimum=2)

    def task(N: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.uniform(-1.0, 1.0, size=(T, _validate.positive_int("N", N), 1))
        return x, x[0, :, 0].copy()

    task.__name__ = f"recall_task_T{T}"
    return task


def heldout_set(task: Task, size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The held-out set that `train_regressor(..., eval_size=size, seed=seed)` evaluates on."""
    if not callable(task):
        raise ValueError("task must be a callable task(N, rng) -> (x, y), e.g. adding_task(T)")
    size = _validate.positive_int("size", size)
    seed = _validate.positive_int("seed", seed, minimum=0)
    _, eval_seq = np.random.SeedSequence(seed).spawn(2)
    return task(size, np.random.default_rng(eval_seq))


def srn_regression_loss_and_grads(params: dict, x, y, h0=None) -> tuple[float, dict]:
    """Numpy SRN read out at the last step: ŷ = W_oh h_T + b_o, loss = mean over N·O of (ŷ − y)².

    The numpy twin of SequenceRegressor("rnn", ...), for training loops written out by hand.
    params: W_hx, W_hh, b_h, W_oh, b_o; x (T, N, D) float; y (N, O) or (N,) when O = 1.
    Returns (loss, grads with the keys of params); the recurrent part comes from srn.backward.
    """
    from . import srn

    missing = [k for k in ("W_hx", "W_hh", "b_h", "W_oh", "b_o") if k not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; expected W_hx, W_hh, b_h, W_oh, b_o")
    if not isinstance(x, np.ndarray) or x.ndim != 3:
        raise ValueError(f"x must be a numpy array of shape (T, N, D), time-major, got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    N, H, O = x.shape[1], params["W_hh"].shape[0], params["W_oh"].shape[0]
    y = _validate.float_array("y", y)
    if y.shape == (N,) and O == 1:
        y = y[:, None]
    if y.shape != (N, O):
        raise ValueError(f"y must have shape (N, O) = ({N}, {O})" + (" or (N,)" if O == 1 else "") + f", got {y.shape}")
    h0 = np.zeros((N, H), dtype=x.dtype) if h0 is None else h0
    hs, cache = srn.forward(x, h0, params["W_hx"], params["W_hh"], params["b_h"])
    err = hs[-1] @ params["W_oh"].T + params["b_o"] - y
    dpred = 2.0 * err / err.size                     # d mean(err²) / d ŷ
    dhs = np.zeros_like(hs)
    dhs[-1] = dpred @ params["W_oh"]                 # the loss touches only the last state
    grads = srn.backward(dhs, cache)
    grads = {k: grads[k] for k in ("W_hx", "W_hh", "b_h")}
    grads |= {"W_oh": dpred.T @ hs[-1], "b_o": dpred.sum(axis=0)}
    return float(np.mean(err * err)), grads


def _as_tensors(x, y, model: SequenceRegressor, what: str) -> tuple[torch.Tensor, torch.Tensor]:
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


def evaluate_mse(model: SequenceRegressor, x, y, batch_size: int = 1024) -> float:
    """Mean squared error of the model on (x, y), in batches of `batch_size`, without gradients."""
    if not isinstance(model, SequenceRegressor):
        raise ValueError(f"model must be a SequenceRegressor, got {type(model).__name__}")
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


def train_regressor(model: SequenceRegressor, task: Task, *, steps: int | None = None,
                    time_limit: float | None = None, batch_size: int = 64, lr: float = 1e-3,
                    clip: float | None = None, weight_decay: float = 0.0, eval_size: int = 512,
                    eval_every: int = 50, seed: int = 0, progress: bool = False) -> History:
    """Train `model` in place with Adam on mean squared error; return its History.

    Stops after `steps` updates or after `time_limit` seconds, whichever comes first (give at
    least one; a time limit makes the result depend on the machine's speed). Each update draws a
    fresh batch of `batch_size` from a generator seeded by `seed`; the held-out set of `eval_size`
    examples comes from an independent generator of the same seed, evaluated every `eval_every`
    updates and after the last. `clip` caps the global gradient norm (torch's clip_grad_norm_);
    `weight_decay` is Adam's L2 term. `progress` shows a tqdm bar on stderr (keep it off in
    notebooks). Training stops early, with `diverged` set, if the loss becomes NaN or inf.
    """
    if not isinstance(model, SequenceRegressor):
        raise ValueError(f"model must be a SequenceRegressor, got {type(model).__name__}")
    if not callable(task):
        raise ValueError("task must be a callable task(N, rng) -> (x, y), e.g. adding_task(T)")
    if steps is None and time_limit is None:
        raise ValueError("give steps or time_limit (or both): expected a way to stop training")
    steps = None if steps is None else _validate.positive_int("steps", steps)
    if time_limit is not None:
        time_limit = _validate.finite_float("time_limit", time_limit, low=0.0, low_open=True)
    batch_size = _validate.positive_int("batch_size", batch_size)
    lr = _validate.finite_float("lr", lr, low=0.0, low_open=True)
    if clip is not None:
        clip = _validate.finite_float("clip", clip, low=0.0, low_open=True)
    weight_decay = _validate.finite_float("weight_decay", weight_decay, low=0.0)
    eval_size = _validate.positive_int("eval_size", eval_size)
    eval_every = _validate.positive_int("eval_every", eval_every)
    seed = _validate.positive_int("seed", seed, minimum=0)

    train_seq, _ = np.random.SeedSequence(seed).spawn(2)
    batch_rng = np.random.default_rng(train_seq)
    x_eval, y_eval = heldout_set(task, eval_size, seed)
    x_eval, y_eval = _as_tensors(x_eval, y_eval, model, "task(eval_size, rng)")
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)

    hist = History()
    window_losses: list[float] = []
    window_norm = math.nan
    start = time.perf_counter()

    def log(step: int) -> None:
        hist.steps.append(step)
        hist.train_mse.append(float(np.mean(window_losses)) if window_losses else math.nan)
        hist.grad_norm.append(window_norm)
        hist.eval_mse.append(evaluate_mse(model, x_eval, y_eval))
        hist.seconds.append(time.perf_counter() - start)

    bar = None
    if progress:
        from tqdm import tqdm  # the plain bar: no widget state saved into notebooks

        bar = tqdm(total=steps, file=sys.stderr, desc=f"{model.cell} training", leave=False)
    model.train()
    log(0)
    step = 0
    try:
        while steps is None or step < steps:
            if time_limit is not None and time.perf_counter() - start >= time_limit:
                break
            x, y = _as_tensors(*task(batch_size, batch_rng), model, "task(batch_size, rng)")
            loss = ((model(x) - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            if clip is not None:
                norm = float(nn.utils.clip_grad_norm_(model.parameters(), clip))
            else:
                norm = float(torch.sqrt(sum((p.grad.detach() ** 2).sum() for p in model.parameters()
                                            if p.grad is not None)))
            value = loss.item()
            window_losses.append(value)
            window_norm = norm if not math.isfinite(norm) or math.isnan(window_norm) else max(window_norm, norm)
            step += 1
            if not math.isfinite(value) or not math.isfinite(norm):
                hist.diverged = True      # this step's update is not applied
                log(step)
                break
            opt.step()
            if bar is not None:
                bar.update(1)
                bar.set_postfix(mse=f"{value:.4f}")
            if step % eval_every == 0:
                log(step)
                window_losses, window_norm = [], math.nan
    finally:
        if bar is not None:
            bar.close()
    if not hist.diverged and hist.steps[-1] != step:
        log(step)
    return hist
