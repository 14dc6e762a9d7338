"""`make slides`: static reveal.js decks that a browser shows with no network.

The browser test opens decks in Debian's chromium (driven by playwright) from file:// and checks
what a lecturer sees: nothing is requested from another machine, formulas are typeset, images
load, and the arrow keys move through slides, fragments and subslides."""
import base64
import io
import re
from pathlib import Path

import nbformat
import pytest
import slides
from browser import LOCAL_HOSTS, RequestLog, chromium
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
LECTURE = ROOT / "notebooks" / "03_srn_forward.ipynb"
# TeX that MathJax should have replaced, left in the visible text: a delimiter, a control word, a sub-
# or superscript group
RAW_TEX = re.compile(r"\$|\\\(|\\\)|\\\[|\\\]|\\[A-Za-z]+|[_^]\{")


def _png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2), dpi=60)
    ax.plot([0, 1, 2], [0, 1, 0])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _slide(cell, kind):
    cell.metadata["slideshow"] = {"slide_type": kind}
    return cell


def fixture_notebook(path: Path) -> Path:
    """An executed notebook with every kind of slide metadata, formulas in the delimiters the lectures use
    ($, $$, \\begin{...}), and a figure."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    plot = code("plt.plot([0, 1, 2], [0, 1, 0])\nplt.show()", execution_count=1)
    plot.outputs = [nbformat.v4.new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"})]
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _slide(md("# Fixture deck\n\nInline $h_t = \\tanh(a_t)$ and "
                  "$a_t = W_{hx} x_t + W_{hh} h_{t-1} + b_h$."), "slide"),
        _slide(md("## Display formulas\n\n$$\\hat y_t = \\operatorname{softmax}(o_t)$$\n\n"
                  "$$\nL = \\sum_{t=1}^{T} \\ell_t\n$$"), "slide"),
        _slide(md("A fragment: $\\delta_{t,k} = \\prod_j \\operatorname{diag}(f'_j)\\, W_{hh}^\\top$"), "fragment"),
        _slide(plot, "subslide"),
        _slide(md("SKIPPED-TEXT stays in the notebook only"), "skip"),
        _slide(md("SPEAKER-NOTE for the lecturer"), "notes"),
        _slide(md("## Last slide\n\n\\begin{align} h_t &= \\tanh(a_t) \\end{align}"), "slide"),
    ]
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    src = tmp_path_factory.mktemp("src")
    out = tmp_path_factory.mktemp("slides")
    fixture, lecture = slides.build_decks([fixture_notebook(src / "fixture_deck.ipynb"), LECTURE], out)
    return {"fixture": fixture, "lecture": lecture}


# --- the build, without a browser -------------------------------------------------------------

def test_deck_path_names_the_deck_after_the_notebook(tmp_path):
    assert slides.deck_path(Path("notebooks/03_srn_forward.ipynb"), tmp_path) == tmp_path / "03_srn_forward.slides.html"


def test_build_rejects_what_is_not_a_notebook(tmp_path):
    with pytest.raises(ValueError, match=r"\.ipynb"):
        slides.build_deck(tmp_path / "lecture.md", tmp_path)
    with pytest.raises(ValueError, match="no notebooks"):
        slides.build_decks([], tmp_path)


@pytest.mark.slow
def test_assets_are_copied_next_to_the_decks(decks):
    out = decks["fixture"].parent
    for rel in ("reveal.js/dist/reveal.js", "reveal.js/dist/reveal.css", f"reveal.js/dist/theme/{slides.THEME}.css",
                "reveal.js/plugin/notes/notes.js", "reveal.js/LICENSE", "mathjax/MathJax.js", "mathjax/LICENSE",
                "mathjax/config/TeX-AMS-MML_HTMLorMML-full.js"):
        assert (out / rel).is_file(), rel


@pytest.mark.slow
@pytest.mark.parametrize("name", ["fixture", "lecture"])
def test_deck_loads_nothing_from_the_web(decks, name):
    soup = BeautifulSoup(decks[name].read_text(encoding="utf-8"), "html.parser")
    loads = [t.get("src") for t in soup.find_all(["script", "img", "iframe"]) if t.get("src")]
    loads += [t.get("href") for t in soup.find_all("link") if t.get("href")]
    loads += re.findall(r"url\(\s*['\"]?([^'\")]+)", " ".join(s.get_text() for s in soup.find_all("style")))
    loads += re.findall(r"import\s[^;]*?from\s+['\"]([^'\"]+)", " ".join(s.get_text() for s in soup.find_all("script")))
    remote = [u for u in loads if re.match(r"^(https?:)?//", u) and not LOCAL_HOSTS.match(u)]
    assert not remote, f"the deck loads from the web: {remote}"
    assert "reveal.js/dist/reveal.js" in loads and slides.MATHJAX_URL in loads


@pytest.mark.slow
def test_skip_cells_are_left_out_and_notes_go_to_the_speaker(decks):
    soup = BeautifulSoup(decks["fixture"].read_text(encoding="utf-8"), "html.parser")
    assert "SKIPPED-TEXT" not in soup.get_text()
    assert "SPEAKER-NOTE" in " ".join(a.get_text() for a in soup.select("aside.notes"))
    assert len(soup.select(".reveal .slides > section")) == 3


# --- in a browser ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    yield from chromium()


class Visit:
    """A deck opened in a fresh page, with every request and script error it caused."""

    def __init__(self, browser, deck: Path):
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.log = RequestLog(self.page)
        self.failed, self.errors = self.log.failed, self.log.errors
        self.page.goto(deck.as_uri())
        self.page.wait_for_function("window.Reveal && Reveal.isReady() && window.MathJax && MathJax.isReady",
                                    timeout=30_000)
        self.typeset()

    def typeset(self):
        """Wait until MathJax has done what is queued (the page, or a slide shown again)."""
        self.page.evaluate("new Promise(done => MathJax.Hub.Queue(() => done(true)))")

    def press(self, key: str):
        self.page.keyboard.press(key)
        self.typeset()

    def remote_requests(self):
        return self.log.remote()

    def formulas(self) -> int:
        return self.page.evaluate("document.querySelectorAll('.MathJax, .MathJax_Display').length")

    def math_errors(self) -> int:
        return self.page.evaluate("document.querySelectorAll('.merror, .noError, .MathJax_Error').length")

    def raw_tex(self) -> list[str]:
        """Text of the rendered markdown (code and MathJax's own sources left out) that still looks like TeX."""
        text = self.page.evaluate("""() => Array.from(document.querySelectorAll('.jp-RenderedMarkdown')).map(el => {
            const c = el.cloneNode(true);
            c.querySelectorAll('script, style, code, pre, .MathJax_Preview').forEach(n => n.remove());
            return c.textContent; }).join('\\n')""")
        return sorted(set(RAW_TEX.findall(text)))

    def images(self):
        return self.page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")

    def indices(self):
        return self.page.evaluate("Reveal.getIndices()")

    def current_text(self) -> str:
        return self.page.evaluate("Reveal.getCurrentSlide().textContent")


def _mostly_blank(png: bytes) -> bool:
    from PIL import Image

    gray = Image.open(io.BytesIO(png)).convert("L")
    dark = sum(gray.histogram()[:200])
    return dark < 0.005 * gray.width * gray.height


@pytest.mark.slow
def test_fixture_deck_in_chromium(browser, decks, tmp_path):
    v = Visit(browser, decks["fixture"])
    try:
        assert v.errors == [], f"script errors: {v.errors}"
        assert v.formulas() >= 6 and v.math_errors() == 0
        assert v.raw_tex() == [], "TeX left untypeset in the slides"
        assert v.images() and all(ok and width > 0 for ok, width in v.images())
        shot = v.page.screenshot(path=str(tmp_path / "fixture_title.png"))
        assert not _mostly_blank(shot), "the first slide shows nothing"

        # the space bar steps through everything in order, as a lecturer presents
        assert (v.indices()["h"], v.indices()["v"]) == (0, 0) and "Fixture deck" in v.current_text()
        v.press("Space")
        assert (v.indices()["h"], v.indices()["v"]) == (1, 0) and "Display formulas" in v.current_text()
        assert v.page.locator(".fragment.visible").count() == 0
        v.press("Space")  # the fragment appears on the same slide
        assert (v.indices()["h"], v.indices()["v"]) == (1, 0) and v.page.locator(".fragment.visible").count() == 1
        v.press("Space")  # the subslide below it: the figure
        assert (v.indices()["h"], v.indices()["v"]) == (1, 1)
        assert v.page.evaluate("Reveal.getCurrentSlide().querySelectorAll('img').length") == 1
        v.page.screenshot(path=str(tmp_path / "fixture_figure.png"))
        v.press("Space")
        assert (v.indices()["h"], v.indices()["v"]) == (2, 0) and "Last slide" in v.current_text()
        assert v.page.evaluate("Reveal.getCurrentSlide().querySelectorAll('.MathJax_Display').length") == 1
        v.press("ArrowLeft")  # the arrow keys move between the top-level slides
        assert v.indices()["h"] == 1
        assert "SPEAKER-NOTE" not in v.page.inner_text("body")
        assert v.failed == [], f"files the deck could not load: {v.failed}"
        assert v.remote_requests() == [], f"requests that leave the machine: {v.remote_requests()}"
    finally:
        v.page.close()


@pytest.mark.slow
def test_lecture_deck_in_chromium(browser, decks, tmp_path):
    v = Visit(browser, decks["lecture"])
    try:
        assert v.errors == [], f"script errors: {v.errors}"
        assert v.formulas() >= 20 and v.math_errors() == 0
        assert v.raw_tex() == [], "TeX left untypeset in the slides"
        assert all(ok and width > 0 for ok, width in v.images())
        shot = v.page.screenshot(path=str(tmp_path / "lecture_first.png"))
        assert not _mostly_blank(shot), "the first slide shows nothing"
        slide_count = v.page.evaluate("Reveal.getTotalSlides()")
        if slide_count > 1:  # the lecture has slide metadata: the arrow key moves on
            before = v.indices()
            v.press("Space")
            assert v.indices() != before
        assert v.failed == [], f"files the deck could not load: {v.failed}"
        assert v.remote_requests() == [], f"requests that leave the machine: {v.remote_requests()}"
    finally:
        v.page.close()


def test_missing_reveal_files_are_named(tmp_path, monkeypatch):
    monkeypatch.setattr(slides, "reveal_source", lambda: tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="reveal.js's LICENSE"):
        slides.copy_assets(tmp_path / "out")


@pytest.mark.slow
def test_command_line_writes_and_prints_the_decks(tmp_path, capsys):
    nb = fixture_notebook(tmp_path / "tiny.ipynb")
    assert slides.main([str(nb), "--out", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.split() == [str(tmp_path / "out" / "tiny.slides.html")]
