"""Dropout for sequences: a fresh mask at every time step, or one mask per sequence (Gal & Ghahramani 2016).

Inverted dropout keeps a unit with probability 1 − p and scales what it keeps by 1/(1 − p), so the
expected value of every entry is unchanged and evaluation needs no rescaling (eval mode is the identity).
On a time-major batch (T, N, D):
- per step (`per_sequence=False`, what `nn.Dropout` does): an independent mask for every (t, n, d);
- per sequence (`per_sequence=True`, "variational" or "locked" dropout): one mask of shape (1, N, D)
  for each sequence n, reused at every step t, so a dropped unit stays dropped along the whole sequence.

The course applies these masks to the non-recurrent connections of a stacked LSTM (its input, between
layers, its output; Zaremba et al. 2014). Gal & Ghahramani also mask h_{t−1} inside the recurrence with
one mask per sequence; torch's fused `nn.LSTM` does not expose that connection (see `char_lm`).
"""
from __future__ import annotations

import torch
from torch import nn

from . import _validate


def check_rate(p) -> float:
    """A dropout probability in [0, 1): p = 1 would drop everything and divide by zero."""
    return _validate.finite_float("p (the dropout probability)", p, low=0.0, high=1.0, high_open=True)


def dropout_mask(shape, p: float, generator: torch.Generator | None = None,
                 dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Entries 0 with probability p and 1/(1 − p) otherwise: the inverted-dropout mask, mean 1."""
    p = check_rate(p)
    keep = torch.rand(tuple(shape), generator=generator, dtype=dtype) >= p
    return keep.to(dtype) / (1.0 - p)


def sequence_masks(T: int, N: int, D: int, p: float, *, per_sequence: bool,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """The (T, N, D) masks that `SequenceDropout` multiplies a batch by: drawn per step, or drawn
    once per sequence as (1, N, D) and repeated over the T steps."""
    T, N, D = (_validate.positive_int(name, v) for name, v in (("T", T), ("N", N), ("D", D)))
    shape = (1, N, D) if per_sequence else (T, N, D)
    return dropout_mask(shape, p, generator).expand(T, N, D)


class SequenceDropout(nn.Module):
    """Inverted dropout on time-major (T, N, D) activations, with a fresh mask per step or one per sequence.

    In training mode it multiplies by `sequence_masks(...)`; in eval mode (`model.eval()`) it is the identity.
    """

    def __init__(self, p: float = 0.5, *, per_sequence: bool = True):
        super().__init__()
        self.p = check_rate(p)
        if not isinstance(per_sequence, bool):
            raise ValueError(f"per_sequence must be True or False, got {per_sequence!r}")
        self.per_sequence = per_sequence

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3:
            raise ValueError(f"x must be time-major activations of shape (T, N, D), got {tuple(x.shape)}")
        if not self.training or self.p == 0.0:
            return x
        T, N, D = x.shape
        shape = (1, N, D) if self.per_sequence else (T, N, D)
        return x * dropout_mask(shape, self.p, dtype=x.dtype)

    def extra_repr(self) -> str:
        return f"p={self.p}, per_sequence={self.per_sequence}"
