"""`make site`: the course website built by Sphinx from the committed notebooks (tools/build_site.py).

The site is built once for the module (about 30 s). Then it is checked as files (every internal link
resolves, downloads are the committed notebooks, no solution is published) and as a reader sees it, in
Debian's chromium over a server on 127.0.0.1 and from file://: every page loads without a request
leaving the machine, formulas are typeset, images load and have alt text, headings are in order, search
finds pages, and each page links to a new issue about itself."""
import functools
import http.server
import itertools
import re
import threading
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import build_site
import nbformat
import pytest
import site_ext
import site_pages
from browser import RequestLog, chromium
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
LECTURES, HOMEWORK = build_site.course_notebooks()
PAGES = ([f"notebooks/{p.stem}.html" for p in LECTURES] + [f"exercises/{p.stem}.html" for p in HOMEWORK]
         + ["index.html", "notation.html", "glossary.html", "benchmarks.html"])
# TeX left in a page's visible prose: a delimiter MathJax should have consumed, or a control word
RAW_TEX = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\(?:frac|sum|mathbb|operatorname|partial|hat|top)\b")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    index = build_site.build(out)
    assert index == out / "index.html" and index.is_file()
    return out


@functools.cache
def _soup(path: Path) -> BeautifulSoup:
    """A built page, parsed once for the whole module (the tests only read it)."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)


# --- the pages made from the notebooks, without a build ------------------------------------------

def _notebook(path: Path, cells) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nbformat.write(nb, path)
    return path


def test_markdown_tables_read_cells_and_pipes_survive_the_glossary(tmp_path):
    text = "## Glossary\n\n| English | 中文 |\n|---|---|\n| norm $\\lVert g\\rVert$, `a \\| b` | 范数 |\n"
    assert site_pages.markdown_tables(text) == [[["English", "中文"], ["norm $\\lVert g\\rVert$, `a | b`", "范数"]]]
    nb = _notebook(tmp_path / "01_x.ipynb", [nbformat.v4.new_markdown_cell(text)])
    row = site_pages.glossary_page([nb]).splitlines()[-1]
    assert row == "| norm $\\lVert g\\rVert$, `a \\| b` | 范数 |  | [01](notebooks/01_x.ipynb) |"
    assert site_pages.markdown_tables(row.join(["| a | b | c | d |\n|---|---|---|---|\n", "\n"]))[0][1][0] == \
        "norm $\\lVert g\\rVert$, `a | b`"


def test_glossaries_merge_into_one_alphabetical_list(tmp_path):
    md = nbformat.v4.new_markdown_cell
    first = _notebook(tmp_path / "00_overview.ipynb", [md(
        "## Glossary EN / 中文\n\n| English | 中文 | where |\n|---|---|---|\n| hidden state | 隐状态 | 03 |\n")])
    srn = _notebook(tmp_path / "03_srn.ipynb", [md("# 03 · SRN"), md(
        "## Glossary\n\n| English | 中文 | meaning here |\n|---|---|---|\n"
        "| Hidden state | 隐藏层状态 | $h_t$ |\n| bias | 偏置 | $b_h$ |\n")])
    lab = _notebook(tmp_path / "03_srn_lab.ipynb",
                    [md("## Glossary\n\n| English | 中文 |\n|---|---|\n| bias | 偏置 |\n")])
    terms = site_pages.merge_glossaries([first, srn, lab])
    assert [t.english for t in terms] == ["bias", "hidden state"]
    assert terms[0].lectures == ["03_srn", "03_srn_lab"] and terms[0].meaning == "$b_h$"
    assert terms[1].chinese == ["隐状态", "隐藏层状态"] and terms[1].lectures == ["03_srn"]   # lecture 00 says "where"
    page = site_pages.glossary_page([first, srn, lab])
    assert "| bias | 偏置 | $b_h$ | [03](notebooks/03_srn.ipynb), [03 lab](notebooks/03_srn_lab.ipynb) |" in page
    with pytest.raises(ValueError, match="no glossary"):
        site_pages.glossary_page([_notebook(tmp_path / "x.ipynb", [md("# x")])])


def test_lecture_labels_tell_two_notebooks_of_one_lecture_apart():
    assert site_pages.lecture_labels(["04_bptt", "04_bptt_lab", "11_apps", "11_apps_generation", "x"]) == {
        "04_bptt": "04", "04_bptt_lab": "04 lab", "11_apps": "11", "11_apps_generation": "11 generation", "x": "x"}


def test_titles_and_short_titles(tmp_path):
    nb = _notebook(tmp_path / "03.ipynb", [nbformat.v4.new_markdown_cell("# 03 · The SRN: the forward pass\n\ntext")])
    assert site_pages.notebook_title(nb) == "03 · The SRN: the forward pass"
    assert site_pages.short_title("03 · The SRN: the forward pass") == "03 · The SRN"
    with pytest.raises(ValueError, match="level-1 heading"):
        site_pages.notebook_title(_notebook(tmp_path / "none.ipynb", [nbformat.v4.new_markdown_cell("## only")]))
    with pytest.raises(ValueError, match=r"\.ipynb"):
        site_pages.read_notebook(tmp_path / "lecture.md")


def test_notation_page_takes_lecture_00s_sections_and_its_setup_hidden(tmp_path):
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    overview = _notebook(tmp_path / "00_overview.ipynb", [
        md("# 00 · Overview"), code("rng = setup()"), md("## 2. How to use"), md("## 3. Notation"), md("symbols"),
        md("## 4. Crosswalk"), md("### Known slips"), md("## 5. The notation against torch"), md("## Summary")])
    nb = site_pages.notation_notebook(overview)
    assert [c.source.splitlines()[0] for c in nb.cells] == [
        "# Notation and crosswalk", "rng = setup()", "## 3. Notation", "symbols", "## 4. Crosswalk", "### Known slips"]
    assert nb.cells[1].metadata["tags"] == ["remove-cell"]
    with pytest.raises(ValueError, match="Notation"):
        site_pages.notation_notebook(_notebook(tmp_path / "empty.ipynb", [md("# nothing")]))


def test_home_page_needs_its_slots(tmp_path):
    (tmp_path / "notebooks").mkdir()
    nb = _notebook(tmp_path / "notebooks" / "03_srn.ipynb", [nbformat.v4.new_markdown_cell("# 03 · SRN: forward")])
    page = site_pages.home_page("{{ lectures }}\n{{ homework }}\n{{ toctrees }}", [nb], [], ["glossary"])
    assert "| [03 · SRN: forward](notebooks/03_srn.ipynb) | {download}`03_srn.ipynb <notebooks/03_srn.ipynb>` |" in page
    assert "03 · SRN <notebooks/03_srn>" in page and ":caption: Look up" in page
    with pytest.raises(ValueError, match="lectures"):
        site_pages.home_page("no slots", [nb], [], [])


# --- the Sphinx extension's pieces ---------------------------------------------------------------

def test_issue_url_names_the_page():
    url = site_ext.issue_url("https://github.com/me/rnn-course", "notebooks/03_srn_forward", "03 · The SRN")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://github.com/me/rnn-course/issues/new"
    query = parse_qs(parts.query)
    assert query["title"] == ["Error on page notebooks/03_srn_forward: 03 · The SRN"]
    assert "notebooks/03_srn_forward.html" in query["body"][0]
    gitlab = site_ext.issue_url("https://gitlab.com/me/rnn-course/", "index", "Home")
    assert gitlab.startswith("https://gitlab.com/me/rnn-course/-/issues/new?") and "issue%5Btitle%5D" in gitlab
    for bad in ("", "github.com/me/rnn-course", "https://github.com/me"):
        with pytest.raises(ValueError, match="repository URL"):
            site_ext.issue_url(bad, "index", "Home")
    with pytest.raises(ValueError, match="page's name"):
        site_ext.issue_url("https://github.com/me/rnn-course", "", "Home")


def test_plain_caption_drops_tex_markup():
    caption = r"unrolled for $T = 4$: the same $W_{hx}$, $\hat y_t$ and $\operatorname{diag}(f')$"
    assert site_ext.plain_caption(caption) == "unrolled for T = 4: the same W_hx, hat y_t and diag(f')"


def _cells(*children):
    """A docutils section of notebook cells as myst-nb lays them out: code cells are containers of class cell."""
    from docutils import nodes

    section = nodes.section()
    for child in children:
        if child == "figure":
            child = nodes.container("", nodes.image(uri="fig.png"), classes=["cell"])
        elif child == "checks":
            child = nodes.container("", nodes.literal_block(text="✓ ok"), classes=["cell"])
        else:
            child = nodes.paragraph(text=child)
        section += child
    return section


def test_figure_caption_is_the_paragraph_after_the_figure():
    from docutils import nodes

    def caption(*children):
        return site_ext.figure_caption(next(_cells(*children).findall(nodes.image)))

    assert caption("lead-in", "figure", "Left: $W_{hx}$ at work.") == ("Left: W_hx at work.", "after")
    assert caption("lead-in", "figure", "checks", "checks", "caption") == ("caption", "after checks")
    assert caption("The figure shows $h_t$.", "figure", "figure") == ("The figure shows h_t.", "before")
    assert caption("figure") == (None, "none")


def test_chinese_runs_get_a_lang():
    pieces = site_ext.mark_chinese("hidden state 隐状态 (隐藏层 状态), ok")
    assert [p.astext() for p in pieces] == ["hidden state ", "隐状态", " (", "隐藏层 状态", "), ok"]
    assert pieces[1]["classes"] == ["language-zh-Hans"]
    assert [p.astext() for p in site_ext.mark_chinese("no Chinese")] == ["no Chinese"]


def test_live_demo_line_is_what_explore_shows():
    from ipywidgets import IntSlider

    from course_utils.interactive import explore

    box = explore(lambda k, n: None, k=IntSlider(value=1), n=IntSlider(value=2))
    match = site_ext.LIVE_DEMO_LINE.match(repr(box))
    assert match and match["controls"] == "k, n"


# --- the built site, as files ---------------------------------------------------------------------

@pytest.mark.slow
def test_every_page_is_built(site):
    expected = PAGES + ["search.html", "searchindex.js", "_static/mathjax/MathJax.js"]
    missing = [p for p in expected if not (site / p).is_file()]
    assert not missing


def _local_targets(page: Path, site: Path):
    """(href, file, fragment) of every link and resource of a page that stays inside the site."""
    soup = _soup(page)
    refs = [(t.name, t.get("href") or t.get("src")) for t in soup.find_all(["a", "link", "img", "script"])]
    for tag, ref in refs:
        if not ref or re.match(r"^[a-z]+:", ref) or ref.startswith("//"):
            continue
        parts = urlsplit(ref)
        target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        yield ref, target, parts.fragment


@pytest.mark.slow
def test_internal_links_resolve(site):
    broken, ids = [], {}
    for page in _pages(site):
        for ref, target, fragment in _local_targets(page, site):
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{page.relative_to(site)} -> {ref}")
            elif fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = {t["id"] for t in _soup(target).find_all(id=True)}
                if fragment not in ids[target]:
                    broken.append(f"{page.relative_to(site)} -> {ref} (no #{fragment})")
    assert not broken, f"{len(broken)} broken internal links: {broken[:10]}"


@pytest.mark.slow
def test_pages_load_nothing_from_the_web(site):
    remote = []
    for page in _pages(site):
        soup = _soup(page)
        loads = [t.get("src") for t in soup.find_all(["script", "img", "iframe", "source"]) if t.get("src")]
        loads += [t.get("href") for t in soup.find_all("link") if t.get("href")]
        remote += [f"{page.name}: {u}" for u in loads if re.match(r"^(https?:)?//", u)]
    css = [p for p in site.rglob("*.css") if re.search(r"url\(\s*['\"]?(https?:)?//", p.read_text(errors="ignore"))]
    assert not remote and not css, f"loaded from the web: {remote[:5]} {css[:5]}"


@pytest.mark.slow
def test_downloads_are_the_committed_notebooks(site):
    home = _soup(site / "index.html")
    downloads = {Path(a["href"]).name: site / a["href"] for a in home.select("a.download")}
    for nb in LECTURES + HOMEWORK:
        assert downloads[nb.name].read_bytes() == nb.read_bytes(), nb.name
        page = site / nb.parent.name / f"{nb.stem}.html"
        button = _soup(page).find("a", href=re.compile(rf"_sources/{nb.parent.name}/{re.escape(nb.name)}$"))
        assert button is not None, f"{page.name} has no download button"
        assert (page.parent / button["href"]).resolve().read_bytes() == nb.read_bytes()


@pytest.mark.slow
def test_no_solution_is_published(site):
    assert not list(site.rglob("*solutions*")), "a solutions/ file is in the site"
    text = " ".join(p.read_text(encoding="utf-8") for p in _pages(site)) + (site / "searchindex.js").read_text()
    assert "BEGIN SOLUTION" not in text
    leaked = []
    for solution in sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(solution, as_version=4).cells:
            body = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.DOTALL)
            lines = [line.strip() for b in body for line in b.splitlines() if len(line.strip()) > 30]
            leaked += [line for line in lines if line in text]
    assert not leaked, f"solution code in the site: {leaked[:3]}"


@pytest.mark.slow
def test_glossary_is_one_page_with_chinese_marked(site):
    soup = _soup(site / "glossary.html")
    rows = soup.select("article table tbody tr")
    assert len(rows) > 150
    zh = soup.select('article span[lang="zh-Hans"]')
    assert len(zh) >= len(rows) and "循环神经网络" in {s.get_text() for s in zh}
    css = (site / "_static" / "course.css").read_text()
    assert ":lang(zh-Hans)" in css and "@font-face" not in css


@pytest.mark.slow
def test_figures_have_their_captions_as_alt_text(site):
    images = _soup(site / "notebooks" / "03_srn_forward.html").select("article img")
    alts = [i.get("alt", "") for i in images]
    assert len(images) >= 4 and all(alts)
    unrolled = "Left, the network with its loop; right, the same network unrolled for T = 4"
    assert any(a.startswith(unrolled) for a in alts)


@pytest.mark.slow
def test_live_demos_say_how_to_run_them(site):
    demos = 0
    for nb in LECTURES:
        soup = _soup(site / "notebooks" / f"{nb.stem}.html")
        assert "Live controls (" not in soup.get_text(), nb.name
        stored = nb.read_text(encoding="utf-8").count("Live controls (")
        notes = soup.select(".live-demo")
        assert len(notes) == stored and all("make lab" in n.get_text() for n in notes), nb.name
        demos += stored
    assert demos >= 5


# --- in a browser -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    yield from chromium()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    """The site served over http on 127.0.0.1 (as a static host serves it), on a free port."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log = RequestLog(page)
    page.goto(url, wait_until="load")
    if page.evaluate("!!(window.MathJax && MathJax.Hub)"):
        page.wait_for_function("MathJax.isReady === true", timeout=30_000)
        page.evaluate("new Promise(done => MathJax.Hub.Queue(() => done(true)))")
    return page, log


READER_VIEW = """() => {
    const article = document.querySelector('article');
    const prose = article.cloneNode(true);
    prose.querySelectorAll('script, style, pre, code, .MathJax_Preview, .MathJax_Display, .MathJax, '
                           + '.MJX_Assistive_MathML').forEach(n => n.remove());
    const headings = Array.from(article.querySelectorAll('h1, h2, h3, h4, h5, h6')).map(h => +h.tagName[1]);
    return {
        text: prose.textContent,
        formulas: document.querySelectorAll('.MathJax, .MathJax_Display').length,
        mathSources: document.querySelectorAll('script[type^="math/tex"]').length,
        mathErrors: document.querySelectorAll('.MathJax_Error, .merror').length,
        images: Array.from(document.images).map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0,
                                                      (i.getAttribute('alt') || '').trim()]),
        headings,
        lang: document.documentElement.lang,
        issue: (document.querySelector('.report-issue a') || {}).href || '',
        unnamedLinks: Array.from(document.querySelectorAll('a[href]')).filter(a => a.offsetParent !== null
            && !(a.textContent.trim() || a.getAttribute('aria-label') || a.getAttribute('title')
                 || a.querySelector('img[alt]'))).map(a => a.outerHTML.slice(0, 80)),
    };
}"""


@pytest.mark.slow
@pytest.mark.parametrize("path", PAGES)
def test_page_in_chromium(browser, server, path):
    page, log = _open(browser, server + path)
    try:
        view = page.evaluate(READER_VIEW)
        assert log.errors == [], f"script errors: {log.errors}"
        assert log.failed == [], f"files the page could not load: {log.failed}"
        assert log.remote() == [], f"requests that leave the machine: {log.remote()}"
        # formulas: every one MathJax found is typeset, and no TeX is left in the prose
        assert view["mathErrors"] == 0 and view["formulas"] >= view["mathSources"]
        if path.startswith("notebooks/") or path == "notation.html":
            assert view["formulas"] > 10
        assert sorted(set(RAW_TEX.findall(view["text"]))) == [], "TeX left untypeset"
        # images load and say what they show; headings in order; the page says its language
        assert all(loaded for _, loaded, _ in view["images"]), [src for src, ok, _ in view["images"] if not ok]
        assert all(alt for _, _, alt in view["images"]), "an image without alt text"
        headings = view["headings"]
        assert headings[:1] == [1] and headings.count(1) == 1, f"headings: {headings}"
        assert all(b <= a + 1 for a, b in itertools.pairwise(headings)), f"a heading level skipped: {headings}"
        assert view["lang"] == "en" and view["unnamedLinks"] == []
        # the report-an-error link opens an issue that names this page
        issue = urlsplit(view["issue"])
        assert issue.path.endswith("/issues/new")
        assert path.removesuffix(".html") in parse_qs(issue.query)["title"][0]
    finally:
        page.close()


@pytest.mark.slow
def test_search_finds_pages_offline(browser, server):
    page, log = _open(browser, server + "search.html?q=perplexity")
    try:
        page.wait_for_function("document.querySelectorAll('#search-results li').length > 0", timeout=30_000)
        links = page.evaluate("Array.from(document.querySelectorAll('#search-results li a')).map(a => a.href)")
        assert any("02_language_models" in u for u in links)
        page.wait_for_timeout(500)
        assert log.remote() == [] and log.errors == []
    finally:
        page.close()


@pytest.mark.slow
def test_a_lecture_works_from_disk_without_a_server(browser, site):
    page, log = _open(browser, (site / "notebooks" / "04_bptt.html").as_uri())
    try:
        view = page.evaluate(READER_VIEW)
        assert view["formulas"] > 10 and view["mathErrors"] == 0 and not RAW_TEX.findall(view["text"])
        assert all(loaded for _, loaded, _ in view["images"])
        assert log.remote() == [] and log.failed == [] and log.errors == []
    finally:
        page.close()


@pytest.mark.slow
def test_chinese_gets_a_local_chinese_font(browser, server):
    page, log = _open(browser, server + "glossary.html")
    try:
        family = page.evaluate("getComputedStyle(document.querySelector('article span[lang=\"zh-Hans\"]')).fontFamily")
        assert "Noto Sans CJK SC" in family and "Microsoft YaHei" in family
        fonts = [u for u in log.requests if re.search(r"\.(woff2?|ttf|otf)(\?|$)", u)]
        assert fonts and all(u.startswith(server + "_static/") for u in fonts), fonts   # MathJax's, the icons'
        assert log.remote() == []
    finally:
        page.close()
