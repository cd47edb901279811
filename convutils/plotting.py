"""The chapter figures, drawn with matplotlib from numbers `convutils` computes.

Section "Multiple Input and Multiple Output Channels" of *Dive into Deep Learning*. Each
function takes the example's arrays, asks `convutils` for every number it writes (partial
maps, outputs, the sum under the window) and returns a new ``matplotlib.figure.Figure``.
Nothing is typed in by hand, so a figure cannot disagree with the code beside it.

The figures use the Okabe-Ito palette (safe for the common colour-vision deficiencies) and
never rely on colour alone: the highlighted window also gets a thick outline.
The figures are made without pyplot, so building one neither opens a window nor leaks state
between tests. They are `ChapterFigure` objects, which render themselves in any Jupyter
front end (``display(fig)`` or a cell's last expression) without ``%matplotlib``: as SVG with
real text for the web (sharp at any size, light and dark colours) and as PNG for the PDF.

Phones: every figure is laid out in stacked rows, no wider than `PHONE_LAYOUT_MAX` CSS px,
with text large enough to stay at least `MIN_TEXT_PX` CSS px when the figure is shrunk to a
`PHONE_COLUMN` px wide column (tests/test_plotting.py and tests/test_responsive.py check it).
"""

from __future__ import annotations

import io
import re
import textwrap
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from convutils._backend import to_numpy
from convutils.correlation import corr2d, corr2d_multi_in, corr2d_multi_in_out

# Okabe-Ito colours, as the steppers use them: sky blue marks the window being read, orange
# the element being written, a pale yellow the kernel; text stays black for contrast.
WINDOW = "#56B4E9"
OUTPUT = "#E69F00"
KERNEL_FACE = "#FFF4D6"
EDGE = "#000000"
GRID = "#555555"
PAPER = "#FFFFFF"
# Font sizes in points; 1 pt is 4/3 CSS px in the SVG. The smallest (13.5 pt = 18 px) stays
# >= 11 px with a figure of up to 490 px shrunk into a 300 px column.
CELL_FONT = 15
TITLE_FONT = 13.5
NOTE_FONT = 13.5
CORR = "⋆"  # cross-correlation
CELL_IN = 0.55  # side of one matrix cell, inches (53 CSS px at full size)

PHONE_COLUMN = 300  # CSS px: the narrowest column a figure is shown in on a 375 px phone
MIN_TEXT_PX = 11  # the smallest text a figure may show there
PHONE_LAYOUT_MAX = 490  # CSS px: widest full-size figure whose 18 px text stays >= 11 px

# Colours of the web version in dark mode. The SVG asks the browser with
# `prefers-color-scheme`, which Chromium and Firefox answer for an <img> with the page's own
# `color-scheme` (pydata-sphinx-theme sets it from its light/dark switch).
DARK = {
    EDGE: "#E8E8E8",
    GRID: "#9AA0A6",
    PAPER: "#1B1F26",
    KERNEL_FACE: "#4A3F1E",
    "#0072B2": "#4BA3E3",
}


class ChapterFigure(Figure):
    """A matplotlib figure that Jupyter displays without pyplot's inline backend.

    The web book shows its SVG (real text, light and dark colours from CSS variables); the
    PDF and front ends without SVG use the PNG, drawn at twice the figure's dpi and declared
    at its 1x width, so it stays sharp on high-density screens and projectors.
    """

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=2 * self.dpi, facecolor="white")
        width = int(round(self.get_figwidth() * self.dpi))
        return buf.getvalue(), {"width": width}

    def _repr_svg_(self) -> str:
        return themed_svg(self)


def themed_svg(fig: Figure) -> str:
    """``fig`` as SVG text with real ``<text>`` and a transparent background, its colours
    turned into CSS variables with light values and, under ``prefers-color-scheme: dark``,
    the dark values of `DARK`. Deterministic: no date, fixed ids."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "convutils"}):
        fig.savefig(buf, format="svg", facecolor="none", metadata={"Date": None})
    svg = buf.getvalue()
    names = {colour.lower(): f"--cu-{n}" for n, colour in enumerate(DARK)}

    def to_var(match: re.Match) -> str:
        prop, colour = match.group(1), match.group(2).lower()
        return f"{prop}: var({names[colour]})" if colour in names else match.group(0)

    svg = re.sub(r"(fill|stroke): (#[0-9a-fA-F]{6})", to_var, svg)
    light = "".join(f"{names[c.lower()]}:{c};" for c in DARK)
    dark = "".join(f"{names[c.lower()]}:{d};" for c, d in DARK.items())
    style = (
        f"<style>svg{{{light}}}text{{fill:var({names[EDGE.lower()]})}}"
        f"@media (prefers-color-scheme: dark){{svg{{{dark}}}}}</style>"
    )
    # The style goes first inside the root element, before matplotlib's <metadata>.
    return re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + style, svg, count=1)


def svg_text_sizes(svg: str) -> list[float]:
    """The font size of every text run of an SVG matplotlib wrote, in its user units."""
    return [float(s) for s in re.findall(r"font-size: ([0-9.]+)px", svg)]


def svg_size(svg: str) -> tuple[float, float]:
    """``(full-size width in CSS px, viewBox width in user units)`` of such an SVG
    (matplotlib writes the width in pt: 1 pt = 4/3 CSS px)."""
    width = re.search(r'<svg\b[^>]*\bwidth="([0-9.]+)pt"', svg)
    box = re.search(r'<svg\b[^>]*\bviewBox="[0-9.-]+ [0-9.-]+ ([0-9.]+) [0-9.]+"', svg)
    if width is None or box is None:
        raise ValueError("svg_size: the SVG has no width in pt or no viewBox")
    return float(width.group(1)) * 4 / 3, float(box.group(1))


def smallest_text_px(svg: str, shown_width: float = PHONE_COLUMN) -> float:
    """The smallest text of ``svg`` in CSS px when it is shown ``shown_width`` px wide (never
    enlarged past its full size, as the book's CSS shows it)."""
    full, box = svg_size(svg)
    return min(svg_text_sizes(svg)) * min(shown_width, full) / box


def _fmt(v: Any) -> str:
    """A number as the figure writes it: integers plainly, floats with two decimals."""
    v = np.asarray(v).item()
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.2f}"


def _term(v: Any) -> str:
    """A number as a term of a written-out sum or product: negatives in parentheses."""
    text = _fmt(v)
    return f"({text})" if text.startswith("-") else text


def _wrap_sum(text: str, width: int) -> str:
    """A long ``a + b + ... = c`` broken before a ``+`` or ``=`` so each line holds about
    ``width`` characters (the figures are narrow enough for a phone)."""
    lines = textwrap.wrap(text, width, break_on_hyphens=False)
    # textwrap breaks at spaces; move a trailing operator to the start of the next line
    for n in range(len(lines) - 1):
        head, _, op = lines[n].rpartition(" ")
        if op in ("+", "="):
            lines[n], lines[n + 1] = head, f"{op} {lines[n + 1]}"
    return "\n".join(lines)


def _draw_matrix(
    ax: Axes,
    M: Any,
    title: str,
    highlight: tuple[int, int, int, int] | None = None,
    colour: str = WINDOW,
    face: str = PAPER,
    room_below: float = 0.0,
) -> None:
    """Draw the 2-D array ``M (rows, cols)`` as a grid of numbered cells on ``ax``.

    ``highlight = (row, col, height, width)`` shades that block in ``colour`` and outlines it
    thickly, so the block reads without colour too. ``room_below`` keeps that many cell
    heights free under the grid for a note, inside the axes so the layout makes room for it.
    """
    M = to_numpy(M)
    rows, cols = M.shape
    for r in range(rows):
        for c in range(cols):
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor=face, edgecolor=GRID, lw=1))
    if highlight is not None:
        r0, c0, h, w = highlight
        ax.add_patch(Rectangle((c0, r0), w, h, facecolor=colour, alpha=0.55, lw=0))
        ax.add_patch(Rectangle((c0, r0), w, h, fill=False, edgecolor=EDGE, lw=3.5))
    for r in range(rows):
        for c in range(cols):
            ax.text(c + 0.5, r + 0.5, _fmt(M[r, c]), ha="center", va="center", fontsize=CELL_FONT)
    ax.set_xlim(-0.05, cols + 0.05)
    ax.set_ylim(rows + 0.05 + room_below, -0.05)  # row 0 at the top, as the arrays print
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=TITLE_FONT)
    ax.axis("off")


def _symbol(ax: Axes, text: str) -> None:
    """An operator (``⋆``, ``=``, ``Σ``) centred in an otherwise empty panel."""
    # The cross-correlation star is a small glyph in most fonts: draw it larger.
    size = 34 if text == CORR else 20
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=size, transform=ax.transAxes)
    ax.axis("off")


def plot_multi_in_example(X: Any, K: Any, i: int = 0, j: int = 0) -> ChapterFigure:
    """The multi-input-channel example, one row per channel, the sum under them.

    ``X (c_i, h, w)`` and ``K (c_i, k_h, k_w)``: each row shows ``X[c]`` with the window that
    produces output ``(i, j)`` shaded, ``K[c]`` and the partial map ``corr2d(X[c], K[c])``,
    with the window's products written out underneath. The last row adds the partial maps
    into ``corr2d_multi_in(X, K)`` (right under them) and writes the sum, e.g.
    ``19 + 37 = 56``. Stacked rows keep the figure narrow enough to read on a phone.
    """
    c_i, k_h, k_w = K.shape
    partials = [to_numpy(corr2d(X[c], K[c])) for c in range(c_i)]
    Y = to_numpy(corr2d_multi_in(X, K))
    Xn, Kn = to_numpy(X), to_numpy(K)

    (h, w), (h_o, w_o) = Xn.shape[1:], Y.shape
    # Panel widths follow the matrices' widths, so every cell has about the same size.
    ratios = [w, 0.7, k_w, 0.7, w_o]
    notes = []
    for c in range(c_i):
        window = Xn[c, i : i + k_h, j : j + k_w]
        products = " + ".join(
            f"{_term(x)}×{_term(k)}" for x, k in zip(window.ravel(), Kn[c].ravel(), strict=True)
        )
        notes.append(_wrap_sum(f"{products} = {_fmt(partials[c][i, j])}", 30))
    note_rows = [0.5 * (n.count("\n") + 1) + 0.1 for n in notes]
    # per channel a row of matrices and a row for its products; then the sum
    heights = [x for r in note_rows for x in (h + 0.7, r)] + [h_o + 0.7]
    size = (CELL_IN * sum(ratios) + 0.3, CELL_IN * sum(heights) + 0.5)
    fig = ChapterFigure(figsize=size, dpi=110, layout="constrained")
    grid = fig.add_gridspec(2 * c_i + 1, 5, width_ratios=ratios, height_ratios=heights)
    for c in range(c_i):
        _draw_matrix(fig.add_subplot(grid[2 * c, 0]), Xn[c], f"X[{c}]", (i, j, k_h, k_w))
        _symbol(fig.add_subplot(grid[2 * c, 1]), CORR)
        _draw_matrix(fig.add_subplot(grid[2 * c, 2]), Kn[c], f"K[{c}]", face=KERNEL_FACE)
        _symbol(fig.add_subplot(grid[2 * c, 3]), "=")
        _draw_matrix(
            fig.add_subplot(grid[2 * c, 4]), partials[c], f"partial {c}", (i, j, 1, 1), OUTPUT
        )
        note = fig.add_subplot(grid[2 * c + 1, :])
        note.axis("off")
        note.text(
            0, 0.5, notes[c], fontsize=NOTE_FONT, va="center", linespacing=1.3,
            transform=note.transAxes,
        )  # fmt: skip
    _symbol(fig.add_subplot(grid[2 * c_i, 3]), "Σ")
    _draw_matrix(fig.add_subplot(grid[2 * c_i, 4]), Y, "Y (sum)", (i, j, 1, 1), OUTPUT)
    terms = " + ".join(_term(p[i, j]) for p in partials)
    total = fig.add_subplot(grid[2 * c_i, :3])
    total.axis("off")
    total.text(
        0.5,
        0.5,
        _wrap_sum(f"Y[{i}, {j}] = {terms} = {_fmt(Y[i, j])}", 24),
        ha="center",
        va="center",
        fontsize=TITLE_FONT + 2,
        transform=total.transAxes,
    )
    return fig


def plot_multi_out_example(X: Any, K: Any) -> ChapterFigure:
    """Several output channels: ``X (c_i, h, w)``, ``K (c_o, c_i, k_h, k_w)``.

    The input channels are drawn once at the top. Each row below is one output channel
    ``o``: its kernel channels ``K[o, 0], ..., K[o, c_i-1]`` and the output map
    ``corr2d_multi_in_out(X, K)[o]``, with the first window and output element highlighted.
    When ``K[o] - K[0]`` is a constant ``d``, the row is labelled ``K + d``.
    """
    c_o, c_i, k_h, k_w = K.shape
    Y = to_numpy(corr2d_multi_in_out(X, K))
    Xn, Kn = to_numpy(X), to_numpy(K)
    h, w = Xn.shape[1:]
    h_o, w_o = Y.shape[1:]

    bottom = [0.9] + [k_w, 0.35] * (c_i - 1) + [k_w, 0.8, w_o]
    top = [w, 0.5] * (c_i - 1) + [w]
    width = max(sum(bottom), sum(top))
    top_h, row_h = h + 0.8, max(k_h, h_o) + 0.75
    size = (CELL_IN * width + 0.3, CELL_IN * (top_h + 0.8 + c_o * row_h) + 0.4)
    fig = ChapterFigure(figsize=size, dpi=110, layout="constrained")
    upper, lower = fig.subfigures(2, 1, height_ratios=[top_h + 0.8, c_o * row_h])
    grid = upper.add_gridspec(1, len(top), width_ratios=top)
    for c in range(c_i):
        _draw_matrix(upper.add_subplot(grid[0, 2 * c]), Xn[c], f"X[{c}]", (0, 0, k_h, k_w))
    upper.supxlabel(f"{CORR} each row's kernel =", fontsize=TITLE_FONT + 2)
    grid = lower.add_gridspec(c_o, len(bottom), width_ratios=bottom)
    for o in range(c_o):
        shift = Kn[o] - Kn[0]
        d = shift.flat[0]
        name = (f"K + {_fmt(d)}" if d else "K") if np.all(shift == d) else f"K[{o}]"
        label = lower.add_subplot(grid[o, 0])
        label.axis("off")
        label.text(
            0.5, 0.5, name, rotation=90, ha="center", va="center", fontsize=NOTE_FONT,
            transform=label.transAxes,
        )  # fmt: skip
        for c in range(c_i):
            ax = lower.add_subplot(grid[o, 1 + 2 * c])
            _draw_matrix(ax, Kn[o, c], f"K[{o}, {c}]", face=KERNEL_FACE)
        _symbol(lower.add_subplot(grid[o, 2 * c_i]), "=")
        _draw_matrix(
            lower.add_subplot(grid[o, 2 * c_i + 1]), Y[o], f"output {o}", (0, 0, 1, 1), OUTPUT
        )
    return fig


def plot_one_by_one(X: Any, K: Any, i: int = 0, j: int = 0) -> ChapterFigure:
    """A 1×1 layer as a per-pixel matrix product: ``X (c_i, h, w)``, ``K (c_o, c_i, 1, 1)``.

    Top, the input channels with pixel ``(i, j)`` outlined; middle, the ``c_o × c_i`` weight
    matrix times that pixel's ``c_i`` values equals its ``c_o`` outputs; bottom, the output
    channels of ``corr2d_multi_in_out(X, K)`` with the same pixel outlined.
    """
    c_o, c_i = K.shape[:2]
    Y = to_numpy(corr2d_multi_in_out(X, K))
    Xn, W = to_numpy(X), to_numpy(K).reshape(c_o, c_i)
    h, w = Xn.shape[1:]
    n = max(c_i, c_o)

    def row(count: int) -> list[float]:
        return [w, 0.45] * (count - 1) + [w]

    middle = [c_i, 0.6, 1, 0.6, 1]
    width = max(sum(row(c_i)), sum(row(c_o)), sum(middle))
    heights = [h + 1.0, n + 1.0, h + 1.0]
    cell = 0.46  # three 3x3 inputs side by side: smaller cells keep the figure phone-narrow
    size = (cell * width + 0.3, cell * sum(heights) + 0.6)
    fig = ChapterFigure(figsize=size, dpi=110, layout="constrained")
    top, mid, bottom = fig.subfigures(3, 1, height_ratios=heights)
    grid = top.add_gridspec(1, len(row(c_i)), width_ratios=row(c_i))
    for c in range(c_i):
        ax = top.add_subplot(grid[0, 2 * c])
        _draw_matrix(ax, Xn[c], f"input channel {c}", (i, j, 1, 1))
    grid = mid.add_gridspec(1, len(middle), width_ratios=middle)
    _draw_matrix(mid.add_subplot(grid[0, 0]), W, f"weights ({c_o}×{c_i})", face=KERNEL_FACE)
    _symbol(mid.add_subplot(grid[0, 1]), "×")
    column = Xn[:, i, j][:, None]
    _draw_matrix(mid.add_subplot(grid[0, 2]), column, f"X[:, {i}, {j}]", (0, 0, c_i, 1))
    _symbol(mid.add_subplot(grid[0, 3]), "=")
    _draw_matrix(
        mid.add_subplot(grid[0, 4]), Y[:, i, j][:, None], f"Y[:, {i}, {j}]", (0, 0, c_o, 1), OUTPUT
    )
    grid = bottom.add_gridspec(1, len(row(c_o)), width_ratios=row(c_o))
    for o in range(c_o):
        ax = bottom.add_subplot(grid[0, 2 * o])
        _draw_matrix(ax, Y[o], f"output channel {o}", (i, j, 1, 1), OUTPUT)
    return fig


# Exercise 3 (appended by the exercises notebook's author): measured against predicted growth.
PREDICTED = "#0072B2"  # Okabe-Ito blue
MEASURED = "#E69F00"  # Okabe-Ito orange, also hatched so colour is not the only cue


def _math_symbols(text: str) -> str:
    """``text`` with the symbols ``c_i`` and ``c_o`` written with subscript letters (cᵢ, cₒ),
    as the book's formulas write them, instead of with a literal underscore. Real subscript
    characters keep the figure's text at its full size (mathtext would shrink them to 70 %)."""
    return re.sub(r"\bc_([io])\b", lambda m: "c" + {"i": "ᵢ", "o": "ₒ"}[m.group(1)], text)


def plot_cost_growth(cases: Any) -> ChapterFigure:
    """Horizontal grouped bars: for each grown layer, the time ratio measured against the
    ratio the operation count predicts, both relative to the base layer (the dashed line at
    1). Each group is named above its bars, so the figure stays narrow for a phone.

    ``cases`` is what `convutils.timing.measure_growth` returns: the ``"base"`` case and the
    grown ones, each with ``measured_ratio`` and ``predicted_ratio``. Every number written on
    the figure comes from ``cases``.
    """
    grown = [c for c in cases if c.name != "base"]
    if not grown:
        raise ValueError("plot_cost_growth: need at least one case besides 'base'")
    pitch, height = 1.5, 0.3  # data units between groups; bar thickness
    fig = ChapterFigure(figsize=(4.6, 1.4 + 1.45 * len(grown)), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    bars = [
        ("predicted (multiplications)", "predicted_ratio", PREDICTED, ""),
        ("measured time (median)", "measured_ratio", MEASURED, "//"),
    ]
    y = pitch * np.arange(len(grown), dtype=float)
    for n, (label, attr, colour, hatch) in enumerate(bars):
        values = [getattr(c, attr) for c in grown]
        drawn = ax.barh(
            y + n * height, values, height, label=label, color=colour, hatch=hatch,
            edgecolor=EDGE,
        )  # fmt: skip
        labels = [f"{v:.2f}x" for v in values]
        ax.bar_label(drawn, labels=labels, padding=3, fontsize=NOTE_FONT)
    # the base layer's level, drawn beside the bars only (not through the group names)
    ax.vlines(np.ones_like(y), y - 0.25, y + 0.55, colors=EDGE, linestyles="--", linewidth=1)
    symbols = f"({_math_symbols('c_i')}, {_math_symbols('c_o')})"
    for k, c in enumerate(grown):
        name = (
            f"{_math_symbols(c.name)}\n"
            f"{symbols} = ({c.layer.c_i}, {c.layer.c_o}), padding {c.layer.padding[0]}"
        )
        ax.text(0, y[k] - 0.3, name, fontsize=NOTE_FONT, va="bottom", linespacing=1.25)
    ax.set_yticks([])
    ax.tick_params(axis="x", labelsize=NOTE_FONT)
    ax.set_xlabel("ratio to the base layer (dashed: 1)", fontsize=NOTE_FONT)
    top = max(max(c.predicted_ratio, c.measured_ratio) for c in grown)
    ax.set_xlim(0, top * 1.3)
    ax.set_ylim(y[-1] + 2 * height, -1.0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    fig.legend(loc="outside lower center", frameon=False, fontsize=NOTE_FONT, ncols=1)
    return fig
