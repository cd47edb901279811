"""One list of reader scenarios for the stepper, run in every host that shows it: the built
book's page (over http and from ``file://``) and JupyterLab with a live kernel.

Each scenario takes the Playwright ``page`` and the stepper's root element (``.cvs``) showing
the chapter's first example (``X (2, 3, 3)``, ``K (2, 2, 2)``), and works out what it
expects from convutils (``trace_steps``, ``corr2d_multi_in_out``, the widget's own checks),
never from the front end. axe-core checks the stepper in every state the scenarios reach.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from playwright.sync_api import Locator, Page, expect

import convutils as cu
from convutils.trace import trace_steps

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "_vendor" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path("/tmp/stepper-shots")
TIMEOUT = 30_000


def expected_views(
    X=None, K=None, granularity: str = "channel", **kw
) -> list[tuple[str, list[str]]]:
    """For each step of the example: the narration and the output grid's texts."""
    if X is None:
        X, K = cu.two_channel_example()
    t = trace_steps(X, K, granularity=granularity, **kw)
    c_o, h_o, w_o = t.out_shape
    finals = [cu.trace.number_text(v) for plane in t.output for row in plane for v in row]
    views = []
    for s in t.steps:
        flat = (s.out_channel * h_o + s.out_row) * w_o + s.out_col
        values = finals[:flat] + [cu.trace.number_text(s.running_total)]
        values += [""] * (len(finals) - flat - 1)
        views.append((s.narration(), values))
    return views


def shown(root: Locator) -> tuple[str, list[str]]:
    return root.locator(".cvs-narr").text_content(), root.locator("td.cvs-y").all_text_contents()


def wait_for(root: Locator, view: tuple[str, list[str]]) -> None:
    """The view reaches ``view`` (the live widget answers through the kernel)."""
    expect(root.locator(".cvs-narr")).to_have_text(view[0], timeout=TIMEOUT)
    expect(root.locator("td.cvs-y")).to_have_text(view[1], timeout=TIMEOUT)


def check_axe(page: Page, root: Locator, state: str) -> None:
    """axe-core (WCAG 2.0-2.2 A and AA rules) finds no violation inside the stepper."""
    assert AXE.exists(), f"{AXE} is missing: make npm-vendor"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    handle = root.element_handle()
    result = page.evaluate(
        """async (el) => {
            // No CSSOM preload: it fetches the theme's @import relative to the page (a 404).
            const r = await axe.run(el, {preload: false, runOnly: {type: "tag",
                values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}});
            return r.violations.map(v => v.id + ": " + v.nodes.slice(0, 3).map(
                n => n.target.join(" ") + " " + n.failureSummary).join(" | "));
        }""",
        handle,
    )
    assert not result, f"axe-core, {state}: {result}"


def step_by_buttons_and_keys(page: Page, root: Locator) -> None:
    views = expected_views()
    assert len(views) == 8
    expect(root.locator(".cvs-narr")).to_have_attribute("aria-live", "polite")
    wait_for(root, views[0])
    check_axe(page, root, "start")
    nxt = root.get_by_role("button", name="Next step")
    prev = root.get_by_role("button", name="Previous step")
    for n in range(1, len(views)):
        nxt.click()
        wait_for(root, views[n])
        expect(root.locator(".cvs-count")).to_have_text(f"Step {n + 1} of 8")
        if n == 4:
            check_axe(page, root, "mid-way")
    nxt.click()  # stays on the last step
    wait_for(root, views[-1])
    assert root.locator("td.cvs-y").all_text_contents() == ["56", "72", "104", "120"]
    prev.click()
    wait_for(root, views[-2])
    # The keyboard alone, once the stepper has focus.
    root.focus()
    page.keyboard.press("Home")
    wait_for(root, views[0])
    page.keyboard.press("ArrowRight")
    wait_for(root, views[1])
    page.keyboard.press("End")
    wait_for(root, views[-1])
    page.keyboard.press("ArrowLeft")
    wait_for(root, views[-2])
    page.keyboard.press("Home")
    page.keyboard.press("Space")  # play
    expect(root.get_by_role("button", name="Pause")).to_be_visible()
    wait_for(root, views[1])
    page.keyboard.press("Space")  # pause
    expect(root.get_by_role("button", name="Play")).to_be_visible()
    # The per-channel breakdown of the element being written: 19 and 37 make 56.
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    wait_for(root, views[1])
    expect(root.locator(".cvs-break")).to_contain_text("channel 0")
    assert root.locator(".cvs-b-val").all_text_contents() == ["19", "37", "56"]
    # Granularity: per product has 32 steps.
    root.get_by_label("Granularity").select_option("product")
    expect(root.locator(".cvs-count")).to_have_text("Step 1 of 32", timeout=TIMEOUT)
    root.get_by_label("Granularity").select_option("channel")
    expect(root.locator(".cvs-count")).to_have_text("Step 1 of 8", timeout=TIMEOUT)


def open_editor(root: Locator) -> None:
    details = root.locator("details.cvs-edit")
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def edit_to_a_new_example(page: Page, root: Locator) -> dict:
    """Type a new X, K, bias, padding and stride; the last step shows convutils' Y."""
    rng = np.random.default_rng(3)
    X = rng.integers(-4, 5, (3, 4, 3))
    K = rng.integers(-2, 3, (2, 3, 2, 2))
    bias = np.array([1, -2])
    open_editor(root)
    root.get_by_role("textbox", name="X", exact=True).fill(json.dumps(X.tolist()))
    root.get_by_role("textbox", name="K", exact=True).fill(json.dumps(K.tolist()))
    root.get_by_role("textbox", name="bias", exact=True).fill("1, -2")
    root.get_by_role("textbox", name="padding", exact=True).fill("1")
    root.get_by_role("textbox", name="stride", exact=True).fill("1, 2")
    root.get_by_role("button", name="Apply").click()
    Y = cu.corr2d_multi_in_out(X, K, padding=1, stride=(1, 2), bias=bias)
    views = expected_views(X, K, padding=1, stride=(1, 2), bias=bias)
    wait_for(root, views[0])
    expect(root.locator(".cvs-err")).to_have_text("")
    root.focus()
    page.keyboard.press("End")
    wait_for(root, views[-1])
    assert root.locator("td.cvs-y").all_text_contents() == [str(v) for v in Y.ravel()]
    check_axe(page, root, "edited")
    return {"X": X, "K": K, "bias": bias, "Y": Y}


def bad_input_and_recovery(page: Page, root: Locator) -> None:
    """Each bad input names the problem as the library does; the last valid state stays."""
    views = expected_views()
    wait_for(root, views[0])
    root.get_by_role("button", name="Next step").click()
    wait_for(root, views[1])
    open_editor(root)
    x_box = root.get_by_role("textbox", name="X", exact=True)
    good_x = x_box.input_value()
    X, K = cu.two_channel_example()
    cases = [
        (x_box, "[[[0, 1], [2]]]", "X: the rows or channels have different lengths"),
        (x_box, "[[[0, 1], [2, x]]]", "X: could not read the text"),
        (x_box, "[[[1, 2], [3, 4]]]", _library_error(X=[[[1, 2], [3, 4]]])),
        (x_box, "[[[1]], [[2]]]", _library_error(X=[[[1]], [[2]]])),
        (root.get_by_role("textbox", name="padding", exact=True), "-1", _library_error(padding=-1)),
        (root.get_by_role("textbox", name="stride", exact=True), "0", _library_error(stride=0)),
        (x_box, json.dumps(np.ones((2, 40, 40), int).tolist()), "at most 3000"),
    ]
    alert = root.locator(".cvs-err")  # role="alert"; hidden while empty
    for n, (box, text, message) in enumerate(cases):
        box.fill(text)
        root.get_by_role("button", name="Apply").click()
        expect(alert).to_contain_text(message)
        expect(box).to_have_attribute("aria-invalid", "true")
        assert shown(root) == views[1], text  # the last valid state stays on screen
        if n == 2:
            check_axe(page, root, "error")
        # Put the box right again.
        box.fill({"padding": "0", "stride": "1"}.get(box.get_attribute("aria-label"), good_x))
    root.get_by_role("button", name="Apply").click()
    expect(alert).to_have_text("")
    assert shown(root) == views[1]
    # Reset brings the chapter's example back, from an edited state too.
    x_box.fill(json.dumps((X + 1).tolist()))
    root.get_by_role("button", name="Apply").click()
    expect(root.locator(".cvs-narr")).not_to_have_text(views[0][0], timeout=TIMEOUT)
    root.get_by_role("button", name="Reset").click()
    wait_for(root, views[0])
    assert json.loads(x_box.input_value()) == X.tolist()


def _library_error(**change: object) -> str:
    """The message the Python stepper gives for the same bad value."""
    X, K = cu.two_channel_example()
    s = cu.stepper(X, K)
    try:
        s.update(**change)
    except (ValueError, TypeError) as err:
        return str(err)
    finally:
        s.close()
    raise AssertionError(f"{change} was accepted")


def reverse_lookup(page: Page, root: Locator) -> None:
    # X[0][1,1] = 4 lies under every window of the 2x2 output: all four Y light up, each with
    # the weight it meets (K[0][1,1], K[0][1,0], K[0][0,1], K[0][0,0]).
    cell = root.get_by_role("grid", name="X[0]").get_by_role("gridcell").nth(4)
    expect(cell).to_have_text("4")
    cell.click()
    expect(root.locator("td.cvs-y.cvs-hit")).to_have_count(4)
    expect(root.locator("td.cvs-k.cvs-hit")).to_have_count(4)
    expect(root.locator(".cvs-look")).to_contain_text("X[0,1,1] = 4 is read by 4 output elements")
    page.keyboard.press("Escape")
    expect(root.locator(".cvs-hit")).to_have_count(0)
    # A corner is read by one element only; by keyboard: focus the grid's cell, Enter.
    corner = root.get_by_role("grid", name="X[1]").get_by_role("gridcell").first
    corner.focus()
    page.keyboard.press("Enter")
    expect(root.locator("td.cvs-y.cvs-hit")).to_have_count(1)
    page.keyboard.press("ArrowRight")  # moves to X[1][0,1] inside the grid
    page.keyboard.press("Enter")
    expect(root.locator("td.cvs-y.cvs-hit")).to_have_count(2)
    check_axe(page, root, "reverse lookup")
    page.keyboard.press("Escape")
    # A Y cell: its window on every input channel and its kernel slices.
    root.locator("td.cvs-y").nth(3).click()
    expect(root.locator("td.cvs-x.cvs-hit")).to_have_count(8)
    expect(root.locator("td.cvs-k.cvs-hit")).to_have_count(8)
    expect(root.locator(".cvs-look")).to_contain_text("Y[1,1] = 120 reads rows 1 to 2")
    page.keyboard.press("Escape")
    expect(root.locator(".cvs-hit")).to_have_count(0)


def predict_mode(page: Page, root: Locator) -> None:
    views = expected_views()
    totals = [s.running_total for s in trace_steps(*cu.two_channel_example()).steps]
    root.get_by_role("button", name="Predict").click()
    expect(root.get_by_role("button", name="Predict")).to_have_attribute("aria-pressed", "true")
    guess = root.get_by_role("textbox", name="Your prediction for Y[0,0]")
    expect(guess).to_be_visible(timeout=TIMEOUT)
    expect(root.locator("td.cvs-y").first).to_have_text("?")
    check_axe(page, root, "predict mode")
    guess.fill("18")  # wrong: the products come as a hint
    root.get_by_role("button", name="Check").click()
    expect(root.locator(".cvs-pmsg")).to_contain_text("0×0 + 1×1 + 3×2 + 4×3")
    guess.fill(str(totals[0]))
    page.keyboard.press("Enter")
    expect(root.locator(".cvs-pmsg")).to_contain_text("Right")
    wait_for(root, views[0])
    right = 1
    for n in range(1, 8):
        root.get_by_role("button", name="Next step").click()
        box = root.get_by_role("textbox", name=f"Your prediction for {views[n][0].split()[0]}")
        if n % 3 == 0:
            root.get_by_role("button", name="Reveal").click()
        else:
            box.fill(str(totals[n]))
            root.get_by_role("button", name="Check").click()
            right += 1
        wait_for(root, views[n])
    expect(root.locator(".cvs-score")).to_have_text(f"Finished: {right} of 8 right")
    root.get_by_role("button", name="Predict").click()
    expect(root.locator(".cvs-predict")).to_be_hidden()


def large_view(page: Page, root: Locator) -> None:
    large = root.get_by_role("button", name="Large view")
    large.click()
    expect(large).to_have_attribute("aria-pressed", "true")
    box = root.bounding_box()
    # The room a box fixed over the whole window gets (the window less any scroll bar, or the
    # gutter the book keeps for one on a desktop).
    view = page.evaluate("""() => {
        const probe = document.body.appendChild(document.createElement("div"));
        probe.style.cssText = "position: fixed; inset: 0; visibility: hidden";
        const r = probe.getBoundingClientRect();
        probe.remove();
        return [r.width, r.height];
    }""")
    assert box["width"] >= view[0] - 2 and box["height"] >= view[1] - 2, (box, view)
    check_axe(page, root, "large view")
    root.get_by_role("button", name="Next step").click()  # still steps
    page.keyboard.press("Escape")
    expect(large).to_have_attribute("aria-pressed", "false")


def full_screen(page: Page, root: Locator) -> None:
    """Full screen on and off; the keys still step in full screen (from step 1)."""
    full = root.get_by_role("button", name="Full screen")
    full.click()
    page.wait_for_function("() => document.fullscreenElement !== null")
    expect(full).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("ArrowRight")
    expect(root.locator(".cvs-count")).to_have_text("Step 2 of 8")
    full.click()
    expect(full).to_have_attribute("aria-pressed", "false")
    page.wait_for_function("() => document.fullscreenElement === null")


def phone_width(page: Page, root: Locator, whole_page: bool = True) -> None:
    """At 375 px: X, K and Y stacked, nothing wider than the screen (the stepper does not
    scroll sideways; in the book, neither does the page), targets >= 24 px."""
    page.set_viewport_size({"width": 375, "height": 800})
    root.scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    if whole_page:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways: {width} px"
    widths = root.evaluate("r => [r.scrollWidth, r.clientWidth]")
    assert widths[0] <= widths[1], f"the stepper scrolls sideways: {widths}"
    tops = [root.locator(f".cvs-part-{p}").bounding_box()["y"] for p in "xky"]
    assert tops[0] < tops[1] < tops[2], tops
    for name in ("Previous step", "Play", "Next step", "Predict", "Reset"):
        b = root.get_by_role("button", name=name).bounding_box()
        assert b["width"] >= 24 and b["height"] >= 24, (name, b)
        assert b["x"] >= 0 and b["x"] + b["width"] <= 375, (name, b)
    SHOTS.mkdir(exist_ok=True)
    root.screenshot(path=str(SHOTS / "stepper-375.png"))


def dark_mode(page: Page, root: Locator) -> None:
    """On a dark page the stepper is dark too (no light box around it), and axe stays clean."""
    # Every box from the stepper up to the page is transparent or dark.
    backgrounds = root.evaluate(
        """r => { const out = []; for (let e = r; e; e = e.parentElement) {
            out.push(getComputedStyle(e).backgroundColor); } return out; }"""
    )
    for bg in backgrounds:
        values = [float(v) for v in bg[bg.index("(") + 1 : -1].split(",")]
        alpha = values[3] if len(values) == 4 else 1.0
        assert alpha == 0 or max(values[:3]) < 128, backgrounds  # no light box
    cell = root.locator("td.cvs-k").first.evaluate("c => getComputedStyle(c).backgroundColor")
    assert cell != "rgb(255, 244, 214)", cell  # not the light kernel yellow
    check_axe(page, root, "dark")
