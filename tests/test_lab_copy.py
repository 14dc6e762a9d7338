"""The working copy that `make lab` serves: made, refreshed and replaced without losing a user's edits."""
import json

import labcopy
import nbformat
import pytest


def _notebook(path, sources, outputs=None):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    if outputs:
        nb.cells[0].outputs = [nbformat.v4.new_output("stream", text=outputs)]
        nb.cells[0].execution_count = 1
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.fixture
def course(tmp_path):
    repo = tmp_path / "repo"
    _notebook(repo / "notebooks" / "03_srn_forward.ipynb", ["x = 1"])
    _notebook(repo / "exercises" / "hw01_ngram.ipynb", ["answer = None"])
    return repo, tmp_path / "workspace"


def _cells(path):
    return [c.source for c in nbformat.read(path, as_version=4).cells]


def test_sync_copies_every_notebook_with_the_same_layout(course):
    repo, ws = course
    report = labcopy.sync(repo, ws)
    assert report == {"exercises/hw01_ngram.ipynb": "copied", "notebooks/03_srn_forward.ipynb": "copied"}
    rel = "notebooks/03_srn_forward.ipynb"
    assert (ws / rel).read_bytes() == (repo / rel).read_bytes()
    assert labcopy.sync(repo, ws) == {k: "current" for k in report}


def test_a_run_copy_is_refreshed_when_the_course_changes(course):
    repo, ws = course
    labcopy.sync(repo, ws)
    copy = ws / "notebooks" / "03_srn_forward.ipynb"
    _notebook(copy, ["x = 1"], outputs="ran\n")  # the lecturer ran it: outputs only
    _notebook(repo / "notebooks" / "03_srn_forward.ipynb", ["x = 2"])
    assert labcopy.sync(repo, ws)["notebooks/03_srn_forward.ipynb"] == "refreshed"
    assert _cells(copy) == ["x = 2"]


def test_an_edited_copy_is_kept_and_the_course_is_untouched(course):
    repo, ws = course
    labcopy.sync(repo, ws)
    copy, source = ws / "notebooks" / "03_srn_forward.ipynb", repo / "notebooks" / "03_srn_forward.ipynb"
    _notebook(copy, ["x = 1", "my_note = 'mine'"])
    _notebook(source, ["x = 2"])
    before = source.read_bytes()
    assert labcopy.sync(repo, ws)["notebooks/03_srn_forward.ipynb"] == "kept"
    assert _cells(copy) == ["x = 1", "my_note = 'mine'"]
    assert source.read_bytes() == before


def test_an_edited_copy_is_kept_even_while_the_course_is_unchanged(course):
    repo, ws = course
    labcopy.sync(repo, ws)
    copy = ws / "notebooks" / "03_srn_forward.ipynb"
    _notebook(copy, ["x = 'edited'"])
    assert labcopy.sync(repo, ws)["notebooks/03_srn_forward.ipynb"] == "current"
    assert _cells(copy) == ["x = 'edited'"]


def test_a_copy_from_before_the_manifest_is_kept_if_edited_and_adopted_if_not(course):
    repo, ws = course
    _notebook(ws / "notebooks" / "03_srn_forward.ipynb", ["x = 1"], outputs="ran\n")
    _notebook(ws / "exercises" / "hw01_ngram.ipynb", ["answer = 42"])
    report = labcopy.sync(repo, ws)
    assert report == {"notebooks/03_srn_forward.ipynb": "refreshed", "exercises/hw01_ngram.ipynb": "kept"}
    assert _cells(ws / "exercises" / "hw01_ngram.ipynb") == ["answer = 42"]


def test_a_broken_copy_counts_as_edited(course):
    repo, ws = course
    labcopy.sync(repo, ws)
    (ws / "notebooks" / "03_srn_forward.ipynb").write_text("{not json")
    _notebook(repo / "notebooks" / "03_srn_forward.ipynb", ["x = 2"])
    assert labcopy.sync(repo, ws)["notebooks/03_srn_forward.ipynb"] == "kept"


def test_a_deleted_copy_comes_back(course):
    repo, ws = course
    labcopy.sync(repo, ws)
    (ws / "notebooks" / "03_srn_forward.ipynb").unlink()
    assert labcopy.sync(repo, ws)["notebooks/03_srn_forward.ipynb"] == "copied"


def test_fresh_replaces_an_edited_copy_and_keeps_the_old_one(course):
    repo, ws = course
    labcopy.sync(repo, ws)
    copy = ws / "notebooks" / "03_srn_forward.ipynb"
    _notebook(copy, ["mine = True"])
    done = labcopy.fresh(["03_srn_forward"], repo, ws)
    backup = done["notebooks/03_srn_forward.ipynb"]
    assert backup.parent == ws / labcopy.BACKUPS / "notebooks" and _cells(backup) == ["mine = True"]
    assert _cells(copy) == ["x = 1"]
    # an unchanged copy is replaced without a backup, and the manifest follows
    assert labcopy.fresh(["notebooks/03_srn_forward.ipynb"], repo, ws) == {"notebooks/03_srn_forward.ipynb": None}
    assert json.loads((ws / labcopy.MANIFEST).read_text())["notebooks/03_srn_forward.ipynb"]["cells"]


def test_fresh_all_and_by_file_name(course):
    repo, ws = course
    assert sorted(labcopy.fresh(["all"], repo, ws)) == ["exercises/hw01_ngram.ipynb", "notebooks/03_srn_forward.ipynb"]
    assert list(labcopy.fresh(["hw01_ngram.ipynb"], repo, ws)) == ["exercises/hw01_ngram.ipynb"]


@pytest.mark.parametrize("names", [[], ["04_bptt"], ["all", "03_srn_forward"]])
def test_fresh_refuses_unknown_or_missing_names(course, names):
    repo, ws = course
    with pytest.raises(ValueError, match="03_srn_forward|name the notebooks"):
        labcopy.fresh(names, repo, ws)


def test_cells_fingerprint_ignores_outputs_and_counts_sources(tmp_path):
    a, b, c = tmp_path / "a.ipynb", tmp_path / "b.ipynb", tmp_path / "c.ipynb"
    _notebook(a, ["x = 1"])
    _notebook(b, ["x = 1"], outputs="out\n")
    _notebook(c, ["x = 1 "])
    assert labcopy.cells_fingerprint(a) == labcopy.cells_fingerprint(b) != labcopy.cells_fingerprint(c)
    nb = nbformat.read(a, as_version=4)
    nb.cells[0].metadata["slideshow"] = {"slide_type": "fragment"}  # a lecturer re-cut the slides
    nbformat.write(nb, c)
    assert labcopy.cells_fingerprint(c) != labcopy.cells_fingerprint(a)
    assert labcopy.cells_fingerprint(tmp_path / "missing.ipynb") is None


def test_course_notebooks_lists_lectures_and_exercises_of_this_repository():
    names = [p.as_posix() for p in labcopy.course_notebooks(labcopy.ROOT)]
    assert "notebooks/03_srn_forward.ipynb" in names and any(n.startswith("exercises/hw01") for n in names)
    assert not any(n.startswith("solutions/") for n in names)


def test_cli_fresh_names_the_error(capsys, tmp_path):
    assert labcopy.main(["fresh", "--workspace", str(tmp_path / "ws"), "no_such_lecture"]) == 2
    assert "no course notebook named 'no_such_lecture'" in capsys.readouterr().err


def test_cli_sync_names_what_it_did(course, capsys, monkeypatch):
    repo, ws = course
    monkeypatch.setattr(labcopy, "ROOT", repo)
    assert labcopy.main(["sync", "--workspace", str(ws)]) == 0
    out = capsys.readouterr().out
    assert f"copied: {ws / 'notebooks' / '03_srn_forward.ipynb'}" in out and "(2 notebooks)" in out
    _notebook(ws / "notebooks" / "03_srn_forward.ipynb", ["mine = 1"])
    _notebook(repo / "notebooks" / "03_srn_forward.ipynb", ["x = 3"])
    labcopy.main(["sync", "--workspace", str(ws)])
    assert "make fresh NB=03_srn_forward" in capsys.readouterr().out
