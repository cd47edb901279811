"""The stepper in the built book, driven in a real Chromium with no kernel and no network:
the shared reader scenarios (tests/stepper_scenarios.py) over http and from ``file://``, plus
what only a page has (a link to a step, several steppers on a page, page weight).
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
import stepper_scenarios as sc
from playwright.sync_api import Page, expect

import convutils as cu

pytestmark = [pytest.mark.browser, pytest.mark.book]

CHAPTER = "chapters/multiple_input_channels.html"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Console errors of the book theme itself, seen on pages without any stepper as well.
THEME_ERRORS = ("Got invalid theme mode", "'THEBE_JS_URL' has already been declared", "favicon")
# Opened from file://, Chromium refuses web fonts (a file page has an opaque origin): KaTeX's
# formulas fall back to the system's serif font there. Served over http they load; the
# stepper itself uses no web font. Only these font errors are forgiven, and only over file://.
FILE_FONT_ERRORS = ("KaTeX_",)
# The steppers of the chapters, by the names the notebooks give them, and their step counts.
NAMED = {
    "multiple_input_channels": ("two-channels", 8),
    "multiple_output_channels": ("three-outputs", 24),
    "one_by_one_convolution": ("one-by-one", 18),
}
# Chapter 2 has a second stepper, with padding and stride, where they are introduced.
NAMED_EXTRA = {"multiple_output_channels": ("padding-stride", 16)}


class Watch:
    """Console errors, page errors and requests that leave the machine."""

    def __init__(self, page: Page, from_file: bool = False) -> None:
        self.from_file = from_file
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("request", self._request)

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url')})")

    def _request(self, request) -> None:
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            self.outside.append(request.url)

    def assert_clean(self) -> None:
        assert not self.outside, self.outside
        forgiven = THEME_ERRORS + (FILE_FONT_ERRORS if self.from_file else ())
        ours = [e for e in self.errors if not any(t in e for t in forgiven)]
        assert not ours, ours


@pytest.fixture(params=["http", "file"])
def chapter(request, page: Page, book_html: Path):
    """The first chapter's page over http or from file://, and its stepper."""
    if request.param == "http":
        base = request.getfixturevalue("book_server")
        url = base + CHAPTER
    else:
        url = (book_html / CHAPTER).as_uri()
    watch = Watch(page, from_file=request.param == "file")
    page.goto(url)
    root = page.locator(".cvs").first
    expect(root).to_be_visible()
    yield page, root
    watch.assert_clean()


SCENARIOS = [
    sc.step_by_buttons_and_keys,
    sc.edit_to_a_new_example,
    sc.bad_input_and_recovery,
    sc.reverse_lookup,
    sc.predict_mode,
    sc.large_view,
    sc.phone_width,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_reader_scenarios_in_the_page(chapter, scenario):
    page, root = chapter
    scenario(page, root)


def test_dark_page_gives_a_dark_stepper(page: Page, book_server: str):
    # A reader whose system is dark: the book's theme (mode "auto") turns dark, so must we.
    page.emulate_media(color_scheme="dark")
    page.goto(book_server + CHAPTER)
    root = page.locator(".cvs").first
    expect(root).to_be_visible()
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    sc.dark_mode(page, root)
    root.get_by_role("button", name="Next step").click()
    root.get_by_role("button", name="Predict").click()
    sc.check_axe(page, root, "dark, predict mode")


def test_full_screen(chapter):
    sc.full_screen(*chapter)


# ---- a page of named steppers, as the chapters give them -----------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def named_pages(tmp_path_factory: pytest.TempPathFactory):
    """Two named steppers on one page, served over http and readable from file://."""
    X, K = cu.two_channel_example()
    one = cu.stepper(X, K, name="two-channels")
    two = cu.stepper(X, cu.three_output_kernels(K), padding=1, stride=(1, 2), name="three-outputs")
    folder = tmp_path_factory.mktemp("named")
    body = f"<main><h1>Steppers</h1>{one.player_html()}<p>Text.</p>{two.player_html()}</main>"
    (folder / "page.html").write_text(
        f"<!doctype html><html lang=en><meta charset=utf-8><title>t</title><body>{body}</body>"
        "</html>",
        encoding="utf-8",
    )
    one.close()
    two.close()
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {
        "http": f"http://127.0.0.1:{server.server_address[1]}/page.html",
        "file": (folder / "page.html").as_uri(),
    }
    server.shutdown()


@pytest.mark.parametrize("host", ["http", "file"])
def test_a_link_opens_a_stepper_at_a_step(page: Page, named_pages: dict, host: str):
    watch = Watch(page)
    page.set_viewport_size({"width": 1000, "height": 600})
    page.goto(named_pages[host] + "#three-outputs/step-5")
    second = page.locator(".cvs").nth(1)
    expect(second.locator(".cvs-count")).to_have_text("Step 5 of 48")
    expect(page.locator(".cvs").first.locator(".cvs-count")).to_have_text("Step 1 of 8")
    assert page.evaluate("() => window.scrollY") > 100  # scrolled to the second stepper
    # The address follows the reader, without a history entry per step.
    length = page.evaluate("() => history.length")
    second.get_by_role("button", name="Next step").click()
    page.wait_for_function("() => location.hash === '#three-outputs/step-6'")
    assert page.evaluate("() => history.length") == length
    expect(second.get_by_role("link", name="Link to this step")).to_have_attribute(
        "href", "#three-outputs/step-6"
    )
    # Two steppers do not interfere: the first one still starts at its first step.
    first = page.locator(".cvs").first
    first.get_by_role("button", name="Next step").click()
    page.wait_for_function("() => location.hash === '#two-channels/step-2'")
    expect(second.locator(".cvs-count")).to_have_text("Step 6 of 48")
    # Following a link on the same page moves the stepper.
    page.evaluate("() => { location.hash = '#two-channels/step-7'; }")
    expect(first.locator(".cvs-count")).to_have_text("Step 7 of 8")
    views = sc.expected_views(X=cu.two_channel_example()[0], K=cu.two_channel_example()[1])
    sc.wait_for(first, views[6])
    watch.assert_clean()


def test_the_keys_hint_lists_the_keys_and_links_to_the_full_list(page: Page, book_server: str):
    page.goto(book_server + CHAPTER)
    root = page.locator(".cvs").first
    root.locator("details.cvs-keys summary").click()
    expect(root.locator(".cvs-keylist")).to_contain_text("Home / End")
    link = root.get_by_role("link", name="All keys, in Using this book")
    expect(link).to_have_attribute("href", "using_this_book.html#stepper-keys")


def test_page_weight_per_player(book_html: Path):
    page = (book_html / CHAPTER).read_text(encoding="utf-8")
    players = re.findall(r'<div class="cvs-static".*?</script></div>', page, re.S)
    assert len(players) == 1
    assert len(players[0].encode()) < 100_000
    # The inert ipywidgets state (it would repeat the module) is not in the page.
    assert "application/vnd.jupyter.widget-state+json" not in page


@pytest.mark.parametrize(
    "chapter_name, name, steps",
    [(c, *v) for c, v in sorted(NAMED.items())] + [(c, *v) for c, v in NAMED_EXTRA.items()],
)
def test_each_chapter_has_its_named_stepper(
    page: Page, book_server: str, chapter_name: str, name: str, steps: int
):
    page.goto(f"{book_server}chapters/{chapter_name}.html#{name}/step-{steps}")
    root = page.locator(f".cvs#{name}")
    expect(root.locator(".cvs-count")).to_have_text(f"Step {steps} of {steps}")


def test_chapter_2_stepper_shows_padding_and_stride(page: Page, book_server: str):
    watch = Watch(page)
    page.goto(book_server + "chapters/multiple_output_channels.html")
    root = page.locator(".cvs#padding-stride")
    X, K = cu.two_channel_example()
    Y = cu.corr2d_multi_in(X, K, padding=1, stride=(1, 2))
    assert Y.shape == (4, 2)
    expect(root.locator("td.cvs-pad")).to_have_count(2 * (5 * 5 - 3 * 3))
    root.focus()
    page.keyboard.press("End")
    expect(root.locator("td.cvs-y")).to_have_text([str(v) for v in np.ravel(Y)])
    watch.assert_clean()
