"""How an assignment is graded: questions made of checks, each worth points.

A Check builds random inputs in the grader's process, runs `call` twice — once in the student's
process against the student's namespace, once in the grader's process against the reference
namespace — and compares the two results in the grader's process. Only data crosses the process
boundary, so a student can neither hard-code answers (the inputs are drawn by the grader) nor
fool the comparison (it never runs in the student's process).

Same notebook, same score: an ordinary check draws every size ≥ 2 (so a missed sum over the
batch or over time cannot pass by luck) and each size-1 edge case is a check of its own (`edge`
names the sizes it sets to 1), so the score does not depend on the seed; a fixed seed per
assignment makes the numbers in the report repeatable too.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .feedback import Layout, Wrong, describe_wrong, summarize
from .transport import Unsupported

# The limits above count CPU time (user + system, all threads) on Linux, so other programs on a busy
# machine cannot change a score; wall-clock time is allowed this multiple of them, a backstop that
# ends code that sleeps or waits (and, under a load that slows a process more than that, ends it too).
# Where there is no /proc (macOS), the limits themselves are wall-clock seconds.
WALL_BACKSTOP = 10


@dataclass(frozen=True)
class Check:
    name: str
    points: float
    make_inputs: Callable[[np.random.Generator], dict]     # grader side: fresh inputs
    call: Callable[[dict, dict], Any]                       # (namespace, inputs) -> result, run on both sides
    compare: Callable[..., str | None] | None = None        # (student, reference, sizes) -> None or a Mismatch
    hidden: bool = True                                     # not among the visible tests
    keeps_inputs: bool = False                              # the answer must leave its inputs unchanged
    edge: tuple[str, ...] = ()                              # sizes this check sets to 1 ("T", "N", ...)
    sizes: Callable[[dict], dict] | None = None             # inputs -> named sizes, to name a constant factor


@dataclass(frozen=True)
class Question:
    grade_id: str                 # the grade id of the question's test cell
    title: str
    solution_cells: tuple[str, ...]
    checks: tuple[Check, ...] = field(default_factory=tuple)
    # grade ids of earlier questions' solution cells whose functions this question's answer may call:
    # it is graded twice, with the student's own and with the reference versions, and the better
    # score counts, so that one bug is charged once
    builds_on: tuple[str, ...] = ()

    @property
    def points(self) -> float:
        return float(sum(c.points for c in self.checks))


@dataclass(frozen=True)
class Assignment:
    name: str                     # e.g. "hw02"
    notebook: str                 # file name of the solution notebook in solutions/
    questions: tuple[Question, ...]
    cell_seconds: float = 20.0    # CPU seconds one student cell (or one check) may use
    question_seconds: float = 60.0  # CPU seconds a question's checks may use (with the oracle serving them)
    foreign: tuple[str, ...] = ()   # packages an answer may not call while a check runs (e.g. torch)
    allowed: frozenset = frozenset()  # 'module.name' functions of those packages it may call all the same

    @property
    def seed(self) -> int:
        """The assignment's fixed default seed (from its name): the same inputs on every run."""
        return int.from_bytes(hashlib.sha256(f"course grader {self.name}".encode()).digest()[:4], "big")


def function(ns: dict, name: str):
    """The student's function `name` from their namespace, or a NameError a student can act on."""
    fn = ns.get(name)
    if not callable(fn):
        raise NameError(f"{name} is not defined: keep the function name and signature of the exercise")
    return fn


def compare_arrays(tol: float = 1e-6, rel: bool = True, names: tuple = (),
                   layouts: dict[str, Layout] | None = None, cases: bool = False,
                   partial: bool = True) -> Callable[..., str | None]:
    """A comparison for (nested tuples/lists/dicts of) arrays: types, shapes, finiteness, closeness.

    Every wrong output is named, with the pattern that explains it where there is one (see
    `feedback`). `names` name the items of a returned tuple (e.g. ("dx", "dh_prev")); dict results
    are named by their keys; `layouts` ({name: Layout}) say what the axes of an output mean;
    `cases` says the result is a list with one result per input case. With `partial`, each item
    of the result (a returned tuple's items, a dict's entries, a case) earns its share of the
    check's points; turn it off where whether a mistake shows in an item depends on the random
    data (counts of a random text), since the score must not depend on the seed.
    """
    layouts = layouts or {}

    def compare(student, reference, sizes: dict | None = None) -> str | None:
        if cases and isinstance(reference, list):
            if not isinstance(student, (list, tuple)) or len(student) != len(reference):
                return Mismatch(f"the result should be a list of {len(reference)} results, one per case")
            wrong: list[Wrong] = []
            credits = []
            for i, (s, r) in enumerate(zip(student, reference)):
                found, credit = graded(s, r, sizes[i] if isinstance(sizes, list) else sizes)
                credits.append(credit)
                wrong += [Wrong(f"{w.name} of case {i}", w.pattern, w.factor,
                                f"case {i}: {w.example}" if w.example else "") for w in found]
            return Mismatch(summarize(wrong), sum(credits) / len(credits) if partial else 0.0) if wrong else None
        wrong, credit = graded(student, reference, sizes)
        return Mismatch(summarize(wrong), credit if partial else 0.0) if wrong else None

    def graded(student, reference, sizes) -> tuple[list[Wrong], float]:
        """The wrong outputs, and the share of the result's items (a returned tuple's items, a
        dict's entries) that are right: each item earns its share of the check's points."""
        wrong: list[Wrong] = []
        same_tuple = isinstance(reference, (tuple, list)) and isinstance(student, (tuple, list)) \
            and len(student) == len(reference)
        same_dict = isinstance(reference, dict) and isinstance(student, dict)
        if not (same_tuple or same_dict) or not reference:
            walk(student, reference, (), wrong, sizes)
            return wrong, 0.0
        keys = list(reference) if same_dict else list(range(len(reference)))
        bad = 0
        for key in keys:
            found: list[Wrong] = []
            if same_dict and key not in student:
                found.append(Wrong(_name((key,), names), "is missing"))
            else:
                walk(student[key], reference[key], (key,), found, sizes)
            bad += bool(found)
            wrong += found
        return wrong, 1.0 - bad / len(keys)

    def walk(student, reference, path: tuple, wrong: list, sizes) -> None:
        name = _name(path, names)
        if isinstance(reference, dict):
            if not isinstance(student, dict):
                wrong.append(Wrong(name, f"should be a dict with keys {sorted(reference)}, "
                                         f"got {type(student).__name__}"))
                return
            missing = sorted(set(reference) - set(student))
            if missing:
                wrong.append(Wrong(name, f"the keys {missing} are missing"))
            for key in reference:
                if key in student:
                    walk(student[key], reference[key], path + (key,), wrong, sizes)
            return
        if isinstance(reference, (tuple, list)):
            if not isinstance(student, (tuple, list)) or len(student) != len(reference):
                got = f"{type(student).__name__} of length {len(student)}" if isinstance(student, (tuple, list)) \
                    else type(student).__name__
                wrong.append(Wrong(name, f"should be a tuple of {len(reference)} items, got {got}"))
                return
            for i, (s, r) in enumerate(zip(student, reference)):
                walk(s, r, path + (i,), wrong, sizes)
            return
        keys = [k for k in path if isinstance(k, str)]
        layout = layouts.get(name) or (layouts.get(keys[-1]) if keys else None) or layouts.get(_name(path[:1], names))
        problem = _compare_leaf(student, reference, name, tol, rel, layout, sizes)
        if problem:
            wrong.append(problem)

    return compare


class Mismatch(str):
    """What is wrong with a result (the message), and `credit`: the share of its items that are right."""

    def __new__(cls, message: str, credit: float = 0.0):
        text = super().__new__(cls, message)
        text.credit = float(credit)
        return text


def _name(path: tuple, names: tuple) -> str:
    """How a report names an output: a returned tuple's item by `names` (an entry may be a pair
    (name, names of its own items), e.g. ("cache", ("x", "h_prev", ...))), a dict's entry by its
    key (x, W_hh), deeper items as indices (params[0]['W_hx']). A result that is one array is
    named by a single entry of `names`, else 'the result'."""
    label = lambda entry: entry[0] if isinstance(entry, tuple) else entry
    if not path:
        return label(names[0]) if len(names) == 1 else "the result"
    first, rest = path[0], path[1:]
    if isinstance(first, int) and first < len(names):
        entry = names[first]
        head = label(entry)
        if isinstance(entry, tuple) and rest and isinstance(rest[0], int) and rest[0] < len(entry[1]):
            head, rest = f"{head} {entry[1][rest[0]]}", rest[1:]
    else:
        head = first if isinstance(first, str) else f"result[{first}]"
    return head + "".join(f"[{k!r}]" if isinstance(k, str) else f"[{k}]" for k in rest)


def _compare_leaf(student, reference, name, tol, rel, layout, sizes) -> Wrong | None:
    """None when the student's value matches, else what is wrong with it."""
    ref = np.asarray(reference)
    if isinstance(student, (bool, np.bool_)) and not isinstance(reference, (bool, np.bool_)):
        return Wrong(name, "should be a number or array, got a bool")
    if isinstance(student, Unsupported):
        hint = " (convert a tensor with .detach().numpy())" if "torch" in student.type_name else ""
        return Wrong(name, f"should be a numpy array or number, got {student.type_name}{hint}")
    if isinstance(student, (list, tuple)) and isinstance(reference, np.ndarray):
        try:                                      # a list of numbers is read as the array it spells
            student = np.array(student, dtype=np.float64)
        except (TypeError, ValueError):
            return Wrong(name, f"should be a numpy array of numbers, got a {type(student).__name__} that is not one")
    if not isinstance(student, (np.ndarray, int, float, np.number)):
        return Wrong(name, f"should be a numpy array or number, got {type(student).__name__}")
    got = np.asarray(student)
    if got.dtype == object or not np.issubdtype(got.dtype, np.number):
        return Wrong(name, f"should hold numbers, got dtype {got.dtype}")
    if np.issubdtype(got.dtype, np.floating) and got.dtype.itemsize < 8 and ref.dtype == np.float64:
        return Wrong(name, f"was computed in {got.dtype} (about 7 digits); the inputs are float64 and the "
                           "grader compares to 1e-6, so keep float64 throughout")
    if got.shape != ref.shape:
        return describe_wrong(name, got, ref, layout, sizes)
    if not np.all(np.isfinite(got)):
        return Wrong(name, "contains NaN or inf")
    if got.size == 0:
        return None
    diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    if rel:
        err = float(np.max(diff / np.maximum(1e-8, np.abs(got) + np.abs(ref))))
    else:
        err = float(np.max(diff))
    if err <= tol:
        return None
    return describe_wrong(name, got, ref, layout, sizes)
