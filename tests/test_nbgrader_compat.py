"""nbgrader itself accepts our solution notebooks, its release equals ours cell for cell, and its autograde,
with the hidden tests that call the course grader's checks, gives the course grader's totals."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.grading import nbgrader_meta as meta
from course_utils.grading.grade import grade_notebook

# runs nbgrader itself on every homework: `make test` only
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("hw*.ipynb"))
BIN = Path(sys.executable).parent


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_nbgrader_generate_assignment_equals_our_release(path, tmp_path):
    name = path.name.split("_")[0]
    source = tmp_path / "source" / name
    source.mkdir(parents=True)
    shutil.copy(path, source / path.name)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # nbgrader calls alembic
    run = subprocess.run([str(BIN / "nbgrader"), "generate_assignment", name, f"--CourseDirectory.root={tmp_path}"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    theirs = nbformat.read(tmp_path / "release" / name / path.name, as_version=4)
    ours = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
    assert len(theirs.cells) == len(ours.cells)
    for a, b in zip(ours.cells, theirs.cells):
        gid = meta.meta(a).get("grade_id")
        assert a.source == b.source, f"cell {gid}: sources differ"
        assert meta.meta(a).get("checksum") == meta.meta(b).get("checksum"), gid
        # the whole metadata: nbgrader's fields and JupyterLab's editable/deletable locks
        assert dict(a.metadata) == dict(b.metadata), f"cell {gid}: metadata differ"


def _nbgrader(*args, cwd: Path) -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "COURSE_ROOT": str(ROOT)}
    run = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]


def test_nbgrader_autograde_with_hidden_tests_gives_the_course_graders_totals(tmp_path):
    """Slow (about a minute): the course's nbgrader_config.py in a scratch checkout folder, generate_assignment
    and autograde of hw02 for a solution and an untouched exercise, then every grade cell's score and the
    totals compared with the course grader's on the same files."""
    from nbgrader.api import Gradebook

    name, notebook = "hw02", "hw02_leaky_srn_bptt.ipynb"
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")   # its course folder: nbgrader/
    course = tmp_path / "nbgrader"
    (course / "source" / name).mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / notebook, course / "source" / name / notebook)
    _nbgrader("generate_assignment", name, cwd=tmp_path)
    released = nbformat.read(course / "release" / name / notebook, as_version=4)
    assert not any("HIDDEN TESTS" in cell.source for cell in released.cells)
    for student, source in (("alice", ROOT / "solutions" / notebook), ("bob", ROOT / "exercises" / notebook)):
        (course / "submitted" / student / name).mkdir(parents=True)
        shutil.copy(source, course / "submitted" / student / name / notebook)
    _nbgrader("autograde", name, cwd=tmp_path)

    autograded = nbformat.read(course / "autograded" / "alice" / name / notebook, as_version=4)
    hidden_ran = [o.get("text", "") for cell in autograded.cells for o in cell.get("outputs", [])
                  if "hidden check on fresh inputs" in o.get("text", "")]
    assert len(hidden_ran) == 4, "autograde did not run the hidden tests of every test cell"
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student, expected_total in (("alice", 14.0), ("bob", 0.0)):
            ours = grade_notebook(course / "submitted" / student / name / notebook)
            theirs = {q.grade_id: gradebook.find_grade(q.grade_id, notebook.removesuffix(".ipynb"), name,
                                                       student).score for q in ours.questions}
            assert theirs == {q.grade_id: q.score for q in ours.questions}, student
            assert gradebook.find_submission(name, student).score == ours.score == expected_total
