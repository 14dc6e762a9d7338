"""Every homework set: its solution scores full marks, its untouched exercise scores 0 with
"not implemented", its nbgrader metadata is valid and matches its grading spec, and exercises/
is exactly what release makes of solutions/."""
import hashlib
from pathlib import Path

import nbformat
import pytest

from course_utils.grading import nbgrader_meta as meta
from course_utils.grading.grade import grade_notebook, load_assignment
from course_utils.grading.release import release_all

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("hw*.ipynb"))


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)


def test_every_solution_scores_full_marks(path):
    report = grade_notebook(path, seed=0)
    assert report.score == report.max_score > 0, [q.message for q in report.questions]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)


def test_untouched_exercise_scores_zero_with_not_implemented(path):
    exercise = ROOT / "exercises" / path.name
    before = _sha(exercise)
    report = grade_notebook(exercise, seed=0)
    assert report.score == 0.0
    assert all("not implemented" in q.message for q in report.questions), [q.message for q in report.questions]
    assert _sha(exercise) == before


def test_exercises_are_released_from_solutions():
    assert release_all(write=False) == [], "exercises/ is stale: run `python -m course_utils.grading release`"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)


def test_nbgrader_metadata_is_valid_and_matches_the_spec(path):
    nb = nbformat.read(path, as_version=4)
    assert meta.validation_problems(nb) == []
    spec = load_assignment(nb.metadata["course"]["assignment"])
    assert spec.notebook == path.name
    grade_cells = {meta.meta(c)["grade_id"]: meta.meta(c)["points"] for c in nb.cells if meta.is_grade(c)}
    assert grade_cells == {q.grade_id: q.points for q in spec.questions}
    ids = {meta.meta(c).get("grade_id") for c in nb.cells}
    assert all(set(q.solution_cells) <= ids for q in spec.questions)
    released = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
    for cell in released.cells:
        m = meta.meta(cell)
        if meta.is_grade(cell) or meta.is_solution(cell) or meta.is_locked(cell):
            assert m["checksum"] == meta.compute_checksum(cell)
        assert "### BEGIN SOLUTION" not in cell.source and "BEGIN HIDDEN TESTS" not in cell.source
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
