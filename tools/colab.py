"""Make lectures open and run on Google Colab: an "Open in Colab" link, and a first cell that installs the course.

    python tools/colab.py notebooks/*.ipynb            # add or update both, in place
    python tools/colab.py --check notebooks/*.ipynb    # exit 1 if a lecture lacks them or they are stale

For each lecture it
- puts a markdown cell with the link (`colab-link` tag, skipped in the slides) right after the title cell;
- puts, at the top of the first code cell, a few lines that install the course package from the repository
  with pip when `course_utils` cannot be imported (a Colab runtime), and do nothing at all where it is
  installed (`make`'s venv, conda, Binder), so the stored outputs stay as they are.
Both are found again by their tag and markers and replaced, so running the tool twice changes nothing and
a new repository address in course.toml updates every lecture. The address and branch come from course.toml.
The link is plain text: a badge image would be fetched from another site whenever the notebook is shown.
"""
from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
TAG = "colab-link"
BEGIN, END = "# >>> Colab: install the course package when it is missing (tools/colab.py)", "# <<< Colab"
_BLOCK = re.compile(rf"^{re.escape(BEGIN)}\n.*?^{re.escape(END)}[^\n]*\n", re.S | re.M)
_GITHUB = re.compile(r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+?)(?:\.git)?/?$")


def course_settings(path: Path = ROOT / "course.toml") -> tuple[str, str]:
    """(repository URL, branch) from course.toml."""
    settings = tomllib.loads(path.read_text(encoding="utf-8"))
    return settings["repository_url"], settings.get("branch", "main")


def _github(repository: str) -> tuple[str, str]:
    match = _GITHUB.match(repository)
    if not match:
        raise ValueError(f"Colab opens notebooks from GitHub: expected https://github.com/OWNER/REPO, "
                         f"got {repository!r}")
    return match["owner"], match["repo"]


def colab_url(repository: str, branch: str, notebook: str) -> str:
    """Colab's address of `notebook` (a path inside the repository, e.g. notebooks/03_srn_forward.ipynb)."""
    owner, repo = _github(repository)
    return f"https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{notebook}"


def install_block(repository: str, branch: str) -> str:
    """The lines that start the first code cell: silent where course_utils is importable, else pip install."""
    owner, repo = _github(repository)
    return (f"{BEGIN}\n"
            "import importlib.util, subprocess, sys  # noqa: E401\n"
            "if importlib.util.find_spec(\"course_utils\") is None:\n"
            "    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"--quiet\",\n"
            f"                    \"course_utils @ git+https://github.com/{owner}/{repo}@{branch}\"], check=True)\n"
            f"{END}\n")


def link_cell(url: str):
    cell = nbformat.v4.new_markdown_cell(f"[Open this lecture in Colab]({url}): it installs the course package "
                                         "in its first code cell, then runs as it does here.")
    cell.metadata = {"tags": [TAG], "slideshow": {"slide_type": "skip"}}
    return cell


def apply(nb, notebook: str, repository: str, branch: str) -> bool:
    """Add or update the link cell and the install lines of one lecture (in place). True if it changed."""
    before = nbformat.writes(nb)
    code = next((c for c in nb.cells if c.cell_type == "code"), None)
    if code is None or not nb.cells or nb.cells[0].cell_type != "markdown":
        raise ValueError(f"{notebook}: a lecture starts with its title cell and has a code cell")
    nb.cells = [c for c in nb.cells if TAG not in c.metadata.get("tags", [])]
    link = link_cell(colab_url(repository, branch, notebook))
    link.id = f"{TAG}"                       # a fixed cell id: the same file every time
    nb.cells.insert(1, link)
    code.source = install_block(repository, branch) + _BLOCK.sub("", code.source)
    return nbformat.writes(nb) != before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook would change")
    args = parser.parse_args(argv)
    repository, branch = course_settings()
    stale = []
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        inside = path.resolve().relative_to(ROOT).as_posix() if path.resolve().is_relative_to(ROOT) else path.name
        if apply(nb, inside, repository, branch):
            stale.append(path)
            if not args.check:
                nbformat.write(nb, path)
    verb = "would change" if args.check else "updated"
    print("\n".join(f"{verb}: {p}" for p in stale) or "every notebook is up to date")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
