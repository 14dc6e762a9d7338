"""An LSTM encoder–decoder (Sutskever et al. 2014; Cho et al. 2014) that learns to reverse digits.

The model exposes the step function of `course_utils.decoding`,

    model.step(prev_tokens, state) -> (log_probs (B, V) numpy, next_state)

with the LSTM state (h, c) stored batch-first, (B, layers, H), so that beam search can pick rows
with `decoding.select_rows`. Greedy search, beam search and sampling then work unchanged (the
character LM of `char_lm` has the same step function).

The task is `tasks.reverse_task`: "3017" → "7103", in the token ids of `tasks.DIGIT_VOCAB`. The
decoder reads <bos> + target[:-1] (teacher forcing) and learns to emit target; every training
step draws fresh examples, so the model cannot memorise a finite set.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from . import _validate, decoding
from .batching import IGNORE_INDEX, pad_batch
from .session import seeded
from .tasks import BOS, DIGIT_VOCAB, EOS, PAD, digit_sequences
from .train import History, fit, fresh_batches


def pad_tokens(seqs: Sequence[np.ndarray], value: int) -> torch.Tensor:
    """Token-id sequences of different lengths as one time-major (T, N) tensor, padded with `value`."""
    return torch.as_tensor(pad_batch(seqs, pad_id=value)[0])


def teacher_forcing_batch(sources, targets):
    """Time-major tensors for one training step: src (S, N), src_lengths (N,), decoder input
    <bos> + target[:-1] (T, N) and decoder output target (T, N), padding IGNORE_INDEX."""
    sources, targets = _check_pairs(sources, targets)
    src = pad_tokens(sources, PAD)
    lengths = torch.as_tensor([len(s) for s in sources])
    dec_in = pad_tokens([np.concatenate([[BOS], t[:-1]]) for t in targets], PAD)
    dec_out = pad_tokens(targets, IGNORE_INDEX)
    return src, lengths, dec_in, dec_out


def _check_pairs(sources, targets):
    if len(sources) == 0 or len(sources) != len(targets):
        raise ValueError(f"sources and targets must be two non-empty lists of the same length, got "
                         f"{len(sources)} and {len(targets)}")
    return digit_sequences("sources", sources), digit_sequences("targets", targets)


class Seq2Seq(nn.Module):
    """Encoder–decoder (Sutskever et al. 2014 / Cho et al. 2014): two LSTMs and a softmax layer.

    The encoder reads the source (embedded), its final (h_S, c_S) is the decoder's initial state;
    the decoder reads its own previous output token and predicts the next one:
        (h_0, c_0) = encoder(x_1 … x_S),  (h_t, c_t) = LSTM(emb(y_{t−1}), (h_{t−1}, c_{t−1})),
        p(y_t | y_<t, x) = softmax(W_o h_t + b_o).
    """

    def __init__(self, vocab_size: int = len(DIGIT_VOCAB), embed_size: int = 32, hidden_size: int = 64, *,
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
        return self._run_encoder(src, lengths)[1]

    def encode_all(self, src: torch.Tensor, lengths) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Every top-layer encoder state, (S, N, H) with zeros past each source's end (what attention
        reads), and the final state (h, c) of `encode`."""
        packed, state = self._run_encoder(src, lengths)
        out, _ = nn.utils.rnn.pad_packed_sequence(packed, total_length=src.shape[0])
        return out, state

    def _run_encoder(self, src: torch.Tensor, lengths):
        if src.ndim != 2:
            raise ValueError(f"src must be token ids of shape (S, N), time-major, got {tuple(src.shape)}")
        packed = nn.utils.rnn.pack_padded_sequence(self.src_embed(src), torch.as_tensor(lengths), enforce_sorted=False)
        return self.encoder(packed)

    def forward(self, src: torch.Tensor, lengths, dec_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits (T, N, V) for every target step, given the true previous tokens."""
        out, _ = self.decoder(self.tgt_embed(dec_in), self.encode(src, lengths))
        return self.out(out)

    def start_state(self, sources) -> tuple[torch.Tensor, torch.Tensor]:
        """Decoder start states for a list of sources, batch-first (N, layers, H) for `decoding`."""
        src = pad_tokens([np.asarray(s, dtype=np.int64) for s in sources], PAD)
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


def train_seq2seq(model: Seq2Seq, task, *, steps: int, batch_size: int = 64, lr: float = 3e-3,
                  clip: float | None = 1.0, eval_every: int = 50, seed: int = 0) -> History:
    """Train with teacher forcing and Adam on fresh batches from task(N, rng) (a generator seeded by
    `seed`); return the History: mean cross-entropy per target token (train_loss) every `eval_every`
    steps and after the last."""
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model must be a Seq2Seq, got {type(model).__name__}")
    if not callable(task):
        raise ValueError("task must be a callable task(N, rng) -> (sources, targets), e.g. tasks.reverse_task()")
    steps = _validate.positive_int("steps", steps)
    seed = _validate.positive_int("seed", seed, minimum=0)

    def cross_entropy(batch) -> torch.Tensor:
        src, lengths, dec_in, dec_out = teacher_forcing_batch(*batch)
        logits = model(src, lengths, dec_in)
        return nn.functional.cross_entropy(logits.reshape(-1, model.vocab_size), dec_out.reshape(-1),
                                           ignore_index=IGNORE_INDEX)

    return fit(model, fresh_batches(task, batch_size, np.random.default_rng(seed)), cross_entropy, steps=steps,
               lr=lr, clip=clip, eval_every=eval_every)


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


def exact_match_by_length(hypotheses: Sequence[decoding.Hypothesis], sources, targets) -> dict[int, float]:
    """Exact match for each source length: {L: share of the sources of L tokens whose output is right}."""
    right = matches(hypotheses, targets)
    lengths = np.array([len(s) for s in digit_sequences("sources", sources)])
    if len(lengths) != len(right):
        raise ValueError(f"sources and hypotheses must have the same length, got {len(lengths)} and {len(right)}")
    return {int(L): float(right[lengths == L].mean()) for L in np.unique(lengths)}
