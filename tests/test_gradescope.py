"""The Gradescope autograder zip, end to end in a scratch folder laid out like Gradescope's /autograder.

The zip is unpacked into <tmp>/autograder/source, run_autograder copied to <tmp>/autograder as Gradescope
does, and run (AUTOGRADER_ROOT points it at the scratch folder, AUTOGRADER_PYTHON at this Python instead of
the venv setup.sh would make) on a solution, an untouched exercise and a buggy submission. Each
results.json must follow Gradescope's documented format and agree with `grade --json`.
Not run here: setup.sh (it installs the whole lock; run by hand, see the report) and Gradescope itself.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from course_utils.grading import mutants
from course_utils.grading.grade import CheckResult, QuestionResult, Report
from course_utils.grading.gradescope import export, failure_json, pick_submission, results_json, run

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "hw02_leaky_srn_bptt.ipynb"

# Gradescope's results.json format, as its autograder specification documents it (every field optional
# except a score: on the whole or on every test). No other keys: a typo would be silently ignored there.
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
TEST = {"type": "object", "additionalProperties": False,
        "required": ["name", "score", "max_score", "output"],
        "properties": {"score": {"type": "number"}, "max_score": {"type": "number"},
                       "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"},
                       "name_format": FORMAT, "number": {"type": "string"}, "output": {"type": "string"},
                       "output_format": FORMAT, "tags": {"type": "array", "items": {"type": "string"}},
                       "visibility": VISIBILITY, "extra_data": {"type": "object"}}}
RESULTS = {"type": "object", "additionalProperties": False, "required": ["score", "tests"],
           "properties": {"score": {"type": "number"}, "execution_time": {"type": "number"},
                          "output": {"type": "string"}, "output_format": FORMAT, "test_output_format": FORMAT,
                          "test_name_format": FORMAT, "visibility": VISIBILITY, "stdout_visibility": VISIBILITY,
                          "extra_data": {"type": "object"}, "tests": {"type": "array", "items": TEST},
                          "leaderboard": {"type": "array"}}}


def _unpack(zip_path: Path, where: Path) -> Path:
    """Gradescope's layout: the zip's contents in where/autograder/source (modes kept, as unzip keeps them),
    run_autograder copied to where/autograder. Returns where/autograder."""
    root = where / "autograder"
    source = root / "source"
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            target = source / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            target.chmod((info.external_attr >> 16) & 0o777)
    shutil.copy2(source / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    return root


def _autograde(root: Path, notebook: Path) -> dict:
    """One Gradescope run: the notebook alone in submission/, run_autograder from /autograder."""
    for old in (root / "submission").iterdir():
        old.unlink()
    shutil.copy(notebook, root / "submission" / notebook.name)
    shutil.rmtree(root / "results", ignore_errors=True)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    env.pop("COURSE_ROOT", None)
    done = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_the_zip_grades_like_the_command_line_on_a_solution_an_exercise_and_a_mutant(tmp_path):
    """Slow-ish: four gradings of hw02 (about 15 s each here)."""
    zip_path = export("hw02", tmp_path / "autograder_hw02.zip", root=ROOT)
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
    assert {"setup.sh", "run_autograder", f"course/solutions/{NOTEBOOK}", "course/requirements.lock",
            "course/pyproject.toml", "course/course_utils/grading/gradescope.py"} <= names
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    assert not any("__pycache__" in n or n.startswith("course/exercises") for n in names)
    assert sum(n.startswith("course/solutions/") for n in names) == 1, "only this assignment's reference"
    assert export("hw02", tmp_path / "again.zip", root=ROOT).read_bytes() == zip_path.read_bytes()

    cases = tmp_path / "cases"
    cases.mkdir()
    solution = shutil.copy(ROOT / "solutions" / NOTEBOOK, cases / "solution.ipynb")
    exercise = shutil.copy(ROOT / "exercises" / NOTEBOOK, cases / "exercise.ipynb")
    mutant = mutants.write(mutants.by_name("hw02", "no_tanh_derivative"), cases)
    cli = subprocess.run([sys.executable, "-m", "course_utils.grading", "grade", str(cases), "--json",
                          str(tmp_path / "cli.json"), "--assignment", "hw02"],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert cli.returncode == 0, cli.stderr[-3000:]
    expected = {Path(r["submission"]).name: r for r in json.loads((tmp_path / "cli.json").read_text())}

    root = _unpack(zip_path, tmp_path)
    scores = {}
    for notebook in (Path(solution), Path(exercise), mutant):
        got = _autograde(root, notebook)
        jsonschema.validate(got, RESULTS)
        want = expected[notebook.name]
        assert got["score"] == want["score"]
        assert [(t["score"], t["max_score"]) for t in got["tests"]] == \
            [(q["score"], q["max_score"]) for q in want["questions"]]
        for test, question in zip(got["tests"], want["questions"]):
            assert test["name"].startswith(question["grade_id"]) and question["message"] in test["output"]
        assert sum(t["max_score"] for t in got["tests"]) == want["max_score"] == 14
        assert "was edited" not in got["output"], "a solution's hidden-test regions count as edits of locked cells"
        scores[notebook.stem] = got["score"]
    assert scores["solution"] == 14 and scores["exercise"] == 0 and 0 < scores[mutant.stem] < 14


def _report() -> Report:
    checks = [CheckResult("dx", 2, 2, "passed"), CheckResult("dW", 2, 0, "wrong by a factor 2")]
    questions = [QuestionResult("test_a", "Forward", 3, 3, "all checks passed"),
                 QuestionResult("test_b", "Backward", 2, 4, "dW: wrong by a factor 2", checks)]
    return Report("sub/hw02_x.ipynb", "hw02", 7, 5.0, 7.0, questions, ["a note"], "x")


def test_results_json_has_the_total_one_test_per_question_and_the_messages():
    got = results_json(_report(), seconds=12.4)
    jsonschema.validate(got, RESULTS)
    assert got["score"] == 5.0 and got["execution_time"] == 12
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in got["tests"]] == \
        [("test_a: Forward", 3, 3, "passed"), ("test_b: Backward", 2, 4, "failed")]
    assert got["tests"][1]["output"].splitlines() == ["dW: wrong by a factor 2", "✓ 2/2  dx: passed",
                                                      "✗ 0/2  dW: wrong by a factor 2"]
    assert "note: a note" in got["output"] and "5 of 7 points" in got["output"]


def test_pick_submission_takes_the_assignments_notebook_and_says_what_it_left(tmp_path):
    assert pick_submission(tmp_path, "hw02")[0] is None
    (tmp_path / "notes.txt").write_text("hi")
    path, why = pick_submission(tmp_path, "hw02")
    assert path is None and "no .ipynb" in why and "notes.txt" in why
    shutil.copy(ROOT / "exercises" / NOTEBOOK, tmp_path / "my_work.ipynb")        # renamed: metadata says hw02
    assert pick_submission(tmp_path, "hw02") == (tmp_path / "my_work.ipynb", "")
    shutil.copy(ROOT / "exercises" / "hw01_ngram_perplexity.ipynb", tmp_path / "hw01_ngram_perplexity.ipynb")
    path, why = pick_submission(tmp_path, "hw02")
    assert path == tmp_path / "my_work.ipynb" and "not graded: hw01_ngram_perplexity.ipynb" in why
    (tmp_path / "my_work.ipynb").unlink()
    path, why = pick_submission(tmp_path, "hw02")
    assert path is None and "none of the submitted notebooks" in why


def test_an_empty_submission_still_gets_a_results_json_with_every_question(tmp_path):
    (tmp_path / "submission").mkdir()
    got = run("hw02", tmp_path)
    assert json.loads((tmp_path / "results" / "results.json").read_text()) == got
    jsonschema.validate(got, RESULTS)
    assert got["score"] == 0 and len(got["tests"]) == 4 and sum(t["max_score"] for t in got["tests"]) == 14
    assert "no .ipynb notebook was submitted" in got["output"]
    jsonschema.validate(failure_json("hw02", "x"), RESULTS)


def test_export_refuses_an_unknown_assignment(tmp_path):
    with pytest.raises(ValueError, match="hwNN|like 'hw02'"):
        export("homework2", tmp_path / "x.zip", root=ROOT)
    with pytest.raises(ValueError, match="no grading spec"):
        export("hw99", tmp_path / "x.zip", root=ROOT)
