"""The chapter figures are drawn from the numbers convutils computes, not typed-in ones.

Each test builds a figure, reads back the text matplotlib will draw and checks it against
convutils' own results (and, for the worked example, the brief's numbers).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.patches import Rectangle
from matplotlib.text import Text

import convutils
from convutils import plotting


def texts(fig) -> list[str]:
    """Every text of the figure; a note wrapped over lines (for the phone) reads as one."""
    return [t.get_text().replace("\n", " ") for t in fig.findobj(Text) if t.get_text()]


def panels_with_cells(fig) -> list:
    """Axes that draw a grid of numbered cells (the operator panels have no rectangles)."""
    return [ax for ax in fig.axes if any(isinstance(p, Rectangle) for p in ax.patches)]


def cell_numbers(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_multi_in_figure_writes_the_sum_convutils_computes():
    X, K = convutils.two_channel_example()
    fig = plotting.plot_multi_in_example(X, K)
    partials = [convutils.corr2d(X[c], K[c]) for c in range(2)]
    Y = convutils.corr2d_multi_in(X, K)
    expected = f"Y[0, 0] = {partials[0][0, 0]} + {partials[1][0, 0]} = {Y[0, 0]}"
    assert expected in texts(fig)
    assert expected == "Y[0, 0] = 19 + 37 = 56"  # the brief's worked example
    # the products under each row, one term per window element
    assert "0×0 + 1×1 + 3×2 + 4×3 = 19" in texts(fig)
    assert "1×1 + 2×2 + 4×3 + 5×4 = 37" in texts(fig)


def test_multi_in_figure_has_one_row_of_panels_per_channel_and_the_output():
    X, K = convutils.two_channel_example()
    fig = plotting.plot_multi_in_example(X, K)
    grids = panels_with_cells(fig)
    # per channel: X[c], K[c], partial map; then the summed output
    assert len(grids) == 3 * 2 + 1
    titles = [ax.get_title() for ax in grids]
    assert titles[-1] == "Y (sum)"
    assert cell_numbers(grids[-1]) == ["56", "72", "104", "120"]
    assert cell_numbers(grids[2]) == [str(v) for v in convutils.corr2d(X[0], K[0]).ravel()]


def test_multi_in_figure_follows_another_output_element():
    X, K = convutils.two_channel_example()
    fig = plotting.plot_multi_in_example(X, K, i=1, j=1)
    partials = [convutils.corr2d(X[c], K[c]) for c in range(2)]
    Y = convutils.corr2d_multi_in(X, K)
    assert f"Y[1, 1] = {partials[0][1, 1]} + {partials[1][1, 1]} = {Y[1, 1]}" in texts(fig)


def test_multi_in_figure_accepts_torch_tensors_and_floats():
    X, K = convutils.two_channel_example()
    fig = plotting.plot_multi_in_example(torch.from_numpy(X), torch.from_numpy(K))
    assert "Y[0, 0] = 19 + 37 = 56" in texts(fig)
    fig = plotting.plot_multi_in_example(X / 2, K.astype(np.float64))
    assert "Y[0, 0] = 9.50 + 18.50 = 28" in texts(fig)


def test_multi_out_figure_shows_every_kernel_and_output_map():
    X, K = convutils.two_channel_example()
    K3 = convutils.three_output_kernels(K)
    fig = plotting.plot_multi_out_example(X, K3)
    Y3 = convutils.corr2d_multi_in_out(X, K3)
    grids = panels_with_cells(fig)
    # two input channels, then per output channel two kernel slices and one output map
    assert len(grids) == 2 + 3 * (2 + 1)
    outputs = [ax for ax in grids if ax.get_title().startswith("output")]
    assert [cell_numbers(ax) for ax in outputs] == [
        [str(v) for v in Y3[o].ravel()] for o in range(3)
    ]
    assert [cell_numbers(ax) for ax in outputs] == [
        ["56", "72", "104", "120"],
        ["76", "100", "148", "172"],
        ["96", "128", "192", "224"],
    ]
    # rows are named after the shift from K, read off the kernel itself
    for label in ("K", "K + 1", "K + 2"):
        assert label in texts(fig)


def test_multi_out_figure_names_unrelated_kernels_by_index():
    X, _ = convutils.two_channel_example()
    K = np.arange(2 * 2 * 2 * 2).reshape(2, 2, 2, 2) % 5
    fig = plotting.plot_multi_out_example(X, K)
    assert "K[1]" in texts(fig)
    assert "K + 1" not in texts(fig)


def test_one_by_one_figure_is_a_per_pixel_matrix_product():
    rng = np.random.default_rng(4)  # weights [[1, 2, 2], [2, -1, 1]]: no zero row
    X = rng.integers(0, 10, size=(3, 3, 3))
    K = rng.integers(-2, 3, size=(2, 3, 1, 1))
    fig = plotting.plot_one_by_one(X, K, i=1, j=2)
    Y = convutils.corr2d_multi_in_out(X, K)
    grids = {ax.get_title(): ax for ax in panels_with_cells(fig)}
    # 3 input channels, the weight matrix, the pixel's vector, its outputs, 2 output channels
    assert len(grids) == 3 + 1 + 1 + 1 + 2
    assert cell_numbers(grids["weights (2×3)"]) == [str(v) for v in K.reshape(2, 3).ravel()]
    assert cell_numbers(grids["X[:, 1, 2]"]) == [str(v) for v in X[:, 1, 2]]
    assert cell_numbers(grids["Y[:, 1, 2]"]) == [str(v) for v in Y[:, 1, 2]]
    assert cell_numbers(grids["output channel 1"]) == [str(v) for v in Y[1].ravel()]


@pytest.mark.parametrize(
    "make",
    [
        lambda X, K: plotting.plot_multi_in_example(X, K),
        lambda X, K: plotting.plot_multi_out_example(X, convutils.three_output_kernels(K)),
    ],
)
def test_figures_render_as_png_for_jupyter(make):
    X, K = convutils.two_channel_example()
    fig = make(X, K)
    data, meta = fig._repr_png_()
    assert data.startswith(b"\x89PNG")
    # drawn at twice the resolution, declared at the figure's own width
    assert meta["width"] == round(fig.get_figwidth() * fig.dpi)


def test_highlight_colours_are_not_a_red_green_pair():
    # Okabe-Ito sky blue and orange (the steppers' colours), and every highlighted block also
    # gets a thick black outline, so the figure reads without colour.
    assert plotting.WINDOW.lower() == "#56b4e9"
    assert plotting.OUTPUT.lower() == "#e69f00"
    X, K = convutils.two_channel_example()
    fig = plotting.plot_multi_in_example(X, K)
    outlines = [
        p for ax in fig.axes for p in ax.patches if not p.get_fill() and p.get_linewidth() >= 3
    ]
    assert len(outlines) == 2 + 2 + 1  # both windows, both partial cells, the output cell


def test_figures_handle_other_shapes():
    # three input channels, a non-square input and kernel: the layout follows the shapes
    rng = np.random.default_rng(3)
    X = rng.integers(-3, 4, size=(3, 4, 5))
    K = rng.integers(-2, 3, size=(3, 2, 3))
    fig = plotting.plot_multi_in_example(X, K, i=2, j=1)
    partials = [convutils.corr2d(X[c], K[c])[2, 1] for c in range(3)]
    total = convutils.corr2d_multi_in(X, K)[2, 1]
    terms = " + ".join(f"({p})" if p < 0 else str(p) for p in partials)
    assert f"Y[2, 1] = {terms} = {total}" in texts(fig)
    # negative factors are parenthesised in the written-out products
    assert any("×(-" in t for t in texts(fig))
    assert len(panels_with_cells(fig)) == 3 * 3 + 1

    K4 = rng.integers(-2, 3, size=(4, 3, 2, 3))
    fig = plotting.plot_multi_out_example(X, K4)
    assert len(panels_with_cells(fig)) == 3 + 4 * (3 + 1)

    K1 = rng.integers(-2, 3, size=(4, 3, 1, 1))
    fig = plotting.plot_one_by_one(X, K1, i=3, j=4)
    Y = convutils.corr2d_multi_in_out(X, K1)
    grids = {ax.get_title(): ax for ax in panels_with_cells(fig)}
    assert cell_numbers(grids["Y[:, 3, 4]"]) == [str(v) for v in Y[:, 3, 4]]
    assert len(grids) == 3 + 3 + 4


def test_cost_growth_figure_writes_the_cases_values_and_subscripts_the_symbols():
    from convutils.costs import ConvLayer
    from convutils.timing import GrowthCase

    base = ConvLayer(4, 6, 6, 4, 3, 3, padding=1)
    wider = base.with_changes(c_i=8, c_o=8)
    padded = base.with_changes(padding=2)
    cases = [
        GrowthCase("base", base, 0.002, 1.0, 1.0),
        GrowthCase("c_i and c_o doubled", wider, 0.005, 2.5, 4.0),
        GrowthCase("padding doubled", padded, 0.003, 1.21, 64 / 36),
    ]
    fig = plotting.plot_cost_growth(cases)
    names = [t for t in texts(fig) if "padding" in t]
    assert names[0] == "cᵢ and cₒ doubled (cᵢ, cₒ) = (8, 8), padding 1"
    assert names[1] == "padding doubled (cᵢ, cₒ) = (4, 4), padding 2"
    # c_i and c_o are written with subscript letters, never with a literal underscore
    assert not any("c_" in t for t in texts(fig))
    labels = texts(fig)
    for value in (4.0, 64 / 36, 2.5, 1.21):
        assert f"{value:.2f}x" in labels
    fig.canvas.draw()

    with pytest.raises(ValueError, match="besides 'base'"):
        plotting.plot_cost_growth(cases[:1])


def chapter_figures():
    """The four figures as the chapters draw them (the exercises' with fixed timings)."""
    from convutils.costs import ConvLayer
    from convutils.timing import GrowthCase

    X, K = convutils.two_channel_example()
    rng = np.random.default_rng(4)
    X1, K1 = rng.integers(0, 10, size=(3, 3, 3)), rng.integers(-2, 3, size=(2, 3, 1, 1))
    base = ConvLayer(4, 6, 6, 4, 3, 3, padding=1)
    cases = [
        GrowthCase("base", base, 0.002, 1.0, 1.0),
        GrowthCase("c_i and c_o doubled", base.with_changes(c_i=8, c_o=8), 0.005, 2.5, 4.0),
        GrowthCase("padding doubled", base.with_changes(padding=2), 0.003, 1.21, 64 / 36),
    ]
    return {
        "multi_in": plotting.plot_multi_in_example(X, K),
        "multi_out": plotting.plot_multi_out_example(X, convutils.three_output_kernels(K)),
        "one_by_one": plotting.plot_one_by_one(X1, K1, i=1, j=2),
        "cost_growth": plotting.plot_cost_growth(cases),
    }


@pytest.mark.parametrize("name", ["multi_in", "multi_out", "one_by_one", "cost_growth"])
def test_figures_are_svg_with_real_text_readable_in_a_phone_column(name):
    fig = chapter_figures()[name]
    svg = fig._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    # real text, not glyph outlines: every number of the figure is a <text> element
    drawn = [t.get_text() for ax in fig.axes for t in [*ax.texts, ax.title] if t.get_text()]
    assert len(drawn) >= 6
    for text in drawn:
        for line in text.split("\n"):
            assert f">{line}</text>" in svg.replace("&apos;", "'"), line
    assert '<use xlink:href="#DejaVu' not in svg
    # small enough for the phone column and large enough text in it
    full, _ = plotting.svg_size(svg)
    assert full <= plotting.PHONE_LAYOUT_MAX, full
    smallest = plotting.smallest_text_px(svg, plotting.PHONE_COLUMN)
    assert smallest >= plotting.MIN_TEXT_PX, (name, smallest)
    # no warning-worthy layout: constrained layout placed every panel inside the figure
    fig.canvas.draw()
    for ax in fig.axes:
        box = ax.get_window_extent()
        assert box.width > 0 and box.height > 0


def test_svg_has_light_and_dark_colours_and_a_transparent_background():
    svg = chapter_figures()["multi_in"]._repr_svg_()
    assert "@media (prefers-color-scheme: dark)" in svg
    # every colour that has a dark variant is written as a CSS variable, nowhere literally
    for light, dark in plotting.DARK.items():
        assert light.lower() not in svg.lower().split("<style>")[0] + svg.split("</style>")[1]
        assert dark.lower() in svg.lower()
    assert "fill: var(--cu-" in svg and "text{fill:var(--cu-0)}" in svg
    # no background rectangle: the page shows through in either theme
    assert "fill: #ffffff" not in svg.lower()
    # deterministic, so rebuilding the book gives the same file
    assert svg == chapter_figures()["multi_in"]._repr_svg_()


def test_smallest_text_px_scales_with_the_shown_width():
    svg = chapter_figures()["multi_out"]._repr_svg_()
    full, box = plotting.svg_size(svg)
    at_full = plotting.smallest_text_px(svg, full)
    assert plotting.smallest_text_px(svg, full / 2) == pytest.approx(at_full / 2)
    # never enlarged past full size
    assert plotting.smallest_text_px(svg, 3 * full) == pytest.approx(at_full)
    with pytest.raises(ValueError, match="no width"):
        plotting.svg_size("<svg></svg>")
