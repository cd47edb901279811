"""The live stepper in a real JupyterLab with a real kernel, driven in Chromium.

Chapter 1 is opened with a link to a step and run with "Run All Cells"; the reader scenarios
of the book's page (tests/stepper_scenarios.py) then run on the live widget, Python moves the
view by setting the widget's traits from a second client of the same kernel, and the widget
is tried in full screen and at a phone's width.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import stepper_scenarios as sc
from conftest import wait_for_kernel_idle
from jupyter_client import BlockingKernelClient
from playwright.sync_api import Page, expect

import convutils as cu
from convutils.trace import trace_steps

pytestmark = [pytest.mark.browser, pytest.mark.lab]

NOTEBOOK = "multiple_input_channels.ipynb"
# The stepper the chapter displayed, found in the kernel without relying on a variable name.
FIND = (
    "import gc, convutils as _cu\n"
    "_s = [o for o in gc.get_objects() if isinstance(o, _cu.Stepper)][-1]\n"
)


def kernel_client(lab_server: dict) -> BlockingKernelClient:
    """A second client of the notebook's kernel (the server's connection file)."""
    with urllib.request.urlopen(lab_server["url"] + "api/sessions", timeout=5) as resp:
        sessions = json.load(resp)
    kernel_id = next(s["kernel"]["id"] for s in sessions if s["path"].endswith(NOTEBOOK))
    runtime = Path(lab_server["root"]).parent / "jupyter_runtime_dir"
    client = BlockingKernelClient(connection_file=str(runtime / f"kernel-{kernel_id}.json"))
    client.load_connection_file()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return client


def run(client: BlockingKernelClient, code: str) -> str:
    """Run ``code`` in the kernel; returns what it printed (fails on an error)."""
    out: list[str] = []

    def hook(msg: dict) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        if msg["msg_type"] == "error":
            out.append("ERROR " + msg["content"]["evalue"])

    reply = client.execute_interactive(code, output_hook=hook, timeout=60)
    assert reply["content"]["status"] == "ok", out
    return "".join(out)


def printed(client: BlockingKernelClient, expression: str) -> object:
    """The JSON value of ``expression`` in the kernel."""
    text = run(client, FIND + f"import json as _j\nprint('@@' + _j.dumps({expression}))")
    return json.loads(text.split("@@", 1)[1].splitlines()[0])


def reset(root) -> None:
    root.get_by_role("button", name="Reset").click()
    sc.wait_for(root, sc.expected_views()[0])


def test_the_reader_scenarios_in_jupyterlab(page: Page, lab_server: dict):
    url = lab_server["url"]
    page.set_default_timeout(60_000)
    page.set_viewport_size({"width": 1280, "height": 900})
    # A link to step 5 of the chapter's stepper. JupyterLab drops the fragment while it opens
    # the notebook; the widget, rendered once the cells run, still opens at step 5.
    page.goto(f"{url}lab/tree/{NOTEBOOK}?reset#two-channels/step-5")
    wait_for_kernel_idle(url, NOTEBOOK)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    # The live widget (anywidget), not the page's self-contained copy: JupyterLab ranks the
    # widget view first and never runs the text/html output's script.
    live = page.locator(".jp-OutputArea-output .cvs")
    expect(live).to_be_visible(timeout=120_000)  # Run All imports torch on a shared CPU
    assert page.locator(".cvs-static").count() == 0
    # By class alone: the large view moves the stepper out of the output area, over the page.
    expect(page.locator(".cvs")).to_have_count(1)
    root = page.locator(".cvs")
    views = sc.expected_views()
    sc.wait_for(root, views[4])
    expect(root.locator(".cvs-count")).to_have_text("Step 5 of 8")
    client = kernel_client(lab_server)
    try:
        assert printed(client, "_s.step") == 5  # the link's step reached the kernel
        # The address follows the reader's steps without a history entry per step, and
        # JupyterLab's routing keeps working: the same notebook, its one tab, a hash it ignores.
        path, length = page.evaluate("() => [location.pathname, history.length]")
        assert path.endswith(f"/lab/tree/{NOTEBOOK}"), path
        root.get_by_role("button", name="Next step").click()
        page.wait_for_function("() => location.hash === '#two-channels/step-6'")
        assert page.evaluate("() => [location.pathname, history.length]") == [path, length]
        expect(root.get_by_role("link", name="Link to this step")).to_have_attribute(
            "href", "#two-channels/step-6"
        )
        page.evaluate("() => { location.hash = '#two-channels/step-2'; }")  # a link followed
        sc.wait_for(root, views[1])
        assert page.evaluate("() => location.pathname") == path
        tabs = page.locator("#jp-main-dock-panel .lm-TabBar-tab")
        expect(tabs).to_have_count(1)
        expect(page.locator(".jp-NotebookPanel")).to_be_visible()
        reset(root)

        sc.step_by_buttons_and_keys(page, root)
        reset(root)
        edited = sc.edit_to_a_new_example(page, root)
        # The edit reached the kernel: Python's traits hold the reader's numbers.
        state = printed(client, "[_s.X, _s.K, _s.bias, _s.padding, _s.stride]")
        assert state == [edited["X"].tolist(), edited["K"].tolist(), [1, -2], 1, [1, 2]]
        reset(root)
        sc.bad_input_and_recovery(page, root)
        reset(root)
        sc.reverse_lookup(page, root)
        sc.predict_mode(page, root)
        reset(root)

        # Python moves the view: the step, then new data.
        run(client, FIND + "_s.step = 5")
        sc.wait_for(root, views[4])
        expect(root.locator(".cvs-count")).to_have_text("Step 5 of 8")
        X, K = cu.two_channel_example()
        X2 = X * 2
        run(client, FIND + f"_s.X = {X2.tolist()}")
        t = trace_steps(X2, K)
        sc.wait_for(root, sc.expected_views(X2, K)[4])
        assert root.locator(".cvs-narr").text_content() == t.steps[4].narration()
        # A bad value from Python raises the library's error; the view keeps its state.
        said = run(
            client,
            FIND + "try:\n    _s.K = [[[1]]] * 3\nexcept ValueError as e:\n    print(e)\n",
        )
        assert "K has 3" in said and "input channels" in said, said
        sc.wait_for(root, sc.expected_views(X2, K)[4])
        reset(root)
        assert printed(client, "_s.X") == X.tolist()
        assert printed(client, "_s.step") == 1
        sc.large_view(page, root)
        reset(root)
        sc.full_screen(page, root)
        reset(root)
        # JupyterLab's dark theme: the same stepper, dark.
        page.get_by_role("menuitem", name="Settings", exact=True).click()
        page.locator(".lm-Menu-item", has_text=re.compile(r"^Theme$")).first.hover()
        page.locator(".lm-Menu-item", has_text="JupyterLab Dark").first.click()
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        page.wait_for_timeout(500)  # the theme's stylesheet
        sc.dark_mode(page, root)
        sc.SHOTS.mkdir(exist_ok=True)
        root.screenshot(path=str(sc.SHOTS / "lab-stepper.png"))
        # A phone's width, the file browser folded away as a reader on a phone would: the
        # widget does not scroll sideways (JupyterLab's own panels are not ours to check).
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
        sc.phone_width(page, root, whole_page=False)
    finally:
        client.stop_channels()
    assert np.array_equal(X, cu.two_channel_example()[0])
