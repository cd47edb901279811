"""Small tables of computed values, for the exercises page of the book.

The exercises of the section "Multiple Input and Multiple Output Channels" of *Dive into Deep
Learning* show operation counts, memory and timings that `convutils` computed a moment
earlier. :class:`Table` only lays those values out; it computes nothing.

A table renders itself as HTML in the web book and in Jupyter, and as a Markdown table where
HTML is not wanted (the PDF build). In the HTML the first column (the row labels) may wrap,
while every other cell is kept on one line, so that a number such as ``8.3e-07`` or a shape
such as ``(12, 12)`` is never split at its hyphen or comma.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any


class Table:
    """A header row and rows of cells, each cell shown as ``str(cell)``."""

    def __init__(self, header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> None:
        self.header = [str(c) for c in header]
        self.rows = [[str(c) for c in row] for row in rows]
        for n, row in enumerate(self.rows):
            if len(row) != len(self.header):
                raise ValueError(
                    f"Table: row {n} has {len(row)} cells, the header has {len(self.header)}"
                )

    def _repr_markdown_(self) -> str:
        def line(cells: list[str]) -> str:
            # A "|" inside a cell would end the cell early: escape it.
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        rule = "|" + " --- |" * len(self.header)
        return "\n".join([line(self.header), rule, *(line(r) for r in self.rows)])

    def _repr_html_(self) -> str:
        def cell(tag: str, text: str, column: int) -> str:
            # Labels (column 0) may wrap; values stay on one line.
            style = "" if column == 0 else ' style="white-space: nowrap"'
            return f"<{tag}{style}>{html.escape(text)}</{tag}>"

        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.header)
        body = "".join(
            "<tr>" + "".join(cell("td", c, n) for n, c in enumerate(row)) + "</tr>"
            for row in self.rows
        )
        return f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def __repr__(self) -> str:
        return self._repr_markdown_()


def show_table(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> None:
    """Display ``Table(header, rows)`` in the notebook (HTML there, Markdown in the PDF)."""
    from IPython.display import display

    display(Table(header, rows))
