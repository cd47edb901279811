"""The static stepper in the built book, driven in a real Chromium (no kernel, no network).

The expected narration and output grid at every step are worked out here from
``convutils.trace.trace_steps``, independently of the frames the player embeds.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

import convutils as cu
from convutils.trace import trace_steps

CHAPTER = "chapters/multiple_input_channels.html"
SHOTS = Path("/tmp/stepper-shots")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Console errors of the book theme itself, seen on pages without any player as well: the
# pydata theme's empty stored theme mode, sphinx-thebe's config script emitted twice by the
# launch-button set-up, and the missing favicon. Anything else fails the test.
THEME_ERRORS = ("Got invalid theme mode", "'THEBE_JS_URL' has already been declared", "favicon")


def expected_views(granularity: str = "channel") -> list[tuple[str, list[str], list[str]]]:
    """For each step: the narration, the output texts and their states ("", "d", "c")."""
    X, K = cu.two_channel_example()
    t = trace_steps(X, K, granularity=granularity)
    views, values, states = [], [""] * 4, [""] * 4
    for s in t.steps:
        flat = s.out_row * 2 + s.out_col
        values[flat], states[flat] = str(s.running_total), "c"
        views.append((s.narration(), list(values), list(states)))
        if s.finishes_element:
            states[flat] = "d"
    return views


class Watch:
    """Console errors, page errors and requests that leave the machine."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("request", self._request)

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url')})")

    def our_errors(self) -> list[str]:
        return [e for e in self.errors if not any(t in e for t in THEME_ERRORS)]

    def _request(self, request) -> None:
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            self.outside.append(request.url)


def player(page: Page):
    return page.locator(".cvs", has=page.locator(".cvs-narr")).filter(has_text="Granularity").first


def shown(root) -> tuple[str, list[str], list[str]]:
    """What the player shows: narration, output texts and output states."""
    cells = root.evaluate(
        """r => Array.from(r.querySelectorAll("rect.cvs-y")).map(e => [
            parseInt(e.id.replace(/^.*-y/, ""), 10),
            document.getElementById(e.id + "t").textContent,
            e.classList.contains("c") ? "c" : (e.classList.contains("d") ? "d" : "")])"""
    )
    cells.sort()
    narration = root.locator(".cvs-narr").text_content()
    return narration, [c[1] for c in cells], [c[2] for c in cells]


def test_step_through_with_buttons_and_keys(page: Page, book_server: str):
    watch = Watch(page)
    page.goto(book_server + CHAPTER)
    root = player(page)
    expect(root).to_be_visible()
    views = expected_views()
    assert len(views) == 8

    # The buttons, by their accessible names.
    expect(root.locator(".cvs-narr")).to_have_attribute("aria-live", "polite")
    # The counter does not repeat the slider's "Step" label, which stays its accessible name.
    expect(root.get_by_role("slider", name="Step")).to_have_attribute("max", "7")
    # One output channel: no "(writes Y)" after the kernel's name.
    expect(root.locator(".cvs-kern")).to_have_text("Kernel in use: K[0]")
    nxt = root.get_by_role("button", name="Next step")
    prev = root.get_by_role("button", name="Previous step")
    for n, view in enumerate(views):
        assert shown(root) == view, f"step {n}"
        expect(root.locator(".cvs-count")).to_have_text(f"{n + 1} / 8")
        nxt.click()
    assert shown(root) == views[-1]  # Next on the last step stays there
    assert shown(root)[1] == ["56", "72", "104", "120"]
    root.screenshot(path=str(SHOTS / "static-player-last-step.png"))
    for n in range(len(views) - 1, -1, -1):
        assert shown(root) == views[n]
        prev.click()

    # The keyboard alone, once the player has focus.
    root.focus()
    page.keyboard.press("End")
    assert shown(root) == views[-1]
    page.keyboard.press("Home")
    assert shown(root) == views[0]
    for n in range(1, len(views)):
        page.keyboard.press("ArrowRight")
        assert shown(root) == views[n], f"ArrowRight to step {n}"
    for n in range(len(views) - 2, -1, -1):
        page.keyboard.press("ArrowLeft")
        assert shown(root) == views[n], f"ArrowLeft to step {n}"
    page.keyboard.press("Space")
    expect(root.get_by_role("button", name="Pause")).to_be_visible()
    expect(root.locator(".cvs-narr")).to_have_text(views[1][0], timeout=5000)
    page.keyboard.press("Space")
    expect(root.get_by_role("button", name="Play")).to_be_visible()
    paused = shown(root)
    page.wait_for_timeout(1500)
    assert shown(root) == paused  # stays put once paused

    assert not watch.outside, watch.outside
    assert not watch.our_errors(), watch.errors


def test_granularity_and_large_view(page: Page, book_server: str):
    watch = Watch(page)
    page.goto(book_server + CHAPTER)
    root = player(page)
    root.get_by_role("button", name="Next step").click()
    root.get_by_role("button", name="Next step").click()  # Y[0,1], channel 0
    root.get_by_label("Granularity").select_option("product")
    products = expected_views("product")
    assert shown(root) == products[8]  # the first product of Y[0,1]
    root.focus()
    page.keyboard.press("End")
    assert shown(root) == products[-1]
    expect(root.locator(".cvs-count")).to_have_text("32 / 32")
    root.get_by_label("Granularity").select_option("element")
    elements = expected_views("element")
    assert shown(root) == elements[-1]
    assert shown(root)[0].endswith("= 43 + 77 = 120")

    large = root.get_by_role("button", name="Large view")
    large.click()
    expect(large).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Escape")  # Escape leaves the large view
    expect(large).to_have_attribute("aria-pressed", "false")
    expect(root).not_to_have_class(re.compile(r"cvs-large"))

    full = root.get_by_role("button", name="Full screen")
    full.click()
    expect(full).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("() => document.fullscreenElement.classList.contains('cvs')")
    page.keyboard.press("ArrowLeft")  # the keys still work in full screen
    assert shown(root) == elements[-2]
    full.click()
    expect(full).to_have_attribute("aria-pressed", "false")
    assert not watch.outside, watch.outside
    assert not watch.our_errors(), watch.errors


def figure_sizes(root) -> dict[str, float]:
    """The rendered size of one grid cell and one digit, and the player's width, in CSS px."""
    cell = root.locator("rect.cvs-y").first.bounding_box()
    digit = root.locator("text.cvs-v").first.bounding_box()
    return {"cell": cell["width"], "digit": digit["height"], "player": root.bounding_box()["width"]}


def assert_all_in_view(page: Page, root) -> None:
    """X, K and Y (outlines included) lie inside the viewport: nothing to scroll to."""
    view = page.viewport_size
    for band in "xky":
        box = root.locator(f"svg.cvs-fig-{band}").bounding_box()
        assert box["x"] >= 0 and box["y"] >= 0, (band, box)
        assert box["x"] + box["width"] <= view["width"], (band, box, view)
        assert box["y"] + box["height"] <= view["height"], (band, box, view)


def test_large_view_and_full_screen_fill_a_projector(page: Page, book_server: str):
    # A laptop driving a projector: 1280 x 800. Large view must leave the 688 px text column
    # and draw the grid big enough to read from the back of the room.
    page.set_viewport_size({"width": 1280, "height": 800})
    watch = Watch(page)
    page.goto(book_server + CHAPTER)
    root = player(page)
    root.scroll_into_view_if_needed()
    before = figure_sizes(root)
    assert before["player"] < 800  # in the book's text column

    large = root.get_by_role("button", name="Large view")
    large.click()
    expect(large).to_have_attribute("aria-pressed", "true")
    after = figure_sizes(root)
    assert after["player"] >= 1270, after  # the whole window, not the text column
    assert after["cell"] >= 1.8 * before["cell"], (before, after)
    assert after["digit"] >= 32, after  # digits at least 32 px tall
    assert_all_in_view(page, root)
    # X, K and Y side by side: Y's left edge is right of K's, K's right of X's.
    lefts = [root.locator(f"svg.cvs-fig-{b}").bounding_box()["x"] for b in "xky"]
    assert lefts == sorted(lefts) and lefts[0] < lefts[1] < lefts[2], lefts
    root.get_by_role("button", name="Next step").click()  # still steps in large view
    assert shown(root) == expected_views()[1]
    page.screenshot(path=str(SHOTS / "large-view-1280.png"))
    root.get_by_role("slider", name="Step").focus()
    page.keyboard.press("Escape")  # Escape leaves it, even from the slider
    expect(large).to_have_attribute("aria-pressed", "false")
    assert figure_sizes(root) == before

    full = root.get_by_role("button", name="Full screen")
    full.click()
    expect(full).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("() => document.fullscreenElement !== null")
    assert figure_sizes(root)["digit"] >= 32
    assert_all_in_view(page, root)
    page.screenshot(path=str(SHOTS / "fullscreen-1280x800.png"))
    full.click()
    expect(full).to_have_attribute("aria-pressed", "false")
    assert not watch.outside, watch.outside
    assert not watch.our_errors(), watch.errors


def test_large_view_fits_several_output_channels(page: Page, tmp_path: Path):
    # Three output channels with padding: wider than the first chapter's example; large view
    # must still show all of X, K and Y at 1280 x 800, no smaller than the normal view.
    X, K = cu.two_channel_example()
    one = cu.stepper(X, cu.three_output_kernels(K), padding=1, stride=2).player_html()
    html_file = tmp_path / "three.html"
    html_file.write_text(f"<!doctype html><meta charset=utf-8><body>{one}</body>")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(html_file.as_uri())
    root = page.locator(".cvs").first
    before = figure_sizes(root)
    root.get_by_role("button", name="Large view").click()
    assert_all_in_view(page, root)
    assert figure_sizes(root)["cell"] >= before["cell"]
    page.screenshot(path=str(SHOTS / "large-view-1280-three-outputs.png"))


@pytest.mark.parametrize("width", [640, 1920])
def test_readable_at_200_percent_zoom_and_full_screen(page: Page, book_server: str, width):
    # 200 % zoom of a 1280 px window lays the page out in 640 CSS px; a projector in full
    # screen gives 1920. Nothing of the player may be cut off and the numbers stay large.
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(book_server + CHAPTER)
    root = player(page)
    root.scroll_into_view_if_needed()
    if width > 1000:
        root.get_by_role("button", name="Large view").click()
    overflow = root.evaluate("r => r.scrollWidth - r.clientWidth")
    assert overflow <= 1
    for name in ("Previous step", "Play", "Next step"):
        box = root.get_by_role("button", name=name).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    cell = root.locator("text.cvs-v").first.bounding_box()
    assert cell["height"] >= 10  # the digits in the grid are at least ~10 px tall
    root.screenshot(path=str(SHOTS / f"static-player-{width}px.png"))


def test_several_players_do_not_interfere(page: Page, tmp_path: Path):
    X, K = cu.two_channel_example()
    one = cu.stepper(X, K).player_html()
    two = cu.stepper(X, cu.three_output_kernels(K), padding=1, stride=2).player_html()
    html_file = tmp_path / "two.html"
    html_file.write_text(f"<!doctype html><meta charset=utf-8><body>{one}{two}</body>")
    watch = Watch(page)
    page.goto(html_file.as_uri())
    first, second = page.locator(".cvs").nth(0), page.locator(".cvs").nth(1)
    first.get_by_role("button", name="Next step").click()
    first.focus()
    page.keyboard.press("End")
    assert shown(first)[1] == ["56", "72", "104", "120"]
    narration, values, _ = shown(second)
    assert narration.startswith("Y[0,0,0] += channel 0:")
    # Several output channels: the kernel line says which output channel K[o] writes.
    expect(second.locator(".cvs-kern")).to_have_text("Kernel in use: K[0,0] (writes Y[0])")
    assert values[0] == "0" and set(values[1:]) == {""}
    expect(second.locator(".cvs-count")).to_have_text("1 / 24")
    second.get_by_role("button", name="Next step").click()
    assert shown(first)[1] == ["56", "72", "104", "120"]
    assert shown(second)[1][0] == "4"  # Y[0,0,0] = 0 + 1×4 (only X[1,0,0] under the window)
    expected = [
        str(v)
        for v in cu.corr2d_multi_in_out(X, cu.three_output_kernels(K), padding=1, stride=2).ravel()
    ]
    second.focus()
    page.keyboard.press("End")
    assert shown(second)[1] == expected
    assert not watch.errors and not watch.outside


def test_page_weight_per_player(book_html: Path):
    page = (book_html / CHAPTER).read_text(encoding="utf-8")
    players = re.findall(r'<div class="cvs" id=.*?</script></div>', page, re.S)
    assert len(players) == 1
    assert len(players[0].encode()) < 100_000
    assert all(f'<svg class="cvs-fig cvs-fig-{b}"' in players[0] for b in "xky")


def test_exercises_stepper_shows_padding_and_stride(page: Page, book_server: str):
    watch = Watch(page)
    page.goto(book_server + "chapters/exercises.html")
    root = player(page)
    X, K = cu.two_channel_example()
    Y = cu.corr2d_multi_in(X, K, padding=1, stride=(1, 2))
    assert Y.shape == (4, 2) and cu.corr2d_multi_in(X, K).shape == (2, 2)
    # The grid is drawn 4 rows by 2 columns, and the dashed padding ring surrounds X.
    cells = root.evaluate(
        """r => Array.from(r.querySelectorAll("rect.cvs-y")).map(e => [e.getAttribute("x"),
            e.getAttribute("y")])"""
    )
    assert len({x for x, _ in cells}) == 2 and len({y for _, y in cells}) == 4
    assert root.locator("rect.cvs-pad").count() == 2 * (5 * 5 - 3 * 3)
    first = trace_steps(X, K, padding=1, stride=(1, 2)).steps[0]
    assert shown(root)[0] == first.narration()
    root.focus()
    page.keyboard.press("End")
    assert shown(root)[1] == [str(v) for v in Y.ravel()]
    assert not watch.outside and not watch.our_errors(), watch.errors


@pytest.mark.parametrize(
    ("chapter", "counter"),
    [
        ("multiple_input_channels", "1 / 8"),  # 4 elements x 2 channels
        ("multiple_output_channels", "1 / 24"),  # 3 output channels x 4 x 2
        ("one_by_one_convolution", "1 / 18"),  # 2 x 3 x 3 pixels, one step each
        ("exercises", "1 / 16"),  # padding 1, stride (1, 2): 4 x 2 elements x 2
    ],
)
def test_each_chapter_has_its_stepper(book_html: Path, chapter: str, counter: str):
    page = (book_html / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
    players = re.findall(r'<div class="cvs" id=.*?</script></div>', page, re.S)
    assert len(players) == 1, f"{chapter}: {len(players)} players"
    assert f'<span class="cvs-count">{counter}</span>' in players[0]
    # The static player was chosen for the HTML page, not a widget or a PNG.
    assert "IntSlider(" not in page
    assert 'type="application/vnd.jupyter.widget-view+json"' not in page
