"""Every committed notebook was executed top to bottom, stores no unexpected error, and is small."""
from pathlib import Path

import nbformat
import pytest

from course_utils.notebooks import hygiene_problems

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for folder in ("notebooks", "solutions") for p in (ROOT / folder).glob("*.ipynb"))


def test_there_are_lecture_notebooks():
    assert any(p.parent.name == "notebooks" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_clean(path):
    assert hygiene_problems(path) == []


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.parent.name == "notebooks"], ids=lambda p: p.name)
def test_lecture_notebook_layout(path):
    """Numbered name, course setup in the first code cell, and the sections every lecture has."""
    assert path.name[:2].isdigit() and path.name[2] == "_", f"{path.name} is not named NN_short_name.ipynb"
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "setup(" in first_code.source, "the first code cell must call course_utils.setup()"
    headings = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown").lower()
    for section in ("learning goals", "summary", "glossary", "references"):
        assert section in headings, f"{path.name} has no '{section}' section"


def test_hygiene_catches_problems(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1/0", execution_count=2,
                                          outputs=[nbformat.v4.new_output("error", ename="ZeroDivisionError",
                                                                          evalue="", traceback=[])]),
                nbformat.v4.new_code_cell("print(1)", execution_count=None,
                                          outputs=[nbformat.v4.new_output("stream", name="stderr", text="w")]),
                nbformat.v4.new_code_cell("box", execution_count=3, outputs=[nbformat.v4.new_output(
                    "execute_result", execution_count=3,
                    data={"text/plain": "box", "application/vnd.jupyter.widget-view+json": {"model_id": "ab"}})])]
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, path)
    problems = " ".join(hygiene_problems(path))
    assert "execution counts" in problems
    assert "stores an error" in problems
    assert "stderr" in problems
    assert "cell 2 stores a widget view" in problems


@pytest.mark.slow
def test_execute_notebook_keeps_a_widgets_text_but_not_its_view(tmp_path):
    from course_utils.notebooks import execute_notebook

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider(value=3)")]
    path = tmp_path / "widget.ipynb"
    nbformat.write(nb, path)
    execute_notebook(path)
    data = nbformat.read(path, as_version=4).cells[0].outputs[0]["data"]
    assert list(data) == ["text/plain"] and "IntSlider(value=3)" in data["text/plain"]
    assert hygiene_problems(path) == []


@pytest.mark.slow
def test_execute_notebook_runs_in_place_in_the_given_folder(tmp_path):
    from course_utils.notebooks import execute_notebook

    here, elsewhere = tmp_path / "copy", tmp_path / "original"
    here.mkdir(), elsewhere.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os; print(os.path.basename(os.getcwd()))")]
    path = here / "nb.ipynb"
    nbformat.write(nb, path)
    for cwd, expected in ((None, "copy"), (elsewhere, "original")):
        seconds = execute_notebook(path, cwd=cwd)
        out = nbformat.read(path, as_version=4).cells[0].outputs[0]["text"].strip()
        assert out == expected and seconds > 0


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.parent.name == "notebooks"], ids=lambda p: p.name)
def test_lecture_slides_fit_a_class_period(path):
    """The core path (COURSE.md §3a): at most 2,000 words, 150 code lines, 30 lines per cell on slides."""
    from course_utils.notebooks import slide_budget

    assert slide_budget(nbformat.read(path, as_version=4)).problems() == []


def test_slide_budget_follows_rise_slide_types():
    from course_utils.notebooks import slide_budget

    def cell(kind, source, slide=None):
        new = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        c = new(source)
        if slide:
            c.metadata["slideshow"] = {"slide_type": slide}
        return c

    nb = nbformat.v4.new_notebook()
    nb.cells = [cell("md", "Three plain words and $x_t = W h$ math", "slide"),     # 5 words: the formula is not counted
                cell("code", "a = 1\nb = 2"),                                       # continues the slide
                cell("md", "An aside nobody presents", "skip"),
                cell("code", "\n".join(["x = 0"] * 40)),                            # '-' after skip: still skipped
                cell("md", "$$\\sum_t \\ell_t$$ two words", "subslide"),
                cell("code", "\n".join(["y = 1"] * 31), "fragment"),
                cell("md", "speaker notes only", "notes")]
    budget = slide_budget(nb)
    assert (budget.words, budget.code_lines, budget.longest_cell, budget.tagged_cells) == (7, 33, 31, 5)
    assert [p.split(" (")[0] for p in budget.problems()] == ["a code cell of 31 lines on slides"]
    nb.cells = [cell("md", "no metadata")]
    assert "no cell has RISE slide metadata" in slide_budget(nb).problems()[0]
