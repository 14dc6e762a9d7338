"""nbgrader itself accepts our solution notebooks, and its release equals ours cell for cell."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.grading import nbgrader_meta as meta

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
