"""Conditioning a decoder on an input vector: an RNN that spells the name of an 8×8 digit.

The offline analogue of image captioning (CS231n assignment 3; note 002 §1.6, "图像描述生成"): the
64 pixels x of a digit image (`digits.load_split`, flattened) set the decoder's initial state,
and a GRU (or LSTM) decoder then writes the digit's English name one character at a time:

    s_0 = tanh(W_si x + b_s)                (an LSTM gets (h_0, c_0) from one affine map, split in two)
    s_t = GRU(emb(y_{t−1}), s_{t−1}),  y_0 = ⟨bos⟩,    p(y_t | y_<t, x) = softmax(W_o s_t + b_o)

until ⟨eos⟩: 7 → "s e v e n ⟨eos⟩". With feed_image=True the pixels are also part of every
step's input, [emb(y_{t−1}); x] (Mao et al. 2015's m-RNN reads the image at every step too;
Vinyals et al. 2015 report that this overfits and give the image only once).

Tokens: 0 = ⟨pad⟩, 1 = ⟨bos⟩, 2 = ⟨eos⟩, then the 15 letters of the ten names. The model has the
step function of `course_utils.decoding` (state batch-first, the pixels kept in it when every step
reads them), so greedy search, beam search and sampling work unchanged, as for `seq2seq.Seq2Seq`.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from . import _validate, decoding
from .batching import IGNORE_INDEX
from .seq2seq import pad_tokens
from .session import seeded
from .train import History, fit, shuffled_batches

NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
PAD, BOS, EOS = 0, 1, 2
VOCAB = ("<pad>", "<bos>", "<eos>") + tuple(sorted(set("".join(NAMES))))
_LETTER_ID = {ch: i for i, ch in enumerate(VOCAB) if len(ch) == 1}
CELLS = ("gru", "lstm")
_NOT_OUTPUT = torch.arange(len(VOCAB)) < EOS          # ⟨pad⟩ and ⟨bos⟩ are inputs only


# ---------------------------------------------------------------- names as tokens
def encode_name(name: str) -> np.ndarray:
    """A word of the names' letters → its token ids followed by ⟨eos⟩: "one" → [12, 11, 5, 2]."""
    if not isinstance(name, str) or not name or any(ch not in _LETTER_ID for ch in name):
        raise ValueError(f"name must be a non-empty word of the letters {''.join(sorted(_LETTER_ID))}, got {name!r}")
    return np.array([_LETTER_ID[ch] for ch in name] + [EOS], dtype=np.int64)


def decode_name(tokens) -> str:
    """Token ids → the word they spell, up to the first ⟨eos⟩ (⟨pad⟩ and ⟨bos⟩ are not letters)."""
    ids = np.asarray(tokens)
    ids = ids.astype(np.int64) if ids.size == 0 else ids                # an empty output spells ""
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer) or (ids.size and (ids.min() < 0
                                                                                     or ids.max() >= len(VOCAB))):
        raise ValueError(f"tokens must be a 1-D sequence of token ids in [0, {len(VOCAB)}), got {ids.tolist()}")
    out = []
    for tok in ids.tolist():
        if tok == EOS:
            break
        if tok in (PAD, BOS):
            raise ValueError(f"tokens must be letters and ⟨eos⟩, got {VOCAB[tok]} in {ids.tolist()}")
        out.append(VOCAB[tok])
    return "".join(out)


def read_digit(word: str) -> int:
    """The digit a spelled word names, or −1 when it is not one of the ten names (a misspelling)."""
    if not isinstance(word, str):
        raise ValueError(f"word must be a string, got {type(word).__name__}")
    return NAMES.index(word) if word in NAMES else -1


def _labels(labels) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1 or y.size == 0 or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() > 9:
        raise ValueError(f"labels must be a non-empty 1-D array of digits 0 … 9, got shape {y.shape} "
                         f"and dtype {y.dtype}")
    return y.astype(np.int64)


def name_targets(labels) -> list[np.ndarray]:
    """The token ids (with ⟨eos⟩) of each label's name."""
    return [encode_name(NAMES[d]) for d in _labels(labels)]


def pixel_vectors(imgs) -> torch.Tensor:
    """Images (N, 8, 8) or vectors (N, 64), finite → float32 tensor (N, 64)."""
    arr = _validate.float_array("imgs", imgs, ndim=(2, 3))
    arr = arr.reshape(len(arr), -1)
    if arr.shape[0] == 0 or arr.shape[1] != 64:
        raise ValueError(f"imgs must be N ≥ 1 images of 8×8 = 64 pixels, got shape {np.shape(imgs)}")
    return torch.as_tensor(arr, dtype=torch.float32)


def teacher_forcing_batch(labels) -> tuple[torch.Tensor, torch.Tensor]:
    """Decoder input ⟨bos⟩ + name[:-1] (T, N), padded with ⟨pad⟩, and target name + ⟨eos⟩ (T, N), padded
    with IGNORE_INDEX (the cross-entropy skips it)."""
    targets = name_targets(labels)
    dec_in = pad_tokens([np.concatenate([[BOS], t[:-1]]) for t in targets], PAD)
    return dec_in, pad_tokens(targets, IGNORE_INDEX)


# ---------------------------------------------------------------- the model
class NameDecoder(nn.Module):
    """A GRU or LSTM decoder over the letters whose initial state is computed from the 64 pixels.

    cell: "gru" (state s) or "lstm" (state (h, c), both from tanh(W x + b) split in two halves).
    feed_image: the pixels are also concatenated to every step's input. seed: the initial weights.
    """

    def __init__(self, hidden_size: int = 64, embed_size: int = 16, *, cell: str = "gru", feed_image: bool = False,
                 n_pixels: int = 64, seed: int | None = None):
        super().__init__()
        hidden_size = _validate.positive_int("hidden_size", hidden_size)
        embed_size = _validate.positive_int("embed_size", embed_size)
        self.cell = _validate.choice("cell", cell, CELLS)
        if not isinstance(feed_image, bool):
            raise ValueError(f"feed_image must be True or False, got {feed_image!r}")
        self.feed_image = feed_image
        self.n_pixels = _validate.positive_int("n_pixels", n_pixels)
        n_state = 2 if cell == "lstm" else 1
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        with seeded(seed):
            self.init_state = nn.Linear(n_pixels, n_state * hidden_size)        # W_si, b_s
            self.embed = nn.Embedding(len(VOCAB), embed_size)
            self.rnn = rnn(embed_size + (n_pixels if feed_image else 0), hidden_size)
            self.out = nn.Linear(hidden_size, len(VOCAB))

    def initial_state(self, pixels: torch.Tensor):
        """s_0 = tanh(W_si x + b_s) for pixels (N, 64), as torch wants it: (1, N, H), or (h_0, c_0) for an LSTM."""
        if not isinstance(pixels, torch.Tensor) or pixels.ndim != 2 or pixels.shape[1] != self.n_pixels:
            raise ValueError(f"pixels must be a tensor (N, {self.n_pixels}), e.g. captioning.pixel_vectors(imgs)")
        s0 = torch.tanh(self.init_state(pixels))[None]
        return tuple(s0.chunk(2, dim=-1)) if self.cell == "lstm" else s0

    def _logits(self, states: torch.Tensor) -> torch.Tensor:
        """W_o s_t + b_o, with ⟨pad⟩ and ⟨bos⟩ at −∞: the decoder only ever writes letters and ⟨eos⟩."""
        return self.out(states).masked_fill(_NOT_OUTPUT, -torch.inf)

    def _inputs(self, tokens: torch.Tensor, pixels: torch.Tensor) -> torch.Tensor:
        x = self.embed(tokens)                                                  # (T, N, E)
        if self.feed_image:
            x = torch.cat([x, pixels[None].expand(x.shape[0], -1, -1)], dim=-1)
        return x

    def forward(self, pixels: torch.Tensor, dec_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits (T, N, V) for every step, given the true previous letters dec_in (T, N)."""
        if dec_in.ndim != 2 or dec_in.shape[1] != pixels.shape[0]:
            raise ValueError(f"dec_in must be token ids (T, N) with N = {pixels.shape[0]} images, "
                             f"got {tuple(dec_in.shape)}")
        out, _ = self.rnn(self._inputs(dec_in, pixels), self.initial_state(pixels))
        return self._logits(out)

    def start_state(self, imgs):
        """Decoder start states for images (N, 8, 8) or (N, 64), batch-first for `decoding`: (s_0 (N, 1, H),
        pixels (N, 64)); an LSTM's is (h_0, c_0, pixels)."""
        pixels = pixel_vectors(imgs)
        with torch.no_grad():
            s0 = self.initial_state(pixels)
        parts = s0 if self.cell == "lstm" else (s0,)
        return tuple(p.transpose(0, 1) for p in parts) + (pixels,)

    def step(self, prev_tokens, state):
        """The decoding step function: log p(next letter | previous token, state) (B, V) and the next state."""
        *parts, pixels = state
        with torch.no_grad():
            x = self._inputs(torch.as_tensor(np.asarray(prev_tokens), dtype=torch.long)[None], pixels)
            hidden = tuple(p.transpose(0, 1).contiguous() for p in parts)
            out, hidden = self.rnn(x, hidden if self.cell == "lstm" else hidden[0])
            log_probs = torch.log_softmax(self._logits(out[0]), dim=-1)
        hidden = hidden if self.cell == "lstm" else (hidden,)
        return log_probs.double().numpy(), tuple(h.transpose(0, 1) for h in hidden) + (pixels,)


def _model(model) -> NameDecoder:
    if not isinstance(model, NameDecoder):
        raise ValueError(f"model must be a captioning.NameDecoder, got {type(model).__name__}")
    return model


def _pair(imgs, labels) -> tuple[torch.Tensor, np.ndarray]:
    pixels, y = pixel_vectors(imgs), _labels(labels)
    if len(pixels) != len(y):
        raise ValueError(f"imgs and labels must have the same length, got {len(pixels)} and {len(y)}")
    return pixels, y


# ---------------------------------------------------------------- training and measuring
def caption_loss(model: NameDecoder, imgs, labels) -> torch.Tensor:
    """Mean cross-entropy per target letter (⟨eos⟩ included) under teacher forcing: the training loss."""
    pixels, y = _pair(imgs, labels)
    dec_in, dec_out = teacher_forcing_batch(y)
    logits = _model(model)(pixels, dec_in)
    return nn.functional.cross_entropy(logits.reshape(-1, len(VOCAB)), dec_out.reshape(-1), ignore_index=IGNORE_INDEX)


def train_name_decoder(model: NameDecoder, imgs, labels, *, steps: int, batch_size: int = 64, lr: float = 1e-2,
                       clip: float | None = 1.0, cosine: bool = True, eval_every: int = 100,
                       seed: int = 0) -> History:
    """Teacher forcing and Adam (`train.fit`) on shuffled minibatches of the (image, name) pairs; the
    History holds the mean cross-entropy per letter."""
    pixels, y = _pair(imgs, labels)
    _model(model)
    seed = _validate.positive_int("seed", seed, minimum=0)
    batches = shuffled_batches(len(y), batch_size, np.random.default_rng(seed))
    return fit(model, batches, lambda idx: caption_loss(model, pixels[idx], y[idx]), steps=steps, lr=lr, clip=clip,
               cosine=cosine, eval_every=eval_every)


def spell(model: NameDecoder, imgs, *, beam_width: int = 1, max_len: int = 8) -> list[decoding.Hypothesis]:
    """Decode a name for every image: batched greedy search (beam_width = 1) or beam search."""
    model = _model(model)
    beam_width = _validate.positive_int("beam_width", beam_width)
    max_len = _validate.positive_int("max_len", max_len)
    state = model.start_state(imgs)
    model.eval()
    if beam_width == 1:
        return decoding.greedy_decode(model.step, state, BOS, EOS, max_len)
    return [decoding.beam_search(model.step, decoding.select_rows(state, np.array([i])), BOS, EOS, max_len,
                                 beam_width) for i in range(len(state[0]))]


def spelled_words(hypotheses: Sequence[decoding.Hypothesis]) -> list[str]:
    """The words the hypotheses spell (a hypothesis cut at max_len keeps its letters)."""
    if len(hypotheses) == 0 or not all(isinstance(h, decoding.Hypothesis) for h in hypotheses):
        raise ValueError("hypotheses must be a non-empty list of decoding.Hypothesis")
    return [decode_name(h.without_eos()) for h in hypotheses]


def name_log_probs(model: NameDecoder, imgs) -> np.ndarray:
    """log p(name_k + ⟨eos⟩ | image) for each image and each of the ten names: (N, 10), teacher-forced.

    Reading the decoder as a classifier: the argmax over the ten names is the best *valid* name (the
    exhaustive search restricted to them); 1 − Σ_k p is the mass the model gives to other strings."""
    model = _model(model)
    pixels = pixel_vectors(imgs)
    out = np.empty((len(pixels), len(NAMES)))
    model.eval()
    with torch.no_grad():
        for d in range(len(NAMES)):
            dec_in, dec_out = teacher_forcing_batch(np.full(len(pixels), d))
            log_p = torch.log_softmax(model(pixels, dec_in), dim=-1)
            out[:, d] = log_p.gather(-1, dec_out[..., None]).squeeze(-1).sum(0).double().numpy()
    return out


def sample_words(model: NameDecoder, imgs, *, temperature: float, seed: int = 0, max_len: int = 8) -> list[str]:
    """One sampled spelling per image at `temperature` (ancestral sampling, `decoding.sample`)."""
    model = _model(model)
    seed = _validate.positive_int("seed", seed, minimum=0)
    state, rng = model.start_state(imgs), np.random.default_rng(seed)
    model.eval()
    words = []
    for i in range(len(state[0])):
        drawn = decoding.sample(model.step, decoding.select_rows(state, np.array([i])), BOS, max_len,
                                temperature=temperature, eos=EOS, rng=rng)
        words.append(decode_name(drawn))
    return words


def spelling_samples(model: NameDecoder, imgs, *, temperature: float, n: int = 3, seed: int = 0) -> list[list[str]]:
    """n sampled spellings of each image at `temperature`: draw k uses seed + k (as `plot_spellings` shows them)."""
    n = _validate.positive_int("n", n)
    seed = _validate.positive_int("seed", seed, minimum=0)
    draws = [sample_words(model, imgs, temperature=temperature, seed=seed + k) for k in range(n)]
    return [list(words) for words in zip(*draws)]


def letter_entropy(model: NameDecoder, imgs, labels) -> np.ndarray:
    """Entropy (nats) of p(y_t | true y_<t, image) at each step t of each image's true name: (T, N), teacher
    forced, NaN past the name's ⟨eos⟩. Where it is large the model is still deciding."""
    model = _model(model)
    pixels, y = _pair(imgs, labels)
    dec_in, dec_out = teacher_forcing_batch(y)
    model.eval()
    with torch.no_grad():
        p = torch.softmax(model(pixels, dec_in), dim=-1).double().numpy()
    out = decoding.entropy(p)
    out[dec_out.numpy() == IGNORE_INDEX] = np.nan
    return out


def plot_spellings(model: NameDecoder, imgs, labels=None, *, temperatures=(1.0, 2.0), n: int = 3, seed: int = 0):
    """One column per image: the digit, titled with the greedy spelling (after its true name, red when wrong, if
    labels are given), n samples at each temperature under it, and below the model's probability of each of
    the ten names, p(name + ⟨eos⟩ | image).

    Returns the matplotlib Figure; the notebook ends the cell with `plt.show()`."""
    import matplotlib.pyplot as plt

    model = _model(model)
    pixels = pixel_vectors(imgs)
    if len(pixels) > 8:
        raise ValueError(f"plot_spellings draws at most 8 images, got {len(pixels)}")
    if labels is not None:
        _, labels = _pair(pixels, labels)
    temperatures = [_validate.finite_float("temperature", t, low=0.0, low_open=True) for t in temperatures]
    if not temperatures:
        raise ValueError("temperatures must name at least one temperature")
    greedy = spelled_words(spell(model, pixels))
    samples = {t: spelling_samples(model, pixels, temperature=t, n=n, seed=seed) for t in temperatures}
    probs = np.exp(name_log_probs(model, pixels))
    N = len(pixels)
    fig, axes = plt.subplots(2, N, figsize=(2.1 * N, 5.6), gridspec_kw=dict(height_ratios=(1.0, 0.8)), squeeze=False)
    for i in range(N):
        top, bottom = axes[0, i], axes[1, i]
        top.imshow(pixels[i].reshape(8, 8).numpy(), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        wrong = labels is not None and greedy[i] != NAMES[labels[i]]
        top.set_title(("" if labels is None else f"{NAMES[labels[i]]} → ") + greedy[i], fontsize=13,
                      color="#d6262b" if wrong else "black")
        top.set(xticks=[], yticks=[])
        top.set_xlabel("\n".join(f"τ={t:g}: " + " ".join(w or "∅" for w in samples[t][i]) for t in temperatures),
                       fontsize=11)
        bottom.bar(range(10), probs[i], color="#1b9e77")
        bottom.set(ylim=(0, 1), xticks=range(10))
        bottom.tick_params(labelsize=11)
        bottom.set_xlabel("digit whose name", fontsize=11)
        if i == 0:
            bottom.set_ylabel("p(name | image)", fontsize=12)
        else:
            bottom.set_yticklabels([])
    fig.tight_layout()
    return fig
