"""convutils.tables: the exercises' tables lay out the values they are given, unchanged."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from IPython.core.formatters import DisplayFormatter

from convutils.tables import Table


class _Cells(HTMLParser):
    """Each ``<th>``/``<td>`` as (tag, style attribute, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[list] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("th", "td"):
            self.cells.append([tag, dict(attrs).get("style"), ""])

    def handle_data(self, data):
        if self.cells:
            self.cells[-1][2] += data


def test_html_keeps_values_on_one_line_and_lets_labels_wrap():
    table = Table(["dtype", "largest |Y1 - Y2|"], [["float32", "8.34e-07"], ["a<b", (12, 12)]])
    parser = _Cells()
    parser.feed(table._repr_html_())
    assert parser.cells == [
        ["th", None, "dtype"],
        ["th", None, "largest |Y1 - Y2|"],
        ["td", None, "float32"],
        ["td", "white-space: nowrap", "8.34e-07"],
        ["td", None, "a<b"],  # escaped in the HTML, read back as written
        ["td", "white-space: nowrap", "(12, 12)"],
    ]


def test_markdown_escapes_the_cell_separator():
    md = Table(["quantity", "sum |Y1 - Y2|"], [["x", 1e-06]])._repr_markdown_()
    assert md.splitlines() == [
        "| quantity | sum \\|Y1 - Y2\\| |",
        "| --- | --- |",
        "| x | 1e-06 |",
    ]


def test_jupyter_gets_both_html_and_markdown():
    data, _ = DisplayFormatter().format(Table(["a"], [[1]]))
    assert {"text/html", "text/markdown"} <= set(data)


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="row 1 has 1 cells, the header has 2"):
        Table(["a", "b"], [[1, 2], [3]])
