"""What makes the built pages light on a phone (issue 13), read from the HTML of the build.

Speed itself is measured by benchmarks/bench_pages.py (Lighthouse); these check the causes:
no icon script and no typesetting script on any page, math already typeset, no script that
blocks the first paint but the tiny documentation_options.js, every article image sized
(no layout shift) and lazy below the first, a meta description on every page, and the Font
Awesome icons as inline SVG (no icon font, no image per icon). In Chromium: the blocks below a
page's first part are skipped until they near the window, and a skipped code block that
scrolls sideways gets its Tab stop once it is shown.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from book_pages import chapter_notebooks

pytestmark = [pytest.mark.book]

PAGES = ["intro.html"] + [nb.with_suffix(".html").as_posix() for nb in chapter_notebooks()]


def _head(html: str) -> str:
    return html.split("</head>", 1)[0]


@pytest.mark.parametrize("rel", PAGES)
def test_no_icon_or_typesetting_script(book_html: Path, rel: str):
    html = (book_html / rel).read_text(encoding="utf-8")
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html)
    assert not [s for s in scripts if re.search(r"fontawesome|mathjax|katex", s)], scripts
    if 'class="math' in html:
        assert 'class="katex"' in html, f"{rel}: math left for the browser to typeset"
        assert "katex-error" not in html, f"{rel}: a formula KaTeX could not typeset"


@pytest.mark.parametrize("rel", PAGES)
def test_head_scripts_do_not_block_the_first_paint(book_html: Path, rel: str):
    head = _head((book_html / rel).read_text(encoding="utf-8"))
    blocking = [
        tag
        for tag in re.findall(r"<script\b[^>]*\bsrc=[^>]*>", head)
        if not re.search(r"\b(defer|async)\b|type=\"module\"", tag)
    ]
    # documentation_options.js (319 bytes) stays: the page's inline scripts read it at once.
    assert [t for t in blocking if "documentation_options.js" not in t] == [], blocking


@pytest.mark.parametrize("rel", PAGES)
def test_theme_script_starts_after_the_first_frame_and_unused_scripts_stay_out(
    book_html: Path, rel: str
):
    html = (book_html / rel).read_text(encoding="utf-8")
    tags = re.findall(r"<script\b[^>]*\bsrc=[^>]*>", html)
    assert not [t for t in tags if "pydata-sphinx-theme.js" in t], tags
    # a module (it runs after the deferred scripts) asks for it after a frame
    loader = re.search(
        r'<script type="module">\s*requestAnimationFrame\((.*?)</script>', html, re.S
    )
    assert loader and "pydata-sphinx-theme.js?digest=" in loader.group(1), rel
    assert html.rindex('<script type="module">') == loader.start(), "the loader is not last"
    if "sd-tab-set" not in html:
        assert not [t for t in tags if "design-tabs.js" in t], tags


@pytest.mark.parametrize("rel", PAGES)
def test_images_are_sized_and_lazy_below_the_first(book_html: Path, rel: str):
    html = (book_html / rel).read_text(encoding="utf-8")
    article = html.split('<article class="bd-article">', 1)[1].split("</article>", 1)[0]
    images = re.findall(r"<img\b[^>]*>", article)
    for n, tag in enumerate(images):
        assert re.search(r'\bwidth="\d+"', tag) and re.search(r'\bheight="\d+"', tag), tag
        assert ('loading="lazy"' in tag) == (n > 0), f"{rel}: image {n} loading: {tag[:120]}"


@pytest.mark.parametrize("rel", PAGES)
def test_every_page_has_a_meta_description(book_html: Path, rel: str):
    head = _head((book_html / rel).read_text(encoding="utf-8"))
    found = re.findall(r'<meta name="description" content="([^"]*)"', head)
    assert len(found) == 1, f"{rel}: {len(found)} meta descriptions"
    assert 40 <= len(found[0]) <= 160, f"{rel}: {found[0]!r}"


@pytest.mark.parametrize("rel", PAGES)
def test_icons_are_inline_svg_drawn_in_the_text_colour(book_html: Path, rel: str):
    html = (book_html / rel).read_text(encoding="utf-8")
    pack = r"\bfa(?:-solid|-brands|-regular|s|b|r)\b"
    tags = re.findall(rf'<(?:i|span) class="([^"]*{pack}[^"]*)"', html)
    assert len(tags) >= 10, f"{rel}: {len(tags)} icons"
    assert [t for t in tags if "cu-icon" not in t.split()] == [], f"{rel}: icons left undrawn"
    drawn = re.findall(r'class="[^"]*\bcu-icon"[^>]*><svg ([^>]*)><path d="M[^"]+"/></svg>', html)
    assert len(drawn) == len(tags), f"{rel}: {len(tags)} icons, {len(drawn)} drawn"
    for attrs in drawn:
        assert 'aria-hidden="true"' in attrs and "viewBox" in attrs, attrs
    css = (book_html / "_static" / "icons.css").read_text(encoding="utf-8")
    assert "fill:currentColor" in css and "url(" not in css


@pytest.mark.parametrize("rel", PAGES)
def test_hidden_code_cells_are_named_by_their_visible_words(book_html: Path, rel: str):
    html = (book_html / rel).read_text(encoding="utf-8")
    assert 'aria-label="Toggle hidden content"' not in html, f"{rel}: label not in the name"


SKIPPED_AT_LOAD = """() => {
  const article = document.querySelector(".bd-article");
  const blocks = [...article.querySelectorAll("p, div.math, div.highlight > pre")];
  const shown = (el) => el.checkVisibility({ contentVisibilityAuto: true });
  // A block is skipped when its content is: the block itself stays in the page's layout.
  const skipped = blocks.filter((el) => el.firstElementChild && !shown(el.firstElementChild));
  const firstSection = article.querySelector("section > section");
  return {
    blocks: blocks.length,
    skipped: skipped.length,
    skippedInFirstPart: skipped.filter(
      (el) => !el.closest("section > section") || el.closest("section > section") === firstSection
    ).length,
  };
}"""

# The first skipped code block that needs more width than it has once shown: scroll it into
# view, then read what solutions.js gave it.
SCROLL_BOX_SHOWN = """async () => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const pres = [...document.querySelectorAll(".bd-article div.highlight > pre")].filter(
    (pre) => pre.firstElementChild &&
      !pre.firstElementChild.checkVisibility({ contentVisibilityAuto: true }));
  // As the theme's pass leaves a box it reads while skipped: no Tab stop, not marked.
  for (const pre of pres) {
    pre.setAttribute("tabindex", "-1");
    pre.removeAttribute("data-cu-scroll");
  }
  for (const pre of pres) {
    pre.scrollIntoView({ block: "center" });
    for (let i = 0; i < 4; i++) await frame();
    await new Promise((r) => setTimeout(r, 100));
    if (pre.scrollWidth > pre.clientWidth + 1) {
      return { found: true, tabindex: pre.getAttribute("tabindex"),
               marked: pre.hasAttribute("data-cu-scroll"), text: pre.textContent.slice(0, 60) };
    }
  }
  return { found: false, candidates: pres.length };
}"""


@pytest.mark.browser
def test_blocks_below_the_first_part_are_skipped_until_shown(browser, book_server):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    try:
        page.goto(f"{book_server}chapters/multiple_output_channels.html")
        page.wait_for_load_state("load")
        counts = page.evaluate(SKIPPED_AT_LOAD)
        # most of the chapter waits; nothing in its first part (what the first paint shows)
        assert counts["skipped"] > counts["blocks"] / 2, counts
        assert counts["skippedInFirstPart"] == 0, counts
        # a code block that scrolls sideways at 375 px, left with no Tab stop while skipped,
        # gets one once it is shown
        box = page.evaluate(SCROLL_BOX_SHOWN)
        assert box["found"], box
        assert box["tabindex"] == "0" and box["marked"], box
    finally:
        page.close()
