"""``show_source``: a function's real source as a highlighted listing in a page.

The chapters show the reference code by reading it from `convutils` at build time, so the
book and the library can never disagree.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from IPython.display import Markdown


def show_source(fn: Callable) -> Markdown:
    """The source of ``fn`` as a fenced Python block (rendered by Jupyter and the book)."""
    source = inspect.getsource(fn)
    # Four backticks: a docstring that itself contains a fence cannot end the listing.
    return Markdown(f"````python\n{source}````")
