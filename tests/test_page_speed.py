"""What makes the built pages light on a phone (issue 13), read from the HTML of the build.

Speed itself is measured by benchmarks/bench_pages.py (Lighthouse); these check the causes:
no icon script and no typesetting script on any page, math already typeset, no script that
blocks the first paint but the tiny documentation_options.js, every article image sized
(no layout shift) and lazy below the first, a meta description on every page, and only the
Font Awesome icons the pages use in _static/icons.css.
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


def test_icons_css_holds_exactly_the_icons_the_pages_use(book_html: Path):
    css = (book_html / "_static" / "icons.css").read_text(encoding="utf-8")
    defined = set(re.findall(r"\.(fa-[a-z-]+|fa[sbr])\.fa-([a-z0-9-]+)\{", css))
    assert defined, "icons.css defines no icon"
    used = set()
    for page in book_html.rglob("*.html"):
        if "_static" in page.relative_to(book_html).parts:
            continue
        for classes in re.findall(r'class="([^"]*)"', page.read_text(encoding="utf-8")):
            names = classes.split()
            for prefix in {"fa-solid", "fa-regular", "fa-brands", "fas", "far", "fab"} & set(names):
                used |= {
                    (prefix, n.removeprefix("fa-"))
                    for n in names
                    if n.startswith("fa-") and n not in {prefix, "fa-lg", "fa-fw"}
                }
    assert used == defined, f"missing: {used - defined}, unused: {defined - used}"


@pytest.mark.parametrize("rel", PAGES)
def test_hidden_code_cells_are_named_by_their_visible_words(book_html: Path, rel: str):
    html = (book_html / rel).read_text(encoding="utf-8")
    assert 'aria-label="Toggle hidden content"' not in html, f"{rel}: label not in the name"
