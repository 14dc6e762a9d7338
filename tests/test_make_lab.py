"""`make lab` starts JupyterLab, headless, and it answers HTTP on /lab, with the widget manager the
live demos need."""
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_serves_lab_page(tmp_path):
    port = _free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    log = open(tmp_path / "lab.log", "w+")
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"PORT={port}"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    status, page = None, ""
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and status is None:
            if proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab", timeout=5) as r:
                    status = r.status
            except urllib.error.HTTPError as e:  # a login redirect or 403 still proves the server answers
                status = e.code
            except OSError:
                time.sleep(0.5)
        page = _lab_page_with_token(log, port)
    finally:
        _stop(proc)
        log.seek(0)
        output = log.read()
    assert status == 200, f"no HTTP 200 from /lab on port {port}; make lab printed:\n{output[-3000:]}"
    assert f"127.0.0.1:{port}/lab" in output, "make lab did not print the URL to open"
    # the live demos (course_utils.interactive) draw through ipywidgets' JupyterLab extension
    assert "@jupyter-widgets/jupyterlab-manager" in page, "JupyterLab does not list the ipywidgets extension"


def _lab_page_with_token(log, port: int) -> str:
    """The /lab page as the URL that make lab printed serves it (with its token), or ''."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        log.seek(0)
        found = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=\w+", log.read())
        if found:
            with urllib.request.urlopen(found.group(0), timeout=10) as r:
                return r.read().decode("utf-8", "replace")
        time.sleep(0.5)
    return ""


def _stop(proc: subprocess.Popen) -> None:
    """Stop make and the Jupyter server it started (one process group)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
