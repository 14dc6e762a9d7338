"""Generating sequences with torch: an LSTM encoder–decoder and a decoder-only character LM.

Both models expose the step function of `course_utils.decoding`,

    model.step(prev_tokens, state) -> (log_probs (B, V) numpy, next_state)

with the LSTM state (h, c) stored batch-first, (B, layers, H), so that beam search can pick rows
with `decoding.select_rows`. Greedy search, beam search and sampling then work unchanged on both.

The generated task: reverse a string of digits, "3017" → "7103", lengths `min_len`…`max_len`.
Token ids: 0 = <pad>, 1 = <bos>, 2 = <eos>, 3 + d for the digit d. A target is the reversed
digits followed by <eos>; the decoder reads <bos> + target[:-1] (teacher forcing) and learns to
emit target. Every training step draws fresh examples, so the model cannot memorise a finite set.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch
from torch import nn

from . import _validate, decoding
from .train import optimizer_step, seeded

PAD, BOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<bos>", "<eos>")
VOCAB = SPECIALS + tuple("0123456789")
IGNORE_INDEX = -100


def encode_digits(text: str) -> np.ndarray:
    """Token ids of a digit string ("307" → [6, 3, 10])."""
    if not isinstance(text, str) or not text or not text.isdigit() or not text.isascii():
        raise ValueError(f"text must be a non-empty string of the digits 0-9, got {text!r}")
    return np.array([3 + int(ch) for ch in text], dtype=np.int64)


def decode_digits(ids: Sequence[int]) -> str:
    """The digit string of token ids; stops at the first <eos>; <pad> and <bos> are skipped."""
    out = []
    for i in np.asarray(ids).reshape(-1).tolist():
        i = int(i)
        if not 0 <= i < len(VOCAB):
            raise ValueError(f"token id {i} is out of range for the digit vocabulary of size {len(VOCAB)}")
        if i == EOS:
            break
        if i >= 3:
            out.append(str(i - 3))
    return "".join(out)


def reverse_task(min_len: int = 1, max_len: int = 8):
    """task(N, rng) -> (sources, targets): N random digit strings and their reversals + <eos>."""
    min_len = _validate.positive_int("min_len", min_len)
    max_len = _validate.positive_int("max_len", max_len, minimum=min_len)

    def task(N: int, rng: np.random.Generator):
        N = _validate.positive_int("N", N)
        lengths = rng.integers(min_len, max_len + 1, size=N)
        sources = [3 + rng.integers(0, 10, size=L) for L in lengths]
        targets = [np.append(s[::-1], EOS) for s in sources]
        return sources, targets

    task.__name__ = f"reverse_task_{min_len}_{max_len}"
    task.min_len, task.max_len = min_len, max_len
    return task


def probability_drawn(sources, task, draws: int) -> np.ndarray:
    """For each source, the chance that it was among `draws` inputs drawn by `task` (a `reverse_task`).

    One draw picks a length uniformly from min_len … max_len and then every digit uniformly, so it
    equals a given source of length L with probability 10^−L / (number of lengths).
    """
    if not hasattr(task, "min_len") or not hasattr(task, "max_len"):
        raise ValueError("task must be made by reverse_task (it needs its min_len and max_len)")
    draws = _validate.positive_int("draws", draws, minimum=0)
    sources, _ = _check_pairs(sources, sources)
    lengths = np.array([len(s) for s in sources])
    per_draw = 10.0 ** -lengths / (task.max_len - task.min_len + 1)
    return 1 - (1 - per_draw) ** draws


def _pad(seqs: Sequence[np.ndarray], value: int) -> torch.Tensor:
    T = max(len(s) for s in seqs)
    out = np.full((T, len(seqs)), value, dtype=np.int64)
    for j, s in enumerate(seqs):
        out[:len(s), j] = s
    return torch.as_tensor(out)


def teacher_forcing_batch(sources, targets):
    """Time-major tensors for one training step: src (S, N), src_lengths (N,), decoder input
    <bos> + target[:-1] (T, N) and decoder output target (T, N), padding IGNORE_INDEX."""
    sources, targets = _check_pairs(sources, targets)
    src = _pad(sources, PAD)
    lengths = torch.as_tensor([len(s) for s in sources])
    dec_in = _pad([np.concatenate([[BOS], t[:-1]]) for t in targets], PAD)
    dec_out = _pad(targets, IGNORE_INDEX)
    return src, lengths, dec_in, dec_out


def _check_pairs(sources, targets):
    if len(sources) == 0 or len(sources) != len(targets):
        raise ValueError(f"sources and targets must be two non-empty lists of the same length, got "
                         f"{len(sources)} and {len(targets)}")
    sources = [np.asarray(s, dtype=np.int64) for s in sources]
    targets = [np.asarray(t, dtype=np.int64) for t in targets]
    for name, seqs in (("sources", sources), ("targets", targets)):
        for s in seqs:
            if s.ndim != 1 or s.size == 0 or s.min() < 0 or s.max() >= len(VOCAB):
                raise ValueError(f"{name} must be non-empty 1-D sequences of token ids in [0, {len(VOCAB)})")
    return sources, targets


class Seq2Seq(nn.Module):
    """Encoder–decoder (Sutskever et al. 2014 / Cho et al. 2014): two LSTMs and a softmax layer.

    The encoder reads the source (embedded), its final (h_S, c_S) is the decoder's initial state;
    the decoder reads its own previous output token and predicts the next one:
        (h_0, c_0) = encoder(x_1 … x_S),  (h_t, c_t) = LSTM(emb(y_{t−1}), (h_{t−1}, c_{t−1})),
        p(y_t | y_<t, x) = softmax(W_o h_t + b_o).
    """

    def __init__(self, vocab_size: int = len(VOCAB), embed_size: int = 32, hidden_size: int = 64, *,
                 num_layers: int = 1, seed: int | None = None):
        super().__init__()
        vocab_size = _validate.positive_int("vocab_size", vocab_size, minimum=3)
        embed_size = _validate.positive_int("embed_size", embed_size)
        hidden_size = _validate.positive_int("hidden_size", hidden_size)
        num_layers = _validate.positive_int("num_layers", num_layers)
        with seeded(seed):
            self.src_embed = nn.Embedding(vocab_size, embed_size)
            self.tgt_embed = nn.Embedding(vocab_size, embed_size)
            self.encoder = nn.LSTM(embed_size, hidden_size, num_layers=num_layers)
            self.decoder = nn.LSTM(embed_size, hidden_size, num_layers=num_layers)
            self.out = nn.Linear(hidden_size, vocab_size)

    @property
    def vocab_size(self) -> int:
        return self.out.out_features

    def encode(self, src: torch.Tensor, lengths) -> tuple[torch.Tensor, torch.Tensor]:
        """Final encoder state (h, c), each (layers, N, H), read at each source's true end."""
        if src.ndim != 2:
            raise ValueError(f"src must be token ids of shape (S, N), time-major, got {tuple(src.shape)}")
        lengths = torch.as_tensor(lengths)
        packed = nn.utils.rnn.pack_padded_sequence(self.src_embed(src), lengths, enforce_sorted=False)
        _, state = self.encoder(packed)
        return state

    def forward(self, src: torch.Tensor, lengths, dec_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits (T, N, V) for every target step, given the true previous tokens."""
        out, _ = self.decoder(self.tgt_embed(dec_in), self.encode(src, lengths))
        return self.out(out)

    def start_state(self, sources) -> tuple[torch.Tensor, torch.Tensor]:
        """Decoder start states for a list of sources, batch-first (N, layers, H) for `decoding`."""
        src = _pad([np.asarray(s, dtype=np.int64) for s in sources], PAD)
        with torch.no_grad():
            h, c = self.encode(src, torch.as_tensor([len(s) for s in sources]))
        return h.transpose(0, 1), c.transpose(0, 1)

    def step(self, prev_tokens, state):
        """The decoding step function: log p(next | previous token, state) and the next state."""
        h, c = state
        with torch.no_grad():
            x = self.tgt_embed(torch.as_tensor(np.asarray(prev_tokens), dtype=torch.long))[None]
            out, (h, c) = self.decoder(x, (h.transpose(0, 1).contiguous(), c.transpose(0, 1).contiguous()))
            log_probs = torch.log_softmax(self.out(out[0]), dim=-1)
        return log_probs.double().numpy(), (h.transpose(0, 1), c.transpose(0, 1))


@dataclass
class Seq2SeqHistory:
    """Training log: steps, mean cross-entropy per target token since the previous entry, wall time."""

    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def train_seq2seq(model: Seq2Seq, task, *, steps: int, batch_size: int = 64, lr: float = 3e-3,
                  clip: float | None = 1.0, log_every: int = 50, seed: int = 0) -> Seq2SeqHistory:
    """Train with teacher forcing and Adam on fresh batches from task(N, rng); return the history."""
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model must be a Seq2Seq, got {type(model).__name__}")
    if not callable(task):
        raise ValueError("task must be a callable task(N, rng) -> (sources, targets), e.g. reverse_task()")
    steps = _validate.positive_int("steps", steps)
    batch_size = _validate.positive_int("batch_size", batch_size)
    lr = _validate.finite_float("lr", lr, low=0.0, low_open=True)
    clip = _validate.optional_positive("clip", clip)
    log_every = _validate.positive_int("log_every", log_every)
    seed = _validate.positive_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    hist, window, start = Seq2SeqHistory(), [], time.perf_counter()
    model.train()
    for step in range(1, steps + 1):
        src, lengths, dec_in, dec_out = teacher_forcing_batch(*task(batch_size, rng))
        logits = model(src, lengths, dec_in)
        loss = nn.functional.cross_entropy(logits.reshape(-1, model.vocab_size), dec_out.reshape(-1),
                                           ignore_index=IGNORE_INDEX)
        optimizer_step(opt, loss, model, clip)
        window.append(loss.item())
        if step % log_every == 0 or step == steps:
            hist.steps.append(step)
            hist.loss.append(float(np.mean(window)))
            hist.seconds.append(time.perf_counter() - start)
            window = []
    return hist


def teacher_forced_accuracy(model: Seq2Seq, sources, targets) -> float:
    """Fraction of target tokens predicted right when the decoder is given the true previous tokens."""
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model must be a Seq2Seq, got {type(model).__name__}")
    src, lengths, dec_in, dec_out = teacher_forcing_batch(sources, targets)
    with torch.no_grad():
        pred = model(src, lengths, dec_in).argmax(dim=-1)
    mask = dec_out != IGNORE_INDEX
    return float((pred[mask] == dec_out[mask]).double().mean())


def all_tokens_right(model: Seq2Seq, sources, targets) -> np.ndarray:
    """For each target, whether teacher forcing predicts every one of its tokens right (boolean (N,))."""
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model must be a Seq2Seq, got {type(model).__name__}")
    src, lengths, dec_in, dec_out = teacher_forcing_batch(sources, targets)
    with torch.no_grad():
        pred = model(src, lengths, dec_in).argmax(-1)                 # (M, N), given the true prefix
    return ((pred == dec_out) | (dec_out == IGNORE_INDEX)).all(dim=0).numpy()


def decode(model: Seq2Seq, sources, *, beam_width: int = 1, alpha: float = 0.0,
           max_len: int | None = None) -> list[decoding.Hypothesis]:
    """Decode every source: batched greedy search when beam_width = 1, beam search otherwise.

    max_len defaults to the longest source + 2 (a reversal is as long as its source, plus <eos>).
    """
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model must be a Seq2Seq, got {type(model).__name__}")
    beam_width = _validate.positive_int("beam_width", beam_width)
    sources, _ = _check_pairs(sources, sources)
    max_len = max(len(s) for s in sources) + 2 if max_len is None else _validate.positive_int("max_len", max_len)
    state = model.start_state(sources)
    model.eval()
    if beam_width == 1:
        return decoding.greedy_decode(model.step, state, BOS, EOS, max_len, alpha=alpha)
    return [decoding.beam_search(model.step, decoding.select_rows(state, np.array([i])), BOS, EOS, max_len,
                                 beam_width, alpha=alpha) for i in range(len(sources))]


def matches(hypotheses: Sequence[decoding.Hypothesis], targets) -> np.ndarray:
    """For each hypothesis, whether its tokens equal the target exactly (eos included): boolean (N,)."""
    if len(hypotheses) == 0 or len(hypotheses) != len(targets):
        raise ValueError(f"hypotheses and targets must be non-empty and of the same length, got "
                         f"{len(hypotheses)} and {len(targets)}")
    return np.array([tuple(h.tokens) == tuple(np.asarray(t).tolist()) for h, t in zip(hypotheses, targets)])


def exact_match(hypotheses: Sequence[decoding.Hypothesis], targets) -> float:
    """Fraction of hypotheses whose tokens equal the target exactly (eos included)."""
    return float(np.mean(matches(hypotheses, targets)))


def error_kinds(model: Seq2Seq, sources, targets, hypotheses: Sequence[decoding.Hypothesis]) -> tuple[int, int]:
    """Split the wrong outputs into (search errors, model errors).

    A wrong output ŷ is a search error when the model gives the right answer y a higher
    log-probability (log p(y|x) > log p(ŷ|x): a better search would have found y), a model error
    otherwise (the model itself prefers a wrong output; no search can fix that).
    """
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model must be a Seq2Seq, got {type(model).__name__}")
    right = matches(hypotheses, targets)
    sources, targets = _check_pairs(sources, targets)
    if len(sources) != len(right):
        raise ValueError(f"sources, targets and hypotheses must have the same length, got {len(sources)} sources "
                         f"and {len(right)} hypotheses")
    search = model_errors = 0
    for src, tgt, hyp, ok in zip(sources, targets, hypotheses, right):
        if not ok:
            ref = decoding.sequence_log_prob(model.step, model.start_state([src]), BOS, tgt)
            search += ref > hyp.log_prob
            model_errors += ref <= hyp.log_prob
    return int(search), int(model_errors)


# ================================================================================================
# A decoder without an encoder: the character language model.
# ================================================================================================
class CharLM(nn.Module):
    """LSTM language model over token ids: embedding → LSTM → linear, p(x_{t+1} | x_≤t)."""

    def __init__(self, vocab_size: int, embed_size: int = 16, hidden_size: int = 128, *,
                 num_layers: int = 1, seed: int | None = None):
        super().__init__()
        vocab_size = _validate.positive_int("vocab_size", vocab_size, minimum=2)
        embed_size = _validate.positive_int("embed_size", embed_size)
        hidden_size = _validate.positive_int("hidden_size", hidden_size)
        num_layers = _validate.positive_int("num_layers", num_layers)
        with seeded(seed):
            self.embed = nn.Embedding(vocab_size, embed_size)
            self.rnn = nn.LSTM(embed_size, hidden_size, num_layers=num_layers)
            self.out = nn.Linear(hidden_size, vocab_size)

    @property
    def vocab_size(self) -> int:
        return self.out.out_features

    def forward(self, x: torch.Tensor, state=None):
        """x (T, N) token ids → logits (T, N, V) and the final (h, c)."""
        if x.ndim != 2:
            raise ValueError(f"x must be token ids of shape (T, N), time-major, got {tuple(x.shape)}")
        out, state = self.rnn(self.embed(x), state)
        return self.out(out), state

    def start_state(self, prefix: Sequence[int] | None = None):
        """Batch-first state (1, layers, H) after reading `prefix` (zeros if None), for `decoding`."""
        L, H = self.rnn.num_layers, self.rnn.hidden_size
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
                  cosine: bool = False, seed: int = 0) -> list[float]:
    """Train on random windows of `train_ids` (`batching.lm_batches`, sequential=False), Adam,
    cross-entropy at every position. Returns the mean training loss (nats per token) of each step.

    Stops after `steps` updates or `time_limit` seconds, whichever comes first (give at least one;
    a time limit makes the result depend on the machine). `cosine` decays the learning rate from
    `lr` to 0 along a half cosine of the progress, the larger of steps/`steps` and time/`time_limit`.
    """
    from .batching import lm_batches

    if not isinstance(model, CharLM):
        raise ValueError(f"model must be a CharLM, got {type(model).__name__}")
    steps, time_limit = _validate.training_length(steps, time_limit)
    batch_size = _validate.positive_int("batch_size", batch_size)
    num_steps = _validate.positive_int("num_steps", num_steps)
    lr = _validate.finite_float("lr", lr, low=0.0, low_open=True)
    clip = _validate.optional_positive("clip", clip)
    seed = _validate.positive_int("seed", seed, minimum=0)
    ids = _ids("train_ids", train_ids, model.vocab_size, batch_size * num_steps + 1)
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses: list[float] = []
    start = time.perf_counter()

    def progress() -> float:
        done = 0.0 if steps is None else len(losses) / steps
        if time_limit is not None:
            done = max(done, (time.perf_counter() - start) / time_limit)
        return done

    model.train()
    while progress() < 1.0:
        for X, Y in lm_batches(ids, batch_size, num_steps, sequential=False, rng=rng):
            if cosine:
                for group in opt.param_groups:
                    group["lr"] = lr * 0.5 * (1.0 + math.cos(math.pi * progress()))
            logits, _ = model(torch.as_tensor(X))
            loss = nn.functional.cross_entropy(logits.reshape(-1, model.vocab_size), torch.as_tensor(Y).reshape(-1))
            optimizer_step(opt, loss, model, clip)
            losses.append(loss.item())
            if progress() >= 1.0:
                break
    return losses


def next_token_log_probs(model: CharLM, ids) -> np.ndarray:
    """log p(x_{t+1} = · | x_1 … x_t) for t = 1 … len(ids)−1, read as one long sequence: (len−1, V)."""
    if not isinstance(model, CharLM):
        raise ValueError(f"model must be a CharLM, got {type(model).__name__}")
    ids = _ids("ids", ids, model.vocab_size, 2)
    model.eval()
    with torch.no_grad():
        logits, _ = model(torch.as_tensor(ids[:-1])[:, None])
        return torch.log_softmax(logits[:, 0].double(), dim=-1).numpy()


def perplexity(model: CharLM, ids) -> float:
    """exp(mean NLL) of ids[1:] given everything before (the first token is only read)."""
    log_probs = next_token_log_probs(model, ids)
    ids = np.asarray(ids)
    return float(math.exp(-np.mean(log_probs[np.arange(len(ids) - 1), ids[1:]])))
