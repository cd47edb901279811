"""The stepper's front end in headless Chromium: one step (< 16 ms), an edit that recomputes
3000 products (< 30 ms), the module and CSS (< 40 KB unminified) and each player in a built
page (< 100 KB with its state).

The front end (``convutils/stepper/stepper.js``) is the same in the book and in the live
widget, so it is timed once, in a page made of ``Stepper.player_html()``. One step: the
"Next step" button is clicked from JavaScript and the layout forced (``offsetHeight``), so
style and layout are included; the baseline, timed in the same page, forces the same layout
after a click on a button with no handler. A pass steps through the whole stepper (or 400
steps); the figure is the median over passes of the mean time per step. An edit: the ``X``
text box gets new numbers and "Apply" is clicked (parse, check, trace every product, refill
the grids, lay out); the figure is the median of 15 edits. Bytes per player in a built book
are measured when ``BOOK_HTML`` names its ``_build/html`` folder.

Run on its own: ``.venv/bin/python benchmarks/bench_player.py``.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from _common import print_rows, row

import convutils as cu
from convutils.stepper.widget import asset

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

BENCHMARK = "stepper front end"
PASSES = 15

TIMING_JS = """
async (passes) => {
  const root = document.querySelector(".cvs");
  const buttons = Array.from(root.querySelectorAll("button"));
  const next = buttons.find(b => b.textContent === "Next step");
  const first = () => { root.focus(); root.dispatchEvent(new KeyboardEvent("keydown",
    {key: "Home", bubbles: true})); };
  const noop = document.getElementById("noop");
  const n = Math.min(400, parseInt(root.querySelector(".cvs-range").max, 10) - 1);
  const steps = [], base = [];
  for (let p = 0; p < passes; p++) {
    first();
    await new Promise(r => requestAnimationFrame(r));
    let t = performance.now();
    for (let i = 0; i < n; i++) { next.click(); void root.offsetHeight; }
    steps.push((performance.now() - t) / n);
    await new Promise(r => requestAnimationFrame(r));
    t = performance.now();
    for (let i = 0; i < n; i++) { noop.click(); void root.offsetHeight; }
    base.push((performance.now() - t) / n);
  }
  return [steps, base];
}
"""

EDIT_JS = """
async ([texts, repeat]) => {
  const root = document.querySelector(".cvs");
  const box = root.querySelector('textarea[aria-label="X"]');
  const apply = Array.from(root.querySelectorAll("button")).find(b => b.textContent === "Apply");
  const times = [];
  for (let i = 0; i < repeat; i++) {
    box.value = texts[i % 2];
    const t = performance.now();
    apply.click();
    void root.offsetHeight;
    times.push(performance.now() - t);
    await new Promise(r => requestAnimationFrame(r));
  }
  const err = root.querySelector(".cvs-err").textContent;
  return [times, err, root.querySelector(".cvs-count").textContent];
}
"""


def _cases() -> list[tuple[str, cu.Stepper]]:
    X, K = cu.two_channel_example()
    rng = np.random.default_rng(0)
    X3, K1 = rng.integers(0, 9, (3, 3, 3)), rng.integers(-2, 3, (2, 3, 1, 1))
    return [
        ("chapter 1: 2 channels, per channel", cu.stepper(X, K)),
        ("chapter 2: K, K+1, K+2", cu.stepper(X, cu.three_output_kernels(K))),
        ("chapter 3: 1x1, 3 -> 2 channels", cu.stepper(X3, K1, granularity="element")),
        (
            "2970 products, per product",
            cu.stepper(
                rng.integers(-9, 10, (3, 12, 13)),
                rng.integers(-2, 3, (1, 3, 3, 3)),
                granularity="product",
            ),
        ),
    ]


def _built_pages() -> list[dict]:
    """Bytes each built chapter page spends per stepper (markup, CSS, module and state), and
    any widget state left in the page."""
    book = os.environ.get("BOOK_HTML")
    if not book:
        return []
    rows = []
    for page in sorted(Path(book, "chapters").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        players = re.findall(r'<div class="cvs-static".*?</script></div>', text, re.S)
        if not players:
            continue
        state = re.search(
            r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>',
            text,
            re.S,
        )
        size = sum(len(p.encode()) for p in players) + (
            len(state.group(1).encode()) if state else 0
        )
        rows.append(
            row(
                BENCHMARK,
                f"built page {page.stem}: {len(players)} player(s) + widget state",
                size / 1024 / len(players),
                "KiB per player",
                None,
                None,
                "< 100 KB",
            )
        )
    return rows


def run() -> list[dict]:
    from playwright.sync_api import sync_playwright

    module = len(asset("stepper.js").encode()) + len(asset("stepper.css").encode())
    rows = [row(BENCHMARK, "module + CSS, unminified", module / 1024, "KiB", target="< 40 KB")]
    rows += _built_pages()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for case, s in _cases():
            player = s.player_html()
            rows.append(
                row(
                    BENCHMARK,
                    f"{case}: page bytes",
                    len(player.encode()) / 1024,
                    "KiB",
                    target="< 100 KB",
                )
            )
            page_file = Path(tmp) / "player.html"
            page_file.write_text(
                "<!doctype html><meta charset=utf-8><body>"
                f'<button id="noop" type="button">no-op</button>{player}</body>',
                encoding="utf-8",
            )
            page.goto(page_file.as_uri())
            page.wait_for_selector(".cvs .cvs-range")
            for view in ("", ", large view"):
                if view:
                    page.get_by_role("button", name="Large view").click()
                steps, base = page.evaluate(TIMING_JS, PASSES)
                t, b = statistics.median(steps), statistics.median(base)
                rows.append(
                    row(
                        BENCHMARK,
                        f"{case}: one step{view}",
                        t,
                        "ms",
                        "click + layout, no-op",
                        t / b if b > 0 else None,
                        "< 16 ms",
                    )
                )
            if view:
                page.keyboard.press("Escape")
            X = np.array(s.X)
            texts = [json.dumps(X.tolist()), json.dumps((X + 1).tolist())]
            page.locator("details.cvs-edit summary").click()
            times, err, count = page.evaluate(EDIT_JS, [texts, 15])
            assert not err, err
            rows.append(
                row(
                    BENCHMARK,
                    f"{case}: edit X, recompute ({count})",
                    statistics.median(times),
                    "ms",
                    target="< 30 ms",
                )
            )
            s.close()
        browser.close()
    return rows


if __name__ == "__main__":
    print_rows(run())
