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


@pytest.mark.slow
def test_every_solution_scores_full_marks(path):
    report = grade_notebook(path, seed=0)
    assert report.score == report.max_score > 0, [q.message for q in report.questions]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)


@pytest.mark.slow
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


def _run(nb, tmp_path):
    """Execute a notebook as a student would (every cell, errors kept in the outputs)."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return {meta.meta(c).get("grade_id"): c for c in nb.cells}


def _text(cell) -> str:
    return "".join(o.get("text", "") + "".join(o.get("traceback", [])) for o in cell.outputs)


@pytest.mark.slow
def test_visible_tests_print_every_check_and_fail_once_at_the_end(tmp_path):
    """A missing tanh' makes all five gradients wrong: the test cell shows five ✗ and one failure."""
    from course_utils.grading.mutants import build, by_name

    cells = _run(build(by_name("hw02", "no_tanh_derivative")), tmp_path)
    shown = _text(cells["test_step_backward"])
    assert shown.count("✗ d") == 5 and "a right answer gives about 1e-10" in shown, shown
    assert "CheckFailed" in shown and "5 checks failed" in shown
    assert _text(cells["test_step_forward"]).count("✓") >= 4 and "CheckFailed" not in _text(cells["test_step_forward"])


@pytest.mark.slow
def test_visible_tests_accept_what_the_grader_accepts(tmp_path):
    """Answers that return lists where arrays are asked for, and a list for the cache tuple, pass
    the grader; the visible tests pass them too instead of crashing on .shape or list arithmetic."""
    nb = nbformat.read(ROOT / "solutions" / "hw02_leaky_srn_bptt.ipynb", as_version=4)
    as_lists = {   # (the step functions keep arrays inside: the solution's own BPTT computes with them)
        "leaky_step_forward": "_f = leaky_step_forward\ndef leaky_step_forward(*a, **k):\n"
                              "    h, cache = _f(*a, **k)\n    return h, list(cache)",
        "leaky_step_backward": "_s = leaky_step_backward\ndef leaky_step_backward(*a, **k):\n"
                               "    return list(_s(*a, **k))",
        "leaky_bptt": "_b = leaky_backward\ndef leaky_backward(*a, **k):\n"
                      "    return {key: value.tolist() for key, value in _b(*a, **k).items()}",
        "clip_global_norm": "_c = clip_global_norm\ndef clip_global_norm(*a, **k):\n"
                            "    clipped, norm = _c(*a, **k)\n"
                            "    return {key: v.tolist() for key, v in clipped.items()}, norm",
    }
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        gid = meta.meta(cell).get("grade_id")
        if gid in as_lists:
            cells.append(nbformat.v4.new_code_cell(as_lists[gid]))
    nb.cells = cells
    path = tmp_path / "hw02_lists.ipynb"
    nbformat.write(nb, path)
    ran = _run(nbformat.read(path, as_version=4), tmp_path)
    for gid in ("test_step_forward", "test_step_backward", "test_bptt", "test_clip"):
        assert "Error" not in _text(ran[gid]) and "✗" not in _text(ran[gid]), (gid, _text(ran[gid]))
    report = grade_notebook(path)
    assert report.score == report.max_score, [q.message for q in report.questions]
