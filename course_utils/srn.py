"""The simple recurrent network (Elman SRN) in numpy: forward pass and backpropagation through time.

    a_t = W_hx x_t + W_hh h_{t−1} + b_h,    h_t = tanh(a_t)

Arrays are time-major: x (T, N, D), h (T, N, H); a batch computes a_t = x_t @ W_hx.T + h_{t−1} @ W_hh.T
+ b_h, so W_hx (H, D) and W_hh (H, H) have the shapes of torch's weight_ih_l0 and weight_hh_l0.
Functions follow the CS231n pattern `forward(...) -> out, cache` and `backward(dout, cache) -> grads`.

The sequence version projects the inputs of all steps in one matrix product before the loop
(only the W_hh h_{t−1} term is truly sequential) and sums the weight gradients over time with
one product after it: the same mathematics as calling the step functions T times, faster.
"""
from __future__ import annotations

import numpy as np

from ._validate import float_array, recurrent_input
from ._validate import float_numpy as _check_float

PARAM_NAMES = ("W_hx", "W_hh", "b_h")


def _check_params(W_hx, W_hh, b_h):
    for name, value in zip(PARAM_NAMES, (W_hx, W_hh, b_h)):
        _check_float(name, value)
    if W_hx.ndim != 2:
        raise ValueError(f"W_hx must be 2-D (H, D), got shape {W_hx.shape}")
    H = W_hx.shape[0]
    if W_hh.shape != (H, H):
        raise ValueError(f"W_hh must have shape (H, H) = ({H}, {H}) to match W_hx {W_hx.shape}, got {W_hh.shape}")
    if b_h.shape != (H,):
        raise ValueError(f"b_h must have shape (H,) = ({H},), got {b_h.shape}")
    return W_hx.shape[1], H


def check_sequence(x, h0, W_hx, W_hh, b_h) -> tuple[int, int, int]:
    """Validate a time-major input x (T, N, D) and initial state h0 (N, H) against the weights; return T, N, H.
    Shared with `rtrl`, which runs the same network forward."""
    D, H = _check_params(W_hx, W_hh, b_h)
    T, N = recurrent_input(x, {"h0": h0}, D, H)
    return T, N, H


def step_forward(x, h_prev, W_hx, W_hh, b_h):
    """One step: x (N, D), h_prev (N, H) → h (N, H), cache."""
    from ._validate import Cache

    D, H = _check_params(W_hx, W_hh, b_h)
    _check_float("x", x)
    _check_float("h_prev", h_prev)
    if x.ndim != 2 or x.shape[1] != D:
        raise ValueError(f"x must have shape (N, D) = (N, {D}), got {x.shape}")
    if h_prev.shape != (x.shape[0], H):
        raise ValueError(f"h_prev must have shape (N, H) = ({x.shape[0]}, {H}), got {h_prev.shape}")
    h = np.tanh(x @ W_hx.T + h_prev @ W_hh.T + b_h)
    return h, Cache("srn.step_forward", (x, h_prev, W_hx, W_hh, h))


def step_backward(dh, cache):
    """Gradients of one step from dL/dh_t: returns dx, dh_prev, dW_hx, dW_hh, db_h.

    da = dh ⊙ (1 − h²) (tanh′), then each term of a_t gets its outer product.
    """
    from ._validate import backward_inputs

    x, h_prev, W_hx, W_hh, h = backward_inputs("srn.step_backward", cache, {"dh": dh})
    if dh.shape != h.shape:
        raise ValueError(f"dh must have the shape of h {h.shape}, got {dh.shape}")
    dh = dh.astype(h.dtype, copy=False)          # gradients in the dtype of the forward pass
    da = dh * (1.0 - h * h)
    return da @ W_hx, da @ W_hh, da.T @ x, da.T @ h_prev, da.sum(axis=0)


def forward(x, h0, W_hx, W_hh, b_h):
    """Run the SRN over a sequence: x (T, N, D), h0 (N, H) → hs (T, N, H) (h_1 … h_T), cache."""
    from ._validate import Cache

    T, N, H = check_sequence(x, h0, W_hx, W_hh, b_h)
    a_in = x @ W_hx.T + b_h                      # input projections of all steps at once
    hs = np.empty((T, N, H), dtype=np.result_type(x, W_hx))
    h = h0
    for t in range(T):
        h = np.tanh(a_in[t] + h @ W_hh.T)
        hs[t] = h
    return hs, Cache("srn.forward", (x, h0, W_hx, W_hh, hs))


def backward(dhs, cache, dh_last=None):
    """BPTT. dhs (T, N, H) holds ∂L/∂h_t from the loss at each step (the direct part only);
    dh_last optionally adds a gradient on h_T from beyond the sequence.

    Returns {"x", "h0", "W_hx", "W_hh", "b_h"}. The recursion carried backwards is
    δ_t = ∂L/∂a_t = (dhs_t + W_hhᵀ δ_{t+1}) ⊙ (1 − h_t²).
    """
    from ._validate import backward_inputs

    x, h0, W_hx, W_hh, hs = backward_inputs("srn.backward", cache, {"dhs": dhs}, {"dh_last": dh_last})
    if dhs.shape != hs.shape:
        raise ValueError(f"dhs must have the shape of the hidden states {hs.shape}, got {dhs.shape}")
    if dh_last is not None and dh_last.shape != hs.shape[1:]:
        raise ValueError(f"dh_last must have shape (N, H) = {hs.shape[1:]}, got {dh_last.shape}")
    T, N, H = hs.shape
    dhs = dhs.astype(hs.dtype, copy=False)       # gradients in the dtype of the forward pass
    das = np.empty_like(hs)
    dh_next = np.zeros_like(hs[0]) if dh_last is None else dh_last.astype(hs.dtype)
    for t in range(T - 1, -1, -1):
        da = (dhs[t] + dh_next) * (1.0 - hs[t] * hs[t])
        das[t] = da
        dh_next = da @ W_hh
    h_prev = np.concatenate([h0[None], hs[:-1]], axis=0)
    flat = das.reshape(T * N, H)
    return {
        "x": das @ W_hx,
        "h0": dh_next,
        "W_hx": flat.T @ x.reshape(T * N, -1),
        "W_hh": flat.T @ h_prev.reshape(T * N, H),
        "b_h": flat.sum(axis=0),
    }


def init_params(D: int, H: int, O: int | None = None, rng: np.random.Generator | None = None,
                dtype=np.float64) -> dict[str, np.ndarray]:
    """Parameters drawn like torch's nn.RNN: U(−1/√H, 1/√H); an output layer (W_oh, b_o) when O is given."""
    from ._validate import float_dtype, generator, positive_int

    D, H, dtype = positive_int("D", D), positive_int("H", H), float_dtype("dtype", dtype)
    rng = generator(rng)
    k = 1.0 / np.sqrt(H)
    shapes = {"W_hx": (H, D), "W_hh": (H, H), "b_h": (H,)}
    if O is not None:
        shapes |= {"W_oh": (positive_int("O", O), H), "b_o": (O,)}
    return {name: rng.uniform(-k, k, size=shape).astype(dtype) for name, shape in shapes.items()}


def loss_and_grads(params: dict, x, targets, h0=None, loss: str = "cross_entropy"):
    """Whole-sequence loss of an SRN with an output layer, and its gradient by BPTT.

    params: W_hx, W_hh, b_h, W_oh, b_o. x (T, N, D); targets: class ids (T, N) for
    loss="cross_entropy" (softmax over O outputs) or values (T, N, O) for loss="squared".
    Returns (L summed over steps and examples, grads with the keys of params, h_T).
    """
    from .layers import softmax_cross_entropy, squared_error, temporal_affine_backward, temporal_affine_forward

    missing = [k for k in PARAM_NAMES + ("W_oh", "b_o") if k not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; expected W_hx, W_hh, b_h, W_oh, b_o")
    if loss not in ("cross_entropy", "squared"):
        raise ValueError(f"loss must be 'cross_entropy' or 'squared', got {loss!r}")
    H = params["W_hh"].shape[0]
    if h0 is None:
        _check_float("x", x)
        if x.ndim != 3:
            raise ValueError(f"x must have shape (T, N, D), time-major, got {x.shape}")
        h0 = np.zeros((x.shape[1], H), dtype=x.dtype)
    hs, cache = forward(x, h0, params["W_hx"], params["W_hh"], params["b_h"])
    o, out_cache = temporal_affine_forward(hs, params["W_oh"], params["b_o"])
    L, do = softmax_cross_entropy(o, targets) if loss == "cross_entropy" else squared_error(o, targets)
    dhs, dW_oh, db_o = temporal_affine_backward(do, out_cache)
    grads = backward(dhs, cache)
    grads = {k: grads[k] for k in PARAM_NAMES} | {"W_oh": dW_oh, "b_o": db_o}
    return L, grads, hs[-1]


def regression_loss_and_grads(params: dict, x, y, h0=None) -> tuple[float, dict]:
    """Numpy SRN read out at the last step: ŷ = W_oh h_T + b_o, loss = mean over N·O of (ŷ − y)².

    The numpy twin of regression.SequenceRegressor("rnn", ...), for training loops written out by
    hand (sgd_runs).
    params: W_hx, W_hh, b_h, W_oh, b_o; x (T, N, D) float; y (N, O) or (N,) when O = 1.
    Returns (loss, grads with the keys of params); the recurrent part comes from `backward`.
    """
    missing = [k for k in ("W_hx", "W_hh", "b_h", "W_oh", "b_o") if k not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; expected W_hx, W_hh, b_h, W_oh, b_o")
    if not isinstance(x, np.ndarray) or x.ndim != 3:
        raise ValueError(f"x must be a numpy array of shape (T, N, D), time-major, got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    N, H, O = x.shape[1], params["W_hh"].shape[0], params["W_oh"].shape[0]
    y = float_array("y", y)
    if y.shape == (N,) and O == 1:
        y = y[:, None]
    if y.shape != (N, O):
        raise ValueError(f"y must have shape (N, O) = ({N}, {O})" + (" or (N,)" if O == 1 else "")
                         + f", got {y.shape}")
    h0 = np.zeros((N, H), dtype=x.dtype) if h0 is None else h0
    hs, cache = forward(x, h0, params["W_hx"], params["W_hh"], params["b_h"])
    err = hs[-1] @ params["W_oh"].T + params["b_o"] - y
    dpred = 2.0 * err / err.size                     # d mean(err²) / d ŷ
    dhs = np.zeros_like(hs)
    dhs[-1] = dpred @ params["W_oh"]                 # the loss touches only the last state
    grads = backward(dhs, cache)
    grads = {k: grads[k] for k in ("W_hx", "W_hh", "b_h")}
    grads |= {"W_oh": dpred.T @ hs[-1], "b_o": dpred.sum(axis=0)}
    return float(np.mean(err * err)), grads


def sample(params: dict, first_id: int, n: int, vocab_size: int, h0=None, temperature: float = 1.0,
           rng: np.random.Generator | None = None) -> list[int]:
    """Generate n token ids from an SRN language model with one-hot inputs, feeding each sample back in.

    The next id is drawn from softmax(o_t / temperature): temperature < 1 sharpens the
    distribution (→ greedy as it → 0), > 1 flattens it. Returns the n generated ids.
    """
    from ._validate import finite_float, positive_int
    from .layers import softmax

    n = positive_int("n", n)
    vocab_size = positive_int("vocab_size", vocab_size)
    temperature = finite_float("temperature", temperature, low=0.0, low_open=True)
    if not 0 <= int(first_id) < vocab_size:
        raise ValueError(f"first_id must lie in [0, {vocab_size}), got {first_id}")
    if params["W_hx"].shape[1] != vocab_size or params["W_oh"].shape[0] != vocab_size:
        raise ValueError(f"a one-hot language model needs W_hx (H, {vocab_size}) and W_oh ({vocab_size}, H), "
                         f"got {params['W_hx'].shape} and {params['W_oh'].shape}")
    rng = np.random.default_rng(0) if rng is None else rng
    H = params["W_hh"].shape[0]
    h = np.zeros(H) if h0 is None else np.asarray(h0, dtype=np.float64).reshape(H)
    token, out = int(first_id), []
    for _ in range(n):
        # a one-hot input selects one column of W_hx: no need to build the vector
        h = np.tanh(params["W_hx"][:, token] + params["W_hh"] @ h + params["b_h"])
        p = softmax((params["W_oh"] @ h + params["b_o"]) / temperature)
        token = int(rng.choice(vocab_size, p=p))
        out.append(token)
    return out


def _check_output_params(params: dict) -> None:
    missing = [k for k in PARAM_NAMES + ("W_oh", "b_o") if k not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; expected W_hx, W_hh, b_h, W_oh, b_o")


def predict(params: dict, x, h0=None) -> np.ndarray:
    """The most likely class at every step, argmax of o_t = W_oh h_t + b_o: x (T, N, D) → ids (T, N).

    The state starts at h0 (default 0).
    """
    _check_output_params(params)
    _check_float("x", x)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (T, N, D), time-major, got {x.shape}")
    h0 = np.zeros((x.shape[1], params["W_hh"].shape[0]), dtype=x.dtype) if h0 is None else h0
    hs, _ = forward(x, h0, params["W_hx"], params["W_hh"], params["b_h"])
    return (hs @ params["W_oh"].T + params["b_o"]).argmax(axis=-1)


def input_influence(params: dict, x, targets) -> np.ndarray:
    """‖∂ℓ_T/∂x_t‖ for t = 1 … T, by full BPTT from h_0 = 0: how strongly each input moves the
    cross-entropy loss ℓ_T of the last step. x (T, N, D), targets (T, N) class ids (only the last
    row is used) → (T, N), one column per sequence.
    """
    from .layers import softmax_cross_entropy

    _check_output_params(params)
    _check_float("x", x)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (T, N, D), time-major, got {x.shape}")
    targets = np.asarray(targets)
    if targets.shape != x.shape[:2]:
        raise ValueError(f"targets must have shape (T, N) = {x.shape[:2]}, got {targets.shape}")
    hs, cache = forward(x, np.zeros((x.shape[1], params["W_hh"].shape[0]), dtype=x.dtype),
                        params["W_hx"], params["W_hh"], params["b_h"])
    _, g_T = softmax_cross_entropy(hs[-1] @ params["W_oh"].T + params["b_o"], targets[-1])
    dhs = np.zeros_like(hs)
    dhs[-1] = g_T @ params["W_oh"]                  # only ℓ_T sends a gradient
    return np.linalg.norm(backward(dhs, cache)["x"], axis=2)


def lm_perplexity(params: dict, ids, batch_size: int = 16, num_steps: int = 100) -> float:
    """exp(mean NLL) of an SRN language model with one-hot inputs over a token stream.

    Forward only, in `batching.lm_batches` blocks of num_steps × batch_size lanes with the state
    carried from block to block, so every scored token sees its lane's past; tokens that do not
    fill a whole block at the end are not scored.
    """
    from ._validate import positive_int
    from .batching import lm_batches
    from .layers import softmax_cross_entropy

    _check_output_params(params)
    batch_size, num_steps = positive_int("batch_size", batch_size), positive_int("num_steps", num_steps)
    V, H = params["W_hx"].shape[1], params["W_hh"].shape[0]
    if params["W_oh"].shape[0] != V:
        raise ValueError(f"a one-hot language model needs W_oh ({V}, H) to match W_hx (H, {V}), "
                         f"got {params['W_oh'].shape}")
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"ids must lie in [0, {V}) (the vocabulary of W_hx), got values in [{ids.min()}, {ids.max()}]")
    eye = np.eye(V)
    h, nll, count = np.zeros((batch_size, H)), 0.0, 0
    for X, Y in lm_batches(ids, batch_size, num_steps, sequential=True):
        hs, _ = forward(eye[X], h, params["W_hx"], params["W_hh"], params["b_h"])
        L, _ = softmax_cross_entropy(hs @ params["W_oh"].T + params["b_o"], Y)
        nll, count, h = nll + L, count + Y.size, hs[-1]
    return float(np.exp(nll / count))


def spectral_radius(W) -> float:
    """ρ(W) = max |λ_i|, the largest modulus of an eigenvalue of a square matrix."""
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or not np.issubdtype(W.dtype, np.number):
        raise ValueError(f"W must be a square numeric matrix, got shape {W.shape} and dtype {W.dtype}")
    return float(np.max(np.abs(np.linalg.eigvals(W))))
