"""Copy weights between the course's numpy parameters and torch modules, so both compute the same model.

torch keeps two bias vectors per layer (b_ih and b_hh) that are simply added; the course keeps
one, b_h = b_ih + b_hh. Copying into torch puts the whole bias into b_ih and zeros into b_hh.
"""
from __future__ import annotations

import numpy as np


def _check_module(module, cls):
    if not isinstance(module, cls):
        raise ValueError(f"expected a torch.nn.{cls.__name__}, got {type(module).__name__}")


def _check_single_layer(module, cls):
    _check_module(module, cls)
    if module.num_layers != 1 or module.bidirectional:
        raise ValueError("this copies a single-layer, unidirectional RNN; "
                         f"got num_layers={module.num_layers}, bidirectional={module.bidirectional}")
    if not module.bias:
        raise ValueError("the torch RNN must have biases (bias=True)")


def srn_from_torch(rnn) -> dict[str, np.ndarray]:
    """{W_hx, W_hh, b_h} of a one-layer tanh torch.nn.RNN, as float64 numpy arrays."""
    import torch

    _check_single_layer(rnn, torch.nn.RNN)
    return srn_layer_from_torch(rnn)


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
    copy_into_torch(rnn, params)
    return rnn

def _suffix(module, layer: int, reverse: bool) -> str:
    if not isinstance(layer, int) or not 0 <= layer < module.num_layers:
        raise ValueError(f"layer must be an integer in [0, {module.num_layers}), got {layer!r}")
    if reverse and not module.bidirectional:
        raise ValueError("reverse=True needs a bidirectional torch module")
    if getattr(module, "proj_size", 0):
        raise ValueError("LSTMs with proj_size > 0 are not part of the course models")
    if not module.bias:
        raise ValueError("the torch module must have biases (bias=True)")
    return f"_l{layer}" + ("_reverse" if reverse else "")


def _numpy(module, name: str) -> np.ndarray:
    return getattr(module, name).detach().cpu().double().numpy().copy()


def lstm_from_torch(lstm, layer: int = 0, reverse: bool = False) -> dict[str, np.ndarray]:
    """{W_x, W_h, b} (float64) of one layer and direction of a torch.nn.LSTM; b = b_ih + b_hh."""
    import torch

    _check_module(lstm, torch.nn.LSTM)
    s = _suffix(lstm, layer, reverse)
    return {"W_x": _numpy(lstm, "weight_ih" + s), "W_h": _numpy(lstm, "weight_hh" + s),
            "b": _numpy(lstm, "bias_ih" + s) + _numpy(lstm, "bias_hh" + s)}


def gru_from_torch(gru, layer: int = 0, reverse: bool = False) -> dict[str, np.ndarray]:
    """{W_x, W_h, b_x, b_h} (float64) of one layer and direction of a torch.nn.GRU (biases kept apart)."""
    import torch

    _check_module(gru, torch.nn.GRU)
    s = _suffix(gru, layer, reverse)
    return {"W_x": _numpy(gru, "weight_ih" + s), "W_h": _numpy(gru, "weight_hh" + s),
            "b_x": _numpy(gru, "bias_ih" + s), "b_h": _numpy(gru, "bias_hh" + s)}


def copy_into_torch(module, params: dict, layer: int = 0, reverse: bool = False) -> None:
    """Write course parameters of an SRN, LSTM or GRU layer into a torch module in place.

    LSTM and SRN: the single bias b / b_h goes to bias_ih and bias_hh becomes 0 (they add).
    GRU: b_x → bias_ih, b_h → bias_hh (torch's reset-after candidate needs them apart).
    """
    import torch

    s = _suffix(module, layer, reverse)
    if isinstance(module, torch.nn.GRU):
        values = {"weight_ih": params["W_x"], "weight_hh": params["W_h"], "bias_ih": params["b_x"],
                  "bias_hh": params["b_h"]}
    elif isinstance(module, torch.nn.LSTM):
        values = {"weight_ih": params["W_x"], "weight_hh": params["W_h"], "bias_ih": params["b"],
                  "bias_hh": np.zeros_like(params["b"])}
    elif isinstance(module, torch.nn.RNN):
        values = {"weight_ih": params["W_hx"], "weight_hh": params["W_hh"], "bias_ih": params["b_h"],
                  "bias_hh": np.zeros_like(params["b_h"])}
    else:
        raise ValueError(f"expected a torch.nn.RNN, LSTM or GRU, got {type(module).__name__}")
    with torch.no_grad():
        for name, value in values.items():
            target = getattr(module, name + s)
            value = torch.as_tensor(np.asarray(value), dtype=target.dtype)
            if value.shape != target.shape:
                raise ValueError(f"{name}{s} has shape {tuple(target.shape)}, the course parameter has "
                                 f"{tuple(value.shape)}")
            target.copy_(value)


def lstm_to_torch(params: dict, dtype=None):
    """A one-layer, time-major torch.nn.LSTM holding the course parameters {W_x, W_h, b}."""
    return _new_module("LSTM", params, 4, dtype)


def gru_to_torch(params: dict, dtype=None):
    """A one-layer, time-major torch.nn.GRU holding the course parameters {W_x, W_h, b_x, b_h}."""
    return _new_module("GRU", params, 3, dtype)


def _new_module(kind: str, params: dict, gates: int, dtype):
    import torch

    if "W_x" not in params or "W_h" not in params:
        raise ValueError(f"params must hold W_x and W_h for a {kind}, got keys {sorted(params)}")
    W_x = np.asarray(params["W_x"])
    H = W_x.shape[0] // gates
    if W_x.ndim != 2 or W_x.shape[0] != gates * H:
        raise ValueError(f"W_x must have shape ({gates}·H, D) for a {kind}, got {W_x.shape}")
    dtype = dtype or (torch.float64 if W_x.dtype == np.float64 else torch.float32)
    module = getattr(torch.nn, kind)(W_x.shape[1], H).to(dtype)
    copy_into_torch(module, params)
    return module


def srn_layer_from_torch(rnn, layer: int = 0, reverse: bool = False) -> dict[str, np.ndarray]:
    """{W_hx, W_hh, b_h} of one layer and direction of a tanh torch.nn.RNN."""
    import torch

    _check_module(rnn, torch.nn.RNN)
    if rnn.nonlinearity != "tanh":
        raise ValueError(f"the course SRN uses tanh; the torch RNN uses {rnn.nonlinearity!r}")
    s = _suffix(rnn, layer, reverse)
    return {"W_hx": _numpy(rnn, "weight_ih" + s), "W_hh": _numpy(rnn, "weight_hh" + s),
            "b_h": _numpy(rnn, "bias_ih" + s) + _numpy(rnn, "bias_hh" + s)}
