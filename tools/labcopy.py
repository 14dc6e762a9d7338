"""The working copy that `make lab` serves, so that running a lecture never changes the course.

JupyterLab saves an open notebook on its own (every two minutes by default), so a lecturer who
runs a lecture in the committed notebooks/ changes them (execution counts, widget state,
outputs). `make lab` therefore serves a copy of notebooks/ and exercises/ in a folder git ignores
(workspace/ by default), with the same layout, so that every relative path in the notebooks holds.

`sync` (run by every `make lab`) copies what is missing and refreshes a copy when the course's
notebook changed, but only if the copy's cells are the ones it was given: running a notebook
(outputs, execution counts) does not count as editing it, changing a cell's text, its slide type
or its tags does. An edited copy is kept and named. `fresh` replaces copies on request and keeps
the replaced ones in workspace/.replaced/.

    python tools/labcopy.py sync  [--workspace workspace]
    python tools/labcopy.py fresh [--workspace workspace] 03_srn_forward | notebooks/03_srn_forward.ipynb | all
"""
import argparse
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("notebooks", "exercises")
MANIFEST = ".course-copy.json"  # what was copied: the course file's digest and its cells' fingerprint
BACKUPS = ".replaced"


def file_digest(path: Path) -> str:
    """sha256 of the file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


EDITABLE_METADATA = ("slideshow", "tags")  # what a lecturer changes in a cell besides its text


def cells_fingerprint(path: Path) -> str | None:
    """sha256 of a notebook's cells as a person edits them: type, source, slide type and tags (not
    outputs, execution counts or what running a cell records); None if the file is unreadable."""
    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
        text = [[c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"],
                 {k: c.get("metadata", {}).get(k) for k in EDITABLE_METADATA}] for c in cells]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return hashlib.sha256(json.dumps(text, ensure_ascii=False).encode()).hexdigest()


def course_notebooks(repo: Path) -> list[Path]:
    """The committed notebooks a working copy holds, relative to the repository."""
    return sorted(p.relative_to(repo) for folder in SOURCES for p in (repo / folder).glob("*.ipynb"))


def _load_manifest(workspace: Path) -> dict:
    path = workspace / MANIFEST
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _save_manifest(workspace: Path, manifest: dict) -> None:
    (workspace / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def _copy(repo: Path, workspace: Path, rel: Path, manifest: dict) -> None:
    src, dst = repo / rel, workspace / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    manifest[rel.as_posix()] = {"source": file_digest(src), "cells": cells_fingerprint(src)}


def sync(repo: Path = ROOT, workspace: Path = ROOT / "workspace") -> dict[str, str]:
    """Bring the working copy up to date without touching edited copies.

    Returns {relative path: what happened}, one of 'copied' (was missing), 'refreshed' (the course
    changed and the copy's cells were unedited), 'kept' (the course changed but the copy was edited),
    'current' (the course did not change since the copy was made)."""
    repo, workspace = Path(repo), Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    manifest, report = _load_manifest(workspace), {}
    for rel in course_notebooks(repo):
        key, dst = rel.as_posix(), workspace / rel
        record = manifest.get(key)
        if not dst.exists():
            _copy(repo, workspace, rel, manifest)
            report[key] = "copied"
        elif record and record["source"] == file_digest(repo / rel):
            report[key] = "current"
        elif cells_fingerprint(dst) == (record["cells"] if record else cells_fingerprint(repo / rel)):
            _copy(repo, workspace, rel, manifest)
            report[key] = "refreshed"
        else:
            report[key] = "kept"
    _save_manifest(workspace, manifest)
    return report


def resolve(repo: Path, names) -> list[Path]:
    """Course notebooks named by path (notebooks/03_srn_forward.ipynb), stem (03_srn_forward) or 'all'."""
    known = course_notebooks(Path(repo))
    if not names:
        raise ValueError("name the notebooks to refresh (e.g. 03_srn_forward), or 'all'")
    if list(names) == ["all"]:
        return known
    chosen = []
    for name in names:
        hits = [rel for rel in known if name in (rel.as_posix(), rel.name, rel.stem)]
        if not hits:
            raise ValueError(f"no course notebook named {name!r}; expected one of: "
                             + ", ".join(rel.stem for rel in known) + ", or 'all'")
        chosen += [rel for rel in hits if rel not in chosen]
    return chosen


def fresh(names, repo: Path = ROOT, workspace: Path = ROOT / "workspace") -> dict[str, Path | None]:
    """Replace the named copies with the course's notebooks; returns {path: backup of the old copy, or None}.

    A copy that differs from the course's notebook is moved to workspace/.replaced/ first."""
    repo, workspace = Path(repo), Path(workspace)
    chosen = resolve(repo, names)
    workspace.mkdir(parents=True, exist_ok=True)
    manifest, done = _load_manifest(workspace), {}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for rel in chosen:
        dst, backup = workspace / rel, None
        if dst.exists() and file_digest(dst) != file_digest(repo / rel):
            backup = workspace / BACKUPS / rel.parent / f"{rel.stem}.{stamp}{rel.suffix}"
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(dst, backup)
        _copy(repo, workspace, rel, manifest)
        done[rel.as_posix()] = backup
    _save_manifest(workspace, manifest)
    return done


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="The working copy of the course that `make lab` serves.")
    parser.add_argument("command", choices=["sync", "fresh"])
    parser.add_argument("names", nargs="*", help="for fresh: notebooks by name or path, or 'all'")
    parser.add_argument("--workspace", type=Path, default=ROOT / "workspace")
    args = parser.parse_intermixed_args(argv)  # names may come after --workspace
    if args.command == "sync":
        report = sync(ROOT, args.workspace)
        for key, what in report.items():
            if what in ("copied", "refreshed"):
                print(f"{what}: {args.workspace / key}")
            elif what == "kept":
                print(f"kept your edited {args.workspace / key}; the course's version changed "
                      f"(`make fresh NB={Path(key).stem}` replaces it)")
        print(f"working copy: {args.workspace} ({len(report)} notebooks)")
        return 0
    try:
        done = fresh(args.names, ROOT, args.workspace)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for key, backup in done.items():
        print(f"fresh copy: {args.workspace / key}" + (f" (your old copy: {backup})" if backup else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
