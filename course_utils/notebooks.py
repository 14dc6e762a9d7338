"""Run course notebooks top to bottom in place, and check that committed notebooks are clean.

    python -m course_utils.notebooks run notebooks/03_srn_forward.ipynb [...]
    python -m course_utils.notebooks check notebooks/*.ipynb
    python -m course_utils.notebooks budget notebooks/*.ipynb

`run` executes with nbclient in the notebook's own folder, so execution counts are 1..N and
outputs are what the kernel printed; `check` reports the hygiene rules the tests enforce;
`budget` measures what a lecture puts on its slides (the core path of COURSE.md §3a).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

MAX_BYTES = 2_000_000
RAISES_TAG = "raises-exception"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# The core path of a lecture: what its slides may hold so that it is a talk of at most 75 minutes.
SLIDE_WORDS, SLIDE_CODE_LINES, SLIDE_CELL_LINES = 2000, 150, 30
SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]*\$|\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S)
_WORD = re.compile(r"[A-Za-z]+")


@dataclass
class SlideBudget:
    """What a lecture shows on its slides: words of markdown (formulas not counted), lines of code,
    the longest code cell, and how many cells carry a slide type (0: no slide metadata at all)."""
    words: int
    code_lines: int
    longest_cell: int
    tagged_cells: int

    def problems(self) -> list[str]:
        found = []
        if not self.tagged_cells:
            found.append("no cell has RISE slide metadata (metadata.slideshow.slide_type)")
        if self.words > SLIDE_WORDS:
            found.append(f"{self.words} words of markdown on slides (budget {SLIDE_WORDS})")
        if self.code_lines > SLIDE_CODE_LINES:
            found.append(f"{self.code_lines} lines of code on slides (budget {SLIDE_CODE_LINES})")
        if self.longest_cell > SLIDE_CELL_LINES:
            found.append(f"a code cell of {self.longest_cell} lines on slides (budget {SLIDE_CELL_LINES})")
        return found


def slide_type(cell) -> str | None:
    """The cell's RISE slide type, or None when it has none (RISE then reads it as '-')."""
    metadata = cell.get("metadata", {})
    kind = metadata.get("slideshow", {}).get("slide_type") if isinstance(metadata, dict) else None
    return kind if kind in SLIDE_TYPES else None


def markdown_words(source: str) -> int:
    """Words of prose: runs of Latin letters outside $…$, $$…$$ and \\begin…\\end formulas."""
    return len(_WORD.findall(_MATH.sub(" ", source)))


def slide_budget(nb) -> SlideBudget:
    """Measure the cells on slides. A cell of type '-' (or none) continues the kind of the last
    typed cell, as RISE and nbconvert show it: after 'skip' or 'notes' it is off the slides too."""
    kind, words, code, longest, tagged = "slide", 0, 0, 0, 0
    for cell in nb.cells:
        own = slide_type(cell)
        tagged += own is not None
        if own not in (None, "-"):
            kind = own
        if kind in ("skip", "notes"):
            continue
        if cell.cell_type == "markdown":
            words += markdown_words(cell.source)
        elif cell.cell_type == "code":
            lines = len(cell.source.strip().splitlines())
            code, longest = code + lines, max(longest, lines)
    return SlideBudget(words, code, longest, tagged)


def execute_notebook(path: str | os.PathLike, timeout: int = 600, kernel_name: str = "python3",
                     cwd: str | os.PathLike | None = None) -> float:
    """Execute the notebook at `path` in place (outputs replaced); return the seconds it took.

    The kernel starts in `cwd` (default: the notebook's folder), as Jupyter would start it.
    """
    from nbclient import NotebookClient

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}")
    nb = nbformat.read(path, as_version=4)
    env_backup = os.environ.pop("MPLBACKEND", None)  # a set backend changes plot outputs
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name,
                                resources={"metadata": {"path": str(path.parent if cwd is None else cwd)}})
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    finally:
        if env_backup is not None:
            os.environ["MPLBACKEND"] = env_backup
    nb.metadata.pop("widgets", None)  # widget state is large and changes every run
    drop_widget_views(nb)
    nbformat.write(nb, path)
    return seconds


def drop_widget_views(nb) -> None:
    """Remove stored widget views from the outputs, keeping their text form.

    A stored view points at a widget model of the kernel that executed the notebook, which no
    longer exists: JupyterLab would show "Error displaying widget: model not found" until the
    cell is run again. The text form (e.g. what `interactive.Explorer` says) reads better, and
    nbval does not compare widget views anyway.
    """
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            out.get("data", {}).pop(WIDGET_VIEW, None)


def hygiene_problems(path: str | os.PathLike) -> list[str]:
    """The rules every committed notebook keeps; returns one message per broken rule."""
    path = Path(path)
    problems = []
    size = path.stat().st_size
    if size > MAX_BYTES:
        problems.append(f"{path}: {size / 1e6:.1f} MB, over the {MAX_BYTES / 1e6:.0f} MB limit")
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:
        return problems + [f"{path}: not a valid notebook ({exc})"]
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    counts = [c.get("execution_count") for c in code]
    if counts != list(range(1, len(code) + 1)):
        problems.append(f"{path}: execution counts are {counts}, expected 1..{len(code)} "
                        "(run it top to bottom with `make notebooks`)")
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and RAISES_TAG not in tags:
                problems.append(f"{path}: cell {index} stores an error ({out.get('ename')}) "
                                f"but is not tagged {RAISES_TAG!r}")
            if WIDGET_VIEW in out.get("data", {}):
                problems.append(f"{path}: cell {index} stores a widget view of a kernel that is gone; "
                                "run it with `python -m course_utils.notebooks run`")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"{path}: cell {index} stores stderr output; silence or fix the warning")
        if RAISES_TAG in tags and not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            problems.append(f"{path}: cell {index} is tagged {RAISES_TAG!r} but raised nothing")
    if "widgets" in nb.metadata:
        problems.append(f"{path}: stores widget state in its metadata")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.notebooks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute notebooks in place, top to bottom")
    run.add_argument("paths", nargs="+")
    run.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    chk = sub.add_parser("check", help="report hygiene problems of committed notebooks")
    chk.add_argument("paths", nargs="+")
    bud = sub.add_parser("budget", help="words and code lines on each lecture's slides")
    bud.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)

    if args.command == "budget":
        failed = False
        for p in args.paths:
            budget = slide_budget(nbformat.read(p, as_version=4))
            problems = budget.problems()
            failed |= bool(problems)
            print(f"{p}: {budget.words} words, {budget.code_lines} code lines, longest cell "
                  f"{budget.longest_cell}" + "".join(f"\n  over: {x}" for x in problems))
        return 1 if failed else 0

    if args.command == "run":
        for p in args.paths:
            seconds = execute_notebook(p, timeout=args.timeout)
            print(f"{p}: executed in {seconds:.1f} s")
            for problem in hygiene_problems(p):
                print("  problem:", problem)
        return 0
    problems = [msg for p in args.paths for msg in hygiene_problems(p)]
    print("\n".join(problems) if problems else f"{len(args.paths)} notebook(s) clean")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
