"""Time of the course's numpy forward+backward over torch's on the same work (goal ≤ 1.5).

    python benchmarks/numpy_over_torch.py [--json benchmarks/results.json] [--repeats 9]

T=64, N=32, D=103, H=256, float32, one thread each; numpy and torch runs are interleaved and the
median of the per-pair ratios is reported, so a burst of load on the machine hits both sides.
Keys: `lstm_numpy_over_torch`, `gru_…`, `srn_…`, and for contrast `lstm_naive_numpy_over_torch`,
lecture 08's readable loop of `lstm.step_forward` / `lstm.step_backward` calls.
"""
from __future__ import annotations

import sys
import time

import numpy as np
from _results import merge, parse_args

T, N, D, H = 64, 32, 103, 256


def _naive_lstm(x, h0, dhs, p):
    """Forward and backward one step at a time, with a matrix product per step for the input too."""
    from course_utils import lstm

    h, c, caches = h0, h0, []
    for x_t in x:
        h, c, cache = lstm.step_forward(x_t, h, c, **p)
        caches.append(cache)
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(h0)
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    for t in range(len(x) - 1, -1, -1):
        _, dh_next, dc_next, dW_x, dW_h, db = lstm.step_backward(dhs[t] + dh_next, dc_next, caches[t])
        grads["W_x"] += dW_x
        grads["W_h"] += dW_h
        grads["b"] += db
    return grads


def _cases(rng):
    import torch

    from course_utils import gru, lstm, srn
    from course_utils.torch_bridge import gru_to_torch, lstm_to_torch, srn_to_torch

    x = rng.standard_normal((T, N, D)).astype(np.float32)
    h0 = np.zeros((N, H), np.float32)
    dhs = rng.standard_normal((T, N, H)).astype(np.float32)
    xt, dt = torch.tensor(x), torch.tensor(dhs)
    specs = {
        "lstm": (lstm.init_params(D, H, rng, dtype=np.float32), lstm_to_torch,
                 lambda p: lstm.backward(dhs, lstm.forward(x, h0, h0, **p)[2])),
        "gru": (gru.init_params(D, H, rng, dtype=np.float32), gru_to_torch,
                lambda p: gru.backward(dhs, gru.forward(x, h0, **p)[1])),
        "srn": (srn.init_params(D, H, rng=rng, dtype=np.float32), srn_to_torch,
                lambda p: srn.backward(dhs, srn.forward(x, h0, **p)[1])),
        # for contrast, not a goal: lecture 08's readable loop over lstm.step_forward/step_backward
        "lstm_naive": (lstm.init_params(D, H, rng, dtype=np.float32), lstm_to_torch,
                       lambda p: _naive_lstm(x, h0, dhs, p)),
    }
    for name, (params, to_torch, numpy_step) in specs.items():
        module = to_torch(params)

        def torch_step(m=module):
            m.zero_grad()
            out, _ = m(xt)
            out.backward(dt)

        yield name, (lambda p=params, f=numpy_step: f(p)), torch_step


def _seconds(step) -> float:
    """Wall time of one call of `step`."""
    t0 = time.perf_counter()
    step()
    return time.perf_counter() - t0


def measure(repeats: int = 9) -> dict[str, float]:
    from course_utils import setup

    rng = setup(threads=1)
    ratios = {}
    for name, numpy_step, torch_step in _cases(rng):
        numpy_step(), torch_step()  # warm-up
        pairs = []
        for _ in range(repeats):
            pairs.append(_seconds(numpy_step) / _seconds(torch_step))
        ratios[f"{name}_numpy_over_torch"] = round(float(np.median(pairs)), 3)
    return ratios


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, repeats=9)
    ratios = measure(args.repeats)
    for key, value in ratios.items():
        print(f"{key:<30} {value:5.2f}  {'(contrast, no goal)' if 'naive' in key else '(goal ≤ 1.5)'}")
    merge(args.json, ratios)
    return 0


if __name__ == "__main__":
    sys.exit(main())
