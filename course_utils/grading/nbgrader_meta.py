"""nbgrader v3 cell metadata: reading it, validating it, and nbgrader's checksum rule.

A cell's metadata.nbgrader holds schema_version 3, grade (a test cell worth points), solution
(a cell the student writes), locked (the student must not edit it), grade_id (unique,
[A-Za-z0-9_-]), points (grade cells), and after release `checksum` and `cell_type`.
"""
from __future__ import annotations

import hashlib
import re

GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")


def meta(cell) -> dict:
    """The cell's nbgrader metadata ({} for a plain cell, or for metadata that is not a mapping; a
    grade_id that is not a string is dropped, so a damaged submission reads as a plain cell)."""
    metadata = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    found = metadata.get("nbgrader", {}) if isinstance(metadata, dict) else {}
    if not isinstance(found, dict):
        return {}
    found = dict(found)
    if "grade_id" in found and not isinstance(found["grade_id"], str):
        del found["grade_id"]
    return found


def is_grade(cell) -> bool:
    return bool(meta(cell).get("grade", False))


def is_solution(cell) -> bool:
    return bool(meta(cell).get("solution", False))


def is_locked(cell) -> bool:
    """nbgrader's rule: solution cells are never locked, grade cells always are."""
    m = meta(cell)
    if not m or m.get("solution", False):
        return False
    return bool(m.get("grade", False) or m.get("locked", False))


def compute_checksum(cell) -> str:
    """nbgrader's checksum: md5 of the source, cell type, the three flags, grade_id and points."""
    m = hashlib.md5()
    for part in (cell["source"], cell["cell_type"], str(is_grade(cell)), str(is_solution(cell)),
                 str(is_locked(cell)), meta(cell)["grade_id"]):
        m.update(part.encode("utf-8"))
    if is_grade(cell):
        m.update(str(float(meta(cell)["points"])).encode("utf-8"))
    return m.hexdigest()


def validation_problems(nb) -> list[str]:
    """What keeps a notebook's nbgrader metadata from being valid v3 metadata."""
    problems, seen = [], {}
    for index, cell in enumerate(nb.cells):
        raw = cell.get("metadata", {}).get("nbgrader")
        if raw is not None and not isinstance(raw, dict):
            problems.append(f"cell {index}: metadata.nbgrader must be a mapping, got {type(raw).__name__}")
            continue
        m = meta(cell)
        if not m:
            continue
        where = f"cell {index}"
        if m.get("schema_version") != 3:
            problems.append(f"{where}: schema_version must be 3, got {m.get('schema_version')!r}")
        gid = m.get("grade_id")
        if not isinstance(gid, str) or not GRADE_ID.match(gid):
            problems.append(f"{where}: grade_id {gid!r} must match [A-Za-z0-9_-]+")
        elif gid in seen:
            problems.append(f"{where}: grade_id {gid!r} repeats cell {seen[gid]}")
        else:
            seen[gid] = index
        for flag in ("grade", "solution", "locked"):
            if not isinstance(m.get(flag), bool):
                problems.append(f"{where}: {flag} must be true or false, got {m.get(flag)!r}")
        if m.get("grade"):
            points = m.get("points")
            if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
                problems.append(f"{where}: a grade cell needs points >= 0, got {points!r}")
        if m.get("solution") and m.get("locked"):
            problems.append(f"{where}: a solution cell cannot be locked")
        if cell.cell_type == "markdown" and m.get("grade") and not m.get("solution"):
            problems.append(f"{where}: a markdown grade cell must also be a solution cell")
    return problems
