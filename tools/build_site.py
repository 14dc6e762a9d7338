"""`make site`: the course website, a static HTML book built by Sphinx from the committed notebooks.

The notebooks are rendered as committed, with their stored outputs (nothing is executed). A staging
folder gets exact copies of the lectures (notebooks/), the homework as students receive it
(exercises/, never solutions/), the benchmark page, and the pages made from the notebooks
(tools/site_pages.py: home page tables, notation, glossary); Sphinx then builds it with the
configuration in site/ (myst-nb, sphinx-book-theme, MathJax 2 from local files; tools/site_ext.py).

    python tools/build_site.py --out build/site
"""
import argparse
import shutil
import sys
import time
import warnings
from pathlib import Path

import nbformat
import site_pages

ROOT = Path(__file__).resolve().parents[1]
CONF_DIR = ROOT / "site"
REFERENCE_PAGES = ("notation", "glossary", "benchmarks")


def course_notebooks(root: Path = ROOT) -> tuple[list[Path], list[Path]]:
    """The lectures and the homework exercises, in course order (their file names sort that way)."""
    lectures = sorted((root / "notebooks").glob("*.ipynb"))
    homework = sorted((root / "exercises").glob("*.ipynb"))
    if not lectures:
        raise FileNotFoundError(f"no lecture notebooks in {root / 'notebooks'}")
    return lectures, homework


def stage(src: Path, root: Path = ROOT) -> Path:
    """Fill src with what Sphinx reads: copies of the notebooks and benchmarks, and the generated pages.

    Notebooks are copied byte for byte, so the download links give the committed notebook."""
    lectures, homework = course_notebooks(root)
    if src.exists():
        shutil.rmtree(src)
    for folder, paths in (("notebooks", lectures), ("exercises", homework)):
        (src / folder).mkdir(parents=True)
        for p in paths:
            shutil.copy2(p, src / folder / p.name)
    shutil.copy2(root / "benchmarks" / "README.md", src / "benchmarks.md")
    for figure in sorted((root / "benchmarks").glob("*.png")):   # the figures benchmarks/README.md shows
        shutil.copy2(figure, src / figure.name)
    overview = next((p for p in lectures if p.stem.startswith("00")), lectures[0])
    template = (CONF_DIR / "index.md").read_text(encoding="utf-8")
    staged = ([src / "notebooks" / p.name for p in lectures], [src / "exercises" / p.name for p in homework])
    pages = {"glossary.md": site_pages.glossary_page(lectures),
             "notation.ipynb": nbformat.writes(site_pages.notation_notebook(overview)),
             "index.md": site_pages.home_page(template, *staged, REFERENCE_PAGES)}
    for name, text in pages.items():
        (src / name).write_text(text, encoding="utf-8")
    return src


def build(out: Path, src: Path | None = None, root: Path = ROOT, quiet: bool = True) -> Path:
    """Stage and build the site into out; returns out/index.html. Sphinx's warnings fail the build."""
    from sphinx.cmd.build import build_main
    from sphinx.deprecation import RemovedInSphinx11Warning

    out = Path(out).resolve()
    work = out.parent / f"{out.name}_work"   # staged sources, Sphinx's cache, myst-nb's images (in work/../)
    src = Path(src).resolve() if src else work / "src"
    html = work / "html" / out.name          # myst-nb writes output images beside Sphinx's output folder
    # From scratch every time: an incremental build leaves other pages' navigation stale when a title
    # changes, and pages of removed notebooks behind.
    for folder in (out, work):
        if folder.exists():
            shutil.rmtree(folder)
    stage(src, root)
    args = ["-b", "html", "-c", str(CONF_DIR), "-W", "--keep-going", "-d", str(work / "doctrees"),
            *(["-q"] if quiet else []), str(src), str(html)]
    with warnings.catch_warnings():
        # the theme and myst-parser still use Sphinx APIs that Sphinx 11 removes: their business, not the reader's
        warnings.simplefilter("ignore", RemovedInSphinx11Warning)
        status = build_main(args)
    if status != 0:
        raise RuntimeError(f"sphinx-build failed (exit {status}); its warnings are printed above")
    shutil.move(html, out)
    return out / "index.html"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--verbose", action="store_true", help="print Sphinx's progress")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    index = build(args.out, quiet=not args.verbose)
    print(f"{index} ({time.perf_counter() - start:.0f} s); open it in a browser, or copy {args.out} to any static host")
    return 0


if __name__ == "__main__":
    sys.exit(main())
