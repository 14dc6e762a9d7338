"""What each lecture puts on its slides, against the core-path budget of COURSE.md §3a
(≤ 2,000 words of markdown without formulas, ≤ 150 code lines, no code cell over 30 lines).

    python benchmarks/slide_budget.py [--json benchmarks/results.json]

Counts only: nothing is executed. tests/test_notebook_hygiene.py fails a lecture past the budget.
"""
from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import nbformat
from _results import merge, parse_args

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    from course_utils.notebooks import slide_budget

    args = parse_args(__doc__, argv)
    budgets = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        budget = slide_budget(nbformat.read(path, as_version=4))
        budgets[path.name] = {k: v for k, v in asdict(budget).items() if k != "tagged_cells"}
        flag = "" if not budget.problems() else "  OVER: " + "; ".join(budget.problems())
        print(f"{path.name:<36} {budget.words:5d} words {budget.code_lines:4d} code lines "
              f"(longest cell {budget.longest_cell}){flag}", flush=True)
    merge(args.json, {"slide_budget": budgets})
    return 0


if __name__ == "__main__":
    sys.exit(main())
