"""The live stepper widget in a real JupyterLab with a real kernel, driven in Chromium.

Chapter 1 is run with "Run All Cells"; then the reader steps and edits a value of ``X`` in the
widget. The new narration can only come from the kernel re-tracing the data.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import wait_for_kernel_idle
from playwright.sync_api import Page, expect

import convutils as cu
from convutils.trace import trace_steps

NOTEBOOK = "multiple_input_channels.ipynb"
SHOTS = Path("/tmp/stepper-shots")


def test_edit_x_in_the_live_widget(page: Page, lab_server: dict):
    url = lab_server["url"]
    page.set_default_timeout(60_000)
    page.goto(f"{url}lab/tree/{NOTEBOOK}?reset")
    wait_for_kernel_idle(url, NOTEBOOK)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()

    # JupyterLab shows the widget view (a live view has the class cvs-live), not the player.
    widget = page.locator(".jp-OutputArea-output", has=page.locator(".cvs-live")).first
    # Run All imports torch and numpy on a shared CPU: allow it time.
    expect(widget).to_be_visible(timeout=120_000)
    narration = widget.locator(".cvs-narr")
    X, K = cu.two_channel_example()
    steps = trace_steps(X, K).steps
    expect(narration).to_have_text(steps[0].narration())
    assert page.locator("div.cvs:not(.cvs-live)").count() == 0  # no static player

    large = widget.get_by_role("button", name="Large view")
    large.click()
    expect(widget.locator("div.cvs-live.cvs-large")).to_have_count(1, timeout=30_000)
    large.click()
    expect(widget.locator("div.cvs-live.cvs-large")).to_have_count(0, timeout=30_000)

    widget.get_by_role("button", name="Next step").click()
    expect(narration).to_have_text(steps[1].narration(), timeout=30_000)
    SHOTS.mkdir(exist_ok=True)
    widget.screenshot(path=str(SHOTS / "lab-widget.png"))

    # Edit X[1, 0, 0] from 1 to 11 and leave the box: the kernel re-traces.
    X[1, 0, 0] = 11
    box = widget.locator(".widget-textarea", has=page.locator("label", has_text="X")).locator(
        "textarea"
    )
    box.fill(json.dumps(X.tolist()))
    box.press("Tab")
    edited = trace_steps(X, K).steps[1].narration()
    assert edited == "Y[0,0] += channel 1: 11×1 + 2×2 + 4×3 + 5×4 = 47 → 66"
    expect(narration).to_have_text(edited, timeout=30_000)
    expect(widget.locator("text.cvs-v", has_text="66")).to_have_count(1)

    # Bad input: a message inside the widget, and the last valid view stays.
    box.fill("[[[1, 2], [3, x]]]")
    box.press("Tab")
    expect(widget.get_by_role("alert")).to_contain_text("could not read", timeout=30_000)
    expect(narration).to_have_text(edited)
    widget.screenshot(path=str(SHOTS / "lab-widget-bad-input.png"))
