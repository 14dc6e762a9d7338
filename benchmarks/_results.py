"""What every benchmark script shares: its command line and merging its keys into results.json."""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def parse_args(doc: str, argv=None, **extra) -> argparse.Namespace:
    """`--json PATH` (merge the results into that file) plus any extra `--name default` options."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="merge this benchmark's keys into a JSON file")
    for name, default in extra.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    return parser.parse_args(argv)


def merge(path: Path | None, results: dict) -> None:
    """Update the JSON object in `path` (created if missing) with `results`; no-op when path is None."""
    if path is None:
        return
    data = json.loads(path.read_text()) if path.exists() else {}
    data.update(results)
    path.write_text(json.dumps(data, indent=2) + "\n")
