"""Run every benchmark that exists so far and write benchmarks/results.json (`make bench`).

Each benchmark also runs alone: python benchmarks/<name>.py --json benchmarks/results.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> int:
    import notebook_seconds
    import numpy_over_torch

    from course_utils import setup
    from course_utils.complexity import rtrl_time_exponent

    results = HERE / "results.json"
    numpy_over_torch.main(["--json", str(results)])
    setup(threads=1)
    scaling = rtrl_time_exponent()
    data = json.loads(results.read_text())
    data["rtrl_time_exponent"] = round(float(scaling.exponent), 2)
    results.write_text(json.dumps(data, indent=2) + "\n")
    print(f"rtrl_time_exponent       {data['rtrl_time_exponent']:5.2f}  (theory 4; lower-order terms pull a finite range below)")
    notebook_seconds.main(["--json", str(results)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
