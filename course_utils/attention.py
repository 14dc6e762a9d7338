"""Attention over the encoder states (Bahdanau et al. 2015; Luong et al. 2015), and an encoder–decoder with it.

The plain encoder–decoder of `seq2seq` hands the decoder one vector, the encoder's last state.
With attention, every decoder step t looks at all encoder states k_1 … k_S (the *keys*, here also
the values) through its own state q_t (the *query*):

    scores   e_tj = score(q_t, k_j)                     j = 1 … S
    weights  a_tj = exp(e_tj) / Σ_i exp(e_ti)           padded positions j get e_tj = −∞, so a_tj = 0
    context  c_t  = Σ_j a_tj k_j

with two scores:  additive  v·tanh(W_q q_t + W_k k_j)  (Bahdanau et al. 2015, Luong's "concat")
and              dot       q_t·k_j / √H               (Luong et al. 2015's "dot", scaled by √H as in
                                                        Vaswani et al. 2017; unscaled with scaled=False).

Arrays are time-major like the rest of the course: queries (T, N, Hq), keys (S, N, H), mask (N, S)
(True at real source positions), weights (T, N, S), context (T, N, H). `attend` is the torch
version (differentiable, used in training); `attend_numpy` computes the same forward pass in numpy.

`AttentionSeq2Seq` is `seq2seq.Seq2Seq` (same encoder, embeddings and decoder LSTM) plus attention
placed as in Luong et al. 2015: the query is the decoder's new state s_t, and the output layer reads
s̃_t = tanh(W_c [c_t; s_t]). (Bahdanau et al. query with s_{t−1} and feed c_t into the decoder's
input; Luong's placement lets teacher forcing run the decoder LSTM over all steps in one call.)
Its step function has the interface of `decoding`, so greedy and beam search and every function of
`seq2seq` (train_seq2seq, decode, matches, error_kinds) work on it unchanged.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from . import _validate
from .seq2seq import Seq2Seq, pad_tokens
from .session import seeded
from .tasks import BOS, DIGIT_VOCAB, PAD, decode_digits, digit_sequences

SCORES = ("additive", "dot")


# ---------------------------------------------------------------- checks shared by both versions
def _check_shapes(queries_shape, keys_shape, mask_shape, score: str, params_shapes) -> None:
    _validate.choice("score", score, SCORES)
    if len(queries_shape) != 3:
        raise ValueError(f"queries must be (T, N, Hq), time-major, got shape {tuple(queries_shape)}")
    if len(keys_shape) != 3:
        raise ValueError(f"keys must be (S, N, H), time-major, got shape {tuple(keys_shape)}")
    (T, N, Hq), (S, Nk, H) = queries_shape, keys_shape
    if min(T, N, Hq, S, H) == 0 or Nk != N:
        raise ValueError(f"queries (T, N, Hq) and keys (S, N, H) must be non-empty with the same N, got "
                         f"{tuple(queries_shape)} and {tuple(keys_shape)}")
    if tuple(mask_shape) != (N, S):
        raise ValueError(f"mask must be (N, S) = ({N}, {S}), True at real source positions, got {tuple(mask_shape)}")
    if score == "dot":
        if Hq != H:
            raise ValueError(f"the dot score needs queries and keys of the same size, got Hq = {Hq} and H = {H}")
        if params_shapes is not None:
            raise ValueError("the dot score has no parameters: pass params=None")
        return
    if params_shapes is None or len(params_shapes) != 3:
        raise ValueError("the additive score needs params = (W_q (A, Hq), W_k (A, H), v (A,))")
    wq, wk, v = (tuple(s) for s in params_shapes)
    if len(wq) != 2 or wq[1] != Hq or wk != (wq[0], H) or v != (wq[0],):
        raise ValueError(f"params must be W_q (A, Hq={Hq}), W_k (A, H={H}), v (A,), got shapes {wq}, {wk}, {v}")


def _check_mask_rows(mask_any_per_row) -> None:
    if not bool(mask_any_per_row.all()):
        raise ValueError("mask must keep at least one source position of every example (a row of all False "
                         "leaves nothing to attend to)")


# ---------------------------------------------------------------- torch (training) version
def lengths_mask(lengths, S: int) -> torch.Tensor:
    """mask (N, S): True at the positions j < length of each source, False on its padding."""
    S = _validate.positive_int("S", S)
    lengths = torch.as_tensor(lengths)
    if lengths.ndim != 1 or lengths.numel() == 0 or lengths.min() < 1 or lengths.max() > S:
        raise ValueError(f"lengths must be a non-empty 1-D list of source lengths in 1 … S = {S}, "
                         f"got {lengths.tolist()}")
    return torch.arange(S)[None, :] < lengths[:, None]


def dot_scores(queries: torch.Tensor, keys: torch.Tensor, *, scaled: bool = True) -> torch.Tensor:
    """e_tj = q_t·k_j (/ √H when scaled): (T, N, Hq) and (S, N, H) → (T, N, S)."""
    scores = torch.einsum("tnh,snh->tns", queries, keys)
    return scores / math.sqrt(keys.shape[-1]) if scaled else scores


def additive_scores(queries: torch.Tensor, keys: torch.Tensor, W_q: torch.Tensor, W_k: torch.Tensor,
                    v: torch.Tensor) -> torch.Tensor:
    """e_tj = v·tanh(W_q q_t + W_k k_j): (T, N, Hq) and (S, N, H) → (T, N, S).

    W_k k_j is computed once per source position, W_q q_t once per query; the tanh is taken for
    every pair: T·S vectors of size A.
    """
    q = queries @ W_q.T                                  # (T, N, A)
    k = (keys @ W_k.T).transpose(0, 1)                   # (N, S, A)
    return torch.tanh(q[:, :, None, :] + k[None]) @ v    # (T, N, S, A) · (A,) → (T, N, S)


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """softmax over the source axis of scores (T, N, S), with weight exactly 0 where mask (N, S) is False."""
    return torch.softmax(scores.masked_fill(~mask[None], -math.inf), dim=-1)


def attend(queries: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor, *, score: str = "dot", params=None,
           scaled: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention of every query over the keys: context (T, N, H) and weights (T, N, S).

    queries (T, N, Hq), keys (S, N, H) (the encoder states, also used as values), mask (N, S) bool,
    True at real positions. score: "dot" (params None; scaled by 1/√H unless scaled=False) or
    "additive" (params = (W_q (A, Hq), W_k (A, H), v (A,))).
    """
    for name, value in (("queries", queries), ("keys", keys), ("mask", mask)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch tensor, got {type(value).__name__}")
    if mask.dtype != torch.bool:
        raise TypeError(f"mask must be a bool tensor (True at real source positions), got dtype {mask.dtype}")
    if params is not None and not all(isinstance(p, torch.Tensor) for p in params):
        raise TypeError("params must be torch tensors (W_q, W_k, v)")
    _check_shapes(queries.shape, keys.shape, mask.shape, score,
                  None if params is None else [p.shape for p in params])
    _check_mask_rows(mask.any(dim=1))
    if score == "dot":
        scores = dot_scores(queries, keys, scaled=scaled)
    else:
        scores = additive_scores(queries, keys, *params)
    weights = masked_softmax(scores, mask)
    return torch.einsum("tns,snh->tnh", weights, keys), weights


# ---------------------------------------------------------------- numpy (reference) version
def attend_numpy(queries, keys, mask, *, score: str = "dot", params=None,
                 scaled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The forward pass of `attend` in numpy (float64), written as the equations: context, weights."""
    queries = _validate.float_array("queries", queries)
    keys = _validate.float_array("keys", keys)
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"mask must be a bool array (True at real source positions), got dtype {mask.dtype}")
    if params is not None:
        params = [_validate.float_array(name, p) for name, p in zip(("W_q", "W_k", "v"), params)]
    _check_shapes(queries.shape, keys.shape, mask.shape, score, None if params is None else [p.shape for p in params])
    _check_mask_rows(mask.any(axis=1))
    if score == "dot":
        e = np.einsum("tnh,snh->tns", queries, keys)                       # e_tj = q_t · k_j
        if scaled:
            e = e / np.sqrt(keys.shape[-1])
    else:
        W_q, W_k, v = params
        pre = (queries @ W_q.T)[:, :, None, :] + (keys @ W_k.T).transpose(1, 0, 2)[None]   # (T, N, S, A)
        e = np.tanh(pre) @ v                                                # e_tj = v · tanh(W_q q_t + W_k k_j)
    e = np.where(mask[None], e, -np.inf)                                    # padding: e = −∞, so a = 0
    a = np.exp(e - e.max(axis=-1, keepdims=True))
    a = a / a.sum(axis=-1, keepdims=True)                                   # a_tj = softmax_j(e_tj)
    return np.einsum("tns,snh->tnh", a, keys), a                            # c_t = Σ_j a_tj k_j


# ---------------------------------------------------------------- the encoder–decoder with attention
class AttentionSeq2Seq(Seq2Seq):
    """`seq2seq.Seq2Seq` with attention over the encoder states (Luong et al. 2015's placement):

        k_1 … k_S = encoder(x_1 … x_S),  (s_0, m_0) = final encoder state (as without attention),
        s_t = LSTM(emb(y_{t−1}), s_{t−1}),  c_t, a_t = attend(s_t, k, mask),
        s̃_t = tanh(W_c [c_t; s_t] + b_c),  p(y_t | y_<t, x) = softmax(W_o s̃_t + b_o).

    score: "additive" (attention_size A, default hidden_size) or "dot" (scaled). The weights that
    `Seq2Seq` also has are drawn from `seed` as there; the attention layers from seed + 1.
    """

    def __init__(self, vocab_size: int = len(DIGIT_VOCAB), embed_size: int = 32, hidden_size: int = 64, *,
                 score: str = "dot", attention_size: int | None = None, num_layers: int = 1,
                 seed: int | None = None):
        super().__init__(vocab_size, embed_size, hidden_size, num_layers=num_layers, seed=seed)
        self.score = _validate.choice("score", score, SCORES)
        A = hidden_size if attention_size is None else _validate.positive_int("attention_size", attention_size)
        if score == "dot" and attention_size is not None:
            raise ValueError("attention_size is the size of the additive score's tanh layer; the dot score has none")
        with seeded(None if seed is None else seed + 1):
            self.combine = nn.Linear(2 * hidden_size, hidden_size)          # W_c, b_c
            if score == "additive":
                self.w_query = nn.Linear(hidden_size, A, bias=False)       # W_q
                self.w_key = nn.Linear(hidden_size, A, bias=False)         # W_k
                self.v = nn.Parameter(torch.empty(A).uniform_(-1 / math.sqrt(A), 1 / math.sqrt(A)))

    def attention_params(self):
        """(W_q, W_k, v) of the additive score; None for the dot score."""
        return None if self.score == "dot" else (self.w_query.weight, self.w_key.weight, self.v)

    def _predict(self, dec_out: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor):
        context, weights = attend(dec_out, memory, mask, score=self.score, params=self.attention_params())
        return self.out(torch.tanh(self.combine(torch.cat([context, dec_out], dim=-1)))), weights

    def forward_with_weights(self, src: torch.Tensor, lengths, dec_in: torch.Tensor):
        """Teacher forcing: logits (T, N, V) and the attention weights (T, N, S)."""
        memory, state = self.encode_all(src, lengths)
        dec_out, _ = self.decoder(self.tgt_embed(dec_in), state)
        return self._predict(dec_out, memory, lengths_mask(lengths, src.shape[0]))

    def forward(self, src: torch.Tensor, lengths, dec_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits (T, N, V) for every target step, given the true previous tokens."""
        return self.forward_with_weights(src, lengths, dec_in)[0]

    def start_state(self, sources):
        """Decoder start states, batch-first for `decoding`: (h, c) (N, layers, H) as in Seq2Seq, and
        what attention reads at every step, the encoder states (N, S, H) and the mask (N, S)."""
        sources = digit_sequences("sources", sources)
        src = pad_tokens(sources, PAD)
        lengths = torch.as_tensor([len(s) for s in sources])
        with torch.no_grad():
            memory, (h, c) = self.encode_all(src, lengths)
        return h.transpose(0, 1), c.transpose(0, 1), memory.transpose(0, 1), lengths_mask(lengths, src.shape[0])

    def step(self, prev_tokens, state):
        """The decoding step function: log p(next | previous token, state) and the next state."""
        h, c, memory, mask = state
        with torch.no_grad():
            x = self.tgt_embed(torch.as_tensor(np.asarray(prev_tokens), dtype=torch.long))[None]
            out, (h, c) = self.decoder(x, (h.transpose(0, 1).contiguous(), c.transpose(0, 1).contiguous()))
            logits, _ = self._predict(out, memory.transpose(0, 1), mask)
            log_probs = torch.log_softmax(logits[0], dim=-1)
        return log_probs.double().numpy(), (h.transpose(0, 1), c.transpose(0, 1), memory, mask)


def alignment(model: AttentionSeq2Seq, source, output) -> np.ndarray:
    """The attention weights (M, S) while the model writes `output` (M tokens, e.g. a decoded
    hypothesis's tokens) for `source`: row t is where step t looked. Rows sum to 1."""
    if not isinstance(model, AttentionSeq2Seq):
        raise ValueError(f"model must be an AttentionSeq2Seq, got {type(model).__name__}")
    (source,), (output,) = digit_sequences("source", [source]), digit_sequences("output", [output])
    dec_in = torch.as_tensor(np.concatenate([[BOS], output[:-1]]))[:, None]
    with torch.no_grad():
        _, weights = model.forward_with_weights(torch.as_tensor(source)[:, None], [len(source)], dec_in)
    return weights[:, 0].double().numpy()


def plot_alignment(weights, source, output, title: str = "", *, ax=None):
    """Heatmap of an alignment (M, S): output tokens down, source tokens across, weight as grey level.

    source, output: token ids (the tick labels are their digits; ⟨eos⟩ for the end token).
    ax: draw into these axes (e.g. one panel per model); by default a new figure. Returns the
    matplotlib Figure; the notebook ends the cell with `plt.show()`.
    """
    import matplotlib.pyplot as plt

    weights = _validate.float_array("weights", weights, ndim=2)
    (source,), (output,) = digit_sequences("source", [source]), digit_sequences("output", [output])
    if weights.shape != (len(output), len(source)):
        raise ValueError(f"weights must be (len(output), len(source)) = ({len(output)}, {len(source)}), "
                         f"got {weights.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(2.2 + 0.55 * len(source), 0.9 + 0.5 * len(output)))
    labels = [decode_digits([t]) or DIGIT_VOCAB[t] for t in output.tolist()]
    im = ax.imshow(weights, cmap="Greys", vmin=0.0, vmax=1.0, aspect="equal")
    ax.set_xticks(range(len(source)), [decode_digits([t]) for t in source.tolist()])
    ax.set_yticks(range(len(output)), labels)
    ax.set(xlabel="source position j (input digit)", ylabel="output step t")
    ax.grid(False)
    if title:
        ax.set_title(title)
    ax.figure.colorbar(im, ax=ax, label="weight $a_{tj}$", shrink=0.85)
    ax.figure.tight_layout()
    return ax.figure
