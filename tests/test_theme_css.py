"""The theme's style sheet, trimmed to the rules the pages can use (``_ext/page_speed.py``).

The trimming drops a rule only when every selector in it names a class that no page and no
script contains. The unit tests check the CSS reading on small sheets (nesting, strings, at-
rules); the browser test checks the result against the real pages: after each page has loaded
and its scripts have run, in a phone's and a desktop's width, no selector that the trimming
dropped matches any element of the page.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from book_pages import chapter_notebooks

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
import page_speed  # noqa: E402

PAGES = ["intro.html", "search.html"] + [
    nb.with_suffix(".html").as_posix() for nb in chapter_notebooks()
]


def test_a_rule_goes_only_when_each_of_its_selectors_names_an_unknown_class():
    css = ".used{a:1}.gone{b:2}.used,.gone{c:3}div>.gone .used{d:4}p{e:5}"
    kept = page_speed._trim_css(css, {"used"})
    assert kept.split("\n") == [".used{a:1}", ".used{c:3}", "p{e:5}"]


def test_media_blocks_are_trimmed_inside_and_dropped_when_empty():
    css = "@media (min-width:1px){.used{a:1}.gone{b:2}}@media print{.gone{c:3}}"
    assert page_speed._trim_css(css, {"used"}) == "@media (min-width:1px){.used{a:1}}"


def test_other_at_rules_strings_and_comments_are_kept_whole():
    css = (
        '@charset "UTF-8";/* a } brace */@font-face{font-family:"X";src:url(x.woff2)}'
        '@keyframes spin{0%{opacity:0}to{opacity:1}}.used::before{content:"}{"}'
        "/*# sourceMappingURL=theme.css.map */"
    )
    kept = page_speed._trim_css(css, {"used"}).split("\n")
    assert kept == [
        '@charset "UTF-8";',
        '@font-face{font-family:"X";src:url(x.woff2)}',
        "@keyframes spin{0%{opacity:0}to{opacity:1}}",
        '.used::before{content:"}{"}',
    ]


def test_classes_inside_functional_pseudo_classes_and_attribute_tests_do_not_count():
    css = '.used:not(.gone){a:1}a[href$=".gone"]{b:2}.used:has(> .gone){c:3}.bs-tooltip-top{d:4}'
    kept = page_speed._trim_css(css, {"used"}).split("\n")
    assert kept == [
        ".used:not(.gone){a:1}",
        'a[href$=".gone"]{b:2}',
        ".used:has(> .gone){c:3}",
        ".bs-tooltip-top{d:4}",
    ]


def _dropped_selectors(book_html: Path) -> list[str]:
    """Every selector of the theme's full sheet that the trimmed sheet no longer has."""
    static = book_html / "_static"
    full = (static / page_speed.THEME_CSS).read_text(encoding="utf-8")
    used = (static / page_speed.USED_CSS).read_text(encoding="utf-8")

    def selectors(css: str) -> set[str]:
        out: set[str] = set()
        for prelude, body in page_speed._blocks(css):
            if body is not None and prelude.startswith(page_speed.GROUPING):
                out |= selectors(body)
            elif body is not None and not prelude.startswith("@"):
                out |= set(page_speed._selectors(prelude))
        return out

    return sorted(selectors(full) - selectors(used))


def _testable(selector: str) -> str:
    """The selector without what depends on the moment (:hover) or is not an element."""
    plain = re.sub(r"::?[\w-]+(\([^()]*\))?", "", selector)  # pseudo-classes and -elements
    return re.sub(r"\s*[>+~]\s*$", "", plain).strip() or "*"


@pytest.mark.browser
@pytest.mark.book
def test_no_dropped_selector_matches_an_element_of_any_page(book_html: Path, book_server, browser):
    dropped = _dropped_selectors(book_html)
    assert len(dropped) > 1000, "the trimmed sheet should leave most of Font Awesome out"
    css = (book_html / "_static" / page_speed.USED_CSS).read_text(encoding="utf-8")
    assert ".bd-sidebar-primary" in css and "html[data-theme=dark]" in css
    probes = sorted({_testable(s) for s in dropped} - {"*"})
    for width in (375, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        for rel in PAGES:
            html = (book_html / rel).read_text(encoding="utf-8")
            assert page_speed.USED_CSS in html and page_speed.THEME_CSS + "?" not in html, rel
            page.goto(book_server + rel, wait_until="load")
            page.wait_for_function("document.readyState === 'complete'")
            matched = page.evaluate(
                """sels => sels.filter(s => {
                    try { return document.querySelector(s) !== null; } catch (e) { return false; }
                })""",
                probes,
            )
            assert not matched, f"{rel} at {width} px has elements for dropped rules: {matched}"
        context.close()
