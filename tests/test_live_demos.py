"""Every live demo of the lectures draws at both ends of each of its controls.

nbval cannot check these demos: an `explore` box draws nothing until a control moves. So each
lecture with a box is run with nbclient up to its last box, and one more cell calls every box's
draw function with each control moved to either end of its range, the others at their starting
values. The draws are called directly, not through the box, because inside the box's output
area an error would only be shown, not raised.

A lecturer moves the sliders after running the whole lecture, so a later cell that rebinds a
name a draw function reads would change what it draws; a static check refuses that.
"""
import ast
from pathlib import Path

import nbformat
import pytest

from course_utils.notebooks import execute_notebook

ROOT = Path(__file__).resolve().parents[1]
LECTURES_WITH_DEMOS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb")
                             if "explore(" in p.read_text(encoding="utf-8"))

MOVE_EVERY_CONTROL = '''
import ipywidgets as _w
import matplotlib.pyplot as _plt
from course_utils.interactive import Explorer as _Explorer


def _ends(control):
    if isinstance(control, _w.FloatLogSlider):
        return control.base ** control.min, control.base ** control.max
    if hasattr(control, "min") and hasattr(control, "max"):
        return control.min, control.max
    if isinstance(control, _w.Text):
        return "", "☃ unusual ☃"
    raise TypeError(f"this test does not know how to move a {type(control).__name__}; teach it")


_boxes = [value for value in Out.values() if isinstance(value, _Explorer)]
_draws = 0
for _box in _boxes:
    for _name, _control in _box.controls.items():
        for _value in _ends(_control):
            _box.draw(**{**_box.values(), _name: _value})
            _plt.close("all")
            _draws += 1
print(f"{len(_boxes)} boxes, {_draws} draws")
'''


def test_the_lectures_the_readme_names_have_live_demos():
    assert [p.name[:2] for p in LECTURES_WITH_DEMOS] == ["01", "02", "04", "06", "08", "09", "11"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Lectures 01, 02, 04, 06, 08, 09 and 11 (generation) have" in readme


@pytest.mark.slow
@pytest.mark.parametrize("path", LECTURES_WITH_DEMOS, ids=lambda p: p.name)
def test_live_demo_draws_at_the_ends_of_its_controls(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    box_cells = _box_cells(nb)
    nb.cells = nb.cells[: box_cells[-1] + 1] + [nbformat.v4.new_code_cell(MOVE_EVERY_CONTROL)]
    copy = tmp_path / path.name
    nbformat.write(nb, copy)
    execute_notebook(copy, cwd=path.parent)                    # raises on the first failing draw
    report = nbformat.read(copy, as_version=4).cells[-1].outputs[-1]["text"].strip().splitlines()[-1]
    assert report == f"{len(box_cells)} boxes, {_control_count(nb, box_cells)} draws"


def _control_count(nb, box_cells) -> int:
    """Two draws per control: the keyword arguments of the explore(...) calls that are widgets."""
    return 2 * sum(nb.cells[i].source.count("Slider(") + nb.cells[i].source.count("Text(") for i in box_cells)


def _box_cells(nb) -> list[int]:
    return [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and "explore(" in cell.source]


@pytest.mark.parametrize("path", LECTURES_WITH_DEMOS, ids=lambda p: p.name)
def test_no_later_cell_rebinds_what_a_draw_function_reads(path):
    nb = nbformat.read(path, as_version=4)
    trees = [ast.parse(cell.source) if cell.cell_type == "code" else ast.Module(body=[], type_ignores=[])
             for cell in nb.cells]
    functions = {node.name: node for tree in trees for node in tree.body if isinstance(node, ast.FunctionDef)}
    for i in _box_cells(nb):
        calls = (n for n in ast.walk(trees[i]) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "explore")
        for call in calls:
            draw = call.args[0].id
            read = _globals_read(functions[draw], functions)
            for j in range(i + 1, len(nb.cells)):
                rebound = read & _top_level_bindings(trees[j])
                assert not rebound, f"{path.name}: cell {j} rebinds {sorted(rebound)}, which {draw} reads"


def _globals_read(function: ast.FunctionDef, functions: dict, seen=None) -> set[str]:
    """Names a notebook function reads from the notebook's globals, through the notebook functions it calls."""
    seen = set() if seen is None else seen
    seen.add(function.name)
    local = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    read = {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - local
    for name in read & set(functions) - seen:
        read |= _globals_read(functions[name], functions, seen)
    return read


def _top_level_bindings(tree: ast.Module) -> set[str]:
    """Names a cell binds at the top level (not inside its own functions)."""
    names = set()
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
            names.add(statement.name)
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.alias):
                names.add((node.asname or node.name).split(".")[0])
    return names
