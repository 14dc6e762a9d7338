"""CONTRIBUTING.md stays true: the paths and make targets it names exist, and its module map lists
every module of course_utils with the lectures that use it and test files that import it."""
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
PATH_SUFFIXES = (".py", ".ipynb", ".md", ".toml", ".json", ".yml", ".cfg", ".lock", ".in", ".txt", ".html")
# How a lecture or homework notebook uses a module: `from course_utils.srn import ...`, `course_utils.grading`,
# `from course_utils import srn, plots`; the course set-up `from course_utils import setup` is the session module.
FROM_PACKAGE = re.compile(r"^\s*from course_utils import (?:\(([^)]*)\)|([^\n]*))", re.M)


def code_spans(text: str) -> list[str]:
    """Inline `code` and the lines of fenced code blocks."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, re.S | re.M)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.S | re.M))
    return inline + [line for block in fenced for line in block.splitlines()]


def named_paths(text: str) -> set[str]:
    """Repository paths among the code: no spaces, a folder or a file suffix, no placeholder (NN, <name>, *)."""
    words = {w.lstrip("(").rstrip(".,;:)") for span in code_spans(text) for w in span.split()}
    return {w for w in words
            if re.fullmatch(r"[\w./-]+", w) and ("/" in w or w.endswith(PATH_SUFFIXES))
            and not re.search(r"NN|<|\*|^https?:|^\.\.?/", w) and not w.startswith(("-", "course_utils."))}


def make_targets(text: str) -> set[str]:
    return {m for span in code_spans(text) for m in re.findall(r"(?:^|[;&|]\s*)make ([\w.-]+)", span.strip())}


def ignored_folders() -> list[str]:
    """Folders git ignores because a command creates them (.venv/, build/, workspace/)."""
    lines = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    return [line.strip("/") for line in lines if line.endswith("/") and "*" not in line]


def uses(source: str, module: str) -> bool:
    if re.search(rf"\bcourse_utils\.{module}\b", source):
        return True
    lists = (paren or line for paren, line in FROM_PACKAGE.findall(source))
    names = {n.split()[0] for names in lists for n in names.split("#")[0].split(",") if n.strip()}
    return module in names or (module == "session" and "setup" in names)


@cache
def notebook_code(path: Path) -> str:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def module_map() -> dict[str, tuple[set[str], list[str]]]:
    """module -> (lectures as "03" or "hw02", test files) from the rows of the map's table."""
    section = GUIDE.split("## Module map", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        found = re.fullmatch(r"`course_utils/(\w+)(?:\.py|/)`", cells[1]) if len(cells) == 5 else None
        if found:
            lectures = set(re.findall(r"\b(?:hw)?\d\d\b", cells[3]))
            rows[found.group(1)] = (lectures, re.findall(r"`(tests/[\w/]+\.py)`", cells[4]))
    return rows


def course_modules() -> set[str]:
    package = ROOT / "course_utils"
    files = {p.stem for p in package.glob("*.py") if not p.stem.startswith("_")}
    folders = {p.parent.name for p in package.glob("*/__init__.py")}
    return files | folders


def test_every_path_named_exists_or_is_made_by_a_command():
    made = ignored_folders()
    missing = sorted(p for p in named_paths(GUIDE)
                     if not (ROOT / p).exists() and not any(p.startswith(f"{folder}/") for folder in made))
    assert not missing, f"CONTRIBUTING.md names paths that do not exist: {missing}"


def test_every_make_target_named_is_in_the_makefile():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    defined = set(re.findall(r"^([\w.-]+):", makefile, re.M))
    named = make_targets(GUIDE)
    assert named, "CONTRIBUTING.md names no make target"
    assert named <= defined, f"make targets named but not in the Makefile: {sorted(named - defined)}"


def test_the_checks_find_what_they_look_for():
    text = "Run `make unit`, then `make nosuch X=1`; edit `course_utils/srn.py`, not `notebooks/NN_name.ipynb`\n" \
           "(`.git/config`, `tests/`).\n" \
           "```bash\nmake lab\n.venv/bin/python -m pytest tests/test_srn.py\n```\n"
    assert make_targets(text) == {"unit", "nosuch", "lab"}
    assert named_paths(text) == {"course_utils/srn.py", ".git/config", "tests/", ".venv/bin/python",
                                 "tests/test_srn.py"}
    assert uses("from course_utils import setup\n", "session")
    assert uses("from course_utils import (plots,\n    srn)\n", "srn")
    assert uses("from course_utils import plots, srn as s  # the SRN\n", "srn")
    assert not uses("from course_utils.srn_modes import x\nfrom course_utils import setup\nsrn = 1\n", "srn")


def test_module_map_lists_every_module():
    rows = module_map()
    assert set(rows) >= course_modules(), f"modules missing from the map: {sorted(course_modules() - set(rows))}"
    assert set(rows) <= course_modules() | {"_validate"}, f"no such modules: {sorted(set(rows) - course_modules())}"


@pytest.mark.parametrize("module", sorted(module_map()))
def test_module_map_row_is_true(module):
    lectures, tests = module_map()[module]
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))
    users = {p.name.split("_")[0] for p in notebooks if uses(notebook_code(p), module)}
    assert lectures == users, (f"{module}: the map says lectures {sorted(lectures)}, "
                               f"the notebooks that import it are {sorted(users)}")
    for test in tests:
        source = (ROOT / test).read_text(encoding="utf-8")
        assert uses(source, module) or test == f"tests/test_{module}.py", f"{test} does not import {module}"
