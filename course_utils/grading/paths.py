"""Where the course checkout is: the folder with solutions/ (the reference answers) and exercises/.

The grader needs the instructor notebooks. In the usual set-up (`make`'s editable install) they sit
next to the package; after a plain `pip install .` the package lives in site-packages, so the
checkout is found from the environment variable COURSE_ROOT or the current folder.
"""
from __future__ import annotations

import os
from pathlib import Path

ENV = "COURSE_ROOT"
PACKAGE_CHECKOUT = Path(__file__).resolve().parents[2]


def _has_solutions(folder: Path) -> bool:
    return (folder / "solutions").is_dir()


def course_root() -> Path:
    """The course checkout: $COURSE_ROOT if set, else the checkout around the package, else the
    current folder. Raises FileNotFoundError, saying what to do, when none holds solutions/."""
    if os.environ.get(ENV):
        root = Path(os.environ[ENV]).resolve()
        if not _has_solutions(root):
            raise FileNotFoundError(f"{ENV}={root} has no solutions/ folder: point it at the course checkout")
        return root
    for candidate in (PACKAGE_CHECKOUT, Path.cwd().resolve()):
        if _has_solutions(candidate):
            return candidate
    raise FileNotFoundError("the grader needs the course's solutions/ folder: run it from the course checkout, "
                            f"or set {ENV} to that folder")
