"""The book's navigation works at a phone's and a desktop's width (issue 12, first point).

pydata-sphinx-theme 0.17 wrote a second, hidden pair of sidebar toggles in a top navbar, and
sphinx-book-theme's script bound those: on a phone the table of contents and the page outline
never opened, on a desktop the hamburger did not collapse the sidebar, and a second search
bar showed. ``_templates/layout.html`` leaves that navbar out. Here, in Chromium, on every
page: one toggle of each kind in the page; at 375 px the sidebar and the outline open and
close by click and by keyboard; at 1280 px the hamburger collapses and restores the sidebar;
one visible search entry at both widths.
"""

from __future__ import annotations

import pytest
from book_pages import chapter_notebooks

pytestmark = [pytest.mark.browser, pytest.mark.book]

PAGES = ["intro.html"] + [nb.with_suffix(".html").as_posix() for nb in chapter_notebooks()]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
# The visible search entries: the sidebar's "Search" field and the article header's icon.
SEARCH = ".search-button, .search-button-field"


def _open(browser, url: str, viewport: dict):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="load")
    # The theme binds its buttons from pydata-sphinx-theme.js, which starts after the page's
    # first frame (_templates/layout.html); as it starts it stores the colour mode, and a
    # new context's storage is empty.
    page.wait_for_function(
        "document.readyState === 'complete' && localStorage.getItem('mode') !== null"
    )
    return context, page, errors


def _visible_search_entries(page) -> int:
    return page.evaluate(
        """sel => [...document.querySelectorAll(sel)].filter(e => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
        }).length""",
        SEARCH,
    )


@pytest.mark.parametrize("rel", PAGES)
def test_no_dead_navbar_toggles_in_the_page(book_html, rel):
    html = (book_html / rel).read_text(encoding="utf-8")
    assert html.count("primary-toggle") == 1, f"{rel}: the sidebar toggle is not unique"
    # A page without sections (no outline) has no outline toggle at all.
    assert html.count("secondary-toggle") <= 1, f"{rel}: the outline toggle is not unique"
    assert "navbar-persistent" not in html, f"{rel}: the navbar's second search bar is back"


@pytest.mark.parametrize("rel", PAGES)
def test_phone_sidebar_and_outline_open_and_close(browser, book_server, rel):
    context, page, errors = _open(browser, book_server + rel, PHONE)
    try:
        panels = [(".primary-toggle", "#pst-primary-sidebar-modal", ".bd-docs-nav a")]
        if page.locator(".secondary-toggle").count():
            panels.append((".secondary-toggle", "#pst-secondary-sidebar-modal", ".page-toc a"))
        for toggle, dialog, inside in panels:
            modal = page.locator(dialog)
            button = page.locator(toggle)
            assert button.is_visible(), f"{rel}: {toggle} is not visible at 375 px"
            assert not modal.is_visible()
            # By click: it opens, shows its links, and Escape closes it.
            button.click()
            modal.wait_for(state="visible")
            assert modal.locator(inside).first.is_visible(), f"{rel}: {dialog} opened empty"
            page.keyboard.press("Escape")
            modal.wait_for(state="hidden")
            # By keyboard: focus the button, Enter opens it, Escape closes it.
            button.focus()
            page.keyboard.press("Enter")
            modal.wait_for(state="visible")
            page.keyboard.press("Escape")
            modal.wait_for(state="hidden")
        assert _visible_search_entries(page) == 1, f"{rel}: not exactly one search entry"
    finally:
        context.close()
    assert errors == [], errors


@pytest.mark.parametrize("rel", PAGES)
def test_desktop_hamburger_collapses_the_sidebar(browser, book_server, rel):
    context, page, errors = _open(browser, book_server + rel, DESKTOP)
    try:
        sidebar = page.locator("#pst-primary-sidebar")
        button = page.locator(".primary-toggle")
        assert sidebar.is_visible() and button.is_visible()
        width = page.locator(".bd-article-container").bounding_box()["width"]
        button.click()
        sidebar.wait_for(state="hidden")
        wider = page.locator(".bd-article-container").bounding_box()["width"]
        assert wider > width, f"{rel}: the article did not take the sidebar's room"
        # By keyboard, the same button brings it back.
        button.focus()
        page.keyboard.press("Enter")
        sidebar.wait_for(state="visible")
        assert _visible_search_entries(page) == 1, f"{rel}: not exactly one search entry"
    finally:
        context.close()
    assert errors == [], errors


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_search_from_a_chapter_lists_results(browser, book_server, viewport):
    """The pages no longer load Sphinx's search scripts (search.html does): the search field,
    opened with Ctrl+K, still takes the reader to a results page that lists matches."""
    context, page, errors = _open(browser, book_server + "chapters/summary.html", viewport)
    try:
        page.keyboard.press("Control+k")
        field = page.locator("#pst-search-dialog input[name=q]")
        field.wait_for(state="visible")
        field.fill("bias")
        field.press("Enter")
        page.wait_for_url("**/search.html?q=bias*")
        results = page.locator("#search-results li")
        results.first.wait_for(state="visible", timeout=30_000)
        assert results.count() >= 3, results.count()
        assert not errors, errors
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_header_menus_by_mouse_and_keyboard(browser, book_server, viewport):
    """The Launch and Download menus work without the theme's bootstrap.js (header_menus.js):
    a click opens one inside the window, Escape closes it and gives the button back its focus,
    the arrow keys open it and walk its items, a click elsewhere closes it."""
    context, page, errors = _open(browser, book_server + "chapters/summary.html", viewport)
    try:
        scripts = page.evaluate("[...document.scripts].map(s => s.src).join(' ')")
        assert "bootstrap.js" not in scripts, scripts
        width = page.evaluate("document.documentElement.clientWidth")
        for name in ("Launch interactive content", "Download this page"):
            button = page.get_by_role("button", name=name)
            menu = page.locator(".dropdown-menu.show")
            button.click()
            menu.wait_for(state="visible")
            assert button.get_attribute("aria-expanded") == "true"
            box = menu.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box, width)
            page.keyboard.press("Escape")
            menu.wait_for(state="detached")
            assert button.get_attribute("aria-expanded") == "false"
            assert page.evaluate("document.activeElement.getAttribute('aria-label')") == name
            page.keyboard.press("ArrowDown")
            menu.wait_for(state="visible")
            items = menu.locator(".dropdown-item")
            first = items.nth(0).text_content().strip()
            assert page.evaluate("document.activeElement.textContent.trim()") == first
            page.keyboard.press("ArrowDown")
            second = items.nth(1).text_content().strip()
            assert page.evaluate("document.activeElement.textContent.trim()") == second
            page.mouse.click(viewport["width"] // 2, viewport["height"] - 20)
            menu.wait_for(state="detached")
        # The buttons' hover labels are the browser's own now.
        assert page.get_by_role("button", name="Color mode").get_attribute("title") == "Color mode"
    finally:
        context.close()
    assert errors == [], errors


def test_back_to_top_shows_while_scrolling_up(browser, book_server):
    context, page, errors = _open(
        browser, book_server + "chapters/multiple_output_channels.html", PHONE
    )
    try:
        back = page.locator("#pst-back-to-top")
        page.mouse.wheel(0, 3000)
        page.wait_for_function("scrollY > 2000")
        assert not back.is_visible()
        page.mouse.wheel(0, -400)
        back.wait_for(state="visible")
        back.click()
        page.wait_for_function("scrollY === 0")
    finally:
        context.close()
    assert errors == [], errors


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_colour_mode_button_cycles_the_theme_and_keeps_it(browser, book_server, viewport):
    context, page, errors = _open(browser, book_server + "chapters/summary.html", viewport)
    try:
        button = page.locator(".theme-switch-button:visible")
        assert button.count() == 1
        theme = "document.documentElement.dataset.theme"
        mode = "document.documentElement.dataset.mode"
        assert page.evaluate(theme) == "light"  # a new context prefers light
        # the theme's cycle with a light preference: auto -> dark -> light -> auto
        button.click()
        assert (page.evaluate(mode), page.evaluate(theme)) == ("dark", "dark")
        button.focus()  # by keyboard too
        # the keyboard's focus comes back to the button after each press (sphinx-book-theme
        # blurs it on click; header_menus.js gives it back in the next task)
        focused = "document.activeElement.matches('.theme-switch-button')"
        for expected in [("light", "light"), ("auto", "light"), ("dark", "dark")]:
            page.keyboard.press("Enter")
            assert (page.evaluate(mode), page.evaluate(theme)) == expected
            page.wait_for_function(focused, timeout=2000)
        # the next page opens in the chosen theme before any script of the theme has run
        page.goto(book_server + "intro.html", wait_until="commit")
        page.wait_for_function("document.documentElement.dataset.theme !== undefined")
        assert page.evaluate(theme) == "dark"
    finally:
        context.close()
    assert errors == [], errors
