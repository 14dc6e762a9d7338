"""Seconds each lecture and solution notebook takes to execute top to bottom (goal: ≤ 45 s each).

    python benchmarks/notebook_seconds.py [--json benchmarks/results.json]

Runs a copy of each notebook with nbclient, with the notebook's own folder as the working
directory, one at a time so the numbers do not compete for the CPU; the committed files are
never touched.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from _results import merge, parse_args

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 45.0


def notebook_paths() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))


def time_notebook(path: Path) -> float:
    """Execute a temporary copy, in the original's folder; return the seconds it took."""
    from course_utils.notebooks import execute_notebook

    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".bench-") as tmp:
        copy = Path(tmp) / path.name
        shutil.copy(path, copy)
        return execute_notebook(copy, cwd=path.parent)


def main(argv=None) -> int:
    args = parse_args(__doc__, argv)
    seconds = {}
    for path in notebook_paths():
        seconds[f"{path.parent.name}/{path.name}"] = round(time_notebook(path), 1)
        flag = "" if seconds[f"{path.parent.name}/{path.name}"] <= GOAL_SECONDS else "  OVER GOAL"
        key = f"{path.parent.name}/{path.name}"
        print(f"{path.parent.name}/{path.name:<40} {seconds[key]:6.1f} s{flag}", flush=True)
    merge(args.json, {"notebook_seconds": seconds})
    return 0


if __name__ == "__main__":
    sys.exit(main())
