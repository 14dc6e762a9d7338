"""Seconds to grade one homework submission, in a folder of 30 mixed hw02 submissions (goal ≤ 4 s each).

    python benchmarks/grading_speed.py [--json benchmarks/results.json] [--count 30]

The folder holds the solution, the untouched exercise and hw02's plausible buggy submissions
(`course_utils.grading.mutants`), repeated under different student names up to --count. It is
graded as `python -m course_utils.grading grade FOLDER` grades it: two warm workers on the two
cores, every question of every submission still in its own sandboxed, time-limited process. The
time includes starting the workers. Keys: `grading_seconds_per_submission`, and in
`grading_details` the total, the count, and one submission graded alone from a cold start.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from _results import merge, parse_args

ROOT = Path(__file__).resolve().parents[1]


def make_folder(folder: Path, count: int) -> list[Path]:
    """`count` hw02 submissions in `folder`: solution, exercise and mutants, cycled."""
    import nbformat

    from course_utils.grading.mutants import MUTANTS, build

    sources = [nbformat.read(ROOT / "solutions" / "hw02_leaky_srn_bptt.ipynb", as_version=4),
               nbformat.read(ROOT / "exercises" / "hw02_leaky_srn_bptt.ipynb", as_version=4)]
    sources += [build(m) for m in MUTANTS if m.assignment == "hw02"]
    paths = []
    for i in range(count):
        path = folder / f"student{i:02d}" / "hw02" / "hw02_leaky_srn_bptt.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(sources[i % len(sources)], path)
        paths.append(path)
    return paths


def measure(count: int) -> dict:
    from course_utils.grading.grade import Grader, grade_notebook

    with tempfile.TemporaryDirectory(prefix="grading-speed-") as tmp:
        paths = make_folder(Path(tmp), count)
        start = time.perf_counter()
        with Grader(jobs=min(2, os.cpu_count() or 1)) as grader:
            reports = [r for _, r in grader.grade_paths(paths)]
        total = time.perf_counter() - start
        assert all(not isinstance(r, Exception) for r in reports), reports
        start = time.perf_counter()
        grade_notebook(paths[0])
        alone = time.perf_counter() - start
    return {"grading_seconds_per_submission": round(total / count, 2),
            "grading_details": {"submissions": count, "total_seconds": round(total, 1),
                                "one_submission_cold_seconds": round(alone, 1)}}


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, count=30)
    results = measure(args.count)
    print(f"grading_seconds_per_submission  {results['grading_seconds_per_submission']:.2f}  (goal ≤ 4)")
    print(f"  {results['grading_details']}")
    merge(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
