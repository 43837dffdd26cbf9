"""Shared fixtures for the browser tests: Debian's chromium driven by Playwright (sync API).

Never `playwright install`: the tests use the system chromium at /usr/bin/chromium.
"""

from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def browser(monkeypatch):
    """A headless chromium, closed after the test.

    Playwright's sync API keeps an asyncio loop running in the test's thread. Two consequences
    for the test's own ORM calls (factories, assertions) while the browser is open:

    - Django's async-safety check would refuse them: it is lifted for this test only, and
      restored after the browser has closed (monkeypatch is set up before, so torn down after,
      this fixture);
    - Django keeps their connections apart from the thread's usual ones (asgiref's Local is
      context-local while a loop runs), so nothing else closes them: they are closed here, while
      the loop still runs. Left open, PostgreSQL refuses to drop the test database.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (bin/test does as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()


@pytest.fixture
def page(browser):
    """A fresh page at 1280×900 in Simplified Chinese."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


# The Wagtail admin scrolls inside <main id="main">, not the document: a plain full-page
# screenshot would stop at the viewport. The viewport is stretched to the content for the shot.
_CONTENT_HEIGHT = """() => {
  const main = document.querySelector("main#main");
  const doc = document.documentElement.scrollHeight;
  if (!main) return doc;
  return Math.max(doc, Math.ceil(main.getBoundingClientRect().top + main.scrollHeight));
}"""


@pytest.fixture
def screenshot(page):
    """screenshot("01-login") saves a full-page PNG into tests/artifacts/ and returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        viewport = page.viewport_size
        height = page.evaluate(_CONTENT_HEIGHT)
        if height > viewport["height"]:
            page.set_viewport_size({"width": viewport["width"], "height": height})
        try:
            page.screenshot(path=str(path), full_page=True, animations="disabled")
        finally:
            page.set_viewport_size(viewport)
        return path

    return take
