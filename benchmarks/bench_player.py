"""The static stepper player in headless Chromium: time per step (< 16 ms) and bytes (< 100 KB).

Per step, in the normal and the large view: the page's own "Next step" button is clicked
from JavaScript and the layout is forced (``offsetHeight``), so the figure's style and
layout are included, not just the class switching. The baseline, timed in the same page and
run, forces the same layout after a click on a button with no handler. A pass steps through
the whole player; the figure is the median over passes of the mean time per step. Bytes: the
player's HTML as it is embedded in a page (markup, inline SVG, CSS, JavaScript and the
frames' JSON); with ``BOOK_HTML`` set to a built book, also what each chapter page spends
per player, widget state included.

Run on its own: ``.venv/bin/python benchmarks/bench_player.py``.
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
from pathlib import Path

import numpy as np
from _common import print_rows, row

import convutils as cu

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BENCHMARK = "stepper static player"

# Times every step of the first player, one pass at a time (the browser's clock is coarse,
# about 0.1 ms, so single steps are not timed alone): ms per step for each pass, for the
# player's "Next step" and for the no-op button, each click followed by a forced layout.
TIMING_JS = """
async (passes) => {
  const root = document.querySelector(".cvs");
  const range = root.querySelector(".cvs-range");
  const next = root.querySelector('[data-a="next"]');
  const noop = document.getElementById("noop");
  const n = parseInt(range.max, 10);
  const steps = [], base = [];
  for (let p = 0; p < passes; p++) {
    range.value = "0";
    range.dispatchEvent(new Event("input"));
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
PASSES = 21


def _cases() -> list[tuple[str, cu.Stepper]]:
    X, K = cu.two_channel_example()
    rng = np.random.default_rng(0)
    X3, K1 = rng.integers(0, 9, (3, 3, 3)), rng.integers(-2, 3, (2, 3, 1, 1))
    return [
        ("chapter 1: 2 channels, per channel", cu.stepper(X, K)),
        ("chapter 2: K, K+1, K+2", cu.stepper(X, cu.three_output_kernels(K))),
        ("chapter 3: 1x1, 3 -> 2 channels", cu.stepper(X3, K1)),
        (
            "exercises: padding 1, stride 2, per product",
            cu.stepper(X, cu.three_output_kernels(K), padding=1, stride=2, granularity="product"),
        ),
    ]


def _built_pages() -> list[dict]:
    """Bytes each built chapter page spends on its stepper: the player plus the widget state
    the executed notebook leaves in the page (inert without a kernel, but downloaded).
    Measured when ``BOOK_HTML`` names a built book's ``_build/html`` folder."""
    book = os.environ.get("BOOK_HTML")
    if not book:
        return []
    rows = []
    for page in sorted(Path(book, "chapters").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        players = re.findall(r'<div class="cvs" id=.*?</script></div>', text, re.S)
        if not players:
            continue
        state = re.search(
            r'<script type="application/vnd\.jupyter\.widget-state\+json">'
            r"(.*?)</script>",
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

    rows = _built_pages()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for case, s in _cases():
            player = s.player_html()
            size = len(player.encode("utf-8"))
            rows.append(
                row(BENCHMARK, f"{case}: bytes", size / 1024, "KiB", None, None, "< 100 KB")
            )
            page_file = Path(tmp) / "player.html"
            page_file.write_text(
                "<!doctype html><meta charset=utf-8><body>"
                f'<button id="noop" type="button">no-op</button>{player}</body>',
                encoding="utf-8",
            )
            page.goto(page_file.as_uri())
            # The normal view, then the large view, where every step also refits the figure
            # to the window (player.js ``fit``).
            for view in ("", ", large view"):
                if view:
                    page.click('.cvs [data-a="large"]')
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
        browser.close()
    return rows


if __name__ == "__main__":
    print_rows(run())
