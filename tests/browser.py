"""What the browser tests share (tests/test_slides.py, tests/test_site.py): Debian's chromium driven by
playwright (never `playwright install`), skipped where it is absent, and a record of the requests a page
makes, to tell the ones that would leave the machine."""
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-default-apps", "--disable-sync"]
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")
LOCAL_HOSTS = re.compile(r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/")


def is_remote(url: str) -> bool:
    """True for a URL that would be fetched from another machine."""
    return not url.startswith(LOCAL_SCHEMES) and not LOCAL_HOSTS.match(url)


def chromium():
    """A headless chromium for a module-scoped fixture (`yield from chromium()`); skips the test without one."""
    if not CHROMIUM.exists():
        pytest.skip(f"chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class RequestLog:
    """Every request a page makes, those that failed, and its script errors."""

    def __init__(self, page):
        self.requests, self.failed, self.errors = [], [], []
        page.on("request", lambda r: self.requests.append(r.url))
        # MathJax 2 declares a blank font at about:blank (a font-loading probe) that chromium refuses: not a file
        page.on("requestfailed",
                lambda r: r.url.startswith("about:") or self.failed.append(f"{r.url} ({r.failure})"))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def remote(self) -> list[str]:
        return [u for u in self.requests if is_remote(u)]
