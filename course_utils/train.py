"""The training core: one loop that trains every torch model of the course.

    hist = fit(model, batches, loss, steps=1000, lr=1e-3, clip=1.0, evaluate=measure, eval_every=50)

Each update takes the next item of `batches` (any iterator: fresh draws from a task with
`fresh_batches`, shuffled passes over a fixed set with `shuffled_batches`, windows of a text),
computes `loss(batch)`, a scalar tensor (the caller's forward pass and loss), backpropagates,
clips the global gradient norm to `clip` (Pascanu et al. 2013) and lets Adam step. The loops of
the model families (`regression.train_regressor`, `classification.train_classifier` and
`train_on_batches`, `seq2seq.train_seq2seq`, `char_lm.train_char_lm`, `lookahead.train_tagger`)
only build these arguments, so they share the stopping rules, the schedule and the History.

Schedule: an entry in the History after every `eval_every` updates and after the last one, and,
when there is an `evaluate`, also at step 0, before any update. Training stops after `steps`
updates or `time_limit` seconds, whichever comes first; at the first evaluation that reaches
`target_mse` or `target_accuracy`; or when a loss or a gradient becomes NaN or inf (`diverged`).
"""
from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from . import _validate

EVAL_METRICS = ("mse", "accuracy", "perplexity")   # what `evaluate` may report, kept as eval_mse, eval_accuracy, …


@dataclass
class History:
    """What `fit` logged, one entry per evaluation point (see the module docstring for when).

    steps: updates done; train_loss: mean loss of the updates since the previous entry (each
    measured before its update; NaN at step 0); grad_norm: largest gradient norm before clipping
    since the previous entry (NaN at step 0); seconds: wall time since training began (training
    time only, evaluations excluded, when `fit` ran with evaluation_off_clock=True);
    eval_mse, eval_accuracy, eval_perplexity: what `evaluate` reported at each entry (empty if it
    reports none).
    diverged is True when a loss or gradient became NaN or inf: training stopped, and the last
    entry is that step, whose update was not applied.
    """

    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    eval_mse: list[float] = field(default_factory=list)
    eval_accuracy: list[float] = field(default_factory=list)
    eval_perplexity: list[float] = field(default_factory=list)
    diverged: bool = False

    def final_eval_mse(self) -> float:
        """Held-out MSE after the last step."""
        if not self.eval_mse:
            raise ValueError("the history holds no held-out MSE: nothing was trained, or evaluate reported none")
        return self.eval_mse[-1]


def fresh_batches(task: Callable, batch_size: int, rng: np.random.Generator) -> Iterator:
    """task(batch_size, rng), again and again: a new batch for every update (no epochs, no overfitting)."""
    if not callable(task):
        raise ValueError(f"task must be a callable task(N, rng) -> (inputs, targets), got {type(task).__name__}")
    return _draws(task, _validate.positive_int("batch_size", batch_size), rng)   # checked now, not at next()


def _draws(task: Callable, batch_size: int, rng: np.random.Generator) -> Iterator:
    while True:
        yield task(batch_size, rng)


def shuffled_batches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Index arrays of minibatches of a fixed set of n examples: consecutive slices of a shuffled
    order, reshuffled (from rng) when the next slice would run past the end, so a short last slice
    is never used; a set smaller than batch_size comes whole, in a new order, every time."""
    n, batch_size = _validate.positive_int("n", n), _validate.positive_int("batch_size", batch_size)
    return _shuffled(n, batch_size, rng)


def _shuffled(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    order, pos = rng.permutation(n), 0
    while True:
        if pos + batch_size > n and pos > 0:          # a new epoch
            order, pos = rng.permutation(n), 0
        yield order[pos:pos + batch_size]
        pos += batch_size


def fit(model: nn.Module, batches: Iterable, loss: Callable[[object], torch.Tensor], *, steps: int | None = None,
        time_limit: float | None = None, lr: float = 1e-3, weight_decay: float = 0.0, clip: float | None = None,
        cosine: bool = False, evaluate: Callable[[], Mapping[str, float]] | None = None, eval_every: int = 50,
        target_mse: float | None = None, target_accuracy: float | None = None, flush_denormal: bool = False,
        evaluation_off_clock: bool = False, progress: bool = False, label: str = "training") -> History:
    """Train `model` in place with Adam on loss(batch) for each batch of `batches`; return its History.

    steps, time_limit: stop after this many updates or seconds, whichever comes first (give at
    least one; a time limit makes the result depend on the machine's speed). lr, weight_decay:
    Adam's step size and L2 term. clip: cap on the global gradient norm (torch's
    clip_grad_norm_; None: no clipping). cosine: the step size decays from lr to 0 along half a
    cosine of the progress, the larger of updates/`steps` and seconds/`time_limit`.
    evaluate() -> {"mse": …} and/or {"accuracy": …}: measured at step 0, every `eval_every`
    updates and after the last; training stops at the first evaluation with MSE below
    `target_mse` or accuracy at least `target_accuracy`. flush_denormal: torch treats subnormal
    floats as 0 while training (vanished gradients of an SRN become subnormal, and x86 CPUs handle
    those on a slow path). evaluation_off_clock: time_limit, the cosine progress and History.seconds
    count training time only, not the time spent in evaluate() (a budget of training time whatever
    the evaluations cost). progress: a tqdm bar named `label` on stderr (keep it off in notebooks).
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch nn.Module, got {type(model).__name__}")
    if not callable(loss):
        raise ValueError(f"loss must be a callable loss(batch) -> scalar tensor, got {type(loss).__name__}")
    if not isinstance(batches, Iterable):
        raise ValueError(f"batches must be an iterable of batches (e.g. fresh_batches(task, N, rng)), "
                         f"got {type(batches).__name__}")
    if evaluate is not None and not callable(evaluate):
        raise ValueError(f"evaluate must be None or a callable evaluate() -> {{'mse': …}} or {{'accuracy': …}}, "
                         f"got {type(evaluate).__name__}")
    steps, time_limit = _validate.training_length(steps, time_limit)
    lr = _validate.finite_float("lr", lr, low=0.0, low_open=True)
    weight_decay = _validate.finite_float("weight_decay", weight_decay, low=0.0)
    clip = _validate.optional_positive("clip", clip)
    eval_every = _validate.positive_int("eval_every", eval_every)
    target_mse = _validate.optional_positive("target_mse", target_mse)
    if target_accuracy is not None:
        target_accuracy = _validate.finite_float("target_accuracy", target_accuracy, low=0.0, high=1.0)
    if not isinstance(evaluation_off_clock, bool):
        raise ValueError(f"evaluation_off_clock must be True or False, got {evaluation_off_clock!r}")
    if evaluate is None and (target_mse is not None or target_accuracy is not None):
        raise ValueError("a target (target_mse, target_accuracy) needs an evaluate function to measure it")

    batches = iter(batches)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    hist = History()
    window_losses: list[float] = []
    window_norm = math.nan
    start = time.perf_counter()
    off_clock = [0.0]            # seconds spent in evaluate(), taken off the clock if evaluation_off_clock

    def clock() -> float:
        return time.perf_counter() - start - (off_clock[0] if evaluation_off_clock else 0.0)

    def log(step: int) -> None:
        hist.steps.append(step)
        hist.train_loss.append(float(np.mean(window_losses)) if window_losses else math.nan)
        hist.grad_norm.append(window_norm)
        if evaluate is not None:
            began = time.perf_counter()
            _record(hist, evaluate())
            off_clock[0] += time.perf_counter() - began
        hist.seconds.append(clock())

    def reached() -> bool:
        return ((target_mse is not None and hist.eval_mse[-1] < target_mse)
                or (target_accuracy is not None and hist.eval_accuracy[-1] >= target_accuracy))

    model.train()
    step = 0
    if evaluate is not None:
        log(0)
        if reached():
            return hist                   # already good enough: no update
    bar = None
    if progress:
        from tqdm import tqdm  # the plain bar: no widget state saved into notebooks

        bar = tqdm(total=steps, file=sys.stderr, desc=label, leave=False)
    if flush_denormal:
        torch.set_flush_denormal(True)
    try:
        while steps is None or step < steps:
            elapsed = clock()
            if time_limit is not None and elapsed >= time_limit:
                break
            if cosine:
                for group in opt.param_groups:
                    group["lr"] = lr * 0.5 * (1.0 + math.cos(_cosine_angle(step, steps, elapsed, time_limit)))
            batch_loss = loss(next(batches))
            opt.zero_grad()
            batch_loss.backward()
            norm = _gradient_norm(model, clip)
            value = batch_loss.item()
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
                bar.set_postfix(loss=f"{value:.4f}")
            if step % eval_every == 0:
                log(step)
                window_losses, window_norm = [], math.nan
                if evaluate is not None and reached():
                    break
    finally:
        if flush_denormal:
            torch.set_flush_denormal(False)
        if bar is not None:
            bar.close()
    if not hist.diverged and (not hist.steps or hist.steps[-1] != step):
        log(step)
    return hist


def _cosine_angle(step: int, steps: int | None, elapsed: float, time_limit: float | None) -> float:
    """π times the progress: the larger of updates done / steps and seconds / time_limit."""
    angle = math.pi * step / steps if steps is not None else 0.0
    if time_limit is not None:
        angle = max(angle, math.pi * (elapsed / time_limit))
    return angle


def _gradient_norm(model: nn.Module, clip: float | None) -> float:
    """The global norm of the gradients before clipping; clips them to `clip` when given."""
    if clip is not None:
        return float(nn.utils.clip_grad_norm_(model.parameters(), clip))
    return float(nn.utils.get_total_norm([p.grad for p in model.parameters() if p.grad is not None]))


def _record(hist: History, measured: Mapping[str, float]) -> None:
    if not isinstance(measured, Mapping) or not measured or set(measured) - set(EVAL_METRICS):
        raise ValueError(f"evaluate must return a dict with keys among {list(EVAL_METRICS)}, got {measured!r}")
    for name, value in measured.items():
        getattr(hist, f"eval_{name}").append(float(value))
