"""Generate the student release (exercises/) from the instructor notebooks (solutions/).

Solution regions between `### BEGIN SOLUTION` and `### END SOLUTION` become a stub, hidden-test
regions (`### BEGIN HIDDEN TESTS` … `### END HIDDEN TESTS`) are removed, outputs and execution
counts are cleared, nbgrader cells get nbgrader's `checksum` and `cell_type`, and cells are
locked in the notebook interface as nbgrader locks them (locked and test cells: not editable, not
deletable; answer cells: not deletable), so the release is also a valid nbgrader release.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

from . import nbgrader_meta as meta
from .paths import course_root

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
MARKDOWN_STUB = "YOUR ANSWER HERE"
_SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*(\n|$)", re.S | re.M)
_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[^\n]*\n.*?^[ \t]*### END HIDDEN TESTS[^\n]*(\n|$)", re.S | re.M)


def strip_solution(source: str, cell_type: str = "code") -> str:
    """Replace every solution region by the stub, indented like its BEGIN marker."""
    if "### BEGIN SOLUTION" not in source:
        return CODE_STUB if cell_type == "code" else MARKDOWN_STUB
    stub = CODE_STUB if cell_type == "code" else MARKDOWN_STUB

    def replace(match):
        indent = match.group(1)
        return "\n".join(indent + line for line in stub.splitlines()) + match.group(2)

    return _SOLUTION.sub(replace, source)


def strip_hidden_tests(source: str) -> str:
    return _HIDDEN.sub("", source)


def lock_in_interface(cell) -> None:
    """JupyterLab's own cell locks, as nbgrader's LockCells sets them: a locked cell (instructions,
    set-up, tests) can be neither edited nor deleted, an answer cell cannot be deleted."""
    if meta.is_locked(cell):
        cell.metadata["editable"] = False
        cell.metadata["deletable"] = False
    elif meta.is_solution(cell) or meta.is_grade(cell):
        cell.metadata["deletable"] = False


def release_notebook(nb):
    """The student version of a solution notebook (the input is not changed)."""
    problems = meta.validation_problems(nb)
    if problems:
        raise ValueError("invalid nbgrader metadata: " + "; ".join(problems))
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        m = meta.meta(cell)
        if not m:
            continue
        if m.get("solution"):
            cell.source = strip_solution(cell.source, cell.cell_type)
        if m.get("grade"):
            cell.source = strip_hidden_tests(cell.source).rstrip("\n")
        m["cell_type"] = cell.cell_type
        cell.metadata["nbgrader"] = m
        if meta.is_grade(cell) or meta.is_solution(cell) or meta.is_locked(cell):
            cell.metadata["nbgrader"]["checksum"] = meta.compute_checksum(cell)
        lock_in_interface(cell)
    out.metadata.pop("widgets", None)
    return out


def release_all(solutions: Path | None = None, exercises: Path | None = None, write: bool = True) -> list[str]:
    """Release every solutions/hw*.ipynb; returns the exercise files that changed (or would)."""
    root = course_root() if solutions is None or exercises is None else None
    solutions = solutions or root / "solutions"
    exercises = exercises or root / "exercises"
    if not solutions.is_dir():
        raise FileNotFoundError(f"no solutions folder at {solutions}")
    changed = []
    for src in sorted(solutions.glob("hw*.ipynb")):
        released = nbformat.writes(release_notebook(nbformat.read(src, as_version=4)))
        dest = exercises / src.name
        if not dest.exists() or dest.read_text(encoding="utf-8") != released:
            changed.append(str(dest.relative_to(root) if root and dest.is_relative_to(root) else dest))
            if write:
                exercises.mkdir(exist_ok=True)
                dest.write_text(released, encoding="utf-8")
    stale = sorted(p for p in exercises.glob("hw*.ipynb") if not (solutions / p.name).exists()) \
        if exercises.is_dir() else []
    for p in stale:
        changed.append(f"{p} (no solution: remove it)")
        if write:
            p.unlink()
    return changed
