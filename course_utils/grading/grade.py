"""Grade a submitted homework notebook: integrity of its cells, then every question in its own process.

The submission is only read, never written. Each question runs the student's code in a fresh
forked process with a limit on its CPU time (`worker`); the grader draws the inputs from the assignment's
fixed seed (so the same notebook gets the same report), computes the reference answers itself
and compares, naming every wrong output and the pattern behind it (`feedback`). Every problem
becomes a message and a score of 0 for what it touches, never a crash. An edited or deleted
locked cell is restored from the release, as nbgrader does, and noted.

`Grader` keeps warm worker processes for a folder of submissions: numpy and torch are imported
once per worker, not once per submission, and `grade_paths` grades on several cores.
"""
from __future__ import annotations

import copy
import importlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import nbformat
import numpy as np

from . import nbgrader_meta as meta
from . import transport
from .feedback import question_hints
from .paths import ENV as ROOT_ENV
from .paths import course_root
from .spec import WALL_BACKSTOP, Assignment, Check, Question
from .worker import limit_text


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
    student: str = ""

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


_LOCK = threading.RLock()      # the caches below are filled once, whichever thread asks first


@cache
def _release_cells_cached(name: str) -> dict:
    from .release import release_notebook

    spec = load_assignment(name)
    nb = release_notebook(nbformat.read(course_root() / "solutions" / spec.notebook, as_version=4))
    return {meta.meta(c)["grade_id"]: c for c in nb.cells if meta.meta(c)}


def _release_cells(name: str) -> dict:
    """grade_id → the released (exercise) version of each nbgrader cell of an assignment, in order."""
    with _LOCK:
        return _release_cells_cached(name)


@cache
def _reference_namespace_cached(name: str) -> dict:
    spec = load_assignment(name)
    root = course_root()
    nb = nbformat.read(root / "solutions" / spec.notebook, as_version=4)
    namespace = {"__name__": "__main__"}
    from .worker import strip_magics

    # (no os.chdir here: it is process-wide, and other threads may be reading files by relative path;
    # no MPLBACKEND either: a changed environment leaks into every kernel started later)
    for cell in nb.cells:
        if cell.cell_type == "code" and not meta.is_grade(cell):
            exec(compile(strip_magics(cell.source), f"<solution {spec.name}>", "exec"), namespace)
    return namespace


def reference_namespace(name: str) -> dict:
    """The solution notebook's code (not its test cells) executed in the grader: the reference answers."""
    with _LOCK:
        return _reference_namespace_cached(name)


def _source(cell) -> str:
    """A submitted cell's code; a damaged cell (no source, or not text) reads as empty."""
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return source if isinstance(source, str) else ""


def _as_released(cell) -> str:
    """A submitted cell's code as the release would have it: an instructor's notebook (a solution graded as a
    check) still has the test cells' hidden-test regions, which the release removes."""
    from .release import strip_hidden_tests

    return strip_hidden_tests(_source(cell)).strip()


def _cell_problems(nb, spec: Assignment) -> tuple[dict, dict[str, str], list[str]]:
    """Find each nbgrader cell in the submission. Returns ({grade_id: cell}, {grade_id: problem that
    costs its question the points}, [notes]). Locked cells are restored, not punished: an edited one
    runs as released and a deleted one is put back, as nbgrader does; both are noted."""
    released = _release_cells(spec.name)
    found: dict[str, list] = {}
    for cell in nb.cells:
        gid = meta.meta(cell).get("grade_id")
        if gid in released:
            found.setdefault(gid, []).append(cell)
    problems: dict[str, str] = {}
    notes: list[str] = []
    for gid, original in released.items():
        cells = found.get(gid, [])
        if len(cells) > 1 and meta.is_locked(original):
            # locked cells run as released, so a pasted copy does no harm: keep an unchanged copy
            cells = [c for c in cells if _as_released(c) == original.source.strip()][:1] or cells[:1]
            found[gid] = cells
        elif len(cells) > 1 and len({_source(c).strip() for c in cells}) == 1:
            cells = cells[:1]                 # identical copies of an answer: the same code either way
            found[gid] = cells
            notes.append(f"answer cell '{gid}' appears twice with the same code; graded once")
        if not cells:
            if meta.is_locked(original):
                notes.append(f"locked cell '{gid}' was deleted; it was restored from the exercise and grading "
                             "went on (nbgrader does the same)")
            else:
                notes.append(f"answer cell '{gid}' is missing (deleted?); its functions were looked for in the "
                             "other cells")
        elif len(cells) > 1:
            problems[gid] = f"cell '{gid}' appears {len(cells)} times (duplicated); keep exactly one"
        elif meta.is_locked(original) and (_as_released(cells[0]) != original.source.strip()
                                           or cells[0].get("cell_type") != original.cell_type):
            notes.append(f"locked cell '{gid}' was edited; it was restored from the exercise and grading went "
                         "on (nbgrader does the same): experiment in a new cell instead")
    return {gid: cells[0] for gid, cells in found.items() if len(cells) == 1}, problems, notes


def _student_cells(nb, spec: Assignment) -> list[dict]:
    """The code the student's process runs, in notebook order: every code cell except test
    cells; locked cells run as released (so an edit there cannot change the set-up), and a
    deleted locked code cell is put back where the release has it."""
    released = _release_cells(spec.name)
    order = list(released)
    present = {meta.meta(c).get("grade_id") for c in nb.cells} & set(released)
    restored: set[str] = set()
    cells = []

    def restore_before(gid: str | None) -> None:
        """Put back the deleted locked code cells that the release places before `gid` (all if None)."""
        limit = order.index(gid) if gid in order else len(order)
        for missing in order[:limit]:
            original = released[missing]
            if missing not in present and missing not in restored and original.cell_type == "code" \
                    and meta.is_locked(original) and not meta.is_grade(original):
                restored.add(missing)
                cells.append({"label": missing, "grade_id": missing, "source": original.source})

    for index, cell in enumerate(nb.cells):
        gid = meta.meta(cell).get("grade_id")
        if gid in released:
            restore_before(gid)
        is_locked_code = gid in released and released[gid].cell_type == "code" and meta.is_locked(released[gid])
        if cell.get("cell_type") != "code" and not is_locked_code:   # (a locked code cell made markdown runs)
            continue
        if gid in released and meta.is_grade(released[gid]):
            continue
        source = released[gid].source if gid in released and meta.is_locked(released[gid]) else _source(cell)
        cells.append({"label": gid or f"#{index}", "grade_id": gid, "source": source})
    restore_before(None)
    return cells


PRELOAD = ("numpy", "course_utils", "course_utils.checks", "torch", "matplotlib")  # imported once, before the fork
_WORKER_ENV = {"MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
               "PYTHONDONTWRITEBYTECODE": "1"}   # the worker may not write into the checkout


class WorkerServer:
    """A warm worker process (`worker.serve`): numpy, torch and course_utils imported once; every
    question of every job still runs in a fresh, sandboxed forked child. Restarted after a time-out."""

    def __init__(self):
        self.proc: subprocess.Popen | None = None
        self.home = tempfile.TemporaryDirectory(prefix="grade-server-")

    def _start(self) -> None:
        jobs_r, self.jobs_w = os.pipe()
        self.done_r, done_w = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "course_utils.grading.worker", "--serve", str(jobs_r), str(done_w)],
            cwd=self.home.name, env={**os.environ, **_WORKER_ENV, ROOT_ENV: str(course_root())},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(jobs_r, done_w),
            start_new_session=True)
        os.close(jobs_r)
        os.close(done_w)
        self._send(json.dumps(PRELOAD))
        self._pending = b""

    def _send(self, line: str) -> None:
        os.write(self.jobs_w, (line + "\n").encode("utf-8"))

    def run(self, job_dir: Path, seconds: float) -> str:
        """Run one job; "" when it ended, else why not (the server is then stopped)."""
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self._start()
        try:
            self._send(str(job_dir))
        except OSError:
            self.close()
            return "the grading worker stopped unexpectedly"
        deadline = time.monotonic() + seconds
        while b"\n" not in self._pending:
            left = deadline - time.monotonic()
            ready = select.select([self.done_r], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                self.close()
                return f"grading stopped after {seconds:.0f} s"
            chunk = os.read(self.done_r, 4096)
            if not chunk:
                self.close()
                return "the grading worker stopped unexpectedly"
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return "" if line == b"done" else f"the grading worker could not run the job ({line.decode()})"

    def close(self) -> None:
        if self.proc is None:
            return
        for fd in (self.jobs_w, self.done_r):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait()
        self.proc = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def run_submission(spec: Assignment, cells: list[dict], inputs: dict[int, dict],
                   limits: tuple[float, float] | None = None,
                   server: WorkerServer | None = None) -> dict[int, tuple[dict, dict, str]]:
    """Run the questions in `inputs` ({question index: {check: inputs}}) in a worker.

    Returns {question index: (results, outputs, problem)}; problem is "" when the question's
    process ended normally.
    """
    cell_seconds, question_seconds = limits or (spec.cell_seconds, spec.question_seconds)
    own_server = server is None
    server = server or WorkerServer()
    out = {}
    try:
        with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
            job_dir = Path(tmp)
            (job_dir / "job.json").write_text(json.dumps({
                "assignment": spec.name, "questions": sorted(inputs), "cells": cells, "preload": PRELOAD,
                "cell_seconds": cell_seconds, "question_seconds": question_seconds}))
            for q_index, q_inputs in inputs.items():
                transport.save(job_dir / f"inputs_{q_index}", {}, q_inputs)
            # every cell's own limit, two passes of checks for a question that builds on earlier
            # answers, and the worker's start, on the wall clock: the limits count CPU time, and the
            # wall clock allows WALL_BACKSTOP times as much
            overall = WALL_BACKSTOP * len(inputs) * (len(cells) * cell_seconds + 2 * question_seconds) + 60
            server_problem = server.run(job_dir, overall)
            for q_index in inputs:
                out[q_index] = _question_outcome(job_dir, q_index, question_seconds, server_problem)
    finally:
        if own_server:
            server.close()
    return out


def _question_outcome(job_dir: Path, q_index: int, seconds: float, server_problem: str):
    try:
        ended = json.loads((job_dir / f"status_{q_index}.json").read_text())
        ended = ended if isinstance(ended, dict) else {}
    except (OSError, ValueError):    # missing, or replaced by something else (the folder is the student's too)
        ended = {}
    status = ended.get("status", "") if isinstance(ended.get("status"), str) else ""
    skipped = _labels(ended.get("skipped"))
    clock = "wall" if ended.get("clock") == "wall" else "cpu"
    problem = {"ok": "", "": server_problem or "the question was not run",
               "timeout": f"the checks ran past the question's limit of {limit_text(seconds, clock)} (an infinite "
                          "loop?)",
               "backstop": f"the checks ran past the question's wall-clock backstop of {WALL_BACKSTOP * seconds:g} s "
                           f"before using its {limit_text(seconds, 'cpu')} (do they sleep, or wait for something?)",
               "exit code 3": "the grader's own code failed inside the student's process: did a cell change "
                              "numpy, json, os or a built-in function?"}.get(
        status, f"the student's process ended abnormally ({status}: os._exit, a crash, or out of memory)")
    empty = {"cell_errors": [], "checks": {}, "skipped": skipped, "refused": [], "slow": _labels(ended.get("slow")),
             "clock": clock}
    if not (job_dir / f"results_{q_index}.json").exists():
        return empty, {}, problem or "the student's process produced no result"
    try:
        results, outputs = transport.load(job_dir / f"results_{q_index}")
        results = _well_formed(results)
    except Exception as exc:  # a half-written or tampered file
        return empty, {}, f"the student's results could not be read ({exc})"
    results["skipped"], results["slow"], results["clock"] = skipped, _labels(ended.get("slow")), clock
    return results, outputs, problem


def _labels(value) -> list[str]:
    """A list of cell labels from the worker's status file, or [] for anything else."""
    return [_text(s, 100) for s in value if isinstance(s, str)] if isinstance(value, list) else []


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
    refused = results.get("refused", [])
    if not isinstance(checks, dict) or not isinstance(errors, list) or not isinstance(refused, list):
        raise ValueError("checks, cell_errors or refused of the wrong type")
    clean_checks = {}
    for name, status in checks.items():
        if not isinstance(status, dict) or not isinstance(status.get("ok"), bool):
            raise ValueError(f"check {name!r} has no ok flag")
        clean_checks[name] = {"ok": status["ok"], "error": _text(status.get("error", "")),
                              "where": _text(status.get("where", ""), 100)}
    clean_errors = [{"label": _text(e.get("label", ""), 100), "grade_id": e.get("grade_id") if isinstance(
        e.get("grade_id"), str) else None, "error": _text(e.get("error", ""))} for e in errors if isinstance(e, dict)]
    clean_refused = [(_text(r[0], 100), _text(r[1], 300)) for r in refused[:20]
                     if isinstance(r, (list, tuple)) and len(r) == 2]
    return {"checks": clean_checks, "cell_errors": clean_errors, "unisolated": _text(results.get("unisolated", "")),
            "refused": clean_refused}


def make_inputs(question: Question, rng_seed: int, q_index: int) -> dict:
    """The inputs of every check of a question, from the run's seed."""
    return {check.name: check.make_inputs(np.random.default_rng([rng_seed, q_index, c_index]))
            for c_index, check in enumerate(question.checks)}


def touched_problems(question: Question, cell_problems: dict) -> list[str]:
    return [cell_problems[g] for g in (*question.solution_cells, question.grade_id) if g in cell_problems]


def _check_message(check: Check, status: dict | None, output, expected, inputs: dict,
                   problem: str) -> tuple[str, float]:
    """("", 1) when the check passed, else (what a student should read about it, the share of its
    points still earned: the part of the result that is right)."""
    if status is None:
        return problem or "not reached", 0.0
    if not status["ok"]:
        return status["error"] + (f" ({status['where']})" if status.get("where") else ""), 0.0
    sizes = check.sizes(inputs) if check.sizes else None
    try:
        verdict = check.compare(output, expected, sizes) if check.compare else None
    except Exception as exc:  # an odd student value must not crash the grader
        return f"could not compare the result ({type(exc).__name__}: {exc})", 0.0
    if not verdict:
        return "", 1.0
    return str(verdict), min(max(float(getattr(verdict, "credit", 0.0)), 0.0), 1.0)


def _grade_pass(spec, question, inputs, results, outputs, problem, prefix: str = "") -> list[CheckResult]:
    """Score every check of one pass ("" = the student's own functions, "ref:" = the reference
    versions of the functions the question builds on)."""
    reference = reference_namespace(spec.name)
    checks = []
    for check in question.checks:
        key = prefix + check.name
        status = results["checks"].get(key)
        expected = check.call(reference, copy.deepcopy(inputs[check.name])) if status and status["ok"] else None
        msg, credit = _check_message(check, status, outputs.get(key), expected, inputs[check.name], problem)
        checks.append(CheckResult(check.name, check.points, round(check.points * credit, 2), msg or "passed"))
    return checks


def _pass_message(question: Question, checks: list[CheckResult]) -> list[str]:
    """Every failed check named with what is wrong, then the hints its pass/fail pattern gives."""
    failed = [c for c in checks if c.message != "passed"]
    if not failed:
        return []
    # one example entry is enough for a question: later checks name what is wrong without one,
    # and a check that fails the same way as an earlier one says so
    texts = [c.message if i == 0 else c.message.split("; e.g. ")[0] for i, c in enumerate(failed)]
    seen: list[str] = []
    for i, text in enumerate(texts):
        bare = text.split("; e.g. ")[0]
        texts[i] = "wrong in the same way" if bare in seen else text
        seen.append(bare)
    messages = [f"{c.name}: {t}" if len(question.checks) > 1 else t for c, t in zip(failed, texts)]
    edges = [(check.edge, result.message == "passed") for check, result in zip(question.checks, checks)]
    return messages + question_hints(edges, said=" ".join(messages))


def grade_question(spec: Assignment, question: Question, inputs: dict, outcome, problems: list[str]) -> QuestionResult:
    """Score one question from the student's outcome (results, outputs, problem) and the reference.

    A question that builds on earlier answers is scored twice, with the student's own earlier
    functions and with the reference ones, and the better score counts (one bug, one charge)."""
    if problems:
        return QuestionResult(question.grade_id, question.title, 0.0, question.points, "; ".join(problems),
                              [CheckResult(c.name, c.points, 0.0, "not run") for c in question.checks])
    results, outputs, problem = outcome
    checks = _grade_pass(spec, question, inputs, results, outputs, problem)
    messages = _pass_message(question, checks)
    own = sum(c.score for c in checks)
    if question.builds_on and own < question.points and any(k.startswith("ref:") for k in results["checks"]):
        with_ref = _grade_pass(spec, question, inputs, results, outputs, problem, prefix="ref:")
        better = sum(c.score for c in with_ref)
        used = question.builds_on[0] if len(question.builds_on) == 1 else \
            ", ".join(question.builds_on[:-1]) + " and " + question.builds_on[-1]
        if better > own:
            checks = with_ref
            messages = [f"graded with the reference {used} in place of yours, which scores {better:g} "
                        f"(your own gave {own:g}): a mistake there costs points in its own question only"] + \
                _pass_message(question, with_ref)
        else:
            messages.append(f"(also graded with the reference {used} in place of yours: no better)")
    cell_errors = {e["grade_id"]: e["error"] for e in results.get("cell_errors", []) if e.get("grade_id")}
    for gid in question.solution_cells:
        if gid in cell_errors and cell_errors[gid] not in " ".join(messages):
            messages.insert(0, f"cell '{gid}' raised {cell_errors[gid]}")
    score = round(float(sum(c.score for c in checks)), 2)
    message = "all checks passed" if not messages else "; ".join(messages)
    return QuestionResult(question.grade_id, question.title, score, question.points, message, checks)


def _grade_or_explain(spec, question, inputs, outcome, problems) -> QuestionResult:
    """grade_question, with anything unexpected turned into a 0 and a message instead of a crash."""
    try:
        return grade_question(spec, question, inputs, outcome, problems)
    except Exception as exc:
        return QuestionResult(question.grade_id, question.title, 0.0, question.points,
                              f"could not be graded ({type(exc).__name__}: {_text(str(exc), 200)})")


SUBMITTED = "submitted"      # nbgrader's folder of submissions: submitted/<student>/<assignment>/<notebook>


def student_name(path: Path, root: Path | None = None) -> str:
    """Who submitted, from the path below the graded folder `root`: the folder after nbgrader's
    submitted/; else, in <student>/<hwNN>/<file>, the folder above the assignment folder; else the
    file's name without its extension."""
    path = Path(path).resolve()
    parts = path.parts[:-1]
    if SUBMITTED in parts and parts.index(SUBMITTED) + 1 < len(parts):
        return parts[parts.index(SUBMITTED) + 1]
    inside = path.parent.relative_to(root.resolve()).parts if root and path.is_relative_to(root.resolve()) else ()
    if len(inside) >= 2 and ASSIGNMENT_NAME.match(inside[-1].lower()):
        return inside[-2]
    return path.stem


def grade_notebook(path: str | os.PathLike, assignment: str | None = None, seed: int | None = None,
                   limits: tuple[float, float] | None = None, server: WorkerServer | None = None,
                   student: str | None = None) -> Report:
    """Grade one submission. Raises ValueError only when it cannot tell which assignment it is.

    seed: of the inputs (default: the assignment's fixed seed). limits: (seconds per cell, seconds
    per question) instead of the assignment's own. server: a warm worker to use (else one is started).
    student: who submitted (default: from the path, see `student_name`).
    """
    path = Path(path)
    nb, read_problem = None, ""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:
        read_problem = f"the submission is not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})"
    name = assignment or identify_assignment(nb, path)
    if name is None:
        raise ValueError(f"cannot tell which assignment {path.name} is: pass --assignment hwNN")
    spec = load_assignment(name)
    seed = spec.seed if seed is None else int(seed)
    student = student or student_name(path)
    if nb is None:
        questions = [QuestionResult(q.grade_id, q.title, 0.0, q.points, read_problem) for q in spec.questions]
        return Report(str(path), name, seed, 0.0, _max(spec), questions, [read_problem], student)
    _, cell_problems, notes = _cell_problems(nb, spec)
    blocked = {i: touched_problems(q, cell_problems) for i, q in enumerate(spec.questions)}
    inputs = {i: make_inputs(q, seed, i) for i, q in enumerate(spec.questions) if not blocked[i]}
    reference_namespace(spec.name)     # everything the grader imports is imported before any student code runs
    outcomes = run_submission(spec, _student_cells(nb, spec), inputs, limits, server) if inputs else {}
    questions = [_grade_or_explain(spec, q, inputs.get(i, {}), outcomes.get(i), blocked[i])
                 for i, q in enumerate(spec.questions)]
    used = {g for q in spec.questions for g in (*q.solution_cells, q.grade_id)}
    problems = notes + [p for g, p in cell_problems.items() if g not in used]
    problems += _refusal_notes(outcomes)
    skipped = sorted({_text(label, 100) for outcome in outcomes.values() for label in outcome[0].get("skipped", [])})
    unisolated = sorted({outcome[0].get("unisolated") for outcome in outcomes.values()} - {"", None})
    problems += [f"grader: the student's code ran without the namespace sandbox on this machine ({why}); "
                 "only the Python-level guard applied" for why in unisolated[:1]]
    clock = "wall" if any(outcome[0].get("clock") == "wall" for outcome in outcomes.values()) else "cpu"
    seconds = (limits or (spec.cell_seconds,))[0]
    limit = limit_text(seconds, clock) + (f" (or {WALL_BACKSTOP * seconds:g} s of wall-clock time)" if clock == "cpu"
                                          else "")
    problems += [f"cell '{label}' ran past the limit of {limit} per cell and could not be interrupted (does it "
                 f"catch every exception?); it was skipped for every question" for label in skipped]
    slow = sorted({label for outcome in outcomes.values() for label in outcome[0].get("slow", [])})
    problems += [f"cell '{label}' ran past the limit of {limit} per cell and was stopped; it was skipped for "
                 "the later questions (it is not an answer cell: move long experiments out of the notebook "
                 "you hand in, or make them faster)" for label in slow]
    return Report(str(path), name, seed, round(float(sum(q.score for q in questions)), 2), _max(spec), questions,
                  problems, student)


def _refusal_notes(outcomes: dict) -> list[str]:
    """One note per action the guard refused, with the cell that tried it (once, whatever the question)."""
    seen: list[tuple[str, str]] = []
    for outcome in outcomes.values():
        for label, message in outcome[0].get("refused", []):
            if (label, message) not in seen:
                seen.append((label, message))
    return [f"refused: {'cell ' + repr(label) if label != 'a check' else 'while a check ran'} tried something "
            f"the grader does not allow ({message})" for label, message in seen[:10]]


class Grader:
    """Grade many submissions with `jobs` warm workers, one submission per worker at a time."""

    def __init__(self, jobs: int = 2):
        self.jobs = max(1, int(jobs))
        self._local = threading.local()
        self._servers: list[WorkerServer] = []

    def _server(self) -> WorkerServer:
        if not hasattr(self._local, "server"):
            self._local.server = WorkerServer()
            with _LOCK:
                self._servers.append(self._local.server)
        return self._local.server

    def grade(self, path, **kwargs) -> Report:
        return grade_notebook(path, server=self._server(), **kwargs)

    def grade_paths(self, paths, root: Path | None = None, **kwargs):
        """Yield (path, Report or the exception it raised), in the order of `paths`; students are
        named from each path below the graded folder `root` (see `student_name`)."""
        def one(path):
            try:
                return path, self.grade(path, student=student_name(path, root), **kwargs)
            except Exception as exc:  # reported by the caller, in order
                return path, exc

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            yield from pool.map(one, paths)

    def close(self) -> None:
        for server in self._servers:
            server.close()
        self._servers.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _max(spec: Assignment) -> float:
    return float(sum(q.points for q in spec.questions))
