"""Token inputs and the decoder of an SRN encoder–decoder, in numpy (lecture 03's input/output modes).

An SRN reads token ids as one-hot vectors. In an encoder–decoder, the decoder is an SRN with an
output layer (params W_hx, W_hh, b_h, W_oh, b_o from `srn.init_params(V, H, O=V)`) that starts from
the encoder's last state and reads one target token per step. Two ways to feed it:

* teacher forcing (training): the inputs are known in advance (<bos> and the target without its
  last token), so one `srn.forward` call over all M steps gives every logit: `decoder_logits`;
* greedy decoding (test time): each step reads the decoder's own most likely previous token, so
  the steps run one at a time: `greedy_decode`.

Fed the same tokens, the two compute the same logits. `course_utils.decoding` has the general
searches (beam search, sampling) for any step function; this module is the plain numpy SRN.
"""
from __future__ import annotations

import numpy as np

from . import srn
from ._validate import float_numpy, positive_int
from .layers import temporal_affine_forward

DECODER_PARAMS = ("W_hx", "W_hh", "b_h", "W_oh", "b_o")


def one_hot(ids, V: int) -> np.ndarray:
    """Token ids of any shape → float64 one-hot vectors of shape ids.shape + (V,)."""
    V = positive_int("V", V)
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be integer token ids, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"ids must lie in [0, V) = [0, {V}), got values from {ids.min()} to {ids.max()}")
    return np.eye(V)[ids]


def _check_decoder(dec: dict, h0) -> int:
    """Validate the decoder parameters and its initial state h0 (N, H); return V (its vocabulary size)."""
    missing = [k for k in DECODER_PARAMS if k not in dec]
    if missing:
        raise ValueError(f"dec is missing {missing}; expected {list(DECODER_PARAMS)} (srn.init_params(V, H, O=V))")
    V, H = dec["W_hx"].shape[1], dec["W_hh"].shape[0]
    if dec["W_oh"].shape != (V, H):
        raise ValueError(f"the decoder reads and predicts the same tokens: W_oh must have shape (V, H) = ({V}, {H}), "
                         f"got {dec['W_oh'].shape}")
    float_numpy("h0", h0)
    if h0.ndim != 2 or h0.shape[1] != H:
        raise ValueError(f"h0 must have shape (N, H) = (N, {H}), got {h0.shape}")
    return V


def decoder_logits(dec: dict, h0, input_ids) -> np.ndarray:
    """Teacher forcing: the decoder reads input_ids (M, N) from h0 (N, H); returns its logits (M, N, V)."""
    V = _check_decoder(dec, h0)
    input_ids = np.asarray(input_ids)
    if input_ids.ndim != 2 or input_ids.shape[1] != h0.shape[0]:
        raise ValueError(f"input_ids must have shape (M, N) = (M, {h0.shape[0]}), got {input_ids.shape}")
    hs, _ = srn.forward(one_hot(input_ids, V), h0, dec["W_hx"], dec["W_hh"], dec["b_h"])
    return temporal_affine_forward(hs, dec["W_oh"], dec["b_o"])[0]


def greedy_decode(dec: dict, h0, bos: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Greedy decoding for `steps` steps from h0 (N, H), starting with token `bos` and feeding back
    the most likely token each time (no stop at <eos>). Returns tokens (steps, N) and logits (steps, N, V)."""
    V = _check_decoder(dec, h0)
    steps = positive_int("steps", steps)
    if not 0 <= int(bos) < V:
        raise ValueError(f"bos must be a token id in [0, {V}), got {bos}")
    token, h = np.full(h0.shape[0], int(bos)), h0
    tokens, logits = [], []
    for _ in range(steps):
        hs, _ = srn.forward(one_hot(token, V)[None], h, dec["W_hx"], dec["W_hh"], dec["b_h"])   # one step
        h = hs[-1]
        o, _ = temporal_affine_forward(hs, dec["W_oh"], dec["b_o"])
        token = o[0].argmax(axis=1)
        tokens.append(token)
        logits.append(o[0])
    return np.stack(tokens), np.stack(logits)
