"""Reference gradients of the course SRN by torch autograd, to check the numpy BPTT and RTRL against.

The model is the one of `srn.loss_and_grads`: a float64 `torch.nn.RNN` holding W_hx, W_hh, b_h
(copied by `torch_bridge.srn_to_torch`), the output layer o_t = W_oh h_t + b_o, and the loss summed
over steps and examples, cross-entropy on class ids or ½‖o_t − y_t‖² on vectors. Nothing here
shares code with the numpy side, which is the point of the comparison.

torch keeps two hidden biases that add (bias_ih_l0 + bias_hh_l0 = b_h); the bridge puts b_h in
the first and zeros in the second, and both receive dL/db_h. The gradients come back as float64
numpy arrays under the course names, plus "bias_hh_l0" for the second bias.
"""
from __future__ import annotations

import numpy as np

from . import srn
from ._validate import choice, positive_int

LOSSES = ("cross_entropy", "squared")


def _check(params: dict, x, targets, h0, loss: str):
    """Validate the inputs like srn.loss_and_grads does; return (T, N, H) and the start state."""
    missing = [k for k in ("W_hx", "W_hh", "b_h", "W_oh", "b_o") if k not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; expected W_hx, W_hh, b_h, W_oh, b_o")
    choice("loss", loss, LOSSES)
    if not isinstance(x, np.ndarray) or x.ndim != 3:
        raise ValueError(f"x must be a numpy array of shape (T, N, D), time-major, got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    T, N, _ = x.shape
    H, O = params["W_hh"].shape[0], params["W_oh"].shape[0]
    h0 = np.zeros((N, H)) if h0 is None else np.asarray(h0)
    srn.forward(x[:1], h0, params["W_hx"], params["W_hh"], params["b_h"])   # shape checks of the SRN part
    want = (T, N) if loss == "cross_entropy" else (T, N, O)
    if np.shape(targets) != want:
        raise ValueError(f"targets must have shape {want} for loss={loss!r}, got {np.shape(targets)}")
    return h0


def _step_loss(out, W_oh, b_o, target, loss: str):
    """The summed loss of the outputs o_t = W_oh h_t + b_o of a (T, N, H) block of hidden states."""
    import torch

    o = out @ W_oh.T + b_o
    if loss == "cross_entropy":
        return torch.nn.functional.cross_entropy(o.reshape(-1, o.shape[-1]), torch.as_tensor(target).reshape(-1),
                                                 reduction="sum")
    return 0.5 * ((o - torch.as_tensor(target)) ** 2).sum()


def _output_layer(params: dict):
    import torch

    return (torch.tensor(params["W_oh"], dtype=torch.float64, requires_grad=True),
            torch.tensor(params["b_o"], dtype=torch.float64, requires_grad=True))


def _grads(rnn, W_oh, b_o) -> dict[str, np.ndarray]:
    return {"W_hx": rnn.weight_ih_l0.grad.numpy(), "W_hh": rnn.weight_hh_l0.grad.numpy(),
            "b_h": rnn.bias_ih_l0.grad.numpy(), "bias_hh_l0": rnn.bias_hh_l0.grad.numpy(),
            "W_oh": W_oh.grad.numpy(), "b_o": b_o.grad.numpy()}


def loss_and_grads(params: dict, x, targets, h0=None, loss: str = "cross_entropy") -> tuple[float, dict]:
    """Whole-sequence loss and its gradient by autograd (full BPTT, in torch).

    x (T, N, D); targets (T, N) class ids or (T, N, O) values; h0 (N, H), default 0.
    Returns (L, {"W_hx", "W_hh", "b_h", "bias_hh_l0", "W_oh", "b_o", "h0"}) in float64.
    """
    import torch

    from .torch_bridge import srn_to_torch

    h0 = _check(params, x, targets, h0, loss)
    rnn = srn_to_torch({k: np.asarray(params[k], dtype=np.float64) for k in ("W_hx", "W_hh", "b_h")})
    W_oh, b_o = _output_layer(params)
    h0_t = torch.tensor(h0[None], dtype=torch.float64, requires_grad=True)   # torch wants (layers, N, H)
    out, _ = rnn(torch.tensor(x, dtype=torch.float64), h0_t)                  # (T, N, H), time-major
    L = _step_loss(out, W_oh, b_o, targets, loss)
    L.backward()
    return L.item(), _grads(rnn, W_oh, b_o) | {"h0": h0_t.grad[0].numpy()}


def truncated_grads(params: dict, x, targets, k: int, h0=None, loss: str = "cross_entropy") -> dict:
    """Truncated BPTT in torch: one graph per piece of k steps, the carried state cut by `.detach()`.

    The gradients of the pieces add up in `.grad` (the weights are not updated in between).
    Returns {"W_hx", "W_hh", "b_h", "bias_hh_l0", "W_oh", "b_o"} in float64.
    """
    import torch

    from .torch_bridge import srn_to_torch

    h0 = _check(params, x, targets, h0, loss)
    k = positive_int("k", k)
    rnn = srn_to_torch({name: np.asarray(params[name], dtype=np.float64) for name in ("W_hx", "W_hh", "b_h")})
    W_oh, b_o = _output_layer(params)
    h = torch.tensor(h0[None], dtype=torch.float64)
    for s in range(0, x.shape[0], k):
        out, h = rnn(torch.tensor(x[s:s + k], dtype=torch.float64), h)
        _step_loss(out, W_oh, b_o, np.asarray(targets)[s:s + k], loss).backward()   # .grad adds up
        h = h.detach()                                                              # the cut
    return _grads(rnn, W_oh, b_o)
