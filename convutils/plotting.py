"""The chapter figures, drawn with matplotlib from numbers `convutils` computes.

Section "Multiple Input and Multiple Output Channels" of *Dive into Deep Learning*. Each
function takes the example's arrays, asks `convutils` for every number it writes (partial
maps, outputs, the sum under the window) and returns a new ``matplotlib.figure.Figure``.
Nothing is typed in by hand, so a figure cannot disagree with the code beside it.

The figures use the Okabe-Ito palette (safe for the common colour-vision deficiencies) and
never rely on colour alone: the highlighted window also gets a thick outline.
The figures are made without pyplot, so building one neither opens a window nor leaks state
between tests. They are `ChapterFigure` objects, which render themselves as PNG in any
Jupyter front end (``display(fig)`` or a cell's last expression) without ``%matplotlib``.
"""

from __future__ import annotations

import io
import re
from typing import Any

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
CELL_FONT = 15
TITLE_FONT = 13
NOTE_FONT = 13
CORR = "⋆"  # cross-correlation


class ChapterFigure(Figure):
    """A matplotlib figure that Jupyter displays as a PNG without pyplot's inline backend.

    The PNG is drawn at twice the figure's dpi and declared at its 1x width, so it stays sharp
    on high-density screens and projectors while keeping its layout size in the page.
    """

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=2 * self.dpi, facecolor="white")
        width = int(round(self.get_figwidth() * self.dpi))
        return buf.getvalue(), {"width": width}


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


def _draw_matrix(
    ax: Axes,
    M: Any,
    title: str,
    highlight: tuple[int, int, int, int] | None = None,
    colour: str = WINDOW,
    face: str = "white",
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
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor=face, edgecolor="#555555", lw=1))
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
    size = 40 if text == CORR else 22
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=size, transform=ax.transAxes)
    ax.axis("off")


def plot_multi_in_example(X: Any, K: Any, i: int = 0, j: int = 0) -> ChapterFigure:
    """The multi-input-channel example, one row per channel.

    ``X (c_i, h, w)`` and ``K (c_i, k_h, k_w)``: each row shows ``X[c]`` with the window that
    produces output ``(i, j)`` shaded, ``K[c]`` and the partial map ``corr2d(X[c], K[c])``;
    the last panel is ``corr2d_multi_in(X, K)``. Under each row the window's products are
    written out, and under the figure the sum over channels, e.g. ``19 + 37 = 56``.
    """
    c_i, k_h, k_w = K.shape
    partials = [to_numpy(corr2d(X[c], K[c])) for c in range(c_i)]
    Y = to_numpy(corr2d_multi_in(X, K))
    Xn, Kn = to_numpy(X), to_numpy(K)

    (h, w), w_o = Xn.shape[1:], Y.shape[1]
    # Panel widths follow the matrices' widths, so every cell has about the same size.
    ratios = [w, 0.8, k_w, 0.8, w_o, 0.8, w_o]
    size = (0.77 * sum(ratios), c_i * (0.62 * h + 0.6) + 0.6)
    fig = ChapterFigure(figsize=size, dpi=110, layout="constrained")
    grid = fig.add_gridspec(c_i, 7, width_ratios=ratios)
    for c in range(c_i):
        window = Xn[c, i : i + k_h, j : j + k_w]
        products = " + ".join(
            f"{_term(x)}×{_term(k)}" for x, k in zip(window.ravel(), Kn[c].ravel(), strict=True)
        )
        ax_x = fig.add_subplot(grid[c, 0])
        _draw_matrix(ax_x, Xn[c], f"input channel {c}: X[{c}]", (i, j, k_h, k_w), room_below=0.7)
        ax_x.text(
            0,
            Xn.shape[1] + 0.3,
            f"{products} = {_fmt(partials[c][i, j])}",
            fontsize=NOTE_FONT,
            va="top",
        )
        _symbol(fig.add_subplot(grid[c, 1]), CORR)
        _draw_matrix(fig.add_subplot(grid[c, 2]), Kn[c], f"K[{c}]", face=KERNEL_FACE)
        _symbol(fig.add_subplot(grid[c, 3]), "=")
        _draw_matrix(
            fig.add_subplot(grid[c, 4]),
            partials[c],
            f"channel {c} partial",
            (i, j, 1, 1),
            OUTPUT,
        )
    _symbol(fig.add_subplot(grid[:, 5]), "Σ")
    _draw_matrix(fig.add_subplot(grid[:, 6]), Y, "output Y (sum)", (i, j, 1, 1), OUTPUT)
    terms = " + ".join(_term(p[i, j]) for p in partials)
    fig.supxlabel(f"Y[{i}, {j}] = {terms} = {_fmt(Y[i, j])}", fontsize=TITLE_FONT + 4)
    return fig


def plot_multi_out_example(X: Any, K: Any) -> ChapterFigure:
    """Two input and several output channels: ``X (c_i, h, w)``, ``K (c_o, c_i, k_h, k_w)``.

    The input channels are drawn once on the left. Each further row is one output channel
    ``o``: its kernel channels ``K[o, 0], ..., K[o, c_i-1]`` and the output map
    ``corr2d_multi_in_out(X, K)[o]``, with the first window and output element highlighted.
    When ``K[o] - K[0]`` is a constant ``d``, the row is labelled ``K + d``.
    """
    c_o, c_i, k_h, k_w = K.shape
    Y = to_numpy(corr2d_multi_in_out(X, K))
    Xn, Kn = to_numpy(X), to_numpy(K)

    fig = ChapterFigure(
        figsize=(2.6 + 1.8 * (c_i + 1), 1.9 * c_o + 0.4), dpi=110, layout="constrained"
    )
    ratios = [3, 0.7] + [2] * c_i + [0.7, 2]
    grid = fig.add_gridspec(c_o * c_i, len(ratios), width_ratios=ratios)
    for c in range(c_i):
        ax = fig.add_subplot(grid[c * c_o : (c + 1) * c_o, 0])
        _draw_matrix(ax, Xn[c], f"X[{c}]", (0, 0, k_h, k_w))
    _symbol(fig.add_subplot(grid[:, 1]), CORR)
    for o in range(c_o):
        rows = slice(o * c_i, (o + 1) * c_i)
        shift = Kn[o] - Kn[0]
        d = shift.flat[0]
        name = (f"K + {_fmt(d)}" if d else "K") if np.all(shift == d) else f"K[{o}]"
        for c in range(c_i):
            ax = fig.add_subplot(grid[rows, 2 + c])
            _draw_matrix(ax, Kn[o, c], f"K[{o}, {c}]", face=KERNEL_FACE)
            if c == 0:
                ax.text(
                    -0.35, k_h / 2, name, rotation=90, ha="right", va="center", fontsize=NOTE_FONT
                )
        _symbol(fig.add_subplot(grid[rows, 2 + c_i]), "=")
        _draw_matrix(
            fig.add_subplot(grid[rows, 3 + c_i]), Y[o], f"output {o}", (0, 0, 1, 1), OUTPUT
        )
    return fig


def plot_one_by_one(X: Any, K: Any, i: int = 0, j: int = 0) -> ChapterFigure:
    """A 1x1 layer as a per-pixel matrix product: ``X (c_i, h, w)``, ``K (c_o, c_i, 1, 1)``.

    Left, the input channels with pixel ``(i, j)`` outlined; middle, the ``c_o x c_i`` weight
    matrix times that pixel's ``c_i`` values equals its ``c_o`` outputs; right, the output
    channels of ``corr2d_multi_in_out(X, K)`` with the same pixel outlined.
    """
    c_o, c_i = K.shape[:2]
    Y = to_numpy(corr2d_multi_in_out(X, K))
    Xn, W = to_numpy(X), to_numpy(K).reshape(c_o, c_i)
    n = max(c_i, c_o)

    fig = ChapterFigure(figsize=(9.6, 1.6 * n + 0.5), dpi=110, layout="constrained")
    ratios = [2, 0.5, 1.4 * c_i / n + 0.6, 0.3, 0.9, 0.4, 0.9, 0.5, 2]
    grid = fig.add_gridspec(n, len(ratios), width_ratios=ratios)
    for c in range(c_i):
        _draw_matrix(fig.add_subplot(grid[c, 0]), Xn[c], f"input channel {c}", (i, j, 1, 1))
    _symbol(fig.add_subplot(grid[:, 1]), "→")
    _draw_matrix(fig.add_subplot(grid[:, 2]), W, f"weights ({c_o}×{c_i})", face=KERNEL_FACE)
    _symbol(fig.add_subplot(grid[:, 3]), "×")
    _draw_matrix(
        fig.add_subplot(grid[:, 4]), Xn[:, i, j][:, None], f"X[:, {i}, {j}]", (0, 0, c_i, 1)
    )
    _symbol(fig.add_subplot(grid[:, 5]), "=")
    _draw_matrix(
        fig.add_subplot(grid[:, 6]),
        Y[:, i, j][:, None],
        f"Y[:, {i}, {j}]",
        (0, 0, c_o, 1),
        OUTPUT,
    )
    for o in range(c_o):
        _draw_matrix(fig.add_subplot(grid[o, 8]), Y[o], f"output channel {o}", (i, j, 1, 1), OUTPUT)
    return fig


# Exercise 3 (appended by the exercises notebook's author): measured against predicted growth.
PREDICTED = "#0072B2"  # Okabe-Ito blue
MEASURED = "#E69F00"  # Okabe-Ito orange, also hatched so colour is not the only cue


def _math_symbols(text: str) -> str:
    """``text`` with the symbols ``c_i`` and ``c_o`` in mathtext, so the figure writes them
    with a subscript, as the book's formulas do, instead of with a literal underscore."""
    return re.sub(r"\b(c_[io])\b", r"$\1$", text)


def plot_cost_growth(cases: Any) -> ChapterFigure:
    """Grouped bars: for each grown layer, the time ratio measured against the ratio the
    operation count predicts, both relative to the base layer (the dashed line at 1).

    ``cases`` is what `convutils.costs.measure_growth` returns: the ``"base"`` case and the
    grown ones, each with ``measured_ratio`` and ``predicted_ratio``. Every number written on
    the figure comes from ``cases``.
    """
    grown = [c for c in cases if c.name != "base"]
    if not grown:
        raise ValueError("plot_cost_growth: need at least one case besides 'base'")
    fig = ChapterFigure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(grown))
    width = 0.38
    bars = [
        ("predicted (multiplications)", [c.predicted_ratio for c in grown], PREDICTED, ""),
        ("measured time ratio (median)", [c.measured_ratio for c in grown], MEASURED, "//"),
    ]
    for n, (label, values, colour, hatch) in enumerate(bars):
        offset = (n - 0.5) * width
        drawn = ax.bar(
            x + offset, values, width, label=label, color=colour, hatch=hatch, edgecolor=EDGE
        )
        labels = [f"{v:.2f}x" for v in values]
        ax.bar_label(drawn, labels=labels, padding=2, fontsize=NOTE_FONT - 2)
    ax.axhline(1.0, color=EDGE, linestyle="--", linewidth=1)
    ticks = [
        f"{_math_symbols(c.name)}\n($c_i$, $c_o$) = ({c.layer.c_i}, {c.layer.c_o}), "
        f"padding {c.layer.padding[0]}"
        for c in grown
    ]
    ax.set_xticks(x, ticks, fontsize=NOTE_FONT - 3)
    ax.set_ylabel("ratio to the base layer", fontsize=NOTE_FONT - 2)
    top = max(max(c.predicted_ratio, c.measured_ratio) for c in grown)
    ax.set_ylim(0, top * 1.2)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper right", frameon=False, fontsize=NOTE_FONT - 3)
    ax.set_title("How much more work, and how much more time?", fontsize=TITLE_FONT)
    return fig
