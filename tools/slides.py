"""Static reveal.js decks of the lectures that a browser shows with no network (`make slides`).

Each deck is written by nbconvert's slides exporter from the committed, executed notebook (nothing
is re-run), through a template (slides_template/) that loads reveal.js and MathJax from folders
next to the decks. Those files come from two packages in the lock: reveal.js from sphinx-revealjs
(MIT-licensed reveal.js 5), MathJax 2 from jupyter-server-mathjax (Apache-2.0 MathJax).

    python tools/slides.py --out build/slides notebooks/*.ipynb
"""
import argparse
import shutil
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "slides_template" / "course_slides.html.j2"
DECK_SUFFIX = ".slides.html"
REVEAL_DIR = "reveal.js"
MATHJAX_DIR = "mathjax"
THEME = "white"  # its fonts ship with reveal.js; several other themes import fonts from the web
# What the decks load from reveal.js: the core, its style, one theme with its fonts, speaker notes.
REVEAL_FILES = ("LICENSE", "dist/reveal.js", "dist/reveal.css", f"dist/theme/{THEME}.css",
                "dist/theme/fonts/source-sans-pro", "plugin/notes/notes.js")
MATHJAX_URL = f"{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"


def reveal_source() -> Path:
    """reveal.js's folder (LICENSE, dist/, plugin/) inside the installed sphinx-revealjs."""
    import sphinx_revealjs

    return Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"


def mathjax_source() -> Path:
    """MathJax 2's folder (MathJax.js, config/, jax/, fonts/ ...) inside jupyter-server-mathjax."""
    import jupyter_server_mathjax

    return Path(jupyter_server_mathjax.__file__).parent / "static"


def copy_assets(out_dir: Path) -> None:
    """Put the reveal.js and MathJax files the decks load into out_dir (replacing older copies)."""
    reveal, mathjax = reveal_source(), mathjax_source()
    for rel in REVEAL_FILES:
        src, dst = reveal / rel, out_dir / REVEAL_DIR / rel
        if not src.exists():
            raise FileNotFoundError(f"sphinx-revealjs no longer ships reveal.js's {rel} (looked in {reveal})")
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    if not (mathjax / "MathJax.js").exists():
        raise FileNotFoundError(f"jupyter-server-mathjax no longer ships MathJax.js (looked in {mathjax})")
    shutil.copytree(mathjax, out_dir / MATHJAX_DIR, dirs_exist_ok=True)


def exporter():
    """nbconvert's slides exporter, set to the course's offline template."""
    from nbconvert import SlidesExporter

    return SlidesExporter(template_file=str(TEMPLATE), reveal_url_prefix=REVEAL_DIR, reveal_theme=THEME,
                          mathjax_url=MATHJAX_URL)


def deck_path(notebook: Path, out_dir: Path) -> Path:
    """build/slides/NN_name.slides.html for notebooks/NN_name.ipynb."""
    return out_dir / f"{notebook.stem}{DECK_SUFFIX}"


def build_deck(notebook: Path, out_dir: Path, slides_exporter=None) -> Path:
    """Write the deck of one executed notebook into out_dir, as stored (no cell is run)."""
    import nbformat

    notebook = Path(notebook)
    if notebook.suffix != ".ipynb":
        raise ValueError(f"expected a notebook (.ipynb), got {notebook}")
    nb = nbformat.read(notebook, as_version=4)
    body, _ = (slides_exporter or exporter()).from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
    out = deck_path(notebook, out_dir)
    out.write_text(body, encoding="utf-8")
    return out


def build_decks(notebooks, out_dir: Path) -> list[Path]:
    """The assets once, then one deck per notebook; returns the decks' paths."""
    out_dir = Path(out_dir)
    notebooks = [Path(nb) for nb in notebooks]
    if not notebooks:
        raise ValueError("no notebooks given to make slides of")
    out_dir.mkdir(parents=True, exist_ok=True)
    copy_assets(out_dir)
    slides_exporter = exporter()
    return [build_deck(nb, out_dir, slides_exporter) for nb in notebooks]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("build/slides"))
    args = parser.parse_args(argv)
    for deck in build_decks(args.notebooks, args.out):
        print(deck)
    return 0


if __name__ == "__main__":
    sys.exit(main())
