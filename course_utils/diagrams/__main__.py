"""python -m course_utils.diagrams DIR [NAME ...]: write the diagrams of GALLERY (all, or the NAMEs) as PNGs."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")                   # files only, whatever MPLBACKEND says
    import matplotlib.pyplot as plt

    from . import GALLERY

    parser = argparse.ArgumentParser(prog="python -m course_utils.diagrams",
                                     description="Write the course's architecture diagrams as PNG files.")
    parser.add_argument("directory", type=Path, help="where to write NAME.png (created if missing)")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"diagrams to write (default all): {', '.join(GALLERY)}")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in GALLERY]
    if unknown:
        parser.error(f"unknown diagram(s) {', '.join(unknown)}; choose from {', '.join(GALLERY)}")
    args.directory.mkdir(parents=True, exist_ok=True)
    for name in args.names or GALLERY:
        fig = GALLERY[name]()
        path = args.directory / f"{name}.png"
        fig.savefig(path)
        plt.close(fig)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
