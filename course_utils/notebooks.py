"""Run course notebooks top to bottom in place, and check that committed notebooks are clean.

    python -m course_utils.notebooks run notebooks/03_srn_forward.ipynb [...]
    python -m course_utils.notebooks check notebooks/*.ipynb

`run` executes with nbclient in the notebook's own folder, so execution counts are 1..N and
outputs are what the kernel printed; `check` reports the hygiene rules the tests enforce.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat

MAX_BYTES = 2_000_000
RAISES_TAG = "raises-exception"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


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
    args = parser.parse_args(argv)

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
