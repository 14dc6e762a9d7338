"""Build homework notebooks with nbgrader v3 cell metadata: for authors of solutions/ and for tests."""

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _nbg(grade_id, grade=False, solution=False, locked=False, points=None):
    m = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    if grade:
        m["points"] = points
    return {"nbgrader": m}


def md(text, grade_id=None):
    """A markdown cell; with a grade_id it is locked (instructions the student must keep)."""
    return new_markdown_cell(text.strip("\n"), metadata=_nbg(grade_id, locked=True) if grade_id else {})


def setup(code, grade_id="setup"):
    """Locked code the student runs but must not change (imports, given helpers)."""
    return new_code_cell(code.strip("\n"), metadata=_nbg(grade_id, locked=True))


def solution(code, grade_id):
    """A cell the student writes; `### BEGIN SOLUTION` … `### END SOLUTION` marks what release removes."""
    return new_code_cell(code.strip("\n"), metadata=_nbg(grade_id, solution=True))


def tests(code, grade_id, points):
    """A locked test cell worth `points`: the visible checks of one question."""
    return new_code_cell(code.strip("\n"), metadata=_nbg(grade_id, grade=True, locked=True, points=points))


def notebook(cells, assignment):
    """A notebook whose metadata names its assignment (course.assignment), for the grader."""
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["course"] = {"assignment": assignment}
    return nb
