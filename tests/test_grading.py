"""The grader: full marks for solutions, 0 with a message for every kind of broken or cheating
submission, never a crash, never a changed file; release keeps exercises/ in step with solutions/."""
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_utils.grading import nbgrader_meta as meta
from course_utils.grading import transport, worker
from course_utils.grading.__main__ import main as cli
from course_utils.grading.grade import grade_notebook, load_assignment, make_inputs
from course_utils.grading.release import release_notebook
from course_utils.grading.spec import WALL_BACKSTOP

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("hw*.ipynb"))
HW02 = ROOT / "solutions" / "hw02_leaky_srn_bptt.ipynb"
LIMITS = (3.0, 8.0)  # seconds per cell, per question: short, so the time-out tests stay fast


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _variant(tmp_path, name, edits=None, delete=(), duplicate=(), after=None, source=HW02):
    """A copy of a solution (hw02 unless `source`) with cell sources replaced ({grade_id: source}),
    cells deleted or duplicated, and new plain code cells inserted ({grade_id: source after it})."""
    nb = nbformat.read(source, as_version=4)
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
        if after and gid in after:
            cells.append(nbformat.v4.new_code_cell(after[gid]))
    nb.cells = cells
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _by_id(report):
    return {q.grade_id: q for q in report.questions}


@pytest.fixture(scope="module")
def solution_reports():
    return [grade_notebook(HW02, seed=s) for s in (1, 2)]


@pytest.mark.slow
def test_grading_leaves_the_environment_alone(solution_reports):
    """A changed MPLBACKEND (or any variable) would leak into every notebook kernel started later."""
    import os

    before = dict(os.environ)
    grade_notebook(HW02, seed=9)
    assert dict(os.environ) == before


@pytest.mark.slow
def test_solutions_score_full_marks_identically(solution_reports):
    a, b = solution_reports
    assert a.score == a.max_score == 14.0
    assert [q.score for q in a.questions] == [q.score for q in b.questions]


@pytest.mark.slow
def test_loops_hardcoding_monkeypatching_and_noise(tmp_path):
    path = _variant(tmp_path, "cheats", edits={
        # an infinite loop costs this question only
        "leaky_step_forward": "def leaky_step_forward(x, h_prev, W_hx, W_hh, b_h, alpha):\n"
                              "    while True:\n        pass",
        # hard-coded answers: right shapes for the visible test (N=2, H=4) only
        "leaky_step_backward": "import numpy as np\ndef leaky_step_backward(dh, cache):\n"
                               "    return np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((4, 3)),"
                               " np.zeros((4, 4)), np.zeros(4)",
        # a monkeypatched comparison does not help: the grader compares in its own process
        "leaky_bptt": "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
                      "np.testing.assert_allclose = lambda *a, **k: None\n"
                      "def leaky_forward(x, h0, W_hx, W_hh, b_h, alpha):\n"
                      "    return np.zeros(x.shape[:2] + h0.shape[1:]), None\n"
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


@pytest.mark.slow
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


STEAL = """from course_utils.grading.grade import reference_namespace
leaky_step_forward = reference_namespace("hw02")["leaky_step_forward"]
"""
READ_SOLUTION = """import json, pathlib, course_utils
source = pathlib.Path(course_utils.__file__).parents[1] / "solutions" / "hw02_leaky_srn_bptt.ipynb"
cells = json.loads(source.read_text())["cells"]
"""
GIT_SHOW = """import subprocess
shown = subprocess.run(["git", "show", "HEAD:solutions/hw02_leaky_srn_bptt.ipynb"], capture_output=True)
"""
WRITE_CHECKOUT = """import pathlib, course_utils
(pathlib.Path(course_utils.__file__).parent / "planted_by_a_student.py").write_text("x = 1")
"""


@pytest.mark.slow
def test_reference_solutions_and_other_programs_are_out_of_reach(tmp_path):
    """Student code runs inside the instructor's checkout; it still cannot reach the answers."""
    path = _variant(tmp_path, "steal", edits={
        "leaky_step_forward": STEAL,
        "leaky_step_backward": READ_SOLUTION,
        "leaky_bptt": GIT_SHOW,
        "clip_global_norm": WRITE_CHECKOUT,
    })
    report = grade_notebook(path, seed=6)           # the assignment's limits: importing the grader takes a while
    q = _by_id(report)
    assert q["test_step_forward"].score == 0 and "may not read" in q["test_step_forward"].message
    assert q["test_step_backward"].score == 0 and "may not read" in q["test_step_backward"].message
    assert q["test_bptt"].score == 0 and "may not start other programs" in q["test_bptt"].message
    assert q["test_clip"].score == 0 and "may not write" in q["test_clip"].message
    assert not (ROOT / "course_utils" / "planted_by_a_student.py").exists()


@pytest.mark.slow
def test_an_answer_that_changes_its_inputs_loses_the_check(tmp_path):
    in_place = ("import numpy as np\ndef clip_global_norm(grads, max_norm):\n"
                "    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))\n"
                "    for g in grads.values():\n        g *= min(1.0, max_norm / (norm + 1e-12))\n"
                "    return grads, norm")
    q = _by_id(grade_notebook(_variant(tmp_path, "in_place", edits={"clip_global_norm": in_place}), seed=7,
                              limits=LIMITS))
    check = {c.name: c for c in q["test_clip"].checks}
    assert check["a large gradient is scaled to max_norm"].score == 0
    assert "changed its input" in q["test_clip"].message
    small = check["a small gradient is left unchanged"]
    assert small.score == small.points > 0                              # scaled by 1: nothing changed


@pytest.mark.slow
def test_a_cell_that_ignores_the_alarm_costs_only_itself(tmp_path):
    """A scratch cell that catches the time-out and loops on is killed once, named, and skipped."""
    stubborn = "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass"
    report = grade_notebook(_variant(tmp_path, "stubborn", after={"leaky_step_forward": stubborn}), seed=8,
                            limits=LIMITS)
    assert report.score == report.max_score, [q.message for q in report.questions]
    assert any("could not be interrupted" in p and "skipped" in p for p in report.problems), report.problems


@pytest.mark.slow
def test_hw04_answers_may_not_call_course_utils_or_torch_in_any_way(tmp_path):
    hw04 = ROOT / "solutions" / "hw04_gated_cells.ipynb"
    nb = nbformat.read(hw04, as_version=4)
    source = {meta.meta(c).get("grade_id"): c.source for c in nb.cells}
    local_import = source["mgu_step_forward"].replace(
        "    H = h_prev.shape[1]\n", "    import importlib\n    importlib.import_module('course_utils.lstm')"
                                      ".init_params(1, 1)\n    H = h_prev.shape[1]\n", 1)
    via_builtin = source["mgu_step_backward"].replace(
        "    ### BEGIN SOLUTION\n", "    ### BEGIN SOLUTION\n    __import__('torch').zeros(1)\n", 1)
    assert local_import != source["mgu_step_forward"] and via_builtin != source["mgu_step_backward"]
    path = _variant(tmp_path, "hw04_wrapped", source=hw04,
                    edits={"mgu_step_forward": local_import, "mgu_step_backward": via_builtin})
    q = _by_id(grade_notebook(path, seed=9, limits=LIMITS))
    assert q["test_mgu_forward"].score == 0 and "calls course_utils.lstm.init_params" in q["test_mgu_forward"].message
    assert q["test_mgu_backward"].score == 0 and "calls torch" in q["test_mgu_backward"].message
    assert q["test_peephole_backward"].score == q["test_peephole_backward"].max_score


@pytest.mark.slow
def test_deleted_duplicated_and_edited_cells(tmp_path):
    """As nbgrader does: an edited or deleted locked cell is restored and grading goes on, with a note.
    A deleted answer cell leaves its function undefined; a duplicated one is ambiguous."""
    nb = nbformat.read(HW02, as_version=4)
    test_source = next(c.source for c in nb.cells if meta.meta(c).get("grade_id") == "test_bptt")
    step_backward = next(c.source for c in nb.cells if meta.meta(c).get("grade_id") == "leaky_step_backward")
    path = _variant(tmp_path, "structure", delete={"leaky_step_forward", "setup"}, duplicate={"leaky_step_backward"},
                    edits={"test_bptt": test_source + "\nprint('my own debugging line')"})
    # the copy of the answer cell differs from the original: which one counts is not clear
    nb = nbformat.read(path, as_version=4)
    copies = [c for c in nb.cells if meta.meta(c).get("grade_id") == "leaky_step_backward"]
    copies[1].source = step_backward.replace("db_h = da.sum(axis=0)", "db_h = da.mean(axis=0)")
    nbformat.write(nb, path)
    report = grade_notebook(path, limits=LIMITS)
    q = _by_id(report)
    assert q["test_step_forward"].score == 0 and "not defined" in q["test_step_forward"].message
    assert q["test_step_backward"].score == 0 and "appears 2 times" in q["test_step_backward"].message
    # the edited test cell costs nothing, and question 3 is graded with the reference step functions
    assert q["test_bptt"].score == q["test_bptt"].max_score and "reference" in q["test_bptt"].message
    assert q["test_clip"].score == 2.0                                     # the deleted set-up cell was put back
    notes = " ".join(report.problems)
    assert "'test_bptt' was edited; it was restored" in notes and "'setup' was deleted; it was restored" in notes
    assert "'leaky_step_forward' is missing" in notes


@pytest.mark.slow
def test_a_harmless_edit_of_a_locked_cell_keeps_a_right_answer_right(tmp_path):
    nb = nbformat.read(HW02, as_version=4)
    source = next(c.source for c in nb.cells if meta.meta(c).get("grade_id") == "test_clip")
    report = grade_notebook(_variant(tmp_path, "printed", edits={"test_clip": "print('hello')\n" + source}))
    assert report.score == report.max_score and any("restored" in p for p in report.problems)


@pytest.mark.slow
def test_one_bug_is_charged_once(tmp_path):
    """A wrong step backward costs question 2; question 3, which calls it, is graded with the reference
    step in its place too, and the better score counts."""
    from course_utils.grading.mutants import by_name, write

    q = _by_id(grade_notebook(write(by_name("hw02", "no_tanh_derivative"), tmp_path)))
    assert q["test_step_backward"].score == 0
    assert q["test_bptt"].score == q["test_bptt"].max_score
    assert "graded with the reference leaky_step_forward and leaky_step_backward in place of yours" \
        in q["test_bptt"].message


@pytest.mark.slow
def test_the_default_seed_is_fixed_per_assignment(tmp_path):
    spec = load_assignment("hw02")
    first, second = grade_notebook(HW02), grade_notebook(HW02)
    assert first.seed == second.seed == spec.seed != load_assignment("hw03").seed
    assert grade_notebook(HW02, seed=5).seed == 5


@pytest.mark.slow
def test_refused_actions_are_named_in_the_report(tmp_path):
    """A scratch cell that tries to read the solutions or start a program is refused; the answer is
    still graded, and the report says which cell tried what."""
    snoop = ("import subprocess, pathlib, course_utils\n"
             "try:\n    subprocess.run(['ls'])\nexcept Exception:\n    pass\n"
             "try:\n    (pathlib.Path(course_utils.__file__).parents[1] / 'solutions' / 'x.ipynb').read_text()\n"
             "except Exception:\n    pass\n")
    report = grade_notebook(_variant(tmp_path, "snoop", after={"leaky_step_forward": snoop}), limits=LIMITS)
    assert report.score == report.max_score
    notes = " ".join(report.problems)
    assert "refused" in notes and "start other programs" in notes and "the reference solutions" in notes
    assert "#" in notes                                      # the scratch cell is named by its position


@pytest.mark.slow
def test_hw04_allows_the_set_up_helpers_also_as_module_attributes(tmp_path):
    hw04 = ROOT / "solutions" / "hw04_gated_cells.ipynb"
    source = {meta.meta(c).get("grade_id"): c.source for c in nbformat.read(hw04, as_version=4).cells}
    honest = source["mgu_step_forward"].replace("f = sigmoid(", "f = lstm.sigmoid(", 1)
    assert honest != source["mgu_step_forward"]
    forbidden = source["mgu_step_backward"].replace("da_f = df * f * (1.0 - f)",
                                                    "da_f = df * f * (1.0 - f) + 0 * lstm.init_params(1, 1)['b'][0]", 1)
    assert forbidden != source["mgu_step_backward"]
    path = _variant(tmp_path, "hw04_attribute", source=hw04, edits={"mgu_step_forward": honest,
                                                                     "mgu_step_backward": forbidden})
    q = _by_id(grade_notebook(path, limits=LIMITS))
    assert q["test_mgu_forward"].score == q["test_mgu_forward"].max_score, q["test_mgu_forward"].message
    assert q["test_mgu_backward"].score == 0 and "lstm.init_params" in q["test_mgu_backward"].message


@pytest.mark.slow
def test_nested_folders_are_graded_and_students_named_from_the_path(tmp_path):
    """nbgrader's submitted/<student>/<assignment>/ layout, graded from the top."""
    for student, source in (("alice", HW02), ("bob", ROOT / "exercises" / HW02.name)):
        folder = tmp_path / "submitted" / student / "hw02"
        folder.mkdir(parents=True)
        (folder / HW02.name).write_bytes(source.read_bytes())
    checkpoint = tmp_path / "submitted" / "bob" / "hw02" / ".ipynb_checkpoints"
    checkpoint.mkdir()
    (checkpoint / HW02.name).write_text("not graded")
    book = tmp_path / "book.csv"
    assert cli(["grade", str(tmp_path), "--csv", str(book)]) == 0
    rows = book.read_text().splitlines()
    assert rows[0].startswith("student,submission,assignment,seed") and len(rows) == 3
    assert any(r.startswith("alice,") and ",14,14," in r for r in rows)
    assert any(r.startswith("bob,") and ",0,14," in r for r in rows)


@pytest.mark.slow
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
    assert rows[0].startswith("student,submission,assignment") and len(rows) == 4
    bob = [r for r in rows if "bob" in r][0]
    assert ",0,14," in bob
    assert cli(["grade", str(tmp_path / "missing.ipynb")]) == 2
    stray = tmp_path / "essay.ipynb"
    stray.write_bytes(HW02.read_bytes().replace(b'"assignment": "hw02"', b'"assignment": "x"'))
    assert cli(["grade", str(stray)]) == 2                          # cannot tell the assignment


@pytest.mark.slow
def test_grade_command_runs_as_a_module(tmp_path):
    out = subprocess.run([sys.executable, "-m", "course_utils.grading", "grade", str(HW02), "--seed", "7"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0 and "14/14" in out.stdout


def test_release_rejects_invalid_metadata():
    nb = nbformat.read(HW02, as_version=4)
    cell = next(c for c in nb.cells if meta.is_grade(c))
    cell.metadata["nbgrader"]["grade_id"] = "bad id!"
    with pytest.raises(ValueError, match="grade_id"):
        release_notebook(nb)


def test_unknown_assignment_is_a_clear_error():
    with pytest.raises(ValueError, match="no grading spec for assignment 'hw99'"):
        load_assignment("hw99")


@pytest.mark.slow
def test_a_folder_with_mixed_and_damaged_submissions_is_graded_as_far_as_possible(tmp_path, capsys):
    sub = tmp_path / "subs"
    sub.mkdir()
    for hw in ("hw01_ngram_perplexity", "hw02_leaky_srn_bptt"):
        (sub / f"{hw[:4]}_carol.ipynb").write_bytes((ROOT / "exercises" / f"{hw}.ipynb").read_bytes())
    damaged = nbformat.read(ROOT / "exercises" / HW02.name, as_version=4)
    damaged.cells[1].metadata["nbgrader"] = "oops"                   # the set-up cell's metadata lost
    damaged.cells[3].metadata["nbgrader"]["grade_id"] = ["a", "list"]
    nbformat.write(damaged, sub / "hw02_dave.ipynb")
    essay = nbformat.read(ROOT / "exercises" / HW02.name, as_version=4)
    essay.metadata.pop("course")
    nbformat.write(essay, sub / "essay.ipynb")                       # no hwNN anywhere
    book = tmp_path / "book.csv"
    assert cli(["grade", str(sub), "--csv", str(book)]) == 1          # all but essay graded
    assert "essay.ipynb" in capsys.readouterr().err
    hw01_rows = book.read_text().splitlines()
    hw02_rows = (tmp_path / "book_hw02.csv").read_text().splitlines()
    assert len(hw01_rows) == 2 and "test_counts" in hw01_rows[0]
    assert len(hw02_rows) == 3 and "test_step_forward" in hw02_rows[0]
    assert any("dave" in row and ",0,14," in row for row in hw02_rows)


def test_comparison_messages_name_tensors_and_returned_items_and_read_lists():
    from course_utils.grading.spec import compare_arrays
    from course_utils.grading.transport import Unsupported

    compare = compare_arrays(tol=1e-9, names=("dx", "dh"))
    reference = (np.zeros(2), np.ones(3))
    assert "torch.Tensor" in compare((Unsupported("torch.Tensor"), np.ones(3)), reference)
    assert ".numpy()" in compare((Unsupported("torch.Tensor"), np.ones(3)), reference)
    assert "dh is wrong: all zeros" in compare((np.zeros(2), np.zeros(3)), reference)
    assert compare(([0.0, 0.0], [1.0, 1.0, 1.0]), reference) is None         # lists of numbers are arrays
    assert "shape" in compare(([0.0], np.ones(3)), reference)


ESCAPE = """import os, pathlib, sys
from multiprocessing.util import spawnv_passfds
target = pathlib.Path({outside!r})
try:
    target.write_text("written by a submission")
except OSError as exc:
    print(exc)
# a program started behind the audit hook's back, which would outlive the grader if it could
spawnv_passfds(sys.executable.encode(), [sys.executable, "-c",
               "import time, pathlib; time.sleep(4); pathlib.Path({late!r}).write_text('late')"], [])
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="the namespace sandbox is Linux only")
def test_the_sandbox_confines_files_and_processes_to_the_question(tmp_path):
    from course_utils.grading import sandbox

    why = sandbox.available()
    if why.startswith(sandbox.NOT_PERMITTED):        # a machine (container) that forbids user namespaces
        pytest.skip(f"this machine does not allow the grader's sandbox ({why}); grading falls back to the audit hook")
    assert why == "", f"the sandbox failed for another reason than permission: {why}"
    outside, late = tmp_path / "outside.txt", tmp_path / "late.txt"
    escape = ESCAPE.format(outside=str(outside), late=str(late))
    path = _variant(tmp_path, "escape", after={"leaky_step_forward": escape})
    before = _sha(path)
    report = grade_notebook(path, seed=10, limits=LIMITS)
    assert report.score == report.max_score
    assert not any("without the namespace sandbox" in p for p in report.problems), report.problems
    assert any("refused" in p and "outside its own folder" in p for p in report.problems), report.problems
    import time

    time.sleep(5)                                  # the spawned program would have written by now
    assert not outside.exists() and not late.exists()
    assert _sha(path) == before


def test_magics_are_only_lines_that_start_a_statement():
    from course_utils.grading.worker import strip_magics

    source = ('%matplotlib inline\n!pip install nothing\n%%time\n'
              'message = ("got %r"\n           % 3)\nsame = (1\n        != 2)\n')
    cleaned = strip_magics(source)
    assert cleaned.splitlines()[:3] == ["# %matplotlib inline", "# !pip install nothing", "# %%time"]
    namespace = {}
    exec(compile(cleaned, "cell", "exec"), namespace)       # the wrapped % and != are Python, kept
    assert namespace["message"] == "got 3" and namespace["same"] is True


@pytest.mark.slow
def test_damaged_notebooks_get_a_report_not_an_exception(tmp_path):
    nb = nbformat.read(ROOT / "exercises" / HW02.name, as_version=4)
    del nb.cells[3]["source"]                                   # a solution cell without source
    nb.cells[1]["source"] = 5                                   # a locked cell whose source is not text
    path = tmp_path / "hw02_damaged.ipynb"
    path.write_text(json.dumps(nb))
    report = grade_notebook(path, seed=11, limits=LIMITS)
    assert report.score == 0 and any("edited" in q.message or "defined" in q.message for q in report.questions)
    with pytest.raises(ValueError, match="like 'hw02'"):
        load_assignment("__init__")


@pytest.mark.slow
def test_hw04_call_monitor_cannot_simply_be_switched_off(tmp_path):
    hw04 = ROOT / "solutions" / "hw04_gated_cells.ipynb"
    source = {meta.meta(c).get("grade_id"): c.source for c in nbformat.read(hw04, as_version=4).cells}
    forbidden = "importlib.import_module('course_utils.lstm').init_params(1, 1)"
    routes = {
        "mgu_step_forward": f"import sys\n    hook = sys.getprofile(); sys.setprofile(None)\n    {forbidden}\n"
                            f"    sys.setprofile(hook)\n",
        "mgu_step_backward": f"import threading\n    t = threading.Thread(target=lambda: {forbidden})\n"
                             f"    t.start(); t.join()\n",
        "peephole_step_backward": f"import __main__, contextlib\n    __main__.own_code_only = "
                                  f"lambda *a: contextlib.nullcontext()\n    {forbidden}\n",
    }
    edits = {gid: source[gid].replace("    ### BEGIN SOLUTION\n", "    ### BEGIN SOLUTION\n    import importlib\n    "
                                      + route, 1) for gid, route in routes.items()}
    q = _by_id(grade_notebook(_variant(tmp_path, "hw04_monitor", source=hw04, edits=edits), seed=12, limits=LIMITS))
    assert q["test_mgu_forward"].score == 0 and "switched off" in q["test_mgu_forward"].message
    assert q["test_mgu_backward"].score == 0, q["test_mgu_backward"].message
    assert q["test_peephole_backward"].score == 0 and "calls course_utils" in q["test_peephole_backward"].message
    assert q["test_coupled_bptt"].score == q["test_coupled_bptt"].max_score


@pytest.mark.slow
def test_without_the_sandbox_grading_goes_on_and_the_report_says_so(monkeypatch):
    from course_utils.grading.worker import NO_SANDBOX

    monkeypatch.setenv(NO_SANDBOX, "1")
    report = grade_notebook(HW02, seed=13)
    assert report.score == report.max_score
    assert any("without the namespace sandbox" in p and NO_SANDBOX in p for p in report.problems), report.problems


LEAK = """import gc, sys
wanted = " ".join(["da =", "alpha", "*", "dh"])      # a line of the solution, never spelled out here
found = [o for o in gc.get_objects() if isinstance(o, str) and wanted in o and o is not wanted]
frame, local_names = sys._getframe(0), []
while frame is not None:
    local_names += [repr(v)[:2000] for k, v in frame.f_locals.items() if k not in ("wanted", "found", "local_names")]
    frame = frame.f_back
found += [text for text in local_names if wanted in text]
if found:
    raise RuntimeError("LEAK " + found[0][:300])
"""


@pytest.mark.slow
def test_the_reference_code_never_enters_the_students_process(tmp_path):
    """Question 3 is graded with the reference step functions too; they run in a separate process,
    so a submission that searches its own memory for the solution finds nothing to print."""
    exercise = ROOT / "exercises" / HW02.name
    path = _variant(tmp_path, "leak", source=exercise, edits={"leaky_bptt": LEAK + "\nraise NotImplementedError()"})
    report = grade_notebook(path, limits=LIMITS)
    text = " ".join(q.message for q in report.questions) + " ".join(report.problems)
    assert "LEAK" not in text and "alpha * dh" not in text, text


def test_student_names_come_from_the_folder_layout(tmp_path):
    from course_utils.grading.grade import student_name

    root = tmp_path / "graded"
    for rel, expected in [("submitted/bob/hw02/old/try.ipynb", "bob"), ("alice/hw02/x.ipynb", "alice"),
                          ("hw02/carol.ipynb", "carol"), ("hw02_late/eve.ipynb", "eve"), ("frank.ipynb", "frank")]:
        assert student_name(root / rel, root) == expected, rel


@pytest.mark.slow
def test_slow_experiment_cells_cost_only_their_time(tmp_path):
    """Three slow scratch cells: each is stopped at the cell limit once and then skipped, and the
    answers still earn full marks (the question limit counts the checks, not the cells)."""
    slow = "import time\nstart = time.process_time()\nwhile time.process_time() - start < 60:\n    pass"
    path = _variant(tmp_path, "slow", after={"leaky_step_forward": slow, "leaky_step_backward": slow,
                                             "leaky_bptt": slow})
    report = grade_notebook(path, limits=(2.0, 8.0))
    assert report.score == report.max_score, [q.message for q in report.questions]
    assert sum("was stopped; it was skipped for the later questions" in p for p in report.problems) == 3


@pytest.mark.slow
def test_a_locked_code_cell_turned_into_markdown_is_restored(tmp_path):
    nb = nbformat.read(HW02, as_version=4)
    setup = next(c for c in nb.cells if meta.meta(c).get("grade_id") == "setup")
    setup.cell_type = "markdown"
    setup.pop("outputs", None)
    setup.pop("execution_count", None)
    path = tmp_path / "hw02_markdown_setup.ipynb"
    nbformat.write(nb, path)
    report = grade_notebook(path, limits=LIMITS)
    assert report.score == report.max_score and any("'setup' was edited" in p for p in report.problems)


@pytest.mark.slow
def test_a_submission_that_tampers_with_its_job_folder_gets_a_report(tmp_path):
    tamper = "import os\nos.mkdir('status_0.json')\nos.mkdir('status_1.json')"
    report = grade_notebook(_variant(tmp_path, "tamper", after={"clip_global_norm": tamper}), limits=LIMITS)
    assert report.max_score == 14 and report.score >= 0          # graded, not crashed


@pytest.mark.slow
def test_partial_credit_per_output_and_a_float32_answer_is_named(tmp_path):
    """A check earns the share of its outputs that are right; float32 arithmetic is said plainly."""
    from course_utils.grading.mutants import by_name, write

    q = _by_id(grade_notebook(write(by_name("hw02", "transposed_dW_hh"), tmp_path)))
    ordinary = q["test_step_backward"].checks[0]
    assert ordinary.score == pytest.approx(ordinary.points * 4 / 5)     # four of five gradients right
    nb = nbformat.read(HW02, as_version=4)
    source = next(c.source for c in nb.cells if meta.meta(c).get("grade_id") == "leaky_step_forward")
    float32 = source.replace("return h, cache", "return h.astype(np.float32), cache")
    q = _by_id(grade_notebook(_variant(tmp_path, "f32", edits={"leaky_step_forward": float32}), limits=LIMITS))
    assert q["test_step_forward"].score == 0 and "float32" in q["test_step_forward"].message


@pytest.mark.slow
def test_hw04_a_wrapper_under_a_borrowed_module_name_is_still_found(tmp_path):
    hw04 = ROOT / "solutions" / "hw04_gated_cells.ipynb"
    disguise = ("from course_utils import lstm as _lstm\n"
                "_ns = {'__name__': 'course_utils.lstm', '_lstm': _lstm}\n"
                "exec('def sigmoid(*a):\\n    return _lstm.step_backward(*a)', _ns)\n"
                "def coupled_step_backward(dh, dc, cache):\n"
                "    return _ns['sigmoid'](dh, dc, cache)")
    q = _by_id(grade_notebook(_variant(tmp_path, "disguised", source=hw04,
                                       edits={"coupled_step_backward": disguise}), limits=LIMITS))
    assert q["test_coupled_step_backward"].score == 0
    assert "course_utils.lstm.step_backward" in q["test_coupled_step_backward"].message


# The limits count CPU time (Linux: /proc), with a wall-clock backstop WALL_BACKSTOP times as long.
CPU_ONLY = pytest.mark.skipif(not worker.CPU_CLOCK, reason="CPU time is read from /proc; elsewhere the limits "
                                                           "count wall-clock time")
BUSY = ("import time\ndef busy(seconds):\n    start = time.process_time()\n"
        "    while time.process_time() - start < seconds:\n        pass\n")
# Run by the test in a process of its own: pauses the first grandchild of process ROOT (the student's
# process under the question's supervisor) with SIGSTOP once it has used 0.1 s of CPU time, for
# PAUSE seconds, then lets it go on; prints "paused" if it did.
PAUSER = """import os, signal, sys, time
root, pause = int(sys.argv[1]), float(sys.argv[2])
def stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None, 0.0
end = time.monotonic() + 60
while time.monotonic() < end:
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    children = {p for p in pids if stat(p)[0] == root and p != os.getpid()}
    for pid in (p for p in pids if stat(p)[0] in children and stat(p)[1] >= 0.1):
        os.kill(pid, signal.SIGSTOP)
        time.sleep(pause)
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:      # killed meanwhile (as the wall-clock limits did)
            pass
        print("paused")
        sys.exit(0)
    time.sleep(0.01)
"""


def test_cpu_seconds_reads_a_process_s_cpu_time():
    import os

    before = worker.cpu_seconds(os.getpid())
    start = time.process_time()
    while time.process_time() - start < 0.3:
        pass
    assert worker.cpu_seconds(os.getpid()) - before >= 0.25
    assert worker.cpu_seconds(os.getpid(), parent=os.getppid()) is not None
    assert worker.cpu_seconds(os.getpid(), parent=os.getpid()) is None       # not its own child
    assert worker.cpu_seconds(2 ** 22 + 1) is None                            # above Linux's largest pid


def test_limits_are_named_in_the_unit_they_count():
    assert worker.limit_text(20.0, "cpu") == "20 CPU seconds"
    assert worker.limit_text(20.0, "wall") == "20 s"


def test_the_supervisor_s_line_of_process_ids_is_read_whole():
    import os

    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"123 ")
    os.write(write_fd, b"0\n")
    assert worker._read_pids(read_fd) == (123, 0)
    os.close(write_fd)
    assert worker._read_pids(read_fd) is None                                 # ended before writing
    os.close(read_fd)


@CPU_ONLY
@pytest.mark.parametrize("where", ["cell", "check"])
def test_time_a_question_spends_paused_does_not_count(tmp_path, where):
    """Paused (SIGSTOP) for longer than its limit, as a loaded machine would: it still passes, since
    wall-clock time passed and CPU time did not."""
    import os

    in_check = "busy(0.3)" if where == "check" else "pass"
    source = BUSY + f"def leaky_step_forward(*args, **kwargs):\n    {in_check}\n    return 0.0, None\n" + \
        ("busy(0.5)" if where == "cell" else "")
    spec = load_assignment("hw02")
    job = {"cells": [{"label": "#0", "grade_id": None, "source": source}], "cell_seconds": 2.0,
           "question_seconds": 3.0}
    inputs = make_inputs(spec.questions[0], spec.seed, 0)
    pauser = subprocess.Popen([sys.executable, "-c", PAUSER, str(os.getpid()), "5"], stdout=subprocess.PIPE,
                              text=True)
    try:
        status, stuck, slow = worker.run_in_child(job, spec, 0, inputs, tmp_path, ())
    finally:
        paused = pauser.communicate(timeout=90)[0]
    assert paused.strip() == "paused"
    assert (status, stuck, slow) == ("ok", None, [])
    results, _ = transport.load(tmp_path / "results_0")
    assert results["cell_errors"] == []
    assert len(results["checks"]) == 4 and all(c["ok"] for c in results["checks"].values()), results["checks"]


@CPU_ONLY
def test_checks_that_loop_on_past_the_alarm_are_stopped_by_the_question_s_cpu_limit(tmp_path):
    stubborn = ("def leaky_step_forward(*args, **kwargs):\n    while True:\n        try:\n            while True:\n"
                "                pass\n        except BaseException:\n            pass")
    q = _by_id(grade_notebook(_variant(tmp_path, "cpu_loop", edits={"leaky_step_forward": stubborn}),
                              limits=(1.0, 3.0)))
    assert q["test_step_forward"].score == 0
    assert "ran past the question's limit of 3 CPU seconds" in q["test_step_forward"].message


@CPU_ONLY
def test_sleeping_code_is_stopped_by_the_wall_clock_backstop(tmp_path):
    """Sleeping uses no CPU time: a scratch cell that sleeps is stopped at WALL_BACKSTOP times the
    limit per cell, and so is a check; the question's own backstop ends the rest of its checks."""
    sleep = "import time\ntime.sleep(10_000)"
    answer = "import time\ndef leaky_step_backward(*args, **kwargs):\n    time.sleep(10_000)"
    path = _variant(tmp_path, "sleepy", after={"leaky_step_forward": sleep}, edits={"leaky_step_backward": answer})
    cell, question = 0.5, 0.7
    report = grade_notebook(path, limits=(cell, question))
    q = _by_id(report)
    assert any("cell '#" in p and f"(or {WALL_BACKSTOP * cell:g} s of wall-clock time) per cell and was stopped"
               in p for p in report.problems), report.problems
    message = q["test_step_backward"].message
    assert "wall-clock backstop of its time limit" in message                    # the first check's alarm
    assert f"wall-clock backstop of {WALL_BACKSTOP * question:g} s" in message    # then the question's
    assert q["test_step_backward"].score == 0


def test_without_proc_the_limits_count_wall_clock_time(tmp_path, monkeypatch):
    """The fallback where /proc is missing (macOS): the alarm and the watcher use the wall clock."""
    monkeypatch.setattr(worker, "CPU_CLOCK", False)
    stubborn = ("def leaky_step_forward(*args, **kwargs):\n    import time\n    while True:\n        try:\n"
                "            time.sleep(10_000)\n        except BaseException:\n            pass")
    spec = load_assignment("hw02")
    job = {"cells": [{"label": "#0", "grade_id": None, "source": stubborn}], "cell_seconds": 0.5,
           "question_seconds": 1.0}
    start = time.monotonic()
    ended = worker.run_in_child(job, spec, 0, make_inputs(spec.questions[0], spec.seed, 0), tmp_path, ())
    assert ended == ("timeout", None, [])
    assert time.monotonic() - start < WALL_BACKSTOP * 1.0          # not the backstop: the limit itself
    assert worker.limit_text(1.0) == "1 s"
