"""Grade on Gradescope: an autograder zip for one assignment, and the run that writes Gradescope's results.

    python -m course_utils.grading export-gradescope hw02 -o autograder_hw02.zip      # on the course checkout
    python -m course_utils.grading.gradescope run --assignment hw02 [--root /autograder]   # inside the container

Gradescope unpacks the zip into /autograder/source, runs `setup.sh` once when it builds the image and
`run_autograder` (copied to /autograder) once per submission, from /autograder, with the student's files in
/autograder/submission; it reads /autograder/results/results.json. The zip holds the course package, the
lock and the assignment's solution notebook (the grader's reference) under `course/`:

- `setup.sh` finds or installs a Python 3.11–3.13, makes /autograder/venv, installs torch's CPU build as
  `make` does (the wheel from disk or PyTorch's CPU index), the rest of requirements.lock, and the course
  package (a plain, not editable, install);
- `run_autograder` grades the submission's notebook with the course grader (each question in its own
  sandboxed process; in a container that forbids user namespaces the grader says so in the output and runs
  the student's code under its Python-level guard only) and writes results.json: the total `score`, one
  `tests` entry per question with its `name`, `score`, `max_score` and the grader's message as `output`.

Outside Gradescope, `AUTOGRADER_ROOT` (default /autograder) moves the whole layout to another folder and
`AUTOGRADER_PYTHON` (default $AUTOGRADER_ROOT/venv/bin/python) names the Python to grade with; the
course's tests use both to run the zip end to end in a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import zipfile
from pathlib import Path

from .grade import ASSIGNMENT_NAME, Grader, Report, identify_assignment, load_assignment
from .paths import course_root

PY_OK = "import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))"

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (an Ubuntu image): the course's
# pinned CPU environment in $ROOT/venv. Written by `python -m course_utils.grading export-gradescope`.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
COURSE="$ROOT/source/course"
PY_OK='%(py_ok)s'
find_python() {
  for p in python3.11 python3.12 python3.13 python3; do
    if command -v "$p" >/dev/null && "$p" -c "$PY_OK" 2>/dev/null; then echo "$p"; return; fi
  done
}
PYTHON="$(find_python)"
if [ -z "$PYTHON" ]; then        # Ubuntu 22.04 packages python3.11; 24.04's python3 is 3.12
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3.11 python3.11-venv || apt-get install -y -qq python3 python3-venv
  PYTHON="$(find_python)"
fi
[ -n "$PYTHON" ] || { echo "setup.sh: no Python 3.11 to 3.13 could be installed" >&2; exit 1; }
"$PYTHON" -m venv "$ROOT/venv" 2>/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$PYTHON-venv"
  "$PYTHON" -m venv "$ROOT/venv"; }
PIP=("$ROOT/venv/bin/python" -m pip install --quiet --disable-pip-version-check)
LOCK="$COURSE/requirements.lock"
# torch alone first: its CPU build from disk if pip finds it there, else from PyTorch's CPU index (the lock's
# --extra-index-url line); PyPI's Linux torch is the CUDA build, GBs of nvidia packages
"${PIP[@]}" --no-deps -r <(grep -E '^torch[ =<>!~]' "$LOCK") 2>/dev/null \\
  || "${PIP[@]}" --no-deps -r <(grep -E '^(--extra-index-url|torch[ =<>!~])' "$LOCK")
"${PIP[@]}" -r <(grep -v -E '^--extra-index-url' "$LOCK")
"${PIP[@]}" --no-deps --no-build-isolation "$COURSE"
"$ROOT/venv/bin/python" -c "import course_utils.grading.gradescope"
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission: grade /autograder/submission/*.ipynb as %(assignment)s and write
# /autograder/results/results.json. AUTOGRADER_ROOT and AUTOGRADER_PYTHON move it elsewhere (for testing).
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PY="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
export COURSE_ROOT="$ROOT/source/course"
cd "$ROOT" || exit 1
# -I: nothing from the current folder or PYTHON* variables on the grader's import path
exec "$PY" -I -m course_utils.grading.gradescope run --assignment %(assignment)s --root "$ROOT"
"""


def _course_files(root: Path, assignment: str) -> list[tuple[Path, str]]:
    """(file on disk, name in the zip) of everything setup.sh installs and the grader reads."""
    spec = load_assignment(assignment)
    files = [(root / "solutions" / spec.notebook, f"course/solutions/{spec.notebook}")]
    files += [(root / name, f"course/{name}") for name in ("pyproject.toml", "README.md", "requirements.lock")]
    package = root / "course_utils"
    files += [(p, f"course/{p.relative_to(root).as_posix()}") for p in sorted(package.rglob("*"))
              if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")]
    missing = [str(p) for p, _ in files if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"the course checkout at {root} lacks {missing}")
    return files


def _write(archive: zipfile.ZipFile, name: str, data: str | bytes, executable: bool = False) -> None:
    """One member with a fixed date (the same checkout, the same zip) and Unix permissions (run_autograder
    must stay executable)."""
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def export(assignment: str, out: str | Path, root: Path | None = None) -> Path:
    """Write Gradescope's autograder zip for `assignment` ("hw02") to `out`: setup.sh and run_autograder at
    its root, the course under course/. The same checkout gives the same bytes. Returns the path."""
    if not isinstance(assignment, str) or not ASSIGNMENT_NAME.match(assignment):
        raise ValueError(f"assignment must be a name like 'hw02', got {assignment!r}")
    root = Path(root) if root else course_root()
    out = Path(out)
    files = _course_files(root, assignment)
    with zipfile.ZipFile(out, "w") as archive:
        _write(archive, "setup.sh", SETUP_SH % {"py_ok": PY_OK}, executable=True)
        _write(archive, "run_autograder", RUN_AUTOGRADER % {"assignment": assignment}, executable=True)
        for path, name in files:
            _write(archive, name, path.read_bytes())
    return out


def _checks_text(question) -> str:
    """The points of every check, as the command line's table shows them, when a question lost points."""
    if question.score >= question.max_score:
        return ""
    return "\n" + "\n".join(f"{'✓' if c.score == c.points else '✗'} {c.score:g}/{c.points:g}  {c.name}: {c.message}"
                            for c in question.checks)


def results_json(report: Report, seconds: float | None = None) -> dict:
    """Gradescope's results.json for one graded submission: the total and one test per question."""
    tests = [{"name": f"{q.grade_id}: {q.title}", "number": str(i), "score": q.score, "max_score": q.max_score,
              "status": "passed" if q.score >= q.max_score else "failed",
              "output": q.message + _checks_text(q), "visibility": "visible"}
             for i, q in enumerate(report.questions, 1)]
    lines = [f"{report.assignment}: {report.score:g} of {report.max_score:g} points "
             f"(graded {Path(report.submission).name}; inputs from seed {report.seed})"]
    lines += [f"note: {p}" for p in report.problems]
    result = {"score": report.score, "output": "\n".join(lines), "tests": tests,
              "extra_data": {"assignment": report.assignment, "seed": report.seed, "max_score": report.max_score}}
    if seconds is not None:
        result["execution_time"] = round(seconds)
    return result


def failure_json(assignment: str, message: str) -> dict:
    """results.json when there is nothing to grade: no points, every question listed, and why."""
    spec = load_assignment(assignment)
    tests = [{"name": f"{q.grade_id}: {q.title}", "number": str(i), "score": 0.0, "max_score": q.points,
              "status": "failed", "output": "not graded: " + message, "visibility": "visible"}
             for i, q in enumerate(spec.questions, 1)]
    return {"score": 0.0, "output": message, "tests": tests}


def pick_submission(folder: Path, assignment: str) -> tuple[Path | None, str]:
    """The notebook in Gradescope's submission folder to grade, and a note about the others (or why none):
    a notebook whose metadata or name says it is `assignment`, else the only notebook there is, unless it
    says it is another assignment."""
    import nbformat

    notebooks = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and p.is_file())
    if not notebooks:
        found = sorted(p.name for p in folder.rglob("*") if p.is_file())[:10]
        return None, (f"no .ipynb notebook was submitted (found: {', '.join(found) or 'nothing'}); "
                      f"upload your {assignment} notebook")

    def says(path: Path) -> str | None:
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # unreadable: only its name can say
            nb = None
        return identify_assignment(nb, path)

    named = {p: says(p) for p in notebooks}
    matching = [p for p in notebooks if named[p] == assignment] or \
        [p for p in notebooks if len(notebooks) == 1 and named[p] is None]
    if not matching:
        return None, (f"none of the submitted notebooks ({', '.join(p.name for p in notebooks)}) is {assignment}: "
                      f"submit the {assignment} notebook you downloaded, keeping its name")
    others = [p.name for p in notebooks if p != matching[0]]
    return matching[0], (f"graded {matching[0].name}; not graded: {', '.join(others)}" if others else "")


def run(assignment: str, root: Path) -> dict:
    """Grade the submission under `root` (Gradescope's /autograder layout) and write results/results.json.
    Whatever happens, a results.json is written: a problem becomes its output and a score of 0."""
    start = time.monotonic()
    results_file = root / "results" / "results.json"
    results_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        path, note = pick_submission(root / "submission", assignment)
        if path is None:
            result = failure_json(assignment, note)
        else:
            with Grader(jobs=1) as grader:
                report = grader.grade(path, assignment=assignment, student=path.stem)
            if note:
                report.problems.insert(0, note)
            result = results_json(report, time.monotonic() - start)
    except Exception as exc:  # the student must see a result, and the instructor why: never no results.json
        result = failure_json(assignment, f"the autograder failed ({type(exc).__name__}: {exc}); "
                                          "ask the course staff to look at it")
    results_file.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(result["output"])
    for test in result["tests"]:
        print(f"  {test['name']}: {test['score']:g}/{test['max_score']:g}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.grading.gradescope", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    go = sub.add_parser("run", help="grade /autograder/submission, write /autograder/results/results.json")
    go.add_argument("--assignment", required=True, help="hwNN")
    go.add_argument("--root", type=Path, default=Path("/autograder"), help="Gradescope's folder (default /autograder)")
    args = parser.parse_args(argv)
    load_assignment(args.assignment)      # a wrong name is the instructor's error: fail loudly, at once
    run(args.assignment, args.root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
