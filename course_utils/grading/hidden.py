"""nbgrader's hidden tests: the course grader's checks of one question, on fresh inputs, in the notebook's kernel.

Each test cell of a solution notebook ends with a hidden-tests region that the release removes:

    ### BEGIN HIDDEN TESTS
    from course_utils.grading.hidden import hidden_checks
    hidden_checks("hw02", "test_step_forward", globals())
    ### END HIDDEN TESTS

`nbgrader autograde` puts the region back into the student's test cell (nbgrader keeps test cells as
the instructor wrote them), so it grades with the same checks and inputs as `python -m course_utils.grading
grade`, not only with the visible tests. What differs from the course grader: nbgrader gives a cell all of
its points or none; the checks run in the student's own kernel, with no sandbox and no per-question process;
a question that builds on earlier answers uses the student's own earlier functions; and the rule against
calling a forbidden package (torch in hw04) is not enforced. The references come from solutions/ (the
checkout around the package, or $COURSE_ROOT).
"""
from __future__ import annotations

import contextlib
import copy
import io

from .grade import load_assignment, make_inputs, reference_namespace
from .worker import changed_inputs


def _question(spec, grade_id: str) -> tuple[int, object]:
    for index, question in enumerate(spec.questions):
        if question.grade_id == grade_id:
            return index, question
    raise ValueError(f"{spec.name} has no question graded by cell {grade_id!r}; "
                     f"known: {[q.grade_id for q in spec.questions]}")


def check_failures(assignment: str, grade_id: str, namespace: dict, seed: int | None = None) -> list[tuple[str, str]]:
    """[(check name, "" when it passed, else what is wrong)] for every check of the question whose test cell
    is `grade_id`, run on `namespace` (the notebook's globals) with the grader's inputs for `seed` (default:
    the assignment's fixed seed, as `grade` uses)."""
    spec = load_assignment(assignment)
    index, question = _question(spec, grade_id)
    inputs = make_inputs(question, spec.seed if seed is None else int(seed), index)
    with contextlib.redirect_stdout(io.StringIO()):       # the reference's set-up cells print nothing here
        reference = reference_namespace(spec.name)
    verdicts = []
    for check in question.checks:
        given = copy.deepcopy(inputs[check.name])
        try:
            student = check.call(namespace, given)
        except Exception as exc:  # a wrong answer may raise anything: that is its verdict
            verdicts.append((check.name, f"raised {type(exc).__name__}: {str(exc)[:300]}"))
            continue
        if check.keeps_inputs and changed_inputs(inputs[check.name], given):
            verdicts.append((check.name, "the answer changed its inputs in place; return new arrays instead"))
            continue
        expected = check.call(reference, copy.deepcopy(inputs[check.name]))
        verdict = check.compare(student, expected, check.sizes(inputs[check.name]) if check.sizes else None) \
            if check.compare else None
        verdicts.append((check.name, str(verdict) if verdict else ""))
    return verdicts


def hidden_checks(assignment: str, grade_id: str, namespace: dict, seed: int | None = None) -> None:
    """Print one line per check (✓ or ✗ with what is wrong); raise AssertionError if any failed, so that
    nbgrader gives the test cell no points."""
    verdicts = check_failures(assignment, grade_id, namespace, seed)
    for name, problem in verdicts:
        print(f"✓ hidden check on fresh inputs: {name}" if not problem else
              f"✗ hidden check on fresh inputs: {name}: {problem}")
    failed = [name for name, problem in verdicts if problem]
    if failed:
        raise AssertionError(f"{len(failed)} of {len(verdicts)} hidden checks failed: {', '.join(failed)}")
