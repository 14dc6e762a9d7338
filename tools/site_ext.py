"""Sphinx extension of the course website (site/conf.py loads it; `make site`).

What it adds to what Sphinx, myst-nb and sphinx-book-theme do:
- a figure's alt text from its caption, the markdown paragraph right after the figure's cell (the
  lectures' convention), so that screen readers and text browsers say what a figure shows;
- the live demos' stored line ("Live controls (k): run the notebook ...") becomes a note that says
  how to run the demo, since the page has no Python kernel;
- Chinese text is marked lang="zh-Hans", so the browser picks a Chinese font the reader's machine
  has (site/_static/course.css lists common ones; no web font is loaded);
- every page's "report an error" link (an issue about that page on the course's repository);
- MathJax 2 from the jupyter-server-mathjax package, copied into _static/mathjax/.
"""
import html
import re
import shutil
from pathlib import Path
from urllib.parse import urlencode

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

# What course_utils.interactive.Explorer shows where no kernel runs (tests/test_site.py checks the two agree).
LIVE_DEMO_LINE = re.compile(r"^Live controls \((?P<controls>[^)]*)\): run the notebook in Jupyter")
# Han characters, CJK punctuation and full-width forms; spaces between them stay inside one run.
CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+"
                     r"(?:\s+[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+)*")
CHINESE = "zh-Hans"
LOGGER = logging.getLogger(__name__)
# Inside these the text is code or TeX, never prose to mark up.
NOT_PROSE = (nodes.literal_block, nodes.literal, nodes.math, nodes.math_block, nodes.raw, nodes.image)


def issue_url(repository_url: str, pagename: str, title: str) -> str:
    """A link that opens a new issue about one page on GitHub or GitLab, with the page named in it."""
    if not re.match(r"^https?://[^/\s]+/[^/\s]+/[^/\s]+/?$", repository_url or ""):
        raise ValueError(f"expected a repository URL like https://github.com/OWNER/REPO, got {repository_url!r}")
    if not pagename:
        raise ValueError("expected the page's name (e.g. notebooks/03_srn_forward), got an empty one")
    repo = repository_url.rstrip("/")
    issue_title = f"Error on page {pagename}: {title}".strip().rstrip(":")
    body = (f"Page: {pagename}.html ({title})\n\nWhat is wrong (quote the sentence, formula or figure):\n\n"
            "What it should say:\n")
    if "gitlab" in repo.split("/")[2]:
        return f"{repo}/-/issues/new?" + urlencode({"issue[title]": issue_title, "issue[description]": body})
    return f"{repo}/issues/new?" + urlencode({"title": issue_title, "body": body})


def plain_caption(text: str) -> str:
    """A caption's text as alt text: TeX control words lose their backslash, braces and $ go."""
    text = re.sub(r"\\(?:mathrm|text|operatorname|mathbf|boldsymbol|mathcal)\b", "", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    text = re.sub(r"\\[,;:! ]", " ", text)
    text = text.replace("$", "").replace("{", "").replace("}", "").replace("\\", "")
    return re.sub(r"\s+", " ", text).strip()


def _cell_of(node):
    """The code cell's container that holds node, or None."""
    while node is not None and not (isinstance(node, nodes.container) and "cell" in node.get("classes", [])):
        node = node.parent
    return node


def _has_image(node) -> bool:
    return any(True for _ in node.findall(nodes.image))


def figure_caption(image: nodes.image) -> tuple[str | None, str]:
    """The caption of the figure a cell drew, and where it was found.

    The lectures' convention: the paragraph right after the figure's cell ("after"). Some figures are
    followed by a cell of checks first; then the first paragraph after those cells ("after checks").
    Failing both, the paragraph that leads into the figure ("before"). None: no paragraph at all."""
    cell = _cell_of(image)
    if cell is None or cell.parent is None:
        return None, "not in a cell"
    siblings = cell.parent.children
    here = siblings.index(cell)
    where = "after"
    for node in siblings[here + 1:]:
        if isinstance(node, nodes.paragraph):
            return plain_caption(node.astext()) or None, where
        if not (isinstance(node, nodes.container) and "cell" in node.get("classes", []) and not _has_image(node)):
            break
        where = "after checks"
    before = siblings[here - 1] if here else None
    if isinstance(before, nodes.paragraph):
        return plain_caption(before.astext()) or None, "before"
    return None, "none"


class FigureAltText(SphinxPostTransform):
    """Alt text for every image a notebook output made, from the figure's caption paragraph."""

    default_priority = 400
    formats = ("html",)

    def run(self, **kwargs):
        for image in self.document.findall(nodes.image):
            if image.get("alt"):
                continue
            caption, where = figure_caption(image)
            image["alt"] = caption or "A figure drawn by the code cell above; the text around it explains it."
            if where != "after":
                LOGGER.info(f"{self.env.docname}: a figure's alt text comes from the paragraph {where} its cell")


def live_demo_note(controls: str) -> nodes.admonition:
    """The note that stands in a page for a live demo's stored output."""
    note = nodes.admonition(classes=["note", "live-demo"])
    note += nodes.title(text="Live demo")
    text = (f"In Jupyter, this cell shows controls ({controls}); moving one runs the function above "
            "again and draws its result under them. The controls need a running Python kernel, which "
            "this page does not have: download the notebook (the download button at the top of the "
            "page), open it in JupyterLab (`make lab` in the course's folder), run all cells, then "
            "move a control.")
    para = nodes.paragraph()
    for i, piece in enumerate(text.split("`")):
        para += nodes.literal(text=piece) if i % 2 else nodes.Text(piece)
    note += para
    return note


class LiveDemoNotes(SphinxPostTransform):
    """Replace the stored "Live controls (...)" line of a live demo by a note on how to run it."""

    default_priority = 410
    formats = ("html",)

    def run(self, **kwargs):
        for block in list(self.document.findall(nodes.literal_block)):
            match = LIVE_DEMO_LINE.match(block.astext())
            if match:
                block.replace_self(live_demo_note(match["controls"]))


def _in_prose(node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, NOT_PROSE):
            return False
        parent = parent.parent
    return True


def mark_chinese(text: str) -> list[nodes.Node]:
    """text as Text nodes, with every run of Chinese in an inline node whose lang is zh-Hans."""
    pieces, start = [], 0
    for match in CJK_RUN.finditer(text):
        if match.start() > start:
            pieces.append(nodes.Text(text[start:match.start()]))
        pieces.append(nodes.inline(text=match.group(), classes=[f"language-{CHINESE}"]))
        start = match.end()
    if start < len(text):
        pieces.append(nodes.Text(text[start:]))
    return pieces


class ChineseLang(SphinxPostTransform):
    """lang="zh-Hans" on Chinese runs in prose, so the browser chooses a Chinese font for them."""

    default_priority = 420

    def run(self, **kwargs):
        for text in list(self.document.findall(nodes.Text)):
            if text.parent is None or not CJK_RUN.search(text) or not _in_prose(text):
                continue
            if isinstance(text.parent, nodes.inline) and f"language-{CHINESE}" in text.parent["classes"]:
                continue
            text.parent.replace(text, mark_chinese(str(text)))


def add_issue_link(app, pagename, templatename, context, doctree):
    """context["issue_url"]: the report-an-error link of this page (site/_templates/report-issue.html)."""
    title = html.unescape(re.sub(r"<[^>]+>", "", context.get("title") or ""))
    context["issue_url"] = issue_url(app.config.html_context["repository_url"], pagename, title)


def mathjax_source() -> Path:
    """MathJax 2's folder inside jupyter-server-mathjax (the same copy the slide decks use)."""
    from slides import mathjax_source as source

    return source()


def copy_mathjax(app, exception):
    """Put MathJax 2 into the built site's _static/mathjax/ (where conf.mathjax_path points)."""
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    if not (source / "MathJax.js").exists():
        raise FileNotFoundError(f"jupyter-server-mathjax no longer ships MathJax.js (looked in {source})")
    shutil.copytree(source, Path(app.outdir) / "_static" / "mathjax", dirs_exist_ok=True)


def setup(app):
    app.add_post_transform(FigureAltText)
    app.add_post_transform(LiveDemoNotes)
    app.add_post_transform(ChineseLang)
    app.connect("html-page-context", add_issue_link)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
