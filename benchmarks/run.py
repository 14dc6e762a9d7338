"""Run every benchmark, one after another, and write benchmarks/results.json (`make bench`).

    python benchmarks/run.py [--json benchmarks/results.json]

Each benchmark also runs alone: python benchmarks/<name>.py --json benchmarks/results.json.
The machine (CPU, cores, library versions) is recorded under "machine". Goals are printed, not
asserted: a missed goal is a finding to report, not a failing build.
"""
from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

from _results import merge, parse_args, table

HERE = Path(__file__).resolve().parent
SCRIPTS = ("numpy_over_torch", "rtrl_exponent", "digits_lstm", "attention_digits", "captioning_digits", "adding_max_T",
           "charlm", "notebook_seconds", "slide_budget", "grading_speed", "seed_sweeps")


def machine() -> dict:
    import numpy
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": numpy.__version__, "torch": torch.__version__, "date": time.strftime("%Y-%m-%d")}


def main(argv=None) -> int:
    import importlib

    args = parse_args(__doc__, argv)
    results = args.json or HERE / "results.json"
    results.unlink(missing_ok=True)      # one run, one machine: no keys left over from older runs
    merge(results, {"machine": machine()})
    start = time.perf_counter()
    for name in SCRIPTS:
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        importlib.import_module(name).main(["--json", str(results)])
        print(f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
    merge(results, {"bench_seconds": round(time.perf_counter() - start)})
    print(f"all benchmarks: {time.perf_counter() - start:.0f} s; results in {results}\n")
    print(table(json.loads(results.read_text())))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
