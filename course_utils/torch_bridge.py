"""Copy weights between the course's numpy parameters and torch modules, so both compute the same model.

torch keeps two bias vectors per layer (b_ih and b_hh) that are simply added; the course keeps
one, b_h = b_ih + b_hh. Copying into torch puts the whole bias into b_ih and zeros into b_hh.
"""
from __future__ import annotations

import numpy as np


def _check_single_layer(module, cls):
    if not isinstance(module, cls):
        raise ValueError(f"expected a torch.nn.{cls.__name__}, got {type(module).__name__}")
    if module.num_layers != 1 or module.bidirectional:
        raise ValueError("this copies a single-layer, unidirectional RNN; "
                         f"got num_layers={module.num_layers}, bidirectional={module.bidirectional}")
    if not module.bias:
        raise ValueError("the torch RNN must have biases (bias=True)")


def srn_from_torch(rnn) -> dict[str, np.ndarray]:
    """{W_hx, W_hh, b_h} of a one-layer tanh torch.nn.RNN, as float64 numpy arrays."""
    import torch

    _check_single_layer(rnn, torch.nn.RNN)
    if rnn.nonlinearity != "tanh":
        raise ValueError(f"the course SRN uses tanh; the torch RNN uses {rnn.nonlinearity!r}")
    get = lambda name: getattr(rnn, name).detach().cpu().double().numpy().copy()
    return {"W_hx": get("weight_ih_l0"), "W_hh": get("weight_hh_l0"),
            "b_h": get("bias_ih_l0") + get("bias_hh_l0")}


def srn_to_torch(params: dict, dtype=None):
    """A torch.nn.RNN (tanh, one layer, time-major) holding the course parameters W_hx, W_hh, b_h."""
    import torch

    missing = [k for k in ("W_hx", "W_hh", "b_h") if k not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; expected W_hx, W_hh, b_h")
    W_hx = np.asarray(params["W_hx"])
    H, D = W_hx.shape
    if params["W_hh"].shape != (H, H) or params["b_h"].shape != (H,):
        raise ValueError(f"W_hh must be ({H}, {H}) and b_h ({H},) to match W_hx {W_hx.shape}")
    dtype = dtype or (torch.float64 if W_hx.dtype == np.float64 else torch.float32)
    rnn = torch.nn.RNN(D, H, nonlinearity="tanh").to(dtype)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.as_tensor(W_hx))
        rnn.weight_hh_l0.copy_(torch.as_tensor(params["W_hh"]))
        rnn.bias_ih_l0.copy_(torch.as_tensor(params["b_h"]))
        rnn.bias_hh_l0.zero_()
    return rnn
