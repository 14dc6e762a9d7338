"""Grade a submitted homework notebook: integrity of its cells, then every question in its own process.

The submission is only read, never written. Each question runs the student's code in a fresh
subprocess with a time limit; the grader makes fresh random inputs (seeded per run), computes
the reference answers itself and compares. Every problem becomes a message and a score of 0 for
what it touches, never a crash.
"""
from __future__ import annotations

import copy
import importlib
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import nbformat
import numpy as np

from . import nbgrader_meta as meta
from . import transport
from .spec import Assignment, Question

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CheckResult:
    name: str
    points: float
    score: float
    message: str


@dataclass
class QuestionResult:
    grade_id: str
    title: str
    score: float
    max_score: float
    message: str
    checks: list[CheckResult] = field(default_factory=list)


@dataclass
class Report:
    submission: str
    assignment: str
    seed: int
    score: float
    max_score: float
    questions: list[QuestionResult]
    problems: list[str]

    def to_json(self) -> dict:
        return asdict(self)


ASSIGNMENT_NAME = re.compile(r"^hw\d\d$")


def load_assignment(name: str) -> Assignment:
    """The grading spec of an assignment (course_utils/grading/assignments/<name>.py)."""
    if not isinstance(name, str) or not ASSIGNMENT_NAME.match(name):
        raise ValueError(f"assignment must be a name like 'hw02', got {name!r}")
    try:
        module = importlib.import_module(f"{__package__}.assignments.{name}")
    except ModuleNotFoundError:
        known = sorted(p.stem for p in (Path(__file__).parent / "assignments").glob("hw*.py"))
        raise ValueError(f"no grading spec for assignment {name!r}; known: {known}") from None
    return module.ASSIGNMENT


def identify_assignment(nb, path: Path) -> str | None:
    """From the notebook's metadata (course.assignment), else from a file name starting hwNN."""
    metadata = nb.get("metadata", {}) if nb is not None else {}
    course = metadata.get("course", {}) if isinstance(metadata, dict) else {}
    name = course.get("assignment") if isinstance(course, dict) else None
    if isinstance(name, str) and ASSIGNMENT_NAME.match(name):
        return name
    stem = path.name.lower()
    if stem.startswith("hw") and stem[2:4].isdigit():
        return stem[:4]
    return None


@lru_cache(maxsize=None)
def _release_cells(name: str) -> dict:
    """grade_id → the released (exercise) version of each nbgrader cell of an assignment."""
    from .release import release_notebook

    spec = load_assignment(name)
    nb = release_notebook(nbformat.read(ROOT / "solutions" / spec.notebook, as_version=4))
    return {meta.meta(c)["grade_id"]: c for c in nb.cells if meta.meta(c)}


@lru_cache(maxsize=None)
def reference_namespace(name: str) -> dict:
    """The solution notebook's code (not its test cells) executed in the grader: the reference answers."""
    spec = load_assignment(name)
    nb = nbformat.read(ROOT / "solutions" / spec.notebook, as_version=4)
    namespace = {"__name__": "__main__"}
    from .worker import strip_magics

    cwd = os.getcwd()  # (no MPLBACKEND here: a changed environment leaks into every kernel started later)
    try:
        os.chdir(ROOT / "solutions")
        for cell in nb.cells:
            if cell.cell_type == "code" and not meta.is_grade(cell):
                exec(compile(strip_magics(cell.source), f"<solution {spec.name}>", "exec"), namespace)
    finally:
        os.chdir(cwd)
    return namespace


def _source(cell) -> str:
    """A submitted cell's code; a damaged cell (no source, or not text) reads as empty."""
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return source if isinstance(source, str) else ""


def _cell_problems(nb, spec: Assignment) -> tuple[dict, dict[str, str]]:
    """Find each nbgrader cell in the submission; return ({grade_id: cell}, {grade_id: problem})."""
    released = _release_cells(spec.name)
    found: dict[str, list] = {}
    for cell in nb.cells:
        gid = meta.meta(cell).get("grade_id")
        if gid in released:
            found.setdefault(gid, []).append(cell)
    problems = {}
    for gid, original in released.items():
        cells = found.get(gid, [])
        if len(cells) > 1 and meta.is_grade(original):
            # test cells never run here, so a pasted copy of one does no harm: keep an unchanged copy
            cells = [c for c in cells if _source(c).strip() == original.source.strip()][:1] or cells
            found[gid] = cells
        if not cells:
            problems[gid] = f"cell '{gid}' is missing from the submission (deleted?)"
        elif len(cells) > 1:
            problems[gid] = f"cell '{gid}' appears {len(cells)} times (duplicated); keep exactly one"
        elif meta.is_locked(original) and _source(cells[0]).strip() != original.source.strip():
            problems[gid] = f"locked cell '{gid}' was edited; restore it from the exercise notebook"
    return {gid: cells[0] for gid, cells in found.items() if len(cells) == 1}, problems


def _student_cells(nb, spec: Assignment) -> list[dict]:
    """The code the student's process runs, in notebook order: every code cell except test
    cells; locked cells run as released (so an edit there cannot change the set-up)."""
    released = _release_cells(spec.name)
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        gid = meta.meta(cell).get("grade_id")
        if gid in released and meta.is_grade(released[gid]):
            continue
        source = released[gid].source if gid in released and meta.is_locked(released[gid]) else _source(cell)
        cells.append({"label": gid or f"#{index}", "grade_id": gid, "source": source})
    return cells


PRELOAD = ("numpy", "course_utils", "course_utils.checks", "torch", "matplotlib")  # imported once, before the fork


def run_submission(spec: Assignment, cells: list[dict], inputs: dict[int, dict],
                   limits: tuple[float, float] | None = None) -> dict[int, tuple[dict, dict, str]]:
    """Run the questions in `inputs` ({question index: {check: inputs}}) in the worker.

    Returns {question index: (results, outputs, problem)}; problem is "" when the question's
    process ended normally.
    """
    cell_seconds, question_seconds = limits or (spec.cell_seconds, spec.question_seconds)
    out = {}
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        job_dir = Path(tmp)
        (job_dir / "job.json").write_text(json.dumps({
            "assignment": spec.name, "questions": sorted(inputs), "cells": cells, "preload": PRELOAD,
            "cell_seconds": cell_seconds, "question_seconds": question_seconds}))
        for q_index, q_inputs in inputs.items():
            transport.save(job_dir / f"inputs_{q_index}", {}, q_inputs)
        env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
               "PYTHONDONTWRITEBYTECODE": "1"}   # the worker may not write into the checkout
        overall = question_seconds * len(inputs) + 60
        server_problem = ""
        try:
            subprocess.run([sys.executable, "-m", "course_utils.grading.worker", str(job_dir)], cwd=job_dir,
                           env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=overall, start_new_session=True)
        except subprocess.TimeoutExpired:
            server_problem = f"grading stopped after {overall:.0f} s"
        for q_index in inputs:
            out[q_index] = _question_outcome(job_dir, q_index, question_seconds, server_problem)
    return out


def _question_outcome(job_dir: Path, q_index: int, seconds: float, server_problem: str):
    status_file = job_dir / f"status_{q_index}.json"
    ended = json.loads(status_file.read_text()) if status_file.exists() else {}
    status, skipped = ended.get("status", ""), ended.get("skipped", [])
    problem = {"ok": "", "": server_problem or "the question was not run",
               "timeout": f"ran past the question's {seconds:.0f} s time limit (an infinite loop?)"}.get(
        status, f"the student's process ended abnormally ({status}: os._exit, a crash, or out of memory)")
    if not (job_dir / f"results_{q_index}.json").exists():
        return {"cell_errors": [], "checks": {}, "skipped": skipped}, {}, \
            problem or "the student's process produced no result"
    try:
        results, outputs = transport.load(job_dir / f"results_{q_index}")
        results = _well_formed(results)
    except Exception as exc:  # a half-written or tampered file
        return {"cell_errors": [], "checks": {}, "skipped": skipped}, {}, f"the student's results could not be read ({exc})"
    results["skipped"] = skipped
    return results, outputs, problem


def _text(value, limit: int = 500) -> str:
    """A message from the student's process as one line of plain text (no control characters)."""
    text = value if isinstance(value, str) else repr(value)
    return "".join(c if c.isprintable() else " " for c in text)[:limit]


def _well_formed(results) -> dict:
    """The results file of a student's process, checked field by field: it is data from untrusted code."""
    if not isinstance(results, dict):
        raise ValueError("not a mapping")
    checks = results.get("checks", {})
    errors = results.get("cell_errors", [])
    if not isinstance(checks, dict) or not isinstance(errors, list):
        raise ValueError("checks or cell_errors of the wrong type")
    clean_checks = {}
    for name, status in checks.items():
        if not isinstance(status, dict) or not isinstance(status.get("ok"), bool):
            raise ValueError(f"check {name!r} has no ok flag")
        clean_checks[name] = {"ok": status["ok"], "error": _text(status.get("error", "")),
                              "where": _text(status.get("where", ""), 100)}
    clean_errors = [{"label": _text(e.get("label", ""), 100), "grade_id": e.get("grade_id") if isinstance(
        e.get("grade_id"), str) else None, "error": _text(e.get("error", ""))} for e in errors if isinstance(e, dict)]
    return {"checks": clean_checks, "cell_errors": clean_errors, "unisolated": _text(results.get("unisolated", ""))}


def make_inputs(question: Question, rng_seed: int, q_index: int) -> dict:
    """Fresh inputs of every check of a question, from the run's seed."""
    return {check.name: check.make_inputs(np.random.default_rng([rng_seed, q_index, c_index]))
            for c_index, check in enumerate(question.checks)}


def touched_problems(question: Question, cell_problems: dict) -> list[str]:
    return [cell_problems[g] for g in (*question.solution_cells, question.grade_id) if g in cell_problems]


def grade_question(spec: Assignment, question: Question, inputs: dict, outcome, problems: list[str]) -> QuestionResult:
    """Score one question from the student's outcome (results, outputs, problem) and the reference."""
    if problems:
        return QuestionResult(question.grade_id, question.title, 0.0, question.points, "; ".join(problems),
                              [CheckResult(c.name, c.points, 0.0, "not run") for c in question.checks])
    results, outputs, problem = outcome
    reference = reference_namespace(spec.name)
    cell_errors = {e["grade_id"]: e["error"] for e in results.get("cell_errors", []) if e.get("grade_id")}
    checks, messages = [], []
    for check in question.checks:
        status = results["checks"].get(check.name)
        if status is None:
            msg = problem or "not reached"
        elif not status["ok"]:
            msg = status["error"] + (f" ({status['where']})" if status.get("where") else "")
        else:
            expected = check.call(reference, copy.deepcopy(inputs[check.name]))
            try:
                why = check.compare(outputs.get(check.name), expected) if check.compare else None
            except Exception as exc:  # an odd student value must not crash the grader
                why = f"could not compare the result ({type(exc).__name__}: {exc})"
            msg = why or ""
        checks.append(CheckResult(check.name, check.points, 0.0 if msg else check.points, msg or "passed"))
        if msg and msg not in messages:
            messages.append(msg)
    for gid in question.solution_cells:
        if gid in cell_errors and cell_errors[gid] not in " ".join(messages):
            messages.insert(0, f"cell '{gid}' raised {cell_errors[gid]}")
    score = float(sum(c.score for c in checks))
    message = "all checks passed" if not messages else "; ".join(messages)
    return QuestionResult(question.grade_id, question.title, score, question.points, message, checks)


def _grade_or_explain(spec, question, inputs, outcome, problems) -> QuestionResult:
    """grade_question, with anything unexpected turned into a 0 and a message instead of a crash."""
    try:
        return grade_question(spec, question, inputs, outcome, problems)
    except Exception as exc:
        return QuestionResult(question.grade_id, question.title, 0.0, question.points,
                              f"could not be graded ({type(exc).__name__}: {_text(str(exc), 200)})")


def grade_notebook(path: str | os.PathLike, assignment: str | None = None, seed: int | None = None,
                   limits: tuple[float, float] | None = None) -> Report:
    """Grade one submission. Raises ValueError only when it cannot tell which assignment it is.

    limits: (seconds per cell, seconds per question) instead of the assignment's own.
    """
    path = Path(path)
    seed = secrets.randbits(32) if seed is None else int(seed)
    nb, read_problem = None, ""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:
        read_problem = f"the submission is not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})"
    name = assignment or identify_assignment(nb, path)
    if name is None:
        raise ValueError(f"cannot tell which assignment {path.name} is: pass --assignment hwNN")
    spec = load_assignment(name)
    if nb is None:
        questions = [QuestionResult(q.grade_id, q.title, 0.0, q.points, read_problem) for q in spec.questions]
        return Report(str(path), name, seed, 0.0, _max(spec), questions, [read_problem])
    _, cell_problems = _cell_problems(nb, spec)
    blocked = {i: touched_problems(q, cell_problems) for i, q in enumerate(spec.questions)}
    inputs = {i: make_inputs(q, seed, i) for i, q in enumerate(spec.questions) if not blocked[i]}
    reference_namespace(spec.name)     # everything the grader imports is imported before any student code runs
    outcomes = run_submission(spec, _student_cells(nb, spec), inputs, limits) if inputs else {}
    questions = [_grade_or_explain(spec, q, inputs.get(i, {}), outcomes.get(i), blocked[i])
                 for i, q in enumerate(spec.questions)]
    used = {g for q in spec.questions for g in (*q.solution_cells, q.grade_id)}
    problems = [p for g, p in cell_problems.items() if g not in used]
    skipped = sorted({_text(label, 100) for outcome in outcomes.values() for label in outcome[0].get("skipped", [])})
    unisolated = sorted({outcome[0].get("unisolated") for outcome in outcomes.values()} - {"", None})
    problems += [f"grader: the student's code ran without the namespace sandbox on this machine ({why}); "
                 "only the Python-level guard applied" for why in unisolated[:1]]
    limit = (limits or (spec.cell_seconds,))[0]
    problems += [f"cell '{label}' ran past the {limit:.0f} s limit per cell and could not be interrupted (does it "
                 f"catch every exception?); it was skipped for every question" for label in skipped]
    return Report(str(path), name, seed, float(sum(q.score for q in questions)), _max(spec), questions, problems)


def _max(spec: Assignment) -> float:
    return float(sum(q.points for q in spec.questions))
