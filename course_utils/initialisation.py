"""Initial weights of a recurrent layer: torch's default, orthogonal W_hh, or the identity (IRNN).

    rnn = torch.nn.RNN(2, 64, nonlinearity="relu")
    initialise_recurrence(rnn, "identity")     # IRNN: W_hh = I, biases 0, W_hx ~ N(0, 0.001²)

At initialisation the Jacobian of one step is ∂h_t/∂h_{t−1} = diag(f′(a_t)) W_hh (lecture 06).
"identity" (Le, Jaitly & Hinton 2015) makes it exactly I on every unit a ReLU keeps active, so
the state starts as an integrator h_t = h_{t−1} + W_hx x_t and gradients neither vanish nor
explode through active units. "orthogonal" (Saxe, McClelland & Ganguli 2014) gives W_hh all
singular values 1, which a tanh′ < 1 still shrinks. "default" leaves torch's U(−1/√H, 1/√H).
Every layer of a stacked layer is initialised. "orthogonal" also applies to nn.GRU and nn.LSTM,
block by block (their W_hh stacks one H × H block per gate); "identity" is defined for nn.RNN only.
"""
from __future__ import annotations

import torch
from torch import nn

from . import _validate

INITS = ("default", "orthogonal", "identity")
IRNN_INPUT_STD = 1e-3       # Le et al. (2015): non-recurrent weights from N(0, 0.001²)


def orthogonal_(W: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill a square W in place with an orthogonal matrix: torch's QR of a Gaussian matrix with the
    signs of R's diagonal moved into Q, so that Q is uniform (Haar) over orthogonal matrices."""
    _check_square(W)
    with torch.no_grad():
        return nn.init.orthogonal_(W, generator=generator)


def identity_(W: torch.Tensor) -> torch.Tensor:
    """Fill a square W in place with the identity matrix."""
    _check_square(W)
    with torch.no_grad():
        return nn.init.eye_(W)


def _check_square(W) -> None:
    if not isinstance(W, torch.Tensor) or W.ndim != 2 or W.shape[0] != W.shape[1]:
        shape = tuple(W.shape) if isinstance(W, torch.Tensor) else _validate.kind_of(W)
        raise ValueError(f"W must be a square 2-D torch tensor (H, H), got {shape}")


def _recurrent_blocks(rnn: nn.RNNBase):
    """Every H × H gate block of W_hh, for every layer (views: filling one fills the layer's W_hh)."""
    H = rnn.hidden_size
    for layer in range(rnn.num_layers):
        W = getattr(rnn, f"weight_hh_l{layer}")
        for start in range(0, W.shape[0], H):
            yield W[start:start + H]


def initialise_recurrence(rnn: nn.RNNBase, init: str, *, input_std: float = IRNN_INPUT_STD) -> nn.RNNBase:
    """Re-initialise the recurrent layer `rnn` in place by name (one of INITS) and return it.

    "default": nothing changes. "orthogonal": every H × H block of W_hh orthogonal, the rest as
    torch drew it. "identity" (nn.RNN only): W_hh = I, all biases 0, input weights from
    N(0, input_std²) (`input_std` is used by "identity" only). Draws come from torch's global
    generator: wrap the call in `session.seeded(seed)` to make it reproducible.
    """
    if not isinstance(rnn, nn.RNNBase):
        raise ValueError(f"rnn must be a torch recurrent layer (nn.RNN, nn.GRU, nn.LSTM), got {type(rnn).__name__}")
    init = _validate.choice("init", init, INITS)
    input_std = _validate.finite_float("input_std", input_std, low=0.0, low_open=True)
    if getattr(rnn, "proj_size", 0):
        raise ValueError("initialise_recurrence needs W_hh square (H, H): an LSTM with proj_size > 0 is not supported")
    if init == "identity" and not isinstance(rnn, nn.RNN):
        raise ValueError(f"init='identity' (IRNN) is defined for nn.RNN only, got {type(rnn).__name__}")
    if init == "default":
        return rnn
    for block in _recurrent_blocks(rnn):
        (identity_ if init == "identity" else orthogonal_)(block)
    if init == "identity":
        with torch.no_grad():
            for name, p in rnn.named_parameters():
                if name.startswith("bias_"):
                    p.zero_()
                elif name.startswith("weight_ih_"):
                    p.normal_(0.0, input_std)
    return rnn
