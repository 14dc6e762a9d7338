"""How an assignment is graded: questions made of checks, each worth points.

A Check builds fresh random inputs in the grader's process, runs `call` twice — once in the
student's process against the student's namespace, once in the grader's process against the
reference namespace — and compares the two results in the grader's process. Only data crosses
the process boundary, so a student can neither hard-code answers (the inputs are new every run)
nor fool the comparison (it never runs in the student's process).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .transport import Unsupported


@dataclass(frozen=True)
class Check:
    name: str
    points: float
    make_inputs: Callable[[np.random.Generator], dict]     # grader side: fresh inputs
    call: Callable[[dict, dict], Any]                       # (namespace, inputs) -> result, run on both sides
    compare: Callable[[Any, Any], str | None] | None = None  # (student, reference) -> None or why it fails
    hidden: bool = True                                     # not among the visible tests
    keeps_inputs: bool = False                              # the answer must leave its inputs unchanged


@dataclass(frozen=True)
class Question:
    grade_id: str                 # the grade id of the question's test cell
    title: str
    solution_cells: tuple[str, ...]
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def points(self) -> float:
        return float(sum(c.points for c in self.checks))


@dataclass(frozen=True)
class Assignment:
    name: str                     # e.g. "hw02"
    notebook: str                 # file name of the solution notebook in solutions/
    questions: tuple[Question, ...]
    cell_seconds: float = 20.0    # limit for running one student cell
    question_seconds: float = 60.0  # limit for one question's whole process
    foreign: tuple[str, ...] = ()   # packages an answer may not call while a check runs (e.g. torch)
    allowed: frozenset = frozenset()  # 'module.name' functions of those packages it may call all the same


def function(ns: dict, name: str):
    """The student's function `name` from their namespace, or a NameError a student can act on."""
    fn = ns.get(name)
    if not callable(fn):
        raise NameError(f"{name} is not defined: keep the function name and signature of the exercise")
    return fn


def compare_arrays(tol: float = 1e-6, rel: bool = True, names: tuple[str, ...] = ()) -> Callable[[Any, Any], str | None]:
    """A comparison for (nested tuples/lists/dicts of) arrays: types, shapes, finiteness, closeness.
    `names` name the items of a returned tuple in messages (e.g. ("dx", "dh_prev"))."""

    def compare(student, reference, path: str = "result") -> str | None:
        if isinstance(reference, dict):
            if not isinstance(student, dict):
                return f"{path} should be a dict with keys {sorted(reference)}, got {type(student).__name__}"
            missing = sorted(set(reference) - set(student))
            if missing:
                return f"{path} is missing the keys {missing}"
            for key in reference:
                why = compare(student[key], reference[key], f"{path}[{key!r}]")
                if why:
                    return why
            return None
        if isinstance(reference, (tuple, list)):
            if not isinstance(student, (tuple, list)) or len(student) != len(reference):
                got = f"{type(student).__name__} of length {len(student)}" if isinstance(student, (tuple, list)) \
                    else type(student).__name__
                return f"{path} should be a tuple of {len(reference)} items, got {got}"
            for i, (s, r) in enumerate(zip(student, reference)):
                label = f" ({names[i]})" if path == "result" and i < len(names) else ""
                why = compare(s, r, f"{path}[{i}]{label}")
                if why:
                    return why
            return None
        return _compare_leaf(student, reference, path, tol, rel)

    return compare


def _compare_leaf(student, reference, path, tol, rel) -> str | None:
    ref = np.asarray(reference)
    if isinstance(student, (bool, np.bool_)) and not isinstance(reference, (bool, np.bool_)):
        return f"{path} should be a number or array, got a bool"
    if isinstance(student, Unsupported):
        hint = " (convert a tensor with .detach().numpy())" if "torch" in student.type_name else ""
        return f"{path} should be a numpy array or number, got {student.type_name}{hint}"
    if isinstance(student, (list, tuple)) and isinstance(reference, np.ndarray):
        try:                                      # a list of numbers is read as the array it spells
            student = np.array(student, dtype=np.float64)
        except (TypeError, ValueError):
            return f"{path} should be a numpy array of numbers, got a {type(student).__name__} that is not one"
    if not isinstance(student, (np.ndarray, int, float, np.number)):
        return f"{path} should be a numpy array or number, got {type(student).__name__}"
    got = np.asarray(student)
    if got.dtype == object or not np.issubdtype(got.dtype, np.number):
        return f"{path} should hold numbers, got dtype {got.dtype}"
    if got.shape != ref.shape:
        return f"{path} has shape {got.shape}, expected {ref.shape}"
    if not np.all(np.isfinite(got)):
        return f"{path} contains NaN or inf"
    if got.size == 0:
        return None
    diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    if rel:
        err = float(np.max(diff / np.maximum(1e-8, np.abs(got) + np.abs(ref))))
        kind = "relative error"
    else:
        err, kind = float(np.max(diff)), "max abs error"
    if not err <= tol:
        return f"{path} is wrong: {kind} {err:.2e} > {tol:.0e}"
    return None
