"""axe-core finds no accessibility violation on any page of the book, light or dark.

axe-core (npm, vendored under ``_vendor/npm`` by ``make npm-vendor``) is injected into every page
of the built book in Chromium, with the reader's system set to a light and then a dark
colour scheme (the book follows it: ``default_mode: auto``), and runs the WCAG 2.0/2.1/2.2
A and AA rules and its best-practice rules. Any violation fails, with the rule, its impact
and the elements it names. Blocks a page skips while they are far from the window
(content-visibility in _assets/speed.css) are rendered first, as each is for a reader who
reaches it: axe's visual rules (contrast, target size) cannot judge a block with no layout.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from book_pages import RENDER_EVERY_BLOCK

pytestmark = [pytest.mark.browser, pytest.mark.book]

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "_vendor" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
FRAMES = """() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(
  () => setTimeout(done, 100))))"""
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]


def _pages(html_root: Path) -> list[str]:
    """The book's reading pages and its search and index pages (not theme fragments)."""
    pages = [
        p.relative_to(html_root).as_posix()
        for p in sorted(html_root.rglob("*.html"))
        if "_static" not in p.relative_to(html_root).parts and p.name != "index.html"
    ]
    assert "intro.html" in pages, pages
    return pages


def _describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"]][:5]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} -> {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation(browser, book_server, book_html, scheme):
    assert AXE.exists(), f"{AXE} is missing: run `make axe`"
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    found = {}
    checked = []
    try:
        for rel in _pages(book_html):
            page = context.new_page()
            page.goto(book_server + rel, wait_until="load")
            page.wait_for_function("document.readyState === 'complete'")
            theme = page.evaluate("document.documentElement.dataset.theme")
            assert theme == scheme, f"{rel}: the page is in the {theme} theme, not {scheme}"
            page.add_style_tag(content=RENDER_EVERY_BLOCK)
            # solutions.js gives a box that scrolls its Tab stop in the frames after it is shown
            page.evaluate(FRAMES)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
            )
            assert result["passes"], f"{rel}: axe ran no rule"
            if result["violations"]:
                found[rel] = _describe(result["violations"])
            checked.append(rel)
            page.close()
    finally:
        context.close()
    assert len(checked) >= 6, checked
    assert not found, "\n".join(f"{rel}:\n{text}" for rel, text in found.items())
