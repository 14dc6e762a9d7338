"""A plain `pip install .` (a wheel, not the editable install `make` uses) carries the whole package,
the grader included, and the grader finds the course from the folder it is run in."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# builds a wheel, installs it in a fresh virtualenv and grades a notebook with it: `make test` only
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def test_a_wheel_holds_the_grader_and_grades_from_a_course_folder(tmp_path):
    dist, site, course, source = (tmp_path / name for name in ("dist", "site", "course", "source"))
    # build from a copy: setuptools writes build/ and *.egg-info next to the sources
    shutil.copytree(ROOT / "course_utils", source / "course_utils", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(dist)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(dist.glob("course_utils-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("course_utils/grading/__main__.py", "course_utils/grading/worker.py",
                   "course_utils/grading/assignments/hw02.py", "course_utils/diagrams/__init__.py"):
        assert needed in names, f"the wheel lacks {needed}"
    assert any(n.startswith("course_utils/data/") for n in names), "the wheel lacks the package data"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                              str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-2000:]
    for folder in ("solutions", "exercises"):
        shutil.copytree(ROOT / folder, course / folder)
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("COURSE_ROOT", None)
    where = subprocess.run([sys.executable, "-c", "import course_utils; print(course_utils.__file__)"],
                           capture_output=True, text=True, cwd=course, env=env, timeout=120)
    assert where.stdout.startswith(str(site)), f"course_utils came from {where.stdout} {where.stderr}"
    graded = subprocess.run([sys.executable, "-m", "course_utils.grading", "grade",
                             "solutions/hw02_leaky_srn_bptt.ipynb"],
                            capture_output=True, text=True, cwd=course, env=env, timeout=600)
    assert graded.returncode == 0 and "14/14" in graded.stdout, graded.stdout + graded.stderr[-2000:]
    elsewhere = subprocess.run([sys.executable, "-m", "course_utils.grading", "grade",
                                str(course / "solutions" / "hw02_leaky_srn_bptt.ipynb")],
                               capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert elsewhere.returncode != 0 and "COURSE_ROOT" in elsewhere.stderr
