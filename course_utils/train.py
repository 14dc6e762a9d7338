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

Classification and tagging (lecture 11): `SequenceClassifier` (readout "last", "mean" or "each"
step, optional embedding of token ids, padded batches with lengths), `train_classifier` on a fixed
training set, `evaluate_accuracy`, `predict`, `pad_batch`, and the generated tagging task
`segmentation_task` (B/M/E/S word segmentation).
"""
from __future__ import annotations

import math
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn

from . import _validate


def optimizer_step(opt, loss, model, clip: float | None = None) -> None:
    """One update: clear old gradients, backpropagate `loss`, clip their joint norm to `clip`
    when given (Pascanu et al. 2013), and let the optimizer step."""
    opt.zero_grad()
    loss.backward()
    if clip is not None:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()


@contextmanager
def seeded(seed: int | None):
    """Draw a module's initial weights from `seed` without moving torch's global generator
    (seed=None: draw from the global generator as usual)."""
    if seed is None:
        yield
        return
    seed = _validate.positive_int("seed", seed, minimum=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield

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
        with seeded(seed):
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
                    eval_every: int = 50, target_mse: float | None = None, flush_denormal: bool = False,
                    seed: int = 0, progress: bool = False) -> History:
    """Train `model` in place with Adam on mean squared error; return its History.

    Stops after `steps` updates or after `time_limit` seconds, whichever comes first (give at
    least one; a time limit makes the result depend on the machine's speed). Each update draws a
    fresh batch of `batch_size` from a generator seeded by `seed`; the held-out set of `eval_size`
    examples comes from an independent generator of the same seed, evaluated every `eval_every`
    updates and after the last. `clip` caps the global gradient norm (torch's clip_grad_norm_);
    `weight_decay` is Adam's L2 term. `progress` shows a tqdm bar on stderr (keep it off in
    notebooks). Training stops early, with `diverged` set, if the loss becomes NaN or inf, and at
    the first evaluation whose held-out MSE is below `target_mse`, if given. `flush_denormal`
    makes torch treat subnormal floats as 0 while training (vanished gradients of an SRN become
    subnormal, and x86 CPUs handle those on a slow path); it is switched off again afterwards.
    """
    if not isinstance(model, SequenceRegressor):
        raise ValueError(f"model must be a SequenceRegressor, got {type(model).__name__}")
    if not callable(task):
        raise ValueError("task must be a callable task(N, rng) -> (x, y), e.g. adding_task(T)")
    steps, time_limit = _validate.training_length(steps, time_limit)
    batch_size = _validate.positive_int("batch_size", batch_size)
    lr = _validate.finite_float("lr", lr, low=0.0, low_open=True)
    clip = _validate.optional_positive("clip", clip)
    weight_decay = _validate.finite_float("weight_decay", weight_decay, low=0.0)
    eval_size = _validate.positive_int("eval_size", eval_size)
    eval_every = _validate.positive_int("eval_every", eval_every)
    target_mse = _validate.optional_positive("target_mse", target_mse)
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
    if target_mse is not None and hist.eval_mse[-1] < target_mse:
        return hist                       # already good enough: no update
    if flush_denormal:
        torch.set_flush_denormal(True)
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
                if target_mse is not None and hist.eval_mse[-1] < target_mse:
                    break
    finally:
        if flush_denormal:
            torch.set_flush_denormal(False)
        if bar is not None:
            bar.close()
    if not hist.diverged and hist.steps[-1] != step:
        log(step)
    return hist


# ================================================================================================
# Classification and tagging: one label per sequence (pooled readout) or one label per step.
# ================================================================================================
READOUTS = ("last", "mean", "each")
IGNORE_INDEX = -100          # target of padded steps in tagging: skipped by the loss and the accuracy


def pad_batch(seqs, pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences of different lengths into a time-major array (T_max, N) and their lengths (N,).

    seqs: a list of 1-D integer sequences (token ids or tags); pad_id fills the steps after each
    sequence's end (use IGNORE_INDEX for targets). Returns (padded int64 array, lengths int64).
    """
    seqs = [np.asarray(s) for s in seqs]
    if not seqs:
        raise ValueError("seqs is empty: expected a list of 1-D integer sequences")
    for i, s in enumerate(seqs):
        if s.ndim != 1 or s.size == 0 or not np.issubdtype(s.dtype, np.integer):
            raise ValueError(f"seqs[{i}] must be a non-empty 1-D sequence of integers, got shape {s.shape} "
                             f"and dtype {s.dtype}")
    lengths = np.array([s.size for s in seqs], dtype=np.int64)
    out = np.full((lengths.max(), len(seqs)), int(pad_id), dtype=np.int64)
    for j, s in enumerate(seqs):
        out[:s.size, j] = s
    return out, lengths


class SequenceClassifier(nn.Module):
    """A recurrent encoder (nn.RNN / nn.GRU / nn.LSTM, stacked, optionally bidirectional) + linear head.

    readout="last": classify the sequence from its final state, h_T (for a bidirectional network
    [h→_T ; h←_1], both directions' final states, i.e. torch's h_n of the top layer);
    readout="mean": classify from the mean of the top layer's outputs over the sequence's steps;
    readout="each": one prediction per step (sequence tagging), logits (T, N, C).
    Inputs: float features x (T, N, D) with input_size = D, or, when vocab_size is given, token
    ids x (T, N) looked up in an embedding of width input_size. `lengths` (N,) marks the true
    length of each padded sequence: padded steps never reach the readout (packed sequences).
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, num_classes: int, *,
                 vocab_size: int | None = None, num_layers: int = 1, bidirectional: bool = False,
                 readout: str = "last", seed: int | None = None):
        super().__init__()
        self.cell = _validate.choice("cell", cell, CELLS)
        input_size = _validate.positive_int("input_size", input_size)
        hidden_size = _validate.positive_int("hidden_size", hidden_size)
        num_classes = _validate.positive_int("num_classes", num_classes, minimum=2)
        num_layers = _validate.positive_int("num_layers", num_layers)
        self.readout = _validate.choice("readout", readout, READOUTS)
        if not isinstance(bidirectional, bool):
            raise ValueError(f"bidirectional must be True or False, got {bidirectional!r}")
        if vocab_size is not None:
            vocab_size = _validate.positive_int("vocab_size", vocab_size)
        self.bidirectional = bidirectional
        dirs = 2 if bidirectional else 1
        with seeded(seed):
            self.embedding = nn.Embedding(vocab_size, input_size) if vocab_size is not None else None
            self.rnn = CELLS[cell](input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional)
            self.head = nn.Linear(dirs * hidden_size, num_classes)

    @property
    def num_classes(self) -> int:
        return self.head.out_features

    def features(self, x: torch.Tensor, lengths=None) -> torch.Tensor:
        """What the head reads: (N, dirs·H) for "last" and "mean", (T, N, dirs·H) for "each"."""
        x = self._embed(x)
        T, N = x.shape[0], x.shape[1]
        if lengths is None:
            out, state = self.rnn(x)
            lengths_t = torch.full((N,), T, dtype=torch.long)
        else:
            lengths_t = torch.as_tensor(np.asarray(lengths), dtype=torch.long)
            if lengths_t.shape != (N,) or lengths_t.min() < 1 or lengths_t.max() > T:
                raise ValueError(f"lengths must be N = {N} integers in [1, T = {T}], got {np.asarray(lengths)}")
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths_t, enforce_sorted=False)
            out, state = self.rnn(packed)
            out, _ = nn.utils.rnn.pad_packed_sequence(out, total_length=T)   # zeros after each end
        if self.readout == "each":
            return out
        if self.readout == "mean":
            return out.sum(dim=0) / lengths_t[:, None].to(out.dtype)
        h_n = state[0] if self.cell == "lstm" else state                  # (layers·dirs, N, H)
        return torch.cat([h_n[-2], h_n[-1]], dim=1) if self.bidirectional else h_n[-1]

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        if self.embedding is not None:
            if x.ndim != 2 or x.dtype not in (torch.int64, torch.int32):
                raise ValueError(f"this model embeds token ids: x must be an integer tensor (T, N), got "
                                 f"{tuple(x.shape)} of {x.dtype}")
            return self.embedding(x.long())
        if x.ndim != 3 or x.shape[2] != self.rnn.input_size:
            raise ValueError(f"x must have shape (T, N, D) = (T, N, {self.rnn.input_size}), time-major, "
                             f"got {tuple(x.shape)}")
        return x

    def forward(self, x: torch.Tensor, lengths=None) -> torch.Tensor:
        """Logits: (N, C) for readout "last"/"mean", (T, N, C) for "each"."""
        return self.head(self.features(x, lengths))


@dataclass
class ClassifierHistory:
    """What `train_classifier` logged: per evaluation, the step, the mean training loss since the
    previous entry, the accuracy on the evaluation set (NaN without one) and the wall time."""

    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    eval_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def _classifier_batch(model: SequenceClassifier, x, y, lengths, what: str):
    """Check (x, y, lengths) against the model and convert them to tensors."""
    x, y = np.asarray(x), np.asarray(y)
    if model.embedding is not None:
        if x.ndim != 2 or not np.issubdtype(x.dtype, np.integer):
            raise ValueError(f"{what}: x must be integer token ids of shape (T, N), got shape {x.shape} and "
                             f"dtype {x.dtype}")
    elif x.ndim != 3:
        raise ValueError(f"{what}: x must be float features of shape (T, N, D), got shape {x.shape}")
    T, N = x.shape[0], x.shape[1]
    want = (T, N) if model.readout == "each" else (N,)
    if y.shape != want or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{what}: y must be integer class labels of shape {want} for readout "
                         f"{model.readout!r}, got shape {y.shape} and dtype {y.dtype}")
    valid = y[y != IGNORE_INDEX]
    if valid.size and (valid.min() < 0 or valid.max() >= model.num_classes):
        raise ValueError(f"{what}: labels must lie in [0, {model.num_classes}) (or be IGNORE_INDEX for padding), "
                         f"got values in [{valid.min()}, {valid.max()}]")
    if lengths is not None:
        lengths = np.asarray(lengths)
        if lengths.shape != (N,):
            raise ValueError(f"{what}: lengths must have shape (N,) = ({N},), got {lengths.shape}")
    dtype = model.head.weight.dtype
    xt = torch.as_tensor(x) if model.embedding is not None else torch.as_tensor(x, dtype=dtype)
    return xt, torch.as_tensor(y, dtype=torch.long), lengths


def _take(x, y, lengths, idx):
    """Examples idx of a time-major batch, cut to the longest of them."""
    xb, yb = x[:, idx], (y[:, idx] if y.ndim == 2 else y[idx])
    if lengths is None:
        return xb, yb, None
    lb = lengths[np.asarray(idx)]
    T = int(lb.max())
    return xb[:T], (yb[:T] if yb.ndim == 2 else yb), lb


def evaluate_accuracy(model: SequenceClassifier, x, y, lengths=None) -> float:
    """Fraction of correct predictions: per sequence, or per (non-padded) step for readout "each"."""
    if not isinstance(model, SequenceClassifier):
        raise ValueError(f"model must be a SequenceClassifier, got {type(model).__name__}")
    pred = predict(model, x, lengths)
    y = np.asarray(y)
    mask = y != IGNORE_INDEX
    return float((pred[mask] == y[mask]).mean())


def predict(model: SequenceClassifier, x, lengths=None) -> np.ndarray:
    """Predicted class ids: (N,) per sequence, or (T, N) per step for readout "each"."""
    if not isinstance(model, SequenceClassifier):
        raise ValueError(f"model must be a SequenceClassifier, got {type(model).__name__}")
    x = np.asarray(x)
    N = x.shape[1] if x.ndim >= 2 else 0
    dummy = np.zeros(x.shape[:2] if model.readout == "each" else (N,), dtype=np.int64)
    xt, _, lengths = _classifier_batch(model, x, dummy, lengths, "predict")
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logits = model(xt, lengths)
    model.train(was_training)
    return logits.argmax(dim=-1).numpy()


def train_classifier(model: SequenceClassifier, x, y, *, lengths=None, steps: int, batch_size: int = 64,
                     lr: float = 1e-2, cosine: bool = True, clip: float | None = 1.0,
                     weight_decay: float = 0.0, label_smoothing: float = 0.0, eval_data: tuple | None = None,
                     eval_every: int = 100, seed: int = 0) -> ClassifierHistory:
    """Train `model` in place with Adam on cross-entropy; return its ClassifierHistory.

    x, y, lengths: the whole training set, time-major (x (T, N, D) features or (T, N) token ids;
    y (N,) labels, or (T, N) tags with IGNORE_INDEX on padding for readout "each"). Each step
    takes the next `batch_size` examples of a shuffled pass over the set (a new shuffle, from
    `seed`, every epoch). cosine: the learning rate decays from lr to 0 along half a cosine over
    the `steps`. clip: cap on the global gradient norm (None: no clipping). label_smoothing:
    torch's cross-entropy option (targets (1 − ε) on the class, ε spread over all classes).
    eval_data: (x, y) or (x, y, lengths) evaluated every `eval_every` steps and after the last.
    """
    if not isinstance(model, SequenceClassifier):
        raise ValueError(f"model must be a SequenceClassifier, got {type(model).__name__}")
    steps = _validate.positive_int("steps", steps)
    batch_size = _validate.positive_int("batch_size", batch_size)
    lr = _validate.finite_float("lr", lr, low=0.0, low_open=True)
    clip = _validate.optional_positive("clip", clip)
    weight_decay = _validate.finite_float("weight_decay", weight_decay, low=0.0)
    label_smoothing = _validate.finite_float("label_smoothing", label_smoothing, low=0.0, high=1.0, high_open=True)
    eval_every = _validate.positive_int("eval_every", eval_every)
    seed = _validate.positive_int("seed", seed, minimum=0)
    xt, yt, lengths = _classifier_batch(model, x, y, lengths, "training set")
    if eval_data is not None:
        if not isinstance(eval_data, tuple) or len(eval_data) not in (2, 3):
            raise ValueError("eval_data must be a tuple (x, y) or (x, y, lengths)")
        ev = eval_data if len(eval_data) == 3 else (*eval_data, None)
        _classifier_batch(model, *ev[:2], ev[2], "eval_data")
    N = xt.shape[1]
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    hist = ClassifierHistory()
    losses: list[float] = []
    start = time.perf_counter()

    def log(step: int) -> None:
        hist.steps.append(step)
        hist.train_loss.append(float(np.mean(losses)) if losses else math.nan)
        hist.eval_accuracy.append(evaluate_accuracy(model, *ev) if eval_data is not None else math.nan)
        hist.seconds.append(time.perf_counter() - start)
        losses.clear()

    order, pos = rng.permutation(N), 0
    model.train()
    for step in range(steps):
        if pos + batch_size > N and pos > 0:          # a new epoch: reshuffle
            order, pos = rng.permutation(N), 0
        idx = order[pos:pos + batch_size]
        pos += batch_size
        xb, yb, lb = _take(xt, yt, lengths, torch.as_tensor(idx))
        if cosine:
            for group in opt.param_groups:
                group["lr"] = lr * 0.5 * (1.0 + math.cos(math.pi * step / steps))
        logits = model(xb, lb)
        loss = nn.functional.cross_entropy(logits.reshape(-1, model.num_classes), yb.reshape(-1),
                                           ignore_index=IGNORE_INDEX, label_smoothing=label_smoothing)
        optimizer_step(opt, loss, model, clip)
        losses.append(loss.item())
        if (step + 1) % eval_every == 0:
            log(step + 1)
    if not hist.steps or hist.steps[-1] != steps:
        log(steps)
    return hist


def segmentation_task(lexicon, max_words: int = 8, min_words: int = 2):
    """Word segmentation as tagging (the toy analogue of Chinese word segmentation, 中文分词).

    A "sentence" is `min_words` … `max_words` words drawn uniformly from `lexicon` (strings over
    an alphabet) and written without spaces; the target tags each character with its place in
    its word: 0 = B (begin), 1 = M (middle), 2 = E (end), 3 = S (single-character word).
    Returns task(N, rng) -> (chars, tags): two lists of N int arrays, characters as ids in the
    sorted alphabet of the lexicon. Ambiguous lexicons are allowed; the tags are those of the
    words actually drawn.
    """
    if isinstance(lexicon, str) or not lexicon or not all(isinstance(w, str) and w for w in lexicon):
        raise ValueError("lexicon must be a non-empty list of non-empty strings (the words)")
    min_words = _validate.positive_int("min_words", min_words)
    max_words = _validate.positive_int("max_words", max_words, minimum=min_words)
    words = list(lexicon)
    alphabet = sorted(set("".join(words)))
    code = {ch: i for i, ch in enumerate(alphabet)}
    word_ids = [np.array([code[ch] for ch in w]) for w in words]
    word_tags = [np.array([3]) if len(w) == 1 else np.array([0] + [1] * (len(w) - 2) + [2]) for w in words]

    def task(N: int, rng: np.random.Generator):
        N = _validate.positive_int("N", N)
        chars, tags = [], []
        for _ in range(N):
            picks = rng.integers(0, len(words), size=rng.integers(min_words, max_words + 1))
            chars.append(np.concatenate([word_ids[k] for k in picks]))
            tags.append(np.concatenate([word_tags[k] for k in picks]))
        return chars, tags

    task.alphabet = alphabet
    task.__name__ = "segmentation_task"
    return task
