"""Runs the student's code, one forked process per question, and sends back only data.

    python -m course_utils.grading.worker JOB_DIR

Reads JOB_DIR/job.json and JOB_DIR/inputs_<q>.{json,npz}. For each question it forks a child
that executes the submission's code cells in a fresh namespace (each cell under an alarm), runs
the question's checks and writes JOB_DIR/results_<q>.{json,npz} after every check, so checks
finished before a crash or a time-out still count; the parent kills a child that runs past the
question's limit and records how it ended in status_<q>.json. Nothing here decides a score: the
grader compares the results with the reference in its own process.
"""
from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path


class CellTimeout(BaseException):
    """Raised by the alarm when one cell or one check runs past its limit."""


def _on_alarm(signum, frame):
    raise CellTimeout()


def strip_magics(source: str) -> str:
    """Comment out IPython magics and shell escapes (%…, !…), which plain Python cannot compile."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append(("# " + line) if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


def describe(exc: BaseException) -> str:
    """One line naming the error as a student would read it."""
    if isinstance(exc, NotImplementedError):
        return "not implemented yet (the code still raises NotImplementedError)"
    if isinstance(exc, CellTimeout):
        return "ran past its time limit (an infinite loop, or far too slow)"
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r}), which a graded answer must not do"
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) < 300 else text[:297] + "..."


def run_cells(cells: list[dict], seconds: float) -> tuple[dict, list[dict]]:
    """Execute cells in one namespace, each under an alarm; return (namespace, per-cell errors)."""
    namespace = {"__name__": "__main__"}
    errors = []
    for cell in cells:
        try:
            code = compile(strip_magics(cell["source"]), f"<cell {cell['label']}>", "exec")
        except SyntaxError as exc:
            errors.append({"label": cell["label"], "grade_id": cell.get("grade_id"),
                           "error": f"SyntaxError: {exc.msg} (line {exc.lineno})"})
            continue
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            exec(code, namespace)
        except BaseException as exc:  # a student's cell may raise anything, SystemExit included
            errors.append({"label": cell["label"], "grade_id": cell.get("grade_id"), "error": describe(exc)})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return namespace, errors


def run_question(job: dict, spec, q_index: int, inputs: dict, out: Path) -> None:
    """In a forked child: run the student's cells, then question q_index's checks; save after each."""
    from . import transport

    question = spec.questions[q_index]
    signal.signal(signal.SIGALRM, _on_alarm)
    namespace, cell_errors = run_cells(job["cells"], job["cell_seconds"])
    results, outputs = {"cell_errors": cell_errors, "checks": {}}, {}
    transport.save(out, results, outputs)
    for check in question.checks:
        signal.setitimer(signal.ITIMER_REAL, job["cell_seconds"])
        try:
            outputs[check.name] = check.call(namespace, inputs[check.name])
            results["checks"][check.name] = {"ok": True}
        except BaseException as exc:
            results["checks"][check.name] = {"ok": False, "error": describe(exc), "where": _student_frame(exc)}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            transport.save(out, results, outputs)
        except Exception as exc:  # a result that cannot be stored counts as a wrong result
            outputs.pop(check.name, None)
            results["checks"][check.name] = {"ok": False, "error": f"the result could not be stored ({exc})"}
            transport.save(out, results, outputs)


def wait_with_limit(pid: int, seconds: float) -> str:
    """Wait for a child; kill it past `seconds`. Returns 'ok', 'timeout' or how it ended."""
    deadline = time.monotonic() + seconds
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            if os.WIFEXITED(status):
                code = os.WEXITSTATUS(status)
                return "ok" if code == 0 else f"exit code {code}"
            return f"killed by signal {os.WTERMSIG(status)}"
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.01)


def main(job_dir: str) -> None:
    """Fork server: import the heavy modules once, then one fresh child process per question."""
    from . import transport

    job_dir = Path(job_dir)
    job = json.loads((job_dir / "job.json").read_text())
    spec = importlib.import_module(f"course_utils.grading.assignments.{job['assignment']}").ASSIGNMENT
    for name in job.get("preload", []):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    try:  # warm up what a homework's setup cell does (torch's first determinism call alone takes ~1 s)
        from course_utils import setup

        setup()
    except Exception:
        pass
    for q_index in job["questions"]:
        _, inputs = transport.load(job_dir / f"inputs_{q_index}")
        pid = os.fork()
        if pid == 0:  # the child: the student's code runs only here
            code = 0
            try:
                run_question(job, spec, q_index, inputs, job_dir / f"results_{q_index}")
            except BaseException:
                code = 3
            os._exit(code)
        status = wait_with_limit(pid, job["question_seconds"])
        (job_dir / f"status_{q_index}.json").write_text(json.dumps({"status": status}))


def _student_frame(exc: BaseException) -> str:
    """The last traceback line that points into the student's cells, if any."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<cell")]
    return f"{frames[-1].filename} line {frames[-1].lineno}" if frames else ""


if __name__ == "__main__":
    # The student's prints and warnings go nowhere: they must never change a score.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = open(os.devnull, "w")
    sys.stderr = open(os.devnull, "w")
    main(sys.argv[1])
