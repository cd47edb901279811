"""Screenshots of every page of the built book at phone, tablet and desktop widths, light
and dark, for a person to look at (`make screenshots`; a picture to review, not a pixel test).

    python tools/screenshots.py [--html _build/html] [--out _build/screenshots]

Serves the built HTML on 127.0.0.1 (a free port), opens each page of ``_toc.yml`` in Debian's
Chromium through Playwright at 375, 768 and 1280 px, with the system colour scheme set to
light and then dark (the book's theme follows it: ``default_mode: auto``), waits for MathJax
and writes a full-page PNG per page, width and theme: ``<page>-<width>-<theme>.png``.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
from chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402 (tools/, this script's folder)

WIDTHS = (375, 768, 1280)
THEMES = ("light", "dark")


def book_pages(root: Path = ROOT) -> list[str]:
    """The book's pages in reading order, as HTML paths without ``.html`` (from _toc.yml)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                pages.append(str(node["file"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [str(Path(p).with_suffix("")) for p in dict.fromkeys(pages)]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serve(html: Path) -> Iterator[str]:
    """``html`` served on 127.0.0.1 at a free port; yields the base URL (ending in ``/``)."""
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def settle(page: object) -> None:
    """Wait until MathJax has typeset the page and the fonts are in (layout is final)."""
    page.wait_for_load_state("load")
    page.evaluate(
        """async () => {
            if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
                await MathJax.startup.promise;
            }
            await document.fonts.ready;
            await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        }"""
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "screenshots")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").is_file():
        print(f"no built book in {args.html}: run `make book` first", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    pages = book_pages()
    count = 0
    with serve(args.html) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for theme in THEMES:
            for width in WIDTHS:
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, color_scheme=theme
                )
                page = context.new_page()
                for name in pages:
                    page.goto(f"{base}{name}.html")
                    settle(page)
                    shot = args.out / f"{name.replace('/', '-')}-{width}-{theme}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    count += 1
                context.close()
        browser.close()
    print(f"{count} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
