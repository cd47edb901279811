"""Write each inline ``<script>`` of a page once.

Sphinx 7.4 writes an inline script twice when an extension adds it after the builder has
started (sphinx-thebe's ``const THEBE_JS_URL = ...``, sphinx-togglebutton's settings): once
as added, and once more when ``prepare_writing`` re-reads the registry, where the file name
has become ``''`` instead of ``None`` so the duplicate check misses it. A second ``const``
declaration is a SyntaxError, so every page logged an error in the browser (see
tests/test_offline_html.py). This keeps the first copy of each inline script.

It also leaves out the ipywidgets state myst-nb copies from each executed notebook: the book
loads no widget manager (``nb_ipywidgets_js: {}``), so nothing reads it, and the steppers'
state would repeat their whole front end (anywidget's ``_esm`` and ``_css``) in every page.
The steppers' ``text/html`` output carries what the page needs.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _drop_repeated_inline_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    kept = []
    for script in scripts:
        if script.attributes.get("type") == WIDGET_STATE:
            continue
        if not script.filename:
            key = (script.priority, tuple(sorted(script.attributes.items())))
            if key in seen:
                continue
            seen.add(key)
        kept.append(script)
    # In place: the builder restores its own list after each page from a backup.
    scripts[:] = kept


def setup(app: Sphinx) -> dict:
    """Register the page hook late, after extensions that add scripts for one page."""
    app.connect("html-page-context", _drop_repeated_inline_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
