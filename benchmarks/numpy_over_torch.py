"""Time of the course's numpy forward+backward over torch's on the same work (goal ≤ 1.5).

    python benchmarks/numpy_over_torch.py [--json benchmarks/results.json] [--repeats 9]

T=64, N=32, D=103, H=256, float32, one thread each; numpy and torch runs are interleaved and the
median of the per-pair ratios is reported, so a burst of load on the machine hits both sides.
"""
from __future__ import annotations

import sys
import time

import numpy as np
from _results import merge, parse_args

T, N, D, H = 64, 32, 103, 256


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
    }
    for name, (params, to_torch, numpy_step) in specs.items():
        module = to_torch(params)

        def torch_step(m=module):
            m.zero_grad()
            out, _ = m(xt)
            out.backward(dt)

        yield name, (lambda p=params, f=numpy_step: f(p)), torch_step


def measure(repeats: int = 9) -> dict[str, float]:
    from course_utils import setup

    rng = setup(threads=1)
    ratios = {}
    for name, numpy_step, torch_step in _cases(rng):
        numpy_step(), torch_step()  # warm-up
        pairs = []
        for _ in range(repeats):
            t0 = time.perf_counter(); numpy_step(); a = time.perf_counter() - t0
            t0 = time.perf_counter(); torch_step(); b = time.perf_counter() - t0
            pairs.append(a / b)
        ratios[f"{name}_numpy_over_torch"] = round(float(np.median(pairs)), 3)
    return ratios


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, repeats=9)
    ratios = measure(args.repeats)
    for key, value in ratios.items():
        print(f"{key:<24} {value:5.2f}  (goal ≤ 1.5)")
    merge(args.json, ratios)
    return 0


if __name__ == "__main__":
    sys.exit(main())
