"""The grader: full marks for solutions, 0 with a message for every kind of broken or cheating
submission, never a crash, never a changed file; release keeps exercises/ in step with solutions/."""
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.grading import nbgrader_meta as meta
from course_utils.grading.__main__ import main as cli
from course_utils.grading.grade import grade_notebook, load_assignment
from course_utils.grading.release import release_notebook

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("hw*.ipynb"))
HW02 = ROOT / "solutions" / "hw02_leaky_srn_bptt.ipynb"
LIMITS = (3.0, 8.0)  # seconds per cell, per question: short, so the time-out tests stay fast


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _variant(tmp_path, name, edits=None, delete=(), duplicate=()):
    """A copy of the hw02 solution with cell sources replaced ({grade_id: source}), cells deleted or duplicated."""
    nb = nbformat.read(HW02, as_version=4)
    cells = []
    for cell in nb.cells:
        gid = meta.meta(cell).get("grade_id")
        if gid in delete:
            continue
        if edits and gid in edits:
            cell.source = edits[gid]
        cells.append(cell)
        if gid in duplicate:
            twin = nbformat.from_dict(json.loads(json.dumps(cell)))
            twin["id"] = f"{cell.get('id', 'cell')}-copy"
            cells.append(twin)
    nb.cells = cells
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _by_id(report):
    return {q.grade_id: q for q in report.questions}


@pytest.fixture(scope="module")
def solution_reports():
    return [grade_notebook(HW02, seed=s) for s in (1, 2)]


def test_grading_leaves_the_environment_alone(solution_reports):
    """A changed MPLBACKEND (or any variable) would leak into every notebook kernel started later."""
    import os

    before = dict(os.environ)
    grade_notebook(HW02, seed=9)
    assert dict(os.environ) == before


def test_solutions_score_full_marks_identically(solution_reports):
    a, b = solution_reports
    assert a.score == a.max_score == 14.0
    assert [q.score for q in a.questions] == [q.score for q in b.questions]


def test_loops_hardcoding_monkeypatching_and_noise(tmp_path):
    path = _variant(tmp_path, "cheats", edits={
        # an infinite loop costs this question only
        "leaky_step_forward": "def leaky_step_forward(x, h_prev, W_hx, W_hh, b_h, alpha):\n    while True:\n        pass",
        # hard-coded answers: right shapes for the visible test (N=2, H=4) only
        "leaky_step_backward": "import numpy as np\ndef leaky_step_backward(dh, cache):\n"
                               "    return np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((4, 3)), np.zeros((4, 4)), np.zeros(4)",
        # a monkeypatched comparison does not help: the grader compares in its own process
        "leaky_bptt": "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n"
                      "def leaky_forward(x, h0, W_hx, W_hh, b_h, alpha):\n    return np.zeros(x.shape[:2] + h0.shape[1:]), None\n"
                      "def leaky_backward(dhs, cache):\n    return {}",
        # a correct answer that prints to stderr and warns still earns full marks
        "clip_global_norm": "import sys, warnings\nimport numpy as np\nprint('noise', file=sys.stderr)\n"
                            "warnings.warn('a warning')\n"
                            "def clip_global_norm(grads, max_norm):\n"
                            "    print('more noise', file=sys.stderr)\n"
                            "    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))\n"
                            "    s = min(1.0, max_norm / (norm + 1e-12))\n"
                            "    return {k: g * s for k, g in grads.items()}, norm",
    })
    before = _sha(path)
    q = _by_id(grade_notebook(path, seed=3, limits=LIMITS))
    assert q["test_step_forward"].score == 0 and "time limit" in q["test_step_forward"].message
    assert q["test_step_backward"].score == 0 and "expected" in q["test_step_backward"].message
    assert q["test_bptt"].score == 0 and "wrong" in q["test_bptt"].message
    assert q["test_clip"].score == 2.0
    assert _sha(path) == before, "the grader must never change a submission"


def test_syntax_errors_exits_nans_and_wrong_types(tmp_path):
    path = _variant(tmp_path, "broken", edits={
        "leaky_step_forward": "def leaky_step_forward(x, h_prev, W_hx, W_hh, b_h, alpha)\n    return x",
        "leaky_step_backward": "import os\ndef leaky_step_backward(dh, cache):\n    os._exit(1)",
        "leaky_bptt": "import numpy as np\ndef leaky_forward(x, h0, W_hx, W_hh, b_h, alpha):\n"
                      "    return np.full(x.shape[:2] + h0.shape[1:], np.nan), None\n"
                      "def leaky_backward(dhs, cache):\n    return [1, 2]",
        "clip_global_norm": "import sys\ndef clip_global_norm(grads, max_norm):\n    sys.exit(0)",
    })
    q = _by_id(grade_notebook(path, seed=4, limits=LIMITS))
    assert "SyntaxError" in q["test_step_forward"].message
    assert "ended abnormally" in q["test_step_backward"].message
    assert "NaN" in q["test_bptt"].message and "should be a dict" in q["test_bptt"].message
    assert "sys.exit" in q["test_clip"].message
    assert all(x.score == 0 for x in q.values())


def test_deleted_duplicated_and_edited_cells(tmp_path):
    nb = nbformat.read(HW02, as_version=4)
    test_source = next(c.source for c in nb.cells if meta.meta(c).get("grade_id") == "test_bptt")
    path = _variant(tmp_path, "structure", delete={"leaky_step_forward"}, duplicate={"leaky_step_backward"},
                    edits={"test_bptt": test_source + "\nassert True  # edited"})
    q = _by_id(grade_notebook(path, seed=5, limits=LIMITS))
    assert q["test_step_forward"].score == 0 and "missing" in q["test_step_forward"].message
    assert q["test_step_backward"].score == 0 and "appears 2 times" in q["test_step_backward"].message
    assert q["test_bptt"].score == 0 and "was edited" in q["test_bptt"].message
    assert q["test_clip"].score == 2.0


def test_cli_grades_files_and_folders_and_writes_json_and_csv(tmp_path):
    sub = tmp_path / "subs"
    sub.mkdir()
    (sub / "hw02_alice.ipynb").write_bytes((ROOT / "exercises" / HW02.name).read_bytes())
    (sub / "hw02_bob.ipynb").write_text("this is not a notebook {")
    report_json, book = tmp_path / "r.json", tmp_path / "book.csv"
    assert cli(["grade", str(sub / "hw02_alice.ipynb"), "--json", str(report_json), "--csv", str(book)]) == 0
    data = json.loads(report_json.read_text())
    assert {"score", "max_score", "questions"} <= set(data)
    assert {"grade_id", "score", "max_score", "message"} <= set(data["questions"][0])
    assert cli(["grade", str(sub), "--csv", str(book)]) == 0       # a folder, one unreadable file in it
    rows = book.read_text().splitlines()
    assert rows[0].startswith("submission,assignment") and len(rows) == 4
    bob = [r for r in rows if "bob" in r][0]
    assert ",0,14," in bob
    assert cli(["grade", str(tmp_path / "missing.ipynb")]) == 2
    stray = tmp_path / "essay.ipynb"
    stray.write_bytes(HW02.read_bytes().replace(b'"assignment": "hw02"', b'"assignment": "x"'))
    assert cli(["grade", str(stray)]) == 2                          # cannot tell the assignment


def test_grade_command_runs_as_a_module(tmp_path):
    out = subprocess.run([sys.executable, "-m", "course_utils.grading", "grade", str(HW02), "--seed", "7"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0 and "14.0/14.0" in out.stdout


def test_release_rejects_invalid_metadata():
    nb = nbformat.read(HW02, as_version=4)
    cell = next(c for c in nb.cells if meta.is_grade(c))
    cell.metadata["nbgrader"]["grade_id"] = "bad id!"
    with pytest.raises(ValueError, match="grade_id"):
        release_notebook(nb)


def test_unknown_assignment_is_a_clear_error():
    with pytest.raises(ValueError, match="no grading spec for assignment 'hw99'"):
        load_assignment("hw99")
