"""Draw the README's picture: the first stepper of the built chapter 1, as a reader sees it.

Usage (``make readme-picture`` runs it after ``make book``)::

    .venv/bin/python docs/stepper_picture.py _build/html docs/stepper.png

The built book is served on a free local port and opened in Debian's Chromium (Playwright).
The stepper is found without depending much on its markup: a ``data-stepper`` element, else
the output of the cell tagged ``stepper``, else the first cell output holding an element
whose class names a stepper, else the first cell output holding a button (a stepper's
controls; figures and tables have none). It is screenshot after one step
forward when a "Next" button exists, so the picture shows a window and a partial sum.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
PAGE = "chapters/multiple_input_channels.html"
# Tried in order; the first that matches on the page is the stepper.
SELECTORS = [
    "[data-stepper]",
    ".cell[class*='stepper'] .cell_output",  # the output of a cell tagged "stepper"
    ".cell_output:has([class*='stepper'])",
    ".cell_output:has(.cvs)",
    ".cell_output:has(button)",
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def screenshot(html: Path, out: Path) -> str:
    """Write the PNG; returns the selector that found the stepper."""
    handler = functools.partial(_Quiet, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{PAGE}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(url, wait_until="networkidle")
            for selector in SELECTORS:
                found = page.locator(selector)
                if found.count():
                    break
            else:
                raise SystemExit(f"no stepper on {PAGE}: tried {SELECTORS}")
            element = found.first
            element.scroll_into_view_if_needed()
            step = element.get_by_role("button", name="Next", exact=False)
            if step.count():
                step.first.click()
            page.wait_for_timeout(300)  # let a transition finish
            out.parent.mkdir(parents=True, exist_ok=True)
            element.screenshot(path=str(out))
            browser.close()
    finally:
        server.shutdown()
    return selector


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    html, out = Path(argv[0]), Path(argv[1])
    if not (html / PAGE).is_file():
        print(f"{html / PAGE} is missing: run `make book` first", file=sys.stderr)
        return 1
    selector = screenshot(html, out)
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB; stepper found by {selector!r})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
