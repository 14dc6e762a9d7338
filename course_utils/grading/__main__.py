"""Command line of the course's homework tools.

    python -m course_utils.grading release [--check]
    python -m course_utils.grading export-gradescope hwNN [-o autograder_hwNN.zip]
    python -m course_utils.grading grade SUBMISSION.ipynb|FOLDER [--json FILE] [--csv FILE]
                                         [--assignment hwNN] [--seed N] [--jobs N]

`grade` prints a per-question table and exits 0 when it could grade every submission (a score of
0 is a result, not an error). A folder is searched to any depth (nbgrader's
submitted/<student>/<assignment>/ layout included; the student is named from the path); it grades
what it can, on --jobs cores, and names the files it could not (exit 1); it exits 2 for unusable
arguments. The inputs come from the assignment's fixed seed unless --seed says otherwise, so the
same notebook gets the same report. `--csv` keeps one gradebook per assignment: rows of another
assignment than the file's go to FILE's name with `_hwNN` added.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

from .grade import Grader, Report
from .release import release_all


def _plain(text) -> str:
    """Report text as printable characters only: a message may quote a student's string."""
    return "".join(c if c.isprintable() else " " for c in str(text))


def _pts(points: float) -> str:
    """Points as a TA writes them: 14, 10.5, 2.67."""
    return f"{points:.2f}".rstrip("0").rstrip(".")


def format_table(report: Report) -> str:
    rows = [f"{report.submission}  (student {report.student}, {report.assignment}, seed {report.seed})"]
    width = max([len(q.grade_id) for q in report.questions] + [8])
    rows.append(f"  {'question':<{width}}  {'score':>11}  message")
    for q in report.questions:
        rows.append(f"  {q.grade_id:<{width}}  {_pts(q.score):>5}/{_pts(q.max_score):<5}  {_plain(q.message)}")
        if q.score < q.max_score:           # the points of every check, so a mark can be explained
            rows += [f"  {'':<{width}}    {'✓' if c.score == c.points else '✗'} {_pts(c.score)}/{_pts(c.points)}  "
                     f"{_plain(c.name)}" for c in q.checks]
    for problem in report.problems:
        rows.append(f"  note: {_plain(problem)}")
    rows.append(f"  {'total':<{width}}  {_pts(report.score):>5}/{_pts(report.max_score):<5}")
    return "\n".join(rows)


def _csv_header(path: Path) -> list[str] | None:
    if not path.exists() or path.stat().st_size == 0:
        return None
    with path.open(newline="", encoding="utf-8") as f:
        return next(csv.reader(f), None)


def append_csv(path: Path, report: Report) -> Path:
    """One gradebook row per submission, in a file whose columns are this assignment's questions:
    `path` itself when it is new or has these columns, else `path` with `_hwNN` added to its name.
    Returns the file written."""
    header = ["student", "submission", "assignment", "seed", "score", "max_score"] + \
        [q.grade_id for q in report.questions]
    row = [report.student, report.submission, report.assignment, report.seed, f"{report.score:g}",
           f"{report.max_score:g}"] + [f"{q.score:g}" for q in report.questions]
    if _csv_header(path) not in (None, header):
        path = path.with_name(f"{path.stem}_{report.assignment}{path.suffix}")
    existing = _csv_header(path)
    if existing not in (None, header):
        raise ValueError(f"{path} has other columns than {report.assignment}'s gradebook; use another --csv file")
    with path.open("a", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        if existing is None:
            writer.writerow(header)
        writer.writerow(row)
    return path


def warn_without_sandbox() -> None:
    """Say on stderr, before grading, when this machine cannot build the grader's sandbox."""
    from . import sandbox
    from .worker import NO_SANDBOX

    why = f"turned off by {NO_SANDBOX}" if os.environ.get(NO_SANDBOX) else sandbox.available()
    if why:
        print(f"warning: the grader's sandbox is not available here ({why}); student code runs with the "
              "Python-level guard only, which native code (ctypes) can get around. Grade on a Linux machine "
              "that allows unprivileged user namespaces for the full isolation.", file=sys.stderr)


def note_repeated_students(reports: list[Report]) -> None:
    """A student with more than one notebook for one assignment: say so in each of their reports."""
    seen: dict[tuple[str, str], list[Report]] = {}
    for report in reports:
        seen.setdefault((report.student, report.assignment), []).append(report)
    for (student, assignment), group in seen.items():
        if len(group) > 1:
            names = ", ".join(r.submission for r in group)
            for report in group:
                report.problems.append(f"{student} has {len(group)} notebooks for {assignment} in this folder "
                                       f"({names}); each got its own gradebook row")


def submissions(folder: Path) -> list[Path]:
    """Every notebook under `folder`, at any depth, except Jupyter's checkpoint copies."""
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.grading", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="regenerate exercises/ from solutions/")
    rel.add_argument("--check", action="store_true", help="only report stale exercise notebooks (exit 1 if any)")
    gr = sub.add_parser("grade", help="grade a submission notebook, or every notebook in a folder")
    gr.add_argument("path")
    gr.add_argument("--json", type=Path, help="write the report(s) as JSON here")
    gr.add_argument("--csv", type=Path, help="append one gradebook row per submission to this CSV")
    gr.add_argument("--assignment", help="hwNN, when neither metadata nor file name says")
    gr.add_argument("--seed", type=int, help="seed of the inputs (default: the assignment's fixed seed)")
    gr.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="submissions graded at once (default: 2, or 1 on a single core)")
    gs = sub.add_parser("export-gradescope", help="write Gradescope's autograder zip for one assignment")
    gs.add_argument("assignment", help="hwNN")
    gs.add_argument("-o", "--output", type=Path, help="the zip to write (default: autograder_hwNN.zip)")
    args = parser.parse_args(argv)

    if args.command == "export-gradescope":
        from .gradescope import export

        try:
            written = export(args.assignment, args.output or Path(f"autograder_{args.assignment}.zip"))
        except (ValueError, FileNotFoundError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {written}: upload it as the autograder of {args.assignment} on Gradescope")
        return 0
    if args.command == "release":
        changed = release_all(write=not args.check)
        if args.check:
            print("\n".join(f"stale: {c}" for c in changed) or "exercises/ is up to date")
            return 1 if changed else 0
        print("\n".join(f"wrote {c}" for c in changed) or "exercises/ was already up to date")
        return 0

    target = Path(args.path)
    if not target.exists():
        print(f"error: no file or folder at {target}", file=sys.stderr)
        return 2
    paths = submissions(target) if target.is_dir() else [target]
    if not paths:
        print(f"error: no .ipynb files in {target}", file=sys.stderr)
        return 2
    reports, failed = [], []
    warn_without_sandbox()
    with Grader(jobs=args.jobs) as grader:
        graded = list(grader.grade_paths(paths, root=target if target.is_dir() else None,
                                         assignment=args.assignment, seed=args.seed))
    note_repeated_students([r for _, r in graded if isinstance(r, Report)])
    for path, report in graded:
        if isinstance(report, Exception):  # one odd file must not stop a folder: name it and go on
            exc = report
            failed.append(f"{path}: {exc}" if isinstance(exc, ValueError) else
                          f"{path}: could not be graded ({type(exc).__name__}: {exc})")
            print(f"error: {failed[-1]}", file=sys.stderr)
            continue
        reports.append(report)
        print(format_table(report))
        if args.csv:
            try:
                written = append_csv(args.csv, report)
            except (OSError, ValueError) as exc:
                failed.append(f"{path}: graded, but its gradebook row was not written ({exc})")
                print(f"error: {failed[-1]}", file=sys.stderr)
                continue
            if written != args.csv:
                print(f"  ({report.assignment} rows go to {written}: {args.csv} holds another assignment)")
    if args.json:
        data = reports[0].to_json() if len(reports) == 1 and not target.is_dir() else [r.to_json() for r in reports]
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    if failed and not target.is_dir():
        return 2
    if failed:
        print(f"{len(failed)} of {len(paths)} submissions could not be graded (listed above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    # `python -m` puts the current folder first on sys.path; a grader must not import from a
    # folder that a submission could have written to.
    sys.path[:] = [entry for entry in sys.path if entry not in ("", os.getcwd())]
    sys.exit(main())
