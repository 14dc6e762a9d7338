"""Runs the student's code, one forked process per question, and sends back only data.

    python -m course_utils.grading.worker JOB_DIR        # one job
    python -m course_utils.grading.worker --serve IN OUT  # job folders one per line on fd IN, "done" on fd OUT

The serving form stays warm for a whole folder of submissions: it imports numpy, torch and
course_utils once, and every question of every submission is still a fresh forked child with
all the isolation below (the child closes the serving pipes first).

Reads JOB_DIR/job.json and JOB_DIR/inputs_<q>.{json,npz}. For each question it forks a child
that executes the submission's code cells in a fresh namespace (each cell under an alarm), runs
the question's checks and writes JOB_DIR/results_<q>.{json,npz} after every check, so checks
finished before a crash or a time-out still count. The parent watches the child's progress: it
kills a child that runs past the question's limit, and a child stuck in one cell that ignores the
alarm (by catching it); that cell is then skipped for this and every later question. How each
question ended goes to status_<q>.json. Nothing here decides a score: the grader compares the
results with the reference in its own process.

The limits count CPU time (user + system, all threads), so that the same notebook gets the same
score on an idle and on a busy machine: the alarm is ITIMER_PROF, set in the child itself, and the
parent reads the CPU time the student's process (and, for a question's checks, the oracle serving
it) has used from /proc/<pid>/stat; the supervisor tells it their process ids on a pipe the
student's code never holds. Wall-clock time gets `spec.WALL_BACKSTOP` times the limits, which ends
code that sleeps or waits. Without /proc (macOS) every limit is wall-clock time, as it was.

Two layers keep the student's code in its place:
- `sandbox.isolate` (Linux user, mount and PID namespaces, no privileges needed): the file system
  is read-only except the job folder, solutions/ and .git/ of the checkout are covered by empty
  mounts, and the student's process is process 1 of its own PID namespace, so it can signal
  nothing outside, and everything it starts dies with it. A supervisor process between the fork
  server and the student's process builds it and passes on how the student's process ended.
  Where the machine does not allow it, grading goes on without it and the report says so.
- an audit hook, which Python cannot remove, refuses reading the reference solutions, starting
  programs and writing into the checkout with a message a student can read.
Every action the guard refuses is logged with the cell that tried it, and the report names it.
A question that builds on earlier answers (`Question.builds_on`) runs its checks a second time
with the reference versions of those functions in place of the student's: stubs that pass their
arguments as data to an `oracle` process, which the supervisor starts before the sandbox closes,
so the reference code itself never enters the student's process.
A check can also insist that the answer leaves its inputs unchanged, and an assignment can insist
that answers run only their own code (not torch or course_utils), which a profile hook enforces
while the check runs. These two rules are nudges against honest mistakes: code in the same
process can get around them.
"""
from __future__ import annotations

import copy
import importlib
import io
import json
import os
import resource
import signal
import sys
import tempfile
import threading
import time
import tokenize
import traceback
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from . import sandbox
from .paths import course_root
from .spec import WALL_BACKSTOP

_deepcopy, _array_equal = copy.deepcopy, np.array_equal   # bound now: a student may patch the modules
_setitimer = signal.setitimer

READ_GUARDED = ("solutions", ".git")            # where the reference answers live
SPAWN_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                          "os.forkpty", "pty.spawn"})
PATH_EVENTS = frozenset({"os.remove", "os.rmdir", "os.rename", "os.link", "os.symlink", "os.truncate", "os.chmod",
                         "os.chown", "shutil.rmtree", "shutil.move", "os.mkdir", "os.utime"})
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
MEMORY_HEADROOM = 4 << 30                       # bytes of address space a question may add to the worker's
GRADER = __package__ or "course_utils.grading"
NO_SANDBOX = "COURSE_GRADER_NO_SANDBOX"          # set (to anything) to grade without the namespaces
GRACE_SECONDS = 2.0                             # how long past the alarm the parent waits before it kills
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100   # the unit of /proc's CPU times


def cpu_seconds(pid: int, parent: int | None = None) -> float | None:
    """The CPU time (user + system, all its threads) process `pid` has used so far, from
    /proc/<pid>/stat; None when there is no such process, or it is not `parent`'s child (its id
    was reused), or no /proc (not Linux)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()   # after the command name, which may hold spaces
        if parent is not None and int(fields[1]) != parent:
            return None
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime and stime (fields 14 and 15)
    except (OSError, IndexError, ValueError):
        return None


CPU_CLOCK = cpu_seconds(os.getpid()) is not None   # else (macOS) every limit counts wall-clock time


class CellTimeout(BaseException):
    """Raised by the alarm when one cell or one check runs past its limit; `wall` when it was the
    wall-clock backstop that rang, not the CPU limit."""

    def __init__(self, wall: bool = False):
        super().__init__()
        self.wall = wall


class GraderRule(PermissionError):
    """A rule of the grader broken by the answer (reading the solutions, calling forbidden code...)."""


class _Refusals:
    """What the guard refused, with the cell that tried it: [(label, message)], for the report."""
    cell = ""
    log: list = []


def _refuse(message: str) -> GraderRule:
    if len(_Refusals.log) < 20 and (_Refusals.cell, message) not in _Refusals.log:
        _Refusals.log.append((_Refusals.cell, message))
    return GraderRule(message)


def _under(path, folders: tuple[str, ...]) -> bool:
    if isinstance(path, int) or path is None:
        return False
    try:
        real = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return False
    return any(real == f or real.startswith(f + os.sep) for f in folders)


def guard_checkout(root: Path | None = None, work_dir: Path | None = None) -> None:
    """From now on this process may not read the reference solutions, start programs, change the
    course checkout, or write outside `work_dir` (where it writes its results). An audit hook
    cannot be removed, so student code cannot switch this off. Each refusal is logged."""
    root = root or course_root()
    readable_not = tuple(os.path.realpath(root / d) for d in READ_GUARDED)
    checkout = (os.path.realpath(root),)
    own = (os.path.realpath(work_dir),) if work_dir is not None else ()
    devices = ("/dev", "/proc")

    def changes_checkout(path) -> bool:
        return _under(path, checkout) and not _under(path, own)

    def outside_job(path) -> bool:
        return bool(own) and not isinstance(path, int) and path is not None and \
            not _under(path, own) and not _under(path, devices)

    def hook(event: str, args: tuple) -> None:
        if event in SPAWN_EVENTS:
            raise _refuse("a graded notebook may not start other programs or processes")
        if event == "open" and args:
            path, mode, flags = (tuple(args) + (None, None))[:3]
            if _under(path, readable_not):
                raise _refuse(f"a graded notebook may not read {os.fsdecode(path)} (the reference solutions)")
            writes = (isinstance(mode, str) and any(m in mode for m in "wax+")) or \
                     (isinstance(flags, int) and flags & WRITE_FLAGS)
            if writes and changes_checkout(path):
                raise _refuse(f"a graded notebook may not write {os.fsdecode(path)} (the course's files)")
            if writes and outside_job(path):
                raise _refuse(f"a graded notebook may not write {os.fsdecode(path)} (outside its own folder)")
        elif event in PATH_EVENTS and any(changes_checkout(a) or outside_job(a)
                                          for a in args[:2] if isinstance(a, (str, bytes))):
            raise _refuse(f"a graded notebook may not change files outside its own folder ({event})")

    sys.addaudithook(hook)


def limit_memory(headroom: int = MEMORY_HEADROOM) -> None:
    """Cap this process's address space, so one huge allocation fails with MemoryError instead of
    pushing the grading machine out of memory."""
    try:
        with open("/proc/self/status") as f:
            size_kb = next(int(line.split()[1]) for line in f if line.startswith("VmSize:"))
        limit = size_kb * 1024 + headroom
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))     # the hard limit too: no raising it back
    except (OSError, ValueError, StopIteration):
        pass  # no /proc or no permission: run without the cap


def changed_inputs(before, after, path: str = "") -> list[str]:
    """Names of the inputs (dict keys, tuple positions) whose values differ between two copies."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [p for k in before for p in changed_inputs(before[k], after.get(k), f"{path}[{k!r}]" if path else k)]
    if isinstance(before, (tuple, list)) and isinstance(after, (tuple, list)) and len(before) == len(after):
        return [p for i, (b, a) in enumerate(zip(before, after)) for p in changed_inputs(b, a, f"{path}[{i}]")]
    if isinstance(before, np.ndarray):
        same = (isinstance(after, np.ndarray) and before.shape == after.shape
                and _array_equal(before, after, equal_nan=True))
        return [] if same else [path or "input"]
    return [] if type(before) is type(after) and before == after else [path or "input"]


def _module_of(frame_or_fn) -> str:
    """The module a frame really runs in, or a C function belongs to. A frame counts as a module's
    only if its globals are that module's own dict: code run with a borrowed name
    (exec(..., {"__name__": "course_utils.lstm"})) is the student's own."""
    if hasattr(frame_or_fn, "f_globals"):
        name = frame_or_fn.f_globals.get("__name__", "")
        module = sys.modules.get(name) if isinstance(name, str) else None
        return name if module is not None and getattr(module, "__dict__", None) is frame_or_fn.f_globals else ""
    module = getattr(frame_or_fn, "__module__", None)
    return module if isinstance(module, str) else type(getattr(frame_or_fn, "__self__", None)).__module__


class _Watch:
    """State the audit hook of `own_code_only` reads: is a check being watched, was the watch touched."""
    active = False
    tampered = False


def _watch_audit(event: str, args) -> None:
    if _Watch.active and event in ("sys.setprofile", "sys.settrace"):
        _Watch.tampered = True


@contextmanager
def own_code_only(foreign: tuple[str, ...], allowed: frozenset):
    """Run the body under a profile hook that notes the first call from code outside the `foreign`
    packages (torch, course_utils, ...) into them, other than to an `allowed` function
    ('module.name'); raise GraderRule after. What foreign code calls inside itself is its own
    business, so an allowed function may use the rest of its package. Threads started by the
    threading module are watched too, and changing the profile or trace hook during the check
    counts as switching the watch off."""
    if not foreign:
        yield
        return
    found: list[str] = []

    def is_foreign(module: str) -> bool:
        return module.split(".")[0] in foreign and not module.startswith(GRADER)

    def profile(frame, event, arg):
        if found:
            return
        if event == "call":
            module, name = _module_of(frame), frame.f_code.co_name
            if not is_foreign(module) or name == "<module>" or f"{module}.{name}" in allowed:
                return                               # (imports run module bodies: not a call of the answer's)
            if frame.f_back is None or not is_foreign(_module_of(frame.f_back)):
                found.append(f"{module}.{name}")
        elif event == "c_call" and is_foreign(_module_of(arg)) and not is_foreign(_module_of(frame)):
            found.append(f"{_module_of(arg)}.{getattr(arg, '__name__', '?')}")

    if not getattr(_watch_audit, "installed", False):
        sys.addaudithook(_watch_audit)
        _watch_audit.installed = True
    threading.setprofile(profile)
    sys.setprofile(profile)
    _Watch.active, _Watch.tampered = True, False
    failure = None
    try:
        yield
    except BaseException as exc:   # a forbidden call is named even when the answer then failed
        failure = exc
    finally:
        _Watch.active = False
        still_on = sys.getprofile() is profile and not _Watch.tampered
        sys.setprofile(None)
        threading.setprofile(None)
    if not still_on:
        raise GraderRule("the answer switched off the grader's call monitor")
    if found:
        raise GraderRule(f"the answer calls {found[0]}; this homework asks for your own numpy code, "
                         f"not a call into {' or '.join(foreign)}")
    if failure is not None:
        raise failure


def _on_alarm(signum, frame):
    raise CellTimeout(wall=CPU_CLOCK and signum == signal.SIGALRM)


def _arm(seconds: float) -> None:
    """Start the alarm of one cell or check (0 stops it): after `seconds` of this process's CPU time
    (SIGPROF), or WALL_BACKSTOP times as long on the wall clock (SIGALRM), whichever comes first;
    without the CPU clock, after `seconds` on the wall clock."""
    if CPU_CLOCK:
        _setitimer(signal.ITIMER_PROF, seconds)
        _setitimer(signal.ITIMER_REAL, seconds * WALL_BACKSTOP)
    else:
        _setitimer(signal.ITIMER_REAL, seconds)


def limit_text(seconds: float, clock: str | None = None) -> str:
    """A time limit as a report names it: '20 CPU seconds', or '20 s' where the wall clock counts
    (`clock` "cpu" or "wall"; by default, the clock of this machine)."""
    clock = clock or ("cpu" if CPU_CLOCK else "wall")
    return f"{seconds:g} CPU seconds" if clock == "cpu" else f"{seconds:g} s"


def _open_statement(lines: list[str]) -> bool:
    """Whether `lines` end inside an unfinished statement (open bracket, string or line continuation)."""
    try:
        for _ in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
            pass
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return True
    return bool(lines) and lines[-1].rstrip().endswith("\\")


def strip_magics(source: str) -> str:
    """Comment out IPython magics and shell escapes (%…, !…), which plain Python cannot compile.

    As in IPython, only a line that starts a statement is a magic: a `%` or `!` that begins a line
    inside brackets (a wrapped `%` format or `!=`) is Python and stays."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        magic = stripped.startswith(("%", "!")) and not _open_statement(lines)
        lines.append(("# " + line) if magic else line)
    return "\n".join(lines)


def describe(exc: BaseException) -> str:
    """One line naming the error as a student would read it."""
    if isinstance(exc, NotImplementedError):
        return "not implemented yet (the code still raises NotImplementedError)"
    if isinstance(exc, CellTimeout) and exc.wall:
        return "ran past the wall-clock backstop of its time limit (does it sleep, or wait for something?)"
    if isinstance(exc, CellTimeout):
        return "ran past its time limit (an infinite loop, or far too slow)"
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r}), which a graded answer must not do"
    if isinstance(exc, GraderRule):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "ran out of memory (MemoryError): the grader caps each question's memory"
    if isinstance(exc, NameError):
        return (f"NameError: {exc} (the grader does not run the test cells: import and define everything "
                "your functions need in your own cells)")
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) < 300 else text[:297] + "..."


def run_cells(cells: list[dict], seconds: float, skip: tuple[str, ...] = (),
              report=lambda label: None) -> tuple[dict, list[dict]]:
    """Execute cells in one namespace, each under an alarm; return (namespace, per-cell errors).

    Each cell may use `seconds` of CPU time (see `_arm`). Cells labelled in `skip` are not run (an
    earlier run got stuck in them, or ran out of time); `report(label)` is called before each cell,
    so the parent can see where the child is, and `report(SLOW + label)` after a cell the alarm
    stopped.
    """
    namespace = {"__name__": "__main__"}
    errors = []
    arm = _arm                              # bound before student code runs
    for cell in cells:
        where = {"label": cell["label"], "grade_id": cell.get("grade_id")}
        if cell["label"] in skip:
            errors.append({**where, "error": f"skipped: it ran past its limit of {limit_text(seconds)} and "
                                             "ignored the alarm"})
            continue
        try:
            code = compile(strip_magics(cell["source"]), f"<cell {cell['label']}>", "exec")
        except SyntaxError as exc:
            errors.append({**where, "error": f"SyntaxError: {exc.msg} (line {exc.lineno})"})
            continue
        report(cell["label"])
        _Refusals.cell = cell["label"]
        arm(seconds)
        try:
            exec(code, namespace)
        except BaseException as exc:  # a student's cell may raise anything, SystemExit included
            errors.append({**where, "error": describe(exc)})
            if isinstance(exc, CellTimeout):
                report(SLOW + cell["label"])
        finally:
            arm(0)
    return namespace, errors


def run_check(check, spec, namespace: dict, inputs: dict, _monitor=None):
    """One check's call on the student's namespace, under the assignment's rules."""
    before = _deepcopy(inputs) if check.keeps_inputs else None
    with (_monitor or own_code_only)(spec.foreign, spec.allowed):
        result = check.call(namespace, inputs)
    if before is not None:
        changed = changed_inputs(before, inputs)
        if changed:
            raise GraderRule(f"the answer changed its input {', '.join(changed)} in place; the question asks "
                             "to leave the inputs as they were and return new arrays")
    return result


def run_question(job: dict, spec, q_index: int, inputs: dict, out: Path, skip: tuple[str, ...] = (),
                 report=lambda label: None, unisolated: str = "", oracle: tuple[int, int] | None = None) -> None:
    """In a forked child: run the student's cells, then question q_index's checks; save after each.
    With `oracle` (the pipe to the reference functions the question builds on: write fd, read fd)
    the checks run once more with stubs of those functions in place of the student's; their
    results are saved under "ref:<check name>". `unisolated` says why the namespace sandbox could
    not be built ("" when it was)."""
    from . import transport

    question = spec.questions[q_index]
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGPROF, _on_alarm)
    os.chdir(out.parent)                          # the notebook's own folder, as Jupyter would run it
    os.environ["TMPDIR"] = str(out.parent)        # temporary files go where writing is allowed
    tempfile.tempdir = None
    limit_memory()
    guard_checkout(work_dir=out.parent)
    checker, monitor, refusals = run_check, own_code_only, _Refusals.log   # bound before student code runs
    with_reference, arm = _with_reference, _arm
    namespace, cell_errors = run_cells(job["cells"], job["cell_seconds"], skip, report)
    _Refusals.cell = "a check"
    results, outputs = {"cell_errors": cell_errors, "checks": {}, "unisolated": unisolated, "refused": refusals}, {}
    transport.save(out, results, outputs)
    for prefix in ("", "ref:") if oracle else ("",):
        # the second pass puts the reference stubs in (in place): only after the first has run
        ns = namespace if not prefix else with_reference(namespace, oracle, job["cell_seconds"])
        if ns is None:
            break
        for check in question.checks:
            key = prefix + check.name
            report("")                                    # not in a cell: a stuck check is a question time-out
            arm(job["cell_seconds"])
            try:
                outputs[key] = checker(check, spec, ns, inputs[check.name], monitor)
                results["checks"][key] = {"ok": True}
            except BaseException as exc:
                results["checks"][key] = {"ok": False, "error": describe(exc), "where": _student_frame(exc)}
            finally:
                arm(0)
            results["refused"] = [list(r) for r in refusals]
            try:
                transport.save(out, results, outputs)
            except Exception as exc:  # a result that cannot be stored counts as a wrong result
                outputs.pop(key, None)
                results["checks"][key] = {"ok": False, "error": f"the result could not be stored ({exc})"}
                transport.save(out, results, outputs)


def _oracle_stub(name: str, oracle: tuple[int, int]):
    """A function that asks the oracle process to run the reference `name` on its arguments."""
    from . import transport

    write_fd, read_fd = oracle

    def stub(*args, **kwargs):
        transport.send(write_fd, {"name": name}, {"args": list(args), "kwargs": kwargs})
        payload, values = transport.receive(read_fd)
        if "error" in payload:
            raise RuntimeError(f"the reference {name} could not run on the arguments your code gave it "
                               f"({payload['error']})")
        return values["result"]

    stub.__name__ = stub.__qualname__ = name
    return stub


def _with_reference(namespace: dict, oracle: tuple[int, int], seconds: float) -> dict | None:
    """The student's namespace with stubs of the oracle's reference functions in place of the
    student's (changed in place: the student's functions look their helpers up in it). None when
    the oracle serves nothing. The wait for the oracle's start uses no CPU time of this process: under
    the CPU clock only the wall-clock backstop can end it, so a busy machine cannot lose the pass."""
    from . import transport

    _arm(seconds)
    try:
        payload, _ = transport.receive(oracle[1])
    except BaseException:  # no oracle (no solutions here, or it failed): no second pass
        return None
    finally:
        _arm(0)
    names = [n for n in payload.get("names", []) if isinstance(n, str)]
    if not names:
        return None
    namespace.update({name: _oracle_stub(name, oracle) for name in names})
    return namespace


def _exit_status(status: int) -> str:
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        return "ok" if code == 0 else f"exit code {code}"
    return f"killed by signal {os.WTERMSIG(status)}"


def _end_like(status: int) -> None:
    """End this process the way the child with wait status `status` ended (exit code or signal)."""
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 3)


SLOW = "!slow "        # a progress line that names a cell the alarm stopped (no label starts with "!")


class _Usage:
    """CPU seconds used so far by the student's process, and by it and the oracle serving it together,
    read from /proc. A process that has ended keeps its last reading."""

    def __init__(self, supervisor: int, student: int, oracle: int):
        self.supervisor, self.pids, self.last = supervisor, (student, oracle), {}

    def _of(self, pid: int) -> float:
        now = cpu_seconds(pid, self.supervisor) if pid else None
        if now is not None:
            self.last[pid] = now
        return self.last.get(pid, 0.0)

    def student(self) -> float:
        return self._of(self.pids[0])

    def question(self) -> float:
        return self._of(self.pids[0]) + self._of(self.pids[1])


def watch(pid: int, progress_fd: int, seconds: float, cell_seconds: float,
          pids: tuple[int, int] | None = None) -> tuple[str, str | None, list[str]]:
    """Wait for a child, reading the labels it reports before each cell (and "" when its checks
    begin). Kill it when its checks run past `seconds` ('timeout'; the cells have their own limit
    each), or when one cell runs past `cell_seconds` plus a grace period, i.e. the cell ignored the
    alarm ('stuck', label). Returns (how it ended, the stuck cell, the cells the alarm stopped).

    With `pids` (the student's process and the oracle's, 0 for none) and the CPU clock, the limits
    count CPU time: a cell's, the student's process; the checks', also the oracle's from the moment
    they begin, since it computes the reference functions on the student's behalf: work the
    student's code asks for, the same on any machine, and a check must not hide a loop there (the
    student's process only waits meanwhile). The rest of the oracle's start-up (about 2 CPU seconds)
    may fall in that time too. The wall clock allows WALL_BACKSTOP times as much ('backstop' when
    that ends the checks). Without them, the limits count wall-clock time."""
    os.set_blocking(progress_fd, False)
    usage = _Usage(pid, *pids) if CPU_CLOCK and pids else None
    factor = WALL_BACKSTOP if usage else 1
    start = time.monotonic()
    # until the checks begin, the cells' own limits rule
    deadline = start + factor * (seconds + 1000 * cell_seconds)
    label, since, since_cpu, checks_cpu, pending, checks, slow = "", start, 0.0, 0.0, b"", False, []
    while True:
        try:
            chunk = os.read(progress_fd, 65536)
        except BlockingIOError:
            chunk = b""
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in (raw.decode("utf-8", "replace") for raw in lines):
            if line.startswith(SLOW):
                slow.append(line[len(SLOW):])
                continue
            label, since = line, time.monotonic()
            since_cpu = usage.student() if usage and label else 0.0
            if line == "" and not checks:
                checks, deadline = True, since + factor * seconds
                checks_cpu = usage.question() if usage else 0.0
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return _exit_status(status), None, slow
        now = time.monotonic()
        stuck = bool(label) and (now - since > factor * cell_seconds + GRACE_SECONDS or
                                 bool(usage) and usage.student() - since_cpu > cell_seconds + GRACE_SECONDS)
        over_cpu = checks and bool(usage) and usage.question() - checks_cpu > seconds
        if now > deadline or stuck or over_cpu:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            if stuck:
                return "stuck", label, slow
            return ("backstop" if usage and not over_cpu else "timeout"), None, slow
        time.sleep(0.01)


def _read_pids(fd: int) -> tuple[int, int] | None:
    """The line "<student's pid> <oracle's pid or 0>" the supervisor writes, or None if it ended first."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 64)
        if not chunk:
            return None
        data += chunk
    try:
        student, oracle = (int(x) for x in data.split())
    except ValueError:
        return None
    return student, oracle


def start_oracle(spec, q_index: int):
    """Start the oracle process for a question (see `oracle`): ((write fd, read fd) for the
    student's side, its Popen), or (None, None) if it cannot start. Runs in the supervisor before
    the sandbox is built, so the oracle, a fresh process, can read the reference solutions."""
    import subprocess

    to_oracle_r, to_oracle_w = os.pipe()
    from_oracle_r, from_oracle_w = os.pipe()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "course_utils.grading.oracle", spec.name, str(q_index),
                                 str(to_oracle_r), str(from_oracle_w)], pass_fds=(to_oracle_r, from_oracle_w),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        for fd in (to_oracle_r, to_oracle_w, from_oracle_r, from_oracle_w):
            os.close(fd)
        return None, None
    os.close(to_oracle_r)
    os.close(from_oracle_w)
    return (to_oracle_w, from_oracle_r), proc


def run_in_child(job: dict, spec, q_index: int, inputs: dict, job_dir: Path, skip: tuple[str, ...],
                 close_fds: tuple[int, ...] = ()):
    """Fork one child for a question; returns what `watch` returns. `close_fds` (the serving pipes)
    are closed in the child before anything else."""
    read_fd, write_fd = os.pipe()
    pids_r, pids_w = os.pipe()    # supervisor → watcher: the ids of the processes whose CPU time counts
    pid = os.fork()
    if pid == 0:  # a supervisor: builds the sandbox, runs none of the student's code, passes on how it ended
        os.close(read_fd)
        os.close(pids_r)
        for fd in close_fds:
            os.close(fd)
        sandbox.die_with_parent()  # if the fork server is killed (the grader's overall limit), so is this
        oracle, oracle_proc = start_oracle(spec, q_index) if spec.questions[q_index].builds_on else (None, None)
        try:
            if os.environ.get(NO_SANDBOX):
                raise sandbox.SandboxUnavailable(f"turned off by {NO_SANDBOX}")
            sandbox.isolate(job_dir, tuple(course_root() / d for d in READ_GUARDED))
            unisolated = ""
        except (sandbox.SandboxUnavailable, OSError) as exc:
            unisolated = str(exc) or type(exc).__name__
        inner = os.fork()          # process 1 of the new PID namespace, when there is one
        if inner == 0:             # the student's code runs only here
            os.close(pids_w)       # (so it cannot name other processes to be timed)
            sandbox.die_with_parent()
            os.setsid()            # its own process group: kill(0, ...) reaches nothing outside
            code = 0
            try:
                run_question(job, spec, q_index, inputs, job_dir / f"results_{q_index}", skip,
                             report=lambda label: os.write(write_fd, label.encode("utf-8") + b"\n"),
                             unisolated=unisolated, oracle=oracle)
            except BaseException:
                code = 3
            os._exit(code)
        os.close(write_fd)
        for fd in oracle or ():
            os.close(fd)
        os.write(pids_w, f"{inner} {oracle_proc.pid if oracle_proc else 0}\n".encode())
        os.close(pids_w)
        _, status = os.waitpid(inner, 0)
        if oracle_proc is not None:
            oracle_proc.kill()
            oracle_proc.wait()
        _end_like(status)
    os.close(write_fd)
    os.close(pids_w)
    try:
        pids = _read_pids(pids_r)
        return watch(pid, read_fd, job["question_seconds"], job["cell_seconds"], pids)
    finally:
        os.close(read_fd)
        os.close(pids_r)


def warm_up(preload) -> None:
    """Import the heavy modules once, before any fork, and do what a homework's setup cell does
    first (torch's first determinism call alone takes about a second)."""
    for name in preload:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    try:
        from course_utils import setup

        setup()
    except Exception:
        pass


def run_job(job_dir: Path, close_fds: tuple[int, ...] = ()) -> None:
    """Every question of one submission, each in a fresh child; how each ended goes to status_<q>.json."""
    from . import transport

    job = json.loads((job_dir / "job.json").read_text())
    spec = importlib.import_module(f"course_utils.grading.assignments.{job['assignment']}").ASSIGNMENT
    answers = {gid for question in spec.questions for gid in question.solution_cells}
    clock = "cpu" if CPU_CLOCK else "wall"   # what the limits counted, for the report's wording
    skipped: list[str] = []       # cells that ignored the alarm: skipped for every later question too
    slow: list[str] = []          # cells other than answers that the alarm stopped: skipped later too
    for q_index in job["questions"]:
        _, inputs = transport.load(job_dir / f"inputs_{q_index}")
        while True:
            status, stuck, stopped = run_in_child(job, spec, q_index, inputs, job_dir, tuple(skipped + slow),
                                                  close_fds)
            slow += [label for label in stopped if label not in answers and label not in slow + skipped]
            if stuck is None or stuck in skipped:
                break
            skipped.append(stuck)
        (job_dir / f"status_{q_index}.json").write_text(json.dumps({"status": status, "skipped": skipped,
                                                                    "slow": slow, "clock": clock}))


def main(job_dir: str) -> None:
    """Fork server for one job."""
    job_dir = Path(job_dir)
    warm_up(json.loads((job_dir / "job.json").read_text()).get("preload", []))
    run_job(job_dir)


def serve(jobs_fd: int = 3, done_fd: int = 4) -> None:
    """Fork server for many jobs: read a job folder per line from `jobs_fd`, run it, answer
    "done" on `done_fd`; end at end of input. The first line is the preload list (JSON)."""
    jobs = os.fdopen(jobs_fd, "r", encoding="utf-8")
    done = os.fdopen(done_fd, "w", encoding="utf-8")
    warm_up(json.loads(jobs.readline() or "[]"))
    for line in jobs:
        job_dir = Path(line.strip())
        try:
            run_job(job_dir, close_fds=(jobs_fd, done_fd))
            answer = "done"
        except Exception as exc:  # a broken job folder: say so and serve the next one
            answer = f"failed {type(exc).__name__}"
        done.write(answer + "\n")
        done.flush()


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
    if sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main(sys.argv[1])
