"""The local-JupyterLab route (``make lab``): a real JupyterLab and a real kernel in Chromium
open each chapter, Run All Cells from the menu, and no cell may end in an error.

Checked twice: in the page (no error output, no traceback on stderr, no widget that failed to
display) and in the notebook JupyterLab saves (read back through the contents API: every code
cell ran, none has an error output).
"""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest
from book_pages import chapter_notebooks
from conftest import wait_for_kernel_idle
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.lab, pytest.mark.browser]

NOTEBOOKS = [nb.name for nb in chapter_notebooks()]


def _saved_notebook(base_url: str, name: str) -> dict:
    with urllib.request.urlopen(f"{base_url}api/contents/{name}?content=1", timeout=10) as resp:
        return json.load(resp)["content"]


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_run_all_cells_without_an_error(page: Page, lab_server: dict, name: str):
    url = lab_server["url"]
    n_code = len(_code_cells(_saved_notebook(url, name)))
    assert n_code, f"{name} has no code to run"
    page.set_default_timeout(60_000)
    page.goto(f"{url}lab/tree/{name}?reset")
    wait_for_kernel_idle(url, name)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()

    # Done when every non-empty code cell shows an execution count and none a "[*]", or when
    # a cell failed (Run All stops there; the checks below then say which error).
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    page.wait_for_function(
        """([sel, n]) => {
            const nb = document.querySelector(sel);
            const prompts = [...nb.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                .map(p => p.textContent);
            const failed = [...nb.querySelectorAll('.jp-OutputArea-output')]
                .some(o => o.textContent.includes('Traceback'));
            const running = prompts.some(t => t.includes('*'));
            return !running && (failed || prompts.filter(t => /\\[\\d+\\]/.test(t)).length >= n);
        }""",
        arg=[".jp-NotebookPanel:not(.lm-mod-hidden)", n_code],
        timeout=240_000,
    )
    wait_for_kernel_idle(url, name)

    # In the page: no error output, no traceback on stderr, no widget that failed to show.
    stderr = panel.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    tracebacks = [t for t in stderr.all_inner_texts() if "Traceback" in t]
    assert not tracebacks, tracebacks
    expect(panel.get_by_text("Error displaying widget")).to_have_count(0)

    # In the saved notebook: every code cell ran, and none has an error output.
    before = _saved_notebook(url, name)
    panel.locator(".jp-Notebook").first.click()
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 30
    while True:
        saved = _saved_notebook(url, name)
        cells = _code_cells(saved)
        if saved != before and all(c["execution_count"] for c in cells):
            break
        assert time.monotonic() < deadline, "JupyterLab did not save the executed notebook"
        time.sleep(0.5)
    errors = [
        (c["execution_count"], o.get("ename"), o.get("evalue"))
        for c in cells
        for o in c["outputs"]
        if o["output_type"] == "error"
    ]
    assert not errors, errors
    assert len(cells) == n_code
