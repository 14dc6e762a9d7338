"""tools/colab.py: the "Open in Colab" link and the install-if-missing lines, on copies of lectures.

Every lecture in notebooks/ carries both (`tools/colab.py --check` passes). The other tests work on a
copy of a lecture with both taken out: it gets the tool twice (idempotent), a new address (updated, not
duplicated), and is run under nbval in strict mode, where course_utils is installed: the stored outputs
still match, so the lines are silent and harmless. What they do on Colab (pip install from the
repository) is checked by running them with course_utils "missing" and pip replaced by a recorder.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from colab import _BLOCK, BEGIN, TAG, apply, colab_url, course_settings, install_block, main

ROOT = Path(__file__).resolve().parents[1]
LECTURE = "notebooks/00_overview.ipynb"
REPO, BRANCH = "https://github.com/someone/rnn-course", "main"


def _first_code(nb):
    return next(c for c in nb.cells if c.cell_type == "code")


def _lecture_without_colab():
    """The lecture as it was before the tool: no link cell, no install lines."""
    nb = nbformat.read(ROOT / LECTURE, as_version=4)
    nb.cells = [c for c in nb.cells if TAG not in c.metadata.get("tags", [])]
    code = _first_code(nb)
    code.source = _BLOCK.sub("", code.source)
    assert BEGIN not in nbformat.writes(nb)
    return nb


def test_every_lecture_has_the_link_and_the_install_lines():
    lectures = sorted(str(p) for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert lectures and main(["--check", *lectures]) == 0


def test_colab_url_and_settings():
    assert colab_url(REPO, "main", LECTURE) == \
        "https://colab.research.google.com/github/someone/rnn-course/blob/main/notebooks/00_overview.ipynb"
    assert colab_url(REPO + ".git", "v2", "x.ipynb").endswith("/someone/rnn-course/blob/v2/x.ipynb")
    with pytest.raises(ValueError, match="GitHub"):
        colab_url("https://gitlab.com/someone/rnn-course", "main", LECTURE)
    repository, branch = course_settings()
    assert repository.startswith("https://github.com/") and branch


def test_apply_adds_the_link_and_the_install_lines_once_and_updates_them(tmp_path):
    nb = _lecture_without_colab()
    original_code = _first_code(nb).source
    assert apply(nb, LECTURE, REPO, BRANCH)
    assert nb.cells[1].metadata["tags"] == [TAG] and colab_url(REPO, BRANCH, LECTURE) in nb.cells[1].source
    assert nb.cells[1].metadata["slideshow"]["slide_type"] == "skip"
    code = _first_code(nb).source
    assert code == install_block(REPO, BRANCH) + original_code and "setup(" in code
    assert max(map(len, code.splitlines())) <= 120
    once = nbformat.writes(nb)
    assert not apply(nb, LECTURE, REPO, BRANCH) and nbformat.writes(nb) == once, "a second run changed the file"
    assert apply(nb, LECTURE, "https://github.com/other/course", "dev")
    text = nbformat.writes(nb)
    assert text.count(BEGIN) == 1 and sum(TAG in c.metadata.get("tags", []) for c in nb.cells) == 1
    assert "other/course@dev" in text and "someone" not in text
    assert _first_code(nb).source.endswith(original_code)


def test_the_install_lines_pip_install_the_course_only_when_it_is_missing(tmp_path):
    """Run the lines twice: as they are here (course_utils importable: nothing happens), and with the import
    system saying course_utils is missing and subprocess.run recording instead of installing."""
    calls = []
    block = install_block(REPO, BRANCH)
    import importlib.util

    real_find_spec, real_run = importlib.util.find_spec, subprocess.run
    try:
        subprocess.run = lambda *args, **kwargs: calls.append((args, kwargs))
        exec(block, {})
        assert calls == [], "pip ran although course_utils is installed"
        importlib.util.find_spec = lambda name, *rest: None if name == "course_utils" else real_find_spec(name, *rest)
        exec(block, {})
    finally:
        importlib.util.find_spec, subprocess.run = real_find_spec, real_run
    (command,), kwargs = calls[0]
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    assert command[-1] == "course_utils @ git+https://github.com/someone/rnn-course@main" and kwargs == {"check": True}


def test_the_command_line_updates_and_checks(tmp_path, capsys):
    copy = tmp_path / "00_overview.ipynb"
    nbformat.write(_lecture_without_colab(), copy)
    before = copy.read_text()
    assert main(["--check", str(copy)]) == 1
    assert copy.read_text() == before, "--check wrote"
    assert main([str(copy)]) == 0 and main(["--check", str(copy)]) == 0
    assert "every notebook is up to date" in capsys.readouterr().out


@pytest.mark.slow
def test_a_lecture_with_the_colab_lines_still_passes_nbval_here(tmp_path):
    """Slow-ish (the lecture runs once, about 10 s): outputs are compared in strict mode."""
    copy = tmp_path / "00_overview.ipynb"
    nb = _lecture_without_colab()
    assert apply(nb, LECTURE, *course_settings())
    nbformat.write(nb, copy)
    shutil.copy(ROOT / "nbval_sanitize.cfg", tmp_path / "nbval_sanitize.cfg")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                          "--nbval-current-env", "--nbval-sanitize-with", "nbval_sanitize.cfg", copy.name],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:]
