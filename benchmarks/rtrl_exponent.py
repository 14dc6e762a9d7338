"""Fitted exponent of RTRL's time per step against the hidden size H (theory: 4).

    python benchmarks/rtrl_exponent.py [--json benchmarks/results.json]

Times one RTRL step (`course_utils.rtrl`) at H = 48 … 192 on one thread and fits log time against
log H (`complexity.rtrl_time_exponent`, lecture 05). Lower-order terms pull a finite range below 4.
Key: `rtrl_time_exponent`.
"""
from __future__ import annotations

import sys

from _results import merge, parse_args


def measure() -> dict:
    from course_utils import setup
    from course_utils.complexity import rtrl_time_exponent

    setup(threads=1)
    return {"rtrl_time_exponent": round(float(rtrl_time_exponent().exponent), 2)}


def main(argv=None) -> int:
    args = parse_args(__doc__, argv)
    results = measure()
    print(f"rtrl_time_exponent       {results['rtrl_time_exponent']:5.2f}  (theory 4)")
    merge(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
