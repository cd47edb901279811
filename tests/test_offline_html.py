"""The built HTML book works offline: a real Chromium loads every page with every request off
the local host blocked, and each page must show its math (typeset by KaTeX when the book
was built, with KaTeX's CSS and fonts from the book's own ``_static/``), log no console
error and have no failed request.

Thebe ("Live code") may reach the network only after the reader clicks it; that is checked
too, so the launch button is known to load nothing on its own.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from book_pages import chapter_notebooks

pytestmark = [pytest.mark.browser, pytest.mark.book]

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
# sphinxcontrib-katex wraps every inline and display formula in one of these, with the
# HTML KaTeX rendered at build time (a <span class="katex">) inside.
MATH_SELECTOR = "span.math, div.math"


def _pages(html_root: Path) -> list[str]:
    """Every HTML page of the book, relative to its root (theme templates under _static/ are
    fragments, not pages)."""
    pages = [
        p.relative_to(html_root).as_posix()
        for p in sorted(html_root.rglob("*.html"))
        if "_static" not in p.relative_to(html_root).parts
    ]
    assert "intro.html" in pages, pages
    return pages


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOCAL_HOSTS


class _Recorder:
    """Blocks and records every off-host request of a browser context; records console
    errors, uncaught exceptions, failed requests and HTTP errors of its pages."""

    def __init__(self, context) -> None:
        self.blocked: list[str] = []
        self.local: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route) -> None:
        url = route.request.url
        if _is_local(url):
            self.local.append(url)
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def watch(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _console(self, msg) -> None:
        # Chromium asks every site for /favicon.ico; the book has none. Nothing else is excused.
        if msg.type == "error" and "favicon.ico" not in (msg.location or {}).get("url", ""):
            self.errors.append(f"console: {msg.text} ({msg.location})")

    def _request_failed(self, request) -> None:
        if _is_local(request.url):
            self.failed.append(f"{request.url}: {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.failed.append(f"{response.url}: HTTP {response.status}")


def test_every_page_works_with_the_network_blocked(browser, book_server, book_html):
    context = browser.new_context()
    rec = _Recorder(context)
    pages_with_math = {}
    report = {}
    try:
        for rel in _pages(book_html):
            page = context.new_page()
            rec.watch(page)
            page.goto(book_server + rel, wait_until="load")
            n_math = page.locator(MATH_SELECTOR).count()
            if n_math:
                pages_with_math[rel] = n_math
                # Every formula typeset at build time, none of them a KaTeX error, and no
                # typesetting script on the page.
                untypeset = page.evaluate(
                    """sel => [...document.querySelectorAll(sel)].filter(
                        e => !e.querySelector('.katex')).length""",
                    MATH_SELECTOR,
                )
                assert untypeset == 0, f"{rel}: {untypeset} formulas without KaTeX's HTML"
                assert page.locator(".katex-error").count() == 0, f"{rel}: a formula failed"
                assert page.locator("script[src*='mathjax'], script[src*='katex']").count() == 0
                # KaTeX's fonts have loaded (the math is drawn in them, not a fallback font).
                page.wait_for_function("document.fonts.status === 'loaded'", timeout=30_000)
                assert page.evaluate("document.fonts.check('16px KaTeX_Main')"), rel
            page.wait_for_load_state("networkidle")
            report[rel] = n_math
            page.close()
    finally:
        context.close()
    print("pages and their formulas:", report)
    print("local requests:", len(rec.local), sorted({urlsplit(u).path for u in rec.local}))
    assert rec.blocked == [], f"off-host requests: {sorted(set(rec.blocked))}"
    assert rec.failed == [], rec.failed
    assert rec.errors == [], rec.errors
    # The chapters write formulas; a book without any would mean math is not reaching pages.
    assert pages_with_math, f"no page has math: {report}"
    assert any(u.split("?")[0].endswith("_static/katex.min.css") for u in rec.local)
    assert any("_static/fonts/KaTeX_" in u for u in rec.local), "no KaTeX font was loaded"


@pytest.mark.parametrize("rel", [nb.with_suffix(".html").as_posix() for nb in chapter_notebooks()])
def test_live_code_reaches_the_network_only_when_clicked(browser, book_server, rel):
    context = browser.new_context()
    rec = _Recorder(context)
    try:
        page = context.new_page()
        page.goto(book_server + rel, wait_until="networkidle")
        assert rec.blocked == [], f"{rel} loaded {rec.blocked} before any click"
        launch = page.get_by_role("button", name="Launch interactive content")
        launch.click()
        page.locator(".btn-launch-thebe").click()
        page.wait_for_timeout(1000)
        # The click is what asks for Thebe (and then Binder); here it is blocked and recorded.
        assert any("thebe" in u for u in rec.blocked), rec.blocked
    finally:
        context.close()
