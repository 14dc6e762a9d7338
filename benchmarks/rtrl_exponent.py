"""Fitted exponent of RTRL's time per step against the hidden size H (theory: 4).

    python benchmarks/rtrl_exponent.py [--json benchmarks/results.json]

Times one RTRL step (`course_utils.rtrl`) at H = 64 … 256 on one thread (7 repeats, median) and
fits log time against log H (`complexity.rtrl_time_exponent`, lecture 05). Lower-order terms pull a
finite range below 4; the benchmark goes to larger H than the lecture, where H⁴ dominates more.
Key: `rtrl_time_exponent`.
"""
from __future__ import annotations

import sys

from _results import merge, parse_args

SIZES = (64, 96, 128, 192, 256)


def measure() -> dict:
    from course_utils import setup
    from course_utils.complexity import rtrl_time_exponent

    setup(threads=1)
    scaling = rtrl_time_exponent(sizes=SIZES, repeats=7)
    return {"rtrl_time_exponent": round(float(scaling.exponent), 2),
            "rtrl_step_ms": {int(H): round(1e3 * t, 3) for H, t in zip(scaling.sizes, scaling.values)}}


def main(argv=None) -> int:
    args = parse_args(__doc__, argv)
    results = measure()
    print("  ms per RTRL step: " + ", ".join(f"H={H} {ms:g}" for H, ms in results["rtrl_step_ms"].items()))
    print(f"rtrl_time_exponent       {results['rtrl_time_exponent']:5.2f}  (theory 4)")
    merge(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
