"""`make lab` starts JupyterLab, headless, on a working copy of the course: the lab page lists the
extensions the lectures need (ipywidgets for the live demos, RISE for slides), shows nothing of
nbgrader and no news, and saving a notebook in the lab leaves the committed one unchanged."""
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

# every test here uses a running `make lab` server (and chromium): `make test` only
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
LECTURE = "notebooks/03_srn_forward.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-default-apps", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A `make lab` running on a free port, serving a working copy in a temporary folder."""

    def __init__(self, tmp: Path):
        self.port, self.workspace = _free_port(), tmp / "workspace"
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp / "cfg")}
        self.log = open(tmp / "lab.log", "w+")  # noqa: SIM115 (the server writes to it until stop())
        self.proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"PORT={self.port}",
                                      f"WORKSPACE={self.workspace}"], cwd=ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.status = self._wait_for_http()
        self.url = self._printed_url()
        self.token = self.url.rpartition("token=")[2] if self.url else ""

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def _wait_for_http(self):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/lab", timeout=5) as r:
                    return r.status
            except urllib.error.HTTPError as e:  # a login redirect or 403 still proves the server answers
                return e.code
            except OSError:
                time.sleep(0.5)
        return None

    def _printed_url(self) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = re.search(rf"http://127\.0\.0\.1:{self.port}/lab\?token=\w+", self.output())
            if found:
                return found.group(0)
            time.sleep(0.5)
        return ""

    def request(self, path: str, method: str = "GET", body: dict | None = None):
        """(status, text) of an authenticated request to the server."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/{path}", data=data, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, ""

    def page_config(self) -> dict:
        """The configuration JupyterLab's page is built from (the JSON the server embeds in /lab)."""
        _, page = self.request("lab")
        found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.DOTALL)
        assert found, "the /lab page carries no jupyter-config-data"
        return json.loads(found.group(1))

    def stop(self) -> None:
        """Stop make and the Jupyter server it started (one process group)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    running = Lab(tmp_path_factory.mktemp("lab"))
    try:
        yield running
    finally:
        running.stop()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_make_lab_serves_lab_page(lab):
    assert lab.status == 200, f"no HTTP 200 from /lab on port {lab.port}; make lab printed:\n{lab.output()[-3000:]}"
    assert lab.url, "make lab did not print the URL to open"


def test_lab_lists_the_extensions_the_lectures_need(lab):
    enabled = {e["name"] for e in lab.page_config()["federated_extensions"]}
    # the live demos (course_utils.interactive) draw through ipywidgets' JupyterLab extension
    assert "@jupyter-widgets/jupyterlab-manager" in enabled, "JupyterLab does not list the ipywidgets extension"
    assert "jupyterlab-rise" in enabled, "JupyterLab does not list RISE (live slideshows)"
    status, _ = lab.request(f"rise/{LECTURE}")
    assert status == 200, "RISE's slideshow page does not open a lecture"


def test_rise_uses_a_theme_whose_fonts_ship_with_it(lab):
    # RISE's default theme ('simple') imports its fonts from the web; 'white' has them on disk. RISE's
    # slideshow page reads the same settings overrides as the lab (the virtualenv's lab settings).
    status, text = lab.request("lab/api/settings/jupyterlab-rise:plugin")
    assert status == 200
    assert json.loads(text)["schema"]["properties"]["theme"]["default"] == "white"


def test_lab_shows_no_nbgrader_and_no_news(lab):
    config = lab.page_config()
    disabled = config["disabledExtensions"]
    assert "@jupyter/nbgrader" in disabled, "nbgrader's menus and panels are on"
    assert "@jupyterlab/apputils-extension:announcements" in disabled, "the news pop-up is on"
    assert config["news"] == {"disabled": True}
    status, _ = lab.request("formgrader")
    assert status == 404, "nbgrader's formgrader is served"
    # the plugin we switch off exists under that name in this JupyterLab, so disabling it is not a no-op
    static = ROOT / ".venv" / "share" / "jupyter" / "lab" / "static"
    assert any("@jupyterlab/apputils-extension:announcements" in p.read_text(errors="ignore")
               for p in static.glob("jlab_core*.js"))


def test_lab_serves_the_working_copy_not_the_course(lab):
    assert lab.page_config()["serverRoot"] == str(lab.workspace)
    for rel in (LECTURE, "exercises/hw01_ngram_perplexity.ipynb"):
        assert (lab.workspace / rel).read_bytes() == (ROOT / rel).read_bytes(), f"{rel} was not copied as committed"
    assert not (lab.workspace / "solutions").exists(), "the working copy holds the solutions"


def test_saving_in_the_lab_leaves_the_committed_notebook_unchanged(lab):
    committed = _digest(ROOT / LECTURE)
    status, text = lab.request(f"api/contents/{LECTURE}")
    assert status == 200
    model = json.loads(text)
    nb = model["content"]
    nb["cells"][0]["source"] += "\n\nA lecturer's note."
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["execution_count"] = 99  # what running it in the lab does
    status, _ = lab.request(f"api/contents/{LECTURE}", "PUT", {"type": "notebook", "format": "json", "content": nb})
    assert status == 200
    assert "A lecturer's note." in (lab.workspace / LECTURE).read_text()
    assert _digest(ROOT / LECTURE) == committed, "saving in the lab changed the committed notebook"


def test_rise_slideshow_in_chromium_needs_no_network(lab, tmp_path):
    """What a lecturer does: open a lecture in the lab, press Alt+R, and RISE shows the slideshow."""
    if not CHROMIUM.exists():
        pytest.skip(f"chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    local = re.compile(r"^(https?|wss?)://127\.0\.0\.1:\d+/|^(data|blob|about):")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 850})
            remote = []
            page.on("request", lambda r: local.match(r.url) or remote.append(r.url))
            page.goto(f"http://127.0.0.1:{lab.port}/lab/tree/{LECTURE}?token={lab.token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            page.click(".jp-Notebook .jp-Cell")
            page.keyboard.press("Escape")
            page.keyboard.press("Alt+r")
            deadline = time.monotonic() + 60
            while not any("/rise/" in f.url for f in page.frames) and time.monotonic() < deadline:
                page.wait_for_timeout(500)
            rise = next(f for f in page.frames if "/rise/" in f.url)
            rise.wait_for_selector(".reveal .slides section", timeout=60_000)
            # (the theme sets headings in capitals)
            assert "simple recurrent network" in rise.inner_text(".reveal .slides").lower()
            page.wait_for_timeout(2000)  # fonts and late requests
            page.screenshot(path=str(tmp_path / "rise.png"))
            assert not page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").count()
            assert remote == [], f"the lab or RISE asked the web for: {remote}"
        finally:
            browser.close()
