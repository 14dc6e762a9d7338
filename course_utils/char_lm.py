"""A character language model: embedding → LSTM → linear, p(x_{t+1} | x_≤t), trained on windows of a text.

Regularisers (lecture 10), each off by default: `dropout` on the non-recurrent connections (the
embeddings entering the first LSTM layer, between stacked layers, the last layer's output; Zaremba et
al. 2014), with a fresh mask at every step or, `variational=True`, one mask per sequence reused at every
step (Gal & Ghahramani 2016; `course_utils.dropout`); `tie_weights=True` makes the output layer use the
embedding matrix (Press & Wolf 2017, Inan et al. 2017), which needs embed_size == hidden_size (the
course adds no projection). Not covered: Gal & Ghahramani's mask on h_{t−1} inside the recurrence,
which torch's fused `nn.LSTM` kernel has no hook for; a Python step loop could do it, at several times
the cost per step.

`CharLM` exposes the step function of `course_utils.decoding` (batch-first LSTM state), so
`decoding.sample` draws text from it at any temperature; `perplexity` scores a text read as one
long sequence, the measure of lecture 02's n-gram models. The loop itself is `train.fit`.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from . import _validate
from .batching import lm_batches
from .dropout import SequenceDropout
from .session import seeded
from .train import History, fit


class CharLM(nn.Module):
    """LSTM language model over token ids: embedding → LSTM → linear, p(x_{t+1} | x_≤t)."""

    def __init__(self, vocab_size: int, embed_size: int = 16, hidden_size: int = 128, *,
                 num_layers: int = 1, dropout: float = 0.0, variational: bool = False, tie_weights: bool = False,
                 seed: int | None = None):
        super().__init__()
        vocab_size = _validate.positive_int("vocab_size", vocab_size, minimum=2)
        embed_size = _validate.positive_int("embed_size", embed_size)
        hidden_size = _validate.positive_int("hidden_size", hidden_size)
        num_layers = _validate.positive_int("num_layers", num_layers)
        if not isinstance(variational, bool) or not isinstance(tie_weights, bool):
            raise ValueError(f"variational and tie_weights must be True or False, got {variational!r}, {tie_weights!r}")
        if tie_weights and embed_size != hidden_size:
            raise ValueError(f"tie_weights needs embed_size == hidden_size (the output layer reads the last hidden "
                             f"state with the embedding matrix), got {embed_size} and {hidden_size}")
        with seeded(seed):
            self.embed = nn.Embedding(vocab_size, embed_size)
            # one single-layer LSTM per layer (same weights and initial draws as nn.LSTM(num_layers=…)),
            # so that dropout can act between the layers with a per-sequence mask
            self.rnn = nn.ModuleList(nn.LSTM(embed_size if layer == 0 else hidden_size, hidden_size)
                                     for layer in range(num_layers))
            self.out = nn.Linear(hidden_size, vocab_size)
        self.drop = SequenceDropout(dropout, per_sequence=variational)
        if tie_weights:
            tie_embedding(self.embed, self.out)

    @property
    def vocab_size(self) -> int:
        return self.out.out_features

    def forward(self, x: torch.Tensor, state=None):
        """x (T, N) token ids → logits (T, N, V) and the final (h, c)."""
        if x.ndim != 2:
            raise ValueError(f"x must be token ids of shape (T, N), time-major, got {tuple(x.shape)}")
        hs, cs = [], []
        out = self.embed(x)
        for layer, rnn in enumerate(self.rnn):
            layer_state = None if state is None else (state[0][layer:layer + 1], state[1][layer:layer + 1])
            out, (h, c) = rnn(self.drop(out), layer_state)     # dropout on each layer's input ...
            hs.append(h)
            cs.append(c)
        return self.out(self.drop(out)), (torch.cat(hs), torch.cat(cs))    # ... and on the last layer's output

    def start_state(self, prefix: Sequence[int] | None = None):
        """Batch-first state (1, layers, H) after reading `prefix` (zeros if None), for `decoding`."""
        L, H = len(self.rnn), self.rnn[0].hidden_size
        if prefix is None or len(prefix) == 0:
            zeros = torch.zeros(1, L, H, dtype=self.out.weight.dtype)
            return zeros, zeros.clone()
        with torch.no_grad():
            _, (h, c) = self(torch.as_tensor(np.asarray(prefix, dtype=np.int64))[:, None])
        return h.transpose(0, 1), c.transpose(0, 1)

    def step(self, prev_tokens, state):
        """The decoding step function (see `decoding`)."""
        h, c = state
        with torch.no_grad():
            x = torch.as_tensor(np.asarray(prev_tokens), dtype=torch.long)[None]
            logits, (h, c) = self(x, (h.transpose(0, 1).contiguous(), c.transpose(0, 1).contiguous()))
            log_probs = torch.log_softmax(logits[0], dim=-1)
        return log_probs.double().numpy(), (h.transpose(0, 1), c.transpose(0, 1))


def tie_embedding(embed: nn.Embedding, out: nn.Linear) -> None:
    """Make `out` use `embed`'s matrix (V, E) as its weight: one parameter, so both uses add to one gradient.
    The shared matrix starts from the output layer's initial values (small, so first logits are near 0)."""
    if not isinstance(embed, nn.Embedding) or not isinstance(out, nn.Linear):
        raise ValueError(f"tie_embedding needs an nn.Embedding and an nn.Linear, got {type(embed).__name__} "
                         f"and {type(out).__name__}")
    if embed.weight.shape != out.weight.shape:
        raise ValueError(f"tying needs the embedding (V, E) and the output weight (V, H) of the same shape, got "
                         f"{tuple(embed.weight.shape)} and {tuple(out.weight.shape)}")
    with torch.no_grad():
        embed.weight.copy_(out.weight)
    out.weight = embed.weight


def parameter_count(model: nn.Module) -> int:
    """Number of trainable numbers; a tied matrix counts once (`parameters()` yields a shared tensor once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _ids(name: str, ids, V: int, min_length: int) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer) or arr.size < min_length:
        raise ValueError(f"{name} must be a 1-D integer array of at least {min_length} token ids, got shape "
                         f"{arr.shape} and dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() >= V:
        raise ValueError(f"{name} must hold token ids in [0, {V}), got values in [{arr.min()}, {arr.max()}]")
    return arr.astype(np.int64)


def train_char_lm(model: CharLM, train_ids, *, steps: int | None = None, time_limit: float | None = None,
                  batch_size: int = 32, num_steps: int = 32, lr: float = 1e-2, clip: float | None = 1.0,
                  cosine: bool = False, weight_decay: float = 0.0, val_ids=None, eval_every: int | None = None,
                  seed: int = 0) -> History:
    """Train on random windows of `train_ids` (`batching.lm_batches`, sequential=False, one epoch after
    another from a generator seeded by `seed`), Adam, cross-entropy at every position. Returns the
    History with an entry after every update: train_loss holds each update's mean loss (nats per token).

    Stops after `steps` updates or `time_limit` seconds, whichever comes first (give at least one;
    a time limit makes the result depend on the machine). `cosine` decays the learning rate from
    `lr` to 0 along a half cosine of the progress, the larger of steps/`steps` and time/`time_limit`.
    weight_decay: Adam's L2 term. val_ids: a validation text; its `perplexity` is then measured at step 0,
    every `eval_every` updates (default 100) and after the last, kept in History.eval_perplexity, and
    the time spent measuring it is not training time (off the clock of `time_limit`, the schedule and
    History.seconds). Without val_ids there is an entry after every update (eval_every 1 by default).
    """
    if not isinstance(model, CharLM):
        raise ValueError(f"model must be a CharLM, got {type(model).__name__}")
    steps, time_limit = _validate.training_length(steps, time_limit)
    batch_size = _validate.positive_int("batch_size", batch_size)
    num_steps = _validate.positive_int("num_steps", num_steps)
    seed = _validate.positive_int("seed", seed, minimum=0)
    ids = _ids("train_ids", train_ids, model.vocab_size, batch_size * num_steps + 1)
    evaluate = None
    if val_ids is not None:
        val_ids = _ids("val_ids", val_ids, model.vocab_size, 2)

        def evaluate() -> dict:
            return {"perplexity": perplexity(model, val_ids)}
    eval_every = _validate.positive_int("eval_every", eval_every if eval_every is not None
                                        else (1 if val_ids is None else 100))
    rng = np.random.default_rng(seed)
    windows = itertools.chain.from_iterable(
        lm_batches(ids, batch_size, num_steps, sequential=False, rng=rng) for _ in itertools.count())

    def cross_entropy(batch) -> torch.Tensor:
        X, Y = batch
        logits, _ = model(torch.as_tensor(X))
        return nn.functional.cross_entropy(logits.reshape(-1, model.vocab_size), torch.as_tensor(Y).reshape(-1))

    return fit(model, windows, cross_entropy, steps=steps, time_limit=time_limit, lr=lr, weight_decay=weight_decay,
               clip=clip, cosine=cosine, evaluate=evaluate, eval_every=eval_every, evaluation_off_clock=True)


def next_token_log_probs(model: CharLM, ids) -> np.ndarray:
    """log p(x_{t+1} = · | x_1 … x_t) for t = 1 … len(ids)−1, read as one long sequence: (len−1, V)."""
    if not isinstance(model, CharLM):
        raise ValueError(f"model must be a CharLM, got {type(model).__name__}")
    ids = _ids("ids", ids, model.vocab_size, 2)
    was_training = model.training
    model.eval()                        # dropout off
    try:
        with torch.no_grad():
            logits, _ = model(torch.as_tensor(ids[:-1])[:, None])
            return torch.log_softmax(logits[:, 0].double(), dim=-1).numpy()
    finally:
        model.train(was_training)       # evaluate() inside `fit` must not switch dropout off for the next updates


def perplexity(model: CharLM, ids) -> float:
    """exp(mean NLL) of ids[1:] given everything before (the first token is only read)."""
    log_probs = next_token_log_probs(model, ids)
    ids = np.asarray(ids)
    return float(math.exp(-np.mean(log_probs[np.arange(len(ids) - 1), ids[1:]])))
