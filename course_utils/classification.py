"""Sequence → class and sequence tagging (lecture 11), and classifiers of anything on fixed batches.

`SequenceClassifier`: a recurrent encoder (nn.RNN / nn.GRU / nn.LSTM, stacked, optionally
bidirectional) with readout "last", "mean" or "each" step (tagging), optional embedding of token
ids, padded batches with lengths (`batching.pad_batch`; padded targets are
`batching.IGNORE_INDEX`). `train_classifier` trains it on a fixed training set, `evaluate_accuracy`
and `predict` read it. `train_on_batches` trains any module that maps inputs to class scores
(N, C), e.g. lecture 12's tree network, cycling through a list of (inputs, labels) batches, and
`accuracy` measures it. The loop itself is `train.fit`.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from . import _validate
from .batching import IGNORE_INDEX
from .regression import CELLS
from .session import seeded
from .train import History, fit, shuffled_batches

READOUTS = ("last", "mean", "each")     # what the head of a SequenceClassifier reads


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
                     eval_every: int = 100, seed: int = 0) -> History:
    """Train `model` in place with Adam on cross-entropy; return its History (eval_accuracy with eval_data).

    x, y, lengths: the whole training set, time-major (x (T, N, D) features or (T, N) token ids;
    y (N,) labels, or (T, N) tags with IGNORE_INDEX on padding for readout "each"). Each step
    takes the next `batch_size` examples of a shuffled pass over the set (`train.shuffled_batches`,
    a new shuffle from `seed` every epoch). cosine: the learning rate decays from lr to 0 along
    half a cosine over the `steps`. clip: cap on the global gradient norm (None: no clipping).
    label_smoothing: torch's cross-entropy option (targets (1 − ε) on the class, ε spread over all
    classes). eval_data: (x, y) or (x, y, lengths) evaluated at step 0, every `eval_every` steps and
    after the last.
    """
    if not isinstance(model, SequenceClassifier):
        raise ValueError(f"model must be a SequenceClassifier, got {type(model).__name__}")
    steps = _validate.positive_int("steps", steps)
    batch_size = _validate.positive_int("batch_size", batch_size)
    label_smoothing = _validate.finite_float("label_smoothing", label_smoothing, low=0.0, high=1.0, high_open=True)
    seed = _validate.positive_int("seed", seed, minimum=0)
    xt, yt, lengths = _classifier_batch(model, x, y, lengths, "training set")
    if eval_data is not None:
        if not isinstance(eval_data, tuple) or len(eval_data) not in (2, 3):
            raise ValueError("eval_data must be a tuple (x, y) or (x, y, lengths)")
        ev = eval_data if len(eval_data) == 3 else (*eval_data, None)
        _classifier_batch(model, *ev[:2], ev[2], "eval_data")

    def held_out_accuracy() -> dict[str, float]:
        return {"accuracy": evaluate_accuracy(model, *ev)}

    def cross_entropy(idx) -> torch.Tensor:
        xb, yb, lb = _take(xt, yt, lengths, torch.as_tensor(idx))
        logits = model(xb, lb)
        return nn.functional.cross_entropy(logits.reshape(-1, model.num_classes), yb.reshape(-1),
                                           ignore_index=IGNORE_INDEX, label_smoothing=label_smoothing)

    batches = shuffled_batches(xt.shape[1], batch_size, np.random.default_rng(seed))
    return fit(model, batches, cross_entropy, steps=steps, lr=lr, weight_decay=weight_decay, clip=clip,
               cosine=cosine, evaluate=held_out_accuracy if eval_data is not None else None, eval_every=eval_every)


# ------------------------------------------------------------------ any classifier, fixed batches
def accuracy(model: nn.Module, inputs, y) -> float:
    """Fraction of examples whose highest score is the true class (no gradients, eval mode)."""
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch nn.Module, got {type(model).__name__}")
    y = torch.as_tensor(np.asarray(y), dtype=torch.long)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        scores = model(inputs)
    model.train(was_training)
    if scores.ndim != 2 or scores.shape[0] != y.shape[0] or y.ndim != 1:
        raise ValueError(f"y must hold one class per example, shape ({scores.shape[0]},), got {tuple(y.shape)}")
    return float((scores.argmax(dim=1) == y).double().mean())


def train_on_batches(model: nn.Module, batches: Sequence, *, steps: int, lr: float = 3e-3,
                     eval_set: tuple | None = None, eval_every: int = 50) -> History:
    """Train `model` in place with Adam on cross-entropy, cycling through `batches` [(inputs, y), …].

    Inputs are whatever the model takes (a Forest for recursive_net.TreeNet, a count tensor for
    bag_of_symbols.BagOfSymbols), y int class labels, the model's output class scores (N, C). With
    eval_set = (inputs, y), held-out accuracy is logged at step 0, every `eval_every` updates, and
    after the last one (History.eval_accuracy). No clipping.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch nn.Module, got {type(model).__name__}")
    if not isinstance(batches, Sequence) or len(batches) == 0 or any(
            not isinstance(bt, tuple) or len(bt) != 2 for bt in batches):
        raise ValueError("batches must be a non-empty list of (inputs, y) pairs")
    if eval_set is not None and (not isinstance(eval_set, tuple) or len(eval_set) != 2):
        raise ValueError("eval_set must be an (inputs, y) pair or None")
    pairs = [(inputs, torch.as_tensor(np.asarray(y), dtype=torch.long)) for inputs, y in batches]

    def cross_entropy(batch) -> torch.Tensor:
        inputs, y = batch
        return nn.functional.cross_entropy(model(inputs), y)

    def held_out_accuracy() -> dict[str, float]:
        return {"accuracy": accuracy(model, *eval_set)}

    return fit(model, itertools.cycle(pairs), cross_entropy, steps=steps, lr=lr,
               evaluate=held_out_accuracy if eval_set is not None else None, eval_every=eval_every)
